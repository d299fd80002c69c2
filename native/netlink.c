/* rtnetlink requests without libmnl/libnl (native/netlink.h). */
#define _GNU_SOURCE
#include "netlink.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* Every rtnetlink answer arrives within this; a request never waits longer. */
#define NL_TIMEOUT_S 5

/* Answers: a dump's batches grow with the reader's buffer, up to 32 KiB. */
static char answer[32768] __attribute__((aligned(8)));
static char last_error[256];
static uint32_t next_seq;

const char *ctr_nl_last_error(void)
{
	return last_error;
}

int ctr_nl_open(void)
{
	struct timeval tv = {.tv_sec = NL_TIMEOUT_S};
	int one = 1;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* The kernel's reason for a refusal ("Unknown device type"), with the
	 * failed request trimmed from the error so that the reason is easy to find. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		int err = -errno;
		(void)close(fd);
		return err;
	}
	return fd;
}

int ctr_nl_open_in(int nsfd, int back_nsfd)
{
	int fd;

	if (setns(nsfd, CLONE_NEWNET) < 0)
		return -errno;
	fd = ctr_nl_open();
	if (setns(back_nsfd, CLONE_NEWNET) < 0) {
		log_syserr("Failed to return to the monitor's network namespace");
		abort();
	}
	return fd;
}

void ctr_nl_init(struct ctr_nlmsg *msg, uint16_t type, uint16_t flags, const void *fixed, size_t len)
{
	memset(&msg->hdr, 0, sizeof(msg->hdr));
	msg->overflow = 0;
	msg->hdr.nlmsg_len = NLMSG_LENGTH(0);
	msg->hdr.nlmsg_type = type;
	msg->hdr.nlmsg_flags = NLM_F_REQUEST | flags;
	msg->hdr.nlmsg_seq = ++next_seq;
	ctr_nl_append(msg, fixed, len);
}

void ctr_nl_append(struct ctr_nlmsg *msg, const void *data, size_t len)
{
	size_t at = msg->hdr.nlmsg_len;

	if (at + NLMSG_ALIGN(len) > sizeof(msg->buf)) {
		msg->overflow = 1;
		return;
	}
	memset(msg->buf + at, 0, NLMSG_ALIGN(len));
	if (len)
		memcpy(msg->buf + at, data, len);
	msg->hdr.nlmsg_len = (uint32_t)(at + NLMSG_ALIGN(len));
}

void ctr_nl_put(struct ctr_nlmsg *msg, uint16_t type, const void *data, size_t len)
{
	struct nlattr a = {.nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type};
	size_t at = msg->hdr.nlmsg_len;

	if (at + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(msg->buf) || NLA_HDRLEN + len > 0xffff) {
		msg->overflow = 1;
		return;
	}
	memcpy(msg->buf + at, &a, sizeof(a));
	memset(msg->buf + at + NLA_HDRLEN, 0, NLA_ALIGN(len));
	if (len)
		memcpy(msg->buf + at + NLA_HDRLEN, data, len);
	msg->hdr.nlmsg_len = (uint32_t)(at + NLA_HDRLEN + NLA_ALIGN(len));
}

void ctr_nl_put_str(struct ctr_nlmsg *msg, uint16_t type, const char *s)
{
	ctr_nl_put(msg, type, s, strlen(s) + 1);
}

void ctr_nl_put_u16(struct ctr_nlmsg *msg, uint16_t type, uint16_t v)
{
	ctr_nl_put(msg, type, &v, sizeof(v));
}

void ctr_nl_put_u32(struct ctr_nlmsg *msg, uint16_t type, uint32_t v)
{
	ctr_nl_put(msg, type, &v, sizeof(v));
}

size_t ctr_nl_nest_begin(struct ctr_nlmsg *msg, uint16_t type)
{
	size_t at = msg->hdr.nlmsg_len;

	ctr_nl_put(msg, type | NLA_F_NESTED, NULL, 0);
	return at;
}

void ctr_nl_nest_end(struct ctr_nlmsg *msg, size_t offset)
{
	struct nlattr *a = (struct nlattr *)(msg->buf + offset);

	if (msg->overflow)
		return;
	a->nla_len = (uint16_t)(msg->hdr.nlmsg_len - offset);
}

