/*
 * check.c - store_check: the invariants of the key layout (env.c), verified on one
 * snapshot.
 *
 * What is checked, in this order:
 *   meta       schema_version present and known; a revision key (a floor a migrated store
 *              keeps: env.c) is 8 bytes; the store's revision is the changelog's last key
 *   records    every value decodes as its kind; its id equals its key; meta is sane
 *              (1 <= create_revision <= mod_revision <= store revision, version >= 1); every
 *              id it references exists and has its refs entry; the changelog holds its
 *              change at its mod_revision, with the record as stored
 *              an agency's organisation number has its index entry ('o' key in refs)
 *   periods    no two leads of an area share a day, nor two appointments of one agency
 *              in an area (check_periods.c)
 *   refs       every entry names an existing source record that holds that reference;
 *              an organisation number entry names one agency, which holds that number
 *   changelog  every key is revision(8) + seq(4) with revision <= store revision, the
 *              Change's revision equals the key's, seqs within a revision are 0, 1, 2 ...,
 *              and the revisions are exactly 1..N (a revision is taken only by a change
 *              that writes a changelog entry: records.c sets t->changed only in
 *              write_change; principals and tokens take none); a delete, and every change
 *              of a revision with more than one, has its history index entry; a change's
 *              before-image is the after-image of the record's previous change (history.c
 *              finds it); every change but a delete is followed by exactly one later change
 *              of its record or is the change the record is at, so each is in a history
 *   history    every entry points to an existing changelog entry about that record
 *   report     the report's index holds exactly the entries the work items and the
 *              changelog's stage changes imply (report_index.c)
 *
 * The checks read only; a problem is reported and the walk goes on, so one run lists all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_int.h"
#include "report_index.h"

void chk_report(struct checker *c, const char *what, const char *id, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->stats.problems++;
	if (c->fn != NULL)
		c->fn(c->arg, what, id, msg);
}

void chk_lmdb_failed(struct checker *c, int rc)
{
	if (c->fatal == RG_OK)
		c->fatal = rc == ENOMEM ? RG_ENOMEM : RG_EIO;
	chk_report(c, "store", "", "cannot read the store (%s)", mdb_strerror(rc));
}

uint64_t chk_be_get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static const struct kind_info *kind_by_tag(char tag)
{
	for (int k = 1; k <= STORE_KIND_MAX; k++)
		if (kind_get((enum store_kind)k)->tag == tag)
			return kind_get((enum store_kind)k);
	return NULL;
}

/* "tag+id" of an index key or value as "kind 'id'" into out. */
void chk_show_tagged(const MDB_val *v, char *out, size_t len)
{
	const struct kind_info *ki =
	        v->mv_size > 0 ? kind_by_tag(((const char *)v->mv_data)[0]) : NULL;

	snprintf(out, len, "%s '%.*s'", ki ? ki->name : "unknown kind",
	         v->mv_size > 1 ? (int)(v->mv_size - 1 > 160 ? 160 : v->mv_size - 1) : 0,
	         v->mv_size > 1 ? (const char *)v->mv_data + 1 : "");
}

/* --- meta ----------------------------------------------------------------------------- */

static void check_meta(struct checker *c)
{
	MDB_val k = { 14, "schema_version" }, v;
	int rc = mdb_get(c->t->txn, c->t->st->meta, &k, &v);

	if (rc == MDB_NOTFOUND) {
		chk_report(c, "meta", "schema_version", "schema version key is missing");
	} else if (rc != 0) {
		chk_lmdb_failed(c, rc);
	} else if (v.mv_size != 4 || chk_be_get(v.mv_data, 4) == 0 ||
	           chk_be_get(v.mv_data, 4) > STORE_SCHEMA_VERSION) {
		chk_report(c, "meta", "schema_version", "schema version is malformed or unknown");
	}
	k.mv_size = 8;
	k.mv_data = "revision";
	rc = mdb_get(c->t->txn, c->t->st->meta, &k, &v);
	if (rc == 0 && v.mv_size != 8)
		chk_report(c, "meta", "revision", "revision value has %zu bytes, not 8", v.mv_size);
	else if (rc != 0 && rc != MDB_NOTFOUND)
		chk_lmdb_failed(c, rc);
}

/* --- records -------------------------------------------------------------------------- */

