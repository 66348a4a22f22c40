#ifndef LLMBENCH_BOOT_H
#define LLMBENCH_BOOT_H
/*
 * Bootstrap replicates of a sample's statistics, for confidence intervals
 * (the percentile bootstrap: a 95% interval is the 2.5th and 97.5th
 * percentiles of many replicates). Every draw comes from a caller's
 * seeded generator (lib/rng.h), so a seed gives the same intervals on
 * every machine.
 *
 * Percentiles follow lib/stats.h's definition (linear interpolation
 * between closest ranks). A replicate of a percentile is drawn exactly,
 * without building the resample: resampling n values of the sorted
 * sample x with replacement is taking x[floor(n U)] for n uniform U, a
 * map that keeps order, so the resample's j-th smallest value is
 * x[floor(n U(j))] with U(j) the j-th smallest of n uniforms, which is
 * Beta(j, n - j + 1); the next order statistic follows from the
 * smallest of the n - j uniforms above U(j). Each replicate costs O(1)
 * after one sort, so a million-row sample takes as long as a small one.
 *
 * Arrays are borrowed; nothing here allocates except boot_interval's
 * sort, which works in the caller's array.
 */
#include <stddef.h>

#include "rng.h"

/* Above this many values a mean's replicate is drawn from its normal
 * limit (mean, sd / sqrt(n)) instead of a resample: at that size the
 * bootstrap distribution of a mean is that normal to well within the
 * interval's own Monte Carlo error, and resampling 2,000 times a million
 * values would take minutes. */
#define BOOT_MEAN_EXACT_MAX 20000

/* One bootstrap replicate of percentile p (0..100) of sorted[0..n),
 * sorted ascending. NaN when n is 0. */
double boot_percentile(struct rng *r, const double *sorted, size_t n, double p);

/* One bootstrap replicate of the mean of v[0..n): the mean of n values
 * drawn with replacement when n <= BOOT_MEAN_EXACT_MAX, else a draw from
 * the normal limit with mean `mean` and population sd `sd` (the sample's,
 * passed in so they are computed once). NaN when n is 0. */
double boot_mean(struct rng *r, const double *v, size_t n, double mean, double sd);

/* The central `level` (e.g. 0.95) interval of replicates d[0..n): their
 * (1 - level) / 2 and (1 + level) / 2 percentiles. Sorts d in place.
 * NaN bounds when n is 0 or d holds a NaN. */
void boot_interval(double *d, size_t n, double level, double *lo, double *hi);

#endif
