/* llmrun: replays a corpus against an LLM endpoint and records one CSV row
 * per request. Only this file prints errors and chooses the exit code. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "clk.h"
#include "corpus.h"
#include "engine.h"
#include "fdlimit.h"
#include "http.h"
#include "ofile.h"
#include "options.h"
#include "probe.h"
#include "progress.h"
#include "counts.h"
#include "stats.h"
#include "record.h"
#include "recvstamp.h"
#include "rng.h"
#include "sched.h"
#include "scrape.h"
#include "secrets.h"
#include "session.h"
#include "sigstop.h"
#include "targets.h"
#include "tok.h"
#include "utf8.h"

/* 1 after the first SIGINT/SIGTERM/SIGHUP (stop sending), 2 after the second
 * (cancel what is in flight even with --drain). */
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	if (stop_flag < 2)
		stop_flag++;
}

static int count_tokens(void *tok, const char *text, size_t len, size_t *n,
			struct err *e)
{
	return tok_count(tok, text, len, n, e);
}

struct stepset {
	struct eng_step *v;
	size_t n;
	int64_t **times; /* owned, per step; a rate step's only while it runs */
	size_t *trace_rows;
	long starts;     /* a rate step's sends before its warmup (rate_times) */
};

static void steps_free(struct stepset *ss)
{
	for (size_t i = 0; i < ss->n; i++)
		free(ss->times[i]);
	free(ss->times);
	free(ss->v);
	free(ss->trace_rows);
	memset(ss, 0, sizeof *ss);
}

struct arrival {
	double s;
	size_t row;
};

static int by_arrival(const void *a, const void *b)
{
	double x = ((const struct arrival *)a)->s, y = ((const struct arrival *)b)->s;

	return x < y ? -1 : x > y;
}

/* Rate step i's send times (owned by the caller) and their count: the
 * same on every call, each step's draws from its own stream of --seed. */
static int rate_times(const struct opts *o, const struct stepset *ss, size_t i, int sess,
		      int64_t **out, size_t *n, struct err *e)
{
	struct sched_rate sr = o->rate;
	struct rng r;
	int rc;

	sr.rate = o->rates[i];
	rng_stream(&r, o->seed, i);
	/* Shards share one schedule of the whole rate (the same seed draws
	 * it in each), arrival k going to shard k mod N: together they offer
	 * the rate, not N times it. --requests and --duration: whichever
	 * comes first, as in closed loop (--requests was dropped). */
	rc = sched_times(&sr, &r,
			 o->duration_s && !o->requests ? 0
			 : (size_t)(ss->starts + (sess && !o->requests ? 0 : o->warmup)) *
				   (size_t)o->shard_n,
			 (int64_t)(o->duration_s * CLK_NS_PER_S), out, n, e);
	if (rc)
		return rc;
	if (o->shard_n > 1) {
		size_t k = 0;

		for (size_t j = (size_t)o->shard_i; j < *n; j += (size_t)o->shard_n)
			(*out)[k++] = (*out)[j];
		*n = k;
	}
	return 0;
}

