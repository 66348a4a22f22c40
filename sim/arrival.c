#include "arrival.h"

#include <errno.h>
#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "clk.h"

/* One connection, at the index of its fd. */
struct slot {
	struct event *ev;        /* the peek: armed only while stamp is empty */
	struct bufferevent *bev; /* the connection's, to tell a reused fd */
	int64_t stamp;           /* monotonic ns of the first bytes since the
				  * last take; 0 none yet or none given */
	int unknown;             /* the next request's bytes were read with
				  * the last one's: its arrival is unknown */
	int64_t accepted;        /* monotonic ns llmsim accepted it, 0 unknown */
};

/* A connection accepted, its fd not known yet. */
struct fresh {
	struct bufferevent *bev; /* held */
	int64_t accepted;
};

struct arr {
	struct event_base *base;
	struct slot *slots;
	size_t nslots;
	struct fresh *fresh;
	size_t nfresh, capfresh;
	struct event *adopt_ev;
	struct clk_wall wall; /* for the kernel's stamps */
	struct event *clock_ev; /* reads wall's offset every CLOCK_EVERY_US */
};

/* Readings of the wall clock's offset come at each peek, and at least this
 * often: lib/clk places a step between two readings, and bytes that
 * waited across more than one step between two readings (a burst of new
 * connections after an idle minute) could be early. */
#define CLOCK_EVERY_US 10000

static void adopt(evutil_socket_t fd, short what, void *arg);

static void on_clock(evutil_socket_t fd, short what, void *arg)
{
	struct arr *a = arg;

	(void)fd;
	(void)what;
	clk_wall_read(&a->wall);
}

int arr_new(struct event_base *base, struct arr **out, struct err *e)
{
	struct arr *a = calloc(1, sizeof *a);

	*out = a;
	if (!a)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	a->base = base;
	clk_wall_read(&a->wall); /* the first reading, before any bytes come */
	a->adopt_ev = event_new(base, -1, 0, adopt, a);
	a->clock_ev = event_new(base, -1, EV_PERSIST, on_clock, a);
	if (!a->adopt_ev || event_priority_set(a->adopt_ev, 0) || !a->clock_ev ||
	    event_add(a->clock_ev, &(struct timeval){0, CLOCK_EVERY_US}))
		return err_set(e, ERR_SOFTWARE, "cannot set up the arrival stamps");
	return 0;
}

int arr_listen(struct arr *a, evutil_socket_t fd)
{
	int on = 1;

	(void)a;
	return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) ? -1 : 0;
}

/* Peeks at one byte of fd: 1 when bytes wait (*stamp their first one's
 * arrival, monotonic, or 0 when the kernel gives none), 0 when none wait,
 * -1 at EOF or on an error. One byte: the kernel reports the stamp of the
 * last buffer a read touches, so this is the first buffer's. */
static int peek(struct arr *a, evutil_socket_t fd, int64_t *stamp)
{
	union {
		char b[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} cb;
	char byte;
	struct iovec io = { &byte, 1 };
	struct msghdr m;
	ssize_t n;

	memset(&m, 0, sizeof m);
	m.msg_iov = &io;
	m.msg_iovlen = 1;
	m.msg_control = cb.b;
	m.msg_controllen = sizeof cb.b;
	n = recvmsg(fd, &m, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	*stamp = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof ts);
			/* The kernel stamps on the wall clock, which may
			 * be stepped: its offset is read at each peek, as
			 * llmrun reads it (lib/clk). */
			clk_wall_read(&a->wall);
			*stamp = clk_wall_mono(&a->wall, ts.tv_sec * CLK_NS_PER_S + ts.tv_nsec);
		}
	}
	return 1;
}

/* Peeks; keeps the stamp and stops watching when bytes wait, stops at
 * EOF or an error, watches (or goes on watching) when nothing waits. */
static void look(struct arr *a, struct slot *s, evutil_socket_t fd)
{
	int64_t t = 0;
	int r = peek(a, fd, &t);

	if (r == 0) {
		if (!event_pending(s->ev, EV_READ, NULL))
			event_add(s->ev, NULL);
		return;
	}
	event_del(s->ev);
	if (r > 0)
		s->stamp = t;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct arr *a = arg;

	(void)what;
	look(a, &a->slots[fd], fd);
}

