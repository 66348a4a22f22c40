#include "html.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cols.h"
#include "format.h"
#include "json.h"
#include "ofile.h"

static void esc_char(FILE *fp, char c)
{
	switch (c) {
	case '<': fputs("&lt;", fp); break;
	case '>': fputs("&gt;", fp); break;
	case '&': fputs("&amp;", fp); break;
	case '"': fputs("&quot;", fp); break;
	default: fputc(c, fp);
	}
}

static void esc(FILE *fp, const char *s)
{
	for (; *s; s++)
		esc_char(fp, *s);
}

/* The run's FILE.meta.json (docs/formats.md), when there is one beside
 * the results: FILE.meta.json, else FILE without ".csv" plus .meta.json. */
static json_t *load_meta(const char *input, char *found, size_t n)
{
	size_t len = strlen(input);
	json_t *j = NULL;
	struct err e;

	if (strcmp(input, "-") == 0)
		return NULL;
	snprintf(found, n, "%s.meta.json", input);
	if (access(found, R_OK) == 0 && js_load_file(found, 0, &j, &e) == 0 && json_is_object(j))
		return j;
	json_decref(j);
	j = NULL;
	if (len > 4 && strcmp(input + len - 4, ".csv") == 0) {
		snprintf(found, n, "%.*s.meta.json", (int)(len - 4), input);
		if (access(found, R_OK) == 0 && js_load_file(found, 0, &j, &e) == 0 && json_is_object(j))
			return j;
		json_decref(j);
	}
	return NULL;
}

/* Whether a command-line word needs quotes to read back as one word. */
static int needs_quotes(const char *w)
{
	return !*w || strpbrk(w, " \t\n'\"\\$`*?[]{}()<>|&;#~") != NULL;
}

/* A number as a person reads it: a wall-clock epoch in ns ("wall_ns",
 * "end_wall_ns") as a UTC time, a monotonic-clock reading in ns as
 * seconds, anything else as the number. */
