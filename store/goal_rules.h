/*
 * goal_rules.h - the rules of goals and their follow-up, apart from the store.
 *
 * A goal (stdreg.v1.Goal) is checked when it is set, each follow-up (stdreg.v1.FollowUp)
 * against the goal as its earlier follow-ups leave it, and the goal as of any day D is the
 * fold of the follow-ups whose as_of is not after D. Status, progress and the quarterly
 * trend are derived from that fold and never stored. Nothing here reads LMDB: what needs
 * the store (is the owner appointed on the area that day?) is asked through a callback, and
 * everything else arrives as plain records, so the daemon, store_check and the tests share
 * one copy of the rules.
 *
 * Dates are "YYYY-MM-DD" strings, as in the other records. Errors fill struct store_error
 * (store.h) with the field at fault: RG_EINVAL for input that is wrong in itself,
 * RG_EPRECOND for input the goal's state refuses (issue #15, "Bad input").
 */
#ifndef STDREG_GOAL_RULES_H
#define STDREG_GOAL_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stdreg/v1/goals.pb-c.h"
#include "store.h"

#define GOAL_TEXT_MAX             500 /* characters (code points) */
#define GOAL_REPORT_EVERY_DEFAULT 90  /* days between check-ins */
#define GOAL_STALE_GRACE_DAYS     3   /* a report may be this late before the goal is stale */

/* The most follow-ups one goal keeps: weekly check-ins for nineteen years. Each entry is
 * checked against, and folded with, all before it, so a goal's history costs its length
 * squared to write and its length to read for anyone; the bound keeps both small. The
 * store refuses an entry past it (store_check does not: stores written before the bound
 * keep longer histories). */
#define GOAL_FOLLOW_UPS_MAX 1000
/* Of those, check-ins and corrections of check-ins together, as the registry numbers new
 * entries (AddFollowUp): the owner agency writes them, and the places left are kept for
 * the decisions (close, redate, reassign, ... and their corrections), so that a goal its
 * agency filled with check-ins can still be closed or handed on. An apply of lines that
 * carry their ids (an export) is not held to it. */
#define GOAL_CHECK_INS_MAX 900

/*
 * Is agency_id appointed (a lead or supporting appointment that holds) on area_id on date?
 * Sets *holds and returns RG_OK, or returns an rg_err code (RG_EIO ...) when it cannot tell.
 * The store answers it from its assignments.
 */
struct goal_owner_check {
	int (*holds)(void *arg, const char *area_id, const char *agency_id, const char *date,
	             bool *holds);
	void *arg;
};

/*
 * Checks a goal that is being set and derives what the registry derives: report_every_days
 * (0 -> 90), state (0 -> active; proposed when the caller set it), original_due (= due),
 * set_on (empty -> today). The id and the existence of area, owner, items and parent are
 * the store's to check; the parent's area is checked here from its id (AREA/N).
 * owner may be NULL to skip the appointment check. Strings it sets are malloc'd and
 * replace the old ones as protobuf-c's free_unpacked expects.
 * Errors: RG_EINVAL (area_id, owner_agency_id, text, kind, unit, target, work_item_id,
 * target_stage, due, decision_ref, parent_id, report_every_days, state, result, set_on), RG_EPRECOND (owner not appointed on
 * the area on set_on; set_on in the future), RG_ENOMEM, or the callback's code.
 */
int goal_check_new(Stdreg__V1__Goal *g, const char *today, const struct goal_owner_check *owner,
                   struct store_error *err);

/*
 * Checks a put of goal g over the stored old (an edit, or a line of apply); what g leaves
 * empty or 0 of kind, original_due, set_on, state and result is taken from old. Area, kind,
 * original_due, set_on, state and result never change this way; once the goal is in force
 * (not proposed) neither do due, owner, text, target, target_stage, unit, baseline,
 * work_item_id, decision_ref and parent_id: those change by follow-ups. Contributors,
 * linked items, source_ref and the cadence may. A proposal may change its terms (checked
 * as goal_check_new does; a new owner must be appointed today) and its due date moves
 * original_due with it. The parent's existence and cycles are the store's to check.
 * Errors: RG_EPRECOND (the field that may not change this way), RG_EINVAL (as
 * goal_check_new), RG_ENOMEM, or the callback's code.
 */
