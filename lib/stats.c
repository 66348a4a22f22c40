#include "stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* Where percentile p falls in a sorted sample of n > 0: the value is
 * x[i] + frac * (x[i + 1] - x[i]), or x[i] alone when frac is 0. */
static size_t percentile_rank(size_t n, double p, double *frac)
{
	double h, lo;
	size_t i;

	*frac = 0;
	if (p <= 0)
		return 0;
	if (p >= 100)
		return n - 1;
	h = (double)(n - 1) * p / 100.0;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return n - 1;
	*frac = h - lo;
	return i;
}

double stats_percentile_sorted(const double *sorted, size_t n, double p)
{
	double f;
	size_t i;

	if (n == 0)
		return NAN;
	i = percentile_rank(n, p, &f);
	return f ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i];
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

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return (x > y) - (x < y);
}

static double percentile_sorted_f(const float *sorted, size_t n, double p)
{
	double f;
	size_t i;

	if (n == 0)
		return NAN;
	i = percentile_rank(n, p, &f);
	return f ? (double)sorted[i] + f * ((double)sorted[i + 1] - (double)sorted[i]) : sorted[i];
}

/* Order-preserving unsigned key of a float: flip the sign bit of
 * positives, every bit of negatives. */
static uint32_t float_key(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof u);
	return (u & 0x80000000u) ? ~u : u ^ 0x80000000u;
}

/* LSD radix sort, 11 bits a pass: samples of millions of gaps sort in a
 * fraction of qsort's time. Falls back to qsort when memory is short. */
static void sort_floats(float *v, size_t n)
{
	enum { BITS = 11, BUCKETS = 1 << BITS };
	size_t *count, i, sum, c;
	float *tmp, *src = v, *dst, *t;
	int pass;

	if (n < 4096) {
		if (n > 1)
			qsort(v, n, sizeof *v, cmp_float);
		return;
	}
	tmp = malloc(n * sizeof *tmp);
	count = malloc(BUCKETS * sizeof *count);
	if (!tmp || !count) {
		free(tmp);
		free(count);
		qsort(v, n, sizeof *v, cmp_float);
		return;
	}
	dst = tmp;
	for (pass = 0; pass < 3; pass++) {
		int shift = pass * BITS;

		memset(count, 0, BUCKETS * sizeof *count);
		for (i = 0; i < n; i++)
			count[(float_key(src[i]) >> shift) & (BUCKETS - 1)]++;
		for (i = sum = 0; i < BUCKETS; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(float_key(src[i]) >> shift) & (BUCKETS - 1)]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	/* Three passes: the sorted data ended in tmp. */
	memcpy(v, src, n * sizeof *v);
	free(tmp);
	free(count);
}

void stats_summarize_f(float *v, size_t n, struct stats_summary *out)
{
	double sum = 0, ss = 0, d, m;
	size_t i;

	for (i = 0; i < n; i++)
		sum += v[i];
	m = n ? sum / (double)n : NAN;
	for (i = 0; i < n; i++) {
		d = v[i] - m;
		ss += d * d;
	}
	out->n = n;
	out->mean = m;
	out->std = n ? sqrt(ss / (double)n) : NAN;
	sort_floats(v, n);
	out->min = n ? v[0] : NAN;
	out->max = n ? v[n - 1] : NAN;
	out->p50 = percentile_sorted_f(v, n, 50);
	out->p90 = percentile_sorted_f(v, n, 90);
	out->p95 = percentile_sorted_f(v, n, 95);
	out->p99 = percentile_sorted_f(v, n, 99);
}
