#include <stdlib.h>
#include <string.h>

#include "slurp.h"
#include "tok_impl.h"

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes standard base64 with '=' padding; returns the length or -1. */
static long b64decode(const char *s, size_t n, uint8_t *out)
{
	uint32_t acc = 0;
	int bits = 0;
	long o = 0;
	size_t pad = 0;

	if (n == 0 || n % 4)
		return -1;
	while (pad < 2 && s[n - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < n - pad; i++) {
		int v = b64val((unsigned char)s[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return o;
}

int tok_tiktoken_load(struct tok *t, const char *path,
		      const struct tok_builtin *b, struct err *e)
{
	struct buf f = BUF_INIT;
	uint8_t *tokbuf = NULL;
	uint32_t lines = 0, maxrank = 0;
	size_t line = 0;
	char *p, *end;
	int rc;

	t->kind = "tiktoken";
	t->whole_first = 1;
	if ((rc = slurp_file(path, 0, &f, e)))
		return rc;
	end = f.p + f.len;
	for (p = f.p; p < end; p++)
		lines += *p == '\n';
	lines += f.len && end[-1] != '\n';
	if (!lines) {
		rc = err_set(e, ERR_DATA, "%s: empty rank file", path);
		goto out;
	}
	/* Ranks may leave gaps (p50k_base skips 50256), so size by the most
	 * ranks the file could name, checked below. */
	if ((rc = bpe_vocab_init(&t->voc, lines + 1024, e)))
		goto out;
	tokbuf = malloc(f.len + 4);
	if (!tokbuf) {
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	for (p = f.p; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *sp, *q;
		unsigned long rank;
		long n;

		line++;
		if (!nl)
			nl = end;
		sp = memchr(p, ' ', (size_t)(nl - p));
		if (!sp) {
			rc = err_set(e, ERR_DATA, "%s:%zu: expected 'BASE64 RANK'", path, line);
			goto out;
		}
		n = b64decode(p, (size_t)(sp - p), tokbuf);
		if (n <= 0) {
			rc = err_set(e, ERR_DATA, "%s:%zu: bad base64 token", path, line);
			goto out;
		}
		q = sp + 1;
		rank = 0;
		if (q == nl) {
			rc = err_set(e, ERR_DATA, "%s:%zu: bad rank: missing", path, line);
			goto out;
		}
		for (; q < nl; q++) {
			if (*q < '0' || *q > '9' || rank > UINT32_MAX / 10) {
				rc = err_set(e, ERR_DATA, "%s:%zu: bad rank '%.*s'", path, line,
					     (int)(nl - sp - 1 > 32 ? 32 : nl - sp - 1), sp + 1);
				goto out;
			}
			rank = rank * 10 + (unsigned long)(*q - '0');
		}
		if (rank >= lines + 1024) {
			rc = err_set(e, ERR_DATA, "%s:%zu: rank %lu is out of range for a file of %u lines",
				     path, line, rank, lines);
			goto out;
		}
		rc = bpe_vocab_add(&t->voc, tokbuf, (size_t)n, (uint32_t)rank, e);
		if (rc == 1) {
			rc = err_set(e, ERR_DATA, "%s:%zu: duplicate token or rank %lu", path, line, rank);
			goto out;
		}
		if (rc)
			goto out;
		if (rank > maxrank)
			maxrank = (uint32_t)rank;
		p = nl + 1;
	}
	/* A rank file does not say its encoding, and its name picks the
	 * regex: another encoding's official file under this name would
	 * count every text with the wrong split, silently. Files of other
	 * sizes (a test's byte-only ranks) are taken as named. */
	{
		const struct tok_builtin *other = tok_builtin_by_ranks(lines);

		if (other && lines != b->nranks) {
			rc = err_set(e, ERR_DATA, "%s: %u ranks, as many as %s's rank file, but "
				     "the name says %s (%u): name the file after its encoding",
				     path, lines, other->name, b->name, b->nranks);
			goto out;
		}
	}
	if ((rc = tok_byte_ids(t, path, e)))
		goto out;
	t->vocab_size = maxrank + 1;
	t->special = b->special;
	for (const struct tok_special *s = b->special; s->text; s++)
		t->nspecial++;
	rc = tok_split_new(b->regex, &t->split, e);
out:
	free(tokbuf);
	buf_free(&f);
	return rc;
}
