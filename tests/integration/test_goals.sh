#!/usr/bin/env bash
# Goals end to end through registryd and regctl: goal add, get, list as of two days,
# checkin by the owner agency (and refused to another), and bad input naming its flag.
. "$(dirname "$0")/lib.sh"
start_daemon
DATA="$TEST_TMP/data"

regctl area put ai --name "Artificial intelligence" --priority prioritised --rank 1 >/dev/null
regctl agency put digg --name "Myndigheten för digital förvaltning" --org-number 202100-6883 >/dev/null
regctl agency put pts --name "Post- och telestyrelsen" --org-number 202100-4359 >/dev/null
regctl assign ai digg --role lead --decision Fi2025/00017 --from 2025-01-01 >/dev/null

# --- add and get --------------------------------------------------------------------------
expect_exit 0 "goal add" -- regctl goal add ai --owner digg --text "Swedish positions in JTC 21" \
	--due 2030-12-31 --decision Fi2026/00001 --source-ref M/593 --set-on 2026-01-15 -o json
expect_eq "goal id" "$(jq -r .goal.goal.id <<<"$OUT")" "ai/1"
expect_eq "goal original due" "$(jq -r .goal.goal.original_due <<<"$OUT")" "2030-12-31"
expect_exit 0 "goal add indicator" -- regctl goal add ai --owner digg --text "Experts in JTC 21" \
	--due 2030-06-30 --decision Fi2026/00001 --kind indicator --unit experts --baseline 2 --target 10 \
	--set-on 2026-01-15 -o json
expect_eq "indicator kind" "$(jq -r .goal.goal.kind <<<"$OUT")" "indicator"
expect_exit 0 "goal get table" -- regctl goal get ai/1
expect_match "table names the owner" "$OUT" "digg"

# --- checkin: the owner agency, a value, and the status on two days ------------------------
DIGG=$("$REGISTRYD" token create --data "$DATA" --role agency --agency digg --name digg-clerk)
PTS=$("$REGISTRYD" token create --data "$DATA" --role agency --agency pts --name pts-clerk)
expect_exit 0 "checkin by the owner" -- env STDREG_TOKEN="$DIGG" "$REGCTL" goal checkin ai/2 \
	--status at_risk --note "two experts joined" --value 4 --as-of 2026-03-01 -o json
expect_eq "checkin id" "$(jq -r .follow_up.id <<<"$OUT")" "ai/2/1"
expect_eq "current value" "$(jq -r .goal.current_value <<<"$OUT")" "4"
expect_exit 8 "checkin by another agency" -- env STDREG_TOKEN="$PTS" "$REGCTL" goal checkin ai/2 \
	--status on_track --note "not ours"
expect_match "refusal names the goal" "$ERR" "ai/2"
expect_exit 0 "list before the checkin" -- regctl goal list --area ai --as-of 2026-02-01 -o jsonl
expect_eq "pending before" "$(jq -r 'select(.goal.id == "ai/2") | .status' <<<"$OUT")" "pending"
expect_exit 0 "list after the checkin" -- regctl goal list --agency digg --as-of 2026-03-02 -o json
expect_eq "at risk after" "$(jq -r '.goals[] | select(.goal.id == "ai/2") | .status' <<<"$OUT")" "at_risk"
expect_exit 0 "list table" -- regctl goal list --as-of 2026-03-02
expect_match "list table counts" "$OUT" "2 goals as of 2026-03-02"

# --- bad input ------------------------------------------------------------------------------
expect_exit 2 "checkin without a note" -- regctl goal checkin ai/1 --status on_track
expect_exit 2 "checkin with an empty note" -- regctl goal checkin ai/1 --status on_track --note ""
expect_match "empty note named" "$ERR" "field 'note' is required"
expect_exit 2 "unknown subcommand" -- regctl goal frob
expect_match "unknown subcommand named" "$ERR" "'goal frob'"

finish
