#!/bin/sh
# llmanalyze --truth: the client's timing error against llmsim's truth log.
# First a hand-made results file and log whose differences are known
# exactly (tests/data/analyze/truth/README.md), then a real llmrun run
# against llmsim --truth, whose figures must be present and bounded.
. tests/lib.sh
T=$(mktmp)
D=tests/data/analyze/truth
SIMPID=
stop_sim() { [ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null && wait "$SIMPID" 2>/dev/null; SIMPID=; }
trap 'stop_sim; rm -rf $_tmps' EXIT

llmanalyze --truth "$D/truth.jsonl" -f json "$D/results.csv" >"$T/t.json" 2>"$T/err"
check "--truth on the hand-made files" test -s "$T/t.json"
want='2 1 0 1 1 1 0.35 0.497 0.5 1.5 1.5 1.5 0.5 0.696 0.7'
got=$(jq -r '.[0] | [.truth_matched, .truth_unmatched, .truth_chunk_count_diff,
	.truth_send_p50_ms, .truth_send_p99_ms, .truth_send_max_ms,
	.truth_recv_p50_ms, .truth_recv_p99_ms, .truth_recv_max_ms,
	.truth_ttft_p50_ms, .truth_ttft_p99_ms, .truth_ttft_max_ms,
	.truth_chunk_p50_ms, .truth_chunk_p99_ms, .truth_chunk_max_ms] | map(tostring) | join(" ")' "$T/t.json")
[ "$got" = "$want" ] && ok "exact errors: send 1 ms, receive 0.5 and 0.2, ttft 1.5, chunks" ||
	nok "exact errors" "got $got, want $want"
grep -q "^llmanalyze: truth: 2 ok rows matched, 1 unmatched; p99 ms: send 1.000, receive 0.497, ttft 1.500, chunk 0.696" "$T/err" &&
	ok "summary line on stderr" || nok "summary line on stderr" "$(cat "$T/err")"
llmanalyze --truth "$D/truth.jsonl" -f md "$D/results.csv" 2>/dev/null >"$T/t.md"
grep -q "^### Timing against llmsim's truth log" "$T/t.md" && grep -q "| 1.000 | 1.000 | 1.000 | 0.350 |" "$T/t.md" &&
	ok "markdown: a truth section" || nok "markdown: a truth section" "$(cat "$T/t.md")"
# Its columns are in that section alone, and the notes under the main
# table only (each section repeated both).
[ "$(grep -c 'truth_send_p50' "$T/t.md")" -eq 1 ] && [ "$(grep -c '^note:' "$T/t.md")" -le "$(llmanalyze -f md "$D/results.csv" 2>/dev/null | grep -c '^note:')" ] &&
	ok "markdown: truth columns in their section alone, notes once" || nok "markdown: truth columns in their section alone, notes once" "$(cat "$T/t.md")"
llmanalyze --truth "$D/truth.jsonl" -f table "$D/results.csv" 2>/dev/null | grep -q "^timing against llmsim's truth log:" &&
	ok "table: a truth section" || nok "table: a truth section"
llmanalyze --truth "$D/truth.jsonl" "$D/results.csv" 2>/dev/null | head -1 | grep -q ",truth_matched," &&
	ok "csv: truth columns" || nok "csv: truth columns"
llmanalyze "$D/results.csv" 2>/dev/null | head -1 | grep -q "truth_" && nok "no --truth, no truth columns" || ok "no --truth, no truth columns"
# Chunks the log says may have left after llmsim stamped them ("held":
# llmsim was not running, or TCP held the bytes) compare nothing: h's
# second chunk would say 9 ms, k's first 10 ms (until 2026-12-07 they
# were in the figures: a loaded llmsim's delays read as the client's).
cp "$D/results.csv.meta.json" "$T/held.csv.meta.json"
{
	echo 'run_id,target,model,group,step,warmup,status,response_id,t_sent_ns,t_first_token_ns,t_end_ns,output_tokens,error,chunk_log'
	echo 'r,t,m,g,1,0,ok,h,1700000000100000000,1700000000120500000,1700000000141000000,3,,20500:1 39000:1 40700:1'
	echo 'r,t,m,g,1,0,ok,k,1700000000200000000,1700000000230000000,1700000000241000000,2,,30000:1 40200:1'
} >"$T/held.csv"
{
	echo '{"id": "h", "arrived_ns": 1000101000000, "first_chunk_ns": 1000120000000, "end_ns": 1000140000000, "status": 200, "held": [2], "chunks": [[1000120000000, 1], [1000130000000, 1], [1000140000000, 1]]}'
	echo '{"id": "k", "arrived_ns": 1000201000000, "first_chunk_ns": 1000220000000, "end_ns": 1000240000000, "status": 200, "held": [1], "chunks": [[1000220000000, 1], [1000240000000, 1]]}'
} >"$T/held.jsonl"
llmanalyze --truth "$T/held.jsonl" -f json "$T/held.csv" >"$T/h.json" 2>"$T/err"
want='2 2 1 1 0.5 0.5 1.5 1.5 0.5 0.7'
got=$(jq -r '.[0] | [.truth_matched, .truth_held, .truth_send_p50_ms, .truth_send_max_ms,
	.truth_recv_p50_ms, .truth_recv_max_ms, .truth_ttft_p50_ms, .truth_ttft_max_ms,
	.truth_chunk_p50_ms, .truth_chunk_max_ms] | map(tostring) | join(" ")' "$T/h.json")
[ "$got" = "$want" ] && grep -q "; 2 chunks left out, whose truth may be early (held)$" "$T/err" &&
	ok "held chunks: counted, left out of receive, ttft and chunk" ||
	nok "held chunks: counted, left out of receive, ttft and chunk" "got $got, want $want: $(cat "$T/err")"
echo '{"id": "h", "arrived_ns": 1, "first_chunk_ns": 2, "status": 200, "held": [4], "chunks": [[2, 1]]}' >"$T/badheld.jsonl"
llmanalyze --truth "$T/badheld.jsonl" "$T/held.csv" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 65 ] && grep -q "badheld.jsonl:1: held\[0\]: expected a chunk number from 1 to 1" "$T/err" &&
	ok "a held chunk that is not there: 65 with file:line" || nok "a held chunk that is not there: 65" "exit $rc: $(cat "$T/err")"

