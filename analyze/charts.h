#ifndef LLMANALYZE_CHARTS_H
#define LLMANALYZE_CHARTS_H
/*
 * Charts drawn by gnuplot, an external program: for each chart a .dat
 * file (the numbers) and a .gp script are written into a folder, then
 * gnuplot is run there to make NAME.png (pngcairo) and NAME.svg. Users
 * can restyle by editing the .gp and running `gnuplot NAME.gp` in the
 * folder.
 *
 * Charts: by step (throughput, ttft, tpot, e2e, success), the knee curve
 * (latency against output throughput, one line per series), CDFs of TTFT
 * and ITL per group, a request timeline for one step, output tokens/s
 * over time; with conversation or prefix-cache columns in the results,
 * TTFT against context length, cache hits apart (ttft_context); and with
 * FILE.metrics.csv the server beside the client (analyze/srvmetrics.c).
 * A series is a group's keys other than "step".
 *
 * The program is $LLMANALYZE_GNUPLOT, else "gnuplot".
 */
#include <signal.h>
#include "buf.h"
#include "err.h"
#include "report.h"
#include "srvmetrics.h"

struct an_chart_opts {
	const char *dir;           /* where to write; NULL: a temporary folder */
	const char *timeline_step; /* step of the timeline; NULL: the last */
	int quiet;
	const struct an_srv *srv;  /* FILE.metrics.csv (analyze/srvmetrics.h), or NULL */
	/* Set by a signal (SIGINT...): no more charts are drawn, and
	 * an_charts_write fails (ERR_SOFTWARE). NULL: never. */
	const volatile sig_atomic_t *stop;
};

/* What was made: names (without extension) of the charts, in order. */
struct an_chart_files {
	char *dir;      /* the folder (owned) */
	int temporary;  /* remove the folder when freed */
	int drawn;      /* gnuplot ran: the .svg and .png exist */
	char **names;   /* charts drawn (all written when not drawn) */
	char **titles;
	size_t n;
	struct buf skipped; /* "a, b": charts gnuplot refused (no data) */
};

/* Writes the data and scripts and runs gnuplot. Needs the report's
 * groups' samples sorted (an_report_build does it) and spans kept.
 * Returns 0 (charts gnuplot refused, for want of data, are listed in
 * cf->skipped); ERR_UNAVAILABLE when gnuplot cannot be run (the .dat and
 * .gp are written, nothing drawn: e says so); ERR_IO; ERR_SOFTWARE when
 * gnuplot fails on every chart. cf is filled in every case; free it with
 * an_chart_files_free. */
int an_charts_write(const struct an_report *r, const struct an_chart_opts *o,
		    struct an_chart_files *cf, struct err *e);
void an_chart_files_free(struct an_chart_files *cf);

/* The rank of chart name among the key charts the report shows first at
 * full width (throughput, ttft, tpot, knee: 0, 1, ...), or -1 for the
 * others. */
int an_chart_key(const char *name);

#endif
