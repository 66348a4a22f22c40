#include "legacy.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "csv.h"
#include "stats.h"

struct lrow {
	char *row_id;           /* NULL when the results had none */
	char *step;
	enum an_status status;
	long in_tok, out_tok;
	double ttft, tpot, e2e; /* ms */
};

struct an_legacy {
	struct lrow *rows;
	size_t n, cap;
	char *run_id, *target;  /* the one run and target the files hold */
};

/* Corpus prompts sorted by id, for the join. */
struct prompt {
	char *id, *text;
};

struct an_legacy *an_legacy_new(void)
{
	return calloc(1, sizeof(struct an_legacy));
}

void an_legacy_free(struct an_legacy *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->rows[i].row_id);
		free(l->rows[i].step);
	}
	free(l->rows);
	free(l->run_id);
	free(l->target);
	free(l);
}

int an_legacy_add(struct an_legacy *l, const struct an_rec *r, struct err *e)
{
	struct lrow *x;
	const char *target = r->target ? r->target : "";

	/* The files are one batch-size sweep, named by batch size alone: a
	 * rate step would pass for a batch of that size, and two targets or
	 * runs would share one file and one summary row. */
	if (r->step_kind && strcmp(r->step_kind, "batch") != 0)
		return err_set(e, ERR_DATA, "--legacy-dir: a %s step (%s): the legacy files hold batch "
			       "sizes only", r->step_kind, r->step ? r->step : "?");
	/* A batch size names its file: a '/' in it (a results file's text)
	 * wrote outside the folder ("1/../../x"). Refused as the rows are
	 * read, before any output is written. */
	if (!r->step || !*r->step || r->step[strspn(r->step, "0123456789")])
		return err_set(e, ERR_DATA, "--legacy-dir: step '%.40s' is not a batch size, and cannot "
			       "name a file", r->step ? r->step : "");
	if (!l->run_id && (!(l->run_id = strdup(r->run_id)) || !(l->target = strdup(target))))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (strcmp(l->target, target) != 0)
		return err_set(e, ERR_DATA, "--legacy-dir: rows of two targets (%s, %s): the legacy files "
			       "hold one target's sweep", l->target, target);
	if (strcmp(l->run_id, r->run_id) != 0)
		return err_set(e, ERR_DATA, "--legacy-dir: rows of two runs (%s, %s): the legacy files "
			       "hold one run's sweep", l->run_id, r->run_id);
	if (r->status == AN_CANCELLED)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;

		if (!(x = realloc(l->rows, cap * sizeof *x)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
		l->rows = x;
		l->cap = cap;
	}
	x = &l->rows[l->n];
	x->row_id = r->row_id ? strdup(r->row_id) : NULL;
	x->step = strdup(r->step ? r->step : "");
	if ((r->row_id && !x->row_id) || !x->step) {
		free(x->row_id);
		free(x->step);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	x->status = r->status;
	x->in_tok = r->in_tok;
	x->out_tok = r->out_tok;
	x->ttft = r->ttft_ms;
	/* That tool's TPOT: the streaming time (first chunk to end) over
	 * every output token, not over the gaps between them as ours. */
	x->tpot = r->out_tok > 0 && !isnan(r->ttft_ms) && !isnan(r->e2e_ms) ?
		(r->e2e_ms - r->ttft_ms) / (double)r->out_tok : NAN;
	x->e2e = r->e2e_ms;
	l->n++;
	return 0;
}

static int cmp_prompt(const void *a, const void *b)
{
	return strcmp(((const struct prompt *)a)->id, ((const struct prompt *)b)->id);
}

static int read_corpus(const char *path, struct prompt **out, size_t *nout,
		       struct err *e)
{
	struct csv_reader *r;
	struct prompt *p = NULL, *q;
	size_t n = 0, cap = 0;
	int rc, cid, cp;
	char line[32];

	if ((rc = csv_open(path, &r, e)))
		return rc;
	cid = csv_col(r, "id");
	cp = csv_col(r, "prompt");
	if (cp < 0) {
		csv_close(r);
		return err_set(e, ERR_DATA, "%s:1: no \"prompt\" column", path);
	}
	while ((rc = csv_next(r, e)) == 1) {
		const char *id = cid >= 0 ? csv_field(r, (size_t)cid, NULL) : NULL;

		/* Without an id column, llmrun uses the line number. */
		if (!id) {
			snprintf(line, sizeof line, "%ld", csv_line(r));
			id = line;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if (!(q = realloc(p, cap * sizeof *p)))
				break;
			p = q;
		}
		p[n].id = strdup(id);
		p[n].text = strdup(csv_field(r, (size_t)cp, NULL));
		n++;
		if (!p[n - 1].id || !p[n - 1].text)
			break;
	}
	csv_close(r);
	*out = p;
	*nout = n;
	if (rc == 1)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (rc < 0)
		return e->code;
	if (n > 1)
		qsort(p, n, sizeof *p, cmp_prompt);
	return 0;
}

static const char *prompt_for(const struct prompt *p, size_t n, const char *id)
{
	struct prompt key = {(char *)id, NULL};
	const struct prompt *f;

	if (!p || !id)
		return NULL;
	f = bsearch(&key, p, n, sizeof *p, cmp_prompt);
	return f ? f->text : NULL;
}

static int cmp_step(const void *a, const void *b)
{
	const struct lrow *x = *(struct lrow *const *)a, *y = *(struct lrow *const *)b;
	double u = atof(x->step), v = atof(y->step);

	int c;

	if (u != v)
		return (u > v) - (u < v);
	if ((c = strcmp(x->step, y->step)))
		return c;
	return (x > y) - (x < y); /* arrival order within a step */
}

static void num(char *out, size_t n, double v, int prec)
{
	if (isnan(v) || isinf(v))
		out[0] = '\0';
	else
		snprintf(out, n, "%.*f", prec, v);
}

/* Per request: the nine columns, in that tool's order. */
static void legacy_fields(const struct lrow *x, const char *prompt, char f[8][40],
			  const char **out)
{
	double lat_s = x->e2e / 1000.0;

	out[0] = prompt;
	num(f[0], 40, x->in_tok >= 0 ? (double)x->in_tok : NAN, 0);
	num(f[1], 40, x->out_tok >= 0 ? (double)x->out_tok : NAN, 0);
	num(f[2], 40, x->ttft, 3);
	num(f[3], 40, x->tpot, 3);
	num(f[4], 40, x->e2e, 3);
	num(f[5], 40, x->status == AN_OK && x->out_tok >= 0 && lat_s > 0 ?
		(double)x->out_tok / lat_s : NAN, 3);
	num(f[6], 40, x->status == AN_OK && lat_s > 0 ? 1.0 / lat_s : NAN, 4);
	out[1] = f[0];
	out[2] = f[1];
	out[3] = f[2];
	out[4] = f[3];
	out[5] = f[4];
	out[6] = f[5];
	out[7] = f[6];
	/* That tool wrote "success" (and kept no failed row). */
	out[8] = x->status == AN_OK ? "success" : an_status_name(x->status);
}

static const char *const per_batch_head[] = {
	"prompt", "input_tokens", "output_tokens", "ttft", "tpot", "latency",
	"tps", "rps", "status",
};

#define NMETRIC 7
static const char *const metric_names[NMETRIC] = {
	"input_tokens", "output_tokens", "ttft", "tpot", "latency", "tps", "rps",
};

static double metric(const struct lrow *x, int m)
{
	double lat_s = x->e2e / 1000.0;

	switch (m) {
	case 0: return x->in_tok >= 0 ? (double)x->in_tok : NAN;
	case 1: return x->out_tok >= 0 ? (double)x->out_tok : NAN;
	case 2: return x->ttft;
	case 3: return x->tpot;
	case 4: return x->e2e;
	case 5: return x->out_tok >= 0 && lat_s > 0 ? (double)x->out_tok / lat_s : NAN;
	default: return lat_s > 0 ? 1.0 / lat_s : NAN;
	}
}

static int write_batch(const char *dir, struct lrow **rows, size_t n,
		       const struct prompt *p, size_t np, size_t *unmatched,
		       struct err *e)
{
	struct csv_writer *w;
	char path[4096], f[8][40];
	const char *fields[9];
	size_t i;
	int rc;

	snprintf(path, sizeof path, "%s/output_performance_metrics_batch%s.csv", dir,
		 rows[0]->step);
	if ((rc = csv_writer_open(path, CSV_ATOMIC, &w, e)))
		return rc;
	rc = csv_write_row(w, per_batch_head, 9, e);
	for (i = 0; !rc && i < n; i++) {
		const char *text = prompt_for(p, np, rows[i]->row_id);

		*unmatched += p && !text;
		legacy_fields(rows[i], text ? text : "", f, fields);
		rc = csv_write_row(w, fields, 9, e);
	}
	if (csv_writer_close(w, rc == 0, e) && !rc)
		rc = e->code;
	return rc;
}

/* One row of batch_size_comparison.csv for rows[0..n) (one step). */
static int write_summary_row(struct csv_writer *w, struct lrow **rows, size_t n,
			     struct buf *tmp, struct err *e)
{
	const char *fields[3 + 4 * NMETRIC];
	char text[3 + 4 * NMETRIC][40];
	struct stats_summary s;
	size_t i, ok = 0, k;
	double *v;
	int m, rc;

	for (i = 0; i < n; i++)
		ok += rows[i]->status == AN_OK;
	fields[0] = rows[0]->step;
	snprintf(text[1], 40, "%zu", ok);
	snprintf(text[2], 40, "%zu", n);
	fields[1] = text[1];             /* sample_size: the rows summarized */
	fields[2 + 4 * NMETRIC] = text[2]; /* requests, ours: last */
	for (m = 0; m < NMETRIC; m++) {
		buf_reset(tmp);
		if ((rc = buf_reserve(tmp, n * sizeof(double), e)))
			return rc;
		v = (double *)tmp->p;
		for (i = k = 0; i < n; i++) {
			double x = metric(rows[i], m);

			if (rows[i]->status == AN_OK && !isnan(x))
				v[k++] = x;
		}
		stats_summarize(v, k, &s);
		num(text[3 + 4 * m], 40, s.mean, 3);
		/* pandas' std, which that tool wrote: the sample's (n - 1). */
		num(text[4 + 4 * m], 40, k > 1 ? s.std * sqrt((double)k / (double)(k - 1)) : NAN, 3);
		num(text[5 + 4 * m], 40, s.min, 3);
		num(text[6 + 4 * m], 40, s.max, 3);
		for (i = 0; i < 4; i++)
			fields[2 + 4 * m + (int)i] = text[3 + 4 * m + (int)i];
	}
	return csv_write_row(w, fields, 3 + 4 * NMETRIC, e);
}

static int write_comparison(const char *dir, struct lrow **sorted, size_t n,
			    struct err *e)
{
	static const char *const stat[4] = {"mean", "std", "min", "max"};
	const char *head[3 + 4 * NMETRIC];
	char names[4 * NMETRIC][40], path[4096];
	struct csv_writer *w;
	struct buf tmp = BUF_INIT;
	size_t i, j;
	int rc, m, k;

	/* That tool's columns, then ours: requests (ok or not). */
	head[0] = "batch_size";
	head[1] = "sample_size";
	for (m = 0; m < NMETRIC; m++)
		for (k = 0; k < 4; k++) {
			snprintf(names[4 * m + k], 40, "%s_%s", metric_names[m], stat[k]);
			head[2 + 4 * m + k] = names[4 * m + k];
		}
	head[2 + 4 * NMETRIC] = "requests";
	snprintf(path, sizeof path, "%s/batch_size_comparison.csv", dir);
	if ((rc = csv_writer_open(path, CSV_ATOMIC, &w, e)))
		return rc;
	rc = csv_write_row(w, head, 3 + 4 * NMETRIC, e);
	for (i = 0; !rc && i < n; i = j) {
		for (j = i + 1; j < n && strcmp(sorted[j]->step, sorted[i]->step) == 0; j++)
			;
		rc = write_summary_row(w, sorted + i, j - i, &tmp, e);
	}
	buf_free(&tmp);
	if (csv_writer_close(w, rc == 0, e) && !rc)
		rc = e->code;
	return rc;
}

int an_legacy_check_corpus(const char *corpus, struct err *e)
{
	struct prompt *p = NULL;
	size_t np = 0, i;
	int rc = read_corpus(corpus, &p, &np, e);

	for (i = 0; i < np; i++) {
		free(p[i].id);
		free(p[i].text);
	}
	free(p);
	return rc;
}

int an_legacy_write(struct an_legacy *l, const char *dir, const char *corpus,
		    size_t *unmatched, struct err *e)
{
	struct prompt *p = NULL;
	struct lrow **sorted = NULL;
	size_t np = 0, i, j;
	int rc = 0;

	*unmatched = 0;
	if (mkdir(dir, 0777) && errno != EEXIST)
		return err_set(e, ERR_IO, "%s: %s", dir, strerror(errno));
	if (corpus && (rc = read_corpus(corpus, &p, &np, e)))
		goto out;
	if (!(sorted = malloc((l->n ? l->n : 1) * sizeof *sorted))) {
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	for (i = 0; i < l->n; i++)
		sorted[i] = &l->rows[i];
	qsort(sorted, l->n, sizeof *sorted, cmp_step);
	for (i = 0; !rc && i < l->n; i = j) {
		for (j = i + 1; j < l->n && strcmp(sorted[j]->step, sorted[i]->step) == 0; j++)
			;
		rc = write_batch(dir, sorted + i, j - i, p, np, unmatched, e);
	}
	if (!rc)
		rc = write_comparison(dir, sorted, l->n, e);
out:
	for (i = 0; i < np; i++) {
		free(p[i].id);
		free(p[i].text);
	}
	free(p);
	free(sorted);
	return rc;
}
