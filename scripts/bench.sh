#!/bin/sh
# Builds the release tree and runs stdreg-bench with the given arguments, e.g.
#   scripts/bench.sh --items 10000 --json bench.json
#   scripts/bench.sh --items 10000 --scale 1000000
# The numbers belong in docs/performance.md with the machine they came from.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-release"
if [ ! -d "$build" ]; then
	meson setup "$build" "$root" -Dbuildtype=release
fi
ninja -C "$build" registryd/registryd client/regctl tests/bench/stdreg-bench tests/bench/stdreg-gen
exec "$build/tests/bench/stdreg-bench" "$@"
