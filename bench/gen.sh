#!/bin/sh
# Corpus generation speed: 10,000 prompts of exactly 1,000 tokens
# (cl100k_base), English and Chinese templates, one process (one core).
# Prints wall time and CPU time (user + sys); the target is under 5 s.
# Also checks the run missed no target, so a fast wrong run cannot pass.
: "${BUILD:=build}"
BIN=$BUILD/bin/llmgen
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

printf '%-44s %8s %8s %8s\n' "llmgen corpus (10,000 x 1,000 tokens)" "wall s" "cpu s" "rows/s"
for case in "en cl100k_base" "zh cl100k_base" "en qwen3"; do
	set -- $case
	/usr/bin/time -f '%e %U %S' -o "$T/time" "$BIN" --templates templates --lang "$1" -t "$2" \
		-i 1000 -n 10000 --seed 1 -o "$T/c.csv" 2>"$T/err" || { cat "$T/err"; exit 1; }
	grep -q ' 0 missed their input target' "$T/err" || { echo "rows missed their target:"; cat "$T/err"; exit 1; }
	read -r wall user sys <"$T/time"
	awk -v l="--lang $1 -t $2" -v w="$wall" -v u="$user" -v s="$sys" \
		'BEGIN { printf "%-44s %8.2f %8.2f %8.0f\n", l, w, u + s, 10000 / (u + s) }'
done

# Conversations: 10,000 x 5 turns of a classic scenario (issue 15's target:
# under 10 s), checked for misses and row count like the cases above.
printf '%-44s %8s %8s %8s\n' "llmgen conversations (10,000 x 5 turns)" "wall s" "cpu s" "rows/s"
for scen in short-long long-short; do
	/usr/bin/time -f '%e %U %S' -o "$T/time" "$BIN" --templates templates -s $scen \
		--conversations 10000 --turns 5 --seed 1 -o "$T/c.csv" 2>"$T/err" || { cat "$T/err"; exit 1; }
	grep -q '50000 rows; 0 missed their input target' "$T/err" || { echo "rows missed or wrong count:"; cat "$T/err"; exit 1; }
	read -r wall user sys <"$T/time"
	awk -v l="-s $scen" -v w="$wall" -v u="$user" -v s="$sys" \
		'BEGIN { printf "%-44s %8.2f %8.2f %8.0f\n", l, w, u + s, 50000 / (u + s) }'
done
