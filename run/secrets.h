#ifndef LLMRUN_SECRETS_H
#define LLMRUN_SECRETS_H
/*
 * What must never be shown: the run's API key, read from a file or the
 * environment; which headers and query parameters hold credentials; and
 * their values redacted from messages, URLs and the recorded command line.
 *
 * Ownership: arguments are borrowed; what secret_load_key and
 * secret_url_shown return is the caller's (the key is o->api_key, which
 * opts_free wipes and frees).
 */
#include <stddef.h>

#include <jansson.h>

#include "err.h"

struct opts;

/*
 * The run's API key into *key (a new string; left NULL when there is
 * none): the first line of key_file (--api-key-file, trailing blanks cut)
 * when given, else $key_env (--api-key-env), else $OPENAI_API_KEY (empty:
 * none). Returns 0, or ERR_NOINPUT (key_file cannot be opened), ERR_DATA
 * (no key on its first line), ERR_USAGE ($key_env not set; the key holds
 * a line break), ERR_SOFTWARE. A key refused for its line break is still
 * in *key, the caller's to free. Messages never quote the key.
 */
int secret_load_key(const char *key_file, const char *key_env, char **key,
		    struct err *e);

/* 1 when header line h ("Name: value" or a name) names a credential: its
 * name holds key, token, secret, sig, pass, auth, credential or cookie
 * (Authorization, X-Api-Key, X-Goog-Api-Key, Cookie, ...). */
int secret_header(const char *h);

/* Replaces in s (room for size bytes), a message that may repeat what a
 * server was sent, o's API key and the values of its secret headers by
 * [redacted]: a server that echoes a bad key in its error would else put
 * it in the rows and on the terminal. */
void secret_scrub(const struct opts *o, char *s, size_t size);

/* URL u as it may be shown (metadata, notes, errors): its user:password
 * and the values of query parameters whose names look secret (with key,
 * token, secret, sig, pass, auth or credential in them) replaced by
 * [redacted]. A new string the caller frees; NULL when out of memory. */
char *secret_url_shown(const char *u);

/* The command line with header values that may hold secrets redacted, and
 * URLs as secret_url_shown shows them, as a JSON array of strings (new
 * reference). */
json_t *secret_argv_redacted(const struct opts *o);

#endif
