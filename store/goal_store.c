/*
 * goal_store.c - the goal questions and writes of store.h: add a goal, append a
 * follow-up, a goal as of a day, a filtered list as of a day, the quarterly trend. The
 * writes are store_put of the goal and follow-up kinds (goal_kind.c); the answers are
 * the rules of goal_rules.h over what goal_load reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goal_int.h"
#include "goal_load.h"
#include "stdreg/v1/registry.pb-c.h"

static const char *day_or_today(const char *day, const char *today, char buf[11])
{
	if (!str_empty(day))
		return day;
	if (!str_empty(today))
		return today;
	store_today(0, buf);
	return buf;
}

/* The view of a loaded goal as of day, as a message of its own (from the default
 * allocator): goal_view_message borrows, so it is packed and unpacked once. */
static int view_of(const struct goal_loaded *l, const char *day, struct goal_view *v,
                   Stdreg__V1__GoalView **out, struct store_error *err)
{
	Stdreg__V1__GoalView view;
	Stdreg__V1__Goal goal;
	Stdreg__V1__FollowUp check_in;
	uint8_t *buf;
	size_t len;
	int rc = goal_view_as_of(&l->initial, (const Stdreg__V1__FollowUp *const *)l->fus, l->n,
	                         l->steps, l->nsteps, day, v, err);

	if (rc != RG_OK || out == NULL)
		return rc;
	goal_view_message(&l->initial, v, day, &view, &goal, &check_in);
	len = stdreg__v1__goal_view__get_packed_size(&view);
	buf = malloc(len ? len : 1);
	if (buf == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	stdreg__v1__goal_view__pack(&view, buf);
	*out = stdreg__v1__goal_view__unpack(NULL, len, buf);
	free(buf);
	return *out ? RG_OK : store_fail(err, RG_ENOMEM, NULL, "out of memory");
}

static int load_view(store_txn *t, const char *id, const char *day, Stdreg__V1__GoalView **out,
                     struct store_error *err)
{
	struct goal_loaded l;
	struct goal_view v;
	int rc = goal_load(t, id, &l, err);

	if (rc == RG_OK)
		rc = view_of(&l, day, &v, out, err);
	goal_loaded_release(&l);
	return rc;
}

int store_goal_add(store_txn *t, ProtobufCMessage *rec, bool proposed,
                   const struct store_actor *who, ProtobufCMessage **out, struct store_error *err)
{
	Stdreg__V1__Goal *g = (Stdreg__V1__Goal *)rec;
	struct store_put_opts o = { .create_only = true };
	Stdreg__V1__GoalAddResponse *r;
	int rc;

	if (rec == NULL || rec->descriptor != &stdreg__v1__goal__descriptor)
		return store_fail(err, RG_EINVAL, "goal", "field 'goal' is required");
	if (!str_empty(g->id))
		return store_fail(err, RG_EINVAL, "id",
		                  "field 'id' is set by the registry (leave it empty)");
	g->state = proposed ? STDREG__V1__GOAL_STATE__GOAL_STATE_PROPOSED
	                    : STDREG__V1__GOAL_STATE__GOAL_STATE_UNSPECIFIED;
	rc = store_put(t, STORE_GOAL, rec, &o, who, NULL, NULL, err);
	if (rc != RG_OK || out == NULL)
		return rc;
	r = malloc(sizeof(*r));
	if (r == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	stdreg__v1__goal_add_response__init(r);
	rc = load_view(t, g->id, g->set_on, &r->goal, err);
	return result_out(rc, r, out);
}

int store_follow_up_add(store_txn *t, ProtobufCMessage *rec, const struct store_actor *who,
                        ProtobufCMessage **out, struct store_error *err)
{
	Stdreg__V1__FollowUp *f = (Stdreg__V1__FollowUp *)rec;
	struct store_put_opts o = { .create_only = true };
	Stdreg__V1__FollowUpAddResponse *r;
	uint8_t *bytes = NULL;
	size_t len = 0;
	int rc;

	if (rec == NULL || rec->descriptor != &stdreg__v1__follow_up__descriptor)
		return store_fail(err, RG_EINVAL, "follow_up", "field 'follow_up' is required");
	if (!str_empty(f->id) || f->seq != 0)
		return store_fail(
		        err, RG_EINVAL, "id",
		        "fields 'id' and 'seq' are set by the registry (leave them empty)");
	rc = store_put(t, STORE_FOLLOW_UP, rec, &o, who, &bytes, &len, err);
	if (rc != RG_OK || out == NULL) {
		free(bytes);
		return rc;
	}
	r = malloc(sizeof(*r));
	if (r == NULL) {
		free(bytes);
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	}
	stdreg__v1__follow_up_add_response__init(r);
	r->follow_up = stdreg__v1__follow_up__unpack(NULL, len, bytes);
	free(bytes);
	rc = r->follow_up ? load_view(t, f->goal_id, f->as_of, &r->goal, err)
	                  : store_fail(err, RG_ENOMEM, NULL, "out of memory");
	return result_out(rc, r, out);
}

/* Keeps the entries of l at positions from..from+limit-1 (store_goal_get's rules) in r,
 * and frees the others; l keeps none. */
static void take_range(struct goal_loaded *l, uint32_t from, uint32_t limit,
                       Stdreg__V1__GoalGetResponse *r)
{
	size_t first = from > 0 ? from - 1 : (limit > 0 && l->n > limit ? l->n - limit : 0);
	size_t count = first < l->n ? l->n - first : 0;

	if (limit > 0 && count > limit)
		count = limit;
	for (size_t i = 0; i < l->n; i++)
		if (i < first || i >= first + count)
			stdreg__v1__follow_up__free_unpacked(l->fus[i], NULL);
	if (first > 0 && count > 0)
		memmove(l->fus, l->fus + first, count * sizeof *l->fus);
	r->follow_ups = l->fus;
	r->n_follow_ups = count;
	r->follow_ups_total = (uint32_t)l->n;
	r->follow_ups_from = count > 0 ? (uint32_t)first + 1 : 0;
	l->fus = NULL;
	l->n = 0;
}

int store_goal_get(store_txn *t, const char *id, const char *as_of, const char *today,
                   uint32_t from, uint32_t limit, ProtobufCMessage **out, struct store_error *err)
{
	char buf[11];
	const char *day = day_or_today(as_of, today, buf);
	Stdreg__V1__GoalGetResponse *r;
	struct goal_loaded l;
	struct goal_view v;
	int rc;

	if (!store_valid_date(day))
		return store_fail(err, RG_EINVAL, "as_of",
		                  "field 'as_of': '%s' is not a calendar date (YYYY-MM-DD)", day);
	r = malloc(sizeof(*r));
	if (r == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	stdreg__v1__goal_get_response__init(r);
	rc = goal_load(t, id ? id : "", &l, err);
	if (rc == RG_OK)
		rc = view_of(&l, day, &v, &r->goal, err);
	if (rc == RG_OK)
		take_range(&l, from, limit, r);
	goal_loaded_release(&l);
	return result_out(rc, r, out);
}

/* --- the list ---------------------------------------------------------------------- */

struct list_walk {
	store_txn *t;
	const char *day;
	const struct goal_filter *flt;
	uint32_t size;
	Stdreg__V1__GoalListResponse *r;
	int rc;
	struct store_error *err;
};

/* One goal of the walk: into the page when it matches; a match past the page ends it. */
static int list_step(ProtobufCMessage *rec, void *arg)
{
	struct list_walk *w = arg;
	Stdreg__V1__Goal *g = (Stdreg__V1__Goal *)rec;
	Stdreg__V1__GoalListResponse *r = w->r;
	Stdreg__V1__GoalView *gv = NULL;
	struct goal_loaded l;
	struct goal_view view;

	if (w->flt->area_id && strcmp(g->area_id, w->flt->area_id) != 0)
		return REFS_NEXT;
	if (r->n_goals == w->size) {
		/* A goal past the page: the next page starts after the last one shown. */
		w->rc = goal_set_str(&r->next_page_token, r->goals[w->size - 1]->goal->id, w->err);
		return REFS_STOP;
	}
	w->rc = goal_load_from(w->t, g, &l, w->err); /* l takes g */
	if (w->rc == RG_OK)
		w->rc = view_of(&l, w->day, &view, NULL, w->err);
	if (w->rc == RG_OK && goal_view_matches(&l.initial, &view, w->flt)) {
		w->rc = view_of(&l, w->day, &view, &gv, w->err);
		if (w->rc == RG_OK && !PUSH(r->goals, r->n_goals, gv)) {
			stdreg__v1__goal_view__free_unpacked(gv, NULL);
			w->rc = store_fail(w->err, RG_ENOMEM, NULL, "out of memory");
		}
	}
	goal_loaded_release(&l);
	return w->rc == RG_OK ? REFS_KEPT : REFS_KEPT | REFS_STOP;
}

/* Whether s is a goal's id, AREA/N: what a page token names. */
static bool is_goal_id(const char *s)
{
	const char *slash = strrchr(s, '/');
	char area[STORE_ID_MAX + 1];
	size_t alen = slash != NULL ? (size_t)(slash - s) : 0;

	if (slash == NULL || alen == 0 || strlen(s) > STORE_ID_MAX)
		return false;
	memcpy(area, s, alen);
	area[alen] = '\0';
	return store_valid_id(area) && goal_id_of_area(s, area);
}

/* The request's values that name no goal, state or status: refused, as List's are. */
static int check_list_request(const Stdreg__V1__GoalListRequest *q, const char *day,
                              struct store_error *err)
{
	if (!store_valid_date(day))
		return store_fail(err, RG_EINVAL, "as_of",
		                  "field 'as_of': '%s' is not a calendar date (YYYY-MM-DD)", day);
	if (!str_empty(q->page_token) && !is_goal_id(q->page_token))
		return store_fail(err, RG_EINVAL, "page_token", "page token is not valid");
	// 0 is no filter.
	if (q->state != 0 && !goal_enum_valid(&stdreg__v1__goal_state__descriptor, (int)q->state))
		return store_fail(err, RG_EINVAL, "state", "field 'state': unknown value %d",
		                  (int)q->state);
	if (q->status != 0 &&
	    !goal_enum_valid(&stdreg__v1__derived_status__descriptor, (int)q->status))
		return store_fail(err, RG_EINVAL, "status", "field 'status': unknown value %d",
		                  (int)q->status);
	return RG_OK;
}

int store_goal_list(store_txn *t, const ProtobufCMessage *request, const char *today,
                    ProtobufCMessage **out, struct store_error *err)
{
	const Stdreg__V1__GoalListRequest *q = (const Stdreg__V1__GoalListRequest *)request;
	char buf[11];
	const char *day = day_or_today(q->as_of, today, buf);
	uint32_t size = q->page_size == 0               ? STORE_PAGE_DEFAULT
	                : q->page_size > STORE_PAGE_MAX ? STORE_PAGE_MAX
	                                                : q->page_size;
	struct goal_filter flt = {
		.area_id = str_empty(q->area_id) ? NULL : q->area_id,
		.agency_id = str_empty(q->agency_id) ? NULL : q->agency_id,
		.state = q->state,
		.status = q->status,
		.due_within_days = q->due_within_days,
		.overdue = q->overdue,
		.stale = q->stale,
	};
	struct list_walk w = { t, day, &flt, size, NULL, RG_OK, err };
	int rc;

	if ((rc = check_list_request(q, day, err)) != RG_OK)
		return rc;
	w.r = malloc(sizeof(*w.r));
	if (w.r == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	stdreg__v1__goal_list_response__init(w.r);
	w.r->as_of = strdup(day);
	w.r->next_page_token = strdup("");
	if (w.r->as_of == NULL || w.r->next_page_token == NULL)
		rc = store_fail(err, RG_ENOMEM, NULL, "out of memory");
	else
		rc = records_each(t, STORE_GOAL, q->page_token, list_step, &w, err);
	if (rc == RG_OK)
		rc = w.rc;
	return result_out(rc, w.r, out);
}

/* --- the trend --------------------------------------------------------------------- */

struct trend_data {
	struct goal_area_version *versions;
	size_t nversions;
	Stdreg__V1__Area **stored; /* every version as stored, which versions[] point into */
	size_t nstored;
	char (*since)[11]; /* a version's day when it gave no priority_since */
	Stdreg__V1__Area **areas;
	size_t nareas;
	Stdreg__V1__Assignment **appointments;
	size_t nappointments;
	struct goal_loaded *goals;
	struct goal_trend_goal *tgoals;
	size_t ngoals;
};

static void trend_data_release(struct trend_data *d)
{
	for (size_t i = 0; i < d->nareas; i++)
		stdreg__v1__area__free_unpacked(d->areas[i], NULL);
	for (size_t i = 0; i < d->nappointments; i++)
		stdreg__v1__assignment__free_unpacked(d->appointments[i], NULL);
	for (size_t i = 0; i < d->ngoals; i++)
		goal_loaded_release(&d->goals[i]);
	for (size_t i = 0; i < d->nstored; i++)
		stdreg__v1__area__free_unpacked(d->stored[i], NULL);
	free(d->stored);
	free(d->since);
	free(d->areas);
	free(d->versions);
	free(d->appointments);
	free(d->goals);
	free(d->tgoals);
}

struct keep_all {
	void ***arr;
	size_t *n;
	bool oom;
};

static int keep_step(ProtobufCMessage *rec, void *arg)
{
	struct keep_all *k = arg;

	if (push_ptr(k->arr, k->n, rec))
		return REFS_KEPT;
	k->oom = true;
	return REFS_STOP;
}

/* Every record of kind k, decoded, into *arr. */
static int load_all(store_txn *t, enum store_kind k, void ***arr, size_t *n,
                    struct store_error *err)
{
	struct keep_all keep = { arr, n, false };
	int rc = records_each(t, k, NULL, keep_step, &keep, err);

	if (rc == RG_OK && keep.oom)
		rc = store_fail(err, RG_ENOMEM, NULL, "out of memory");
	return rc;
}

/* One stored version of an area (history_each's callback). */
static int area_version(const Stdreg__V1__Change *ch, void *arg)
{
	struct trend_data *d = arg;
	Stdreg__V1__Area *a, **grown;
	char(*since)[11];

	if (ch->after.len == 0)
		return RG_OK;
	a = stdreg__v1__area__unpack(NULL, ch->after.len, ch->after.data);
	grown = a ? realloc(d->stored, (d->nstored + 1) * sizeof(*grown)) : NULL;
	since = grown ? realloc(d->since, (d->nstored + 1) * sizeof(*since)) : NULL;
	if (grown)
		d->stored = grown;
	if (since)
		d->since = since;
	if (a == NULL || since == NULL) {
		if (a)
			stdreg__v1__area__free_unpacked(a, NULL);
		return RG_ENOMEM;
	}
	// No priority_since: the version took effect on the day it was stored.
	snprintf(d->since[d->nstored], sizeof d->since[0], "%.10s",
	         str_empty(a->priority_since) ? ch->time : a->priority_since);
	d->stored[d->nstored++] = a;
	return RG_OK;
}

/* Every stored version of area id, oldest first, from its history: the trend counts an
 * area on a day by the version in force then, not by today's. */
static int area_versions(store_txn *t, struct trend_data *d, const char *id,
                         struct store_error *err)
{
	int code = history_each(t, STORE_AREA, id, area_version, d, NULL);

	if (code == RG_ENOMEM)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	if (code != RG_OK)
		return store_fail(err, code, NULL, "history of area '%s' is %s", id,
		                  code == RG_ECORRUPT ? "corrupt" : "unreadable");
	return RG_OK;
}

/* versions[] over the stored versions, once all are read (stored[] moved as it grew). */
static int versions_point(struct trend_data *d, struct store_error *err)
{
	d->versions = calloc(d->nstored ? d->nstored : 1, sizeof(*d->versions));
	if (d->versions == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	for (size_t i = 0; i < d->nstored; i++)
		d->versions[i] = (struct goal_area_version){ .area_id = d->stored[i]->id,
			                                     .priority = d->stored[i]->priority,
			                                     .priority_since = d->since[i] };
	d->nversions = d->nstored;
	return RG_OK;
}

/* The areas (every stored version of each), every appointment and every goal with its
 * follow-ups. */
static int trend_load(store_txn *t, struct trend_data *d, struct store_error *err)
{
	Stdreg__V1__Goal **goals = NULL;
	size_t ngoals = 0;
	int rc = load_all(t, STORE_AREA, (void ***)&d->areas, &d->nareas, err);

	if (rc == RG_OK)
		rc = load_all(t, STORE_ASSIGNMENT, (void ***)&d->appointments, &d->nappointments,
		              err);
	if (rc == RG_OK)
		rc = load_all(t, STORE_GOAL, (void ***)&goals, &ngoals, err);
	if (rc != RG_OK)
		goto out;
	d->goals = calloc(ngoals ? ngoals : 1, sizeof(*d->goals));
	d->tgoals = calloc(ngoals ? ngoals : 1, sizeof(*d->tgoals));
	if (d->goals == NULL || d->tgoals == NULL) {
		rc = store_fail(err, RG_ENOMEM, NULL, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < d->nareas && rc == RG_OK; i++)
		rc = area_versions(t, d, d->areas[i]->id, err);
	if (rc == RG_OK)
		rc = versions_point(d, err);
	for (; d->ngoals < ngoals && rc == RG_OK; d->ngoals++) {
		struct goal_loaded *l = &d->goals[d->ngoals];
		rc = goal_load_from(t, goals[d->ngoals], l, err);
		goals[d->ngoals] = NULL; /* l owns it now, also on failure */
		d->tgoals[d->ngoals] = (struct goal_trend_goal){
			.goal = &l->initial,
			.fus = (const Stdreg__V1__FollowUp *const *)l->fus,
			.n = l->n,
			.steps = l->steps,
			.nsteps = l->nsteps,
		};
	}
out:
	for (size_t i = 0; i < ngoals; i++)
		if (goals[i])
			stdreg__v1__goal__free_unpacked(goals[i], NULL);
	free(goals);
	return rc;
}

static int trend_row_message(const struct goal_trend_row *row, Stdreg__V1__TrendRow **out)
{
	Stdreg__V1__TrendRow *m = malloc(sizeof(*m));

	if (m == NULL)
		return RG_ENOMEM;
	stdreg__v1__trend_row__init(m);
	*out = m;
	m->quarter_end = strdup(row->quarter_end);
	if (m->quarter_end == NULL)
		return RG_ENOMEM;
	m->prioritised = row->prioritised;
	m->prioritised_with_lead = row->prioritised_with_lead;
	m->lead_percent = row->lead_percent;
	m->with_active_goal = row->with_active_goal;
	m->active_goal_percent = row->active_goal_percent;
	m->goals = row->goals;
	m->came_due = row->came_due;
	m->met_on_time = row->met_on_time;
	m->met_on_time_percent = row->met_on_time_percent;
	m->mean_slip_days = row->mean_slip_days;
	for (int s = 1; s <= GOAL_DERIVED_STATUS_MAX; s++) {
		Stdreg__V1__GoalStatusCount *c;
		if (row->by_status[s] == 0)
			continue;
		c = malloc(sizeof(*c));
		if (c == NULL)
			return RG_ENOMEM;
		stdreg__v1__goal_status_count__init(c);
		c->status = (Stdreg__V1__DerivedStatus)s;
		c->count = row->by_status[s];
		if (!PUSH(m->by_status, m->n_by_status, c)) {
			free(c);
			return RG_ENOMEM;
		}
	}
	return RG_OK;
}

int store_trend(store_txn *t, const char *from, const char *to, const char *today,
                ProtobufCMessage **out, struct store_error *err)
{
	char buf[11], from_buf[16];
	const char *end = day_or_today(to, today, buf);
	struct trend_data d = { 0 };
	struct goal_trend_row *rows = NULL;
	size_t nrows = 0;
	Stdreg__V1__TrendResponse *r;
	int rc;

	if (!store_valid_date(end))
		return store_fail(err, RG_EINVAL, "to_date",
		                  "field 'to_date': '%s' is not a calendar date (YYYY-MM-DD)", end);
	if (str_empty(from)) {
		/* The same day two years before (29 February: 730 days before). */
		snprintf(from_buf, sizeof(from_buf), "%04d%.6s", (atoi(end) + 9998) % 10000,
		         end + 4);
		if (!store_valid_date(from_buf)) /* 29 February */
			goal_date_add(end, -730, from_buf);
		from = from_buf;
	}
	rc = trend_load(t, &d, err);
	if (rc == RG_OK) {
		struct goal_trend_input in = {
			.versions = d.versions,
			.nversions = d.nversions,
			.appointments = (const Stdreg__V1__Assignment *const *)d.appointments,
			.nappointments = d.nappointments,
			.goals = d.tgoals,
			.ngoals = d.ngoals,
		};
		rc = goal_trend(&in, from, end, &rows, &nrows, err);
	}
	r = rc == RG_OK ? malloc(sizeof(*r)) : NULL;
	if (rc == RG_OK && r == NULL)
		rc = store_fail(err, RG_ENOMEM, NULL, "out of memory");
	if (r)
		stdreg__v1__trend_response__init(r);
	for (size_t i = 0; rc == RG_OK && i < nrows; i++) {
		Stdreg__V1__TrendRow *m = NULL;
		rc = trend_row_message(&rows[i], &m);
		if (m && (rc != RG_OK || !PUSH(r->rows, r->n_rows, m))) {
			stdreg__v1__trend_row__free_unpacked(m, NULL);
			rc = store_fail(err, RG_ENOMEM, NULL, "out of memory");
		}
	}
	free(rows);
	trend_data_release(&d);
	return result_out(rc, r, out);
}
