#!/bin/sh
# llmrun replays conversation corpora as chat sessions (docs/llmrun.md,
# "Conversations"): turn k's request holds exactly the system prompt, the
# earlier user turns and the replies as received, in order (a capture
# server that logs what it is sent and what it answered); against llmsim,
# context_tokens grows by exactly the last reply, the new turn and the
# template's 8 tokens, cached_tokens is llmsim's truth per request, and
# turns 2+ start sooner with prefix caching on than off; think times; a
# failed turn ends its conversation, --retries recovers it; --rate starts
# conversations; bad corpora are exit 65 naming file:line, nothing written.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
. tests/e2e/sim.lib
CAPPID=
trap 'kill $CAPPID 2>/dev/null; [ -n "${SIMPID:-}" ] && kill $SIMPID 2>/dev/null; rm -rf $_tmps' EXIT

col() { head -1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }

# --- exact history, against a server that logs requests and replies ------
cat >"$T/conv.csv" <<'EOF'
id,conversation_id,turn,output_tokens,prompt
a1,c1,1,5,"First question, with a comma and ""quotes""?"
a2,c1,2,5,Second question of c1.
a3,c1,3,5,Third question of c1 (ünïcode ✓).
b1,c2,1,5,Another conversation begins.
b2,c2,2,5,Its second turn.
EOF
start_cap() {
	: >"$T/cap.url"
	python3 tests/data/run/capture_server.py "$1" >"$T/cap.url" 2>"$T/cap.err" &
	CAPPID=$!
	i=0
	while [ ! -s "$T/cap.url" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	CAP=$(head -n 1 "$T/cap.url")
}
# Every request's messages are [system] + (user_j, the reply to turn j's
# request) for j < k + [user_k]; prints what differs.
history_check() {
	python3 - "$1" "$T/conv.csv" "$2" <<'EOF'
import csv, json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
rows = list(csv.DictReader(open(sys.argv[2])))
system = sys.argv[3]
convs = {}
for r in rows:
    convs.setdefault(r["conversation_id"], []).append(r["prompt"])
bad = []
seen = 0
for c, prompts in convs.items():
    reqs = [e for e in log if e["messages"] and len(e["messages"]) > 1 and e["messages"][1]["content"] == prompts[0]]
    reqs.sort(key=lambda e: len(e["messages"]))
    if len(reqs) != len(prompts):
        bad.append("%s: %d requests for %d turns" % (c, len(reqs), len(prompts)))
        continue
    for k, e in enumerate(reqs):
        want = [{"role": "system", "content": system}]
        for j in range(k):
            want += [{"role": "user", "content": prompts[j]},
                     {"role": "assistant", "content": reqs[j]["reply"]}]
        want.append({"role": "user", "content": prompts[k]})
        seen += 1
        if e["messages"] != want:
            bad.append("%s turn %d: sent %s, wanted %s" % (c, k + 1, json.dumps(e["messages"]), json.dumps(want)))
if seen != 5:
    bad.append("%d requests checked, wanted 5" % seen)
print("\n".join(bad))
EOF
}
start_cap "$T/cap.jsonl"
llmrun --url "$CAP" --model m --system "Be brief." --no-probe -q --batch-sizes 2 \
	-o "$T/cap.csv" "$T/conv.csv" 2>"$T/err"
rc=$?
out=$(history_check "$T/cap.jsonl" "Be brief.")
[ $rc -eq 0 ] && [ -z "$out" ] &&
	ok "streamed: turn k carries the system prompt, turns 1..k-1 and the replies as streamed, in order" ||
	nok "streamed: exact history" "exit $rc $(cat "$T/err") $out"
grep -q '"reply": "Reply [0-9]*: \\"quoted\\",\\ttab\\nline two, caf\\u00e9 \\u2713 end' "$T/cap.jsonl" &&
	ok "the replies tested hold quotes, a tab, a newline and non-ASCII text" || nok "capture replies" "$(head -2 "$T/cap.jsonl")"
# Rows: conversation_id and turn from the corpus, context_tokens from
# usage (the capture server's prompt_tokens), cached_tokens empty (not sent).
python3 - "$T/cap.csv" <<'EOF' >"$T/rows"
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))
h = open(sys.argv[1]).readline().strip().split(",")
i = h.index("server_decode_tokens")
print(h[i + 1:i + 5] == ["conversation_id", "turn", "context_tokens", "cached_tokens"] and h[-2:] == ["error", "chunk_log"])
print(sorted((x["row_id"], x["conversation_id"], x["turn"]) for x in r))
print(all(x["context_tokens"] == x["input_tokens"] and x["cached_tokens"] == "" and x["status"] == "ok" for x in r))
EOF
[ "$(sed -n 1p "$T/rows")" = True ] && ok "columns conversation_id, turn, context_tokens, cached_tokens after server_decode_tokens" ||
	nok "column order" "$(head -1 "$T/cap.csv")"
