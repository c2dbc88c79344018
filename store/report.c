/*
 * report.c - the follow-up report: coverage of prioritised areas, load per agency, work
 * items per status, overdue items and recent stage changes.
 *
 * Overdue: a target date before today and still in development (published and cancelled
 * items are done, one way or the other).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdreg/v1/registry.pb-c.h"
#include "store_int.h"

static bool is_overdue(const Stdreg__V1__WorkItem *w, const char *today)
{
	return !str_empty(w->target_date) && strcmp(w->target_date, today) < 0 &&
	       w->status == STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_IN_DEVELOPMENT;
}

/* --- per agency -------------------------------------------------------------------- */

/* A work item met under one of the agency's areas: an item in two of them is met twice. */
struct met_item {
	char id[STORE_ID_MAX + 1];
	bool overdue;
};

struct load_ctx {
	store_txn *t;
	const char *today;
	Stdreg__V1__AgencyLoad *load;
	struct met_item *met; /* every item met, duplicates included; counted once at the end */
	size_t nmet, capmet;
	bool nomem;
	int rc;
	struct store_error *err;
};

/* Notes work item rec for the agency's load; counted once by count_met. */
static int met_item_fn(ProtobufCMessage *rec, void *arg)
{
	struct load_ctx *c = arg;
	Stdreg__V1__WorkItem *w = (Stdreg__V1__WorkItem *)rec;

	if (c->nmet == c->capmet) {
		size_t cap = c->capmet ? c->capmet * 2 : 64;
		void *grown = realloc(c->met, cap * sizeof(c->met[0]));
		if (grown == NULL) {
			c->nomem = true;
			return REFS_STOP;
		}
		c->met = grown;
		c->capmet = cap;
	}
	snprintf(c->met[c->nmet].id, sizeof(c->met[0].id), "%s", w->id);
	c->met[c->nmet++].overdue = is_overdue(w, c->today);
	return REFS_NEXT;
}

static int cmp_met(const void *a, const void *b)
{
	return strcmp(((const struct met_item *)a)->id, ((const struct met_item *)b)->id);
}

/* Counts the distinct items met: sorted, an item met twice sits next to itself. Sorting once
 * keeps an agency with many items at n log n (a look-up per item among those counted so far
 * was n squared). */
static void count_met(struct load_ctx *c)
{
	if (c->nmet == 0)
		return;
	qsort(c->met, c->nmet, sizeof(c->met[0]), cmp_met);
	for (size_t i = 0; i < c->nmet; i++) {
		if (i > 0 && strcmp(c->met[i - 1].id, c->met[i].id) == 0)
			continue;
		c->load->work_items++;
		c->load->overdue += c->met[i].overdue;
	}
}

static int load_fn(Stdreg__V1__Assignment *a, void *arg)
{
	struct load_ctx *c = arg;

	if (!assignment_holds_on(a, c->today))
		return 0;
	if (a->role == STDREG__V1__ROLE__ROLE_LEAD)
		c->load->areas_led++;
	else
		c->load->areas_supported++;
	c->rc = refs_each(c->t, STORE_AREA, a->area_id, STORE_ITEM, met_item_fn, c, c->err);
	if (c->rc == RG_OK && c->nomem)
		c->rc = store_fail(c->err, RG_ENOMEM, NULL, "out of memory");
	return c->rc != RG_OK;
}

