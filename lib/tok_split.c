#include "tok_split.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "tok_unidata.h"

struct tok_split {
	pcre2_code *re;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *stack;
};

/* The White_Space property (unchanged from Unicode 14 to 16). */
#define WS_BODY "\\x{9}-\\x{D}\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}" \
		"\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"

struct out {
	char *p;
	size_t n, cap;
	int full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->n + n >= o->cap) {
		o->full = 1;
		return;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
	o->p[o->n] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static const char *additions(const char *name, size_t n)
{
	for (const struct tok_uni_add *a = tok_uni_adds; a->cls; a++)
		if (strlen(a->cls) == n && !memcmp(a->cls, name, n))
			return a->ranges;
	return "";
}

int tok_split_rewrite(const char *pat, char *buf, size_t cap, struct err *e)
{
	struct out o = {buf, 0, cap, 0};
	int in_class = 0;
	size_t i = 0;

	if (cap)
		buf[0] = '\0';
	while (pat[i]) {
		char c = pat[i];

		if (c == '\\' && pat[i + 1]) {
			char d = pat[i + 1];

			if ((d == 'p' || d == 'P') && pat[i + 2] == '{') {
				const char *close = strchr(pat + i + 3, '}');
				const char *name = pat + i + 3, *add;

				if (!close)
					return err_set(e, ERR_DATA, "regex: unterminated \\%c{ at offset %zu", d, i);
				add = additions(name, (size_t)(close - name));
				if (!*add) {
					put(&o, pat + i, (size_t)(close - pat) + 1 - i);
				} else if (d == 'P' && in_class) {
					return err_set(e, ERR_DATA, "regex: \\P{...} inside a character class is not supported (offset %zu)", i);
				} else {
					if (!in_class)
						puts_(&o, d == 'P' ? "[^" : "[");
					put(&o, "\\p{", 3);
					put(&o, name, (size_t)(close - name) + 1);
					puts_(&o, add);
					if (!in_class)
						puts_(&o, "]");
				}
				i = (size_t)(close - pat) + 1;
				continue;
			}
			if (d == 's') {
				puts_(&o, in_class ? WS_BODY : "[" WS_BODY "]");
				i += 2;
				continue;
			}
			if (d == 'S') {
				if (in_class)
					return err_set(e, ERR_DATA, "regex: \\S inside a character class is not supported (offset %zu)", i);
				puts_(&o, "[^" WS_BODY "]");
				i += 2;
				continue;
			}
			put(&o, pat + i, 2);
			i += 2;
			continue;
		}
		if (!in_class && c == '[') {
			/* A ']' right after '[' or '[^' is a literal, not the end. */
			size_t k = i + 1;

			if (pat[k] == '^')
				k++;
			if (pat[k] == ']')
				k++;
			put(&o, pat + i, k - i);
			i = k;
			in_class = 1;
			continue;
		}
		if (in_class && c == ']')
			in_class = 0;
		put(&o, pat + i, 1);
		i++;
	}
	if (o.full)
		return err_set(e, ERR_DATA, "regex: too long after rewriting");
	return 0;
}

int tok_split_new(const char *pattern, struct tok_split **out, struct err *e)
{
	size_t cap = strlen(pattern) * 4 + 16384;
	char *pat = malloc(cap);
	struct tok_split *s;
	int rc, code;
	PCRE2_SIZE off;

	*out = NULL;
	if (!pat)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	rc = tok_split_rewrite(pattern, pat, cap, e);
	if (rc) {
		free(pat);
		return rc;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		free(pat);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	s->re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
			      PCRE2_UTF | PCRE2_UCP, &code, &off, NULL);
	free(pat);
	if (!s->re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof msg);
		tok_split_free(s);
		return err_set(e, ERR_DATA, "regex does not compile: %s", (char *)msg);
	}
	/* Without JIT the interpreter still works, only slower. */
	if (pcre2_jit_compile(s->re, PCRE2_JIT_COMPLETE) == 0) {
		s->mc = pcre2_match_context_create(NULL);
		s->stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
		if (!s->mc || !s->stack) {
			tok_split_free(s);
			return err_set(e, ERR_SOFTWARE, "out of memory");
		}
		pcre2_jit_stack_assign(s->mc, NULL, s->stack);
	}
	s->md = pcre2_match_data_create_from_pattern(s->re, NULL);
	if (!s->md) {
		tok_split_free(s);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	*out = s;
	return 0;
}

void tok_split_free(struct tok_split *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mc);
	pcre2_jit_stack_free(s->stack);
	pcre2_code_free(s->re);
	free(s);
}

int tok_split_next(struct tok_split *s, const char *text, size_t len,
		   size_t from, size_t *start, size_t *end, struct err *e)
{
	int rc;
	PCRE2_SIZE *ov;

	if (from > len)
		return 0;
	rc = pcre2_match(s->re, (PCRE2_SPTR)text, len, from, PCRE2_NO_UTF_CHECK,
			 s->md, s->mc);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(rc, msg, sizeof msg);
		return err_set(e, ERR_SOFTWARE, "regex match failed at byte %zu: %s", from, (char *)msg);
	}
	ov = pcre2_get_ovector_pointer(s->md);
	*start = ov[0];
	*end = ov[1];
	return 1;
}
