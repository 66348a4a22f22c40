#include "srvmetrics.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "ofile.h"

enum { K_RUN, K_WAIT, K_KV, K_GPU, K_PRE, NK };

static const char *const knames[NK] = {
	"vllm:num_requests_running", "vllm:num_requests_waiting",
	"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc",
	"vllm:num_preemptions_total",
};

struct pt {
	int64_t t;  /* epoch ns */
	double v;   /* sum over the scrape's label sets */
	int n;      /* label sets summed */
	int file;   /* index of the results file it lies beside */
};

struct series {
	struct pt *p;
	size_t n, cap;
};

struct an_srv {
	struct series s[NK];
};

static int add(struct series *s, int64_t t, double v, int file, struct err *e)
{
	/* Rows of one scrape share t_ns and come together. */
	if (s->n && s->p[s->n - 1].t == t && s->p[s->n - 1].file == file) {
		s->p[s->n - 1].v += v;
		s->p[s->n - 1].n++;
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		struct pt *p = realloc(s->p, cap * sizeof *p);

		if (!p)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		s->p = p;
		s->cap = cap;
	}
	s->p[s->n++] = (struct pt){ t, v, 1, file };
	return 0;
}

static int by_t(const void *a, const void *b)
{
	int64_t x = ((const struct pt *)a)->t, y = ((const struct pt *)b)->t;

	return x < y ? -1 : x > y;
}

static int load_one(struct an_srv *s, const char *path, int file, struct err *e)
{
	struct csv_reader *r;
	int ct, cn, cv, rc;

	if ((rc = csv_open(path, &r, e)))
		return rc;
	ct = csv_col(r, "t_ns");
	cn = csv_col(r, "name");
	cv = csv_col(r, "value");
	if (ct < 0 || cn < 0 || cv < 0) {
		csv_close(r);
		return err_set(e, ERR_DATA, "%s:1: expected columns t_ns,name,labels,value", path);
	}
	while ((rc = csv_next(r, e)) == 1) {
		const char *n = csv_field(r, (size_t)cn, NULL), *ts, *vs;
		char *end;
		long long t;
		double v;
		int k;

		for (k = 0; k < NK && strcmp(n, knames[k]); k++)
			;
		if (k == NK)
			continue;
		if (csv_truncated(r))
			break; /* the last row of a killed run */
		ts = csv_field(r, (size_t)ct, NULL);
		vs = csv_field(r, (size_t)cv, NULL);
		errno = 0;
		t = strtoll(ts, &end, 10);
		if (!*ts || *end || errno) {
			rc = err_set(e, ERR_DATA, "%s:%ld: t_ns: expected an integer, got '%.40s'",
				     path, csv_line(r), ts);
			break;
		}
		v = strtod(vs, &end);
		if (!*vs || *end) {
			rc = err_set(e, ERR_DATA, "%s:%ld: value: expected a number, got '%.40s'",
				     path, csv_line(r), vs);
			break;
		}
		if (!isnan(v) && (rc = add(&s->s[k], (int64_t)t, v, file, e)))
			break;
	}
	/* A last row without its line end is a killed run's (or, cut to
	 * fewer fields, a full disk's), skipped: the scrapes before it stand.
	 * 1: such a row whose field count was right; -1: the reader's error. */
	if (rc < 0 && e->code == ERR_DATA && csv_truncated(r)) {
		err_clear(e);
		rc = 0;
	}
	rc = rc == 1 ? 0 : rc < 0 ? e->code : rc;
	csv_close(r);
	return rc;
}

int an_srv_load(const char *const *paths, size_t n, struct an_srv **out,
		struct err *e)
{
	struct an_srv *s = NULL;
	int rc = 0;

	*out = NULL;
	for (size_t i = 0; !rc && i < n; i++) {
		char *p;

		if (!strcmp(paths[i], "-"))
			continue;
		if (asprintf(&p, "%s.metrics.csv", paths[i]) < 0)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		if (access(p, F_OK) == 0) {
			if (!s && !(s = calloc(1, sizeof *s)))
				rc = err_set(e, ERR_SOFTWARE, "out of memory");
			else
				rc = load_one(s, p, (int)i, e);
		}
		free(p);
	}
	if (rc) {
		an_srv_free(s);
		return rc;
	}
	for (int k = 0; s && k < NK; k++)
		if (s->s[k].n) /* qsort's pointer must not be NULL, even for 0 */
			qsort(s->s[k].p, s->s[k].n, sizeof *s->s[k].p, by_t);
	*out = s;
	return 0;
}

