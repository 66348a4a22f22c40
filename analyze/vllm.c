#include "vllm.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

static int need_array(json_t *root, const char *key, size_t n, const char *path,
		      json_t **out, struct err *e)
{
	*out = json_object_get(root, key);
	if (!json_is_array(*out))
		return err_set(e, ERR_DATA, "%s: no \"%s\" array: not a vLLM result file "
			       "saved with --save-result?", path, key);
	if (n != (size_t)-1 && json_array_size(*out) != n)
		return err_set(e, ERR_DATA, "%s: \"%s\" has %zu entries, \"ttfts\" %zu",
			       path, key, json_array_size(*out), n);
	return 0;
}

static int push(struct buf *b, double v, struct err *e)
{
	return buf_add(b, &v, sizeof v, e);
}

int an_vllm_read(const char *path, struct an_vllm_stats *s, struct err *e)
{
	json_t *root, *ttfts, *itls, *outs, *ins, *errs;
	struct buf ttft = BUF_INIT, tpot = BUF_INIT, itl = BUF_INIT, e2e = BUF_INIT;
	size_t n, i, j;
	int rc = 0;

	memset(s, 0, sizeof *s);
	if ((rc = js_load_file(path, 0, &root, e)))
		return rc;
	/* Saved without the detailed per-request data: vLLM's summaries
	 * alone, ours empty. */
	if (!json_object_get(root, "ttfts") && json_is_number(json_object_get(root, "mean_ttft_ms"))) {
		stats_summarize(NULL, 0, &s->ttft);
		s->tpot = s->itl = s->e2e = s->ttft;
		goto out;
	}
	if ((rc = need_array(root, "ttfts", (size_t)-1, path, &ttfts, e)))
		goto out;
	n = json_array_size(ttfts);
	if ((rc = need_array(root, "itls", n, path, &itls, e)) ||
	    (rc = need_array(root, "output_lens", n, path, &outs, e)) ||
	    (rc = need_array(root, "input_lens", n, path, &ins, e)))
		goto out;
	errs = json_object_get(root, "errors");
	for (i = 0; i < n && !rc; i++) {
		json_t *err = json_is_array(errs) ? json_array_get(errs, i) : NULL;
		json_t *gaps = json_array_get(itls, i);
		double t = json_number_value(json_array_get(ttfts, i)) * 1000, sum = 0, g;
		json_int_t out = json_integer_value(json_array_get(outs, i));

		if (err && json_is_string(err) && json_string_length(err) > 0)
			continue;
		if (!json_is_number(json_array_get(ttfts, i)) || !json_is_array(gaps))
			rc = err_set(e, ERR_DATA, "%s: request %zu: ttfts or itls entry is not a number or list", path, i);
		s->completed++;
		s->in_tokens += (double)json_integer_value(json_array_get(ins, i));
		s->out_tokens += (double)out;
		if (!rc)
			rc = push(&ttft, t, e);
		for (j = 0; !rc && j < json_array_size(gaps); j++) {
			g = json_number_value(json_array_get(gaps, j)) * 1000;
			sum += g;
			rc = push(&itl, g, e);
		}
		if (!rc)
			rc = push(&e2e, t + sum, e);
		if (!rc && out > 1)
			rc = push(&tpot, sum / (double)(out - 1), e);
	}
	if (!rc) {
		stats_summarize((double *)ttft.p, ttft.len / sizeof(double), &s->ttft);
		stats_summarize((double *)tpot.p, tpot.len / sizeof(double), &s->tpot);
		stats_summarize((double *)itl.p, itl.len / sizeof(double), &s->itl);
		stats_summarize((double *)e2e.p, e2e.len / sizeof(double), &s->e2e);
	}
out:
	buf_free(&ttft);
	buf_free(&tpot);
	buf_free(&itl);
	buf_free(&e2e);
	json_decref(root);
	return rc;
}

#define NSTAT 7
static const char *const stat_names[NSTAT] = {
	"mean", "median", "std", "p50", "p90", "p95", "p99",
};

static double stat_of(const struct stats_summary *s, int k)
{
	switch (k) {
	case 0: return s->mean;
	case 1: case 3: return s->p50;
	case 2: return s->std;
	case 4: return s->p90;
	case 5: return s->p95;
	default: return s->p99;
	}
}

/* Text cells for one file: for each metric and statistic, file, metric,
 * stat, ours, vLLM's, difference, note. */
static int add_rows(const char *path, struct buf *text, struct buf *offs,
		    size_t *nrows, struct err *e)
{
	static const char *const metrics[4] = {"ttft", "tpot", "itl", "e2el"};
	struct an_vllm_stats s;
	const struct stats_summary *sum[4];
	json_t *root;
	char key[64], cells[7][64];
	size_t off;
	int m, k, c, rc;

	if ((rc = an_vllm_read(path, &s, e)) || (rc = js_load_file(path, 0, &root, e)))
		return rc;
	sum[0] = &s.ttft;
	sum[1] = &s.tpot;
	sum[2] = &s.itl;
	sum[3] = &s.e2e;
	for (m = 0; m < 4 && !rc; m++)
		for (k = 0; k < NSTAT && !rc; k++) {
			double ours = stat_of(sum[m], k), theirs;
			json_t *v;

			snprintf(key, sizeof key, "%s_%s_ms", stat_names[k], metrics[m]);
			v = json_object_get(root, key);
			theirs = json_is_number(v) ? json_number_value(v) : NAN;
			snprintf(cells[0], 64, "%s", metrics[m]);
			snprintf(cells[1], 64, "%s", stat_names[k]);
			an_fmt_num(cells[2], 64, ours, 4);
			an_fmt_num(cells[3], 64, theirs, 4);
			an_fmt_num(cells[4], 64, ours - theirs, 4);
			snprintf(cells[5], 64, "%s", isnan(theirs) ? "not in file" :
				 sum[m]->n == 0 ? "no per-request data" :
				 m == 1 || m == 3 ? "approx" : "exact");
			for (c = -1; c < 6 && !rc; c++) {
				off = text->len;
				rc = buf_add(text, c < 0 ? path : cells[c],
					     strlen(c < 0 ? path : cells[c]) + 1, e);
				if (!rc)
					rc = buf_add(offs, &off, sizeof off, e);
			}
			(*nrows)++;
		}
	json_decref(root);
	return rc;
}

int an_vllm_compare(FILE *fp, enum an_fmt fmt, const char *const *paths,
		    size_t n, struct err *e)
{
	static const char *const head[7] = {
		"file", "metric", "stat", "ours_ms", "vllm_ms", "diff_ms", "note",
	};
	struct buf text = BUF_INIT, offs = BUF_INIT;
	const char **cells = NULL;
	size_t i, nrows = 0, ncells;
	int rc = 0;

	for (i = 0; i < n && !rc; i++)
		rc = add_rows(paths[i], &text, &offs, &nrows, e);
	ncells = offs.len / sizeof(size_t);
	if (!rc && !(cells = malloc((ncells ? ncells : 1) * sizeof *cells)))
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
	for (i = 0; !rc && i < ncells; i++)
		cells[i] = text.p + ((size_t *)offs.p)[i];
	if (!rc)
		rc = an_format_grid(fp, fmt, head, 7, cells, nrows, e);
	free(cells);
	buf_free(&text);
	buf_free(&offs);
	return rc;
}
