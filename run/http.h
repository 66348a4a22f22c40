#ifndef LLMRUN_HTTP_H
#define LLMRUN_HTTP_H
/*
 * What every HTTP request of llmrun carries, the sweep's and the probe's
 * alike: the headers (content type, the API key, -H) and the options of
 * the connection (TLS, HTTP version, timeouts, keep-alive). One place, so
 * a probe that passes means the sweep's requests are made the same way.
 *
 * Ownership: http_headers returns a list the caller frees with
 * curl_slist_free_all; it holds the API key, which the list's memory keeps
 * until then (libcurl copies nothing else).
 */
#include <curl/curl.h>

#include "corpus.h"
#include "options.h"

/* base + path, naming "/v1" once ("http://h/v1" + "/v1/completions"),
 * base's query after the path, its fragment dropped; a new string the
 * caller frees, NULL when out of memory. */
char *http_url(const char *base, const char *path);

/* When t's dialect names the model in its paths (Triton, MII), points
 * t->api at a copy bound to t->model (owned by t, as t->bound); call once
 * the model is known (after the probe's look-up). 0 or ERR_SOFTWARE. */
int http_bind(struct opts_target *t, struct err *e);

/* The headers of every request; NULL when out of memory. */
struct curl_slist *http_headers(const struct opts *o);

/* Sets h's connection options for url (https picks HTTP/2 by ALPN with
 * --http2; cleartext asks for h2c). */
void http_options(CURL *h, const struct opts *o, const char *url);

/* Keeps libcurl's detail of h's failures in buf (CURL_ERROR_SIZE bytes,
 * the caller's, as long as h lives), emptied now. */
void http_errbuf(CURL *h, char *buf);

/* What a failed transfer says (NUL-terminated in out, n bytes): the text
 * of its libcurl code, and for TLS failures and failed reads or writes
 * libcurl's detail from errbuf (which certificate check failed, what the
 * server's alert said, "Connection reset by peer"), with --cacert and
 * --insecure named when a certificate was refused. Connect, resolve and
 * timeout failures keep the code's text alone: their detail holds ports
 * and times, which would split the summary's count of alike failures. */
void http_error_text(int curl_code, const char *errbuf, char *out, size_t n);

/* The JSON body (compact, a string the caller frees) of t's request for
 * row, with the options' sampling fields and t's extra body; max_tokens
 * is at most cap when cap > 0. *max_tokens gets what was asked (-1 none).
 * NULL when out of memory. */
char *http_body(const struct opts *o, const struct opts_target *t,
		const struct corpus_row *row, long cap, long *max_tokens);

/* As http_body, for a conversation's turn: its earlier messages h[0..n)
 * (borrowed) go before row's prompt. The dialect must be a chat one. */
char *http_body_turn(const struct opts *o, const struct opts_target *t,
		     const struct corpus_row *row, const struct api_msg *h,
		     size_t n, long *max_tokens);

#endif
