/* Kernel receive stamps: which bytes the kernel's stamp applies to. */
#include "engine_int.h"

#include <ctype.h>
#include <string.h>
#include <sys/socket.h>

/* Length of a chunked-encoding frame at b ("\r\n" ending the last chunk's
 * data, then the next chunk's size, an extension, "\r\n"), or 0. */
static size_t frame_len(const char *b, const char *end)
{
	const char *p = b, *hex;

	if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
		p += 2;
	for (hex = p; p < end && isxdigit((unsigned char)*p); p++)
		;
	if (p == hex)
		return 0;
	if (p < end && *p == ';')
		while (p < end && *p != '\r')
			p++;
	if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
		return 0;
	return (size_t)(p + 2 - b);
}

/*
 * The kernel's stamp for bytes p[0..n) that libcurl hands to q, or 0 when
 * it does not apply. It applies when q's socket was peeked at in this
 * wake-up (libcurl may read it while handling another socket) and the
 * bytes are found among the peeked ones where q's reading of them has got
 * to (past at most a chunk frame): then they were waiting when the stamp
 * was taken. Bytes that came after the peek, in the microseconds before
 * libcurl read them, are not found, nor is anything once one piece was
 * not: those are stamped when read. So are TLS (the peeked bytes are
 * ciphertext) and HTTP/2 frames.
 */
int64_t kst_arrival(struct req *q, const char *p, size_t n, int64_t now)
{
	struct eng *g = q->g;
	const struct peek *k;
	const char *b, *end;
	size_t skip = 0;

	if (!g->peeks || q->sock < 0 || (size_t)q->sock >= g->nslot ||
	    g->slot[q->sock] < 0)
		return 0;
	k = &g->peeks[g->slot[q->sock]];
	if (k->wake != g->wake || k->fd != q->sock || !k->stamp)
		return 0;
	if (q->gen != k->id) {
		q->gen = k->id;
		q->cursor = 0;
	}
	if (q->cursor == PEEK_LOST)
		return 0;
	b = k->buf + q->cursor;
	end = k->buf + k->len;
	if ((size_t)(end - b) < n || memcmp(b, p, n) != 0) {
		skip = frame_len(b, end);
		if (!skip || (size_t)(end - b) - skip < n || memcmp(b + skip, p, n) != 0) {
			q->cursor = PEEK_LOST;
			return 0;
		}
	}
	b += skip;
	q->cursor += skip + n;
	if (k->stamp >= now)
		return 0;
	q->kpeek = k;
	q->kbase = (size_t)(b - k->buf);
	return k->stamp > q->t_sent ? k->stamp : q->t_sent;
}

/* The stamp of an event that ended at offset end of the bytes handed to q
 * (see on_write): the stamp of the first event end peeked apart at or
 * after it, else the stamp of all the peeked bytes. */
int64_t kst_event(struct req *q, size_t end)
{
	const struct peek *k = q->kpeek;
	size_t at = q->kbase + (end ? end - 1 : 0);
	int64_t t = k->stamp;

	for (size_t i = 0; i < k->nend; i++) {
		if (k->end[i] >= at) {
			t = k->end_stamp[i];
			break;
		}
	}
	if (t > q->now)
		t = q->now;
	return t > q->t_sent ? t : q->t_sent;
}

/* The kernel's receive stamp in a message (monotonic), or 0. */
static int64_t msg_stamp(const struct eng *g, struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof ts);
			return ts.tv_sec * CLK_NS_PER_S + ts.tv_nsec - g->wall_off;
		}
	}
	return 0;
}

/*
 * Peeks at the bytes waiting on fd into k, with the kernel's receive time
 * of the newest of them (monotonic), k->stamp 0 when it gives none. The
 * bytes stay for libcurl; it costs one system call. The stamp is no
 * earlier than any of those bytes arrived, and with one event per wake-up
 * (a stream read as fast as it comes) it is that event's arrival. It does
 * not grow with the time the loop takes to reach a socket: a burst of a
 * thousand chunks is stamped as it arrived, not as it was worked through.
 * Which bytes it covers: kernel_arrival.
 */
