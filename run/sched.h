#ifndef LLMRUN_SCHED_H
#define LLMRUN_SCHED_H
/*
 * Load specifications: the batch sizes of closed-loop steps and the send
 * times of open-loop (rate) steps. Send times are computed ahead, as
 * offsets from the step's start, so the engine only has to meet them and
 * the schedule never depends on how late earlier sends were.
 *
 * Ownership: arrays returned through out are malloc'd and the caller's.
 */
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rng.h"

/* Batch sizes: "1,2,4,8"; "1..64" (lo, 2lo, 4lo, ... up to hi); "1..16:1"
 * (lo to hi in steps of k). Every size is >= 1. Returns 0 or ERR_USAGE
 * naming the bad part. */
int sched_parse_sizes(const char *spec, long **out, size_t *n, struct err *e);

/* Rates in requests/s: "2.5" or "1,2,4" (each > 0). 0 or ERR_USAGE. */
int sched_parse_rates(const char *spec, double **out, size_t *n, struct err *e);

enum sched_ramp { RAMP_NONE, RAMP_LINEAR, RAMP_EXP };
enum sched_arrivals { ARR_POISSON, ARR_GAMMA, ARR_CONSTANT };

struct sched_rate {
	double rate;               /* requests/s (without a ramp) */
	enum sched_arrivals arr;   /* how gaps are drawn */
	double burstiness;         /* gamma shape k: 1 is Poisson, < 1 bursty */
	enum sched_ramp ramp;      /* the rate moves from ramp_start to ramp_end */
	double ramp_start, ramp_end; /* requests/s */
};

/* "linear:START:END" or "exp:START:END" (rates > 0). 0 or ERR_USAGE. */
int sched_parse_ramp(const char *spec, struct sched_rate *s, struct err *e);

/*
 * Send offsets in ns from the step start, ascending: max_n sends (0: no
 * count limit) and only offsets below horizon_ns (0: no time limit); one of
 * the two must be set. A ramp spans horizon_ns, or without one the time in
 * which max_n requests are expected. Returns 0, ERR_USAGE (no limit), or
 * ERR_SOFTWARE (out of memory, or more than 100 million sends).
 */
int sched_times(const struct sched_rate *s, struct rng *r, size_t max_n,
		int64_t horizon_ns, int64_t **out, size_t *n, struct err *e);

#endif
