/* Kernel receive stamps taken in libcurl's own reads of a socket. */
#ifndef LLMRUN_RECVSTAMP_H
#define LLMRUN_RECVSTAMP_H

#include <stddef.h>
#include <stdint.h>

/*
 * llmrun defines the C library's recv() and poll() (recvstamp.c), so that
 * libcurl, which calls them, reads through llmrun. While a reader is
 * active on this thread (rst_begin .. rst_end) for one socket:
 *   - libcurl's recv() of that socket becomes one recvmsg() that also
 *     returns the kernel's receive stamp of the bytes read: no peek of
 *     its own is needed;
 *   - libcurl's zero-timeout poll() of that socket after a read that
 *     drained it (fewer bytes than asked) is answered "nothing more"
 *     without a system call. Bytes that arrive after that read are not
 *     lost: epoll reports the socket readable again.
 * Everything else (other sockets, other threads, other flags) goes to
 * the kernel unchanged.
 */
struct clk_wall;

struct rst {
	int fd;           /* the socket libcurl is told to read; -1 none */
	struct clk_wall *wall; /* moves the stamps to the monotonic clock */
	int64_t stamp;    /* monotonic stamp of the newest bytes read from fd
			     since rst_begin; 0 when none or unstamped */
	int drained;      /* the last read returned fewer bytes than asked */
	int want_first;   /* also take first (costs a peek before a read) */
	int64_t first;    /* the stamp of the first byte read since
			     rst_begin: a one-byte peek before the first
			     read gets the oldest waiting buffer's; 0 none */
};

/* 1 when libcurl's recv() and poll() resolve to llmrun's (the executable
 * exports them), 0 when they do not (then peek: kst_peek). */
int rst_available(void);

/* Makes r the active reader of fd on this thread; stamp and first start
 * at 0. */
void rst_begin(struct rst *r, int fd);

struct msghdr;

/* The kernel's receive stamp (SCM_TIMESTAMPNS) in m's control data, in
 * wall-clock ns, or 0. */
int64_t rst_msg_wall(struct msghdr *m);

/* The same moved to the monotonic clock by the wall clock's offset read
 * now into w (lib/clk: never early across a step of the wall clock), or
 * 0. */
int64_t rst_msg_stamp(struct msghdr *m, struct clk_wall *w);

/* No reader is active on this thread, and r has no socket. */
void rst_end(struct rst *r);

/*
 * Sockets known to be idle and watched by the caller's epoll set (a
 * kept-alive connection in libcurl's pool: on_socket in engine.c): while
 * set on this thread, libcurl's zero-timeout poll() for reading of a
 * socket for which idle(ud, fd) is 1 is answered "nothing to read"
 * without a system call. libcurl asks that of every idle connection it
 * would reuse, and of all of them once a second; bytes or an end that
 * came are not lost: epoll reports them. NULL idle: every poll goes to
 * the kernel.
 */
void rst_idle(int (*idle)(void *ud, int fd), void *ud);

#endif
