#include "template.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "slurp.h"
#include "utf8.h"

static const char *const task_names[TPL_NTASKS] = {
	"short-long", "long-long", "long-short",
};

static const char *const placeholders[] = { "topic", "domain" };

const char *tpl_task_name(enum tpl_task t)
{
	return t < TPL_NTASKS ? task_names[t] : "?";
}

static void list_clear(struct tpl_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

static int list_add(struct tpl_list *l, const char *s, size_t n, struct err *e)
{
	char **items, *p;

	/* Doubling at powers of two keeps appends linear. */
	if ((l->n & (l->n - 1)) == 0) {
		items = realloc(l->items, (l->n ? l->n * 2 : 1) * sizeof *items);
		if (!items)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		l->items = items;
	}
	p = strndup(s, n);
	if (!p)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	l->items[l->n++] = p;
	return 0;
}

static void domain_clear(struct tpl_domain *d)
{
	free(d->id);
	free(d->name);
	list_clear(&d->topics);
	for (size_t i = 0; i < d->nsections; i++) {
		free(d->sections[i].name);
		list_clear(&d->sections[i].paras);
	}
	free(d->sections);
	memset(d, 0, sizeof *d);
}

void tpl_lang_clear(struct tpl_lang *lang)
{
	free(lang->code);
	for (int t = 0; t < TPL_NTASKS; t++)
		list_clear(&lang->tasks[t]);
	list_clear(&lang->requirements);
	list_clear(&lang->filler);
	list_clear(&lang->followups);
	for (size_t i = 0; i < lang->ndomains; i++)
		domain_clear(&lang->domains[i]);
	free(lang->domains);
	memset(lang, 0, sizeof *lang);
}

void tpl_free(struct tpl_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nlangs; i++)
		tpl_lang_clear(&s->langs[i]);
	free(s->langs);
	free(s);
}

const struct tpl_lang *tpl_lang_find(const struct tpl_set *s, const char *code)
{
	for (size_t i = 0; i < s->nlangs; i++)
		if (strcmp(s->langs[i].code, code) == 0)
			return &s->langs[i];
	return NULL;
}

/* Checks that a line is valid UTF-8 without NUL. A '{' not followed by
 * lowercase letters and '}' is text, not a placeholder. */
static int check_utf8(const char *name, long lineno, const char *s, size_t n,
		      struct err *e)
{
	const char *nul = memchr(s, '\0', n);
	size_t bad;

	if (!utf8_valid(s, n, &bad))
		return err_set(e, ERR_DATA, "%s:%ld:%zu: invalid UTF-8", name, lineno,
			       bad + 1);
	if (nul)
		return err_set(e, ERR_DATA, "%s:%ld:%zu: NUL byte", name, lineno,
			       (size_t)(nul - s) + 1);
	return 0;
}

/* Every {word} in s[0..n) must be a known placeholder; col0 is the column
 * of s[0] in its line, for the message. */
static int check_placeholders(const char *name, long lineno, size_t col0,
			      const char *s, size_t n, struct err *e)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = i + 1, known = 0;

		if (s[i] != '{')
			continue;
		while (j < n && s[j] >= 'a' && s[j] <= 'z')
			j++;
		if (j == i + 1 || j >= n || s[j] != '}')
			continue;
		for (size_t p = 0; p < sizeof placeholders / sizeof *placeholders; p++)
			if (strlen(placeholders[p]) == j - i - 1 &&
			    memcmp(placeholders[p], s + i + 1, j - i - 1) == 0)
				known = 1;
		if (!known)
			return err_set(e, ERR_DATA,
				       "%s:%ld:%zu: unknown placeholder {%.*s} (known: {topic}, {domain})",
				       name, lineno, col0 + i + 1, (int)(j - i - 1), s + i + 1);
		i = j;
	}
	return 0;
}

/* Where the items of the current section go, for a tasks file. */
static struct tpl_list *tasks_section(struct tpl_lang *lang, const char *sec)
{
	for (int t = 0; t < TPL_NTASKS; t++)
		if (strcmp(sec, task_names[t]) == 0)
			return &lang->tasks[t];
	if (strcmp(sec, "requirements") == 0)
		return &lang->requirements;
	if (strcmp(sec, "filler") == 0)
		return &lang->filler;
	if (strcmp(sec, "follow-up") == 0)
		return &lang->followups;
	return NULL;
}

struct open_section {
	struct tpl_list *list; /* where items go */
	long line;             /* of its [header], for "empty section" */
	char name[64];
};

static int close_section(const char *name, const struct open_section *os,
			 struct err *e)
{
	if (os->list && os->list->n == 0)
		return err_set(e, ERR_DATA, "%s:%ld: section [%s] is empty", name,
			       os->line, os->name);
	return 0;
}

/* Base name of path without its .txt suffix. */
static char *domain_id(const char *path)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".txt") == 0)
		n -= 4;
	return strndup(b, n);
}

int tpl_parse(const char *name, const char *text, size_t len, int is_tasks,
	      struct tpl_lang *lang, struct err *e)
{
	struct tpl_domain d = { 0 };
	struct tpl_list dname = { 0 };
	struct open_section os = { 0 };
	const char *p = text, *end = text + len;
	long lineno = 0;
	int rc = 0, seen_domain = 0;

