#!/bin/sh
# Steps of the wall clock. The kernel stamps socket reads on the wall
# clock, and llmrun and llmsim move the stamps to the monotonic clock with
# the offset between the two (lib/clk). A step that fell between a chunk's
# arrival and the reading of the offset moved its stamp by the step: on
# this CI's virtual machine the host stepped the guest's clock by up to
# half a millisecond every few seconds, and chunks were stamped before
# llmsim wrote them. The real clock is the whole machine's, so
# tests/shim/clockstep.c steps the clock as llmrun (and, apart, llmsim)
# sees it: by 300 us during every other 150 ms for llmrun, every other
# 400 ms for llmsim (which reads its clock at each arrival and every 10
# ms), each way in turn. Periods that long because lib/clk cannot see two
# steps between two of its readings (here they cancel), and a loaded CI
# machine stalls a process for tens of ms (at 53 ms, one run in two under
# ASan and a busy core had sends stamped after arrival); real steps come
# seconds apart.
# Checks: the chunk counts match the truth, no chunk is early (2 us of
# slack), no request was stamped sent after it arrived at llmsim, no
# response ended before its last token was written, and the steps are
# counted in the metadata and said by both tools. Stamps near a step are
# late by up to the step (lib/clk: about 1% of chunks at a step every 37
# ms), so the chunks' p99 is bounded at CHUNK_BOUND_MS and the TTFT
# error's p95 at TTFT_BOUND_MS, as in run_send_truth.sh.
. tests/lib.sh
. tests/e2e/truth.lib
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
. tests/e2e/sim.lib
case ${BUILD:-build} in
*asan*) TTFT_BOUND_MS=${TTFT_BOUND_MS:-5} CHUNK_BOUND_MS=${CHUNK_BOUND_MS:-5} ;;
*) TTFT_BOUND_MS=${TTFT_BOUND_MS:-1} CHUNK_BOUND_MS=${CHUNK_BOUND_MS:-1} ;;
esac
trap '[ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null; rm -rf $_tmps' EXIT
SHIM=$(cd "${BUILD:-build}/tests" 2>/dev/null && pwd)/libclockstep.so
[ -f "$SHIM" ] || { nok "the clock-step shim is built" "$SHIM is missing"; exit 0; }
# An ASan build wants its runtime first among the libraries; the shim
# only wraps calls, so the order does not matter to it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"

printf 'id,prompt\n' >"$T/c.csv"
for i in $(seq 1 32); do echo "r$i,tell me about item $i" >>"$T/c.csv"; done

# run NAME STEP_US: llmsim (stepped by -STEP_US every 400 ms) and llmrun
# (STEP_US every 150 ms), 200 streams, 800 requests of 64 tokens: 51,200
# chunks in 2-3 s here.
run() {
	rm -f "$T/$1.jsonl"
	LD_PRELOAD=$SHIM CLOCKSTEP_US=$((-$2)) CLOCKSTEP_EVERY_MS=400 \
		start_sim --truth "$T/$1.jsonl" --max-num-seqs 200
	[ -n "$URL" ] || { nok "$1: llmsim starts" "$(cat "$T/err")"; stop_sim; return 1; }
	LD_PRELOAD=$SHIM CLOCKSTEP_US=$2 CLOCKSTEP_EVERY_MS=150 \
		llmrun --no-probe --url "$URL" --model llmsim --batch-sizes 200 --requests 800 \
		--max-tokens 64 --ignore-eos --timeout 120 -o "$T/$1.csv" "$T/c.csv" 2>"$T/$1.err"
	_rc=$?
	stop_sim
	[ $_rc -eq 0 ] && ok "$1: llmrun runs 800 requests with its wall clock stepped" ||
		nok "$1: llmrun runs 800 requests with its wall clock stepped" "exit $_rc: $(tail -5 "$T/$1.err")"
}

# Two runs, the steps' signs swapped: llmrun's clock goes forward first
# in one, back first in the other.
for s in 300 -300; do
	name=step$s
	run $name $s || continue
	if out=$(truthcheck "$T/$name.csv" "$T/$name.jsonl" "$name" "$TTFT_BOUND_MS" "$CHUNK_BOUND_MS"); then
		echo "$out"; ok "$name: chunk counts match the truth, no chunk early, chunk p99 < $CHUNK_BOUND_MS ms"
	else
		nok "$name: chunk counts match the truth, no chunk early, chunk p99 < $CHUNK_BOUND_MS ms" "$out"
	fi
	if out=$(sendcheck "$T/$name.csv" "$T/$name.jsonl" "$name"); then
		echo "$out"; ok "$name: none sent after it arrived, none ended before its last token"
	else
		nok "$name: none sent after it arrived, none ended before its last token" "$out"
	fi
	steps=$(jq '[.results[] | .wall_clock_steps] | add' "$T/$name.csv.meta.json" 2>/dev/null)
	if [ "${steps:-0}" -ge 5 ] && grep -q "llmrun: note: .*the wall clock was stepped $steps times" "$T/$name.err"; then
		ok "$name: $steps steps counted in the metadata and said"
	else
		nok "$name: the steps counted in the metadata and said" "steps '$steps': $(grep -i step "$T/$name.err")"
	fi
	# The size llmrun measured is the shim's 300 us (its ends: the shim's
	# wall clock against the kernel's monotonic one); a real step of this
	# machine's clock during the run can only make the largest larger.
	big=$(jq '[.results[] | .wall_clock_step_max_ms] | max' "$T/$name.csv.meta.json" 2>/dev/null)
	awk -v b="${big:-0}" 'BEGIN { exit !(b >= 0.295) }' && ok "$name: the largest step measured as the shim's 0.3 ms ($big)" ||
		nok "$name: the largest step measured as the shim's 0.3 ms" "wall_clock_step_max_ms '$big'"
	# llmsim's arrival stamps went through its steps too (5 or more in a
	# run: it reads its clock every 10 ms).
	n=$(sed -n 's/^llmsim: note: the wall clock was stepped \([0-9]*\) times.*/\1/p' "$T/err")
	[ "${n:-0}" -ge 3 ] && ok "$name: llmsim saw $n steps and said so" ||
		nok "$name: llmsim saw its steps and said so" "$(cat "$T/err")"
done
