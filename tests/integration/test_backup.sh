#!/usr/bin/env bash
# Hot backup, restore and the offline check: the demo data backed up from a live daemon,
# restored into a new data directory, checked, and served by a daemon that exports the same
# records; restore refuses a non-empty store without --force and a file that is no store.
. "$(dirname "$0")/lib.sh"
: "${DEMO:?DEMO must name the demo data set}"

export_sorted() { "$REGCTL" export | sort; }

start_daemon
expect_exit 0 "load the demo" -- regctl apply -f "$DEMO"
expect_exit 0 "export the original" -- export_sorted
original=$OUT
[ -n "$original" ] && pass || fail "the demo export is empty"

# --- backup ---------------------------------------------------------------------------
expect_exit 0 "backup" -- regctl backup "$TEST_TMP/registry.bak"
expect_match "backup prints its revision" "$OUT" "^backup '.*registry.bak': revision [0-9]+, [0-9]+ bytes$"
backup_rev=$(sed -E 's/.*revision ([0-9]+),.*/\1/' <<<"$OUT")
expect_eq "no .part left behind" "$(ls "$TEST_TMP" | grep -c '\.part$' || true)" "0"
expect_eq "no copy left in the data directory" "$(ls "$TEST_TMP/data" | grep -c '^backup-' || true)" "0"
expect_eq "backup file is private" "$(stat -c %a "$TEST_TMP/registry.bak")" "600"
expect_exit 0 "backup as json" -- regctl -o json backup "$TEST_TMP/registry2.bak"
expect_eq "json revision" "$(jq -r .revision <<<"$OUT")" "$backup_rev"
expect_exit 2 "backup without FILE" -- regctl backup
# Backups are for admins only.
reader=$("$REGISTRYD" token create --role reader --name backup-reader --data "$TEST_TMP/data")
expect_exit 8 "a reader may not back up" -- env STDREG_TOKEN="$reader" "$REGCTL" backup "$TEST_TMP/no.bak"
expect_eq "refused backup leaves no file" "$(ls "$TEST_TMP" | grep -c '^no\.bak' || true)" "0"
expect_exit 8 "anonymous may not back up" -- env STDREG_TOKEN= "$REGCTL" backup "$TEST_TMP/no.bak"

# A write after the backup is not in it.
expect_exit 0 "write after the backup" -- regctl area put after-backup --name "After" --priority monitored --rank 99

# The live store checks clean beside the running daemon.
expect_exit 0 "check the live store" -- "$REGISTRYD" check --data "$TEST_TMP/data"
expect_match "check says consistent" "$OUT" "is consistent: revision [0-9]+"

# --- restore into a new data directory --------------------------------------------------
expect_exit 0 "restore into a new directory" -- "$REGISTRYD" restore --data "$TEST_TMP/restored" "$TEST_TMP/registry.bak"
expect_match "restore names the revision" "$OUT" "revision $backup_rev,"
expect_exit 0 "check the restored store" -- "$REGISTRYD" check --data "$TEST_TMP/restored"
expect_match "restored store at the backup's revision" "$OUT" "revision $backup_rev,"
expect_eq "no staging left" "$(ls "$TEST_TMP/restored" | grep -c 'restore.part' || true)" "0"

# Restore refuses: a non-empty store without --force, a store in use, a file that is no store.
expect_exit 1 "restore onto a non-empty store" -- "$REGISTRYD" restore --data "$TEST_TMP/restored" "$TEST_TMP/registry2.bak"
expect_match "says why" "$ERR" "use --force"
expect_exit 1 "restore onto the store of a running daemon" -- "$REGISTRYD" restore --force --data "$TEST_TMP/data" "$TEST_TMP/registry.bak"
expect_match "says it is in use" "$ERR" "stop registryd first"
head -c 100000 /dev/urandom >"$TEST_TMP/junk.bak"
expect_exit 1 "restore a file that is not a store" -- "$REGISTRYD" restore --force --data "$TEST_TMP/restored" "$TEST_TMP/junk.bak"
expect_match "says not a store" "$ERR" "not a consistent stdreg store"
expect_exit 0 "the refused restore left the store as it was" -- "$REGISTRYD" check --data "$TEST_TMP/restored"
expect_exit 0 "restore with --force" -- "$REGISTRYD" restore --force --data "$TEST_TMP/restored" "$TEST_TMP/registry2.bak"
expect_exit 2 "restore without FILE" -- "$REGISTRYD" restore --data "$TEST_TMP/restored"

# --- a daemon on the restored store serves the same records --------------------------
stop_daemon
mv "$TEST_TMP/data" "$TEST_TMP/original"
mv "$TEST_TMP/restored" "$TEST_TMP/data"
start_daemon
expect_exit 0 "export the restored" -- export_sorted
expect_eq "restored export equals the original" "$OUT" "$original"
expect_exit 4 "the write after the backup is not in it" -- regctl area get after-backup
expect_exit 0 "the restored store takes writes" -- regctl area put after-restore --name "After restore" --priority monitored --rank 98
expect_exit 0 "history survives" -- regctl history area ai -o json
expect_match "history has entries" "$(jq length <<<"$OUT")" '^[1-9]'
stop_daemon
expect_exit 0 "check after writes" -- "$REGISTRYD" check --data "$TEST_TMP/data"
expect_exit 1 "check of a directory without a store" -- "$REGISTRYD" check --data "$TEST_TMP/nothing"

# --- a killed daemon: its last writes wait in the commit log (store/wal.c) --------------
kill_daemon() {
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
}
start_daemon
expect_exit 0 "a write just before a kill" -- regctl area put before-kill --name "Before the kill" --priority monitored --rank 97
kill_daemon
expect_exit 1 "check refuses a store with writes to recover" -- "$REGISTRYD" check --data "$TEST_TMP/data"
expect_match "check says how to recover them" "$ERR" "until registryd starts on it"
KEEP_TOKEN=1 start_daemon
expect_exit 0 "the restarted daemon recovered the write" -- regctl area get before-kill
expect_match "and says so in its log" "$(cat "$TEST_TMP/daemon.log")" \
	'level=warn msg="store was not closed cleanly: recovered from its commit log" dir=[^ ]* commits=1'
expect_exit 0 "a second write before a second kill" -- regctl area put before-kill-2 --name "Before the second kill" --priority monitored --rank 96
kill_daemon
# Restore replaces the crashed store: the old store's log must not be replayed onto it.
expect_exit 0 "restore --force onto the killed daemon's store" -- "$REGISTRYD" restore --force --data "$TEST_TMP/data" "$TEST_TMP/registry.bak"
expect_eq "the old store's commit log is gone" "$(ls "$TEST_TMP/data" | grep -c 'data.wal' || true)" "0"
start_daemon
expect_exit 0 "export the store restored over the killed one" -- export_sorted
expect_eq "it equals the original" "$OUT" "$original"
expect_exit 4 "the killed store's last write is not in it" -- regctl area get before-kill-2
# An admin command is the first to open a killed store: it recovers it, and says so.
expect_exit 0 "a write before a third kill" -- regctl area put before-kill-3 --name "Before the third kill" --priority monitored --rank 95
kill_daemon
expect_exit 0 "a token made on the killed store" -- "$REGISTRYD" token create --role admin --name after-kill --data "$TEST_TMP/data"
expect_match "says the store was recovered" "$ERR" "was not closed cleanly: recovered 1 commits from its commit log"
KEEP_TOKEN=1 start_daemon
expect_exit 0 "the write is there" -- regctl area get before-kill-3
finish
