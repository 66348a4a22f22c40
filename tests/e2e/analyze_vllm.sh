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

# Issue 14: a vLLM file is a run beside llmrun's, found by its content
# (no --vllm), in one table. tests/data/analyze/vllm holds the files of
# ../shared/interop/vllm unchanged.
. tests/e2e/truth.lib # monoall
TOKF=$(need_tokfile cl100k_base.tiktoken) || exit 1
. tests/e2e/sim.lib
SIMPID=
trap '[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null; rm -rf $_tmps' EXIT
start_sim --seed 5 --time-scale 10
[ -n "$URL" ] || { nok "llmsim starts" "$(cat "$T/err")"; exit 0; }
printf 'id,group,prompt,output_tokens\n' >"$T/c.csv"
for i in $(seq 1 12); do echo "r$i,g,prompt number $i about the sea,16" >>"$T/c.csv"; done
llmrun --url "$URL" --model llmsim --batch-sizes 4 --requests 12 -q -o "$T/r.csv" "$T/c.csv" 2>"$T/run.err"
rc=$?
stop_sim
SIMPID=
[ $rc -eq 0 ] && ok "llmrun against llmsim" || nok "llmrun against llmsim" "exit $rc: $(cat "$T/run.err")"
V=$D/vllm-openai-chat-c8.json

llmanalyze -f json "$T/r.csv" "$V" >"$T/t.json" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && ok "an llmrun result and a vLLM file in one table" || nok "an llmrun result and a vLLM file in one table" "exit $rc: $(cat "$T/err")"
got=$(jq -r '[.[] | "\(.source) \(.target) \(.model) \(.step_kind) \(.step) \(.requests) \(.ok)"] | join("; ")' "$T/t.json")
[ "$got" = "llmrun default llmsim batch 4 12 12; vllm openai-chat gt batch 8 40 40" ] &&
	ok "one row per run: source, target, model, step ($got)" || nok "one row per run: source, target, model, step" "$got"

# samestat TABLE.json VLLM.json: the vllm row's TTFT and ITL statistics
# against the file's own summaries, 1e-6 relative (our ITL passes through
# the chunk_log and a float: about 1e-7). Prints the pairs that differ
# or are missing; fails when any does.
samestat() {
	jq -r --slurpfile v "$2" '.[] | select(.source == "vllm") as $g | ("ttft", "itl") as $m |
		(["mean", "mean"], ["p50", "p50"], ["p50", "median"], ["p90", "p90"], ["p95", "p95"],
		 ["p99", "p99"], ["std", "std"]) as $s |
		"\($m)_\($s[0])/\($s[1])_\($m)_ms \($g["\($m)_\($s[0])"]) \($v[0]["\($s[1])_\($m)_ms"])"' "$1" |
	awk '{ n++ } $2 !~ /^[0-9]/ || $3 !~ /^[0-9]/ { print; bad++; next }
	{ d = ($2 - $3) / $3; if (d < 0) d = -d; if (d > 1e-6) { print $0, "rel", d; bad++ } }
	END { exit !(n == 14 && bad == 0) }'
}
out=$(samestat "$T/t.json" "$V") && ok "vLLM file in the table: TTFT and ITL mean, p50, p90, p95, p99, std equal its own summaries (1e-6 rel)" ||
	nok "vLLM file in the table: TTFT and ITL equal its own summaries" "$out"
# The comparison can fail: one TTFT and one gap moved, the summaries kept.
jq '.ttfts[0] += 0.002 | .itls[0][0] += 0.001' "$V" >"$T/moved.json"
llmanalyze -f json "$T/moved.json" >"$T/m.json" 2>"$T/err"
out=$(samestat "$T/m.json" "$T/moved.json")
[ $? -ne 0 ] && echo "$out" | grep -q '^ttft_mean' && echo "$out" | grep -q '^itl_mean' &&
	ok "a file whose arrays disagree with its summaries fails that comparison" ||
	nok "a file whose arrays disagree with its summaries fails that comparison" "$out"

# Every statistic of the table is there for both runs, min and max too.
miss=$(jq -r '.[] | . as $g | (("ttft", "tpot", "itl", "itl_req", "e2e") as $m |
	("mean", "std", "min", "p50", "p90", "p95", "p99", "max") as $s | "\($m)_\($s)"),
	"duration_s", "req_per_s", "in_tok_per_s", "out_tok_per_s", "total_tok_per_s", "out_speed_mean" |
	select($g[.] == null) | "\($g.source) \(.)"' "$T/t.json")
