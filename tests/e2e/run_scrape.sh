#!/bin/sh
# llmrun --scrape: llmsim's /metrics sampled beside the run into
# FILE.metrics.csv on the results' clock, with values that match the
# results; a failing, malformed or slow endpoint reported once and never
# failing the run; the file's cap; usage errors.
. tests/lib.sh
. tests/e2e/truth.lib
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
. tests/e2e/sim.lib
MSPID=
trap 'kill $SIMPID $MSPID 2>/dev/null; rm -rf $_tmps' EXIT

col() { head -1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }
# LAST NAME FILE: the value of NAME's last sample (labels have no commas here).
last() { awk -F, -v n="$1" '$2 == n { v = $NF } END { print v }' "$2"; }
most() { awk -F, -v n="$1" '$2 == n && $NF > m { m = $NF } END { print m + 0 }' "$2"; }

printf 'id,group,prompt,output_tokens\n' >"$T/c.csv"
for i in $(seq 1 16); do echo "r$i,g,prompt number $i about the weather,300" >>"$T/c.csv"; done

# Eight at once against four running: four wait for over a second; the
# scraper samples every 0.2 s.
start_sim --max-num-seqs 4 --seed 2 --truth "$T/a.jsonl"
llmrun --url "$URL" --batch-sizes 8 --ignore-eos --model llmsim --no-probe --scrape --scrape-interval 0.2 \
	-o "$T/a.csv" "$T/c.csv" 2>"$T/a.err"
rc=$?
stop_sim
M="$T/a.csv.metrics.csv"
[ $rc -eq 0 ] && ok "a run with --scrape succeeds" || nok "a run with --scrape succeeds" "$(cat "$T/a.err")"
[ "$(head -n 1 "$M")" = "t_ns,name,labels,value" ] && ok "FILE.metrics.csv has its header" ||
	nok "FILE.metrics.csv has its header" "$(head -n 2 "$M")"
grep -q '^[0-9]*,vllm:num_requests_running,"model_name=""llmsim""",[0-9]*$' "$M" &&
	ok "rows carry name, labels (CSV-quoted) and value" || nok "rows carry name, labels and value" "$(sed -n 2,3p "$M")"
n=$(awk -F, 'NR > 1 && $2 == "vllm:num_requests_running"' "$M" | wc -l)
[ "$n" -ge 5 ] && ok "scraped every interval ($n scrapes)" || nok "scraped every interval" "$n scrapes"
# Waiting is 4 once four run; a scrape that falls between the arrivals
# and the first admission sees up to all 8 waiting (7 seen in CI).
wmax=$(most vllm:num_requests_waiting "$M")
[ "$(most vllm:num_requests_running "$M")" = 4 ] && [ "$wmax" -ge 4 ] && [ "$wmax" -le 8 ] &&
	ok "running 4 and waiting 4 to 8 seen under load" ||
	nok "running 4 and waiting 4 to 8 seen under load" "$(most vllm:num_requests_running "$M") $wmax"
awk -F, 'NR > 2 && $1 < p { bad = 1 } NR > 1 { p = $1 } END { exit bad }' "$M" &&
	ok "t_ns never decreases" || nok "t_ns never decreases"
# The results' clock: the first scrape is after the run's anchor and
# before the first send's end; the last (taken after the sweep) after the
# last response ended.
anchor=$(jq -r '.anchor.wall_ns' "$T/a.csv.meta.json")
first=$(sed -n 2p "$M" | cut -d, -f1)
lastt=$(tail -n 1 "$M" | cut -d, -f1)
endmax=$(tail -n +2 "$T/a.csv" | cut -d, -f"$(col "$T/a.csv" t_end_ns)" | sort -n | tail -n 1)
endmin=$(tail -n +2 "$T/a.csv" | cut -d, -f"$(col "$T/a.csv" t_end_ns)" | sort -n | head -n 1)
[ "$first" -ge "$anchor" ] && [ "$first" -lt "$endmin" ] && [ "$lastt" -gt "$endmax" ] &&
	ok "t_ns is on the results' clock" || nok "t_ns is on the results' clock" "anchor $anchor first $first last $lastt ends $endmin..$endmax"
