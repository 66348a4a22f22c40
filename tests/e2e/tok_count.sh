#!/bin/sh
# llmgen count: output forms (plain, several files, --ids, --json), stdin,
# and how tokenizer names are found. The exact ids of every reference text
# are checked by tests/unit/test_tok.c (library and CLI).
. tests/lib.sh
T=$(mktmp)
cl=$(need_tokfile cl100k_base.tiktoken) || exit 1
qw=$(need_tokfile qwen3-tokenizer.json.gz) || exit 1

printf 'hello world' >"$T/a.txt"
printf 'Tokenizers count <|endoftext|> as plain text.\n' >"$T/b.txt"

got=$(llmgen count --ids "$T/a.txt")
[ "$got" = "15339 1917" ] && ok "cl100k_base is the default; 'hello world' is 15339 1917" || nok "cl100k_base is the default" "got '$got'"
got=$(llmgen count <"$T/a.txt")
[ "$got" = 2 ] && ok "stdin when no file" || nok "stdin when no file" "got '$got'"
got=$(llmgen count - <"$T/b.txt")
want=$(llmgen count "$T/b.txt")
[ "$got" = "$want" ] && ok "'-' reads stdin" || nok "'-' reads stdin" "got '$got', want '$want'"
n=$(llmgen count --ids "$T/b.txt" | wc -w)
[ "$n" = "$want" ] && ok "--ids prints count ids" || nok "--ids prints count ids" "$n ids, count $want"
llmgen count --ids "$T/b.txt" | grep -qw 100257 && nok "special-token text is not the special id" || ok "special-token text is not the special id"

printf '%s\t%s\n%s\t%s\n' 2 "$T/a.txt" "$want" "$T/b.txt" >"$T/want"
llmgen count "$T/a.txt" "$T/b.txt" >"$T/got"
cmp -s "$T/got" "$T/want" && ok "several files: count TAB name per line" || nok "several files: count TAB name per line" "$(cat "$T/got")"

got=$(llmgen count --json "$T/a.txt")
[ "$got" = "{\"file\":\"$T/a.txt\",\"tokenizer\":\"cl100k_base\",\"count\":2}" ] && ok "--json object" || nok "--json object" "$got"
got=$(llmgen count --json --ids -t "$cl" "$T/a.txt" "$T/a.txt" | sed -n 2p)
[ "$got" = "{\"file\":\"$T/a.txt\",\"tokenizer\":\"cl100k_base\",\"count\":2,\"ids\":[15339,1917]}" ] && ok "--json --ids, one object per input, path labelled by encoding" || nok "--json --ids" "$got"

# Name lookup: the forms a name may take in a LLMBENCH_TOKENIZERS folder.
want=$(llmgen count -t "$qw" "$T/b.txt")
mkdir -p "$T/d1" "$T/d2/mine"
cp "$qw" "$T/d1/mine-tokenizer.json.gz"
gzip -dc "$qw" >"$T/d2/mine/tokenizer.json"
gzip -dc "$qw" >"$T/d2/other.json"
for spec in "d1:mine" "d2:mine" "d2:other" "nosuch:d2:other"; do
	dirs=""
	name=${spec##*:}
	old=$IFS; IFS=:
	for d in ${spec%:*}; do dirs="$dirs${dirs:+:}$T/$d"; done
	IFS=$old
	got=$(LLMBENCH_TOKENIZERS=$dirs llmgen count -t "$name" "$T/b.txt")
	[ "$got" = "$want" ] && ok "name '$name' found in $spec" || nok "name '$name' found in $spec" "got '$got', want '$want'"
done
got=$(LLMBENCH_TOKENIZERS="$T/d1" llmgen count --json -t mine "$T/a.txt")
echo "$got" | grep -q '"tokenizer":"mine"' && ok "a name labels the output" || nok "a name labels the output" "$got"
# Every Hugging Face model's file is tokenizer.json: a path is labelled
# with its folder too; another file by its base name.
got=$(llmgen count --json -t "$T/d2/mine/tokenizer.json" "$T/a.txt")
echo "$got" | grep -q '"tokenizer":"mine/tokenizer.json"' && ok "a tokenizer.json path labelled with its folder" ||
	nok "a tokenizer.json path labelled with its folder" "$got"
got=$(cd "$T/d2/mine" && llmgen count --json -t ./tokenizer.json "$T/a.txt")
echo "$got" | grep -q '"tokenizer":"mine/tokenizer.json"' && ok "./tokenizer.json labelled with the folder it is in" ||
	nok "./tokenizer.json labelled with the folder it is in" "$got"
# A folder name that is not UTF-8 still gives a label (JSON holds UTF-8
# only: the key was dropped), with U+FFFD for the byte.
bad=$(printf 'caf\351')
mkdir -p "$T/$bad"
cp "$T/d2/mine/tokenizer.json" "$T/$bad/"
got=$(llmgen count --json -t "$T/$bad/tokenizer.json" "$T/a.txt")
echo "$got" | grep -q '"tokenizer":"caf\(\\ufffd\|�\)/tokenizer.json"' && ok "a folder that is not UTF-8: a label all the same" ||
	nok "a folder that is not UTF-8: a label all the same" "$got"
got=$(llmgen count --json -t "$T/d2/other.json" "$T/a.txt")
echo "$got" | grep -q '"tokenizer":"other.json"' && ok "another .json path labelled by its base name" ||
	nok "another .json path labelled by its base name" "$got"
