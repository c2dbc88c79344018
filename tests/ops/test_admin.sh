#!/usr/bin/env bash
# registryd's admin side: the first token on a directory that does not exist, one daemon
# per store, --check-config checking what start-up checks, quota 0, the help text and log
# lines, check on a backup file, restore leaving nothing behind, and store files that are
# links (or a directory another user owns, under root) refused.
# shellcheck source=../integration/lib.sh
source "$(dirname "$0")/../integration/lib.sh"

# --- the first token on a new data directory -----------------------------------------------
new=$TEST_TMP/new/d
expect_exit 1 "token list on a missing directory" -- "$REGISTRYD" token list --data "$new"
expect_one_line "one line" "$ERR"
expect_match "it says what to run" "$ERR" "^registryd: no store in '$new' \(no such directory; 'registryd token create --data $new "
expect_exit 1 "check on a missing directory" -- "$REGISTRYD" check --data "$new"
expect_eq "check says so" "$ERR" "registryd: no store in '$new' (no such directory)"
[ -e "$new" ] && fail "list or check created '$new'" || pass
expect_exit 0 "token create on a missing directory" -- "$REGISTRYD" token create --data "$new" --role admin --name first
expect_match "prints the token" "$OUT" '^srt_[0-9a-f]{64}$'
expect_exit 0 "token list there" -- "$REGISTRYD" token list --data "$new"
expect_match "lists it" "$OUT" 'first +admin'
printf 'x' >"$TEST_TMP/afile"
expect_exit 1 "a file as data directory" -- "$REGISTRYD" token list --data "$TEST_TMP/afile"
expect_eq "said once" "$ERR" "registryd: cannot open store '$TEST_TMP/afile' (not a directory)"

# --- --check-config checks what start-up checks -------------------------------------------------
cc() { expect_exit 2 "$1" -- "$REGISTRYD" --check-config --data "$TEST_TMP/cc" "${@:2}"; }
cc "udp listener" --listen udp://127.0.0.1:7420
expect_match "names the url" "$ERR" "invalid --listen 'udp://127.0.0.1:7420'"
cc "port 99999" --listen tcp://127.0.0.1:99999
expect_match "names the port" "$ERR" "invalid --listen 'tcp://127.0.0.1:99999' \(the port"
cc "missing tls files" --listen tls+tcp://127.0.0.1:7443 --tls-cert "$TEST_TMP/no.crt" --tls-key "$TEST_TMP/no.key"
expect_match "names the file" "$ERR" "cannot read --tls-cert '$TEST_TMP/no.crt'"
cc "metrics port" --metrics-listen http://127.0.0.1:70000
expect_exit 2 "start-up refuses the same" -- "$REGISTRYD" --data "$TEST_TMP/cc" --listen udp://127.0.0.1:1
[ -e "$TEST_TMP/cc" ] && fail "a refused start created its data directory" || pass

# --- quota 0 is the documented default ------------------------------------------------------
expect_exit 0 "--quota 0" -- "$REGISTRYD" --check-config --quota 0
printf 'quota = 0\n' >"$TEST_TMP/q.conf"
expect_exit 0 "quota = 0 in the file" -- "$REGISTRYD" --check-config --config "$TEST_TMP/q.conf"
expect_exit 2 "--quota 5" -- "$REGISTRYD" --check-config --quota 5
expect_match "the refusal names the quota" "$ERR" "invalid --quota '5' \(the store's largest size in bytes: at least 1048576, or 0 for the default 1 TiB\)"

# --- help -------------------------------------------------------------------------------
expect_exit 0 "--help" -- "$REGISTRYD" --help
for sub in token check restore; do
	expect_match "--help mentions $sub" "$OUT" "registryd $sub"
done

# --- one daemon per store ------------------------------------------------------------------
printf 'log-level = info\n' >"$TEST_TMP/d.conf"
start_daemon --config "$TEST_TMP/d.conf"
expect_match "start-up lines carry ts=" "$(grep 'msg=ready' "$TEST_TMP/daemon.log")" '^ts=[0-9]{4}-'
expect_exit 1 "a second daemon on the store" -- "$REGISTRYD" --data "$TEST_TMP/data" --listen tcp://127.0.0.1:0 --no-sync
expect_match "refuses, naming the directory and pid" "$ERR" "dir=$TEST_TMP/data error=\"the store is in use by registryd pid $DAEMON_PID\""
expect_match "its error line carries ts=" "$ERR" '^ts='
expect_exit 0 "token create beside the daemon" -- "$REGISTRYD" token create --data "$TEST_TMP/data" --role reader --name beside
expect_exit 2 "token create without --name" -- "$REGISTRYD" token create --data "$TEST_TMP/data" --role reader
expect_eq "one line says what is missing" "$ERR" "registryd: token create needs --name NAME (see --help)"
expect_exit 1 "a name taken" -- "$REGISTRYD" token create --data "$TEST_TMP/data" --role reader --name beside
expect_match "names are never reused" "$ERR" "a name is never reused: choose another"
expect_exit 0 "check beside the daemon" -- "$REGISTRYD" check --data "$TEST_TMP/data"

