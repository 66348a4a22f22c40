#!/bin/sh
# llmanalyze --html FILE --watch S: while llmrun (against llmsim) writes
# its results, the report is rewritten with the rows so far, each copy
# whole (renamed into place) and reloading itself; when the run ends (its
# .meta.json), a final copy without the reload, and the table. Then the
# growth step by step, driven by the test (rows appended, the end marker
# written), so no step depends on how fast the machine is; SIGINT; usage
# errors.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
T=$(mktmp)
TOKF=$(need_tokfile cl100k_base.tiktoken) || exit 1 # llmsim's default tokenizer
. tests/e2e/sim.lib
RPID= WPID=
cleanup() {
	for p in $RPID $WPID $SIMPID; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf $_tmps
}
trap cleanup EXIT

# The requests counted in a report's first line, "N requests in G groups".
count() { sed -n 's/.* \([0-9][0-9]*\) requests in [0-9][0-9]* groups<.*/\1/p' "$1"; }

expect_exit 64 "--watch without --html: 64" llmanalyze --watch 1 "$T/none.csv"
expect_exit 64 "--watch 0: 64" llmanalyze --html "$T/x.html" --watch 0 "$T/none.csv"
expect_exit 64 "--watch on standard input: 64" llmanalyze --html "$T/x.html" --watch 1

printf 'id,group,prompt,output_tokens\n' >"$T/c.csv"
for i in $(seq 1 16); do echo "r$i,g,prompt number $i,24" >>"$T/c.csv"; done
start_sim --seed 3 --time-scale 0.2
[ -n "$URL" ] || { nok "llmsim starts" "$(cat "$T/err")"; exit 0; }

# 16 requests at batch 1, then 8 waves at batch 2, the simulated clock at
# a fifth of real time: some seconds, so a watch every 0.3 s (each pass
# drawing its charts takes longer) sees the rows grow. The watcher may

# start before the results exist: its page says it waits.
llmrun --url "$URL" --model llmsim --batch-sizes 1,2 --requests 16 -q -o "$T/r.csv" "$T/c.csv" 2>"$T/run.err" &
RPID=$!
llmanalyze --html "$T/live.html" --watch 0.3 -o "$T/t.csv" "$T/r.csv" 2>"$T/watch.err" &
WPID=$!
n=0
while kill -0 "$WPID" 2>/dev/null && [ $n -lt 600 ]; do
	[ -f "$T/live.html" ] && cp "$T/live.html" "$T/snap.$(printf %03d $n).html"
	n=$((n + 1))
	sleep 0.1
done
wait "$RPID"
rrc=$?
RPID=
kill -0 "$WPID" 2>/dev/null && nok "--watch ends by itself when the run ends" "still running after 60 s"
wait "$WPID"
wrc=$?
WPID=
[ $rrc -eq 0 ] && ok "llmrun: exit 0" || nok "llmrun: exit 0" "exit $rrc: $(cat "$T/run.err" "$T/err")"
[ $wrc -eq 0 ] && ok "--watch: exit 0 when the run ends" || nok "--watch: exit 0 when the run ends" "exit $wrc: $(cat "$T/watch.err")"

final=$(llmanalyze -f json "$T/r.csv" | jq '[.[].requests] | add')
[ "$final" -eq 32 ] && ok "the run wrote 32 rows" || nok "the run wrote 32 rows" "$final"
# What llmanalyze says it wrote: live reports of part of the rows (the
# run lasts some seconds, the first pass one or two), counts never going
# down, then one final report of every row.
awk -v final="$final" '
	/: live report, / { n = $(NF - 1); if (n < last) bad = 1; last = n; if (n < final) part++ }
	/: final report, / { f++; fn = $(NF - 1) }
	END { exit !(!bad && part >= 1 && f == 1 && fn == final && last <= final) }' "$T/watch.err" &&
	ok "live reports of the rows so far, then a final one" || nok "live reports of the rows so far, then a final one" "$(cat "$T/watch.err")"
