#include "check.h"

#include <string.h>

#include "../../sim/faults.h"
#include "../../sim/profile.h"

static void rates_are_honoured(void **state)
{
	struct sim_conf c;
	struct rng r;
	double w;
	int n[FAULT_SHUTDOWN + 1] = { 0 }, i;

	(void)state;
	memset(&c, 0, sizeof c);
	c.fail_rate = 0.1;
	c.rate_limit_rate = 0.2;
	c.garbage_rate = 0.05;
	rng_seed(&r, 9);
	for (i = 0; i < 100000; i++)
		n[fault_pick(&c, &r, &w)]++;
	/* Binomial sd at n = 1e5 is under 0.13%: 1% margins never flake. */
	assert_near(n[FAULT_FAIL] / 1e5, 0.1, 0.01);
	assert_near(n[FAULT_RATE_LIMIT] / 1e5, 0.2, 0.01);
	assert_near(n[FAULT_GARBAGE] / 1e5, 0.05, 0.01);
	assert_near(n[FAULT_NONE] / 1e5, 0.65, 0.01);
	assert_int_equal(n[FAULT_DISCONNECT] + n[FAULT_STALL] + n[FAULT_ERROR_EVENT], 0);
}

static void seeded(void **state)
{
	struct sim_conf c;
	struct rng a, b;
	double w;
	int i;

	(void)state;
	memset(&c, 0, sizeof c);
	c.disconnect_rate = 0.5;
	rng_seed(&a, 4);
	rng_seed(&b, 4);
	for (i = 0; i < 1000; i++)
		assert_int_equal(fault_pick(&c, &a, &w), fault_pick(&c, &b, &w));
}

static void strikes_in_the_first_half(void **state)
{
	struct rng r;
	int i;

	(void)state;
	rng_seed(&r, 1);
	for (i = 0; i < 1000; i++) {
		long at = fault_at(rng_uniform(&r), 40);

		assert_true(at >= 0 && at < 20);
	}
	assert_int_equal(fault_at(0.999999999, 40), 19);
	assert_int_equal(fault_at(0.5, 1), 0);
	assert_string_equal(fault_name(FAULT_ERROR_EVENT), "error_event");
	assert_string_equal(fault_name(FAULT_CLIENT_GONE), "client_gone");
}

static void presets(void **state)
{
	struct profile p;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(profile_get("a100", &p, &e), 0);
	assert_int_equal(p.max_num_seqs, 256);
	assert_int_equal(p.max_batched, 2048);
	assert_int_equal(profile_get("h100", &p, &e), 0);
	assert_int_equal(p.max_num_seqs, 1024);
	assert_int_equal(profile_get("tpu", &p, &e), ERR_USAGE);
	assert_non_null(strstr(e.msg, "h100"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rates_are_honoured),
		cmocka_unit_test(seeded),
		cmocka_unit_test(strikes_in_the_first_half),
		cmocka_unit_test(presets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