[ "$(sed -n 2p "$T/rows")" = "[('a1', 'c1', '1'), ('a2', 'c1', '2'), ('a3', 'c1', '3'), ('b1', 'c2', '1'), ('b2', 'c2', '2')]" ] &&
	ok "one row per turn with its conversation_id and turn" || nok "rows per turn" "$(sed -n 2p "$T/rows")"
[ "$(sed -n 3p "$T/rows")" = True ] && ok "context_tokens from usage; cached_tokens empty when the server sends none" ||
	nok "context/cached columns" "$(cat "$T/cap.csv")"

# Without usage, -t counts the whole request: system prompt, history, turn.
: >"$T/cap3.jsonl"
kill $CAPPID 2>/dev/null; wait $CAPPID 2>/dev/null
start_cap "$T/cap3.jsonl"
llmrun --url "$CAP" --model nousage --system "Be brief." -t cl100k_base --no-probe -q \
	-o "$T/cap3.csv" "$T/conv.csv" 2>"$T/err"
python3 - "$T/cap3.jsonl" "$T/cap3.csv" "$T" <<'EOF' >"$T/t.out"
import csv, json, subprocess, sys
log = {e["id"]: e for e in map(json.loads, open(sys.argv[1]))}
bad = []
for r in csv.DictReader(open(sys.argv[2])):
    want = 0
    for k, m in enumerate(log[r["response_id"]]["messages"]):
        open(sys.argv[3] + "/m.txt", "w").write(m["content"])
        want += int(subprocess.check_output(["llmgen", "count", sys.argv[3] + "/m.txt"]))
    if r["input_tokens_source"] != "tokenizer" or r["context_tokens"] != str(want):
        bad.append("%s: %s (%s), wanted %d" % (r["row_id"], r["context_tokens"], r["input_tokens_source"], want))
print("; ".join(bad) or "ok")
EOF
[ "$(cat "$T/t.out")" = ok ] && ok "no usage, -t: context_tokens is the tokenizer's count of system prompt, history and turn" ||
	nok "context_tokens from -t" "$(cat "$T/t.out" "$T/err")"

