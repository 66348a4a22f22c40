#!/bin/sh
# A quick test without a corpus file: --prompt, --prompt-file and
# --concurrency against llmsim, the summary's figures against the rows it
# was computed from, and bad input with its exit code.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
. tests/e2e/sim.lib
srv=
trap 'kill "$SIMPID" $srv 2>/dev/null; rm -rf $_tmps' EXIT
col() { head -1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }
vals() { c=$(col "$1" "$2"); tail -n +2 "$1" | cut -d, -f"$c"; }

start_sim --zero-latency --truth "$T/truth.jsonl" --seed 3
[ -n "$URL" ] || { nok "llmsim starts" "$(cat "$T/err")"; exit 0; }

# The issue's one line: 50 requests of one prompt, 10 in flight.
llmrun --url "$URL" --model llmsim --prompt "Write a story about AI" --concurrency 10 \
	--requests 50 --max-tokens 16 -o "$T/q.csv" 2>"$T/q.err"
rc=$?
[ $rc -eq 0 ] && ok "one-line test exits 0" || nok "one-line test exits 0" "exit $rc: $(cat "$T/q.err")"
n=$(tail -n +2 "$T/q.csv" | wc -l)
st=$(vals "$T/q.csv" status | sort -u)
step=$(vals "$T/q.csv" step | sort -u)
mt=$(vals "$T/q.csv" max_tokens | sort -u)
[ "$n" -eq 50 ] && [ "$st" = ok ] && [ "$step" = 10 ] && [ "$mt" = 16 ] &&
	ok "50 ok rows in the step batch=10, max_tokens from --max-tokens" ||
	nok "50 ok rows in the step batch=10, max_tokens from --max-tokens" "$n rows, status $st, step $step, max_tokens $mt"
[ "$(vals "$T/q.csv" row_id | sort -u)" = 1 ] && ok "the prompt is row 1" || nok "the prompt is row 1"
# Each request reached the server once more than the rows: the probe.
[ "$(wc -l <"$T/truth.jsonl")" -eq 51 ] && ok "llmsim saw 50 requests and the probe" ||
	nok "llmsim saw 50 requests and the probe" "$(wc -l <"$T/truth.jsonl") in the truth log"

grep -q "batch=10: 50 requests, 50 ok, 0 failed, 0 cancelled (success 100.0%); [0-9.]* req/s" "$T/q.err" &&
	ok "summary: success rate and req/s" || nok "summary: success rate and req/s" "$(cat "$T/q.err")"
# The per-request speed is defined where the last token came after the
# first (zero latency often sends both at once).
nsp=$(awk -F, -v o="$(col "$T/q.csv" output_tokens)" -v f="$(col "$T/q.csv" t_first_token_ns)" \
	-v e="$(col "$T/q.csv" t_end_ns)" 'NR > 1 && $o >= 2 && $e > $f { n++ } END { print n + 0 }' "$T/q.csv")
sp="per request out [0-9.]+ tok/s \\(mean of $nsp\\)"
[ "$nsp" -eq 0 ] && sp="per request out n/a"
grep -Eq "^  tok/s in [0-9]+ out [0-9]+ total [0-9]+; $sp\$" "$T/q.err" &&
	ok "summary: input, output, total tokens/s and per-request speed" ||
	nok "summary: input, output, total tokens/s and per-request speed" "$(cat "$T/q.err")"
grep -Eq "^  ms +mean +p50 +p90 +p95 +p99 +min +max$" "$T/q.err" &&
	ok "summary: mean, p50, p90, p95, p99, min, max" || nok "summary: mean, p50, p90, p95, p99, min, max" "$(cat "$T/q.err")"

# The summary's numbers are the rows': e2e min and max, TTFT max, and
# total tokens/s = in + out (each rounded, so within 1).
e2e=$(grep '^  e2e ' "$T/q.err")
awk -v s="$e2e" -v c="$(col "$T/q.csv" e2e_ms)" -F, '
	NR > 1 { if (min == "" || $c < min) min = $c; if ($c > max) max = $c }
	END { split(s, f, " "); d1 = f[7] - min; d2 = f[8] - max
	      exit !(d1 < 0.006 && d1 > -0.006 && d2 < 0.006 && d2 > -0.006) }' "$T/q.csv" &&
	ok "summary: e2e min and max are the rows'" || nok "summary: e2e min and max are the rows'" "$e2e"