size_t an_srv_drop_inputs(const char **paths, size_t n)
{
	static const char sfx[] = ".metrics.csv";
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(paths[i]), bl = len - (sizeof sfx - 1);
		int drop = 0;

		if (len > sizeof sfx - 1 && !strcmp(paths[i] + bl, sfx))
			for (size_t j = 0; j < n && !drop; j++)
				drop = strlen(paths[j]) == bl && !strncmp(paths[j], paths[i], bl);
		if (!drop)
			paths[m++] = paths[i];
	}
	return m;
}

void an_srv_free(struct an_srv *s)
{
	if (!s)
		return;
	for (int k = 0; k < NK; k++)
		free(s->s[k].p);
	free(s);
}

/* A scrape counts for g when it lies beside one of g's results files
 * (another run's scrapes, of another server maybe, may overlap in time)
 * and inside one of g's spans. */
static int in_spans(const struct an_group *g, const struct pt *p)
{
	if (g->files && p->file < 64 && !(g->files >> p->file & 1))
		return 0;
	for (size_t i = 0; i < g->nruns; i++)
		if (p->t >= g->runs[i].first_sent && p->t <= g->runs[i].last_end)
			return 1;
	return 0;
}

/* Mean and max of a gauge over the scrapes inside g's spans; avg: the
 * value of a scrape is the mean over its label sets, else their sum. */
static void gauge(const struct series *s, const struct an_group *g, int avg,
		  double *mean, double *max)
{
	double sum = 0;
	size_t n = 0;

	*mean = *max = NAN;
	for (size_t i = 0; i < s->n; i++) {
		double v = avg ? s->p[i].v / s->p[i].n : s->p[i].v;

		if (!in_spans(g, &s->p[i]))
			continue;
		sum += v;
		if (!n++ || v > *max)
			*max = v;
	}
	if (n)
		*mean = sum / (double)n;
}

/* The counter's increase over g's spans: from each scrape to the next
 * one that lies inside a span. */
static double counter(const struct series *s, const struct an_group *g)
{
	double inc = 0;
	int any = 0;

	for (size_t i = 1; i < s->n; i++) {
		size_t j = i;
		double d;

		if (!in_spans(g, &s->p[i]))
			continue;
		/* From the file's own scrape before: one of another file
		 * (another server's counter) says nothing of this one. */
		while (j-- > 0 && s->p[j].file != s->p[i].file)
			;
		if (j == (size_t)-1)
			continue;
		d = s->p[i].v - s->p[j].v;
		inc += d < 0 ? s->p[i].v : d;
		any = 1;
	}
	return any ? inc : NAN;
}

void an_srv_group(const struct an_srv *s, const struct an_group *g,
		  struct an_srv_fig *f)
{
	const struct series *kv = s->s[K_KV].n ? &s->s[K_KV] : &s->s[K_GPU];

	gauge(&s->s[K_RUN], g, 0, &f->running_mean, &f->running_max);
	gauge(&s->s[K_WAIT], g, 0, &f->waiting_mean, &f->waiting_max);
	gauge(kv, g, 1, &f->kv_mean, &f->kv_max);
	f->preemptions = counter(&s->s[K_PRE], g);
}

void an_srv_fill(const struct an_srv *s, struct an_report *r)
{
	for (size_t i = 0; i < r->set->ngroups; i++) {
		struct an_metrics *m = &r->m[i];
		struct an_srv_fig f = { NAN, NAN, NAN, NAN, NAN, NAN, NAN };

		if (s)
			an_srv_group(s, r->set->groups[i], &f);
		m->srv_running_mean = f.running_mean;
		m->srv_running_max = f.running_max;
		m->srv_waiting_mean = f.waiting_mean;
		m->srv_waiting_max = f.waiting_max;
		m->srv_kv_mean = f.kv_mean;
		m->srv_kv_max = f.kv_max;
		m->srv_preemptions = f.preemptions;
	}
}

