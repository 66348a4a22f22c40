#include "server.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "arrival.h"
#include "buf.h"
#include "clk.h"
#include "engine.h"
#include "faults.h"
#include "prefix.h"
#include "metrics.h"
#include "prompt.h"
#include "rng.h"
#include "text.h"
#include "truth.h"
#include "wire.h"

/* What waits in a request's send queue. */
enum qkind { Q_DATA, Q_END, Q_CUT };

struct qent {
	int64_t due;   /* monotonic ns when it may go */
	size_t len;    /* Q_DATA: bytes at the queue's head */
	long tokens;   /* tokens the piece completes (the event's last piece) */
	int kind;
};

struct sreq {
	struct server *s;
	struct sreq *prev, *next;      /* the server's requests in progress */
	struct evhttp_request *req;    /* NULL once the client is gone */
	const struct wire *w;
	char id[48];
	struct job job;
	struct wreq wr;
	struct rng rng;                /* output text */
	struct eng_seq *seq;           /* NULL once the engine is done with it */
	long out_tokens;               /* tokens it will produce */
	long max_tokens;               /* the cap in force (requested or default) */
	long sent_tokens;              /* tokens in chunks handed to the socket */
	long preemptions;              /* copied from seq when the engine lets go */
	struct buf pend;               /* text of tokens not yet sent as a chunk */
	long pend_tokens;
	int pend_reasoning;
	struct buf text, rtext;        /* non-streaming answer and reasoning */
	enum fault fault;
	long fault_at;                 /* token index where a mid-stream fault hits */
	double fault_where;            /* its point, drawn with the fault */
	int fault_hit;
	enum fault ended_by;           /* client_gone, timeout, shutdown or none */
	int status;
	int64_t arrived_ns;            /* kernel stamp of its first bytes, 0 unknown */
	int64_t accepted_ns;           /* when its connection was accepted, 0 unknown */
	int64_t received_ns, admitted_ns, first_chunk_ns, first_token_ns;
	int64_t *chunks;               /* pairs (ns, tokens) */
	size_t nchunks, capchunks;
	size_t *held;                  /* chunks (from 1) that may have left
					* after their stamp (held_up) */
	size_t nheld, capheld;
	int end_held;                  /* so were the response's last bytes */
	int ending;                    /* the end is queued: events without
					* tokens ([DONE]) leave with it */
	struct evbuffer *q;            /* bytes waiting for their due time */
	struct qent *qe;
	size_t qhead, qn, qcap;
	struct event *qev;
	int64_t last_due, hold_until;
	struct event *tmo;
	struct met_req met;             /* its times as GET /metrics sees them */
};

/* What ends llmsim, its truth log finished: SIGHUP is a closed terminal. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};

struct server {
	const struct sim_conf *c;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *sock;
	int port;
	struct engine *eng;
	struct prompt *pc;
	struct truth *truth;
	struct truth *scrapes;          /* --truth-scrapes */
	struct arr *arr;               /* arrival stamps */
	struct met *met;               /* GET /metrics */
	struct event *step_ev, *stats_ev;
	struct event *sig_ev[sizeof stop_signals / sizeof *stop_signals];
	int stepping;                  /* a step is planned, its timer pending */
	int64_t deadline;              /* real end of the step in flight */
	struct rng fault_rng, wire_rng;
	uint64_t next_id;
	/* This start's mark in every response id: ids count from 1 in each
	 * llmsim, so two servers (--targets) or two starts appending to one
	 * truth log would share ids, and a row could be matched with
	 * another's request. */
	unsigned instance;
	long active;
	struct sreq *reqs;
	struct evbuffer *scratch, *frame;
	long stats_tokens;
	int64_t stats_t0;
	struct err err;                /* first truth-log error */
	/* --keepalive-max: requests seen per connection, by its fd */
	struct kaslot { const void *conn; long n; } *ka;
	size_t nka;
};

static void plan_step(struct server *s, int chained);

/* ---- the truth log and the end of a request ---- */

static void add_chunk(struct sreq *r, int64_t ns, long tokens)
{
	if (r->nchunks == r->capchunks) {
		size_t cap = r->capchunks ? 2 * r->capchunks : 16;
		int64_t *p = realloc(r->chunks, cap * 2 * sizeof *p);

		if (!p)
			return; /* the log loses the chunk, never the server */
		r->chunks = p;
		r->capchunks = cap;
	}
	r->chunks[2 * r->nchunks] = ns;
	r->chunks[2 * r->nchunks + 1] = tokens;
	r->nchunks++;
	if (!r->first_chunk_ns)
		r->first_chunk_ns = ns;
	r->sent_tokens += tokens;
}

/* The chunk just added may have left after its stamp (held_up). Out of
 * memory, the log loses the flag, as add_chunk loses a chunk. */
static void add_held(struct sreq *r)
{
	if (r->nheld == r->capheld) {
		size_t cap = r->capheld ? 2 * r->capheld : 8;
		size_t *p = realloc(r->held, cap * sizeof *p);

		if (!p)
			return;
		r->held = p;
		r->capheld = cap;
	}
	r->held[r->nheld++] = r->nchunks;
}

static void detach(struct sreq *r)
{
	if (r->req)
		evhttp_connection_set_closecb(evhttp_request_get_connection(r->req),
					      NULL, NULL);
}

/* Logs the request and frees it. The caller has detached or finished the
 * HTTP side. */
