/*
 * report_index.c - keeps, builds and checks the report's index (layout in report_index.h).
 *
 * A work item's entries change only when its status, target date or areas change, so a
 * put that touches other fields writes nothing here. The same code writes through a store
 * transaction (a put or a delete: txn_put's sticky error) and through the raw transaction
 * of the migration that builds the index of an older store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_index.h"
#include "stdreg/v1/registry.pb-c.h"

size_t rix_status_key(char *buf, int status)
{
	buf[0] = 's';
	buf[1] = (char)('0' + (status >= 0 && status <= 9 ? status : 0));
	return 2;
}

size_t rix_area_key(char *buf, const char *area_id)
{
	return index_key(buf, 'a', area_id);
}

void rix_change_key(uint8_t buf[13], uint64_t revision, uint32_t seq)
{
	buf[0] = 'c';
	for (int i = 0; i < 8; i++)
		buf[1 + i] = (uint8_t)(revision >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		buf[9 + i] = (uint8_t)(seq >> (24 - 8 * i));
}

/* The target date as the index holds it: the date, or ten spaces when there is none. */
static void date10(char out[RIX_DATE], const char *date)
{
	if (date != NULL && strlen(date) == RIX_DATE)
		memcpy(out, date, RIX_DATE);
	else
		memset(out, ' ', RIX_DATE);
}

static size_t status_val(char *buf, const Stdreg__V1__WorkItem *w)
{
	size_t n = strnlen(w->id, STORE_ID_MAX);

	date10(buf, w->target_date);
	memcpy(buf + RIX_DATE, w->id, n);
	return RIX_DATE + n;
}

static size_t area_val(char *buf, const Stdreg__V1__WorkItem *w)
{
	char digit[2];

	rix_status_key(digit, (int)w->status);
	buf[0] = digit[1];
	return 1 + status_val(buf + 1, w);
}

/* Where the entries go: a store transaction (t), or the migration's raw transaction. */
struct rix_writer {
	store_txn *t;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc; /* raw mode: the first LMDB failure */
	struct store_error *err;
};

static void put_entry(struct rix_writer *w, const void *k, size_t kn, const void *v, size_t vn,
                      bool add)
{
	MDB_val key = { kn, (void *)k }, val = { vn, (void *)v };
	int rc;

	if (w->t != NULL) {
		if (w->t->report_later != NULL) {
			index_batch_add(w->t, w->t->report_later, &key, &val, add, w->err);
			return;
		}
		/* RG_EEXIST, RG_ENOENT: an area listed twice; anything else sticks in t. */
		if (add)
			txn_put(w->t, w->dbi, &key, &val, MDB_NODUPDATA, w->err);
		else
			txn_del(w->t, w->dbi, &key, &val, w->err);
		return;
	}
	if (w->rc != 0)
		return;
	rc = add ? mdb_put(w->txn, w->dbi, &key, &val, MDB_NODUPDATA)
	         : mdb_del(w->txn, w->dbi, &key, &val);
	if (rc != 0 && rc != MDB_KEYEXIST && rc != MDB_NOTFOUND)
		w->rc = rc;
}

static bool holds_area(const Stdreg__V1__WorkItem *w, const char *area)
{
	for (size_t i = 0; i < w->n_area_ids; i++)
		if (strcmp(w->area_ids[i], area) == 0)
			return true;
	return false;
}

/* Adds (or removes) the entries of w, except those keep has too: they stay as they are. */
static void item_entries(struct rix_writer *wr, const Stdreg__V1__WorkItem *w,
                         const Stdreg__V1__WorkItem *keep, bool add)
{
	char k[RIX_KEY_MAX], v[RIX_VAL_MAX];
	char kd[RIX_DATE], wd[RIX_DATE];
	bool same = false;

	date10(wd, w->target_date);
	if (keep != NULL) {
		date10(kd, keep->target_date);
		same = keep->status == w->status && memcmp(kd, wd, RIX_DATE) == 0;
	}
	if (!same)
		put_entry(wr, k, rix_status_key(k, (int)w->status), v, status_val(v, w), add);
	for (size_t i = 0; i < w->n_area_ids; i++) {
		if (w->area_ids[i] == NULL || w->area_ids[i][0] == '\0')
			continue;
		if (same && holds_area(keep, w->area_ids[i]))
			continue;
		put_entry(wr, k, rix_area_key(k, w->area_ids[i]), v, area_val(v, w), add);
	}
}

