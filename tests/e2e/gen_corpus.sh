#!/bin/sh
# llmgen: distributions, reproducibility, prefix control, the legacy
# three-file layout, and no partial output on failure.
. tests/lib.sh
. tests/data/gen/lib.sh
T=$(mktmp)
need_tokfile cl100k_base.tiktoken >/dev/null || exit 1
G="llmgen -q --templates templates"

# mean_of FILE COLUMN: mean of column 2 (input) or 3 (output) of an index.
mean_of() { awk -v c="$2" '{ s += $c; n++ } END { printf "%.2f", s / n }' "$1"; }
# within X WANT TOL
within() { awk -v x="$1" -v w="$2" -v t="$3" 'BEGIN { exit !(x >= w - t && x <= w + t) }'; }

# Distributions: 400 rows; tolerance 4 standard errors (4 sd / sqrt(400)).
$G -i normal:1000,200 --output-tokens lognormal:mean=300,sd=60 -n 400 --seed 3 -o "$T/d.csv"
split_corpus "$T/d.csv" "$T/d"
m=$(mean_of "$T/d/index" 2)
within "$m" 1000 40 && ok "normal:1000,200 input mean $m within 1000 +- 40" || nok "normal input mean" "$m"
m=$(mean_of "$T/d/index" 3)
within "$m" 300 12 && ok "lognormal mean=300,sd=60 output mean $m within 300 +- 12" || nok "lognormal output mean" "$m"
$G -i 200:400 --output-tokens 100 -n 400 --seed 4 -o "$T/u.csv"
split_corpus "$T/u.csv" "$T/u"
m=$(mean_of "$T/u/index" 2)
within "$m" 300 12 && ok "200:400 input mean $m within 300 +- 12" || nok "uniform input mean" "$m"
awk '$2 < 200 || $2 > 400 || $3 != 100' "$T/u/index" | grep -q . && nok "uniform bounds" || ok "uniform bounds and fixed output"
recount_exact "$T/d" cl100k_base && ok "distribution rows exact" || nok "distribution rows exact" "$(cat "$T/d/recount")"

# Every default bound is overridable.
$G -n 30 --short-input 10 --long-input 900:950 --short-output 1 --long-output 77 -o "$T/b.csv"
split_corpus "$T/b.csv" "$T/bd"
awk '$4 == "short-long" && ($2 != 10 || $3 != 77) || $4 == "long-long" && ($2 < 900 || $2 > 950 || $3 != 77) ||
     $4 == "long-short" && ($2 < 900 || $2 > 950 || $3 != 1)' "$T/bd/index" >"$T/out"
[ "$(wc -l <"$T/bd/index")" -eq 90 ] && [ ! -s "$T/out" ] && ok "scenario bounds overridable" || nok "scenario bounds overridable" "$(cat "$T/out")"
$G --long-input 5:2 2>"$T/err"; rc=$?
[ $rc -eq 64 ] && grep -q -- "--long-input" "$T/err" && ok "bad --long-input: 64 naming the option" || nok "bad --long-input" "exit $rc: $(cat "$T/err")"

# Sweeps: a group per value, labelled.
$G -i 128,512 --output-tokens 16,64 -n 2 -o "$T/w.csv"
split_corpus "$T/w.csv" "$T/w"
groups=$(awk '{ print $4 }' "$T/w/index" | sort -u | tr '\n' ' ')
[ "$groups" = "in=128/out=16 in=128/out=64 in=512/out=16 in=512/out=64 " ] && ok "sweep groups" || nok "sweep groups" "$groups"

