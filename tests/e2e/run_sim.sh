#!/bin/sh
# llmrun against llmsim: every dialect, streaming and not, each schedule
# and rate mode, warmup, every injected fault as one row of the right
# class, SIGINT and kill -9, the key never written, and timing checked
# against llmsim's ground-truth log.
. tests/lib.sh
. tests/e2e/truth.lib
T=$(mktmp)
SIMPID=
stop_sim() { [ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null && wait "$SIMPID" 2>/dev/null; SIMPID=; }
trap 'stop_sim; rm -rf $_tmps' EXIT
# Starts llmsim on a free port with the given options; sets URL.
start_sim() {
	stop_sim
	rm -f "$T/url"
	llmsim --port 0 --seed 5 "$@" >"$T/url" 2>"$T/sim.err" &
	SIMPID=$!
	i=0
	while [ ! -s "$T/url" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	URL=$(head -1 "$T/url")
	[ -n "$URL" ] || { nok "llmsim starts" "$(cat "$T/sim.err")"; exit 0; }
}
# Column number of NAME in a results file.
col() { head -1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }
# Values of column NAME, one per row (the test corpora have no commas).
vals() { c=$(col "$1" "$2"); tail -n +2 "$1" | cut -d, -f"$c"; }
rows() { tail -n +2 "$1" | wc -l | tr -d ' '; }

printf 'id,group,prompt,output_tokens\n' >"$T/c.csv"
for i in $(seq 1 40); do echo "r$i,g$((i % 3)),prompt number $i about the weather,24" >>"$T/c.csv"; done

# Time order of every ok row: scheduled <= handed <= sent <= first <= last
# <= end (without a stream there is no first and last token: scheduled <=
# handed <= sent <= end).
ordered() {
	awk -F, -v a="$(col "$1" t_scheduled_ns)" -v b="$(col "$1" t_sent_ns)" \
		-v c="$(col "$1" t_first_token_ns)" -v d="$(col "$1" t_last_token_ns)" \
		-v e="$(col "$1" t_end_ns)" -v s="$(col "$1" status)" -v h="$(col "$1" t_handed_ns)" '
		NR > 1 && $s == "ok" {
			n++
			if (!($a <= $h && $h <= $b && $b <= $e)) bad++
			if ($c != "" && !($b <= $c && $c <= $d && $d <= $e)) bad++
		}
		END { exit !(n > 0 && bad == 0) }' "$1"
}
# Rows without a first token, TTFT, TPOT or chunk log (no stream).
unstreamed() {
	awk -F, -v c="$(col "$1" t_first_token_ns)" -v t="$(col "$1" ttft_ms)" \
		-v p="$(col "$1" tpot_ms)" -v l="$(col "$1" chunk_log)" -v e="$(col "$1" e2e_ms)" '
		NR > 1 { n++; if ($c != "" || $t != "" || $p != "" || $l != "" || $e == "") bad++ }
		END { exit !(n > 0 && bad == 0) }' "$1"
}
# Per-request speeds, just before error and chunk_log: streamed, input /
# TTFT and (output - 1) / (E2E - TTFT) from the row's own columns (to the
# rounding of the ms columns); without an input count (TGI) or a stream
# (no TTFT), empty, never 0.
speeds() {
	head -1 "$1" | grep -q ',prefill_tok_per_s,gen_tok_per_s,error,chunk_log$' || return 1
	awk -F, -v p="$(col "$1" prefill_tok_per_s)" -v g="$(col "$1" gen_tok_per_s)" \
		-v i="$(col "$1" input_tokens)" -v o="$(col "$1" output_tokens)" \
		-v t="$(col "$1" ttft_ms)" -v e="$(col "$1" e2e_ms)" -v s="$(col "$1" status)" -v str="$2" '
		function off(got, want) { d = got - want; if (d < 0) d = -d; return d > 0.01 * want }
		NR > 1 && $s == "ok" {
			n++
			if (str == "--no-stream") { if ($p != "" || $g != "") bad++; next }
			if ($i == "" && $p != "") bad++
			if ($i != "" && ($p == "" || off($p, $i / ($t / 1000)))) bad++
			if ($o >= 2 && ($g == "" || off($g, ($o - 1) / (($e - $t) / 1000)))) bad++
			if ($o < 2 && $g != "") bad++
		}
		END { exit !(n > 0 && bad == 0) }' "$1"
}

start_sim --time-scale 20 --truth "$T/truth.jsonl"
for api in openai-chat openai-completions tgi llamacpp ollama; do
	for mode in --stream --no-stream; do
		llmrun --url "$URL" --model llmsim --api $api $mode --batch-sizes 2 --requests 4 -q \
			-o "$T/f.csv" "$T/c.csv" 2>"$T/err"
		rc=$?
		st=$(vals "$T/f.csv" status | sort -u | tr '\n' ' ')
		out=$(vals "$T/f.csv" output_tokens | grep -c '^[1-9]')
		streamed=true label=
		[ $mode = --no-stream ] && streamed=unstreamed label=", TTFT, TPOT and ITL empty"
		if [ $rc -eq 0 ] && [ "$st" = "ok " ] && [ "$out" -eq 4 ] && ordered "$T/f.csv" && $streamed "$T/f.csv" &&
			speeds "$T/f.csv" $mode; then
			ok "$api $mode: 4 ok rows with tokens, ordered times and per-request speeds$label"
		else
			nok "$api $mode: 4 ok rows with tokens and ordered times" "exit $rc, status '$st', $out with tokens; $(cat "$T/err") $(tail -1 "$T/f.csv")"
		fi
	done
done

# Preconnect: every request of a step goes on a kept-alive connection
# (connect_ms 0), and without it each of the first batch opens its own.
# Each row's send is after its hand-over and its due time (client_lag_ms
# >= 0, and equal to t_sent - t_scheduled).
llmrun --url "$URL" --model llmsim --batch-sizes 8 --requests 8 -q -o "$T/pc.csv" "$T/c.csv"
llmrun --url "$URL" --model llmsim --batch-sizes 8 --requests 8 --no-preconnect -q -o "$T/npc.csv" "$T/c.csv"
[ "$(vals "$T/pc.csv" conn_reused | sort -u)" = 1 ] && [ "$(vals "$T/pc.csv" connect_ms | sort -u)" = 0 ] &&
	ok "--preconnect: all 8 sent on kept-alive connections" || nok "--preconnect: all 8 sent on kept-alive connections" "$(vals "$T/pc.csv" conn_reused | tr '\n' ' ')"
[ "$(vals "$T/npc.csv" conn_reused | sort -u)" = 0 ] && [ "$(vals "$T/npc.csv" connect_ms | awk '$1 > 0' | wc -l)" -eq 8 ] &&
	ok "--no-preconnect: 8 new connections with their connect_ms" || nok "--no-preconnect: 8 new connections with their connect_ms" "$(vals "$T/npc.csv" connect_ms | tr '\n' ' ')"
lagok() {
	awk -F, -v a="$(col "$1" t_scheduled_ns)" -v b="$(col "$1" t_sent_ns)" -v l="$(col "$1" client_lag_ms)" '
		NR > 1 { n++; d = ($b - $a) / 1e6 - $l; if ($l < 0 || d > 0.001 || d < -0.001) bad++ }
		END { exit !(n > 0 && bad == 0) }' "$1"
}
lagok "$T/pc.csv" && lagok "$T/npc.csv" && ok "client_lag_ms is t_sent - t_scheduled, never negative" || nok "client_lag_ms is t_sent - t_scheduled, never negative"

# The probe: a wrong model stops the run before the sweep (69, the
# server's own words, no results file); without --model the first model
# /v1/models lists is used, and said.
llmrun --url "$URL" --model nope --requests 2 -o "$T/p.csv" "$T/c.csv" 2>"$T/p.err"
rc=$?
[ $rc -eq 69 ] && grep -q "before the sweep (--no-probe skips this): default: probe: $URL/v1/chat/completions: HTTP 400: The model .nope. does not exist" "$T/p.err" &&
	[ ! -e "$T/p.csv" ] && ok "probe: a wrong model is 69 before the sweep, in the server's words, no file" ||
	nok "probe: a wrong model is 69 before the sweep, in the server's words, no file" "exit $rc: $(cat "$T/p.err")"
llmrun --url "$URL" --requests 2 --max-tokens 4 -o "$T/p2.csv" "$T/c.csv" 2>"$T/p2.err"
rc=$?
[ $rc -eq 0 ] && grep -q "no --model given: using llmsim, the first model $URL/v1/models lists" "$T/p2.err" &&
	[ "$(vals "$T/p2.csv" model | sort -u)" = llmsim ] && ok "no --model: the served model, said" ||
	nok "no --model: the served model, said" "exit $rc: $(cat "$T/p2.err")"
llmrun --url "$URL" --model nope --no-probe --requests 2 -q -o "$T/p3.csv" "$T/c.csv" 2>"$T/p3.err"
[ "$(vals "$T/p3.csv" status | sort -u)" = http_4xx ] && ok "--no-probe: the sweep runs (and its rows say why it failed)" ||
	nok "--no-probe: the sweep runs (and its rows say why it failed)" "$(cat "$T/p3.err")"

# A URL copied with its endpoint's path: the dialect's own path is cut
# off, with a note, and the run works; another dialect's path is refused
# (64), naming the base URL.
llmrun --url "$URL/v1/chat/completions" --model llmsim --batch-sizes 1 --requests 2 --max-tokens 4 \
	-o "$T/u.csv" "$T/c.csv" 2>"$T/u.err"
rc=$?
[ $rc -eq 0 ] && grep -q "llmrun: default: using the base URL $URL (llmrun appends /v1/chat/completions)" "$T/u.err" &&
	[ "$(vals "$T/u.csv" status | sort -u)" = ok ] &&
	ok "--url with the endpoint's path: cut off, said, and the run works" ||
	nok "--url with the endpoint's path: cut off, said, and the run works" "exit $rc: $(cat "$T/u.err")"
llmrun --url "$URL/v1/completions/" --model llmsim --requests 2 -o "$T/u2.csv" "$T/c.csv" 2>"$T/u2.err"
rc=$?
[ $rc -eq 64 ] && grep -q "the URL ends in a path of --api openai-completions, not of --api openai-chat: give the base URL, $URL," "$T/u2.err" &&
	ok "--url with another dialect's path: 64 naming the base URL" ||
	nok "--url with another dialect's path: 64 naming the base URL" "exit $rc: $(cat "$T/u2.err")"

# The step summary: outputs shorter than asked are flagged (llmsim stops
# early at a lognormal length unless --ignore-eos), the client lag is
# printed, and --min-success fails a step below the rate with 69.
llmrun --url "$URL" --model llmsim --batch-sizes 4 --requests 8 --max-tokens 300 -o "$T/short.csv" "$T/c.csv" 2>"$T/short.err"
grep -q "outputs averaged [0-9]*% of max_tokens.*--ignore-eos or --min-tokens" "$T/short.err" &&
	grep -q "^  client lag p50 [0-9.]* ms, p99 [0-9.]* ms" "$T/short.err" &&
	ok "summary: short outputs flagged, client lag printed" || nok "summary: short outputs flagged, client lag printed" "$(cat "$T/short.err")"
llmrun --url "$URL" --model llmsim --batch-sizes 4 --requests 8 --max-tokens 30 --ignore-eos -o "$T/long.csv" "$T/c.csv" 2>"$T/long.err"
grep -q "outputs averaged" "$T/long.err" && nok "--ignore-eos: no short-output warning" "$(cat "$T/long.err")" || ok "--ignore-eos: no short-output warning"
# stopped_run NAME LLMRUN-ARGS...: llmrun in 4 slots at llmsim's own pace,
# rows to $T/NAME.csv (its metadata beside), stderr to $T/NAME.err,
# stopped (SIGSTOP) for at least 1 s once its first request has ended
# (its row is out: rows go to stdout one by one), so the stop falls
# inside the step whatever the start-up took (sanitizers). Sets rc.
stopped_run() {
	_n=$1
	shift
	: >"$T/$_n.csv" # there before the poll below reads it
	llmrun --url "$URL" --model llmsim --batch-sizes 4 --ignore-eos "$@" \
		-o - --meta "$T/$_n.csv.meta.json" "$T/c.csv" >>"$T/$_n.csv" 2>"$T/$_n.err" &
	_p=$!
	_i=0
	while [ "$(wc -l <"$T/$_n.csv")" -lt 2 ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
	kill -STOP $_p
	sleep 1
	kill -CONT $_p
	wait $_p
	rc=$?
}
# 40 requests of about 80 ms (0.8 s in all): the slots that freed during
# the stop send late, the summary warns with the lag (over 0.3 s at p99:
# at least two of the 40 waited most of the stop) and names what helps
# on a busy machine. Both ends of that lag are checked on llmsim's clock
# as well: no send stamped after its request arrived (sendcheck), and
# each slot freed when its response's end was written (schedcheck),
# through the stop.
stop_sim
rm -f "$T/lag.jsonl"
start_sim --truth "$T/lag.jsonl"
stopped_run lag --requests 40 --max-tokens 10
lag=$(sed -n 's/.*llmrun fell behind by \([0-9.]*\) ms at p99 (client_lag_ms).*/\1/p' "$T/lag.err")
[ $rc -eq 0 ] && [ -n "$lag" ] && awk -v l="$lag" 'BEGIN { exit !(l > 300) }' &&
	grep -q "On a busy machine a core of its own (taskset -c N), a higher priority (chrt -f 5, nice -n -10) or shards on more cores (--shard I/N) help" "$T/lag.err" &&
	ok "summary: llmrun stopped 1 s, its lag warned of with the remedies" ||
	nok "summary: llmrun stopped 1 s, its lag warned of with the remedies" "exit $rc: $(cat "$T/lag.err")"
stop_sim
case ${BUILD:-build} in *asan*) sb=5 ;; *) sb=1 ;; esac
if out=$(sendcheck "$T/lag.csv" "$T/lag.jsonl" "stopped 1 s") &&
	out="$out $(schedcheck "$T/lag.csv" "$T/lag.jsonl" "stopped 1 s" $sb)"; then
	echo "$out"; ok "stopped 1 s: the lag's ends on llmsim's clock (sends, slot ends)"
else
	nok "stopped 1 s: the lag's ends on llmsim's clock (sends, slot ends)" "$out"
fi
# The same stop with 60-token responses (about 14 KiB each, waiting
# whole when llmrun goes on): a slot still frees when its response's end
# arrived, on llmsim's clock (schedcheck: t_scheduled - end_ns, never
# negative, p99 under the bound), not when llmrun read it after the stop.
# Until the peek took up to 64 KiB, a socket with more than 8 KiB waiting
# was stamped when read: p99 654 ms late here.
rm -f "$T/stall.jsonl"
start_sim --truth "$T/stall.jsonl"
stopped_run stall --requests 24 --max-tokens 60
stop_sim
if [ $rc -eq 0 ] && out=$(sendcheck "$T/stall.csv" "$T/stall.jsonl" "stopped 1 s, 60 tokens") &&
	out="$out $(schedcheck "$T/stall.csv" "$T/stall.jsonl" "stopped 1 s, 60 tokens" $sb)"; then
	echo "$out"
	ok "after a 1 s stop, slots free at their response's end (llmsim's clock)"
else
	nok "after a 1 s stop, slots free at their response's end (llmsim's clock)" "exit $rc: $out $(cat "$T/stall.err")"
fi
# Bytes that come between llmrun's peek and libcurl's read, as when llmrun
# is preempted or stopped right there (one CI run of the "stopped 1 s"
# test above had one response's end stamped when read, 962 ms late).
# strace holds the return of every recvmsg, the peek's too, for 20 ms, so
# that chunks and ends mostly arrive after the peek meant to stamp them.
# They take the kernel stamp of the read that brought them (the newest
# buffer it took): each response's end near llmsim's end_ns (t_end -
# end_ns at p99 under the bound) and each freed slot's next request due
# then (schedcheck, within 20 ms at p99: of its 12 rows, two came 6 and
# 30 ms late in one clean run, 2026-12-07, with every read held 20 ms).
# Stamped when read, as before, both were 49 ms late at
# p99. (Its TTFT is not checked here: 20 ms a read puts llmrun 90 ms
# behind its streams, whose first chunks then share a stamp with later
# ones, ttft_merged.)
if ! strace -f -qq -o /dev/null true 2>/dev/null; then
	nok "strace can trace here" "the late-read test needs it: apt-get install strace ('make deps'), and ptrace allowed"
else
	rm -f "$T/gap.jsonl"
	start_sim --truth "$T/gap.jsonl"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -o /dev/null -e trace=recvmsg -e inject=recvmsg:delay_exit=20000 \
		llmrun --url "$URL" --model llmsim --no-probe --batch-sizes 4 --requests 16 --max-tokens 20 --ignore-eos \
		-q -o "$T/gap.csv" "$T/c.csv" 2>"$T/gap.err"
	rc=$?
	stop_sim
	if [ $rc -eq 0 ] && out=$(sendcheck "$T/gap.csv" "$T/gap.jsonl" "reads 20 ms late") &&
		xp=$(q 0.99 x "$T/sdiffs") && awk -v x="$xp" -v b="$sb" 'BEGIN { exit !(x < b) }' &&
		out="$out $(schedcheck "$T/gap.csv" "$T/gap.jsonl" "reads 20 ms late" $((sb * 20)))"; then
		echo "$out"
		ok "bytes that came after the peek: ends and slot ends on their kernel stamps (llmsim's clock)"
	else
		nok "bytes that came after the peek: ends and slot ends on their kernel stamps (llmsim's clock)" \
			"exit $rc: $out $(cat "$T/gap.err")"
	fi
fi
start_sim --time-scale 20 --fail-rate 0.5 --seed 3
llmrun --url "$URL" --model llmsim --no-probe --batch-sizes 4 --requests 20 --max-tokens 8 --min-success 0.95 -q -o "$T/ms.csv" "$T/c.csv" 2>"$T/ms.err"
rc=$?
[ $rc -eq 69 ] && grep -q "batch=4: success rate 0\.[0-9]* is below --min-success 0.95" "$T/ms.err" &&
	ok "--min-success: 69 below the rate, naming the step" || nok "--min-success: 69 below the rate, naming the step" "exit $rc: $(cat "$T/ms.err")"
llmrun --url "$URL" --model llmsim --no-probe --batch-sizes 4 --requests 20 --max-tokens 8 --min-success 0.05 -q -o "$T/ms2.csv" "$T/c.csv"
[ $? -eq 0 ] && ok "--min-success: 0 above the rate" || nok "--min-success: 0 above the rate"
start_sim --time-scale 20 --truth "$T/truth.jsonl"

# Schedules.
llmrun --url "$URL" --model llmsim --batch-sizes 1,4 --schedule window --requests 8 --warmup 2 -q -o "$T/w.csv" "$T/c.csv"
[ "$(rows "$T/w.csv")" -eq 20 ] && ordered "$T/w.csv" && ok "window: 2 steps of 8 + 2 warmup rows" || nok "window: 2 steps of 8 + 2 warmup rows"
[ "$(vals "$T/w.csv" warmup | grep -c 1)" -eq 4 ] && ok "warmup rows are marked" || nok "warmup rows are marked"
llmrun --url "$URL" --model llmsim --batch-sizes 4 --schedule waves --requests 8 -o "$T/v.csv" "$T/c.csv" 2>"$T/verr"
# Each wave shares one scheduled time: 8 rows, 2 distinct times.
[ "$(vals "$T/v.csv" t_scheduled_ns | sort -u | wc -l)" -eq 2 ] && ok "waves: 2 waves of 4" || nok "waves: 2 waves of 4"
grep -q 'batch=4: 8 requests' "$T/verr" && grep -q 'ttft' "$T/verr" && ok "step summary on stderr" || nok "step summary on stderr" "$(cat "$T/verr")"
llmrun --url "$URL" --model llmsim --batch-sizes 2 --warmup 3 --requests 4 -q -o "$T/wu.csv" "$T/c.csv" 2>/dev/null
# Rows come in the order requests end; warmup must be exactly seq 0..2.
w=$(awk -F, -v w="$(col "$T/wu.csv" warmup)" -v s="$(col "$T/wu.csv" seq)" 'NR > 1 && $w == 1 { print $s }' "$T/wu.csv" | sort | tr -d '\n')
[ "$w" = 012 ] && [ "$(rows "$T/wu.csv")" -eq 7 ] && ok "warmup are the first sends" || nok "warmup are the first sends" "$w"
for s in poisson constant; do
	llmrun --url "$URL" --model llmsim --rate 40 --schedule $s --requests 12 -q -o "$T/r.csv" "$T/c.csv"
	sch=$(vals "$T/r.csv" schedule | sort -u)
	[ "$(rows "$T/r.csv")" -eq 12 ] && [ "$sch" = $s ] && ordered "$T/r.csv" && ok "rate $s: 12 rows" || nok "rate $s: 12 rows"
done
# Constant at 40/s: sends 25 ms apart on schedule.
first=$(vals "$T/r.csv" t_scheduled_ns | sort -n | head -1)
last=$(vals "$T/r.csv" t_scheduled_ns | sort -n | tail -1)
[ $(( (last - first) / 1000000 )) -eq 275 ] && ok "constant rate: scheduled 25 ms apart" || nok "constant rate: scheduled 25 ms apart" "$first $last"
# Shards of a rate share one schedule of the whole rate, each taking
# every N-th arrival: at 40/s constant, two shards of 6 send 50 ms apart
# each (each sent the whole 40/s before, 25 ms apart: together twice the
# rate). With Poisson arrivals the two shards' offsets differ, and each
# is every other one of the unsharded schedule's (same seed).
for i in 0 1; do
	llmrun --url "$URL" --model llmsim --rate 40 --schedule constant --requests 6 --shard $i/2 -q -o "$T/sh$i.csv" "$T/c.csv"
done
gaps() { vals "$1" t_scheduled_ns | sort -n | awk 'NR > 1 { printf "%d ", ($1 - p + 500000) / 1000000 } { p = $1 }'; }
[ "$(gaps "$T/sh0.csv")" = "50 50 50 50 50 " ] && [ "$(gaps "$T/sh1.csv")" = "50 50 50 50 50 " ] &&
	ok "shards of a constant rate: 50 ms apart each, together 40/s" ||
	nok "shards of a constant rate: 50 ms apart each, together 40/s" "shard 0: $(gaps "$T/sh0.csv"); shard 1: $(gaps "$T/sh1.csv")"
llmrun --url "$URL" --model llmsim --rate 40 --requests 12 --seed 7 -q -o "$T/psh.csv" "$T/c.csv"
for i in 0 1; do
	llmrun --url "$URL" --model llmsim --rate 40 --requests 6 --seed 7 --shard $i/2 -q -o "$T/psh$i.csv" "$T/c.csv"
done
# The gaps (ns) between the arrivals I, I+K, I+2K, ... of a file; same()
# compares two such lists to 1 us (each file's wall clock anchor rounds).
every() { vals "$1" t_scheduled_ns | sort -n | awk -v k="$2" -v s="$3" '{ d[NR] = $1 } END { n = 0; for (i = 1; i <= NR; i++) if ((i - 1) % k == s) { if (n++) printf "%d ", d[i] - p; p = d[i] } }'; }
same() { awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); if (n != split(b, y, " ") || n == 0) exit 1
	for (i = 1; i <= n; i++) if (x[i] - y[i] > 1000 || y[i] - x[i] > 1000) exit 1 }'; }