	/* A byte order mark, as some Windows editors write: not text. */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;

	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *s = p, *line = p;

		p = nl ? nl + 1 : end;
		lineno++;
		if (n > TPL_MAX_LINE) {
			rc = err_set(e, ERR_DATA, "%s:%ld: line longer than %u bytes",
				     name, lineno, TPL_MAX_LINE);
			break;
		}
		if (n && s[n - 1] == '\r')
			n--;
		if ((rc = check_utf8(name, lineno, s, n, e)))
			break;
		while (n && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n == 0 || *s == '#')
			continue;
		if ((rc = check_placeholders(name, lineno, (size_t)(s - line), s, n, e)))
			break;
		if (*s == '[' && s[n - 1] == ']') {
			char sec[64];

			if ((rc = close_section(name, &os, e)))
				break;
			if (n - 2 == 0 || n - 2 >= sizeof sec) {
				rc = err_set(e, ERR_DATA, "%s:%ld: bad section name", name,
					     lineno);
				break;
			}
			memcpy(sec, s + 1, n - 2);
			sec[n - 2] = '\0';
			memset(&os, 0, sizeof os);
			os.line = lineno;
			snprintf(os.name, sizeof os.name, "%s", sec);
			if (is_tasks) {
				os.list = tasks_section(lang, sec);
				if (!os.list) {
					rc = err_set(e, ERR_DATA,
						     "%s:%ld: unknown section [%s] (known: [short-long], [long-long], [long-short], [requirements], [filler], [follow-up])",
						     name, lineno, sec);
					break;
				}
				if (os.list->n) {
					rc = err_set(e, ERR_DATA, "%s:%ld: section [%s] appears twice",
						     name, lineno, sec);
					break;
				}
				continue;
			}
			if (strcmp(sec, "domain") == 0) {
				os.list = &dname;
				seen_domain++;
			} else if (strcmp(sec, "topics") == 0) {
				if (d.topics.n) {
					rc = err_set(e, ERR_DATA, "%s:%ld: section [topics] appears twice",
						     name, lineno);
					break;
				}
				os.list = &d.topics;
			} else {
				struct tpl_section *ns;

				for (size_t i = 0; i < d.nsections; i++)
					if (strcmp(d.sections[i].name, sec) == 0)
						rc = err_set(e, ERR_DATA,
							     "%s:%ld: section [%s] appears twice",
							     name, lineno, sec);
				if (rc)
					break;
				ns = realloc(d.sections, (d.nsections + 1) * sizeof *ns);
				if (!ns) {
					rc = err_set(e, ERR_SOFTWARE, "out of memory");
					break;
				}
				d.sections = ns;
				memset(&ns[d.nsections], 0, sizeof *ns);
				ns[d.nsections].name = strdup(sec);
				if (!ns[d.nsections].name) {
					rc = err_set(e, ERR_SOFTWARE, "out of memory");
					break;
				}
				os.list = &ns[d.nsections++].paras;
			}
			if (seen_domain > 1) {
				rc = err_set(e, ERR_DATA, "%s:%ld: section [domain] appears twice",
					     name, lineno);
				break;
			}
			continue;
		}
		if (!os.list) {
			rc = err_set(e, ERR_DATA, "%s:%ld: text before the first [section]",
				     name, lineno);
			break;
		}
		if (os.list == &dname && dname.n) {
			rc = err_set(e, ERR_DATA, "%s:%ld: [domain] holds one line, the domain's name",
				     name, lineno);
			break;
		}
		rc = list_add(os.list, s, n, e);
	}
	if (!rc)
		rc = close_section(name, &os, e);
	if (!rc && is_tasks) {
		for (int t = 0; t < TPL_NTASKS && !rc; t++)
			if (!lang->tasks[t].n)
				rc = err_set(e, ERR_DATA, "%s: no [%s] section", name,
					     task_names[t]);
		if (!rc && !lang->filler.n)
			rc = err_set(e, ERR_DATA, "%s: no [filler] section", name);
		if (!rc && !lang->requirements.n)
			rc = err_set(e, ERR_DATA, "%s: no [requirements] section", name);
	} else if (!rc) {
		if (!dname.n)
			rc = err_set(e, ERR_DATA, "%s: no [domain] section", name);
		else if (!d.topics.n)
			rc = err_set(e, ERR_DATA, "%s: no [topics] section", name);
		else if (!d.nsections)
			rc = err_set(e, ERR_DATA, "%s: no paragraph section", name);
	}
	if (!rc && !is_tasks) {
		struct tpl_domain *nd = realloc(lang->domains,
						(lang->ndomains + 1) * sizeof *nd);
		if (nd)
			lang->domains = nd;
		if (!nd || !(d.id = domain_id(name))) {
			rc = err_set(e, ERR_SOFTWARE, "out of memory");
		} else {
			d.name = dname.items[0];
			dname.items[0] = NULL;
			lang->domains[lang->ndomains++] = d;
			memset(&d, 0, sizeof d);
		}
	}
	list_clear(&dname);
	domain_clear(&d);
	return rc;
}

