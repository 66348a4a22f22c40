#!/bin/sh
# make demo: the whole pipeline on llmsim. Generates the three classic
# scenario corpora, sweeps batch sizes 1..32 on each against a simulated
# H100 serving Llama-3.1-8B (run TIME_SCALE times faster than real time),
# analyzes, and writes everything under output/demo/.
#
# usage: scripts/demo.sh BUILD_DIR
set -eu
BIN=$(cd "${1:-build}/bin" && pwd)
PATH="$BIN:$PATH"
OUT=output/demo
TIME_SCALE=${TIME_SCALE:-10}
REQUESTS=${REQUESTS:-48}

# The tokenizer: what LLMBENCH_TOKENIZERS finds, else download it.
if ! echo hi | llmgen count >/dev/null 2>&1; then
	echo "demo: cl100k_base not found; fetching it"
	sh scripts/fetch-tokenizers.sh tokenizers cl100k_base ||
		{ echo "demo: needs cl100k_base.tiktoken: copy it into tokenizers/ or set LLMBENCH_TOKENIZERS to its folder, then run make demo again" >&2; exit 69; }
	LLMBENCH_TOKENIZERS="$(pwd)/tokenizers${LLMBENCH_TOKENIZERS:+:$LLMBENCH_TOKENIZERS}"
	export LLMBENCH_TOKENIZERS
fi

rm -rf "$OUT"
mkdir -p "$OUT"
# KV_TOKENS: the KV cache, in tokens. 20,000 (the H100 profile has
# 400,000) is a card with little memory left beside its weights, so the
# sweep's top saturates within a minute's run: the server chart shows the
# KV cache full and preemptions where throughput stops rising.
KV_TOKENS=${KV_TOKENS:-20000}
llmsim --port 0 --time-scale "$TIME_SCALE" --jitter-us 50 --seed 1 --kv-tokens "$KV_TOKENS" \
	--truth "$OUT/truth.jsonl" >"$OUT/llmsim.url" 2>"$OUT/llmsim.log" &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null || true' EXIT INT TERM
i=0
while [ ! -s "$OUT/llmsim.url" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $sim 2>/dev/null; then
		echo "demo: llmsim did not start:" >&2
		cat "$OUT/llmsim.log" >&2
		exit 69
	fi
	sleep 0.1
done
url=$(head -n 1 "$OUT/llmsim.url")
echo "demo: llmsim serving at $url (simulated clock ${TIME_SCALE}x real time, KV cache $KV_TOKENS tokens)"

# A row for every request of the sweep (6 steps: 1, 2, 4, 8, 16, 32), so
# no prompt is sent twice: llmsim caches prefixes as vLLM does, and a
# prompt sent again in a later step would find its cache warm and make
# that step's TTFT low for that reason alone (llmanalyze notes it).
for s in short-long long-long long-short; do
	llmgen --scenario "$s" --count $((REQUESTS * 6)) --seed 1 -q -o "$OUT/corpus-$s.csv"
	echo "demo: $s: batch sizes 1..32, $REQUESTS requests each"
	# --ignore-eos: the corpus's output lengths are the workload.
	# --scrape: llmsim's /metrics beside the results, for the server chart.
	llmrun --url "$url" --model llmsim --batch-sizes 1..32 \
		--requests "$REQUESTS" --ignore-eos --quiet --scrape --scrape-interval 0.2 \
		-o "$OUT/results-$s.csv" "$OUT/corpus-$s.csv"
done

# llmsim writes a truth line when a request ends; stopped, it has
# written them all.
kill $sim
wait $sim 2>/dev/null || true
trap - EXIT INT TERM

llmanalyze -q --format csv -o "$OUT/batch_size_comparison.csv" \
	--charts "$OUT/charts" --html "$OUT/report.html" "$OUT"/results-*.csv
llmanalyze -q --format md -o "$OUT/batch_size_comparison.md" "$OUT"/results-*.csv

echo
llmanalyze -q --format table \
	--columns requests,success_rate,req_per_s,out_tok_per_s,ttft_p50,ttft_p99,tpot_p50,e2e_p99 \
	"$OUT"/results-*.csv
echo
# How far llmrun's own stamps are from llmsim's: the line llmanalyze
# --truth prints, with the per-step figures in truth.md.
llmanalyze --truth "$OUT/truth.jsonl" --format md -o "$OUT/truth.md" "$OUT"/results-*.csv 2>&1 |
	sed 's/^llmanalyze: truth: /demo: client timing against llmsim'"'"'s truth log: /'
echo
echo "Latencies are on llmsim's clock run ${TIME_SCALE}x fast: multiply them by"
echo "${TIME_SCALE} (and divide throughputs by ${TIME_SCALE}) for the simulated H100."
echo "Report: $OUT/report.html"
