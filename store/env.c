/*
 * env.c - the store's main file: the LMDB environment, its databases, the key layout and
 * the transaction rules (the transactions themselves are in txn.c).
 *
 * Key layout (all in one LMDB environment, opened once with MDB_NOTLS):
 *
 *   meta        "schema_version" -> uint32 (big endian); "revision" -> uint64 (big endian)
 *               only in a store migrated from schema 3 whose key was ahead of its changelog
 *               (a floor the revision never goes below; see store_revision_in)
 *   area, body, agency, item, assignment, goal, follow_up
 *               id -> packed record (stdreg.v1.Area ...; meta included)
 *   refs        (DUPSORT) tag(target kind) + target id -> tag(source kind) + source id
 *               one entry per reference a record holds (a work item's body and areas,
 *               an assignment's area and agency, a parent, a mirror, a goal's area and
 *               owner, a follow-up's goal). It is the index for "items by area / by
 *               body", "assignments by area / by agency", "goals by area / by owner",
 *               "follow-ups by goal", and
 *               the deletion guard: a record with entries under its key is referenced.
 *               Also 'o' + org number -> 'g' + agency id: one agency per number (orgindex.c).
 *   history     (DUPSORT, DUPFIXED) tag + id -> changelog key, oldest first: the history
 *               index, for every delete and every change of a revision with more than one
 *               change (a single put adds none); a record's history is the chain of its
 *               changes through their before-images (history.c). Stores before schema 4
 *               hold an entry for every change, which reads the same.
 *   changelog   revision (8, BE) + seq (4, BE) -> packed stdreg.v1.Change
 *   report      (DUPSORT) work items by status and target date, by area, and the changelog
 *               keys of their stage changes: what store_report counts (report_index.h)
 *   principals  name -> packed stdreg.v1.Principal (who may call, with which role)
 *   tokens      SHA-256 of a token (32 bytes) -> principal name; the token itself is never
 *               stored, so a copy of the store gives nobody a way in
 *
 * Tags: 'a' area, 'b' body, 'g' agency, 'i' item, 's' assignment, 'l' goal, 'f' follow-up
 * (kind_info.tag in kinds.c),
 * 'o' organisation number (orgindex.c).
 *
 * Transaction rules:
 *   - Readers use read-only transactions, reset and renewed, never kept across requests,
 *     and hold resize_lock shared while live.
 *   - One writer at a time (write_lock). The writer opens a batch (parent transaction) and
 *     runs each request in a child transaction: a failed request aborts its child only.
 *   - A child that changes anything takes the next revision and writes at least one
 *     changelog entry under it, so the revision is the changelog's last key: nothing else is
 *     written for it (no meta page per commit), and a batch commit publishes records,
 *     indexes, changelog and revision at once.
 *   - MDB_MAP_FULL aborts the batch; the map grows (resize_lock exclusive) and the batch is
 *     run again from the start.
 *   - A write transaction keeps its first failed write (store_txn.ret): every later write
 *     in it is a no-op returning that failure, and so is its commit (txn_put, txn_del).
 *     A light child (writer.c) writes in its batch's LMDB transaction, so its failure is
 *     the batch's too. A refusal (a bad record) writes nothing and fails nothing.
 *   - A value read in a write transaction (LMDB's pointer) is invalid after the next write
 *     in it: copy what must outlive a write (change_load).
 *   - The steps of every record change (check, compose, write) are in change.c.
 *
 * Schema versions: meta "schema_version" is stamped on a new store with
 * STORE_SCHEMA_VERSION. A store of a newer schema is refused (RG_ESCHEMA). A store of an
 * older one is brought up to date at open by the steps of migrations[] below, in order,
 * in the same transaction that opens the databases, so a migration is all done or not at
 * all; the version key is written last. To change the layout: raise STORE_SCHEMA_VERSION,
 * add { from, step } for the old version, and check a store made by the old version into
 * tests/store/data/ with a test that opens it (docs/hardening.md).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report_index.h"
#include "store_int.h"
#include "wal.h"

#define DEFAULT_MAP_SIZE     ((size_t)256 << 20)
#define DEFAULT_MAX_MAP_SIZE ((size_t)1 << 40)

static const char *const dbi_names[STORE_KIND_MAX + 1] = {
	[STORE_AREA] = "area",
	[STORE_BODY] = "body",
	[STORE_AGENCY] = "agency",
	[STORE_ITEM] = "item",
	[STORE_ASSIGNMENT] = "assignment",
	[STORE_GOAL] = "goal",
	[STORE_FOLLOW_UP] = "follow_up",
};

/* Every database, in the order the commit log names them by (wal.c): append, never reorder. */
static const struct {
	const char *name;
	unsigned flags;
} db_table[STORE_DB_COUNT] = {
	{ "meta", 0 },           { "area", 0 },
	{ "body", 0 },           { "agency", 0 },
	{ "item", 0 },           { "assignment", 0 },
	{ "goal", 0 },           { "follow_up", 0 },
	{ "refs", MDB_DUPSORT }, { "history", MDB_DUPSORT | MDB_DUPFIXED },
	{ "changelog", 0 },      { "report", MDB_DUPSORT },
	{ "principals", 0 },     { "tokens", 0 },
};

