/* The step's connections: kept in one group per request slot, and opened
 * before a step's clock starts. */
#include "engine_int.h"
#include "http.h"
#include "secrets.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A group's host name: never looked up in DNS (CURLOPT_RESOLVE gives
 * libcurl its addresses), and ".invalid" is no real name (RFC 6761). */
#define GRP_NAME "g%ld.llmrun.invalid"
/* Request slots per group: libcurl walks a group's connections to find an
 * idle one, and every name's entry in its DNS cache at each transfer's
 * start (its pruning), so neither may grow with the number of streams:
 * at 1,000 streams, 32 groups of 32. */
#define GRP_SLOTS 32

/* Is a proxy set in the environment? libcurl would send through it, and
 * then the connect-to names would stand for the proxy's address. */
static int proxied(void)
{
	static const char *const v[] = {"http_proxy", "HTTP_PROXY", "https_proxy",
					"HTTPS_PROXY", "all_proxy", "ALL_PROXY"};

	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		const char *s = getenv(v[i]);

		if (s && *s)
			return 1;
	}
	return 0;
}

/* The addresses host resolves to, as CURLOPT_RESOLVE lists them
 * ("127.0.0.1", "[::1]", comma-separated, in getaddrinfo's order, as
 * libcurl would try them); 0, or -1 when it cannot say. */
static int addrs_of(const char *host, const char *port, struct buf *b)
{
	struct addrinfo hints, *res = NULL;
	struct err e;
	int rc = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (struct addrinfo *a = res; a && !rc; a = a->ai_next) {
		char ip[INET6_ADDRSTRLEN];

		if (a->ai_family == AF_INET) {
			const struct sockaddr_in *in = (const void *)a->ai_addr;

			inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
			rc = buf_printf(b, &e, "%s%s", b->len ? "," : "", ip);
		} else if (a->ai_family == AF_INET6) {
			const struct sockaddr_in6 *in6 = (const void *)a->ai_addr;

			/* A zone (fe80::1%eth0) has no place in the list. */
			if (in6->sin6_scope_id)
				rc = -1;
			else
				inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
			if (!rc)
				rc = buf_printf(b, &e, "%s[%s]", b->len ? "," : "", ip);
		}
	}
	freeaddrinfo(res);
	return rc || !b->len ? -1 : 0;
}

/*
 * libcurl 7.88 finds a connection to reuse by walking every connection to
 * the host, in use or not, in order: at 1,000 streams the 1,000th request
 * of a step walked past 999, about 30 us and more per request on a quiet
 * machine (O(n^2) at a step's start, O(n) per request after). So each
 * request slot gets a host name of its own for its connections
 * (CURLOPT_CONNECT_TO), resolved to the target's addresses (CURLOPT_RESOLVE);
 * libcurl keeps one bundle per name, and a slot finds its own idle
 * connection at once. The URL, the Host header, TLS's server name and
 * its certificate check stay the target's. Off with HTTP/2 (streams of
 * all slots share a connection), --no-keepalive, a proxy in the
 * environment, or when the host does not resolve here (libcurl then
 * reports it as it would). The addresses are looked up once per run, so
 * a DNS change during the run is not followed.
 */
