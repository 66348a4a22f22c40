#include "corpus.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "num.h"
#include "slurp.h"
#include "utf8.h"

static int field_long(struct csv_reader *r, int col, const char *name,
		      long *v, struct err *e)
{
	const char *s;
	char *end;

	*v = -1;
	if (col < 0 || !*(s = csv_field(r, (size_t)col, NULL)))
		return 0;
	errno = 0;
	*v = strtol(s, &end, 10);
	if (*end || errno || *v < 0)
		return err_set(e, ERR_DATA, "%s:%ld: %s: expected a count, got '%s'",
			       csv_name(r), csv_line(r), name, s);
	return 0;
}

int corpus_load(const char *path, long shard_i, long shard_n, struct corpus *c,
		struct err *e)
{
	struct csv_reader *r;
	int cid, cg, cp, ci, co, ca, cc, ct, ck, rc;
	size_t cap = 0, i = 0;

	memset(c, 0, sizeof *c);
	if ((rc = csv_open(path, &r, e)))
		return rc;
	cid = csv_col(r, "id");
	cg = csv_col(r, "group");
	cp = csv_col(r, "prompt");
	ci = csv_col(r, "input_tokens");
	co = csv_col(r, "output_tokens");
	ca = csv_col(r, "arrival_s");
	cc = csv_col(r, "conversation_id");
	ct = csv_col(r, "turn");
	ck = csv_col(r, "think_s");
	c->has_arrival = ca >= 0;
	c->has_conv = cc >= 0;
	c->name = strdup(csv_name(r));
	if (cp < 0) {
		err_set(e, ERR_DATA, "%s:1: no 'prompt' column", csv_name(r));
		csv_close(r);
		return ERR_DATA;
	}
	while ((rc = csv_next(r, e)) == 1) {
		struct corpus_row *w;
		const char *s;
		size_t plen, bad;
		/* A conversation is kept whole: session.h shards them. Every
		 * row is checked, kept or not: a bad corpus fails in every
		 * shard, not in the one that holds the bad row. */
		int keep = cc >= 0 || (long)(i++ % (size_t)shard_n) == shard_i;

		if (c->n == cap) {
			cap = cap ? cap * 2 : 256;
			w = realloc(c->rows, cap * sizeof *w);
			if (!w) {
				rc = err_set(e, ERR_SOFTWARE, "out of memory");
				break;
			}
			c->rows = w;
		}
		w = &c->rows[c->n];
		memset(w, 0, sizeof *w);
		w->arrival_s = NAN;
		w->think_s = NAN;
		w->line = csv_line(r);
		if ((rc = field_long(r, ci, "input_tokens", &w->input_tokens, e)) ||
		    (rc = field_long(r, co, "output_tokens", &w->output_tokens, e)) ||
		    (rc = field_long(r, ct, "turn", &w->turn, e)))
			break;
		if (ck >= 0 && *(s = csv_field(r, (size_t)ck, NULL))) {
			/* At most a year, as a trace: past 9.2e9 s the due
			 * time overflowed and the turn went at once. */
			if (num_decimal(s, &w->think_s) || !(w->think_s >= 0) ||
			    !(w->think_s <= CORPUS_MAX_ARRIVAL_S)) {
				rc = err_set(e, ERR_DATA,
					     "%s:%ld: think_s: expected seconds from 0 to %d, got '%s'",
					     csv_name(r), csv_line(r), CORPUS_MAX_ARRIVAL_S, s);
				break;
			}
		}
		/* Any finite offset: --time-scale may bring a long trace
		 * within CORPUS_MAX_ARRIVAL_S, and --trace checks it then. */
		if (ca >= 0 && *(s = csv_field(r, (size_t)ca, NULL)) &&
		    (num_decimal(s, &w->arrival_s) || !(w->arrival_s >= 0))) {
			rc = err_set(e, ERR_DATA, "%s:%ld: arrival_s: expected seconds >= 0, got '%s'",
				     csv_name(r), csv_line(r), s);
			break;
		}
		s = csv_field(r, (size_t)cp, &plen);
		/* A request of nothing measures nothing a user meant (as a
		 * --prompt or a --prompt-file line of nothing); a conversation's
		 * turn is named by sessions_check. */
		if (plen == 0 && cc < 0) {
			rc = err_set(e, ERR_DATA, "%s:%ld: prompt: empty (a prompt needs text)",
				     csv_name(r), csv_line(r));
			break;
		}
		/* A request body is JSON, which holds UTF-8 only. */
		if (!utf8_valid(s, plen, &bad)) {
			rc = err_set(e, ERR_DATA, "%s:%ld: prompt: invalid UTF-8 at byte %zu",
				     csv_name(r), csv_line(r), bad + 1);
			break;
		}
		w->prompt = malloc(plen + 1);
		if (w->prompt) {
			memcpy(w->prompt, s, plen + 1);
			w->prompt_len = plen;
		}
		if (cid >= 0 && *csv_field(r, (size_t)cid, NULL))
			w->id = strdup(csv_field(r, (size_t)cid, NULL));
		else if (asprintf(&w->id, "%ld", csv_line(r)) < 0)
			w->id = NULL;
		w->group = strdup(cg >= 0 ? csv_field(r, (size_t)cg, NULL) : "");
		if (cc >= 0)
			w->conv = strdup(csv_field(r, (size_t)cc, NULL));
		if (!keep) {
			free(w->prompt);
			free(w->id);
			free(w->group);
			free(w->conv);
			continue;
		}
		c->n++;
		if (!w->prompt || !w->id || !w->group || (cc >= 0 && !w->conv)) {
			rc = err_set(e, ERR_SOFTWARE, "out of memory");
			break;
		}
	}
	if (rc == 0 && c->n == 0)
		rc = err_set(e, ERR_DATA, "%s: no rows%s", csv_name(r),
			     shard_n > 1 ? " in this shard" : "");
	else if (rc < 0)
		rc = e->code;
	csv_close(r);
	if (rc > 1) {
		corpus_free(c);
		return rc;
	}
	return 0;
}

