#!/bin/sh
# Scale-out: two llmrun shards on two hosts drive one llmsim together, and
# llmanalyze's merged table equals the table of the union of their rows.
# The hosts are network namespaces this test makes (llmsim in one, a client
# in each of two others, joined by veth pairs on 10.231.N.0/24); it removes
# them at exit. Needs root and iproute2.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
need_tokfile cl100k_base.tiktoken >/dev/null || exit 1
T=$(mktmp)
id=$$
S=llmb-s-$id
C1=llmb-c1-$id
C2=llmb-c2-$id
sim=""
cleanup() {
	[ -n "$sim" ] && kill "$sim" 2>/dev/null
	for n in $S $C1 $C2; do ip netns del "$n" 2>/dev/null; done
	rm -rf $_tmps
}
trap cleanup EXIT

if ! command -v ip >/dev/null; then
	nok "iproute2 is installed" "install the iproute2 package"
	exit 1
fi
setup() {
	ip netns add $S && ip netns add $C1 && ip netns add $C2 || return 1
	ip -n $S link set lo up || return 1
	i=1
	for c in $C1 $C2; do
		ip link add llmbs$i-$id type veth peer name llmbc$i-$id || return 1
		ip link set llmbs$i-$id netns $S && ip link set llmbc$i-$id netns $c || return 1
		ip -n $S addr add 10.231.$i.1/24 dev llmbs$i-$id || return 1
		ip -n $c addr add 10.231.$i.2/24 dev llmbc$i-$id || return 1
		ip -n $S link set llmbs$i-$id up && ip -n $c link set llmbc$i-$id up || return 1
		ip -n $c link set lo up || return 1
		i=$((i + 1))
	done
}
if [ "$(id -u)" -ne 0 ] && [ "${CI:-}" != true ]; then
	ok "# SKIP three hosts in network namespaces: needs root"
	exit 0
fi
if setup 2>"$T/ip.err"; then ok "three hosts in network namespaces"; else
	nok "three hosts in network namespaces" "$(cat "$T/ip.err") (needs root)"
	exit 1
fi

ip netns exec $S llmsim --host 0.0.0.0 --port 0 --time-scale 10 --seed 4 \
	>"$T/url" 2>"$T/sim.log" &
sim=$!
i=0
while [ ! -s "$T/url" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(sed -n '1s/.*:\([0-9]*\).*/\1/p' "$T/url")
[ -n "$port" ] && ok "llmsim listens in its namespace" || { nok "llmsim listens in its namespace" "$(cat "$T/sim.log")"; exit 1; }

llmgen --scenario short-long --count 24 --seed 9 -q -o "$T/corpus.csv"
# One study, two shards: one --run-id, so llmanalyze groups them together.
ip netns exec $C1 llmrun --url "http://10.231.1.1:$port" --model llmsim --batch-sizes 4 \
	--run-id study-1 --shard 0/2 -q -o "$T/shard0.csv" "$T/corpus.csv" &
p1=$!
ip netns exec $C2 llmrun --url "http://10.231.2.1:$port" --model llmsim --batch-sizes 4 \
	--run-id study-1 --shard 1/2 -q -o "$T/shard1.csv" "$T/corpus.csv" &
p2=$!
wait $p1 && wait $p2 && ok "both shards ran" || nok "both shards ran"

n0=$(awk -F, 'NR > 1 && $0 ~ /,ok,/ {n++} END {print n + 0}' "$T/shard0.csv")
n1=$(awk -F, 'NR > 1 && $0 ~ /,ok,/ {n++} END {print n + 0}' "$T/shard1.csv")
[ "$n0" = 12 ] && [ "$n1" = 12 ] && ok "each shard ran half the corpus, all ok" ||
	nok "each shard ran half the corpus, all ok" "shard0 $n0, shard1 $n1"
# The shards split the corpus: no row in both, every row in one.
ids=$(for f in "$T/shard0.csv" "$T/shard1.csv"; do llmanalyze -q --format csv --by row_id --columns requests "$f" | tail -n +2; done | cut -d, -f1 | sort | uniq | wc -l)
[ "$ids" = 24 ] && ok "together the shards cover every corpus row once" || nok "together the shards cover every corpus row once" "distinct rows: $ids"

cols=requests,ok,duration_s,req_per_s,out_tok_per_s,ttft_mean,ttft_p99,tpot_p50,e2e_p90,itl_p99
llmanalyze -q --format csv --columns $cols "$T/shard0.csv" "$T/shard1.csv" >"$T/merged.txt"
{ cat "$T/shard0.csv"; tail -n +2 "$T/shard1.csv"; } >"$T/union.csv"
llmanalyze -q --format csv --columns $cols "$T/union.csv" >"$T/union.txt"
if [ -s "$T/merged.txt" ] && cmp -s "$T/merged.txt" "$T/union.txt"; then
	ok "merged shards give the table of the union of rows"
else
	nok "merged shards give the table of the union of rows" "$(cat "$T/merged.txt" "$T/union.txt")"
fi
[ "$(awk -F, 'NR == 2 {print $5}' "$T/merged.txt")" = 24 ] && ok "the merged table counts both shards' requests" ||
	nok "the merged table counts both shards' requests" "$(cat "$T/merged.txt")"

# Every results file of this script: chunk stamps never go back.
monoall "$T"
