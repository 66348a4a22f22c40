#!/bin/sh
# llmrun --http2 against a real HTTP/2 server: nghttpx (Debian's
# nghttp2-proxy) on 127.0.0.1 in front of llmsim, which speaks HTTP/1.1
# only. TLS with a self-signed certificate made here (h2 by ALPN) and
# cleartext (h2c by Upgrade). The protocol is proven from the proxy's
# access log ($alpn, $protocol_version, the client's port for connections),
# never taken from llmrun's word; results are checked against llmsim's
# truth log. No check depends on timing: waits are polls with generous
# limits. llmsim runs at its real pace (--time-scale 1): libcurl 7.88's
# HTTP/2 code can stall a stream when a burst of data for many streams
# piles up in one read (docs/llmrun.md, "HTTP/2"), which a sped-up clock
# on a loaded machine provokes.
. tests/lib.sh
. tests/e2e/truth.lib
T=$(mktmp)
TOKF=$(find_tokfile cl100k_base.tiktoken) || { need_tokfile cl100k_base.tiktoken; exit 0; }
. tests/e2e/sim.lib

SIMPID=
PXPID=
# Every process this script starts is ended by its PID (other suites may
# run llmsim or nghttpx at the same time).
stop_proxy() { [ -n "$PXPID" ] && kill "$PXPID" 2>/dev/null && wait "$PXPID" 2>/dev/null; PXPID=; }
trap 'stop_proxy; [ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null && wait "$SIMPID"; rm -rf $_tmps' EXIT
# A signal (tests/run.sh's timeout, a closed pipe) still runs the EXIT trap.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

NGHTTPX=$(command -v nghttpx || { [ -x /usr/sbin/nghttpx ] && echo /usr/sbin/nghttpx; })
if [ -z "$NGHTTPX" ]; then
	nok "nghttpx is installed" "install Debian's nghttp2-proxy: 'make deps' or 'apt-get install nghttp2-proxy'"
	exit 1
fi
ok "nghttpx is installed"

