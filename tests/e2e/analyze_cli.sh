#!/bin/sh
# llmanalyze on results files the test writes (tests/data/analyze/gen.awk:
# a simulated sweep whose TTFT and throughput rise with the batch size):
# table contents, merging shards, refusing the same run twice, malformed
# rows with file:line, a cut-off last row, formats, exit statuses.
. tests/lib.sh
T=$(mktmp)
G=tests/data/analyze/gen.awk
awk -v steps=1,2,4,8 -v waves=3 -v fail=7 -f $G >"$T/all.csv"

# Column N of the CSV row whose step (4th column) is S.
col() { awk -F, -v s="$2" -v c="$3" 'NR > 1 && $4 == s { print $c }' "$1"; }
colnum() { head -1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }

llmanalyze "$T/all.csv" >"$T/t.csv" 2>"$T/err"
check "analyze a sweep" test -s "$T/t.csv"
[ "$(head -1 "$T/t.csv" | cut -d, -f1-6)" = "target,model,group,step,requests,ok" ] &&
	ok "csv header starts with the keys" || nok "csv header starts with the keys" "$(head -1 "$T/t.csv")"
[ "$(wc -l <"$T/t.csv")" -eq 5 ] && ok "one row per step" || nok "one row per step"
# Warmup rows are left out: 3 waves of s requests per step.
[ "$(col "$T/t.csv" 8 "$(colnum "$T/t.csv" requests)")" = 24 ] && ok "warmup excluded" ||
	nok "warmup excluded" "requests at step 8: $(col "$T/t.csv" 8 "$(colnum "$T/t.csv" requests)")"
tp=$(colnum "$T/t.csv" out_tok_per_s)
tt=$(colnum "$T/t.csv" ttft_p50)
prev_tp=0; prev_tt=0; rising=1
for s in 1 2 4 8; do
	a=$(col "$T/t.csv" $s "$tp"); b=$(col "$T/t.csv" $s "$tt")
	awk -v a="$a" -v b="$b" -v pa="$prev_tp" -v pb="$prev_tt" 'BEGIN { exit !(a > pa && b > pb) }' || rising=0
	prev_tp=$a; prev_tt=$b
done
[ $rising = 1 ] && ok "throughput and TTFT rise with the batch size" || nok "throughput and TTFT rise with the batch size"
# Step 2: TTFT 30 ms exactly; every 7th request overall is an http_5xx.
[ "$(col "$T/t.csv" 2 "$tt")" = 30.000 ] && ok "ttft p50 value" || nok "ttft p50 value" "$(col "$T/t.csv" 2 "$tt")"
e5=$(awk -F, 'NR > 1 && $12 == 0 && $8 == 8 && $14 == "http_5xx"' "$T/all.csv" | wc -l)
[ "$(col "$T/t.csv" 8 "$(colnum "$T/t.csv" err_http_5xx)")" = "$e5" ] && ok "errors counted by class" ||
	nok "errors counted by class"

# Shards: the rows of one run (one run id, as llmrun --run-id gives the
# shards of a study) split over two files give the numbers that one file
# holding the same rows gives.
awk -F, -v OFS=, 'NR == 1 { print; next } { $1 = "s1"; print }' "$T/all.csv" >"$T/whole.csv"
awk -F, 'NR == 1 || NR % 2' "$T/whole.csv" >"$T/shard1.csv"
awk -F, 'NR == 1 || !(NR % 2)' "$T/whole.csv" >"$T/shard2.csv"
llmanalyze "$T/whole.csv" >"$T/w.csv"
llmanalyze "$T/shard2.csv" "$T/shard1.csv" >"$T/m.csv"
cmp -s "$T/w.csv" "$T/m.csv" && ok "merged shards equal one file" || nok "merged shards equal one file" "$(diff "$T/w.csv" "$T/m.csv" | head -5)"
cat "$T/shard1.csv" | llmanalyze "$T/shard2.csv" - >"$T/m2.csv" 2>/dev/null
llmanalyze "$T/shard1.csv" "$T/shard2.csv" >"$T/m3.csv"
cmp -s "$T/m2.csv" "$T/m3.csv" && ok "'-' reads standard input" || nok "'-' reads standard input"
llmanalyze <"$T/whole.csv" >"$T/stdin.csv"
cmp -s "$T/w.csv" "$T/stdin.csv" && ok "no file: standard input" || nok "no file: standard input"

