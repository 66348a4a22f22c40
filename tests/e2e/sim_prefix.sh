#!/bin/sh
# llmsim's prefix caching through the server: a repeated prompt and a
# conversation's next turn find exactly the whole blocks they share in
# usage.prompt_tokens_details.cached_tokens and in the truth log; with
# --prefix-caching off nothing is cached and the field is absent; a cached
# prompt's truth TTFT is a fraction of the uncached one (at 1/5 real speed,
# the difference is hundreds of ms, far above scheduling noise).
. tests/lib.sh
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
. tests/e2e/sim.lib
post() { curl -sS -m 30 "$URL$1" -H 'Content-Type: application/json' -d @"$2"; }

# A long system message, a first user turn; turn 2 adds the reply and a
# new user message. Turn 2's request starts with all of turn 1's: the 3
# tokens that prime the reply begin the assistant message (docs/llmsim.md).
sys=$(awk 'BEGIN { for (i = 0; i < 400; i++) printf "Section %d of the operating manual covers maintenance. ", i }')
jq -n --arg s "$sys" '{model: "llmsim", max_tokens: 2, ignore_eos: true,
	messages: [{role: "system", content: $s}, {role: "user", content: "Summarize the manual."}]}' >"$T/t1.json"
jq '.messages += [{role: "assistant", content: "It explains maintenance, section by section."},
	{role: "user", content: "Which section matters most?"}]' "$T/t1.json" >"$T/t2.json"
jq '. + {stream: true, stream_options: {include_usage: true}}' "$T/t2.json" >"$T/t2s.json"
jq -n --arg s "$sys" '{model: "llmsim", max_tokens: 2, ignore_eos: true, prompt: $s}' >"$T/c.json"

usage() { jq -c '[.id, .usage.prompt_tokens, .usage.prompt_tokens_details.cached_tokens]'; }

start_sim --time-scale 0.2 --truth "$T/truth.jsonl"
post /v1/chat/completions "$T/t1.json" | usage >"$T/u1"
post /v1/chat/completions "$T/t1.json" | usage >"$T/u2"
post /v1/chat/completions "$T/t2.json" | usage >"$T/u3"
post /v1/chat/completions "$T/t2s.json" | grep '^data: {' | sed 's/^data: //' | jq -c 'select(.usage) | [.id, .usage.prompt_tokens, .usage.prompt_tokens_details.cached_tokens]' >"$T/u4"
post /v1/completions "$T/c.json" | usage >"$T/u5"
post /v1/completions "$T/c.json" | usage >"$T/u6"
stop_sim

p1=$(jq '.[1]' "$T/u1")
p5=$(jq '.[1]' "$T/u5")
[ "$p1" -gt 3000 ] 2>/dev/null && ok "a long prompt ($p1 tokens)" || nok "a long prompt" "$(cat "$T/u1")"
[ "$(jq '.[2]' "$T/u1")" = 0 ] && ok "first request: nothing cached" || nok "first request: cached" "$(cat "$T/u1")"
want=$(( (p1 - 1) / 16 * 16 ))
[ "$(jq '.[2]' "$T/u2")" = "$want" ] && ok "same prompt again: $want of $p1 cached (whole blocks, not the last token)" ||
	nok "same prompt again" "$(cat "$T/u2"), wanted $want"
# ... every whole block of turn 1's request: the reply's start (3 stand-in
# ids) is the start of the assistant message turn 2's history holds.
want=$(( p1 / 16 * 16 ))
[ "$(jq '.[2]' "$T/u3")" = "$want" ] && ok "next turn: turn 1's $want tokens cached (of $p1)" ||
	nok "next turn: cached" "$(cat "$T/u3"), wanted $want"
[ "$(jq '.[2]' "$T/u4")" = "$(jq '.[1]' "$T/u3" | awk '{ print int(($1 - 1) / 16) * 16 }')" ] &&
	ok "streamed usage carries cached_tokens (the same turn again)" || nok "streamed usage" "$(cat "$T/u4")"
[ "$(jq '.[2]' "$T/u6")" = "$(( (p5 - 1) / 16 * 16 ))" ] && [ "$(jq '.[2]' "$T/u5")" = 0 ] &&
	ok "/v1/completions: cached on the second request" || nok "/v1/completions" "$(cat "$T/u5" "$T/u6")"

# The truth log says the same, request by request, matched by id.
cat "$T"/u[1-6] | jq -r '"\(.[0]) \(.[2])"' | sort >"$T/client"
jq -r '"\(.id) \(.cached_tokens)"' "$T/truth.jsonl" | sort >"$T/server"
cmp -s "$T/client" "$T/server" && ok "truth log cached_tokens = usage, per request" ||
	nok "truth log cached_tokens" "$(diff "$T/client" "$T/server")"
