#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "slurp.h"

static void plain_gz_and_errors(void **state)
{
	char dir[] = "/tmp/test_slurp.XXXXXX", p[256], z[256];
	struct buf b = BUF_INIT;
	struct err e = {0};
	FILE *f;
	gzFile g;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof p, "%s/a.txt", dir);
	snprintf(z, sizeof z, "%s/a.txt.gz", dir);
	f = fopen(p, "wb");
	assert_non_null(f);
	fwrite("ab\0cd", 1, 5, f);
	fclose(f);
	g = gzopen(z, "wb");
	assert_non_null(g);
	gzwrite(g, "hello, gzip", 11);
	gzclose(g);

	assert_int_equal(slurp_file(p, 0, &b, &e), 0);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.p, "ab\0cd", 5);
	buf_reset(&b);
	assert_int_equal(slurp_file(z, 1, &b, &e), 0);
	assert_string_equal(b.p, "hello, gzip");
	/* A file that is not gzip is read as it is. */
	buf_reset(&b);
	assert_int_equal(slurp_file(p, 1, &b, &e), 0);
	assert_int_equal(b.len, 5);

	buf_reset(&b);
	b.max = 4;
	assert_int_equal(slurp_file(p, 0, &b, &e), ERR_DATA);
	assert_non_null(strstr(e.msg, "a.txt"));
	snprintf(p, sizeof p, "%s/missing", dir);
	assert_int_equal(slurp_file(p, 0, &b, &e), ERR_NOINPUT);
	assert_non_null(strstr(e.msg, "missing"));
	assert_int_equal(slurp_file(p, 1, &b, &e), ERR_NOINPUT);
	assert_int_equal(slurp_file(dir, 0, &b, &e), ERR_NOINPUT);
	assert_non_null(strstr(e.msg, "directory"));
	buf_free(&b);
	unlink(z);
	snprintf(p, sizeof p, "%s/a.txt", dir);
	unlink(p);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_gz_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
