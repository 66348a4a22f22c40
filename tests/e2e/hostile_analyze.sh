#!/bin/sh
# Hostile inputs to llmanalyze: empty files, files that are not results or
# lack columns, a 100 MB single field, invalid UTF-8, NUL bytes, nonsense
# option values, missing files, unwritable outputs. Each must end with the
# exit status of the man page and one message that says what is wrong
# (file:line where there is one), never a crash or a partial output file.
. tests/lib.sh
T=$(mktmp)
awk -v steps=1,2 -v waves=2 -v fail=7 -f tests/data/analyze/gen.awk >"$T/r.csv"

expect_err() {
	want=$1; text=$2; name=$3; shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	lines=$(grep -vc "^try '" "$T/err")
	if [ "$got" -eq "$want" ] && grep -qF -- "$text" "$T/err" && [ "$lines" -eq 1 ]; then
		ok "$name"
	else
		nok "$name" "exit $got (wanted $want); stderr: $(cat "$T/err") (wanted '$text' on one line)"
	fi
}
# Nothing left in folder $1 (no output, no temporary file).
empty_dir() {
	if [ -z "$(ls -A "$1")" ]; then ok "$2"; else nok "$2" "$(ls -la "$1")"; fi
}
mkdir "$T/o"

: >"$T/empty"
expect_err 65 "empty: empty file (no header)" "an empty file is 65" llmanalyze -o "$T/o/x.csv" "$T/empty"
printf '\n\n' >"$T/blank"
expect_err 65 "blank" "a file of blank lines is 65" llmanalyze -o "$T/o/x.csv" "$T/blank"
head -1 "$T/r.csv" >"$T/header"
expect_err 65 "no result rows to analyze" "a header without rows is 65" llmanalyze -o "$T/o/x.csv" "$T/header"
printf 'prompt,input_tokens,output_tokens\nhi,1,2\n' >"$T/corpus.csv"
expect_err 65 'corpus.csv:1: no column "run_id": not a results file?' "a corpus instead of results is 65" \
	llmanalyze -o "$T/o/x.csv" "$T/corpus.csv"
cut -d, -f1-13 "$T/r.csv" >"$T/cut.csv"
expect_err 65 'cut.csv:1: no column "status"' "results missing columns: 65 naming the column" \
	llmanalyze -o "$T/o/x.csv" "$T/cut.csv"
expect_err 65 'r.csv:1: no column "nosuch" to group by' "--by a missing column: 65" \
	llmanalyze -b nosuch -o "$T/o/x.csv" "$T/r.csv"
{ head -3 "$T/r.csv"; printf 'r1,sim\n'; sed -n 4p "$T/r.csv"; } >"$T/short.csv"
expect_err 65 "short.csv:4: expected 38 fields, got 2" "a short row in the middle: 65 naming file:line" \
	llmanalyze -o "$T/o/x.csv" "$T/short.csv"
awk -F, -v OFS=, 'NR == 3 { $22 = "fast" } 1' "$T/r.csv" >"$T/nan.csv"
expect_err 65 "nan.csv:3:" "a word where a number goes: 65 naming file:line" \
	llmanalyze -o "$T/o/x.csv" "$T/nan.csv"
# A negative latency, a chunk log that goes back, a first token stamped
# before the send: a broken file, not a fast server.
awk -F, -v OFS=, 'NR == 3 { $24 = "-5.000" } 1' "$T/r.csv" >"$T/neg.csv"
expect_err 65 "neg.csv:3:24: e2e_ms: a duration cannot be negative" "a negative E2E: 65 naming file:line:column" \
	llmanalyze -o "$T/o/x.csv" "$T/neg.csv"
awk -F, -v OFS=, 'NR == 3 { $38 = "532 20000 1453 1758" } 1' "$T/r.csv" >"$T/back.csv"
expect_err 65 "back.csv:3: chunk_log: offsets go back (1453 after 20000)" "a chunk log that goes back: 65 naming file:line" \
	llmanalyze -o "$T/o/x.csv" "$T/back.csv"
awk -F, -v OFS=, 'NR == 3 { $22 = ""; $18 = "1000000000000000" } 1' "$T/r.csv" >"$T/early.csv"
expect_err 65 "early.csv:3: t_first_token_ns before t_sent_ns" "a first token before its send: 65 naming file:line" \
	llmanalyze -o "$T/o/x.csv" "$T/early.csv"