if same "$(every "$T/psh.csv" 2 0)" "$(every "$T/psh0.csv" 1 0)" && same "$(every "$T/psh.csv" 2 1)" "$(every "$T/psh1.csv" 1 0)" &&
	! same "$(every "$T/psh0.csv" 1 0)" "$(every "$T/psh1.csv" 1 0)"; then
	ok "shards of a Poisson rate: every other arrival of the whole schedule each"
else
	nok "shards of a Poisson rate: every other arrival of the whole schedule each" \
		"whole: $(every "$T/psh.csv" 2 0) / $(every "$T/psh.csv" 2 1); shards: $(every "$T/psh0.csv" 1 0) / $(every "$T/psh1.csv" 1 0)"
fi
# A bare --preconnect with --max-concurrency C opens C connections before
# a rate step (it opened none): the first requests find them.
llmrun --url "$URL" --model llmsim --rate 200 --max-concurrency 3 --preconnect --requests 3 -q -o "$T/pc.csv" "$T/c.csv"
[ "$(vals "$T/pc.csv" conn_reused | tr -d '\n')" = 111 ] && ok "--preconnect --max-concurrency 3: 3 connections before a rate step" ||
	nok "--preconnect --max-concurrency 3: 3 connections before a rate step" "conn_reused: $(vals "$T/pc.csv" conn_reused | tr '\n' ' ')"
