#!/bin/sh
# llmrun without a server: exit codes, rows for requests that cannot
# connect, and the API key never written anywhere.
. tests/lib.sh
. tests/e2e/truth.lib # monoall
T=$(mktmp)
printf 'id,group,prompt,output_tokens\na,g,"Hello, ""world""",4\nb,g,second,4\nc,h,third,4\n' >"$T/c.csv"
printf 'id,text\n1,x\n' >"$T/noprompt.csv"
# Port 1 on loopback: nothing listens there, so connects are refused.
DEAD=http://127.0.0.1:1

err=$(llmrun --no-probe --url $DEAD 2>&1 >/dev/null); rc=$?
[ $rc -eq 64 ] && echo "$err" | grep -q "llmrun --help" && ok "no corpus: 64 with a hint" || nok "no corpus: 64 with a hint" "$rc $err"
expect_exit 64 "no --url: 64" llmrun "$T/c.csv"
expect_exit 64 "bad batch sizes: 64" llmrun --no-probe --url $DEAD --batch-sizes 0..4 "$T/c.csv"
expect_exit 64 "waves with --rate: 64" llmrun --no-probe --url $DEAD --rate 5 --schedule waves "$T/c.csv"
expect_exit 64 "bad --extra-body: 64" llmrun --no-probe --url $DEAD --extra-body '[1]' "$T/c.csv"
expect_exit 66 "missing corpus: 66" llmrun --no-probe --url $DEAD "$T/none.csv"
# A run that fails before its sweep starts (no connection could be made)
# leaves an earlier results file of that name, and its metadata, as they
# were, and no temporary file beside them.
mkdir "$T/keep"
printf 'earlier results\n' >"$T/keep/r.csv"
printf '{"earlier": true}\n' >"$T/keep/r.csv.meta.json"
llmrun --no-probe --url $DEAD --requests 2 -q -o "$T/keep/r.csv" "$T/c.csv" 2>"$T/keep.err"
rc=$?
[ $rc -eq 69 ] && [ "$(cat "$T/keep/r.csv")" = "earlier results" ] && [ "$(cat "$T/keep/r.csv.meta.json")" = '{"earlier": true}' ] &&
	[ "$(ls -A "$T/keep" | tr '\n' ' ')" = "r.csv r.csv.meta.json " ] &&
	ok "a run failing before its sweep: the earlier results and metadata kept, nothing else" ||
	nok "a run failing before its sweep: the earlier results and metadata kept" "exit $rc: $(ls -A "$T/keep") $(cat "$T/keep.err")"
# More streams than the hard limit on descriptors allows: refused at once.
(ulimit -n 1024 && llmrun --no-probe --url $DEAD --batch-sizes 1100 -q -o "$T/fd.csv" "$T/c.csv") 2>"$T/fd.err"
[ $? -eq 64 ] && grep -q "1100 streams need about 1164 file descriptors, and the limit is 1024" "$T/fd.err" && [ ! -e "$T/fd.csv" ] &&
	ok "more streams than the descriptor limit: 64, nothing written" || nok "more streams than the descriptor limit: 64" "$(cat "$T/fd.err")"
expect_exit 66 "missing key file: 66" llmrun --no-probe --url $DEAD --api-key-file "$T/nokey" "$T/c.csv"
expect_exit 65 "corpus without prompt: 65" llmrun --no-probe --url $DEAD "$T/noprompt.csv"
printf 'id,prompt\n1,x\n' >"$T/notrace.csv"
expect_exit 65 "--trace without arrival_s: 65" llmrun --no-probe --url $DEAD --trace "$T/notrace.csv"

# Every request issued is one row, classed connect; a step without any
# success stops the sweep with 69, naming the class and its message.
# (--no-preconnect: with it, a server no connection reaches stops the run
# before the first step, tested below.)
printf 'sk-file-SECRET-42\n' >"$T/key"
OPENAI_API_KEY=sk-env-SECRET-41 llmrun --no-probe --url $DEAD --no-preconnect --batch-sizes 1,2 --requests 3 --warmup 1 \
	-H 'Authorization: Bearer sk-hdr-SECRET-43' -H 'X-Trace: t1' \
	--connect-timeout 2 -o "$T/r.csv" "$T/c.csv" 2>"$T/err"
