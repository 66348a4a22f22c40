#include "check.h"

#include "clk.h"

static void monotonic_never_goes_back(void **state)
{
	int64_t prev = clk_mono_ns(), now;
	int i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		now = clk_mono_ns();
		assert_true(now >= prev);
		prev = now;
	}
}

static void anchor_maps_to_wall_clock(void **state)
{
	struct clk_anchor a = clk_anchor_now();
	int64_t w = clk_to_wall(&a, clk_mono_ns()), real = clk_wall_ns();

	(void)state;
	/* 2020-01-01 as a sanity floor; both readings within a second. */
	assert_true(w > 1577836800LL * CLK_NS_PER_S);
	assert_true(real - w < CLK_NS_PER_S && w - real < CLK_NS_PER_S);
	assert_int_equal(clk_to_wall(&a, a.mono_ns + 5), a.wall_ns + 5);
}

static void sleep_until_reaches_deadline(void **state)
{
	int64_t t0 = clk_mono_ns();

	(void)state;
	clk_sleep_until(t0 + 2 * CLK_NS_PER_MS, NULL);
	assert_true(clk_mono_ns() >= t0 + 2 * CLK_NS_PER_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(monotonic_never_goes_back),
		cmocka_unit_test(anchor_maps_to_wall_clock),
		cmocka_unit_test(sleep_until_reaches_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
