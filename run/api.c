#include "api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "utf8.h"

static const struct api *const apis[] = {
	&api_openai_chat, &api_openai_completions, &api_tgi, &api_llamacpp,
	&api_ollama, &api_triton, &api_sglang, &api_mii,
};

/*
 * Names other benchmarks give servers that speak an OpenAI dialect, so
 * their users' --backend values work here. They follow the tables that
 * map those names to request functions: vLLM's
 * benchmarks/backend_request_func.py (vllm, lmdeploy, openai, scalellm:
 * completions) and SGLang's python/sglang/bench_serving.py (vllm-chat,
 * lmdeploy-chat: chat); docs/llmrun.md, "Dialect aliases".
 */
static const struct {
	const char *alias, *name;
} aliases[] = {
	{"openai", "openai-completions"},
	{"vllm", "openai-completions"},
	{"vllm-chat", "openai-chat"},
	{"lmdeploy", "openai-completions"},
	{"lmdeploy-chat", "openai-chat"},
	{"scalellm", "openai-completions"},
	/* The same tables' names for the engines with dialects of their own
	 * (vLLM: tensorrt-llm, deepspeed-mii; SGLang: trt, sglang-native). */
	{"tensorrt-llm", "triton"},
	{"trt", "triton"},
	{"sglang-native", "sglang"},
	{"deepspeed-mii", "mii"},
};

const struct api *api_find(const char *name)
{
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (strcmp(aliases[i].alias, name) == 0)
			name = aliases[i].name;
	for (size_t i = 0; i < sizeof apis / sizeof apis[0]; i++)
		if (strcmp(apis[i]->name, name) == 0)
			return apis[i];
	return NULL;
}

/* Where path p begins in url[0..n), p ending it; -1 when it does not.
 * API_MODEL_MARK in p stands for one path segment (no '/'). */
static long path_at(const char *url, size_t n, const char *p)
{
	const char *m = strstr(p, API_MODEL_MARK);
	size_t pre, suf, seg;

	if (!m) {
		size_t pl = strlen(p);

		return n > pl && memcmp(url + n - pl, p, pl) == 0 ? (long)(n - pl) : -1;
	}
	pre = (size_t)(m - p);
	suf = strlen(m + strlen(API_MODEL_MARK));
	if (n <= pre + suf || memcmp(url + n - suf, m + strlen(API_MODEL_MARK), suf) != 0)
		return -1;
	for (seg = 0; n - suf - seg > 0 && url[n - suf - seg - 1] != '/'; seg++)
		;
	if (seg == 0 || n - suf - seg <= pre ||
	    memcmp(url + n - suf - seg - pre, p, pre) != 0)
		return -1;
	return (long)(n - suf - seg - pre);
}

const struct api *api_by_path(const char *url, size_t *len)
{
	size_t n = strcspn(url, "?#");
	const char *sch = strstr(url, "://");
	/* Where the path begins: a host is never taken for one. */
	long host_end = sch ? (long)(sch - url + 3 + strcspn(sch + 3, "/?#")) : 0;
	const struct api *best = NULL;
	long best_at = 0;

	while (n > 8 && url[n - 1] == '/')
		n--;
	/* The longest path that fits wins: ".../v2/models/m/generate" is
	 * Triton's, though it ends in TGI's "/generate" too. */
	for (size_t i = 0; i < sizeof apis / sizeof apis[0]; i++) {
		const char *p[2] = {apis[i]->path_stream, apis[i]->path_plain};

		for (int k = 0; k < 2; k++) {
			long at = path_at(url, n, p[k]);

			if (at >= host_end && at > 0 && (!best || at < best_at)) {
				best = apis[i];
				best_at = at;
			}
		}
	}
	if (best)
		*len = strlen(url) - (size_t)best_at;
	return best;
}

/* path with model, percent-encoded, in place of API_MODEL_MARK, into out
 * (which has room); returns the bytes written with the NUL. */
static size_t bind_path(char *out, const char *path, const char *model)
{
	const char *m = strstr(path, API_MODEL_MARK);
	char *o = out;

	memcpy(o, path, (size_t)(m - path));
	o += m - path;
	/* Unreserved characters stay (RFC 3986); the rest, '/' included, is
	 * encoded, so a name is always one segment. */
	for (const unsigned char *c = (const unsigned char *)model; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("-._~", *c))
			*o++ = (char)*c;
		else
			o += sprintf(o, "%%%02X", *c);
	}
	strcpy(o, m + strlen(API_MODEL_MARK));
	return (size_t)(o - out) + strlen(o) + 1;
}