out=$(tail -n +2 "$T/a.csv" | cut -d, -f"$(col "$T/a.csv" output_tokens)" | awk '{ s += $1 } END { print s }')
[ "$out" = 4800 ] && [ "$(last vllm:generation_tokens_total "$M")" = "$out" ] &&
	ok "the last scrape's generation_tokens_total is the results' output tokens" ||
	nok "the last generation_tokens_total is the results' output tokens" "$(last vllm:generation_tokens_total "$M") vs $out"
[ "$(last vllm:e2e_request_latency_seconds_count "$M")" = 16 ] && ok "the last scrape counts all 16 requests" ||
	nok "the last scrape counts all 16 requests"
# Each sample's t_ns against llmsim's own clock: the tokens and requests
# it counts were written before t_ns, and the first it does not count
# after t_ns less the bound. The bound is loose: it holds the render and
# the page's way to the client, and under ASan on this 2-core machine
# llmsim, not scheduled, wrote nothing for up to 14 ms at a time and a
# page came 49 ms after its render. The figures are printed.
scrapecheck "$T/a.csv" "$T/a.jsonl" "scrape vs truth" 200 &&
	ok "t_ns: every sample counts what llmsim wrote before it, on llmsim's clock" ||
	nok "t_ns: every sample counts what llmsim wrote before it, on llmsim's clock"
# The same, finer: steps 4 times faster (a token every 2-3 ms) and a
# scrape every 10 ms, so that t_ns taken when the scrape was sent rather
# than when its page came back (0.1-0.5 ms early) counts tokens written
# after it in some of the 50-odd samples.
start_sim --seed 3 --time-scale 4 --truth "$T/f.jsonl" --truth-scrapes "$T/fs.jsonl"
llmrun --url "$URL" --batch-sizes 16 --ignore-eos --model llmsim --no-probe --scrape --scrape-interval 0.01 -q \
	-o "$T/f.csv" "$T/c.csv" 2>"$T/f.err"
rc=$?
stop_sim
[ $rc -eq 0 ] && scrapecheck "$T/f.csv" "$T/f.jsonl" "fine scrape vs truth" 200 &&
	ok "t_ns: a scrape every 10 ms still counts only what llmsim wrote before it" ||
	nok "t_ns: a scrape every 10 ms still counts only what llmsim wrote before it" "exit $rc: $(cat "$T/f.err")"
# And page by page, against llmsim's --truth-scrapes log (scrapetruth):
# t_ns, the kernel's receive stamp of a page's first bytes, is never
# before llmsim began the page's write, and at p99 within 1 ms (ASan 5)
# of that write's return. Seen: 3-5 us after its start, before it
# returned (the reader's kernel has the bytes within the write). It fails
# with t_ns 0.1 ms earlier, or twice the bound later.
case ${BUILD:-build} in *asan*) sb=5 ;; *) sb=1 ;; esac
if [ $rc -eq 0 ] && out=$(scrapetruth "$T/f.csv" "$T/fs.jsonl" "fine scrape vs llmsim's pages" $sb); then
	echo "$out"; ok "t_ns: each page stamped between llmsim's write of it and $sb ms after"
else
	nok "t_ns: each page stamped between llmsim's write of it and $sb ms after" "$out"
fi
shift_ns "$T/f.csv.metrics.csv" t_ns -100000 >"$T/fe.csv.metrics.csv"
cp "$T/f.csv.meta.json" "$T/fe.csv.meta.json"
fails "scrapetruth fails on t_ns 0.1 ms early" scrapetruth "$T/fe.csv" "$T/fs.jsonl" "early" $sb
shift_ns "$T/f.csv.metrics.csv" t_ns $((sb * 2000000)) >"$T/fl.csv.metrics.csv"
cp "$T/f.csv.meta.json" "$T/fl.csv.meta.json"
fails "scrapetruth fails on t_ns $((sb * 2)) ms late" scrapetruth "$T/fl.csv" "$T/fs.jsonl" "late" $sb
grep -q 'llmrun: --scrape: [0-9]* scrapes, [0-9]* samples in .*; scraper CPU [0-9.]* s ([0-9.]*% of llmrun.s)' "$T/a.err" &&
	ok "says what it scraped and what the scraper cost" ||
	nok "says what it scraped" "$(cat "$T/a.err")"
