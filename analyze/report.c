#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cols.h"

struct rank_ctx {
	const struct an_report *r;
	const struct an_col *c;
	int asc;
};

static int cmp_rank(const void *pa, const void *pb, void *ctx)
{
	const struct rank_ctx *k = ctx;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	double x = an_col_value(k->c, &k->r->m[a]), y = an_col_value(k->c, &k->r->m[b]);

	if (isnan(x) || isnan(y))
		return isnan(x) - isnan(y);
	if (x != y)
		return k->asc ? (x > y) - (x < y) : (x < y) - (x > y);
	return (a > b) - (a < b); /* stable: key order among equals */
}

/* Whether groups a and b agree on every key shown but k. */
static int same_but(const struct an_set *s, const unsigned char *hide, size_t k,
		    size_t a, size_t b)
{
	size_t i;

	for (i = 0; i < s->nkeys; i++)
		if (i != k && !hide[i] && strcmp(s->groups[a]->key[i], s->groups[b]->key[i]) != 0)
			return 0;
	return 1;
}

/* The keys added to the default grouping so runs are never pooled by
 * accident add nothing to read when no two groups need them to be told
 * apart: each is hidden, in the order run_id, step_kind, schedule, when
 * the other shown keys already differ between every pair of groups
 * (two runs of different schedules show the schedule, not the id). */
void an_keys_hidden(const struct an_set *s, unsigned char *hide)
{
	static const char *const quiet[] = {"run_id", "step_kind", "schedule"};
	size_t q, k, a, b;
	int needed;

	memset(hide, 0, s->nkeys);
	/* source is shown once any group is not llmrun's (a vLLM file), so
	 * a table of llmrun results alone looks as it always did. */
	for (k = 0; k < s->nkeys; k++)
		if (strcmp(s->keynames[k], "source") == 0) {
			hide[k] = 1;
			for (a = 0; a < s->ngroups; a++)
				if (*s->groups[a]->key[k] && strcmp(s->groups[a]->key[k], "llmrun") != 0)
					hide[k] = 0;
		}
	/* turn, in the default keys, is shown once a group has one (the
	 * results come from a conversation run). */
	for (k = 0; k < s->nkeys; k++)
		if (strcmp(s->keynames[k], "turn") == 0) {
			hide[k] = 1;
			for (a = 0; a < s->ngroups; a++)
				if (*s->groups[a]->key[k])
					hide[k] = 0;
		}
	for (q = 0; q < 3; q++) {
		for (k = 0; k < s->nkeys; k++)
			if (strcmp(s->keynames[k], quiet[q]) == 0)
				break;
		if (k == s->nkeys)
			continue;
		needed = 0;
		for (a = 0; a < s->ngroups && !needed; a++)
			for (b = a + 1; b < s->ngroups && !needed; b++)
				needed = same_but(s, hide, k, a, b);
		/* A trace's step is 0: only step_kind says what it was. */
		for (a = 0; q == 1 && a < s->ngroups && !needed; a++)
			needed = strcmp(s->groups[a]->key[k], "trace") == 0;
		hide[k] = !needed;
	}
}

/* Marks the steps whose prefix cache hits rose AN_CACHE_RISE or more above
 * their series' first step's: a series is the shown keys but the step, as
 * in the charts; groups are sorted, so its first step is its first group. */
static void cache_rise(struct an_report *r)
{
	const struct an_set *s = r->set;
	size_t k = (size_t)r->step_key;

	for (size_t i = 0; i < r->n; i++) {
		r->m[i].cache_first = NAN;
		r->m[i].cache_first_step = NULL;
	}
	if (r->step_key < 0)
		return;
	for (size_t i = 0; i < r->n; i++) {
		size_t j = 0;

		if (isnan(r->m[i].cache_hit_rate))
			continue;
		while (j < i && !same_but(s, r->hide, k, j, i))
			j++;
		if (j < i && !isnan(r->m[j].cache_hit_rate) &&
		    r->m[i].cache_hit_rate - r->m[j].cache_hit_rate >= AN_CACHE_RISE) {
			r->m[i].cache_first = r->m[j].cache_hit_rate;
			r->m[i].cache_first_step = s->groups[j]->key[k];
		}
	}
}

int an_report_build(struct an_set *s, int slo_set, int rank,
		    struct an_report *r, struct err *e)
{
	size_t i;

	an_set_sort(s);
	r->set = s;
	r->n = s->ngroups;
	r->m = calloc(r->n ? r->n : 1, sizeof *r->m);
	r->order = calloc(r->n ? r->n : 1, sizeof *r->order);
	r->hide = calloc(s->nkeys ? s->nkeys : 1, 1);
	r->same = calloc(s->nkeys ? s->nkeys : 1, 1);
	if (!r->m || !r->order || !r->hide || !r->same) {
		an_report_free(r);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	if (an_set_step_spans(s, e)) {
		an_report_free(r);
		return e->code;
	}
	for (i = 0; i < r->n; i++) {
		an_metrics_compute(s->groups[i], slo_set, &r->m[i]);
		r->order[i] = i;
	}
	an_keys_hidden(s, r->hide);
	r->step_key = r->kind_key = -1;
	for (i = 0; i < s->nkeys; i++) {
		size_t g;

		if (strcmp(s->keynames[i], "step") == 0)
			r->step_key = (int)i;
		if (strcmp(s->keynames[i], "step_kind") == 0)
			r->kind_key = (int)i;
		r->same[i] = 1;
		for (g = 1; g < s->ngroups; g++)
			if (strcmp(s->groups[g]->key[i], s->groups[0]->key[i]) != 0)
				r->same[i] = 0;
	}
	cache_rise(r);
	if (rank >= 0) {
		struct rank_ctx k = {r, &an_cols[rank], an_col_lower_better(&an_cols[rank])};

		qsort_r(r->order, r->n, sizeof *r->order, cmp_rank, &k);
	}
	return 0;
}

void an_report_free(struct an_report *r)
{
	free(r->m);
	free(r->order);
	free(r->hide);
	free(r->same);
	r->m = NULL;
	r->order = NULL;
	r->hide = NULL;
	r->same = NULL;
}

char *an_report_step(const struct an_report *r, size_t g, char *out, size_t n)
{
	const char *const *key = (const char *const *)r->set->groups[g]->key;

	out[0] = '\0';
	if (r->step_key < 0)
		return out;
	if (r->kind_key >= 0 && *key[r->kind_key])
		snprintf(out, n, "%s %s", key[r->kind_key], key[r->step_key]);
	else
		snprintf(out, n, "%s", key[r->step_key]);
	return out;
}

char *an_report_label(const struct an_report *r, size_t g, int flags, char *out, size_t n)
{
	const struct an_set *s = r->set;
	size_t k, len = 0;
	char step[256];

	out[0] = '\0';
	for (k = 0; k < s->nkeys && len + 1 < n; k++) {
		const char *v = s->groups[g]->key[k];

		if ((r->hide && r->hide[k] && !((flags & AN_LABEL_SERIES) && r->same && !r->same[k])) ||
		    ((int)k == r->kind_key && !(flags & AN_LABEL_NO_STEP)))
			continue;
		if ((flags & AN_LABEL_SHORT) && r->same && r->same[k])
			continue;
		if ((int)k == r->step_key) {
			if (flags & AN_LABEL_NO_STEP)
				continue;
			v = an_report_step(r, g, step, sizeof step);
		}
		if (!*v)
			continue;
		len += (size_t)snprintf(out + len, n - len, "%s%s", len ? " " : "", v);
	}
	return out;
}
