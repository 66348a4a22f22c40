#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* vLLM's bucket bounds (vllm/v1/metrics/loggers.py), in seconds. */
static const double ttft_le[] = {
	0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
	1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
};
static const double tpot_le[] = {
	0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5,
	0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
};
static const double e2e_le[] = {
	0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0,
	30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0,
};
#define NLE(a) (sizeof(a) / sizeof((a)[0]))
#define MAXLE 22

struct hist {
	const char *name, *help;
	const double *le;
	size_t nle;
	long count[MAXLE + 1]; /* per bucket, not cumulative; last is +Inf */
	long n;
	double sum;            /* seconds */
};

struct met {
	char *label;           /* model_name="...", escaped */
	long prompt_tokens, generation_tokens;
	struct hist ttft, tpot, e2e;
};

static void hist_init(struct hist *h, const char *name, const char *help,
		      const double *le, size_t nle)
{
	h->name = name;
	h->help = help;
	h->le = le;
	h->nle = nle;
}

static void hist_observe(struct hist *h, double v)
{
	size_t i = 0;

	while (i < h->nle && v > h->le[i])
		i++;
	h->count[i]++;
	h->n++;
	h->sum += v;
}

/* The label pair with the value escaped as the format asks (\\, \", \n). */
static char *label_new(const char *model)
{
	const char *pre = "model_name=\"";
	char *s = malloc(strlen(pre) + 2 * strlen(model) + 2), *p;

	if (!s)
		return NULL;
	p = stpcpy(s, pre);
	for (; *model; model++) {
		if (*model == '\\' || *model == '"' || *model == '\n')
			*p++ = '\\';
		*p++ = *model == '\n' ? 'n' : *model;
	}
	*p++ = '"';
	*p = 0;
	return s;
}

struct met *met_new(const char *model)
{
	struct met *m = calloc(1, sizeof *m);

	if (!m || !(m->label = label_new(model))) {
		free(m);
		return NULL;
	}
	hist_init(&m->ttft, "vllm:time_to_first_token_seconds",
		  "Histogram of time to first token in seconds.", ttft_le, NLE(ttft_le));
	hist_init(&m->tpot, "vllm:time_per_output_token_seconds",
		  "Histogram of time per output token in seconds.", tpot_le, NLE(tpot_le));
	hist_init(&m->e2e, "vllm:e2e_request_latency_seconds",
		  "Histogram of end to end request latency in seconds.", e2e_le,
		  NLE(e2e_le));
	return m;
}

void met_free(struct met *m)
{
	if (!m)
		return;
	free(m->label);
	free(m);
}

void met_token(struct met *m, struct met_req *r, int64_t start_ns,
	       int64_t now_ns, long prompt, int ntok, int last)
{
	if (!m)
		return;
	if (!r->last_ns) {
		m->prompt_tokens += prompt;
		hist_observe(&m->ttft, (double)(now_ns - start_ns) / 1e9);
	} else {
		hist_observe(&m->tpot, (double)(now_ns - r->last_ns) / 1e9);
	}
	r->last_ns = now_ns;
	m->generation_tokens += ntok;
	if (last)
		hist_observe(&m->e2e, (double)(now_ns - start_ns) / 1e9);
}

void met_cut(struct met *m, struct met_req *r, long prompt)
{
	/* A cut ends the stream: this is the request's last call. */
	if (m && !r->last_ns)
		m->prompt_tokens += prompt;
}

static int family(struct buf *o, struct err *e, const char *name,
		  const char *type, const char *help)
{
	return buf_printf(o, e, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int scalar(struct buf *o, struct err *e, const struct met *m,
		  const char *name, const char *type, const char *help, double v)
{
	return family(o, e, name, type, help) ||
	       buf_printf(o, e, "%s{%s} %.17g\n", name, m->label, v);
}

/* x as Python's repr writes it (vLLM's prometheus_client labels its
 * buckets so: le="1.0", "2560.0", "0.001"): the shortest digits that read
 * back as x, and ".0" on a whole number. A query that names the label
 * exactly matches llmsim's series as vLLM's. */
static void float_repr(double x, char *out, size_t n)
{
	int p, ex;

	for (p = 1; p < 17; p++) {
		snprintf(out, n, "%.*e", p - 1, x);
		if (strtod(out, NULL) == x)
			break;
	}
	ex = atoi(strchr(out, 'e') + 1);
	if (ex < -4 || ex >= 16) {
		snprintf(out, n, "%.*e", p - 1, x); /* 1e-05, as Python */
		return;
	}
	snprintf(out, n, "%.*f", p - 1 - ex > 0 ? p - 1 - ex : 0, x);
	if (!strchr(out, '.'))
		strncat(out, ".0", n - strlen(out) - 1);
}

static int hist_render(struct buf *o, struct err *e, const struct met *m,
		       const struct hist *h)
{
	long cum = 0;

	if (family(o, e, h->name, "histogram", h->help))
		return e->code;
	for (size_t i = 0; i <= h->nle; i++) {
		char le[32];

		cum += h->count[i];
		if (i < h->nle)
			float_repr(h->le[i], le, sizeof le);
		else
			strcpy(le, "+Inf");
		if (buf_printf(o, e, "%s_bucket{le=\"%s\",%s} %ld\n", h->name, le,
			       m->label, cum))
			return e->code;
	}
	return buf_printf(o, e, "%s_count{%s} %ld\n%s_sum{%s} %.17g\n", h->name,
			  m->label, h->n, h->name, m->label, h->sum);
}

int met_render(const struct met *m, const struct eng_counts *k,
	       struct buf *out, struct err *e)
{
	double kv = k->kv_total_blocks ?
		(double)k->kv_used_blocks / (double)k->kv_total_blocks : 0;

	if (scalar(out, e, m, "vllm:num_requests_running", "gauge",
		   "Number of requests in model execution batches.",
		   (double)k->running) ||
	    scalar(out, e, m, "vllm:num_requests_waiting", "gauge",
		   "Number of requests waiting to be processed.", (double)k->waiting) ||
	    scalar(out, e, m, "vllm:gpu_cache_usage_perc", "gauge",
		   "GPU KV-cache usage. 1 means 100 percent usage.", kv) ||
	    scalar(out, e, m, "vllm:kv_cache_usage_perc", "gauge",
		   "KV-cache usage. 1 means 100 percent usage.", kv) ||
	    scalar(out, e, m, "vllm:num_preemptions_total", "counter",
		   "Cumulative number of preemption from the engine.",
		   (double)k->preemptions) ||
	    scalar(out, e, m, "vllm:prompt_tokens_total", "counter",
		   "Number of prefill tokens processed.", (double)m->prompt_tokens) ||
	    scalar(out, e, m, "vllm:generation_tokens_total", "counter",
		   "Number of generation tokens processed.",
		   (double)m->generation_tokens) ||
	    (k->prefix_caching &&
	     (scalar(out, e, m, "vllm:prefix_cache_queries_total", "counter",
		     "Prefix cache queries, in terms of number of queried tokens.",
		     (double)k->prefix_queries) ||
	      scalar(out, e, m, "vllm:prefix_cache_hits_total", "counter",
		     "Prefix cache hits, in terms of number of cached tokens.",
		     (double)k->prefix_hits))) ||
	    hist_render(out, e, m, &m->ttft) || hist_render(out, e, m, &m->tpot) ||
	    hist_render(out, e, m, &m->e2e))
		return e->code ? e->code : ERR_SOFTWARE;
	return 0;
}
