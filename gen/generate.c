#include "generate.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "burstgpt.h"
#include "compose.h"
#include "generate_int.h"
#include "lengths.h"
#include "material.h"
#include "sonnet.h"
#include "stats.h"
#include "template.h"
#include "tok.h"

static int scenario_task(const char *s, enum tpl_task *t)
{
	for (int i = 0; i < TPL_NTASKS; i++)
		if (strcmp(s, tpl_task_name((enum tpl_task)i)) == 0) {
			*t = (enum tpl_task)i;
			return 1;
		}
	return 0;
}

/* Each scenario's lengths unless --input-tokens / --output-tokens. */
/* A scenario's default lengths, noting in *used which option gave them. */
static const char *default_input(const struct gen_opts *o, const char *s, unsigned *used)
{
	int sh = strcmp(s, "short-long") == 0;

	*used |= sh ? GEN_SIN : GEN_LIN;
	return sh ? o->short_in : o->long_in;
}

static const char *default_output(const struct gen_opts *o, const char *s, unsigned *used)
{
	int sh = strcmp(s, "long-short") == 0;

	*used |= sh ? GEN_SOUT : GEN_LOUT;
	return sh ? o->short_out : o->long_out;
}

/* A scenario length option that no group takes (another scenario's, or
 * overridden by --input-tokens/--output-tokens): said, not ignored. */
static int check_unused(const struct gen_opts *o, unsigned used, struct err *e)
{
	static const struct { unsigned bit; const char *opt; } l[] = {
		{ GEN_SIN, "--short-input" }, { GEN_LIN, "--long-input" },
		{ GEN_LOUT, "--long-output" }, { GEN_SOUT, "--short-output" },
	};

	for (size_t i = 0; i < sizeof l / sizeof l[0]; i++)
		if (o->lengths_given & l[i].bit & ~used)
			return err_set(e, ERR_USAGE, "%s does nothing here: no group takes its length "
				       "from it (another scenario's default, or overridden by "
				       "--input-tokens/--output-tokens)", l[i].opt);
	return 0;
}

static int add_group(struct gen_run *r, const char *scen, enum gkind kind,
		     enum tpl_task task, const struct len_list *in, size_t ii,
		     const struct len_list *out, size_t oi, int file, struct err *e)
{
	struct group *g, *ng = realloc(r->g, (r->ng + 1) * sizeof *ng);
	int n = 0;

	if (!ng)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	r->g = ng;
	g = &r->g[r->ng++];
	memset(g, 0, sizeof *g);
	g->scenario = scen;
	g->kind = kind;
	g->task = task;
	g->in = in ? &in->v[ii] : NULL;
	g->out = &out->v[oi];
	g->file = file;
	/* "custom" alone, or what tells the group apart: "in=512". */
	if (strcmp(scen, "custom") != 0 || ((!in || in->n == 1) && out->n == 1))
		n = snprintf(g->label, sizeof g->label, "%s", scen);
	if (in && in->n > 1)
		n += snprintf(g->label + n, sizeof g->label - (size_t)n, "%sin=%s",
			      n ? "/" : "", in->v[ii].label);
	if (out->n > 1)
		snprintf(g->label + n, sizeof g->label - (size_t)n, "%sout=%s",
			 n ? "/" : "", out->v[oi].label);
	/* Rows of two groups of one name would be one group to llmanalyze. */
	for (size_t i = 0; i + 1 < r->ng; i++)
		if (!strcmp(r->g[i].label, g->label))
			return err_set(e, ERR_USAGE, "group '%s' given twice (a scenario or a "
				       "length repeated)", g->label);
	return 0;
}

/* Parses scenario i's lengths; short says which defaults apply, for the
 * option named in messages. */