static void finalize(struct sreq *r, int64_t end_ns)
{
	struct server *s = r->s;
	enum fault f = r->fault_hit ? r->fault : FAULT_NONE;

	/* One value per request: how it ended wins over a fault that struck
	 * earlier, except a stall (which is what a client that gave up saw). */
	if (r->ended_by != FAULT_NONE && !(r->fault_hit && r->fault == FAULT_STALL))
		f = r->ended_by;
	if (s->truth && !s->err.code) {
		struct truth_rec t = {
			.id = r->id, .path = r->w->path,
			.accepted_ns = r->accepted_ns,
			.arrived_ns = r->arrived_ns, .received_ns = r->received_ns, .admitted_ns = r->admitted_ns,
			.first_chunk_ns = r->first_chunk_ns, .end_ns = end_ns,
			.prompt_tokens = r->job.prompt_tokens,
			.cached_tokens = s->c->prefix_caching ? r->wr.cached : -1,
			.completion_tokens = r->sent_tokens,
			.preemptions = r->seq ? eng_seq_preemptions(r->seq) : r->preemptions,
			.fault = fault_name(f), .status = r->status,
			.chunks = r->chunks, .nchunks = r->nchunks,
			.held = r->held, .nheld = r->nheld, .end_held = r->end_held,
		};
		/* Said at once, not at exit: a run measured against a log
		 * that stopped here would be checked against nothing. */
		if (truth_write(s->truth, &t, &s->err))
			fprintf(stderr, "llmsim: --truth: %s: the log ends here; serving goes on, "
				"and llmsim will exit 74\n", s->err.msg);
	}
	if (r->seq)
		eng_cancel(s->eng, r->seq);
	if (r->prev)
		r->prev->next = r->next;
	else
		s->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	s->active--;
	if (r->qev)
		event_free(r->qev);
	if (r->tmo)
		event_free(r->tmo);
	if (r->q)
		evbuffer_free(r->q);
	free(r->qe);
	free(r->chunks);
	free(r->held);
	buf_free(&r->pend);
	buf_free(&r->text);
	buf_free(&r->rtext);
	free(r);
}

static void on_close(struct evhttp_connection *conn, void *arg)
{
	struct sreq *r = arg;

	(void)conn;
	/* libevent 2.1 detaches a request whose reply is unfinished from a
	 * failed incoming connection instead of freeing it (its evcon is then
	 * NULL): it is ours to free. One still attached goes with conn. */
	if (r->req && !evhttp_request_get_connection(r->req))
		evhttp_request_free(r->req);
	r->req = NULL;
	r->ended_by = FAULT_CLIENT_GONE;
	finalize(r, clk_mono_ns());
}

/* Cuts the connection mid-response. */
static void cut(struct sreq *r, enum fault why)
{
	struct evhttp_connection *conn = r->req ? evhttp_request_get_connection(r->req) : NULL;

	detach(r);
	r->req = NULL;
	if (why != FAULT_DISCONNECT)
		r->ended_by = why;
	finalize(r, clk_mono_ns());
	if (conn)
		evhttp_connection_free(conn);
}

/* ---- sending: framing, queue, jitter, stall, split writes ---- */

/*
 * Hands what evhttp has queued for a connection to the kernel now.
 * evhttp would write it on the loop's next turn, after every other stream
 * of the step has been framed: with a thousand streams that is
 * milliseconds after the truth log's stamp, and the log would no longer say
 * when the bytes left. What the socket does not take is written by evhttp
 * as usual. Returns the bufferevent when its output is now empty, else
 * NULL.
 */
static struct bufferevent *flush_now(struct evhttp_connection *con)
{
	struct bufferevent *bev = con ? evhttp_connection_get_bufferevent(con) : NULL;
	struct evbuffer *out = bev ? bufferevent_get_output(bev) : NULL;

	/* The bufferevent keeps its output's front frozen so that only it
	 * drains it; it thaws it the same way around its own writes. */
	if (out && evbuffer_get_length(out)) {
		evbuffer_unfreeze(out, 1);
		(void)evbuffer_write(out, bufferevent_getfd(bev));
		evbuffer_freeze(out, 1);
	}
	return out && !evbuffer_get_length(out) ? bev : NULL;
}

/* A write stamped at t0 that took longer than this may have left that
 * much after its stamp. */
#define HELD_NS (100 * CLK_NS_PER_US)

/*
 * Whether bytes handed to con's socket, stamped at t0, may have left
 * later than that (emptied: flush_now's answer). The stamp is read before
 * the write, so it is never late; it is early when llmsim was not running
 * between the two (a loaded machine), or when the kernel holds the bytes
 * unsent because TCP's window is full of bytes the client has not
 * acknowledged, as when the client is not reading (docs/llmrun.md, "The
 * late first chunks"). The truth log then says so.
 */
static int held_up(struct evhttp_connection *con, struct bufferevent *emptied, int64_t t0)
{
	struct bufferevent *bev = con ? evhttp_connection_get_bufferevent(con) : NULL;
	int n = 0;

	if (!bev)
		return 0;
	if (!emptied || clk_mono_ns() - t0 > HELD_NS)
		return 1;
	return ioctl(bufferevent_getfd(bev), SIOCOUTQNSD, &n) == 0 && n > 0;
}

/*
 * The response's last bytes ("0\r\n\r\n") go to the kernel now too, so
 * that end_ns is when they left (docs/llmrun.md, "The late first chunks":
 * they used to leave a loop pass later, up to 9 ms on a loaded machine).
 * evhttp finishes the request (and reads the connection's next one) from
 * the bufferevent's write callback, which runs only after a write of its
 * own: with the output drained here it is triggered instead, deferred to
 * the loop so that evhttp does not re-enter this code. Only a chunked
 * reply's end is sure to leave the connection in place (an unchunked one
 * may be finished, and its connection freed, inside evhttp_send_reply_end):
 * others end as before.
 */
