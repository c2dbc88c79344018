/*
 * report.c - the follow-up report: coverage of prioritised areas, load per agency, work
 * items per status, overdue items and recent stage changes.
 *
 * Overdue: a target date before today and still in development (published and cancelled
 * items are done, one way or the other).
 *
 * The work items are counted from the report's index (report_index.h, read through
 * report_count.c), never decoded one by one: at 1 000 000 items a decode of each took
 * seconds. Only what is listed is decoded, and the lists are bounded (STORE_REPORT_LIST_MAX)
 * so that the reply stays far below the message limit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_count.h"
#include "stdreg/v1/registry.pb-c.h"
#include "store_int.h"

/* --- per agency -------------------------------------------------------------------- */

/* The distinct areas an agency holds today, and how many it leads and supports. */
struct held_areas {
	const char *today;
	Stdreg__V1__AgencyLoad *load;
	char (*ids)[STORE_ID_MAX + 1];
	size_t n, cap;
	bool nomem;
};

static int held_fn(Stdreg__V1__Assignment *a, void *arg)
{
	struct held_areas *h = arg;

	if (!assignment_holds_on(a, h->today))
		return 0;
	if (a->role == STDREG__V1__ROLE__ROLE_LEAD)
		h->load->areas_led++;
	else
		h->load->areas_supported++;
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->ids[i], a->area_id) == 0)
			return 0;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 8;
		void *grown = realloc(h->ids, cap * sizeof(h->ids[0]));
		if (grown == NULL) {
			h->nomem = true;
			return 1;
		}
		h->ids = grown;
		h->cap = cap;
	}
	snprintf(h->ids[h->n++], sizeof(h->ids[0]), "%s", a->area_id);
	return 0;
}

