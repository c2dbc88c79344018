#!/usr/bin/env bash
# scripts/run.sh: --help has no side effects (no store, no token), and a first start on an
# empty store (revision 0, no principals) still makes the admin token and loads the demo.
# shellcheck source=../integration/lib.sh
source "$(dirname "$0")/../integration/lib.sh"
: "${RUN_SH:?RUN_SH must name scripts/run.sh}"
: "${BUILD_ROOT:?BUILD_ROOT must name the build directory}"
export STDREG_BUILD_DIR=$BUILD_ROOT

data=$TEST_TMP/store
expect_exit 0 "run.sh --help" -- "$RUN_SH" --help --data "$data"
expect_match "it prints its own usage" "$OUT" 'usage: scripts/run.sh'
expect_match "with the demo's switch" "$OUT" 'STDREG_NO_DEMO=1'
expect_match "it prints registryd's help" "$OUT" 'usage: registryd'
# Before anything is built (or installed) --help still answers, at once.
expect_exit 0 "run.sh --help before a build" -- env STDREG_BUILD_DIR="$TEST_TMP/no-build" "$RUN_SH" --help
expect_match "it says where registryd's options are" "$OUT" 'docs/registryd.8.scd'
[ -e "$TEST_TMP/no-build" ] && fail "run.sh --help built something" || pass
[ -e "$data" ] && fail "run.sh --help created '$data'" || pass
if grep -q 'STDREG_TOKEN' <<<"$OUT$ERR"; then fail "run.sh --help printed a token"; else pass; fi
expect_exit 0 "run.sh --check-config" -- "$RUN_SH" --check-config --data "$data"
[ -e "$data" ] && fail "run.sh --check-config created '$data'" || pass

# An empty store, as an interrupted first run leaves it: revision 0, no principals.
mkdir -p "$data"
expect_exit 0 "an empty store" -- "$REGISTRYD" token list --data "$data"
[ -e "$data/data.mdb" ] && pass || fail "no data.mdb in the empty store"

port=$((20000 + RANDOM % 30000))
"$RUN_SH" --data "$data" --listen "tcp://127.0.0.1:$port" --no-sync \
	>"$TEST_TMP/run.out" 2>"$TEST_TMP/run.err" &
run_pid=$!
areas=0
for _ in $(seq 1 200); do
	areas=$("$REGCTL" --endpoint "tcp://127.0.0.1:$port" area list -o json 2>/dev/null |
		jq length 2>/dev/null || echo 0)
	[ "$areas" -gt 0 ] && grep -q 'demo data set' "$TEST_TMP/run.err" && break
	kill -0 "$run_pid" 2>/dev/null || break
	sleep 0.1
done
expect_match "the first start on an empty store loads the demo" "$areas" '^[1-9][0-9]*$'
expect_match "and prints the admin token" "$(cat "$TEST_TMP/run.err")" 'export STDREG_TOKEN=srt_'
expect_match "and the web view's address" "$(cat "$TEST_TMP/run.err")" \
	'the web view is at http://127.0.0.1:7480/ \(English: http://127.0.0.1:7480/en/\)'
kill -TERM "$run_pid" 2>/dev/null || true
wait "$run_pid" 2>/dev/null || true

# The next start finds a store in use: no new token, no second demo load.
: >"$TEST_TMP/run.err"
"$RUN_SH" --data "$data" --listen "tcp://127.0.0.1:$port" --no-sync 2>"$TEST_TMP/run.err" &
run_pid=$!
for _ in $(seq 1 100); do
	grep -q 'msg=ready' "$TEST_TMP/run.err" && break
	sleep 0.1
done
if grep -q 'STDREG_TOKEN' "$TEST_TMP/run.err"; then fail "a second start printed a token"; else pass; fi
kill -TERM "$run_pid" 2>/dev/null || true
wait "$run_pid" 2>/dev/null || true

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
