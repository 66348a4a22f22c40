/* A request's life: its handle, its callbacks, its body, its row. */
/* jsmn's code lives here, strict, and static to this file. */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "engine_int.h"
#include "http.h"
#include "secrets.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

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

	/* Some dialects' bodies are not objects (api.h, whole_any). */
	if (nt < 1 || (g->tok[0].type != JSMN_OBJECT && !g->cx.t->api->whole_any))
		return 0;
	/* A string token ends before its closing quote. */
	end = (size_t)g->tok[0].end + (g->tok[0].type == JSMN_STRING);
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

/* One event, which arrived at t. */
static int blank(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++, n--;
	return n == 0;
}

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
	/* An event without data ("data:" alone) carries nothing: SSE
	 * clients pass over it, and so does this one. */
	if (blank(ev->data, ev->data_len))
		return;
	/* An error event ("event: error", or llama.cpp's "error:" line, which
	 * lib/sse.c makes one): the server's words, JSON or not. */
	if (strcmp(ev->event, "error") == 0) {
		int json = parse_doc(g, ev->data, ev->data_len, &d);

		api_error_event(&q->r, json ? &d : NULL, ev->data, ev->data_len);
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

/*
 * Stamps never go backwards within a response. TCP hands bytes over in
 * order, so a kernel stamp earlier than the previous event's is not the
 * arrival of these bytes: the kernel keeps the oldest stamp when it
 * collapses a receive queue under memory pressure (tcp_collapse), and a
 * previous event stamped when read is stamped after libcurl's read, which
 * later bytes may precede. Either way the kernel stamp cannot be trusted
 * here, and the time these bytes were read, never early, is used instead.
 */
static int on_event(void *ctx, const struct sse_event *ev)
{
	struct req *q = ctx;
	int64_t t = q->kpeek ? kst_event(q, ev->end) : q->t_ev;

	if (t < q->t_last_ev)
		t = q->now;
	/* Events read together (one stamp) say nothing of the stream's pace:
	 * a server that fell behind sends chunks back to back. */
	if (q->t_last_ev && t != q->t_last_ev)
		q->fast = t - q->t_last_ev < 2 * q->g->pause_ns; /* see wake_now */
	q->t_last_ev = t;
	handle_event(q, ev, t);
	return 0;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct req *q = ud;
	size_t n = size * nmemb, k = sizeof "x-request-id:" - 1;
	size_t ra = sizeof "retry-after:" - 1;

	(void)kst_arrival(q, p, n, 0); /* moves the cursor, stamps nothing */
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

/* Body bytes, stamped by the kernel where that applies (kst_arrival),
 * else now. */
static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct req *q = ud;
	size_t n = size * nmemb;
	int64_t now = clk_mono_ns(), k;
	struct err e;

	q->kpeek = NULL;
	q->now = now;
	/* Bytes the peek did not see (they came after it, as when llmrun was
	 * preempted or stopped between the peek and libcurl's read) take the
	 * stamp of the read that brought them: the newest buffer it took,
	 * late by the gap to it, never early, and no later than the read. */
	k = q->g->rstamp ? kst_recv(q, now) : kst_arrival(q, p, n, now);
	if (!k && !q->g->rstamp)
		k = kst_recv(q, now);
	if (k && k >= q->t_data && k >= q->t_last_ev)
		now = k;
	else
		q->kpeek = NULL; /* see on_event */
	q->t_ev = now;
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
	eng_pause_watch(q->g, q);
	return n;
}

/* Asks the kernel to stamp what arrives on a new connection. Should it
 * refuse, chunks are stamped when read. */
static int on_sockopt(void *ud, curl_socket_t fd, curlsocktype purpose)
{
	struct req *q = ud;
	int on = 1;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKOPT_OK;
	/* A new connection: its set-up (TCP, TLS) is not the server's time. */
	if (q && !q->t_conn)
		q->t_conn = clk_mono_ns();
	if (!q || q->g->kstamp)
		(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
	return CURL_SOCKOPT_OK;
}

/*
 * The request goes on the wire: libcurl calls this once the connection is
 * ready (reused, or connected and TLS done), right before it writes the
 * request. TTFT and E2E start here, so neither the connect nor the loop's
 * delay in handing the request over is counted as the server's. Called
 * again when libcurl resends on a fresh connection after a reused one
 * turned out dead: the last send counts.
 */
static int on_prereq(void *ud, char *ip, char *local_ip, int port, int local_port)
{
	struct req *q = ud;
	int64_t now = clk_mono_ns();

	curl_socket_t fd = CURL_SOCKET_BAD;

	(void)ip, (void)local_ip, (void)port, (void)local_port;
	q->t_sent = now;
	q->r.t_sent = now;
	/* The socket the kernel stamps must be looked up on. libcurl names it
	 * to the socket callback only when its watch changes, which a kept-
	 * alive connection taken straight from the pool may not do: without
	 * this, such a request's chunks were all stamped when read. */
	if (curl_easy_getinfo(q->h, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK &&
	    fd != CURL_SOCKET_BAD) {
		q->sock = fd;
		eng_sock_req(q->g, fd, q);
		eng_pause_watch(q->g, q);
	}
	q->connect_ns = q->t_conn ? now - q->t_conn : -1;
	return CURL_PREREQFUNC_OK;
}

/* libcurl's socket() and close() of a connection's socket, made here so
 * that the engine knows the socket is new or gone (eng_sock_new,
 * eng_sock_gone: on_socket in engine.c). As libcurl makes them. */
static curl_socket_t on_open(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	curl_socket_t s = socket(a->family, a->socktype, a->protocol);

	(void)purpose;
	if (s < 0)
		return CURL_SOCKET_BAD;
	eng_sock_new(ud, s);
	return s;
}

static int on_close(void *ud, curl_socket_t s)
{
	eng_sock_gone(ud, s);
	return close(s);
}

/* What every handle shares, requests and preconnects alike: a connection
 * opened by one is reused by another only when these match. q is NULL for
 * a preconnect. */
void req_setup(struct eng *g, CURL *h, struct req *q)
{
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, g->hdrs);
	http_options(h, g->cx.o, g->url);
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, (long)RECV_BUF);
	curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
	curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, q);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, g);
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_close);
	curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, g);
}

