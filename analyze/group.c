#include "group.h"
#include "load.h"
#include "num.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_keys(const char *const *keys, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	const unsigned char *p;
	size_t i;

	for (i = 0; i < n; i++) {
		for (p = (const unsigned char *)(keys[i] ? keys[i] : ""); *p; p++)
			h = (h ^ *p) * 1099511628211ull;
		h = (h ^ 0x1f) * 1099511628211ull;
	}
	return h;
}

static int keys_equal(char *const *a, const char *const *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(a[i], b[i] ? b[i] : "") != 0)
			return 0;
	return 1;
}

struct an_set *an_set_new(const char *const *keynames, size_t nkeys,
			  const struct an_slo *slo, int keep_spans)
{
	struct an_set *s = calloc(1, sizeof *s);
	size_t i;

	if (!s)
		return NULL;
	s->nkeys = nkeys;
	s->keep_spans = keep_spans;
	s->slo = *slo;
	s->keynames = calloc(nkeys ? nkeys : 1, sizeof *s->keynames);
	s->tablesize = 64;
	s->table = calloc(s->tablesize, sizeof *s->table);
	if (!s->keynames || !s->table) {
		an_set_free(s);
		return NULL;
	}
	for (i = 0; i < nkeys; i++)
		if (!(s->keynames[i] = strdup(keynames[i]))) {
			an_set_free(s);
			return NULL;
		}
	return s;
}

static void group_free(struct an_group *g, size_t nkeys)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; g->key && i < nkeys; i++)
		free(g->key[i]);
	free(g->key);
	buf_free(&g->ttft);
	buf_free(&g->tpot);
	buf_free(&g->e2e);
	buf_free(&g->itl_req);
	buf_free(&g->speed);
	buf_free(&g->prefill);
	buf_free(&g->srv_prefill);
	buf_free(&g->srv_decode);
	buf_free(&g->itl);
	buf_free(&g->spans);
	buf_free(&g->ctx);
	buf_free(&g->ctx_pts);
	buf_free(&g->lag);
	an_truth_acc_free(&g->truth);
	for (i = 0; i < g->nruns; i++) {
		free(g->runs[i].run_id);
		free(g->runs[i].target);
	}
	free(g->runs);
	free(g->target);
	free(g->target2);
	for (i = 0; i < g->nstep_runs; i++) {
		free(g->step_runs[i].run_id);
		free(g->step_runs[i].target);
	}
	free(g->step_runs);
	free(g);
}

void an_set_free(struct an_set *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->ngroups; i++)
		group_free(s->groups[i], s->nkeys);
	for (i = 0; s->keynames && i < s->nkeys; i++)
		free(s->keynames[i]);
	free(s->keynames);
	free(s->groups);
	free(s->table);
	free(s);
}

static int rehash(struct an_set *s)
{
	size_t n = s->tablesize * 2, i, j;
	size_t *t = calloc(n, sizeof *t);

	if (!t)
		return -1;
	for (i = 0; i < s->ngroups; i++) {
		j = hash_keys((const char *const *)s->groups[i]->key, s->nkeys) & (n - 1);
		while (t[j])
			j = (j + 1) & (n - 1);
		t[j] = i + 1;
	}
	free(s->table);
	s->table = t;
	s->tablesize = n;
	return 0;
}

static struct an_group *new_group(struct an_set *s, const char *const *keys)
{
	struct an_group *g = calloc(1, sizeof *g);
	size_t i;

	if (!g || !(g->key = calloc(s->nkeys ? s->nkeys : 1, sizeof *g->key))) {
		free(g);
		return NULL;
	}
	for (i = 0; i < s->nkeys; i++)
		if (!(g->key[i] = strdup(keys[i] ? keys[i] : ""))) {
			group_free(g, s->nkeys);
			return NULL;
		}
	g->first_sent = g->first_sent_ok = g->first_first = INT64_MAX;
	g->last_end = g->last_first = g->last_end_ok = INT64_MIN;
	return g;
}