# llmanalyze finds the file beside the results: the server's figures
# over the step's span, in their own section.
llmanalyze -f md "$T/a.csv" >"$T/a.md" 2>"$T/an.err"
row=$(sed -n '/^### Server metrics/,$p' "$T/a.md" | grep '^| default ')
case "$row" in
"| default | llmsim | g | 8 | "*" | 4 | "*" | $wmax | "*" | "*" | 0 |") ok "llmanalyze: running max 4, waiting max the file's, no preemption" ;;
*) nok "llmanalyze: running max 4, waiting max the file's, no preemption" "$row $(cat "$T/an.err")" ;;
esac
llmanalyze -q --charts "$T/ch" -f csv "$T/a.csv" >"$T/a.out.csv" 2>/dev/null
awk '!/^#/ && $2 == 4 && $3 == 4 { r = 1 } END { exit !r }' "$T/ch/server.dat" &&
	awk '!/^#/ && $2 == 8 { c = 1 } END { exit !c }' "$T/ch/client.dat" && [ -s "$T/ch/server.png" ] &&
	ok "llmanalyze --charts: the server chart (running 4, waiting 4; client 8 in flight)" ||
	nok "llmanalyze --charts: the server chart" "$(ls "$T/ch"; head -n 5 "$T/ch/server.dat")"
c=$(col "$T/a.out.csv" srv_waiting_max)
[ -n "$c" ] && [ "$(sed -n 2p "$T/a.out.csv" | cut -d, -f"$c")" = "$wmax" ] && ! grep -q 'Server metrics' "$T/a.out.csv" &&
	ok "llmanalyze: the srv_ columns in the one CSV table" || nok "llmanalyze: the srv_ columns in the CSV" "$(head -n 2 "$T/a.out.csv")"
llmanalyze -q -f csv "$T/a.csv" "$T/a.csv.metrics.csv" >"$T/a2.out.csv" 2>"$T/a2.err" &&
	cmp -s "$T/a.out.csv" "$T/a2.out.csv" && ok "llmanalyze: a metrics file named beside its results (a glob) is not an input" ||
	nok "llmanalyze: a metrics file named beside its results is not an input" "$(cat "$T/a2.err")"
cp "$T/a.csv" "$T/x.csv"
llmanalyze -q -f csv "$T/x.csv" >"$T/x.out.csv" 2>/dev/null
! grep -q srv_ "$T/x.out.csv" && ok "llmanalyze: no srv_ columns without a metrics file" ||
	nok "llmanalyze: no srv_ columns without a metrics file"

# A KV cache too small for sixteen answers: preemptions, counted alike by
# the column, the chart's data and the counter's last scrape.
start_sim --kv-tokens 2048 --seed 2
llmrun --url "$URL" --model llmsim --no-probe --batch-sizes 16 --ignore-eos -q --scrape --scrape-interval 0.1 \
	-o "$T/p.csv" "$T/c.csv" 2>"$T/p.err"
stop_sim
llmanalyze -q --charts "$T/chp" -f csv "$T/p.csv" >"$T/p.out.csv" 2>/dev/null
total=$(last vllm:num_preemptions_total "$T/p.csv.metrics.csv")
colv=$(sed -n 2p "$T/p.out.csv" | cut -d, -f"$(col "$T/p.out.csv" srv_preemptions)")
dat=$(awk '!/^#/ && $5 != "NaN" { s += $5 } END { print s + 0 }' "$T/chp/server.dat")
[ "${total:-0}" -gt 0 ] && [ "$colv" = "$total" ] && [ "$dat" = "$total" ] &&
	ok "preemptions: the column and the chart count the counter's $total" ||
	nok "preemptions: column, chart and counter agree" "counter $total, column $colv, chart $dat"
