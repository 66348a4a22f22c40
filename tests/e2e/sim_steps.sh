#!/bin/sh
# llmsim's steps last the latency model's time on llmsim's own clock, also
# when a step starts in the loop pass that tokenized a long prompt. With
# every constant but the weight floor at 0 and no jitter, each step takes
# exactly 40 ms, so a request alone has its k-th token written no earlier
# than k x 40 ms after it was admitted (the truth log's admitted_ns and
# chunks). Until 2026-12-06 libevent's cached loop time made the first
# step fire early by the prompt's tokenizing (8-14 ms at 80,000 tokens);
# until 2026-12-07 the first token came late by the loop pass's remaining
# work and the prefix cache's bookkeeping (6-12 ms at 120,000 tokens).
# The same bound on llmrun's clock, which llmsim does not set: its chunks
# arrive no earlier than k x 40 ms after the request left. That side is
# weaker (the send is before llmsim reads and tokenizes the prompt, 14-19
# ms here), so it catches a step that ends early only by more than that.
. tests/lib.sh
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
. tests/e2e/sim.lib
trap '[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null; rm -rf $_tmps' EXIT
# The admission comes a little after the step's start (the plan looks the
# prompt's blocks up first): LOW_MS of slack below k x 40 ms. A token far
# later than its step (GROSS_MS) means a step waited for something else.
case ${BUILD:-build} in
*asan*) LOW_MS=5 GROSS_MS=100 ;;
*) LOW_MS=2 GROSS_MS=25 ;;
esac

# About 120,000 tokens of distinct words: tokenizing them takes 30-120 ms.
awk 'BEGIN { srand(1); for (i = 0; i < 40000; i++) printf "w%d ", int(rand() * 100000); print "" }' >"$T/long.txt"
jq -Rc '{model: "llmsim", max_tokens: 4, ignore_eos: true, stream: true, messages: [{role: "user", content: .}]}' \
	"$T/long.txt" >"$T/long.json"
{ echo prompt; cat "$T/long.txt"; } >"$T/long.csv"

start_sim --t0-ms 0 --tw-ms 40 --c-lin-us 0 --c-kv-ns 0 --c-attn-ns 0 --step-cv 0 \
	--max-batched-tokens 200000 --kv-tokens 400000 --max-model-len 300000 --truth "$T/truth.jsonl"
for i in 1 2 3; do
	curl -sS -m 60 -o /dev/null "$URL/v1/chat/completions" -H 'Content-Type: application/json' --data-binary @"$T/long.json" ||
		nok "request $i answered" "curl failed"
done
# The same three through llmrun, whose clock llmsim does not set: the
# request left (t_sent) no later than llmsim admitted it, so each chunk
# arrived no earlier than k x 40 ms after t_sent (chunk_log's offsets).
llmrun --no-probe --url "$URL" --model llmsim --ignore-eos --max-tokens 4 --requests 3 -q -o "$T/run.csv" "$T/long.csv" ||
	nok "llmrun's three requests answered" "exit $?"
stop_sim
awk -F, 'NR > 1 { print $NF }' "$T/run.csv" | awk -v lo="$LOW_MS" '{ for (i = 1; i <= NF; i++) { split($i, f, ":"); printf "%.3f ", f[1] / 1000 - 40 * i; if (f[1] / 1000 < 40 * i - lo) bad++ } n++; if (NF != 4) bad++; printf "| " }
	END { exit bad > 0 || n != 3 }' >"$T/runoff" &&
	ok "llmrun's clock: no chunk before k x 40 ms after its send (ms after: $(cat "$T/runoff"))" ||
	nok "llmrun's clock: no chunk before k x 40 ms after its send" "ms after k x 40 ms: $(cat "$T/runoff"); $(cat "$T/run.csv" | cut -c1-300)"

# Per request: its prompt's tokens, then each token's time after admission
# less k x 40 ms (ms).
jq -r '.admitted_ns as $a | [.prompt_tokens, ([.chunks[][0]] | to_entries[] | (.value - $a) / 1e6 - 40 * (.key + 1))] | @tsv' \
	"$T/truth.jsonl" >"$T/off"
n=$(wc -l <"$T/off")
ptok=$(cut -f1 "$T/off" | sort -n | head -n 1)
figs=$(awk -F'\t' '{ for (i = 2; i <= NF; i++) printf "%.3f ", $i; printf "| " }' "$T/off")
[ "$n" -eq 6 ] && [ "$ptok" -gt 100000 ] && ok "6 requests of $ptok tokens in the truth log" ||
	nok "6 requests of over 100,000 tokens in the truth log" "$(cat "$T/off")"
awk -F'\t' -v lo="$LOW_MS" '{ for (i = 2; i <= NF; i++) if ($i < -lo) bad++; if (NF != 5) bad++ } END { exit bad > 0 || NR != 6 }' "$T/off" &&
	ok "no token before its step's end (ms after k x 40 ms: $figs)" ||
	nok "no token before its step's end" "ms after k x 40 ms, per request: $figs"
awk -F'\t' -v g="$GROSS_MS" '{ if ($2 > g) bad++ } END { exit bad > 0 || NR != 6 }' "$T/off" &&
	ok "first tokens within $GROSS_MS ms of their step's end" ||
	nok "first tokens within $GROSS_MS ms of their step's end" "ms after k x 40 ms, per request: $figs"