int api_names_model(const struct api *a)
{
	return strstr(a->path_stream, API_MODEL_MARK) || strstr(a->path_plain, API_MODEL_MARK);
}

struct api *api_bind(const struct api *a, const char *model)
{
	size_t room = 2 * (strlen(a->path_stream) + strlen(a->path_plain) +
			   3 * strlen(model) + 1);
	struct api *b;
	char *ps, *pp;

	/* One allocation: the table, then its two paths. */
	if (!(b = malloc(sizeof *b + room)))
		return NULL;
	*b = *a;
	ps = (char *)(b + 1);
	pp = ps + (strstr(a->path_stream, API_MODEL_MARK)
			   ? bind_path(ps, a->path_stream, model)
			   : (size_t)sprintf(ps, "%s", a->path_stream) + 1);
	if (strstr(a->path_plain, API_MODEL_MARK))
		bind_path(pp, a->path_plain, model);
	else
		strcpy(pp, a->path_plain);
	b->path_stream = ps;
	b->path_plain = pp;
	return b;
}

const char *api_names(void)
{
	return "openai-chat|openai-completions|tgi|llamacpp|ollama|triton|sglang|mii, "
	       "or an alias: openai|vllm|vllm-chat|lmdeploy|lmdeploy-chat|scalellm|"
	       "tensorrt-llm|trt|sglang-native|deepspeed-mii";
}

int jd_skip(const struct jdoc *d, int i)
{
	int left = 1;

	/* Every token has t[i].size direct children; walk until all of the
	 * subtree's tokens are consumed. */
	while (left > 0 && i < d->n) {
		left += d->t[i].size - 1;
		i++;
	}
	return i;
}

int jd_get(const struct jdoc *d, int obj, const char *key)
{
	size_t kl = strlen(key);
	int i, k;

	if (obj < 0 || obj >= d->n || d->t[obj].type != JSMN_OBJECT)
		return -1;
	i = obj + 1;
	for (k = 0; k < d->t[obj].size && i + 1 < d->n; k++) {
		const jsmntok_t *t = &d->t[i];

		if (t->type == JSMN_STRING && (size_t)(t->end - t->start) == kl &&
		    memcmp(d->js + t->start, key, kl) == 0)
			return i + 1;
		i = jd_skip(d, i + 1);
	}
	return -1;
}

int jd_at(const struct jdoc *d, int arr, int k)
{
	int i;

	if (arr < 0 || arr >= d->n || d->t[arr].type != JSMN_ARRAY ||
	    k >= d->t[arr].size)
		return -1;
	i = arr + 1;
	while (k-- > 0)
		i = jd_skip(d, i);
	return i < d->n ? i : -1;
}

int jd_nonempty_str(const struct jdoc *d, int i)
{
	return i >= 0 && d->t[i].type == JSMN_STRING && d->t[i].end > d->t[i].start;
}

int jd_null(const struct jdoc *d, int i)
{
	return i < 0 || (d->t[i].type == JSMN_PRIMITIVE && d->js[d->t[i].start] == 'n');
}

static int number(const struct jdoc *d, int i, double *v)
{
	char tmp[64];
	size_t n;
	char *end;

	if (i < 0 || d->t[i].type != JSMN_PRIMITIVE)
		return 0;
	n = (size_t)(d->t[i].end - d->t[i].start);
	if (n == 0 || n >= sizeof tmp)
		return 0;
	memcpy(tmp, d->js + d->t[i].start, n);
	tmp[n] = '\0';
	*v = strtod(tmp, &end);
	return *end == '\0' && (tmp[0] == '-' || (tmp[0] >= '0' && tmp[0] <= '9'));
}

long jd_long(const struct jdoc *d, int i, long dflt)
{
	double v;

	/* A count no server could mean (beyond +-2^53, or NaN) is treated as
	 * missing: converting it to long would be undefined. */
	if (!number(d, i, &v) || !(v >= -9007199254740992.0 && v <= 9007199254740992.0))
		return dflt;
	return (long)v;
}

long jd_count(const struct jdoc *d, int i, long dflt)
{
	double v;

	if (!number(d, i, &v) || !(v >= 0 && v <= 9007199254740992.0) || v != (double)(long)v)
		return dflt;
	return (long)v;
}

