#!/bin/sh
# Hostile inputs to llmrun: corpora without a prompt column or with bad
# bytes, nonsense option values, a URL that does not resolve, a server that
# accepts and never answers, a server that sends 1 GiB. Bad input ends with
# the man page's exit status and one message; a failed request is a row
# with its error class, and memory stays bounded. Every server here is on
# 127.0.0.1, every run bounded in requests and time.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
T=$(mktmp)
if ! command -v python3 >/dev/null 2>&1; then
	nok "python3 is installed" "the hostile servers need it: apt-get install python3 ('make deps')"
	exit 0
fi
srv=
trap '[ -n "$srv" ] && kill $srv 2>/dev/null; rm -rf $_tmps' EXIT

expect_err() {
	want=$1; text=$2; name=$3; shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	lines=$(grep -vc "^try '" "$T/err")
	if [ "$got" -eq "$want" ] && { [ "$want" -eq 0 ] || { grep -qF -- "$text" "$T/err" && [ "$lines" -eq 1 ]; }; }; then
		ok "$name"
	else
		nok "$name" "exit $got (wanted $want); stderr: $(cat "$T/err") (wanted '$text' on one line)"
	fi
}
# Column NAME of the results file $1, one value a line.
col() { awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) n = i; next } { print $n }' "$1"; }
# Starts tests/data/run/hostile_server.py MODE and sets url.
start_srv() {
	# A new file: the child truncates the old one only when it runs.
	rm -f "$T/url.$1"
	python3 tests/data/run/hostile_server.py "$1" >"$T/url.$1" 2>"$T/srv.err" &
	srv=$!
	i=0
	while [ ! -s "$T/url.$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	url=$(head -n 1 "$T/url.$1")
}
stop_srv() { kill $srv 2>/dev/null; wait $srv 2>/dev/null; srv=; }
case $BUILD in
*asan*) vlimit=unlimited ;; # ASan reserves terabytes of address space
*) vlimit=1048576 ;;        # KiB: 1 GiB, less than the 1 GiB body plus the rest
esac

printf 'prompt,input_tokens,output_tokens\nHello there,2,8\nAnother prompt,2,8\n' >"$T/c.csv"

# Corpora.
: >"$T/empty.csv"
expect_err 65 "empty.csv: empty file" "an empty corpus is 65" llmrun --no-probe --url http://127.0.0.1:1 "$T/empty.csv"
printf 'text,output_tokens\nhi,5\n' >"$T/noprompt.csv"
expect_err 65 "noprompt.csv:1: no 'prompt' column" "a corpus without a prompt column is 65" \
	llmrun --no-probe --url http://127.0.0.1:1 "$T/noprompt.csv"
printf 'prompt\n' >"$T/header.csv"
expect_err 65 "header.csv: no rows" "a corpus with a header only is 65" llmrun --no-probe --url http://127.0.0.1:1 "$T/header.csv"
printf 'prompt\nok\na\377b\n' >"$T/utf.csv"
expect_err 65 "utf.csv:3: prompt: invalid UTF-8 at byte 2" "an invalid UTF-8 prompt is 65 naming file:line" \
	llmrun --no-probe --url http://127.0.0.1:1 "$T/utf.csv"
printf 'id,prompt\n1,hello\n2,\n' >"$T/emptyp.csv"
expect_err 65 "emptyp.csv:3: prompt: empty" "an empty prompt is 65 naming file:line (it was sent)" llmrun --no-probe --url http://127.0.0.1:1 "$T/emptyp.csv"
printf 'prompt\nok\na\000b\n' >"$T/nul.csv"
expect_err 65 "nul.csv:3:" "a NUL byte in the corpus is 65 naming file:line" llmrun --no-probe --url http://127.0.0.1:1 "$T/nul.csv"
{ printf 'prompt\n'; head -c 100000000 /dev/zero | tr '\0' a; echo; } >"$T/big.csv"
expect_err 65 "big.csv:2:67108865: field longer than 67108864 bytes" "a 100 MB prompt: 65 naming file:line:column and the cap" \
	llmrun --no-probe --url http://127.0.0.1:1 "$T/big.csv"
