/*
 * libFuzzer entry for the tokenizer.json path of lib/tok.c. The first
 * byte picks the tokenizer (even: qwen3, which normalizes to NFC; odd:
 * llama3, which does not); the rest is text. Invalid UTF-8 must give
 * ERR_DATA; valid text must decode to its NFC form (qwen3) or to itself
 * (llama3) byte for byte, with every id in the vocabulary. A tokenizer
 * that cannot be loaded from $LLMBENCH_TOKENIZERS aborts the run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tok.h"
#include "utf8.h"

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
	struct tok_ids ids = { 0 };
	struct buf out = BUF_INIT;
	utf8proc_uint8_t *nfc = NULL;
	const char *text, *want;
	size_t len, bad, wlen;
	struct tok *t;
	struct err e;
	int rc, qwen;

	if (size == 0)
		return 0;
	qwen = !(data[0] & 1);
	t = load(!qwen);
	text = (const char *)data + 1;
	len = size - 1;
	rc = tok_encode(t, text, len, &ids, &e);
	if (!utf8_valid(text, len, &bad)) {
		if (rc != ERR_DATA || !strstr(e.msg, "invalid UTF-8"))
			abort();
		tok_ids_free(&ids);
		return 0;
	}
	if (rc)
		abort();
	want = text;
	wlen = len;
	if (qwen && len) {
		utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text,
						  (utf8proc_ssize_t)len, &nfc,
						  UTF8PROC_STABLE | UTF8PROC_COMPOSE);

		if (n < 0)
			abort(); /* valid UTF-8 always normalizes */
		want = (const char *)nfc;
		wlen = (size_t)n;
	}
	for (size_t i = 0; i < ids.n; i++)
		if (ids.v[i] >= tok_vocab_size(t))
			abort();
	if (tok_decode(t, ids.v, ids.n, &out, &e) || out.len != wlen ||
	    (wlen && memcmp(out.p, want, wlen)))
		abort();
	free(nfc);
	buf_free(&out);
	tok_ids_free(&ids);
	return 0;
}