static bool stage_changed(const Stdreg__V1__WorkItem *old, const Stdreg__V1__WorkItem *rec)
{
	return old != NULL && rec != NULL && strcmp(old->stage, rec->stage) != 0;
}

static void change_entry(struct rix_writer *wr, uint64_t revision, uint32_t seq, const char *id)
{
	uint8_t k[13];

	rix_change_key(k, revision, seq);
	put_entry(wr, k, sizeof k, id, strnlen(id, STORE_ID_MAX), true);
}

int report_index_update(store_txn *t, const char *id, const ProtobufCMessage *old,
                        const ProtobufCMessage *rec, struct store_error *err)
{
	const Stdreg__V1__WorkItem *o = (const Stdreg__V1__WorkItem *)old;
	const Stdreg__V1__WorkItem *n = (const Stdreg__V1__WorkItem *)rec;
	struct rix_writer wr = { .t = t, .dbi = t->st->report, .err = err };

	if (o != NULL)
		item_entries(&wr, o, n, false);
	if (n != NULL)
		item_entries(&wr, n, o, true);
	/* write_change stores the change under t->revision and t->seq right after this. */
	if (stage_changed(o, n))
		change_entry(&wr, t->revision, t->seq, id);
	return txn_status(t, err);
}

/* --- the changelog's stage changes --------------------------------------------------- */

/* Is ch an update of a work item that changed its stage? Errors: MDB_CORRUPTED. */
static int is_stage_change(const Stdreg__V1__Change *ch, bool *yes)
{
	Stdreg__V1__WorkItem *o, *n;

	*yes = false;
	if (ch->kind != STDREG__V1__KIND__KIND_ITEM || ch->op != STDREG__V1__OP__OP_UPDATE)
		return 0;
	o = stdreg__v1__work_item__unpack(NULL, ch->before.len, ch->before.data);
	n = stdreg__v1__work_item__unpack(NULL, ch->after.len, ch->after.data);
	if (o != NULL && n != NULL)
		*yes = stage_changed(o, n);
	if (o != NULL)
		stdreg__v1__work_item__free_unpacked(o, NULL);
	if (n != NULL)
		stdreg__v1__work_item__free_unpacked(n, NULL);
	return o != NULL && n != NULL ? 0 : MDB_CORRUPTED;
}

static uint64_t be_get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Calls fn for every stage change in the changelog, in order; stops at fn's non-zero. A
 * change that does not decode stops the walk with MDB_CORRUPTED when strict, else it is
 * passed over (store_check reports it in its own walk of the changelog). */
static int each_stage_change(MDB_txn *txn, MDB_dbi changelog, bool strict,
                             int (*fn)(const MDB_val *k, const Stdreg__V1__Change *ch, void *arg),
                             void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, changelog, &cur);

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Stdreg__V1__Change *ch = stdreg__v1__change__unpack(NULL, v.mv_size, v.mv_data);
		bool yes = false;
		if (ch == NULL || k.mv_size != 12) {
			if (ch != NULL)
				stdreg__v1__change__free_unpacked(ch, NULL);
			if (!strict)
				continue;
			rc = MDB_CORRUPTED;
			break;
		}
		rc = is_stage_change(ch, &yes);
		if (rc != 0 && !strict)
			rc = 0;
		if (rc == 0 && yes)
			rc = fn(&k, ch, arg);
		stdreg__v1__change__free_unpacked(ch, NULL);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* --- the migration ------------------------------------------------------------------- */

