#!/usr/bin/env bash
# ipc:// peers that connect and close at once: raw connect-and-close clients, and a second
# registryd started on the same ipc path (its stale-socket check connects to the live daemon
# and closes). Either used to leave the daemon's ipc listener accepting nobody for good
# (nng 1.5.2; see docs/hardening.md); the daemon must answer over ipc afterwards. With the
# daemon stopped (SIGSTOP) while such peers come and go, it happens every time.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 is needed"; exit 1; }

SOCK="$TEST_TMP/sock"
IPC="ipc://$SOCK"

# ipc_call ARGS...: regctl ARGS over ipc until it succeeds, trying for up to about 20 s (the
# daemon notices a listener that stopped accepting within a few seconds and restarts it,
# which resets the connections it had: a call in flight then fails, and is tried again). Its
# output is in $OUT.
ipc_call() {
	local i
	for i in $(seq 1 10); do
		if OUT=$("$REGCTL" --endpoint "$IPC" --timeout 2000 "$@" 2>/dev/null); then
			[ "$i" -eq 1 ] || echo "ipc answered at try $i" >&2
			return 0
		fi
		sleep 0.2
	done
	return 1
}

answers_ipc() {
	ipc_call area list -o json >/dev/null
}

# connect_close N: N raw AF_UNIX connections to the socket, each closed at once.
connect_close() {
	python3 - "$SOCK" "$1" <<'EOF'
import socket, sys
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.close()
EOF
}

start_daemon --listen "$IPC"
expect_exit 0 "answers over ipc" -- regctl --endpoint "$IPC" area put ai --name "Artificial intelligence" --priority prioritised --rank 1

# The daemon probes its ipc listener every second: a listener that accepts is left alone.
sleep 2.5
expect_eq "no restart while the listener accepts" "$(grep -c 'stopped accepting' "$TEST_TMP/daemon.log" || true)" "0"

connect_close 50
if answers_ipc; then pass; else fail "no answer over ipc after 50 raw connect-and-close peers"; fi

# second_daemon WHAT: another registryd on the same ipc path must fail (its data directory is
# a new one each time).
n_other=0
second_daemon() {
	n_other=$((n_other + 1))
	mkdir -p "$TEST_TMP/other$n_other"
	expect_exit 1 "$1: a second registryd on the same ipc path fails" -- \
		"$REGISTRYD" --data "$TEST_TMP/other$n_other" --listen "$IPC" --no-sync
	expect_match "$1: address in use" "$ERR" 'msg="cannot listen" url=ipc://.* error="Address in use"'
}

second_daemon "running"
if answers_ipc; then pass; else fail "no answer over ipc after a second registryd"; fi

# The same with this daemon stopped meanwhile, so that the second one's check (and a few raw
# peers) have closed their connections before this one accepts them: the early close every
# time, not only when it wins the race. The listener may be one the daemon restarted.
kill -STOP "$DAEMON_PID"
second_daemon "stopped"
connect_close 5
kill -CONT "$DAEMON_PID"
if answers_ipc; then pass; else fail "no answer over ipc after peers that closed before accept"; fi

if ipc_call area get ai -o json; then pass; else fail "no answer over ipc to a get"; fi
expect_eq "read back" "$(jq -r .name <<<"$OUT")" "Artificial intelligence"
expect_exit 0 "tcp still answers" -- regctl area get ai
expect_match "the stuck listener was restarted" "$(grep -c 'ipc listener stopped accepting; restarting it' "$TEST_TMP/daemon.log" || true)" '^[1-9]'
stop_daemon
expect_eq "the socket file is removed at exit" "$([ -e "$SOCK" ] && echo present || echo gone)" "gone"
start_daemon --listen "$IPC"
expect_exit 0 "a new daemon listens on the path again" -- regctl --endpoint "$IPC" area get ai
finish
