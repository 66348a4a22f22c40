#!/bin/sh
# llmsim's GET /metrics: vLLM's names in a page promtool accepts, and
# values that are real: running and waiting while requests queue, token
# counters and histogram counts equal to what the requests were served,
# preemptions, prefix cache counters and the TTFT, TPOT and e2e
# histograms equal to the truth log's.
. tests/lib.sh
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
. tests/e2e/sim.lib

# VALUE NAME: a sample's value from $T/page (labels ignored).
val() { awk -v n="$1" '$1 ~ "^" n "[{ ]" || $1 == n { v = $NF } END { print v }' "$T/page"; }
scrape() { curl -sS -m 10 "$URL/metrics" >"$T/page"; }

# promtool lints vLLM's names: Prometheus reserves ':' for recording
# rules, and vLLM uses it anyway. Every other problem fails.
lint() {
	promtool check metrics <"$T/page" >"$T/lint" 2>&1
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then
		nok "$1: promtool parses the page" "$(head -n 5 "$T/lint")"
	elif grep -v "metric names should not contain ':'" "$T/lint" | grep -q .; then
		nok "$1: promtool finds nothing but vLLM's colons" "$(head -n 5 "$T/lint")"
	elif ! sed 's/vllm:/vllm_/g' "$T/page" | promtool check metrics >"$T/lint2" 2>&1; then
		nok "$1: the page with vllm_ for vllm: lints clean" "$(head -n 5 "$T/lint2")"
	else
		ok "$1: promtool accepts the page (vLLM's colons aside)"
	fi
}

if ! command -v promtool >/dev/null 2>&1; then
	nok "promtool is installed (Debian package prometheus; make deps)"
	exit 0
fi

start_sim --max-num-seqs 2 --seed 3 -m 'sim "q" \ model'
scrape
lint "idle"
for n in vllm:num_requests_running vllm:num_requests_waiting vllm:gpu_cache_usage_perc \
	vllm:kv_cache_usage_perc vllm:num_preemptions_total vllm:prompt_tokens_total \
	vllm:generation_tokens_total; do
	[ "$(val "$n")" = 0 ] || nok "idle: $n is 0" "$(grep "^$n" "$T/page")"
done
ok "idle: gauges and counters are 0"
for h in time_to_first_token_seconds time_per_output_token_seconds e2e_request_latency_seconds; do
	grep -q "^# TYPE vllm:$h histogram" "$T/page" && ok "vllm:$h is a histogram" ||
		nok "vllm:$h is a histogram"
done
grep -q '^vllm:time_to_first_token_seconds_bucket{le="2560.0",model_name="sim \\"q\\" \\\\ model"} 0$' "$T/page" &&
	ok "vLLM's TTFT buckets, model_name escaped" ||
	nok "vLLM's TTFT buckets, model_name escaped" "$(grep 2560 "$T/page")"
[ "$(grep -c '^vllm:time_per_output_token_seconds_bucket' "$T/page")" = 20 ] &&
	[ "$(grep -c '^vllm:e2e_request_latency_seconds_bucket' "$T/page")" = 22 ] &&
	ok "vLLM's TPOT and e2e bucket counts (19 and 21, and +Inf)" || nok "vLLM's TPOT and e2e bucket counts"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/metrics")
[ "$code" = 405 ] && ok "POST /metrics is 405" || nok "POST /metrics is 405" "got $code"

pids=""
# Six requests, two run at once: until the first two end (each 300 tokens
# of real-time steps, over a second), two run and four wait. The page is
# polled until it says so (bounded), not read at a lucky moment.
for i in 1 2 3 4 5 6; do
	curl -sS -m 60 "$URL/v1/completions" -H 'Content-Type: application/json' \
		-d "{\"model\":\"sim \\\"q\\\" \\\\ model\",\"prompt\":\"request $i: tell me a story\",\"max_tokens\":300,\"ignore_eos\":true}" \
		>"$T/r$i" &
	pids="$pids $!"
done
seen=""
i=0
while [ $i -lt 200 ]; do
	scrape
	if [ "$(val vllm:num_requests_running)" = 2 ] && [ "$(val vllm:num_requests_waiting)" = 4 ]; then
		seen=1
		break
	fi
	i=$((i + 1))
done
[ -n "$seen" ] && ok "under load: running 2, waiting 4" ||
	nok "under load: running 2, waiting 4" "$(grep '^vllm:num_requests' "$T/page")"
kv=$(val vllm:kv_cache_usage_perc)
awk -v k="$kv" 'BEGIN { exit !(k > 0 && k < 1) }' && [ "$kv" = "$(val vllm:gpu_cache_usage_perc)" ] &&
	ok "under load: KV usage in (0, 1), both names" || nok "under load: KV usage in (0, 1)" "$kv"
