/*
 * apply.c - a bulk apply: the records staged in chunks on the server, then one commit.
 *
 * The first ApplyChunk starts the upload and returns its id; the other chunks then go up to
 * `inflight` at a time, each on its own thread and so its own nng context (stdreg_call is
 * thread-safe). The server orders records by kind and id at commit, so the order chunks
 * arrive in does not matter. Nothing is applied before ApplyCommit: a failure anywhere before
 * it leaves the registry unchanged.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "stdreg/v1/registry.pb-c.h"

/* Bytes of one element of a repeated message field numbered < 16: tag, length, body. */
static size_t element_size(const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m), n = 1;
	size_t v = len;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return 1 + n + len;
}

size_t stdreg_apply_plan(ProtobufCMessage *const *records, size_t n, size_t budget, size_t *ends)
{
	size_t nchunks = 0, used = 0, i;

	for (i = 0; i < n; i++) {
		size_t sz = element_size(records[i]);

		if (used > 0 && used + sz > budget) {
			ends[nchunks++] = i;
			used = 0;
		}
		used += sz;
	}
	if (n > 0)
		ends[nchunks++] = n;
	return nchunks;
}

/* The state the chunk threads share. */
struct upload {
	stdreg_client *c;
	ProtobufCMessage *const *records;
	const size_t *ends;
	size_t nchunks;
	char *upload_id;
	const struct stdreg_apply_opts *o;
	pthread_mutex_t mtx; /* guards everything below */
	size_t next;         /* next chunk to send */
	size_t done_bytes, total_bytes;
	uint32_t staged; /* highest count the server reported */
	bool failed;
	struct stdreg_status first_error;
};

static size_t chunk_bytes(const struct upload *u, size_t chunk)
{
	size_t start = chunk == 0 ? 0 : u->ends[chunk - 1], i, sum = 0;

	for (i = start; i < u->ends[chunk]; i++)
		sum += element_size(u->records[i]);
	return sum;
}

/* Sends chunk i (upload_id may be "" for the first). */
static int send_chunk(struct upload *u, size_t i, Stdreg__V1__ApplyChunkResponse **resp,
                      struct stdreg_status *st)
{
	Stdreg__V1__ApplyChunkRequest req = STDREG__V1__APPLY_CHUNK_REQUEST__INIT;
	size_t start = i == 0 ? 0 : u->ends[i - 1];

	req.upload_id = u->upload_id != NULL ? u->upload_id : (char *)"";
	// Borrowed: the request is never freed with free_unpacked.
	req.records = (Stdreg__V1__BulkRecord **)(u->records + start);
	req.n_records = u->nchunks > 0 ? u->ends[i] - start : 0;
	return stdreg_call(u->c, "ApplyChunk", &req.base,
	                   &stdreg__v1__apply_chunk_response__descriptor, (ProtobufCMessage **)resp,
	                   st);
}

/* Records the outcome of one staged chunk. Called with u->mtx held. */
static void chunk_done(struct upload *u, size_t i, const Stdreg__V1__ApplyChunkResponse *r)
{
	if (r->staged > u->staged)
		u->staged = r->staged;
	if (u->nchunks > 0)
		u->done_bytes += chunk_bytes(u, i);
	if (u->o->progress != NULL)
		u->o->progress(u->o->progress_arg, u->done_bytes, u->total_bytes);
}

static void *chunk_worker(void *arg)
{
	struct upload *u = arg;
	struct stdreg_status st = STDREG_STATUS_INIT;

	for (;;) {
		Stdreg__V1__ApplyChunkResponse *r = NULL;
		size_t i;

		pthread_mutex_lock(&u->mtx);
		i = u->next++;
		if (u->failed || i >= u->nchunks) {
			pthread_mutex_unlock(&u->mtx);
			break;
		}
		pthread_mutex_unlock(&u->mtx);
		send_chunk(u, i, &r, &st);
		pthread_mutex_lock(&u->mtx);
		if (st.code == STDREG_OK) {
			chunk_done(u, i, r);
		} else if (!u->failed) {
			u->failed = true;
			u->first_error = st; // moved: st is zeroed below
			memset(&st, 0, sizeof(st));
		}
		pthread_mutex_unlock(&u->mtx);
		if (r != NULL)
			stdreg__v1__apply_chunk_response__free_unpacked(r, NULL);
	}
	stdreg_status_release(&st);
	return NULL;
}

