/*
 * libFuzzer entry for llmrun's event handling: each API dialect's handler
 * of one streamed event (api->event) and of a whole non-streamed body
 * (api->whole), on JSON it must survive whatever a server sends.
 *
 * The first byte picks the dialect, whether text is kept, and streamed or
 * whole; the rest is split at newlines into events, each tokenized with
 * jsmn (strict) as the engine does; events that are not JSON are skipped,
 * as the engine turns them into bad_stream before any dialect sees them.
 * Checks: no crash or sanitizer report; first token <= last token;
 * counts never below their "unknown" value; the chunk log has one entry
 * per chunk; kept text only grows.
 */
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../run/api.h"



#define NTOK 2048

static size_t log_entries(const struct buf *b)
{
	size_t n = 0, i;

	for (i = 0; i < b->len; i++)
		if (b->p[i] != ' ' && (i == 0 || b->p[i - 1] == ' '))
			n++;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct api *const apis[] = {
		&api_openai_chat, &api_openai_completions, &api_tgi,
		&api_llamacpp, &api_ollama, &api_triton, &api_sglang, &api_mii,
	};
	static jsmntok_t tok[NTOK];
	const struct api *api;
	struct resp r;
	struct err e;
	const char *p, *end, *nl;
	int whole, keep;
	int64_t now = 1000;
	size_t text_len = 0;

	if (size < 1)
		return 0;
	api = apis[data[0] % 8];
	keep = (data[0] >> 3) & 1;
	whole = (data[0] >> 4) & 1;
	p = (const char *)data + 1;
	end = (const char *)data + size;
	memset(&r, 0, sizeof r);
	resp_reset(&r, now, keep);
	for (; p < end; p = nl + 1) {
		struct jdoc d;
		jsmn_parser jp;
		int n;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		jsmn_init(&jp);
		n = jsmn_parse(&jp, p, (size_t)(nl - p), tok, NTOK);
		if (n < 1)
			continue;
		d.js = p;
		d.t = tok;
		d.n = n;
		now += 1000;
		err_clear(&e);
		if (whole)
			api->whole(&r, &d, now, &e);
		else
			api->event(&r, &d, now, &e);
		if (r.t_first_token && (r.t_first_token > r.t_last_token || r.t_first_token < 1000))
			die("first token after last token, or before the send");
		if (r.t_first_content && r.t_first_content < r.t_first_token)
			die("first content before first token");
		if (r.chunks < 0 || r.in_tokens < -1 || r.out_tokens < -1)
			die("a count below unknown");
		if ((size_t)r.chunks != log_entries(&r.chunk_log))
			die("chunk log entries differ from the chunk count");
		if (r.text.len < text_len)
			die("kept text shrank");
		text_len = r.text.len;
		if (!keep && r.text.len)
			die("text kept when not asked");
		if (nl == end)
			break;
	}
	resp_free(&r);
	return 0;
}
