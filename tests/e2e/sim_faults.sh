#!/bin/sh
# llmsim's faults and wire variations, each seen by curl and recorded in
# the truth log. Rates of 1 make every request fault, so nothing depends
# on luck; stalls are checked as gaps of at least --stall-ms.
. tests/lib.sh
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }

. tests/e2e/sim.lib
STREAM='{"messages":[{"role":"user","content":"hi"}],"max_tokens":40,"ignore_eos":true,"stream":true}'
post() { curl -sS -m 20 -N "$URL/v1/chat/completions" -d "${1:-$STREAM}" 2>"$T/curlerr"; }
truth() { jq -r "$1" "$T/truth.jsonl"; }

start_sim --truth "$T/truth.jsonl" --zero-latency --fail-rate 1
code=$(curl -s -o "$T/b" -w '%{http_code}' "$URL/v1/chat/completions" -d "$STREAM")
stop_sim
[ "$code" = 500 ] && jq -e .error.message "$T/b" >/dev/null && ok "fail: 500 with an error object" || nok "fail: 500" "$code"
[ "$(truth '.fault + " " + (.status|tostring)')" = "fail 500" ] && ok "fail is in the truth log" || nok "fail in truth"

start_sim --truth "$T/truth.jsonl" --zero-latency --rate-limit-rate 1 --retry-after 7
curl -s -D "$T/h" -o /dev/null "$URL/v1/chat/completions" -d "$STREAM"
stop_sim
grep -q '^HTTP/1.1 429' "$T/h" && grep -qi '^Retry-After: 7' "$T/h" && ok "rate limit: 429 with Retry-After" || nok "rate limit" "$(cat "$T/h")"
[ "$(truth .fault)" = rate_limit ] && ok "rate_limit is in the truth log" || nok "rate_limit in truth"

# The n-th request's fault depends on the seed and n alone: the fault
# kinds of 25 requests are the same whether they stream or not (a
# streamed mid-stream fault drew its point from the same stream, and the
# kinds after it shifted). Not streamed, a mid-stream fault is none.
for st in true false; do
	start_sim --truth "$T/seq.jsonl" --zero-latency --seed 11 --fail-rate 0.1 --rate-limit-rate 0.1 --disconnect-rate 0.3
	for i in $(seq 1 25); do
		curl -sS -m 20 -o /dev/null "$URL/v1/completions" \
			-d '{"prompt":"hi","max_tokens":8,"ignore_eos":true,"stream":'$st'}' 2>/dev/null
	done
	stop_sim
	jq -r '.fault | if . == "disconnect" then "none" else . end' "$T/seq.jsonl" | tr '\n' ' ' >"$T/seq.$st"
	rm -f "$T/seq.jsonl"
done
[ -s "$T/seq.true" ] && cmp -s "$T/seq.true" "$T/seq.false" && grep -q fail "$T/seq.true" &&
	ok "faults by seed and request number, streamed or not" ||
	nok "faults by seed and request number, streamed or not" "streamed: $(cat "$T/seq.true"); not: $(cat "$T/seq.false")"

start_sim --truth "$T/truth.jsonl" --zero-latency --disconnect-rate 1
post >"$T/s"
rc=$?
stop_sim
[ $rc -ne 0 ] && ! grep -q '\[DONE\]' "$T/s" && ok "disconnect: the stream is cut (curl exit $rc)" || nok "disconnect" "rc $rc"
got=$(grep -c '"content":" ' "$T/s")
t=$(truth '[.fault, .completion_tokens, ([.chunks[][1]] | add // 0)] | @tsv')
[ "$t" = "$(printf 'disconnect\t%s\t%s' "$got" "$got")" ] && [ "$got" -lt 40 ] &&
	ok "disconnect: truth has the $got tokens received" || nok "disconnect in truth" "$t vs $got"

start_sim --truth "$T/truth.jsonl" --zero-latency --stall-rate 1 --stall-ms 300
post >"$T/s"
stop_sim
gap=$(truth '[.chunks[][0]] as $c | [range(1; $c | length) | $c[.] - $c[. - 1]] | max')
[ "$(truth .fault)" = stall ] && [ "$gap" -ge 300000000 ] && grep -q '\[DONE\]' "$T/s" &&
	ok "stall: a gap of at least 300 ms, then the stream ends" || nok "stall" "gap $gap"

