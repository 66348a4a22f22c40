#!/bin/sh
# Faults end to end: llmsim fails, rate-limits, disconnects, stalls and
# sends malformed chunks and in-stream errors at set rates during a
# batch-size sweep. Every request sent is one result row; every failure has
# its class, and the classes add up to what llmsim's truth log says it
# injected; llmanalyze's success rate is the injected one.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
TOKF=$(need_tokfile cl100k_base.tiktoken) || exit 1
T=$(mktmp)
. tests/e2e/sim.lib
trap 'kill $SIMPID 2>/dev/null; rm -rf $_tmps' EXIT

start_sim --time-scale 20 --seed 11 --truth "$T/truth.jsonl" \
	--fail-rate 0.08 --rate-limit-rate 0.05 --disconnect-rate 0.05 \
	--stall-rate 0.05 --stall-ms 40 --garbage-rate 0.05 --error-event-rate 0.04
[ -n "$URL" ] && ok "llmsim started with faults" || { nok "llmsim started with faults" "$(cat "$T/err")"; exit 1; }

llmgen --scenario short-long --count 50 --seed 4 -q -o "$T/c.csv"
llmrun --no-probe --url "$URL" --model llmsim --batch-sizes 1,4,16 --requests 150 --max-tokens 24 \
	--ignore-eos -q -o "$T/r.csv" "$T/c.csv" 2>"$T/run.err"
rc=$?
[ $rc -eq 0 ] && ok "llmrun completes the sweep despite faults" || nok "llmrun completes the sweep despite faults" "exit $rc: $(cat "$T/run.err")"
stop_sim

rows=$(llmanalyze -q --format csv --by status --columns requests "$T/r.csv" | awk -F, 'NR > 1 {n += $2} END {print n + 0}')
[ "$rows" = 450 ] && ok "450 requests sent, 450 rows" || nok "450 requests sent, 450 rows" "got $rows"
lines=$(wc -l <"$T/truth.jsonl")
[ "$lines" = 450 ] && ok "the truth log has a line per request" || nok "the truth log has a line per request" "got $lines"

# What the client saw, by class, and what the server injected.
llmanalyze -q --format csv --by status --columns requests "$T/r.csv" | tail -n +2 | sort >"$T/client"
jq -r '.fault' "$T/truth.jsonl" | sort | uniq -c | awk '{print $2 "," $1}' >"$T/server"
cnt() { awk -F, -v k="$2" '$1 == k {print $2}' "$1"; }
# An error object inside the stream is classed by its code (llmsim sends a
# 500-class server error), so it counts with the HTTP 500s.
inj_5xx=$(( $(cnt "$T/server" fail) + $(cnt "$T/server" error_event) ))
inj_429=$(cnt "$T/server" rate_limit)
inj_disc=$(cnt "$T/server" disconnect)
inj_bad=$(cnt "$T/server" garbage)
inj_ok=$(( $(cnt "$T/server" none) + $(cnt "$T/server" stall) ))
for c in "http_5xx $inj_5xx" "rate_limited $inj_429" "disconnect $inj_disc" "bad_stream $inj_bad" "ok $inj_ok"; do
	set -- $c
	got=$(cnt "$T/client" "$1")
	[ "${got:-0}" = "$2" ] && [ "$2" -gt 0 ] && ok "$1: $2 rows, as injected" ||
		nok "$1: ${got:-0} rows, injected $2" "client: $(cat "$T/client") server: $(cat "$T/server")"
done
other=$(awk -F, '$1 !~ /^(ok|http_5xx|rate_limited|disconnect|bad_stream)$/ {n += $2} END {print n + 0}' "$T/client")
[ "$other" = 0 ] && ok "no row of another class" || nok "no row of another class" "$(cat "$T/client")"
empty=$(awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "status") s = i} NR > 1 && $s == "" {n++} END {print n + 0}' "$T/r.csv")
[ "$empty" = 0 ] && ok "every row has a status" || nok "every row has a status" "$empty without"

# llmanalyze's success rate over the whole run against the injected one:
# exact against the truth log, and within sampling error of the nominal
# 1 - 0.08 - 0.05 - 0.05 - 0.05 - 0.04 = 0.73 (450 draws: sd 0.021).
sr=$(llmanalyze -q --format csv --by model --columns success_rate "$T/r.csv" | awk -F, 'NR == 2 {print $2}')
awk -v s="$sr" -v k="$inj_ok" 'BEGIN { exit !(s - k / 450 < 1e-4 && k / 450 - s < 1e-4) }' &&
	ok "success rate $sr equals the truth log's" || nok "success rate $sr equals the truth log's" "truth: $inj_ok / 450"
awk -v s="$sr" 'BEGIN { exit !(s > 0.73 - 0.1 && s < 0.73 + 0.1) }' &&
	ok "success rate is the injected 0.73 within sampling error" || nok "success rate is the injected 0.73 within sampling error" "$sr"

# Every results file of this script: chunk stamps never go back.
monoall "$T"
