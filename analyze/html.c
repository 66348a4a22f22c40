#include "html.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cols.h"
#include "format.h"
#include "headline.h"
#include "html_meta.h"
#include "ofile.h"

#define LIST_MAX 6 /* values named in the summary line before "and N more" */

/* Columns the table shows before the toggle when none were chosen
 * (NULL-terminated names; goodput only when an SLO was set). */
static const char *const an_html_default_cols[] = {
	"requests", "ok", "success_rate", "req_per_s", "out_tok_per_s", "goodput_req_per_s",
	"ttft_p50", "ttft_p99", "tpot_p50", "tpot_p99", "e2e_p50", "e2e_p99",
	NULL,
};

/* Readable on a screen, a projector and paper: one column of text at most
 * 1240 px wide, key charts at its full width, the wide table scrolling
 * inside its box on screen and at full length on paper. */
static const char css[] =
	"body{font-family:system-ui,sans-serif;margin:1em auto;padding:0 1em;max-width:1240px;"
	"color:#222;line-height:1.35}\n"
	"h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1em 0 .3em}"
	"h3{font-size:1em;margin:0 0 .3em}\n"
	"p.what{margin:.2em 0 .6em;color:#333}\n"
	"p.live{background:#fff4d6;border:1px solid #e0c060;padding:.3em .6em;margin:.3em 0}\n"
	"table{border-collapse:collapse;font-size:12px}\n"
	"th,td{border:1px solid #ccc;padding:2px 6px}.defs th,.meta th{text-align:left}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"thead th{background:#eee;position:sticky;top:0}\n"
	".headline{display:flex;flex-wrap:wrap;gap:.8em}\n"
	".card{border:1px solid #ccc;border-radius:4px;padding:.5em .8em;flex:1 1 360px;max-width:600px}\n"
	".card p{margin:.15em 0}.big{font-size:1.6em;font-weight:bold}\n"
	".card table{margin-top:.4em}.steps th{white-space:nowrap;text-align:left}.wide{overflow-x:auto}\n"
	".scroll{overflow:auto;max-height:30em}\n"
	"figure.chart{margin:.3em 0}\n"
	"figure.chart svg{width:100%;height:auto;display:block}\n"
	"figure.key{max-width:1200px}figure.key figcaption{display:none}\n"
	".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:.5em}\n"
	"figcaption{font-size:12px;color:#555}\n"
	"#comparison .x{display:none}\n"
	"#allcols:checked~.scroll .x{display:table-cell}\n"
	"label.toggle{font-size:13px;cursor:pointer}\n"
	".warn{color:#a00}\n"
	"@media print{body{max-width:none;margin:0;font-size:11px}"
	".scroll{overflow:visible;max-height:none}thead th{position:static}"
	"input.toggle,label.toggle,p.live{display:none}"
	"figure,.card,tr{break-inside:avoid}h2{break-after:avoid}"
	"figure.key{max-width:100%}.grid{grid-template-columns:1fr 1fr}}\n";

static void head(FILE *fp, double refresh_s)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", fp);
	/* The live view (--watch): the browser reloads the page; the final
	 * copy has no refresh. */
	if (refresh_s > 0)
		fprintf(fp, "<meta http-equiv=\"refresh\" content=\"%.0f\">\n", ceil(refresh_s));
	fprintf(fp, "<title>llmanalyze report</title>\n<style>\n%s</style>\n</head>\n<body>\n"
		"<h1>llmanalyze report</h1>\n", css);
}

static void live_banner(FILE *fp, double refresh_s)
{
	char when[64];
	time_t now = time(NULL);
	struct tm tm;

	if (refresh_s <= 0)
		return;
	strftime(when, sizeof when, "%H:%M:%S UTC", gmtime_r(&now, &tm));
	fprintf(fp, "<p class=\"live\" id=\"live\">Live: the run is still going. These figures "
		"are from %s; the page reloads itself every %.0f s.</p>\n", when, ceil(refresh_s));
}

/* A final report of a run that did not end well says so at the top, as
 * llmanalyze's warnings do on stderr (its last step is partial). */