void kst_peek(struct eng *g, struct peek *k, int fd)
{
	union {
		char b[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} cb;
	struct iovec io = { k->buf, PEEK_MAX };
	struct msghdr m;
	ssize_t n;
	size_t last;

	k->wake = g->wake;
	k->id = ++g->npeeks;
	k->fd = fd;
	k->stamp = 0;
	k->len = 0;
	k->nend = 0;
	k->taken = clk_mono_ns();
	memset(&m, 0, sizeof m);
	m.msg_iov = &io;
	m.msg_iovlen = 1;
	m.msg_control = cb.b;
	m.msg_controllen = sizeof cb.b;
	n = recvmsg(fd, &m, MSG_PEEK | MSG_DONTWAIT);
	if (n <= 0 || n == PEEK_MAX || !(k->stamp = msg_stamp(g, &m)))
		return;
	k->len = last = (size_t)n;
	/*
	 * When several events wait (the loop fell behind the stream), the
	 * stamp is the newest one's. Each earlier event end gets its own
	 * with one more peek, up to that end: the kernel stamps with the
	 * last buffer such a peek touches (TCP merges buffers that wait,
	 * keeping the newest stamp, so this too is never early). An event
	 * end is a blank line (SSE) or a line end (NDJSON); a chunk frame
	 * may add a false one, which only costs its peek. Only an end with
	 * another event's bytes after it needs a peek: after the last one
	 * come at most line ends and a chunk frame.
	 */
	while (last > 0 && (isxdigit((unsigned char)k->buf[last - 1]) ||
			    k->buf[last - 1] == '\r' || k->buf[last - 1] == '\n'))
		last--;
	for (const char *nl = k->buf; k->nend < PEEK_ENDS &&
	     (nl = memchr(nl, '\n', last - (size_t)(nl - k->buf))); nl++) {
		size_t i = (size_t)(nl - k->buf); /* the end, if this is one */

		if (g->cx.t->api->mode != SSE_MODE_NDJSON) {
			if (++i >= last || (k->buf[i] != '\n' && k->buf[i] != '\r'))
				continue;
		}
		/* A chunk frame's "\r\n" right after an end is no new end. */
		if (k->nend && i - k->end[k->nend - 1] <= 2)
			continue;
		io.iov_len = i + 1;
		m.msg_control = cb.b;
		m.msg_controllen = sizeof cb.b;
		if (recvmsg(fd, &m, MSG_PEEK | MSG_DONTWAIT) != (ssize_t)(i + 1))
			break;
		k->end[k->nend] = i;
		if (!(k->end_stamp[k->nend++] = msg_stamp(g, &m)))
			k->end_stamp[k->nend - 1] = k->stamp;
	}
}

/* Peeks at every readable socket of the wake-up, before libcurl reads
 * any: handling one socket, libcurl may read others. */
void kst_peek_all(struct eng *g, const struct epoll_event *evs, int n)
{
	g->wake++;
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;

		if (!(evs[i].events & EPOLLIN) || fd == g->tcurl || fd == g->tsend ||
		    fd == g->tretry)
			continue;
		if ((size_t)fd >= g->nslot) {
			size_t cap = (size_t)fd * 2 + 64;
			int *sl = realloc(g->slot, cap * sizeof *sl);

			if (!sl)
				continue; /* this socket is stamped when read */
			for (size_t j = g->nslot; j < cap; j++)
				sl[j] = -1;
			g->slot = sl;
			g->nslot = cap;
		}
		g->slot[fd] = i;
		kst_peek(g, &g->peeks[i], fd);
	}
}

/* The kernel stamps on the wall clock. Its offset from the monotonic clock
 * is read at every wake-up, as NTP may slew it (clk_anchor_now: never more
 * than 0.5 us wrong when a reading within 1 us was had). */
void kst_wall_off(struct eng *g)
{
	struct clk_anchor a = clk_anchor_now();

	g->wall_off = a.wall_ns - a.mono_ns;
}

int kst_ends_response(const struct eng *g, const struct epoll_event *evs, int i)
{
	int fd = evs[i].data.fd;
	const struct peek *k;

	if (!(evs[i].events & EPOLLIN) || !g->slot || (size_t)fd >= g->nslot ||
	    g->slot[fd] != i)
		return 0;
	k = &g->peeks[i];
	return k->wake == g->wake && k->len >= 5 &&
	       memcmp(k->buf + k->len - 5, "0\r\n\r\n", 5) == 0;
}

