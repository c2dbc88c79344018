/*
 * wal.c - the commit log: a commit flushes once.
 *
 * LMDB's synced commit flushes twice: the data pages, then the meta page that makes them
 * live, because the meta page must never reach the disk before the pages it points to.
 * The store instead commits with MDB_NOSYNC and makes each commit durable by one flush of
 * DIR/data.wal, written before LMDB's commit: the list of puts and deletes the
 * transaction made (a record). Now and then a checkpoint flushes data.mdb once, and the
 * log's records before it are no longer needed.
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
 * Checkpoints run beside the writer: when one is due, the writer pins the last commit's
 * snapshot and copies its meta pages (microseconds), and a thread of the log flushes data.mdb
 * and writes the header while commits go on; the writer only waits when the log has no room
 * left that the header in force does not still need.
 *
 * Layout of data.wal (native byte order, as data.mdb's):
 *   [0, WAL_SLOT)            header slot 0: struct wal_head, then both meta pages
 *   [WAL_SLOT, 2*WAL_SLOT)   header slot 1; the valid slot of the higher generation counts
 *   [2*WAL_SLOT, WAL_SIZE)   records, a ring: struct wal_rec, then its operations
 * The header names the checkpoint's transaction and where the record of the next one is;
 * each record is that of the transaction after the one before it. A record that is not
 * the one expected (torn, stale, zeros, past the end) is looked for at the ring's start
 * once; then the log ends. A checkpoint that empties the log draws a new epoch, which
 * its records carry: no record of an earlier log (before a restore that reset LMDB's
 * transaction ids, say) is ever the one expected. An operation is a type byte, the
 * database's place in the store's table (env.c), the key's and the value's length (4 bytes
 * each) and the bytes.
 *
 * Several processes write one store (registryd and registryd token ...), one at a time
 * under LMDB's write lock. Each checkpoints before it writes when the transaction it begins
 * does not follow its own last one or the header is not its own, so the log in force is
 * always that of the last writer. Header writes take a lock on the header slots, and a
 * header never replaces one of a later checkpoint.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"
#include "wal.h"

#define WAL_MAGIC     0x4c415752u /* "RWAL" */
#define WAL_REC_MAGIC 0x43455257u /* "WREC" */
#define WAL_VERSION   1u
#define WAL_SLOT      ((off_t)16 << 10)   /* a header and both meta pages, of up to... */
#define WAL_PAGE_MAX  ((uint32_t)7 << 10) /* ...with room for the header */
#define WAL_RECORDS   (2 * WAL_SLOT)
#define WAL_SIZE      ((off_t)64 << 20) /* the file: header slots and the ring of records */
/* A checkpoint begins when a batch begins and the log grew this much since the last, or
 * that is this old. */
#define WAL_CHECKPOINT_BYTES ((off_t)8 << 20)
#define WAL_CHECKPOINT_NS    200000000ull
/* A transaction whose operations take more than this is not logged: it is committed and
 * flushed as LMDB does it, then checkpointed (a bulk apply). */
#define WAL_RECORD_MAX ((size_t)16 << 20)
/* How often the checkpoint thread starts the write-back of data.mdb between checkpoints. */
#define WAL_WRITEBACK_NS 20000000L
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
	uint64_t records_at; /* where the record of base_txnid + 1 is */
	uint64_t epoch;      /* drawn at each checkpoint that empties the log; records carry it */
	uint32_t crc, pad;   /* crc: of the header (crc 0) and the meta pages */
};

struct wal_rec {
	uint32_t magic, len; /* len: bytes of operations after the header */
	uint64_t epoch, txnid;
	uint32_t crc, pad; /* crc: of the header (crc 0) and the operations */
};

/* A checkpoint on its way: made by the writer, written by the log's thread (or inline). */
struct checkpoint {
	uint64_t epoch;   /* of the log it belongs to */
	bool fresh;       /* it empties the log (a new epoch): written over any in force */
	uint64_t base;    /* the pinned snapshot's transaction */
	off_t records_at; /* where its next transaction's record goes */
	MDB_txn *pin;
	uint32_t page_size;
	unsigned char metas[2 * WAL_PAGE_MAX];
};

