/*
 * llmsim: a simulated OpenAI-compatible continuous-batching LLM server
 * with a ground-truth timing log and fault injection.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "engine.h"
#include "err.h"
#include "fdlimit.h"
#include "optmsg.h"
#include "server.h"

static const char usage_text[] =
	"Usage: llmsim [OPTIONS]\n"
	"A simulated continuous-batching LLM server on loopback. Prints its URL\n"
	"on the first line of stdout, then serves until SIGINT, SIGTERM or SIGHUP.\n"
	"Endpoints: /v1/chat/completions /v1/completions /v1/models /health\n"
	"/tokenize /metrics (vLLM); /generate_stream /generate /info (TGI);\n"
	"/completion (llama.cpp); /api/generate /api/chat /api/tags (Ollama);\n"
	"/v2/models/MODEL/generate_stream and /generate (Triton, TensorRT-LLM);\n"
	"/generate with \"text\" in the body (SGLang; with \"inputs\", TGI);\n"
	"/mii/MODEL (DeepSpeed-MII).\n"
	"\n"
	"Server:\n"
	"  -p, --port N              port, 0 = a free one (default 8000)\n"
	"      --host ADDR           address to listen on (default 127.0.0.1)\n"
	"  -m, --model NAME          served model name (default llmsim)\n"
	"  -t, --tokenizer SPEC      prompt tokenizer, name or path (default cl100k_base)\n"
	"      --max-connections N   requests served at once; more get 503 (10000)\n"
	"      --max-body BYTES      request body cap (default 16777216)\n"
	"      --request-timeout MS  cut a request after MS ms, 0 = never (default 0)\n"
	"      --keepalive-max N     after N requests on a connection, reset it when\n"
	"                            the next one comes, unanswered (0 = never)\n"
	"      --keepalive-timeout MS  close a kept-alive connection idle for MS ms\n"
	"                            after its last response (0 = never, default)\n"
	"      --truth FILE          write the ground-truth log (JSON Lines)\n"
	"      --truth-scrapes FILE  log when each GET /metrics page was counted\n"
	"                            and written (JSON Lines)\n"
	"      --stats[=S]           a status line on stderr every S seconds (default 5)\n"
	"      --seed N              seed of text, lengths, jitter and faults (default 0)\n"
	"\n"
	"Engine:\n"
	"      --profile NAME        h100 (default) or a100: Llama-3.1-8B BF16 constants\n"
	"      --t0-ms X             step overhead\n"
	"      --tw-ms X             weight-read floor of a step\n"
	"      --c-lin-us X          compute per token in a step\n"
	"      --c-kv-ns X           KV read per context token of a decode\n"
	"      --c-attn-ns X         prefill attention per (query, key) pair\n"
	"      --step-cv X           step-time jitter, coefficient of variation (0.025)\n"
	"      --max-num-seqs N      running sequences at most\n"
	"      --max-batched-tokens N  tokens per step\n"
	"      --kv-tokens N         KV cache capacity in tokens\n"
	"      --max-model-len N     context length: prompt + max_tokens at most\n"
	"      --prefix-caching on|off  reuse cached prompt blocks, as vLLM V1 (on)\n"
	"      --time-scale X        run the simulated clock X times real time (1)\n"
	"      --zero-latency        no waiting: steps back to back\n"
	"      --tokens-per-chunk K  tokens per streamed event (1)\n"
	"      --jitter-us N         delay each chunk by 0..N us at random (0)\n"
	"      --output-dist SPEC    output length unless ignore_eos: max, fixed:N,\n"
	"                            uniform:LO:HI, exp:MEAN, lognormal:MEAN:CV\n"
	"                            (default lognormal:200:0.8), capped by max_tokens\n"
	"      --reasoning-tokens N  the first N chat tokens are reasoning text\n"
	"      --reasoning-field F   reasoning_content (default) or reasoning\n"
	"\n"
	"Wire variations:\n"
	"      --no-space            \"data:\" without a space\n"
	"      --no-done             no \"data: [DONE]\" at the end\n"
	"      --crlf                \\r\\n line ends\n"
	"      --sse-comments        a comment and an \"event:\" line before each event\n"
	"      --split-writes        cut every event over several writes\n"
	"      --errors-in-stream    errors of streaming requests inside a 200 stream\n"
	"\n"
	"Faults (probability per request):\n"
	"      --fail-rate P         HTTP 500 before streaming\n"
	"      --rate-limit-rate P   HTTP 429 with Retry-After\n"
	"      --retry-after S       the Retry-After value (default 1)\n"
	"      --disconnect-rate P   connection cut mid-stream\n"
	"      --stall-rate P        a pause mid-stream ...\n"
	"      --stall-ms MS         ... of MS ms (default 1000)\n"
	"      --garbage-rate P      an invalid JSON event mid-stream\n"
	"      --error-event-rate P  an error object inside the stream, which ends\n"
	"\n"
	"  -h, --help                this help\n"
	"  -V, --version             print the version\n";

enum {
	O_HOST = 256, O_MAXCONN, O_MAXBODY, O_TIMEOUT, O_KAMAX, O_KATIMEOUT, O_TRUTH, O_SCRAPES, O_STATS, O_SEED,
	O_PROFILE, O_T0, O_TW, O_CLIN, O_CKV, O_CATTN, O_STEPCV, O_MAXSEQS,
	O_MAXBATCH, O_KV, O_MAXLEN, O_SCALE, O_ZERO, O_TPC, O_JITTER, O_OUTDIST,
	O_RTOK, O_RFIELD, O_NOSPACE, O_NODONE, O_CRLF, O_COMMENTS, O_SPLIT,
	O_ERRSTREAM, O_FAIL, O_RATE, O_RETRY, O_DISC, O_STALLRATE, O_STALLMS,
	O_GARBAGE, O_ERREVENT, O_PREFIX,
};

static const struct option longopts[] = {
	{ "port", required_argument, NULL, 'p' },
	{ "host", required_argument, NULL, O_HOST },
	{ "model", required_argument, NULL, 'm' },
	{ "tokenizer", required_argument, NULL, 't' },
	{ "max-connections", required_argument, NULL, O_MAXCONN },
	{ "max-body", required_argument, NULL, O_MAXBODY },
	{ "request-timeout", required_argument, NULL, O_TIMEOUT },
	{ "keepalive-max", required_argument, NULL, O_KAMAX },
	{ "keepalive-timeout", required_argument, NULL, O_KATIMEOUT },
	{ "truth", required_argument, NULL, O_TRUTH },
	{ "truth-scrapes", required_argument, NULL, O_SCRAPES },
	{ "stats", optional_argument, NULL, O_STATS },
	{ "seed", required_argument, NULL, O_SEED },
	{ "profile", required_argument, NULL, O_PROFILE },
	{ "t0-ms", required_argument, NULL, O_T0 },
	{ "tw-ms", required_argument, NULL, O_TW },
	{ "c-lin-us", required_argument, NULL, O_CLIN },
	{ "c-kv-ns", required_argument, NULL, O_CKV },
	{ "c-attn-ns", required_argument, NULL, O_CATTN },
	{ "step-cv", required_argument, NULL, O_STEPCV },
	{ "max-num-seqs", required_argument, NULL, O_MAXSEQS },
	{ "max-batched-tokens", required_argument, NULL, O_MAXBATCH },
	{ "kv-tokens", required_argument, NULL, O_KV },
	{ "max-model-len", required_argument, NULL, O_MAXLEN },
	{ "prefix-caching", required_argument, NULL, O_PREFIX },
	{ "time-scale", required_argument, NULL, O_SCALE },
	{ "zero-latency", no_argument, NULL, O_ZERO },
	{ "tokens-per-chunk", required_argument, NULL, O_TPC },
	{ "jitter-us", required_argument, NULL, O_JITTER },
	{ "output-dist", required_argument, NULL, O_OUTDIST },
	{ "reasoning-tokens", required_argument, NULL, O_RTOK },
	{ "reasoning-field", required_argument, NULL, O_RFIELD },
	{ "no-space", no_argument, NULL, O_NOSPACE },
	{ "no-done", no_argument, NULL, O_NODONE },
	{ "crlf", no_argument, NULL, O_CRLF },
	{ "sse-comments", no_argument, NULL, O_COMMENTS },
	{ "split-writes", no_argument, NULL, O_SPLIT },
	{ "errors-in-stream", no_argument, NULL, O_ERRSTREAM },
	{ "fail-rate", required_argument, NULL, O_FAIL },
	{ "rate-limit-rate", required_argument, NULL, O_RATE },
	{ "retry-after", required_argument, NULL, O_RETRY },
	{ "disconnect-rate", required_argument, NULL, O_DISC },
	{ "stall-rate", required_argument, NULL, O_STALLRATE },
	{ "stall-ms", required_argument, NULL, O_STALLMS },
	{ "garbage-rate", required_argument, NULL, O_GARBAGE },
	{ "error-event-rate", required_argument, NULL, O_ERREVENT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int num(const char *opt, const char *s, double lo, double hi, double *v,
	       struct err *e)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || !(*v >= lo && *v <= hi))
		return err_set(e, ERR_USAGE, "--%s: expected a number in [%g, %g], got '%s'",
			       opt, lo, hi, s);
	return 0;
}

/* A whole number of 64 bits, exactly: as a double, 2^53 and up lost
 * their last digits, and 1.5 passed for 1. */