expect_exit 65 "the same results twice are refused" llmanalyze "$T/shard1.csv" "$T/shard1.csv"
llmanalyze "$T/shard1.csv" "$T/shard2.csv" "$T/shard1.csv" 2>"$T/err" >/dev/null
grep -q "run_id s1 is in both" "$T/err" && ok "refusal names the run" || nok "refusal names the run" "$(cat "$T/err")"

# Malformed rows: file and line.
cut -d, -f1-16,18- "$T/all.csv" >"$T/nosent.csv"
llmanalyze "$T/nosent.csv" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 65 ] && grep -q "nosent.csv:1: no column \"t_sent_ns\"" "$T/err" && ok "missing column: 65 and file:1" ||
	nok "missing column: 65 and file:1" "exit $rc: $(cat "$T/err")"
awk -F, -v OFS=, 'NR == 6 { $22 = "fast" } { print }' "$T/all.csv" >"$T/nan.csv"
llmanalyze "$T/nan.csv" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 65 ] && grep -q "nan.csv:6:22: ttft_ms: expected a number" "$T/err" && ok "non-numeric field: 65 and file:line:col" ||
	nok "non-numeric field: 65 and file:line:col" "exit $rc: $(cat "$T/err")"
awk 'NR == 1 { print $0 ",ttft_merged"; next } { print $0 "," (NR == 5 ? 2 : 0) }' "$T/all.csv" >"$T/merged2.csv"
mc=$(head -1 "$T/merged2.csv" | tr ',' '\n' | grep -nx ttft_merged | cut -d: -f1)
llmanalyze "$T/merged2.csv" >/dev/null 2>"$T/err"; rc=$?
[ -n "$mc" ] && [ $rc -eq 65 ] && grep -q "merged2.csv:5:$mc: ttft_merged: 0 or 1, got 2" "$T/err" &&
	ok "ttft_merged other than 0 or 1: 65 and file:line:col" ||
	nok "ttft_merged other than 0 or 1: 65 and file:line:col" "column $mc, exit $rc: $(cat "$T/err")"
awk -F, -v OFS=, 'NR == 4 { NF = 10 } { print }' "$T/all.csv" >"$T/short.csv"
llmanalyze "$T/short.csv" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 65 ] && grep -q "short.csv:4" "$T/err" && ok "short row mid-file: 65 and file:line" ||
	nok "short row mid-file: 65 and file:line" "exit $rc: $(cat "$T/err")"
# A killed run: the last row cut in the middle, no line end.
n=$(wc -c <"$T/all.csv")
head -c $((n - 20)) "$T/all.csv" >"$T/cut.csv"
lines=$(wc -l <"$T/all.csv")
llmanalyze "$T/cut.csv" >"$T/cut.out" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && grep -q "warning: .*cut.csv:$lines" "$T/err" && ok "cut-off last row: warning with file:line, exit 0" ||
	nok "cut-off last row: warning with file:line, exit 0" "exit $rc: $(cat "$T/err")"
