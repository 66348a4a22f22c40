#!/bin/sh
# llmgen count refuses bad tokenizer files, unsupported tokenizer kinds and
# bad input with the right exit code and a message that says what is wrong.
. tests/lib.sh
T=$(mktmp)
printf 'hello world\n' >"$T/in.txt"

# Runs llmgen count with ARGS; passes when it exits WANT and stderr
# contains TEXT.
expect_err() {
	want=$1; text=$2; name=$3; shift 3
	llmgen count "$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ] && { [ -z "$text" ] || grep -qF -- "$text" "$T/err"; }; then
		ok "$name"
	else
		nok "$name" "exit $got (wanted $want); stderr: $(cat "$T/err") (wanted '$text')"
	fi
}

# A valid rank file needs all 256 bytes; build one, then break it.
awk 'BEGIN { for (i = 0; i < 256; i++) printf "%c", i }' >"$T/bytes"
i=0
: >"$T/good.tiktoken"
while [ $i -lt 256 ]; do
	printf '%s %d\n' "$(dd if="$T/bytes" bs=1 skip=$i count=1 2>/dev/null | base64)" $i >>"$T/good.tiktoken"
	i=$((i + 1))
done
mkdir -p "$T/r"
cp "$T/good.tiktoken" "$T/r/cl100k_base.tiktoken"
expect_err 0 "" "a minimal byte-only rank file loads" -t "$T/r/cl100k_base.tiktoken" "$T/in.txt"
[ "$(llmgen count -t "$T/r/cl100k_base.tiktoken" "$T/in.txt")" = 12 ] && ok "byte-only ranks give one token per byte" || nok "byte-only ranks give one token per byte"

{ cat "$T/good.tiktoken"; echo 'a@b= 256'; } >"$T/r/r50k_base.tiktoken"
expect_err 65 "r50k_base.tiktoken:257: bad base64" "rank file: bad base64 names the line" -t "$T/r/r50k_base.tiktoken" "$T/in.txt"
{ cat "$T/good.tiktoken"; echo 'aGk= 25x'; } >"$T/r/r50k_base.tiktoken"
expect_err 65 "r50k_base.tiktoken:257: bad rank" "rank file: bad rank names the line" -t "$T/r/r50k_base.tiktoken" "$T/in.txt"
{ cat "$T/good.tiktoken"; echo 'aGk= 7'; } >"$T/r/r50k_base.tiktoken"
expect_err 65 "r50k_base.tiktoken:257: duplicate" "rank file: duplicate rank" -t "$T/r/r50k_base.tiktoken" "$T/in.txt"
{ cat "$T/good.tiktoken"; echo 'YQ== 300'; } >"$T/r/r50k_base.tiktoken"
expect_err 65 "r50k_base.tiktoken:257: duplicate" "rank file: duplicate token" -t "$T/r/r50k_base.tiktoken" "$T/in.txt"
head -n 200 "$T/good.tiktoken" >"$T/r/r50k_base.tiktoken"
expect_err 65 "is not a token of its own" "rank file: a missing byte is refused" -t "$T/r/r50k_base.tiktoken" "$T/in.txt"
cp "$T/good.tiktoken" "$T/r/mystery.tiktoken"
expect_err 65 "unknown tiktoken encoding" "rank file of an unknown encoding is refused" -t "$T/r/mystery.tiktoken" "$T/in.txt"
# Another encoding's official rank file under a built-in name would load
# with the name's regex and count with the wrong split: refused, naming
# the encoding whose size it has.
for pair in o200k_base:cl100k_base p50k_base:r50k_base; do
	have=${pair%%:*} named=${pair#*:}
	src=$(need_tokfile "$have.tiktoken") || continue
	mkdir -p "$T/renamed"
	cp "$src" "$T/renamed/$named.tiktoken"
	expect_err 65 "as many as $have's rank file, but the name says $named" \
		"$have's ranks named $named refused" -t "$T/renamed/$named.tiktoken" "$T/in.txt"
	rm -f "$T/renamed/$named.tiktoken"
done

# tokenizer.json files.
j() { printf '%s' "$2" >"$T/$1"; }
j bad.json '{"model": {"type": "BPE", '
expect_err 65 "bad.json:1:" "tokenizer.json: bad JSON names file:line:column" -t "$T/bad.json" "$T/in.txt"
j nomodel.json '{"version": "1.0"}'
expect_err 65 "no model" "tokenizer.json: missing model" -t "$T/nomodel.json" "$T/in.txt"
j uni.json '{"model": {"type": "Unigram", "vocab": [["a", 0.0]]}}'
expect_err 65 "model Unigram is not supported" "tokenizer.json: Unigram refused" -t "$T/uni.json" "$T/in.txt"
# One huge id in a tiny file once sized the hash table past 2^31 slots,
# which wrapped to 0 and looped for ever; now refused at once.
j hugeid.json '{"pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0, "b": 1073741823}, "merges": []}}'
timeout 60 llmgen count -t "$T/hugeid.json" "$T/in.txt" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 65 ] && grep -qF "has id 1073741823, far beyond the 2 entries" "$T/err" &&
	ok "tokenizer.json: a huge vocab id is refused quickly" ||
	nok "tokenizer.json: a huge vocab id is refused quickly" "exit $rc (124: still running after 60 s); $(cat "$T/err")"
