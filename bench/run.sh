#!/bin/sh
# llmrun's client cost against llmsim, beside curl -Z (curl's own parallel
# mode, libcurl underneath) on the same streams in the same run:
#   paced:   256 streams, one token per chunk, a chunk every 10 ms
#            (llmsim with a fixed 10 ms step) - the figure that counts;
#   unpaced: the same with --zero-latency, for information only;
#   requests: short requests against a zero-latency llmsim, requests per
#            CPU-second: the cost of a request's start and end;
#   memory:  llmrun's peak RSS at 1,000 and 5,000 concurrent streams.
# Also TTFT against llmsim's truth log at 1,000 streams, a chunk every 20 ms,
# and the send side: TTFT from the request's arrival at llmsim (both sides
# counted), how long after llmrun's t_sent it arrived, and llmrun's lag
# behind the schedule.
# Prints chunks per client CPU-second and the ratio.
# PARTS picks what runs (default all): cpu requests memory truth send.
# ROUNDS=N runs the paced regime N times (default 1), llmrun and curl -Z
# in turn, and prints the medians: on a shared machine one run says little.
# OTHER=PATH runs that llmrun too in each round (before/after a change, on
# the same streams under the same load).
set -u
PARTS=${PARTS:-cpu requests memory truth send}
ROUNDS=${ROUNDS:-1}
OTHER=${OTHER:-}
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
. tests/e2e/truth.lib # truth_diffs, send_diffs, q
: "${BUILD:=build}"
BIN=$BUILD/bin
T=$(mktemp -d)
SIMPID=
trap '[ -n "$SIMPID" ] && kill $SIMPID 2>/dev/null; rm -rf "$T"' EXIT
STREAMS=${STREAMS:-256}
TOKENS=${TOKENS:-400}

start_sim() {
	[ -n "$SIMPID" ] && kill $SIMPID 2>/dev/null && wait $SIMPID 2>/dev/null
	rm -f "$T/url"
	${SIM_PIN:-} "$BIN/llmsim" --port 0 --max-num-seqs 6000 --kv-tokens 100000000 \
		--max-batched-tokens 1000000 --max-connections 20000 "$@" >"$T/url" 2>"$T/sim.err" &
	SIMPID=$!
	i=0
	while [ ! -s "$T/url" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	URL=$(head -1 "$T/url")
	[ -n "$URL" ] || { echo "bench/run.sh: llmsim did not start: $(cat "$T/sim.err")" >&2; exit 1; }
}
# A step of exactly STEP ms whatever the batch: only the weight-read floor.
fixed_step() { echo "--t0-ms 0 --tw-ms $1 --c-lin-us 0 --c-kv-ns 0 --c-attn-ns 0 --step-cv 0"; }

printf 'id,prompt\n' >"$T/c.csv"
for i in $(seq 1 64); do echo "$i,tell me about item $i" >>"$T/c.csv"; done
printf '{"model":"llmsim","messages":[{"role":"user","content":"tell me about item 1"}],"max_tokens":%d,"ignore_eos":true,"stream":true}' \
	"$TOKENS" >"$T/body.json"

# cpu SECONDS of a command: user + system, from GNU time.
cpu_of() { awk '{ print $1 + $2 }' "$1"; }
rss_of() { awk '{ print $3 }' "$1"; }

# Every run's chunk stamps must never go back (chunkmono, truth.lib):
# a benchmark figure from a run that broke that would not count.
LLMRUN=$BIN/llmrun
llmrun_run() { # streams tokens [extra args]; REQS requests (default streams); LOAD (default --batch-sizes streams)
	n=$1; tok=$2; shift 2
	/usr/bin/time -f '%U %S %M' -o "$T/time" ${PRIO:-} "$LLMRUN" --url "$URL" --model llmsim \
		--no-probe ${LOAD:---batch-sizes $n} --requests "${REQS:-$n}" --max-tokens "$tok" --ignore-eos -q "$@" \
		-o "$T/r.csv" "$T/c.csv" || exit 1
	chunkmono "$T/r.csv" >&2 || { echo "bench/run.sh: chunk stamps went back" >&2; exit 1; }
}
curl_run() { # streams
	: >"$T/curl.cfg"
	for i in $(seq 1 "$1"); do printf 'url = "%s/v1/chat/completions"\noutput = "/dev/null"\n' "$URL" >>"$T/curl.cfg"; done
	/usr/bin/time -f '%U %S %M' -o "$T/time" curl -s --no-progress-meter -Z --parallel-max "$1" --parallel-immediate \
		-H 'Content-Type: application/json' -d @"$T/body.json" -K "$T/curl.cfg" >/dev/null 2>"$T/curl.err" || { echo "curl failed: $(tail -3 "$T/curl.err")" >&2; exit 1; }
}
chunks() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "chunks") c = i; next } { s += $c } END { print s }' "$T/r.csv"; }

