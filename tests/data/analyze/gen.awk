# Writes a results CSV (docs/formats.md) of a simulated batch-size sweep,
# for tests and the benchmark. Variables (awk -v):
#   run     run_id (default r1)
#   steps   batch sizes, comma separated (default 1,2,4,8)
#   waves   waves per step (default 4)
#   out     output tokens per request (default 16)
#   warmup  warmup requests before each step (default 1)
#   fail    every fail-th request is http_5xx (0: none)
#   t0      first send, epoch ns (default 10^15: awk numbers are doubles,
#           exact to the ns only below 2^53)
# Per step s: TTFT = 20 + 5 s ms, a chunk of one token every 5 + s/2 ms,
# so throughput rises with s and TTFT grows. Times are whole µs.
BEGIN {
	OFS = ","
	if (run == "") run = "r1"
	if (steps == "") steps = "1,2,4,8"
	if (waves == "") waves = 4
	if (out == "") out = 16
	if (warmup == "") warmup = 1
	if (t0 == "") t0 = 1000000000000000
	print "run_id,target,model,api,group,row_id,step_kind,step,schedule,seq,attempt,warmup,response_id,status,http_status,t_scheduled_ns,t_sent_ns,t_first_token_ns,t_first_content_ns,t_last_token_ns,t_end_ns,ttft_ms,ttfc_ms,e2e_ms,tpot_ms,queue_ms,input_tokens,input_tokens_source,output_tokens,output_tokens_source,reasoning_tokens,finish_reason,chunks,bytes,server_prompt_ms,server_decode_ms,error,chunk_log"
	ns = split(steps, st, ",")
	t = 0          # µs since t0
	n = 0
	for (k = 1; k <= ns; k++) {
		s = st[k] + 0
		ttft = 20000 + 5000 * s
		itl = 5000 + 500 * s
		seq = 0
		for (w = 0; w < waves + (warmup > 0); w++) {
			m = (w == 0 && warmup > 0) ? warmup : s
			end = t + ttft + (out - 1) * itl + 1000
			for (i = 0; i < m; i++) {
				wu = (w == 0 && warmup > 0) ? 1 : 0
				n++
				clog = ""
				for (c = 0; c < out; c++)
					clog = clog (c ? " " : "") (ttft + c * itl) ":1"
				bad = (!wu && fail > 0 && n % fail == 0)
				sent = t0 + t * 1000
				if (bad) {
					printf "%s,sim,m1,openai-chat,g,%d,batch,%d,waves,%d,1,%d,,http_5xx,500,%.0f,%.0f,,,,%.0f,,,%.3f,,0,64,corpus,,,,,0,0,,,HTTP 500,\n", \
						run, n, s, seq, wu, sent, sent, sent + 2000000, 2.0
				} else {
					first = sent + ttft * 1000
					last = sent + (ttft + (out - 1) * itl) * 1000
					e = t0 + end * 1000
					printf "%s,sim,m1,openai-chat,g,%d,batch,%d,waves,%d,1,%d,id%d,ok,200,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f,%.3f,%.3f,%.3f,%.6f,0,64,corpus,%d,usage,,length,%d,1000,,,,%s\n", \
						run, n, s, seq, wu, n, sent, sent, first, first, last, e, \
						ttft / 1000, ttft / 1000, (e - sent) / 1e6, \
						((e - sent) / 1e6 - ttft / 1000) / (out - 1), out, out, clog
				}
				seq++
			}
			t = end + 1000
		}
	}
}
