/*
 * The tokenizer contract the tokenizer fuzz targets check, shared by them
 * (included once per target; not a module). tok_check_text encodes
 * text[0..len) with t: invalid UTF-8 must give ERR_DATA and nothing else;
 * valid text must give ids within the vocabulary, the same count from
 * tok_count, and decode to the text itself, or to its NFC form when nfc.
 * Any breach aborts.
 */
#ifndef LLMBENCH_FUZZ_TOK_CHECK_H
#define LLMBENCH_FUZZ_TOK_CHECK_H
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tok.h"
#include "utf8.h"

static void tok_check_text(struct tok *t, const char *text, size_t len, int nfc)
{
	struct tok_ids ids = { 0 };
	struct buf out = BUF_INIT;
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
		utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text,
						  (utf8proc_ssize_t)len, &norm,
						  UTF8PROC_STABLE | UTF8PROC_COMPOSE);

		if (n < 0)
			abort(); /* valid UTF-8 always normalizes */
		want = (const char *)norm;
		wlen = (size_t)n;
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
	buf_free(&out);
	tok_ids_free(&ids);
}

#endif
