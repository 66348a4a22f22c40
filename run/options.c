#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "ofile.h"
#include "num.h"
#include "optmsg.h"
#include "record.h"
#include "secrets.h"
#include "targets.h"
#include "targets_yaml.h"
#include "utf8.h"

static const char help[] =
	"Usage: llmrun [OPTIONS] CORPUS.csv > results.csv\n"
	"       llmrun [OPTIONS] --prompt TEXT [--prompt TEXT...]\n"
	"       llmrun [OPTIONS] --prompt-file FILE\n"
	"Replays a corpus against an LLM endpoint; one CSV row per request.\n"
	"\n"
	"Target:\n"
	"  --url URL             base URL, e.g. http://127.0.0.1:8000 (required)\n"
	"  --model NAME          model name sent (default: the first the server lists)\n"
	"  --api NAME            openai-chat (default), openai-completions, tgi,\n"
	"                        llamacpp, ollama, triton (TensorRT-LLM), sglang\n"
	"                        (native /generate), mii (DeepSpeed-MII, needs\n"
	"                        --no-stream); vLLM/SGLang benchmark names:\n"
	"                        vllm, openai, lmdeploy, scalellm (completions),\n"
	"                        vllm-chat, lmdeploy-chat (chat), tensorrt-llm,\n"
	"                        trt, sglang-native, deepspeed-mii\n"
	"  --stream, --no-stream stream the response (default) or not\n"
	"  --continuous-usage    ask for usage in every chunk (vLLM)\n"
	"  --api-key-env NAME    read the API key from $NAME (default OPENAI_API_KEY)\n"
	"  --api-key-file FILE   read the API key from FILE\n"
	"  -H, --header 'N: V'   extra request header (repeatable)\n"
	"  --extra-body JSON     object merged into every request body\n"
	"  --targets FILE        CSV name,url,model,api,extra_body, or FILE.yaml\n"
	"                        (name, base_url, model, api, api_key_env,\n"
	"                        extra_body, headers): run each in turn\n"
	"Sampling:\n"
	"  --max-tokens N        max tokens (default: the row's output_tokens)\n"
	"  --min-tokens N        min_tokens (vLLM, SGLang)\n"
	"  --ignore-eos          ignore_eos (vLLM, SGLang, llama.cpp)\n"
	"  --temperature X, --top-p X, --system PROMPT\n"
	"Connection:\n"
	"  --timeout S           per-request time limit (default 600)\n"
	"  --connect-timeout S   connect time limit (default 10)\n"
	"  --insecure            do not verify TLS certificates\n"
	"  --cacert FILE         CA certificates to verify with\n"
	"  --http2               use HTTP/2\n"
	"  --no-keepalive        a new connection for every request\n"
	"  --preconnect[=N]      open the step's connections (N, default its batch\n"
	"                        size, 1 with --http2) before its clock starts; the\n"
	"                        default for window and waves, so TTFT is not a\n"
	"                        connect time\n"
	"  --no-preconnect       connect on demand: measures cold starts\n"
	"  --stamp SOURCE        chunk times from kernel (default: when the bytes\n"
	"                        reached this host), recv (the same, taken with\n"
	"                        libcurl's read: cheaper, but chunks that waited\n"
	"                        together share the newest stamp) or read (when\n"
	"                        llmrun read them)\n"
	"  --read-batch-us N     with kernel stamps and --ignore-eos, let chunks\n"
	"                        gather up to N us between wake-ups while they\n"
	"                        come faster than that (default 1000, 0 off): a\n"
	"                        wake-up costs about what a chunk does. Sends,\n"
	"                        first tokens, a stream's last token and streams\n"
	"                        with chunks closer than 2N us wake it at once\n"
	"  --spin-us N           poll without sleeping for the last N us before\n"
	"                        each timed send (open loop, think times): a\n"
	"                        wake-up from a sleep can come 0.05-2 ms late,\n"
	"                        a loop that does not sleep is on time; costs up\n"
	"                        to N us of CPU per send (default 0: off)\n"
	"Load (one step per batch size or rate; with a conversation corpus,\n"
	"batch sizes count conversations, a rate starts them, --requests and\n"
	"--duration count turns):\n"
	"  --batch-sizes SPEC    1,2,4 or 1..64 (doubling) or 1..16:1 (default 1)\n"
	"  --concurrency N       the same as --batch-sizes N\n"
	"  --schedule NAME       window (default), waves; poisson (default),\n"
	"                        constant for --rate\n"
	"  --rate R[,R...]       open loop at R requests/s\n"
	"  --max-concurrency C   open loop: at most C requests in flight; a later\n"
	"                        arrival waits (its wait is in client_lag_ms)\n"
	"  --burstiness K        gamma arrivals with shape K (1 = Poisson)\n"
	"  --ramp KIND:A:B       rate from A to B req/s, KIND linear or exp\n"
	"  --trace               send rows at their arrival_s offsets\n"
	"  --time-scale X        divide trace offsets by X (default 1)\n"
	"  --requests N          requests per step (default: the corpus once)\n"
	"  --duration S          seconds per step (cycles the corpus)\n"
	"  --warmup N            first N requests of a step are warmup\n"
	"  --max-errors N        stop after more than N failed requests\n"
	"  --min-success RATE    exit 69 when a step's success rate is below RATE\n"
	"                        (0..1); a step without any ok request always is\n"
	"  --retries N           retry a failed request up to N times (default 0)\n"
	"  --retry-on LIST       classes retried (default connect,rate_limited,\n"
	"                        http_5xx); each attempt is a row\n"
	"  --retry-backoff S     first retry after S s, doubling (default 0.5)\n"
	"  --drain               on SIGINT, wait for requests in flight\n"
	"  --think-time SPEC     conversations: seconds between a reply's end and\n"
	"                        the next turn, S or A:B (uniform), where a row has\n"
	"                        no think_s (default 0)\n"
	"Corpus:\n"
	"  --prompt TEXT         a prompt instead of a corpus file (repeatable)\n"
	"  --prompt-file FILE    one prompt per line instead of a corpus (- stdin)\n"
	"  --shard I/N           use rows I, I+N, I+2N, ... (I from 0); whole\n"
	"                        conversations in a conversation corpus\n"
	"  --seed N              seed for arrivals (default 1)\n"
	"  -t, --tokenizer NAME  count tokens locally when usage is missing\n"
	"Output:\n"
	"  -o, --output FILE     results CSV (default stdout)\n"
	"  --no-probe            skip the probe: one request like the first, sent\n"
	"                        before the sweep to stop early on a dead server,\n"
	"                        a wrong model, path or key (and, without --model,\n"
	"                        the lookup of the served model in /v1/models)\n"
	"  --run-id ID           the run_id column (default: unique per run); shards\n"
	"                        of one study pass the same ID\n"
	"  --meta FILE           metadata JSON (default FILE.meta.json with -o)\n"
	"  --show-samples N      print the first N outputs on stderr\n"
	"  --scrape [URL]        read the server's Prometheus metrics (default: the\n"
	"                        target's /metrics) into FILE.metrics.csv with -o\n"
	"  --scrape-interval S   seconds between scrapes (default 1)\n"
	"  --scrape-max-bytes N  FILE.metrics.csv stops growing at N bytes\n"
	"                        (default 1073741824)\n"
	"  -q, --quiet           no progress line or summary\n"
	"  -h, --help, -V, --version\n";

