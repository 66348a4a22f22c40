#include "compare_out.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "format.h"
#include "utf8.h"

/* v with prec decimals and a sign ("+1.5", "-0.2"); "" for NaN. */
static char *sgn(char *out, size_t n, double v, int prec)
{
	if (isnan(v))
		out[0] = '\0';
	else
		snprintf(out, n, "%+.*f", prec, v == 0 ? 0.0 : v);
	return out;
}

/* A fraction as a signed percentage with one decimal ("+12.5%"). */
static char *pct(char *out, size_t n, double v)
{
	if (isnan(v)) {
		out[0] = '\0';
		return out;
	}
	snprintf(out, n, "%+.1f%%", v == 0 ? 0.0 : 100.0 * v);
	return out;
}

static const char *sig_word(const struct cmp_cell *c)
{
	int worse = cmp_metrics[c->metric].worse;

	if (!c->sig)
		return NULL;
	return c->sig == worse ? "worse" : "better";
}

/* The group key of row i (rows first, then the groups in one file). */
static char *const *key_at(const struct cmp_result *r, size_t i)
{
	return i < r->nrows ? r->rows[i].key : r->only[i - r->nrows].key;
}

/* Text cut by snprintf where it was full: not inside a character, nor
 * after half of an escape ("\\|" cut to "\\" escapes what follows). */
static void md_cut(char *s)
{
	size_t n = utf8_trim(s, strlen(s)), b = 0;

	while (b < n && s[n - 1 - b] == '\\')
		b++;
	s[n - (b & 1)] = '\0';
}

/* "step 8", for Markdown (values an_md_esc'd): the keys that tell groups
 * apart, non-empty; every non-empty
 * key when all groups share them (one group). */
static void key_text(char *out, size_t n, const struct cmp_result *r, char *const *key)
{
	size_t i, j, len = 0, all = r->nrows + r->nonly;
	int pass, differ;
	char v[1024];

	out[0] = '\0';
	for (pass = 0; pass < 2 && !len; pass++)
		for (i = 0; i < r->nkeys && len < n; i++) {
			for (j = 1, differ = 0; j < all && !differ; j++)
				differ = strcmp(key_at(r, j)[i], key_at(r, 0)[i]) != 0;
			if (*key[i] && (differ || pass))
				len += (size_t)snprintf(out + len, n - len, "%s%s %s", len ? ", " : "",
							r->keynames[i], an_md_esc(v, sizeof v, key[i]));
		}
	if (!len)
		snprintf(out, n, "(all rows)");
	if (len >= n)
		md_cut(out);
}

/* ---- Markdown ---- */

/* A rule's limit as written ("+10%", "+20 ms"). */
static char *limit_text(char *out, size_t n, const struct cmp_rule *rule)
{
	char one[64];

	snprintf(out, n, "%s%s%s", strchr(cmp_rule_str(rule, one, sizeof one), ':') + 1,
		 rule->relative ? "" : " ", rule->relative ? "" : cmp_metrics[rule->metric].unit);
	return out;
}

