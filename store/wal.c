/*
 * wal.c - the commit log: a commit flushes once.
 *
 * LMDB's synced commit flushes twice: the data pages, then the meta page that makes them
 * live, because the meta page must never reach the disk before the pages it points to.
 * The store instead commits with MDB_NOSYNC and makes each commit durable by one flush of
 * DIR/data.wal, written before LMDB's commit: the list of puts and deletes the
 * transaction made (a record). Now and then a checkpoint flushes data.mdb once and starts
 * the log afresh.
 *
 * Why a power loss can be recovered from: after one, data.mdb may hold any mix of the
 * pages written since the last checkpoint, its two meta pages included, so LMDB's own
 * choice of meta page cannot be trusted. The log's header keeps a copy of both meta pages
 * as they were at the checkpoint (flushed), and the process that wrote the header keeps a
 * read transaction on the checkpoint's snapshot for as long as the log builds on it, so
 * that LMDB never reuses, and so never overwrites, a page of that snapshot. Recovery
 * writes the copied meta pages back, which makes data.mdb the checkpoint's store exactly,
 * and replays the records. A record is flushed before its transaction becomes visible, so
 * no reader ever sees a change that a power loss could take back.
 *
 * Layout of data.wal (native byte order, as data.mdb's):
 *   [0, WAL_SLOT)            header slot 0: struct wal_head, then both meta pages
 *   [WAL_SLOT, 2*WAL_SLOT)   header slot 1; the valid slot of the higher generation counts
 *   [2*WAL_SLOT, ...)        records: struct wal_rec, then its operations
 * A record belongs to the header of its generation and to the transaction after the one
 * before it; the first that does not (torn, stale, zeros) ends the log. An operation is
 * a type byte, the database's place in the store's table (env.c), the key's and the
 * value's length (4 bytes each) and the bytes.
 *
 * Several processes write one store (registryd and registryd token ...), one at a time
 * under LMDB's write lock. Each checkpoints when the transaction it begins does not follow
 * its own last one, so the log in force is always that of the last writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"
#include "wal.h"

#define WAL_MAGIC     0x4c415752u /* "RWAL" */
#define WAL_REC_MAGIC 0x43455257u /* "WREC" */
#define WAL_VERSION   1u
#define WAL_SLOT      ((off_t)16 << 10) /* a header and two meta pages of up to 8 KiB... */
#define WAL_PAGE_MAX  ((uint32_t)7 << 10) /* ...with room for the header */
#define WAL_RECORDS   (2 * WAL_SLOT)
/* A checkpoint is taken when a batch begins and the log holds this much, or is this old. */
#define WAL_CHECKPOINT_BYTES ((off_t)8 << 20)
#define WAL_CHECKPOINT_NS    1000000000ull
/* A transaction whose operations take more than this is not logged: it is committed and
 * flushed as LMDB does it, then checkpointed (a bulk apply). */
#define WAL_RECORD_MAX ((size_t)16 << 20)
/* The file is written with zeros ahead of the records in steps of this, so that a record's
 * flush seldom has to write the file's size too. */
#define WAL_ZERO_STEP ((off_t)1 << 20)

enum { OP_PUT = 1, OP_DEL_KEY = 2, OP_DEL_VALUE = 3 };

struct wal_head {
	uint32_t magic, version;
	uint32_t page_size; /* LMDB's; both meta pages follow the header */
	uint32_t tables;    /* store_db_table_hash(): which database a place names */
	uint64_t generation;
	uint64_t base_txnid; /* the checkpoint's transaction */
	uint32_t crc, pad;   /* crc: of the header (crc 0) and the meta pages */
};

struct wal_rec {
	uint32_t magic, len; /* len: bytes of operations after the header */
	uint64_t generation, txnid;
	uint32_t crc, pad; /* crc: of the header (crc 0) and the operations */
};

