/*
 * test_writer.c - store/writer.c: the writer thread, group commit, failures inside a batch,
 * deadlines, shutdown, and map growth up to the quota.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"

/* Jobs that each put one area, and wait for their answers. */
struct wctx {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t done;
	size_t desc_len;     /* the size of each area's description */
	const char *fail_id; /* the job with this id writes, then fails */
	bool single;         /* jobs declare single_write (no child transaction) */
};

struct wjob {
	struct store_job job;
	struct wctx *ctx;
	char id[32];
	int code;
	uint64_t revision;
	int runs;
	int dones;
};

static void wctx_init(struct wctx *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
}

static void wctx_release(struct wctx *c)
{
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
}

static void wctx_wait(struct wctx *c, size_t n)
{
	pthread_mutex_lock(&c->lock);
	while (c->done < n)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

static int run_area(store_txn *t, void *arg)
{
	struct wjob *j = arg;
	Stdreg__V1__Area *a = mk_area(j->id, "Area written by the writer", NULL);
	struct store_actor who = { .principal = "writer-test", .now = FX_NOW };
	int rc;

	j->runs++;
	if (j->ctx->desc_len) {
		char *d = malloc(j->ctx->desc_len + 1);
		memset(d, 'd', j->ctx->desc_len);
		d[j->ctx->desc_len] = '\0';
		rec_set(&a->description, d);
		free(d);
	}
	rc = store_put(t, STORE_AREA, &a->base, NULL, &who, NULL, NULL, NULL);
	rec_free(a);
	if (rc == RG_OK && j->ctx->fail_id && strcmp(j->id, j->ctx->fail_id) == 0)
		return RG_EPRECOND; /* wrote, then failed: the child must be rolled back */
	return rc;
}

static void done_area(void *arg, int code, uint64_t revision)
{
	struct wjob *j = arg;

	pthread_mutex_lock(&j->ctx->lock);
	j->code = code;
	j->revision = revision;
	j->dones++;
	j->ctx->done++;
	pthread_cond_broadcast(&j->ctx->cond);
	pthread_mutex_unlock(&j->ctx->lock);
}

static void wjob_init(struct wjob *j, struct wctx *c, const char *fmt, int i)
{
	memset(j, 0, sizeof(*j));
	j->ctx = c;
	snprintf(j->id, sizeof(j->id), fmt, i);
	j->job.run = run_area;
	j->job.done = done_area;
	j->job.arg = j;
	j->job.single_write = c->single;
	j->code = -1;
}

/* A job that holds the writer until released, to line up the jobs after it. */
struct blocker {
	struct store_job job;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool started, released, done;
};

static int run_block(store_txn *t, void *arg)
{
	struct blocker *b = arg;

	(void)t;
	pthread_mutex_lock(&b->lock);
	b->started = true;
	pthread_cond_broadcast(&b->cond);
	while (!b->released)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
	return RG_OK;
}

static void done_block(void *arg, int code, uint64_t revision)
{
	struct blocker *b = arg;

	(void)code;
	(void)revision;
	pthread_mutex_lock(&b->lock);
	b->done = true;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static void blocker_start(struct blocker *b, store_writer *w)
{
	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	b->job.run = run_block;
	b->job.done = done_block;
	b->job.arg = b;
	store_writer_submit(w, &b->job);
	pthread_mutex_lock(&b->lock);
	while (!b->started)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

static void blocker_release(struct blocker *b)
{
	pthread_mutex_lock(&b->lock);
	b->released = true;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

static void blocker_destroy(struct blocker *b)
{
	pthread_mutex_lock(&b->lock);
	while (!b->done)
		pthread_cond_wait(&b->cond, &b->lock);
	pthread_mutex_unlock(&b->lock);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* --- cases ----------------------------------------------------------------------------- */

#define THREADS    8
#define PER_THREAD 25

struct submitter {
	store_writer *w;
	struct wjob *jobs;
};

static void *submit_all(void *arg)
{
	struct submitter *s = arg;

	for (int i = 0; i < PER_THREAD; i++)
		store_writer_submit(s->w, &s->jobs[i].job);
	return NULL;
}

static void concurrent_jobs(void **state)
{
	struct fx *f = *state;
	struct wctx c;
	struct wjob *jobs = calloc(THREADS * PER_THREAD, sizeof(*jobs));
	struct submitter subs[THREADS];
	pthread_t th[THREADS];
	uint64_t revs[THREADS * PER_THREAD];
	struct store_writer_stats st;
	store_writer *w;

	wctx_init(&c);
	for (int i = 0; i < THREADS * PER_THREAD; i++)
		wjob_init(&jobs[i], &c, "area-%03d", i);
	assert_int_equal(store_writer_start(f->st, &w), RG_OK);
	for (int i = 0; i < THREADS; i++) {
		subs[i] = (struct submitter){ w, jobs + i * PER_THREAD };
		assert_int_equal(pthread_create(&th[i], NULL, submit_all, &subs[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	wctx_wait(&c, THREADS * PER_THREAD);
	store_writer_get_stats(w, &st);
	store_writer_close(w);

	for (int i = 0; i < THREADS * PER_THREAD; i++) {
		assert_int_equal(jobs[i].code, RG_OK);
		assert_int_equal(jobs[i].dones, 1);
		revs[i] = jobs[i].revision;
		/* the record carries the revision its job got */
		Stdreg__V1__Area *a = fx_get(f, STORE_AREA, jobs[i].id, NULL);
		assert_non_null(a);
		assert_int_equal(a->meta->mod_revision, jobs[i].revision);
		rec_free(a);
	}
	/* distinct and consecutive: exactly 1..200 */
	qsort(revs, THREADS * PER_THREAD, sizeof(revs[0]), cmp_u64);
	for (int i = 0; i < THREADS * PER_THREAD; i++)
		assert_int_equal(revs[i], (uint64_t)i + 1);
	assert_int_equal(store_revision(f->st), THREADS * PER_THREAD);
	assert_int_equal(st.jobs, THREADS * PER_THREAD);
	assert_true(st.batches >= 1 && st.batches <= st.jobs);
	assert_true(st.max_batch >= 1 && st.max_batch <= st.jobs);
	assert_int_equal(st.map_grows, 0);
	wctx_release(&c);
	free(jobs);
}

static void failing_job_spares_batch(void **state)
{
	struct fx *f = *state;
	struct wctx c;
	struct wjob jobs[4];
	struct blocker b;
	struct store_writer_stats st;
	store_writer *w;
	int code;

	wctx_init(&c);
	c.fail_id = "bad-1";
	wjob_init(&jobs[0], &c, "good-%d", 0);
	wjob_init(&jobs[1], &c, "bad-%d", 1);
	wjob_init(&jobs[2], &c, "good-%d", 2);
	wjob_init(&jobs[3], &c, "good-%d", 0); /* the same id again: identical, no revision */
	assert_int_equal(store_writer_start(f->st, &w), RG_OK);
	/* hold the writer so that the four queue up behind and run as one batch */
	blocker_start(&b, w);
	for (int i = 0; i < 4; i++)
		store_writer_submit(w, &jobs[i].job);
	blocker_release(&b);
	wctx_wait(&c, 4);
	blocker_destroy(&b);
	store_writer_get_stats(w, &st);
	store_writer_close(w);

	assert_int_equal(st.batches, 2);
	assert_int_equal(st.max_batch, 4);
	assert_int_equal(jobs[0].code, RG_OK);
	assert_int_equal(jobs[0].revision, 1);
	assert_int_equal(jobs[1].code, RG_EPRECOND);
	assert_int_equal(jobs[1].revision, 0);
	assert_int_equal(jobs[2].code, RG_OK);
	assert_int_equal(jobs[2].revision, 2);
	assert_int_equal(jobs[3].code, RG_OK);
	assert_int_equal(store_revision(f->st), 2);
	assert_null(fx_get(f, STORE_AREA, "bad-1", &code));
	assert_int_equal(code, RG_ENOENT);
	void *a = fx_get(f, STORE_AREA, "good-2", NULL);
	assert_non_null(a);
	rec_free(a);
	wctx_release(&c);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void expired_deadline(void **state)
{
	struct fx *f = *state;
	struct wctx c;
	struct wjob jobs[3];
	store_writer *w;
	int code;

	wctx_init(&c);
	wjob_init(&jobs[0], &c, "late-%d", 0);
	jobs[0].job.deadline_ns = 1; /* long past */
	wjob_init(&jobs[1], &c, "on-time-%d", 1);
	jobs[1].job.deadline_ns = mono_ns() + 60ull * 1000000000u;
	wjob_init(&jobs[2], &c, "late-%d", 2);
	jobs[2].job.deadline_ns = mono_ns() - 1;
	assert_int_equal(store_writer_start(f->st, &w), RG_OK);
	for (int i = 0; i < 3; i++)
		store_writer_submit(w, &jobs[i].job);
	wctx_wait(&c, 3);
	store_writer_close(w);

	assert_int_equal(jobs[0].code, RG_ETIMEDOUT);
	assert_int_equal(jobs[0].runs, 0);
	assert_int_equal(jobs[0].revision, 0);
	assert_int_equal(jobs[2].code, RG_ETIMEDOUT);
	assert_int_equal(jobs[2].runs, 0);
	assert_int_equal(jobs[1].code, RG_OK);
	assert_int_equal(jobs[1].revision, 1);
	assert_null(fx_get(f, STORE_AREA, "late-0", &code));
	assert_int_equal(store_revision(f->st), 1);
	wctx_release(&c);
}

struct stopper {
	store_writer *w;
};

static void *stop_writer(void *arg)
{
	store_writer_close(((struct stopper *)arg)->w);
	return NULL;
}

/*
 * store_writer_close frees the writer, so "after stop" can only mean while it stops: the
 * writer is held busy, stop is called from another thread, and jobs submitted from then on
 * are refused with RG_ESHUTDOWN at once; the ones queued before still run.
 */
static void submit_while_stopping(void **state)
{
	struct fx *f = *state;
	enum { PROBES = 100000 };
	struct wctx c;
	struct wjob *probes = calloc(PROBES, sizeof(*probes));
	struct blocker b;
	struct stopper s;
	pthread_t th;
	store_writer *w;
	size_t n = 0, refused = 0;

	wctx_init(&c);
	assert_int_equal(store_writer_start(f->st, &w), RG_OK);
	blocker_start(&b, w);
	s.w = w;
	assert_int_equal(pthread_create(&th, NULL, stop_writer, &s), 0);
	/* Submit until one is refused: done() runs inside submit then. */
	while (n < PROBES && refused == 0) {
		wjob_init(&probes[n], &c, "probe-%d", (int)n);
		store_writer_submit(w, &probes[n].job);
		pthread_mutex_lock(&c.lock);
		refused = probes[n].dones == 1 && probes[n].code == RG_ESHUTDOWN;
		pthread_mutex_unlock(&c.lock);
		n++;
		sched_yield();
	}
	assert_int_equal(refused, 1);
	blocker_release(&b);
	pthread_join(th, NULL); /* stop returns after every queued job ran */
	blocker_destroy(&b);

	for (size_t i = 0; i + 1 < n; i++) {
		assert_int_equal(probes[i].dones, 1);
		assert_int_equal(probes[i].code, RG_OK);
		assert_int_equal(probes[i].revision, i + 1);
	}
	assert_int_equal(probes[n - 1].runs, 0);
	assert_int_equal(store_revision(f->st), n - 1);
	wctx_release(&c);
	free(probes);
}

/* --- map growth -------------------------------------------------------------------------- */

#define MIB ((size_t)1 << 20)

/* Submits n jobs each writing a ~1 KiB area and waits for all; returns the jobs. */
static struct wjob *write_many(store *st, struct wctx *c, size_t n, bool single,
                               struct store_writer_stats *stats)
{
	struct wjob *jobs = calloc(n, sizeof(*jobs));
	store_writer *w;

	wctx_init(c);
	c->desc_len = 1024;
	c->single = single;
	for (size_t i = 0; i < n; i++)
		wjob_init(&jobs[i], c, "area-%05d", (int)i);
	assert_int_equal(store_writer_start(st, &w), RG_OK);
	for (size_t i = 0; i < n; i++)
		store_writer_submit(w, &jobs[i].job);
	wctx_wait(c, n);
	store_writer_get_stats(w, stats);
	store_writer_close(w);
	return jobs;
}

static void map_grows_with(bool single)
{
	struct fx f;
	struct store_opts o = { .map_size = MIB, .no_sync = true };
	struct store_writer_stats stats;
	struct wctx c;
	struct wjob *jobs;
	const size_t n = 5000;

	fx_open(&f, &o);
	jobs = write_many(f.st, &c, n, single, &stats);
	for (size_t i = 0; i < n; i++)
		if (jobs[i].code != RG_OK)
			fail_msg("job %zu: %s", i, rg_strerror(jobs[i].code));
	assert_true(stats.map_grows > 0);
	assert_int_equal(stats.jobs, n);
	assert_int_equal(store_revision(f.st), n);
	Stdreg__V1__Area *a = fx_get(&f, STORE_AREA, "area-04999", NULL);
	assert_non_null(a);
	assert_int_equal(strlen(a->description), 1024);
	rec_free(a);
	/* the store opens again at its grown size */
	assert_int_equal(fx_reopen(&f, &o, NULL), RG_OK);
	a = fx_get(&f, STORE_AREA, "area-00000", NULL);
	assert_non_null(a);
	rec_free(a);
	fx_put_ok(&f, STORE_AREA, mk_area("after-reopen", "After reopen", NULL));
	wctx_release(&c);
	free(jobs);
	fx_close(&f);
}

static void quota_reached_with(bool single)
{
	struct fx f;
	struct store_opts o = { .map_size = MIB, .max_map_size = MIB, .no_sync = true };
	struct store_writer_stats stats;
	struct wctx c;
	struct wjob *jobs;
	const size_t n = 1500;
	size_t ok = 0, full = 0;

	fx_open(&f, &o);
	jobs = write_many(f.st, &c, n, single, &stats);
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].code == RG_OK)
			ok++;
		else if (jobs[i].code == RG_ENOSPC)
			full++;
		else
			fail_msg("job %zu: %s", i, rg_strerror(jobs[i].code));
	}
	assert_true(ok > 0);
	assert_true(full > 0);
	assert_int_equal(ok + full, n);
	assert_int_equal(stats.map_grows, 0);
	assert_int_equal(store_revision(f.st), ok);

	/* what was written is intact and readable, with revisions 1..ok */
	uint64_t *revs = calloc(ok, sizeof(*revs));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int code;
		Stdreg__V1__Area *a = fx_get(&f, STORE_AREA, jobs[i].id, &code);
		if (jobs[i].code != RG_OK) {
			assert_null(a);
			assert_int_equal(code, RG_ENOENT);
			continue;
		}
		assert_non_null(a);
		assert_int_equal(strlen(a->description), 1024);
		assert_int_equal(a->meta->mod_revision, jobs[i].revision);
		revs[k++] = jobs[i].revision;
		rec_free(a);
	}
	qsort(revs, ok, sizeof(revs[0]), cmp_u64);
	for (size_t i = 0; i < ok; i++)
		assert_int_equal(revs[i], i + 1);
	free(revs);

	/* a small write without the writer also meets the quota or fits; never anything else */
	Stdreg__V1__Area *small = mk_area("small", "Small", NULL);
	int rc = fx_put(&f, STORE_AREA, small, NULL, NULL, NULL);
	assert_true(rc == RG_OK || rc == RG_ENOSPC);
	rec_free(small);
	/* and the store reopens */
	assert_int_equal(fx_reopen(&f, &o, NULL), RG_OK);
	Stdreg__V1__Area *a = fx_get(&f, STORE_AREA, "area-00000", NULL);
	assert_non_null(a);
	rec_free(a);
	wctx_release(&c);
	free(jobs);
	fx_close(&f);
}

static void map_grows(void **state)
{
	(void)state;
	map_grows_with(false);
}

/* The same without child transactions: a retried batch must not apply anything twice. */
static void map_grows_single_write(void **state)
{
	(void)state;
	map_grows_with(true);
}

static void quota_reached(void **state)
{
	(void)state;
	quota_reached_with(false);
}

static void quota_reached_single_write(void **state)
{
	(void)state;
	quota_reached_with(true);
}

/* single_write jobs share the batch transaction: one refused before it writes harms none. */
static int run_invalid(store_txn *t, void *arg)
{
	struct wjob *j = arg;
	Stdreg__V1__Area *a = mk_area("Not A Valid Id", "Refused", NULL);
	int rc = store_put(t, STORE_AREA, &a->base, NULL, NULL, NULL, NULL, NULL);

	j->runs++;
	rec_free(a);
	return rc;
}

static void single_write_refusal_spares_batch(void **state)
{
	struct fx *f = *state;
	struct wctx c;
	struct wjob jobs[3];
	struct blocker b;
	store_writer *w;

	wctx_init(&c);
	c.single = true;
	wjob_init(&jobs[0], &c, "first-%d", 0);
	wjob_init(&jobs[1], &c, "refused-%d", 1);
	jobs[1].job.run = run_invalid;
	wjob_init(&jobs[2], &c, "third-%d", 2);
	assert_int_equal(store_writer_start(f->st, &w), RG_OK);
	blocker_start(&b, w);
	for (int i = 0; i < 3; i++)
		store_writer_submit(w, &jobs[i].job);
	blocker_release(&b);
	wctx_wait(&c, 3);
	blocker_destroy(&b);
	store_writer_close(w);

	assert_int_equal(jobs[0].code, RG_OK);
	assert_int_equal(jobs[0].revision, 1);
	assert_int_equal(jobs[1].code, RG_EINVAL);
	assert_int_equal(jobs[2].code, RG_OK);
	assert_int_equal(jobs[2].revision, 2);
	assert_int_equal(store_revision(f->st), 2);
	void *a = fx_get(f, STORE_AREA, "third-2", NULL);
	assert_non_null(a);
	rec_free(a);
	wctx_release(&c);
}

/* --- room past the last page (room.c) ---------------------------------------------------- */

/* data.mdb's size, and (zero not NULL) whether every byte from offset from to its end is
 * zero. */
static off_t file_size_zero_from(const char *dir, off_t from, bool *zero)
{
	char path[300], buf[4096];
	FILE *fp;
	struct stat sb;
	size_t n;

	snprintf(path, sizeof path, "%s/data.mdb", dir);
	assert_int_equal(stat(path, &sb), 0);
	if (zero == NULL)
		return sb.st_size;
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseeko(fp, from, SEEK_SET), 0);
	*zero = true;
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		for (size_t i = 0; i < n; i++)
			*zero = *zero && buf[i] == 0;
	fclose(fp);
	return sb.st_size;
}

static void room_past_last_page(void **state)
{
	struct fx f;
	struct store_opts o = { .map_size = 64 * MIB }; /* synced: the room is flushed */
	struct store_writer_stats stats;
	struct store_info info;
	struct wctx c;
	struct wjob *jobs;
	const size_t n = 6000; /* ~6 MiB of areas: more than one step of room */
	char backup[300];
	uint64_t rev, size;
	bool zero;

	(void)state;
	fx_open(&f, &o);
	jobs = write_many(f.st, &c, n, true, &stats);
	assert_int_equal(jobs[n - 1].code, RG_OK);
	store_get_info(f.st, &info);
	assert_true(info.used_bytes > 4 * MIB);
	off_t end = file_size_zero_from(f.dir, (off_t)info.used_bytes, &zero);
	/* between 1 and 4 MiB of room, written as zeros (room.c's ROOM_LOW and ROOM_STEP) */
	assert_true(end >= (off_t)(info.used_bytes + MIB));
	assert_true(end <= (off_t)(info.used_bytes + 4 * MIB));
	assert_true(zero);
	/* a backup stops at the last page */
	snprintf(backup, sizeof backup, "%s/copy.mdb", f.dir);
	assert_int_equal(store_backup(f.st, backup, &rev, &size), RG_OK);
	assert_true(size <= info.used_bytes);
	/* the store opens again, with everything in it */
	assert_int_equal(fx_reopen(&f, &o, NULL), RG_OK);
	Stdreg__V1__Area *a = fx_get(&f, STORE_AREA, "area-05999", NULL);
	assert_non_null(a);
	rec_free(a);
	wctx_release(&c);
	free(jobs);
	fx_close(&f);
}

static void room_stays_in_map(void **state)
{
	struct fx f;
	struct store_opts o = { .map_size = MIB, .max_map_size = MIB, .no_sync = true };
	struct store_writer_stats stats;
	struct wctx c;
	struct wjob *jobs;

	(void)state;
	fx_open(&f, &o);
	jobs = write_many(f.st, &c, 10, true, &stats);
	assert_int_equal(jobs[9].code, RG_OK);
	/* the file grows up to the map and no further: LMDB could not use it */
	assert_int_equal(file_size_zero_from(f.dir, 0, NULL), (off_t)MIB);
	wctx_release(&c);
	free(jobs);
	fx_close(&f);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(concurrent_jobs),
		T(failing_job_spares_batch),
		T(expired_deadline),
		T(submit_while_stopping),
		T(single_write_refusal_spares_batch),
		cmocka_unit_test(map_grows),
		cmocka_unit_test(quota_reached),
		cmocka_unit_test(map_grows_single_write),
		cmocka_unit_test(quota_reached_single_write),
		cmocka_unit_test(room_past_last_page),
		cmocka_unit_test(room_stays_in_map),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
