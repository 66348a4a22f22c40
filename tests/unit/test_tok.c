/* Every reference text in $LLMBENCH_TOKENIZERS/vectors/vectors.jsonl and
 * unicode15-16/vectors.jsonl must encode to exactly the reference ids, for
 * every tokenizer, through the library and through `llmgen count --ids`.
 * A missing tokenizer or vector file is a failure, never a skip. */
#include "check.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rng.h"
#include "tok.h"

static const char *const names[] = {
	"cl100k_base", "o200k_base", "r50k_base", "p50k_base", "qwen3", "llama3",
};

#define HOWTO "run 'make tokenizers' or set LLMBENCH_TOKENIZERS to the folder holding " \
	      "the tokenizer files (the Makefile adds tests/data/tokenizers, which has vectors/)"

/* Finds rel in the folders of $LLMBENCH_TOKENIZERS. */
static int find_file(const char *rel, char *out, size_t cap)
{
	const char *env = getenv("LLMBENCH_TOKENIZERS"), *p = env ? env : "";

	while (*p) {
		size_t n = strcspn(p, ":");

		snprintf(out, cap, "%.*s/%s", (int)n, p, rel);
		if (access(out, R_OK) == 0)
			return 1;
		p += n + (p[n] == ':');
	}
	return 0;
}

struct vec {
	json_t *all; /* array of the jsonl objects */
	char path[4096];
};

static struct vec load_vectors(const char *rel)
{
	struct vec v = {0};
	FILE *f;
	char *line = NULL;
	size_t cap = 0;

	if (!find_file(rel, v.path, sizeof v.path))
		fail_msg("%s not found in LLMBENCH_TOKENIZERS=%s; " HOWTO, rel,
			 getenv("LLMBENCH_TOKENIZERS") ? getenv("LLMBENCH_TOKENIZERS") : "");
	f = fopen(v.path, "r");
	assert_non_null(f);
	v.all = json_array();
	while (getline(&line, &cap, f) > 0) {
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);

		if (!o)
			fail_msg("%s: bad JSON line: %s", v.path, je.text);
		json_array_append_new(v.all, o);
	}
	free(line);
	fclose(f);
	assert_true(json_array_size(v.all) > 0);
	return v;
}

static struct tok *open_tok(const char *name)
{
	struct err e = {0};
	struct tok *t;

	if (tok_open(name, &t, &e))
		fail_msg("tokenizer %s: %s", name, e.msg);
	return t;
}

