#!/usr/bin/env bash
# Goals and follow-ups in the bulk format: export carries both kinds, export -> apply ->
# export round-trips (a redated and a closed goal included), a follow-up applied again
# unchanged is unchanged, and one that differs is refused and changes nothing.
. "$(dirname "$0")/lib.sh"
start_daemon

sorted_export() { regctl export | LC_ALL=C sort; }

regctl area put ai --name "Artificial intelligence" --priority prioritised --rank 1 >/dev/null
regctl area put cyber --name "Cybersecurity" --priority prioritised --rank 2 >/dev/null
regctl agency put digg --name "Myndigheten för digital förvaltning" --org-number 202100-6883 >/dev/null
regctl agency put pts --name "Post- och telestyrelsen" --org-number 202100-4359 >/dev/null
regctl assign ai digg --role lead --decision Fi2025/00017 --from 2025-01-01 >/dev/null
regctl assign cyber pts --role lead --decision Fi2025/00018 --from 2025-01-01 >/dev/null

regctl goal add ai --owner digg --text "Swedish positions in CEN-CLC/JTC 21" --due 2026-06-30 \
	--decision Fi2026/00001 --source-ref M/593 --set-on 2026-01-15 >/dev/null
regctl goal add ai --owner digg --text "Experts in JTC 21" --due 2027-06-30 \
	--decision Fi2026/00001 --kind indicator --unit experts --baseline 2 --target 10 \
	--set-on 2026-01-15 >/dev/null
regctl goal add cyber --owner pts --text "EN 303 645 adopted by consumer IoT makers" \
	--due 2026-09-30 --decision Fi2026/00002 --set-on 2026-02-01 >/dev/null
regctl goal checkin ai/2 --status on_track --note "four experts" --value 4 --as-of 2026-03-01 >/dev/null
regctl goal checkin cyber/1 --status at_risk --note "two makers of ten" --as-of 2026-04-01 >/dev/null

# A redate and a close arrive as follow-ups in a file.
cat >"$TEST_TMP/changes.jsonl" <<'JSONL'
{"kind": "follow_up", "id": "ai/1/1", "goal_id": "ai/1", "type": "redate", "as_of": "2026-05-01", "decision_ref": "Fi2026/00031", "new_due": "2026-12-31"}
{"kind": "follow_up", "id": "cyber/1/2", "goal_id": "cyber/1", "type": "close", "as_of": "2026-09-15", "decision_ref": "Fi2026/00040", "result": "met"}
JSONL
expect_exit 0 "apply a redate and a close" -- regctl apply -f "$TEST_TMP/changes.jsonl" -o json
expect_eq "two follow-ups created" "$(jq -r '.counts[] | select(.kind == "follow_up") | .created' <<<"$OUT")" "2"
expect_exit 0 "the redate took" -- regctl goal get ai/1 -o json
expect_eq "redated due" "$(jq -r .goal.goal.due <<<"$OUT")" "2026-12-31"
expect_eq "original due kept" "$(jq -r .goal.goal.original_due <<<"$OUT")" "2026-06-30"

