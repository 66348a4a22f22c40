#include "tok_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datadir.h"
#include "tok_nfc.h"
#include "utf8.h"

#ifndef LLMBENCH_DATADIR
#define LLMBENCH_DATADIR "/usr/local/share/llmbench"
#endif

#define R50K_REGEX "'(?:[sdmt]|ll|ve|re)| ?\\p{L}++| ?\\p{N}++| ?[^\\s\\p{L}\\p{N}]++|\\s++$|\\s+(?!\\S)|\\s"

static const struct tok_special r50k_special[] = {{"<|endoftext|>", 50256}, {0, 0}};
static const struct tok_special cl100k_special[] = {
	{"<|endoftext|>", 100257}, {"<|fim_prefix|>", 100258},
	{"<|fim_middle|>", 100259}, {"<|fim_suffix|>", 100260},
	{"<|endofprompt|>", 100276}, {0, 0}};
static const struct tok_special o200k_special[] = {
	{"<|endoftext|>", 199999}, {"<|endofprompt|>", 200018}, {0, 0}};

/* Regexes and special tokens of openai/tiktoken 0.14.0
 * (tiktoken_ext/openai_public.py); a rank file does not carry them. */
static const struct tok_builtin builtins[] = {
	{"r50k_base", R50K_REGEX, r50k_special, 50256},
	{"p50k_base", R50K_REGEX, r50k_special, 50280},
	{"cl100k_base",
	 "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++|\\p{N}{1,3}+| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+|\\s++$|\\s*[\\r\\n]|\\s+(?!\\S)|\\s",
	 cl100k_special, 100256},
	{"o200k_base",
	 "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
	 "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
	 "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
	 o200k_special, 199998},
	{0, 0, 0, 0},
};

