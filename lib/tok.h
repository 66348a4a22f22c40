#ifndef LLMBENCH_TOK_H
#define LLMBENCH_TOK_H
/*
 * Exact tokenizers: tiktoken-compatible BPE (.tiktoken rank files) and
 * Hugging Face tokenizer.json byte-level BPE (GPT-2, Llama 3, Qwen2/3).
 *
 * Text is encoded as ordinary text: special-token strings in it are
 * counted as plain text (tiktoken's encode_ordinary; for tokenizer.json,
 * added tokens are not matched and no BOS/template token is added).
 *
 * Ownership: tok_open returns a tokenizer the caller releases with
 * tok_free. A tokenizer keeps scratch space, so one tokenizer serves one
 * thread at a time. Output vectors and buffers are the caller's.
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

struct tok;

/*
 * Opens a tokenizer. spec is a built-in name (cl100k_base, o200k_base,
 * r50k_base, p50k_base, qwen3, llama3) looked up in the folders of
 * $LLMBENCH_TOKENIZERS (colon-separated), then LLMBENCH_DATADIR/tokenizers;
 * or a path to a .tiktoken file or a tokenizer.json (optionally .gz).
 * Returns 0, or ERR_NOINPUT (file not found: the message says how to get
 * it), ERR_DATA (malformed file, or a tokenizer kind not implemented: the
 * message names the kind), ERR_SOFTWARE.
 */
int tok_open(const char *spec, struct tok **out, struct err *e);

void tok_free(struct tok *t);

/* The name rows are labelled with: the built-in name, or the file's base
 * name for a path ("FOLDER/tokenizer.json" for a file of that generic
 * name). Borrowed; lives as long as t. */
const char *tok_name(const struct tok *t);

/* "tiktoken" or "hf-bpe". */
const char *tok_kind(const struct tok *t);

/* Ids are 0 <= id < tok_vocab_size(t) (ordinary tokens only). */
size_t tok_vocab_size(const struct tok *t);

/* A vector of token ids; zero-initialize, release with tok_ids_free. */
struct tok_ids {
	uint32_t *v;
	size_t n;
	size_t cap;
};

void tok_ids_free(struct tok_ids *ids);

/*
 * Appends the ids of text[0..len) to out. Returns 0, or ERR_DATA when the
 * text is not valid UTF-8 (the message gives the byte offset), or
 * ERR_SOFTWARE. Runs in time close to linear in len, whatever the text.
 */
int tok_encode(struct tok *t, const char *text, size_t len,
	       struct tok_ids *out, struct err *e);

/* Stores the token count of text[0..len) in *count; errors as tok_encode. */
int tok_count(struct tok *t, const char *text, size_t len, size_t *count,
	      struct err *e);

/*
 * Appends the bytes that ids[0..n) spell to out (for tokenizer.json, the
 * byte-level decoding, i.e. the UTF-8 text). The bytes of a partial
 * sequence need not be valid UTF-8. Returns 0, or ERR_DATA for an id out of
 * range, or the buffer's error.
 */
int tok_decode(const struct tok *t, const uint32_t *ids, size_t n,
	       struct buf *out, struct err *e);

#endif