static void end_stream(struct sreq *r)
{
	int64_t now = clk_mono_ns();

	detach(r);
	if (r->req) {
		struct evhttp_request *req = r->req;
		const char *te = evhttp_find_header(evhttp_request_get_output_headers(req),
						    "Transfer-Encoding");
		struct evhttp_connection *con =
			te && !strcmp(te, "chunked") && !r->s->c->zero_latency ?
			evhttp_request_get_connection(req) : NULL;
		struct bufferevent *bev = NULL;

		evhttp_send_reply_end(req);
		if (con) {
			bev = flush_now(con);
			r->end_held = held_up(con, bev, now);
			if (bev)
				bufferevent_trigger(bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
		}
	}
	r->req = NULL;
	finalize(r, now);
}

static void write_now(struct sreq *r, struct evbuffer *b, long tokens)
{
	int64_t now = clk_mono_ns();
	int held = 0;

	if (r->req) {
		struct evhttp_connection *con = evhttp_request_get_connection(r->req);

		evhttp_send_reply_chunk(r->req, b);
		/* Back-to-back steps send as fast as they can: one write
		 * per burst, not per chunk. */
		if (!r->s->c->zero_latency && !(r->ending && !tokens))
			held = held_up(con, flush_now(con), now);
	}
	evbuffer_drain(b, evbuffer_get_length(b));
	if (tokens) {
		add_chunk(r, now, tokens);
		if (held)
			add_held(r);
	}
}

static void q_run(evutil_socket_t fd, short what, void *arg);

static int q_push(struct sreq *r, struct evbuffer *b, size_t len, long tokens,
		  int kind, int64_t due)
{
	if (!r->q && !(r->q = evbuffer_new()))
		return -1;
	if (!r->qev && !(r->qev = evtimer_new(r->s->base, q_run, r)))
		return -1;
	if (r->qhead + r->qn == r->qcap) {
		if (r->qhead) {
			memmove(r->qe, r->qe + r->qhead, r->qn * sizeof *r->qe);
			r->qhead = 0;
		} else {
			size_t cap = r->qcap ? 2 * r->qcap : 8;
			struct qent *p = realloc(r->qe, cap * sizeof *p);

			if (!p)
				return -1;
			r->qe = p;
			r->qcap = cap;
		}
	}
	if (b && len)
		evbuffer_remove_buffer(b, r->q, len);
	r->qe[r->qhead + r->qn++] = (struct qent){ due, len, tokens, kind };
	r->last_due = due;
	if (r->qn == 1) {
		int64_t d = due - clk_mono_ns();
		struct timeval tv = { 0, 0 };

		if (d > 0) {
			tv.tv_sec = d / CLK_NS_PER_S;
			tv.tv_usec = (d % CLK_NS_PER_S) / 1000;
		}
		evtimer_add(r->qev, &tv);
	}
	return 0;
}

static void q_run(evutil_socket_t fd, short what, void *arg)
{
	struct sreq *r = arg;
	struct server *s = r->s;
	int64_t now = clk_mono_ns();

	(void)fd;
	(void)what;
	while (r->qn && r->qe[r->qhead].due <= now) {
		struct qent q = r->qe[r->qhead++];

		r->qn--;
		if (q.kind == Q_END) {
			end_stream(r);
			return;
		}
		if (q.kind == Q_CUT) {
			cut(r, FAULT_DISCONNECT);
			return;
		}
		evbuffer_remove_buffer(r->q, s->frame, q.len);
		write_now(r, s->frame, q.tokens);
	}
	if (r->qn) {
		int64_t d = r->qe[r->qhead].due - now;
		struct timeval tv = { d / CLK_NS_PER_S, (d % CLK_NS_PER_S) / 1000 };

		evtimer_add(r->qev, &tv);
	}
}

/* Sends (or queues) the bytes in b, which complete an event of tokens. */
static void send_bytes(struct sreq *r, struct evbuffer *b, long tokens)
{
	const struct sim_conf *c = r->s->c;
	struct rng *g = &r->s->wire_rng;
	int64_t now = clk_mono_ns(), due = now;
	size_t len = evbuffer_get_length(b);

	if (c->jitter_us)
		due += (int64_t)(rng_uniform(g) * (double)c->jitter_us * 1000);
	if (due < r->hold_until)
		due = r->hold_until;
	if (due < r->last_due)
		due = r->last_due;
	if (!c->split_writes && due <= now && !r->qn) {
		write_now(r, b, tokens);
		return;
	}
	if (c->split_writes && len > 1) {
		/* Two to four pieces cut at random offsets, 0.1 to 1 ms apart. */
		int parts = 2 + (int)rng_below(g, 3), i;
		size_t left = len;

		for (i = 0; i < parts - 1 && left > 1; i++) {
			size_t n = 1 + (size_t)rng_below(g, left - 1);

			q_push(r, b, n, 0, Q_DATA, due);
			left -= n;
			due += 100000 + (int64_t)rng_below(g, 900000);
		}
		q_push(r, b, left, tokens, Q_DATA, due);
		return;
	}
	q_push(r, b, len, tokens, Q_DATA, due);
}

/* Frames the data in s->scratch as one event and sends it. */
static void send_event(struct sreq *r, long tokens)
{
	struct server *s = r->s;
	const struct sim_conf *c = s->c;
	const char *eol = c->crlf ? "\r\n" : "\n";

	if (r->w->framing == WIRE_SSE) {
		if (c->sse_comments)
			evbuffer_add_printf(s->frame, ": llmsim%sevent: message%s", eol, eol);
		evbuffer_add(s->frame, "data:", 5);
		if (!c->no_space && r->w->space)
			evbuffer_add(s->frame, " ", 1);
		evbuffer_add_buffer(s->frame, s->scratch);
		evbuffer_add(s->frame, c->crlf ? "\r\n\r\n" : "\n\n", c->crlf ? 4 : 2);
	} else {
		evbuffer_add_buffer(s->frame, s->scratch);
		evbuffer_add(s->frame, "\n", 1);
	}
	send_bytes(r, s->frame, tokens);
}

static void send_raw_event(struct sreq *r, const char *data)
{
	evbuffer_add(r->s->scratch, data, strlen(data));
	send_event(r, 0);
}

/* [DONE] and the terminating chunk leave in one write (end_stream's): a
 * client that sees the first arrive may otherwise stamp the response's
 * end, and the next request's due time, before the last bytes left. */
static void send_end(struct sreq *r, int done)
{
	r->ending = 1;
	if (done && r->w->done && !r->s->c->no_done)
		send_raw_event(r, "[DONE]");
	if (!r->qn)
		end_stream(r);
	else
		q_push(r, NULL, 0, 0, Q_END, r->last_due);
}

static const char *finish_reason(const struct sreq *r)
{
	return r->wr.generated >= r->max_tokens ? "length" : "stop";
}

static void flush_pending(struct sreq *r, const char *finish)
{
	if (!r->pend_tokens && !finish)
		return;
	r->w->chunk(&r->wr, r->pend.p ? r->pend.p : "", r->pend.len,
		    r->pend_reasoning, finish, r->s->scratch);
	send_event(r, r->pend_tokens);
	buf_reset(&r->pend);
	r->pend_tokens = 0;
}

/* A mid-stream fault strikes before the token at fault_at is sent.
 * Returns 1 when the stream is over. */
static int strike(struct sreq *r)
{
	struct server *s = r->s;
	char msg[160];

	r->fault_hit = 1;
	flush_pending(r, NULL);
	switch (r->fault) {
	case FAULT_DISCONNECT:
		q_push(r, NULL, 0, 0, Q_CUT, r->last_due);
		return 1;
	case FAULT_ERROR_EVENT:
		snprintf(msg, sizeof msg, "llmsim: injected error after %ld tokens",
			 r->sent_tokens + r->pend_tokens);
		wire_error_json(r->w, s->scratch, 500, "InternalServerError", msg);
		send_event(r, 0);
		send_end(r, 1);
		return 1;
	case FAULT_GARBAGE:
		send_raw_event(r, "{\"id\": \"llmsim-garbage\", \"choices\": [{\"delta\": {\"content");
		return 0;
	case FAULT_STALL:
		r->hold_until = clk_mono_ns() + s->c->stall_ms * CLK_NS_PER_MS;
		return 0;
	default:
		return 0;
	}
}

/* ---- engine callbacks ---- */

static void on_admitted(void *user, void *su)
{
	struct sreq *r = su;

	(void)user;
	r->admitted_ns = clk_mono_ns();
	r->wr.cached = eng_seq_cached(r->seq);
}

static void reply_body(struct sreq *r)
{
	struct server *s = r->s;

	r->w->body(&r->wr, r->text.p ? r->text.p : "", r->text.len,
		   r->rtext.p ? r->rtext.p : "", r->rtext.len, finish_reason(r),
		   s->scratch);
	detach(r);
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
			  "Content-Type", "application/json");
	evhttp_send_reply(r->req, 200, "OK", s->scratch);
	r->status = 200;
	r->req = NULL;
	add_chunk(r, clk_mono_ns(), r->wr.generated);
	finalize(r, r->chunks ? r->chunks[2 * (r->nchunks - 1)] : clk_mono_ns());
}

