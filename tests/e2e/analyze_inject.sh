#!/bin/sh
# Text of a results file that a server or a user chose (a model name, a
# target, a step) written into llmanalyze's outputs: it must stay text.
# A newline in a model name once ended a comment line of a gnuplot
# script, and what followed ran as gnuplot commands (system(...)); the
# comment's own `gnuplot X.gp` then started gnuplot again without end.
. tests/lib.sh
T=$(mktmp)
awk -v steps=1,2 -v waves=2 -f tests/data/analyze/gen.awk >"$T/r.csv"
# setcol IN OUT COLUMN VALUE [STEP]: every row's COLUMN set to VALUE (the
# rows of step STEP only, when given).
setcol() {
	python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
c, s = rows[0].index(sys.argv[3]), rows[0].index("step")
for r in rows[1:]:
    if len(sys.argv) < 6 or r[s] == sys.argv[5]:
        r[c] = sys.argv[4]
csv.writer(open(sys.argv[2], "w", newline=""), lineterminator="\n").writerows(rows)' "$@"
}

# gnuplot: a wrapper first on PATH counts its starts and refuses past 20,
# so the old endless restart shows as a count, not a hung machine.
real=$(command -v gnuplot)
if [ -z "$real" ] && [ "${CI:-}" = true ]; then
	nok "gnuplot is installed" "install Debian's gnuplot-nox (make deps)"
elif [ -z "$real" ]; then
	ok "gnuplot scripts # SKIP gnuplot missing"
