#include "html_meta.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"

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

void an_html_esc(FILE *fp, const char *s)
{
	for (; *s; s++)
		esc_char(fp, *s);
}

/* The run's FILE.meta.json (docs/formats.md), when there is one beside
 * the results: FILE.meta.json, else FILE without ".csv" plus .meta.json. */
json_t *an_html_meta_load(const char *input, char *found, size_t n)
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

int an_run_end(const char *input, char *text, size_t n)
{
	char found[4096];
	json_t *m = an_html_meta_load(input, found, sizeof found);
	const char *err;
	int said = 1;

	if (!m)
		return 0;
	err = json_string_value(json_object_get(m, "error"));
	if (json_is_true(json_object_get(m, "interrupted")))
		snprintf(text, n, "was interrupted (SIGINT, SIGTERM or SIGHUP): its last step may be partial");
	else if (err)
		snprintf(text, n, "failed (exit %lld): %s",
			 (long long)json_integer_value(json_object_get(m, "exit_status")), err);
	else if (!json_object_get(m, "end_wall_ns"))
		snprintf(text, n, "has no end marker (killed, or still going): its last step may be partial");
	else
		said = 0;
	json_decref(m);
	return said;
}

long an_run_steps_done(const char *input)
{
	char found[4096];
	json_t *m = an_html_meta_load(input, found, sizeof found);
	long done = -1;

	/* "steps", the plan, says it is llmrun's; "results" comes with the
	 * first step that ends. */
	if (m && json_is_array(json_object_get(m, "steps")) && !json_object_get(m, "end_wall_ns") &&
	    !json_is_true(json_object_get(m, "interrupted")))
		done = (long)json_array_size(json_object_get(m, "results"));
	json_decref(m);
	return done;
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
 * steps, results) are tables of their own, in meta_list. */
static void meta_text(FILE *fp, const char *key, const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		an_html_esc(fp, json_string_value(v));
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
			an_html_esc(fp, k);
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
		an_html_esc(fp, json_string_value(y));
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
		if (!(j = an_html_meta_load(inputs[i], path, sizeof path)))
			continue;
		fputs("<h3>", fp);
		an_html_esc(fp, path);
		fputs("</h3>\n<table class=\"meta\">\n", fp);
		json_object_foreach(j, key, v) {
			fputs("<tr><th>", fp);
			an_html_esc(fp, key);
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

void an_html_run_details(FILE *fp, const struct an_report *r, const struct an_load_stats *st,
			 const char *const *inputs, size_t n)
{
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&now, &tm));
	fputs("<section id=\"run\">\n<h2>Run details</h2>\n<table class=\"meta\">\n", fp);
	fprintf(fp, "<tr><th>generated</th><td>%s by llmanalyze %s</td></tr>\n", when,
		LLMBENCH_VERSION);
	fputs("<tr><th>inputs</th><td>", fp);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", fp);
		an_html_esc(fp, strcmp(inputs[i], "-") ? inputs[i] : "standard input");
	}
	fputs("</td></tr>\n<tr><th>run ids</th><td>", fp);
	for (i = 0; i < st->nrun_ids; i++) {
		if (i)
			fputs(", ", fp);
		an_html_esc(fp, st->run_ids[i]);
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
		an_html_esc(fp, r->set->keynames[i]);
	}
	fputs("</td></tr>\n</table>\n", fp);
	run_meta(fp, inputs, n);
	fputs("</section>\n", fp);
}

