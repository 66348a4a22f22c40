#!/usr/bin/env python3
"""A hostile HTTP server on 127.0.0.1 for tests/e2e/hostile_run.sh.

Usage: hostile_server.py MODE. Prints its URL on the first line, then
serves for at most 60 seconds. MODE silent: reads the request and never
answers; prints "request METHOD TARGET" (its request line's first two
words) and, when the client hangs up, prints "span MS METHOD": the
milliseconds on this server's own clock from the request's first bytes
read to the hang-up (a client's timeout, seen from the far end), and the
request's method, or "error TEXT" when the hang-up came as an error
(a reset); sse / json: answers 200 with a 1 GiB body (text/event-stream or
application/json) of one endless line, until the client hangs up;
done: a stream of "data: [DONE]" alone; nochoice: a stream of an event
without choices, then [DONE]; whole: a whole JSON answer (application/json)
to a streamed request; redirect: 302 to /elsewhere; echo401: 401 with a body that repeats the
request's Authorization header (as some servers echo a bad key); headers:
as done, printing "header NAME: VALUE" for each request header. These
answer each request and close the connection.
"""
import socket, sys, threading, time
mode = sys.argv[1]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(16)
print("http://127.0.0.1:%d" % s.getsockname()[1], flush=True)
def serve(c):
    try:
        first = c.recv(65536)
        if mode == "silent":
            t0 = time.monotonic()
            words = first.split(b"\r\n", 1)[0].split(b" ")
            print("request %s" % b" ".join(words[:2]).decode("ascii", "replace"), flush=True)
            c.settimeout(30)
            while c.recv(65536):
                pass
            method = first.split(b" ", 1)[0].decode("ascii", "replace")
            print("span %.1f %s" % ((time.monotonic() - t0) * 1000, method), flush=True)
            return
        canned = {"done": (200, "text/event-stream", b"data: [DONE]\n\n"),
                  "headers": (200, "text/event-stream", b"data: [DONE]\n\n"),
                  "nochoice": (200, "text/event-stream", b'data: {"foo": 1}\n\ndata: [DONE]\n\n'),
                  "whole": (200, "application/json", b'{"id": "x", "choices": [{"index": 0, "message": '
                            b'{"role": "assistant", "content": "hi"}}]}'),
                  "redirect": (302, "text/plain", b"moved")}
        if mode in canned or mode == "echo401":
            while b"\r\n\r\n" not in first:
                more = c.recv(65536)
                if not more:
                    return
                first += more
            head = first.split(b"\r\n\r\n", 1)[0].decode("latin-1")
            if mode == "headers":
                for l in head.split("\r\n")[1:]:
                    print("header %s" % l, flush=True)
            if mode == "echo401":
                auth = [l.split(":", 1)[1].strip() for l in head.split("\r\n") if l.lower().startswith("authorization:")]
                body = ('{"error": {"message": "invalid key: %s"}}' % (auth[0] if auth else "none")).encode("latin-1")
                code, ct = 401, "application/json"
            else:
                code, ct, body = canned[mode]
            loc = b"Location: /elsewhere\r\n" if code == 302 else b""
            c.sendall(b"HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n"
                      % (code, ct.encode(), len(body), loc) + body)
            return
        ct = "text/event-stream" if mode == "sse" else "application/json"
        c.sendall(("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (ct, 1 << 30)).encode())
        chunk = b"y" * 65536
        for _ in range((1 << 30) // 65536):
            c.sendall(chunk)
    except OSError as x:
        # A silent server's hang-up that came as an error (a reset): said,
        # so a missing span line has a cause in the log.
        if mode == "silent":
            print("error %s" % x, flush=True)
    finally:
        c.close()
deadline = time.time() + 60
s.settimeout(1)
while time.time() < deadline:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
