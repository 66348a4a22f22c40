#include "csv.h"
#include "format.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cols.h"

const char *const an_table_default_cols[] = {
	"requests", "ok", "success_rate", "req_per_s", "out_tok_per_s",
	"ttft_p50", "ttft_p99", "tpot_p50", "itl_p50", "e2e_p50", "e2e_p99",
	NULL,
};

int an_fmt_parse(const char *s)
{
	static const char *const names[] = {"csv", "md", "json", "table"};
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

char *an_fmt_num(char *out, size_t n, double v, int prec)
{
	if (isnan(v) || isinf(v))
		out[0] = '\0';
	else
		snprintf(out, n, "%.*f", prec, v);
	return out;
}

/* Cell (row, col) as text: col < nkeys is a key, else a metric. With
 * mark, a figure resting on estimated token counts gets a '*'. */
static const char *cell(const struct an_report *r, size_t row, size_t col,
			const int *cols, char *tmp, size_t n, int mark)
{
	const struct an_set *s = r->set;
	const struct an_col *c;
	size_t g = r->order[row], l;

	if (col < s->nkeys)
		return s->groups[g]->key[col];
	c = &an_cols[cols[col - s->nkeys]];
	an_fmt_num(tmp, n, an_col_value(c, &r->m[g]), c->prec);
	l = strlen(tmp);
	if (mark && l && l + 1 < n && r->m[g].tokens_estimated > 0 && an_col_uses_tokens(c)) {
		tmp[l] = '*';
		tmp[l + 1] = '\0';
	}
	return tmp;
}

/* Whether any shown figure got a '*'. */
static int any_marked(const struct an_report *r, const int *cols, size_t nc)
{
	size_t i, j;

	for (i = 0; i < r->n; i++)
		for (j = r->set->nkeys; j < nc; j++)
			if (r->m[i].tokens_estimated > 0 &&
			    an_col_uses_tokens(&an_cols[cols[j - r->set->nkeys]]))
				return 1;
	return 0;
}

static const char estimate_note[] =
	"* rests partly on token counts estimated from chunks (see tokens_estimated)\n";

static const char *head(const struct an_report *r, size_t col, const int *cols)
{
	if (col < r->set->nkeys)
		return r->set->keynames[col];
	return an_cols[cols[col - r->set->nkeys]].name;
}

/* Rows of CSV through lib/csv's writer, so the quoting is the one every
 * tool writes and reads. get(ctx, i, j) gives the cell of row i (0 = the
 * header) and column j. */
typedef const char *cell_fn(void *ctx, size_t i, size_t j);

static int put_csv(FILE *fp, size_t nrows, size_t nc, cell_fn *get, void *ctx,
		   struct err *e)
{
	struct csv_writer *w;
	const char *c;
	size_t i, j;
	int rc;

	if ((rc = csv_writer_open_fp(fp, fp == stdout ? "standard output" : "the table",
				     &w, e)))
		return rc;
	for (i = 0; !rc && i < nrows; i++) {
		for (j = 0; !rc && j < nc; j++) {
			c = get(ctx, i, j);
			rc = csv_write_field(w, c, strlen(c), e);
		}
		if (!rc)
			rc = csv_end_row(w, e);
	}
	if (rc) {
		csv_writer_close(w, 0, NULL);
		return rc;
	}
	return csv_writer_close(w, 1, e);
}

struct report_cells {
	const struct an_report *r;
	const int *cols;
	char tmp[64];
};

static const char *report_cell(void *ctx, size_t i, size_t j)
{
	struct report_cells *rc = ctx;

	return i ? cell(rc->r, i - 1, j, rc->cols, rc->tmp, sizeof rc->tmp, 0)
		 : head(rc->r, j, rc->cols);
}

struct grid_cells {
	const char *const *head;
	const char *const *cells;
	size_t nc;
};

static const char *grid_cell(void *ctx, size_t i, size_t j)
{
	struct grid_cells *g = ctx;

	return i ? g->cells[(i - 1) * g->nc + j] : g->head[j];
}

static void md_text(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', fp);
		fputc(*s == '\n' ? ' ' : *s, fp);
	}
}

static void write_md(FILE *fp, const struct an_report *r, const int *cols, size_t nc)
{
	char tmp[64];
	const char *v;
	size_t i, j;

	for (j = 0; j < nc; j++) {
		fputs("| ", fp);
		md_text(fp, head(r, j, cols));
		fputc(' ', fp);
	}
	fputs("|\n", fp);
	for (j = 0; j < nc; j++)
		fputs(j < r->set->nkeys ? "|---" : "|--:", fp);
	fputs("|\n", fp);
	for (i = 0; i < r->n; i++) {
		for (j = 0; j < nc; j++) {
			v = cell(r, i, j, cols, tmp, sizeof tmp, 1);
			fputs("| ", fp);
			md_text(fp, *v ? v : "-");
			fputc(' ', fp);
		}
		fputs("|\n", fp);
	}
	if (any_marked(r, cols, nc)) {
		fputc('\n', fp);
		fputs(estimate_note, fp);
	}
}

/* Writes arr (NULL or oom set: memory ran out while building it) and
 * releases it. */
static int dump_array(FILE *fp, json_t *arr, int oom, struct err *e)
{
	int rc = 0;

	if (!arr || oom)
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
	else if (json_dumpf(arr, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)))
		rc = err_set(e, ERR_IO, "write failed");
	else
		fputc('\n', fp);
	json_decref(arr);
	return rc;
}

