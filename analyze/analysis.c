#include "analysis.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charts.h"
#include "format.h"
#include "group.h"
#include "html.h"
#include "html_meta.h"
#include "legacy.h"
#include "load.h"
#include "output.h"
#include "report.h"
#include "sigstop.h"
#include "srvmetrics.h"
#include "stats.h"
#include "truth.h"
#include "utf8.h"
#include "xlsx.h"

/* The step an input file's rows are in, in file order: steps run one
 * after another, so the rows of a step not ended yet are the last. */
struct step_track {
	long done;             /* steps its metadata says ended; -1: all */
	char key[320];         /* target, step kind and step of the last row */
	long steps;            /* distinct steps met */
	struct an_group **g;   /* the groups of the last step's rows */
	size_t *rows, ng, cap; /* rows of each */
};

struct sinks {
	struct step_track *track;      /* per input file, or NULL */
	struct an_set *set;
	struct an_legacy *legacy;
	int quiet;
	const struct an_truth *truth;  /* --truth, else NULL */
	const int64_t *offset;         /* per input file: mono - wall ns */
	struct an_truth_acc all;       /* every row, for the summary line */
	struct an_xreqs *xreqs;        /* -f xlsx: the requests, else NULL */
};

/* Notes row r of group g as in its file's current step. */
static int track_step(struct step_track *t, struct an_group *g, const struct an_rec *r,
		      struct err *e)
{
	char key[sizeof t->key];
	size_t i;

	snprintf(key, sizeof key, "%s\x1f%s\x1f%s", r->target ? r->target : "",
		 r->step_kind ? r->step_kind : "", r->step ? r->step : "");
	if (!t->steps || strcmp(key, t->key) != 0) {
		memcpy(t->key, key, sizeof key);
		t->steps++;
		t->ng = 0;
	}
	for (i = 0; i < t->ng && t->g[i] != g; i++)
		;
	if (i == t->ng) {
		if (t->ng == t->cap) {
			size_t cap = t->cap ? 2 * t->cap : 8;
			struct an_group **ng = realloc(t->g, cap * sizeof *ng);
			size_t *nr = ng ? realloc(t->rows, cap * sizeof *nr) : NULL;

			if (ng)
				t->g = ng;
			if (!nr)
				return err_set(e, ERR_SOFTWARE, "out of memory");
			t->rows = nr;
			t->cap = cap;
		}
		t->g[t->ng] = g;
		t->rows[t->ng++] = 0;
	}
	t->rows[i]++;
	return 0;
}

static int on_row(void *ctx, const char *const *keys, const struct an_rec *r,
		  struct err *e)
{
	struct sinks *s = ctx;
	int rc = an_set_add(s->set, keys, r, e);
	struct an_group *g;

