#!/bin/sh
# llmanalyze --charts, --html (rendered in headless Chromium), --legacy-dir
# and charts skipped without gnuplot.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
T=$(mktmp)
awk -v steps=1,2,4 -v waves=3 -v fail=9 -f tests/data/analyze/gen.awk >"$T/r.csv"
printf '{"version": "test", "command": "llmrun --steps 1,2,4 corpus.csv", "seed": 7}\n' >"$T/r.meta.json"
charts="throughput ttft tpot e2e success knee cdf_ttft cdf_itl timeline tokens_over_time"

llmanalyze --charts "$T/ch" --html "$T/report.html" -o "$T/t.csv" "$T/r.csv" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && ok "charts and report: exit 0" || nok "charts and report: exit 0" "exit $rc: $(cat "$T/err")"
for c in $charts; do
	for x in png svg gp; do
		[ -s "$T/ch/$c.$x" ] || { nok "chart $c.$x exists and is not empty"; continue; }
		ok "chart $c.$x exists and is not empty"
	done
done
head -c 8 "$T/ch/ttft.png" | od -An -c | grep -q 'P   N   G' && ok "PNG is a PNG" || nok "PNG is a PNG"
grep -q "<svg" "$T/ch/ttft.svg" && grep -q "<path" "$T/ch/ttft.svg" && ok "SVG has drawing" || nok "SVG has drawing"
# The data behind the chart: one line per step.
[ "$(grep -c '^ [0-9]' "$T/ch/by_step.dat")" -eq 3 ] && ok "by_step.dat has a line per step" || nok "by_step.dat has a line per step"
(cd "$T/ch" && rm -f knee.png && gnuplot knee.gp 2>/dev/null && test -s knee.png) &&
	ok "a .gp script redraws its chart" || nok "a .gp script redraws its chart"
# The report's layout (docs/report.md): what ran, headline figures, charts
# (the key ones first), the table, definitions, run details last. The
# line on what ran counts the table's requests: 21, not the 24 rows read
# (3 warmup ones).
order=$(grep -o 'id="\(what\|headline\|charts\|table\|definitions\|run\)"' "$T/report.html" | tr '\n' ' ')
[ "$order" = 'id="what" id="headline" id="charts" id="table" id="definitions" id="run" ' ] &&
	ok "report: what ran, headline, charts, table, definitions, run details" || nok "report: what ran, headline, charts, table, definitions, run details" "$order"
grep -q '<p class="what" id="what">target sim &middot; model m1 &middot; batch 1, 2, 4 (waves) &middot; started 1970-01-12 [0-9:]* UTC &middot; 21 requests in 3 groups</p>' "$T/report.html" &&
	ok "report: one line on what was run" || nok "report: one line on what was run" "$(grep 'id="what"' "$T/report.html")"
grep -q '<span class="big">400</span> output tokens/s at its peak, at batch 4' "$T/report.html" &&
	ok "report: peak output throughput and its step" || nok "report: peak output throughput and its step" "$(grep -A3 'id="headline"' "$T/report.html")"
charts_order=$(grep -o 'id="chart-[a-z0-9_]*"' "$T/report.html" | sed 's/id="chart-//; s/"//' | tr '\n' ' ')
[ "$charts_order" = "throughput ttft tpot knee e2e success cdf_ttft cdf_itl timeline tokens_over_time " ] &&
	ok "report: key charts first" || nok "report: key charts first" "$charts_order"
grep -q '<th class="x" title="[^"]*">ttft_p90 (ms)</th>' "$T/report.html" && grep -q '<th title="[^"]*">ttft_p99 (ms)</th>' "$T/report.html" &&
	grep -q 'id="allcols"' "$T/report.html" && ok "report: a readable set of columns, the rest behind the toggle" ||
	nok "report: a readable set of columns, the rest behind the toggle"
