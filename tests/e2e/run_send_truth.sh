#!/bin/sh
# TTFT truth from the request's arrival: llmrun at 1,000 concurrent streams
# against llmsim's truth log, which stamps each request's first bytes with
# the kernel's receive time (arrived_ns). Once on fresh connections, once
# with half the requests on kept-alive ones. Checks that every chunk count
# matches the truth (truthcheck), that no request was stamped sent after
# it arrived at llmsim, nor long before (send lag p99), and that the TTFT
# error counting both sides is bounded at p99, and that no response's end
# (E2E's far end) was stamped before its last token was written, nor, at
# p99, past the gross bound after llmsim's end_ns (sendcheck), that chunk_log
# offsets never decrease (chunkmono), and that arrived_ns <= received_ns
# in the log. The figures are printed. LLMRUN_EXTRA adds llmrun flags;
# each run is made with --preconnect and with --no-preconnect. A slow run
# that llmrun keeps up with bounds the share of merged stamps (truth.lib).
. tests/lib.sh
. tests/e2e/truth.lib
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
. tests/e2e/sim.lib
trap '[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null; rm -rf $_tmps' EXIT
# 1,000 streams need about 2,000 fds on this host (llmsim and llmrun).
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
# The send side is checked exactly (no request stamped after it arrived).
# The TTFT error (both sides, from the newest chunk a stamp was read with,
# leaving out chunks llmsim flags as held: truth.lib) is 0.02-0.09 ms at
# p99 in nearly every mode and run on this 2-core machine, quiet or under
# a load average of 7; the raw figure, printed too, reaches 100-190 ms
# there, when llmrun falls behind its sockets and the kernel merges their
# chunks (docs/llmrun.md, "The late first chunks"). In one run of about a
# dozen, without preconnect, 1-2% of first tokens were 2-31 ms late with
# no merge to explain it (p99 2.2-3.2 ms; not seen again in captures), so
# the 1 ms bound (the issue's target) is on the p95 and the p99 has a
# gross bound, 50 ms. The send lag (arrival at llmsim minus t_sent) bounds
# the other end: a t_sent taken early, as when it was the hand-over to
# libcurl (73 ms at p50 on new connections, 2.4 ms on kept-alive ones),
# fails it; p99 0.02-0.2 ms, bounded at 1 ms. Under ASan, where one run
# gave p99 0.13-0.17 ms (TTFT) and 0.15-0.2 ms (send lag): 5 ms, and 100
# ms for the p99 of TTFT.
# In closed loop a request that waited for a slot is due when the slot's
# last response ended (t_scheduled, client_lag_ms's start): never before
# llmsim handed its last bytes over (end_ns), p50 0.005 ms and p99 0.03
# ms after it under load; 1 ms (ASan 5 ms) bounds the p99. A new
# connection's connect_ms starts before llmsim accepts it (0.04-0.08 ms
# before, at p50) and, at 8 streams, ends (t_sent) within CONN_BOUND_MS of
# the accept: 0.5 ms at p50 and 4 ms at the p99 under load, as llmrun
# opens the 8 connections of freed slots one after another, so 20 ms
# (ASan 50) catches only an end taken at another event.
case ${BUILD:-build} in
*asan*) TTFT_BOUND_MS=${TTFT_BOUND_MS:-5} SEND_BOUND_MS=${SEND_BOUND_MS:-5} SCHED_BOUND_MS=${SCHED_BOUND_MS:-5}
	BURST_BOUND_MS=${BURST_BOUND_MS:-2000}
	CONN_BOUND_MS=${CONN_BOUND_MS:-50} TTFT_GROSS_MS=${TTFT_GROSS_MS:-100} ;;
*) TTFT_BOUND_MS=${TTFT_BOUND_MS:-1} SEND_BOUND_MS=${SEND_BOUND_MS:-1} SCHED_BOUND_MS=${SCHED_BOUND_MS:-1}
	BURST_BOUND_MS=${BURST_BOUND_MS:-500}
	CONN_BOUND_MS=${CONN_BOUND_MS:-20} TTFT_GROSS_MS=${TTFT_GROSS_MS:-50} ;;
esac
export TTFT_GROSS_MS # read by sendcheck and truthcheck

