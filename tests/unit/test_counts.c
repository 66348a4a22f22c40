#include "check.h"

#include <math.h>

#include "counts.h"

/* The Ctrl-C case of issue 12: 29 ok and one cancelled are 30 requests
 * with a success rate of 1 (the cancelled one is nobody's failure). */
static void cancelled_counts_as_request_not_failure(void **state)
{
	struct counts c = {0};
	int i;

	(void)state;
	for (i = 0; i < 29; i++)
		assert_int_equal(counts_add(&c, 0, 0, COUNTS_OK), 1);
	assert_int_equal(counts_add(&c, 0, 0, COUNTS_CANCELLED), 1);
	assert_int_equal(c.requests, 30);
	assert_int_equal(c.ok, 29);
	assert_int_equal(c.cancelled, 1);
	assert_int_equal(c.failed, 0);
	assert_near(counts_success_rate(&c), 1.0, 0);
}

static void warmup_and_retried_are_not_requests(void **state)
{
	struct counts c = {0};

	(void)state;
	assert_int_equal(counts_add(&c, 1, 0, COUNTS_OK), 0);
	assert_int_equal(counts_add(&c, 0, 1, COUNTS_FAILED), 0);
	assert_int_equal(counts_add(&c, 0, 0, COUNTS_FAILED), 1);
	assert_int_equal(counts_add(&c, 0, 0, COUNTS_OK), 1);
	assert_int_equal(counts_add(&c, 0, 0, COUNTS_OK), 1);
	assert_int_equal(c.requests, 3);
	assert_int_equal(c.failed, 1);
	assert_near(counts_success_rate(&c), 2.0 / 3.0, 1e-15);
}

static void nothing_ended_has_no_rate(void **state)
{
	struct counts c = {0};

	(void)state;
	assert_true(isnan(counts_success_rate(&c)));
	counts_add(&c, 0, 0, COUNTS_CANCELLED);
	assert_true(isnan(counts_success_rate(&c)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cancelled_counts_as_request_not_failure),
		cmocka_unit_test(warmup_and_retried_are_not_requests),
		cmocka_unit_test(nothing_ended_has_no_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