static void on_token(void *user, void *su, int ntok, int last)
{
	struct server *s = user;
	struct sreq *r = su;
	/* Reasoning text is a chat feature: only chat has a head (role) event. */
	int reasoning = r->w->head && r->wr.generated < s->c->reasoning_tokens;
	const char *word = text_next(&r->rng);

	int64_t now = clk_mono_ns();
	/* A fault that strikes where this token was due (fault_at) */
	int strikes = r->job.stream && !r->fault_hit && r->fault >= FAULT_DISCONNECT &&
		      r->fault <= FAULT_ERROR_EVENT && r->wr.generated == r->fault_at;

	if (strikes && (r->fault == FAULT_DISCONNECT || r->fault == FAULT_ERROR_EVENT))
		met_cut(s->met, &r->met, r->job.prompt_tokens);
	else
		met_token(s->met, &r->met, r->arrived_ns ? r->arrived_ns : r->received_ns, now,
			  r->job.prompt_tokens, ntok, last);
	if (last) {
		r->preemptions = eng_seq_preemptions(r->seq);
		r->seq = NULL; /* the engine frees it after this callback */
	}
	s->stats_tokens += ntok;
	if (!r->first_token_ns) {
		r->first_token_ns = now;
		r->wr.prompt_ns = now - r->admitted_ns;
	}
	r->wr.decode_ns = now - r->first_token_ns;
	r->wr.total_ns = now - r->received_ns;
	if (!r->job.stream) {
		r->wr.generated += ntok;
		r->wr.reasoning += reasoning ? ntok : 0;
		buf_adds(reasoning ? &r->rtext : &r->text, word, NULL);
		if (last) {
			r->wr.finish = finish_reason(r);
			reply_body(r);
		}
		return;
	}
	/* The role chunk first, as vLLM sends it, also before a fault that
	 * strikes at the first token. */
	if (r->wr.generated == 0 && r->w->head) {
		r->w->head(&r->wr, s->scratch);
		send_event(r, 0);
	}
	if (strikes) {
		if ((r->fault == FAULT_DISCONNECT || r->fault == FAULT_ERROR_EVENT) &&
		    r->seq) {
			/* The stream ends here: the engine lets the sequence go
			 * (freed after this callback) before strike may free r. */
			r->preemptions = eng_seq_preemptions(r->seq);
			eng_cancel(s->eng, r->seq);
			r->seq = NULL;
		}
		if (strike(r))
			return;
	}
	if (r->pend_tokens && reasoning != r->pend_reasoning)
		flush_pending(r, NULL);
	r->wr.generated += ntok;
	r->wr.reasoning += reasoning ? ntok : 0;
	buf_adds(&r->pend, word, NULL);
	if (!reasoning) {
		buf_adds(&r->text, word, NULL);
		r->wr.text = r->text.p;
		r->wr.text_len = r->text.len;
	}
	if (last)
		r->wr.finish = finish_reason(r);
	r->pend_tokens += ntok;
	r->pend_reasoning = reasoning;
	if (last) {
		flush_pending(r, finish_reason(r));
		if (r->w->tail)
			r->w->tail(&r->wr, s->scratch);
		if (evbuffer_get_length(s->scratch))
			send_event(r, 0);
		send_end(r, 1);
	} else if (r->pend_tokens >= s->c->tokens_per_chunk || r->wr.generated == ntok) {
		/* The first token goes at once, as vLLM's --stream-interval
		 * sends it: held for the interval, TTFT grew by K - 1 steps. */
		flush_pending(r, NULL);
	}
}

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

static void kick(struct server *s)
{
	if (!s->stepping)
		plan_step(s, 0);
}

/* ---- requests ---- */

static void reply_json(struct evhttp_request *req, int code, const char *reason,
		       struct evbuffer *b)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	evhttp_send_reply(req, code, reason, b);
}

/* An error before any token: a JSON error object with the status, or with
 * --errors-in-stream and a streaming request, an error event inside a 200
 * stream. Logged in the truth log. */
