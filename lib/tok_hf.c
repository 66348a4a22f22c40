#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "slurp.h"
#include "tok_impl.h"

/* GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves,
 * the others map in order to U+0100 and up. Returns the code point. */
static uint32_t byte_char(int b)
{
	int n = 0;

	if ((b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))
		return (uint32_t)b;
	for (int c = 0; c < b; c++)
		if (!((c >= 0x21 && c <= 0x7E) || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF)))
			n++;
	return 0x100u + (uint32_t)n;
}

struct bytemap {
	int16_t of[0x144]; /* code point -> byte, -1 when none */
};

static void bytemap_init(struct bytemap *m)
{
	for (size_t i = 0; i < sizeof m->of / sizeof m->of[0]; i++)
		m->of[i] = -1;
	for (int b = 0; b < 256; b++)
		m->of[byte_char(b)] = (int16_t)b;
}

/* Turns a byte-level token string into its bytes; returns the length, or
 * -1 when a character is outside the byte-level alphabet. */
static long unbyte(const struct bytemap *m, const char *s, size_t n, uint8_t *out)
{
	const uint8_t *p = (const uint8_t *)s;
	long o = 0;

	for (size_t i = 0; i < n;) {
		uint32_t cp;

		if (p[i] < 0x80) {
			cp = p[i++];
		} else if ((p[i] & 0xE0) == 0xC0 && i + 1 < n) {
			cp = (uint32_t)(p[i] & 0x1F) << 6 | (p[i + 1] & 0x3F);
			i += 2;
		} else {
			return -1;
		}
		if (cp >= sizeof m->of / sizeof m->of[0] || m->of[cp] < 0)
			return -1;
		out[o++] = (uint8_t)m->of[cp];
	}
	return o;
}

static const char *type_of(json_t *o)
{
	const char *s = json_string_value(json_object_get(o, "type"));

	return s ? s : "(no type)";
}

static int check_normalizer(json_t *n, const char *path, int *nfc, struct err *e)
{
	const char *ty;

	*nfc = 0;
	if (!n || json_is_null(n))
		return 0;
	ty = type_of(n);
	if (!strcmp(ty, "NFC")) {
		*nfc = 1;
		return 0;
	}
	if (!strcmp(ty, "Sequence")) {
		json_t *list = json_object_get(n, "normalizers"), *x;
		size_t i;

		json_array_foreach(list, i, x) {
			if (strcmp(type_of(x), "NFC"))
				return err_set(e, ERR_DATA, "%s: normalizer %s is not supported (only NFC)", path, type_of(x));
			*nfc = 1;
		}
		return 0;
	}
	return err_set(e, ERR_DATA, "%s: normalizer %s is not supported (only NFC)", path, ty);
}

#define GPT2_REGEX "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"

static int byte_level_ok(json_t *bl, const char *path, struct err *e)
{
	if (json_is_true(json_object_get(bl, "add_prefix_space")))
		return err_set(e, ERR_DATA, "%s: ByteLevel with add_prefix_space is not supported", path);
	return 0;
}

/* Accepts Sequence[Split(Regex, Isolated), ByteLevel(use_regex false)] or
 * ByteLevel(use_regex true) alone; compiles the split regex into t. */
static int load_pretokenizer(struct tok *t, json_t *pt, const char *path, struct err *e)
{
	const char *ty = type_of(pt), *regex = NULL;
	json_t *split = NULL, *bl = NULL;
	int rc;

	if (!pt || json_is_null(pt))
		return err_set(e, ERR_DATA, "%s: no pre_tokenizer: only byte-level BPE is supported", path);
	if (!strcmp(ty, "ByteLevel")) {
		bl = pt;
	} else if (!strcmp(ty, "Sequence")) {
		json_t *list = json_object_get(pt, "pretokenizers"), *x;
		size_t i;

		json_array_foreach(list, i, x) {
			const char *xt = type_of(x);

			if (!strcmp(xt, "Split") && !split && !bl)
				split = x;
			else if (!strcmp(xt, "ByteLevel") && !bl)
				bl = x;
			else if (!strcmp(xt, "Metaspace"))
				return err_set(e, ERR_DATA, "%s: pre_tokenizer Metaspace (SentencePiece-style) is not supported", path);
			else
				return err_set(e, ERR_DATA, "%s: pre_tokenizer %s in this Sequence is not supported", path, xt);
		}
	} else if (!strcmp(ty, "Metaspace")) {
		return err_set(e, ERR_DATA, "%s: pre_tokenizer Metaspace (SentencePiece-style) is not supported", path);
	} else {
		return err_set(e, ERR_DATA, "%s: pre_tokenizer %s is not supported", path, ty);
	}
	if (!bl)
		return err_set(e, ERR_DATA, "%s: pre_tokenizer has no ByteLevel step: only byte-level BPE is supported", path);
	if ((rc = byte_level_ok(bl, path, e)))
		return rc;
	if (split) {
		json_t *pat = json_object_get(split, "pattern");
		const char *beh = json_string_value(json_object_get(split, "behavior"));

		if (json_is_true(json_object_get(bl, "use_regex")))
			return err_set(e, ERR_DATA, "%s: Split followed by ByteLevel with use_regex is not supported", path);
		regex = json_string_value(json_object_get(pat, "Regex"));
		if (!regex)
			return err_set(e, ERR_DATA, "%s: Split pattern is not a Regex (only Regex is supported)", path);
		if (!beh || strcmp(beh, "Isolated"))
			return err_set(e, ERR_DATA, "%s: Split behavior %s is not supported (only Isolated)", path, beh ? beh : "(none)");
		if (json_is_true(json_object_get(split, "invert")))
			return err_set(e, ERR_DATA, "%s: Split with invert is not supported", path);
	} else {
		if (json_is_false(json_object_get(bl, "use_regex")))
			return err_set(e, ERR_DATA, "%s: ByteLevel without a split regex is not supported", path);
		regex = GPT2_REGEX;
	}
	t->split_gaps = 1;
	if ((rc = tok_split_new(regex, &t->split, e)))
		return err_prefix(e, "%s", path);
	return 0;
}

