/*
 * test_integrity.c - what keeps the registry's word true: attribution set by the server
 * (records.c), principals as references and names never reused (principals.c), one
 * agency per organisation number (orgindex.c, its migration in env.c and store_check),
 * control characters refused (kinds.c), and the agency scope (appoint.c).
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "store_int.h" /* STORE_SCHEMA_VERSION */
#include "stdreg/v1/registry.pb-c.h"

#define LEAD        STDREG__V1__ROLE__ROLE_LEAD
#define ROLE_AGENCY STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_AGENCY

static const char *const AREAS_AI[] = { "ai", NULL };
static const char *const AREAS_AI_CYBER[] = { "ai", "cyber", NULL };

/* --- attribution ------------------------------------------------------------------- */

static void appointed_by_is_the_principal(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	Stdreg__V1__Assignment *a =
	        mk_assignment("ai", "digg", LEAD, "Fi2026/00123", "2026-01-01", NULL, NULL);

	fx_seed(f);
	rec_set(&a->appointed_by, "the-king");
	assert_int_equal(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), RG_OK);
	rec_free(a);
	a = fx_get(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", NULL);
	assert_string_equal(a->appointed_by, "test");
	assert_string_equal(a->meta->updated_by, "test");
	/* an update keeps the one who appointed, whatever it says */
	rec_set(&a->appointed_by, "the-king");
	rec_set(&a->note, "noted");
	f->principal = "someone-else";
	assert_int_equal(fx_put(f, STORE_ASSIGNMENT, a, NULL, &err, NULL), RG_OK);
	rec_free(a);
	a = fx_get(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", NULL);
	assert_string_equal(a->appointed_by, "test");
	assert_string_equal(a->meta->updated_by, "someone-else");
	assert_string_equal(a->note, "noted");
	rec_free(a);
}

struct apply_job {
	Stdreg__V1__BulkRecord *recs[4];
	size_t n;
	bool dry_run;
	ProtobufCMessage *out;
	struct store_error err;
};

static int run_apply(store_txn *t, void *arg)
{
	struct apply_job *j = arg;
	struct store_actor who = { .principal = "anna", .now = FX_NOW };

	return store_apply(t, (ProtobufCMessage *const *)j->recs, j->n, j->dry_run, NULL, &who,
	                   &j->out, &j->err);
}

static void appointed_by_from_apply(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__BulkRecord b = STDREG__V1__BULK_RECORD__INIT;
	struct apply_job j = { .recs = { &b }, .n = 1 };
	Stdreg__V1__Assignment *a =
	        mk_assignment("ai", "digg", LEAD, "Fi2026/00123", "2026-01-01", NULL, NULL);

	fx_seed(f);
	rec_set(&a->appointed_by, "the-king");
	b.assignment = a;
	assert_int_equal(store_write_once(f->st, run_apply, &j, NULL), RG_OK);
	rec_free(j.out);
	rec_free(a);
	a = fx_get(f, STORE_ASSIGNMENT, "ai/digg/2026-01-01", NULL);
	assert_string_equal(a->appointed_by, "anna");
	assert_string_equal(a->meta->updated_by, "anna");
	/* a dry run shows the note's change, not appointed_by's: attribution is not the file's */
	rec_set(&a->appointed_by, "the-king");
	rec_set(&a->note, "a new note");
	b.assignment = a;
	j.dry_run = true;
	j.out = NULL;
	assert_int_equal(store_write_once(f->st, run_apply, &j, NULL), RG_OK);
	Stdreg__V1__ApplyCommitResponse *r = (Stdreg__V1__ApplyCommitResponse *)j.out;
	assert_int_equal(r->n_differences, 1);
	assert_non_null(strstr(r->differences[0], "note"));
	assert_null(strstr(r->differences[0], "appointed_by"));
	rec_free(j.out);
	rec_free(a);
}

/* --- control characters ------------------------------------------------------------ */

static void control_characters_refused(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	static const char *const bad[] = { "red \x1b[31m", "over\rwrite", "bell\a", "del\x7f",
		                           ("csi \xc2\x9b" /* C1 CSI, then text */
		                            "2J") };

	fx_seed(f);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		Stdreg__V1__Area *a = mk_area("ctl", "Control", NULL);
		rec_set(&a->goal, bad[i]);
		assert_int_equal(fx_put(f, STORE_AREA, a, NULL, &err, NULL), RG_EINVAL);
		assert_string_equal(err.field, "goal");
		assert_non_null(strstr(err.message, "control character"));
		rec_free(a);
	}
	/* tab and line feed are text */
	Stdreg__V1__Area *a = mk_area("ctl", "Control", NULL);
	rec_set(&a->goal, "one\ttwo\nthree");
	assert_int_equal(fx_put(f, STORE_AREA, a, NULL, &err, NULL), RG_OK);
	rec_free(a);
	/* so is a letter after U+0080 (å is 0xc3 0xa5) */
	assert_int_equal(store_check_text("name", "Åtkomst", &err), RG_OK);
}

