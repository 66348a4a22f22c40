#include "truth.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct truth {
	FILE *fp;
	char *path;
};

int truth_open(const char *path, struct truth **out, struct err *e)
{
	struct truth *t = calloc(1, sizeof *t);

	if (!t || !(t->path = strdup(path))) {
		free(t);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	t->fp = fopen(path, "w");
	if (!t->fp) {
		/* A missing folder is no input (66), as for every tool. */
		err_set(e, errno == ENOENT ? ERR_NOINPUT : ERR_IO, "%s: %s", path, strerror(errno));
		free(t->path);
		free(t);
		return ERR_IO;
	}
	*out = t;
	return 0;
}

static json_t *ns_or_null(int64_t ns)
{
	return ns ? json_integer(ns) : json_null();
}

/* Writes o as one line and flushes it; takes o. */
static int put_line(struct truth *t, json_t *o, struct err *e)
{
	int rc = 0;

	if (json_dumpf(o, t->fp, JSON_COMPACT | JSON_PRESERVE_ORDER) ||
	    fputc('\n', t->fp) == EOF || fflush(t->fp))
		rc = err_set(e, ERR_IO, "%s: %s", t->path, strerror(errno));
	json_decref(o);
	return rc;
}

int truth_write(struct truth *t, const struct truth_rec *r, struct err *e)
{
	json_t *o = json_object(), *ch = json_array(), *hd = json_array();
	size_t i;

	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "path", json_string(r->path));
	json_object_set_new(o, "accepted_ns", ns_or_null(r->accepted_ns));
	json_object_set_new(o, "arrived_ns", ns_or_null(r->arrived_ns));
	json_object_set_new(o, "received_ns", ns_or_null(r->received_ns));
	json_object_set_new(o, "admitted_ns", ns_or_null(r->admitted_ns));
	json_object_set_new(o, "first_chunk_ns", ns_or_null(r->first_chunk_ns));
	json_object_set_new(o, "end_ns", ns_or_null(r->end_ns));
	json_object_set_new(o, "prompt_tokens", json_integer(r->prompt_tokens));
	json_object_set_new(o, "cached_tokens", r->cached_tokens >= 0 ?
			    json_integer(r->cached_tokens) : json_null());
	json_object_set_new(o, "completion_tokens",
			    json_integer(r->completion_tokens));
	json_object_set_new(o, "preemptions", json_integer(r->preemptions));
	json_object_set_new(o, "fault", json_string(r->fault));
	json_object_set_new(o, "status", json_integer(r->status));
	/* Before "chunks", which scripts read as the line's last array. */
	json_object_set_new(o, "held", hd);
	json_object_set_new(o, "end_held", json_boolean(r->end_held));
	for (i = 0; i < r->nheld; i++)
		json_array_append_new(hd, json_integer((json_int_t)r->held[i]));
	for (i = 0; i < r->nchunks; i++)
		json_array_append_new(ch, json_pack("[II]", (json_int_t)r->chunks[2 * i],
						    (json_int_t)r->chunks[2 * i + 1]));
	json_object_set_new(o, "chunks", ch);
	return put_line(t, o, e);
}

int truth_write_scrape(struct truth *t, const struct truth_scrape *r, struct err *e)
{
	json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:b}",
			      "path", "/metrics",
			      "accepted_ns", ns_or_null(r->accepted_ns),
			      "arrived_ns", ns_or_null(r->arrived_ns),
			      "received_ns", ns_or_null(r->received_ns),
			      "counted_ns", ns_or_null(r->counted_ns),
			      "written_ns", ns_or_null(r->written_ns),
			      "sent_ns", ns_or_null(r->sent_ns),
			      "status", r->status, "held", r->held);

	if (!o)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	return put_line(t, o, e);
}

int truth_close(struct truth *t, struct err *e)
{
	int rc = 0;

	if (!t)
		return 0;
	if (ferror(t->fp) | fclose(t->fp))
		rc = err_set(e, ERR_IO, "%s: write failed", t->path);
	free(t->path);
	free(t);
	return rc;
}