printf 'id,prompt\n' >"$T/c.csv"
for i in $(seq 1 64); do echo "r$i,tell me about item $i" >>"$T/c.csv"; done

# Fails the test when any line of the truth log has arrived_ns > received_ns
# or no arrived_ns; prints how many lines it read.
arrival_order() {
	awk '{
		a = $0; r = $0
		if (!sub(/.*"arrived_ns": */, "", a) || !sub(/.*"received_ns": */, "", r)) { bad++; next }
		sub(/[^0-9].*/, "", a); sub(/[^0-9].*/, "", r)
		if (a == "" || r == "" || a + 0 > r + 0) bad++
		n++
	} END { print n + 0, bad + 0; exit !(n > 0 && bad == 0) }' "$1"
}

for mode in preconnect no-preconnect; do
	flag=--$mode
	rm -f "$T/truth.jsonl"
	start_sim --truth "$T/truth.jsonl" --max-num-seqs 1000 --max-connections 20000
	[ -n "$URL" ] || { nok "$mode: llmsim starts" "$(cat "$T/err")"; exit 0; }
	# Fresh: 1,000 requests on 1,000 new connections. Kept: 2,000, so
	# the second 1,000 go on connections the first ones kept alive.
	# shellcheck disable=SC2086
	llmrun --no-probe --url "$URL" --model llmsim --batch-sizes 1000 --requests 1000 --max-tokens 16 \
		--ignore-eos --timeout 120 -q $flag ${LLMRUN_EXTRA:-} -o "$T/fresh.csv" "$T/c.csv" 2>"$T/run.err"
	rc1=$?
	# shellcheck disable=SC2086
	llmrun --no-probe --url "$URL" --model llmsim --batch-sizes 1000 --requests 2000 --max-tokens 16 \
		--ignore-eos --timeout 120 -q $flag ${LLMRUN_EXTRA:-} -o "$T/kept.csv" "$T/c.csv" 2>>"$T/run.err"
	rc2=$?
	stop_sim
	[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && ok "$mode: llmrun runs 3,000 requests at 1,000 streams" ||
		nok "$mode: llmrun runs 3,000 requests at 1,000 streams" "exit $rc1 $rc2: $(tail -5 "$T/run.err")"
	if out=$(arrival_order "$T/truth.jsonl"); then
		ok "$mode: arrived_ns <= received_ns on all ${out% *} lines"
	else
		nok "$mode: arrived_ns <= received_ns on every line" "lines and bad ones: $out"
	fi
	for run in fresh kept; do
		if out=$(truthcheck "$T/$run.csv" "$T/truth.jsonl" "$mode $run"); then
			echo "$out"; ok "$mode $run: chunk counts match the truth, no chunk early"
		else
			nok "$mode $run: chunk counts match the truth, no chunk early" "$out"
		fi
		name="$mode $run: none sent after it arrived, send lag p99 < $SEND_BOUND_MS ms, TTFT error p95 < $TTFT_BOUND_MS ms, p99 < $TTFT_GROSS_MS ms"
		if out=$(sendcheck "$T/$run.csv" "$T/truth.jsonl" "$mode $run" "$TTFT_BOUND_MS" "$SEND_BOUND_MS"); then
			echo "$out"; ok "$name"
		else
			nok "$name" "$out"
		fi
		# New connections (no preconnect: every one of the fresh run's,
		# the kept run's first 1,000): the connect began before llmsim
		# accepted it. How long after the accept the request went out
		# is printed, not bounded: at 1,000 connects llmrun's loop is
		# the bulk of connect_ms (docs/llmrun.md); the slow run bounds it.
		name="$mode $run: every new connection's connect started before llmsim accepted it"
		if [ $mode = preconnect ]; then
			:
		elif out=$(conncheck "$T/$run.csv" "$T/truth.jsonl" "$mode $run"); then
			echo "$out"; ok "$name"
		else
			nok "$name" "$out"
		fi
		# The kept run's second 1,000 requests waited for a slot.
		name="$mode $run: t_scheduled never before the slot's last response ended, p99 < $SCHED_BOUND_MS ms after"
		if [ $run = fresh ]; then
			:
		elif out=$(schedcheck "$T/$run.csv" "$T/truth.jsonl" "$mode $run" "$SCHED_BOUND_MS"); then
			echo "$out"; ok "$name"
		else
			nok "$name" "$out"
		fi
		# The burst: with the connections open before the step, its
		# 1,000 requests, all due at its start, reached llmsim within
		# BURST_BOUND_MS of each other, on llmsim's clock alone (18-56 ms
		# here, requests going out one after another; one a wake-up of
		# the loop, or one a connect, would take seconds).
		if [ $mode$run = preconnectfresh ]; then
			set -- $(burstspread "$T/$run.csv" "$T/truth.jsonl")
			if [ "$#" -eq 3 ] && [ "$3" -eq 1000 ] && awk -v s="$1" -v b="$BURST_BOUND_MS" 'BEGIN { exit !(s < b) }'; then
				echo "# $mode $run: the 1,000 due at once reached llmsim over $1 ms (p50 $2 ms after the first)"
				ok "$mode $run: the burst reached llmsim within $BURST_BOUND_MS ms, on its clock"
			else
				nok "$mode $run: the burst reached llmsim within $BURST_BOUND_MS ms, on its clock" "span, p50, rows: $*"
			fi
		fi
		if out=$(chunkmono "$T/$run.csv"); then
			ok "$mode $run: chunk_log offsets never decrease"
		else
			nok "$mode $run: chunk_log offsets never decrease" "$out"
		fi
	done
done

# A run slow enough that llmrun reads every chunk before the next comes
# (8 streams, a step every 25 ms or more): at most half its first tokens
# may be merged. A client that stamped whole responses at once would pass
# the merge-aware figures, but not this.
# Then each request on a connection of its own: connect_ms ends, at
# t_sent, within CONN_BOUND_MS of llmsim's accept at p99.
start_sim --truth "$T/slow.jsonl" --tw-ms 25
llmrun --no-probe --url "$URL" --model llmsim --batch-sizes 8 --requests 24 --max-tokens 8 --ignore-eos -q \
	-o "$T/slow.csv" "$T/c.csv" 2>"$T/slow.err"
src=$?
llmrun --no-probe --url "$URL" --model llmsim --batch-sizes 8 --requests 24 --max-tokens 2 --ignore-eos -q \
	--no-keepalive --no-preconnect -o "$T/conn.csv" "$T/c.csv" 2>>"$T/slow.err"
crc=$?
stop_sim
name="8 streams, 25 ms steps: TTFT error p95 < $TTFT_BOUND_MS ms, at most half the first tokens merged"
if [ $src -eq 0 ] && out=$(MERGED_MAX_PCT=50 sendcheck "$T/slow.csv" "$T/slow.jsonl" "8 streams" "$TTFT_BOUND_MS" "$SEND_BOUND_MS"); then
	echo "$out"; ok "$name"
else
	nok "$name" "exit $src: $out $(tail -3 "$T/slow.err")"
fi

name="8 streams, a connection each: connects start before llmsim's accept, end within $CONN_BOUND_MS ms of it at p99"
if [ $crc -eq 0 ] && out=$(conncheck "$T/conn.csv" "$T/slow.jsonl" "8 streams, no keep-alive" "$CONN_BOUND_MS"); then
	echo "$out"; ok "$name"
else
	nok "$name" "exit $crc: $out $(tail -3 "$T/slow.err")"
fi

# How kernel stamps are taken: by a peek before each read by default
# (stamp_taken "peek"), with libcurl's reads going through llmrun's recv()
# (recvstamp.c); in libcurl's reads with --stamp recv (stamp_taken
# "recv"). Both against the truth, on the slow run's set-up.
grep -q '"stamp_taken": *"peek"' "$T/slow.csv.meta.json" && grep -q '"recv_wrapper": *true' "$T/slow.csv.meta.json" &&
	ok "kernel stamps by a peek by default, libcurl's reads through llmrun's recv (stamp_taken peek, recv_wrapper)" ||
	nok "kernel stamps by a peek by default, libcurl's reads through llmrun's recv (stamp_taken peek, recv_wrapper)" \
		"$(grep -o '"\(stamp[a-z_]*\|recv_wrapper\)": *"*[a-z]*"*' "$T/slow.csv.meta.json")"
start_sim --truth "$T/recv.jsonl" --tw-ms 25
llmrun --no-probe --url "$URL" --model llmsim --batch-sizes 8 --requests 24 --max-tokens 8 --ignore-eos -q \
	--stamp recv -o "$T/recv.csv" "$T/c.csv" 2>"$T/recv.err"
prc=$?
stop_sim
name="--stamp recv: stamp_taken recv, TTFT error p95 < $TTFT_BOUND_MS ms, chunks within the truth"
if [ $prc -eq 0 ] && grep -q '"stamp_taken": *"recv"' "$T/recv.csv.meta.json" &&
	out=$(MERGED_MAX_PCT=50 sendcheck "$T/recv.csv" "$T/recv.jsonl" "8 streams, recv" "$TTFT_BOUND_MS" "$SEND_BOUND_MS") &&
	out="$out $(truthcheck "$T/recv.csv" "$T/recv.jsonl" "8 streams, recv" "$TTFT_BOUND_MS" "$TTFT_BOUND_MS")"; then
	echo "$out"; ok "$name"
else
	nok "$name" "exit $prc: $out $(tail -3 "$T/recv.err")"
fi

# The loop's pause (--read-batch-us), made 20 ms so that a mistake shows:
# 64 streams, a chunk every 50 ms each, spread (1,280 chunks/s, so the
# pause is taken nearly every time). What cannot wait ends the pause at
# once (wake_now: a first token, a last token, a stream with close
# chunks), so a slot's next request goes out right after its last one
# ended: client lag of the requests that replace ended ones p50 0.12-0.16
# ms here; with a pause that nothing ends early (seen by emptying the
# set), 14-16 ms. Bound: 2 ms (ASan 5). Both ends of that lag are
# checked on llmsim's clock too: t_scheduled against the slot's last end_ns
# (schedcheck), t_sent against the next request's arrived_ns (sendcheck).
# Chunks and TTFT stay within the truth.
case ${BUILD:-build} in *asan*) lag_ms=5 ;; *) lag_ms=2 ;; esac
start_sim --truth "$T/pause.jsonl" --t0-ms 0 --tw-ms 50 --c-lin-us 0 --c-kv-ns 0 --c-attn-ns 0 --step-cv 0 --jitter-us 50000
llmrun --no-probe --url "$URL" --model llmsim --batch-sizes 64 --requests 192 --max-tokens 6 --ignore-eos -q \
	--read-batch-us 20000 -o "$T/pause.csv" "$T/c.csv" 2>"$T/pause.err"