static int make_steps(const struct opts *o, const struct corpus *c,
		      const struct sess *sess, struct stepset *ss, struct err *e)
{
	size_t n = o->trace ? 1 : o->nrates ? o->nrates : o->nbatches;
	long passes = o->requests ? o->requests : (long)c->n;
	/* Conversations: a pass starts each conversation once (its warmup
	 * turns among them); a rate starts conversations; --requests and
	 * --duration count turns. */
	long starts = sess && !o->requests ? (long)sess_conversations(sess) : passes;

	/* A slot a conversation: more slots than conversations would run a
	 * conversation twice at once, its rows alike and its history in the
	 * server's cache from the other copy. */
	for (size_t i = 0; sess && !o->nrates && !o->trace && i < o->nbatches; i++)
		if ((size_t)o->batches[i] > sess_conversations(sess))
			return err_set(e, ERR_USAGE, "batch size %ld needs as many conversations at once; "
				       "the corpus%s has %zu", o->batches[i],
				       o->shard_n > 1 ? " (this shard)" : "", sess_conversations(sess));

	ss->v = calloc(n, sizeof *ss->v);
	ss->times = calloc(n, sizeof *ss->times);
	if (!ss->v || !ss->times)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	ss->n = n;
	for (size_t i = 0; i < n; i++) {
		struct eng_step *s = &ss->v[i];

		s->warmup = o->warmup;
		if (o->trace) {
			int64_t *t = malloc(c->n * sizeof *t);
			struct arrival *ar = malloc(c->n * sizeof *ar);

			ss->trace_rows = malloc(c->n * sizeof *ss->trace_rows);
			if (!t || !ar || !ss->trace_rows) {
				free(t);
				free(ar);
				return err_set(e, ERR_SOFTWARE, "out of memory");
			}
			for (size_t k = 0; k < c->n; k++) {
				if (isnan(c->rows[k].arrival_s)) {
					free(t);
					free(ar);
					if (!c->has_arrival)
						return err_set(e, ERR_DATA, "%s: no arrival_s column "
							       "(--trace sends each row at its arrival_s)",
							       o->corpus);
					return err_set(e, ERR_DATA,
						       "%s:%ld: arrival_s: empty (--trace needs every row's)",
						       o->corpus, c->rows[k].line);
				}
				ar[k].s = c->rows[k].arrival_s;
				ar[k].row = k;
			}
			qsort(ar, c->n, sizeof *ar, by_arrival);
			for (size_t k = 0; k < c->n; k++) {
				ss->trace_rows[k] = ar[k].row;
				/* Bounded: arrival_s by the corpus, the scale by
				 * --time-scale; the product must fit in ns too. */
				if (ar[k].s / o->time_scale > CORPUS_MAX_ARRIVAL_S) {
					int rc = err_set(e, ERR_USAGE, "%s:%ld: arrival_s %g at --time-scale %g "
							 "is past %g s (a year)", o->corpus,
							 c->rows[ar[k].row].line, ar[k].s, o->time_scale,
							 (double)CORPUS_MAX_ARRIVAL_S);

					free(t);
					free(ar);
					return rc;
				}
				t[k] = (int64_t)llround(ar[k].s / o->time_scale * CLK_NS_PER_S);
			}
			free(ar);
			ss->times[i] = t;
			s->kind = "trace";
			s->schedule = "trace";
			s->value = 0;
			s->times = t;
			s->ntimes = c->n;
			s->rows = ss->trace_rows;
			s->max_inflight = o->max_concurrency;
		} else if (o->nrates) {
			const struct sched_rate *sr = &o->rate;
			int64_t *t;
			int rc;

			/* Made here to refuse a bad one before anything is sent,
			 * then again when the step starts: 8 bytes a send, and
			 * every step's at once took 400 MB at --rate
			 * 2000,4000,8000 --duration 3600. */
			ss->starts = starts;
			if ((rc = rate_times(o, ss, i, sess != NULL, &t, &s->ntimes, e)))
				return rc;
			free(t);
			s->kind = "rate";
			s->value = o->rates[i];
			/* A ramp's rows say so: its step is the rate it ends at,
			 * and it would pool with a flat step of that rate. */
			if (sr->ramp != RAMP_NONE)
				s->schedule = sr->arr == ARR_CONSTANT ? "constant-ramp"
					      : sr->arr == ARR_GAMMA  ? "gamma-ramp"
								     : "poisson-ramp";
			else
				s->schedule = sr->arr == ARR_CONSTANT ? "constant"
					      : sr->arr == ARR_GAMMA  ? "gamma"
								     : "poisson";
			s->max_inflight = o->max_concurrency;
			if (sess) {
				s->requests = o->requests;
				s->duration_ns = (int64_t)(o->duration_s * CLK_NS_PER_S);
			}
		} else {
			s->kind = "batch";
			s->value = (double)o->batches[i];
			s->batch = o->batches[i];
			s->waves = o->schedule == SCHED_WAVES;
			s->schedule = s->waves ? "waves" : "window";
			s->requests = o->duration_s && !o->requests ? 0 : passes;
			s->duration_ns = (int64_t)(o->duration_s * CLK_NS_PER_S);
			if (sess) {
				s->requests = o->requests;
				s->conversations = o->requests || o->duration_s ? 0 : starts;
			}
		}
	}
	return 0;
}

/* A rate step's schedule is made when the step starts and freed when it
 * ends (an hour at a high rate is hundreds of MB). */
static int made_at_start(const struct eng_step *s)
{
	return !strcmp(s->kind, "rate");
}

/*
 * A sweep that sends more requests than the corpus has rows sends prompts
 * again (each step replays the corpus from where the last one stopped),
 * and a server with prefix caching answers a repeat from its cache: TTFT
 * from there on is low for that reason, not the load. Said before the
 * run, as the server may not report cached_tokens (vLLM does not by
 * default) for llmanalyze to note it. Not for conversations (their turns
 * share a prefix by design), --prompt, a trace, or a step of a duration.
 */
static void note_repeats(const struct opts *o, const struct corpus *c,
			 const struct sess *sess, const struct stepset *ss)
{
	long sent = 0;
	const struct eng_step *from = NULL;

	if (o->quiet || sess || o->trace || o->nprompts || !c->n)
		return;
	for (size_t i = 0; i < ss->n; i++) {
		const struct eng_step *s = &ss->v[i];
		/* A rate step's times are made when it starts; their count now. */
		long k = s->times || made_at_start(s) ? (long)s->ntimes
			 : s->requests ? s->requests + s->warmup : -1;

		if (k < 0)
			return;
		sent += k;
		if (!from && sent > (long)c->n)
			from = s;
	}
	if (from)
		fprintf(stderr, "llmrun: note: the sweep sends %ld requests from %zu corpus rows, so "
			"prompts repeat from the step at %s %g on; a server with prefix caching (vLLM's "
			"default) answers a repeat from its cache, and TTFT there comes out low: "
			"a corpus of %ld rows with --requests, or the server's prefix caching off, "
			"avoids it\n",
			sent, c->n, from->kind, from->value, sent);
}