rc=$?
[ $rc -eq 69 ] && grep -q "llmrun: batch=1: no request succeeded: 3 of 3 connect: Couldn't connect to server" "$T/err" &&
	grep -q "^  3 connect: Couldn't connect to server" "$T/err" &&
	ok "connect failures: exit 69, the class and its message in the summary and the error" ||
	nok "connect failures: exit 69, the class and its message in the summary and the error" "exit $rc: $(cat "$T/err")"
rows=$(tail -n +2 "$T/r.csv" | wc -l)
[ "$rows" -eq 4 ] && ok "one row per request (3 + 1 warmup), and no second step" || nok "one row per request" "$rows rows"
col() { head -1 "$1" | tr ',' '\n' | grep -nx "$2" | cut -d: -f1; }
st=$(col "$T/r.csv" status)
bad=$(tail -n +2 "$T/r.csv" | cut -d, -f"$st" | grep -vcx connect)
[ "$bad" -eq 0 ] && ok "refused connections are class connect" || nok "refused connections are class connect" "$(cat "$T/r.csv")"
w=$(col "$T/r.csv" warmup)
[ "$(tail -n +2 "$T/r.csv" | cut -d, -f"$w" | grep -cx 1)" -eq 1 ] && ok "one warmup row" || nok "one warmup row"
[ -f "$T/r.csv.meta.json" ] && ok "meta file beside the results" || nok "meta file beside the results"
grep -q '"mono_ns"' "$T/r.csv.meta.json" && grep -q 'X-Trace: t1' "$T/r.csv.meta.json" && ok "meta has the anchor and the command line" || nok "meta has the anchor and the command line"
if grep -r -q SECRET "$T/r.csv" "$T/r.csv.meta.json" "$T/err"; then nok "API key and auth header appear nowhere"; else ok "API key and auth header appear nowhere"; fi

# The probe, before anything is written: a dead server is 69 at once.
llmrun --url $DEAD --model m --requests 4 -o "$T/pr.csv" "$T/c.csv" 2>"$T/pr.err"
rc=$?
[ $rc -eq 69 ] && grep -q "before the sweep (--no-probe skips this): default: probe: $DEAD/v1/chat/completions: Couldn't connect to server" "$T/pr.err" &&
	[ ! -e "$T/pr.csv" ] && ok "probe: a dead server is 69 before the sweep, no file" ||
	nok "probe: a dead server is 69 before the sweep, no file" "exit $rc: $(cat "$T/pr.err")"

# Preconnect (the default for window and waves) to a server no connection
# reaches: exit 69 before the first step, naming the URL and the reason,
# with no summary of the step that never ran ("0 requests" and a table of
# n/a, until 2026-12-07).
llmrun --no-probe --url $DEAD --batch-sizes 4 --requests 4 -o "$T/pre.csv" "$T/c.csv" 2>"$T/pre.err"
rc=$?
if [ $rc -eq 69 ] && grep -q "cannot connect to $DEAD" "$T/pre.err" && [ "$(tail -n +2 "$T/pre.csv" | wc -l)" -eq 0 ] &&
	! grep -q "batch=4" "$T/pre.err"; then
	ok "preconnect to a dead server: exit 69, the URL, no rows and no step summary"
else
	nok "preconnect to a dead server: exit 69, the URL, no rows and no step summary" "exit $rc: $(cat "$T/pre.err")"
fi

llmrun --no-probe --url $DEAD --no-preconnect --api-key-file "$T/key" --requests 2 -q "$T/c.csv" >"$T/r2.csv" 2>"$T/err2"
if grep -q SECRET "$T/r2.csv" "$T/err2"; then nok "key file's key appears nowhere"; else ok "key file's key appears nowhere"; fi
[ "$(wc -l <"$T/err2")" -eq 1 ] && grep -q "no request succeeded" "$T/err2" &&
	ok "--quiet prints the error alone" || nok "--quiet prints the error alone" "$(cat "$T/err2")"

