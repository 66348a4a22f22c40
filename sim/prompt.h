#ifndef LLMSIM_PROMPT_H
#define LLMSIM_PROMPT_H
/*
 * Prompt token counts as the server reports them in usage.prompt_tokens.
 *
 * Chat requests add a simple template's overhead, the one OpenAI documents
 * for its chat models (the "num_tokens_from_messages" recipe): each
 * message costs PROMPT_PER_MESSAGE tokens plus its role's and content's
 * tokens, and the reply is primed with PROMPT_REPLY tokens. A message's
 * content is a string or an array of {"type":"text","text":...} parts.
 *
 * Counts are exact: lib/tok, the tokenizer llmgen count uses.
 *
 * Ownership: prompt_open's counter is freed by prompt_free; one counter
 * serves one thread.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "tok.h"

#define PROMPT_PER_MESSAGE 3
#define PROMPT_REPLY 3

struct prompt;

/* Opens the tokenizer named by spec (lib/tok.h's names or a path).
 * Returns 0, or the tokenizer's error. */
int prompt_open(const char *spec, struct prompt **out, struct err *e);
void prompt_free(struct prompt *p);

/*
 * Recording, for prefix caching: between prompt_record(p, 1) and
 * prompt_record(p, 0), every count also appends the ids it counted to a
 * buffer the counter keeps, and a chat count adds stand-in ids for its
 * template's tokens (per message before its role, and the reply's at the
 * end), so the buffer holds exactly as many ids as the count and two
 * requests with the same first messages have the same first ids.
 * Turning it on empties the buffer.
 */
void prompt_record(struct prompt *p, int on);

/* The ids recorded since prompt_record(p, 1); valid until the next call
 * that counts or records. */
const uint32_t *prompt_recorded(const struct prompt *p, size_t *n);

/* Tokens of text[0..len). Returns 0, or ERR_DATA (not UTF-8). */
int prompt_count_text(struct prompt *p, const char *text, size_t len,
		      long *count, struct err *e);

/* Tokens of a chat "messages" array with the template overhead. Returns
 * 0, or ERR_DATA naming what is malformed ("messages[2].content ..."). */
int prompt_count_chat(struct prompt *p, const json_t *messages, long *count,
		      struct err *e);

/* Appends the token ids of text[0..len) to out (for /tokenize). Returns 0
 * or tok_encode's error. */
int prompt_encode(struct prompt *p, const char *text, size_t len,
		  struct tok_ids *out, struct err *e);

#endif
