#!/usr/bin/env python3
"""An HTTP server on 127.0.0.1 that records what it is sent, for
tests/e2e/run_targets_yaml.sh.

Usage: capture_server.py LOG. Prints its URL on the first line, then
serves for at most 60 seconds. Every POST is answered 200 with a
non-streamed OpenAI chat or completions body (one output token; usage
given, except for the model "nousage") and logged to LOG as one JSON line: path, model, temperature, and
the Authorization and X-Team headers (None when absent), the chat messages,
and the reply's text. A chat request with "stream": true is answered as
SSE: the reply (numbered per request, with quotes, a tab, a newline and
non-ASCII text, to test how clients keep it) in three chunks, then usage
and [DONE] (tests/e2e/run_sessions.sh).
"""
import itertools, json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = open(sys.argv[1], "a")
counter = itertools.count(1)
lock = threading.Lock()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        stream = bool(body.get("stream")) and self.path.endswith("/chat/completions")
        with lock:
            n = next(counter)
        reply = ["Reply %d: \"quoted\",\ttab" % n, "\nline two, caf\u00e9 \u2713", " end %d." % n] \
            if stream else ["ok"]
        with lock:
            log.write(json.dumps({"path": self.path, "model": body.get("model"),
                                  "temperature": body.get("temperature"),
                                  "auth": self.headers.get("Authorization"),
                                  "team": self.headers.get("X-Team"),
                                  "run": self.headers.get("X-Run"),
                                  "messages": body.get("messages"),
                                  "reply": "".join(reply), "id": "cap%d" % n}) + "\n")
            log.flush()
        if stream:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            evs = [{"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
            evs += [{"choices": [{"index": 0, "delta": {"content": t}}]} for t in reply]
            evs += [{"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}]
            if body.get("model") != "nousage":
                evs += [{"choices": [], "usage": {"prompt_tokens": 10 * n, "completion_tokens": 3,
                                                  "total_tokens": 10 * n + 3}}]
            for ev in evs:
                data = ("data: %s\n\n" % json.dumps(dict(ev, id="cap%d" % n))).encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
            data = b"data: [DONE]\n\n"
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data))
            self.wfile.flush()
            return
        choice = {"index": 0, "finish_reason": "stop"}
        if self.path.endswith("/chat/completions"):
            choice["message"] = {"role": "assistant", "content": "ok"}
        else:
            choice["text"] = "ok"
        res = {"id": "cap", "object": "x", "model": body.get("model"), "choices": [choice]}
        if body.get("model") != "nousage":
            res["usage"] = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
        out = json.dumps(res).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
print("http://127.0.0.1:%d" % srv.server_address[1], flush=True)
srv.timeout = 1
deadline = time.time() + 60
while time.time() < deadline:
    srv.handle_request()
