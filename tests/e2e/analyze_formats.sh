#!/bin/sh
# What llmanalyze writes beyond the CSV table: missing latencies (a
# --no-stream run leaves ttft_ms, tpot_ms and chunk_log empty) shown as
# absent in every format, units in headers, notes in every format, the
# chart axis named by the step kind, --html honouring --columns and
# drawing its charts without --charts.
. tests/lib.sh
T=$(mktmp)
D=tests/data/analyze/cases

llmanalyze -f md "$D/no_stream.csv" >"$T/t.md"
grep -q '| ttft_p50 (ms) |' "$T/t.md" && ok "markdown headers carry units" || nok "markdown headers carry units" "$(head -1 "$T/t.md")"
# Column of ttft_p50 in the Markdown table, and its value.
v=$(awk -F' [|] ' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "ttft_p50 (ms)") c = i } NR == 3 { print $c }' "$T/t.md")
[ "$v" = "—" ] && ok "markdown: no TTFT is an em dash" || nok "markdown: no TTFT is an em dash" "got '$v'"
llmanalyze -f table "$D/no_stream.csv" >"$T/t.txt"
head -1 "$T/t.txt" | grep -q 'ttft_p50 (ms)' && ok "table headers carry units" || nok "table headers carry units"
awk 'NR == 2 { exit !($0 ~ / - /) }' "$T/t.txt" && ok "table: no TTFT is '-'" || nok "table: no TTFT is '-'" "$(cat "$T/t.txt")"
llmanalyze -f json "$D/no_stream.csv" >"$T/t.json"
[ "$(jq '.[0].ttft_p50, .[0].tpot_p50, .[0].itl_p50' "$T/t.json" | tr '\n' ' ')" = "null null null " ] &&
	ok "json: no TTFT, TPOT or ITL is null" || nok "json: no TTFT, TPOT or ITL is null" "$(cat "$T/t.json")"
[ "$(jq '.[0].e2e_p50' "$T/t.json")" = 150 ] && ok "json: e2e still there" || nok "json: e2e still there"
[ "$(jq -r '.[0].step | type' "$T/t.json")" = number ] && ok "json: step is a number" || nok "json: step is a number"

# Notes in every format.
for f in md table; do
	llmanalyze -f $f "$D/queue_ms.csv" | grep -q "^note: t m g 1: sends 3.0 ms late at p99 (client_lag_ms: llmrun fell behind, or requests queued for a max_concurrency slot); throughput includes it but not TTFT or E2E$" &&
		ok "$f: client lag note" || nok "$f: client lag note" "$(llmanalyze -f $f "$D/queue_ms.csv")"
done
[ "$(llmanalyze -f json "$D/short_outputs.csv" | jq -r '.[0].note')" = \
	"ok requests got 50% of max_tokens on average: outputs ended early (see llmrun --ignore-eos / --min-tokens)" ] &&
	ok "json: short-output note" || nok "json: short-output note"
[ "$(llmanalyze -f json "$D/no_stream.csv" | jq -r '.[0].note')" = null ] && ok "json: no note is null" || nok "json: no note is null"
# max_tokens absent: no flag even with few tokens.
llmanalyze -f table "$D/cancelled.csv" | grep -q "^note" && nok "no max_tokens, no short-output note" || ok "no max_tokens, no short-output note"

if command -v gnuplot >/dev/null 2>&1; then
	awk -F, -v OFS=, 'NR == 1 { print $0 ",step_kind"; next } { print $0 ",rate" }' "$D/no_stream.csv" >"$T/rate.csv"
	llmanalyze --charts "$T/ch" "$T/rate.csv" >/dev/null 2>"$T/err"
	grep -q "rate (requests/s)" "$T/ch/ttft.gp" && ! grep -q "batch size or rate" "$T/ch/ttft.gp" &&
		ok "chart x axis named by the step kind" || nok "chart x axis named by the step kind" "$(grep xlabel "$T/ch/ttft.gp")"
	# A conversation run's rate is conversations started a second, its
	# batch size conversations at a time (it said requests/s).
	awk -F, -v OFS=, 'NR == 1 { print $0 ",conversation_id,turn"; next } { print $0 ",c" NR ",1" }' "$T/rate.csv" >"$T/crate.csv"
	llmanalyze --charts "$T/chc" "$T/crate.csv" >/dev/null 2>"$T/err"
	grep -q "rate (conversations started/s)" "$T/chc/ttft.gp" &&
		ok "chart x axis of a conversation run: conversations started/s" ||
		nok "chart x axis of a conversation run: conversations started/s" "$(grep xlabel "$T/chc/ttft.gp") $(cat "$T/err")"
	# no TTFT: no point (NaN is gnuplot's missing value), never 0
	awk '!/^#/ && NF { exit !($3 == "NaN") }' "$T/ch/by_step.dat" && ok "charts: no TTFT, no point" ||
		nok "charts: no TTFT, no point" "$(head -3 "$T/ch/by_step.dat")"
	llmanalyze -c requests,ttft_p50 --html "$T/r.html" "$D/queue_ms.csv" >/dev/null 2>"$T/err"
	grep -q "<svg" "$T/r.html" && ok "--html without --charts has the charts inline" || nok "--html without --charts has the charts inline"
else
	ok "charts not checked # SKIP gnuplot missing"
	llmanalyze -c requests,ttft_p50 --html "$T/r.html" "$D/queue_ms.csv" >/dev/null 2>"$T/err"
fi
n=$(sed -n '/id="comparison"/,/<\/thead>/p' "$T/r.html" | grep -o '<th[ >]' | wc -l)
[ "$n" -eq 6 ] && ok "--html honours --columns (4 keys + 2 columns)" || nok "--html honours --columns" "$n header cells"
grep -q "sends 3.0 ms late at p99" "$T/r.html" && ok "html: client lag note" || nok "html: client lag note"