start_sim --truth "$T/truth.jsonl" --zero-latency --garbage-rate 1
post >"$T/s"
stop_sim
bad=$(grep '^data: {' "$T/s" | sed 's/^data: //' | while read -r l; do printf '%s\n' "$l" | jq . >/dev/null 2>&1 || echo x; done | wc -l)
[ "$bad" -eq 1 ] && grep -q '\[DONE\]' "$T/s" && [ "$(grep -c '"content":" ' "$T/s")" -eq 40 ] &&
	ok "garbage: one invalid event in a complete stream" || nok "garbage" "$bad bad events"
[ "$(truth .fault)" = garbage ] && ok "garbage is in the truth log" || nok "garbage in truth"

start_sim --truth "$T/truth.jsonl" --zero-latency --error-event-rate 1
post >"$T/s"
stop_sim
grep '^data: {"error"' "$T/s" | sed 's/^data: //' | jq -e '.error.message' >/dev/null &&
	grep -q '\[DONE\]' "$T/s" && ok "error event: an error object inside the stream" || nok "error event" "$(tail -n 4 "$T/s")"
[ "$(truth .fault)" = error_event ] && ok "error_event is in the truth log" || nok "error_event in truth"

start_sim --truth "$T/truth.jsonl" --zero-latency --fail-rate 1 --errors-in-stream
code=$(curl -s -o "$T/s" -w '%{http_code}' "$URL/v1/chat/completions" -d "$STREAM")
# Ollama's NDJSON stream too (it got the HTTP 500 until 2026-12-07).
ocode=$(curl -s -o "$T/o" -w '%{http_code}' "$URL/api/generate" -d '{"model":"llmsim","prompt":"hi"}')
stop_sim
[ "$code" = 200 ] && grep -q '^data: {"error"' "$T/s" && ok "errors in a 200 stream" || nok "errors in a 200 stream" "$code"
[ "$ocode" = 200 ] && jq -e '.error | type == "string"' "$T/o" >/dev/null && ok "errors in a 200 stream: Ollama's NDJSON too" ||
	nok "errors in a 200 stream: Ollama's NDJSON too" "$ocode: $(head -c 200 "$T/o")"
# Each dialect's error body as its server writes it: TGI's {"error": "...",
# "error_type": "..."}, Ollama's {"error": "..."} (both had OpenAI's).
start_sim --zero-latency --fail-rate 1
tcode=$(curl -s -o "$T/t" -w '%{http_code}' "$URL/generate" -d '{"inputs":"hi","parameters":{"max_new_tokens":4}}')
ocode=$(curl -s -o "$T/o" -w '%{http_code}' "$URL/api/generate" -d '{"model":"llmsim","prompt":"hi","stream":false}')
stop_sim
[ "$tcode" = 500 ] && jq -e '(.error | type == "string") and .error_type == "generation"' "$T/t" >/dev/null &&
	[ "$ocode" = 500 ] && jq -e '.error | type == "string"' "$T/o" >/dev/null &&
	ok "TGI's and Ollama's error bodies in their own shapes" ||
	nok "TGI's and Ollama's error bodies in their own shapes" "$tcode $(cat "$T/t"); $ocode $(cat "$T/o")"

# Wire variations.
start_sim --truth "$T/truth.jsonl" --zero-latency --no-space --no-done --crlf --sse-comments
post >"$T/s"
stop_sim
grep -q '^data:{' "$T/s" && ! grep -q '^data: ' "$T/s" && ok "--no-space" || nok "--no-space"
! grep -q 'DONE' "$T/s" && ok "--no-done" || nok "--no-done"
[ "$(grep -c "$(printf '\r$')" "$T/s")" -eq "$(wc -l <"$T/s")" ] && ok "--crlf ends every line with \\r\\n" || nok "--crlf"
grep -q '^: ' "$T/s" && grep -q '^event: message' "$T/s" && ok "--sse-comments" || nok "--sse-comments"

start_sim --truth "$T/truth.jsonl" --zero-latency --split-writes --seed 3
post >"$T/s"
stop_sim
n=$(grep '^data: {' "$T/s" | sed 's/^data: //' | jq -r '.choices[0].delta.content // empty' | grep -c .)
[ "$n" -eq 40 ] && grep -q '\[DONE\]' "$T/s" && ok "--split-writes: events arrive whole" || nok "--split-writes" "$n"
[ "$(truth '.chunks | length')" -eq 40 ] && ok "--split-writes: truth has 40 chunks" || nok "--split-writes truth"

start_sim --truth "$T/truth.jsonl" --zero-latency --tokens-per-chunk 4 --reasoning-tokens 6 --reasoning-field reasoning
post '{"messages":[{"role":"user","content":"hi"}],"max_tokens":14,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}' >"$T/s"
stop_sim
grep '^data: {' "$T/s" | sed 's/^data: //' >"$T/j"
r=$(jq -r 'select(.choices | length > 0) | .choices[0].delta | (if .reasoning then "r" + (.reasoning | split(" ") | length - 1 | tostring) elif .content != "" then "c" + (.content | split(" ") | length - 1 | tostring) else "role" end)' "$T/j" | tr '\n' ' ')
# The first token goes at once, as vLLM's --stream-interval sends it (it
# waited for 4 until 2026-12-07), then 4 a chunk.
[ "$r" = "role r1 r4 r1 c4 c4 " ] && ok "--tokens-per-chunk 4 with 6 reasoning tokens: the first at once" || nok "tokens per chunk / reasoning" "$r"
[ "$(truth '[.chunks[][1]] | map(tostring) | join(",")')" = "1,4,1,4,4" ] && ok "truth chunks carry their token counts" || nok "truth chunk counts"
[ "$(tail -n 1 "$T/j" | jq .usage.completion_tokens_details.reasoning_tokens)" = 6 ] && ok "usage reports reasoning tokens" || nok "reasoning usage"

# A client that goes away frees its sequence; the truth log says so.
start_sim --truth "$T/truth.jsonl" --time-scale 1 --stats=1
curl -s -m 0.5 -N "$URL/v1/chat/completions" -d '{"messages":[{"role":"user","content":"hi"}],"max_tokens":2000,"ignore_eos":true,"stream":true}' >/dev/null 2>&1
curl -s -m 0.5 "$URL/v1/completions" -d '{"prompt":"hi","max_tokens":2000,"ignore_eos":true}' >/dev/null 2>&1
sleep 1.2
stop_sim
t=$(truth '[.fault, .completion_tokens < 2000] | @tsv' | sort -u)
[ "$t" = "$(printf 'client_gone\ttrue')" ] && [ "$(wc -l <"$T/truth.jsonl")" -eq 2 ] &&
	ok "client gone (streaming and not): logged, sequence freed" || nok "client gone" "$t"
grep -q 'running 0, waiting 0' "$T/err" && ok "--stats shows the sequence freed" || nok "--stats" "$(cat "$T/err")"

# Streaming clients that leave mid-stream (fresh and kept-alive
# connections, a chunk still queued by --jitter-us), then llmsim stopped
# at once or after it saw them go: no leak, no sanitizer report.
LONG='{"messages":[{"role":"user","content":"hi"}],"max_tokens":2000,"ignore_eos":true,"stream":true}'
for pause in 0 0.3; do
	for opts in "" "--jitter-us 200000"; do
		start_sim --time-scale 1 $opts
		pids=
		for i in 1 2 3; do
			curl -s -m 0.4 -N "$URL/v1/chat/completions" -d "$LONG" >/dev/null 2>&1 &
			pids="$pids $!"
		done
		curl -s -m 0.6 -N "$URL/v1/chat/completions" -d "$STREAM" --next -N "$URL/v1/chat/completions" -d "$LONG" >/dev/null 2>&1
		wait $pids
		sleep $pause
		stop_sim && ok "clients gone mid-stream, stop after ${pause}s${opts:+ ($opts)}: clean exit" ||
			nok "clients gone mid-stream, stop after ${pause}s${opts:+ ($opts)}" "$(tail -n 5 "$T/err")"
	done
done

start_sim --truth "$T/truth.jsonl" --time-scale 1 --max-connections 1 --request-timeout 400
curl -s -m 5 -N "$URL/v1/chat/completions" -d '{"messages":[{"role":"user","content":"hi"}],"max_tokens":2000,"ignore_eos":true,"stream":true}' >/dev/null 2>&1 &
cpid=$!
sleep 0.2
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/chat/completions" -d "$STREAM")
wait $cpid
stop_sim
[ "$code" = 503 ] && ok "--max-connections: 503 past the cap" || nok "--max-connections" "$code"
[ "$(truth 'select(.status == 200) | .fault')" = timeout ] && ok "--request-timeout cuts and logs the request" || nok "--request-timeout" "$(cat "$T/truth.jsonl")"
# Not streamed, the request cut off got no answer: status 0 (it said 200).
start_sim --truth "$T/truth.jsonl" --time-scale 1 --request-timeout 200
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/v1/chat/completions" \
	-d '{"messages":[{"role":"user","content":"hi"}],"max_tokens":2000,"ignore_eos":true}')
stop_sim
[ "$code" = 000 ] && [ "$(truth '[.fault, .status] | @tsv')" = "$(printf 'timeout\t0')" ] &&
	ok "--request-timeout, not streamed: no answer, status 0 in the truth log" ||
	nok "--request-timeout, not streamed: no answer, status 0 in the truth log" "curl $code; $(cat "$T/truth.jsonl")"

# Body cap, send jitter, and preemption when the KV cache runs out.
start_sim --truth "$T/truth.jsonl" --zero-latency --max-body 200 --jitter-us 3000
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v1/completions" -d "{\"prompt\":\"$(printf '%0300d' 0)\"}")
post >"$T/s"
stop_sim
[ "$code" = 413 ] && ok "--max-body: 413 past the cap" || nok "--max-body" "$code"
n=$(grep '^data: {' "$T/s" | sed 's/^data: //' | jq -r '.choices[0].delta.content // empty' | grep -c .)
[ "$n" -eq 40 ] && [ "$(truth 'select(.status == 200) | [.chunks[][0]] | . == sort')" = true ] &&
	ok "--jitter-us keeps every chunk, in order" || nok "--jitter-us" "$n"

# 20 blocks of KV, two requests that each grow to 14 blocks; at 10x the
# first takes 100 ms, so the second arrives while it runs.
start_sim --truth "$T/truth.jsonl" --time-scale 10 --kv-tokens 320 --max-model-len 240
B='{"prompt":[REPLACE],"max_tokens":160,"ignore_eos":true,"stream":true}'
b1=$(echo "$B" | sed "s/REPLACE/$(seq -s, 1 64)/")
b2=$(echo "$B" | sed "s/REPLACE/$(seq -s, 2 65)/")
curl -s -N "$URL/v1/completions" -d "$b1" >"$T/p1" & c1=$!
curl -s -N "$URL/v1/completions" -d "$b2" >"$T/p2"
wait $c1
stop_sim
p=$(truth '.preemptions' | awk '{s += $1} END {print s}')
t=$(truth '.completion_tokens' | sort -u)
[ "$p" -gt 0 ] && [ "$t" = 160 ] && grep -q DONE "$T/p1" && grep -q DONE "$T/p2" &&
	ok "KV exhaustion preempts ($p), and both streams still finish" || nok "preemption" "preemptions $p, tokens $t"

# A fault at the first token strikes after the role chunk (vLLM's order),
# and the token it replaces is never sent, so /metrics counts it nowhere:
# its generated tokens equal the truth log's over disconnects and error
# events, and its TTFT count the streams that got a first token.
start_sim --truth "$T/truth.jsonl" --zero-latency --garbage-rate 1
post '{"messages":[{"role":"user","content":"hi"}],"max_tokens":1,"stream":true}' >"$T/g"
stop_sim
first=$(grep '^data:' "$T/g" | head -1)
case $first in *'"role":"assistant"'*) ok "garbage at the first token: the role chunk comes first" ;;
*) nok "garbage at the first token: the role chunk comes first" "$(head -3 "$T/g")" ;; esac
start_sim --truth "$T/truth.jsonl" --zero-latency --disconnect-rate 0.4 --error-event-rate 0.4
for i in $(seq 1 30); do post '{"messages":[{"role":"user","content":"hi"}],"max_tokens":6,"ignore_eos":true,"stream":true}' >/dev/null; done
m=$(curl -s "$URL/metrics")
stop_sim
gen=$(echo "$m" | awk '/^vllm:generation_tokens_total/ { print $2 + 0 }')
ttft=$(echo "$m" | awk '/^vllm:time_to_first_token_seconds_count/ { print $2 + 0 }')
tgen=$(truth '.completion_tokens' | awk '{ s += $1 } END { print s + 0 }')
tfirst=$(truth 'select(.first_chunk_ns != null) | .id' | wc -l)
[ "$gen" = "$tgen" ] && [ "$ttft" = "$tfirst" ] &&
	ok "faults: /metrics counts the tokens sent ($gen) and the first tokens ($ttft), as the truth log" ||
	nok "faults: /metrics counts the tokens sent, as the truth log" "metrics $gen tokens, $ttft first; truth $tgen, $tfirst"

