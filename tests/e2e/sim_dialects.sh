#!/bin/sh
# llmsim's other wire dialects against curl: TGI, llama.cpp and Ollama,
# each with its own framing, field names and counts.
. tests/lib.sh
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }

. tests/e2e/sim.lib
start_sim --zero-latency --truth "$T/truth.jsonl"
post() { curl -sS -m 20 -N "$URL$1" -d "$2"; }
printf 'hello world' >"$T/p"
P=$(llmgen count -t "$TOKF" "$T/p" | awk '{print $1}')

# TGI: "data:" without a space, no [DONE], generated_text on the last event.
post /generate_stream '{"inputs":"hello world","parameters":{"max_new_tokens":5,"ignore_eos":true}}' >"$T/s"
grep -q '^data:{' "$T/s" && ! grep -q '^data: ' "$T/s" && ! grep -q DONE "$T/s" &&
	ok "TGI stream: data: without a space, no [DONE]" || nok "TGI framing" "$(cat "$T/s")"
grep '^data:' "$T/s" | sed 's/^data://' >"$T/j"
r=$(jq -sc '[length, (map(.token.text) | add) == .[-1].generated_text, .[-1].details.finish_reason, .[-1].details.generated_tokens, (.[:-1] | map(.generated_text) | unique)]' "$T/j")
[ "$r" = '[5,true,"length",5,[null]]' ] && ok "TGI stream: tokens, generated_text, details" || nok "TGI stream" "$r"
r=$(post /generate '{"inputs":"hello world","parameters":{"max_new_tokens":4,"ignore_eos":true}}' | jq -c '[.details.generated_tokens, (.generated_text | split(" ") | length - 1)]')
[ "$r" = '[4,4]' ] && ok "TGI /generate body" || nok "TGI /generate" "$r"

hid=$(curl -s -D - -o /dev/null "$URL/generate" -d '{"inputs":"x","parameters":{"max_new_tokens":2}}' | tr -d '\r' | awk -F': ' 'tolower($1) == "x-request-id" {print $2}')
[ -n "$hid" ] && ok "X-Request-Id header on a dialect without ids" || nok "X-Request-Id header"

# llama.cpp: content events, then a stop event with counts and timings.
post /completion '{"prompt":"hello world","n_predict":6,"stream":true,"ignore_eos":true}' >"$T/s"
grep '^data: ' "$T/s" | sed 's/^data: //' >"$T/j"
r=$(jq -sc '[length, (.[:-1] | map(.stop) | unique), .[-1].stop, .[-1].tokens_predicted, .[-1].tokens_evaluated, .[-1].timings.predicted_n, .[-1].timings.prompt_n, .[-1].stop_type, (.[-1].timings.prompt_ms >= 0)]' "$T/j")
[ "$r" = "[7,[false],true,6,$P,6,$P,\"limit\",true]" ] && ok "llama.cpp stream: content events, stop event with timings" || nok "llama.cpp stream" "$r"
r=$(post /completion '{"prompt":"hello world","n_predict":3,"ignore_eos":true}' | jq -c '[.stop, .tokens_predicted, (.content | split(" ") | length - 1)]')
[ "$r" = '[true,3,3]' ] && ok "llama.cpp body" || nok "llama.cpp body" "$r"

# Ollama: NDJSON, streaming by default, counts and ns durations at the end.
post /api/generate '{"model":"llmsim","prompt":"hello world","options":{"num_predict":4,"ignore_eos":true}}' >"$T/s"
r=$(jq -sc '[length, (.[:-1] | map(.done) | unique), .[-1].done, .[-1].eval_count, .[-1].prompt_eval_count, .[-1].done_reason, (.[-1].total_duration >= .[-1].eval_duration)]' "$T/s")
[ "$r" = "[5,[false],true,4,$P,\"length\",true]" ] && ok "Ollama /api/generate NDJSON" || nok "Ollama generate" "$r"
r=$(post /api/chat '{"model":"llmsim","messages":[{"role":"user","content":"hello world"}],"stream":false,"options":{"num_predict":3,"ignore_eos":true}}' | jq -c '[.message.role, .done, .eval_count, (.message.content | split(" ") | length - 1)]')
[ "$r" = '["assistant",true,3,3]' ] && ok "Ollama /api/chat body" || nok "Ollama chat" "$r"
post /api/chat '{"model":"llmsim","messages":[{"role":"user","content":"hi"}],"options":{"num_predict":2,"ignore_eos":true}}' >"$T/s"
r=$(jq -sc 'map(.message.content)' "$T/s")
[ "$(jq -s 'length' "$T/s")" = 3 ] && ok "Ollama /api/chat streams by default" || nok "Ollama chat stream" "$r"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/generate" -d '{"prompt":"x"}')
[ "$code" = 400 ] && ok "Ollama without a model is 400" || nok "Ollama without a model" "$code"

stop_sim
n=$(jq -r .path "$T/truth.jsonl" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
[ "$n" = "/api/chat:2 /api/generate:2 /completion:2 /generate:2 /generate_stream:1 " ] &&
	ok "every dialect's requests are in the truth log" || nok "truth paths" "$n"
[ "$(jq -r "select(.id == \"$hid\") | .path" "$T/truth.jsonl")" = /generate ] && ok "X-Request-Id names the truth log line" || nok "X-Request-Id in truth"
t=$(jq -sc '[.[] | select(.path == "/generate_stream") | (.chunks | length), .completion_tokens]' "$T/truth.jsonl")
[ "$t" = '[5,5]' ] && ok "TGI truth chunks" || nok "TGI truth chunks" "$t"