static int seed(const char *s, uint64_t *v, struct err *e)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *s == '+' || *s == ' ')
		return err_set(e, ERR_USAGE, "--seed: expected a whole number from 0 to 18446744073709551615, "
			       "got '%s'", s);
	return 0;
}

static int integer(const char *opt, const char *s, long lo, long hi, long *v,
		   struct err *e)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	if (errno || end == s || *end || *v < lo || *v > hi)
		return err_set(e, ERR_USAGE, "--%s: expected an integer in [%ld, %ld], got '%s'",
			       opt, lo, hi, s);
	return 0;
}

static int parse_dist(const char *s, struct sim_conf *c, struct err *e)
{
	double a = 0, b = 0;
	char tail;

	if (!strcmp(s, "max"))
		c->out_dist = OUT_MAX;
	else if (sscanf(s, "fixed:%lf%c", &a, &tail) == 1 && a >= 1)
		c->out_dist = OUT_FIXED;
	else if (sscanf(s, "uniform:%lf:%lf%c", &a, &b, &tail) == 2 && a >= 1 && b >= a)
		c->out_dist = OUT_UNIFORM;
	else if (sscanf(s, "exp:%lf%c", &a, &tail) == 1 && a >= 1)
		c->out_dist = OUT_EXP;
	else if (sscanf(s, "lognormal:%lf:%lf%c", &a, &b, &tail) == 2 && a >= 1 && b > 0)
		c->out_dist = OUT_LOGNORMAL;
	else
		return err_set(e, ERR_USAGE, "--output-dist: cannot read '%s'", s);
	c->out_a = a;
	c->out_b = b;
	return 0;
}

