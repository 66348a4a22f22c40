#!/bin/sh
# llmanalyze on conversation results (issue 15): turns in the default
# grouping, --by turn, --by context_bucket, the prefix cache hit rate in
# every format, the chart of TTFT against context length, and results
# without the new columns as before.
#
# tests/data/analyze/conv/turns.csv, by hand (ok rows; warmup left out):
#   conv turn context cached ttft e2e
#   1    1    100     0      50   250
#   2    1    120     16     60   260
#   3    1    80      0      70   270
#   1    2    300     96     40   240
#   2    2    320     112    30   230
#   3    2    (http_5xx: failed, no counts)
#   1    3    500     288    45   245
#   2    3    520     (none) 35   235
# plus a warmup row (context 1000, all cached) that must count nowhere.
. tests/lib.sh
T=$(mktmp)
D=tests/data/analyze/conv
C=ok,failed,ttft_mean,ttft_p50,e2e_mean,cache_hit_rate,cache_reported,context_tokens_mean,context_tokens_max

# val FILE KEYCOL KEY COL: column COL of the CSV row whose KEYCOL is KEY.
val() {
	awk -F, -v k="$2" -v kv="$3" -v c="$4" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == k) ki = i; if ($i == c) ci = i }; next }
		ki && ci && $ki == kv { print $ci; n++ } END { if (n != 1) print "rows:" n }' "$1"
}

# want FILE KEYCOL KEY COL VALUE WHY
want() {
	v=$(val "$1" "$2" "$3" "$4")
	[ "$v" = "$5" ] && ok "$6: $2 $3 $4 = $5" || nok "$6: $2 $3 $4 = $5" "got '$v'"
}

