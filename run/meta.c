/* The run's metadata: see meta.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "counts.h"
#include "meta.h"
#include "ofile.h"
#include "progress.h"
#include "record.h"
#include "secrets.h"
#include "utf8.h"

char *meta_path_new(const struct opts *o)
{
	char *path = NULL;

	if (o->meta)
		path = strdup(o->meta);
	else if (!ofile_stream(o->out) && asprintf(&path, "%s.meta.json", o->out) < 0)
		path = NULL;
	return path;
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

/* The targets as the metadata lists them; *run_taken (NULL on the call)
 * becomes the stamp_taken they share, or "mixed". */
static json_t *targets_json(const struct opts *o, const char **run_taken)
{
	json_t *t = json_array();

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
		if (!*run_taken)
			*run_taken = taken;
		else if (strcmp(*run_taken, taken) != 0)
			*run_taken = "mixed";
	}
	return t;
}

json_t *meta_new(const struct opts *o, const char *run_id,
		 const struct clk_anchor *a, const struct stepset *ss,
		 const char *tok, const struct sess *sess)
{
	json_t *m = json_object(), *st = json_array();
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
	json_object_set_new(m, "targets", targets_json(o, &run_taken));
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
	if (m && sess)
		json_object_set_new(m, "conversations",
				    json_pack("{s:I,s:I,s:f,s:f}", "count",
					      (json_int_t)sess_conversations(sess), "turns",
					      (json_int_t)sess_turns(sess), "think_min_s",
					      o->think_min_s, "think_max_s", o->think_max_s));
	return m;
}

/* A step's outcome in the metadata, beside its definition. */
void meta_step_result(json_t *meta, const char *label, const struct prog *p)
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

int meta_end(json_t *meta, const char *path, int interrupted, int rc,
	     const char *msg, struct err *e)
{
	json_object_set_new(meta, "end_wall_ns", json_integer(clk_wall_ns()));
	json_object_set_new(meta, "interrupted", json_boolean(interrupted));
	/* How the run ended: its exit status, and why when it failed
	 * (a step below --min-success, --max-errors), so a reader of
	 * the files alone knows. */
	json_object_set_new(meta, "exit_status", json_integer(rc ? rc : interrupted ? 130 : 0));
	if (rc) {
		char m[ERR_MSG_MAX];
		size_t bad;

		/* Cut where it stops being UTF-8 (a message cut to size
		 * inside a quoted character): JSON takes nothing else,
		 * and a NULL would leave the error out silently. */
		snprintf(m, sizeof m, "%s", msg);
		if (!utf8_valid(m, strlen(m), &bad))
			m[bad] = '\0';
		json_object_set_new(meta, "error", json_string(m));
	}
	return rec_meta_write(path, meta, e);
}