rm -f "$T/big.csv"
# A trace time past a year, or not a number of seconds at all: 65.
printf 'prompt,arrival_s\nhello,inf\nhi,0\n' >"$T/inf.csv"
expect_err 65 "inf.csv:2: arrival_s: expected seconds >= 0, got 'inf'" "an arrival_s of inf is 65 naming file:line" \
	llmrun --no-probe --url http://127.0.0.1:1 --trace "$T/inf.csv"
# A bad row fails every shard, not only the one that would hold it.
expect_err 65 "inf.csv:2: arrival_s: expected seconds >= 0" "a bad row in another shard's share: 65 all the same" \
	llmrun --no-probe --url http://127.0.0.1:1 --trace --shard 1/2 "$T/inf.csv"
# What strtod takes and a number of seconds is not: hex, a space.
printf 'prompt,arrival_s\nhello,0\nhi,0x10\n' >"$T/hex.csv"
expect_err 65 "hex.csv:3: arrival_s: expected seconds >= 0, got '0x10'" "a hexadecimal arrival_s is 65 (it was 16 s)" \
	llmrun --no-probe --url http://127.0.0.1:1 --trace "$T/hex.csv"
printf 'prompt,arrival_s\nhello,0\nhi, 0.2\n' >"$T/sp.csv"
expect_err 65 "sp.csv:3: arrival_s: expected seconds >= 0, got ' 0.2'" "an arrival_s with a space is 65" \
	llmrun --no-probe --url http://127.0.0.1:1 --trace "$T/sp.csv"
# A row without one: its line; a corpus without the column: said so.
printf 'id,prompt,arrival_s\na,hello,0\nb,hi,\n' >"$T/hole.csv"
expect_err 65 "hole.csv:3: arrival_s: empty" "an empty arrival_s is 65 naming file:line (it named the row id)" \
	llmrun --no-probe --url http://127.0.0.1:1 --trace "$T/hole.csv"
printf 'id,prompt\na,hello\n' >"$T/nocol.csv"
expect_err 65 "nocol.csv: no arrival_s column" "a corpus without arrival_s: 65 saying so" \
	llmrun --no-probe --url http://127.0.0.1:1 --trace "$T/nocol.csv"
# The year is checked after --time-scale: a long trace brought within it
# runs (it was 65 before the scale was applied).
# (32 s at the scale: stopped after its first request.)
printf 'prompt,arrival_s\nhello,0\nhi,32000000\n' >"$T/long.csv"
timeout -s INT 1 llmrun --no-probe --url http://127.0.0.1:1 --trace --time-scale 1e6 -q -o "$T/long.out" "$T/long.csv" 2>"$T/err"
rc=$?
[ $rc -ne 64 ] && [ $rc -ne 65 ] && ! grep -q arrival_s "$T/err" && [ "$(wc -l <"$T/long.out")" -eq 2 ] &&
	ok "arrival_s past a year, within it at --time-scale: runs" || nok "arrival_s past a year, within it at --time-scale: runs" "exit $rc: $(cat "$T/err")"
printf 'prompt,arrival_s\nhello,100\nhi,0\n' >"$T/far.csv"
expect_err 64 "arrival_s 100 at --time-scale 1e-06 is past" "arrival_s over a tiny --time-scale past a year: 64" \
	llmrun --no-probe --url http://127.0.0.1:1 --trace --time-scale 0.000001 "$T/far.csv"
# An output that is an input, or the metadata over the results: refused
# before anything runs (until 2026-12-07 both exited 0, the corpus or the
# results replaced).
cp "$T/c.csv" "$T/cc.csv"
expect_err 64 "-o $T/cc.csv is the corpus: it would be overwritten" "-o naming the corpus: 64" \
	llmrun --no-probe --url http://127.0.0.1:1 -q -o "$T/cc.csv" "$T/cc.csv"
