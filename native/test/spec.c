/* native/spec.c: the spec reader (docs/monitor-protocol.md §2), with
 * malformed, truncated and out-of-range input. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "spec.h"

/* Writes `len` bytes to a file in the test directory and opens it for reading. */
static int spec_fd(const char *data, size_t len)
{
	char path[PATH_MAX];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/spec", ctr_test_dir());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		return -1;
	(void)close(fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static int read_raw(struct ctr_spec *spec, const char *data, size_t len)
{
	int fd = spec_fd(data, len), ret;

	if (fd < 0)
		return -EBADF;
	ret = ctr_spec_read(fd, spec);
	(void)close(fd);
	return ret;
}

/* Encodes NULL-terminated token lists (as src/core/monitor-spec.ts does) and reads them. */
static int read_tokens(struct ctr_spec *spec, const char *const *a, const char *const *b)
{
	size_t len = 0, off;
	char *all;
	int n, ret;

	for (int part = 0; part < 2; part++)
		for (const char *const *t = part ? b : a; t && *t; t++)
			len += strlen(*t) + 1;
	all = malloc(len + 32);
	if (!all)
		return -ENOMEM;
	n = snprintf(all, 32, "%zu\n", len);
	off = (size_t)n;
	for (int part = 0; part < 2; part++)
		for (const char *const *t = part ? b : a; t && *t; t++) {
			size_t l = strlen(*t) + 1;
			memcpy(all + off, *t, l);
			off += l;
		}
	ret = read_raw(spec, all, off);
	free(all);
	return ret;
}

static const char *const base[] = {"name", "c1", "lxcpath", "/var/lib/ctr", "rundir", "/run/ctr/x", "arg", "/sbin/init", NULL};

/* The base records plus `extra` plus `end`. */
static int read_with(struct ctr_spec *spec, const char *const *extra)
{
	static const char *joined[256];
	size_t n = 0;

	for (const char *const *t = extra; t && *t && n < 254; t++)
		joined[n++] = *t;
	joined[n++] = "end";
	joined[n] = NULL;
	return read_tokens(spec, base, joined);
}

/* The spec with `extra` must be refused with EINVAL, a message containing
 * `needle`, and nothing left allocated (LeakSanitizer checks the rest). */
static void expect_refused(const char *const *extra, const char *needle, const char *file, int line)
{
	struct ctr_spec spec;
	int ret = read_with(&spec, extra);

	if (ret != -EINVAL)
		ctr_test_fail(file, line, "expected -EINVAL, got %d (%s)", ret, spec.error);
	else if (!contains(spec.error, needle))
		ctr_test_fail(file, line, "error \"%s\" does not contain \"%s\"", spec.error, needle);
	if (spec.buf || spec.argv || spec.fsops || spec.shares)
		ctr_test_fail(file, line, "the refused spec kept allocations");
}

#define REFUSED(needle, ...) expect_refused((const char *const[]){__VA_ARGS__, NULL}, needle, __FILE__, __LINE__)

TEST(spec_minimal_has_defaults)
{
	struct ctr_spec spec;

	CHECK_INT(read_with(&spec, NULL), 0);
	CHECK_STR(spec.name, "c1");
	CHECK_STR(spec.lxcpath, "/var/lib/ctr");
	CHECK_STR(spec.rundir, "/run/ctr/x");
	CHECK_INT(spec.argc, 1);
	CHECK_STR(spec.argv[0], "/sbin/init");
	CHECK(spec.argv[1] == NULL);
	CHECK_INT(spec.personality, -1);
	CHECK_INT(spec.reboot_signal, SIGINT);
	CHECK_INT(spec.stop_signal, SIGKILL);
	CHECK_INT(spec.pdeath_signal, SIGKILL);
	CHECK_INT(spec.halt_signal, 0);
	CHECK(!spec.foreground && !spec.has_caps && !spec.rootfs);
	CHECK_STR(spec.error, "");
	ctr_spec_free(&spec);
}

TEST(spec_every_record_round_trips)
{
	const char *const extra[] = {
		"exitfile", "/var/lib/ctr/c1/last-exit.json", "pidfile", "/run/c1.pid", "logfile", "/var/log/ctr/c1.log",
		"loglevel", "1", "config", "/var/lib/ctr/c1/config", "foreground", "1", "stdio", "inherit",
		"arg", "-c", "arg", "", "env", "A=1", "env", "container=lxc", "path", "/bin", "hostname", "h",
		"keyring", "1", "clone", "1946288128", "share", "1073741824", "/proc/1/ns/net", "1", "77",
		"rootfs", "/r", "rootfs_ro", "1", "rootfs_fs", "overlay", "overlay", "lowerdir=/a", "6",
		"boot_id", "1", "root_shared", "1", "execute", "1", "mount", "", "/proc", "proc", "14", "", "5", "mknod", "/dev/null", "8630", "259", "0",
		"symlink", "/proc/self/fd", "/dev/fd", "1", "mkdir", "/dev/pts", "493", "0", "umount", "/old", "32",
		"cwd", "/home", "uid", "1000", "gid", "4294967294", "group", "5", "group", "6", "halt", "10",
		"reboot", "99", "stopsig", "15", "pdeath", "0", "caps", "1fFfFfFfFf", "nnp", "1",
		"rlimit", "7", "1024", "18446744073709551615", "sysctl", "net.ipv4.ip_forward", "1",
		"proc", "oom_score_adj", "-500", "uidmap", "0 100000 65536", "gidmap", "0 100000 65536",
		"seccomp", "0600000000000000", "personality", "8", "cgroup", "lxc.payload.c1", "cgroup_inner", "init",
		"cgroup_monitor", "lxc.monitor.c1", "cgroup_pivot", "lxc.pivot",
		"cghier", "2", "", "/sys/fs/cgroup", "/", "", "memory,pids", "cgset", "0", "memory.max", "1G", NULL};
	struct ctr_spec spec;

	CHECK_INT(read_with(&spec, extra), 0);
	CHECK_STR(spec.error, "");
	CHECK_STR(spec.exitfile, "/var/lib/ctr/c1/last-exit.json");
	CHECK_STR(spec.pidfile, "/run/c1.pid");
	CHECK_INT(spec.loglevel, 1);
	CHECK(spec.foreground && spec.stdio_inherit && spec.new_keyring && spec.rootfs_readonly);
	CHECK(spec.boot_id && spec.root_shared && spec.execute);
	CHECK_INT(spec.argc, 3);
	CHECK_STR(spec.argv[2], "");
	CHECK(spec.argv[3] == NULL);
	CHECK_INT(spec.envc, 2);
	CHECK_STR(spec.envp[1], "container=lxc");
	CHECK(spec.envp[2] == NULL);
	CHECK(spec.clone_flags == 1946288128ULL);
	CHECK_INT(spec.nshares, 1);
	CHECK_INT(spec.shares[0].nstype, CLONE_NEWNET);
	CHECK_INT(spec.shares[0].pid, 1);
	CHECK(spec.shares[0].starttime == 77);
	CHECK_STR(spec.rootfs_fstype, "overlay");
	CHECK_INT(spec.rootfs_flags, 6);
	CHECK_INT(spec.nfsops, 5);
	CHECK_INT(spec.fsops[0].kind, CTR_FSOP_MOUNT);
	CHECK(spec.fsops[0].m.source == NULL && spec.fsops[0].m.data == NULL);
	CHECK_STR(spec.fsops[0].m.fstype, "proc");
	CHECK_INT(spec.fsops[0].m.flags, 14);
	CHECK_INT(spec.fsops[0].m.opts, 5);
	CHECK_INT(spec.fsops[1].kind, CTR_FSOP_MKNOD);
	CHECK_INT(spec.fsops[1].mode, 8630);
	CHECK(spec.fsops[1].dev == 259);
	CHECK_INT(spec.fsops[2].kind, CTR_FSOP_SYMLINK);
	CHECK_STR(spec.fsops[2].m.source, "/proc/self/fd");
	CHECK_INT(spec.fsops[3].kind, CTR_FSOP_MKDIR);
	CHECK_INT(spec.fsops[3].mode, 0755);
	CHECK_INT(spec.fsops[4].kind, CTR_FSOP_UMOUNT);
	CHECK_INT(spec.fsops[4].m.opts, 32);
	CHECK_INT(spec.uid, 1000);
	CHECK(spec.gid == 4294967294U);
	CHECK(spec.set_groups);
	CHECK_INT(spec.ngroups, 2);
	CHECK_INT(spec.groups[1], 6);
	CHECK_INT(spec.halt_signal, 10);
	CHECK_INT(spec.reboot_signal, 99);
	CHECK_INT(spec.pdeath_signal, 0);
	CHECK(spec.has_caps && spec.cap_keep == 0x1fffffffffULL);
	CHECK(spec.no_new_privs);
	CHECK_INT(spec.nrlimits, 1);
	CHECK(spec.rlimits[0].hard == ULLONG_MAX);
	CHECK_STR(spec.procs[0].value, "-500");
	CHECK_INT(spec.seccomp_len, 8);
	CHECK_INT(spec.seccomp_filter[0], 6);
	CHECK_INT(spec.personality, 8);
	CHECK_INT(spec.ncghiers, 1);
	CHECK_STR(spec.cghiers[0].enable, "memory,pids");
	CHECK_INT(spec.ncgsets, 1);
	CHECK_STR(spec.cgsets[0].value, "1G");
	ctr_spec_free(&spec);
	CHECK(spec.buf == NULL && spec.argv == NULL);
}

TEST(spec_bytes_after_end_are_ignored)
{
	const char *const extra[] = {NULL};
	const char *const tail[] = {"end", "garbage", "uid", "x", NULL};
	struct ctr_spec spec;

	(void)extra;
	CHECK_INT(read_tokens(&spec, base, tail), 0);
	CHECK_INT(spec.uid, 0);
	ctr_spec_free(&spec);
}

TEST(spec_header_must_be_a_bounded_decimal)
{
	const char *bad[] = {"\nend", "0\n", "x\nend", "-5\nend", " 4\nend", "+4\nend", "16777217\n",
			     "99999999999999999999999\n", "1234567890123456789012345\n"};
	struct ctr_spec spec;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = read_raw(&spec, bad[i], strlen(bad[i]));
		if (ret != -EINVAL)
			ctr_test_fail(__FILE__, __LINE__, "header %zu gave %d, expected -EINVAL", i, ret);
		else if (!contains(spec.error, "length header"))
			ctr_test_fail(__FILE__, __LINE__, "header %zu: error \"%s\"", i, spec.error);
	}
}

TEST(spec_truncated_input_is_epipe)
{
	struct ctr_spec spec;

	CHECK_INT(read_raw(&spec, "", 0), -EPIPE);
	CHECK_INT(read_raw(&spec, "12", 2), -EPIPE);
	CHECK_INT(read_raw(&spec, "100\nname\0c\0", 11), -EPIPE);
	CHECK(contains(spec.error, "truncated"));
	CHECK(spec.buf == NULL);
}

TEST(spec_without_end_is_refused)
{
	const char *const tokens[] = {"name", "c1", "rundir", "/r", NULL};
	struct ctr_spec spec;

	CHECK_INT(read_tokens(&spec, tokens, NULL), -EINVAL);
	CHECK(contains(spec.error, "no \"end\" record"));
	CHECK(spec.buf == NULL);
}

TEST(spec_truncated_record_is_refused)
{
	const char *const tokens[] = {"name", "c1", "mount", "a", "b", NULL};
	struct ctr_spec spec;

	CHECK_INT(read_tokens(&spec, tokens, NULL), -EINVAL);
	CHECK(contains(spec.error, "record \"mount\" is truncated"));
	/* A final token without its NUL does not count either. */
	CHECK_INT(read_raw(&spec, "9\nname\0c1\0e", 11), -EINVAL);
	CHECK(contains(spec.error, "no \"end\" record"));
}

TEST(spec_unknown_record_is_refused)
{
	REFUSED("record \"bogus\" field 1 (\"x\"): unknown record", "bogus", "x");
}

TEST(spec_required_records)
{
	const char *const no_rundir[] = {"name", "c", "lxcpath", "/l", "arg", "/init", "end", NULL};
	const char *const rel_rundir[] = {"name", "c", "lxcpath", "/l", "rundir", "run", "arg", "/init", "end", NULL};
	const char *const no_arg[] = {"name", "c", "lxcpath", "/l", "rundir", "/r", "end", NULL};
	const char *const no_name[] = {"lxcpath", "/l", "rundir", "/r", "arg", "/init", "end", NULL};
	struct ctr_spec spec;

	CHECK_INT(read_tokens(&spec, no_rundir, NULL), -EINVAL);
	CHECK(contains(spec.error, "\"rundir\""));
	CHECK_INT(read_tokens(&spec, rel_rundir, NULL), -EINVAL);
	CHECK(contains(spec.error, "\"rundir\""));
	CHECK_INT(read_tokens(&spec, no_arg, NULL), -EINVAL);
	CHECK(contains(spec.error, "\"arg\""));
	CHECK_INT(read_tokens(&spec, no_name, NULL), -EINVAL);
	CHECK(contains(spec.error, "\"name\""));
}

TEST(spec_numbers_out_of_range_are_refused)
{
	REFUSED("record \"uid\" field 1 (\"4294967296\"): out of range", "uid", "4294967296");
	REFUSED("record \"uid\" field 1 (\"4294967295\"): out of range", "uid", "4294967295");
	REFUSED("record \"gid\" field 1", "gid", "99999999999999999999");
	REFUSED("record \"group\" field 1", "group", "4294967296");
	REFUSED("record \"loglevel\" field 1 (\"9\"): out of range", "loglevel", "9");
	REFUSED("record \"halt\" field 1 (\"-1\"): out of range", "halt", "-1");
	REFUSED("record \"stopsig\" field 1 (\"2147483648\"): out of range", "stopsig", "2147483648");
	REFUSED("record \"personality\" field 1 (\"-2\"): out of range", "personality", "-2");
	REFUSED("record \"rlimit\" field 1 (\"16\"): out of range", "rlimit", "16", "1", "1");
	REFUSED("record \"rlimit\" field 3", "rlimit", "7", "1", "18446744073709551616");
	REFUSED("record \"mkdir\" field 2 (\"4096\"): out of range", "mkdir", "/d", "4096", "0");
	REFUSED("record \"mknod\" field 2 (\"65536\"): out of range", "mknod", "/d", "65536", "0", "0");
	REFUSED("record \"mount\" field 6 (\"4294967296\"): out of range", "mount", "", "/t", "", "0", "", "4294967296");
	REFUSED("record \"umount\" field 2", "umount", "/t", "4294967296");
	REFUSED("record \"share\" field 3 (\"-1\"): out of range", "share", "1073741824", "/p", "-1", "0");
	REFUSED("record \"cghier\" field 1 (\"3\"): out of range", "cghier", "3", "", "/a", "/", "", "");
	REFUSED("record \"caps\" field 1", "caps", "10000000000000000");
}

TEST(spec_malformed_numbers_are_refused)
{
	REFUSED("record \"uid\" field 1 (\"-1\"): not a valid value", "uid", "-1");
	REFUSED("record \"uid\" field 1 (\" 1\")", "uid", " 1");
	REFUSED("record \"clone\" field 1 (\"0x20000\")", "clone", "0x20000");
	REFUSED("record \"mount\" field 4 (\"x\")", "mount", "", "/t", "", "x", "", "0");
	REFUSED("record \"mknod\" field 3 (\"\")", "mknod", "/d", "8630", "", "0");
	REFUSED("record \"symlink\" field 3", "symlink", "a", "b", "one");
	REFUSED("record \"halt\" field 1 (\"SIGPWR\")", "halt", "SIGPWR");
	REFUSED("record \"share\" field 4", "share", "1073741824", "/p", "0", "-1");
	REFUSED("record \"rlimit\" field 2", "rlimit", "7", "", "1");
}

TEST(spec_enumerations_are_strict)
{
	REFUSED("record \"foreground\" field 1 (\"2\")", "foreground", "2");
	REFUSED("record \"nnp\" field 1 (\"yes\")", "nnp", "yes");
	REFUSED("record \"keyring\" field 1 (\"\")", "keyring", "");
	REFUSED("record \"stdio\" field 1 (\"tty\")", "stdio", "tty");
	/* The namespace of a share is exactly one CLONE_NEW* flag. */
	REFUSED("record \"share\" field 1 (\"3\")", "share", "3", "/p", "0", "0");
	REFUSED("record \"share\" field 1 (\"1140850688\")", "share", "1140850688", "/p", "0", "0");
	REFUSED("record \"cghier\" field 3 (\"rel\")", "cghier", "1", "cpu", "rel", "/", "", "");
	REFUSED("record \"cghier\" field 5 (\"rel\")", "cghier", "2", "", "/a", "/", "rel", "");
	/* cgset names a hierarchy given before it. */
	REFUSED("record \"cgset\" field 1 (\"0\")", "cgset", "0", "memory.max", "1");
	REFUSED("record \"cgset\" field 1 (\"1\")", "cghier", "2", "", "/a", "/", "", "", "cgset", "1", "f", "v");
}

TEST(spec_hex_is_strict)
{
	REFUSED("record \"caps\" field 1 (\"-1\")", "caps", "-1");
	REFUSED("record \"caps\" field 1 (\" ff\")", "caps", " ff");
	REFUSED("record \"caps\" field 1 (\"0x1\")", "caps", "0x1");
	REFUSED("record \"caps\" field 1 (\"\")", "caps", "");
	REFUSED("record \"seccomp\"", "seccomp", "");
	REFUSED("record \"seccomp\"", "seccomp", "06000000000000");
	REFUSED("record \"seccomp\"", "seccomp", "-600000000000000");
	REFUSED("record \"seccomp\"", "seccomp", "06000000000000 0");
	REFUSED("record \"seccomp\"", "seccomp", "0600000000000g00");
}

TEST(spec_seccomp_size_is_bounded)
{
	struct ctr_spec spec;
	size_t len = 4097 * 16;
	char *hex = malloc(len + 1);
	const char *extra[] = {"seccomp", hex, NULL};

	CHECK(hex != NULL);
	memset(hex, '0', len);
	hex[len] = '\0';
	CHECK_INT(read_with(&spec, extra), -EINVAL);
	hex[4096 * 16] = '\0';
	CHECK_INT(read_with(&spec, extra), 0);
	CHECK_INT(spec.seccomp_len, 4096 * 8);
	ctr_spec_free(&spec);
	free(hex);
}

TEST(spec_error_is_one_line)
{
	struct ctr_spec spec;
	const char *const extra[] = {"uid", "1\n2", NULL};

	CHECK_INT(read_with(&spec, extra), -EINVAL);
	CHECK(!strchr(spec.error, '\n'));
	CHECK(contains(spec.error, "record \"uid\""));
}

TEST(spec_long_values_are_cut_in_the_error)
{
	struct ctr_spec spec;
	char value[1000];
	const char *extra[] = {"uid", value, NULL};

	memset(value, '9', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	CHECK_INT(read_with(&spec, extra), -EINVAL);
	CHECK(strlen(spec.error) < sizeof(spec.error));
	CHECK(contains(spec.error, "out of range"));
}

/* onexit: the command the monitor execs after teardown (§5.3), in order;
 * argv[0] absolute, no empty element. */
TEST(spec_onexit_command)
{
	const char *const extra[] = {"onexit", "/usr/bin/ctr", "onexit", "destroy", "onexit", "-n", "onexit", "c1", NULL};
	struct ctr_spec spec;

	CHECK_INT(read_with(&spec, extra), 0);
	CHECK_INT(spec.onexit_argc, 4);
	CHECK_STR(spec.onexit_argv[0], "/usr/bin/ctr");
	CHECK_STR(spec.onexit_argv[3], "c1");
	CHECK(spec.onexit_argv[4] == NULL);
	ctr_spec_free(&spec);
	CHECK_INT(read_with(&spec, NULL), 0);
	CHECK(spec.onexit_argv == NULL && spec.onexit_argc == 0);
	ctr_spec_free(&spec);
	REFUSED("record \"onexit\" field 1 (\"ctr\"): not a valid value", "onexit", "ctr");
	REFUSED("record \"onexit\" field 1 (\"\"): not a valid value", "onexit", "/bin/ctr", "onexit", "");
}

/* restore_arg, restore_pidfile: ctr checkpoint -r's criu command
 * (docs/monitor-protocol.md §5.6); argv[0] absolute, no empty element, the
 * pidfile required and absolute with it. */
TEST(spec_restore_command)
{
	const char *const extra[] = {"restore_arg", "/usr/sbin/criu", "restore_arg", "restore", "restore_pidfile", "/run/ctr/x/restore.pid", NULL};
	struct ctr_spec spec;

	CHECK_INT(read_with(&spec, extra), 0);
	CHECK_INT(spec.restore_argc, 2);
	CHECK_STR(spec.restore_argv[0], "/usr/sbin/criu");
	CHECK_STR(spec.restore_argv[1], "restore");
	CHECK(spec.restore_argv[2] == NULL);
	CHECK_STR(spec.restore_pidfile, "/run/ctr/x/restore.pid");
	ctr_spec_free(&spec);
	CHECK_INT(read_with(&spec, NULL), 0);
	CHECK(spec.restore_argv == NULL && spec.restore_argc == 0);
	ctr_spec_free(&spec);
	REFUSED("record \"restore_arg\" field 1 (\"criu\"): not a valid value", "restore_arg", "criu", "restore_pidfile", "/p");
	REFUSED("record \"restore_arg\" field 1 (\"\"): not a valid value", "restore_arg", "/c", "restore_arg", "", "restore_pidfile", "/p");
	REFUSED("record \"restore_pidfile\" is missing or not absolute", "restore_arg", "/c");
	REFUSED("record \"restore_pidfile\" is missing or not absolute", "restore_arg", "/c", "restore_pidfile", "p");
}

/* lxc.console.* and lxc.tty.* (native/console.c, docs/console.md). */
TEST(spec_console_and_tty_records)
{
	const char *const extra[] = {"console", "1", "console_devpts", "newinstance,ptmxmode=0666", "console_hold", "1",
				     "console_peer", "/dev/pts/9", "console_log", "/var/log/c1.console", "console_size", "4096",
				     "console_rotate", "1", "console_buffer", "67108864", "tty_max", "1024", "tty_dir", "lxc",
				     "tty_bind", "1", NULL};
	struct ctr_spec spec;

	CHECK_INT(read_with(&spec, extra), 0);
	CHECK(spec.tty.console && spec.tty.hold && spec.tty.log_rotate && spec.tty.bind_ttys);
	CHECK_STR(spec.tty.console_devpts, "newinstance,ptmxmode=0666");
	CHECK_STR(spec.tty.peer, "/dev/pts/9");
	CHECK_STR(spec.tty.logfile, "/var/log/c1.console");
	CHECK(spec.tty.log_size == 4096 && spec.tty.buffer_size == 64ull << 20);
	CHECK_INT(spec.tty.tty_max, 1024);
	CHECK_STR(spec.tty.tty_dir, "lxc");
	ctr_spec_free(&spec);
	REFUSED("record \"console\" field 1 (\"yes\")", "console", "yes");
	REFUSED("record \"console_hold\" field 1 (\"2\")", "console_hold", "2");
	REFUSED("record \"console_rotate\" field 1 (\"\")", "console_rotate", "");
	REFUSED("record \"tty_bind\" field 1 (\"true\")", "tty_bind", "true");
	REFUSED("record \"tty_max\" field 1 (\"1025\")", "tty_max", "1025");
	REFUSED("record \"tty_max\" field 1 (\"-1\")", "tty_max", "-1");
	REFUSED("record \"console_buffer\" field 1 (\"67108865\")", "console_buffer", "67108865");
	REFUSED("record \"console_size\" field 1 (\"x\")", "console_size", "x");
	REFUSED("record \"tty_dir\" field 1 (\"a/b\")", "tty_dir", "a/b");
	REFUSED("record \"console_bind\" field 1 (\"1\"): unknown record", "console_bind", "1");
	REFUSED("record \"tty_bogus\" field 1 (\"1\"): unknown record", "tty_bogus", "1");
	REFUSED("record \"boot_id\" field 1 (\"on\")", "boot_id", "on");
	REFUSED("record \"root_shared\" field 1 (\"2\")", "root_shared", "2");
	REFUSED("record \"execute\" field 1 (\"yes\")", "execute", "yes");
}

/* lxc.cgroup2.devices.*: a BPF program for a cgroup2 hierarchy listed before. */
TEST(spec_cgdevices_record)
{
	const char *const extra[] = {"cghier", "2", "", "/sys/fs/cgroup", "/", "", "", "cgdevices", "0",
				     "b700000001000000" "9500000000000000", NULL};
	struct ctr_spec spec;

	CHECK_INT(read_with(&spec, extra), 0);
	CHECK_INT(spec.cgdevices_hier, 0);
	CHECK_INT(spec.cgdevices_len, 16);
	CHECK_INT(spec.cgdevices_prog[0], 0xb7);
	CHECK_INT(spec.cgdevices_prog[8], 0x95);
	ctr_spec_free(&spec);
	CHECK(spec.cgdevices_prog == NULL);
	/* No hierarchy 0 yet; a cgroup1 one; a program cut short; not hex. */
	REFUSED("record \"cgdevices\" field 1 (\"0\")", "cgdevices", "0", "9500000000000000");
	REFUSED("record \"cgdevices\" field 1 (\"0\")", "cghier", "1", "devices", "/a", "/", "", "", "cgdevices", "0",
		"9500000000000000");
	REFUSED("record \"cgdevices\" field 1 (\"-1\")", "cgdevices", "-1", "9500000000000000");
	REFUSED("record \"cgdevices\" field 2", "cghier", "2", "", "/a", "/", "", "", "cgdevices", "0", "95000000");
	REFUSED("record \"cgdevices\" field 2", "cghier", "2", "", "/a", "/", "", "", "cgdevices", "0", "950000000000000z");
	REFUSED("record \"cgdevices\" field 2", "cghier", "2", "", "/a", "/", "", "", "cgdevices", "0", "");
}

/* lxc.hook.* (native/hookspec.c) and lxc.net.* (native/netspec.c): their
 * arities and records, through the same reader. */
TEST(spec_hook_and_net_records)
{
	const char *const extra[] = {"hookversion", "1", "hooktimeout", "30", "hook", "pre-start", "/bin/true",
				     "hook", "mount", "/usr/share/lxc/hooks/x", "hookenv", "A=1", "hookenv_ct", "B=2",
				     "hookat", "mount", "3", "net", "0", "veth", "1", "0", "br0", "eth0",
				     "00:16:3e:00:00:01", "1500", "netaddr", "0", "4", "10.0.3.2", "24", "10.0.3.255",
				     "netroute", "0", "6", "fd00::", "64", "nettag", "0", "10", "netenv", "X=1", "nethooks", "1",
				     NULL};
	struct ctr_spec spec;

	CHECK_INT(read_with(&spec, extra), 0);
	CHECK_INT(spec.hooks.version, 1);
	CHECK_INT(spec.hooks.timeout_s, 30);
	CHECK_INT(spec.hooks.nhooks, 2);
	CHECK_STR(spec.hooks.hooks[1].script, "/usr/share/lxc/hooks/x");
	CHECK_INT(spec.hooks.nenv, 1);
	CHECK_INT(spec.hooks.nenv_ct, 1);
	CHECK_INT(spec.hooks.nat, 1);
	CHECK_INT(spec.net.ndevs, 1);
	CHECK_STR(spec.net.devs[0].link, "br0");
	CHECK_INT(spec.net.devs[0].mtu, 1500);
	CHECK(spec.net.devs[0].up && spec.net.devs[0].has_hwaddr);
	CHECK_INT(spec.net.naddrs, 2);
	CHECK_INT(spec.net.ntags, 1);
	CHECK_INT(spec.net.nenv, 1);
	CHECK_INT(spec.net.hook_version, 1);
	ctr_spec_free(&spec);
	CHECK(spec.hooks.hooks == NULL && spec.net.devs == NULL);
	REFUSED("record \"hook\"", "hook", "bogus", "/bin/true");
	REFUSED("record \"hookversion\"", "hookversion", "2");
	REFUSED("record \"hooktimeout\"", "hooktimeout", "0");
	REFUSED("record \"hookat\"", "hookat", "pre-start", "0");
	REFUSED("record \"net\"", "net", "0", "bogus", "1", "0", "", "", "", "");
	REFUSED("record \"netaddr\"", "netaddr", "0", "4", "10.0.3.2", "24", "10.0.3.255");
	REFUSED("record \"net\" is truncated", "net", "0", "veth");
}
