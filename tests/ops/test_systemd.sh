#!/usr/bin/env bash
# systemd-analyze verify accepts the unit. verify checks that ExecStart's binary exists, so
# the test verifies a copy whose ExecStart names the built registryd. Skipped (77) without
# systemd-analyze.
set -euo pipefail
: "${UNIT:?}" "${REGISTRYD:?}"

command -v systemd-analyze >/dev/null || { echo "skip: no systemd-analyze"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

grep -q '^ExecStart=/.*/registryd ' "$UNIT" || { echo "FAIL: no absolute ExecStart in $UNIT" >&2; exit 1; }
for key in Type=exec DynamicUser=yes StateDirectory=stdreg ProtectSystem=strict ProtectHome=yes \
	PrivateTmp=yes PrivateDevices=yes NoNewPrivileges=yes 'CapabilityBoundingSet=' \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' SystemCallFilter=@system-service \
	KillSignal=SIGTERM TimeoutStopSec=30 Restart=on-failure LimitNOFILE=65536; do
	grep -qxF "$key" "$UNIT" || { echo "FAIL: $UNIT lacks '$key'" >&2; exit 1; }
done

sed -E "s|^ExecStart=[^ ]+|ExecStart=$REGISTRYD|" "$UNIT" >"$tmp/registryd.service"
# verify also loads the units it names (network.target, multi-user.target): present on any
# systemd system. Its output lists every problem; any output at all is a failure.
if ! out=$(systemd-analyze verify --man=no "$tmp/registryd.service" 2>&1); then
	echo "FAIL: systemd-analyze verify:" >&2
	echo "$out" >&2
	exit 1
fi
# Lines about other units on the host are not ours.
ours=$(grep -F 'registryd.service' <<<"$out" || true)
if [ -n "$ours" ]; then
	echo "FAIL: systemd-analyze verify warns:" >&2
	echo "$ours" >&2
	exit 1
fi
echo "ok: systemd-analyze verify accepts registryd.service"
