/* A small rtnetlink client: build one request in a fixed buffer, send it,
 * read the kernel's answer. No allocation; every socket is O_CLOEXEC and
 * has a receive timeout, so no call can block for ever.
 *
 *   struct ctr_nlmsg msg;
 *   ctr_nl_init(&msg, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
 *   ctr_nl_put_str(&msg, IFLA_IFNAME, "veth0");
 *   ret = ctr_nl_transact(fd, &msg);   // 0 or -errno from the kernel's ACK
 *
 * The kernel's own explanation of the last failure (NETLINK_EXT_ACK) is kept
 * for error reports: ctr_nl_last_error(). */
#ifndef CTR_NETLINK_H
#define CTR_NETLINK_H

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

#define CTR_NLMSG_SIZE 4096

struct ctr_nlmsg {
	union {
		struct nlmsghdr hdr;
		char buf[CTR_NLMSG_SIZE];
	};
	int overflow; /* an attribute did not fit: the send fails with EMSGSIZE */
};

/* A NETLINK_ROUTE socket in the caller's network namespace. fd or -errno. */
int ctr_nl_open(void);
/* The same, created inside the network namespace nsfd: setns there, open,
 * setns back to back_nsfd (a socket stays bound to the namespace it was
 * created in). fd or -errno. If the way back fails the process would go on
 * in the wrong namespace, so it aborts instead. */
int ctr_nl_open_in(int nsfd, int back_nsfd);

/* Starts a request: header (NLM_F_REQUEST | NLM_F_ACK | flags) and the fixed
 * family header (ifinfomsg, ifaddrmsg, rtmsg, ndmsg...) copied in. */
void ctr_nl_init(struct ctr_nlmsg *msg, uint16_t type, uint16_t flags, const void *fixed, size_t len);
void ctr_nl_put(struct ctr_nlmsg *msg, uint16_t type, const void *data, size_t len);
void ctr_nl_put_str(struct ctr_nlmsg *msg, uint16_t type, const char *s);
void ctr_nl_put_u16(struct ctr_nlmsg *msg, uint16_t type, uint16_t v);
void ctr_nl_put_u32(struct ctr_nlmsg *msg, uint16_t type, uint32_t v);
/* Nested attributes: begin returns the nest's offset for ctr_nl_nest_end. */
size_t ctr_nl_nest_begin(struct ctr_nlmsg *msg, uint16_t type);
void ctr_nl_nest_end(struct ctr_nlmsg *msg, size_t offset);
/* Appends raw bytes (an ifinfomsg inside VETH_INFO_PEER). */
void ctr_nl_append(struct ctr_nlmsg *msg, const void *data, size_t len);

/* Sends the request and waits for its ACK. 0 or the kernel's -errno. */
int ctr_nl_transact(int fd, struct ctr_nlmsg *msg);
/* Sends a request without NLM_F_ACK whose answer is one message (a GET):
 * copies it into reply (size bytes). Returns its length or -errno. */
int ctr_nl_get(int fd, struct ctr_nlmsg *msg, void *reply, size_t size);

/* A dump (NLM_F_DUMP): calls cb on every answer message until NLMSG_DONE.
 * A non-zero return of cb stops the dump (the rest is still drained) and is
 * returned. 0, cb's value, or -errno. */
typedef int (*ctr_nl_dump_cb)(const struct nlmsghdr *h, void *data);
int ctr_nl_dump(int fd, struct ctr_nlmsg *msg, ctr_nl_dump_cb cb, void *data);

/* Finds attribute `type` among the attributes that follow a fixed header of
 * `fixed` bytes in message h (or in a nested attribute's payload). NULL if
 * absent. */
const struct nlattr *ctr_nl_attr(const struct nlmsghdr *h, size_t fixed, uint16_t type);
const struct nlattr *ctr_nl_nested(const struct nlattr *nest, uint16_t type);
static inline const void *ctr_nl_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}
static inline size_t ctr_nl_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

/* The kernel's extended-ack text of the last failed request on this
 * process ("" if it gave none). */
const char *ctr_nl_last_error(void);

#endif
