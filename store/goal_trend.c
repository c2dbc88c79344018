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

/*
 * Each area named by a version gets a number, and every version, appointment and goal
 * carries the number of its area (NO_AREA: an area without versions, never counted). A
 * day then walks each list once, marking areas by number, instead of looking through
 * every list for every area: a 100-year trend of a large registry was areas x records per
 * quarter. The index is built once per trend.
 */
#define NO_AREA SIZE_MAX

struct trend_index {
	size_t nareas;
	size_t *version_area, *appointment_area, *goal_area; /* per record of the input */
	/* One day's marks, per area number, cleared for each day. */
	size_t *in_force; /* index + 1 of the area's version in force, 0 for none */
	bool *lead, *active_goal;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The number of area id in the sorted, distinct ids[0..n), or NO_AREA. */
static size_t area_number(const char *const *ids, size_t n, const char *id)
{
	const char *const *hit = n ? bsearch(&id, ids, n, sizeof(*ids), cmp_str) : NULL;

	return hit ? (size_t)(hit - ids) : NO_AREA;
}

/* ids[0..n) sorted, each once; returns how many are left. */
static size_t sort_distinct(const char **ids, size_t n)
{
	size_t k = 0;

	if (n > 0)
		qsort(ids, n, sizeof(*ids), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || strcmp(ids[k - 1], ids[i]) != 0)
			ids[k++] = ids[i];
	return k;
}

static void trend_index_free(struct trend_index *x)
{
	free(x->version_area);
	free(x->appointment_area);
	free(x->goal_area);
	free(x->in_force);
	free(x->lead);
	free(x->active_goal);
}

/* n zeroed elements; never NULL for n = 0 unless out of memory. */
static void *array_of(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* RG_OK or RG_ENOMEM (x then holds nothing to free). */
static int trend_index_build(const struct goal_trend_input *in, struct trend_index *x)
{
	size_t nv = in->nversions, na = in->nappointments, ng = in->ngoals;
	const char **ids = array_of(nv, sizeof(*ids));

	*x = (struct trend_index){ 0 };
	x->version_area = array_of(nv, sizeof(size_t));
	x->appointment_area = array_of(na, sizeof(size_t));
	x->goal_area = array_of(ng, sizeof(size_t));
	if (ids == NULL || x->version_area == NULL || x->appointment_area == NULL ||
	    x->goal_area == NULL)
		goto oom;
	for (size_t i = 0; i < nv; i++)
		ids[i] = in->versions[i].area_id;
	x->nareas = sort_distinct(ids, nv);
	x->in_force = array_of(x->nareas, sizeof(*x->in_force));
	x->lead = array_of(x->nareas, sizeof(*x->lead));
	x->active_goal = array_of(x->nareas, sizeof(*x->active_goal));
	if (x->in_force == NULL || x->lead == NULL || x->active_goal == NULL)
		goto oom;
	for (size_t i = 0; i < nv; i++)
		x->version_area[i] = area_number(ids, x->nareas, in->versions[i].area_id);
	for (size_t i = 0; i < na; i++)
		x->appointment_area[i] = area_number(ids, x->nareas, in->appointments[i]->area_id);
	for (size_t i = 0; i < ng; i++)
		x->goal_area[i] = area_number(ids, x->nareas, in->goals[i].goal->area_id);
	free(ids);
	return RG_OK;
oom:
	free(ids);
	trend_index_free(x);
	*x = (struct trend_index){ 0 };
	return RG_ENOMEM;
}

/* Has version v taken effect by day (no priority_since, or not after day)? */
static bool version_started(const struct goal_area_version *v, const char *day)
{
	return v->priority_since == NULL || strcmp(v->priority_since, day) <= 0;
}

/* Is a a lead appointment that holds on day? */
static bool lead_holds(const Stdreg__V1__Assignment *a, const char *day)
{
	return a->role == STDREG__V1__ROLE__ROLE_LEAD && strcmp(a->valid_from, day) <= 0 &&
	       (a->valid_to == NULL || *a->valid_to == '\0' || strcmp(day, a->valid_to) < 0);
}

/* Marks each area's version in force on day: the latest, in input order, that has taken
 * effect (a later one overwrites an earlier mark). */
static void mark_versions(const struct goal_trend_input *in, struct trend_index *x, const char *day)
{
	for (size_t i = 0; i < in->nversions; i++)
		if (version_started(&in->versions[i], day))
			x->in_force[x->version_area[i]] = i + 1;
}

static void mark_leads(const struct goal_trend_input *in, struct trend_index *x, const char *day)
{
	for (size_t i = 0; i < in->nappointments; i++)
		if (x->appointment_area[i] != NO_AREA && lead_holds(in->appointments[i], day))
			x->lead[x->appointment_area[i]] = true;
}

/* The goals' part of the row, and each area with a goal active on day marked. */
static void count_goals(const struct goal_trend_input *in, struct trend_index *x, const char *day,
                        struct goal_trend_row *r)
{
	long slip_sum = 0;
	unsigned slip_n = 0;

	for (size_t i = 0; i < in->ngoals; i++) {
		const struct goal_trend_goal *tg = &in->goals[i];
		struct goal_view v = { 0 }; /* a day that is not a date leaves it: no goal */
		int st;

		goal_view_as_of(tg->goal, tg->fus, tg->n, tg->steps, tg->nsteps, day, &v, NULL);
		if (!v.fold.exists)
			continue;
		r->goals++;
		if (v.status > 0 && v.status <= GOAL_DERIVED_STATUS_MAX)
			r->by_status[v.status]++;
		st = v.fold.state;
		if (st == GS(ACTIVE) && x->goal_area[i] != NO_AREA)
			x->active_goal[x->goal_area[i]] = true;
		if (st != GS(ACTIVE) && st != GS(CLOSED))
			continue; /* proposed and withdrawn goals were never in force */
		slip_sum += v.slip_days;
		slip_n++;
		if (strcmp(tg->goal->original_due, day) < 0) {
			r->came_due++;
			if (v.status == DS(MET) && v.met_on_time)
				r->met_on_time++;
		}
	}
	r->mean_slip_days = slip_n ? (double)slip_sum / slip_n : 0;
}

/* One row from an index built for in: linear in the input. */
static void trend_day_indexed(const struct goal_trend_input *in, struct trend_index *x,
                              const char *day, struct goal_trend_row *row)
{
	struct goal_trend_row r = { 0 };

	snprintf(r.quarter_end, sizeof(r.quarter_end), "%s", day);
	memset(x->in_force, 0, x->nareas * sizeof(*x->in_force));
	memset(x->lead, 0, x->nareas * sizeof(*x->lead));
	memset(x->active_goal, 0, x->nareas * sizeof(*x->active_goal));
	count_goals(in, x, day, &r);
	mark_versions(in, x, day);
	mark_leads(in, x, day);
	for (size_t k = 0; k < x->nareas; k++) {
		if (x->in_force[k] == 0 ||
		    in->versions[x->in_force[k] - 1].priority !=
		            STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED)
			continue;
		r.prioritised++;
		r.prioritised_with_lead += x->lead[k];
		r.with_active_goal += x->active_goal[k];
	}
	r.lead_percent = percent(r.prioritised_with_lead, r.prioritised);
	r.active_goal_percent = percent(r.with_active_goal, r.prioritised);
	r.met_on_time_percent = percent(r.met_on_time, r.came_due);
	*row = r;
}

int goal_trend_day(const struct goal_trend_input *in, const char *day, struct goal_trend_row *row)
{
	struct trend_index x;

	if (trend_index_build(in, &x) != RG_OK)
		return RG_ENOMEM;
	trend_day_indexed(in, &x, day, row);
	trend_index_free(&x);
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
	struct trend_index x;
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
	if (last < first) {
		*rows = NULL;
		*nrows = 0;
		return RG_OK;
	}
	r = calloc((size_t)(last - first + 1), sizeof(*r));
	if (r == NULL || trend_index_build(in, &x) != RG_OK) {
		free(r);
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	}
	for (long k = first; k <= last; k++) {
		quarter_end(k, q);
		trend_day_indexed(in, &x, q, &r[n++]);
	}
	trend_index_free(&x);
	*rows = r;
	*nrows = n;
	return RG_OK;
}
