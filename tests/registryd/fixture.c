/*
 * fixture.c - see fixture.h.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "call.h"
#include "clock.h"
#include "fixture.h"
#include "inflight.h"
#include "log.h"

#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

static void catch_reply(void *arg, const uint8_t *buf, size_t len)
{
	struct fixture *f = arg;
	uint8_t *copy = malloc(len > 0 ? len : 1);

	assert_non_null(copy);
	memcpy(copy, buf, len);
	uint32_t writes = inflight_count(dispatcher_env(f->d)->writes, "fixture-admin");
	pthread_mutex_lock(&f->lock);
	free(f->buf);
	f->buf = copy;
	f->len = len;
	f->admin_writes_at_reply = writes;
	f->replies++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

/* The token every request of fixture_request() carries; an admin's by default. */
static char current_token[STORE_TOKEN_LEN + 1];

void fixture_set_token(const char *token)
{
	snprintf(current_token, sizeof current_token, "%s", token ? token : "");
}

static struct store_opts store_opts = { .no_sync = true };

void fixture_set_store_opts(const struct store_opts *o)
{
	store_opts = o != NULL ? *o : (struct store_opts){ .no_sync = true };
}

int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct store_opts o = store_opts;
	struct store_error err = { 0 };

	assert_non_null(f);
	// Request lines would drown cmocka's output; log.c is tested on its own.
	log_set_requests(getenv("REGISTRYD_TEST_LOG") != NULL);
	snprintf(f->dir, sizeof f->dir, "%s", "/tmp/registryd-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(&f->st, f->dir, &o, &err), RG_OK);
	// Calls are made as an admin unless a test says otherwise (fixture_set_token).
	assert_int_equal(store_token_create(f->st, "fixture-admin",
	                                    STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_ADMIN, NULL,
	                                    f->admin_token, &err),
	                 RG_OK);
	fixture_set_token(f->admin_token);
	assert_int_equal(store_writer_start(f->st, &f->writer), RG_OK);
	assert_int_equal(dispatcher_new(&f->d, f->st, f->writer, NULL), RG_OK);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	assert_int_equal(dispatch_slot_new(f->d, catch_reply, f, &f->slot), RG_OK);
	*state = f;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fixture_stop_writer(struct fixture *f)
{
	dispatcher_shutdown(f->d);
	store_writer_close(f->writer);
	f->writer = NULL;
}

int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	if (f->writer != NULL)
		fixture_stop_writer(f);
	dispatch_slot_free(f->slot);
	dispatcher_free(f->d);
	store_close(f->st);
	assert_int_equal(nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f->buf);
	free(f);
	return 0;
}

Stdreg__V1__Response *fixture_call_raw(struct fixture *f, const uint8_t *buf, size_t len,
                                       uint64_t received_ns)
{
	Stdreg__V1__Response *resp;
	struct timespec until;
	int before, rc = 0;

	pthread_mutex_lock(&f->lock);
	before = f->replies;
	pthread_mutex_unlock(&f->lock);
	dispatch_request(f->slot, buf, len, received_ns != 0 ? received_ns : dispatch_now_ns());
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&f->lock);
	while (f->replies == before && rc == 0)
		rc = pthread_cond_timedwait(&f->cond, &f->lock, &until);
	assert_int_equal(f->replies, before + 1);
	resp = stdreg__v1__response__unpack(NULL, f->len, f->buf);
	pthread_mutex_unlock(&f->lock);
	assert_non_null(resp);
	return resp;
}

uint8_t *fixture_request(const char *method, uint64_t request_id, uint32_t timeout_ms,
                         const ProtobufCMessage *payload, size_t *len)
{
	Stdreg__V1__Request req = STDREG__V1__REQUEST__INIT;
	uint8_t *pbuf = NULL, *buf;

	req.method = (char *)method;
	req.request_id = request_id;
	req.token = current_token;
	req.timeout_ms = timeout_ms;
	if (payload != NULL) {
		req.payload.len = protobuf_c_message_get_packed_size(payload);
		pbuf = malloc(req.payload.len + 1);
		assert_non_null(pbuf);
		protobuf_c_message_pack(payload, pbuf);
		req.payload.data = pbuf;
	}
	*len = stdreg__v1__request__get_packed_size(&req);
	buf = malloc(*len + 1);
	assert_non_null(buf);
	stdreg__v1__request__pack(&req, buf);
	free(pbuf);
	return buf;
}

