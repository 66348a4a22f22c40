#include "check.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../gen/template.h"

#define DATA "tests/data/gen/"

static void loads_a_good_set_in_sorted_order(void **state)
{
	struct tpl_set *s = NULL;
	struct err e = { 0 };
	const struct tpl_lang *en, *zh;

	(void)state;
	assert_int_equal(tpl_load(DATA "tpl-good", &s, &e), 0);
	assert_int_equal(s->nlangs, 2);
	assert_string_equal(s->langs[0].code, "en");
	en = tpl_lang_find(s, "en");
	zh = tpl_lang_find(s, "zh");
	assert_non_null(en);
	assert_non_null(zh);
	assert_null(tpl_lang_find(s, "fr"));
	assert_int_equal(en->ndomains, 2);
	/* Sorted by file name whatever the directory order. */
	assert_string_equal(en->domains[0].id, "alpha");
	assert_string_equal(en->domains[1].id, "zeta");
	assert_string_equal(en->domains[1].name, "zeta studies");
	assert_int_equal(en->domains[1].topics.n, 2);
	assert_int_equal(en->domains[1].nsections, 2);
	assert_string_equal(en->domains[1].sections[0].name, "background");
	assert_string_equal(en->domains[1].sections[1].name, "outlook");
	assert_string_equal(en->domains[0].sections[0].paras.items[0],
			    "Leading spaces are trimmed.");
	assert_int_equal(en->tasks[TPL_LONG_SHORT].n, 1);
	assert_string_equal(zh->domains[0].name, "能源");
	tpl_free(s);
}

static void expands_placeholders(void **state)
{
	struct tpl_set *s = NULL;
	struct err e = { 0 };
	struct buf b = BUF_INIT;
	const struct tpl_domain *d;

	(void)state;
	assert_int_equal(tpl_load(DATA "tpl-good", &s, &e), 0);
	d = &tpl_lang_find(s, "en")->domains[1];
	assert_int_equal(tpl_expand(d->sections[0].paras.items[0], "zeta one",
				    d->name, &b, &e), 0);
	assert_string_equal(b.p, "Zeta zeta one began in zeta studies.");
	buf_reset(&b);
	assert_int_equal(tpl_expand("{topic} works. {domain} too, with {topic}.", "heat pumps", "energy", &b, &e), 0);
	assert_string_equal(b.p, "Heat pumps works. Energy too, with heat pumps.");
	buf_reset(&b);
	/* Braces that are not placeholders stay as text. */
	assert_int_equal(tpl_expand(d->sections[1].paras.items[0], "x", d->name,
				    &b, &e), 0);
	assert_string_equal(b.p, "The future of x is {unknown-brace} bright {.");
	buf_reset(&b);
	d = &tpl_lang_find(s, "zh")->domains[0];
	assert_int_equal(tpl_expand(d->sections[0].paras.items[0], "储能", d->name,
				    &b, &e), 0);
	assert_string_equal(b.p, "储能是能源领域的重要方向。");
	buf_free(&b);
	tpl_free(s);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *p = malloc(1 << 16);

	assert_non_null(fp);
	assert_non_null(p);
	*len = fread(p, 1, (1 << 16) - 1, fp);
	p[*len] = '\0';
	fclose(fp);
	return p;
}

/* Every file in tpl-bad/ starts with "# want: MESSAGE PART"; parsing it
 * (as a tasks file when its name starts with "tasks-") must fail with
 * ERR_DATA and a message holding that part. Adding a case needs no code. */
static void malformed_fixtures_fail_naming_file_and_line(void **state)
{
	DIR *dp = opendir(DATA "tpl-bad");
	struct dirent *de;
	int cases = 0;

	(void)state;
	assert_non_null(dp);
	while ((de = readdir(dp))) {
		char path[512], want[256];
		struct tpl_lang lang = { 0 };
		struct err e = { 0 };
		size_t len;
		char *text, *nl;
		int rc;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, DATA "tpl-bad/%s", de->d_name);
		text = slurp(path, &len);
		assert_true(strncmp(text, "# want: ", 8) == 0);
		nl = strchr(text, '\n');
		snprintf(want, sizeof want, "%.*s", (int)(nl - text - 8), text + 8);
		rc = tpl_parse(de->d_name, text, len,
			       strncmp(de->d_name, "tasks-", 6) == 0, &lang, &e);
		if (rc != ERR_DATA || !strstr(e.msg, want))
			fail_msg("%s: rc %d, message '%s', wanted '%s'", de->d_name, rc,
				 e.msg, want);
		tpl_lang_clear(&lang);
		free(text);
		cases++;
	}
	closedir(dp);
	assert_true(cases >= 10);
}

static void missing_folder_is_noinput(void **state)
{
	struct tpl_set *s = NULL;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(tpl_load(DATA "no-such-folder", &s, &e), ERR_NOINPUT);
	assert_non_null(strstr(e.msg, "no-such-folder"));
	/* A folder without language folders is bad data, not silence. */
	assert_int_equal(tpl_load(DATA "tpl-bad", &s, &e), ERR_DATA);
}

/* The shipped templates must load: every language, at least 8 domains
 * each, every domain with several paragraph sections. */
static void shipped_templates_load(void **state)
{
	struct tpl_set *s = NULL;
	struct err e = { 0 };

	(void)state;
	if (tpl_load("templates", &s, &e))
		fail_msg("%s", e.msg);
	assert_non_null(tpl_lang_find(s, "en"));
	assert_non_null(tpl_lang_find(s, "zh"));
	for (size_t i = 0; i < s->nlangs; i++) {
		assert_true(s->langs[i].ndomains >= 8);
		for (size_t d = 0; d < s->langs[i].ndomains; d++) {
			assert_true(s->langs[i].domains[d].nsections >= 4);
			assert_true(s->langs[i].domains[d].topics.n >= 8);
		}
	}
	tpl_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loads_a_good_set_in_sorted_order),
		cmocka_unit_test(expands_placeholders),
		cmocka_unit_test(malformed_fixtures_fail_naming_file_and_line),
		cmocka_unit_test(missing_folder_is_noinput),
		cmocka_unit_test(shipped_templates_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
