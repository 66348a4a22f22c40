#ifndef LLMRUN_SESSION_H
#define LLMRUN_SESSION_H
/*
 * Conversations replayed as chat sessions (docs/llmrun.md,
 * "Conversations"): the corpus's conversations, checked once, and the
 * state of the live ones: the history each has received so far, the turn
 * it is at, and the turns waiting out their think time.
 *
 * A live conversation's history holds the user turns (borrowed from the
 * corpus, which outlives the sessions) and copies of the replies as
 * received; it is freed when the conversation ends, so memory grows with
 * the live conversations, not the run.
 *
 * Ownership: sess_new returns a struct sess released by sess_free, which
 * also frees every live conversation. sess_start returns a conversation
 * owned by the struct sess until sess_end. The corpus is borrowed.
 */
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "corpus.h"
#include "err.h"
#include "rng.h"

struct sess;
struct sess_conv;

/* The think time of turns whose row has no think_s: uniform in
 * [min_s, max_s] seconds (equal for a fixed time). */
struct sess_think {
	double min_s, max_s;
};

/*
 * Checks c's conversations (c->has_conv) and keeps those of shard shard_i
 * of shard_n (conversations counted from 0). Each conversation is rows of
 * consecutive lines with turns 1..n in order, its id used by no other
 * rows, no prompt empty. Returns 0; ERR_DATA naming file and line ("a.csv:7:
 * conversation 3: turn 3 after turn 1"), also when the shard is empty;
 * ERR_SOFTWARE.
 */
int sess_new(const struct corpus *c, long shard_i, long shard_n,
	     const struct sess_think *think, uint64_t seed, struct sess **out,
	     struct err *e);
void sess_free(struct sess *s);

/* Conversations and turns in the shard (one pass over it). */
size_t sess_conversations(const struct sess *s);
size_t sess_turns(const struct sess *s);
/* Conversations started and not yet ended. */
size_t sess_live(const struct sess *s);

/* Starts the next conversation that is not live, in corpus order,
 * wrapping around (when every one is live, the next: a copy, counted by
 * sess_copies); NULL when out of memory. */
struct sess_conv *sess_start(struct sess *s);
/* Conversations started while a copy of them was live. */
size_t sess_copies(const struct sess *s);
/* Back to the first conversation and the think times' first draw, every
 * live one ended: each target replays the same conversations. */
void sess_rewind(struct sess *s);

/* The row of v's current turn; its conversation id; the turn's history
 * (earlier user turns and replies, oldest first; borrowed until the next
 * call on v). */
const struct corpus_row *sess_row(const struct sess *s, const struct sess_conv *v);
const struct api_msg *sess_history(const struct sess_conv *v, size_t *n);

/*
 * v's current turn ended with reply[0..len) at end_ns (monotonic). When a
 * turn follows, it is added to the history with the reply, v moves to
 * the next turn, which is queued to be due at end_ns plus its think time,
 * and 1 is returned; 0 when v has no more turns (v stays live: end it);
 * ERR_SOFTWARE when out of memory (v unchanged).
 */
int sess_next(struct sess *s, struct sess_conv *v, const char *reply,
	      size_t len, int64_t end_ns, struct err *e);

/* A queued turn due at or before now, removed from the queue with its due
 * time in *due; NULL when none. */
struct sess_conv *sess_due(struct sess *s, int64_t now, int64_t *due);
/* When the first queued turn is due, 0 when none is queued. */
int64_t sess_next_due(const struct sess *s);

/* Closed loop: a conversation's slot is free from t (monotonic ns); the
 * next conversation started in it was due then. sess_slot_due returns
 * the oldest such time not yet taken, or dflt when none (a slot not used
 * yet). */
void sess_slot_free(struct sess *s, int64_t t);
int64_t sess_slot_due(struct sess *s, int64_t dflt);

/* Ends v and frees its history. */
void sess_end(struct sess *s, struct sess_conv *v);
/* Ends every live conversation (the end of a step). */
void sess_end_all(struct sess *s);

#endif
