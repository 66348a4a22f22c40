#ifndef LLMBENCH_GEN_SONNET_H
#define LLMBENCH_GEN_SONNET_H
/*
 * vLLM's sonnet dataset (vllm/benchmarks/datasets/sonnet.py), exact in
 * tokens: every prompt is the same prefix, an instruction and the file's
 * first lines (whole lines, up to a prefix length), then lines drawn at
 * random from the whole file (with replacement, seeded), cut so the whole
 * prompt is exactly the target count with the chosen tokenizer (vLLM picks
 * a line count from the mean line length and drops prompts over the
 * target, so its lengths fall short by up to a line). docs/llmgen.md.
 *
 * Ownership: sonnet_open fills a struct the caller releases with
 * sonnet_free; the tokenizer and compose scratch are borrowed.
 */
#include <stddef.h>

#include "buf.h"
#include "compose.h"
#include "err.h"
#include "rng.h"
#include "sources.h"
#include "tok.h"

/* vLLM's instruction, the prompt's first line. */
#define SONNET_INSTRUCTION "Pick as many lines as you can from these poem lines:\n"

struct sonnet {
	struct src_list lines;   /* the file's non-blank lines */
	struct buf prefix;       /* instruction + first lines, each with "\n" */
	size_t prefix_tokens;    /* its count */
	size_t prefix_lines;     /* lines in it */
	struct buf body;         /* scratch: drawn lines */
};

/*
 * Reads path (a text file, one line of verse per line; blank lines
 * skipped) and builds the prefix: the instruction, then the file's first
 * lines while the count stays within prefix_max tokens. Returns 0,
 * ERR_NOINPUT, ERR_DATA (invalid UTF-8, no line; file:line), ERR_IO,
 * ERR_SOFTWARE.
 */
int sonnet_open(struct sonnet *s, const char *path, struct tok *t,
		size_t prefix_max, struct err *e);

/*
 * One prompt of exactly target tokens (when res->exact) in c->text: the
 * prefix, then lines drawn with rg. A target not above the prefix's count
 * is ERR_USAGE naming both. Returns 0 or an error from the tokenizer.
 */
int sonnet_fit(struct sonnet *s, struct compose *c, struct rng *rg,
	       size_t target, struct compose_result *res, struct err *e);

void sonnet_free(struct sonnet *s);

#endif
