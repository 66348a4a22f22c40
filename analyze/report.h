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
};

/* Computes every group's figures (sorting its samples) and the order:
 * rank < 0 keeps key order; else by column an_cols[rank], lower first for
 * latencies, higher first for the rest; groups without a value last.
 * Returns 0 or ERR_SOFTWARE. */
int an_report_build(struct an_set *s, int slo_set, int rank,
		    struct an_report *r, struct err *e);
void an_report_free(struct an_report *r);

/* Sets hide[k] (s->nkeys entries) for each of run_id, step_kind and
 * schedule that no two groups need to be told apart, for source when
 * every group's is llmrun, and for turn when every group's is empty. */
void an_keys_hidden(const struct an_set *s, unsigned char *hide);

#endif
