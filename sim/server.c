#include "server.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clk.h"
#include "route.h"
#include "server_int.h"

/* What ends llmsim, its truth log finished: SIGHUP is a closed terminal. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
_Static_assert(sizeof stop_signals / sizeof *stop_signals == SERVER_STOP_SIGNALS,
	       "struct server holds an event for each stop signal");

static void plan_step(struct server *s, int chained);

/* ---- the step loop ---- */

/* In --zero-latency mode, steps run in bursts between passes of the event
 * loop, so each socket gets the events of several steps in one write: a
 * write and an epoll_ctl per token would cap llmsim far below what a
 * client can read. A burst ends after ZL_BURST steps or ZL_BURST_NS. */
#define ZL_BURST 64
#define ZL_BURST_NS (1 * CLK_NS_PER_MS)

static void step_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	struct eng_step st;
	int64_t t0;
	int n;

	(void)fd;
	(void)what;
	eng_commit(s->eng);
	if (s->c->zero_latency) {
		t0 = clk_mono_ns();
		for (n = 1; n < ZL_BURST && clk_mono_ns() - t0 < ZL_BURST_NS; n++) {
			if (!eng_plan(s->eng, &st))
				break;
			eng_commit(s->eng);
		}
	}
	plan_step(s, 1);
}

/* Plans the next step and sets its timer. chained: the step follows the
 * one that just ended, so it starts at that one's deadline (the time spent
 * here does not push the simulated clock back). */
static void plan_step(struct server *s, int chained)
{
	struct eng_step st;
	int64_t now = clk_mono_ns(), start, d;
	struct timeval tv = { 0, 0 };

	if (!eng_plan(s->eng, &st)) {
		s->stepping = 0;
		return;
	}
	s->stepping = 1;
	if (!s->c->zero_latency) {
		start = chained && s->deadline > now - 50 * CLK_NS_PER_MS ? s->deadline : now;
		s->deadline = start + (int64_t)(st.dur_ns / s->c->time_scale);
		/* From a clock read after the plan and before libevent's own
		 * in evtimer_add (the base caches no time, server_new): late
		 * by nanoseconds, never early. */
		d = s->deadline - clk_mono_ns();
		if (d > 0) {
			tv.tv_sec = d / CLK_NS_PER_S;
			tv.tv_usec = (d % CLK_NS_PER_S) / 1000;
		}
	}
	evtimer_add(s->step_ev, &tv);
}

void server_kick(struct server *s)
{
	if (!s->stepping)
		plan_step(s, 0);
}

/* ---- routes ---- */

static void on_request(struct evhttp_request *req, void *arg)
{
	struct server *s = arg;
	int64_t received = clk_mono_ns(), arrived = arr_take(s->arr, req);
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	struct bufferevent *bev =
		evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
	const struct wire *w;
	int one = 1;

	/* Small events must not wait for delayed ACKs. (Nor for a pacing
	 * timer: the listener's cubic, inherited, sees to that.) */
	if (bev)
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one,
			   sizeof one);
	if (keepalive_past(s, req, bev))
		return;
	keepalive_busy(s, req);
	evbuffer_drain(s->scratch, evbuffer_get_length(s->scratch));
	if (!path)
		path = "/";
	if ((w = route_find(path))) {
		if (m != EVHTTP_REQ_POST)
			ep_not_found(s, req, 405);
		else
			sreq_generate(s, req, w, arrived, received);
		return;
	}
	if (!strcmp(path, "/health")) {
		evhttp_send_reply(req, 200, "OK", NULL);
	} else if (!strcmp(path, "/tokenize")) {
		if (m != EVHTTP_REQ_POST)
			ep_not_found(s, req, 405);
		else
			ep_tokenize(s, req);
	} else if (!strcmp(path, "/v1/models") || !strcmp(path, "/info") ||
		   !strcmp(path, "/api/tags")) {
		if (m != EVHTTP_REQ_GET)
			ep_not_found(s, req, 405);
		else
			ep_models(s, req, path[1] == 'i' ? EP_MODELS_TGI :
				  path[1] == 'a' ? EP_MODELS_OLLAMA : EP_MODELS_OPENAI);
	} else if (!strcmp(path, "/metrics")) {
		if (m != EVHTTP_REQ_GET)
			ep_not_found(s, req, 405);
		else
			ep_metrics(s, req, arrived, received);
	} else {
		ep_not_found(s, req, 404);
	}
}

/* ---- setup, stats, signals ---- */

