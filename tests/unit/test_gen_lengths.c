#include "check.h"

#include <string.h>

#include "../../gen/lengths.h"

static void parses_each_form(void **state)
{
	struct len_list l;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(len_parse("1024", "--input-tokens", &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kind, LEN_FIXED);
	assert_near(l.v[0].a, 1024, 0);
	len_free(&l);

	assert_int_equal(len_parse("512:2048", "x", &l, &e), 0);
	assert_int_equal(l.v[0].kind, LEN_UNIFORM);
	assert_near(l.v[0].a, 512, 0);
	assert_near(l.v[0].b, 2048, 0);
	len_free(&l);

	assert_int_equal(len_parse("normal:1000,200", "x", &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kind, LEN_NORMAL);
	assert_near(l.v[0].b, 200, 0);
	assert_string_equal(l.v[0].label, "normal:1000,200");
	len_free(&l);

	assert_int_equal(len_parse("lognormal:6.5,0.4", "x", &l, &e), 0);
	assert_int_equal(l.v[0].kind, LEN_LOGNORMAL);
	assert_near(l.v[0].a, 6.5, 0);
	len_free(&l);

	/* mean/sd form: the log-space parameters must give back the mean. */
	assert_int_equal(len_parse("lognormal:mean=1000,sd=300", "x", &l, &e), 0);
	assert_near(len_mean(&l.v[0]), 1000, 1e-9);
	len_free(&l);
}

static void comma_list_is_a_sweep(void **state)
{
	struct len_list l;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(len_parse("128,512,2048,8192", "x", &l, &e), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[2].label, "2048");
	assert_near(l.v[3].a, 8192, 0);
	len_free(&l);
	assert_int_equal(len_parse("10:20,100:200", "x", &l, &e), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[1].kind, LEN_UNIFORM);
	assert_string_equal(l.v[1].label, "100:200");
	len_free(&l);
}

static void rejects_bad_specs(void **state)
{
	static const char *const bad[] = {
		"", "0", "-5", "abc", "12x", "1,,2", "1,", "20:10", ":5", "5:",
		"normal:1000", "normal:-1,5", "normal:100,-1", "normal:a,b",
		"lognormal:6", "lognormal:6,-1", "lognormal:mean=0,sd=1",
		"lognormal:mean=10", "gamma:1,2", "2000000", " 5", "+5",
	};
	struct len_list l;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err_clear(&e);
		if (len_parse(bad[i], "--output-tokens", &l, &e) != ERR_USAGE)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(e.msg, "--output-tokens"));
		assert_null(l.v);
	}
}

/* Draws many values and compares their mean and spread with the spec. */
static void samples_follow_the_distribution(void **state)
{
	static const struct {
		const char *spec;
		double mean, tol, lo, hi;
	} cases[] = {
		{ "700", 700, 0, 700, 700 },
		{ "500:800", 650, 3, 500, 800 },
		{ "normal:1000,200", 1000, 4, 1, 1048576 },
		{ "lognormal:mean=1000,sd=300", 1000, 6, 1, 1048576 },
		/* Clipped at 1: no draw is below 1 and the mean rises to
		 * E[max(X, 1)] = P(X < 1) + 5 P(X >= 1) + 50 phi(0.08) = 23.0. */
		{ "normal:5,50", 23, 0.8, 1, 1048576 },
	};
	const int n = 20000;

	(void)state;
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		struct len_list l;
		struct err e = { 0 };
		struct rng r;
		double sum = 0;
		long min = LEN_MAX, max = 0;

		assert_int_equal(len_parse(cases[c].spec, "x", &l, &e), 0);
		rng_seed(&r, 99);
		for (int i = 0; i < n; i++) {
			long v = len_sample(&l.v[0], &r);

			sum += (double)v;
			min = v < min ? v : min;
			max = v > max ? v : max;
		}
		if (!(fabs(sum / n - cases[c].mean) <= cases[c].tol))
			fail_msg("%s: mean %g, wanted %g +- %g", cases[c].spec, sum / n,
				 cases[c].mean, cases[c].tol);
		assert_true(min >= cases[c].lo && max <= cases[c].hi);
		len_free(&l);
	}
}

static void same_seed_same_draws(void **state)
{
	struct len_list l;
	struct err e = { 0 };
	struct rng a, b;

	(void)state;
	assert_int_equal(len_parse("normal:300,80", "x", &l, &e), 0);
	rng_seed(&a, 5);
	rng_seed(&b, 5);
	for (int i = 0; i < 100; i++)
		assert_int_equal(len_sample(&l.v[0], &a), len_sample(&l.v[0], &b));
	len_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_each_form),
		cmocka_unit_test(comma_list_is_a_sweep),
		cmocka_unit_test(rejects_bad_specs),
		cmocka_unit_test(samples_follow_the_distribution),
		cmocka_unit_test(same_seed_same_draws),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