[ -z "$miss" ] && ok "every statistic of both runs, min and max included" || nok "every statistic of both runs, min and max included" "$miss"
# Throughputs over the file's duration: vLLM's own figures.
out=$(jq -r --slurpfile v "$V" '.[] | select(.source == "vllm") |
	"\(.req_per_s) \($v[0].request_throughput)", "\(.out_tok_per_s) \($v[0].output_throughput)",
	"\(.total_tok_per_s) \($v[0].total_token_throughput)", "\(.duration_s) \($v[0].duration)"' "$T/t.json" |
	awk '{ d = ($1 - $2) / $2; if (d < 0) d = -d; if (!($2 > 0) || d > 1e-6) { print; bad++ } } END { exit bad > 0 || NR != 4 }')
[ $? -eq 0 ] && ok "throughputs and duration equal vLLM's (1e-6 rel)" || nok "throughputs and duration equal vLLM's" "$out"
# min and max are the extremes of the file's arrays.
mm=$(jq -r '[.ttfts[] * 1000] | "\(min) \(max)"' "$V")
tm=$(jq -r '.[] | select(.source == "vllm") | "\(.ttft_min) \(.ttft_max)"' "$T/t.json")
echo "$mm $tm" | awk '{ for (i = 1; i <= 2; i++) { d = ($i - $(i + 2)) / $i; if (d < 0) d = -d; if (d > 1e-9) exit 1 } }' &&
	ok "TTFT min and max are the file's ($mm)" || nok "TTFT min and max are the file's" "file $mm, table $tm"
jq -e '.[] | select(.source == "vllm") | .note | test("approximate for 40 requests")' "$T/t.json" >/dev/null &&
	jq -e '.[] | select(.source == "llmrun") | (.note // "") | test("approximate") | not' "$T/t.json" >/dev/null &&
	ok "E2E and TPOT flagged approximate for the vLLM run only" || nok "E2E and TPOT flagged approximate for the vLLM run only" "$(jq -c '.[].note' "$T/t.json")"

# CSV by default: the source column shows, no CSV error for the JSON.
llmanalyze "$T/r.csv" "$V" >"$T/t.csv" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && head -1 "$T/t.csv" | grep -q '^source,target,model,' && [ "$(wc -l <"$T/t.csv")" -eq 3 ] &&
	ok "CSV table: source column, two rows" || nok "CSV table: source column, two rows" "exit $rc: $(cat "$T/err") $(cut -c1-80 "$T/t.csv")"
llmanalyze "$T/r.csv" >"$T/alone.csv"
head -1 "$T/alone.csv" | grep -q '^target,' && ok "llmrun results alone: no source column" || nok "llmrun results alone: no source column" "$(head -c 80 "$T/alone.csv")"
# Markdown: the check of vLLM's summaries as a section after the table.
llmanalyze -f md "$T/r.csv" "$V" >"$T/t.md" 2>"$T/err"
grep -q "^### vLLM's own summaries beside ours" "$T/t.md" && grep -q "c8.json | ttft | p99 | 24.2544 | 24.2544 | 0.0000 | exact |" "$T/t.md" &&
	grep -q "c8.json | itl | max | 5.5607 | - | - | not in file |" "$T/t.md" &&
	ok "markdown: the check follows the table, min and max with it" || nok "markdown: the check follows the table" "$(cat "$T/err"; tail -5 "$T/t.md")"
# Standard input and leading spaces.
{ printf ' \n\t'; cat "$V"; } | llmanalyze -f json >"$T/in.json" 2>"$T/err"
[ "$(jq -r '.[0].source' "$T/in.json" 2>/dev/null)" = vllm ] && ok "a vLLM file on standard input, after spaces" ||
	nok "a vLLM file on standard input, after spaces" "$(cat "$T/err")"
# Through named pipes (read once: the look at the first byte must not
# lose it), a results CSV and a vLLM file.
mkfifo "$T/csv.fifo" "$T/json.fifo"
cat "$T/r.csv" >"$T/csv.fifo" &
cat "$V" >"$T/json.fifo" &
llmanalyze -f json "$T/csv.fifo" "$T/json.fifo" >"$T/fifo.json" 2>"$T/err"
wait
[ "$(jq -r '[.[] | "\(.source) \(.requests)"] | join(", ")' "$T/fifo.json" 2>/dev/null)" = "llmrun 12, vllm 40" ] &&
	ok "a results CSV and a vLLM file through named pipes" || nok "a results CSV and a vLLM file through named pipes" "$(cat "$T/err")"
# A failed request is a row of class other, not in the latencies.
jq '.errors[3] = "Bad Request"' "$V" >"$T/failed.json"
got=$(llmanalyze -f json "$T/failed.json" | jq -r '.[0] | "\(.requests) \(.ok) \(.err_other) \(.failed)"')
[ "$got" = "40 39 1 1" ] && ok "a vLLM error is a failed request (other)" || nok "a vLLM error is a failed request (other)" "$got"
# Other JSON, the same file twice, summaries alone.
printf '{"results": []}' >"$T/other.json"
llmanalyze "$T/other.json" 2>"$T/err" >/dev/null
[ $? -eq 65 ] && grep -q "other.json: not a vLLM result file" "$T/err" && ok "JSON that is not vLLM's: 65, says so" ||
	nok "JSON that is not vLLM's: 65, says so" "$(cat "$T/err")"