static int parse_lengths(struct gen_run *r, int i, const char *in, const char *out,
			 int short_in, int short_out, struct err *e)
{
	const struct gen_opts *o = r->o;
	int rc;

	if (in && (rc = len_parse(in, o->input_spec ? "--input-tokens"
				  : short_in ? "--short-input" : "--long-input", &r->in[i], e)))
		return rc;
	return len_parse(out, o->output_spec ? "--output-tokens"
			 : short_out ? "--short-output" : "--long-output", &r->out[i], e);
}

/* Groups from the options: scenario x input item x output item; *used
 * gets the scenario length options a group took its length from. */
static int plan_groups(struct gen_run *r, unsigned *used, struct err *e)
{
	const struct gen_opts *o = r->o;
	const char *defaults[] = { "short-long", "long-long", "long-short" };
	const char *const *scen = o->scenarios;
	int ns = o->nscenarios, rc;

	if (o->burstgpt) {
		/* One group; the trace gives each row's lengths. */
		if ((rc = len_parse("1", "--output-tokens", &r->out[0], e)))
			return rc;
		return add_group(r, "burstgpt", G_RANDOM, TPL_LONG_LONG, NULL, 0, &r->out[0], 0, 0, e);
	}
	if (o->sonnet) {
		/* vLLM's defaults: 550 tokens in, 150 out. */
		if ((rc = parse_lengths(r, 0, o->input_spec ? o->input_spec : "550",
					o->output_spec ? o->output_spec : "150", 0, 0, e)))
			return rc;
		for (size_t ii = 0; ii < r->in[0].n; ii++)
			for (size_t oi = 0; oi < r->out[0].n; oi++)
				if ((rc = add_group(r, "sonnet", G_SONNET, TPL_LONG_LONG, &r->in[0], ii,
						    &r->out[0], oi, 0, e)))
					return rc;
		return 0;
	}
	if (o->from) {
		if (!o->output_spec)
			*used |= GEN_LOUT;
		if ((rc = parse_lengths(r, 0, NULL, o->output_spec ? o->output_spec : o->long_out,
					0, 0, e)))
			return rc;
		for (size_t oi = 0; oi < r->out[0].n; oi++)
			if ((rc = add_group(r, src_kind_name(o->from_kind), G_IMPORT, TPL_LONG_LONG,
					    NULL, 0, &r->out[0], oi, 0, e)))
				return rc;
		return 0;
	}
	if (ns == 0 && o->input_spec) {
		static const char *const custom[] = { "custom" };

		scen = custom;
		ns = 1;
	} else if (ns == 0) {
		scen = defaults;
		ns = 3;
	}
	for (int s = 0; s < ns; s++) {
		enum tpl_task task = TPL_LONG_LONG;
		enum gkind kind = G_LONG;

		if (strcmp(scen[s], "random") == 0)
			kind = G_RANDOM;
		else if (scenario_task(scen[s], &task) && task == TPL_SHORT_LONG)
			kind = G_SHORT;
		if ((rc = parse_lengths(r, s, o->input_spec ? o->input_spec : default_input(o, scen[s], used),
					o->output_spec ? o->output_spec : default_output(o, scen[s], used),
					strcmp(scen[s], "short-long") == 0,
					strcmp(scen[s], "long-short") == 0, e)))
			return rc;
		for (size_t ii = 0; ii < r->in[s].n; ii++)
			for (size_t oi = 0; oi < r->out[s].n; oi++)
				if ((rc = add_group(r, scen[s], kind, task, &r->in[s], ii, &r->out[s],
						    oi, o->legacy ? s : 0, e)))
					return rc;
	}
	return 0;
}

/* A shared prefix needs room after it: refused before the first row for
 * a fixed length or a range that reaches it (it failed at the first such
 * draw, with rows already on stdout, or not, as the seed fell). */
