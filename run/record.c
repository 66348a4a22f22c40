#include "record.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "csv.h"
#include "http.h"
#include "ofile.h"

struct rec {
	struct csv_writer *w;
	struct clk_anchor anchor;
	const char *meta_path;  /* borrowed; NULL: none */
	const json_t *meta;     /* borrowed */
	int published;          /* the file has its name */
	int (*also)(void *ud, struct err *e); /* rec_on_publish */
	void *also_ud;
};

/* The metadata, then the results under their name: in that order, so a
 * results file never stands without its metadata (its clock anchor). */
int rec_publish(struct rec *w, struct err *e)
{
	int rc = 0;

	if (w->published)
		return 0;
	if (w->meta_path)
		rc = rec_meta_write(w->meta_path, w->meta, e);
	if (!rc)
		rc = csv_writer_publish(w->w, e);
	w->published = !rc;
	if (!rc && w->also)
		rc = w->also(w->also_ud, e);
	return rc;
}

void rec_on_publish(struct rec *w, int (*also)(void *ud, struct err *e), void *ud)
{
	w->also = also;
	w->also_ud = ud;
}

int rec_published(const struct rec *w)
{
	return w->published;
}

static const char *const columns[] = {
	"run_id", "target", "model", "api", "group", "row_id", "step_kind",
	"step", "schedule", "seq", "attempt", "retried", "warmup", "response_id",
	"status",
	"http_status", "t_scheduled_ns", "t_sent_ns", "t_first_token_ns",
	"t_first_content_ns", "t_last_token_ns", "t_end_ns", "ttft_ms",
	"ttfc_ms", "e2e_ms", "tpot_ms", "client_lag_ms", "input_tokens",
	"input_tokens_source", "output_tokens", "output_tokens_source",
	"reasoning_tokens", "finish_reason", "chunks", "bytes",
	"server_prompt_ms", "server_decode_ms", "t_handed_ns", "connect_ms",
	"conn_reused", "conn_retried", "max_tokens",
	"server_prompt_tokens", "server_decode_tokens",
	"conversation_id", "turn", "context_tokens", "cached_tokens",
	"ttft_merged",
	/* per-request speeds (tok/s): kept just before the last two, their
	 * indices counted from the end (rec_write) */
	"prefill_tok_per_s", "gen_tok_per_s",
	/* last: the longest field, and scripts find it with $NF */
	"error", "chunk_log",
};
#define NCOLS (sizeof columns / sizeof columns[0])

