#!/bin/sh
# llmrun against a real engine's connection handling: llama.cpp's server
# (cpp-httplib) closes kept-alive connections after some requests, and a
# request written to one it has just closed fails before any byte comes
# back ("Failed sending data to the peer"). Such a request is sent again
# once on a new connection, its row says so (conn_retried), and every row
# of a sweep at batch sizes 1 and 2 is ok.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
. tests/e2e/llamacpp.lib
T=$(mktmp)
trap 'stop_llama; rm -rf $_tmps' EXIT
start_llama --parallel 2 -c 4096 || exit 0

printf 'id,prompt,output_tokens\n' >"$T/c.csv"
for i in $(seq 1 30); do echo "$i,tell me about item $i,8" >>"$T/c.csv"; done
col() { head -1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }
vals() { c=$(col "$1" "$2"); tail -n +2 "$1" | cut -d, -f"$c"; }

llmrun --url "$LURL" --model tiny --batch-sizes 1,2 --requests 30 --ignore-eos -q \
	-o "$T/r.csv" "$T/c.csv" 2>"$T/err"
rc=$?
st=$(vals "$T/r.csv" status | sort | uniq -c | tr -s ' ' | tr '\n' ';')
retried=$(vals "$T/r.csv" conn_retried | grep -c '^1$')
echo "# 60 requests: $st $retried sent again on a new connection"
[ $rc -eq 0 ] && [ "$st" = " 60 ok;" ] && ok "llama-server sweep 1,2: all 60 rows ok" ||
	nok "llama-server sweep 1,2: all 60 rows ok" "exit $rc: $st $(grep -v ',ok,' "$T/r.csv" | head -3) $(cat "$T/err")"
# A row sent again went out on a new connection, after a dead kept-alive one.
bad=$(awk -F, -v r="$(col "$T/r.csv" conn_retried)" -v u="$(col "$T/r.csv" conn_reused)" \
	-v c="$(col "$T/r.csv" connect_ms)" 'NR > 1 && $r == 1 && ($u != 0 || $c <= 0)' "$T/r.csv" | wc -l)
[ "$bad" -eq 0 ] && ok "a request sent again is on a new connection (conn_reused 0, connect_ms > 0)" ||
	nok "a request sent again is on a new connection (conn_reused 0, connect_ms > 0)"

# With keep-alive off nothing is sent again: every request has its own
# connection.
llmrun --url "$LURL" --model tiny --batch-sizes 1 --requests 6 --no-keepalive -q -o "$T/k.csv" "$T/c.csv"
[ "$(vals "$T/k.csv" conn_retried | sort -u)" = 0 ] && [ "$(vals "$T/k.csv" conn_reused | sort -u)" = 0 ] &&
	ok "--no-keepalive: 6 new connections, none sent again" || nok "--no-keepalive: 6 new connections, none sent again" "$(cat "$T/k.csv")"

# A prompt past a slot's context: llama.cpp answers 200, then sends the
# failure as an "error: {...}" line of its own. The row says what it said
# (until 2026-12-07: disconnect, or bad_stream "the answer held no
# output", on its OpenAI endpoint, without the server's words).
# (A server of 256 tokens without context shift: else it cuts the prompt.)
stop_llama
start_llama --parallel 1 -c 256 --no-context-shift || exit 0
awk 'BEGIN { printf "prompt\n"; for (i = 0; i < 400; i++) printf "hello "; print "" }' >"$T/long.csv"
for api in llamacpp openai-completions; do
	llmrun --url "$LURL" --model tiny --api $api --no-probe --requests 1 --max-tokens 4 -q -o "$T/ctx.csv" "$T/long.csv" 2>/dev/null
	st=$(vals "$T/ctx.csv" status)
	grep -q 'context' "$T/ctx.csv" && [ "$st" = http_4xx ] &&
		ok "--api $api: a prompt past the context is http_4xx with llama.cpp's words" ||
		nok "--api $api: a prompt past the context is http_4xx with llama.cpp's words" "$(tail -n 1 "$T/ctx.csv")"
done
# Its native endpoint says how many prompt tokens it computed
# (timings.prompt_n) of how many (tokens_evaluated): the rest its cache
# held, cached_tokens.
printf 'prompt\nthe same prompt about the same thing sent twice over\n' >"$T/same.csv"
llmrun --url "$LURL" --model tiny --api llamacpp --no-probe --requests 2 --max-tokens 4 -q -o "$T/same.out.csv" "$T/same.csv" 2>"$T/same.err"
[ "$(vals "$T/same.out.csv" status | sort | uniq -c | tr -s ' ')" = " 2 ok" ] || nok "--api llamacpp: two requests ok" "$(cat "$T/same.err")"
bad=$(awk -F, -v i="$(col "$T/same.out.csv" input_tokens)" -v c="$(col "$T/same.out.csv" cached_tokens)" \
	-v p="$(col "$T/same.out.csv" server_prompt_tokens)" 'NR > 1 && ($c == "" || $c + $p != $i)' "$T/same.out.csv" | wc -l)
[ "$bad" -eq 0 ] && ok "--api llamacpp: cached_tokens + server_prompt_tokens = input_tokens ($(vals "$T/same.out.csv" cached_tokens | tr '\n' ' '))" ||
	nok "--api llamacpp: cached_tokens + server_prompt_tokens = input_tokens" "$(cat "$T/same.out.csv" | cut -c1-400)"

# Every results file of this script: chunk stamps never go back.
monoall "$T"