/* Engine constants given on the command line, applied over the preset. */
struct overrides {
	double t0, tw, clin, ckv, cattn, cv;
	long seqs, batch, kv, len;
};

/* Sets what option ch says, from optarg: into c, or into o and *profile,
 * which apply_profile reads once every option is in. Returns 0, an error
 * code with e set, or -1 when ch is no option of llmsim's. */
static int set_option(int ch, struct sim_conf *c, struct overrides *o,
		      const char **profile, struct err *e)
{
	const char *n = NULL;
	long l;
	int i, rc = 0;

	for (i = 0; longopts[i].name; i++)
		if (longopts[i].val == ch)
			n = longopts[i].name;
	switch (ch) {
	case 'p': rc = integer(n, optarg, 0, 65535, &l, e); c->port = (int)l; break;
	case O_HOST: c->host = optarg; break;
	case 'm': c->model = optarg; break;
	case 't': c->tokenizer = optarg; break;
	case O_MAXCONN: rc = integer(n, optarg, 1, LONG_MAX, &c->max_connections, e); break;
	case O_MAXBODY: rc = integer(n, optarg, 1, LONG_MAX, &c->max_body, e); break;
	case O_TIMEOUT: rc = integer(n, optarg, 0, LONG_MAX, &c->request_timeout_ms, e); break;
	case O_KAMAX: rc = integer(n, optarg, 0, LONG_MAX, &c->keepalive_max, e); break;
	case O_KATIMEOUT: rc = integer(n, optarg, 0, 86400000, &c->keepalive_timeout_ms, e); break;
	case O_TRUTH: c->truth_path = optarg; break;
	case O_SCRAPES: c->scrapes_path = optarg; break;
	case O_PREFIX:
		if (strcmp(optarg, "on") && strcmp(optarg, "off"))
			rc = err_set(e, ERR_USAGE, "--prefix-caching %s: expected on or off", optarg);
		c->prefix_caching = strcmp(optarg, "on") == 0;
		break;
	case O_STATS:
		l = 5;
		if (optarg)
			rc = integer(n, optarg, 1, 86400, &l, e);
		c->stats = (int)l;
		break;
	case O_SEED: rc = seed(optarg, &c->seed, e); break;
	case O_PROFILE: *profile = optarg; break;
	case O_T0: rc = num(n, optarg, 0, 1e6, &o->t0, e); break;
	case O_TW: rc = num(n, optarg, 0, 1e6, &o->tw, e); break;
	case O_CLIN: rc = num(n, optarg, 0, 1e6, &o->clin, e); break;
	case O_CKV: rc = num(n, optarg, 0, 1e6, &o->ckv, e); break;
	case O_CATTN: rc = num(n, optarg, 0, 1e6, &o->cattn, e); break;
	case O_STEPCV: rc = num(n, optarg, 0, 1, &o->cv, e); break;
	case O_MAXSEQS: rc = integer(n, optarg, 1, 1L << 24, &o->seqs, e); break;
	case O_MAXBATCH: rc = integer(n, optarg, 1, 1L << 24, &o->batch, e); break;
	case O_KV: rc = integer(n, optarg, 16, 1L << 40, &o->kv, e); break;
	case O_MAXLEN: rc = integer(n, optarg, 2, 1L << 30, &o->len, e); break;
	case O_SCALE: rc = num(n, optarg, 1e-3, 1e9, &c->time_scale, e); break;
	case O_ZERO: c->zero_latency = 1; break;
	case O_TPC: rc = integer(n, optarg, 1, 1 << 20, &l, e); c->tokens_per_chunk = (int)l; break;
	case O_JITTER: rc = integer(n, optarg, 0, 10000000, &c->jitter_us, e); break;
	case O_OUTDIST: rc = parse_dist(optarg, c, e); break;
	case O_RTOK: rc = integer(n, optarg, 0, LONG_MAX, &c->reasoning_tokens, e); break;
	case O_RFIELD:
		c->reasoning_field = optarg;
		if (strcmp(optarg, "reasoning_content") && strcmp(optarg, "reasoning"))
			rc = err_set(e, ERR_USAGE,
				     "--reasoning-field: reasoning_content or reasoning, got '%s'",
				     optarg);
		break;
	case O_NOSPACE: c->no_space = 1; break;
	case O_NODONE: c->no_done = 1; break;
	case O_CRLF: c->crlf = 1; break;
	case O_COMMENTS: c->sse_comments = 1; break;
	case O_SPLIT: c->split_writes = 1; break;
	case O_ERRSTREAM: c->errors_in_stream = 1; break;
	case O_FAIL: rc = num(n, optarg, 0, 1, &c->fail_rate, e); break;
	case O_RATE: rc = num(n, optarg, 0, 1, &c->rate_limit_rate, e); break;
	case O_RETRY: rc = integer(n, optarg, 0, 86400, &c->retry_after_s, e); break;
	case O_DISC: rc = num(n, optarg, 0, 1, &c->disconnect_rate, e); break;
	case O_STALLRATE: rc = num(n, optarg, 0, 1, &c->stall_rate, e); break;
	case O_STALLMS: rc = integer(n, optarg, 0, 3600000, &c->stall_ms, e); break;
	case O_GARBAGE: rc = num(n, optarg, 0, 1, &c->garbage_rate, e); break;
	case O_ERREVENT: rc = num(n, optarg, 0, 1, &c->error_event_rate, e); break;
	default:
		return -1;
	}
	return rc;
}