# Throughputs of the parts of a step (its turns, its context buckets)
# divide by the step's span, so they add up to the step's; each turn's
# own span would count the time the other turns shared, and the turns'
# rates would add up to more than the server delivered.
llmanalyze -c duration_s,req_per_s,out_tok_per_s "$D/turns.csv" >"$T/tp.csv"
llmanalyze -b model,step -c duration_s,req_per_s,out_tok_per_s "$D/turns.csv" >"$T/tstep.csv"
llmanalyze -b model,step,context_bucket --context-bucket 256 -c duration_s,req_per_s "$D/turns.csv" >"$T/tctx.csv"
v=$(awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	FILENAME ~ /tstep/ { d = $c["duration_s"]; r = $c["req_per_s"]; o = $c["out_tok_per_s"]; next }
	FILENAME ~ /tctx/ { cr += $c["req_per_s"]; if ($c["duration_s"] != d) cd++; next }
	{ sr += $c["req_per_s"]; so += $c["out_tok_per_s"]; if ($c["duration_s"] != d) bad++ }
	function off(x) { return x < -0.005 || x > 0.005 } # the table rounds each rate
	END { printf "%d %d %d %d %d\n", bad, cd, off(sr - r), off(so - o), off(cr - r) }' "$T/tstep.csv" "$T/tctx.csv" "$T/tp.csv")
[ "$v" = "0 0 0 0 0" ] && ok "turns and context buckets: the step's span, rates adding up to the step's" ||
	nok "turns and context buckets: the step's span, rates adding up to the step's" "$v: $(cat "$T/tstep.csv" "$T/tp.csv" "$T/tctx.csv")"

# Default grouping: one group per turn, the turn shown.
llmanalyze -c "$C" "$D/turns.csv" >"$T/def.csv" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && ok "default: exit 0" || nok "default: exit 0" "exit $rc: $(cat "$T/err")"
head -1 "$T/def.csv" | grep -q '^target,model,group,step,turn,' && ok "default: turn is a grouping column" ||
	nok "default: turn is a grouping column" "$(head -1 "$T/def.csv")"
[ "$(wc -l <"$T/def.csv")" -eq 4 ] && ok "default: a row per turn" || nok "default: a row per turn" "$(cat "$T/def.csv")"
# Turn 1: cached 0+16+0 = 16 of 100+120+80 = 300 prompt tokens.
want "$T/def.csv" turn 1 cache_hit_rate 0.0533 default
want "$T/def.csv" turn 1 cache_reported 3 default
want "$T/def.csv" turn 1 ttft_mean 60.000 default      # (50+60+70)/3
want "$T/def.csv" turn 1 e2e_mean 260.000 default      # (250+260+270)/3
want "$T/def.csv" turn 1 context_tokens_max 120 default
# Turn 2: one failed; cached 96+112 = 208 of 300+320 = 620 = 0.33548.
want "$T/def.csv" turn 2 ok 2 default
want "$T/def.csv" turn 2 failed 1 default
want "$T/def.csv" turn 2 cache_hit_rate 0.3355 default
want "$T/def.csv" turn 2 ttft_p50 35.000 default       # median of 30, 40
want "$T/def.csv" turn 2 context_tokens_mean 310.0 default
# Turn 3: only conv 1 reports its cache: 288 / 500; conv 2's unknown
# count is neither a hit nor a miss.
want "$T/def.csv" turn 3 cache_hit_rate 0.5760 default
want "$T/def.csv" turn 3 cache_reported 1 default
want "$T/def.csv" turn 3 ttft_mean 40.000 default      # (45+35)/2
want "$T/def.csv" turn 3 e2e_mean 240.000 default

# --by turn alone gives the same figures.
llmanalyze --by turn -c "$C" "$D/turns.csv" >"$T/turn.csv"
head -1 "$T/turn.csv" | grep -q '^turn,ok,' && ok "--by turn: the only key" || nok "--by turn: the only key" "$(head -1 "$T/turn.csv")"
want "$T/turn.csv" turn 2 cache_hit_rate 0.3355 "--by turn"
want "$T/turn.csv" turn 3 e2e_mean 240.000 "--by turn"

# All pooled: 16+208+288 = 512 cached of 300+620+500 = 1420 = 0.36056.
llmanalyze --by model -c "$C" "$D/turns.csv" >"$T/all.csv"
want "$T/all.csv" model m1 cache_hit_rate 0.3606 pooled
want "$T/all.csv" model m1 cache_reported 6 pooled
want "$T/all.csv" model m1 ok 7 pooled

# Context buckets of 256 tokens: [0,256) turn 1; [256,512) 300, 320 and
# 500; [512,768) 520, without a cache count. The failed turn has no
# context_tokens (its input_tokens is the corpus's count of its new text,
# not the request's): bucket empty.
llmanalyze --by context_bucket --context-bucket 256 -c "$C" "$D/turns.csv" >"$T/ctx.csv"
[ "$(cut -d, -f1 "$T/ctx.csv" | tr '\n' ' ')" = "context_bucket  0 256 512 " ] &&
	ok "--by context_bucket: buckets by lower bound, in order" || nok "--by context_bucket: buckets by lower bound, in order" "$(cat "$T/ctx.csv")"
want "$T/ctx.csv" context_bucket "" failed 1 buckets
want "$T/ctx.csv" context_bucket 0 failed 0 buckets
want "$T/ctx.csv" context_bucket 256 ok 3 buckets
want "$T/ctx.csv" context_bucket 256 ttft_mean 38.333 buckets   # (40+30+45)/3
want "$T/ctx.csv" context_bucket 256 cache_hit_rate 0.4429 buckets # 496/1120
want "$T/ctx.csv" context_bucket 512 cache_hit_rate "" buckets
want "$T/ctx.csv" context_bucket 512 cache_reported 0 buckets
llmanalyze --by context_bucket -c ok "$D/turns.csv" >"$T/ctx1024.csv"
want "$T/ctx1024.csv" context_bucket 0 ok 7 "default bucket width 1024"
expect_exit 64 "--context-bucket 0: 64" llmanalyze --context-bucket 0 "$D/turns.csv"
expect_exit 64 "--context-bucket x: 64" llmanalyze --context-bucket 12x "$D/turns.csv"

# Every format has the hit rate.
llmanalyze --by turn -f json -c cache_hit_rate,cache_reported "$D/turns.csv" >"$T/t.json"
[ "$(jq -c '[.[] | [.turn, .cache_reported]]' "$T/t.json")" = '[[1,3],[2,2],[3,1]]' ] &&
	ok "json: turn a number, cache_reported per turn" || nok "json: turn a number, cache_reported per turn" "$(cat "$T/t.json")"
[ "$(jq '.[2].cache_hit_rate' "$T/t.json")" = 0.576 ] && ok "json: cache_hit_rate" || nok "json: cache_hit_rate" "$(cat "$T/t.json")"
llmanalyze --by context_bucket --context-bucket 256 -f json -c cache_hit_rate "$D/turns.csv" | jq -e '.[] | select(.context_bucket == 512) | .cache_hit_rate == null' >/dev/null &&
	ok "json: no cache count is null" || nok "json: no cache count is null"
llmanalyze --by turn -f md -c cache_hit_rate,cache_reported "$D/turns.csv" >"$T/t.md"
grep -qx '| 2 | 0.3355 | 2 |' "$T/t.md" && ok "markdown: cache_hit_rate" || nok "markdown: cache_hit_rate" "$(cat "$T/t.md")"
llmanalyze -f table "$D/turns.csv" | head -1 | grep -q 'cache_hit_rate' && ok "table: cache_hit_rate shown when reported" ||
	nok "table: cache_hit_rate shown when reported"
awk -v steps=1 -v waves=1 -f tests/data/analyze/gen.awk | llmanalyze -f table | head -1 | grep -q 'cache_hit_rate' &&
	nok "table: no cache_hit_rate when none reported" || ok "table: no cache_hit_rate when none reported"

# The chart: 4 ok requests with a hit, 3 without (one unreported).
llmanalyze --charts "$T/ch" --html "$T/r.html" -o /dev/null "$D/turns.csv" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && ok "charts: exit 0" || nok "charts: exit 0" "exit $rc: $(cat "$T/err")"
for x in png svg gp dat; do
	[ -s "$T/ch/ttft_context.$x" ] && ok "ttft_context.$x written" || nok "ttft_context.$x written" "$(ls "$T/ch")"
done
awk '/^# cache hit/ { b = 1; next } /^# no cache hit/ { b = 2; next } /^[0-9]/ { n[b]++ } END { exit !(n[1] == 4 && n[2] == 3) }' "$T/ch/ttft_context.dat" &&
	ok "chart data: 4 hits, 3 without" || nok "chart data: 4 hits, 3 without" "$(cat "$T/ch/ttft_context.dat")"
grep -q '^120 60$' "$T/ch/ttft_context.dat" && ok "chart data: context 120, TTFT 60 ms" || nok "chart data: context 120, TTFT 60 ms"
grep -q "set xlabel 'context length (prompt tokens of the whole request)'" "$T/ch/ttft_context.gp" &&
	grep -q "set ylabel 'TTFT (ms)'" "$T/ch/ttft_context.gp" && ok "chart axes with units" || nok "chart axes with units"
grep -q 'id="chart-ttft_context"' "$T/r.html" && ok "html: the chart" || nok "html: the chart"
grep -q 'cache_hit_rate' "$T/r.html" && ok "html: cache_hit_rate column" || nok "html: cache_hit_rate column"

# A single-turn run whose server reports its cache: 10+30 of 100+100
# (the third row reports nothing); no turn shown.
llmanalyze -c cache_hit_rate,cache_reported "$D/single_cached.csv" >"$T/s.csv"
[ "$(cat "$T/s.csv")" = "target,model,group,step,cache_hit_rate,cache_reported
t,m,g,1,0.2000,2" ] && ok "single turn with cached_tokens" || nok "single turn with cached_tokens" "$(cat "$T/s.csv")"
# ... a row whose cached_tokens exceed its input_tokens (no context_tokens
# to compare with) is bad data: a hit rate of 25 came through.
awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "cached_tokens") c = i } NR == 2 { $c = 99999 } { print }' \
	"$D/single_cached.csv" >"$T/over.csv"
