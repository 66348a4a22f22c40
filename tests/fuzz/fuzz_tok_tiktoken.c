/*
 * libFuzzer entry for the tiktoken path of lib/tok.c: the whole input is
 * text encoded with cl100k_base (found through $LLMBENCH_TOKENIZERS, which
 * the Makefile exports), checked by tok_check_text: invalid UTF-8 gives
 * ERR_DATA; valid text decodes back to itself byte for byte. A missing
 * tokenizer aborts: a fuzzer that cannot load it proves nothing.
 */
#include <stdint.h>
#include <stdio.h>

#include "tok_check.h"

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
	tok_check_text(cl100k(), (const char *)data, size, 0);
	return 0;
}
