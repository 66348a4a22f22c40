#!/bin/sh
# Issue 12: two unrelated llmrun runs (a window run and a waves run, both
# at batch 8, one after the other) analyzed together give each run's own
# figures, the ones each gives alone; pooled on request (--pool-runs),
# their duration is the sum of their own spans, never the gap between.
. tests/lib.sh
T=$(mktmp)
SIMPID=
stop_sim() { [ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null && wait "$SIMPID" 2>/dev/null; SIMPID=; }
trap 'stop_sim; rm -rf $_tmps' EXIT
TOKF=$(need_tokfile cl100k_base.tiktoken) || exit 1
llmsim --port 0 -t "$TOKF" --seed 3 --time-scale 10 >"$T/url" 2>"$T/sim.err" &
SIMPID=$!
i=0
while [ ! -s "$T/url" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(head -1 "$T/url")
[ -n "$URL" ] || { nok "llmsim starts" "$(cat "$T/sim.err")"; exit 0; }

printf 'id,group,prompt,output_tokens\n' >"$T/c.csv"
for i in $(seq 1 40); do echo "r$i,g,prompt number $i about the weather,24" >>"$T/c.csv"; done
llmrun --url "$URL" --model llmsim --batch-sizes 8 --schedule window --requests 40 -q -o "$T/r1.csv" "$T/c.csv"
sleep 1 # a gap between the runs, as in the issue (a minute there)
llmrun --url "$URL" --model llmsim --batch-sizes 8 --schedule waves --requests 40 -q -o "$T/r4.csv" "$T/c.csv"
stop_sim

# Value of column NAME in the CSV row whose schedule is S (or the only row).
get() { awk -F, -v n="$2" -v s="$3" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	s == "" || $c["schedule"] == s { print $c[n] }' "$1"; }

llmanalyze "$T/r1.csv" >"$T/a1.csv"
llmanalyze "$T/r4.csv" >"$T/a4.csv"
llmanalyze "$T/r1.csv" "$T/r4.csv" >"$T/both.csv"
[ "$(tail -n +2 "$T/both.csv" | wc -l)" -eq 2 ] && ok "two runs, two rows" || nok "two runs, two rows" "$(cat "$T/both.csv")"
head -1 "$T/both.csv" | grep -q "^target,model,group,schedule,step," && ok "the schedule tells the runs apart" ||
	nok "the schedule tells the runs apart" "$(head -1 "$T/both.csv")"
head -1 "$T/a1.csv" | grep -q "run_id" && nok "one run: no run_id column" "$(head -1 "$T/a1.csv")" || ok "one run: no run_id column"
for c in requests ok duration_s req_per_s out_tok_per_s ttft_p50 e2e_p99; do
	a=$(get "$T/a1.csv" $c); b=$(get "$T/both.csv" $c window)
	x=$(get "$T/a4.csv" $c); y=$(get "$T/both.csv" $c waves)
	[ -n "$a" ] && [ "$a" = "$b" ] && [ "$x" = "$y" ] && ok "$c: each run's own figure ($a, $x)" ||
		nok "$c: each run's own figure" "alone $a $x, together $b $y"
done

# Pooled: one row, duration the sum of the two spans (they do not overlap;
# the second of sleep between them is no part of it).
llmanalyze --pool-runs "$T/r1.csv" "$T/r4.csv" >"$T/pool.csv" 2>"$T/err"
# schedule still tells them apart unless grouped otherwise
[ "$(tail -n +2 "$T/pool.csv" | wc -l)" -eq 2 ] && ok "--pool-runs keeps schedules apart" || nok "--pool-runs keeps schedules apart" "$(cat "$T/pool.csv")"
awk -F, -v OFS=, 'NR > 1 { $1 = "x" } { print }' "$T/r4.csv" | sed 's/,waves,/,window,/' >"$T/r4w.csv"
llmanalyze --pool-runs "$T/r1.csv" "$T/r4w.csv" >"$T/pool.csv" 2>"$T/err"
d1=$(get "$T/a1.csv" duration_s); d4=$(get "$T/a4.csv" duration_s); dp=$(get "$T/pool.csv" duration_s)
rp=$(get "$T/pool.csv" req_per_s); n=$(get "$T/pool.csv" ok)
awk -v a="$d1" -v b="$d4" -v p="$dp" 'BEGIN { exit !(p != "" && (a + b - p) ^ 2 < 0.002 ^ 2) }' &&
	ok "pooled duration is the sum of the runs' spans ($d1 + $d4 = $dp)" || nok "pooled duration is the sum of the runs' spans" "$d1 + $d4 vs $dp"
awk -v r="$rp" -v n="$n" -v p="$dp" 'BEGIN { exit !(n == 80 && (r * p / n - 1) ^ 2 < 0.02 ^ 2) }' &&
	ok "pooled req/s over that duration" || nok "pooled req/s over that duration" "$n / $dp vs $rp"
llmanalyze "$T/r1.csv" "$T/r4w.csv" >"$T/same.csv"
head -1 "$T/same.csv" | grep -q "^target,model,group,run_id,step," && [ "$(tail -n +2 "$T/same.csv" | wc -l)" -eq 2 ] &&
	ok "two runs of one schedule: run_id tells them apart" || nok "two runs of one schedule: run_id tells them apart" "$(cut -d, -f1-8 "$T/same.csv")"
expect_exit 64 "--pool-runs with --by is a usage error" llmanalyze --pool-runs -b step "$T/r1.csv"
# A run of two targets one after the other (llmrun --targets) grouped
# without target: the duration is the union of each target's own spans,
# not from the first target's start to the second's end (until
# 2026-12-07: 111 tok/s over 7.2 s for a step of 593 tok/s over 0.68 s).
awk -v steps=2 -f tests/data/analyze/gen.awk >"$T/tA.csv"
awk -v steps=2 -v t0=1000100000000000 -f tests/data/analyze/gen.awk | tail -n +2 | awk -F, -v OFS=, '{ $2 = "other"; print }' |
	cat "$T/tA.csv" - >"$T/tAB.csv"
each=$(llmanalyze -f csv -c duration_s "$T/tAB.csv" | tail -n +2 | awk -F, '{ s += $NF } END { printf "%.3f", s }')
both=$(llmanalyze -f csv -b model,group,step -c duration_s,runs "$T/tAB.csv" | tail -n 1)
[ "$both" = "m1,g,2,$each,1" ] && ok "two targets of one run, grouped together: their spans' union ($each s), one run" ||
	nok "two targets of one run, grouped together: their spans' union" "got $both, want m1,g,2,$each,1"