/* ---- the chart ---- */

#define CLIENT_POINTS 500

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* How many of the n sorted values are <= t. */
static size_t upto(const int64_t *v, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static FILE *open_in(const char *dir, const char *name, struct ofile **of,
		     struct err *e)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return ofile_open(path, of, e) ? NULL : ofile_fp(*of);
}

/* The next point of series a at or after *i that lies beside file f. */
static const struct pt *next_of(const struct series *a, size_t *i, int f)
{
	while (*i < a->n && a->p[*i].file != f)
		(*i)++;
	return *i < a->n ? &a->p[*i] : NULL;
}

static int write_server(const struct an_srv *s, const char *dir, int64_t t0,
			struct err *e)
{
	const struct series *kv = s->s[K_KV].n ? &s->s[K_KV] : &s->s[K_GPU];
	const struct series *a[4] = { &s->s[K_RUN], &s->s[K_WAIT], kv, &s->s[K_PRE] };
	struct ofile *of;
	FILE *fp = open_in(dir, "server.dat", &of, e);
	int nfiles = 0;

	if (!fp)
		return e->code;
	for (int k = 0; k < 4; k++)
		for (size_t i = 0; i < a[k]->n; i++)
			if (a[k]->p[i].file >= nfiles)
				nfiles = a[k]->p[i].file + 1;
	fputs("# seconds_since_first_send running waiting kv_usage_pct preemptions_since_last_scrape\n"
	      "# one block per server (results file), apart by two blank lines: gnuplot\n"
	      "# draws each as its own line, never from one server's value to another's\n", fp);
	/* One server's scrapes at a time: its counter's increase is over its
	 * own scrape before (with several files, the one before in time was
	 * often another server's: 995 preemptions out of two constants). */
	for (int f = 0; f < nfiles; f++) {
		size_t idx[4] = { 0, 0, 0, 0 };
		const struct pt *prev_pre = NULL;
		int rows = 0;

		for (;;) {
			int64_t t = INT64_MAX;
			const struct pt *p;

			for (int k = 0; k < 4; k++)
				if ((p = next_of(a[k], &idx[k], f)) && p->t < t)
					t = p->t;
			if (t == INT64_MAX)
				break;
			if (!rows++ && f)
				fputs("\n\n", fp);
			fprintf(fp, "%.6f", (double)(t - t0) / 1e9);
			for (int k = 0; k < 4; k++) {
				p = next_of(a[k], &idx[k], f);
				/* "NaN" when this scrape lacks the series. KV is a
				 * mean over label sets, in %; preemptions the
				 * counter's increase since this server's scrape
				 * before (none for its first; a counter that went
				 * down restarted from 0). */
				if (!p || p->t != t || (k == 3 && !prev_pre))
					fputs(" NaN", fp);
				else if (k == 3)
					fprintf(fp, " %.6g", p->v >= prev_pre->v ? p->v - prev_pre->v : p->v);
				else
					fprintf(fp, " %.6g", k == 2 ? 100 * p->v / p->n : p->v);
				if (k == 3 && p && p->t == t)
					prev_pre = p;
				if (p && p->t <= t)
					idx[k]++;
			}
			fputc('\n', fp);
		}
	}
	return ofile_commit(of, e);
}

