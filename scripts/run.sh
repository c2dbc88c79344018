#!/usr/bin/env bash
# Builds stdreg if needed and runs registryd on the embedded default store
# (./stdreg-data, tcp://127.0.0.1:7420). Extra arguments go to registryd.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
meson compile -C build >/dev/null
echo "stdreg: regctl is build/client/regctl (export PATH=\"$PWD/build/client:\$PATH\")" >&2
exec build/registryd/registryd "$@"