# name, llmrun's extra arguments, whether to run curl -Z again (new) or
# take its figure from the regime before (same, on the same streams),
# then llmsim's arguments.
regime() {
	name=$1; runargs=$2; curl=$3; shift 3
	start_sim "$@"
	llmrun_run "$STREAMS" "$TOKENS" $runargs
	lc=$(chunks); lcpu=$(cpu_of "$T/time")
	if [ "$curl" = new ]; then
		curl_run "$STREAMS"
		ccpu=$(cpu_of "$T/time")
	fi
	# curl gets the same streams: STREAMS x TOKENS chunks.
	cc=$((STREAMS * TOKENS))
	awk -v n="$name" -v lc="$lc" -v lcpu="$lcpu" -v cc="$cc" -v ccpu="$ccpu" 'BEGIN {
		l = lc / (lcpu > 0 ? lcpu : 0.001); c = cc / (ccpu > 0 ? ccpu : 0.001)
		printf "%-10s llmrun %d chunks in %.2f CPU-s = %.0f chunks/CPU-s; curl -Z %d chunks in %.2f CPU-s = %.0f chunks/CPU-s; ratio %.2f\n",
			n, lc, lcpu, l, cc, ccpu, c, l / c }'
}

# med FILE: the median of the numbers in FILE.
# The median of FILE's numbers: the mean of the two middle ones when even.
med() { sort -g "$1" | awk '{ d[NR] = $1 } END { print !NR ? 0 : NR % 2 ? d[(NR + 1) / 2] : (d[NR / 2] + d[NR / 2 + 1]) / 2 }'; }

# The paced regime ROUNDS times; each round runs llmrun (and OTHER), then
# curl -Z, on the same llmsim; the ratio is taken within the round.
paced_rounds() {
	: >"$T/rounds"
	for r in $(seq 1 "$ROUNDS"); do
		for who in llmrun ${OTHER:+other}; do
			LLMRUN=$BIN/llmrun
			[ "$who" = other ] && LLMRUN=$OTHER
			start_sim $(fixed_step 10) --jitter-us 10000
			llmrun_run "$STREAMS" "$TOKENS"
			echo "$who $(chunks) $(cpu_of "$T/time")" >>"$T/rounds"
		done
		LLMRUN=$BIN/llmrun
		curl_run "$STREAMS"
		echo "curl $((STREAMS * TOKENS)) $(cpu_of "$T/time")" >>"$T/rounds"
	done
	for who in llmrun ${OTHER:+other}; do
		awk -v w="$who" '$1 == w { l[++n] = $2 / ($3 > 0 ? $3 : 0.001) }
			$1 == "curl" { c[++m] = $2 / ($3 > 0 ? $3 : 0.001) }
			END { for (i = 1; i <= n; i++) printf "%.0f %.0f %.4f\n", l[i], c[i], l[i] / c[i] }' \
			"$T/rounds" >"$T/r.$who"
		cut -d' ' -f1 "$T/r.$who" >"$T/l"; cut -d' ' -f2 "$T/r.$who" >"$T/c"; cut -d' ' -f3 "$T/r.$who" >"$T/x"
		printf 'paced    %s%s, %d rounds: chunks/CPU-s median %s (%s), curl -Z median %s; ratio median %.2f (%s)\n' \
			"$who" "$([ "$who" = other ] && echo " ($OTHER)")" "$ROUNDS" "$(med "$T/l")" \
			"$(sort -g "$T/l" | tr '\n' ' ' | sed 's/ $//')" "$(med "$T/c")" "$(med "$T/x")" \
			"$(sort -g "$T/x" | awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }')"
	done
}