struct rec_ctx {
	struct checker *c;
	const struct kind_info *ki;
	const char *id;
};

static int check_one_ref(store_txn *t, const struct ref_spec *spec, const char *target, void *arg)
{
	struct rec_ctx *r = arg;
	struct checker *c = r->c;
	char kbuf[STORE_ID_MAX + 2], vbuf[STORE_ID_MAX + 2];
	MDB_val k = { index_key(kbuf, kind_get(spec->target)->tag, target), kbuf };
	MDB_val v = { index_key(vbuf, r->ki->tag, r->id), vbuf };
	MDB_cursor *cur;
	int rc;

	if (!record_exists(c->t, spec->target, target))
		chk_report(c, r->ki->name, r->id,
		           "field '%s' refers to %s '%s', which does not exist", spec->field,
		           store_kind_name(spec->target), target);
	rc = mdb_cursor_open(t->txn, t->st->refs, &cur);
	if (rc != 0) {
		chk_lmdb_failed(c, rc);
		return RG_OK;
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		chk_report(c, r->ki->name, r->id,
		           "reference '%s' -> %s '%s' has no refs index entry", spec->field,
		           store_kind_name(spec->target), target);
	else if (rc != 0)
		chk_lmdb_failed(c, rc);
	return RG_OK; /* a problem is reported and the walk goes on */
}

/* The changelog must hold the record's change at its mod_revision, with the record as stored:
 * where the record's history starts from (history.c). */
static void check_last_change(struct rec_ctx *r, uint64_t mod_revision, const MDB_val *stored)
{
	struct checker *c = r->c;
	Stdreg__V1__Change *ch = NULL;
	uint8_t key[12];
	int rc = history_find(c->t, r->ki, r->id, mod_revision, UINT32_MAX, key, &ch);

	if (rc == RG_ENOENT || rc == RG_ECORRUPT) {
		chk_report(c, r->ki->name, r->id,
		           "the changelog has no change of it at its mod_revision %llu",
		           (unsigned long long)mod_revision);
		return;
	}
	if (rc != RG_OK) {
		if (c->fatal == RG_OK)
			c->fatal = rc == RG_ENOMEM ? RG_ENOMEM : RG_EIO;
		chk_report(c, "store", "", "cannot read the store (%s)", rg_strerror(rc));
		return;
	}
	if (ch->after.len != stored->mv_size ||
	    memcmp(ch->after.data, stored->mv_data, stored->mv_size) != 0)
		chk_report(c, r->ki->name, r->id,
		           "the change at its mod_revision %llu holds another version of it",
		           (unsigned long long)mod_revision);
	chk_keys_add(c, &c->linked, key);
	stdreg__v1__change__free_unpacked(ch, NULL);
}

static void check_assignment(struct checker *c, const Stdreg__V1__Assignment *a)
{
	char id[STORE_ID_MAX + 1];

	snprintf(id, sizeof(id), "%s/%s/%s", a->area_id, a->agency_id, a->valid_from);
	if (strcmp(id, a->id) != 0)
		chk_report(c, "assignment", a->id,
		           "id does not match area/agency/valid_from ('%s')", id);
	chk_period_add(c, a);
}

static void check_org_indexed(struct checker *c, const Stdreg__V1__Agency *a)
{
	char kbuf[STORE_ID_MAX + 2], vbuf[STORE_ID_MAX + 2];
	MDB_val k = { index_key(kbuf, 'o', a->org_number), kbuf };
	MDB_val v = { index_key(vbuf, 'g', a->id), vbuf };
	MDB_cursor *cur;
	int rc = mdb_cursor_open(c->t->txn, c->t->st->refs, &cur);

	if (rc != 0) {
		chk_lmdb_failed(c, rc);
		return;
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		chk_report(c, "agency", a->id, "organisation number '%s' has no index entry",
		           a->org_number);
	else if (rc != 0)
		chk_lmdb_failed(c, rc);
}

static void check_record(struct checker *c, const struct kind_info *ki, const MDB_val *key,
                         const MDB_val *val)
{
	char id[STORE_ID_MAX + 1];
	ProtobufCMessage *rec;
	const Stdreg__V1__Meta *m;

	snprintf(id, sizeof(id), "%.*s",
	         (int)(key->mv_size > STORE_ID_MAX ? STORE_ID_MAX : key->mv_size),
	         (const char *)key->mv_data);
	c->stats.records++;
	if (key->mv_size == 0 || key->mv_size > STORE_ID_MAX ||
	    memchr(key->mv_data, 0, key->mv_size)) {
		chk_report(c, ki->name, id, "key is not a valid id");
		return;
	}
	rec = protobuf_c_message_unpack(ki->desc, NULL, val->mv_size, val->mv_data);
	if (rec == NULL) {
		chk_report(c, ki->name, id, "value does not decode as %s", ki->desc->name);
		return;
	}
	if (strcmp(record_id(ki->kind, rec), id) != 0)
		chk_report(c, ki->name, id, "record id '%.64s' differs from its key",
		           record_id(ki->kind, rec));
	m = *msg_meta(rec);
	if (m == NULL) {
		chk_report(c, ki->name, id, "record has no meta");
	} else {
		if (m->mod_revision == 0 || m->mod_revision > c->revision)
			chk_report(c, ki->name, id, "mod_revision %llu is outside 1..%llu",
			           (unsigned long long)m->mod_revision,
			           (unsigned long long)c->revision);
		if (m->create_revision == 0 || m->create_revision > m->mod_revision)
			chk_report(c, ki->name, id,
			           "create_revision %llu is after mod_revision %llu",
			           (unsigned long long)m->create_revision,
			           (unsigned long long)m->mod_revision);
		if (m->version == 0)
			chk_report(c, ki->name, id, "version is 0");
	}
	struct rec_ctx r = { c, ki, id };
	record_each_ref(c->t, ki, rec, check_one_ref, &r);
	if (m != NULL)
		check_last_change(&r, m->mod_revision, val);
	if (ki->kind == STORE_ASSIGNMENT)
		check_assignment(c, (const Stdreg__V1__Assignment *)rec);
	if (ki->kind == STORE_AGENCY)
		check_org_indexed(c, (const Stdreg__V1__Agency *)rec);
	if (ki->kind == STORE_GOAL) {
		struct store_error gerr = { 0 };
		if (goal_kind_check(c->t, id, &gerr) != RG_OK)
			chk_report(c, "goal", id, "%s", gerr.message);
	}
	protobuf_c_message_free_unpacked(rec, NULL);
}

static void check_records(struct checker *c)
{
	for (int k = 1; k <= STORE_KIND_MAX && c->fatal == RG_OK; k++) {
		const struct kind_info *ki = kind_get((enum store_kind)k);
		MDB_cursor *cur;
		MDB_val key, val;
		int rc = mdb_cursor_open(c->t->txn, c->t->st->records[k], &cur);

		if (rc != 0) {
			chk_lmdb_failed(c, rc);
			return;
		}
		for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0 && c->fatal == RG_OK;
		     rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT))
			check_record(c, ki, &key, &val);
		mdb_cursor_close(cur);
		if (rc != 0 && rc != MDB_NOTFOUND)
			chk_lmdb_failed(c, rc);
	}
}