static void md_verdict(FILE *fp, const struct cmp_head *h, const struct cmp_result *r)
{
	char spec[512], one[64], k[512], a[48], b[48], c[48], lim[64];
	size_t i, j, len = 0;

	spec[0] = '\0';
	for (i = 0; i < h->nrules && len < sizeof spec; i++)
		len += (size_t)snprintf(spec + len, sizeof spec - len, "%s%s", i ? "," : "",
					cmp_rule_str(&h->rules[i], one, sizeof one));
	if (!h->nrules) {
		fputs("No gate (`--fail-on`): changes are reported only.\n\n", fp);
		return;
	}
	if (!CMP_GATE_FAILED(r))
		fprintf(fp, "**Gate passed** (`%s`): no regression beyond its threshold with 95%% confidence.\n\n", spec);
	if (r->nunjudged > r->nlost)
		fprintf(fp, "%zu gated figure%s had no interval (too few requests on both sides) and could not fail: \"not judged\" below.\n\n",
			r->nunjudged - r->nlost, r->nunjudged - r->nlost == 1 ? "" : "s");
	if (!CMP_GATE_FAILED(r))
		return;
	{
		char why[3][96];
		int nw = 0;

		if (r->nfail)
			snprintf(why[nw++], sizeof why[0], "%zu regression%s beyond the threshold with 95%% confidence",
				 r->nfail, r->nfail == 1 ? "" : "s");
		if (r->nlost)
			snprintf(why[nw++], sizeof why[0], "%zu gated figure%s that new has too few ok requests to judge",
				 r->nlost, r->nlost == 1 ? "" : "s");
		if (r->nmissing)
			snprintf(why[nw++], sizeof why[0], "%zu group%s of base missing from new",
				 r->nmissing, r->nmissing == 1 ? "" : "s");
		fprintf(fp, "**Gate failed** (`%s`): %s%s%s%s%s:", spec, why[0], nw > 1 ? "; " : "",
			nw > 1 ? why[1] : "", nw > 2 ? "; " : "", nw > 2 ? why[2] : "");
	}
	fputs("\n\n", fp);
	for (i = 0; i < r->nrows; i++)
		for (j = 0; j < r->ncells; j++) {
			const struct cmp_cell *cl = &r->rows[i].cells[j];
			const struct cmp_rule *rule = cl->rule >= 0 ? &h->rules[cl->rule] : NULL;
			const struct cmp_metric *m = &cmp_metrics[cl->metric];

			if (!rule || (!cl->fail && !cl->lost))
				continue;
			key_text(k, sizeof k, r, r->rows[i].key);
			if (cl->lost)
				fprintf(fp, "- %s: **%s not judged**: new has %zu ok requests against %zu in base, too few for an interval (limit %s)\n",
					k, m->name, r->rows[i].ok_cand, r->rows[i].ok_base, limit_text(lim, sizeof lim, rule));
			else if (rule->relative)
				fprintf(fp, "- %s: **%s %s** (95%% CI %s .. %s), limit %s\n", k, m->name,
					pct(a, sizeof a, cl->rel), pct(b, sizeof b, cl->rel_lo),
					pct(c, sizeof c, cl->rel_hi), limit_text(lim, sizeof lim, rule));
			else
				fprintf(fp, "- %s: **%s %s %s** (95%% CI %s .. %s %s), limit %s\n", k, m->name,
					sgn(a, sizeof a, cl->diff, m->prec), m->unit, sgn(b, sizeof b, cl->diff_lo, m->prec),
					sgn(c, sizeof c, cl->diff_hi, m->prec), m->unit, limit_text(lim, sizeof lim, rule));
		}
	for (i = 0; r->nmissing && i < r->nonly; i++)
		if (r->only[i].gated) {
			key_text(k, sizeof k, r, r->only[i].key);
			fprintf(fp, "- %s: **missing from new** (%zu requests in base)\n", k, r->only[i].requests);
		}
	fputc('\n', fp);
}

