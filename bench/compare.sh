#!/bin/sh
# llmanalyze compare on two results files of a million rows each, chunk
# logs included (issue 16's target: under 10 s). The rows are those of a
# short real run against llmsim (2,000 requests of 32 tokens, so 32
# chunks a row), repeated: reading and resampling cost what they cost on
# real data. Prints wall and CPU time; fails past the target or when the
# comparison did not see the million requests on both sides.
: "${BUILD:=build}"
BIN=$BUILD/bin
T=$(mktemp -d)
SIMPID=
trap '[ -n "$SIMPID" ] && kill $SIMPID 2>/dev/null; rm -rf "$T"' EXIT

"$BIN/llmgen" -q -s short-long -n 1000 --output-tokens 32 --seed 1 -o "$T/c.csv" || exit 1
"$BIN/llmsim" --port 0 --zero-latency >"$T/url" 2>"$T/sim.err" &
SIMPID=$!
i=0
while [ ! -s "$T/url" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(head -1 "$T/url")
[ -n "$URL" ] || { echo "bench/compare.sh: llmsim did not start: $(cat "$T/sim.err")" >&2; exit 1; }
"$BIN/llmrun" --url "$URL" --model llmsim --no-probe -q --batch-sizes 8 --requests 2000 \
	--max-tokens 32 --ignore-eos -o "$T/small.csv" "$T/c.csv" || exit 1
kill $SIMPID
SIMPID=
for side in base new; do
	awk 'NR == 1 { print; next } { a[NR] = $0 } END { n = NR - 1; for (i = 0; i < 1000000; i++) print a[2 + i % n] }' \
		"$T/small.csv" >"$T/$side.csv" || exit 1
done
/usr/bin/time -f '%e %U %S %M' -o "$T/time" "$BIN/llmanalyze" compare -q -f json \
	"$T/base.csv" "$T/new.csv" >"$T/cmp.json" || exit 1
read -r wall user sys rss <"$T/time"
grep -q '"n_base": *1000000' "$T/cmp.json" && grep -q '"n_new": *1000000' "$T/cmp.json" ||
	{ echo "bench/compare.sh: the comparison did not count 1,000,000 requests a side" >&2; exit 1; }
awk -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" -v b="$(wc -c <"$T/base.csv")" 'BEGIN {
	printf "compare 2 x 1,000,000 rows (%.0f MB each, chunk logs): %.2f s wall, %.2f s CPU, %d MiB (target < 10 s)\n",
		b / 1e6, w, u + s, m / 1024
	exit !(w < 10)
}'
