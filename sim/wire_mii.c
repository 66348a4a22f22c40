/*
 * DeepSpeed-MII's RESTful gateway: POST /mii/{deployment} with
 * {"prompts": [text] or text, "max_new_tokens", "min_new_tokens",
 * "ignore_eos", ...}; never streamed. The body is what the gateway sends:
 * the list of Response objects ({"generated_text", "prompt_length",
 * "generated_length", "finish_reason"}) json.dumps'ed, which
 * flask-restful encodes once more, so a JSON string holding the list.
 */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

static int parse(const json_t *body, struct prompt *p, struct job *j,
		 struct err *e)
{
	const json_t *in = json_object_get(body, "prompts");

	j->max_tokens = -1;
	j->stream = 0;
	if (json_is_array(in) && json_array_size(in) == 1)
		in = json_array_get(in, 0);
	else if (json_is_array(in))
		return err_set(e, ERR_DATA, "prompts: llmsim takes one prompt per request");
	if (!json_is_string(in))
		return err_set(e, ERR_DATA, "prompts: expected a string or a list of one");
	if (wire_opt_lengths(body, "max_new_tokens", "min_new_tokens", j, e))
		return ERR_DATA;
	return prompt_count_text(p, json_string_value(in), json_string_length(in),
				 &j->prompt_tokens, e);
}

static void chunk(const struct wreq *r, const char *text, size_t len,
		  int reasoning, const char *finish, struct evbuffer *out)
{
	(void)r, (void)text, (void)len, (void)reasoning, (void)finish, (void)out;
}

static void body(const struct wreq *r, const char *text, size_t tlen,
		 const char *reasoning, size_t rlen, const char *finish,
		 struct evbuffer *out)
{
	json_t *list = json_pack("[{s:s%,s:I,s:I,s:s}]", "generated_text", text, tlen,
				 "prompt_length", (json_int_t)r->job->prompt_tokens,
				 "generated_length", (json_int_t)r->generated,
				 "finish_reason", finish[0] == 'l' ? "length" : "stop");
	char *s = json_dumps(list, JSON_COMPACT | JSON_PRESERVE_ORDER), *q = NULL;
	json_t *str = s ? json_string(s) : NULL;

	(void)reasoning;
	(void)rlen;
	json_decref(list);
	/* A bare string: wire_add_json encodes objects only. */
	if (str)
		q = json_dumps(str, JSON_ENCODE_ANY);
	if (q)
		evbuffer_add(out, q, strlen(q));
	json_decref(str);
	free(s);
	free(q);
}

const struct wire wire_mii = {
	"/mii/" WIRE_MODEL_MARK, WIRE_SSE, 1, 0, parse, NULL, chunk, NULL, body, NULL,
};
