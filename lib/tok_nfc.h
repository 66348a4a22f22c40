#ifndef LLMBENCH_TOK_NFC_H
#define LLMBENCH_TOK_NFC_H
/*
 * NFC as Hugging Face tokenizers applies it (the NFC normalizer of
 * tokenizer.json, Qwen2 and Qwen3 among others).
 *
 * HF normalizes with Unicode 9.0's tables; utf8proc has newer ones. To
 * HF, a code point assigned later is like any unassigned one: combining
 * class 0, no decomposition, no composition. So the 108 marks Unicode 10
 * to 15 gave a combining class are never reordered and block what is
 * around them, and U+11935 U+11930 stays two (utf8proc makes U+11938).
 * Here such a code point ends the text normalized before it and is kept
 * as it is; each stretch between is utf8proc's NFC (decomposed one code
 * point at a time, marks put in canonical order by a stable counting
 * sort, then composed), which is Unicode's for every code point Unicode 9
 * had. utf8proc_map sorted marks by swapping neighbours: 80,000 marks
 * took 49 s; here they take linear time.
 *
 * The table is generated (scripts/gen-nfc-compat.sh) from the utf8proc
 * it was built with; tests/unit/test_tok_nfc.c holds the official ids.
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

struct tok_nfc_range {
	uint32_t lo, hi;
};

/* Code points HF's NFC does not know but utf8proc's normalizes, as sorted
 * ranges (lib/tok_nfcdata.c). */
extern const struct tok_nfc_range tok_nfc_unknown[];
extern const size_t tok_nfc_nunknown;

/* Appends the NFC of s[0..len) (valid UTF-8) to out. Returns 0, or
 * ERR_SOFTWARE when memory runs out (ERR_DATA past out's cap). */
int tok_nfc(const char *s, size_t len, struct buf *out, struct err *e);

#endif
