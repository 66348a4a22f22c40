#ifndef LLMSIM_SERVER_INT_H
#define LLMSIM_SERVER_INT_H
/*
 * The server's insides, shared by its files and by nothing else:
 * server.c (setup, the routes, the step timer), request.c (a generation
 * request's life from its body to its truth-log row), send.c (its tokens
 * framed, queued, written and stamped), endpoints.c (the routes that
 * generate nothing) and keepalive.c (--keepalive-max, --keepalive-timeout).
 * See server.h for the contract.
 *
 * Ownership: struct server owns every struct sreq in its list (reqs); a
 * request is freed by sreq_finalize, which also writes its truth-log row.
 * Arguments are borrowed.
 */
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "arrival.h"
#include "buf.h"
#include "conf.h"
#include "engine.h"
#include "err.h"
#include "faults.h"
#include "metrics.h"
#include "prompt.h"
#include "rng.h"
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
					* after their stamp (send_held_up) */
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

/* The signals that end llmsim (stop_signals in server.c). */
enum { SERVER_STOP_SIGNALS = 3 };

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
	struct event *sig_ev[SERVER_STOP_SIGNALS];
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

/* ---- server.c ---- */

/* Plans a step and sets its timer unless one is pending: after a
 * sequence was added to the engine. */
void server_kick(struct server *s);

/* ---- request.c: a generation request's life ---- */

/* Starts a generation request on req for dialect w (the path's; the body
 * may name another): parses it, answers an error at once, or adds its
 * sequence to the engine. arrived: the kernel's stamp of its first bytes
 * (0 unknown); received: when evhttp handed it over (monotonic ns). */
void sreq_generate(struct server *s, struct evhttp_request *req,
		   const struct wire *w, int64_t arrived, int64_t received);

/* The engine's admission callback (struct eng_cb): user is the server,
 * su the request. */
void sreq_on_admitted(void *user, void *su);

/* Stops watching r's connection for its close. */
void sreq_detach(struct sreq *r);

/* Writes r's truth-log row, ended at end_ns (monotonic), and frees r. */
void sreq_finalize(struct sreq *r, int64_t end_ns);

/* Closes r's connection mid-response and finalizes r; why is logged
 * unless it is FAULT_DISCONNECT (the fault drawn says so). */
void sreq_cut(struct sreq *r, enum fault why);

/* ---- send.c: a response's bytes ---- */

/* The engine's token callback (struct eng_cb): ntok tokens of su, the
 * last when last is set. May free su. */
void send_on_token(void *user, void *su, int ntok, int last);

/* Frames s->scratch as one event completing tokens and sends or queues
 * it. */
void send_event(struct sreq *r, long tokens);

/* Ends r's stream, after [DONE] when done and the dialect has one; r is
 * freed then (at once when nothing is queued). */
void send_end(struct sreq *r, int done);

/* Writes con's pending output to its socket now. Returns the bufferevent
 * when that emptied it, else NULL (also for a NULL con). */
struct bufferevent *send_flush_now(struct evhttp_connection *con);

/* 1 when bytes written to con at t0 (monotonic ns) may have left later,
 * else 0; emptied is send_flush_now's answer. */
int send_held_up(struct evhttp_connection *con, struct bufferevent *emptied, int64_t t0);

/* ---- endpoints.c: the routes that generate nothing ---- */

/* Answers req with code and b's bytes as JSON (b is drained). */
void ep_reply_json(struct evhttp_request *req, int code, const char *reason,
		   struct evbuffer *b);

enum ep_models_kind { EP_MODELS_OPENAI, EP_MODELS_TGI, EP_MODELS_OLLAMA };

/* GET /v1/models, /info or /api/tags, as k says. */
void ep_models(struct server *s, struct evhttp_request *req, enum ep_models_kind k);

/* POST /tokenize. */
void ep_tokenize(struct server *s, struct evhttp_request *req);

/* GET /metrics; arrived and received as for sreq_generate, for the
 * scrapes log. */
void ep_metrics(struct server *s, struct evhttp_request *req,
		int64_t arrived, int64_t received);

/* A 404 or 405 (code) with a JSON detail. */
void ep_not_found(struct server *s, struct evhttp_request *req, int code);

/* ---- keepalive.c ---- */

/* evhttp's timeout while a request is served: a day, in effect none
 * (see server_new). */
enum { KEEPALIVE_BUSY_S = 86400 };

/* 1 when req is past its connection's --keepalive-max: the connection is
 * then reset, req unanswered, and the caller does nothing more with it.
 * 0 otherwise (also without --keepalive-max, and when the table of
 * connections cannot grow: out of memory, the limit is not kept). */
int keepalive_past(struct server *s, struct evhttp_request *req,
		   struct bufferevent *bev);

/* With --keepalive-timeout: the long timeout while req is served, the
 * short one once it is answered. */
void keepalive_busy(struct server *s, struct evhttp_request *req);

#endif
