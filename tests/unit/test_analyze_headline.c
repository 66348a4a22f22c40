#include "check.h"

#include <math.h>
#include <string.h>

#include "../../analyze/group.h"
#include "../../analyze/headline.h"
#include "../../analyze/report.h"

#define T0 1700000000000000000LL
#define MS 1000000LL

/* One request of target at batch step: sent at 0, first token at ttft
 * ms, out tokens, ended at end ms (all from t). */
static void add(struct an_set *s, const char *target, const char *step, int ok,
		double ttft, long out, int64_t t, int64_t end)
{
	const char *keys[] = {target, "batch", step};
	struct an_rec r = {0};
	struct err e;

	r.run_id = "r";
	r.status = ok ? AN_OK : AN_HTTP_5XX;
	r.t_sent = T0 + t * MS;
	r.t_first = ok ? T0 + (t + (int64_t)ttft) * MS : AN_NO_TIME;
	r.t_last = ok ? T0 + (t + end - 1) * MS : AN_NO_TIME;
	r.t_end = T0 + (t + end) * MS;
	r.ttft_ms = r.tpot_ms = r.e2e_ms = NAN;
	r.in_tok = 10;
	r.out_tok = ok ? out : -1;
	an_rec_complete(&r);
	assert_int_equal(an_set_add(s, keys, &r, &e), 0);
}

/*
 * Target a: batch 1 (TTFT 50, 100 tokens in 1 s), batch 2 (TTFT 300: misses
 * a 200 ms objective; 300 tokens in 1 s, the peak), batch 4 (TTFT 100,
 * 200 tokens in 1 s, 9 of 10 requests meet it: exactly 90%).
 * Target b: batch 1 only, one failed request of two (50% meet it).
 */
static struct an_set *sweep(const struct an_slo *slo)
{
	const char *names[] = {"target", "step_kind", "step"};
	struct an_set *s = an_set_new(names, 3, slo, 0);
	int i;

	assert_non_null(s);
	add(s, "a", "1", 1, 50, 100, 0, 1000);
	add(s, "a", "2", 1, 300, 150, 0, 1000);
	add(s, "a", "2", 1, 300, 150, 0, 1000);
	for (i = 0; i < 9; i++)
		add(s, "a", "4", 1, 100, 20, 0, 1000);
	add(s, "a", "4", 1, 500, 20, 0, 1000);
	add(s, "b", "1", 1, 50, 10, 0, 1000);
	add(s, "b", "1", 0, 0, 0, 0, 1000);
	return s;
}

static void series_peak_and_slo(void **state)
{
	const struct an_slo slo = {200, NAN, NAN};
	struct an_set *s = sweep(&slo);
	struct an_report r = {0};
	struct an_headline h;
	struct err e;
	char t[128];

	(void)state;
	assert_int_equal(an_report_build(s, 1, -1, &r, &e), 0);
	assert_int_equal(an_headline_build(&r, &h, &e), 0);
	assert_true(h.slo_set);
	assert_int_equal(h.n, 2);
	/* a's steps in order 1, 2, 4 (numbers, not text) */
	assert_int_equal(h.s[0].n, 3);
	assert_string_equal(an_report_step(&r, h.s[0].groups[0], t, sizeof t), "batch 1");
	assert_string_equal(an_report_step(&r, h.s[0].groups[2], t, sizeof t), "batch 4");
	assert_string_equal(an_report_step(&r, h.s[0].peak, t, sizeof t), "batch 2");
	/* the largest step meeting it, past one that missed; 90% is enough */
	assert_near(an_slo_attainment(s->groups[h.s[0].groups[2]]), 0.9, 1e-12);
	assert_string_equal(an_report_step(&r, h.s[0].slo_best, t, sizeof t), "batch 4");
	/* b: a failed request counts against it */
	assert_int_equal(h.s[1].n, 1);
	assert_near(an_slo_attainment(s->groups[h.s[1].groups[0]]), 0.5, 1e-12);
	assert_true(h.s[1].slo_best == AN_HL_NONE);
	an_headline_free(&h);
	an_report_free(&r);
	an_set_free(s);
}

static void no_slo_no_best(void **state)
{
	const struct an_slo slo = {NAN, NAN, NAN};
	struct an_set *s = sweep(&slo);
	struct an_report r = {0};
	struct an_headline h;
	struct err e;

	(void)state;
	assert_int_equal(an_report_build(s, 0, -1, &r, &e), 0);
	assert_int_equal(an_headline_build(&r, &h, &e), 0);
	assert_false(h.slo_set);
	assert_true(h.s[0].slo_best == AN_HL_NONE);
	assert_true(h.s[0].peak != AN_HL_NONE);
	an_headline_free(&h);
	an_report_free(&r);
	an_set_free(s);
}

/* Legends name what tells lines apart; the kind rides on the step. */
static void labels(void **state)
{
	const struct an_slo slo = {NAN, NAN, NAN};
	struct an_set *s = sweep(&slo);
	struct an_report r = {0};
	struct err e;
	char t[128];

	(void)state;
	assert_int_equal(an_report_build(s, 0, -1, &r, &e), 0);
	assert_string_equal(an_report_label(&r, 1, 0, t, sizeof t), "a batch 2");
	assert_string_equal(an_report_label(&r, 1, AN_LABEL_NO_STEP, t, sizeof t), "a");
	assert_string_equal(an_report_label(&r, 3, AN_LABEL_NO_STEP | AN_LABEL_SHORT, t, sizeof t), "b");
	an_report_free(&r);
	an_set_free(s);
	/* One target: a short label without the step has nothing left. */
	{
		const char *names[] = {"target", "step_kind", "step"};

		s = an_set_new(names, 3, &slo, 0);
		add(s, "a", "1", 1, 50, 100, 0, 1000);
		add(s, "a", "2", 1, 50, 100, 0, 1000);
		assert_int_equal(an_report_build(s, 0, -1, &r, &e), 0);
		assert_string_equal(an_report_label(&r, 0, AN_LABEL_NO_STEP | AN_LABEL_SHORT, t, sizeof t), "");
		assert_string_equal(an_report_label(&r, 1, AN_LABEL_SHORT, t, sizeof t), "batch 2");
		an_report_free(&r);
		an_set_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(series_peak_and_slo),
		cmocka_unit_test(no_slo_no_best),
		cmocka_unit_test(labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
