#!/bin/sh
# Data-driven cases of tests/data/analyze/cases (see its README.md).
. tests/lib.sh
T=$(mktmp)
D=tests/data/analyze/cases
for f in "$D"/*.csv; do
	n=$(basename "$f" .csv)
	x="$D/$n.expect"
	[ -f "$x" ] || { nok "$n: has a .expect file"; continue; }
	code=$(sed -n 1p "$x"); msg=$(sed -n 2p "$x"); cols=$(sed -n 3p "$x"); row=$(sed -n 4p "$x")
	(cd "$D" && llmanalyze ${cols:+-c "$cols"} "$n.csv") >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq "$code" ] && ok "$n: exit $code" || nok "$n: exit $code" "exit $rc: $(cat "$T/err")"
	if [ -n "$msg" ]; then
		grep -qF -- "$msg" "$T/err" && ok "$n: says '$msg'" || nok "$n: says '$msg'" "$(cat "$T/err")"
	fi
	if [ -n "$row" ]; then
		tail -n +2 "$T/out" | cut -d, -f5- | grep -qx -- "$row" && ok "$n: row $row" || nok "$n: row $row" "$(cat "$T/out")"
	fi
done
