#ifndef LLMSIM_SERVER_H
#define LLMSIM_SERVER_H
/*
 * The HTTP server: libevent's evhttp and the engine's step timer in one
 * event loop, routes, request lifecycle, streaming, faults and the truth
 * log. Its files share their insides through server_int.h.
 *
 * Ownership: server_new's server is freed by server_free; c is borrowed
 * and must outlive it.
 */
#include <stdint.h>

#include "conf.h"
#include "err.h"

struct server;

/* Binds c->host:c->port (0: a free port), opens the tokenizer and the
 * truth log. Returns 0, or ERR_UNAVAILABLE (cannot bind), ERR_IO (truth
 * log), the tokenizer's error, ERR_SOFTWARE. */
int server_new(const struct sim_conf *c, struct server **out, struct err *e);

/* The port bound. */
int server_port(const struct server *s);

/* Serves until SIGINT, SIGTERM or SIGHUP, then ends requests in progress (they
 * are logged with fault "shutdown"). Returns 0, or ERR_IO when the truth
 * log could not be written. */
int server_run(struct server *s, struct err *e);

/* Steps of the wall clock seen while stamping arrivals: their number and
 * the largest, in ns (arrival.h). */
void server_clock_steps(const struct server *s, long *steps, int64_t *max_ns);

void server_free(struct server *s);

#endif