static struct slot *slot_for(struct arr *a, evutil_socket_t fd)
{
	if (fd < 0)
		return NULL;
	if ((size_t)fd >= a->nslots) {
		size_t n = a->nslots ? a->nslots : 64;
		struct slot *p;

		while (n <= (size_t)fd)
			n *= 2;
		if (!(p = realloc(a->slots, n * sizeof *p)))
			return NULL;
		memset(p + a->nslots, 0, (n - a->nslots) * sizeof *p);
		a->slots = p;
		a->nslots = n;
	}
	if (!a->slots[fd].ev) {
		struct event *ev = event_new(a->base, fd, EV_READ | EV_PERSIST,
					     on_readable, a);

		if (!ev || event_priority_set(ev, 0)) {
			if (ev)
				event_free(ev);
			return NULL;
		}
		a->slots[fd].ev = ev;
	}
	return &a->slots[fd];
}

/* Starts watching a new connection's fd. */
static void watch(struct arr *a, struct bufferevent *bev, evutil_socket_t fd,
		  int64_t accepted)
{
	struct slot *s = slot_for(a, fd);

	if (!s)
		return;
	if (event_pending(s->ev, EV_READ, NULL)) {
		/*
		 * The fd's last connection was closed by evhttp while its peek
		 * was armed. libevent still counts that event as the fd's
		 * reader, so it did not add the new connection's fd to epoll
		 * when evhttp asked to read it: drop the old event, then have
		 * evhttp's read added anew (libevent ignores the failed
		 * removal of an fd epoll no longer knows). evhttp 2.1's
		 * accept happens to repair it too (its brief write enable
		 * makes libevent retry a failed MOD as an ADD, seen with
		 * strace); this does not rely on that.
		 */
		event_del(s->ev);
		if (bufferevent_get_enabled(bev) & EV_READ) {
			bufferevent_disable(bev, EV_READ);
			bufferevent_enable(bev, EV_READ);
		}
	}
	s->bev = bev;
	s->accepted = accepted;
	s->stamp = 0;
	s->unknown = 0;
	look(a, s, fd);
}

/* Runs at the higher priority on the loop's turn after the accept, before
 * evhttp can read the new connections. */
static void adopt(evutil_socket_t fd, short what, void *arg)
{
	struct arr *a = arg;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < a->nfresh; i++) {
		struct bufferevent *bev = a->fresh[i].bev;
		bufferevent_data_cb rcb;

		/* A connection evhttp already let go has no read callback. */
		bufferevent_getcb(bev, &rcb, NULL, NULL, NULL);
		if (rcb)
			watch(a, bev, bufferevent_getfd(bev), a->fresh[i].accepted);
		bufferevent_decref(bev);
	}
	a->nfresh = 0;
}

struct bufferevent *arr_bevcb(struct event_base *base, void *arg)
{
	struct arr *a = arg;
	int64_t now = clk_mono_ns(); /* evhttp calls this from its accept */
	struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);

	if (!bev)
		return NULL;
	if (a->nfresh == a->capfresh) {
		size_t cap = a->capfresh ? 2 * a->capfresh : 64;
		struct fresh *p = realloc(a->fresh, cap * sizeof *p);

		if (!p)
			return bev; /* not watched: its requests get no stamp */
		a->fresh = p;
		a->capfresh = cap;
	}
	/* Held until adopt, which may run after evhttp frees it. */
	bufferevent_incref(bev);
	a->fresh[a->nfresh++] = (struct fresh){ bev, now };
	event_active(a->adopt_ev, EV_TIMEOUT, 1);
	return bev;
}

int64_t arr_accepted(const struct arr *a, struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;

	if (fd < 0 || (size_t)fd >= a->nslots || a->slots[fd].bev != bev)
		return 0;
	return a->slots[fd].accepted;
}

int64_t arr_take(struct arr *a, struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	struct slot *s;
	int64_t t;

	if (fd < 0 || (size_t)fd >= a->nslots || a->slots[fd].bev != bev)
		return 0;
	s = &a->slots[fd];
	t = s->unknown ? 0 : s->stamp;
	s->stamp = 0;
	s->unknown = 0;
	if (evbuffer_get_length(bufferevent_get_input(bev))) {
		/* evhttp read the next request's first bytes with this one's
		 * (a pipelining client): their stamp is gone. */
		s->unknown = 1;
		event_del(s->ev);
	} else if (!event_pending(s->ev, EV_READ, NULL)) {
		look(a, s, fd);
	}
	return t;
}

void arr_clock_steps(const struct arr *a, long *steps, int64_t *max_ns)
{
	*steps = a ? a->wall.steps : 0;
	*max_ns = a ? a->wall.step_max : 0;
}

void arr_free(struct arr *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nfresh; i++)
		bufferevent_decref(a->fresh[i].bev);
	for (size_t i = 0; i < a->nslots; i++)
		if (a->slots[i].ev)
			event_free(a->slots[i].ev);
	if (a->adopt_ev)
		event_free(a->adopt_ev);
	if (a->clock_ev)
		event_free(a->clock_ev);
	free(a->fresh);
	free(a->slots);
	free(a);
}
