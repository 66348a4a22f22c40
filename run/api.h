#ifndef LLMRUN_API_H
#define LLMRUN_API_H
/*
 * API dialects behind one table: each file api_*.c builds its request body
 * and reads one parsed event (or a whole non-streamed body). Framing
 * (lib/sse), timing and the result row are written once, in the engine and
 * record modules, never per dialect.
 *
 * Events are tokenized with jsmn, which validates the JSON of every event
 * without allocating; a jansson tree is built only for the parts that need
 * one (text when it is kept, error objects). The jd_ helpers below walk the
 * token array.
 *
 * Ownership: a dialect's body() returns a new jansson object the caller
 * releases.
 * struct resp is the engine's, one per request; dialects fill it.
 */
#include <stdint.h>

#include <jansson.h>
/* Types only here; request.c holds jsmn's code (JSMN_STATIC, JSMN_STRICT),
 * and api_mii.c a copy of its own. */
#ifndef JSMN_HEADER
#define JSMN_HEADER
#endif
#include <jsmn.h>

#include "buf.h"
#include "err.h"
#include "sse.h"

/* jsmn tokens one document may have: a body of 64 MiB could need 32
 * million (half a GiB of tokens) otherwise. */
#define API_TOK_MAX (1u << 20)

/* A tokenized JSON document: js[0..len) and its tokens, root at index 0. */
struct jdoc {
	const char *js;
	const jsmntok_t *t;
	int n;
};

/* Index of the value of member key in object token obj, or -1. */
int jd_get(const struct jdoc *d, int obj, const char *key);
/* Index of element k of array token arr, or -1. */
int jd_at(const struct jdoc *d, int arr, int k);
/* Index just past the subtree at token i. */
int jd_skip(const struct jdoc *d, int i);
/* 1 when token i exists and is a string with at least one byte. */
int jd_nonempty_str(const struct jdoc *d, int i);
/* 1 when token i is null or missing. */
int jd_null(const struct jdoc *d, int i);
/* Integer value of token i, or dflt when missing, not a number, or out of
 * the range a double holds exactly (+-2^53). */
long jd_long(const struct jdoc *d, int i, long dflt);
/* A token count: as jd_long, but dflt also for a negative or fractional
 * value (a count the server got wrong is not recorded as measured). */
long jd_count(const struct jdoc *d, int i, long dflt);
double jd_double(const struct jdoc *d, int i, double dflt);
/* A server's timing: as jd_double, but dflt also for a negative, infinite
 * or absurd value (over 1e15, in the server's unit): a timing the server
 * got wrong is not recorded, and does not make the results unreadable. */
double jd_duration(const struct jdoc *d, int i, double dflt);
/* Copies a string (unescaped) or primitive token into out (cut to size,
 * NUL-terminated); "" when missing. */
void jd_copy(const struct jdoc *d, int i, char *out, size_t size);
/* Appends the unescaped text of string token i to out; 0 or buf error. */
int jd_text(const struct jdoc *d, int i, struct buf *out, struct err *e);
/* 1 when string token i equals s. */
int jd_eq(const struct jdoc *d, int i, const char *s);

/* Error classes of a request (record.c prints their names). */
enum rclass {
	RC_OK,
	RC_HTTP_4XX,
	RC_HTTP_5XX,
	RC_RATE_LIMITED,
	RC_TIMEOUT,
	RC_CONNECT,
	RC_DISCONNECT,
	RC_BAD_STREAM,
	RC_CANCELLED,
};

/* The most a response's text, or its chunk log, may hold: a server that
 * streams without end fails the request (bad_stream) rather than take the
 * client's memory until the timeout (828 MB in 8 s was seen). As a
 * body's cap, BODY_MAX. */
#define RESP_MAX (64u << 20)

/* What is learned from one response. Times are monotonic ns, 0 = none;
 * counts are -1 when unknown. */