else
	mkdir "$T/bin"
	printf '#!/bin/sh\necho x >>"%s/starts"\n[ "$(wc -l <"%s/starts")" -gt 20 ] && exit 1\nexec "%s" "$@"\n' \
		"$T" "$T" "$real" >"$T/bin/gnuplot"
	chmod +x "$T/bin/gnuplot"
	setcol "$T/r.csv" "$T/nl.csv" model "$(printf 'm\nsystem("touch %s/PWNED")\n#' "$T")"
	PATH="$T/bin:$PATH" LLMANALYZE_GNUPLOT="$T/bin/gnuplot" timeout 120 \
		llmanalyze -q --charts "$T/ch" --html "$T/r.html" -o /dev/null "$T/nl.csv" 2>"$T/err"
	rc=$?
	starts=$(wc -l <"$T/starts")
	[ ! -e "$T/PWNED" ] && ok "a newline in a model name runs nothing in gnuplot" ||
		nok "a newline in a model name runs nothing in gnuplot" "$T/PWNED was made"
	[ "$rc" -eq 0 ] && [ -s "$T/ch/timeline.png" ] && [ "$starts" -le 20 ] &&
		ok "... and the charts are drawn, gnuplot started $starts times" ||
		nok "... and the charts are drawn" "exit $rc, gnuplot started $starts times: $(cat "$T/err")"
	bad=$(cat "$T"/ch/*.gp | grep -c '^ *system(')
	[ "$bad" -eq 0 ] && ok "... and no script line is the name's command" ||
		nok "... and no script line is the name's command" "$(grep -n 'system(' "$T"/ch/*.gp)"
fi
# .dat files: a newline made rows of data (a point in the chart).
setcol "$T/r.csv" "$T/rows.csv" model "$(printf 'm\n 64 999999 1 1 1 1 1 1 1 1 1')"
LLMANALYZE_GNUPLOT=true llmanalyze -q --charts "$T/ch2" -o /dev/null "$T/rows.csv" 2>"$T/err"
grep -q '999999' "$T/ch2/by_step.dat" && ! grep -q '^ *64 999999' "$T/ch2/by_step.dat" &&
	ok "a newline in a model name makes no row in a .dat file" ||
	nok "a newline in a model name makes no row in a .dat file" "$(grep -n 999999 "$T/ch2/by_step.dat")"

# --legacy-dir names a file after each step: a '/' in a step wrote
# outside the folder.
mkdir -p "$T/leg/output_performance_metrics_batch1"
setcol "$T/r.csv" "$T/trav.csv" step "1/../../escaped"
llmanalyze -q --legacy-dir "$T/leg" -o "$T/legout.csv" "$T/trav.csv" 2>"$T/err"
rc=$?
[ "$rc" -eq 65 ] && [ ! -e "$T/escaped.csv" ] && grep -q "is not a batch size, and cannot name a file" "$T/err" && [ ! -e "$T/leg/batch_size_comparison.csv" ] && [ ! -e "$T/legout.csv" ] &&
	ok "--legacy-dir: a step with a '/' is refused (65), nothing written outside" ||
	nok "--legacy-dir: a step with a '/' is refused (65)" "exit $rc, $(ls "$T"); $(cat "$T/err")"

# xlsx: a control character in a key went raw into a sheet name, and the
# workbook's XML was not well-formed (Excel calls such a file corrupt).
setcol "$T/r.csv" "$T/ctl.csv" model "$(printf 'm\001\013x')" 2
llmanalyze -q -f xlsx -o "$T/ctl.xlsx" "$T/ctl.csv" 2>"$T/err"
rc=$?
python3 -c 'import sys, zipfile, xml.dom.minidom as m
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.endswith(".xml"):
        m.parseString(z.read(n))' "$T/ctl.xlsx" 2>"$T/xml" && [ "$rc" -eq 0 ] &&
	ok "xlsx: control characters in a key leave every part well-formed XML" ||
	nok "xlsx: control characters in a key leave every part well-formed XML" "exit $rc: $(cat "$T/err" "$T/xml" | tail -3)"

# Escape sequences a server put in a model name (ESC ] 0 retitles the
# terminal, ESC [ 2 J clears it) reach no terminal: not in llmanalyze's
# table, not in llmrun's note on the model it found, not in an error.
esc=$(printf '\033')
setcol "$T/r.csv" "$T/esc.csv" model "$(printf 'm\033]0;pwned\007\033[2J')"
llmanalyze -f table -c requests "$T/esc.csv" >"$T/tab" 2>&1
grep -q pwned "$T/tab" && ! grep -q "$esc" "$T/tab" &&
	ok "llmanalyze -f table: a key's escape sequences are not written" ||
	nok "llmanalyze -f table: a key's escape sequences are not written" "$(od -c "$T/tab" | grep -m2 033)"
if TOKF=$(find_tokfile cl100k_base.tiktoken); then
	llmsim --port 0 -t "$TOKF" --zero-latency -m "$(printf 'm\033]0;pwned\007\033[2J')" >"$T/url" 2>"$T/simerr" &
	sim=$!
	i=0
	while [ ! -s "$T/url" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	llmrun --url "$(head -n 1 "$T/url")" --prompt hi --requests 1 --max-tokens 3 -o "$T/run.csv" >"$T/rout" 2>&1
	rc=$?
	kill $sim; wait $sim
	grep -q "pwned" "$T/rout" && ! grep -q "$esc" "$T/rout" && [ "$rc" -eq 0 ] &&
		ok "llmrun: the model name a server lists is shown without its escape sequences" ||
		nok "llmrun: the model name a server lists is shown without its escape sequences" "exit $rc: $(od -c "$T/rout" | grep -m2 033)"
	grep -q "$esc" "$T/run.csv" && ok "... and kept whole in the results, as the server named it" ||
		nok "... and kept whole in the results" "$(cut -c1-200 "$T/run.csv" | head -3)"
	# Text that is not UTF-8: a target's name in a CSV targets file went
	# into every row (llmanalyze then refused the results, 65) and was
	# dropped from the metadata; a corpus file name was dropped too.
	: >"$T/url"
	llmsim --port 0 -t "$TOKF" --zero-latency >"$T/url" 2>"$T/simerr" &
	sim=$!
	i=0
	while [ ! -s "$T/url" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	printf 'name,url,model\nbad\377name,%s,llmsim\n' "$(head -n 1 "$T/url")" >"$T/t.csv"
	llmrun -q --targets "$T/t.csv" --prompt hi --requests 1 --max-tokens 3 -o "$T/t.out" 2>"$T/err"
	rc=$?
	[ "$rc" -eq 65 ] && grep -q "t.csv:2: name: not valid UTF-8" "$T/err" && [ ! -e "$T/t.out" ] &&
		ok "llmrun: a target name that is not UTF-8 is refused (65) naming file:line" ||
		nok "llmrun: a target name that is not UTF-8 is refused (65)" "exit $rc: $(cat "$T/err")"
	printf 'hi\n' >"$T/$(printf 'c\377.txt')"
	llmrun -q --url "$(head -n 1 "$T/url")" --prompt-file "$T/$(printf 'c\377.txt')" --requests 1 \
		--max-tokens 3 -o "$T/c.out" 2>"$T/err"
	rc=$?
	llmrun -q --url "$(head -n 1 "$T/url")/?x=$(printf '\377')" --prompt hi --requests 1 \
		--max-tokens 3 -o "$T/u.out" 2>"$T/uerr"
	urc=$?
	kill $sim; wait $sim
	[ "$urc" -eq 0 ] && jq -e '.targets | length == 1' "$T/u.out.meta.json" >/dev/null &&
		ok "llmrun: a URL that is not UTF-8 keeps its target in the metadata" ||
		nok "llmrun: a URL that is not UTF-8 keeps its target in the metadata" "exit $urc: $(cat "$T/uerr"); $(jq -c .targets "$T/u.out.meta.json")"
	[ "$rc" -eq 0 ] && jq -e '.corpus | endswith("c\ufffd.txt")' "$T/c.out.meta.json" >/dev/null &&
		jq -e '.command | map(select(endswith("c\ufffd.txt"))) | length == 1' "$T/c.out.meta.json" >/dev/null &&
		ok "llmrun: a corpus file name that is not UTF-8 is in the metadata, shown with U+FFFD" ||
		nok "llmrun: a corpus file name that is not UTF-8 is in the metadata" "exit $rc: $(cat "$T/err"); $(jq -c '[.corpus, .command]' "$T/c.out.meta.json")"
else
	need_tokfile cl100k_base.tiktoken
fi

# Markdown: a key could end its table row or line and start a paragraph
# of its own ("**Gate passed**"), or open an HTML comment ("<!--") that
# hid the rest of a compare posted on a pull request; "\|" split a cell.
setcol "$T/r.csv" "$T/md.csv" model "$(printf 'zz\n\n**Gate passed** (forged)\n\n<!--')" 2
llmanalyze -q -f md -c requests "$T/md.csv" >"$T/md" 2>&1
cp "$T/md.csv" "$T/md2.csv"
llmanalyze compare -q -m ttft_p50 "$T/md.csv" "$T/md2.csv" >"$T/cmp" 2>&1
for f in md cmp; do
	if grep -q '^\*\*Gate passed\*\* (forged)' "$T/$f" || grep -q '<!--' "$T/$f"; then
		nok "$f: a key makes no paragraph or HTML of its own" "$(grep -n -e forged -e '<!--' "$T/$f")"
	else
		ok "$f: a key makes no paragraph or HTML of its own"
	fi
done
setcol "$T/r.csv" "$T/pipe.csv" model 'a\|b' 2
llmanalyze -q -f md -c requests "$T/pipe.csv" >"$T/pmd" 2>&1
# Cells as GitHub splits them: at a '|' after an even run of backslashes.
python3 -c 'import re, sys
rows = [l for l in open(sys.argv[1]) if l.startswith("|")]
cells = {len(re.findall(r"(?<!\\)(?:\\\\)*\|", l)) for l in rows}
sys.exit(len(cells) != 1)' "$T/pmd" &&
	ok "md: a key with \\| stays in its cell (every row has the header's cells)" ||
	nok "md: a key with \\| stays in its cell" "$(cat "$T/pmd")"

# xlsx: a key longer than Excel's 32,767 characters a cell refused the
# whole workbook (74, no file); the cell now holds its start and "…".
setcol "$T/r.csv" "$T/long.csv" model "$(head -c 40000 /dev/zero | tr '\0' M)" 2
llmanalyze -q -f xlsx -o "$T/long.xlsx" "$T/long.csv" 2>"$T/err"
rc=$?
python3 -c 'import sys, zipfile, re
z = zipfile.ZipFile(sys.argv[1])
s = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
t = [x for x in re.findall(r"<t[^>]*>([^<]*)</t>", s) if x.startswith("MMM")]
sys.exit(not (t and all(len(x) == 32767 and x.endswith("M\u2026") for x in t)))' "$T/long.xlsx" 2>"$T/py" &&
	[ "$rc" -eq 0 ] && ok "xlsx: a key past 32,767 characters is cut to fit its cell, the workbook written" ||
	nok "xlsx: a key past 32,767 characters is cut to fit its cell" "exit $rc: $(cat "$T/err" "$T/py" | tail -3)"

# compare's Markdown cut a long key where its buffer was full: inside a
# character (invalid UTF-8), or after the '\' of an escaped '|', which
# then escaped what came next.
for v in "ab$(printf '\303\251%.0s' $(seq 600))" "ab$(printf '|%.0s' $(seq 600))"; do
	setcol "$T/r.csv" "$T/cut.csv" model "$v" 2
	cp "$T/cut.csv" "$T/cut2.csv"
	llmanalyze compare -q -m ttft_p50 "$T/cut.csv" "$T/cut2.csv" >"$T/cutmd" 2>&1
	python3 -c 'import re, sys
t = open(sys.argv[1], "rb").read().decode("utf-8")
bad = [l for l in t.splitlines() if re.search(r"(?<!\\)(\\\\)*\\$", l)]
sys.exit(1 if bad else 0)' "$T/cutmd" 2>"$T/py" &&
		ok "compare md: a long key is cut on a character and an escape ($(printf '%s' "$v" | wc -c) bytes)" ||
		nok "compare md: a long key is cut on a character and an escape" "$(cat "$T/py" | tail -2)"
done