int an_srv_chart(const struct an_srv *s, const struct an_report *r,
		 const char *dir, struct err *e)
{
	const struct an_set *set = r->set;
	int64_t *sent, *end, t0 = INT64_MAX, t1 = INT64_MIN;
	size_t n = 0, k = 0;
	double lo, hi;
	struct ofile *of;
	FILE *fp;
	int rc;

	for (size_t g = 0; g < set->ngroups; g++)
		n += set->groups[g]->spans.len / sizeof(struct an_span);
	sent = malloc((n ? n : 1) * sizeof *sent);
	end = malloc((n ? n : 1) * sizeof *end);
	if (!sent || !end) {
		free(sent);
		free(end);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	for (size_t g = 0; g < set->ngroups; g++) {
		const struct an_span *sp = (const struct an_span *)set->groups[g]->spans.p;
		size_t m = set->groups[g]->spans.len / sizeof *sp;

		for (size_t i = 0; i < m; i++, k++) {
			sent[k] = sp[i].sent;
			end[k] = sp[i].end;
			if (sp[i].sent < t0)
				t0 = sp[i].sent;
			if (sp[i].end > t1)
				t1 = sp[i].end;
		}
	}
	if (n > 1) {
		qsort(sent, n, sizeof *sent, cmp_i64);
		qsort(end, n, sizeof *end, cmp_i64);
	}
	if (!n)
		t0 = t1 = 0;
	rc = 0;
	if (!(fp = open_in(dir, "client.dat", &of, e))) {
		rc = e->code;
	} else {
		fputs("# seconds_since_first_send client_requests_in_flight\n", fp);
		for (int i = 0; n && i <= CLIENT_POINTS; i++) {
			int64_t t = t0 + (int64_t)((double)(t1 - t0) * i / CLIENT_POINTS);

			/* Sent by t and not yet ended (an end at t is over). */
			fprintf(fp, "%.6f %zu\n", (double)(t - t0) / 1e9,
				upto(sent, n, t) - upto(end, n, t));
		}
		rc = ofile_commit(of, e);
	}
	free(sent);
	free(end);
	if (!rc)
		rc = write_server(s, dir, t0, e);
	if (rc || !(fp = open_in(dir, "server.gp", &of, e)))
		return rc ? rc : e->code;
	/* Both panels span the run and every scrape, with the same margins,
	 * so their time axes line up. */
	lo = 0;
	hi = (double)(t1 - t0) / 1e9;
	for (int k = 0; k < NK; k++)
		if (s->s[k].n) {
			lo = fmin(lo, (double)(s->s[k].p[0].t - t0) / 1e9);
			hi = fmax(hi, (double)(s->s[k].p[s->s[k].n - 1].t - t0) / 1e9);
		}
	if (hi <= lo)
		hi = lo + 1;
	fputs("# The server beside the client: run `gnuplot server.gp` in this folder to redraw.\n"
	      "# Two panels on one time axis (seconds since the first send, as in\n"
	      "# tokens_over_time.dat, which the lower panel reads).\n"
	      "set datafile separator whitespace\nset datafile missing 'NaN'\n", fp);
	/* multiplot cannot be replotted: the body is written once per terminal. */
	for (int svg = 0; svg < 2; svg++) {
		fputs(svg ? "\nset terminal svg size 900,700 noenhanced dynamic\nset output 'server.svg'\n"
		      : "set terminal pngcairo size 900,700 noenhanced\nset output 'server.png'\n", fp);
		fputs("set multiplot layout 2,1 title 'Server and client over time (all groups)'\n", fp);
		fprintf(fp, "set xrange [%.6f:%.6f]\nset lmargin 10\nset rmargin 32\n", lo, hi);
		fputs("set key outside right top\nset grid\n"
		      "unset xlabel\nset ylabel 'requests'\n"
		      "set y2label 'KV cache usage (%)'\nset y2range [0:100]\nset ytics nomirror\nset y2tics\n"
		      "plot 'client.dat' using 1:2 with steps lw 2 title 'client in flight', \\\n"
		      "     'server.dat' using 1:2 with steps title 'server running', \\\n"
		      "     'server.dat' using 1:3 with steps title 'server waiting', \\\n"
		      "     'server.dat' using 1:4 axes x1y2 with lines dt 2 title 'KV usage (%)'\n"
		      "set xlabel 'seconds since the first send'\nset ylabel 'output tokens/s'\n"
		      "set y2label 'preemptions'\nset y2range [0:*]\n"
		      "plot 'tokens_over_time.dat' using 1:2 with steps title 'client output tokens/s', \\\n"
		      "     'server.dat' using 1:5 axes x1y2 with impulses lw 2 title 'server preemptions'\n"
		      "unset multiplot\nunset output\n", fp);
	}
	return ofile_commit(of, e);
}