/* The preset named profile, with the engine constants given in o over
 * it. */
static int apply_profile(struct sim_conf *c, const char *profile,
			 const struct overrides *o, struct err *e)
{
	if (profile_get(profile, &c->prof, e))
		return ERR_USAGE;
	if (o->t0 >= 0) c->prof.t0_ms = o->t0;
	if (o->tw >= 0) c->prof.tw_ms = o->tw;
	if (o->clin >= 0) c->prof.c_lin_us = o->clin;
	if (o->ckv >= 0) c->prof.c_kv_ns = o->ckv;
	if (o->cattn >= 0) c->prof.c_attn_ns = o->cattn;
	if (o->cv >= 0) c->prof.jitter_cv = o->cv;
	if (o->seqs > 0) c->prof.max_num_seqs = o->seqs;
	if (o->batch > 0) c->prof.max_batched = o->batch;
	if (o->kv > 0) c->prof.kv_tokens = o->kv;
	if (o->len > 0) c->prof.max_model_len = o->len;
	return 0;
}

/* What no one option can check alone. */
static int check_conf(struct sim_conf *c, struct err *e)
{
	/* No request the context check lets through may be one the cache
	 * can never admit. */
	if (eng_admissible(c->prof.kv_tokens) < 1)
		return err_set(e, ERR_USAGE, "--kv-tokens %ld: no room for a request beside the 1%% "
			       "kept free (at least 32)", c->prof.kv_tokens);
	if (c->prof.max_model_len > eng_admissible(c->prof.kv_tokens))
		c->prof.max_model_len = eng_admissible(c->prof.kv_tokens);
	if (c->fail_rate + c->rate_limit_rate + c->disconnect_rate + c->stall_rate +
	    c->garbage_rate + c->error_event_rate > 1)
		return err_set(e, ERR_USAGE, "the fault rates add up to more than 1");
	return 0;
}

