#include "check.h"

#include <stdio.h>
#include <stdlib.h>
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
/* Text made safe to show: C0, DEL and C1 controls become a space a byte
 * (so widths and lengths stay), the rest as it was. */
static void unctrl(void **state)
{
	char s[] = "a\033]0;t\007\x7f\xc2\x9b" "2J \xc3\xa9\xc2\xa0z\n";
	char buf[64];
	FILE *fp = fmemopen(buf, sizeof buf, "w");

	(void)state;
	assert_non_null(fp);
	utf8_put_unctrl(s, fp);
	fclose(fp);
	utf8_unctrl(s);
	assert_string_equal(s, "a ]0;t    2J \xc3\xa9\xc2\xa0z ");
	assert_string_equal(buf, s);
}

/* A file name that is not UTF-8, shown in JSON: U+FFFD for each bad
 * byte, the rest kept; valid text unchanged. */
static void lossy(void **state)
{
	char *l;

	(void)state;
	l = utf8_lossy("c\xff\xfe.csv \xc3\xa9 \xe2\x82");
	assert_string_equal(l, "c\xef\xbf\xbd\xef\xbf\xbd.csv \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
	free(l);
	l = utf8_lossy("plain");
	assert_string_equal(l, "plain");
	free(l);
}

/* A character cut short at the end is dropped; a whole one kept. */
static void trim(void **state)
{
	(void)state;
	assert_int_equal(utf8_trim("ab\xc3", 3), 2);
	assert_int_equal(utf8_trim("ab\xc3\xa9", 4), 4);
	assert_int_equal(utf8_trim("a\xe2\x82", 3), 1);
	assert_int_equal(utf8_trim("a\xf0\x9f\x98", 4), 1);
	assert_int_equal(utf8_trim("a\xf0\x9f\x98\x80", 5), 5);
	assert_int_equal(utf8_trim("", 0), 0);
}

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
		cmocka_unit_test(unctrl),
		cmocka_unit_test(lossy),
		cmocka_unit_test(trim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
