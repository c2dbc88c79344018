/*
 * txn.c - the store's transactions (the rules are at the top of env.c): read transactions,
 * the writer's batch and its children, and the first failure a write transaction keeps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "wal.h"

int store_mdb_err(store_txn *t, int rc, struct store_error *err)
{
	switch (rc) {
	case 0:
		return RG_OK;
	case MDB_NOTFOUND:
		return store_fail(err, RG_ENOENT, NULL, "not found");
	case MDB_MAP_FULL:
		for (store_txn *p = t; p != NULL; p = p->parent)
			p->map_full = true;
		/* The writer grows the map and runs the job again while it can; a job still
		 * refused for room met the quota, so that is what the message says. */
		if (t == NULL)
			return store_fail(err, RG_ENOSPC, NULL, "store is full (quota reached)");
		return store_fail(err, RG_ENOSPC, NULL,
		                  "store is full (quota %zu bytes reached; raise --quota)",
		                  t->st->max_map_size);
	case MDB_TXN_FULL:
		return store_fail(err, RG_ENOSPC, NULL, "change too large for one transaction");
	case ENOMEM:
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	case ENOSPC:
		return store_fail(err, RG_ENOSPC, NULL, "no space left on device");
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
		return store_fail(err, RG_ECORRUPT, NULL, "store is corrupt (%s)",
		                  mdb_strerror(rc));
	default:
		return store_fail(err, RG_EIO, NULL, "store error (%s)", mdb_strerror(rc));
	}
}

/* --- writes: the transaction keeps its first failure -------------------------------- */

int txn_status(const store_txn *t, struct store_error *err)
{
	if (t->ret != RG_OK && err != NULL)
		*err = t->ret_err;
	return t->ret;
}

int txn_fail(store_txn *t, int code, const struct store_error *err)
{
	if (t->ret == RG_OK && code != RG_OK) {
		t->ret = code;
		if (err != NULL)
			t->ret_err = *err;
		else
			store_fail(&t->ret_err, code, NULL, "%s", rg_strerror(code));
		/* A light child writes in its parent's LMDB transaction: that one failed too. */
		if (t->light && t->parent != NULL)
			txn_fail(t->parent, code, &t->ret_err);
	}
	return t->ret;
}

int txn_writable(store_txn *t, struct store_error *err)
{
	if (t->rdonly)
		return store_fail(err, RG_EINTERNAL, NULL, "write in a read-only transaction");
	return txn_status(t, err);
}

/* Translates a failed LMDB write and marks t failed with it. */
static int txn_write_failed(store_txn *t, int rc, struct store_error *err)
{
	struct store_error local;

	if (err == NULL)
		err = &local;
	return txn_fail(t, store_mdb_err(t, rc, err), err);
}

int txn_put(store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags,
            struct store_error *err)
{
	int rc = txn_writable(t, err);

	if (rc != RG_OK)
		return rc;
	if (t->st->wal != NULL)
		wal_settle(t->st->wal);
	rc = mdb_put(t->txn, dbi, k, v, flags);
	if (rc == MDB_KEYEXIST)
		return RG_EEXIST;
	if (rc != 0)
		return txn_write_failed(t, rc, err);
	if (t->st->wal != NULL)
		wal_note_put(t->st->wal, t->st->db_place[dbi], k, v, flags & MDB_RESERVE);
	return RG_OK;
}

int txn_del(store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v, struct store_error *err)
{
	int rc = txn_writable(t, err);

	if (rc != RG_OK)
		return rc;
	if (t->st->wal != NULL)
		wal_settle(t->st->wal);
	rc = mdb_del(t->txn, dbi, k, v);
	if (rc == MDB_NOTFOUND)
		return RG_ENOENT;
	if (rc != 0)
		return txn_write_failed(t, rc, err);
	if (t->st->wal != NULL)
		wal_note_del(t->st->wal, t->st->db_place[dbi], k, v);
	return RG_OK;
}
uint64_t store_txn_revision(const store_txn *t)
{
	return t->revision;
}

/* --- read transactions ------------------------------------------------------------ */

int store_read_renew(store_txn *t)
{
	int rc;

	if (t->live)
		return RG_OK;
	for (;;) {
		pthread_rwlock_rdlock(&t->st->resize_lock);
		rc = t->txn ? mdb_txn_renew(t->txn)
		            : mdb_txn_begin(t->st->env, NULL, MDB_RDONLY, &t->txn);
		if (rc != MDB_MAP_RESIZED)
			break;
		pthread_rwlock_unlock(&t->st->resize_lock);
		store_adopt_map(t->st);
	}
	if (rc != 0) {
		pthread_rwlock_unlock(&t->st->resize_lock);
		return rc == ENOMEM ? RG_ENOMEM : RG_EIO;
	}
	t->live = true;
	t->revision = store_revision_in(t->txn, t->st->meta, t->st->changelog);
	return RG_OK;
}

int store_read_begin(store *st, store_txn **out)
{
	store_txn *t = calloc(1, sizeof(*t));
	int rc;

	if (t == NULL)
		return RG_ENOMEM;
	t->st = st;
	t->rdonly = true;
	rc = store_read_renew(t);
	if (rc != RG_OK) {
		free(t);
		return rc;
	}
	*out = t;
	return RG_OK;
}

void store_read_reset(store_txn *t)
{
	if (!t->live)
		return;
	mdb_txn_reset(t->txn);
	t->live = false;
	pthread_rwlock_unlock(&t->st->resize_lock);
}

