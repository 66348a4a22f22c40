#ifndef LLMBENCH_SSE_H
#define LLMBENCH_SSE_H
/*
 * An incremental parser for streamed responses: bytes go in as they arrive,
 * in pieces of any size, and whole events come out through a callback.
 *
 * SSE mode follows the WHATWG event-stream rules: lines end in "\n",
 * "\r\n" or "\r" (a "\r\n" split across two reads is one line end); a line
 * starting with ':' is a comment; "field:value" with one optional space
 * after the colon; "data" lines are joined with "\n"; a blank line
 * dispatches the event, and an event without any data line is dropped;
 * "event" and "id" are passed along; other fields ("retry") are ignored,
 * but for one outside the standard: llama.cpp's server sends a failure
 * after its 200 as an "error: {...}" line, which is made an event named
 * "error" with that value as its data (dropping it lost the reason).
 * A byte order mark (EF BB BF) at the start of the stream is skipped, as
 * the rules say; the first line's field name no longer matched "data",
 * and the first event was lost.
 * data "[DONE]" (OpenAI's end marker) is flagged in sse_event.done.
 *
 * NDJSON mode (Ollama): every non-blank line is one event whose data is the
 * line; a last line without a line end is dispatched by sse_finish.
 *
 * Memory: the parser keeps one line and one event in capped buffers that
 * are reused, so after the first events it allocates nothing. An event
 * (all of its lines together) longer than max_event bytes is an error
 * (ERR_DATA), never a silent truncation.
 *
 * Ownership: the struct is the caller's; sse_free releases its buffers.
 * Pointers in a struct sse_event are borrowed, valid only during the
 * callback.
 */
#include <stddef.h>

#include "buf.h"
#include "err.h"

enum sse_mode {
	SSE_MODE_SSE,    /* text/event-stream */
	SSE_MODE_NDJSON, /* one JSON object per line */
};

struct sse_event {
	const char *data;  /* NUL-terminated; lines joined with "\n" */
	size_t data_len;   /* bytes of data */
	const char *event; /* the "event:" field, "" when none */
	const char *id;    /* the "id:" field, "" when none */
	int done;          /* 1 when data is exactly "[DONE]" */
	size_t end;        /* offset, in the bytes of the sse_feed call that
			      completed it, just past its last line end's
			      first byte (0 from sse_finish) */
};

/* Called once per event. Returning non-zero stops sse_feed, which then
 * returns that value (the parser is left in an unspecified state: reset it
 * before feeding more). */
typedef int (*sse_cb)(void *ctx, const struct sse_event *ev);

struct sse {
	enum sse_mode mode;
	struct buf line;  /* partial line carried over between feeds */
	struct buf data;  /* data of the event being built */
	struct buf event; /* its "event:" field */
	struct buf id;    /* its "id:" field (kept across events, as SSE says) */
	size_t max_event; /* cap on one event's bytes */
	size_t ev_bytes;  /* bytes of the current event so far */
	int skip_lf;      /* last byte seen was '\r': a leading '\n' is its pair */
	int has_data;     /* a data line was seen in the current event */
	size_t at;        /* sse_event.end of an event dispatched now */
	int bom;          /* SSE: bytes of a leading BOM matched, -1 past it */
};

/* Default max_event: 1 MiB. */
#define SSE_MAX_EVENT (1u << 20)

/* Initializes p; max_event 0 means SSE_MAX_EVENT. Allocates nothing. */
void sse_init(struct sse *p, enum sse_mode mode, size_t max_event);

/* Parses n bytes, calling cb for each complete event. Returns 0; the
 * callback's non-zero value; or ERR_DATA when an event exceeds max_event
 * (e says so) or ERR_SOFTWARE when memory runs out. */
int sse_feed(struct sse *p, const char *bytes, size_t n, sse_cb cb, void *ctx,
	     struct err *e);

/* End of stream. NDJSON: dispatches a last unterminated line. SSE: an
 * unfinished event is dropped (the standard's rule). Returns as sse_feed. */
int sse_finish(struct sse *p, sse_cb cb, void *ctx, struct err *e);

/* 1 when bytes of an unfinished event or line are buffered (after
 * sse_finish in SSE mode: whether one was dropped), else 0. */
int sse_pending(const struct sse *p);

/* Forgets any partial event so the parser can start a new stream; keeps
 * the memory. */
void sse_reset(struct sse *p);

void sse_free(struct sse *p);

#endif
