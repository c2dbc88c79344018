/*
 * backup.c - hot backup for admins: Backup makes a compacting copy of the store in
 * a temporary file of the data directory (store_backup), BackupRead streams it in chunks.
 *
 * The copies live in one small table for the process (one daemon per data directory):
 * BACKUP_MAX at once, each removed when a read reaches its end, or when it has been left
 * unread for BACKUP_IDLE_NS (swept on every call). Files named backup-*.tmp that are not
 * in the table were left by a daemon that died; the next Backup removes them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "handlers.h"

#include "stdreg/v1/registry.pb-c.h"

#define BACKUP_MAX           4
#define BACKUP_IDLE_NS       (600ull * 1000000000ull)
#define BACKUP_CHUNK_DEFAULT (1u << 20)
#define BACKUP_CHUNK_MAX     (2u << 20)
#define BACKUP_ID_LEN        32

struct backup {
	bool used;
	bool ready;                 /* the copy is made: it may be read */
	char id[BACKUP_ID_LEN + 1]; /* 128 random bits in hex */
	char path[PATH_MAX];        /* DATA/backup-ID.tmp */
	uint64_t size, revision;
	uint64_t touched_ns;
	int fd;
};

static pthread_mutex_t backups_lock = PTHREAD_MUTEX_INITIALIZER;
static struct backup backups[BACKUP_MAX];

/* Removes the copy of b and frees its slot. Under backups_lock. */
static void backup_drop(struct backup *b)
{
	if (b->ready) {
		close(b->fd);
		unlink(b->path);
	}
	memset(b, 0, sizeof(*b));
}

/* Drops copies left unread too long. Under backups_lock. */
static void backups_sweep(uint64_t now)
{
	for (size_t i = 0; i < BACKUP_MAX; i++)
		if (backups[i].used && backups[i].ready &&
		    now - backups[i].touched_ns > BACKUP_IDLE_NS)
			backup_drop(&backups[i]);
}

/* Removes backup-*.tmp files of dir that no slot holds (a daemon died while they were
 * kept). Under backups_lock. */
