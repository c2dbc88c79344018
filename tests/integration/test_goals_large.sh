#!/usr/bin/env bash
# A file of 10 000 goals with 100 000 follow-ups (100 areas, 100 goals each, 10 check-ins
# each, in id order: GOAL/10 before GOAL/2) applies in one transaction; the same file with
# one bad check-in at its end applies nothing and names the line; the store then passes
# registryd check, whose goal rules cover sequence, as_of order, owners and states.
. "$(dirname "$0")/lib.sh"
start_daemon

# gen_goals AREAS GOALS_PER_AREA CHECK_INS_PER_GOAL: the registry as JSON Lines.
gen_goals() {
	awk -v na="$1" -v ng="$2" -v nf="$3" 'BEGIN {
		print "{\"kind\": \"agency\", \"id\": \"ag\", \"name\": \"Agency\", \"org_number\": \"202100-6883\"}"
		split("on_track at_risk off_track", st, " ")
		for (a = 1; a <= na; a++) {
			printf "{\"kind\": \"area\", \"id\": \"g%d\", \"name\": \"Area %d\", \"priority\": \"prioritised\", \"rank\": %d}\n", a, a, a
			printf "{\"kind\": \"assignment\", \"area_id\": \"g%d\", \"agency_id\": \"ag\", \"role\": \"lead\", \"decision_ref\": \"D-%d\", \"valid_from\": \"2024-01-01\"}\n", a, a
			for (g = 1; g <= ng; g++) {
				printf "{\"kind\": \"goal\", \"id\": \"g%d/%d\", \"area_id\": \"g%d\", \"owner_agency_id\": \"ag\", \"text\": \"Goal %d of area %d\", \"due\": \"2027-12-31\", \"decision_ref\": \"D-%d\", \"set_on\": \"2024-02-01\"}\n", a, g, a, g, a, a
				for (f = 1; f <= nf; f++)
					printf "{\"kind\": \"follow_up\", \"id\": \"g%d/%d/%d\", \"goal_id\": \"g%d/%d\", \"type\": \"check_in\", \"as_of\": \"2024-%02d-%02d\", \"status\": \"%s\", \"note\": \"check-in %d\"}\n", a, g, f, a, g, 3 + int((f - 1) / 2), 1 + 14 * ((f - 1) % 2), st[1 + f % 3], f
			}
		}
	}'
}
gen_goals 100 100 10 >"$TEST_TMP/goals.jsonl"
expect_eq "records generated" "$(grep -c '' "$TEST_TMP/goals.jsonl")" "110201"

# --- one bad line at the end: nothing applied -----------------------------------------------
cp "$TEST_TMP/goals.jsonl" "$TEST_TMP/bad.jsonl"
echo '{"kind": "follow_up", "id": "g100/100/11", "goal_id": "g100/100", "type": "check_in", "as_of": "2024-09-01", "status": "on_track", "note": ""}' >>"$TEST_TMP/bad.jsonl"
expect_exit 2 "a bad check-in at the end" -- regctl apply -f "$TEST_TMP/bad.jsonl"
expect_match "the line is named" "$ERR" "bad.jsonl:110202: .*note"
expect_exit 0 "nothing applied" -- regctl goal list -o json
expect_eq "no goals" "$(jq '.goals | length' <<<"$OUT")" "0"

# --- the whole file, in one transaction ---------------------------------------------------------
expect_exit 0 "apply 10 000 goals and 100 000 follow-ups" -- regctl apply -f "$TEST_TMP/goals.jsonl" -o json
expect_eq "goals created" "$(jq -r '.counts[] | select(.kind == "goal") | .created' <<<"$OUT")" "10000"
expect_eq "follow-ups created" "$(jq -r '.counts[] | select(.kind == "follow_up") | .created' <<<"$OUT")" "100000"
expect_exit 0 "a goal's tenth check-in" -- regctl goal get g37/42 --as-of 2024-08-01 -o json
expect_eq "ten entries in sequence" "$(jq -r '[.follow_ups[].seq] | join(",")' <<<"$OUT")" "1,2,3,4,5,6,7,8,9,10"
expect_eq "the last check-in's status" "$(jq -r .goal.status <<<"$OUT")" "at_risk"
expect_exit 0 "export the follow-ups" -- regctl export --kind follow_up
expect_eq "every follow-up exported" "$(grep -c '' <<<"$OUT")" "100000"
stop_daemon
expect_exit 0 "registryd check" -- "$REGISTRYD" check --data "$TEST_TMP/data"
start_daemon

finish
