#!/bin/sh
# --targets FILE.yaml: each target in turn with warmup against llmsim;
# each target's key (from its api_key_env), headers and extra_body reach
# the server (a capture server records them); a key in the file is
# refused; bad files name line and column, with exit codes.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
if ! command -v python3 >/dev/null 2>&1; then
	nok "python3 is installed" "the capture server needs it: apt-get install python3 ('make deps')"
	exit 0
fi
. tests/e2e/sim.lib
srv=
trap 'kill "$SIMPID" $srv 2>/dev/null; rm -rf $_tmps' EXIT
col() { head -1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }
vals() { c=$(col "$1" "$2"); tail -n +2 "$1" | cut -d, -f"$c"; }

# Two targets against llmsim, in turn, each with its warmup.
start_sim --zero-latency --truth "$T/truth.jsonl"
[ -n "$URL" ] || { nok "llmsim starts" "$(cat "$T/err")"; exit 0; }
cat >"$T/t.yaml" <<Y
# two dialects of one server
targets:
  - name: chat
    base_url: $URL
    model: llmsim
    api: vllm-chat
  - name: compl
    base_url: "$URL"
    api: openai-completions   # no model: the server's is used
    extra_body: {temperature: 0}
Y
llmrun --targets "$T/t.yaml" --prompt hi --batch-sizes 1,2 --requests 3 --warmup 1 --max-tokens 3 \
	-o "$T/r.csv" 2>"$T/r.err"
