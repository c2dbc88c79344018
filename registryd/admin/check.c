/*
 * check.c - `registryd check --data DIR`: verifies the store offline (or beside a
 * running daemon: LMDB is multi-process and the check only reads one snapshot).
 */
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"
#include "check.h"
#include "config.h"

#define SHOW_MAX 100

static const char usage_text[] =
        "usage: registryd check [--data DIR | FILE] [--quiet] [--as-owner]\n"
        "\n"
        "  Verifies the store in DIR (default " CONFIG_DEFAULT_DATA "), or the backup FILE\n"
        "  that 'regctl backup' wrote, without changing it:\n"
        "  every record decodes under its id with sane meta, every reference exists and\n"
        "  agrees with the reference index both ways, at most one current lead per area,\n"
        "  the changelog holds every revision 1..N and the history points into it.\n"
        "  Problems go to stderr, one per line; --quiet prints nothing when all is well.\n"
        "  --as-owner: run as root on a directory another user owns, work as that user.\n"
        "exit: 0 consistent, 1 problems found or cannot open, 2 usage\n";

enum { CHECK_QUIET };
static const struct admin_opt check_opts[] = {
	[CHECK_QUIET] = { "quiet", false },
	{ NULL, false },
};
static const struct admin_cmd check_cmd = { usage_text, check_opts, 0, 1 };

struct shown {
	FILE *out;
	unsigned long n;
};

static void show_problem(void *arg, const char *what, const char *id, const char *message)
{
	struct shown *s = arg;

	if (s->n++ < SHOW_MAX)
		fprintf(s->out, "registryd: check: %s%s%s%s: %s\n", what, *id ? " '" : "", id,
		        *id ? "'" : "", message);
}

int check_store_dir(const char *dir, bool file, FILE *out, struct store_check_stats *stats)
{
	struct store_opts ro = { .read_only = true, .single_file = file };
	struct store_error err = { 0 };
	struct shown s = { out, 0 };
	store_txn *t;
	store *st;
	int rc;

	rc = store_open(&st, dir, &ro, &err);
	if (rc != RG_OK) {
		if (rc == RG_ENOENT)
			fprintf(out, "registryd: no store in '%s' (no such %s)\n", dir,
			        file ? "file" : "directory");
		else
			fprintf(out, "registryd: cannot open store '%s' (%s)\n", dir,
			        err.message[0] ? err.message : rg_strerror(rc));
		return rc;
	}
	rc = store_read_begin(st, &t);
	if (rc == RG_OK) {
		rc = store_check(t, show_problem, &s, stats);
		store_read_free(t);
	}
	store_close(st);
	if (s.n > SHOW_MAX)
		fprintf(out, "registryd: check: ... and %lu more problems\n", s.n - SHOW_MAX);
	if (rc != RG_OK && rc != RG_ECORRUPT)
		fprintf(out, "registryd: cannot check store '%s' (%s)\n", dir, rg_strerror(rc));
	return rc;
}

int check_main(int argc, char **argv)
{
	bool file = false;
	struct store_check_stats stats = { 0 };
	struct admin_args a;
	const char *data;
	struct stat sb;
	int rc;

	if ((rc = admin_parse(argc, argv, &check_cmd, &a)) >= 0)
		return rc;
	data = a.data;
	if (a.n_operands == 1) {
		if (a.data_given) {
			fputs(usage_text, stderr);
			return 2;
		}
		// A path: a store directory, or a backup file (a store in one file).
		data = a.operands[0];
		file = lstat(data, &sb) == 0 && !S_ISDIR(sb.st_mode);
	}
	if (admin_become_owner(data, a.as_owner, argc, argv) != 0)
		return 1;
	rc = check_store_dir(data, file, stderr, &stats);
	if (rc == RG_ECORRUPT && stats.problems > 0) {
		fprintf(stderr, "registryd: store '%s' is not consistent (%llu problems)\n", data,
		        (unsigned long long)stats.problems);
		return 1;
	}
	if (rc != RG_OK)
		return 1;
	if (a.opt[CHECK_QUIET] == NULL)
		printf("store '%s' is consistent: revision %llu, %llu records, %llu references, "
		       "%llu changes\n",
		       data, (unsigned long long)stats.revision, (unsigned long long)stats.records,
		       (unsigned long long)stats.refs, (unsigned long long)stats.changes);
	return fflush(stdout) == 0 ? 0 : 1;
}