# --requests with --duration: the first limit reached ends a rate step, as
# a batch step (--requests was dropped: 113 rows for 10).
llmrun --url "$URL" --model llmsim --rate 50 --requests 10 --duration 2 -q -o "$T/rd.csv" "$T/c.csv"
[ "$(rows "$T/rd.csv")" -eq 10 ] && ok "--rate with --requests and --duration: the requests' limit first" ||
	nok "--rate with --requests and --duration: the requests' limit first" "$(rows "$T/rd.csv") rows"
llmrun --url "$URL" --model llmsim --rate 20 --burstiness 0.5 --duration 0.5 -q -o "$T/g.csv" "$T/c.csv"
[ "$(vals "$T/g.csv" schedule | sort -u)" = gamma ] && ok "burstiness gives gamma arrivals" || nok "burstiness gives gamma arrivals"
llmrun --url "$URL" --model llmsim --ramp linear:10:50 --requests 15 -o "$T/rp.csv" "$T/c.csv" 2>"$T/rp.err"
grep -q "^llmrun: ramp=linear:10:50: 15 requests" "$T/rp.err" && ok "a ramp's summary is labelled with its span" ||
	nok "a ramp's summary is labelled with its span" "$(head -1 "$T/rp.err")"
[ "$(rows "$T/rp.csv")" -eq 15 ] && ok "ramp: 15 rows" || nok "ramp: 15 rows"
# Its rows say it was a ramp, so it is not pooled with a flat step at the
# rate it ends at (both were step 50, schedule poisson: one group).
llmrun --url "$URL" --model llmsim --rate 50 --requests 15 -q -o "$T/flat.csv" "$T/c.csv"
[ "$(vals "$T/rp.csv" schedule | sort -u)" = poisson-ramp ] &&
	llmanalyze --pool-runs -c requests "$T/rp.csv" "$T/flat.csv" >"$T/pool.csv" &&
	grep -q ',poisson-ramp,50,' "$T/pool.csv" && grep -q ',poisson,50,' "$T/pool.csv" &&
	ok "ramp rows: schedule poisson-ramp, another group than a flat rate" ||
	nok "ramp rows: schedule poisson-ramp, another group than a flat rate" "$(vals "$T/rp.csv" schedule | sort -u); $(llmanalyze --pool-runs -c requests "$T/rp.csv" "$T/flat.csv")"
