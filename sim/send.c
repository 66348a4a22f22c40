/*
 * What a generation request sends: the engine's tokens turned into the
 * dialect's events (or its one body), framed as SSE or NDJSON, queued for
 * jitter, stalls and split writes, handed to the kernel at once and
 * stamped for the truth log, with the faults that strike mid-stream.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "clk.h"
#include "server_int.h"
#include "text.h"

/* ---- the chunks the truth log records ---- */

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

/* The chunk just added may have left after its stamp (send_held_up). Out
 * of memory, the log loses the flag, as add_chunk loses a chunk. */
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
struct bufferevent *send_flush_now(struct evhttp_connection *con)
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
 * later than that (emptied: send_flush_now's answer). The stamp is read
 * before the write, so it is never late; it is early when llmsim was not
 * running between the two (a loaded machine), or when the kernel holds the
 * bytes unsent because TCP's window is full of bytes the client has not
 * acknowledged, as when the client is not reading (docs/llmrun.md, "The
 * late first chunks"). The truth log then says so.
 */
int send_held_up(struct evhttp_connection *con, struct bufferevent *emptied, int64_t t0)
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

	sreq_detach(r);
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
			bev = send_flush_now(con);
			r->end_held = send_held_up(con, bev, now);
			if (bev)
				bufferevent_trigger(bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
		}
	}
	r->req = NULL;
	sreq_finalize(r, now);
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
			held = send_held_up(con, send_flush_now(con), now);
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
			sreq_cut(r, FAULT_DISCONNECT);
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
void send_event(struct sreq *r, long tokens)
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
void send_end(struct sreq *r, int done)
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

/* ---- the engine's tokens ---- */

static void reply_body(struct sreq *r)
{
	struct server *s = r->s;

	r->w->body(&r->wr, r->text.p ? r->text.p : "", r->text.len,
		   r->rtext.p ? r->rtext.p : "", r->rtext.len, finish_reason(r),
		   s->scratch);
	sreq_detach(r);
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
			  "Content-Type", "application/json");
	evhttp_send_reply(r->req, 200, "OK", s->scratch);
	r->status = 200;
	r->req = NULL;
	add_chunk(r, clk_mono_ns(), r->wr.generated);
	sreq_finalize(r, r->chunks ? r->chunks[2 * (r->nchunks - 1)] : clk_mono_ns());
}

void send_on_token(void *user, void *su, int ntok, int last)
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
