#!/bin/sh
# The engines with dialects of their own, both ways: llmsim's wire for
# Triton (TensorRT-LLM), SGLang's native API and DeepSpeed-MII checked with
# curl against their documented formats (docs/llmsim.md), then llmrun
# against llmsim in each, streaming and not where the engine has both,
# its rows checked against llmsim's ground-truth log.
. tests/lib.sh
. tests/e2e/truth.lib
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
. tests/e2e/sim.lib
trap 'kill "$SIMPID" 2>/dev/null; rm -rf $_tmps' EXIT
col() { head -1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }
vals() { c=$(col "$1" "$2"); tail -n +2 "$1" | cut -d, -f"$c"; }

start_sim --zero-latency --truth "$T/wire.jsonl"
[ -n "$URL" ] || { nok "llmsim starts" "$(cat "$T/err")"; exit 0; }
post() { curl -sS -m 20 -N "$URL$1" -d "$2"; }
printf 'hello world' >"$T/p"
P=$(llmgen count -t "$TOKF" "$T/p" | awk '{print $1}')

# Triton: "data: " events with text_output (what each adds), no [DONE];
# the model is the path's.
curl -sS -m 20 -N -D "$T/h" "$URL/v2/models/llmsim/generate_stream" \
	-d '{"text_input":"hello world","max_tokens":5,"min_length":5,"stream":true}' >"$T/s"
grep -qi '^content-type: text/event-stream' "$T/h" && grep -q '^data: {' "$T/s" && ! grep -q DONE "$T/s" &&
	ok "Triton stream: SSE data: events, no [DONE]" || nok "Triton framing" "$(cat "$T/h" "$T/s")"
grep '^data: ' "$T/s" | sed 's/^data: //' >"$T/j"
r=$(jq -sc '[length, (map(.model_name) | unique), (map(.text_output | split(" ") | length - 1) | unique)]' "$T/j")
[ "$r" = '[5,["llmsim"],[1]]' ] && ok "Triton stream: one text_output per token, model_name" || nok "Triton stream" "$r"
r=$(post /v2/models/llmsim/generate '{"text_input":"hello world","max_tokens":4,"min_length":4}' |
	jq -c '[.model_name, (.text_output | split(" ") | length - 1)]')
[ "$r" = '["llmsim",4]' ] && ok "Triton /generate body" || nok "Triton /generate" "$r"
code=$(curl -s -o "$T/b" -w '%{http_code}' "$URL/v2/models/other/generate" -d '{"text_input":"x"}')
[ "$code" = 400 ] && grep -q 'other' "$T/b" && ok "Triton: another model in the path is 400" ||
	nok "Triton unknown model" "$code $(cat "$T/b")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/v2/models/llmsim%2Fx/generate" -d '{"text_input":"x"}')
[ "$code" = 400 ] && ok "Triton: the path's model is percent-decoded (llmsim/x is not llmsim)" || nok "Triton decoded model" "$code"

# SGLang: the whole text so far in every event, meta_info's counts so far,
# [DONE] at the end.
post /generate '{"text":"hello world","sampling_params":{"max_new_tokens":5,"ignore_eos":true},"stream":true}' >"$T/s"
tail -n 2 "$T/s" | grep -q '^data: \[DONE\]' && ok "SGLang stream ends with [DONE]" || nok "SGLang [DONE]" "$(tail -3 "$T/s")"
grep '^data: {' "$T/s" | sed 's/^data: //' >"$T/j"
r=$(jq -sc '[length, (map(.meta_info.completion_tokens)), (map(.meta_info.prompt_tokens) | unique),
	(. as $a | [range(1; length) as $i | ($a[$i].text | startswith($a[$i - 1].text)) and ($a[$i].text | length) > ($a[$i - 1].text | length)] | unique),
	(.[:-1] | map(.meta_info.finish_reason) | unique), .[-1].meta_info.finish_reason.type,
	(.[-1].text | split(" ") | length - 1)]' "$T/j")
[ "$r" = "[5,[1,2,3,4,5],[$P],[true],[null],\"length\",5]" ] &&
	ok "SGLang stream: cumulative text, meta_info counts, finish_reason" || nok "SGLang stream" "$r"
r=$(post /generate '{"text":"hello world","sampling_params":{"max_new_tokens":3,"ignore_eos":true}}' |
	jq -c '[.meta_info.completion_tokens, .meta_info.prompt_tokens, .meta_info.finish_reason.type, (.text | split(" ") | length - 1)]')
