#!/bin/sh
# llmanalyze --format xlsx read back with openpyxl (Debian python3-openpyxl,
# a reader we did not write, tests/e2e/xlsx_check.py): the comparison
# sheet's cells equal the CSV table's, numbers as numbers and missing
# values as empty cells; each group's requests on its own sheet; the
# definitions sheet. Then the usage errors and failed writes.
. tests/lib.sh
T=$(mktmp)
G=tests/data/analyze/gen.awk
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import openpyxl' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || { nok "openpyxl is available" "install python3-openpyxl (make deps)"; exit 0; }

# A sweep with failures (gen.awk), and a --no-stream file: no TTFT, TPOT
# or ITL, which must be empty cells, never 0.
awk -v steps=1,2,4 -v waves=3 -v fail=5 -f $G >"$T/r.csv"
cp tests/data/analyze/cases/no_stream.csv "$T/ns.csv"
mkdir "$T/tmp"
for f in r ns; do
	llmanalyze -f csv "$T/$f.csv" >"$T/$f.table.csv" 2>"$T/err"
	TMPDIR="$T/tmp" llmanalyze -f xlsx -o "$T/$f.xlsx" "$T/$f.csv" 2>"$T/err"
	rc=$?
	[ $rc -eq 0 ] && [ -s "$T/$f.xlsx" ] && ok "$f: xlsx written" || nok "$f: xlsx written" "exit $rc: $(cat "$T/err")"
	"$PY" tests/e2e/xlsx_check.py "$T/$f.xlsx" "$T/$f.table.csv" "$T/$f.csv" >"$T/py" 2>&1 ||
		nok "$f: the workbook reads back" "$(cat "$T/py")"
	sed "s/^\(n*o*t* *ok - \)/\1$f: /" "$T/py"
done
"$PY" -c '
import sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["comparison"]
head = [c.value for c in ws[1]]
row = [c.value for c in ws[2]]
sys.exit(not (row[head.index("ttft_p50 (ms)")] is None and row[head.index("e2e_p50 (ms)")] == 150))
' "$T/ns.xlsx" && ok "no TTFT is an empty cell, E2E a number" || nok "no TTFT is an empty cell, E2E a number"
[ -z "$(ls -A "$T/tmp")" ] && ok "no temporary file left behind" || nok "no temporary file left behind" "$(ls -A "$T/tmp")"
# --columns chooses the comparison's columns as it does the CSV's.
llmanalyze -f csv -c ttft_p50,req_gen_tok_per_s_p50 "$T/r.csv" >"$T/c.csv"
llmanalyze -f xlsx -c ttft_p50,req_gen_tok_per_s_p50 -o "$T/c.xlsx" "$T/r.csv"
"$PY" tests/e2e/xlsx_check.py "$T/c.xlsx" "$T/c.csv" "$T/r.csv" >"$T/py" 2>&1
grep -q "^ok - comparison: every cell" "$T/py" && ok "--columns: the comparison's cells equal the CSV's" ||
	nok "--columns: the comparison's cells equal the CSV's" "$(cat "$T/py")"

# Sheets are named by the groups' shown keys: "step N" when only the step
# tells them apart.
llmanalyze -f xlsx --by step -o "$T/st.xlsx" "$T/r.csv" &&
	[ "$("$PY" -c 'import sys, openpyxl; print(",".join(openpyxl.load_workbook(sys.argv[1]).sheetnames))' "$T/st.xlsx")" = \
	  "comparison,step 1,step 2,step 4,definitions" ] && ok "sheets named 'step N'" ||
	nok "sheets named 'step N'" "$("$PY" -c 'import sys, openpyxl; print(openpyxl.load_workbook(sys.argv[1]).sheetnames)' "$T/st.xlsx")"

# Two runs' sweeps: the step comes first in a sheet's name, so the cut at
# 31 characters leaves what tells the sheets apart.
awk -F, -v OFS=, 'NR > 1 { $1 = "a-long-run-id-that-fills-a-sheet-name"; print }' "$T/r.csv" | cat "$T/r.csv" - >"$T/two.csv"
llmanalyze -f xlsx -o "$T/two.xlsx" "$T/two.csv" &&
	names=$("$PY" -c 'import sys, openpyxl; print(",".join(openpyxl.load_workbook(sys.argv[1]).sheetnames))' "$T/two.xlsx")
