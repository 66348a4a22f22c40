#!/bin/sh
# Every built tool: --help exits 0 on stdout, --version names the tool,
# an unknown option exits 64 with a hint, and every long option that
# --help lists appears in the man page and the other way round.
. tests/lib.sh
for bin in "$BUILD"/bin/llm*; do
	[ -x "$bin" ] || continue
	t=$(basename "$bin")
	man="man/$t.1"
	help=$("$bin" --help 2>/dev/null)
	rc=$?
	if [ $rc -eq 0 ] && [ -n "$help" ]; then ok "$t --help exits 0 on stdout"; else nok "$t --help exits 0 on stdout"; fi
	"$bin" --version 2>/dev/null | grep -q "^$t " && ok "$t --version" || nok "$t --version"
	err=$("$bin" --no-such-option 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 64 ] && echo "$err" | grep -q "$t --help"; then ok "$t bad option: 64 and a hint"; else nok "$t bad option: 64 and a hint" "exit $rc: $err"; fi
	if [ ! -f "$man" ]; then nok "$t has a man page"; continue; fi
	ok "$t has a man page"
	grep -q '^\.SH EXIT STATUS' "$man" && ok "$t man page lists EXIT STATUS" || nok "$t man page lists EXIT STATUS"
	# Long options as they appear: --word or --word-word.
	h=$(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
	m=$(sed 's/\\-/-/g' "$man" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
	miss=$(printf '%s\n' "$h" | while read -r o; do printf '%s\n' "$m" | grep -qx -- "$o" || echo "$o"; done)
	extra=$(printf '%s\n' "$m" | while read -r o; do printf '%s\n' "$h" | grep -qx -- "$o" || echo "$o"; done)
	[ -z "$miss" ] && ok "$t: every --help option is in the man page" || nok "$t: every --help option is in the man page" "missing: $miss"
	[ -z "$extra" ] && ok "$t: every man page option is in --help" || nok "$t: every man page option is in --help" "missing: $extra"
done
