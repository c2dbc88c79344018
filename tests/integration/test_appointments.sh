#!/usr/bin/env bash
# Appointments and follow-up, end to end through registryd, with expectations worked out
# by hand: assign, transfer, unassign, as-of on both sides of a transfer, gaps that close
# and reopen, mine, history over five changes, report, stage, and bad input.
. "$(dirname "$0")/lib.sh"
start_daemon

# --- a small realistic registry ---------------------------------------------------------
regctl area put ai --name "Artificial intelligence" --priority prioritised --rank 1 >/dev/null
regctl area put cybersecurity --name "Cybersecurity and network security" --priority prioritised --rank 2 >/dev/null
regctl area put eid-trust --name "Electronic identification and trust services" --priority prioritised --rank 3 >/dev/null
regctl area put quantum --name "Quantum technologies" --priority prioritised --rank 4 >/dev/null
regctl area put iot --name "Internet of things" --priority monitored >/dev/null
regctl agency put digg --name "Myndigheten för digital förvaltning" --org-number 202100-6883 >/dev/null
regctl agency put pts --name "Post- och telestyrelsen" --org-number 202100-4359 >/dev/null
regctl agency put msb --name "Myndigheten för samhällsskydd och beredskap" --org-number 202100-5984 >/dev/null
regctl agency put vinnova --name "Vinnova" --org-number 202100-5216 >/dev/null
regctl body put iso --acronym ISO --name "International Organization for Standardization" --level international >/dev/null
regctl item put iso-iec-42001 --reference "ISO/IEC 42001:2023" --title "AI management system" --body iso --area ai --stage 60.60 >/dev/null
regctl item put iso-iec-12792 --reference "ISO/IEC 12792" --title "Transparency taxonomy of AI systems" --body iso --area ai --stage 40.20 --target-date 2026-01-31 >/dev/null
regctl item put iso-iec-27001 --reference "ISO/IEC 27001:2022" --title "Information security management systems" --body iso --area cybersecurity --stage 60.60 >/dev/null

# --- assign -------------------------------------------------------------------------------
expect_exit 0 "assign lead" -- regctl assign ai digg --role lead --decision Fi2025/00017 --from 2025-01-01 -o json
expect_eq "assignment id" "$(jq -r .id <<<"$OUT")" "ai/digg/2025-01-01"
expect_eq "assignment role" "$(jq -r .role <<<"$OUT")" "lead"
expect_eq "assignment decision" "$(jq -r .decision_ref <<<"$OUT")" "Fi2025/00017"
expect_exit 0 "assign supporting" -- regctl assign ai vinnova --role supporting --decision Fi2025/00017 --from 2025-01-01
expect_match "table output shows the id" "$OUT" "ai/vinnova/2025-01-01"
expect_exit 0 "assign cybersecurity lead" -- regctl assign cybersecurity pts --role lead --decision Fi2025/00018 --from 2025-01-01

# --- transfer, then as-of on both sides of the transfer date -------------------------------
expect_exit 0 "transfer" -- regctl transfer cybersecurity pts msb --decision Fi2026/00003 --from 2026-03-01 -o json
expect_exit 0 "as-of the day before the transfer" -- regctl as-of cybersecurity 2026-02-28 -o json
expect_eq "lead before transfer" "$(jq -r .lead.agency_id <<<"$OUT")" "pts"
expect_eq "decision before transfer" "$(jq -r .lead.decision_ref <<<"$OUT")" "Fi2025/00018"
expect_exit 0 "as-of the transfer date" -- regctl as-of cybersecurity 2026-03-01 -o json
expect_eq "lead from the transfer date" "$(jq -r .lead.agency_id <<<"$OUT")" "msb"
expect_eq "decision of the transfer" "$(jq -r .lead.decision_ref <<<"$OUT")" "Fi2026/00003"
expect_exit 0 "as-of before any appointment" -- regctl as-of cybersecurity 2024-12-31 -o json
expect_eq "no lead before the first appointment" "$(jq -r '.lead.agency_id // "none"' <<<"$OUT")" "none"
expect_exit 0 "as-of with supporting" -- regctl as-of ai 2025-06-01 -o json
expect_eq "supporting agency" "$(jq -r '.supporting[].agency_id' <<<"$OUT")" "vinnova"
expect_exit 0 "as-of table" -- regctl as-of cybersecurity 2026-03-01
expect_match "as-of table names the lead" "$OUT" "msb"