struct req *req_new(struct eng *g)
{
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
	q->h = h;
	q->g = g;
	q->raw.max = BODY_MAX;
	sse_init(&q->sse, g->cx.t->api->mode, 0);
	req_setup(g, h, q);
	http_errbuf(h, q->errbuf);
	/* The slot's connections are its own: slot i of a step finds the
	 * i-th connection opened before it. */
	if (pre_group(g, h, (long)g->nall, q->grp)) {
		curl_easy_cleanup(h);
		free(q);
		return NULL;
	}
	g->all[g->nall++] = q;
	curl_easy_setopt(h, CURLOPT_URL, g->url);
	if (g->uh)
		curl_easy_setopt(h, CURLOPT_CURLU, g->uh);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(h, CURLOPT_PRIVATE, q);
	curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, on_prereq);
	curl_easy_setopt(h, CURLOPT_PREREQDATA, q);
	return q;
}

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
	/* The row's gen_tok_per_s (docs/metrics.md): the tokens after the
	 * first over the time after it. */
	if (x->out_tokens >= 2 && q->r.t_first_token && x->t_end > q->r.t_first_token)
		fprintf(f, ", %.1f tok/s",
			(double)(x->out_tokens - 1) / ((double)(x->t_end - q->r.t_first_token) / 1e9));
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

/*
 * A request that failed on a kept-alive connection before any byte of a
 * response came back was most likely written to a connection the server
 * had just closed (llama.cpp's server closes kept-alive ones after some
 * requests or idle time; libcurl itself resends only when a read, not a
 * write, finds the connection dead). It is sent again at once, on a new
 * connection, as HTTP clients do; its row says so, and only a failure of
 * that second send is an error. Returns 1 when it was sent again.
 */
static int resend_fresh(struct eng *g, struct req *q, int curl_code, int cancelled)
{
	if (cancelled || q->conn_retried || !q->t_sent || q->t_conn || q->bytes ||
	    q->http || *g->cx.stop || g->io_failed)
		return 0;
	if (curl_code != CURLE_SEND_ERROR && curl_code != CURLE_RECV_ERROR &&
	    curl_code != CURLE_GOT_NOTHING)
		return 0;
	curl_easy_setopt(q->h, CURLOPT_FRESH_CONNECT, 1L);
	req_send(g, q, q->t_sched);
	q->conn_retried = 1;
	return 1;
}

/* The transfer is over: takes its HTTP status (a retry cancelled before
 * it was sent has none of its own) and hands the handle back from the
 * multi handle, so it can be sent again or reused. */
static void end_transfer(struct eng *g, struct req *q)
{
	if (!q->http && q->t_sent)
		curl_easy_getinfo(q->h, CURLINFO_RESPONSE_CODE, &q->http);
	curl_multi_remove_handle(g->m, q->h);
}

