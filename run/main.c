/* llmrun: replays a corpus against an LLM endpoint and records one CSV row
 * per request. Only this file prints errors and chooses the exit code. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "clk.h"
#include "corpus.h"
#include "engine.h"
#include "fdlimit.h"
#include "http.h"
#include "meta.h"
#include "ofile.h"
#include "options.h"
#include "probe.h"
#include "progress.h"
#include "counts.h"
#include "record.h"
#include "recvstamp.h"
#include "scrape.h"
#include "secrets.h"
#include "session.h"
#include "sigstop.h"
#include "steps.h"
#include "targets.h"
#include "tok.h"

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
	long sent;
	const struct eng_step *from;

	if (o->quiet || sess || o->trace || o->nprompts || !c->n)
		return;
	from = steps_repeat_from(ss, c->n, &sent);
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
	char *meta = meta_path_new(o), *metrics = NULL;
	int rc = 0;

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

/* At exit: a write to stdout that failed (--help into /dev/full) is an
 * error of its own. Returns status, or ERR_IO. */
static int close_stdout(int status)
{
	if (ferror(stdout) | fclose(stdout)) {
		fprintf(stderr, "llmrun: write error on stdout\n");
		return ERR_IO;
	}
	return status;
}

/* What main holds from the options to the exit; the phases below fill it
 * in turn, and run_free releases it. */
struct run {
	struct opts o;
	struct corpus c;
	struct stepset ss;
	struct tok *tok;   /* --tokenizer's, or NULL */
	struct sess *sess; /* a conversation corpus's, or NULL */
	struct clk_anchor anchor;
	char run_id[64];
	char *meta_path;   /* NULL: no metadata (-o to a stream) */
	json_t *meta;
	struct rec *rec;
	struct scrape *scr; /* --scrape's thread while it runs, else NULL */
	char *scrape_url, *scrape_path;
	struct prog pg;
	int interrupted;   /* the stop flag ended a step */
	struct err e;      /* the run's error: the first one */
};

/* Notes from reading the options, and the parameters a target's dialect
 * cannot send; none with -q. */
static void say_notes(const struct opts *o)
{
	if (o->note[0] && !o->quiet)
		fprintf(stderr, "llmrun: %s\n", o->note);
	for (size_t ti = 0; ti < o->ntargets && !o->quiet; ti++) {
		const struct api *a = o->targets[ti].api;

		/* Not sent, so not in effect: a comparison across engines
		 * would compare other output lengths without a word. */
		int eos = o->ignore_eos && a->no_ignore_eos, min = o->min_tokens >= 0 && a->no_min_tokens;

		if (eos || min)
			fprintf(stderr, "llmrun: warning: %s%s--api %s has no parameter for %s%s%s: not sent "
				"(its answers may end early)\n", o->ntargets > 1 ? o->targets[ti].name : "",
				o->ntargets > 1 ? ": " : "", a->name, eos ? "--ignore-eos" : "",
				eos && min ? " or " : "", min ? "--min-tokens" : "");
	}
}

/* Sets o->recv_wrap, and falls back from --stamp recv to a peek where
 * libcurl's reads cannot go through llmrun (said unless -q). */
static void choose_stamp(struct opts *o)
{
	/* libcurl reads through llmrun where it calls llmrun's recv() and
	 * reads HTTP/1.1 (h2 frames interleave streams) for kernel stamps;
	 * stamps in those reads need that, else they come from a peek. */
	o->recv_wrap = o->stamp != STAMP_READ && !o->http2 && rst_available();
	if (o->stamp == STAMP_RECV && !o->recv_wrap) {
		o->stamp = STAMP_KERNEL;
		if (!o->quiet)
			fprintf(stderr, "llmrun: --stamp recv needs libcurl's reads to go through "
				"llmrun (HTTP/1.1, a dynamic libcurl): stamps come from a peek\n");
	}
}