struct wal {
	int fd;
	bool sync;      /* flush (false only for tests and benchmarks: no_sync) */
	bool exclusive; /* the lock was exclusive at open (recovery was possible) */
	/* A failed write or flush left the log or data.mdb unknown: commits are refused until a
	 * restart recovers (set by the writer or the checkpoint thread: atomic). */
	atomic_bool broken;
	bool want_checkpoint; /* at the next batch (wal_free_pinned) */
	bool started;         /* wal_start succeeded: the store may write */
	uint64_t last_txnid;  /* this process's last commit or checkpoint; 0: none yet */
	off_t end;            /* where the next record goes */
	off_t lap_end;        /* where the ring's last lap ended, when end has wrapped */
	off_t zeroed;         /* the file is written up to here */
	off_t started_at;     /* records_at of the last checkpoint begun */
	uint64_t epoch;       /* of this process's log since its last checkpoint that emptied it */
	uint64_t started_ns;
	int data_fd;                  /* LMDB's data.mdb */
	off_t size;                   /* of the file: the ring ends here */
	void (*adopt_map)(void *arg); /* takes a map another process grew (wal_opts) */
	void *adopt_arg;
	size_t record_max;
	uint64_t fail_record, replay_stop; /* wal_opts */
	off_t checkpoint_bytes;
	uint64_t checkpoint_ns;
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
	/* Shared with the checkpoint thread, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool thread_on, stopping;
	bool busy; /* job is being written */
	struct checkpoint job;
	uint64_t generation; /* of the last header this process wrote */
	off_t tail;          /* the first record the header in force needs */
	MDB_txn *pin;        /* the snapshot of the header in force */
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

/* A record's flush; the one a test asked to fail fails as a failing disk's would. */
static int flush_record(const struct wal *w)
{
	if (w->fail_record != 0 && w->stats.records + 1 == w->fail_record)
		return EIO;
	return flush(w, w->fd);
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

/* A number no earlier log of this store had: random, else the clock's. */
static uint64_t new_epoch(void)
{
	uint64_t e = 0;

	if (getrandom(&e, sizeof e, 0) != (ssize_t)sizeof e || e == 0)
		e = now_ns() ^ ((uint64_t)getpid() << 32);
	return e;
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

/* Reads the record at at if it is that of transaction txnid: its operations in *ops
 * (malloc'd) and *len; *next is where the one after it begins. */
static bool rec_read_at(int fd, off_t at, uint64_t epoch, uint64_t txnid, unsigned char **ops,
                        size_t *len, off_t *next)
{
	struct wal_rec r, c;
	unsigned char *buf;

	if (pread_all(fd, &r, sizeof r, at) != 0)
		return false;
	if (r.magic != WAL_REC_MAGIC || r.epoch != epoch || r.txnid != txnid ||
	    r.len > WAL_RECORD_MAX)
		return false;
	buf = malloc(r.len ? r.len : 1);
	if (buf == NULL || pread_all(fd, buf, r.len, at + (off_t)sizeof r) != 0) {
		free(buf);
		return false;
	}
	c = r;
	c.crc = 0;
	if (crc32c(crc32c(0, &c, sizeof c), buf, r.len) != r.crc) {
		free(buf);
		return false;
	}
	*next = at + (off_t)sizeof r + (off_t)r.len;
	*ops = buf;
	*len = r.len;
	return true;
}

/* The record of transaction txnid at *at, or at the ring's start (the ring wrapped); moves
 * *at past it. False at the log's end. */
static bool rec_read(int fd, off_t *at, uint64_t epoch, uint64_t txnid, unsigned char **ops,
                     size_t *len)
{
	return rec_read_at(fd, *at, epoch, txnid, ops, len, at) ||
	       (*at != WAL_RECORDS && rec_read_at(fd, WAL_RECORDS, epoch, txnid, ops, len, at));
}

/* Writes zeros ahead of the records so that the file is written up to at least to. */
static int zero_ahead(struct wal *w, off_t to)
{
	off_t want;

	if (to <= w->zeroed)
		return 0;
	want = (to + WAL_ZERO_STEP - 1) / WAL_ZERO_STEP * WAL_ZERO_STEP;
	if (want > w->size)
		want = w->size;
	if (store_write_zeros(w->fd, w->zeroed, want) != 0)
		return errno;
	w->zeroed = want;
	return 0;
}

/* --- checkpoints ---------------------------------------------------------------------- */

/*
 * Begins a checkpoint of the store's last commit, the one before txn (a live write
 * transaction: LMDB's write lock is held): pins its snapshot and copies its meta pages.
 * records_at: where the record of the next transaction goes.
 */
static int checkpoint_begin(struct wal *w, MDB_env *env, MDB_txn *txn, off_t records_at, bool fresh,
                            struct checkpoint *c)
{
	uint64_t base = mdb_txn_id(txn) - 1;
	MDB_stat ms;
	int rc;

	if ((rc = mdb_env_stat(env, &ms)) != 0)
		return rc;
	if (ms.ms_psize > WAL_PAGE_MAX)
		return MDB_INCOMPATIBLE;
	c->base = base;
	c->fresh = fresh;
	c->epoch = fresh ? new_epoch() : w->epoch;
	c->records_at = records_at;
	c->page_size = ms.ms_psize;
	c->pin = NULL;
	rc = pread_all(w->data_fd, c->metas, 2 * (size_t)ms.ms_psize, 0);
	if (rc == 0) {
		uint64_t t0 = meta_txnid(c->metas), t1 = meta_txnid(c->metas + ms.ms_psize);
		/* The copy must be of the checkpoint's store: its newer meta page is base's. */
		if ((t0 > t1 ? t0 : t1) != base)
			rc = MDB_CORRUPTED;
	}
	if (rc == 0)
		rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &c->pin);
	if (rc == 0 && mdb_txn_id(c->pin) != base)
		rc = MDB_BAD_TXN;
	if (rc != 0 && c->pin != NULL) {
		mdb_txn_abort(c->pin);
		c->pin = NULL;
	}
	return rc;
}

/* Takes (F_WRLCK) or drops (F_UNLCK) the lock on the header slots, between processes. */
static int lock_head(int fd, short type)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = WAL_RECORDS
	};