ttft=$(grep '^  ttft ' "$T/q.err")
awk -v s="$ttft" -v c="$(col "$T/q.csv" ttft_ms)" -F, '
	NR > 1 && $c > max { max = $c }
	END { split(s, f, " "); d = f[8] - max; exit !(d < 0.006 && d > -0.006) }' "$T/q.csv" &&
	ok "summary: ttft max is the rows'" || nok "summary: ttft max is the rows'" "$ttft"
set -- $(sed -n 's/^  tok\/s in \([0-9]*\) out \([0-9]*\) total \([0-9]*\);.*/\1 \2 \3/p' "$T/q.err")
[ $# -eq 3 ] && [ $(($3 - $1 - $2)) -le 1 ] && [ $(($1 + $2 - $3)) -le 1 ] && [ "$2" -gt 0 ] &&
	ok "summary: total tokens/s is in + out" || nok "summary: total tokens/s is in + out" "$*"

# Several prompts, sent in turn; the tokenizer gives nothing the server's
# usage does not (usage comes first), so input_tokens is usage's.
llmrun --url "$URL" --model llmsim --prompt one --prompt "two, with a comma" --requests 4 \
	--max-tokens 3 -t cl100k_base -q -o "$T/m.csv" 2>"$T/m.err"
[ "$(vals "$T/m.csv" row_id | tr '\n' ' ')" = "1 2 1 2 " ] && ok "--prompt twice: rows 1 2 1 2" ||
	nok "--prompt twice: rows 1 2 1 2" "$(vals "$T/m.csv" row_id | tr '\n' ' ') $(cat "$T/m.err")"
[ "$(vals "$T/m.csv" input_tokens_source | sort -u)" = usage ] && ok "input_tokens from usage" || nok "input_tokens from usage"

# A prompt file, CRLF line ends and no newline at the end; and stdin.
printf 'hello there\r\nsecond line\r\nthird' >"$T/p.txt"
llmrun --url "$URL" --model llmsim --prompt-file "$T/p.txt" --max-tokens 3 -q -o "$T/f.csv" 2>"$T/f.err"
[ $? -eq 0 ] && [ "$(vals "$T/f.csv" row_id | tr '\n' ' ')" = "1 2 3 " ] &&
	ok "--prompt-file: one row per line, ids the line numbers" ||
	nok "--prompt-file: one row per line, ids the line numbers" "$(cat "$T/f.err")"
printf 'a\nb\n' | llmrun --url "$URL" --model llmsim --prompt-file - --max-tokens 3 -q -o "$T/s.csv" 2>"$T/s.err"
[ $? -eq 0 ] && [ "$(tail -n +2 "$T/s.csv" | wc -l)" -eq 2 ] && ok "--prompt-file - reads stdin" ||
	nok "--prompt-file - reads stdin" "$(cat "$T/s.err")"

# Without a stream there is no first token: n/a, never 0.
llmrun --url "$URL" --model llmsim --prompt x --no-stream --requests 2 --max-tokens 3 -o "$T/ns.csv" 2>"$T/ns.err"
grep -Eq '^  ttft +n/a$' "$T/ns.err" && grep -q 'per request out n/a' "$T/ns.err" &&
	ok "no stream: ttft and per-request speed are n/a" ||
	nok "no stream: ttft and per-request speed are n/a" "$(cat "$T/ns.err")"
stop_sim

# A server without usage: input_tokens from the tokenizer with -t, else
# empty, and the summary's input and total rates n/a, never 0.
if command -v python3 >/dev/null 2>&1; then
	python3 tests/data/run/capture_server.py "$T/cap.jsonl" >"$T/cap.url" 2>"$T/cap.err" &
	srv=$!
	i=0
	while [ ! -s "$T/cap.url" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	CAP=$(head -n 1 "$T/cap.url")
	llmrun --url "$CAP" --model nousage --no-stream --prompt "Hello there, world" --requests 2 \
		-t cl100k_base -o "$T/nu_t.csv" 2>"$T/nu_t.err"
	llmrun --url "$CAP" --model nousage --no-stream --prompt "Hello there, world" --requests 2 \
		-o "$T/nu.csv" 2>"$T/nu.err"
	kill $srv 2>/dev/null; wait $srv 2>/dev/null
	want=$(printf 'Hello there, world' | llmgen count -t cl100k_base 2>/dev/null | grep -o '[0-9][0-9]*' | head -n 1)
	[ "$(vals "$T/nu_t.csv" input_tokens_source | sort -u)" = tokenizer ] &&
		[ "$(vals "$T/nu_t.csv" input_tokens | sort -u)" = "$want" ] && [ -n "$want" ] &&
		ok "no usage, -t: input_tokens is the tokenizer's count ($want)" ||
		nok "no usage, -t: input_tokens is the tokenizer's count" "want $want: $(cat "$T/nu_t.err")"
	[ -z "$(vals "$T/nu.csv" input_tokens | sort -u)" ] && [ -z "$(vals "$T/nu.csv" input_tokens_source | sort -u)" ] &&
		ok "no usage, no -t: input_tokens empty" || nok "no usage, no -t: input_tokens empty" "$(cat "$T/nu.csv")"
	grep -Eq '^  tok/s in n/a out [0-9]+ total n/a;' "$T/nu.err" && ok "summary: unknown input tokens are n/a, not 0" ||
		nok "summary: unknown input tokens are n/a, not 0" "$(cat "$T/nu.err")"
else
	nok "python3 is installed" "the capture server needs it: apt-get install python3 ('make deps')"
fi

# Bad input, each with its code and a message naming the problem.
DEAD=http://127.0.0.1:1
: >"$T/empty.txt"
printf 'a\n\nb\n' >"$T/gap.txt"
printf 'a\nb\n\n' >"$T/trail.txt"
printf 'prompt\nx\n' >"$T/c.csv"
expect_err() {
	want=$1 msg=$2 name=$3; shift 3
	"$@" >/dev/null 2>"$T/e"
	got=$?
	if [ $got -eq "$want" ] && grep -qF -- "$msg" "$T/e"; then ok "$name"; else nok "$name" "exit $got: $(cat "$T/e")"; fi
}
expect_err 65 "empty.txt: no prompts" "empty prompt file: 65" llmrun --url $DEAD --prompt-file "$T/empty.txt"
expect_err 65 "gap.txt:2: empty line" "a prompt file with an empty line: 65, naming the line" llmrun --url $DEAD --prompt-file "$T/gap.txt"
expect_err 65 "trail.txt:3: empty line" "a blank last line: 65" llmrun --url $DEAD --prompt-file "$T/trail.txt"
expect_err 66 "none.txt" "a missing prompt file: 66" llmrun --url $DEAD --prompt-file "$T/none.txt"
expect_err 64 "--prompt replaces the corpus" "--prompt and a corpus: 64" llmrun --url $DEAD --prompt x "$T/c.csv"
expect_err 64 "not both" "--prompt and --prompt-file: 64" llmrun --url $DEAD --prompt x --prompt-file "$T/gap.txt"
expect_err 64 "--prompt 2: empty" "an empty --prompt: 64" llmrun --url $DEAD --prompt x --prompt ""
expect_err 64 "--concurrency is --batch-sizes" "--concurrency with --batch-sizes: 64" llmrun --url $DEAD --prompt x --concurrency 2 --batch-sizes 4
expect_err 64 "--trace needs a corpus" "--prompt with --trace: 64" llmrun --url $DEAD --prompt x --trace
expect_err 64 "--shard splits a corpus or a prompt file" "--prompt with --shard: 64" llmrun --url $DEAD --prompt x --shard 0/2
expect_err 64 "bad batch sizes '0'" "--concurrency 0: 64" llmrun --url $DEAD --prompt x --concurrency 0
monoall "$T"
