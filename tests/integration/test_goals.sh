#!/usr/bin/env bash
# Goals end to end through registryd and regctl: goal add, get, list as of two days,
# checkin by the owner agency (and refused to another), the decision-bound follow-ups
# (redate, reassign, retarget, close, reopen, activate, withdraw, correct), add --proposed,
# and bad input: one line naming its flag or cause, a non-zero exit, nothing stored.
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
expect_exit 0 "list csv" -- regctl goal list --as-of 2026-03-02 -o csv
expect_eq "csv header" "$(head -n 1 <<<"$OUT" | tr -d '\r')" "goal.id,goal.area_id,goal.owner_agency_id,goal.state,status,goal.due,goal.original_due,days_left,slip_days,next_report_date,current_value,progress,goal.text"
expect_match "csv row" "$OUT" "ai/2,ai,digg,active,at_risk,2030-06-30,2030-06-30,"
expect_exit 0 "list table" -- regctl goal list --as-of 2026-03-02
expect_match "list table counts" "$OUT" "2 goals as of 2026-03-02"

# --- decision-bound follow-ups ----------------------------------------------------------------
regctl assign ai pts --role supporting --decision Fi2025/00020 --from 2025-06-01 >/dev/null
# entries GOAL: the number of follow-ups of a goal, to show a refused command stored nothing.
entries() { regctl goal get "$1" -o json | jq '.follow_ups | length'; }

expect_exit 0 "redate" -- regctl goal redate ai/1 --due 2031-06-30 --decision Fi2026/00031 \
	--as-of 2026-04-01 --note "JTC 21 moved its plan" -o json
expect_eq "redate entry" "$(jq -r '.follow_up.type + " " + .follow_up.new_due' <<<"$OUT")" "redate 2031-06-30"
expect_eq "slip after the redate" "$(jq -r .goal.slip_days <<<"$OUT")" "181"
expect_exit 2 "redate without a decision" -- regctl goal redate ai/1 --due 2031-12-31
expect_one_line "redate without a decision: one line" "$ERR"
expect_match "decision named" "$ERR" "needs --decision"
expect_exit 2 "redate to a date that is no date" -- regctl goal redate ai/1 --due 2031-02-30 --decision X
expect_match "bad date named" "$ERR" "invalid --due '2031-02-30'"
expect_exit 2 "redate to the same day" -- regctl goal redate ai/1 --due 2031-06-30 --decision X
expect_match "same due date named" "$ERR" "already due on 2031-06-30"
expect_eq "refused redates stored nothing" "$(entries ai/1)" "1"

expect_exit 0 "reassign" -- regctl goal reassign ai/1 --owner pts --decision Fi2026/00032 --as-of 2026-05-01 -o json
expect_eq "new owner" "$(jq -r .goal.goal.owner_agency_id <<<"$OUT")" "pts"
expect_exit 7 "reassign to an agency without an appointment" -- regctl goal reassign ai/1 --owner digg2 \
	--decision Fi2026/00033
expect_one_line "reassign refusal: one line" "$ERR"
expect_eq "refused reassign stored nothing" "$(entries ai/1)" "2"

expect_exit 0 "retarget" -- regctl goal retarget ai/2 --target 12 --decision Fi2026/00034 --as-of 2026-05-01 -o json
expect_eq "new target" "$(jq -r .goal.goal.target <<<"$OUT")" "12"
expect_exit 2 "retarget with nothing to change" -- regctl goal retarget ai/2 --decision Fi2026/00035
expect_match "retarget names its flags" "$ERR" "needs --target, --target-stage or --text"
expect_eq "refused retarget stored nothing" "$(entries ai/2)" "2"

expect_exit 0 "close" -- regctl goal close ai/2 --result met --decision Fi2026/00036 --as-of 2026-06-01 -o json
expect_eq "closed as met" "$(jq -r .goal.status <<<"$OUT")" "met"
expect_exit 7 "close a closed goal" -- regctl goal close ai/2 --result met --decision Fi2026/00037
expect_one_line "close refusal: one line" "$ERR"
expect_exit 2 "close with an unknown result" -- regctl goal close ai/2 --result done --decision X
expect_match "bad result named" "$ERR" "invalid --result 'done'"
expect_exit 7 "check-in on a closed goal" -- regctl goal checkin ai/2 --status on_track --note "late"
expect_eq "refused closes stored nothing" "$(entries ai/2)" "3"
expect_exit 0 "reopen" -- regctl goal reopen ai/2 --decision Fi2026/00038 --as-of 2026-06-02 -o json
expect_eq "active again" "$(jq -r .goal.goal.state <<<"$OUT")" "active"

