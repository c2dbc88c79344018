"""Hostile peers against a live registryd over raw TCP (SP over TCP, hand-made protobuf), for
test_hostile_peers.sh. Each mode prints what it saw, one "key=value" per line.

  idle HOST PORT SRC N          N connections from source address SRC, each sending only
                                the SP header; then how many the daemon closed at once and
                                how many after 4 s more
  watches HOST PORT N           N anonymous Watch requests of about 4 MB (350 000 ids) at
                                once ("sending" first, when the requests are built);
                                the status code of each reply
  metadata HOST PORT            one envelope of an unknown method with 2 M empty metadata
                                entries; the status code of its reply
"""
import socket
import struct
import sys
import threading
import time

SP_REQ_HEADER = b"\x00SP\x00\x00\x30\x00\x00"


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, wire, data):
    if wire == 0:
        return varint(num << 3) + varint(data)
    return varint(num << 3 | 2) + varint(len(data)) + data


def connect(host, port, src=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.connect((host, port))
    s.sendall(SP_REQ_HEADER)
    return s


def call(host, port, body, timeout=30):
    """Sends one REQ message with body; returns the status code of the Response (or -1)."""
    s = connect(host, port)
    s.settimeout(timeout)
    try:
        hdr = b""
        while len(hdr) < 8:
            chunk = s.recv(8 - len(hdr))
            if not chunk:
                return -1
            hdr += chunk
        msg = struct.pack(">I", 0x80000001) + body
        s.sendall(struct.pack(">Q", len(msg)) + msg)
        n = b""
        while len(n) < 8:
            chunk = s.recv(8 - len(n))
            if not chunk:
                return -1
            n += chunk
        size = struct.unpack(">Q", n)[0]
        data = b""
        while len(data) < size:
            chunk = s.recv(size - len(data))
            if not chunk:
                return -1
            data += chunk
        return status_code(data[4:])
    except OSError:
        return -1
    finally:
        s.close()


def parse(buf):
    """Top-level fields of a message: {number: [value, ...]}."""
    i, out = 0, {}
    while i < len(buf):
        tag, i = read_varint(buf, i)
        num, wire = tag >> 3, tag & 7
        if wire == 0:
            v, i = read_varint(buf, i)
        elif wire == 2:
            n, i = read_varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wire == 1:
            v, i = buf[i:i + 8], i + 8
        else:
            v, i = buf[i:i + 4], i + 4
        out.setdefault(num, []).append(v)
    return out


def read_varint(buf, i):
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def status_code(resp):
    status = parse(resp).get(2)  # Response.status
    if not status:
        return 0
    return parse(status[0]).get(1, [0])[0]


def mode_idle(host, port, src, n):
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(host, port, src))
        except OSError:
            break
    print("opened=%d" % len(socks), flush=True)
    time.sleep(1.5)
    print("closed_at_once=%d" % count_closed(socks))
    time.sleep(3)
    print("closed_after_4s=%d" % count_closed(socks))
    for s in socks:
        s.close()


def count_closed(socks):
    closed = 0
    for s in socks:
        s.setblocking(False)
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    closed += 1
                    break
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    return closed


def mode_watches(host, port, n):
    ids = b"".join(field(3, 2, b"id-%06d" % i) for i in range(350000))
    payload = field(4, 0, 20000) + ids
    body = field(1, 2, b"/stdreg.v1.Registry/Watch") + field(2, 0, 1) + field(6, 2, payload)
    codes = [None] * n

    def one(k):
        codes[k] = call(host, port, body)

    threads = [threading.Thread(target=one, args=(k,)) for k in range(n)]
    print("sending", flush=True)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("codes=%s" % ",".join(str(c) for c in codes))


def mode_metadata(host, port):
    body = field(1, 2, b"/nope") + field(2, 0, 1) + b"\x2a\x00" * ((2 << 20) - 1000)
    print("code=%d" % call(host, port, body))


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "idle":
        mode_idle(host, port, sys.argv[4], int(sys.argv[5]))
    elif mode == "watches":
        mode_watches(host, port, int(sys.argv[4]))
    else:
        mode_metadata(host, port)


if __name__ == "__main__":
    main()