static void md_row(FILE *fp, const struct cmp_head *h, const struct cmp_result *r,
		   const struct cmp_row *row)
{
	char k[512], v[6][48], one[64];
	size_t j;

	key_text(k, sizeof k, r, row->key);
	fprintf(fp, "#### %s\n\nok requests: %zu in base, %zu in new.\n\n", k, row->ok_base, row->ok_cand);
	fputs("| metric | base | new | change | 95% CI | verdict |\n|---|--:|--:|--:|--:|---|\n", fp);
	for (j = 0; j < r->ncells; j++) {
		const struct cmp_cell *c = &row->cells[j];
		const struct cmp_metric *m = &cmp_metrics[c->metric];
		const char *w = sig_word(c);

		an_fmt_num(v[0], sizeof v[0], c->base, m->prec);
		an_fmt_num(v[1], sizeof v[1], c->cand, m->prec);
		fprintf(fp, "| %s (%s) | %s | %s | ", m->name, m->unit, *v[0] ? v[0] : "—", *v[1] ? v[1] : "—");
		if (isnan(c->diff))
			fputs("— | ", fp);
		else if (isnan(c->rel))
			fprintf(fp, "%s | ", sgn(v[2], sizeof v[2], c->diff, m->prec));
		else
			fprintf(fp, "%s (%s) | ", sgn(v[2], sizeof v[2], c->diff, m->prec), pct(v[3], sizeof v[3], c->rel));
		if (isnan(c->rel_lo) && isnan(c->diff_lo))
			fputs("none: too few requests | ", fp);
		else if (isnan(c->rel_lo))
			fprintf(fp, "%s .. %s | ", sgn(v[4], sizeof v[4], c->diff_lo, m->prec),
				sgn(v[5], sizeof v[5], c->diff_hi, m->prec));
		else
			fprintf(fp, "%s .. %s | ", pct(v[4], sizeof v[4], c->rel_lo), pct(v[5], sizeof v[5], c->rel_hi));
		if (c->fail)
			fprintf(fp, "**regression** beyond %s", strchr(cmp_rule_str(&h->rules[c->rule], one, sizeof one), ':') + 1);
		else if (c->lost)
			fputs("**not judged: too few in new**", fp);
		else if (c->unjudged)
			fputs("not judged", fp);
		else if (isnan(c->diff_lo))
			fputs("—", fp);
		else if (w)
			fprintf(fp, "%s", w);
		else
			fputs("no significant change", fp);
		if (!c->fail && c->rule >= 0)
			fprintf(fp, " (limit %s)", strchr(cmp_rule_str(&h->rules[c->rule], one, sizeof one), ':') + 1);
		fputs(" |\n", fp);
	}
	fputc('\n', fp);
}

static int write_md(FILE *fp, const struct cmp_head *h, const struct cmp_result *r)
{
	char k[512], v[1024];
	size_t i;

	fputs("### llmanalyze compare\n\nBase ", fp);
	an_md_put(h->base, fp);
	fputs(", new ", fp);
	an_md_put(h->cand, fp);
	fprintf(fp, ": %zu group%s in both.\n\n", r->nrows, r->nrows == 1 ? "" : "s");
	md_verdict(fp, h, r);
	for (i = 0; i < r->nrows; i++)
		md_row(fp, h, r, &r->rows[i]);
	if (r->nonly) {
		fputs("#### Groups in one file only\n\nNot compared:\n\n", fp);
		for (i = 0; i < r->nonly; i++) {
			/* Every key it has: a group of one file is told from the
			 * other file's by keys the rows may not show apart. */
			size_t len = 0, j;

			k[0] = '\0';
			for (j = 0; j < r->nkeys && len < sizeof k; j++)
				if (*r->only[i].key[j])
					len += (size_t)snprintf(k + len, sizeof k - len, "%s%s %s", len ? ", " : "",
								r->keynames[j],
								an_md_esc(v, sizeof v, r->only[i].key[j]));
			if (len >= sizeof k)
				md_cut(k);
			fprintf(fp, "- %s: only in %s (%zu requests)\n", len ? k : "(all rows)",
				r->only[i].in_cand ? "new" : "base", r->only[i].requests);
		}
		fputc('\n', fp);
	}
	fprintf(fp, "<sub>Change = new - base. 95%% percentile-bootstrap intervals, %zu replicates, seed %llu: "
		"latencies resample requests, throughputs resample time windows (docs/compare.md). "
		"Significant: the interval excludes 0. A gate fails only when the whole interval is past its limit.</sub>\n",
		r->resamples, (unsigned long long)h->seed);
	return 0;
}

/* ---- JSON ---- */