empty_dir "$T/o" "refused inputs leave no output file"

# Invalid UTF-8 in a key column would reach JSON and HTML: refused.
awk 'NR == 3 { sub(/,m1,/, ",m\377\376,") } 1' "$T/r.csv" >"$T/utf.csv"
expect_err 65 'utf.csv:3: column "model": invalid UTF-8' "invalid UTF-8 in a key: 65 naming file:line" \
	llmanalyze -f json -o "$T/o/x.json" "$T/utf.csv"
awk 'NR == 3 { sub(/,m1,/, ",m\000x,") } 1' "$T/r.csv" >"$T/nul.csv"
if grep -q "m.x," "$T/nul.csv"; then
	expect_err 65 "nul.csv:3:" "a NUL byte: 65 naming file:line" llmanalyze -o "$T/o/x.csv" "$T/nul.csv"
else
	printf 'r1,sim,m\0002\n' >>"$T/nul.csv"
	expect_err 65 "nul.csv:" "a NUL byte: 65 naming file:line" llmanalyze -o "$T/o/x.csv" "$T/nul.csv"
fi
empty_dir "$T/o" "bad bytes leave no output file"

# A 100 MB single field (the chunk_log of one row): refused past the CSV
# reader's 64 MiB field cap, naming file, line, column and the cap.
{ head -2 "$T/r.csv"; sed -n 3p "$T/r.csv" | sed 's/,[^,]*$/,/' | tr -d '\n'
  head -c 100000000 /dev/zero | tr '\0' 1; echo; } >"$T/big.csv"
expect_err 65 "big.csv:3:" "a 100 MB field: 65 naming file:line:column" llmanalyze -o "$T/o/x.csv" "$T/big.csv"
grep -qF "field longer than 67108864 bytes" "$T/err" && ok "a 100 MB field: the message gives the cap" ||
	nok "a 100 MB field: the message gives the cap" "$(cat "$T/err")"
rm -f "$T/big.csv"
empty_dir "$T/o" "a refused 100 MB field leaves no output file"

# Option values.
while IFS='|' read -r args text; do
	case $args in '#'*|'') continue ;; esac
	# shellcheck disable=SC2086
	expect_err 64 "$text" "usage 64: llmanalyze $args" llmanalyze $(echo $args | sed "s|CHARTS|$T/o/ch|") "$T/r.csv"
done <<'CASES'
--slo ttft:-5|bad --slo 'ttft:-5'
--slo ttft:0|bad --slo 'ttft:0'
--slo ttft:abc|bad --slo 'ttft:abc'
--slo ttft:nan|bad --slo 'ttft:nan'
--slo ttft:inf|bad --slo 'ttft:inf'
--slo ttft:1e400|bad --slo 'ttft:1e400'
--slo latency:5|bad --slo 'latency:5'
--slo ttft|bad --slo 'ttft'
--format xml|unknown format 'xml'
--columns nosuch|unknown column 'nosuch'
--rank nosuch|unknown column 'nosuch'
--timeline-step -1 --charts CHARTS|--timeline-step -1: no such step
--timeline-step 99999999999999999999 --charts CHARTS|no such step
--no-such-option|unknown option '--no-such-option'
--slo ttft:500,ttft:100|--slo ttft:500,ttft:100: a figure given a limit twice
--columns ttft_p50,ttft_p50|--columns: 'ttft_p50' given twice
--by step,step|--by: 'step' given twice
--timeline-step 2|--timeline-step picks a chart's step: it needs --charts or --html
--context-bucket 256|--context-bucket sets the width of the context_bucket column
--quiet=1|option '--quiet' takes no value
CASES
grep -qF "try 'llmanalyze --help'" "$T/err" && ok "usage errors say what to try" || nok "usage errors say what to try" "$(cat "$T/err")"
# -c note alone: the group's keys and its note, not all 110 columns.
[ "$(llmanalyze -f csv -c note "$T/r.csv" | head -n 1)" = "target,model,group,step,note" ] &&
	ok "-c note: the keys and the note alone" || nok "-c note: the keys and the note alone" "$(llmanalyze -f csv -c note "$T/r.csv" | head -n 1 | cut -c1-200)"

