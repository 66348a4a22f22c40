#ifndef LLMANALYZE_COMPARE_OUT_H
#define LLMANALYZE_COMPARE_OUT_H
/*
 * Writes a comparison (analyze/compare.h) for people or machines:
 *   md    Markdown for a pull-request comment: the gate's verdict first,
 *         then a table per group, then the groups found in one file only
 *   json  one object (jansson); null for no value
 *   csv   one row per group and metric, and one per group found in one
 *         file only (column "in": both, base or new); empty for no value
 * Returns 0, ERR_IO when writing fails, ERR_SOFTWARE when memory runs out.
 */
#include <stdio.h>

#include "compare.h"
#include "err.h"

enum cmp_fmt { CMP_FMT_MD, CMP_FMT_JSON, CMP_FMT_CSV };

/* What was compared, for the heading. */
struct cmp_head {
	const char *base, *cand;       /* file names */
	const struct cmp_rule *rules;  /* --fail-on, for the verdict */
	size_t nrules;
	uint64_t seed;
};

int cmp_write(FILE *fp, enum cmp_fmt fmt, const struct cmp_head *h,
	      const struct cmp_result *r, struct err *e);

#endif
