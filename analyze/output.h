#ifndef LLMANALYZE_OUTPUT_H
#define LLMANALYZE_OUTPUT_H
/*
 * What llmanalyze writes to -o FILE or standard output: the table in the
 * format and columns asked for (or a workbook), with its sections on a
 * terminal and in Markdown; or, for --vllm, the check of vLLM files
 * alone. A file is a temporary one renamed when whole (ofile.h); a
 * failed write names the output. Arguments are borrowed.
 */
#include <stddef.h>

#include "err.h"
#include "load.h"
#include "opts.h"
#include "report.h"
#include "srvmetrics.h"
#include "xlsx.h"

/* The table's format (enum an_fmt): -f, else table on a terminal (no
 * -o), csv otherwise. */
int an_out_fmt(const struct an_opts *o);

/* Every column (the truth comparison's only with truth, the server's
 * only with srv: FILE.metrics.csv) into cols (AN_MAX_COLS entries);
 * returns how many. */
size_t an_out_all_columns(int srv, int truth, int *cols);

/* Writes the table of r: its columns chosen by o (all of them, or the
 * terminal's screenful), then, on a terminal or in Markdown, sections for
 * the truth comparison, the server's figures (srv, or NULL) and the check
 * of st's vLLM files; xq holds the requests for a workbook (-f xlsx;
 * else NULL). Returns 0 or, with e filled: ERR_IO (a failed write,
 * naming the output), ERR_NOINPUT (-o's folder is missing), ERR_DATA (a
 * group has more requests than a workbook's sheet holds), ERR_SOFTWARE
 * (memory, or a signal while the workbook is made). */
int an_out_table(const struct an_opts *o, const struct an_report *r,
		 const struct an_load_stats *st, const struct an_srv *srv,
		 const struct an_xreqs *xq, struct err *e);

/* --vllm: reads the vLLM result files paths[0..n) (each may hold several
 * results) and writes our statistics beside their own summaries. Returns
 * 0 or the error of reading or writing, e filled. */
int an_out_vllm(const struct an_opts *o, char **paths, int n, struct err *e);

#endif