	while (fcntl(fd, F_OFD_SETLKW, &fl) != 0)
		if (errno != EINTR)
			return errno;
	return 0;
}

/*
 * Writes checkpoint c: flushes data.mdb (its snapshot is then on disk whole), then the
 * header of the next generation, flushed. *gen is its generation, or 0 when a header of a
 * later checkpoint (another process's) is in force and c is dropped.
 */
static int checkpoint_write(struct wal *w, const struct checkpoint *c, uint64_t *gen)
{
	unsigned char *buf = calloc(1, (size_t)WAL_SLOT);
	struct wal_head h = { .magic = WAL_MAGIC, .version = WAL_VERSION }, old;
	int rc;

	*gen = 0;
	if (buf == NULL)
		return ENOMEM;
	/* Linux may drop the pages of a failed flush and report the next one clean: after a
	 * failure nothing in data.mdb is known to be on disk, so nothing more is promised. */
	if (w->sync && fdatasync(w->data_fd) != 0) {
		rc = errno;
		w->broken = true;
		free(buf);
		return rc;
	}
	if ((rc = lock_head(w->fd, F_WRLCK)) != 0) {
		free(buf);
		return rc;
	}
	h.page_size = c->page_size;
	h.tables = store_db_table_hash();
	h.base_txnid = c->base;
	h.records_at = (uint64_t)c->records_at;
	h.epoch = c->epoch;
	h.generation = 1;
	if (head_read(w->fd, &old, buf + sizeof h)) {
		/* Another process emptied the log, or checkpointed later, while this checkpoint
		 * was being written (only a fresh one is written under LMDB's write lock). */
		if (!c->fresh && (old.epoch != c->epoch || old.base_txnid > c->base))
			goto out;
		h.generation = old.generation + 1;
	}
	memcpy(buf + sizeof h, c->metas, 2 * (size_t)c->page_size);
	h.crc = head_crc(&h, buf + sizeof h);
	memcpy(buf, &h, sizeof h);
	rc = pwrite_all(w->fd, buf, (size_t)WAL_SLOT, (off_t)(h.generation % 2) * WAL_SLOT);
	if (rc == 0)
		rc = flush(w, w->fd);
	if (rc == 0)
		*gen = h.generation;
out:
	lock_head(w->fd, F_UNLCK);
	free(buf);
	return rc;
}

/* Makes written checkpoint c the one in force (lock held); returns the pin it replaces. */
static MDB_txn *checkpoint_adopt(struct wal *w, const struct checkpoint *c, uint64_t gen)
{
	MDB_txn *old = w->pin;

	if (gen == 0)
		return c->pin; /* dropped: its pin goes */
	w->pin = c->pin;
	w->generation = gen;
	w->tail = c->records_at;
	w->stats.checkpoints++;
	return old;
}