double jd_double(const struct jdoc *d, int i, double dflt)
{
	double v;

	return number(d, i, &v) ? v : dflt;
}

double jd_duration(const struct jdoc *d, int i, double dflt)
{
	double v;

	return number(d, i, &v) && v >= 0 && v <= 1e15 ? v : dflt;
}

int jd_text(const struct jdoc *d, int i, struct buf *out, struct err *e)
{
	const jsmntok_t *t = &d->t[i];
	json_t *s;
	int rc;

	if (!memchr(d->js + t->start, '\\', (size_t)(t->end - t->start)))
		return buf_add(out, d->js + t->start, (size_t)(t->end - t->start), e);
	/* Escapes: let jansson decode the string with its quotes. */
	s = json_loadb(d->js + t->start - 1, (size_t)(t->end - t->start) + 2,
		       JSON_DECODE_ANY, NULL);
	if (!json_is_string(s)) {
		json_decref(s);
		return err_set(e, ERR_DATA, "bad string in event");
	}
	rc = buf_add(out, json_string_value(s), json_string_length(s), e);
	json_decref(s);
	return rc;
}

void jd_copy(const struct jdoc *d, int i, char *out, size_t size)
{
	struct buf b = BUF_INIT;

	out[0] = '\0';
	if (i < 0 || size == 0)
		return;
	if (d->t[i].type == JSMN_STRING) {
		if (jd_text(d, i, &b, NULL) == 0 && b.p) {
			/* Cut on a character's first byte: a row's fields and the
			 * metadata's JSON hold whole UTF-8 characters. */
			size_t k = utf8_cut(b.p, b.len, size - 1);

			memcpy(out, b.p, k);
			out[k] = '\0';
		}
		buf_free(&b);
	} else if (d->t[i].type == JSMN_PRIMITIVE) {
		snprintf(out, size, "%.*s", d->t[i].end - d->t[i].start,
			 d->js + d->t[i].start);
	}
}

int jd_eq(const struct jdoc *d, int i, const char *s)
{
	size_t n = strlen(s);

	return i >= 0 && d->t[i].type == JSMN_STRING &&
	       (size_t)(d->t[i].end - d->t[i].start) == n &&
	       memcmp(d->js + d->t[i].start, s, n) == 0;
}

void resp_reset(struct resp *r, int64_t t_sent, int keep_text)
{
	struct buf text = r->text, log = r->chunk_log, scratch = r->scratch;

	memset(r, 0, sizeof *r);
	r->text = text;
	r->chunk_log = log;
	r->scratch = scratch;
	buf_reset(&r->text);
	buf_reset(&r->chunk_log);
	buf_reset(&r->scratch);
	/* Set once: a test may lower it. */
	if (!r->text.max)
		r->text.max = r->chunk_log.max = RESP_MAX;
	r->t_sent = t_sent;
	r->in_tokens = r->out_tokens = r->reasoning_tokens = -1;
	r->usage_out_prev = 0;
	r->usage_at = -1;
	r->held = 0;
	r->server_prompt_ms = r->server_decode_ms = NAN;
	r->server_prompt_tokens = r->server_decode_tokens = -1;
	r->cached_tokens = -1;
	r->first_merged = -1;
	r->keep_text = keep_text;
}

void resp_free(struct resp *r)
{
	buf_free(&r->text);
	buf_free(&r->chunk_log);
	buf_free(&r->scratch);
}

/* Writes v in decimal at p; returns the end. The chunk log grows by a
 * number or two per chunk, and printf's two passes showed in profiles. */
