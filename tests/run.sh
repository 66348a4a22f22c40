#!/bin/sh
# Runs every test program and script named on the command line and ends
# with one line: "N passed, N failed". A check that could not run here
# ("ok ... # SKIP reason": no llama-server, no chromium) is no pass nor
# failure: it is counted apart, and the reasons are listed before that
# line.
#
# Each program speaks TAP ("ok ..." / "not ok ..." lines): cmocka through
# CMOCKA_MESSAGE_OUTPUT=TAP, scripts through tests/e2e/lib.sh. A program
# that exits non-zero without reporting a failure counts as one failure.
#
# Under sanitizers (make asan) every report goes to a file of its own
# (log_path), and a test after which one is there fails with it: a
# report on a stderr that a test sent to a file, or from a tool whose
# exit status it did not check, was seen by no one.
export CMOCKA_MESSAGE_OUTPUT=TAP
: "${BUILD:=build}"
export BUILD
BIN="$(cd "$BUILD/bin" 2>/dev/null && pwd)"
export PATH="$BIN:$PATH"
pass=0
fail=0
skip=0
skips=$(mktemp)
log=$(mktemp)
san=$(mktemp -d)
trap 'rm -rf "$log" "$san" "$skips"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$san/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$san/ubsan:print_stacktrace=1"
for t in "$@"; do
	case "$t" in
	*.sh) timeout 900 sh "$t" >"$log" 2>&1 ;;
	*) timeout 900 "$t" >"$log" 2>&1 ;;
	esac
	rc=$?
	if [ -n "$(ls -A "$san")" ]; then
		{
			echo "not ok - $t: sanitizer reports ($(ls "$san" | tr '\n' ' '))"
			for r in "$san"/*; do head -n 30 "$r"; done | sed 's/^/#   /'
		} >>"$log"
		rm -f "$san"/*
	fi
	# cmocka 1.1 writes a skipped test as "not ok N # SKIP name".
	s=$(grep -Ec '^(not )?ok .*# SKIP' "$log")
	p=$(grep '^ok ' "$log" | grep -vc '# SKIP')
	f=$(grep '^not ok ' "$log" | grep -vc '# SKIP')
	grep -E '^(not )?ok .*# SKIP' "$log" | sed -E "s|^(not )?ok[^#]*# SKIP *|  $t: |" >>"$skips"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $t exited with status $rc" >>"$log"
	fi
	# A script calling a function or program that does not exist (a
	# helper defined in another test) goes on, and the checks it meant
	# to make are neither passed nor failed: the shell's "not found"
	# (dash's, or bash's where it is sh) is a failure of its own. Only
	# the script's own shell is heard: an "sh -c" inside it, or a
	# command whose stderr goes to a file, is not.
	case "$t" in
	*.sh) nf=$(grep -m1 -E "^$t: ([0-9]+|line [0-9]+): .*: (command )?not found\$" "$log")
	if [ -n "$nf" ]; then
		f=$((f + 1))
		echo "not ok - $t called a command that does not exist: $nf" >>"$log"
	fi ;;
	esac
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
	if [ "$f" -gt 0 ]; then
		printf 'FAIL %s (%d passed, %d failed)\n' "$t" "$p" "$f"
		# The failures and their diagnostics first: a log seen only in
		# part (a CI excerpt) still names them. Then the output's end.
		awk '/^not ok / && !/# SKIP/ { d = 1; print; next } d && /^#/ { print; next } { d = 0 }' "$log" |
			head -n 40 | sed 's/^/    /'
		echo "    ... the output's end:"
		sed 's/^/    /' "$log" | tail -n 40
	else
		printf 'ok   %s (%d passed%s)\n' "$t" "$p" "$([ "$s" -gt 0 ] && echo ", $s skipped")"
	fi
done
if [ "$skip" -gt 0 ]; then
	echo "$skip skipped, not counted as passed (could not run here):"
	cat "$skips"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
