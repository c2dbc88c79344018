/*
 * test_queries.c - store/queries.c: as-of, gaps, mine, history and watch, each case in its
 * own temporary store (fixture.c), and the answer to a corrupt reference index entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "stdreg/v1/registry.pb-c.h"
#include "store_int.h"

#define LEAD       STDREG__V1__ROLE__ROLE_LEAD
#define SUPPORTING STDREG__V1__ROLE__ROLE_SUPPORTING

/* The demo set, digg leading ai since 2025-01-01 and pts supporting it, one item in ai. */
static void seed(struct fx *f)
{
	static const char *const ai[] = { "ai", NULL };

	fx_seed(f);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "digg", LEAD, "I2025/1", "2025-01-01", NULL, NULL));
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("ai", "pts", SUPPORTING, "I2025/2", "2025-02-01", NULL, NULL));
	fx_put_ok(f, STORE_ITEM,
	          mk_item("iso-42001", "ISO/IEC 42001", "AI management", "jtc1-sc42", ai, "60.60"));
}

typedef int (*query_fn)(store_txn *t, const void *arg, ProtobufCMessage **out,
                        struct store_error *err);

/* Runs q in a read transaction of f; *out is the response (free with rec_free). */
static int query(struct fx *f, query_fn q, const void *arg, ProtobufCMessage **out,
                 struct store_error *err)
{
	store_txn *t;
	int rc;

	*out = NULL;
	memset(err, 0, sizeof *err);
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	rc = q(t, arg, out, err);
	store_read_free(t);
	return rc;
}

static int q_as_of(store_txn *t, const void *date, ProtobufCMessage **out, struct store_error *err)
{
	return store_as_of(t, "ai", date, out, err);
}

static int q_gaps(store_txn *t, const void *today, ProtobufCMessage **out, struct store_error *err)
{
	return store_gaps(t, today, out, err);
}

static int q_mine(store_txn *t, const void *agency, ProtobufCMessage **out, struct store_error *err)
{
	return store_mine(t, agency, out, err);
}

static int q_history(store_txn *t, const void *id, ProtobufCMessage **out, struct store_error *err)
{
	return store_history(t, STORE_AREA, id, out, err);
}

/* --- cases --------------------------------------------------------------------------- */

static void as_of_lead_and_support(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	ProtobufCMessage *out;

	seed(f);
	assert_int_equal(query(f, q_as_of, "2025-03-01", &out, &err), RG_OK);
	Stdreg__V1__AsOfResponse *r = (Stdreg__V1__AsOfResponse *)out;
	assert_non_null(r->lead);
	assert_string_equal(r->lead->agency_id, "digg");
	assert_int_equal(r->n_supporting, 1);
	assert_string_equal(r->supporting[0]->agency_id, "pts");
	rec_free(out);
	/* before the support began */
	assert_int_equal(query(f, q_as_of, "2025-01-15", &out, &err), RG_OK);
	assert_int_equal(((Stdreg__V1__AsOfResponse *)out)->n_supporting, 0);
	rec_free(out);
	assert_int_equal(query(f, q_as_of, "2025-13-01", &out, &err), RG_EINVAL);
	assert_string_equal(err.field, "date");
}

static void gaps_list_areas_without_lead(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	ProtobufCMessage *out;

	seed(f);
	assert_int_equal(query(f, q_gaps, "2025-03-01", &out, &err), RG_OK);
	Stdreg__V1__GapsResponse *r = (Stdreg__V1__GapsResponse *)out;
	for (size_t i = 0; i < r->n_gaps; i++)
		assert_string_not_equal(r->gaps[i]->area->id, "ai");
	assert_true(r->prioritised >= r->n_gaps + 1);
	rec_free(out);
}

static void mine_groups_items_by_stage(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	ProtobufCMessage *out;

	seed(f);
	assert_int_equal(query(f, q_mine, "digg", &out, &err), RG_OK);
	Stdreg__V1__MineResponse *r = (Stdreg__V1__MineResponse *)out;
	assert_int_equal(r->n_areas, 1);
	assert_int_equal(r->areas[0]->n_stages, 1);
	assert_string_equal(r->areas[0]->stages[0]->stage, "60");
	assert_string_equal(r->areas[0]->stages[0]->work_items[0]->id, "iso-42001");
	rec_free(out);
	assert_int_equal(query(f, q_mine, "nobody", &out, &err), RG_ENOENT);
}