static void reply_error(struct sreq *r, int code, const char *reason,
			const char *type, const char *msg)
{
	struct server *s = r->s;

	wire_error_json(r->w, s->scratch, code, type, msg);
	if (s->c->errors_in_stream && r->job.stream) {
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type",
				  r->w->framing == WIRE_SSE ? "text/event-stream"
							    : "application/x-ndjson");
		r->status = 200;
		evhttp_send_reply_start(r->req, 200, "OK");
		send_event(r, 0);
		send_end(r, 1);
		return;
	}
	r->status = code;
	if (code == 429) {
		char v[24];

		snprintf(v, sizeof v, "%ld", s->c->retry_after_s);
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
				  "Retry-After", v);
	}
	detach(r);
	reply_json(r->req, code, reason, s->scratch);
	r->req = NULL;
	finalize(r, clk_mono_ns());
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	cut(arg, FAULT_TIMEOUT);
}

/* The output length: exact when asked, else drawn and capped. */
static long draw_out(const struct sim_conf *c, struct rng *g, const struct job *j,
		     long cap)
{
	double x;

	if (j->exact || j->min_tokens >= cap)
		return cap;
	switch (c->out_dist) {
	case OUT_FIXED:
		x = c->out_a;
		break;
	case OUT_UNIFORM:
		x = (double)rng_range(g, (int64_t)c->out_a, (int64_t)c->out_b);
		break;
	case OUT_EXP:
		x = 1 + rng_exponential(g, 1 / c->out_a);
		break;
	case OUT_LOGNORMAL: {
		double s2 = log(1 + c->out_b * c->out_b);

		x = rng_lognormal(g, log(c->out_a) - s2 / 2, sqrt(s2));
		break;
	}
	default:
		x = (double)cap;
	}
	if (x < (double)j->min_tokens)
		x = (double)j->min_tokens;
	if (x < 1)
		x = 1;
	return x > (double)cap ? cap : (long)x;
}

/* Gives seq the block hashes of the ids recorded while its body was
 * parsed (nothing was counted since). A prompt sent as token ids records
 * none; its count then differs and it is not cached. Returns 0, or -1
 * out of memory. */
static int set_blocks(struct server *s, struct eng_seq *seq, long prompt_tokens)
{
	size_t n;
	const uint32_t *ids = prompt_recorded(s->pc, &n);
	uint64_t *h;
	int rc;

	if ((long)n != prompt_tokens || n < PC_BLOCK)
		return 0;
	if (!(h = malloc(n / PC_BLOCK * sizeof *h)))
		return -1;
	rc = eng_set_blocks(s->eng, seq, h, (long)pc_hash_blocks(ids, n, h));
	free(h);
	return rc;
}

static const struct wire *by_body(const struct wire *w, const json_t *root);

/* pat's WIRE_MODEL_MARK: its offset in *pre and the length of what
 * follows it in *suf; 0 when pat names no model. */
static int model_mark(const char *pat, size_t *pre, size_t *suf)
{
	const char *m = strstr(pat, WIRE_MODEL_MARK);

	if (!m)
		return 0;
	*pre = (size_t)(m - pat);
	*suf = strlen(m + strlen(WIRE_MODEL_MARK));
	return 1;
}

/* Whether path is pat's, the mark standing for one or more bytes. */
static int route_match(const char *pat, const char *path)
{
	size_t pre, suf, n = strlen(path);

	if (!model_mark(pat, &pre, &suf))
		return !strcmp(pat, path);
	return n > pre + suf && !strncmp(path, pat, pre) &&
	       !strcmp(path + n - suf, pat + pre + strlen(WIRE_MODEL_MARK));
}

/* The model req's path names (percent-decoded, the caller frees), or NULL
 * when w's path names none. */
static char *path_model(const struct wire *w, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	size_t pre, suf;
	char *seg, *m;

	if (!path || !model_mark(w->path, &pre, &suf) || strlen(path) <= pre + suf)
		return NULL;
	if (!(seg = strndup(path + pre, strlen(path) - pre - suf)))
		return NULL;
	m = evhttp_uridecode(seg, 0, NULL);
	free(seg);
	return m;
}