# Prefill is charged only for uncached tokens: truth TTFT of the repeat is
# well under half the first's.
jq -r 'select(.path == "/v1/chat/completions") | .first_chunk_ns - .arrived_ns' "$T/truth.jsonl" | head -n 2 >"$T/ttft"
awk 'NR == 1 { a = $1 } NR == 2 { b = $1 } END { exit !(b < a / 2) }' "$T/ttft" &&
	ok "cached prompt: truth TTFT $(awk 'NR==2{printf "%.0f", $1/1e6}' "$T/ttft") ms vs $(awk 'NR==1{printf "%.0f", $1/1e6}' "$T/ttft") ms" ||
	nok "cached prompt: TTFT" "$(cat "$T/ttft")"

# Off: nothing cached, no details in usage, null in the truth log.
start_sim --zero-latency --prefix-caching off --truth "$T/off.jsonl"
post /v1/chat/completions "$T/t1.json" >/dev/null
post /v1/chat/completions "$T/t1.json" >"$T/off"
stop_sim
jq -e '.usage | has("prompt_tokens_details") | not' "$T/off" >/dev/null &&
	ok "--prefix-caching off: no prompt_tokens_details" || nok "off: usage" "$(jq -c .usage "$T/off")"
[ "$(jq -r .cached_tokens "$T/off.jsonl" | sort -u)" = null ] && ok "--prefix-caching off: truth cached_tokens null" ||
	nok "off: truth" "$(jq -c .cached_tokens "$T/off.jsonl")"
expect_exit 64 "--prefix-caching maybe: 64" llmsim --prefix-caching maybe

# A sweep whose later steps send the same prompts again finds them cached:
# llmanalyze notes those steps (their TTFT is low for that reason). With
# a row for every request of the sweep, nothing repeats and nothing is
# noted. Prompts of about 500 tokens, 4 requests a step, batch 1 then 2,
# one token each (no second chunk for a first token to merge with).
awk -v s="$sys" 'BEGIN { print "id,prompt"; for (i = 1; i <= 8; i++) printf "%d,\"Question %d. %s\"\n", i, i, substr(s, 1, 2500) }' >"$T/sweep8.csv"
head -n 5 "$T/sweep8.csv" >"$T/sweep4.csv"
for n in 4 8; do
	start_sim --zero-latency # a cold cache each
	llmrun --url "$URL" --model llmsim --no-probe --batch-sizes 1,2 --requests 4 --max-tokens 1 -q \
		-o "$T/sweep$n.res.csv" "$T/sweep$n.csv" || nok "sweep over $n rows" "llmrun failed"
	llmanalyze --format table --columns cache_hit_rate -o "$T/sweep$n.cmp" "$T/sweep$n.res.csv" ||
		nok "sweep over $n rows" "llmanalyze failed"
	stop_sim
done
if grep -q '^note: default llmsim  *2: prefix cache hits 0\.9[0-9] against 0\.00 at step 1: prompts sent in earlier steps' "$T/sweep4.cmp" &&
	[ "$(grep -c '^note:.*prefix cache hits' "$T/sweep4.cmp")" -eq 1 ]; then
	ok "a sweep that sends its 4 prompts again: step 2 noted for its cache hits"
else
	nok "a sweep that sends its 4 prompts again: step 2 noted for its cache hits" "$(cat "$T/sweep4.cmp")"
fi
# Only the cache note counts: under ASan a step's client lag can pass
# 1 ms at p99, which is noted too (seen once in CI).
if grep -q '^default  *llmsim .* 2  *0\.0000$' "$T/sweep8.cmp" && ! grep -q '^note:.*prefix cache' "$T/sweep8.cmp"; then
	ok "a sweep with a row for every request: no cache note"
else
	nok "a sweep with a row for every request: no cache note" "$(cat "$T/sweep8.cmp")"
fi

# The probe (on by default) sends a prompt of its own: the sweep's first
# request finds nothing of its prompt cached by it (until 2026-12-07 the
# probe sent the corpus's first prompt, and that request's TTFT came from
# the cache: 640 of 650 tokens).
start_sim
llmrun --url "$URL" --model llmsim --batch-sizes 1 --requests 8 --max-tokens 1 -q -o "$T/probe.res.csv" "$T/sweep8.csv" 2>"$T/probe.err"
rc=$?
stop_sim
cached=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "cached_tokens") c = i; next } { printf "%s ", $c }' "$T/probe.res.csv")
[ $rc -eq 0 ] && [ "$cached" = "0 0 0 0 0 0 0 0 " ] && ok "with the probe, no request of the sweep finds its prompt cached" ||
	nok "with the probe, no request of the sweep finds its prompt cached" "exit $rc, cached_tokens: $cached; $(cat "$T/probe.err")"
