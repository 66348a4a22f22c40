#include "xlsx.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "buf.h"
#include "cols.h"
#include "format.h"
#include "ofile.h"

/* What a request sheet shows of one row. */
struct xreq {
	const struct an_group *g;
	size_t run_id, row_id;      /* offsets into the string pool */
	int has_row_id;
	enum an_status status;
	int64_t t_sent;             /* epoch ns, AN_NO_TIME none */
	double ttft_ms, tpot_ms, e2e_ms, lag_ms; /* NaN none */
	long in_tok, out_tok, max_tok;           /* -1 none */
};

struct an_xreqs {
	struct buf rows; /* struct xreq, in the order the rows came */
	struct buf str;  /* NUL-terminated strings the rows point into */
};

struct an_xreqs *an_xreqs_new(void)
{
	return calloc(1, sizeof(struct an_xreqs));
}

void an_xreqs_free(struct an_xreqs *x)
{
	if (!x)
		return;
	buf_free(&x->rows);
	buf_free(&x->str);
	free(x);
}

static int add_str(struct buf *b, const char *s, size_t *off, struct err *e)
{
	*off = b->len;
	return buf_add(b, s, strlen(s) + 1, e);
}

int an_xreqs_add(struct an_xreqs *x, const struct an_group *g,
		 const struct an_rec *r, struct err *e)
{
	struct xreq q = {0};
	int rc;

	q.g = g;
	q.status = r->status;
	q.t_sent = r->t_sent;
	q.ttft_ms = r->ttft_ms;
	q.tpot_ms = r->tpot_ms;
	q.e2e_ms = r->e2e_ms;
	q.lag_ms = r->lag_ms;
	q.in_tok = r->in_tok;
	q.out_tok = r->out_tok;
	q.max_tok = r->max_tok;
	q.has_row_id = r->row_id != NULL;
	if ((rc = add_str(&x->str, r->run_id, &q.run_id, e)) ||
	    (q.has_row_id && (rc = add_str(&x->str, r->row_id, &q.row_id, e))))
		return rc;
	return buf_add(&x->rows, &q, sizeof q, e);
}

/* The columns of a request sheet: names carry their units. */
enum { Q_RUN, Q_ROW, Q_STATUS, Q_SENT, Q_TTFT, Q_TPOT, Q_E2E, Q_LAG, Q_IN,
       Q_OUT, Q_PREFILL, Q_GEN, Q_MAX, NQ };

static const struct {
	const char *name, *unit, *desc;
} qcols[NQ] = {
	{"run_id", "", "the llmrun invocation"},
	{"row_id", "", "corpus id of the request"},
	{"status", "", "ok or the error class"},
	{"sent_s", "s", "t_sent - the earliest t_sent of the group's requests"},
	{"ttft_ms", "ms", "time to first token, t_first_token - t_sent"},
	{"tpot_ms", "ms", "(e2e - ttft) / (output_tokens - 1)"},
	{"e2e_ms", "ms", "end-to-end latency, t_end - t_sent"},
	{"client_lag_ms", "ms", "t_sent - t_scheduled: how late llmrun sent it"},
	{"input_tokens", "tokens", "input tokens (usage, tokenizer or corpus)"},
	{"output_tokens", "tokens", "output tokens (usage, tokenizer or chunks)"},
	{"prefill_tok_per_s", "tok/s", "per-request prefill speed, input_tokens / ttft"},
	{"gen_tok_per_s", "tok/s", "per-request generation speed, (output_tokens - 1) / (e2e - ttft)"},
	{"max_tokens", "tokens", "max_tokens requested"},
};

#define NFMT 8 /* number formats for 0..NFMT-1 decimals */

struct wb {
	lxw_workbook *wb;
	lxw_format *bold, *num[NFMT];
	lxw_error err;              /* the first error met, LXW_NO_ERROR none */
};

static void check(struct wb *w, lxw_error le)
{
	if (le != LXW_NO_ERROR && w->err == LXW_NO_ERROR)
		w->err = le;
}

static void put_num(struct wb *w, lxw_worksheet *ws, size_t row, size_t col,
		    double v, int prec)
{
	if (isnan(v) || isinf(v))
		return; /* an empty cell: no value, never 0 */
	if (prec < 0 || prec >= NFMT)
		prec = NFMT - 1;
	check(w, worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, v, w->num[prec]));
}

/* Excel's limit for a cell's text, in characters: libxlsxwriter refused
 * a longer key, and with it the whole workbook. */