prc=$?
stop_sim
lag=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "client_lag_ms") l = i; if ($i == "seq") s = i }; next }
	$s >= 64 && $l != "" { print $l }' "$T/pause.csv" | sort -g | awk '{ d[NR] = $1 } END { print NR ? d[int((NR + 1) / 2)] : 999 }')
name="--read-batch-us 20000: a slot's next request goes out within $lag_ms ms of the end at p50 (got $lag ms)"
if [ $prc -eq 0 ] && awk -v l="$lag" -v b="$lag_ms" 'BEGIN { exit !(l < b) }'; then ok "$name"; else nok "$name" "exit $prc: $(tail -3 "$T/pause.err")"; fi
name="--read-batch-us 20000: sends and slot ends on llmsim's clock, TTFT error p95 < $TTFT_BOUND_MS ms, chunks within the truth"
if [ $prc -eq 0 ] && out=$(sendcheck "$T/pause.csv" "$T/pause.jsonl" "64 streams, pause 20 ms" "$TTFT_BOUND_MS" "$SEND_BOUND_MS") &&
	out="$out $(schedcheck "$T/pause.csv" "$T/pause.jsonl" "64 streams, pause 20 ms" "$SCHED_BOUND_MS")" &&
	out="$out $(truthcheck "$T/pause.csv" "$T/pause.jsonl" "64 streams, pause 20 ms" "$TTFT_BOUND_MS" "$TTFT_BOUND_MS")"; then
	echo "$out"; ok "$name"
