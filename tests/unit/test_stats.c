#include "check.h"

#include <stdlib.h>

#include "stats.h"

/* Expected values worked by hand with NumPy's default ("linear") rule:
 * h = (n - 1) * p / 100, x[floor h] + frac(h) * (x[floor h + 1] - x[floor h]). */
static void percentiles_match_numpy_linear(void **state)
{
	double a[] = {50, 15, 40, 20, 35}; /* sorted: 15 20 35 40 50 */
	struct stats_summary s;

	(void)state;
	stats_summarize(a, 5, &s);
	assert_int_equal(s.n, 5);
	assert_near(s.p50, 35.0, 1e-12);  /* h = 2 */
	assert_near(s.p90, 46.0, 1e-12);  /* h = 3.6: 40 + .6 * 10 */
	assert_near(s.p95, 48.0, 1e-12);  /* h = 3.8 */
	assert_near(s.p99, 49.6, 1e-12);  /* h = 3.96 */
	assert_near(stats_percentile_sorted(a, 5, 40), 29.0, 1e-12);
	assert_near(s.mean, 32.0, 1e-12);
	/* squares of deviations 289 144 9 64 324 = 830; / 5 = 166 */
	assert_near(s.std, sqrt(166.0), 1e-12);
	assert_near(s.min, 15, 0);
	assert_near(s.max, 50, 0);
}

static void even_sample(void **state)
{
	double b[] = {3.5, 1.25, 9.0, 2.0, 7.75, 4.5, 6.0, 0.5};

	(void)state;
	stats_sort(b, 8); /* 0.5 1.25 2 3.5 4.5 6 7.75 9 */
	assert_near(stats_percentile_sorted(b, 8, 50), 4.0, 1e-12);
	assert_near(stats_percentile_sorted(b, 8, 90), 8.125, 1e-12);
	assert_near(stats_percentile_sorted(b, 8, 10), 1.025, 1e-12);
	assert_near(stats_percentile_sorted(b, 8, 99), 8.9125, 1e-12);
	assert_near(stats_percentile_sorted(b, 8, 0), 0.5, 0);
	assert_near(stats_percentile_sorted(b, 8, 100), 9.0, 0);
}

static void single_and_empty(void **state)
{
	double one[] = {7};
	struct stats_summary s;

	(void)state;
	stats_summarize(one, 1, &s);
	assert_near(s.p99, 7, 0);
	assert_near(s.std, 0, 0);
	stats_summarize(NULL, 0, &s);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.mean) && isnan(s.p50) && isnan(s.min));
}

/* The float version gives the double version's figures on values that
 * floats hold exactly. */
static void float_sample(void **state)
{
	float f[] = {50, 15, 40, 20, 35};
	struct stats_summary s;

	(void)state;
	stats_summarize_f(f, 5, &s);
	assert_int_equal(s.n, 5);
	assert_near(s.p50, 35.0, 1e-12);
	assert_near(s.p90, 46.0, 1e-12);
	assert_near(s.p99, 49.6, 1e-12);
	assert_near(s.mean, 32.0, 1e-12);
	assert_near(s.std, sqrt(166.0), 1e-12);
	assert_near(s.min, 15, 0);
	assert_near(s.max, 50, 0);
	assert_true(f[0] == 15 && f[4] == 50);
	stats_summarize_f(NULL, 0, &s);
	assert_true(s.n == 0 && isnan(s.p50) && isnan(s.std));
}

/* Large float samples take the radix path: it must order negatives,
 * zeros and positives as qsort does. */
static void float_sort_large(void **state)
{
	size_t n = 20000, i;
	float *v = malloc(n * sizeof *v);
	double *d = malloc(n * sizeof *d);
	struct stats_summary s, t;
	uint32_t x = 12345;

	(void)state;
	assert_non_null(v);
	assert_non_null(d);
	for (i = 0; i < n; i++) {
		x = x * 1664525u + 1013904223u;
		v[i] = (float)((int32_t)(x >> 8) - (1 << 23)) / 1024.0f;
		if (i % 97 == 0)
			v[i] = 0.0f;
		d[i] = v[i];
	}
	stats_summarize_f(v, n, &s);
	stats_summarize(d, n, &t);
	for (i = 1; i < n; i++)
		assert_true(v[i - 1] <= v[i]);
	for (i = 0; i < n; i++)
		assert_true((double)v[i] == d[i]);
	assert_near(s.p50, t.p50, 1e-9);
	assert_near(s.p99, t.p99, 1e-9);
	assert_near(s.mean, t.mean, 1e-6);
	free(v);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(percentiles_match_numpy_linear),
		cmocka_unit_test(even_sample),
		cmocka_unit_test(single_and_empty),
		cmocka_unit_test(float_sample),
		cmocka_unit_test(float_sort_large),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
