#!/usr/bin/env python3
"""Holds TCP connections to an HTTP listener open, as a flood or a slow reader does.

usage: http_hold.py HOST PORT COUNT SOURCE_ADDRESS REPORT [REQUEST]

Opens COUNT connections from SOURCE_ADDRESS (any 127.x.y.z on Linux), sends REQUEST on each
if given (and then never reads: a small receive buffer, so the server's sends block), waits
a moment, and writes "open N" to REPORT: how many the server has not closed. Then holds them
until stdin is closed or the process is terminated.
"""
import resource
import select
import signal
import socket
import sys
import time

host, port, count, source, report = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4], sys.argv[5]
request = sys.argv[6].encode() if len(sys.argv) > 6 else None
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
# A flood of thousands needs that many descriptors: as many as the hard limit allows.
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = count + 64
if soft != resource.RLIM_INFINITY and soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE,
                       (want if hard == resource.RLIM_INFINITY else min(want, hard), hard))

socks = []
for _ in range(count):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind((source, 0))
    s.settimeout(5)  # a connect the listener never takes (its queue full) is given up
    try:
        s.connect((host, port))
    except OSError:
        s.close()
        continue
    if request:
        s.sendall(request)
    socks.append(s)
time.sleep(1.0)


def closed(s):
    """The server closed s: readable, and a peek finds the end (or a reset)."""
    p = select.poll()  # not select(): descriptors past 1023
    p.register(s, select.POLLIN)
    if not p.poll(0):
        return False
    try:
        s.setblocking(False)
        return s.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


still = sum(1 for s in socks if not closed(s))
with open(report, "w") as f:
    f.write(f"open {still}\n")
sys.stdin.read()
