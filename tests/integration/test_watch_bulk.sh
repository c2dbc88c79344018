#!/usr/bin/env bash
# A bulk revision bigger than a Watch reply: regctl watch, the SSE feed (with Last-Event-ID
# in the middle of the revision), ListChanges (newest first) and the web view's start page
# read it in parts, lose and repeat nothing, and the daemon stays quick and stops at once. Replies used to cut only
# between revisions: one bulk revision over 3 MiB made a Watch run for ever.
. "$(dirname "$0")/lib.sh"
start_daemon --http-listen http://127.0.0.1:0
HTTP=$(grep -o 'msg=listening url=http://[^ ]*' "$TEST_TMP/daemon.log" | head -n 1 | sed 's/.*url=//')

rev0=$(curl -s "$HTTP/v1/changes?wait_ms=0" | jq -r '.next_revision // "0"')
"$STDREG_GEN" --items 6000 >"$TEST_TMP/bulk.jsonl"
n=$(grep -c '' "$TEST_TMP/bulk.jsonl")
expect_exit 0 "a bulk apply" -- regctl apply -f "$TEST_TMP/bulk.jsonl"
rev1=$(curl -s "$HTTP/v1/changes?wait_ms=0&since_revision=$rev0&kind=agency&id=none" | jq -r '.next_revision // "0"')
expect_eq "one revision" "$rev1" "$((rev0 + 1))"

# regctl: every change once, in parts of at most 1000.
expect_exit 0 "watch the bulk revision" -- timeout 60 "$REGCTL" watch --since "$rev0" --count "$n" -o jsonl
expect_eq "every change of the revision" "$(grep -c '' <<<"$OUT")" "$n"
expect_eq "none twice" "$(jq -r '.kind + " " + .id' <<<"$OUT" | sort -u | grep -c '')" "$n"
expect_eq "all of the one revision" "$(jq -r .revision <<<"$OUT" | sort -u)" "$rev1"

last_id=$(tail -n 1 <<<"$OUT" | jq -r .id)

# ListChanges reads back from the newest change, inside the revision, page by page.
lc() { curl -s -H 'Content-Type: application/json' -d "$1" "$HTTP/stdreg.v1.Registry/ListChanges"; }
page=$(lc '{"page_size":2}')
expect_eq "newest first" "$(jq -r '.changes[0].id' <<<"$page")" "$last_id"
token=$(jq -r .next_page_token <<<"$page")
expect_match "a token inside the revision" "$token" "^$rev1:[0-9]+$"
expect_eq "the next page goes on back" "$(jq -r '.changes | length' <<<"$(lc "{\"page_token\":\"$token\",\"page_size\":1000}")")" 1000
expect_eq "a bad token" "$(lc '{"page_token":"nope"}' | jq -r .code)" invalid_argument

# The long poll says where to go on inside the revision.
page=$(curl -s "$HTTP/v1/changes?since_revision=$rev0&wait_ms=0&max_events=1000")
expect_eq "a page of 1000" "$(jq '.changes | length' <<<"$page")" 1000
expect_eq "goes on inside the revision" "$(jq -r '(.next_revision // "0") + ":" + (.next_change // 0 | tostring)' <<<"$page")" "$rev0:1000"
page=$(curl -s "$HTTP/v1/changes?since_revision=$rev0&since_change=$((n - 5))&wait_ms=0")
expect_eq "the last five" "$(jq '.changes | length' <<<"$page")" 5
expect_eq "then the revision is done" "$(jq -r '(.next_revision // "0") + ":" + (.next_change // 0 | tostring)' <<<"$page")" "$rev1:0"

# SSE: every change once; an id only where a reconnect may go on.
curl -s -N -m 8 "$HTTP/v1/changes?since_revision=$rev0" >"$TEST_TMP/sse" || true
expect_eq "SSE: every change" "$(grep -c '^data: ' "$TEST_TMP/sse")" "$n"
expect_match "SSE: ids inside the revision" "$(grep '^id: ' "$TEST_TMP/sse" | head -n 1)" "^id: $rev0:[0-9]+$"
expect_eq "SSE: the last id ends the revision" "$(grep '^id: ' "$TEST_TMP/sse" | tail -n 1)" "id: $rev1"
mid=$(grep '^id: ' "$TEST_TMP/sse" | sed -n 3p | cut -c5-)
curl -s -N -m 8 -H "Last-Event-ID: $mid" "$HTTP/v1/changes" >"$TEST_TMP/sse2" || true
expect_eq "SSE: Last-Event-ID inside the revision goes on from there" \
	"$(grep -c '^data: ' "$TEST_TMP/sse2")" "$((n - ${mid#*:}))"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Last-Event-ID: $rev0:x" "$HTTP/v1/changes")
expect_eq "SSE: a bad Last-Event-ID" "$code" 400

# The web view's recent changes and an anonymous watch from 0 answer in bounded time.
t0=$(date +%s%N)
code=$(curl -s -o /dev/null -m 30 -w '%{http_code}' "$HTTP/en/")
ms=$((($(date +%s%N) - t0) / 1000000))
echo "start page after a bulk revision of $n changes: $code in $ms ms"
expect_eq "the start page" "$code" 200
expect_match "the start page lists the newest change" "$(curl -s "$HTTP/en/")" "$last_id"
expect_eq "a call after it" "$(curl -s -o /dev/null -w '%{http_code}' "$HTTP/v1/changes?wait_ms=0")" 200
t0=$(date +%s%N)
stop_daemon
stop_ms=$((($(date +%s%N) - t0) / 1000000))
echo "stopped in $stop_ms ms"
if [ "$stop_ms" -lt 10000 ]; then pass; else fail "registryd took $stop_ms ms to stop"; fi
finish
