#!/bin/sh
# llmanalyze's server-side speeds (server_prefill_tok_per_s_*,
# server_decode_tok_per_s_*) in every format, empty where no row has
# server timings; the note on tokens counted from stream events in every
# format; a failed row's (corpus) token count in no throughput; and an
# HTML report without raw JSON, its metadata from a real llmrun run.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
. tests/e2e/html.lib  # html_raw_json
T=$(mktmp)
SIMPID=
trap '[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null; rm -rf $_tmps' EXIT

# Step 1: two ok rows with llama.cpp's timings and counts (prefill 10 tok
# in 20 ms and 10 in 5 ms: 500 and 2000 tok/s; decode 4 in 40 ms and 4 in
# 20 ms: 100 and 200 tok/s) and a failed row carrying the corpus's count
# of 100000 input tokens, inside their span (0 to 500 ms). Step 2: no
# timings; one of its ok rows counted its tokens from events (chunks).
t0=1700000000000000000
ms=1000000
{
	echo "run_id,target,model,group,step,status,warmup,t_sent_ns,t_first_token_ns,t_end_ns,input_tokens,input_tokens_source,output_tokens,output_tokens_source,server_prompt_ms,server_decode_ms,server_prompt_tokens,server_decode_tokens,error,chunk_log"
	echo "R,llama,tiny,g,1,ok,0,$t0,$((t0 + 100 * ms)),$((t0 + 500 * ms)),10,usage,4,usage,20,40,10,4,,"
	echo "R,llama,tiny,g,1,ok,0,$t0,$((t0 + 100 * ms)),$((t0 + 500 * ms)),10,usage,4,usage,5,20,10,4,,"
	echo "R,llama,tiny,g,1,disconnect,0,$((t0 + 10 * ms)),,$((t0 + 200 * ms)),100000,corpus,,,,,,,Failed sending data to the peer,"
	echo "R,llama,tiny,g,2,ok,0,$((t0 + 1000 * ms)),$((t0 + 1100 * ms)),$((t0 + 1500 * ms)),10,usage,4,usage,,,,,,"
	echo "R,llama,tiny,g,2,ok,0,$((t0 + 1000 * ms)),$((t0 + 1100 * ms)),$((t0 + 1500 * ms)),10,usage,3,chunks,,,,,,"
} >"$T/r.csv"

# CSV: cell STEP COLUMN of the table.
cell() {
	awk -F, -v step="$1" -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["step"] == step { print $c[name] }' "$T/t.csv"
}
llmanalyze -f csv -o "$T/t.csv" "$T/r.csv" 2>"$T/err" || nok "csv: exit 0" "$(cat "$T/err")"
got="$(cell 1 server_prefill_tok_per_s_min) $(cell 1 server_prefill_tok_per_s_p50) $(cell 1 server_prefill_tok_per_s_max)"
[ "$got" = "500.00 1250.00 2000.00" ] && ok "csv: server prefill tok/s = prompt_n / prompt_ms per request" ||
	nok "csv: server prefill tok/s = prompt_n / prompt_ms per request" "min p50 max: $got"
got="$(cell 1 server_decode_tok_per_s_mean) $(cell 1 server_decode_tok_per_s_p99)"
[ "$got" = "150.00 199.00" ] && ok "csv: server decode tok/s = predicted_n / predicted_ms per request" ||
	nok "csv: server decode tok/s = predicted_n / predicted_ms per request" "mean p99: $got"
got="$(cell 2 server_prefill_tok_per_s_p50)|$(cell 2 server_decode_tok_per_s_mean)"
[ "$got" = "|" ] && ok "csv: no server timings, empty server speeds" || nok "csv: no server timings, empty server speeds" "$got"
# The failed row's 100000 corpus tokens are in no throughput: 20 input
# tokens of the ok rows over 0.5 s.
got="$(cell 1 in_tok_per_s) $(cell 1 total_tok_per_s) $(cell 1 prefill_tok_per_s)"
[ "$got" = "40.00 56.00 200.00" ] && ok "csv: a failed row's corpus tokens enter no throughput" ||
	nok "csv: a failed row's corpus tokens enter no throughput" "in total prefill: $got"
case "$(cell 2 note)" in
*"counted from stream events"*) ok "csv: note on tokens counted from events" ;;
*) nok "csv: note on tokens counted from events" "$(cell 2 note)" ;;
esac
[ -z "$(cell 1 note)" ] && ok "csv: no such note where usage came" || nok "csv: no such note where usage came" "$(cell 1 note)"

