/* jsmn's code lives here, strict, and static to this file. */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "engine.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <curl/curl.h>

#include "clk.h"
#include "rng.h"
#include "sse.h"

/* A non-streamed body, or an error body, may not grow past this. */
#define BODY_MAX (64u << 20)
/* jsmn tokens for one event may not grow past this. */
#define TOK_MAX (1u << 20)
/* libcurl's receive buffer per transfer: small keeps memory per stream
 * low; a read never holds more than this anyway. */
#define RECV_BUF 4096
/* A retry waits at most this long, whatever the backoff or Retry-After. */
#define RETRY_MAX_NS (60 * CLK_NS_PER_S)
/* At most this many waiting bytes are peeked at for the kernel's receive
 * stamp; a socket holding more is stamped when read instead. */
#define PEEK_MAX 8192
/* Sockets handled per wake-up (epoll_wait's maxevents). */
#define WAKE_MAX 256
/* A socket whose peek is older than this when its turn comes is peeked
 * again, to cover bytes that came meanwhile. */
#define REPEEK_NS (50 * CLK_NS_PER_US)
/* Event ends in one peek given a stamp of their own (see take_peek). */
#define PEEK_ENDS 8
#define PEEK_LOST ((size_t)-1)

struct eng;

struct req {
	CURL *h;
	struct eng *g;
	struct req *next_free;
	int active;
	const struct corpus_row *row;
	long seq;
	int warmup;
	int64_t t_sched, t_sent;
	int64_t now;       /* stamp of the write callback being handled */
	const struct peek *kpeek; /* its bytes were peeked at in here, */
	size_t kbase;             /* from this offset; NULL when not */
	int64_t t_data;    /* stamp of the last bytes received */
	int64_t t_done;    /* stamp of the bytes that carried the end marker */
	long http;
	long bytes;
	char *body;        /* the request body (JSON) */
	struct sse sse;
	struct buf raw;    /* body of a non-streamed or failed response */
	struct resp r;
	char bad[160];     /* why the stream is malformed, "" when it is not */
	char hdr_id[96];   /* X-Request-Id, the id when the body has none */
	curl_socket_t sock; /* the socket libcurl watches for it, if known */
	long gen;           /* the peek cursor is for */
	size_t cursor;      /* how far into the peeked bytes q has read;
			       PEEK_LOST once a piece was not found there */
	int attempt;        /* 1, then 2... for --retries */
	double retry_after_s; /* the server's Retry-After, -1 none */
	int64_t retry_at;   /* when the waiting retry is due */
	struct req *next_retry;
};

struct peek {
	long wake;     /* the wake-up it was taken in */
	long id;       /* counts peeks, so a request's cursor knows its own */
	int fd;
	int64_t stamp; /* monotonic; 0 when the kernel gave none */
	int64_t taken; /* when it was taken */
	size_t len;
	size_t nend;               /* event ends stamped apart, in order */
	size_t end[PEEK_ENDS];     /* offset of an event's last byte */
	int64_t end_stamp[PEEK_ENDS];
	char buf[PEEK_MAX];
};

struct eng {
	struct eng_ctx cx;
	CURLM *m;
	int ep, tcurl, tsend;
	int timeout_now; /* libcurl asked for its timeout handling at once */
	int kstamp;      /* stamp chunks with the kernel's receive time */
	/* The bytes waiting on each readable socket of this wake-up, peeked
	 * at with the kernel's receive stamp; slot[fd] is the index of fd's
	 * peek, valid while its wake matches. */
	struct peek *peeks; /* WAKE_MAX */
	int *slot;
	size_t nslot;
	long wake, npeeks;
	int64_t wall_off; /* wall-clock minus monotonic time, for the kernel's */
	struct curl_slist *hdrs;
	char *url;
	struct req **all; /* every request slot, for cancelling and freeing */
	size_t nall;
	struct req *free_list;
	long inflight;
	jsmntok_t *tok;
	size_t ntok;
	long errors; /* failed requests in the run */
	long *in_count; /* with -t: each corpus row's prompt tokens, -1 unknown */
	int tretry;             /* timerfd: the next retry is due */
	struct req *retries;    /* failed requests waiting to retry, by time */
	struct rng retry_rng;   /* backoff jitter, from --seed */
	long samples_shown;

	/* the step */
	const struct eng_step *s;
	struct prog *pg;
	int64_t t_start;
	long issued;
	size_t next_time;
	size_t cursor;
	int sending;
	int io_failed;
	struct err werr;
};

