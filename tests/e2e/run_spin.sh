#!/bin/sh
# --spin-us: the loop polls instead of sleeping before a timed send. On
# llmsim's clock no request arrives before it was due (the spin sends
# nothing early) and the arrivals keep to the plan; the spin costs the
# CPU it should (so it happens) before sends, and none once the last send
# is out; out-of-range values are 64.
. tests/lib.sh
. tests/e2e/truth.lib
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
. tests/e2e/sim.lib
trap 'kill "$SIMPID" 2>/dev/null; rm -rf $_tmps' EXIT
spin_llmrun() { # name extra-args...: 40 sends 20 ms apart
	_n=$1; shift
	cpu_ms llmrun --url "$URL" --model llmsim --prompt hi --rate 50 --schedule constant \
		--requests 40 --max-tokens 4 --ignore-eos -o "$T/$_n.csv" "$@"
}

for bad in -1 100001 x; do
	llmrun --url http://127.0.0.1:9/v1 --model m --prompt hi --spin-us "$bad" -o "$T/bad.csv" 2>"$T/bad.err"
	rc=$?
	[ $rc -eq 64 ] && grep -q -- '--spin-us' "$T/bad.err" && [ ! -e "$T/bad.csv" ] &&
		ok "--spin-us $bad: exit 64 naming the option" || nok "--spin-us $bad: exit 64 naming the option" "exit $rc: $(cat "$T/bad.err")"
done

start_sim --seed 3 --truth "$T/truth.jsonl"
[ -n "$URL" ] || { nok "llmsim starts" "$(cat "$T/err")"; exit 0; }
# 40 sends 20 ms apart, spinning the last 10 ms before each: about 0.4 s
# of CPU that a sleeping loop does not spend. Counted against the same
# run without the spin; a quarter of it is asked for, as the spinning
# process may be off the CPU on a loaded machine.
c0=$(spin_llmrun plain)
c1=$(spin_llmrun spin --spin-us 10000)
[ "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "status") c = i; next } $c == "ok" { n++ } END { print n + 0 }' "$T/spin.csv")" -eq 40 ] && ok "spin: 40 ok rows" || nok "spin: 40 ok rows" "$(head -3 "$T/spin.csv")"
grep -q '"spin_us": 10000' "$T/spin.csv.meta.json" && ok "spin: the metadata has spin_us" ||
	nok "spin: the metadata has spin_us" "$(grep spin "$T/spin.csv.meta.json")"
[ $((c1 - c0)) -ge 100 ] && ok "spin: the loop polls before sends ($c1 ms of CPU, $c0 without)" ||
	nok "spin: the loop polls before sends" "$c1 ms of CPU, $c0 without"
# One send, then a response of 2-3 s: no spin once the last send is out.
c2=$(cpu_ms llmrun --url "$URL" --model llmsim --prompt hi --rate 10 --requests 1 --max-tokens 200 \
	--ignore-eos --spin-us 100000 -o "$T/one.csv")
e2e=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "e2e_ms") c = i; next } { print int($c) }' "$T/one.csv")
[ "$e2e" -gt 500 ] && [ "$c2" -lt $((e2e / 2)) ] && ok "spin: none after the last send ($c2 ms of CPU over $e2e ms)" ||
	nok "spin: none after the last send" "$c2 ms of CPU over $e2e ms"
stop_sim
# On llmsim's clock: nothing arrived before its time, and the arrivals
# kept to the plan (median under 3 ms; 10 under ASan).
case ${BUILD:-build} in *asan*) pb=10 ;; *) pb=3 ;; esac
if out=$(plancheck "spin" $pb "$T/truth.jsonl" "$T/spin.csv"); then
	ok "spin: no request reached llmsim before it was due"; echo "$out"
else
	nok "spin: no request reached llmsim before it was due" "$out"
fi
# client_lag_ms's other end, t_sent, on the same clock: no request of
# the spin run was stamped sent after it reached llmsim.
if out=$(sendcheck "$T/spin.csv" "$T/truth.jsonl" "spin send side"); then
	ok "spin: no request stamped sent after it reached llmsim"; echo "$out"
else
	nok "spin: no request stamped sent after it reached llmsim" "$out"
fi
shifted spin t_scheduled_ns 1000000 late
fails "plancheck fails on a plan 1 ms later" plancheck x $pb "$T/truth.jsonl" "$T/late.csv"
monoall "$T"