struct wal {
	int fd;
	bool sync;           /* flush (false only for tests and benchmarks: no_sync) */
	bool exclusive;      /* the lock was exclusive at open (recovery was possible) */
	bool broken;         /* a failed write left the log unknown: refuse commits */
	bool want_checkpoint; /* at the next batch (wal_free_pinned) */
	uint64_t generation; /* of the header in force */
	uint64_t last_txnid; /* this process's last commit or checkpoint; 0: none yet */
	off_t end;           /* where the next record goes */
	off_t zeroed;        /* the file is written up to here */
	uint64_t checkpoint_ns;
	MDB_txn *pin; /* the read transaction on the checkpoint's snapshot */
	/* the batch's operations */
	unsigned char *ops;
	size_t len, cap;
	bool overflow; /* past WAL_RECORD_MAX: the batch is not logged */
	/* a put with MDB_RESERVE: its value is copied at the next write */
	void *reserved;
	size_t reserved_at, reserved_len;
	/* recovery: what wal_open found for wal_replay */
	uint64_t replay_base;
	off_t replay_at;
	size_t replay_left;
	struct wal_stats stats;
};

/* --- small helpers -------------------------------------------------------------------- */

/* CRC-32C (Castagnoli), bitwise per byte with a table. */
static uint32_t crc32c(uint32_t crc, const void *data, size_t n)
{
	static uint32_t table[256];
	static bool ready;
	const unsigned char *p = data;

	if (!ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
			table[i] = c;
		}
		ready = true;
	}
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int pread_all(int fd, void *buf, size_t n, off_t at)
{
	char *p = buf;

	while (n > 0) {
		ssize_t got = pread(fd, p, n, at);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got == 0 ? EIO : errno;
		p += got;
		n -= (size_t)got;
		at += got;
	}
	return 0;
}

static int pwrite_all(int fd, const void *buf, size_t n, off_t at)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t put = pwrite(fd, p, n, at);
		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			return put == 0 ? EIO : errno;
		p += put;
		n -= (size_t)put;
		at += put;
	}
	return 0;
}

static int flush(const struct wal *w, int fd)
{
	if (!w->sync)
		return 0;
	return fdatasync(fd) == 0 ? 0 : errno;
}

/* The transaction id of an LMDB meta page (LMDB 0.9's MDB_meta after a 16-byte page
 * header: magic, version, address, map size, two MDB_db of 48 bytes, last page, txnid);
 * 0 when the page is not a meta page of that layout. */
static uint64_t meta_txnid(const unsigned char *page)
{
	uint32_t magic, version;
	uint64_t txnid;

	memcpy(&magic, page + 16, 4);
	memcpy(&version, page + 20, 4);
	if (magic != 0xBEEFC0DEu || version != 1)
		return 0;
	memcpy(&txnid, page + 144, 8);
	return txnid;
}

/* --- the header ----------------------------------------------------------------------- */

static uint32_t head_crc(const struct wal_head *h, const unsigned char *metas)
{
	struct wal_head c = *h;

	c.crc = 0;
	return crc32c(crc32c(0, &c, sizeof c), metas, 2 * (size_t)h->page_size);
}

/*
 * Reads the header in force: the valid slot of the higher generation, with its meta
 * pages in metas (2 * WAL_PAGE_MAX bytes). Returns true if there is one.
 */
static bool head_read(int fd, struct wal_head *out, unsigned char *metas)
{
	static const size_t slot = (size_t)WAL_SLOT;
	unsigned char *buf = malloc(slot);
	bool found = false;

	if (buf == NULL)
		return false;
	for (int i = 0; i < 2; i++) {
		struct wal_head h;
		if (pread_all(fd, buf, slot, (off_t)i * WAL_SLOT) != 0)
			continue;
		memcpy(&h, buf, sizeof h);
		if (h.magic != WAL_MAGIC || h.version != WAL_VERSION || h.page_size == 0 ||
		    h.page_size > WAL_PAGE_MAX || head_crc(&h, buf + sizeof h) != h.crc)
			continue;
		if (found && h.generation <= out->generation)
			continue;
		*out = h;
		memcpy(metas, buf + sizeof h, 2 * (size_t)h.page_size);
		found = true;
	}
	free(buf);
	return found;
}

/* --- records -------------------------------------------------------------------------- */

/*
 * Reads the record at *at if it is the one after txnid in generation gen: its operations
 * in *ops (malloc'd) and *len; moves *at past it. Returns false at the log's end.
 */
