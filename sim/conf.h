#ifndef LLMSIM_CONF_H
#define LLMSIM_CONF_H
/*
 * llmsim's configuration: parsed once in main and passed down as const.
 */
#include <stdint.h>

#include "profile.h"

enum outdist { OUT_MAX, OUT_FIXED, OUT_UNIFORM, OUT_EXP, OUT_LOGNORMAL };

struct sim_conf {
	const char *host;
	int port;                 /* 0: a free port */
	const char *model;        /* served model name */
	const char *model_json;   /* the same as a JSON string, quotes included */
	const char *tokenizer;    /* -t: tokenizer name or path */
	struct profile prof;      /* engine constants */
	double time_scale;        /* simulated seconds per real second */
	int zero_latency;         /* steps back to back, no timer waits */
	int tokens_per_chunk;     /* tokens per streamed event */
	long jitter_us;           /* extra send delay per chunk, uniform 0..this */
	enum outdist out_dist;    /* output length when not forced by the request */
	double out_a, out_b;      /* the distribution's parameters */
	long reasoning_tokens;    /* first N tokens sent as reasoning text */
	const char *reasoning_field; /* "reasoning_content" or "reasoning" */
	/* wire variations */
	int no_space;             /* "data:" without a space */
	int no_done;              /* no "data: [DONE]" */
	int crlf;                 /* "\r\n" line ends */
	int sse_comments;         /* ": comment" and "event:" lines */
	int split_writes;         /* events cut at random offsets */
	int errors_in_stream;     /* errors sent as events inside a 200 stream */
	/* faults: probability per request */
	double fail_rate, rate_limit_rate, disconnect_rate, stall_rate,
		garbage_rate, error_event_rate;
	long stall_ms;
	long retry_after_s;
	/* operation */
	const char *truth_path;
	const char *scrapes_path;  /* --truth-scrapes: GET /metrics log */
	long max_connections;     /* requests served at once; more get 503 */
	long max_body;            /* bytes */
	long request_timeout_ms;  /* a request is cut after this long; 0 = never */
	long keepalive_max;       /* a connection's request after this many is
				     dropped with a reset, unanswered; 0 never */
	long keepalive_timeout_ms; /* an idle kept-alive connection is closed
				      after this long; 0 never */
	int stats;                /* seconds between stats lines; 0 = off */
	int prefix_caching;       /* automatic prefix caching (default on) */
	uint64_t seed;
};

#endif
