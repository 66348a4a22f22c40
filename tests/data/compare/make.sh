#!/bin/sh
# Remakes h100-40runs.csv.gz: 40 llmrun runs against llmsim --profile h100,
# seeds 1..40, one llmsim per run, 96 requests at batch 8 of a 40-row
# corpus with max_tokens 64, in real time (no --time-scale). Only the
# columns llmanalyze compare reads are kept (the file stays small); each
# run has its own run_id, so tests/e2e/analyze_compare.sh splits it back
# into 40 files and compares runs 1 and 2, 3 and 4, ... (20 pairs of the
# same setup: any gate failure between them is a false alarm).
#
# The committed file was made on the project's shared 2-core machine
# while other work ran on it: its run-to-run noise is a CI runner's, not a
# quiet lab's. Usage (from the top of the tree, after make):
#   sh tests/data/compare/make.sh
set -e
B=${BUILD:-build}/bin
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
TOKF=${LLMBENCH_TOKENIZERS:-/usr/share/llmbench/tokenizers}/cl100k_base.tiktoken
printf 'id,group,prompt,output_tokens\n' >"$T/c.csv"
for i in $(seq 1 40); do
	echo "r$i,g,prompt number $i about the weather and some more words to make it longer than a few tokens,64" >>"$T/c.csv"
done
KEEP=run_id,model,group,row_id,step_kind,step,schedule,warmup,status,t_sent_ns,t_first_token_ns,t_last_token_ns,t_end_ns,ttft_ms,e2e_ms,tpot_ms,output_tokens,output_tokens_source
for s in $(seq 1 40); do
	: >"$T/url"
	"$B/llmsim" --port 0 -t "$TOKF" --profile h100 --seed "$s" >"$T/url" 2>"$T/sim.err" &
	pid=$!
	while [ ! -s "$T/url" ]; do sleep 0.05; done
	"$B/llmrun" --url "$(head -n 1 "$T/url")" --model llmsim --batch-sizes 8 --requests 96 -q \
		-o "$T/r$s.csv" "$T/c.csv"
	kill "$pid"
	wait "$pid" || true
done
# The kept columns come before the first that can hold a quoted comma
# (error), so cutting on commas is safe here.
cols=$(head -n 1 "$T/r1.csv" | tr , '\n' | awk -v keep="$KEEP" '
	BEGIN { n = split(keep, k, ","); for (i = 1; i <= n; i++) want[k[i]] = 1 }
	want[$0] { printf "%s%d", sep, NR; sep = "," }')
{
	head -n 1 "$T/r1.csv" | cut -d, -f"$cols"
	for s in $(seq 1 40); do tail -n +2 "$T/r$s.csv" | cut -d, -f"$cols"; done
} | gzip -9 >tests/data/compare/h100-40runs.csv.gz