rc=$?
got=$(vals "$T/r.csv" target | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
[ $rc -eq 0 ] && [ "$got" = "chat:8 compl:8 " ] && ok "each target in turn, every step (2 x (3 + 1 warmup))" ||
	nok "each target in turn, every step (2 x (3 + 1 warmup))" "exit $rc, rows '$got': $(cat "$T/r.err")"
w=$(tail -n +2 "$T/r.csv" | awk -F, -v t="$(col "$T/r.csv" target)" \
	-v w="$(col "$T/r.csv" warmup)" -v s="$(col "$T/r.csv" step)" '$w == 1 { printf "%s/%s ", $t, $s }')
[ "$w" = "chat/1 chat/2 compl/1 compl/2 " ] && ok "one warmup request per step and target" || nok "one warmup request per step and target" "$w"
[ "$(vals "$T/r.csv" api | sort -u | tr '\n' ' ')" = "openai-chat openai-completions " ] &&
	[ "$(vals "$T/r.csv" status | sort -u)" = ok ] && ok "rows name each target's dialect, all ok" ||
	nok "rows name each target's dialect, all ok" "$(cat "$T/r.err")"
grep -q "compl: no --model given: using llmsim" "$T/r.err" && ok "a target without model asks the server" ||
	nok "a target without model asks the server" "$(cat "$T/r.err")"
grep -q '"name": "compl"' "$T/r.csv.meta.json" && ok "the metadata lists the targets" || nok "the metadata lists the targets"
stop_sim

# Keys, headers and extra_body per target, as the server receives them.
python3 tests/data/run/capture_server.py "$T/cap.jsonl" >"$T/cap.url" 2>"$T/cap.err" &
srv=$!
i=0
while [ ! -s "$T/cap.url" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
CAP=$(head -n 1 "$T/cap.url")
cat >"$T/k.yaml" <<Y
- name: a
  base_url: $CAP
  model: ma
  api_key_env: KEY_A
  headers: {X-Team: bench}
  extra_body: '{"temperature": 0.5}'
- name: b
  base_url: $CAP
  model: mb
  api: vllm
  headers: ["X-Team: other"]
- name: c
  base_url: $CAP
  model: mc
Y
KEY_A=sk-a-SECRET-1 OPENAI_API_KEY=sk-g-SECRET-2 llmrun --targets "$T/k.yaml" --no-stream --prompt hi \
	--requests 2 --max-tokens 2 -H 'X-Run: r1' -o "$T/k.csv" 2>"$T/k.err"
rc=$?
kill $srv 2>/dev/null; wait $srv 2>/dev/null; srv=
# One line per model: path auth team run temperature, the same for every
# request of it (the probe's included).
seen=$(python3 -c '
import json, sys
by = {}
for l in open(sys.argv[1]):
    r = json.loads(l)
    by.setdefault(r["model"], set()).add("%s %s %s %s %s" % (r["path"], r["auth"], r["team"], r["run"], r["temperature"]))
for m in sorted(by):
    print(m, *sorted(by[m]), sep=" | ")' "$T/cap.jsonl")
want="ma | /v1/chat/completions Bearer sk-a-SECRET-1 bench r1 0.5
mb | /v1/completions Bearer sk-g-SECRET-2 other r1 None
mc | /v1/chat/completions Bearer sk-g-SECRET-2 None r1 None"
[ $rc -eq 0 ] && [ "$seen" = "$want" ] &&
	ok "each target's key (api_key_env, else the run's), -H then its headers, its extra_body" ||
	nok "each target's key (api_key_env, else the run's), -H then its headers, its extra_body" "exit $rc: $seen; $(cat "$T/k.err")"
if grep -r -q SECRET "$T/k.csv" "$T/k.csv.meta.json" "$T/k.err"; then nok "the keys appear in no output"; else ok "the keys appear in no output"; fi

# Bad files: code and message (the first line of stderr).
expect_err() {
	want=$1 msg=$2 name=$3; shift 3
	"$@" >/dev/null 2>"$T/e"
	got=$?
	if [ $got -eq "$want" ] && head -n 1 "$T/e" | grep -qF -- "$msg"; then ok "$name"; else nok "$name" "exit $got: $(cat "$T/e")"; fi
}
D=http://127.0.0.1:1
bad() { f=$1; shift; printf "$@" >"$T/$f"; }
bad syn.yaml 'targets:\n  - name: a\n    base_url: [x\n'
expect_err 65 "syn.yaml:4:1: did not find expected ',' or ']'" "a syntax error names line and column: 65" llmrun --targets "$T/syn.yaml" --prompt x
bad api.yaml -- '- name: a\n  base_url: %s\n  api: lightllm\n' $D
expect_err 65 "api.yaml:3: unknown api 'lightllm' (want openai-chat|openai-completions|tgi|llamacpp|ollama|triton|sglang|mii" \
	"an unknown api lists the known ones: 65" llmrun --targets "$T/api.yaml" --prompt x
bad key.yaml -- '- name: a\n  base_url: %s\n  api_key: sk-lit-SECRET-3\n' $D
expect_err 65 "key.yaml:3: api_key: an API key is never kept in the file: put it in an environment variable and name that in api_key_env" \
	"a literal api_key is refused, pointing to api_key_env: 65" llmrun --targets "$T/key.yaml" --prompt x
grep -q SECRET "$T/e" && nok "the refused key is not echoed" || ok "the refused key is not echoed"
bad auth.yaml -- '- name: a\n  base_url: %s\n  headers: {Authorization: Bearer sk-lit-SECRET-4}\n' $D
expect_err 65 "auth.yaml:3: headers: Authorization holds a credential" "a credential header is refused: 65" \
	llmrun --targets "$T/auth.yaml" --prompt x
grep -q SECRET "$T/e" && nok "the refused header value is not echoed" || ok "the refused header value is not echoed"
bad env.yaml -- '- name: a\n  base_url: %s\n  api_key_env: LLMBENCH_TEST_UNSET_KEY\n' $D
expect_err 64 "env.yaml:3: api_key_env: \$LLMBENCH_TEST_UNSET_KEY is not set" "an unset api_key_env: 64" \
	env -u LLMBENCH_TEST_UNSET_KEY llmrun --targets "$T/env.yaml" --prompt x
bad nourl.yaml -- '- name: a\n  model: m\n'
expect_err 65 "nourl.yaml:1: a: no base_url" "a target without base_url: 65" llmrun --targets "$T/nourl.yaml" --prompt x
bad unk.yaml -- '- name: a\n  base_url: %s\n  url: %s\n' $D $D
expect_err 65 "unk.yaml:3: unknown key 'url' (want name, base_url" "an unknown key: 65, listing the known" llmrun --targets "$T/unk.yaml" --prompt x
bad dup.yaml -- '- {name: a, base_url: %s}\n- {name: a, base_url: %s}\n' $D $D
expect_err 65 "dup.yaml:2: a second target named 'a'" "two targets of one name: 65" llmrun --targets "$T/dup.yaml" --prompt x
bad empty.yml ''
expect_err 65 "empty.yml: no targets" "an empty file: 65" llmrun --targets "$T/empty.yml" --prompt x
bad ftp.yaml -- '- {name: a, base_url: "ftp://h/"}\n'
expect_err 65 "ftp.yaml:1: base_url: expected http:// or https://" "a non-HTTP base_url: 65" llmrun --targets "$T/ftp.yaml" --prompt x
expect_err 66 "none.yaml" "a missing targets file: 66" llmrun --targets "$T/none.yaml" --prompt x
expect_err 64 "--targets replaces --url" "--targets with --url: 64" llmrun --targets "$T/t.yaml" --url $D --prompt x
# The README's example loads (options are checked after the targets, so a
# bad --batch-sizes stops the run before any connection to its hosts).
sed -n '/^```yaml$/,/^```$/p' README.md | sed '1d;$d' >"$T/readme.yaml"
expect_err 64 "bad batch sizes" "the README's YAML example loads" env GPU1_KEY=k \
	llmrun --targets "$T/readme.yaml" --prompt x --batch-sizes 0
[ -s "$T/readme.yaml" ] && ok "the README has a YAML example" || nok "the README has a YAML example"
monoall "$T"
