#ifndef LLMBENCH_RNG_H
#define LLMBENCH_RNG_H
/*
 * A seeded, reproducible random generator: xoshiro256** seeded through
 * splitmix64. The algorithms are fixed, so a seed gives the same numbers
 * on every machine and every release (corpora stay byte-identical).
 *
 * Streams: rng_stream(seed, i) gives stream i of a seed; streams do not
 * overlap (each is 2^128 steps apart), so per-worker or per-request
 * generators stay independent of how work is divided.
 *
 * The struct is the caller's; nothing to free.
 */
#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seeds r; the same seed always gives the same sequence. */
void rng_seed(struct rng *r, uint64_t seed);

/* Stream number `stream` of `seed` (stream 0 equals rng_seed(seed)). */
void rng_stream(struct rng *r, uint64_t seed, uint64_t stream);

/* splitmix64's finaliser: every input bit moves every output bit, so
 * nearby values (an index, a key plus an index) make unrelated seeds. */
uint64_t rng_mix64(uint64_t x);

/* Advances r by 2^128 steps. */
void rng_jump(struct rng *r);

uint64_t rng_next(struct rng *r);

/* Uniform in [0, 1), 53 random bits. */
double rng_uniform(struct rng *r);

/* Uniform integer in [0, n), unbiased; 0 when n is 0. */
uint64_t rng_below(struct rng *r, uint64_t n);

/* Uniform integer in [lo, hi] (inclusive); lo when hi < lo. */
int64_t rng_range(struct rng *r, int64_t lo, int64_t hi);

/* Normal with mean and standard deviation sd (Box-Muller, one draw per
 * call so the sequence does not depend on call pairing). */
double rng_normal(struct rng *r, double mean, double sd);

/* exp(normal(mu, sigma)). */
double rng_lognormal(struct rng *r, double mu, double sigma);

/* Exponential with the given rate (mean 1/rate). */
double rng_exponential(struct rng *r, double rate);

/* Gamma with shape k > 0 and scale theta (Marsaglia-Tsang). */
double rng_gamma(struct rng *r, double k, double theta);

#endif