/* --- one event ----------------------------------------------------------- */

static int invalid(struct req *q, const char *what)
{
	snprintf(q->bad, sizeof q->bad, "%.150s", what);
	return 1;
}

/* Tokenizes js[0..n) into g->tok; returns the token count or -1. */
static int tokenize(struct eng *g, const char *js, size_t n)
{
	for (;;) {
		jsmn_parser p;
		int r;

		jsmn_init(&p);
		r = jsmn_parse(&p, js, n, g->tok, (unsigned)g->ntok);
		if (r != JSMN_ERROR_NOMEM)
			return r;
		if (g->ntok >= TOK_MAX)
			return -1;
		{
			size_t cap = g->ntok * 4;
			jsmntok_t *t = realloc(g->tok, cap * sizeof *t);

			if (!t)
				return -1;
			g->tok = t;
			g->ntok = cap;
		}
	}
}

/* Parses a whole JSON document: one object and nothing after it but
 * whitespace. Returns 1 and fills d, else 0. */
static int parse_doc(struct eng *g, const char *js, size_t n, struct jdoc *d)
{
	int nt = tokenize(g, js, n);
	size_t end;

	if (nt < 1 || g->tok[0].type != JSMN_OBJECT)
		return 0;
	end = (size_t)g->tok[0].end;
	while (end < n && (js[end] == ' ' || js[end] == '\n' || js[end] == '\r' ||
			   js[end] == '\t'))
		end++;
	if (end != n)
		return 0;
	d->js = js;
	d->t = g->tok;
	d->n = nt;
	return 1;
}

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
static int64_t kernel_arrival(struct req *q, const char *p, size_t n, int64_t now)
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
static int64_t event_arrival(struct req *q, size_t end)
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

/* One event, which arrived at t. */
static void handle_event(struct req *q, const struct sse_event *ev, int64_t t)
{
	struct eng *g = q->g;
	struct jdoc d;
	struct err e;

	/* After a malformed event the rest is read but not interpreted: the
	 * connection stays reusable and the server sees the stream through. */
	if (q->bad[0])
		return;
	if (ev->done) {
		q->r.done = 1;
		if (!q->t_done)
			q->t_done = t;
		return;
	}
	if (!parse_doc(g, ev->data, ev->data_len, &d)) {
		invalid(q, "an event is not a JSON object");
		return;
	}
	if (api_error_object(&q->r, &d))
		return;
	if (g->cx.t->api->event(&q->r, &d, t, &e))
		invalid(q, e.msg);
	if (q->r.done && !q->t_done)
		q->t_done = t;
}

static int on_event(void *ctx, const struct sse_event *ev)
{
	struct req *q = ctx;

	handle_event(q, ev, q->kpeek ? event_arrival(q, ev->end) : q->now);
	return 0;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct req *q = ud;
	size_t n = size * nmemb, k = sizeof "x-request-id:" - 1;
	size_t ra = sizeof "retry-after:" - 1;

	(void)kernel_arrival(q, p, n, 0); /* moves the cursor, stamps nothing */
	/* Retry-After in seconds; the HTTP-date form is not used by
	 * inference servers and is ignored. */
	if (n > ra && strncasecmp(p, "retry-after:", ra) == 0) {
		char tmp[32], *end;
		size_t vn = n - ra < sizeof tmp - 1 ? n - ra : sizeof tmp - 1;
		double v;

		memcpy(tmp, p + ra, vn);
		tmp[vn] = '\0';
		v = strtod(tmp, &end);
		while (*end == ' ' || *end == '\r' || *end == '\n')
			end++;
		if (end != tmp && !*end && v >= 0 && isfinite(v))
			q->retry_after_s = v;
		return n;
	}

	if (n > k && strncasecmp(p, "x-request-id:", k) == 0) {
		const char *v = p + k;
		size_t vn = n - k;

		while (vn && (*v == ' ' || *v == '\t'))
			v++, vn--;
		while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n' || v[vn - 1] == ' '))
			vn--;
		snprintf(q->hdr_id, sizeof q->hdr_id, "%.*s", (int)vn, v);
	}
	return n;
}

/* Body bytes, stamped by the kernel where that applies (kernel_arrival),
 * else now. */
