/*
 * cmd_backup.c - regctl backup FILE: a hot backup of the registry, written where FILE is.
 *
 * Backup has the daemon make a compacting copy of its store; BackupRead streams it in
 * chunks. The chunks go to a new file FILE.part.XXXXXX (mkostemp: created here, never an
 * existing file or a link someone else left), which is fsynced and then renamed to FILE (and
 * the directory fsynced): FILE is either the whole copy or not there at all. The copy holds
 * token hashes, so the file is made readable by its owner only (mkostemp's 0600).
 *
 * A local file error (no such directory, disk full) is the caller's to fix: exit 2 with the
 * system's reason, as for any other bad argument.
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

/* Reads backup b into fd. Returns 0; -1 with st saying why; or an errno when writing fd
 * failed. */
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
		if (rc != 0)
			return rc;
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

/* A local file error: one line with the system's reason, exit 2. */
static int file_error(const char *what, const char *action, const char *path, int err)
{
	errorf("cannot %s (%s '%s': %s)", what, action, path, strerror(err));
	return EXIT_USAGE;
}

static int print_result(const struct globals *g, const char *file,
                        const Stdreg__V1__BackupResponse *b)
{
	json_t *j;

	if (g->out == OUT_TABLE) {
		printf("backup '%s': revision %llu, %llu bytes\n", file,
		       (unsigned long long)b->revision, (unsigned long long)b->size);
		return finish_output(EXIT_OK);
	}
	j = json_pack("{s:s, s:I, s:I}", "file", file, "revision", (json_int_t)b->revision, "size",
	              (json_int_t)b->size);
	if (j != NULL)
		json_dumpf(j, stdout, g->out == OUT_JSON ? JSON_INDENT(2) : JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(j);
	return finish_output(EXIT_OK);
}

int run_backup(struct globals *g, const struct command *cmd, struct cmd_args *a)
{
	Stdreg__V1__BackupRequest req = STDREG__V1__BACKUP_REQUEST__INIT;
	Stdreg__V1__BackupResponse *b = NULL;
	struct stdreg_status st = STDREG_STATUS_INIT;
	const char *file = a->pos[0];
	char part[PATH_MAX], what[PATH_MAX + 32];
	stdreg_client *c = NULL;
	int rc, fd = -1, err;

	snprintf(what, sizeof(what), "back up the registry to '%s'", file);
	if (strlen(file) + sizeof(".part.XXXXXX") > sizeof(part)) {
		errorf("cannot %s (file name too long)", what);
		return EXIT_USAGE;
	}
	// A fresh name, created here: a FILE.part that exists (a link, or an old run's) is
	// neither followed nor truncated.
	snprintf(part, sizeof(part), "%s.part.XXXXXX", file);
	if ((fd = mkostemp(part, O_CLOEXEC)) < 0)
		return file_error(what, "cannot create a file beside", file, errno);
	if ((rc = open_client(g, &c)) != EXIT_OK)
		goto out;
	uint32_t timeout = stdreg_client_timeout(c);
	if (stdreg_call_timeout(c, cmd->method, &req.base, cmd->response, (ProtobufCMessage **)&b,
	                        timeout > BACKUP_TIMEOUT_MS ? timeout : BACKUP_TIMEOUT_MS,
	                        &st) != STDREG_OK) {
		rc = fail_status(what, &st);
		goto out;
	}
	if ((err = fetch(c, b, fd, &st)) != 0) {
		rc = err > 0 ? file_error(what, "cannot write", part, err) : fail_status(what, &st);
		goto out;
	}
	err = fsync(fd) != 0 ? errno : 0;
	if (close(fd) != 0 && err == 0)
		err = errno;
	fd = -1;
	if (err != 0) {
		rc = file_error(what, "cannot write", part, err);
		goto out;
	}
	if (rename(part, file) != 0) {
		rc = file_error(what, "cannot rename the copy to", file, errno);
		goto out;
	}
	part[0] = '\0'; // renamed: nothing to remove
	if ((err = fsync_parent(file)) != 0) {
		rc = file_error(what, "cannot sync the directory of", file, err);
		goto out;
	}
	rc = print_result(g, file, b);
out:
	if (fd >= 0)
		close(fd);
	if (part[0] != '\0')
		unlink(part);
	if (b != NULL)
		protobuf_c_message_free_unpacked(&b->base, NULL);
	stdreg_status_release(&st);
	stdreg_client_close(c);
	return rc;
}
