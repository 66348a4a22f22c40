#ifndef LLMBENCH_DATADIR_H
#define LLMBENCH_DATADIR_H
/*
 * Where the tools' data (templates/, tokenizers/) is, when no environment
 * variable says: beside the executable first, so that a build run from
 * anywhere (build/bin/llmgen finds ../../templates) and an installed tree
 * moved or installed under DESTDIR (bin/llmgen finds
 * ../share/llmbench/templates) both work; then the compiled-in
 * LLMBENCH_DATADIR (PREFIX/share/llmbench).
 *
 * Ownership: out is the caller's buffer.
 */
#include <stddef.h>

/*
 * Writes into out the first existing folder for sub ("templates",
 * "tokenizers") among: EXE/../share/llmbench/SUB, EXE/../../SUB (a build
 * folder's bin/ in a checkout), LLMBENCH_DATADIR/SUB. Returns 1 when one
 * exists; else 0 with out holding LLMBENCH_DATADIR/SUB (for messages).
 */
int datadir_find(const char *sub, char *out, size_t cap);

#endif