# --- SIGHUP: the reload is logged, whatever the new level -----------------------------------------
printf 'log-level = error\n' >"$TEST_TMP/d.conf"
kill -HUP "$DAEMON_PID"
sleep 0.3
expect_match "reload logged" "$(tail -n 3 "$TEST_TMP/daemon.log")" '^ts=.* msg="configuration reloaded[^"]*" signal=SIGHUP log_level=error'
printf 'log-level = loud\n' >"$TEST_TMP/d.conf"
kill -HUP "$DAEMON_PID"
sleep 0.3
expect_match "a refused reload says why" "$(tail -n 3 "$TEST_TMP/daemon.log")" 'level=warn msg="configuration not reloaded" signal=SIGHUP error=.*loud'

# --- check on a backup file; a failed restore leaves no directory ---------------------------------
expect_exit 0 "put" -- regctl area put ai --name AI --priority prioritised --rank 1
expect_exit 0 "backup" -- regctl backup "$TEST_TMP/r.bak"
expect_exit 0 "check on the backup file" -- "$REGISTRYD" check "$TEST_TMP/r.bak"
expect_match "says it is consistent" "$OUT" "store '$TEST_TMP/r.bak' is consistent: revision [1-9]"
expect_exit 1 "check on a file that is no store" -- "$REGISTRYD" check "$TEST_TMP/afile"
stop_daemon
expect_exit 1 "restore of a bad file" -- "$REGISTRYD" restore --data "$TEST_TMP/fresh" "$TEST_TMP/afile"
[ -e "$TEST_TMP/fresh" ] && fail "a failed restore left '$TEST_TMP/fresh'" || pass
expect_exit 0 "restore of the backup" -- "$REGISTRYD" restore --data "$TEST_TMP/fresh" "$TEST_TMP/r.bak"

# --- store files that are links -------------------------------------------------------------
printf 'precious\n' >"$TEST_TMP/target"
links=$TEST_TMP/links
mkdir -p "$links"
"$REGISTRYD" token create --data "$links" --role admin --name a >/dev/null
rm -f "$links/lock.mdb"
ln -s "$TEST_TMP/target" "$links/lock.mdb"
expect_exit 1 "token list with lock.mdb a link" -- "$REGISTRYD" token list --data "$links"
expect_match "refused as a link" "$ERR" "'$links/lock.mdb' is a symbolic link"
expect_exit 1 "check with lock.mdb a link" -- "$REGISTRYD" check --data "$links"
expect_eq "the link's target is unchanged" "$(cat "$TEST_TMP/target")" "precious"
rm -f "$links/lock.mdb"
mkdir -p "$TEST_TMP/elsewhere"
printf 'keep\n' >"$TEST_TMP/elsewhere/data.mdb"
ln -s "$TEST_TMP/elsewhere" "$TEST_TMP/fresh/restore.part"
expect_exit 1 "restore with restore.part a link" -- "$REGISTRYD" restore --force --data "$TEST_TMP/fresh" "$TEST_TMP/r.bak"
expect_match "refused" "$ERR" "restore.part' is in the way"
expect_eq "nothing removed through the link" "$(cat "$TEST_TMP/elsewhere/data.mdb")" "keep"
rm -f "$TEST_TMP/fresh/restore.part"
expect_exit 1 "daemon with lock.mdb a link" -- env -C "$TEST_TMP" sh -c \
	"ln -s '$TEST_TMP/target' '$links/lock.mdb' && exec '$REGISTRYD' --data '$links' --listen tcp://127.0.0.1:0 --no-sync"
expect_eq "the target is still unchanged" "$(cat "$TEST_TMP/target")" "precious"
rm -f "$links/lock.mdb"

# --- root on a directory another user owns ----------------------------------------------------
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chmod 755 "$TEST_TMP"
	owned=$TEST_TMP/owned
	mkdir -p "$owned"
	"$REGISTRYD" token create --data "$owned" --role admin --name a >/dev/null
	chown -R nobody "$owned"
	expect_exit 1 "root on nobody's directory" -- "$REGISTRYD" token list --data "$owned"
	expect_eq "says what to run" "$ERR" "registryd: refusing to open '$owned' as root (it belongs to 'nobody'; run 'sudo -u nobody registryd token --data $owned list', or add --as-owner)"
	expect_exit 0 "--as-owner" -- "$REGISTRYD" token list --as-owner --data "$owned"
	expect_match "lists as the owner" "$OUT" 'a +admin'
	expect_eq "store files stay the owner's" "$(stat -c %U "$owned/lock.mdb")" nobody
else
	echo "SKIP: the root checks need root and a 'nobody' user"
fi

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