static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct req *q = ud;
	size_t n = size * nmemb;
	int64_t now = clk_mono_ns(), k;
	struct err e;

	q->kpeek = NULL;
	q->now = now;
	if ((k = kernel_arrival(q, p, n, now)))
		now = k;
	q->bytes += (long)n;
	q->t_data = now;
	if (!q->http)
		curl_easy_getinfo(q->h, CURLINFO_RESPONSE_CODE, &q->http);
	if (q->http >= 300 || !q->g->cx.o->stream) {
		if (buf_add(&q->raw, p, n, &e)) {
			invalid(q, "response body too large");
			return 0;
		}
		return n;
	}
	/* Events get their own stamps from the peek (kpeek), else now. */
	if (sse_feed(&q->sse, p, n, on_event, q, &e)) {
		q->kpeek = NULL;
		if (!q->bad[0])
			invalid(q, e.msg);
		return 0;
	}
	q->kpeek = NULL;
	return n;
}

/* --- libcurl's socket and timer callbacks -------------------------------- */

/* Asks the kernel to stamp what arrives on a new connection. Should it
 * refuse, chunks are stamped when read. */
static int on_sockopt(void *ud, curl_socket_t fd, curlsocktype purpose)
{
	int on = 1;

	(void)ud;
	if (purpose == CURLSOCKTYPE_IPCXN)
		(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
	return CURL_SOCKOPT_OK;
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
static void take_peek(struct eng *g, struct peek *k, int fd)
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
static void peek_all(struct eng *g, const struct epoll_event *evs, int n)
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
		take_peek(g, &g->peeks[i], fd);
	}
}

static int on_socket(CURL *h, curl_socket_t s, int what, void *ud, void *sockp)
{
	struct eng *g = ud;
	struct epoll_event ev;
	char *pv = NULL;
	struct req *q;

	/* Which request a socket serves, for its kernel stamps. A socket
	 * shared by several HTTP/2 streams names one of them; the others'
	 * chunks are stamped when read. */
	curl_easy_getinfo(h, CURLINFO_PRIVATE, &pv);
	q = (struct req *)pv;
	if (what == CURL_POLL_REMOVE) {
		if (q && q->sock == s)
			q->sock = CURL_SOCKET_BAD;
		epoll_ctl(g->ep, EPOLL_CTL_DEL, s, NULL);
		curl_multi_assign(g->m, s, NULL);
		return 0;
	}
	if (q)
		q->sock = s;
	memset(&ev, 0, sizeof ev);
	ev.data.fd = s;
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) |
		    (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (epoll_ctl(g->ep, sockp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev) != 0 &&
	    epoll_ctl(g->ep, sockp ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, s, &ev) != 0)
		return -1;
	if (!sockp)
		curl_multi_assign(g->m, s, g);
	return 0;
}

static void arm(int fd, int64_t ns, int absolute)
{
	struct itimerspec its;

	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = ns / CLK_NS_PER_S;
	its.it_value.tv_nsec = ns % CLK_NS_PER_S;
	timerfd_settime(fd, absolute ? TFD_TIMER_ABSTIME : 0, &its, NULL);
}

static int on_timer(CURLM *m, long ms, void *ud)
{
	struct eng *g = ud;

	(void)m;
	if (ms < 0) {
		arm(g->tcurl, 0, 0);
	} else if (ms == 0) {
		/* Not from inside this callback: the loop runs it next. */
		g->timeout_now = 1;
	} else {
		arm(g->tcurl, ms * CLK_NS_PER_MS, 0);
	}
	return 0;
}

/* The kernel stamps on the wall clock. Its offset from the monotonic clock
 * is read at every wake-up, as NTP may slew it. The reading is off by at
 * most half the time between the two monotonic reads (tens of ns); one
 * that took over 1 us (an interrupt came between them) is dropped, so the
 * offset is never more than 0.5 us wrong. */
static void read_wall_off(struct eng *g)
{
	for (int i = 0; i < 3; i++) {
		int64_t m0 = clk_mono_ns(), w = clk_wall_ns(), m1 = clk_mono_ns();

		if (m1 - m0 <= CLK_NS_PER_US) {
			g->wall_off = w - (m0 + (m1 - m0) / 2);
			return;
		}
	}
}

/* --- setup --------------------------------------------------------------- */

