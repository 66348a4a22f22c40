#!/bin/sh
# llmgen's small traps: -V, and an import with fewer prompts than --count
# says so instead of writing fewer rows in silence.
. tests/lib.sh
. tests/data/gen/lib.sh
T=$(mktmp)
need_tokfile cl100k_base.tiktoken >/dev/null || exit 1
S=tests/data/gen/src

v=$(llmgen -V) && [ "$v" = "$(llmgen --version)" ] && ok "llmgen -V" || nok "llmgen -V" "$v"
llmgen -q --from-sharegpt $S/good.json --count 500 -o "$T/s.csv" 2>"$T/err"; rc=$?
split_corpus "$T/s.csv" "$T/s"
[ $rc -eq 0 ] && [ "$(wc -l <"$T/s/index")" -eq 2 ] &&
	grep -q "warning: --count 500 but $S/good.json holds 2 prompts; writing 2 rows" "$T/err" &&
	ok "--count 500 on 2 conversations: 2 rows and a warning with both numbers" || nok "--count above the import" "exit $rc: $(cat "$T/err")"
llmgen -q --from-sharegpt $S/good.json --count 2 -o "$T/s2.csv" 2>"$T/err"
! grep -q -- "--count" "$T/err" && ok "--count the import's size: no warning" || nok "--count the import's size: no warning" "$(cat "$T/err")"
