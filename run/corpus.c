#include "corpus.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
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
	int cid, cg, cp, ci, co, ca, rc;
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
	c->has_arrival = ca >= 0;
	if (cp < 0) {
		err_set(e, ERR_DATA, "%s:1: no 'prompt' column", csv_name(r));
		csv_close(r);
		return ERR_DATA;
	}
	while ((rc = csv_next(r, e)) == 1) {
		struct corpus_row *w;
		const char *s;
		size_t plen, bad;

		if ((long)(i++ % (size_t)shard_n) != shard_i)
			continue;
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
		if ((rc = field_long(r, ci, "input_tokens", &w->input_tokens, e)) ||
		    (rc = field_long(r, co, "output_tokens", &w->output_tokens, e)))
			break;
		if (ca >= 0 && *(s = csv_field(r, (size_t)ca, NULL))) {
			char *end;

			w->arrival_s = strtod(s, &end);
			if (*end || !(w->arrival_s >= 0)) {
				rc = err_set(e, ERR_DATA,
					     "%s:%ld: arrival_s: expected seconds >= 0, got '%s'",
					     csv_name(r), csv_line(r), s);
				break;
			}
		}
		s = csv_field(r, (size_t)cp, &plen);
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
		c->n++;
		if (!w->prompt || !w->id || !w->group) {
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

void corpus_free(struct corpus *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->rows[i].id);
		free(c->rows[i].group);
		free(c->rows[i].prompt);
	}
	free(c->rows);
	memset(c, 0, sizeof *c);
}
