#include "stats.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void stats_sort(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_double);
}

double stats_percentile_sorted(const double *sorted, size_t n, double p)
{
	double h, lo;
	size_t i;

	if (n == 0)
		return NAN;
	if (p <= 0)
		return sorted[0];
	if (p >= 100)
		return sorted[n - 1];
	h = (double)(n - 1) * p / 100.0;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (h - lo) * (sorted[i + 1] - sorted[i]);
}

double stats_mean(const double *v, size_t n)
{
	double sum = 0;
	size_t i;

	if (n == 0)
		return NAN;
	for (i = 0; i < n; i++)
		sum += v[i];
	return sum / (double)n;
}

double stats_std(const double *v, size_t n)
{
	double m = stats_mean(v, n), ss = 0, d;
	size_t i;

	if (n == 0)
		return NAN;
	/* Two passes: stable where sum of squares minus square of sums is not. */
	for (i = 0; i < n; i++) {
		d = v[i] - m;
		ss += d * d;
	}
	return sqrt(ss / (double)n);
}

void stats_summarize(double *v, size_t n, struct stats_summary *out)
{
	out->n = n;
	out->mean = stats_mean(v, n);
	out->std = stats_std(v, n);
	stats_sort(v, n);
	out->min = n ? v[0] : NAN;
	out->max = n ? v[n - 1] : NAN;
	out->p50 = stats_percentile_sorted(v, n, 50);
	out->p90 = stats_percentile_sorted(v, n, 90);
	out->p95 = stats_percentile_sorted(v, n, 95);
	out->p99 = stats_percentile_sorted(v, n, 99);
}
