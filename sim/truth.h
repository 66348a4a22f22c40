#ifndef LLMSIM_TRUTH_H
#define LLMSIM_TRUTH_H
/*
 * The ground-truth log (docs/formats.md, "Truth log"): JSON Lines, one
 * object per request, written and flushed when the request ends. Times
 * are CLOCK_MONOTONIC ns read where each event happens.
 *
 * Ownership: truth_open's log is closed by truth_close; records are the
 * caller's.
 */
#include <stdint.h>
#include <stdio.h>

#include "err.h"

struct truth;

/* One request. A time of 0 means the event did not happen (written as
 * null). chunks holds nchunks pairs (ns, tokens). */
struct truth_rec {
	const char *id;
	const char *path;
	int64_t accepted_ns;  /* llmsim accepted its connection (its loop) */
	int64_t arrived_ns;   /* the kernel's stamp of the first bytes */
	int64_t received_ns, admitted_ns, first_chunk_ns, end_ns;
	long prompt_tokens, completion_tokens, preemptions;
	long cached_tokens;   /* prefix cache hit; -1 with caching off (null) */
	const char *fault;
	int status;
	const int64_t *chunks;
	size_t nchunks;
	/* Chunks (numbered from 1) whose bytes the kernel held unsent when
	 * llmsim handed them over (TCP's window was full), and whether the
	 * response's last bytes were: their stamps are not when they left. */
	const size_t *held;
	size_t nheld;
	int end_held;
};

/* One GET /metrics (--truth-scrapes): when its connection was accepted
 * and its bytes arrived (as truth_rec), when the counts on its page were
 * read (counted_ns: the page counts exactly the events stamped before),
 * and the write that handed the page to the kernel: written_ns read
 * before it (never late), sent_ns after it returned (over loopback the
 * reader's kernel has the bytes by then, unless its receive work was
 * deferred); held when bytes were left unsent (TCP's window), so they
 * left later. */
struct truth_scrape {
	int64_t accepted_ns, arrived_ns, received_ns, counted_ns;
	int64_t written_ns, sent_ns;
	int status;
	int held;
};

/* Opens (truncates) path. Returns 0 or ERR_IO naming it. */
int truth_open(const char *path, struct truth **out, struct err *e);

/* Appends one line and flushes it. Returns 0 or ERR_IO. */
int truth_write(struct truth *t, const struct truth_rec *r, struct err *e);

/* Appends one scrape's line and flushes it. Returns 0 or ERR_IO. */
int truth_write_scrape(struct truth *t, const struct truth_scrape *r, struct err *e);

/* Closes the file; returns 0 or ERR_IO when a write failed. */
int truth_close(struct truth *t, struct err *e);

#endif