static char *join_url(const char *base, const char *path)
{
	size_t bl = strlen(base);
	char *u;

	while (bl && base[bl - 1] == '/')
		bl--;
	/* "http://h/v1" + "/v1/completions" names the path once. */
	if (bl >= 3 && strncmp(base + bl - 3, "/v1", 3) == 0 &&
	    strncmp(path, "/v1/", 4) == 0)
		bl -= 3;
	if (asprintf(&u, "%.*s%s", (int)bl, base, path) < 0)
		return NULL;
	return u;
}

int eng_new(const struct eng_ctx *cx, struct eng **out, struct err *e)
{
	struct eng *g = calloc(1, sizeof *g);
	const struct opts *o = cx->o;
	struct curl_slist *h = NULL;

	if (!g)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	g->cx = *cx;
	g->ep = epoll_create1(EPOLL_CLOEXEC);
	g->tcurl = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	g->tsend = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	g->tretry = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	g->m = curl_multi_init();
	g->ntok = 256;
	g->tok = malloc(g->ntok * sizeof *g->tok);
	g->kstamp = !o->stamp_read;
	if (cx->count) {
		g->in_count = malloc((cx->c->n ? cx->c->n : 1) * sizeof *g->in_count);
		for (size_t i = 0; g->in_count && i < cx->c->n; i++)
			g->in_count[i] = -2; /* not counted yet */
	}
	g->peeks = g->kstamp ? malloc(WAKE_MAX * sizeof *g->peeks) : NULL;
	g->url = join_url(cx->t->url,
			  o->stream ? cx->t->api->path_stream : cx->t->api->path_plain);
	if (g->ep < 0 || g->tcurl < 0 || g->tsend < 0 || g->tretry < 0 || !g->m ||
	    !g->tok || !g->url ||
	    (g->kstamp && !g->peeks) || (cx->count && !g->in_count)) {
		eng_free(g);
		return err_set(e, ERR_SOFTWARE, "cannot set up the engine: %s",
			       strerror(errno));
	}
	for (int i = 0; i < 3; i++) {
		struct epoll_event ev = {.events = EPOLLIN};

		ev.data.fd = i == 0 ? g->tcurl : i == 1 ? g->tsend : g->tretry;
		epoll_ctl(g->ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	}
	/* From --seed, apart from the arrival times' streams. */
	rng_seed(&g->retry_rng, (uint64_t)o->seed ^ 0x7265747279ULL);
	curl_multi_setopt(g->m, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(g->m, CURLMOPT_SOCKETDATA, g);
	curl_multi_setopt(g->m, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(g->m, CURLMOPT_TIMERDATA, g);

	h = curl_slist_append(h, "Content-Type: application/json");
	/* Without this, libcurl waits for "100 Continue" on large bodies. */
	h = curl_slist_append(h, "Expect:");
	if (o->api_key) {
		size_t n = strlen(o->api_key) + 32;
		char *a = malloc(n);

		if (a) {
			snprintf(a, n, "Authorization: Bearer %s", o->api_key);
			h = curl_slist_append(h, a);
			explicit_bzero(a, n);
			free(a);
		}
	}
	for (size_t i = 0; i < o->nheaders; i++)
		h = curl_slist_append(h, o->headers[i]);
	if (!h) {
		eng_free(g);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	g->hdrs = h;
	*out = g;
	return 0;
}

static struct req *new_req(struct eng *g)
{
	const struct opts *o = g->cx.o;
	struct req *q, **all;
	CURL *h;

	if (g->free_list) {
		q = g->free_list;
		g->free_list = q->next_free;
		return q;
	}
	all = realloc(g->all, (g->nall + 1) * sizeof *all);
	if (!all)
		return NULL;
	g->all = all;
	q = calloc(1, sizeof *q);
	if (!q || !(h = curl_easy_init())) {
		free(q);
		return NULL;
	}
	g->all[g->nall++] = q;
	q->h = h;
	q->g = g;
	q->raw.max = BODY_MAX;
	sse_init(&q->sse, g->cx.t->api->mode, 0);
	curl_easy_setopt(h, CURLOPT_URL, g->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, g->hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(h, CURLOPT_PRIVATE, q);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, (long)RECV_BUF);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	if (g->kstamp)
		curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(o->timeout_s * 1000));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(o->connect_timeout_s * 1000));
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, NULL);
	if (o->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->cacert);
	if (o->http2) {
		/* TLS negotiates h2 by ALPN; cleartext asks with an h2c
		 * Upgrade, so a server without HTTP/2 still answers in 1.1. */
		curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
				 strncmp(g->url, "https:", 6) == 0
					 ? (long)CURL_HTTP_VERSION_2TLS
					 : (long)CURL_HTTP_VERSION_2_0);
		curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	}
	if (o->no_keepalive) {
		curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	}
	return q;
}