Stdreg__V1__Response *fixture_call(struct fixture *f, const char *method, uint64_t request_id,
                                   uint32_t timeout_ms, const ProtobufCMessage *payload)
{
	Stdreg__V1__Response *resp;
	size_t len;
	uint8_t *buf = fixture_request(method, request_id, timeout_ms, payload, &len);

	resp = fixture_call_raw(f, buf, len, 0);
	free(buf);
	return resp;
}

uint64_t fixture_next_id(void)
{
	static atomic_uint_fast64_t next = 1000000;

	return atomic_fetch_add(&next, 1);
}

Stdreg__V1__Response *fixture_call_ok(struct fixture *f, const char *method,
                                      const ProtobufCMessage *payload)
{
	Stdreg__V1__Response *r = fixture_call(f, method, fixture_next_id(), 0, payload);

	if (r->status->code != 0)
		fail_msg("%s: %d %s", method, r->status->code, r->status->message);
	return r;
}

void fixture_set_limits(struct fixture *f, const struct dispatch_limits *l)
{
	dispatch_slot_free(f->slot);
	dispatcher_free(f->d);
	assert_int_equal(dispatcher_new(&f->d, f->st, f->writer, l), RG_OK);
	assert_int_equal(dispatch_slot_new(f->d, catch_reply, f, &f->slot), RG_OK);
}

void fixture_restart(struct fixture *f)
{
	struct store_error err = { 0 };
	struct store_opts o = store_opts;

	if (f->writer != NULL)
		fixture_stop_writer(f);
	dispatch_slot_free(f->slot);
	dispatcher_free(f->d);
	store_close(f->st);
	assert_int_equal(store_open(&f->st, f->dir, &o, &err), RG_OK);
	assert_int_equal(store_writer_start(f->st, &f->writer), RG_OK);
	assert_int_equal(dispatcher_new(&f->d, f->st, f->writer, NULL), RG_OK);
	assert_int_equal(dispatch_slot_new(f->d, catch_reply, f, &f->slot), RG_OK);
}

static void put(struct fixture *f, const char *method, const ProtobufCMessage *m)
{
	stdreg__v1__response__free_unpacked(fixture_call_ok(f, method, m), NULL);
}

static void put_agency(struct fixture *f, const char *id, const char *org)
{
	Stdreg__V1__PutAgencyRequest p = STDREG__V1__PUT_AGENCY_REQUEST__INIT;
	Stdreg__V1__Agency a = STDREG__V1__AGENCY__INIT;

	a.id = (char *)id;
	a.name = (char *)id;
	a.org_number = (char *)org;
	p.agency = &a;
	put(f, "/stdreg.v1.Registry/PutAgency", &p.base);
}

static void put_area(struct fixture *f, const char *id, int priority, uint32_t rank)
{
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;

	a.id = (char *)id;
	a.name = (char *)id;
	a.priority = priority;
	a.rank = rank;
	p.area = &a;
	put(f, "/stdreg.v1.Registry/PutArea", &p.base);
}