printf 'id,prompt,arrival_s,output_tokens\na,one,0.4,8\nb,two,0,8\nc,three,0.2,8\n' >"$T/trace.csv"
llmrun --url "$URL" --model llmsim --trace --time-scale 2 -q -o "$T/t.csv" "$T/trace.csv"
order=$(vals "$T/t.csv" row_id | tr -d '\n')
sch=$(vals "$T/t.csv" t_scheduled_ns | sort -n | tr '\n' ' ')
gap=$(echo "$sch" | awk '{ printf "%d", ($3 - $1) / 1000000 }')
[ "$(vals "$T/t.csv" seq | tr -d '\n')" = 012 ] && [ "$gap" -eq 200 ] && ok "trace: rows at arrival_s / time-scale" || nok "trace: rows at arrival_s / time-scale" "$order $sch"
# A trace's step is 0: the table says it is a trace (step_kind shown).
llmanalyze -c requests "$T/t.csv" >"$T/tt.csv"
[ "$(cut -d, -f4,5 "$T/tt.csv" | tr '\n' ' ')" = "step_kind,step trace,0 " ] &&
	ok "trace alone: the table shows step_kind trace" || nok "trace alone: the table shows step_kind trace" "$(cat "$T/tt.csv")"
# The open loop's plan (t_scheduled, client_lag_ms's start) on llmsim's
# clock, over the constant, gamma, ramp and trace runs above (plancheck):
# no request arrived before it was due, and arrived_ns - t_scheduled (the
# client's lag and the send's, with a connect: these runs open their
# connections as they go) is under 3 ms at the median (ASan 10; 0.3 ms
# here). Each side fails when the plan moves: 10 us past the earliest
# arrival after its due time, or twice the bound earlier.
case ${BUILD:-build} in *asan*) pb=10 ;; *) pb=3 ;; esac
if out=$(plancheck "open loop" $pb "$T/truth.jsonl" "$T/r.csv" "$T/g.csv" "$T/rp.csv" "$T/t.csv"); then
	echo "$out"; ok "open loop: no request arrived before its t_scheduled, p50 after it < $pb ms"
