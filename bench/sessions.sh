#!/bin/sh
# llmrun's memory per live conversation: 1,000 concurrent conversations of
# 10 turns (llmgen --conversations, 5-token replies) against llmsim, beside
# 10,000 single-turn requests at the same concurrency. The difference in
# peak RSS, less the conversation corpus held in memory, over 1,000, is
# what a conversation costs beyond the requests in flight: its history
# array, the copies of its replies and its state. The target is under
# 64 KiB. Also checks every turn was ok, so a run that dropped turns
# cannot pass.
: "${BUILD:=build}"
BIN=$BUILD/bin
T=$(mktemp -d)
SIMPID=
trap '[ -n "$SIMPID" ] && kill $SIMPID 2>/dev/null; rm -rf "$T"' EXIT

"$BIN/llmgen" -q --conversations 1000 --turns 10 -s short-long --output-tokens 5 --seed 1 \
	-o "$T/c.csv" || exit 1
"$BIN/llmsim" --port 0 --zero-latency --max-num-seqs 2048 --kv-tokens 100000000 \
	--max-connections 20000 >"$T/url" 2>"$T/sim.err" &
SIMPID=$!
i=0
while [ ! -s "$T/url" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(head -1 "$T/url")
[ -n "$URL" ] || { echo "bench/sessions.sh: llmsim did not start: $(cat "$T/sim.err")" >&2; exit 1; }

/usr/bin/time -f '%M %e' -o "$T/conv.time" "$BIN/llmrun" --url "$URL" --model llmsim --no-probe -q \
	--batch-sizes 1000 --timeout 120 -o "$T/conv.csv" "$T/c.csv" || exit 1
/usr/bin/time -f '%M %e' -o "$T/single.time" "$BIN/llmrun" --url "$URL" --model llmsim --no-probe -q \
	--batch-sizes 1000 --requests 10000 --max-tokens 5 --timeout 120 \
	--prompt "Write a long-form article explaining food traceability systems." -o "$T/single.csv" || exit 1
ok=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") s = i; next } $s == "ok" { n++ } END { print n + 0 }' "$T/conv.csv")
[ "$ok" = 10000 ] || { echo "bench/sessions.sh: $ok of 10000 turns ok" >&2; exit 1; }
read -r conv wall <"$T/conv.time"
read -r single swall <"$T/single.time"
corpus=$(wc -c <"$T/c.csv")
awk -v c="$conv" -v s="$single" -v k="$corpus" -v w="$wall" -v sw="$swall" 'BEGIN {
	printf "sessions 1,000 x 10 turns: peak RSS %d KiB (%.1f s); 10,000 single turns: %d KiB (%.1f s)\n", c, w, s, sw
	printf "sessions per conversation beyond the corpus (%d KiB): %.1f KiB (target < 64)\n", k / 1024, (c - s - k / 1024) / 1000
	exit !((c - s - k / 1024) / 1000 < 64)
}'