static struct an_group *find_group(struct an_set *s, const char *const *keys)
{
	size_t j, mask;
	struct an_group *g, **gs;

	mask = s->tablesize - 1;
	for (j = hash_keys(keys, s->nkeys) & mask; s->table[j]; j = (j + 1) & mask) {
		g = s->groups[s->table[j] - 1];
		if (keys_equal(g->key, keys, s->nkeys))
			return g;
	}
	if (s->ngroups == s->capgroups) {
		size_t cap = s->capgroups ? s->capgroups * 2 : 16;

		if (!(gs = realloc(s->groups, cap * sizeof *gs)))
			return NULL;
		s->groups = gs;
		s->capgroups = cap;
	}
	if (!(g = new_group(s, keys)))
		return NULL;
	s->groups[s->ngroups++] = g;
	s->table[j] = s->ngroups;
	if (s->ngroups * 2 > s->tablesize && rehash(s))
		return NULL;
	return g;
}

struct an_group *an_set_group(struct an_set *s, const char *const *keys)
{
	return find_group(s, keys);
}

int an_chunk_log(const char *log, void (*gap)(double ms, void *ctx), void *ctx,
		 double *first_us, double *last_us, size_t *nchunks,
		 struct err *e)
{
	const char *p = log;
	char *end;
	double prev = 0, v;
	size_t n = 0;

	*first_us = *last_us = NAN;
	while (p && *p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		/* Offsets are whole µs as llmrun writes them; strtod only for
		 * anything else. */
		errno = 0;
		v = 0;
		for (end = (char *)p; *end >= '0' && *end <= '9' && end - p < 15; end++)
			v = v * 10 + (*end - '0');
		if (end == p || *end == '.' || *end == 'e' || *end == 'E' || (*end >= '0' && *end <= '9'))
			v = strtod(p, &end);
		/* strtod takes "nan" and "inf": no offset either. */
		if (end == p || errno || !(v >= 0) || !isfinite(v))
			return err_set(e, ERR_DATA, "chunk_log: bad offset near \"%.20s\"", p);
		p = end;
		if (*p == ':') {
			strtol(p + 1, &end, 10);
			if (end == p + 1)
				return err_set(e, ERR_DATA, "chunk_log: bad token count near \"%.20s\"", p);
			p = end;
		}
		if (*p && *p != ' ')
			return err_set(e, ERR_DATA, "chunk_log: unexpected \"%.20s\"", p);
		/* Chunks arrive in order: an offset below the one before is
		 * a broken log, and its gap would be negative. */
		if (n && v < prev)
			return err_set(e, ERR_DATA, "chunk_log: offsets go back (%.0f after %.0f)", v, prev);
		if (n == 0)
			*first_us = v;
		else if (gap)
			gap((v - prev) / 1000.0, ctx);
		prev = v;
		n++;
	}
	if (n)
		*last_us = prev;
	*nchunks = n;
	return 0;
}

/* Gaps go straight into room reserved beforehand for every chunk of the
 * row (one call per gap to buf_add cost a fifth of the run time on a
 * million rows). */
struct gap_ctx {
	struct buf *itl;
};

static void add_gap(double ms, void *ctx)
{
	struct buf *b = ((struct gap_ctx *)ctx)->itl;
	float f = (float)ms;

	if (!b)
		return;
	memcpy(b->p + b->len, &f, sizeof f);
	b->len += sizeof f;
}

/* An upper bound on the chunks of a log: its space-separated items. */
static size_t count_items(const char *log)
{
	size_t n = 1;

	if (!log)
		return 0;
	for (; *log; log++)
		n += *log == ' ';
	return n;
}

static int add_double(struct buf *b, double v, struct err *e)
{
	if (isnan(v))
		return 0;
	return buf_add(b, &v, sizeof v, e);
}

