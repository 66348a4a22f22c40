#include "charts.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "cols.h"
#include "ofile.h"
#include "utf8.h"

#define CDF_POINTS 400    /* points drawn per CDF line */
#define TIMELINE_MAX 2000 /* requests drawn on the timeline */
#define TIME_BUCKETS 200  /* buckets of the tokens/s over time chart */
#define CTX_POINTS 5000   /* points drawn per series of TTFT by context */

struct ctx {
	const struct an_report *r;
	const struct an_set *s;
	const char *dir;
	int step_key;             /* index of "step" among the keys, or -1 */
	const char *xlabel;       /* the step axis, named by the kinds present */
	int log_x;                /* steps are positive and span 4x or more */
	size_t *series;           /* series index of each group */
	char **series_name;       /* short, for legends: what every line shares left out */
	char **series_full;       /* every shown key but the step */
	size_t nseries;
	struct an_chart_files *cf;
	const volatile sig_atomic_t *stop; /* an_chart_opts.stop */
	struct err *e;
};

/* Opens DIR/name for writing (atomically). */
static FILE *open_in(struct ctx *c, const char *name, struct ofile **of)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s", c->dir, name);
	if (ofile_open(path, of, c->e))
		return NULL;
	return ofile_fp(*of);
}

static int close_file(struct ctx *c, struct ofile *of)
{
	return ofile_commit(of, c->e);
}

static int add_chart(struct ctx *c, const char *name, const char *title)
{
	struct an_chart_files *cf = c->cf;
	char **n = realloc(cf->names, (cf->n + 1) * sizeof *n);
	char **t;

	if (n)
		cf->names = n;
	t = realloc(cf->titles, (cf->n + 1) * sizeof *t);
	if (t)
		cf->titles = t;
	if (!n || !t || !(n[cf->n] = strdup(name)))
		return err_set(c->e, ERR_SOFTWARE, "out of memory");
	if (!(t[cf->n] = strdup(title))) {
		free(n[cf->n]);
		return err_set(c->e, ERR_SOFTWARE, "out of memory");
	}
	cf->n++;
	return 0;
}

/* gnuplot single-quoted string: a quote is doubled, a control character
 * is a space. Keys (a model name a server chose) are also written with
 * utf8_put_unctrl in comments and .dat files: a newline in a comment ran
 * what followed as gnuplot commands (system("...")), and in a .dat file
 * made rows of data. */
static void gp_str(FILE *fp, const char *s)
{
	fputc('\'', fp);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', fp);
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, fp);
	}
	fputc('\'', fp);
}

/* The charts the report shows first, at full width, in this order; the
 * rest follow in a grid. A new chart is added to the grid by add_chart
 * alone, or here to be a key chart. */
static const char *const key_charts[] = {"throughput", "ttft", "tpot", "knee"};

int an_chart_key(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof key_charts / sizeof *key_charts; i++)
		if (strcmp(key_charts[i], name) == 0)
			return (int)i;
	return -1;
}

/* Key charts are wide and low so that one fits beside the headline
 * figures on a screen; the rest keep gnuplot's usual shape. */
static const char *chart_size(const char *name)
{
	return an_chart_key(name) >= 0 ? "1200,340" : "900,500";
}

/* Script header: draws the chart to PNG, then again to SVG. Every axis
 * label carries its unit. */
static void gp_begin(FILE *fp, const char *name, const char *title,
		     const char *xlabel, const char *ylabel)
{
	fputs("# ", fp);
	utf8_put_unctrl(title, fp);
	fprintf(fp, ": run gnuplot %s.gp in this folder to redraw.\n", name);
	fprintf(fp, "set terminal pngcairo size %s noenhanced\nset output '%s.png'\n",
		chart_size(name), name);
	fputs("set datafile separator whitespace\nset key outside right top\nset grid\n", fp);
	fputs("set title ", fp);
	gp_str(fp, title);
	fputs("\nset xlabel ", fp);
	gp_str(fp, xlabel);
	fputs("\nset ylabel ", fp);
	gp_str(fp, ylabel);
	fputs("\n", fp);
}

