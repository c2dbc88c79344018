#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every test twice,
# once plainly and once under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh

# Formatting is part of the contract (.clang-format); generated code is not ours.
if command -v clang-format >/dev/null; then
	git ls-files '*.c' '*.h' | xargs -r clang-format --dry-run -Werror
fi

# registryd/'s files include each other in one direction, never in a circle (issue 14).
python3 scripts/include_cycles.py

# The contract: proto/ may not break clients of the previous commit (buf, WIRE_JSON).
scripts/proto_breaking.sh

[ -f build/build.ninja ] || meson setup build
meson compile -C build
meson test -C build --print-errorlogs --num-processes 2

[ -f build-asan/build.ninja ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
meson compile -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 3

# A short libFuzzer run of every fuzz target (docs/fuzzing.md), where clang is installed.
# The unit suite above already replayed their corpora and regressions with gcc.
if command -v clang >/dev/null; then
	scripts/fuzz.sh "${STDREG_FUZZ_SECONDS:-10}"
fi
echo "stdreg: all tests passed (plain and sanitized)"
