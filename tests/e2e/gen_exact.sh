#!/bin/sh
# llmgen: every row's input_tokens is the exact count of its prompt (checked
# by an independent `llmgen count`), and fixed targets from 64 to 32,768
# tokens are met exactly, with a tiktoken and a tokenizer.json tokenizer.
. tests/lib.sh
. tests/data/gen/lib.sh
T=$(mktmp)
need_tokfile cl100k_base.tiktoken >/dev/null || exit 1
need_tokfile qwen3-tokenizer.json.gz >/dev/null || exit 1
need_tokfile llama3-tokenizer.json.gz >/dev/null || exit 1

# Each scenario: counts agree with an independent count.
for lang in en zh; do
	if llmgen -q --templates templates --lang $lang -s short-long -s long-long -s long-short \
		-s random -n 6 --seed 11 -o "$T/s.csv" 2>"$T/err"; then
		split_corpus "$T/s.csv" "$T/s"
		recount "$T/s" cl100k_base >"$T/rc"
		bad=$(awk '$2 != $3' "$T/rc")
		rows=$(wc -l <"$T/rc" | tr -d ' ')
		for g in short-long long-long long-short random; do
			n=$(awk -v g=$g '$4 == g' "$T/rc" | wc -l | tr -d ' ')
			[ "$n" -eq 6 ] && ok "$lang $g: 6 rows" || nok "$lang $g: 6 rows" "got $n"
		done
		[ "$rows" -eq 24 ] && [ -z "$bad" ] && ok "$lang scenarios: input_tokens = llmgen count" ||
			nok "$lang scenarios: input_tokens = llmgen count" "$rows rows; mismatches: $bad"
		# Defaults: short input 30-50, long 500-800; output 200-400 or 10-30.
		awk '$4 == "short-long" && ($2 < 30 || $2 > 50 || $3 < 200 || $3 > 400) ||
		     $4 == "long-short" && ($2 < 500 || $2 > 800 || $3 < 10 || $3 > 30) ||
		     $4 == "long-long" && ($2 < 500 || $2 > 800 || $3 < 200 || $3 > 400)' "$T/s/index" >"$T/out"
		[ ! -s "$T/out" ] && ok "$lang default ranges" || nok "$lang default ranges" "$(cat "$T/out")"
	else
		nok "$lang scenarios generate" "$(cat "$T/err")"
	fi
done

# Fixed targets: each row is exactly its group's target.
targets=64,100,128,256,500,512,1000,1024,2048,4096,8192,16384,32768
for tk in cl100k_base qwen3 llama3; do
	for lang in en zh; do
		name="$tk $lang fixed targets 64..32768"
		if ! llmgen -q --templates templates --lang $lang -t $tk -i $targets -n 2 --seed 5 \
			-o "$T/f.csv" 2>"$T/err"; then
			nok "$name" "$(cat "$T/err")"
			continue
		fi
		split_corpus "$T/f.csv" "$T/f"
		recount "$T/f" $tk >"$T/rc"
		bad=$(awk '{ t = $4; sub(/^in=/, "", t) } $2 != t || $3 != t' "$T/rc")
		rows=$(wc -l <"$T/rc" | tr -d ' ')
		[ "$rows" -eq 26 ] && [ -z "$bad" ] && ok "$name" || nok "$name" "$rows rows; misses: $bad"
	done
done

# The summary reports no miss.
llmgen --templates templates -i 64,4096 -n 3 -o "$T/m.csv" 2>"$T/err"
grep -q "0 missed their input target" "$T/err" && ok "summary: 0 missed" || nok "summary: 0 missed" "$(cat "$T/err")"
grep -q "seed 1," "$T/err" && ok "summary prints the seed" || nok "summary prints the seed"
grep -q "^in=4096 .* 3 " "$T/err" && ok "summary: rows per group" || nok "summary: rows per group" "$(cat "$T/err")"

# A tokenizer whose tokens are pieces of a character (r50k_base on
# Chinese): a step of one token backed off to the same byte, the search
# stopped with nothing under the target, and 26 of 100 rows were cut at
# 0, hundreds of tokens short (one character, then the instruction).
if need_tokfile r50k_base.tiktoken >/dev/null; then
	llmgen --templates templates -t r50k_base --lang zh -s long-long -n 100 --seed 4 \
		-o "$T/r50.csv" 2>"$T/err"
	split_corpus "$T/r50.csv" "$T/r50"
	grep -q "100 rows; 0 missed their input target" "$T/err" && recount_exact "$T/r50" r50k_base &&
		ok "r50k_base, Chinese: every long row exact, none missed" ||
		nok "r50k_base, Chinese: every long row exact, none missed" "$(tail -n 3 "$T/err")"
fi

# -q keeps the summary quiet, not the rows that missed their target.
llmgen -q --templates templates --unique-prefix -s short-long -i 1:3 -n 5 --seed 2 -o "$T/q.csv" 2>"$T/err"
grep -q "warning: short-long: [0-9]* rows* missed the input target: target below the minimum of the prefix and the instruction together" "$T/err" &&
	ok "-q: rows that missed their target are still warned" ||
	nok "-q: rows that missed their target are still warned" "$(cat "$T/err")"
