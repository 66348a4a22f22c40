#ifndef LLMRUN_CORPUS_H
#define LLMRUN_CORPUS_H
/*
 * The corpus rows llmrun sends (docs/formats.md, "Corpus CSV"), held in
 * memory: only id, group, prompt, the token counts and arrival_s are kept.
 *
 * Ownership: corpus_load fills c; corpus_free releases it.
 */
#include <stddef.h>

#include "err.h"

/* The latest a trace may send (a year), its arrival_s divided by
 * --time-scale, and the longest think_s: a schedule is kept in int64_t
 * ns, and a trace longer than that is not a benchmark. */
#define CORPUS_MAX_ARRIVAL_S 31536000

struct corpus_row {
	char *id;           /* the row's id, or its line number */
	char *group;        /* "" when none */
	char *prompt;
	size_t prompt_len;
	long input_tokens;  /* -1 when absent */
	long output_tokens; /* -1 when absent */
	double arrival_s;   /* NAN when absent; else 0..CORPUS_MAX_ARRIVAL_S */
	/* Conversations (a corpus with a conversation_id column): */
	char *conv;         /* conversation_id; NULL in a single-turn corpus */
	long turn;          /* 1-based; -1 when absent or not a count */
	double think_s;     /* think_s: seconds before this turn; NAN absent */
	long line;          /* the row's line in the file, for messages */
};

struct corpus {
	struct corpus_row *rows;
	size_t n;
	int has_arrival; /* the file has an arrival_s column */
	int has_conv;    /* the file has a conversation_id column: every row
			    was kept, whatever the shard (session.h shards
			    whole conversations) */
	char *name;      /* the file's name as messages give it */
};

/* Loads path ("-" for stdin), keeping rows i where i % shard_n == shard_i
 * (i counts data rows from 0). Returns 0, ERR_NOINPUT, ERR_DATA (no prompt
 * column, a bad number: file:line; no rows), ERR_IO, ERR_SOFTWARE. */
int corpus_load(const char *path, long shard_i, long shard_n, struct corpus *c,
		struct err *e);

/* A corpus of prompts given on the command line (--prompt), one row each
 * with ids 1, 2, ...: no group, no token counts (input_tokens come from
 * the tokenizer or the server; max_tokens from --max-tokens). Prompts are
 * copied. Returns 0, ERR_USAGE (an empty prompt: "--prompt 2: empty"),
 * ERR_DATA (invalid UTF-8), ERR_SOFTWARE. */
int corpus_from_prompts(const char *const *prompts, size_t n, struct corpus *c,
			struct err *e);

/* Largest prompt file read by corpus_load_lines, bytes. */
#define CORPUS_MAX_LINES_FILE (256u << 20)

/* A corpus of one prompt per line of path ("-" for stdin), ids the line
 * numbers, sharded as corpus_load. A line ends in LF or CRLF; the last
 * may lack one. Returns 0, ERR_NOINPUT, ERR_DATA ("file:3: empty line"
 * (a prompt cannot be empty), invalid UTF-8, a NUL byte, no prompts, a
 * file over the cap), ERR_IO, ERR_SOFTWARE. */
int corpus_load_lines(const char *path, long shard_i, long shard_n,
		      struct corpus *c, struct err *e);

void corpus_free(struct corpus *c);

#endif
