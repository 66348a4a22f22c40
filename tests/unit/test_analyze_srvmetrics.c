/* analyze/srvmetrics: gauges and the preemption counter over a group's
 * spans, from a FILE.metrics.csv written here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

#include "../../analyze/srvmetrics.h"

static char dir[] = "/tmp/test_srv.XXXXXX";
static char res[256], met[256];

static void write_file(const char *body)
{
	FILE *f = fopen(met, "w");

	assert_non_null(f);
	fputs("t_ns,name,labels,value\n", f);
	fputs(body, f);
	fclose(f);
}

static void figures(void **state)
{
	const char *paths[2] = { "-", res };
	struct an_run_span runs[2] = { { "a", "", 100, 300, 0 }, { "b", "", 500, 600, 0 } };
	struct an_group g = { .runs = runs, .nruns = 2 };
	struct an_srv *s;
	struct an_srv_fig f;
	struct err e = { 0 };

	(void)state;
	write_file(
		/* before the spans: not counted, but the counter's base */
		"50,vllm:num_requests_running,,9\n"
		"50,vllm:num_preemptions_total,,10\n"
		/* two engines in one scrape: summed; KV averaged */
		"100,vllm:num_requests_running,\"engine=\"\"0\"\"\",2\n"
		"100,vllm:num_requests_running,\"engine=\"\"1\"\"\",2\n"
		"100,vllm:kv_cache_usage_perc,\"engine=\"\"0\"\"\",0.2\n"
		"100,vllm:kv_cache_usage_perc,\"engine=\"\"1\"\"\",0.4\n"
		"100,vllm:gpu_cache_usage_perc,,0.99\n"
		"100,vllm:num_preemptions_total,,12\n"
		"100,other_metric,,1000\n"
		"200,vllm:num_requests_running,,8\n"
		"200,vllm:num_requests_waiting,,NaN\n"
		"200,vllm:kv_cache_usage_perc,,0.9\n"
		"200,vllm:num_preemptions_total,,15\n"
		/* between the spans */
		"400,vllm:num_requests_running,,100\n"
		"400,vllm:num_preemptions_total,,20\n"
		/* a restarted server: its counter counts from 0 */
		"550,vllm:num_requests_running,,6\n"
		"550,vllm:num_preemptions_total,,3\n");
	assert_int_equal(an_srv_load(paths, 2, &s, &e), 0);
	assert_non_null(s);
	an_srv_group(s, &g, &f);
	assert_near(f.running_mean, (4 + 8 + 6) / 3.0, 1e-12);
	assert_near(f.running_max, 8, 0);
	assert_true(isnan(f.waiting_mean) && isnan(f.waiting_max));
	assert_near(f.kv_mean, (0.3 + 0.9) / 2, 1e-12); /* kv_cache_usage_perc preferred */
	assert_near(f.kv_max, 0.9, 1e-12);
	assert_near(f.preemptions, 2 + 3 + 3, 0);
	an_srv_free(s);

	write_file("1,vllm:num_requests_running,,x\n");
	assert_int_equal(an_srv_load(paths, 2, &s, &e), ERR_DATA);
	assert_non_null(strstr(e.msg, ":2: value: expected a number"));
	unlink(met);
	assert_int_equal(an_srv_load(paths, 2, &s, &e), 0);
	assert_null(s);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(figures),
	};

	if (!mkdtemp(dir))
		return 1;
	snprintf(res, sizeof res, "%s/r.csv", dir);
	snprintf(met, sizeof met, "%s/r.csv.metrics.csv", dir);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