static int check_prefix_room(const struct gen_run *r, struct err *e)
{
	for (size_t i = 0; r->o->shared_prefix && !r->o->conversations && i < r->ng; i++) {
		const struct group *g = &r->g[i];

		if (g->kind != G_SONNET && g->kind != G_IMPORT && g->in->kind != LEN_NORMAL &&
		    g->in->kind != LEN_LOGNORMAL && len_min(g->in) <= r->o->shared_prefix)
			return err_set(e, ERR_USAGE, "group %s: an input of %ld tokens leaves no room "
				       "after the shared prefix of %ld tokens (--shared-prefix-tokens "
				       "sets its length)", g->label, len_min(g->in), r->o->shared_prefix);
	}
	return 0;
}

static int plan(struct gen_run *r, struct err *e)
{
	unsigned used = 0;
	int rc = plan_groups(r, &used, e);

	if (!rc)
		rc = check_unused(r->o, used, e);
	return rc ? rc : check_prefix_room(r, e);
}

static int load_templates(struct gen_run *r, struct err *e)
{
	int rc, need = 0;

	for (size_t i = 0; i < r->ng; i++)
		need |= r->g[i].kind == G_SHORT || r->g[i].kind == G_LONG;
	if (!need)
		return 0;
	if ((rc = tpl_load(r->o->templates, &r->tpl, e))) {
		if (rc == ERR_NOINPUT) {
			char msg[ERR_MSG_MAX];

			memcpy(msg, e->msg, sizeof msg);
			err_set(e, rc, "%.400s (give --templates DIR or set LLMBENCH_TEMPLATES)", msg);
		}
		return rc;
	}
	if (strcmp(r->o->lang, "mix") == 0) {
		for (size_t i = 0; i < r->tpl->nlangs && i < 64; i++)
			r->langs[r->nlangs++] = &r->tpl->langs[i];
		return 0;
	}
	if (!(r->langs[0] = tpl_lang_find(r->tpl, r->o->lang)))
		return err_set(e, ERR_USAGE, "--lang %s: no such folder in %s (use en, zh, mix or a folder there)",
			       r->o->lang, r->o->templates);
	r->nlangs = 1;
	return 0;
}

/* Conversations of template groups need each language's [follow-up]. */
static int check_followups(const struct gen_run *r, struct err *e)
{
	for (size_t i = 0; r->tpl && i < r->nlangs; i++)
		if (!r->langs[i]->followups.n)
			return err_set(e, ERR_DATA,
				       "%s/%s/tasks.txt: no [follow-up] section, which --conversations needs "
				       "for later turns (see templates/README.md)",
				       r->o->templates, r->langs[i]->code);
	return 0;
}

static size_t lang_index(const struct gen_run *r, const struct tpl_lang *l)
{
	for (size_t i = 0; i < r->nlangs; i++)
		if (r->langs[i] == l)
			return i;
	return 64;
}

static void note_miss(struct group *g, const char *why)
{
	g->missed++;
	for (int i = 0; i < MAX_WHY; i++) {
		if (g->why[i] == why || !g->why[i]) {
			g->why[i] = why;
			g->why_n[i]++;
			return;
		}
	}
	g->why_n[MAX_WHY - 1]++;
}

/*
 * Fits one prompt of kind to target tokens after prefix: builds enough
 * body text (more when the fit asks for it) and, for a long prompt whose
 * instruction alone is over the target, puts the instruction first and
 * cuts the document after it. The text ends in r->c.text.
 */
static int fit(struct gen_run *r, enum gkind kind, const struct mat_row *row,
	       uint64_t rseed, size_t target, const char *prefix, size_t plen,
	       struct compose_result *res, struct err *e)
{
	size_t li = kind == G_RANDOM ? 64 : lang_index(r, row->lang);
	double bpt = r->bpt[li] > 0 ? r->bpt[li] : 4.0;
	size_t want = (size_t)((double)(target + 16) * bpt * 1.15) + 64;
	int inline_instr = 0, rc;