/* --- a request's life ---------------------------------------------------- */

static void print_sample(struct eng *g, struct req *q, const struct rec_row *x)
{
	FILE *f = g->cx.samples;
	double e2e = (double)(x->t_end - x->t_sent) / 1e6;

	if (!f)
		return;
	g->samples_shown++;
	fprintf(f, "llmrun: sample %ld (row %s): %s, ttft %.1f ms, e2e %.1f ms, "
		   "%ld output tokens",
		g->samples_shown, q->row->id, rec_class_name(x->status),
		q->r.t_first_token ? (double)(q->r.t_first_token - x->t_sent) / 1e6 : NAN,
		e2e, x->out_tokens);
	if (x->out_tokens > 0 && q->r.t_first_token && x->t_end > q->r.t_first_token)
		fprintf(f, ", %.1f tok/s",
			x->out_tokens / ((double)(x->t_end - q->r.t_first_token) / 1e9));
	fprintf(f, "\n%.*s\n", (int)(q->r.text.len < 2000 ? q->r.text.len : 2000),
		q->r.text.p ? q->r.text.p : "");
}

/* The prompt's tokens (with --system's) counted by the tokenizer, once
 * per corpus row; -1 when they cannot be counted. The chat template's own
 * tokens are not in it: only the server knows its template. */
static long prompt_tokens(struct eng *g, const struct corpus_row *row)
{
	const char *sys = g->cx.o->system;
	long *n = &g->in_count[row - g->cx.c->rows];
	size_t a, b = 0;
	struct err e;

	if (*n == -2) {
		*n = -1;
		if (g->cx.count(g->cx.tok, row->prompt, row->prompt_len, &a, &e) == 0 &&
		    (!sys || g->cx.count(g->cx.tok, sys, strlen(sys), &b, &e) == 0))
			*n = (long)(a + b);
	}
	return *n;
}

static void retry_later(struct eng *g, struct req *q, int64_t now);

