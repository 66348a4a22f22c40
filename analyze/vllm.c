#include "vllm.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "json.h"

struct an_vllm_file {
	char *name;
	json_t *root;
	json_t *ttfts, *itls, *ins, *outs, *errs; /* NULL: summaries alone */
	size_t n;
	char run_id[96], step[64], step_kind[8], schedule[16];
	const char *target, *model, *api;  /* borrowed from root; may be NULL */
	int64_t run_from, run_to;          /* epoch ns, AN_NO_TIME unknown */
	int unplaced;                      /* no date: [-duration, 0] */
	struct buf log;                    /* chunk_log of the last row read */
	char row_id[24], key_id[24];
};

/* Whether root has vLLM's keys: an object with a "ttfts" array or a
 * "mean_ttft_ms" number. */
static int an_vllm_detect(const json_t *root)
{
	return json_is_object(root) && (json_is_array(json_object_get(root, "ttfts")) ||
					json_is_number(json_object_get(root, "mean_ttft_ms")));
}

static int need_array(struct an_vllm_file *f, const char *key, json_t **out, struct err *e)
{
	*out = json_object_get(f->root, key);
	if (!json_is_array(*out))
		return err_set(e, ERR_DATA, "%s: no \"%s\" array: not a vLLM result file "
			       "saved with --save-result?", f->name, key);
	if (json_array_size(*out) != f->n)
		return err_set(e, ERR_DATA, "%s: \"%s\" has %zu entries, \"ttfts\" %zu",
			       f->name, key, json_array_size(*out), f->n);
	return 0;
}

static const char *str_of(const json_t *root, const char *key)
{
	const json_t *v = json_object_get(root, key);

	return json_is_string(v) && json_string_length(v) ? json_string_value(v) : NULL;
}

/* vLLM stamps `date` (local time, to the second, "%Y%m%d-%H%M%S") when it
 * saves the result, so after the run: taken as the run's end. Read as UTC,
 * it only places the run among others (runs pooled with --pool-runs);
 * the span's length is `duration`, which is exact. */
static void run_span(struct an_vllm_file *f)
{
	const char *date = str_of(f->root, "date");
	json_t *d = json_object_get(f->root, "duration");
	struct tm tm;
	int64_t end = 0;
	char *rest;

	f->run_from = f->run_to = AN_NO_TIME;
	if (!json_is_number(d) || !(json_number_value(d) > 0) || json_number_value(d) > 1e9)
		return;
	memset(&tm, 0, sizeof tm);
	if (date && (rest = strptime(date, "%Y%m%d-%H%M%S", &tm)) && !*rest)
		end = (int64_t)timegm(&tm) * 1000000000;
	else
		f->unplaced = 1;
	f->run_to = end;
	f->run_from = end - (int64_t)llround(json_number_value(d) * 1e9);
}

/* The grouping values every row of the file shares. */
/* v in the fewest digits that read back as v: 2.2, not the
 * 2.2000000000000002 of %.17g (a step that must equal llmrun's "2.2"). */