	for (int attempt = 0; attempt < 24; attempt++) {
		const struct tpl_list *filler = kind == G_RANDOM ? &compose_filler : &row->lang->filler;

		buf_reset(&r->body);
		buf_reset(&r->tail);
		if (kind == G_RANDOM) {
			rc = mat_random(r->t, rseed, (size_t)((double)want / bpt) + 8, &r->body, e);
			/* After a prefix (its blank line), leading whitespace would
			 * join it into one token, as an import's does. */
			if (!rc && plen && r->body.len) {
				size_t k = strspn(r->body.p, " \t\r\n\v\f");

				memmove(r->body.p, r->body.p + k, r->body.len - k);
				r->body.len -= k;
				r->body.p[r->body.len] = '\0';
			}
		} else if (kind == G_SHORT) {
			rc = mat_short(row, want, &r->body, e);
		} else if (inline_instr) {
			if (!(rc = mat_instruction(row, &r->body, e)) &&
			    !(rc = buf_add(&r->body, "\n\n", 2, e)))
				rc = mat_document(row, r->body.len + want, &r->body, e);
		} else {
			if (!(rc = mat_document(row, want, &r->body, e)) &&
			    !(rc = buf_add(&r->tail, "\n\n", 2, e)))
				rc = mat_instruction(row, &r->tail, e);
		}
		if (rc)
			return rc;
		/* Documents are paragraphs, whose ids the compose cache keeps. */
		rc = (kind == G_LONG ? compose_fit_doc : compose_fit)(
			&r->c, prefix, plen, r->body.p, r->body.len,
			r->tail.p ? r->tail.p : "", r->tail.len, filler, target, res, e);
		if (rc)
			return rc;
		if (r->c.ids.n)
			r->bpt[li] = (double)r->body.len / (double)r->c.ids.n;
		if (res->need_more) {
			want *= 2;
			continue;
		}
		if (!res->exact && kind == G_LONG && !inline_instr && res->tokens > target) {
			inline_instr = 1;
			continue;
		}
		return 0;
	}
	return err_set(e, ERR_SOFTWARE, "could not build a prompt of %zu tokens", target);
}

/* A group's common prefix: a document cut to exactly n tokens, ending
 * in a blank line so it tokenizes the same at the start of every prompt. */
static int make_shared(struct gen_run *r, struct group *g, struct rng *rg, struct err *e)
{
	struct compose_result res;
	struct mat_row row;
	size_t n = (size_t)r->o->shared_prefix;
	int rc;

	if (g->kind == G_SHORT || g->kind == G_LONG) {
		mat_pick(r->langs, r->nlangs, g->task, rg, &row);
		buf_reset(&r->body);
		rc = mat_document(&row, (n + 16) * 8 + 64, &r->body, e);
		if (!rc)
			rc = compose_fit_doc(&r->c, "", 0, r->body.p, r->body.len, "\n\n", 2,
					     &row.lang->filler, n, &res, e);
	} else {
		buf_reset(&r->body);
		rc = mat_random(r->t, rng_next(rg), n * 2 + 16, &r->body, e);
		if (!rc)
			rc = compose_fit(&r->c, "", 0, r->body.p, r->body.len, "\n\n", 2,
					 &compose_filler, n, &res, e);
	}
	if (rc)
		return rc;
	if (!res.exact)
		return err_set(e, ERR_DATA, "group %s: could not make a shared prefix of exactly %zu tokens (%s)",
			       g->label, n, res.need_more ? "not enough text" : res.why);
	buf_reset(&g->shared);
	return buf_add(&g->shared, r->c.text.p, r->c.text.len, e);
}

/* The unique prefix: a random tag, distinct per row, in front. */
size_t gen_unique_tag(char *buf, size_t size, struct rng *rg)
{
	int n = snprintf(buf, size, "[%016" PRIx64 "] ", rng_next(rg));

	return n > 0 ? (size_t)n : 0;
}

/* One prompt of the group's kind at target tokens after prefix, written
 * as a row; row is the template material (unused for random groups). */