#define CELL_CHARS 32767

static void put_str(struct wb *w, lxw_worksheet *ws, size_t row, size_t col,
		    const char *s, lxw_format *f)
{
	size_t i, chars = 0;
	char *cut;

	if (!s || !*s)
		return;
	/* Excel counts UTF-16 units: a character past U+FFFF is two. */
	for (i = 0; s[i] && chars <= CELL_CHARS; i++)
		chars += (((unsigned char)s[i] & 0xC0) != 0x80) + ((unsigned char)s[i] >= 0xF0);
	if (chars <= CELL_CHARS) {
		check(w, worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, s, f));
		return;
	}
	/* Its first CELL_CHARS - 1 characters, and an ellipsis. */
	for (i = 0, chars = 0; s[i]; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80 &&
		    (chars += 1 + ((unsigned char)s[i] >= 0xF0)) >= CELL_CHARS)
			break;
	if (!(cut = malloc(i + 4))) {
		check(w, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	memcpy(cut, s, i);
	memcpy(cut + i, "\xe2\x80\xa6", 4);
	check(w, worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, cut, f));
	free(cut);
}

/* The keys the CSV table shows. */
static size_t shown_keys(const struct an_report *r, size_t *key, size_t max)
{
	size_t k, n = 0;

	for (k = 0; k < r->set->nkeys && n < max; k++)
		if (!r->hide || !r->hide[k])
			key[n++] = k;
	return n;
}

/* A key cell: a number where the key is one by nature (a batch size, a
 * rate, a turn, a context bucket), so a spreadsheet sorts 10 after 2;
 * every other key as text. */
static void put_key(struct wb *w, lxw_worksheet *ws, size_t row, size_t col,
		    const char *name, const char *val)
{
	double x;

	if (an_key_number(name, val, &x))
		check(w, worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, x, NULL));
	else
		put_str(w, ws, row, col, val, NULL);
}

/* The comparison sheet: the CSV table's cells. A figure is the number the
 * CSV prints (rounded to its column's decimals), shown with them. */
static void write_comparison(struct wb *w, lxw_worksheet *ws, const struct an_report *r,
			     const int *cols, size_t ncols, int note_col)
{
	size_t key[64], nk = shown_keys(r, key, 64), i, j;
	char tmp[AN_NOTE_MAX];

	for (j = 0; j < nk; j++)
		put_str(w, ws, 0, j, r->set->keynames[key[j]], w->bold);
	for (j = 0; j < ncols; j++)
		put_str(w, ws, 0, nk + j, an_fmt_head(&an_cols[cols[j]], tmp, sizeof tmp), w->bold);
	if (note_col)
		put_str(w, ws, 0, nk + ncols, "note", w->bold);
	for (i = 0; i < r->n; i++) {
		size_t g = r->order[i];
		const struct an_metrics *m = &r->m[g];

		for (j = 0; j < nk; j++)
			put_key(w, ws, i + 1, j, r->set->keynames[key[j]],
				r->set->groups[g]->key[key[j]]);
		for (j = 0; j < ncols; j++) {
			const struct an_col *c = &an_cols[cols[j]];

			if (*an_fmt_num(tmp, sizeof tmp, an_col_value(c, m), c->prec))
				put_num(w, ws, i + 1, nk + j, strtod(tmp, NULL), c->prec);
		}
		if (note_col)
			put_str(w, ws, i + 1, nk + ncols, an_metrics_note(m, tmp, sizeof tmp), NULL);
	}
	worksheet_freeze_panes(ws, 1, (lxw_col_t)nk);
	check(w, worksheet_set_column(ws, 0, (lxw_col_t)(nk + ncols + (size_t)note_col), 16, NULL));
}

/* Whether name is taken: by a sheet already added, by one of the two
 * fixed sheets, or by Excel itself ("History", which it reserves; it
 * compares names without case). */
static int name_taken(lxw_workbook *wb, const char *name)
{
	return strcasecmp(name, "comparison") == 0 || strcasecmp(name, "definitions") == 0 ||
	       strcasecmp(name, "history") == 0 ||
	       workbook_validate_sheet_name(wb, name) != LXW_NO_ERROR;
}

/* Appends s to out (size n, used *len) as far as Excel allows a sheet
 * name (31 characters, none of []:*?/\ nor a control character, which
 * libxlsxwriter writes raw into the workbook's XML), counting characters
 * in *chars. */
