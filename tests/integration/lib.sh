# Shared helpers of the integration tests: a real registryd on a free port with its own
# temporary data directory, driven through regctl. Source it from a test script.
#
# Needs REGISTRYD and REGCTL (paths to the built binaries), set by meson.
set -euo pipefail

: "${REGISTRYD:?REGISTRYD must name the registryd binary}"
: "${REGCTL:?REGCTL must name the regctl binary}"

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/stdreg-test.XXXXXX")
DAEMON_PID=
ADMIN_SEQ=0
failures=0
checks=0

cleanup() {
	local rc=$?
	stop_daemon || true
	# A failed run shows what the daemon said (a sanitizer's report included): the temporary
	# directory and its log go with the run.
	if { [ "$rc" -ne 0 ] || [ "$failures" -gt 0 ]; } && [ -s "$TEST_TMP/daemon.log" ]; then
		echo "--- last lines of registryd's log ---" >&2
		tail -n 60 "$TEST_TMP/daemon.log" >&2
	fi
	rm -rf "$TEST_TMP"
}
trap cleanup EXIT

# start_daemon [extra registryd args...]: starts registryd on tcp://127.0.0.1:0 and sets
# ENDPOINT to the address it bound; the daemon's log goes to $TEST_TMP/daemon.log.
# With KEEP_TOKEN=1 it makes no new admin principal (the store is opened first by the
# daemon itself) and the tests go on with STDREG_TOKEN.
start_daemon() {
	mkdir -p "$TEST_TMP/data"
	: >"$TEST_TMP/daemon.log"
	# Writes need a principal: the tests act as an admin unless they say otherwise.
	# (Counted out here: an increment inside $(...) would be lost with its subshell.)
	if [ -z "${KEEP_TOKEN:-}" ]; then
		ADMIN_SEQ=$((ADMIN_SEQ + 1))
		STDREG_TOKEN=$("$REGISTRYD" token create --role admin \
			--name "test-admin-$ADMIN_SEQ" --data "$TEST_TMP/data")
		export STDREG_TOKEN
	fi
	"$REGISTRYD" --data "$TEST_TMP/data" --listen tcp://127.0.0.1:0 --no-sync "$@" \
		2>>"$TEST_TMP/daemon.log" &
	DAEMON_PID=$!
	for _ in $(seq 1 100); do
		if grep -q 'msg=ready' "$TEST_TMP/daemon.log"; then
			ENDPOINT=$(grep -o 'msg=listening url=tcp://[^ ]*' "$TEST_TMP/daemon.log" | head -n 1 | sed 's/.*url=//')
			export STDREG_ENDPOINT="$ENDPOINT"
			return 0
		fi
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "registryd did not start:" >&2
	cat "$TEST_TMP/daemon.log" >&2
	exit 1
}

# stop_daemon: SIGTERM, then up to 20 s for a clean stop; a daemon that hangs is a failure
# (its threads' stacks go to the test log) and is killed.
stop_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null || true
	for _ in $(seq 1 200); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		fail "registryd did not stop within 20 s of SIGTERM"
		command -v gdb >/dev/null && gdb -p "$DAEMON_PID" -batch -ex 'thread apply all bt' >&2 2>/dev/null
		kill -KILL "$DAEMON_PID" 2>/dev/null || true
	fi
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
}

daemon_alive() {
	[ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null
}

regctl() {
	"$REGCTL" "$@"
}

pass() { checks=$((checks + 1)); }
fail() {
	checks=$((checks + 1))
	failures=$((failures + 1))
	echo "FAIL: $*" >&2
}

# expect_exit CODE DESCRIPTION -- command...: runs the command and checks its exit status;
# its stdout is in $OUT and its stderr in $ERR afterwards.
expect_exit() {
	local want=$1 what=$2
	shift 3
	set +e
	OUT=$("$@" 2>"$TEST_TMP/stderr")
	local got=$?
	set -e
	ERR=$(cat "$TEST_TMP/stderr")
	if [ "$got" -eq "$want" ]; then
		pass
	else
		fail "$what: exit $got, want $want (stderr: $ERR)"
	fi
}

# expect_eq DESCRIPTION GOT WANT
expect_eq() {
	if [ "$2" == "$3" ]; then
		pass
	else
		fail "$1: got '$2', want '$3'"
	fi
}

# expect_match DESCRIPTION TEXT REGEX
expect_match() {
	if [[ "$2" =~ $3 ]]; then
		pass
	else
		fail "$1: '$2' does not match /$3/"
	fi
}

# expect_one_line DESCRIPTION TEXT: an error message is exactly one line
expect_one_line() {
	local n
	n=$(printf '%s' "$2" | grep -c '' || true)
	if [ "$n" -eq 1 ]; then pass; else fail "$1: $n lines: $2"; fi
}

# A digest of the whole store as the registry exports it, to show nothing changed.
store_digest() {
	"$REGCTL" area list -o json && "$REGCTL" body list -o json &&
		"$REGCTL" agency list -o json && "$REGCTL" item list -o json
}

finish() {
	# (A daemon the test stopped itself, with stop_daemon, has no pid left to ask.)
	if [ -n "$DAEMON_PID" ] && ! daemon_alive; then
		fail "registryd died during the test"
		cat "$TEST_TMP/daemon.log" >&2
	fi
	echo "$checks checks, $failures failed"
	[ "$failures" -eq 0 ]
}