static int parse_args(int argc, char **argv, struct sim_conf *c, struct err *e)
{
	struct overrides o = { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 };
	const char *profile = "h100";
	int ch, at, rc = 0;

	*c = (struct sim_conf){
		.host = "127.0.0.1", .port = 8000, .model = "llmsim",
		.tokenizer = "cl100k_base", .prefix_caching = 1, .time_scale = 1, .tokens_per_chunk = 1,
		.out_dist = OUT_LOGNORMAL, .out_a = 200, .out_b = 0.8,
		.reasoning_field = "reasoning_content", .stall_ms = 1000,
		.retry_after_s = 1, .max_connections = 10000, .max_body = 16 << 20,
	};
	opterr = 0;
	while ((ch = opt_next(argc, argv, "p:m:t:hV", longopts, &at)) != -1) {
		switch (ch) {
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		case 'V':
			puts("llmsim " LLMBENCH_VERSION);
			return -1;
		}
		rc = set_option(ch, c, &o, &profile, e);
		if (rc < 0)
			return opt_refused(argc, argv, at, "p:m:t:hV", longopts, e);
		if (rc)
			return rc;
	}
	if (optind < argc)
		return err_set(e, ERR_USAGE, "unexpected argument '%s'", argv[optind]);
	if ((rc = apply_profile(c, profile, &o, e)))
		return rc;
	return check_conf(c, e);
}

int main(int argc, char **argv)
{
	struct sim_conf c;
	struct err e = { 0 };
	struct server *s = NULL;
	int rc;
	json_t *mj;
	long steps;
	int64_t step_max;

	signal(SIGPIPE, SIG_IGN);
	(void)fdlimit_raise(); /* a connection a descriptor (lib/fdlimit.h) */
	rc = parse_args(argc, argv, &c, &e);
	if (rc < 0)
		return fflush(stdout) || ferror(stdout) ? ERR_IO : 0;
	if (rc) {
		fprintf(stderr, "llmsim: %s\ntry 'llmsim --help'\n", e.msg);
		return rc;
	}
	mj = json_string(c.model);
	c.model_json = mj ? json_dumps(mj, JSON_ENCODE_ANY) : NULL;
	json_decref(mj);
	if (!c.model_json) {
		fprintf(stderr, "llmsim: --model: not valid UTF-8\n");
		return ERR_USAGE;
	}
	rc = server_new(&c, &s, &e);
	if (!rc) {
		int v6 = strchr(c.host, ':') != NULL;

		printf("http://%s%s%s:%d\n", v6 ? "[" : "", c.host, v6 ? "]" : "",
		       server_port(s));

		if (fflush(stdout)) {
			rc = err_set(&e, ERR_IO, "stdout: %s", strerror(errno));
		} else {
			rc = server_run(s, &e);
		}
	}
	server_clock_steps(s, &steps, &step_max);
	if (steps)
		fprintf(stderr, "llmsim: note: the wall clock was stepped %ld times (largest %.3f ms): "
			"arrived_ns of a request that may have waited across a step is as late as "
			"it could be, by up to the step, never early\n", steps, (double)step_max / 1e6);
	server_free(s);
	free((char *)c.model_json);
	if (rc) {
		fprintf(stderr, "llmsim: %s\n", e.msg);
		return rc;
	}
	if (ferror(stdout) || fclose(stdout)) {
		fprintf(stderr, "llmsim: stdout: write failed\n");
		return ERR_IO;
	}
	return 0;
}
