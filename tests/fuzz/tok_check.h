/*
 * The tokenizer contract the tokenizer fuzz targets check, shared by them
 * (included once per target; not a module). tok_check_text encodes
 * text[0..len) with t: invalid UTF-8 must give ERR_DATA and nothing else;
 * valid text must give ids within the vocabulary, the same count from
 * tok_count, and decode to the text itself, or to its NFC form when nfc
 * (Hugging Face's, lib/tok_nfc.h, which must be utf8proc's own for text
 * without a code point HF's Unicode 9 tables lack). Any breach aborts.
 */
#ifndef LLMBENCH_FUZZ_TOK_CHECK_H
#define LLMBENCH_FUZZ_TOK_CHECK_H
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tok.h"
#include "tok_nfc.h"
#include "utf8.h"

/* Whether valid text holds a code point of tok_nfc_unknown. */
static int holds_unknown(const char *text, size_t len)
{
	utf8proc_int32_t c;

	for (size_t at = 0; at < len;) {
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)text + at,
						      (utf8proc_ssize_t)(len - at), &c);

		if (k < 1)
			abort();
		for (size_t i = 0; i < tok_nfc_nunknown; i++)
			if ((uint32_t)c >= tok_nfc_unknown[i].lo && (uint32_t)c <= tok_nfc_unknown[i].hi)
				return 1;
		at += (size_t)k;
	}
	return 0;
}

static void tok_check_text(struct tok *t, const char *text, size_t len, int nfc)
{
	struct tok_ids ids = { 0 };
	struct buf out = BUF_INIT, hf = BUF_INIT;
	utf8proc_uint8_t *norm = NULL;
	const char *want = text;
	size_t bad, count, wlen = len;
	struct err e;
	int rc = tok_encode(t, text, len, &ids, &e);

	if (!utf8_valid(text, len, &bad)) {
		if (rc != ERR_DATA || !strstr(e.msg, "invalid UTF-8"))
			abort();
		tok_ids_free(&ids);
		return;
	}
	if (rc)
		abort();
	if (nfc && len) {
		if (tok_nfc(text, len, &hf, &e))
			abort();
		if (!holds_unknown(text, len)) {
			utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text,
							  (utf8proc_ssize_t)len, &norm,
							  UTF8PROC_STABLE | UTF8PROC_COMPOSE);

			if (n < 0 || (size_t)n != hf.len || memcmp(norm, hf.p, hf.len))
				abort(); /* valid UTF-8 always normalizes, alike */
		}
		want = hf.p ? hf.p : "";
		wlen = hf.len;
	}
	for (size_t i = 0; i < ids.n; i++)
		if (ids.v[i] >= tok_vocab_size(t))
			abort();
	if (tok_count(t, text, len, &count, &e) || count != ids.n)
		abort();
	if (tok_decode(t, ids.v, ids.n, &out, &e) || out.len != wlen ||
	    (wlen && memcmp(out.p, want, wlen)))
		abort();
	free(norm);
	buf_free(&hf);
	buf_free(&out);
	tok_ids_free(&ids);
}

#endif