/* Whether one objective holds: 1, 0, or -1 when the request has no
 * figure to judge it by. */
static int holds(double limit, double v)
{
	return isnan(limit) ? 1 : isnan(v) ? -1 : v <= limit;
}

/* 1 when r meets every objective, 0 when it misses one, -1 when it misses
 * none it has figures for but lacks one: no TTFT without streaming, and
 * then no TPOT either. A request of one output token has no TPOT by
 * definition and meets a TPOT objective, as vLLM counts it 0. */
static int judge_slo(const struct an_slo *slo, const struct an_rec *r)
{
	int t = holds(slo->ttft_ms, r->ttft_ms), p = holds(slo->tpot_ms, r->tpot_ms),
	    e = holds(slo->e2e_ms, r->e2e_ms);

	if (p < 0 && r->out_tok >= 0 && r->out_tok < 2)
		p = 1;
	if (!t || !p || !e)
		return 0;
	return t < 0 || p < 0 || e < 0 ? -1 : 1;
}

/* The server's own speeds for one ok request (docs/metrics.md): its
 * prompt count over its prompt time (llama.cpp's prompt_n leaves out
 * prompt-cache hits, which usage.prompt_tokens counts, so usage is no
 * stand-in here), and its decode count over its decode time, with the
 * output count from usage when the server gave none of its own, never
 * one estimated from chunks. */
static int add_server(struct an_group *g, const struct an_rec *r, struct err *e)
{
	long dec = r->srv_decode_tok >= 0 ? r->srv_decode_tok : r->out_est ? -1 : r->out_tok;
	int rc = 0;

	if (r->srv_prompt_tok >= 0 && r->srv_prompt_ms > 0)
		rc = add_double(&g->srv_prefill, (double)r->srv_prompt_tok * 1000.0 / r->srv_prompt_ms, e);
	if (!rc && dec >= 0 && r->srv_decode_ms > 0)
		rc = add_double(&g->srv_decode, (double)dec * 1000.0 / r->srv_decode_ms, e);
	return rc;
}

/* The prefix cache and context figures of one ok request. A row whose
 * server said nothing of its cache counts neither way: its cached tokens
 * are unknown, not 0. */
static int add_context(struct an_set *s, struct an_group *g, const struct an_rec *r,
		       struct err *e)
{
	long prompt = an_rec_prompt_tokens(r);
	struct an_ctx_pt pt;
	int rc;

	if (r->cached_tok >= 0 && prompt >= 0) {
		g->cache_n++;
		g->cached_tok += (double)r->cached_tok;
		g->cache_prompt_tok += (double)prompt;
	}
	if (r->ctx_tok >= 0 && (rc = add_double(&g->ctx, (double)r->ctx_tok, e)))
		return rc;
	if (!s->keep_spans || prompt < 0 || isnan(r->ttft_ms))
		return 0;
	pt.ctx_tok = (float)prompt;
	pt.ttft_ms = (float)r->ttft_ms;
	pt.hit = r->cached_tok > 0;
	return buf_add(&g->ctx_pts, &pt, sizeof pt, e);
}

static int add_ok(struct an_set *s, struct an_group *g, const struct an_rec *r,
		  struct err *e)
{
	struct gap_ctx c = {s->no_gaps ? NULL : &g->itl};
	double first_us, last_us, span_ms = NAN, gen_ms;
	size_t nchunks;
	int rc;