int gen_make_row(struct gen_run *r, struct group *g, const struct turn_ref *tr,
		 enum gkind kind, const struct mat_row *row, uint64_t rseed,
		 size_t target, long out, const char *pre, size_t plen,
		 struct err *e)
{
	struct compose_result res;
	int rc;

	if ((rc = fit(r, kind, row, rseed, target, pre, plen, &res, e)))
		return rc;
	if (!res.exact)
		note_miss(g, res.why);
	return gen_write_row(r, g, tr, res.tokens, out, row->lang ? row->lang->code : "",
			     kind == G_RANDOM ? "random" : row->dom->id,
			     row->topic ? row->topic : "", r->c.text.p, r->c.text.len, e);
}

/*
 * A conversation: turn 1 as a single-turn row of the group, then
 * follow-ups of the same language, domain and topic (never the same one
 * twice in a row), each padded with requirements to its own exact length.
 * Random groups continue with random text.
 */
static int run_conversation(struct gen_run *r, struct group *g, struct rng *rg,
			    const char *pre, size_t plen, struct err *e)
{
	long turns = len_sample(&r->turns.v[0], rg);
	struct turn_ref tr = { ++r->next_conv, 1 };
	struct mat_row row = { 0 }, next;
	size_t last = (size_t)-1;
	int rc;

	size_t target = (size_t)len_sample(g->in, rg);
	long out = len_sample(g->out, rg);

	if (g->kind != G_RANDOM)
		mat_pick(r->langs, r->nlangs, g->task, rg, &row);
	rc = gen_make_row(r, g, &tr, g->kind, &row, g->kind == G_RANDOM ? rng_next(rg) : 0,
			  target, out, pre, plen, e);
	for (tr.turn = 2; tr.turn <= turns && !rc; tr.turn++) {
		const struct tpl_list *fu = row.lang ? &row.lang->followups : NULL;
		size_t k = 0;

		next = row;
		if (fu) {
			/* Redraw on a repeat (once, it let 1 in 256 through in
			 * a list of 16); a list of one item repeats. */
			k = (size_t)rng_below(rg, fu->n);
			while (k == last && fu->n > 1)
				k = (size_t)rng_below(rg, fu->n);
			next.instr = fu->items[k];
			next.seed = rng_next(rg);
			last = k;
		}
		target = (size_t)len_sample(&r->follow.v[0], rg);
		out = len_sample(g->out, rg);
		rc = gen_make_row(r, g, &tr, g->kind == G_RANDOM ? G_RANDOM : G_SHORT, &next,
				  g->kind == G_RANDOM ? rng_next(rg) : 0, target, out, "", 0, e);
	}
	g->convs++;
	if ((size_t)turns > g->turns_max)
		g->turns_max = (size_t)turns;
	return rc;
}

/* One row of vLLM's sonnet dataset, exactly target tokens. */
static int sonnet_row(struct gen_run *r, struct group *g, struct rng *rg, size_t target,
		      long out, struct err *e)
{
	struct compose_result res;
	int rc = sonnet_fit(&r->sonnet, &r->c, rg, target, &res, e);

	if (rc)
		return rc;
	if (!res.exact)
		note_miss(g, res.why);
	return gen_write_row(r, g, NULL, res.tokens, out, "", "sonnet", "", r->c.text.p,
			     r->c.text.len, e);
}

