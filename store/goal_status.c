/*
 * goal_status.c - a goal as of a day: the fold of its follow-ups, the status derived from
 * it, and the quarterly trend of the whole registry, each computed from the records as
 * they stood that day (appointments' validity, areas' priority_since, follow-ups' as_of),
 * never from today's values.
 *
 * A correction never changes an entry: on the days from its as_of on, the fold reads the
 * corrected entry's values from the latest correction of it, so a day before the
 * correction still answers as the registry did then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goal_int.h"

#define FU(t) STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_##t
#define GS(s) STDREG__V1__GOAL_STATE__GOAL_STATE_##s
#define DS(s) STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_##s

/* --- dates (proleptic Gregorian, days since 1970-01-01; H. Hinnant's algorithms) ------ */

long goal_date_days(const char *date)
{
	long y = strtol(date, NULL, 10), m = strtol(date + 5, NULL, 10),
	     d = strtol(date + 8, NULL, 10);
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void goal_date_add(const char *date, long n, char out[11])
{
	long first = goal_date_days("1900-01-01"), last = goal_date_days("9999-12-31");
	long day = goal_date_days(date);
	long z = (n > last - day ? last : n < first - day ? first : day + n) + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long d = doy - (153 * mp + 2) / 5 + 1;
	long m = mp < 10 ? mp + 3 : mp - 9;
	long y = yoe + era * 400 + (m <= 2);

	char buf[64];

	/* Through a wide buffer: the compiler cannot see that the fields have 4, 2, 2 digits. */
	snprintf(buf, sizeof(buf), "%04ld-%02ld-%02ld", y, m, d);
	memcpy(out, buf, 10);
	out[10] = '\0';
}

/* --- the fold ------------------------------------------------------------------------ */

/* The latest correction of entry e whose as_of is not after day (fus[0..n) are those), or
 * e: one look at every entry. */
static const Stdreg__V1__FollowUp *body_of(const Stdreg__V1__FollowUp *const *fus, size_t n,
                                           const Stdreg__V1__FollowUp *e)
{
	const Stdreg__V1__FollowUp *body = e;

	for (size_t i = 0; i < n; i++)
		if (fus[i]->type == FU(CORRECTION) && strcmp(fus[i]->supersedes, e->id) == 0)
			body = fus[i];
	return body;
}

/* The index of the entry whose id is id among fus[0..n), or n. Entry i is number i + 1,
 * and its id ends in "/<number>" (GOAL/SEQ): found at once where the sequence holds. */
static size_t entry_index(const Stdreg__V1__FollowUp *const *fus, size_t n, const char *id)
{
	const char *slash = strrchr(id, '/');
	unsigned long seq = slash != NULL ? strtoul(slash + 1, NULL, 10) : 0;

	if (seq >= 1 && seq <= n && strcmp(fus[seq - 1]->id, id) == 0)
		return seq - 1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(fus[i]->id, id) == 0)
			return i;
	return n;
}

/*
 * body_of() of every entry, in one pass over the corrections: a goal may have thousands of
 * follow-ups, and looking for each entry's corrections among all of them made each fold
 * quadratic (an append folds three times). NULL when out of memory: then body_of() itself.
 */
