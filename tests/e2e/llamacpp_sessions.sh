#!/bin/sh
# A conversation against a real engine: llama.cpp's server (its slots keep
# the prompt cache) gets a 3-turn conversation, each turn carrying the
# history; every row is ok and context_tokens (llama.cpp's usage) grows
# turn by turn, by at least the last reply and the new turn.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
. tests/e2e/llamacpp.lib
T=$(mktmp)
trap 'stop_llama; rm -rf $_tmps' EXIT
start_llama --parallel 1 -c 4096 || exit 0

cat >"$T/c.csv" <<'CSV'
id,conversation_id,turn,output_tokens,prompt
1,1,1,8,Tell me about the history of bridges.
2,1,2,8,Which one was the longest?
3,1,3,8,Summarize what we discussed.
CSV
llmrun --url "$LURL" --model tiny --ignore-eos -q -o "$T/r.csv" "$T/c.csv" 2>"$T/err"
rc=$?
python3 - "$T/r.csv" <<'PY' >"$T/out"
import csv, sys
rows = sorted(csv.DictReader(open(sys.argv[1])), key=lambda r: int(r["turn"]))
print(" ".join(r["status"] for r in rows))
ctx = [int(r["context_tokens"] or -1) for r in rows]
out = [int(r["output_tokens"] or -1) for r in rows]
print(" ".join(map(str, ctx)))
print(all(ctx[k] >= ctx[k - 1] + out[k - 1] + 1 for k in range(1, len(ctx))) and ctx[0] > 0)
print(" ".join(r["cached_tokens"] or "-" for r in rows))
PY
echo "# context_tokens $(sed -n 2p "$T/out"), cached_tokens $(sed -n 4p "$T/out")"
[ $rc -eq 0 ] && [ "$(sed -n 1p "$T/out")" = "ok ok ok" ] && ok "llama-server: a 3-turn conversation, every row ok" ||
	nok "llama-server: 3 turns ok" "exit $rc $(cat "$T/out" "$T/err")"
[ "$(sed -n 3p "$T/out")" = True ] && ok "llama-server: context_tokens grows by at least the last reply and the new turn" ||
	nok "llama-server: growing context_tokens" "$(cat "$T/out")"
monoall "$T"
