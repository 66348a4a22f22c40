#ifndef LLMRUN_OPTIONS_H
#define LLMRUN_OPTIONS_H
/*
 * llmrun's configuration, parsed once in main and passed down as const.
 *
 * Ownership: opts_parse fills a struct whose strings point into argv or
 * into memory released by opts_free. The API key, read from the
 * environment or a file, is held here and nowhere else; it is only ever
 * put into a request header; so is a YAML target's (opts_target.api_key).
 * targets.h fills o->targets; secrets.h reads the key and redacts it.
 */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api.h"
#include "err.h"
#include "sched.h"

enum opts_schedule { SCHED_WINDOW, SCHED_WAVES };

/* One endpoint (the command line's, or a row of --targets). */
struct opts_target {
	char *name;
	char *url;
	char *model;
	const struct api *api;
	/* api bound to model when its paths name it (api_bind); owned, NULL
	 * when api is the table itself. */
	struct api *bound;
	json_t *extra; /* merged into every body; NULL for none */
	int lookup_model; /* no model given: ask the server (unless --no-probe) */
	/* A YAML target's own key and headers; NULL: the run's. */
	char *api_key;          /* $api_key_env's value; never printed */
	char **own_headers;     /* "Name: value", the target's headers */
	size_t nown_headers;
	const char **headers;   /* -H then own_headers (borrowed strings) */
	size_t nheaders;
};

struct opts {
	const char *corpus; /* CSV path, "-" for stdin; NULL with prompts */
	const char **prompts;    /* --prompt, in order (into argv) */
	size_t nprompts;
	const char *prompt_file; /* --prompt-file, "-" for stdin; NULL none */
	const char *out;    /* results path, "-" for stdout */
	const char *meta;   /* metadata path; NULL: OUT.meta.json, none for stdout */
	const char *targets_file; /* --targets; NULL none */
	const char *key_file;     /* --api-key-file; NULL none */

	struct opts_target *targets;
	size_t ntargets;
	int stream;
	int continuous_usage;
	char *api_key;       /* NULL when none; never printed */
	const char **headers; /* "Name: value" */
	size_t nheaders;

	double temperature, top_p; /* NAN: not sent */
	long max_tokens;           /* -1: the corpus row's output_tokens */
	long min_tokens;           /* -1: not sent */
	int ignore_eos;
	const char *system;

	int insecure;
	const char *cacert;
	double timeout_s, connect_timeout_s;
	int http2, no_keepalive;
	/* Who stamps chunks: the kernel, its stamp taken by a peek before
	 * each read (libcurl's reads go through recvstamp.h where they can,
	 * which saves its poll); the kernel, its stamp taken in libcurl's
	 * reads (cheaper, coarser when events wait together); or llmrun when
	 * it reads them. */
	enum { STAMP_KERNEL, STAMP_RECV, STAMP_READ } stamp;
	long read_batch_us; /* the loop's pause (eng_pause_watch), 0 none */
	long spin_us;       /* poll, not sleep, this long before a timed send */
	int recv_wrap;      /* libcurl reads through recvstamp.h: set by main */
	int preconnect;     /* -1: for closed-loop steps only; 0 off; 1 on */
	long preconnect_n;  /* connections to open, 0: the step's batch size */

	/* Load: batch steps, rate steps or a trace. */
	long *batches;
	size_t nbatches;
	enum opts_schedule schedule;
	double *rates;
	size_t nrates;
	struct sched_rate rate; /* arrivals, burstiness, ramp (rate per step) */
	long max_concurrency;   /* open loop: most requests in flight, 0 none */
	int trace;              /* send rows at their arrival_s */
	double time_scale;      /* trace offsets are divided by it */

	long requests;     /* per step, 0: one pass over the corpus */
	double duration_s; /* per step, 0: none */
	long warmup;       /* requests per step marked warmup */
	long max_errors;   /* stop after more errors; -1: never */
	double min_success; /* a step below this success rate fails the run (69) */
	const char *run_id; /* --run-id, NULL: made up per run */
	char note[400];     /* said on stderr before the run ("" none) */
	int no_probe;       /* --no-probe */
	int model_given;    /* --model was given (else the server's is looked up) */
	long retries;      /* further attempts of a failed request */
	double retry_backoff_s; /* the first retry's delay; doubles per attempt */
	unsigned retry_on; /* bit (1 << enum rclass) for each class retried */

	double think_min_s, think_max_s; /* --think-time, seconds (0: none) */

	long shard_i, shard_n;
	uint64_t seed;
	const char *tokenizer;
	long show_samples;
	int quiet, drain;

	int scrape;                /* --scrape: FILE.metrics.csv (run/scrape.h) */
	const char *scrape_url;    /* NULL: the target's /metrics */
	double scrape_interval_s;  /* seconds between scrapes */
	long long scrape_max_bytes; /* the file's cap */

	int argc;
	char **argv;
};

/*
 * Parses argv. Returns 0; -1 when --help or --version was printed (exit 0);
 * or ERR_USAGE (bad option), ERR_NOINPUT (key file or targets file
 * missing), ERR_DATA (bad targets file or extra body) with e filled.
 */
int opts_parse(int argc, char **argv, struct opts *o, struct err *e);

void opts_free(struct opts *o);

#endif