static void remove_strays(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		bool held = false;

		if (n != 7 + BACKUP_ID_LEN + 4 || strncmp(e->d_name, "backup-", 7) != 0 ||
		    strcmp(e->d_name + n - 4, ".tmp") != 0)
			continue;
		for (size_t i = 0; i < BACKUP_MAX; i++)
			if (backups[i].used &&
			    strncmp(backups[i].id, e->d_name + 7, BACKUP_ID_LEN) == 0)
				held = true;
		if (!held)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

static int random_id(char out[BACKUP_ID_LEN + 1])
{
	uint8_t rnd[BACKUP_ID_LEN / 2];
	size_t got = 0;

	while (got < sizeof rnd) {
		ssize_t n = getrandom(rnd + got, sizeof rnd - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return RG_EIO;
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(out + 2 * i, 3, "%02x", rnd[i]);
	return RG_OK;
}

/* --- Backup --------------------------------------------------------------------------- */

enum call_result handle_backup(struct call *c)
{
	Stdreg__V1__BackupResponse resp = STDREG__V1__BACKUP_RESPONSE__INIT;
	store *st = call_store(c);
	const char *dir = store_path(st);
	struct backup *b = NULL;
	char id[BACKUP_ID_LEN + 1], path[PATH_MAX];
	uint64_t revision = 0, size = 0;
	int n, rc, fd;

	if (random_id(id) != RG_OK)
		return call_fail(c, GRPC_INTERNAL, NULL,
		                 "cannot make a backup id (no random bytes)");
	n = snprintf(path, sizeof path, "%s/backup-%s.tmp", dir, id);
	if (n < 0 || (size_t)n >= sizeof path)
		return call_fail(c, GRPC_INTERNAL, NULL, "data directory path is too long");

	pthread_mutex_lock(&backups_lock);
	backups_sweep(dispatch_now_ns());
	for (size_t i = 0; i < BACKUP_MAX && b == NULL; i++)
		if (!backups[i].used)
			b = &backups[i];
	if (b != NULL) {
		// Reserved before the copy is made, so that remove_strays leaves it alone.
		b->used = true;
		memcpy(b->id, id, sizeof id);
		memcpy(b->path, path, sizeof path);
		remove_strays(dir);
	}
	pthread_mutex_unlock(&backups_lock);
	if (b == NULL)
		return call_fail(c, GRPC_RESOURCE_EXHAUSTED, NULL,
		                 "%d backups are being read already; read one to its end or wait "
		                 "for one to expire",
		                 BACKUP_MAX);

	rc = store_backup(st, path, &revision, &size);
	fd = rc == RG_OK ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	pthread_mutex_lock(&backups_lock);
	if (rc != RG_OK || fd < 0) {
		if (rc == RG_OK) {
			unlink(path);
			rc = RG_EIO;
		}
		memset(b, 0, sizeof(*b));
		pthread_mutex_unlock(&backups_lock);
		return call_fail(c, status_code_from_rg(rc), NULL, "cannot make a backup (%s)",
		                 rc == RG_ENOSPC ? "no space left in the data directory"
		                                 : rg_strerror(rc));
	}
	b->ready = true;
	b->fd = fd;
	b->size = size;
	b->revision = revision;
	b->touched_ns = dispatch_now_ns();
	pthread_mutex_unlock(&backups_lock);

	resp.backup_id = id;
	resp.size = size;
	resp.revision = revision;
	c->revision = revision;
	return call_reply_message(c, &resp.base);
}

/* --- BackupRead ----------------------------------------------------------------------- */

enum call_result handle_backup_read(struct call *c)
{
	const Stdreg__V1__BackupReadRequest *r = (const Stdreg__V1__BackupReadRequest *)c->req;
	Stdreg__V1__BackupReadResponse resp = STDREG__V1__BACKUP_READ_RESPONSE__INIT;
	uint32_t want = r->max_bytes == 0                 ? BACKUP_CHUNK_DEFAULT
	                : r->max_bytes > BACKUP_CHUNK_MAX ? BACKUP_CHUNK_MAX
	                                                  : r->max_bytes;
	struct backup *b = NULL;
	enum call_result res;
	uint8_t *buf;
	size_t got = 0;
	uint64_t revision;

	if (r->backup_id[0] == '\0')
		return call_fail(c, GRPC_INVALID_ARGUMENT, "backup_id", "backup_id is required");
	buf = malloc(want);
	if (buf == NULL)
		return call_fail(c, GRPC_RESOURCE_EXHAUSTED, NULL, "out of memory");

	// pread under the lock: a copy is never removed while it is read. Reads are bounded
	// (2 MiB) and backups rare, so nothing waits long.
	pthread_mutex_lock(&backups_lock);
	backups_sweep(dispatch_now_ns());
	for (size_t i = 0; i < BACKUP_MAX && b == NULL; i++)
		if (backups[i].used && backups[i].ready && strcmp(backups[i].id, r->backup_id) == 0)
			b = &backups[i];
	if (b == NULL) {
		pthread_mutex_unlock(&backups_lock);
		free(buf);
		return call_fail(c, GRPC_NOT_FOUND, "backup_id",
		                 "backup '%.40s' not found (it may have been read to its end, or "
		                 "expired)",
		                 r->backup_id);
	}
	if (r->offset > b->size) {
		uint64_t size = b->size;
		pthread_mutex_unlock(&backups_lock);
		free(buf);
		return call_fail(c, GRPC_OUT_OF_RANGE, "offset",
		                 "offset %llu is past the end of the backup (%llu bytes)",
		                 (unsigned long long)r->offset, (unsigned long long)size);
	}
	if (want > b->size - r->offset)
		want = (uint32_t)(b->size - r->offset);
	while (got < want) {
		ssize_t n = pread(b->fd, buf + got, want - got, (off_t)(r->offset + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	revision = b->revision;
	if (got < want) {
		backup_drop(b);
		pthread_mutex_unlock(&backups_lock);
		free(buf);
		return call_fail(c, GRPC_INTERNAL, NULL, "cannot read the backup file");
	}
	b->touched_ns = dispatch_now_ns();
	resp.eof = r->offset + got == b->size;
	if (resp.eof)
		backup_drop(b);
	pthread_mutex_unlock(&backups_lock);

	resp.data.data = buf;
	resp.data.len = got;
	c->revision = revision;
	res = call_reply_message(c, &resp.base);
	free(buf);
	return res;
}