void store_read_free(store_txn *t)
{
	if (t == NULL)
		return;
	store_read_reset(t);
	if (t->txn)
		mdb_txn_abort(t->txn);
	free(t);
}

/* --- write transactions: batch (parent) and one child per request ----------------- */

int store_batch_begin(store *st, store_txn **out)
{
	store_txn *t = calloc(1, sizeof(*t));
	int rc;

	if (t == NULL)
		return RG_ENOMEM;
	t->st = st;
	pthread_mutex_lock(&st->write_lock);
	for (;;) {
		rc = mdb_txn_begin(st->env, NULL, 0, &t->txn);
		if (rc != MDB_MAP_RESIZED)
			break;
		store_adopt_map(st);
	}
	/* The commit log checkpoints here when it must (another process wrote, say). */
	if (rc == 0 && st->wal != NULL && (rc = wal_batch_begin(st->wal, st->env, t->txn)) != 0)
		mdb_txn_abort(t->txn);
	if (rc != 0) {
		pthread_mutex_unlock(&st->write_lock);
		free(t);
		return store_mdb_err(NULL, rc, NULL);
	}
	/* Another process (registryd token ...) may have written since we last looked. */
	t->revision = store_revision_in(t->txn, st->meta, st->changelog);
	*out = t;
	return RG_OK;
}

int store_child_begin(store_txn *parent, store_txn **out)
{
	store_txn *t = calloc(1, sizeof(*t));
	int rc;

	if (t == NULL)
		return RG_ENOMEM;
	if (parent->ret != RG_OK) {
		free(t);
		return parent->ret;
	}
	rc = mdb_txn_begin(parent->st->env, parent->txn, 0, &t->txn);
	if (rc != 0) {
		free(t);
		return store_mdb_err(parent, rc, NULL);
	}
	if (parent->st->wal != NULL)
		t->wal_mark = wal_mark(parent->st->wal);
	t->st = parent->st;
	t->parent = parent;
	t->revision = parent->revision + 1;
	*out = t;
	return RG_OK;
}

int store_child_commit(store_txn *t)
{
	store_txn *parent = t->parent;
	int rc;

	rc = txn_status(t, NULL);
	if (rc != RG_OK) {
		store_txn_abort(t);
		return rc;
	}
	if (t->st->wal != NULL)
		wal_settle(t->st->wal);
	rc = mdb_txn_commit(t->txn);
	if (rc != 0) {
		int code = store_mdb_err(t, rc, NULL);
		if (t->st->wal != NULL)
			wal_rewind(t->st->wal, t->wal_mark);
		free(t);
		return code;
	}
	if (t->changed) {
		parent->revision = t->revision;
		parent->changed = true;
	}
	free(t);
	return RG_OK;
}

int store_light_commit(store_txn *t)
{
	if (txn_status(t, NULL) != RG_OK || !t->changed)
		return t->ret;
	t->parent->revision = t->revision;
	t->parent->changed = true;
	return RG_OK;
}

void store_txn_abort(store_txn *t)
{
	if (t == NULL)
		return;
	mdb_txn_abort(t->txn);
	// What it wrote is out of the commit log's notes too (a batch: everything).
	if (!t->rdonly && t->st->wal != NULL)
		wal_rewind(t->st->wal, t->parent != NULL ? t->wal_mark : 0);
	if (t->parent == NULL && !t->rdonly)
		pthread_mutex_unlock(&t->st->write_lock);
	free(t);
}

int store_batch_commit(store_txn *t, bool *map_full)
{
	store *st = t->st;
	uint64_t rev = t->revision;
	int rc, code = t->ret;

	if (code != RG_OK) {
		/* A write failed in the batch itself (a light child's): nothing of it is kept. */
		*map_full = t->map_full;
		store_txn_abort(t);
		return code;
	}
	rc = st->wal != NULL ? wal_commit(st->wal, st->env, t->txn) : mdb_txn_commit(t->txn);
	*map_full = rc == MDB_MAP_FULL;
	// LMDB reports a write cut short as EIO ("short write, filesystem full?"): on a full
	// file system it is one, and the caller is told so.
	if (rc == EIO && store_disk_full(st))
		rc = ENOSPC;
	if (rc == 0)
		atomic_store(&st->revision, rev);
	else
		code = store_mdb_err(NULL, rc, NULL);
	pthread_mutex_unlock(&st->write_lock);
	free(t);
	return code;
}

bool store_free_pinned(store *st)
{
	return st->wal != NULL && wal_free_pinned(st->wal);
}

/*
 * Doubles the map, up to the quota. The commit log's pin (wal.c), a read transaction that
 * never reads, stays open across it: LMDB 0.9 refuses a resize only while a write
 * transaction is open, and the pin holds its reader slot, not pointers into the map. Called by the writer with no write transaction open;
 * waits for live readers to finish, since LMDB may only resize with no live transaction.
 * Errors: RG_ENOSPC when the quota is reached, RG_EIO.
 */
int store_grow_map(store *st)
{
	size_t next;
	int rc;

	if (st->map_size >= st->max_map_size)
		return RG_ENOSPC;
	next = st->map_size * 2;
	if (next > st->max_map_size || next < st->map_size)
		next = st->max_map_size;
	pthread_rwlock_wrlock(&st->resize_lock);
	rc = mdb_env_set_mapsize(st->env, next);
	if (rc == 0)
		st->map_size = next;
	pthread_rwlock_unlock(&st->resize_lock);
	return rc == 0 ? RG_OK : RG_EIO;
}