else
	nok "$name" "exit $prc: $out $(tail -3 "$T/pause.err")"
fi

# Clients llmrun is not: connections closed without a request or halfway
# through one (nothing logged, no stamp left for the fd's next user), three
# requests one after another on one connection (each stamped after the
# client's write, read from the same monotonic clock, and before it was
# received), two pipelined in one write (the second has no stamp: its bytes
# were read with the first's). Then llmrun with --no-keepalive: llmsim
# closes every connection with its peek armed, and new ones reuse the fds.
if ! command -v python3 >/dev/null 2>&1; then
	nok "python3 is installed" "the raw clients need it: apt-get install python3 ('make deps')"
else
	start_sim --truth "$T/raw.jsonl" --time-scale 20
	python3 tests/data/sim/arrival_client.py "${URL##*:}" >"$T/raw.out" 2>"$T/raw.err"
	prc=$?
	llmrun --no-probe --url "$URL" --model llmsim --batch-sizes 20 --requests 300 --max-tokens 4 --ignore-eos \
		--no-keepalive -q -o "$T/nk.csv" "$T/c.csv" 2>"$T/nk.err"
	nrc=$?
	stop_sim
	[ $prc -eq 0 ] && [ "$(wc -l <"$T/raw.out")" -eq 5 ] && ok "raw clients: 5 answers" ||
		nok "raw clients: 5 answers" "exit $prc: $(cat "$T/raw.err" "$T/raw.out")"
	bad=$(while read -r kind id sent; do
		line=$(grep "\"id\": *\"$id\"" "$T/raw.jsonl")
		a=$(printf '%s' "$line" | sed -n 's/.*"arrived_ns": *\([0-9a-z]*\).*/\1/p')
		r=$(printf '%s' "$line" | sed -n 's/.*"received_ns": *\([0-9]*\).*/\1/p')
		case $kind in
		pipe2) [ "$a" = null ] || echo "$kind $id: arrived_ns $a, wanted null" ;;
		*) [ -n "$a" ] && [ "$a" != null ] && [ "$a" -ge $((sent - 2000)) ] && [ "$a" -le "$r" ] ||
			echo "$kind $id: sent $sent, arrived $a, received $r" ;;
		esac
	done <"$T/raw.out")
	[ -z "$bad" ] && [ -s "$T/raw.out" ] && ok "raw clients: each request stamped after its write and before its receipt, a pipelined one null" ||
		nok "raw clients: each request stamped after its write and before its receipt, a pipelined one null" "$bad"
	[ "$(wc -l <"$T/raw.jsonl")" -eq 305 ] && ok "raw clients: connections without a whole request log nothing" ||
		nok "raw clients: connections without a whole request log nothing" "$(wc -l <"$T/raw.jsonl") lines for 305 requests"
	if [ $nrc -eq 0 ] && out=$(truthcheck "$T/nk.csv" "$T/raw.jsonl" "no keep-alive") &&
		out=$(sendcheck "$T/nk.csv" "$T/raw.jsonl" "no keep-alive" "$TTFT_BOUND_MS" "$SEND_BOUND_MS"); then
		echo "$out"; ok "--no-keepalive: every request stamped on reused fds, none sent after it arrived"
	else
		nok "--no-keepalive: every request stamped on reused fds, none sent after it arrived" "exit $nrc: $out $(tail -3 "$T/nk.err")"
	fi
