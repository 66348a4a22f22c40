#include "http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "api.h"

char *http_url(const char *base, const char *path)
{
	/* A query stays a query, after the path (Azure's "?api-version=");
	 * a fragment is never sent. */
	size_t bl = strcspn(base, "?#");
	const char *q = base + bl;
	size_t ql = *q == '?' ? strcspn(q, "#") : 0;
	char *u;

	while (bl && base[bl - 1] == '/')
		bl--;
	if (bl >= 3 && strncmp(base + bl - 3, "/v1", 3) == 0 && strncmp(path, "/v1/", 4) == 0)
		bl -= 3;
	return asprintf(&u, "%.*s%s%.*s", (int)bl, base, path, (int)ql, q) < 0 ? NULL : u;
}

int http_bind(struct opts_target *t, struct err *e)
{
	struct api *b;

	if (t->bound || !api_names_model(t->api))
		return 0;
	if (!(b = api_bind(t->api, t->model)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	t->bound = b;
	t->api = b;
	return 0;
}

/* Whether a -H header has this name. Sent beside the built-in one, it
 * would reach the server twice, and servers take the first: the user's
 * would do nothing. */
static int user_sets(const struct opts *o, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < o->nheaders; i++)
		if (!strncasecmp(o->headers[i], name, len) &&
		    (o->headers[i][len] == ':' || o->headers[i][len] == ';'))
			return 1;
	return 0;
}

/* Appends line to *h; -1 when out of memory. */
static int add(struct curl_slist **h, const char *line)
{
	struct curl_slist *n = curl_slist_append(*h, line);

	if (!n)
		return -1;
	*h = n;
	return 0;
}

struct curl_slist *http_headers(const struct opts *o)
{
	struct curl_slist *h = NULL;

	if (!user_sets(o, "Content-Type") && add(&h, "Content-Type: application/json"))
		goto fail;
	/* Without this, libcurl waits for "100 Continue" on large bodies. */
	if (!user_sets(o, "Expect") && add(&h, "Expect:"))
		goto fail;
	if (o->api_key && !user_sets(o, "Authorization")) {
		size_t len = strlen(o->api_key) + 32;
		char *a = malloc(len);
		int bad;

		if (!a)
			goto fail;
		snprintf(a, len, "Authorization: Bearer %s", o->api_key);
		bad = add(&h, a);
		explicit_bzero(a, len);
		free(a);
		if (bad)
			goto fail;
	}
	for (size_t i = 0; i < o->nheaders; i++)
		if (add(&h, o->headers[i]))
			goto fail;
	return h;
fail:
	curl_slist_free_all(h);
	return NULL;
}

void http_options(CURL *h, const struct opts *o, const char *url)
{
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(o->timeout_s * 1000));
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->connect_timeout_s * 1000));
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, NULL);
	if (o->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->cacert);
	if (o->http2) {
		/* TLS negotiates h2 by ALPN; cleartext asks with an h2c
		 * Upgrade, so a server without HTTP/2 still answers in 1.1. */
		curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
				 strncmp(url, "https:", 6) == 0 ? (long)CURL_HTTP_VERSION_2TLS
								: (long)CURL_HTTP_VERSION_2_0);
		curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	}
	if (o->no_keepalive) {
		curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	}
}

void http_errbuf(CURL *h, char *buf)
{
	buf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, buf);
}

void http_error_text(int curl_code, const char *errbuf, char *out, size_t n)
{
	CURLcode cc = (CURLcode)curl_code;
	const char *what = curl_easy_strerror(cc), *hint = "";
	int detail = 0;

	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		/* Not for a name that does not match: no CA file helps. */
		if (!errbuf || !*errbuf || strstr(errbuf, "certificate problem"))
			hint = " (--cacert FILE trusts its issuer, --insecure skips the check)";
		/* fallthrough */
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		detail = errbuf && *errbuf && strcmp(errbuf, what) != 0;
		break;
	default:
		break;
	}
	if (detail) {
		size_t k = strlen(errbuf);

		while (k > 0 && (errbuf[k - 1] == '\n' || errbuf[k - 1] == ' '))
			k--;
		snprintf(out, n, "%s: %.*s%s", what, (int)k, errbuf, hint);
	} else {
		snprintf(out, n, "%s%s", what, hint);
	}
}

static char *body_of(const struct opts *o, const struct opts_target *t,
		     const struct corpus_row *row, const struct api_msg *h,
		     size_t nh, long cap, long *max_tokens)
{
	struct api_req ar;
	json_t *b;
	char *s;

	memset(&ar, 0, sizeof ar);
	ar.history = h;
	ar.nhistory = nh;
	ar.model = t->model;
	ar.prompt = row->prompt;
	ar.system = o->system;
	ar.max_tokens = o->max_tokens >= 0 ? o->max_tokens : row->output_tokens;
	if (cap > 0 && (ar.max_tokens < 0 || ar.max_tokens > cap))
		ar.max_tokens = cap;
	ar.min_tokens = o->min_tokens;
	if (cap > 0 && ar.min_tokens > ar.max_tokens)
		ar.min_tokens = -1;
	ar.ignore_eos = o->ignore_eos;
	ar.stream = o->stream;
	ar.continuous_usage = o->continuous_usage;
	ar.temperature = o->temperature;
	ar.top_p = o->top_p;
	b = t->api->body(&ar);
	*max_tokens = ar.max_tokens;
	if (b && t->extra) {
		json_object_update_recursive(b, t->extra);
		/* The most tokens asked for is what the body sends: an extra
		 * body's own max_tokens too (the row said 27 where 7 went out,
		 * and llmanalyze saw outputs that "ended early"). */
		if (t->api->max_key) {
			char key[64], *dot;
			json_t *v = b;

			snprintf(key, sizeof key, "%s", t->api->max_key);
			for (char *k = key; v && k; k = dot ? dot + 1 : NULL) {
				if ((dot = strchr(k, '.')))
					*dot = '\0';
				v = json_object_get(v, k);
			}
			if (json_is_integer(v))
				*max_tokens = (long)json_integer_value(v);
		}
	}
	s = b ? json_dumps(b, JSON_COMPACT) : NULL;
	json_decref(b);
	return s;
}

char *http_body(const struct opts *o, const struct opts_target *t,
		const struct corpus_row *row, long cap, long *max_tokens)
{
	return body_of(o, t, row, NULL, 0, cap, max_tokens);
}

char *http_body_turn(const struct opts *o, const struct opts_target *t,
		     const struct corpus_row *row, const struct api_msg *h,
		     size_t n, long *max_tokens)
{
	return body_of(o, t, row, h, n, 0, max_tokens);
}