/* A conversation corpus needs a chat dialect (completion prompts have no
 * turns to put the history in) and a schedule that sends turns as replies
 * end. ERR_USAGE, or 0. */
static int sessions_check(const struct opts *o, struct err *e)
{
	for (size_t i = 0; i < o->ntargets; i++)
		if (!o->targets[i].api->chat)
			return err_set(e, ERR_USAGE, "%s is a conversation corpus: replaying its "
				       "history needs a chat dialect (--api openai-chat), not %s",
				       o->corpus, o->targets[i].api->name);
	if (o->trace)
		return err_set(e, ERR_USAGE, "%s is a conversation corpus: --trace does not "
			       "replay conversations (use --rate or --batch-sizes)", o->corpus);
	if (o->nbatches && o->schedule == SCHED_WAVES)
		return err_set(e, ERR_USAGE, "%s is a conversation corpus: --schedule waves "
			       "does not replay conversations (window does)", o->corpus);
	return 0;
}

/* How a target's chunks were stamped (docs/formats.md, stamp_taken):
 * from a peek of the bytes waiting (plain HTTP/1.1), in libcurl's reads
 * (--stamp recv; TLS, whose peeked bytes are ciphertext, when the reads
 * go through llmrun's recv()), or when read (--stamp read, HTTP/2 frames,
 * TLS read past llmrun). */
static const char *stamp_taken(const struct opts *o, const char *url)
{
	if (o->stamp == STAMP_READ || o->http2)
		return "read";
	if (strncasecmp(url, "https:", 6) == 0)
		return o->recv_wrap ? "recv" : "read";
	return o->stamp == STAMP_RECV ? "recv" : "peek";
}

static json_t *meta_new(const struct opts *o, const char *run_id,
			const struct clk_anchor *a, const struct stepset *ss,
			const char *tok)
{
	json_t *m = json_object(), *t = json_array(), *st = json_array();
	const char *run_taken = NULL; /* the targets' stamp_taken, or "mixed" */
	char host[256] = "", when[64] = "";
	time_t now = (time_t)(a->wall_ns / CLK_NS_PER_S);
	struct tm tm;

	gethostname(host, sizeof host - 1);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	json_object_set_new(m, "tool", json_string("llmrun"));
	json_object_set_new(m, "version", json_string(LLMBENCH_VERSION));
	json_object_set_new(m, "run_id", json_string(run_id));
	json_object_set_new(m, "command", secret_argv_redacted(o));
	json_object_set_new(m, "start_time", json_string(when));
	json_object_set_new(m, "host", json_string(host));
	json_object_set_new(m, "pid", json_integer(getpid()));
	for (size_t i = 0; i < o->ntargets; i++) {
		char *shown = secret_url_shown(o->targets[i].url);
		/* Not UTF-8 (a byte in a query): json_pack failed, and the
		 * target was left out of the metadata. */
		char *u = shown ? utf8_lossy(shown) : NULL;
		const char *taken = stamp_taken(o, o->targets[i].url);

		json_array_append_new(
			t, json_pack("{s:s,s:s?,s:s,s:s,s:s}", "name", o->targets[i].name,
				     "url", u, "model", o->targets[i].model, "api",
				     o->targets[i].api->name, "stamp_taken", taken));
		free(u);
		free(shown);
		if (!run_taken)
			run_taken = taken;
		else if (strcmp(run_taken, taken) != 0)
			run_taken = "mixed";
	}
	json_object_set_new(m, "targets", t);
	/* What was replayed, for llmanalyze's report to name (a file name
	 * that is not UTF-8 was lost: json_string refuses it). */
	if (o->prompt_file || o->corpus) {
		char *shown = utf8_lossy(o->prompt_file ? o->prompt_file : o->corpus);

		json_object_set_new(m, "corpus", json_string(shown ? shown : "?"));
		free(shown);
	} else {
		json_object_set_new(m, "corpus", json_null());
	}
	json_object_set_new(m, "model", json_string(o->targets[0].model));
	json_object_set_new(m, "stream", json_boolean(o->stream));
	json_object_set_new(m, "stamp", json_string(o->stamp == STAMP_READ ? "read" : "kernel"));
	json_object_set_new(m, "stamp_taken", json_string(run_taken ? run_taken : "read"));
	/* Whether libcurl's reads went through llmrun's recv() and poll()
	 * (recvstamp.h: a system call fewer a read). */
	json_object_set_new(m, "recv_wrapper", json_boolean(o->recv_wrap));
	json_object_set_new(m, "spin_us", json_integer(o->spin_us));
	json_object_set_new(m, "tokenizer", tok ? json_string(tok) : json_null());
	json_object_set_new(m, "seed", json_integer((json_int_t)o->seed));
	json_object_set_new(m, "shard", json_pack("{s:i,s:i}", "index", (int)o->shard_i,
						  "count", (int)o->shard_n));
	for (size_t i = 0; i < ss->n; i++)
		json_array_append_new(st, json_pack("{s:s,s:f,s:s}", "kind", ss->v[i].kind,
						    "value", ss->v[i].value, "schedule",
						    ss->v[i].schedule));
	json_object_set_new(m, "steps", st);
	json_object_set_new(m, "max_concurrency", o->max_concurrency
				  ? json_integer(o->max_concurrency) : json_null());
	json_object_set_new(m, "anchor", json_pack("{s:I,s:I}", "mono_ns",
						   (json_int_t)a->mono_ns, "wall_ns",
						   (json_int_t)a->wall_ns));
	return m;
}

