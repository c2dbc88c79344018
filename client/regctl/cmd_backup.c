/*
 * cmd_backup.c - regctl backup FILE: a hot backup of the registry, written where FILE is.
 *
 * Backup has the daemon make a compacting copy of its store; BackupRead streams it in
 * chunks. The chunks go to FILE.part, which is fsynced and then renamed to FILE (and the
 * directory fsynced): FILE is either the whole copy or not there at all. The copy holds
 * token hashes, so FILE is made readable by its owner only.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regctl.h"
#include "stdreg/v1/registry.pb-c.h"

#define CHUNK             (1u << 20)
#define BACKUP_TIMEOUT_MS (10u * 60 * 1000) /* making the copy of a large store takes time */

static void local_status(struct stdreg_status *st, int code, const char *fmt, const char *arg)
{
	char msg[PATH_MAX + 128];

	snprintf(msg, sizeof(msg), fmt, arg);
	stdreg_status_release(st);
	st->code = code;
	st->message = strdup(msg);
	st->local = false; /* shown as "cannot back up ... (code: message)" */
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_parent(const char *file)
{
	char copy[PATH_MAX];
	int fd, rc = 0;

	snprintf(copy, sizeof(copy), "%s", file);
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (fsync(fd) != 0)
		rc = errno;
	close(fd);
	return rc;
}

/* Reads backup b into fd. Returns 0, or -1 with st saying why. */
static int fetch(stdreg_client *c, const Stdreg__V1__BackupResponse *b, int fd,
                 struct stdreg_status *st)
{
	Stdreg__V1__BackupReadRequest rd = STDREG__V1__BACKUP_READ_REQUEST__INIT;
	uint64_t offset = 0;

	rd.backup_id = b->backup_id;
	rd.max_bytes = CHUNK;
	for (;;) {
		Stdreg__V1__BackupReadResponse *chunk = NULL;
		bool eof;
		int rc;

		rd.offset = offset;
		if (stdreg_call(c, "BackupRead", &rd.base,
		                &stdreg__v1__backup_read_response__descriptor,
		                (ProtobufCMessage **)&chunk, st) != STDREG_OK)
			return -1;
		rc = write_all(fd, chunk->data.data, chunk->data.len);
		offset += chunk->data.len;
		eof = chunk->eof;
		protobuf_c_message_free_unpacked(&chunk->base, NULL);
		if (rc != 0) {
			local_status(st, STDREG_INTERNAL, "cannot write the backup (%s)",
			             strerror(rc));
			return -1;
		}
		if (eof)
			break;
		if (offset >= b->size) {
			local_status(st, STDREG_INTERNAL, "%s",
			             "the server sent more than the backup holds");
			return -1;
		}
	}
	if (offset != b->size) {
		local_status(st, STDREG_INTERNAL, "%s", "the backup ended short of its size");
		return -1;
	}
	return 0;
}

int run_backup(struct globals *g, const struct command *cmd, struct cmd_args *a)
{
	Stdreg__V1__BackupRequest req = STDREG__V1__BACKUP_REQUEST__INIT;
	Stdreg__V1__BackupResponse *b = NULL;
	struct stdreg_status st = STDREG_STATUS_INIT;
	const char *file = a->pos[0];
	char part[PATH_MAX], what[PATH_MAX + 32];
	stdreg_client *c;
	int rc, fd = -1, err;

	snprintf(what, sizeof(what), "back up the registry to '%s'", file);
	if (strlen(file) + 6 > sizeof(part)) {
		errorf("cannot %s (file name too long)", what);
		return EXIT_USAGE;
	}
	snprintf(part, sizeof(part), "%s.part", file);
	if ((rc = open_client(g, &c)) != EXIT_OK)
		return rc;
	uint32_t timeout = stdreg_client_timeout(c);
	if (stdreg_call_timeout(c, cmd->method, &req.base, cmd->response, (ProtobufCMessage **)&b,
	                        timeout > BACKUP_TIMEOUT_MS ? timeout : BACKUP_TIMEOUT_MS,
	                        &st) != STDREG_OK)
		goto fail;
	fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		local_status(&st, STDREG_INTERNAL, "cannot create '%s'", part);
		goto fail;
	}
	if (fetch(c, b, fd, &st) != 0)
		goto fail;
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		local_status(&st, STDREG_INTERNAL, "cannot write '%s' to disk", part);
		goto fail;
	}
	fd = -1;
	if (rename(part, file) != 0) {
		local_status(&st, STDREG_INTERNAL, "cannot rename it to '%s'", file);
		goto fail;
	}
	if ((err = fsync_parent(file)) != 0) {
		local_status(&st, STDREG_INTERNAL, "cannot sync its directory (%s)", strerror(err));
		goto fail;
	}
	if (g->out == OUT_TABLE)
		printf("backup '%s': revision %llu, %llu bytes\n", file,
		       (unsigned long long)b->revision, (unsigned long long)b->size);
	else {
		json_t *j = json_pack("{s:s, s:I, s:I}", "file", file, "revision",
		                      (json_int_t)b->revision, "size", (json_int_t)b->size);
		if (j != NULL)
			json_dumpf(j, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		json_decref(j);
	}
	protobuf_c_message_free_unpacked(&b->base, NULL);
	stdreg_status_release(&st);
	stdreg_client_close(c);
	return finish_output(EXIT_OK);
fail:
	if (fd >= 0)
		close(fd);
	if (b != NULL) {
		unlink(part);
		protobuf_c_message_free_unpacked(&b->base, NULL);
	}
	rc = fail_status(what, &st);
	stdreg_status_release(&st);
	stdreg_client_close(c);
	return rc;
}
