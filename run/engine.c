/* The request engine's loop: libcurl's sockets and timers on epoll, the
 * scheduling of sends, retries, and a step from start to end. */
#include "engine_int.h"
#include "http.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum { PW_OUT = 1, PW_NOW = 2 }; /* a socket's state in the pause set */
/* ... in the loop's set, and EW_CONN: a connection's socket llmrun made
 * for libcurl (eng_sock_new), not closed yet (eng_sock_gone) */
enum { EW_IN = 1, EW_OUT = 2, EW_PARKED = 4, EW_CONN = 8 };
static void pause_apply(struct eng *g, int fd, unsigned char st);
static int wake_now(const struct req *q);

/* May q's next bytes end it? When it has seen its end marker or finish
 * reason, or its last token may be next (as many text chunks or usage
 * tokens as max_tokens, less one). A guess that needs no peek: see
 * may_end and wake_now for what rides on it. */
static int req_may_end(const struct req *q)
{
	return q->r.done || q->r.finish[0] ||
	       (q->max_tokens > 0 && (q->r.chunks >= q->max_tokens - 1 ||
				      q->r.out_tokens >= q->max_tokens - 1));
}

/* fd's byte in a per-socket state array, which grows to hold it; NULL
 * when it cannot. */
static unsigned char *fd_slot(unsigned char **a, size_t *n, int fd)
{
	if (fd < 0)
		return NULL;
	if ((size_t)fd >= *n) {
		size_t cap = (size_t)fd * 2 + 64;
		unsigned char *w = realloc(*a, cap);

		if (!w)
			return NULL;
		memset(w + *n, 0, cap - *n);
		*a = w;
		*n = cap;
	}
	return *a + fd;
}

/* Parks the idle connection socket s (state *w): watched for reading
 * only, in both sets (a connection made for a preconnect goes idle
 * watched for writing). Returns 0 when the sets could not be changed. */
static int park(struct eng *g, curl_socket_t s, unsigned char *w)
{
	if ((*w & (EW_IN | EW_OUT)) != EW_IN) {
		struct epoll_event ev = {.events = EPOLLIN};

		ev.data.fd = s;
		if (epoll_ctl(g->ep, *w & EW_OUT ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev) != 0)
			return 0;
	}
	if ((size_t)s < g->npw && (g->pw[s] & PW_OUT))
		pause_apply(g, s, PW_NOW);
	*w = EW_CONN | EW_IN | EW_PARKED;
	return 1;
}

/*
 * libcurl's watch on a socket, kept in the loop's epoll set. A kept-alive
 * connection goes back to libcurl's pool when its request ends (REMOVE)
 * and comes out for the next request (IN): taking it out of the sets and
 * putting it back cost four epoll_ctl() a request, two of them between
 * the request's hand-over and the next send. So a connection's socket
 * that goes idle stays registered, for reading, parked (park): nothing
 * comes on an idle connection unless the server closes it, and then
 * eng_unpark takes it out (libcurl's own check finds the connection dead
 * when it would reuse it; sock_idle answers that check for a parked
 * socket without a system call). Only sockets llmrun made for libcurl's
 * connections are parked, and their state is forgotten when libcurl
 * closes them (the kernel drops a closed socket from epoll sets), so a
 * new socket with the same number, a connection's or another of
 * libcurl's (its resolver's), starts unregistered.
 */
