/*
 * restore.c - `registryd restore --data DIR FILE [--force]`: puts a backup (what
 * `regctl backup` wrote) in place as the store of DIR.
 *
 * The order keeps a good store from ever being replaced by a bad file, and a half-copied
 * file from ever being DIR/data.mdb:
 *   1. refuse while a process has the store of DIR open (LMDB holds a lock on lock.mdb);
 *   2. refuse a non-empty store (records, changes or principals) without --force;
 *   3. copy FILE to DIR/restore.part/data.mdb and fsync it;
 *   4. open that copy read-only and run store_check on it: refuse (and remove) a file that
 *      is not a consistent stdreg store;
 *   5. remove the old store's commit log (DIR/data.wal), rename the copy to DIR/data.mdb,
 *      fsync DIR, drop the old lock file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "check.h"
#include "config.h"

static const char usage_text[] =
        "usage: registryd restore [--data DIR] [--force] [--as-owner] FILE\n"
        "\n"
        "  Makes FILE (a backup written by 'regctl backup') the store of DIR (default\n"
        "  " CONFIG_DEFAULT_DATA "). FILE is checked as 'registryd check' does before it\n"
        "  replaces anything. A store that holds records, changes or principals is only\n"
        "  replaced with --force. The daemon must not be running on DIR. A failed restore\n"
        "  leaves DIR as it was. --as-owner: run as root on a directory another user\n"
        "  owns, work as that user.\n"
        "exit: 0 restored, 1 refused or failed, 2 usage\n";

enum { RESTORE_FORCE };
static const struct admin_opt restore_opts[] = {
	[RESTORE_FORCE] = { "force", false },
	{ NULL, false },
};
static const struct admin_cmd restore_cmd = { usage_text, restore_opts, 1, 1 };

/* dir + "/" + name into out (PATH_MAX bytes); false if it does not fit. */
static bool path_join(char *out, const char *dir, const char *name)
{
	size_t d = strlen(dir), n = strlen(name);

	if (d + 1 + n >= PATH_MAX)
		return false;
	memcpy(out, dir, d);
	out[d] = '/';
	memcpy(out + d + 1, name, n + 1);
	return true;
}

/* True if some process holds LMDB's lock on dir/lock.mdb (has the store open). */
static bool store_in_use(const char *dir)
{
	char path[PATH_MAX];
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	bool used = false;
	int fd;

	path_join(path, dir, "lock.mdb");
	fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		used = true;
	close(fd);
	return used;
}

static void count_principal(void *arg, const ProtobufCMessage *p)
{
	(void)p;
	(*(size_t *)arg)++;
}

/* 0 if dir holds no store or an empty one; 1 if it holds something; sets why. */
static int store_holds_something(const char *dir, char *why, size_t len)
{
	struct store_opts ro = { .read_only = true };
	struct store_error err = { 0 };
	char path[PATH_MAX];
	struct stat sb;
	size_t principals = 0;
	store *st;

	path_join(path, dir, "data.mdb");
	if (stat(path, &sb) != 0 || sb.st_size == 0)
		return 0;
	if (store_open(&st, dir, &ro, &err) != RG_OK) {
		snprintf(why, len, "its data.mdb is not an empty store (%s)", err.message);
		return 1;
	}
	uint64_t rev = store_revision(st);
	store_token_list(st, count_principal, &principals);
	store_close(st);
	if (rev == 0 && principals == 0)
		return 0;
	snprintf(why, len, "the store in '%s' is at revision %llu with %zu principals", dir,
	         (unsigned long long)rev, principals);
	return 1;
}

/* Copies src into the new file dst and fsyncs it. Returns 0 or an errno. */
static int copy_file(const char *src, const char *dst)
{
	char buf[1 << 16];
	int in, out, rc = 0;
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return errno;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (out < 0) {
		rc = errno;
		close(in);
		return rc;
	}
	while (rc == 0 && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno != EINTR)
				rc = errno;
			continue;
		}
		for (ssize_t off = 0; rc == 0 && off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno != EINTR)
				rc = errno;
			else if (w > 0)
				off += w;
		}
	}
	if (rc == 0 && fsync(out) != 0)
		rc = errno;
	if (close(out) != 0 && rc == 0)
		rc = errno;
	close(in);
	return rc;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return errno;
	if (fsync(fd) != 0)
		rc = errno;
	close(fd);
	return rc;
}

/* Whether path is absent, or a regular file (not a link) that was unlinked. */
static bool unlink_regular(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT;
	return S_ISREG(sb.st_mode) && unlink(path) == 0;
}

/*
 * Removes the staging directory and the files restore puts there. Anything else (the
 * directory a link, a file in it a link or a directory) was not made by restore: it is
 * left alone and false returned, so that a link planted in DIR is never followed.
 */