static json_t *num(double v)
{
	return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *key_obj(const struct cmp_result *r, char *const *key)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o && i < r->nkeys; i++)
		json_object_set_new(o, r->keynames[i], json_string(key[i]));
	return o;
}

static json_t *pair(double a, double b)
{
	return json_pack("[oo]", num(a), num(b));
}

static json_t *cell_obj(const struct cmp_head *h, const struct cmp_cell *c)
{
	const struct cmp_metric *m = &cmp_metrics[c->metric];
	const char *w = sig_word(c);
	char one[64];

	return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:b,s:b,s:b}",
			 "metric", m->name, "unit", m->unit, "base", num(c->base), "new", num(c->cand),
			 "diff", num(c->diff), "diff_ci95", pair(c->diff_lo, c->diff_hi),
			 "rel", num(c->rel), "rel_ci95", pair(c->rel_lo, c->rel_hi),
			 "n_base", (json_int_t)c->n_base, "n_new", (json_int_t)c->n_cand,
			 "significant", w ? json_string(w) : json_null(),
			 "limit", c->rule >= 0 ? json_string(strchr(cmp_rule_str(&h->rules[c->rule], one, sizeof one), ':') + 1)
					      : json_null(),
			 "fail", c->fail, "not_judged", c->unjudged, "too_few_in_new", c->lost);
}

static int write_json(FILE *fp, const struct cmp_head *h, const struct cmp_result *r, struct err *e)
{
	json_t *root, *groups = json_array(), *only = json_array(), *rules = json_array(), *cells;
	char one[64], seed[32];
	size_t i, j;
	int rc = 0;

	for (i = 0; rules && i < h->nrules; i++)
		json_array_append_new(rules, json_string(cmp_rule_str(&h->rules[i], one, sizeof one)));
	for (i = 0; groups && i < r->nrows; i++) {
		const struct cmp_row *row = &r->rows[i];

		cells = json_array();
		for (j = 0; cells && j < r->ncells; j++)
			json_array_append_new(cells, cell_obj(h, &row->cells[j]));
		json_array_append_new(groups, json_pack("{s:o,s:I,s:I,s:o}", "key", key_obj(r, row->key),
							"ok_base", (json_int_t)row->ok_base,
							"ok_new", (json_int_t)row->ok_cand, "metrics", cells));
	}
	for (i = 0; only && i < r->nonly; i++)
		json_array_append_new(only, json_pack("{s:o,s:s,s:I}", "key", key_obj(r, r->only[i].key),
						      "in", r->only[i].in_cand ? "new" : "base",
						      "requests", (json_int_t)r->only[i].requests));
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)h->seed);
	root = json_pack("{s:s,s:s,s:f,s:I,s:o,s:o,s:I,s:I,s:I,s:I,s:s,s:o,s:o}", "base", h->base, "new", h->cand,
			 "level", 0.95, "resamples", (json_int_t)r->resamples,
			 /* A seed past 2^63 is not a JSON integer jansson keeps. */
			 "seed", h->seed <= (uint64_t)INT64_MAX ? json_integer((json_int_t)h->seed) : json_string(seed),
			 "fail_on", rules, "failed", (json_int_t)r->nfail,
			 "not_judged", (json_int_t)r->nunjudged, "too_few_in_new", (json_int_t)r->nlost,
			 "missing_in_new", (json_int_t)r->nmissing,
			 "verdict", !h->nrules ? "none" : CMP_GATE_FAILED(r) ? "fail" : "pass", "groups", groups,
			 "only_in_one", only);
	if (!root)
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
	else if (json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)) ||
		 fputc('\n', fp) == EOF)
		rc = err_set(e, ERR_IO, "writing the comparison failed");
	json_decref(root);
	return rc;
}

/* ---- CSV ---- */

#define CSV_COLS 15