# --- export carries both kinds ---------------------------------------------------------------
expect_exit 0 "export with goals" -- regctl export
printf '%s\n' "$OUT" | LC_ALL=C sort >"$TEST_TMP/export1"
expect_eq "goals exported" "$(grep -c '"kind":"goal"' "$TEST_TMP/export1")" "3"
expect_eq "follow-ups exported" "$(grep -c '"kind":"follow_up"' "$TEST_TMP/export1")" "4"
expect_exit 0 "export of one kind" -- regctl export --kind follow_up -o jsonl
expect_eq "only follow-ups" "$(grep -vc '"kind":"follow_up"' <<<"$OUT" || true)" "0"
expect_exit 0 "export goals as json" -- regctl export --kind goal -o json
# A goal is exported as it was set; its follow-ups, after it, bring it to today's terms.
expect_eq "closed goal exported as set" "$(jq -r '.[] | select(.id == "cyber/1") | .state' <<<"$OUT")" "active"
expect_eq "redated goal exported as set" "$(jq -r '.[] | select(.id == "ai/1") | .due' <<<"$OUT")" "2026-06-30"
expect_eq "a goal's own kind in the bulk form" "$(jq -r '.[] | select(.id == "ai/2") | .goal_kind' <<<"$OUT")" "indicator"
expect_exit 0 "export goals as csv" -- regctl export --kind goal -o csv
expect_match "csv names the goals" "$OUT" "ai/2"
printf '%s\n' "$OUT" >"$TEST_TMP/goals.csv"
expect_exit 0 "apply the goals' csv" -- regctl apply -f "$TEST_TMP/goals.csv" --kind goal -o json
expect_eq "csv goals unchanged" "$(jq -r '.counts[] | select(.kind == "goal") | .unchanged' <<<"$OUT")" "3"

# --- apply the export to the same registry: everything unchanged ---------------------------
expect_exit 0 "apply the export again" -- regctl apply -f "$TEST_TMP/export1" -o json
expect_eq "follow-ups unchanged" "$(jq -r '.counts[] | select(.kind == "follow_up") | .unchanged' <<<"$OUT")" "4"
expect_eq "goals unchanged" "$(jq -r '.counts[] | select(.kind == "goal") | .unchanged' <<<"$OUT")" "3"

# A file that leaves out what the registry fills in (seq, old values) is the same.
expect_exit 0 "apply the redate and close again" -- regctl apply -f "$TEST_TMP/changes.jsonl" -o json
expect_eq "written follow-ups unchanged" "$(jq -r '.counts[] | select(.kind == "follow_up") | .unchanged' <<<"$OUT")" "2"
jq -c 'select(.kind == "goal") | del(.original_due, .state, .set_on, .report_every_days)' "$TEST_TMP/export1" >"$TEST_TMP/goals-short.jsonl"
expect_exit 0 "apply goals without registry-set fields" -- regctl apply -f "$TEST_TMP/goals-short.jsonl" -o json
expect_eq "goals as set unchanged" "$(jq -r '.counts[] | select(.kind == "goal") | .unchanged' <<<"$OUT")" "3"

# --- a follow-up that differs from the stored one is refused, nothing changes ----------------
before=$(sorted_export)
sed 's/"note":"four experts"/"note":"five experts"/' "$TEST_TMP/export1" >"$TEST_TMP/rewritten"
expect_exit 7 "a rewritten check-in is refused" -- regctl apply -f "$TEST_TMP/rewritten"
expect_match "the refusal names the follow-up" "$ERR" "ai/2/1"
expect_eq "nothing changed" "$(sorted_export)" "$before"

# --- export -> apply into an empty registry -> export ------------------------------------------
stop_daemon
rm -rf "$TEST_TMP/data"
start_daemon
expect_exit 0 "apply the export into an empty registry" -- regctl apply -f "$TEST_TMP/export1"
sorted_export >"$TEST_TMP/export2"
if cmp -s "$TEST_TMP/export1" "$TEST_TMP/export2"; then pass; else fail "goal export -> apply -> export differs: $(diff "$TEST_TMP/export1" "$TEST_TMP/export2" | head -6)"; fi
expect_exit 0 "the redated goal as of before the redate" -- regctl goal get ai/1 --as-of 2026-04-01 -o json
expect_eq "due before the redate" "$(jq -r .goal.goal.due <<<"$OUT")" "2026-06-30"
expect_exit 0 "the closed goal" -- regctl goal get cyber/1 -o json
expect_eq "met after the round trip" "$(jq -r .goal.status <<<"$OUT")" "met"