r_all=$(col "$T/t.csv" 8 "$(colnum "$T/t.csv" requests)")
r_cut=$(col "$T/cut.out" 8 "$(colnum "$T/cut.out" requests)")
[ "$r_cut" -eq $((r_all - 1)) ] && ok "cut-off row skipped, the rest counted" || nok "cut-off row skipped, the rest counted" "$r_all $r_cut"
llmanalyze -q "$T/cut.csv" >/dev/null 2>"$T/err"
[ ! -s "$T/err" ] && ok "--quiet silences warnings" || nok "--quiet silences warnings"
# A killed run cut inside a field that holds a line end (a corpus id with a
# newline): the open quote began a line earlier, as a stray quote that
# swallowed the rows after it does. Only the metadata tells them apart:
# without an end marker it is a cut (until 2026-12-07: 65 either way, and
# the killed run's rows could not be read); with one, or with no
# metadata, it is bad data.
sed '$d' "$T/all.csv" >"$T/cutq.csv"
tail -1 "$T/all.csv" | cut -d, -f1-5 | tr -d '\n' >>"$T/cutq.csv"
printf ',"row\nid' >>"$T/cutq.csv"
bad_quote() {
	llmanalyze "$T/cutq.csv" >/dev/null 2>"$T/err"; rc=$?
	[ $rc -eq 65 ] && grep -q "cutq.csv:$((lines + 1)):[0-9]*: end of input inside a quoted field (record from line $lines)" "$T/err" &&
		ok "$1" || nok "$1" "exit $rc: $(cat "$T/err")"
}
bad_quote "cut inside a field with a line end, no metadata: 65 naming the lines"
echo '{"run_id": "x", "end_wall_ns": 1}' >"$T/cutq.csv.meta.json"
bad_quote "... with the metadata's end marker: 65"
echo '{"run_id": "x"}' >"$T/cutq.csv.meta.json"
llmanalyze "$T/cutq.csv" >"$T/cutq.out" 2>"$T/err"; rc=$?
r_cutq=$(col "$T/cutq.out" 8 "$(colnum "$T/cutq.out" requests)")
[ $rc -eq 0 ] && grep -q "warning: .*cutq.csv:.*quoted field (record from line $lines).*skipped" "$T/err" &&
	[ "$r_cutq" = "$r_cut" ] && ok "... without the end marker: a cut-off row skipped with a warning, the rest counted" ||
	nok "... without the end marker: a cut-off row skipped" "exit $rc, requests $r_cutq (want $r_cut): $(cat "$T/err")"

# Formats and options.
llmanalyze -f md -c req_per_s,ttft_p99 "$T/all.csv" >"$T/t.md"
head -2 "$T/t.md" | tail -1 | grep -q '^|---|---|---|---|--:|--:|$' && ok "markdown table" || nok "markdown table" "$(head -2 "$T/t.md")"
llmanalyze -f json -c ok "$T/all.csv" >"$T/t.json"
grep -q '"step": 8,' "$T/t.json" && grep -q '"step_kind": "batch"' "$T/t.json" && grep -q '"ok": 20' "$T/t.json" &&
	ok "json output: step a number, step_kind present" || nok "json output: step a number, step_kind present" "$(head -20 "$T/t.json")"
llmanalyze -f table "$T/all.csv" | head -1 | grep -q "^target  model  group  step  requests" && ok "aligned table" || nok "aligned table"
llmanalyze -c ttft_p50 -r ttft_p50 "$T/all.csv" | cut -d, -f4 | tr '\n' ' ' | grep -q "^step 1 2 4 8 $" && ok "--rank latency: lowest first" || nok "--rank latency: lowest first"
llmanalyze -c out_tok_per_s -r out_tok_per_s "$T/all.csv" | cut -d, -f4 | tr '\n' ' ' | grep -q "^step 8 4 2 1 $" && ok "--rank throughput: highest first" || nok "--rank throughput: highest first"
# Failures rise with the step here (every 7th request fails): fewest first.
llmanalyze -c failed -r failed "$T/all.csv" | cut -d, -f4 | tr '\n' ' ' | grep -q "^step 1 2 4 8 $" && ok "--rank failed: fewest first" || nok "--rank failed: fewest first"
llmanalyze -b step,status -c requests "$T/all.csv" | grep -q "^8,http_5xx,4$" && ok "--by other columns" || nok "--by other columns"
llmanalyze -s ttft:35 -c goodput_req_per_s,req_per_s "$T/all.csv" >"$T/g.csv"
awk -F, '$1 == "2" && $5 == $6 { g2 = 1 } $1 == "4" && $5 == 0 { g4 = 1 } END { exit !(g2 && g4) }' "$T/g.csv" 2>/dev/null ||
	awk -F, 'NR > 1 { print }' "$T/g.csv" | awk -F, '($4 == 2 && $5 == $6) || ($4 == 4 && $5 + 0 == 0) { n++ } END { exit n != 2 }'