/* dir/name into out, or ERR_NOINPUT when it does not fit. */
static int path_join(char *out, size_t size, const char *dir, const char *name,
		     struct err *e)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return err_set(e, ERR_NOINPUT, "%s/%s: path too long", dir, name);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in dir (sorted), keeping folders (want_dir) or .txt files. */
static int list_dir(const char *dir, int want_dir, struct tpl_list *out,
		    struct err *e)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!dp)
		return err_set(e, ERR_NOINPUT, "%s: %s", dir, strerror(errno));
	while (!rc && (de = readdir(dp))) {
		char path[4096];
		struct stat st;
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		if (path_join(path, sizeof path, dir, de->d_name, NULL) ||
		    stat(path, &st) != 0)
			continue;
		if (want_dir ? !S_ISDIR(st.st_mode)
			     : !S_ISREG(st.st_mode) || n < 5 ||
				       strcmp(de->d_name + n - 4, ".txt") != 0)
			continue;
		rc = list_add(out, de->d_name, n, e);
	}
	closedir(dp);
	if (!rc && out->n > 1)
		qsort(out->items, out->n, sizeof *out->items, cmp_str);
	return rc;
}

static int load_lang(const char *dir, const char *code, struct tpl_lang *lang,
		     struct err *e)
{
	struct tpl_list files = { 0 };
	struct buf b = BUF_INIT;
	char ldir[4096], path[4096];
	int rc, have_tasks = 0;

	if (path_join(ldir, sizeof ldir, dir, code, e))
		return e->code;
	if (!(lang->code = strdup(code)))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	rc = list_dir(ldir, 0, &files, e);
	for (size_t i = 0; !rc && i < files.n; i++) {
		int is_tasks = strcmp(files.items[i], "tasks.txt") == 0;

		buf_reset(&b);
		b.max = TPL_MAX_FILE;
		rc = path_join(path, sizeof path, ldir, files.items[i], e);
		if (!rc)
			rc = slurp_file(path, 0, &b, e);
		if (!rc)
			rc = tpl_parse(path, b.p ? b.p : "", b.len, is_tasks, lang, e);
		have_tasks |= is_tasks;
	}
	if (!rc && !have_tasks)
		rc = err_set(e, ERR_DATA, "%s: no tasks.txt", ldir);
	if (!rc && !lang->ndomains)
		rc = err_set(e, ERR_DATA, "%s: no domain file (NAME.txt)", ldir);
	buf_free(&b);
	list_clear(&files);
	return rc;
}

int tpl_load(const char *dir, struct tpl_set **out, struct err *e)
{
	struct tpl_list codes = { 0 };
	struct tpl_set *s = calloc(1, sizeof *s);
	int rc;

	if (!s)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	rc = list_dir(dir, 1, &codes, e);
	if (!rc && !codes.n)
		rc = err_set(e, ERR_DATA, "%s: no language folder (such as en/)", dir);
	if (!rc && !(s->langs = calloc(codes.n, sizeof *s->langs)))
		rc = err_set(e, ERR_SOFTWARE, "out of memory");
	for (size_t i = 0; !rc && i < codes.n; i++) {
		rc = load_lang(dir, codes.items[i], &s->langs[i], e);
		s->nlangs = i + 1;
	}
	list_clear(&codes);
	if (rc) {
		tpl_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* Whether p (inside s) begins a sentence: the start of s, or after ". ",
 * "? " or "! ". */
static int starts_sentence(const char *s, const char *p)
{
	return p == s || (p - s >= 2 && p[-1] == ' ' && strchr(".?!", p[-2]));
}

/* Appends v, with its first letter upper-cased (ASCII only) when it starts
 * a sentence: "{topic} matters" with topic "heat pumps". */
static int add_value(struct buf *out, const char *v, int cap, struct err *e)
{
	int rc;

	if (!cap || *v < 'a' || *v > 'z')
		return buf_adds(out, v, e);
	if ((rc = buf_printf(out, e, "%c", *v - 'a' + 'A')))
		return rc;
	return buf_adds(out, v + 1, e);
}

int tpl_expand(const char *s, const char *topic, const char *domain,
	       struct buf *out, struct err *e)
{
	const char *start = s;
	int rc = 0;

	while (*s && !rc) {
		const char *b = strchr(s, '{');

		if (!b)
			return buf_adds(out, s, e);
		if (strncmp(b, "{topic}", 7) == 0) {
			if (!(rc = buf_add(out, s, (size_t)(b - s), e)))
				rc = add_value(out, topic, starts_sentence(start, b), e);
			s = b + 7;
		} else if (strncmp(b, "{domain}", 8) == 0) {
			if (!(rc = buf_add(out, s, (size_t)(b - s), e)))
				rc = add_value(out, domain, starts_sentence(start, b), e);
			s = b + 8;
		} else {
			rc = buf_add(out, s, (size_t)(b - s) + 1, e);
			s = b + 1;
		}
	}
	return rc;
}