/* Puts 101 work items at each of the stages 00.00 .. 50.00 (six groups) in area ai, and as
 * many in area cyber. */
static int put_items_at_six_stages(store_txn *t, void *arg)
{
	static const char *const areas[] = { "ai", "cyber" };
	int rc = RG_OK;

	(void)arg;
	for (int a = 0; a < 2; a++)
		for (int s = 0; s <= 50 && rc == RG_OK; s += 10)
			for (int i = 0; i < 101 && rc == RG_OK; i++) {
				const char *in[] = { areas[a], NULL };
				char id[32], stage[8];

				snprintf(id, sizeof id, "%s-%02d-%03d", areas[a], s, i);
				snprintf(stage, sizeof stage, "%02d.00", s);
				Stdreg__V1__WorkItem *w =
				        mk_item(id, id, "Item", "jtc1-sc42", in, stage);
				rc = store_put(t, STORE_ITEM, &w->base, NULL, NULL, NULL, NULL,
				               NULL);
				rec_free(w);
			}
	return rc;
}

/* Mine counts every work item of a group and lists at most STORE_MINE_GROUP_ITEMS of it, the
 * first by id; each area lists its share of STORE_MINE_ITEMS, the reply at most that in
 * all (anyone may ask). */
static void mine_lists_a_bounded_selection(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	ProtobufCMessage *out;
	size_t listed = 0, counted = 0, in_area[2] = { 0, 0 };

	seed(f);
	fx_put_ok(f, STORE_ASSIGNMENT,
	          mk_assignment("cyber", "digg", LEAD, "I2025/3", "2025-01-01", NULL, NULL));
	assert_int_equal(store_write_once(f->st, put_items_at_six_stages, NULL, NULL), RG_OK);
	assert_int_equal(query(f, q_mine, "digg", &out, &err), RG_OK);
	Stdreg__V1__MineResponse *r = (Stdreg__V1__MineResponse *)out;
	assert_int_equal(r->n_areas, 2);
	assert_string_equal(r->areas[0]->area->id, "ai");
	assert_int_equal(r->areas[0]->n_stages, 7); /* 00 .. 50, and the seed's 60 */
	assert_int_equal(r->areas[1]->n_stages, 6);
	for (size_t a = 0; a < r->n_areas; a++)
		for (size_t i = 0; i < r->areas[a]->n_stages; i++) {
			const Stdreg__V1__StageGroup *g = r->areas[a]->stages[i];

			assert_true(g->n_work_items <= STORE_MINE_GROUP_ITEMS);
			assert_int_equal(g->total, strcmp(g->stage, "60") == 0 ? 1 : 101);
			listed += g->n_work_items;
			in_area[a] += g->n_work_items;
			counted += g->total;
		}
	assert_int_equal(listed, STORE_MINE_ITEMS);
	assert_int_equal(in_area[0], STORE_MINE_ITEMS / 2); /* two areas, a half each */
	assert_int_equal(in_area[1], STORE_MINE_ITEMS / 2);
	assert_int_equal(counted, 12 * 101 + 1);
	/* A group lists its first items by id. */
	assert_string_equal(r->areas[0]->stages[0]->stage, "00");
	assert_int_equal(r->areas[0]->stages[0]->n_work_items, STORE_MINE_GROUP_ITEMS);
	assert_string_equal(r->areas[0]->stages[0]->work_items[0]->id, "ai-00-000");
	assert_string_equal(r->areas[0]->stages[0]->work_items[99]->id, "ai-00-099");
	rec_free(out);
}