int store_db_open_all(MDB_txn *txn, MDB_dbi out[STORE_DB_COUNT])
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < STORE_DB_COUNT; i++)
		rc = mdb_dbi_open(txn, db_table[i].name, db_table[i].flags, &out[i]);
	return rc;
}

uint32_t store_db_table_hash(void)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < STORE_DB_COUNT; i++) {
		for (const char *p = db_table[i].name; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
		h = (h ^ db_table[i].flags) * 16777619u;
	}
	return h;
}

/* Where each open database is in the table, by its handle (txn.c notes writes with it). */
static int note_db_places(store *st)
{
	const MDB_dbi dbis[STORE_DB_COUNT] = {
		st->meta,
		st->records[STORE_AREA],
		st->records[STORE_BODY],
		st->records[STORE_AGENCY],
		st->records[STORE_ITEM],
		st->records[STORE_ASSIGNMENT],
		st->records[STORE_GOAL],
		st->records[STORE_FOLLOW_UP],
		st->refs,
		st->history,
		st->changelog,
		st->report,
		st->principals,
		st->tokens,
	};

	for (size_t i = 0; i < STORE_DB_COUNT; i++) {
		if (dbis[i] >= STORE_DBI_MAX)
			return RG_EINTERNAL;
		st->db_place[dbis[i]] = (unsigned char)i;
	}
	return RG_OK;
}

