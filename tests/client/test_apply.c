/*
 * test_apply.c - stdreg_apply (client/lib/apply.c) against a fake registry on inproc://: every
 * record staged exactly once over pipelined chunks, one commit, and a failing chunk stops the
 * upload before any commit.
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
#include "stdreg/v1/registry.pb-c.h"

#define URL      "inproc://test_apply"
#define NWORKERS 4
#define MAXREC   20000

/* The fake registry. */
static struct fake {
	nng_socket sock;
	nng_thread *workers[NWORKERS];
	nng_aio *aios[NWORKERS]; /* one per worker; stopped first at teardown */
	nng_mtx *mtx;
	unsigned seen[MAXREC + 1]; /* times each line was staged */
	uint32_t staged;
	int busy, max_busy; /* chunk handlers running at once */
	int commits;
	uint32_t fail_line; /* a chunk holding this line fails with NOT_FOUND; 0 = none */
} fk;

static ProtobufCMessage *chunk(const Stdreg__V1__ApplyChunkRequest *req, int *code)
{
	Stdreg__V1__ApplyChunkResponse *r = malloc(sizeof(*r));
	size_t i;

	stdreg__v1__apply_chunk_response__init(r);
	nng_mtx_lock(fk.mtx);
	if (++fk.busy > fk.max_busy)
		fk.max_busy = fk.busy;
	nng_mtx_unlock(fk.mtx);
	nng_msleep(2); // let chunks overlap
	nng_mtx_lock(fk.mtx);
	fk.busy--;
	for (i = 0; i < req->n_records; i++)
		if (req->records[i]->line == fk.fail_line && fk.fail_line != 0)
			*code = STDREG_NOT_FOUND;
	if (*code == 0) {
		for (i = 0; i < req->n_records; i++)
			fk.seen[req->records[i]->line]++;
		fk.staged += (uint32_t)req->n_records;
	}
	r->staged = fk.staged;
	nng_mtx_unlock(fk.mtx);
	if (req->upload_id[0] != '\0' && strcmp(req->upload_id, "up-1") != 0)
		*code = STDREG_NOT_FOUND;
	r->upload_id = strdup("up-1");
	return &r->base;
}

static ProtobufCMessage *commit(const Stdreg__V1__ApplyCommitRequest *req, int *code)
{
	Stdreg__V1__ApplyCommitResponse *r = malloc(sizeof(*r));
	Stdreg__V1__KindCounts *kc = malloc(sizeof(*kc));

	stdreg__v1__apply_commit_response__init(r);
	stdreg__v1__kind_counts__init(kc);
	nng_mtx_lock(fk.mtx);
	fk.commits++;
	kc->kind = STDREG__V1__KIND__KIND_ITEM;
	kc->created = fk.staged;
	nng_mtx_unlock(fk.mtx);
	if (strcmp(req->upload_id, "up-1") != 0)
		*code = STDREG_NOT_FOUND;
	r->counts = malloc(sizeof(*r->counts));
	r->counts[0] = kc;
	r->n_counts = 1;
	r->revision = 77;
	r->dry_run = req->dry_run;
	return &r->base;
}

/* Answers one request envelope. */
static nng_msg *answer(nng_msg *in)
{
	Stdreg__V1__Request *env =
	        stdreg__v1__request__unpack(NULL, nng_msg_len(in), nng_msg_body(in));
	Stdreg__V1__Response resp = STDREG__V1__RESPONSE__INIT;
	Stdreg__V1__Status status = STDREG__V1__STATUS__INIT;
	ProtobufCMessage *payload = NULL, *req;
	int code = 0;
	nng_msg *out;

	if (env == NULL)
		abort(); // not a cmocka assert: this runs on a server thread
	if (strcmp(env->method, "/stdreg.v1.Registry/ApplyChunk") == 0) {
		req = protobuf_c_message_unpack(&stdreg__v1__apply_chunk_request__descriptor, NULL,
		                                env->payload.len, env->payload.data);
		payload = chunk((Stdreg__V1__ApplyChunkRequest *)req, &code);
	} else {
		req = protobuf_c_message_unpack(&stdreg__v1__apply_commit_request__descriptor, NULL,
		                                env->payload.len, env->payload.data);
		payload = commit((Stdreg__V1__ApplyCommitRequest *)req, &code);
	}
	if (req == NULL)
		abort();
	protobuf_c_message_free_unpacked(req, NULL);
	resp.request_id = env->request_id;
	status.code = code;
	status.message = code != 0 ? "no such upload" : "";
	resp.status = &status;
	resp.revision = 5;
	if (code == 0) {
		resp.payload.len = protobuf_c_message_get_packed_size(payload);
		resp.payload.data = malloc(resp.payload.len + 1);
		protobuf_c_message_pack(payload, resp.payload.data);
	}
	protobuf_c_message_free_unpacked(payload, NULL);
	nng_msg_alloc(&out, stdreg__v1__response__get_packed_size(&resp));
	stdreg__v1__response__pack(&resp, nng_msg_body(out));
	free(resp.payload.data);
	stdreg__v1__request__free_unpacked(env, NULL);
	return out;
}