static int same_ids(json_t *ref, const uint32_t *ids, size_t n)
{
	if (json_array_size(ref) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((json_int_t)ids[i] != json_integer_value(json_array_get(ref, i)))
			return 0;
	return 1;
}

static void print_diff(const char *vid, json_t *ref, const uint32_t *ids, size_t n)
{
	size_t i, m = json_array_size(ref);

	for (i = 0; i < n && i < m; i++)
		if ((json_int_t)ids[i] != json_integer_value(json_array_get(ref, i)))
			break;
	print_message("%s: %zu ids, reference %zu; first difference at %zu: got %u, want %lld\n",
		      vid, n, m, i, i < n ? ids[i] : 0u,
		      i < m ? (long long)json_integer_value(json_array_get(ref, i)) : -1LL);
}

/* Encodes every text of the file with one tokenizer; also checks that the
 * ids decode to the text (tiktoken) or at least round-trip to the same ids. */
static void check_library(const char *rel, const char *name)
{
	struct vec v = load_vectors(rel);
	struct tok *t = open_tok(name);
	size_t i, bad = 0;
	json_t *o;

	json_array_foreach(v.all, i, o) {
		const char *text = json_string_value(json_object_get(o, "text"));
		size_t len = json_string_length(json_object_get(o, "text"));
		json_t *ref = json_object_get(json_object_get(o, name), "ids");
		struct tok_ids ids = {0};
		struct buf dec = BUF_INIT;
		struct err e = {0};

		assert_non_null(text);
		assert_non_null(ref);
		if (tok_encode(t, text, len, &ids, &e))
			fail_msg("%s: %s", json_string_value(json_object_get(o, "id")), e.msg);
		if (!same_ids(ref, ids.v, ids.n)) {
			print_diff(json_string_value(json_object_get(o, "id")), ref, ids.v, ids.n);
			bad++;
		}
		assert_int_equal(tok_decode(t, ids.v, ids.n, &dec, &e), 0);
		if (!strcmp(tok_kind(t), "tiktoken") &&
		    (dec.len != len || memcmp(dec.p, text, len)))
			fail_msg("%s: ids do not decode to the text", json_string_value(json_object_get(o, "id")));
		buf_free(&dec);
		tok_ids_free(&ids);
	}
	if (bad)
		fail_msg("%s: %zu of %zu texts differ from the reference for %s",
			 v.path, bad, json_array_size(v.all), name);
	tok_free(t);
	json_decref(v.all);
}

/* Runs `llmgen count -t name --ids` once on all texts of the file. */
static void check_cli(const char *rel, const char *name)
{
	struct vec v = load_vectors(rel);
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char dir[] = "/tmp/test_tok.XXXXXX", path[4200];
	struct buf cmd = BUF_INIT;
	size_t i, bad = 0, n = json_array_size(v.all);
	json_t *o;
	FILE *p;
	char *line = NULL;
	size_t cap = 0;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(buf_printf(&cmd, NULL, "%s/bin/llmgen count -t %s --ids", build, name), 0);
	json_array_foreach(v.all, i, o) {
		FILE *f;

		snprintf(path, sizeof path, "%s/%04zu.txt", dir, i);
		f = fopen(path, "wb");
		assert_non_null(f);
		fwrite(json_string_value(json_object_get(o, "text")), 1,
		       json_string_length(json_object_get(o, "text")), f);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(buf_printf(&cmd, NULL, " %s", path), 0);
	}
	p = popen(cmd.p, "r");
	assert_non_null(p);
	for (i = 0; i < n; i++) {
		json_t *ref = json_object_get(json_object_get(json_array_get(v.all, i), name), "ids");
		struct tok_ids ids = {0};
		char *s, *end;

		if (getline(&line, &cap, p) <= 0)
			fail_msg("llmgen count gave %zu lines for %zu inputs", i, n);
		for (s = line; *s && *s != '\n'; s = end) {
			unsigned long id = strtoul(s, &end, 10);

			if (end == s)
				fail_msg("llmgen count --ids: bad output line %zu", i);
			ids.v = realloc(ids.v, (ids.n + 1) * sizeof *ids.v);
			ids.v[ids.n++] = (uint32_t)id;
		}
		if (!same_ids(ref, ids.v, ids.n)) {
			print_diff(json_string_value(json_object_get(json_array_get(v.all, i), "id")), ref, ids.v, ids.n);
			bad++;
		}
		tok_ids_free(&ids);
	}
	free(line);
	assert_int_equal(pclose(p), 0);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%04zu.txt", dir, i);
		unlink(path);
	}
	rmdir(dir);
	buf_free(&cmd);
	json_decref(v.all);
	if (bad)
		fail_msg("llmgen count --ids: %zu of %zu texts differ for %s", bad, n, name);
}

#define VECTORS "vectors/vectors.jsonl"
#define UNI16 "unicode15-16/vectors.jsonl"

static void lib_vectors(void **state)
{
	check_library(VECTORS, *state);
}

static void lib_unicode16(void **state)
{
	check_library(UNI16, *state);
}

static void cli_vectors(void **state)
{
	check_cli(VECTORS, *state);
}

static void cli_unicode16(void **state)
{
	check_cli(UNI16, *state);
}

/* The rest of the contract: names, sizes, decode of special ids, errors. */
static void api(void **state)
{
	struct tok *t = open_tok("cl100k_base"), *q;
	uint32_t ids[] = {15339, 1917, 100257};
	struct buf b = BUF_INIT;
	struct err e = {0};
	size_t n = 0;

	(void)state;
	assert_string_equal(tok_name(t), "cl100k_base");
	assert_string_equal(tok_kind(t), "tiktoken");
	assert_int_equal(tok_vocab_size(t), 100256);
	assert_int_equal(tok_decode(t, ids, 3, &b, &e), 0);
	assert_string_equal(b.p, "hello world<|endoftext|>");
	ids[0] = 100256; /* between the ordinary and the special ids */
	assert_int_equal(tok_decode(t, ids, 1, &b, &e), ERR_DATA);
	assert_int_equal(tok_count(t, "<|endoftext|>", 13, &n, &e), 0);
	assert_true(n > 1);
	assert_int_equal(tok_count(t, "abc\xff", 4, &n, &e), ERR_DATA);
	assert_non_null(strstr(e.msg, "byte offset 3"));
	assert_int_equal(tok_open("no_such_tokenizer", &q, &e), ERR_NOINPUT);
	assert_null(q);
	assert_non_null(strstr(e.msg, "make tokenizers"));
	tok_free(t);
	t = open_tok("qwen3");
	assert_string_equal(tok_kind(t), "hf-bpe");
	assert_int_equal(tok_vocab_size(t), 151643);
	buf_reset(&b);
	ids[0] = 151644; /* <|im_start|>, an added token */
	assert_int_equal(tok_decode(t, ids, 1, &b, &e), 0);
	assert_string_equal(b.p, "<|im_start|>");
	buf_free(&b);
	tok_free(t);
}