static bool remove_part(const char *part)
{
	char path[PATH_MAX];
	struct stat sb;
	bool ok;

	if (lstat(part, &sb) != 0)
		return errno == ENOENT;
	if (!S_ISDIR(sb.st_mode))
		return false;
	path_join(path, part, "data.mdb");
	ok = unlink_regular(path);
	path_join(path, part, "lock.mdb");
	ok = unlink_regular(path) && ok;
	return ok && rmdir(part) == 0;
}

static int restore_into(const char *dir, const char *file, bool force);

/* A directory restore made is removed again when restore fails, so a failure leaves none. */
static int restore(const char *dir, const char *file, bool force)
{
	struct stat sb;
	bool made = stat(dir, &sb) != 0 && errno == ENOENT;
	int rc = restore_into(dir, file, force);

	if (rc != 0 && made)
		rmdir(dir); /* only if still empty */
	return rc;
}

static int restore_into(const char *dir, const char *file, bool force)
{
	char part[PATH_MAX], staged[PATH_MAX], target[PATH_MAX], why[PATH_MAX + 128];
	struct store_check_stats stats = { 0 };
	struct stat sb;
	int rc;

	if (strlen(dir) > PATH_MAX - 64) {
		fprintf(stderr, "registryd: cannot restore into '%s' (path too long)\n", dir);
		return 1;
	}
	if (stat(file, &sb) != 0) {
		fprintf(stderr, "registryd: cannot restore '%s' (%s)\n", file, strerror(errno));
		return 1;
	}
	if (!S_ISREG(sb.st_mode)) {
		fprintf(stderr, "registryd: cannot restore '%s' (not a regular file)\n", file);
		return 1;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		fprintf(stderr, "registryd: cannot create '%s' (%s)\n", dir, strerror(errno));
		return 1;
	}
	if (store_in_use(dir)) {
		fprintf(stderr,
		        "registryd: cannot restore into '%s' (a process has the store open: "
		        "stop registryd first)\n",
		        dir);
		return 1;
	}
	if (!force && store_holds_something(dir, why, sizeof(why))) {
		fprintf(stderr,
		        "registryd: cannot restore into '%s' (%s; use --force to replace it)\n",
		        dir, why);
		return 1;
	}
	path_join(part, dir, "restore.part");
	path_join(staged, part, "data.mdb");
	path_join(target, dir, "data.mdb");
	if (!remove_part(part)) { /* left over by a restore that was killed */
		fprintf(stderr,
		        "registryd: cannot restore into '%s' ('%s' is in the way and was not made "
		        "by restore: remove it)\n",
		        dir, part);
		return 1;
	}
	if (mkdir(part, 0750) != 0) {
		fprintf(stderr, "registryd: cannot create '%s' (%s)\n", part, strerror(errno));
		return 1;
	}
	rc = copy_file(file, staged);
	if (rc != 0) {
		fprintf(stderr, "registryd: cannot copy '%s' to '%s' (%s)\n", file, staged,
		        strerror(rc));
		remove_part(part);
		return 1;
	}
	rc = check_store_dir(part, false, stderr, &stats);
	if (rc != RG_OK) {
		fprintf(stderr, "registryd: cannot restore '%s' (not a consistent stdreg store)\n",
		        file);
		remove_part(part);
		return 1;
	}
	/* The old store's commit log describes the old file: it goes first, so that no crash
	 * leaves it beside the new one (its replay would write the old store's changes). */
	path_join(target, dir, "data.wal");
	if (unlink(target) != 0 && errno != ENOENT) {
		fprintf(stderr, "registryd: cannot remove '%s' (%s)\n", target, strerror(errno));
		remove_part(part);
		return 1;
	}
	rc = fsync_dir(dir); /* the log gone for good before the new file takes its place */
	if (rc != 0) {
		fprintf(stderr, "registryd: cannot sync '%s' (%s)\n", dir, strerror(rc));
		remove_part(part);
		return 1;
	}
	path_join(target, dir, "data.mdb");
	if (rename(staged, target) != 0) {
		fprintf(stderr, "registryd: cannot move '%s' to '%s' (%s)\n", staged, target,
		        strerror(errno));
		remove_part(part);
		return 1;
	}
	rc = fsync_dir(dir);
	remove_part(part);
	// LMDB rebuilds its lock file on the next open; the old one described the old file.
	path_join(target, dir, "lock.mdb");
	unlink(target);
	if (rc != 0) {
		fprintf(stderr, "registryd: cannot sync '%s' (%s)\n", dir, strerror(rc));
		return 1;
	}
	printf("restored '%s' into '%s': revision %llu, %llu records, %llu changes\n", file, dir,
	       (unsigned long long)stats.revision, (unsigned long long)stats.records,
	       (unsigned long long)stats.changes);
	return fflush(stdout) == 0 ? 0 : 1;
}

int restore_main(int argc, char **argv)
{
	struct admin_args a;
	int rc;

	if ((rc = admin_parse(argc, argv, &restore_cmd, &a)) >= 0)
		return rc;
	if (admin_become_owner(a.data, a.as_owner, argc, argv) != 0)
		return 1;
	return restore(a.data, a.operands[0], a.opt[RESTORE_FORCE] != NULL);
}
