#!/bin/sh
# llmgen --conversations and --from-sharegpt --multi-turn: conversation
# corpora whose every turn is exact in tokens, with turns 1..n in order,
# one topic per conversation, reproducible from the seed; a single-turn
# corpus keeps its columns; bad combinations and templates without
# [follow-up] are errors that leave no file.
. tests/lib.sh
. tests/data/gen/lib.sh
T=$(mktmp)
need_tokfile cl100k_base.tiktoken >/dev/null || exit 1

# Index lines: row itok otok group conversation_id turn topic.
llmgen -q --conversations 12 --turns 2:5 -s short-long -s long-short --seed 7 -o "$T/c.csv" &&
	split_corpus "$T/c.csv" "$T/c" && ok "conversations: written" || nok "conversations: written"
head -1 "$T/c.csv" | grep -q '^id,conversation_id,turn,group,' &&
	ok "conversations: conversation_id and turn follow id" || nok "conversations: header" "$(head -1 "$T/c.csv")"
recount_exact "$T/c" cl100k_base && ok "conversations: every turn's input_tokens exact" ||
	nok "conversations: every turn's input_tokens exact" "$(cat "$T/c/recount")"

# Turns run 1..n in order, n within --turns, ids 1..24 in order, a topic
# per conversation; turn 1 of long-short within its scenario's 500:800,
# later turns within --follow-up-tokens' default 15:40.
bad=$(awk '{
	c = $5; t = $6
	if (c != last) {
		if (last != "" && (n < 2 || n > 5)) print "conversation " last " has " n " turns"
		if (c != last + 1) print "conversation " c " after " last
		if (t != 1) print "conversation " c " starts at turn " t
		last = c; n = 0; topic = $7
	} else if (t != n + 1) print "conversation " c ": turn " t " after " n
	else if ($7 != topic) print "conversation " c ": topic changes at turn " t
	n = t
	if (t == 1 && $4 == "long-short" && ($2 < 500 || $2 > 800)) print "row " $1 ": turn 1 has " $2 " tokens"
	if (t > 1 && ($2 < 15 || $2 > 40)) print "row " $1 ": follow-up has " $2 " tokens"
} END {
	if (n < 2 || n > 5) print "last conversation has " n " turns"
	if (last != 24) print "last conversation id " last ", wanted 24"
}' "$T/c/index")
[ -z "$bad" ] && ok "conversations: turns 1..n (2-5), ids in order, one topic, lengths in range" ||
	nok "conversations: structure" "$bad"
# Follow-ups come from [follow-up]: a later turn starts with one of its lines.
awk '$6 > 1 { print $1 }' "$T/c/index" | head -5 | while read -r i; do
	first=$(head -c 40 "$T/c/$i.txt")
	grep -qF "$first" templates/en/tasks.txt || echo "row $i: $first"
done >"$T/fu"
[ -s "$T/fu" ] && nok "conversations: later turns are follow-ups" "$(cat "$T/fu")" ||
	ok "conversations: later turns are follow-ups from tasks.txt"

llmgen -q --conversations 12 --turns 2:5 -s short-long -s long-short --seed 7 -o "$T/c2.csv"
cmp -s "$T/c.csv" "$T/c2.csv" && ok "conversations: same seed, same corpus" || nok "conversations: reproducible"
llmgen -q --conversations 12 --turns 2:5 -s short-long -s long-short --seed 8 -o "$T/c3.csv"
cmp -s "$T/c.csv" "$T/c3.csv" && nok "conversations: another seed differs" || ok "conversations: another seed differs"

# Chinese and random text, fixed turn count, exact as well.
llmgen -q --conversations 4 --turns 3 --follow-up-tokens 20 -s random -s long-long --lang zh -o "$T/z.csv" &&
	split_corpus "$T/z.csv" "$T/z"
[ "$(wc -l <"$T/z/index")" -eq 24 ] && ok "zh/random: 8 conversations x 3 turns" || nok "zh/random: rows" "$(wc -l <"$T/z/index")"
awk '$6 > 1 && $2 != 20' "$T/z/index" | grep -q . && nok "zh/random: follow-ups exactly 20 tokens" ||
	ok "zh/random: follow-ups exactly 20 tokens"
recount_exact "$T/z" cl100k_base && ok "zh/random: exact" || nok "zh/random: exact" "$(cat "$T/z/recount")"

# A single-turn corpus is unchanged: no conversation columns.
llmgen -q -n 3 -o "$T/s.csv" && head -1 "$T/s.csv" | grep -q '^id,group,' &&
	! head -1 "$T/s.csv" | grep -q conversation_id && ok "single-turn corpus: columns unchanged" ||
	nok "single-turn corpus: columns" "$(head -1 "$T/s.csv")"

# ShareGPT kept whole: a1 (one turn), a3 (two turns after a system turn);
# a2 (no human turn) skipped. max_tokens = the recorded reply's count.
S=tests/data/gen/src
llmgen -q --from-sharegpt $S/good.json --multi-turn -o "$T/g.csv" && split_corpus "$T/g.csv" "$T/g"
got=$(awk '{ printf "%s/%s ", $5, $6 }' "$T/g/index")
[ "$got" = "1/1 2/1 2/2 " ] && ok "sharegpt --multi-turn: conversations 1 (1 turn), 2 (2 turns)" ||
	nok "sharegpt --multi-turn: turns" "$got"
