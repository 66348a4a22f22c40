#!/bin/sh
# llmsim's OpenAI endpoints against curl: vLLM's event order, usage,
# non-streaming bodies, /v1/models, /health, errors, and the truth log's
# chunks matching what the client received. Zero-latency mode: no test
# here depends on timing.
. tests/lib.sh
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }

. tests/e2e/sim.lib
post() { curl -sS -m 20 -N "$URL$1" -H 'Content-Type: application/json' -d "$2"; }

start_sim --zero-latency --truth "$T/truth.jsonl" --seed 7
case "$URL" in
http://127.0.0.1:[0-9]*) ok "prints its URL first" ;;
*) nok "prints its URL first" "got '$URL'" ;;
esac

code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/health")
[ "$code" = 200 ] && ok "/health is 200" || nok "/health is 200" "got $code"
curl -s "$URL/v1/models" >"$T/models"
[ "$(jq -r '.object + " " + .data[0].id' "$T/models")" = "list llmsim" ] &&
	ok "/v1/models lists the model" || nok "/v1/models lists the model" "$(cat "$T/models")"

# Streaming chat with usage.
post /v1/chat/completions '{"model":"llmsim","messages":[{"role":"user","content":"Tell me a story."}],"max_tokens":12,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}' >"$T/chat"
grep '^data: ' "$T/chat" | sed 's/^data: //' >"$T/events"
n=$(wc -l <"$T/events")
[ "$(tail -n 1 "$T/events")" = "[DONE]" ] && ok "chat stream ends with [DONE]" || nok "chat stream ends with [DONE]"
head -n $((n - 1)) "$T/events" >"$T/json"
if jq -e . "$T/json" >/dev/null 2>&1; then ok "every chat event is JSON"; else nok "every chat event is JSON"; fi
[ "$(head -n 1 "$T/json" | jq -c '.choices[0].delta')" = '{"role":"assistant","content":""}' ] &&
	ok "chat opens with a role-only chunk" || nok "chat opens with a role-only chunk" "$(head -n 1 "$T/json")"
content=$(jq -r 'select(.choices | length > 0) | .choices[0].delta.content // empty' "$T/json" | grep -c .)
[ "$content" -eq 12 ] && ok "12 content chunks for max_tokens 12 with ignore_eos" || nok "12 content chunks" "got $content"
fr=$(jq -r 'select(.choices | length > 0) | .choices[0].finish_reason // empty' "$T/json")
[ "$fr" = length ] && ok "one finish_reason, length, on the last content chunk" || nok "finish_reason" "got '$fr'"
last_content=$(jq -c 'select(.choices | length > 0)' "$T/json" | tail -n 1 | jq -r '.choices[0].finish_reason')
[ "$last_content" = length ] && ok "finish_reason rides the last text chunk" || nok "finish_reason rides the last text chunk"
usage=$(tail -n 1 "$T/json" | jq -c '[.choices, .usage.completion_tokens, .usage.prompt_tokens + .usage.completion_tokens == .usage.total_tokens]')
[ "$usage" = '[[],12,true]' ] && ok "usage chunk with empty choices" || nok "usage chunk with empty choices" "$usage"
ids=$(jq -r .id "$T/json" | sort -u | wc -l)
[ "$ids" -eq 1 ] && ok "one id per stream" || nok "one id per stream"

# No usage chunk unless asked; continuous usage when asked.
post /v1/chat/completions '{"messages":[{"role":"user","content":"x"}],"max_tokens":3,"ignore_eos":true,"stream":true}' |
	grep -c '"usage"' >"$T/nu" || true
[ "$(cat "$T/nu")" -eq 0 ] && ok "no usage chunk without include_usage" || nok "no usage chunk without include_usage"
post /v1/completions '{"prompt":"x","max_tokens":4,"ignore_eos":true,"stream":true,"stream_options":{"continuous_usage_stats":true}}' |
	grep '^data: {' | sed 's/^data: //' | jq -r '.usage.completion_tokens' | tr '\n' ' ' >"$T/cu"
[ "$(cat "$T/cu")" = "1 2 3 4 " ] && ok "continuous usage counts up per chunk" || nok "continuous usage" "$(cat "$T/cu")"

# Completions stream.
post /v1/completions '{"model":"llmsim","prompt":"Once upon a time","max_tokens":5,"ignore_eos":true,"stream":true}' >"$T/cmpl"
texts=$(grep '^data: {' "$T/cmpl" | sed 's/^data: //' | jq -r '.choices[0].text' | grep -c .)
objs=$(grep '^data: {' "$T/cmpl" | sed 's/^data: //' | jq -r .object | sort -u)
[ "$texts" -eq 5 ] && [ "$objs" = text_completion ] && ok "completions stream: 5 text_completion chunks" ||
	nok "completions stream" "$texts $objs"

