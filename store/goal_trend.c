/*
 * goal_trend.c - the registry at the end of each quarter: prioritised areas with a lead,
 * areas with an active goal, goals by status, the share met on time and the mean slip.
 * Each day uses the area versions, appointments and follow-ups as they stood that day, so
 * a registry loaded today from older decisions still has a true past.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goal_int.h"

#define GS(s) STDREG__V1__GOAL_STATE__GOAL_STATE_##s
#define DS(s) STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_##s

static double percent(unsigned part, unsigned whole)
{
	return whole == 0 ? 0 : 100.0 * part / whole;
}

/* Is the version at index i the one of its area in force on day (the latest, in input
 * order, whose priority_since is not after day)? */
static bool version_in_force(const struct goal_trend_input *in, size_t i, const char *day)
{
	const struct goal_area_version *v = &in->versions[i];

	if (v->priority_since != NULL && strcmp(v->priority_since, day) > 0)
		return false;
	for (size_t j = i + 1; j < in->nversions; j++) {
		const struct goal_area_version *w = &in->versions[j];
		if (strcmp(w->area_id, v->area_id) == 0 &&
		    (w->priority_since == NULL || strcmp(w->priority_since, day) <= 0))
			return false;
	}
	return true;
}

static bool lead_on(const struct goal_trend_input *in, const char *area_id, const char *day)
{
	for (size_t i = 0; i < in->nappointments; i++) {
		const Stdreg__V1__Assignment *a = in->appointments[i];
		if (a->role == STDREG__V1__ROLE__ROLE_LEAD && strcmp(a->area_id, area_id) == 0 &&
		    strcmp(a->valid_from, day) <= 0 &&
		    (a->valid_to == NULL || *a->valid_to == '\0' || strcmp(day, a->valid_to) < 0))
			return true;
	}
	return false;
}

int goal_trend_day(const struct goal_trend_input *in, const char *day, struct goal_trend_row *row)
{
	struct goal_trend_row r = { 0 };
	struct goal_view *views = NULL;
	long slip_sum = 0;
	unsigned slip_n = 0;

	/* Each goal once for the day; areas look their goals up below. */
	if (in->ngoals > 0 && (views = calloc(in->ngoals, sizeof(*views))) == NULL)
		return RG_ENOMEM;
	snprintf(r.quarter_end, sizeof(r.quarter_end), "%s", day);
	for (size_t i = 0; i < in->ngoals; i++) {
		const struct goal_trend_goal *tg = &in->goals[i];
		struct goal_view *v = &views[i];
		int st;

		goal_view_as_of(tg->goal, tg->fus, tg->n, tg->steps, tg->nsteps, day, v, NULL);
		if (!v->fold.exists)
			continue;
		r.goals++;
		if (v->status > 0 && v->status <= GOAL_DERIVED_STATUS_MAX)
			r.by_status[v->status]++;
		st = v->fold.state;
		if (st != GS(ACTIVE) && st != GS(CLOSED))
			continue; /* proposed and withdrawn goals were never in force */
		slip_sum += v->slip_days;
		slip_n++;
		if (strcmp(tg->goal->original_due, day) < 0) {
			r.came_due++;
			if (v->status == DS(MET) && v->met_on_time)
				r.met_on_time++;
		}
	}

	for (size_t i = 0; i < in->nversions; i++) {
		const struct goal_area_version *a = &in->versions[i];
		if (!version_in_force(in, i, day) ||
		    a->priority != STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED)
			continue;
		r.prioritised++;
		if (lead_on(in, a->area_id, day))
			r.prioritised_with_lead++;
		for (size_t j = 0; j < in->ngoals; j++)
			if (views[j].fold.exists && views[j].fold.state == GS(ACTIVE) &&
			    strcmp(in->goals[j].goal->area_id, a->area_id) == 0) {
				r.with_active_goal++;
				break;
			}
	}
	free(views);

	r.lead_percent = percent(r.prioritised_with_lead, r.prioritised);
	r.active_goal_percent = percent(r.with_active_goal, r.prioritised);
	r.met_on_time_percent = percent(r.met_on_time, r.came_due);
	r.mean_slip_days = slip_n ? (double)slip_sum / slip_n : 0;
	*row = r;
	return RG_OK;
}

/* Quarters are numbered year * 4 + (0..3); the quarter a date falls in. */
static long quarter_of(const char *day)
{
	return (long)atoi(day) * 4 + (atoi(day + 5) - 1) / 3;
}

/* The last day of quarter number k, YYYY-MM-DD. */
static void quarter_end(long k, char out[11])
{
	static const char *const ends[] = { "03-31", "06-30", "09-30", "12-31" };
	char buf[32]; /* the compiler cannot see that the year has 4 digits (1900-9999) */

	snprintf(buf, sizeof buf, "%04ld-%s", k / 4, ends[k % 4]);
	memcpy(out, buf, 10);
	out[10] = '\0';
}

int goal_trend(const struct goal_trend_input *in, const char *from, const char *to,
               struct goal_trend_row **rows, size_t *nrows, struct store_error *err)
{
	struct goal_trend_row *r = NULL;
	size_t n = 0;
	long first, last;
	char q[11];

	if (!store_valid_date(from) || !store_valid_date(to) || strcmp(from, to) > 0)
		return store_fail(err, RG_EINVAL, store_valid_date(from) ? "to" : "from",
		                  "cannot compute the trend from '%s' to '%s' (two dates, from not "
		                  "after to)",
		                  from ? from : "", to ? to : "");
	// The quarters whose last day is in [from, to], counted before any work is done.
	first = quarter_of(from);
	last = quarter_of(to);
	quarter_end(last, q);
	if (strcmp(q, to) > 0)
		last--; /* to is inside its quarter: that quarter has not ended */
	if (last - first + 1 > GOAL_TREND_MAX_QUARTERS)
		return store_fail(
		        err, RG_EINVAL, "from",
		        "cannot compute the trend from '%s' to '%s': %ld quarters, at most "
		        "%d (a hundred years)",
		        from, to, last - first + 1, GOAL_TREND_MAX_QUARTERS);
	if (last >= first && (r = calloc((size_t)(last - first + 1), sizeof(*r))) == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	for (long k = first; k <= last; k++) {
		quarter_end(k, q);
		if (goal_trend_day(in, q, &r[n++]) != RG_OK) {
			free(r);
			return store_fail(err, RG_ENOMEM, NULL, "out of memory");
		}
	}
	*rows = r;
	*nrows = n;
	return RG_OK;
}