cmp -s "$T/c.csv" "$T/cc.csv" && ok "... and the corpus is as it was" || nok "... and the corpus is as it was" "$(head -3 "$T/cc.csv")"
ln -s cc.csv "$T/cclink.csv"
expect_err 64 "is the corpus" "-o naming the corpus through a link: 64" llmrun --no-probe --url http://127.0.0.1:1 -q -o "$T/cclink.csv" "$T/cc.csv"
expect_err 64 "--meta $T/./x.csv is the results file (-o)" "--meta naming the results file another way, neither there yet: 64" \
	llmrun --no-probe --url http://127.0.0.1:1 -q -o "$T/x.csv" --meta "$T/./x.csv" "$T/c.csv"
expect_err 64 "--meta $T/x.csv is the results file (-o)" "--meta naming the results file: 64" \
	llmrun --no-probe --url http://127.0.0.1:1 -q -o "$T/x.csv" --meta "$T/x.csv" "$T/c.csv"
# --scrape's FILE.metrics.csv naming the corpus (it replaced it, exit 0).
cp "$T/c.csv" "$T/y.csv.metrics.csv"
expect_err 64 "--scrape writes $T/y.csv.metrics.csv, which is the corpus" "--scrape's metrics file naming the corpus: 64" \
	llmrun --no-probe --url http://127.0.0.1:1 --scrape -q -o "$T/y.csv" "$T/y.csv.metrics.csv"
cmp -s "$T/c.csv" "$T/y.csv.metrics.csv" && ok "... and the corpus is as it was" || nok "... and the corpus is as it was (metrics)"
expect_err 64 "--meta $T/z.csv.metrics.csv is where --scrape writes" "--meta naming the metrics file: 64" \
	llmrun --no-probe --url http://127.0.0.1:1 --scrape -q -o "$T/z.csv" --meta "$T/z.csv.metrics.csv" "$T/c.csv"
