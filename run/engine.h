#ifndef LLMRUN_ENGINE_H
#define LLMRUN_ENGINE_H
/*
 * The request engine: one thread, libcurl's multi socket API on epoll,
 * a timerfd for libcurl's timeouts and one for scheduled sends. Only the
 * sockets that are ready are touched on a wake-up, so the cost per chunk
 * does not grow with the number of streams.
 *
 * Each chunk is stamped once, on the monotonic clock: by default with the
 * kernel's receive time of the bytes (SO_TIMESTAMPNS, returned with
 * libcurl's own read: recvstamp.h; or read by peeking at the socket before
 * libcurl reads it), so the time the loop takes to reach a socket in a
 * burst is not counted; with --stamp read, or where the kernel gives none,
 * when the bytes reach the write callback. That stamp goes through the SSE
 * parser and the dialect into the row. Every request issued gets exactly
 * one row, written when it ends (or when it is cancelled).
 *
 * Ownership: eng_new returns an engine released by eng_free; it borrows
 * everything in struct eng_ctx for its lifetime.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "corpus.h"
#include "err.h"
#include "options.h"
#include "progress.h"
#include "record.h"
#include "session.h"

/* Counts the tokens of text (a tokenizer); returns 0 or an ERR_ code. */
typedef int (*eng_count_fn)(void *tok, const char *text, size_t len,
			    size_t *count, struct err *e);

struct eng_ctx {
	const struct opts *o;
	const struct opts_target *t;
	const struct corpus *c;
	struct rec *rec;
	const char *run_id;
	const volatile sig_atomic_t *stop; /* 1: stop sending; 2: cancel now */
	eng_count_fn count;                /* NULL without a tokenizer */
	void *tok;
	FILE *samples; /* where --show-samples prints (stderr) */
	/* A conversation corpus's sessions (session.h), NULL for single
	 * turns: its live state is the engine's while a step runs. */
	struct sess *sess;
};

/* One step of the load. */
struct eng_step {
	const char *kind;     /* batch, rate, trace */
	double value;         /* batch size or rate (requests/s) */
	const char *schedule; /* as written in the rows */
	long batch;           /* closed loop: requests in flight; 0 open loop */
	int waves;            /* closed loop in lockstep waves */
	const int64_t *times; /* open loop: send offsets (ns) from the start */
	size_t ntimes;
	const size_t *rows;   /* trace: the corpus row of each send */
	long max_inflight;    /* open loop: at most this many in flight (a
			       * later arrival waits, its wait in
			       * client_lag_ms); 0 no cap */
	long requests;        /* closed loop: sends after warmup; 0 no limit */
	int64_t duration_ns;  /* closed loop: no send after this; 0 none */
	long warmup;          /* the first sends that are warmup */
	long conversations;   /* sessions: conversations to start (one pass),
			       * 0 no limit */
};

struct eng;

/* Returns 0, or ERR_SOFTWARE (libcurl, epoll or timerfd setup failed). */
int eng_new(const struct eng_ctx *cx, struct eng **out, struct err *e);

/*
 * Runs one step to its end: every send made and every request ended.
 * Returns 0; ERR_IO when a row could not be written (the run must stop);
 * ERR_UNAVAILABLE when more than --max-errors requests failed (sending
 * stopped, requests in flight ended normally). *interrupted is set when
 * the stop flag ended the step early.
 */
int eng_run_step(struct eng *g, const struct eng_step *s, struct prog *pg,
		 int *interrupted, struct err *e);

void eng_free(struct eng *g);

#endif
