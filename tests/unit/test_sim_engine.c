#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "../../sim/engine.h"

/* A request as the tests see it: times in simulated ns. */
struct treq {
	int id;
	double arrive, admitted, first, last;
	long tokens;
	long preempted; /* its sequence's preemptions, read at its end */
	int finished;
	struct eng_seq *seq;
};

struct harness {
	struct engine *e;
	int order[64];  /* ids in admission order */
	int norder;
	/* closed loop */
	struct treq *reqs;
	int nreqs, cap, next_id, in_flight;
	long prompt, out;
	double sum_itl;
	long n_itl;
};

static void on_admit(void *user, void *su)
{
	struct harness *h = user;
	struct treq *r = su;

	if (h->norder < 64)
		h->order[h->norder++] = r->id;
	r->admitted = eng_now_ns(h->e);
}

static void start(struct harness *h);

static void on_token(void *user, void *su, int ntok, int last)
{
	struct harness *h = user;
	struct treq *r = su;
	double now = eng_now_ns(h->e);

	if (!r->tokens)
		r->first = now;
	else {
		h->sum_itl += now - r->last;
		h->n_itl++;
	}
	r->last = now;
	r->tokens += ntok;
	if (last) {
		/* Read now: the sequence is freed when the step commits. */
		r->preempted = eng_seq_preemptions(r->seq);
		r->finished = 1;
		h->in_flight--;
		if (h->next_id < h->cap)
			start(h);
	}
}

static void start(struct harness *h)
{
	struct treq *r = &h->reqs[h->next_id];

	r->id = h->next_id++;
	r->arrive = eng_now_ns(h->e);
	r->seq = eng_add(h->e, h->prompt, h->out, r);
	assert_non_null(r->seq);
	h->in_flight++;
	h->nreqs++;
}

static struct profile quiet(void)
{
	struct profile p;

	assert_int_equal(profile_get("h100", &p, NULL), 0);
	p.jitter_cv = 0;
	return p;
}

static void setup_h(struct harness *h, const struct profile *p, int cap)
{
	struct eng_cb cb = { on_admit, on_token, h };

	memset(h, 0, sizeof *h);
	h->e = eng_new(p, 1, &cb);
	assert_non_null(h->e);
	h->reqs = calloc((size_t)cap, sizeof *h->reqs);
	h->cap = cap;
}

static void teardown_h(struct harness *h)
{
	eng_free(h->e);
	free(h->reqs);
}

static long run(struct harness *h, long max_steps)
{
	struct eng_step st;
	long steps = 0;

	while (steps < max_steps && eng_plan(h->e, &st)) {
		eng_commit(h->e);
		steps++;
	}
	return steps;
}

static void step_formula(void **state)
{
	struct profile p = quiet();

	(void)state;
	/* One token: T0 + Tw. */
	assert_near(eng_step_ns(&p, 1, 0, 0), 0.4e6 + sqrt(6e6 * 6e6 + 21e3 * 21e3), 1);
	/* 1000 tokens: the compute term dominates, 0.4 + sqrt(36 + 441) ms. */
	assert_near(eng_step_ns(&p, 1000, 0, 0), 0.4e6 + sqrt(477.0) * 1e6, 1);
	/* KV reads and prefill attention add linearly. */
	assert_near(eng_step_ns(&p, 1, 1e5, 0) - eng_step_ns(&p, 1, 0, 0), 50 * 1e5, 1e-3);
	assert_near(eng_step_ns(&p, 1, 0, 1e6) - eng_step_ns(&p, 1, 0, 0), 1.3e6, 1e-3);
	/* Single-stream ITL at ctx 1,100 is the calibration's 6.5 ms. */
	assert_near(eng_step_ns(&p, 1, 1100, 0) / 1e6, 6.5, 0.05);
}

static void admission_is_fcfs_and_capped(void **state)
{
	struct profile p = quiet();
	struct harness h;
	int i;

	(void)state;
	p.max_num_seqs = 2;
	setup_h(&h, &p, 3);
	h.prompt = 10;
	h.out = 3;
	for (i = 0; i < 3; i++)
		start(&h);
	h.next_id = h.cap; /* no refill */
	run(&h, 1000);
	assert_int_equal(h.norder, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(h.order[i], i);
		assert_int_equal(h.reqs[i].tokens, 3);
	}
	/* The third waits for a free slot: admitted after the first two end. */
	assert_true(h.reqs[2].admitted >= h.reqs[0].last);
	assert_true(h.reqs[1].admitted == h.reqs[0].admitted);
	teardown_h(&h);
}

static void chunked_prefill(void **state)
{
	struct profile p = quiet();
	struct harness h;
	struct eng_step st;
	long pre[3];
	int i;

	(void)state;
	p.max_batched = 100;
	setup_h(&h, &p, 1);
	h.prompt = 250;
	h.out = 2;
	start(&h);
	for (i = 0; i < 3; i++) {
		assert_int_equal(eng_plan(h.e, &st), 1);
		pre[i] = st.prefill;
		eng_commit(h.e);
		assert_int_equal(h.reqs[0].tokens, i == 2);
	}
	assert_int_equal(pre[0], 100);
	assert_int_equal(pre[1], 100);
	assert_int_equal(pre[2], 50);
	/* The second chunk attends to the first: k (done + k/2) pairs. */
	assert_int_equal(eng_plan(h.e, &st), 1);
	assert_int_equal(st.decodes, 1);
	eng_commit(h.e);
	assert_int_equal(h.reqs[0].tokens, 2);
	assert_int_equal(eng_plan(h.e, &st), 0);
	teardown_h(&h);
}

