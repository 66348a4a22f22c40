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
 * it does not apply. It applies when q's socket is the one being handled,
 * peeked at right before libcurl was told to read it, and the bytes are
 * found among the peeked ones where q's reading of them has got to (past
 * at most a chunk frame): then they were waiting when the stamp was
 * taken. Bytes that came after the peek, in the microseconds before
 * libcurl read them (or the second llmrun was stopped there), are not
 * found, nor is anything once one piece was not: those take the stamp of
 * the read (kst_recv, on_write). Bytes libcurl reads from another
 * socket than the one it was told of (none were seen over HTTP/1.1), TLS
 * (the peeked bytes are ciphertext) and HTTP/2 frames are stamped when
 * read.
 */
int64_t kst_arrival(struct req *q, const char *p, size_t n, int64_t now)
{
	struct eng *g = q->g;
	const struct peek *k;
	const char *b, *end;
	size_t skip = 0;

	k = g->pk;
	if (!k || q->sock < 0 || k->fd != q->sock || !k->stamp)
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

/*
 * Stamps taken in libcurl's reads (recvstamp.h): every byte libcurl hands
 * over while it handles q's socket was read by then, so the stamp of its
 * newest read, no earlier than any of them arrived, applies to them all.
 * Several events read at once take the newest one's stamp (late by their
 * gap, never early); TCP has mostly merged such buffers by then and kept
 * only the newest stamp anyway (tcp_try_coalesce).
 */
int64_t kst_recv(const struct req *q, int64_t now)
{
	const struct rst *r = &q->g->rs;

	if (q->sock < 0 || r->fd != q->sock || !r->stamp || r->stamp >= now)
		return 0;
	return r->stamp > q->t_sent ? r->stamp : q->t_sent;
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

/* Where the event ends in k's peeked bytes are (k->end, k->nend), for
 * those that need a stamp of their own: an event end is a blank line (SSE)
 * or a line end (NDJSON); a chunk frame may add a false one, which only
 * costs its peek. Only an end with another event's bytes after it counts:
 * after the last one come at most line ends and a chunk frame. */
static void find_ends(const struct eng *g, struct peek *k)
{
	size_t last = k->len;

	k->nend = 0;
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
		k->end[k->nend++] = i;
	}
}

/*
 * Peeks at the bytes waiting on fd into k, with the kernel's receive time
 * of the newest of them (monotonic), k->stamp 0 when it gives none. The
 * bytes stay for libcurl; it costs one system call, and one more when
 * several events wait. The stamp is no earlier than any of those bytes
 * arrived, and with one event per wake-up (a stream read as fast as it
 * comes) it is that event's arrival. It does not grow with the time the
 * loop takes to reach a socket: a burst of a thousand chunks is stamped as
 * it arrived, not as it was worked through. Which bytes it covers:
 * kst_arrival.
 */
int64_t kst_peek(struct eng *g, int fd)
{
	struct peek *k = g->pk;
	union {
		char b[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} cb[PEEK_ENDS + 1];
	struct iovec io[PEEK_ENDS + 1];
	struct mmsghdr mm[PEEK_ENDS];
	struct msghdr m;
	ssize_t n;
	int got;
	int64_t wall;

	k->id = ++g->npeeks;
	k->fd = fd;
	k->stamp = 0;
	k->len = 0;
	k->nend = 0;
	memset(&m, 0, sizeof m);
	io[PEEK_ENDS].iov_base = k->buf;
	io[PEEK_ENDS].iov_len = PEEK_MAX;
	m.msg_iov = &io[PEEK_ENDS];
	m.msg_iovlen = 1;
	m.msg_control = cb[PEEK_ENDS].b;
	m.msg_controllen = sizeof cb[PEEK_ENDS].b;
	/* A full buffer holds the first PEEK_MAX bytes of more: the stamp
	 * is the newest of those, so it still applies to them (kst_arrival
	 * finds no others in k), which keeps a request's end on its kernel
	 * stamp after a stall (its slot frees then: client lag). */
	n = recvmsg(fd, &m, MSG_PEEK | MSG_DONTWAIT);
	if (n <= 0 || !(wall = rst_msg_wall(&m)))
		return 0;
	k->len = (size_t)n;
	/*
	 * When several events wait (the loop fell behind the stream), the
	 * stamp is the newest one's. Each earlier event end gets its own from
	 * a peek up to that end, all of them in one recvmmsg: the kernel
	 * stamps with the last buffer such a peek touches (TCP merges buffers
	 * that wait, keeping the newest stamp, so this too is never early).
	 */
	find_ends(g, k);
	if (!k->nend) {
		clk_wall_read(&g->wall); /* after the read: lib/clk */
		return k->stamp = clk_wall_mono(&g->wall, wall);
	}
	memset(mm, 0, k->nend * sizeof *mm);
	for (size_t j = 0; j < k->nend; j++) {
		io[j].iov_base = k->buf; /* the same bytes again */
		io[j].iov_len = k->end[j] + 1;
		mm[j].msg_hdr.msg_iov = &io[j];
		mm[j].msg_hdr.msg_iovlen = 1;
		mm[j].msg_hdr.msg_control = cb[j].b;
		mm[j].msg_hdr.msg_controllen = sizeof cb[j].b;
	}
	got = recvmmsg(fd, mm, (unsigned)k->nend, MSG_PEEK | MSG_DONTWAIT, NULL);
	/* One reading of the offset for all the stamps of the peek. */
	clk_wall_read(&g->wall);
	k->stamp = clk_wall_mono(&g->wall, wall);
	for (int j = 0; j < (got > 0 ? got : 0); j++) {
		int64_t w;

		if (mm[j].msg_len != k->end[j] + 1) {
			got = j;
			break;
		}
		w = rst_msg_wall(&mm[j].msg_hdr);
		k->end_stamp[j] = w ? clk_wall_mono(&g->wall, w) : k->stamp;
	}
	/* Near a step of the wall clock an earlier event's stamp can come
	 * out later than a later one's (each is as late as it could be,
	 * lib/clk); bytes that came later arrived no earlier, so a later
	 * event's stamp bounds the earlier ones': never early, and in order
	 * (on_event takes a stamp that goes back as read now). */
	for (int j = (got > 0 ? got : 0) - 1; j >= 0; j--) {
		int64_t next = j + 1 < got ? k->end_stamp[j + 1] : k->stamp;

		if (k->end_stamp[j] > next)
			k->end_stamp[j] = next;
	}
	/* Ends left without a stamp of their own take the newest (kst_event). */
	k->nend = got > 0 ? (size_t)got : 0;
	return k->stamp;
}

void kst_done(struct eng *g)
{
	if (g->pk)
		g->pk->fd = -1;
}