/* A step's outcome in the metadata, beside its definition. */
static void step_result(json_t *meta, const char *label, const struct prog *p)
{
	json_t *a = json_object_get(meta, "results"), *r;
	double rate = counts_success_rate(&p->out);

	if (!a) {
		a = json_array();
		json_object_set_new(meta, "results", a);
	}
	r = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}", "step", label,
		      "requests", (json_int_t)p->out.requests, "ok", (json_int_t)p->out.ok,
		      "failed", (json_int_t)p->out.failed,
		      "cancelled", (json_int_t)p->out.cancelled,
		      "warmup", (json_int_t)p->warmup);
	if (!r)
		return;
	json_object_set_new(r, "success_rate", isnan(rate) ? json_null() : json_real(rate));
	json_object_set_new(r, "client_lag_p50_ms",
			    isnan(p->lag_p50_ms) ? json_null() : json_real(p->lag_p50_ms));
	json_object_set_new(r, "client_lag_p99_ms",
			    isnan(p->lag_p99_ms) ? json_null() : json_real(p->lag_p99_ms));
	json_object_set_new(r, "ttft_merged", json_integer(p->merged));
	json_object_set_new(r, "ttft_merge_known", json_integer(p->merge_known));
	json_object_set_new(r, "wall_clock_steps", json_integer(p->clock_steps));
	json_object_set_new(r, "wall_clock_step_max_ms",
			    json_real((double)p->clock_step_max_ns / 1e6));
	json_object_set_new(r, "stamps_across_steps", json_integer(p->stamps_bounded));
	json_array_append_new(a, r);
}

/* The outputs, before any input is read or request sent: none may be an
 * input (it would be overwritten), the metadata not the results, and each
 * must be writable (a read-only folder found after the probe had already
 * sent a request). */
static int check_outputs(const struct opts *o, struct err *e)
{
	const struct { const char *what, *path; } in[] = {
		{ "the corpus", o->prompt_file ? o->prompt_file : o->corpus },
		{ "the targets file", o->targets_file },
		{ "the API key file", o->key_file },
		{ "the --cacert file", o->cacert },
	};
	char *meta = NULL, *metrics = NULL;
	int rc = 0;

	if (o->meta)
		meta = strdup(o->meta);
	else if (!ofile_stream(o->out) && asprintf(&meta, "%s.meta.json", o->out) < 0)
		meta = NULL;
	/* As scrape_begin names it. */
	if (o->scrape && !ofile_stream(o->out) && asprintf(&metrics, "%s.metrics.csv", o->out) < 0)
		metrics = NULL;
	for (size_t i = 0; !rc && i < sizeof in / sizeof in[0]; i++) {
		if (!in[i].path)
			continue;
		if (ofile_same(o->out, in[i].path))
			rc = err_set(e, ERR_USAGE, "-o %s is %s: it would be overwritten", o->out,
				     in[i].what);
		else if (meta && ofile_same(meta, in[i].path))
			rc = err_set(e, ERR_USAGE, "--meta %s is %s: it would be overwritten", meta,
				     in[i].what);
		else if (metrics && ofile_same(metrics, in[i].path))
			rc = err_set(e, ERR_USAGE, "--scrape writes %s, which is %s: it would be "
				     "overwritten", metrics, in[i].what);
	}
	if (!rc && meta && ofile_same(meta, o->out))
		rc = err_set(e, ERR_USAGE, "--meta %s is the results file (-o): the metadata would replace the results", meta);
	if (!rc && meta && metrics && ofile_same(meta, metrics))
		rc = err_set(e, ERR_USAGE, "--meta %s is where --scrape writes the server's metrics", meta);
	if (!rc && !(rc = ofile_check(o->out, e)) && meta)
		rc = ofile_check(meta, e);
	free(meta);
	free(metrics);
	return rc;
}