llmanalyze "$T/over.csv" >/dev/null 2>"$T/err"
[ $? -eq 65 ] && grep -q "over.csv:2:[0-9]*: cached_tokens 99999 exceeds input_tokens" "$T/err" &&
	ok "cached_tokens above input_tokens: 65 naming file:line" || nok "cached_tokens above input_tokens: 65 naming file:line" "$(cat "$T/err")"

# Results without the columns load as before: no turn, empty hit rate,
# no TTFT-by-context chart.
awk -v steps=1,2 -v waves=2 -f tests/data/analyze/gen.awk >"$T/old.csv"
llmanalyze -c ok,cache_hit_rate,cache_reported --charts "$T/cho" -o "$T/old.out" "$T/old.csv" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && ok "old results: exit 0" || nok "old results: exit 0" "exit $rc: $(cat "$T/err")"
head -1 "$T/old.out" | grep -q 'turn' && nok "old results: no turn column" "$(head -1 "$T/old.out")" || ok "old results: no turn column"
[ "$(cut -d, -f6- "$T/old.out" | tail -n +2 | sort -u)" = ",0" ] && ok "old results: hit rate empty, 0 reported" ||
	nok "old results: hit rate empty, 0 reported" "$(cat "$T/old.out")"
[ ! -e "$T/cho/ttft_context.gp" ] && ok "old results: no ttft_context chart" || nok "old results: no ttft_context chart"
expect_exit 65 "--by turn on results without turns: 65" llmanalyze --by turn "$T/old.csv"

# A large run: at most 5000 points a series, an even sample, its size said.
awk 'BEGIN { print "run_id,target,model,group,step,warmup,status,t_sent_ns,t_first_token_ns,t_end_ns,output_tokens,turn,context_tokens,cached_tokens,error,chunk_log"
	for (i = 0; i < 12001; i++) { s = 1000000000 + i * 1000000
		printf "big,t,m,g,1,0,ok,%d,%d,%d,10,1,%d,%d,,\n", s, s + 20000000, s + 50000000, 100 + i, 64 } }' >"$T/big.csv"
llmanalyze --charts "$T/chb" -o /dev/null -q "$T/big.csv"
[ "$(grep -c '^[0-9]' "$T/chb/ttft_context.dat")" -eq 4001 ] && grep -q '^# cache hit: 12001 requests, every 3 drawn$' "$T/chb/ttft_context.dat" &&
	grep -q "cache hit (cached_tokens > 0): 12001 requests" "$T/chb/ttft_context.gp" &&
	ok "large run: every 3rd of 12001 points, counts said" || nok "large run: every 3rd of 12001 points, counts said" "$(grep '^#' "$T/chb/ttft_context.dat")"
