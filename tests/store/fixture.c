/*
 * fixture.c - temporary stores and record builders for the store tests.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

static int rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

void fx_open(struct fx *f, const struct store_opts *o)
{
	struct store_opts def = { .no_sync = true };
	struct store_error err = { 0 };
	const char *tmp = getenv("TMPDIR");

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s/stdreg-store-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	f->now = FX_NOW;
	f->principal = "test";
	if (store_open(&f->st, f->dir, o ? o : &def, &err) != RG_OK)
		fail_msg("store_open '%s': %s", f->dir, err.message);
}

void fx_close(struct fx *f)
{
	if (f->st)
		store_close(f->st);
	f->st = NULL;
	if (f->dir[0])
		nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	f->dir[0] = '\0';
}

int fx_reopen(struct fx *f, const struct store_opts *o, struct store_error *err)
{
	struct store_opts def = { .no_sync = true };

	if (f->st)
		store_close(f->st);
	f->st = NULL;
	return store_open(&f->st, f->dir, o ? o : &def, err);
}

int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fx_open(f, NULL);
	*state = f;
	return 0;
}

int fx_teardown(void **state)
{
	struct fx *f = *state;

	fx_close(f);
	free(f);
	return 0;
}

/* --- records ------------------------------------------------------------------------ */

ProtobufCMessage *rec_dup(const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	ProtobufCMessage *copy;

	assert_non_null(buf);
	protobuf_c_message_pack(m, buf);
	copy = protobuf_c_message_unpack(m->descriptor, NULL, len, buf);
	free(buf);
	assert_non_null(copy);
	return copy;
}

void rec_free(void *m)
{
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
}

void rec_set(char **field, const char *value)
{
	if (*field != protobuf_c_empty_string)
		free(*field);
	*field = strdup(value);
	assert_non_null(*field);
}

static char *s(const char *v)
{
	return (char *)(v ? v : "");
}

Stdreg__V1__Area *mk_area(const char *id, const char *name, const char *parent_id)
{
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;

	a.id = s(id);
	a.name = s(name);
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED;
	a.rank = 1;
	a.parent_id = s(parent_id);
	a.source_ref = "EU Rolling Plan for ICT Standardisation 2025";
	return (Stdreg__V1__Area *)rec_dup(&a.base);
}

Stdreg__V1__Body *mk_body(const char *id, const char *name, Stdreg__V1__BodyLevel level,
                          const char *parent_id)
{
	Stdreg__V1__Body b = STDREG__V1__BODY__INIT;

	b.id = s(id);
	b.name = s(name);
	b.level = level;
	b.parent_id = s(parent_id);
	return (Stdreg__V1__Body *)rec_dup(&b.base);
}

Stdreg__V1__Agency *mk_agency(const char *id, const char *name, const char *org_number)
{
	Stdreg__V1__Agency a = STDREG__V1__AGENCY__INIT;

	a.id = s(id);
	a.name = s(name);
	a.org_number = s(org_number);
	a.department = "Finansdepartementet";
	return (Stdreg__V1__Agency *)rec_dup(&a.base);
}

Stdreg__V1__WorkItem *mk_item(const char *id, const char *reference, const char *title,
                              const char *body_id, const char *const *areas, const char *stage)
{
	Stdreg__V1__WorkItem w = STDREG__V1__WORK_ITEM__INIT;
	size_t n = 0;

	while (areas && areas[n])
		n++;
	w.id = s(id);
	w.reference = s(reference);
	w.title = s(title);
	w.body_id = s(body_id);
	w.n_area_ids = n;
	w.area_ids = (char **)areas;
	w.deliverable_type = "IS";
	w.stage = s(stage);
	return (Stdreg__V1__WorkItem *)rec_dup(&w.base);
}

