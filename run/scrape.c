#include "scrape.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "csv.h"
#include "http.h"
#include "prom.h"
#include "recvstamp.h"

#define PAGE_MAX (16L << 20)  /* a /metrics page larger than this is refused */
#define SCRAPE_BUF (1 << 20)   /* the file's buffer: a scrape's rows, whole */

struct scrape {
	struct scrape_conf c;
	CURL *h;
	struct curl_slist *hdr;
	struct csv_writer *w;    /* the CSV, staged until the results are
				    published (scrape_publish); a scrape's
				    rows are a group, written at once */
	struct buf page, copy;
	char cerr[CURL_ERROR_SIZE];
	pthread_t th;
	pthread_mutex_t mu;      /* the stop, and w against scrape_publish */
	pthread_cond_t cv;
	int stop;                /* under mu (read bare by on_progress) */
	int final;               /* the scrape after the stop */
	int64_t t_start;         /* when the scrape in flight began */
	int reported, cap_said;
	long long bytes;         /* written so far, an upper bound */
	int64_t t_ns;            /* the scrape being written */
	long long pending;       /* the bytes its rows can take at most */
	struct scrape_stats st;
	struct err werr;         /* the file's first write error */
	long good_rows;          /* st.rows at the last whole scrape */
	int published;           /* scrape_publish named the file */
	/* Kernel receive stamps (when libcurl reads through recvstamp.h):
	 * the socket, and the reader of this thread while a scrape runs,
	 * whose first stamp is the page's first byte's arrival (plain
	 * HTTP: the response is all a scrape reads of the socket). */
	int kstamp;
	curl_socket_t fd;        /* -1 before the first connection */
	struct rst rs;
	struct clk_wall wall; /* for rs's stamps */
};

static size_t on_body(char *p, size_t size, size_t n, void *user)
{
	struct buf *b = user;

	/* 0 makes libcurl fail with CURLE_WRITE_ERROR: the cap is the reason. */
	return buf_add(b, p, size * n, NULL) ? 0 : size * n;
}

/* A new connection: the kernel stamps what arrives on it, and the reads
 * of it on this thread (the scraper's: libcurl calls back from
 * curl_easy_perform) take those stamps from now on. */
static int on_sockopt(void *user, curl_socket_t fd, curlsocktype purpose)
{
	struct scrape *s = user;
	int on = 1;

	if (purpose == CURLSOCKTYPE_IPCXN &&
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) == 0) {
		s->fd = fd;
		rst_begin(&s->rs, fd);
	}
	return CURL_SOCKOPT_OK;
}

static void say_once(struct scrape *s, const char *fmt, const char *detail)
{
	char msg[ERR_MSG_MAX + 400];

	if (s->reported || !s->c.say)
		return;
	s->reported = 1;
	snprintf(msg, sizeof msg, fmt, detail);
	snprintf(msg + strlen(msg), sizeof msg - strlen(msg),
		 " (retried every interval; the first failure is the only one reported)");
	s->c.say(s->c.user, msg);
}

/* The bytes a sample's row can take at most: quoting at most doubles the
 * labels and adds quotes around each field; t_ns has at most 20 digits,
 * a value 24 characters. -1 when its labels are over 8 KiB (left out: not
 * a metric anyone charts). */
static long long row_need(const struct prom_sample *ps, char *l, size_t cap)
{
	long ll = prom_labels_str(ps, l, cap);

	return ll < 0 ? -1 : (long long)(20 + strlen(ps->name) + 2 * (size_t)ll + 24 + 12);
}

/* First pass: does the page parse, and how much would it add? */
static int check_row(void *user, const struct prom_sample *ps, struct err *e)
{
	struct scrape *s = user;
	char l[8192];
	long long need = row_need(ps, l, sizeof l);

	(void)e;
	if (need > 0)
		s->pending += need;
	return 0;
}

static void fmt_value(double v, char *out, size_t cap)
{
	if (isnan(v))
		snprintf(out, cap, "NaN");
	else if (isinf(v))
		snprintf(out, cap, v > 0 ? "+Inf" : "-Inf");
	else
		snprintf(out, cap, "%.17g", v);
}

/* Second pass: one row per sample. */
static int write_row(void *user, const struct prom_sample *ps, struct err *e)
{
	struct scrape *s = user;
	char t[24], v[40], l[8192];
	const char *f[4] = { t, ps->name, l, v };
	long long need = row_need(ps, l, sizeof l);

	(void)e;
	if (need < 0)
		return 0;
	snprintf(t, sizeof t, "%lld", (long long)s->t_ns);
	fmt_value(ps->value, v, sizeof v);
	if (s->werr.code || csv_write_row(s->w, f, 4, &s->werr))
		return 0;
	s->st.rows++;
	return 0;
}

