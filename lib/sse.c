#include "sse.h"

#include <string.h>

void sse_init(struct sse *p, enum sse_mode mode, size_t max_event)
{
	memset(p, 0, sizeof *p);
	p->mode = mode;
	p->max_event = max_event ? max_event : SSE_MAX_EVENT;
}

static int too_big(struct sse *p, struct err *e)
{
	return err_set(e, ERR_DATA, "stream event longer than %zu bytes",
		       p->max_event);
}

static int dispatch(struct sse *p, sse_cb cb, void *ctx)
{
	struct sse_event ev;
	int rc;

	ev.data = p->data.p ? p->data.p : "";
	ev.data_len = p->data.len;
	ev.event = p->event.p ? p->event.p : "";
	ev.id = p->id.p ? p->id.p : "";
	ev.done = ev.data_len == 6 && memcmp(ev.data, "[DONE]", 6) == 0;
	ev.end = p->at;
	rc = cb(ctx, &ev);
	buf_reset(&p->data);
	buf_reset(&p->event);
	p->has_data = 0;
	p->ev_bytes = 0;
	return rc;
}

static int blank(const char *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] != ' ' && l[i] != '\t')
			return 0;
	return 1;
}

/* One complete line, without its line end. */
static int line(struct sse *p, const char *l, size_t n, sse_cb cb, void *ctx,
		struct err *e)
{
	const char *colon, *v;
	size_t name, vn;
	int rc;

	/* Checked here as well as while buffering so that where the input is
	 * cut never changes the outcome. */
	if (n > p->max_event)
		return too_big(p, e);
	if (p->mode == SSE_MODE_NDJSON) {
		if (blank(l, n))
			return 0;
		buf_reset(&p->data);
		if ((rc = buf_add(&p->data, l, n, e)))
			return rc;
		return dispatch(p, cb, ctx);
	}
	if (n == 0) {
		if (p->has_data)
			return dispatch(p, cb, ctx);
		buf_reset(&p->event);
		p->ev_bytes = 0;
		return 0;
	}
	if (l[0] == ':')
		return 0;
	p->ev_bytes += n + 1;
	if (p->ev_bytes > p->max_event)
		return too_big(p, e);
	colon = memchr(l, ':', n);
	name = colon ? (size_t)(colon - l) : n;
	v = colon ? colon + 1 : l + n;
	vn = (size_t)(l + n - v);
	if (vn && *v == ' ') {
		v++;
		vn--;
	}
	if (name == 4 && memcmp(l, "data", 4) == 0) {
		if (p->has_data && (rc = buf_add(&p->data, "\n", 1, e)))
			return rc;
		p->has_data = 1;
		return buf_add(&p->data, v, vn, e);
	}
	if (name == 5 && memcmp(l, "event", 5) == 0) {
		buf_reset(&p->event);
		return buf_add(&p->event, v, vn, e);
	}
	/* Not SSE: llama.cpp's server sends a failure that comes after its
	 * 200 (a prompt past the context) as an "error: {...}" line of its
	 * own. Taken as an event named error with that data, it is said,
	 * not dropped as an unknown field. */
	if (name == 5 && memcmp(l, "error", 5) == 0) {
		buf_reset(&p->event);
		buf_reset(&p->data);
		p->has_data = 1;
		if ((rc = buf_add(&p->event, "error", 5, e)))
			return rc;
		return buf_add(&p->data, v, vn, e);
	}
	if (name == 2 && memcmp(l, "id", 2) == 0 && !memchr(v, '\0', vn)) {
		buf_reset(&p->id);
		return buf_add(&p->id, v, vn, e);
	}
	return 0;
}

int sse_feed(struct sse *p, const char *bytes, size_t n, sse_cb cb, void *ctx,
	     struct err *e)
{
	size_t i = 0;
	int rc;

	/* The stream's first bytes: a BOM, which may come split, is skipped;
	 * bytes that began like one and were not are the line's. */
	while (p->mode == SSE_MODE_SSE && p->bom >= 0 && i < n) {
		if (bytes[i] == "\xEF\xBB\xBF"[p->bom]) {
			i++;
			if (++p->bom == 3)
				p->bom = -1;
			continue;
		}
		if (p->bom && (rc = buf_add(&p->line, "\xEF\xBB\xBF", (size_t)p->bom, e)))
			return rc;
		p->bom = -1;
	}
	if (p->skip_lf && i < n) {
		if (bytes[i] == '\n')
			i++;
		p->skip_lf = 0;
	}
	while (i < n) {
		const char *s = bytes + i, *nl, *cr, *end;
		size_t rem = n - i, len;

		nl = memchr(s, '\n', rem);
		cr = memchr(s, '\r', nl ? (size_t)(nl - s) : rem);
		end = cr ? cr : nl;
		if (!end) {
			/* The line goes on in a later read: keep its start. */
			if (p->line.len + rem > p->max_event)
				return too_big(p, e);
			return buf_add(&p->line, s, rem, e);
		}
		len = (size_t)(end - s);
		p->at = (size_t)(end - bytes) + 1;
		if (p->line.len) {
			if (p->line.len + len > p->max_event)
				return too_big(p, e);
			if ((rc = buf_add(&p->line, s, len, e)))
				return rc;
			rc = line(p, p->line.p, p->line.len, cb, ctx, e);
			buf_reset(&p->line);
		} else {
			rc = line(p, s, len, cb, ctx, e);
		}
		if (rc)
			return rc;
		i += len + 1;
		if (*end == '\r') {
			if (i < n) {
				if (bytes[i] == '\n')
					i++;
			} else {
				p->skip_lf = 1;
			}
		}
	}
	return 0;
}

int sse_finish(struct sse *p, sse_cb cb, void *ctx, struct err *e)
{
	int rc;

	if (p->mode != SSE_MODE_NDJSON || !p->line.len)
		return 0;
	p->at = 0;
	rc = line(p, p->line.p, p->line.len, cb, ctx, e);
	buf_reset(&p->line);
	return rc;
}

int sse_pending(const struct sse *p)
{
	return p->line.len > 0 || p->has_data || p->ev_bytes > 0;
}

void sse_reset(struct sse *p)
{
	buf_reset(&p->line);
	buf_reset(&p->data);
	buf_reset(&p->event);
	buf_reset(&p->id);
	p->ev_bytes = 0;
	p->skip_lf = 0;
	p->has_data = 0;
	p->bom = 0;
}

void sse_free(struct sse *p)
{
	buf_free(&p->line);
	buf_free(&p->data);
	buf_free(&p->event);
	buf_free(&p->id);
}