# --- gaps: close when a lead is assigned, reopen when it ends ------------------------------
expect_exit 0 "gaps" -- regctl gaps --today 2026-11-27 -o json
expect_eq "gaps, most important first" "$(jq -r '[.gaps[].area.id] | join(",")' <<<"$OUT")" "eid-trust,quantum"
expect_exit 0 "assign eid-trust" -- regctl assign eid-trust digg --role lead --decision Fi2025/00020 --from 2025-01-01
expect_exit 0 "gaps after assign" -- regctl gaps --today 2026-11-27 -o json
expect_eq "gap closed" "$(jq -r '[.gaps[].area.id] | join(",")' <<<"$OUT")" "quantum"
expect_exit 0 "unassign eid-trust" -- regctl unassign eid-trust digg --decision Fi2026/00044 --to 2026-11-01
expect_exit 0 "gaps after unassign" -- regctl gaps --today 2026-11-27 -o json
expect_eq "gap reopened" "$(jq -r '[.gaps[].area.id] | join(",")' <<<"$OUT")" "eid-trust,quantum"
expect_eq "without a lead since the end" "$(jq -r '.gaps[0].without_lead_since' <<<"$OUT")" "2026-11-01"
expect_eq "days without a lead" "$(jq -r '.gaps[0].days_without_lead' <<<"$OUT")" "26"
expect_eq "last lead" "$(jq -r '.gaps[0].last_lead_agency_id' <<<"$OUT")" "digg"
expect_exit 0 "gaps table" -- regctl gaps --today 2026-11-27
expect_match "gaps table lists eid-trust" "$OUT" "eid-trust"
expect_exit 0 "as-of inside the ended period" -- regctl as-of eid-trust 2026-10-31 -o json
expect_eq "ended lead still answers for its period" "$(jq -r .lead.agency_id <<<"$OUT")" "digg"
expect_exit 0 "as-of on the end date" -- regctl as-of eid-trust 2026-11-01 -o json
expect_eq "valid_to is exclusive" "$(jq -r '.lead.agency_id // "none"' <<<"$OUT")" "none"

# --- mine -----------------------------------------------------------------------------------
expect_exit 0 "mine digg" -- regctl mine digg -o json
expect_eq "digg's current areas" "$(jq -r '[.areas[].area.id] | join(",")' <<<"$OUT")" "ai"
expect_eq "digg's role" "$(jq -r '.areas[0].assignment.role' <<<"$OUT")" "lead"
expect_eq "items grouped by stage" "$(jq -r '[.areas[0].stages[] | .stage + ":" + ([.work_items[].id] | join("+"))] | join(",")' <<<"$OUT")" "40:iso-iec-12792,60:iso-iec-42001"
expect_exit 0 "mine msb" -- regctl mine msb -o json
expect_eq "msb leads cybersecurity after the transfer" "$(jq -r '[.areas[] | .area.id + "/" + .assignment.role] | join(",")' <<<"$OUT")" "cybersecurity/lead"
expect_exit 0 "mine table" -- regctl mine digg
expect_match "mine table shows the item" "$OUT" "iso-iec-12792"

# --- bad input: a clear error, its exit code, nothing changed --------------------------------
before=$(regctl assignment list -o json)
expect_exit 7 "assign to a missing area" -- regctl assign nosuch digg --role lead --decision X1
expect_match "missing area named" "$ERR" "nosuch"
expect_exit 7 "assign a missing agency" -- regctl assign quantum nosuch --role lead --decision X1
expect_exit 7 "second current lead" -- regctl assign ai pts --role lead --decision X1
expect_match "names the current lead" "$ERR" "digg"
expect_one_line "second lead message" "$ERR"
expect_exit 4 "unassign an agency that holds nothing" -- regctl unassign quantum pts --decision X1
expect_exit 2 "invalid date" -- regctl assign quantum pts --role lead --decision X1 --from 2026-02-30
expect_exit 2 "valid_to before valid_from" -- regctl unassign ai vinnova --decision X1 --to 2024-06-01
expect_exit 2 "missing decision" -- regctl assign quantum pts --role lead
expect_exit 2 "bad role" -- regctl assign quantum pts --role boss --decision X1
after=$(regctl assignment list -o json)
expect_eq "appointments unchanged by bad input" "$after" "$before"
expect_exit 2 "an appointment cannot be deleted" -- regctl assignment delete ai/digg/2025-01-01
expect_match "says how appointments change" "$ERR" "unassign"

