#!/bin/sh
# One end-to-end run of each tool under valgrind: no definite or indirect
# leak and no memory error (valgrind exits 99 on either). llmsim runs under
# valgrind serving llmrun, then stops on SIGTERM; llmrun runs under
# valgrind against a plain llmsim. A missing valgrind is a failure.
. tests/lib.sh
T=$(mktmp)
if ! command -v valgrind >/dev/null 2>&1; then
	nok "valgrind is installed" "install it: apt-get install valgrind (it is in the Makefile's DEB_PKGS; 'make deps')"
	exit 0
fi
need_tokfile cl100k_base.tiktoken >/dev/null || exit 0
case $BUILD in
*asan*) ok "# SKIP under ASan (valgrind cannot run sanitized programs; the ASan run checks leaks itself)"; exit 0 ;;
esac

vgn=0
# Runs CMD... under valgrind; passes when it exits WANT and valgrind found
# nothing.
vg() {
	want=$1; name=$2; shift 2
	vgn=$((vgn + 1))
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 --log-file="$T/vg.$vgn" "$@" >"$T/out.$vgn" 2>"$T/err.$vgn"
	got=$?
	if [ "$got" -eq "$want" ] && [ ! -s "$T/vg.$vgn" ]; then
		ok "valgrind: $name"
	else
		nok "valgrind: $name" "exit $got (wanted $want); $(head -c 3000 "$T/vg.$vgn") $(tail -n 5 "$T/err.$vgn")"
	fi
}
# Starts llmsim (under the command prefix given) and waits for its URL.
sims=0
start_sim() {
	sims=$((sims + 1))
	"$@" llmsim --port 0 --zero-latency --seed 2 >"$T/url.$sims" 2>"$T/sim.err" &
	sim=$!
	i=0
	while [ ! -s "$T/url.$sims" ] && [ $i -lt 600 ] && kill -0 $sim 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
	url=$(head -n 1 "$T/url.$sims")
	[ -n "$url" ] || { nok "llmsim started" "$(cat "$T/sim.err")"; exit 0; }
}
sim=
trap '[ -n "$sim" ] && kill $sim 2>/dev/null; rm -rf $_tmps' EXIT

printf 'Hello, world! A few words to count, and some more: 12345.\n' >"$T/in.txt"
vg 0 "llmgen count" llmgen count "$T/in.txt"
[ "$(cat "$T/out.$vgn")" -gt 5 ] 2>/dev/null && ok "llmgen count printed a count" || nok "llmgen count printed a count" "$(cat "$T/out.$vgn")"
vg 0 "llmgen writes a corpus" llmgen -q -s short-long -n 3 --seed 4 -o "$T/corpus.csv"
[ "$(grep -c . "$T/corpus.csv")" -ge 4 ] && ok "llmgen wrote the rows" || nok "llmgen wrote the rows"
vg 66 "llmgen count, a missing file after a good one (an error path)" llmgen count "$T/corpus.csv" "$T/none"

# A small sweep for llmanalyze, and llmrun against a native llmsim.
start_sim
vg 0 "llmrun against llmsim" llmrun --url "$url" --model llmsim --batch-sizes 1,2 --requests 4 -q \
	-o "$T/res.csv" "$T/corpus.csv"
[ "$(grep -c . "$T/res.csv")" -eq 9 ] && ok "llmrun wrote 8 rows" || nok "llmrun wrote 8 rows" "$(head -3 "$T/res.csv")"
kill $sim; wait $sim 2>/dev/null; sim=

vg 0 "llmanalyze with --charts and --html" llmanalyze -q --charts "$T/charts" --html "$T/report.html" \
	-o "$T/table.csv" "$T/res.csv"
[ -s "$T/report.html" ] && [ -s "$T/table.csv" ] && ok "llmanalyze wrote the report and table" ||
	nok "llmanalyze wrote the report and table"

# llmsim under valgrind serves a few requests, then stops on SIGTERM.
vgn=$((vgn + 1))
start_sim valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--error-exitcode=99 --log-file="$T/vg.$vgn"
check "llmrun against llmsim under valgrind" \
	llmrun --url "$url" --model llmsim --batch-sizes 2 --requests 4 -q -o "$T/res2.csv" "$T/corpus.csv"
kill -TERM $sim
wait $sim
got=$?
sim=
if [ "$got" -eq 0 ] && [ ! -s "$T/vg.$vgn" ]; then
	ok "valgrind: llmsim serves and stops on SIGTERM"
else
	nok "valgrind: llmsim serves and stops on SIGTERM" "exit $got; $(head -c 3000 "$T/vg.$vgn") $(tail -n 5 "$T/sim.err")"
fi
