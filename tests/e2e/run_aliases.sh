#!/bin/sh
# --api aliases (the backend names of vLLM's and SGLang's benchmarks)
# reach llmsim on their dialect's path, and rows name the dialect.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
. tests/e2e/sim.lib
trap 'kill "$SIMPID" 2>/dev/null; rm -rf $_tmps' EXIT
col() { head -1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }

start_sim --zero-latency --truth "$T/truth.jsonl"
[ -n "$URL" ] || { nok "llmsim starts" "$(cat "$T/err")"; exit 0; }
for pair in vllm:openai-completions openai:openai-completions lmdeploy:openai-completions \
	scalellm:openai-completions vllm-chat:openai-chat lmdeploy-chat:openai-chat; do
	alias=${pair%%:*} api=${pair#*:}
	path=/v1/completions
	[ "$api" = openai-chat ] && path=/v1/chat/completions
	before=$(wc -l <"$T/truth.jsonl")
	llmrun --url "$URL" --model llmsim --no-probe --api "$alias" --prompt hi --requests 2 \
		--max-tokens 3 -q -o "$T/$alias.csv" 2>"$T/$alias.err"
	rc=$?
	got=$(tail -n +2 "$T/$alias.csv" | cut -d, -f"$(col "$T/$alias.csv" api)" | sort -u)
	paths=$(tail -n +$((before + 1)) "$T/truth.jsonl" | sed 's/.*"path":"\([^"]*\)".*/\1/' | sort -u)
	if [ $rc -eq 0 ] && [ "$got" = "$api" ] && [ "$paths" = "$path" ]; then
		ok "--api $alias is $api ($path)"
	else
		nok "--api $alias is $api ($path)" "exit $rc, api '$got', paths '$paths': $(cat "$T/$alias.err")"
	fi
done
stop_sim

# An unknown name lists the dialects and the aliases.
llmrun --url http://127.0.0.1:1 --api lightllm --prompt x 2>"$T/e"
rc=$?
[ $rc -eq 64 ] && grep -q "want openai-chat|.*or an alias: openai|vllm|vllm-chat" "$T/e" &&
	ok "an unknown --api: 64, listing dialects and aliases" ||
	nok "an unknown --api: 64, listing dialects and aliases" "exit $rc: $(cat "$T/e")"
monoall "$T"