static void worker(void *arg)
{
	nng_aio *aio = arg;
	nng_ctx ctx;

	nng_ctx_open(&ctx, fk.sock);
	for (;;) {
		nng_msg *in;

		nng_ctx_recv(ctx, aio);
		nng_aio_wait(aio);
		if (nng_aio_result(aio) != 0)
			break;
		in = nng_aio_get_msg(aio);
		nng_aio_set_msg(aio, answer(in));
		nng_msg_free(in);
		nng_ctx_send(ctx, aio);
		nng_aio_wait(aio);
		if (nng_aio_result(aio) != 0) {
			nng_msg_free(nng_aio_get_msg(aio));
			break;
		}
	}
	nng_ctx_close(ctx);
}

static int setup(void **state)
{
	int i;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	assert_int_equal(nng_mtx_alloc(&fk.mtx), 0);
	assert_int_equal(nng_rep0_open(&fk.sock), 0);
	assert_int_equal(nng_listen(fk.sock, URL, NULL, 0), 0);
	for (i = 0; i < NWORKERS; i++) {
		assert_int_equal(nng_aio_alloc(&fk.aios[i], NULL, NULL), 0);
		assert_int_equal(nng_thread_create(&fk.workers[i], worker, fk.aios[i]), 0);
	}
	return 0;
}

static int teardown(void **state)
{
	int i;

	(void)state;
	// Stop the workers before the socket goes: nng 1.5 does not like a context in use
	// while its socket closes. A stopped aio fails every later operation at once.
	for (i = 0; i < NWORKERS; i++)
		nng_aio_stop(fk.aios[i]);
	for (i = 0; i < NWORKERS; i++) {
		nng_thread_destroy(fk.workers[i]);
		nng_aio_free(fk.aios[i]);
	}
	nng_close(fk.sock);
	nng_mtx_free(fk.mtx);
	return 0;
}

static ProtobufCMessage **items(size_t n)
{
	ProtobufCMessage **v = calloc(n, sizeof(*v));
	size_t i;

	for (i = 0; i < n; i++) {
		Stdreg__V1__BulkRecord *b = malloc(sizeof(*b));
		Stdreg__V1__WorkItem *w = malloc(sizeof(*w));
		char id[32];

		stdreg__v1__bulk_record__init(b);
		stdreg__v1__work_item__init(w);
		snprintf(id, sizeof(id), "item-%zu", i);
		w->id = strdup(id);
		w->title = strdup("a title of some length to fill the chunks a little");
		b->work_item = w;
		b->line = (uint32_t)i + 1;
		v[i] = &b->base;
	}
	return v;
}

static void free_items(ProtobufCMessage **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		protobuf_c_message_free_unpacked(v[i], NULL);
	free(v);
}

static void progress(void *arg, size_t done, size_t total)
{
	size_t *last = arg;

	assert_true(done <= total);
	assert_true(done >= *last);
	*last = done;
}

static void test_all_staged_once_then_committed(void **state)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	size_t n = 5000, i, last = 0;
	ProtobufCMessage **v = items(n);
	struct stdreg_apply_opts o = { .chunk_bytes = 4096,
		                       .decision_ref = "D1",
		                       .progress = progress,
		                       .progress_arg = &last };
	Stdreg__V1__ApplyCommitResponse *r = NULL;
	stdreg_client *c;

	(void)state;
	assert_int_equal(stdreg_client_open(&c, URL, NULL, &st), STDREG_OK);
	assert_int_equal(stdreg_apply(c, v, n, &o, (ProtobufCMessage **)&r, &st), STDREG_OK);
	assert_int_equal(r->revision, 77);
	assert_int_equal(r->counts[0]->created, n);
	for (i = 1; i <= n; i++)
		if (fk.seen[i] != 1)
			fail_msg("line %zu staged %u times", i, fk.seen[i]);
	assert_int_equal(fk.commits, 1);
	assert_true(fk.max_busy > 1); // chunks went in parallel
	assert_true(last > 0);
	stdreg__v1__apply_commit_response__free_unpacked(r, NULL);
	stdreg_client_close(c);
	stdreg_status_release(&st);
	free_items(v, n);
}

static void test_empty_file(void **state)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	ProtobufCMessage *r = NULL;
	stdreg_client *c;

	(void)state;
	assert_int_equal(stdreg_client_open(&c, URL, NULL, &st), STDREG_OK);
	assert_int_equal(stdreg_apply(c, NULL, 0, NULL, &r, &st), STDREG_OK);
	assert_int_equal(fk.commits, 1);
	protobuf_c_message_free_unpacked(r, NULL);
	stdreg_client_close(c);
	stdreg_status_release(&st);
}

static void test_failed_chunk_means_no_commit(void **state)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	size_t n = 3000;
	ProtobufCMessage **v = items(n), *r = NULL;
	struct stdreg_apply_opts o = { .chunk_bytes = 2048 };
	stdreg_client *c;

	(void)state;
	fk.fail_line = 2500;
	assert_int_equal(stdreg_client_open(&c, URL, NULL, &st), STDREG_OK);
	assert_int_equal(stdreg_apply(c, v, n, &o, &r, &st), STDREG_NOT_FOUND);
	assert_null(r);
	assert_string_equal(st.message, "no such upload");
	assert_int_equal(fk.commits, 0);
	stdreg_client_close(c);
	stdreg_status_release(&st);
	free_items(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_staged_once_then_committed, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_chunk_means_no_commit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