/* Reads a body that came whole (not as events), unless the request was
 * cancelled or already found bad: an error status keeps the server's
 * words in q->r; a success fills q->r through the dialect, or marks q
 * bad when it cannot. */
static void read_whole_body(struct eng *g, struct req *q, int cancelled)
{
	struct jdoc d;
	struct err e;

	if (cancelled || q->bad[0] || !q->raw.len)
		return;
	if (q->http >= 300) {
		/* Keep the server's own words about the failure: an
		 * error object, else whatever the body says. */
		int json = parse_doc(g, q->raw.p, q->raw.len, &d);

		if (!json || !api_error_object(&q->r, &d))
			api_error_text(&q->r, json ? &d : NULL, q->raw.p, q->raw.len);
		q->r.err_class = RC_OK;
	} else if (!parse_doc(g, q->raw.p, q->raw.len, &d)) {
		invalid(q, "the response body is not a JSON object");
	} else if (!api_error_object(&q->r, &d) &&
		   g->cx.t->api->whole(&q->r, &d, q->t_data, &e)) {
		invalid(q, e.msg);
	}
}

/* A stream of NDJSON that ended cleanly without its end marker may hold
 * one last line without its line end: handles it, stamped with the last
 * data's arrival, and takes its end as the response's when it was the
 * end marker. */
static void flush_ndjson(struct req *q, const struct opts *o, int curl_code,
			 int cancelled)
{
	struct err e;

	if (!o->stream || cancelled || q->bad[0] || q->r.done ||
	    q->sse.mode != SSE_MODE_NDJSON || curl_code != CURLE_OK)
		return;
	q->now = q->t_data;
	if (sse_finish(&q->sse, on_event, q, &e) && !q->bad[0])
		invalid(q, e.msg);
	if (q->r.done)
		q->t_done = q->t_data;
}

/* Leaves in q->r only what was measured, and the response's id from the
 * header when the body gave none. */
static void settle_result(struct req *q, const struct opts *o)
{
	/* Without a stream there is no first token, and no gap between
	 * tokens: only the whole response's end is measured. */
	if (!o->stream) {
		q->r.t_first_token = q->r.t_first_content = q->r.t_last_token = 0;
		buf_reset(&q->r.chunk_log);
	}
	if (!q->r.response_id[0] && q->hdr_id[0])
		snprintf(q->r.response_id, sizeof q->r.response_id, "%s", q->hdr_id);
}

/* The outcome's class, and in msg[0..n) what went wrong ("" when
 * nothing did), scrubbed of secrets and on one line. */