# A results CSV given to --vllm: said to be no JSON, not only the parser's words.
printf 'run_id,status\nr,ok\n' >"$T/notjson.csv"
llmanalyze --vllm "$T/notjson.csv" 2>"$T/err" >/dev/null
[ $? -eq 65 ] && grep -q "notjson.csv:1:.*(not JSON: not a vLLM result file)" "$T/err" && ok "--vllm on a CSV: 65, says it is no JSON" ||
	nok "--vllm on a CSV: 65, says it is no JSON" "$(cat "$T/err")"
cp "$V" "$T/copy.json"
llmanalyze "$V" "$T/copy.json" 2>"$T/err" >/dev/null
[ $? -eq 65 ] && grep -q "given twice" "$T/err" && ok "one vLLM file given twice: 65" || nok "one vLLM file given twice: 65" "$(cat "$T/err")"
# Two runs saved in the same second (vLLM's date, to the second, is the
# run id) are not one run given twice: their rows differ.
R50="$D/vllm-openai-completions-rate50.json"
jq --arg d "$(jq -r .date "$V")" '.date = $d' "$R50" >"$T/same-second.json"
llmanalyze -f csv -c requests "$V" "$T/same-second.json" 2>"$T/err" >"$T/ss.csv"
[ $? -eq 0 ] && [ "$(wc -l <"$T/ss.csv")" -eq 3 ] && ok "two vLLM runs saved in the same second: both read" ||
	nok "two vLLM runs saved in the same second: both read" "$(cat "$T/err" "$T/ss.csv")"
# Without a date a run cannot be placed in time: pooled with another, the
# two spans would overlap at 0 and the throughput would double.
jq 'del(.date)' "$V" >"$T/nodate1.json"
jq 'del(.date) | .ttfts[0] += 0.001' "$V" >"$T/nodate2.json"
llmanalyze -f csv -c duration_s "$T/nodate1.json" >"$T/nd.csv" 2>"$T/err"
[ $? -eq 0 ] && [ "$(sed -n 2p "$T/nd.csv")" = "$(llmanalyze -f csv -c duration_s "$V" | sed -n 2p)" ] &&
	ok "a vLLM run without date alone: its duration" || nok "a vLLM run without date alone: its duration" "$(cat "$T/err" "$T/nd.csv")"
llmanalyze --pool-runs "$T/nodate1.json" "$T/nodate2.json" >/dev/null 2>"$T/err"
[ $? -eq 65 ] && grep -q "cannot be pooled with run .*has no date" "$T/err" &&
	ok "vLLM runs without date are not pooled: 65" || nok "vLLM runs without date are not pooled: 65" "$(cat "$T/err")"
# A limited rate with a cap is a rate step, as llmrun's --rate with
# --max-concurrency; a cap alone is a batch.
jq '.max_concurrency = 8' "$R50" >"$T/capped.json"
v=$(llmanalyze -f json "$T/capped.json" | jq -r '.[0] | "\(.step_kind) \(.schedule) \(.step)"')
[ "$v" = "rate poisson 50" ] && ok "vLLM rate 50 capped at 8: a rate step" || nok "vLLM rate 50 capped at 8: a rate step" "$v"
v=$(llmanalyze -f json "$V" | jq -r '.[0] | "\(.step_kind) \(.schedule) \(.step)"')
[ "$v" = "batch window 8" ] && ok "vLLM concurrency 8 without a rate: a batch" || nok "vLLM concurrency 8 without a rate: a batch" "$v"
llmanalyze "$T/r.csv" "$T/summary.json" 2>"$T/err" >"$T/s2.csv"
[ $? -eq 0 ] && grep -q "summary.json: vLLM summaries without per-request data" "$T/err" && [ "$(wc -l <"$T/s2.csv")" -eq 2 ] &&
	ok "summaries alone: a warning, no row" || nok "summaries alone: a warning, no row" "$(cat "$T/err")"

# Charts and the report show both runs.
llmanalyze --charts "$T/ch" --html "$T/rep.html" -o "$T/h.csv" "$T/r.csv" "$V" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && grep -q '<th>source</th>' "$T/rep.html" && grep -q '<td>vllm</td>' "$T/rep.html" &&
	ok "HTML report: the vLLM run beside llmrun's" || nok "HTML report: the vLLM run beside llmrun's" "exit $rc: $(cat "$T/err")"
