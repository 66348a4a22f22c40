#ifndef LLMGEN_COUNT_H
#define LLMGEN_COUNT_H
#include <stdio.h>

/* `llmgen count`: token counts (and ids) of files. argv[0] is "count".
 * Prints its own errors (prefixed "llmgen: ") and returns the exit status:
 * 0, 64 usage, 65 bad data (invalid UTF-8, bad tokenizer file), 66 missing
 * input or tokenizer, 70 internal, 74 write error. Writes to stdout but does
 * not close it; main checks it. */
int cmd_count(int argc, char **argv);

/* Prints the count subcommand's help to f. */
void count_usage(FILE *f);

#endif
