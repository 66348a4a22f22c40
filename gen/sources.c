#include "sources.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "slurp.h"
#include "utf8.h"

const char *src_kind_name(enum src_kind kind)
{
	switch (kind) {
	case SRC_JSONL:
		return "jsonl";
	case SRC_SHAREGPT:
	case SRC_SHAREGPT_TURNS:
		return "sharegpt";
	case SRC_TEXT:
	default:
		return "text";
	}
}

void src_free(struct src_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].prompt);
		free(l->v[i].reply);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int add_item(struct src_list *l, const char *prompt, size_t plen,
		    const char *reply, size_t rlen, long out_tokens, long line,
		    struct err *e)
{
	struct src_item *it;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct src_item *v = realloc(l->v, cap * sizeof *v);

		if (!v)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	it = &l->v[l->n];
	memset(it, 0, sizeof *it);
	it->conv = -1;
	it->prompt = strndup(prompt, plen);
	it->prompt_len = plen;
	if (reply) {
		it->reply = strndup(reply, rlen);
		it->reply_len = rlen;
	}
	if (!it->prompt || (reply && !it->reply)) {
		free(it->prompt);
		free(it->reply);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	it->output_tokens = out_tokens;
	it->line = line;
	l->n++;
	return 0;
}

/* Byte offset of the first invalid UTF-8 sequence or NUL in s, or -1. */
static long bad_utf8(const char *s, size_t n)
{
	const char *nul = memchr(s, '\0', n);
	size_t bad;

	if (!utf8_valid(s, n, &bad))
		return (long)(nul && (size_t)(nul - s) < bad ? nul - s : (long)bad);
	return nul ? nul - s : -1;
}

static int parse_text(const char *name, const char *text, size_t len,
		      struct src_list *out, struct err *e)
{
	const char *p = text, *end = text + len;
	long lineno = 0;
	int rc = 0;

	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		long bad;

		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		if ((bad = bad_utf8(p, n)) >= 0)
			rc = err_set(e, ERR_DATA, "%s:%ld:%ld: invalid UTF-8 or NUL byte",
				     name, lineno, bad + 1);
		else if (strspn(p, " \t") < n)
			rc = add_item(out, p, n, NULL, 0, -1, lineno, e);
		p = nl ? nl + 1 : end;
	}
	return rc;
}

static int json_fail(const char *name, long line, int col0, const json_error_t *je,
		     struct err *e)
{
	/* jansson counts lines and columns within the text it was given:
	 * one JSONL line, or the rest of a ShareGPT file from the value's
	 * start, which is col0 columns into its line. */
	return err_set(e, ERR_DATA, "%s:%ld:%d: %s", name, line + je->line - 1,
		       je->line == 1 ? col0 + je->column : je->column, je->text);
}

static int parse_jsonl(const char *name, const char *text, size_t len,
		       struct src_list *out, struct err *e)
{
	const char *p = text, *end = text + len;
	long lineno = 0;
	int rc = 0;

	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_error_t je;
		json_t *obj, *prompt, *ot;
		long otok = -1;

		lineno++;
		if (strspn(p, " \t\r") >= n) {
			p = nl ? nl + 1 : end;
			continue;
		}
		obj = json_loadb(p, n, 0, &je);
		p = nl ? nl + 1 : end;
		if (!obj) {
			rc = json_fail(name, lineno, 0, &je, e);
			break;
		}
		prompt = json_object_get(obj, "prompt");
		ot = json_object_get(obj, "output_tokens");
		if (!json_is_object(obj))
			rc = err_set(e, ERR_DATA, "%s:%ld: expected a JSON object", name, lineno);
		else if (!json_is_string(prompt))
			rc = err_set(e, ERR_DATA, "%s:%ld: \"prompt\" is missing or not a string",
				     name, lineno);
		else if (ot && !json_is_null(ot) &&
			 (!json_is_integer(ot) || json_integer_value(ot) < 1 ||
			  json_integer_value(ot) > 1048576))
			rc = err_set(e, ERR_DATA,
				     "%s:%ld: \"output_tokens\" must be an integer from 1 to 1048576",
				     name, lineno);
		else if (json_string_length(prompt) == 0)
			rc = err_set(e, ERR_DATA, "%s:%ld: empty \"prompt\"", name, lineno);
		if (!rc) {
			if (ot && json_is_integer(ot))
				otok = (long)json_integer_value(ot);
			rc = add_item(out, json_string_value(prompt),
				      json_string_length(prompt), NULL, 0, otok, lineno, e);
		}
		json_decref(obj);
	}
	return rc;
}

