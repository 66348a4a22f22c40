/*
 * The routes that generate nothing: the model lists, vLLM's /tokenize and
 * /metrics, and the 404 and 405 answers, with the JSON reply they share
 * with the generation routes' errors.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clk.h"
#include "server_int.h"

void ep_reply_json(struct evhttp_request *req, int code, const char *reason,
		   struct evbuffer *b)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "application/json");
	evhttp_send_reply(req, code, reason, b);
}

/* The served model as each dialect lists it: OpenAI's GET /v1/models,
 * TGI's GET /info, Ollama's GET /api/tags (llmrun asks the one of its
 * --api when no --model is given). */
void ep_models(struct server *s, struct evhttp_request *req, enum ep_models_kind k)
{
	json_t *o = k == EP_MODELS_TGI
		? json_pack("{s:s,s:I}", "model_id", s->c->model, "max_total_tokens",
			    (json_int_t)s->c->prof.max_model_len)
		: k == EP_MODELS_OLLAMA
		? json_pack("{s:[{s:s,s:s}]}", "models", "name", s->c->model, "model", s->c->model)
		: json_pack("{s:s,s:[{s:s,s:s,s:I,s:s,s:s,s:I}]}", "object", "list",
			      "data", "id", s->c->model, "object", "model", "created",
			      (json_int_t)time(NULL), "owned_by", "llmsim", "root",
			      s->c->model, "max_model_len",
			      (json_int_t)s->c->prof.max_model_len);
	char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	evbuffer_add(s->scratch, txt, strlen(txt));
	free(txt);
	json_decref(o);
	ep_reply_json(req, 200, "OK", s->scratch);
}

/* vLLM's POST /tokenize: {"model":..., "prompt":...} -> tokens and count;
 * "messages" instead of "prompt" gives the chat count with the template
 * overhead (and no ids, which a template of counts does not have). */
void ep_tokenize(struct server *s, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body = (const char *)evbuffer_pullup(in, -1);
	json_t *root = json_loadb(body ? body : "", len, 0, NULL), *out = NULL;
	const json_t *pr = json_object_get(root, "prompt"),
		*m = json_object_get(root, "model"),
		*msgs = json_object_get(root, "messages");
	struct tok_ids ids = { 0 };
	struct err e = { 0 };
	long n = 0;
	size_t i;

	if (!json_is_object(root))
		err_set(&e, ERR_DATA, "malformed JSON body");
	else if (m && (!json_is_string(m) || strcmp(json_string_value(m), s->c->model)))
		err_set(&e, ERR_DATA, "The model `%.200s` does not exist.",
			json_is_string(m) ? json_string_value(m) : "?");
	else if (json_is_string(pr) &&
		 !prompt_encode(s->pc, json_string_value(pr), json_string_length(pr), &ids, &e)) {
		json_t *a = json_array();

		for (i = 0; i < ids.n; i++)
			json_array_append_new(a, json_integer(ids.v[i]));
		out = json_pack("{s:I,s:I,s:o,s:n}", "count", (json_int_t)ids.n,
				"max_model_len", (json_int_t)s->c->prof.max_model_len,
				"tokens", a, "token_strs");
	} else if (!e.code && msgs && !prompt_count_chat(s->pc, msgs, &n, &e)) {
		out = json_pack("{s:I,s:I,s:[],s:n}", "count", (json_int_t)n,
				"max_model_len", (json_int_t)s->c->prof.max_model_len,
				"tokens", "token_strs");
	} else if (!e.code) {
		err_set(&e, ERR_DATA, "prompt: expected a string (or messages)");
	}
	tok_ids_free(&ids);
	json_decref(root);
	if (!out) {
		wire_error_json(NULL, s->scratch, 400, "BadRequestError", e.msg);
		ep_reply_json(req, 400, "Bad Request", s->scratch);
		return;
	}
	{
		char *txt = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (txt)
			evbuffer_add(s->scratch, txt, strlen(txt));
		free(txt);
		json_decref(out);
	}
	ep_reply_json(req, 200, "OK", s->scratch);
}

/*
 * GET /metrics: vLLM's Prometheus page (sim/metrics.h). The page goes to
 * the kernel at once, as a chunk does (send_flush_now), so --truth-scrapes
 * can say when it left: a scraper's receive stamp is then checked against
 * it to the microsecond, not only against the events the page counts.
 * evhttp finishes the request from its write callback, triggered here as
 * send.c's end_stream does.
 */
void ep_metrics(struct server *s, struct evhttp_request *req,
		int64_t arrived, int64_t received)
{
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	struct truth_scrape t = {
		.accepted_ns = arr_accepted(s->arr, req),
		.arrived_ns = arrived, .received_ns = received,
		.counted_ns = clk_mono_ns(), .status = 200,
	};
	struct eng_counts k;
	struct buf b = BUF_INIT;
	struct err e = { 0 };

	eng_counts(s->eng, &k);
	if (met_render(s->met, &k, &b, &e)) {
		t.status = 500;
		evhttp_send_error(req, 500, "cannot render the metrics");
	} else {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
				  MET_CONTENT_TYPE);
		evbuffer_add(s->scratch, b.p, b.len);
		evhttp_send_reply(req, 200, "OK", s->scratch);
		t.written_ns = clk_mono_ns();
		if (con) {
			struct bufferevent *bev = send_flush_now(con);

			/* send_held_up's time test is for a stamp taken long
			 * before the write: here the write is bracketed instead. */
			t.sent_ns = clk_mono_ns();
			t.held = send_held_up(con, bev, t.sent_ns);
			if (bev)
				bufferevent_trigger(bev, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
		}
	}
	buf_free(&b);
	if (s->scrapes && !s->err.code)
		truth_write_scrape(s->scrapes, &t, &s->err);
}

void ep_not_found(struct server *s, struct evhttp_request *req, int code)
{
	const char *m = code == 404 ? "{\"detail\":\"Not Found\"}" :
		"{\"detail\":\"Method Not Allowed\"}";

	evbuffer_add(s->scratch, m, strlen(m));
	ep_reply_json(req, code, code == 404 ? "Not Found" : "Method Not Allowed",
		      s->scratch);
}
