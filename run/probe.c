#include "probe.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "api.h"
#include "buf.h"
#include "http.h"
#include "secrets.h"
#include "utf8.h"

/* An answer is read up to this much: enough for any error message. */
#define ANSWER_MAX (1u << 20)

struct answer {
	struct buf b;
	long http;
	CURLcode rc;
	char errbuf[CURL_ERROR_SIZE]; /* libcurl's detail of a failure */
	char why[CURL_ERROR_SIZE + 200]; /* what failed: http_error_text */
};

static size_t keep(char *p, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	struct err e;
	size_t n = size * nmemb;

	if (b->len + n > ANSWER_MAX)
		return n; /* the rest is not needed */
	return buf_add(b, p, n, &e) ? 0 : n;
}

/* GET url (body NULL) or POST body to url; fills a. */
static void fetch(const struct opts *o, const char *url, const char *body,
		  struct answer *a)
{
	CURL *h = curl_easy_init();
	struct curl_slist *hd = http_headers(o);

	memset(&a->b, 0, sizeof a->b);
	a->b.max = ANSWER_MAX + 1;
	a->http = 0;
	a->rc = CURLE_OUT_OF_MEMORY;
	a->errbuf[0] = a->why[0] = '\0';
	if (h && hd) {
		http_options(h, o, url);
		http_errbuf(h, a->errbuf);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &a->b);
		if (body) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		}
		a->rc = curl_easy_perform(h);
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->http);
	}
	if (a->rc != CURLE_OK)
		http_error_text(a->rc, a->errbuf, a->why, sizeof a->why);
	curl_slist_free_all(hd);
	if (h)
		curl_easy_cleanup(h);
}

/* The server's own words about a failure, from the shapes servers use:
 * {"error": {"message"}}, {"error": "..."}, {"detail": "..."},
 * {"message": "..."}; else the start of the body as text. */
static void server_message(const struct opts *o, const struct answer *a, char *msg, size_t msz)
{
	json_t *j = a->b.len ? json_loadb(a->b.p, a->b.len, 0, NULL) : NULL;
	json_t *er = json_object_get(j, "error");
	const char *m = json_string_value(json_object_get(er, "message"));

	if (!m)
		m = json_string_value(er);
	if (!m)
		m = json_string_value(json_object_get(j, "detail"));
	if (!m)
		m = json_string_value(json_object_get(j, "message"));
	if (m)
		snprintf(msg, msz, "%.300s", m);
	else
		snprintf(msg, msz, "%.*s", (int)(a->b.len < 200 ? a->b.len : 200),
			 a->b.p ? a->b.p : "");
	secret_scrub(o, msg, msz);
	/* One line in a message. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	json_decref(j);
}

int probe_model(const struct opts *o, struct opts_target *t, char *note,
		size_t nsz, struct err *e)
{
	const char *name = t->api->name;
	int ollama = strcmp(name, "ollama") == 0, tgi = strcmp(name, "tgi") == 0;
	char *url = http_url(t->url, ollama ? "/api/tags" : tgi ? "/info" : "/v1/models"), *shown;
	struct answer a;
	json_t *j, *list;
	const char *id = NULL;
	char msg[400] = "";
	int rc = 0;

	if (!url || !(shown = secret_url_shown(url))) {
		free(url);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	fetch(o, url, NULL, &a);
	j = a.b.len ? json_loadb(a.b.p, a.b.len, 0, NULL) : NULL;
	list = json_object_get(j, ollama ? "models" : "data");
	if (tgi)
		id = json_string_value(json_object_get(j, "model_id"));
	else
		id = json_string_value(json_object_get(json_array_get(list, 0), ollama ? "name" : "id"));
	if (a.rc != CURLE_OK) {
		rc = err_set(e, ERR_UNAVAILABLE, "no --model given, and %s: %s", shown, a.why);
	} else if (!id || !*id) {
		server_message(o, &a, msg, sizeof msg);
		rc = err_set(e, ERR_UNAVAILABLE, "no --model given, and %s lists none "
			     "(HTTP %ld%s%s): give --model", shown, a.http, msg[0] ? ": " : "", msg);
	} else {
		char *m = strdup(id);

		if (!m) {
			rc = err_set(e, ERR_SOFTWARE, "out of memory");
		} else {
			free(t->model);
			t->model = m;
			snprintf(note, nsz, "%s: no --model given: using %s, the first model %s lists",
				 t->name, m, shown);
			utf8_unctrl(note); /* the server's name, shown on a terminal */
		}
	}
	json_decref(j);
	buf_free(&a.b);
	free(url);
	free(shown);
	return rc;
}

/* A failure worth another try: the server's, not the request's. */
static int transient(const struct answer *a)
{
	if (a->rc == CURLE_COULDNT_CONNECT || a->rc == CURLE_COULDNT_RESOLVE_HOST ||
	    a->rc == CURLE_PEER_FAILED_VERIFICATION || a->rc == CURLE_SSL_CONNECT_ERROR)
		return 0;
	return a->rc != CURLE_OK || a->http >= 500 || a->http == 429;
}

int probe_request(const struct opts *o, const struct opts_target *t,
		  const struct corpus_row *row, struct err *e)
{
	long max;
	char *body, *shown = NULL,
		    *url = http_url(t->url, o->stream ? t->api->path_stream : t->api->path_plain);
	struct answer a = {0};
	char msg[400] = "";
	int rc = 0;

	body = http_body(o, t, row, 16, &max);
	if (!url || !body || !(shown = secret_url_shown(url))) {
		free(url);
		free(body);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	for (int i = 0; i < 3; i++) {
		struct timespec pause = {0, 200000000};

		buf_free(&a.b);
		fetch(o, url, body, &a);
		if (!transient(&a))
			break;
		nanosleep(&pause, NULL);
	}
	if (a.rc != CURLE_OK) {
		rc = err_set(e, ERR_UNAVAILABLE, "probe: %s: %s", shown, a.why);
	} else if (a.http >= 300) {
		server_message(o, &a, msg, sizeof msg);
		rc = err_set(e, ERR_UNAVAILABLE, "probe: %s: HTTP %ld%s%s", shown, a.http,
			     msg[0] ? ": " : "", msg);
	} else if (!o->stream && a.b.len) {
		/* A 200 that carries an error object (some servers do). */
		json_t *j = json_loadb(a.b.p, a.b.len, 0, NULL);

		if (json_object_get(j, "error")) {
			server_message(o, &a, msg, sizeof msg);
			rc = err_set(e, ERR_UNAVAILABLE, "probe: %s: an error in the answer: %s",
				     shown, msg);
		}
		json_decref(j);
	}
	if (rc)
		err_prefix(e, "%s", t->name);
	buf_free(&a.b);
	free(url);
	free(shown);
	free(body);
	return rc;
}