else
	nok "open loop: no request arrived before its t_scheduled, p50 after it < $pb ms" "$out"
fi
late=$(q 0 p "$T/plan" | awk '{ printf "%d", $1 * 1e6 + 10000 }')
for f in r g rp t; do
	shifted $f t_scheduled_ns "$late" plan_late_$f
	shifted $f t_scheduled_ns $((pb * -2000000)) plan_early_$f
done
fails "plancheck fails on a plan 10 us past the earliest arrival" \
	plancheck "late" $pb "$T/truth.jsonl" "$T"/plan_late_*.csv
fails "plancheck fails on a plan $((pb * 2)) ms earlier" \
	plancheck "early" $pb "$T/truth.jsonl" "$T"/plan_early_*.csv

# --duration on a closed loop; --no-keepalive still completes every request.
llmrun --url "$URL" --model llmsim --batch-sizes 2 --duration 0.5 --no-keepalive -q -o "$T/du.csv" "$T/c.csv"
n=$(rows "$T/du.csv")
[ "$n" -ge 2 ] && [ "$(vals "$T/du.csv" status | sort -u)" = ok ] && ok "--duration with --no-keepalive: $n ok rows" || nok "--duration with --no-keepalive" "$n rows"
# --http2 over http:// still works with a server that speaks only HTTP/1.1.
llmrun --url "$URL" --model llmsim --http2 --requests 3 -q -o "$T/h2.csv" "$T/c.csv"
[ "$(vals "$T/h2.csv" status | sort -u)" = ok ] && ok "--http2 falls back to HTTP/1.1" || nok "--http2 falls back to HTTP/1.1" "$(cat "$T/h2.csv")"
# The progress line is drawn on a terminal only.
if command -v script >/dev/null 2>&1; then
	script -qec "llmrun --url $URL --model llmsim --batch-sizes 1 --requests 12 --max-tokens 200 --ignore-eos -o $T/p.csv $T/c.csv" /dev/null >"$T/tty.out" 2>&1
	grep -q 'batch=1: [0-9]*/12' "$T/tty.out" && ok "progress line on a terminal" || nok "progress line on a terminal" "$(tr '\r' '\n' <"$T/tty.out" | head -5)"
	llmrun --url "$URL" --model llmsim --batch-sizes 1 --requests 12 --max-tokens 200 --ignore-eos -o "$T/p.csv" "$T/c.csv" 2>"$T/notty.err"
	grep -q 'batch=1: 12 requests' "$T/notty.err" && ! grep -q 'batch=1: [0-9]*/12' "$T/notty.err" &&
		ok "no progress line when not a terminal" || nok "no progress line when not a terminal" "$(cat "$T/notty.err")"
fi

