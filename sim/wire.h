#ifndef LLMSIM_WIRE_H
#define LLMSIM_WIRE_H
/*
 * Wire dialects: one file each, behind this table. A dialect reads its
 * request body into a job and renders events and bodies; framing (SSE or
 * NDJSON), timing, faults and the truth log are the server's, written once.
 */
#include <event2/buffer.h>
#include <jansson.h>

#include "conf.h"
#include "err.h"
#include "prompt.h"

/* What a request asks for, as the dialect parsed it. */
struct job {
	const char *model;      /* borrowed from the body; NULL when absent */
	int stream;
	long prompt_tokens;
	long max_tokens;        /* -1 when absent */
	int exact;              /* ignore_eos or min_tokens >= max_tokens */
	long min_tokens;
	int include_usage;      /* stream_options.include_usage */
	int continuous_usage;   /* stream_options.continuous_usage_stats */
};

/* The response being rendered (a view of the server's request). */
struct wreq {
	const struct sim_conf *c;
	const char *id;
	long created;           /* epoch seconds */
	const struct job *job;
	long generated;         /* tokens produced so far, this chunk included */
	long reasoning;         /* of them, reasoning tokens */
	const char *finish;     /* "length" or "stop" once the last token is out */
	const char *text;       /* the answer so far, this chunk included */
	size_t text_len;
	int64_t prompt_ns;      /* admission to first token (server time) */
	int64_t decode_ns;      /* first token to this one */
	int64_t total_ns;       /* request received to this token */
	long cached;            /* prompt tokens found in the prefix cache */
};

enum wire_framing { WIRE_SSE, WIRE_NDJSON };

struct wire {
	const char *path;
	enum wire_framing framing;
	int space;       /* "data: " with a space (else "data:", as TGI) */
	int done;        /* ends a stream with "data: [DONE]" */
	/* Fills j from body. Returns 0 or ERR_DATA with a message for the 400. */
	int (*parse)(const json_t *body, struct prompt *p, struct job *j,
		     struct err *e);
	/* Appends the event sent before the first token (chat's role chunk),
	 * or nothing. */
	void (*head)(const struct wreq *r, struct evbuffer *out);
	/* Appends the data of one event carrying text (len bytes, already
	 * JSON-safe) of ntok tokens; reasoning says which field; finish is the
	 * finish_reason when this is the last token, else NULL. */
	void (*chunk)(const struct wreq *r, const char *text, size_t len,
		      int reasoning, const char *finish, struct evbuffer *out);
	/* Appends the data of the event after the last chunk (usage), or
	 * nothing; NULL when the dialect has no such event. */
	void (*tail)(const struct wreq *r, struct evbuffer *out);
	/* Appends the whole non-streaming body; text holds the answer,
	 * reasoning the reasoning text (either may be empty). */
	void (*body)(const struct wreq *r, const char *text, size_t tlen,
		     const char *reasoning, size_t rlen, const char *finish,
		     struct evbuffer *out);
	/* Appends an error body (or event data) as the dialect's server
	 * writes it; NULL: OpenAI's {"error": {...}} (wire_error_json). */
	void (*error)(int code, const char *type, const char *msg, struct evbuffer *out);
};

/* In a path, one segment naming the model (Triton's, MII's); the server
 * checks it as it checks a body's "model". */
#define WIRE_MODEL_MARK "{model}"

extern const struct wire wire_openai_chat, wire_openai_completions,
	wire_tgi_stream, wire_tgi, wire_llamacpp, wire_ollama_generate,
	wire_ollama_chat, wire_triton_stream, wire_triton, wire_sglang, wire_mii;

/* Appends the error body of dialect w (NULL: OpenAI's) for HTTP status
 * code: OpenAI's error object {"error": {...}} unless the dialect has its
 * own shape. */
void wire_error_json(const struct wire *w, struct evbuffer *out, int code, const char *type,
		     const char *msg);

/* Appends o compactly, keys in order, and releases it (steals o). */
void wire_add_json(struct evbuffer *out, json_t *o);

/* Optional members of o: absent or null leave *v as it is. Return 0, or
 * ERR_DATA naming the key when the type is wrong. */
int wire_opt_int(const json_t *o, const char *key, long *v, struct err *e);
int wire_opt_bool(const json_t *o, const char *key, int *v, struct err *e);

/*
 * The length options of a dialect's request object o: max_key (the
 * max_tokens, at least 1) into j->max_tokens, min_key (NULL when the
 * dialect has none; at least 0) into j->min_tokens, and llmsim's
 * ignore_eos into j->exact. Absent or null members leave j as it is.
 * Returns 0, or ERR_DATA naming the key.
 */
int wire_opt_lengths(const json_t *o, const char *max_key, const char *min_key,
		     struct job *j, struct err *e);

#endif