void fixture_seed(struct fixture *f)
{
	Stdreg__V1__PutBodyRequest pb = STDREG__V1__PUT_BODY_REQUEST__INIT;
	Stdreg__V1__Body b = STDREG__V1__BODY__INIT;
	Stdreg__V1__PutWorkItemRequest pw = STDREG__V1__PUT_WORK_ITEM_REQUEST__INIT;
	Stdreg__V1__WorkItem w = STDREG__V1__WORK_ITEM__INIT;
	char *areas[] = { "ai" };

	put_agency(f, "digg", "202100-6883");
	put_agency(f, "pts", "202100-4359");
	put_agency(f, "msb", "202100-5984");
	put_area(f, "ai", STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED, 1);
	put_area(f, "cyber", STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED, 2);
	put_area(f, "quantum", STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED, 3);
	put_area(f, "cloud", STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED, 1);
	b.id = "iso";
	b.acronym = "ISO";
	b.name = "International Organization for Standardization";
	b.level = STDREG__V1__BODY_LEVEL__BODY_LEVEL_INTERNATIONAL;
	pb.body = &b;
	put(f, "/stdreg.v1.Registry/PutBody", &pb.base);
	w.id = "iso-42001";
	w.reference = "ISO/IEC 42001";
	w.title = "AI management system";
	w.body_id = "iso";
	w.n_area_ids = 1;
	w.area_ids = areas;
	w.stage = "40.20";
	w.target_date = "2020-01-01";
	pw.work_item = &w;
	put(f, "/stdreg.v1.Registry/PutWorkItem", &pw.base);
}

static void async_catch(void *arg, const uint8_t *buf, size_t len)
{
	struct async_call *a = arg;
	uint8_t *copy = malloc(len > 0 ? len : 1);

	assert_non_null(copy);
	memcpy(copy, buf, len);
	pthread_mutex_lock(&a->lock);
	free(a->buf);
	a->buf = copy;
	a->len = len;
	a->replies++;
	pthread_cond_broadcast(&a->cond);
	pthread_mutex_unlock(&a->lock);
}

/* As the server's: the parked call's reply goes to the same catcher. */
static bool async_park(void *arg, dispatch_reply_fn *reply, void **reply_arg)
{
	struct async_call *a = arg;

	pthread_mutex_lock(&a->lock);
	a->parked++;
	pthread_mutex_unlock(&a->lock);
	*reply = async_catch;
	*reply_arg = a;
	return true;
}

void async_init(struct fixture *f, struct async_call *a, bool park)
{
	memset(a, 0, sizeof *a);
	a->f = f;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	assert_int_equal(dispatch_slot_new(f->d, async_catch, a, &a->slot), RG_OK);
	if (park)
		dispatch_slot_set_park(a->slot, async_park);
}

void async_release(struct async_call *a)
{
	dispatch_slot_free(a->slot);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	free(a->buf);
}

void async_send(struct async_call *a, const char *method, uint64_t request_id, uint32_t timeout_ms,
                const ProtobufCMessage *payload)
{
	size_t len;
	uint8_t *buf = fixture_request(method, request_id, timeout_ms, payload, &len);

	dispatch_request(a->slot, buf, len, dispatch_now_ns());
	free(buf);
}

void async_send_from(struct async_call *a, const struct dispatch_peer *p, const char *method,
                     uint64_t request_id, uint32_t timeout_ms, const ProtobufCMessage *payload)
{
	size_t len;
	uint8_t *buf = fixture_request(method, request_id, timeout_ms, payload, &len);

	dispatch_request_peer(a->slot, buf, len, dispatch_now_ns(), p);
	free(buf);
}

Stdreg__V1__Response *async_wait(struct async_call *a, int n, int ms)
{
	Stdreg__V1__Response *resp = NULL;
	struct timespec until = clock_deadline_in(CLOCK_REALTIME, ms);
	int rc = 0;

	pthread_mutex_lock(&a->lock);
	while (a->replies < n && rc == 0)
		rc = pthread_cond_timedwait(&a->cond, &a->lock, &until);
	if (a->replies >= n) {
		assert_int_equal(a->replies, n);
		resp = stdreg__v1__response__unpack(NULL, a->len, a->buf);
		assert_non_null(resp);
	}
	pthread_mutex_unlock(&a->lock);
	return resp;
}

int async_replies(struct async_call *a)
{
	int n;

	pthread_mutex_lock(&a->lock);
	n = a->replies;
	pthread_mutex_unlock(&a->lock);
	return n;
}