static void history_oldest_first(void **state)
{
	struct fx *f = *state;
	struct store_error err;
	ProtobufCMessage *out;
	Stdreg__V1__Area *a;

	seed(f);
	a = fx_get(f, STORE_AREA, "cyber", NULL);
	rec_set(&a->name, "Cybersecurity, renamed");
	fx_put_ok(f, STORE_AREA, a);
	assert_int_equal(query(f, q_history, "cyber", &out, &err), RG_OK);
	Stdreg__V1__HistoryResponse *r = (Stdreg__V1__HistoryResponse *)out;
	assert_int_equal(r->n_entries, 2);
	assert_true(r->entries[0]->revision < r->entries[1]->revision);
	rec_free(out);
	assert_int_equal(query(f, q_history, "never", &out, &err), RG_ENOENT);
}

/* A watch for many ids takes only the changes of those ids. */
static void watch_many_ids(void **state)
{
	struct fx *f = *state;
	struct store_error err = { 0 };
	enum { N = 5000 };
	char **ids = calloc(N, sizeof *ids);
	ProtobufCMessage *out;
	store_txn *t;

	seed(f);
	for (size_t i = 0; i < N; i++) {
		char buf[24];
		snprintf(buf, sizeof buf, "nope-%zu", i);
		ids[i] = strdup(buf);
	}
	free(ids[N / 2]);
	ids[N / 2] = strdup("cyber");
	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_watch(t, 0, 0, NULL, 0, ids, N, 0, &out, &err), RG_OK);
	store_read_free(t);
	Stdreg__V1__WatchResponse *r = (Stdreg__V1__WatchResponse *)out;
	assert_int_equal(r->n_changes, 1);
	assert_string_equal(r->changes[0]->id, "cyber");
	rec_free(out);
	for (size_t i = 0; i < N; i++)
		free(ids[i]);
	free(ids);
}

/* --- a corrupt reference index entry ------------------------------------------------ */

struct entry {
	const char *key, *val;
};

static int add_entry(store_txn *t, void *arg)
{
	const struct entry *e = arg;
	MDB_val k = { strlen(e->key), (void *)e->key }, v = { strlen(e->val), (void *)e->val };

	return txn_put(t, t->st->refs, &k, &v, 0, NULL);
}

static void collect(void *arg, const char *what, const char *id, const char *message)
{
	char *text = arg;

	snprintf(text + strlen(text), 2048 - strlen(text), "%s %s: %s\n", what, id, message);
}

/* An entry naming a record that does not exist is an error for every query that walks
 * it, and store_check reports it. */
static void corrupt_entry_is_an_error(void **state)
{
	struct fx *f = *state;
	struct entry assignment = { "aai", "sghost" }, item = { "aai", "ighost" };
	struct entry unled = { "acyber", "sghost" }; /* gaps walks the areas without a lead */
	struct store_error err;
	ProtobufCMessage *out;
	char text[2048] = "";
	store_txn *t;

	seed(f);
	assert_int_equal(store_write_once(f->st, add_entry, &assignment, NULL), RG_OK);
	assert_int_equal(query(f, q_as_of, "2025-03-01", &out, &err), RG_ECORRUPT);
	assert_non_null(strstr(err.message, "assignment 'ghost'"));
	assert_int_equal(store_write_once(f->st, add_entry, &unled, NULL), RG_OK);
	assert_int_equal(query(f, q_gaps, "2025-03-01", &out, &err), RG_ECORRUPT);
	assert_non_null(strstr(err.message, "assignment 'ghost'"));

	assert_int_equal(store_write_once(f->st, add_entry, &item, NULL), RG_OK);
	assert_int_equal(query(f, q_mine, "digg", &out, &err), RG_ECORRUPT);
	assert_non_null(strstr(err.message, "item 'ghost'"));

	assert_int_equal(store_read_begin(f->st, &t), RG_OK);
	assert_int_equal(store_check(t, collect, text, NULL), RG_ECORRUPT);
	store_read_free(t);
	if (strstr(text, "assignment 'ghost'") == NULL || strstr(text, "item 'ghost'") == NULL)
		fail_msg("not reported:\n%s", text);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(as_of_lead_and_support),     T(gaps_list_areas_without_lead),
		T(mine_groups_items_by_stage), T(mine_lists_a_bounded_selection),
		T(history_oldest_first),       T(watch_many_ids),
		T(corrupt_entry_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