echo "bench/run.sh: $STREAMS streams x $TOKENS tokens, one token per chunk"
if part cpu; then
# Jitter spreads each stream's chunk over the 10 ms so a wake-up finds
# about one ready socket, as with real endpoints, not all 256 at once.
if [ "$ROUNDS" -gt 1 ] || [ -n "$OTHER" ]; then
	paced_rounds
	ccpu=$(awk '$1 == "curl" { c = $3 } END { print c }' "$T/rounds")
else
	regime paced "" new $(fixed_step 10) --jitter-us 10000
fi
# The same with chunks stamped when read: what the kernel stamps cost.
regime paced-read "--stamp read" same $(fixed_step 10) --jitter-us 10000
regime unpaced "" new --zero-latency
fi

# TTFT and chunk times against the truth at 1,000 streams, a chunk every
# 20 ms (50,000 chunks/s): all streams in lockstep, then spread by jitter.
# Each with chunks stamped by the kernel (the default) and, for comparison,
# when llmrun reads them.
truth() { # label stamp sim-args...
	label="$1, stamp $2"; stamp=$2; shift 2
	rm -f "$T/truth.jsonl"
	start_sim $(fixed_step 20) --truth "$T/truth.jsonl" "$@"
	llmrun_run 1000 50 --timeout 120 --stamp "$stamp"
	kill $SIMPID; wait $SIMPID 2>/dev/null; SIMPID=
	truth_diffs "$T/r.csv" "$T/truth.jsonl" "$T/diffs" >"$T/tcounts"
	read -r _ _ _ _ _ flagged _ <"$T/tcounts"
	for k in t c; do
		grep "^$k " "$T/diffs" | cut -d' ' -f2 | sort -n | awk -v l="$label" -v k=$k -v f="$flagged" '{ d[++n] = $1 }
		END { printf "truth    1000 streams, %s, %s - truth: p50 %.3f ms, p99 %.3f ms, max %.3f ms (%d%s)\n",
			l, k == "t" ? "TTFT  " : "chunks", d[int((n - 1) * 0.5) + 1], d[int((n - 1) * 0.99) + 1], d[n], n,
			k == "t" ? ", " f " ttft_merged" : "" }'
	done
}
if part truth; then
	for stamp in kernel read; do
		truth lockstep $stamp
		truth "jitter 20 ms" $stamp --jitter-us 20000
	done
fi