static bool rec_read(int fd, off_t *at, uint64_t gen, uint64_t txnid, unsigned char **ops,
                     size_t *len)
{
	struct wal_rec r, c;
	unsigned char *buf;

	if (pread_all(fd, &r, sizeof r, *at) != 0)
		return false;
	if (r.magic != WAL_REC_MAGIC || r.generation != gen || r.txnid != txnid + 1 ||
	    r.len > WAL_RECORD_MAX)
		return false;
	buf = malloc(r.len ? r.len : 1);
	if (buf == NULL || pread_all(fd, buf, r.len, *at + (off_t)sizeof r) != 0) {
		free(buf);
		return false;
	}
	c = r;
	c.crc = 0;
	if (crc32c(crc32c(0, &c, sizeof c), buf, r.len) != r.crc) {
		free(buf);
		return false;
	}
	*at += (off_t)sizeof r + (off_t)r.len;
	*ops = buf;
	*len = r.len;
	return true;
}

/* Writes zeros ahead of the records so that the file is written up to at least to. */
static int zero_ahead(struct wal *w, off_t to)
{
	static char zeros[64 << 10];
	off_t want;

	if (to <= w->zeroed)
		return 0;
	want = (to + WAL_ZERO_STEP - 1) / WAL_ZERO_STEP * WAL_ZERO_STEP;
	while (w->zeroed < want) {
		size_t n = want - w->zeroed < (off_t)sizeof zeros ? (size_t)(want - w->zeroed)
		                                                  : sizeof zeros;
		int rc = pwrite_all(w->fd, zeros, n, w->zeroed);
		if (rc != 0)
			return rc;
		w->zeroed += (off_t)n;
	}
	return 0;
}

/* --- checkpoints ---------------------------------------------------------------------- */

/*
 * Makes the store's last commit (the one before txn, a live write transaction: LMDB's
 * write lock is held) the checkpoint: flushes data.mdb, pins the snapshot, writes the
 * header of the next generation with a copy of both meta pages and flushes it.
 */
static int checkpoint(struct wal *w, MDB_env *env, MDB_txn *txn)
{
	uint64_t base = mdb_txn_id(txn) - 1;
	unsigned char *buf = NULL;
	struct wal_head h, old;
	MDB_txn *pin = NULL;
	MDB_stat ms;
	int dfd, rc;

	if ((rc = mdb_env_stat(env, &ms)) != 0 || (rc = mdb_env_get_fd(env, &dfd)) != 0)
		return rc;
	if (ms.ms_psize > WAL_PAGE_MAX)
		return MDB_INCOMPATIBLE;
	if (w->sync && (rc = mdb_env_sync(env, 1)) != 0)
		return rc;
	buf = calloc(1, (size_t)WAL_SLOT);
	if (buf == NULL)
		return ENOMEM;
	memset(&h, 0, sizeof h);
	h.magic = WAL_MAGIC;
	h.version = WAL_VERSION;
	h.page_size = ms.ms_psize;
	h.tables = store_db_table_hash();
	h.base_txnid = base;
	/* Another process may have written a header since this one's last. */
	h.generation = w->generation + 1;
	if (head_read(w->fd, &old, buf + sizeof h) && old.generation >= h.generation)
		h.generation = old.generation + 1;
	rc = pread_all(dfd, buf + sizeof h, 2 * (size_t)ms.ms_psize, 0);
	if (rc == 0) {
		uint64_t t0 = meta_txnid(buf + sizeof h);
		uint64_t t1 = meta_txnid(buf + sizeof h + ms.ms_psize);
		/* The copy must be of the checkpoint's store: its newer meta page is base's. */
		if ((t0 > t1 ? t0 : t1) != base)
			rc = MDB_CORRUPTED;
	}
	if (rc == 0)
		rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &pin);
	if (rc == 0 && mdb_txn_id(pin) != base)
		rc = MDB_BAD_TXN;
	if (rc == 0) {
		h.crc = head_crc(&h, buf + sizeof h);
		memcpy(buf, &h, sizeof h);
		rc = pwrite_all(w->fd, buf, (size_t)WAL_SLOT, (off_t)(h.generation % 2) * WAL_SLOT);
	}
	if (rc == 0)
		rc = flush(w, w->fd);
	free(buf);
	if (rc != 0) {
		if (pin != NULL)
			mdb_txn_abort(pin);
		return rc;
	}
	if (w->pin != NULL)
		mdb_txn_abort(w->pin);
	w->pin = pin;
	w->generation = h.generation;
	w->last_txnid = base;
	w->end = WAL_RECORDS;
	w->checkpoint_ns = now_ns();
	w->want_checkpoint = false;
	w->stats.checkpoints++;
	return 0;
}