/* Work items in the areas (an item in two of them once), and those overdue on today. */
static int count_held(store_txn *t, const struct held_areas *h, const char *today,
                      Stdreg__V1__AgencyLoad *load)
{
	char lo[1 + RIX_DATE], hi[1 + RIX_DATE];
	size_t items = 0, overdue = 0;
	int rc;

	/* In development ('1') from the first real date ("0...") up to today, exclusive. */
	lo[0] = hi[0] = '1';
	memset(lo + 1, '0', RIX_DATE);
	memcpy(hi + 1, today, RIX_DATE);
	rc = rix_merged_count(t, h->ids, h->n, NULL, NULL, 0, &items);
	if (rc == RG_OK)
		rc = rix_merged_count(t, h->ids, h->n, lo, hi, sizeof lo, &overdue);
	if (rc == RG_OK) {
		load->work_items = (uint32_t)items;
		load->overdue = (uint32_t)overdue;
	}
	return rc;
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
		struct held_areas h = { .today = today, .load = load };
		if (load == NULL) {
			rc = ENOMEM;
			break;
		}
		stdreg__v1__agency_load__init(load);
		snprintf(id, sizeof(id), "%.*s", (int)k.mv_size, (const char *)k.mv_data);
		int erc = each_assignment_of(t, STORE_AGENCY, id, held_fn, &h, err);
		if (erc == RG_OK && h.nomem)
			erc = store_fail(err, RG_ENOMEM, NULL, "out of memory");
		if (erc == RG_OK && h.n > 0)
			erc = count_held(t, &h, today, load);
		free(h.ids);
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
	if (rc == ENOMEM)
		return RG_ENOMEM;
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

static int cmp_id(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* The overdue items: all counted, the first STORE_REPORT_LIST_MAX by target date listed
 * in id order (the order of the whole list when it fits). */
static int overdue_items(store_txn *t, const char *today, Stdreg__V1__ReportResponse *r)
{
	char(*first)[STORE_ID_MAX + 1] = malloc(STORE_REPORT_LIST_MAX * sizeof(*first));
	size_t total = 0, n = 0;
	char from[1] = { '0' };
	int rc = first ? rix_status_range(
	                         t, STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_IN_DEVELOPMENT,
	                         from, sizeof from, today, first, STORE_REPORT_LIST_MAX, &n, &total)
	               : RG_ENOMEM;

	if (rc == RG_OK)
		qsort(first, n, sizeof(first[0]), cmp_id);
	for (size_t i = 0; rc == RG_OK && i < n; i++) {
		MDB_val k = { strlen(first[i]), first[i] }, v;
		Stdreg__V1__WorkItem *w = NULL;
		int mrc = mdb_get(t->txn, t->st->records[STORE_ITEM], &k, &v);
		if (mrc == 0)
			w = stdreg__v1__work_item__unpack(NULL, v.mv_size, v.mv_data);
		if (w == NULL)
			rc = mrc != 0 && mrc != MDB_NOTFOUND ? store_mdb_err(t, mrc, NULL)
			                                     : RG_ECORRUPT;
		else if (!PUSH(r->overdue, r->n_overdue, w)) {
			stdreg__v1__work_item__free_unpacked(w, NULL);
			rc = RG_ENOMEM;
		}
	}
	free(first);
	r->overdue_total = (uint32_t)total;
	return rc;
}

static int item_counts(store_txn *t, const char *today, Stdreg__V1__ReportResponse *r)
{
	static const char *const groups[] = { "in_development", "published", "cancelled" };

	for (int i = 0; i < 3; i++) {
		Stdreg__V1__StageGroupCount *g = malloc(sizeof(*g));
		size_t count = 0;
		int rc = g ? rix_status_count(t, i + 1, &count) : RG_ENOMEM;
		if (g == NULL || rc != RG_OK) {
			free(g);
			return rc;
		}
		stdreg__v1__stage_group_count__init(g);
		g->group = strdup(groups[i]);
		g->count = (uint32_t)count;
		if (g->group == NULL || !PUSH(r->stage_groups, r->n_stage_groups, g)) {
			stdreg__v1__stage_group_count__free_unpacked(g, NULL);
			return RG_ENOMEM;
		}
	}
	return overdue_items(t, today, r);
}

/* --- stage changes: the newest in the window, from the index ------------------------- */

static int stage_change_of(store_txn *t, const uint8_t key[12], Stdreg__V1__ReportResponse *r)
{
	MDB_val k = { 12, (void *)key };
	Stdreg__V1__Change *ch = NULL;
	Stdreg__V1__WorkItem *o = NULL, *n = NULL;
	Stdreg__V1__StageChange *sc = NULL;
	int rc = read_change(t, &k, &ch);

	if (rc != RG_OK)
		return rc;
	o = stdreg__v1__work_item__unpack(NULL, ch->before.len, ch->before.data);
	n = stdreg__v1__work_item__unpack(NULL, ch->after.len, ch->after.data);
	if (o == NULL || n == NULL)
		rc = RG_ECORRUPT;
	else if ((sc = malloc(sizeof(*sc))) == NULL)
		rc = RG_ENOMEM;
	if (sc != NULL) {
		stdreg__v1__stage_change__init(sc);
		sc->work_item_id = strdup(n->id);
		sc->reference = strdup(n->reference);
		sc->old_stage = strdup(o->stage);
		sc->new_stage = strdup(n->stage);
		sc->time = strdup(ch->time);
		sc->revision = ch->revision;
		if (!sc->work_item_id || !sc->reference || !sc->old_stage || !sc->new_stage ||
		    !sc->time || !PUSH(r->stage_changes, r->n_stage_changes, sc)) {
			stdreg__v1__stage_change__free_unpacked(sc, NULL);
			rc = RG_ENOMEM;
		}
	}
	if (o)
		stdreg__v1__work_item__free_unpacked(o, NULL);
	if (n)
		stdreg__v1__work_item__free_unpacked(n, NULL);
	stdreg__v1__change__free_unpacked(ch, NULL);
	return rc;
}

static int stage_changes(store_txn *t, const char *cutoff, Stdreg__V1__ReportResponse *r)
{
	uint8_t(*newest)[12] = malloc(STORE_REPORT_LIST_MAX * sizeof(*newest));
	size_t n = 0, total = 0;
	uint64_t first = 0;
	int rc = newest ? rix_window_start(t, cutoff, &first) : RG_ENOMEM;

	if (rc == RG_OK)
		rc = rix_stage_changes(t, first, newest, STORE_REPORT_LIST_MAX, &n, &total);
	for (size_t i = 0; rc == RG_OK && i < n; i++)
		rc = stage_change_of(t, newest[i], r);
	free(newest);
	r->stage_changes_total = (uint32_t)total;
	return rc;
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