printf 'And to French?' | cmp -s - "$T/g/3.txt" && ok "sharegpt --multi-turn: turn 2 is the second human turn" ||
	nok "sharegpt --multi-turn: turn 2 text" "$(cat "$T/g/3.txt")"
printf 'Bonjour' >"$T/reply"
want=$(llmgen count "$T/reply")
awk -v w="$want" 'NR == 3 && $3 != w' "$T/g/index" | grep -q . && nok "sharegpt --multi-turn: output_tokens = reply's count" ||
	ok "sharegpt --multi-turn: output_tokens = reply's count ($want)"
recount_exact "$T/g" cl100k_base && ok "sharegpt --multi-turn: exact" || nok "sharegpt --multi-turn: exact" "$(cat "$T/g/recount")"
# --count samples whole conversations: one conversation, all its turns.
for seed in 1 2 3 4; do
	llmgen -q --from-sharegpt $S/good.json --multi-turn -n 1 --seed $seed -o "$T/g1.csv" && split_corpus "$T/g1.csv" "$T/g1"
	awk '{ printf "%s/%s ", $5, $6 }' "$T/g1/index"; echo
done >"$T/samples"
grep -vxE '1/1 |1/1 1/2 ' "$T/samples" | grep -q . && nok "sharegpt --multi-turn -n 1: whole conversations" "$(cat "$T/samples")" ||
	ok "sharegpt --multi-turn -n 1: one whole conversation, renumbered"
grep -qx '1/1 1/2 ' "$T/samples" && ok "sharegpt --multi-turn -n 1: the two-turn one sampled too" ||
	nok "sharegpt --multi-turn -n 1: sample never picked the 2-turn conversation" "$(cat "$T/samples")"

# Bad combinations: usage errors; templates without [follow-up]: data
# error naming tasks.txt; nothing written.
expect_exit 64 "--turns without --conversations: 64" llmgen --turns 3 -o "$T/x.csv"
expect_exit 64 "--conversations with --count: 64" llmgen --conversations 3 -n 5 -o "$T/x.csv"
expect_exit 64 "--multi-turn without --from-sharegpt: 64" llmgen --multi-turn -o "$T/x.csv"
expect_exit 64 "--conversations with an import: 64" llmgen --conversations 2 --from-text $S/good.txt -o "$T/x.csv"
expect_exit 64 "--turns 0: 64" llmgen --conversations 2 --turns 0 -o "$T/x.csv"
llmgen --conversations 2 --templates tests/data/gen/tpl-good -o "$T/x.csv" 2>"$T/err"
rc=$?
[ $rc -eq 65 ] && grep -q 'tpl-good/en/tasks.txt: no \[follow-up\] section' "$T/err" && [ ! -e "$T/x.csv" ] &&
	ok "templates without [follow-up]: 65 naming tasks.txt, no file" ||
	nok "templates without [follow-up]" "exit $rc: $(cat "$T/err")"
[ ! -e "$T/x.csv" ] && ok "no output after any error" || nok "an error left $T/x.csv"

# vLLM's multi-turn conversations JSON ({"id", "messages": [{role, content}]})
# reads like ShareGPT: two conversations of 2 and 1 turns.
llmgen -q --from-sharegpt $S/vllm-multi-turn.json --multi-turn -o "$T/v.csv" && split_corpus "$T/v.csv" "$T/v"
got=$(awk '{ printf "%s/%s ", $5, $6 }' "$T/v/index")
[ "$got" = "1/1 1/2 2/1 " ] && ok "vLLM multi-turn JSON: conversations 1 (2 turns), 2 (1 turn)" ||
	nok "vLLM multi-turn JSON: turns" "$got"
printf 'And a soft one?' | cmp -s - "$T/v/2.txt" && ok "vLLM multi-turn JSON: turn 2 is the second user message" ||
	nok "vLLM multi-turn JSON: turn 2" "$(cat "$T/v/2.txt")"
printf 'Six minutes.' >"$T/reply2"
want=$(llmgen count "$T/reply2")
awk -v w="$want" 'NR == 2 && $3 != w' "$T/v/index" | grep -q . && nok "vLLM multi-turn JSON: output_tokens = the reply's count" ||
	ok "vLLM multi-turn JSON: output_tokens = the reply's count ($want)"
# Never the same follow-up twice in a row (docs/llmgen.md): one redraw let
# 1 in 256 through, 3 in this corpus.
llmgen -q --conversations 200 --turns 6 -s short-long -s long-short --seed 5 -o "$T/rep.csv"
rep=$(python3 - "$T/rep.csv" <<'PY'
import csv, sys
from collections import defaultdict
conv = defaultdict(list)
for r in csv.DictReader(open(sys.argv[1])):
    conv[(r.get("group"), r["conversation_id"])].append(r)
rep = 0
for v in conv.values():
    v.sort(key=lambda r: int(r["turn"]))
    rep += sum(a["prompt"][:60] == b["prompt"][:60] for a, b in zip(v[1:], v[2:]))
print(rep)
PY
)
[ "$rep" = 0 ] && ok "no follow-up twice in a row in 2,000 follow-ups" || nok "no follow-up twice in a row" "$rep repeats"
