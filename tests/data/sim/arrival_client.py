"""Raw HTTP/1.1 clients for tests/e2e/run_send_truth.sh: connections that
close without a request or halfway through one, three requests one after
another on a kept-alive connection, then two pipelined in one write.
Prints "KIND ID SENT_NS" per answered request, SENT_NS read from
CLOCK_MONOTONIC (llmsim's clock on the same host) right before the write.
Usage: arrival_client.py PORT"""
import socket
import sys
import time

PORT = int(sys.argv[1])
BODY = b'{"model":"llmsim","prompt":"hello","max_tokens":2,"stream":false}'
REQ = (b"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
       b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
       % (len(BODY), BODY))


def conn():
    return socket.create_connection(("127.0.0.1", PORT), timeout=20)


def response(f):
    """Reads one response; returns its X-Request-Id."""
    status = f.readline()
    if not status.startswith(b"HTTP/1.1 200"):
        sys.exit("arrival_client: unexpected status %r" % status)
    rid, length = None, 0
    while True:
        line = f.readline().rstrip(b"\r\n")
        if not line:
            break
        k, _, v = line.partition(b":")
        if k.lower() == b"x-request-id":
            rid = v.strip().decode()
        elif k.lower() == b"content-length":
            length = int(v)
    f.read(length)
    return rid


for _ in range(50):
    conn().close()
s = conn()
s.sendall(REQ[:20])
time.sleep(0.05)
s.close()
time.sleep(0.05)

s = conn()
f = s.makefile("rb")
for _ in range(3):
    time.sleep(0.02)
    t = time.monotonic_ns()
    s.sendall(REQ)
    print("seq", response(f), t)
t = time.monotonic_ns()
s.sendall(REQ + REQ)
print("pipe1", response(f), t)
print("pipe2", response(f), t)
s.close()
