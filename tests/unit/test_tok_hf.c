/* The tokenizer.json loader on small hand-made files: GPT-2 style
 * ByteLevel(use_regex) splitting, merges in both spellings, ignore_merges,
 * the NFC normalizer, decoding of added tokens. */
#include "check.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tok.h"

#define PRINTABLE(c) (((c) >= 0x21 && (c) <= 0x7E) || ((c) >= 0xA1 && (c) <= 0xAC) || ((c) >= 0xAE && (c) <= 0xFF))

/* GPT-2's bytes_to_unicode, as UTF-8 text. */
static void byte_char(int b, char out[3])
{
	unsigned cp = (unsigned)b;

	if (!PRINTABLE(b)) {
		cp = 0x100;
		for (int c = 0; c < b; c++)
			cp += !PRINTABLE(c);
	}
	if (cp < 0x80) {
		out[0] = (char)cp;
		out[1] = 0;
	} else {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		out[2] = 0;
	}
}

/* Writes a tokenizer.json with the 256 byte tokens (ids 0..255 in byte
 * order) plus merged tokens; returns its path (static). */
static const char *write_tok(const char *const *merged, const char *merges_json,
			     const char *extra_root)
{
	static char path[64];
	json_t *root, *vocab = json_object();
	json_error_t je;
	char c[3];
	int fd;

	for (int b = 0; b < 256; b++) {
		byte_char(b, c);
		json_object_set_new(vocab, c, json_integer(b));
	}
	for (int i = 0; merged[i]; i++)
		json_object_set_new(vocab, merged[i], json_integer(256 + i));
	root = json_loads(extra_root, 0, &je);
	if (!root)
		fail_msg("test JSON: %s", je.text);
	json_object_set_new(json_object_get(root, "model"), "vocab", vocab);
	json_object_set_new(json_object_get(root, "model"), "merges", json_loads(merges_json, 0, &je));
	strcpy(path, "/tmp/test_tok_hf.XXXXXX.json");
	fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(json_dump_file(root, path, 0), 0);
	json_decref(root);
	return path;
}

static void encode_is(struct tok *t, const char *text, const uint32_t *want, size_t n)
{
	struct tok_ids ids = {0};
	struct err e = {0};

	if (tok_encode(t, text, strlen(text), &ids, &e))
		fail_msg("%s", e.msg);
	if (ids.n != n)
		fail_msg("'%s': %zu ids, wanted %zu", text, ids.n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ids.v[i], want[i]);
	tok_ids_free(&ids);
}

static struct tok *open_path(const char *path)
{
	struct err e = {0};
	struct tok *t;

	if (tok_open(path, &t, &e))
		fail_msg("%s", e.msg);
	return t;
}

static void gpt2_style(void **state)
{
	static const char *const merged[] = {"he", "ll", "hell", "Ġw", NULL};
	const char *p = write_tok(merged, "[\"h e\", [\"l\", \"l\"], \"he ll\", \"Ġ w\"]",
				  "{\"model\": {\"type\": \"BPE\"}, \"pre_tokenizer\": "
				  "{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true},"
				  "\"added_tokens\": [{\"id\": 260, \"content\": \"<|end|>\", \"special\": true}]}");
	struct tok *t = open_path(p);
	/* Pieces "hello" and " world": h+e, l+l, he+ll; then Ġ+w. */
	uint32_t want[] = {258, 'o', 259, 'o', 'r', 'l', 'd'};
	uint32_t dec[] = {258, 260};
	struct buf b = BUF_INIT;
	struct err e = {0};

	(void)state;
	assert_string_equal(tok_kind(t), "hf-bpe");
	assert_int_equal(tok_vocab_size(t), 260);
	encode_is(t, "hello world", want, 7);
	/* Added tokens are not matched in text, only decoded. */
	encode_is(t, "<|end|>", (uint32_t[]){'<', '|', 'e', 'n', 'd', '|', '>'}, 7);
	assert_int_equal(tok_decode(t, dec, 2, &b, &e), 0);
	assert_string_equal(b.p, "hell<|end|>");
	buf_free(&b);
	tok_free(t);
	unlink(p);
}

static void split_ignore_merges_nfc(void **state)
{
	static const char *const merged[] = {"he", "ll", "hello", NULL};
	const char *split =
		"{\"model\": {\"type\": \"BPE\", \"ignore_merges\": %s},"
		" \"normalizer\": %s,"
		" \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": ["
		"  {\"type\": \"Split\", \"pattern\": {\"Regex\": \"\\\\p{L}+\"}, \"behavior\": \"Isolated\", \"invert\": false},"
		"  {\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": false}]}}";
	char json[1024];
	const char *p;
	struct tok *t;

	(void)state;
	snprintf(json, sizeof json, split, "true", "{\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}]}");
	p = write_tok(merged, "[\"h e\", \"l l\"]", json);
	t = open_path(p);
	/* A whole piece in vocab is one token; the space between matches is a
	 * piece of its own; e + U+0301 is composed to U+00E9 (C3 A9). */
	encode_is(t, "hello hello", (uint32_t[]){258, ' ', 258}, 3);
	encode_is(t, "he\xcc\x81", (uint32_t[]){'h', 0xC3, 0xA9}, 3);
	tok_free(t);
	unlink(p);

	snprintf(json, sizeof json, split, "false", "null");
	p = write_tok(merged, "[\"h e\", \"l l\"]", json);
	t = open_path(p);
	encode_is(t, "hello", (uint32_t[]){256, 257, 'o'}, 3);
	encode_is(t, "he\xcc\x81", (uint32_t[]){256, 0xCC, 0x81}, 3);
	tok_free(t);
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gpt2_style),
		cmocka_unit_test(split_ignore_merges_nfc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