static void name_add(char *out, size_t n, size_t *len, size_t *chars, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p && *len + 1 < n; p++) {
		if ((*p & 0xC0) != 0x80) { /* a character starts */
			if (*chars == 31)
				break;
			++*chars;
		}
		out[(*len)++] = *p < 0x20 || *p == 0x7f || strchr("[]:*?/\\", *p) ? '_' : (char)*p;
	}
	out[*len] = '\0';
}

/* Whether key k has more than one value over the groups. */
static int key_varies(const struct an_report *r, size_t k)
{
	for (size_t g = 1; g < r->set->ngroups; g++) {
		const char *a = r->set->groups[0]->key[k], *b = r->set->groups[g]->key[k];

		if (strcmp(a ? a : "", b ? b : "") != 0)
			return 1;
	}
	return 0;
}

/* A sheet name for group g: its shown keys that tell groups apart, the
 * step always ("step 8" when it alone does), made unique with " (2)",
 * " (3)", ... Returns 0, or -1 when none is found. */
static int sheet_name(lxw_workbook *wb, const struct an_report *r, size_t g,
		      char *out, size_t n)
{
	size_t key[64], nk = shown_keys(r, key, 64), j, len, chars, base, bchars;
	char sfx[16];
	int k;

	len = chars = 0;
	out[0] = '\0';
	/* The step and the turn first: a name is cut at 31 characters, and
	 * a long run id or model before them would cut what tells the
	 * sheets of a sweep apart. */
	for (j = 1; j < nk; j++) {
		const char *kn = r->set->keynames[key[j]];

		if (strcmp(kn, "step") == 0 || strcmp(kn, "turn") == 0) {
			size_t t = key[j], i = j;

			for (; i > 0 && strcmp(r->set->keynames[key[i - 1]], "step") != 0; i--)
				key[i] = key[i - 1];
			key[i] = t;
		}
	}
	for (j = 0; j < nk; j++) {
		const char *v = r->set->groups[g]->key[key[j]];

		if (!v || !*v)
			continue; /* an empty key would leave a double space */
		if (strcmp(r->set->keynames[key[j]], "step") != 0 && !key_varies(r, key[j]))
			continue; /* the same in every sheet: says nothing */
		if (len && out[len - 1] != ' ')
			name_add(out, n, &len, &chars, " ");
		if (strcmp(r->set->keynames[key[j]], "step") == 0)
			name_add(out, n, &len, &chars, "step ");
		else if (strcmp(r->set->keynames[key[j]], "turn") == 0)
			name_add(out, n, &len, &chars, "turn ");
		name_add(out, n, &len, &chars, v);
	}
	/* Excel refuses an apostrophe at either end and an empty name. */
	if (len && out[0] == '\'')
		out[0] = '_';
	if (len && out[len - 1] == '\'')
		out[len - 1] = '_';
	if (!len)
		name_add(out, n, &len, &chars, "requests");
	base = len;
	bchars = chars;
	for (k = 2; name_taken(wb, out) && k < 10000; k++) {
		int sl = snprintf(sfx, sizeof sfx, " (%d)", k);

		/* Cut the name so the suffix fits in 31 characters. */
		len = base;
		chars = bchars;
		while (chars + (size_t)sl > 31 && len > 0) {
			do
				len--;
			while (len > 0 && ((unsigned char)out[len] & 0xC0) == 0x80);
			chars--;
		}
		out[len] = '\0';
		name_add(out, n, &len, &chars, sfx);
	}
	return name_taken(wb, out) ? -1 : 0;
}

