/* Connections opened before a step's clock starts. */
#include "engine_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t discard(char *p, size_t size, size_t nmemb, void *ud)
{
	(void)p, (void)ud;
	return size * nmemb;
}

/* Did a preconnect reach the server? An HTTP answer, or at least the
 * connection made (TLS included): a server that accepts and then stays
 * silent is reached, and its requests will time out as rows. */
static int reached(CURL *h, CURLcode rc)
{
	curl_off_t conn = 0, tls = 0;
	char *url = NULL;

	if (rc == CURLE_OK)
		return 1;
	curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &conn);
	curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &tls);
	curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &url);
	return conn > 0 && (tls > 0 || !url || strncmp(url, "https:", 6) != 0);
}

/* Handles libcurl's sockets and timer until no transfer is left; returns
 * 0, or -1 when the stop flag ended it. */
static int run_until_idle(struct eng *g, CURL **h, long n, long *ok,
			  char *why, size_t wsz)
{
	struct epoll_event evs[WAKE_MAX];
	long left = n;
	int running;

	curl_multi_socket_action(g->m, CURL_SOCKET_TIMEOUT, 0, &running);
	g->timeout_now = 0;
	while (left > 0) {
		int k = epoll_wait(g->ep, evs, WAKE_MAX, g->timeout_now ? 0 : 200);
		CURLMsg *m;
		int q;

		if (*g->cx.stop)
			return -1;
		if (g->timeout_now) {
			g->timeout_now = 0;
			curl_multi_socket_action(g->m, CURL_SOCKET_TIMEOUT, 0, &running);
		}
		for (int i = 0; i < k; i++) {
			int fd = evs[i].data.fd, flags;
			uint64_t ticks;

			if (fd == g->tsend || fd == g->tretry)
				continue;
			if (fd == g->tcurl) {
				if (read(fd, &ticks, sizeof ticks) > 0)
					curl_multi_socket_action(g->m, CURL_SOCKET_TIMEOUT,
								 0, &running);
				continue;
			}
			flags = eng_curl_flags(evs[i].events);
			curl_multi_socket_action(g->m, fd, flags, &running);
		}
		while ((m = curl_multi_info_read(g->m, &q))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			for (long i = 0; i < n; i++) {
				if (h[i] != m->easy_handle)
					continue;
				if (reached(h[i], m->data.result)) {
					(*ok)++;
				} else if (!why[0]) {
					char *ip = NULL;
					long port = 0;

					curl_easy_getinfo(h[i], CURLINFO_PRIMARY_IP, &ip);
					curl_easy_getinfo(h[i], CURLINFO_PRIMARY_PORT, &port);
					if (ip && *ip)
						snprintf(why, wsz, "%s port %ld: %s", ip, port,
							 curl_easy_strerror(m->data.result));
					else
						snprintf(why, wsz, "%s",
							 curl_easy_strerror(m->data.result));
				}
				curl_multi_remove_handle(g->m, h[i]);
				left--;
				break;
			}
		}
	}
	return 0;
}

/*
 * Opens n connections before the step's clock starts, as wrk and h2load
 * do, so the step measures the server and not TCP and TLS set-up: n
 * concurrent GET /health (any HTTP answer will do; the connection is what
 * counts) leave n connections in libcurl's pool, or fewer when some
 * already were. Returns 0 when at least one connection worked (a failure
 * of some is reported on warn), ERR_UNAVAILABLE when none did.
 */
int pre_connect(struct eng *g, long n, FILE *warn, struct err *e)
{
	CURL **h = calloc((size_t)n, sizeof *h);
	CURLU *u = curl_url();
	char *url = NULL, why[300] = "";
	const struct opts *o = g->cx.o;
	double t = o->connect_timeout_s < o->timeout_s ? o->connect_timeout_s : o->timeout_s;
	long ok = 0, made = 0, timeout_ms = (long)(t * 1000);
	int rc = 0;

	if (!h || !u || curl_url_set(u, CURLUPART_URL, g->url, 0) ||
	    curl_url_set(u, CURLUPART_PATH, "/health", 0) ||
	    curl_url_set(u, CURLUPART_QUERY, NULL, 0) ||
	    curl_url_get(u, CURLUPART_URL, &url, 0)) {
		rc = err_set(e, ERR_SOFTWARE, "preconnect: out of memory");
		goto out;
	}
	for (; made < n; made++) {
		if (!(h[made] = curl_easy_init()))
			break;
		req_setup(g, h[made], NULL);
		curl_easy_setopt(h[made], CURLOPT_URL, url);
		curl_easy_setopt(h[made], CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(h[made], CURLOPT_TIMEOUT_MS, timeout_ms);
		if (curl_multi_add_handle(g->m, h[made]) != CURLM_OK) {
			curl_easy_cleanup(h[made]);
			break;
		}
	}
	if (run_until_idle(g, h, made, &ok, why, sizeof why) < 0) {
		for (long i = 0; i < made; i++)
			curl_multi_remove_handle(g->m, h[i]);
	} else if (ok == 0) {
		rc = err_set(e, ERR_UNAVAILABLE, "cannot connect to %s (%s)",
			     g->cx.t->url, why[0] ? why : "no connection could be made");
	} else if (ok < n && warn) {
		fprintf(warn, "llmrun: preconnect: %ld of %ld connections failed: %s\n",
			n - ok, n, why[0] ? why : "out of memory");
	}
out:
	for (long i = 0; h && i < made; i++)
		curl_easy_cleanup(h[i]);
	free(h);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

/* How many connections to open before the step: --preconnect=N, else the
 * batch size of a closed-loop step; none by default in open loop, where
 * the connections needed are not known beforehand. */
long pre_count(const struct eng *g, const struct eng_step *s)
{
	const struct opts *o = g->cx.o;

	if (o->preconnect == 0 || o->no_keepalive)
		return 0;
	if (o->preconnect_n > 0)
		return o->preconnect_n;
	if (s->times)
		return 0;
	return o->http2 ? 1 : s->batch;
}

