/* The run's steps from the options: see steps.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clk.h"
#include "rng.h"
#include "sched.h"
#include "steps.h"

void steps_free(struct stepset *ss)
{
	for (size_t i = 0; i < ss->n; i++)
		free(ss->times[i]);
	free(ss->times);
	free(ss->v);
	free(ss->trace_rows);
	memset(ss, 0, sizeof *ss);
}

struct arrival {
	double s;
	size_t row;
};

static int by_arrival(const void *a, const void *b)
{
	double x = ((const struct arrival *)a)->s, y = ((const struct arrival *)b)->s;

	return x < y ? -1 : x > y;
}

/* Rate step i's send times (owned by the caller) and their count: the
 * same on every call, each step's draws from its own stream of --seed. */
static int rate_times(const struct opts *o, const struct stepset *ss, size_t i, int sess,
		      int64_t **out, size_t *n, struct err *e)
{
	struct sched_rate sr = o->rate;
	struct rng r;
	int rc;

	sr.rate = o->rates[i];
	rng_stream(&r, o->seed, i);
	/* Shards share one schedule of the whole rate (the same seed draws
	 * it in each), arrival k going to shard k mod N: together they offer
	 * the rate, not N times it. --requests and --duration: whichever
	 * comes first, as in closed loop (--requests was dropped). */
	rc = sched_times(&sr, &r,
			 o->duration_s && !o->requests ? 0
			 : (size_t)(ss->starts + (sess && !o->requests ? 0 : o->warmup)) *
				   (size_t)o->shard_n,
			 (int64_t)(o->duration_s * CLK_NS_PER_S), out, n, e);
	if (rc)
		return rc;
	if (o->shard_n > 1) {
		size_t k = 0;

		for (size_t j = (size_t)o->shard_i; j < *n; j += (size_t)o->shard_n)
			(*out)[k++] = (*out)[j];
		*n = k;
	}
	return 0;
}

/* A slot a conversation: more slots than conversations would run a
 * conversation twice at once, its rows alike and its history in the
 * server's cache from the other copy. ERR_USAGE, or 0. */
static int batches_check(const struct opts *o, const struct sess *sess, struct err *e)
{
	for (size_t i = 0; sess && !o->nrates && !o->trace && i < o->nbatches; i++)
		if ((size_t)o->batches[i] > sess_conversations(sess))
			return err_set(e, ERR_USAGE, "batch size %ld needs as many conversations at once; "
				       "the corpus%s has %zu", o->batches[i],
				       o->shard_n > 1 ? " (this shard)" : "", sess_conversations(sess));
	return 0;
}

/* Step i as --trace's: the corpus's rows in the order of their
 * arrival_s, each sent at it (scaled by --time-scale). */
static int trace_step(const struct opts *o, const struct corpus *c, struct stepset *ss,
		      size_t i, struct err *e)
{
	struct eng_step *s = &ss->v[i];
	int64_t *t = malloc(c->n * sizeof *t);
	struct arrival *ar = malloc(c->n * sizeof *ar);

	ss->trace_rows = malloc(c->n * sizeof *ss->trace_rows);
	if (!t || !ar || !ss->trace_rows) {
		free(t);
		free(ar);
		return err_set(e, ERR_SOFTWARE, "out of memory");
	}
	for (size_t k = 0; k < c->n; k++) {
		if (isnan(c->rows[k].arrival_s)) {
			free(t);
			free(ar);
			if (!c->has_arrival)
				return err_set(e, ERR_DATA, "%s: no arrival_s column "
					       "(--trace sends each row at its arrival_s)",
					       o->corpus);
			return err_set(e, ERR_DATA,
				       "%s:%ld: arrival_s: empty (--trace needs every row's)",
				       o->corpus, c->rows[k].line);
		}
		ar[k].s = c->rows[k].arrival_s;
		ar[k].row = k;
	}
	qsort(ar, c->n, sizeof *ar, by_arrival);
	for (size_t k = 0; k < c->n; k++) {
		ss->trace_rows[k] = ar[k].row;
		/* Bounded: arrival_s by the corpus, the scale by
		 * --time-scale; the product must fit in ns too. */
		if (ar[k].s / o->time_scale > CORPUS_MAX_ARRIVAL_S) {
			int rc = err_set(e, ERR_USAGE, "%s:%ld: arrival_s %g at --time-scale %g "
					 "is past %g s (a year)", o->corpus,
					 c->rows[ar[k].row].line, ar[k].s, o->time_scale,
					 (double)CORPUS_MAX_ARRIVAL_S);

			free(t);
			free(ar);
			return rc;
		}
		t[k] = (int64_t)llround(ar[k].s / o->time_scale * CLK_NS_PER_S);
	}
	free(ar);
	ss->times[i] = t;
	s->kind = "trace";
	s->schedule = "trace";
	s->value = 0;
	s->times = t;
	s->ntimes = c->n;
	s->rows = ss->trace_rows;
	s->max_inflight = o->max_concurrency;
	return 0;
}

/* Step i as --rate's i-th rate; starts: the sends (conversations) a
 * pass makes before its warmup. */
static int rate_step(const struct opts *o, const struct sess *sess, long starts,
		     struct stepset *ss, size_t i, struct err *e)
{
	struct eng_step *s = &ss->v[i];
	const struct sched_rate *sr = &o->rate;
	int64_t *t;
	int rc;

