#!/usr/bin/env bash
# A host name with several addresses: with Debian's default /etc/hosts, "localhost" is ::1
# first and then 127.0.0.1. A daemon on 127.0.0.1 must be reached by that name over tcp://
# and tls+tcp:// (the second address is tried; TLS checks the name), and when nothing
# answers, the error says what each address answered. The hosts file is bound over
# /etc/hosts in a private mount namespace (unshare -m); where that cannot be set up (not
# root, no unshare), the test is skipped (exit 77).
set -euo pipefail

if [ -z "${STDREG_HOSTS_NS:-}" ]; then
	hosts='127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n'
	# The hosts file is unlinked once bound: the mount keeps it.
	# shellcheck disable=SC2016
	if ! unshare -m true 2>/dev/null ||
		! unshare -m bash -c 'h=$(mktemp) && printf "'"$hosts"'" >"$h" &&
			mount --bind "$h" /etc/hosts && rm -f "$h" && getent ahosts localhost' >/dev/null 2>&1; then
		echo "skipped: cannot bind a hosts file over /etc/hosts in a private mount namespace (needs root and unshare -m)"
		exit 77
	fi
	exec unshare -m bash -c 'h=$(mktemp) && printf "'"$hosts"'" >"$h" &&
		mount --bind "$h" /etc/hosts && rm -f "$h" &&
		STDREG_HOSTS_NS=1 exec bash "$0"' "$0"
fi

. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null || { echo "openssl is needed"; exit 1; }
first=$(getent ahosts localhost | awk 'NR == 1 { print $1 }')
if [ "$first" != "::1" ]; then
	echo "skipped: localhost resolves to $first first here, not ::1"
	exit 77
fi

pki="$TEST_TMP/pki"
mkdir -p "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=hosts-ca" \
	-keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
	-keyout "$pki/server.key" -out "$pki/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$pki/server.ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
	-CAcreateserial -days 2 -extfile "$pki/server.ext" -out "$pki/server.crt" 2>/dev/null

start_daemon --listen tls+tcp://127.0.0.1:0 --tls-cert "$pki/server.crt" --tls-key "$pki/server.key"
port=${ENDPOINT##*:}
tls_port=$(grep -o 'msg=listening url=tls+tcp://[^ ]*' "$TEST_TMP/daemon.log" | head -n 1 | sed 's/.*://')

expect_exit 0 "tcp://localhost reaches the daemon on 127.0.0.1" -- regctl --endpoint "tcp://localhost:$port" --timeout 3000 whoami -o json
expect_eq "and answers" "$(jq -r .role <<<"$OUT")" "admin"
expect_exit 0 "tls+tcp://localhost too, the certificate checked against the name" -- regctl --endpoint "tls+tcp://localhost:$tls_port" --cacert "$pki/ca.crt" --timeout 3000 area list
stop_daemon

expect_exit 3 "nothing listening" -- regctl --endpoint "tcp://localhost:$port" --timeout 2000 area list
expect_match "each address's answer" "$ERR" "cannot connect to 'tcp://localhost:$port' \(::1: connection refused; 127\.0\.0\.1: connection refused\)"
expect_one_line "one line" "$ERR"
# watch retries a lost connection, but a daemon that never answered fails it at once.
started=$(date +%s)
expect_exit 3 "watch with nothing listening" -- timeout 20 "$REGCTL" --endpoint "tcp://localhost:$port" --timeout 2000 watch
expect_match "at once" "$(($(date +%s) - started))" '^[0-3]$'
expect_match "why" "$ERR" "cannot connect to 'tcp://localhost:$port'"

start_daemon
finish