static void num_text(char *out, size_t n, double v)
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(out, n, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static void settings(struct an_vllm_file *f)
{
	const json_t *conc = json_object_get(f->root, "max_concurrency");
	const json_t *rate = json_object_get(f->root, "request_rate");
	const json_t *burst = json_object_get(f->root, "burstiness");
	const char *date = str_of(f->root, "date"), *base = strrchr(f->name, '/');
	int limited = json_is_number(rate) && !isinf(json_number_value(rate));

	f->api = str_of(f->root, "backend");
	f->target = str_of(f->root, "base_url");
	if (!f->target)
		f->target = f->api;
	f->model = str_of(f->root, "model_id");
	snprintf(f->run_id, sizeof f->run_id, "vllm-%s", date ? date : base ? base + 1 : f->name);
	/* --ramp-up-strategy: the rate climbs from ramp_up_start_rps to
	 * ramp_up_end_rps (request_rate reads inf); as llmrun's --ramp, the
	 * step is the rate it ends at and the schedule says it ramps, with a
	 * --max-concurrency cap or without. */
	if (json_is_string(json_object_get(f->root, "ramp_up_strategy")) &&
	    json_is_number(json_object_get(f->root, "ramp_up_end_rps"))) {
		strcpy(f->step_kind, "rate");
		num_text(f->step, sizeof f->step, json_number_value(json_object_get(f->root, "ramp_up_end_rps")));
		strcpy(f->schedule, !json_is_number(burst) || json_number_value(burst) == 1.0
				    ? "poisson-ramp" : "gamma-ramp");
		return;
	}
	/* A rate with a cap is a rate step (as llmrun's --rate R
	 * --max-concurrency C); a cap alone, requests sent at once, is a
	 * closed loop of that many. */
	if (json_is_integer(conc) && !limited) {
		strcpy(f->step_kind, "batch");
		strcpy(f->schedule, "window");
		snprintf(f->step, sizeof f->step, "%lld", (long long)json_integer_value(conc));
		return;
	}
	strcpy(f->step_kind, "rate");
	if (limited)
		num_text(f->step, sizeof f->step, json_number_value(rate));
	else
		strcpy(f->step, "inf");
	/* burstiness 1 is a Poisson process in vLLM, any other a gamma one;
	 * without a rate limit every request is sent at once: no schedule. */
	if (limited)
		strcpy(f->schedule, !json_is_number(burst) || json_number_value(burst) == 1.0
				    ? "poisson" : "gamma");
}

static int slurp(FILE *fp, const char *name, struct buf *b, struct err *e)
{
	char chunk[65536];
	size_t n;
	int rc = 0;

	b->max = AN_VLLM_MAX;
	while (!rc && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		rc = buf_add(b, chunk, n, e);
	if (rc == ERR_DATA)
		return err_set(e, ERR_DATA, "%s: larger than %zu MiB: not a vLLM result file?",
			       name, AN_VLLM_MAX >> 20);
	if (!rc && ferror(fp))
		rc = err_set(e, ERR_IO, "%s: read failed", name);
	return rc;
}

int an_vllm_open(const char *path, struct an_vllm_file ***out, size_t *n, struct err *e)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	int rc;

	*out = NULL;
	*n = 0;
	if (!fp)
		return err_set(e, ERR_NOINPUT, "%s: cannot open: %s", path, strerror(errno));
	rc = an_vllm_open_fp(fp, fp == stdin ? "stdin" : path, out, n, e);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

/* One result (root, owned by it from now on) as a file named name. */
static int open_root(json_t *root, const char *name, struct an_vllm_file **out, struct err *e)
{
	struct an_vllm_file *f = calloc(1, sizeof *f);
	int rc;

	*out = NULL;
	if (!f || !(f->name = strdup(name))) {
		free(f);
		json_decref(root);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	f->root = root;
	if (!an_vllm_detect(f->root)) {
		rc = err_set(e, ERR_DATA, "%s: not a vLLM result file (no \"ttfts\" array or "
			     "\"mean_ttft_ms\"): a JSON input must be vLLM bench serve --save-result "
			     "output", f->name);
		goto fail;
	}
	settings(f);
	run_span(f);
	/* Saved without the detailed per-request data: vLLM's summaries
	 * alone, no rows. */
	if (!json_object_get(f->root, "ttfts")) {
		*out = f;
		return 0;
	}
	f->n = json_array_size(json_object_get(f->root, "ttfts"));
	if ((rc = need_array(f, "ttfts", &f->ttfts, e)) ||
	    (rc = need_array(f, "itls", &f->itls, e)) ||
	    (rc = need_array(f, "output_lens", &f->outs, e)) ||
	    (rc = need_array(f, "input_lens", &f->ins, e)))
		goto fail;
	f->errs = json_object_get(f->root, "errors");
	if (f->errs && !json_is_array(f->errs))
		f->errs = NULL;
	*out = f;
	return 0;
fail:
	an_vllm_free(f);
	return rc;
}

int an_vllm_open_fp(FILE *fp, const char *name, struct an_vllm_file ***out, size_t *n,
		    struct err *e)
{
	struct buf text = BUF_INIT;
	struct an_vllm_file **all = NULL, **more;
	size_t off = 0, line = 1, i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = slurp(fp, name, &text, e);
	/* vllm bench serve --append-result writes one result a line: each
	 * is a run of its own, named NAME:LINE when there are several. */
	while (!rc) {
		const char *p = text.p ? text.p : "";
		json_error_t je;
		json_t *root;
		char where[4096];
		size_t start;

		while (off < text.len && (p[off] == ' ' || p[off] == '\t' || p[off] == '\r' || p[off] == '\n'))
			line += p[off++] == '\n';
		if (off == text.len && *n)
			break;
		start = line;
		if (!(root = json_loadb(p + off, text.len - off, JSON_DISABLE_EOF_CHECK, &je))) {
			rc = err_set(e, json_error_code(&je) == json_error_out_of_memory ? ERR_SOFTWARE : ERR_DATA,
				     "%s:%d:%d: %s%s", name, je.line + (int)start - 1, je.column, je.text,
				     /* A results CSV given to --vllm, say. */
				     !*n && p[off] != '{' && p[off] != '[' ? " (not JSON: not a vLLM "
				     "result file)" : "");
			break;
		}
		for (i = off; i < off + (size_t)je.position && i < text.len; i++)
			line += p[i] == '\n';
		off += (size_t)je.position;
		if (!(more = realloc(all, (*n + 1) * sizeof *all))) {
			json_decref(root);
			rc = err_set(e, ERR_SOFTWARE, "out of memory");
			break;
		}
		all = more;
		snprintf(where, sizeof where, "%s:%zu", name, start);
		{
			size_t rest = off;

			while (rest < text.len && (p[rest] == ' ' || p[rest] == '\t' || p[rest] == '\r' || p[rest] == '\n'))
				rest++;
			/* FILE:LINE only when another result follows (or came). */
			if ((rc = open_root(root, *n || rest < text.len ? where : name, &all[*n], e)))
				break;
		}
		(*n)++;
	}
	/* The first of several was named before the second was seen. */
	if (!rc && *n > 1 && !strchr(all[0]->name + strlen(name), ':')) {
		char *nm = NULL;

		if (asprintf(&nm, "%s:1", name) < 0)
			rc = err_set(e, ERR_SOFTWARE, "out of memory");
		else {
			free(all[0]->name);
			all[0]->name = nm;
		}
	}
	buf_free(&text);
	if (rc) {
		for (i = 0; i < *n; i++)
			an_vllm_free(all[i]);
		free(all);
		*n = 0;
		return rc;
	}
	*out = all;
	return 0;
}

void an_vllm_free(struct an_vllm_file *f)
{
	if (!f)
		return;
	json_decref(f->root);
	buf_free(&f->log);
	free(f->name);
	free(f);
}

const char *an_vllm_name(const struct an_vllm_file *f)
{
	return f->name;
}

size_t an_vllm_nrows(const struct an_vllm_file *f)
{
	return f->n;
}

static int failed(const struct an_vllm_file *f, size_t i)
{
	const json_t *err = f->errs ? json_array_get(f->errs, i) : NULL;

	return json_is_string(err) && json_string_length(err) > 0;
}

static int count_of(json_t *arr, const char *key, size_t i, long *out, struct err *e)
{
	json_t *v = json_array_get(arr, i);

	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX)
		return err_set(e, ERR_DATA, "request %zu: \"%s\" entry is not a count", i, key);
	*out = (long)json_integer_value(v);
	return 0;
}

int an_vllm_row(struct an_vllm_file *f, size_t i, struct an_rec *r, struct err *e)
{
	json_t *ttft = json_array_get(f->ttfts, i), *gaps = json_array_get(f->itls, i), *g;
	double t_ms, off_us, sum_ms = 0, gap;
	size_t j;
	int rc;

	memset(r, 0, sizeof *r);
	snprintf(f->row_id, sizeof f->row_id, "%zu", i);
	r->run_id = f->run_id;
	r->target = f->target;
	r->step_kind = f->step_kind;
	r->row_id = f->row_id;
	r->step = f->step;
	r->t_sent = r->t_first = r->t_last = r->t_end = AN_NO_TIME;
	r->ttft_ms = r->tpot_ms = r->e2e_ms = r->lag_ms = NAN;
	r->srv_prompt_ms = r->srv_decode_ms = NAN;
	r->srv_prompt_tok = r->srv_decode_tok = -1;
	r->in_tok = r->out_tok = r->max_tok = -1;
	r->turn = r->ctx_tok = r->cached_tok = r->ttft_merged = -1;
	r->run_from = f->run_from;
	r->run_to = f->run_to;
	r->unplaced = f->unplaced;
	if ((rc = count_of(f->ins, "input_lens", i, &r->in_tok, e)))
		return rc;
	/* vLLM keeps an error's text, not its class. */
	if (failed(f, i)) {
		r->status = AN_OTHER;
		return 0;
	}
	r->status = AN_OK;
	if ((rc = count_of(f->outs, "output_lens", i, &r->out_tok, e)))
		return rc;
	if (!json_is_number(ttft) || !(json_number_value(ttft) >= 0) || !json_is_array(gaps))
		return err_set(e, ERR_DATA, "request %zu: ttfts or itls entry is not a number or list", i);
	/* The chunk_log llmrun would have written: the first chunk at the
	 * TTFT, then one per gap. Offsets to the picosecond (µs with six
	 * decimals) so the gaps read back are vLLM's to about 1e-9. */
	t_ms = json_number_value(ttft) * 1000;
	off_us = t_ms * 1000;
	buf_reset(&f->log);
	if ((rc = buf_printf(&f->log, e, "%.6f", off_us)))
		return rc;
	json_array_foreach(gaps, j, g) {
		gap = json_number_value(g) * 1000;
		if (!json_is_number(g) || !(gap >= 0))
			return err_set(e, ERR_DATA, "request %zu: itls entry %zu is not a gap", i, j);
		sum_ms += gap;
		off_us = (t_ms + sum_ms) * 1000;
		if ((rc = buf_printf(&f->log, e, " %.6f", off_us)))
			return rc;
	}
	r->chunk_log = f->log.p;
	r->ttft_ms = t_ms;
	r->e2e_ms = t_ms + sum_ms;
	r->e2e_approx = 1;
	if (r->out_tok > 1)
		r->tpot_ms = sum_ms / (double)(r->out_tok - 1);
	return 0;
}

const char *an_vllm_key(struct an_vllm_file *f, const char *name, size_t i)
{
	if (strcmp(name, "source") == 0)
		return "vllm";
	if (strcmp(name, "target") == 0)
		return f->target;
	if (strcmp(name, "model") == 0)
		return f->model;
	if (strcmp(name, "api") == 0)
		return f->api;
	if (strcmp(name, "run_id") == 0)
		return f->run_id;
	if (strcmp(name, "step_kind") == 0)
		return f->step_kind;
	if (strcmp(name, "step") == 0)
		return f->step;
	if (strcmp(name, "schedule") == 0)
		return *f->schedule ? f->schedule : NULL;
	if (strcmp(name, "row_id") == 0) {
		snprintf(f->key_id, sizeof f->key_id, "%zu", i);
		return f->key_id;
	}
	if (strcmp(name, "status") == 0 && i < f->n)
		return failed(f, i) ? "other" : "ok";
	return NULL;
}

static int push(struct buf *b, double v, struct err *e)
{
	return isnan(v) ? 0 : buf_add(b, &v, sizeof v, e);
}

int an_vllm_stats(struct an_vllm_file *f, struct an_vllm_stats *s, struct err *e)
{
	struct buf ttft = BUF_INIT, tpot = BUF_INIT, itl = BUF_INIT, e2e = BUF_INIT;
	struct an_rec r;
	json_t *g;
	size_t i, j;
	int rc = 0;

	memset(s, 0, sizeof *s);
	for (i = 0; i < f->n && !rc; i++) {
		if ((rc = an_vllm_row(f, i, &r, e)))
			rc = err_prefix(e, "%s", f->name);
		if (rc || r.status != AN_OK)
			continue;
		s->completed++;
		s->in_tokens += (double)r.in_tok;
		s->out_tokens += (double)r.out_tok;
		/* ITL from the file's numbers, not the chunk_log's decimals:
		 * this is the check of the rows, not their copy. */
		json_array_foreach(json_array_get(f->itls, i), j, g)
			if (!rc)
				rc = push(&itl, json_number_value(g) * 1000, e);
		if (!rc)
			rc = push(&ttft, r.ttft_ms, e);
		if (!rc)
			rc = push(&e2e, r.e2e_ms, e);
		if (!rc)
			rc = push(&tpot, r.tpot_ms, e);
	}
	stats_summarize((double *)ttft.p, ttft.len / sizeof(double), &s->ttft);
	stats_summarize((double *)tpot.p, tpot.len / sizeof(double), &s->tpot);
	stats_summarize((double *)itl.p, itl.len / sizeof(double), &s->itl);
	stats_summarize((double *)e2e.p, e2e.len / sizeof(double), &s->e2e);
	/* Sorted by stats_summarize: kept for the file's other percentiles. */
	s->sorted[0] = ttft;
	s->sorted[1] = tpot;
	s->sorted[2] = itl;
	s->sorted[3] = e2e;
	return rc;
}

void an_vllm_stats_free(struct an_vllm_stats *s)
{
	for (int k = 0; k < 4; k++)
		buf_free(&s->sorted[k]);
}

#define NSTAT 9
static const char *const stat_names[NSTAT] = {
	"mean", "median", "std", "min", "p50", "p90", "p95", "p99", "max",
};

static double stat_of(const struct stats_summary *s, int k)
{
	switch (k) {
	case 0: return s->mean;
	case 1: case 4: return s->p50;
	case 2: return s->std;
	case 3: return s->min;
	case 5: return s->p90;
	case 6: return s->p95;
	case 7: return s->p99;
	default: return s->max;
	}
}

/* Text cells for one file: for each metric and statistic, file, metric,
 * stat, ours, vLLM's, difference, note. vLLM writes no min or max: those
 * rows have ours alone ("not in file"). */
struct pct_key {
	double p;
	const char *key;  /* borrowed from the file's root */
};

static int cmp_pct(const void *a, const void *b)
{
	double x = ((const struct pct_key *)a)->p, y = ((const struct pct_key *)b)->p;

	return (x > y) - (x < y);
}

/* The other percentiles the file holds for metric (vLLM's
 * --metric-percentiles: 25, 99.9, ...), ascending, into p (at most max). */
static size_t other_pcts(const json_t *root, const char *metric, struct pct_key *p, size_t max)
{
	const char *key;
	json_t *v;
	size_t n = 0, ml = strlen(metric);

	json_object_foreach((json_t *)root, key, v) {
		char *end;
		double x;
		size_t kl = strlen(key);

		/* "p" NUMBER "_" metric "_ms" */
		if (key[0] != 'p' || !json_is_number(v) || kl < ml + 6 ||
		    strcmp(key + kl - 3, "_ms") != 0 || key[kl - 4 - ml] != '_' ||
		    strncmp(key + kl - 3 - ml, metric, ml) != 0)
			continue;
		x = strtod(key + 1, &end);
		if (end != key + kl - 4 - ml || !(x > 0 && x < 100) ||
		    x == 50 || x == 90 || x == 95 || x == 99 || n == max)
			continue;
		p[n++] = (struct pct_key){x, key};
	}
	if (n > 1)
		qsort(p, n, sizeof *p, cmp_pct);
	return n;
}

/* One row: file, metric, stat, ours, vLLM's, difference, note. */
static int add_row(const struct an_vllm_file *f, const char *metric, const char *stat,
		   double ours, double theirs, size_t samples, int approx, struct buf *text,
		   struct buf *offs, size_t *nrows, struct err *e)
{
	char cells[6][64];
	size_t off;
	int c, rc = 0;

	snprintf(cells[0], 64, "%s", metric);
	snprintf(cells[1], 64, "%s", stat);
	an_fmt_num(cells[2], 64, ours, 4);
	an_fmt_num(cells[3], 64, theirs, 4);
	an_fmt_num(cells[4], 64, ours - theirs, 4);
	snprintf(cells[5], 64, "%s", isnan(theirs) ? "not in file" :
		 samples == 0 ? (f->n ? "no completed request" : "no per-request data") :
		 approx ? "approx" : "exact");
	for (c = -1; c < 6 && !rc; c++) {
		const char *t = c < 0 ? f->name : cells[c];

		off = text->len;
		rc = buf_add(text, t, strlen(t) + 1, e);
		if (!rc)
			rc = buf_add(offs, &off, sizeof off, e);
	}
	(*nrows)++;
	return rc;
}

static int add_rows(struct an_vllm_file *f, struct buf *text, struct buf *offs,
		    size_t *nrows, struct err *e)
{
	static const char *const metrics[4] = {"ttft", "tpot", "itl", "e2el"};
	struct an_vllm_stats s;
	const struct stats_summary *sum[4];
	char key[64], stat[32];
	struct pct_key pct[32];
	size_t np, i;
	int m, k, rc;

	if ((rc = an_vllm_stats(f, &s, e))) {
		an_vllm_stats_free(&s);
		return rc;
	}
	sum[0] = &s.ttft;
	sum[1] = &s.tpot;
	sum[2] = &s.itl;
	sum[3] = &s.e2e;
	for (m = 0; m < 4 && !rc; m++) {
		for (k = 0; k < NSTAT && !rc; k++) {
			json_t *v;

			snprintf(key, sizeof key, "%s_%s_ms", stat_names[k], metrics[m]);
			v = json_object_get(f->root, key);
			rc = add_row(f, metrics[m], stat_names[k], stat_of(sum[m], k),
				     json_is_number(v) ? json_number_value(v) : NAN, sum[m]->n,
				     m == 1 || m == 3, text, offs, nrows, e);
		}
		/* Every other percentile vLLM wrote is checked too (it was
		 * passed over without a word). */
		np = other_pcts(f->root, metrics[m], pct, sizeof pct / sizeof *pct);
		for (i = 0; i < np && !rc; i++) {
			const double *sorted = (const double *)s.sorted[m].p;
			size_t n = s.sorted[m].len / sizeof(double);

			snprintf(stat, sizeof stat, "%.*s", (int)(strlen(pct[i].key) - strlen(metrics[m]) - 4),
				 pct[i].key);
			rc = add_row(f, metrics[m], stat, n ? stats_percentile_sorted(sorted, n, pct[i].p) : NAN,
				     json_number_value(json_object_get(f->root, pct[i].key)), n,
				     m == 1 || m == 3, text, offs, nrows, e);
		}
	}
	an_vllm_stats_free(&s);
	return rc;
}

int an_vllm_compare(FILE *fp, enum an_fmt fmt, struct an_vllm_file *const *files,
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
		rc = add_rows(files[i], &text, &offs, &nrows, e);
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