/* A checkpoint of the last commit outside any batch (open, close, after an unlogged one). */
static int checkpoint_now(struct wal *w, MDB_env *env)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(env, NULL, 0, &txn);

	if (rc != 0)
		return rc;
	rc = checkpoint(w, env, txn);
	mdb_txn_abort(txn);
	return rc;
}

/* --- open, recovery, close ------------------------------------------------------------- */

static int open_file(const char *dir, bool read_only, int *fd, struct store_error *err)
{
	char path[PATH_MAX];
	struct stat sb;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, WAL_FILE) >= sizeof path)
		return store_fail(err, RG_EINVAL, NULL, "path too long");
	*fd = open(path, (read_only ? O_RDONLY : O_RDWR | O_CREAT) | O_NOFOLLOW | O_CLOEXEC,
	           0640);
	if (*fd < 0) {
		if (errno == ENOENT && read_only)
			return RG_OK;
		if (errno == ELOOP)
			return store_fail(err, RG_EINVAL, NULL,
			                  "'%s' is a symbolic link (store files must be regular files)",
			                  path);
		return store_fail(err, RG_EIO, NULL, "cannot open '%s' (%s)", path, strerror(errno));
	}
	if (fstat(*fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(*fd);
		*fd = -1;
		return store_fail(err, RG_EINVAL, NULL, "'%s' is not a regular file", path);
	}
	return RG_OK;
}

/*
 * With the lock exclusive: finds the records the log holds beyond its checkpoint. If there
 * are any, the last writer crashed while logging, and data.mdb is brought back to the
 * checkpoint for wal_replay (read-write) or said to need recovery (read only). Without
 * records data.mdb is as its last commit left it: every commit that is not logged is
 * LMDB's own synced commit.
 */
static int find_recovery(struct wal *w, const char *dir, bool read_only, struct store_error *err)
{
	unsigned char *saved = malloc(2 * (size_t)WAL_PAGE_MAX);
	unsigned char *disk = malloc(2 * (size_t)WAL_PAGE_MAX);
	char path[PATH_MAX];
	struct wal_head h;
	int dfd = -1, rc = RG_OK;

	if (saved == NULL || disk == NULL) {
		rc = store_fail(err, RG_ENOMEM, NULL, "out of memory");
		goto out;
	}
	if (!head_read(w->fd, &h, saved))
		goto out; /* a new log, or one no checkpoint was written to: nothing to recover */
	w->generation = h.generation;
	w->replay_base = h.base_txnid;
	w->replay_at = WAL_RECORDS;
	for (off_t at = WAL_RECORDS;;) {
		unsigned char *ops;
		size_t len;
		if (!rec_read(w->fd, &at, h.generation, h.base_txnid + w->replay_left, &ops, &len))
			break;
		free(ops);
		w->replay_left++;
	}
	if (w->replay_left == 0)
		goto out;
	if (h.tables != store_db_table_hash()) {
		rc = store_fail(err, RG_ESCHEMA, NULL,
		                "the commit log %s was written by another version of stdreg", WAL_FILE);
		goto out;
	}
	if (read_only) {
		rc = store_fail(err, RG_ESCHEMA, NULL,
		                "store was not closed cleanly: its last writes are in its commit "
		                "log until registryd starts on it (or it is opened read-write)");
		goto out;
	}
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	dfd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		rc = store_fail(err, RG_ECORRUPT, NULL, "the commit log has writes but data.mdb (%s)",
		                strerror(errno));
		goto out;
	}
	if (pread_all(dfd, disk, 2 * (size_t)h.page_size, 0) != 0 ||
	    (meta_txnid(disk) < h.base_txnid && meta_txnid(disk + h.page_size) < h.base_txnid)) {
		/* Older than the checkpoint: not the file the log was written for. */
		rc = store_fail(err, RG_ECORRUPT, NULL,
		                "data.mdb is older than its commit log's checkpoint (was it "
		                "replaced? 'registryd restore' puts a backup in place)");
		goto out;
	}
	if (pwrite_all(dfd, saved, 2 * (size_t)h.page_size, 0) != 0 ||
	    (w->sync && fdatasync(dfd) != 0)) {
		rc = store_fail(err, RG_EIO, NULL, "cannot write data.mdb (%s)", strerror(errno));
		goto out;
	}
out:
	if (dfd >= 0)
		close(dfd);
	free(saved);
	free(disk);
	return rc;
}

int wal_open(const char *dir, bool read_only, bool sync, struct wal **out,
             struct store_error *err)
{
	struct wal *w;
	struct stat sb;
	int fd = -1, rc;

