#include "check.h"

#include <string.h>

#include "../../analyze/compare.h"

static void spec_parses(void **state)
{
	struct cmp_rule r[8];
	struct err e = {0};
	char s[64];
	size_t n;

	(void)state;
	assert_int_equal(cmp_spec_parse("ttft_p99:+10%,tpot_p50:+5%,out_tok_per_s:-5%", r, 8, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].metric, cmp_metric_find("ttft_p99"));
	assert_near(r[0].limit, 0.10, 1e-12);
	assert_true(r[0].relative);
	assert_int_equal(r[1].metric, cmp_metric_find("tpot_p50"));
	assert_near(r[1].limit, 0.05, 1e-12);
	assert_int_equal(r[2].metric, cmp_metric_find("out_tok_per_s"));
	assert_near(r[2].limit, -0.05, 1e-12);
	assert_string_equal(cmp_rule_str(&r[2], s, sizeof s), "out_tok_per_s:-5%");
	/* Without a sign, the direction of a regression; without %, the unit. */
	assert_int_equal(cmp_spec_parse("e2e_p50:20,req_per_s:2.5%,ttft_mean:+0%", r, 8, &n, &e), 0);
	assert_int_equal(n, 3);
	assert_near(r[0].limit, 20, 1e-12);
	assert_false(r[0].relative);
	assert_near(r[1].limit, -0.025, 1e-12);
	assert_near(r[2].limit, 0, 0);
	assert_string_equal(cmp_rule_str(&r[0], s, sizeof s), "e2e_p50:+20");
}

/* Each bad SPEC is a usage error whose message quotes the bad part. */
static void spec_errors_name_the_part(void **state)
{
	static const struct {
		const char *spec, *says;
	} bad[] = {
		{"", "empty item"},
		{"ttft_p99:+10%,", "empty item"},
		{"ttft_p99", "'ttft_p99' is not METRIC:LIMIT"},
		{"ttft_p99:+10%,bogus:+1%", "unknown metric 'bogus'"},
		{"ttft_p99:+x%", "bad limit '+x%' for ttft_p99"},
		{"ttft_p99:+10%%", "bad limit '+10%%' for ttft_p99"},
		{"ttft_p99:+10 %", "bad limit '+10 %' for ttft_p99"},
		{"ttft_p99:", "bad limit '' for ttft_p99"},
		{"ttft_p99:-10%", "'ttft_p99:-10%' could never fire"},
		{"out_tok_per_s:+5%", "'out_tok_per_s:+5%' could never fire"},
		{"req_per_s:-100%", "could never fire"},
		{"tpot_p50:+1%,tpot_p50:+2%", "tpot_p50 given twice"},
		{"ttft_p99:inf%", "bad limit 'inf%'"},
	};
	struct cmp_rule r[8];
	struct err e;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&e, 0, sizeof e);
		if (cmp_spec_parse(bad[i].spec, r, 8, &n, &e) != ERR_USAGE)
			fail_msg("'%s' was taken", bad[i].spec);
		if (!strstr(e.msg, bad[i].says))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].spec, e.msg, bad[i].says);
	}
	memset(&e, 0, sizeof e);
	assert_int_equal(cmp_spec_parse("ttft_p50:1,ttft_p90:1,ttft_p99:1", r, 2, &n, &e), ERR_USAGE);
}

static void metric_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; cmp_default_metrics[i]; i++)
		assert_true(cmp_metric_find(cmp_default_metrics[i]) >= 0);
	assert_int_equal(cmp_metric_find("nope"), -1);
	assert_int_equal(cmp_metrics[cmp_metric_find("out_tok_per_s")].worse, -1);
	assert_int_equal(cmp_metrics[cmp_metric_find("e2e_p99")].worse, 1);
	assert_near(cmp_metrics[cmp_metric_find("tpot_p90")].p, 90, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_parses),
		cmocka_unit_test(spec_errors_name_the_part),
		cmocka_unit_test(metric_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
