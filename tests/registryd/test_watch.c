/*
 * test_watch.c - Watch through dispatch_request(): answered at once from an old revision,
 * parked until a write, parked until its wait passes, limits, and shutdown. Parked calls
 * go through a slot with a park callback, as the server's slots have, so the tests also
 * see that the slot is free while its call is parked.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <cmocka.h>

#include "call.h"
#include "fixture.h"
#include "status.h"
#include "watch.h"

#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

#define M(n) "/stdreg.v1.Registry/" n

static uint64_t put_area(struct fixture *f, const char *id)
{
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
	Stdreg__V1__Response *r;
	uint64_t rev;

	a.id = (char *)id;
	a.name = (char *)id;
	a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
	p.area = &a;
	r = fixture_call_ok(f, M("PutArea"), &p.base);
	rev = r->revision;
	stdreg__v1__response__free_unpacked(r, NULL);
	return rev;
}

static Stdreg__V1__WatchResponse *watch_payload(Stdreg__V1__Response *r)
{
	Stdreg__V1__WatchResponse *w;

	if (r->status->code != GRPC_OK)
		fail_msg("watch: %d %s", r->status->code, r->status->message);
	w = stdreg__v1__watch_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(w);
	stdreg__v1__response__free_unpacked(r, NULL);
	return w;
}

static uint64_t ms_since(uint64_t t0)
{
	return (dispatch_now_ns() - t0) / 1000000u;
}

static void test_watch_returns_at_once_from_old_revision(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	Stdreg__V1__WatchResponse *w;
	Stdreg__V1__Kind kinds[] = { STDREG__V1__KIND__KIND_AREA };
	uint64_t t0, rev;
	size_t i;

	fixture_seed(f); /* 9 changes: 3 agencies, 4 areas, a body, an item */
	rev = store_revision(f->st);
	q.since_revision = 0;
	q.wait_ms = 30000;
	t0 = dispatch_now_ns();
	w = watch_payload(fixture_call(f, M("Watch"), 60, 0, &q.base));
	assert_true(ms_since(t0) < 1000);
	assert_int_equal(w->n_changes, 9);
	for (i = 0; i < w->n_changes; i++)
		assert_int_equal(w->changes[i]->revision, i + 1); /* every change, in order */
	assert_string_equal(w->changes[0]->id, "digg");
	assert_int_equal(w->next_revision, rev);
	stdreg__v1__watch_response__free_unpacked(w, NULL);

	// Filtered by kind, from the middle.
	q.since_revision = 4;
	q.n_kinds = 1;
	q.kinds = kinds;
	w = watch_payload(fixture_call(f, M("Watch"), 61, 0, &q.base));
	assert_int_equal(w->n_changes, 3); /* cyber, quantum, cloud */
	assert_string_equal(w->changes[0]->id, "cyber");
	assert_string_equal(w->changes[2]->id, "cloud");
	stdreg__v1__watch_response__free_unpacked(w, NULL);

	// max_events cuts; next_revision (and next_change, inside a revision) say where to
	// go on.
	q.n_kinds = 0;
	q.since_revision = 0;
	q.max_events = 2;
	w = watch_payload(fixture_call(f, M("Watch"), 62, 0, &q.base));
	assert_int_equal(w->n_changes, 2);
	assert_int_equal(w->next_revision, 2);
	assert_int_equal(w->next_change, 0);
	stdreg__v1__watch_response__free_unpacked(w, NULL);

	// wait_ms 0 answers at once, even with nothing new.
	q.since_revision = rev;
	q.max_events = 0;
	q.wait_ms = 0;
	w = watch_payload(fixture_call(f, M("Watch"), 63, 0, &q.base));
	assert_int_equal(w->n_changes, 0);
	assert_int_equal(w->next_revision, rev);
	stdreg__v1__watch_response__free_unpacked(w, NULL);
}

