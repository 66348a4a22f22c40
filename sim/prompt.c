#include "prompt.h"

#include <stdlib.h>
#include <string.h>

struct prompt {
	char *spec;
};

int prompt_open(const char *spec, struct prompt **out, struct err *e)
{
	struct prompt *p = calloc(1, sizeof *p);

	if (!p || !(p->spec = strdup(spec))) {
		free(p);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	*out = p;
	return 0;
}

void prompt_free(struct prompt *p)
{
	if (!p)
		return;
	free(p->spec);
	free(p);
}

const char *prompt_tokenizer(const struct prompt *p)
{
	return p->spec;
}

int prompt_exact(const struct prompt *p)
{
	(void)p;
	return 0;
}

/*
 * NOT THE REAL COUNT. lib/tok (the project's tokenizer) has not landed on
 * main yet; until it does, this estimates one token per 4 bytes, and
 * llmsim says so at startup. This function is the only place to change.
 */
int prompt_count_text(struct prompt *p, const char *text, size_t len,
		      long *count, struct err *e)
{
	(void)p;
	(void)text;
	(void)e;
	*count = (long)((len + 3) / 4);
	return 0;
}

static int count_content(struct prompt *p, const json_t *c, size_t i,
			 long *n, struct err *e)
{
	size_t j;
	const json_t *part;

	if (json_is_null(c))
		return 0;
	if (json_is_string(c))
		return prompt_count_text(p, json_string_value(c),
					 json_string_length(c), n, e);
	if (!json_is_array(c))
		return err_set(e, ERR_DATA,
			       "messages[%zu].content: expected a string or an array", i);
	json_array_foreach(c, j, part) {
		const json_t *t = json_object_get(part, "text");
		long k;

		if (!json_is_string(t))
			return err_set(e, ERR_DATA,
				       "messages[%zu].content[%zu]: expected a text part", i, j);
		if (prompt_count_text(p, json_string_value(t), json_string_length(t), &k, e))
			return e ? e->code : ERR_DATA;
		*n += k;
	}
	return 0;
}

int prompt_count_chat(struct prompt *p, const json_t *messages, long *count,
		      struct err *e)
{
	size_t i;
	const json_t *m;
	long total = PROMPT_REPLY;

	if (!json_is_array(messages) || !json_array_size(messages))
		return err_set(e, ERR_DATA, "messages: expected a non-empty array");
	json_array_foreach(messages, i, m) {
		const json_t *role = json_object_get(m, "role");
		long n = 0;

		if (!json_is_string(role))
			return err_set(e, ERR_DATA, "messages[%zu].role: expected a string", i);
		if (prompt_count_text(p, json_string_value(role), json_string_length(role), &n, e))
			return e ? e->code : ERR_DATA;
		total += PROMPT_PER_MESSAGE + n;
		n = 0;
		if (count_content(p, json_object_get(m, "content"), i, &n, e))
			return e ? e->code : ERR_DATA;
		total += n;
	}
	*count = total;
	return 0;
}
