#ifndef LLMBENCH_GEN_GENERATE_INT_H
#define LLMBENCH_GEN_GENERATE_INT_H
/*
 * Inside llmgen's default command: the state of one run and the row
 * writers that gen/generate.c (groups composed from templates) and
 * gen/imports.c (rows from files and traces) share; gen/output.c holds
 * the output files and writes the rows into them. Not for other tools.
 *
 * Ownership: a struct gen_run and everything it points to are made by
 * gen_open and freed by gen_free; the functions below borrow them.
 */
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "burstgpt.h"
#include "compose.h"
#include "csv.h"
#include "err.h"
#include "generate.h"
#include "lengths.h"
#include "material.h"
#include "rng.h"
#include "sonnet.h"
#include "sources.h"
#include "template.h"
#include "tok.h"

/* How a group's prompts are made. */
enum gkind { G_SHORT, G_LONG, G_RANDOM, G_IMPORT, G_SONNET };

#define MAX_WHY 4

struct group {
	char label[160];
	const char *scenario; /* corpus scenario column */
	enum gkind kind;
	enum tpl_task task;
	const struct len_spec *in, *out; /* in: NULL for imports */
	int file;                        /* index into the run's writers */
	double *itok, *otok;             /* per row, for the summary */
	size_t rows, cap, missed;
	size_t convs, turns_max;         /* conversations written, longest */
	const char *why[MAX_WHY];        /* distinct reasons for misses */
	size_t why_n[MAX_WHY];
	struct buf shared;               /* --shared-prefix-tokens text */
};

struct gen_run {
	const struct gen_opts *o;
	struct tok *t;
	struct tpl_set *tpl;
	const struct tpl_lang *langs[64];
	size_t nlangs;
	double bpt[65];       /* bytes per token seen, per language (+ random) */
	struct compose c;
	struct buf body, tail;
	struct len_list in[GEN_MAX_SCENARIOS], out[GEN_MAX_SCENARIOS];
	struct len_list turns, follow; /* --conversations */
	int conv;                      /* rows carry conversation_id, turn */
	long next_conv;
	struct src_list src;
	struct bgpt_list trace;        /* --from-burstgpt */
	struct sonnet sonnet;          /* --from-sonnet */
	int arrival;                   /* rows carry arrival_s (a trace) */
	double arrival_s;              /* the next row's */
	struct group *g;
	size_t ng;
	struct csv_writer *w[3];
	int nw;
	int header_due[3];  /* the header goes with the first row (or at the
			       end), so an error before any row leaves
			       standard output empty */
	long next_id;
	const volatile sig_atomic_t *stop; /* gen_write's: once set, no more
					      rows */
};

/* Where a row stands in its conversation: none for a single-turn corpus. */
struct turn_ref {
	long conv; /* conversation_id, from 1 */
	long turn; /* from 1 */
};

/* gen/output.c: the outputs. gen_open_outputs refuses an -o that names
 * an input (ERR_USAGE), then opens -o (or standard output), or with
 * --dir makes DIR/input and opens the legacy three files there, each
 * written to a temporary file until it is committed; headers are due.
 * 0, or ERR_USAGE, ERR_NOINPUT, ERR_IO with e filled (the outputs it
 * opened stay open for gen_close_outputs). */
int gen_open_outputs(struct gen_run *r, struct err *e);
/* Closes the outputs opened: each gets its header if it has none yet and
 * is committed (renamed into place) when rc is 0, else removed. Returns
 * rc, or the first error of a close when rc was 0. */
int gen_close_outputs(struct gen_run *r, int rc, struct err *e);

/* Writes one row of group g (tr NULL: a single-turn corpus); in_tokens is
 * the prompt's real count. 0, ERR_IO, ERR_SOFTWARE. */
int gen_write_row(struct gen_run *r, struct group *g, const struct turn_ref *tr,
		  size_t in_tokens, long out_tokens, const char *lang,
		  const char *tpl, const char *topic, const char *prompt,
		  size_t plen, struct err *e);

/* A random tag, distinct per row, into buf: "[hex] ". Returns its length. */
size_t gen_unique_tag(char *buf, size_t size, struct rng *rg);

/* One prompt of kind at target tokens after pre[0..plen), written as a
 * row of g; row is the template material (unused for G_RANDOM, which
 * draws its text from rseed). A miss is noted in g. */
int gen_make_row(struct gen_run *r, struct group *g, const struct turn_ref *tr,
		 enum gkind kind, const struct mat_row *row, uint64_t rseed,
		 size_t target, long out, const char *pre, size_t plen,
		 struct err *e);

/* Group gi's rows (and its shared prefix); an import group's prefix only. */
int gen_run_group(struct gen_run *r, size_t gi, struct err *e);

/* gen/imports.c: rows of a --from-jsonl/-sharegpt/-text import, and of a
 * --from-burstgpt trace. 0 or an ERR_ code with e filled. */
int gen_run_import(struct gen_run *r, struct err *e);
int gen_run_burstgpt(struct gen_run *r, struct err *e);

#endif