struct resp {
	int64_t t_sent;          /* when the request was handed to libcurl */
	int64_t t_first_token;   /* first chunk with content or reasoning text */
	int64_t t_first_content; /* first chunk with answer content */
	int64_t t_last_token;    /* last chunk with text */
	long chunks;             /* chunks carrying text */
	/* 1 when the second text chunk got the first's stamp: they were
	 * read, or waited in one kernel buffer, together (the client read
	 * late, or the server sent both at once), so the first token's
	 * stamp is the second's arrival; 0 when each has its own; -1 before
	 * a second text chunk. */
	int first_merged;
	long in_tokens;          /* usage.prompt_tokens and the like */
	long out_tokens;         /* usage.completion_tokens and the like */
	long reasoning_tokens;
	long usage_out_prev;     /* completion_tokens of the last usage seen */
	long usage_at;           /* chunks when the last usage came; -1 none */
	long held;               /* tokens of events without text, not yet
				    logged (TGI: they count with the next) */
	int done;                /* the dialect's end marker arrived */
	double server_prompt_ms; /* NAN when the server did not say */
	double server_decode_ms;
	/* The tokens those timings cover, as the server counts them
	 * (llama.cpp prompt_n, predicted_n; Ollama's eval counts); -1 when
	 * not said. prompt_n leaves out prompt-cache hits, so it is what
	 * server_prompt_ms was spent on, not usage.prompt_tokens. */
	long server_prompt_tokens, server_decode_tokens;
	/* usage.prompt_tokens_details.cached_tokens (prefix-cache hits, as
	 * vLLM, SGLang and OpenAI send it); -1 when not said. */
	long cached_tokens;
	char response_id[96];
	char finish[32];
	enum rclass err_class; /* an error carried inside the response */
	char err[160];
	int keep_text;        /* append output text to text */
	struct buf text;      /* output text (answer and reasoning) */
	struct buf chunk_log; /* "OFFSET_US[:TOKENS]" per text chunk */
	/* Set by a dialect whose streams have no end marker (Triton): a
	 * clean end of the body is then the end of the answer. */
	int open_end;
	/* Dialects that send the whole text so far in every event (SGLang):
	 * its length in bytes, unescaped, so far; scratch holds one event's
	 * text while its new part is cut off. */
	size_t cum_len;
	struct buf scratch;
};

/* Clears r for a new request (keeps buffer memory). */
void resp_reset(struct resp *r, int64_t t_sent, int keep_text);
void resp_free(struct resp *r);

/*
 * Records a chunk of text at time now: reasoning != 0 for reasoning text.
 * text_tok is the string token holding the text (used only when the text
 * is kept). tokens is the chunk's token count when known, else -1.
 * Empty text is not a chunk (the role-only first chunk never counts).
 */
int resp_chunk(struct resp *r, const struct jdoc *d, int text_tok,
	       int reasoning, long tokens, int64_t now, struct err *e);

/* As resp_chunk, for text already unescaped (len bytes; none is no chunk). */
int resp_chunk_raw(struct resp *r, const char *text, size_t len, int reasoning,
		   long tokens, int64_t now, struct err *e);

/*
 * A chunk from an event that carries the whole text so far (string token
 * text_tok): the part past the text seen before is the chunk, so each
 * chunk is stamped with what it added. Text that does not grow is no
 * chunk; text shorter than before is ERR_DATA (the server took text
 * back, and no delta can be told).
 */
int resp_cumulative(struct resp *r, const struct jdoc *d, int text_tok,
		    long tokens, int64_t now, struct err *e);

/* Reads an OpenAI-style usage object at token u (prompt_tokens,
 * completion_tokens, completion_tokens_details.reasoning_tokens) and
 * returns how many completion tokens it adds since the last one, or -1. */
long resp_usage(struct resp *r, const struct jdoc *d, int u);

/*
 * Checks a parsed event or body for an error object, in the shapes servers
 * send: {"error": {...}} or {"error": "text"}, or {"object": "error", ...}.
 * Sets r->err_class (from the code when it is an HTTP status, else
 * http_5xx) and r->err. Returns 1 when one was found.
 */
int api_error_object(struct resp *r, const struct jdoc *d);

/* The server's words in a failure's body that holds no error object,
 * into r->err unless it has some: FastAPI's {"detail": "..."} or a
 * {"message": "..."} of d (NULL when the body is not JSON), else the
 * body's own text (a proxy's page, "Internal Server Error: ..."), on one
 * line, cut to r->err's size. Leaves r->err_class alone. */
void api_error_text(struct resp *r, const struct jdoc *d, const char *body, size_t n);

/* An error event's data (d: its JSON, NULL when it is not): an error
 * object, else one whose root is the error (llama.cpp's {"code": 400,
 * "message": ...}; its code's class, else http_5xx), else the text.
 * Always sets r->err_class and r->err. */
void api_error_event(struct resp *r, const struct jdoc *d, const char *data, size_t n);

/* One earlier message of a conversation: text[0..len), role "user" or
 * "assistant". */
struct api_msg {
	const char *role;
	const char *text;
	size_t len;
};

