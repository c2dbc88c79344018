/*
 * test_revisions.c - the store-wide revision (store/env.c) and the changelog every write
 * leaves (store/records.c), read back through store_watch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "stdreg/v1/registry.pb-c.h"

static const char *const AREAS_AI[] = { "ai", NULL };

static void every_write_bumps_by_one(void **state)
{
	struct fx *f = *state;
	uint64_t rev, want = 0;
	Stdreg__V1__Area *a = mk_area("ai", "Artificial intelligence", NULL);

	assert_int_equal(store_revision(f->st), 0);
	assert_int_equal(fx_put(f, STORE_AREA, a, NULL, NULL, &rev), RG_OK);
	assert_int_equal(rev, ++want);
	fx_put_ok(f, STORE_BODY,
	          mk_body("iso", "ISO", STDREG__V1__BODY_LEVEL__BODY_LEVEL_INTERNATIONAL, NULL));
	assert_int_equal(store_revision(f->st), ++want);
	fx_put_ok(f, STORE_AGENCY, mk_agency("digg", "DIGG", "202100-6883"));
	assert_int_equal(store_revision(f->st), ++want);
	fx_put_ok(f, STORE_ITEM,
	          mk_item("iso-iec-42001", "ISO/IEC 42001:2023", "AI management system", "iso",
	                  AREAS_AI, "60.60"));
	assert_int_equal(store_revision(f->st), ++want);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "digg", STDREG__V1__ROLE__ROLE_LEAD, "Fi2026/00123",
	                        "2026-01-01", NULL, NULL));
	assert_int_equal(store_revision(f->st), ++want);
	rec_set(&a->goal, "a goal");
	assert_int_equal(fx_put(f, STORE_AREA, a, NULL, NULL, &rev), RG_OK);
	assert_int_equal(rev, ++want);
	assert_int_equal(fx_delete(f, STORE_ITEM, "iso-iec-42001", 0, NULL, &rev), RG_OK);
	assert_int_equal(rev, ++want);
	assert_int_equal(store_revision(f->st), want);
	rec_free(a);
}

/* A run that writes and then fails: its child transaction is aborted whole. */
static int run_put_then_fail(store_txn *t, void *arg)
{
	Stdreg__V1__Area *a = mk_area("ghost", "Never committed", NULL);
	int rc = store_put(t, STORE_AREA, &a->base, NULL, NULL, NULL, NULL, NULL);

	(void)arg;
	rec_free(a);
	assert_int_equal(rc, RG_OK);
	return RG_EINTERNAL;
}

static void failed_write_no_revision(void **state)
{
	struct fx *f = *state;
	struct store_put_opts create = { .create_only = true },
	                      stale = { .expected_mod_revision = 2 };
	uint64_t rev = 99;
	int code;

	fx_seed(f);
	const uint64_t base = store_revision(f->st);
	void *r = mk_area("ai", "Artificial intelligence", NULL);
	assert_int_equal(fx_put(f, STORE_AREA, r, &create, NULL, &rev), RG_EEXIST);
	assert_int_equal(rev, 0); /* a job that did not commit has no revision */
	assert_int_equal(fx_put(f, STORE_AREA, r, &stale, NULL, NULL), RG_ESTALE);
	rec_free(r);
	r = mk_area("ai", "", NULL);
	assert_int_equal(fx_put(f, STORE_AREA, r, NULL, NULL, NULL), RG_EINVAL);
	rec_free(r);
	r = mk_item("x", "ref", "title", "cen", AREAS_AI, "10.00");
	assert_int_equal(fx_put(f, STORE_ITEM, r, NULL, NULL, NULL), RG_EPRECOND);
	rec_free(r);
	assert_int_equal(fx_delete(f, STORE_AREA, "ai", 0, NULL, NULL), RG_EPRECOND);
	assert_int_equal(fx_delete(f, STORE_AREA, "nope", 0, NULL, NULL), RG_ENOENT);
	assert_int_equal(store_write_once(f->st, run_put_then_fail, NULL, &rev), RG_EINTERNAL);
	assert_int_equal(rev, 0);
	assert_null(fx_get(f, STORE_AREA, "ghost", &code));
	assert_int_equal(code, RG_ENOENT);
	assert_int_equal(store_revision(f->st), base);

	/* and the next good write takes the very next revision */
	fx_put_ok(f, STORE_AREA, mk_area("ehealth", "e-health", NULL));
	assert_int_equal(store_revision(f->st), base + 1);
}

