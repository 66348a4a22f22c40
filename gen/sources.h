#ifndef LLMBENCH_GEN_SOURCES_H
#define LLMBENCH_GEN_SOURCES_H
/*
 * Prompts imported from files instead of composed from templates:
 *
 *   SRC_JSONL     one JSON object per line: {"prompt": "...",
 *                 "output_tokens": 128}; output_tokens is optional (a
 *                 positive integer). Blank lines are skipped.
 *   SRC_SHAREGPT  ShareGPT JSON: an array of (or one per line) objects with
 *                 "conversations": [{"from": "human", "value": "..."},
 *                 {"from": "gpt", "value": "..."}, ...]. The first human
 *                 turn is the prompt and the turn after it the reply, whose
 *                 token count the caller makes the output length.
 *                 Conversations without a human turn followed by a reply,
 *                 or with an empty prompt, are skipped and counted.
 *   SRC_SHAREGPT_TURNS  the same files, every conversation kept whole:
 *                 each human turn is an item (turn 1, 2, ...) with the
 *                 reply after it (none for a last human turn); leading
 *                 system or assistant turns are passed over, and a
 *                 conversation ends early at two human turns in a row or
 *                 an empty human turn.
 *   SRC_TEXT      one prompt per line (CR LF accepted); blank lines are
 *                 skipped.
 *
 * Malformed input (bad JSON, a missing or non-string "prompt", a
 * non-string turn value, invalid UTF-8, a NUL byte) is ERR_DATA naming
 * "file:line" (and the column when the JSON parser gives one).
 *
 * Ownership: src_load fills a list the caller releases with src_free;
 * the strings belong to the list.
 */
#include <stddef.h>

#include "err.h"

/* Most bytes read from one source file. */
#define SRC_MAX_FILE ((size_t)4 << 30)

enum src_kind { SRC_JSONL, SRC_SHAREGPT, SRC_SHAREGPT_TURNS, SRC_TEXT };

struct src_item {
	char *prompt; /* UTF-8, NUL-terminated */
	size_t prompt_len;
	long output_tokens; /* from the file, or -1 when it gives none */
	char *reply;        /* ShareGPT reply text, else NULL */
	size_t reply_len;
	long line; /* where the item starts in its file, from 1 */
	long conv; /* SRC_SHAREGPT_TURNS: conversation, from 0; else -1 */
	int turn;  /* SRC_SHAREGPT_TURNS: from 1; else 0 */
};

struct src_list {
	struct src_item *v;
	size_t n, cap;
	size_t skipped; /* ShareGPT conversations without a usable pair */
	long nconv;     /* SRC_SHAREGPT_TURNS: conversations kept */
};

/* Reads path ("-" for stdin). Returns 0, or ERR_NOINPUT (cannot open),
 * ERR_DATA (as above, or a file with no prompt at all), ERR_IO,
 * ERR_SOFTWARE. */
int src_load(enum src_kind kind, const char *path, struct src_list *out,
	     struct err *e);

/* The same on text[0..len) already in memory; name is used in messages. */
int src_parse(enum src_kind kind, const char *name, const char *text,
	      size_t len, struct src_list *out, struct err *e);

void src_free(struct src_list *l);

/* "jsonl", "sharegpt", "text": the corpus scenario of imported rows. */
const char *src_kind_name(enum src_kind kind);

#endif