/* Every stream holds a socket: at the soft limit's 1,024 (a common
 * default) the 1,025th connect failed, and was counted as the server
 * refusing it. So the soft limit goes up to the hard one (lib/fdlimit),
 * and a plan with more streams than that is refused before anything is
 * sent. Streams of an open loop without --max-concurrency cannot be
 * known ahead. ERR_USAGE or 0. */
static int fd_room(const struct opts *o, struct err *e)
{
	/* epoll sets, timers, results and metadata files, the scraper, the
	 * resolver: what the run holds beside its streams. */
	enum { SPARE = 64 };
	long long limit = fdlimit_raise();
	long need = o->preconnect_n > o->max_concurrency ? o->preconnect_n : o->max_concurrency;

	for (size_t i = 0; i < o->nbatches; i++)
		if (o->batches[i] > need)
			need = o->batches[i];
	if (limit >= 0 && need && need + SPARE > limit)
		return err_set(e, ERR_USAGE, "%ld streams need about %ld file descriptors, and the "
			       "limit is %lld (ulimit -Hn): raise it, or fewer streams", need,
			       need + SPARE, limit);
	return 0;
}

/* A step that had requests and no success (server down, a wrong model or
 * path) stops the run: the sweep would only repeat it. So does one below
 * --min-success. ERR_UNAVAILABLE (69), or 0. */
static int step_check(const struct opts *o, const char *label,
		      const struct prog *p, struct err *e)
{
	double rate = counts_success_rate(&p->out);

	/* Nothing measured at all (every request a warmup one) is no
	 * success either; a step the user interrupted is not judged. */
	if (p->out.ok == 0 && p->out.failed == 0 && p->out.cancelled == 0)
		return err_set(e, ERR_UNAVAILABLE, "%s: no request was measured%s%ld%s", label,
			       p->warmup ? ": all " : " (", p->warmup,
			       p->warmup ? " were warmup ones (--warmup is more than the step sent)" : " warmup)");
	if (p->out.ok == 0 && p->out.failed > 0) {
		int top = RC_HTTP_4XX;

		for (int c = RC_HTTP_4XX; c < RC_CANCELLED; c++)
			if (p->by_class[c] > p->by_class[top])
				top = c;
		return err_set(e, ERR_UNAVAILABLE, "%s: no request succeeded: %ld of %zu %s: %s",
			       label, p->by_class[top], p->out.failed,
			       rec_class_name((enum rclass)top), p->first_err[top]);
	}
	/* Most of a step's requests found no server: it went away mid-run
	 * (its rows say so), and a run that lost its server did not pass. A
	 * few connect failures under load stay a measurement. */
	if (2 * p->by_class[RC_CONNECT] > (long)p->out.requests)
		return err_set(e, ERR_UNAVAILABLE, "%s: %ld of %zu requests could not connect "
			       "(%s): the server went away?", label, p->by_class[RC_CONNECT],
			       p->out.requests, p->first_err[RC_CONNECT]);
	if (o->min_success > 0 && !isnan(rate) && rate < o->min_success)
		return err_set(e, ERR_UNAVAILABLE, "%s: success rate %.3f is below "
			       "--min-success %g", label, rate, o->min_success);
	return 0;
}

static void say_scrape(void *user, const char *msg)
{
	char *shown = secret_url_shown(user);

	/* From the scraper's thread: after the progress line, not inside it
	 * (prog_tick holds the stream's lock while it draws), and on a line
	 * of its own on a terminal. */
	flockfile(stderr);
	fprintf(stderr, "%sllmrun: --scrape %s: %s\n", isatty(2) ? "\r\033[K" : "",
		shown ? shown : "URL", msg);
	funlockfile(stderr);
	free(shown);
}

/* --scrape: the URL (given, or the first target's origin + /metrics: vLLM
 * serves it at the root, whatever path the API has) and the thread. */
static int scrape_begin(const struct opts *o, const struct clk_anchor *a,
			char **url, char **path, struct scrape **out, struct err *e)
{
	CURLU *u = curl_url();
	struct scrape_conf sc;
	char *cu = NULL;

	if (!o->scrape_url &&
	    (!u || curl_url_set(u, CURLUPART_URL, o->targets[0].url, 0) ||
	     curl_url_set(u, CURLUPART_PATH, "/metrics", 0) ||
	     curl_url_set(u, CURLUPART_QUERY, NULL, 0) ||
	     curl_url_get(u, CURLUPART_URL, &cu, 0))) {
		char *shown = secret_url_shown(o->targets[0].url);

		curl_url_cleanup(u);
		err_set(e, ERR_USAGE, "--scrape: cannot make a URL from '%.200s'; give one",
			shown ? shown : "?");
		free(shown);
		return ERR_USAGE;
	}
	curl_url_cleanup(u);
	*url = strdup(o->scrape_url ? o->scrape_url : cu);
	curl_free(cu);
	if (!*url || asprintf(path, "%s.metrics.csv", o->out) < 0)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	sc = (struct scrape_conf){
		.url = *url, .interval_s = o->scrape_interval_s, .path = *path,
		.max_bytes = o->scrape_max_bytes, .anchor = a, .o = o,
		.say = say_scrape, .user = *url,
	};
	return scrape_start(&sc, out, e);
}

