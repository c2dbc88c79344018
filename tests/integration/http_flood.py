#!/usr/bin/env python3
"""Sends one request on each of many connections from one address, as a peer that parks
watches does, and reports how the server answered.

usage: http_flood.py HOST PORT SOURCE_ADDRESS COUNT SECONDS REPORT METHOD PATH [JSON_BODY|@FILE]

Opens COUNT connections from SOURCE_ADDRESS (any 127.x.y.z on Linux), sends the request on
each, reads answers for SECONDS, and writes to REPORT one line "CODE N" per HTTP status seen
(N answers), "pending N" for requests not answered yet, and "body TEXT" with the body of
the first answer that was not 200. Then holds the connections until stdin is closed or the
process is terminated.
"""
import select
import signal
import socket
import sys
import time

host, port, source, count, seconds, report, method, path = sys.argv[1], int(sys.argv[2]), \
    sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6], sys.argv[7], sys.argv[8]
body = sys.argv[9].encode() if len(sys.argv) > 9 else b""
if body.startswith(b"@"):  # @FILE: the body is FILE's content (too long for an argument)
    with open(body[1:], "rb") as f:
        body = f.read()
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n"
if body:
    head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
request = head.encode() + b"\r\n" + body

socks, got = [], {}
for _ in range(count):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.connect((host, port))
    s.sendall(request)
    socks.append(s)
    got[s] = b""

end = time.monotonic() + seconds
while time.monotonic() < end:
    waiting = [s for s in socks if b"\r\n\r\n" not in got[s]]
    if not waiting:
        break
    ready, _, _ = select.select(waiting, [], [], max(0.0, end - time.monotonic()))
    for s in ready:
        data = s.recv(65536)
        got[s] += data if data else b"closed\r\n\r\n"
    time.sleep(0.05)  # the rest of a body that was on its way

codes, first = {}, None
for s in socks:
    if b"\r\n\r\n" not in got[s]:
        codes["pending"] = codes.get("pending", 0) + 1
        continue
    line = got[s].split(b"\r\n", 1)[0].split()
    code = line[1].decode() if len(line) > 1 else "closed"
    codes[code] = codes.get(code, 0) + 1
    if code != "200" and first is None:
        first = got[s].split(b"\r\n\r\n", 1)[1].decode(errors="replace")
with open(report + ".part", "w") as f:
    for code, n in sorted(codes.items()):
        f.write(f"{code} {n}\n")
    if first is not None:
        f.write(f"body {first}\n")
import os
os.rename(report + ".part", report)
try:
    sys.stdin.read()
except KeyboardInterrupt:
    pass
