#include <string.h>
#include "check.h"

#include "err.h"

static void set_formats_and_returns_code(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(err_set(&e, ERR_DATA, "%s:%d:%d: expected a number", "in.csv", 12, 3), ERR_DATA);
	assert_int_equal(e.code, ERR_DATA);
	assert_string_equal(e.msg, "in.csv:12:3: expected a number");
	assert_int_equal(err_set(NULL, ERR_IO, "ignored"), ERR_IO);
}

static void prefix_adds_context(void **state)
{
	struct err e;

	(void)state;
	err_set(&e, ERR_NOINPUT, "no such file");
	assert_int_equal(err_prefix(&e, "%s", "corpus.csv"), ERR_NOINPUT);
	assert_string_equal(e.msg, "corpus.csv: no such file");
	err_clear(&e);
	assert_int_equal(e.code, ERR_OK);
	assert_string_equal(e.msg, "");
}

static void long_messages_are_cut_not_overrun(void **state)
{
	struct err e;
	char big[2 * ERR_MSG_MAX];

	(void)state;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	err_set(&e, ERR_DATA, "%s", big);
	assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
	err_prefix(&e, "%s", "file");
	assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
	assert_memory_equal(e.msg, "file: xxx", 9);
	err_prefix(&e, "%s", big); /* a prefix longer than the room */
	assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_formats_and_returns_code),
		cmocka_unit_test(prefix_adds_context),
		cmocka_unit_test(long_messages_are_cut_not_overrun),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
