#include "check.h"

#include <stdio.h>
#include <string.h>

#include "../../gen/sources.h"

#define SRC "tests/data/gen/src/"

static void jsonl_reads_prompts_and_lengths(void **state)
{
	struct src_list l;
	struct err e = { 0 };

	(void)state;
	if (src_load(SRC_JSONL, SRC "good.jsonl", &l, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].prompt, "What is the capital of France?");
	assert_int_equal(l.v[0].output_tokens, 16);
	assert_int_equal(l.v[0].line, 1);
	assert_string_equal(l.v[1].prompt, "Explain \"attention\" in one paragraph.\nBe brief.");
	assert_int_equal(l.v[1].output_tokens, -1);
	assert_int_equal(l.v[1].line, 3);
	assert_string_equal(l.v[2].prompt, "写一首关于秋天的短诗。");
	assert_int_equal(l.v[2].output_tokens, 64);
	assert_null(l.v[2].reply);
	src_free(&l);
}

static void sharegpt_takes_first_human_turn_and_reply(void **state)
{
	struct src_list l;
	struct err e = { 0 };

	(void)state;
	if (src_load(SRC_SHAREGPT, SRC "good.json", &l, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.skipped, 1);
	assert_string_equal(l.v[0].prompt, "How do I boil an egg?");
	assert_non_null(strstr(l.v[0].reply, "nine minutes"));
	assert_int_equal(l.v[0].line, 2);
	assert_string_equal(l.v[1].prompt, "Translate 'hello' to Chinese.");
	assert_string_equal(l.v[1].reply, "你好");
	assert_int_equal(l.v[1].line, 9);
	assert_int_equal(l.v[1].output_tokens, -1);
	src_free(&l);

	/* The same conversations one per line. */
	if (src_load(SRC_SHAREGPT, SRC "good-lines.json", &l, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].reply, "Hello! How can I help?");
	assert_int_equal(l.v[1].line, 2);
	src_free(&l);
}

static void text_is_one_prompt_per_line(void **state)
{
	struct src_list l;
	struct err e = { 0 };

	(void)state;
	if (src_load(SRC_TEXT, SRC "good.txt", &l, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].prompt, "First prompt line.");
	assert_string_equal(l.v[1].prompt, "Second prompt: 你好。");
	assert_int_equal(l.v[1].line, 4);
	assert_string_equal(l.v[2].prompt, "Third one");
	src_free(&l);
}

/* Cases in tests/data/gen/src-bad.list: "KIND FILE MESSAGE-PART". */
static void malformed_files_name_file_and_line(void **state)
{
	FILE *fp = fopen("tests/data/gen/src-bad.list", "r");
	char line[512];
	int cases = 0;

	(void)state;
	assert_non_null(fp);
	while (fgets(line, sizeof line, fp)) {
		char kind[32], file[128], path[256], *want;
		struct src_list l;
		struct err e = { 0 };
		enum src_kind k;
		int rc, off = 0;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		assert_int_equal(sscanf(line, "%31s %127s %n", kind, file, &off), 2);
		want = line + off;
		k = strcmp(kind, "jsonl") == 0 ? SRC_JSONL
		    : strcmp(kind, "sharegpt") == 0 ? SRC_SHAREGPT : SRC_TEXT;
		snprintf(path, sizeof path, SRC "%s", file);
		rc = src_load(k, path, &l, &e);
		if (rc != ERR_DATA || !strstr(e.msg, want))
			fail_msg("%s: rc %d, message '%s', wanted '%s'", file, rc, e.msg, want);
		assert_null(l.v);
		cases++;
	}
	fclose(fp);
	assert_true(cases >= 10);
}

static void empty_and_missing_inputs(void **state)
{
	struct src_list l;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(src_parse(SRC_TEXT, "empty.txt", "\n\n", 2, &l, &e), ERR_DATA);
	assert_non_null(strstr(e.msg, "empty.txt: no prompt"));
	assert_int_equal(src_parse(SRC_SHAREGPT, "x.json", "[]", 2, &l, &e), ERR_DATA);
	assert_int_equal(src_load(SRC_JSONL, SRC "no-such.jsonl", &l, &e), ERR_NOINPUT);
	assert_non_null(strstr(e.msg, "no-such.jsonl"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jsonl_reads_prompts_and_lengths),
		cmocka_unit_test(sharegpt_takes_first_human_turn_and_reply),
		cmocka_unit_test(text_is_one_prompt_per_line),
		cmocka_unit_test(malformed_files_name_file_and_line),
		cmocka_unit_test(empty_and_missing_inputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