static void generate(struct server *s, struct evhttp_request *req,
		     const struct wire *w, int64_t arrived, int64_t received)
{
	const struct sim_conf *c = s->c;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body = (const char *)evbuffer_pullup(in, -1);
	struct sreq *r = calloc(1, sizeof *r);
	json_error_t je;
	json_t *root;
	struct err e = { 0 };
	char msg[400], *pm;
	long cap;
	int rc;

	if (!r) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	r->s = s;
	r->req = req;
	r->w = w;
	r->arrived_ns = arrived;
	r->accepted_ns = arr_accepted(s->arr, req);
	r->received_ns = received;
	r->status = 0; /* none sent yet: the truth log's status for a request cut
			  off before its answer */
	r->pend.max = r->text.max = r->rtext.max = 0;
	snprintf(r->id, sizeof r->id, "%s-llmsim-%06x-%llu",
		 w->head ? "chatcmpl" : "cmpl", s->instance, (unsigned long long)++s->next_id);
	r->wr.c = c;
	r->wr.id = r->id;
	r->wr.created = (long)time(NULL);
	r->wr.job = &r->job;
	r->next = s->reqs;
	if (s->reqs)
		s->reqs->prev = r;
	s->reqs = r;
	s->active++;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req), on_close, r);
	/* Dialects without an id in their bodies (TGI, llama.cpp, Ollama) can
	 * still be matched with the truth log. */
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Request-Id", r->id);
	r->fault = fault_pick(c, &s->fault_rng, &r->fault_where);

	if (c->max_connections && s->active > c->max_connections) {
		snprintf(msg, sizeof msg, "llmsim: more than %ld requests at once",
			 c->max_connections);
		reply_error(r, 503, "Service Unavailable", "ServiceUnavailableError", msg);
		return;
	}
	root = json_loadb(body ? body : "", len, 0, &je);
	if (!root || !json_is_object(root)) {
		snprintf(msg, sizeof msg, "malformed JSON body: %s",
			 root ? "expected an object" : je.text);
		json_decref(root);
		reply_error(r, 400, "Bad Request", "BadRequestError", msg);
		return;
	}
	/* TGI's and SGLang's /generate: the body tells which. */
	r->w = w = by_body(w, root);
	/* With prefix caching the counts keep their ids, for block hashes. */
	prompt_record(s->pc, c->prefix_caching);
	rc = w->parse(root, s->pc, &r->job, &e);
	prompt_record(s->pc, 0);
	if (rc) {
		json_decref(root);
		reply_error(r, 400, "Bad Request", "BadRequestError", e.msg);
		return;
	}
	/* Triton and MII name the model in the path, not the body. */
	if ((pm = path_model(w, req)))
		r->job.model = pm;
	if (r->job.model && strcmp(r->job.model, c->model)) {
		snprintf(msg, sizeof msg, "The model `%.200s` does not exist.", r->job.model);
		free(pm);
		json_decref(root);
		reply_error(r, 400, "Bad Request", "BadRequestError", msg);
		return;
	}
	r->job.model = NULL; /* borrowed from root, freed below */
	free(pm);
	json_decref(root);
	cap = c->prof.max_model_len - r->job.prompt_tokens;
	if (r->job.max_tokens > cap || cap < 1) {
		long asked = r->job.max_tokens > 0 ? r->job.max_tokens : 0, total;

		/* max_tokens near LONG_MAX: the sum would wrap negative. */
		if (__builtin_add_overflow(r->job.prompt_tokens, asked, &total))
			total = LONG_MAX;
		snprintf(msg, sizeof msg,
			 "This model's maximum context length is %ld tokens. However, you requested %ld tokens (%ld in the messages, %ld in the completion). Please reduce the length of the messages or completion.",
			 c->prof.max_model_len, total, r->job.prompt_tokens, asked);
		reply_error(r, 400, "Bad Request", "BadRequestError", msg);
		return;
	}
	if (r->fault == FAULT_FAIL || r->fault == FAULT_RATE_LIMIT)
		r->fault_hit = 1;
	if (r->fault == FAULT_FAIL) {
		reply_error(r, 500, "Internal Server Error", "InternalServerError",
			    "llmsim: injected failure");
		return;
	}
	if (r->fault == FAULT_RATE_LIMIT) {
		reply_error(r, 429, "Too Many Requests", "RateLimitError",
			    "llmsim: injected rate limit");
		return;
	}
	r->max_tokens = r->job.max_tokens > 0 ? r->job.max_tokens : cap;
	/* Seeded by seed and body (rng_stream would cost one jump per stream
	 * number; splitmix64 inside rng_seed mixes the bits instead). */
	rng_seed(&r->rng, text_hash(body, len) ^ (c->seed * 0x9e3779b97f4a7c15ULL));
	r->out_tokens = draw_out(c, &r->rng, &r->job, r->max_tokens);
	if (r->fault >= FAULT_DISCONNECT && r->fault <= FAULT_ERROR_EVENT) {
		if (!r->job.stream)
			r->fault = FAULT_NONE; /* mid-stream faults need a stream */
		else
			r->fault_at = fault_at(r->fault_where, r->out_tokens);
	}
	if (c->request_timeout_ms) {
		struct timeval tv = { c->request_timeout_ms / 1000,
				      (c->request_timeout_ms % 1000) * 1000 };

		r->tmo = evtimer_new(s->base, on_timeout, r);
		if (r->tmo)
			evtimer_add(r->tmo, &tv);
	}
	r->seq = eng_add(s->eng, r->job.prompt_tokens, r->out_tokens, r);
	if (r->seq && c->prefix_caching && set_blocks(s, r->seq, r->job.prompt_tokens)) {
		eng_cancel(s->eng, r->seq);
		r->seq = NULL;
	}
	if (!r->seq) {
		reply_error(r, 500, "Internal Server Error", "InternalServerError",
			    "out of memory");
		return;
	}
	if (r->job.stream) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
				  w->framing == WIRE_SSE ? "text/event-stream" :
				  "application/x-ndjson");
		evhttp_send_reply_start(req, 200, "OK");
		r->status = 200;
	} else {
		/* evhttp stops reading while a reply is pending, so a client
		 * that leaves before its body would go unseen (and its sequence
		 * run to the end). Read again with no read callback, as
		 * evhttp itself does under a started reply: EOF reaches evhttp's
		 * event callback and the close callback, while bytes a client
		 * pipelines wait in the input buffer (evhttp's read callback
		 * would abort on them in this state). */
		struct bufferevent *bev = evhttp_connection_get_bufferevent(
			evhttp_request_get_connection(req));
		bufferevent_data_cb rcb, wcb;
		bufferevent_event_cb ecb;
		void *cbarg;

		if (bev) {
			bufferevent_getcb(bev, &rcb, &wcb, &ecb, &cbarg);
			bufferevent_setcb(bev, NULL, wcb, ecb, cbarg);
			bufferevent_enable(bev, EV_READ);
		}
	}
	kick(s);
}

enum models_kind { MODELS_OPENAI, MODELS_TGI, MODELS_OLLAMA };

/* The served model as each dialect lists it: OpenAI's GET /v1/models,
 * TGI's GET /info, Ollama's GET /api/tags (llmrun asks the one of its
 * --api when no --model is given). */
static void models(struct server *s, struct evhttp_request *req, enum models_kind k)
{
	json_t *o = k == MODELS_TGI
		? json_pack("{s:s,s:I}", "model_id", s->c->model, "max_total_tokens",
			    (json_int_t)s->c->prof.max_model_len)
		: k == MODELS_OLLAMA
		? json_pack("{s:[{s:s,s:s}]}", "models", "name", s->c->model, "model", s->c->model)
		: json_pack("{s:s,s:[{s:s,s:s,s:I,s:s,s:s,s:I}]}", "object", "list",
			      "data", "id", s->c->model, "object", "model", "created",
			      (json_int_t)time(NULL), "owned_by", "llmsim", "root",
			      s->c->model, "max_model_len",
			      (json_int_t)s->c->prof.max_model_len);
	char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	evbuffer_add(s->scratch, txt, strlen(txt));
	free(txt);
	json_decref(o);
	reply_json(req, 200, "OK", s->scratch);
}

/* vLLM's POST /tokenize: {"model":..., "prompt":...} -> tokens and count;
 * "messages" instead of "prompt" gives the chat count with the template
 * overhead (and no ids, which a template of counts does not have). */