int rec_open(const char *path, const char *meta_path, const json_t *meta,
	     const struct clk_anchor *anchor, struct rec **out, struct err *e)
{
	struct rec *w = calloc(1, sizeof *w);
	int rc;

	if (!w)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	w->anchor = *anchor;
	w->meta_path = meta_path;
	w->meta = meta;
	if ((rc = csv_writer_open(path, CSV_STAGED, &w->w, e))) {
		free(w);
		return rc;
	}
	if ((rc = csv_write_row(w->w, columns, NCOLS, e))) {
		csv_writer_close(w->w, 0, NULL);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

const char *rec_class_name(enum rclass c)
{
	static const char *const names[] = {
		"ok", "http_4xx", "http_5xx", "rate_limited", "timeout",
		"connect", "disconnect", "bad_stream", "cancelled",
	};

	return (size_t)c < sizeof names / sizeof names[0] ? names[c] : "bad_stream";
}

/* Fixed-size text for one field; "" stands for empty. */
struct fld {
	char s[40];
};

/* Rows are formatted by hand: snprintf took a sixth of llmrun's
 * instructions per request (callgrind, 2026-12-06), some 30 numbers a
 * row at about 1,000 instructions each. */

/* v in decimal, '-' first when negative; returns the length. */
static size_t fmt_i64(char *s, int64_t v)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char d[20];
	size_t n = 0, k = 0;

	if (v < 0)
		s[k++] = '-';
	do {
		d[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		s[k++] = d[--n];
	s[k] = '\0';
	return k;
}

/* ns / parts nanoseconds in milliseconds with three decimals, rounded to
 * the microsecond, halves away from zero. Integer arithmetic: "%.3f" of
 * a double rounds an exact half by its binary neighbour, this by the
 * value itself, and prints no "-0.000". */
static void fmt_ms(char *s, int64_t ns, int64_t parts)
{
	uint64_t a = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
	uint64_t us = (a + 500 * (uint64_t)parts) / (1000 * (uint64_t)parts);
	size_t k = 0;

	if (ns < 0 && us)
		s[k++] = '-';
	k += fmt_i64(s + k, (int64_t)(us / 1000));
	s[k++] = '.';
	s[k++] = (char)('0' + us / 100 % 10);
	s[k++] = (char)('0' + us / 10 % 10);
	s[k++] = (char)('0' + us % 10);
	s[k] = '\0';
}

static void put_ns(struct fld *f, const struct rec *w, int64_t mono)
{
	if (mono)
		fmt_i64(f->s, clk_to_wall(&w->anchor, mono));
}

static void put_ms(struct fld *f, int64_t from, int64_t to)
{
	if (from && to)
		fmt_ms(f->s, to - from, 1);
}

static void put_long(struct fld *f, long v)
{
	if (v >= 0)
		fmt_i64(f->s, v);
}

/* Empty past 1e18, which "%.3f" would cut to fit the field (a wrong
 * number that still reads as one). */
static void put_dbl(struct fld *f, double v)
{
	if (isfinite(v) && fabs(v) < 1e18)
		snprintf(f->s, sizeof f->s, "%.3f", v);
}

/* Per-request speeds in tokens/s (docs/metrics.md): prefill, input
 * tokens over TTFT; generation, the tokens after the first over the time
 * from the first token to the end (E2E - TTFT), the reciprocal of TPOT.
 * Empty where a count or time is missing or the span is zero. */
static void put_speeds(struct fld *pre, struct fld *gen, const struct rec_row *x)
{
	const struct resp *r = x->r;

	if (x->in_tokens >= 0 && x->t_sent && r->t_first_token > x->t_sent)
		put_dbl(pre, (double)x->in_tokens * 1e9 /
				     (double)(r->t_first_token - x->t_sent));
	if (x->out_tokens >= 2 && r->t_first_token && x->t_end > r->t_first_token)
		put_dbl(gen, (double)(x->out_tokens - 1) * 1e9 /
				     (double)(x->t_end - r->t_first_token));
}

int rec_write(struct rec *w, const struct rec_row *x, struct err *e)
{
	const struct resp *r = x->r;
	struct fld f[NCOLS];
	const char *v[NCOLS];
	size_t i;

	if (!w->published) {
		int rc = rec_publish(w, e);

		if (rc)
			return rc;
	}
	memset(f, 0, sizeof f);
	for (i = 0; i < NCOLS; i++)
		v[i] = f[i].s;
	v[0] = x->run_id;
	v[1] = x->target;
	v[2] = x->model;
	v[3] = x->api;
	v[4] = x->group;
	v[5] = x->row_id;
	v[6] = x->step_kind;
	snprintf(f[7].s, sizeof f[7].s, "%g", x->step);
	v[8] = x->schedule;
	put_long(&f[9], x->seq);
	put_long(&f[10], x->attempt);
	put_long(&f[11], x->retried);
	put_long(&f[12], x->warmup);
	v[13] = r->response_id;
	v[14] = rec_class_name(x->status);
	if (x->http_status > 0)
		put_long(&f[15], x->http_status);
	put_ns(&f[16], w, x->t_scheduled);
	put_ns(&f[17], w, x->t_sent);
	put_ns(&f[18], w, r->t_first_token);
	put_ns(&f[19], w, r->t_first_content);
	put_ns(&f[20], w, r->t_last_token);
	put_ns(&f[21], w, x->t_end);
	put_ms(&f[22], x->t_sent, r->t_first_token);
	put_ms(&f[23], x->t_sent, r->t_first_content);
	put_ms(&f[24], x->t_sent, x->t_end);
	if (x->out_tokens >= 2 && r->t_first_token && x->t_end)
		fmt_ms(f[25].s, x->t_end - r->t_first_token, x->out_tokens - 1);
	put_ms(&f[26], x->t_scheduled, x->t_sent);
	put_long(&f[27], x->in_tokens);
	v[28] = x->in_source ? x->in_source : "";
	put_long(&f[29], x->out_tokens);
	v[30] = x->out_source ? x->out_source : "";
	put_long(&f[31], r->reasoning_tokens);
	v[32] = r->finish;
	put_long(&f[33], r->chunks);
	put_long(&f[34], x->bytes);
	put_dbl(&f[35], r->server_prompt_ms);
	put_dbl(&f[36], r->server_decode_ms);
	put_ns(&f[37], w, x->t_handed);
	if (x->connect_ns >= 0)
		fmt_ms(f[38].s, x->connect_ns, 1);
	else if (x->conn_reused == 1)
		v[38] = "0";
	if (x->conn_reused >= 0) {
		put_long(&f[39], x->conn_reused);
		put_long(&f[40], x->conn_retried);
	}
	put_long(&f[41], x->max_tokens);
	put_long(&f[42], r->server_prompt_tokens);
	put_long(&f[43], r->server_decode_tokens);
	v[44] = x->conv ? x->conv : "";
	if (x->conv) {
		put_long(&f[45], x->turn);
		put_long(&f[46], x->context_tokens);
	}
	put_long(&f[47], r->cached_tokens);
	put_long(&f[48], r->first_merged);
	put_speeds(&f[NCOLS - 4], &f[NCOLS - 3], x);
	v[NCOLS - 2] = x->error;
	v[NCOLS - 1] = r->chunk_log.p ? r->chunk_log.p : "";
	return csv_write_row(w->w, v, NCOLS, e);
}

int rec_close(struct rec *w, int commit, struct err *e)
{
	int rc = commit ? rec_publish(w, e) : 0;

	if (rc)
		csv_writer_close(w->w, 0, NULL);
	else
		rc = csv_writer_close(w->w, commit || w->published, e);
	free(w);
	return rc;
}

enum rclass rec_classify(int curl_code, const char *errbuf, long http,
			 const struct resp *r, int cancelled,
			 const char *bad_stream, char *msg, size_t msz)
{
	CURLcode cc = (CURLcode)curl_code;

	msg[0] = '\0';
	if (cancelled) {
		snprintf(msg, msz, "cancelled by the user");
		return RC_CANCELLED;
	}
	if (bad_stream && *bad_stream) {
		snprintf(msg, msz, "%s", bad_stream);
		return RC_BAD_STREAM;
	}
	if (http >= 400) {
		snprintf(msg, msz, "HTTP %ld%s%s", http, r->err[0] ? ": " : "", r->err);
		if (http == 429)
			return RC_RATE_LIMITED;
		return http < 500 ? RC_HTTP_4XX : RC_HTTP_5XX;
	}
	if (r->err_class != RC_OK) {
		snprintf(msg, msz, "error in the response: %s", r->err);
		return r->err_class;
	}
	switch (cc) {
	case CURLE_OK:
		break;
	case CURLE_OPERATION_TIMEDOUT:
		http_error_text(curl_code, errbuf, msg, msz);
		return RC_TIMEOUT;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		http_error_text(curl_code, errbuf, msg, msz);
		return RC_CONNECT;
	default:
		http_error_text(curl_code, errbuf, msg, msz);
		return RC_DISCONNECT;
	}
	/* A clean close after finish_reason is a complete answer even without
	 * [DONE] (TGI and some proxies send none); in a dialect with no end
	 * marker at all (Triton, open_end), a clean close is the end. */
	if (!r->done && !r->finish[0] && !r->open_end) {
		snprintf(msg, msz, "the stream ended before its end marker");
		return RC_DISCONNECT;
	}
	/* An end marker alone, or events without a choice ({"foo": 1}, a
	 * body of {}): no text, no finish reason, no usage. Not an answer,
	 * whatever the status line said. */
	if (!r->chunks && !r->finish[0] && r->out_tokens <= 0) {
		snprintf(msg, msz, "the answer held no output: no text, no finish reason, no usage");
		return RC_BAD_STREAM;
	}
	return RC_OK;
}

int rec_meta_write(const char *path, const json_t *meta, struct err *e)
{
	struct ofile *o;
	int rc;

	if ((rc = ofile_open(path, &o, e)))
		return rc;
	if (json_dumpf(meta, ofile_fp(o), JSON_INDENT(2)) != 0 ||
	    fputc('\n', ofile_fp(o)) == EOF) {
		ofile_abort(o);
		return err_set(e, ERR_IO, "%s: write failed", path);
	}
	return ofile_commit(o, e);
}