/* The corpus (or the prompts), its conversations, the steps and the
 * tokenizer, each refused before anything is sent; then the note of a
 * sweep whose prompts repeat. 0, or the first error in r->e. */
static int load_inputs(struct run *r)
{
	const struct opts *o = &r->o;
	struct err *e = &r->e;
	int rc;

	if ((rc = o->prompt_file ? corpus_load_lines(o->prompt_file, o->shard_i, o->shard_n, &r->c, e)
		  : o->nprompts ? corpus_from_prompts(o->prompts, o->nprompts, &r->c, e)
			       : corpus_load(o->corpus, o->shard_i, o->shard_n, &r->c, e)) ||
	    (!r->c.has_conv && o->think_max_s > 0 &&
	     (rc = err_set(e, ERR_USAGE, "--think-time is for a corpus of conversations "
			   "(conversation_id, turn): %s%s", o->corpus ? o->corpus : "prompts have none",
			   o->corpus ? " has none" : ""))) ||
	    (r->c.has_conv && ((rc = sessions_check(o, e)) ||
			       (rc = sess_new(&r->c, o->shard_i, o->shard_n,
					      &(struct sess_think){o->think_min_s, o->think_max_s},
					      o->seed, &r->sess, e)))) ||
	    (rc = steps_make(o, &r->c, r->sess, &r->ss, e)) ||
	    (o->tokenizer && (rc = tok_open(o->tokenizer, &r->tok, e))))
		return rc;
	note_repeats(o, &r->c, r->sess, &r->ss);
	return 0;
}

/* Each target's model looked up when not given, its dialect bound to it,
 * and one request sent, unless --no-probe. 0, or the first error in r->e
 * (said to come before the sweep). */
static int probe_targets(struct run *r)
{
	struct opts *o = &r->o;
	int rc = 0;

	/* Before anything is written: the model, then one request. */
	for (size_t ti = 0; !rc && ti < o->ntargets; ti++) {
		char note[400] = "";
		struct opts ot;

		tgt_opts(o, &o->targets[ti], &ot);
		if (o->targets[ti].lookup_model && !o->no_probe &&
		    !(rc = probe_model(&ot, &o->targets[ti], note, sizeof note, &r->e)) && !o->quiet)
			fprintf(stderr, "llmrun: %s\n", note);
		if (!rc)
			rc = http_bind(&o->targets[ti], &r->e);
		if (!rc && !o->no_probe && r->c.n) {
			/* A prompt of its own, not the corpus's first: a server
			 * with prefix caching would answer that request of the
			 * sweep from its cache (640 of 650 tokens, half the
			 * TTFT). A few tokens fill no cache block. */
			struct corpus_row pr = r->c.rows[0];

			pr.prompt = (char *)PROBE_PROMPT;
			pr.prompt_len = sizeof PROBE_PROMPT - 1;
			pr.input_tokens = -1;
			rc = probe_request(&ot, &o->targets[ti], &pr, &r->e);
		}
	}
	if (rc)
		err_prefix(&r->e, "before the sweep (--no-probe skips this)");
	return rc;
}

/* r->run_id: --run-id, else the anchor's time in us and the pid, with
 * the shard after them. */
static void name_run(struct run *r)
{
	const struct opts *o = &r->o;

	if (o->run_id)
		snprintf(r->run_id, sizeof r->run_id, "%s", o->run_id);
	else
		snprintf(r->run_id, sizeof r->run_id, "%llx-%lx",
			 (unsigned long long)(r->anchor.wall_ns / CLK_NS_PER_US), (long)getpid());
	/* Without --run-id each shard is a run of its own; with it, the
	 * shards are one run, as the study they make. */
	if (o->shard_n > 1 && !o->run_id) {
		size_t l = strlen(r->run_id);

		snprintf(r->run_id + l, sizeof r->run_id - l, "-s%ldof%ld", o->shard_i, o->shard_n);
	}
}

/* The run's clock anchor, id and metadata, and its results file opened
 * (given its name when the first step starts). 0, or rec_open's error in
 * r->e. */