expect_exit 0 "add --proposed" -- regctl goal add ai --owner digg --text "A national AI sandbox" \
	--due 2028-12-31 --decision Fi2026/00040 --set-on 2026-03-01 --proposed -o json
expect_eq "proposed state" "$(jq -r .goal.goal.state <<<"$OUT")" "proposed"
expect_exit 7 "check-in on a proposed goal" -- regctl goal checkin ai/3 --status on_track --note "early"
expect_exit 0 "activate" -- regctl goal activate ai/3 --decision Fi2026/00041 --as-of 2026-03-15 -o json
expect_eq "activated" "$(jq -r .goal.goal.state <<<"$OUT")" "active"
expect_exit 7 "withdraw an active goal" -- regctl goal withdraw ai/3 --decision Fi2026/00042
expect_one_line "withdraw refusal: one line" "$ERR"
regctl goal add ai --owner digg --text "A register of AI sandboxes" --due 2028-12-31 \
	--decision Fi2026/00043 --proposed >/dev/null
expect_exit 0 "withdraw a proposal" -- regctl goal withdraw ai/4 --decision Fi2026/00044 -o json
expect_eq "withdrawn" "$(jq -r .goal.goal.state <<<"$OUT")" "withdrawn"
expect_exit 2 "withdraw without a decision" -- regctl goal withdraw ai/4
expect_match "withdraw names --decision" "$ERR" "needs --decision"

expect_exit 0 "correct a check-in" -- regctl goal correct ai/2/1 --status on_track \
	--note "three experts, not four" --value 3 -o json
expect_eq "correction supersedes" "$(jq -r '.follow_up.type + " " + .follow_up.supersedes' <<<"$OUT")" "correction ai/2/1"
expect_exit 0 "the corrected entry stays" -- regctl goal get ai/2 -o json
expect_eq "both entries kept" "$(jq -r '[.follow_ups[] | select(.id == "ai/2/1" or .supersedes == "ai/2/1")] | length' <<<"$OUT")" "2"
expect_exit 0 "the table" -- regctl goal get ai/2
expect_match "the table's correction names the entry it corrects" "$OUT" 'ai/2/[0-9]+ +correction +[0-9-]+ +on_track +ai/2/1 '
# A range of a goal's entries: the latest, or from a position; the table says which.
N=$(entries ai/2)
expect_exit 0 "the last entry" -- regctl goal get ai/2 --entries 1 -o json
expect_eq "the correction, the last of all" "$(jq -c '[.follow_ups_total, .follow_ups_from, [.follow_ups[].supersedes]]' <<<"$OUT")" "[$N,$N,[\"ai/2/1\"]]"
expect_exit 0 "the first entry" -- regctl goal get ai/2 --entries-from 1 --entries 1
expect_match "the table says which" "$OUT" "follow-ups 1–1 of $N shown"
expect_exit 0 "past the last" -- regctl goal get ai/2 --entries-from $((N + 1))
expect_match "none of them" "$OUT" "0 of $N follow-ups shown"
expect_exit 2 "a range that is no number" -- regctl goal get ai/2 --entries many
expect_one_line "one line" "$ERR"
expect_exit 2 "correct something that is no entry" -- regctl goal correct ai --status on_track --note x
expect_match "bad entry named" "$ERR" "invalid entry 'ai'"
expect_exit 2 "correct a check-in without a note" -- regctl goal correct ai/2/1 --status on_track
expect_one_line "correction refusal: one line" "$ERR"
expect_exit 7 "follow-up on an unknown goal" -- regctl goal redate ai/99 --due 2030-01-01 --decision X
expect_match "unknown goal named" "$ERR" "ai/99"

# --- bad input ------------------------------------------------------------------------------
expect_exit 2 "checkin without a note" -- regctl goal checkin ai/1 --status on_track
expect_exit 2 "checkin with an empty note" -- regctl goal checkin ai/1 --status on_track --note ""
expect_match "empty note named" "$ERR" "field 'note' is required"
expect_exit 2 "unknown subcommand" -- regctl goal frob
expect_match "unknown subcommand named" "$ERR" "'goal frob'"

finish