static void gp_end(FILE *fp, const char *name)
{
	fprintf(fp, "\nset terminal svg size %s noenhanced dynamic\nset output '%s.svg'\nreplot\n"
		"unset output\n", chart_size(name), name);
}

/* A series is a group's keys but the step; its name in legends leaves
 * out what every line shares ("" when that is everything). */
static int find_series(struct ctx *c)
{
	const struct an_set *s = c->s;
	char name[512], full[512];
	size_t g, j, i;

	c->series = calloc(s->ngroups ? s->ngroups : 1, sizeof *c->series);
	c->series_name = calloc(s->ngroups ? s->ngroups : 1, sizeof *c->series_name);
	c->series_full = calloc(s->ngroups ? s->ngroups : 1, sizeof *c->series_full);
	if (!c->series || !c->series_name || !c->series_full)
		return err_set(c->e, ERR_SOFTWARE, "out of memory");
	for (g = 0; g < s->ngroups; g++) {
		/* A series is every key but the step, hidden ones too: a batch
		 * sweep and a rate sweep of one target are two lines. */
		an_report_label(c->r, g, AN_LABEL_NO_STEP | AN_LABEL_SHORT | AN_LABEL_SERIES, name, sizeof name);
		an_report_label(c->r, g, AN_LABEL_NO_STEP | AN_LABEL_SERIES, full, sizeof full);
		for (j = 0; j < c->nseries; j++)
			if (strcmp(c->series_full[j], full) == 0)
				break;
		if (j == c->nseries) {
			c->series_name[j] = strdup(name);
			c->series_full[j] = strdup(full);
			if (!c->series_name[j] || !c->series_full[j])
				return err_set(c->e, ERR_SOFTWARE, "out of memory");
			c->nseries++;
		}
		c->series[g] = j;
	}
	/* Two series whose short names agree (keys hidden in tables) are
	 * told apart by their full names. */
	for (j = 0; j < c->nseries; j++)
		for (i = j + 1; i < c->nseries; i++)
			if (strcmp(c->series_name[j], c->series_name[i]) == 0) {
				free(c->series_name[j]);
				if (!(c->series_name[j] = strdup(c->series_full[j])))
					return err_set(c->e, ERR_SOFTWARE, "out of memory");
				break;
			}
	return 0;
}

/* The x axis of by-step charts, named by the groups' step kinds: batch
 * size when every step is a batch, rate when every step is a rate. A
 * conversation run's batch sizes are conversations at a time and its
 * rates conversations started a second (each sends several requests). */
static const char *step_axis_label(const struct an_set *s)
{
	const char *kind = NULL;
	size_t k, g, conv = 0;

	for (k = 0; k < s->nkeys; k++)
		if (strcmp(s->keynames[k], "step_kind") == 0)
			break;
	for (g = 0; k < s->nkeys && g < s->ngroups; g++) {
		if (kind && strcmp(kind, s->groups[g]->key[k]) != 0)
			return "step (batch size or rate)";
		kind = s->groups[g]->key[k];
		conv += s->groups[g]->requests && s->groups[g]->conv_rows == s->groups[g]->requests;
	}
	if (conv && conv != s->ngroups)
		return "step (batch size or rate)";
	if (kind && strcmp(kind, "batch") == 0)
		return conv ? "batch size (concurrent conversations)" : "batch size (concurrent requests)";
	if (kind && strcmp(kind, "rate") == 0)
		return conv ? "rate (conversations started/s)" : "rate (requests/s)";
	return "step (batch size or rate)";
}

static double step_x(const struct ctx *c, size_t g)
{
	if (c->step_key < 0)
		return (double)g;
	return atof(c->s->groups[g]->key[c->step_key]);
}

static void num(FILE *fp, double v)
{
	if (isnan(v) || isinf(v))
		fputs(" NaN", fp);
	else
		fprintf(fp, " %.6g", v);
}