# --targets: the same study against each row in turn.
printf 'name,url,model,api,extra_body\nchat,%s,llmsim,openai-chat,\ncompl,%s,llmsim,openai-completions,"{""temperature"": 0}"\n' "$URL" "$URL" >"$T/targets.csv"
llmrun --targets "$T/targets.csv" --requests 3 -q -o "$T/tg.csv" "$T/c.csv"
tg=$(awk -F, -v t="$(col "$T/tg.csv" target)" -v a="$(col "$T/tg.csv" api)" -v s="$(col "$T/tg.csv" status)" \
	'NR > 1 && $s == "ok" { print $t "/" $a }' "$T/tg.csv" | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
[ "$tg" = "chat/openai-chat:3 compl/openai-completions:3 " ] && ok "--targets runs each target" || nok "--targets runs each target" "$tg"

# A max_tokens of --extra-body is the one sent, and the row's max_tokens
# says so (until 2026-12-07 it said the corpus's 24 where 5 went out, and
# llmanalyze noted outputs that "ended early").
llmrun --url "$URL" --model llmsim --requests 4 -q --extra-body '{"max_tokens": 5}' -o "$T/xm.csv" "$T/c.csv"
[ "$(vals "$T/xm.csv" max_tokens | sort -u)" = 5 ] && [ "$(vals "$T/xm.csv" output_tokens | sort -u)" = 5 ] &&
	ok "--extra-body max_tokens: the row's max_tokens is the one sent" ||
	nok "--extra-body max_tokens: the row's max_tokens is the one sent" "$(vals "$T/xm.csv" max_tokens | tr '\n' ' ')"
# Without usage from the server, -t counts the output text locally; the
# count agrees with llmsim's own (the same tokenizer made the text).
llmrun --url "$URL" --model llmsim --requests 4 -t cl100k_base -q \
	--extra-body '{"stream_options": {"include_usage": false}}' -o "$T/tk.csv" "$T/c.csv"
src=$(vals "$T/tk.csv" output_tokens_source | sort -u)
bad=0
for id in $(vals "$T/tk.csv" response_id); do
	want=$(grep "\"$id\"" "$T/truth.jsonl" | sed 's/.*"completion_tokens": *\([0-9]*\).*/\1/')
	got=$(awk -F, -v i="$(col "$T/tk.csv" response_id)" -v o="$(col "$T/tk.csv" output_tokens)" -v id="$id" '$i == id { print $o }' "$T/tk.csv")
	[ "$want" = "$got" ] || bad=$((bad + 1))
done
[ "$src" = tokenizer ] && [ $bad -eq 0 ] && ok "-t counts output tokens when usage is missing" || nok "-t counts output tokens when usage is missing" "source $src, $bad differ"
# ... and the prompt, with --system's text, each counted as llmgen counts it.
llmrun --url "$URL" --model llmsim --requests 4 -t cl100k_base -q --system 'Answer briefly.' \
	--extra-body '{"stream_options": {"include_usage": false}}' -o "$T/ti.csv" "$T/c.csv"
src=$(vals "$T/ti.csv" input_tokens_source | sort -u)
sys=$(printf 'Answer briefly.' | llmgen count -t cl100k_base)
bad=0
for i in 1 2 3 4; do
	want=$(($(printf 'prompt number %d about the weather' $i | llmgen count -t cl100k_base) + sys))
	got=$(awk -F, -v r="$(col "$T/ti.csv" row_id)" -v n="$(col "$T/ti.csv" input_tokens)" -v id="r$i" '$r == id { print $n }' "$T/ti.csv")
	[ "$want" = "$got" ] || bad=$((bad + 1))
done
[ "$src" = tokenizer ] && [ $bad -eq 0 ] && ok "-t counts the prompt and system text when usage is missing" || nok "-t counts the prompt and system text when usage is missing" "source $src, $bad differ"

# Every fault ends as one row of its class; counts agree with the truth log.
rm -f "$T/ft.jsonl"
start_sim --time-scale 20 --truth "$T/ft.jsonl" --fail-rate 0.1 --rate-limit-rate 0.1 \
	--disconnect-rate 0.1 --stall-rate 0.1 --stall-ms 5000 --garbage-rate 0.1 --error-event-rate 0.1
llmrun --url "$URL" --model llmsim --no-probe --batch-sizes 8 --timeout 1.5 -q -o "$T/fa.csv" "$T/c.csv"
stop_sim
[ "$(rows "$T/fa.csv")" -eq 40 ] && [ "$(wc -l <"$T/ft.jsonl")" -eq 40 ] && ok "faults: 40 requests, 40 rows, 40 truth lines" || nok "faults: 40 requests, 40 rows, 40 truth lines" "$(rows "$T/fa.csv") rows"
tf() { grep -c "\"fault\": *\"$1\"" "$T/ft.jsonl"; }
rc_of() { awk -F, -v s="$(col "$T/fa.csv" status)" -v h="$(col "$T/fa.csv" http_status)" -v c="$1" -v w="$2" \
	'NR > 1 && $s == c && (w == "" || $h == w) { n++ } END { print n + 0 }' "$T/fa.csv"; }
for pair in fail:http_5xx:500 rate_limit:rate_limited:429 disconnect:disconnect: stall:timeout: garbage:bad_stream: error_event:http_5xx:200 none:ok:; do
	f=${pair%%:*}; rest=${pair#*:}; c=${rest%%:*}; h=${rest#*:}
	want=$(tf "$f"); got=$(rc_of "$c" "$h")
	[ "$want" -eq "$got" ] && ok "fault $f: $want rows of class $c" || nok "fault $f: $want rows of class $c" "got $got"
done
[ "$(tf none)" -lt 40 ] && ok "faults were injected" || nok "faults were injected"

# SIGINT: in-flight requests end as cancelled rows; --drain waits for them.
start_sim --time-scale 1
llmrun --url "$URL" --model llmsim --batch-sizes 3 --requests 6 --max-tokens 1000 --ignore-eos -q -o "$T/i.csv" "$T/c.csv" &
p=$!; sleep 1; kill -INT $p; wait $p; rc=$?
[ $rc -eq 130 ] && [ "$(rows "$T/i.csv")" -eq 3 ] && [ "$(vals "$T/i.csv" status | sort -u)" = cancelled ] &&
	ok "SIGINT: exit 130, 3 cancelled rows" || nok "SIGINT: exit 130, 3 cancelled rows" "exit $rc $(cat "$T/i.csv")"
grep -q '"interrupted": true' "$T/i.csv.meta.json" && ok "SIGINT: meta says interrupted" || nok "SIGINT: meta says interrupted"
# SIGHUP (the terminal or ssh session closed) stops a run as SIGINT does;
# it killed llmrun at once, without cancelled rows or an end marker.
llmrun --url "$URL" --model llmsim --batch-sizes 3 --requests 6 --max-tokens 1000 --ignore-eos -q -o "$T/h.csv" "$T/c.csv" &
p=$!; sleep 1; kill -HUP $p; wait $p; rc=$?
[ $rc -eq 130 ] && [ "$(rows "$T/h.csv")" -eq 3 ] && [ "$(vals "$T/h.csv" status | sort -u)" = cancelled ] &&
	grep -q '"interrupted": true' "$T/h.csv.meta.json" &&
	ok "SIGHUP: exit 130, 3 cancelled rows, meta says interrupted" || nok "SIGHUP: exit 130, 3 cancelled rows, meta says interrupted" "exit $rc $(cat "$T/h.csv")"
# llmanalyze says so without naming Ctrl-C (it said "(Ctrl-C): its last
# step is partial" whatever the signal, and when every step was whole).
llmanalyze -o /dev/null "$T/h.csv" 2>"$T/h.err"
grep -q "was interrupted (SIGINT, SIGTERM or SIGHUP): its last step may be partial" "$T/h.err" &&
	ok "llmanalyze on an interrupted run: says so, for any of the signals" || nok "llmanalyze on an interrupted run: says so" "$(cat "$T/h.err")"
llmrun --url "$URL" --model llmsim --batch-sizes 2 --requests 6 --max-tokens 100 --ignore-eos --drain -q -o "$T/d.csv" "$T/c.csv" &
p=$!; sleep 0.3; kill -INT $p; wait $p; rc=$?
[ $rc -eq 130 ] && [ "$(rows "$T/d.csv")" -eq 2 ] && [ "$(vals "$T/d.csv" status | sort -u)" = ok ] &&
	ok "SIGINT with --drain: the 2 in flight finish ok" || nok "SIGINT with --drain: the 2 in flight finish ok" "exit $rc $(cat "$T/d.csv")"
# kill -9: every row written so far is whole and on disk.
llmrun --url "$URL" --model llmsim --batch-sizes 1 --requests 40 --max-tokens 20 -q -o "$T/k.csv" "$T/c.csv" &
p=$!; sleep 1.5; kill -9 $p; wait $p 2>/dev/null
n=$(rows "$T/k.csv")
if [ "$n" -ge 1 ] && [ "$(tail -c 1 "$T/k.csv" | od -An -c | tr -d ' ')" = '\n' ] &&
	[ "$(vals "$T/k.csv" status | sort -u)" = ok ]; then ok "kill -9: $n whole rows on disk"; else nok "kill -9: whole rows on disk" "$n rows"; fi

# Credentials in the URL (user:password, a secret-looking query value)
# are sent, but shown nowhere: not in the note on the cut-off path, the
# metadata, the rows, the scraped metrics, nor a failing probe's error.
SURL="http://user:pw-SECRET-80@${URL#http://}/v1/chat/completions?api-version=1&api-key=SECRET-81"
llmrun --url "$SURL" --model llmsim --requests 2 --max-tokens 4 --scrape -o "$T/cred.csv" "$T/c.csv" 2>"$T/cred.err"
rc=$?
if [ $rc -eq 0 ] && [ "$(vals "$T/cred.csv" status | sort -u)" = ok ] &&
	grep -qF "using the base URL http://[redacted]@${URL#http://}?api-version=1&api-key=[redacted] (llmrun appends" "$T/cred.err" &&
	grep -qF "\"http://[redacted]@${URL#http://}?api-version=1&api-key=[redacted]\"" "$T/cred.csv.meta.json" &&
	! grep -q SECRET "$T/cred.csv" "$T/cred.csv.meta.json" "$T/cred.err" "$T/cred.csv.metrics.csv"; then
	ok "credentials in the URL: the run works, and they are shown as [redacted]"
else
	nok "credentials in the URL: the run works, and they are shown as [redacted]" "exit $rc; $(cat "$T/cred.err"; grep -h SECRET "$T/cred.csv.meta.json")"
fi
llmrun --url "http://user:pw-SECRET-82@127.0.0.1:1/v1?token=SECRET-83" --requests 1 -o "$T/cred2.csv" "$T/c.csv" 2>"$T/cred2.err"
rc=$?
if [ $rc -eq 69 ] && grep -qF "http://[redacted]@127.0.0.1:1/v1/models?token=[redacted]" "$T/cred2.err" &&
	! grep -q SECRET "$T/cred2.err"; then
	ok "credentials in the URL: a failing probe's error shows them as [redacted]"
else
	nok "credentials in the URL: a failing probe's error shows them as [redacted]" "exit $rc; $(cat "$T/cred2.err")"
fi

# The key never appears anywhere.
OPENAI_API_KEY=sk-e2e-SECRET-77 llmrun --url "$URL" --model llmsim --requests 2 --show-samples 2 \
	-H 'Authorization: Bearer sk-hdr-SECRET-78' -o "$T/s.csv" "$T/c.csv" 2>"$T/s.err"
stop_sim
if grep -q SECRET "$T/s.csv" "$T/s.csv.meta.json" "$T/s.err" "$T/sim.err"; then nok "the API key appears in no output"; else ok "the API key appears in no output"; fi
grep -q 'sample 2' "$T/s.err" && ok "--show-samples prints samples" || nok "--show-samples prints samples"
# ... each with its row's gen_tok_per_s (it divided all the tokens, the
# first too, by the time after the first: 11% more).
spd=$(python3 - "$T/s.csv" "$T/s.err" <<'PY'
import csv, re, sys
rows = {r["row_id"]: r["gen_tok_per_s"] for r in csv.DictReader(open(sys.argv[1]))}
for m in re.finditer(r"sample \d+ \(row (\S+)\):.*, ([0-9.]+) tok/s", open(sys.argv[2]).read()):
    print("%s %s %.1f" % (m.group(1), m.group(2), float(rows[m.group(1)])))
PY
)
# (to 0.2 tok/s: the sample rounds a speed from ns stamps, the column one
# from the row's rounded times; the old formula was 11% off)
[ "$(echo "$spd" | awk 'NF == 3 && $2 - $3 <= 0.2 && $3 - $2 <= 0.2 { n++ } END { print n + 0 }')" = 2 ] &&
	ok "--show-samples: each sample's tok/s is its row's gen_tok_per_s" ||
	nok "--show-samples: each sample's tok/s is its row's gen_tok_per_s" "row, sample, column: $spd"

# Timing truth (tests/e2e/truth.lib): every chunk is seen after llmsim
# handed it to the socket, chunk counts agree, and the measured TTFT (at
# p95, and within 50 ms at p99: run_send_truth.sh says why) and chunk
# times (at p99) are within 1 ms of the truth (the precise figures come
# from make bench), at 1 stream and at 1,000 concurrent streams; under
# ASan 5 ms (100 ms). The figures compare each stamp with the newest chunk
# it was read with and leave out chunks llmsim flags as held: when llmrun
# falls behind its sockets the kernel merges their chunks under the newest
# one's stamp (docs/llmrun.md, "The late first chunks"), which the raw
# figures, printed too, show as 35-190 ms on a loaded 2-core machine.
# There the bounded ones are 0.02-0.04 ms; quiet, 0.005-0.04 ms. At 1
# stream at most half the first tokens may be merged (a client that
# stamped whole responses at once fails it), and the raw chunk figure's
# p99 is bounded too (RAW_CHUNK_MS: 0.03 ms quiet; a client that stamped
# every later chunk with the last one's arrival, 90 ms, passed the rest).
# Every request must be ok: the figures are over ok rows alone.
case ${BUILD:-build} in *asan*) tb=5 cb=5 gross=100 raw=50 ;; *) tb=1 cb=1 gross=50 raw=25 ;; esac
rm -f "$T/tt.jsonl"
start_sim --truth "$T/tt.jsonl" --max-num-seqs 1000
llmrun --url "$URL" --model llmsim --batch-sizes 1 --requests 20 --max-tokens 16 --ignore-eos -q -o "$T/t1.csv" "$T/c.csv"
llmrun --url "$URL" --model llmsim --batch-sizes 1000 --requests 1000 --max-tokens 16 --ignore-eos -q -o "$T/t2.csv" "$T/c.csv"
stop_sim
if out=$(TTFT_GROSS_MS=$gross MERGED_MAX_PCT=50 RAW_CHUNK_MS=$raw truthcheck "$T/t1.csv" "$T/tt.jsonl" "1 stream" $tb $cb); then echo "$out"; ok "timing truth at 1 stream"; else nok "timing truth at 1 stream" "$out"; fi
if out=$(TTFT_GROSS_MS=$gross truthcheck "$T/t2.csv" "$T/tt.jsonl" "1000 streams" $tb $cb); then echo "$out"; ok "timing truth at 1,000 streams"; else nok "timing truth at 1,000 streams" "$out"; fi

