#!/usr/bin/env bash
# Goals in the other answers: mine (the agency's goals, status, next report date), gaps
# --goals, report (goals by status, overdue and stale per agency), report --trend quarterly,
# history goal (revisions and follow-ups in order), watch --kind goal|follow_up.
. "$(dirname "$0")/lib.sh"
start_daemon

regctl area put ai --name "Artificial intelligence" --priority prioritised --rank 1 --priority-since 2024-06-01 >/dev/null
regctl area put cyber --name "Cybersecurity" --priority prioritised --rank 2 --priority-since 2024-06-01 >/dev/null
regctl area put quantum --name "Quantum" --priority prioritised --rank 3 --priority-since 2024-06-01 >/dev/null
regctl agency put digg --name "Myndigheten för digital förvaltning" --org-number 202100-6883 >/dev/null
regctl agency put pts --name "Post- och telestyrelsen" --org-number 202100-4359 >/dev/null
regctl assign ai digg --role lead --decision Fi2025/00017 --from 2025-01-01 >/dev/null
regctl assign ai pts --role supporting --decision Fi2025/00018 --from 2025-01-01 >/dev/null
regctl assign cyber pts --role lead --decision Fi2025/00019 --from 2025-01-01 >/dev/null

# ai/1: due 2025-12-31, checked in once; ai/2: owned by pts, checked in once, later.
regctl goal add ai --owner digg --text "Swedish positions in CEN-CLC/JTC 21" --due 2025-12-31 \
	--decision Fi2025/00030 --set-on 2025-02-01 >/dev/null
regctl goal add ai --owner pts --text "AI Act conformity guidance for SMEs" --due 2027-12-31 \
	--decision Fi2025/00030 --set-on 2025-02-01 >/dev/null
regctl goal checkin ai/1 --status on_track --note "positions on three drafts" --as-of 2025-03-01 >/dev/null
regctl goal checkin ai/2 --status on_track --note "outline agreed with the AI Office" --as-of 2025-04-15 >/dev/null
# pts no longer supports ai: its goal has an owner without an appointment.
regctl unassign ai pts --decision Fi2026/00050 --to 2026-06-01 >/dev/null

# --- mine ------------------------------------------------------------------------------------
expect_exit 0 "mine json" -- regctl mine digg -o json
expect_eq "mine lists the agency's goals" "$(jq -r '[.goals[].goal.id] | join(",")' <<<"$OUT")" "ai/1"
expect_eq "with its status" "$(jq -r '.goals[0].status' <<<"$OUT")" "overdue"
expect_eq "and next report date" "$(jq -r '.goals[0].next_report_date' <<<"$OUT")" "2025-05-30"
expect_exit 0 "mine table" -- regctl mine digg
expect_match "mine table has the goal" "$OUT" "ai/1 +overdue +2025-12-31 +2025-05-30"

# --- gaps --goals ------------------------------------------------------------------------------
expect_exit 0 "gaps --goals json" -- regctl gaps --goals -o json
expect_eq "areas with a lead and no active goal" "$(jq -r '[.areas_without_active_goal[].area_id] | join(",")' <<<"$OUT")" "cyber"
expect_eq "goals whose owner is not appointed" "$(jq -r '[.goals_without_appointed_owner[].goal_id] | join(",")' <<<"$OUT")" "ai/2"
expect_exit 0 "gaps --goals before pts left" -- regctl gaps --goals --today 2026-01-15 -o json
expect_eq "owner still appointed then" "$(jq -r '.goals_without_appointed_owner | length' <<<"$OUT")" "0"
expect_exit 0 "gaps --goals csv" -- regctl gaps --goals -o csv
expect_eq "csv rows" "$(tr -d '\r' <<<"$OUT")" "problem,area_id,goal_id,agency_id,text
no_active_goal,cyber,,pts,Cybersecurity
owner_not_appointed,ai,ai/2,pts,AI Act conformity guidance for SMEs"
expect_exit 0 "gaps --goals table" -- regctl gaps --goals
expect_match "table names cyber's lead" "$OUT" "cyber +Cybersecurity +pts"

# --- report: goals by status, overdue and stale per agency ---------------------------------------
expect_exit 0 "report json" -- regctl report -o json
expect_eq "goals by status" "$(jq -r '[.goals_by_status[] | "\(.key)=\(.count)"] | sort | join(",")' <<<"$OUT")" "overdue=1,stale=1"
expect_eq "overdue per agency" "$(jq -r '.goals_per_agency[] | select(.agency_id == "digg") | "\(.goals) \(.overdue) \(.stale)"' <<<"$OUT")" "1 1 0"
expect_eq "stale per agency" "$(jq -r '.goals_per_agency[] | select(.agency_id == "pts") | "\(.goals) \(.overdue) \(.stale)"' <<<"$OUT")" "1 0 1"
expect_exit 0 "report table" -- regctl report
expect_match "report table has goals per agency" "$OUT" "goals per agency:"