/* Puts 1000 areas of 4000-byte descriptions in one revision: about 4 MB of changes. */
static int put_bulk_revision(store_txn *t, void *arg)
{
	char *text = arg;
	int rc = RG_OK;

	for (int i = 0; i < 1000 && rc == RG_OK; i++) {
		Stdreg__V1__Area a = STDREG__V1__AREA__INIT;
		char id[16];

		snprintf(id, sizeof id, "bulk%04d", i);
		a.id = id;
		a.name = id;
		a.description = text;
		a.priority = STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED;
		rc = store_put(t, STORE_AREA, &a.base, NULL, NULL, NULL, NULL, NULL);
	}
	return rc;
}

/* A revision bigger than a reply (a bulk apply) comes in parts, each within the reply
 * limit, none lost or repeated. Replies used to cut only between revisions: asking for
 * fewer changes still gave the whole revision, and the handler asked again forever. */
static void test_bulk_revision_comes_in_parts(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	char *text = malloc(4001);
	uint64_t rev;
	int seen = 0, replies = 0;

	memset(text, 'x', 4000);
	text[4000] = '\0';
	assert_int_equal(store_write_once(f->st, put_bulk_revision, text, &rev), RG_OK);
	free(text);
	while (seen < 1000 && replies < 100) {
		Stdreg__V1__Response *r =
		        fixture_call(f, M("Watch"), 70 + (uint64_t)replies, 0, &q.base);
		Stdreg__V1__WatchResponse *w;

		assert_true(r->payload.len <= (3u << 20));
		w = watch_payload(r);
		assert_true(w->n_changes > 0);
		for (size_t i = 0; i < w->n_changes; i++) {
			char id[16];

			snprintf(id, sizeof id, "bulk%04d", seen++);
			assert_string_equal(w->changes[i]->id, id);
			assert_int_equal(w->changes[i]->revision, rev);
		}
		q.since_revision = w->next_revision;
		q.since_change = w->next_change;
		replies++;
		stdreg__v1__watch_response__free_unpacked(w, NULL);
	}
	assert_int_equal(seen, 1000);
	assert_true(replies >= 2);
	assert_int_equal(q.since_revision, rev);
	assert_int_equal(q.since_change, 0);
}

static void test_watch_bad_kind_is_invalid_argument(void **state)
{
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	Stdreg__V1__Kind kinds[] = { 77 };
	Stdreg__V1__Response *r;

	q.n_kinds = 1;
	q.kinds = kinds;
	r = fixture_call(*state, M("Watch"), 64, 0, &q.base);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_string_equal(r->status->violations[0]->field, "kinds");
	stdreg__v1__response__free_unpacked(r, NULL);
}

static void test_parked_watch_is_answered_by_a_write(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__WatchResponse *w;
	Stdreg__V1__Response *r;
	struct async_call a;
	uint64_t rev;

	fixture_seed(f);
	async_init(f, &a, true);
	q.since_revision = store_revision(f->st);
	q.wait_ms = 20000;
	async_send(&a, M("Watch"), 65, 0, &q.base);
	assert_null(async_wait(&a, 1, 150)); /* parked: no answer yet */
	assert_int_equal(a.parked, 1);
	assert_int_equal(watch_hub_parked(dispatcher_env(f->d)->watch), 1);

	// The parked call does not hold its slot: the slot answers another request meanwhile.
	g.id = "ai";
	async_send(&a, M("GetArea"), 66, 0, &g.base);
	r = async_wait(&a, 1, 5000);
	assert_non_null(r);
	assert_int_equal(r->request_id, 66);
	assert_int_equal(r->status->code, GRPC_OK);
	stdreg__v1__response__free_unpacked(r, NULL);

	rev = put_area(f, "edge");
	r = async_wait(&a, 2, 5000);
	assert_non_null(r);
	assert_int_equal(r->request_id, 65);
	w = watch_payload(r);
	assert_int_equal(w->n_changes, 1);
	assert_string_equal(w->changes[0]->id, "edge");
	assert_int_equal(w->changes[0]->revision, rev);
	assert_int_equal(w->next_revision, rev);
	stdreg__v1__watch_response__free_unpacked(w, NULL);
	assert_int_equal(watch_hub_parked(dispatcher_env(f->d)->watch), 0);
	// Exactly one reply: the wait passing later adds nothing.
	assert_null(async_wait(&a, 3, 100));
	async_release(&a);
}

