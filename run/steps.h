#ifndef LLMRUN_STEPS_H
#define LLMRUN_STEPS_H
/*
 * The run's steps, made from the options once: one step a --batch-sizes
 * size or a --rate rate, or the one step of --trace (the corpus's rows
 * at their arrival_s). A rate step's send times are made again when the
 * step starts and freed when it ends; the rest live as long as the set.
 * Also what is said of a step: its label, how many sends it makes.
 *
 * Ownership: arguments are borrowed; a stepset filled by steps_make owns
 * its steps, send times and trace rows, released by steps_free.
 */
#include <stddef.h>
#include <stdint.h>

#include "corpus.h"
#include "engine.h"
#include "err.h"
#include "options.h"
#include "session.h"

struct stepset {
	struct eng_step *v;
	size_t n;
	int64_t **times; /* owned, per step; a rate step's only while it runs */
	size_t *trace_rows;
	long starts;     /* a rate step's sends before its warmup (rate_times) */
};

/*
 * Fills ss (zeroed by the caller) with the steps o asks for over corpus
 * c, and sess its conversations (NULL for single turns). A rate step's
 * times are made here only to refuse a bad schedule before anything is
 * sent. Returns 0, or ERR_USAGE (a batch size above the conversations; a
 * trace past a year at --time-scale; sched_times' refusals), ERR_DATA
 * (--trace without every row's arrival_s), ERR_SOFTWARE (out of memory).
 * On failure too, the caller releases ss with steps_free.
 */
int steps_make(const struct opts *o, const struct corpus *c,
	       const struct sess *sess, struct stepset *ss, struct err *e);

/* Releases what ss holds, and zeroes it. */
void steps_free(struct stepset *ss);

/*
 * Before step i runs: makes its send times when they are made at its
 * start (a rate step's), the same ones steps_make did. 0, or sched_times'
 * ERR_USAGE / ERR_SOFTWARE.
 */
int steps_begin(const struct opts *o, struct stepset *ss, size_t i,
		const struct sess *sess, struct err *e);

/* After step i ran: frees the send times steps_begin made. */
void steps_end(struct stepset *ss, size_t i);

/* Step s of target ti as the progress line and the metadata's results
 * name it, in label: "batch=4", "rate=2", "ramp=linear:1:8", after the
 * target's name when the run has several. */
void steps_label(const struct opts *o, size_t ti, const struct eng_step *s,
		 char *label, size_t size);

/* The sends step s makes, warmup ones included, for the progress line;
 * -1 when not known ahead (a step of a duration). */
long steps_total(const struct eng_step *s, const struct sess *sess);

/*
 * The step from which a sweep sends more requests than the corpus has
 * rows (the prompts repeat), with *sent the sweep's sends; NULL when none
 * does or a step's count is not known ahead.
 */
const struct eng_step *steps_repeat_from(const struct stepset *ss, size_t rows,
					 long *sent);

#endif