# The send side at 1,000 streams x 50 chunks/s (20 ms steps) against the
# truth's arrived_ns (after the machine's wake-up floor: wakefloor):
# TTFT error from arrival counting both sides, send lag
# (arrived - t_sent), client lag (t_sent - t_scheduled); with and without
# --preconnect. Client lag apart for the step's first 1,000 requests (all
# due at its start: they go out one after another) and for the requests
# that replace ended ones (due when their slot freed, while the other
# streams deliver 50,000 chunks/s: the target is 0.1 ms) when REQS is
# above 1,000 (the default here: 3,000). Then the same with the streams
# out of step (llmsim's --jitter-us 20000), and an open loop (as root
# also with llmrun under chrt -f 5).
lagq() { # FILE first|later: client lag p50/p99/max of rows seq < 1000 or >= 1000
	awk -F, -v w="$2" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "client_lag_ms") l = i; if ($i == "seq") s = i }; next }
		(w == "first") == ($s < 1000) && $l != "" { print $l }' "$1" | sort -g |
		awk '{ d[NR] = $1 } END { if (NR) printf "p50 %.3f ms, p99 %.3f ms, max %.3f ms (%d)", d[int((NR - 1) * 0.5) + 1], d[int((NR - 1) * 0.99) + 1], d[NR], NR; else printf "none" }'
}
# burstspan RESULTS TRUTH: burstspread's figures (truth.lib) in words.
burstspan() {
	burstspread "$1" "$2" | awk '$1 == "none" { printf "none"; exit }
		{ printf "the first 1000 arrived at llmsim over %.3f ms (p50 %.3f ms after the first; %d rows; llmsim'"'"'s clock)", $1, $2, $3 }'
}
send() { # label llmrun-args...; SEND_SIM: more llmsim arguments
	label=$1; shift
	rm -f "$T/truth.jsonl"
	start_sim $(fixed_step 20) --truth "$T/truth.jsonl" ${SEND_SIM:-}
	REQS=${SEND_REQS:-3000} llmrun_run 1000 50 --timeout 120 "$@"
	kill $SIMPID; wait $SIMPID 2>/dev/null; SIMPID=
	send_diffs "$T/r.csv" "$T/truth.jsonl" "$T/sdiffs" >"$T/scounts"
	read -r rows late unst bad _ <"$T/scounts"
	printf 'send     1000 streams, %s: TTFT error from arrival p50 %.3f ms, p99 %.3f ms; send lag p50 %.3f ms, p99 %.3f ms; client lag p99 %.3f ms; end (t_end - end_ns) p99 %.3f ms (%d rows, %d sent after arrival, %d unstamped)\n' \
		"$label" "$(q 0.5 e "$T/sdiffs")" "$(q 0.99 e "$T/sdiffs")" "$(q 0.5 s "$T/sdiffs")" \
		"$(q 0.99 s "$T/sdiffs")" "$(q 0.99 l "$T/sdiffs")" "$(q 0.99 x "$T/sdiffs")" "$rows" "$late" "$unst"
	printf 'send     1000 streams, %s: client lag of the first 1000 %s; %s; of the later ones %s; %s first tokens ttft_merged\n' \
		"$label" "$(lagq "$T/r.csv" first)" "$(burstspan "$T/r.csv" "$T/truth.jsonl")" "$(lagq "$T/r.csv" later)" \
		"$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "ttft_merged") m = i; next } m && $m == 1 { n++ } END { print m ? n + 0 : "n/a" }' "$T/r.csv")"
}
if part send; then
	# The machine's own floor first, idle: how late any process wakes
	# (bench/wakefloor.c). No client's send or read is more punctual.
	echo "send     machine floor: $("$BUILD/bench/wakefloor" 3000)"
	for who in llmrun ${OTHER:+other}; do
		LLMRUN=$BIN/llmrun
		[ "$who" = other ] && LLMRUN=$OTHER
		send "${OTHER:+$who, }preconnect" --preconnect
		send "${OTHER:+$who, }no preconnect" --no-preconnect
		# Streams out of step, as with a real server: requests end one
		# by one, not 1,000 in the same millisecond.
		SEND_SIM="--jitter-us 20000" send "${OTHER:+$who, }preconnect, jitter 20 ms" --preconnect
		# Open loop, the issue's case for "a due request on the wire
		# within 100 us": 1,000 requests/s, each 1 s long, so about
		# 1,000 streams deliver 50,000 chunks/s while sends come due one
		# by one. Client lag of the requests after the first 1,000.
		# 1,600 connections: llmsim's steps stretch to 21-30 ms at times
		# here, a request then outlasts 1.2 s, and with 1,200 the
		# streams outgrew them; each new connect slowed both programs
		# more (client lag p90 23-47 ms in such runs).
		# Then the same with llmrun first in the CPU queue (chrt, as
		# root): the tail that is left is llmrun's own, or the machine's
		# (the floor above).
		# And with --spin-us 200: the loop polls, not sleeps, before
		# each send (an OTHER without the option is skipped there).
		# Last, all three with a core each (taskset; root, 2 cores):
		# llmsim on core 0, llmrun on core 1 under chrt -f 5 with
		# --spin-us 200, the recipe for the 100 us target (docs/llmrun.md,
		# "A core of its own").
		# Each line also gives the lag on llmsim's clock: its kernel
		# stamp of the request's arrival minus t_scheduled (plancheck).
		for how in "" "chrt -f 5" "--spin-us 200" pinned; do
			prio= spin= pin=
			case $how in
			--*) spin=$how ;;
			pinned) prio="taskset -c 1 chrt -f 5" spin="--spin-us 200" pin="taskset -c 0"
				how="llmsim on core 0, llmrun on core 1, chrt -f 5, --spin-us 200" ;;
			?*) prio=$how ;;
			esac
			[ -n "$prio" ] && { [ "$(id -u)" = 0 ] && command -v chrt >/dev/null || continue; }
			[ -n "$spin" ] && { "$LLMRUN" --help | grep -q -- --spin-us || continue; }
			[ -n "$pin" ] && { [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null || continue; }
			rm -f "$T/truth.jsonl"
			SIM_PIN=$pin start_sim $(fixed_step 20) --jitter-us 20000 --truth "$T/truth.jsonl"
			PRIO=$prio LOAD="--rate 1000" REQS=4000 llmrun_run 1000 50 --timeout 120 --preconnect=1600 $spin
			kill $SIMPID; wait $SIMPID 2>/dev/null; SIMPID=
			PLAN_SEQ_FROM=1000 plancheck open 1000000 "$T/truth.jsonl" "$T/r.csv" >/dev/null
			printf 'send     open loop 1000/s, about 1000 streams%s: llmrun %s CPU-s; client lag %s; on llmsim'"'"'s clock p50 %.3f ms, p90 %.3f ms, p99 %.3f ms\n' \
				"${OTHER:+, $who}${how:+, $how}" "$(cpu_of "$T/time")" \
				"$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "client_lag_ms") l = i; if ($i == "seq") s = i }; next }
					$s >= 1000 && $l != "" { print $l }' "$T/r.csv" | sort -g |
					awk '{ d[NR] = $1 } END { if (NR) printf "p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms (%d)", d[int((NR - 1) * 0.5) + 1], d[int((NR - 1) * 0.9) + 1], d[int((NR - 1) * 0.99) + 1], d[NR], NR }')" \
				"$(q 0.5 p "$T/plan")" "$(q 0.9 p "$T/plan")" "$(q 0.99 p "$T/plan")"
		done
	done
	LLMRUN=$BIN/llmrun