/* A parked watch filtered by id ignores other changes (and does not rescan them). */
static void test_parked_watch_with_filter(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	Stdreg__V1__WatchResponse *w;
	char *ids[] = { "ai" };
	struct async_call a;
	uint64_t rev;

	fixture_seed(f);
	async_init(f, &a, false); /* without a park callback the call keeps the slot */
	q.since_revision = store_revision(f->st);
	q.wait_ms = 20000;
	q.n_ids = 1;
	q.ids = ids;
	async_send(&a, M("Watch"), 67, 0, &q.base);
	put_area(f, "edge");
	put_area(f, "iot");
	assert_null(async_wait(&a, 1, 200));
	rev = put_area(f, "ai");
	w = watch_payload(async_wait(&a, 1, 5000));
	assert_int_equal(w->n_changes, 1);
	assert_string_equal(w->changes[0]->id, "ai");
	assert_int_equal(w->changes[0]->revision, rev);
	stdreg__v1__watch_response__free_unpacked(w, NULL);
	async_release(&a);
}

static void test_parked_watch_times_out_empty(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	Stdreg__V1__WatchResponse *w;
	struct async_call a;
	uint64_t t0, rev;

	fixture_seed(f);
	rev = store_revision(f->st);
	async_init(f, &a, true);
	q.since_revision = rev;
	q.wait_ms = 250;
	t0 = dispatch_now_ns();
	async_send(&a, M("Watch"), 68, 0, &q.base);
	w = watch_payload(async_wait(&a, 1, 5000));
	assert_true(ms_since(t0) >= 240);
	assert_int_equal(w->n_changes, 0);
	assert_int_equal(w->next_revision, rev);
	stdreg__v1__watch_response__free_unpacked(w, NULL);
	assert_int_equal(watch_hub_parked(dispatcher_env(f->d)->watch), 0);
	async_release(&a);
}

/* The wait is capped, and ends before the caller's own deadline. */
static void test_parked_watch_wait_is_bounded(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	struct dispatch_limits l;
	struct async_call a;
	Stdreg__V1__Response *r;
	uint64_t t0;

	dispatch_limits_default(&l);
	l.watch_max_wait_ms = 200;
	fixture_set_limits(f, &l);
	async_init(f, &a, true);
	q.wait_ms = 600000;
	t0 = dispatch_now_ns();
	async_send(&a, M("Watch"), 69, 0, &q.base);
	r = async_wait(&a, 1, 5000);
	assert_non_null(r);
	assert_int_equal(r->status->code, GRPC_OK);
	assert_true(ms_since(t0) < 2000);
	stdreg__v1__response__free_unpacked(r, NULL);

	// timeout_ms 400 in the envelope: answered OK before it passes.
	l.watch_max_wait_ms = 60000;
	async_release(&a);
	fixture_set_limits(f, &l);
	async_init(f, &a, true);
	t0 = dispatch_now_ns();
	async_send(&a, M("Watch"), 70, 400, &q.base);
	r = async_wait(&a, 1, 5000);
	assert_non_null(r);
	assert_int_equal(r->status->code, GRPC_OK);
	assert_true(ms_since(t0) < 400);
	stdreg__v1__response__free_unpacked(r, NULL);
	async_release(&a);
}

/* Waits (5 s at most) until n watches are parked: watches run on worker threads, so the
 * order in which several sent at once park is not the order they were sent in. */
static void wait_parked(struct fixture *f, size_t n)
{
	for (int i = 0; i < 500 && watch_hub_parked(dispatcher_env(f->d)->watch) != n; i++)
		usleep(10000);
	assert_int_equal(watch_hub_parked(dispatcher_env(f->d)->watch), n);
}