	if (rc)
		return rc;
	if (s->track && s->track[r->file].done >= 0) {
		if (!(g = an_set_group(s->set, keys)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
		if ((rc = track_step(&s->track[r->file], g, r, e)))
			return rc;
	}
	if (!rc && s->legacy)
		rc = an_legacy_add(s->legacy, r, e);
	if (!rc && s->xreqs) {
		if (!(g = an_set_group(s->set, keys)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
		rc = an_xreqs_add(s->xreqs, g, r, e);
	}
	if (!rc && s->truth) {
		if (!(g = an_set_group(s->set, keys)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
		if (!(rc = an_truth_add(s->truth, s->offset[r->file], r, &g->truth, e)))
			rc = an_truth_add(s->truth, s->offset[r->file], r, &s->all, e);
	}
	return rc;
}

/* A run that did not end well says so in its metadata; the table alone
 * would not (its last step's rows look like any other's). */
static void warn_partial(const char *const *paths, size_t n)
{
	char how[ERR_MSG_MAX + 64];

	for (size_t i = 0; i < n; i++)
		if (an_run_end(paths[i], how, sizeof how)) {
			utf8_unctrl(how); /* the run's error: a server's text */
			fprintf(stderr, "llmanalyze: warning: %s: its run %s\n", paths[i], how);
		}
}

static void on_warn(void *ctx, const char *msg)
{
	const struct sinks *s = ctx;

	if (!s->quiet)
		fprintf(stderr, "llmanalyze: warning: %s\n", msg);
}

/* One line for stderr: the client's timing error over every matched row.
 * A figure the log cannot give (no arrived_ns: an older llmsim) is
 * "none". */
static void truth_summary(const struct an_truth_acc *a)
{
	static const char *const name[4] = {"send", "receive", "ttft", "chunk"};
	const struct buf *b[4] = {&a->send, &a->recv, &a->ttft, &a->chunk};
	struct stats_summary s[4];
	char v[2][4][32];
	int i;

	for (i = 0; i < 4; i++) {
		stats_summarize((double *)b[i]->p, b[i]->len / sizeof(double), &s[i]);
		if (!*an_fmt_num(v[0][i], sizeof v[0][i], s[i].p99, 3))
			strcpy(v[0][i], "none");
		if (!*an_fmt_num(v[1][i], sizeof v[1][i], s[i].max, 3))
			strcpy(v[1][i], "none");
	}
	fprintf(stderr, "llmanalyze: truth: %zu ok rows matched, %zu unmatched", a->matched, a->unmatched);
	if (a->foreign)
		fprintf(stderr, " (%zu whose id is in the log for a request that arrived outside the row's "
			"send..end: another run's?)", a->foreign);
	fputs("; p99 ms:", stderr);
	for (i = 0; i < 4; i++)
		fprintf(stderr, "%s %s %s", i ? "," : "", name[i], v[0][i]);
	fputs("; max ms:", stderr);
	for (i = 0; i < 4; i++)
		fprintf(stderr, "%s %s %s", i ? "," : "", name[i], v[1][i]);
	if (a->held)
		fprintf(stderr, "; %zu chunk%s left out, whose truth may be early (held)", a->held,
			a->held == 1 ? "" : "s");
	fputc('\n', stderr);
}

/* Whether a group's step is want. */
static int has_step(const struct an_report *r, const char *want)
{
	for (size_t g = 0; r->step_key >= 0 && g < r->set->ngroups; g++)
		if (strcmp(r->set->groups[g]->key[r->step_key], want) == 0)
			return 1;
	return 0;
}

/* What one analysis holds from its first row read to its last output
 * written; close_pass releases it. */
struct pass {
	struct sinks sk;
	struct an_truth *truth;        /* --truth's log, else NULL */
	int64_t *offset;               /* per input file: mono - wall ns */
	struct an_load_stats st;
	struct an_report rep;
	struct an_chart_files cf;
	struct an_srv *srv;            /* the inputs' FILE.metrics.csv, or NULL */
};

/* --truth: each input's clock anchor, then the log, for on_row to match
 * rows against. Returns 0 or the error. */
static int load_truth(const struct an_opts *o, const char *const *paths, size_t n,
		      struct pass *p, struct err *e)
{
	int rc = 0;
	size_t i;

	/* Results times are wall clock, the log's monotonic: each file's
	 * .meta.json anchor joins them. */
	if (!(p->offset = calloc(n, sizeof *p->offset)))
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
	for (i = 0; !rc && i < n; i++)
		if (strcmp(paths[i], "-") == 0)
			rc = err_set(e, ERR_NOINPUT, "--truth needs results files (their .meta.json), not standard input");
		else
			rc = an_truth_anchor(paths[i], &p->offset[i], e);
	if (!rc) {
		size_t cut;

		rc = an_truth_load(o->truth, &p->truth, &cut, e);
		if (!rc && cut && !o->quiet && !o->live)
			fprintf(stderr, "llmanalyze: warning: %s:%zu: a cut-off last line (as a killed "
				"llmsim leaves): skipped\n", o->truth, cut);
	}
	p->sk.truth = p->truth;
	p->sk.offset = p->offset;
	return rc;
}

/* The sinks rows go to besides the groups, as o asks: the truth log, the
 * workbook's requests, the legacy files; and each file's step. Returns 0
 * or the error. */
static int open_sinks(const struct an_opts *o, const char *const *paths, size_t n,
		      struct pass *p, struct err *e)
{
	int rc;

	if (o->truth && (rc = load_truth(o, paths, n, p, e)))
		return rc;
	if (an_out_fmt(o) == AN_FMT_XLSX && !(p->sk.xreqs = an_xreqs_new()))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (o->legacy && !(p->sk.legacy = an_legacy_new()))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (!(p->sk.track = calloc(n ? n : 1, sizeof *p->sk.track)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	return 0;
}

/* Every input's rows into the sinks; then the groups of each file's
 * last step, when its run's metadata does not say it ended, are marked
 * partial. Returns 0 or an_load's error. */
static int read_rows(const struct an_opts *o, const char *const *paths, size_t n,
		     struct pass *p, struct err *e)
{
	struct an_load_opts lo = {o->by, o->nby, o->by_optional, on_row, &p->sk, on_warn,
				  o->ctx_bucket};
	struct step_track *t = p->sk.track;
	int rc;

	/* A run with no end marker (going, or killed): its step not
	 * ended yet is marked partial, and is no peak. */
	for (size_t i = 0; i < n; i++)
		t[i].done = strcmp(paths[i], "-") ? an_run_steps_done(paths[i]) : -1;
	if ((rc = an_load(paths, n, &lo, &p->st, e)))
		return rc;
	for (size_t i = 0; i < n; i++)
		if (t[i].done >= 0 && t[i].steps > t[i].done)
			for (size_t k = 0; k < t[i].ng; k++)
				t[i].g[k]->partial += t[i].rows[k];
	return 0;
}

/* What the rows read say before any output: the warnings of runs that
 * ended badly and the truth summary (not in a live pass); ERR_DATA when
 * the truth log matches none of them, or no row is left to analyze. */
static int check_rows(const struct an_opts *o, const char *const *paths, size_t n,
		      const struct pass *p, struct err *e)
{
	const struct an_truth_acc *all = &p->sk.all;

	if (!o->quiet && !o->live)
		warn_partial(paths, n);
	if (p->truth && !o->quiet && !o->live)
		truth_summary(all);
	/* No row finds its request: the wrong log (ids that are in it, but
	 * for requests at other times), or none of this run's at all. */
	if (p->truth && !all->matched && all->foreign)
		return err_set(e, ERR_DATA, "%s: none of the %zu ok rows whose id is in it arrived between its send and "
			       "its end: the log of another run?", o->truth, all->foreign);
	if (p->truth && !all->matched && all->unmatched)
		return err_set(e, ERR_DATA, "%s: none of the %zu ok rows has its id in it: the log of another "
			       "llmsim (or a server that sends no response ids)?", o->truth, all->unmatched);
	if (p->sk.set->ngroups == 0)
		return err_set(e, ERR_DATA, "no result rows to analyze (all warmup or none%s)",
			       p->st.nvllm ? "; a vLLM file without per-request data has its summaries "
					     "alone: llmanalyze --vllm" : "");
	return 0;
}

/* The groups' figures in their order, with the server's beside them;
 * ERR_USAGE when --timeline-step names no group's step. */
static int build_report(const struct an_opts *o, const char *const *paths, size_t n,
			struct pass *p, struct err *e)
{
	int rc = an_report_build(p->sk.set, o->slo_set, o->rank, &p->rep, e);

	/* Before the first output is written (the chart would find it
	 * missing after the table). */
	if (!rc && o->timeline_step && (o->charts || o->html) && !has_step(&p->rep, o->timeline_step))
		rc = err_set(e, ERR_USAGE, "--timeline-step %s: no such step", o->timeline_step);
	if (!rc && !(rc = an_srv_load(paths, n, &p->srv, e)))
		an_srv_fill(p->srv, &p->rep);
	return rc;
}

/* --legacy-dir's files, and a warning for the rows --corpus has no
 * prompt for. */
static int write_legacy(const struct an_opts *o, struct pass *p, struct err *e)
{
	size_t unmatched = 0;
	int rc = an_legacy_write(p->sk.legacy, o->legacy, o->corpus, &unmatched, e);

	if (!rc && unmatched && !o->quiet)
		fprintf(stderr, "llmanalyze: warning: --corpus %s has no id of %zu result row%s: "
			"their prompt is empty in the legacy files\n", o->corpus, unmatched,
			unmatched == 1 ? "" : "s");
	return rc;
}

/* The charts, into --charts DIR or the report's temporary folder;
 * *charts_rc receives an_charts_write's status. Returns 0 when they were
 * drawn, or skipped without gnuplot (said here; e cleared), else the
 * error. */
static int draw_charts(const struct an_opts *o, struct pass *p, int *charts_rc,
		       struct err *e)
{
	struct an_chart_opts co = {o->charts, o->timeline_step, o->quiet, p->srv, o->stop};
	const struct an_chart_files *cf = &p->cf;

	*charts_rc = an_charts_write(&p->rep, &co, &p->cf, e);
	if (*charts_rc == ERR_UNAVAILABLE) {
		fprintf(stderr, "llmanalyze: charts skipped: %s\n", e->msg);
		err_clear(e);
	} else if (*charts_rc) {
		return *charts_rc;
	} else if (cf->skipped.len && !o->quiet && o->charts) {
		fprintf(stderr, "llmanalyze: warning: not drawn, nothing to plot (see %s/gnuplot.log): %s\n",
			cf->dir, cf->skipped.p);
	} else if (cf->skipped.len && !o->quiet) {
		/* The report's charts: their folder is a temporary one,
		 * gone before the user could read its log. */
		fprintf(stderr, "llmanalyze: warning: not drawn, nothing to plot (--charts DIR keeps "
			"gnuplot's log): %s\n", cf->skipped.p);
	}
	return 0;
}

/* --html's report, with the charts drawn; not begun after a signal. */
static int write_report(const struct an_opts *o, const char *const *paths, size_t n,
			const struct pass *p, struct err *e)
{
	int all[AN_MAX_COLS];
	size_t nall = an_out_all_columns(p->srv != NULL, o->truth != NULL, all);

	/* --columns chooses the report's columns as it does the table's. */
	struct an_html_opts ho = {o->cols_given ? o->cols : all, o->cols_given ? o->ncols : nall,
				  o->cols_given, o->live};

	if (o->stop && *o->stop)
		return err_set(e, ERR_SOFTWARE, "interrupted");
	return an_html_write(o->html, &p->rep, &ho, &p->st, &p->cf, paths, n, e);
}

static void close_pass(struct pass *p, size_t n)
{
	an_srv_free(p->srv);
	an_report_free(&p->rep);
	an_load_stats_free(&p->st);
	for (size_t i = 0; p->sk.track && i < n; i++) {
		free(p->sk.track[i].g);
		free(p->sk.track[i].rows);
	}
	free(p->sk.track);
	an_legacy_free(p->sk.legacy);
	an_xreqs_free(p->sk.xreqs);
	an_set_free(p->sk.set);
	an_truth_acc_free(&p->sk.all);
	an_truth_free(p->truth);
	free(p->offset);
}

/* One analysis of the inputs: the table, charts, report. *rows receives
 * the rows read. */
int an_analyze(const struct an_opts *o, const char *const *paths, size_t n,
	       size_t *rows, struct err *e)
{
	/* A live pass (--watch) says nothing of the row being written (a
	 * "cut-off last row" every pass, while nothing was killed). */
	struct pass p = {.sk = {NULL, NULL, NULL, o->quiet || o->live, NULL, NULL,
				{BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, 0, 0, 0, 0, 0}, NULL}};
	int draw = o->charts || o->html, rc, charts_rc = 0;

	if (!(p.sk.set = an_set_new(o->by, o->nby, &o->slo, draw)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	rc = open_sinks(o, paths, n, &p, e);
	if (!rc)
		rc = read_rows(o, paths, n, &p, e);
	if (!rc)
		rc = check_rows(o, paths, n, &p, e);
	*rows = p.st.rows;
	if (!rc)
		rc = build_report(o, paths, n, &p, e);
	if (!rc && !o->live)
		rc = an_out_table(o, &p.rep, &p.st, p.srv, p.sk.xreqs, e);
	if (!rc && p.sk.legacy && !o->live)
		rc = write_legacy(o, &p, e);
	/* Killed by a signal, a run left its temporary folders (the charts')
	 * in $TMPDIR: caught while they exist, the stage stops and removes
	 * them. Not before: a read blocked on a pipe would go on. */
	if (o->stop && draw)
		sigstop_catch(o->on_stop);
	if (!rc && draw)
		rc = draw_charts(o, &p, &charts_rc, e);
	if (!rc && o->html)
		rc = write_report(o, paths, n, &p, e);
	an_chart_files_free(&p.cf);
	if (o->stop && draw)
		sigstop_default();
	close_pass(&p, n);
	if (!rc && charts_rc == ERR_UNAVAILABLE)
		return ERR_UNAVAILABLE;
	return rc;
}
