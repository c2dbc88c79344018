/*
 * test_retry.c - safe retries in stdreg_call (client/lib/client.c) against a fake registry
 * on inproc:// that loses replies on purpose: a write whose reply is lost is resent once
 * with the same request_id; a read is not resent; STDREG_TEST_RESEND sends each write twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/util/platform.h>

#include "stdreg.h"
#include "stdreg/v1/envelope.pb-c.h"
#include "stdreg/v1/records.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

#define URL "inproc://test_retry"

/* What the fake does with the n-th request it receives. */
enum act {
	REPLY,   /* answers OK */
	DROP,    /* never answers */
	CLOSE,   /* closes the connection instead of answering */
	REPLY_X, /* answers OK with another revision each time */
};

#define MAXREQ 8

static struct fake {
	nng_socket sock;
	nng_thread *thread;
	nng_mtx *mtx;
	enum act script[MAXREQ]; /* beyond the script: REPLY */
	int n;                   /* requests received */
	uint64_t ids[MAXREQ];
	char methods[MAXREQ][64];
} fk;

static void fake_reply(nng_msg *in, uint64_t id, uint64_t revision)
{
	Stdreg__V1__Response r = STDREG__V1__RESPONSE__INIT;
	Stdreg__V1__Status s = STDREG__V1__STATUS__INIT;
	nng_msg *out;

	r.request_id = id;
	r.status = &s;
	s.message = "";
	r.revision = revision;
	assert_int_equal(nng_msg_alloc(&out, stdreg__v1__response__get_packed_size(&r)), 0);
	stdreg__v1__response__pack(&r, nng_msg_body(out));
	nng_msg_set_pipe(out, nng_msg_get_pipe(in));
	if (nng_sendmsg(fk.sock, out, 0) != 0)
		nng_msg_free(out);
}

static void fake_main(void *arg)
{
	nng_msg *msg;

	(void)arg;
	while (nng_recvmsg(fk.sock, &msg, 0) == 0) {
		Stdreg__V1__Request *req =
		        stdreg__v1__request__unpack(NULL, nng_msg_len(msg), nng_msg_body(msg));
		enum act a = REPLY;
		int n;

		assert_non_null(req);
		nng_mtx_lock(fk.mtx);
		n = fk.n++;
		if (n < MAXREQ) {
			fk.ids[n] = req->request_id;
			snprintf(fk.methods[n], sizeof fk.methods[n], "%s", req->method);
			a = fk.script[n];
		}
		nng_mtx_unlock(fk.mtx);
		if (a == REPLY || a == REPLY_X)
			fake_reply(msg, req->request_id, a == REPLY_X ? 100 + (uint64_t)n : 7);
		else if (a == CLOSE)
			nng_pipe_close(nng_msg_get_pipe(msg));
		stdreg__v1__request__free_unpacked(req, NULL);
		nng_msg_free(msg);
	}
}

static int fake_start(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof fk);
	assert_int_equal(nng_mtx_alloc(&fk.mtx), 0);
	assert_int_equal(nng_rep0_open(&fk.sock), 0);
	assert_int_equal(nng_listen(fk.sock, URL, NULL, 0), 0);
	assert_int_equal(nng_thread_create(&fk.thread, fake_main, NULL), 0);
	return 0;
}

static int fake_stop(void **state)
{
	(void)state;
	nng_close(fk.sock);
	nng_thread_destroy(fk.thread);
	nng_mtx_free(fk.mtx);
	unsetenv("STDREG_TEST_RESEND");
	return 0;
}

static int received(void)
{
	int n;

	nng_mtx_lock(fk.mtx);
	n = fk.n;
	nng_mtx_unlock(fk.mtx);
	return n;
}

static stdreg_client *open_client(uint32_t timeout_ms)
{
	struct stdreg_client_opts o = { .timeout_ms = timeout_ms };
	struct stdreg_status st = STDREG_STATUS_INIT;
	stdreg_client *c;

	assert_int_equal(stdreg_client_open(&c, URL, &o, &st), STDREG_OK);
	return c;
}

static int put_area(stdreg_client *c, struct stdreg_status *st)
{
	Stdreg__V1__PutAreaRequest p = STDREG__V1__PUT_AREA_REQUEST__INIT;
	Stdreg__V1__Area a = STDREG__V1__AREA__INIT;

	a.id = "ai";
	p.area = &a;
	return stdreg_call(c, "PutArea", &p.base, NULL, NULL, st);
}

static void test_write_resent_after_lost_reply(void **state)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	stdreg_client *c = open_client(300);

	(void)state;
	fk.script[0] = DROP;
	assert_int_equal(put_area(c, &st), STDREG_OK);
	assert_int_equal(received(), 2);
	assert_true(fk.ids[0] != 0);
	assert_true(fk.ids[0] == fk.ids[1]); /* the same request_id, never a new one */
	assert_string_equal(fk.methods[1], "/stdreg.v1.Registry/PutArea");
	stdreg_status_release(&st);
	stdreg_client_close(c);
}

static void test_write_resent_after_lost_connection(void **state)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	stdreg_client *c = open_client(3000);

	(void)state;
	fk.script[0] = CLOSE;
	assert_int_equal(put_area(c, &st), STDREG_OK);
	assert_int_equal(received(), 2);
	assert_true(fk.ids[0] == fk.ids[1]);
	stdreg_status_release(&st);
	stdreg_client_close(c);
}

static void test_write_resent_once_only(void **state)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	stdreg_client *c = open_client(200);

	(void)state;
	fk.script[0] = DROP;
	fk.script[1] = DROP;
	assert_int_equal(put_area(c, &st), STDREG_DEADLINE_EXCEEDED);
	nng_msleep(100);
	assert_int_equal(received(), 2);
	assert_true(fk.ids[0] == fk.ids[1]);
	// The next call is another request: a new id.
	assert_int_equal(put_area(c, &st), STDREG_OK);
	assert_true(fk.ids[2] != fk.ids[0]);
	stdreg_status_release(&st);
	stdreg_client_close(c);
}

static void test_read_not_resent(void **state)
{
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;
	struct stdreg_status st = STDREG_STATUS_INIT;
	stdreg_client *c = open_client(200);

	(void)state;
	fk.script[0] = DROP;
	g.id = "ai";
	assert_int_equal(stdreg_call(c, "GetArea", &g.base, NULL, NULL, &st),
	                 STDREG_DEADLINE_EXCEEDED);
	nng_msleep(100);
	assert_int_equal(received(), 1);
	stdreg_status_release(&st);
	stdreg_client_close(c);
}

static void test_test_resend_sends_each_write_twice(void **state)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	stdreg_client *c;

	(void)state;
	setenv("STDREG_TEST_RESEND", "1", 1);
	c = open_client(3000);
	assert_int_equal(put_area(c, &st), STDREG_OK);
	assert_int_equal(received(), 2);
	assert_true(fk.ids[0] == fk.ids[1]);
	// Two different answers to one write are a broken server: INTERNAL.
	fk.script[2] = REPLY_X;
	fk.script[3] = REPLY_X;
	assert_int_equal(put_area(c, &st), STDREG_INTERNAL);
	assert_non_null(strstr(st.message, "answered differently"));
	stdreg_status_release(&st);
	stdreg_client_close(c);
}

#define CASE(t) cmocka_unit_test_setup_teardown(t, fake_start, fake_stop)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_write_resent_after_lost_reply),
		CASE(test_write_resent_after_lost_connection),
		CASE(test_write_resent_once_only),
		CASE(test_read_not_resent),
		CASE(test_test_resend_sends_each_write_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