/* What a request needs to build its body. */
struct api_req {
	const char *model;
	const char *prompt;
	const char *system;   /* NULL when none */
	/* A conversation's earlier turns, oldest first, sent between the
	 * system prompt and prompt; only dialects with chat set take them. */
	const struct api_msg *history;
	size_t nhistory;
	long max_tokens;      /* -1: not sent */
	long min_tokens;      /* -1: not sent */
	int ignore_eos;
	int stream;
	int continuous_usage; /* ask for usage in every chunk */
	double temperature;   /* NAN: not sent */
	double top_p;         /* NAN: not sent */
};

struct api {
	const char *name;
	const char *path_stream; /* appended to the base URL */
	const char *path_plain;
	enum sse_mode mode;
	int chat; /* sends messages, so it can replay a conversation */
	/* A new body object for q (NULL when out of memory). */
	json_t *(*body)(const struct api_req *q);
	/* One streamed event (root at token 0). Returns 0, or ERR_ codes. */
	int (*event)(struct resp *r, const struct jdoc *d, int64_t now,
		     struct err *e);
	/* The whole body of a non-streamed response. */
	int (*whole)(struct resp *r, const struct jdoc *d, int64_t now,
		     struct err *e);
	/* 1: the server has no streaming endpoint (llmrun asks for
	 * --no-stream rather than misread a whole body as a stream). */
	int plain_only;
	/* 1: a whole body may be any JSON value, not only an object
	 * (DeepSpeed-MII's gateway sends a JSON string holding an array). */
	int whole_any;
	/* What its request has no parameter for (llmrun says so once, and
	 * sends the rest): 1 for --ignore-eos, for --min-tokens. */
	int no_ignore_eos, no_min_tokens;
	/* Where its body says the most tokens to make ("parameters.
	 * max_new_tokens"): read back when --extra-body may have set it. */
	const char *max_key;
};

extern const struct api api_openai_chat, api_openai_completions, api_tgi,
	api_llamacpp, api_ollama, api_triton, api_sglang, api_mii;

/* The mark in a path (Triton's, MII's) where the model's name goes. */
#define API_MODEL_MARK "{model}"

/* 1 when a path of a holds API_MODEL_MARK. */
int api_names_model(const struct api *a);

/*
 * a with its paths naming model (percent-encoded) in place of
 * API_MODEL_MARK: a new table, one allocation the caller frees with
 * free(); NULL when out of memory.
 */
struct api *api_bind(const struct api *a, const char *model);

/* The dialect named name or one of its aliases (the names vLLM's and
 * SGLang's benchmarks give OpenAI-compatible servers: vllm, openai,
 * lmdeploy, scalellm for completions; vllm-chat, lmdeploy-chat for chat;
 * and theirs for the other engines: tensorrt-llm, trt for triton,
 * sglang-native for sglang, deepspeed-mii for mii), or NULL. The
 * dialect's own name is what rows and metadata record. */
const struct api *api_find(const char *name);

/* The dialect one of whose paths a URL ends in (before a query and
 * trailing slashes), with *len the length of that ending (the path and
 * what follows it); NULL when none. API_MODEL_MARK in a path matches one
 * or more characters other than '?' and '#'. */
const struct api *api_by_path(const char *url, size_t *len);

/* Names of all dialects, separated by '|', then the aliases, for
 * messages. */
const char *api_names(void);

/* Sets the sampling fields shared by the OpenAI-like bodies. */
void api_set_common(json_t *o, const struct api_req *q);

/* Sets temperature and top_p in o when they are given. */
void api_set_sampling(json_t *o, const struct api_req *q);

/* The prompt as a JSON string, with the system prompt in front for the
 * dialects that have no messages (new reference). */
json_t *api_prompt_text(const struct api_req *q);

/* llama.cpp's "timings" object (prompt_ms, predicted_ms, prompt_n,
 * predicted_n), sent in the last event of every endpoint: sets
 * server_prompt_ms, server_decode_ms and their token counts. */
void api_timings(struct resp *r, const struct jdoc *d);

/* OpenAI-like events: takes the response id, usage and llama.cpp's
 * timings; returns the index of choices[0] (or -1) and in *add the
 * completion tokens the usage adds (-1 when none). api_openai_finish
 * reads its finish_reason. */
int api_openai_head(struct resp *r, const struct jdoc *d, long *add);
void api_openai_finish(struct resp *r, const struct jdoc *d, int c0);

#endif