# Merged first tokens (ttft_merged). With llmsim's steps back to back a
# stream's first chunks come microseconds apart and are read together,
# under one stamp: llmrun flags them, its step summary and llmanalyze say
# how many, and truthcheck holds each flag to the truth (a shared stamp is
# never before the second chunk was written), here and in every run
# above. The same loop once waited 200 ms for responses that ended inside
# libcurl's start of the next request (client lag p99 205 ms here).
rm -f "$T/zl.jsonl"
start_sim --truth "$T/zl.jsonl" --zero-latency
llmrun --url "$URL" --model llmsim --batch-sizes 8 --requests 16 --max-tokens 10 --ignore-eos \
	-o "$T/zl.csv" "$T/c.csv" 2>"$T/zl.err"
stop_sim
fl=$(vals "$T/zl.csv" ttft_merged | grep -c 1)
lag=$(sed -n 's/.*client lag p50 [0-9.]* ms, p99 \([0-9.]*\) ms.*/\1/p' "$T/zl.err")
if out=$(truthcheck "$T/zl.csv" "$T/zl.jsonl" "zero latency") && [ "$fl" -ge 1 ] &&
	grep -q "batch=8: $fl of 16 first tokens came in one buffer with the next chunk (ttft_merged)" "$T/zl.err" &&
	llmanalyze -q --by step --format md "$T/zl.csv" | grep -q "$fl of 16 first tokens came in one buffer with the next chunk"; then
	echo "$out"; ok "ttft_merged: $fl first tokens read with the next chunk flagged, summed up, and true"