/* A scrape in flight when the run stops is dropped once it has taken a
 * second (a stalled endpoint held the run's end for up to two
 * intervals; one that answers in milliseconds is kept, as the page the
 * server wrote); the final one, after the stop, has a second at most. */
static int on_progress(void *user, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct scrape *s = user;

	(void)dt, (void)dn, (void)ut, (void)un;
	return !s->final && __atomic_load_n(&s->stop, __ATOMIC_RELAXED) &&
	       clk_mono_ns() - s->t_start >= CLK_NS_PER_S;
}

static void scrape_once(struct scrape *s)
{
	int64_t t0;
	curl_off_t start_us = 0;
	long status = 0;
	CURLcode rc;
	struct err e = { 0 };

	s->st.tries++;
	buf_reset(&s->page);
	s->cerr[0] = 0;
	s->rs.first = 0;
	if (s->kstamp && s->fd >= 0)
		rst_begin(&s->rs, s->fd);
	s->t_start = t0 = clk_mono_ns();
	rc = curl_easy_perform(s->h);
	rst_end(&s->rs);
	curl_easy_getinfo(s->h, CURLINFO_STARTTRANSFER_TIME_T, &start_us);
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_ABORTED_BY_CALLBACK) { /* dropped at the stop: no try */
		s->st.tries--;
		return;
	}
	if (rc != CURLE_OK) {
		s->st.failed++;
		say_once(s, "%s", rc == CURLE_WRITE_ERROR ? "page larger than 16 MiB" :
			 s->cerr[0] ? s->cerr : curl_easy_strerror(rc));
		return;
	}
	if (status != 200) {
		char st[32];

		snprintf(st, sizeof st, "HTTP %ld", status);
		s->st.failed++;
		say_once(s, "%s", st);
		return;
	}
	buf_reset(&s->copy);
	s->pending = 0;
	if (buf_add(&s->copy, s->page.p ? s->page.p : "", s->page.len, &e) ||
	    prom_parse(s->copy.p, s->copy.len, check_row, s, &e)) {
		s->st.failed++;
		say_once(s, "malformed page: %s", e.msg);
		return;
	}
	s->st.ok++;
	/* A scrape that would pass the cap is left out whole, and every one
	 * after it (the file stays a prefix of the run). */
	if (s->st.capped || s->bytes + s->pending > s->c.max_bytes)
		s->st.capped = 1;
	else {
		/* The kernel's stamp of the page's arrival where there is one:
		 * libcurl's own time of its first byte is when it read it, late
		 * by as long as this thread waited for a CPU (41 ms was seen
		 * under load). */
		int64_t t = t0 + (int64_t)start_us * CLK_NS_PER_US;

		if (s->rs.first > t0 && s->rs.first < clk_mono_ns())
			t = s->rs.first;
		s->t_ns = clk_to_wall(s->c.anchor, t);
		s->bytes += s->pending;
		/* One write per scrape, so a killed run loses at most the
		 * last; a write error (a full disk) cuts the file back to the
		 * scrape before, and nothing is written after. Not while the
		 * main thread publishes the file (which flushes it). */
		pthread_mutex_lock(&s->mu);
		prom_parse(s->page.p ? s->page.p : s->copy.p, s->page.len, write_row, s, &e);
		if (!s->werr.code)
			(void)csv_writer_mark(s->w, &s->werr);
		pthread_mutex_unlock(&s->mu);
		if (!s->werr.code)
			s->good_rows = s->st.rows;
		else
			s->st.rows = s->good_rows; /* the rows the file keeps */
	}
	if (s->st.capped && !s->cap_said && s->c.say) {
		char msg[600];

		s->cap_said = 1;
		snprintf(msg, sizeof msg, "%s reached --scrape-max-bytes (%lld); later "
			 "samples are not kept", s->c.path, s->c.max_bytes);
		s->c.say(s->c.user, msg);
	}
}

static void *run(void *arg)
{
	struct scrape *s = arg;
	int64_t iv = (int64_t)(s->c.interval_s * CLK_NS_PER_S), next = clk_mono_ns();
	struct timespec cpu;
	int stop = 0;

	while (!stop) {
		int64_t now;
		struct timespec ts;

		scrape_once(s);
		now = clk_mono_ns();
		next += iv;
		if (next <= now) /* a slow scrape: skip the ticks it overran */
			next += ((now - next) / iv + 1) * iv;
		ts.tv_sec = next / CLK_NS_PER_S;
		ts.tv_nsec = next % CLK_NS_PER_S;
		pthread_mutex_lock(&s->mu);
		while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &ts) != ETIMEDOUT)
			;
		stop = s->stop;
		pthread_mutex_unlock(&s->mu);
	}
	/* The final values, within a second at most: the run is over. */
	s->final = 1;
	if (s->c.interval_s > 1)
		curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, 1000L);
	scrape_once(s);
	/* What scraping cost, so a run can say it (the target: under 1% of
	 * llmrun's CPU); read by scrape_stop after the join. */
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
		s->st.cpu_s = (double)cpu.tv_sec + (double)cpu.tv_nsec / 1e9;
	return NULL;
}