static void test_too_many_parked_watches(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	struct dispatch_limits l;
	struct async_call a[3];
	Stdreg__V1__Response *r;
	int i;

	dispatch_limits_default(&l);
	l.watch_max_parked = 2;
	fixture_set_limits(f, &l);
	q.wait_ms = 20000;
	for (i = 0; i < 3; i++) {
		async_init(f, &a[i], true);
		async_send(&a[i], M("Watch"), 71 + i, 0, &q.base);
		if (i < 2)
			wait_parked(f, (size_t)i + 1);
	}
	r = async_wait(&a[2], 1, 5000);
	assert_non_null(r);
	assert_int_equal(r->status->code, GRPC_RESOURCE_EXHAUSTED);
	stdreg__v1__response__free_unpacked(r, NULL);
	assert_int_equal(watch_hub_parked(dispatcher_env(f->d)->watch), 2);
	// One write answers both; then there is room again.
	put_area(f, "edge");
	for (i = 0; i < 2; i++) {
		r = async_wait(&a[i], 1, 5000);
		assert_non_null(r);
		assert_int_equal(r->status->code, GRPC_OK);
		stdreg__v1__response__free_unpacked(r, NULL);
	}
	assert_int_equal(watch_hub_parked(dispatcher_env(f->d)->watch), 0);
	for (i = 0; i < 3; i++)
		async_release(&a[i]);
}

/* One principal may not take every place: its share is watch_max_per_principal. */
/* ids and kinds are bounded before any scan: more are refused, by the handler (257 ids)
 * or already on the wire (300 000 empty ids, never decoded). */
