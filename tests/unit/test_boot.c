#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "rng.h"
#include "stats.h"

#define B 20000

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The largest gap between the empirical CDFs of a[0..n) and b[0..n),
 * both sorted (the two-sample Kolmogorov-Smirnov statistic). */
static double ks(const double *a, const double *b, size_t n)
{
	size_t i = 0, j = 0;
	double d = 0, g;

	while (i < n && j < n) {
		double x = a[i] < b[j] ? a[i] : b[j];

		while (i < n && a[i] <= x)
			i++;
		while (j < n && b[j] <= x)
			j++;
		g = fabs((double)i - (double)j) / (double)n;
		if (g > d)
			d = g;
	}
	return d;
}

/* The textbook bootstrap: build a resample, take its percentile. */
static double naive(struct rng *r, const double *x, size_t n, double p, double *tmp)
{
	size_t i;

	for (i = 0; i < n; i++)
		tmp[i] = x[rng_below(r, n)];
	stats_sort(tmp, n);
	return stats_percentile_sorted(tmp, n, p);
}

/* boot_percentile's order-statistic draw has the distribution of the
 * textbook bootstrap's replicates: same CDF within what 20,000 draws of
 * each allow (KS at 0.1% is 0.0195), for an interpolated percentile
 * (p90 of 25: h = 21.6), an exact rank (p50 of 25) and the extremes.
 * An order statistic one off would move the CDF by about 0.15. */
static void percentile_matches_resampling(void **state)
{
	static const double ps[] = {50, 90, 99, 2.5, 0, 100};
	double x[25], tmp[25], *a = malloc(B * sizeof *a), *b = malloc(B * sizeof *b);
	struct rng r1, r2;
	size_t i, k;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	for (i = 0; i < 25; i++)
		x[i] = (double)(i * i) + 0.5 * (double)i; /* skewed, sorted */
	for (k = 0; k < sizeof ps / sizeof ps[0]; k++) {
		rng_seed(&r1, 11 + k);
		rng_seed(&r2, 101 + k);
		for (i = 0; i < B; i++) {
			a[i] = boot_percentile(&r1, x, 25, ps[k]);
			b[i] = naive(&r2, x, 25, ps[k], tmp);
		}
		qsort(a, B, sizeof *a, cmp_d);
		qsort(b, B, sizeof *b, cmp_d);
		if (ks(a, b, B) > 0.0195)
			fail_msg("p%g: KS distance %.4f between the two bootstraps", ps[k], ks(a, b, B));
		/* Every replicate of an exact rank is a sample value. */
		assert_true(a[0] >= x[0] && a[B - 1] <= x[24]);
	}
	free(a);
	free(b);
}

static void percentile_edges_and_seed(void **state)
{
	double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, one = 42, v[50];
	struct rng r;
	size_t i;

	(void)state;
	rng_seed(&r, 3);
	assert_true(isnan(boot_percentile(&r, x, 0, 50)));
	assert_near(boot_percentile(&r, &one, 1, 99), 42, 0);
	rng_seed(&r, 7);
	for (i = 0; i < 50; i++)
		v[i] = boot_percentile(&r, x, 10, 95);
	rng_seed(&r, 7);
	for (i = 0; i < 50; i++)
		assert_true(boot_percentile(&r, x, 10, 95) == v[i]); /* same seed, same draws */
}

/* Replicates of a mean centre on the sample mean with spread sd/sqrt(n),
 * by resampling and, past BOOT_MEAN_EXACT_MAX, by the normal limit. */
static void mean_replicates(void **state)
{
	size_t sizes[] = {200, BOOT_MEAN_EXACT_MAX + 1}, k, i, n;
	struct rng r;

	(void)state;
	for (k = 0; k < 2; k++) {
		double *x, *d = malloc(4000 * sizeof *d), m, sd, dm, dsd;

		n = sizes[k];
		x = malloc(n * sizeof *x);
		assert_non_null(x);
		assert_non_null(d);
		rng_seed(&r, 5);
		for (i = 0; i < n; i++)
			x[i] = rng_exponential(&r, 0.01); /* mean 100, skewed */
		m = stats_mean(x, n);
		sd = stats_std(x, n);
		for (i = 0; i < 4000; i++)
			d[i] = boot_mean(&r, x, n, m, sd);
		dm = stats_mean(d, 4000);
		dsd = stats_std(d, 4000);
		/* 4,000 replicates: the mean within 4 of its standard errors,
		 * the spread within 6%. */
		assert_near(dm, m, 4 * sd / sqrt((double)n) / sqrt(4000.0));
		assert_near(dsd / (sd / sqrt((double)n)), 1.0, 0.06);
		free(x);
		free(d);
	}
	assert_true(isnan(boot_mean(&r, NULL, 0, NAN, NAN)));
}

static void interval_bounds(void **state)
{
	double d[101], e[3] = {1, NAN, 2}, lo, hi;
	size_t i;

	(void)state;
	for (i = 0; i <= 100; i++)
		d[100 - i] = (double)i;
	boot_interval(d, 101, 0.95, &lo, &hi);
	assert_near(lo, 2.5, 1e-12);
	assert_near(hi, 97.5, 1e-12);
	boot_interval(e, 3, 0.95, &lo, &hi);
	assert_true(isnan(lo) && isnan(hi));
	boot_interval(d, 0, 0.95, &lo, &hi);
	assert_true(isnan(lo) && isnan(hi));
}

/* The interval does what it claims: over 400 samples of 200 from an
 * exponential, the 95% percentile-bootstrap interval of the median and of
 * the p90 holds the true value in 91% to 99% of them (binomial spread
 * of 400 trials at 95% is about 1.1%; a method that ignores the
 * sampling spread, or doubles it, falls outside). */
static void interval_coverage(void **state)
{
	static const double ps[] = {50, 90};
	double x[200], d[1000], lo, hi;
	struct rng data, r;
	size_t k, t, i, hit;

	(void)state;
	for (k = 0; k < 2; k++) {
		double truth = -log(1 - ps[k] / 100); /* exponential, rate 1 */

		rng_seed(&data, 99);
		rng_seed(&r, 1);
		for (t = hit = 0; t < 400; t++) {
			for (i = 0; i < 200; i++)
				x[i] = rng_exponential(&data, 1.0);
			stats_sort(x, 200);
			for (i = 0; i < 1000; i++)
				d[i] = boot_percentile(&r, x, 200, ps[k]);
			boot_interval(d, 1000, 0.95, &lo, &hi);
			hit += lo <= truth && truth <= hi;
		}
		if (hit < 364 || hit > 396)
			fail_msg("p%g: %zu of 400 intervals hold the true value", ps[k], hit);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(percentile_matches_resampling),
		cmocka_unit_test(percentile_edges_and_seed),
		cmocka_unit_test(mean_replicates),
		cmocka_unit_test(interval_bounds),
		cmocka_unit_test(interval_coverage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