static const Stdreg__V1__FollowUp **bodies_of(const Stdreg__V1__FollowUp *const *fus, size_t n)
{
	const Stdreg__V1__FollowUp **body = malloc((n ? n : 1) * sizeof *body);

	if (body == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		body[i] = fus[i];
	for (size_t i = 0; i < n; i++) {
		size_t t;

		if (fus[i]->type == FU(CORRECTION) &&
		    (t = entry_index(fus, n, fus[i]->supersedes)) < n)
			body[t] = fus[i]; /* a later correction of the same entry overwrites */
	}
	return body;
}

void goal_fold(const Stdreg__V1__Goal *g, const Stdreg__V1__FollowUp *const *fus, size_t n,
               const char *day, struct goal_fold *out)
{
	struct goal_fold s = {
		.exists = day == NULL || str_empty(g->set_on) || strcmp(g->set_on, day) <= 0,
		.state = g->state,
		.result = g->result,
		.due = g->due,
		.owner_agency_id = g->owner_agency_id,
		.text = g->text,
		.target_stage = g->target_stage,
		.target = g->target,
		.active_since = g->set_on,
	};
	const Stdreg__V1__FollowUp **bodies;
	size_t upto = 0;

	/* as_of never decreases along the sequence, so the entries of the day are a prefix. */
	while (upto < n && (day == NULL || strcmp(fus[upto]->as_of, day) <= 0))
		upto++;
	bodies = s.exists ? bodies_of(fus, upto) : NULL;
	for (size_t i = 0; s.exists && i < upto; i++) {
		const Stdreg__V1__FollowUp *e = fus[i], *b;

		if (e->type == FU(CORRECTION))
			continue; /* read through body_of where the corrected entry is folded */
		b = bodies != NULL ? bodies[i] : body_of(fus, upto, e);
		switch (e->type) {
		case FU(CHECK_IN):
			s.check_in = e;
			s.check_in_body = b;
			if (b->value_set) {
				s.has_value = true;
				s.value = b->value;
			}
			break;
		case FU(REDATE):
			s.due = b->new_due;
			s.redate_count++;
			break;
		case FU(REASSIGN):
			s.owner_agency_id = b->new_owner_agency_id;
			break;
		case FU(RETARGET):
			if (b->new_target_set)
				s.target = b->new_target;
			if (!str_empty(b->new_target_stage))
				s.target_stage = b->new_target_stage;
			if (!str_empty(b->new_text))
				s.text = b->new_text;
			break;
		case FU(CLOSE):
			s.state = GS(CLOSED);
			s.result = b->result;
			s.closed_on = e->as_of;
			break;
		case FU(REOPEN):
		case FU(ACTIVATE):
			s.state = GS(ACTIVE);
			s.result = 0;
			s.closed_on = NULL;
			s.active_since = e->as_of;
			break;
		case FU(WITHDRAW):
			s.state = GS(WITHDRAWN);
			break;
		default:
			break;
		}
	}
	free(bodies);
	s.entries = upto;
	*out = s;
}

/* --- status as of a day ---------------------------------------------------------------- */

/* The first day by day on which the item stood at target or beyond, or NULL. */
static const char *stage_reached(const struct goal_stage_step *steps, size_t nsteps,
                                 const char *target, const char *day)
{
	for (size_t i = 0; i < nsteps; i++) {
		if (strcmp(steps[i].date, day) > 0)
			continue;
		/* Cancellation codes (xx.98, 95.99) sort high but are never a success. */
		if (store_stage_status(steps[i].stage) ==
		    STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_CANCELLED)
			continue;
		if (strcmp(steps[i].stage, target) >= 0)
			return steps[i].date;
	}
	return NULL;
}

static int checkin_status(int s)
{
	switch (s) {
	case STDREG__V1__GOAL_STATUS__GOAL_STATUS_ON_TRACK:
		return DS(ON_TRACK);
	case STDREG__V1__GOAL_STATUS__GOAL_STATUS_AT_RISK:
		return DS(AT_RISK);
	default:
		return DS(OFF_TRACK);
	}
}

static int result_status(int r)
{
	switch (r) {
	case STDREG__V1__GOAL_RESULT__GOAL_RESULT_MET:
		return DS(MET);
	case STDREG__V1__GOAL_RESULT__GOAL_RESULT_MISSED:
		return DS(MISSED);
	default:
		return DS(DROPPED);
	}
}

/* Where an indicator stands between baseline (0) and target (1), either direction. */
static double progress_of(double baseline, double target, double value)
{
	double p = (value - baseline) / (target - baseline);

	if (target == baseline)
		return 0;
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

int goal_view_as_of(const Stdreg__V1__Goal *g, const Stdreg__V1__FollowUp *const *fus, size_t n,
                    const struct goal_stage_step *steps, size_t nsteps, const char *day,
                    struct goal_view *out, struct store_error *err)
{
	struct goal_view v = { 0 };
	const struct goal_fold *f = &v.fold;
	const char *met = NULL, *base;
	long today;

	if (day == NULL || !store_valid_date(day))
		return store_fail(err, RG_EINVAL, "as_of",
		                  "field 'as_of': '%s' is not a calendar date (YYYY-MM-DD)",
		                  day ? day : "");
	goal_fold(g, fus, n, day, &v.fold);
	if (!f->exists) {
		*out = v;
		return RG_OK;
	}
	today = goal_date_days(day);

	/* The check-in cadence runs from the last check-in, or from when the goal came in
	 * force, whichever is later. */
	base = f->active_since;
	if (f->check_in != NULL && (str_empty(base) || strcmp(f->check_in->as_of, base) > 0))
		base = f->check_in->as_of;
	if (!str_empty(base))
		goal_date_add(base,
		              g->report_every_days ? g->report_every_days
		                                   : GOAL_REPORT_EVERY_DEFAULT,
		              v.next_report_date);

	/* The first rule that holds. */
	if (f->state == GS(CLOSED)) {
		v.status = result_status(f->result);
		if (f->result == STDREG__V1__GOAL_RESULT__GOAL_RESULT_MET)
			met = f->closed_on;
	} else if (f->state == GS(PROPOSED)) {
		v.status = DS(PROPOSED);
	} else if (f->state == GS(WITHDRAWN)) {
		v.status = DS(WITHDRAWN);
	} else if (g->kind == STDREG__V1__GOAL_KIND__GOAL_KIND_STAGE &&
	           (met = stage_reached(steps, nsteps, f->target_stage, day)) != NULL) {
		v.status = DS(MET);
	} else if (strcmp(day, f->due) > 0) {
		v.status = DS(OVERDUE);
	} else if (f->check_in == NULL) {
		v.status = DS(PENDING);
	} else if (goal_date_days(day) >
	           goal_date_days(v.next_report_date) + GOAL_STALE_GRACE_DAYS) {
		v.status = DS(STALE);
	} else {
		v.status = checkin_status(f->check_in_body->status);
	}
	if (met != NULL) {
		snprintf(v.met_on, sizeof(v.met_on), "%s", met);
		v.met_on_time = strcmp(met, g->original_due) <= 0;
	}

	if (g->kind == STDREG__V1__GOAL_KIND__GOAL_KIND_INDICATOR) {
		v.current_value = f->has_value ? f->value : g->baseline;
		v.progress = progress_of(g->baseline, f->target, v.current_value);
	} else {
		v.progress = v.status == DS(MET) ? 1 : 0;
	}
	v.days_left = goal_date_days(f->due) - today;
	v.slip_days = str_empty(g->original_due)
	                      ? 0
	                      : goal_date_days(f->due) - goal_date_days(g->original_due);
	v.verifiable =
	        store_valid_date(f->due) &&
	        (g->kind == STDREG__V1__GOAL_KIND__GOAL_KIND_INDICATOR ||
	         g->kind == STDREG__V1__GOAL_KIND__GOAL_KIND_STAGE || g->n_work_item_ids > 0);
	*out = v;
	return RG_OK;
}

/* --- lists and messages ------------------------------------------------------------------ */

bool goal_view_matches(const Stdreg__V1__Goal *g, const struct goal_view *v,
                       const struct goal_filter *f)
{
	const struct goal_fold *fold = &v->fold;

	if (!fold->exists)
		return false;
	if (!str_empty(f->area_id) && strcmp(g->area_id, f->area_id) != 0)
		return false;
	if (!str_empty(f->agency_id) && strcmp(fold->owner_agency_id, f->agency_id) != 0)
		return false;
	if (f->state != 0 && fold->state != f->state)
		return false;
	if (f->status != 0 && v->status != f->status)
		return false;
	if (f->overdue && v->status != DS(OVERDUE))
		return false;
	if (f->stale && v->status != DS(STALE))
		return false;
	/* Due soon: still to be delivered, due today or within the days asked. */
	if (f->due_within_days != 0 &&
	    (fold->state != GS(ACTIVE) || v->status == DS(MET) || v->days_left < 0 ||
	     v->days_left > (long)f->due_within_days))
		return false;
	return true;
}

void goal_view_message(const Stdreg__V1__Goal *g, const struct goal_view *v, const char *day,
                       Stdreg__V1__GoalView *out, Stdreg__V1__Goal *goal,
                       Stdreg__V1__FollowUp *check_in)
{
	const struct goal_fold *f = &v->fold;
	Stdreg__V1__GoalView view = STDREG__V1__GOAL_VIEW__INIT;

	*goal = *g;
	goal->due = (char *)f->due;
	goal->owner_agency_id = (char *)f->owner_agency_id;
	goal->text = (char *)f->text;
	goal->target_stage = (char *)f->target_stage;
	goal->target = f->target;
	goal->state = f->state;
	goal->result = f->result;
	view.goal = goal;
	view.as_of = (char *)day;
	view.status = v->status;
	view.met_on_time = v->met_on_time;
	view.met_on = (char *)v->met_on;
	view.current_value = v->current_value;
	view.progress = v->progress;
	view.days_left = (int32_t)v->days_left;
	view.slip_days = (int32_t)v->slip_days;
	view.redate_count = f->redate_count;
	view.verifiable = v->verifiable;
	view.next_report_date = (char *)v->next_report_date;
	if (f->check_in != NULL) {
		const Stdreg__V1__FollowUp *b = f->check_in_body;
		/* The entry as it reads on the day: its own id and as_of, the corrected words. */
		*check_in = *f->check_in;
		check_in->status = b->status;
		check_in->value = b->value;
		check_in->value_set = b->value_set;
		check_in->note = b->note;
		check_in->evidence_ref = b->evidence_ref;
		view.last_check_in = check_in;
	}
	*out = view;
}
