#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../run/targets_yaml.h"

/* Loads the YAML text s through a scratch file. */
static int load(const char *s, struct opts_target **v, size_t *n, struct err *e)
{
	char path[64] = "/tmp/test_run_targets_yaml.XXXXXX.yaml";
	int fd = mkstemps(path, 5), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
	rc = tyaml_load(path, v, n, e);
	unlink(path);
	return rc;
}

static void free_all(struct opts_target *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tyaml_target_free(&v[i]);
	free(v);
}

/* s is refused with code and a message holding msg; nothing is left. */
static void refused(const char *s, int code, const char *msg)
{
	struct opts_target *v = (struct opts_target *)1;
	size_t n = 9;
	struct err e;

	assert_int_equal(load(s, &v, &n, &e), code);
	if (!strstr(e.msg, msg))
		fail_msg("'%s' does not hold '%s'", e.msg, msg);
	assert_null(strstr(e.msg, "SECRET")); /* a refused key is never echoed */
	assert_null(v);
	assert_int_equal(n, 0);
}

static void fields(void **state)
{
	struct opts_target *v;
	size_t n;
	struct err e;
	char *s;

	(void)state;
	setenv("TYAML_TEST_KEY", "sk-test", 1);
	assert_int_equal(load("targets:\n"
			      "  - name: a\n"
			      "    base_url: http://h:1\n"
			      "    model: m1\n"
			      "    api: vllm\n"
			      "    api_key_env: TYAML_TEST_KEY\n"
			      "    headers: {X-A: one, X-B: 'two: 2'}\n"
			      "    extra_body: {i: 3, f: 0.5, t: true, z: null, s: '2', l: [1, x], "
			      "o: {k: v}}\n"
			      "  - name: b\n"
			      "    base_url: https://h\n"
			      "    headers: ['X-C: three']\n"
			      "    extra_body: '{\"top_k\": 5}'\n",
			      &v, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "a");
	assert_string_equal(v[0].url, "http://h:1");
	assert_string_equal(v[0].model, "m1");
	assert_int_equal(v[0].lookup_model, 0);
	assert_string_equal(v[0].api->name, "openai-completions");
	assert_string_equal(v[0].api_key, "sk-test");
	assert_int_equal(v[0].nown_headers, 2);
	assert_string_equal(v[0].own_headers[0], "X-A: one");
	assert_string_equal(v[0].own_headers[1], "X-B: two: 2");
	s = json_dumps(v[0].extra, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"f\":0.5,\"i\":3,\"l\":[1,\"x\"],\"o\":{\"k\":\"v\"},\"s\":\"2\","
			       "\"t\":true,\"z\":null}");
	free(s);
	/* No model: asked of the server; default dialect, the run's key. */
	assert_string_equal(v[1].model, "default");
	assert_int_equal(v[1].lookup_model, 1);
	assert_string_equal(v[1].api->name, "openai-chat");
	assert_null(v[1].api_key);
	assert_string_equal(v[1].own_headers[0], "X-C: three");
	assert_int_equal(json_integer_value(json_object_get(v[1].extra, "top_k")), 5);
	free_all(v, n);

	/* The list may be the whole document. */
	assert_int_equal(load("- {name: x, base_url: 'http://h'}\n", &v, &n, &e), 0);
	assert_int_equal(n, 1);
	free_all(v, n);
}

static void bad(void **state)
{
	(void)state;
	unsetenv("TYAML_TEST_UNSET");
	refused("targets:\n  - name: a\n    base_url: [x\n", ERR_DATA, ":4:1: did not find expected");
	refused("targets:\n  - name: a\n   base_url: x\n", ERR_DATA, ":3:4: did not find expected '-'");
	refused("- name: a\n  base_url: http://h\n  api: nope\n", ERR_DATA,
		":3: unknown api 'nope' (want openai-chat|");
	refused("- name: a\n  base_url: http://h\n  api_key: sk-SECRET\n", ERR_DATA,
		":3: api_key: an API key is never kept in the file");
	refused("- name: a\n  base_url: http://h\n  token: t\n", ERR_DATA, "api_key_env");
	refused("- name: a\n  base_url: http://h\n  headers: {x-api-key: SECRET}\n", ERR_DATA,
		"x-api-key holds a credential");
	refused("- name: a\n  base_url: http://h\n  headers: ['Cookie: SECRET']\n", ERR_DATA,
		"Cookie holds a credential");
	refused("- name: a\n  base_url: http://h\n  api_key_env: TYAML_TEST_UNSET\n", ERR_USAGE,
		":3: api_key_env: $TYAML_TEST_UNSET is not set");
	refused("- name: a\n  base_url: http://h\n  extra_body: [1]\n", ERR_DATA,
		"extra_body: expected a mapping");
	refused("- name: a\n  base_url: http://h\n  extra_body: '{x'\n", ERR_DATA, ":3: extra_body:");
	refused("- name: a\n  base_url: http://h\n  headers: {'X A': b}\n", ERR_DATA,
		"headers: expected 'Name: value'");
	refused("- name: a\n  base_url: http://h\n  headers: {X-A: \"b\\r\\nX-Evil: c\"}\n",
		ERR_DATA, "headers: expected 'Name: value'");
	refused("- base_url: http://h\n", ERR_DATA, ":1: a target needs a name");
	refused("- name: a\n  name: b\n  base_url: http://h\n", ERR_DATA, ":2: name given twice");
	refused("- name: a\n", ERR_DATA, ":1: a: no base_url");
	refused("- name: a\n  base_url: h:80\n", ERR_DATA, "base_url: expected http://");
	/* The line of the key, not of the target's first; no password shown. */
	refused("targets:\n- name: a\n  model: x\n  base_url: htp://u:PASSX@h/\n", ERR_DATA,
		":4: base_url: expected http:// or https://, got 'htp://[redacted]@h/'");
	refused("- name: a\n  base_url: http://h\n  urll: x\n", ERR_DATA, ":3: unknown key 'urll'");
	refused("- {name: a, base_url: 'http://h'}\n- {name: a, base_url: 'http://h'}\n",
		ERR_DATA, ":2: a second target named 'a'");
	refused("- just a string\n", ERR_DATA, ":1: a target is a mapping");
	refused("models: []\n", ERR_DATA, ":1: unknown key 'models' at the top");
	refused("targets: []\n", ERR_DATA, "expected a list of targets");
	refused("", ERR_DATA, "no targets");
	/* Aliases make a small file a large tree: 9^6 values, refused. */
	refused("- name: a\n  base_url: http://h\n  extra_body:\n"
		"    a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
		"    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"    f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
		ERR_DATA, "expands to more than 100000 values");
}

static void missing(void **state)
{
	struct opts_target *v;
	size_t n;
	struct err e;

	(void)state;
	assert_int_equal(tyaml_load("/nonexistent/t.yaml", &v, &n, &e), ERR_NOINPUT);
	assert_null(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields),
		cmocka_unit_test(bad),
		cmocka_unit_test(missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
