/*
 * libFuzzer entry for the tiktoken path of lib/tok.c: the whole input is
 * text encoded with cl100k_base (found through $LLMBENCH_TOKENIZERS, which
 * the Makefile exports). Invalid UTF-8 must give ERR_DATA and nothing
 * else; valid text must decode back to itself byte for byte, with every
 * id in the vocabulary and tok_count agreeing with tok_encode. A missing
 * tokenizer aborts: a fuzzer that cannot load it proves nothing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loaded once per process: libFuzzer calls the entry millions of times. */
static struct tok *cl100k(void)
{
	static struct tok *t;
	struct err e;

	if (!t && tok_open("cl100k_base", &t, &e)) {
		fprintf(stderr, "fuzz_tok_tiktoken: %s\n", e.msg);
		abort();
	}
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tok *t = cl100k();
	struct tok_ids ids = { 0 };
	struct buf out = BUF_INIT;
	const char *text = (const char *)data;
	size_t bad, count;
	struct err e;
	int rc;

	rc = tok_encode(t, text, size, &ids, &e);
	if (!utf8_valid(text, size, &bad)) {
		if (rc != ERR_DATA || !strstr(e.msg, "invalid UTF-8"))
			abort();
		tok_ids_free(&ids);
		return 0;
	}
	if (rc)
		abort();
	for (size_t i = 0; i < ids.n; i++)
		if (ids.v[i] >= tok_vocab_size(t))
			abort();
	if (tok_count(t, text, size, &count, &e) || count != ids.n)
		abort();
	if (tok_decode(t, ids.v, ids.n, &out, &e) || out.len != size ||
	    (size && memcmp(out.p, data, size)))
		abort();
	buf_free(&out);
	tok_ids_free(&ids);
	return 0;
}