/* The first attribute of `type` among len bytes of attributes at p. */
static const struct nlattr *find_attr(const char *p, size_t left, uint16_t type)
{
	while (left >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > left)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		if ((size_t)NLA_ALIGN(a->nla_len) >= left)
			return NULL;
		left -= (size_t)NLA_ALIGN(a->nla_len);
		p += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

const struct nlattr *ctr_nl_nested(const struct nlattr *nest, uint16_t type)
{
	return find_attr(ctr_nl_data(nest), ctr_nl_len(nest), type);
}

const struct nlattr *ctr_nl_attr(const struct nlmsghdr *h, size_t fixed, uint16_t type)
{
	size_t start = NLMSG_LENGTH(NLMSG_ALIGN(fixed));

	if (h->nlmsg_len < start)
		return NULL;
	return find_attr((const char *)h + start, h->nlmsg_len - start, type);
}

/* The kernel's NLMSGERR_ATTR_MSG, when the error carries one. */
static void keep_ext_ack(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	const char *p = (const char *)e + sizeof(*e);
	const struct nlattr *msg;
	size_t left;

	last_error[0] = '\0';
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return;
	left = h->nlmsg_len - NLMSG_LENGTH(sizeof(*e));
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		size_t body = e->msg.nlmsg_len > sizeof(e->msg) ? NLMSG_ALIGN(e->msg.nlmsg_len - sizeof(e->msg)) : 0;
		if (body > left)
			return;
		p += body;
		left -= body;
	}
	msg = find_attr(p, left, NLMSGERR_ATTR_MSG);
	if (msg) {
		size_t n = ctr_nl_len(msg) < sizeof(last_error) ? ctr_nl_len(msg) : sizeof(last_error) - 1;
		memcpy(last_error, ctr_nl_data(msg), n);
		last_error[n] = '\0';
	}
}

static int send_msg(int fd, struct ctr_nlmsg *msg)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	ssize_t n;

	if (msg->overflow)
		return -EMSGSIZE;
	last_error[0] = '\0';
	n = RETRY_EINTR(sendto(fd, msg->buf, msg->hdr.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)));
	if (n < 0)
		return -errno;
	return n == (ssize_t)msg->hdr.nlmsg_len ? 0 : -EIO;
}

/* Reads one datagram of answers. Its length or -errno (-EAGAIN: timed out). */
static int read_answer(int fd)
{
	ssize_t n = RETRY_EINTR(recv(fd, answer, sizeof(answer), 0));

	if (n < 0)
		return -errno;
	return (int)n;
}

/* Walks the datagram: for each message of our request, cb decides. cb
 * returns 1 to finish with *result, 0 to go on. -EIO on a malformed one. */
typedef int (*walk_cb)(const struct nlmsghdr *h, int *result, void *data);

static int walk(int fd, uint32_t seq, walk_cb cb, void *data)
{
	for (;;) {
		int len = read_answer(fd), result = 0;
		unsigned int left;

		if (len < 0)
			return len;
		left = (unsigned int)len;
		for (struct nlmsghdr *h = (struct nlmsghdr *)answer; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (cb(h, &result, data))
				return result;
		}
	}
}

static int ack_cb(const struct nlmsghdr *h, int *result, void *data)
{
	(void)data;
	if (h->nlmsg_type != NLMSG_ERROR)
		return 0;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
		*result = -EIO;
		return 1;
	}
	*result = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
	if (*result)
		keep_ext_ack(h);
	return 1;
}

int ctr_nl_transact(int fd, struct ctr_nlmsg *msg)
{
	int ret;

	msg->hdr.nlmsg_flags |= NLM_F_ACK;
	ret = send_msg(fd, msg);
	if (ret < 0)
		return ret;
	return walk(fd, msg->hdr.nlmsg_seq, ack_cb, NULL);
}

struct get_ctx {
	void *reply;
	size_t size;
};

static int get_cb(const struct nlmsghdr *h, int *result, void *data)
{
	struct get_ctx *g = data;

	if (h->nlmsg_type == NLMSG_ERROR)
		return ack_cb(h, result, NULL);
	if (h->nlmsg_len > g->size) {
		*result = -EMSGSIZE;
		return 1;
	}
	memcpy(g->reply, h, h->nlmsg_len);
	*result = (int)h->nlmsg_len;
	return 1;
}

int ctr_nl_get(int fd, struct ctr_nlmsg *msg, void *reply, size_t size)
{
	struct get_ctx g = {reply, size};
	int ret;

	ret = send_msg(fd, msg);
	if (ret < 0)
		return ret;
	return walk(fd, msg->hdr.nlmsg_seq, get_cb, &g);
}

struct dump_ctx {
	ctr_nl_dump_cb cb;
	void *data;
	int stopped;
};

static int dump_walk_cb(const struct nlmsghdr *h, int *result, void *data)
{
	struct dump_ctx *d = data;

	if (h->nlmsg_type == NLMSG_DONE) {
		*result = d->stopped;
		return 1;
	}
	if (h->nlmsg_type == NLMSG_ERROR)
		return ack_cb(h, result, NULL);
	if (!d->stopped)
		d->stopped = d->cb(h, d->data);
	return 0;
}

int ctr_nl_dump(int fd, struct ctr_nlmsg *msg, ctr_nl_dump_cb cb, void *data)
{
	struct dump_ctx d = {cb, data, 0};
	int ret;

	msg->hdr.nlmsg_flags |= NLM_F_DUMP;
	ret = send_msg(fd, msg);
	if (ret < 0)
		return ret;
	return walk(fd, msg->hdr.nlmsg_seq, dump_walk_cb, &d);
}