col() { head -1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }
vals() { c=$(col "$1" "$2"); tail -n +2 "$1" | cut -d, -f"$c"; }
rows() { tail -n +2 "$1" | wc -l | tr -d ' '; }
lines() { if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }
# Waits until FILE has at least N lines: nghttpx writes a request's
# access-log line, and llmsim its truth line, as the stream closes, which
# may be just after llmrun has read the last byte.
wait_lines() {
	_i=0
	while [ "$(lines "$1")" -lt "$2" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
}
alive() { kill -0 "$1" 2>/dev/null && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
port() { echo $((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 12000)); }

# Starts nghttpx in front of llmsim port $1: a TLS frontend and a cleartext
# one, on ports drawn below Linux's ephemeral range and tried again when
# taken. Sets TLS_URL, H2C_URL, PXPID and AL (the access log: alpn,
# protocol version, client port, status, method, path).
start_proxy() {
	AL="$T/access.log"
	: >"$T/nghttpx.conf"
	_n=0
	while [ $_n -lt 20 ]; do
		_n=$((_n + 1))
		_pt=$(port)
		_pc=$(port)
		[ "$_pt" = "$_pc" ] && continue
		: >"$T/nghttpx.log"
		# --conf: an empty file, not the package's /etc/nghttpx/nghttpx.conf
		# (nor /dev/null, which need not be a device in a test sandbox).
		# --single-process: one PID to stop. --no-ocsp: no helper process.
		"$NGHTTPX" --conf "$T/nghttpx.conf" --single-process --no-ocsp --workers 1 \
			--frontend "127.0.0.1,$_pt" --frontend "127.0.0.1,$_pc;no-tls" \
			--backend "127.0.0.1,$1" \
			--accesslog-file "$AL" \
			--accesslog-format '$alpn $protocol_version $remote_port $status $method $path' \
			--errorlog-file "$T/nghttpx.log" "$T/key.pem" "$T/cert.pem" >"$T/nghttpx.out" 2>&1 &
		PXPID=$!
		_i=0
		while alive "$PXPID" && [ $_i -lt 200 ] &&
			! { grep -q "Listening on 127.0.0.1:$_pt" "$T/nghttpx.log" &&
				grep -q "Listening on 127.0.0.1:$_pc" "$T/nghttpx.log"; }; do
			sleep 0.05
			_i=$((_i + 1))
		done
		if alive "$PXPID" && grep -q "Listening on 127.0.0.1:$_pc" "$T/nghttpx.log" &&
			grep -q "Listening on 127.0.0.1:$_pt" "$T/nghttpx.log"; then
			TLS_URL=https://127.0.0.1:$_pt
			H2C_URL=http://127.0.0.1:$_pc
			return 0
		fi
		stop_proxy
	done
	return 1
}

printf 'id,group,prompt,output_tokens\n' >"$T/c.csv"
for i in $(seq 1 40); do echo "r$i,g$((i % 3)),prompt number $i about the weather,24" >>"$T/c.csv"; done

if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 >"$T/openssl.err" 2>&1; then
	nok "openssl makes a self-signed certificate" "$(cat "$T/openssl.err")"
	exit 1
fi
CERT=$T/cert.pem

start_sim --seed 5 --truth "$T/truth.jsonl"
[ -n "$URL" ] || { nok "llmsim starts" "$(cat "$T/err")"; exit 1; }
NT=0 # requests llmsim has answered so far (lines due in its truth log)
if start_proxy "${URL##*:}"; then
	ok "nghttpx listens on 127.0.0.1 (TLS and cleartext)"
else
	nok "nghttpx listens on 127.0.0.1 (TLS and cleartext)" "$(cat "$T/nghttpx.log" "$T/nghttpx.out")"
	exit 1
fi

# run NAME N ARGS...: llmrun with ARGS writing $T/NAME.csv, expecting N
# requests to reach llmsim; then waits for their truth and access-log
# lines, and leaves the run's access-log lines in $T/NAME.al. Without
# preconnect, so the proxy's log holds the run's requests alone.
run() {
	_name=$1 _n=$2
	shift 2
	_from=$(lines "$AL")
	llmrun --no-probe --model llmsim --no-preconnect -q -o "$T/$_name.csv" "$@" "$T/c.csv" 2>"$T/$_name.err"
	RC=$?
	NT=$((NT + _n))
	wait_lines "$T/truth.jsonl" "$NT"
	wait_lines "$AL" $((_from + _n))
	tail -n +$((_from + 1)) "$AL" >"$T/$_name.al"
	if grep -q Sanitizer "$T/$_name.err"; then nok "$_name: llmrun runs clean under sanitizers" "$(head -n 30 "$T/$_name.err")"; fi
}
# all_ok FILE N: exit 0, N rows, every one ok.
all_ok() { [ "$RC" -eq 0 ] && [ "$(rows "$1")" -eq "$2" ] && [ "$(vals "$1" status | sort -u)" = ok ]; }
# proto FILE: the access log's "alpn version" pairs with their counts.
proto() { awk '{ print $1, $2 }' "$1" | sort | uniq -c | awk '{ printf "%s %s x%s; ", $2, $3, $1 }'; }
conns() { awk '{ print $3 }' "$1" | sort -u | wc -l | tr -d ' '; }
why() { printf 'exit %s, %s rows, status %s; proxy: %s\n%s' "$RC" "$(rows "$1.csv")" \
	"$(vals "$1.csv" status | sort | uniq -c | tr -s ' \n' ' ')" "$(proto "$1.al")" "$(tail -n 3 "$1.err")"; }

# 1. TLS, streamed: h2 by ALPN, verified against the test's own CA.
run tls 16 --url "$TLS_URL" --http2 --cacert "$CERT" --batch-sizes 8 --requests 16
all_ok "$T/tls.csv" 16 && ok "https --http2 --cacert: 16 ok rows" || nok "https --http2 --cacert: 16 ok rows" "$(why "$T/tls")"
[ "$(proto "$T/tls.al")" = "h2 HTTP/2 x16; " ] && ok "https --http2: the proxy served all 16 over HTTP/2 (ALPN h2)" ||
	nok "https --http2: the proxy served all 16 over HTTP/2 (ALPN h2)" "$(proto "$T/tls.al")"
if out=$(truthcheck "$T/tls.csv" "$T/truth.jsonl" "https --http2"); then
	echo "$out"; ok "https --http2: chunk counts equal the truth log's, none early"
else
	nok "https --http2: chunk counts equal the truth log's, none early" "$out"
fi

# The same without --http2 is HTTP/1.1 in the same log: the check above
# can tell the two apart.
run tls11 4 --url "$TLS_URL" --cacert "$CERT" --batch-sizes 2 --requests 4
all_ok "$T/tls11.csv" 4 && [ "$(proto "$T/tls11.al")" = "http/1.1 HTTP/1.1 x4; " ] &&
	ok "https without --http2: HTTP/1.1 in the proxy's log" || nok "https without --http2: HTTP/1.1 in the proxy's log" "$(why "$T/tls11")"
# How chunks were stamped, as the metadata says, run and target: over TLS
# the kernel stamp of libcurl's reads (the peeked bytes are ciphertext);
# over HTTP/2, when read. (Both said "peek" until 2026-12-07.)
taken() { jq -r '"\(.stamp_taken) \(.targets[0].stamp_taken)"' "$T/$1.csv.meta.json" 2>&1; }
[ "$(taken tls11)" = "recv recv" ] && [ "$(taken tls)" = "read read" ] &&
	ok "stamp_taken: recv over TLS, read over HTTP/2" ||
	nok "stamp_taken: recv over TLS, read over HTTP/2" "tls11: $(taken tls11); tls: $(taken tls)"

# 2. TLS is verified by default: the self-signed certificate fails every
# request as connect, and --insecure gets through.
run nocert 0 --url "$TLS_URL" --http2 --batch-sizes 2 --requests 4
if [ "$(rows "$T/nocert.csv")" -eq 4 ] && [ "$(vals "$T/nocert.csv" status | sort -u)" = connect ] &&
	[ "$(vals "$T/nocert.csv" error | grep -c -i certificate)" -eq 4 ]; then
	ok "https --http2 without --cacert: 4 connect rows naming the certificate"
else
	nok "https --http2 without --cacert: 4 connect rows naming the certificate" "$(why "$T/nocert"); $(vals "$T/nocert.csv" error | sort -u)"
fi
[ "$(lines "$T/nocert.al")" -eq 0 ] && ok "without --cacert no request reached the proxy" || nok "without --cacert no request reached the proxy" "$(cat "$T/nocert.al")"
run insecure 4 --url "$TLS_URL" --http2 --insecure --batch-sizes 2 --requests 4
all_ok "$T/insecure.csv" 4 && [ "$(proto "$T/insecure.al")" = "h2 HTTP/2 x4; " ] &&
	ok "https --http2 --insecure: 4 ok rows over HTTP/2" || nok "https --http2 --insecure: 4 ok rows over HTTP/2" "$(why "$T/insecure")"

# 3. Not streamed, over h2: one body each, output tokens as llmsim counted.
run plain 8 --url "$TLS_URL" --http2 --cacert "$CERT" --no-stream --batch-sizes 4 --requests 8
bad=$(awk -F, -v res="$T/plain.csv" '
	FNR == NR { id = $0; sub(/.*"id": *"/, "", id); sub(/".*/, "", id)
		t = $0; sub(/.*"completion_tokens": */, "", t); sub(/[^0-9].*/, "", t); want[id] = t; next }
	FNR == 1 { for (i = 1; i <= NF; i++) C[$i] = i; next }
	!($C["response_id"] in want) || $C["output_tokens"] != want[$C["response_id"]] || $C["chunks"] != 1 { n++ }
	END { print n + 0 }' "$T/truth.jsonl" "$T/plain.csv")
all_ok "$T/plain.csv" 8 && [ "$bad" -eq 0 ] && [ "$(proto "$T/plain.al")" = "h2 HTTP/2 x8; " ] &&
	ok "https --http2 --no-stream: 8 ok rows, tokens as the truth log, over HTTP/2" ||
	nok "https --http2 --no-stream: 8 ok rows, tokens as the truth log, over HTTP/2" "$bad differ from the truth; $(why "$T/plain")"

# 4. Multiplexing: 32 streams at once (under nghttpx's 100 per
# connection) share one connection, as CURLOPT_PIPEWAIT asks; a second
# one is tolerated. Still one row per request, each matched to the truth.
run mux 64 --url "$TLS_URL" --http2 --cacert "$CERT" --batch-sizes 32 --requests 64
nseq=$(vals "$T/mux.csv" seq | sort -u | wc -l | tr -d ' ')
nid=$(vals "$T/mux.csv" response_id | sort -u | wc -l | tr -d ' ')
all_ok "$T/mux.csv" 64 && [ "$nseq" -eq 64 ] && [ "$nid" -eq 64 ] &&
	ok "32 streams at once: 64 ok rows, one per request" || nok "32 streams at once: 64 ok rows, one per request" "$nseq seqs, $nid ids; $(why "$T/mux")"
c=$(conns "$T/mux.al")
echo "# 64 requests, 32 at once, over $c connection(s)"
[ "$(proto "$T/mux.al")" = "h2 HTTP/2 x64; " ] && [ "$c" -le 2 ] &&
	ok "32 streams at once: 64 HTTP/2 streams over $c connection(s)" || nok "32 streams at once: 64 HTTP/2 streams over at most 2 connections" "$c connections; $(proto "$T/mux.al")"
if out=$(truthcheck "$T/mux.csv" "$T/truth.jsonl" "32 streams"); then
	echo "$out"; ok "32 streams at once: chunk counts equal the truth log's, none early"
else
	nok "32 streams at once: chunk counts equal the truth log's, none early" "$out"
fi

# 5. Cleartext: --http2 on http:// asks with an h2c Upgrade on the first
# request of a connection (logged as HTTP/1.1, answered in h2c); the
# requests that wait for it (PIPEWAIT) go as HTTP/2 streams.
run h2c 16 --url "$H2C_URL" --http2 --batch-sizes 8 --requests 16
h2=$(awk '$1 == "h2c" && $2 == "HTTP/2"' "$T/h2c.al" | wc -l | tr -d ' ')
all_ok "$T/h2c.csv" 16 && ok "http --http2: 16 ok rows" || nok "http --http2: 16 ok rows" "$(why "$T/h2c")"
[ "$(awk '$1 != "h2c"' "$T/h2c.al" | wc -l)" -eq 0 ] && [ "$(lines "$T/h2c.al")" -eq 16 ] && [ "$h2" -ge 1 ] &&
	ok "http --http2: all 16 answered in h2c, $h2 sent as HTTP/2 streams" || nok "http --http2: all 16 answered in h2c" "$(proto "$T/h2c.al")"
if out=$(truthcheck "$T/h2c.csv" "$T/truth.jsonl" "http --http2"); then
	echo "$out"; ok "http --http2: chunk counts equal the truth log's, none early"
else
	nok "http --http2: chunk counts equal the truth log's, none early" "$out"
fi
run h11 4 --url "$H2C_URL" --batch-sizes 2 --requests 4
all_ok "$T/h11.csv" 4 && [ "$(proto "$T/h11.al")" = "http/1.1 HTTP/1.1 x4; " ] &&
	ok "http without --http2: HTTP/1.1 in the proxy's log" || nok "http without --http2: HTTP/1.1 in the proxy's log" "$(why "$T/h11")"

stop_proxy
stop_sim
SIMPID=

# 6. A stream cut by the server is reset alone (RST_STREAM): one
# disconnect row, and the other streams on the connection carry on. The
# proxy may reset a stream before its response headers went out, so a
# disconnect row's http_status may be 200 or empty.
rm -f "$T/truth.jsonl"
NT=0
start_sim --seed 5 --truth "$T/truth.jsonl" --disconnect-rate 0.2 --fail-rate 0.1
[ -n "$URL" ] || { nok "llmsim starts" "$(cat "$T/err")"; exit 1; }
start_proxy "${URL##*:}" || { nok "nghttpx listens on 127.0.0.1" "$(cat "$T/nghttpx.log")"; exit 1; }
run cut 40 --url "$TLS_URL" --http2 --cacert "$CERT" --batch-sizes 8 --requests 40
tf() { grep -c "\"fault\": *\"$1\"" "$T/truth.jsonl"; }
rc_of() { awk -F, -v s="$(col "$T/cut.csv" status)" -v h="$(col "$T/cut.csv" http_status)" -v c="$1" -v w="$2" \
	'NR > 1 && $s == c && (w == "" || $h == w) { n++ } END { print n + 0 }' "$T/cut.csv"; }
d=$(tf disconnect) f=$(tf fail) n=$(tf none)
if [ "$(rows "$T/cut.csv")" -eq 40 ] && [ "$d" -gt 0 ] && [ "$(rc_of disconnect "")" -eq "$d" ] &&
	[ "$(rc_of http_5xx 500)" -eq "$f" ] && [ "$(rc_of ok 200)" -eq "$n" ] && [ $((d + f + n)) -eq 40 ] &&
	[ "$(proto "$T/cut.al")" = "h2 HTTP/2 x40; " ]; then
	ok "faults over h2: $d disconnect, $f http_5xx and $n ok rows, as the truth log"
else
	nok "faults over h2: rows of each class as the truth log" "truth: $d disconnect, $f fail, $n none; $(why "$T/cut")"
fi
stop_proxy
stop_sim
SIMPID=

# Every results file of this script: chunk stamps never go back.
monoall "$T"