static void tokenize(struct server *s, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body = (const char *)evbuffer_pullup(in, -1);
	json_t *root = json_loadb(body ? body : "", len, 0, NULL), *out = NULL;
	const json_t *pr = json_object_get(root, "prompt"),
		*m = json_object_get(root, "model"),
		*msgs = json_object_get(root, "messages");
	struct tok_ids ids = { 0 };
	struct err e = { 0 };
	long n = 0;
	size_t i;

	if (!json_is_object(root))
		err_set(&e, ERR_DATA, "malformed JSON body");
	else if (m && (!json_is_string(m) || strcmp(json_string_value(m), s->c->model)))
		err_set(&e, ERR_DATA, "The model `%.200s` does not exist.",
			json_is_string(m) ? json_string_value(m) : "?");
	else if (json_is_string(pr) &&
		 !prompt_encode(s->pc, json_string_value(pr), json_string_length(pr), &ids, &e)) {
		json_t *a = json_array();

		for (i = 0; i < ids.n; i++)
			json_array_append_new(a, json_integer(ids.v[i]));
		out = json_pack("{s:I,s:I,s:o,s:n}", "count", (json_int_t)ids.n,
				"max_model_len", (json_int_t)s->c->prof.max_model_len,
				"tokens", a, "token_strs");
	} else if (!e.code && msgs && !prompt_count_chat(s->pc, msgs, &n, &e)) {
		out = json_pack("{s:I,s:I,s:[],s:n}", "count", (json_int_t)n,
				"max_model_len", (json_int_t)s->c->prof.max_model_len,
				"tokens", "token_strs");
	} else if (!e.code) {
		err_set(&e, ERR_DATA, "prompt: expected a string (or messages)");
	}
	tok_ids_free(&ids);
	json_decref(root);
	if (!out) {
		wire_error_json(NULL, s->scratch, 400, "BadRequestError", e.msg);
		reply_json(req, 400, "Bad Request", s->scratch);
		return;
	}
	{
		char *txt = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (txt)
			evbuffer_add(s->scratch, txt, strlen(txt));
		free(txt);
		json_decref(out);
	}
	reply_json(req, 200, "OK", s->scratch);
}

/*
 * GET /metrics: vLLM's Prometheus page (sim/metrics.h). The page goes to
 * the kernel at once, as a chunk does (flush_now), so --truth-scrapes can
 * say when it left: a scraper's receive stamp is then checked against it
 * to the microsecond, not only against the events the page counts.
 * evhttp finishes the request from its write callback, triggered here as
 * end_stream does.
 */
static void metrics(struct server *s, struct evhttp_request *req,
		    int64_t arrived, int64_t received)
{
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	struct truth_scrape t = {
		.accepted_ns = arr_accepted(s->arr, req),
		.arrived_ns = arrived, .received_ns = received,
		.counted_ns = clk_mono_ns(), .status = 200,
	};
	struct eng_counts k;
	struct buf b = BUF_INIT;
	struct err e = { 0 };

	eng_counts(s->eng, &k);
	if (met_render(s->met, &k, &b, &e)) {
		t.status = 500;
		evhttp_send_error(req, 500, "cannot render the metrics");
	} else {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
				  MET_CONTENT_TYPE);
		evbuffer_add(s->scratch, b.p, b.len);
		evhttp_send_reply(req, 200, "OK", s->scratch);
		t.written_ns = clk_mono_ns();
		if (con) {
			struct bufferevent *bev = flush_now(con);

			/* held_up's time test is for a stamp taken long before
			 * the write: here the write is bracketed instead. */
			t.sent_ns = clk_mono_ns();
			t.held = held_up(con, bev, t.sent_ns);
			if (bev)
				bufferevent_trigger(bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
		}
	}
	buf_free(&b);
	if (s->scrapes && !s->err.code)
		truth_write_scrape(s->scrapes, &t, &s->err);
}

static void not_found(struct server *s, struct evhttp_request *req, int code)
{
	const char *m = code == 404 ? "{\"detail\":\"Not Found\"}" :
		"{\"detail\":\"Method Not Allowed\"}";

	evbuffer_add(s->scratch, m, strlen(m));
	reply_json(req, code, code == 404 ? "Not Found" : "Method Not Allowed",
		   s->scratch);
}

static const struct wire *const wires[] = {
	&wire_openai_chat, &wire_openai_completions, &wire_tgi_stream, &wire_tgi,
	&wire_llamacpp, &wire_ollama_generate, &wire_ollama_chat,
	&wire_triton_stream, &wire_triton, &wire_sglang, &wire_mii,
};

/*
 * Dialects that share a path with one listed before them, and the body
 * member that marks theirs: SGLang's /generate has "text" where TGI's has
 * "inputs". A body with neither is TGI's, whose 400 then names "inputs".
 */
static const struct {
	const struct wire *w;
	const char *key;
} keyed[] = {
	{&wire_sglang, "text"},
};

/* The dialect on w's path that root's shape names; w when none. */
static const struct wire *by_body(const struct wire *w, const json_t *root)
{
	for (size_t i = 0; i < sizeof keyed / sizeof keyed[0]; i++)
		if (!strcmp(keyed[i].w->path, w->path) && json_object_get(root, keyed[i].key))
			return keyed[i].w;
	return w;
}

static void free_conn(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	evhttp_connection_free(arg);
}

/*
 * --keepalive-max: is this request one past the connection's last? Then
 * the connection is reset, unanswered, as a server does that has just
 * closed a kept-alive connection the client then wrote to. libevent's
 * free shuts the write side first, so the client reads the end; the zero
 * linger then turns the close into a reset for whatever it sends next.
 * The connection is freed on the loop's next turn, outside evhttp's
 * callback.
 */