static int is_human(const char *from)
{
	return strcmp(from, "human") == 0 || strcmp(from, "user") == 0;
}

static const char *turn_from(json_t *conv, size_t i)
{
	return json_string_value(json_object_get(json_array_get(conv, i), "from"));
}

static json_t *turn_value(json_t *conv, size_t i)
{
	return json_object_get(json_array_get(conv, i), "value");
}

/* Every human turn of a conversation, each with the reply after it. */
static int sharegpt_turns(long line, json_t *conv, struct src_list *out,
			  struct err *e)
{
	size_t i = 0, n = json_array_size(conv);
	int turn = 0, rc = 0;

	while (i < n && !is_human(turn_from(conv, i)))
		i++;
	for (; i < n && !rc; i += 2) {
		json_t *h = turn_value(conv, i);
		int reply = i + 1 < n;

		if (!is_human(turn_from(conv, i)) || json_string_length(h) == 0)
			break;
		if (reply && is_human(turn_from(conv, i + 1)))
			break;
		rc = add_item(out, json_string_value(h), json_string_length(h),
			      reply ? json_string_value(turn_value(conv, i + 1)) : NULL,
			      reply ? json_string_length(turn_value(conv, i + 1)) : 0,
			      -1, line, e);
		if (!rc) {
			out->v[out->n - 1].conv = out->nconv;
			out->v[out->n - 1].turn = ++turn;
		}
	}
	if (!rc && turn)
		out->nconv++;
	else if (!rc)
		out->skipped++;
	return rc;
}

/*
 * vLLM's multi-turn conversations ({"id", "messages": [{"role", "content"}]},
 * what its benchmarks/multi_turn/convert_sharegpt_to_openai.py writes) as
 * ShareGPT turns {"from", "value"}: a new array the caller releases, or
 * NULL when a message is not an object with string role and content (the
 * caller's check then names the message).
 */
static json_t *openai_turns(json_t *msgs)
{
	json_t *conv = json_array(), *m;
	size_t i;

	json_array_foreach(msgs, i, m) {
		json_t *role = json_object_get(m, "role"), *c = json_object_get(m, "content");

		if (!json_is_string(role) || !json_is_string(c) ||
		    json_array_append_new(conv, json_pack("{s:O,s:O}", "from", role, "value", c))) {
			json_decref(conv);
			return NULL;
		}
	}
	return conv;
}

static int sharegpt_conv(const char *name, long line, json_t *conv, int whole,
			 struct src_list *out, struct err *e);

/* One ShareGPT conversation object: adds its first human turn and the
 * reply after it (or, whole, every turn), or counts it as skipped. */
static int sharegpt_entry(const char *name, long line, json_t *obj, int whole,
			  struct src_list *out, struct err *e)
{
	json_t *conv = json_object_get(obj, "conversations"), *msgs = json_object_get(obj, "messages");
	int rc;

	if (!json_is_object(obj))
		return err_set(e, ERR_DATA, "%s:%ld: expected a conversation object", name, line);
	if (conv || !json_is_array(msgs))
		return sharegpt_conv(name, line, conv, whole, out, e);
	if (!(conv = openai_turns(msgs)))
		return err_set(e, ERR_DATA, "%s:%ld: every message needs string \"role\" and \"content\"",
			       name, line);
	rc = sharegpt_conv(name, line, conv, whole, out, e);
	json_decref(conv);
	return rc;
}

static int sharegpt_conv(const char *name, long line, json_t *conv, int whole,
			 struct src_list *out, struct err *e)
{
	size_t i, n;