static void stats_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	struct eng_counts k;
	int64_t now = clk_mono_ns();
	double dt = (double)(now - s->stats_t0) / 1e9;

	(void)fd;
	(void)what;
	eng_counts(s->eng, &k);
	fprintf(stderr,
		"llmsim: running %ld, waiting %ld, kv %.1f%%, %.0f tokens/s, %ld preemptions, %ld requests\n",
		k.running, k.waiting,
		k.kv_total_blocks ? 100.0 * (double)k.kv_used_blocks / (double)k.kv_total_blocks : 0,
		dt > 0 ? (double)s->stats_tokens / dt : 0, k.preemptions, s->active);
	s->stats_tokens = 0;
	s->stats_t0 = now;
}

static void on_signal(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* This start's mark in response ids (struct server's instance). */
static unsigned instance_mark(void)
{
	struct timespec ts;

	/* Not --seed's: two llmsims of one seed must differ too. */
	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned)(((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec * 2654435761u ^
			   (uint64_t)getpid() << 8) & 0xffffff);
}

/*
 * The phases of server_new, in its order. Each returns 0, or nonzero with
 * e set (server_new returns e->code); what it made is s's, freed by
 * server_free either way.
 */

/* The event base, made from cfg (which is freed here), and the arrival
 * stamps that hang on it. */
static int new_base(struct server *s, struct event_config *cfg, struct err *e)
{
	/* No cached time: libevent computes a timer's wait from the time it
	 * cached when the loop's pass began, so every callback of that pass
	 * (a long prompt's tokenizing, 8-14 ms at 80,000 tokens; a write)
	 * made a step fire that much early when armed, or late when the wait
	 * was computed again: the first token came 0.3-2 ms late here, by
	 * the time the pass took after the step was armed. Reading the clock
	 * costs tens of ns a call. */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME);
	s->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	/* Two priorities before any event exists: the arrival peeks run
	 * first (0), everything else at the default (1). */
	if (!s->base || event_base_priority_init(s->base, 2))
		return err_set(e, ERR_SOFTWARE, "cannot set up the event loop");
	return arr_new(s->base, &s->arr, e);
}

/* The engine, the metrics and the scratch buffers, then the HTTP server
 * (made here, configured by serve_http), then the random streams and the
 * tokenizer. */
static int new_engine(struct server *s, struct err *e)
{
	const struct sim_conf *c = s->c;
	struct eng_cb cb = { sreq_on_admitted, send_on_token, s };

	s->eng = eng_new(&c->prof, c->seed, &cb);
	s->met = met_new(c->model);
	s->scratch = evbuffer_new();
	s->frame = evbuffer_new();
	if (!s->eng || !s->met || !s->scratch || !s->frame ||
	    eng_prefix_caching(s->eng, c->prefix_caching) ||
	    !(s->http = evhttp_new(s->base)))
		return err_set(e, ERR_SOFTWARE, "cannot set up the event loop");
	rng_stream(&s->fault_rng, c->seed, 1);
	rng_stream(&s->wire_rng, c->seed, 2);
	return prompt_open(c->tokenizer, &s->pc, e);
}

/* The HTTP server's limits and callbacks. */
static void serve_http(struct server *s)
{
	evhttp_set_max_body_size(s->http, s->c->max_body);
	/* evhttp's idle timeout (50 s by default) would also cut a stream that
	 * is silent for long: a queued request, a long stall. Requests are
	 * bounded by --request-timeout instead. */
	evhttp_set_timeout(s->http, KEEPALIVE_BUSY_S);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_gencb(s->http, on_request, s);
	evhttp_set_bevcb(s->http, arr_bevcb, s->arr);
}

/* Binds the listening socket, sets its options and reads the port it got
 * (--port 0 asks for a free one). */
