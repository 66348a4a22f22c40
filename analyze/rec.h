#ifndef LLMANALYZE_REC_H
#define LLMANALYZE_REC_H
/*
 * One result row as llmanalyze uses it, parsed from the results CSV
 * (docs/formats.md). Strings are borrowed from the reader and valid only
 * while the row is being handled.
 *
 * Missing values: times are AN_NO_TIME, milliseconds NaN, token counts -1.
 * Rows of a vLLM result file (analyze/vllm.h) are made to look the same.
 */
#include <stddef.h>
#include <stdint.h>

#define AN_NO_TIME INT64_MIN

/* Request outcome: ok, an error class, or cancelled (counted apart). */
enum an_status {
	AN_OK,
	AN_HTTP_4XX,
	AN_HTTP_5XX,
	AN_RATE_LIMITED,
	AN_TIMEOUT,
	AN_CONNECT,
	AN_DISCONNECT,
	AN_BAD_STREAM,
	AN_OTHER,     /* a status this version does not know */
	AN_CANCELLED,
	AN_NSTATUS
};

struct an_rec {
	const char *run_id;
	const char *target;     /* the target's name; may be NULL */
	const char *step_kind;  /* batch, rate, trace; NULL when not said */
	const char *row_id;     /* corpus id; may be NULL */
	const char *step;       /* batch size or rate as written; may be NULL */
	const char *chunk_log;  /* "OFFSET_US[:TOKENS] ..."; may be NULL */
	const char *response_id; /* the server's id; may be NULL */
	size_t file;            /* index of the input file the row came from */
	int warmup;             /* 1 for warmup rows */
	int retried;            /* 1 for a failed attempt that was retried */
	enum an_status status;
	int64_t t_sent, t_first, t_last, t_end; /* epoch ns */
	double ttft_ms, tpot_ms, e2e_ms;
	long in_tok, out_tok;
	int in_est, out_est;    /* 1 when the count is an estimate (source chunks) */
	double lag_ms;          /* client lag, t_sent - t_scheduled (ms); NaN unknown */
	long max_tok;           /* max_tokens requested; -1 unknown */
	/* A file that gives its run's span but no send or end time per
	 * request (a vLLM result file): that span, epoch ns, so throughputs
	 * have a duration; AN_NO_TIME otherwise. */
	int64_t run_from, run_to;
	/* The first send of its request when earlier attempts failed and were
	 * retried (their rows are not passed on): its span starts there. 0
	 * otherwise (as a row zeroed by its maker has it). */
	int64_t first_attempt;
	int unplaced;           /* 1: that span's place in time is unknown
				   (a vLLM file without `date`): its length
				   holds, but it is never pooled with another
				   run's */
	int e2e_approx;         /* 1: E2E (so TPOT) is TTFT + the chunk gaps,
				   not a measured end (a vLLM result file) */
	/* The server's own timings (ms, NaN unknown) and the tokens they
	 * cover by its count (-1 unknown): llama.cpp timings, Ollama. */
	double srv_prompt_ms, srv_decode_ms;
	long srv_prompt_tok, srv_decode_tok;
	/* Conversation sessions (llmrun on a conversation corpus): */
	const char *conv_id;    /* conversation_id; NULL for a single turn */
	long turn;              /* 1-based; -1 unknown or single turn */
	long ctx_tok;           /* prompt tokens of the whole request; -1 unknown */
	long cached_tok;        /* prompt tokens from the server's prefix
				   cache; -1 when the server did not say */
	long ttft_merged;       /* 1: the first token came in one buffer with
				   the next chunk (its stamp is that one's);
				   0: it has its own; -1 unknown */
};

/* Prompt tokens of the whole request: context_tokens, else an ok row's
 * input_tokens (a single-turn row's prompt is its whole request; a
 * failed row's is the corpus's count, not the request's); -1 unknown. */
long an_rec_prompt_tokens(const struct an_rec *r);

/* The status name in results files for s ("ok", "http_4xx", ...). */
const char *an_status_name(enum an_status s);

/* Status for a results-file name; AN_OTHER for an unknown one. */
enum an_status an_status_parse(const char *s);

/* Fills in what a row left empty but its timestamps give: TTFT, E2E and
 * TPOT (docs/formats.md formulas). Values already present are kept. */
void an_rec_complete(struct an_rec *r);

#endif