static int on_socket(CURL *h, curl_socket_t s, int what, void *ud, void *sockp)
{
	struct eng *g = ud;
	struct epoll_event ev;
	char *pv = NULL;
	struct req *q;
	unsigned char *w = fd_slot(&g->ew, &g->new_n, s), want;

	/* Which request a socket serves, for its kernel stamps. A socket
	 * shared by several HTTP/2 streams names one of them; the others'
	 * chunks are stamped when read. */
	curl_easy_getinfo(h, CURLINFO_PRIVATE, &pv);
	q = (struct req *)pv;
	if (what == CURL_POLL_REMOVE) {
		if (q && q->sock == s)
			q->sock = CURL_SOCKET_BAD;
		eng_sock_req(g, s, NULL);
		curl_multi_assign(g->m, s, NULL);
		if (w && (*w & EW_CONN) && park(g, s, w))
			return 0;
		pause_apply(g, s, 0);
		epoll_ctl(g->ep, EPOLL_CTL_DEL, s, NULL);
		if (w)
			*w &= EW_CONN;
		return 0;
	}
	if (q) {
		q->sock = s;
		eng_sock_req(g, s, q);
	}
	want = (what & CURL_POLL_IN ? EW_IN : 0) | (what & CURL_POLL_OUT ? EW_OUT : 0);
	if (!w || (*w & (EW_IN | EW_OUT)) != want) {
		int reg = w ? (*w & (EW_IN | EW_OUT)) != 0 : sockp != NULL;

		memset(&ev, 0, sizeof ev);
		ev.data.fd = s;
		ev.events = (want & EW_IN ? EPOLLIN : 0) | (want & EW_OUT ? EPOLLOUT : 0);
		if (epoll_ctl(g->ep, reg ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev) != 0 &&
		    epoll_ctl(g->ep, reg ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, s, &ev) != 0)
			return -1;
	}
	if (w)
		*w = want | (*w & EW_CONN);
	if (!sockp)
		curl_multi_assign(g->m, s, g);
	/* A write that waits and a read no one can wait for wake the loop
	 * at once; so does one of a socket whose request is not known. */
	pause_apply(g, s, (what & CURL_POLL_OUT ? PW_OUT : 0) |
			  ((what & CURL_POLL_IN) && (!q || q->sock != s || wake_now(q)) ?
			   PW_NOW : 0));
	return 0;
}

/* Forgets what fd was registered for: a socket just made or just
 * closed is in no epoll set. conn marks a connection's socket. */
static void sock_reset(struct eng *g, curl_socket_t s, unsigned char conn)
{
	unsigned char *w = conn ? fd_slot(&g->ew, &g->new_n, s) :
			   s >= 0 && (size_t)s < g->new_n ? g->ew + s : NULL;

	if (w)
		*w = conn;
	if (s >= 0 && (size_t)s < g->npw)
		g->pw[s] = 0;
}

void eng_sock_new(struct eng *g, curl_socket_t s)
{
	sock_reset(g, s, EW_CONN);
}

void eng_sock_gone(struct eng *g, curl_socket_t s)
{
	sock_reset(g, s, 0);
}

/* Is fd parked (rst_idle)? Then no event came on it since its request
 * ended: libcurl's "is it alive?" of it needs no poll(). An end that
 * came and was not looked at yet makes a request go out on a dead
 * connection, which libcurl or llmrun then send again on a new one
 * (conn_retried), as when the server closes it just as the request is
 * written. */
static int sock_idle(void *ud, int fd)
{
	const struct eng *g = ud;

	return fd >= 0 && (size_t)fd < g->new_n && (g->ew[fd] & EW_PARKED);
}