[ "$(echo "$names" | tr ',' '\n' | grep -cE '^step [124] (r1|a-long-run-id-that-fills)$')" -eq 6 ] &&
	ok "sheets of two runs: 'step N RUN', keys alike in every sheet left out" ||
	nok "sheets of two runs: 'step N RUN', keys alike in every sheet left out" "$names"
# With the default keys too (target, model, group the same in every
# sheet): "step N" (it was "step 2 default llmsim short-lon", cut).
llmanalyze -f xlsx -o "$T/d.xlsx" "$T/r.csv" &&
	names=$("$PY" -c 'import sys, openpyxl; print(",".join(openpyxl.load_workbook(sys.argv[1]).sheetnames))' "$T/d.xlsx")
[ "$names" = "comparison,step 1,step 2,step 4,definitions" ] && ok "default keys: sheets named 'step N'" ||
	nok "default keys: sheets named 'step N'" "$names"

# Keys that are numbers by nature are numbers, so a spreadsheet sorts
# turn 10 after 2 (they were text): step, turn, context_bucket. A group
# named History gets another sheet name (Excel reserves that one).
llmanalyze --by step,context_bucket -f xlsx -o "$T/cb.xlsx" "$T/r.csv" 2>"$T/err" &&
	llmanalyze -f xlsx -o "$T/turn.xlsx" tests/data/analyze/conv/turns.csv 2>>"$T/err" &&
	awk -F, -v OFS=, 'NR > 1 { $5 = NR % 2 ? "History" : "other" } 1' "$T/r.csv" >"$T/hist.csv" &&
	llmanalyze --by group -f xlsx -o "$T/hist.xlsx" "$T/hist.csv" 2>>"$T/err" ||
	nok "numeric keys: workbooks written" "$(cat "$T/err")"
"$PY" -c '
import sys, openpyxl
def keys(path, names):
    ws = openpyxl.load_workbook(path)["comparison"]
    head = [c.value for c in ws[1]]
    return [[r[head.index(n)] for n in names] for r in ws.iter_rows(min_row=2, values_only=True)]
cb = keys(sys.argv[1], ["step", "context_bucket"])
turn = keys(sys.argv[2], ["turn"])
# failed requests without prompt tokens have no context bucket: empty
bad = [v for row in cb + turn for v in row if not isinstance(v, (int, float, type(None)))]
sys.exit(1 if bad or not cb or not turn or not all(row[0] for row in cb + turn) else 0)
' "$T/cb.xlsx" "$T/turn.xlsx" && ok "step, turn and context_bucket are numbers" ||
	nok "step, turn and context_bucket are numbers"
names=$("$PY" -c 'import sys, openpyxl; print(",".join(openpyxl.load_workbook(sys.argv[1]).sheetnames))' "$T/hist.xlsx")
case ",$names," in
*,[Hh]istory,*) nok "no sheet named History" "$names" ;;
*,History*) ok "no sheet named History" ;;
*) nok "no sheet named History" "$names" ;;
esac

# Usage: a workbook needs a file.
llmanalyze -f xlsx "$T/r.csv" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 64 ] && grep -q "needs\|give -o FILE.xlsx" "$T/err" && [ ! -s "$T/out" ] &&
	ok "xlsx without -o is a usage error (64)" || nok "xlsx without -o is a usage error (64)" "exit $rc: $(cat "$T/err")"
expect_exit 64 "xlsx to -o - is a usage error" llmanalyze -f xlsx -o - "$T/r.csv"
expect_exit 64 "--vllm has no xlsx" llmanalyze --vllm -f xlsx -o "$T/v.xlsx" "$T/r.csv"
# Failed writes: a full device, a missing folder; an existing file is
# kept when the input is bad.
expect_exit 74 "xlsx to /dev/full is 74" llmanalyze -f xlsx -o /dev/full "$T/r.csv"
expect_exit 66 "xlsx into a missing folder is 66" llmanalyze -f xlsx -o "$T/no/such.xlsx" "$T/r.csv"
cp "$T/r.xlsx" "$T/keep.xlsx"
printf 'run_id,status,t_sent_ns,t_end_ns\nr,ok,x,1\n' >"$T/bad.csv"
llmanalyze -f xlsx -o "$T/keep.xlsx" "$T/bad.csv" 2>/dev/null
rc=$?
[ $rc -eq 65 ] && cmp -s "$T/keep.xlsx" "$T/r.xlsx" && ok "bad input: 65, the old workbook kept" ||
	nok "bad input: 65, the old workbook kept" "exit $rc"
