#!/usr/bin/env bash
# Watch: from an old revision every change comes back in order; 50 concurrent watchers
# and a writer lose nothing; a watcher resumes after the daemon restarts.
. "$(dirname "$0")/lib.sh"
start_daemon

regctl area put ai --name "Artificial intelligence" --priority prioritised --rank 1 >/dev/null
start_rev=$(regctl area get ai -o json | jq -r .meta.mod_revision)

# Five changes after start_rev, then watch from start_rev: all five, in order.
for i in 1 2 3 4 5; do regctl area put "w$i" --name "Watched $i" --priority monitored >/dev/null; done
expect_exit 0 "watch from an old revision" -- timeout 10 "$REGCTL" watch --since "$start_rev" --count 5 -o jsonl
expect_eq "five changes" "$(grep -c '' <<<"$OUT")" "5"
expect_eq "in order" "$(jq -r .id <<<"$OUT" | tr '\n' ' ')" "w1 w2 w3 w4 w5 "
expect_eq "consecutive revisions" "$(jq -r .revision <<<"$OUT" | tr '\n' ' ')" "$(seq $((start_rev + 1)) $((start_rev + 5)) | tr '\n' ' ')"
expect_eq "the record after the change" "$(jq -r '.after.name' <<<"$OUT" | head -n 1)" "Watched 1"
expect_exit 0 "watch as a table" -- timeout 10 "$REGCTL" watch --since "$start_rev" --count 2
expect_match "table line: revision, op, kind, id, principal" "$(head -n 1 <<<"$OUT")" "^$((start_rev + 1)) +create +area +w1 +test-admin"
expect_exit 0 "watch filtered by kind" -- timeout 10 "$REGCTL" watch --since 0 --kind area --count 6 -o jsonl
expect_eq "kind filter" "$(jq -r .kind <<<"$OUT" | sort -u)" "area"

# 50 concurrent watchers while a writer makes 20 changes: each sees all 20, in order.
rev=$(regctl area get w5 -o json | jq -r .meta.mod_revision)
pids=()
for i in $(seq 1 50); do
	timeout 60 "$REGCTL" watch --since "$rev" --count 20 -o jsonl >"$TEST_TMP/watch.$i" 2>"$TEST_TMP/watch.$i.err" &
	pids+=($!)
done
for i in $(seq 1 20); do regctl area put "c$i" --name "Concurrent $i" --priority monitored >/dev/null; done
# Reads keep being served while 50 watches are parked.
expect_exit 0 "reads served with parked watches" -- regctl area get c1
ok=0
for i in $(seq 1 50); do
	wait "${pids[$((i - 1))]}" || true
	got=$(jq -r .id "$TEST_TMP/watch.$i" | tr '\n' ' ')
	[ "$got" == "$(seq -f 'c%g' 1 20 | tr '\n' ' ')" ] && ok=$((ok + 1))
done
expect_eq "all 50 watchers saw all 20 changes in order" "$ok" "50"

# A watcher resumes after the daemon restarts, without losing or repeating a change.
rev=$(regctl area get c20 -o json | jq -r .meta.mod_revision)
timeout 60 "$REGCTL" watch --since "$rev" --count 4 -o jsonl >"$TEST_TMP/resume" 2>/dev/null &
wpid=$!
regctl area put r1 --name "Resume 1" --priority monitored >/dev/null
regctl area put r2 --name "Resume 2" --priority monitored >/dev/null
sleep 0.5
port=${ENDPOINT##*:}
stop_daemon
"$REGISTRYD" --data "$TEST_TMP/data" --listen "tcp://127.0.0.1:$port" --no-sync 2>>"$TEST_TMP/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 1 100); do regctl area get r1 >/dev/null 2>&1 && break; sleep 0.1; done
regctl area put r3 --name "Resume 3" --priority monitored >/dev/null
regctl area put r4 --name "Resume 4" --priority monitored >/dev/null
wait "$wpid" || true
expect_eq "resumed across a restart" "$(jq -r .id "$TEST_TMP/resume" | tr '\n' ' ')" "r1 r2 r3 r4 "

finish