	/* Made here to refuse a bad one before anything is sent,
	 * then again when the step starts: 8 bytes a send, and
	 * every step's at once took 400 MB at --rate
	 * 2000,4000,8000 --duration 3600. */
	ss->starts = starts;
	if ((rc = rate_times(o, ss, i, sess != NULL, &t, &s->ntimes, e)))
		return rc;
	free(t);
	s->kind = "rate";
	s->value = o->rates[i];
	/* A ramp's rows say so: its step is the rate it ends at,
	 * and it would pool with a flat step of that rate. */
	if (sr->ramp != RAMP_NONE)
		s->schedule = sr->arr == ARR_CONSTANT ? "constant-ramp"
			      : sr->arr == ARR_GAMMA  ? "gamma-ramp"
						     : "poisson-ramp";
	else
		s->schedule = sr->arr == ARR_CONSTANT ? "constant"
			      : sr->arr == ARR_GAMMA  ? "gamma"
						     : "poisson";
	s->max_inflight = o->max_concurrency;
	if (sess) {
		s->requests = o->requests;
		s->duration_ns = (int64_t)(o->duration_s * CLK_NS_PER_S);
	}
	return 0;
}

/* Step i as --batch-sizes' i-th size; passes: the sends of one pass over
 * the corpus (or --requests), starts: its conversations. */
static void batch_step(const struct opts *o, const struct sess *sess, long passes,
		       long starts, struct eng_step *s, size_t i)
{
	s->kind = "batch";
	s->value = (double)o->batches[i];
	s->batch = o->batches[i];
	s->waves = o->schedule == SCHED_WAVES;
	s->schedule = s->waves ? "waves" : "window";
	s->requests = o->duration_s && !o->requests ? 0 : passes;
	s->duration_ns = (int64_t)(o->duration_s * CLK_NS_PER_S);
	if (sess) {
		s->requests = o->requests;
		s->conversations = o->requests || o->duration_s ? 0 : starts;
	}
}

int steps_make(const struct opts *o, const struct corpus *c,
	       const struct sess *sess, struct stepset *ss, struct err *e)
{
	size_t n = o->trace ? 1 : o->nrates ? o->nrates : o->nbatches;
	long passes = o->requests ? o->requests : (long)c->n;
	/* Conversations: a pass starts each conversation once (its warmup
	 * turns among them); a rate starts conversations; --requests and
	 * --duration count turns. */
	long starts = sess && !o->requests ? (long)sess_conversations(sess) : passes;
	int rc;

	if ((rc = batches_check(o, sess, e)))
		return rc;
	ss->v = calloc(n, sizeof *ss->v);
	ss->times = calloc(n, sizeof *ss->times);
	if (!ss->v || !ss->times)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	ss->n = n;
	for (size_t i = 0; i < n; i++) {
		ss->v[i].warmup = o->warmup;
		if (o->trace)
			rc = trace_step(o, c, ss, i, e);
		else if (o->nrates)
			rc = rate_step(o, sess, starts, ss, i, e);
		else
			batch_step(o, sess, passes, starts, &ss->v[i], i);
		if (rc)
			return rc;
	}
	return 0;
}

/* A rate step's schedule is made when the step starts and freed when it
 * ends (an hour at a high rate is hundreds of MB). */
static int made_at_start(const struct eng_step *s)
{
	return !strcmp(s->kind, "rate");
}

int steps_begin(const struct opts *o, struct stepset *ss, size_t i,
		const struct sess *sess, struct err *e)
{
	struct eng_step *s = &ss->v[i];
	int rc;

	if (made_at_start(s)) {
		if ((rc = rate_times(o, ss, i, sess != NULL, &ss->times[i], &s->ntimes, e)))
			return rc;
		s->times = ss->times[i];
	}
	return 0;
}

void steps_end(struct stepset *ss, size_t i)
{
	struct eng_step *s = &ss->v[i];

	if (made_at_start(s)) {
		free(ss->times[i]);
		ss->times[i] = NULL;
		s->times = NULL;
	}
}

void steps_label(const struct opts *o, size_t ti, const struct eng_step *s,
		 char *label, size_t size)
{
	/* A ramp's step is its span of rates, not its end. */
	if (o->rate.ramp != RAMP_NONE && !s->batch && !s->rows)
		snprintf(label, size, "%s%sramp=%s:%g:%g",
			 o->ntargets > 1 ? o->targets[ti].name : "", o->ntargets > 1 ? " " : "",
			 o->rate.ramp == RAMP_EXP ? "exp" : "linear",
			 o->rate.ramp_start, o->rate.ramp_end);
	else
		snprintf(label, size, "%s%s%s=%g", o->ntargets > 1 ? o->targets[ti].name : "",
			 o->ntargets > 1 ? " " : "", s->kind, s->value);
}

long steps_total(const struct eng_step *s, const struct sess *sess)
{
	return sess ? (s->requests ? s->requests + s->warmup
		       : s->duration_ns ? -1 : (long)sess_turns(sess))
		: s->times ? (long)s->ntimes
		: s->requests ? s->requests + s->warmup : -1;
}

const struct eng_step *steps_repeat_from(const struct stepset *ss, size_t rows,
					 long *sent)
{
	const struct eng_step *from = NULL;

	*sent = 0;
	for (size_t i = 0; i < ss->n; i++) {
		const struct eng_step *s = &ss->v[i];
		/* A rate step's times are made when it starts; their count now. */
		long k = s->times || made_at_start(s) ? (long)s->ntimes
			 : s->requests ? s->requests + s->warmup : -1;

		if (k < 0)
			return NULL;
		*sent += k;
		if (!from && *sent > (long)rows)
			from = s;
	}
	return from;
}