/* --- refs ----------------------------------------------------------------------------- */

/* An organisation number entry: 'o' + number -> 'g' + the one agency that holds it. */
static void check_org_entry(struct checker *c, MDB_cursor *cur, const MDB_val *k, const MDB_val *v)
{
	char org[STORE_ID_MAX + 1], sid[STORE_ID_MAX + 1];
	const void *val;
	size_t len, dups = 0;

	c->stats.refs++;
	snprintf(org, sizeof(org), "%.*s",
	         (int)(k->mv_size - 1 > STORE_ID_MAX ? STORE_ID_MAX : k->mv_size - 1),
	         (const char *)k->mv_data + 1);
	if (v->mv_size < 2 || v->mv_size - 1 > STORE_ID_MAX ||
	    ((const char *)v->mv_data)[0] != 'g') {
		chk_report(c, "refs", org, "malformed organisation number entry");
		return;
	}
	snprintf(sid, sizeof(sid), "%.*s", (int)v->mv_size - 1, (const char *)v->mv_data + 1);
	if (mdb_cursor_count(cur, &dups) == 0 && dups > 1)
		chk_report(c, "agency", sid,
		           "organisation number '%s' is shared with %zu other agenc%s", org,
		           dups - 1, dups == 2 ? "y" : "ies");
	if (store_get(c->t, STORE_AGENCY, sid, &val, &len) != RG_OK) {
		chk_report(c, "refs", org,
		           "organisation number entry names agency '%s', which does "
		           "not exist",
		           sid);
		return;
	}
	Stdreg__V1__Agency *a = stdreg__v1__agency__unpack(NULL, len, val);
	if (a == NULL)
		return; /* reported by check_records */
	if (strcmp(a->org_number, org) != 0)
		chk_report(c, "refs", org,
		           "organisation number entry names agency '%s', which has '%s'", sid,
		           a->org_number);
	stdreg__v1__agency__free_unpacked(a, NULL);
}

