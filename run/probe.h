#ifndef LLMRUN_PROBE_H
#define LLMRUN_PROBE_H
/*
 * Before the sweep, what a new user would otherwise learn from the rows
 * after it: which model the server serves when --model was not given, and
 * whether one request like the run's first succeeds at all (a server that
 * is down, a wrong model, path or key). Blocking, with libcurl's easy
 * interface and the sweep's own headers and connection options.
 *
 * Ownership: arguments are borrowed; probe_model replaces t->model with a
 * string the target then owns.
 */
#include <stddef.h>

#include "corpus.h"
#include "err.h"
#include "options.h"

/* Sets t->model to the first model the server lists (GET /v1/models;
 * Ollama's /api/tags; TGI's /info), and says which in note. 0, or
 * ERR_UNAVAILABLE with the reason. */
int probe_model(const struct opts *o, struct opts_target *t, char *note,
		size_t nsz, struct err *e);

/* The probe's prompt: short, so that a prefix-caching server keeps no
 * block of it that a corpus prompt could share. */
#define PROBE_PROMPT "Say OK."

/* Sends one request built from row as the sweep would (max_tokens at most
 * 16). A server error (5xx, 429, a broken connection) is tried 3 times,
 * 0.2 s apart; anything else fails at once. 0, or ERR_UNAVAILABLE with
 * the class, the HTTP status and the server's own message. */
int probe_request(const struct opts *o, const struct opts_target *t,
		  const struct corpus_row *row, struct err *e);

#endif