static void prefill_shares_budget_with_decodes(void **state)
{
	struct profile p = quiet();
	struct harness h;
	struct eng_step st;

	(void)state;
	p.max_batched = 64;
	setup_h(&h, &p, 2);
	h.prompt = 16;
	h.out = 10;
	start(&h);
	run(&h, 1); /* first request prefilled */
	h.prompt = 200;
	start(&h);
	assert_int_equal(eng_plan(h.e, &st), 1);
	assert_int_equal(st.decodes, 1);
	assert_int_equal(st.prefill, 63); /* budget minus the decode */
	eng_commit(h.e);
	teardown_h(&h);
}

static void preemption_of_newest(void **state)
{
	struct profile p = quiet();
	struct harness h;
	struct eng_counts c;
	int i;

	(void)state;
	/* 20 blocks: the watermark is 1 block; two requests of 4 prompt
	 * blocks that each grow by 10 blocks cannot both fit. */
	p.kv_tokens = 20 * ENG_BLOCK;
	setup_h(&h, &p, 2);
	h.prompt = 4 * ENG_BLOCK;
	h.out = 10 * ENG_BLOCK;
	start(&h);
	start(&h);
	run(&h, 100000);
	eng_counts(h.e, &c);
	assert_true(c.preemptions > 0);
	assert_int_equal(c.running + c.waiting, 0);
	assert_int_equal(c.kv_used_blocks, 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(h.reqs[i].tokens, h.out);
	/* The older one is never the victim, so it finishes first. */
	assert_true(h.reqs[0].last < h.reqs[1].last);
	assert_int_equal(h.reqs[0].preempted, 0);
	assert_true(h.reqs[1].preempted > 0);
	teardown_h(&h);
}

static void cancel_frees_blocks(void **state)
{
	struct profile p = quiet();
	struct harness h;
	struct eng_counts c;
	struct eng_step st;

	(void)state;
	setup_h(&h, &p, 2);
	h.prompt = 100;
	h.out = 50;
	start(&h);
	start(&h);
	assert_int_equal(eng_plan(h.e, &st), 1);
	eng_cancel(h.e, h.reqs[1].seq); /* mid-step */
	eng_commit(h.e);
	eng_counts(h.e, &c);
	assert_int_equal(c.running, 1);
	assert_int_equal(c.kv_used_blocks, (100 + ENG_BLOCK - 1) / ENG_BLOCK);
	assert_int_equal(h.reqs[1].tokens, 0);
	run(&h, 1000);
	eng_counts(h.e, &c);
	assert_int_equal(c.kv_used_blocks, 0);
	teardown_h(&h);
}

struct point {
	double tput, ttft, itl;
};

/* Closed loop at concurrency conc, 1024 in / 128 out, all in simulated time. */
static struct point sweep_point(int conc)
{
	struct profile p = quiet();
	struct harness h;
	struct point pt;
	double ttft = 0, t_end = 0;
	long tokens = 0;
	int i, n = conc * 4;

	p.jitter_cv = 0.025; /* seeded: the result is still fixed */
	setup_h(&h, &p, n);
	h.prompt = 1024;
	h.out = 128;
	for (i = 0; i < conc; i++)
		start(&h);
	run(&h, 10000000);
	for (i = 0; i < n; i++) {
		assert_int_equal(h.reqs[i].tokens, 128);
		ttft += h.reqs[i].first - h.reqs[i].arrive;
		tokens += h.reqs[i].tokens;
		if (h.reqs[i].last > t_end)
			t_end = h.reqs[i].last;
	}
	pt.tput = (double)tokens / (t_end / 1e9);
	pt.ttft = ttft / n / 1e6;
	pt.itl = h.sum_itl / (double)h.n_itl / 1e6;
	teardown_h(&h);
	return pt;
}

static void sweep_shape(void **state)
{
	static const int conc[] = { 1, 8, 64, 256 };
	struct point pt[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		pt[i] = sweep_point(conc[i]);
		print_message("# C=%d: %.0f tok/s, TTFT %.1f ms, ITL %.2f ms\n",
			      conc[i], pt[i].tput, pt[i].ttft, pt[i].itl);
	}
	/* Single stream: about 1000 / 6.5 ms tokens/s (the calibration's 152). */
	assert_true(pt[0].tput > 130 && pt[0].tput < 170);
	for (i = 1; i < 4; i++) {
		assert_true(pt[i].tput > pt[i - 1].tput);
		assert_true(pt[i].ttft > pt[i - 1].ttft * 0.9);
		assert_true(pt[i].itl > pt[i - 1].itl);
	}
	/* Rises almost linearly at first, then saturates: 8x the clients give
	 * >5x the throughput from 1 to 8, but 4x give <1.6x from 64 to 256. */
	assert_true(pt[1].tput / pt[0].tput > 5);
	assert_true(pt[3].tput / pt[2].tput < 1.6);
	assert_true(pt[3].ttft > pt[0].ttft * 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(step_formula),
		cmocka_unit_test(admission_is_fcfs_and_capped),
		cmocka_unit_test(chunked_prefill),
		cmocka_unit_test(prefill_shares_budget_with_decodes),
		cmocka_unit_test(preemption_of_newest),
		cmocka_unit_test(cancel_frees_blocks),
		cmocka_unit_test(sweep_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