static int listen_on(struct server *s, struct err *e)
{
	const struct sim_conf *c = s->c;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	errno = 0;
	s->sock = evhttp_bind_socket_with_handle(s->http, c->host, (ev_uint16_t)c->port);
	if (!s->sock)
		return err_set(e, ERR_UNAVAILABLE, "cannot listen on %s:%d%s%s", c->host,
			       c->port, errno ? ": " : "", errno ? strerror(errno) : "");
	/* Should the kernel refuse, every arrived_ns is null. */
	(void)arr_listen(s->arr, evhttp_bound_socket_get_fd(s->sock));
	/* Accepted connections inherit the listener's congestion control:
	 * cubic, which does not pace. BBR (a common default) paces even
	 * loopback, and on a busy machine a chunk written could leave tens of
	 * ms after the truth log said it left. Where cubic is not available
	 * the machine's default stays. */
	(void)setsockopt(evhttp_bound_socket_get_fd(s->sock), IPPROTO_TCP, TCP_CONGESTION,
			 "cubic", sizeof "cubic" - 1);
	if (getsockname(evhttp_bound_socket_get_fd(s->sock), (struct sockaddr *)&ss, &sl))
		return err_set(e, ERR_UNAVAILABLE, "cannot read the bound port");
	s->port = ss.ss_family == AF_INET6 ?
		ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

/* --truth and --truth-scrapes. */
static int open_logs(struct server *s, struct err *e)
{
	const struct sim_conf *c = s->c;

	/* Once listening: a start that fails (the port taken) leaves an
	 * earlier log of that name as it was; it was emptied. */
	if (c->truth_path && truth_open(c->truth_path, &s->truth, e))
		return -1;
	if (c->scrapes_path && truth_open(c->scrapes_path, &s->scrapes, e))
		return -1;
	return 0;
}

/* The step timer (armed by plan_step), the stop signals and --stats.
 * Without the memory for its event --stats stays silent. */
static int new_timers(struct server *s, struct err *e)
{
	if (!(s->step_ev = evtimer_new(s->base, step_cb, s)))
		return err_set(e, ERR_SOFTWARE, "cannot set up the event loop");
	for (size_t i = 0; i < sizeof stop_signals / sizeof *stop_signals; i++)
		if (!(s->sig_ev[i] = evsignal_new(s->base, stop_signals[i], on_signal, s->base)) ||
		    event_add(s->sig_ev[i], NULL))
			return err_set(e, ERR_SOFTWARE, "cannot set up the event loop");
	if (s->c->stats) {
		struct timeval tv = { s->c->stats, 0 };

		s->stats_ev = event_new(s->base, -1, EV_PERSIST, stats_cb, s);
		if (s->stats_ev)
			event_add(s->stats_ev, &tv);
	}
	return 0;
}

int server_new(const struct sim_conf *c, struct server **out, struct err *e)
{
	struct server *s = calloc(1, sizeof *s);
	struct event_config *cfg = event_config_new();

	if (!s || !cfg) {
		free(s);
		event_config_free(cfg);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	s->instance = instance_mark();
	*out = s;
	s->c = c;
	if (new_base(s, cfg, e) || new_engine(s, e))
		return e->code;
	serve_http(s);
	if (listen_on(s, e) || open_logs(s, e) || new_timers(s, e))
		return e->code;
	s->stats_t0 = clk_mono_ns();
	return 0;
}

int server_port(const struct server *s)
{
	return s->port;
}

/* Ends every request in progress, logged with fault "shutdown". */
static void end_all(struct server *s)
{
	while (s->reqs) {
		struct sreq *r = s->reqs;

		sreq_detach(r);
		r->ended_by = FAULT_SHUTDOWN;
		sreq_finalize(r, clk_mono_ns());
	}
}

int server_run(struct server *s, struct err *e)
{
	event_base_dispatch(s->base);
	end_all(s);
	if (truth_close(s->truth, s->err.code ? NULL : &s->err) && !s->err.code)
		err_set(&s->err, ERR_IO, "%s: write failed", s->c->truth_path);
	s->truth = NULL;
	if (truth_close(s->scrapes, s->err.code ? NULL : &s->err) && !s->err.code)
		err_set(&s->err, ERR_IO, "%s: write failed", s->c->scrapes_path);
	s->scrapes = NULL;
	if (s->err.code) {
		*e = s->err;
		return e->code;
	}
	return 0;
}

void server_clock_steps(const struct server *s, long *steps, int64_t *max_ns)
{
	arr_clock_steps(s ? s->arr : NULL, steps, max_ns);
}

void server_free(struct server *s)
{
	if (!s)
		return;
	end_all(s);
	if (s->http)
		evhttp_free(s->http);
	arr_free(s->arr); /* after evhttp: its connections close first */
	if (s->step_ev)
		event_free(s->step_ev);
	if (s->stats_ev)
		event_free(s->stats_ev);
	for (size_t i = 0; i < sizeof s->sig_ev / sizeof *s->sig_ev; i++)
		if (s->sig_ev[i])
			event_free(s->sig_ev[i]);
	eng_free(s->eng);
	met_free(s->met);
	if (s->scratch)
		evbuffer_free(s->scratch);
	if (s->frame)
		evbuffer_free(s->frame);
	prompt_free(s->pc);
	free(s->ka);
	truth_close(s->truth, NULL);
	truth_close(s->scrapes, NULL);
	if (s->base)
		event_base_free(s->base);
	free(s);
}