static void ended_banner(FILE *fp, const char *const *inputs, size_t n, double refresh_s)
{
	char how[ERR_MSG_MAX + 64];

	for (size_t i = 0; refresh_s <= 0 && i < n; i++)
		if (an_run_end(inputs[i], how, sizeof how)) {
			fputs("<p class=\"live\">", fp);
			an_html_esc(fp, inputs[i]);
			fputs(": the run ", fp);
			an_html_esc(fp, how);
			fputs(".</p>\n", fp);
		}
}

/* Writes the distinct values of key k over the groups whose key kk is
 * kv (every group when kk < 0), in the order met, joined by ", " (at
 * most LIST_MAX, then "and N more"); fp NULL only counts. Returns how
 * many there are. */
static size_t key_values(FILE *fp, const struct an_report *r, int k, int kk, const char *kv)
{
	const struct an_set *s = r->set;
	size_t g, h, n = 0;

	for (g = 0; g < s->ngroups; g++) {
		const char *v = s->groups[g]->key[k];

		if (!*v || (kk >= 0 && strcmp(s->groups[g]->key[kk], kv) != 0))
			continue;
		for (h = 0; h < g; h++)
			if (strcmp(s->groups[h]->key[k], v) == 0 &&
			    (kk < 0 || strcmp(s->groups[h]->key[kk], kv) == 0))
				break;
		if (h < g)
			continue;
		if (fp && n < LIST_MAX) {
			fputs(n ? ", " : "", fp);
			an_html_esc(fp, v);
		}
		n++;
	}
	if (fp && n > LIST_MAX)
		fprintf(fp, " and %zu more", n - LIST_MAX);
	return n;
}

static int key_index(const struct an_set *s, const char *name)
{
	size_t k;

	for (k = 0; k < s->nkeys; k++)
		if (strcmp(s->keynames[k], name) == 0)
			return (int)k;
	return -1;
}

/* "targets a, b" or "target a": the values of a key with its name. */
static void named_values(FILE *fp, const struct an_report *r, const char *name,
			 const char *plural, int *first)
{
	int k = key_index(r->set, name);
	size_t n = k >= 0 ? key_values(NULL, r, k, -1, NULL) : 0;

	if (!n)
		return;
	fprintf(fp, "%s%s ", *first ? "" : " &middot; ", n > 1 ? plural : name);
	key_values(fp, r, k, -1, NULL);
	*first = 0;
}

/* The schedule: each step kind with its steps, "batch 1, 2, 4". */
static void schedule(FILE *fp, const struct an_report *r, int *first)
{
	const struct an_set *s = r->set;
	int sched = key_index(s, "schedule");
	size_t g, h;

	if (r->step_key < 0)
		return;
	for (g = 0; g < s->ngroups; g++) {
		const char *kind = r->kind_key >= 0 ? s->groups[g]->key[r->kind_key] : "";

		for (h = 0; h < g; h++)
			if (r->kind_key < 0 || strcmp(s->groups[h]->key[r->kind_key], kind) == 0)
				break;
		if (h < g)
			continue;
		fputs(*first ? "" : " &middot; ", fp);
		*first = 0;
		an_html_esc(fp, *kind ? kind : "steps");
		fputc(' ', fp);
		key_values(fp, r, r->step_key, r->kind_key, kind);
		/* The schedule: a rate's arrival process (poisson, constant),
		 * a batch's window or waves; none where it is the kind
		 * itself (a trace). */
		if (sched >= 0 && *s->groups[g]->key[sched] && strcmp(s->groups[g]->key[sched], kind)) {
			fputs(" (", fp);
			key_values(fp, r, sched, r->kind_key, kind);
			fputc(')', fp);
		}
	}
}

/* The corpora named in the runs' metadata (llmrun's "corpus"). */
static void corpora(FILE *fp, const char *const *inputs, size_t n, int *first)
{
	char path[4096];
	size_t i, shown = 0;
	json_t *m;

	for (i = 0; i < n; i++) {
		const char *c;

		if (!(m = an_html_meta_load(inputs[i], path, sizeof path)))
			continue;
		c = json_string_value(json_object_get(m, "corpus"));
		if (c && *c) {
			fputs(shown++ ? ", " : *first ? "corpus " : " &middot; corpus ", fp);
			an_html_esc(fp, c);
			*first = 0;
		}
		json_decref(m);
	}
}

