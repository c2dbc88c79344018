/*
 * room.c - written room past the store's last page, so that a commit only overwrites.
 *
 * A commit that writes past the end of data.mdb changes the file's size, and then its
 * fdatasync must also write the inode: on ext4 with a journal that is a journal commit, and
 * a synced commit costs up to twice as much (docs/performance.md). Puts append to the
 * changelog, so without room many commits grew the file. The writer keeps the file
 * longer than LMDB's last page, with the blocks already written as zeros (not fallocate'd:
 * the first write to an unwritten extent is a metadata change as well). LMDB never reads
 * past its last page, and copies stop there (backups), so the room shows only in the
 * file's size.
 */
#include <errno.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "store_int.h"

#define ROOM_LOW  (1u << 20) /* extend when less than this is left */
#define ROOM_STEP (4u << 20) /* by this much past the last page */
/* No room is taken from a file system with less free than this: a nearly full disk is
 * left to LMDB's own writes, which are refused at once when it fills (no space left). */
#define ROOM_DISK_FREE ((off_t)64 << 20)
/* Less free than LMDB's largest single write (64 pages of 4 KiB) and a few more. */
#define DISK_FULL ((off_t)1 << 20)

/* Bytes free to unprivileged writers on the file system of fd; -1 if it cannot tell. */
static off_t fs_free(int fd)
{
	struct statvfs vs;

	return fstatvfs(fd, &vs) == 0 ? (off_t)vs.f_bavail * (off_t)vs.f_frsize : -1;
}

int store_write_zeros(int fd, off_t from, off_t to)
{
	static char zeros[64 << 10]; /* not const: .bss, not 64 KiB of the binary */

	while (from < to) {
		size_t n = to - from < (off_t)sizeof zeros ? (size_t)(to - from) : sizeof zeros;
		ssize_t w = pwrite(fd, zeros, n, from);

		if (w < 0 && errno == EINTR)
			continue;
		if (w == 0)
			errno = EIO;
		if (w <= 0)
			return -1;
		from += w;
	}
	return 0;
}

/*
 * Where the zeros go: [*from, *to) past the last page, empty when the room is still
 * enough, the map leaves none, or the disk is nearly full.
 */
static int room_to_write(store *st, int fd, off_t *from, off_t *to)
{
	MDB_envinfo info;
	MDB_stat ms;
	struct stat sb;
	off_t free_bytes;

	*from = *to = 0;
	if (mdb_env_info(st->env, &info) != 0 || mdb_env_stat(st->env, &ms) != 0 ||
	    fstat(fd, &sb) != 0)
		return RG_EIO;
	off_t used = ((off_t)info.me_last_pgno + 1) * (off_t)ms.ms_psize;
	off_t end = sb.st_size > used ? sb.st_size : used;
	off_t want = used + ROOM_STEP;

	if (want > (off_t)st->map_size)
		want = (off_t)st->map_size;
	if (end - used >= ROOM_LOW || end >= want)
		return RG_OK; /* the common case, after every batch: one fstat */
	if ((free_bytes = fs_free(fd)) < 0)
		return RG_EIO;
	if (free_bytes < ROOM_DISK_FREE)
		return RG_OK;
	*from = end;
	*to = want;
	return RG_OK;
}

int store_keep_room(store *st)
{
	unsigned flags = 0;
	off_t from, to;
	int fd, rc;

	// Under the write lock no transaction writes pages meanwhile: the zeros go only where
	// LMDB has not written.
	pthread_mutex_lock(&st->write_lock);
	rc = mdb_env_get_fd(st->env, &fd) == 0 && mdb_env_get_flags(st->env, &flags) == 0
	             ? room_to_write(st, fd, &from, &to)
	             : RG_EIO;
	// The flush makes the new size durable now, not in the next commit's fdatasync; a
	// store without syncs (tests, benchmarks) has nothing to gain from it.
	if (rc == RG_OK && from < to &&
	    (store_write_zeros(fd, from, to) != 0 || (!(flags & MDB_NOSYNC) && fdatasync(fd) != 0)))
		rc = RG_EIO;
	pthread_mutex_unlock(&st->write_lock);
	return rc;
}

bool store_disk_full(store *st)
{
	int fd;
	off_t free_bytes;

	return mdb_env_get_fd(st->env, &fd) == 0 && (free_bytes = fs_free(fd)) >= 0 &&
	       free_bytes < DISK_FULL;
}