# Non-streaming bodies.
post /v1/chat/completions '{"messages":[{"role":"user","content":"hi"}],"max_tokens":7,"ignore_eos":true}' >"$T/body"
r=$(jq -c '[.object, .choices[0].message.role, .usage.completion_tokens, .choices[0].finish_reason]' "$T/body")
[ "$r" = '["chat.completion","assistant",7,"length"]' ] && ok "non-streaming chat body with usage" || nok "non-streaming chat body" "$r"
words=$(jq -r '.choices[0].message.content' "$T/body" | wc -w)
[ "$words" -eq 7 ] && ok "7 tokens are 7 words" || nok "7 tokens are 7 words" "$words"
a=$(post /v1/completions '{"prompt":"same","max_tokens":6,"ignore_eos":true}' | jq -r '.choices[0].text')
b=$(post /v1/completions '{"prompt":"same","max_tokens":6,"ignore_eos":true}' | jq -r '.choices[0].text')
[ -n "$a" ] && [ "$a" = "$b" ] && ok "text is deterministic per request" || nok "text is deterministic" "'$a' vs '$b'"

# Without ignore_eos the length is drawn, capped by max_tokens.
cap=$(post /v1/completions '{"prompt":"a","max_tokens":3}' | jq -r '.usage.completion_tokens')
[ "$cap" -ge 1 ] && [ "$cap" -le 3 ] && ok "drawn length capped by max_tokens" || nok "drawn length capped" "$cap"
st=$(post /v1/completions '{"prompt":"a","max_tokens":1000,"min_tokens":1000}' | jq -r '.usage.completion_tokens')
[ "$st" -eq 1000 ] && ok "min_tokens = max_tokens gives exactly max_tokens" || nok "min_tokens" "$st"

# Errors.
errcase() {
	name=$1 want=$2 path=$3 body=$4
	code=$(curl -s -o "$T/e" -w '%{http_code}' "$URL$path" -d "$body")
	if [ "$code" = "$want" ] && { [ "$want" = 404 ] || jq -e '.error.message and .error.type and .error.code' "$T/e" >/dev/null; }; then
		ok "$name"
	else
		nok "$name" "status $code: $(cat "$T/e")"
	fi
}
errcase "malformed body is 400 with an error object" 400 /v1/chat/completions '{"messages": ['
errcase "unknown model is 400" 400 /v1/completions '{"model":"gpt-9","prompt":"x"}'
errcase "max_tokens over the context is 400" 400 /v1/completions '{"prompt":"x","max_tokens":10000000}'
errcase "missing messages is 400" 400 /v1/chat/completions '{"max_tokens":3}'
# -1 is the unset value inside llmsim, not one a client may send.
errcase "max_tokens -1 is 400" 400 /v1/chat/completions '{"messages":[{"role":"user","content":"hi"}],"max_tokens":-1}'
errcase "max_tokens 0 is 400" 400 /v1/chat/completions '{"messages":[{"role":"user","content":"hi"}],"max_tokens":0}'
errcase "unknown path is 404" 404 /v1/nothing '{}'
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/chat/completions")
[ "$code" = 405 ] && ok "GET on a POST route is 405" || nok "GET on a POST route is 405" "$code"

stop_sim
rc=$?
[ "$rc" -eq 0 ] && ok "SIGTERM exits 0" || nok "SIGTERM exits 0" "exit $rc"

# The truth log: one line per generation request, chunks as received.
lines=$(wc -l <"$T/truth.jsonl")
[ "$lines" -eq 15 ] && ok "one truth line per generation request" || nok "one truth line per request" "$lines lines"
id=$(head -n 1 "$T/json" | jq -r .id)
t=$(jq -c "select(.id == \"$id\") | [(.chunks | length), ([.chunks[][1]] | add), .completion_tokens, .status, .fault, (.received_ns <= .admitted_ns and .admitted_ns <= .first_chunk_ns and .first_chunk_ns <= .end_ns)]" "$T/truth.jsonl")
[ "$t" = '[12,12,12,200,"none",true]' ] && ok "truth chunks match the stream received" || nok "truth chunks match" "$t"
mono=$(jq -r "select(.id == \"$id\") | [.chunks[][0]] | (. == sort)" "$T/truth.jsonl")
[ "$mono" = true ] && ok "truth chunk times are in order" || nok "truth chunk times are in order"
e400=$(jq -r 'select(.status == 400) | .id' "$T/truth.jsonl" | wc -l)
[ "$e400" -eq 6 ] && ok "400s are in the truth log" || nok "400s are in the truth log" "$e400"

# Usage errors and exit codes.
expect_exit 64 "bad option value exits 64" llmsim --port 99999
# The seed is a whole 64-bit number, exactly (read as a double, 1.5 passed
# for 1 and seeds past 2^53 lost their last digits).
expect_exit 64 "--seed 1.5 exits 64" llmsim -t "$TOKF" --port 0 --seed 1.5
expect_exit 64 "fault rates over 1 exit 64" llmsim --fail-rate 0.6 --garbage-rate 0.6
expect_exit 66 "a truth log in a missing folder exits 66, as -o of every tool" llmsim --port 0 -t "$TOKF" --truth /nonexistent/dir/t.jsonl
expect_exit 74 "a truth log naming a folder exits 74" llmsim --port 0 -t "$TOKF" --truth "$T"
expect_exit 66 "a missing tokenizer exits 66" llmsim --port 0 -t "$T/none.tiktoken"

