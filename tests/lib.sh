# Helpers for end-to-end scripts; sourced, never run. Output is TAP-like:
# one "ok NAME" or "not ok NAME" line per check, read by tests/run.sh.
#
#   T=$(mktmp)            a scratch folder removed at exit
#   ok NAME               record a pass
#   nok NAME [DETAIL]     record a failure
#   check NAME CMD...     pass when CMD exits 0
#   expect_exit N NAME CMD...   pass when CMD exits with status N
#   need_tokfile FILE     path of a tokenizer file, or a failure saying how
#                         to get it (tests never pass silently without it)

_tmps=""
trap 'rm -rf $_tmps' EXIT
mktmp() { d=$(mktemp -d); _tmps="$_tmps $d"; echo "$d"; }
ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; [ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/#   /'; return 0; }
check() {
	n=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$n"; else nok "$n" "command failed: $*"; fi
}
expect_exit() {
	want=$1; n=$2; shift 2
	"$@" >/dev/null 2>&1
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$n"; else nok "$n" "exit $got, wanted $want: $*"; fi
}
# Finds NAME (a file name such as cl100k_base.tiktoken) in the folders of
# $LLMBENCH_TOKENIZERS.
find_tokfile() {
	old=$IFS; IFS=:
	for d in $LLMBENCH_TOKENIZERS; do
		if [ -f "$d/$1" ]; then IFS=$old; echo "$d/$1"; return 0; fi
	done
	IFS=$old
	return 1
}
# The failure goes to stderr, which tests/run.sh reads too, so it is
# never swallowed by $(...) or >/dev/null. Use: f=$(need_tokfile X) || exit 1
need_tokfile() {
	if f=$(find_tokfile "$1"); then echo "$f"; return 0; fi
	nok "tokenizer file $1 is available" \
		"not found in LLMBENCH_TOKENIZERS=$LLMBENCH_TOKENIZERS; run 'make tokenizers' or set LLMBENCH_TOKENIZERS" >&2
	return 1
}