/* by_step.dat: one block per series (gnuplot index), a line per group. */
static int write_by_step(struct ctx *c)
{
	static const char *const cols[] = {
		"out_tok_per_s", "ttft_p50", "ttft_p90", "ttft_p99", "tpot_p50",
		"tpot_p99", "e2e_p50", "e2e_p99", "success_rate", "e2e_mean",
	};
	struct ofile *of;
	FILE *fp = open_in(c, "by_step.dat", &of);
	size_t sr, g, k;

	if (!fp)
		return c->e->code;
	fputs("# step", fp);
	for (k = 0; k < sizeof cols / sizeof *cols; k++)
		fprintf(fp, " %s", cols[k]);
	fputc('\n', fp);
	for (sr = 0; sr < c->nseries; sr++) {
		fprintf(fp, "# series %zu: ", sr);
		utf8_put_unctrl(c->series_full[sr], fp);
		fputc('\n', fp);
		for (g = 0; g < c->s->ngroups; g++) {
			if (c->series[g] != sr)
				continue;
			num(fp, step_x(c, g));
			for (k = 0; k < sizeof cols / sizeof *cols; k++)
				num(fp, an_col_value(&an_cols[an_col_find(cols[k])], &c->r->m[g]));
			fputc('\n', fp);
		}
		fputs("\n\n", fp);
	}
	return close_file(c, of);
}

/* A chart of by_step.dat columns against the step. */
static int chart_by_step(struct ctx *c, const char *name, const char *title,
			 const char *ylabel, const int *ycols, const char *const *ynames,
			 int ny)
{
	char file[256];
	struct ofile *of;
	FILE *fp;
	size_t sr;
	int i, first = 1;

	snprintf(file, sizeof file, "%s.gp", name);
	if (!(fp = open_in(c, file, &of)))
		return c->e->code;
	gp_begin(fp, name, title, c->step_key >= 0 ? c->xlabel : "group (number)", ylabel);
	/* Sweeps double the batch size: a log axis spaces them evenly. */
	if (c->log_x)
		fputs("set logscale x 2\n", fp);
	/* One line needs no legend: the title and axis name it. */
	if (c->nseries == 1 && ny == 1)
		fputs("unset key\n", fp);
	fputs("plot", fp);
	for (sr = 0; sr < c->nseries; sr++)
		for (i = 0; i < ny; i++) {
			const char *sn = c->series_name[sr];
			char t[512];

			fprintf(fp, "%s 'by_step.dat' index %zu using 1:%d with linespoints title ",
				first ? "" : ", \\\n    ", sr, ycols[i]);
			first = 0;
			snprintf(t, sizeof t, "%s%s%s", sn, *sn && *ynames[i] ? " " : "", ynames[i]);
			gp_str(fp, *t ? t : "all");
		}
	gp_end(fp, name);
	if (close_file(c, of))
		return c->e->code;
	return add_chart(c, name, title);
}

static int chart_knee(struct ctx *c)
{
	struct ofile *of;
	FILE *fp;
	size_t sr;

	if (!(fp = open_in(c, "knee.gp", &of)))
		return c->e->code;
	gp_begin(fp, "knee", "Latency against throughput (each point a step, labelled by its value)",
		 "output throughput (tokens/s)", "E2E p50 (ms)");
	if (c->nseries == 1)
		fputs("unset key\n", fp);
	fputs("plot", fp);
	for (sr = 0; sr < c->nseries; sr++) {
		fprintf(fp, "%s 'by_step.dat' index %zu using 2:8 with linespoints title ",
			sr ? ", \\\n    " : "", sr);
		gp_str(fp, *c->series_name[sr] ? c->series_name[sr] : "all");
		fprintf(fp, ", \\\n    'by_step.dat' index %zu using 2:8:(sprintf('%%g', $1)) "
			"with labels offset 1,0.7 notitle", sr);
	}
	gp_end(fp, "knee");
	if (close_file(c, of))
		return c->e->code;
	return add_chart(c, "knee", "Latency against throughput");
}

