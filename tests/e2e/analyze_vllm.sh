#!/bin/sh
# llmanalyze --vllm on real vLLM result files: TTFT and ITL statistics
# recomputed from the per-request arrays equal what vLLM wrote and printed.
. tests/lib.sh
T=$(mktmp)
D=tests/data/analyze/vllm
llmanalyze --vllm -f csv "$D/vllm-openai-completions-rate50.json" "$D/vllm-openai-chat-c8.json" >"$T/v.csv" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && ok "--vllm reads both files" || nok "--vllm reads both files" "exit $rc: $(cat "$T/err")"
[ "$(head -1 "$T/v.csv")" = "file,metric,stat,ours_ms,vllm_ms,diff_ms,note" ] && ok "header" || nok "header"
[ "$(grep -c ',exact$' "$T/v.csv")" -eq 28 ] && ok "ttft and itl rows of both files are exact" || nok "ttft and itl rows of both files are exact"
# Exact rows agree with vLLM's JSON to 1e-4 ms; approximate ones to 0.05 ms.
awk -F, 'NR > 1 { d = $6 < 0 ? -$6 : $6; if (($7 == "exact" && d > 1e-4) || d > 0.05) bad++ } END { exit bad > 0 }' "$T/v.csv" &&
	ok "our statistics agree with vLLM's" || nok "our statistics agree with vLLM's" "$(awk -F, '$6 > 1e-4 || $6 < -1e-4' "$T/v.csv" | head)"
# And with what vLLM printed (two decimals).
printed() { grep "^$1" "$D/vllm-openai-completions-rate50.stdout.txt" | awk '{ print $NF }'; }
ours() { awk -F, -v m="$1" -v s="$2" '$1 ~ /rate50/ && $2 == m && $3 == s { printf "%.2f\n", $4 }' "$T/v.csv"; }
for pair in "Mean TTFT:ttft:mean" "Median TTFT:ttft:median" "P90 TTFT:ttft:p90" "P99 TTFT:ttft:p99" \
	"Mean ITL:itl:mean" "Median ITL:itl:median" "P95 ITL:itl:p95" "P99 ITL:itl:p99" \
	"Mean TPOT:tpot:mean" "P99 TPOT:tpot:p99" "Mean E2EL:e2el:mean" "P99 E2EL:e2el:p99"; do
	label=${pair%%:*}; rest=${pair#*:}
	p=$(printed "$label"); o=$(ours "${rest%%:*}" "${rest#*:}")
	[ -n "$p" ] && [ "$p" = "$o" ] && ok "$label as vLLM printed ($p)" || nok "$label as vLLM printed" "vLLM $p, ours $o"
done
printf '{"ttfts": [0.1]}' >"$T/bad.json"
expect_exit 65 "--vllm: a file without itls is refused" llmanalyze --vllm "$T/bad.json"
printf '{"mean_ttft_ms": 21.5, "p99_ttft_ms": 30}' >"$T/summary.json"
llmanalyze --vllm "$T/summary.json" >"$T/s.csv"
grep -q "summary.json,ttft,mean,,21.5000,,no per-request data" "$T/s.csv" && ok "--vllm: summaries alone without per-request data" ||
	nok "--vllm: summaries alone without per-request data" "$(head -3 "$T/s.csv")"
printf '{"ttfts": [0.1' >"$T/broken.json"
llmanalyze --vllm "$T/broken.json" 2>"$T/err" >/dev/null
[ $? -eq 65 ] && grep -q "broken.json:1:" "$T/err" && ok "--vllm: broken JSON: 65 with file:line" || nok "--vllm: broken JSON: 65 with file:line" "$(cat "$T/err")"
expect_exit 66 "--vllm: missing file: 66" llmanalyze --vllm "$T/none.json"
