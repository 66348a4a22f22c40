#include "csv.h"
#include "format.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cols.h"
#include "utf8.h"

/* A stream's write failed (ferror): errno is still the failed write's
 * (a full disk says "No space left on device"). */
static int write_failed(struct err *e)
{
	return err_set(e, ERR_IO, "write failed: %s", strerror(errno ? errno : EIO));
}

const char *const an_table_default_cols[] = {
	"requests", "ok", "success_rate", "req_per_s", "out_tok_per_s",
	"ttft_p50", "ttft_p99", "tpot_p50", "itl_p50", "e2e_p50", "e2e_p99",
	NULL,
};

int an_fmt_parse(const char *s)
{
	static const char *const names[] = {"csv", "md", "json", "table", "xlsx"};
	int i;

	for (i = 0; i < 5; i++)
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

/* What one output shows: the visible keys, then the chosen metric
 * columns, then (CSV and JSON) a note column. */
struct view {
	const struct an_report *r;
	size_t key[64];     /* indices of the shown keys */
	size_t nk;
	const int *cols;
	size_t ncols;
	int note;           /* a last "note" column */
	int units;          /* headers carry units: "ttft_p50 (ms)" */
	int section;        /* a section after the main table: its notes
			       were said there */
	char hbuf[96];
};

static size_t view_width(const struct view *v)
{
	return v->nk + v->ncols + (size_t)v->note;
}

static void view_init(struct view *v, const struct an_report *r, const int *cols,
		      size_t ncols, int all_keys, int note, int units)
{
	size_t k;

	memset(v, 0, sizeof *v);
	v->r = r;
	v->cols = cols;
	v->ncols = ncols;
	v->note = note;
	v->units = units;
	for (k = 0; k < r->set->nkeys && v->nk < 64; k++)
		if (all_keys || !r->hide || !r->hide[k])
			v->key[v->nk++] = k;
}

/* The metric column shown at j, or NULL for a key or the note. */
static const struct an_col *view_col(const struct view *v, size_t j)
{
	if (j < v->nk || j >= v->nk + v->ncols)
		return NULL;
	return &an_cols[v->cols[j - v->nk]];
}

/* Cell (row, col) as text. With mark, a figure resting on estimated
 * token counts gets a '*'. */
static const char *cell(const struct view *v, size_t row, size_t col,
			char *tmp, size_t n, int mark)
{
	const struct an_report *r = v->r;
	const struct an_col *c = view_col(v, col);
	size_t g = r->order[row], l;

	if (col < v->nk)
		return r->set->groups[g]->key[v->key[col]];
	if (!c)
		return an_metrics_note(&r->m[g], tmp, n);
	an_fmt_num(tmp, n, an_col_value(c, &r->m[g]), c->prec);
	l = strlen(tmp);
	if (mark && l && l + 1 < n && r->m[g].tokens_estimated > 0 && an_col_uses_tokens(c)) {
		tmp[l] = '*';
		tmp[l + 1] = '\0';
	}
	return tmp;
}

/* Whether any shown figure got a '*'. */
static int any_marked(const struct view *v)
{
	size_t i, j;

	for (i = 0; i < v->r->n; i++)
		for (j = 0; j < v->ncols; j++)
			if (v->r->m[i].tokens_estimated > 0 && an_col_uses_tokens(&an_cols[v->cols[j]]))
				return 1;
	return 0;
}

static const char estimate_note[] =
	"* rests partly on token counts estimated from chunks (see tokens_estimated)\n";

static const char *head(struct view *v, size_t col)
{
	const struct an_col *c = view_col(v, col);

	if (col < v->nk)
		return v->r->set->keynames[v->key[col]];
	if (!c)
		return "note";
	return v->units ? an_fmt_head(c, v->hbuf, sizeof v->hbuf) : c->name;
}

char *an_fmt_head(const struct an_col *c, char *out, size_t n)
{
	size_t l = strlen(c->name);

	/* A name that ends in its unit ("client_lag_p99_ms") says it already. */
	if (!*c->unit || (l > 3 && strcmp(c->name + l - 3, "_ms") == 0 && strcmp(c->unit, "ms") == 0))
		snprintf(out, n, "%s", c->name);
	else
		snprintf(out, n, "%s (%s)", c->name, c->unit);
	return out;
}

/* Notes under a Markdown (md 1) or terminal table: one line per noted
 * group, named by its shown keys. */
static void write_notes(FILE *fp, const struct view *v, const char *lead, int md)
{
	char note[AN_NOTE_MAX];
	size_t i, k;

	for (i = 0; i < v->r->n; i++) {
		size_t g = v->r->order[i];

		if (!*an_metrics_note(&v->r->m[g], note, sizeof note))
			continue;
		fputs(lead, fp);
		lead = "";
		fputs("note:", fp);
		for (k = 0; k < v->nk; k++) {
			fputc(' ', fp);
			(md ? an_md_put : utf8_put_unctrl)(v->r->set->groups[g]->key[v->key[k]], fp);
		}
		fputs(": ", fp);
		(md ? an_md_put : utf8_put_unctrl)(note, fp);
		fputc('\n', fp);
	}
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
	struct view *v;
	char tmp[AN_NOTE_MAX];
};

static const char *report_cell(void *ctx, size_t i, size_t j)
{
	struct report_cells *rc = ctx;

	return i ? cell(rc->v, i - 1, j, rc->tmp, sizeof rc->tmp, 0) : head(rc->v, j);
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

/* Markdown for byte c of a key or a file name: a control character is a
 * space (a line break ended a table row, or began a paragraph of a
 * results file's choosing), '<' an entity (raw HTML: "<!--" hid the rest
 * of a pull-request comment), '|' and '\\' escaped (a cell's edge). */
static const char *md_char(unsigned char c, char one[3])
{
	if (c < 0x20 || c == 0x7f)
		return " ";
	if (c == '<')
		return "&lt;";
	one[0] = c == '|' || c == '\\' ? '\\' : (char)c;
	one[1] = one[0] == '\\' ? (char)c : '\0';
	one[2] = '\0';
	return one;
}

void an_md_put(const char *s, FILE *fp)
{
	char one[3];

	for (; *s; s++)
		fputs(md_char((unsigned char)*s, one), fp);
}

char *an_md_esc(char *out, size_t n, const char *s)
{
	size_t k = 0;
	char one[3];

	for (; *s; s++) {
		const char *r = md_char((unsigned char)*s, one);
		size_t l = strlen(r);

		if (k + l >= n) {
			k = utf8_trim(out, k); /* not inside a character */
			break;
		}
		memcpy(out + k, r, l);
		k += l;
	}
	out[k] = '\0';
	return out;
}

static void write_md(FILE *fp, struct view *v)
{
	size_t nc = view_width(v), i, j;
	char tmp[AN_NOTE_MAX];
	const char *c;

	for (j = 0; j < nc; j++) {
		fputs("| ", fp);
		an_md_put(head(v, j), fp);
		fputc(' ', fp);
	}
	fputs("|\n", fp);
	for (j = 0; j < nc; j++)
		fputs(j < v->nk ? "|---" : "|--:", fp);
	fputs("|\n", fp);
	for (i = 0; i < v->r->n; i++) {
		for (j = 0; j < nc; j++) {
			c = cell(v, i, j, tmp, sizeof tmp, 1);
			fputs("| ", fp);
			/* An em dash for no value: absent, not zero. */
			an_md_put(*c ? c : "\xe2\x80\x94", fp);
			fputc(' ', fp);
		}
		fputs("|\n", fp);
	}
	if (v->section)
		return;
	if (any_marked(v)) {
		fputc('\n', fp);
		fputs(estimate_note, fp);
	}
	write_notes(fp, v, "\n", 1);
}

/* Writes arr (NULL or oom set: memory ran out while building it) and
 * releases it. */
static int dump_array(FILE *fp, json_t *arr, int oom, struct err *e)
{
	int rc = 0;

	if (!arr || oom)
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
	else if (json_dumpf(arr, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)))
		rc = write_failed(e);
	else
		fputc('\n', fp);
	json_decref(arr);
	return rc;
}

/* A key value for JSON: a number where the key is one by nature. */
static json_t *json_key(const char *name, const char *val)
{
	double x;

	if (an_key_number(name, val, &x))
		return fabs(x) < 9e15 && x == (double)(json_int_t)x
			       ? json_integer((json_int_t)x) : json_real(x);
	return json_string(val);
}

static int write_json(FILE *fp, struct view *v, struct err *e)
{
	const struct an_report *r = v->r;
	json_t *arr = json_array(), *o, *x;
	const struct an_col *c;
	size_t i, j, nc = view_width(v);
	char note[AN_NOTE_MAX];
	double d;

	for (i = 0; arr && i < r->n; i++) {
		size_t g = r->order[i];

		if (!(o = json_object()) || json_array_append_new(arr, o))
			goto oom;
		for (j = 0; j < nc; j++) {
			if (j < v->nk) {
				x = json_key(r->set->keynames[v->key[j]],
					     r->set->groups[g]->key[v->key[j]]);
			} else if ((c = view_col(v, j))) {
				d = an_col_value(c, &r->m[g]);
				if (isnan(d) || isinf(d))
					x = json_null();
				else if (c->prec == 0)
					x = json_integer((json_int_t)d);
				else
					x = json_real(d);
			} else {
				an_metrics_note(&r->m[g], note, sizeof note);
				x = *note ? json_string(note) : json_null();
			}
			if (!x || json_object_set_new(o, head(v, j), x))
				goto oom;
		}
	}
	return dump_array(fp, arr, 0, e);
oom:
	return dump_array(fp, arr, 1, e);
}

/* The width of s as put_cell shows it: control characters as spaces (a
 * key a server chose: no escape sequences reach the terminal). */
static size_t shown_width(const char *s)
{
	char *c = strdup(s);
	size_t w;

	if (!c)
		return utf8_width(s);
	utf8_unctrl(c);
	w = utf8_width(c);
	free(c);
	return w;
}

/* s in a column w terminal cells wide: keys to the left, figures to the
 * right. Widths are the text's on a terminal (utf8_width), not its bytes:
 * a name in another script lines up too. */
static void put_cell(FILE *fp, const char *s, size_t w, int left)
{
	size_t sw = shown_width(s);
	int pad = sw < w ? (int)(w - sw) : 0;

	if (!left)
		fprintf(fp, "%*s", pad, "");
	utf8_put_unctrl(s, fp);
	if (left)
		fprintf(fp, "%*s", pad, "");
}

static int write_table(FILE *fp, struct view *v, struct err *e)
{
	size_t nc = view_width(v);
	size_t *w = calloc(nc ? nc : 1, sizeof *w), i, j, l;
	char tmp[AN_NOTE_MAX];
	const char *c;

	if (!w)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	for (j = 0; j < nc; j++)
		w[j] = shown_width(head(v, j));
	for (i = 0; i < v->r->n; i++)
		for (j = 0; j < nc; j++) {
			l = shown_width(cell(v, i, j, tmp, sizeof tmp, 1));
			if (l > w[j])
				w[j] = l;
		}
	for (j = 0; j < nc; j++) {
		fputs(j ? "  " : "", fp);
		put_cell(fp, head(v, j), w[j], j < v->nk);
	}
	fputc('\n', fp);
	for (i = 0; i < v->r->n; i++) {
		for (j = 0; j < nc; j++) {
			c = cell(v, i, j, tmp, sizeof tmp, 1);
			fputs(j ? "  " : "", fp);
			put_cell(fp, *c ? c : "-", w[j], j < v->nk);
		}
		fputc('\n', fp);
	}
	if (!v->section) {
		if (any_marked(v))
			fputs(estimate_note, fp);
		write_notes(fp, v, "", 0);
	}
	free(w);
	return 0;
}

int an_format(FILE *fp, enum an_fmt fmt, const struct an_report *r,
	      const int *cols, size_t ncols, int note_col, struct err *e)
{
	struct view v;
	int rc = 0;

	/* JSON keeps every key (a stable schema for programs); CSV and JSON
	 * carry notes in a column, the others under the table. */
	view_init(&v, r, cols, ncols, fmt == AN_FMT_JSON,
		  note_col > 0 && (fmt == AN_FMT_CSV || fmt == AN_FMT_JSON),
		  fmt == AN_FMT_MD || fmt == AN_FMT_TABLE);
	v.section = note_col < 0;
	switch (fmt) {
	case AN_FMT_CSV: {
		struct report_cells rcx = {.v = &v};

		rc = put_csv(fp, r->n + 1, view_width(&v), report_cell, &rcx, e);
		break;
	}
	case AN_FMT_MD:
		write_md(fp, &v);
		break;
	case AN_FMT_JSON:
		rc = write_json(fp, &v, e);
		break;
	case AN_FMT_TABLE:
		rc = write_table(fp, &v, e);
		break;
	case AN_FMT_XLSX:
		rc = err_set(e, ERR_SOFTWARE, "xlsx is a workbook: an_xlsx_write writes it");
		break;
	}
	if (!rc && ferror(fp))
		rc = write_failed(e);
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
		return ferror(fp) ? write_failed(e) : 0;
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
				an_md_put(*c ? c : "-", fp);
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
	return ferror(fp) ? write_failed(e) : 0;
}