static int check_model(json_t *m, const char *path, struct err *e)
{
	const char *ty, *s;

	if (!json_is_object(m))
		return err_set(e, ERR_DATA, "%s: no model", path);
	ty = json_string_value(json_object_get(m, "type"));
	if (!ty)
		return err_set(e, ERR_DATA, "%s: model has no type", path);
	if (!strcmp(ty, "Unigram") || !strcmp(ty, "WordPiece") || !strcmp(ty, "WordLevel"))
		return err_set(e, ERR_DATA, "%s: model %s is not supported (only byte-level BPE)", path, ty);
	if (strcmp(ty, "BPE"))
		return err_set(e, ERR_DATA, "%s: model %s is not supported (only byte-level BPE)", path, ty);
	if (json_is_true(json_object_get(m, "byte_fallback")))
		return err_set(e, ERR_DATA, "%s: BPE with byte_fallback (SentencePiece-style) is not supported", path);
	if ((s = json_string_value(json_object_get(m, "continuing_subword_prefix"))) && *s)
		return err_set(e, ERR_DATA, "%s: BPE with continuing_subword_prefix is not supported", path);
	if ((s = json_string_value(json_object_get(m, "end_of_word_suffix"))) && *s)
		return err_set(e, ERR_DATA, "%s: BPE with end_of_word_suffix is not supported", path);
	if (json_object_get(m, "dropout") && !json_is_null(json_object_get(m, "dropout")))
		return err_set(e, ERR_DATA, "%s: BPE with dropout is not supported", path);
	if (!json_is_object(json_object_get(m, "vocab")))
		return err_set(e, ERR_DATA, "%s: model has no vocab", path);
	if (!json_is_array(json_object_get(m, "merges")))
		return err_set(e, ERR_DATA, "%s: model has no merges", path);
	return 0;
}

/* How far the largest vocab id may lie beyond the number of entries. */
#define VOCAB_ID_SLACK 65536

static int load_vocab(struct tok *t, json_t *vocab, const struct bytemap *bm,
		      const char *path, struct err *e)
{
	const char *key;
	json_t *val;
	json_int_t maxid = -1;
	uint8_t tmp[1024];
	int rc;

	json_object_foreach(vocab, key, val) {
		json_int_t id = json_integer_value(val);

		if (!json_is_integer(val) || id < 0 || id >= (json_int_t)1 << 30)
			return err_set(e, ERR_DATA, "%s: vocab entry '%.40s' has a bad id", path, key);
		/* Ids are dense (0..n-1 and a few gaps): memory follows the
		 * largest id, so a small file must not claim a huge one. */
		if (id >= (json_int_t)json_object_size(vocab) + VOCAB_ID_SLACK)
			return err_set(e, ERR_DATA, "%s: vocab entry '%.40s' has id %lld, far beyond the %zu entries",
				       path, key, (long long)id, json_object_size(vocab));
		if (id > maxid)
			maxid = id;
	}
	if ((rc = bpe_vocab_init(&t->voc, (uint32_t)maxid + 1, e)))
		return rc;
	t->vocab_size = (uint32_t)maxid + 1;
	json_object_foreach(vocab, key, val) {
		size_t n = strlen(key);
		long b;

		if (n > sizeof tmp)
			return err_set(e, ERR_DATA, "%s: vocab entry '%.40s...' is too long", path, key);
		/* A token outside the byte-level alphabet can never be produced. */
		b = unbyte(bm, key, n, tmp);
		if (b <= 0)
			continue;
		rc = bpe_vocab_add(&t->voc, tmp, (size_t)b, (uint32_t)json_integer_value(val), e);
		if (rc == 1)
			return err_set(e, ERR_DATA, "%s: vocab entry '%.40s' is a duplicate", path, key);
		if (rc)
			return rc;
	}
	return 0;
}

