#!/usr/bin/env bash
# TLS: registryd on tls+tcp:// with a throw-away CA made here (nothing is checked in); regctl
# trusts it with --cacert, refuses a server signed by another CA, and with --tls-ca on the
# server a client needs a certificate of that CA.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "openssl is needed"; exit 1; }

pki="$TEST_TMP/pki"
mkdir -p "$pki"
# ca NAME: a self-signed CA; leaf NAME CA [EXTENSION...]: a key and a certificate signed by
# CA, with the extensions given (openssl x509 -extfile lines).
ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
		-keyout "$pki/$1.key" -out "$pki/$1.crt" 2>/dev/null
}
leaf() {
	local name=$1 signer=$2
	shift 2
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" \
		-keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
	printf '%s\n' "$@" >"$pki/$name.ext"
	openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$signer.crt" -CAkey "$pki/$signer.key" \
		-CAcreateserial -days 2 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
}
ca test-ca
ca other-ca
leaf server test-ca "subjectAltName=IP:127.0.0.1,DNS:localhost" "extendedKeyUsage=serverAuth"
leaf client test-ca "extendedKeyUsage=clientAuth"
leaf rogue other-ca "extendedKeyUsage=clientAuth"
# Impostors, each signed by the right CA: a client's certificate (what a user holds), a
# server certificate that names only localhost, and one without the serverAuth usage.
leaf anna test-ca "extendedKeyUsage=clientAuth"
leaf dnsonly test-ca "subjectAltName=DNS:localhost" "extendedKeyUsage=serverAuth"
leaf nousage test-ca "subjectAltName=IP:127.0.0.1,DNS:localhost"

# tls_endpoint: the tls+tcp:// URL the daemon bound (start_daemon's ENDPOINT is its tcp one).
tls_endpoint() {
	grep -o 'msg=listening url=tls+tcp://[^ ]*' "$TEST_TMP/daemon.log" | head -n 1 | sed 's/.*url=//'
}

