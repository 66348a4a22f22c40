#include "check.h"

#include "num.h"

static void decimals_read(void **state)
{
	static const struct { const char *s; double v; } ok[] = {
		{"0", 0}, {"12", 12}, {"-3", -3}, {"+4", 4}, {"0.5", 0.5},
		{".5", 0.5}, {"5.", 5}, {"1e3", 1000}, {"2.5E-1", 0.25},
		{"1e+2", 100}, {"007", 7},
	};
	double x;

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		x = -1;
		assert_int_equal(num_decimal(ok[i].s, &x), 0);
		assert_true(x == ok[i].v);
	}
}

/* What strtod takes and a data file must not hold. */
/* An item of a list, by its length. */
static void spans_read(void **state)
{
	double x;

	(void)state;
	assert_int_equal(num_decimal_span("2.5,4", 3, &x), 0);
	assert_true(x == 2.5);
	assert_int_equal(num_decimal_span("2.5,4", 4, &x), -1);
	assert_int_equal(num_decimal_span("", 0, &x), -1);
}

static void others_refused(void **state)
{
	static const char *const bad[] = {
		"", " 1", "1 ", "0x10", "0X1p3", "inf", "-inf", "nan", "NaN",
		"infinity", ".", "-", "+", "e3", "1e", "1e+", "1.2.3", "1,5",
		"1e999", "-1e400", "12abc", "\t2",
	};
	double x;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(num_decimal(bad[i], &x), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decimals_read),
		cmocka_unit_test(others_refused),
		cmocka_unit_test(spans_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