static void test_watch_too_many_ids_is_refused(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	Stdreg__V1__Kind kinds[WATCH_MAX_KINDS + 1];
	Stdreg__V1__Response *r;
	size_t n = 300000;
	char **ids = malloc(n * sizeof *ids);

	assert_non_null(ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = i < 300 ? "some-area" : "";
	put_area(f, "ai");
	fixture_set_token("");
	q.ids = ids;
	q.n_ids = WATCH_MAX_IDS + 1;
	r = fixture_call(f, M("Watch"), 1, 0, &q.base);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_string_equal(r->status->violations[0]->field, "ids");
	stdreg__v1__response__free_unpacked(r, NULL);
	q.n_ids = n;
	r = fixture_call(f, M("Watch"), 2, 0, &q.base);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_string_equal(r->status->violations[0]->field, "ids");
	stdreg__v1__response__free_unpacked(r, NULL);
	q.n_ids = 0;
	for (size_t i = 0; i <= WATCH_MAX_KINDS; i++)
		kinds[i] = STDREG__V1__KIND__KIND_AREA;
	q.kinds = kinds;
	q.n_kinds = WATCH_MAX_KINDS + 1;
	r = fixture_call(f, M("Watch"), 3, 0, &q.base);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_string_equal(r->status->violations[0]->field, "kinds");
	stdreg__v1__response__free_unpacked(r, NULL);
	// Within the bounds it is served.
	q.n_kinds = 1;
	q.ids = ids;
	q.n_ids = WATCH_MAX_IDS;
	stdreg__v1__watch_response__free_unpacked(
	        watch_payload(fixture_call(f, M("Watch"), 4, 0, &q.base)), NULL);
	fixture_set_token(f->admin_token);
	free(ids);
}

/* since_revision 2^64-1 is after every revision: nothing yet, not everything since 0. */
static void test_watch_since_max_does_not_wrap(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	Stdreg__V1__WatchResponse *w;

	put_area(f, "ai");
	put_area(f, "pts");
	q.since_revision = UINT64_MAX;
	w = watch_payload(fixture_call(f, M("Watch"), 1, 0, &q.base));
	assert_int_equal(w->n_changes, 0);
	assert_true(w->next_revision == UINT64_MAX);
	stdreg__v1__watch_response__free_unpacked(w, NULL);
}

/* Parked watches count their decoded bytes against one principal's budget. */
static void test_parked_watch_bytes_budget(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	struct dispatch_limits l;
	struct async_call a[2];
	Stdreg__V1__Response *r;
	char *ids[200], *id = malloc(STORE_ID_MAX + 1);

	assert_non_null(id);
	memset(id, 'x', STORE_ID_MAX);
	id[STORE_ID_MAX] = '\0';
	for (size_t i = 0; i < 200; i++)
		ids[i] = id;
	dispatch_limits_default(&l);
	l.watch_max_bytes_principal = 50u << 10;
	fixture_set_limits(f, &l);
	q.ids = ids;
	q.n_ids = 200; /* some 35 KB decoded */
	q.wait_ms = 1000;
	async_init(f, &a[0], true);
	async_send(&a[0], M("Watch"), 1, 0, &q.base);
	assert_null(async_wait(&a[0], 1, 100)); /* parked */
	async_init(f, &a[1], true);
	async_send(&a[1], M("Watch"), 2, 0, &q.base);
	r = async_wait(&a[1], 1, 5000);
	assert_non_null(r);
	assert_int_equal(r->status->code, GRPC_RESOURCE_EXHAUSTED);
	stdreg__v1__response__free_unpacked(r, NULL);
	assert_int_equal(watch_hub_parked(dispatcher_env(f->d)->watch), 1);
	r = async_wait(&a[0], 1, 5000); /* its wait passes */
	assert_non_null(r);
	stdreg__v1__response__free_unpacked(r, NULL);
	async_release(&a[0]);
	async_release(&a[1]);
	free(id);
}

static void test_parked_watches_per_principal(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	struct dispatch_limits l;
	struct async_call a[4];
	Stdreg__V1__Response *r;
	int i;

	dispatch_limits_default(&l);
	l.watch_max_parked = 10;
	l.watch_max_per_principal = 2;
	fixture_set_limits(f, &l);
	q.wait_ms = 20000;
	for (i = 0; i < 3; i++) {
		async_init(f, &a[i], true);
		async_send(&a[i], M("Watch"), 90 + i, 0, &q.base);
		if (i < 2)
			wait_parked(f, (size_t)i + 1);
	}
	r = async_wait(&a[2], 1, 5000);
	assert_non_null(r);
	assert_int_equal(r->status->code, GRPC_RESOURCE_EXHAUSTED);
	assert_non_null(strstr(r->status->message, "fixture-admin"));
	stdreg__v1__response__free_unpacked(r, NULL);
	// Another principal (here: anonymous) still finds a place.
	fixture_set_token("");
	async_init(f, &a[3], true);
	async_send(&a[3], M("Watch"), 93, 0, &q.base);
	fixture_set_token(f->admin_token);
	assert_null(async_wait(&a[3], 1, 100));
	assert_int_equal(watch_hub_parked(dispatcher_env(f->d)->watch), 3);
	put_area(f, "shared");
	for (i = 0; i < 4; i++) {
		if (i == 2)
			continue;
		r = async_wait(&a[i], 1, 5000);
		assert_non_null(r);
		assert_int_equal(r->status->code, GRPC_OK);
		stdreg__v1__response__free_unpacked(r, NULL);
	}
	assert_int_equal(watch_hub_parked(dispatcher_env(f->d)->watch), 0);
	for (i = 0; i < 4; i++)
		async_release(&a[i]);
}

/* An id longer than any record's can match nothing and would only hold memory parked. */
static void test_watch_long_id_is_refused(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	Stdreg__V1__Response *r;
	char id[STORE_ID_MAX + 2], *ids[2] = { "ai", id };

	memset(id, 'x', STORE_ID_MAX + 1);
	id[STORE_ID_MAX + 1] = '\0';
	fixture_set_token("");
	q.ids = ids;
	q.n_ids = 2;
	r = fixture_call(f, M("Watch"), 1, 0, &q.base);
	assert_int_equal(r->status->code, GRPC_INVALID_ARGUMENT);
	assert_string_equal(r->status->violations[0]->field, "ids");
	assert_non_null(strstr(r->status->message, "id 1 is 161 bytes"));
	stdreg__v1__response__free_unpacked(r, NULL);
	id[STORE_ID_MAX] = '\0'; /* as long as an id may be: served */
	stdreg__v1__watch_response__free_unpacked(
	        watch_payload(fixture_call(f, M("Watch"), 2, 0, &q.base)), NULL);
	fixture_set_token(f->admin_token);
}

/* Waits up to ms for a's n-th reply without checking it: how many replies came. */
static int async_wait_silent(struct async_call *a, int n, int ms)
{
	Stdreg__V1__Response *r = async_wait(a, n, ms);

	if (r != NULL)
		stdreg__v1__response__free_unpacked(r, NULL);
	return async_replies(a);
}

/* Waits up to 5 s for a's n-th reply and checks its code (and that its message holds
 * text, when given). */
static void expect_reply(struct async_call *a, int n, int code, const char *text)
{
	Stdreg__V1__Response *r = async_wait(a, n, 5000);

	assert_non_null(r);
	if (r->status->code != code || (text != NULL && strstr(r->status->message, text) == NULL))
		fail_msg("expected %d '%s', got %d '%s'", code, text != NULL ? text : "",
		         r->status->code, r->status->message);
	stdreg__v1__response__free_unpacked(r, NULL);
}

/* Waits up to wait_ms for a's first reply, which must be CANCELLED with text in its message
 * and come less than within_ms after t0. A watch still parked is answered by shutting the
 * dispatcher down before the test fails. */
static void expect_cancelled(struct fixture *f, struct async_call *a, int wait_ms, const char *text,
                             uint64_t t0, uint64_t within_ms)
{
	if (async_wait_silent(a, 1, wait_ms) == 0) {
		dispatcher_shutdown(f->d);
		fail_msg("still parked after %d ms (expected CANCELLED: %s)", wait_ms, text);
	}
	expect_reply(a, 1, GRPC_CANCELLED, text);
	assert_true(ms_since(t0) < within_ms);
}

/* Anonymous callers share a name, not a budget: one peer filling its share leaves the
 * others theirs; all anonymous peers together leave the principals theirs. */
static void test_anonymous_budget_is_per_peer(void **state)
{
	enum { N = 7 };
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	struct dispatch_limits l;
	struct async_call a[N];
	struct dispatch_peer one = { .key = "tcp:192.0.2.1" }, two = { .key = "tcp:192.0.2.2" },
	                     three = { .key = "tcp:192.0.2.3" };
	int i;

	dispatch_limits_default(&l);
	l.watch_max_per_peer = 2;
	l.watch_max_anonymous = 3;
	fixture_set_limits(f, &l);
	for (i = 0; i < N; i++)
		async_init(f, &a[i], true);
	q.wait_ms = 20000;
	fixture_set_token("");
	async_send_from(&a[0], &one, M("Watch"), 1, 0, &q.base);
	async_send_from(&a[1], &one, M("Watch"), 2, 0, &q.base);
	wait_parked(f, 2);
	// The peer's share is full ...
	async_send_from(&a[2], &one, M("Watch"), 3, 0, &q.base);
	expect_reply(&a[2], 1, GRPC_RESOURCE_EXHAUSTED, "anonymous callers from tcp:192.0.2.1");
	// ... not another peer's,
	async_send_from(&a[3], &two, M("Watch"), 4, 0, &q.base);
	wait_parked(f, 3);
	// until all anonymous callers' is,
	async_send_from(&a[4], &three, M("Watch"), 5, 0, &q.base);
	expect_reply(&a[4], 1, GRPC_RESOURCE_EXHAUSTED, "anonymous callers (at most 3");
	// which leaves a principal its own, from any of those addresses.
	fixture_set_token(f->admin_token);
	async_send_from(&a[5], &one, M("Watch"), 6, 0, &q.base);
	wait_parked(f, 4);
	put_area(f, "seen");
	for (i = 0; i < N - 1; i++)
		if (i != 2 && i != 4)
			expect_reply(&a[i], 1, GRPC_OK, NULL);
	assert_int_equal(watch_hub_parked(dispatcher_env(f->d)->watch), 0);
	for (i = 0; i < N; i++)
		async_release(&a[i]);
}

/* A parked watch whose connection closed is dropped at once: its reply could reach no one,
 * and its place is given back (it used to wait out its wait_ms). */
static void test_closed_connection_drops_its_watches(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	struct dispatch_peer gone = { .key = "tcp:192.0.2.1", .conn = 7 },
	                     stays = { .key = "tcp:192.0.2.1", .conn = 8 };
	struct async_call a, b;
	uint64_t t0;

	async_init(f, &a, true);
	async_init(f, &b, true);
	fixture_set_token("");
	q.wait_ms = 60000;
	async_send_from(&a, &gone, M("Watch"), 1, 0, &q.base);
	async_send_from(&b, &stays, M("Watch"), 2, 0, &q.base);
	fixture_set_token(f->admin_token);
	wait_parked(f, 2);
	t0 = dispatch_now_ns();
	dispatch_connection_closed(f->d, 7);
	expect_cancelled(f, &a, 2000, "connection closed", t0, 1000);
	wait_parked(f, 1);
	assert_null(async_wait(&b, 1, 0)); /* another connection's watch waits on */
	put_area(f, "seen");
	expect_reply(&b, 1, GRPC_OK, NULL);
	async_release(&a);
	async_release(&b);
}

/*
 * A request that arrived just before its connection closed is handed over after the close
 * (nng delivers it; the close runs on another thread): its watch must not keep a place for
 * its whole wait. Here the close comes first, with nothing parked to note it for.
 */
static void test_watch_of_a_connection_closed_before_it_parked(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	struct dispatch_peer gone = { .key = "tcp:192.0.2.1", .conn = 9 };
	struct async_call a;
	uint64_t t0;

	async_init(f, &a, true);
	fixture_set_token("");
	q.since_revision = store_revision(f->st);
	q.wait_ms = 60000;
	assert_int_equal(watch_hub_parked(dispatcher_env(f->d)->watch), 0);
	dispatch_connection_closed(f->d, 9);
	t0 = dispatch_now_ns();
	async_send_from(&a, &gone, M("Watch"), 1, 0, &q.base);
	fixture_set_token(f->admin_token);
	expect_cancelled(f, &a, 2000, "connection closed", t0, 1000);
	wait_parked(f, 0);
	async_release(&a);
}

/* A peer the hub may ask about (dispatch_peer.gone): whether it has gone, and how often it
 * was asked. Static: the hub may still ask after a failed test's frame is gone. */
static struct {
	bool gone;
	unsigned asked;
} probed_peer;

static bool peer_gone(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&probed_peer.asked, 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&probed_peer.gone, __ATOMIC_SEQ_CST);
}

