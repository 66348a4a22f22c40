/*
 * A generation request's life: its body parsed and checked, its sequence
 * added to the engine (or an error answered at once), and its end (done,
 * cut, timed out, the client gone), where its truth-log row is written and
 * it is freed. What it sends on the way is send.c's.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clk.h"
#include "prefix.h"
#include "route.h"
#include "server_int.h"
#include "text.h"

/* ---- the end of a request ---- */

void sreq_detach(struct sreq *r)
{
	if (r->req)
		evhttp_connection_set_closecb(evhttp_request_get_connection(r->req),
					      NULL, NULL);
}

/* Logs the request and frees it. The caller has detached or finished the
 * HTTP side. */
void sreq_finalize(struct sreq *r, int64_t end_ns)
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
	sreq_finalize(r, clk_mono_ns());
}

/* Cuts the connection mid-response. */
void sreq_cut(struct sreq *r, enum fault why)
{
	struct evhttp_connection *conn = r->req ? evhttp_request_get_connection(r->req) : NULL;

	sreq_detach(r);
	r->req = NULL;
	if (why != FAULT_DISCONNECT)
		r->ended_by = why;
	sreq_finalize(r, clk_mono_ns());
	if (conn)
		evhttp_connection_free(conn);
}

/* ---- the engine's admission ---- */

void sreq_on_admitted(void *user, void *su)
{
	struct sreq *r = su;

	(void)user;
	r->admitted_ns = clk_mono_ns();
	r->wr.cached = eng_seq_cached(r->seq);
}

/* ---- the start of a request ---- */

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
	sreq_detach(r);
	ep_reply_json(r->req, code, reason, s->scratch);
	r->req = NULL;
	sreq_finalize(r, clk_mono_ns());
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sreq_cut(arg, FAULT_TIMEOUT);
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

/* A new request on req: in the server's list and counted in s->active,
 * watched for its connection's close, its id set (X-Request-Id too) and
 * its fault drawn. Done before any check, so that an error answered at
 * once is logged like any other request. NULL out of memory (nothing was
 * done then). */
static struct sreq *sreq_new(struct server *s, struct evhttp_request *req,
			     const struct wire *w, int64_t arrived, int64_t received)
{
	const struct sim_conf *c = s->c;
	struct sreq *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
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
	return r;
}

/*
 * The checks and steps of sreq_generate, in its order. One that answers an
 * error (reply_error, which frees r) returns -1, and r is gone; 0: the
 * request goes on.
 */

/* --max-connections: r itself is counted in s->active already. */
static int check_capacity(struct sreq *r)
{
	const struct sim_conf *c = r->s->c;
	char msg[400];

	if (c->max_connections && r->s->active > c->max_connections) {
		snprintf(msg, sizeof msg, "llmsim: more than %ld requests at once",
			 c->max_connections);
		reply_error(r, 503, "Service Unavailable", "ServiceUnavailableError", msg);
		return -1;
	}
	return 0;
}

/* Parses body into r->job for its dialect, which the body may change
 * (r->w is then the body's), and checks the model it names. */
static int parse_body(struct sreq *r, const char *body, size_t len)
{
	struct server *s = r->s;
	const struct sim_conf *c = s->c;
	const struct wire *w;
	json_error_t je;
	json_t *root;
	struct err e = { 0 };
	char msg[400], *pm;
	int rc;

	root = json_loadb(body ? body : "", len, 0, &je);
	if (!root || !json_is_object(root)) {
		snprintf(msg, sizeof msg, "malformed JSON body: %s",
			 root ? "expected an object" : je.text);
		json_decref(root);
		reply_error(r, 400, "Bad Request", "BadRequestError", msg);
		return -1;
	}
	/* TGI's and SGLang's /generate: the body tells which. */
	r->w = w = route_by_body(r->w, root);
	/* With prefix caching the counts keep their ids, for block hashes. */
	prompt_record(s->pc, c->prefix_caching);
	rc = w->parse(root, s->pc, &r->job, &e);
	prompt_record(s->pc, 0);
	if (rc) {
		json_decref(root);
		reply_error(r, 400, "Bad Request", "BadRequestError", e.msg);
		return -1;
	}
	/* Triton and MII name the model in the path, not the body. */
	if ((pm = route_path_model(w, r->req)))
		r->job.model = pm;
	if (r->job.model && strcmp(r->job.model, c->model)) {
		snprintf(msg, sizeof msg, "The model `%.200s` does not exist.", r->job.model);
		free(pm);
		json_decref(root);
		reply_error(r, 400, "Bad Request", "BadRequestError", msg);
		return -1;
	}
	r->job.model = NULL; /* borrowed from root, freed below */
	free(pm);
	json_decref(root);
	return 0;
}

