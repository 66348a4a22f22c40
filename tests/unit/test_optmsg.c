#include <string.h>
#include "check.h"

#include "optmsg.h"

static const char shortopts[] = ":H:o:qh";
static const struct option longopts[] = {
	{ "header", required_argument, NULL, 'H' },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "max-tokens", required_argument, NULL, 1 },
	{ "max-errors", required_argument, NULL, 2 },
	{ "url", required_argument, NULL, 3 },
	{ "help", no_argument, NULL, 'h' },
	{ "ids", no_argument, NULL, 'i' }, /* long only, a letter's value */
	{ NULL, 0, NULL, 0 },
};

/* Runs getopt_long over args until it refuses one; the message. */
static const char *refused(char **args, struct err *e)
{
	int argc = 0, c, at;

	while (args[argc])
		argc++;
	optind = 0; /* glibc: start afresh, clusters included */
	opterr = 0;
	while ((c = opt_next(argc, args, shortopts, longopts, &at)) != -1)
		if (c == '?' || c == ':') {
			assert_int_equal(opt_refused(argc, args, at, shortopts, longopts, e), ERR_USAGE);
			return e->msg;
		}
	fail_msg("nothing refused");
	return NULL;
}

/* A short option refused inside a cluster is named by its letter, not by
 * the argument before the cluster (a URL with a password, a header). */
static void cluster_names_the_letter_not_the_value(void **state)
{
	struct err e;
	char *a[] = { "t", "--url", "http://u:SECRET@h/", "-xq", "c.csv", NULL };
	char *b[] = { "t", "-H", "Authorization: Bearer sk-LEAK", "-qx", NULL };
	char *c[] = { "t", "--quiet", "-xq", NULL };
	/* A value that looks like a long option, before the cluster. */
	char *d[] = { "t", "-H", "--s3cret-token", "-xq", NULL };
	/* A long-only option whose value is the refused letter. */
	char *f[] = { "t", "--ids", "-iq", NULL };

	(void)state;
	assert_string_equal(refused(a, &e), "unknown option '-x'");
	assert_string_equal(refused(b, &e), "unknown option '-x'");
	assert_string_equal(refused(c, &e), "unknown option '-x'");
	assert_string_equal(refused(d, &e), "unknown option '-x'");
	assert_string_equal(refused(f, &e), "unknown option '-i'");
}

static void long_options_by_name_without_value(void **state)
{
	struct err e;
	char *unknown[] = { "t", "--hedaer=Authorization: Bearer sk-LEAK", NULL };
	char *flag[] = { "t", "--quiet=1", NULL };
	char *missing[] = { "t", "--outp", NULL };
	char *ambiguous[] = { "t", "--max", "5", NULL };

	(void)state;
	assert_string_equal(refused(unknown, &e), "unknown option '--hedaer'");
	assert_string_equal(refused(flag, &e), "option '--quiet' takes no value");
	assert_string_equal(refused(missing, &e), "option '--output' needs a value");
	assert_string_equal(refused(ambiguous, &e),
			    "option '--max' is ambiguous: --max-tokens, --max-errors");
}

static void short_options(void **state)
{
	struct err e;
	char *missing[] = { "t", "-qo", NULL };
	char *unknown[] = { "t", "-z", NULL };

	(void)state;
	assert_string_equal(refused(missing, &e), "option '-o' needs a value");
	assert_string_equal(refused(unknown, &e), "unknown option '-z'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cluster_names_the_letter_not_the_value),
		cmocka_unit_test(long_options_by_name_without_value),
		cmocka_unit_test(short_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