# SIGINT, SIGTERM and SIGHUP (a closed terminal) each end llmsim with
# exit 0 and the request in progress in the truth log, fault "shutdown",
# with the tokens it had sent. The clock runs 100 times slower (a token
# about every 0.7 s, 40 of them), so the signal comes mid-stream whatever
# the machine's speed. (A stall would not do: it is kept over shutdown.)
for sig in INT TERM HUP; do
	start_sim --truth "$T/truth.jsonl" --time-scale 0.01
	: >"$T/s" # emptied here: the child's ">" may come after the first look
	post >"$T/s" &
	cpid=$!
	i=0
	while ! grep -q '"content":" ' "$T/s" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	sleep 0.2
	kill -$sig "$SIMPID"
	wait "$SIMPID"
	rc=$?
	wait $cpid
	got=$(grep -c '"content":" ' "$T/s")
	t=$(truth '[.fault, .completion_tokens] | @tsv')
	[ $rc -eq 0 ] && [ "$got" -ge 1 ] && [ "$t" = "$(printf 'shutdown\t%s' "$got")" ] &&
		ok "SIG$sig mid-stream: exit 0, the request logged as shutdown with the tokens it sent ($got)" ||
		nok "SIG$sig mid-stream: exit 0, the request logged as shutdown" "exit $rc, truth '$t', curl got $got; $(head -c 300 "$T/err")"
	rm -f "$T/truth.jsonl"
done