int goal_check_edit(const Stdreg__V1__Goal *old, Stdreg__V1__Goal *g, const char *today,
                    const struct goal_owner_check *owner, struct store_error *err);

/*
 * Checks follow-up f, about to be appended to goal g whose entries so far are fus[0..n)
 * (in sequence order), and fills what the registry fills: goal_id (if empty), seq and id
 * (GOAL/SEQ; if set they must be the next ones), as_of (empty -> today) and the old_*
 * values of the goal just before f; f is changed only when it is accepted. g is the goal
 * as it was set (goal_initial). owner may be NULL to skip the appointment check of a
 * reassign (the new owner must be appointed on the reassign's as_of).
 * Errors: RG_EINVAL (the field named), RG_EPRECOND (state, sequence, as_of order, owner
 * not appointed), RG_ENOMEM, or the callback's code.
 */
int goal_check_follow_up(const Stdreg__V1__Goal *g, const Stdreg__V1__FollowUp *const *fus,
                         size_t n, Stdreg__V1__FollowUp *f, const char *today,
                         const struct goal_owner_check *owner, struct store_error *err);

/*
 * Checks a stored history: the owner was appointed on set_on, and each of fus[0..n) (in
 * sequence order) passes goal_check_follow_up against the entries before it, with the
 * sequence complete and the filled-in values (seq, id, as_of, old_*) as the registry
 * would fill them. For store_check and for apply. g is the goal as it was set
 * (goal_initial); today bounds as_of. Nothing is changed.
 * Errors: those of goal_check_follow_up, the message naming the entry.
 */
int goal_check_history(const Stdreg__V1__Goal *g, const Stdreg__V1__FollowUp *const *fus, size_t n,
                       const char *today, const struct goal_owner_check *owner,
                       struct store_error *err);

/*
 * The goal as it was set, rebuilt from the current record (whose due, owner, target, text
 * and state are the fold of all its follow-ups) and the follow-ups' old_* values.
 * *out is a shallow copy: its strings are borrowed from current and fus; never free it
 * with free_unpacked.
 */
void goal_initial(const Stdreg__V1__Goal *current, const Stdreg__V1__FollowUp *const *fus, size_t n,
                  Stdreg__V1__Goal *out);

/* A goal as it stood at the end of one day: the fold of its follow-ups up to that day. */
struct goal_fold {
	bool exists;     /* the goal was set by then (set_on <= day) */
	int state;       /* GoalState */
	int result;      /* GoalResult while closed */
	const char *due; /* these strings are borrowed from the goal and its follow-ups */
	const char *owner_agency_id;
	const char *text;
	const char *target_stage;
	double target;
	const char *closed_on;    /* as_of of the close in force, or NULL */
	const char *active_since; /* set_on, or the as_of of the last activate/reopen */
	/* The last check-in (the entry) and where its content comes from: the entry itself
	 * or the latest correction of it known by then. NULL before the first check-in. */
	const Stdreg__V1__FollowUp *check_in;
	const Stdreg__V1__FollowUp *check_in_body;
	bool has_value; /* the last check-in that carried a value, as corrected */
	double value;
	unsigned redate_count;
	size_t entries; /* follow-ups whose as_of is not after the day */
};

/*
 * Folds fus[0..n) (in sequence order) whose as_of <= day into g (the goal as it was set):
 * redates, reassigns, retargets and state changes in order, each entry's values replaced
 * by those of the latest correction of it whose as_of <= day. day NULL folds them all.
 */
void goal_fold(const Stdreg__V1__Goal *g, const Stdreg__V1__FollowUp *const *fus, size_t n,
               const char *day, struct goal_fold *out);

/* One step of a work item's stage history: from date on, the item was at stage. */
struct goal_stage_step {
	const char *date;
	const char *stage;
};

/* What is derived about a goal on a day (stdreg.v1.GoalView). */
struct goal_view {
	struct goal_fold fold;
	int status; /* DerivedStatus; 0 if the goal did not exist that day */
	bool met_on_time;
	char met_on[11]; /* the day it was met, or "" */
	double current_value;
	double progress;
	long days_left;
	long slip_days;
	bool verifiable;
	char next_report_date[11];
};

/*
 * The goal's status and derived values as of day, by the first rule that holds: closed ->
 * its result; proposed or withdrawn -> that; a stage goal whose item reached the target
 * stage by day (steps: the item's history, by date; cancelled codes never count) -> met;
 * day after due -> overdue; no check-in -> pending; day after the next report date + 3
 * days -> stale; else the last check-in's status. steps may be NULL.
 * Errors: RG_EINVAL (day is not a date).
 */