struct del_ref_job {
	const char *decision;
	struct store_error err;
};

static int run_delete_with_ref(store_txn *t, void *arg)
{
	struct del_ref_job *j = arg;
	struct store_actor who = { .principal = "test", .decision_ref = j->decision };

	return store_delete(t, STORE_AREA, "cyber", 0, &who, &j->err);
}

static void control_characters_in_decision_ref(void **state)
{
	struct fx *f = *state;
	struct del_ref_job j = { .decision = "Fi2026/1\x1b]0;owned\a" };

	fx_seed(f);
	assert_int_equal(store_write_once(f->st, run_delete_with_ref, &j, NULL), RG_EINVAL);
	assert_string_equal(j.err.field, "decision_ref");
	j.decision = "Fi2026/1";
	assert_int_equal(store_write_once(f->st, run_delete_with_ref, &j, NULL), RG_OK);
}

/* --- principals -------------------------------------------------------------------- */

static void agency_named_by_token_kept(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	char token[STORE_TOKEN_LEN + 1];

	fx_seed(f);
	assert_int_equal(store_token_create(f->st, "digg-bot", ROLE_AGENCY, "digg", token, &err),
	                 RG_OK);
	assert_int_equal(fx_delete(f, STORE_AGENCY, "digg", 0, &err, NULL), RG_EPRECOND);
	assert_non_null(strstr(err.message, "'digg-bot'"));
	Stdreg__V1__Agency *kept = fx_get(f, STORE_AGENCY, "digg", NULL);
	assert_non_null(kept);
	rec_free(kept);
	/* a revoked token names nothing */
	assert_int_equal(store_token_revoke(f->st, "digg-bot", &err), RG_OK);
	assert_int_equal(fx_delete(f, STORE_AGENCY, "digg", 0, &err, NULL), RG_OK);
}

struct hashes {
	int n, with_hash;
};

static void count_hashes(void *arg, const ProtobufCMessage *m)
{
	struct hashes *h = arg;

	h->n++;
	h->with_hash += ((const Stdreg__V1__Principal *)m)->token_hash.len != 0;
}

/* principals.c walks its table once for both: the refusal names every live agency principal,
 * and the list shows every principal without its token hash. */
static void principals_walked_once_for_both(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	char token[STORE_TOKEN_LEN + 1];
	struct hashes h = { 0 };

	fx_seed(f);
	assert_int_equal(store_token_create(f->st, "bot-a", ROLE_AGENCY, "digg", token, &err),
	                 RG_OK);
	assert_int_equal(store_token_create(f->st, "bot-b", ROLE_AGENCY, "digg", token, &err),
	                 RG_OK);
	assert_int_equal(store_token_create(f->st, "reader",
	                                    STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_READER, NULL,
	                                    token, &err),
	                 RG_OK);
	assert_int_equal(fx_delete(f, STORE_AGENCY, "digg", 0, &err, NULL), RG_EPRECOND);
	assert_non_null(strstr(err.message, "'bot-a', 'bot-b'"));
	assert_null(strstr(err.message, "'reader'"));
	assert_int_equal(store_token_list(f->st, count_hashes, &h), RG_OK);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.with_hash, 0);
}

struct listed {
	int n;
	char revoked_at[32];
};

static void list_fn(void *arg, const ProtobufCMessage *m)
{
	struct listed *l = arg;
	const Stdreg__V1__Principal *p = (const Stdreg__V1__Principal *)m;

	if (strcmp(p->name, "anna") == 0) {
		l->n++;
		snprintf(l->revoked_at, sizeof(l->revoked_at), "%s", p->revoked_at);
	}
}