static int agency_loads(store_txn *t, const char *today, Stdreg__V1__ReportResponse *r,
                        struct store_error *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(t->txn, t->st->records[STORE_AGENCY], &cur);

	if (rc != 0)
		return store_mdb_err(t, rc, NULL);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		char id[STORE_ID_MAX + 1];
		Stdreg__V1__AgencyLoad *load = malloc(sizeof(*load));
		struct load_ctx c = { .t = t, .today = today, .load = load, .err = err };
		if (load == NULL) {
			rc = ENOMEM;
			break;
		}
		stdreg__v1__agency_load__init(load);
		snprintf(id, sizeof(id), "%.*s", (int)k.mv_size, (const char *)k.mv_data);
		int erc = each_assignment_of(t, STORE_AGENCY, id, load_fn, &c, err);
		if (erc == RG_OK)
			erc = c.rc;
		if (erc == RG_OK)
			count_met(&c);
		free(c.met);
		if (erc != RG_OK || load->areas_led + load->areas_supported == 0) {
			stdreg__v1__agency_load__free_unpacked(load, NULL);
			if (erc != RG_OK)
				return erc;
			continue;
		}
		load->agency_id = strdup(id);
		if (load->agency_id == NULL || !PUSH(r->agencies, r->n_agencies, load)) {
			stdreg__v1__agency_load__free_unpacked(load, NULL);
			rc = ENOMEM;
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? RG_OK : store_mdb_err(t, rc, NULL);
}

/* --- coverage ---------------------------------------------------------------------- */

struct lead_on {
	const char *date;
	bool found;
};

static int lead_on_fn(Stdreg__V1__Assignment *a, void *arg)
{
	struct lead_on *l = arg;

	if (a->role == STDREG__V1__ROLE__ROLE_LEAD && assignment_holds_on(a, l->date))
		l->found = true;
	return l->found;
}

static int coverage(store_txn *t, const char *today, Stdreg__V1__ReportResponse *r,
                    struct store_error *err)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(t->txn, t->st->records[STORE_AREA], &cur), code = RG_OK;

	if (rc != 0)
		return store_mdb_err(t, rc, NULL);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && code == RG_OK;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Stdreg__V1__Area *a = stdreg__v1__area__unpack(NULL, v.mv_size, v.mv_data);
		if (a == NULL) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (a->priority == STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED) {
			struct lead_on l = { today, false };
			r->prioritised++;
			code = each_assignment_of(t, STORE_AREA, a->id, lead_on_fn, &l, err);
			r->prioritised_with_lead += l.found;
		}
		stdreg__v1__area__free_unpacked(a, NULL);
	}
	mdb_cursor_close(cur);
	r->coverage_percent =
	        r->prioritised ? 100.0 * r->prioritised_with_lead / r->prioritised : 0.0;
	if (code != RG_OK)
		return code;
	return rc == MDB_NOTFOUND ? RG_OK : store_mdb_err(t, rc, NULL);
}

/* --- items: per status and overdue ------------------------------------------------- */

static int item_counts(store_txn *t, const char *today, Stdreg__V1__ReportResponse *r)
{
	static const char *const groups[] = { "in_development", "published", "cancelled" };
	uint32_t counts[3] = { 0 };
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(t->txn, t->st->records[STORE_ITEM], &cur);

	if (rc != 0)
		return store_mdb_err(t, rc, NULL);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Stdreg__V1__WorkItem *w = stdreg__v1__work_item__unpack(NULL, v.mv_size, v.mv_data);
		if (w == NULL) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (w->status >= 1 && w->status <= 3)
			counts[w->status - 1]++;
		if (is_overdue(w, today) && PUSH(r->overdue, r->n_overdue, w))
			continue;
		stdreg__v1__work_item__free_unpacked(w, NULL);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return store_mdb_err(t, rc, NULL);
	for (int i = 0; i < 3; i++) {
		Stdreg__V1__StageGroupCount *g = malloc(sizeof(*g));
		if (g == NULL)
			return RG_ENOMEM;
		stdreg__v1__stage_group_count__init(g);
		g->group = strdup(groups[i]);
		g->count = counts[i];
		if (g->group == NULL || !PUSH(r->stage_groups, r->n_stage_groups, g)) {
			stdreg__v1__stage_group_count__free_unpacked(g, NULL);
			return RG_ENOMEM;
		}
	}
	return RG_OK;
}

/* --- stage changes: the changelog read backwards until the window starts ----------- */

