#!/bin/sh
# llmanalyze on one million result rows (16 chunks each, so 16 million
# pooled ITL samples): prints wall time and peak RSS. Target: under 3 s
# and under 1 GB.
: "${BUILD:=build}"
set -e
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# Batch sizes 1..128, 3922 waves each: 3922 x 255 + 8 warmup = 1000118 rows.
awk -v run=bench -v steps=1,2,4,8,16,32,64,128 -v waves=3922 -v out=16 -v fail=50 \
	-f tests/data/analyze/gen.awk >"$T/r.csv"
rows=$(($(wc -l <"$T/r.csv") - 1))
mb=$(($(wc -c <"$T/r.csv") / 1048576))
if [ -x /usr/bin/time ]; then
	/usr/bin/time -v "$BUILD/bin/llmanalyze" -o "$T/t.csv" "$T/r.csv" 2>"$T/time"
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$T/time")
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$T/time")
	cpu="$(sed -n 's/.*User time (seconds): //p' "$T/time") s user, $(sed -n 's/.*System time (seconds): //p' "$T/time") s sys"
else
	start=$(date +%s.%N)
	"$BUILD/bin/llmanalyze" -o "$T/t.csv" "$T/r.csv"
	wall=$(echo "$(date +%s.%N) - $start" | bc)
	rss=unknown
	cpu=unknown
fi
echo "bench analyze: $rows rows ($mb MB), $(($(wc -l <"$T/t.csv") - 1)) groups: wall $wall ($cpu; wall counts other load on the machine), peak RSS ${rss} kB"