enum {
	O_URL = 256, O_MODEL, O_API, O_STREAM, O_NO_STREAM, O_CONT, O_KEY_ENV,
	O_KEY_FILE, O_EXTRA, O_TARGETS, O_MAXTOK, O_MINTOK, O_IGNORE_EOS, O_TEMP,
	O_TOP_P, O_SYSTEM, O_TIMEOUT, O_CTIMEOUT, O_INSECURE, O_CACERT, O_HTTP2,
	O_NOKA, O_PRECONN, O_NO_PRECONN, O_BATCH, O_SCHEDULE, O_RATE, O_BURST, O_RAMP, O_TRACE, O_TSCALE,
	O_REQUESTS, O_DURATION, O_WARMUP, O_MAXERR, O_DRAIN, O_SHARD, O_SEED,
	O_META, O_SAMPLES, O_VERSION, O_MINSUCC, O_RUNID, O_NOPROBE, O_STAMP, O_READ_BATCH, O_SPIN, O_RETRIES, O_RETRY_ON, O_BACKOFF,
	O_PROMPT, O_PROMPT_FILE, O_CONCURRENCY, O_MAXCONC,
	O_SCRAPE, O_SCRAPE_IV, O_SCRAPE_MAX, O_THINK,
};

static const char shortopts[] = ":H:t:o:qhV";
static const struct option longopts[] = {
	{"url", required_argument, 0, O_URL},
	{"model", required_argument, 0, O_MODEL},
	{"api", required_argument, 0, O_API},
	{"stream", no_argument, 0, O_STREAM},
	{"no-stream", no_argument, 0, O_NO_STREAM},
	{"continuous-usage", no_argument, 0, O_CONT},
	{"api-key-env", required_argument, 0, O_KEY_ENV},
	{"api-key-file", required_argument, 0, O_KEY_FILE},
	{"header", required_argument, 0, 'H'},
	{"extra-body", required_argument, 0, O_EXTRA},
	{"targets", required_argument, 0, O_TARGETS},
	{"max-tokens", required_argument, 0, O_MAXTOK},
	{"min-tokens", required_argument, 0, O_MINTOK},
	{"ignore-eos", no_argument, 0, O_IGNORE_EOS},
	{"temperature", required_argument, 0, O_TEMP},
	{"top-p", required_argument, 0, O_TOP_P},
	{"system", required_argument, 0, O_SYSTEM},
	{"timeout", required_argument, 0, O_TIMEOUT},
	{"connect-timeout", required_argument, 0, O_CTIMEOUT},
	{"insecure", no_argument, 0, O_INSECURE},
	{"cacert", required_argument, 0, O_CACERT},
	{"http2", no_argument, 0, O_HTTP2},
	{"no-keepalive", no_argument, 0, O_NOKA},
	{"preconnect", optional_argument, 0, O_PRECONN},
	{"no-preconnect", no_argument, 0, O_NO_PRECONN},
	{"stamp", required_argument, 0, O_STAMP},
	{"read-batch-us", required_argument, 0, O_READ_BATCH},
	{"spin-us", required_argument, 0, O_SPIN},
	{"batch-sizes", required_argument, 0, O_BATCH},
	{"schedule", required_argument, 0, O_SCHEDULE},
	{"rate", required_argument, 0, O_RATE},
	{"burstiness", required_argument, 0, O_BURST},
	{"ramp", required_argument, 0, O_RAMP},
	{"trace", no_argument, 0, O_TRACE},
	{"time-scale", required_argument, 0, O_TSCALE},
	{"requests", required_argument, 0, O_REQUESTS},
	{"duration", required_argument, 0, O_DURATION},
	{"warmup", required_argument, 0, O_WARMUP},
	{"max-errors", required_argument, 0, O_MAXERR},
	{"drain", no_argument, 0, O_DRAIN},
	{"retries", required_argument, 0, O_RETRIES},
	{"retry-on", required_argument, 0, O_RETRY_ON},
	{"retry-backoff", required_argument, 0, O_BACKOFF},
	{"shard", required_argument, 0, O_SHARD},
	{"seed", required_argument, 0, O_SEED},
	{"tokenizer", required_argument, 0, 't'},
	{"output", required_argument, 0, 'o'},
	{"meta", required_argument, 0, O_META},
	{"show-samples", required_argument, 0, O_SAMPLES},
	{"quiet", no_argument, 0, 'q'},
	{"help", no_argument, 0, 'h'},
	{"version", no_argument, 0, O_VERSION},
	{"min-success", required_argument, 0, O_MINSUCC},
	{"run-id", required_argument, 0, O_RUNID},
	{"no-probe", no_argument, 0, O_NOPROBE},
	{"prompt", required_argument, 0, O_PROMPT},
	{"prompt-file", required_argument, 0, O_PROMPT_FILE},
	{"concurrency", required_argument, 0, O_CONCURRENCY},
	{"max-concurrency", required_argument, 0, O_MAXCONC},
	{"scrape", optional_argument, 0, O_SCRAPE},
	{"scrape-interval", required_argument, 0, O_SCRAPE_IV},
	{"scrape-max-bytes", required_argument, 0, O_SCRAPE_MAX},
	{"think-time", required_argument, 0, O_THINK},
	{0, 0, 0, 0},
};