static void group_title(const struct ctx *c, size_t g, char *out, size_t n)
{
	size_t k, len = 0;

	out[0] = '\0';
	for (k = 0; k < c->s->nkeys && len + 1 < n; k++)
		if (!c->r->hide || !c->r->hide[k])
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? " " : "",
						c->s->groups[g]->key[k]);
}

/* CDF of a sorted sample per group; which: 0 TTFT (doubles), 1 ITL (floats). */
static int chart_cdf(struct ctx *c, int which)
{
	const char *name = which ? "cdf_itl" : "cdf_ttft";
	char file[64], t[512];
	struct ofile *of;
	FILE *fp;
	size_t g, i, n, step;
	int first = 1;

	snprintf(file, sizeof file, "%s.dat", name);
	if (!(fp = open_in(c, file, &of)))
		return c->e->code;
	for (g = 0; g < c->s->ngroups; g++) {
		const struct an_group *gr = c->s->groups[g];

		n = which ? gr->itl.len / sizeof(float) : gr->ttft.len / sizeof(double);
		group_title(c, g, t, sizeof t);
		fprintf(fp, "# group %zu: ", g);
		utf8_put_unctrl(t, fp);
		fputc('\n', fp);
		step = n > CDF_POINTS ? n / CDF_POINTS : 1;
		for (i = 0; i < n; i += step) {
			double v = which ? ((const float *)gr->itl.p)[i] : ((const double *)gr->ttft.p)[i];

			fprintf(fp, "%.6g %.6g\n", v, (double)(i + 1) / (double)n);
		}
		if (n && (n - 1) % step)
			fprintf(fp, "%.6g 1\n", which ? ((const float *)gr->itl.p)[n - 1] :
				((const double *)gr->ttft.p)[n - 1]);
		fputs("\n\n", fp);
	}
	if (close_file(c, of))
		return c->e->code;
	snprintf(file, sizeof file, "%s.gp", name);
	if (!(fp = open_in(c, file, &of)))
		return c->e->code;
	gp_begin(fp, name, which ? "CDF of inter-token latency (every chunk gap)" :
		 "CDF of time to first token", which ? "ITL (ms)" : "TTFT (ms)",
		 "cumulative fraction of samples (0-1)");
	if (c->s->ngroups == 1)
		fputs("unset key\n", fp);
	fputs("set yrange [0:1]\nplot", fp);
	for (g = 0; g < c->s->ngroups; g++) {
		an_report_label(c->r, g, AN_LABEL_SHORT, t, sizeof t);
		fprintf(fp, "%s '%s.dat' index %zu using 1:2 with lines title ",
			first ? "" : ", \\\n    ", name, g);
		gp_str(fp, *t ? t : "all");
		first = 0;
	}
	gp_end(fp, name);
	if (close_file(c, of))
		return c->e->code;
	return add_chart(c, name, which ? "CDF of ITL" : "CDF of TTFT");
}

static int cmp_span(const void *a, const void *b)
{
	const struct an_span *x = a, *y = b;

	return (x->sent > y->sent) - (x->sent < y->sent);
}