static int load_merges(struct tok *t, json_t *merges, const struct bytemap *bm,
		       const char *path, struct err *e)
{
	json_t *m;
	size_t i;
	uint8_t l[1024], r[1024], lr[2048];
	int rc;

	if ((rc = bpe_pairs_init(&t->pairs, (uint32_t)json_array_size(merges), e)))
		return rc;
	json_array_foreach(merges, i, m) {
		const char *a, *b, *sp;
		size_t an, bn;
		long ln, rn;
		uint32_t li, ri, mi;

		if (json_is_string(m)) {
			a = json_string_value(m);
			sp = strchr(a, ' ');
			if (!sp || strchr(sp + 1, ' '))
				return err_set(e, ERR_DATA, "%s: merge %zu is not 'A B'", path, i);
			an = (size_t)(sp - a);
			b = sp + 1;
			bn = strlen(b);
		} else if (json_is_array(m) && json_array_size(m) == 2 &&
			   json_is_string(json_array_get(m, 0)) && json_is_string(json_array_get(m, 1))) {
			a = json_string_value(json_array_get(m, 0));
			b = json_string_value(json_array_get(m, 1));
			an = strlen(a);
			bn = strlen(b);
		} else {
			return err_set(e, ERR_DATA, "%s: merge %zu is neither 'A B' nor [A, B]", path, i);
		}
		if (an > sizeof l || bn > sizeof r)
			return err_set(e, ERR_DATA, "%s: merge %zu is too long", path, i);
		ln = unbyte(bm, a, an, l);
		rn = unbyte(bm, b, bn, r);
		li = ln > 0 ? bpe_vocab_find(&t->voc, l, (size_t)ln) : BPE_NONE;
		ri = rn > 0 ? bpe_vocab_find(&t->voc, r, (size_t)rn) : BPE_NONE;
		if (li == BPE_NONE || ri == BPE_NONE)
			return err_set(e, ERR_DATA, "%s: merge %zu: a part is not in vocab", path, i);
		memcpy(lr, l, (size_t)ln);
		memcpy(lr + ln, r, (size_t)rn);
		mi = bpe_vocab_find(&t->voc, lr, (size_t)(ln + rn));
		if (mi == BPE_NONE)
			return err_set(e, ERR_DATA, "%s: merge %zu: the merged token is not in vocab", path, i);
		bpe_pairs_add(&t->pairs, li, ri, (uint32_t)i, mi);
	}
	return 0;
}

/* added_tokens are kept for decoding only: text is encoded as ordinary text. */
static int load_added(struct tok *t, json_t *added, struct err *e)
{
	size_t n = json_array_size(added), i;
	struct tok_special *sp;
	json_t *x;

	if (!n)
		return 0;
	sp = calloc(n, sizeof *sp);
	t->owned = calloc(n, sizeof *t->owned);
	t->special = sp;
	if (!sp || !t->owned)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	json_array_foreach(added, i, x) {
		const char *c = json_string_value(json_object_get(x, "content"));
		json_t *id = json_object_get(x, "id");

		if (!c || !json_is_integer(id))
			continue;
		t->owned[t->nspecial] = strdup(c);
		if (!t->owned[t->nspecial])
			return err_set(e, ERR_SOFTWARE, "out of memory");
		sp[t->nspecial].text = t->owned[t->nspecial];
		sp[t->nspecial].id = (uint32_t)json_integer_value(id);
		t->nspecial++;
	}
	return 0;
}

int tok_hf_parse(struct tok *t, const char *path, const char *json, size_t len,
		 struct err *e)
{
	struct bytemap bm;
	json_t *root = NULL, *model;
	int rc;

	t->kind = "hf-bpe";
	t->use_pairs = 1;
	if ((rc = js_load_buf(json, len, path, 0, &root, e)))
		return rc;
	bytemap_init(&bm);
	model = json_object_get(root, "model");
	if ((rc = check_model(model, path, e)) ||
	    (rc = check_normalizer(json_object_get(root, "normalizer"), path, &t->nfc, e)) ||
	    (rc = load_pretokenizer(t, json_object_get(root, "pre_tokenizer"), path, e)) ||
	    (rc = load_vocab(t, json_object_get(model, "vocab"), &bm, path, e)) ||
	    (rc = load_merges(t, json_object_get(model, "merges"), &bm, path, e)) ||
	    (rc = load_added(t, json_object_get(root, "added_tokens"), e)))
		goto out;
	t->whole_first = json_is_true(json_object_get(model, "ignore_merges"));
	rc = tok_byte_ids(t, path, e);
out:
	json_decref(root);
	return rc;
}

int tok_hf_load(struct tok *t, const char *path, struct err *e)
{
	size_t n = strlen(path);
	struct buf f = BUF_INIT;
	int rc;

	if ((rc = slurp_file(path, n > 3 && !strcmp(path + n - 3, ".gz"), &f, e)))
		return rc;
	rc = tok_hf_parse(t, path, f.p ? f.p : "", f.len, e);
	buf_free(&f);
	return rc;
}
