#!/bin/sh
# llmsim's capacity, measured from the client side with wrk (Debian's
# wrk, in DEB_PKGS): llmsim pinned to one core, wrk to another.
#  1. streamed tokens/s in --zero-latency mode, one token per chunk
#     (target 200,000): wrk's completed requests/s x tokens per request.
#  2. concurrent streams held (target 5,000): 5,000 connections each
#     streaming; llmsim's --stats line reports the requests in progress.
# Needs ulimit -n above 5,000 (raised here when the hard limit allows).
set -u
: "${BUILD:=build}"
SIM="$BUILD/bin/llmsim"
TOKDIR=${LLMBENCH_TOKENIZERS:-tokenizers}
command -v wrk >/dev/null || { echo "bench/sim.sh: wrk is missing (apt-get install wrk)"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cores=$(nproc)
pin_sim=""; pin_cli=""
if [ "$cores" -ge 2 ] && command -v taskset >/dev/null; then pin_sim="taskset -c 0"; pin_cli="taskset -c 1"; fi

start() {
	: >"$T/url"
	LLMBENCH_TOKENIZERS=$TOKDIR $pin_sim "$SIM" --port 0 "$@" >"$T/url" 2>"$T/err" &
	PID=$!
	i=0
	while [ ! -s "$T/url" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	URL=$(head -n 1 "$T/url")
	[ -n "$URL" ] || { echo "bench/sim.sh: llmsim did not start: $(cat "$T/err")"; exit 1; }
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null; }

lua() { # body
	cat >"$T/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$1'
wrk.headers["Content-Type"] = "application/json"
LUA
}

# 1. Tokens/s: 64 connections, 1,000 tokens per stream, one per chunk.
NTOK=1000
lua "{\"model\":\"llmsim\",\"prompt\":\"Benchmark\",\"max_tokens\":$NTOK,\"ignore_eos\":true,\"stream\":true}"
start --zero-latency --tokens-per-chunk 1
$pin_cli wrk -t 1 -c 64 -d 10s --timeout 30s -s "$T/post.lua" "$URL/v1/completions" >"$T/wrk1"
stop
rps=$(awk '/^Requests\/sec/ {print $2}' "$T/wrk1")
errs=$(grep -c 'Non-2xx\|Socket errors' "$T/wrk1")
tps=$(awk -v r="$rps" -v n="$NTOK" 'BEGIN {printf "%.0f", r * n}')
echo "llmsim zero-latency streaming: $tps tokens/s on one core ($rps streams/s of $NTOK one-token chunks, 64 connections; target 200000)"
[ "$errs" -eq 0 ] || { echo "bench/sim.sh: wrk saw errors:"; cat "$T/wrk1"; }

# 2. Concurrent streams: 5,000 connections, streams long enough to overlap.
C=5000
lua '{"model":"llmsim","prompt":"Hold","max_tokens":400,"ignore_eos":true,"stream":true}'
start --time-scale 4 --max-num-seqs 8192 --kv-tokens 100000000 --max-connections 20000 --stats=1
$pin_cli wrk -t 1 -c $C -d 12s --timeout 60s -s "$T/post.lua" "$URL/v1/completions" >"$T/wrk2"
stop
held=$(awk '/^llmsim: running/ {gsub(",", "", $NF); for (i = 1; i <= NF; i++) if ($(i+1) ~ /^requests/) { v = $i + 0; if (v > m) m = v } } END {print m + 0}' "$T/err")
run=$(awk '/^llmsim: running/ {v = $3; gsub(",", "", v); if (v + 0 > m) m = v + 0} END {print m + 0}' "$T/err")
e2=$(grep -E 'Non-2xx|Socket errors' "$T/wrk2" | tr -s ' ')
echo "llmsim concurrent streams: $held requests in progress at once, $run sequences running (target $C)${e2:+; wrk: $e2}"