static void write_requests(struct wb *w, lxw_worksheet *ws, const struct an_xreqs *x,
			   const struct an_group *g)
{
	const struct xreq *q = (const struct xreq *)x->rows.p;
	size_t n = x->rows.len / sizeof *q, i, j, row = 1;
	int64_t t0 = INT64_MAX;

	for (j = 0; j < NQ; j++)
		put_str(w, ws, 0, j, qcols[j].name, w->bold);
	for (i = 0; i < n; i++)
		if (q[i].g == g && q[i].t_sent != AN_NO_TIME && q[i].t_sent < t0)
			t0 = q[i].t_sent;
	for (i = 0; i < n; i++) {
		const struct xreq *p = &q[i];
		double gen_ms = p->e2e_ms - p->ttft_ms;

		if (p->g != g)
			continue;
		put_str(w, ws, row, Q_RUN, x->str.p + p->run_id, NULL);
		if (p->has_row_id)
			put_str(w, ws, row, Q_ROW, x->str.p + p->row_id, NULL);
		put_str(w, ws, row, Q_STATUS, an_status_name(p->status), NULL);
		if (p->t_sent != AN_NO_TIME)
			put_num(w, ws, row, Q_SENT, (double)(p->t_sent - t0) / 1e9, 6);
		put_num(w, ws, row, Q_TTFT, p->ttft_ms, 3);
		put_num(w, ws, row, Q_TPOT, p->tpot_ms, 3);
		put_num(w, ws, row, Q_E2E, p->e2e_ms, 3);
		put_num(w, ws, row, Q_LAG, p->lag_ms, 3);
		if (p->in_tok >= 0)
			put_num(w, ws, row, Q_IN, (double)p->in_tok, 0);
		if (p->out_tok >= 0)
			put_num(w, ws, row, Q_OUT, (double)p->out_tok, 0);
		/* The speeds as llmrun writes them and llmanalyze's statistics
		 * take them (docs/metrics.md). */
		if (p->in_tok >= 0 && p->ttft_ms > 0)
			put_num(w, ws, row, Q_PREFILL, (double)p->in_tok * 1000.0 / p->ttft_ms, 2);
		if (p->out_tok >= 2 && gen_ms > 0)
			put_num(w, ws, row, Q_GEN, (double)(p->out_tok - 1) * 1000.0 / gen_ms, 2);
		if (p->max_tok >= 0)
			put_num(w, ws, row, Q_MAX, (double)p->max_tok, 0);
		row++;
	}
	worksheet_freeze_panes(ws, 1, 0);
	check(w, worksheet_set_column(ws, 0, NQ - 1, 16, NULL));
}

static void def_row(struct wb *w, lxw_worksheet *ws, size_t row, const char *sheet,
		    const char *col, const char *unit, const char *desc, lxw_format *f)
{
	put_str(w, ws, row, 0, sheet, f);
	put_str(w, ws, row, 1, col, f);
	put_str(w, ws, row, 2, unit, f);
	put_str(w, ws, row, 3, desc, f);
}

static void write_definitions(struct wb *w, lxw_worksheet *ws, const struct an_report *r,
			      const int *cols, size_t ncols, int note_col)
{
	size_t key[64], nk = shown_keys(r, key, 64), j, row = 0;
	char tmp[128];

	def_row(w, ws, row++, "sheet", "column", "unit", "definition", w->bold);
	for (j = 0; j < nk; j++)
		def_row(w, ws, row++, "comparison", r->set->keynames[key[j]], "",
			"grouping column: the results column of that name", NULL);
	for (j = 0; j < ncols; j++) {
		const struct an_col *c = &an_cols[cols[j]];

		def_row(w, ws, row++, "comparison", an_fmt_head(c, tmp, sizeof tmp), c->unit, c->desc,
			NULL);
	}
	if (note_col)
		def_row(w, ws, row++, "comparison", "note", "",
			"client lag, short outputs or estimated token counts noted for the group", NULL);
	for (j = 0; j < NQ; j++)
		def_row(w, ws, row++, "each group's sheet", qcols[j].name, qcols[j].unit,
			qcols[j].desc, NULL);
	row++;
	def_row(w, ws, row, "", "", "",
		"Statistics are over ok requests; an empty cell is no value, never 0. "
		"Formulas in full: docs/metrics.md and docs/formats.md.", NULL);
	check(w, worksheet_set_column(ws, 0, 1, 28, NULL));
	check(w, worksheet_set_column(ws, 2, 2, 8, NULL));
	check(w, worksheet_set_column(ws, 3, 3, 100, NULL));
}

/* Copies the finished workbook into path through lib/ofile. */
static int copy_out(const char *tmp, const char *path, struct err *e)
{
	struct ofile *o;
	FILE *in = fopen(tmp, "rb");
	char b[65536];
	size_t n;
	int rc;

	if (!in)
		return err_set(e, ERR_IO, "%s: cannot read the workbook written: %s", path, strerror(errno));
	if ((rc = ofile_open(path, &o, e))) {
		fclose(in);
		return rc;
	}
	while ((n = fread(b, 1, sizeof b, in)) > 0)
		if (fwrite(b, 1, n, ofile_fp(o)) != n)
			break;
	if (ferror(in) || n > 0) {
		fclose(in);
		ofile_abort(o);
		return err_set(e, ERR_IO, "%s: write failed: %s", path, strerror(errno ? errno : EIO));
	}
	fclose(in);
	return ofile_commit(o, e);
}