fi

# The checks can fail (shifted, fails: truth.lib).
# Rows stamped sent 1 s late, or 1 s early (the send lag bound).
shifted fresh t_sent_ns 999999999 late
fails "sendcheck fails on a request sent after it arrived" sendcheck "$T/late.csv" "$T/truth.jsonl" "a late t_sent"
shifted fresh t_sent_ns -999999999 early
fails "sendcheck fails on requests stamped sent 1 s early" \
	sendcheck "$T/early.csv" "$T/truth.jsonl" "an early t_sent" "" "$SEND_BOUND_MS"
# First tokens stamped twice the TTFT bound late (2 ms: the send side's
# old error on kept-alive connections was 2.4 ms at p50).
late_ms=$((TTFT_BOUND_MS * 2))
shifted kept t_first_token_ns $((late_ms * 1000000)) lateft
fails "sendcheck fails on first tokens stamped $late_ms ms late" \
	sendcheck "$T/lateft.csv" "$T/truth.jsonl" "first tokens $late_ms ms late" "$TTFT_BOUND_MS"
# E2E's far end: every response's end stamped 1 ms early (before its last
# token was written), and 2% of them twice the gross bound late.
shifted kept t_end_ns -1000000 endearly
fails "sendcheck fails on ends stamped 1 ms early" sendcheck "$T/endearly.csv" "$T/truth.jsonl" "ends 1 ms early"
shifted kept t_end_ns $((TTFT_GROSS_MS * 2000000)) endlate 50
fails "sendcheck fails on 2% of ends stamped $((TTFT_GROSS_MS * 2)) ms late" \
	sendcheck "$T/endlate.csv" "$T/truth.jsonl" "2% of ends late"