static void finish(struct eng *g, struct req *q, int curl_code, int cancelled)
{
	const struct opts *o = g->cx.o;
	const struct eng_step *s = g->s;
	int64_t now = clk_mono_ns();
	struct rec_row x;
	char msg[256];
	struct err e;
	size_t cnt;

	/* A retry cancelled before it was sent has no status of its own. */
	if (!q->http && q->t_sent)
		curl_easy_getinfo(q->h, CURLINFO_RESPONSE_CODE, &q->http);
	curl_multi_remove_handle(g->m, q->h);
	if (!cancelled && !q->bad[0] && q->raw.len) {
		struct jdoc d;

		if (q->http >= 300) {
			/* Keep the server's own words about the failure. */
			if (parse_doc(g, q->raw.p, q->raw.len, &d))
				api_error_object(&q->r, &d);
			q->r.err_class = RC_OK;
		} else if (!parse_doc(g, q->raw.p, q->raw.len, &d)) {
			invalid(q, "the response body is not a JSON object");
		} else if (!api_error_object(&q->r, &d) &&
			   g->cx.t->api->whole(&q->r, &d, q->t_data, &e)) {
			invalid(q, e.msg);
		}
	}
	if (o->stream && !cancelled && !q->bad[0] && !q->r.done &&
	    q->sse.mode == SSE_MODE_NDJSON && curl_code == CURLE_OK) {
		/* A last NDJSON line may come without its line end. */
		q->now = q->t_data;
		if (sse_finish(&q->sse, on_event, q, &e) && !q->bad[0])
			invalid(q, e.msg);
		if (q->r.done)
			q->t_done = q->t_data;
	}

	if (!q->r.response_id[0] && q->hdr_id[0])
		snprintf(q->r.response_id, sizeof q->r.response_id, "%s", q->hdr_id);
	memset(&x, 0, sizeof x);
	x.status = rec_classify(curl_code, q->http, &q->r, cancelled, q->bad, msg,
				sizeof msg);
	x.run_id = g->cx.run_id;
	x.target = g->cx.t->name;
	x.model = g->cx.t->model;
	x.api = g->cx.t->api->name;
	x.group = q->row->group;
	x.row_id = q->row->id;
	x.step_kind = s->kind;
	x.step = s->value;
	x.schedule = s->schedule;
	x.seq = q->seq;
	x.attempt = q->attempt;
	x.warmup = q->warmup;
	x.http_status = q->http;
	x.t_scheduled = q->t_sched;
	x.t_sent = q->t_sent;
	x.t_end = q->t_done ? q->t_done : x.status == RC_OK ? q->t_data : now;
	if (!x.t_end)
		x.t_end = now;
	x.r = &q->r;
	x.bytes = q->bytes;
	x.error = msg;
	x.in_tokens = -1;
	x.out_tokens = -1;
	if (q->r.in_tokens >= 0) {
		x.in_tokens = q->r.in_tokens;
		x.in_source = "usage";
	} else if (g->in_count && (x.in_tokens = prompt_tokens(g, q->row)) >= 0) {
		x.in_source = "tokenizer";
	} else if (q->row->input_tokens >= 0) {
		x.in_tokens = q->row->input_tokens;
		x.in_source = "corpus";
	}
	if (q->r.out_tokens >= 0) {
		x.out_tokens = q->r.out_tokens;
		x.out_source = "usage";
	} else if (g->cx.count && q->r.text.len &&
		   g->cx.count(g->cx.tok, q->r.text.p, q->r.text.len, &cnt, &e) == 0) {
		x.out_tokens = (long)cnt;
		x.out_source = "tokenizer";
	} else if (q->r.chunks > 0) {
		x.out_tokens = q->r.chunks;
		x.out_source = "chunks";
	}
	/* Retry classes the user chose, while the run goes on; a request
	 * cancelled while its retry waited is one more attempt, never sent. */
	x.retried = !cancelled && x.status != RC_OK && q->attempt <= o->retries &&
		    (o->retry_on & 1u << x.status) && !*g->cx.stop && !g->io_failed;
	if (!g->io_failed && rec_write(g->cx.rec, &x, &g->werr))
		g->io_failed = 1;
	if (g->pg)
		prog_add(g->pg, &x);
	if (x.retried) {
		retry_later(g, q, now);
		return;
	}
	if (x.status != RC_OK)
		g->errors++;
	if (g->samples_shown < o->show_samples && x.status == RC_OK)
		print_sample(g, q, &x);

	q->active = 0;
	q->next_free = g->free_list;
	g->free_list = q;
	g->inflight--;
	free(q->body);
	q->body = NULL;
}

/* Sends q's next attempt (its body is built), scheduled at t_sched. */
/* Forgets q's last attempt: the next is due at t_sched and sent at t_sent
 * (0: never sent). */
static void new_attempt(struct eng *g, struct req *q, int64_t t_sched,
			int64_t t_sent)
{
	q->http = 0;
	q->bytes = 0;
	q->t_data = q->t_done = 0;
	q->bad[0] = '\0';
	q->hdr_id[0] = '\0';
	q->sock = CURL_SOCKET_BAD;
	q->retry_after_s = -1;
	buf_reset(&q->raw);
	sse_reset(&q->sse);
	q->t_sched = t_sched;
	q->t_sent = t_sent;
	resp_reset(&q->r, t_sent,
		   g->cx.count != NULL || q->seq < g->cx.o->show_samples);
}

static void send_attempt(struct eng *g, struct req *q, int64_t t_sched)
{
	new_attempt(g, q, t_sched, clk_mono_ns());
	if (!q->body) {
		invalid(q, "cannot build the request body");
		finish(g, q, CURLE_OK, 0);
		return;
	}
	curl_easy_setopt(q->h, CURLOPT_POSTFIELDS, q->body);
	curl_easy_setopt(q->h, CURLOPT_POSTFIELDSIZE, (long)strlen(q->body));
	if (curl_multi_add_handle(g->m, q->h) != CURLM_OK) {
		invalid(q, "libcurl refused the request");
		finish(g, q, CURLE_OK, 0);
	}
}

/* Starts the next request of the step, scheduled at t_sched. Returns 0 or
 * -1 when no request could be made (out of memory). */
