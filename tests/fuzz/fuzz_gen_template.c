/*
 * libFuzzer entry for llmgen's template parser (gen/template.c), from
 * memory. The first byte picks the file kind (bit 0: tasks.txt, else a
 * domain file); the rest is the file. The parser must return 0, ERR_DATA
 * naming file:line, or ERR_SOFTWARE; what it accepts must keep the
 * format's promises (no empty list, lines within the cap, valid UTF-8
 * without NUL), and every item must expand with no placeholder left.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../gen/template.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_list(const struct tpl_list *l)
{
	struct buf out = BUF_INIT;
	struct err e;
	size_t bad;

	if (l->n == 0)
		abort();
	for (size_t i = 0; i < l->n; i++) {
		const char *s = l->items[i];
		size_t n = strlen(s);

		if (n == 0 || n > TPL_MAX_LINE || !utf8_valid(s, n, &bad))
			abort();
		buf_reset(&out);
		if (tpl_expand(s, "<t>", "<d>", &out, &e) ||
		    strstr(out.p, "{topic}") || strstr(out.p, "{domain}"))
			abort();
	}
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tpl_lang lang = { 0 };
	struct err e;
	int rc, tasks;

	if (size == 0)
		return 0;
	tasks = data[0] & 1;
	rc = tpl_parse(tasks ? "tasks.txt" : "fuzz.txt", (const char *)data + 1,
		       size - 1, tasks, &lang, &e);
	if (rc == ERR_DATA) {
		if (strncmp(e.msg, tasks ? "tasks.txt:" : "fuzz.txt:", tasks ? 10 : 9))
			abort();
	} else if (rc == 0 && tasks) {
		for (int t = 0; t < TPL_NTASKS; t++)
			check_list(&lang.tasks[t]);
		check_list(&lang.requirements);
		check_list(&lang.filler);
		if (lang.ndomains)
			abort();
	} else if (rc == 0) {
		const struct tpl_domain *d = &lang.domains[0];

		if (lang.ndomains != 1 || strcmp(d->id, "fuzz") || !*d->name ||
		    !d->nsections)
			abort();
		check_list(&d->topics);
		for (size_t i = 0; i < d->nsections; i++) {
			if (!*d->sections[i].name)
				abort();
			check_list(&d->sections[i].paras);
		}
	} else if (rc != ERR_SOFTWARE) {
		abort();
	}
	tpl_lang_clear(&lang);
	return 0;
}