static void revoked_name_not_reused(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	char token[STORE_TOKEN_LEN + 1], again[STORE_TOKEN_LEN + 1];
	struct listed l = { 0 };
	store_txn *t;
	struct store_principal p;

	assert_int_equal(store_token_create(f->st, "anna",
	                                    STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_READER, NULL,
	                                    token, &err),
	                 RG_OK);
	assert_int_equal(store_token_revoke(f->st, "anna", &err), RG_OK);
	assert_int_equal(store_token_create(f->st, "anna",
	                                    STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_READER, NULL,
	                                    again, &err),
	                 RG_EEXIST);
	assert_non_null(strstr(err.message, "was revoked"));
	/* the revoked row is still there, with when */
	assert_int_equal(store_token_list(f->st, list_fn, &l), RG_OK);
	assert_int_equal(l.n, 1);
	assert_true(l.revoked_at[0] != '\0');
	/* and the old token stays refused */
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_token_lookup(t, token, &p), RG_EPRECOND);
	store_read_free(t);
}

/* --- organisation numbers ---------------------------------------------------------- */

static int check_count(struct fx *f, char *text, size_t size);

static void one_org_number_one_agency(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	char text[1024];
	Stdreg__V1__Agency *a;

	fx_seed(f);                                           /* digg 202100-6883 */
	a = mk_agency("digg2", "Another DIGG", "2021006883"); /* the same number, other form */
	assert_int_equal(fx_put(f, STORE_AGENCY, a, NULL, &err, NULL), RG_EEXIST);
	assert_string_equal(err.field, "org_number");
	assert_non_null(strstr(err.message, "agency 'digg'"));
	rec_free(a);
	/* digg may put itself again, and change its number, which frees the old one */
	a = fx_get(f, STORE_AGENCY, "digg", NULL);
	rec_set(&a->org_number, "202100-0001");
	assert_int_equal(fx_put(f, STORE_AGENCY, a, NULL, &err, NULL), RG_OK);
	rec_free(a);
	fx_put_ok(f, STORE_AGENCY, mk_agency("digg2", "Another DIGG", "202100-6883"));
	a = mk_agency("digg3", "A third", "202100-0001");
	assert_int_equal(fx_put(f, STORE_AGENCY, a, NULL, &err, NULL), RG_EEXIST);
	rec_free(a);
	/* a delete frees the number */
	assert_int_equal(fx_delete(f, STORE_AGENCY, "digg", 0, &err, NULL), RG_OK);
	fx_put_ok(f, STORE_AGENCY, mk_agency("digg3", "A third", "202100-0001"));
	assert_int_equal(check_count(f, text, sizeof(text)), 0);
}

static void one_org_number_in_apply(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__BulkRecord b1 = STDREG__V1__BULK_RECORD__INIT,
	                       b2 = STDREG__V1__BULK_RECORD__INIT;
	struct apply_job j = { .recs = { &b1, &b2 }, .n = 2 };
	Stdreg__V1__ApplyCommitResponse *r;

	b1.agency = mk_agency("skv", "Skatteverket", "202100-5448");
	b2.agency = mk_agency("skv2", "Skatteverket again", "202100-5448");
	b1.line = 1;
	b2.line = 2;
	assert_int_equal(store_write_once(f->st, run_apply, &j, NULL), RG_EINVAL);
	r = (Stdreg__V1__ApplyCommitResponse *)j.out;
	assert_non_null(r);
	assert_int_equal(r->n_errors, 1);
	assert_int_equal(r->errors[0]->line, 2);
	assert_non_null(strstr(r->errors[0]->message, "agency 'skv'"));
	rec_free(j.out);
	rec_free(b1.agency);
	rec_free(b2.agency);
}

struct found {
	char *text;
	size_t size, len;
	int n;
};

static void collect(void *arg, const char *what, const char *id, const char *message)
{
	struct found *f = arg;
	int w = snprintf(f->text + f->len, f->size - f->len, "%s '%s': %s\n", what, id, message);

	if (w > 0 && (size_t)w < f->size - f->len)
		f->len += (size_t)w;
	f->n++;
}

/* store_check's findings into text; returns how many. */
static int check_count(struct fx *f, char *text, size_t size)
{
	struct found out = { text, size, 0, 0 };
	store_txn *t;

	text[0] = '\0';
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	int rc = store_check(t, collect, &out, NULL);
	store_read_free(t);
	assert_int_equal(rc, out.n ? RG_ECORRUPT : RG_OK);
	return out.n;
}

/* Turns the store in f->dir into what schema 1 wrote: no 'o' entries, version 1; with
 * dup_of set, an agency "copy" holding dup_of's record under another id (raw, unchecked). */