static int chart_timeline(struct ctx *c, const char *want)
{
	const struct an_group *gr = NULL;
	struct an_span *sp;
	struct ofile *of;
	FILE *fp;
	size_t g, n, i;
	int64_t t0;
	char t[512];

	/* The last group of that step with requests to draw (a vLLM file's
	 * have no send or end times), else the last of that step. */
	for (g = 0; g < c->s->ngroups; g++)
		if ((!want || (c->step_key >= 0 &&
			       strcmp(c->s->groups[g]->key[c->step_key], want) == 0)) &&
		    (!gr || !gr->spans.len || c->s->groups[g]->spans.len))
			gr = c->s->groups[g];
	if (!gr)
		return err_set(c->e, ERR_USAGE, "--timeline-step %s: no such step", want);
	t[0] = '\0';
	for (g = 0; g < c->s->ngroups; g++)
		if (c->s->groups[g] == gr)
			group_title(c, g, t, sizeof t);
	sp = (struct an_span *)gr->spans.p;
	n = gr->spans.len / sizeof *sp;
	if (n > 1) /* sp is NULL for an empty buffer */
		qsort(sp, n, sizeof *sp, cmp_span);
	if (n > TIMELINE_MAX)
		n = TIMELINE_MAX;
	if (!(fp = open_in(c, "timeline.dat", &of)))
		return c->e->code;
	fputs("# request sent_s end_s first_token_s ok\n", fp);
	t0 = n ? sp[0].sent : 0;
	for (i = 0; i < n; i++) {
		fprintf(fp, "%zu %.6f %.6f", i, (double)(sp[i].sent - t0) / 1e9,
			(double)(sp[i].end - t0) / 1e9);
		if (sp[i].first != AN_NO_TIME)
			fprintf(fp, " %.6f", (double)(sp[i].first - t0) / 1e9);
		else
			fputs(" NaN", fp);
		fprintf(fp, " %d\n", sp[i].ok);
	}
	if (close_file(c, of))
		return c->e->code;
	if (!(fp = open_in(c, "timeline.gp", &of)))
		return c->e->code;
	{
		char title[600];

		snprintf(title, sizeof title, "Request timeline: %s", t);
		gp_begin(fp, "timeline", title, "time since the first send (s)",
			 "request (number, by send time)");
	}
	fputs("set key below\n"
	      "plot 'timeline.dat' using 2:1:($3-$2):(0) with vectors nohead lw 2 title 'send to end', \\\n"
	      "    'timeline.dat' using 4:1 with points pt 7 ps 0.4 title 'first token'", fp);
	gp_end(fp, "timeline");
	if (close_file(c, of))
		return c->e->code;
	return add_chart(c, "timeline", "Request timeline");
}

/* Output tokens/s over the whole input: each ok request's tokens are
 * spread evenly from its first token to its end. */
static int chart_tokens_over_time(struct ctx *c)
{
	int64_t t0 = INT64_MAX, t1 = INT64_MIN;
	double *bucket, width;
	struct ofile *of;
	FILE *fp;
	size_t g, i, b;

	for (g = 0; g < c->s->ngroups; g++) {
		const struct an_span *sp = (const struct an_span *)c->s->groups[g]->spans.p;
		size_t n = c->s->groups[g]->spans.len / sizeof *sp;

		for (i = 0; i < n; i++) {
			if (sp[i].sent < t0)
				t0 = sp[i].sent;
			if (sp[i].end > t1)
				t1 = sp[i].end;
		}
	}
	if (t1 <= t0)
		t1 = t0 + 1;
	width = (double)(t1 - t0) / 1e9 / TIME_BUCKETS;
	if (!(bucket = calloc(TIME_BUCKETS, sizeof *bucket)))
		return err_set(c->e, ERR_SOFTWARE, "out of memory");
	for (g = 0; g < c->s->ngroups; g++) {
		const struct an_span *sp = (const struct an_span *)c->s->groups[g]->spans.p;
		size_t n = c->s->groups[g]->spans.len / sizeof *sp;

		for (i = 0; i < n; i++) {
			double a, z, len, per;
			size_t ba, bz;

			if (!sp[i].ok || sp[i].out_tok <= 0)
				continue;
			a = (double)((sp[i].first != AN_NO_TIME ? sp[i].first : sp[i].end) - t0) / 1e9;
			z = (double)(sp[i].end - t0) / 1e9;
			len = z - a;
			ba = (size_t)(a / width);
			bz = (size_t)(z / width);
			if (ba >= TIME_BUCKETS)
				ba = TIME_BUCKETS - 1;
			if (bz >= TIME_BUCKETS)
				bz = TIME_BUCKETS - 1;
			if (len <= 0 || ba == bz) {
				bucket[bz] += sp[i].out_tok;
				continue;
			}
			per = sp[i].out_tok / len;
			for (b = ba; b <= bz; b++) {
				double lo = fmax(a, (double)b * width), hi = fmin(z, (double)(b + 1) * width);

				if (hi > lo)
					bucket[b] += per * (hi - lo);
			}
		}
	}
	if (!(fp = open_in(c, "tokens_over_time.dat", &of))) {
		free(bucket);
		return c->e->code;
	}
	fputs("# seconds_since_first_send output_tokens_per_s\n", fp);
	for (b = 0; b < TIME_BUCKETS; b++)
		fprintf(fp, "%.6f %.6g\n", ((double)b + 0.5) * width, bucket[b] / width);
	free(bucket);
	if (close_file(c, of))
		return c->e->code;
	if (!(fp = open_in(c, "tokens_over_time.gp", &of)))
		return c->e->code;
	gp_begin(fp, "tokens_over_time", "Output tokens/s over time (all groups)",
		 "time since the first send (s)", "output throughput (tokens/s)");
	fputs("unset key\nplot 'tokens_over_time.dat' using 1:2 with steps title 'output tokens/s'", fp);
	gp_end(fp, "tokens_over_time");
	if (close_file(c, of))
		return c->e->code;
	return add_chart(c, "tokens_over_time", "Output tokens/s over time");
}