void store_format_time(time_t t, char out[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

uint64_t store_revision_in(MDB_txn *txn, MDB_dbi meta, MDB_dbi changelog)
{
	MDB_val k = { 8, "revision" }, v;
	MDB_cursor *c;
	uint64_t rev = 0, floor = 0;

	if (mdb_cursor_open(txn, changelog, &c) == 0) {
		if (mdb_cursor_get(c, &k, &v, MDB_LAST) == 0 && k.mv_size >= 8)
			rev = get_be64(k.mv_data);
		mdb_cursor_close(c);
	}
	k.mv_size = 8;
	k.mv_data = "revision";
	if (mdb_get(txn, meta, &k, &v) == 0 && v.mv_size == 8)
		floor = get_be64(v.mv_data);
	return rev > floor ? rev : floor;
}

/* Called with no live transaction in this process: adopt a map grown by another process. */
void store_adopt_map(store *st)
{
	pthread_rwlock_wrlock(&st->resize_lock);
	mdb_env_set_mapsize(st->env, 0);
	MDB_envinfo info;
	if (mdb_env_info(st->env, &info) == 0)
		st->map_size = info.me_mapsize;
	pthread_rwlock_unlock(&st->resize_lock);
}

static void adopt_map(void *arg)
{
	store_adopt_map(arg);
}

/*
 * One step of a migration: brings a store of schema version `from` to version from + 1,
 * inside txn (every database is open). Returns an LMDB code.
 */
struct migration {
	uint32_t from;
	int (*step)(store *st, MDB_txn *txn);
};

/* Schema 3 adds the goal and follow_up databases; open_databases creates them. */
static int goal_dbs_created(store *st, MDB_txn *txn)
{
	(void)st;
	(void)txn;
	return 0;
}

/*
 * Schema 5 derives the revision from the changelog's last key. Schema 4 and before wrote
 * meta "revision" with every commit; it goes when the changelog says the same or more. A key
 * ahead of its changelog (a store that lost its last changes) stays, as a floor: the
 * revision must never go back to one that clients have seen (store_check reports it).
 */
static int revision_from_changelog(store *st, MDB_txn *txn)
{
	MDB_val k = { 8, "revision" }, v;
	MDB_cursor *c;
	uint64_t kept = 0, last = 0;
	int rc = mdb_get(txn, st->meta, &k, &v);

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (v.mv_size == 8)
		kept = get_be64(v.mv_data);
	rc = mdb_cursor_open(txn, st->changelog, &c);
	if (rc != 0)
		return rc;
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size >= 8)
		last = get_be64(k.mv_data);
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	if (kept > last)
		return 0;
	k.mv_size = 8;
	k.mv_data = "revision";
	return mdb_del(txn, st->meta, &k, NULL);
}

static const struct migration migrations[] = {
	{ 1, org_index_build },         /* orgindex.c */
	{ 2, goal_dbs_created },        /* the goal and follow_up databases, made by open */
	{ 3, report_index_build },      /* report_index.c */
	{ 4, revision_from_changelog }, /* no meta "revision" per commit */
	{ 0, NULL },                    /* end */
};

/* Runs the steps from version found up to STORE_SCHEMA_VERSION and stamps the version. */
static int migrate(store *st, MDB_txn *txn, uint32_t found, struct store_error *err)
{
	MDB_val k = { 14, "schema_version" }, v;
	uint8_t ver[4];
	uint32_t at = found;
	int rc;

	while (at < STORE_SCHEMA_VERSION) {
		const struct migration *m = migrations;
		while (m->step != NULL && m->from != at)
			m++;
		if (m->step == NULL)
			return store_fail(err, RG_ESCHEMA, NULL,
			                  "store has schema version %u and this stdreg has no "
			                  "migration from it",
			                  at);
		rc = m->step(st, txn);
		if (rc != 0)
			return store_mdb_err(NULL, rc, err);
		at++;
	}
	for (int i = 0; i < 4; i++)
		ver[i] = (uint8_t)(STORE_SCHEMA_VERSION >> (24 - 8 * i));
	v.mv_size = 4;
	v.mv_data = ver;
	rc = mdb_put(txn, st->meta, &k, &v, 0);
	return rc == 0 ? RG_OK : store_mdb_err(NULL, rc, err);
}

static int open_databases(store *st, bool read_only, struct store_error *err)
{
	MDB_txn *txn;
	uint8_t ver[4];
	MDB_val k = { 14, "schema_version" }, v;
	unsigned create = read_only ? 0 : MDB_CREATE;
	int rc;

	rc = mdb_txn_begin(st->env, NULL, read_only ? MDB_RDONLY : 0, &txn);
	if (rc != 0)
		return store_mdb_err(NULL, rc, err);
	rc = mdb_dbi_open(txn, "meta", create, &st->meta);
	for (int k2 = 1; rc == 0 && k2 <= STORE_KIND_MAX; k2++)
		rc = mdb_dbi_open(txn, dbi_names[k2], create, &st->records[k2]);
	/* Schema 2 had no goals: read only, such a store needs its migration first. */
	if (read_only && rc == MDB_NOTFOUND && mdb_dbi_open(txn, "area", 0, &st->records[1]) == 0) {
		mdb_txn_abort(txn);
		return store_fail(err, RG_ESCHEMA, NULL,
		                  "store has an older schema and needs a migration (open it "
		                  "read-write)");
	}
	if (rc == 0)
		rc = mdb_dbi_open(txn, "refs", create | MDB_DUPSORT, &st->refs);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "history", create | MDB_DUPSORT | MDB_DUPFIXED,
		                  &st->history);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "changelog", create, &st->changelog);
	if (rc == 0) {
		rc = mdb_dbi_open(txn, "report", create | MDB_DUPSORT, &st->report);
		/* Schema 3 had no report index: read only, it needs its migration first. */
		if (read_only && rc == MDB_NOTFOUND) {
			mdb_txn_abort(txn);
			return store_fail(err, RG_ESCHEMA, NULL,
			                  "store has an older schema and needs a migration (open "
			                  "it read-write)");
		}
	}
	if (rc == 0)
		rc = mdb_dbi_open(txn, "principals", create, &st->principals);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "tokens", create, &st->tokens);
	if (read_only && (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE)) {
		mdb_txn_abort(txn);
		return store_fail(err, RG_ECORRUPT, NULL,
		                  "not a stdreg store (its databases are missing or different)");
	}
	if (rc != 0)
		goto fail;

	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == MDB_NOTFOUND && read_only) {
		mdb_txn_abort(txn);
		return store_fail(err, RG_ECORRUPT, NULL, "not a stdreg store (no schema version)");
	}
	if (rc == MDB_NOTFOUND) {
		/* A new store: stamp the schema it is written in. */
		ver[0] = ver[1] = ver[2] = 0;
		ver[3] = STORE_SCHEMA_VERSION;
		v.mv_size = 4;
		v.mv_data = ver;
		rc = mdb_put(txn, st->meta, &k, &v, 0);
	} else if (rc == 0) {
		const uint8_t *p = v.mv_data;
		uint32_t found =
		        v.mv_size == 4 ? (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3] : 0;
		if (found == 0) {
			mdb_txn_abort(txn);
			return store_fail(err, RG_ECORRUPT, NULL,
			                  "schema version key is malformed");
		}
		if (found > STORE_SCHEMA_VERSION) {
			mdb_txn_abort(txn);
			return store_fail(err, RG_ESCHEMA, NULL,
			                  "store has schema version %u, this stdreg knows up to %u "
			                  "(upgrade stdreg)",
			                  found, STORE_SCHEMA_VERSION);
		}
		if (found < STORE_SCHEMA_VERSION) {
			int code = read_only ? store_fail(err, RG_ESCHEMA, NULL,
			                                  "store has schema version %u and needs a "
			                                  "migration (open it read-write)",
			                                  found)
			                     : migrate(st, txn, found, err);
			if (code != RG_OK) {
				mdb_txn_abort(txn);
				return code;
			}
		}
	}
	if (rc != 0)
		goto fail;
	atomic_store(&st->revision, store_revision_in(txn, st->meta, st->changelog));
	rc = mdb_txn_commit(txn);
	if (rc != 0)
		return store_mdb_err(NULL, rc, err);
	return RG_OK;
