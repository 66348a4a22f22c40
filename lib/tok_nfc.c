#include "tok_nfc.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* A stretch being normalized: decomposed code points. */
struct seg {
	int32_t *v, *tmp;
	size_t n, cap;
};

static int unknown_to_hf(uint32_t c)
{
	size_t lo = 0, hi = tok_nfc_nunknown;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c > tok_nfc_unknown[mid].hi)
			lo = mid + 1;
		else if (c < tok_nfc_unknown[mid].lo)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

static int ccc(int32_t c)
{
	return utf8proc_get_property(c)->combining_class;
}

static int grow(struct seg *s, size_t need, struct err *e)
{
	size_t cap = s->cap ? s->cap : 64;
	int32_t *v, *t;

	if (need <= s->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	if (!(v = realloc(s->v, cap * sizeof *v)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	s->v = v;
	if (!(t = realloc(s->tmp, cap * sizeof *t)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	s->tmp = t;
	s->cap = cap;
	return 0;
}

/* Canonical order: each run of marks (class above 0) sorted by class,
 * stably. Short runs by insertion, long ones by counting, so a run of
 * any length costs linear time. */
static void order_run(int32_t *v, int32_t *tmp, size_t n)
{
	if (n < 32) {
		for (size_t i = 1; i < n; i++) {
			int32_t x = v[i];
			int k = ccc(x);
			size_t j = i;

			for (; j > 0 && ccc(v[j - 1]) > k; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	{
		size_t at[257] = {0};

		for (size_t i = 0; i < n; i++)
			at[ccc(v[i]) + 1]++;
		for (int k = 1; k < 257; k++)
			at[k] += at[k - 1];
		for (size_t i = 0; i < n; i++)
			tmp[at[ccc(v[i])]++] = v[i];
		memcpy(v, tmp, n * sizeof *v);
	}
}

/* Orders, composes and appends the stretch; empties it. */
static int flush(struct seg *s, struct buf *out, struct err *e)
{
	utf8proc_ssize_t n;
	size_t i = 0;
	int rc;

	if (!s->n)
		return 0;
	while (i < s->n) {
		size_t j = i;

		while (j < s->n && ccc(s->v[j]))
			j++;
		if (j - i > 1)
			order_run(s->v + i, s->tmp, j - i);
		i = j + 1;
	}
	n = utf8proc_normalize_utf32(s->v, (utf8proc_ssize_t)s->n, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (n < 0)
		return err_set(e, ERR_DATA, "NFC normalization failed: %s", utf8proc_errmsg(n));
	if ((rc = buf_reserve(out, (size_t)n * 4, e)))
		return rc;
	for (utf8proc_ssize_t k = 0; k < n; k++)
		out->len += (size_t)utf8proc_encode_char(s->v[k], (utf8proc_uint8_t *)out->p + out->len);
	out->p[out->len] = '\0';
	s->n = 0;
	return 0;
}

int tok_nfc(const char *text, size_t len, struct buf *out, struct err *e)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text;
	struct seg s = {0};
	size_t at = 0;
	int rc = 0;

	while (!rc && at < len) {
		int32_t c, d[32];
		utf8proc_ssize_t k = utf8proc_iterate(p + at, (utf8proc_ssize_t)(len - at), &c), m;
		int last = 0;

		if (k < 1) {
			rc = err_set(e, ERR_DATA, "invalid UTF-8 at byte offset %zu", at);
			break;
		}
		/* Nothing composes with an ASCII character before it, and no
		 * mark moves across one: the stretch ends here, and the
		 * stretches stay short in most text. */
		if (c < 0x80 || unknown_to_hf((uint32_t)c)) {
			if (!(rc = flush(&s, out, e)) && c >= 0x80)
				rc = buf_add(out, p + at, (size_t)k, e);
			if (c >= 0x80) {
				at += (size_t)k;
				continue;
			}
		}
		m = utf8proc_decompose_char(c, d, 32, UTF8PROC_DECOMPOSE, &last);
		if (m < 1 || m > 32) {
			rc = err_set(e, ERR_DATA, "NFC normalization failed at byte offset %zu", at);
			break;
		}
		if (!rc && !(rc = grow(&s, s.n + (size_t)m, e))) {
			memcpy(s.v + s.n, d, (size_t)m * sizeof *d);
			s.n += (size_t)m;
		}
		at += (size_t)k;
	}
	if (!rc)
		rc = flush(&s, out, e);
	free(s.v);
	free(s.tmp);
	return rc;
}
