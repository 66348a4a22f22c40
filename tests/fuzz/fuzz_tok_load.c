/*
 * libFuzzer entry for the tokenizer.json loader (lib/tok_hf.c), on
 * documents held in memory. The loader must return 0, ERR_DATA (with a
 * message naming the file) or ERR_SOFTWARE, never crash or leak; what it
 * accepts must be a working byte-level BPE: a fixed text, mixed scripts
 * included, passes tok_check_text (decodes back to itself, or to its NFC
 * form when the document asks for NFC).
 */
#include <stdint.h>

#include "tok_check.h"
#include "tok_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char probe[] = "Hello, world! e\xcc\x81t\xc3\xa9 42 \xe4\xb8\xad\xe6\x96\x87 \t\n  x's";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tok *t = calloc(1, sizeof *t);
	struct err e;
	int rc;

	if (!t)
		abort();
	rc = tok_hf_parse(t, "fuzz.json", (const char *)data, size, &e);
	if (rc == 0)
		tok_check_text(t, probe, sizeof probe - 1, t->nfc);
	else if (!((rc == ERR_DATA && !strncmp(e.msg, "fuzz.json", 9)) ||
		   rc == ERR_SOFTWARE))
		abort();
	tok_free(t);
	return 0;
}