# An output that cannot be written is found before the probe's request.
mkdir "$T/rodir" && chmod 555 "$T/rodir"
if [ "$(id -u)" -ne 0 ] || mount -t tmpfs -o ro,size=64k tmpfs "$T/rodir" 2>/dev/null; then
	python3 tests/data/run/hostile_server.py silent >"$T/ro.url" 2>/dev/null &
	srv=$!
	i=0; while [ ! -s "$T/ro.url" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	llmrun --url "$(head -n 1 "$T/ro.url")" --model m --timeout 2 -q -o "$T/rodir/r.csv" "$T/c.csv" 2>"$T/ro.err"
	rc=$?
	kill $srv 2>/dev/null; wait $srv 2>/dev/null
	[ "$(id -u)" -eq 0 ] && umount "$T/rodir"
	[ $rc -eq 74 ] && grep -q "rodir/r.csv: cannot create" "$T/ro.err" && ! grep -q '^request' "$T/ro.url" &&
		ok "an unwritable -o: 74 before any request" || nok "an unwritable -o: 74 before any request" "exit $rc: $(cat "$T/ro.err" "$T/ro.url")"
fi
# -o through a symbolic link writes the file it points to (until
# 2026-12-07 the link was replaced by a file; -o /dev/stdout is one).
: >"$T/real.csv"
ln -s real.csv "$T/link.csv"
llmrun --no-probe --no-preconnect --url http://127.0.0.1:1 --requests 1 -q -o "$T/link.csv" "$T/c.csv" 2>/dev/null
[ -L "$T/link.csv" ] && grep -q '^run_id,' "$T/real.csv" && ok "-o through a link: the link stays, its file gets the rows" ||
	nok "-o through a link: the link stays, its file gets the rows" "$(ls -l "$T/link.csv" "$T/real.csv")"
# /dev/stdout is written as open: a shell's other output and a ">>" log's
# earlier lines stay (renamed over, or opened anew, they went).
# (And no /dev/stdout.meta.json: an older llmrun wrote one into /dev as
# root. Checked when there was none before: another run may have left it.)
[ -e /dev/stdout.meta.json ] && devmeta=before || devmeta=
{ echo HEADER; llmrun --no-probe --no-preconnect --url http://127.0.0.1:1 --requests 1 -q -o /dev/stdout "$T/c.csv" 2>/dev/null; echo FOOTER; } >"$T/stdout.csv"
echo EARLIER >"$T/log.csv"
llmrun --no-probe --no-preconnect --url http://127.0.0.1:1 --requests 1 -q -o /dev/stdout "$T/c.csv" >>"$T/log.csv" 2>/dev/null
[ "$(head -n 1 "$T/stdout.csv")" = HEADER ] && sed -n 2p "$T/stdout.csv" | grep -q '^run_id,' && [ "$(tail -n 1 "$T/stdout.csv")" = FOOTER ] &&
	[ "$(head -n 1 "$T/log.csv")" = EARLIER ] && sed -n 2p "$T/log.csv" | grep -q '^run_id,' && { [ -n "$devmeta" ] || [ ! -e /dev/stdout.meta.json ]; } &&
	ok "-o /dev/stdout: written as open, the shell's other output kept" ||
	nok "-o /dev/stdout: written as open, the shell's other output kept" "$(cat "$T/stdout.csv" "$T/log.csv" | cut -c1-60)"
# No output may name an input: the targets file, key file and --cacert
# file were replaced by the results (exit 0) until 2026-12-07.
printf 'name,url\na,http://127.0.0.1:1\n' >"$T/tgx.csv"
cp "$T/tgx.csv" "$T/tgx.orig"
expect_err 64 "-o $T/tgx.csv is the targets file" "-o naming the targets file: 64" \
	llmrun --no-probe --targets "$T/tgx.csv" -o "$T/tgx.csv" "$T/c.csv"
printf 'sk-KEYFILE-1\n' >"$T/kf"
expect_err 64 "--meta $T/kf is the API key file" "--meta naming the key file: 64" \
	llmrun --no-probe --url http://127.0.0.1:1 --api-key-file "$T/kf" --meta "$T/kf" -o "$T/kf.csv" "$T/c.csv"
expect_err 64 "-o $T/kf is the --cacert file" "-o naming the --cacert file: 64" \
	llmrun --no-probe --url https://127.0.0.1:1 --cacert "$T/kf" -o "$T/kf" "$T/c.csv"
cmp -s "$T/tgx.csv" "$T/tgx.orig" && [ "$(cat "$T/kf")" = sk-KEYFILE-1 ] && [ ! -e "$T/kf.csv" ] &&
	ok "the inputs named as outputs are unchanged" || nok "the inputs named as outputs are unchanged" "$(cat "$T/tgx.csv" "$T/kf")"
# A key file whose first line is blank: 65, not "Bearer " with no key.
printf '\nsk-second\n' >"$T/kblank"
expect_err 65 "kblank:1: no API key on the first line" "a key file with a blank first line: 65" \
	llmrun --no-probe --url http://127.0.0.1:1 --api-key-file "$T/kblank" "$T/c.csv"
# Usage errors name an unknown short option by its letter, never the
# argument before its cluster (a URL's password, a header's key), and a
# URL of another scheme without its password.
expect_err 64 "unknown option '-x'" "an unknown option in a cluster: named by its letter" \
	llmrun --url 'http://u:S3CRETPASS@127.0.0.1:1/?api_key=QK' -xq "$T/c.csv"
expect_err 64 "unknown option '-x'" "... after a header" llmrun -H 'Authorization: Bearer sk-LEAKME' -xq "$T/c.csv"
expect_err 64 "--url: expected http:// or https://, got 'htp://[redacted]@h/?token=[redacted]'" \
	"a URL of another scheme: shown redacted" llmrun --url 'htp://u:PASSX@h/?token=TOKX' "$T/c.csv"
expect_err 64 "option '--max' is ambiguous: --max-tokens, --max-errors, --max-concurrency" \
	"an ambiguous long option: the options it could be" llmrun --url http://127.0.0.1:1 --max 5 "$T/c.csv"
expect_err 64 "unknown option '--hedaer'" "an unknown long option: its name without the value" \
	llmrun --url http://127.0.0.1:1 '--hedaer=Authorization: Bearer sk-LEAKME' "$T/c.csv"
! grep -q LEAK "$T/err" && ok "... the value not shown" || nok "... the value not shown" "$(cat "$T/err")"
# Options that would be ignored are refused: --api or --model beside
# --targets (each target names its own), --think-time without conversations.
expect_err 64 "--targets replaces --url, --api, --model and --extra-body" "--api beside --targets: 64" \
	llmrun --no-probe --targets "$T/tgx.csv" --api tgi "$T/c.csv"
expect_err 64 "--targets replaces --url, --api, --model and --extra-body" "--model beside --targets: 64" \
	llmrun --no-probe --targets "$T/tgx.csv" --model foo "$T/c.csv"
expect_err 64 "--think-time is for a corpus of conversations" "--think-time without conversations: 64" \
	llmrun --no-probe --url http://127.0.0.1:1 --think-time 1 "$T/c.csv"
# A rate so low that a send would be due after 285 years: refused, not a
# step of fewer requests than asked.
expect_err 64 "send 2 of 5 would be due more than 285 years" "a rate of 1e-12: 64, not 1 request" \
	llmrun --no-probe --url http://127.0.0.1:1 --rate 1e-12 --requests 5 "$T/c.csv"
expect_err 64 "-o: an empty file name" "-o '': 64 naming the option" llmrun --url http://127.0.0.1:1 -o '' "$T/c.csv"
expect_err 66 "none.csv: cannot open" "a missing corpus is 66" llmrun --no-probe --url http://127.0.0.1:1 "$T/none.csv"
printf 'name,url\na,ftp://127.0.0.1/\n' >"$T/targets.csv"
expect_err 65 "targets.csv:2: url: expected http:// or https://" "a targets file with a non-HTTP url is 65" \
	llmrun --targets "$T/targets.csv" "$T/c.csv"
# --model and --system go into the JSON body: invalid UTF-8 is 64 (jansson
# dropped them, and the request went out without them).
expect_err 64 "--model: not valid UTF-8" "--model in invalid UTF-8: 64" llmrun --url http://127.0.0.1:1 --model "$(printf 'll\377m')" "$T/c.csv"
expect_err 64 "--system: not valid UTF-8" "--system in invalid UTF-8: 64" llmrun --url http://127.0.0.1:1 --system "$(printf 'bad\377')" "$T/c.csv"
# A target's name is its rows' target column: two alike, or none, and no
# analysis could tell their rows apart (a YAML file refused them already).
printf 'name,url\na,http://127.0.0.1:1\na,http://127.0.0.1:2\n' >"$T/twice.csv"
expect_err 65 "twice.csv:3: name: 'a' is another target's too" "two targets of one name: 65 naming file:line" \
	llmrun --targets "$T/twice.csv" "$T/c.csv"
printf 'name,url\n,http://127.0.0.1:1\n' >"$T/noname.csv"
expect_err 65 "noname.csv:2: name: empty" "a target without a name: 65 naming file:line" \
	llmrun --targets "$T/noname.csv" "$T/c.csv"

# Option values.
while IFS='|' read -r args text; do
	case $args in '#'*|'') continue ;; esac
	# shellcheck disable=SC2086
	expect_err 64 "$text" "usage 64: llmrun $args" llmrun $args "$T/c.csv"
done <<'CASES'
--url http://127.0.0.1:1 --batch-sizes -1|bad batch sizes '-1'
--url http://127.0.0.1:1 --batch-sizes 0|bad batch sizes '0'
--url http://127.0.0.1:1 --batch-sizes 99999999999999999999|bad batch sizes
--url http://127.0.0.1:1 --batch-sizes 2,4,2|(2 twice: the two steps would be one group in the results)
--url http://127.0.0.1:1 --rate 5,5|(5 twice: the two steps would be one group in the results)
--url http://127.0.0.1:1 --requests -1|--requests: expected an integer >= 1
--url http://127.0.0.1:1 --requests 99999999999999999999|--requests: expected an integer
--url http://127.0.0.1:1 --timeout -5|--timeout: expected a number >= 0.001
--url http://127.0.0.1:1 --timeout abc|--timeout: expected a number
--url http://127.0.0.1:1 --rate -1|bad rate '-1'
--url http://127.0.0.1:1 --rate 0|bad rate '0'
--url http://127.0.0.1:1 --max-tokens -1|--max-tokens: expected an integer >= 1
--url http://127.0.0.1:1 --shard 3/2|--shard: expected I/N
--url http://127.0.0.1:1 --shard 1/0|--shard: expected I/N
--url http://127.0.0.1:1 --seed abc|--seed: expected an integer
--url http://127.0.0.1:1 --warmup -1|--warmup: expected an integer >= 0
--url http://127.0.0.1:1 --duration -1|--duration: expected a number
--url http://127.0.0.1:1 --duration 1e12|--duration: at most 31536000 s
--url http://127.0.0.1:1 --time-scale 1e9|--time-scale: at most 1e6
--url http://127.0.0.1:1 --rate 2000 --duration 86400|a step of about 172800000 sends (rate x duration): at most 100000000 a step
--url http://127.0.0.1:1 --temperature nan|--temperature: expected a number
--url http://127.0.0.1:1 --time-scale 3 --rate 10|--time-scale applies to --trace only
--url http://127.0.0.1:1 --burstiness 0.5 --batch-sizes 2|--burstiness shapes Poisson arrivals of --rate or --ramp
--url http://127.0.0.1:1 --rate 50 --schedule constant --burstiness 0.2|--burstiness shapes Poisson arrivals of --rate or --ramp
--url http://127.0.0.1:1 --shard 1/2x|--shard: expected I/N
--url http://127.0.0.1:1 --rate 5 --preconnect|--preconnect in open loop: say how many
--url http://127.0.0.1:1 --api bogus|--api: unknown 'bogus'
--url notaurl|--url: expected http:// or https://
--url ftp://127.0.0.1/|--url: expected http:// or https://
--batch-sizes 1|--url is required
CASES

# A name that never resolves (.invalid is reserved): one connect row per
# request, then 69 (a step without any success), or 69 past --max-errors.
# With the default preconnect, 69 before the first step, naming the host.
# In a network namespace of their own where one can be made: the lookup
# fails at once there, and no DNS server outside this test is asked (a
# slow one would turn the failure into a timeout).
if unshare -n true 2>/dev/null; then nons="unshare -n"
elif unshare -rn true 2>/dev/null; then nons="unshare -rn"
else nons=; fi
expect_err 69 "llmrun: cannot connect to http://nonexistent.invalid:1/ (Couldn't resolve host name)" \
	"an unresolvable host, preconnected: 69 naming it" $nons llmrun --no-probe --url http://nonexistent.invalid:1/ --requests 2 -q -o "$T/dns0.csv" "$T/c.csv"
expect_err 69 "llmrun: batch=1: no request succeeded: 2 of 2 connect: Couldn't resolve host name" \
	"an unresolvable host: rows, then 69 naming the class" $nons llmrun --no-probe --url http://nonexistent.invalid:1/ --no-preconnect --requests 2 -q -o "$T/dns.csv" "$T/c.csv"
[ "$(col "$T/dns.csv" status | sort -u)" = connect ] && [ "$(col "$T/dns.csv" status | wc -l)" -eq 2 ] &&
	ok "an unresolvable host: 2 connect rows" || nok "an unresolvable host: 2 connect rows" "$(cat "$T/dns.csv")"
$nons llmrun --no-probe --url http://nonexistent.invalid:1/ --no-preconnect --requests 3 --max-errors 1 -q -o "$T/dns2.csv" "$T/c.csv" 2>"$T/err"
[ $? -eq 69 ] && grep -qF "more than 1 requests failed" "$T/err" && ok "--max-errors: 69 with a message" ||
	nok "--max-errors: 69 with a message" "$(cat "$T/err")"

# A server that accepts and never answers: timeout rows after --timeout.
start_srv silent
expect_err 69 "llmrun: batch=1: no request succeeded: 2 of 2 timeout: Timeout was reached" "a silent server: 69 naming the timeouts" llmrun --no-probe --url "$url" --timeout 1 --requests 2 -q -o "$T/silent.csv" "$T/c.csv"
i=0 # the server's "span" lines come as it sees each hang-up
while [ "$(grep -c '^span .* POST$' "$T/url.silent")" -lt 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
stop_srv
[ "$(col "$T/silent.csv" status | sort -u)" = timeout ] && [ "$(col "$T/silent.csv" status | wc -l)" -eq 2 ] &&
	ok "a silent server: 2 timeout rows" || nok "a silent server: 2 timeout rows" "$(cat "$T/silent.csv")"
# ... on time: libcurl's timer goes off when due (run/engine.c, on_timer
# and eng_curl_timeout, which leave it armed and arm it again), so each
# row's e2e is about the 1 s of --timeout (less the connect, which e2e
# leaves out), not more than half a second later.
[ "$(col "$T/silent.csv" e2e_ms | awk '$1 >= 900 && $1 < 1500 { n++ } END { print n + 0 }')" -eq 2 ] &&
	ok "a silent server: the timeouts came on time ($(col "$T/silent.csv" e2e_ms | tr '\n' ' ')ms)" ||
	nok "a silent server: the timeouts came on time" "$(col "$T/silent.csv" e2e_ms | tr '\n' ' ')"
# ... and on the server's clock: from the request read to llmrun's hang-up
# (the requests; the preconnect's GET /health times out too).
# Every span the server logged, at least one: in one CI run under ASan
# only one of the two came in the 5 s waited (why is not known), and the
# check that wanted both failed; the rows' two timeouts are checked above.
spans=$(awk '$1 == "span" && $3 == "POST" { printf "%s ", $2 }' "$T/url.silent")
[ -n "$spans" ] && [ "$(echo "$spans" | awk '{ for (i = 1; i <= NF; i++) if (!($i >= 900 && $i < 1500)) n++ } END { print n + 0 }')" -eq 0 ] &&
	ok "a silent server: the hang-ups came on time on its clock (${spans}ms; $(grep -v '^request' "$T/url.silent" | tail -n +2 | tr '\n' ' '))" ||
	nok "a silent server: the hang-ups came on time on its clock" "spans: '$spans'; the server's log: $(cat "$T/url.silent")"

# ... and its preconnect got a connection but no answer to GET /health:
# libcurl closed it, and the summary says so (not with -q).
start_srv silent
llmrun --no-probe --url "$url" --timeout 1 --requests 1 -o "$T/silent1.csv" "$T/c.csv" 2>"$T/err"
rc=$?
stop_srv
if [ $rc -eq 69 ] && grep -qF "llmrun: preconnect: 1 of 1 connections got no answer to GET /health (Timeout was reached, with a limit of 1 s) and were closed: those requests connect on demand" "$T/err"; then
	ok "a silent server: the preconnect's unanswered connection is reported"
else
	nok "a silent server: the preconnect's unanswered connection is reported" "exit $rc; $(cat "$T/err")"
fi

# A base URL with a query (Azure OpenAI's "?api-version="): the query
# goes after the dialect's path, as given or after the endpoint's path
# was cut off (the fragment is never sent). The server is the silent one:
# it prints the request line's target.
for u in "/v1?api-version=2024-02-01" "/v1/chat/completions?api-version=2024-02-01#frag"; do
	start_srv silent
	llmrun --no-probe --no-preconnect --url "$url$u" --timeout 0.5 --requests 1 -q -o "$T/query.csv" "$T/c.csv" 2>"$T/err"
	i=0
	while ! grep -q '^request ' "$T/url.silent" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	stop_srv
	if grep -qx 'request POST /v1/chat/completions?api-version=2024-02-01' "$T/url.silent"; then
		ok "--url ...$u: the query after the path"
	else
		nok "--url ...$u: the query after the path" "$(grep '^request' "$T/url.silent"; cat "$T/err")"
	fi
done

# A server that sends 1 GiB, streamed and not: the request ends with an
# error class at the stream's or the body's cap, in bounded memory.
for mode in sse json; do
	start_srv $mode
	flag=; [ $mode = json ] && flag=--no-stream
	(ulimit -v $vlimit && llmrun --no-probe --url "$url" $flag --timeout 60 --requests 2 -q -o "$T/$mode.csv" "$T/c.csv") 2>"$T/err"
	rc=$?
	stop_srv
	st=$(col "$T/$mode.csv" status | sort -u)
	if [ $rc -eq 69 ] && [ "$st" = bad_stream ] && [ "$(col "$T/$mode.csv" status | wc -l)" -eq 2 ]; then
		ok "1 GiB $mode body: bad_stream rows within a 1 GiB address space ($(col "$T/$mode.csv" error | head -1))"
	else
		nok "1 GiB $mode body" "exit $rc, status '$st'; $(cat "$T/err")"
	fi
done

# 200 and an end marker, but no answer: an end marker alone, events
# without choices. Not ok, and a run of nothing else fails (69).
for mode in done nochoice; do
	start_srv $mode
	llmrun --no-probe --url "$url" --model m --requests 2 -q -o "$T/$mode.csv" "$T/c.csv" 2>"$T/err"
	rc=$?
	stop_srv
	st=$(col "$T/$mode.csv" status | sort -u)
	[ $rc -eq 69 ] && [ "$st" = bad_stream ] && col "$T/$mode.csv" error | grep -q "no output" &&
		ok "$mode: an answer without output is bad_stream, exit 69" || nok "$mode: an answer without output is bad_stream" "exit $rc, status '$st'; $(cat "$T/err")"
done

# A whole JSON answer to a streamed request, a redirect: the message says
# which (both read "the stream ended before its end marker" before).
for pair in "whole:the server answered application/json, not a stream of events" \
	"redirect:HTTP 302: a redirect, not followed"; do
	mode=${pair%%:*}; text=${pair#*:}
	start_srv $mode
	llmrun --no-probe --url "$url" --model m --requests 1 -q -o "$T/$mode.csv" "$T/c.csv" 2>"$T/err"
	rc=$?
	stop_srv
	[ $rc -eq 69 ] && grep -qF "$text" "$T/$mode.csv" &&
		ok "$mode: the error says '$text'" || nok "$mode: the error says '$text'" "exit $rc: $(col "$T/$mode.csv" error)"
done

# A server that echoes the key back in its error: the key is shown
# nowhere, neither on stderr nor in the rows.
start_srv echo401
OPENAI_API_KEY=sk-SECRETecho llmrun --no-probe --url "$url" --model m --requests 2 -o "$T/echo.csv" "$T/c.csv" 2>"$T/err"
rc=$?
stop_srv
if [ $rc -eq 69 ] && [ "$(col "$T/echo.csv" status | sort -u)" = http_4xx ] && ! grep -rq SECRETecho "$T/err" "$T"/echo.csv* &&
	grep -q 'invalid key: Bearer \[redacted\]' "$T/echo.csv"; then
	ok "a key the server echoes is shown as [redacted]"
else
	nok "a key the server echoes is shown as [redacted]" "exit $rc; $(grep -r SECRETecho "$T/err" "$T"/echo.csv* | head -3)"
fi

# A -H header of a name llmrun sends itself replaces llmrun's: sent both,
# the server took llmrun's (the first) and the user's did nothing.
start_srv headers
OPENAI_API_KEY=sk-ENVKEY llmrun --no-probe --no-preconnect --url "$url" --model m --requests 1 \
	-H 'Authorization: Bearer sk-HDRKEY' -H 'Content-Type: application/json; charset=utf-8' \
	-o "$T/hdr.csv" "$T/c.csv" 2>/dev/null
stop_srv
if [ "$(grep -ci '^header authorization:' "$T/url.headers")" -eq 1 ] && grep -q '^header Authorization: Bearer sk-HDRKEY' "$T/url.headers" &&
	[ "$(grep -ci '^header content-type:' "$T/url.headers")" -eq 1 ] && grep -q '^header Content-Type: application/json; charset=utf-8' "$T/url.headers"; then
	ok "-H Authorization and Content-Type replace llmrun's own"
else
	nok "-H Authorization and Content-Type replace llmrun's own" "$(grep -i '^header' "$T/url.headers" | sed 's/sk-[A-Z]*/sk-.../')"
fi

# A step whose every request was a warmup one measured nothing: 69, not 0.
start_srv done
llmrun --no-probe --url "$url" --model m --duration 0.3 --warmup 100000 -q -o "$T/warm.csv" "$T/c.csv" 2>"$T/err"
rc=$?
stop_srv
[ $rc -eq 69 ] && grep -q "no request was measured: all [0-9]* were warmup ones" "$T/err" &&
	ok "every request a warmup one: 69" || nok "every request a warmup one: 69" "exit $rc: $(cat "$T/err")"

# Every results file of this script: chunk stamps never go back.
monoall "$T"
