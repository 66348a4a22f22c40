#include <string.h>
#include "check.h"

#include "../../run/steps.h"

/* What a step is called in the progress line and the metadata. */
static void labels(void **state)
{
	struct opts o = {0};
	struct opts_target t[2] = {{.name = "a"}, {.name = "b"}};
	struct eng_step batch = {.kind = "batch", .value = 4, .batch = 4};
	struct eng_step rate = {.kind = "rate", .value = 2.5};
	char l[64];

	(void)state;
	o.targets = t;
	o.ntargets = 1;
	steps_label(&o, 0, &batch, l, sizeof l);
	assert_string_equal(l, "batch=4");
	steps_label(&o, 0, &rate, l, sizeof l);
	assert_string_equal(l, "rate=2.5");
	/* several targets: the target's name first */
	o.ntargets = 2;
	steps_label(&o, 1, &batch, l, sizeof l);
	assert_string_equal(l, "b batch=4");
	/* a ramp's step is its span of rates, not its end; a batch step of
	 * the same run keeps its own name */
	o.ntargets = 1;
	o.rate.ramp = RAMP_EXP;
	o.rate.ramp_start = 1;
	o.rate.ramp_end = 8;
	steps_label(&o, 0, &rate, l, sizeof l);
	assert_string_equal(l, "ramp=exp:1:8");
	steps_label(&o, 0, &batch, l, sizeof l);
	assert_string_equal(l, "batch=4");
	/* cut to the room given */
	steps_label(&o, 0, &batch, l, 4);
	assert_string_equal(l, "bat");
}

/* How many sends the progress line expects: warmup included; -1 when a
 * duration ends the step. */
static void totals(void **state)
{
	int64_t times[7] = {0};
	struct eng_step counted = {.kind = "batch", .batch = 4, .requests = 20, .warmup = 4};
	struct eng_step timed = {.kind = "batch", .batch = 4, .duration_ns = 1000000000};
	struct eng_step open = {.kind = "rate", .times = times, .ntimes = 7};

	(void)state;
	assert_int_equal(steps_total(&counted, NULL), 24);
	assert_int_equal(steps_total(&timed, NULL), -1);
	assert_int_equal(steps_total(&open, NULL), 7);
}

/* The step from which the sweep's sends outnumber the corpus's rows. */
static void repeats(void **state)
{
	struct eng_step v[2] = {
		{.kind = "batch", .batch = 1, .requests = 10},
		{.kind = "batch", .batch = 2, .requests = 8, .warmup = 2},
	};
	struct stepset ss = {.v = v, .n = 2};
	long sent = -1;

	(void)state;
	assert_ptr_equal(steps_repeat_from(&ss, 15, &sent), &v[1]);
	assert_int_equal(sent, 20);
	assert_null(steps_repeat_from(&ss, 20, &sent));
	assert_int_equal(sent, 20);
	assert_ptr_equal(steps_repeat_from(&ss, 9, &sent), &v[0]);
	/* a step of a duration: not known ahead */
	v[1].requests = 0;
	v[1].warmup = 0;
	v[1].duration_ns = 1000000000;
	assert_null(steps_repeat_from(&ss, 5, &sent));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(labels),
		cmocka_unit_test(totals),
		cmocka_unit_test(repeats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
