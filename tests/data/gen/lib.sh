# Helpers for tests/e2e/gen_*.sh (sourced after tests/lib.sh).

# split CSV DIR: the prompts of CSV as DIR/1.txt ... and DIR/index lines
# "row input_tokens output_tokens group".
split_corpus() {
	rm -rf "$2" && mkdir -p "$2" &&
		LC_ALL=C awk -v dir="$2" -f tests/data/gen/csvsplit.awk "$1"
}

# recount DIR TOKENIZER: prints "row corpus_count independent_count group"
# for every row, counting each prompt file again with `llmgen count`.
recount() {
	(cd "$1" && ls | grep '\.txt$' | xargs llmgen count -t "$2") >"$1/counts" || return 1
	# One input prints the count alone; several print "count<TAB>file".
	awk 'NR == FNR { if (NF == 1) c["1.txt"] = $1; else c[$2] = $1; next }
	     { print $1, $2, c[$1 ".txt"], $4 }' "$1/counts" "$1/index"
}

# recount_exact DIR TOKENIZER [WANT]: passes when DIR holds at least one
# row, every one was counted again, and each count equals the corpus's
# (and WANT, when given). A recount that failed or counted nothing fails
# it: "no mismatch printed" passed on no rows at all.
recount_exact() {
	recount "$1" "$2" >"$1/recount" || return 1
	awk -v want="${3:-}" -v n="$(wc -l <"$1/index")" '
		$3 == "" || $2 != $3 || (want != "" && $2 != want) { bad++ }
		END { exit !(n > 0 && NR == n && !bad) }' "$1/recount"
}

# count_rows CSV: data rows (records) of a corpus.
count_rows() {
	d=$(mktemp -d) && split_corpus "$1" "$d" && wc -l <"$d/index" | tr -d ' '
	rm -rf "$d"
}
