#ifndef LLMBENCH_GEN_TEMPLATE_H
#define LLMBENCH_GEN_TEMPLATE_H
/*
 * Prompt templates: data files under a templates folder, loaded and
 * checked once (the format is described in templates/README.md).
 *
 *   DIR/LANG/tasks.txt     task instructions per scenario, requirements,
 *                          filler words
 *   DIR/LANG/DOMAIN.txt    [domain] name, [topics], then paragraph
 *                          sections in the order they are composed
 *
 * Languages and domains are sorted by name, so the same folder always
 * gives the same order (and a seed the same corpus).
 *
 * Ownership: tpl_load returns a set the caller releases with tpl_free;
 * every string in it is owned by the set.
 */
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Most bytes in one template file, and in one line of it. */
#define TPL_MAX_FILE (16u << 20)
#define TPL_MAX_LINE (64u << 10)

struct tpl_list {
	char **items; /* NUL-terminated UTF-8, placeholders unexpanded */
	size_t n;     /* > 0 once loaded */
};

struct tpl_section {
	char *name;           /* e.g. "background" */
	struct tpl_list paras; /* one paragraph per item */
};

struct tpl_domain {
	char *id;   /* file name without .txt, e.g. "energy" */
	char *name; /* [domain] line, what {domain} expands to */
	struct tpl_list topics;
	struct tpl_section *sections; /* in file order */
	size_t nsections;
};

enum tpl_task { TPL_SHORT_LONG, TPL_LONG_LONG, TPL_LONG_SHORT, TPL_NTASKS };

struct tpl_lang {
	char *code;                        /* folder name: "en", "zh" */
	struct tpl_list tasks[TPL_NTASKS]; /* by enum tpl_task */
	struct tpl_list requirements;      /* sentences lengthening a short prompt */
	struct tpl_list filler;            /* words that pad by a token or so */
	struct tpl_list followups;         /* [follow-up]: later turns of a
					      conversation; optional (n == 0) */
	struct tpl_domain *domains;        /* sorted by id, at least one */
	size_t ndomains;
};

struct tpl_set {
	struct tpl_lang *langs; /* sorted by code, at least one */
	size_t nlangs;
};

/*
 * Loads every language folder of dir. Returns 0, or ERR_NOINPUT (dir or a
 * file cannot be read), ERR_DATA (a format error: the message names
 * file:line, or file:line:column for a placeholder), ERR_SOFTWARE.
 */
int tpl_load(const char *dir, struct tpl_set **out, struct err *e);

/*
 * Parses one domain file (is_tasks == 0) or tasks file (is_tasks != 0)
 * from memory into *lang; name is used in messages and, for a domain
 * file, gives its id (its base name without .txt). Used by tpl_load and
 * by tests. Errors as tpl_load.
 */
int tpl_parse(const char *name, const char *text, size_t len, int is_tasks,
	      struct tpl_lang *lang, struct err *e);

void tpl_free(struct tpl_set *s);

/* Releases what tpl_parse put in lang (not lang itself). */
void tpl_lang_clear(struct tpl_lang *lang);

/* The language with this code, or NULL. */
const struct tpl_lang *tpl_lang_find(const struct tpl_set *s,
				     const char *code);

/*
 * Appends s to out with {topic} and {domain} replaced. The placeholders
 * were checked at load, so the only errors are the buffer's.
 */
int tpl_expand(const char *s, const char *topic, const char *domain,
	       struct buf *out, struct err *e);

/* Task names as used by --scenario and in tasks.txt: "short-long", ... */
const char *tpl_task_name(enum tpl_task t);

#endif
