/*
 * writer.c - the one writer thread and its group commit.
 *
 * Requests queue here from any thread. The writer takes everything queued (up to
 * MAX_BATCH), runs each request in its own child transaction of one batch, commits the
 * batch with one fsync, and only then answers each request. Concurrent writers therefore
 * share an fsync instead of waiting for one each.
 */
#include <stdlib.h>

#include "store_int.h"

#define MAX_BATCH 1024

struct store_writer {
	store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct store_job *head, *tail;
	bool stopping;
	struct store_writer_stats stats;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runs one job in a child transaction of batch; returns its code. */
static int run_one(store_txn *batch, struct store_job *j, bool at_quota)
{
	store_txn *child;
	int rc;

	/*
	 * A job that makes at most one store_put/store_delete needs no LMDB child
	 * transaction: those check everything before their first write, so a refusal leaves
	 * nothing to undo, and a failure while writing (map full, I/O) dooms the whole batch
	 * anyway. An LMDB child costs a 2 MiB page list and a copy on commit per request.
	 * Once the map is at its quota, failures for room are expected and must not doom the
	 * batch: then every job gets its own child again.
	 */
	if (j->single_write && !at_quota) {
		store_txn light = { .st = batch->st,
			            .txn = batch->txn,
			            .parent = batch,
			            .light = true,
			            .ret = batch->ret,
			            .ret_err = batch->ret_err,
			            .revision = batch->revision + 1 };
		rc = j->run(&light, j->arg);
		if (rc == RG_OK)
			rc = store_light_commit(&light);
		return rc;
	}
	rc = store_child_begin(batch, &child);
	if (rc != RG_OK)
		return rc;
	rc = j->run(child, j->arg);
	if (rc == RG_OK)
		return store_child_commit(child);
	store_txn_abort(child);
	return rc;
}

/*
 * Runs the jobs of one batch. Every job leaves with job->code set, and job->revision when
 * it committed. Returns how many times the map had to grow.
 */
static uint64_t run_batch(store *st, struct store_job **jobs, size_t n)
{
	unsigned char settled[MAX_BATCH];
	uint64_t grows = 0, now = now_ns();
	/* Set once the map could not grow. From then on a job that runs out of room fails on its
	 * own: LMDB's abort of its child transaction restores the batch, so there is no need to
	 * run the whole batch again for each such job (which made a full store cost O(n^2) per
	 * batch, just when replies should be quick). */
	bool at_quota = false;
	bool unpinned = false; /* the last run began with a checkpoint to free pages */

	for (size_t i = 0; i < n; i++) {
		jobs[i]->revision = 0;
		settled[i] = jobs[i]->deadline_ns != 0 && jobs[i]->deadline_ns < now;
		if (settled[i])
			jobs[i]->code = RG_ETIMEDOUT;
	}
	for (;;) {
		store_txn *batch;
		bool full = false;
		size_t culprit = n;
		int rc = store_batch_begin(st, &batch);

		if (rc != RG_OK)
			goto settle_all;
		for (size_t i = 0; i < n && !full; i++) {
			if (settled[i])
				continue;
			jobs[i]->code = run_one(batch, jobs[i], at_quota);
			jobs[i]->revision = jobs[i]->code == RG_OK ? batch->revision : 0;
			if (batch->map_full && at_quota) {
				batch->map_full = false;
				if (jobs[i]->code != RG_OK) {
					settled[i] = 1;
					jobs[i]->code = RG_ENOSPC;
				}
			} else if (batch->map_full) {
				full = true;
				culprit = i;
			}
		}
		if (!full) {
			rc = store_batch_commit(batch, &full);
			if (rc == RG_OK)
				return grows;
			if (!full)
				goto settle_all;
		} else {
			store_txn_abort(batch);
		}
		/* The map is full. Pages freed since the commit log's checkpoint may be all that
		 * is missing: a new checkpoint frees them. Else grow the map. Either way the whole
		 * batch runs again. */
		if (!unpinned && store_free_pinned(st)) {
			unpinned = true;
			continue;
		}
		unpinned = false;
		if (store_grow_map(st) == RG_OK) {
			grows++;
			continue;
		}
		/* At the quota. The job that needed the room fails; the others run again. When
		 * the commit itself found no room (for LMDB's free list), the last job that
		 * succeeded gives up its room: each run settles one more job, so this ends. */
		at_quota = true;
		rc = RG_ENOSPC;
		for (size_t i = n; culprit == n && i-- > 0;)
			if (!settled[i] && jobs[i]->code == RG_OK)
				culprit = i;
		if (culprit == n)
			goto settle_all;
		settled[culprit] = 1;
		jobs[culprit]->code = RG_ENOSPC;
		jobs[culprit]->revision = 0;
		continue;
	settle_all:
		for (size_t i = 0; i < n; i++)
			if (!settled[i]) {
				jobs[i]->code = rc;
				jobs[i]->revision = 0;
			}
		return grows;
	}
}

static void *writer_main(void *arg)
{
	store_writer *w = arg;
	struct store_job *jobs[MAX_BATCH];

	for (;;) {
		size_t n = 0;

		pthread_mutex_lock(&w->lock);
		while (w->head == NULL && !w->stopping)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->head == NULL && w->stopping) {
			pthread_mutex_unlock(&w->lock);
			return NULL;
		}
		while (w->head != NULL && n < MAX_BATCH) {
			jobs[n++] = w->head;
			w->head = w->head->next;
		}
		if (w->head == NULL)
			w->tail = NULL;
		pthread_mutex_unlock(&w->lock);

		uint64_t grows = run_batch(w->st, jobs, n);

		pthread_mutex_lock(&w->lock);
		w->stats.batches++;
		w->stats.jobs += n;
		w->stats.map_grows += grows;
		if (n > w->stats.max_batch)
			w->stats.max_batch = n;
		pthread_mutex_unlock(&w->lock);
		/* Replies only now, after the commit: an answer means the change is durable. */
		for (size_t i = 0; i < n; i++)
			jobs[i]->done(jobs[i]->arg, jobs[i]->code, jobs[i]->revision);
		/* After the answers, so that no one waits for it; a failure only costs speed. */
		(void)store_keep_room(w->st);
	}
}

int store_writer_start(store *st, store_writer **out)
{
	store_writer *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return RG_ENOMEM;
	w->st = st;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		free(w);
		return RG_EINTERNAL;
	}
	// Named for top -H, gdb and the benchmark, which counts what this thread writes.
	pthread_setname_np(w->thread, "stdreg:writer");
	*out = w;
	return RG_OK;
}

void store_writer_submit(store_writer *w, struct store_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		pthread_mutex_unlock(&w->lock);
		job->done(job->arg, RG_ESHUTDOWN, 0);
		return;
	}
	if (w->tail)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void store_writer_close(store_writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

void store_writer_get_stats(store_writer *w, struct store_writer_stats *s)
{
	pthread_mutex_lock(&w->lock);
	*s = w->stats;
	pthread_mutex_unlock(&w->lock);
}

static void done_nothing(void *arg, int code, uint64_t revision)
{
	(void)arg;
	(void)code;
	(void)revision;
}

int store_write_once(store *st, int (*run)(store_txn *t, void *arg), void *arg, uint64_t *revision)
{
	struct store_job job = { .run = run, .done = done_nothing, .arg = arg };
	struct store_job *jobs[1] = { &job };

	run_batch(st, jobs, 1);
	if (revision)
		*revision = job.revision;
	return job.code;
}