static int stage_changes(store_txn *t, const char *cutoff, Stdreg__V1__ReportResponse *r)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(t->txn, t->st->changelog, &cur);

	if (rc != 0)
		return store_mdb_err(t, rc, NULL);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_LAST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_PREV)) {
		Stdreg__V1__Change *ch = stdreg__v1__change__unpack(NULL, v.mv_size, v.mv_data);
		if (ch == NULL) {
			rc = MDB_CORRUPTED;
			break;
		}
		bool before_window = strncmp(ch->time, cutoff, 10) < 0;
		Stdreg__V1__WorkItem *o = NULL, *n = NULL;
		if (!before_window && ch->kind == STDREG__V1__KIND__KIND_ITEM &&
		    ch->op == STDREG__V1__OP__OP_UPDATE) {
			o = stdreg__v1__work_item__unpack(NULL, ch->before.len, ch->before.data);
			n = stdreg__v1__work_item__unpack(NULL, ch->after.len, ch->after.data);
		}
		if (o && n && strcmp(o->stage, n->stage) != 0) {
			Stdreg__V1__StageChange *sc = malloc(sizeof(*sc));
			if (sc) {
				stdreg__v1__stage_change__init(sc);
				sc->work_item_id = strdup(n->id);
				sc->reference = strdup(n->reference);
				sc->old_stage = strdup(o->stage);
				sc->new_stage = strdup(n->stage);
				sc->time = strdup(ch->time);
				sc->revision = ch->revision;
				if (!PUSH(r->stage_changes, r->n_stage_changes, sc)) {
					stdreg__v1__stage_change__free_unpacked(sc, NULL);
					sc = NULL;
				}
			}
			if (sc == NULL)
				rc = ENOMEM;
		}
		if (o)
			stdreg__v1__work_item__free_unpacked(o, NULL);
		if (n)
			stdreg__v1__work_item__free_unpacked(n, NULL);
		stdreg__v1__change__free_unpacked(ch, NULL);
		if (before_window || rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == ENOMEM)
		return RG_ENOMEM;
	return rc == 0 || rc == MDB_NOTFOUND ? RG_OK : store_mdb_err(t, rc, NULL);
}

int store_report(store_txn *t, const char *today_in, uint32_t days, ProtobufCMessage **out,
                 struct store_error *err)
{
	Stdreg__V1__ReportResponse *r;
	struct store_error cause = { 0 };
	char today[11], cutoff[11];
	struct tm tm = { 0 };
	int rc;

	if (str_empty(today_in)) {
		store_today(0, today);
	} else if (store_valid_date(today_in)) {
		snprintf(today, sizeof(today), "%s", today_in);
	} else {
		return store_fail(err, RG_EINVAL, "today",
		                  "'%s' is not a calendar date (YYYY-MM-DD)", today_in);
	}
	if (days == 0)
		days = 45;
	if (days > 36500)
		return store_fail(err, RG_EINVAL, "days", "days must be at most 36500");
	sscanf(today, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t cut = timegm(&tm) - (time_t)days * 86400;
	store_today(cut, cutoff);

	r = malloc(sizeof(*r));
	if (r == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	stdreg__v1__report_response__init(r);
	r->today = strdup(today);
	r->days = days;
	rc = r->today ? coverage(t, today, r, &cause) : RG_ENOMEM;
	if (rc == RG_OK)
		rc = agency_loads(t, today, r, &cause);
	if (rc == RG_OK)
		rc = item_counts(t, today, r);
	if (rc == RG_OK)
		rc = stage_changes(t, cutoff, r);
	if (rc != RG_OK) {
		stdreg__v1__report_response__free_unpacked(r, NULL);
		return store_fail(err, rc, NULL, "cannot build the report (%s)",
		                  cause.message[0] ? cause.message : rg_strerror(rc));
	}
	*out = &r->base;
	return RG_OK;
}