static int build_change(const MDB_val *k, const Stdreg__V1__Change *ch, void *arg)
{
	struct rix_writer *wr = arg;
	const uint8_t *p = k->mv_data;

	change_entry(wr, be_get(p, 8), (uint32_t)be_get(p + 8, 4), ch->id);
	return wr->rc;
}

int report_index_build(store *st, MDB_txn *txn)
{
	struct rix_writer wr = { .txn = txn, .dbi = st->report };
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, st->records[STORE_ITEM], &cur);

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && wr.rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		Stdreg__V1__WorkItem *w = stdreg__v1__work_item__unpack(NULL, v.mv_size, v.mv_data);
		if (w == NULL) {
			rc = MDB_CORRUPTED;
			break;
		}
		item_entries(&wr, w, NULL, true);
		stdreg__v1__work_item__free_unpacked(w, NULL);
	}
	mdb_cursor_close(cur);
	if (wr.rc != 0)
		return wr.rc;
	if (rc != MDB_NOTFOUND)
		return rc;
	return each_stage_change(txn, st->changelog, true, build_change, &wr);
}

/* --- the check ----------------------------------------------------------------------- */

struct rix_check {
	store_txn *t;
	MDB_cursor *cur; /* on the report index */
	void (*fn)(void *arg, const char *id, const char *msg);
	void *arg;
};

