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

#include "tok.h"

static const char *const names[] = {
	"cl100k_base", "o200k_base", "r50k_base", "p50k_base", "qwen3", "llama3",
};

#define HOWTO "run 'make tokenizers' or set LLMBENCH_TOKENIZERS to the folder holding " \
	      "the tokenizer files and vectors/ (the Makefile points it at ../shared/tokenizers)"

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
	struct CMUnitTest tests[4 * NNAMES];
	static char label[4 * NNAMES][96];
	size_t n = 0;

	for (size_t k = 0; k < 4; k++)
		for (size_t i = 0; i < NNAMES; i++, n++) {
			snprintf(label[n], sizeof label[n], "%s: %s", names[i], kinds[k].what);
			tests[n] = (struct CMUnitTest){label[n], kinds[k].fn, NULL, NULL, (void *)names[i]};
		}
	return _cmocka_run_group_tests("test_tok", tests, n, NULL, NULL);
}
