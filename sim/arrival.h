#ifndef LLMSIM_ARRIVAL_H
#define LLMSIM_ARRIVAL_H
/*
 * When a request's bytes reached llmsim: the kernel's receive stamp
 * (SO_TIMESTAMPNS) of the first bytes of each request, read by peeking at
 * the socket (recvmsg with MSG_PEEK, one byte) before evhttp reads them,
 * and moved to CLOCK_MONOTONIC with the wall clock's offset read at the
 * peek (to 0.5 us, and never early across a step of the wall clock:
 * lib/clk, as llmrun does). This is the truth log's arrived_ns:
 * TTFT from the request's arrival, not from when evhttp got round to it.
 *
 * How it stays ahead of evhttp: the event base has two priorities and the
 * peek events run at the higher one, so when a socket turns readable the
 * peek runs before evhttp's read of the same epoll round. Each connection
 * has a slot, indexed by its fd, holding "the first arrival since the last
 * request was taken": the peek event is armed only while the slot is
 * empty (level-triggered epoll would otherwise wake it again and again
 * while evhttp leaves the bytes unread) and arr_take empties and re-arms
 * it. The stamp stays in the kernel's buffer until the bytes are read, so
 * a late peek still gives the arrival time; only evhttp's read must not
 * come first.
 *
 * Ownership: arr_new's watcher is freed by arr_free after evhttp_free;
 * the event base is borrowed.
 */
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdint.h>

#include "err.h"

struct arr;

/* Peek events run at priority 0 of base, which must have been set up
 * with event_base_priority_init(base, 2) before any event was added (so
 * evhttp's events get the default priority, 1). Returns 0 or
 * ERR_SOFTWARE. */
int arr_new(struct event_base *base, struct arr **out, struct err *e);

/* Asks the kernel to stamp what arrives on the listening socket fd's
 * connections (accepted sockets inherit the option). Returns 0, or -1
 * when it refuses (every arrived_ns is then 0). */
int arr_listen(struct arr *a, evutil_socket_t fd);

/* evhttp's bufferevent callback (evhttp_set_bevcb with arg = the
 * watcher): the new connection's bufferevent, watched from the next turn
 * of the loop (its fd is set by evhttp after this returns). */
struct bufferevent *arr_bevcb(struct event_base *base, void *arg);

/* The monotonic ns at which req's first bytes arrived, or 0 when unknown
 * (no kernel stamp; the bytes were read before a peek, as when a client
 * pipelines). Call once per request, from the request callback: it
 * starts watching for the next request on the connection. */
int64_t arr_take(struct arr *a, struct evhttp_request *req);

/* The monotonic ns at which llmsim accepted req's connection (read in
 * evhttp's accept callback, so after the kernel completed the handshake,
 * by as long as the loop took to get to it), or 0 when unknown. */
int64_t arr_accepted(const struct arr *a, struct evhttp_request *req);

/* Steps of the wall clock seen while stamping (lib/clk): their number and
 * the largest, in ns. */
void arr_clock_steps(const struct arr *a, long *steps, int64_t *max_ns);

void arr_free(struct arr *a);

#endif