static void schema_1(MDB_txn *txn, void *arg)
{
	const char *dup_of = arg;
	MDB_dbi refs = fx_raw_dbi(txn, "refs", MDB_DUPSORT), agency = fx_raw_dbi(txn, "agency", 0);
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	assert_int_equal(mdb_cursor_open(txn, refs, &c), 0);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		if (((const char *)k.mv_data)[0] == 'o')
			assert_int_equal(mdb_cursor_del(c, MDB_NODUPDATA), 0);
	mdb_cursor_close(c);
	if (dup_of) {
		MDB_val key = { strlen(dup_of), (void *)dup_of }, val;
		assert_int_equal(mdb_get(txn, agency, &key, &val), 0);
		Stdreg__V1__Agency *a = stdreg__v1__agency__unpack(NULL, val.mv_size, val.mv_data);
		assert_non_null(a);
		rec_set(&a->id, "copy");
		size_t len = stdreg__v1__agency__get_packed_size(a);
		uint8_t *buf = malloc(len);
		stdreg__v1__agency__pack(a, buf);
		MDB_val ck = { 4, "copy" }, cv = { len, buf };
		assert_int_equal(mdb_put(txn, agency, &ck, &cv, 0), 0);
		free(buf);
		stdreg__v1__agency__free_unpacked(a, NULL);
	}
	fx_raw_set_schema(txn, 1);
}

static void make_schema_1(struct fx *f, const char *dup_of)
{
	fx_raw_edit_closed(f, schema_1, (void *)dup_of);
}

static void org_index_built_for_an_older_store(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	char text[1024];
	Stdreg__V1__Agency *a;

	fx_seed(f);
	make_schema_1(f, NULL);
	assert_int_equal(fx_reopen(f, NULL, &err), RG_OK);
	assert_int_equal(check_count(f, text, sizeof(text)), 0);
	a = mk_agency("digg2", "Another DIGG", "202100-6883");
	assert_int_equal(fx_put(f, STORE_AGENCY, a, NULL, &err, NULL), RG_EEXIST);
	assert_non_null(strstr(err.message, "agency 'digg'"));
	rec_free(a);
}

static void duplicate_in_an_older_store_reported(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	char text[2048];
	Stdreg__V1__Agency *a;

	fx_seed(f);
	make_schema_1(f, "digg");
	assert_int_equal(fx_reopen(f, NULL, &err), RG_OK);
	/* check names the clash (the copy has no history: other findings too) */
	assert_true(check_count(f, text, sizeof(text)) > 0);
	assert_non_null(strstr(text, "organisation number '202100-6883' is shared"));
	/* either agency's put is refused until one changes its number */
	a = fx_get(f, STORE_AGENCY, "digg", NULL);
	rec_set(&a->name, "DIGG, renamed");
	assert_int_equal(fx_put(f, STORE_AGENCY, a, NULL, &err, NULL), RG_EEXIST);
	assert_non_null(strstr(err.message, "agency 'copy'"));
	rec_set(&a->org_number, "202100-0001");
	assert_int_equal(fx_put(f, STORE_AGENCY, a, NULL, &err, NULL), RG_OK);
	rec_free(a);
}

/* Turns the store in f->dir into what schema 2 wrote: no goal or follow_up databases,
 * version 2. */
static void schema_2(MDB_txn *txn, void *arg)
{
	static const char *const gone[] = { "goal", "follow_up" };

	(void)arg;
	for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) /* deleted from the env */
		assert_int_equal(mdb_drop(txn, fx_raw_dbi(txn, gone[i], 0), 1), 0);
	fx_raw_set_schema(txn, 2);
}

static void make_schema_2(struct fx *f)
{
	fx_raw_edit_closed(f, schema_2, NULL);
}

/* The schema version the store in f->dir is stamped with (read raw, the store closed). */
static uint32_t raw_schema_version(struct fx *f)
{
	MDB_val k = { 14, "schema_version" }, v;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	uint32_t ver = 0;

	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, f->dir, MDB_RDONLY, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	assert_int_equal(mdb_get(txn, meta, &k, &v), 0);
	assert_int_equal(v.mv_size, 4);
	for (size_t i = 0; i < 4; i++)
		ver = ver << 8 | ((const uint8_t *)v.mv_data)[i];
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return ver;
}

/* A store of schema 2 (before goals) opens as schema 3: its records and checks intact,
 * the goal databases made, and goals can be listed and checked. */