/* The context length: *cap is what the prompt leaves for the output,
 * set whatever the answer; a request asking for more, or left nothing,
 * is refused. */
static int check_length(struct sreq *r, long *cap)
{
	const struct sim_conf *c = r->s->c;
	char msg[400];

	*cap = c->prof.max_model_len - r->job.prompt_tokens;
	if (r->job.max_tokens > *cap || *cap < 1) {
		long asked = r->job.max_tokens > 0 ? r->job.max_tokens : 0, total;

		/* max_tokens near LONG_MAX: the sum would wrap negative. */
		if (__builtin_add_overflow(r->job.prompt_tokens, asked, &total))
			total = LONG_MAX;
		snprintf(msg, sizeof msg,
			 "This model's maximum context length is %ld tokens. However, you requested %ld tokens (%ld in the messages, %ld in the completion). Please reduce the length of the messages or completion.",
			 c->prof.max_model_len, total, r->job.prompt_tokens, asked);
		reply_error(r, 400, "Bad Request", "BadRequestError", msg);
		return -1;
	}
	return 0;
}

/* The faults drawn that strike before any token: a 500 or a 429. Only a
 * request that passed every check meets them. */
static int fault_before_tokens(struct sreq *r)
{
	if (r->fault == FAULT_FAIL || r->fault == FAULT_RATE_LIMIT)
		r->fault_hit = 1;
	if (r->fault == FAULT_FAIL) {
		reply_error(r, 500, "Internal Server Error", "InternalServerError",
			    "llmsim: injected failure");
		return -1;
	}
	if (r->fault == FAULT_RATE_LIMIT) {
		reply_error(r, 429, "Too Many Requests", "RateLimitError",
			    "llmsim: injected rate limit");
		return -1;
	}
	return 0;
}

/* The output's cap (the request's max_tokens, else all of cap), its
 * length, and the token where a mid-stream fault strikes. */
static void choose_output(struct sreq *r, const char *body, size_t len, long cap)
{
	const struct sim_conf *c = r->s->c;

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
}

/* --request-timeout, from now. Without the memory for its timer the
 * request goes on untimed. */
static void arm_timeout(struct sreq *r)
{
	const struct sim_conf *c = r->s->c;

	if (c->request_timeout_ms) {
		struct timeval tv = { c->request_timeout_ms / 1000,
				      (c->request_timeout_ms % 1000) * 1000 };

		r->tmo = evtimer_new(r->s->base, on_timeout, r);
		if (r->tmo)
			evtimer_add(r->tmo, &tv);
	}
}

/* Adds r's sequence to the engine's waiting queue (sreq_on_admitted
 * tells when it runs), with its prompt's block hashes under prefix
 * caching. */
static int add_to_engine(struct sreq *r)
{
	struct server *s = r->s;

	r->seq = eng_add(s->eng, r->job.prompt_tokens, r->out_tokens, r);
	if (r->seq && s->c->prefix_caching && set_blocks(s, r->seq, r->job.prompt_tokens)) {
		eng_cancel(s->eng, r->seq);
		r->seq = NULL;
	}
	if (!r->seq) {
		reply_error(r, 500, "Internal Server Error", "InternalServerError",
			    "out of memory");
		return -1;
	}
	return 0;
}

/* A stream's headers go now; a whole answer waits for its last token,
 * its connection watched meanwhile. */
static void start_reply(struct sreq *r)
{
	struct evhttp_request *req = r->req;

	if (r->job.stream) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
				  r->w->framing == WIRE_SSE ? "text/event-stream" :
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
}

void sreq_generate(struct server *s, struct evhttp_request *req,
		   const struct wire *w, int64_t arrived, int64_t received)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body = (const char *)evbuffer_pullup(in, -1);
	struct sreq *r = sreq_new(s, req, w, arrived, received);
	long cap;

	if (!r) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	if (check_capacity(r) || parse_body(r, body, len) || check_length(r, &cap) ||
	    fault_before_tokens(r))
		return;
	choose_output(r, body, len, cap);
	arm_timeout(r);
	if (add_to_engine(r))
		return;
	start_reply(r);
	server_kick(s);
}
