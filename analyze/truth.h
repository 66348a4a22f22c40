#ifndef LLMANALYZE_TRUTH_H
#define LLMANALYZE_TRUTH_H
/*
 * llmsim's ground-truth log (docs/formats.md, "Truth log") beside the
 * results: how far the client's stamps are from when llmsim saw the
 * request arrive and handed each chunk to the socket. Rows are matched by
 * response_id = truth id; results times (wall epoch ns) are put on the
 * truth's CLOCK_MONOTONIC with the RESULTS.meta.json anchor, mono = wall -
 * wall_ns + mono_ns. Per ok row, in ms:
 *   send   arrived_ns - t_sent              (null arrived_ns: none)
 *   recv   t_first_token - first truth chunk
 *   ttft   (t_first_token - t_sent) - (first truth chunk - arrived_ns)
 *   chunk  t_sent + chunk_log offset - truth chunk, chunk by chunk
 * (the comparison tests/e2e/truth.lib makes), leaving out the chunks the
 * log says may have left later than llmsim stamped them ("held").
 *
 * Ownership: an_truth_load returns a table freed by an_truth_free.
 */
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "rec.h"

struct an_truth;

/* Reads the JSON Lines log at path. A last line cut short (no line end,
 * not JSON: a killed llmsim's) is left out, its number in *cut (0: none).
 * Returns 0 with *out set, ERR_NOINPUT (also a folder), ERR_DATA
 * ("path:line:column: ..."), ERR_IO or ERR_SOFTWARE. */
int an_truth_load(const char *path, struct an_truth **out, size_t *cut, struct err *e);
void an_truth_free(struct an_truth *t);

/* The wall-to-monotonic offset (mono_ns - wall_ns) of results file path,
 * from path.meta.json. Returns 0, ERR_NOINPUT or ERR_DATA. */
int an_truth_anchor(const char *results_path, int64_t *mono_minus_wall,
		    struct err *e);

/* What one group gathers: samples (doubles, ms) and counts. */
struct an_truth_acc {
	struct buf send, recv, ttft, chunk;
	size_t matched;     /* ok rows found in the log */
	size_t unmatched;   /* ok rows not found (no or unknown response_id),
			       foreign ones included */
	size_t foreign;     /* ok rows whose id is in the log, but whose
			       request there arrived after the row's end or
			       over a second before its send: another
			       request of that id (llmsim's ids restart with
			       each start: the log of another run) */
	size_t count_diff;  /* matched rows whose chunk count differs */
	size_t held;        /* chunks of matched rows whose truth may be
			       early (the log's "held"): left out of recv,
			       ttft (the first chunk) and chunk */
};

/* Compares ok row r (its file's offset mono_minus_wall) with the log and
 * adds to a; other rows are ignored. Returns 0, ERR_DATA (bad chunk_log)
 * or ERR_SOFTWARE. */
int an_truth_add(const struct an_truth *t, int64_t mono_minus_wall,
		 const struct an_rec *r, struct an_truth_acc *a, struct err *e);
void an_truth_acc_free(struct an_truth_acc *a);

#endif
