#ifndef LLMANALYZE_REPORT_H
#define LLMANALYZE_REPORT_H
/*
 * The comparison table: every group's figures, in the order they are
 * shown (by key, or ranked by one column). Ownership: an_report_build
 * fills a struct whose arrays an_report_free releases; the set is
 * borrowed and must outlive the report.
 */
#include "group.h"
#include "metrics.h"

struct an_report {
	const struct an_set *set;
	struct an_metrics *m;   /* m[i] for set->groups[i] */
	size_t *order;          /* display order: indices into groups */
	size_t n;
	unsigned char *hide;    /* hide[k]: key k is left out of tables and
				   charts (an_keys_hidden); JSON keeps it */
	unsigned char *same;    /* same[k]: every group has one value of key k,
				   so a legend need not name it */
	int step_key;           /* index of "step" among the keys, or -1 */
	int kind_key;           /* index of "step_kind", or -1 */
};

/* What an_report_label writes of a group's keys (the hidden ones never,
 * but with AN_LABEL_SERIES). */
enum {
	AN_LABEL_NO_STEP = 1, /* leave out the step (a series: its steps share it) */
	AN_LABEL_SHORT = 2,   /* leave out keys equal in every group (legends) */
	AN_LABEL_SERIES = 4,  /* also hidden keys whose values differ between
				 groups: a table tells its rows apart by the
				 step, a series (all its steps) may need the
				 step kind or the run id to be told apart */
};

/* Computes every group's figures (sorting its samples) and the order:
 * rank < 0 keeps key order; else by column an_cols[rank], lower first for
 * latencies, higher first for the rest; groups without a value last.
 * Returns 0 or ERR_SOFTWARE. */
int an_report_build(struct an_set *s, int slo_set, int rank,
		    struct an_report *r, struct err *e);
void an_report_free(struct an_report *r);

/* Writes group g's label into out (size n): its shown keys joined by
 * spaces, the step as "batch 4" or "rate 2" when the step kind is known.
 * flags: AN_LABEL_*. Returns out ("" when nothing is left). */
char *an_report_label(const struct an_report *r, size_t g, int flags, char *out, size_t n);

/* The step of group g as "batch 4" (its kind and value), "4" when the
 * kind is unknown, "" without a step key. Returns out. */
char *an_report_step(const struct an_report *r, size_t g, char *out, size_t n);

/* Sets hide[k] (s->nkeys entries) for each of run_id, step_kind and
 * schedule that no two groups need to be told apart, for source when
 * every group's is llmrun, and for turn when every group's is empty. */
void an_keys_hidden(const struct an_set *s, unsigned char *hide);

#endif
