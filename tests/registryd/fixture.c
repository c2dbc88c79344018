/*
 * fixture.c - see fixture.h.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "log.h"

static void catch_reply(void *arg, const uint8_t *buf, size_t len)
{
	struct fixture *f = arg;
	uint8_t *copy = malloc(len > 0 ? len : 1);

	assert_non_null(copy);
	memcpy(copy, buf, len);
	pthread_mutex_lock(&f->lock);
	free(f->buf);
	f->buf = copy;
	f->len = len;
	f->replies++;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct store_opts o = { .no_sync = true };
	struct store_error err = { 0 };

	assert_non_null(f);
	// Request lines would drown cmocka's output; log.c is tested on its own.
	log_set_requests(getenv("REGISTRYD_TEST_LOG") != NULL);
	snprintf(f->dir, sizeof f->dir, "%s", "/tmp/registryd-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(&f->st, f->dir, &o, &err), RG_OK);
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
	store_writer_stop(f->writer);
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
