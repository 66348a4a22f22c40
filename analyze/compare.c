#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "group.h"
#include "load.h"
#include "metrics.h"
#include "rng.h"

#define LAT(x, src)                                       \
	{#x "_mean", src, -1, "ms", 1, 3},                \
	{#x "_p50", src, 50, "ms", 1, 3},                 \
	{#x "_p90", src, 90, "ms", 1, 3},                 \
	{#x "_p95", src, 95, "ms", 1, 3},                 \
	{#x "_p99", src, 99, "ms", 1, 3}

const struct cmp_metric cmp_metrics[] = {
	LAT(ttft, CMP_TTFT),
	LAT(tpot, CMP_TPOT),
	LAT(e2e, CMP_E2E),
	{"out_tok_per_s", CMP_OUT_TOK_PER_S, -1, "tok/s", -1, 2},
	{"req_per_s", CMP_REQ_PER_S, -1, "req/s", -1, 3},
};
static const size_t cmp_nmetrics = sizeof cmp_metrics / sizeof cmp_metrics[0];

const char *const cmp_default_metrics[] = {
	"ttft_p50", "ttft_p99", "ttft_mean", "tpot_p50", "tpot_p99",
	"e2e_p50", "e2e_p99", "out_tok_per_s", "req_per_s", NULL,
};

/* Throughputs are compared over time windows (docs/compare.md): at most
 * this many per group, with at least CMP_WIN_REQS ok requests each on
 * average, and no interval with fewer than CMP_WIN_MIN windows. */
#define CMP_WIN_MAX 20
#define CMP_WIN_REQS 10
#define CMP_WIN_MIN 5
/* Fewer requests than this on a side: no interval for a latency. */
#define CMP_MIN_SAMPLES 10
/* Nor for a percentile with fewer requests than this beyond it (p99
 * needs 500): the bootstrap of a quantile near the sample's edge only
 * reshuffles its few largest values, and its interval is too narrow. */
#define CMP_TAIL_MIN 5.0

int cmp_metric_find(const char *s)
{
	size_t i;

	for (i = 0; i < cmp_nmetrics; i++)
		if (strcmp(cmp_metrics[i].name, s) == 0)
			return (int)i;
	return -1;
}

/* One SPEC item, "name:[+-]number[%]", of length len at s. */
static int parse_rule(const char *s, size_t len, struct cmp_rule *rule, struct err *e)
{
	char item[128], *colon, *v, *end;
	const struct cmp_metric *m;
	double x;
	int sign = 0;

	if (len == 0)
		return err_set(e, ERR_USAGE, "--fail-on: empty item");
	if (len >= sizeof item)
		return err_set(e, ERR_USAGE, "--fail-on: item too long: '%.40s...'", s);
	memcpy(item, s, len);
	item[len] = '\0';
	if (!(colon = strchr(item, ':')))
		return err_set(e, ERR_USAGE, "--fail-on: '%s' is not METRIC:LIMIT (e.g. ttft_p99:+10%%)", item);
	*colon = '\0';
	if ((rule->metric = cmp_metric_find(item)) < 0)
		return err_set(e, ERR_USAGE, "--fail-on: unknown metric '%s' in '%s:%s' (see llmanalyze compare --help)",
			       item, item, colon + 1);
	m = &cmp_metrics[rule->metric];
	v = colon + 1;
	if (*v == '+' || *v == '-')
		sign = *v++ == '+' ? 1 : -1;
	if (!(*v >= '0' && *v <= '9') && *v != '.')
		return err_set(e, ERR_USAGE, "--fail-on: bad limit '%s' for %s (e.g. +10%% or +20)", colon + 1, item);
	x = strtod(v, &end);
	rule->relative = *end == '%';
	if (rule->relative)
		end++;
	if (*end || !isfinite(x))
		return err_set(e, ERR_USAGE, "--fail-on: bad limit '%s' for %s (e.g. +10%% or +20)", colon + 1, item);
	if (sign && sign != m->worse && x != 0)
		return err_set(e, ERR_USAGE, "--fail-on: '%s:%s' could never fire: a regression of %s is %s",
			       item, colon + 1, item, m->worse > 0 ? "an increase (+)" : "a decrease (-)");
	if (rule->relative && m->worse < 0 && x >= 100)
		return err_set(e, ERR_USAGE, "--fail-on: '%s:%s' could never fire: a throughput falls by less than 100%%",
			       item, colon + 1);
	rule->limit = (double)m->worse * x / (rule->relative ? 100.0 : 1.0);
	return 0;
}

int cmp_spec_parse(const char *spec, struct cmp_rule *rules, size_t max,
		   size_t *n, struct err *e)
{
	const char *p = spec, *comma;
	size_t len, i;
	int rc;

	*n = 0;
	for (;;) {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (*n == max)
			return err_set(e, ERR_USAGE, "--fail-on: more than %zu items", max);
		if ((rc = parse_rule(p, len, &rules[*n], e)))
			return rc;
		for (i = 0; i < *n; i++)
			if (rules[i].metric == rules[*n].metric)
				return err_set(e, ERR_USAGE, "--fail-on: %s given twice",
					       cmp_metrics[rules[i].metric].name);
		(*n)++;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

char *cmp_rule_str(const struct cmp_rule *rule, char *out, size_t n)
{
	snprintf(out, n, "%s:%+g%s", cmp_metrics[rule->metric].name,
		 rule->relative ? rule->limit * 100.0 : rule->limit, rule->relative ? "%" : "");
	return out;
}

/* ---- loading ---- */

struct side {
	struct an_set *set;
	const struct cmp_opts *o;
};

static int on_row(void *ctx, const char *const *keys, const struct an_rec *r, struct err *e)
{
	return an_set_add(((struct side *)ctx)->set, keys, r, e);
}

static void on_warn(void *ctx, const char *msg)
{
	const struct side *s = ctx;

	if (s->o->warn)
		s->o->warn(s->o->ctx, msg);
}

/* A group's figures are one run's against one target: requests of two
 * (llmrun --targets writes every target into one file; two results files
 * joined) would pool into one TTFT and a throughput over their joint
 * span, which describe neither. */
static int one_run(const char *path, const struct an_set *s, const struct cmp_opts *o,
		   struct err *e)
{
	char key[256];
	size_t i, k, len;

	for (i = 0; i < s->ngroups; i++) {
		const struct an_group *g = s->groups[i];
		int targets = o->one_target && g->target2;

		if (!targets && !(o->one_run && g->nruns > 1 && strcmp(g->runs[0].run_id, g->runs[1].run_id) != 0))
			continue;
		for (k = 0, len = 0, key[0] = '\0'; k < s->nkeys && len < sizeof key; k++)
			if (g->key[k][0])
				len += (size_t)snprintf(key + len, sizeof key - len, "%s%s=%s",
							len ? " " : "", s->keynames[k], g->key[k]);
		if (targets)
			return err_set(e, ERR_DATA, "%s: the group %s holds the rows of two targets (%s, %s): "
				       "compare one target at a time (--by with target keeps them apart)",
				       path, key, g->target, g->target2);
		return err_set(e, ERR_DATA, "%s: the group %s holds the rows of two runs (%s, %s): "
			       "compare one run at a time (--by with run_id keeps them apart), "
			       "or pool them (--pool-runs)",
			       path, key, g->runs[0].run_id, g->runs[1].run_id);
	}
	return 0;
}

static int load(const char *path, const struct cmp_opts *o, struct an_set **out, struct err *e)
{
	struct side s = {NULL, o};
	struct an_load_opts lo = {o->by, o->nby, o->by_optional, on_row, &s, on_warn, 0};
	struct an_load_stats st;
	struct an_slo slo = {NAN, NAN, NAN};
	int rc;

	/* Spans are kept: the throughput windows need each request's times. */
	if (!(s.set = *out = an_set_new(o->by, o->nby, &slo, 1)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	/* No ITL metric is compared: pooling and sorting every chunk gap
	 * (tens of millions on a large file) was a fifth of the time. */
	s.set->no_gaps = 1;
	memset(&st, 0, sizeof st);
	rc = an_load(&path, 1, &lo, &st, e);
	an_load_stats_free(&st);
	if (!rc && s.set->ngroups == 0)
		rc = err_set(e, ERR_DATA, "%s: no result rows to compare (all warmup or none)", path);
	if (!rc && (o->one_target || o->one_run))
		rc = one_run(path, s.set, o, e);
	if (!rc)
		rc = an_set_step_spans(s.set, e);
	return rc;
}

/* ---- throughput windows ---- */

struct piece {
	int64_t lo, hi; /* epoch ns */
	double off;     /* ns of the union before lo */
};

/* The union of g's run spans (its step's for a part of a step:
 * an_group_spans) as disjoint pieces (the duration llmanalyze divides by:
 * analyze/metrics.c), each with its offset into the union. The runs are
 * sorted by first send (an_metrics_compute did). Returns the count, or 0
 * when there is no span; *total gets the union in ns. */
static size_t pieces(const struct an_group *g, struct piece *pc, double *total)
{
	size_t i, n = 0, nruns;
	const struct an_run_span *runs = an_group_spans(g, &nruns);

	*total = 0;
	for (i = 0; i < nruns; i++) {
		const struct an_run_span *r = &runs[i];

		if (r->first_sent == INT64_MAX || r->last_end <= r->first_sent)
			continue;
		if (n && r->first_sent <= pc[n - 1].hi) {
			if (r->last_end > pc[n - 1].hi)
				pc[n - 1].hi = r->last_end;
			continue;
		}
		pc[n].lo = r->first_sent;
		pc[n].hi = r->last_end;
		n++;
	}
	for (i = 0; i < n; i++) {
		pc[i].off = *total;
		*total += (double)(pc[i].hi - pc[i].lo);
	}
	return n;
}

/* Time t as ns into the union of the pieces (clamped to it). */
static double offset(const struct piece *pc, size_t n, int64_t t)
{
	size_t i;

	for (i = n; i-- > 0;)
		if (t >= pc[i].lo)
			return pc[i].off + (double)((t < pc[i].hi ? t : pc[i].hi) - pc[i].lo);
	return 0;
}

/* Adds amount spread evenly over [a, b] (ns into the union) to the
 * windows w[0..k) of width wd; all of it to one window when a == b. */
static void spread(double *w, size_t k, double wd, double a, double b, double amount)
{
	size_t i, first = (size_t)(a / wd), last = (size_t)(b / wd);

	if (first >= k)
		first = k - 1;
	if (last >= k)
		last = k - 1;
	if (b <= a) {
		w[first] += amount;
		return;
	}
	for (i = first; i <= last; i++) {
		double lo = (double)i * wd, hi = lo + wd;

		if (i == k - 1)
			hi = b > hi ? b : hi;
		lo = a > lo ? a : lo;
		hi = b < hi ? b : hi;
		if (hi > lo)
			w[i] += amount * (hi - lo) / (b - a);
	}
}

/* Splits g's span (the union of its runs) into k equal windows and
 * writes each window's rate per second into w: each ok request's output
 * tokens spread evenly over its streaming time (first token to end), or
 * the request itself (a count of 1) over its life (send to end). Spread,
 * not counted where they end: in a closed loop requests end in waves, and
 * counting ends would measure the waves. The windows' mean is the group's
 * own out_tok_per_s or req_per_s. Returns k, or 0 when g has too few
 * requests for CMP_WIN_MIN windows. */
static size_t windows(const struct an_group *g, enum cmp_src src, double *w)
{
	struct piece *pc;
	const struct an_span *sp = (const struct an_span *)g->spans.p;
	size_t nsp = g->spans.len / sizeof *sp, k = g->n.ok / CMP_WIN_REQS, np, i;
	double total, wd;

	if (k > CMP_WIN_MAX)
		k = CMP_WIN_MAX;
	if (k < CMP_WIN_MIN || !(pc = malloc((g->nruns + g->nstep_runs + 1) * sizeof *pc)))
		return 0;
	np = pieces(g, pc, &total);
	if (!np || !(total > 0)) {
		free(pc);
		return 0;
	}
	wd = total / (double)k;
	memset(w, 0, k * sizeof *w);
	for (i = 0; i < nsp; i++) {
		const struct an_span *s = &sp[i];
		double end = offset(pc, np, s->end);

		if (!s->ok)
			continue;
		if (src == CMP_REQ_PER_S)
			spread(w, k, wd, offset(pc, np, s->sent), end, 1.0);
		else if (s->out_tok >= 0)
			spread(w, k, wd, offset(pc, np, s->first != AN_NO_TIME ? s->first : s->sent),
			       end, (double)s->out_tok);
	}
	for (i = 0; i < k; i++)
		w[i] /= wd / 1e9;
	free(pc);
	return k;
}

/* ---- one metric of one group ---- */

/* The samples of one side for one metric: sorted latencies, or window
 * rates; with the point figure llmanalyze reports. */
struct sample {
	const double *v;
	size_t n;
	double point, mean, sd;
	int ci;                 /* enough samples for an interval */
	double win[CMP_WIN_MAX];
};

static void sample_of(struct an_group *g, const struct an_metrics *m,
		      const struct cmp_metric *cm, struct sample *s)
{
	const struct buf *b = cm->src == CMP_TTFT ? &g->ttft : cm->src == CMP_TPOT ? &g->tpot : &g->e2e;
	const struct stats_summary *ss = cm->src == CMP_TTFT ? &m->ttft : cm->src == CMP_TPOT ? &m->tpot : &m->e2e;

	if (cm->src == CMP_OUT_TOK_PER_S || cm->src == CMP_REQ_PER_S) {
		s->n = windows(g, cm->src, s->win);
		s->v = s->win;
		s->point = cm->src == CMP_REQ_PER_S ? m->req_per_s : m->out_tok_per_s;
		s->mean = stats_mean(s->win, s->n);
		s->sd = stats_std(s->win, s->n);
		s->ci = s->n > 0;
		return;
	}
	s->v = (const double *)b->p; /* sorted by an_metrics_compute */
	s->n = b->len / sizeof(double);
	s->point = cm->p < 0 ? ss->mean : stats_percentile_sorted(s->v, s->n, cm->p);
	s->mean = ss->mean;
	s->sd = ss->std;
	/* Else the figure stands, without an interval. */
	s->ci = s->n >= CMP_MIN_SAMPLES &&
		(cm->p < 0 || (double)s->n * fmin(cm->p, 100 - cm->p) / 100.0 >= CMP_TAIL_MIN);
}

static double draw(struct rng *r, const struct cmp_metric *cm, const struct sample *s)
{
	return cm->p < 0 ? boot_mean(r, s->v, s->n, s->mean, s->sd) : boot_percentile(r, s->v, s->n, cm->p);
}

/* A generator for one (group, metric, side), from the seed and their
 * names: an interval does not change with which other metrics or groups
 * are compared, or their order. */
static void seed_for(struct rng *r, uint64_t seed, char *const *key, size_t nkeys,
		     const char *metric, int side)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	const unsigned char *p;
	size_t i;

	for (i = 0; i <= nkeys; i++) {
		for (p = (const unsigned char *)(i < nkeys ? key[i] : metric); *p; p++)
			h = (h ^ *p) * 1099511628211ull;
		h = (h ^ 0x1f) * 1099511628211ull;
	}
	rng_seed(r, seed ^ h ^ (uint64_t)side * 0x9e3779b97f4a7c15ull);
}

struct scratch {
	double *diff, *rel;
};

static void compare_cell(struct an_group *gb, const struct an_metrics *mb,
			 struct an_group *gc, const struct an_metrics *mc, size_t nkeys,
			 const struct cmp_opts *o, struct scratch *sc, struct cmp_cell *c)
{
	const struct cmp_metric *cm = &cmp_metrics[c->metric];
	struct sample sb, scand;
	struct rng rb, rc;
	size_t i, B = o->resamples;

	sample_of(gb, mb, cm, &sb);
	sample_of(gc, mc, cm, &scand);
	c->base = sb.point;
	c->cand = scand.point;
	c->diff = c->cand - c->base;
	c->rel = c->base != 0 ? c->cand / c->base - 1.0 : NAN;
	c->n_base = sb.n;
	c->n_cand = scand.n;
	c->diff_lo = c->diff_hi = c->rel_lo = c->rel_hi = NAN;
	/* NEW lost what BASE had: too few ok requests for an interval, and
	 * failed ones among them (a shorter run alone is "not judged"). */
	c->thin = sb.ci && !scand.ci && gc->n.failed > 0;
	if (!sb.ci || !scand.ci || !B || isnan(c->diff))
		return;
	seed_for(&rb, o->seed, gb->key, nkeys, cm->name, 0);
	seed_for(&rc, o->seed, gb->key, nkeys, cm->name, 1);
	for (i = 0; i < B; i++) {
		double b = draw(&rb, cm, &sb), n = draw(&rc, cm, &scand);

		sc->diff[i] = n - b;
		sc->rel[i] = b != 0 ? n / b - 1.0 : NAN;
	}
	boot_interval(sc->diff, B, 0.95, &c->diff_lo, &c->diff_hi);
	boot_interval(sc->rel, B, 0.95, &c->rel_lo, &c->rel_hi);
	c->sig = c->diff_lo > 0 ? 1 : c->diff_hi < 0 ? -1 : 0;
}

/* Sets c->rule and c->fail from the rules: a regression beyond the limit
 * with 95% confidence, i.e. the whole interval past the limit. A metric
 * has one rule (cmp_spec_parse refuses a second). */
static void judge(const struct cmp_opts *o, struct cmp_cell *c)
{
	size_t i;

	c->rule = -1;
	c->fail = c->unjudged = c->lost = 0;
	for (i = 0; i < o->nrules; i++) {
		const struct cmp_rule *r = &o->rules[i];
		double lo, hi;

		if (r->metric != c->metric)
			continue;
		c->rule = (int)i;
		lo = r->relative ? c->rel_lo : c->diff_lo;
		hi = r->relative ? c->rel_hi : c->diff_hi;
		c->unjudged = isnan(lo) || isnan(hi);
		c->lost = c->unjudged && c->thin;
		if (cmp_metrics[c->metric].worse > 0)
			c->fail = lo > r->limit;
		else
			c->fail = hi < r->limit;
	}
}

/* 1 when set s has no value in key k (a column its file lacks). */
static int lacks(const struct an_set *s, size_t k)
{
	size_t i;

	for (i = 0; i < s->ngroups; i++)
		if (s->groups[i]->key[k][0])
			return 0;
	return 1;
}

/* The group of s whose key is key: the one exact match, else the one
 * group that matches when the keys marked any[] (optional keys that one
 * file lacks) are taken as any value; NULL when none, or several so. */
static struct an_group *find(const struct an_set *s, char *const *key,
			     const unsigned char *any)
{
	struct an_group *loose = NULL;
	size_t i, k, nloose = 0;

	for (i = 0; i < s->ngroups; i++) {
		int exact = 1, match = 1;

		for (k = 0; k < s->nkeys && match; k++) {
			if (strcmp(s->groups[i]->key[k], key[k]) == 0)
				continue;
			exact = 0;
			match = any[k];
		}
		if (exact)
			return s->groups[i];
		if (match) {
			loose = s->groups[i];
			nloose++;
		}
	}
	return nloose == 1 ? loose : NULL;
}

static char **dup_key(char *const *key, size_t n)
{
	char **k = calloc(n ? n : 1, sizeof *k);
	size_t i;

	for (i = 0; k && i < n; i++)
		if (!(k[i] = strdup(key[i]))) {
			while (i-- > 0)
				free(k[i]);
			free(k);
			return NULL;
		}
	return k;
}

/* Whether a gated metric of g has an interval: a group the gate could
 * judge, so one NEW lacks fails it (a last turn of a few requests that a
 * run did not reach does not). */
static int judgeable(struct an_group *g, const struct cmp_opts *o)
{
	struct an_metrics m;
	struct sample sm;
	size_t i;

	if (!o->nrules)
		return 0;
	an_metrics_compute(g, 0, &m);
	for (i = 0; i < o->nrules; i++) {
		sample_of(g, &m, &cmp_metrics[o->rules[i].metric], &sm);
		if (sm.ci)
			return 1;
	}
	return 0;
}

static int add_only(struct cmp_result *res, const struct an_group *g, int in_cand)
{
	struct cmp_only *o = realloc(res->only, (res->nonly + 1) * sizeof *o);

	if (!o)
		return -1;
	res->only = o;
	o += res->nonly;
	if (!(o->key = dup_key(g->key, res->nkeys)))
		return -1;
	o->in_cand = in_cand;
	o->gated = 0;
	o->requests = g->n.requests;
	res->nonly++;
	return 0;
}

static int compare_sets(struct an_set *sb, struct an_set *sc, const struct cmp_opts *o,
			struct cmp_result *res, struct err *e)
{
	struct scratch scr = {calloc(o->resamples + 1, sizeof(double)),
			      calloc(o->resamples + 1, sizeof(double))};
	unsigned char *any = calloc(o->nby + 1, 1);
	size_t i, j;
	int rc = 0;

	for (i = 0; any && i < o->nby; i++)
		any[i] = o->by_optional && o->by_optional[i] && (lacks(sb, i) || lacks(sc, i));
	if (!any)
		rc = err_set(e, ERR_SOFTWARE, "out of memory");

	if (!rc && (!scr.diff || !scr.rel || !(res->rows = calloc(sb->ngroups, sizeof *res->rows))))
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
	for (i = 0; !rc && i < sb->ngroups; i++) {
		struct an_group *gb = sb->groups[i], *gc = find(sc, gb->key, any);
		struct an_metrics mb, mc;
		struct cmp_row *row;

		if (!gc) {
			if (add_only(res, gb, 0))
				rc = err_set(e, ERR_SOFTWARE, "out of memory");
			res->only[res->nonly - 1].gated = !rc && judgeable(gb, o);
			res->nmissing += (size_t)(!rc && res->only[res->nonly - 1].gated);
			continue;
		}
		row = &res->rows[res->nrows];
		if (!(row->key = dup_key(gb->key, res->nkeys)) ||
		    !(row->cells = calloc(o->nmetrics ? o->nmetrics : 1, sizeof *row->cells))) {
			free(row->key);
			row->key = NULL;
			rc = err_set(e, ERR_SOFTWARE, "out of memory");
			break;
		}
		res->nrows++;
		an_metrics_compute(gb, 0, &mb);
		an_metrics_compute(gc, 0, &mc);
		row->ok_base = gb->n.ok;
		row->ok_cand = gc->n.ok;
		for (j = 0; j < o->nmetrics; j++) {
			row->cells[j].metric = o->metrics[j];
			compare_cell(gb, &mb, gc, &mc, res->nkeys, o, &scr, &row->cells[j]);
			judge(o, &row->cells[j]);
			res->nfail += (size_t)row->cells[j].fail;
			res->nunjudged += (size_t)row->cells[j].unjudged;
			res->nlost += (size_t)row->cells[j].lost;
		}
	}
	for (i = 0; !rc && i < sc->ngroups; i++)
		if (!find(sb, sc->groups[i]->key, any) && add_only(res, sc->groups[i], 1))
			rc = err_set(e, ERR_SOFTWARE, "out of memory");
	free(scr.diff);
	free(scr.rel);
	free(any);
	return rc;
}

/* Drops key k of every row: the values move down one. */
static void drop_key(char **key, size_t n, size_t k)
{
	free(key[k]);
	memmove(key + k, key + k + 1, (n - k - 1) * sizeof *key);
}

/* An optional key that neither file has (every value empty: files
 * without turns, or older ones) is not shown. */
static void drop_empty_keys(struct cmp_result *res, const struct cmp_opts *o)
{
	size_t k = res->nkeys, i, used = o->nby;

	while (k-- > 0) {
		int empty = o->by_optional && o->by_optional[k];

		for (i = 0; empty && i < res->nrows; i++)
			empty = !res->rows[i].key[k][0];
		for (i = 0; empty && i < res->nonly; i++)
			empty = !res->only[i].key[k][0];
		if (!empty)
			continue;
		for (i = 0; i < res->nrows; i++)
			drop_key(res->rows[i].key, used, k);
		for (i = 0; i < res->nonly; i++)
			drop_key(res->only[i].key, used, k);
		drop_key(res->keynames, used, k);
		used--;
	}
	res->nkeys = used;
}

int cmp_run(const char *base, const char *cand, const struct cmp_opts *o,
	    struct cmp_result *res, struct err *e)
{
	struct an_set *sb = NULL, *sc = NULL;
	int rc;

	memset(res, 0, sizeof *res);
	res->ncells = o->nmetrics;
	res->resamples = o->resamples;
	if (!(res->keynames = dup_key((char *const *)o->by, o->nby)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	res->nkeys = o->nby;
	rc = load(base, o, &sb, e);
	if (!rc)
		rc = load(cand, o, &sc, e);
	if (!rc) {
		/* Rows in key order, numbers as numbers (step 2 before 10). */
		an_set_sort(sb);
		an_set_sort(sc);
		rc = compare_sets(sb, sc, o, res, e);
	}
	if (!rc)
		drop_empty_keys(res, o);
	an_set_free(sb);
	an_set_free(sc);
	return rc;
}

static void free_key(char **key, size_t n)
{
	size_t i;

	if (!key)
		return;
	for (i = 0; i < n; i++)
		free(key[i]);
	free(key);
}

void cmp_result_free(struct cmp_result *res)
{
	size_t i;

	for (i = 0; i < res->nrows; i++) {
		free_key(res->rows[i].key, res->nkeys);
		free(res->rows[i].cells);
	}
	free(res->rows);
	for (i = 0; i < res->nonly; i++)
		free_key(res->only[i].key, res->nkeys);
	free(res->only);
	free_key(res->keynames, res->nkeys);
	memset(res, 0, sizeof *res);
}