# Slots freed 0.1 ms before the response ended, or twice the bound after.
shifted kept t_scheduled_ns -100000 sched_early
fails "schedcheck fails on t_scheduled 0.1 ms before the end" \
	schedcheck "$T/sched_early.csv" "$T/truth.jsonl" "slots freed early"
shifted kept t_scheduled_ns $((SCHED_BOUND_MS * 2000000)) sched_late
fails "schedcheck fails on t_scheduled $((SCHED_BOUND_MS * 2)) ms after the end" \
	schedcheck "$T/sched_late.csv" "$T/truth.jsonl" "slots freed late" "$SCHED_BOUND_MS"
# Connects that started after llmsim accepted them (connect_ms -1000: a
# start 1 s after the send; 1 us before the send did not always do it, as
# the kernel completes a connect before llmsim's accept() and under ASan
# llmrun had sent every request 0.03-1.4 ms before llmsim accepted), or
# requests sent twice the bound after the accept.
awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "connect_ms") c = i; print; next }
	$c != "" { $c = "-1000" } { print }' FS=, OFS=, "$T/conn.csv" >"$T/conn_short.csv"
cp "$T/conn.csv.meta.json" "$T/conn_short.csv.meta.json"
fails "conncheck fails on connects that start after the accept" \
	conncheck "$T/conn_short.csv" "$T/slow.jsonl" "connects too short"
shifted conn t_sent_ns $((CONN_BOUND_MS * 2000000)) conn_late
fails "conncheck fails on connects that end $((CONN_BOUND_MS * 2)) ms after the accept" \
	conncheck "$T/conn_late.csv" "$T/slow.jsonl" "connects end late" "$CONN_BOUND_MS"
# ... and 2% of them twice the gross bound late: the p99's bound.
shifted kept t_first_token_ns $((TTFT_GROSS_MS * 2000000)) tailft 50
fails "sendcheck fails on 2% of first tokens stamped $((TTFT_GROSS_MS * 2)) ms late" \
	sendcheck "$T/tailft.csv" "$T/truth.jsonl" "2% of first tokens late" "$TTFT_BOUND_MS"
# Every chunk of a response stamped with its last one, at once.
awk 'NR > 1 { n = split($NF, o, " "); split(o[n], x, ":"); l = ""
	for (i = 1; i <= n; i++) { m = o[i]; sub(/^[0-9]*/, x[1], m); l = l (i > 1 ? " " : "") m }
	$NF = l } { print }' FS=, OFS=, "$T/slow.csv" >"$T/once.csv"
cp "$T/slow.csv.meta.json" "$T/once.csv.meta.json"
MERGED_MAX_PCT=50 fails "sendcheck fails on responses stamped all at once" \
	sendcheck "$T/once.csv" "$T/slow.jsonl" "stamped at once" "$TTFT_BOUND_MS"
# Every first token flagged ttft_merged, though each came 25 ms before
# its second chunk was written.
awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "ttft_merged") c = i }
	NR > 1 && $c != "" { $c = 1 } { print }' FS=, OFS=, "$T/slow.csv" >"$T/flagged.csv"
cp "$T/slow.csv.meta.json" "$T/flagged.csv.meta.json"
fails "truthcheck fails on first tokens flagged merged that came before their second chunk" \
	truthcheck "$T/flagged.csv" "$T/slow.jsonl" "all flagged"
printf 'status,chunk_log\nok,100 250 240 300\n' >"$T/back.csv"
fails "chunkmono fails on a decreasing offset" chunkmono "$T/back.csv"
sed '1s/"received_ns": *[0-9]*/"received_ns":1/' "$T/truth.jsonl" >"$T/rev.jsonl"
fails "arrival_order fails on an arrival after the receipt" arrival_order "$T/rev.jsonl"