	*out = NULL;
	rc = open_file(dir, read_only, &fd, err);
	if (rc != RG_OK || fd < 0)
		return rc;
	w = calloc(1, sizeof *w);
	if (w == NULL) {
		close(fd);
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	}
	w->fd = fd;
	w->sync = sync;
	/* Exclusive: no other process has the store open, so nobody is writing the log and a
	 * crash may have left it ahead of data.mdb. Shared: a live writer keeps it. */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		w->exclusive = true;
		rc = find_recovery(w, dir, read_only, err);
	} else if (flock(fd, LOCK_SH) != 0) {
		rc = store_fail(err, RG_EIO, NULL, "cannot lock %s (%s)", WAL_FILE, strerror(errno));
	}
	if (rc == RG_OK && read_only && w->exclusive && flock(fd, LOCK_SH) != 0)
		rc = store_fail(err, RG_EIO, NULL, "cannot lock %s (%s)", WAL_FILE, strerror(errno));
	/* Zeros go after the header slots, never over them. */
	w->zeroed = WAL_RECORDS;
	if (rc == RG_OK && fstat(fd, &sb) == 0 && sb.st_size > w->zeroed)
		w->zeroed = sb.st_size;
	if (rc != RG_OK) {
		close(fd);
		free(w);
		return rc;
	}
	*out = w;
	return RG_OK;
}