# Same seed: identical bytes; another seed: other prompts.
$G -s long-short -s short-long -s random -i normal:300,50 -n 5 --seed 9 -o "$T/a.csv" 2>/dev/null
$G -s long-short -s short-long -s random -i normal:300,50 -n 5 --seed 9 -o "$T/b.csv" 2>/dev/null
$G -s long-short -s short-long -s random -i normal:300,50 -n 5 --seed 10 -o "$T/c.csv" 2>/dev/null
cmp -s "$T/a.csv" "$T/b.csv" && ok "same seed: byte-identical CSV" || nok "same seed: byte-identical CSV"
split_corpus "$T/a.csv" "$T/pa"; split_corpus "$T/c.csv" "$T/pc"
same=0
for f in "$T"/pa/*.txt; do cmp -s "$f" "$T/pc/$(basename "$f")" && same=$((same + 1)); done
[ "$same" -eq 0 ] && ok "different seed: every prompt differs" || nok "different seed: every prompt differs" "$same identical"
$G --lang mix -n 20 --seed 2 -o "$T/mix.csv"
grep -q ',zh,' "$T/mix.csv" && grep -q ',en,' "$T/mix.csv" && ok "--lang mix draws both languages" || nok "--lang mix"

# Shared prefix: the first N token ids of every prompt of a group agree.
$G -s long-long -s short-long --shared-prefix-tokens 100 -i 300 -n 3 --seed 6 -o "$T/sp.csv"
split_corpus "$T/sp.csv" "$T/sp"
for i in 1 2 3 4 5 6; do llmgen count --ids "$T/sp/$i.txt" | tr ' ' '\n' | head -n 100 >"$T/sp/$i.ids"; done
cmp -s "$T/sp/1.ids" "$T/sp/2.ids" && cmp -s "$T/sp/1.ids" "$T/sp/3.ids" && cmp -s "$T/sp/4.ids" "$T/sp/6.ids" &&
	ok "shared prefix: 100 identical leading ids in a group" || nok "shared prefix: 100 identical leading ids in a group"
cmp -s "$T/sp/1.ids" "$T/sp/4.ids" && nok "shared prefix differs between groups" || ok "shared prefix differs between groups"
[ "$(wc -l <"$T/sp/1.ids")" -eq 100 ] && ok "shared prefix: 100 ids read" || nok "shared prefix: 100 ids read"
a=$(llmgen count --ids "$T/sp/1.txt" | cut -d' ' -f101-110); b=$(llmgen count --ids "$T/sp/2.txt" | cut -d' ' -f101-110)
[ "$a" != "$b" ] && ok "shared prefix: prompts differ after it" || nok "shared prefix: prompts differ after it"
recount_exact "$T/sp" cl100k_base 300 && ok "shared prefix rows exact" || nok "shared prefix rows exact" "$(cat "$T/sp/recount")"
# ... also where a long row's document is cut to nothing (the prefix's
# blank line and the task's joined into one token: 4 of 200 rows had it)
# and where random text began with whitespace (1 of 100).
$G -s long-short -s random --shared-prefix-tokens 200 -i 201:215 -n 100 --seed 3 -o "$T/sp2.csv" 2>/dev/null
split_corpus "$T/sp2.csv" "$T/sp2"
for f in "$T"/sp2/*.txt; do
	printf '%s %s\n' "$(awk -v f="$(basename "$f" .txt)" '$1 == f { print $4 }' "$T/sp2/index")" \
		"$(llmgen count --ids "$f" | cut -d' ' -f1-200 | md5sum | cut -c1-12)"
done | sort -u >"$T/sp2/firsts"
[ "$(wc -l <"$T/sp2/index")" -eq 200 ] && [ "$(wc -l <"$T/sp2/firsts")" -eq 2 ] &&
	ok "shared prefix: 200 identical leading ids in every row, also a document cut to nothing" ||
	nok "shared prefix: 200 identical leading ids in every row" "$(cat "$T/sp2/firsts" | head)"

# Unique prefix: no two prompts share their first 8 tokens.
$G -s long-short --unique-prefix -n 6 -o "$T/up.csv"
split_corpus "$T/up.csv" "$T/up"
for i in 1 2 3 4 5 6; do llmgen count --ids "$T/up/$i.txt" | cut -d' ' -f1-8; done | sort | uniq -d >"$T/dups"
[ ! -s "$T/dups" ] && ok "unique prefix: distinct first 8 tokens" || nok "unique prefix" "$(cat "$T/dups")"

# The legacy three files, in the current folder or under --dir.
mkdir "$T/leg" && (cd "$T/leg" && llmgen -q --templates "$OLDPWD/templates" --scenario all -n 7)
for f in short_input_long_output long_input_long_output long_input_short_output; do
	p="$T/leg/input/${f}_prompts.csv"
	if [ -f "$p" ] && head -n 1 "$p" | grep -q '^id,group,scenario,input_tokens,output_tokens,tokenizer,lang,template,topic,prompt' &&
		[ "$(count_rows "$p")" -eq 7 ]; then ok "--scenario all: $f header and 7 rows"; else nok "--scenario all: $f"; fi
done
grep -c ',long-short,' "$T/leg/input/long_input_short_output_prompts.csv" | grep -qx 7 && ok "legacy file holds its scenario" || nok "legacy file holds its scenario"
$G --scenario all -C "$T/leg2" -n 2 2>/dev/null; [ $? -eq 66 ] && ok "--dir that does not exist: 66" || nok "--dir that does not exist: 66"
mkdir "$T/leg2" && $G --scenario all -C "$T/leg2" -n 2 && [ -f "$T/leg2/input/long_input_long_output_prompts.csv" ] && ok "--scenario all -C DIR" || nok "--scenario all -C DIR"
$G --scenario all -n 2 -o "$T/all.csv" && [ "$(count_rows "$T/all.csv")" -eq 6 ] && ok "--scenario all -o: one mixed corpus" || nok "--scenario all -o"

# Failure leaves no file, old or partial.
expect_exit 66 "unknown tokenizer: 66" $G -t no-such-tok -o "$T/x.csv"
[ ! -e "$T/x.csv" ] && ok "no output file after a failure" || nok "no output file after a failure"
mkdir -p "$T/badtpl/en" && cp templates/en/*.txt "$T/badtpl/en/" && echo "Broken {topik} line" >>"$T/badtpl/en/ai.txt"
llmgen -q --templates "$T/badtpl" -o "$T/y.csv" 2>"$T/err"; rc=$?
[ $rc -eq 65 ] && grep -q "ai.txt:[0-9]*:[0-9]*: unknown placeholder {topik}" "$T/err" && ok "bad template: 65 naming file:line" || nok "bad template: 65" "exit $rc: $(cat "$T/err")"
[ ! -e "$T/y.csv" ] && ok "bad template: no file" || nok "bad template: no file"
mkdir "$T/leg3" && (cd "$T/leg3" && llmgen -q --templates "$T/badtpl" --scenario all -n 2 2>/dev/null)
[ -z "$(ls -A "$T/leg3/input" 2>/dev/null)" ] && ok "--scenario all failure: no legacy file" || nok "--scenario all failure: no legacy file" "$(ls "$T/leg3/input")"
ls -A "$T" "$T/leg/input" | grep -q '^\.' && nok "no temporary file left" "$(ls -A "$T")" || ok "no temporary file left"

# Usage and I/O errors.
expect_exit 64 "bad length: 64" $G -i 0
expect_exit 64 "bad scenario: 64" $G -s medium
expect_exit 64 "bad count: 64" $G -n 0
expect_exit 64 "unknown language: 64" $G --lang fr
expect_exit 64 "both prefix options: 64" $G --unique-prefix --shared-prefix-tokens 5
expect_exit 64 "stray argument: 64" $G -n 2 extra
expect_exit 74 "/dev/full: 74" sh -c "$G -n 2 >/dev/full"
expect_exit 0 "--help: 0" llmgen --help
llmgen --help | grep -q -- '--shared-prefix-tokens' && ok "--help lists generate options" || nok "--help lists generate options"