/* Stages chunks 1.. on up to o->inflight threads (or on this one if threads fail). */
static int send_rest(struct upload *u, struct stdreg_status *st)
{
	unsigned want = u->o->inflight != 0 ? u->o->inflight : STDREG_APPLY_INFLIGHT, started = 0;
	pthread_t th[16];
	unsigned t;

	if (want > sizeof(th) / sizeof(th[0]))
		want = sizeof(th) / sizeof(th[0]);
	u->next = 1;
	for (t = 0; t < want && t + 1 < u->nchunks; t++) {
		if (pthread_create(&th[t], NULL, chunk_worker, u) != 0)
			break;
		started++;
	}
	if (started == 0)
		chunk_worker(u);
	for (t = 0; t < started; t++)
		pthread_join(th[t], NULL);
	if (u->failed) {
		stdreg_status_release(st);
		*st = u->first_error;
		memset(&u->first_error, 0, sizeof(u->first_error));
		return st->code;
	}
	return STDREG_OK;
}

int stdreg_apply(stdreg_client *c, ProtobufCMessage *const *records, size_t n,
                 const struct stdreg_apply_opts *o, ProtobufCMessage **out,
                 struct stdreg_status *st)
{
	static const struct stdreg_apply_opts defaults;
	Stdreg__V1__ApplyCommitRequest commit = STDREG__V1__APPLY_COMMIT_REQUEST__INIT;
	Stdreg__V1__ApplyChunkResponse *first = NULL;
	struct upload u = { .c = c, .records = records };
	size_t *ends = NULL, i;
	int code;

	if (o == NULL)
		o = &defaults;
	u.o = o;
	if ((ends = calloc(n > 0 ? n : 1, sizeof(*ends))) == NULL)
		return stdreg_status_set(st, STDREG_RESOURCE_EXHAUSTED, true, "out of memory");
	u.ends = ends;
	u.nchunks = stdreg_apply_plan(
	        records, n, o->chunk_bytes != 0 ? o->chunk_bytes : STDREG_APPLY_CHUNK_BYTES, ends);
	for (i = 0; i < n; i++)
		u.total_bytes += element_size(records[i]);
	pthread_mutex_init(&u.mtx, NULL);

	// The first chunk (empty for an empty file) starts the upload.
	if ((code = send_chunk(&u, 0, &first, st)) != STDREG_OK)
		goto out;
	if (first->upload_id == NULL || first->upload_id[0] == '\0') {
		code = stdreg_status_set(st, STDREG_INTERNAL, true,
		                         "the server started no upload (empty upload_id)");
		goto out;
	}
	if ((u.upload_id = strdup(first->upload_id)) == NULL) {
		code = stdreg_status_set(st, STDREG_RESOURCE_EXHAUSTED, true, "out of memory");
		goto out;
	}
	chunk_done(&u, 0, first);
	if (u.nchunks > 1 && (code = send_rest(&u, st)) != STDREG_OK)
		goto out;
	if (u.staged != n) {
		code = stdreg_status_set(st, STDREG_INTERNAL, true,
		                         "the server staged %u of %zu records", u.staged, n);
		goto out;
	}
	commit.upload_id = u.upload_id;
	commit.dry_run = o->dry_run;
	commit.decision_ref = (char *)(o->decision_ref != NULL ? o->decision_ref : "");
	code = stdreg_call_timeout(c, "ApplyCommit", &commit.base,
	                           &stdreg__v1__apply_commit_response__descriptor, out,
	                           o->commit_timeout_ms, st);
out:
	if (first != NULL)
		stdreg__v1__apply_chunk_response__free_unpacked(first, NULL);
	stdreg_status_release(&u.first_error);
	pthread_mutex_destroy(&u.mtx);
	free(u.upload_id);
	free(ends);
	return code;
}