grep -q '@media print' "$T/report.html" && ok "report: a print style" || nok "report: a print style"
# Every chart axis has its unit; legends leave out what all lines share
# (one target: "p50", not "sim m1 g p50"; one line: no legend).
nounit=$(grep -h '^set [xy]label' "$T"/ch/*.gp | grep -v '(' )
[ -z "$nounit" ] && ok "every axis has its unit" || nok "every axis has its unit" "$nounit"
grep -q "title 'p50'" "$T/ch/ttft.gp" && ! grep -q "title 'sim" "$T/ch/ttft.gp" && grep -q '^unset key' "$T/ch/throughput.gp" &&
	ok "legends: short names" || nok "legends: short names" "$(grep title "$T/ch/ttft.gp")"
if grep -o '\(src\|href\)="[^"#]*"' "$T/report.html" | grep -q .; then
	nok "report fetches nothing" "$(grep -o '\(src\|href\)="[^"#]*"' "$T/report.html" | head -3)"
else ok "report fetches nothing"; fi

# Rendered in headless Chromium: the table and every chart are in the DOM.
if ! command -v chromium >/dev/null 2>&1; then
	nok "chromium is installed" "install Debian's chromium (make deps)"
else
	u=$(mktmp)
	shot="$T/report.png"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$u" --window-size=1280,2400 --screenshot="$shot" \
		--dump-dom "file://$T/report.html" >"$T/dom.html" 2>"$T/chromium.err"
	rc=$?
	[ $rc -eq 0 ] && ok "chromium renders the report" || nok "chromium renders the report" "exit $rc: $(tail -3 "$T/chromium.err")"
	grep -q '<table id="comparison"' "$T/dom.html" && ok "table in the DOM" || nok "table in the DOM"
	grep -q '<td>llmrun --steps 1,2,4 corpus.csv</td>' "$T/dom.html" && ok "run metadata from r.meta.json" || nok "run metadata from r.meta.json"
	[ "$(grep -c '<tr><td>sim</td>' "$T/dom.html")" -eq 3 ] && ok "a table row per group" || nok "a table row per group"
	for c in $charts; do
		awk -v id="chart-$c" 'index($0, "id=\"" id "\"") { f = 1 } f && /<svg/ { s = 1 } f && s && /<path|<polyline|<line/ { found = 1; exit } END { exit !found }' "$T/dom.html" &&
			ok "chart $c is an SVG with content in the DOM" || nok "chart $c is an SVG with content in the DOM"
	done
	[ -s "$shot" ] && ok "screenshot written next to the report" || nok "screenshot written next to the report"
fi

# The timeline shows the step asked for: 3 waves of 2 requests.
llmanalyze --charts "$T/ch3" --timeline-step 2 -o /dev/null "$T/r.csv" &&
	grep -q "Request timeline: sim m1 g 2" "$T/ch3/timeline.gp" && [ "$(grep -c '^[0-9]' "$T/ch3/timeline.dat")" -eq 6 ] &&
	ok "--timeline-step picks the step" || nok "--timeline-step picks the step"
expect_exit 64 "--timeline-step of no step: 64" llmanalyze --charts "$T/ch3" --timeline-step 3 -o /dev/null "$T/r.csv"
# ... before any output is written (the table and the charts' data were).
llmanalyze --charts "$T/ch4" --timeline-step 3 -o "$T/ts.csv" "$T/r.csv" 2>/dev/null
[ $? -eq 64 ] && [ ! -e "$T/ts.csv" ] && [ ! -e "$T/ch4" ] && ok "--timeline-step of no step: nothing written" ||
	nok "--timeline-step of no step: nothing written" "$(ls "$T/ts.csv" "$T/ch4" 2>&1)"

# --html alone draws its charts in a temporary folder and removes it.
mkdir "$T/tmp"
TMPDIR="$T/tmp" llmanalyze --html "$T/alone.html" -o /dev/null "$T/r.csv"
[ "$(grep -c '<svg' "$T/alone.html")" -eq 10 ] && ok "--html alone: charts inline" || nok "--html alone: charts inline"
[ -z "$(ls "$T/tmp")" ] && ok "--html alone: temporary folder removed" || nok "--html alone: temporary folder removed" "$(ls "$T/tmp")"

# A step without one ok request: its latency charts have nothing to plot;
# the others are drawn, a warning names the rest, exit 0.
awk -v steps=1,2 -v waves=2 -v fail=1 -f tests/data/analyze/gen.awk >"$T/fail.csv"
llmanalyze --charts "$T/chf" --html "$T/f.html" -o /dev/null "$T/fail.csv" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && grep -q "warning: not drawn, nothing to plot.*ttft" "$T/err" && ok "charts without data: warning, exit 0" ||
	nok "charts without data: warning, exit 0" "exit $rc: $(cat "$T/err")"
[ -s "$T/chf/timeline.svg" ] && [ ! -e "$T/chf/ttft.png" ] && ok "charts without data: the rest drawn, no empty files" ||
	nok "charts without data: the rest drawn, no empty files" "$(ls "$T/chf")"
grep -q 'id="chart-timeline"' "$T/f.html" && ! grep -q 'id="chart-ttft"' "$T/f.html" && ok "charts without data: report holds the drawn ones" ||
	nok "charts without data: report holds the drawn ones"

# Without gnuplot the tables still come out; a message; exit 69.
LLMANALYZE_GNUPLOT=no-such-gnuplot-here llmanalyze --charts "$T/ch2" --html "$T/r2.html" -o "$T/t2.csv" "$T/r.csv" 2>"$T/err"
rc=$?
[ $rc -eq 69 ] && ok "no gnuplot: exit 69" || nok "no gnuplot: exit 69" "exit $rc"
grep -q "charts skipped" "$T/err" && ok "no gnuplot: says charts were skipped" || nok "no gnuplot: says charts were skipped" "$(cat "$T/err")"
cmp -s "$T/t.csv" "$T/t2.csv" && ok "no gnuplot: table written" || nok "no gnuplot: table written"
grep -q "Charts were skipped" "$T/r2.html" && ok "no gnuplot: report says so" || nok "no gnuplot: report says so"
[ -s "$T/ch2/ttft.gp" ] && [ -s "$T/ch2/by_step.dat" ] && ok "no gnuplot: .gp and .dat still written" || nok "no gnuplot: .gp and .dat still written"

# SIGTERM (or SIGINT, SIGHUP) while the charts are drawn: no chart after
# it, the temporary folder removed, no report, exit 130. Killed by it,
# llmanalyze left $TMPDIR/llmanalyze-XXXXXX full of .dat, .gp and images.
# A gnuplot that takes its time: each call leaves a mark and sleeps.
mkdir "$T/slow" "$T/stmp"
printf '#!/bin/sh\necho >>"%s/slow/calls"\nsleep 0.3\n' "$T" >"$T/slow/gnuplot"
chmod +x "$T/slow/gnuplot"
TMPDIR="$T/stmp" LLMANALYZE_GNUPLOT="$T/slow/gnuplot" llmanalyze -q --html "$T/stop.html" -o /dev/null "$T/r.csv" 2>"$T/err" &
p=$!
i=0; while [ ! -s "$T/slow/calls" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
kill -TERM $p
wait $p
rc=$?
calls=$(wc -l <"$T/slow/calls")
[ $rc -eq 130 ] && [ -z "$(ls -A "$T/stmp")" ] && [ ! -e "$T/stop.html" ] && [ "$calls" -le 2 ] &&
	grep -q "interrupted" "$T/err" && ok "SIGTERM while drawing: 130, no chart after it, no temporary folder left" ||
	nok "SIGTERM while drawing: 130, no chart after it, no temporary folder left" "exit $rc, $calls calls, left: $(ls -A "$T/stmp"): $(cat "$T/err")"

# LLM-Inference-Testing layout.
printf 'id,group,prompt\n' >"$T/corpus.csv"
i=1; while [ $i -le 60 ]; do printf '%d,g,"prompt %d, with a comma"\n' $i $i >>"$T/corpus.csv"; i=$((i + 1)); done
llmanalyze --legacy-dir "$T/out" --corpus "$T/corpus.csv" -o /dev/null "$T/r.csv"
for s in 1 2 4; do
	f="$T/out/output_performance_metrics_batch$s.csv"
	[ "$(head -1 "$f")" = "prompt,input_tokens,output_tokens,ttft,tpot,latency,tps,rps,status" ] &&
		ok "batch$s: exact header" || nok "batch$s: exact header" "$(head -1 "$f")"
	[ "$(($(wc -l <"$f") - 1))" -eq $((3 * s)) ] && ok "batch$s: a row per request" || nok "batch$s: a row per request"
done
grep -q '^"prompt 3, with a comma",64,16,' "$T/out/output_performance_metrics_batch1.csv" &&
	ok "prompt joined from the corpus" || nok "prompt joined from the corpus" "$(sed -n 2,3p "$T/out/output_performance_metrics_batch1.csv")"
head -1 "$T/out/batch_size_comparison.csv" | grep -q '^batch_size,sample_size,input_tokens_mean,input_tokens_std,input_tokens_min,input_tokens_max,.*,rps_max,requests$' &&
	ok "comparison header: that tool's, then requests" || nok "comparison header: that tool's, then requests" "$(head -1 "$T/out/batch_size_comparison.csv")"
# Its std is pandas' (n - 1), and its tpot the streaming time over every
# output token (until 2026-12-07: std over n, tpot ours). Output tokens
# that vary (10 to 16) give both something to tell apart.
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "output_tokens") c = i; print; next } { $c = 10 + NR % 7; print }' \
	"$T/r.csv" >"$T/rvar.csv"
llmanalyze -q --legacy-dir "$T/out5" -o /dev/null "$T/rvar.csv"
for s in 1 2 4; do
	want=$(awk -F, 'NR > 1 && $NF == "success" { n++; x = $3; s += x; q += x * x } END { m = s / n; printf "%.3f", sqrt((q - n * m * m) / (n - 1)) }' \
		"$T/out5/output_performance_metrics_batch$s.csv")
	got=$(awk -F, -v s="$s" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i } $1 == s { print $c["output_tokens_std"] }' "$T/out5/batch_size_comparison.csv")
	[ -n "$got" ] && awk -v a="$want" -v b="$got" 'BEGIN { exit !((a - b) ^ 2 < 1e-6) }' &&
		ok "batch$s: output_tokens_std is the sample's ($got)" || nok "batch$s: output_tokens_std is the sample's" "want $want, got $got"
done
awk -F, 'NR > 1 && $NF == "success" { t = ($6 - $4) / $3; if ((t - $5) ^ 2 > 1e-6) bad++; n++ } END { exit bad > 0 || n == 0 }' \
	"$T/out5/output_performance_metrics_batch2.csv" && ok "tpot = (latency - ttft) / output_tokens, status success" ||
	nok "tpot = (latency - ttft) / output_tokens, status success" "$(sed -n 1,3p "$T/out5/output_performance_metrics_batch2.csv")"
# A corpus that lacks the results' ids: said (the prompts are empty); one
# without a prompt column: 65 before any output is written.
printf 'id,prompt\nnope,x\n' >"$T/other.csv"
llmanalyze --legacy-dir "$T/out3" --corpus "$T/other.csv" -o /dev/null "$T/r.csv" 2>"$T/o3.err"
grep -q "warning: --corpus .*other.csv has no id of 21 result rows" "$T/o3.err" &&
	ok "--corpus without the results' ids: a warning counting them" || nok "--corpus without the results' ids: a warning" "$(cat "$T/o3.err")"
printf 'id,text\n1,x\n' >"$T/nocol.csv"
llmanalyze -o "$T/t4.csv" --legacy-dir "$T/out4" --corpus "$T/nocol.csv" "$T/r.csv" 2>"$T/o4.err"
rc=$?
[ $rc -eq 65 ] && [ ! -e "$T/t4.csv" ] && [ ! -e "$T/out4" ] && grep -q 'nocol.csv:1: no "prompt" column' "$T/o4.err" &&
	ok "--corpus without a prompt column: 65, no table, no folder" || nok "--corpus without a prompt column: 65, no table, no folder" "exit $rc: $(cat "$T/o4.err"; ls "$T" | grep -e t4 -e out4)"
[ "$(cut -d, -f1 "$T/out/batch_size_comparison.csv" | tr '\n' ' ')" = "batch_size 1 2 4 " ] && ok "comparison: a row per batch size" || nok "comparison: a row per batch size"
# TTFT at batch 2 is 30 ms for every request.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i } $1 == 2 { exit !($c["ttft_mean"] == 30 && $c["ttft_std"] == 0) }' "$T/out/batch_size_comparison.csv" &&
	ok "comparison: ttft mean and std" || nok "comparison: ttft mean and std"

# A batch sweep and a rate sweep of one target: the table tells the rows
# apart by step alone, but the charts and the headline's cards show two
# series, each named by what sets it apart (they were one line, from
# batch 4 into rate 5, and two cards of one title).
awk -v steps=5,10 -v run=r7 -v t0=1000100000000000 -f tests/data/analyze/gen.awk |
	awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "step_kind") k = i; if ($i == "schedule") s = i }; print; next }
		{ $k = "rate"; $s = "poisson"; print }' >"$T/rate7.csv"
awk -v steps=1,2,4 -f tests/data/analyze/gen.awk >"$T/batch1.csv"
llmanalyze -q --charts "$T/chs" --html "$T/s.html" -o /dev/null "$T/rate7.csv" "$T/batch1.csv"
[ "$(grep -c '^# series' "$T/chs/by_step.dat")" -eq 2 ] && grep -q '^# series .*batch' "$T/chs/by_step.dat" &&
	grep -q '^# series .*rate' "$T/chs/by_step.dat" &&
	[ "$(grep -o '<h3>[^<]*</h3>' "$T/s.html" | sort -u | wc -l)" -eq 2 ] &&
	ok "a batch sweep and a rate sweep: two series, two card titles" ||
	nok "a batch sweep and a rate sweep: two series, two card titles" "$(grep '^# series' "$T/chs/by_step.dat"; grep -o '<h3>[^<]*</h3>' "$T/s.html")"

# The legacy files are one batch-size sweep of one target and run, named
# by batch size alone: a rate step, a second target or run is refused
# (65), not written as a batch or pooled into one file.
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "step_kind") k = i; print; next } { $k = "rate"; print }' "$T/r.csv" >"$T/rate.csv"
awk -F, -v OFS=, 'NR > 1 { $2 = "other"; print }' "$T/r.csv" | cat "$T/r.csv" - >"$T/two.csv"
for pair in "rate:a rate step (1): the legacy files hold batch sizes only" \
	"two:rows of two targets"; do
	f=${pair%%:*}; text=${pair#*:}
	llmanalyze --legacy-dir "$T/leg.$f" -o /dev/null "$T/$f.csv" 2>"$T/leg.err"
	rc=$?
	[ $rc -eq 65 ] && grep -qF "$text" "$T/leg.err" && [ ! -e "$T/leg.$f" ] &&
		ok "--legacy-dir: $f refused (65), no folder" || nok "--legacy-dir: $f refused (65)" "exit $rc: $(cat "$T/leg.err")"
done

# Every results file of this script: chunk stamps never go back.
monoall "$T"
# ... and with --html alone, the warning names no temporary folder: it
# is gone before anyone could read the log there.
llmanalyze --html "$T/f2.html" -o /dev/null "$T/fail.csv" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && grep -q "warning: not drawn, nothing to plot (--charts DIR keeps gnuplot's log).*ttft" "$T/err" &&
	! grep -q "gnuplot.log" "$T/err" && ok "--html alone, charts without data: the warning names no folder that is gone" ||
	nok "--html alone, charts without data: the warning names no folder that is gone" "exit $rc: $(cat "$T/err")"