static int write_csv(FILE *fp, const struct cmp_head *h, const struct cmp_result *r, struct err *e)
{
	static const char *const fixed[CSV_COLS] = {
		"in", "metric", "unit", "base", "new", "diff", "diff_lo", "diff_hi", "rel_pct",
		"rel_lo_pct", "rel_hi_pct", "n_base", "n_new", "significant", "fail"};
	size_t nc = r->nkeys + CSV_COLS + 1, nrows = r->nrows * r->ncells + r->nonly, i, j, k;
	const char **head = calloc(nc, sizeof *head), **cells = calloc(nc * (nrows ? nrows : 1), sizeof *cells);
	char *text = calloc(nrows ? nrows : 1, 12 * 32), one[64];
	size_t row = 0;
	int rc;

	if (!head || !cells || !text) {
		free(head);
		free(cells);
		free(text);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	for (k = 0; k < r->nkeys; k++)
		head[k] = r->keynames[k];
	for (k = 0; k < CSV_COLS; k++)
		head[r->nkeys + k] = fixed[k];
	head[nc - 1] = "limit";
	for (i = 0; i < r->nrows; i++)
		for (j = 0; j < r->ncells; j++, row++) {
			const struct cmp_cell *c = &r->rows[i].cells[j];
			const struct cmp_metric *m = &cmp_metrics[c->metric];
			const char **cl = cells + row * nc;
			char *t = text + row * 12 * 32;
			const char *w = sig_word(c);
			double v[8] = {c->base, c->cand, c->diff, c->diff_lo, c->diff_hi,
				       100 * c->rel, 100 * c->rel_lo, 100 * c->rel_hi};

			for (k = 0; k < r->nkeys; k++)
				cl[k] = r->rows[i].key[k];
			cl += r->nkeys;
			cl[0] = "both";
			cl[1] = m->name;
			cl[2] = m->unit;
			for (k = 0; k < 8; k++)
				cl[3 + k] = an_fmt_num(t + k * 32, 32, v[k], k < 5 ? m->prec + 2 : 3);
			snprintf(t + 8 * 32, 32, "%zu", c->n_base);
			snprintf(t + 9 * 32, 32, "%zu", c->n_cand);
			cl[11] = t + 8 * 32;
			cl[12] = t + 9 * 32;
			cl[13] = w ? w : "";
			cl[14] = c->fail || c->lost ? "1" : "0";
			if (c->rule >= 0)
				snprintf(t + 10 * 32, 32, "%s", strchr(cmp_rule_str(&h->rules[c->rule], one, sizeof one), ':') + 1);
			cl[15] = t + 10 * 32;
		}
	for (i = 0; i < r->nonly; i++, row++) {
		const char **cl = cells + row * nc;
		char *t = text + row * 12 * 32;

		for (k = 0; k < nc; k++)
			cl[k] = "";
		for (k = 0; k < r->nkeys; k++)
			cl[k] = r->only[i].key[k];
		cl[r->nkeys] = r->only[i].in_cand ? "new" : "base";
		/* A gated group of base that new lacks fails the gate. */
		cl[r->nkeys + 14] = r->only[i].gated ? "1" : "";
		snprintf(t, 32, "%zu", r->only[i].requests);
		cl[r->nkeys + (r->only[i].in_cand ? 12 : 11)] = t;
	}
	rc = an_format_grid(fp, AN_FMT_CSV, head, nc, cells, nrows, e);
	free(head);
	free(cells);
	free(text);
	return rc;
}

int cmp_write(FILE *fp, enum cmp_fmt fmt, const struct cmp_head *h,
	      const struct cmp_result *r, struct err *e)
{
	int rc;

	switch (fmt) {
	case CMP_FMT_JSON:
		return write_json(fp, h, r, e);
	case CMP_FMT_CSV:
		return write_csv(fp, h, r, e);
	case CMP_FMT_MD:
	default:
		rc = write_md(fp, h, r);
		if (!rc && ferror(fp))
			rc = err_set(e, ERR_IO, "writing the comparison failed");
		return rc;
	}
}
