#!/bin/sh
# llmrun against odd but legal streams of other engines' dialects, and
# their failures (tests/data/run/dialect_server.py): what the server sent
# is what the row says. Until 2026-12-07 each of these was wrong:
# - a "data:" line of no data failed a whole answer as bad_stream;
# - a failure's body that was not an error object (a proxy's text,
#   FastAPI's {"detail": ...}) was "HTTP 500" alone in the row;
# - an "event: error" with text data was "an event is not a JSON object";
# - llama.cpp's "error: {...}" line after its 200 (a prompt past the
#   context) was a disconnect without the server's words;
# - Ollama's prompt_eval_cached_count was not read: cached_tokens empty,
#   and a prefill speed over every prompt token though the time covers
#   the uncached ones (100 times too fast at 990 of 1,000 cached);
# - usage only with the last chunk labelled that chunk with all 5 tokens
#   in chunk_log, and a TGI token of empty text was lost from the counts;
# - --ignore-eos with --api tgi or ollama was dropped without a word.
. tests/lib.sh
T=$(mktmp)
python3 tests/data/run/dialect_server.py >"$T/url" 2>"$T/srv.err" &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf $_tmps' EXIT
i=0
while [ ! -s "$T/url" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
U="$(head -n 1 "$T/url")/s"

# run NAME API: one request of answer NAME; the row as JSON in $T/NAME.json.
run() {
	llmrun --url "$U/$1" --api "$2" --model m --prompt hi -q --no-probe -o "$T/$1.csv" 2>"$T/$1.err"
	echo $? >"$T/$1.rc"
	python3 -c 'import csv, json, sys; print(json.dumps(next(csv.DictReader(open(sys.argv[1])))))' "$T/$1.csv" >"$T/$1.json"
}
field() { jq -r ".$2" "$T/$1.json"; }

run emptydata openai-completions
[ "$(cat "$T/emptydata.rc")" = 0 ] && [ "$(field emptydata status)" = ok ] && [ "$(field emptydata chunks)" = 5 ] &&
	[ "$(field emptydata output_tokens)" = 5 ] && ok "\"data:\" of no data is passed over: ok, 5 chunks, 5 tokens" ||
	nok "\"data:\" of no data is passed over" "$(cat "$T/emptydata.json" "$T/emptydata.err")"

run txt500 tgi
[ "$(field txt500 status)" = http_5xx ] && [ "$(field txt500 error)" = "HTTP 500: Internal Server Error: CUDA error: an illegal memory access was encountered" ] &&
	ok "a text body of a 500: its words in the row" || nok "a text body of a 500: its words in the row" "$(field txt500 error)"
run detail400 tgi
[ "$(field detail400 status)" = http_4xx ] && [ "$(field detail400 error)" = "HTTP 400: max_new_tokens must be <= 1024" ] &&
	ok "FastAPI's {\"detail\": ...} of a 400: its words in the row" || nok "FastAPI's detail of a 400" "$(field detail400 error)"
run errev openai-completions
[ "$(field errev status)" = http_5xx ] && [ "$(field errev error)" = "error in the response: Internal Server Error: worker died" ] &&
	[ "$(field errev chunks)" = 2 ] && ok "event: error with text data: http_5xx with its words, the 2 chunks before kept" ||
	nok "event: error with text data" "$(cat "$T/errev.json")"
for api in llamacpp openai-completions; do
	run llerr "$api"
	[ "$(field llerr status)" = http_4xx ] && [ "$(field llerr error)" = "error in the response: the request exceeds the available context size" ] &&
		ok "--api $api: llama.cpp's error: line after its 200 is http_4xx with its words" ||
		nok "--api $api: llama.cpp's error: line" "$(cat "$T/llerr.json")"
done

run olcache ollama
[ "$(field olcache input_tokens)" = 1000 ] && [ "$(field olcache cached_tokens)" = 990 ] &&
	[ "$(field olcache server_prompt_tokens)" = 10 ] && [ "$(field olcache server_prompt_ms)" = 10.000 ] &&
	ok "Ollama: 990 of 1000 prompt tokens cached, the prefill timing over the other 10" ||
	nok "Ollama: cached prompt tokens" "$(cat "$T/olcache.json")"
v=$(llmanalyze -f csv -c server_prefill_tok_per_s_mean,cache_hit_rate "$T/olcache.csv" | tail -n 1 | cut -d, -f5-)
[ "$v" = "1000.00,0.9900" ] && ok "... llmanalyze: 1,000 tok/s prefill, hit rate 0.99" || nok "... llmanalyze's prefill and hit rate" "$v"

run lastusage openai-completions
[ "$(field lastusage output_tokens)" = 5 ] && ! field lastusage chunk_log | grep -q : &&
	ok "usage with the last chunk only: no per-chunk counts in chunk_log" || nok "usage with the last chunk only" "$(field lastusage chunk_log)"
run tgiempty tgi
v=$(field tgiempty chunk_log | tr ' ' '\n' | cut -d: -f2 | tr '\n' ' ')
[ "$v" = "1 2 1 1 " ] && [ "$(field tgiempty output_tokens)" = 5 ] &&
	ok "TGI: a token of empty text counts with the next chunk (1 2 1 1)" || nok "TGI: a token of empty text" "$v"

for api in tgi ollama; do
	n=$([ $api = tgi ] && echo tgiempty || echo olcache)
	llmrun --url "$U/$n" --api $api --model m --prompt hi --ignore-eos --no-probe -o "$T/w.csv" 2>"$T/w.err"
	grep -q "warning: --api $api has no parameter for --ignore-eos: not sent" "$T/w.err" &&
		ok "--ignore-eos with --api $api: said, not silently dropped" || nok "--ignore-eos with --api $api: said" "$(cat "$T/w.err")"
done
llmrun --url "$U/olcache" --api ollama --model m --prompt hi --ignore-eos --min-tokens 3 --no-probe -o "$T/w2.csv" 2>"$T/w2.err"
grep -q "warning: --api ollama has no parameter for --ignore-eos or --min-tokens: not sent" "$T/w2.err" &&
	ok "--ignore-eos and --min-tokens with --api ollama: both said" || nok "--ignore-eos and --min-tokens: both said" "$(cat "$T/w2.err")"
