#!/usr/bin/env python3
"""Canned answers in the wire formats of other engines, on 127.0.0.1, for
tests/e2e/run_dialects.sh: odd but legal streams, and failures.

Usage: dialect_server.py. Prints its URL on the first line, then serves
for at most 60 seconds. A POST to /s/NAME/... gets answer NAME, sent in
chunked pieces 3 ms apart (each piece one write):
  emptydata  completions SSE with "data:" lines of no data among 5 tokens
  lastusage  completions SSE, usage only with the last of 5 chunks
  txt500     HTTP 500, text/plain, a proxy's words
  detail400  HTTP 400, FastAPI's {"detail": ...}
  errev      two chunks, then "event: error" with text data (not JSON)
  llerr      llama.cpp's "error: {...}" line after its 200
  olcache    Ollama NDJSON, 1,000 prompt tokens of which 990 cached
  tgiempty   TGI SSE, a token of empty text (counted with the next)
GET answers a model list in the OpenAI, Ollama and TGI shapes.
"""
import json, socketserver, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def sse(o):
    return ("data: " + json.dumps(o) + "\n\n").encode()


def comp(text, finish=None, usage=None):
    o = {"id": "c1", "object": "text_completion", "choices": [{"index": 0, "text": text, "finish_reason": finish}]}
    if usage:
        o["usage"] = usage
    return sse(o)


def tgi(text, gen=None, n=None):
    return sse({"token": {"id": 1, "text": text, "logprob": -1, "special": False}, "generated_text": gen,
                "details": {"finish_reason": "length", "generated_tokens": n, "seed": None} if gen else None})


USAGE = {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}
WORDS = [" w0", " w1", " w2", " w3", " w4"]
OLLAMA_END = {"model": "m", "response": "", "done": True, "done_reason": "length", "prompt_eval_count": 1000,
              "prompt_eval_cached_count": 990, "prompt_eval_duration": 10000000, "eval_count": 5,
              "eval_duration": 40000000}
ANSWERS = {
    "emptydata": (200, "text/event-stream", [b"data:\n\n"] + [comp(w) for w in WORDS[:-1]] +
                  [b"data: \n\n", comp(WORDS[-1], "length", USAGE), b"data: [DONE]\n\n"]),
    "lastusage": (200, "text/event-stream", [comp(w) for w in WORDS[:-1]] +
                  [comp(WORDS[-1], "length", USAGE), b"data: [DONE]\n\n"]),
    "txt500": (500, "text/plain", [b"Internal Server Error: CUDA error: an illegal memory access was encountered"]),
    "detail400": (400, "application/json", [b'{"detail":"max_new_tokens must be <= 1024"}']),
    "errev": (200, "text/event-stream", [comp(WORDS[0]), comp(WORDS[1]),
                                         b"event: error\ndata: Internal Server Error: worker died\n\n"]),
    "llerr": (200, "text/event-stream", [b'error: {"code":400,"message":"the request exceeds the available '
                                         b'context size","type":"invalid_request_error"}\n\n']),
    "olcache": (200, "application/x-ndjson",
                [json.dumps({"model": "m", "response": w, "done": False}).encode() + b"\n" for w in WORDS] +
                [json.dumps(OLLAMA_END).encode() + b"\n"]),
    "tgiempty": (200, "text/event-stream", [tgi(" a"), tgi(""), tgi("\u00e9"), tgi(" b"), tgi(" c", " a\u00e9 b c", 5)]),
}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        b = b'{"data":[{"id":"m"}],"models":[{"name":"m"}],"model_id":"m"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parts = self.path.split("/")
        status, ctype, pieces = ANSWERS[parts[2]]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        for p in pieces:
            time.sleep(0.003)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(p), p))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


s = ThreadingHTTPServer(("127.0.0.1", 0), H)
s.daemon_threads = True
print("http://127.0.0.1:%d" % s.server_address[1], flush=True)
threading.Timer(60, s.shutdown).start()
s.serve_forever()
