/*
 * queries.c - the questions the registry answers: mine, gaps, as-of, history, report, watch.
 *
 * "Who led area X on day D" is answered from the validity of the appointments
 * (valid_from <= D < valid_to), never from logs; history and watch read the changelog.
 * Responses are built from malloc'd parts, so protobuf_c_message_free_unpacked frees them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdreg/v1/registry.pb-c.h"
#include "store_int.h"

/* Appends one pointer to a protobuf-c repeated field (array + count). */
static void *unpack_record(enum store_kind k, const void *val, size_t len)
{
	return protobuf_c_message_unpack(store_kind_descriptor(k), NULL, len, val);
}

static void *get_record(store_txn *t, enum store_kind k, const char *id)
{
	const void *val;
	size_t len;

	if (store_get(t, k, id, &val, &len) != RG_OK)
		return NULL;
	return unpack_record(k, val, len);
}

static int resolve_today(const char *today, char out[11], struct store_error *err)
{
	if (str_empty(today)) {
		store_today(0, out);
		return RG_OK;
	}
	if (!store_valid_date(today))
		return store_fail(err, RG_EINVAL, "today",
		                  "'%s' is not a calendar date (YYYY-MM-DD)", today);
	snprintf(out, 11, "%s", today);
	return RG_OK;
}

static long days_between(const char *from, const char *to)
{
	struct tm a = { 0 }, b = { 0 };

	if (sscanf(from, "%d-%d-%d", &a.tm_year, &a.tm_mon, &a.tm_mday) != 3 ||
	    sscanf(to, "%d-%d-%d", &b.tm_year, &b.tm_mon, &b.tm_mday) != 3)
		return 0;
	a.tm_year -= 1900, b.tm_year -= 1900;
	a.tm_mon -= 1, b.tm_mon -= 1;
	return (long)((timegm(&b) - timegm(&a)) / 86400);
}

static Stdreg__V1__Assignment *copy_assignment(const Stdreg__V1__Assignment *a)
{
	size_t len = stdreg__v1__assignment__get_packed_size(a);
	uint8_t *buf = malloc(len ? len : 1);
	Stdreg__V1__Assignment *c;

	if (buf == NULL)
		return NULL;
	stdreg__v1__assignment__pack(a, buf);
	c = stdreg__v1__assignment__unpack(NULL, len, buf);
	free(buf);
	return c;
}

/* --- as-of ------------------------------------------------------------------------- */

struct as_of_ctx {
	const char *date;
	Stdreg__V1__AsOfResponse *r;
	bool oom;
};

static int as_of_fn(Stdreg__V1__Assignment *a, void *arg)
{
	struct as_of_ctx *c = arg;
	Stdreg__V1__Assignment *copy;

	if (!assignment_holds_on(a, c->date))
		return 0;
	copy = copy_assignment(a);
	if (copy == NULL) {
		c->oom = true;
		return 1;
	}
	if (a->role == STDREG__V1__ROLE__ROLE_LEAD && c->r->lead == NULL)
		c->r->lead = copy;
	else if (!PUSH(c->r->supporting, c->r->n_supporting, copy)) {
		stdreg__v1__assignment__free_unpacked(copy, NULL);
		c->oom = true;
		return 1;
	}
	return 0;
}

int store_as_of(store_txn *t, const char *area_id, const char *date, ProtobufCMessage **out,
                struct store_error *err)
{
	Stdreg__V1__AsOfResponse *r;
	int rc;

