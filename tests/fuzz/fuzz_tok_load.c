/*
 * libFuzzer entry for the tokenizer.json loader (lib/tok_hf.c), on
 * documents held in memory. The loader must return 0, ERR_DATA (with a
 * message naming the file) or ERR_SOFTWARE, never crash or leak; what it
 * accepts must be a working byte-level BPE: a fixed text, mixed scripts
 * included, encodes and decodes back to itself (or its NFC form when the
 * document asks for NFC).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tok_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char probe[] = "Hello, world! e\xcc\x81t\xc3\xa9 42 \xe4\xb8\xad\xe6\x96\x87 \t\n  x's";

static void round_trip(struct tok *t)
{
	struct tok_ids ids = { 0 };
	struct buf out = BUF_INIT;
	utf8proc_uint8_t *nfc = NULL;
	const char *want = probe;
	size_t wlen = sizeof probe - 1;
	struct err e;

	if (tok_encode(t, probe, sizeof probe - 1, &ids, &e))
		abort();
	if (t->nfc) {
		utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)probe,
						  (utf8proc_ssize_t)(sizeof probe - 1), &nfc,
						  UTF8PROC_STABLE | UTF8PROC_COMPOSE);
		if (n < 0)
			abort();
		want = (const char *)nfc;
		wlen = (size_t)n;
	}
	for (size_t i = 0; i < ids.n; i++)
		if (ids.v[i] >= tok_vocab_size(t))
			abort();
	if (tok_decode(t, ids.v, ids.n, &out, &e) || out.len != wlen ||
	    memcmp(out.p, want, wlen))
		abort();
	free(nfc);
	buf_free(&out);
	tok_ids_free(&ids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tok *t = calloc(1, sizeof *t);
	struct err e;
	int rc;

	if (!t)
		abort();
	rc = tok_hf_parse(t, "fuzz.json", (const char *)data, size, &e);
	if (rc == 0)
		round_trip(t);
	else if (!((rc == ERR_DATA && !strncmp(e.msg, "fuzz.json", 9)) ||
		   rc == ERR_SOFTWARE))
		abort();
	tok_free(t);
	return 0;
}