llmanalyze -f json -o "$T/t.json" "$T/r.csv" 2>"$T/err" || nok "json: exit 0" "$(cat "$T/err")"
got=$(jq -c '[.[] | [.step, .server_prefill_tok_per_s_p50, .server_decode_tok_per_s_p50, (.note // "" | test("stream events"))]]' "$T/t.json")
[ "$got" = '[[1,1250,150,false],[2,null,null,true]]' ] && ok "json: server speeds, null without timings, note" ||
	nok "json: server speeds, null without timings, note" "$got"

llmanalyze -f md -o "$T/t.md" "$T/r.csv" 2>"$T/err" || nok "md: exit 0" "$(cat "$T/err")"
grep -q '| server_prefill_tok_per_s_p50 (tok/s) |' "$T/t.md" && grep -q '| server_decode_tok_per_s_p50 (tok/s) |' "$T/t.md" &&
	ok "md: server speed headers with units" || nok "md: server speed headers with units" "$(head -1 "$T/t.md" | cut -c1-300)"
grep -q '^note: .* 2: 1 ok requests had no usage from the server: their output tokens were counted from stream events' "$T/t.md" &&
	ok "md: note on tokens counted from events" || nok "md: note on tokens counted from events" "$(grep note "$T/t.md")"

llmanalyze -f table --columns server_prefill_tok_per_s_p50,server_decode_tok_per_s_p50 "$T/r.csv" >"$T/t.txt" 2>"$T/err"
grep -q 'server_prefill_tok_per_s_p50 (tok/s)' "$T/t.txt" && grep -q 'counted from stream events' "$T/t.txt" &&
	ok "table: server speed headers and the note" || nok "table: server speed headers and the note" "$(cat "$T/t.txt" "$T/err")"

# HTML: the columns with units, the note, and metadata from a real
# llmrun run (llmsim) written as text, never as JSON.
need_tokfile cl100k_base.tiktoken >/dev/null || exit 1 # llmsim's default tokenizer
printf 'id,group,prompt,output_tokens\n' >"$T/c.csv"
for i in 1 2 3 4; do echo "r$i,g,prompt number $i,8" >>"$T/c.csv"; done
llmsim --port 0 --seed 5 --time-scale 100 >"$T/url" 2>"$T/sim.err" &
SIMPID=$!
i=0
while [ ! -s "$T/url" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
URL=$(head -1 "$T/url")
llmrun --url "$URL" --model llmsim --batch-sizes 1,2 --requests 4 --run-id "S" -q -o "$T/sim.csv" "$T/c.csv" 2>"$T/err" ||
	nok "llmrun against llmsim" "$(cat "$T/err" "$T/sim.err")"
# A server that sends no usage (llmsim honours include_usage false):
# llmrun counts events, its summary says so, and so does llmanalyze.
llmrun --url "$URL" --model llmsim --batch-sizes 1 --requests 2 --run-id N \
	--extra-body '{"stream_options":{"include_usage":false}}' -o "$T/nousage.csv" "$T/c.csv" 2>"$T/nerr"
kill "$SIMPID" 2>/dev/null
wait "$SIMPID" 2>/dev/null
SIMPID=
grep -q 'had no usage: output tokens counted from chunks' "$T/nerr" && ok "llmrun's summary: tokens counted from events" ||
	nok "llmrun's summary: tokens counted from events" "$(cat "$T/nerr")"
got=$(llmanalyze -f json "$T/nousage.csv" | jq -r '.[0].note')
case $got in
*"2 ok requests had no usage from the server: their output tokens were counted from stream events"*)
	ok "llmanalyze: the same note from llmrun's results" ;;
*) nok "llmanalyze: the same note from llmrun's results" "$got" ;;
esac
[ -s "$T/sim.csv.meta.json" ] && jq -e '.anchor.wall_ns and (.command | type == "array") and (.targets | type == "array")' \
	"$T/sim.csv.meta.json" >/dev/null && ok "llmrun's metadata has lists, objects and ns anchors" ||
	nok "llmrun's metadata has lists, objects and ns anchors" "$(cat "$T/sim.csv.meta.json")"
llmanalyze --html "$T/r.html" -o /dev/null "$T/r.csv" "$T/sim.csv" 2>"$T/err" || nok "html: exit 0" "$(cat "$T/err")"
grep -q '>server_decode_tok_per_s_p50 (tok/s)</th>' "$T/r.html" && ok "html: server speed columns with units" ||
	nok "html: server speed columns with units"