/*
 * A face that is not told of closes (HTTP) is asked about once a second whether the peer
 * of a parked watch is still there; one that has gone gives its place back then, not at
 * the end of its wait.
 */
static void test_watch_of_a_client_that_went_away(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	struct dispatch_peer peer = { .key = "tcp:192.0.2.9", .gone = peer_gone };
	struct async_call a;
	uint64_t t0;

	probed_peer.gone = false;
	probed_peer.asked = 0;
	async_init(f, &a, true);
	fixture_set_token("");
	q.since_revision = store_revision(f->st);
	q.wait_ms = 60000;
	async_send_from(&a, &peer, M("Watch"), 1, 0, &q.base);
	fixture_set_token(f->admin_token);
	wait_parked(f, 1);
	assert_null(async_wait(&a, 1, 2500)); /* asked, still there: waits on */
	assert_true(__atomic_load_n(&probed_peer.asked, __ATOMIC_SEQ_CST) >= 1);
	__atomic_store_n(&probed_peer.gone, true, __ATOMIC_SEQ_CST);
	t0 = dispatch_now_ns();
	expect_cancelled(f, &a, 5000, "went away", t0, 4000);
	wait_parked(f, 0);
	async_release(&a);
}

static void test_shutdown_answers_parked_watches(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	struct async_call a, b;
	Stdreg__V1__Response *r;

	async_init(f, &a, true);
	async_init(f, &b, false);
	q.wait_ms = 60000;
	async_send(&a, M("Watch"), 74, 0, &q.base);
	async_send(&b, M("Watch"), 75, 0, &q.base);
	assert_null(async_wait(&a, 1, 100));
	dispatcher_shutdown(f->d);
	// Answered before dispatcher_shutdown returned.
	assert_int_equal(async_replies(&a), 1);
	assert_int_equal(async_replies(&b), 1);
	r = async_wait(&a, 1, 0);
	assert_int_equal(r->status->code, GRPC_UNAVAILABLE);
	assert_int_equal(r->request_id, 74);
	stdreg__v1__response__free_unpacked(r, NULL);
	r = async_wait(&b, 1, 0);
	assert_int_equal(r->status->code, GRPC_UNAVAILABLE);
	stdreg__v1__response__free_unpacked(r, NULL);
	// And a new watch is refused at once.
	async_send(&a, M("Watch"), 76, 0, &q.base);
	r = async_wait(&a, 2, 1000);
	assert_non_null(r);
	assert_int_equal(r->status->code, GRPC_UNAVAILABLE);
	stdreg__v1__response__free_unpacked(r, NULL);
	async_release(&a);
	async_release(&b);
}

