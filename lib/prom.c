#include "prom.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const type_names[] = {
	"untyped", "counter", "gauge", "histogram", "summary",
};

const char *prom_type_name(enum prom_type t)
{
	return (unsigned)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "?";
}

/* The family TYPE lines named: a name, its type, and whether a sample of
 * it was seen (a TYPE after that is an error, as in Prometheus). */
struct fam {
	char *name;
	enum prom_type type;
	int sampled;
};

struct parser {
	char *p, *end;    /* the rest of the current line */
	long line;
	struct fam *fam;
	size_t nfam, capfam;
	struct err *e;
};

static int is_name0(int c, int colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static int is_name(int c, int colon)
{
	return is_name0(c, colon) || (c >= '0' && c <= '9');
}

static int bad(struct parser *ps, const char *what)
{
	return err_set(ps->e, ERR_DATA, "line %ld: %s", ps->line, what);
}

static void blanks(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

/* A name at p (colon: a metric name, which may hold ':'); p moves past
 * it. Returns its start, or NULL when none starts at p. */
static char *name(struct parser *ps, int colon)
{
	char *s = ps->p;

	if (ps->p >= ps->end || !is_name0((unsigned char)*ps->p, colon))
		return NULL;
	while (ps->p < ps->end && is_name((unsigned char)*ps->p, colon))
		ps->p++;
	return s;
}

static struct fam *fam_find(struct parser *ps, const char *n, size_t len)
{
	for (size_t i = 0; i < ps->nfam; i++)
		if (strlen(ps->fam[i].name) == len && !memcmp(ps->fam[i].name, n, len))
			return &ps->fam[i];
	return NULL;
}

/* The family a sample belongs to: its own name's TYPE, else the name
 * without a histogram's or summary's suffix when that family has one. */
static struct fam *fam_of(struct parser *ps, const char *n)
{
	static const char *const sfx[] = { "_bucket", "_count", "_sum" };
	size_t len = strlen(n);
	struct fam *f = fam_find(ps, n, len);

	if (f)
		return f;
	for (size_t i = 0; i < 3; i++) {
		size_t sl = strlen(sfx[i]);

		if (len > sl && !strcmp(n + len - sl, sfx[i]) &&
		    (f = fam_find(ps, n, len - sl)) &&
		    (f->type == PROM_HISTOGRAM || (f->type == PROM_SUMMARY && i > 0)))
			return f;
	}
	return NULL;
}

static int comment(struct parser *ps)
{
	char *kw, *n, *t;
	size_t nl;
	struct fam *f;
	int ty;

	ps->p++; /* '#' */
	blanks(ps);
	kw = ps->p;
	while (ps->p < ps->end && *ps->p != ' ' && *ps->p != '\t')
		ps->p++;
	if (!((ps->p - kw == 4 && !memcmp(kw, "HELP", 4)) ||
	      (ps->p - kw == 4 && !memcmp(kw, "TYPE", 4))))
		return 0; /* a plain comment */
	blanks(ps);
	if (!(n = name(ps, 1)))
		return bad(ps, kw[0] == 'H' ? "# HELP: expected a metric name" :
			   "# TYPE: expected a metric name");
	nl = (size_t)(ps->p - n);
	if (ps->p < ps->end && *ps->p != ' ' && *ps->p != '\t')
		return bad(ps, "bad character in a metric name");
	if (kw[0] == 'H')
		return 0; /* the docstring may hold anything */
	blanks(ps);
	t = ps->p;
	while (ps->p < ps->end && *ps->p != ' ' && *ps->p != '\t')
		ps->p++;
	for (ty = 0; ty < 5; ty++)
		if ((size_t)(ps->p - t) == strlen(type_names[ty]) &&
		    !memcmp(t, type_names[ty], strlen(type_names[ty])))
			break;
	blanks(ps);
	if (ty == 5 || ps->p != ps->end)
		return bad(ps, "# TYPE: expected counter, gauge, histogram, summary or untyped");
	if ((f = fam_find(ps, n, nl)))
		return bad(ps, f->sampled ? "# TYPE after samples of its metric" :
			   "a second # TYPE for one metric");
	if (ps->nfam == ps->capfam) {
		size_t cap = ps->capfam ? 2 * ps->capfam : 32;
		struct fam *nf = realloc(ps->fam, cap * sizeof *nf);

		if (!nf)
			return err_set(ps->e, ERR_SOFTWARE, "out of memory");
		ps->fam = nf;
		ps->capfam = cap;
	}
	f = &ps->fam[ps->nfam];
	if (!(f->name = strndup(n, nl)))
		return err_set(ps->e, ERR_SOFTWARE, "out of memory");
	f->type = (enum prom_type)ty;
	f->sampled = 0;
	ps->nfam++;
	return 0;
}

/* A label value after its opening quote, unescaped in place; p ends after
 * the closing quote. */
static char *label_value(struct parser *ps)
{
	char *s = ps->p, *w = ps->p;

	while (ps->p < ps->end && *ps->p != '"') {
		if (*ps->p == '\\') {
			if (++ps->p >= ps->end)
				break;
			switch (*ps->p) {
			case '\\': *w++ = '\\'; break;
			case '"': *w++ = '"'; break;
			case 'n': *w++ = '\n'; break;
			default: bad(ps, "bad escape in a label value (\\\\, \\\" or \\n)"); return NULL;
			}
			ps->p++;
		} else {
			*w++ = *ps->p++;
		}
	}
	if (ps->p >= ps->end) {
		bad(ps, "unterminated label value");
		return NULL;
	}
	ps->p++; /* the closing quote, now free for the NUL */
	*w = 0;
	return s;
}

static int labels(struct parser *ps, struct prom_sample *s)
{
	ps->p++; /* '{' */
	for (;;) {
		char *n, *ne, *v;

		blanks(ps);
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			return 0;
		}
		if (!(n = name(ps, 0)))
			return bad(ps, "expected a label name or '}'");
		ne = ps->p;
		if (ps->p < ps->end && *ps->p != '=' && *ps->p != ' ' && *ps->p != '\t')
			return bad(ps, "bad character in a label name");
		blanks(ps);
		if (ps->p >= ps->end || *ps->p != '=')
			return bad(ps, "expected '=' after a label name");
		ps->p++;
		*ne = 0; /* a blank or the '=', both consumed */
		blanks(ps);
		if (ps->p >= ps->end || *ps->p != '"')
			return bad(ps, "expected '\"' to open a label value");
		ps->p++;
		if (!(v = label_value(ps)))
			return ps->e->code;
		for (size_t i = 0; i < s->nlabels; i++)
			if (!strcmp(s->labels[i].name, n))
				return bad(ps, "a label given twice");
		if (s->nlabels == PROM_MAX_LABELS)
			return bad(ps, "too many labels");
		s->labels[s->nlabels].name = n;
		s->labels[s->nlabels].value = v;
		s->nlabels++;
		blanks(ps);
		if (ps->p < ps->end && *ps->p == ',')
			ps->p++;
		else if (ps->p >= ps->end || *ps->p != '}')
			return bad(ps, "expected ',' or '}' after a label");
	}
}

/* A token up to the next blank or the line's end, NUL-terminated in a
 * copy (the line's bytes stay as they are). */
static int token(struct parser *ps, char *out, size_t cap)
{
	char *s = ps->p;

	while (ps->p < ps->end && *ps->p != ' ' && *ps->p != '\t')
		ps->p++;
	if (ps->p == s || (size_t)(ps->p - s) >= cap)
		return -1;
	memcpy(out, s, (size_t)(ps->p - s));
	out[ps->p - s] = 0;
	return 0;
}

/* Go's ParseFloat, which Prometheus uses: decimal or hex floats, and
 * Inf/Infinity/NaN in any case with an optional sign. */
static int to_float(const char *t, double *v)
{
	const char *u = t + (*t == '+' || *t == '-');
	char *end;

	if (!strcasecmp(u, "inf") || !strcasecmp(u, "infinity")) {
		*v = *t == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	if (!strcasecmp(u, "nan")) {
		*v = NAN;
		return 0;
	}
	if (!*u || !(isdigit((unsigned char)*u) || *u == '.'))
		return -1; /* strtod's "nan(...)", "infin" and spaces are not Go's */
	errno = 0;
	*v = strtod(t, &end);
	return *end || (errno == ERANGE && fabs(*v) > 1) ? -1 : 0;
}

static const char *label(const struct prom_sample *s, const char *n)
{
	for (size_t i = 0; i < s->nlabels; i++)
		if (!strcmp(s->labels[i].name, n))
			return s->labels[i].value;
	return NULL;
}

static int sample(struct parser *ps, struct prom_sample *s, prom_cb cb, void *user)
{
	char *n = name(ps, 1), tok[64];
	char *after;
	struct fam *f;

	if (!n)
		return bad(ps, "expected a metric name, '#' or a blank line");
	after = ps->p;
	s->nlabels = 0;
	s->has_ts = 0;
	s->line = ps->line;
	blanks(ps);
	if (ps->p < ps->end && *ps->p == '{') {
		if (labels(ps, s))
			return ps->e->code;
	} else if (ps->p == after && ps->p < ps->end) {
		return bad(ps, "bad character in a metric name");
	}
	if (after == ps->end)
		return bad(ps, "expected a value after the metric name");
	*after = 0; /* after the name: a blank or '{', both consumed */
	blanks(ps);
	if (token(ps, tok, sizeof tok) || to_float(tok, &s->value))
		return bad(ps, "expected a value (a float, NaN, +Inf or -Inf)");
	blanks(ps);
	if (ps->p < ps->end) {
		char *end;

		if (token(ps, tok, sizeof tok))
			return bad(ps, "bad timestamp");
		errno = 0;
		s->ts_ms = strtoll(tok, &end, 10);
		if (*end || errno)
			return bad(ps, "expected a timestamp in integer milliseconds");
		s->has_ts = 1;
		blanks(ps);
		if (ps->p < ps->end)
			return bad(ps, "unexpected text after the timestamp");
	}
	s->name = n;
	f = fam_of(ps, n);
	s->type = f ? f->type : PROM_UNTYPED;
	if (f)
		f->sampled = 1;
	if (f && f->type == PROM_HISTOGRAM && strlen(n) > 7 &&
	    !strcmp(n + strlen(n) - 7, "_bucket") && !label(s, "le"))
		return bad(ps, "a histogram bucket without 'le'");
	if (f && f->type == PROM_SUMMARY && !strcmp(f->name, n) && !label(s, "quantile"))
		return bad(ps, "a summary sample without 'quantile'");
	return cb(user, s, ps->e);
}

int prom_parse(char *text, size_t len, prom_cb cb, void *user, struct err *e)
{
	struct parser ps = { .e = e };
	struct prom_sample *s = malloc(sizeof *s);
	char *p = text, *end = text + len;
	int rc = 0;

	if (!s)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (memchr(text, 0, len))
		rc = err_set(e, ERR_DATA, "a NUL byte in the text");
	while (!rc && p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		ps.line++;
		ps.p = p;
		ps.end = nl ? nl : end;
		/* CRLF: the format ends lines with LF alone, as Prometheus reads
		 * it; said as such, not as whatever the CR spoils first. */
		if (ps.end > p && ps.end[-1] == '\r') {
			rc = err_set(e, ERR_DATA, "line %ld: a CR before the line end (the text "
				     "format ends lines with LF alone)", ps.line);
			break;
		}
		blanks(&ps);
		if (ps.p == ps.end)
			;
		else if (*ps.p == '#')
			rc = comment(&ps);
		else
			rc = sample(&ps, s, cb, user);
		p = nl ? nl + 1 : end;
	}
	for (size_t i = 0; i < ps.nfam; i++)
		free(ps.fam[i].name);
	free(ps.fam);
	free(s);
	return rc;
}

long prom_labels_str(const struct prom_sample *s, char *out, size_t cap)
{
	size_t n = 0;

#define PUT(c) do { if (n + 1 >= cap) return -1; out[n++] = (c); } while (0)
	if (!cap)
		return -1;
	for (size_t i = 0; i < s->nlabels; i++) {
		const char *q;

		if (i)
			PUT(',');
		for (q = s->labels[i].name; *q; q++)
			PUT(*q);
		PUT('=');
		PUT('"');
		for (q = s->labels[i].value; *q; q++) {
			if (*q == '\\' || *q == '"' || *q == '\n')
				PUT('\\');
			PUT(*q == '\n' ? 'n' : *q);
		}
		PUT('"');
	}
#undef PUT
	out[n] = 0;
	return (long)n;
}