else
	nok "ttft_merged: first tokens read with the next chunk flagged, summed up, and true" "$fl flagged: $out $(cat "$T/zl.err")"
fi
case ${BUILD:-build} in *asan*) lb=50 ;; *) lb=20 ;; esac
awk -v l="${lag:-999}" -v b=$lb 'BEGIN { exit !(l < b) }' && ok "responses done at once free their slots at once (client lag p99 $lag ms)" ||
	nok "responses done at once free their slots at once" "client lag p99 $lag ms, bound $lb: $(cat "$T/zl.err")"
# That lag's two ends on llmsim's clock: each send stamped no later than
# its request arrived and at most $sb ms before at p99 (sendcheck), each
# slot due no earlier than a response's end was written and at most $lb
# ms after at p99 (schedcheck). A loop that stamped its sends early or
# its slot ends late would report a lag shorter than the true one.
if out=$(sendcheck "$T/zl.csv" "$T/zl.jsonl" "zero latency" "" $sb) &&
	out="$out $(schedcheck "$T/zl.csv" "$T/zl.jsonl" "zero latency" $lb)"; then
	echo "$out"; ok "zero latency: the client lag's ends on llmsim's clock (sends, slot ends)"
else
	nok "zero latency: the client lag's ends on llmsim's clock (sends, slot ends)" "$out"
fi

# A soft limit of 1,024 descriptors (a common default) and 1,100 streams:
# both programs raise it to the hard limit, and every request is ok (the
# 1,025th connect failed, and was counted as the server refusing it).
stop_sim
start_sim --zero-latency --max-connections 2000
(ulimit -Sn 1024 && llmrun --url "$URL" --model llmsim --no-probe --batch-sizes 1100 --requests 1100 --max-tokens 2 \
	-q -o "$T/fd.csv" "$T/c.csv") 2>"$T/fd.err"
rc=$?
stop_sim
n=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") s = i; next } $s == "ok" { n++ } END { print n + 0 }' "$T/fd.csv")
[ $rc -eq 0 ] && [ "$n" -eq 1100 ] && ok "1,100 streams under a soft limit of 1,024 descriptors: all ok" ||
	nok "1,100 streams under a soft limit of 1,024 descriptors: all ok" "exit $rc, $n ok: $(cat "$T/fd.err")"

# Every results file of this script: chunk stamps never go back.
monoall "$T"
