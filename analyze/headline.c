#include "headline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cols.h"

double an_slo_attainment(const struct an_group *g)
{
	size_t n = g->ok + g->n.failed;

	return n && !g->slo_unknown ? (double)g->good / (double)n : NAN;
}

/* Whether groups a and b differ only in the step. */
static int same_series(const struct an_report *r, size_t a, size_t b)
{
	const struct an_set *s = r->set;
	size_t k;

	for (k = 0; k < s->nkeys; k++)
		if ((int)k != r->step_key && strcmp(s->groups[a]->key[k], s->groups[b]->key[k]) != 0)
			return 0;
	return 1;
}

/* Step order: an_set_sort already sorted the groups by key, steps as
 * numbers, so a series' groups come in step order by index. */
static int add_group(struct an_headline *h, const struct an_report *r, size_t g, struct err *e)
{
	struct an_hl_series *sr;
	size_t i, *p;

	for (i = 0; i < h->n; i++)
		if (same_series(r, h->s[i].groups[0], g))
			break;
	if (i == h->n) {
		if (!(sr = realloc(h->s, (h->n + 1) * sizeof *sr)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
		h->s = sr;
		memset(&h->s[h->n++], 0, sizeof *sr);
	}
	sr = &h->s[i];
	if (!(p = realloc(sr->groups, (sr->n + 1) * sizeof *p)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	sr->groups = p;
	sr->groups[sr->n++] = g;
	return 0;
}

int an_headline_build(const struct an_report *r, struct an_headline *h, struct err *e)
{
	const struct an_slo *slo = &r->set->slo;
	const struct an_col *tp = &an_cols[an_col_find("out_tok_per_s")];
	size_t i, j, g;
	int rc;

	memset(h, 0, sizeof *h);
	h->slo_set = !isnan(slo->ttft_ms) || !isnan(slo->tpot_ms) || !isnan(slo->e2e_ms);
	for (g = 0; g < r->n; g++)
		if ((rc = add_group(h, r, g, e))) {
			an_headline_free(h);
			return rc;
		}
	for (i = 0; i < h->n; i++) {
		struct an_hl_series *sr = &h->s[i];
		double best = -INFINITY, v;

		sr->peak = sr->slo_best = AN_HL_NONE;
		for (j = 0; j < sr->n; j++) {
			g = sr->groups[j];
			/* A step not ended yet (a live report) is no peak. */
			if (r->m[g].partial > 0)
				continue;
			v = an_col_value(tp, &r->m[g]);
			if (!isnan(v) && v > best) {
				best = v;
				sr->peak = g;
			}
			/* The largest step, not the first: a step that fails
			 * between two that pass does not hide the larger one. */
			if (h->slo_set && an_slo_attainment(r->set->groups[g]) >= AN_SLO_ATTAIN)
				sr->slo_best = g;
		}
	}
	return 0;
}

void an_headline_free(struct an_headline *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->s[i].groups);
	free(h->s);
	memset(h, 0, sizeof *h);
}