[ $? -eq 0 ] && ok "goodput under --slo" || nok "goodput under --slo" "$(cat "$T/g.csv")"
llmanalyze -o "$T/out.csv" "$T/all.csv" && cmp -s "$T/out.csv" "$T/t.csv" && ok "-o FILE" || nok "-o FILE"
# Rows without a TTFT (as --no-stream writes them): a TTFT objective can
# judge none, so goodput is empty, not 0; an E2E objective still counts.
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^(ttft_ms|ttfc_ms|tpot_ms|t_first_token_ns|t_first_content_ns|t_last_token_ns|chunk_log)$/) b[i] = 1 }
	NR > 1 { for (i in b) $i = "" } { print }' "$T/all.csv" >"$T/nostream.csv"
g1=$(llmanalyze -s ttft:35 -c goodput_req_per_s "$T/nostream.csv" | awk -F, 'NR > 1 { printf "[%s]", $NF }')
g2=$(llmanalyze -s e2e:100000 -c goodput_req_per_s "$T/nostream.csv" | awk -F, 'NR > 1 && $NF + 0 > 0 { n++ } END { print n + 0 }')
[ "$g1" = "[][][][]" ] && [ "$g2" = 4 ] && ok "goodput without TTFTs: empty under a TTFT objective, counted under E2E" ||
	nok "goodput without TTFTs: empty under a TTFT objective, counted under E2E" "ttft: $g1; e2e: $g2 steps with goodput"
# ... and under a TPOT objective, which has no TPOT to judge either: until
# 2026-12-07 every such request met it, goodput equal to req_per_s even at
# 0.001 ms, and the HTML said "met SLO 100%". A request of one output
# token still meets it (no TPOT by definition).
g3=$(llmanalyze -s tpot:0.001 -c goodput_req_per_s "$T/nostream.csv" | awk -F, 'NR > 1 { printf "[%s]", $NF }')
g4=$(llmanalyze -s e2e:1,tpot:0.001 -c goodput_req_per_s "$T/nostream.csv" | awk -F, 'NR > 1 { printf "[%s]", $NF }')
[ "$g3" = "[][][][]" ] && [ "$g4" = "[0.000][0.000][0.000][0.000]" ] &&
	ok "goodput without TPOTs: empty under a TPOT objective, 0 when a known figure misses" ||
	nok "goodput without TPOTs: empty under a TPOT objective, 0 when a known figure misses" "tpot: $g3; e2e+tpot: $g4"

expect_exit 66 "missing input: 66" llmanalyze "$T/nope.csv"
expect_exit 64 "bad --slo: 64" llmanalyze -s ttft:abc "$T/all.csv"
expect_exit 64 "unknown column: 64" llmanalyze -c nope "$T/all.csv"
expect_exit 64 "unknown format: 64" llmanalyze -f xml "$T/all.csv"
expect_exit 74 "full disk: 74" sh -c "llmanalyze '$T/all.csv' >/dev/full"
expect_exit 65 "only warmup rows: 65" sh -c "awk -F, 'NR == 1 || \$12 == 1' '$T/all.csv' | llmanalyze"
llmanalyze --list-columns | grep -q "^itl_req_p99 " && ok "--list-columns" || nok "--list-columns"