int gen_run_group(struct gen_run *r, size_t gi, struct err *e)
{
	struct group *g = &r->g[gi];
	size_t rows = (size_t)(r->o->conversations ? r->o->conversations : r->o->count);
	struct rng rg;
	int rc = 0;

	/* Stream gi + 1 of the seed: groups are independent of each other. */
	rng_stream(&rg, r->o->seed, gi + 1);
	/* A sonnet's prefix is its poem lines (sonnet.h). */
	if (r->o->shared_prefix && g->kind != G_SONNET && (rc = make_shared(r, g, &rg, e)))
		return rc;
	if (g->kind == G_IMPORT)
		return 0;
	for (size_t i = 0; i < rows && !rc; i++) {
		struct mat_row row = { 0 };
		const char *pre = g->shared.p ? g->shared.p : "";
		size_t plen = g->shared.len, target;
		uint64_t rseed = 0;
		char tag[40];
		long out;

		if (r->o->conversations) {
			if (r->o->unique_prefix) {
				plen = gen_unique_tag(tag, sizeof tag, &rg);
				pre = tag;
			}
			rc = run_conversation(r, g, &rg, pre, plen, e);
			continue;
		}
		/* This order of draws is what makes a seed's corpus: keep it. */
		target = (size_t)len_sample(g->in, &rg);
		out = len_sample(g->out, &rg);
		if (g->kind == G_SONNET) {
			rc = sonnet_row(r, g, &rg, target, out, e);
			continue;
		}
		/* The prefix alone would be the prompt, with no task in it:
		 * a normal's or lognormal's draw is clipped above it, as any
		 * draw is clipped to 1 (fixed lengths and ranges were checked
		 * by plan). */
		if (g->shared.len && target <= (size_t)r->o->shared_prefix)
			target = (size_t)r->o->shared_prefix + 1;
		if (g->kind == G_RANDOM)
			rseed = rng_next(&rg);
		else
			mat_pick(r->langs, r->nlangs, g->task, &rg, &row);
		if (r->o->unique_prefix) {
			plen = gen_unique_tag(tag, sizeof tag, &rg);
			pre = tag;
		}
		rc = gen_make_row(r, g, NULL, g->kind, &row, rseed, target, out, pre, plen, e);
	}
	return rc;
}

static void summary(const struct gen_run *r)
{
	size_t total = 0, missed = 0;

	fprintf(stderr, "llmgen: seed %" PRIu64 ", tokenizer %s\n", r->o->seed, tok_name(r->t));
	fprintf(stderr, "%-24s %7s %27s %27s %7s\n", "group", "rows",
		"input min/mean/p50/max", "output min/mean/p50/max", "missed");
	for (size_t i = 0; i < r->ng; i++) {
		const struct group *g = &r->g[i];
		struct stats_summary si, so;
		char in[64] = "-", out[64] = "-";

		stats_summarize(g->itok, g->rows, &si);
		stats_summarize(g->otok, g->rows, &so);
		if (g->rows) {
			snprintf(in, sizeof in, "%.0f/%.1f/%.0f/%.0f", si.min, si.mean, si.p50, si.max);
			snprintf(out, sizeof out, "%.0f/%.1f/%.0f/%.0f", so.min, so.mean, so.p50, so.max);
		}
		fprintf(stderr, "%-24s %7zu %27s %27s %7zu\n", g->label, g->rows, in, out, g->missed);
		total += g->rows;
		missed += g->missed;
	}
	fprintf(stderr, "llmgen: %zu row%s; %zu missed their input target\n", total, total == 1 ? "" : "s", missed);
	for (size_t i = 0; r->conv && i < r->ng; i++)
		if (r->g[i].convs)
			fprintf(stderr, "llmgen:   %s: %zu conversations, %.2f turns on average, longest %zu\n",
				r->g[i].label, r->g[i].convs,
				(double)r->g[i].rows / (double)r->g[i].convs, r->g[i].turns_max);
	for (size_t i = 0; i < r->ng; i++)
		for (int k = 0; k < MAX_WHY && r->g[i].why[k]; k++)
			fprintf(stderr, "llmgen:   %s: %zu rows: %s\n", r->g[i].label,
				r->g[i].why_n[k], r->g[i].why[k]);
}

/* With -q: the rows that missed their input target are still said, as
 * an import's shortfall is (a corpus that is not what was asked for). */