int eng_unpark(struct eng *g, int fd)
{
	char c;

	if (fd < 0 || (size_t)fd >= g->new_n || !(g->ew[fd] & EW_PARKED))
		return 0;
	/* An event taken before libcurl read the connection's answer inline
	 * and gave the connection back, in the same wake-up: nothing waits
	 * now, and the socket stays parked. */
	if (recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 1;
	g->ew[fd] = EW_CONN;
	pause_apply(g, fd, 0);
	epoll_ctl(g->ep, EPOLL_CTL_DEL, fd, NULL);
	return 1;
}

/*
 * The loop's pause. A wake-up costs about as much as handling a chunk
 * (on this project's VMs: the switch back into the process), so while
 * readable sockets come faster than every pause_ns, the loop lets them
 * gather for up to pause_ns before it looks again (eng_run_step). The
 * chunks' stamps are the kernel's, taken when they arrived, so the wait
 * delays no stamp. What cannot wait is in a second epoll set that ends
 * the pause at once: the timers (sends, libcurl's, retries), a socket
 * libcurl waits to write, and the socket of a request for which
 * wake_now holds.
 */

/*
 * Must q's bytes be read as soon as they come? Unless they cannot end it
 * and carry no first token: the server was asked to ignore EOS, q has a
 * first token and is more than one short of its max_tokens (an end that
 * waits would delay its slot's next request: client lag). And unless its
 * last two events came closer than two pauses: TCP merges what waits on a
 * socket and keeps only the newest stamp (tcp_try_coalesce), so a chunk
 * that waited for the next one would take its stamp. A stream in step
 * keeps its own; one with a chunk now and then close to the next may
 * have that chunk stamped late by their gap, under a pause.
 */
static int wake_now(const struct req *q)
{
	return !q->active || q->max_tokens <= 0 || !q->r.t_first_token || q->fast ||
	       req_may_end(q);
}

/* Sets fd's state in the pause set to st (0: out of it). A set that
 * cannot be kept as it should (out of memory, an epoll error) ends the
 * pauses for the run: they are an economy, never a need. */
static void pause_apply(struct eng *g, int fd, unsigned char st)
{
	struct epoll_event ev;
	int op;

	if (!g->pause_ns || fd < 0 || (!st && (size_t)fd >= g->npw))
		return;
	if (!fd_slot(&g->pw, &g->npw, fd)) {
		g->pause_ns = 0;
		return;
	}
	if (g->pw[fd] == st)
		return;
	memset(&ev, 0, sizeof ev);
	ev.data.fd = fd;
	ev.events = (st & PW_OUT ? EPOLLOUT : 0) | (st & PW_NOW ? EPOLLIN : 0);
	op = !g->pw[fd] ? EPOLL_CTL_ADD : !st ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
	if (epoll_ctl(g->ep_pause, op, fd, &ev) != 0 && op != EPOLL_CTL_DEL) {
		g->pause_ns = 0;
		return;
	}
	g->pw[fd] = st;
}

void eng_pause_watch(struct eng *g, struct req *q)
{
	if (g->pause_ns && q->sock >= 0)
		pause_apply(g, q->sock, ((size_t)q->sock < g->npw ? g->pw[q->sock] & PW_OUT : 0) |
					(wake_now(q) ? PW_NOW : 0));
}

void eng_sock_req(struct eng *g, curl_socket_t s, struct req *q)
{
	if (s < 0)
		return;
	if ((size_t)s >= g->nbyfd) {
		size_t cap = (size_t)s * 2 + 64;
		struct req **b;

		if (!q || !(b = realloc(g->byfd, cap * sizeof *b)))
			return; /* only the order of a wake-up needs it */
		memset(b + g->nbyfd, 0, (cap - g->nbyfd) * sizeof *b);
		g->byfd = b;
		g->nbyfd = cap;
	}
	g->byfd[s] = q;
}

void eng_arm(int fd, int64_t ns, int absolute)
{
	struct itimerspec its;

	memset(&its, 0, sizeof its);
	its.it_value.tv_sec = ns / CLK_NS_PER_S;
	its.it_value.tv_nsec = ns % CLK_NS_PER_S;
	timerfd_settime(fd, absolute ? TFD_TIMER_ABSTIME : 0, &its, NULL);
}

/*
 * With --spin-us the send timer goes off spin_ns before the send is due,
 * and from then the loop polls without sleeping (eng_run_step): on a VM a
 * wake-up from a sleep comes 0.05 ms late at the median and milliseconds
 * late now and then (bench/wakefloor), while a loop that is running sees
 * the time come. The timer is armed again only when its time changes:
 * top_up runs after every wake-up.
 */
void eng_send_at(struct eng *g, int64_t due)
{
	int64_t at = due && g->spin_ns ? due - g->spin_ns : due;

	g->due_ns = due;
	/* Without a spin, a time that passed is armed again, so that a send
	 * that could not be made then is tried at the next look. */
	if (at == g->tsend_at && (g->spin_ns || at > clk_mono_ns()))
		return;
	g->tsend_at = at;
	eng_arm(g->tsend, at, 1);
}

/* Is a timed send due within the spin? Then the loop does not sleep. */
static int spinning(const struct eng *g)
{
	return g->due_ns && g->sending && clk_mono_ns() >= g->due_ns - g->spin_ns;
}

/*
 * libcurl's timer. Each request's start and end moves libcurl's next
 * time (its oldest request's timeout) a little later: arming the timer
 * for each was a timerfd_settime() twice a request. So a timer armed for
 * an earlier time is left as it is, and when it goes off
 * (eng_curl_timeout) it is armed for the time libcurl named last, which
 * libcurl does not name again. A timer left armed when libcurl has none
 * costs one wake-up for nothing.
 */
static int on_timer(CURLM *m, long ms, void *ud)
{
	struct eng *g = ud;

	(void)m;
	if (ms < 0) {
		g->curl_due = 0;
	} else if (ms == 0) {
		/* Not from inside this callback: the loop runs it next. */
		g->curl_due = 0;
		g->timeout_now = 1;
	} else {
		g->curl_due = clk_mono_ns() + ms * CLK_NS_PER_MS;
		if (!g->tcurl_at || g->tcurl_at > g->curl_due) {
			g->tcurl_at = g->curl_due;
			eng_arm(g->tcurl, g->curl_due, 1);
		}
	}
	return 0;
}

void eng_curl_timeout(struct eng *g, int fired)
{
	int running;

	if (fired)
		g->tcurl_at = 0;
	curl_multi_socket_action(g->m, CURL_SOCKET_TIMEOUT, 0, &running);
	if (!g->tcurl_at && g->curl_due) {
		int64_t now = clk_mono_ns();

		/* libcurl names a time in whole ms, may round it down, and not again
		 * if it was reached early: then in 1 ms, as libcurl itself
		 * does for a time less than 1 ms away. */
		g->tcurl_at = g->curl_due > now ? g->curl_due : now + CLK_NS_PER_MS;
		eng_arm(g->tcurl, g->tcurl_at, 1);
	}
}

/* --- setup --------------------------------------------------------------- */

int eng_new(const struct eng_ctx *cx, struct eng **out, struct err *e)
{
	struct eng *g = calloc(1, sizeof *g);
	const struct opts *o = cx->o;
	struct curl_slist *h = NULL;

	if (!g)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	g->cx = *cx;
	g->ep = epoll_create1(EPOLL_CLOEXEC);
	g->ep_pause = epoll_create1(EPOLL_CLOEXEC);
	/* Pauses need stamps that do not wait for the read: the kernel's, on
	 * plain HTTP/1.1 (over TLS and h2 chunks are stamped when read); and
	 * streams that cannot end before their max_tokens: otherwise every
	 * socket must wake the loop at once and a pause gains nothing. */
	if (o->stamp != STAMP_READ && o->ignore_eos && o->stream && !o->http2 &&
	    strncasecmp(cx->t->url, "https:", 6) != 0)
		g->pause_ns = o->read_batch_us * CLK_NS_PER_US;
	g->spin_ns = o->spin_us * CLK_NS_PER_US;
	g->tcurl = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	g->tsend = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	g->tretry = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	g->m = curl_multi_init();
	g->ntok = 256;
	g->tok = malloc(g->ntok * sizeof *g->tok);
	g->kstamp = o->stamp != STAMP_READ;
	g->rstamp = o->stamp == STAMP_RECV;
	g->rs.fd = -1;
	g->rs.wall = &g->wall;
	if (g->kstamp) /* the offset's first reading, before any bytes come */
		clk_wall_read(&g->wall);
	if (cx->count) {
		g->in_count = malloc((cx->c->n ? cx->c->n : 1) * sizeof *g->in_count);
		for (size_t i = 0; g->in_count && i < cx->c->n; i++)
			g->in_count[i] = -2; /* not counted yet */
	}
	if (g->kstamp && !g->rstamp && (g->pk = malloc(sizeof *g->pk)))
		g->pk->fd = -1;
	g->url = http_url(cx->t->url,
			  o->stream ? cx->t->api->path_stream : cx->t->api->path_plain);
	if (g->url && (g->uh = curl_url()) &&
	    curl_url_set(g->uh, CURLUPART_URL, g->url,
			 CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		curl_url_cleanup(g->uh);
		g->uh = NULL;
	}
	if (g->ep < 0 || g->ep_pause < 0 || g->tcurl < 0 || g->tsend < 0 || g->tretry < 0 || !g->m ||
	    !g->tok || !g->url ||
	    (g->kstamp && !g->rstamp && !g->pk) || (cx->count && !g->in_count)) {
		eng_free(g);
		return err_set(e, ERR_SOFTWARE, "cannot set up the engine: %s",
			       strerror(errno));
	}
	for (int i = 0; i < 3; i++) {
		struct epoll_event ev = {.events = EPOLLIN};

		ev.data.fd = i == 0 ? g->tcurl : i == 1 ? g->tsend : g->tretry;
		epoll_ctl(g->ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
		epoll_ctl(g->ep_pause, EPOLL_CTL_ADD, ev.data.fd, &ev);
	}
	/* From --seed, apart from the arrival times' streams. */
	rng_seed(&g->retry_rng, (uint64_t)o->seed ^ 0x7265747279ULL);
	curl_multi_setopt(g->m, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(g->m, CURLMOPT_SOCKETDATA, g);
	curl_multi_setopt(g->m, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(g->m, CURLMOPT_TIMERDATA, g);
	if (o->recv_wrap)
		rst_idle(sock_idle, g);

	if (!(h = http_headers(o))) {
		eng_free(g);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	g->hdrs = h;
	pre_groups_init(g);
	*out = g;
	return 0;
}

/* A closed-loop slot is free from t (its request's end). */
void eng_free_slot(struct eng *g, int64_t t)
{
	if (g->s->times || !g->freed || g->nfreed >= g->freed_cap)
		return;
	g->freed[(g->freed_head + g->nfreed++) % g->freed_cap] = t;
}

/* When the next closed-loop request was due: when its slot's last
 * request ended, or the step's start for a slot not used yet. */
static int64_t slot_due(struct eng *g)
{
	int64_t t;

	if (!g->nfreed)
		return g->t_start;
	t = g->freed[g->freed_head];
	g->freed_head = (g->freed_head + 1) % g->freed_cap;
	g->nfreed--;
	return t;
}

/* --- retries ------------------------------------------------------------- */

/* Queues q's next attempt: after the backoff (--retry-backoff doubled per
 * attempt, drawn from its upper half so retries do not move in step) or
 * the server's Retry-After, whichever is longer, at most a minute. */
void eng_retry_later(struct eng *g, struct req *q, int64_t now)
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
	eng_arm(g->tretry, g->retries->retry_at, 1);
}

/* Sends every retry that is due. */
static void retry_due(struct eng *g)
{
	int64_t now = clk_mono_ns();

	while (g->retries && g->retries->retry_at <= now) {
		struct req *q = g->retries;

		g->retries = q->next_retry;
		req_send(g, q, q->retry_at);
	}
	eng_arm(g->tretry, g->retries ? g->retries->retry_at : 0, 1);
}

/* --- sending ------------------------------------------------------------- */

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

	if (g->cx.sess) {
		esess_top_up(g);
		return;
	}
	if (!g->sending)
		return;
	if (s->times) {
		int full = 0;

		while (g->next_time < s->ntimes &&
		       g->t_start + s->times[g->next_time] <= now &&
		       !(full = s->max_inflight && g->inflight >= s->max_inflight)) {
			const struct corpus_row *row =
				s->rows ? &g->cx.c->rows[s->rows[g->next_time]] : next_row(g);

			if (req_issue(g, g->t_start + s->times[g->next_time], row))
				break;
			g->next_time++;
		}
		if (g->next_time >= s->ntimes)
			g->sending = 0;
		/* At the cap, the next end sends what is due. */
		eng_send_at(g, g->sending && !full ? g->t_start + s->times[g->next_time] : 0);
		return;
	}
	if (s->waves) {
		/* A wave is due when the last request of the one before ended. */
		int64_t due = g->t_start;

		if (g->inflight > 0)
			return;
		while (g->nfreed) {
			int64_t t = slot_due(g);

			due = t > due ? t : due;
		}
		for (long i = 0; i < s->batch && may_send(g, now); i++)
			if (req_issue(g, due, next_row(g)))
				break;
	} else {
		while (g->inflight < s->batch && may_send(g, now))
			if (req_issue(g, slot_due(g), next_row(g)))
				break;
	}
	if (!may_send(g, now) || g->inflight == 0)
		g->sending = 0;
}

/* Ends the requests libcurl has finished; returns how many. */
static int drain_done(struct eng *g)
{
	CURLMsg *m;
	int left, n = 0;

	while ((m = curl_multi_info_read(g->m, &left))) {
		struct req *q;

		if (m->msg != CURLMSG_DONE)
			continue;
		char *pv = NULL;

		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &pv);
		q = (struct req *)pv;
		req_finish(g, q, m->data.result, 0);
		n++;
	}
	return n;
}

/* Lets libcurl start what was just added (it asked for its timeout
 * handling at once), so a new request goes out now rather than after the
 * rest of the wake-up's sockets. */
static void kick(struct eng *g)
{
	if (g->timeout_now) {
		g->timeout_now = 0;
		eng_curl_timeout(g, 0);
	}
}

/* Sends what is due: new requests after a slot freed or a send time came,
 * then libcurl's start of them. */
static void send_due(struct eng *g)
{
	top_up(g);
	kick(g);
}

/* May the step send more: not stopped, no write failed, errors within
 * --max-errors? */
static int may_go_on(const struct eng *g)
{
	const struct opts *o = g->cx.o;

	return !*g->cx.stop && !g->io_failed &&
	       !(o->max_errors >= 0 && g->errors > o->max_errors);
}

/*
 * send_due, then the requests it ended, and again while they free slots.
 * A server that answers at once (an error page, a zero-latency test
 * server) can have a request done inside libcurl's start of it: on a
 * kept-alive connection libcurl writes the request, finds the answer
 * waiting and reads it whole, and the connection goes back to its pool,
 * out of the loop's epoll set. Nothing would then wake the loop for that
 * end before epoll_wait's timeout (200 ms of client lag per round).
 * After SETTLE_ROUNDS the loop's next look does not wait, so the other
 * sockets and the signals get their turn.
 */
#define SETTLE_ROUNDS 32
static void send_settle(struct eng *g)
{
	send_due(g);
	for (int i = 0; drain_done(g) > 0 && may_go_on(g); i++) {
		if (i == SETTLE_ROUNDS) {
			g->timeout_now = 1;
			return;
		}
		send_due(g);
	}
}

static void cancel_all(struct eng *g)
{
	/* A waiting retry ends as its next attempt, cancelled before it was
	 * sent: no send time, nothing received. */
	for (struct req *q = g->retries; q; q = q->next_retry)
		req_attempt(g, q, q->retry_at, 0);
	g->retries = NULL;
	eng_arm(g->tretry, 0, 0);
	for (size_t i = 0; i < g->nall; i++)
		if (g->all[i]->active)
			req_finish(g, g->all[i], CURLE_OK, 1);
}

/* --- the step ------------------------------------------------------------ */

/* Makes a closed-loop step's request slots (easy handles) and its first
 * requests' bodies before its clock starts, as its connections are
 * (preconnect): what the first batch then waits for is libcurl and the
 * server, not llmrun's set-up. Slot i is made i-th, so it is in the
 * connection group of the i-th connection opened before the step. */
static void prepare(struct eng *g, const struct eng_step *s)
{
	const struct corpus *c = g->cx.c;

	while ((long)g->nall < s->batch) {
		struct req *keep = g->free_list, *q;

		g->free_list = NULL; /* so req_new makes a new one */
		q = req_new(g);
		g->free_list = keep;
		if (!q)
			break;
		q->next_free = g->free_list;
		g->free_list = q;
	}
	for (long i = 0; i < s->batch && (size_t)i < c->n; i++)
		req_body_warm(g, &c->rows[(g->cursor + (size_t)i) % c->n]);
}

/* May the bytes waiting on fd end its request (req_may_end)? Only the
 * order of a wake-up depends on it (a request that ends later is still
 * handled), so a wrong guess costs nothing. */
static int may_end(const struct eng *g, int fd)
{
	const struct req *q = (size_t)fd < g->nbyfd ? g->byfd[fd] : NULL;

	return q && q->active && q->sock == fd && req_may_end(q);
}

/* Has an open loop's next send come due? Asked between the sockets of a
 * wake-up, so that a send does not wait for all of them (a wake-up after
 * a pause holds up to a pause's worth of chunks). */
static int open_send_due(const struct eng *g)
{
	const struct eng_step *s = g->s;

	return g->sending && s->times && g->next_time < s->ntimes &&
	       g->t_start + s->times[g->next_time] <= clk_mono_ns();
}

/*
 * Handles the sockets of one wake-up. Timers first, so that a send that
 * came due goes out before the reads; after each socket, the requests it
 * ended and the sends they free, or a send time that came, are handled at
 * once rather than after the other sockets.
 *
 * libcurl reads the socket it is told of through llmrun (rst_begin ..
 * rst_end). Kernel stamps come from one peek of each readable socket
 * right before libcurl is told to read it (or with --stamp recv from
 * libcurl's read itself): a peek of every
 * socket up front went stale while the others were handled (at 256
 * streams most sockets were peeked twice), and libcurl reads only the
 * socket it is told of (over HTTP/1.1 no read of another one was seen).
 * Either way the stamp is the bytes' arrival whenever the socket's turn
 * comes.
 */
static void wake_up(struct eng *g, struct epoll_event *evs, int n)
{
	const struct opts *o = g->cx.o;
	int running, curl_timer = 0;

	/* The wall clock's offset is read as the loop wakes, and after each
	 * stamped read (rst_msg_stamp): a step of it while the loop slept
	 * is then placed between the last reading before the sleep and this
	 * one, not at the first read, so the wake-up's first bytes are told
	 * apart from bytes that waited across it (lib/clk). */
	if (n > 0 && g->kstamp)
		clk_wall_read(&g->wall);
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		uint64_t ticks;

		if (fd == g->tretry) {
			if (read(fd, &ticks, sizeof ticks) > 0)
				retry_due(g);
		} else if (fd == g->tsend) {
			(void)!read(fd, &ticks, sizeof ticks);
		} else if (fd == g->tcurl) {
			curl_timer = read(fd, &ticks, sizeof ticks) > 0;
		} else {
			if (eng_unpark(g, fd))
				evs[i].data.fd = -1; /* not libcurl's now */
			continue;
		}
	}
	send_due(g);
	if (curl_timer)
		eng_curl_timeout(g, 1);
	kick(g);
	/* Two passes: first the sockets whose request may end with these
	 * bytes, so that in a burst its slot's next request goes out before
	 * the loop works through the other streams' chunks. */
	for (int i = 0, pass = 0; pass < 2; i = 0, pass++)
	for (; i < n; i++) {
		int fd = evs[i].data.fd, flags, ended;
		int64_t k = 0;

		if (fd < 0 || fd == g->tcurl || fd == g->tretry || fd == g->tsend)
			continue;
		if (may_end(g, fd) != (pass == 0))
			continue;
		flags = eng_curl_flags(evs[i].events);
		if (o->recv_wrap && (flags & CURL_CSELECT_IN)) {
			rst_begin(&g->rs, fd);
		}
		if (g->kstamp && !g->rstamp && (flags & CURL_CSELECT_IN))
			k = kst_peek(g, fd);
		g->t_arrival = k ? k : clk_mono_ns();
		curl_multi_socket_action(g->m, fd, flags, &running);
		rst_end(&g->rs);
		kst_done(g);
		ended = drain_done(g);
		g->t_arrival = 0;
		if ((ended || open_send_due(g)) && may_go_on(g))
			send_due(g);
	}
}

static int run_step(struct eng *g, const struct eng_step *s, struct prog *pg,
		    int *interrupted, struct err *e)
{
	const struct opts *o = g->cx.o;
	struct epoll_event evs[WAKE_MAX];
	int64_t t_wait, t_woke; /* around the last epoll_wait */
	long npre = pre_count(g, s);
	long want = npre > s->batch ? npre : s->batch;
	int rc, too_many = 0;

	*interrupted = 0;
	/* libcurl keeps 4 idle connections per handle added by default, and
	 * closes the oldest past that as the handles of a step end: keep
	 * enough for the step's batch and its preconnect. */
	if (want > g->maxconn) {
		g->maxconn = want;
		curl_multi_setopt(g->m, CURLMOPT_MAXCONNECTS, want);
	}
	if (npre > 0 && (rc = pre_connect(g, npre, pg ? pg->f : NULL, e)))
		return rc;
	if (*g->cx.stop) {
		*interrupted = 1;
		return 0;
	}
	/* The sweep starts: its results take their name (an earlier file of
	 * that name stayed while a probe, the scraper or a preconnect could
	 * still fail). */
	if (g->cx.rec && (rc = rec_publish(g->cx.rec, e)))
		return rc;
	if (!s->times && (size_t)s->batch > g->freed_cap) {
		int64_t *f = realloc(g->freed, (size_t)s->batch * sizeof *f);

		if (!f)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		g->freed = f;
		g->freed_cap = (size_t)s->batch;
	}
	g->freed_head = g->nfreed = 0;
	if (!s->times)
		prepare(g, s);
	g->s = s;
	g->pg = pg;
	g->issued = 0;
	g->conv_started = 0;
	g->next_time = 0;
	g->sending = 1;
	g->t_start = clk_mono_ns();
	send_settle(g);
	t_wait = t_woke = 0;
	while (g->sending || g->inflight > 0) {
		int n, spin = g->spin_ns && spinning(g);

		/* Readable sockets came within a pause of the last look: let
		 * them gather, unless something that cannot wait comes first. */
		if (g->pause_ns && !g->timeout_now && !spin && t_woke - t_wait < g->pause_ns) {
			struct timespec ts = {.tv_nsec = (long)g->pause_ns};
			struct epoll_event pe;

			(void)epoll_pwait2(g->ep_pause, &pe, 1, &ts, NULL);
		}
		t_wait = clk_mono_ns();
		n = epoll_wait(g->ep, evs, WAKE_MAX, g->timeout_now || spin ? 0 : 200);
		t_woke = clk_mono_ns();

		if (n < 0 && errno != EINTR)
			return err_set(e, ERR_SOFTWARE, "epoll_wait: %s", strerror(errno));
		wake_up(g, evs, n > 0 ? n : 0);
		kick(g);
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
		send_settle(g);
		if (pg)
			prog_tick(pg, clk_mono_ns());
	}
	eng_send_at(g, 0);
	if (g->cx.sess) /* conversations cut short by the step's end */
		sess_end_all(g->cx.sess);
	if (g->io_failed) {
		*e = g->werr;
		return ERR_IO;
	}
	if (too_many)
		return err_set(e, ERR_UNAVAILABLE, "more than %ld requests failed",
			       o->max_errors);
	return 0;
}

int eng_run_step(struct eng *g, const struct eng_step *s, struct prog *pg,
		 int *interrupted, struct err *e)
{
	long steps0 = g->wall.steps, bounded0 = g->wall.bounded;
	int rc = run_step(g, s, pg, interrupted, e);

	/* Counted for a step that failed too: its metadata entry is
	 * written all the same, and its stamps were converted. */
	if (pg) {
		pg->clock_steps = g->wall.steps - steps0;
		pg->stamps_bounded = g->wall.bounded - bounded0;
		pg->clock_step_max_ns = g->wall.step_max;
	}
	g->wall.step_max = 0;
	return rc;
}

void eng_free(struct eng *g)
{
	if (!g)
		return;
	if (g->cx.o->recv_wrap)
		rst_idle(NULL, NULL);
	for (size_t i = 0; i < g->nall; i++) {
		struct req *q = g->all[i];

		if (q->active)
			curl_multi_remove_handle(g->m, q->h);
		curl_easy_cleanup(q->h);
		curl_slist_free_all(q->grp[0]);
		curl_slist_free_all(q->grp[1]);
		sse_free(&q->sse);
		buf_free(&q->raw);
		resp_free(&q->r);
		if (q->body_own)
			free(q->body);
		free(q);
	}
	free(g->all);
	for (size_t i = 0; g->bodies && i < g->cx.c->n; i++)
		free(g->bodies[i]);
	free(g->bodies);
	free(g->body_max);
	if (g->m)
		curl_multi_cleanup(g->m);
	curl_slist_free_all(g->hdrs);
	curl_url_cleanup(g->uh);
	free(g->tok);
	free(g->pk);
	free(g->byfd);
	free(g->pw);
	free(g->ew);
	free(g->freed);
	free(g->in_count);
	free(g->url);
	free(g->grp_addrs);
	if (g->ep >= 0)
		close(g->ep);
	if (g->ep_pause >= 0)
		close(g->ep_pause);
	if (g->tcurl >= 0)
		close(g->tcurl);
	if (g->tsend >= 0)
		close(g->tsend);
	if (g->tretry >= 0)
		close(g->tretry);
	free(g);
}