static int issue(struct eng *g, int64_t t_sched, const struct corpus_row *row)
{
	const struct opts *o = g->cx.o;
	const struct opts_target *t = g->cx.t;
	struct api_req ar;
	struct req *q = new_req(g);
	json_t *b;

	if (!q)
		return -1;
	memset(&ar, 0, sizeof ar);
	ar.model = t->model;
	ar.prompt = row->prompt;
	ar.system = o->system;
	ar.max_tokens = o->max_tokens >= 0 ? o->max_tokens : row->output_tokens;
	ar.min_tokens = o->min_tokens;
	ar.ignore_eos = o->ignore_eos;
	ar.stream = o->stream;
	ar.continuous_usage = o->continuous_usage;
	ar.temperature = o->temperature;
	ar.top_p = o->top_p;
	b = t->api->body(&ar);
	if (b && t->extra)
		json_object_update_recursive(b, t->extra);
	q->body = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	q->row = row;
	q->seq = g->issued;
	q->warmup = g->issued < g->s->warmup;
	q->attempt = 1;
	q->active = 1;
	g->issued++;
	g->inflight++;
	send_attempt(g, q, t_sched);
	return 0;
}

/* --- retries ------------------------------------------------------------- */

/* Queues q's next attempt: after the backoff (--retry-backoff doubled per
 * attempt, drawn from its upper half so retries do not move in step) or
 * the server's Retry-After, whichever is longer, at most a minute. */
static void retry_later(struct eng *g, struct req *q, int64_t now)
{
	const struct opts *o = g->cx.o;
	double d = o->retry_backoff_s * ldexp(1.0, q->attempt - 1);
	int64_t wait;
	struct req **p;

	d *= 0.5 + 0.5 * rng_uniform(&g->retry_rng);
	if (q->retry_after_s > d)
		d = q->retry_after_s;
	wait = d * 1e9 < (double)RETRY_MAX_NS ? (int64_t)(d * 1e9) : RETRY_MAX_NS;
	q->retry_at = now + wait;
	q->attempt++;
	for (p = &g->retries; *p && (*p)->retry_at <= q->retry_at; p = &(*p)->next_retry)
		;
	q->next_retry = *p;
	*p = q;
	arm(g->tretry, g->retries->retry_at, 1);
}

/* Sends every retry that is due. */
static void retry_due(struct eng *g)
{
	int64_t now = clk_mono_ns();

	while (g->retries && g->retries->retry_at <= now) {
		struct req *q = g->retries;

		g->retries = q->next_retry;
		send_attempt(g, q, q->retry_at);
	}
	arm(g->tretry, g->retries ? g->retries->retry_at : 0, 1);
}

/* --- the step ------------------------------------------------------------ */

static const struct corpus_row *next_row(struct eng *g)
{
	const struct corpus *c = g->cx.c;

	return &c->rows[g->cursor++ % c->n];
}

/* Closed loop: may another request start now? */
static int may_send(struct eng *g, int64_t now)
{
	const struct eng_step *s = g->s;

	if (s->requests && g->issued >= s->requests + s->warmup)
		return 0;
	if (s->duration_ns && now - g->t_start >= s->duration_ns)
		return 0;
	return 1;
}

static void top_up(struct eng *g)
{
	const struct eng_step *s = g->s;
	int64_t now = clk_mono_ns();

	if (!g->sending)
		return;
	if (s->times) {
		while (g->next_time < s->ntimes &&
		       g->t_start + s->times[g->next_time] <= now) {
			const struct corpus_row *row =
				s->rows ? &g->cx.c->rows[s->rows[g->next_time]] : next_row(g);

			if (issue(g, g->t_start + s->times[g->next_time], row))
				break;
			g->next_time++;
		}
		if (g->next_time < s->ntimes)
			arm(g->tsend, g->t_start + s->times[g->next_time], 1);
		else
			g->sending = 0;
		return;
	}
	if (s->waves) {
		if (g->inflight > 0)
			return;
		for (long i = 0; i < s->batch && may_send(g, now); i++)
			if (issue(g, now, next_row(g)))
				break;
	} else {
		while (g->inflight < s->batch && may_send(g, now))
			if (issue(g, now, next_row(g)))
				break;
	}
	if (!may_send(g, now) || g->inflight == 0)
		g->sending = 0;
}

static void drain_done(struct eng *g)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(g->m, &left))) {
		struct req *q;

		if (m->msg != CURLMSG_DONE)
			continue;
		char *pv = NULL;

		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &pv);
		q = (struct req *)pv;
		finish(g, q, m->data.result, 0);
	}
}

