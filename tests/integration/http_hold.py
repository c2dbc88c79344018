#!/usr/bin/env python3
"""Holds TCP connections to an HTTP listener open, as a flood or a slow reader does.

usage: http_hold.py HOST PORT COUNT SOURCE_ADDRESS REPORT [REQUEST]

Opens COUNT connections from SOURCE_ADDRESS (any 127.x.y.z on Linux), sends REQUEST on each
if given (and then never reads: a small receive buffer, so the server's sends block), waits
a moment, and writes "open N" to REPORT: how many the server has not closed. Then holds them
until stdin is closed or the process is terminated.
"""
import select
import signal
import socket
import sys
import time

host, port, count, source, report = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4], sys.argv[5]
request = sys.argv[6].encode() if len(sys.argv) > 6 else None
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

socks = []
for _ in range(count):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind((source, 0))
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
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return False
    try:
        return s.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


still = sum(1 for s in socks if not closed(s))
with open(report, "w") as f:
    f.write(f"open {still}\n")
sys.stdin.read()
