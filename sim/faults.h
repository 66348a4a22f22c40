#ifndef LLMSIM_FAULTS_H
#define LLMSIM_FAULTS_H
/*
 * Fault injection: at most one fault per request, drawn from the server's
 * seeded fault stream in arrival order, so a seed gives the same faults to
 * the same sequence of requests.
 */
#include "conf.h"
#include "rng.h"

enum fault {
	FAULT_NONE,
	FAULT_FAIL,        /* HTTP 500 before streaming */
	FAULT_RATE_LIMIT,  /* HTTP 429 with Retry-After */
	FAULT_DISCONNECT,  /* connection cut mid-stream */
	FAULT_STALL,       /* a pause of stall_ms mid-stream */
	FAULT_GARBAGE,     /* an invalid JSON event mid-stream */
	FAULT_ERROR_EVENT, /* an error object inside the stream, which ends */
	FAULT_CLIENT_GONE, /* not injected: the client went away */
	FAULT_TIMEOUT,     /* not injected: the request time cap was reached */
	FAULT_SHUTDOWN,    /* not injected: llmsim stopped mid-request */
};

/* Draws the fault for the next request, and *where, the point of a
 * mid-stream fault (for fault_at): two draws per request whatever the
 * rates and whether it streams, so the n-th request's fault and its point
 * depend only on the seed and n. */
enum fault fault_pick(const struct sim_conf *c, struct rng *r, double *where);

/* The token index (0-based, < out) at which a mid-stream fault strikes,
 * from fault_pick's where: a uniform point in the first half of the
 * stream, so the client has text before it and more after. */
long fault_at(double where, long out);

/* "none", "fail", ... as in the truth log. */
const char *fault_name(enum fault f);

#endif
