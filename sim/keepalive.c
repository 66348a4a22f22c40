/*
 * Kept-alive connections: --keepalive-max (a connection reset after that
 * many requests) and --keepalive-timeout (closed when idle that long).
 * The counts per connection are the server's (ka, nka).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "server_int.h"

static void free_conn(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	evhttp_connection_free(arg);
}

/*
 * --keepalive-max: is this request one past the connection's last? Then
 * the connection is reset, unanswered, as a server does that has just
 * closed a kept-alive connection the client then wrote to. libevent's
 * free shuts the write side first, so the client reads the end; the zero
 * linger then turns the close into a reset for whatever it sends next.
 * The connection is freed on the loop's next turn, outside evhttp's
 * callback.
 */
int keepalive_past(struct server *s, struct evhttp_request *req,
		   struct bufferevent *bev)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	int fd = bev ? (int)bufferevent_getfd(bev) : -1;
	struct linger lg = { 1, 0 };

	if (!s->c->keepalive_max || fd < 0 || !conn)
		return 0;
	if ((size_t)fd >= s->nka) {
		size_t cap = (size_t)fd * 2 + 64;
		struct kaslot *k = realloc(s->ka, cap * sizeof *k);

		if (!k)
			return 0;
		memset(k + s->nka, 0, (cap - s->nka) * sizeof *k);
		s->ka = k;
		s->nka = cap;
	}
	if (s->ka[fd].conn != conn) {
		s->ka[fd].conn = conn;
		s->ka[fd].n = 0;
	}
	if (++s->ka[fd].n <= s->c->keepalive_max)
		return 0;
	s->ka[fd].conn = NULL;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	event_base_once(s->base, -1, EV_TIMEOUT, free_conn, conn, NULL);
	return 1;
}

/*
 * --keepalive-timeout: a connection idle for that long after a response
 * is closed, as servers do (uvicorn, which serves vLLM, after 5 s;
 * nginx after 75 s). evhttp's own timeout does it: set short when a
 * response is done and long again when a request comes (evhttp's idle
 * timeout would also cut a silent stream: see server_new).
 */
static void keepalive_idle(struct evhttp_request *req, void *arg)
{
	struct server *s = arg;
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct timeval tv = {
		.tv_sec = s->c->keepalive_timeout_ms / 1000,
		.tv_usec = s->c->keepalive_timeout_ms % 1000 * 1000,
	};

	if (conn)
		evhttp_connection_set_timeout_tv(conn, &tv);
}

void keepalive_busy(struct server *s, struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct timeval tv = {.tv_sec = KEEPALIVE_BUSY_S};

	if (!s->c->keepalive_timeout_ms || !conn)
		return;
	evhttp_connection_set_timeout_tv(conn, &tv);
	evhttp_request_set_on_complete_cb(req, keepalive_idle, s);
}