fail:
	mdb_txn_abort(txn);
	return store_mdb_err(NULL, rc, err);
}

/*
 * LMDB opens DIR/data.mdb and DIR/lock.mdb itself, following links. A store file that is
 * a symbolic link (or anything but a regular file) is refused before it does, so that an
 * admin command run as root never writes through a link planted in a directory another
 * user owns. What does not exist yet LMDB creates itself (O_CREAT in a directory it owns).
 */
static int check_store_file(const char *dir, const char *name, struct store_error *err)
{
	char path[PATH_MAX];
	struct stat sb;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return store_fail(err, RG_EINVAL, NULL, "path too long");
	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? RG_OK
		                       : store_fail(err, RG_EIO, NULL, "cannot inspect '%s' (%s)",
		                                    path, strerror(errno));
	if (S_ISLNK(sb.st_mode))
		return store_fail(err, RG_EINVAL, NULL,
		                  "'%s' is a symbolic link (store files must be regular files)",
		                  path);
	if (!S_ISREG(sb.st_mode))
		return store_fail(err, RG_EINVAL, NULL, "'%s' is not a regular file", path);
	return RG_OK;
}

/* The directory the store lives in must exist and be a directory (LMDB makes no
 * directory); ENOENT has its own code so that callers can say what to run. */