/* Writes one series of TTFT by context: the points of every group whose
 * hit is want, every step-th of them. */
static void ctx_series(const struct ctx *c, int want, size_t step, FILE *fp)
{
	size_t g, i, k = 0;

	for (g = 0; g < c->s->ngroups; g++) {
		const struct an_ctx_pt *p = (const struct an_ctx_pt *)c->s->groups[g]->ctx_pts.p;
		size_t n = c->s->groups[g]->ctx_pts.len / sizeof *p;

		for (i = 0; i < n; i++)
			if (p[i].hit == want && k++ % step == 0)
				fprintf(fp, "%.6g %.6g\n", (double)p[i].ctx_tok, (double)p[i].ttft_ms);
	}
	fputs("\n\n", fp);
}

/* TTFT of each ok request against its context length, requests with a
 * prefix cache hit apart from the rest (all groups). Drawn only when the
 * results have context_tokens or cached_tokens (conversation runs, or a
 * server reporting its cache), so other reports are as they were. */
static int chart_ttft_context(struct ctx *c)
{
	size_t g, i, n[2] = {0, 0}, step[2];
	size_t rows = 0;
	struct ofile *of;
	FILE *fp;
	int h;

	for (g = 0; g < c->s->ngroups; g++) {
		const struct an_ctx_pt *p = (const struct an_ctx_pt *)c->s->groups[g]->ctx_pts.p;

		rows += c->s->groups[g]->ctx_rows;
		for (i = 0; i < c->s->groups[g]->ctx_pts.len / sizeof *p; i++)
			n[p[i].hit != 0]++;
	}
	if (!rows)
		return 0;
	if (!(fp = open_in(c, "ttft_context.dat", &of)))
		return c->e->code;
	/* A million points would make an SVG nobody can open: an even
	 * sample of each series, its size noted in the data. */
	fputs("# context_tokens ttft_ms; index 0: cache hit (cached_tokens > 0), "
	      "index 1: no hit (cached_tokens 0 or not reported)\n", fp);
	for (h = 1; h >= 0; h--) {
		step[h] = n[h] > CTX_POINTS ? (n[h] + CTX_POINTS - 1) / CTX_POINTS : 1;
		fprintf(fp, "# %s: %zu requests, every %zu drawn\n", h ? "cache hit" : "no cache hit",
			n[h], step[h]);
		ctx_series(c, h, step[h], fp);
	}
	if (close_file(c, of))
		return c->e->code;
	if (!(fp = open_in(c, "ttft_context.gp", &of)))
		return c->e->code;
	gp_begin(fp, "ttft_context", "TTFT against context length, with and without prefix cache hits (all groups)",
		 "context length (prompt tokens of the whole request)", "TTFT (ms)");
	/* From 0 on both axes: the chart is about how TTFT grows with the
	 * context, which a zoomed axis exaggerates. */
	fprintf(fp, "set key below\nset xrange [0:*]\nset yrange [0:*]\nset offsets 0, graph 0.03, graph 0.05, 0\n"
		"plot 'ttft_context.dat' index 0 using 1:2 with points pt 7 ps 0.8 "
		"title 'cache hit (cached_tokens > 0): %zu requests', \\\n"
		"    'ttft_context.dat' index 1 using 1:2 with points pt 6 ps 0.8 "
		"title 'no cache hit (0 or not reported): %zu requests'", n[1], n[0]);
	gp_end(fp, "ttft_context");
	if (close_file(c, of))
		return c->e->code;
	return add_chart(c, "ttft_context", "TTFT against context length");
}