	g->ok++;
	if (r->in_tok >= 0)
		g->in_tok += (double)r->in_tok;
	if (r->out_tok >= 0)
		g->out_tok += (double)r->out_tok;
	if (r->in_est || r->out_est)
		g->est++;
	if (r->e2e_approx)
		g->approx++;
	if (r->ttft_merged >= 0) {
		g->merge_known++;
		g->merged += (size_t)r->ttft_merged;
	}
	if (r->t_first != AN_NO_TIME) {
		/* The prefill span is the ok requests' own: the send of the
		 * attempt that got the first token, not a failed request's
		 * or a retried attempt's (they delivered no input tokens),
		 * and its tokens are those of the same rows (an ok answer
		 * without a first token has no prefill end). */
		if (r->t_sent != AN_NO_TIME) {
			if (r->t_sent < g->first_sent_ok)
				g->first_sent_ok = r->t_sent;
			if (r->in_tok >= 0)
				g->in_tok_first += (double)r->in_tok;
		}
		if (r->t_first < g->first_first)
			g->first_first = r->t_first;
		if (r->t_first > g->last_first)
			g->last_first = r->t_first;
	}
	if (r->t_end != AN_NO_TIME && r->t_end > g->last_end_ok)
		g->last_end_ok = r->t_end;
	if (r->max_tok > 0 && r->out_tok >= 0) {
		g->max_tok += (double)r->max_tok;
		g->max_out += (double)r->out_tok;
	}
	switch (judge_slo(&s->slo, r)) {
	case 1: g->good++; break;
	case -1: g->slo_unknown++; break;
	}
	if ((rc = add_double(&g->ttft, r->ttft_ms, e)) ||
	    (rc = add_double(&g->tpot, r->tpot_ms, e)) ||
	    (rc = add_double(&g->e2e, r->e2e_ms, e)) ||
	    (rc = add_server(g, r, e)) ||
	    (rc = add_context(s, g, r, e)))
		return rc;
	if (c.itl && (rc = buf_reserve(&g->itl, count_items(r->chunk_log) * sizeof(float), e)))
		return rc;
	rc = an_chunk_log(r->chunk_log, add_gap, &c, &first_us, &last_us, &nchunks, e);
	if (c.itl)
		g->itl.p[g->itl.len] = '\0'; /* buf's invariant, kept after the direct writes */
	if (rc)
		return rc;
	if (nchunks >= 2)
		span_ms = (last_us - first_us) / 1000.0;
	else if (r->t_first != AN_NO_TIME && r->t_last != AN_NO_TIME)
		span_ms = (double)(r->t_last - r->t_first) / 1e6;
	if (r->out_tok >= 2 && !isnan(span_ms)) {
		if ((rc = add_double(&g->itl_req, span_ms / (double)(r->out_tok - 1), e)))
			return rc;
	}
	/* Prefill speed of one request: its input over its TTFT (results
	 * column prefill_tok_per_s, recomputed so older files give it too). */
	if (r->in_tok >= 0 && r->ttft_ms > 0 &&
	    (rc = add_double(&g->prefill, (double)r->in_tok * 1000.0 / r->ttft_ms, e)))
		return rc;
	/* Output speed of one request: tokens after the first over the time
	 * they took, the reciprocal of its TPOT (gen_tok_per_s). */
	gen_ms = r->e2e_ms - r->ttft_ms;
	if (r->out_tok >= 2 && gen_ms > 0)
		return add_double(&g->speed, (double)(r->out_tok - 1) * 1000.0 / gen_ms, e);
	return 0;
}

/* The span of run_id among runs[0..n), or NULL. Runs are few (one unless
 * pooled): a search from the last one met. */
static struct an_run_span *find_run(struct an_run_span *runs, size_t n, const char *run_id,
				     const char *target)
{
	while (n-- > 0)
		if (strcmp(runs[n].run_id, run_id) == 0 && strcmp(runs[n].target, target) == 0)
			return &runs[n];
	return NULL;
}

/* A new empty span of run_id at the end of *runs, or NULL when memory
 * runs out. */
