/*
 * admin.c - the admin commands' care before opening a data directory (admin.h).
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"

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
