#!/bin/sh
# Runs each libFuzzer program named after SECONDS for that long (0: only
# runs the seed corpus once), from its seeds in tests/fuzz/corpus/NAME/.
# New inputs go to $FUZZ_BUILD/corpus/NAME/ (kept between runs, never in
# the repository), crashing ones to $FUZZ_BUILD/artifacts/NAME/. Prints
# one line per program (libFuzzer's whole output is kept in
# $FUZZ_BUILD/fuzz_NAME.log) and fails if any program found a crash, a
# leak, a timeout or ran out of memory.
secs=$1
shift
: "${FUZZ_BUILD:=build-fuzz}"
fail=0
for bin in "$@"; do
	name=${bin##*/fuzz_}
	seeds=tests/fuzz/corpus/$name
	learned=$FUZZ_BUILD/corpus/$name
	crashes=$FUZZ_BUILD/artifacts/$name
	log=$FUZZ_BUILD/fuzz_$name.log
	mkdir -p "$learned" "$crashes"
	[ -d "$seeds" ] || seeds=
	if [ "$secs" -eq 0 ]; then
		limit=-runs=0
	else
		limit=-max_total_time=$secs
	fi
	# libFuzzer writes what it learns to the first folder only.
	"$bin" "$limit" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$learned" $seeds >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" -ne 0 ]; then
		fail=1
		printf 'FAIL fuzz_%s (exit %d, log %s); inputs kept in %s:\n' \
			"$name" "$rc" "$log" "$crashes"
		ls "$crashes" | sed 's/^/    /'
		grep -v '^#\|^INFO\|^stat::' "$log" | tail -n 40 | sed 's/^/    /'
	else
		printf 'ok   fuzz_%s (%s runs in %ss, corpus %s inputs)\n' "$name" \
			"${runs:-?}" "$secs" "$(find "$learned" $seeds -type f | wc -l)"
	fi
done
exit $fail
