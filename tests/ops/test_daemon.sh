#!/usr/bin/env bash
# The operations side of a running registryd: started from a configuration file, with
# --log-level and --metrics-listen; regctl stats; the Prometheus endpoint read over plain
# HTTP (bash /dev/tcp) and its counters moving; --check-config; and no token, good or bad,
# ever in the log after a run that uses tokens every way a client can.
# shellcheck source=../integration/lib.sh
source "$(dirname "$0")/../integration/lib.sh"

# http_get PORT PATH: the body of an HTTP/1.0 GET, headers in $TEST_TMP/headers.
http_get() {
	local port=$1 path=$2
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
	cat <&3 >"$TEST_TMP/http"
	exec 3<&-
	sed -n '1,/^\r$/p' "$TEST_TMP/http" >"$TEST_TMP/headers"
	sed '1,/^\r$/d' "$TEST_TMP/http"
}

# --- the configuration file ------------------------------------------------------------
conf=$TEST_TMP/registryd.conf
cat >"$conf" <<CONF
# test configuration
log-level = debug
metrics-listen = http://127.0.0.1:0   # a free port, logged
max-message = 65536
CONF
expect_exit 0 "--check-config accepts the file" -- "$REGISTRYD" --check-config --config "$conf"
expect_match "--check-config says so" "$OUT" 'configuration ok'
printf 'log-level = debug\nmax-mesage = 1\n' >"$TEST_TMP/bad.conf"
expect_exit 2 "--check-config refuses an unknown key" -- "$REGISTRYD" --check-config --config "$TEST_TMP/bad.conf"
expect_match "the error names the line" "$ERR" "bad.conf:2: unknown key 'max-mesage'"
expect_exit 2 "the daemon refuses it too" -- "$REGISTRYD" --config "$TEST_TMP/bad.conf" --data "$TEST_TMP/x"

start_daemon --config "$conf"
port=$(grep -o 'msg=metrics url=http://127.0.0.1:[0-9]*' "$TEST_TMP/daemon.log" | sed 's/.*://')
expect_match "metrics port logged" "$port" '^[0-9]+$'

# --- traffic with tokens of every kind ---------------------------------------------------
ADMIN=$STDREG_TOKEN
READER=$("$REGISTRYD" token create --data "$TEST_TMP/data" --role reader --name a-reader)
BAD="srt_$(printf '%064d' 7)"
expect_exit 0 "put as admin" -- regctl area put ai --name "AI" --priority prioritised --rank 1
expect_exit 0 "get as reader" -- regctl --token "$READER" area get ai
expect_exit 8 "put as reader is denied" -- regctl --token "$READER" area put ai --rank 2
expect_exit 8 "a bad token is refused" -- regctl --token "$BAD" area get ai
expect_exit 8 "a token with junk is refused" -- regctl --token "$ADMIN-x" area get ai
expect_exit 0 "whoami" -- regctl whoami
expect_exit 0 "watch" -- regctl watch --since 0 --count 1
printf '{"kind":"area","id":"cyber","name":"Cyber","priority":"prioritised","rank":2}\n' >"$TEST_TMP/a.jsonl"
expect_exit 0 "apply" -- regctl apply -f "$TEST_TMP/a.jsonl"
for i in 1 2 3; do regctl area get nope >/dev/null 2>&1 || true; done

# --- regctl stats ------------------------------------------------------------------------
expect_exit 0 "stats" -- regctl stats
expect_match "stats table" "$OUT" 'GetArea +[0-9]+'
expect_exit 0 "stats json" -- regctl stats -o json
not_found=$(jq '[.methods[] | select(.method == "/stdreg.v1.Registry/GetArea") | .statuses[] | select(.status == "NOT_FOUND") | .count] | add' <<<"$OUT")
expect_match "GetArea not found, counted" "$not_found" '^[3-9]$'
expect_match "writer batches" "$(jq .writer_batches <<<"$OUT")" '^[1-9]'
expect_match "open connections (regctl's own at least)" "$(jq .open_connections <<<"$OUT")" '^[1-9]'

# --- the metrics endpoint ----------------------------------------------------------------
body=$(http_get "$port" /metrics)
expect_match "content type" "$(cat "$TEST_TMP/headers")" 'Content-Type: text/plain; version=0.0.4'
series='stdreg_requests_total{method="GetArea",code="NOT_FOUND"}'
before=$(grep -F "$series " <<<"$body" | awk '{print $2}')
expect_eq "the same count as Stats" "$before" "$not_found"
# Every sample's family has a TYPE before it; counters end in _total.
bad=$(awk '/^# TYPE/ { type[$3] = $4; next } /^#/ { next }
	{ name = $1; sub(/\{.*/, "", name); fam = name; sub(/_(bucket|sum|count)$/, "", fam)
	  if (!(name in type) && !(fam in type)) print "no TYPE: " name
	  if (type[name] == "counter" && name !~ /_total$/) print "counter: " name }' <<<"$body")
expect_eq "exposition format" "$bad" ""
for i in 1 2; do regctl area get nope >/dev/null 2>&1 || true; done
after=$(http_get "$port" /metrics | grep -F "$series " | awk '{print $2}')
expect_eq "the counter moves" "$after" $((before + 2))

# --- no token in the log -----------------------------------------------------------------
for t in "$ADMIN" "$READER" "$BAD"; do
	if grep -qF "${t#srt_}" "$TEST_TMP/daemon.log"; then
		fail "a token is in the log: $(grep -F "${t#srt_}" "$TEST_TMP/daemon.log" | head -n 1)"
	else
		pass
	fi
done
expect_match "debug run logs requests" "$(grep -c 'level=info face=nng method=' "$TEST_TMP/daemon.log")" '^[1-9]'

# --- SIGHUP: the log level is read again; a bad file changes nothing ------------------------
sed -i 's/^log-level = debug/log-level = warn/' "$conf"
kill -HUP "$DAEMON_PID"
sleep 0.3
: >"$TEST_TMP/daemon.log"
regctl area list >/dev/null
sleep 0.2
expect_eq "after SIGHUP the new level hides request lines" "$(grep -c 'level=info' "$TEST_TMP/daemon.log" || true)" 0
echo 'no-such-key = 1' >>"$conf"
kill -HUP "$DAEMON_PID"
sleep 0.3
expect_match "a bad file is refused on reload" "$(cat "$TEST_TMP/daemon.log")" 'configuration not reloaded'
kill -0 "$DAEMON_PID" 2>/dev/null && pass || fail "registryd died on a bad reload"
stop_daemon

# --- --log-level warn: no request lines ----------------------------------------------------
: >"$TEST_TMP/daemon.log"
"$REGISTRYD" --data "$TEST_TMP/data" --listen tcp://127.0.0.1:0 --no-sync --log-level warn \
	2>>"$TEST_TMP/daemon.log" &
DAEMON_PID=$!
sleep 0.5
expect_eq "warn hides info lines" "$(grep -c 'level=info' "$TEST_TMP/daemon.log" || true)" 0
kill -0 "$DAEMON_PID" 2>/dev/null && pass || fail "registryd --log-level warn did not start"
finish