grep -q '^# series .*: vllm openai-chat gt' "$T/ch/by_step.dat" && grep -q '^# series .*: llmrun default llmsim' "$T/ch/by_step.dat" &&
	ok "charts: a series per source" || nok "charts: a series per source" "$(grep '^# series' "$T/ch/by_step.dat")"
# The timeline shows the last group with request times (llmrun's), not
# the vLLM run after it, which has none.
[ -s "$T/ch/timeline.png" ] && grep -q 'llmrun' "$T/ch/timeline.gp" && ! grep -q "not drawn" "$T/err" &&
	ok "charts: the timeline is llmrun's run" || nok "charts: the timeline is llmrun's run" "$(cat "$T/err")"
# vLLM's default, an unlimited rate ("request_rate": "inf"): step inf in
# every format; in JSON a string (JSON has no infinity; it was "out of
# memory", exit 70).
jq '.request_rate = "inf"' "$D/vllm-openai-completions-rate50.json" >"$T/inf.json"
llmanalyze -f json -c ok "$T/inf.json" >"$T/inf.out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && [ "$(jq -c '[.[] | .step]' "$T/inf.out")" = '["inf"]' ] &&
	ok "an unlimited rate: step \"inf\" in JSON" || nok "an unlimited rate: step \"inf\" in JSON" "exit $rc: $(cat "$T/err" "$T/inf.out")"
# A rate of 2.2 is step 2.2, as llmrun writes it (until 2026-12-07:
# 2.2000000000000002, a group apart from llmrun's); a ramp-up run
# (--ramp-up-strategy: request_rate inf) is a ramp to its end rate.
jq '.request_rate = 2.2' "$D/vllm-openai-completions-rate50.json" >"$T/r22.json"
v=$(llmanalyze -f json -c requests "$T/r22.json" | jq -r '.[0].step')
[ "$v" = 2.2 ] && ok "a rate of 2.2 is step 2.2" || nok "a rate of 2.2 is step 2.2" "$v"
for cap in null 8; do
	jq ".request_rate = \"inf\" | .max_concurrency = $cap | .ramp_up_strategy = \"linear\" | .ramp_up_start_rps = 1 | .ramp_up_end_rps = 20" \
		"$V" >"$T/ramp.json"
	v=$(llmanalyze -f json -c requests "$T/ramp.json" | jq -r '.[0] | "\(.step_kind) \(.schedule) \(.step)"')
	[ "$v" = "rate poisson-ramp 20" ] && ok "a ramp-up run, cap $cap: rate poisson-ramp to 20" || nok "a ramp-up run, cap $cap: rate poisson-ramp to 20" "$v"
done
# One result and a line end: its plain name (it read FILE:1).
jq . "$V" >"$T/one.json"
llmanalyze --vllm -f csv "$T/one.json" | sed -n 2p | grep -q "^$T/one.json,ttft," && ok "one result: its plain name" ||
	nok "one result: its plain name" "$(llmanalyze --vllm -f csv "$T/one.json" | sed -n 2p)"
# vllm bench serve --append-result: results one a line in one file, each
# a run of its own (until 2026-12-07: 65, "end of file expected").
{ jq -c . "$V"; jq -c '.date = "20261123-080000"' "$V"; } >"$T/app.json"
v=$(llmanalyze -f json -c requests "$T/app.json" | jq -r '[.[] | "\(.run_id):\(.requests)"] | join(" ")')
[ "$v" = "vllm-20261123-070154:40 vllm-20261123-080000:40" ] && ok "appended results: a run each" || nok "appended results: a run each" "$v"
llmanalyze --vllm -f csv "$T/app.json" | cut -d, -f1 | sort -u | grep -c 'app.json:[12]$' | grep -qx 2 &&
	ok "... each checked against its own summaries (FILE:LINE)" || nok "... each checked against its own summaries" "$(llmanalyze --vllm -f csv "$T/app.json" | head -3)"
# Percentiles other than vLLM's default four (--metric-percentiles 25,99.9)
# are checked too (until 2026-12-07 they were passed over); p25 here is
# NumPy's, computed by jq from the file's ttfts.
jq '(.ttfts | map(. * 1000) | sort) as $t | ($t | length) as $n | (0.25 * ($n - 1)) as $h | ($h | floor) as $i |
	.["p25_ttft_ms"] = ($t[$i] + ($h - $i) * ($t[[$i + 1, $n - 1] | min] - $t[$i]))' "$V" >"$T/p25.json"
v=$(llmanalyze --vllm -f csv "$T/p25.json" | awk -F, '$2 == "ttft" && $3 == "p25" { print $6, $7 }')
[ "$v" = "0.0000 exact" ] && ok "a p25 in the file: checked, and equal" || nok "a p25 in the file: checked, and equal" "$v"
monoall "$T"