# --- history of a record across five changes --------------------------------------------------
regctl area put h1 --name "First name" --priority monitored >/dev/null
regctl area put h1 --name "Second name" >/dev/null
regctl area put h1 --goal "A goal" --decision Fi2026/00100 >/dev/null
regctl area put h1 --rank 7 >/dev/null
regctl area put h1 --priority prioritised >/dev/null
expect_exit 0 "history" -- regctl history area h1 -o json
expect_eq "five entries" "$(jq '.entries | length' <<<"$OUT")" "5"
expect_eq "oldest first" "$(jq -r '[.entries[].op] | join(",")' <<<"$OUT")" "create,update,update,update,update"
expect_eq "revisions increase" "$(jq '[.entries[].revision] | . == (sort) and (unique | length) == 5' <<<"$OUT")" "true"
expect_eq "name change" "$(jq -r '.entries[1].changes[] | select(.field == "name") | .old_value + "->" + .new_value' <<<"$OUT")" "First name->Second name"
expect_eq "decision recorded" "$(jq -r '.entries[2].decision_ref' <<<"$OUT")" "Fi2026/00100"
expect_eq "priority change" "$(jq -r '.entries[4].changes[] | select(.field == "priority") | .old_value + "->" + .new_value' <<<"$OUT")" "monitored->prioritised"
expect_match "principal recorded" "$(jq -r '.entries[0].principal' <<<"$OUT")" '.+'
expect_exit 0 "history table" -- regctl history area h1
expect_match "history table shows a change" "$OUT" "First name"
expect_exit 0 "history of an appointment" -- regctl history assignment eid-trust/digg/2025-01-01 -o json
expect_eq "appointment created then ended" "$(jq -r '[.entries[].op] | join(",")' <<<"$OUT")" "create,update"
expect_eq "end decision in history" "$(jq -r '.entries[1].decision_ref' <<<"$OUT")" "Fi2026/00044"
expect_exit 4 "history of nothing" -- regctl history area nosuch

# --- stage and report -------------------------------------------------------------------------
expect_exit 0 "stage" -- regctl stage iso-iec-12792 50.20 -o json
expect_eq "new stage" "$(jq -r .stage <<<"$OUT")" "50.20"
expect_exit 2 "invalid stage code" -- regctl stage iso-iec-12792 55.55
expect_exit 4 "stage of a missing item" -- regctl stage nosuch 50.20
expect_exit 0 "report" -- regctl report -o json
expect_eq "prioritised areas" "$(jq -r .prioritised <<<"$OUT")" "5"
expect_eq "with a lead" "$(jq -r .prioritised_with_lead <<<"$OUT")" "2"
expect_eq "coverage" "$(jq -r .coverage_percent <<<"$OUT")" "40"
expect_eq "overdue item" "$(jq -r '[.overdue[].id] | join(",")' <<<"$OUT")" "iso-iec-12792"
expect_eq "digg load" "$(jq -c '.agencies[] | select(.agency_id == "digg") | [.areas_led, (.areas_supported // 0), .work_items, .overdue]' <<<"$OUT")" "[1,0,2,1]"
expect_eq "stage change reported" "$(jq -r '.stage_changes[] | .work_item_id + ":" + .old_stage + "->" + .new_stage' <<<"$OUT")" "iso-iec-12792:40.20->50.20"
expect_eq "published count" "$(jq -r '.stage_groups[] | select(.group == "published") | .count' <<<"$OUT")" "2"
expect_exit 0 "report table" -- regctl report
expect_match "report table coverage" "$OUT" "2 of 5"

finish
