#include <string.h>
#include "check.h"

#include <stdlib.h>

#include "../../run/sched.h"

static void sizes(void **state)
{
	long *v = NULL;
	size_t n = 0;
	struct err e;

	(void)state;
	assert_int_equal(sched_parse_sizes("1,2,4,8", &v, &n, &e), 0);
	assert_int_equal(n, 4);
	assert_int_equal(v[3], 8);
	free(v);
	assert_int_equal(sched_parse_sizes("1..64", &v, &n, &e), 0);
	assert_int_equal(n, 7);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[6], 64);
	free(v);
	assert_int_equal(sched_parse_sizes("1..100", &v, &n, &e), 0);
	assert_int_equal(n, 7); /* doubling stops at 64 */
	free(v);
	assert_int_equal(sched_parse_sizes("1..16:1", &v, &n, &e), 0);
	assert_int_equal(n, 16);
	assert_int_equal(v[15], 16);
	free(v);
	assert_int_equal(sched_parse_sizes("4..20:8", &v, &n, &e), 0);
	assert_int_equal(n, 3); /* 4 12 20 */
	assert_int_equal(v[2], 20);
	free(v);
	/* Doubling or a step past LONG_MAX ends the list (it wrapped). */
	assert_int_equal(sched_parse_sizes("4611686018427387904..9223372036854775807", &v, &n, &e), 0);
	assert_int_equal(n, 1);
	free(v);
	assert_int_equal(sched_parse_sizes("9223372036854775806..9223372036854775807:5", &v, &n, &e), 0);
	assert_int_equal(n, 1);
	free(v);
	assert_int_equal(sched_parse_sizes("0,1", &v, &n, &e), ERR_USAGE);
	assert_int_equal(sched_parse_sizes("8..4", &v, &n, &e), ERR_USAGE);
	assert_int_equal(sched_parse_sizes("1,,2", &v, &n, &e), ERR_USAGE);
	assert_int_equal(sched_parse_sizes("1..x", &v, &n, &e), ERR_USAGE);
	assert_int_equal(sched_parse_sizes("", &v, &n, &e), ERR_USAGE);
}

