/*
 * admin.c - the admin commands' care before opening a data directory (admin.h).
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "config.h"

// getopt_long's value of the i-th option of a command; below are the shared ones.
#define OPT_OWN      1000
#define OPT_DATA     1
#define OPT_AS_OWNER 2
#define OPT_HELP     'h'

int admin_parse(int argc, char **argv, const struct admin_cmd *cmd, struct admin_args *out)
{
	struct option opts[ADMIN_OPTS_MAX + 4] = {
		{ "data", required_argument, NULL, OPT_DATA },
		{ "as-owner", no_argument, NULL, OPT_AS_OWNER },
		{ "help", no_argument, NULL, OPT_HELP },
	};
	struct admin_args a = { .data = CONFIG_DEFAULT_DATA };
	size_t n = 3;
	int c;

	for (size_t i = 0; cmd->opts != NULL && cmd->opts[i].name != NULL; i++) {
		if (i == ADMIN_OPTS_MAX)
			break; /* a table past the bound: its last options are unknown */
		opts[n++] =
		        (struct option){ cmd->opts[i].name,
			                 cmd->opts[i].takes_value ? required_argument : no_argument,
			                 NULL, OPT_OWN + (int)i };
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c >= OPT_OWN) {
			a.opt[c - OPT_OWN] = cmd->opts[c - OPT_OWN].takes_value ? optarg : "";
		} else if (c == OPT_DATA) {
			a.data = optarg;
			a.data_given = true;
		} else if (c == OPT_AS_OWNER) {
			a.as_owner = true;
		} else if (c == OPT_HELP) {
			fputs(cmd->usage, stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		} else {
			fputs(cmd->usage, stderr);
			return 2;
		}
	}
	a.operands = argv + optind;
	a.n_operands = argc - optind;
	if (a.n_operands < cmd->min_operands || a.n_operands > cmd->max_operands) {
		fputs(cmd->usage, stderr);
		return 2;
	}
	*out = a;
	return -1;
}

int admin_make_dirs(const char *dir)
{
	char path[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof path)
		return ENAMETOOLONG;
	memcpy(path, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0750) != 0 && errno != EEXIST)
			return errno;
		path[i] = dir[i];
	}
	return 0;
}

int admin_become_owner(const char *dir, bool as_owner, int argc, char **argv)
{
	struct passwd *pw;
	struct stat sb;
	char user[32];

	if (geteuid() != 0 || stat(dir, &sb) != 0 || sb.st_uid == 0)
		return 0;
	pw = getpwuid(sb.st_uid);
	if (pw != NULL)
		snprintf(user, sizeof user, "%s", pw->pw_name);
	else
		snprintf(user, sizeof user, "#%u", (unsigned)sb.st_uid);
	if (!as_owner) {
		// argv as getopt left it (options first): the same command, ready to paste.
		fprintf(stderr,
		        "registryd: refusing to open '%s' as root (it belongs to '%s'; run "
		        "'sudo -u %s registryd",
		        dir, user, user);
		for (int i = 0; i < argc; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, "', or add --as-owner)\n");
		return 1;
	}
	// Group first: once the uid is dropped, setgid is no longer allowed.
	if (setgroups(0, NULL) != 0 || setgid(sb.st_gid) != 0 || setuid(sb.st_uid) != 0) {
		fprintf(stderr, "registryd: cannot become '%s' for '%s' (%s)\n", user, dir,
		        strerror(errno));
		return 1;
	}
	return 0;
}
