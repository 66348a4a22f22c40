#ifndef LLMSIM_ROUTE_H
#define LLMSIM_ROUTE_H
/*
 * Which dialect (sim/wire.h) a request is for: its path, then where two
 * dialects share one (TGI's and SGLang's /generate), its body.
 *
 * Ownership: the dialects are static; route_path_model's string is the
 * caller's, released with free.
 */
#include <event2/http.h>
#include <jansson.h>

#include "wire.h"

/* The first dialect whose path matches path (WIRE_MODEL_MARK standing for
 * one or more bytes), or NULL. */
const struct wire *route_find(const char *path);

/* The dialect on w's path that root's shape names; w when none. */
const struct wire *route_by_body(const struct wire *w, const json_t *root);

/* The model req's path names, percent-decoded (the caller frees), or NULL
 * when w's path names none (or out of memory). */
char *route_path_model(const struct wire *w, struct evhttp_request *req);

#endif