static int to_long(const char *s, long min, long *v, const char *opt,
		   struct err *e)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	if (end == s || *end || errno || *v < min)
		return err_set(e, ERR_USAGE, "%s: expected an integer >= %ld, got '%s'",
			       opt, min, s);
	return 0;
}

/* to_long, at most max. */
static int to_long_max(const char *s, long min, long max, long *v, const char *opt,
		       struct err *e)
{
	int rc = to_long(s, min, v, opt, e);

	if (!rc && *v > max)
		rc = err_set(e, ERR_USAGE, "%s: at most %ld, got %ld", opt, max, *v);
	return rc;
}

static int to_double(const char *s, double min, double *v, const char *opt,
		     struct err *e)
{
	if (num_decimal(s, v) || *v < min)
		return err_set(e, ERR_USAGE, "%s: expected a number >= %g, got '%s'",
			       opt, min, s);
	return 0;
}

/* --think-time S or A:B (seconds, A <= B). */
static int parse_think(const char *s, struct opts *o, struct err *e)
{
	const char *colon = strchr(s, ':');
	char a[64];
	int rc;

	if (!colon) {
		if ((rc = to_double(s, 0, &o->think_min_s, "--think-time", e)))
			return rc;
		o->think_max_s = o->think_min_s;
	} else {
		snprintf(a, sizeof a, "%.*s", (int)(colon - s), s);
		if ((rc = to_double(a, 0, &o->think_min_s, "--think-time", e)) ||
		    (rc = to_double(colon + 1, 0, &o->think_max_s, "--think-time", e)))
			return rc;
		if (o->think_max_s < o->think_min_s)
			return err_set(e, ERR_USAGE, "--think-time: %s: A:B needs A <= B", s);
	}
	/* A year at most, as a corpus's think_s: past 9.2e9 s a turn's due
	 * time overflowed and it went at once. */
	if (o->think_max_s > CORPUS_MAX_ARRIVAL_S)
		return err_set(e, ERR_USAGE, "--think-time: at most %d s", CORPUS_MAX_ARRIVAL_S);
	return 0;
}