# What a reader saw: whole pages (replaced by rename), the live ones
# reloading themselves, with counts that grow.
torn=0 live=0 prev=0 down=0 partial=0
for f in "$T"/snap.*.html; do
	[ -f "$f" ] || continue
	tail -n 1 "$f" | grep -q '^</html>$' || torn=$((torn + 1))
	grep -q '<meta http-equiv="refresh" content="1">' "$f" || continue
	live=$((live + 1))
	c=$(count "$f")
	[ -n "$c" ] || continue
	[ "$c" -lt "$prev" ] && down=1
	[ "$c" -lt "$final" ] && partial=$((partial + 1))
	prev=$c
done
[ $torn -eq 0 ] && ok "every copy read is a whole page" || nok "every copy read is a whole page" "$torn torn"
[ $live -ge 1 ] && [ $down -eq 0 ] && ok "live copies reload themselves, counts never go down" ||
	nok "live copies reload themselves, counts never go down" "$live live, down $down"
! grep -q 'http-equiv="refresh"' "$T/live.html" && ! grep -q 'id="live"' "$T/live.html" &&
	ok "the final report does not reload itself" || nok "the final report does not reload itself"
[ "$(count "$T/live.html")" = "$final" ] && ok "the final report counts every row" ||
	nok "the final report counts every row" "$(count "$T/live.html") of $final"
[ "$(($(wc -l <"$T/t.csv") - 1))" -eq 2 ] && ok "the table written at the end" || nok "the table written at the end" "$(cat "$T/t.csv")"

# Growth driven by the test: a results file with its header alone (the
# page waits), then 8 rows, then all 32, then the end marker. Each wait is
# for what llmanalyze says it wrote, bounded at 30 s.
waitfor() { # PATTERN FILE
	_n=0
	while ! grep -q "$1" "$2" 2>/dev/null && [ $_n -lt 300 ]; do _n=$((_n + 1)); sleep 0.1; done
	grep -q "$1" "$2" 2>/dev/null
}
head -n 1 "$T/r.csv" >"$T/g.csv"
jq 'del(.end_wall_ns)' "$T/r.csv.meta.json" >"$T/g.csv.meta.json"
llmanalyze --html "$T/g.html" --watch 0.2 -o /dev/null "$T/g.csv" 2>"$T/g.err" &
WPID=$!
waitfor . "$T/g.html" && grep -q 'Waiting for results' "$T/g.html" && grep -q 'http-equiv="refresh"' "$T/g.html" &&
	ok "no rows yet: a page that waits and reloads" || nok "no rows yet: a page that waits and reloads" "$(cat "$T/g.err")"
sed -n 2,9p "$T/r.csv" >>"$T/g.csv"
waitfor 'live report, 8 requests' "$T/g.err" && [ "$(count "$T/g.html")" = 8 ] && grep -q 'http-equiv="refresh"' "$T/g.html" &&
	ok "8 rows: a live report of 8" || nok "8 rows: a live report of 8" "$(cat "$T/g.err")"
tail -n +10 "$T/r.csv" >>"$T/g.csv"
waitfor 'live report, 32 requests' "$T/g.err" && [ "$(count "$T/g.html")" = 32 ] &&
	ok "32 rows: a live report of 32" || nok "32 rows: a live report of 32" "$(cat "$T/g.err")"
cp "$T/r.csv.meta.json" "$T/g.csv.meta.json"
n=0
while kill -0 "$WPID" 2>/dev/null && [ $n -lt 300 ]; do n=$((n + 1)); sleep 0.1; done
wait "$WPID"
wrc=$?
WPID=
[ $wrc -eq 0 ] && grep -q 'final report, 32 requests' "$T/g.err" && ! grep -q 'http-equiv="refresh"' "$T/g.html" &&
	ok "end marker: a final report without reload" || nok "end marker: a final report without reload" "exit $wrc: $(cat "$T/g.err")"