static int open_run(struct run *r)
{
	r->anchor = clk_anchor_now();
	name_run(r);
	r->meta_path = meta_path_new(&r->o);
	r->meta = meta_new(&r->o, r->run_id, &r->anchor, &r->ss,
			   r->tok ? tok_name(r->tok) : NULL, r->sess);
	/* The metadata is written with the first row (rec_open). */
	return rec_open(r->o.out, r->meta_path, r->meta, &r->anchor, &r->rec, &r->e);
}

/* What the sweep needs beside its steps: the signals that stop it, a
 * timer slack of 1 ns, --scrape's thread. 0, or scrape_begin's error in
 * r->e. */
static int start_sweep(struct run *r)
{
	int rc = 0;

	sigstop_catch(on_signal);
	/* Send times and libcurl's timers fire when due, not up to 50 us
	 * later (the kernel's default timer slack; a send's lag counts). */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	/* On failure the sweep below does not start. The scrapes' file is
	 * named with the results (the first step's start). */
	if (r->o.scrape &&
	    !(rc = scrape_begin(&r->o, &r->anchor, &r->scrape_url, &r->scrape_path, &r->scr, &r->e)))
		rec_on_publish(r->rec, pub_scrape, r->scr);
	return rc;
}

/* Step si of target ti on engine g, with its progress line, and its
 * outcome in the metadata. 0, or what stops the run in r->e: the step's
 * error, or its outcome judged by step_check (unless interrupted). */
static int run_step(struct run *r, struct eng *g, size_t ti, size_t si)
{
	struct eng_step *s = &r->ss.v[si];
	char label[64];
	int rc;

	if ((rc = steps_begin(&r->o, &r->ss, si, r->sess, &r->e)))
		return rc;
	steps_label(&r->o, ti, s, label, sizeof label);
	prog_start(&r->pg, r->o.quiet ? NULL : stderr, isatty(2), label,
		   steps_total(s, r->sess), clk_mono_ns());
	r->pg.max_inflight = s->max_inflight;
	rc = eng_run_step(g, s, &r->pg, &r->interrupted, &r->e);
	steps_end(&r->ss, si);
	prog_end(&r->pg, clk_mono_ns());
	meta_step_result(r->meta, label, &r->pg);
	if (!rc && !r->interrupted)
		rc = step_check(&r->o, label, &r->pg, &r->e);
	return rc;
}

/* Target ti's steps in turn, on an engine of its own, until one stops
 * the run or it is interrupted. 0, or the error in r->e. */
static int run_target(struct run *r, size_t ti)
{
	const struct opts *o = &r->o;
	struct opts ot; /* o with the target's key and headers */
	struct eng_ctx cx = {
		.o = &ot, .t = &o->targets[ti], .c = &r->c, .rec = r->rec,
		.run_id = r->run_id, .stop = &stop_flag,
		.count = r->tok ? count_tokens : NULL, .tok = r->tok,
		.samples = o->show_samples ? stderr : NULL,
		.sess = r->sess,
	};
	struct eng *g;
	int rc;

	/* Each target replays the same conversations, as it does the
	 * same rows, with the same think times. */
	if (r->sess)
		sess_rewind(r->sess);
	tgt_opts(o, &o->targets[ti], &ot);
	if ((rc = eng_new(&cx, &g, &r->e)))
		return rc;
	for (size_t si = 0; si < r->ss.n && !r->interrupted && !rc; si++)
		rc = run_step(r, g, ti, si);
	eng_free(g);
	if (r->sess && sess_copies(r->sess) && !o->quiet)
		fprintf(stderr, "llmrun: %s%s%zu conversations were started while a copy of them "
			"was still going (the corpus has %zu for this rate): their rows share "
			"conversation ids, and a prefix cache holds the copy's history\n",
			o->ntargets > 1 ? o->targets[ti].name : "", o->ntargets > 1 ? ": " : "",
			sess_copies(r->sess), sess_conversations(r->sess));
	return rc;
}