/* Waits until no checkpoint is being written by the thread. */
static void wait_idle(struct wal *w)
{
	if (!w->thread_on)
		return;
	pthread_mutex_lock(&w->lock);
	while (w->busy)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/*
 * A checkpoint written before the writer goes on, after the one being written: the log
 * starts afresh (every record in it is then in data.mdb).
 */
static int checkpoint_sync(struct wal *w, MDB_env *env, MDB_txn *txn)
{
	struct checkpoint *c = malloc(sizeof *c);
	MDB_txn *old = NULL;
	uint64_t gen;
	int rc;

	if (c == NULL)
		return ENOMEM;
	wait_idle(w);
	rc = checkpoint_begin(w, env, txn, WAL_RECORDS, true, c);
	if (rc == 0)
		rc = checkpoint_write(w, c, &gen);
	if (rc == 0) {
		w->epoch = c->epoch;
		pthread_mutex_lock(&w->lock);
		old = checkpoint_adopt(w, c, gen);
		pthread_mutex_unlock(&w->lock);
		w->last_txnid = c->base;
		w->end = WAL_RECORDS;
		w->lap_end = 0;
		w->started_at = WAL_RECORDS;
		w->started_ns = now_ns();
		w->want_checkpoint = false;
	} else if (c->pin != NULL) {
		old = c->pin;
	}
	if (old != NULL)
		mdb_txn_abort(old);
	free(c);
	return rc;
}

/* A synchronous checkpoint of the last commit outside any batch (open, close, after a
 * commit that is not logged). */
static int checkpoint_now(struct wal *w, MDB_env *env)
{
	MDB_txn *txn;
	int rc;

	/* Another process may have grown the map since this one's last transaction. */
	while ((rc = mdb_txn_begin(env, NULL, 0, &txn)) == MDB_MAP_RESIZED && w->adopt_map != NULL)
		w->adopt_map(w->adopt_arg);
	if (rc != 0)
		return rc;
	rc = checkpoint_sync(w, env, txn);
	mdb_txn_abort(txn);
	return rc;
}

/* The checkpoint thread: writes the checkpoints the writer begins, one at a time. */
static void *checkpoint_main(void *arg)
{
	struct wal *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		MDB_txn *old;
		uint64_t gen;
		int rc;

		/* Between checkpoints the write-back of data.mdb is started every few
		 * milliseconds, without waiting for it: a checkpoint's flush then finds little
		 * left, and the log's flushes do not queue behind a burst (PostgreSQL spreads its
		 * checkpoints' writes for the same reason). */
		while (!w->busy && !w->stopping) {
			struct timespec until;
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_nsec += (long)WAL_WRITEBACK_NS;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			if (pthread_cond_timedwait(&w->cond, &w->lock, &until) == ETIMEDOUT &&
			    !w->busy && !w->stopping) {
				pthread_mutex_unlock(&w->lock);
				(void)sync_file_range(w->data_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
				pthread_mutex_lock(&w->lock);
			}
		}
		if (!w->busy)
			break;
		pthread_mutex_unlock(&w->lock);
		rc = checkpoint_write(w, &w->job, &gen);
		pthread_mutex_lock(&w->lock);
		/* A failed one leaves the one before in force; the next is begun later. */
		old = checkpoint_adopt(w, &w->job, rc == 0 ? gen : 0);
		w->busy = false;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		if (old != NULL)
			mdb_txn_abort(
			        old); /* MDB_NOTLS: a read transaction may end on any thread */
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* Hands a checkpoint of the last commit to the thread (which must be idle). */
static int checkpoint_async(struct wal *w, MDB_env *env, MDB_txn *txn)
{
	int rc = checkpoint_begin(w, env, txn, w->end, false, &w->job);

	if (rc != 0)
		return rc;
	w->started_at = w->end;
	w->started_ns = now_ns();
	pthread_mutex_lock(&w->lock);
	w->busy = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

/* --- open, recovery, close ------------------------------------------------------------- */

static int open_file(const char *dir, bool read_only, int *fd, struct store_error *err)
{
	char path[PATH_MAX];
	struct stat sb;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, WAL_FILE) >= sizeof path)
		return store_fail(err, RG_EINVAL, NULL, "path too long");
	*fd = open(path, (read_only ? O_RDONLY : O_RDWR | O_CREAT) | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (*fd < 0) {
		if (errno == ENOENT && read_only)
			return RG_OK;
		if (errno == ELOOP)
			return store_fail(
			        err, RG_EINVAL, NULL,
			        "'%s' is a symbolic link (store files must be regular files)",
			        path);
		return store_fail(err, RG_EIO, NULL, "cannot open '%s' (%s)", path,
		                  strerror(errno));
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
	w->replay_base = h.base_txnid;
	w->replay_at = (off_t)h.records_at;
	w->epoch = h.epoch;
	for (off_t at = w->replay_at;;) {
		unsigned char *ops;
		size_t len;
		if (!rec_read(w->fd, &at, h.epoch, h.base_txnid + w->replay_left + 1, &ops, &len))
			break;
		free(ops);
		w->replay_left++;
	}
	if (w->replay_left == 0)
		goto out;
	if (h.tables != store_db_table_hash()) {
		rc = store_fail(err, RG_ESCHEMA, NULL,
		                "the commit log %s was written by another version of stdreg",
		                WAL_FILE);
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
		rc = store_fail(err, RG_ECORRUPT, NULL,
		                "the commit log has writes but data.mdb (%s)", strerror(errno));
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

int wal_open(const char *dir, bool read_only, const struct wal_opts *o, struct wal **out,
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
	w->sync = o->sync;
	w->adopt_map = o->adopt_map;
	w->adopt_arg = o->adopt_arg;
	w->size = o->size ? (off_t)o->size : WAL_SIZE;
	if (w->size < WAL_RECORDS + ((off_t)64 << 10))
		w->size = WAL_RECORDS + ((off_t)64 << 10);
	/* A record takes at most a quarter of the ring; a larger batch is not logged. */
	w->record_max = (size_t)(w->size - WAL_RECORDS) / 4;
	if (w->record_max > WAL_RECORD_MAX)
		w->record_max = WAL_RECORD_MAX;
	w->checkpoint_bytes =
	        o->checkpoint_bytes ? (off_t)o->checkpoint_bytes : WAL_CHECKPOINT_BYTES;
	w->checkpoint_ns = o->checkpoint_ms ? o->checkpoint_ms * 1000000ull : WAL_CHECKPOINT_NS;
	w->fail_record = o->fail_record;
	w->replay_stop = o->replay_stop;
	pthread_mutex_init(&w->lock, NULL);
	/* Monotonic: the checkpoint thread's write-back waits are timed. */
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &attr);
	pthread_condattr_destroy(&attr);
	/* Exclusive: no other process has the store open, so nobody is writing the log and a
	 * crash may have left it ahead of data.mdb. Shared: a live writer keeps it. */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		w->exclusive = true;
		rc = find_recovery(w, dir, read_only, err);
	} else if (flock(fd, LOCK_SH) != 0) {
		rc = store_fail(err, RG_EIO, NULL, "cannot lock %s (%s)", WAL_FILE,
		                strerror(errno));
	}
	if (rc == RG_OK && read_only && w->exclusive && flock(fd, LOCK_SH) != 0)
		rc = store_fail(err, RG_EIO, NULL, "cannot lock %s (%s)", WAL_FILE,
		                strerror(errno));
	/* Zeros go after the header slots, never over them. */
	w->zeroed = WAL_RECORDS;
	if (rc == RG_OK && fstat(fd, &sb) == 0 && sb.st_size > w->zeroed)
		w->zeroed = sb.st_size;
	if (rc != RG_OK) {
		close(fd);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
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
	/* The replay's commits must not reuse the checkpoint's pages either: a crash before the
	 * next header is written goes back to the checkpoint again. wal_start's checkpoint
	 * releases this pin. */
	if (w->pin == NULL) {
		int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &w->pin);
		if (rc == 0 && mdb_txn_id(w->pin) != w->replay_base)
			rc = MDB_BAD_TXN;
		if (rc != 0)
			return store_fail(err, RG_ECORRUPT, NULL,
			                  "cannot hold the commit log's checkpoint (%s)",
			                  mdb_strerror(rc));
	}
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
			return store_fail(
			        err, RG_ECORRUPT, NULL,
			        "the commit log continues transaction %llu, data.mdb is at "
			        "%llu",
			        (unsigned long long)w->replay_base,
			        (unsigned long long)(txnid - 1));
		}
		if (!rec_read(w->fd, &at, w->epoch, txnid, &ops, &len)) {
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
		if (w->stats.replayed == w->replay_stop)
			return store_fail(err, RG_EIO, NULL, "replay stopped after %llu records",
			                  (unsigned long long)w->replay_stop);
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
	int rc = mdb_env_get_fd(env, &w->data_fd);

	/* A checkpoint now: of what recovery replayed or the open migrated, so that no later
	 * recovery goes back behind it, and the log this process writes to. */
	if (rc == 0)
		rc = checkpoint_now(w, env);
	if (rc == 0)
		w->started = true;
	/* From now on the log makes commits durable. */
	if (rc == 0 && w->sync)
		rc = mdb_env_set_flags(env, MDB_NOSYNC, 1);
	/* Other processes may open the store now. */
	if (rc == 0 && w->exclusive && flock(w->fd, LOCK_SH) != 0)
		rc = errno;
	/* Without a thread (no_sync, or none could start) checkpoints are written inline. */
	if (rc == 0 && w->sync && pthread_create(&w->thread, NULL, checkpoint_main, w) == 0) {
		pthread_setname_np(w->thread, "stdreg:checkpoint");
		w->thread_on = true;
	}
	return rc;
}

void wal_close(struct wal *w, MDB_env *env)
{
	if (w == NULL)
		return;
	if (w->thread_on) {
		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL); /* after the checkpoint it was writing, if any */
		w->thread_on = false;
	}
	/* A store that could write is left checkpointed: nothing to replay next time. */
	if (w->started && !w->broken)
		(void)checkpoint_now(w, env); /* a failure only means a replay at the next open */
	if (w->pin != NULL)
		mdb_txn_abort(w->pin);
	w->pin = NULL;
}

void wal_free(struct wal *w)
{
	if (w == NULL)
		return;
	close(w->fd); /* releases the locks: after LMDB closed, so that no recovery runs early */
	free(w->ops);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

/* --- the batch ------------------------------------------------------------------------ */

/* The generation and epoch of the header in force on disk (crc not checked: a mismatch
 * only costs a checkpoint). */
static void head_in_force(int fd, uint64_t *gen, uint64_t *epoch)
{
	*gen = *epoch = 0;
	for (int i = 0; i < 2; i++) {
		struct wal_head h;
		if (pread_all(fd, &h, sizeof h, (off_t)i * WAL_SLOT) == 0 && h.magic == WAL_MAGIC &&
		    h.generation > *gen) {
			*gen = h.generation;
			*epoch = h.epoch;
		}
	}
}

/* Bytes of records written since the last checkpoint began. */
static off_t log_since_checkpoint(const struct wal *w)
{
	if (w->end >= w->started_at)
		return w->end - w->started_at;
	return (w->lap_end - w->started_at) + (w->end - WAL_RECORDS);
}

int wal_batch_begin(struct wal *w, MDB_env *env, MDB_txn *txn)
{
	uint64_t gen, disk_gen, disk_epoch;
	off_t since;
	bool busy;

	w->len = 0;
	w->overflow = false;
	w->reserved = NULL;
	if (w->broken)
		return EIO;
	pthread_mutex_lock(&w->lock);
	busy = w->busy;
	gen = w->generation;
	pthread_mutex_unlock(&w->lock);
	/* Another process wrote or checkpointed since this one's last commit: its log is not
	 * the one in force. Other processes write headers of a new epoch only under LMDB's
	 * write lock, which this batch holds; this process's thread may be writing one of the
	 * same epoch, so the generation is compared only when it is idle. */
	head_in_force(w->fd, &disk_gen, &disk_epoch);
	if (w->want_checkpoint || mdb_txn_id(txn) - 1 != w->last_txnid || disk_epoch != w->epoch ||
	    (!busy && disk_gen != gen))
		return checkpoint_sync(w, env, txn);
	since = log_since_checkpoint(w);
	if (busy || since == 0 ||
	    (since < w->checkpoint_bytes && now_ns() - w->started_ns < w->checkpoint_ns))
		return 0;
	return w->thread_on ? checkpoint_async(w, env, txn) : checkpoint_sync(w, env, txn);
}

/* Room for n more bytes of operations, or the batch overflows (is not logged). */
static unsigned char *ops_room(struct wal *w, size_t n)
{
	if (w->overflow)
		return NULL;
	if (w->len + n > w->record_max) {
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
			w->len = w->record_max;
			return ops_room(w, w->record_max);
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

/*
 * Whether a record of size bytes at at would overwrite one the header in force still needs:
 * those from the tail to the end, across the ring's start when the end has wrapped. A record
 * may not end right at the tail, where a full ring would look empty.
 */
static bool needed(struct wal *w, off_t at, off_t size)
{
	off_t tail;

	pthread_mutex_lock(&w->lock);
	tail = w->tail;
	pthread_mutex_unlock(&w->lock);
	if (tail == w->end)
		return false; /* every record is in data.mdb */
	if (tail < w->end)
		return at < w->end && at + size >= tail;
	return at != w->end || at + size >= tail;
}

/*
 * Where the batch's record of size bytes goes: after the last, or at the ring's start when
 * the ring (or the room the disk gives it) ends. When that would overwrite a record still
 * needed, the writer waits for the checkpoint being written, or writes one itself, which
 * empties the log.
 */
static int place_record(struct wal *w, MDB_env *env, MDB_txn *txn, off_t size, off_t *out)
{
	off_t at = w->end;
	int rc;

	if (at + size > w->size || zero_ahead(w, at + size) != 0) {
		at = WAL_RECORDS;
		if ((rc = zero_ahead(w, at + size)) != 0)
			return rc;
	}
	while (needed(w, at, size)) {
		bool busy;
		pthread_mutex_lock(&w->lock);
		busy = w->busy;
		pthread_mutex_unlock(&w->lock);
		if (busy) {
			wait_idle(w);
			continue;
		}
		if ((rc = checkpoint_sync(w, env, txn)) != 0)
			return rc;
		at = WAL_RECORDS;
	}
	*out = at;
	return 0;
}

/* Writes the batch's record at at (not flushed). */
static int write_record(struct wal *w, MDB_txn *txn, off_t at)
{
	struct wal_rec r = { .magic = WAL_REC_MAGIC };
	int rc;

	r.len = (uint32_t)w->len;
	r.epoch = w->epoch;
	r.txnid = mdb_txn_id(txn);
	r.crc = crc32c(crc32c(0, &r, sizeof r), w->ops, w->len);
	rc = pwrite_all(w->fd, &r, sizeof r, at);
	if (rc == 0)
		rc = pwrite_all(w->fd, w->ops, w->len, at + (off_t)sizeof r);
	return rc;
}

int wal_commit(struct wal *w, MDB_env *env, MDB_txn *txn)
{
	static const struct wal_rec none;
	off_t size = (off_t)sizeof(struct wal_rec) + (off_t)w->len, at;
	uint64_t txnid = mdb_txn_id(txn);
	int rc;

	wal_settle(w);
	if (w->broken) {
		mdb_txn_abort(txn);
		return EIO;
	}
	if (w->overflow || w->len == 0)
		return commit_unlogged(w, env, txn);
	rc = place_record(w, env, txn, size, &at);
	/* Over zeros written before: a record needs no new blocks, so it cannot find the disk
	 * full half-way. */
	if (rc == 0 && (rc = write_record(w, txn, at)) != 0 &&
	    (pwrite_all(w->fd, &none, sizeof none, at) != 0 || flush(w, w->fd) != 0))
		w->broken = true; /* a record in part, maybe whole: a restart finds out */
	if (rc == 0 && (rc = flush_record(w)) != 0)
		w->broken = true; /* the record may be on disk or not: nothing is promised */
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = mdb_txn_commit(txn);
	if (rc != 0) {
		/* Not committed, but logged: the record must not be replayed. */
		if (pwrite_all(w->fd, &none, sizeof none, at) != 0 || flush(w, w->fd) != 0)
			w->broken = true;
		return rc;
	}
	if (at != w->end) {
		w->lap_end = w->end;
		w->stats.wraps++;
	}
	w->end = at + size;
	w->last_txnid = txnid;
	w->len = 0;
	w->stats.records++;
	return 0;
}

bool wal_free_pinned(struct wal *w)
{
	bool empty;

	pthread_mutex_lock(&w->lock);
	empty = w->tail == w->end && !w->busy;
	pthread_mutex_unlock(&w->lock);
	if (empty && !w->want_checkpoint)
		return false; /* nothing written since the checkpoint: its pin holds no old page */
	w->want_checkpoint = true;
	return true;
}

void wal_get_stats(struct wal *w, struct wal_stats *out)
{
	memset(out, 0, sizeof *out);
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	*out = w->stats;
	pthread_mutex_unlock(&w->lock);
	out->failed = w->broken;
}

void wal_wait_checkpoint(struct wal *w)
{
	wait_idle(w);
}