/* Many watchers, each from its own revision, and a writer: each sees exactly the changes
 * after its revision, in order, none twice. */
static void test_many_watchers_lose_nothing(void **state)
{
	enum { N = 20, WRITES = 10 };
	struct fixture *f = *state;
	Stdreg__V1__WatchRequest q = STDREG__V1__WATCH_REQUEST__INIT;
	struct async_call a[N];
	uint64_t since[N], seen[N];
	char id[16];
	int i, k, round[N];

	for (i = 0; i < N; i++) {
		async_init(f, &a[i], true);
		since[i] = seen[i] = 0;
		round[i] = 0;
	}
	q.wait_ms = 10000;
	for (i = 0; i < N; i++) {
		q.since_revision = since[i];
		async_send(&a[i], M("Watch"), 100, 0, &q.base);
	}
	for (k = 0; k < WRITES; k++) {
		snprintf(id, sizeof id, "w%d", k);
		put_area(f, id);
		// Each watcher that got an answer checks it and asks again from next_revision.
		for (i = 0; i < N; i++) {
			Stdreg__V1__Response *r;
			Stdreg__V1__WatchResponse *w;

			while ((r = async_wait(&a[i], round[i] + 1, k == WRITES - 1 ? 5000 : 0)) !=
			       NULL) {
				round[i]++;
				w = watch_payload(r);
				for (size_t c = 0; c < w->n_changes; c++)
					assert_int_equal(w->changes[c]->revision, ++seen[i]);
				since[i] = w->next_revision;
				stdreg__v1__watch_response__free_unpacked(w, NULL);
				if (seen[i] == WRITES)
					break;
				q.since_revision = since[i];
				async_send(&a[i], M("Watch"), 100, 0, &q.base);
			}
		}
	}
	for (i = 0; i < N; i++) {
		assert_int_equal(seen[i], WRITES);
		async_release(&a[i]);
	}
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_watch_returns_at_once_from_old_revision),
		CASE(test_bulk_revision_comes_in_parts),
		CASE(test_watch_bad_kind_is_invalid_argument),
		CASE(test_parked_watch_is_answered_by_a_write),
		CASE(test_parked_watch_with_filter),
		CASE(test_parked_watch_times_out_empty),
		CASE(test_parked_watch_wait_is_bounded),
		CASE(test_too_many_parked_watches),
		CASE(test_parked_watches_per_principal),
		CASE(test_watch_too_many_ids_is_refused),
		CASE(test_watch_since_max_does_not_wrap),
		CASE(test_parked_watch_bytes_budget),
		CASE(test_watch_long_id_is_refused),
		CASE(test_anonymous_budget_is_per_peer),
		CASE(test_closed_connection_drops_its_watches),
		CASE(test_watch_of_a_connection_closed_before_it_parked),
		CASE(test_watch_of_a_client_that_went_away),
		CASE(test_shutdown_answers_parked_watches),
		CASE(test_many_watchers_lose_nothing),
	};

	return cmocka_run_group_tests_name("registryd watch", tests, NULL, NULL);
}
