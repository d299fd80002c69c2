/*
 * The least any start can cost with this monitor (bench/README.md, "floor
 * rows"): no Node, no config, no plan. It hands `ctr-monitor start` a spec
 * that ctr's own planner wrote earlier, exactly as ctr does (a socketpair
 * on fd 3, docs/monitor-protocol.md §3), and waits for its report. The
 * container is RUNNING when this exits 0.
 *
 *   spec-driver MONITOR NAME LXCPATH SPECFILE
 *
 * Run as the monitor (CTR_MONITOR=spec-driver, with CTR_BENCH_SPEC=FILE),
 * it takes the spec ctr start sends, `LEN\n` and LEN bytes on fd 3, writes
 * it to FILE and exits without a report: that ctr start fails, and nothing
 * was started.
 *
 * Written in C so that the figure holds no runtime's boot at all: it is the
 * monitor's whole start (exec, sealed re-exec, daemonizing, clone, the
 * container's setup, the report) as a client sees it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char spec[1 << 20];
static char said[1 << 16];

/* Reads exactly n bytes from fd (the sender keeps its end open). */
static int read_full(int fd, char *buf, size_t n) {
  for (size_t got = 0; got < n;) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

static int capture(const char *file) {
  size_t head = 0;
  while (head < 32 && read_full(3, spec + head, 1) == 0 && spec[head] != '\n') head++;
  if (head == 0 || head >= 32 || spec[head] != '\n') return 1;
  spec[head] = '\0';
  size_t len = strtoul(spec, NULL, 10);
  spec[head] = '\n';
  if (len == 0 || len > sizeof spec - head - 1 || read_full(3, spec + head + 1, len) < 0) return 1;
  int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || write(fd, spec, head + 1 + len) != (ssize_t)(head + 1 + len)) return 1;
  return close(fd) == 0 ? 3 : 1;
}

int main(int argc, char **argv) {
  const char *out = getenv("CTR_BENCH_SPEC");
  if (argc > 1 && strcmp(argv[1], "start") == 0 && out != NULL) return capture(out);
  if (argc != 5) {
    fprintf(stderr, "usage: spec-driver MONITOR NAME LXCPATH SPECFILE\n");
    return 2;
  }
  int fd = open(argv[4], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    perror(argv[4]);
    return 1;
  }
  ssize_t len = read(fd, spec, sizeof spec);
  close(fd);
  if (len <= 0) {
    fprintf(stderr, "spec-driver: %s is empty\n", argv[4]);
    return 1;
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
    perror("socketpair");
    return 1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 1;
  }
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(sv[1], 3) < 0) _exit(127);
    char *args[] = {argv[1], "start", "--name", argv[2], "--lxcpath", argv[3], NULL};
    execve(argv[1], args, environ);
    _exit(127);
  }
  close(sv[1]);
  for (ssize_t off = 0; off < len;) {
    ssize_t n = write(sv[0], spec + off, (size_t)(len - off));
    if (n < 0) {
      perror("write spec");
      return 1;
    }
    off += n;
  }
  shutdown(sv[0], SHUT_WR);
  /* The monitor closes its end once it has reported (or failed). */
  size_t got = 0;
  for (ssize_t n; got < sizeof said - 1 && (n = read(sv[0], said + got, sizeof said - 1 - got)) > 0;) got += (size_t)n;
  said[got] = '\0';
  int status = 0;
  waitpid(pid, &status, 0);
  if (strstr(said, "running ") == NULL) {
    fprintf(stderr, "spec-driver: the monitor said \"%s\" (exit status %d)\n", said, status);
    return 1;
  }
  return 0;
}