[ "$r" = "[3,$P,\"length\",3]" ] && ok "SGLang /generate body" || nok "SGLang body" "$r"
# TGI keeps /generate: the body's shape picks the dialect.
r=$(post /generate '{"inputs":"hello world","parameters":{"max_new_tokens":2,"ignore_eos":true}}' | jq -c '.details.generated_tokens')
[ "$r" = 2 ] && ok "/generate with inputs is still TGI's" || nok "TGI on /generate" "$r"
post /generate '{"prompt":"x"}' >"$T/b"
grep -q 'inputs: expected a string' "$T/b" && ok "/generate with neither text nor inputs: TGI's 400" || nok "neither" "$(cat "$T/b")"
post /generate '{"text":7}' >"$T/b"
grep -q 'text: expected a string' "$T/b" && ok "/generate with a bad text: SGLang's 400" || nok "bad text" "$(cat "$T/b")"

# MII: the gateway's body, a JSON string holding the list of responses.
post /mii/llmsim '{"prompts":["hello world"],"max_new_tokens":4,"ignore_eos":true}' >"$T/b"
r=$(jq -c 'type' "$T/b")/$(jq -r . "$T/b" | jq -c '[length, .[0].generated_length, .[0].prompt_length, .[0].finish_reason, (.[0].generated_text | split(" ") | length - 1)]')
[ "$r" = "\"string\"/[1,4,$P,\"length\",4]" ] && ok "MII body: a JSON string holding the Response list" || nok "MII body" "$r $(cat "$T/b")"
code=$(curl -s -o "$T/b" -w '%{http_code}' "$URL/mii/llmsim" -d '{"prompts":["a","b"]}')
[ "$code" = 400 ] && ok "MII: more than one prompt is 400" || nok "MII two prompts" "$code $(cat "$T/b")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/mii/other" -d '{"prompts":"a"}')
[ "$code" = 400 ] && ok "MII: another deployment is 400" || nok "MII other deployment" "$code"
stop_sim
n=$(jq -r 'select(.status == 200) | .path' "$T/wire.jsonl" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
[ "$n" = "/generate:3 /mii/{model}:1 /v2/models/{model}/generate:1 /v2/models/{model}/generate_stream:1 " ] &&
	ok "every engine's requests are in the truth log, by route" || nok "truth routes" "$n"

# llmrun against llmsim in each dialect.
printf 'id,prompt,output_tokens\n' >"$T/c.csv"
for i in 1 2 3 4 5 6; do echo "r$i,prompt number $i about the weather,$((8 + i))" >>"$T/c.csv"; done
start_sim --time-scale 20 --seed 3 --truth "$T/truth.jsonl"
for run in triton:--stream triton:--no-stream tensorrt-llm:--stream sglang:--stream sglang:--no-stream \
	sglang-native:--stream mii:--no-stream deepspeed-mii:--no-stream; do
	api=${run%%:*} mode=${run#*:} f="$T/$api$mode.csv"
	llmrun --url "$URL" --model llmsim --api "$api" $mode --ignore-eos -t "$TOKF" --batch-sizes 3 -q \
		-o "$f" "$T/c.csv" 2>"$T/run.err"
	rc=$?
	st=$(vals "$f" status | sort -u | tr '\n' ' ')
	# --ignore-eos: every answer is as long as asked, by any count.
	long=$(paste -d' ' "$(vals "$f" output_tokens >"$T/o"; echo "$T/o")" "$(vals "$f" max_tokens >"$T/m"; echo "$T/m")" | awk '$1 == $2' | wc -l)
	if [ $rc -eq 0 ] && [ "$st" = "ok " ] && [ "$long" -eq 6 ]; then
		ok "llmrun --api $api $mode: 6 ok rows, output tokens as asked"
	else
		nok "llmrun --api $api $mode" "exit $rc, status '$st', $long as long as asked; $(cat "$T/run.err") $(tail -1 "$f")"
	fi
done
# Where the counts come from: SGLang's and MII's own, Triton's from the
# tokenizer (it sends none).
for pair in triton--stream:tokenizer sglang--stream:usage sglang--no-stream:usage mii--no-stream:usage; do
	f="$T/${pair%%:*}.csv" want=${pair#*:}
	src=$(vals "$f" output_tokens_source | sort -u)
	[ "$src" = "$want" ] && ok "${pair%%:*}: output tokens from $want" || nok "${pair%%:*} token source" "'$src'"
done
[ "$(vals "$T/sglang--stream.csv" input_tokens_source | sort -u)" = usage ] &&
	ok "sglang: input tokens from meta_info" || nok "sglang input source" "$(vals "$T/sglang--stream.csv" input_tokens_source | sort -u)"
# SGLang's chunks carry the tokens meta_info says they added: they sum to
# the output tokens.
bad=$(paste -d' ' "$(vals "$T/sglang--stream.csv" output_tokens >"$T/o"; echo "$T/o")" "$(vals "$T/sglang--stream.csv" chunk_log >"$T/l"; echo "$T/l")" |
	awk '{ s = 0; for (i = 2; i <= NF; i++) { split($i, x, ":"); s += x[2] } if (s != $1) bad++ } END { print bad + 0 }')
[ "$bad" = 0 ] && ok "sglang: chunk_log tokens sum to output_tokens" || nok "sglang chunk tokens" "$bad rows differ"
for f in triton--stream sglang--stream; do
	if out=$(truthcheck "$T/$f.csv" "$T/truth.jsonl" "$f"); then
		echo "$out"
		ok "$f: chunks as llmsim sent them, none seen early"
	else
		nok "$f: chunks as llmsim sent them, none seen early" "$out"
	fi
done
[ "$(vals "$T/triton--no-stream.csv" chunk_log | sort -u)" = "" ] && [ "$(vals "$T/mii--no-stream.csv" ttft_ms | sort -u)" = "" ] &&
	ok "not streamed: no chunk log, no TTFT" || nok "not streamed rows"

# A URL with a Triton path is cut to its base, with a note.
llmrun --url "$URL/v2/models/llmsim/generate_stream" --model llmsim --api triton --prompt hi --requests 1 \
	--max-tokens 2 -o "$T/cut.csv" 2>"$T/cut.err"
rc=$?
[ $rc -eq 0 ] && grep -q "using the base URL $URL " "$T/cut.err" && ok "--url with a Triton path: the base is used" ||
	nok "--url with a Triton path" "exit $rc: $(cat "$T/cut.err")"
# Without --model, llmrun asks the dialect's own list: TGI's /info and
# Ollama's /api/tags, which llmsim serves too (it answered 404, and the
# run stopped with 69).
for a in tgi:/info ollama:/api/tags; do
	llmrun --url "$URL" --api "${a%%:*}" --prompt hi --requests 1 --max-tokens 2 -o "$T/lm.csv" 2>"$T/lm.err"
	rc=$?
	[ $rc -eq 0 ] && grep -q "using llmsim, the first model $URL${a#*:} lists" "$T/lm.err" &&
		ok "--api ${a%%:*} without --model: llmsim's ${a#*:} names it" ||
		nok "--api ${a%%:*} without --model: llmsim's ${a#*:} names it" "exit $rc: $(cat "$T/lm.err")"
done
# ...and the wrong --api for it is a usage error naming triton.
llmrun --url "$URL/v2/models/llmsim/generate" --api tgi --prompt hi 2>"$T/e"
rc=$?
[ $rc -eq 64 ] && grep -q "path of --api triton, not of --api tgi" "$T/e" && ok "a Triton path with --api tgi: 64" ||
	nok "a Triton path with --api tgi" "exit $rc: $(cat "$T/e")"
stop_sim

# Triton's streams have no end marker: one cut short must still be a
# disconnect, never a shorter ok answer.
start_sim --zero-latency --disconnect-rate 1
llmrun --url "$URL" --model llmsim --api triton --no-probe --prompt "hi there" --requests 3 \
	--max-tokens 40 --ignore-eos -q -o "$T/cut-triton.csv" 2>/dev/null
st=$(vals "$T/cut-triton.csv" status | sort | uniq -c | awk '{print $2 ":" $1}')
[ "$st" = disconnect:3 ] && ok "triton: a stream cut short is a disconnect row" || nok "triton cut stream" "$st"
stop_sim

# MII has no streaming endpoint: asking for a stream is a usage error.
llmrun --url http://127.0.0.1:1 --api mii --prompt x 2>"$T/e"
rc=$?
[ $rc -eq 64 ] && grep -q -- "--api mii has no streaming endpoint: add --no-stream" "$T/e" &&
	ok "--api mii without --no-stream: 64" || nok "--api mii streamed" "exit $rc: $(cat "$T/e")"
monoall "$T"