static int pub_scrape(void *ud, struct err *e)
{
	return scrape_publish(ud, e);
}

/* Stops the scraper and says what it got; its file is named when commit
 * (the results were, or will be). Returns 0 or ERR_IO. */
static int scrape_end(const struct opts *o, struct scrape *s, int commit, const char *path,
		      struct err *e)
{
	struct scrape_stats st;
	int rc = scrape_stop(s, commit, &st, e);

	/* Not named when it is not there: a run ended before its first step
	 * leaves an earlier file of that name as it was. */
	if (!st.kept) {
		if (!o->quiet)
			fprintf(stderr, "llmrun: --scrape: %ld scrapes not kept: the run ended before "
				"its first step\n", st.tries);
	} else if (st.failed)
		fprintf(stderr, "llmrun: --scrape: %ld of %ld scrapes failed; %s has the rest\n",
			st.failed, st.tries, path);
	else if (!o->quiet) {
		struct rusage ru;
		double all = 0;

		/* The scraper's share of llmrun's CPU: what scraping cost. */
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			all = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
		fprintf(stderr, "llmrun: --scrape: %ld scrapes, %ld samples in %s; scraper CPU %.3f s",
			st.tries, st.rows, path, st.cpu_s);
		if (all > 0)
			fprintf(stderr, " (%.2f%% of llmrun's)", 100 * st.cpu_s / all);
		fputc('\n', stderr);
	}
	return rc;
}