static void rates_and_ramps(void **state)
{
	struct sched_rate s = {0};
	double *v;
	size_t n;
	struct err e;

	(void)state;
	assert_int_equal(sched_parse_rates("0.5,2", &v, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_near(v[0], 0.5, 0);
	free(v);
	assert_int_equal(sched_parse_rates("0", &v, &n, &e), ERR_USAGE);
	assert_int_equal(sched_parse_rates("nan", &v, &n, &e), ERR_USAGE);
	/* What strtod took: hex (16 req/s), a space. */
	assert_int_equal(sched_parse_rates("0x10", &v, &n, &e), ERR_USAGE);
	assert_int_equal(sched_parse_rates("1, 5", &v, &n, &e), ERR_USAGE);
	assert_int_equal(sched_parse_rates("2.5,1e3", &v, &n, &e), 0);
	assert_int_equal(n, 2);
	free(v);
	assert_int_equal(sched_parse_ramp("linear:1:10", &s, &e), 0);
	assert_int_equal(s.ramp, RAMP_LINEAR);
	assert_near(s.ramp_end, 10, 0);
	assert_int_equal(sched_parse_ramp("exp:2:8", &s, &e), 0);
	assert_int_equal(s.ramp, RAMP_EXP);
	assert_int_equal(sched_parse_ramp("step:1:2", &s, &e), ERR_USAGE);
	assert_int_equal(sched_parse_ramp("linear:1", &s, &e), ERR_USAGE);
	assert_int_equal(sched_parse_ramp("linear:0x1:0x2", &s, &e), ERR_USAGE);
	assert_int_equal(sched_parse_ramp("linear:1: 2", &s, &e), ERR_USAGE);
	assert_int_equal(sched_parse_ramp("linear:0:3", &s, &e), ERR_USAGE);
}

/* Poisson at 100/s: mean gap 10 ms and coefficient of variation near 1;
 * constant: exactly 10 ms; gamma with k = 0.25: cv near 2. Times start at
 * 0, ascend, and the same seed gives the same times. */
static double cv_of(const int64_t *t, size_t n, double *mean)
{
	double s = 0, s2 = 0;

	for (size_t i = 1; i < n; i++) {
		double g = (double)(t[i] - t[i - 1]);

		s += g;
		s2 += g * g;
	}
	*mean = s / (double)(n - 1);
	return sqrt(s2 / (double)(n - 1) - *mean * *mean) / *mean;
}

static void arrivals(void **state)
{
	struct sched_rate s = {.rate = 100, .arr = ARR_POISSON, .burstiness = 1};
	int64_t *t, *t2;
	size_t n, n2;
	struct rng r;
	struct err e;
	double mean, cv;

	(void)state;
	rng_seed(&r, 7);
	assert_int_equal(sched_times(&s, &r, 20000, 0, &t, &n, &e), 0);
	assert_int_equal(n, 20000);
	assert_int_equal(t[0], 0);
	for (size_t i = 1; i < n; i++)
		assert_true(t[i] >= t[i - 1]);
	cv = cv_of(t, n, &mean);
	assert_near(mean, 1e7, 3e5);
	assert_near(cv, 1, 0.05);
	rng_seed(&r, 7);
	assert_int_equal(sched_times(&s, &r, 20000, 0, &t2, &n2, &e), 0);
	assert_memory_equal(t, t2, n * sizeof *t);
	free(t);
	free(t2);

	s.arr = ARR_CONSTANT;
	assert_int_equal(sched_times(&s, &r, 0, 1000000000, &t, &n, &e), 0);
	assert_int_equal(n, 100); /* 0, 10 ms, ... 990 ms */
	assert_int_equal(t[99], 990000000);
	free(t);

	s.arr = ARR_GAMMA;
	s.burstiness = 0.25;
	assert_int_equal(sched_times(&s, &r, 40000, 0, &t, &n, &e), 0);
	cv = cv_of(t, n, &mean);
	assert_near(mean, 1e7, 5e5);
	assert_near(cv, 2, 0.15);
	free(t);
	assert_int_equal(sched_times(&s, &r, 0, 0, &t, &n, &e), ERR_USAGE);

	/* A rate so low that the second send would be due after 285 years:
	 * refused, not a step of one request; with a --duration too, the
	 * step ends at it (whichever comes first). */
	s.arr = ARR_CONSTANT;
	s.rate = 1e-12;
	assert_int_equal(sched_times(&s, &r, 5, 0, &t, &n, &e), ERR_USAGE);
	assert_non_null(strstr(e.msg, "send 2 of 5"));
	assert_int_equal(sched_times(&s, &r, 5, 2000000000, &t, &n, &e), 0);
	assert_int_equal(n, 1);
	free(t);
}

/* A linear ramp from 10 to 30 req/s over 10 s sends about 200 requests,
 * with a quarter of them... in the first half: integral 10t + t^2 over
 * [0,5] = 75 of 200. Exponential 10 -> 40 over N: the span is
 * N ln 4 / 30. */
static void ramps(void **state)
{
	struct sched_rate s = {.arr = ARR_CONSTANT, .burstiness = 1,
			       .ramp = RAMP_LINEAR, .ramp_start = 10, .ramp_end = 30};
	int64_t *t;
	size_t n, first_half = 0;
	struct rng r;
	struct err e;

	(void)state;
	rng_seed(&r, 1);
	assert_int_equal(sched_times(&s, &r, 0, 10 * 1000000000LL, &t, &n, &e), 0);
	assert_true(n >= 199 && n <= 201);
	for (size_t i = 0; i < n; i++)
		first_half += t[i] < 5 * 1000000000LL;
	assert_true(first_half >= 74 && first_half <= 76);
	free(t);
	s.ramp = RAMP_EXP;
	s.ramp_end = 40;
	assert_int_equal(sched_times(&s, &r, 300, 0, &t, &n, &e), 0);
	assert_int_equal(n, 300);
	assert_near((double)t[299] / 1e9, 300 * log(4.0) / 30, 0.1);
	free(t);
}

/* A falling ramp of --requests N, Poisson: every send is made, in order,
 * none two at one instant. Past the expected count the rate holds at its
 * end (it piled the last sends at the ramp's end, linear, or made fewer,
 * exp: 4 seeds in 10). */
static void falling_ramps(void **state)
{
	struct sched_rate s = {.arr = ARR_POISSON, .burstiness = 1,
			       .ramp_start = 100, .ramp_end = 1};
	int64_t *t;
	size_t n;
	struct rng r;
	struct err e;

	(void)state;
	for (int shape = 0; shape < 2; shape++) {
		s.ramp = shape ? RAMP_EXP : RAMP_LINEAR;
		for (uint64_t seed = 1; seed <= 10; seed++) {
			rng_seed(&r, seed);
			assert_int_equal(sched_times(&s, &r, 200, 0, &t, &n, &e), 0);
			assert_int_equal(n, 200);
			for (size_t i = 1; i < n; i++)
				assert_true(t[i] > t[i - 1]);
			free(t);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sizes),
		cmocka_unit_test(rates_and_ramps),
		cmocka_unit_test(arrivals),
		cmocka_unit_test(ramps),
		cmocka_unit_test(falling_ramps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