static void warn_missed(const struct gen_run *r)
{
	for (size_t i = 0; i < r->ng; i++)
		for (int k = 0; k < MAX_WHY && r->g[i].why[k]; k++)
			fprintf(stderr, "llmgen: warning: %s: %zu row%s missed the input target: %s\n",
				r->g[i].label, r->g[i].why_n[k], r->g[i].why_n[k] == 1 ? "" : "s",
				r->g[i].why[k]);
}

int gen_open(const struct gen_opts *o, struct gen_run **out, struct err *e)
{
	struct gen_run *r = calloc(1, sizeof *r);
	int rc;

	*out = NULL;
	if (!r)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	r->o = o;
	r->conv = o->conversations || o->from_kind == SRC_SHAREGPT_TURNS;
	rc = plan(r, e);
	if (!rc && o->conversations && !(rc = len_parse(o->turns, "--turns", &r->turns, e)))
		rc = len_parse(o->follow_in, "--follow-up-tokens", &r->follow, e);
	if (!rc && (r->turns.n > 1 || r->follow.n > 1))
		rc = err_set(e, ERR_USAGE, "--turns and --follow-up-tokens take one spec, not a sweep");
	if (!rc && o->from)
		rc = src_load(o->from_kind, o->from, &r->src, e);
	if (!rc && o->burstgpt)
		rc = bgpt_load(o->burstgpt, o->count_set ? (size_t)o->count : 0, &r->trace, e);
	r->arrival = o->burstgpt != NULL;
	if (!rc)
		rc = load_templates(r, e);
	if (!rc && o->conversations)
		rc = check_followups(r, e);
	if (!rc)
		rc = tok_open(o->tokenizer, &r->t, e);
	if (!rc) {
		compose_init(&r->c, r->t);
		if (o->sonnet)
			rc = sonnet_open(&r->sonnet, o->sonnet, r->t,
					 o->shared_prefix ? (size_t)o->shared_prefix : 200, e);
		if (!rc)
			rc = gen_open_outputs(r, e);
	}
	if (rc) {
		gen_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int gen_write(struct gen_run *r, const volatile sig_atomic_t *stop, struct err *e)
{
	const struct gen_opts *o = r->o;
	int rc = 0;

	r->stop = stop;
	if (o->from)
		rc = gen_run_import(r, e);
	if (!rc && o->burstgpt)
		rc = gen_run_burstgpt(r, e);
	for (size_t i = 0; !rc && !o->from && !o->burstgpt && i < r->ng; i++)
		rc = gen_run_group(r, i, e);
	/* A signal after the last row still removes the outputs: the run
	 * then dies of it, and a file left in place would look made. */
	if (!rc && stop && *stop)
		rc = err_set(e, ERR_SOFTWARE, "stopped by a signal");
	return gen_close_outputs(r, rc, e);
}

void gen_report(const struct gen_run *r)
{
	if (!r->o->quiet)
		summary(r);
	else
		warn_missed(r);
}

void gen_free(struct gen_run *r)
{
	struct err ignored = { 0 };

	if (!r)
		return;
	/* Outputs still open (gen_open failed, or gen_write was not called)
	 * are removed, never committed. */
	gen_close_outputs(r, ERR_SOFTWARE, &ignored);
	for (size_t i = 0; i < r->ng; i++) {
		free(r->g[i].itok);
		free(r->g[i].otok);
		buf_free(&r->g[i].shared);
	}
	free(r->g);
	for (int i = 0; i < GEN_MAX_SCENARIOS; i++) {
		len_free(&r->in[i]);
		len_free(&r->out[i]);
	}
	len_free(&r->turns);
	len_free(&r->follow);
	src_free(&r->src);
	bgpt_free(&r->trace);
	sonnet_free(&r->sonnet);
	buf_free(&r->body);
	buf_free(&r->tail);
	if (r->t)
		compose_free(&r->c);
	tok_free(r->t);
	tpl_free(r->tpl);
	free(r);
}
