#!/usr/bin/env bash
# The HTTP listener under a flood and a slow reader: 300 connections against
# --http-max-connections 100 (and a per-address cap), then 10 000 at once, hold no more than
# the caps, while an ordinary curl call from another address is answered within a second
# and nng keeps answering; change feeds whose clients never read keep the daemon's memory
# bounded.
. "$(dirname "$0")/lib.sh"
: "${STDREG_GEN:?STDREG_GEN must name stdreg-gen}"
HOLD="$(dirname "$0")/http_hold.py"
# Under AddressSanitizer, freed memory waits in a quarantine (256 MiB by default) that would
# count as the feeds' own; a small one keeps the bound about the feeds.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
start_daemon --http-listen http://127.0.0.1:0 --http-max-connections 100 \
	--http-max-per-address 80 --http-idle-timeout 60 --http-max-feeds 16
HTTP=$(grep -o 'msg=listening url=http://[^ ]*' "$TEST_TMP/daemon.log" | head -n 1 | sed 's/.*url=//')
port=${HTTP##*:}
expect_exit 0 "a record to read" -- regctl area put ai --name "Artificial intelligence" --priority prioritised
# hold COUNT SOURCE NAME [REQUEST]: holds COUNT connections from SOURCE in the background
# (pid in HOLD_PID_NAME) and waits for its report: how many the daemon kept open.
hold() {
	local fifo="$TEST_TMP/$3.in"
	mkfifo "$fifo"
	python3 "$HOLD" 127.0.0.1 "$port" "$1" "$2" "$TEST_TMP/$3.report" ${4:+"$4"} <"$fifo" &
	eval "HOLD_PID_$3=$!"
	exec {fd}>"$fifo" # held open until release(): the holder's stdin
	eval "HOLD_FD_$3=$fd"
	for _ in $(seq 1 300); do
		[ -s "$TEST_TMP/$3.report" ] && break
		sleep 0.1
	done
	HELD=$(awk '{print $2}' "$TEST_TMP/$3.report" 2>/dev/null || echo none)
}
release() {
	local pid fd
	eval "pid=\$HOLD_PID_$1 fd=\$HOLD_FD_$1"
	exec {fd}>&-
	wait "$pid" 2>/dev/null || true
}
# A normal call must be answered within 1 s (3 s in a sanitizer build, several times slower
# while twelve feeds render their pages), as in test_hostile_peers.sh.
# (ldd's output is matched whole: `ldd | grep -q` fails under pipefail when grep's early exit
# kills ldd with SIGPIPE, which took a sanitizer build for a plain one.)
QUICK_S=1
case "$(ldd "$REGISTRYD" 2>/dev/null)" in *libasan*) QUICK_S=3 ;; esac
quick_curl() { # SOURCE: status of a GetArea from SOURCE, given at most QUICK_S seconds
	curl -s -o /dev/null -w '%{http_code}' -m "$QUICK_S" --interface "$1" -H 'Content-Type: application/json' \
		-d '{"id":"ai"}' "$HTTP/stdreg.v1.Registry/GetArea" || true
}
fds() { find "/proc/$DAEMON_PID/fd" -mindepth 1 | wc -l; }
fds0=$(fds)

# 300 from one address: the per-address cap (80) holds.
hold 300 127.0.0.1 one
expect_eq "one address holds its cap of connections" "$HELD" 80
expect_eq "a call from another address, within 1 s" "$(quick_curl 127.0.0.2)" 200
# 300 more from a second address: the total cap (100) holds.
# (Past the total cap libmicrohttpd stops accepting: the rest wait in the kernel's backlog,
# holding no descriptor of the daemon.)
hold 300 127.0.0.3 two
held=$(($(fds) - fds0))
if [ "$held" -ge 95 ] && [ "$held" -le 102 ]; then pass; else
	fail "600 connections: the daemon holds $held more descriptors (the cap is 100)"
fi
expect_eq "a call over the cap is refused" "$(quick_curl 127.0.0.2)" 000
expect_exit 0 "nng keeps answering" -- regctl --timeout 1000 area get ai
release two
# The cap is free again at once: no call waits for a refused one's turn.
code=000
for _ in $(seq 1 10); do
	code=$(quick_curl 127.0.0.2)
	[ "$code" = 200 ] && break
	sleep 0.1
done
expect_eq "once the second flood leaves, a call within 1 s" "$code" 200
release one

# 10 000 connections at once from one address: the per-address cap still holds, the
# daemon holds no more descriptors than its caps, and others are served meanwhile.
hold 10000 127.0.0.5 ten
expect_eq "10 000 connections: one address holds its cap" "$HELD" 80
held=$(($(fds) - fds0))
if [ "$held" -le 102 ]; then pass; else
	fail "10 000 connections: the daemon holds $held more descriptors (the caps are 80 and 100)"
fi
expect_eq "a call from another address during 10 000" "$(quick_curl 127.0.0.2)" 200
expect_exit 0 "nng keeps answering during 10 000" -- regctl --timeout 1000 area get ai
release ten