j wp.json '{"model": {"type": "WordPiece", "vocab": {"a": 0}}}'
expect_err 65 "model WordPiece is not supported" "tokenizer.json: WordPiece refused" -t "$T/wp.json" "$T/in.txt"
j bf.json '{"model": {"type": "BPE", "byte_fallback": true, "vocab": {"a": 0}, "merges": []}}'
expect_err 65 "byte_fallback" "tokenizer.json: SentencePiece-style byte_fallback BPE refused" -t "$T/bf.json" "$T/in.txt"
j ms.json '{"pre_tokenizer": {"type": "Metaspace", "replacement": "▁"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}'
expect_err 65 "Metaspace" "tokenizer.json: Metaspace pre-tokenizer refused" -t "$T/ms.json" "$T/in.txt"
j nfkc.json '{"normalizer": {"type": "NFKC"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}'
expect_err 65 "normalizer NFKC is not supported" "tokenizer.json: unsupported normalizer named" -t "$T/nfkc.json" "$T/in.txt"
j nomerge.json '{"pre_tokenizer": {"type": "ByteLevel", "use_regex": true}, "model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a c"]}}'
expect_err 65 "merge 0" "tokenizer.json: merge of unknown tokens refused" -t "$T/nomerge.json" "$T/in.txt"
printf 'not gzip at all' >"$T/x.json.gz"
expect_err 65 "x.json.gz" "tokenizer.json.gz: bad gzip data refused" -t "$T/x.json.gz" "$T/in.txt"

# Missing things, usage, bad input, output errors.
expect_err 66 "tokenizer 'nosuch' not found" "unknown tokenizer name: 66 and how to get it" -t nosuch "$T/in.txt"
expect_err 66 "make tokenizers" "unknown tokenizer name says how to get files" -t nosuch "$T/in.txt"
expect_err 66 "$T/missing.txt" "missing input: 66 naming the file" -t "$T/r/cl100k_base.tiktoken" "$T/missing.txt"
expect_err 64 "llmgen count --help" "bad option: 64 and a hint" --no-such-option
printf 'ok \303\050 bad' >"$T/bad.txt"
expect_err 65 "bad.txt: invalid UTF-8 at byte offset 3" "invalid UTF-8: 65 with file and byte offset" -t "$T/r/cl100k_base.tiktoken" "$T/bad.txt"
printf 'ab\355\240\200' >"$T/surr.txt"
expect_err 65 "byte offset 2" "UTF-8 surrogate refused with its offset" -t "$T/r/cl100k_base.tiktoken" "$T/surr.txt"
if [ -w /dev/full ]; then
	llmgen count -t "$T/r/cl100k_base.tiktoken" --ids "$T/in.txt" >/dev/full 2>"$T/err"
	rc=$?
	[ $rc -eq 74 ] && grep -q 'write error' "$T/err" && ok "--ids to /dev/full: 74 and a message" || nok "--ids to /dev/full: 74 and a message" "exit $rc: $(cat "$T/err")"
	llmgen count -t "$T/r/cl100k_base.tiktoken" "$T/in.txt" >/dev/full 2>/dev/null
	[ $? -eq 74 ] && ok "plain count to /dev/full: 74" || nok "plain count to /dev/full: 74"
else
	nok "/dev/full is writable" "this test needs /dev/full"
fi
