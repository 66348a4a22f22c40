#ifndef LLMBENCH_TOK_IMPL_H
#define LLMBENCH_TOK_IMPL_H
/*
 * What the tokenizer families share inside lib/: the struct behind
 * struct tok and the loaders that fill it. Not for use outside tok*.c.
 */
#include "tok.h"
#include "tok_bpe.h"
#include "tok_split.h"

struct tok_special {
	const char *text;
	uint32_t id;
};

struct tok {
	char name[128];
	const char *kind;
	struct tok_split *split;
	int split_gaps;       /* text between matches is a piece too (HF) */
	int nfc;              /* normalize to NFC before splitting */
	int whole_first;      /* a piece that is a token is that one token */
	int use_pairs;        /* merge ranks by id pair (HF), else by bytes */
	struct bpe_vocab voc;
	struct bpe_pairs pairs;
	uint32_t byte_id[256];
	uint32_t vocab_size;  /* ordinary ids are below this */
	const struct tok_special *special; /* decoded by tok_decode, never matched */
	size_t nspecial;
	char **owned;         /* strings special[] points into, freed at end */
	struct bpe_work work;
};

/* A built-in tiktoken encoding: its regex and special tokens. */
struct tok_builtin {
	const char *name;
	const char *regex;
	const struct tok_special *special; /* terminated by text == NULL */
	unsigned nranks; /* lines of its official rank file */
};

/* The built-in tiktoken encoding called name, or NULL. */
const struct tok_builtin *tok_builtin_find(const char *name);

/* The built-in encoding whose official rank file has n ranks, or NULL. */
const struct tok_builtin *tok_builtin_by_ranks(unsigned n);

/* Loads a .tiktoken rank file into t (zeroed, name set) for encoding b.
 * Errors name path and line. */
int tok_tiktoken_load(struct tok *t, const char *path,
		      const struct tok_builtin *b, struct err *e);

/* Loads a tokenizer.json (gzip-compressed when it ends in .gz) into t. */
int tok_hf_load(struct tok *t, const char *path, struct err *e);

/* The same on the len bytes of a tokenizer.json held in memory (not
 * compressed); path names it in messages. Used by tok_hf_load and the
 * loader's fuzz target. On error, t holds what was loaded: tok_free it. */
int tok_hf_parse(struct tok *t, const char *path, const char *json, size_t len,
		 struct err *e);

/* Fills t->byte_id from the vocabulary: every byte must be a token of its
 * own, or the file is not byte-level BPE (ERR_DATA naming path). */
int tok_byte_ids(struct tok *t, const char *path, struct err *e);

#endif