/* Applies one record's operations in txn. */
static int apply_ops(MDB_txn *txn, const MDB_dbi *dbis, const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;

	while (p < end) {
		uint32_t klen, vlen;
		unsigned type, db;
		MDB_val k, v;
		int rc;

		if (end - p < 10)
			return MDB_CORRUPTED;
		type = p[0];
		db = p[1];
		memcpy(&klen, p + 2, 4);
		memcpy(&vlen, p + 6, 4);
		p += 10;
		if (db >= STORE_DB_COUNT || (size_t)(end - p) < (size_t)klen + vlen)
			return MDB_CORRUPTED;
		k.mv_size = klen;
		k.mv_data = (void *)p;
		v.mv_size = vlen;
		v.mv_data = (void *)(p + klen);
		p += (size_t)klen + vlen;
		switch (type) {
		case OP_PUT:
			rc = mdb_put(txn, dbis[db], &k, &v, 0);
			break;
		case OP_DEL_KEY:
			rc = mdb_del(txn, dbis[db], &k, NULL);
			break;
		case OP_DEL_VALUE:
			rc = mdb_del(txn, dbis[db], &k, &v);
			break;
		default:
			return MDB_CORRUPTED;
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

int wal_replay(struct wal *w, MDB_env *env, bool *map_full, struct store_error *err)
{
	MDB_dbi dbis[STORE_DB_COUNT];
	bool have_dbis = false;

	*map_full = false;
	if (w->replay_left == 0)
		return RG_OK;
	/* One flush at the end, not two per record: a crash before it replays them again. */
	if (w->sync)
		mdb_env_set_flags(env, MDB_NOSYNC, 1);
	while (w->replay_left > 0) {
		unsigned char *ops;
		size_t len;
		off_t at = w->replay_at;
		MDB_txn *txn;
		uint64_t txnid;
		int rc = mdb_txn_begin(env, NULL, 0, &txn);

		if (rc != 0)
			return store_fail(err, RG_EIO, NULL, "cannot replay the commit log (%s)",
			                  mdb_strerror(rc));
		txnid = mdb_txn_id(txn);
		if (txnid - 1 != w->replay_base) {
			mdb_txn_abort(txn);
			return store_fail(err, RG_ECORRUPT, NULL,
			                  "the commit log continues transaction %llu, data.mdb is at "
			                  "%llu",
			                  (unsigned long long)w->replay_base,
			                  (unsigned long long)(txnid - 1));
		}
		if (!rec_read(w->fd, &at, w->generation, w->replay_base, &ops, &len)) {
			mdb_txn_abort(txn);
			return store_fail(err, RG_EIO, NULL, "cannot read the commit log again");
		}
		if (!have_dbis)
			rc = store_db_open_all(txn, dbis);
		if (rc == 0)
			rc = apply_ops(txn, dbis, ops, len);
		free(ops);
		if (rc == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
		/* Handles opened in a transaction that did not commit are gone with it. */
		have_dbis = rc == 0;
		if (rc == MDB_MAP_FULL) {
			*map_full = true;
			return RG_ENOSPC;
		}
		if (rc != 0)
			return store_fail(err, RG_ECORRUPT, NULL,
			                  "cannot replay the commit log's transaction %llu (%s)",
			                  (unsigned long long)txnid, mdb_strerror(rc));
		w->replay_at = at;
		w->replay_base = txnid;
		w->replay_left--;
		w->stats.replayed++;
	}
	if (w->sync) {
		int rc = mdb_env_sync(env, 1);
		mdb_env_set_flags(env, MDB_NOSYNC, 0);
		if (rc != 0)
			return store_fail(err, RG_EIO, NULL, "cannot flush data.mdb (%s)",
			                  mdb_strerror(rc));
	}
	return RG_OK;
}

int wal_start(struct wal *w, MDB_env *env)
{
	int rc = checkpoint_now(w, env);

	/* From now on the log makes commits durable. */
	if (rc == 0 && w->sync)
		rc = mdb_env_set_flags(env, MDB_NOSYNC, 1);
	/* Other processes may open the store now: they find a clean log. */
	if (rc == 0 && w->exclusive && flock(w->fd, LOCK_SH) != 0)
		rc = errno;
	return rc;
}

void wal_close(struct wal *w, MDB_env *env)
{
	if (w == NULL)
		return;
	if (!w->broken && w->pin != NULL)
		(void)checkpoint_now(w, env); /* a failure only means a replay at the next open */
	if (w->pin != NULL)
		mdb_txn_abort(w->pin);
	close(w->fd); /* releases the lock */
	free(w->ops);
	free(w);
}

/* --- the batch ------------------------------------------------------------------------ */

int wal_batch_begin(struct wal *w, MDB_env *env, MDB_txn *txn)
{
	w->len = 0;
	w->overflow = false;
	w->reserved = NULL;
	if (w->broken)
		return EIO;
	if (!w->want_checkpoint && mdb_txn_id(txn) - 1 == w->last_txnid &&
	    w->end - WAL_RECORDS < WAL_CHECKPOINT_BYTES &&
	    (w->end == WAL_RECORDS || now_ns() - w->checkpoint_ns < WAL_CHECKPOINT_NS))
		return 0;
	return checkpoint(w, env, txn);
}

/* Room for n more bytes of operations, or the batch overflows (is not logged). */
static unsigned char *ops_room(struct wal *w, size_t n)
{
	if (w->overflow)
		return NULL;
	if (w->len + n > WAL_RECORD_MAX) {
		w->overflow = true;
		free(w->ops);
		w->ops = NULL;
		w->len = w->cap = 0;
		w->reserved = NULL;
		return NULL;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		unsigned char *p;
		while (cap < w->len + n)
			cap *= 2;
		p = realloc(w->ops, cap);
		if (p == NULL) { /* not logged, as a batch too large */
			w->len = WAL_RECORD_MAX;
			return ops_room(w, WAL_RECORD_MAX);
		}
		w->ops = p;
		w->cap = cap;
	}
	return w->ops + w->len;
}

static void note(struct wal *w, unsigned type, unsigned db, const MDB_val *k, const MDB_val *v,
                 bool reserved)
{
	uint32_t klen = (uint32_t)k->mv_size, vlen = v ? (uint32_t)v->mv_size : 0;
	unsigned char *p;

	wal_settle(w);
	p = ops_room(w, 10 + (size_t)klen + vlen);
	if (p == NULL)
		return;
	p[0] = (unsigned char)type;
	p[1] = (unsigned char)db;
	memcpy(p + 2, &klen, 4);
	memcpy(p + 6, &vlen, 4);
	memcpy(p + 10, k->mv_data, klen);
	if (reserved) {
		w->reserved = v->mv_data;
		w->reserved_at = w->len + 10 + klen;
		w->reserved_len = vlen;
	} else if (vlen > 0) {
		memcpy(p + 10 + klen, v->mv_data, vlen);
	}
	w->len += 10 + (size_t)klen + vlen;
}

void wal_note_put(struct wal *w, unsigned db, const MDB_val *k, const MDB_val *v, bool reserved)
{
	note(w, OP_PUT, db, k, v, reserved);
}

void wal_note_del(struct wal *w, unsigned db, const MDB_val *k, const MDB_val *v)
{
	note(w, v != NULL ? OP_DEL_VALUE : OP_DEL_KEY, db, k, v, false);
}

void wal_settle(struct wal *w)
{
	if (w->reserved == NULL)
		return;
	if (!w->overflow)
		memcpy(w->ops + w->reserved_at, w->reserved, w->reserved_len);
	w->reserved = NULL;
}

size_t wal_mark(struct wal *w)
{
	wal_settle(w);
	return w->len;
}

void wal_rewind(struct wal *w, size_t mark)
{
	w->reserved = NULL;
	if (!w->overflow && mark <= w->len)
		w->len = mark;
}

/*
 * A commit without a record (too large for the log, or one that wrote nothing): LMDB's own
 * synced commit, then a checkpoint, so that the log in force follows it. A record-less
 * commit is never left to the log's recovery.
 */
static int commit_unlogged(struct wal *w, MDB_env *env, MDB_txn *txn)
{
	uint64_t txnid = mdb_txn_id(txn);
	MDB_envinfo info;
	int rc;

	if (w->sync)
		mdb_env_set_flags(env, MDB_NOSYNC, 0);
	rc = mdb_txn_commit(txn);
	if (w->sync)
		mdb_env_set_flags(env, MDB_NOSYNC, 1);
	if (rc != 0)
		return rc; /* nothing committed */
	/* LMDB commits a transaction that wrote nothing without taking its id. */
	if (mdb_env_info(env, &info) != 0 || info.me_last_txnid == txnid) {
		rc = checkpoint_now(w, env);
		if (rc != 0)
			w->broken = true; /* committed, but the log in force does not follow it */
	}
	return rc;
}

/* Writes the batch's record at w->end (not flushed). On a failure nothing of it counts. */
static int write_record(struct wal *w, MDB_txn *txn)
{
	struct wal_rec r = { .magic = WAL_REC_MAGIC };
	int rc;

	r.len = (uint32_t)w->len;
	r.generation = w->generation;
	r.txnid = mdb_txn_id(txn);
	r.crc = crc32c(crc32c(0, &r, sizeof r), w->ops, w->len);
	rc = pwrite_all(w->fd, &r, sizeof r, w->end);
	if (rc == 0)
		rc = pwrite_all(w->fd, w->ops, w->len, w->end + (off_t)sizeof r);
	return rc;
}

int wal_commit(struct wal *w, MDB_env *env, MDB_txn *txn)
{
	static const struct wal_rec none;
	off_t size = (off_t)sizeof(struct wal_rec) + (off_t)w->len;
	uint64_t txnid = mdb_txn_id(txn);
	int rc;

	wal_settle(w);
	if (w->broken) {
		mdb_txn_abort(txn);
		return EIO;
	}
	if (w->overflow || w->len == 0)
		return commit_unlogged(w, env, txn);
	rc = zero_ahead(w, w->end + size);
	/* No room to grow the log (a full disk): start it afresh in the room it has. */
	if (rc != 0 && w->end > WAL_RECORDS && checkpoint(w, env, txn) == 0)
		rc = zero_ahead(w, w->end + size);
	/* Records are written over zeros written before, so that they need no new blocks. */
	if (rc == 0 && (rc = write_record(w, txn)) != 0 &&
	    (pwrite_all(w->fd, &none, sizeof none, w->end) != 0 || flush(w, w->fd) != 0))
		w->broken = true; /* a record in part, maybe whole: a restart finds out */
	if (rc == 0 && (rc = flush(w, w->fd)) != 0)
		w->broken = true; /* the record may be on disk or not: nothing is promised */
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = mdb_txn_commit(txn);
	if (rc != 0) {
		/* Not committed, but logged: the record must not be replayed. */
		if (pwrite_all(w->fd, &none, sizeof none, w->end) != 0 || flush(w, w->fd) != 0)
			w->broken = true;
		return rc;
	}
	w->end += size;
	w->last_txnid = txnid;
	w->len = 0;
	w->stats.records++;
	return 0;
}

bool wal_free_pinned(struct wal *w)
{
	if (w->end == WAL_RECORDS && !w->want_checkpoint)
		return false; /* nothing written since the checkpoint: its pin holds no old page */
	w->want_checkpoint = true;
	return true;
}

void wal_get_stats(const struct wal *w, struct wal_stats *out)
{
	if (w == NULL)
		memset(out, 0, sizeof *out);
	else
		*out = w->stats;
}
