#include "check.h"

#include <string.h>

#include "utf8.h"

static void check_bad(const char *s, size_t len, size_t want)
{
	size_t bad = 9999;

	assert_false(utf8_valid(s, len, &bad));
	assert_int_equal(bad, want);
}

static void valid_text(void **state)
{
	const char *s = "plain ASCII text longer than eight bytes, é, 漢字, 😀, \xf4\x8f\xbf\xbf";

	(void)state;
	assert_true(utf8_valid(s, strlen(s), NULL));
	assert_true(utf8_valid("", 0, NULL));
	assert_true(utf8_valid("a\0b", 3, NULL));
}

static void invalid_offsets(void **state)
{
	(void)state;
	check_bad("\x80", 1, 0);                       /* lone continuation */
	check_bad("abcdefghij\xff", 11, 10);           /* after the ASCII fast path */
	check_bad("ab\xc3", 3, 2);                     /* truncated at the end */
	check_bad("ab\xc3(", 4, 2);                    /* bad continuation */
	check_bad("x\xc0\x80", 3, 1);                  /* overlong two-byte */
	check_bad("x\xe0\x80\x80", 4, 1);              /* overlong three-byte */
	check_bad("xy\xed\xa0\x80", 5, 2);             /* surrogate */
	check_bad("\xf0\x80\x80\x80", 4, 0);           /* overlong four-byte */
	check_bad("\xf4\x90\x80\x80", 4, 0);           /* above U+10FFFF */
	check_bad("\xe6\xbc\xa2\xf5\x80", 5, 3);       /* F5 never starts one */
}

static void seqlen(void **state)
{
	(void)state;
	assert_int_equal(utf8_seqlen('a'), 1);
	assert_int_equal(utf8_seqlen(0xC3), 2);
	assert_int_equal(utf8_seqlen(0xE6), 3);
	assert_int_equal(utf8_seqlen(0xF0), 4);
	assert_int_equal(utf8_seqlen(0x80), 0);
	assert_int_equal(utf8_seqlen(0xC1), 0);
}

/* Terminal columns, not bytes: a table lines up in any script. */
static void width(void **state)
{
	(void)state;
	assert_int_equal(utf8_width(""), 0);
	assert_int_equal(utf8_width("ascii"), 5);
	assert_int_equal(utf8_width("\xc3\xbcn\xc3\xaf"), 3);          /* "ünï": 5 bytes */
	assert_int_equal(utf8_width("\xe4\xb8\xad\xe6\x96\x87"), 4);  /* two CJK: 6 bytes */
	assert_int_equal(utf8_width("e\xcc\x81"), 1);                   /* e + combining acute */
	assert_int_equal(utf8_width("a\xff" "b"), 3);                    /* an invalid byte: 1 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_text),
		cmocka_unit_test(invalid_offsets),
		cmocka_unit_test(seqlen),
		cmocka_unit_test(width),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
