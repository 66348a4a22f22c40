#ifndef LLMBENCH_STATS_H
#define LLMBENCH_STATS_H
/*
 * Statistics over a sample of doubles, shared by llmrun's end-of-step
 * summary and llmanalyze so the two never disagree.
 *
 * Definitions (the same numbers NumPy gives by default):
 *   mean  sum / n
 *   std   population standard deviation, sqrt(sum((x - mean)^2) / n)
 *         (numpy.std, ddof = 0)
 *   pP    linear interpolation between closest ranks (numpy.percentile,
 *         method "linear"): h = (n - 1) * P / 100 on the sorted sample,
 *         x[floor h] + (h - floor h) * (x[floor h + 1] - x[floor h])
 * An empty sample has n = 0 and every other field NaN.
 *
 * Arrays are borrowed; stats_summarize sorts its array in place.
 */
#include <stddef.h>

struct stats_summary {
	size_t n;
	double mean, std, min, max;
	double p50, p90, p95, p99;
};

/* Percentile p (0..100) of a sorted array, as above; NaN when n is 0. */
double stats_percentile_sorted(const double *sorted, size_t n, double p);

/* Sorts v ascending (NaNs are not allowed in v). */
void stats_sort(double *v, size_t n);

/* Fills out for v[0..n); sorts v in place. */
void stats_summarize(double *v, size_t n, struct stats_summary *out);

/* The same for a float sample (large samples such as every inter-chunk
 * gap of a run, kept as floats to halve their memory): sorts v in place;
 * sums, means and interpolation are done in double. */
void stats_summarize_f(float *v, size_t n, struct stats_summary *out);

double stats_mean(const double *v, size_t n);

/* Population standard deviation (ddof = 0). */
double stats_std(const double *v, size_t n);

#endif