Stdreg__V1__Assignment *mk_assignment(const char *area_id, const char *agency_id,
                                      Stdreg__V1__Role role, const char *decision_ref,
                                      const char *valid_from, const char *valid_to,
                                      const char *end_decision_ref)
{
	Stdreg__V1__Assignment a = STDREG__V1__ASSIGNMENT__INIT;

	a.area_id = s(area_id);
	a.agency_id = s(agency_id);
	a.role = role;
	a.decision_ref = s(decision_ref);
	a.valid_from = s(valid_from);
	a.valid_to = s(valid_to);
	a.end_decision_ref = s(end_decision_ref);
	a.appointed_by = "regeringen";
	return (Stdreg__V1__Assignment *)rec_dup(&a.base);
}

/* --- writes ------------------------------------------------------------------------- */

struct put_job {
	enum store_kind k;
	ProtobufCMessage *rec;
	const struct store_put_opts *opts;
	struct store_error *err;
	struct store_actor who;
};

static int run_put(store_txn *t, void *arg)
{
	struct put_job *j = arg;

	return store_put(t, j->k, j->rec, j->opts, &j->who, NULL, NULL, j->err);
}

int fx_put(struct fx *f, enum store_kind k, void *rec, const struct store_put_opts *opts,
           struct store_error *err, uint64_t *revision)
{
	struct store_error dummy;
	struct put_job j = {
		k,
		rec,
		opts,
		err ? err : &dummy,
		{ .principal = f->principal, .decision_ref = "Fi2026/00001", .now = f->now }
	};

	memset(j.err, 0, sizeof(*j.err));
	return store_write_once(f->st, run_put, &j, revision);
}

/* The id field of any record message. */
static const char *rec_id(const ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor *fd =
	        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "id");

	return fd ? *(char *const *)((const char *)m + fd->offset) : "?";
}

void fx_put_ok(struct fx *f, enum store_kind k, void *rec)
{
	struct store_error err = { 0 };
	int rc = fx_put(f, k, rec, NULL, &err, NULL);

	if (rc != RG_OK)
		fail_msg("put %s '%s': %s (%s)", store_kind_name(k), rec_id(rec), rg_strerror(rc),
		         err.message);
	rec_free(rec);
}

struct del_job {
	enum store_kind k;
	const char *id;
	uint64_t expected;
	struct store_error *err;
	struct store_actor who;
};

static int run_delete(store_txn *t, void *arg)
{
	struct del_job *j = arg;

	return store_delete(t, j->k, j->id, j->expected, &j->who, j->err);
}

int fx_delete(struct fx *f, enum store_kind k, const char *id, uint64_t expected,
              struct store_error *err, uint64_t *revision)
{
	struct store_error dummy;
	struct del_job j = {
		k, id, expected, err ? err : &dummy, { .principal = f->principal, .now = f->now }
	};

	memset(j.err, 0, sizeof(*j.err));
	return store_write_once(f->st, run_delete, &j, revision);
}

struct apply_job {
	Stdreg__V1__BulkRecord *const *lines;
	size_t n;
	bool dry_run;
	struct store_actor who;
	ProtobufCMessage *out;
	struct store_error *err;
};

static int run_apply(store_txn *t, void *arg)
{
	struct apply_job *j = arg;

	return store_apply(t, (ProtobufCMessage *const *)j->lines, j->n, j->dry_run, NULL, &j->who,
	                   &j->out, j->err);
}

int fx_apply(struct fx *f, Stdreg__V1__BulkRecord *const *lines, size_t n, bool dry_run,
             ProtobufCMessage **out, struct store_error *err)
{
	struct store_error dummy;
	struct apply_job j = { lines,   n,
		               dry_run, { .principal = f->principal, .now = f->now },
		               NULL,    err ? err : &dummy };
	int rc;

	memset(j.err, 0, sizeof(*j.err));
	rc = store_write_once(f->st, run_apply, &j, NULL);
	if (out)
		*out = j.out;
	else if (j.out)
		protobuf_c_message_free_unpacked(j.out, NULL);
	return rc;
}

/* --- reads -------------------------------------------------------------------------- */

