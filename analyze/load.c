#include "load.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csv.h"
#include "html_meta.h"
#include "utf8.h"
#include "vllm.h"

/* keycol of "source" in a results CSV without that column: every row
 * came from llmrun. */
#define KEY_LLMRUN (-2)
/* keycol of "context_bucket" when the file has no such column: derived
 * from the row's prompt tokens (load.h). */
#define KEY_CTX_BUCKET (-3)

/* Columns read by name; -1 when the file lacks an optional one. */
enum {
	C_RUN_ID, C_ROW_ID, C_STEP, C_STATUS, C_WARMUP, C_SENT, C_FIRST,
	C_LAST, C_END, C_TTFT, C_TPOT, C_E2E, C_IN, C_IN_SRC, C_OUT,
	C_OUT_SRC, C_CHUNK_LOG, C_RETRIED, C_LAG, C_QUEUE, C_MAXTOK, C_RESPID,
	C_SRV_PMS, C_SRV_DMS, C_SRV_PTOK, C_SRV_DTOK, C_CONV, C_TURN, C_CTX,
	C_CACHED, C_MERGED, C_TARGET, C_KIND, C_SEQ, NCOL
};

static const char *const col_names[NCOL] = {
	"run_id", "row_id", "step", "status", "warmup", "t_sent_ns",
	"t_first_token_ns", "t_last_token_ns", "t_end_ns", "ttft_ms",
	"tpot_ms", "e2e_ms", "input_tokens", "input_tokens_source",
	"output_tokens", "output_tokens_source", "chunk_log", "retried",
	"client_lag_ms", "queue_ms", "max_tokens", "response_id",
	"server_prompt_ms", "server_decode_ms", "server_prompt_tokens",
	"server_decode_tokens", "conversation_id", "turn", "context_tokens",
	"cached_tokens", "ttft_merged", "target", "step_kind", "seq",
};

static const int col_required[NCOL] = {
	[C_RUN_ID] = 1, [C_STATUS] = 1, [C_SENT] = 1, [C_END] = 1,
};

struct file_ctx {
	struct csv_reader *r;
	int col[NCOL];
	int *keycol;
	size_t file;            /* index of this file among those loaded */
	int unfinished;         /* its run's metadata has no end marker */
	char bucket[32];        /* the context_bucket key of the current row */
};

/* The first row of each file read so far and the file it came from. */
struct runs {
	char **sig;
	size_t *file;
	size_t nsig;
};

static const char *field(const struct file_ctx *f, int c)
{
	const char *s;

	if (f->col[c] < 0)
		return NULL;
	s = csv_field(f->r, (size_t)f->col[c], NULL);
	return s && *s ? s : NULL;
}

static int bad_number(const struct file_ctx *f, int c, const char *s, struct err *e)
{
	return err_set(e, ERR_DATA, "%s:%ld:%d: %s: expected a number, got \"%.40s\"",
		       csv_name(f->r), csv_line(f->r), f->col[c] + 1, col_names[c], s);
}

static int get_time(const struct file_ctx *f, int c, int64_t *out, struct err *e)
{
	const char *s = field(f, c);
	char *end;
	long long v;

	*out = AN_NO_TIME;
	if (!s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end || errno)
		return bad_number(f, c, s, e);
	/* Nanoseconds since 1970: never negative, so that no difference of
	 * two of them passes int64_t. */
	if (v < 0)
		return err_set(e, ERR_DATA, "%s:%ld:%d: %s: a time in ns since 1970 cannot be "
			       "negative, got %.40s", csv_name(f->r), csv_line(f->r),
			       f->col[c] + 1, col_names[c], s);
	*out = v;
	return 0;
}

static int get_ms(const struct file_ctx *f, int c, double *out, struct err *e)
{
	const char *s = field(f, c);
	char *end;

	*out = NAN;
	if (!s)
		return 0;
	errno = 0;
	*out = strtod(s, &end);
	if (*end || errno || isnan(*out) || isinf(*out))
		return bad_number(f, c, s, e);
	return 0;
}