static int past_keepalive(struct server *s, struct evhttp_request *req,
			  struct bufferevent *bev)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	int fd = bev ? (int)bufferevent_getfd(bev) : -1;
	struct linger lg = { 1, 0 };

	if (!s->c->keepalive_max || fd < 0 || !conn)
		return 0;
	if ((size_t)fd >= s->nka) {
		size_t cap = (size_t)fd * 2 + 64;
		struct kaslot *k = realloc(s->ka, cap * sizeof *k);

		if (!k)
			return 0;
		memset(k + s->nka, 0, (cap - s->nka) * sizeof *k);
		s->ka = k;
		s->nka = cap;
	}
	if (s->ka[fd].conn != conn) {
		s->ka[fd].conn = conn;
		s->ka[fd].n = 0;
	}
	if (++s->ka[fd].n <= s->c->keepalive_max)
		return 0;
	s->ka[fd].conn = NULL;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	event_base_once(s->base, -1, EV_TIMEOUT, free_conn, conn, NULL);
	return 1;
}

/* evhttp's timeout while a request is served: a day, in effect none
 * (see server_new). */
enum { BUSY_TIMEOUT_S = 86400 };

/*
 * --keepalive-timeout: a connection idle for that long after a response
 * is closed, as servers do (uvicorn, which serves vLLM, after 5 s;
 * nginx after 75 s). evhttp's own timeout does it: set short when a
 * response is done and long again when a request comes (evhttp's idle
 * timeout would also cut a silent stream: see server_new).
 */
static void keepalive_idle(struct evhttp_request *req, void *arg)
{
	struct server *s = arg;
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct timeval tv = {
		.tv_sec = s->c->keepalive_timeout_ms / 1000,
		.tv_usec = s->c->keepalive_timeout_ms % 1000 * 1000,
	};

	if (conn)
		evhttp_connection_set_timeout_tv(conn, &tv);
}

static void keepalive_busy(struct server *s, struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct timeval tv = {.tv_sec = BUSY_TIMEOUT_S};

	if (!s->c->keepalive_timeout_ms || !conn)
		return;
	evhttp_connection_set_timeout_tv(conn, &tv);
	evhttp_request_set_on_complete_cb(req, keepalive_idle, s);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct server *s = arg;
	int64_t received = clk_mono_ns(), arrived = arr_take(s->arr, req);
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	struct bufferevent *bev =
		evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
	int one = 1;
	size_t i;

	/* Small events must not wait for delayed ACKs. (Nor for a pacing
	 * timer: the listener's cubic, inherited, sees to that.) */
	if (bev)
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one,
			   sizeof one);
	if (past_keepalive(s, req, bev))
		return;
	keepalive_busy(s, req);
	evbuffer_drain(s->scratch, evbuffer_get_length(s->scratch));
	if (!path)
		path = "/";
	for (i = 0; i < sizeof wires / sizeof wires[0]; i++)
		if (route_match(wires[i]->path, path)) {
			if (m != EVHTTP_REQ_POST)
				not_found(s, req, 405);
			else
				generate(s, req, wires[i], arrived, received);
			return;
		}
	if (!strcmp(path, "/health")) {
		evhttp_send_reply(req, 200, "OK", NULL);
	} else if (!strcmp(path, "/tokenize")) {
		if (m != EVHTTP_REQ_POST)
			not_found(s, req, 405);
		else
			tokenize(s, req);
	} else if (!strcmp(path, "/v1/models") || !strcmp(path, "/info") ||
		   !strcmp(path, "/api/tags")) {
		if (m != EVHTTP_REQ_GET)
			not_found(s, req, 405);
		else
			models(s, req, path[1] == 'i' ? MODELS_TGI : path[1] == 'a' ? MODELS_OLLAMA
										  : MODELS_OPENAI);
	} else if (!strcmp(path, "/metrics")) {
		if (m != EVHTTP_REQ_GET)
			not_found(s, req, 405);
		else
			metrics(s, req, arrived, received);
	} else {
		not_found(s, req, 404);
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

int server_new(const struct sim_conf *c, struct server **out, struct err *e)
{
	struct server *s = calloc(1, sizeof *s);
	struct event_config *cfg = event_config_new();
	struct eng_cb cb;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	if (!s || !cfg) {
		free(s);
		event_config_free(cfg);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	{
		struct timespec ts;

		/* Not --seed's: two llmsims of one seed must differ too. */
		clock_gettime(CLOCK_REALTIME, &ts);
		s->instance = (unsigned)(((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec * 2654435761u ^
					  (uint64_t)getpid() << 8) & 0xffffff);
	}
	*out = s;
	s->c = c;
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
	if (arr_new(s->base, &s->arr, e))
		return e->code;
	cb = (struct eng_cb){ on_admitted, on_token, s };
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
	if (prompt_open(c->tokenizer, &s->pc, e))
		return e->code;
	evhttp_set_max_body_size(s->http, c->max_body);
	/* evhttp's idle timeout (50 s by default) would also cut a stream that
	 * is silent for long: a queued request, a long stall. Requests are
	 * bounded by --request-timeout instead. */
	evhttp_set_timeout(s->http, BUSY_TIMEOUT_S);
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_gencb(s->http, on_request, s);
	evhttp_set_bevcb(s->http, arr_bevcb, s->arr);
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
	/* Once listening: a start that fails (the port taken) leaves an
	 * earlier log of that name as it was; it was emptied. */
	if (c->truth_path && truth_open(c->truth_path, &s->truth, e))
		return e->code;
	if (c->scrapes_path && truth_open(c->scrapes_path, &s->scrapes, e))
		return e->code;
	if (!(s->step_ev = evtimer_new(s->base, step_cb, s)))
		return err_set(e, ERR_SOFTWARE, "cannot set up the event loop");
	for (size_t i = 0; i < sizeof stop_signals / sizeof *stop_signals; i++)
		if (!(s->sig_ev[i] = evsignal_new(s->base, stop_signals[i], on_signal, s->base)) ||
		    event_add(s->sig_ev[i], NULL))
			return err_set(e, ERR_SOFTWARE, "cannot set up the event loop");
	if (c->stats) {
		struct timeval tv = { c->stats, 0 };

		s->stats_ev = event_new(s->base, -1, EV_PERSIST, stats_cb, s);
		if (s->stats_ev)
			event_add(s->stats_ev, &tv);
	}
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

		detach(r);
		r->ended_by = FAULT_SHUTDOWN;
		finalize(r, clk_mono_ns());
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
