/*
 * Kernel receive stamps taken in libcurl's own reads (recvstamp.h).
 *
 * Why interpose: the stamp comes with the read (recvmsg's control data)
 * or not at all, and libcurl's API gives no hook into its read. Without
 * this, each read costs three system calls: a peek for the stamp,
 * libcurl's recv, and libcurl's poll() that checks for more data
 * (libcurl 7.88, cf_socket_data_pending). With it, one. The interposed
 * functions are resolved once by the dynamic linker, before libc's, for
 * every caller in the process; rst_available checks that they were.
 */
#undef _FORTIFY_SOURCE /* recv() must be a function here, not an inline */
#include "recvstamp.h"

#include "clk.h"

#include <dlfcn.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* The reader of this thread, NULL when none: an interposed C library
 * function gets no context of its own, so this is how it finds it. */
static _Thread_local struct rst *active;
/* rst_idle's test of this thread, NULL when none. */
static _Thread_local int (*idle_fn)(void *, int);
static _Thread_local void *idle_ud;

int64_t rst_msg_wall(struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof ts);
			return ts.tv_sec * CLK_NS_PER_S + ts.tv_nsec;
		}
	}
	return 0;
}

int64_t rst_msg_stamp(struct msghdr *m, struct clk_wall *w)
{
	int64_t wall = rst_msg_wall(m);

	if (!wall)
		return 0;
	/* Read after the bytes came: a step of the wall clock between their
	 * arrival and now is seen. */
	clk_wall_read(w);
	return clk_wall_mono(w, wall);
}

/* The stamp of the first byte waiting on fd: TCP stamps a read with the
 * last buffer it touches, and a one-byte peek touches only the oldest. */
static void take_first(struct rst *r, int fd)
{
	union {
		char b[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} cb;
	char c;
	struct iovec io = {.iov_base = &c, .iov_len = 1};
	struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1,
			   .msg_control = cb.b, .msg_controllen = sizeof cb.b};

	if (recvmsg(fd, &m, MSG_PEEK | MSG_DONTWAIT) == 1)
		r->first = rst_msg_stamp(&m, r->wall);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	union {
		char b[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} cb;
	struct iovec io = {.iov_base = buf, .iov_len = len};
	struct msghdr m = {.msg_iov = &io, .msg_iovlen = 1,
			   .msg_control = cb.b, .msg_controllen = sizeof cb.b};
	struct rst *r = active;
	ssize_t n;

	if (!r || fd != r->fd || flags != 0)
		return recvfrom(fd, buf, len, flags, NULL, NULL);
	if (r->want_first && !r->first)
		take_first(r, fd);
	n = recvmsg(fd, &m, 0);
	if (n <= 0)
		return n;
	r->drained = (size_t)n < len;
	r->stamp = rst_msg_stamp(&m, r->wall);
	return n;
}

/* glibc declares poll()'s fds write-only (access attribute), but poll
 * reads fd and events: gcc's warning about reading them is wrong here. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	const short readable = POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND;
	struct rst *r = active;
	struct timespec ts, *tp = NULL;

	/* libcurl's "is there more?" after a read that emptied the socket,
	 * and its "is it alive?" of an idle connection (rst_idle). */
	if (nfds == 1 && timeout == 0 && !(fds[0].events & ~readable) &&
	    ((r && r->drained && fds[0].fd == r->fd) ||
	     (idle_fn && idle_fn(idle_ud, fds[0].fd)))) {
		fds[0].revents = 0;
		return 0;
	}
	/* A wait for data: what comes may well follow a short read (a
	 * server that writes the headers and the body apart), and the
	 * "more?" check after it must be answered by the socket. */
	if (r && timeout != 0)
		r->drained = 0;
	if (timeout >= 0) {
		ts.tv_sec = timeout / 1000;
		ts.tv_nsec = (long)(timeout % 1000) * 1000000L;
		tp = &ts;
	}
	return ppoll(fds, nfds, tp, NULL);
}
#pragma GCC diagnostic pop

int rst_available(void)
{
	return dlsym(RTLD_DEFAULT, "recv") == (void *)recv &&
	       dlsym(RTLD_DEFAULT, "poll") == (void *)poll;
}

void rst_begin(struct rst *r, int fd)
{
	r->fd = fd;
	r->stamp = 0;
	r->first = 0;
	r->drained = 0;
	active = r;
}

void rst_end(struct rst *r)
{
	r->fd = -1;
	active = NULL;
}

void rst_idle(int (*idle)(void *ud, int fd), void *ud)
{
	idle_fn = idle;
	idle_ud = ud;
}