# --- server certificate only -------------------------------------------------------
start_daemon --listen tls+tcp://127.0.0.1:0 --tls-cert "$pki/server.crt" --tls-key "$pki/server.key"
TLS=$(tls_endpoint)
expect_match "tls listener logged" "$TLS" '^tls\+tcp://127\.0\.0\.1:[0-9]+$'
port=${TLS##*:}

expect_exit 0 "write over TLS with the right CA" -- regctl --endpoint "$TLS" --cacert "$pki/test-ca.crt" area put ai --name "Artificial intelligence" --priority prioritised --rank 1
expect_exit 0 "read over TLS (STDREG_CACERT)" -- env STDREG_CACERT="$pki/test-ca.crt" "$REGCTL" --endpoint "$TLS" area get ai -o json
expect_eq "read back" "$(jq -r .name <<<"$OUT")" "Artificial intelligence"
expect_exit 0 "by DNS name: the certificate names localhost" -- regctl --endpoint "tls+tcp://localhost:$port" --cacert "$pki/test-ca.crt" whoami -o json
expect_eq "whoami over TLS" "$(jq -r .role <<<"$OUT")" "admin"

expect_exit 3 "a server signed by another CA is refused" -- regctl --endpoint "$TLS" --cacert "$pki/other-ca.crt" area list
expect_match "says the TLS handshake failed" "$ERR" "cannot connect to 'tls\+tcp://127\.0\.0\.1:$port' \(TLS handshake failed: .*; check --cacert, --cert and --key\)"
expect_one_line "one line" "$ERR"
expect_exit 2 "no CA given" -- regctl --endpoint "$TLS" area list
expect_match "asks for --cacert" "$ERR" "needs the CA certificate of the server \(--cacert or STDREG_CACERT\)"
expect_exit 2 "unreadable CA file" -- regctl --endpoint "$TLS" --cacert "$pki/missing.crt" area list
expect_match "names the file" "$ERR" "cannot read --cacert '.*missing.crt'"
expect_exit 2 "--cert without --key" -- regctl --endpoint "$TLS" --cacert "$pki/test-ca.crt" --cert "$pki/client.crt" area list
# A client speaking plain TCP to the TLS port does not get in either.
expect_exit 3 "plain tcp to the TLS port" -- regctl --endpoint "tcp://127.0.0.1:$port" --timeout 1000 area list
expect_match "hints at tls+tcp://" "$ERR" "cannot connect to 'tcp://127\.0\.0\.1:$port' \(.*a TLS port\? use tls\+tcp://\)"
expect_exit 2 "an endpoint without a scheme" -- regctl --endpoint "127.0.0.1:$port" area list
expect_match "hints at tcp://HOST:PORT" "$ERR" "cannot use endpoint '127\.0\.0\.1:$port' \(no scheme; use tcp://HOST:PORT"
# Failed handshakes are logged by the daemon, with the peer's address.
expect_match "failed handshake logged" "$(cat "$TEST_TMP/daemon.log")" 'msg="?tls handshake failed"? peer=127\.0\.0\.1:[0-9]+ error='

# Cipher suites: ECDHE with AEAD only (openssl s_client as a client that asks for others).
if command -v timeout >/dev/null; then
	for weak in AES128-SHA AES256-GCM-SHA384 ECDHE-RSA-AES128-SHA ECDHE-RSA-AES128-SHA256 DHE-RSA-AES128-GCM-SHA256; do
		expect_exit 1 "suite $weak refused" -- timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_2 -cipher "$weak" -CAfile "$pki/test-ca.crt" </dev/null
	done
	for good in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305; do
		expect_exit 0 "suite $good accepted" -- timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_2 -cipher "$good" -CAfile "$pki/test-ca.crt" -verify_return_error </dev/null
		expect_match "negotiated $good" "$OUT" "Cipher is $good"
	done
	expect_exit 1 "TLS 1.1 refused" -- timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' </dev/null
fi
stop_daemon

# --- client certificates required (--tls-ca) ----------------------------------------
start_daemon --listen tls+tcp://127.0.0.1:0 --tls-cert "$pki/server.crt" --tls-key "$pki/server.key" --tls-ca "$pki/test-ca.crt"
TLS=$(tls_endpoint)
expect_exit 3 "a client without a certificate is refused" -- regctl --endpoint "$TLS" --cacert "$pki/test-ca.crt" area list
expect_match "why" "$ERR" "TLS handshake failed"
expect_exit 3 "a client certificate of another CA is refused" -- regctl --endpoint "$TLS" --cacert "$pki/test-ca.crt" --cert "$pki/rogue.crt" --key "$pki/rogue.key" area list
expect_exit 0 "a client with a certificate of the CA gets in" -- regctl --endpoint "$TLS" --cacert "$pki/test-ca.crt" --cert "$pki/client.crt" --key "$pki/client.key" area get ai -o json
expect_eq "and reads" "$(jq -r .id <<<"$OUT")" "ai"
expect_exit 0 "certificate from the environment" -- env STDREG_CACERT="$pki/test-ca.crt" STDREG_CERT="$pki/client.crt" STDREG_KEY="$pki/client.key" "$REGCTL" --endpoint "$TLS" area put cyber --name Cybersecurity --priority prioritised --rank 2
stop_daemon

# --- the server's identity: by address, an IP SAN; and the serverAuth usage -------------
# impostor CERT: a daemon on 127.0.0.1 presenting CERT (signed by the CA the client trusts).
impostor() {
	start_daemon --listen tls+tcp://127.0.0.1:0 --tls-cert "$pki/$1.crt" --tls-key "$pki/$1.key"
	TLS=$(tls_endpoint)
	port=${TLS##*:}
}
impostor anna
expect_exit 3 "a client certificate (CN=anna) is no server's" -- regctl --endpoint "$TLS" --cacert "$pki/test-ca.crt" whoami
expect_match "refused in the handshake" "$ERR" "TLS handshake failed"
stop_daemon
impostor nousage
expect_exit 3 "a certificate without the serverAuth usage is refused" -- regctl --endpoint "$TLS" --cacert "$pki/test-ca.crt" whoami
stop_daemon
impostor dnsonly
expect_exit 3 "by address, a certificate without that IP SAN is refused" -- regctl --endpoint "$TLS" --cacert "$pki/test-ca.crt" whoami
expect_exit 0 "by the name it holds, it is accepted" -- regctl --endpoint "tls+tcp://localhost:$port" --cacert "$pki/test-ca.crt" whoami
stop_daemon

# --- start-up refusals ---------------------------------------------------------------
expect_exit 2 "tls+tcp without a certificate" -- "$REGISTRYD" --data "$TEST_TMP/data" --listen tls+tcp://127.0.0.1:0
expect_match "says what is missing" "$ERR" "needs --tls-cert and --tls-key"
expect_exit 1 "a key that is not PEM" -- "$REGISTRYD" --data "$TEST_TMP/data" --listen tls+tcp://127.0.0.1:0 --tls-cert "$pki/server.crt" --tls-key "$pki/server.csr"
expect_match "logged" "$ERR" 'cannot load --tls-cert/--tls-key'

start_daemon
finish