static int fail(const struct err *e)
{
	fprintf(stderr, "llmrun: %s\n", e->msg);
	if (e->code == ERR_USAGE)
		fprintf(stderr, "try 'llmrun --help'\n");
	return e->code;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct corpus c = {0};
	struct stepset ss = {0};
	struct rec *rec = NULL;
	int written;
	struct tok *tok = NULL;
	struct sess *sess = NULL;
	struct clk_anchor anchor;
	struct err e = {0};
	struct prog pg = {0};
	json_t *meta = NULL;
	char run_id[64], *meta_path = NULL, *scrape_url = NULL, *scrape_path = NULL;
	struct scrape *scr = NULL;
	int rc, interrupted = 0, status = 0;

	rc = opts_parse(argc, argv, &o, &e);
	if (rc < 0) {
		opts_free(&o);
		if (ferror(stdout) | fclose(stdout)) {
			fprintf(stderr, "llmrun: write error on stdout\n");
			return ERR_IO;
		}
		return 0;
	}
	if (rc) {
		opts_free(&o);
		return fail(&e);
	}
	if (o.note[0] && !o.quiet)
		fprintf(stderr, "llmrun: %s\n", o.note);
	for (size_t ti = 0; ti < o.ntargets && !o.quiet; ti++) {
		const struct api *a = o.targets[ti].api;

		/* Not sent, so not in effect: a comparison across engines
		 * would compare other output lengths without a word. */
		int eos = o.ignore_eos && a->no_ignore_eos, min = o.min_tokens >= 0 && a->no_min_tokens;

		if (eos || min)
			fprintf(stderr, "llmrun: warning: %s%s--api %s has no parameter for %s%s%s: not sent "
				"(its answers may end early)\n", o.ntargets > 1 ? o.targets[ti].name : "",
				o.ntargets > 1 ? ": " : "", a->name, eos ? "--ignore-eos" : "",
				eos && min ? " or " : "", min ? "--min-tokens" : "");
	}
	if ((rc = check_outputs(&o, &e)) || (rc = fd_room(&o, &e))) {
		opts_free(&o);
		return fail(&e);
	}
	/* libcurl reads through llmrun where it calls llmrun's recv() and
	 * reads HTTP/1.1 (h2 frames interleave streams) for kernel stamps;
	 * stamps in those reads need that, else they come from a peek. */
	o.recv_wrap = o.stamp != STAMP_READ && !o.http2 && rst_available();
	if (o.stamp == STAMP_RECV && !o.recv_wrap) {
		o.stamp = STAMP_KERNEL;
		if (!o.quiet)
			fprintf(stderr, "llmrun: --stamp recv needs libcurl's reads to go through "
				"llmrun (HTTP/1.1, a dynamic libcurl): stamps come from a peek\n");
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		opts_free(&o);
		fprintf(stderr, "llmrun: libcurl did not initialize\n");
		return ERR_SOFTWARE;
	}
	if ((rc = o.prompt_file ? corpus_load_lines(o.prompt_file, o.shard_i, o.shard_n, &c, &e)
		  : o.nprompts ? corpus_from_prompts(o.prompts, o.nprompts, &c, &e)
			       : corpus_load(o.corpus, o.shard_i, o.shard_n, &c, &e)) ||
	    (!c.has_conv && o.think_max_s > 0 &&
	     (rc = err_set(&e, ERR_USAGE, "--think-time is for a corpus of conversations "
			   "(conversation_id, turn): %s%s", o.corpus ? o.corpus : "prompts have none",
			   o.corpus ? " has none" : ""))) ||
	    (c.has_conv && ((rc = sessions_check(&o, &e)) ||
			    (rc = sess_new(&c, o.shard_i, o.shard_n,
					   &(struct sess_think){o.think_min_s, o.think_max_s},
					   o.seed, &sess, &e)))) ||
	    (rc = make_steps(&o, &c, sess, &ss, &e)) ||
	    (o.tokenizer && (rc = tok_open(o.tokenizer, &tok, &e))))
		goto out;
	note_repeats(&o, &c, sess, &ss);

	/* Before anything is written: the model, then one request. */
	for (size_t ti = 0; !rc && ti < o.ntargets; ti++) {
		char note[400] = "";
		struct opts ot;

		tgt_opts(&o, &o.targets[ti], &ot);
		if (o.targets[ti].lookup_model && !o.no_probe &&
		    !(rc = probe_model(&ot, &o.targets[ti], note, sizeof note, &e)) && !o.quiet)
			fprintf(stderr, "llmrun: %s\n", note);
		if (!rc)
			rc = http_bind(&o.targets[ti], &e);
		if (!rc && !o.no_probe && c.n) {
			/* A prompt of its own, not the corpus's first: a server
			 * with prefix caching would answer that request of the
			 * sweep from its cache (640 of 650 tokens, half the
			 * TTFT). A few tokens fill no cache block. */
			struct corpus_row pr = c.rows[0];

			pr.prompt = (char *)PROBE_PROMPT;
			pr.prompt_len = sizeof PROBE_PROMPT - 1;
			pr.input_tokens = -1;
			rc = probe_request(&ot, &o.targets[ti], &pr, &e);
		}
	}
	if (rc) {
		err_prefix(&e, "before the sweep (--no-probe skips this)");
		goto out;
	}

	anchor = clk_anchor_now();
	if (o.run_id)
		snprintf(run_id, sizeof run_id, "%s", o.run_id);
	else
		snprintf(run_id, sizeof run_id, "%llx-%lx",
			 (unsigned long long)(anchor.wall_ns / CLK_NS_PER_US), (long)getpid());
	/* Without --run-id each shard is a run of its own; with it, the
	 * shards are one run, as the study they make. */
	if (o.shard_n > 1 && !o.run_id) {
		size_t l = strlen(run_id);

		snprintf(run_id + l, sizeof run_id - l, "-s%ldof%ld", o.shard_i, o.shard_n);
	}
	if (o.meta)
		meta_path = strdup(o.meta);
	else if (!ofile_stream(o.out) && asprintf(&meta_path, "%s.meta.json", o.out) < 0)
		meta_path = NULL;
	meta = meta_new(&o, run_id, &anchor, &ss, tok ? tok_name(tok) : NULL);
	if (meta && sess)
		json_object_set_new(meta, "conversations",
				    json_pack("{s:I,s:I,s:f,s:f}", "count",
					      (json_int_t)sess_conversations(sess), "turns",
					      (json_int_t)sess_turns(sess), "think_min_s",
					      o.think_min_s, "think_max_s", o.think_max_s));
	/* The metadata is written with the first row (rec_open). */
	if ((rc = rec_open(o.out, meta_path, meta, &anchor, &rec, &e)))
		goto out;

	sigstop_catch(on_signal);
	/* Send times and libcurl's timers fire when due, not up to 50 us
	 * later (the kernel's default timer slack; a send's lag counts). */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	/* On failure the sweep below does not start. The scrapes' file is
	 * named with the results (the first step's start). */
	if (o.scrape && !(rc = scrape_begin(&o, &anchor, &scrape_url, &scrape_path, &scr, &e)))
		rec_on_publish(rec, pub_scrape, scr);

	for (size_t ti = 0; ti < o.ntargets && !interrupted && !rc; ti++) {
		struct opts ot; /* o with the target's key and headers */
		struct eng_ctx cx = {
			.o = &ot, .t = &o.targets[ti], .c = &c, .rec = rec,
			.run_id = run_id, .stop = &stop_flag,
			.count = tok ? count_tokens : NULL, .tok = tok,
			.samples = o.show_samples ? stderr : NULL,
			.sess = sess,
		};
		struct eng *g;

		/* Each target replays the same conversations, as it does the
		 * same rows, with the same think times. */
		if (sess)
			sess_rewind(sess);
		tgt_opts(&o, &o.targets[ti], &ot);
		if ((rc = eng_new(&cx, &g, &e)))
			break;
		for (size_t si = 0; si < ss.n && !interrupted; si++) {
			struct eng_step *s = &ss.v[si];
			char label[64];
			long total;

			if (made_at_start(s)) {
				if ((rc = rate_times(&o, &ss, si, sess != NULL, &ss.times[si], &s->ntimes, &e)))
					break;
				s->times = ss.times[si];
			}
			total = sess ? (s->requests ? s->requests + s->warmup
				       : s->duration_ns ? -1 : (long)sess_turns(sess))
				: s->times ? (long)s->ntimes
				: s->requests ? s->requests + s->warmup : -1;

			/* A ramp's step is its span of rates, not its end. */
			if (o.rate.ramp != RAMP_NONE && !s->batch && !s->rows)
				snprintf(label, sizeof label, "%s%sramp=%s:%g:%g",
					 o.ntargets > 1 ? o.targets[ti].name : "", o.ntargets > 1 ? " " : "",
					 o.rate.ramp == RAMP_EXP ? "exp" : "linear",
					 o.rate.ramp_start, o.rate.ramp_end);
			else
				snprintf(label, sizeof label, "%s%s%s=%g", o.ntargets > 1 ? o.targets[ti].name : "",
					 o.ntargets > 1 ? " " : "", s->kind, s->value);
			prog_start(&pg, o.quiet ? NULL : stderr, isatty(2), label, total,
				   clk_mono_ns());
			pg.max_inflight = s->max_inflight;
			rc = eng_run_step(g, s, &pg, &interrupted, &e);
			if (made_at_start(s)) {
				free(ss.times[si]);
				ss.times[si] = NULL;
				s->times = NULL;
			}
			prog_end(&pg, clk_mono_ns());
			step_result(meta, label, &pg);
			if (!rc && !interrupted && (rc = step_check(&o, label, &pg, &e)))
				break;
			if (rc)
				break;
		}
		eng_free(g);
		if (sess && sess_copies(sess) && !o.quiet)
			fprintf(stderr, "llmrun: %s%s%zu conversations were started while a copy of them "
				"was still going (the corpus has %zu for this rate): their rows share "
				"conversation ids, and a prefix cache holds the copy's history\n",
				o.ntargets > 1 ? o.targets[ti].name : "", o.ntargets > 1 ? ": " : "",
				sess_copies(sess), sess_conversations(sess));
	}
	if (scr) {
		struct err se = {0};
		int src = scrape_end(&o, scr, rec_published(rec) || (!rc && !interrupted), scrape_path, &se);

		scr = NULL;
		if (src && !rc) {
			rc = src;
			e = se;
		}
	}
	/* A run that failed or was stopped before its first step started
	 * leaves an earlier results file of that name, and its metadata, as
	 * they were. */
	written = rec && (rec_published(rec) || (!rc && !interrupted));
	if (rec) {
		struct err ce = {0};
		int crc = rec_close(rec, written, &ce);

		if (crc && !rc) {
			rc = crc;
			e = ce;
		}
	}
	if (meta_path && written) {
		struct err me = {0};

		json_object_set_new(meta, "end_wall_ns", json_integer(clk_wall_ns()));
		json_object_set_new(meta, "interrupted", json_boolean(interrupted));
		/* How the run ended: its exit status, and why when it failed
		 * (a step below --min-success, --max-errors), so a reader of
		 * the files alone knows. */
		json_object_set_new(meta, "exit_status", json_integer(rc ? rc : interrupted ? 130 : 0));
		if (rc) {
			char m[sizeof e.msg];
			size_t bad;

			/* Cut where it stops being UTF-8 (a message cut to size
			 * inside a quoted character): JSON takes nothing else,
			 * and a NULL would leave the error out silently. */
			snprintf(m, sizeof m, "%s", e.msg);
			if (!utf8_valid(m, strlen(m), &bad))
				m[bad] = '\0';
			json_object_set_new(meta, "error", json_string(m));
		}
		if (rec_meta_write(meta_path, meta, &me)) {
			/* Said even when the run failed already (a full disk
			 * fails both): else the metadata's missing end reads
			 * as a run killed or still going, with no word why. */
			if (!rc) {
				rc = me.code;
				e = me;
			} else {
				fprintf(stderr, "llmrun: %s (the metadata keeps no end marker)\n", me.msg);
			}
		}
	}
out:
	if (rc)
		status = fail(&e);
	else if (interrupted)
		status = 130;
	prog_free(&pg);
	json_decref(meta);
	free(meta_path);
	free(scrape_url);
	free(scrape_path);
	steps_free(&ss);
	sess_free(sess);
	corpus_free(&c);
	tok_free(tok);
	opts_free(&o);
	curl_global_cleanup();
	if (ferror(stdout) | fclose(stdout)) {
		fprintf(stderr, "llmrun: write error on stdout\n");
		return ERR_IO;
	}
	return status;
}