# A run that never says it ended (no end_wall_ns): live until SIGINT,
# then the final report.
cp "$T/r.csv" "$T/s.csv"
jq 'del(.end_wall_ns)' "$T/r.csv.meta.json" >"$T/s.csv.meta.json"
llmanalyze --html "$T/s.html" --watch 0.2 -o /dev/null "$T/s.csv" 2>"$T/s.err" &
WPID=$!
n=0
while ! grep -q 'live report' "$T/s.err" && [ $n -lt 300 ]; do n=$((n + 1)); sleep 0.1; done
grep -q 'http-equiv="refresh"' "$T/s.html" && ok "no end marker: live" || nok "no end marker: live" "$(cat "$T/s.err")"
kill -INT "$WPID"
n=0
while kill -0 "$WPID" 2>/dev/null && [ $n -lt 300 ]; do n=$((n + 1)); sleep 0.1; done
wait "$WPID"
wrc=$?
WPID=
[ $wrc -eq 0 ] && grep -q 'final report, 32 requests' "$T/s.err" && ! grep -q 'http-equiv="refresh"' "$T/s.html" &&
	ok "SIGINT: a final report without reload, exit 0" || nok "SIGINT: a final report without reload, exit 0" "exit $wrc: $(cat "$T/s.err")"

# A run that had ended before the watch began may be an earlier run of
# that name, about to be replaced: not taken as ended until its files
# stand still for 3 intervals (until 2026-12-07 the watch ended at once
# with the old run's report). Here the "new run" writes fresh metadata
# (no end marker) and more rows within that time: the watch goes on.
cp "$T/r.csv" "$T/o.csv"
cp "$T/r.csv.meta.json" "$T/o.csv.meta.json"
llmanalyze --html "$T/o.html" --watch 0.3 -o /dev/null "$T/o.csv" 2>"$T/o.err" &
WPID=$!
sleep 0.1
jq 'del(.end_wall_ns)' "$T/r.csv.meta.json" >"$T/o.csv.meta.json"
head -n 9 "$T/r.csv" >"$T/o.tmp" && mv "$T/o.tmp" "$T/o.csv"
waitfor 'live report, 8 requests' "$T/o.err" && ! grep -q 'final report' "$T/o.err" &&
	ok "an ended run replaced as the watch begins: the new one is watched" || nok "an ended run replaced as the watch begins" "$(cat "$T/o.err")"
cp "$T/r.csv" "$T/o.csv"
cp "$T/r.csv.meta.json" "$T/o.csv.meta.json"
n=0
while kill -0 "$WPID" 2>/dev/null && [ $n -lt 300 ]; do n=$((n + 1)); sleep 0.1; done
wait "$WPID"
wrc=$?
WPID=
[ $wrc -eq 0 ] && grep -q 'final report, 32 requests' "$T/o.err" && ok "... and its end ends the watch" || nok "... and its end ends the watch" "exit $wrc: $(cat "$T/o.err")"
# A run ended long ago, with no other coming: a final report after the
# 3 intervals, not before.
llmanalyze --html "$T/o2.html" --watch 0.2 -o /dev/null "$T/r.csv" 2>"$T/o2.err"
grep -q 'final report, 32 requests' "$T/o2.err" && ok "an ended run alone: its final report" || nok "an ended run alone: its final report" "$(cat "$T/o2.err")"

