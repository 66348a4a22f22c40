#include <string.h>
#include "check.h"

#include "buf.h"

static void grows_and_terminates(void **state)
{
	struct buf b = BUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_add(&b, "ab", 2, NULL), 0);
	assert_int_equal(b.len, 2000);
	assert_int_equal(b.p[2000], '\0');
	assert_int_equal(buf_printf(&b, NULL, "%d-%s", 42, "x"), 0);
	assert_string_equal(b.p + 2000, "42-x");
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.p, "");
	buf_free(&b);
	assert_null(b.p);
}

static void refuses_past_cap(void **state)
{
	struct buf b = BUF_INIT;
	struct err e;

	(void)state;
	b.max = 10;
	assert_int_equal(buf_adds(&b, "0123456789", &e), 0);
	assert_int_equal(buf_add(&b, "x", 1, &e), ERR_DATA);
	assert_non_null(strstr(e.msg, "10 bytes"));
	assert_int_equal(b.len, 10);
	buf_free(&b);
	assert_int_equal(b.max, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grows_and_terminates),
		cmocka_unit_test(refuses_past_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