static struct an_run_span *add_run(struct an_run_span **runs, size_t *n, const char *run_id,
				   const char *target, int unplaced)
{
	struct an_run_span *sp = realloc(*runs, (*n + 1) * sizeof *sp);

	if (!sp)
		return NULL;
	*runs = sp;
	sp += *n;
	if (!(sp->run_id = strdup(run_id)))
		return NULL;
	if (!(sp->target = strdup(target))) {
		free(sp->run_id);
		return NULL;
	}
	sp->first_sent = INT64_MAX;
	sp->last_end = INT64_MIN;
	sp->unplaced = unplaced;
	(*n)++;
	return sp;
}

/* Widens the span of r's run in g. */
static int note_span(struct an_group *g, const struct an_rec *r, int64_t sent,
		     int64_t end, struct err *e)
{
	const char *target = r->target ? r->target : "";
	struct an_run_span *sp = find_run(g->runs, g->nruns, r->run_id, target);

	if (!sp) {
		/* Two spans of unknown place would overlap at 0 and count
		 * one duration for both: a throughput twice the truth. */
		if (g->nruns && (r->unplaced || g->runs[0].unplaced))
			return err_set(e, ERR_DATA, "run %s cannot be pooled with run %s: %s has no date "
				       "(a vLLM file without \"date\"), so when it ran is unknown",
				       r->run_id, g->runs[0].run_id,
				       r->unplaced ? r->run_id : g->runs[0].run_id);
		if (!(sp = add_run(&g->runs, &g->nruns, r->run_id, target, r->unplaced)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	if (sent != AN_NO_TIME && sent < sp->first_sent)
		sp->first_sent = sent;
	if (end != AN_NO_TIME && end > sp->last_end)
		sp->last_end = end;
	return 0;
}

/* Keeps the first target met and the first other one. */
static int note_target(struct an_group *g, const char *target, struct err *e)
{
	char **slot;

	if (!g->target)
		slot = &g->target;
	else if (!g->target2 && strcmp(g->target, target) != 0)
		slot = &g->target2;
	else
		return 0;
	if (!(*slot = strdup(target)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	return 0;
}

int an_set_add(struct an_set *s, const char *const *keys,
	       const struct an_rec *r, struct err *e)
{
	struct an_group *g = find_group(s, keys);
	int64_t sent = r->t_sent, end = r->t_end;
	int rc;

	if (!g)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (r->target && (rc = note_target(g, r->target, e)))
		return rc;
	if (r->file < 64)
		g->files |= (uint64_t)1 << r->file;
	if (r->conv_id)
		g->conv_rows++;
	g->status[r->status]++;
	counts_add(&g->n, 0, 0, r->status == AN_OK ? COUNTS_OK
				: r->status == AN_CANCELLED ? COUNTS_CANCELLED
							     : COUNTS_FAILED);
	g->requests = g->n.requests;
	if (r->ctx_tok >= 0 || r->cached_tok >= 0)
		g->ctx_rows++;
	/* A cancelled request ended when the user stopped the run, not when
	 * the server was done: it counts, but shapes no span or sample. */
	if (r->status == AN_CANCELLED)
		return 0;
	/* A row without its own times but with its run's span (a vLLM file)
	 * widens the group's span by that. */
	if (sent == AN_NO_TIME && r->run_from != AN_NO_TIME && r->run_to > r->run_from) {
		sent = r->run_from;
		end = r->run_to;
	}
	/* Its retried attempts' time is the step's too. */
	if (r->first_attempt > 0 && (sent == AN_NO_TIME || r->first_attempt < sent))
		sent = r->first_attempt;
	if (sent != AN_NO_TIME && sent < g->first_sent)
		g->first_sent = sent;
	if (end != AN_NO_TIME && end > g->last_end)
		g->last_end = end;
	if ((rc = note_span(g, r, sent, end, e)) || (rc = add_double(&g->lag, r->lag_ms, e)))
		return rc;
	if (s->keep_spans && r->t_sent != AN_NO_TIME && r->t_end != AN_NO_TIME) {
		struct an_span sp = {r->t_sent, r->t_first, r->t_end,
				     r->out_tok > INT32_MAX ? INT32_MAX : (int32_t)r->out_tok,
				     r->status == AN_OK};

		if ((rc = buf_add(&g->spans, &sp, sizeof sp, e)))
			return rc;
	}
	if (r->status == AN_OK)
		return add_ok(s, g, r, e);
	return 0;
}

static int cmp_value(const char *a, const char *b)
{
	char *ea, *eb;
	double x = strtod(a, &ea), y = strtod(b, &eb);

	if (*a && *b && !*ea && !*eb && x != y)
		return (x > y) - (x < y);
	return strcmp(a, b);
}

static int cmp_group(const void *pa, const void *pb, void *ctx)
{
	size_t nkeys = *(const size_t *)ctx;
	const struct an_group *a = *(struct an_group *const *)pa;
	const struct an_group *b = *(struct an_group *const *)pb;
	size_t i;
	int c;

	for (i = 0; i < nkeys; i++)
		if ((c = cmp_value(a->key[i], b->key[i])))
			return c;
	return 0;
}

void an_set_sort(struct an_set *s)
{
	size_t i, j;

	qsort_r(s->groups, s->ngroups, sizeof *s->groups, cmp_group, &s->nkeys);
	memset(s->table, 0, s->tablesize * sizeof *s->table);
	for (i = 0; i < s->ngroups; i++) {
		j = hash_keys((const char *const *)s->groups[i]->key, s->nkeys) & (s->tablesize - 1);
		while (s->table[j])
			j = (j + 1) & (s->tablesize - 1);
		s->table[j] = i + 1;
	}
}

int an_key_number(const char *name, const char *val, double *x)
{
	if (!val || (strcmp(name, "step") != 0 && strcmp(name, "turn") != 0 &&
		     strcmp(name, AN_KEY_CTX_BUCKET) != 0))
		return 0;
	return num_decimal(val, x) == 0;
}

/* Whether key k is one that splits a step into parts. */
static int part_key(const struct an_set *s, size_t k)
{
	return strcmp(s->keynames[k], "turn") == 0 || strcmp(s->keynames[k], AN_KEY_CTX_BUCKET) == 0;
}

/* Widens g's step runs by run r (merged by run id). */
static int add_step_run(struct an_group *g, const struct an_run_span *r, struct err *e)
{
	struct an_run_span *sp = find_run(g->step_runs, g->nstep_runs, r->run_id, r->target);

	if (!sp && !(sp = add_run(&g->step_runs, &g->nstep_runs, r->run_id, r->target, 0)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (r->first_sent < sp->first_sent)
		sp->first_sent = r->first_sent;
	if (r->last_end > sp->last_end)
		sp->last_end = r->last_end;
	sp->unplaced |= r->unplaced;
	return 0;
}

int an_set_step_spans(struct an_set *s, struct err *e)
{
	size_t i, j, k, r;
	int rc, parts = 0;

	/* With such a key every group is a part, the one of rows without a
	 * turn or a context count (an empty value) too. */
	for (k = 0; k < s->nkeys; k++)
		parts |= part_key(s, k);
	for (i = 0; parts && i < s->ngroups; i++) {
		struct an_group *g = s->groups[i];

		if (g->step_runs)
			continue;
		for (j = 0; j < s->ngroups; j++) {
			const struct an_group *o = s->groups[j];

			for (k = 0; k < s->nkeys; k++)
				if (!part_key(s, k) && strcmp(g->key[k], o->key[k]) != 0)
					break;
			if (k < s->nkeys)
				continue;
			for (r = 0; r < o->nruns; r++)
				if ((rc = add_step_run(g, &o->runs[r], e)))
					return rc;
		}
	}
	return 0;
}

struct an_run_span *an_group_spans(const struct an_group *g, size_t *n)
{
	*n = g->step_runs ? g->nstep_runs : g->nruns;
	return g->step_runs ? g->step_runs : g->runs;
}
