#!/usr/bin/env python3
"""A misbehaving Prometheus endpoint on 127.0.0.1 for tests/e2e/run_scrape.sh.

Prints its URL on the first line, then serves for at most 60 seconds.
GET /metrics answers in turn: a good page (its samples' value is the
count of requests so far), a malformed page (a good sample, then a bad
line), a good page after SLOW seconds (argv[1], default 3), and HTTP 500.
With argv[2] "split": only good pages, on kept-alive connections, the
headers and the body in two writes 20 ms apart (as Python's and ASGI
servers send them).
"""
import http.server, sys, threading, time

slow = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
split = len(sys.argv) > 2 and sys.argv[2] == "split"
n = 0
lock = threading.Lock()

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1" if split else "HTTP/1.0"

    def log_message(self, *a):
        pass

    def do_GET(self):
        global n
        with lock:
            n += 1
            k = n
        kind = 0 if split else (k - 1) % 4
        if kind == 3:
            self.send_error(500)
            return
        if kind == 2:
            time.sleep(slow)
        if kind == 1:
            body = "# TYPE partial_total counter\npartial_total 1\ngood_total{a=\"1} 2\n"
        else:
            body = "# TYPE good_total counter\ngood_total{kind=\"good\"} %d\n" % k
        b = body.encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            if split:
                self.wfile.flush()
                time.sleep(0.02)
            self.wfile.write(b)
        except OSError:
            pass

s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
s.daemon_threads = True
print("http://127.0.0.1:%d" % s.server_address[1], flush=True)
threading.Timer(60, s.shutdown).start()
s.serve_forever()