/* A run id goes into every row and into file names people make from it:
 * printable ASCII without separators or quotes, at most 64 bytes. */
static int check_run_id(const char *id, struct err *e)
{
	size_t n = strlen(id);

	if (!n || n > 64 || strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789-_.:+@") != n)
		return err_set(e, ERR_USAGE, "--run-id: expected 1 to 64 letters, digits "
			       "or -_.:+@, got '%s'", id);
	return 0;
}

/* "connect,rate_limited" into bits (1 << enum rclass). */
static int parse_classes(const char *list, unsigned *bits, struct err *e)
{
	const char *p = list;

	*bits = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		int c;

		for (c = RC_HTTP_4XX; c < RC_CANCELLED; c++)
			if (strlen(rec_class_name(c)) == n &&
			    strncmp(p, rec_class_name(c), n) == 0)
				break;
		if (c == RC_CANCELLED)
			return err_set(e, ERR_USAGE,
				       "--retry-on: '%.*s' is not an error class (http_4xx, "
				       "http_5xx, rate_limited, timeout, connect, disconnect, "
				       "bad_stream)", (int)n, p);
		*bits |= 1u << c;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* The error for a URL of another scheme; the URL shown as in the
 * metadata, without its password or secret query values. */
static int bad_scheme(const char *opt, const char *u, struct err *e)
{
	char *shown = secret_url_shown(u);

	err_set(e, ERR_USAGE, "%s: expected http:// or https://, got '%.200s'", opt,
		shown ? shown : "?");
	free(shown);
	return ERR_USAGE;
}

/* Options the loop only records: what they mean depends on others, so
 * they are checked after it, once all are known. Strings point into argv. */
struct deferred {
	const char *url, *model, *api, *extra; /* the one target, without --targets */
	int api_given;
	const char *key_env;  /* --api-key-env; NULL: $OPENAI_API_KEY */
	const char *batches, *rates, *ramp, *schedule; /* the load, as given */
	int batch_opt;        /* O_BATCH or O_CONCURRENCY, whichever gave batches */
};

/* o as it is when no option is given. */
static void set_defaults(struct opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	o->out = "-";
	o->stream = 1;
	o->temperature = o->top_p = NAN;
	o->max_tokens = o->min_tokens = -1;
	o->timeout_s = 600;
	o->connect_timeout_s = 10;
	o->time_scale = 1;
	o->max_errors = -1;
	o->preconnect = -1;
	o->retry_backoff_s = 0.5;
	o->retry_on = 1u << RC_CONNECT | 1u << RC_RATE_LIMITED | 1u << RC_HTTP_5XX;
	o->shard_n = 1;
	o->seed = 1;
	o->read_batch_us = 1000;
	o->rate.burstiness = 1;
	o->scrape_interval_s = 1;
	o->scrape_max_bytes = 1LL << 30;
	o->argc = argc;
	o->argv = argv;
}

/* Takes option c (its argument in optarg; at, its place in argv for a
 * refusal) into o, or into d when it is checked after the loop. Returns 0;
 * -1 when --help or --version was printed; or an error code with e. */
static int take_option(int c, int at, int argc, char **argv, struct opts *o,
		       struct deferred *d, struct err *e)
{
	long l;
	char junk;
	int rc = 0;

	switch (c) {
	case O_URL: d->url = optarg; break;
	case O_SCRAPE:
		/* "--scrape URL" as well as "--scrape=URL": an optional
		 * argument is the next word when that is a URL. */
		if (!optarg && optind < argc && tgt_http_url(argv[optind]))
			optarg = argv[optind++];
		if (optarg && !tgt_http_url(optarg))
			return bad_scheme("--scrape", optarg, e);
		o->scrape = 1;
		o->scrape_url = optarg;
		break;
	case O_SCRAPE_IV:
		rc = to_double(optarg, 0.01, &o->scrape_interval_s, "--scrape-interval", e);
		break;
	case O_SCRAPE_MAX:
		rc = to_long(optarg, 1024, &l, "--scrape-max-bytes", e);
		o->scrape_max_bytes = l;
		break;
	case O_MODEL: d->model = optarg; o->model_given = 1; break;
	case O_API: d->api = optarg; d->api_given = 1; break;
	case O_STREAM: o->stream = 1; break;
	case O_NO_STREAM: o->stream = 0; break;
	case O_CONT: o->continuous_usage = 1; break;
	case O_KEY_ENV: d->key_env = optarg; break;
	case O_KEY_FILE: o->key_file = optarg; break;
	case 'H': {
		const char **h = realloc(o->headers, (o->nheaders + 1) * sizeof *h);

		if (!h)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		o->headers = h;
		if (!strchr(optarg, ':'))
			return err_set(e, ERR_USAGE, "-H: expected 'Name: value'");
		/* A line break would end the header and start another. */
		if (strpbrk(optarg, "\r\n"))
			return err_set(e, ERR_USAGE, "-H: a header value holds a line break");
		h[o->nheaders++] = optarg;
		break;
	}
	case O_EXTRA: d->extra = optarg; break;
	case O_TARGETS: o->targets_file = optarg; break;
	case O_MAXTOK: rc = to_long(optarg, 1, &o->max_tokens, "--max-tokens", e); break;
	case O_MINTOK: rc = to_long(optarg, 0, &o->min_tokens, "--min-tokens", e); break;
	case O_IGNORE_EOS: o->ignore_eos = 1; break;
	case O_TEMP: rc = to_double(optarg, 0, &o->temperature, "--temperature", e); break;
	case O_TOP_P: rc = to_double(optarg, 0, &o->top_p, "--top-p", e); break;
	case O_SYSTEM: o->system = optarg; break;
	case O_TIMEOUT: rc = to_double(optarg, 0.001, &o->timeout_s, "--timeout", e); break;
	case O_CTIMEOUT: rc = to_double(optarg, 0.001, &o->connect_timeout_s, "--connect-timeout", e); break;
	case O_INSECURE: o->insecure = 1; break;
	case O_CACERT: o->cacert = optarg; break;
	case O_HTTP2: o->http2 = 1; break;
	case O_NOKA: o->no_keepalive = 1; break;
	case O_PRECONN:
		o->preconnect = 1;
		if (optarg)
			rc = to_long(optarg, 1, &o->preconnect_n, "--preconnect", e);
		break;
	case O_NO_PRECONN: o->preconnect = 0; break;
	case O_STAMP:
		if (!strcmp(optarg, "kernel"))
			o->stamp = STAMP_KERNEL;
		else if (!strcmp(optarg, "recv"))
			o->stamp = STAMP_RECV;
		else if (!strcmp(optarg, "read"))
			o->stamp = STAMP_READ;
		else
			rc = err_set(e, ERR_USAGE, "--stamp: expected kernel, "
				     "recv or read, got '%s'", optarg);
		break;
	case O_READ_BATCH:
		rc = to_long_max(optarg, 0, 100000, &o->read_batch_us, "--read-batch-us", e);
		break;
	case O_SPIN:
		rc = to_long_max(optarg, 0, 100000, &o->spin_us, "--spin-us", e);
		break;
	case O_BATCH:
	case O_CONCURRENCY:
		if (d->batches && d->batch_opt != c)
			return err_set(e, ERR_USAGE, "--concurrency is --batch-sizes: "
				       "give one of them");
		d->batches = optarg;
		d->batch_opt = c;
		break;
	case O_PROMPT: {
		const char **p = realloc(o->prompts, (o->nprompts + 1) * sizeof *p);

		if (!p)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		o->prompts = p;
		p[o->nprompts++] = optarg;
		break;
	}
	case O_PROMPT_FILE: o->prompt_file = optarg; break;
	case O_MAXCONC: rc = to_long(optarg, 1, &o->max_concurrency, "--max-concurrency", e); break;
	case O_THINK: rc = parse_think(optarg, o, e); break;
	case O_SCHEDULE: d->schedule = optarg; break;
	case O_RATE: d->rates = optarg; break;
	case O_BURST: rc = to_double(optarg, 1e-3, &o->rate.burstiness, "--burstiness", e); break;
	case O_RAMP: d->ramp = optarg; break;
	case O_TRACE: o->trace = 1; break;
	case O_TSCALE:
		rc = to_double(optarg, 1e-6, &o->time_scale, "--time-scale", e);
		if (!rc && o->time_scale > 1e6)
			rc = err_set(e, ERR_USAGE, "--time-scale: at most 1e6, got '%s'", optarg);
		break;
	/* At most 10^12: requests + warmup is summed in a long. */
	case O_REQUESTS: rc = to_long_max(optarg, 1, 1000000000000L, &o->requests, "--requests", e); break;
	case O_DURATION:
		/* In ns it must fit an int64_t with room: a year is plenty. */
		rc = to_double(optarg, 1e-3, &o->duration_s, "--duration", e);
		if (!rc && o->duration_s > 31536000)
			rc = err_set(e, ERR_USAGE, "--duration: at most 31536000 s (a year), got '%s'", optarg);
		break;
	case O_WARMUP: rc = to_long_max(optarg, 0, 1000000000000L, &o->warmup, "--warmup", e); break;
	case O_MAXERR: rc = to_long(optarg, 0, &o->max_errors, "--max-errors", e); break;
	case O_DRAIN: o->drain = 1; break;
	case O_RETRIES: rc = to_long(optarg, 0, &o->retries, "--retries", e); break;
	case O_RETRY_ON: rc = parse_classes(optarg, &o->retry_on, e); break;
	case O_BACKOFF: rc = to_double(optarg, 0, &o->retry_backoff_s, "--retry-backoff", e); break;
	case O_SHARD:
		if (sscanf(optarg, "%ld/%ld%c", &o->shard_i, &l, &junk) != 2 || l < 1 ||
		    o->shard_i < 0 || o->shard_i >= l)
			return err_set(e, ERR_USAGE, "--shard: expected I/N with 0 <= I < N");
		o->shard_n = l;
		break;
	case O_SEED:
		rc = to_long(optarg, 0, &l, "--seed", e);
		o->seed = (uint64_t)l;
		break;
	case 't': o->tokenizer = optarg; break;
	case 'o': rc = opt_path("-o", o->out = optarg, e); break;
	case O_META: rc = opt_path("--meta", o->meta = optarg, e); break;
	case O_SAMPLES: rc = to_long(optarg, 0, &o->show_samples, "--show-samples", e); break;
	case 'q': o->quiet = 1; break;
	case 'h':
		fputs(help, stdout);
		return -1;
	case O_MINSUCC:
		rc = to_double(optarg, 0, &o->min_success, "--min-success", e);
		if (!rc && o->min_success > 1)
			rc = err_set(e, ERR_USAGE, "--min-success: expected a rate from 0 to 1, got '%s'", optarg);
		break;
	case O_RUNID: rc = check_run_id(optarg, e); o->run_id = optarg; break;
	case O_NOPROBE: o->no_probe = 1; break;
	case 'V':
	case O_VERSION:
		printf("llmrun %s\n", LLMBENCH_VERSION);
		return -1;
	default:
		return opt_refused(argc, argv, at, shortopts, longopts, e);
	}
	return rc;
}

/* The corpus, argv[first] (the first word getopt left), or the prompts
 * that stand in for it. */
static int set_corpus(struct opts *o, int argc, char **argv, int first, struct err *e)
{
	if (o->nprompts || o->prompt_file) {
		/* Prompts stand in for the corpus: two sources would leave
		 * unclear which rows were sent. */
		if (o->nprompts && o->prompt_file)
			return err_set(e, ERR_USAGE, "give --prompt or --prompt-file, not both");
		if (first < argc)
			return err_set(e, ERR_USAGE, "%s replaces the corpus: '%s' given too",
				       o->nprompts ? "--prompt" : "--prompt-file", argv[first]);
		if (o->trace)
			return err_set(e, ERR_USAGE, "--trace needs a corpus with arrival_s, not "
				       "prompts");
		if (o->nprompts && o->shard_n > 1)
			return err_set(e, ERR_USAGE, "--shard splits a corpus or a prompt file, "
				       "not --prompt");
	} else if (first != argc - 1) {
		return err_set(e, ERR_USAGE, first >= argc ? "no corpus given (a CORPUS.csv, "
				       "--prompt or --prompt-file)"
							  : "more than one corpus given");
	} else {
		o->corpus = argv[first];
	}
	return 0;
}

/* Both go into the JSON body, which must be UTF-8: jansson would
 * drop them, and the request go out without a system message or
 * with the server's default model. */
static int check_utf8(const struct opts *o, const char *model, struct err *e)
{
	if (model && !utf8_valid(model, strlen(model), NULL))
		return err_set(e, ERR_USAGE, "--model: not valid UTF-8");
	if (o->system && !utf8_valid(o->system, strlen(o->system), NULL))
		return err_set(e, ERR_USAGE, "--system: not valid UTF-8");
	return 0;
}

/* libcurl reads it only at the first TLS handshake, and then says
 * no more than "Problem with the SSL CA cert" of every request. */
static int check_cacert(const char *path, struct err *e)
{
	FILE *f = fopen(path, "r");
	int bad = f ? 0 : errno;

	if (f) {
		errno = 0;
		if (fgetc(f) == EOF)
			bad = errno ? errno : ENODATA;
		fclose(f);
	}
	if (bad)
		return err_set(e, ERR_NOINPUT, "--cacert %s: %s", path,
			       bad == ENODATA ? "empty" : strerror(bad));
	return 0;
}

/* The targets, from --targets or the command line's one, checked. */
static int set_targets(struct opts *o, const struct deferred *d, struct err *e)
{
	int rc;

	if (o->targets_file) {
		/* Each target names its own: these would be ignored. */
		if (d->url || d->extra || d->api_given || o->model_given)
			return err_set(e, ERR_USAGE, "--targets replaces --url, --api, --model and "
				       "--extra-body (give them in the targets file)");
		if ((rc = tgt_load(o->targets_file, o, e)))
			return rc;
	} else {
		if (!d->url)
			return err_set(e, ERR_USAGE, "--url is required");
		if (!tgt_http_url(d->url))
			return bad_scheme("--url", d->url, e);
		if ((rc = tgt_from_url(o, d->url, d->api, d->model, d->extra, e)))
			return rc;
	}
	if ((rc = tgt_check(o, e)))
		return rc;
	if (o->scrape && ofile_stream(o->out))
		return err_set(e, ERR_USAGE, "--scrape writes FILE.metrics.csv beside -o FILE: give -o a file");
	if (o->scrape && !o->scrape_url && o->ntargets > 1)
		return err_set(e, ERR_USAGE, "--scrape: give the URL to scrape when --targets names several");
	return 0;
}

/* The load: batch steps, rate steps (a ramp is one) or a trace, how they
 * are scheduled, and the options that apply to only some of them. */
static int set_load(struct opts *o, const struct deferred *d, struct err *e)
{
	int rc;

	if (!!d->batches + !!d->rates + !!d->ramp + o->trace > 1)
		return err_set(e, ERR_USAGE,
			       "choose one of --batch-sizes, --rate, --ramp, --trace");
	if (d->rates && (rc = sched_parse_rates(d->rates, &o->rates, &o->nrates, e)))
		return rc;
	if (d->ramp) {
		if ((rc = sched_parse_ramp(d->ramp, &o->rate, e)))
			return rc;
		/* One step; its step value is where the ramp ends. */
		if (!(o->rates = malloc(sizeof *o->rates)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
		o->rates[0] = o->rate.ramp_end;
		o->nrates = 1;
	}
	if (!o->nrates && !o->trace &&
	    (rc = sched_parse_sizes(d->batches ? d->batches : "1", &o->batches,
				    &o->nbatches, e)))
		return rc;
	o->rate.arr = o->rate.burstiness != 1 ? ARR_GAMMA : ARR_POISSON;
	if (d->schedule) {
		if (strcmp(d->schedule, "window") == 0 && o->nbatches)
			o->schedule = SCHED_WINDOW;
		else if (strcmp(d->schedule, "waves") == 0 && o->nbatches)
			o->schedule = SCHED_WAVES;
		else if (strcmp(d->schedule, "poisson") == 0 && o->nrates) {
			/* the default, set above */
		} else if (strcmp(d->schedule, "constant") == 0 && o->nrates)
			o->rate.arr = ARR_CONSTANT;
		else
			return err_set(e, ERR_USAGE,
				       "--schedule: '%s' does not apply (window|waves with "
				       "batch sizes, poisson|constant with --rate)",
				       d->schedule);
	}
	if (o->max_concurrency && !o->nrates && !o->trace)
		return err_set(e, ERR_USAGE, "--max-concurrency caps an open loop (--rate, "
			       "--ramp, --trace); batch sizes are their own cap");
	/* Options that would do nothing here: said, not ignored. */
	if (o->rate.burstiness != 1 && (!o->nrates || o->rate.arr == ARR_CONSTANT))
		return err_set(e, ERR_USAGE, "--burstiness shapes Poisson arrivals of --rate or --ramp "
			       "(not batch sizes, --trace or --schedule constant)");
	if (o->time_scale != 1 && !o->trace)
		return err_set(e, ERR_USAGE, "--time-scale applies to --trace only");
	if (o->preconnect == 1 && !o->preconnect_n && (o->nrates || o->trace) && !o->max_concurrency)
		return err_set(e, ERR_USAGE, "--preconnect in open loop: say how many (--preconnect=N), "
			       "or cap the requests in flight (--max-concurrency C opens C)");
	if (o->trace && (o->requests || o->duration_s))
		return err_set(e, ERR_USAGE, "--trace sends each row once: no --requests or --duration");
	return 0;
}

int opts_parse(int argc, char **argv, struct opts *o, struct err *e)
{
	struct deferred d = {.model = "default", .api = "openai-chat"};
	int c, at, rc;

	set_defaults(o, argc, argv);
	optind = 1;
	opterr = 0;
	while ((c = opt_next(argc, argv, shortopts, longopts, &at)) != -1)
		if ((rc = take_option(c, at, argc, argv, o, &d, e)))
			return rc;
	if ((rc = set_corpus(o, argc, argv, optind, e)) ||
	    (rc = check_utf8(o, d.model, e)) ||
	    (o->cacert && (rc = check_cacert(o->cacert, e))) ||
	    (rc = secret_load_key(o->key_file, d.key_env, &o->api_key, e)) ||
	    (rc = set_targets(o, &d, e)))
		return rc;
	return set_load(o, &d, e);
}

void opts_free(struct opts *o)
{
	for (size_t i = 0; i < o->ntargets; i++)
		tyaml_target_free(&o->targets[i]);
	free(o->targets);
	free(o->headers);
	free(o->prompts);
	free(o->batches);
	free(o->rates);
	if (o->api_key) {
		/* The key should not outlive its use in freed memory. */
		explicit_bzero(o->api_key, strlen(o->api_key));
		free(o->api_key);
	}
	memset(o, 0, sizeof *o);
}
