#include "check.h"

#include "rng.h"

static void same_seed_same_sequence(void **state)
{
	struct rng a, b, c;
	int i, differ = 0;

	(void)state;
	rng_seed(&a, 42);
	rng_seed(&b, 42);
	rng_seed(&c, 43);
	for (i = 0; i < 1000; i++) {
		uint64_t x = rng_next(&a);
		assert_true(x == rng_next(&b));
		differ += x != rng_next(&c);
	}
	assert_true(differ > 990);
}

/* Pins the algorithm: a corpus made today must be remade identically by
 * later releases, so the first outputs of seed 0 may never change.
 * (splitmix64(0) gives 0xe220a8397b1dcdaf, the published first value.) */
/* Pins the algorithm: a corpus made today must be remade identically by
 * later releases, so the first outputs of seed 0 may never change.
 * splitmix64(0) = 0xe220a8397b1dcdaf is the published first value. */
static void sequence_is_pinned(void **state)
{
	struct rng r;

	(void)state;
	rng_seed(&r, 0);
	assert_true(r.s[0] == 0xe220a8397b1dcdafULL);
	assert_true(rng_next(&r) == 0x99ec5f36cb75f2b4ULL);
	assert_true(rng_next(&r) == 0xbf6e1f784956452aULL);
	assert_true(rng_next(&r) == 0x1a5f849d4933e6e0ULL);
}

static void streams_are_independent(void **state)
{
	struct rng s0, s1, base;
	int i, same = 0;

	(void)state;
	rng_stream(&s0, 7, 0);
	rng_seed(&base, 7);
	rng_stream(&s1, 7, 1);
	for (i = 0; i < 100; i++) {
		uint64_t x = rng_next(&s0);
		assert_true(x == rng_next(&base));
		same += x == rng_next(&s1);
	}
	assert_int_equal(same, 0);
}

static void distributions_have_their_moments(void **state)
{
	struct rng r;
	double sum = 0, sq = 0, x, g = 0, ex = 0;
	int i, n = 200000, lo = 0;

	(void)state;
	rng_seed(&r, 1);
	for (i = 0; i < n; i++) {
		x = rng_normal(&r, 10, 2);
		sum += x;
		sq += x * x;
		g += rng_gamma(&r, 0.5, 4.0);   /* mean 2 */
		ex += rng_exponential(&r, 4.0); /* mean 0.25 */
		x = rng_uniform(&r);
		assert_true(x >= 0 && x < 1);
		lo += rng_range(&r, 3, 5) == 3;
	}
	assert_near(sum / n, 10, 0.05);
	assert_near(sqrt(sq / n - (sum / n) * (sum / n)), 2, 0.05);
	assert_near(g / n, 2.0, 0.05);
	assert_near(ex / n, 0.25, 0.005);
	assert_near((double)lo / n, 1.0 / 3, 0.01);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_seed_same_sequence),
		cmocka_unit_test(sequence_is_pinned),
		cmocka_unit_test(streams_are_independent),
		cmocka_unit_test(distributions_have_their_moments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