static void read_txn_revision(void **state)
{
	struct fx *f = *state;
	store_txn *t;
	const void *val;
	size_t len;

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_txn_revision(t), 0);
	store_read_reset(t);

	fx_put_ok(f, STORE_AREA, mk_area("ai", "Artificial intelligence", NULL));
	assert_int_equal(store_read_renew(t), RG_OK);
	assert_int_equal(store_txn_revision(t), 1);
	assert_int_equal(store_get(t, STORE_AREA, "ai", &val, &len), RG_OK);

	/* The snapshot holds while others write. */
	fx_put_ok(f, STORE_AREA, mk_area("cyber", "Cybersecurity", NULL));
	fx_put_ok(f, STORE_AREA, mk_area("5g", "5G", NULL));
	assert_int_equal(store_revision(f->st), 3);
	assert_int_equal(store_txn_revision(t), 1);
	assert_int_equal(store_get(t, STORE_AREA, "cyber", &val, &len), RG_ENOENT);

	/* renew without reset keeps the snapshot (it is still live) */
	assert_int_equal(store_read_renew(t), RG_OK);
	assert_int_equal(store_txn_revision(t), 1);

	store_read_reset(t);
	store_read_reset(t); /* twice is harmless */
	assert_int_equal(store_read_renew(t), RG_OK);
	assert_int_equal(store_txn_revision(t), 3);
	assert_int_equal(store_get(t, STORE_AREA, "cyber", &val, &len), RG_OK);
	store_read_free(t);
}

/* --- one request, several records: one revision --------------------------------------- */

static int run_three_puts(store_txn *t, void *arg)
{
	static const char *const ids[] = { "quantum", "metaverse", "smart-cities" };
	struct store_actor who = { .principal = "batcher",
		                   .decision_ref = "Fi2026/00777",
		                   .now = FX_NOW };
	int rc = RG_OK;

	(void)arg;
	for (int i = 0; i < 3 && rc == RG_OK; i++) {
		Stdreg__V1__Area *a = mk_area(ids[i], "Added 2023", NULL);
		rc = store_put(t, STORE_AREA, &a->base, NULL, &who, NULL, NULL, NULL);
		assert_int_equal(store_txn_revision(t), 1);
		rec_free(a);
	}
	return rc;
}

static Stdreg__V1__WatchResponse *watch(struct fx *f, uint64_t since)
{
	store_txn *t;
	ProtobufCMessage *out = NULL;
	struct store_error err = { 0 };

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	if (store_watch(t, since, 0, NULL, 0, NULL, 0, 0, &out, &err) != RG_OK)
		fail_msg("store_watch: %s", err.message);
	store_read_free(t);
	return (Stdreg__V1__WatchResponse *)out;
}

static void one_request_one_revision(void **state)
{
	struct fx *f = *state;
	uint64_t rev;

	assert_int_equal(store_write_once(f->st, run_three_puts, NULL, &rev), RG_OK);
	assert_int_equal(rev, 1);
	assert_int_equal(store_revision(f->st), 1);
	Stdreg__V1__Area *a = fx_get(f, STORE_AREA, "metaverse", NULL);
	assert_int_equal(a->meta->create_revision, 1);
	assert_int_equal(a->meta->mod_revision, 1);
	assert_string_equal(a->meta->updated_by, "batcher");
	rec_free(a);

	Stdreg__V1__WatchResponse *w = watch(f, 0);
	assert_int_equal(w->n_changes, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(w->changes[i]->revision, 1);
		assert_int_equal(w->changes[i]->op, STDREG__V1__OP__OP_CREATE);
		assert_string_equal(w->changes[i]->decision_ref, "Fi2026/00777");
	}
	/* in the order written */
	assert_string_equal(w->changes[0]->id, "quantum");
	assert_string_equal(w->changes[1]->id, "metaverse");
	assert_string_equal(w->changes[2]->id, "smart-cities");
	assert_int_equal(w->next_revision, 1);
	protobuf_c_message_free_unpacked(&w->base, NULL);
}

