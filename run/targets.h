#ifndef LLMRUN_TARGETS_H
#define LLMRUN_TARGETS_H
/*
 * The run's endpoints, o->targets: the one that --url, --api, --model and
 * --extra-body name, or the rows of a --targets file (CSV here, YAML
 * through targets_yaml.h); their URLs checked once every option is known;
 * and the options each target's requests are sent with.
 *
 * Ownership: arguments are borrowed; the targets put in o are o's,
 * released by opts_free.
 */
#include "err.h"
#include "options.h"

/* 1 when u starts with http:// or https:// (any case). */
int tgt_http_url(const char *u);

/*
 * Loads --targets path into o->targets: YAML when it is named *.yaml or
 * *.yml (tyaml_load; each target's headers are o->headers, -H's, then its
 * own), else CSV with columns name and url, and optional model (none:
 * asked of the server), api and extra_body. Returns 0, or ERR_NOINPUT
 * (cannot open), ERR_DATA ("path:line: ..." for a bad row; no targets),
 * ERR_USAGE (YAML: api_key_env not set), ERR_IO, ERR_SOFTWARE.
 */
int tgt_load(const char *path, struct opts *o, struct err *e);

/*
 * The one target "default" from --url (url, already checked for its
 * scheme), --api, --model and --extra-body (extra, NULL for none), as
 * o->targets[0]; its model is asked of the server unless o->model_given.
 * Returns 0, or ERR_USAGE (an unknown api; extra not a JSON object),
 * ERR_SOFTWARE.
 */
int tgt_from_url(struct opts *o, const char *url, const char *api,
		 const char *model, const char *extra, struct err *e);

/*
 * Checks every target against the options, once all are known: a dialect
 * without a streaming endpoint needs --no-stream; a URL ending in a
 * dialect's path is cut to the base URL (said in o->note) when the path is
 * the target's api's own, and refused when it is another's. Returns 0 or
 * ERR_USAGE (ERR_SOFTWARE when out of memory).
 */
int tgt_check(struct opts *o, struct err *e);

/* o with t's API key and headers where t has its own (a shallow copy:
 * never passed to opts_free), for the requests of target t. */
void tgt_opts(const struct opts *o, const struct opts_target *t,
	      struct opts *out);

#endif