static void scrape_free(struct scrape *s)
{
	if (s->h)
		curl_easy_cleanup(s->h);
	curl_slist_free_all(s->hdr);
	buf_free(&s->page);
	buf_free(&s->copy);
	free(s);
}

int scrape_start(const struct scrape_conf *conf, struct scrape **out,
		 struct err *e)
{
	static const char *const head[] = { "t_ns", "name", "labels", "value" };
	struct scrape *s = calloc(1, sizeof *s);
	pthread_condattr_t ca;
	sigset_t all, old;
	long tmo;
	int rc;

	if (!s)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	s->c = *conf;
	s->page.max = s->copy.max = PAGE_MAX;
	if (!(s->h = curl_easy_init()) ||
	    !(s->hdr = curl_slist_append(NULL, "Accept: text/plain;version=0.0.4")))
		return scrape_free(s), err_set(e, ERR_SOFTWARE, "out of memory");
	/* The target's TLS and HTTP options; no API key: the URL may be
	 * another host's, and vLLM's /metrics needs none. */
	http_options(s->h, conf->o, conf->url);
	tmo = (long)(conf->interval_s * 1000);
	curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, tmo < 100 ? 100L : tmo);
	curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT_MS, tmo < 100 ? 100L : tmo);
	curl_easy_setopt(s->h, CURLOPT_URL, conf->url);
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdr);
	curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(s->h, CURLOPT_WRITEDATA, &s->page);
	curl_easy_setopt(s->h, CURLOPT_ERRORBUFFER, s->cerr);
	curl_easy_setopt(s->h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(s->h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(s->h, CURLOPT_XFERINFODATA, s);
	s->fd = -1;
	s->rs.fd = -1;
	s->rs.want_first = 1;
	/* Plain HTTP only: over TLS the first bytes read on a new connection
	 * are the handshake's, before the request was even sent. */
	if ((s->kstamp = conf->o->recv_wrap && !strncasecmp(conf->url, "http://", 7))) {
		curl_easy_setopt(s->h, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
		curl_easy_setopt(s->h, CURLOPT_SOCKOPTDATA, s);
		s->rs.wall = &s->wall;
		clk_wall_read(&s->wall); /* before any bytes come */
	}
	/* A scrape's rows leave in one write (the mark after it), so that a
	 * killed run keeps whole rows: the buffer must hold a scrape. The
	 * default, a file block (4 KiB), split llmsim's page of histograms
	 * in two writes, and a kill -9 between them left half a row. */
	if ((rc = csv_writer_open(conf->path, CSV_STAGED, &s->w, e)))
		return scrape_free(s), rc;
	if ((rc = csv_writer_group(s->w, SCRAPE_BUF, e)) ||
	    (rc = csv_write_row(s->w, head, 4, e)) ||
	    (rc = csv_writer_mark(s->w, e))) {
		csv_writer_close(s->w, 0, NULL);
		return scrape_free(s), rc;
	}
	s->bytes = 23;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* The thread blocks every signal (it inherits the mask): SIGINT must
	 * reach the main thread, whose poll it interrupts. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&s->th, NULL, run, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		csv_writer_close(s->w, 0, NULL);
		pthread_mutex_destroy(&s->mu);
		pthread_cond_destroy(&s->cv);
		return scrape_free(s), err_set(e, ERR_SOFTWARE, "cannot start the scraper's thread");
	}
	*out = s;
	return 0;
}

int scrape_publish(struct scrape *s, struct err *e)
{
	int rc;

	/* Publishing flushes the stream: never halfway through a scrape. */
	pthread_mutex_lock(&s->mu);
	rc = csv_writer_publish(s->w, e);
	pthread_mutex_unlock(&s->mu);
	s->published |= !rc;
	return rc;
}

int scrape_stop(struct scrape *s, int commit, struct scrape_stats *st, struct err *e)
{
	int rc;

	pthread_mutex_lock(&s->mu);
	/* Atomic: on_progress reads it without the lock (a plain store
	 * beside an atomic load is a data race, ThreadSanitizer says). */
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	rc = csv_writer_close(s->w, commit, e);
	/* A commit that failed (a full disk) still leaves the file there:
	 * its error is the run's, not "not kept". */
	s->st.kept = s->published || commit;
	/* The first write error says why (a full disk), where the close
	 * would only find the stream's error flag. */
	if (s->werr.code) {
		*e = s->werr;
		rc = e->code;
	}
	if (st)
		*st = s->st;
	scrape_free(s);
	return rc;
}
