/* llmgen's output: the corpus file (or, with --dir, the legacy three),
 * opened before the first row, each row written with its header going
 * first, and committed or removed at the end. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csv.h"
#include "generate_int.h"
#include "ofile.h"
#include "tok.h"

static const char *const columns[] = {
	"id", "group", "scenario", "input_tokens", "output_tokens", "tokenizer",
	"lang", "template", "topic", "prompt",
};
#define NCOLS (sizeof columns / sizeof *columns)

/* A conversation corpus: the same, with its two columns after id. */
static const char *const conv_columns[] = {
	"id", "conversation_id", "turn", "group", "scenario", "input_tokens",
	"output_tokens", "tokenizer", "lang", "template", "topic", "prompt",
};
#define NCONVCOLS (sizeof conv_columns / sizeof *conv_columns)

/* Writes output i's header if it has not been. */
static int write_header(struct gen_run *r, int i, struct err *e)
{
	const char *const *cols = r->conv ? conv_columns : columns;
	size_t n = r->conv ? NCONVCOLS : NCOLS;
	const char *h[NCONVCOLS + 1];

	if (!r->header_due[i])
		return 0;
	r->header_due[i] = 0;
	/* A trace's arrival_s goes before the prompt, which stays last. */
	memcpy(h, cols, n * sizeof *h);
	if (r->arrival) {
		h[n - 1] = "arrival_s";
		h[n] = cols[n - 1];
		n++;
	}
	return csv_write_row(r->w[i], h, n, e);
}

int gen_write_row(struct gen_run *r, struct group *g, const struct turn_ref *tr,
		  size_t in_tokens, long out_tokens, const char *lang,
		  const char *tpl, const char *topic, const char *prompt,
		  size_t plen, struct err *e)
{
	char id[24], itok[24], otok[24], conv[24], turn[24], at[40];
	const char *f[NCONVCOLS];
	size_t len[NCONVCOLS], n = 0;
	struct csv_writer *w = r->w[g->file];
	int rc = 0;

	if (r->stop && *r->stop)
		return err_set(e, ERR_SOFTWARE, "stopped by a signal");
	if ((rc = write_header(r, g->file, e)))
		return rc;

	if (g->rows == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		double *a = realloc(g->itok, cap * sizeof *a), *b;

		if (a)
			g->itok = a;
		if (!a || !(b = realloc(g->otok, cap * sizeof *b)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
		g->otok = b;
		g->cap = cap;
	}
	snprintf(id, sizeof id, "%ld", ++r->next_id);
	snprintf(itok, sizeof itok, "%zu", in_tokens);
	snprintf(otok, sizeof otok, "%ld", out_tokens);
	f[n++] = id;
	if (r->conv) {
		snprintf(conv, sizeof conv, "%ld", tr->conv);
		snprintf(turn, sizeof turn, "%ld", tr->turn);
		f[n++] = conv;
		f[n++] = turn;
	}
	f[n++] = g->label, f[n++] = g->scenario, f[n++] = itok, f[n++] = otok;
	f[n++] = tok_name(r->t), f[n++] = lang, f[n++] = tpl, f[n++] = topic;
	for (size_t i = 0; i < n; i++)
		len[i] = f[i] ? strlen(f[i]) : 0;
	f[n] = prompt;
	len[n++] = plen;
	snprintf(at, sizeof at, "%.6f", r->arrival_s);
	for (size_t i = 0; i < n && !rc; i++) {
		/* A trace's arrival_s, just before the prompt. */
		if (r->arrival && i == n - 1)
			rc = csv_write_field(w, at, strlen(at), e);
		if (!rc)
			rc = csv_write_field(w, f[i] ? f[i] : "", len[i], e);
	}
	if (!rc)
		rc = csv_end_row(w, e);
	g->itok[g->rows] = (double)in_tokens;
	g->otok[g->rows] = (double)out_tokens;
	g->rows++;
	return rc;
}

/* -o naming an input would overwrite it. */
static int same_file(const struct gen_opts *o, struct err *e)
{
	const char *in[3] = {o->from, o->burstgpt, o->sonnet};

	for (int i = 0; i < 3 && o->output && !o->legacy; i++)
		if (ofile_same(o->output, in[i]))
			return err_set(e, ERR_USAGE, "-o %s is an input: it would be overwritten", o->output);
	return 0;
}

int gen_open_outputs(struct gen_run *r, struct err *e)
{
	const struct gen_opts *o = r->o;
	int rc = same_file(o, e);

	if (rc)
		return rc;
	if (o->legacy) {
		char path[4096];

		if (snprintf(path, sizeof path, "%s/input", o->dir) >= (int)sizeof path)
			return err_set(e, ERR_USAGE, "--dir %s: path too long", o->dir);
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			return err_set(e, errno == ENOENT || errno == ENOTDIR ? ERR_NOINPUT : ERR_IO,
				       "%s: cannot create: %s", path, strerror(errno));
		for (int i = 0; i < 3 && !rc; i++) {
			snprintf(path, sizeof path, "%s/input/%s", o->dir, gen_legacy_files[i]);
			if (!(rc = csv_writer_open(path, CSV_ATOMIC, &r->w[i], e)))
				r->nw++;
		}
	} else if (!(rc = csv_writer_open(o->output ? o->output : "-", CSV_ATOMIC, &r->w[0], e))) {
		r->nw = 1;
	}
	for (int i = 0; i < r->nw; i++)
		r->header_due[i] = 1;
	return rc;
}

int gen_close_outputs(struct gen_run *r, int rc, struct err *e)
{
	for (int i = 0; i < r->nw; i++) {
		struct err ce = { 0 };
		int crc;

		if (!rc)
			rc = write_header(r, i, e);
		crc = csv_writer_close(r->w[i], !rc, &ce);

		if (crc && !rc) {
			rc = crc;
			*e = ce;
		}
	}
	r->nw = 0;
	return rc;
}
