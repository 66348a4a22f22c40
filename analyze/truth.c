#include "truth.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clk.h"
#include "json.h"

#define NO_NS INT64_MIN

struct entry {
	char *id;
	int64_t arrived;    /* NO_NS when unknown */
	int64_t first;      /* first chunk: chunks[0], else first_chunk_ns */
	int64_t *chunks;    /* ns of each chunk */
	unsigned char *held; /* per chunk: its stamp may be early (NULL: none) */
	size_t nchunks;
};

struct an_truth {
	struct entry *v;
	size_t n, cap;
	size_t *table;      /* open addressing, index + 1; 0 empty */
	size_t tablesize;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

void an_truth_free(struct an_truth *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->v[i].id);
		free(t->v[i].chunks);
		free(t->v[i].held);
	}
	free(t->v);
	free(t->table);
	free(t);
}

static int index_all(struct an_truth *t)
{
	size_t i, j, size = 64;

	while (size < t->n * 2)
		size *= 2;
	free(t->table);
	if (!(t->table = calloc(size, sizeof *t->table)))
		return -1;
	t->tablesize = size;
	for (i = 0; i < t->n; i++) {
		for (j = hash_str(t->v[i].id) & (size - 1); t->table[j]; j = (j + 1) & (size - 1))
			;
		t->table[j] = i + 1;
	}
	return 0;
}

/* The entry of id whose request reached the server between sent (less a
 * second: no clock conversion is that far off, and a send stamp that
 * late is measured, not hidden) and end, the one nearest sent when several
 * do (ids that repeat: logs of two llmsim starts joined, or of an llmsim
 * before ids carried its start's mark). *seen: entries of id at all. */
static const struct entry *find(const struct an_truth *t, const char *id, int64_t sent,
				int64_t end, size_t *seen)
{
	const struct entry *best = NULL;
	size_t j, mask = t->tablesize - 1;
	int64_t bestd = 0;

	*seen = 0;
	for (j = hash_str(id) & mask; t->table[j]; j = (j + 1) & mask) {
		const struct entry *x = &t->v[t->table[j] - 1];
		int64_t at, d;

		if (strcmp(x->id, id) != 0)
			continue;
		(*seen)++;
		at = x->arrived != NO_NS ? x->arrived : x->first;
		if (at != NO_NS && (at < sent - CLK_NS_PER_S || (end != NO_NS && at > end)))
			continue;
		d = at == NO_NS ? 0 : at > sent ? at - sent : sent - at;
		if (!best || d < bestd) {
			best = x;
			bestd = d;
		}
	}
	return best;
}

/* An integer member, or NO_NS when absent or null. */
static int get_ns(const json_t *o, const char *key, int64_t *out, struct err *e)
{
	json_int_t v;
	int rc = js_get_int(o, key, 0, &v, e);

	*out = NO_NS;
	if (rc == 0)
		*out = (int64_t)v;
	return rc == 1 ? 0 : rc;
}

/* "held": the chunks (numbered from 1) whose stamp may be early: llmsim
 * was not running between its stamp and its write, or TCP held the bytes
 * unsent (docs/formats.md). Absent (older llmsim) or empty: none. */
