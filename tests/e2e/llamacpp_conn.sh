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

# Every results file of this script: chunk stamps never go back.
monoall "$T"