lint "under load"
wait $pids
pids=""
scrape
lint "after the load"
ptok=$(cat "$T"/r[1-6] | jq -s 'map(.usage.prompt_tokens) | add')
ctok=$(cat "$T"/r[1-6] | jq -s 'map(.usage.completion_tokens) | add')
[ "$ctok" = 1800 ] && ok "six answers of 300 tokens" || nok "six answers of 300 tokens" "got $ctok"
[ "$(val vllm:generation_tokens_total)" = "$ctok" ] && ok "generation_tokens_total is the tokens served" ||
	nok "generation_tokens_total is the tokens served" "$(val vllm:generation_tokens_total) vs $ctok"
[ "$(val vllm:prompt_tokens_total)" = "$ptok" ] && ok "prompt_tokens_total is the prompts' tokens" ||
	nok "prompt_tokens_total is the prompts' tokens" "$(val vllm:prompt_tokens_total) vs $ptok"
[ "$(val vllm:time_to_first_token_seconds_count)" = 6 ] && [ "$(val vllm:e2e_request_latency_seconds_count)" = 6 ] &&
	ok "TTFT and e2e histograms count the six requests" || nok "TTFT and e2e counts"
[ "$(val vllm:time_per_output_token_seconds_count)" = $((ctok - 6)) ] &&
	ok "TPOT histogram counts every interval between tokens" ||
	nok "TPOT count" "$(val vllm:time_per_output_token_seconds_count) vs $((ctok - 6))"
inf=$(grep '^vllm:e2e_request_latency_seconds_bucket{le="+Inf"' "$T/page" | awk '{ print $NF }')
low=$(grep '^vllm:e2e_request_latency_seconds_bucket{le="0.3"' "$T/page" | awk '{ print $NF }')
[ "$inf" = 6 ] && [ "$low" = 0 ] && ok "e2e buckets: none under 0.3 s (300 real-time steps), all under +Inf" ||
	nok "e2e buckets" "le=0.3: $low, +Inf: $inf"
# The last pair waited for the first two: their TTFT sum is over a second.
awk -v s="$(val vllm:time_to_first_token_seconds_sum)" 'BEGIN { exit !(s > 1) }' &&
	ok "TTFT sum counts the queueing" || nok "TTFT sum counts the queueing" "$(val vllm:time_to_first_token_seconds_sum)"
[ "$(val vllm:num_requests_running)" = 0 ] && [ "$(val vllm:num_requests_waiting)" = 0 ] &&
	[ "$(val vllm:kv_cache_usage_perc)" = 0 ] && ok "after the load: nothing runs, waits or holds KV" ||
	nok "after the load: gauges back to 0"
stop_sim

# Preemptions: a KV cache of 64 blocks for eight 200-token answers (13
# blocks each by the end), all admitted long before their ends.
start_sim --kv-tokens 1024 --seed 5 --truth "$T/truth.jsonl"
for i in 1 2 3 4 5 6 7 8; do
	curl -sS -m 60 "$URL/v1/completions" -H 'Content-Type: application/json' \
		-d "{\"model\":\"llmsim\",\"prompt\":\"request $i\",\"max_tokens\":200,\"ignore_eos\":true}" \
		>/dev/null &
	pids="$pids $!"
done
wait $pids
scrape
stop_sim
pre=$(jq -s 'map(.preemptions) | add' "$T/truth.jsonl")
[ "$pre" -gt 0 ] 2>/dev/null && [ "$(val vllm:num_preemptions_total)" = "$pre" ] &&
	ok "num_preemptions_total is the truth log's ($pre)" ||
	nok "num_preemptions_total is the truth log's" "$(val vllm:num_preemptions_total) vs $pre"
[ "$(val vllm:generation_tokens_total)" = 1600 ] && ok "tokens recomputed after preemption are not counted twice" ||
	nok "tokens recomputed after preemption are not counted twice" "$(val vllm:generation_tokens_total)"

# Prefix cache counters: queries are the prompt tokens admitted, hits the
# truth log's cached_tokens; absent with --prefix-caching off.
doc=$(awk 'BEGIN { for (i = 0; i < 100; i++) printf "Paragraph %d of a long shared document. ", i }')
jq -n --arg p "$doc" '{model: "llmsim", prompt: $p, max_tokens: 2, ignore_eos: true}' >"$T/long.json"
start_sim --zero-latency --truth "$T/pc.jsonl"
for i in 1 2 3; do
	curl -sS -m 20 "$URL/v1/completions" -H 'Content-Type: application/json' -d @"$T/long.json" >/dev/null