static enum rclass classify_outcome(struct req *q, const struct opts *o, int curl_code,
				int cancelled, char *msg, size_t n)
{
	enum rclass st = rec_classify(curl_code, q->errbuf, q->http, &q->r,
					  cancelled, q->bad, msg, n);

	/* A clean end without the end marker: say what came instead, when
	 * it was not a stream at all. */
	if (st == RC_DISCONNECT && curl_code == CURLE_OK) {
		char *ct = NULL;

		curl_easy_getinfo(q->h, CURLINFO_CONTENT_TYPE, &ct);
		if (q->http >= 300 && q->http < 400)
			snprintf(msg, n, "HTTP %ld: a redirect, not followed (give the final URL)",
				 q->http);
		else if (o->stream && ct && strncasecmp(ct, "text/event-stream", 17) != 0 &&
			 q->sse.mode != SSE_MODE_NDJSON)
			snprintf(msg, n, "the server answered %.60s, not a stream of events "
				 "(does it take \"stream\": true?)", ct);
	}
	if (msg[0]) {
		secret_scrub(o, msg, n);
		/* One line: a row never holds a line end (llmanalyze takes an
		 * open quote over lines for bad data, not a cut-off row). */
		for (char *c = msg; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = ' ';
	}
	return st;
}

/* Fills x's identity and stamps from the run, the step and q; x->status
 * is set. The response ends at its end marker, else (a success) at its
 * last data, else now. */
static void fill_row(struct eng *g, struct req *q, struct rec_row *x,
		     const char *msg, int64_t now)
{
	const struct eng_step *s = g->s;

	x->run_id = g->cx.run_id;
	x->target = g->cx.t->name;
	x->model = g->cx.t->model;
	x->api = g->cx.t->api->name;
	x->group = q->row->group;
	x->row_id = q->row->id;
	x->step_kind = s->kind;
	x->step = s->value;
	x->schedule = s->schedule;
	x->seq = q->seq;
	x->attempt = q->attempt;
	x->warmup = q->warmup;
	x->http_status = q->http;
	x->t_scheduled = q->t_sched;
	x->t_handed = q->t_handed;
	x->t_sent = q->t_sent;
	x->connect_ns = q->connect_ns;
	x->conn_reused = q->t_sent ? !q->t_conn : -1;
	x->max_tokens = q->max_tokens;
	x->t_end = q->t_done ? q->t_done : x->status == RC_OK ? q->t_data : now;
	if (!x->t_end)
		x->t_end = now;
	x->r = &q->r;
	x->bytes = q->bytes;
	x->error = msg;
}

/* The row's token counts and where each came from, best source first:
 * the server's usage, then the tokenizer, then the corpus (input) or the
 * chunks seen (output); -1 with no source when none knows. */
static void token_counts(struct eng *g, struct req *q, struct rec_row *x)
{
	struct err e;
	size_t cnt;

	x->in_tokens = -1;
	x->out_tokens = -1;
	if (q->r.in_tokens >= 0) {
		x->in_tokens = q->r.in_tokens;
		x->in_source = "usage";
	} else if (g->in_count && (x->in_tokens = prompt_tokens(g, q->row)) >= 0) {
		x->in_source = "tokenizer";
	} else if (q->row->input_tokens >= 0) {
		x->in_tokens = q->row->input_tokens;
		x->in_source = "corpus";
	}
	if (q->r.out_tokens >= 0) {
		x->out_tokens = q->r.out_tokens;
		x->out_source = "usage";
	} else if (g->cx.count && q->r.text.len &&
		   g->cx.count(g->cx.tok, q->r.text.p, q->r.text.len, &cnt, &e) == 0) {
		x->out_tokens = (long)cnt;
		x->out_source = "tokenizer";
	} else if (q->r.chunks > 0) {
		x->out_tokens = q->r.chunks;
		x->out_source = "chunks";
	}
}

/* Decides whether q is tried again (x->retried) and records whether this
 * attempt was a fresh-connection resend, which the next attempt is not:
 * its handle goes back to the run's keep-alive choice. */
static void mark_retries(struct eng *g, struct req *q, struct rec_row *x,
			 int cancelled)
{
	const struct opts *o = g->cx.o;

	/* Retry classes the user chose, while the run goes on; a request
	 * cancelled while its retry waited is one more attempt, never sent. */
	x->retried = !cancelled && x->status != RC_OK && q->attempt <= o->retries &&
		     (o->retry_on & 1u << x->status) && !*g->cx.stop && !g->io_failed;
	x->conn_retried = q->conn_retried;
	if (q->conn_retried) {
		q->conn_retried = 0;
		curl_easy_setopt(q->h, CURLOPT_FRESH_CONNECT, (long)o->no_keepalive);
	}
}

/* Hands x to the session, the result file (a failed write stops the
 * run's writing: g->io_failed) and the progress line. */
static void emit_row(struct eng *g, struct req *q, struct rec_row *x)
{
	esess_row(g, q, x);
	if (!g->io_failed && rec_write(g->cx.rec, x, &g->werr))
		g->io_failed = 1;
	if (g->pg)
		prog_add(g->pg, x);
}

/* q is done for good (not retried): counts its failure, frees its slot
 * (closed loop), shows it as a sample, ends its session turn and returns
 * it to the free list with its body released. */
static void retire(struct eng *g, struct req *q, const struct rec_row *x,
		    int64_t now)
{
	if (x->status != RC_OK)
		g->errors++;
	/* The slot is free from the response's own end stamp: the wake-up's
	 * (t_arrival) is the stamp of the socket being handled, and libcurl
	 * may finish another transfer while handling it (seen 74 us early
	 * against llmsim's end_ns: tests/e2e/run_send_truth.sh). */
	eng_free_slot(g, q->t_done && q->t_done <= now ? q->t_done :
		      g->t_arrival && g->t_arrival <= now ? g->t_arrival : now);
	if (g->samples_shown < g->cx.o->show_samples && x->status == RC_OK)
		print_sample(g, q, x);
	esess_done(g, q, x->status == RC_OK, x->t_end);

	q->active = 0;
	q->next_free = g->free_list;
	g->free_list = q;
	g->inflight--;
	if (q->body_own)
		free(q->body);
	q->body = NULL;
}

/*
 * The end of a request, in this order: the transfer ends (or is sent
 * again on a fresh connection, and ends later); the body is read; the
 * outcome is classified; the row is filled, written and shown; then q
 * either waits for its retry or is released. now is read once, first,
 * and stands for the end wherever no stamp of the response's own does.
 */
void req_finish(struct eng *g, struct req *q, int curl_code, int cancelled)
{
	const struct opts *o = g->cx.o;
	int64_t now = clk_mono_ns();
	struct rec_row x;
	char msg[256];

	end_transfer(g, q);
	if (resend_fresh(g, q, curl_code, cancelled))
		return;
	read_whole_body(g, q, cancelled);
	flush_ndjson(q, o, curl_code, cancelled);
	settle_result(q, o);
	memset(&x, 0, sizeof x);
	x.status = classify_outcome(q, o, curl_code, cancelled, msg, sizeof msg);
	fill_row(g, q, &x, msg, now);
	token_counts(g, q, &x);
	mark_retries(g, q, &x, cancelled);
	emit_row(g, q, &x);
	if (x.retried) {
		eng_retry_later(g, q, now);
		return;
	}
	retire(g, q, &x, now);
}

/* Forgets q's last attempt: the next is due at t_sched and handed to
 * libcurl at t_handed (0: never). on_prereq stamps its send. */
void req_attempt(struct eng *g, struct req *q, int64_t t_sched,
			int64_t t_handed)
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
	q->t_handed = t_handed;
	q->t_sent = 0;
	q->t_conn = 0;
	q->connect_ns = -1;
	q->t_last_ev = 0;
	q->fast = 0;
	/* A conversation's next turn carries the reply's text. */
	resp_reset(&q->r, 0, g->cx.count != NULL || q->seq < g->cx.o->show_samples ||
			     q->conv != NULL);
}