# Feeds that never read: a feed pulls one Watch reply at a time, as the socket takes it,
# so 12 feeds of a large history cost no more memory than a reply or two each. The history
# is one bulk revision, read in parts.
"$STDREG_GEN" --items 15000 >"$TEST_TMP/big.jsonl"
expect_exit 0 "a large history" -- regctl apply -f "$TEST_TMP/big.jsonl"
history_bytes=0 since=0 change=0
while :; do
	page=$(curl -s "$HTTP/v1/changes?since_revision=$since&since_change=$change&wait_ms=0&max_events=1000")
	[ "$(jq '.changes | length' <<<"$page")" -gt 0 ] || break
	history_bytes=$((history_bytes + ${#page}))
	since=$(jq -r '.next_revision // "0"' <<<"$page") change=$(jq -r '.next_change // 0' <<<"$page")
done
# Anonymous memory only: the pages of the store's map the feeds read are the file's.
rss() { awk '/^RssAnon:/ {print $2}' "/proc/$DAEMON_PID/status"; }
rss0=$(rss)
hold 12 127.0.0.4 feeds $'GET /v1/changes?since_revision=0 HTTP/1.1\r\nHost: x\r\n\r\n'
expect_eq "every feed open" "$HELD" 12
sleep 2
rss1=$(rss)
grew=$((rss1 - rss0))
echo "12 unread feeds: anonymous memory ${rss0} -> ${rss1} KiB; the history is ~$((history_bytes / 1024)) KiB as JSON"
# A feed holds one Watch reply at a time (at most 100 changes, here ~45 KiB as JSON, a few
# times that decoded, more under ASan): 2 MiB each is the bound, far below 12 feeds each
# buffering the history whole.
limit=$((12 * 2048))
if [ $((12 * history_bytes / 1024)) -gt $((2 * limit)) ]; then pass; else
	fail "the history (~$((history_bytes / 1024)) KiB) is too small to tell a bound"
fi
if [ "$grew" -lt "$limit" ]; then pass; else
	fail "12 unread feeds grew the daemon by $grew KiB (bound $limit KiB)"
fi
expect_eq "a call while the feeds wait" "$(quick_curl 127.0.0.2)" 200
# A JSON body that jansson would make 75 times larger (4 MiB of "{}": about 330 MiB) is
# refused before it is parsed, without a token, and the daemon does not grow for it.
python3 -c "n = (4 << 20) // 3 - 1; print('[' + ','.join(['{}'] * n) + ']', end='')" >"$TEST_TMP/objects.json"
rss0=$(rss)
code=$(curl -s -o "$TEST_TMP/objects.out" -w '%{http_code}' --interface 127.0.0.5 -m 30 \
	-H 'Content-Type: application/json' --data-binary @"$TEST_TMP/objects.json" \
	"$HTTP/stdreg.v1.Registry/GetArea")
rss1=$(rss)
expect_eq "4 MiB of empty objects" "$code" 429
expect_match "named as too large to parse" "$(cat "$TEST_TMP/objects.out")" '"code":"resource_exhausted".*would take more than 64 MiB to parse'
echo "4 MiB of empty objects: anonymous memory ${rss0} -> ${rss1} KiB"
if [ $((rss1 - rss0)) -lt 32768 ]; then pass; else
	fail "a refused JSON body grew the daemon by $((rss1 - rss0)) KiB"
fi
# A stop does not wait for the feeds: each has its page ready or a wait the stop cancels.
t0=$(date +%s%N)
stop_daemon
stop_ms=$((($(date +%s%N) - t0) / 1000000))
echo "stopped in $stop_ms ms with 12 unread feeds open"
if [ "$stop_ms" -lt $((QUICK_S * 5000)) ]; then pass; else
	fail "registryd took $stop_ms ms to stop with 12 unread feeds open (bound $((QUICK_S * 5)) s)"
fi
release feeds

# --- the room request bodies share: 1 MiB here, a quarter of it per address ------------------
start_daemon --http-listen http://127.0.0.1:0 --http-max-body-bytes 65536 \
	--http-max-bodies-bytes 1048576 --http-idle-timeout 60
HTTP=$(grep -o 'msg=listening url=http://[^ ]*' "$TEST_TMP/daemon.log" | head -n 1 | sed 's/.*url=//')
port=${HTTP##*:}
# Bodies sent in part and never finished, each holding a 64 KiB buffer.
part=$(printf 'POST /stdreg.v1.Registry/GetArea HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 65536\r\n\r\n%060000d' 0)
hold 4 127.0.0.7 bodies7 "$part"
expect_eq "four bodies from one address: its quarter" "$HELD" 4
expect_eq "a body from the same address" "$(quick_curl 127.0.0.7)" 429
expect_eq "a body from another address" "$(quick_curl 127.0.0.8)" 200
hold 4 127.0.0.8 bodies8 "$part"
hold 4 127.0.0.9 bodies9 "$part"
hold 4 127.0.0.10 bodies10 "$part"
expect_eq "sixteen bodies held" "$HELD" 4
expect_eq "a body once all four quarters are held" "$(quick_curl 127.0.0.11)" 503
expect_eq "a call without a body goes on" \
	"$(curl -s -o /dev/null -w '%{http_code}' -m "$QUICK_S" --interface 127.0.0.11 "$HTTP/stdreg.v1.Registry/GetArea?encoding=json&message=%7B%22id%22%3A%22ai%22%7D")" 200
expect_exit 0 "nng goes on" -- regctl area get ai
# Last held, first released: each holder keeps the pipes of those started before it.
release bodies10
release bodies9
release bodies8
release bodies7
sleep 0.5
expect_eq "the room is given back when the bodies go" "$(quick_curl 127.0.0.7)" 200
# A call that waits (a Watch) holds its body only until the call has it: six waiting
# Watches of 60 KB bodies from one address leave its quarter free.
printf '{"since_revision": "999999", "wait_ms": 4000%060000s}' '' >"$TEST_TMP/watch.json"
watchers=()
for _ in 1 2 3 4 5 6; do
	curl -s -o /dev/null -m 10 --interface 127.0.0.7 -H 'Content-Type: application/json' \
		--data-binary @"$TEST_TMP/watch.json" "$HTTP/stdreg.v1.Registry/Watch" &
	watchers+=($!)
done
sleep 1.5
expect_eq "a body while six Watches wait" "$(quick_curl 127.0.0.7)" 200
wait "${watchers[@]}"
stop_daemon
finish