/* One line on what was run: targets, models, corpus, schedule, date. */
static void summary(FILE *fp, const struct an_report *r,
		    const char *const *inputs, size_t n)
{
	int64_t t0 = INT64_MAX;
	int first = 1;
	size_t g;

	fputs("<p class=\"what\" id=\"what\">", fp);
	named_values(fp, r, "target", "targets", &first);
	named_values(fp, r, "model", "models", &first);
	corpora(fp, inputs, n, &first);
	schedule(fp, r, &first);
	for (g = 0; g < r->set->ngroups; g++)
		if (r->set->groups[g]->first_sent > 0 && r->set->groups[g]->first_sent < t0)
			t0 = r->set->groups[g]->first_sent;
	if (t0 != INT64_MAX) {
		time_t t = (time_t)(t0 / 1000000000);
		char when[64];
		struct tm tm;

		strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime_r(&t, &tm));
		fprintf(fp, "%sstarted %s", first ? "" : " &middot; ", when);
		first = 0;
	}
	/* The table's requests: warmup rows and retried attempts are none
	 * (st->rows counts every row read). */
	{
		size_t req = 0;

		for (g = 0; g < r->set->ngroups; g++)
			req += r->set->groups[g]->n.requests;
		fprintf(fp, "%s%zu requests in %zu groups</p>\n", first ? "" : " &middot; ", req, r->n);
	}
}

/* A figure for the headline with prec decimals, an em dash for none. */
static void fig(FILE *fp, double v, int prec)
{
	char s[64];

	an_fmt_num(s, sizeof s, v, prec);
	fputs(*s ? s : "&mdash;", fp);
}

/* Column name of group g as fig writes it, with the table's "*" when it
 * rests on token counts estimated from chunks. */
static void col_fig(FILE *fp, const struct an_report *r, size_t g, const char *name, int prec)
{
	const struct an_col *c = &an_cols[an_col_find(name)];
	double v = an_col_value(c, &r->m[g]);

	fig(fp, v, prec);
	if (!isnan(v) && r->m[g].tokens_estimated > 0 && an_col_uses_tokens(c))
		fputc('*', fp);
}

/* The objectives as set, "TTFT &le; 500 ms, TPOT &le; 50 ms". */
static void slo_text(FILE *fp, const struct an_slo *slo)
{
	const double v[3] = {slo->ttft_ms, slo->tpot_ms, slo->e2e_ms};
	static const char *const name[3] = {"TTFT", "TPOT", "E2E"};
	int i, n = 0;

	for (i = 0; i < 3; i++)
		if (!isnan(v[i]))
			fprintf(fp, "%s%s &le; %g ms", n++ ? ", " : "", name[i], v[i]);
}

/* One card per series: the peak output throughput and its step, the
 * largest step meeting the SLO, and TTFT and TPOT p50/p99 at each step. */
