#ifndef LLMRUN_SCRAPE_H
#define LLMRUN_SCRAPE_H
/*
 * --scrape: reads a Prometheus endpoint (vLLM's GET /metrics) every
 * interval in a thread of its own, with a blocking libcurl easy handle
 * and a time limit of one interval, so the engine's loop never waits on
 * it, and appends every sample to FILE.metrics.csv:
 *   t_ns,name,labels,value
 * t_ns: epoch ns, under the run's clock anchor, of the moment the page
 * came back (the server rendered it before): the kernel's receive stamp
 * of its first byte when o->recv_wrap (this thread's reads of its socket
 * go through recvstamp.h) and the URL is http://, else when libcurl read
 * its first byte; the same clock as the results' t_*_ns stamps.
 * labels: LABEL="VALUE" pairs joined
 * by ",", escaped as in the exposition format. value: %.17g, or NaN, +Inf,
 * -Inf. A sample's own exposition timestamp is not kept.
 *
 * A scrape is kept whole or not at all: a page that fails to parse adds
 * no rows. A failed scrape (connect, time limit, HTTP status, a malformed
 * or oversized page) is reported once through say (the first failure of
 * the run; the count is in the stats) and the next interval tries again;
 * it never fails the run. Rows are appended and flushed per scrape, so an
 * interrupted run keeps what was scraped once the file is published; the file stops growing before
 * the first scrape that could take it past max_bytes (reported once).
 * Samples whose labels are over 8 KiB are left out.
 *
 * Ownership: scrape_start's value is freed by scrape_stop. conf and what
 * it points to are borrowed and must outlive it. say is called from the
 * scraper's thread.
 */
#include <stdint.h>

#include "clk.h"
#include "err.h"
#include "options.h"

struct scrape;

struct scrape_conf {
	const char *url;
	double interval_s;
	const char *path;              /* the CSV written */
	long long max_bytes;           /* the file's cap, header included */
	const struct clk_anchor *anchor;
	const struct opts *o;          /* TLS options */
	void (*say)(void *user, const char *msg);
	void *user;
};

struct scrape_stats {
	long tries, ok, failed; /* scrapes; failed + ok == tries */
	long rows;              /* samples written */
	int capped;             /* the file reached max_bytes */
	double cpu_s;           /* CPU time the scraper thread used */
	int kept;               /* published, or committed: not discarded */
};

/* Creates path's temporary file (its header written), then starts the
 * thread, which scrapes at once and then every interval. Returns 0,
 * ERR_IO or ERR_NOINPUT (cannot create path), ERR_SOFTWARE. */
int scrape_start(const struct scrape_conf *conf, struct scrape **out,
		 struct err *e);

/* Gives the file its name (when the results get theirs: a run that fails
 * before leaves an earlier FILE.metrics.csv as it was); later rows go to
 * it. 0 or ERR_IO. */
int scrape_publish(struct scrape *s, struct err *e);

/* Scrapes once more (the counters' final values; a scrape in flight that
 * has taken a second is dropped, the last one has a second at most), stops the thread and
 * closes the file: named when commit, else removed unless published. st
 * may be NULL. Returns 0, or ERR_IO when the file could not be written.
 * Frees s. */
int scrape_stop(struct scrape *s, int commit, struct scrape_stats *st, struct err *e);

#endif
