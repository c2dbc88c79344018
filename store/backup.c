/*
 * backup.c - hot backup: a compacting copy of the environment into a new file.
 *
 * mdb_env_copyfd2(MDB_CP_COMPACT) copies one read snapshot, leaving free pages out; writers
 * go on meanwhile. The copy holds a read transaction, so it holds resize_lock shared like
 * every reader (the map may not grow under a live transaction). Which revision the
 * snapshot holds is read back from the copy itself: exact, and a first check that the copy
 * opens as an LMDB environment.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

/* The revision of the LMDB file at path (opened read-only, without a lock file). */
static int copy_revision(const char *path, uint64_t *revision)
{
	MDB_env *env;
	MDB_txn *txn = NULL;
	MDB_dbi meta, changelog;
	int rc = mdb_env_create(&env);

	if (rc != 0)
		return RG_EIO;
	rc = mdb_env_set_maxdbs(env, 16);
	if (rc == 0)
		rc = mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0640);
	if (rc == 0)
		rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "meta", 0, &meta);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "changelog", 0, &changelog);
	if (rc == 0)
		*revision = store_revision_in(txn, meta, changelog);
	if (txn != NULL)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	return rc == 0 ? RG_OK : RG_EIO;
}

int store_backup(store *st, const char *path, uint64_t *revision, uint64_t *size)
{
	struct stat sb;
	uint64_t rev = 0;
	int fd, rc, code = RG_OK;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return errno == EEXIST ? RG_EEXIST : errno == ENOSPC ? RG_ENOSPC : RG_EIO;
	for (;;) {
		pthread_rwlock_rdlock(&st->resize_lock);
		rc = mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT);
		pthread_rwlock_unlock(&st->resize_lock);
		if (rc != MDB_MAP_RESIZED)
			break;
		/* Another process grew the map: adopt its size (no live txn of ours now). */
		pthread_rwlock_wrlock(&st->resize_lock);
		mdb_env_set_mapsize(st->env, 0);
		pthread_rwlock_unlock(&st->resize_lock);
		if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
			rc = errno;
			break;
		}
	}
	if (rc != 0)
		code = rc == ENOSPC ? RG_ENOSPC : RG_EIO;
	if (code == RG_OK && fsync(fd) != 0)
		code = errno == ENOSPC ? RG_ENOSPC : RG_EIO;
	if (code == RG_OK && fstat(fd, &sb) != 0)
		code = RG_EIO;
	if (close(fd) != 0 && code == RG_OK)
		code = errno == ENOSPC ? RG_ENOSPC : RG_EIO;
	if (code == RG_OK)
		code = copy_revision(path, &rev);
	if (code != RG_OK) {
		unlink(path);
		return code;
	}
	*revision = rev;
	*size = (uint64_t)sb.st_size;
	return RG_OK;
}