static void meta_number(FILE *fp, const char *key, const json_t *v)
{
	size_t kl = key ? strlen(key) : 0;
	double d = json_number_value(v);

	if (json_is_integer(v) && kl >= 7 && strcmp(key + kl - 7, "wall_ns") == 0) {
		json_int_t ns = json_integer_value(v);
		time_t t = (time_t)(ns / 1000000000);
		char when[64];
		struct tm tm;

		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", gmtime_r(&t, &tm));
		fprintf(fp, "%s.%03d UTC", when, (int)(ns % 1000000000 / 1000000));
	} else if (json_is_integer(v) && key && strcmp(key, "mono_ns") == 0) {
		fprintf(fp, "%.3f s on the monotonic clock", d / 1e9);
	} else if (json_is_integer(v)) {
		fprintf(fp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else {
		fprintf(fp, "%.6g", d);
	}
}

/* One metadata value as text, never as JSON: scalars as they read, a
 * list of words (the command line) as a shell line, other lists joined
 * by commas, an object as "key value" pairs. Lists of objects (targets,
 * steps, results) are tables of their own, in meta_field. */
static void meta_text(FILE *fp, const char *key, const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		esc(fp, json_string_value(v));
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		meta_number(fp, key, v);
		break;
	case JSON_TRUE:
		fputs("yes", fp);
		break;
	case JSON_FALSE:
		fputs("no", fp);
		break;
	case JSON_NULL:
		fputs("&mdash;", fp);
		break;
	case JSON_ARRAY:
		if (!json_array_size(v))
			fputs("&mdash;", fp);
		json_array_foreach(v, i, x) {
			int word = key && strcmp(key, "command") == 0 && json_is_string(x);

			if (i)
				fputs(word ? " " : ", ", fp);
			if (word && needs_quotes(json_string_value(x))) {
				/* Single quotes as a shell reads them; one inside
				 * is written '\'' */
				fputc('\'', fp);
				for (k = json_string_value(x); *k; k++) {
					if (*k == '\'')
						fputs("'\\''", fp);
					else
						esc_char(fp, *k);
				}
				fputc('\'', fp);
			} else {
				meta_text(fp, NULL, x);
			}
		}
		break;
	case JSON_OBJECT:
		if (!json_object_size(v))
			fputs("&mdash;", fp);
		i = 0;
		json_object_foreach((json_t *)v, k, x) {
			fputs(i++ ? ", " : "", fp);
			esc(fp, k);
			fputc(' ', fp);
			meta_text(fp, k, x);
		}
		break;
	}
}

/* Whether v is a non-empty list of objects only. */
static int list_of_objects(const json_t *v)
{
	json_t *x;
	size_t i;

	if (!json_is_array(v) || !json_array_size(v))
		return 0;
	json_array_foreach(v, i, x)
		if (!json_is_object(x))
			return 0;
	return 1;
}

/* A list of objects as a table: a column per key, in order first met. */
static void meta_list(FILE *fp, const json_t *v)
{
	json_t *keys = json_array(), *x, *y;
	const char *k;
	size_t i, j;

	json_array_foreach(v, i, x)
		json_object_foreach(x, k, y) {
			json_t *s = json_string(k);

			for (j = 0; j < json_array_size(keys); j++)
				if (json_equal(json_array_get(keys, j), s))
					break;
			if (j == json_array_size(keys))
				json_array_append(keys, s);
			json_decref(s);
		}
	fputs("<table class=\"data\"><tr>", fp);
	json_array_foreach(keys, j, y) {
		fputs("<th>", fp);
		esc(fp, json_string_value(y));
		fputs("</th>", fp);
	}
	fputs("</tr>\n", fp);
	json_array_foreach(v, i, x) {
		fputs("<tr>", fp);
		json_array_foreach(keys, j, y) {
			k = json_string_value(y);
			fputs("<td>", fp);
			if (json_object_get(x, k))
				meta_text(fp, k, json_object_get(x, k));
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</table>", fp);
	json_decref(keys);
}

static void run_meta(FILE *fp, const char *const *inputs, size_t n)
{
	const char *key;
	char path[4096];
	json_t *j, *v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(j = load_meta(inputs[i], path, sizeof path)))
			continue;
		fputs("<h3>", fp);
		esc(fp, path);
		fputs("</h3>\n<table class=\"meta\">\n", fp);
		json_object_foreach(j, key, v) {
			fputs("<tr><th>", fp);
			esc(fp, key);
			fputs("</th><td>", fp);
			if (list_of_objects(v))
				meta_list(fp, v);
			else
				meta_text(fp, key, v);
			fputs("</td></tr>\n", fp);
		}
		fputs("</table>\n", fp);
		json_decref(j);
	}
}

static void meta(FILE *fp, const struct an_report *r, const struct an_load_stats *st,
		 const char *const *inputs, size_t n)
{
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&now, &tm));
	fputs("<h2>Run</h2>\n<table class=\"meta\">\n", fp);
	fprintf(fp, "<tr><th>generated</th><td>%s by llmanalyze %s</td></tr>\n", when,
		LLMBENCH_VERSION);
	fputs("<tr><th>inputs</th><td>", fp);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", fp);
		esc(fp, strcmp(inputs[i], "-") ? inputs[i] : "standard input");
	}
	fputs("</td></tr>\n<tr><th>run ids</th><td>", fp);
	for (i = 0; i < st->nrun_ids; i++) {
		if (i)
			fputs(", ", fp);
		esc(fp, st->run_ids[i]);
	}
	fprintf(fp, "</td></tr>\n<tr><th>rows</th><td>%zu (%zu warmup excluded",
		st->rows, st->warmup);
	if (st->retried)
		fprintf(fp, ", %zu retried attempts excluded", st->retried);
	if (st->truncated)
		fprintf(fp, ", %zu cut-off last row skipped", st->truncated);
	fprintf(fp, ")</td></tr>\n<tr><th>groups</th><td>%zu, grouped by ", r->n);
	for (i = 0; i < r->set->nkeys; i++) {
		if (i)
			fputs(", ", fp);
		esc(fp, r->set->keynames[i]);
	}
	fputs("</td></tr>\n</table>\n", fp);
	run_meta(fp, inputs, n);
}

