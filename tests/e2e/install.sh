#!/bin/sh
# make install puts the tools, man pages, templates and tokenizer files
# under DESTDIR/PREFIX; the installed llmgen finds its templates and
# tokenizers there with no environment; make uninstall removes it all.
. tests/lib.sh
cl=$(need_tokfile cl100k_base.tiktoken) || exit 1
T=$(mktmp)
tokdir=$(dirname "$cl")
# A copy of the build folder: a new PREFIX rebuilds what has it compiled
# in, and the build other tests use stays as it is.
BB=$(cd "$BUILD" && pwd)
B="$T/build"
cp -a "$BUILD" "$B"
# Plain `make` is `make all`: with run/main.c taken as changed it would
# link llmrun (its first rule once was the PREFIX stamp, and it built
# nothing else).
make -n BUILD="$B" -W run/main.c 2>&1 | grep -q "bin/llmrun" && ok "plain make builds the tools" ||
	nok "plain make builds the tools" "$(make -n BUILD="$B" -W run/main.c 2>&1 | tail -n 5)"
make -s install DESTDIR="$T/root" PREFIX=/opt/llmb BUILD="$B" TOKSRC="$tokdir" >"$T/log" 2>&1 &&
	ok "make install" || { nok "make install" "$(cat "$T/log")"; exit 1; }
R="$T/root/opt/llmb"
for t in llmgen llmrun llmanalyze llmsim; do
	[ -x "$R/bin/$t" ] && [ -f "$R/share/man/man1/$t.1" ] && ok "$t and its man page installed" ||
		nok "$t and its man page installed"
done
[ -f "$R/share/llmbench/tokenizers/cl100k_base.tiktoken" ] && ok "tokenizer files installed" || nok "tokenizer files installed"
[ -f "$R/share/llmbench/templates/README.md" ] && ok "templates installed" || nok "templates installed"
# The binaries look in PREFIX/share/llmbench, which here sits under DESTDIR:
# point the variables there, as a packager's test would.
n=$(printf 'hello world' | env -u LLMBENCH_TOKENIZERS LLMBENCH_TOKENIZERS="$R/share/llmbench/tokenizers" "$R/bin/llmgen" count)
[ "$n" = 2 ] && ok "the installed llmgen counts with the installed tokenizer" || nok "the installed llmgen counts with the installed tokenizer" "got '$n'"
make -s uninstall DESTDIR="$T/root" PREFIX=/opt/llmb BUILD="$B" >/dev/null 2>&1
left=$(find "$T/root" -type f | wc -l)
[ "$left" = 0 ] && ok "make uninstall removes every file" || nok "make uninstall removes every file" "$(find "$T/root" -type f | head)"

# A temporary PREFIX, no DESTDIR: the tools are rebuilt for it (PREFIX is
# compiled in) and the README's four commands run from another folder with
# only the installed tools on PATH and no LLMBENCH_TOKENIZERS.
P="$T/prefix"
make -s install PREFIX="$P" BUILD="$B" >"$T/log2" 2>&1 &&
	grep -q "make install: tokenizer cl100k_base.tiktoken" "$T/log2" &&
	ok "make install PREFIX=tmp says which tokenizer files it installed" || nok "make install PREFIX=tmp" "$(cat "$T/log2")"
grep -aq "$P/share/llmbench" "$P/bin/llmgen" && ok "a new PREFIX rebuilds what has it compiled in" ||
	nok "a new PREFIX rebuilds what has it compiled in"
mkdir "$T/elsewhere"
(
	cd "$T/elsewhere" || exit 1
	unset LLMBENCH_TOKENIZERS LLMBENCH_TEMPLATES
	PATH="$P/bin:/usr/bin:/bin"
	[ "$(command -v llmrun)" = "$P/bin/llmrun" ] || { echo "llmrun is not the installed one"; exit 1; }
	llmsim --port 0 --time-scale 10 >url 2>sim.err &
	sp=$!
	i=0
	while [ ! -s url ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	url=$(head -n 1 url)
	rc=0
	llmgen --scenario short-long --count 8 --seed 1 -q -o corpus.csv &&
		llmrun --url "$url" --model llmsim --batch-sizes 1..2 --requests 4 -q -o results.csv corpus.csv &&
		llmanalyze --charts charts --html report.html results.csv >table.txt || rc=$?
	kill $sp 2>/dev/null
	wait $sp 2>/dev/null
	cat sim.err
	exit $rc
) >"$T/pipe.log" 2>&1 && [ -s "$T/elsewhere/report.html" ] && [ "$(tail -n +2 "$T/elsewhere/results.csv" | wc -l)" -eq 8 ] &&
	ok "the README's pipeline runs from another folder with the installed tools only" ||
	nok "the README's pipeline with the installed tools" "$(cat "$T/pipe.log")"
# From build/bin outside the checkout, the tools find the checkout's
# templates beside themselves.
(cd "$T/elsewhere" && env -u LLMBENCH_TEMPLATES "$BB/bin/llmgen" --scenario short-long --count 2 -q -o c2.csv) >"$T/b.log" 2>&1 &&
	ok "build/bin/llmgen finds the checkout's templates from another folder" || nok "build/bin/llmgen from another folder" "$(cat "$T/b.log")"
