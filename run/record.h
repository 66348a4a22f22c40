#ifndef LLMRUN_RECORD_H
#define LLMRUN_RECORD_H
/*
 * The results file (docs/formats.md, "Results CSV"): one row per request,
 * written through the CSV writer in CSV_STAGED mode: each row is flushed
 * as its request ends, and the file (with its .meta.json) takes its name
 * when the sweep's first step starts (rec_publish), so a killed run keeps
 * every finished row and a run that fails before (the scraper, a
 * preconnect) leaves an earlier file of that name as it was. Also the error classifier, so every dialect and
 * every failure ends in the same classes.
 *
 * Ownership: rec_open returns a writer released by rec_close. Rows are
 * borrowed.
 */
#include <stdint.h>

#include <jansson.h>

#include "api.h"
#include "clk.h"
#include "err.h"

/* One finished request. Times are monotonic ns (0 = none). */
struct rec_row {
	const char *run_id, *target, *model, *api;
	const char *group, *row_id;
	const char *step_kind; /* batch, rate, trace */
	double step;
	const char *schedule;
	long seq;
	int attempt;
	int retried; /* this attempt failed and another was made (--retries) */
	int warmup;
	enum rclass status;
	long http_status; /* 0 when none */
	int64_t t_scheduled; /* when it was due */
	int64_t t_handed;    /* handed to libcurl */
	int64_t t_sent;      /* written to a ready connection; 0 never sent */
	int64_t t_end;
	int64_t connect_ns;  /* new connection's set-up before the send, -1 none */
	int conn_reused;     /* 1 kept-alive connection, 0 new, -1 not sent */
	int conn_retried;    /* sent again on a new connection: the kept-alive
				one it went on first was dead */
	long max_tokens;     /* requested, -1 not sent */
	const struct resp *r;
	long in_tokens;        /* -1 unknown */
	const char *in_source; /* usage, tokenizer, corpus; NULL unknown */
	long out_tokens;
	const char *out_source; /* usage, tokenizer, chunks */
	long bytes;
	const char *error; /* "" when ok */
	/* A conversation's turn (session.h); conv NULL, turn and
	 * context_tokens -1 otherwise. context_tokens: the prompt tokens of
	 * the whole request (history included), -1 unknown. */
	const char *conv;
	long turn;
	long context_tokens;
};

struct rec;

/* Opens path ("-" for stdout) and writes the header, under a temporary
 * name. meta (borrowed; may change until the first row) is written to
 * meta_path (NULL: none) when the file takes its name. 0, ERR_NOINPUT
 * (folder missing) or ERR_IO. */
int rec_open(const char *path, const char *meta_path, const json_t *meta,
	     const struct clk_anchor *anchor, struct rec **out, struct err *e);

/* Writes the metadata, then gives the results file its name (once; what
 * a step does when its clock starts). 0 or ERR_IO. */
int rec_publish(struct rec *w, struct err *e);

/* Writes and flushes one row (publishing first if not yet). 0 or ERR_IO. */
int rec_write(struct rec *w, const struct rec_row *row, struct err *e);

/* 1 once the file has its name (a row was written, or rec_close
 * committed). */
int rec_published(const struct rec *w);

/* Closes. commit: a file without rows takes its name (with its metadata)
 * too; else it is removed, and an earlier file of that name stays. A file
 * with rows keeps them either way. 0 or ERR_IO. */
int rec_close(struct rec *w, int commit, struct err *e);

/* also(ud) runs when the results are published (after them): a file
 * that belongs with them (FILE.metrics.csv) takes its name then too. */
void rec_on_publish(struct rec *w, int (*also)(void *ud, struct err *e), void *ud);

/* The name written for a class ("ok", "http_5xx", ...). */
const char *rec_class_name(enum rclass c);

/*
 * Classifies a finished request from libcurl's result code, the HTTP
 * status (0 when none), what the response carried, whether it was
 * cancelled and whether its stream was malformed. Writes a short message
 * into msg ("" when ok). Order: cancelled; malformed stream; HTTP status
 * >= 400; an error object in the response (its code's class, else
 * http_5xx); curl errors (timeout, connect, else disconnect), said with libcurl's
 * detail from errbuf (its CURLOPT_ERRORBUFFER, may be NULL) where it
 * helps; a stream that ended before its end marker and without a finish
 * reason (disconnect).
 */
enum rclass rec_classify(int curl_code, const char *errbuf, long http,
			 const struct resp *r, int cancelled,
			 const char *bad_stream, char *msg, size_t msz);

/* Writes meta to path atomically (temporary file and rename). */
int rec_meta_write(const char *path, const json_t *meta, struct err *e);

#endif