/* Whether some group has more requests than a sheet holds: sets *g. */
static int too_many(const struct an_report *r, const struct an_xreqs *x, size_t *g,
		    size_t *count)
{
	const struct xreq *q = (const struct xreq *)x->rows.p;
	size_t n = x->rows.len / sizeof *q, i, k;

	for (k = 0; k < r->n; k++) {
		*g = r->order[k];
		for (i = *count = 0; i < n; i++)
			*count += q[i].g == r->set->groups[*g];
		if (*count > AN_XLSX_MAX_ROWS)
			return 1;
	}
	return 0;
}

int an_xlsx_write(const char *path, const struct an_report *r, const int *cols,
		  size_t ncols, int note_col, const struct an_xreqs *x,
		  const volatile sig_atomic_t *stop, struct err *e)
{
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE};
	struct wb w = {0};
	lxw_worksheet *ws;
	char tmp[4096], name[128], fmt[16];
	const char *dir = getenv("TMPDIR");
	size_t i, g, count;
	int fd, rc = 0;

	if (x && too_many(r, x, &g, &count))
		return err_set(e, ERR_DATA, "%s: a group has %zu requests, more than a sheet holds (%d)",
			       path, count, AN_XLSX_MAX_ROWS);
	/* libxlsxwriter writes to a file name of its own: a temporary one,
	 * copied into place through lib/ofile once complete. */
	if (!dir || !*dir || (size_t)snprintf(tmp, sizeof tmp, "%s/llmanalyze-xlsx-XXXXXX", dir) >= sizeof tmp)
		snprintf(tmp, sizeof tmp, "/tmp/llmanalyze-xlsx-XXXXXX");
	if ((fd = mkstemp(tmp)) < 0)
		return err_set(e, ERR_IO, "%s: cannot create a temporary file: %s", tmp, strerror(errno));
	close(fd);
	if (!(w.wb = workbook_new_opt(tmp, &opt))) {
		unlink(tmp);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	if (!(w.bold = workbook_add_format(w.wb)))
		w.err = LXW_ERROR_MEMORY_MALLOC_FAILED;
	else
		format_set_bold(w.bold);
	for (i = 0; i < NFMT && w.err == LXW_NO_ERROR; i++) {
		if (!(w.num[i] = workbook_add_format(w.wb))) {
			w.err = LXW_ERROR_MEMORY_MALLOC_FAILED;
			break;
		}
		snprintf(fmt, sizeof fmt, "0%s%.*s", i ? "." : "", (int)i, "0000000");
		format_set_num_format(w.num[i], fmt);
	}
	if (w.err == LXW_NO_ERROR && (ws = workbook_add_worksheet(w.wb, "comparison")))
		write_comparison(&w, ws, r, cols, ncols, note_col);
	else if (w.err == LXW_NO_ERROR)
		w.err = LXW_ERROR_MEMORY_MALLOC_FAILED;
	for (i = 0; x && i < r->n && w.err == LXW_NO_ERROR; i++) {
		g = r->order[i];
		if (sheet_name(w.wb, r, g, name, sizeof name)) {
			rc = err_set(e, ERR_SOFTWARE, "no free sheet name for group %zu", i + 1);
			break;
		}
		if (!(ws = workbook_add_worksheet(w.wb, name)))
			w.err = LXW_ERROR_MEMORY_MALLOC_FAILED;
		else
			write_requests(&w, ws, x, r->set->groups[g]);
	}
	if (!rc && w.err == LXW_NO_ERROR) {
		if ((ws = workbook_add_worksheet(w.wb, "definitions")))
			write_definitions(&w, ws, r, cols, ncols, note_col);
		else
			w.err = LXW_ERROR_MEMORY_MALLOC_FAILED;
	}
	/* Closing writes the file and frees the workbook in every case. */
	check(&w, workbook_close(w.wb));
	if (!rc && w.err != LXW_NO_ERROR)
		rc = err_set(e, w.err == LXW_ERROR_MEMORY_MALLOC_FAILED ? ERR_SOFTWARE : ERR_IO,
			     "%s: %s", path, lxw_strerror(w.err));
	if (!rc && stop && *stop)
		rc = err_set(e, ERR_SOFTWARE, "interrupted");
	if (!rc)
		rc = copy_out(tmp, path, e);
	unlink(tmp);
	return rc;
}