	if (str_empty(area_id) || !record_exists(t, STORE_AREA, area_id))
		return store_fail(err, str_empty(area_id) ? RG_EINVAL : RG_ENOENT, "area_id",
		                  "area '%s' not found", area_id ? area_id : "");
	if (!store_valid_date(date))
		return store_fail(err, RG_EINVAL, "date",
		                  "'%s' is not a calendar date (YYYY-MM-DD)", date ? date : "");
	r = malloc(sizeof(*r));
	if (r == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	stdreg__v1__as_of_response__init(r);
	r->area_id = strdup(area_id);
	r->date = strdup(date);
	struct as_of_ctx c = { date, r, false };
	rc = each_assignment_of(t, STORE_AREA, area_id, as_of_fn, &c, err);
	if (rc == RG_OK && (c.oom || !r->area_id || !r->date))
		rc = store_fail(err, RG_ENOMEM, NULL, "out of memory");
	if (rc != RG_OK) {
		stdreg__v1__as_of_response__free_unpacked(r, NULL);
		return rc;
	}
	*out = &r->base;
	return RG_OK;
}

/* --- gaps -------------------------------------------------------------------------- */

struct lead_ctx {
	const char *date;
	bool has_lead;
	char last_end[11];
	char last_agency[STORE_ID_MAX + 1];
};

static int lead_fn(Stdreg__V1__Assignment *a, void *arg)
{
	struct lead_ctx *c = arg;

	if (a->role != STDREG__V1__ROLE__ROLE_LEAD)
		return 0;
	if (assignment_holds_on(a, c->date)) {
		c->has_lead = true;
		return 1;
	}
	/* The latest lead that ended on or before the date. */
	if (!str_empty(a->valid_to) && strcmp(a->valid_to, c->date) <= 0 &&
	    strcmp(a->valid_to, c->last_end) > 0) {
		snprintf(c->last_end, sizeof(c->last_end), "%s", a->valid_to);
		snprintf(c->last_agency, sizeof(c->last_agency), "%s", a->agency_id);
	}
	return 0;
}

static int cmp_gap(const void *pa, const void *pb)
{
	const Stdreg__V1__Gap *a = *(Stdreg__V1__Gap *const *)pa,
	                      *b = *(Stdreg__V1__Gap *const *)pb;
	uint32_t ra = a->area->rank ? a->area->rank : UINT32_MAX;
	uint32_t rb = b->area->rank ? b->area->rank : UINT32_MAX;

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(a->area->id, b->area->id);
}

int store_gaps(store_txn *t, const char *today_in, ProtobufCMessage **out, struct store_error *err)
{
	Stdreg__V1__GapsResponse *r;
	MDB_cursor *cur;
	MDB_val k, v;
	char today[11];
	int rc = resolve_today(today_in, today, err), code = RG_OK;

	if (rc != RG_OK)
		return rc;
	r = malloc(sizeof(*r));
	if (r == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	stdreg__v1__gaps_response__init(r);
	rc = mdb_cursor_open(t->txn, t->st->records[STORE_AREA], &cur);
	if (rc != 0) {
		free(r);
		return store_mdb_err(t, rc, err);
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Stdreg__V1__Area *a = unpack_record(STORE_AREA, v.mv_data, v.mv_size);
		if (a == NULL) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (a->priority != STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED) {
			stdreg__v1__area__free_unpacked(a, NULL);
			continue;
		}
		r->prioritised++;
		struct lead_ctx c = { .date = today };
		code = each_assignment_of(t, STORE_AREA, a->id, lead_fn, &c, err);
		if (code != RG_OK || c.has_lead) {
			stdreg__v1__area__free_unpacked(a, NULL);
			if (code != RG_OK)
				break;
			continue;
		}
		Stdreg__V1__Gap *g = malloc(sizeof(*g));
		if (g == NULL) {
			stdreg__v1__area__free_unpacked(a, NULL);
			rc = ENOMEM;
			break;
		}
		stdreg__v1__gap__init(g);
		g->area = a;
		/* The gap began when the area was both prioritised (priority_since) and without
		 * a lead (the end of its last one); what is not known is left out, and an area
		 * that tells neither counts from the day it was created. */
		char since[11] = "";
		if (c.last_end[0])
			snprintf(since, sizeof(since), "%s", c.last_end);
		if (a->priority_since && a->priority_since[0] &&
		    strcmp(a->priority_since, since) > 0)
			snprintf(since, sizeof(since), "%s", a->priority_since);
		if (!since[0] && a->meta && a->meta->created_at &&
		    strlen(a->meta->created_at) >= 10)
			snprintf(since, sizeof(since), "%.10s", a->meta->created_at);
		g->without_lead_since = strdup(since);
		g->last_lead_agency_id = strdup(c.last_agency);
		long d = since[0] ? days_between(since, today) : 0;
		g->days_without_lead = d > 0 ? (uint32_t)d : 0;
		if (!PUSH(r->gaps, r->n_gaps, g)) {
			stdreg__v1__gap__free_unpacked(g, NULL);
			rc = ENOMEM;
			break;
		}
	}
	mdb_cursor_close(cur);
	if (code != RG_OK || rc != MDB_NOTFOUND) {
		stdreg__v1__gaps_response__free_unpacked(r, NULL);
		return code != RG_OK ? code : store_mdb_err(t, rc, err);
	}
	if (r->n_gaps > 1)
		qsort(r->gaps, r->n_gaps, sizeof(r->gaps[0]), cmp_gap);
	*out = &r->base;
	return RG_OK;
}

/* --- mine -------------------------------------------------------------------------- */

static const struct {
	char stage[3];
	const char *name;
} stage_names[] = {
	{ "00", "preliminary" }, { "10", "proposal" }, { "20", "preparatory" },
	{ "30", "committee" },   { "40", "enquiry" },  { "50", "approval" },
	{ "60", "publication" }, { "90", "review" },   { "95", "withdrawal" },
};

static const char *stage_name(const char *two)
{
	for (size_t i = 0; i < sizeof(stage_names) / sizeof(stage_names[0]); i++)
		if (strcmp(stage_names[i].stage, two) == 0)
			return stage_names[i].name;
	return "other";
}

/* A MineArea being filled: how many items it lists and may list, and how many the reply
 * lists so far. */
struct mine_area_fill {
	Stdreg__V1__MineArea *ma;
	size_t in_area, area_max;
	size_t *listed;
};

/* Counts work item rec in its stage group of the mine_area_fill arg, and files it there
 * (REFS_KEPT) while the group and the reply have room. */
static int group_item_fn(ProtobufCMessage *rec, void *arg)
{
	Stdreg__V1__WorkItem *w = (Stdreg__V1__WorkItem *)rec;
	struct mine_area_fill *fill = arg;
	Stdreg__V1__MineArea *ma = fill->ma;
	char two[3] = "";
	bool iso = str_empty(w->stage_scheme) || strcmp(w->stage_scheme, "iso") == 0;

	if (iso && w->stage && strlen(w->stage) >= 2)
		snprintf(two, sizeof(two), "%.2s", w->stage);
	else
		snprintf(two, sizeof(two), "%s", "");
	const char *key = two[0] ? two : "other";
	Stdreg__V1__StageGroup *g = NULL;
	for (size_t i = 0; i < ma->n_stages; i++)
		if (strcmp(ma->stages[i]->stage, key) == 0)
			g = ma->stages[i];
	if (g == NULL) {
		g = malloc(sizeof(*g));
		if (g == NULL)
			return 0;
		stdreg__v1__stage_group__init(g);
		g->stage = strdup(key);
		g->name = strdup(two[0] ? stage_name(two) : "other");
		if (!PUSH(ma->stages, ma->n_stages, g)) {
			stdreg__v1__stage_group__free_unpacked(g, NULL);
			return 0;
		}
	}
	g->total++;
	if (g->n_work_items >= STORE_MINE_GROUP_ITEMS || fill->in_area >= fill->area_max ||
	    *fill->listed >= STORE_MINE_ITEMS)
		return REFS_NEXT;
	if (!PUSH(g->work_items, g->n_work_items, w))
		return REFS_NEXT;
	fill->in_area++;
	(*fill->listed)++;
	return REFS_KEPT;
}

static int cmp_group(const void *pa, const void *pb)
{
	const Stdreg__V1__StageGroup *a = *(Stdreg__V1__StageGroup *const *)pa;
	const Stdreg__V1__StageGroup *b = *(Stdreg__V1__StageGroup *const *)pb;

	return strcmp(a->stage, b->stage);
}

struct mine_ctx {
	store_txn *t;
	char today[11];
	Stdreg__V1__MineResponse *r;
	size_t listed;   /* work items in the reply */
	size_t area_max; /* work items one area may list */
	int rc;
	struct store_error *err;
};

static bool assignment_current(const Stdreg__V1__Assignment *a, const char *today)
{
	return str_empty(a->valid_to) || strcmp(a->valid_to, today) > 0;
}

/* Counts the agency's current assignments in c->area_max, for the areas' shares. */
static int count_current_fn(Stdreg__V1__Assignment *a, void *arg)
{
	struct mine_ctx *c = arg;

	c->area_max += assignment_current(a, c->today);
	return 0;
}

static int mine_fn(Stdreg__V1__Assignment *a, void *arg)
{
	struct mine_ctx *c = arg;
	Stdreg__V1__MineArea *ma;

	if (!assignment_current(a, c->today))
		return 0; /* ended */
	ma = malloc(sizeof(*ma));
	if (ma == NULL) {
		c->rc = RG_ENOMEM;
		return 1;
	}
	stdreg__v1__mine_area__init(ma);
	ma->assignment = copy_assignment(a);
	ma->area = get_record(c->t, STORE_AREA, a->area_id);
	if (ma->assignment == NULL || ma->area == NULL || !PUSH(c->r->areas, c->r->n_areas, ma)) {
		stdreg__v1__mine_area__free_unpacked(ma, NULL);
		c->rc = RG_ENOMEM;
		return 1;
	}
	c->rc = refs_each(c->t, STORE_AREA, a->area_id, STORE_ITEM, group_item_fn,
	                  &(struct mine_area_fill){ ma, 0, c->area_max, &c->listed }, c->err);
	if (ma->n_stages > 1)
		qsort(ma->stages, ma->n_stages, sizeof(ma->stages[0]), cmp_group);
	return c->rc != RG_OK;
}

int store_mine(store_txn *t, const char *agency_id, ProtobufCMessage **out, struct store_error *err)
{
	Stdreg__V1__MineResponse *r;
	struct mine_ctx c = { .t = t, .err = err };
	int rc;

	if (str_empty(agency_id))
		return store_fail(err, RG_EINVAL, "agency_id", "an agency id is required");
	if (!record_exists(t, STORE_AGENCY, agency_id))
		return store_fail(err, RG_ENOENT, "agency_id", "agency '%s' not found", agency_id);
	r = malloc(sizeof(*r));
	if (r == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	stdreg__v1__mine_response__init(r);
	r->agency_id = strdup(agency_id);
	store_today(0, c.today);
	c.r = r;
	// Each area its share of the reply, so that a large agency's page shows every area.
	rc = each_assignment_of(t, STORE_AGENCY, agency_id, count_current_fn, &c, err);
	c.area_max = c.area_max > 0 ? STORE_MINE_ITEMS / c.area_max : STORE_MINE_ITEMS;
	if (c.area_max < STORE_MINE_AREA_ITEMS)
		c.area_max = STORE_MINE_AREA_ITEMS;
	if (rc == RG_OK)
		rc = each_assignment_of(t, STORE_AGENCY, agency_id, mine_fn, &c, err);
	if (rc == RG_OK)
		rc = c.rc;
	if (rc == RG_OK && r->agency_id == NULL)
		rc = RG_ENOMEM;
	if (rc != RG_OK) {
		stdreg__v1__mine_response__free_unpacked(r, NULL);
		/* A corrupt index entry was named by refs_each; say it as it was. */
		if (rc != RG_ECORRUPT)
			store_fail(err, rc, NULL, "cannot gather the areas of agency '%s'",
			           agency_id);
		return rc;
	}
	*out = &r->base;
	return RG_OK;
}

/* --- history ----------------------------------------------------------------------- */

/* One FieldChange per field that differs (diff.c does the comparing). */
struct diff_ctx {
	Stdreg__V1__HistoryEntry *e;
	int rc;
};

static int add_change(void *arg, const char *field, char *old_value, char *new_value)
{
	struct diff_ctx *c = arg;
	Stdreg__V1__FieldChange *fc = malloc(sizeof(*fc));

	if (fc == NULL) {
		free(old_value);
		free(new_value);
		return c->rc = RG_ENOMEM;
	}
	stdreg__v1__field_change__init(fc);
	fc->field = strdup(field);
	fc->old_value = old_value;
	fc->new_value = new_value;
	if (fc->field == NULL || !PUSH(c->e->changes, c->e->n_changes, fc)) {
		stdreg__v1__field_change__free_unpacked(fc, NULL);
		return c->rc = RG_ENOMEM;
	}
	return 0;
}

static int diff_fields(Stdreg__V1__HistoryEntry *e, const ProtobufCMessageDescriptor *d,
                       const ProtobufCMessage *before, const ProtobufCMessage *after)
{
	struct diff_ctx c = { e, RG_OK };
	int rc = record_diff(d, before, after, add_change, &c);

	return rc != RG_OK ? rc : c.rc;
}

int read_change(store_txn *t, const MDB_val *key, Stdreg__V1__Change **out)
{
	MDB_val v;
	int rc = mdb_get(t->txn, t->st->changelog, (MDB_val *)key, &v);

	if (rc != 0)
		return store_mdb_err(t, rc, NULL);
	*out = stdreg__v1__change__unpack(NULL, v.mv_size, v.mv_data);
	return *out ? RG_OK : RG_ECORRUPT;
}

struct history_ctx {
	enum store_kind k;
	const ProtobufCMessageDescriptor *desc;
	Stdreg__V1__HistoryResponse *r;
};

/* One change as a history entry: who, when, why, and the fields it changed. */
static int history_entry(const Stdreg__V1__Change *ch, void *arg)
{
	struct history_ctx *h = arg;
	ProtobufCMessage *before =
	        ch->before.len ? unpack_record(h->k, ch->before.data, ch->before.len) : NULL;
	ProtobufCMessage *after =
	        ch->after.len ? unpack_record(h->k, ch->after.data, ch->after.len) : NULL;
	Stdreg__V1__HistoryEntry *e = malloc(sizeof(*e));
	int code = RG_ENOMEM;

	if (e) {
		stdreg__v1__history_entry__init(e);
		e->revision = ch->revision;
		e->time = strdup(ch->time);
		e->principal = strdup(ch->principal);
		e->decision_ref = strdup(ch->decision_ref);
		e->op = ch->op;
		code = diff_fields(e, h->desc, before, after);
		if (code == RG_OK && !PUSH(h->r->entries, h->r->n_entries, e))
			code = RG_ENOMEM;
		if (code != RG_OK)
			stdreg__v1__history_entry__free_unpacked(e, NULL);
	}
	if (before)
		protobuf_c_message_free_unpacked(before, NULL);
	if (after)
		protobuf_c_message_free_unpacked(after, NULL);
	return code;
}

int store_history(store_txn *t, enum store_kind k, const char *id, ProtobufCMessage **out,
                  struct store_error *err)
{
	const struct kind_info *ki = kind_get(k);
	struct history_ctx h = { .k = k };
	int rc;

	if (ki == NULL)
		return store_fail(err, RG_EINVAL, "kind", "unknown kind");
	if (str_empty(id) || strlen(id) > STORE_ID_MAX)
		return store_fail(err, RG_EINVAL, "id", "a valid id is required");
	h.desc = ki->desc;
	h.r = malloc(sizeof(*h.r));
	if (h.r == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	stdreg__v1__history_response__init(h.r);
	h.r->kind = (Stdreg__V1__Kind)k;
	h.r->id = strdup(id);
	rc = h.r->id ? history_each(t, k, id, history_entry, &h, NULL) : RG_ENOMEM;
	if (rc != RG_OK || h.r->n_entries == 0) {
		stdreg__v1__history_response__free_unpacked(h.r, NULL);
		if (rc == RG_OK)
			return store_fail(err, RG_ENOENT, "id", "%s '%s' has no history", ki->name,
			                  id);
		if (rc == RG_ECORRUPT)
			return store_fail(err, rc, NULL, "history of %s '%s' is corrupt", ki->name,
			                  id);
		return store_fail(err, rc, NULL, "cannot read the history of %s '%s' (%s)",
		                  ki->name, id, rg_strerror(rc));
	}
	*out = &h.r->base;
	return RG_OK;
}

/* --- watch ------------------------------------------------------------------------- */

/* Where a reply that stops before key k says to go on: after the revision before k's,
 * skipping the changes of k's revision that precede it. */
static void watch_resume_at(Stdreg__V1__WatchResponse *r, const MDB_val *k)
{
	const uint8_t *p = k->mv_data;
	uint64_t rev = 0;
	uint32_t seq = 0;

	for (int i = 0; i < 8; i++)
		rev = rev << 8 | p[i];
	for (int i = 8; i < 12; i++)
		seq = seq << 8 | p[i];
	r->next_revision = rev - 1;
	r->next_change = seq;
}

int store_watch(store_txn *t, uint64_t since_revision, uint32_t since_change, const int *kinds,
                size_t nkinds, char *const *ids, size_t nids, uint32_t max_events,
                ProtobufCMessage **out, struct store_error *err)
{
	Stdreg__V1__WatchResponse *r;
	uint8_t start[12] = { 0 };
	MDB_cursor *c;
	MDB_val k = { 12, start }, v;
	uint64_t from = since_revision + 1;
	uint32_t scanned = 0;
	struct watch_filter filter;
	int rc;

	if (max_events == 0 || max_events > 1000)
		max_events = 1000;
	if (watch_filter_init(&filter, kinds, nkinds, ids, nids) != RG_OK)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	for (int i = 0; i < 8; i++)
		start[i] = (uint8_t)(from >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		start[8 + i] = (uint8_t)(since_change >> (24 - 8 * i));
	r = malloc(sizeof(*r));
	if (r == NULL) {
		watch_filter_free(&filter);
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	}
	stdreg__v1__watch_response__init(r);
	r->next_revision = t->revision > since_revision ? t->revision : since_revision;
	rc = mdb_cursor_open(t->txn, t->st->changelog, &c);
	if (rc != 0) {
		free(r);
		watch_filter_free(&filter);
		return store_mdb_err(t, rc, err);
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 12) {
			rc = MDB_CORRUPTED;
			break;
		}
		/* A full reply, or enough read for one call (a filter that matches little
		 * must not make one call read the whole changelog): the next call goes on
		 * from this change, inside its revision if need be. */
		if (r->n_changes >= max_events || scanned == STORE_WATCH_SCAN_MAX) {
			watch_resume_at(r, &k);
			break;
		}
		scanned++;
		if ((rc = watch_filter_take(&filter, &v, &r->changes, &r->n_changes)) != 0)
			break;
	}
	mdb_cursor_close(c);
	watch_filter_free(&filter);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		stdreg__v1__watch_response__free_unpacked(r, NULL);
		return store_mdb_err(t, rc, err);
	}
	*out = &r->base;
	return RG_OK;
}