# Another run's scrapes at the same times, of another server whose counter
# stands 1000 higher: the increase is taken within each file, so this
# run's figure stays its own (the two were one series, and a fall from
# the other's 1000 read as a restart).
awk -F, -v OFS=, 'NR > 1 { $1 = "other-run" } 1' "$T/p.csv" >"$T/q.csv"
cp "$T/p.csv.meta.json" "$T/q.csv.meta.json"
awk -F, -v OFS=, 'NR > 1 && $2 == "vllm:num_preemptions_total" { $NF += 1000 } 1' "$T/p.csv.metrics.csv" >"$T/q.csv.metrics.csv"
llmanalyze -q -f csv "$T/p.csv" "$T/q.csv" >"$T/pq.out.csv" 2>"$T/pq.err"
c=$(col "$T/pq.out.csv" srv_preemptions)
got=$(awk -F, -v c="$c" 'NR > 1 { printf "%s ", $c }' "$T/pq.out.csv")
[ "$got" = "$total $total " ] && ok "preemptions of two runs' files side by side: each its own $total" ||
	nok "preemptions of two runs' files side by side: each its own" "got '$got', want '$total $total': $(cat "$T/pq.err")"

# A failing URL (llmsim's 404): reported once, the run goes on.
start_sim --zero-latency --seed 2
llmrun --url "$URL" --batch-sizes 2 --model llmsim --no-probe --scrape "$URL/nope" --scrape-interval 0.05 \
	-o "$T/b.csv" "$T/c.csv" 2>"$T/b.err"
rc=$?
# The file's cap: llmsim's page is ~7 KB (rows of ~11 KB at most as the
# cap counts them): 15000 bytes hold the first scrape, whole, and not the
# last (taken after the sweep, so there are always two).
llmrun --url "$URL" --batch-sizes 2 --model llmsim --no-probe --scrape --scrape-interval 0.05 --scrape-max-bytes 15000 \
	-o "$T/c.csv.out" "$T/c.csv" 2>"$T/c.err"
rc2=$?
stop_sim
[ $rc -eq 0 ] && [ "$(grep -c 'HTTP 404' "$T/b.err")" = 1 ] &&
	ok "a 404 endpoint is reported once and the run succeeds" || nok "a 404 endpoint is reported once" "rc $rc: $(cat "$T/b.err")"
grep -q -- '--scrape: \([0-9]*\) of \1 scrapes failed' "$T/b.err" && [ "$(wc -l <"$T/b.csv.metrics.csv")" = 1 ] &&
	ok "every scrape counted as failed; the file has its header only" || nok "404: failures counted" "$(cat "$T/b.err")"
sz=$(wc -c <"$T/c.csv.out.metrics.csv")
whole=$(awk -F, 'NR > 1 { n[$1]++ } END { for (t in n) { k++; c[n[t]]++ } for (x in c) m++; print k + 0, m + 0 }' "$T/c.csv.out.metrics.csv")
[ $rc2 -eq 0 ] && [ "$sz" -le 15000 ] && [ "$whole" = "1 1" ] && [ "$(grep -c 'reached --scrape-max-bytes' "$T/c.err")" = 1 ] &&
	ok "--scrape-max-bytes caps the file at whole scrapes, said once" ||
	nok "--scrape-max-bytes caps the file" "rc $rc2, $sz bytes, scrapes and sizes: $whole: $(cat "$T/c.err")"