expect_err 66 "none.csv: cannot open" "a missing input is 66" llmanalyze "$T/none.csv"
expect_err 66 "none.csv: cannot open" "a missing second input is 66" llmanalyze "$T/r.csv" "$T/none.csv"
# A missing folder for -o or --html is 66 (lib/ofile.h), a folder that
# cannot be made for --charts 74; a full device 74.
expect_err 66 "/nonexistent/dir/x.csv: cannot create" "-o into a missing folder is 66" \
	llmanalyze -o /nonexistent/dir/x.csv "$T/r.csv"
expect_err 66 "/nonexistent/dir/x.html: cannot create" "--html into a missing folder is 66" \
	llmanalyze --html /nonexistent/dir/x.html "$T/r.csv"
expect_err 74 "/nonexistent/dir" "--charts into a missing parent is 74" llmanalyze --charts /nonexistent/dir "$T/r.csv"
# Every output is checked before the first is written: a refused later
# one leaves no table behind.
mkdir "$T/p"
expect_err 66 "/nonexistent/dir/x.html: cannot create" "-o with --html into a missing folder is 66" \
	llmanalyze -o "$T/p/t.csv" --html /nonexistent/dir/x.html "$T/r.csv"
expect_err 74 "/proc/nope" "-o with --legacy-dir that cannot be made is 74" \
	llmanalyze -o "$T/p/t.csv" --legacy-dir /proc/nope "$T/r.csv"
expect_err 74 "is a folder" "-o naming a folder is 74" llmanalyze -o "$T/p" "$T/r.csv"
empty_dir "$T/p" "a refused output leaves no other output behind"
expect_err 74 "writing standard output failed" "a table to /dev/full is 74" sh -c "llmanalyze '$T/r.csv' >/dev/full"
# ... and why (md, json and xlsx said "write failed" alone).
for f in json md xlsx; do
	expect_err 74 "/dev/full: write failed: No space left on device" "-f $f -o /dev/full: 74 naming it and why" \
		llmanalyze -q -f $f -o /dev/full "$T/r.csv"
done
expect_err 74 "writing standard output failed" "--list-columns to /dev/full is 74" sh -c 'llmanalyze --list-columns >/dev/full'
# An output that is an input: refused, the input kept (until 2026-12-07
# the results file became the table, exit 0).
cp "$T/r.csv" "$T/same.csv"
expect_err 64 "-o $T/same.csv is an input: it would be overwritten" "-o naming an input: 64" llmanalyze -o "$T/same.csv" "$T/same.csv"
cmp -s "$T/r.csv" "$T/same.csv" && ok "... and the input is as it was" || nok "... and the input is as it was"
expect_err 64 "--html $T/same.csv is an input" "--html naming an input: 64" llmanalyze -o /dev/null --html "$T/same.csv" "$T/same.csv"
# ... nor the metadata beside an input, nor each other, nor compare's
# inputs (compare -o replaced the baseline, exit 0).
echo '{"run_id": "x"}' >"$T/same.csv.meta.json"
expect_err 64 "-o $T/same.csv.meta.json is the metadata of input $T/same.csv" "-o naming an input's metadata: 64" \
	llmanalyze -o "$T/same.csv.meta.json" "$T/same.csv"
expect_err 64 "-o $T/same.csv.metrics.csv is the server metrics of input $T/same.csv" "-o naming an input's server metrics: 64" \
	llmanalyze -o "$T/same.csv.metrics.csv" "$T/same.csv"
expect_err 64 "-o and --html name one file" "-o and --html naming one file: 64" llmanalyze -o "$T/both.out" --html "$T/both.out" "$T/same.csv"
# ... nor the corpus or the truth log, named as such.
cp "$T/corpus.csv" "$T/corpus2.csv"
expect_err 64 "-o $T/corpus2.csv is the --corpus file: it would be overwritten" "-o naming the corpus: 64" \
	llmanalyze --legacy-dir "$T/lgc" --corpus "$T/corpus2.csv" -o "$T/corpus2.csv" "$T/same.csv"
