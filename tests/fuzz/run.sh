#!/bin/sh
# Runs each libFuzzer program named after SECONDS for that long (0: only
# runs the seed corpus once), from its seeds in tests/fuzz/corpus/NAME/.
# New inputs go to $FUZZ_BUILD/corpus/NAME/ (kept between runs, never in
# the repository), crashing ones to $FUZZ_BUILD/artifacts/NAME/. Prints
# one line per program, in the order given (libFuzzer's whole output is
# kept in $FUZZ_BUILD/fuzz_NAME.log), and fails if any program found a
# crash, a leak, a timeout or ran out of memory.
#
# FUZZ_JOBS programs run at once (default: the CPUs, nproc), each on a
# core of its own, so each still gets SECONDS of a CPU while CI's wall
# time is divided by the cores (9 targets of 60 s: 9 minutes on one
# lane, 5 on two).
secs=$1
shift
: "${FUZZ_BUILD:=build-fuzz}"
: "${FUZZ_JOBS:=$(nproc 2>/dev/null || echo 1)}"

# run_one BIN: fuzzes BIN; its line goes to $FUZZ_BUILD/fuzz_NAME.result,
# with "ok" or "FAIL" first.
run_one() {
	name=${1##*/fuzz_}
	seeds=tests/fuzz/corpus/$name
	learned=$FUZZ_BUILD/corpus/$name
	crashes=$FUZZ_BUILD/artifacts/$name
	log=$FUZZ_BUILD/fuzz_$name.log
	out=$FUZZ_BUILD/fuzz_$name.result
	mkdir -p "$learned" "$crashes"
	[ -d "$seeds" ] || seeds=
	if [ "$secs" -eq 0 ]; then
		limit=-runs=0
	else
		limit=-max_total_time=$secs
	fi
	# libFuzzer writes what it learns to the first folder only.
	"$1" "$limit" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$learned" $seeds >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" -ne 0 ]; then
		{
			printf 'FAIL fuzz_%s (exit %d, log %s); inputs kept in %s:\n' \
				"$name" "$rc" "$log" "$crashes"
			ls "$crashes" | sed 's/^/    /'
			grep -v '^#\|^INFO\|^stat::' "$log" | tail -n 40 | sed 's/^/    /'
		} >"$out"
	else
		printf 'ok   fuzz_%s (%s runs in %ss, corpus %s inputs)\n' "$name" \
			"${runs:-?}" "$secs" "$(find "$learned" $seeds -type f | wc -l)" >"$out"
	fi
}

mkdir -p "$FUZZ_BUILD"
for bin in "$@"; do
	rm -f "$FUZZ_BUILD/fuzz_${bin##*/fuzz_}.result"
done
# Lane j runs the programs j, j + FUZZ_JOBS, ... one after another.
j=0
while [ "$j" -lt "$FUZZ_JOBS" ]; do
	(
		i=0
		for bin in "$@"; do
			[ $((i % FUZZ_JOBS)) -eq "$j" ] && run_one "$bin"
			i=$((i + 1))
		done
	) &
	j=$((j + 1))
done
wait
fail=0
for bin in "$@"; do
	out=$FUZZ_BUILD/fuzz_${bin##*/fuzz_}.result
	if [ -s "$out" ]; then
		cat "$out"
		grep -q '^FAIL' "$out" && fail=1
	else
		printf 'FAIL fuzz_%s (no result: the run did not finish)\n' "${bin##*/fuzz_}"
		fail=1
	fi
done
exit $fail