/* Appends a row for prompt p[0..len) with id; the row has no counts. */
static int add_prompt(struct corpus *c, size_t *cap, const char *id,
		      const char *p, size_t len, struct err *e)
{
	struct corpus_row *w;

	if (c->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		if (!(w = realloc(c->rows, ncap * sizeof *w)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
		c->rows = w;
		*cap = ncap;
	}
	w = &c->rows[c->n];
	memset(w, 0, sizeof *w);
	w->input_tokens = w->output_tokens = w->turn = -1;
	w->arrival_s = w->think_s = NAN;
	w->id = strdup(id);
	w->group = strdup("");
	if ((w->prompt = malloc(len + 1))) {
		memcpy(w->prompt, p, len);
		w->prompt[len] = '\0';
		w->prompt_len = len;
	}
	c->n++;
	if (!w->id || !w->group || !w->prompt)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	return 0;
}

int corpus_from_prompts(const char *const *prompts, size_t n, struct corpus *c,
			struct err *e)
{
	size_t cap = 0, bad;
	int rc = 0;

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < n && !rc; i++) {
		char id[32];
		size_t len = strlen(prompts[i]);

		snprintf(id, sizeof id, "%zu", i + 1);
		if (!len)
			rc = err_set(e, ERR_USAGE, "--prompt %zu: empty (a prompt needs text)", i + 1);
		else if (!utf8_valid(prompts[i], len, &bad))
			rc = err_set(e, ERR_DATA, "--prompt %zu: invalid UTF-8 at byte %zu", i + 1,
				     bad + 1);
		else
			rc = add_prompt(c, &cap, id, prompts[i], len, e);
	}
	if (!rc && !c->n)
		rc = err_set(e, ERR_USAGE, "no prompt given");
	if (rc)
		corpus_free(c);
	return rc;
}

int corpus_load_lines(const char *path, long shard_i, long shard_n,
		      struct corpus *c, struct err *e)
{
	struct buf b = BUF_INIT;
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	size_t cap = 0, off = 0, bad;
	long line = 0;
	int rc;

	memset(c, 0, sizeof *c);
	b.max = CORPUS_MAX_LINES_FILE;
	if ((rc = slurp_file(path, 0, &b, e))) {
		buf_free(&b);
		return rc;
	}
	while (!rc && off < b.len) {
		const char *s = b.p + off, *nl = memchr(s, '\n', b.len - off);
		size_t len = nl ? (size_t)(nl - s) : b.len - off;
		char id[32];

		off += len + (nl != NULL);
		line++;
		if (len && s[len - 1] == '\r')
			len--;
		if (!len)
			rc = err_set(e, ERR_DATA, "%s:%ld: empty line (one prompt per line, none "
				     "empty)", name, line);
		else if (memchr(s, '\0', len))
			rc = err_set(e, ERR_DATA, "%s:%ld: a NUL byte in the prompt", name, line);
		else if (!utf8_valid(s, len, &bad))
			rc = err_set(e, ERR_DATA, "%s:%ld: invalid UTF-8 at byte %zu", name, line,
				     bad + 1);
		else if ((line - 1) % shard_n != shard_i)
			continue;
		if (!rc) {
			snprintf(id, sizeof id, "%ld", line);
			rc = add_prompt(c, &cap, id, s, len, e);
		}
	}
	buf_free(&b);
	if (!rc && !c->n)
		rc = err_set(e, ERR_DATA, "%s: no prompts%s", name,
			     line && shard_n > 1 ? " in this shard" : "");
	if (rc)
		corpus_free(c);
	return rc;
}

void corpus_free(struct corpus *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->rows[i].id);
		free(c->rows[i].group);
		free(c->rows[i].prompt);
		free(c->rows[i].conv);
	}
	free(c->rows);
	free(c->name);
	memset(c, 0, sizeof *c);
}