static void changelog_entries(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__Area *a = mk_area("ai", "Artificial intelligence", NULL);
	store_txn *t;
	const void *val;
	size_t len;

	assert_int_equal(fx_put(f, STORE_AREA, a, NULL, NULL, NULL), RG_OK); /* 1 */
	f->principal = "digg-admin";
	f->now = FX_NOW + 86400;
	rec_set(&a->name_sv, "Artificiell intelligens");
	assert_int_equal(fx_put(f, STORE_AREA, a, NULL, NULL, NULL), RG_OK); /* 2 */
	/* unchanged: no entry */
	assert_int_equal(fx_put(f, STORE_AREA, a, NULL, NULL, NULL), RG_OK);
	rec_free(a);

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_get(t, STORE_AREA, "ai", &val, &len), RG_OK);
	uint8_t *stored = malloc(len);
	memcpy(stored, val, len);
	size_t stored_len = len;
	store_read_free(t);

	assert_int_equal(fx_delete(f, STORE_AREA, "ai", 0, NULL, NULL), RG_OK); /* 3 */

	Stdreg__V1__WatchResponse *w = watch(f, 0);
	assert_int_equal(w->n_changes, 3);
	Stdreg__V1__Change *const *c = w->changes;
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(c[i]->revision, i + 1);
		assert_int_equal(c[i]->kind, STDREG__V1__KIND__KIND_AREA);
		assert_string_equal(c[i]->id, "ai");
	}
	assert_int_equal(c[0]->op, STDREG__V1__OP__OP_CREATE);
	assert_int_equal(c[1]->op, STDREG__V1__OP__OP_UPDATE);
	assert_int_equal(c[2]->op, STDREG__V1__OP__OP_DELETE);
	assert_string_equal(c[0]->principal, "test");
	assert_string_equal(c[0]->time, FX_NOW_S);
	assert_string_equal(c[0]->decision_ref, "Fi2026/00001");
	assert_string_equal(c[1]->principal, "digg-admin");
	assert_string_equal(c[1]->time, "2026-09-22T14:13:20Z");
	/* before and after: the stored bytes */
	assert_int_equal(c[0]->before.len, 0);
	assert_int_equal(c[1]->before.len, c[0]->after.len);
	assert_memory_equal(c[1]->before.data, c[0]->after.data, c[0]->after.len);
	assert_int_equal(c[1]->after.len, stored_len);
	assert_memory_equal(c[1]->after.data, stored, stored_len);
	assert_int_equal(c[2]->before.len, stored_len);
	assert_memory_equal(c[2]->before.data, stored, stored_len);
	assert_int_equal(c[2]->after.len, 0);
	protobuf_c_message_free_unpacked(&w->base, NULL);

	/* since a revision: only what came after it */
	w = watch(f, 2);
	assert_int_equal(w->n_changes, 1);
	assert_int_equal(w->changes[0]->revision, 3);
	assert_int_equal(w->next_revision, 3);
	protobuf_c_message_free_unpacked(&w->base, NULL);
	free(stored);
}

static Stdreg__V1__WatchResponse *watch_from(struct fx *f, uint64_t since, uint32_t change,
                                             char *const *ids, size_t nids, uint32_t max)
{
	store_txn *t;
	ProtobufCMessage *out = NULL;
	struct store_error err = { 0 };

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	if (store_watch(t, since, change, NULL, 0, ids, nids, max, &out, &err) != RG_OK)
		fail_msg("store_watch: %s", err.message);
	store_read_free(t);
	return (Stdreg__V1__WatchResponse *)out;
}

/* A revision bigger than a reply comes in parts; none is lost or repeated. A revision
 * was never split before, so a reply of max_events held the whole revision however big. */
static void revision_in_parts(void **state)
{
	struct fx *f = *state;
	Stdreg__V1__WatchResponse *w;
	uint64_t rev;

	assert_int_equal(store_write_once(f->st, run_three_puts, NULL, &rev), RG_OK);
	w = watch_from(f, 0, 0, NULL, 0, 2);
	assert_int_equal(w->n_changes, 2);
	assert_string_equal(w->changes[1]->id, "metaverse");
	assert_int_equal(w->next_revision, 0);
	assert_int_equal(w->next_change, 2);
	protobuf_c_message_free_unpacked(&w->base, NULL);
	w = watch_from(f, 0, 2, NULL, 0, 2);
	assert_int_equal(w->n_changes, 1);
	assert_string_equal(w->changes[0]->id, "smart-cities");
	assert_int_equal(w->next_revision, 1);
	assert_int_equal(w->next_change, 0);
	protobuf_c_message_free_unpacked(&w->base, NULL);
}

/* A filter that matches nothing reads a bounded part of the changelog per call and says
 * where to go on; the id asked for is found in the next call. */
static void scan_is_bounded(void **state)
{
	struct fx *f = *state;
	char *none[] = { "no-such-area" }, *last[] = { "a065545" };
	Stdreg__V1__WatchResponse *w;
	uint64_t rev;

	assert_int_equal(store_write_once(f->st, fx_put_many_areas, "a", &rev), RG_OK);
	w = watch_from(f, 0, 0, none, 1, 0);
	assert_int_equal(w->n_changes, 0);
	assert_int_equal(w->next_revision, 0);
	assert_int_equal(w->next_change, STORE_WATCH_SCAN_MAX);
	protobuf_c_message_free_unpacked(&w->base, NULL);
	w = watch_from(f, 0, 0, last, 1, 0);
	assert_int_equal(w->n_changes, 0); /* 65545 is past the first part */
	protobuf_c_message_free_unpacked(&w->base, NULL);
	w = watch_from(f, 0, STORE_WATCH_SCAN_MAX, last, 1, 0);
	assert_int_equal(w->n_changes, 1);
	assert_string_equal(w->changes[0]->id, "a065545");
	assert_int_equal(w->next_revision, 1);
	assert_int_equal(w->next_change, 0);
	protobuf_c_message_free_unpacked(&w->base, NULL);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(every_write_bumps_by_one), T(failed_write_no_revision), T(read_txn_revision),
		T(one_request_one_revision), T(changelog_entries),        T(revision_in_parts),
		T(scan_is_bounded),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
