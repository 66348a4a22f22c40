/*
 * A wall clock that is stepped, as a process sees it: preloaded
 * (LD_PRELOAD) into llmrun or llmsim by tests/e2e/run_clock_step.sh.
 *
 * A step of the wall clock (settime, or a virtual machine's host
 * correcting its guest) moves CLOCK_REALTIME and the kernel's socket
 * receive stamps, which are on it, but not CLOCK_MONOTONIC. Tests cannot
 * step the real clock (it is the whole machine's), so this moves the
 * process's view of both by CLOCKSTEP_US microseconds during every other
 * period of CLOCKSTEP_EVERY_MS milliseconds, counted from the process's
 * start: clock_gettime's wall-clock readings by the step in force when
 * read, and each SCM_TIMESTAMPNS that recvmsg and recvmmsg return by the
 * step in force when its bytes arrived. Bytes that arrive before a step
 * and are read after it are then stamped as they would be across a real
 * step.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static int (*real_gettime)(clockid_t, struct timespec *);
static ssize_t (*real_recvmsg)(int, struct msghdr *, int);
static int (*real_recvmmsg)(int, struct mmsghdr *, unsigned int, int, struct timespec *);
static int64_t step_ns, every_ns, t0;

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static void set_ns(struct timespec *ts, int64_t ns)
{
	ts->tv_sec = ns / 1000000000LL;
	ts->tv_nsec = ns % 1000000000LL;
}

static int64_t real_ns(clockid_t id)
{
	struct timespec ts;

	real_gettime(id, &ts);
	return ns_of(&ts);
}

/* Run by the dynamic loader, and by a wrapper called before it was (a
 * constructor of another library). */
__attribute__((constructor)) static void init(void)
{
	if (real_gettime)
		return;
	const char *s = getenv("CLOCKSTEP_US"), *e = getenv("CLOCKSTEP_EVERY_MS");

	real_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	real_recvmsg = (ssize_t (*)(int, struct msghdr *, int))dlsym(RTLD_NEXT, "recvmsg");
	real_recvmmsg = (int (*)(int, struct mmsghdr *, unsigned int, int, struct timespec *))
		dlsym(RTLD_NEXT, "recvmmsg");
	step_ns = s ? strtoll(s, NULL, 10) * 1000 : 0;
	every_ns = e ? strtoll(e, NULL, 10) * 1000000 : 0;
	t0 = real_ns(CLOCK_MONOTONIC);
}

/* The step in force at monotonic time m. */
static int64_t step_at(int64_t m)
{
	if (every_ns <= 0 || m < t0)
		return 0;
	return (m - t0) / every_ns % 2 ? step_ns : 0;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	int r;

	init();
	r = real_gettime(id, ts);

	if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		set_ns(ts, ns_of(ts) + step_at(real_ns(CLOCK_MONOTONIC)));
	return r;
}

/* Moves m's receive stamps by the step in force when their bytes came. */
static void move_stamps(struct msghdr *m)
{
	int64_t off = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		struct timespec ts;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		if (!off)
			off = real_ns(CLOCK_REALTIME) - real_ns(CLOCK_MONOTONIC);
		memcpy(&ts, CMSG_DATA(c), sizeof ts);
		set_ns(&ts, ns_of(&ts) + step_at(ns_of(&ts) - off));
		memcpy(CMSG_DATA(c), &ts, sizeof ts);
	}
}

ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	ssize_t n;

	init();
	n = real_recvmsg(fd, m, flags);

	if (n >= 0)
		move_stamps(m);
	return n;
}

int recvmmsg(int fd, struct mmsghdr *v, unsigned int len, int flags, struct timespec *t)
{
	int n;

	init();
	n = real_recvmmsg(fd, v, len, flags, t);

	for (int i = 0; i < n; i++)
		move_stamps(&v[i].msg_hdr);
	return n;
}