static void card(FILE *fp, const struct an_report *r, const struct an_headline *h,
		 const struct an_hl_series *sr)
{
	static const char *const cols[] = {"ttft_p50", "ttft_p99", "tpot_p50", "tpot_p99",
					   "out_tok_per_s"};
	static const char *const names[] = {"TTFT p50 (ms)", "TTFT p99 (ms)", "TPOT p50 (ms)",
					    "TPOT p99 (ms)", "output tok/s"};
	char label[512];
	size_t j, k;

	an_report_label(r, sr->groups[0], AN_LABEL_NO_STEP | AN_LABEL_SERIES, label, sizeof label);
	fputs("<div class=\"card\">\n<h3>", fp);
	an_html_esc(fp, *label ? label : "all requests");
	fputs("</h3>\n<p><span class=\"big\">", fp);
	if (sr->peak != AN_HL_NONE) {
		col_fig(fp, r, sr->peak, "out_tok_per_s", 0);
		fputs("</span> output tokens/s at its peak", fp);
		if (*an_report_step(r, sr->peak, label, sizeof label)) {
			fputs(", at ", fp);
			an_html_esc(fp, label);
		}
	} else {
		fputs("&mdash;</span> no output throughput (no ok request with a token count)", fp);
	}
	fputs("</p>\n", fp);
	if (h->slo_set) {
		fputs("<p>SLO ", fp);
		slo_text(fp, &r->set->slo);
		fprintf(fp, " (met by &ge; %.0f%% of requests): ", AN_SLO_ATTAIN * 100);
		if (sr->slo_best == AN_HL_NONE) {
			fputs("<b class=\"warn\">no step met it</b>", fp);
		} else {
			fputs("largest step meeting it <b>", fp);
			an_html_esc(fp, *an_report_step(r, sr->slo_best, label, sizeof label) ? label
											      : "all");
			fputs("</b>", fp);
		}
		fputs("</p>\n", fp);
	}
	/* Steps across, figures down: a sweep of any length keeps the card
	 * as low, so the first chart stays on the first screen. */
	fputs("<div class=\"wide\"><table class=\"steps\"><thead><tr><th>step</th>", fp);
	for (j = 0; j < sr->n; j++) {
		fputs("<th>", fp);
		an_html_esc(fp, *an_report_step(r, sr->groups[j], label, sizeof label) ? label : "all");
		fputs("</th>", fp);
	}
	fputs("</tr></thead>\n<tbody>\n", fp);
	for (k = 0; k < sizeof cols / sizeof *cols + (size_t)h->slo_set; k++) {
		fprintf(fp, "<tr><th>%s</th>", k < 5 ? names[k] : "met SLO (%)");
		for (j = 0; j < sr->n; j++) {
			size_t g = sr->groups[j];

			fputs("<td class=\"n\">", fp);
			if (k < 5)
				col_fig(fp, r, g, cols[k], k < 4 ? 1 : 0);
			else
				fig(fp, 100 * an_slo_attainment(r->set->groups[g]), 1);
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tbody></table></div>\n</div>\n", fp);
}

static int headline(FILE *fp, const struct an_report *r, struct err *e)
{
	struct an_headline h;
	size_t i;
	int rc;

	if ((rc = an_headline_build(r, &h, e)))
		return rc;
	fputs("<section class=\"headline\" id=\"headline\">\n", fp);
	for (i = 0; i < h.n; i++)
		card(fp, r, &h, &h.s[i]);
	fputs("</section>\n", fp);
	an_headline_free(&h);
	return 0;
}

/* Copies an SVG file into the page, without its XML prolog and doctype. */
static int inline_svg(FILE *fp, const char *dir, const char *name, struct err *e)
{
	char path[4096], chunk[65536];
	FILE *in;
	size_t n;
	int started = 0;

	snprintf(path, sizeof path, "%s/%s.svg", dir, name);
	if (!(in = fopen(path, "r")))
		return err_set(e, ERR_IO, "%s: cannot read the chart", path);
	/* gnuplot writes the prolog and doctype on their own lines before <svg. */
	while (!started && fgets(chunk, sizeof chunk, in)) {
		char *p = strstr(chunk, "<svg");

		if (p) {
			fputs(p, fp);
			started = 1;
		}
	}
	while ((n = fread(chunk, 1, sizeof chunk, in)) > 0)
		fwrite(chunk, 1, n, fp);
	if (ferror(in)) {
		fclose(in);
		return err_set(e, ERR_IO, "%s: read failed", path);
	}
	fclose(in);
	return 0;
}


static int figure(FILE *fp, const struct an_chart_files *cf, size_t i, const char *cls,
		  struct err *e)
{
	int rc;

	fprintf(fp, "<figure class=\"chart%s\" id=\"chart-%s\">\n", cls, cf->names[i]);
	if ((rc = inline_svg(fp, cf->dir, cf->names[i], e)))
		return rc;
	fputs("<figcaption>", fp);
	an_html_esc(fp, cf->titles[i]);
	fputs("</figcaption></figure>\n", fp);
	return 0;
}

/* The key charts first, at full width, in an_chart_key's order; then the
 * others in a grid, in the order drawn. */
static int charts(FILE *fp, const struct an_chart_files *cf, struct err *e)
{
	size_t i, more = 0;
	int rank, rc;

	fputs("<section id=\"charts\">\n", fp);
	if (!cf->drawn) {
		fputs("<h2>Charts</h2>\n<p class=\"warn\">Charts were skipped: gnuplot could not "
		      "be run.</p>\n</section>\n", fp);
		return 0;
	}
	for (rank = 0;; rank++) {
		int found = 0, any = 0;

		for (i = 0; i < cf->n; i++) {
			int k = an_chart_key(cf->names[i]);

			any |= k >= rank;
			if (k == rank) {
				found = 1;
				if ((rc = figure(fp, cf, i, " key", e)))
					return rc;
			}
		}
		if (!found && !any)
			break;
	}
	for (i = 0; i < cf->n; i++) {
		if (an_chart_key(cf->names[i]) >= 0)
			continue;
		if (!more++)
			fputs("<h2>More charts</h2>\n<div class=\"grid\">\n", fp);
		if ((rc = figure(fp, cf, i, "", e)))
			return rc;
	}
	fputs(more ? "</div>\n</section>\n" : "</section>\n", fp);
	return 0;
}

/* Whether column c is shown before the toggle. */
static int shown(const struct an_report *r, const struct an_html_opts *o, int c)
{
	size_t i;

	if (o->chosen)
		return 1;
	for (i = 0; an_html_default_cols[i]; i++)
		if (strcmp(an_html_default_cols[i], an_cols[c].name) == 0)
			return strcmp(an_cols[c].name, "goodput_req_per_s") != 0 ||
			       !isnan(r->set->slo.ttft_ms) || !isnan(r->set->slo.tpot_ms) ||
			       !isnan(r->set->slo.e2e_ms);
	return 0;
}

/* The comparison table: the columns not shown at first carry class x,
 * which the "all columns" checkbox reveals through CSS alone. */
static void table(FILE *fp, const struct an_report *r, const struct an_html_opts *o)
{
	const int *cols = o->cols;
	size_t ncols = o->ncols, nshown = 0;
	const struct an_set *s = r->set;
	const struct an_col *c;
	char v[AN_NOTE_MAX], head[128];
	size_t i, k, g;
	int notes = 0;

	for (k = 0; k < ncols; k++)
		nshown += (size_t)shown(r, o, cols[k]);
	fputs("<section id=\"table\">\n<h2>Comparison</h2>\n<p>Throughput is over each group's "
	      "span, from its first send to its last completion (pooled runs: the union of their "
	      "own spans; a turn or a context bucket: its step's span, so the parts add up to "
	      "the step). Latencies in ms.</p>\n", fp);
	if (nshown < ncols)
		fprintf(fp, "<input type=\"checkbox\" id=\"allcols\" class=\"toggle\">"
			"<label for=\"allcols\" class=\"toggle\"> show all %zu columns (%zu shown; "
			"the CSV output has every one)</label>\n", ncols, nshown);
	fputs("<div class=\"scroll\"><table id=\"comparison\" class=\"data\">\n<thead><tr>", fp);
	for (k = 0; k < s->nkeys; k++) {
		if (r->hide && r->hide[k])
			continue;
		fputs("<th>", fp);
		an_html_esc(fp, s->keynames[k]);
		fputs("</th>", fp);
	}
	for (k = 0; k < ncols; k++) {
		c = &an_cols[cols[k]];
		fprintf(fp, "<th%s title=\"", shown(r, o, cols[k]) ? "" : " class=\"x\"");
		an_html_esc(fp, c->desc);
		/* As Markdown and the terminal table: "client_lag_p99_ms", not
		 * "client_lag_p99_ms (ms)". */
		fprintf(fp, "\">%s</th>", an_fmt_head(c, head, sizeof head));
	}
	fputs("</tr></thead>\n<tbody>\n", fp);
	for (i = 0; i < r->n; i++) {
		g = r->order[i];
		fputs("<tr>", fp);
		for (k = 0; k < s->nkeys; k++) {
			if (r->hide && r->hide[k])
				continue;
			fputs("<td>", fp);
			an_html_esc(fp, s->groups[g]->key[k]);
			fputs("</td>", fp);
		}
		for (k = 0; k < ncols; k++) {
			c = &an_cols[cols[k]];
			an_fmt_num(v, sizeof v, an_col_value(c, &r->m[g]), c->prec);
			fprintf(fp, "<td class=\"n%s\">%s%s</td>", shown(r, o, cols[k]) ? "" : " x",
				*v ? v : "&mdash;",
				*v && r->m[g].tokens_estimated > 0 && an_col_uses_tokens(c) ?
				"*" : "");
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tbody></table></div>\n", fp);
	for (i = 0; i < r->n; i++)
		if (r->m[i].tokens_estimated > 0) {
			fputs("<p>* rests partly on token counts estimated from chunks "
			      "(see tokens_estimated).</p>\n", fp);
			break;
		}
	for (i = 0; i < r->n; i++) {
		g = r->order[i];
		if (!*an_metrics_note(&r->m[g], v, sizeof v))
			continue;
		if (!notes++)
			fputs("<ul class=\"warn\" id=\"notes\">\n", fp);
		fputs("<li>note:", fp);
		for (k = 0; k < s->nkeys; k++)
			if (!r->hide || !r->hide[k]) {
				fputc(' ', fp);
				an_html_esc(fp, s->groups[g]->key[k]);
			}
		fputs(": ", fp);
		an_html_esc(fp, v);
		fputs("</li>\n", fp);
	}
	if (notes)
		fputs("</ul>\n", fp);
	fputs("</section>\n", fp);
}

static void def_rows(FILE *fp, const struct an_report *r, const struct an_html_opts *o, int want)
{
	const struct an_col *c;
	size_t i;

	fputs("<table class=\"defs\">\n", fp);
	for (i = 0; i < o->ncols; i++) {
		if (shown(r, o, o->cols[i]) != want)
			continue;
		c = &an_cols[o->cols[i]];
		fprintf(fp, "<tr><th>%s</th><td>%s</td><td>", c->name, c->unit);
		an_html_esc(fp, c->desc);
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

static void definitions(FILE *fp, const struct an_report *r, const struct an_html_opts *o)
{
	size_t i, hidden = 0;

	fputs("<section id=\"definitions\">\n<h2>Definitions</h2>\n<p>Statistics over the ok "
	      "requests of a group; percentiles interpolate linearly between closest ranks "
	      "(NumPy's default); std is the population standard deviation. Full formulas: "
	      "docs/metrics.md and <code>man llmanalyze</code>.</p>\n<p>Headline figures: "
	      "<b>peak output throughput</b> is the highest out_tok_per_s among a series' steps "
	      "(a series: the groups that differ only in the step). ", fp);
	fprintf(fp, "A step <b>meets the SLO</b> (--slo) when at least %.0f%% of its requests, "
		"ok and failed (cancelled ones aside), met every objective; the headline names "
		"the largest such step.</p>\n", AN_SLO_ATTAIN * 100);
	def_rows(fp, r, o, 1);
	for (i = 0; i < o->ncols; i++)
		hidden += !shown(r, o, o->cols[i]);
	if (hidden) {
		fprintf(fp, "<details><summary>The other %zu columns</summary>\n", hidden);
		def_rows(fp, r, o, 0);
		fputs("</details>\n", fp);
	}
	fputs("</section>\n", fp);
}

int an_html_write(const char *path, const struct an_report *r, const struct an_html_opts *o,
		  const struct an_load_stats *st, const struct an_chart_files *cf,
		  const char *const *inputs, size_t ninputs, struct err *e)
{
	struct ofile *of;
	FILE *fp;
	int rc;

	if ((rc = ofile_open(path, &of, e)))
		return rc;
	fp = ofile_fp(of);
	head(fp, o->refresh_s);
	summary(fp, r, inputs, ninputs);
	live_banner(fp, o->refresh_s);
	ended_banner(fp, inputs, ninputs, o->refresh_s);
	if (!(rc = headline(fp, r, e)) && !(rc = charts(fp, cf, e))) {
		table(fp, r, o);
		definitions(fp, r, o);
		an_html_run_details(fp, r, st, inputs, ninputs);
		fputs("</body>\n</html>\n", fp);
		return ofile_commit(of, e);
	}
	ofile_abort(of);
	return rc;
}

int an_html_write_waiting(const char *path, double refresh_s, const char *msg, struct err *e)
{
	struct ofile *of;
	FILE *fp;
	int rc;

	if ((rc = ofile_open(path, &of, e)))
		return rc;
	fp = ofile_fp(of);
	head(fp, refresh_s);
	live_banner(fp, refresh_s);
	fputs(refresh_s > 0 ? "<p>Waiting for results: " : "<p>No report: the watch ended with "
	      "nothing to show: ", fp);
	an_html_esc(fp, msg);
	fputs("</p>\n</body>\n</html>\n", fp);
	return ofile_commit(of, e);
}
