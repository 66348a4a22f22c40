#!/bin/sh
# Durability: llmrun killed with SIGKILL in the middle of a sweep leaves a
# results file whose completed rows llmanalyze reads, every one; a last
# row cut short, if any, is reported with file and line and skipped.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
TOKF=$(need_tokfile cl100k_base.tiktoken) || exit 1
T=$(mktmp)
. tests/e2e/sim.lib
trap 'kill $SIMPID 2>/dev/null; rm -rf $_tmps' EXIT

start_sim --time-scale 10 --seed 2
llmgen --scenario short-long --count 40 --seed 8 -q -o "$T/c.csv"
# Long outputs make rows of several KB (chunk_log), so a kill can fall
# inside one.
llmrun --url "$URL" --model llmsim --batch-sizes 1,4,16 --requests 400 --max-tokens 300 \
	--ignore-eos -q -o "$T/r.csv" "$T/c.csv" &
p=$!
i=0
# Waits until some rows are on disk, then kills mid-sweep.
lines() { if [ -f "$T/r.csv" ]; then awk 'END {print NR}' "$T/r.csv"; else echo 0; fi; }
while [ "$(lines)" -lt 12 ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 $p
wait $p 2>/dev/null
stop_sim

# Rows whose line end made it to disk (prompts are not in results, and
# this corpus's ids and groups hold no newline, so a row is a line).
whole=$(awk 'END {print NR - 1}' "$T/r.csv")
[ "$(tail -c 1 "$T/r.csv" | od -An -c | tr -d ' ')" = '\n' ] || whole=$((whole - 1))
[ "$whole" -ge 11 ] && ok "killed mid-sweep with $whole rows on disk" || nok "killed mid-sweep" "$whole rows"
llmanalyze --format csv --by model --columns requests "$T/r.csv" >"$T/a.csv" 2>"$T/a.err"
rc=$?
[ $rc -eq 0 ] && ok "llmanalyze reads the file (exit 0)" || nok "llmanalyze reads the file (exit 0)" "exit $rc: $(cat "$T/a.err")"
got=$(awk -F, 'NR == 2 {print $2}' "$T/a.csv")
[ "$got" = "$whole" ] && ok "every completed row counted ($got)" || nok "every completed row counted" "llmanalyze $got, on disk $whole: $(cat "$T/a.err")"
if [ "$(tail -c 1 "$T/r.csv" | od -An -c | tr -d ' ')" != '\n' ]; then
	grep -q "r.csv:[0-9]*: .*skipped" "$T/a.err" && ok "the cut-off last row is reported with file and line" ||
		nok "the cut-off last row is reported with file and line" "$(cat "$T/a.err")"
fi

# The server killed mid-run: the rows after say connect, and the run
# fails (69) saying the server went away (until 2026-12-07: exit 0 with
# 78% of the requests unable to connect).
start_sim --time-scale 10 --seed 2
llmrun --url "$URL" --model llmsim --batch-sizes 4 --requests 200 --max-tokens 300 --ignore-eos -q \
	-o "$T/gone.csv" "$T/c.csv" 2>"$T/gone.err" &
p=$!
i=0
while [ "$(awk 'END {print NR}' "$T/gone.csv" 2>/dev/null || echo 0)" -lt 8 ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 "$SIMPID"
wait "$SIMPID" 2>/dev/null
SIMPID=
wait $p
rc=$?
[ $rc -eq 69 ] && grep -q "requests could not connect .*the server went away" "$T/gone.err" &&
	[ "$(grep -c ',ok,' "$T/gone.csv")" -ge 4 ] &&
	ok "the server killed mid-run: 69, saying so, the rows before kept" ||
	nok "the server killed mid-run: 69, saying so" "exit $rc: $(cat "$T/gone.err")"

# ... its metadata says how it ended, and llmanalyze passes that on (until
# 2026-12-07 neither said a word: a failed or interrupted run's table
# looked like any other).
[ "$(jq -r '"\(.exit_status) \(.interrupted) \(.error | test("could not connect"))"' "$T/gone.csv.meta.json")" = "69 false true" ] &&
	ok "its metadata: exit_status 69 and the error" || nok "its metadata: exit_status 69 and the error" "$(jq -c '{exit_status, interrupted, error}' "$T/gone.csv.meta.json")"
llmanalyze -f csv -c requests "$T/gone.csv" 2>"$T/gone.aerr" >/dev/null
grep -q "warning: .*gone.csv: its run failed (exit 69): .*could not connect" "$T/gone.aerr" &&
	ok "llmanalyze warns that the run failed" || nok "llmanalyze warns that the run failed" "$(cat "$T/gone.aerr")"
llmanalyze -f csv -c requests "$T/r.csv" 2>"$T/r.aerr" >/dev/null
grep -q "warning: .*r.csv: its run has no end marker (killed, or still going)" "$T/r.aerr" &&
	ok "... and that a killed run's has no end marker" || nok "... and that a killed run's has no end marker" "$(cat "$T/r.aerr")"

# ... and so does the report, at its top.
llmanalyze -q --html "$T/gone.html" -o /dev/null "$T/gone.csv" && grep -q 'gone.csv: the run failed (exit 69): .*could not connect' "$T/gone.html" &&
	llmanalyze -q --html "$T/r.html" -o /dev/null "$T/r.csv" 2>/dev/null && grep -q 'r.csv: the run has no end marker (killed, or still going)' "$T/r.html" &&
	ok "the HTML report says a run failed, or has no end marker" || nok "the HTML report says a run failed, or has no end marker" "$(grep -c 'class="live"' "$T/gone.html" "$T/r.html")"

# A disk that fills during a run with --scrape (root: a 2 MB tmpfs): 74,
# and both files end on a whole row, so llmanalyze reads the run. Until
# 2026-12-07 the metrics file kept a scrape cut mid-row (the stdio buffer
# flushed in part) and llmanalyze refused the whole run with 65.
if [ "$(id -u)" -eq 0 ] && mkdir "$T/small" && mount -t tmpfs -o size=2m tmpfs "$T/small" 2>/dev/null; then
	start_sim --zero-latency
	llmrun --url "$URL" --model llmsim --batch-sizes 1 --duration 30 --max-tokens 1 --scrape \
		--scrape-interval 0.01 -q -o "$T/small/f.csv" "$T/c.csv" 2>"$T/full.err"
	rc=$?
	stop_sim
	ends() { [ ! -s "$1" ] || [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ]; }
	if [ $rc -eq 74 ] && ends "$T/small/f.csv" && ends "$T/small/f.csv.metrics.csv" &&
		llmanalyze -q -f csv -c requests "$T/small/f.csv" >/dev/null 2>"$T/full.aerr"; then
		ok "a disk full during --scrape: 74, both files end on a whole row, the run analysed"
	else
		nok "a disk full during --scrape: 74, both files end on a whole row, the run analysed" \
			"exit $rc: $(cat "$T/full.err" "$T/full.aerr"); metrics end: $(tail -c 40 "$T/small/f.csv.metrics.csv" | od -c | tail -3)"
	fi
	umount "$T/small"
else
	echo "ok - # SKIP a disk full during --scrape: needs root and a tmpfs mount"
fi

# Ctrl-C while the results go to a pipe that is full (its reader waits):
# the write goes on once the reader reads, every row of the summary is
# there, exit 130. Until 2026-12-07 the blocked write failed with EINTR:
# exit 74 and the rows not yet written lost. (If the pipe were not full
# yet when the signal came, this would pass without the fix: it cannot
# fail for timing.)
start_sim --zero-latency
( llmrun --url "$URL" --model llmsim --batch-sizes 8 --requests 100000 --max-tokens 30 --ignore-eos \
	"$T/c.csv" 2>"$T/pipe.err" & echo $! >"$T/pipe.pid"; wait $!; echo $? >"$T/pipe.rc" ) |
	{ sleep 3; cat >"$T/pipe.csv"; } &
reader=$!
sleep 1.5
kill -INT "$(cat "$T/pipe.pid")"
wait $reader
stop_sim
sent=$(sed -n 's/^llmrun: batch=8: \([0-9]*\) requests.*/\1/p' "$T/pipe.err")
rows=$(($(wc -l <"$T/pipe.csv") - 1))
[ "$(cat "$T/pipe.rc")" = 130 ] && [ -n "$sent" ] && [ "$rows" -eq "$sent" ] &&
	ok "Ctrl-C while stdout is a full pipe: 130, every row written ($rows)" ||
	nok "Ctrl-C while stdout is a full pipe: 130, every row written" "exit $(cat "$T/pipe.rc"), $rows rows of $sent: $(tail -3 "$T/pipe.err")"

# Every results file of this script: chunk stamps never go back.
monoall "$T"