const struct tok_builtin *tok_builtin_find(const char *name)
{
	for (const struct tok_builtin *b = builtins; b->name; b++)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

const struct tok_builtin *tok_builtin_by_ranks(unsigned n)
{
	for (const struct tok_builtin *b = builtins; b->name; b++)
		if (b->nranks == n)
			return b;
	return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static int is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where a name's files may be, in the order they are tried. */
static const char *const name_forms[] = {
	"%s/%s.tiktoken", "%s/%s-tokenizer.json", "%s/%s-tokenizer.json.gz",
	"%s/%s/tokenizer.json", "%s/%s.json", "%s/%s.json.gz", NULL,
};

static int find_in(const char *dir, const char *name, char *out, size_t cap)
{
	for (const char *const *f = name_forms; *f; f++) {
		if ((size_t)snprintf(out, cap, *f, dir, name) >= cap)
			continue;
		if (is_file(out))
			return 1;
	}
	return 0;
}

static int find_name(const char *name, char *out, size_t cap, struct err *e)
{
	const char *env = getenv("LLMBENCH_TOKENIZERS");
	char dir[4096];

	if (env) {
		const char *p = env;

		while (*p) {
			size_t n = strcspn(p, ":");

			if (n && n < sizeof dir) {
				memcpy(dir, p, n);
				dir[n] = '\0';
				if (find_in(dir, name, out, cap))
					return 0;
			}
			p += n;
			if (*p == ':')
				p++;
		}
	}
	/* Beside the executable, then the compiled-in data folder. */
	datadir_find("tokenizers", dir, sizeof dir);
	if (find_in(dir, name, out, cap))
		return 0;
	if (strcmp(dir, LLMBENCH_DATADIR "/tokenizers") &&
	    find_in(LLMBENCH_DATADIR "/tokenizers", name, out, cap))
		return 0;
	return err_set(e, ERR_NOINPUT,
		       "tokenizer '%s' not found (looked for %s.tiktoken, %s-tokenizer.json[.gz], "
		       "%s/tokenizer.json, %s.json[.gz] in $LLMBENCH_TOKENIZERS=%s and %s%s%s); "
		       "run 'make tokenizers', or set LLMBENCH_TOKENIZERS to the folder holding it, "
		       "or give a path",
		       name, name, name, name, name, env ? env : "", dir,
		       strcmp(dir, LLMBENCH_DATADIR "/tokenizers") ? ", " : "",
		       strcmp(dir, LLMBENCH_DATADIR "/tokenizers") ? LLMBENCH_DATADIR "/tokenizers" : "");
}

/* The encoding a rank file belongs to, from its base name. */
static const struct tok_builtin *builtin_for_path(const char *path)
{
	const char *base = strrchr(path, '/');
	char name[128];
	size_t n;

	base = base ? base + 1 : path;
	n = strcspn(base, ".");
	if (n >= sizeof name)
		return NULL;
	memcpy(name, base, n);
	name[n] = '\0';
	return tok_builtin_find(name);
}

/* The folder a Hugging Face tokenizer.json at path is in, into dir (of
 * size bytes): its name, or for "./tokenizer.json" (base at path + k) the
 * real folder's. Its length, 0 when none. */
static size_t hf_folder(const char *path, const char *base, char *dir, size_t size)
{
	const char *end = base, *d;
	char *real;
	size_t n;

	while (end > path && end[-1] == '/')
		end--;
	for (d = end; d > path && d[-1] != '/'; d--)
		;
	n = (size_t)(end - d);
	if (n && n < size && strncmp(d, ".", n) && strncmp(d, "..", n)) {
		memcpy(dir, d, n);
		dir[n] = '\0';
		return n;
	}
	snprintf(dir, size, "%.*s", (int)(base - path), path);
	real = realpath(*dir ? dir : ".", NULL);
	d = real ? strrchr(real, '/') : NULL;
	n = d && d[1] && strlen(d + 1) < size ? strlen(d + 1) : 0;
	memmove(dir, n ? d + 1 : "", n + 1);
	free(real);
	return n;
}

/* The label of a tokenizer's rows (tok_name) into out: name, or for a
 * path its base name, and for Hugging Face's generic file name, which
 * every model's file has, the folder too ("MODEL/tokenizer.json"). Valid
 * UTF-8 (a name's bytes may be any, and the label goes into JSON), cut at
 * a character's start; the folder is left out before the name is cut. */
static void tok_label(const char *spec, int is_path, char *out, size_t size)
{
	const char *base = is_path ? strrchr(spec, '/') : NULL;
	char dir[4096], *lossy;
	size_t dlen = 0, n;

	base = base ? base + 1 : spec;
	if (is_path && (!strcmp(base, "tokenizer.json") || !strcmp(base, "tokenizer.json.gz")))
		dlen = hf_folder(spec, base, dir, sizeof dir);
	n = strlen(base);
	if (dlen && dlen + 1 + n < size) {
		memcpy(out, dir, dlen); /* fits: checked above */
		out[dlen] = '/';
		memcpy(out + dlen + 1, base, n + 1);
	} else {
		snprintf(out, size, "%.*s", (int)utf8_cut(base, n, size - 1), base);
	}
	lossy = utf8_lossy(out);
	if (lossy) {
		snprintf(out, size, "%.*s", (int)utf8_cut(lossy, strlen(lossy), size - 1), lossy);
		free(lossy);
	}
}

int tok_open(const char *spec, struct tok **out, struct err *e)
{
	char path[4096];
	struct tok *t;
	int rc, is_path;

	*out = NULL;
	is_path = strchr(spec, '/') || ends_with(spec, ".tiktoken") ||
		  ends_with(spec, ".json") || ends_with(spec, ".gz");
	if (is_path) {
		if (snprintf(path, sizeof path, "%s", spec) >= (int)sizeof path)
			return err_set(e, ERR_USAGE, "tokenizer path too long");
		if (!is_file(path))
			return err_set(e, ERR_NOINPUT, "%s: no such tokenizer file", spec);
	} else if ((rc = find_name(spec, path, sizeof path, e))) {
		return rc;
	}
	t = calloc(1, sizeof *t);
	if (!t)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	tok_label(is_path ? path : spec, is_path, t->name, sizeof t->name);
	if (ends_with(path, ".tiktoken")) {
		const struct tok_builtin *b = is_path ? builtin_for_path(path) : tok_builtin_find(spec);

		if (!b) {
			tok_free(t);
			return err_set(e, ERR_DATA,
				       "%s: unknown tiktoken encoding: a rank file does not carry its regex; "
				       "name it after a built-in encoding (r50k_base, p50k_base, cl100k_base, o200k_base)",
				       path);
		}
		if (is_path)
			snprintf(t->name, sizeof t->name, "%s", b->name);
		rc = tok_tiktoken_load(t, path, b, e);
	} else {
		rc = tok_hf_load(t, path, e);
	}
	if (rc) {
		tok_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void tok_free(struct tok *t)
{
	if (!t)
		return;
	tok_split_free(t->split);
	bpe_vocab_free(&t->voc);
	bpe_pairs_free(&t->pairs);
	bpe_work_free(&t->work);
	if (t->owned) {
		for (size_t i = 0; i < t->nspecial; i++)
			free(t->owned[i]);
		free(t->owned);
		free((void *)t->special);
	}
	free(t);
}

const char *tok_name(const struct tok *t)
{
	return t->name;
}

const char *tok_kind(const struct tok *t)
{
	return t->kind;
}

size_t tok_vocab_size(const struct tok *t)
{
	return t->vocab_size;
}

void tok_ids_free(struct tok_ids *ids)
{
	free(ids->v);
	memset(ids, 0, sizeof *ids);
}

/* tiktoken: a merge's rank is the rank of the merged bytes. */
static uint32_t rank_bytes(const void *ctx, const uint8_t *piece, size_t a,
			   size_t b, size_t c, uint32_t left, uint32_t right,
			   uint32_t *merged)
{
	uint32_t r = bpe_vocab_find(ctx, piece + a, c - a);

	(void)b;
	(void)left;
	(void)right;
	*merged = r;
	return r;
}

/* Hugging Face: a merge's rank is the position of the pair in merges. */
static uint32_t rank_pair(const void *ctx, const uint8_t *piece, size_t a,
			  size_t b, size_t c, uint32_t left, uint32_t right,
			  uint32_t *merged)
{
	(void)piece;
	(void)a;
	(void)b;
	(void)c;
	return bpe_pairs_find(ctx, left, right, merged);
}

static int encode_piece(struct tok *t, const uint8_t *p, size_t n,
			struct tok_ids *out, struct err *e)
{
	if (t->whole_first) {
		uint32_t id = bpe_vocab_find(&t->voc, p, n);

		if (id != BPE_NONE)
			return bpe_push(&out->v, &out->n, &out->cap, id, e);
	}
	if (t->use_pairs)
		return bpe_merge(&t->work, p, n, t->byte_id, rank_pair, &t->pairs,
				 &out->v, &out->n, &out->cap, e);
	return bpe_merge(&t->work, p, n, t->byte_id, rank_bytes, &t->voc,
			 &out->v, &out->n, &out->cap, e);
}

static int encode_valid(struct tok *t, const char *text, size_t len,
			struct tok_ids *out, struct err *e)
{
	const uint8_t *u = (const uint8_t *)text;
	size_t pos = 0, s, end;
	int rc;

	while (pos < len) {
		rc = tok_split_next(t->split, text, len, pos, &s, &end, e);
		if (rc < 0 || rc > 1)
			return rc;
		if (rc == 0)
			s = end = len;
		if (s > pos && t->split_gaps && (rc = encode_piece(t, u + pos, s - pos, out, e)))
			return rc;
		if (end == s) {
			/* An empty match: step over one character. */
			if (s >= len)
				break;
			end = s + (size_t)utf8_seqlen(u[s]);
			if (t->split_gaps && (rc = encode_piece(t, u + s, end - s, out, e)))
				return rc;
			pos = end;
			continue;
		}
		if ((rc = encode_piece(t, u + s, end - s, out, e)))
			return rc;
		pos = end;
	}
	return 0;
}

int tok_encode(struct tok *t, const char *text, size_t len,
	       struct tok_ids *out, struct err *e)
{
	size_t bad;
	int rc;

	if (len >= UINT32_MAX)
		return err_set(e, ERR_DATA, "text of %zu bytes is too long (4 GiB at most)", len);
	if (!utf8_valid(text, len, &bad))
		return err_set(e, ERR_DATA, "invalid UTF-8 at byte offset %zu", bad);
	if (t->nfc && len) {
		struct buf norm = BUF_INIT;

		if (!(rc = tok_nfc(text, len, &norm, e)))
			rc = encode_valid(t, norm.p ? norm.p : "", norm.len, out, e);
		buf_free(&norm);
		return rc;
	}
	return encode_valid(t, text, len, out, e);
}

int tok_count(struct tok *t, const char *text, size_t len, size_t *count,
	      struct err *e)
{
	struct tok_ids ids = {0};
	int rc = tok_encode(t, text, len, &ids, e);

	*count = ids.n;
	tok_ids_free(&ids);
	return rc;
}

int tok_decode(const struct tok *t, const uint32_t *ids, size_t n,
	       struct buf *out, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const uint8_t *p = bpe_vocab_bytes(&t->voc, ids[i], &len);
		int rc;

		if (!p) {
			size_t k;

			for (k = 0; k < t->nspecial && t->special[k].id != ids[i]; k++)
				;
			if (k == t->nspecial)
				return err_set(e, ERR_DATA, "token id %u is not in %s", ids[i], t->name);
			rc = buf_adds(out, t->special[k].text, e);
		} else {
			rc = buf_add(out, p, len, e);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int tok_byte_ids(struct tok *t, const char *path, struct err *e)
{
	for (int c = 0; c < 256; c++) {
		uint8_t byte = (uint8_t)c;

		t->byte_id[c] = bpe_vocab_find(&t->voc, &byte, 1);
		if (t->byte_id[c] == BPE_NONE)
			return err_set(e, ERR_DATA, "%s: byte 0x%02x is not a token of its own (not a byte-level BPE)", path, c);
	}
	return 0;
}
