/*
 * libFuzzer entry for the tokenizer.json path of lib/tok.c. The first
 * byte picks the tokenizer (even: qwen3, which normalizes to NFC; odd:
 * llama3, which does not); the rest is text, checked by tok_check_text:
 * invalid UTF-8 gives ERR_DATA; valid text decodes to its NFC form (qwen3)
 * or to itself (llama3) byte for byte. A tokenizer that cannot be loaded
 * from $LLMBENCH_TOKENIZERS aborts the run.
 */
#include <stdint.h>
#include <stdio.h>

#include "tok_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each loaded once per process, on first use. */
static struct tok *load(int which)
{
	static const char *const names[2] = { "qwen3", "llama3" };
	static struct tok *t[2];
	struct err e;

	if (!t[which] && tok_open(names[which], &t[which], &e)) {
		fprintf(stderr, "fuzz_tok_hf: %s\n", e.msg);
		abort();
	}
	return t[which];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int qwen;

	if (size == 0)
		return 0;
	qwen = !(data[0] & 1);
	tok_check_text(load(!qwen), (const char *)data + 1, size - 1, qwen);
	return 0;
}
