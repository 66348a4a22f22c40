/*
 * Which dialect a request is for: its path against each dialect's, a
 * model named in the path, and the body's shape where two dialects share
 * a path.
 */
#include "route.h"

#include <stdlib.h>
#include <string.h>

static const struct wire *const wires[] = {
	&wire_openai_chat, &wire_openai_completions, &wire_tgi_stream, &wire_tgi,
	&wire_llamacpp, &wire_ollama_generate, &wire_ollama_chat,
	&wire_triton_stream, &wire_triton, &wire_sglang, &wire_mii,
};

/*
 * Dialects that share a path with one listed before them, and the body
 * member that marks theirs: SGLang's /generate has "text" where TGI's has
 * "inputs". A body with neither is TGI's, whose 400 then names "inputs".
 */
static const struct {
	const struct wire *w;
	const char *key;
} keyed[] = {
	{&wire_sglang, "text"},
};

/* The dialect on w's path that root's shape names; w when none. */
const struct wire *route_by_body(const struct wire *w, const json_t *root)
{
	for (size_t i = 0; i < sizeof keyed / sizeof keyed[0]; i++)
		if (!strcmp(keyed[i].w->path, w->path) && json_object_get(root, keyed[i].key))
			return keyed[i].w;
	return w;
}

/* pat's WIRE_MODEL_MARK: its offset in *pre and the length of what
 * follows it in *suf; 0 when pat names no model. */
static int model_mark(const char *pat, size_t *pre, size_t *suf)
{
	const char *m = strstr(pat, WIRE_MODEL_MARK);

	if (!m)
		return 0;
	*pre = (size_t)(m - pat);
	*suf = strlen(m + strlen(WIRE_MODEL_MARK));
	return 1;
}

/* Whether path is pat's, the mark standing for one or more bytes. */
static int route_match(const char *pat, const char *path)
{
	size_t pre, suf, n = strlen(path);

	if (!model_mark(pat, &pre, &suf))
		return !strcmp(pat, path);
	return n > pre + suf && !strncmp(path, pat, pre) &&
	       !strcmp(path + n - suf, pat + pre + strlen(WIRE_MODEL_MARK));
}

const struct wire *route_find(const char *path)
{
	for (size_t i = 0; i < sizeof wires / sizeof wires[0]; i++)
		if (route_match(wires[i]->path, path))
			return wires[i];
	return NULL;
}

/* The model req's path names (percent-decoded, the caller frees), or NULL
 * when w's path names none. */
char *route_path_model(const struct wire *w, struct evhttp_request *req)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	size_t pre, suf;
	char *seg, *m;

	if (!path || !model_mark(w->path, &pre, &suf) || strlen(path) <= pre + suf)
		return NULL;
	if (!(seg = strndup(path + pre, strlen(path) - pre - suf)))
		return NULL;
	m = evhttp_uridecode(seg, 0, NULL);
	free(seg);
	return m;
}
