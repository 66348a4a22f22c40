#!/bin/sh
# llmgen --from-burstgpt on a small trace (tests/data/gen/burstgpt*.csv):
# the trace's timestamps become arrival_s from 0, its token counts the
# rows' lengths, each prompt exactly its input_tokens by an independent
# count; failed requests (Response tokens 0) left out; a missing column,
# time going back or a bad count is exit 65 naming it.
. tests/lib.sh
. tests/data/gen/lib.sh
T=$(mktmp)
need_tokfile cl100k_base.tiktoken >/dev/null || exit 1
D=tests/data/gen
# Column NAME of a corpus, one value per row (prompts hold commas and
# newlines: Python's csv module reads them).
column() { python3 -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")): print(r[sys.argv[2]])' "$1" "$2"; }

llmgen --from-burstgpt $D/burstgpt.csv -o "$T/b.csv" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && split_corpus "$T/b.csv" "$T/b" && ok "a trace: exit 0" || nok "a trace: exit 0" "exit $rc: $(cat "$T/err")"
[ "$(column "$T/b.csv" arrival_s | tr '\n' ' ')" = "0.000000 40.000000 113.000000 113.500000 " ] &&
	ok "arrival_s: the timestamps from the first, failed request left out" ||
	nok "arrival_s: the timestamps from the first" "$(column "$T/b.csv" arrival_s | tr '\n' ' ')"
[ "$(awk '{ printf "%s/%s ", $2, $3 }' "$T/b/index")" = "472/18 1087/230 417/276 3/1 " ] &&
	ok "lengths: Request and Response tokens" || nok "lengths: Request and Response tokens" "$(cat "$T/b/index")"
recount "$T/b" cl100k_base | awk '$2 != $3 { bad++ } END { exit !(NR == 4 && !bad) }' &&
	ok "every prompt exactly its input_tokens (counted again)" ||
	nok "every prompt exactly its input_tokens" "$(recount "$T/b" cl100k_base)"
grep -q "1 failed requests (Response tokens 0) left out" "$T/err" && ok "failed requests counted on stderr" ||
	nok "failed requests counted on stderr" "$(cat "$T/err")"
[ "$(head -1 "$T/b.csv")" = "id,group,scenario,input_tokens,output_tokens,tokenizer,lang,template,topic,arrival_s,prompt" ] &&
	ok "header: arrival_s before the prompt" || nok "header: arrival_s before the prompt" "$(head -1 "$T/b.csv")"
llmgen -q --from-burstgpt $D/burstgpt.csv -n 2 -o "$T/b2.csv" &&
	[ "$(column "$T/b2.csv" arrival_s | tr '\n' ' ')" = "0.000000 40.000000 " ] &&
	ok "-n 2: the trace's first two requests" || nok "-n 2: the trace's first two requests"

# Bad traces: 65, the column or line named, no output file.
while read -r file want; do
	llmgen -q --from-burstgpt $D/$file -o "$T/bad.csv" 2>"$T/err"
	rc=$?
	if [ $rc -eq 65 ] && grep -qF "$want" "$T/err" && [ ! -e "$T/bad.csv" ]; then
		ok "$file: 65, '$want'"
	else
		nok "$file: 65, '$want'" "exit $rc: $(cat "$T/err")"
	fi
done <<'LIST'
burstgpt-no-response.csv no column 'Response tokens'
burstgpt-back.csv burstgpt-back.csv:3: Timestamp 4 is before
burstgpt-back-failed.csv burstgpt-back-failed.csv:3: Timestamp 4 is before
burstgpt-hex.csv burstgpt-hex.csv:3: Timestamp: expected seconds >= 0, got '0x10'
burstgpt-bad-count.csv burstgpt-bad-count.csv:3: Request tokens: expected a token count from 1, got 'many'
LIST
expect_exit 66 "a missing trace is 66" llmgen -q --from-burstgpt "$T/none.csv" -o "$T/x.csv"
expect_exit 64 "--from-burstgpt with --input-tokens is a usage error" \
	llmgen -q --from-burstgpt $D/burstgpt.csv --input-tokens 100 -o "$T/x.csv"
