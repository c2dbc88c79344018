#!/usr/bin/env bash
# TLS peers that go away in the middle of the handshake: each sends a ClientHello and resets
# the connection at once (what a client that exits mid-handshake does: a refused regctl whose
# background dialer had just reconnected). registryd reads the ClientHello, then writes its
# answer to a connection that is gone. That write used to fail with EPIPE, which nng 1.5.2
# reports as NNG_ECLOSED and its listener takes for its own close: it stopped accepting, and
# every later client connected, completed the handshake and got no reply (docs/hardening.md,
# "TLS peers that go away mid-handshake"). Clients with a good certificate must be answered
# after each batch.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "openssl is needed"; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed"; exit 1; }

pki="$TEST_TMP/pki"
mkdir -p "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=test-ca" \
	-keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
# leaf NAME EXTENSION...: a key and a certificate signed by the CA.
leaf() {
	local name=$1
	shift
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" \
		-keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
	printf '%s\n' "$@" >"$pki/$name.ext"
	openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
		-CAcreateserial -days 2 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
}
leaf server "subjectAltName=IP:127.0.0.1" "extendedKeyUsage=serverAuth"
leaf client "extendedKeyUsage=clientAuth"

# resets HOST PORT N: N connections that each send a TLS 1.2 ClientHello and reset at once.
resets() {
	python3 - "$@" <<'PY'
import socket, ssl, struct, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
for _ in range(n):
    hello = ssl.MemoryBIO()
    tls = ctx.wrap_bio(ssl.MemoryBIO(), hello)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    s = socket.create_connection((host, port))
    s.sendall(hello.read())
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
PY
}

tls_endpoint() {
	grep -o 'msg=listening url=tls+tcp://[^ ]*' "$TEST_TMP/daemon.log" | head -n 1 | sed 's/.*url=//'
}

start_daemon --listen tls+tcp://127.0.0.1:0 --tls-cert "$pki/server.crt" --tls-key "$pki/server.key" --tls-ca "$pki/ca.crt"
TLS=$(tls_endpoint)
port=${TLS##*:}
good=(--endpoint "$TLS" --cacert "$pki/ca.crt" --cert "$pki/client.crt" --key "$pki/client.key")
expect_exit 0 "a client with a certificate is answered" -- regctl "${good[@]}" whoami

# Batches of 200 resets, four peers at a time; before the fix the listener stopped accepting
# in every run (12 of 12, 4 of them under ASan + UBSan), 9 times in the first batch.
for round in 1 2 3; do
	pids=()
	for _ in 1 2 3 4; do
		resets 127.0.0.1 "$port" 50 &
		pids+=($!)
	done
	wait "${pids[@]}" # (not a bare wait: the daemon is a child too)
	expect_exit 0 "answered after $((round * 200)) resets mid-handshake" -- \
		regctl "${good[@]}" --timeout 5000 whoami
	[ "$failures" -eq 0 ] || break
done
finish