# --no-stream: the history holds the body's text ("ok" from this server).
: >"$T/cap2.jsonl"
kill $CAPPID 2>/dev/null; wait $CAPPID 2>/dev/null
start_cap "$T/cap2.jsonl"
llmrun --url "$CAP" --model m --no-stream --no-probe -q -o "$T/cap2.csv" "$T/conv.csv" 2>"$T/err"
n=$(python3 -c '
import json, sys
log = [json.loads(l) for l in open(sys.argv[1])]
print(sum(1 for e in log if [m["content"] for m in e["messages"] if m["role"] == "assistant"] == ["ok"] * ((len(e["messages"]) - 1) // 2)))' "$T/cap2.jsonl")
[ "$n" = 5 ] && ok "--no-stream: the history carries the body's text" || nok "--no-stream history" "$n; $(cat "$T/cap2.jsonl" "$T/err")"
kill $CAPPID 2>/dev/null; wait $CAPPID 2>/dev/null
CAPPID=

# --- llmsim: context growth and cached tokens against the truth log ------
llmgen -q --conversations 4 --turns 3 -s short-long --output-tokens 6:12 --seed 3 -o "$T/g.csv" ||
	nok "llmgen conversations"
start_sim --zero-latency --truth "$T/truth.jsonl"
llmrun --url "$URL" --model llmsim --no-probe -q --batch-sizes 2 -o "$T/sim.csv" "$T/g.csv" 2>"$T/err"
rc=$?
stop_sim
python3 - "$T/sim.csv" "$T/g.csv" "$T/truth.jsonl" <<'EOF' >"$T/g.out"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
corpus = {r["id"]: r for r in csv.DictReader(open(sys.argv[2]))}
truth = {t["id"]: t.get("cached_tokens") for t in map(json.loads, open(sys.argv[3]))}
by = {}
for r in rows:
    by.setdefault(r["conversation_id"], {})[int(r["turn"])] = r
growth = []
for c, t in by.items():
    for k in sorted(t)[1:]:
        p, q = t[k - 1], t[k]
        want = int(p["context_tokens"]) + int(p["output_tokens"]) + int(corpus[q["row_id"]]["input_tokens"]) + 8
        if int(q["context_tokens"]) != want:
            growth.append("%s turn %d: %s, wanted %d" % (c, k, q["context_tokens"], want))
print(len(rows), sum(r["status"] == "ok" for r in rows))
print("; ".join(growth) or "growth ok")
print("; ".join("%s turn %s: cached %s" % (r["conversation_id"], r["turn"], r["cached_tokens"])
                for r in rows if int(r["turn"]) > 1 and not int(r["cached_tokens"] or 0) > 0) or "cached ok")
print("; ".join("%s: %s vs truth %s" % (r["response_id"], r["cached_tokens"], truth.get(r["response_id"]))
                for r in rows if str(truth.get(r["response_id"])) != r["cached_tokens"]) or "truth ok")
EOF
[ $rc -eq 0 ] && [ "$(sed -n 1p "$T/g.out")" = "12 12" ] && ok "llmsim: 4 conversations x 3 turns, 12 rows ok" ||
	nok "llmsim run" "exit $rc $(cat "$T/err" "$T/g.out")"
[ "$(sed -n 2p "$T/g.out")" = "growth ok" ] &&
	ok "context_tokens grows by the last reply + the new turn + 8 template tokens, turn by turn" ||
	nok "context growth" "$(sed -n 2p "$T/g.out")"
[ "$(sed -n 3p "$T/g.out")" = "cached ok" ] && ok "cached_tokens > 0 on every turn 2+" || nok "cached on turns 2+" "$(sed -n 3p "$T/g.out")"
[ "$(sed -n 4p "$T/g.out")" = "truth ok" ] && ok "cached_tokens = llmsim's truth log, per request" ||
	nok "cached vs truth" "$(sed -n 4p "$T/g.out")"

# Single-turn runs record cached_tokens too: the same prompt twice.
start_sim --zero-latency
llmrun --url "$URL" --model llmsim --no-probe -q --requests 2 --max-tokens 2 \
	--prompt "$(awk 'BEGIN { for (i = 0; i < 40; i++) printf "word%d ", i }')" -o "$T/single.csv" 2>"$T/err"
stop_sim
c=$(col "$T/single.csv" cached_tokens); t=$(col "$T/single.csv" turn)
[ "$(tail -n +2 "$T/single.csv" | cut -d, -f"$c" | tr '\n' ' ')" != "" ] &&
	tail -n +2 "$T/single.csv" | cut -d, -f"$c" | grep -q '^[1-9]' &&
	[ -z "$(tail -n +2 "$T/single.csv" | cut -d, -f"$t" | tr -d '\n')" ] &&
	ok "single-turn rows: cached_tokens recorded, turn empty" || nok "single-turn cached_tokens" "$(cut -d, -f"$c","$t" "$T/single.csv")"

# --- prefix caching on vs off: turns 2+ start sooner ---------------------
# A 3,000-token first turn at half speed: its prefill takes ~150 ms of real
# time, a cached history's next turn a few ms.
llmgen -q --conversations 3 --turns 3 -s short-long --input-tokens 3000 --output-tokens 4 \
	--seed 5 -o "$T/long.csv" || nok "llmgen long conversations"
for pc in on off; do
	start_sim --time-scale 0.5 --prefix-caching $pc
	llmrun --url "$URL" --model llmsim --no-probe -q --batch-sizes 1 -o "$T/pc_$pc.csv" "$T/long.csv" 2>"$T/err"
	stop_sim
done
med() { awk -F, -v t="$(col "$1" turn)" -v f="$(col "$1" ttft_ms)" 'NR > 1 && $t > 1 { print $f }' "$1" | sort -g |
	awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : -1 }'; }
on=$(med "$T/pc_on.csv"); off=$(med "$T/pc_off.csv")
awk -v a="$on" -v b="$off" 'BEGIN { exit !(a > 0 && b > 0 && a < b / 2) }' &&
	ok "turns 2+: median TTFT $on ms with prefix caching, $off ms without" ||
	nok "prefix caching lowers TTFT of turns 2+" "on $on ms, off $off ms"

# --- think time ----------------------------------------------------------
start_sim --zero-latency --truth "$T/think_truth.jsonl"
llmrun --url "$URL" --model llmsim --no-probe -q --think-time 0.3 -o "$T/think.csv" "$T/conv.csv" 2>"$T/err"
cat >"$T/think_s.csv" <<'EOF'
id,conversation_id,turn,output_tokens,think_s,prompt
a1,c1,1,5,,First question.
a2,c1,2,5,,Second question of c1.
a3,c1,3,5,,Third question of c1.
b1,c2,1,5,,Another conversation begins.
b2,c2,2,5,0.1,Its second turn.
EOF
llmrun --url "$URL" --model llmsim --no-probe -q --think-time 0.3 -o "$T/thinks.csv" "$T/think_s.csv" 2>>"$T/err"
stop_sim
gaps() {
	python3 - "$1" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {(r["conversation_id"], int(r["turn"])): r for r in rows}
out = []
for (c, k), r in sorted(by.items()):
    if k > 1:
        p = by[(c, k - 1)]
        out.append("%s%d:%d:%d" % (c, k, int(r["t_scheduled_ns"]) - int(p["t_end_ns"]),
                                   int(r["t_sent_ns"]) >= int(r["t_scheduled_ns"])))
print(" ".join(out))
EOF
}
[ "$(gaps "$T/think.csv")" = "c12:300000000:1 c13:300000000:1 c22:300000000:1" ] &&
	ok "--think-time 0.3: each next turn due exactly 300 ms after the reply's end, sent after" ||
	nok "--think-time" "$(gaps "$T/think.csv") $(cat "$T/err")"
[ "$(gaps "$T/thinks.csv")" = "c12:300000000:1 c13:300000000:1 c22:100000000:1" ] &&
	ok "a row's think_s overrides --think-time" || nok "think_s" "$(gaps "$T/thinks.csv") $(cat "$T/think_s.csv")"
# The same gaps on llmsim's clock, which llmrun did not set: from the
# previous turn's last write (end_ns) to the kernel's arrival stamp of the
# next turn's request (arrived_ns), at least the think time and within
# 50 ms of it (a zero-latency turn is far shorter).
srvgaps() {
	python3 - "$1" "$T/think_truth.jsonl" <<'EOF'
import csv, json, sys
truth = {}
for line in open(sys.argv[2]):
    t = json.loads(line)
    truth[t["id"]] = t
rows = list(csv.DictReader(open(sys.argv[1])))
by = {(r["conversation_id"], int(r["turn"])): r for r in rows}
out = []
for (c, k), r in sorted(by.items()):
    if k > 1:
        a, b = truth.get(by[(c, k - 1)]["response_id"]), truth.get(r["response_id"])
        if not a or not b or not a["end_ns"] or not b["arrived_ns"]:
            out.append("%s%d:unmatched" % (c, k))
            continue
        out.append("%s%d:%.1f" % (c, k, (b["arrived_ns"] - a["end_ns"]) / 1e6))
print(" ".join(out))
EOF
}
sg=$(srvgaps "$T/think.csv")
echo "$sg" | tr ' ' '\n' | awk -F: 'NF != 2 || $2 == "unmatched" || $2 < 300 || $2 > 350 { bad = 1 } END { exit bad || NR != 3 }' &&
	ok "think time on llmsim's clock: next arrival 300-350 ms after the reply's last write ($sg)" ||
	nok "think time on llmsim's clock" "$sg"

# --- a failed turn ends its conversation; --retries recovers it ----------
llmgen -q --conversations 8 --turns 3 -s short-long --output-tokens 3 --seed 4 -o "$T/f.csv"
start_sim --zero-latency --fail-rate 0.25 --seed 2
llmrun --url "$URL" --model llmsim --no-probe -q --min-success 0 -o "$T/fail.csv" "$T/f.csv" 2>"$T/err"
llmrun --url "$URL" --model llmsim --no-probe -q --retries 8 --retry-backoff 0.001 --retry-on http_5xx \
	-o "$T/retry.csv" "$T/f.csv" 2>>"$T/err"
stop_sim
python3 - "$T/fail.csv" "$T/retry.csv" <<'EOF' >"$T/f.out"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    by.setdefault(r["conversation_id"], []).append(r)
failed = sum(r["status"] != "ok" for r in rows)
bad = []
for c, t in by.items():
    t.sort(key=lambda r: int(r["turn"]))
    if [int(r["turn"]) for r in t] != list(range(1, len(t) + 1)):
        bad.append(c + " turns " + str([r["turn"] for r in t]))
    for r in t[:-1]:
        if r["status"] != "ok":
            bad.append("%s: turn %s failed, yet turn %d was sent" % (c, r["turn"], int(r["turn"]) + 1))
    if t[-1]["status"] == "ok" and len(t) != 3:
        bad.append("%s stopped at turn %d without a failure" % (c, len(t)))
    if t[-1]["status"] not in ("ok", "http_5xx"):
        bad.append("%s: %s" % (c, t[-1]["status"]))
print(failed, "; ".join(bad) or "ok")
rows = [r for r in csv.DictReader(open(sys.argv[2])) if r["retried"] == "0"]
print(len(rows), sum(r["status"] == "ok" for r in rows), sum(1 for r in csv.DictReader(open(sys.argv[2])) if r["retried"] == "1") > 0)
EOF
set -- $(sed -n 1p "$T/f.out")
[ "$1" -gt 0 ] && [ "$2" = ok ] && ok "a failed turn (http_5xx) is its conversation's last row ($1 failed)" ||
	nok "failed turn ends the conversation" "$(cat "$T/f.out" "$T/err")"
[ "$(sed -n 2p "$T/f.out")" = "24 24 True" ] && ok "--retries: every conversation completes, 24 turns ok" ||
	nok "--retries recovers" "$(sed -n 2p "$T/f.out")"

# --- --rate starts conversations; --requests counts turns ----------------
start_sim --zero-latency
llmrun --url "$URL" --model llmsim --no-probe -q --rate 50 --warmup 2 -o "$T/rate.csv" "$T/f.csv" 2>"$T/err"
rc1=$?
llmrun --url "$URL" --model llmsim --no-probe -q --batch-sizes 3 --requests 10 -o "$T/req.csv" "$T/f.csv" 2>>"$T/err"
rc2=$?
stop_sim
n=$(tail -n +2 "$T/rate.csv" | wc -l); s=$(tail -n +2 "$T/rate.csv" | cut -d, -f"$(col "$T/rate.csv" status)" | sort -u)
w=$(tail -n +2 "$T/rate.csv" | cut -d, -f"$(col "$T/rate.csv" warmup)" | grep -c 1)
[ $rc1 -eq 0 ] && [ "$n" = 24 ] && [ "$s" = ok ] && [ "$w" = 2 ] &&
	ok "--rate 50 --warmup 2: 8 conversations started once, all 24 turns ok, the first 2 warmup" ||
	nok "--rate with conversations" "exit $rc1, $n rows, $s, $w warmup $(cat "$T/err")"
[ "$(jq -c .conversations "$T/rate.csv.meta.json")" = '{"count":8,"turns":24,"think_min_s":0,"think_max_s":0}' ] &&
	ok "metadata: conversations count and turns" || nok "metadata conversations" "$(jq -c .conversations "$T/rate.csv.meta.json")"
n=$(tail -n +2 "$T/req.csv" | wc -l)
[ $rc2 -eq 0 ] && [ "$n" = 10 ] && ok "--requests 10 counts turns: 10 rows" || nok "--requests counts turns" "exit $rc2, $n rows"

# --- bad corpora: 65, file:line, nothing written --------------------------
bad() { # NAME WANT CSV-BODY
	printf 'id,conversation_id,turn,prompt\n%s\n' "$3" >"$T/bad.csv"
	llmrun --url http://127.0.0.1:9 --no-probe -q -o "$T/badout.csv" "$T/bad.csv" >/dev/null 2>"$T/err"
	rc=$?
	[ $rc -eq 65 ] && grep -qF -- "$2" "$T/err" && [ ! -e "$T/badout.csv" ] && [ ! -e "$T/badout.csv.meta.json" ] &&
		ok "$1: 65, '$2', nothing written" || nok "$1" "exit $rc: $(cat "$T/err")"
}
bad "turns of two conversations interleaved" "bad.csv:4: conversation 1: turn 3 does not follow" "$(printf '1,1,1,a\n2,2,1,b\n3,1,3,c')"
bad "turns out of order" "bad.csv:5: conversation 1: turn 2 after turn 3" "$(printf '1,1,1,a\n2,1,2,b\n3,1,3,c\n4,1,2,d')"
bad "a turn skipped" "bad.csv:3: conversation 1: turn 3 after turn 1" "$(printf '1,1,1,a\n2,1,3,b')"
bad "a conversation not starting at turn 1" "bad.csv:2: conversation 7: turn 2 does not follow" "$(printf '1,7,2,a')"
bad "an empty prompt" "bad.csv:3: conversation 1, turn 2: empty prompt" "$(printf '1,1,1,a\n2,1,2,')"
bad "a reused conversation id" "bad.csv:5: conversation 1 again (it began on line 2" "$(printf '1,1,1,a\n2,1,2,b\n3,2,1,c\n4,1,1,d')"
bad "no turn number" "bad.csv:2: conversation 1: no turn number" "$(printf '1,1,,a')"
expect_exit 64 "a completions dialect cannot replay a conversation: 64" \
	llmrun --url http://127.0.0.1:9 --api openai-completions --no-probe -o "$T/x.csv" "$T/conv.csv"
llmrun --url http://127.0.0.1:9 --api tgi --no-probe -o "$T/x.csv" "$T/conv.csv" 2>"$T/err"
grep -q "needs a chat dialect (--api openai-chat), not tgi" "$T/err" && [ ! -e "$T/x.csv" ] &&
	ok "the usage error names the dialect, nothing written" || nok "dialect message" "$(cat "$T/err")"
expect_exit 64 "--think-time 2:1: 64" llmrun --url http://127.0.0.1:9 --think-time 2:1 "$T/conv.csv"
# Past a year a think time overflowed a turn's due time, which went at once.
expect_exit 64 "--think-time past a year: 64" llmrun --url http://127.0.0.1:9 --think-time 1e12 "$T/conv.csv"
printf 'id,conversation_id,turn,output_tokens,think_s,prompt\na1,c1,1,5,,First.\na2,c1,2,5,1e12,Second.\n' >"$T/far.csv"
llmrun --url http://127.0.0.1:9 --no-probe "$T/far.csv" 2>"$T/err"
[ $? -eq 65 ] && grep -q "far.csv:3: think_s: expected seconds from 0 to 31536000, got '1e12'" "$T/err" &&
	ok "a think_s past a year: 65 naming file:line" || nok "a think_s past a year: 65 naming file:line" "$(cat "$T/err")"
expect_exit 64 "--schedule waves with conversations: 64" llmrun --url http://127.0.0.1:9 --no-probe --schedule waves "$T/conv.csv"

# Two targets replay the same conversations with the same think times,
# as they replay the same rows (the second went on where the first left
# off, and drew other think times).
llmgen -q --conversations 3 --turns 2:4 -s short-long --output-tokens 3 --seed 1 -o "$T/tg.csv"
start_sim --zero-latency
printf 'name,url,model\nA,%s,llmsim\nB,%s,llmsim\n' "$URL" "$URL" >"$T/targets.csv"
llmrun --targets "$T/targets.csv" --no-probe -q --requests 4 --think-time 0.001:0.01 -o "$T/two.csv" "$T/tg.csv" 2>"$T/err"
rc=$?
order() { awk -F, -v t="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["target"] == t { printf "%s/%s ", $c["conversation_id"], $c["turn"] }' "$T/two.csv"; }
[ $rc -eq 0 ] && [ -n "$(order A)" ] && [ "$(order A)" = "$(order B)" ] &&
	ok "two targets replay the same conversations ($(order A))" ||
	nok "two targets replay the same conversations" "exit $rc; A: $(order A); B: $(order B); $(cat "$T/err")"
# A conversation is never run twice at once: more slots than
# conversations is 64; a rate that outruns them says how many copies it
# started.
llmgen -q --conversations 2 --turns 3 -s short-long --output-tokens 3 --seed 1 -o "$T/two2.csv"
llmrun --url "$URL" --model llmsim --no-probe -q --batch-sizes 3 -o "$T/b3.csv" "$T/two2.csv" 2>"$T/err"
[ $? -eq 64 ] && grep -q "batch size 3 needs as many conversations at once; the corpus has 2" "$T/err" &&
	ok "a batch larger than the conversations: 64" || nok "a batch larger than the conversations: 64" "$(cat "$T/err")"
stop_sim
start_sim --time-scale 0.05
llmrun --url "$URL" --model llmsim --no-probe --rate 200 --schedule constant --requests 12 --max-tokens 3 \
	-o "$T/cp.csv" "$T/two2.csv" 2>"$T/err"
rc=$?
stop_sim
[ $rc -eq 0 ] && grep -q "conversations were started while a copy of them was still going (the corpus has 2 for this rate)" "$T/err" &&
	ok "a rate that outruns the conversations: copies said" || nok "a rate that outruns the conversations: copies said" "exit $rc: $(cat "$T/err")"

monoall "$T"