# A misbehaving endpoint: good, malformed, 1.5 s late (past the 0.25 s
# limit), HTTP 500, in turn. Only good pages are kept, whole.
python3 tests/data/run/metrics_server.py 1.5 >"$T/ms.url" 2>"$T/ms.err" &
MSPID=$!
i=0
while [ ! -s "$T/ms.url" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
MURL=$(head -n 1 "$T/ms.url")
start_sim --max-num-seqs 4 --seed 2
t0=$(date +%s)
llmrun --url "$URL" --batch-sizes 8 --ignore-eos --model llmsim --no-probe --scrape "$MURL/metrics" --scrape-interval 0.25 \
	-o "$T/d.csv" "$T/c.csv" 2>"$T/d.err"
rc=$?
t1=$(date +%s)
stop_sim
kill $MSPID 2>/dev/null
M="$T/d.csv.metrics.csv"
[ $rc -eq 0 ] && [ "$(grep -c 'the only one reported' "$T/d.err")" = 1 ] &&
	ok "a malformed, slow and failing endpoint: one report, the run succeeds" ||
	nok "a misbehaving endpoint: one report, the run succeeds" "rc $rc: $(cat "$T/d.err")"
grep -q -- '--scrape: [1-9][0-9]* of [0-9]* scrapes failed' "$T/d.err" && ok "its failures are counted" ||
	nok "its failures are counted" "$(cat "$T/d.err")"
! grep -q partial_total "$M" && grep -q '^[0-9]*,good_total,"kind=""good""",[0-9]*$' "$M" &&
	ok "a malformed page adds no row; good pages do" || nok "a malformed page adds no row" "$(head -n 5 "$M")"
# Good pages are requests 1, 5, 9...: every value kept is 1 mod 4, and
# one of 5 or more means the slow third was tried.
awk -F, 'NR > 1 && $NF % 4 != 1 { bad = 1 } NR > 1 && $NF >= 5 { late = 1 } END { exit bad || !late }' "$M" &&
	ok "the slow page (past the limit) is not kept" || nok "the slow page is not kept" "$(cat "$M")"
[ $((t1 - t0)) -le 20 ] && ok "the run is not held up by the endpoint" || nok "the run is not held up" "$((t1 - t0)) s"

# A page whose headers and body come in two writes (Python's and ASGI
# servers, vLLM's among them), read with the default kernel stamps: every
# scrape succeeds (until 2026-12-07 each one spun a CPU until its time
# limit: llmrun's "more data?" answer after the short read of the
# headers stayed "no").
python3 tests/data/run/metrics_server.py 0 split >"$T/sp.url" 2>"$T/sp.err" &
MSPID=$!
i=0
while [ ! -s "$T/sp.url" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
start_sim --max-num-seqs 4 --seed 2
llmrun --url "$URL" --batch-sizes 8 --ignore-eos --model llmsim --no-probe --scrape "$(head -n 1 "$T/sp.url")/metrics" \
	--scrape-interval 0.5 -o "$T/sp.csv" "$T/c.csv" 2>"$T/sp.err"
rc=$?
stop_sim
kill $MSPID 2>/dev/null
n=$(grep -c ',good_total,' "$T/sp.csv.metrics.csv")
[ $rc -eq 0 ] && ! grep -q 'scrapes failed' "$T/sp.err" && [ "$n" -ge 3 ] &&
	ok "headers and body apart: every scrape kept ($n), none failed" || nok "headers and body apart: every scrape kept" "rc $rc, $n kept: $(cat "$T/sp.err")"

# A run that fails before its first step leaves an earlier metrics file
# as it was, as it does the results (until 2026-12-07 it was replaced).
cp "$T/sp.csv.metrics.csv" "$T/sp.keep"
start_sim --seed 2
llmrun --url http://127.0.0.1:1 --model llmsim --no-probe --batch-sizes 2 --scrape "$URL/metrics" -o "$T/sp.csv" "$T/c.csv" 2>"$T/sp.err"
rc=$?
stop_sim
[ $rc -eq 69 ] && cmp -s "$T/sp.keep" "$T/sp.csv.metrics.csv" && [ -z "$(ls -A "$T" | grep '^\.')" ] &&
	ok "a run failing before its sweep: the earlier metrics file kept, no temporary file" ||
	nok "a run failing before its sweep: the earlier metrics file kept" "exit $rc; $(ls -A "$T")"
# ... and the summary does not name it as holding this run's samples.
grep -q -- '--scrape: [0-9]* scrapes not kept' "$T/sp.err" && ! grep -q 'samples in' "$T/sp.err" &&
	ok "... the summary says the scrapes were not kept" || nok "... the summary says the scrapes were not kept" "$(cat "$T/sp.err")"

# An endpoint that never answers holds the run's end for at most a
# second, not two intervals (until 2026-12-07: 20 s at --scrape-interval
# 10). A gross bound: the run itself takes a fraction of a second.
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print("http://127.0.0.1:%d" % s.getsockname()[1], flush=True)
c = [s.accept() for _ in range(8)]; time.sleep(60)' >"$T/st.url" &
MSPID=$!
i=0
while [ ! -s "$T/st.url" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
start_sim --zero-latency --seed 2
t0=$(date +%s)
llmrun --url "$URL" --model llmsim --no-probe --batch-sizes 2 --requests 4 -q --scrape "$(head -n 1 "$T/st.url")/metrics" \
	--scrape-interval 10 -o "$T/st.csv" "$T/c.csv" 2>/dev/null
rc=$?
t1=$(date +%s)
stop_sim
kill $MSPID 2>/dev/null
[ $rc -eq 0 ] && [ $((t1 - t0)) -le 6 ] && ok "a silent endpoint holds the run's end briefly ($((t1 - t0)) s)" ||
	nok "a silent endpoint holds the run's end briefly" "exit $rc, $((t1 - t0)) s"

# SIGINT and kill -9 mid-run: what was scraped stays, in whole rows.
start_sim --max-num-seqs 4 --seed 2
llmrun --url "$URL" --model llmsim --no-probe --batch-sizes 8 --max-tokens 3000 --ignore-eos -q \
	--scrape --scrape-interval 0.1 -o "$T/i.csv" "$T/c.csv" 2>"$T/i.err" &
p=$!
i=0
while [ "$(wc -l 2>/dev/null <"$T/i.csv.metrics.csv" || echo 0)" -lt 200 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -INT $p
wait $p
rc=$?
[ $rc -eq 130 ] && [ "$(wc -l <"$T/i.csv.metrics.csv")" -ge 200 ] &&
	ok "SIGINT with --scrape: exit 130, the scrapes kept" || nok "SIGINT with --scrape" "exit $rc: $(cat "$T/i.err")"
llmrun --url "$URL" --model llmsim --no-probe --batch-sizes 8 --max-tokens 3000 --ignore-eos -q \
	--scrape --scrape-interval 0.1 -o "$T/k.csv" "$T/c.csv" 2>"$T/k.err" &
p=$!
i=0
while [ "$(wc -l 2>/dev/null <"$T/k.csv.metrics.csv" || echo 0)" -lt 200 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 $p
wait $p 2>/dev/null
stop_sim
# Whole: the file ends with a line end, and every row has t_ns, a name
# and a number (labels may hold quoted commas; a number may have a
# negative exponent: a KV usage of 4e-05).
[ "$(tail -c 1 "$T/k.csv.metrics.csv" | od -An -c | tr -d ' ')" = '\n' ] &&
	awk 'NR > 1 && !/^[0-9]+,[a-z_:]+,(|".*"),[-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)$/ { bad = 1 } END { exit bad || NR < 200 }' "$T/k.csv.metrics.csv" &&
	ok "kill -9 with --scrape: every row kept is whole" ||
	nok "kill -9 with --scrape" "$(wc -l <"$T/k.csv.metrics.csv") lines; not whole:
$(awk 'NR > 1 && !/^[0-9]+,[a-z_:]+,(|".*"),[-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)$/ { print NR ": " $0 }' "$T/k.csv.metrics.csv" | head -n 3)
last: $(tail -c 200 "$T/k.csv.metrics.csv" | od -c | tail -n 4)"

expect_exit 64 "--scrape without -o is a usage error" llmrun --url "$URL" --scrape "$T/c.csv"
expect_exit 64 "--scrape ftp:// is a usage error" llmrun --url "$URL" --scrape=ftp://x -o "$T/e.csv" "$T/c.csv"
expect_exit 64 "--scrape-interval 0 is a usage error" llmrun --url "$URL" --scrape --scrape-interval 0 -o "$T/e.csv" "$T/c.csv"
monoall "$T"