# --- report --trend quarterly --------------------------------------------------------------------
expect_exit 0 "trend" -- regctl report --trend quarterly --from 2025-01-01 --today 2025-09-30 -o json
expect_eq "quarter ends" "$(jq -r '[.rows[].quarter_end] | join(",")' <<<"$OUT")" "2025-03-31,2025-06-30,2025-09-30"
# 2025-03-31: ai has two goals (on track; pending: no check-in yet), cyber a lead and no
# goal, quantum neither.
q1='.rows[] | select(.quarter_end == "2025-03-31")'
expect_eq "prioritised with a lead" "$(jq -r "$q1 | \"\(.prioritised) \(.prioritised_with_lead)\"" <<<"$OUT")" "3 2"
expect_eq "areas with an active goal" "$(jq -r "$q1 | .with_active_goal" <<<"$OUT")" "1"
expect_eq "by status at Q1" "$(jq -r "[$q1 | .by_status[] | \"\(.status)=\(.count)\"] | sort | join(\",\")" <<<"$OUT")" "on_track=1,pending=1"
# 2025-06-30: ai/1's next report was 2025-05-30 (stale), ai/2's is 2025-07-14 (on track).
expect_eq "by status at Q2" "$(jq -r '[.rows[] | select(.quarter_end == "2025-06-30") | .by_status[] | "\(.status)=\(.count)"] | sort | join(",")' <<<"$OUT")" "on_track=1,stale=1"
expect_exit 0 "trend table" -- regctl report --trend quarterly --from 2025-01-01 --today 2025-09-30
expect_match "trend table" "$OUT" "2025-03-31 +3 +2 \(66.7%\) +1 \(33.3%\)"
expect_exit 2 "trend other than quarterly" -- regctl report --trend weekly
expect_match "bad trend named" "$ERR" "invalid --trend 'weekly' \(expected quarterly\)"
expect_one_line "bad trend: one line" "$ERR"
expect_exit 2 "from without trend" -- regctl report --from 2025-01-01
expect_match "from needs trend" "$ERR" "needs --trend quarterly"
expect_exit 2 "from that is no date" -- regctl report --trend quarterly --from 2025-13-01
expect_match "bad from named" "$ERR" "invalid --from '2025-13-01'"

# --- history goal --------------------------------------------------------------------------------
regctl goal redate ai/1 --due 2026-06-30 --decision Fi2025/00099 --as-of 2025-11-01 >/dev/null
expect_exit 0 "history of a goal" -- regctl history goal ai/1
expect_match "the check-in in the history" "$OUT" "follow-up ai/1/1 +check_in +as of 2025-03-01"
expect_match "the redate under its revision" "$OUT" "due: 2025-12-31 → 2026-06-30
  follow-up ai/1/2 +redate"
first=$(grep -n 'follow-up ai/1/1' <<<"$OUT" | cut -d: -f1)
second=$(grep -n 'follow-up ai/1/2' <<<"$OUT" | cut -d: -f1)
if [ "$first" -lt "$second" ]; then pass; else fail "follow-ups out of order: $first $second"; fi
expect_exit 0 "history json" -- regctl history goal ai/1 -o json
expect_eq "follow-ups in the json" "$(jq -r '[.follow_ups[].id] | join(",")' <<<"$OUT")" "ai/1/1,ai/1/2"

# --- watch --kind goal | follow_up ---------------------------------------------------------------
expect_exit 0 "watch follow-ups" -- timeout 20 "$REGCTL" watch --kind follow_up --since 0 --count 3 -o jsonl
expect_eq "follow-ups streamed" "$(jq -r '.after.id' <<<"$OUT" | paste -sd,)" "ai/1/1,ai/2/1,ai/1/2"
expect_eq "only follow-ups" "$(jq -r '.kind' <<<"$OUT" | sort -u)" "follow_up"
expect_exit 0 "watch goals" -- timeout 20 "$REGCTL" watch --kind goal --since 0 --count 3 -o jsonl
expect_eq "goals streamed, decoded" "$(jq -r '.after.id + " " + .op' <<<"$OUT" | paste -sd,)" "ai/1 create,ai/2 create,ai/1 update"

finish