void *fx_get(struct fx *f, enum store_kind k, const char *id, int *code)
{
	store_txn *t;
	const void *val;
	size_t len;
	void *m = NULL;
	int rc = store_read_begin(f->st, &t);

	assert_int_equal(rc, RG_OK);
	rc = store_get(t, k, id, &val, &len);
	if (rc == RG_OK) {
		m = protobuf_c_message_unpack(store_kind_descriptor(k), NULL, len, val);
		assert_non_null(m);
	}
	store_read_free(t);
	if (code)
		*code = rc;
	return m;
}

void fx_seed(struct fx *f)
{
	fx_put_ok(f, STORE_AREA, mk_area("ai", "Artificial intelligence", NULL));
	fx_put_ok(f, STORE_AREA, mk_area("cyber", "Cybersecurity and network security", NULL));
	fx_put_ok(f, STORE_AREA, mk_area("ai-risk", "AI risk management", "ai"));
	fx_put_ok(f, STORE_BODY,
	          mk_body("iso", "International Organization for Standardization",
	                  STDREG__V1__BODY_LEVEL__BODY_LEVEL_INTERNATIONAL, NULL));
	fx_put_ok(f, STORE_BODY,
	          mk_body("jtc1-sc42", "ISO/IEC JTC 1/SC 42 Artificial intelligence",
	                  STDREG__V1__BODY_LEVEL__BODY_LEVEL_INTERNATIONAL, "iso"));
	fx_put_ok(f, STORE_BODY,
	          mk_body("etsi", "European Telecommunications Standards Institute",
	                  STDREG__V1__BODY_LEVEL__BODY_LEVEL_EUROPEAN, NULL));
	fx_put_ok(f, STORE_BODY,
	          mk_body("etsi-cyber", "ETSI TC CYBER",
	                  STDREG__V1__BODY_LEVEL__BODY_LEVEL_EUROPEAN, "etsi"));
	fx_put_ok(f, STORE_AGENCY,
	          mk_agency("digg", "Myndigheten för digital förvaltning", "202100-6883"));
	fx_put_ok(f, STORE_AGENCY, mk_agency("pts", "Post- och telestyrelsen", "202100-4359"));
	fx_put_ok(f, STORE_AGENCY,
	          mk_agency("msb", "Myndigheten för samhällsskydd och beredskap", "202100-5984"));
}

void fx_raw_edit_closed(struct fx *f, void (*fn)(MDB_txn *txn, void *arg), void *arg)
{
	MDB_env *env;
	MDB_txn *txn;

	store_close(f->st);
	f->st = NULL;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	// The map the store was written with (no size asked for): a test that compacts the
	// store afterwards relies on it.
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	fn(txn, arg);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

void fx_raw_edit(struct fx *f, void (*fn)(MDB_txn *txn, void *arg), void *arg)
{
	fx_raw_edit_closed(f, fn, arg);
	assert_int_equal(fx_reopen(f, NULL, NULL), RG_OK);
}

MDB_dbi fx_raw_dbi(MDB_txn *txn, const char *name, unsigned flags)
{
	MDB_dbi dbi;

	assert_int_equal(mdb_dbi_open(txn, name, flags, &dbi), 0);
	return dbi;
}

void fx_raw_set_schema(MDB_txn *txn, uint32_t v)
{
	uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	MDB_val k = { 14, "schema_version" }, val = { 4, be };

	assert_int_equal(mdb_put(txn, fx_raw_dbi(txn, "meta", 0), &k, &val, 0), 0);
}

time_t fx_day(const char *date)
{
	struct tm tm = { 0 };

	assert_int_equal(sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday), 3);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_hour = 12;
	return timegm(&tm);
}

int fx_put_many_areas(store_txn *t, void *prefix)
{
	int rc = RG_OK;

	for (uint32_t i = 0; i < STORE_WATCH_SCAN_MAX + 10 && rc == RG_OK; i++) {
		char id[16];

		snprintf(id, sizeof id, "%s%06u", (const char *)prefix, i);
		Stdreg__V1__Area *a = mk_area(id, "Bulk", NULL);
		rc = store_put(t, STORE_AREA, &a->base, NULL, NULL, NULL, NULL, NULL);
		rec_free(a);
	}
	return rc;
}