static int write_json(FILE *fp, const struct an_report *r, const int *cols,
		      size_t nc, struct err *e)
{
	json_t *arr = json_array(), *o, *v;
	const struct an_col *c;
	size_t i, j, nk = r->set->nkeys;
	double x;

	for (i = 0; arr && i < r->n; i++) {
		size_t g = r->order[i];

		if (!(o = json_object()) || json_array_append_new(arr, o))
			goto oom;
		for (j = 0; j < nc; j++) {
			if (j < nk) {
				v = json_string(r->set->groups[g]->key[j]);
			} else {
				c = &an_cols[cols[j - nk]];
				x = an_col_value(c, &r->m[g]);
				if (isnan(x) || isinf(x))
					v = json_null();
				else if (c->prec == 0)
					v = json_integer((json_int_t)x);
				else
					v = json_real(x);
			}
			if (!v || json_object_set_new(o, head(r, j, cols), v))
				goto oom;
		}
	}
	return dump_array(fp, arr, 0, e);
oom:
	return dump_array(fp, arr, 1, e);
}

static int write_table(FILE *fp, const struct an_report *r, const int *cols,
		       size_t nc, struct err *e)
{
	size_t *w = calloc(nc ? nc : 1, sizeof *w), i, j, l;
	char tmp[64];
	const char *v;

	if (!w)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	for (j = 0; j < nc; j++)
		w[j] = strlen(head(r, j, cols));
	for (i = 0; i < r->n; i++)
		for (j = 0; j < nc; j++) {
			l = strlen(cell(r, i, j, cols, tmp, sizeof tmp, 1));
			if (l > w[j])
				w[j] = l;
		}
	for (j = 0; j < nc; j++)
		fprintf(fp, "%s%*s", j ? "  " : "", j < r->set->nkeys ? -(int)w[j] : (int)w[j],
			head(r, j, cols));
	fputc('\n', fp);
	for (i = 0; i < r->n; i++) {
		for (j = 0; j < nc; j++) {
			v = cell(r, i, j, cols, tmp, sizeof tmp, 1);
			fprintf(fp, "%s%*s", j ? "  " : "",
				j < r->set->nkeys ? -(int)w[j] : (int)w[j], *v ? v : "-");
		}
		fputc('\n', fp);
	}
	if (any_marked(r, cols, nc))
		fputs(estimate_note, fp);
	free(w);
	return 0;
}

int an_format(FILE *fp, enum an_fmt fmt, const struct an_report *r,
	      const int *cols, size_t ncols, struct err *e)
{
	size_t nc = r->set->nkeys + ncols;
	int rc = 0;

	switch (fmt) {
	case AN_FMT_CSV: {
		struct report_cells rcx = {.r = r, .cols = cols};

		rc = put_csv(fp, r->n + 1, nc, report_cell, &rcx, e);
		break;
	}
	case AN_FMT_MD:
		write_md(fp, r, cols, nc);
		break;
	case AN_FMT_JSON:
		rc = write_json(fp, r, cols, nc, e);
		break;
	case AN_FMT_TABLE:
		rc = write_table(fp, r, cols, nc, e);
		break;
	}
	if (!rc && ferror(fp))
		rc = err_set(e, ERR_IO, "write failed");
	return rc;
}

static int grid_json(FILE *fp, const char *const *head, size_t nc,
		     const char *const *cells, size_t nr, struct err *e)
{
	json_t *arr = json_array(), *o, *v;
	size_t i, j;
	char *end;
	double x;

	for (i = 0; arr && i < nr; i++) {
		if (!(o = json_object()) || json_array_append_new(arr, o))
			goto oom;
		for (j = 0; j < nc; j++) {
			const char *c = cells[i * nc + j];

			x = strtod(c, &end);
			if (!*c)
				v = json_null();
			else if (!*end)
				v = json_real(x);
			else
				v = json_string(c);
			if (!v || json_object_set_new(o, head[j], v))
				goto oom;
		}
	}
	return dump_array(fp, arr, 0, e);
oom:
	return dump_array(fp, arr, 1, e);
}

int an_format_grid(FILE *fp, enum an_fmt fmt, const char *const *head,
		   size_t nc, const char *const *cells, size_t nr, struct err *e)
{
	size_t i, j, *w, l;
	const char *c;

	if (fmt == AN_FMT_JSON) {
		if (grid_json(fp, head, nc, cells, nr, e))
			return e->code;
		return ferror(fp) ? err_set(e, ERR_IO, "write failed") : 0;
	}
	if (fmt == AN_FMT_CSV) {
		struct grid_cells g = {.head = head, .cells = cells, .nc = nc};

		return put_csv(fp, nr + 1, nc, grid_cell, &g, e);
	}
	if (!(w = calloc(nc ? nc : 1, sizeof *w)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	for (j = 0; j < nc; j++) {
		w[j] = strlen(head[j]);
		for (i = 0; i < nr; i++)
			if ((l = strlen(cells[i * nc + j])) > w[j])
				w[j] = l;
	}
	for (i = 0; i <= nr; i++) {
		for (j = 0; j < nc; j++) {
			c = i ? cells[(i - 1) * nc + j] : head[j];
			if (fmt == AN_FMT_MD) {
				fputs("| ", fp);
				md_text(fp, *c ? c : "-");
				fputc(' ', fp);
			} else {
				fprintf(fp, "%s%-*s", j ? "  " : "", (int)w[j], *c ? c : "-");
			}
		}
		fputs(fmt == AN_FMT_MD ? "|\n" : "\n", fp);
		if (i == 0 && fmt == AN_FMT_MD) {
			for (j = 0; j < nc; j++)
				fputs("|---", fp);
			fputs("|\n", fp);
		}
	}
	free(w);
	return ferror(fp) ? err_set(e, ERR_IO, "write failed") : 0;
}