void pre_groups_init(struct eng *g)
{
	const struct opts *o = g->cx.o;
	char *host = NULL, *port = NULL;
	struct buf b = BUF_INIT;

	g->grp_port = 0;
	if (o->http2 || o->no_keepalive || proxied() || !g->uh)
		return;
	if (curl_url_get(g->uh, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(g->uh, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		size_t hl = strlen(host);

		/* An IPv6 literal comes in brackets. */
		if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
			memmove(host, host + 1, hl - 2);
			host[hl - 2] = '\0';
		}
		if (!strchr(host, '%') && addrs_of(host, port, &b) == 0) {
			g->grp_addrs = b.p;
			g->grp_port = atol(port);
			b.p = NULL;
		}
	}
	buf_free(&b);
	curl_free(host);
	curl_free(port);
}

int pre_group(struct eng *g, CURL *h, long id, struct curl_slist *lists[2])
{
	char ct[64], *rs = NULL;

	lists[0] = lists[1] = NULL;
	if (!g->grp_port)
		return 0;
	id /= GRP_SLOTS;
	snprintf(ct, sizeof ct, "::" GRP_NAME ":", id);
	if (asprintf(&rs, GRP_NAME ":%ld:%s", id, g->grp_port, g->grp_addrs) < 0)
		return -1;
	lists[0] = curl_slist_append(NULL, ct);
	lists[1] = lists[0] ? curl_slist_append(NULL, rs) : NULL;
	free(rs);
	if (!lists[1]) {
		curl_slist_free_all(lists[0]);
		lists[0] = NULL;
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_CONNECT_TO, lists[0]);
	curl_easy_setopt(h, CURLOPT_RESOLVE, lists[1]);
	return 0;
}

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
 * 0, or -1 when the stop flag ended it. ok counts the connections that
 * reached the server, mute those of them that got no answer (libcurl
 * closes a connection whose transfer failed, so these are not kept), and
 * mwhy says why the first of those did not. */
static int run_until_idle(struct eng *g, CURL **h, char (*eb)[CURL_ERROR_SIZE], long n,
			  long *ok, long *mute, const char **mwhy, char *why, size_t wsz)
{
	struct epoll_event evs[WAKE_MAX];
	long left = n;
	int running;

	g->timeout_now = 0;
	eng_curl_timeout(g, 0);
	while (left > 0) {
		int k = epoll_wait(g->ep, evs, WAKE_MAX, g->timeout_now ? 0 : 200);
		CURLMsg *m;
		int q;

		if (*g->cx.stop)
			return -1;
		if (g->timeout_now) {
			g->timeout_now = 0;
			eng_curl_timeout(g, 0);
		}
		for (int i = 0; i < k; i++) {
			int fd = evs[i].data.fd, flags;
			uint64_t ticks;

			if (fd == g->tsend || fd == g->tretry)
				continue;
			if (fd == g->tcurl) {
				if (read(fd, &ticks, sizeof ticks) > 0)
					eng_curl_timeout(g, 1);
				continue;
			}
			if (eng_unpark(g, fd))
				continue;
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
					if (m->data.result != CURLE_OK && !(*mute)++)
						*mwhy = curl_easy_strerror(m->data.result);
				} else if (!why[0]) {
					char *ip = NULL, what[CURL_ERROR_SIZE + 100];
					long port = 0;

					curl_easy_getinfo(h[i], CURLINFO_PRIMARY_IP, &ip);
					curl_easy_getinfo(h[i], CURLINFO_PRIMARY_PORT, &port);
					http_error_text(m->data.result, eb[i], what, sizeof what);
					if (ip && *ip)
						snprintf(why, wsz, "%s port %ld: %s", ip, port, what);
					else
						snprintf(why, wsz, "%s", what);
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
 * of some is reported on warn, and so are connections that got no answer
 * in time: libcurl closed them), ERR_UNAVAILABLE when none did.
 */
int pre_connect(struct eng *g, long n, FILE *warn, struct err *e)
{
	CURL **h = calloc((size_t)n, sizeof *h);
	char (*eb)[CURL_ERROR_SIZE] = calloc((size_t)n, sizeof *eb);
	struct curl_slist **grp = calloc((size_t)n * 2, sizeof *grp);
	CURLU *u = g->uh ? curl_url_dup(g->uh) : NULL;
	char *url = NULL, why[CURL_ERROR_SIZE + 200] = "";
	const char *mwhy = "";
	const struct opts *o = g->cx.o;
	double t = o->connect_timeout_s < o->timeout_s ? o->connect_timeout_s : o->timeout_s;
	long ok = 0, mute = 0, made = 0, timeout_ms = (long)(t * 1000);
	int rc = 0, idle = 0;

	if (!h || !eb || !grp || !u || curl_url_set(u, CURLUPART_PATH, "/health", 0) ||
	    curl_url_set(u, CURLUPART_QUERY, NULL, 0) ||
	    curl_url_get(u, CURLUPART_URL, &url, 0)) {
		rc = err_set(e, ERR_SOFTWARE, "preconnect: out of memory");
		goto out;
	}
	for (; made < n; made++) {
		if (!(h[made] = curl_easy_init()))
			break;
		req_setup(g, h[made], NULL);
		http_errbuf(h[made], eb[made]);
		/* Connection i is for the i-th request slot of the step. */
		if (pre_group(g, h[made], made, &grp[2 * made])) {
			curl_easy_cleanup(h[made]);
			break;
		}
		curl_easy_setopt(h[made], CURLOPT_URL, url);
		curl_easy_setopt(h[made], CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(h[made], CURLOPT_TIMEOUT_MS, timeout_ms);
		if (curl_multi_add_handle(g->m, h[made]) != CURLM_OK) {
			curl_easy_cleanup(h[made]);
			break;
		}
	}
	idle = run_until_idle(g, h, eb, made, &ok, &mute, &mwhy, why, sizeof why);

	if (idle < 0) {
		for (long i = 0; i < made; i++)
			curl_multi_remove_handle(g->m, h[i]);
	} else if (ok == 0) {
		char *shown = secret_url_shown(g->cx.t->url);

		rc = err_set(e, ERR_UNAVAILABLE, "cannot connect to %s (%s)",
			     shown ? shown : "the target", why[0] ? why : "no connection could be made");
		free(shown);
	} else if (ok < n && warn) {
		fprintf(warn, "llmrun: preconnect: %ld of %ld connections failed: %s\n",
			n - ok, n, why[0] ? why : "out of memory");
	}
	if (idle == 0 && rc == 0 && mute > 0 && warn)
		fprintf(warn, "llmrun: preconnect: %ld of %ld connections got no answer "
			"to GET /health (%s, with a limit of %.3g s) and were closed: "
			"those requests connect on demand\n", mute, n, mwhy, t);
out:
	for (long i = 0; h && i < made; i++)
		curl_easy_cleanup(h[i]);
	for (long i = 0; grp && i < 2 * made; i++)
		curl_slist_free_all(grp[i]);
	free(grp);
	free(h);
	free(eb);
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
	/* An open loop needs as many connections as requests go at once:
	 * known beforehand only under --max-concurrency, whose cap a bare
	 * --preconnect then opens (options.c refuses it without). */
	if (s->times)
		return o->preconnect == 1 && o->max_concurrency > 0 ? o->max_concurrency : 0;
	return o->http2 ? 1 : s->batch;
}