/* Appends code point cp as UTF-8. */
static size_t put_utf8(char *p, uint32_t cp)
{
	if (cp < 0x80) {
		p[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (char)(0xC0 | cp >> 6);
		p[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (char)(0xE0 | cp >> 12);
		p[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		p[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	p[0] = (char)(0xF0 | cp >> 18);
	p[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	p[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	p[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Random text from a mix of scripts, spaces, digits, marks and emoji must
 * encode to ids that spell it again (for the encodings without a
 * normalizer): a check on texts no reference list foresaw. */
static void random_text_round_trips(void **state)
{
	static const uint32_t pools[][2] = {
		{0x20, 0x7E}, {0x09, 0x0D}, {0xA0, 0x17F}, {0x300, 0x36F}, {0x400, 0x4FF},
		{0x600, 0x6FF}, {0xE00, 0xE7F}, {0x3040, 0x30FF}, {0x4E00, 0x9FFF},
		{0xAC00, 0xD7A3}, {0x1F300, 0x1F6FF}, {0x2000, 0x206F}, {0x1C80, 0x1C8A},
		{0x11380, 0x113D3}, {0x30, 0x39}, {0x20, 0x20},
	};
	static const char *const rt[] = {"cl100k_base", "o200k_base", "r50k_base", "llama3"};
	char *text = malloc(1 << 16);
	struct rng r;

	(void)state;
	assert_non_null(text);
	rng_seed(&r, 20261123);
	for (size_t k = 0; k < sizeof rt / sizeof rt[0]; k++) {
		struct tok *t = open_tok(rt[k]);

		for (int round = 0; round < 200; round++) {
			size_t len = 0, chars = (size_t)rng_below(&r, 400);
			struct tok_ids ids = {0};
			struct buf dec = BUF_INIT;
			struct err e = {0};

			for (size_t i = 0; i < chars; i++) {
				const uint32_t *pl = pools[rng_below(&r, sizeof pools / sizeof pools[0])];
				uint32_t cp = pl[0] + (uint32_t)rng_below(&r, pl[1] - pl[0] + 1);
				size_t run = rng_below(&r, 8) ? 1 : (size_t)rng_below(&r, 40);

				for (size_t j = 0; j < run && len + 4 < (1 << 16); j++)
					len += put_utf8(text + len, cp);
			}
			if (tok_encode(t, text, len, &ids, &e))
				fail_msg("%s: %s", rt[k], e.msg);
			assert_int_equal(tok_decode(t, ids.v, ids.n, &dec, &e), 0);
			if (dec.len != len || memcmp(dec.p, text, len))
				fail_msg("%s: round %d: ids do not spell the text", rt[k], round);
			buf_free(&dec);
			tok_ids_free(&ids);
		}
		tok_free(t);
	}
	free(text);
}

#define NNAMES (sizeof names / sizeof names[0])

int main(void)
{
	static const struct {
		const char *what;
		CMUnitTestFunction fn;
	} kinds[] = {
		{"vectors", lib_vectors}, {"unicode15-16", lib_unicode16},
		{"llmgen count --ids, vectors", cli_vectors},
		{"llmgen count --ids, unicode15-16", cli_unicode16},
	};
	struct CMUnitTest tests[4 * NNAMES + 2];
	static char label[4 * NNAMES][96];
	size_t n = 0;

	for (size_t k = 0; k < 4; k++)
		for (size_t i = 0; i < NNAMES; i++, n++) {
			snprintf(label[n], sizeof label[n], "%s: %s", names[i], kinds[k].what);
			tests[n] = (struct CMUnitTest){label[n], kinds[k].fn, NULL, NULL, (void *)names[i]};
		}
	tests[n++] = (struct CMUnitTest){"tok.h contract", api, NULL, NULL, NULL};
	tests[n++] = (struct CMUnitTest){"random text round-trips", random_text_round_trips, NULL, NULL, NULL};
	return _cmocka_run_group_tests("test_tok", tests, n, NULL, NULL);
}