# --- a goal keeps at most 1 000 follow-ups, 900 of them check-ins and corrections: a file
# brings one to both bounds, then the places kept for decisions take a close, and no more --
regctl goal add ai --owner digg --text "Weekly reports to JTC 21" --due 2027-06-30 \
	--decision Fi2026/00001 --set-on 2026-01-15 >/dev/null
{
	for i in $(seq 1 900); do
		printf '{"kind": "follow_up", "id": "ai/3/%d", "goal_id": "ai/3", "type": "check_in", "as_of": "2026-02-01", "status": "on_track", "note": "report %d"}\n' "$i" "$i"
	done
	for i in $(seq 901 999); do
		due=2027-09-30; [ $((i % 2)) -eq 0 ] && due=2027-12-31
		printf '{"kind": "follow_up", "id": "ai/3/%d", "goal_id": "ai/3", "type": "redate", "as_of": "2026-02-01", "new_due": "%s", "decision_ref": "Fi2026/%d"}\n' "$i" "$due" "$i"
	done
} >"$TEST_TMP/weekly.jsonl"
expect_exit 0 "apply 900 check-ins and 99 redates of one goal" -- regctl apply -f "$TEST_TMP/weekly.jsonl"
expect_exit 7 "the 901st check-in" -- regctl goal checkin ai/3 --status on_track --note more --as-of 2026-03-01
expect_one_line "one line" "$ERR"
expect_match "names the check-ins' bound" "$ERR" "ai/3.* has 900 check-ins and corrections"
expect_exit 0 "a close still has its place" -- regctl goal close ai/3 --result missed --decision Fi2026/01000
expect_exit 7 "the 1 001st entry" -- regctl goal reopen ai/3 --decision Fi2026/01001
expect_one_line "one line" "$ERR"
expect_match "names the bound" "$ERR" "ai/3.* has 1000 follow-ups, the most one goal keeps"
expect_exit 0 "the goal after the refusals" -- regctl goal get ai/3 -o json
expect_eq "1 000 entries, the last the close" "$(jq -r '"\(.follow_ups | length) \(.follow_ups[-1].type) \(.goal.goal.state)"' <<<"$OUT")" "1000 close closed"

# --- the demo set: goals for most prioritised areas, with a stale, an overdue, a redated and a
# stage-met goal among them ---------------------------------------------------------------------
: "${DEMO:?DEMO must name data/demo.jsonl}"
stop_daemon
rm -rf "$TEST_TMP/data"
start_daemon
expect_exit 0 "apply the demo" -- regctl apply -f "$DEMO"
expect_exit 0 "the demo's goals" -- regctl goal list -o json
goals=$OUT
prioritised=$(regctl area list --priority prioritised -o json | jq '[.[].id]')
with_goal=$(jq --argjson p "$prioritised" '[.goals[].goal.area_id] | unique | map(select(. as $a | $p | index($a))) | length' <<<"$goals")
if [ "$with_goal" -gt "$(($(jq length <<<"$prioritised") / 2))" ]; then pass; else fail "goals in only $with_goal prioritised areas"; fi
expect_match "a stale goal" "$(jq -r '.goals[].status' <<<"$goals")" "stale"
expect_match "an overdue goal" "$(jq -r '.goals[].status' <<<"$goals")" "overdue"
expect_eq "redated by decision" "$(jq -r '.goals[] | select(.redate_count > 0) | .goal.id' <<<"$goals")" "ai/1"
expect_eq "met through its item's stage" "$(jq -r '.goals[] | select(.goal.kind == "stage" and .status == "met") | .goal.id' <<<"$goals")" "ai/2"
expect_exit 0 "check-ins over two years" -- regctl export --kind follow_up -o json
expect_eq "first and last check-in" "$(jq -r '[.[] | select(.type == "check_in") | .as_of] | "\(min[0:4]) \(max[0:4])"' <<<"$OUT")" "2025 2026"
expect_exit 0 "the demo's goals two quarters back" -- regctl goal list --as-of 2026-06-30 -o json
expect_eq "the redated goal before its redate" "$(jq -r '.goals[] | select(.goal.id == "ai/1") | .goal.due' <<<"$(regctl goal list --as-of 2026-04-01 -o json)")" "2026-12-31"

finish
