#!/usr/bin/env bash
# A year replayed: appointments (and a transfer), three goals, check-ins, a redate, a
# reassign after the transfer, a correction and a close, all recorded today with the days
# they speak for. goal list --as-of D and report --trend must equal the tables below,
# computed by hand from the rules (issue 15, "Status as of day D"), for days before and
# after each later entry, the correction included.
. "$(dirname "$0")/lib.sh"
start_daemon

regctl area put a --name "Area A" --priority prioritised --rank 1 --priority-since 2025-01-01 >/dev/null
regctl area put b --name "Area B" --priority prioritised --rank 2 --priority-since 2025-01-01 >/dev/null
regctl area put c --name "Area C" --priority prioritised --rank 3 --priority-since 2025-07-01 >/dev/null
regctl agency put x --name "Agency X" --org-number 202100-6883 >/dev/null
regctl agency put y --name "Agency Y" --org-number 202100-4359 >/dev/null
regctl assign a x --role lead --decision D-1 --from 2025-01-01 >/dev/null
regctl assign b x --role lead --decision D-2 --from 2025-01-01 >/dev/null
regctl transfer b x y --decision D-3 --from 2025-07-01 >/dev/null

# a/1: due 2025-09-20, check-ins every 180 days; b/1: due 2025-12-15; a/2: due 2026-12-31.
regctl goal add a --owner x --text "Goal A1" --due 2025-09-20 --every 180 --decision D-10 --set-on 2025-01-15 >/dev/null
regctl goal add b --owner x --text "Goal B1" --due 2025-12-15 --decision D-11 --set-on 2025-02-01 >/dev/null
regctl goal add a --owner x --text "Goal A2" --due 2026-12-31 --decision D-12 --set-on 2025-03-01 >/dev/null
regctl goal checkin a/1 --status on_track --note "started" --as-of 2025-03-01 >/dev/null
regctl goal checkin b/1 --status on_track --note "started" --as-of 2025-04-01 >/dev/null
regctl goal checkin a/1 --status at_risk --note "late drafts" --as-of 2025-06-01 >/dev/null
regctl goal reassign b/1 --owner y --decision D-13 --as-of 2025-07-10 >/dev/null
regctl goal checkin b/1 --status off_track --note "no experts" --as-of 2025-08-01 >/dev/null
regctl goal redate a/1 --due 2025-12-31 --decision D-14 --as-of 2025-08-15 >/dev/null
regctl goal correct a/1/2 --status on_track --note "the drafts were on time after all" --as-of 2025-10-01 >/dev/null
regctl goal close a/1 --result met --decision D-15 --as-of 2025-11-20 >/dev/null
regctl goal checkin a/2 --status at_risk --note "waiting for the committee" --as-of 2025-12-01 >/dev/null

# goal list --as-of D: "ID STATUS OWNER DUE" per goal.
listed() {
	regctl goal list --as-of "$1" -o json |
		jq -r '.goals[] | "\(.goal.id) \(.status) \(.goal.owner_agency_id) \(.goal.due)"' | LC_ALL=C sort
}
check_day() {
	local day=$1
	shift
	expect_eq "goals as of $day" "$(listed "$day")" "$(printf '%s\n' "$@")"
}
# 2025-03-31: b/1 and a/2 not yet checked in.
check_day 2025-03-31 "a/1 on_track x 2025-09-20" "a/2 pending x 2026-12-31" "b/1 pending x 2025-12-15"
# 2025-06-30: a/1's check-in of 06-01 as recorded then (the correction speaks for 10-01);
# b/1's next report is 06-30, stale only after 07-03.
check_day 2025-06-30 "a/1 at_risk x 2025-09-20" "a/2 pending x 2026-12-31" "b/1 on_track x 2025-12-15"
# 2025-07-05: b/1 is stale (next report 06-30 + 3 days passed), still x's.
check_day 2025-07-05 "a/1 at_risk x 2025-09-20" "a/2 pending x 2026-12-31" "b/1 stale x 2025-12-15"
# 2025-09-30: a/1 redated (else overdue since 09-20); b/1 reassigned to y, off track.
check_day 2025-09-30 "a/1 at_risk x 2025-12-31" "a/2 pending x 2026-12-31" "b/1 off_track y 2025-12-15"
# 2025-10-15: the correction of a/1's second check-in is in force.
check_day 2025-10-15 "a/1 on_track x 2025-12-31" "a/2 pending x 2026-12-31" "b/1 off_track y 2025-12-15"
# 2025-12-31: a/1 closed as met; b/1 past due; a/2's first check-in.
check_day 2025-12-31 "a/1 met x 2025-12-31" "a/2 at_risk x 2026-12-31" "b/1 overdue y 2025-12-15"
# 2026-03-31: a/2's next report was 2026-03-01.
check_day 2026-03-31 "a/1 met x 2025-12-31" "a/2 stale x 2026-12-31" "b/1 overdue y 2025-12-15"

expect_exit 0 "a/1 as of 2025-12-31" -- regctl goal get a/1 --as-of 2025-12-31 -o json
expect_eq "met late" "$(jq -r '"\(.goal.met_on) \(.goal.met_on_time // false) \(.goal.slip_days) \(.goal.redate_count)"' <<<"$OUT")" "2025-11-20 false 102 1"

# --- report --trend: QUARTER PRIORITISED WITH_LEAD ACTIVE_GOAL GOALS CAME_DUE MET_ON_TIME
# MEAN_SLIP STATUSES. c is prioritised from 2025-07-01 and has no lead; b's lead moved to y;
# a/1 (original due 09-20) was met late; its slip of 102 days counts once it is redated.
expect_exit 0 "trend" -- regctl report --trend quarterly --from 2025-01-01 --today 2026-03-31 -o json
got=$(jq -r '.rows[] | "\(.quarter_end) \(.prioritised) \(.prioritised_with_lead // 0) \(.with_active_goal // 0) \(.goals // 0) \(.came_due // 0) \(.met_on_time // 0) \(.mean_slip_days // 0) \([.by_status[] | "\(.status)=\(.count)"] | sort | join(","))"' <<<"$OUT")
want="2025-03-31 2 2 2 3 0 0 0 on_track=1,pending=2
2025-06-30 2 2 2 3 0 0 0 at_risk=1,on_track=1,pending=1
2025-09-30 3 2 2 3 1 0 34 at_risk=1,off_track=1,pending=1
2025-12-31 3 2 2 3 2 0 34 at_risk=1,met=1,overdue=1
2026-03-31 3 2 2 3 2 0 34 met=1,overdue=1,stale=1"
expect_eq "trend table" "$got" "$want"
expect_eq "lead percent" "$(jq -r '[.rows[].lead_percent | . * 10 | round / 10] | join(" ")' <<<"$OUT")" "100 100 66.7 66.7 66.7"

finish