grep -q '<li>note: .*counted from stream events' "$T/r.html" && ok "html: note on tokens counted from events" ||
	nok "html: note on tokens counted from events" "$(grep -A3 'id="notes"' "$T/r.html")"
if raw=$(html_raw_json "$T/r.html"); then ok "html: no raw JSON"; else nok "html: no raw JSON" "$raw"; fi
# The headline's cards mark step 2's token figures as the table does.
llmanalyze --html "$T/c.html" -o /dev/null "$T/r.csv" 2>/dev/null
sed -n '/id="headline"/,/<\/section>/p' "$T/c.html" | grep -q '<td class="n">[0-9.]*\*</td>' &&
	ok "html: the headline marks figures on estimated counts with *" || nok "html: the headline marks figures on estimated counts with *" "$(sed -n '/id="headline"/,/<\/section>/p' "$T/c.html" | head -30)"
want="llmrun --url $URL --model llmsim --batch-sizes 1,2 --requests 4 --run-id S -q -o $T/sim.csv $T/c.csv"
grep -qF "<td>$want</td>" "$T/r.html" && ok "html: the command line as a command line" ||
	nok "html: the command line as a command line" "$(grep -A1 '<th>command' "$T/r.html")"
grep -q '<th>anchor</th><td>.*[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9:.]* UTC' "$T/r.html" &&
	ok "html: the clock anchor as a UTC time" || nok "html: the clock anchor as a UTC time" "$(grep '<th>anchor' "$T/r.html")"
# The check itself finds JSON: llmrun's metadata dumped as it is.
{ echo '<p>'; jq -c .targets "$T/sim.csv.meta.json"; echo '</p>'; } >"$T/bad.html"
html_raw_json "$T/bad.html" >/dev/null && nok "the raw-JSON check finds a JSON list" || ok "the raw-JSON check finds a JSON list"

# Two servers' files charted together: each its own block in server.dat,
# and a counter's increase over its own server's scrape before (until
# 2026-12-07 the scrapes interleaved: 995 preemptions out of two constant
# counters, 5 and 1000, and one running line zig-zagging between them).
mkdir "$T/two"
for f in p:0:5:1 q:500000000:1000:7; do
	IFS=: read -r n off c run <<EOF2
$f
EOF2
	awk -v n="$n" 'BEGIN { OFS = ","; OFMT = "%.0f"; print "run_id,target,model,group,step,status,warmup,t_sent_ns,t_first_token_ns,t_end_ns,ttft_ms,e2e_ms,output_tokens"
		for (i = 0; i < 20; i++) { s = 1000000000000000 + i * 500000000; print "R" n, n, "m", "g", 1, "ok", 0, s, s + 50000000, s + 400000000, 50, 400, 10 } }' >"$T/two/$n.csv"
	awk -v off="$off" -v c="$c" -v run="$run" 'BEGIN { OFS = ","; OFMT = "%.0f"; print "t_ns,name,labels,value"
		for (k = 0; k <= 10; k++) { t = 1000000000000000 + off + k * 1000000000; print t, "vllm:num_preemptions_total", "", c; print t, "vllm:num_requests_running", "", run } }' \
		>"$T/two/$n.csv.metrics.csv"
done
llmanalyze -q --charts "$T/two/ch" -o /dev/null "$T/two/p.csv" "$T/two/q.csv"
v=$(awk '!/^#/ && NF { if ($5 != "NaN" && $5 != 0) bad++; r[$2]++ } /^$/ { blank++ } END { printf "%d %d %d %d", bad, r[1], r[7], blank }' "$T/two/ch/server.dat")
[ "$v" = "0 11 11 2" ] && ok "two servers charted: a block each, no preemption made up" || nok "two servers charted: a block each" "bad, running 1, running 7, blank lines: $v"

# A metrics file cut mid-row by a full disk (a last line of one field, no
# line end): the row is skipped, the results analysed (it was 65, and the
# whole run unreadable).
cp "$T/two/p.csv" "$T/two/cut.csv"
{ cat "$T/two/p.csv.metrics.csv"; printf '1000000011000000000'; } >"$T/two/cut.csv.metrics.csv"
llmanalyze -q -f csv -c requests "$T/two/cut.csv" >"$T/cut.out" 2>"$T/cut.err"
[ $? -eq 0 ] && grep -q ',20$' "$T/cut.out" && ok "a metrics file cut mid-row: the row skipped, the run analysed" ||
	nok "a metrics file cut mid-row: the row skipped, the run analysed" "$(cat "$T/cut.err" "$T/cut.out")"

monoall "$T"