/* A duration: a number, never below zero (a negative latency is a broken
 * file, not a fast server). */
static int get_dur(const struct file_ctx *f, int c, double *out, struct err *e)
{
	int rc = get_ms(f, c, out, e);

	if (!rc && *out < 0)
		return err_set(e, ERR_DATA, "%s:%ld:%d: %s: a duration cannot be negative, got \"%.40s\"",
			       csv_name(f->r), csv_line(f->r), f->col[c] + 1, col_names[c], field(f, c));
	return rc;
}

static int get_count(const struct file_ctx *f, int c, long *out, struct err *e)
{
	const char *s = field(f, c);
	char *end;

	*out = -1;
	if (!s)
		return 0;
	errno = 0;
	*out = strtol(s, &end, 10);
	if (*end || errno || *out < 0)
		return bad_number(f, c, s, e);
	return 0;
}

static int is_estimate(const struct file_ctx *f, int c)
{
	const char *s = field(f, c);

	return s && strcmp(s, "chunks") == 0;
}

static int note_run(struct an_load_stats *st, const char *id, struct err *e)
{
	size_t i;
	char **ids;

	/* Rows of one run come together: the last id is the likely match. */
	for (i = st->nrun_ids; i-- > 0;)
		if (strcmp(st->run_ids[i], id) == 0)
			return 0;
	ids = realloc(st->run_ids, (st->nrun_ids + 1) * sizeof *ids);
	if (!ids)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	st->run_ids = ids;
	if (!(ids[st->nrun_ids] = strdup(id)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	st->nrun_ids++;
	return 0;
}

/* Shards of one study share a run id across files (llmrun --run-id), so a
 * run id in two files is fine; the same first row (run id, row id, send
 * time, and what the row measured) in two files is the same results given
 * twice. A vLLM file's run id is its date, to the second, and its rows
 * have no send time: two runs saved in the same second differ in what
 * they measured. */
static int note_first_row(struct runs *runs, const struct an_rec *r, size_t file,
			  const char *const *paths, struct err *e)
{
	char sig[512], **sigs;
	size_t i;

	snprintf(sig, sizeof sig, "%s\x1f%s\x1f%lld\x1f%s\x1f%s\x1f%.17g\x1f%ld\x1f%ld",
		 r->run_id, r->row_id ? r->row_id : "", (long long)r->t_sent,
		 r->target ? r->target : "", r->step ? r->step : "", r->ttft_ms, r->in_tok, r->out_tok);
	for (i = 0; i < runs->nsig; i++)
		if (strcmp(runs->sig[i], sig) == 0)
			return err_set(e, ERR_DATA,
				       "run_id %s is in both %s and %s with the same rows: the same results given twice?",
				       r->run_id, paths[runs->file[i]], paths[file]);
	sigs = realloc(runs->sig, (runs->nsig + 1) * sizeof *sigs);
	if (sigs)
		runs->sig = sigs;
	if (!sigs || !(runs->file = realloc(runs->file, (runs->nsig + 1) * sizeof *runs->file)) ||
	    !(sigs[runs->nsig] = strdup(sig)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	runs->file[runs->nsig++] = file;
	return 0;
}

static int parse_row(const struct file_ctx *f, struct an_rec *r, struct err *e)
{
	const char *s;
	int rc;

	memset(r, 0, sizeof *r);
	r->run_from = r->run_to = AN_NO_TIME;
	r->run_id = field(f, C_RUN_ID);
	if (!r->run_id)
		return err_set(e, ERR_DATA, "%s:%ld: empty run_id", csv_name(f->r), csv_line(f->r));
	r->target = field(f, C_TARGET);
	r->step_kind = field(f, C_KIND);
	r->row_id = field(f, C_ROW_ID);
	r->step = field(f, C_STEP);
	r->chunk_log = field(f, C_CHUNK_LOG);
	r->response_id = field(f, C_RESPID);
	r->file = f->file;
	s = field(f, C_WARMUP);
	r->warmup = s && strcmp(s, "0") != 0;
	s = field(f, C_RETRIED);
	r->retried = s && strcmp(s, "0") != 0;
	s = field(f, C_STATUS);
	if (!s)
		return err_set(e, ERR_DATA, "%s:%ld: empty status", csv_name(f->r), csv_line(f->r));
	r->status = an_status_parse(s);
	if ((rc = get_time(f, C_SENT, &r->t_sent, e)) ||
	    (rc = get_time(f, C_FIRST, &r->t_first, e)) ||
	    (rc = get_time(f, C_LAST, &r->t_last, e)) ||
	    (rc = get_time(f, C_END, &r->t_end, e)) ||
	    (rc = get_dur(f, C_TTFT, &r->ttft_ms, e)) ||
	    (rc = get_dur(f, C_TPOT, &r->tpot_ms, e)) ||
	    (rc = get_dur(f, C_E2E, &r->e2e_ms, e)) ||
	    (rc = get_count(f, C_IN, &r->in_tok, e)) ||
	    (rc = get_count(f, C_OUT, &r->out_tok, e)) ||
	    (rc = get_ms(f, C_LAG, &r->lag_ms, e)) ||
	    (rc = get_count(f, C_MAXTOK, &r->max_tok, e)) ||
	    (rc = get_dur(f, C_SRV_PMS, &r->srv_prompt_ms, e)) ||
	    (rc = get_dur(f, C_SRV_DMS, &r->srv_decode_ms, e)) ||
	    (rc = get_count(f, C_SRV_PTOK, &r->srv_prompt_tok, e)) ||
	    (rc = get_count(f, C_SRV_DTOK, &r->srv_decode_tok, e)) ||
	    (rc = get_count(f, C_TURN, &r->turn, e)) ||
	    (rc = get_count(f, C_CTX, &r->ctx_tok, e)) ||
	    (rc = get_count(f, C_CACHED, &r->cached_tok, e)) ||
	    (rc = get_count(f, C_MERGED, &r->ttft_merged, e)))
		return rc;
	if (r->ttft_merged > 1)
		return err_set(e, ERR_DATA, "%s:%ld:%d: ttft_merged: 0 or 1, got %ld",
			       csv_name(f->r), csv_line(f->r), f->col[C_MERGED] + 1,
			       r->ttft_merged);
	r->conv_id = field(f, C_CONV);
	if (r->turn == 0)
		return err_set(e, ERR_DATA, "%s:%ld:%d: turn: turns count from 1, got 0",
			       csv_name(f->r), csv_line(f->r), f->col[C_TURN] + 1);
	/* A cache cannot serve more of the prompt than there is. */
	if (r->ctx_tok >= 0 && r->cached_tok > r->ctx_tok)
		return err_set(e, ERR_DATA, "%s:%ld:%d: cached_tokens %ld exceeds context_tokens %ld",
			       csv_name(f->r), csv_line(f->r), f->col[C_CACHED] + 1,
			       r->cached_tok, r->ctx_tok);
	/* Without context_tokens the prompt's count is input_tokens (as the
	 * cache hit rate takes it): a hit rate of 25 came through. */
	if (r->ctx_tok < 0 && r->in_tok >= 0 && r->cached_tok > r->in_tok)
		return err_set(e, ERR_DATA, "%s:%ld:%d: cached_tokens %ld exceeds input_tokens %ld",
			       csv_name(f->r), csv_line(f->r), f->col[C_CACHED] + 1,
			       r->cached_tok, r->in_tok);
	/* Older files call the client lag queue_ms (the same t_sent -
	 * t_scheduled). */
	if (isnan(r->lag_ms) && f->col[C_LAG] < 0 && (rc = get_ms(f, C_QUEUE, &r->lag_ms, e)))
		return rc;
	r->in_est = r->in_tok >= 0 && is_estimate(f, C_IN_SRC);
	r->out_est = r->out_tok >= 0 && is_estimate(f, C_OUT_SRC);
	an_rec_complete(r);
	/* The same, for the figures computed from the stamps. */
	if (r->ttft_ms < 0 || r->e2e_ms < 0)
		return err_set(e, ERR_DATA, "%s:%ld: %s before t_sent_ns: the stamps go back",
			       csv_name(f->r), csv_line(f->r), r->ttft_ms < 0 ? "t_first_token_ns" : "t_end_ns");
	if (r->tpot_ms < 0)
		return err_set(e, ERR_DATA, "%s:%ld: E2E (%.3f ms) shorter than TTFT (%.3f ms)",
			       csv_name(f->r), csv_line(f->r), r->e2e_ms, r->ttft_ms);
	return 0;
}

static int find_columns(struct file_ctx *f, const struct an_load_opts *o, struct err *e)
{
	size_t i;

	for (i = 0; i < NCOL; i++) {
		f->col[i] = csv_col(f->r, col_names[i]);
		if (f->col[i] < 0 && col_required[i])
			return err_set(e, ERR_DATA, "%s:1: no column \"%s\": not a results file?",
				       csv_name(f->r), col_names[i]);
	}
	for (i = 0; i < o->nkeys; i++) {
		f->keycol[i] = csv_col(f->r, o->keynames[i]);
		if (f->keycol[i] < 0 && strcmp(o->keynames[i], "source") == 0)
			f->keycol[i] = KEY_LLMRUN;
		if (f->keycol[i] < 0 && strcmp(o->keynames[i], AN_KEY_CTX_BUCKET) == 0)
			f->keycol[i] = KEY_CTX_BUCKET;
		if (f->keycol[i] == KEY_LLMRUN || f->keycol[i] == KEY_CTX_BUCKET ||
		    (f->keycol[i] < 0 && o->optional && o->optional[i]))
			continue;
		if (f->keycol[i] < 0)
			return err_set(e, ERR_DATA, "%s:1: no column \"%s\" to group by",
				       csv_name(f->r), o->keynames[i]);
	}
	return 0;
}

/* The context_bucket of r: its prompt tokens rounded down to a multiple
 * of width (AN_CTX_BUCKET when 0), written into buf; NULL (empty) when
 * the row has no count. The lower bound alone, so buckets sort as
 * numbers. */
static const char *ctx_bucket(const struct an_rec *r, long width, char *buf, size_t n)
{
	long p = an_rec_prompt_tokens(r);

	if (width <= 0)
		width = AN_CTX_BUCKET;
	if (p < 0)
		return NULL;
	snprintf(buf, n, "%ld", p / width * width);
	return buf;
}

struct attempts;
static int load_rows(struct file_ctx *f, const struct an_load_opts *o,
		     const char **keys, struct an_load_stats *st,
		     struct runs *runs, const char *const *paths,
		     struct attempts *att, struct err *e);

/* The sends of failed attempts that were retried, by request (run,
 * target, step and seq), until the attempt that ends the request comes:
 * its span starts at the first attempt's send. */
struct attempts {
	char **key;
	int64_t *sent;
	size_t n, cap;
};

static void attempts_free(struct attempts *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->key[i]);
	free(a->key);
	free(a->sent);
}

static int attempt_key(const struct file_ctx *f, const struct an_rec *r, char *out, size_t n)
{
	const char *seq = field(f, C_SEQ);

	if (!seq)
		return 0;
	snprintf(out, n, "%s\x1f%s\x1f%s\x1f%s\x1f%s", r->run_id, r->target ? r->target : "",
		 r->step_kind ? r->step_kind : "", r->step ? r->step : "", seq);
	return 1;
}

/* Keeps a retried attempt's send (the earliest of its request's). */
static int attempt_keep(struct attempts *a, const char *key, int64_t sent, struct err *e)
{
	size_t i;

	for (i = a->n; i-- > 0;)
		if (strcmp(a->key[i], key) == 0) {
			if (sent < a->sent[i])
				a->sent[i] = sent;
			return 0;
		}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		char **k = realloc(a->key, cap * sizeof *k);
		int64_t *t;

		if (k)
			a->key = k;
		if (!k || !(t = realloc(a->sent, cap * sizeof *t)))
			return err_set(e, ERR_SOFTWARE, "out of memory");
		a->sent = t;
		a->cap = cap;
	}
	if (!(a->key[a->n] = strdup(key)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	a->sent[a->n++] = sent;
	return 0;
}

/* The earliest send of key's retried attempts (taken out), or 0. The
 * newest first: a request's attempts are near its end. */
static int64_t attempt_take(struct attempts *a, const char *key)
{
	for (size_t i = a->n; i-- > 0;)
		if (strcmp(a->key[i], key) == 0) {
			int64_t t = a->sent[i];

			free(a->key[i]);
			a->key[i] = a->key[a->n - 1];
			a->sent[i] = a->sent[a->n - 1];
			a->n--;
			return t;
		}
	return 0;
}

/* Whether the metadata beside path says its run has not ended (no
 * end_wall_ns): killed, or still writing. 0 without metadata. */
static int run_unfinished(const char *path)
{
	char found[4096];
	json_t *m = an_html_meta_load(path, found, sizeof found);
	int open = m && !json_object_get(m, "end_wall_ns");

	json_decref(m);
	return open;
}

static int load_file(struct file_ctx *f, const struct an_load_opts *o,
		     const char **keys, struct an_load_stats *st,
		     struct runs *runs, const char *const *paths, struct err *e)
{
	struct attempts att = {0};
	int rc = load_rows(f, o, keys, st, runs, paths, &att, e);

	attempts_free(&att);
	return rc;
}

static int load_rows(struct file_ctx *f, const struct an_load_opts *o,
		     const char **keys, struct an_load_stats *st,
		     struct runs *runs, const char *const *paths,
		     struct attempts *att, struct err *e)
{
	struct an_rec r;
	char msg[ERR_MSG_MAX + 64], akey[512];
	size_t i;
	int rc, cut, first = 1;

	if ((rc = find_columns(f, o, e)))
		return rc;
	for (;;) {
		rc = csv_next(f->r, e);
		if (rc == 0)
			return 0;
		/* llmrun ends every row with a line end, so a last row without
		 * one was cut by a killed run, even when its field count is
		 * right (the cut fell inside the last field). A cut inside a
		 * field that holds a line end (a corpus id with a newline)
		 * leaves an open quote that began lines earlier, as a stray
		 * quote that swallowed the rows after it does: it is taken as
		 * a cut only when the run has no end marker (killed, or still
		 * going), so a finished run's rows are never dropped. */
		cut = rc < 0 && e->code == ERR_DATA &&
		      (csv_truncated(f->r) || (f->unfinished && csv_cut_in_quote(f->r)));
		if (rc < 0 && !cut) {
			if (e->code == ERR_DATA && csv_cut_in_quote(f->r)) {
				char m[sizeof e->msg];

				snprintf(m, sizeof m, "%s", e->msg);
				err_set(e, ERR_DATA, "%s (taken as bad data: no metadata beside the "
					"results says their run was cut off)", m);
			}
			return e->code;
		}
		if (cut || csv_truncated(f->r)) {
			st->truncated++;
			if (rc > 0)
				err_set(e, ERR_DATA, "%s:%ld: the last row has no line end",
					csv_name(f->r), csv_line(f->r));
			snprintf(msg, sizeof msg, "%s (a cut-off last row, as a killed run leaves: skipped)",
				 e->msg);
			if (o->warn)
				o->warn(o->ctx, msg);
			err_clear(e);
			return 0;
		}
		if ((rc = parse_row(f, &r, e)))
			return rc;
		if ((rc = note_run(st, r.run_id, e)))
			return rc;
		if (first && (rc = note_first_row(runs, &r, f->file, paths, e)))
			return rc;
		first = 0;
		st->rows++;
		if (r.warmup) {
			st->warmup++;
			continue;
		}
		/* A failed attempt that was retried: its request is counted
		 * once, by the attempt that ended it, whose span starts at
		 * this one's send (the time retries cost is the step's). */
		if (r.retried) {
			st->retried++;
			if (r.t_sent != AN_NO_TIME && r.t_sent > 0 && attempt_key(f, &r, akey, sizeof akey) &&
			    (rc = attempt_keep(att, akey, r.t_sent, e)))
				return rc;
			continue;
		}
		if (att->n && attempt_key(f, &r, akey, sizeof akey))
			r.first_attempt = attempt_take(att, akey);
		for (i = 0; i < o->nkeys; i++) {
			size_t len, bad;

			if (f->keycol[i] == KEY_CTX_BUCKET) {
				keys[i] = ctx_bucket(&r, o->ctx_bucket, f->bucket, sizeof f->bucket);
				continue;
			}
			if (f->keycol[i] < 0) {
				/* an optional column this file lacks */
				keys[i] = f->keycol[i] == KEY_LLMRUN ? "llmrun" : NULL;
				continue;
			}
			keys[i] = csv_field(f->r, (size_t)f->keycol[i], &len);
			/* Keys reach JSON and HTML output, which must be UTF-8. */
			if (keys[i] && !utf8_valid(keys[i], len, &bad))
				return err_set(e, ERR_DATA, "%s:%ld: column \"%s\": invalid UTF-8 at byte %zu",
					       csv_name(f->r), csv_line(f->r), o->keynames[i], bad + 1);
		}
		if ((rc = o->row(o->ctx, keys, &r, e)))
			return err_prefix(e, "%s:%ld", csv_name(f->r), csv_line(f->r));
	}
}

/* Opens an input ("-" is stdin) and sets *json to whether its first
 * non-space byte is '{' (a JSON object: a vLLM result file; a results CSV
 * starts with its header). The stream is read once, so pipes work: it
 * goes back to its start where it can, else to that byte (the spaces
 * before it are gone, which neither format minds). */
static int open_input(const char *path, FILE **out, int *json, struct err *e)
{
	FILE *fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct stat st;
	int c;

	*out = NULL;
	if (!fp)
		return err_set(e, ERR_NOINPUT, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		return err_set(e, ERR_NOINPUT, "%s: is a folder", path);
	}
	do
		c = getc(fp);
	while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	*json = c == '{';
	if (c != EOF && (!S_ISREG(st.st_mode) || fseek(fp, 0, SEEK_SET) != 0))
		ungetc(c, fp);
	*out = fp;
	return 0;
}

/* A vLLM result file's requests as rows (analyze/vllm.h). The file is
 * kept in st for the check of its summaries. */
static int vllm_rows(struct an_vllm_file *vf, size_t file, const struct an_load_opts *o,
		     const char **keys, struct an_load_stats *st, struct runs *runs,
		     const char *const *paths, struct err *e);

static int load_vllm(FILE *fp, const char *name, size_t file, const struct an_load_opts *o,
		     const char **keys, struct an_load_stats *st, struct runs *runs,
		     const char *const *paths, struct err *e)
{
	struct an_vllm_file **vfs, **all;
	size_t nv, j;
	int rc;

	if ((rc = an_vllm_open_fp(fp, name, &vfs, &nv, e)))
		return rc;
	if (!(all = realloc(st->vllm, (st->nvllm + nv) * sizeof *all))) {
		for (j = 0; j < nv; j++)
			an_vllm_free(vfs[j]);
		free(vfs);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	st->vllm = all;
	for (j = 0; j < nv; j++)
		all[st->nvllm++] = vfs[j];
	free(vfs);
	for (j = 0; j < nv && !rc; j++)
		rc = vllm_rows(st->vllm[st->nvllm - nv + j], file, o, keys, st, runs, paths, e);
	return rc;
}

/* The rows of one vLLM result. */
static int vllm_rows(struct an_vllm_file *vf, size_t file, const struct an_load_opts *o,
		     const char **keys, struct an_load_stats *st, struct runs *runs,
		     const char *const *paths, struct err *e)
{
	struct an_rec r;
	char msg[ERR_MSG_MAX + 64], bucket[32];
	size_t i, k, n;
	int rc;

	n = an_vllm_nrows(vf);
	if (!n && o->warn) {
		snprintf(msg, sizeof msg, "%s: vLLM summaries without per-request data "
			 "(saved without --save-detailed?): no rows, only its summaries", an_vllm_name(vf));
		o->warn(o->ctx, msg);
	}
	for (i = 0; i < n; i++) {
		if ((rc = an_vllm_row(vf, i, &r, e)))
			return err_prefix(e, "%s", an_vllm_name(vf));
		r.file = file;
		if ((rc = note_run(st, r.run_id, e)) ||
		    (i == 0 && (rc = note_first_row(runs, &r, file, paths, e))))
			return rc;
		st->rows++;
		/* jansson's strings are valid UTF-8 already. */
		for (k = 0; k < o->nkeys; k++)
			keys[k] = strcmp(o->keynames[k], AN_KEY_CTX_BUCKET) == 0
					  ? ctx_bucket(&r, o->ctx_bucket, bucket, sizeof bucket)
					  : an_vllm_key(vf, o->keynames[k], i);
		if ((rc = o->row(o->ctx, keys, &r, e)))
			return err_prefix(e, "%s: request %zu", an_vllm_name(vf), i);
	}
	return 0;
}

int an_load(const char *const *paths, size_t n, const struct an_load_opts *o,
	    struct an_load_stats *st, struct err *e)
{
	struct file_ctx f;
	struct runs runs = {NULL, NULL, 0};
	const char **keys = calloc(o->nkeys ? o->nkeys : 1, sizeof *keys);
	int rc = 0;
	size_t i;

	memset(st, 0, sizeof *st);
	f.keycol = calloc(o->nkeys ? o->nkeys : 1, sizeof *f.keycol);
	if (!keys || !f.keycol) {
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
		goto out;
	}
	for (i = 0; i < n && !rc; i++) {
		const char *name = strcmp(paths[i], "-") ? paths[i] : "stdin";
		FILE *fp;
		int json = 0;

		if ((rc = open_input(paths[i], &fp, &json, e)))
			break;
		st->files++;
		if (json) {
			rc = load_vllm(fp, name, i, o, keys, st, &runs, paths, e);
		} else if (!(rc = csv_open_fp(fp, name, &f.r, e))) {
			f.file = i;
			f.unfinished = run_unfinished(paths[i]);
			rc = load_file(&f, o, keys, st, &runs, paths, e);
			csv_close(f.r);
		}
		if (fp != stdin)
			fclose(fp);
	}
out:
	for (i = 0; i < runs.nsig; i++)
		free(runs.sig[i]);
	free(runs.sig);
	free(runs.file);
	free(f.keycol);
	free(keys);
	return rc;
}

void an_load_stats_free(struct an_load_stats *st)
{
	size_t i;

	for (i = 0; i < st->nrun_ids; i++)
		free(st->run_ids[i]);
	free(st->run_ids);
	st->run_ids = NULL;
	st->nrun_ids = 0;
	for (i = 0; i < st->nvllm; i++)
		an_vllm_free(st->vllm[i]);
	free(st->vllm);
	st->vllm = NULL;
	st->nvllm = 0;
}
