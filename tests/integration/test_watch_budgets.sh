#!/usr/bin/env bash
# Parked watches against one address that tries to take them all (hardening.md, "Hostile
# peers"): anonymous callers' places are counted per peer address, HTTP long polls count
# in the change feed caps, a Watch id longer than any record's is refused, a watch whose
# nng connection closed gives its place back at once, and one whose HTTP client went away
# within a second or two. Each time a caller from another address is still served.
. "$(dirname "$0")/lib.sh"
FLOOD="$(dirname "$0")/http_flood.py"
# 100 connections per address: more than an address's 64 anonymous watches, so that the
# watch budget is what refuses the 65th, not libmicrohttpd.
start_daemon --http-listen http://127.0.0.1:0 --http-max-per-address 100
HTTP=$(grep -o 'msg=listening url=http://[^ ]*' "$TEST_TMP/daemon.log" | head -n 1 | sed 's/.*url=//')
port=${HTTP##*:}
expect_exit 0 "a record" -- regctl area put ai --name "Artificial intelligence" --priority prioritised
NOTHING_YET='"since_revision":"999999"'

parked() { curl -s "$HTTP/metrics" | awk '$1 == "stdreg_parked_watches" { print $2 }'; }
wait_parked() { # N: up to 10 s for N watches parked; prints how many there are
	local n
	for _ in $(seq 1 100); do
		n=$(parked)
		[ "$n" = "$1" ] && break
		sleep 0.1
	done
	echo "$n"
}
# flood NAME SOURCE COUNT METHOD PATH [BODY]: COUNT requests from SOURCE held open in the
# background; waits 2 s for answers and leaves the report in $TEST_TMP/NAME.report.
flood() {
	local fifo="$TEST_TMP/$1.in"
	mkfifo "$fifo"
	python3 "$FLOOD" 127.0.0.1 "$port" "$2" "$3" 2 "$TEST_TMP/$1.report" "$4" "$5" ${6:+"$6"} <"$fifo" &
	FLOOD_PIDS+=("$!")
	exec {fd}>"$fifo"
	FLOOD_FDS+=("$fd")
	for _ in $(seq 1 100); do
		[ -s "$TEST_TMP/$1.report" ] && break
		sleep 0.1
	done
}
answers() { awk -v c="$2" '$1 == c { print $2 }' "$TEST_TMP/$1.report" | grep . || echo 0; }
FLOOD_PIDS=()
FLOOD_FDS=()
# A caller from elsewhere: a long poll with a short wait answers 200 (no change yet).
other_long_poll() {
	curl -s -o /dev/null -w '%{http_code}' -m 5 --interface "$1" \
		"$HTTP/v1/changes?since_revision=999999&wait_ms=300" || true
}

# 1. Connect Watch calls from one address: its 64 places, then 429 naming the address.
flood rpc 127.0.0.2 70 POST /stdreg.v1.Registry/Watch "{$NOTHING_YET,\"wait_ms\":60000}"
cat "$TEST_TMP/rpc.report"
expect_eq "64 watches of one address park" "$(answers rpc pending)" 64
expect_eq "the 6 beyond are refused" "$(answers rpc 429)" 6
expect_match "naming the address" "$(cat "$TEST_TMP/rpc.report")" 'anonymous callers from tcp:127.0.0.2'
expect_eq "a long poll from another address" "$(other_long_poll 127.0.0.3)" 200
# (regctl watch runs until it is stopped; refused, it would exit 9 at once.)
expect_exit 124 "a waiting Watch over nng from 127.0.0.1 meanwhile" -- \
	env STDREG_TOKEN= timeout 1.5 "$REGCTL" watch --since 999999 --wait-ms 300

# 2. Long polls from one address count in the feed caps (16 per caller without a token).
flood lp 127.0.0.4 20 GET "/v1/changes?since_revision=999999&wait_ms=60000"
cat "$TEST_TMP/lp.report"
expect_eq "16 long polls of one address wait" "$(answers lp pending)" 16
expect_eq "the 4 beyond are refused" "$(answers lp 429)" 4
expect_match "as feeds are" "$(cat "$TEST_TMP/lp.report")" 'change feeds and long polls of one caller'
expect_eq "a long poll from another address" "$(other_long_poll 127.0.0.5)" 200
code=$(curl -s -o /dev/null -w '%{http_code}' -m 2 --interface 127.0.0.5 "$HTTP/v1/changes?since_revision=0" || true)
expect_match "an event stream from another address" "$code" '^(200|000)$'

# 3. Watch ids longer than any record's are refused before they are parked.
long=$(head -c 16000 /dev/zero | tr '\0' x)
ids=$(for _ in 1 2 3; do printf '"%s",' "$long"; done)
code=$(curl -s -o "$TEST_TMP/long.json" -w '%{http_code}' -m 5 --interface 127.0.0.6 \
	-H 'Content-Type: application/json' -d "{\"ids\":[${ids%,}],\"wait_ms\":1000}" \
	"$HTTP/stdreg.v1.Registry/Watch" || true)
expect_eq "a 16 000-byte id is refused" "$code" 400
expect_match "naming the field" "$(cat "$TEST_TMP/long.json")" '"field":"ids"'

# The event stream above went away with its curl (-m 2): the hub finds that out within a
# second or two and drops its watch, which leaves part 1's 64 and part 2's 16.
expect_eq "the watch of an event stream that went away is dropped" "$(wait_parked 80)" 80

# 4. Over nng, a watch whose client is gone gives its place back at once (it used to wait
# out its 60 s).
before=80
for _ in 1 2 3 4 5; do
	STDREG_TOKEN= timeout 0.5 "$REGCTL" watch --since 999999 --wait-ms 60000 >/dev/null 2>&1 || true
done
expect_eq "no watch of a closed connection is left" "$(wait_parked "$before")" "$before"

# 5. Over HTTP, long polls and Watch calls whose client went away give their places back
# within a second or two (libmicrohttpd does not watch a suspended connection; the hub asks).
codes=""
for _ in 1 2 3; do
	codes+=$(curl -s -o /dev/null -w ' %{http_code}' -m 0.5 --interface 127.0.0.7 \
		"$HTTP/v1/changes?since_revision=999999&wait_ms=60000" || true)
	codes+=$(curl -s -o /dev/null -w ' %{http_code}' -m 0.5 --interface 127.0.0.7 \
		-H 'Content-Type: application/json' -d "{$NOTHING_YET,\"wait_ms\":60000}" \
		"$HTTP/stdreg.v1.Registry/Watch" || true)
done
expect_eq "each waited until its client gave up" "$codes" " 000 000 000 000 000 000"
expect_eq "no watch of an HTTP client that went away is left" "$(wait_parked "$before")" "$before"

for fd in "${FLOOD_FDS[@]}"; do exec {fd}>&-; done
wait "${FLOOD_PIDS[@]}" 2>/dev/null || true
daemon_alive || fail "registryd died"
finish
