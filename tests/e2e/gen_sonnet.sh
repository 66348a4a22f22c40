#!/bin/sh
# llmgen --from-sonnet on a small file of poem lines
# (tests/data/gen/sonnet.txt): vLLM's sonnet dataset, exact in tokens.
# Every prompt starts with the same prefix (the instruction and the file's
# first whole lines, within the prefix length), goes on with lines of the
# file and counts exactly its input_tokens by an independent count.
. tests/lib.sh
. tests/data/gen/lib.sh
T=$(mktmp)
need_tokfile cl100k_base.tiktoken >/dev/null || exit 1
F=tests/data/gen/sonnet.txt

# prompts CSV PREFIX_MAX: checks the prompts of CSV with Python's csv
# module (prompts hold newlines) against the file; prints what is wrong.
prompts() {
	python3 - "$1" "$2" "$F" "$T" <<'PY'
import csv, os, sys
path, pmax, src, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
lines = [l.rstrip("\r\n") for l in open(src, encoding="utf-8") if l.strip()]
rows = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
head = "Pick as many lines as you can from these poem lines:\n"
# The prefix: the instruction and the longest run of first lines within
# pmax tokens, counted by llmgen count on files written here.
k = 0
def count(text):
    with open(os.path.join(tmp, "p.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    return int(os.popen("llmgen count '%s'" % os.path.join(tmp, "p.txt")).read().split()[0])
while k < len(lines) and count(head + "".join(l + "\n" for l in lines[:k + 1])) <= pmax:
    k += 1
prefix = head + "".join(l + "\n" for l in lines[:k])
for r in rows:
    p = r["prompt"]
    if not p.startswith(prefix):
        print("row %s: not the prefix of %d lines" % (r["id"], k)); continue
    body = p[len(prefix):].split("\n")
    # Whole lines of the file; the last may be cut, and then padded with
    # filler words when no cut lands exactly.
    last = body[-1]
    while last.split(" ")[-1] in ("the", "and", "of", "to", "in") and " " in last:
        last = last.rsplit(" ", 1)[0]
    if any(l not in lines for l in body[:-1]) or not any(l.startswith(last) for l in lines):
        print("row %s: a line not from the file: %r" % (r["id"], body))
if k < 2:
    print("prefix of %d lines" % k)
PY
}

llmgen --from-sonnet $F -n 6 -o "$T/s.csv" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && split_corpus "$T/s.csv" "$T/s" && ok "sonnet: exit 0" || nok "sonnet: exit 0" "exit $rc: $(cat "$T/err")"
[ "$(awk '{ printf "%s/%s ", $2, $3 }' "$T/s/index")" = "550/150 550/150 550/150 550/150 550/150 550/150 " ] &&
	ok "vLLM's defaults: 550 tokens in, 150 out" || nok "vLLM's defaults: 550 in, 150 out" "$(cat "$T/s/index")"
recount "$T/s" cl100k_base | awk '$2 != $3 { bad++ } END { exit !(NR == 6 && !bad) }' &&
	ok "every prompt exactly 550 tokens (counted again)" || nok "every prompt exactly 550 tokens" "$(recount "$T/s" cl100k_base)"
out=$(prompts "$T/s.csv" 200)
[ -z "$out" ] && ok "one prefix of the first whole lines within 200 tokens, then the file's lines" ||
	nok "one prefix of the first whole lines, then the file's lines" "$out"
[ "$(sort -u "$T"/s/*.txt | wc -l)" -gt 1 ] && ! cmp -s "$T/s/1.txt" "$T/s/2.txt" &&
	ok "the drawn lines differ between prompts" || nok "the drawn lines differ between prompts"

# A sweep, a shorter prefix, the seed.
llmgen -q --from-sonnet $F -i 300,420 --output-tokens 20 --shared-prefix-tokens 60 -n 3 -o "$T/w.csv" &&
	split_corpus "$T/w.csv" "$T/w"
[ "$(awk '{ printf "%s/%s/%s ", $2, $3, $4 }' "$T/w/index")" = "300/20/sonnet/in=300 300/20/sonnet/in=300 300/20/sonnet/in=300 420/20/sonnet/in=420 420/20/sonnet/in=420 420/20/sonnet/in=420 " ] &&
	recount "$T/w" cl100k_base | awk '$2 != $3 { bad++ } END { exit !(NR == 6 && !bad) }' &&
	ok "--input-tokens 300,420: a group each, exact" || nok "--input-tokens 300,420: a group each, exact" "$(cat "$T/w/index")"
out=$(prompts "$T/w.csv" 60)
[ -z "$out" ] && ok "--shared-prefix-tokens 60: the prefix within 60 tokens" || nok "--shared-prefix-tokens 60" "$out"
llmgen -q --from-sonnet $F -n 3 --seed 7 -o "$T/a.csv" && llmgen -q --from-sonnet $F -n 3 --seed 7 -o "$T/b.csv" &&
	llmgen -q --from-sonnet $F -n 3 --seed 8 -o "$T/c.csv" && cmp -s "$T/a.csv" "$T/b.csv" && ! cmp -s "$T/a.csv" "$T/c.csv" &&
	ok "a seed gives the same prompts, another seed others" || nok "a seed gives the same prompts, another seed others"

# Errors.
llmgen -q --from-sonnet $F -i 40 -o "$T/x.csv" 2>"$T/err"
rc=$?
[ $rc -eq 64 ] && grep -q "leaves no room after the sonnet prefix" "$T/err" && [ ! -e "$T/x.csv" ] &&
	ok "an input not above the prefix: 64, said" || nok "an input not above the prefix: 64" "exit $rc: $(cat "$T/err")"
expect_exit 66 "a missing file is 66" llmgen -q --from-sonnet "$T/none.txt" -o "$T/x.csv"
printf '\n\n' >"$T/empty.txt"
expect_exit 65 "a file without a line is 65" llmgen -q --from-sonnet "$T/empty.txt" -o "$T/x.csv"
expect_exit 64 "--from-sonnet with --scenario is a usage error" llmgen -q --from-sonnet $F --scenario random -o "$T/x.csv"