# A run killed (SIGKILL: no end marker, ever) ended no watch: the page
# said "still going" until Ctrl-C. Its llmrun, of this host, is gone:
# the watch ends with a final report that says the run has no end.
sh -c 'exit 0' &
dead=$!
wait $dead
jq --argjson p "$dead" 'del(.end_wall_ns, .interrupted, .exit_status) | .pid = $p' "$T/r.csv.meta.json" >"$T/k.csv.meta.json"
head -n 20 "$T/r.csv" >"$T/k.csv"
timeout 30 llmanalyze --html "$T/k.html" --watch 0.2 -o /dev/null "$T/k.csv" 2>"$T/k.err"
rc=$?
[ $rc -eq 0 ] && grep -q 'final report, 19 requests' "$T/k.err" && ! grep -q 'http-equiv="refresh"' "$T/k.html" &&
	ok "a killed run (its llmrun gone, no end marker): the watch ends, final report" ||
	nok "a killed run: the watch ends, final report" "exit $rc: $(cat "$T/k.err")"
# An input not there yet is waited for (the watch ended after 3
# intervals, exit 66, its page reloading forever).
llmanalyze --html "$T/m.html" --watch 0.2 -o /dev/null "$T/m.csv" 2>"$T/m.err" &
WPID=$!
sleep 2
cp "$T/r.csv.meta.json" "$T/m.csv.meta.json"
cp "$T/r.csv" "$T/m.tmp" && mv "$T/m.tmp" "$T/m.csv"
n=0
while kill -0 "$WPID" 2>/dev/null && [ $n -lt 300 ]; do n=$((n + 1)); sleep 0.1; done
wait "$WPID"
wrc=$?
WPID=
[ $wrc -eq 0 ] && grep -q 'final report, 32 requests' "$T/m.err" &&
	ok "an input not there yet: waited for, then its final report" || nok "an input not there yet: waited for" "exit $wrc: $(cat "$T/m.err")"
# A watch that ends with nothing to report leaves a page that says so,
# without the reload.
head -n 1 "$T/r.csv" >"$T/h.csv"
jq 'del(.end_wall_ns)' "$T/r.csv.meta.json" >"$T/h.csv.meta.json"
llmanalyze --html "$T/h.html" --watch 0.2 "$T/h.csv" 2>"$T/h.err" &
WPID=$!
waitfor "Waiting for results" "$T/h.html"
kill -INT "$WPID"
wait "$WPID"
wrc=$?
WPID=
[ $wrc -eq 65 ] && grep -q 'No report: the watch ended' "$T/h.html" && ! grep -q 'http-equiv="refresh"' "$T/h.html" &&
	ok "a watch ended with no rows: its page says so, no reload, 65" ||
	nok "a watch ended with no rows: its page says so, no reload" "exit $wrc: $(head -c 600 "$T/h.html")"
# The step a run had not ended when its rows were read (a live report, a
# killed run) looked like a finished one: its figures are marked partial
# (the "results" of the metadata list the steps that ended), and it is
# no peak; a step that ended is not marked.
head -n 20 "$T/r.csv" >"$T/p.csv"
jq 'del(.end_wall_ns, .interrupted, .exit_status) | .results |= .[0:1]' "$T/r.csv.meta.json" >"$T/p.csv.meta.json"
llmanalyze -f csv -c requests,note "$T/p.csv" >"$T/p.out" 2>/dev/null
grep -q '^.*,2,3,"partial: 3 requests of a step that had not ended' "$T/p.out" && ! grep '^.*,1,16,' "$T/p.out" | grep -q partial &&
	ok "a step not ended when read: its 3 rows marked partial, the ended step not" ||
	nok "a step not ended when read: marked partial" "$(cat "$T/p.out")"
jq 'del(.end_wall_ns, .interrupted, .exit_status)' "$T/r.csv.meta.json" >"$T/p.csv.meta.json"
llmanalyze -f csv -c requests,note "$T/p.csv" >"$T/p.out" 2>/dev/null
! grep -q partial "$T/p.out" && ok "... and not when the metadata says that step ended" ||
	nok "... and not when the metadata says that step ended" "$(cat "$T/p.out")"
expect_exit 64 "--watch with - among the inputs: 64" llmanalyze --html "$T/x.html" --watch 1 "$T/r.csv" -

stop_sim
monoall "$T"
