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

# Time order of every ok row: scheduled <= sent <= first <= last <= end.
ordered() {
	awk -F, -v a="$(col "$1" t_scheduled_ns)" -v b="$(col "$1" t_sent_ns)" \
		-v c="$(col "$1" t_first_token_ns)" -v d="$(col "$1" t_last_token_ns)" \
		-v e="$(col "$1" t_end_ns)" -v s="$(col "$1" status)" '
		NR > 1 && $s == "ok" { n++; if (!($a <= $b && $b <= $c && $c <= $d && $d <= $e)) bad++ }
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
		if [ $rc -eq 0 ] && [ "$st" = "ok " ] && [ "$out" -eq 4 ] && ordered "$T/f.csv"; then
			ok "$api $mode: 4 ok rows with tokens and ordered times"
		else
			nok "$api $mode: 4 ok rows with tokens and ordered times" "exit $rc, status '$st', $out with tokens; $(cat "$T/err") $(tail -1 "$T/f.csv")"
		fi
	done
done

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
llmrun --url "$URL" --model llmsim --rate 20 --burstiness 0.5 --duration 0.5 -q -o "$T/g.csv" "$T/c.csv"
[ "$(vals "$T/g.csv" schedule | sort -u)" = gamma ] && ok "burstiness gives gamma arrivals" || nok "burstiness gives gamma arrivals"
llmrun --url "$URL" --model llmsim --ramp linear:10:50 --requests 15 -q -o "$T/rp.csv" "$T/c.csv"
[ "$(rows "$T/rp.csv")" -eq 15 ] && ok "ramp: 15 rows" || nok "ramp: 15 rows"
printf 'id,prompt,arrival_s,output_tokens\na,one,0.4,8\nb,two,0,8\nc,three,0.2,8\n' >"$T/trace.csv"
llmrun --url "$URL" --model llmsim --trace --time-scale 2 -q -o "$T/t.csv" "$T/trace.csv"
order=$(vals "$T/t.csv" row_id | tr -d '\n')
sch=$(vals "$T/t.csv" t_scheduled_ns | sort -n | tr '\n' ' ')
gap=$(echo "$sch" | awk '{ printf "%d", ($3 - $1) / 1000000 }')
[ "$(vals "$T/t.csv" seq | tr -d '\n')" = 012 ] && [ "$gap" -eq 200 ] && ok "trace: rows at arrival_s / time-scale" || nok "trace: rows at arrival_s / time-scale" "$order $sch"

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
llmrun --url "$URL" --model llmsim --batch-sizes 8 --timeout 1.5 -q -o "$T/fa.csv" "$T/c.csv"
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

# The key never appears anywhere.
OPENAI_API_KEY=sk-e2e-SECRET-77 llmrun --url "$URL" --model llmsim --requests 2 --show-samples 2 \
	-H 'Authorization: Bearer sk-hdr-SECRET-78' -o "$T/s.csv" "$T/c.csv" 2>"$T/s.err"
stop_sim
if grep -q SECRET "$T/s.csv" "$T/s.csv.meta.json" "$T/s.err" "$T/sim.err"; then nok "the API key appears in no output"; else ok "the API key appears in no output"; fi
grep -q 'sample 2' "$T/s.err" && ok "--show-samples prints samples" || nok "--show-samples prints samples"

# Timing truth (tests/e2e/truth.lib): every chunk is seen after llmsim
# handed it to the socket, chunk counts agree, and the measured TTFT and
# chunk times are within a generous bound of the truth at p99 (the precise
# figures come from make bench), at 1 stream and at 1,000 concurrent
# streams.
rm -f "$T/tt.jsonl"
start_sim --truth "$T/tt.jsonl" --max-num-seqs 1000
llmrun --url "$URL" --model llmsim --batch-sizes 1 --requests 20 --max-tokens 16 --ignore-eos -q -o "$T/t1.csv" "$T/c.csv"
llmrun --url "$URL" --model llmsim --batch-sizes 1000 --requests 1000 --max-tokens 16 --ignore-eos -q -o "$T/t2.csv" "$T/c.csv"
stop_sim
if out=$(truthcheck "$T/t1.csv" "$T/tt.jsonl" "1 stream" 10 10); then echo "$out"; ok "timing truth at 1 stream"; else nok "timing truth at 1 stream" "$out"; fi
if out=$(truthcheck "$T/t2.csv" "$T/tt.jsonl" "1000 streams" 10 25); then echo "$out"; ok "timing truth at 1,000 streams"; else nok "timing truth at 1,000 streams" "$out"; fi
# chunk_log offsets never go back (a decreasing one is a stamp taken out
# of order in llmrun).
for f in f w t1 t2; do
	if out=$(chunkmono "$T/$f.csv"); then ok "$f.csv: chunk_log offsets never decrease"; else nok "$f.csv: chunk_log offsets never decrease" "$out"; fi
done