/* Hands q's next attempt (its body is built), due at t_sched, to libcurl. */
void req_send(struct eng *g, struct req *q, int64_t t_sched)
{
	req_attempt(g, q, t_sched, clk_mono_ns());
	if (!q->body) {
		invalid(q, "cannot build the request body");
		req_finish(g, q, CURLE_OK, 0);
		return;
	}
	q->errbuf[0] = '\0';
	curl_easy_setopt(q->h, CURLOPT_POSTFIELDS, q->body);
	curl_easy_setopt(q->h, CURLOPT_POSTFIELDSIZE, (long)strlen(q->body));
	if (curl_multi_add_handle(g->m, q->h) != CURLM_OK) {
		invalid(q, "libcurl refused the request");
		req_finish(g, q, CURLE_OK, 0);
	}
}

/*
 * row's request body, with its max_tokens. The same options and row give
 * the same body, so it is built once (jansson builds and prints it in
 * about as many instructions as libcurl spends sending it) and kept in
 * the engine's cache while that holds less than BODY_CACHE_MAX bytes;
 * past that, each request builds its own (*own set: the caller frees it).
 * NULL when it cannot be built.
 */
static char *row_body(struct eng *g, const struct corpus_row *row, long *max_tokens,
		      int *own)
{
	const struct corpus *c = g->cx.c;
	size_t i = (size_t)(row - c->rows);
	char *b;

	*own = 0;
	if (!g->bodies && i < c->n) {
		g->bodies = calloc(c->n, sizeof *g->bodies);
		g->body_max = calloc(c->n, sizeof *g->body_max);
	}
	if (g->bodies && g->body_max && i < c->n && g->bodies[i]) {
		*max_tokens = g->body_max[i];
		return g->bodies[i];
	}
	b = http_body(g->cx.o, g->cx.t, row, 0, max_tokens);
	if (b && g->bodies && g->body_max && i < c->n &&
	    g->body_bytes + strlen(b) <= BODY_CACHE_MAX) {
		g->body_bytes += strlen(b);
		g->bodies[i] = b;
		g->body_max[i] = *max_tokens;
		return b;
	}
	*own = b != NULL;
	return b;
}

void req_body_warm(struct eng *g, const struct corpus_row *row)
{
	long mt;
	int own;
	char *b = row_body(g, row, &mt, &own);

	if (own)
		free(b);
}

/* Starts the next request of the step, scheduled at t_sched. Returns 0 or
 * -1 when no request could be made (out of memory). */
int req_issue(struct eng *g, int64_t t_sched, const struct corpus_row *row)
{
	struct req *q = req_new(g);

	if (!q)
		return -1;
	q->row = row;
	q->conv = g->conv_next;
	/* A turn's body holds its conversation's history: its own. */
	q->body_own = 1;
	q->body = q->conv ? esess_body(g, q) : row_body(g, row, &q->max_tokens, &q->body_own);
	q->seq = g->issued;
	q->warmup = g->issued < g->s->warmup;
	q->attempt = 1;
	q->active = 1;
	g->issued++;
	g->inflight++;
	req_send(g, q, t_sched);
	return 0;
}