static const char *gnuplot_prog(void)
{
	const char *p = getenv("LLMANALYZE_GNUPLOT");

	return p && *p ? p : "gnuplot";
}

/* Runs the program on script in dir; its messages go to dir/gnuplot.log. Returns
 * 0, 127 when it could not be started, else its exit status. */
static int run_gnuplot(const char *dir, const char *script)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return 127;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		/* Out of the terminal's process group: Ctrl-C is llmanalyze's
		 * to handle (it stops between charts). Sent to gnuplot too, it
		 * killed a chart, which then passed for one with nothing to
		 * plot, and once left gnuplot hung in its own handler. */
		setpgid(0, 0);
		if (chdir(dir))
			_exit(126);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		fd = open("gnuplot.log", O_WRONLY | O_CREAT | O_APPEND, 0666);
		if (fd >= 0)
			dup2(fd, 2);
		execlp(gnuplot_prog(), gnuplot_prog(), script, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 127;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Draws every chart. One that gnuplot refuses (typically: nothing to
 * plot, such as latencies of a group without an ok request) is dropped
 * from the list and named in cf->skipped; all refused means gnuplot
 * itself is broken. */
static int draw(struct ctx *c)
{
	struct an_chart_files *cf = c->cf;
	char script[300];
	size_t i, kept = 0;
	int st, last = 0;

	for (i = 0; i < cf->n; i++) {
		if (c->stop && *c->stop) {
			/* The names not reached are freed with the list. */
			cf->n = kept + (cf->n - i);
			memmove(cf->names + kept, cf->names + i, (cf->n - kept) * sizeof *cf->names);
			memmove(cf->titles + kept, cf->titles + i, (cf->n - kept) * sizeof *cf->titles);
			return err_set(c->e, ERR_SOFTWARE, "interrupted");
		}
		snprintf(script, sizeof script, "%s.gp", cf->names[i]);
		st = run_gnuplot(c->dir, script);
		/* A temporary folder is gone once the report is written: named
		 * only when it is the user's (--charts). */
		if (st == 127 && cf->temporary)
			return err_set(c->e, ERR_UNAVAILABLE, "cannot run '%s' (install gnuplot)",
				       gnuplot_prog());
		if (st == 127)
			return err_set(c->e, ERR_UNAVAILABLE,
				       "cannot run '%s' (install gnuplot); the .dat and .gp files are in %s",
				       gnuplot_prog(), c->dir);
		if (st) {
			char out[4096];

			/* gnuplot opened the outputs before it gave up. */
			snprintf(out, sizeof out, "%s/%s.png", c->dir, cf->names[i]);
			unlink(out);
			snprintf(out, sizeof out, "%s/%s.svg", c->dir, cf->names[i]);
			unlink(out);
			last = st;
			if ((cf->skipped.len && buf_adds(&cf->skipped, ", ", c->e)) ||
			    buf_adds(&cf->skipped, cf->names[i], c->e))
				return c->e->code;
			free(cf->names[i]);
			free(cf->titles[i]);
			continue;
		}
		cf->names[kept] = cf->names[i];
		cf->titles[kept++] = cf->titles[i];
	}
	cf->n = kept;
	if (!kept && last && cf->temporary)
		return err_set(c->e, ERR_SOFTWARE, "%s failed on every chart (status %d); --charts DIR "
			       "keeps its log", gnuplot_prog(), last);
	if (!kept && last)
		return err_set(c->e, ERR_SOFTWARE, "%s failed on every chart (status %d); see %s/gnuplot.log",
			       gnuplot_prog(), last, c->dir);
	cf->drawn = 1;
	return 0;
}

int an_charts_write(const struct an_report *r, const struct an_chart_opts *o,
		    struct an_chart_files *cf, struct err *e)
{
	static const int tp[] = {2}, ttft[] = {3, 4, 5}, tpot[] = {6, 7}, e2e[] = {8, 9},
			 ok[] = {10};
	static const char *const n1[] = {""}, *const nttft[] = {"p50", "p90", "p99"},
			  *const n2[] = {"p50", "p99"};
	struct ctx c = {.r = r, .s = r->set, .step_key = -1, .cf = cf, .stop = o->stop, .e = e};
	char tmpl[4096];
	size_t k;
	int rc;

	memset(cf, 0, sizeof *cf);
	if (o->dir) {
		if (mkdir(o->dir, 0777) && errno != EEXIST)
			return err_set(e, ERR_IO, "%s: %s", o->dir, strerror(errno));
		cf->dir = strdup(o->dir);
	} else {
		const char *t = getenv("TMPDIR");

		snprintf(tmpl, sizeof tmpl, "%s/llmanalyze-XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(tmpl))
			return err_set(e, ERR_IO, "%s: %s", tmpl, strerror(errno));
		cf->dir = strdup(tmpl);
		cf->temporary = 1;
	}
	if (!cf->dir)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	c.dir = cf->dir;
	for (k = 0; k < r->set->nkeys; k++)
		if (strcmp(r->set->keynames[k], "step") == 0)
			c.step_key = (int)k;
	c.xlabel = step_axis_label(r->set);
	if (c.step_key >= 0 && r->n) {
		double lo = INFINITY, hi = -INFINITY, x;

		for (k = 0; k < r->n; k++) {
			x = step_x(&c, k);
			lo = fmin(lo, x);
			hi = fmax(hi, x);
		}
		c.log_x = lo > 0 && hi >= 4 * lo;
	}
	if ((rc = find_series(&c)) ||
	    (rc = write_by_step(&c)) ||
	    (rc = chart_by_step(&c, "throughput", "Output token throughput by step",
				"output throughput (tokens/s)", tp, n1, 1)) ||
	    (rc = chart_by_step(&c, "ttft", "Time to first token by step", "TTFT (ms)",
				ttft, nttft, 3)) ||
	    (rc = chart_by_step(&c, "tpot", "Time per output token by step", "TPOT (ms)",
				tpot, n2, 2)) ||
	    (rc = chart_by_step(&c, "e2e", "End-to-end latency by step", "E2E (ms)",
				e2e, n2, 2)) ||
	    (rc = chart_by_step(&c, "success", "Success rate by step",
				"success rate (ok / (ok + failed), 0-1)",
				ok, n1, 1)) ||
	    (rc = chart_knee(&c)) ||
	    (rc = chart_cdf(&c, 0)) ||
	    (rc = chart_cdf(&c, 1)) ||
	    (rc = chart_timeline(&c, o->timeline_step)) ||
	    (rc = chart_tokens_over_time(&c)) ||
	    (rc = chart_ttft_context(&c)) ||
	    (o->srv && ((rc = an_srv_chart(o->srv, r, c.dir, e)) ||
			(rc = add_chart(&c, "server", "Server and client over time")))))
		goto out;
	rc = draw(&c);
out:
	for (k = 0; k < c.nseries; k++) {
		free(c.series_name[k]);
		free(c.series_full[k]);
	}
	free(c.series_name);
	free(c.series_full);
	free(c.series);
	return rc;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

void an_chart_files_free(struct an_chart_files *cf)
{
	size_t i;

	if (cf->temporary && cf->dir)
		remove_dir(cf->dir);
	for (i = 0; i < cf->n; i++) {
		free(cf->names[i]);
		free(cf->titles[i]);
	}
	free(cf->names);
	free(cf->titles);
	free(cf->dir);
	buf_free(&cf->skipped);
	memset(cf, 0, sizeof *cf);
}