static void table(FILE *fp, const struct an_report *r, const int *cols, size_t ncols)
{
	const struct an_set *s = r->set;
	const struct an_col *c;
	char v[512];
	size_t i, k, g;
	int notes = 0;

	fputs("<h2>Comparison</h2>\n<p>Throughput is over each group's span, from its "
	      "first send to its last completion (pooled runs: the union of their own "
	      "spans). Latencies in ms.</p>\n"
	      "<div class=\"scroll\"><table id=\"comparison\" class=\"data\">\n<thead><tr>", fp);
	for (k = 0; k < s->nkeys; k++) {
		if (r->hide && r->hide[k])
			continue;
		fputs("<th>", fp);
		esc(fp, s->keynames[k]);
		fputs("</th>", fp);
	}
	for (k = 0; k < ncols; k++) {
		c = &an_cols[cols[k]];
		fputs("<th title=\"", fp);
		esc(fp, c->desc);
		fprintf(fp, "\">%s%s%s%s</th>", c->name, *c->unit ? " (" : "", c->unit,
			*c->unit ? ")" : "");
	}
	fputs("</tr></thead>\n<tbody>\n", fp);
	for (i = 0; i < r->n; i++) {
		g = r->order[i];
		fputs("<tr>", fp);
		for (k = 0; k < s->nkeys; k++) {
			if (r->hide && r->hide[k])
				continue;
			fputs("<td>", fp);
			esc(fp, s->groups[g]->key[k]);
			fputs("</td>", fp);
		}
		for (k = 0; k < ncols; k++) {
			c = &an_cols[cols[k]];
			an_fmt_num(v, sizeof v, an_col_value(c, &r->m[g]), c->prec);
			fprintf(fp, "<td class=\"n\">%s%s</td>", *v ? v : "&mdash;",
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
				esc(fp, s->groups[g]->key[k]);
			}
		fputs(": ", fp);
		esc(fp, v);
		fputs("</li>\n", fp);
	}
	if (notes)
		fputs("</ul>\n", fp);
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

static int charts(FILE *fp, const struct an_chart_files *cf, struct err *e)
{
	size_t i;
	int rc;

	fputs("<h2>Charts</h2>\n", fp);
	if (!cf->drawn) {
		fputs("<p class=\"warn\">Charts were skipped: gnuplot could not be run.</p>\n", fp);
		return 0;
	}
	for (i = 0; i < cf->n; i++) {
		fprintf(fp, "<figure class=\"chart\" id=\"chart-%s\">\n", cf->names[i]);
		if ((rc = inline_svg(fp, cf->dir, cf->names[i], e)))
			return rc;
		fputs("<figcaption>", fp);
		esc(fp, cf->titles[i]);
		fputs("</figcaption></figure>\n", fp);
	}
	return 0;
}

static void definitions(FILE *fp, const int *cols, size_t ncols)
{
	const struct an_col *c;
	size_t i;

	fputs("<h2>Definitions</h2>\n<p>Statistics over the ok requests of a group; "
	      "percentiles interpolate linearly between closest ranks (NumPy's default); "
	      "std is the population standard deviation. Full formulas: docs/metrics.md "
	      "and <code>man llmanalyze</code>.</p>\n<table class=\"defs\">\n", fp);
	for (i = 0; i < ncols; i++) {
		c = &an_cols[cols[i]];
		fprintf(fp, "<tr><th>%s</th><td>%s</td><td>", c->name, c->unit);
		esc(fp, c->desc);
		fputs("</td></tr>\n", fp);
	}
	fputs("</table>\n", fp);
}

int an_html_write(const char *path, const struct an_report *r,
		  const int *cols, size_t ncols,
		  const struct an_load_stats *st, const struct an_chart_files *cf,
		  const char *const *inputs, size_t ninputs, struct err *e)
{
	struct ofile *of;
	FILE *fp;
	int rc;

	if ((rc = ofile_open(path, &of, e)))
		return rc;
	fp = ofile_fp(of);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<title>llmanalyze report</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:1.5em;color:#222}\n"
	      "table{border-collapse:collapse;font-size:12px}\n"
	      "th,td{border:1px solid #ccc;padding:2px 6px}\n"
	      "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	      "thead th{background:#eee;position:sticky;top:0}\n"
	      ".scroll{overflow:auto;max-height:30em}\n"
	      "figure.chart{display:inline-block;width:560px;margin:.5em;vertical-align:top}\n"
	      "figure.chart svg{width:100%;height:auto}\n"
	      ".warn{color:#a00}\n"
	      "</style>\n</head>\n<body>\n<h1>llmanalyze report</h1>\n", fp);
	meta(fp, r, st, inputs, ninputs);
	table(fp, r, cols, ncols);
	rc = charts(fp, cf, e);
	if (!rc) {
		definitions(fp, cols, ncols);
		fputs("</body>\n</html>\n", fp);
		return ofile_commit(of, e);
	}
	ofile_abort(of);
	return rc;
}
