#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cols.h"
#include "format.h"
#include "ofile.h"
#include "sigstop.h"
#include "vllm.h"

int an_out_fmt(const struct an_opts *o)
{
	if (o->fmt >= 0)
		return o->fmt;
	return (!o->out && isatty(STDOUT_FILENO)) ? AN_FMT_TABLE : AN_FMT_CSV;
}

/* The stream for -o FILE (a temporary file renamed on finish_output) or
 * stdout. */
static int start_output(const struct an_opts *o, struct ofile **of, FILE **fp,
			struct err *e)
{
	int rc;

	*of = NULL;
	*fp = stdout;
	if (!o->out)
		return 0;
	if ((rc = ofile_open(o->out, of, e)))
		return rc;
	*fp = ofile_fp(*of);
	return 0;
}

static int finish_output(struct ofile *of, const char *path, int rc, struct err *e)
{
	/* The writers say "write failed": which output, said here. */
	if (rc == ERR_IO && !strncmp(e->msg, "write failed", 12))
		err_prefix(e, "%s", of && path ? path : "standard output");
	if (!of)
		return rc;
	if (rc) {
		ofile_abort(of);
		return rc;
	}
	return ofile_commit(of, e);
}

size_t an_out_all_columns(int srv, int truth, int *cols)
{
	size_t i, n = 0;

	for (i = 0; i < an_ncols && n < AN_MAX_COLS; i++)
		if ((truth || !an_col_truth(&an_cols[i])) &&
		    (srv || strncmp(an_cols[i].name, "srv_", 4)))
			cols[n++] = (int)i;
	return n;
}

/* The main table's columns into cols (AN_MAX_COLS entries): those of
 * --columns, the terminal's screenful, or every column the format shows
 * in it. Returns how many. */
static size_t table_columns(const struct an_opts *o, int fmt, const struct an_report *r,
			    const struct an_srv *srv, int *cols)
{
	size_t ncols = o->ncols, i;

	if (o->cols_given) {
		memcpy(cols, o->cols, ncols * sizeof *cols);
	} else if (fmt == AN_FMT_TABLE) {
		for (i = 0; an_table_default_cols[i]; i++)
			cols[ncols++] = an_col_find(an_table_default_cols[i]);
		/* The terminal's screenful gains the cache hit rate when some
		 * server reported its cache (a conversation run, mostly). */
		for (i = 0; i < r->n; i++)
			if (r->m[i].cache_reported > 0) {
				cols[ncols++] = an_col_find("cache_hit_rate");
				break;
			}
	} else {
		/* Markdown gives the truth and the server's figures sections
		 * of their own (below), not columns of the main table too. */
		ncols = an_out_all_columns(srv != NULL && fmt != AN_FMT_MD, o->truth && fmt != AN_FMT_MD, cols);
	}
	return ncols;
}

/* The sections after the main table, on a terminal or in Markdown (fmt);
 * none in the other formats. Returns 0 or an_format's error. */
static int write_sections(FILE *fp, int fmt, const struct an_opts *o, const struct an_report *r,
			  const struct an_load_stats *st, const struct an_srv *srv,
			  struct err *e)
{
	int cols[AN_MAX_COLS], rc = 0;
	size_t ncols, i;

	if (fmt != AN_FMT_MD && fmt != AN_FMT_TABLE)
		return 0;
	/* On a terminal or in Markdown the truth comparison is a section of
	 * its own (CSV and JSON have its columns in the one table). */
	if (o->truth && !o->cols_given) {
		for (i = ncols = 0; i < an_ncols; i++)
			if (an_col_truth(&an_cols[i]))
				cols[ncols++] = (int)i;
		fputs(fmt == AN_FMT_MD ? "\n### Timing against llmsim's truth log\n\n"
				       : "\ntiming against llmsim's truth log:\n", fp);
		rc = an_format(fp, (enum an_fmt)fmt, r, cols, ncols, -1, e);
	}
	/* So are the server's figures, from FILE.metrics.csv (llmrun --scrape). */
	if (!rc && srv && !o->cols_given) {
		for (i = ncols = 0; i < an_ncols; i++)
			if (!strncmp(an_cols[i].name, "srv_", 4))
				cols[ncols++] = (int)i;
		fputs(fmt == AN_FMT_MD ? "\n### Server metrics (FILE.metrics.csv)\n\n"
				       : "\nserver metrics (FILE.metrics.csv):\n", fp);
		rc = an_format(fp, (enum an_fmt)fmt, r, cols, ncols, -1, e);
	}
	/* So is the check of vLLM files' own summaries (CSV and JSON: one
	 * table per output; --vllm writes the check alone). */
	if (!rc && st->nvllm) {
		fputs(fmt == AN_FMT_MD ? "\n### vLLM's own summaries beside ours\n\n"
				       : "\nvLLM's own summaries beside ours:\n", fp);
		rc = an_vllm_compare(fp, (enum an_fmt)fmt, st->vllm, st->nvllm, e);
	}
	return rc;
}

int an_out_table(const struct an_opts *o, const struct an_report *r,
		 const struct an_load_stats *st, const struct an_srv *srv,
		 const struct an_xreqs *xq, struct err *e)
{
	int fmt = an_out_fmt(o), cols[AN_MAX_COLS];
	size_t ncols = table_columns(o, fmt, r, srv, cols);
	struct ofile *of;
	FILE *fp;
	int rc;

	/* A workbook: the table's cells (as in CSV) and the requests. Its
	 * temporary file exists while it is made: the signals are caught
	 * then, as for the charts (an_analyze). */
	if (fmt == AN_FMT_XLSX) {
		if (o->stop)
			sigstop_catch(o->on_stop);
		rc = an_xlsx_write(o->out, r, cols, ncols, o->cols_given ? o->note_col : 1, xq,
				   o->stop, e);
		if (o->stop)
			sigstop_default();
		return rc;
	}
	if ((rc = start_output(o, &of, &fp, e)))
		return rc;
	/* Every column when none are chosen includes the notes. */
	rc = an_format(fp, (enum an_fmt)fmt, r, cols, ncols, o->cols_given ? o->note_col : 1, e);
	if (!rc)
		rc = write_sections(fp, fmt, o, r, st, srv, e);
	return finish_output(of, o->out, rc, e);
}

int an_out_vllm(const struct an_opts *o, char **paths, int n, struct err *e)
{
	struct an_vllm_file **files = NULL, **some, **more;
	struct ofile *of = NULL;
	size_t nf = 0, k, j;
	FILE *fp;
	int rc = 0, i;

	/* A file may hold several results (--append-result): each its own. */
	for (i = 0; i < n && !rc; i++) {
		if ((rc = an_vllm_open(paths[i], &some, &k, e)))
			break;
		if (!(more = realloc(files, (nf + k + 1) * sizeof *files))) {
			for (j = 0; j < k; j++)
				an_vllm_free(some[j]);
			free(some);
			rc = err_set(e, ERR_SOFTWARE, "out of memory");
			break;
		}
		files = more;
		for (j = 0; j < k; j++)
			files[nf++] = some[j];
		free(some);
	}
	if (!rc && !(rc = start_output(o, &of, &fp, e)))
		rc = finish_output(of, o->out, an_vllm_compare(fp, (enum an_fmt)an_out_fmt(o), files, nf, e), e);
	for (k = 0; k < nf; k++)
		an_vllm_free(files[k]);
	free(files);
	return rc;
}
