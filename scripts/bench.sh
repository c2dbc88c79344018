#!/bin/sh
# Builds the release tree and runs stdreg-bench with the given arguments, e.g.
#   scripts/bench.sh --items 10000 --json bench.json
#   scripts/bench.sh --items 10000 --scale 1000000
# The peers it measures against come from Debian: etcd-server (etcd, through its JSON
# gateway) and libgrpc-dev (gRPC's C library, for etcd's native API); missing ones are
# installed first (apt-get, as root or through sudo). The numbers belong in
# docs/performance.md with the machine they came from.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-release"

missing=""
for p in etcd-server libgrpc-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "stdreg: installing$missing" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
		$missing >/dev/null
fi
if [ ! -d "$build" ]; then
	meson setup "$build" "$root" -Dbuildtype=release
elif [ -n "$missing" ]; then
	meson setup --reconfigure "$build" "$root" >/dev/null # finds gRPC now
fi
ninja -C "$build" registryd/registryd client/regctl tests/bench/stdreg-bench tests/bench/stdreg-gen
exec "$build/tests/bench/stdreg-bench" "$@"