static void problem(struct rix_check *c, const char *id, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void problem(struct rix_check *c, const char *id, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->fn(c->arg, id, msg);
}

/* Is key -> val in the index? Returns 0 (then *found) or an LMDB code. */
static int has_entry(struct rix_check *c, const void *k, size_t kn, const void *v, size_t vn,
                     bool *found)
{
	MDB_val key = { kn, (void *)k }, val = { vn, (void *)v };
	int rc = mdb_cursor_get(c->cur, &key, &val, MDB_GET_BOTH);

	*found = rc == 0;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Every entry an item implies is there. */
static int check_item(struct rix_check *c, const Stdreg__V1__WorkItem *w)
{
	char k[RIX_KEY_MAX], v[RIX_VAL_MAX];
	bool found;
	int rc = has_entry(c, k, rix_status_key(k, (int)w->status), v, status_val(v, w), &found);

	if (rc == 0 && !found)
		problem(c, w->id, "work item '%s' has no status entry in the report index", w->id);
	for (size_t i = 0; rc == 0 && i < w->n_area_ids; i++) {
		rc = has_entry(c, k, rix_area_key(k, w->area_ids[i]), v, area_val(v, w), &found);
		if (rc == 0 && !found)
			problem(c, w->id,
			        "work item '%s' has no entry under area '%s' in the report index",
			        w->id, w->area_ids[i]);
	}
	return rc;
}

static int check_items(struct rix_check *c)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(c->t->txn, c->t->st->records[STORE_ITEM], &cur);

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		/* One that does not decode is reported by check.c's walk of the records. */
		Stdreg__V1__WorkItem *w = stdreg__v1__work_item__unpack(NULL, v.mv_size, v.mv_data);
		if (w == NULL)
			continue;
		rc = check_item(c, w);
		stdreg__v1__work_item__free_unpacked(w, NULL);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int check_change_listed(const MDB_val *k, const Stdreg__V1__Change *ch, void *arg)
{
	struct rix_check *c = arg;
	const uint8_t *p = k->mv_data;
	uint8_t key[13];
	bool found;
	int rc;

	rix_change_key(key, be_get(p, 8), (uint32_t)be_get(p + 8, 4));
	rc = has_entry(c, key, sizeof key, ch->id, strlen(ch->id), &found);
	if (rc == 0 && !found)
		problem(c, ch->id,
		        "the stage change of work item '%s' at revision %llu is not in the report "
		        "index",
		        ch->id, (unsigned long long)ch->revision);
	return rc;
}

/* The item named by an 's' or 'a' entry, decoded, or NULL (reported). */
static Stdreg__V1__WorkItem *entry_item(struct rix_check *c, const char *id, size_t n)
{
	char buf[STORE_ID_MAX + 1];
	MDB_val k = { n, (void *)id }, v;
	Stdreg__V1__WorkItem *w = NULL;

	snprintf(buf, sizeof buf, "%.*s", (int)n, id);
	if (mdb_get(c->t->txn, c->t->st->records[STORE_ITEM], &k, &v) == 0)
		w = stdreg__v1__work_item__unpack(NULL, v.mv_size, v.mv_data);
	if (w == NULL)
		problem(c, buf, "the report index names work item '%s', which does not exist", buf);
	return w;
}

/* A stage change entry: its changelog key names an update of its item that changed the
 * stage. */
static void check_change_entry(struct rix_check *c, const MDB_val *k, const MDB_val *v)
{
	const uint8_t *kp = k->mv_data;
	MDB_val ck = { 12, (uint8_t *)kp + 1 };
	Stdreg__V1__Change *ch = NULL;
	bool yes = false;

	if (read_change(c->t, &ck, &ch) == RG_OK && is_stage_change(ch, &yes) == 0)
		yes = yes && strlen(ch->id) == v->mv_size &&
		      memcmp(ch->id, v->mv_data, v->mv_size) == 0;
	else
		yes = false;
	if (ch != NULL)
		stdreg__v1__change__free_unpacked(ch, NULL);
	if (!yes)
		problem(c, "",
		        "the report index lists a stage change at revision %llu that the changelog "
		        "does not hold",
		        (unsigned long long)be_get(kp + 1, 8));
}

/* One entry of the index against the records and the changelog. */
static void check_entry(struct rix_check *c, const MDB_val *k, const MDB_val *v)
{
	const char *kp = k->mv_data, *vp = v->mv_data;
	char want[RIX_VAL_MAX], area[STORE_ID_MAX + 1] = "";
	size_t skip; /* the bytes before the item id in the value */
	Stdreg__V1__WorkItem *w;
	bool ok;

	if (kp[0] == 'c' && k->mv_size == 13) {
		check_change_entry(c, k, v);
		return;
	}
	skip = kp[0] == 's' ? RIX_DATE : 1 + RIX_DATE;
	if (!((kp[0] == 's' && k->mv_size == 2) || (kp[0] == 'a' && k->mv_size > 1)) ||
	    v->mv_size <= skip || v->mv_size - skip > STORE_ID_MAX) {
		problem(c, "", "the report index holds a malformed entry");
		return;
	}
	w = entry_item(c, vp + skip, v->mv_size - skip);
	if (w == NULL)
		return;
	if (kp[0] == 's') {
		char sk[2];
		rix_status_key(sk, (int)w->status);
		ok = sk[1] == kp[1] && status_val(want, w) == v->mv_size;
	} else {
		snprintf(area, sizeof area, "%.*s", (int)k->mv_size - 1, kp + 1);
		ok = holds_area(w, area) && area_val(want, w) == v->mv_size;
	}
	if (!ok || memcmp(want, vp, v->mv_size) != 0)
		problem(c, w->id,
		        "the report index entry of work item '%s'%s%s%s does not match it", w->id,
		        area[0] ? " under area '" : "", area, area[0] ? "'" : "");
	stdreg__v1__work_item__free_unpacked(w, NULL);
}

int report_index_check(store_txn *t, void (*fn)(void *arg, const char *id, const char *msg),
                       void *arg)
{
	struct rix_check c = { .t = t, .fn = fn, .arg = arg };
	MDB_cursor *walk;
	MDB_val k, v;
	int rc = mdb_cursor_open(t->txn, t->st->report, &c.cur);

	if (rc != 0)
		return rc;
	rc = check_items(&c);
	if (rc == 0)
		rc = each_stage_change(t->txn, t->st->changelog, false, check_change_listed, &c);
	if (rc == 0)
		rc = mdb_cursor_open(t->txn, t->st->report, &walk);
	if (rc == 0) {
		for (rc = mdb_cursor_get(walk, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(walk, &k, &v, MDB_NEXT))
			check_entry(&c, &k, &v);
		mdb_cursor_close(walk);
	}
	mdb_cursor_close(c.cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}