	if (!json_is_array(conv))
		return err_set(e, ERR_DATA, "%s:%ld: \"conversations\" is missing or not an array",
			       name, line);
	n = json_array_size(conv);
	for (i = 0; i < n; i++) {
		json_t *t = json_array_get(conv, i);
		json_t *from = json_object_get(t, "from"), *val = json_object_get(t, "value");

		if (!json_is_object(t) || !json_is_string(from) || !json_is_string(val))
			return err_set(e, ERR_DATA,
				       "%s:%ld: turn %zu needs string \"from\" and \"value\"",
				       name, line, i + 1);
	}
	if (whole)
		return sharegpt_turns(line, conv, out, e);
	for (i = 0; i + 1 < n; i++) {
		json_t *h = json_array_get(conv, i), *r = json_array_get(conv, i + 1);

		if (!is_human(json_string_value(json_object_get(h, "from"))))
			continue;
		if (is_human(json_string_value(json_object_get(r, "from"))) ||
		    json_string_length(json_object_get(h, "value")) == 0)
			break;
		return add_item(out, json_string_value(json_object_get(h, "value")),
				json_string_length(json_object_get(h, "value")),
				json_string_value(json_object_get(r, "value")),
				json_string_length(json_object_get(r, "value")), -1, line, e);
	}
	out->skipped++;
	return 0;
}

static long count_lines(const char *s, size_t n)
{
	long k = 0;

	for (const char *p = s; (p = memchr(p, '\n', (size_t)(s + n - p))); p++)
		k++;
	return k;
}

/* A JSON array of conversations, or conversations one after another
 * (JSON Lines). Each value is parsed by jansson on its own, so errors and
 * skipped entries can name the line where the value starts. */
static int parse_sharegpt(const char *name, const char *text, size_t len,
			  int whole, struct src_list *out, struct err *e)
{
	size_t pos = 0;
	long line = 1;
	int in_array = 0, rc = 0, first = 1;

	for (;;) {
		size_t ws = pos;
		json_error_t je;
		json_t *obj;

		while (pos < len && strchr(" \t\r\n", text[pos]) && text[pos])
			pos++;
		line += count_lines(text + ws, pos - ws);
		if (pos == len)
			break;
		if (first && text[pos] == '[') {
			in_array = 1;
			first = 0;
			pos++;
			continue;
		}
		if (in_array && text[pos] == ']') {
			pos++;
			in_array = 2;
			continue;
		}
		if (in_array == 2)
			return err_set(e, ERR_DATA, "%s:%ld: text after the closing ']'", name, line);
		if (in_array && !first && text[pos] == ',') {
			pos++;
			continue;
		}
		first = 0;
		obj = json_loadb(text + pos, len - pos, JSON_DISABLE_EOF_CHECK, &je);
		if (!obj) {
			size_t ls = pos;

			while (ls > 0 && text[ls - 1] != '\n')
				ls--;
			return json_fail(name, line, (int)(pos - ls), &je, e);
		}
		rc = sharegpt_entry(name, line, obj, whole, out, e);
		json_decref(obj);
		if (rc)
			return rc;
		line += count_lines(text + pos, je.position);
		pos += je.position;
	}
	if (in_array == 1)
		return err_set(e, ERR_DATA, "%s:%ld: the array has no closing ']'", name, line);
	return 0;
}

int src_parse(enum src_kind kind, const char *name, const char *text,
	      size_t len, struct src_list *out, struct err *e)
{
	int rc;

	memset(out, 0, sizeof *out);
	/* A UTF-8 byte-order mark (Windows editors write one) is no part of
	 * the text: kept, it became an invisible token of the first prompt,
	 * and JSON refused it. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	switch (kind) {
	case SRC_JSONL:
		rc = parse_jsonl(name, text, len, out, e);
		break;
	case SRC_SHAREGPT:
	case SRC_SHAREGPT_TURNS:
		rc = parse_sharegpt(name, text, len, kind == SRC_SHAREGPT_TURNS, out, e);
		break;
	case SRC_TEXT:
	default:
		rc = parse_text(name, text, len, out, e);
		break;
	}
	if (!rc && out->n == 0)
		rc = err_set(e, ERR_DATA, "%s: no prompt in the file%s", name,
			     out->skipped ? " (every conversation was skipped)" : "");
	if (rc)
		src_free(out);
	return rc;
}

int src_load(enum src_kind kind, const char *path, struct src_list *out,
	     struct err *e)
{
	struct buf b = BUF_INIT;
	int rc;

	memset(out, 0, sizeof *out);
	b.max = SRC_MAX_FILE;
	rc = slurp_file(path, 0, &b, e);
	if (!rc)
		rc = src_parse(kind, path, b.p ? b.p : "", b.len, out, e);
	buf_free(&b);
	return rc;
}
