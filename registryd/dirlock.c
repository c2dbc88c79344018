/*
 * dirlock.c - the daemon's lock on its data directory. LMDB lets several processes open
 * one store, which the admin commands rely on; two daemons on one store, though, would
 * each serve watchers that miss the other's writes. flock() rather than fcntl() locks:
 * they belong to the open file, not the process, so LMDB's own fcntl locks on lock.mdb
 * and any close() elsewhere in the process cannot release it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirlock.h"

/* The pid written in the lock file by the daemon that holds it; 0 if unknown. */
static long holder_pid(int fd)
{
	char buf[32];
	ssize_t got = pread(fd, buf, sizeof buf - 1, 0);
	char *end;
	long pid;

	if (got <= 0)
		return 0;
	buf[got] = '\0';
	pid = strtol(buf, &end, 10);
	return pid > 0 && (*end == '\n' || *end == '\0') ? pid : 0;
}

int dirlock_take(const char *dir, char *why, size_t n)
{
	char path[PATH_MAX], pid[32];
	struct stat sb;
	int fd, len;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, DIRLOCK_NAME) >= sizeof path) {
		snprintf(why, n, "path too long");
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(why, n, "cannot open '%s' (%s)", path,
		         errno == ELOOP ? "a symbolic link" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(why, n, "'%s' is not a regular file", path);
		close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		long other = errno == EWOULDBLOCK ? holder_pid(fd) : 0;
		if (errno != EWOULDBLOCK)
			snprintf(why, n, "cannot lock '%s' (%s)", path, strerror(errno));
		else if (other > 0)
			snprintf(why, n, "the store is in use by registryd pid %ld", other);
		else
			snprintf(why, n, "the store is in use by another registryd");
		close(fd);
		return -1;
	}
	len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
		snprintf(why, n, "cannot write '%s' (%s)", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