static void goal_dbs_made_for_an_older_store(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	char text[1024];
	Stdreg__V1__Agency *a;

	fx_seed(f);
	make_schema_2(f);
	assert_int_equal(raw_schema_version(f), 2);
	assert_int_equal(fx_reopen(f, NULL, &err), RG_OK);
	assert_int_equal(check_count(f, text, sizeof(text)), 0);
	a = fx_get(f, STORE_AGENCY, "digg", NULL);
	assert_non_null(a);
	rec_free(a);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(raw_schema_version(f), STORE_SCHEMA_VERSION);
	assert_int_equal(fx_reopen(f, NULL, &err), RG_OK);
}

/* --- the agency scope -------------------------------------------------------------- */

struct scope_job {
	const char *item;
	char **areas;
	size_t n;
	struct store_error err;
};

static int run_scope(store_txn *t, void *arg)
{
	struct scope_job *j = arg;

	memset(&j->err, 0, sizeof(j->err));
	return store_check_item_scope(t, "digg", j->item, j->areas, j->n, &j->err);
}

static int scope(struct fx *f, struct scope_job *j)
{
	store_txn *t;
	int rc;

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	rc = run_scope(t, j);
	store_read_free(t);
	return rc;
}

static void scope_covers_every_area(void **state)
{
	struct fx *f = *state;
	char *ai[] = { "ai" }, *both[] = { "ai", "cyber" };
	struct scope_job j;

	fx_seed(f);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "digg", LEAD, "Fi2020/1", "2020-01-01", NULL, NULL));
	fx_put_ok(f, STORE_ITEM, mk_item("mine", "R1", "Mine", "iso", AREAS_AI, "20.00"));
	fx_put_ok(f, STORE_ITEM, mk_item("shared", "R2", "Shared", "iso", AREAS_AI_CYBER, "20.00"));
	/* its own item in its own area */
	j = (struct scope_job){ "mine", ai, 1, { 0 } };
	assert_int_equal(scope(f, &j), RG_OK);
	/* a new item that reaches into cyber */
	j = (struct scope_job){ "new", both, 2, { 0 } };
	assert_int_equal(scope(f, &j), RG_EPERM);
	assert_non_null(strstr(j.err.message, "area 'cyber'"));
	/* moving its own item into cyber too */
	j = (struct scope_job){ "mine", both, 2, { 0 } };
	assert_int_equal(scope(f, &j), RG_EPERM);
	/* an item it shares with cyber: neither kept nor cut down to ai */
	j = (struct scope_job){ "shared", both, 2, { 0 } };
	assert_int_equal(scope(f, &j), RG_EPERM);
	j = (struct scope_job){ "shared", ai, 1, { 0 } };
	assert_int_equal(scope(f, &j), RG_EPERM);
	/* a stage move (no new areas) of the shared item */
	j = (struct scope_job){ "shared", NULL, 0, { 0 } };
	assert_int_equal(scope(f, &j), RG_EPERM);
}

static void scope_counts_before_entries(void **state)
{
	struct fx *f = *state;
	/* More entries than allowed, none of them readable: any per-entry work would crash. */
	char **ids = calloc(STORE_VALUES_MAX + 1, sizeof(char *));
	struct scope_job j = { "new", ids, (size_t)2000000, { 0 } };

	fx_seed(f);
	assert_int_equal(scope(f, &j), RG_EINVAL);
	assert_string_equal(j.err.field, "area_ids");
	assert_non_null(strstr(j.err.message, "too many values (2000000, at most 256)"));
	/* the same bound in store_check_counts, for any record */
	Stdreg__V1__WorkItem *w = mk_item("many", "R", "Many", "iso", AREAS_AI, "20.00");
	char **saved = w->area_ids;
	size_t n = w->n_area_ids;
	w->area_ids = ids;
	w->n_area_ids = 2000000;
	assert_int_equal(store_check_counts(&w->base, &j.err), RG_EINVAL);
	w->area_ids = saved;
	w->n_area_ids = n;
	rec_free(w);
	free(ids);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(appointed_by_is_the_principal),
		T(appointed_by_from_apply),
		T(control_characters_refused),
		T(control_characters_in_decision_ref),
		T(agency_named_by_token_kept),
		T(revoked_name_not_reused),
		T(principals_walked_once_for_both),
		T(one_org_number_one_agency),
		T(one_org_number_in_apply),
		T(org_index_built_for_an_older_store),
		T(duplicate_in_an_older_store_reported),
		T(goal_dbs_made_for_an_older_store),
		T(scope_covers_every_area),
		T(scope_counts_before_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