static int parse_held(const json_t *o, struct entry *x, struct err *e)
{
	const json_t *h = json_object_get(o, "held"), *c;
	size_t i;

	if (!h || json_is_null(h) || (json_is_array(h) && !json_array_size(h)))
		return 0;
	if (!json_is_array(h))
		return err_set(e, ERR_DATA, "key \"held\": expected an array of chunk numbers");
	if (!(x->held = calloc(x->nchunks ? x->nchunks : 1, 1)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	json_array_foreach(h, i, c) {
		json_int_t k = json_is_integer(c) ? json_integer_value(c) : 0;

		if (k < 1 || (size_t)k > x->nchunks)
			return err_set(e, ERR_DATA, "held[%zu]: expected a chunk number from 1 to %zu",
				       i, x->nchunks);
		x->held[k - 1] = 1;
	}
	return 0;
}

static int parse_line(const json_t *o, struct entry *x, struct err *e)
{
	const json_t *ch = json_object_get(o, "chunks"), *c;
	const char *id;
	size_t i;
	int rc;

	memset(x, 0, sizeof *x);
	if ((rc = js_get_str(o, "id", 1, &id, NULL, e)) ||
	    (rc = get_ns(o, "arrived_ns", &x->arrived, e)) ||
	    (rc = get_ns(o, "first_chunk_ns", &x->first, e)))
		return rc;
	if (ch && !json_is_null(ch) && !json_is_array(ch))
		return err_set(e, ERR_DATA, "key \"chunks\": expected an array");
	x->nchunks = ch ? json_array_size(ch) : 0;
	if (x->nchunks && !(x->chunks = malloc(x->nchunks * sizeof *x->chunks)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	json_array_foreach(ch, i, c) {
		const json_t *ns = json_array_get(c, 0);

		if (!json_is_integer(ns)) {
			free(x->chunks);
			x->chunks = NULL;
			return err_set(e, ERR_DATA, "chunks[%zu]: expected [ns, tokens]", i);
		}
		x->chunks[i] = (int64_t)json_integer_value(ns);
	}
	if (x->nchunks)
		x->first = x->chunks[0];
	if ((rc = parse_held(o, x, e)) || !(x->id = strdup(id))) {
		free(x->chunks);
		free(x->held);
		x->chunks = NULL;
		x->held = NULL;
		return rc ? rc : err_set(e, ERR_SOFTWARE, "out of memory");
	}
	return 0;
}

int an_truth_load(const char *path, struct an_truth **out, size_t *cut, struct err *e)
{
	struct an_truth *t = calloc(1, sizeof *t);
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int rc = 0;
	struct stat st;

	*out = NULL;
	*cut = 0;
	if (!t)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (!(fp = fopen(path, "r"))) {
		free(t);
		return err_set(e, ERR_NOINPUT, "%s: %s", path, strerror(errno));
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		free(t);
		return err_set(e, ERR_NOINPUT, "%s: is a folder", path);
	}
	while (!rc && (len = getline(&line, &cap, fp)) >= 0) {
		json_error_t je;
		json_t *o;
		struct entry x;

		lineno++;
		if (len <= 1)
			continue;
		if (!(o = json_loadb(line, (size_t)len, 0, &je))) {
			/* A last line without its line end is what a killed (or
			 * still running) llmsim leaves: skipped, and said. */
			if (line[len - 1] != '\n' && feof(fp)) {
				*cut = (size_t)lineno;
				break;
			}
			rc = err_set(e, ERR_DATA, "%s:%ld:%d: %s", path, lineno, je.column, je.text);
			break;
		}
		if (!(rc = parse_line(o, &x, e))) {
			if (t->n == t->cap) {
				size_t c2 = t->cap ? t->cap * 2 : 256;
				struct entry *v = realloc(t->v, c2 * sizeof *v);

				if (!v) {
					free(x.id);
					free(x.chunks);
					rc = err_set(e, ERR_SOFTWARE, "out of memory");
				} else {
					t->v = v;
					t->cap = c2;
				}
			}
			if (!rc)
				t->v[t->n++] = x;
		} else {
			err_prefix(e, "%s:%ld", path, lineno);
		}
		json_decref(o);
	}
	if (!rc && ferror(fp))
		rc = err_set(e, ERR_IO, "%s: read failed", path);
	free(line);
	fclose(fp);
	if (!rc && index_all(t))
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
	if (rc) {
		an_truth_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int an_truth_anchor(const char *results_path, int64_t *mono_minus_wall, struct err *e)
{
	char path[4096];
	json_t *m, *a;
	json_int_t mono, wall;
	int rc;

	snprintf(path, sizeof path, "%s.meta.json", results_path);
	if ((rc = js_load_file(path, 0, &m, e)))
		return rc;
	a = json_object_get(m, "anchor");
	if (!a)
		a = m;
	if ((rc = js_get_int(a, "mono_ns", 1, &mono, e)) ||
	    (rc = js_get_int(a, "wall_ns", 1, &wall, e))) {
		json_decref(m);
		return err_prefix(e, "%s", path);
	}
	json_decref(m);
	*mono_minus_wall = (int64_t)mono - (int64_t)wall;
	return 0;
}

static int add_ms(struct buf *b, double ms, struct err *e)
{
	return buf_add(b, &ms, sizeof ms, e);
}

int an_truth_add(const struct an_truth *t, int64_t off, const struct an_rec *r,
		 struct an_truth_acc *a, struct err *e)
{
	const struct entry *x;
	const char *p;
	char *end;
	int64_t sent, first;
	size_t i = 0, seen;
	int rc;

	if (r->status != AN_OK)
		return 0;
	if (!r->response_id || r->t_sent == AN_NO_TIME) {
		a->unmatched++;
		return 0;
	}
	sent = r->t_sent + off;
	/* The same request reached the server between its send and its end. */
	x = find(t, r->response_id, sent, r->t_end != AN_NO_TIME ? r->t_end + off : NO_NS, &seen);
	if (!x) {
		a->unmatched++;
		a->foreign += seen > 0;
		return 0;
	}
	a->matched++;
	if (x->arrived != NO_NS && (rc = add_ms(&a->send, (double)(x->arrived - sent) / 1e6, e)))
		return rc;
	/* A chunk whose truth may be early measures llmsim, not the client:
	 * it is counted, and compared with nothing. */
	if (r->t_first != AN_NO_TIME && x->first != NO_NS && !(x->held && x->held[0])) {
		first = r->t_first + off;
		if ((rc = add_ms(&a->recv, (double)(first - x->first) / 1e6, e)))
			return rc;
		if (x->arrived != NO_NS &&
		    (rc = add_ms(&a->ttft, ((double)(first - sent) - (double)(x->first - x->arrived)) / 1e6, e)))
			return rc;
	}
	/* chunk_log: "OFFSET_US[:TOKENS] ...", whole µs from t_sent. */
	for (p = r->chunk_log; p && *p;) {
		double us;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		us = strtod(p, &end);
		if (end == p)
			return err_set(e, ERR_DATA, "chunk_log: bad offset near \"%.20s\"", p);
		p = end + strcspn(end, " ");
		if (i < x->nchunks && x->held && x->held[i])
			a->held++;
		else if (i < x->nchunks &&
			 (rc = add_ms(&a->chunk, (double)(sent + llround(us * 1000.0) - x->chunks[i]) / 1e6, e)))
			return rc;
		i++;
	}
	/* A row without a chunk log (--no-stream) has no chunks to count:
	 * llmsim logs its whole body as one. */
	if (i != x->nchunks && (i || (r->chunk_log && *r->chunk_log)))
		a->count_diff++;
	return 0;
}

void an_truth_acc_free(struct an_truth_acc *a)
{
	buf_free(&a->send);
	buf_free(&a->recv);
	buf_free(&a->ttft);
	buf_free(&a->chunk);
}