/* Keeps the run's first error: a later one (nrc, ne) becomes the run's
 * only when rc is none. Returns the run's. */
static int keep_first(int rc, struct err *e, int nrc, const struct err *ne)
{
	if (nrc && !rc) {
		*e = *ne;
		return nrc;
	}
	return rc;
}

/* Stops --scrape's thread if it runs; its file is kept where the results
 * are. Returns the run's error (rc, or the scraper's). */
static int stop_scrape(struct run *r, int rc)
{
	struct err se = {0};
	int src;

	if (!r->scr)
		return rc;
	src = scrape_end(&r->o, r->scr, rec_published(r->rec) || (!rc && !r->interrupted),
			 r->scrape_path, &se);
	r->scr = NULL;
	return keep_first(rc, &r->e, src, &se);
}

/* The metadata's end marker (meta_end). Returns the run's error (rc, or
 * the write's); the write's failure is said even after another error. */
static int write_end_marker(struct run *r, int rc)
{
	struct err me = {0};

	if (meta_end(r->meta, r->meta_path, r->interrupted, rc, r->e.msg, &me)) {
		/* Said even when the run failed already (a full disk
		 * fails both): else the metadata's missing end reads
		 * as a run killed or still going, with no word why. */
		if (!rc) {
			rc = me.code;
			r->e = me;
		} else {
			fprintf(stderr, "llmrun: %s (the metadata keeps no end marker)\n", me.msg);
		}
	}
	return rc;
}

/* Ends a run whose results file is open, after its sweep or a failure
 * to start it (rc): the scraper stopped, the results closed, the
 * metadata's end marker written. Returns the run's error (the first), or
 * 0. */
static int end_run(struct run *r, int rc)
{
	struct err ce = {0};
	int written, crc;

	rc = stop_scrape(r, rc);
	/* A run that failed or was stopped before its first step started
	 * leaves an earlier results file of that name, and its metadata, as
	 * they were. */
	written = rec_published(r->rec) || (!rc && !r->interrupted);
	crc = rec_close(r->rec, written, &ce);
	r->rec = NULL;
	rc = keep_first(rc, &r->e, crc, &ce);
	if (r->meta_path && written)
		rc = write_end_marker(r, rc);
	return rc;
}

static void run_free(struct run *r)
{
	prog_free(&r->pg);
	json_decref(r->meta);
	free(r->meta_path);
	free(r->scrape_url);
	free(r->scrape_path);
	steps_free(&r->ss);
	sess_free(r->sess);
	corpus_free(&r->c);
	tok_free(r->tok);
	opts_free(&r->o);
}

int main(int argc, char **argv)
{
	struct run r = {0};
	int rc = opts_parse(argc, argv, &r.o, &r.e), status;

	if (rc < 0) { /* --help or --version, on stdout */
		opts_free(&r.o);
		return close_stdout(0);
	}
	if (rc) {
		opts_free(&r.o);
		return fail(&r.e);
	}
	say_notes(&r.o);
	if ((rc = check_outputs(&r.o, &r.e)) || (rc = fd_room(&r.o, &r.e))) {
		opts_free(&r.o);
		return fail(&r.e);
	}
	choose_stamp(&r.o);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		opts_free(&r.o);
		fprintf(stderr, "llmrun: libcurl did not initialize\n");
		return ERR_SOFTWARE;
	}
	if (!(rc = load_inputs(&r)) && !(rc = probe_targets(&r)) && !(rc = open_run(&r))) {
		if (!(rc = start_sweep(&r)))
			for (size_t ti = 0; ti < r.o.ntargets && !r.interrupted && !rc; ti++)
				rc = run_target(&r, ti);
		rc = end_run(&r, rc);
	}
	status = rc ? fail(&r.e) : r.interrupted ? 130 : 0;
	run_free(&r);
	curl_global_cleanup();
	return close_stdout(status);
}