static void cancel_all(struct eng *g)
{
	/* A waiting retry ends as its next attempt, cancelled before it was
	 * sent: no send time, nothing received. */
	for (struct req *q = g->retries; q; q = q->next_retry)
		new_attempt(g, q, q->retry_at, 0);
	g->retries = NULL;
	arm(g->tretry, 0, 0);
	for (size_t i = 0; i < g->nall; i++)
		if (g->all[i]->active)
			finish(g, g->all[i], CURLE_OK, 1);
}

int eng_run_step(struct eng *g, const struct eng_step *s, struct prog *pg,
		 int *interrupted, struct err *e)
{
	const struct opts *o = g->cx.o;
	struct epoll_event evs[WAKE_MAX];
	int running, too_many = 0;

	*interrupted = 0;
	g->s = s;
	g->pg = pg;
	g->issued = 0;
	g->next_time = 0;
	g->sending = 1;
	g->t_start = clk_mono_ns();
	top_up(g);
	while (g->sending || g->inflight > 0) {
		int n = epoll_wait(g->ep, evs, WAKE_MAX, g->timeout_now ? 0 : 200);

		if (n < 0 && errno != EINTR)
			return err_set(e, ERR_SOFTWARE, "epoll_wait: %s", strerror(errno));
		if (n > 0 && g->kstamp) {
			read_wall_off(g);
			peek_all(g, evs, n);
		}
		if (g->timeout_now) {
			g->timeout_now = 0;
			curl_multi_socket_action(g->m, CURL_SOCKET_TIMEOUT, 0, &running);
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd, flags = 0;
			uint64_t ticks;

			if (fd == g->tcurl) {
				if (read(fd, &ticks, sizeof ticks) > 0)
					curl_multi_socket_action(g->m, CURL_SOCKET_TIMEOUT,
								 0, &running);
				continue;
			}
			if (fd == g->tretry) {
				if (read(fd, &ticks, sizeof ticks) > 0)
					retry_due(g);
				continue;
			}
			if (fd == g->tsend) {
				if (read(fd, &ticks, sizeof ticks) < 0)
					continue;
				continue; /* top_up below sends what is due */
			}
			if (evs[i].events & EPOLLIN)
				flags |= CURL_CSELECT_IN;
			if (evs[i].events & EPOLLOUT)
				flags |= CURL_CSELECT_OUT;
			if (evs[i].events & (EPOLLERR | EPOLLHUP))
				flags |= CURL_CSELECT_ERR;
			if (g->kstamp && (flags & CURL_CSELECT_IN) && g->slot &&
			    (size_t)fd < g->nslot && g->slot[fd] == i &&
			    clk_mono_ns() - g->peeks[i].taken > REPEEK_NS)
				take_peek(g, &g->peeks[i], fd);
			curl_multi_socket_action(g->m, fd, flags, &running);
		}
		drain_done(g);
		if (g->io_failed) {
			cancel_all(g);
			*e = g->werr;
			return e->code ? e->code : ERR_IO;
		}
		if (*g->cx.stop) {
			*interrupted = 1;
			g->sending = 0;
			if (!o->drain || *g->cx.stop > 1)
				cancel_all(g);
		}
		if (o->max_errors >= 0 && g->errors > o->max_errors && g->sending) {
			g->sending = 0;
			too_many = 1;
		}
		top_up(g);
		if (pg)
			prog_tick(pg, clk_mono_ns());
	}
	arm(g->tsend, 0, 0);
	if (g->io_failed) {
		*e = g->werr;
		return ERR_IO;
	}
	if (too_many)
		return err_set(e, ERR_UNAVAILABLE, "more than %ld requests failed",
			       o->max_errors);
	return 0;
}

void eng_free(struct eng *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nall; i++) {
		struct req *q = g->all[i];

		if (q->active)
			curl_multi_remove_handle(g->m, q->h);
		curl_easy_cleanup(q->h);
		sse_free(&q->sse);
		buf_free(&q->raw);
		resp_free(&q->r);
		free(q->body);
		free(q);
	}
	free(g->all);
	if (g->m)
		curl_multi_cleanup(g->m);
	curl_slist_free_all(g->hdrs);
	free(g->tok);
	free(g->peeks);
	free(g->slot);
	free(g->in_count);
	free(g->url);
	if (g->ep >= 0)
		close(g->ep);
	if (g->tcurl >= 0)
		close(g->tcurl);
	if (g->tsend >= 0)
		close(g->tsend);
	if (g->tretry >= 0)
		close(g->tretry);
	free(g);
}
