/*
 * room.c - written room past the store's last page, so that a commit only overwrites.
 *
 * A commit that writes past the end of data.mdb changes the file's size, and then its
 * fdatasync must also commit the inode through the file system's journal: on ext4 that
 * makes a synced commit 30-70 % dearer (docs/performance.md). Puts append to the
 * changelog, so without room nearly every commit grew the file. The writer keeps the file
 * longer than LMDB's last page, with the blocks already written as zeros (not fallocate'd:
 * the first write to an unwritten extent is a metadata change as well). LMDB never reads
 * past its last page, and copies stop there (backups), so the room shows only in the
 * file's size.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

#define ROOM_LOW  (1u << 20) /* extend when less than this is left */
#define ROOM_STEP (4u << 20) /* by this much past the last page */

static int write_zeros(int fd, off_t from, off_t to)
{
	static char zeros[64 << 10]; /* not const: .bss, not 64 KiB of the binary */

	while (from < to) {
		size_t n = to - from < (off_t)sizeof zeros ? (size_t)(to - from) : sizeof zeros;
		ssize_t w = pwrite(fd, zeros, n, from);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		from += w;
	}
	return 0;
}

int store_keep_room(store *st)
{
	MDB_envinfo info;
	MDB_stat ms;
	struct stat sb;
	int fd, rc = RG_OK;

	// Under the write lock no transaction writes pages meanwhile: the zeros go only where
	// LMDB has not written.
	pthread_mutex_lock(&st->write_lock);
	if (mdb_env_get_fd(st->env, &fd) != 0 || mdb_env_info(st->env, &info) != 0 ||
	    mdb_env_stat(st->env, &ms) != 0 || fstat(fd, &sb) != 0) {
		rc = RG_EIO;
	} else {
		off_t used = ((off_t)info.me_last_pgno + 1) * (off_t)ms.ms_psize;
		off_t want = used + ROOM_STEP < (off_t)st->map_size ? used + ROOM_STEP
		                                                    : (off_t)st->map_size;
		off_t from = sb.st_size > used ? sb.st_size : used;

		unsigned flags = 0;

		// The flush makes the new size durable now, not in the next commit's fdatasync;
		// a store without syncs (tests, benchmarks) has nothing to gain from it.
		mdb_env_get_flags(st->env, &flags);
		if (from - used < ROOM_LOW && from < want &&
		    (write_zeros(fd, from, want) != 0 ||
		     (!(flags & MDB_NOSYNC) && fdatasync(fd) != 0)))
			rc = RG_EIO;
	}
	pthread_mutex_unlock(&st->write_lock);
	return rc;
}