done
scrape
lint "prefix caching"
stop_sim
q=$(jq -s 'map(.prompt_tokens) | add' "$T/pc.jsonl")
h=$(jq -s 'map(.cached_tokens) | add' "$T/pc.jsonl")
[ "$h" -gt 0 ] 2>/dev/null && [ "$(val vllm:prefix_cache_hits_total)" = "$h" ] &&
	[ "$(val vllm:prefix_cache_queries_total)" = "$q" ] &&
	ok "prefix_cache_hits_total/queries_total are the truth log's ($h of $q)" ||
	nok "prefix cache counters" "hits $(val vllm:prefix_cache_hits_total) vs $h, queries $(val vllm:prefix_cache_queries_total) vs $q"
start_sim --zero-latency --prefix-caching off
scrape
stop_sim
grep -q prefix_cache "$T/page" && nok "--prefix-caching off: no prefix cache counters" ||
	ok "--prefix-caching off: no prefix cache counters"

# The histograms against the truth log, per request on llmsim's clock:
# TTFT from the kernel's arrival stamp to the first chunk, TPOT's sum
# from the first token's chunk to the last one's (the gaps add up), e2e
# from arrival to the end. The page observes a token just before its
# chunk is written, in the same callback: a few microseconds apart, so
# sums agree within 0.5 ms a request and bucket counts exactly, except
# at a bound within 1 ms of a value (not compared).
start_sim --max-num-seqs 4 --seed 6 --truth "$T/h.jsonl"
for i in 1 2 3 4 5 6 7 8; do
	curl -sS -m 60 -N "$URL/v1/completions" -H 'Content-Type: application/json' \
		-d "{\"model\":\"llmsim\",\"prompt\":\"request $i\",\"max_tokens\":40,\"ignore_eos\":true,\"stream\":true}" \
		>/dev/null &
	pids="$pids $!"
done
wait $pids
pids=""
scrape
stop_sim
# NAME VALUES: "ok" when NAME's _count, _sum and buckets match the values
# (seconds, one a line), else what differs.
histcheck() {
	awk -v n="$1" '
	FNR == NR { v[++nv] = $1; s += $1; next }
	$1 ~ "^" n "_count[{ ]" { cnt = $NF }
	$1 ~ "^" n "_sum[{ ]" { sum = $NF }
	$1 ~ "^" n "_bucket[{]" && match($1, /le="[^"]*"/) {
		le = substr($1, RSTART + 4, RLENGTH - 5); got = $NF
		if (le == "+Inf") { if (got != nv) bad = bad " +Inf:" got; next }
		want = 0; near = 0
		for (i = 1; i <= nv; i++) { if (v[i] <= le + 0) want++; d = v[i] - le; if (d < 0) d = -d; if (d < 0.001) near = 1 }
		nb++
		if (!near && got != want) bad = bad " le=" le ":" got "/" want
	}
	END {
		if (cnt != nv) bad = bad " count " cnt "/" nv
		d = sum - s; if (d < 0) d = -d
		if (d > 0.0005 * nv) bad = bad " sum " sum "/" s
		if (!nb) bad = bad " no buckets"
		print bad == "" ? "ok" : bad
	}' "$2" "$T/page"
}
jq -r '(.first_chunk_ns - .arrived_ns) / 1e9' "$T/h.jsonl" >"$T/h.ttft"
jq -r '(.end_ns - .arrived_ns) / 1e9' "$T/h.jsonl" >"$T/h.e2e"
jq -r '[.chunks[] | select(.[1] > 0) | .[0]] | (last - first) / 1e9' "$T/h.jsonl" >"$T/h.tpot"
r1=$(histcheck vllm:time_to_first_token_seconds "$T/h.ttft")
r2=$(histcheck vllm:e2e_request_latency_seconds "$T/h.e2e")
r3=$(awk -v n=vllm:time_per_output_token_seconds '$1 ~ "^" n "_sum[{ ]" { print $NF }' "$T/page")
want3=$(awk '{ s += $1 } END { print s }' "$T/h.tpot")
[ "$(wc -l <"$T/h.ttft")" = 8 ] && [ "$r1" = ok ] && [ "$r2" = ok ] &&
	awk -v a="$r3" -v b="$want3" 'BEGIN { d = a - b; exit !(d < 0.004 && d > -0.004) }' &&
	ok "TTFT, e2e (count, sum, buckets) and TPOT's sum are the truth log's" ||
	nok "TTFT, e2e and TPOT histograms are the truth log's" "ttft:$r1 e2e:$r2 tpot sum $r3 vs $want3"