static void check_ref_entry(struct checker *c, const MDB_val *k, const MDB_val *v)
{
	const struct kind_info *target =
	        k->mv_size > 1 ? kind_by_tag(((const char *)k->mv_data)[0]) : NULL;
	const struct kind_info *source =
	        v->mv_size > 1 ? kind_by_tag(((const char *)v->mv_data)[0]) : NULL;
	char tshow[200], sshow[200], sid[STORE_ID_MAX + 1];
	const void *val;
	size_t len;

	c->stats.refs++;
	chk_show_tagged(k, tshow, sizeof(tshow));
	chk_show_tagged(v, sshow, sizeof(sshow));
	if (target == NULL || source == NULL || v->mv_size - 1 > STORE_ID_MAX) {
		chk_report(c, "refs", tshow, "malformed refs entry (from %s)", sshow);
		return;
	}
	snprintf(sid, sizeof(sid), "%.*s", (int)v->mv_size - 1, (const char *)v->mv_data + 1);
	if (store_get(c->t, source->kind, sid, &val, &len) != RG_OK) {
		chk_report(c, "refs", tshow, "refs entry names %s, which does not exist", sshow);
		return;
	}
	ProtobufCMessage *rec = protobuf_c_message_unpack(source->desc, NULL, len, val);
	if (rec == NULL)
		return; /* reported by check_records */
	char tid[STORE_ID_MAX + 1];
	snprintf(tid, sizeof(tid), "%.*s",
	         (int)(k->mv_size - 1 > STORE_ID_MAX ? STORE_ID_MAX : k->mv_size - 1),
	         (const char *)k->mv_data + 1);
	if (!record_holds_ref(source, rec, target->kind, tid))
		chk_report(c, "refs", tshow, "refs entry says %s refers to it, but it does not",
		           sshow);
	protobuf_c_message_free_unpacked(rec, NULL);
}

static void check_refs_index(struct checker *c)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(c->t->txn, c->t->st->refs, &cur);

	if (rc != 0) {
		chk_lmdb_failed(c, rc);
		return;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && c->fatal == RG_OK;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size > 1 && ((const char *)k.mv_data)[0] == 'o')
			check_org_entry(c, cur, &k, &v);
		else
			check_ref_entry(c, &k, &v);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		chk_lmdb_failed(c, rc);
}

static void report_index_problem(void *arg, const char *id, const char *msg)
{
	chk_report(arg, "report index", id, "%s", msg);
}

int store_check(store_txn *t, store_check_fn fn, void *arg, struct store_check_stats *stats)
{
	struct checker c = { .t = t, .fn = fn, .arg = arg, .revision = t->revision };

	check_meta(&c);
	if (c.fatal == RG_OK)
		check_records(&c);
	if (c.fatal == RG_OK)
		chk_periods_check(&c);
	if (c.fatal == RG_OK)
		check_refs_index(&c);
	if (c.fatal == RG_OK)
		check_changelog(&c);
	if (c.fatal == RG_OK)
		check_chains(&c);
	if (c.fatal == RG_OK)
		check_history(&c);
	if (c.fatal == RG_OK) {
		int rc = report_index_check(t, report_index_problem, &c);
		if (rc != 0)
			chk_lmdb_failed(&c, rc);
	}
	free(c.linked.v);
	free(c.open_ends.v);
	chk_periods_free(&c);
	c.stats.revision = c.revision;
	if (stats != NULL)
		*stats = c.stats;
	if (c.fatal != RG_OK)
		return c.fatal;
	return c.stats.problems > 0 ? RG_ECORRUPT : RG_OK;
}
