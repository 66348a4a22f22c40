#include <string.h>
#include "check.h"

#include "../../sim/route.h"

/* A path picks the first dialect whose path matches; a model in the path
 * stands for one byte or more. */
static void paths(void **state)
{
	(void)state;
	assert_ptr_equal(route_find("/v1/chat/completions"), &wire_openai_chat);
	assert_ptr_equal(route_find("/v1/completions"), &wire_openai_completions);
	assert_ptr_equal(route_find("/generate_stream"), &wire_tgi_stream);
	/* shared with SGLang: TGI's, listed first (the body decides) */
	assert_ptr_equal(route_find("/generate"), &wire_tgi);
	assert_ptr_equal(route_find("/api/chat"), &wire_ollama_chat);
	assert_ptr_equal(route_find("/v2/models/m/generate_stream"), &wire_triton_stream);
	assert_ptr_equal(route_find("/v2/models/a/b/generate"), &wire_triton);
	assert_ptr_equal(route_find("/mii/x"), &wire_mii);
	/* an empty model, a path that only begins like one, none */
	assert_null(route_find("/v2/models//generate"));
	assert_null(route_find("/mii/"));
	assert_null(route_find("/v1/chat/completions/x"));
	assert_null(route_find("/nope"));
	assert_null(route_find(""));
}

/* Where two dialects share a path, the body's shape names one. */
static void bodies(void **state)
{
	json_t *text = json_pack("{s:s}", "text", "hi");
	json_t *inputs = json_pack("{s:s}", "inputs", "hi");

	(void)state;
	assert_ptr_equal(route_by_body(&wire_tgi, text), &wire_sglang);
	assert_ptr_equal(route_by_body(&wire_tgi, inputs), &wire_tgi);
	/* a path no other dialect shares keeps its dialect */
	assert_ptr_equal(route_by_body(&wire_openai_chat, text), &wire_openai_chat);
	json_decref(text);
	json_decref(inputs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths),
		cmocka_unit_test(bodies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