static char *put_num(char *p, long long v)
{
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		*p++ = '-';
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* rc of adding to the reply's text or chunk log: the buffer's cap
 * (RESP_MAX) passed is said as the reply's. */
static int said(int rc, const char *what, struct err *e)
{
	if (rc == ERR_DATA)
		err_prefix(e, "the reply's %s (a stream without end?)", what);
	return rc;
}

/* Stamps a chunk of text at now (its text is the caller's to keep). */
static int stamp(struct resp *r, int reasoning, long tokens, int64_t now,
		 struct err *e)
{
	long long us = (now - r->t_sent) / CLK_NS_PER_US;
	struct buf *b = &r->chunk_log;
	char item[64], *p = item;

	if (!r->t_first_token)
		r->t_first_token = now;
	else if (r->chunks == 1)
		r->first_merged = now == r->t_first_token;
	if (!reasoning && !r->t_first_content)
		r->t_first_content = now;
	r->t_last_token = now;
	r->chunks++;
	if (b->len)
		*p++ = ' ';
	p = put_num(p, us);
	if (tokens >= 0) {
		*p++ = ':';
		p = put_num(p, tokens);
	}
	return said(buf_add(b, item, (size_t)(p - item), e), "chunk log", e);
}

int resp_chunk(struct resp *r, const struct jdoc *d, int text_tok,
	       int reasoning, long tokens, int64_t now, struct err *e)
{
	int rc;

	if (!jd_nonempty_str(d, text_tok))
		return 0;
	rc = stamp(r, reasoning, tokens, now, e);
	if (!rc && r->keep_text)
		rc = said(jd_text(d, text_tok, &r->text, e), "text", e);
	return rc;
}

int resp_chunk_raw(struct resp *r, const char *text, size_t len, int reasoning,
		   long tokens, int64_t now, struct err *e)
{
	int rc;

	if (!len)
		return 0;
	rc = stamp(r, reasoning, tokens, now, e);
	if (!rc && r->keep_text)
		rc = said(buf_add(&r->text, text, len, e), "text", e);
	return rc;
}

int resp_cumulative(struct resp *r, const struct jdoc *d, int text_tok,
		    long tokens, int64_t now, struct err *e)
{
	size_t len, old = r->cum_len;
	const char *s;
	int rc;

	if (text_tok < 0 || d->t[text_tok].type != JSMN_STRING)
		return 0;
	s = d->js + d->t[text_tok].start;
	len = (size_t)(d->t[text_tok].end - d->t[text_tok].start);
	/* The text grows with the answer: copied only when escapes make its
	 * bytes differ from the event's. */
	if (memchr(s, '\\', len)) {
		buf_reset(&r->scratch);
		if ((rc = jd_text(d, text_tok, &r->scratch, e)))
			return rc;
		s = r->scratch.p;
		len = r->scratch.len;
	}
	if (len < old)
		return err_set(e, ERR_DATA, "the text so far is shorter than before "
			       "(%zu bytes, then %zu)", old, len);
	r->cum_len = len;
	return resp_chunk_raw(r, s + old, len - old, 0, tokens, now, e);
}

long resp_usage(struct resp *r, const struct jdoc *d, int u)
{
	long out, add = -1, rt;

	if (u < 0 || d->t[u].type != JSMN_OBJECT)
		return -1;
	r->in_tokens = jd_count(d, jd_get(d, u, "prompt_tokens"), r->in_tokens);
	out = jd_count(d, jd_get(d, u, "completion_tokens"), -1);
	if (out >= 0) {
		/* The change since the last usage is this chunk's count only
		 * when no text chunk came between without one: usage that
		 * first comes with the last chunk counts them all, not it. */
		add = (r->usage_at < 0 ? r->chunks == 0 : r->chunks - r->usage_at <= 1) ?
			out - r->usage_out_prev : -1;
		r->usage_at = r->chunks;
		r->usage_out_prev = out;
		r->out_tokens = out;
	}
	r->cached_tokens = jd_count(d, jd_get(d, jd_get(d, u, "prompt_tokens_details"),
					      "cached_tokens"), r->cached_tokens);
	rt = jd_count(d, jd_get(d, jd_get(d, u, "completion_tokens_details"),
			       "reasoning_tokens"), -1);
	if (rt >= 0)
		r->reasoning_tokens = rt;
	return add;
}

static enum rclass class_of_code(long code)
{
	if (code == 429)
		return RC_RATE_LIMITED;
	if (code >= 400 && code < 500)
		return RC_HTTP_4XX;
	return RC_HTTP_5XX;
}

int api_error_object(struct resp *r, const struct jdoc *d)
{
	int eo = jd_get(d, 0, "error"), msg = -1, code = -1;

	if (eo >= 0 && !jd_null(d, eo)) {
		if (d->t[eo].type == JSMN_OBJECT) {
			msg = jd_get(d, eo, "message");
			code = jd_get(d, eo, "code");
		} else {
			msg = eo;
		}
	} else if (jd_eq(d, jd_get(d, 0, "object"), "error")) {
		msg = jd_get(d, 0, "message");
		code = jd_get(d, 0, "code");
	} else {
		return 0;
	}
	r->err_class = class_of_code(jd_long(d, code, 500));
	jd_copy(d, msg, r->err, sizeof r->err);
	utf8_unctrl(r->err); /* shown on terminals: no ESC sequences */
	if (!r->err[0])
		snprintf(r->err, sizeof r->err, "error object in the response");
	return 1;
}

void api_error_text(struct resp *r, const struct jdoc *d, const char *body, size_t n)
{
	size_t k = 0, i;

	if (r->err[0])
		return;
	if (d) {
		int m = jd_get(d, 0, "detail");

		if (!jd_nonempty_str(d, m))
			m = jd_get(d, 0, "message");
		if (jd_nonempty_str(d, m)) {
			jd_copy(d, m, r->err, sizeof r->err);
			body = r->err;
			n = strlen(r->err);
		}
	}
	/* One line of printable text, cut on a character's first byte (a
	 * NUL of a raw body a space too, not the end). */
	while (n && (*body == ' ' || *body == '\n' || *body == '\r' || *body == '\t'))
		body++, n--;
	n = utf8_cut(body, n, sizeof r->err - 1);
	for (i = 0; i < n; i++)
		r->err[k++] = body[i] ? body[i] : ' ';
	r->err[k] = '\0';
	utf8_unctrl(r->err);
	while (k > 0 && r->err[k - 1] == ' ')
		k--;
	r->err[k] = '\0';
}

void api_error_event(struct resp *r, const struct jdoc *d, const char *data, size_t n)
{
	if (d && api_error_object(r, d))
		return;
	/* llama.cpp's: the error object is the event's data itself. */
	r->err_class = class_of_code(d ? jd_long(d, jd_get(d, 0, "code"), 500) : 500);
	api_error_text(r, d, data, n);
	if (!r->err[0])
		snprintf(r->err, sizeof r->err, "an error event");
}

void api_set_sampling(json_t *o, const struct api_req *q)
{
	if (!isnan(q->temperature))
		json_object_set_new(o, "temperature", json_real(q->temperature));
	if (!isnan(q->top_p))
		json_object_set_new(o, "top_p", json_real(q->top_p));
}

json_t *api_prompt_text(const struct api_req *q)
{
	char *p = NULL;
	json_t *s;

	if (!q->system || asprintf(&p, "%s\n\n%s", q->system, q->prompt) < 0)
		return json_string(q->prompt);
	s = json_string(p);
	free(p);
	return s;
}

void api_timings(struct resp *r, const struct jdoc *d)
{
	int tm = jd_get(d, 0, "timings");

	if (tm < 0)
		return;
	r->server_prompt_ms = jd_duration(d, jd_get(d, tm, "prompt_ms"), r->server_prompt_ms);
	r->server_decode_ms = jd_duration(d, jd_get(d, tm, "predicted_ms"), r->server_decode_ms);
	r->server_prompt_tokens = jd_count(d, jd_get(d, tm, "prompt_n"), r->server_prompt_tokens);
	r->server_decode_tokens = jd_count(d, jd_get(d, tm, "predicted_n"), r->server_decode_tokens);
}

int api_openai_head(struct resp *r, const struct jdoc *d, long *add)
{
	int u = jd_get(d, 0, "usage");

	*add = jd_null(d, u) ? -1 : resp_usage(r, d, u);
	api_timings(r, d);
	if (!r->response_id[0])
		jd_copy(d, jd_get(d, 0, "id"), r->response_id, sizeof r->response_id);
	return jd_at(d, jd_get(d, 0, "choices"), 0);
}

void api_openai_finish(struct resp *r, const struct jdoc *d, int c0)
{
	int fr = jd_get(d, c0, "finish_reason");

	if (!jd_null(d, fr))
		jd_copy(d, fr, r->finish, sizeof r->finish);
}

void api_set_common(json_t *o, const struct api_req *q)
{
	if (q->max_tokens >= 0)
		json_object_set_new(o, "max_tokens", json_integer(q->max_tokens));
	api_set_sampling(o, q);
	if (q->ignore_eos)
		json_object_set_new(o, "ignore_eos", json_true());
	if (q->min_tokens >= 0)
		json_object_set_new(o, "min_tokens", json_integer(q->min_tokens));
	json_object_set_new(o, "stream", json_boolean(q->stream));
	if (q->stream) {
		json_t *so = json_pack("{s:b}", "include_usage", 1);

		if (q->continuous_usage)
			json_object_set_new(so, "continuous_usage_stats", json_true());
		json_object_set_new(o, "stream_options", so);
	}
}
