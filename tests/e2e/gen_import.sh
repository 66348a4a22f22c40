#!/bin/sh
# llmgen --from-jsonl / --from-sharegpt / --from-text on small fixtures:
# prompts kept as they are and counted exactly; malformed lines are exit 65
# with a message naming file and line.
. tests/lib.sh
. tests/data/gen/lib.sh
T=$(mktmp)
need_tokfile cl100k_base.tiktoken >/dev/null || exit 1
S=tests/data/gen/src

llmgen -q --from-jsonl $S/good.jsonl -o "$T/j.csv" && split_corpus "$T/j.csv" "$T/j"
[ "$(wc -l <"$T/j/index")" -eq 3 ] && ok "jsonl: 3 rows" || nok "jsonl: 3 rows"
printf 'What is the capital of France?' | cmp -s - "$T/j/1.txt" && ok "jsonl: prompt kept byte for byte" || nok "jsonl: prompt kept"
awk 'NR == 1 && $3 != 16 || NR == 3 && $3 != 64' "$T/j/index" | grep -q . && nok "jsonl: output_tokens from the file" || ok "jsonl: output_tokens from the file"
awk 'NR == 2 && ($3 < 200 || $3 > 400)' "$T/j/index" | grep -q . && nok "jsonl: default output range when absent" || ok "jsonl: default output range when absent"
grep -q ',jsonl,' "$T/j.csv" && ok "jsonl: scenario column" || nok "jsonl: scenario column"
recount_exact "$T/j" cl100k_base && ok "jsonl: input_tokens exact" || nok "jsonl: input_tokens exact" "$(cat "$T/j/recount")"

# A shared prefix before imported prompts: the first N ids agree in every
# row, also where a prompt starts with a newline (it would join the
# prefix's blank line into one token) or other whitespace.
printf '{"prompt":"normal prompt"}\n{"prompt":"\\nstarts with a newline"}\n{"prompt":" \\n\\t spaced out"}\n' >"$T/sp.jsonl"
llmgen -q --from-jsonl "$T/sp.jsonl" --shared-prefix-tokens 20 -o "$T/sp.csv" && split_corpus "$T/sp.csv" "$T/sp"
for i in 1 2 3; do llmgen count --ids "$T/sp/$i.txt" | cut -d' ' -f1-20; done | sort -u >"$T/sp.ids"
[ "$(wc -l <"$T/sp.ids")" -eq 1 ] && [ "$(wc -w <"$T/sp.ids")" -eq 20 ] &&
	ok "jsonl with a shared prefix: 20 identical leading ids, prompts with leading whitespace too" ||
	nok "jsonl with a shared prefix: 20 identical leading ids" "$(cat "$T/sp.ids")"
recount_exact "$T/sp" cl100k_base && ok "jsonl with a shared prefix: input_tokens exact" ||
	nok "jsonl with a shared prefix: input_tokens exact" "$(cat "$T/sp/recount")"

llmgen -q --from-sharegpt $S/good.json -o "$T/s.csv" && split_corpus "$T/s.csv" "$T/s"
[ "$(wc -l <"$T/s/index")" -eq 2 ] && ok "sharegpt: 2 usable conversations" || nok "sharegpt: 2 rows"
printf '%s' "Put the egg in boiling water for about nine minutes, then cool it in cold water." >"$T/reply"
want=$(llmgen count "$T/reply")
awk -v w="$want" 'NR == 1 && $3 != w' "$T/s/index" | grep -q . && nok "sharegpt: output_tokens = reply's count" || ok "sharegpt: output_tokens = reply's count ($want)"
recount_exact "$T/s" cl100k_base && ok "sharegpt: input_tokens exact" || nok "sharegpt: input_tokens exact" "$(cat "$T/s/recount")"
llmgen -q --from-sharegpt $S/good-lines.json -o "$T/sl.csv" && [ "$(count_rows "$T/sl.csv")" -eq 2 ] && ok "sharegpt: one conversation per line" || nok "sharegpt: one per line"

llmgen -q --from-text $S/good.txt --output-tokens 50 -o "$T/t.csv" && split_corpus "$T/t.csv" "$T/t"
[ "$(wc -l <"$T/t/index")" -eq 3 ] && ok "text: 3 prompts, blank lines skipped" || nok "text: 3 prompts"
awk '$3 != 50' "$T/t/index" | grep -q . && nok "text: --output-tokens" || ok "text: --output-tokens"
printf 'First prompt line.' | cmp -s - "$T/t/1.txt" && ok "text: CR LF stripped" || nok "text: CR LF stripped"
llmgen -q --from-text $S/good.txt -n 2 --seed 4 -o "$T/t2.csv" && [ "$(count_rows "$T/t2.csv")" -eq 2 ] && ok "text: --count samples" || nok "text: --count samples"
# A prompt's draws (output length, tag) are its own: --count changes
# which prompts are written, not what a prompt gets.
for i in $(seq 1 40); do printf 'Question %d: why is the sky blue in case %d?\n\n' $i $i; done >"$T/many.txt"
for n in 10 25; do
	llmgen -q --from-text "$T/many.txt" -n $n --seed 3 --unique-prefix -o "$T/many$n.csv" &&
		split_corpus "$T/many$n.csv" "$T/many$n"
done
# "tag output_tokens question" per row of a sample.
draws() {
	awk '{ print $1 }' "$1/index" | while read -r id; do
		printf '%s %s\n' "$(cut -c1-18 "$1/$id.txt")" "$(awk -v i="$id" '$1 == i { print $3 }' "$1/index")$(cut -c19- "$1/$id.txt")"
	done
}
draws "$T/many10" | sort >"$T/d10"
draws "$T/many25" | sort >"$T/d25"
common=$(sort "$T/d10" "$T/d25" | uniq -d | wc -l)
[ "$(wc -l <"$T/d10")" -eq 10 ] && [ "$common" -eq 10 ] &&
	ok "text: a prompt gets the same output length and tag with -n 10 and -n 25" ||
	nok "text: a prompt gets the same output length and tag with -n 10 and -n 25" "$common of 10 rows alike: $(head -n 3 "$T/d10") / $(head -n 3 "$T/d25")"
llmgen -q --from-text $S/good.txt --unique-prefix -o "$T/t3.csv" && split_corpus "$T/t3.csv" "$T/t3" &&
	recount_exact "$T/t3" cl100k_base && ok "text --unique-prefix: exact" || nok "text --unique-prefix: exact" "$(cat "$T/t3/recount")"

# Malformed input: 65 and file:line in the message; no output file.
while read -r kind file want; do
	case $kind in '#'*|'') continue ;; esac
	llmgen -q --from-$kind $S/$file -o "$T/bad.csv" 2>"$T/err"
	rc=$?
	if [ $rc -eq 65 ] && grep -qF "$want" "$T/err" && [ ! -e "$T/bad.csv" ]; then
		ok "$kind $file: 65, '$want'"
	else
		nok "$kind $file: 65, '$want'" "exit $rc: $(cat "$T/err")"
	fi
done <tests/data/gen/src-bad.list
expect_exit 66 "missing import file: 66" llmgen -q --from-jsonl "$T/none.jsonl"
expect_exit 64 "import with --input-tokens: 64" llmgen -q --from-text $S/good.txt -i 100
expect_exit 64 "two imports: 64" llmgen -q --from-text $S/good.txt --from-jsonl $S/good.jsonl