int goal_view_as_of(const Stdreg__V1__Goal *g, const Stdreg__V1__FollowUp *const *fus, size_t n,
                    const struct goal_stage_step *steps, size_t nsteps, const char *day,
                    struct goal_view *out, struct store_error *err);

/* The filters of GoalListRequest; zero fields do not filter. */
struct goal_filter {
	const char *area_id;
	const char *agency_id;    /* the owner as of the day */
	int state;                /* GoalState as of the day */
	int status;               /* DerivedStatus as of the day */
	uint32_t due_within_days; /* in force, due between the day and the day + N */
	bool overdue;
	bool stale;
};

/* Does goal g, seen as v on its day (goal_view_as_of), pass filter f? A goal that did not
 * exist that day passes none. */
bool goal_view_matches(const Stdreg__V1__Goal *g, const struct goal_view *v,
                       const struct goal_filter *f);

/*
 * Fills the messages of a GoalView as of day: *goal is g with the folded due, owner, text,
 * targets, state and result; *check_in is the last check-in with its corrected status,
 * value, note and evidence (left unset in *out before the first). The three messages
 * borrow their strings from g, v and the follow-ups: pack them, never free_unpacked them.
 */
void goal_view_message(const Stdreg__V1__Goal *g, const struct goal_view *v, const char *day,
                       Stdreg__V1__GoalView *out, Stdreg__V1__Goal *goal,
                       Stdreg__V1__FollowUp *check_in);

/* --- the quarterly trend ------------------------------------------------------------ */

/* One version of an area's priority: in force from priority_since ("" = always). */
struct goal_area_version {
	const char *area_id;
	int priority; /* AreaPriority */
	const char *priority_since;
};

struct goal_trend_goal {
	const Stdreg__V1__Goal *goal; /* as it was set (goal_initial) */
	const Stdreg__V1__FollowUp *const *fus;
	size_t n;
	const struct goal_stage_step *steps; /* the stage goal's item history, or NULL */
	size_t nsteps;
};

struct goal_trend_input {
	const struct goal_area_version *versions; /* each area's versions, oldest first */
	size_t nversions;
	const Stdreg__V1__Assignment *const *appointments;
	size_t nappointments;
	const struct goal_trend_goal *goals;
	size_t ngoals;
};

#define GOAL_DERIVED_STATUS_MAX 11

struct goal_trend_row {
	char quarter_end[11];
	unsigned prioritised, prioritised_with_lead, with_active_goal;
	double lead_percent, active_goal_percent;
	unsigned goals;                                  /* set by that day */
	unsigned by_status[GOAL_DERIVED_STATUS_MAX + 1]; /* indexed by DerivedStatus */
	unsigned came_due, met_on_time;
	double met_on_time_percent;
	double mean_slip_days; /* over goals active or closed that day */
};

/* The registry as it stood at the end of day (one row of the trend): linear in the input
 * (versions, appointments and goals are matched to their areas through one sorted index
 * of area ids, which goal_trend builds once for all its quarters). Errors: RG_ENOMEM. */
int goal_trend_day(const struct goal_trend_input *in, const char *day, struct goal_trend_row *row);

/* The most quarters a trend covers: a hundred years. Each is a fold of the whole registry,
 * and the request may come from anyone. */
#define GOAL_TREND_MAX_QUARTERS 400

/*
 * One row per quarter end from the first on or after from to the last on or before to.
 * *rows is malloc'd (free() it); *nrows may be 0.
 * Errors: RG_EINVAL (from, to not dates, from after to, or more than
 * GOAL_TREND_MAX_QUARTERS quarters between them), RG_ENOMEM.
 */
int goal_trend(const struct goal_trend_input *in, const char *from, const char *to,
               struct goal_trend_row **rows, size_t *nrows, struct store_error *err);

/* --- dates -------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a valid date (store_valid_date). */
long goal_date_days(const char *date);
/* The date n days after date (n may be negative) into out, held to the dates the registry
 * takes (1900-01-01 to 9999-12-31): past them a date would not fit in YYYY-MM-DD. */
void goal_date_add(const char *date, long n, char out[11]);

#endif