expect_exit 69 "--max-errors 0 stops the run: 69" llmrun --no-probe --url $DEAD --requests 3 -q --max-errors 0 "$T/c.csv"
if [ -w /dev/full ]; then
	expect_exit 74 "results to a full disk: 74" sh -c "llmrun --no-probe --url $DEAD --requests 2 -q '$T/c.csv' >/dev/full"
fi

# TLS: verification is on by default; --insecure and --cacert change it.
if ! command -v openssl >/dev/null 2>&1; then
	nok "TLS checks need the openssl program"
else
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/k.pem" -out "$T/cert.pem" -days 1 \
		-subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1
	openssl s_server -accept 0 -cert "$T/cert.pem" -key "$T/k.pem" -www -naccept 3 >"$T/ssl.out" 2>&1 &
	sp=$!
	i=0
	while ! grep -q '^ACCEPT' "$T/ssl.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$T/ssl.out")
	tls() { llmrun --no-probe --url "https://127.0.0.1:$port" --no-preconnect --requests 1 --timeout 2 -q "$@" "$T/c.csv" | tail -1; }
	r=$(tls)
	# ... and the row says why, with libcurl's detail (CURLOPT_ERRORBUFFER)
	# and what helps: not only "SSL peer certificate ... was not OK".
	case "$r" in *,connect,*"self-signed certificate (--cacert FILE trusts its issuer, --insecure skips the check)"*)
		ok "TLS: a self-signed certificate is refused by default, the row saying why" ;;
	*) nok "TLS: a self-signed certificate is refused by default, the row saying why" "$r" ;; esac
	r=$(tls --insecure)
	case "$r" in *,connect,*) nok "TLS: --insecure accepts it" "$r" ;; *) ok "TLS: --insecure accepts it" ;; esac
	r=$(tls --cacert "$T/cert.pem")
	case "$r" in *,connect,*) nok "TLS: --cacert accepts it" "$r" ;; *) ok "TLS: --cacert accepts it" ;; esac
	kill $sp 2>/dev/null
	wait $sp 2>/dev/null || : # killed, or gone after its three accepts
fi
# A --cacert file that is not there, or empty: 66 before any request
# (libcurl would say only "Problem with the SSL CA cert" of each).
: >"$T/empty.pem"
expect_exit 66 "--cacert missing: 66" llmrun --no-probe --url "https://127.0.0.1:1" --cacert "$T/none.pem" "$T/c.csv"
expect_exit 66 "--cacert empty: 66" llmrun --no-probe --url "https://127.0.0.1:1" --cacert "$T/empty.pem" "$T/c.csv"

# A sweep that sends more requests than the corpus has rows sends prompts
# again, which a prefix-caching server answers from its cache: said before
# the run (not with -q), and not when the rows suffice.
llmrun --no-probe --url $DEAD --no-preconnect --batch-sizes 1,2 --requests 2 -o "$T/rep.csv" "$T/c.csv" 2>"$T/rep.err"
llmrun --no-probe --url $DEAD --no-preconnect --batch-sizes 1,2 --requests 2 -q -o "$T/rep.csv" "$T/c.csv" 2>"$T/repq.err"
llmrun --no-probe --url $DEAD --no-preconnect --batch-sizes 1,2 --requests 1 -o "$T/rep.csv" "$T/c.csv" 2>"$T/rep1.err"
if grep -q "^llmrun: note: the sweep sends 4 requests from 3 corpus rows, so prompts repeat from the step at batch 2 on; a server with prefix caching" "$T/rep.err" &&
	! grep -q 'prompts repeat' "$T/repq.err" "$T/rep1.err"; then
	ok "a sweep that repeats prompts says so before it runs"
else
	nok "a sweep that repeats prompts says so before it runs" "$(cat "$T/rep.err" "$T/repq.err" "$T/rep1.err")"
fi

# Every results file of this script: chunk stamps never go back.
monoall "$T"