cp "$D/results.csv" "$T/nometa.csv"
expect_exit 66 "--truth without the .meta.json: 66" llmanalyze --truth "$D/truth.jsonl" "$T/nometa.csv"
expect_exit 66 "--truth with standard input: 66" sh -c "llmanalyze --truth '$D/truth.jsonl' <'$D/results.csv'"
printf '{"id": 5}\n' >"$T/bad.jsonl"
llmanalyze --truth "$T/bad.jsonl" "$D/results.csv" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 65 ] && grep -q "bad.jsonl:1" "$T/err" && ok "bad truth line: 65 with file:line" || nok "bad truth line: 65 with file:line" "exit $rc: $(cat "$T/err")"

# A real run: llmsim --truth, llmrun, llmanalyze --truth.
TOKF=$(need_tokfile cl100k_base.tiktoken) || exit 1
llmsim --port 0 -t "$TOKF" --seed 4 --time-scale 10 --truth "$T/truth.jsonl" >"$T/url" 2>"$T/sim.err" &
SIMPID=$!
i=0
while [ ! -s "$T/url" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(head -1 "$T/url")
[ -n "$URL" ] || { nok "llmsim starts" "$(cat "$T/sim.err")"; exit 0; }
printf 'id,group,prompt,output_tokens\n' >"$T/c.csv"
for i in $(seq 1 20); do echo "r$i,g,prompt number $i about the weather,16" >>"$T/c.csv"; done
llmrun --url "$URL" --model llmsim --batch-sizes 4 --requests 20 -q -o "$T/r.csv" "$T/c.csv"
llmrun --url "$URL" --model llmsim --batch-sizes 4 --requests 8 --no-stream -q -o "$T/ns.csv" "$T/c.csv"
stop_sim
llmanalyze --truth "$T/truth.jsonl" -f json "$T/r.csv" >"$T/r.json" 2>"$T/err"
[ "$(jq '.[0].truth_matched' "$T/r.json")" = 20 ] && [ "$(jq '.[0].truth_unmatched' "$T/r.json")" = 0 ] &&
	ok "every ok row matched" || nok "every ok row matched" "$(cat "$T/err")"
# Bounds: chunks are seen after llmsim sent them (the median at least;
# 2 us of slack, as truth.lib), and none later than 1 s (a loaded 2-core
# machine).
jq -e '.[0] | .truth_recv_p50_ms != null and .truth_chunk_max_ms != null and
	.truth_chunk_p50_ms >= -0.002 and .truth_recv_p50_ms >= -0.002 and
	.truth_chunk_max_ms < 1000 and .truth_recv_max_ms < 1000' "$T/r.json" >/dev/null &&
	ok "receive and chunk errors present and under 1 s" || nok "receive and chunk errors present and under 1 s" "$(grep truth_ "$T/r.json")"
jq -e '.[0].truth_chunk_count_diff == 0' "$T/r.json" >/dev/null && ok "chunk counts agree with the log" || nok "chunk counts agree with the log"
# llmsim stamps every arrival: the send side is always measured (this was
# a SKIP when the log had no arrived_ns, which hid a broken stamp).
grep -q '"arrived_ns": *[0-9]' "$T/truth.jsonl" && ! grep -q '"arrived_ns": *null' "$T/truth.jsonl" &&
	jq -e '.[0] | .truth_send_p50_ms != null and .truth_ttft_p50_ms != null and (.truth_send_max_ms | fabs) < 1000' "$T/r.json" >/dev/null &&
	ok "send and ttft errors present and bounded" || nok "send and ttft errors present and bounded" "$(grep truth_ "$T/r.json")"
grep -q "^llmanalyze: truth: 20 ok rows matched, 0 unmatched" "$T/err" && ok "summary line" || nok "summary line" "$(cat "$T/err")"

# The log of another run: llmsim's ids restart with each start, so ids
# match but the requests are others. A row whose id's request arrived
# after the row's end (or over a second before its send) is not matched;
# when no row is, the log is refused.
sh5() { jq -c "$1"'
	| (.received_ns, .arrived_ns, .first_chunk_ns, .end_ns) |= (if . then . + 5000000000 else . end)
	| .chunks |= map(.[0] += 5000000000)' "$D/truth.jsonl"; }
sh5 '.' >"$T/later.jsonl"
llmanalyze --truth "$T/later.jsonl" "$D/results.csv" >"$T/later.csv" 2>"$T/err"; rc=$?
[ $rc -eq 65 ] && grep -q "later.jsonl: none of the 2 ok rows whose id is in it arrived between its send and its end" "$T/err" &&
	[ ! -s "$T/later.csv" ] && ok "another run's log: 65, nothing written" || nok "another run's log: 65, nothing written" "exit $rc: $(cat "$T/err")"
sh5 'select(.id == "a")' >"$T/half.jsonl"
grep -v '"id": "a"' "$D/truth.jsonl" >>"$T/half.jsonl"
llmanalyze --truth "$T/half.jsonl" -f json "$D/results.csv" >"$T/half.json" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && [ "$(jq -r '.[0] | "\(.truth_matched) \(.truth_unmatched)"' "$T/half.json")" = "1 2" ] &&
	grep -q "1 ok rows matched, 2 unmatched (1 whose id is in the log for a request that arrived outside" "$T/err" &&
	ok "a row whose id is another request's: unmatched, and said" || nok "a row whose id is another request's: unmatched, and said" "exit $rc: $(cat "$T/err") $(cat "$T/half.json")"

# An id in the log more than once (two llmsim starts appended, or another
# server's line): the request nearest the row's send, inside its window,
# is taken (until 2026-12-07 the first line of the id was: the rows went
# unmatched, 65, or took another request's line, 520 ms off, as matched).
cat "$T/later.jsonl" "$D/truth.jsonl" >"$T/twice.jsonl"
llmanalyze --truth "$T/twice.jsonl" -f json "$D/results.csv" >"$T/twice.json" 2>/dev/null
[ "$(jq -c '.[0] | [.truth_matched, .truth_unmatched, .truth_send_p50_ms, .truth_recv_p50_ms]' "$T/twice.json")" = "$(jq -c '.[0] | [.truth_matched, .truth_unmatched, .truth_send_p50_ms, .truth_recv_p50_ms]' "$T/t.json")" ] &&
	ok "an id twice, once 5 s later: the line in the row's window" || nok "an id twice, once 5 s later" "$(cat "$T/twice.json")"
jq -c '(.received_ns, .arrived_ns, .first_chunk_ns, .end_ns) |= (if . then . - 500000000 else . end) | .chunks |= map(.[0] -= 500000000)' \
	"$D/truth.jsonl" | cat - "$D/truth.jsonl" >"$T/near.jsonl"
llmanalyze --truth "$T/near.jsonl" -f json "$D/results.csv" >"$T/near.json" 2>/dev/null
[ "$(jq -c '.[0] | [.truth_matched, .truth_send_p50_ms, .truth_recv_p50_ms, .truth_chunk_p99_ms]' "$T/near.json")" = "$(jq -c '.[0] | [.truth_matched, .truth_send_p50_ms, .truth_recv_p50_ms, .truth_chunk_p99_ms]' "$T/t.json")" ] &&
	ok "an id twice, once 0.5 s before the send: the nearer line" || nok "an id twice, once 0.5 s before the send" "$(cat "$T/near.json")"
# llmsim's ids carry its start's mark: two starts share none.
grep -q '"id":"chatcmpl-llmsim-[0-9a-f]\{6\}-[0-9]*"' "$T/truth.jsonl" && ok "llmsim's ids carry its start's mark" ||
	nok "llmsim's ids carry its start's mark" "$(head -c 200 "$T/truth.jsonl")"
# A log with none of the rows' ids: refused as the man page says.
: >"$T/empty.jsonl"
expect_exit 65 "a log with none of the rows' ids: 65" llmanalyze --truth "$T/empty.jsonl" "$D/results.csv"
# A cut-off last line: skipped, and said; a bad line named by its own line.
{ cat "$D/truth.jsonl"; printf '{"id": "zz", "arrived_ns": 12'; } >"$T/cut.jsonl"
llmanalyze --truth "$T/cut.jsonl" -f json "$D/results.csv" >"$T/cut.json" 2>"$T/err"; rc=$?
n=$(wc -l <"$D/truth.jsonl")
[ $rc -eq 0 ] && grep -q "cut.jsonl:$((n + 1)): a cut-off last line" "$T/err" && [ "$(jq '.[0].truth_matched' "$T/cut.json")" = 2 ] &&
	ok "a cut-off last line: skipped with a warning" || nok "a cut-off last line: skipped with a warning" "exit $rc: $(cat "$T/err")"
{ cat "$D/truth.jsonl"; echo '{"id": "x",,}'; cat "$D/truth.jsonl"; } >"$T/mid.jsonl"
llmanalyze --truth "$T/mid.jsonl" "$D/results.csv" >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 65 ] && grep -q "mid.jsonl:$((n + 1)):" "$T/err" && ok "a bad line in the middle: 65 naming its line" || nok "a bad line in the middle: 65 naming its line" "exit $rc: $(cat "$T/err")"
expect_exit 66 "--truth naming a folder: 66" llmanalyze --truth "$T" "$D/results.csv"
# --no-stream rows have no chunk log: not chunk-count mismatches (until
# 2026-12-07 every one was counted).
v=$(llmanalyze --truth "$T/truth.jsonl" -f json "$T/ns.csv" 2>/dev/null | jq -c '.[0] | [.truth_matched, .truth_chunk_count_diff]')
[ "$v" = "[8,0]" ] && ok "--no-stream: 8 matched, no chunk count differs" || nok "--no-stream: 8 matched, no chunk count differs" "$v"