cmp -s "$T/corpus.csv" "$T/corpus2.csv" && ok "... and the corpus is as it was" || nok "... and the corpus is as it was"
echo '{}' >"$T/truth.jsonl"
expect_err 64 "--html $T/truth.jsonl is the --truth file: it would be overwritten" "--html naming the truth log: 64" \
	llmanalyze --truth "$T/truth.jsonl" -o /dev/null --html "$T/truth.jsonl" "$T/same.csv"
# ... nor what --legacy-dir and --charts write into their folders (the
# input became the legacy table, exit 0).
mkdir "$T/lg"
cp "$T/r.csv" "$T/lg/batch_size_comparison.csv"
expect_err 64 "--legacy-dir $T/lg writes a file there that is an input ($T/lg/batch_size_comparison.csv)" "--legacy-dir writing over an input: 64" \
	llmanalyze --legacy-dir "$T/lg" "$T/lg/batch_size_comparison.csv"
cmp -s "$T/r.csv" "$T/lg/batch_size_comparison.csv" && ok "... and the input is as it was (legacy)" || nok "... and the input is as it was (legacy)"
expect_err 64 "--charts $T/lg writes a file there that is the -o file" "--charts writing over -o: 64" \
	llmanalyze --charts "$T/lg" -o "$T/lg/by_step.dat" "$T/same.csv"
# ... also through links: an input that links to such a file, and such a
# file that links to an input elsewhere.
ln -s lg/batch_size_comparison.csv "$T/prev.csv"
expect_err 64 "writes a file there that is an input ($T/prev.csv)" "--legacy-dir writing over an input given by a link: 64" \
	llmanalyze --legacy-dir "$T/lg" "$T/prev.csv"
mkdir "$T/lg2" && cp "$T/r.csv" "$T/elsewhere.csv" && ln -s ../elsewhere.csv "$T/lg2/batch_size_comparison.csv"
expect_err 64 "writes a file there that is an input ($T/elsewhere.csv)" "--legacy-dir whose file links to an input: 64" \
	llmanalyze --legacy-dir "$T/lg2" "$T/elsewhere.csv"
cmp -s "$T/r.csv" "$T/elsewhere.csv" && ok "... and the inputs are as they were (links)" || nok "... and the inputs are as they were (links)"
cp "$T/r.csv" "$T/base.csv"
expect_err 64 "-o $T/base.csv is an input: it would be overwritten" "compare -o naming the baseline: 64" \
	llmanalyze compare -o "$T/base.csv" "$T/base.csv" "$T/same.csv"
expect_err 64 "-o $T/same.csv.meta.json is the metadata of input" "compare -o naming an input's metadata: 64" \
	llmanalyze compare -o "$T/same.csv.meta.json" "$T/base.csv" "$T/same.csv"
cmp -s "$T/r.csv" "$T/base.csv" && [ "$(cat "$T/same.csv.meta.json")" = '{"run_id": "x"}' ] && [ ! -e "$T/both.out" ] &&
	ok "... the inputs are as they were, no output made" || nok "... the inputs are as they were, no output made"
expect_err 74 "writing standard output failed" "compare --help to /dev/full is 74" sh -c 'llmanalyze compare --help >/dev/full'
# -o through a symbolic link writes the file it points to.
: >"$T/real.csv"
ln -s real.csv "$T/link.csv"
llmanalyze -q -f csv -o "$T/link.csv" "$T/r.csv"
[ -L "$T/link.csv" ] && grep -q '^target,' "$T/real.csv" && ok "-o through a link: the link stays, its file gets the table" ||
	nok "-o through a link: the link stays, its file gets the table" "$(ls -l "$T/link.csv" "$T/real.csv")"
# An open quote on an early row runs to the end: bad data naming its line,
# not a cut-off last row (until 2026-12-07 the rows after it were skipped
# with a warning, and the table counted 2 requests of 40, exit 0).
awk -F, -v OFS=, 'NR == 4 { $1 = "\"" $1 } { print }' "$T/r.csv" >"$T/quote.csv"
expect_err 65 "quote.csv:" "an open quote on line 4: 65" llmanalyze "$T/quote.csv"
grep -q "record from line 4" "$T/err" && ok "... naming the line it opens on" || nok "... naming the line it opens on" "$(cat "$T/err")"