# Prompt counts are exact: usage.prompt_tokens against llmgen count.
start_sim --zero-latency
PROMPT='The quick brown fox — jumps over 13 lazy dogs; 世界你好!'
printf '%s' "$PROMPT" >"$T/p.txt"
want=$(llmgen count -t "$TOKF" "$T/p.txt" | awk '{print $1}')
body=$(jq -cn --arg p "$PROMPT" '{prompt: $p, max_tokens: 1}')
got=$(post /v1/completions "$body" | jq -r .usage.prompt_tokens)
[ -n "$want" ] && [ "$got" = "$want" ] && ok "completions prompt_tokens = llmgen count ($want)" || nok "completions prompt_tokens" "$got vs $want"
printf 'user' >"$T/role.txt"
role=$(llmgen count -t "$TOKF" "$T/role.txt" | awk '{print $1}')
body=$(jq -cn --arg p "$PROMPT" '{messages: [{role: "user", content: $p}], max_tokens: 1}')
got=$(post /v1/chat/completions "$body" | jq -r .usage.prompt_tokens)
[ "$got" = "$((want + role + 3 + 3))" ] && ok "chat prompt_tokens = content + role + 3 per message + 3" || nok "chat prompt_tokens" "$got vs $want+$role+6"
ids=$(llmgen count --ids -t "$TOKF" "$T/p.txt")
body=$(jq -cn --arg p "$PROMPT" '{model: "llmsim", prompt: $p}')
post /tokenize "$body" >"$T/tk"
[ "$(jq -r '.tokens | map(tostring) | join(" ")' "$T/tk")" = "$ids" ] && [ "$(jq .count "$T/tk")" = "$want" ] &&
	ok "/tokenize gives llmgen's ids and count" || nok "/tokenize" "$(cat "$T/tk") vs $ids"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/tokenize" -d '{"prompt": 3}')
[ "$code" = 400 ] && ok "/tokenize without a prompt is 400" || nok "/tokenize 400" "$code"
echo '{"old": 1}' >"$T/old.jsonl"
llmsim -t "$TOKF" --port "${URL##*:}" --truth "$T/old.jsonl" >/dev/null 2>"$T/inuse.err"
rc=$?
[ $rc -eq 69 ] && grep -qx "llmsim: cannot listen on 127.0.0.1:${URL##*:}: Address already in use" "$T/inuse.err" &&
	ok "a port in use exits 69 and says why" || nok "a port in use exits 69 and says why" "exit $rc: $(cat "$T/inuse.err")"
# ... and an earlier truth log of that name is kept (it was emptied).
[ "$(cat "$T/old.jsonl")" = '{"old": 1}' ] && ok "a failed start keeps an earlier truth log" ||
	nok "a failed start keeps an earlier truth log" "$(wc -c <"$T/old.jsonl") bytes"
stop_sim

# The longest request the context check lets through is admitted: the
# context length leaves room for the 1% of the cache kept free. (It
# waited at the head of the queue for ever, and every request behind it.)
expect_exit 64 "--kv-tokens 20: no room for a request, 64" llmsim -t "$TOKF" --port 0 --kv-tokens 20
start_sim --zero-latency --kv-tokens 8000
m=$(curl -s "$URL/v1/models" | jq '.data[0].max_model_len')
python3 -c "import json, sys; print(json.dumps({'model': 'llmsim', 'prompt': ' '.join(['hello'] * (int(sys.argv[1]) - 1)), 'max_tokens': 1}))" "$m" >"$T/long.json"
a=$(curl -s -m 20 "$URL/v1/completions" -H 'Content-Type: application/json' -d @"$T/long.json" | jq -r '.usage | "\(.prompt_tokens) \(.completion_tokens)"')
b=$(post /v1/completions '{"model": "llmsim", "prompt": "hi", "max_tokens": 1}' | jq -r '.usage.completion_tokens')
stop_sim
[ "$a" = "$((m - 1)) 1" ] && [ "$b" = 1 ] && ok "a request of the whole context ($m tokens) is answered, and the next one" ||
	nok "a request of the whole context is answered, and the next one" "max_model_len $m; got '$a' and '$b'"

# A truth log that cannot be written is said at the first line lost, not
# only at exit (a run checked against it would be checked against nothing).
start_sim --zero-latency --truth /dev/full
post /v1/completions '{"model": "llmsim", "prompt": "hi", "max_tokens": 1}' >/dev/null
sleep 0.2
said=$(grep -c "llmsim: --truth: /dev/full: .*: the log ends here" "$T/err")
stop_sim
rc=$?
[ "$said" -eq 1 ] && [ $rc -eq 74 ] && ok "a truth log that cannot be written: said at once, exit 74" ||
	nok "a truth log that cannot be written: said at once, exit 74" "said $said, exit $rc: $(cat "$T/err")"