fi

# Short requests one after another on 64 kept-alive connections, against
# a zero-latency llmsim: what llmrun spends per request (its start, its
# end, its row), not per chunk. 20,000 requests of 2 tokens, ROUNDS times
# (at least 3), OTHER in turn; requests per CPU-second, medians.
if part requests; then
	start_sim --zero-latency
	: >"$T/req"
	for r in $(seq 1 $((ROUNDS > 3 ? ROUNDS : 3))); do
		for who in llmrun ${OTHER:+other}; do
			LLMRUN=$BIN/llmrun
			[ "$who" = other ] && LLMRUN=$OTHER
			REQS=20000 llmrun_run 64 2
			echo "$who $(cpu_of "$T/time")" >>"$T/req"
		done
	done
	LLMRUN=$BIN/llmrun
	for who in llmrun ${OTHER:+other}; do
		awk -v w="$who" '$1 == w { printf "%.0f\n", 20000 / ($2 > 0 ? $2 : 0.001) }' "$T/req" >"$T/l"
		printf 'requests %s%s, 64 streams, 20000 requests of 2 tokens (llmsim --zero-latency): requests/CPU-s median %s (%s)\n' \
			"$who" "$([ "$who" = other ] && echo " ($OTHER)")" "$(med "$T/l")" "$(sort -g "$T/l" | tr '\n' ' ' | sed 's/ $//')"
	done
	if [ -n "$OTHER" ]; then
		# Each round's llmrun against OTHER, run right after it.
		awk '$1 == "llmrun" { l = $2 } $1 == "other" { printf "%.3f\n", $2 / (l > 0 ? l : 0.001) }' "$T/req" >"$T/x"
		printf 'requests llmrun against other in the same round (CPU ratio other/llmrun): median %s (%s)\n' \
			"$(med "$T/x")" "$(sort -g "$T/x" | tr '\n' ' ' | sed 's/ $//')"
	fi
fi

# Memory last: closing 5,000 connections leaves the kernel busy for a
# while, which showed in the next timing run (a cluster of 14 ms TTFTs).
part memory && for n in 1000 5000; do
	start_sim $(fixed_step 20)
	llmrun_run $n 100 --timeout 120
	ok=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") s = i; next } $s == "ok" { n++ } END { print n + 0 }' "$T/r.csv")
	echo "memory   $n streams: llmrun peak RSS $(rss_of "$T/time") KiB ($ok of $n ok)"
	eval "rss_$n=$(rss_of "$T/time")"
done
part memory && awk -v a="$rss_1000" -v b="$rss_5000" 'BEGIN { printf "memory   per extra in-flight stream: %.1f KiB\n", (b - a) / 4000 }'

