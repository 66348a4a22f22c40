#ifndef LLMANALYZE_HEADLINE_H
#define LLMANALYZE_HEADLINE_H
/*
 * The report's headline figures, per series (a series: the groups that
 * share every key but the step, e.g. one target and model swept over
 * batch sizes): its steps in order, the step of peak output throughput,
 * and the largest step meeting the SLO. Ownership: an_headline_build
 * fills a struct released by an_headline_free; the report is borrowed.
 */
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "report.h"

/* A step meets the SLO when at least this share of its requests (ok and
 * failed; cancelled ones aside) met every objective (DistServe's "SLO
 * attainment" at 90%). */
#define AN_SLO_ATTAIN 0.9

#define AN_HL_NONE SIZE_MAX

struct an_hl_series {
	size_t *groups;   /* group indices, in step order */
	size_t n;
	size_t peak;      /* group of the highest out_tok_per_s; AN_HL_NONE */
	size_t slo_best;  /* group of the largest step meeting the SLO;
			     AN_HL_NONE when none did or no SLO was set */
};

struct an_headline {
	struct an_hl_series *s;
	size_t n;
	int slo_set;      /* any objective was set (the set's slo) */
};

/* Fills h from r (built by an_report_build). Returns 0 or ERR_SOFTWARE. */
int an_headline_build(const struct an_report *r, struct an_headline *h, struct err *e);
void an_headline_free(struct an_headline *h);

/* The share of group g's requests that met every objective: good / (ok +
 * failed); NaN without requests. */
double an_slo_attainment(const struct an_group *g);

#endif
