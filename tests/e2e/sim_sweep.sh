#!/bin/sh
# The sweep shape through the whole server: closed-loop clients at
# concurrency 1, 8, 64 and 256 (curl -Z), 1024-token prompts, 128 output
# tokens, at 5x time scale. From the truth log: output throughput rises
# then saturates, and TTFT and ITL grow. Margins are wide (the model gives
# 8x clients 6x the throughput of one, and 256 only 1.26x that of 64), so
# a busy machine does not flip the result.
. tests/lib.sh
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
. tests/e2e/sim.lib
jq -cn '{prompt: [range(1024) | 100], max_tokens: 128, ignore_eos: true, stream: true}' >"$T/body"

point() { # concurrency -> "tput ttft_ms itl_ms" in simulated units
	c=$1
	start_sim --time-scale 5 --seed 1 --truth "$T/t$c.jsonl"
	url=$URL
	: >"$T/cfg"
	n=$((c * 2))
	[ $n -lt 8 ] && n=8
	j=0
	while [ $j -lt $n ]; do
		# "next" separates transfers (their data would accumulate).
		[ $j -gt 0 ] && echo next >>"$T/cfg"
		printf 'url = "%s/v1/completions"\noutput = "/dev/null"\nheader = "Content-Type: application/json"\ndata-binary = "@%s"\n' "$url" "$T/body" >>"$T/cfg"
		j=$((j + 1))
	done
	curl -s --no-progress-meter -Z --parallel-max "$c" -K "$T/cfg"
	stop_sim
	jq -s -r '
	  (map(.completion_tokens) | add) as $tok
	  | ((map(.end_ns) | max) - (map(.received_ns) | min)) as $span
	  | (map(.first_chunk_ns - .received_ns) | add / length) as $ttft
	  | (map((.chunks[-1][0] - .chunks[0][0]) / (.completion_tokens - 1)) | add / length) as $itl
	  | "\($tok / ($span / 1e9) / 5) \($ttft * 5 / 1e6) \($itl * 5 / 1e6) \(length) \($tok)"' "$T/t$c.jsonl"
}

for c in 1 8 64 256; do
	p=$(point $c)
	echo "# C=$c: tok/s ttft_ms itl_ms requests tokens = $p"
	echo "$c $p" >>"$T/sweep"
done
read_col() { awk -v c="$1" -v k="$2" '$1 == c {print $k}' "$T/sweep"; }
gt() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a > b)}'; }
all=$(awk '{print $5 == ($1 * 2 < 8 ? 8 : $1 * 2) && $6 == $5 * 128}' "$T/sweep" | sort -u)
[ "$all" = 1 ] && ok "every request streamed its 128 tokens" || nok "every request streamed its 128 tokens" "$(cat "$T/sweep")"
gt "$(read_col 8 2)" "$(awk -v x="$(read_col 1 2)" 'BEGIN {print 3 * x}')" &&
	ok "throughput rises: 8 clients > 3x one" || nok "throughput rises" "$(cat "$T/sweep")"
gt "$(read_col 64 2)" "$(read_col 8 2)" && ok "throughput still rises to 64" || nok "throughput rises to 64" "$(cat "$T/sweep")"
gt "$(awk -v x="$(read_col 64 2)" 'BEGIN {print 2 * x}')" "$(read_col 256 2)" &&
	ok "throughput saturates: 256 clients < 2x 64" || nok "throughput saturates" "$(cat "$T/sweep")"
gt "$(read_col 256 3)" "$(read_col 1 3)" && gt "$(read_col 64 3)" "$(read_col 1 3)" &&
	ok "TTFT grows with concurrency" || nok "TTFT grows" "$(cat "$T/sweep")"
gt "$(read_col 256 4)" "$(awk -v x="$(read_col 1 4)" 'BEGIN {print 3 * x}')" && gt "$(read_col 64 4)" "$(read_col 8 4)" &&
	ok "ITL grows with concurrency" || nok "ITL grows" "$(cat "$T/sweep")"