static int check_dir(const char *dir, struct store_error *err)
{
	struct stat sb;

	if (stat(dir, &sb) != 0)
		return store_fail(err, errno == ENOENT ? RG_ENOENT : RG_EIO, NULL, "%s",
		                  errno == ENOENT ? "no such directory" : strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return store_fail(err, RG_EINVAL, NULL, "not a directory");
	return RG_OK;
}

/* A single store file (a backup) must be a regular file, not a link. */
static int check_file(const char *path, struct store_error *err)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return store_fail(err, errno == ENOENT ? RG_ENOENT : RG_EIO, NULL, "%s",
		                  strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return store_fail(err, RG_EINVAL, NULL, "%s",
		                  S_ISLNK(sb.st_mode) ? "a symbolic link, not a regular file"
		                                      : "not a regular file");
	return RG_OK;
}

/*
 * Applies what the commit log holds beyond data.mdb after a crash (wal_open found it),
 * growing the map when the replay needs more room.
 */
static int replay_log(store *st, struct store_error *err)
{
	bool map_full;
	int rc;

	while ((rc = wal_replay(st->wal, st->env, &map_full, err)) != RG_OK && map_full &&
	       st->map_size < st->max_map_size) {
		size_t grown =
		        st->map_size * 2 < st->max_map_size ? st->map_size * 2 : st->max_map_size;
		if (mdb_env_set_mapsize(st->env, grown) != 0)
			break;
		st->map_size = grown;
	}
	if (rc != RG_OK && map_full)
		return store_fail(
		        err, RG_ENOSPC, NULL,
		        "the commit log's writes do not fit in the quota (raise --quota)");
	return rc;
}

int store_open(store **out, const char *dir, const struct store_opts *opts, struct store_error *err)
{
	struct store_opts def = { 0 };
	pthread_rwlockattr_t attr;
	store *st;
	unsigned flags = MDB_NOTLS | MDB_NORDAHEAD;
	int rc;

	if (opts == NULL)
		opts = &def;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	st->map_size = opts->map_size ? opts->map_size : DEFAULT_MAP_SIZE;
	st->max_map_size = opts->max_map_size ? opts->max_map_size : DEFAULT_MAX_MAP_SIZE;
	if (st->map_size > st->max_map_size)
		st->map_size = st->max_map_size;
	/* Otherwise the commit log (wal.c) sets MDB_NOSYNC once it makes commits durable. */
	if (opts->no_sync)
		flags |= MDB_NOSYNC;
	if (opts->read_only)
		flags |= MDB_RDONLY;

	pthread_rwlockattr_init(&attr);
	/* Writers must not starve behind a steady stream of readers. */
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&st->resize_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&st->write_lock, NULL);

	rc = mdb_env_create(&st->env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(st->env, 16);
	if (rc == 0)
		rc = mdb_env_set_maxreaders(st->env, 4096);
	if (rc == 0)
		rc = mdb_env_set_mapsize(st->env, st->map_size);
	if (rc != 0) {
		rc = store_fail(err, RG_EIO, NULL, "%s", mdb_strerror(rc));
		goto fail;
	}
	if (opts->single_file && opts->read_only) {
		// A backup file: no directory, no lock file (nobody else writes it).
		rc = check_file(dir, err);
		flags |= MDB_NOSUBDIR | MDB_NOLOCK;
	} else {
		rc = check_dir(dir, err);
		if (rc == RG_OK)
			rc = check_store_file(dir, "data.mdb", err);
		if (rc == RG_OK)
			rc = check_store_file(dir, "lock.mdb", err);
	}
	if (rc == RG_OK && !opts->single_file)
		rc = check_store_file(dir, WAL_FILE, err);
	if (rc == RG_OK && !opts->single_file)
		rc = wal_open(dir, opts->read_only,
		              &(struct wal_opts){ .sync = !opts->no_sync,
		                                  .size = opts->log_bytes,
		                                  .checkpoint_bytes = opts->log_checkpoint_bytes,
		                                  .checkpoint_ms = opts->log_checkpoint_ms,
		                                  .fail_record = opts->log_fail_record,
		                                  .replay_stop = opts->log_replay_stop,
		                                  .adopt_map = adopt_map,
		                                  .adopt_arg = st },
		              &st->wal, err);
	if (rc != RG_OK)
		goto fail;
	rc = mdb_env_open(st->env, dir, flags, 0640);
	if (rc != 0) {
		// The caller names the directory; the message is the cause alone.
		rc = store_fail(
		        err, rc == MDB_VERSION_MISMATCH || rc == MDB_INVALID ? RG_ECORRUPT : RG_EIO,
		        NULL, "%s", mdb_strerror(rc));
		goto fail;
	}
	/* Another process may have grown the map beyond what we asked for. */
	MDB_envinfo info;
	if (mdb_env_info(st->env, &info) == 0 && info.me_mapsize > st->map_size)
		st->map_size = info.me_mapsize;
	/* Clear readers left behind by processes that died. */
	int dead;
	mdb_reader_check(st->env, &dead);

	if (!opts->read_only) {
		rc = replay_log(st, err);
		if (rc != RG_OK)
			goto fail;
	}
	rc = open_databases(st, opts->read_only, err);
	/* A migration that filled the map ran in one aborted transaction: grow and run it
	 * again, up to the largest map allowed. */
	while (rc == RG_ENOSPC && !opts->read_only && st->map_size < st->max_map_size) {
		size_t grown =
		        st->map_size * 2 < st->max_map_size ? st->map_size * 2 : st->max_map_size;
		if (mdb_env_set_mapsize(st->env, grown) != 0)
			break;
		st->map_size = grown;
		rc = open_databases(st, opts->read_only, err);
	}
	if (rc == RG_OK)
		rc = note_db_places(st);
	if (rc == RG_OK && !opts->read_only && (rc = wal_start(st->wal, st->env)) != 0)
		rc = store_fail(err, RG_EIO, NULL, "cannot start the commit log (%s)",
		                mdb_strerror(rc));
	if (rc != RG_OK)
		goto fail;
	*out = st;
	return RG_OK;
fail:
	wal_close(st->wal, st->env);
	if (st->env)
		mdb_env_close(st->env);
	wal_free(st->wal);
	pthread_rwlock_destroy(&st->resize_lock);
	pthread_mutex_destroy(&st->write_lock);
	free(st);
	/* rc is an rg_err code here; err may be NULL, so it cannot be the carrier. */
	return rc;
}

void store_close(store *st)
{
	if (st == NULL)
		return;
	wal_close(st->wal, st->env);
	mdb_env_close(st->env);
	wal_free(st->wal);
	pthread_rwlock_destroy(&st->resize_lock);
	pthread_mutex_destroy(&st->write_lock);
	free(st);
}

uint64_t store_revision(store *st)
{
	return atomic_load(&st->revision);
}

void store_get_info(store *st, struct store_info *out)
{
	MDB_envinfo info;
	MDB_stat ms;
	struct stat sb;
	char path[PATH_MAX];
	const char *dir = NULL;

	struct wal_stats ws;

	memset(out, 0, sizeof *out);
	out->max_map_bytes = st->max_map_size;
	wal_get_stats(st->wal, &ws);
	out->log_records = ws.records;
	out->log_checkpoints = ws.checkpoints;
	out->log_replayed = ws.replayed;
	out->log_failed = ws.failed;
	// The meta pages live in the map: hold off a resize while reading them. The caller
	// holds no read transaction, so this shared hold cannot wait behind itself.
	pthread_rwlock_rdlock(&st->resize_lock);
	if (mdb_env_info(st->env, &info) == 0 && mdb_env_stat(st->env, &ms) == 0) {
		out->map_bytes = info.me_mapsize;
		out->used_bytes = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
	}
	pthread_rwlock_unlock(&st->resize_lock);
	if (mdb_env_get_path(st->env, &dir) == 0 && dir != NULL &&
	    (size_t)snprintf(path, sizeof path, "%s/data.mdb", dir) < sizeof path &&
	    stat(path, &sb) == 0)
		out->file_bytes = (uint64_t)sb.st_blocks * 512u;
}

const char *store_path(store *st)
{
	const char *path = NULL;

	return mdb_env_get_path(st->env, &path) == 0 && path != NULL ? path : "";
}
