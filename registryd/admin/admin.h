/*
 * admin.h - admin/'s main file: what the offline admin commands (token.c, check.c,
 * restore.c; run by main.c as `registryd token|check|restore`, never while serving) do
 * before they open a data directory: who they run as, and a directory that does not exist
 * yet.
 */
#ifndef REGISTRYD_ADMIN_H
#define REGISTRYD_ADMIN_H

#include <stdbool.h>

/* mkdir -p with mode 0750. Returns 0 or an errno. */
int admin_make_dirs(const char *dir);

/*
 * Run as root on a directory that another user owns, an admin command would open files
 * that user controls (a planted link) with root's rights: refuse, printing the command to
 * run instead (sudo -u OWNER registryd ARGV...), unless as_owner, which drops to the
 * owner's uid and gid (and no supplementary groups) before anything is opened. argv is
 * the subcommand's (argv[0] "token", "check" or "restore"). A directory that does not
 * exist, or one root owns, needs nothing. Returns 0 to go on, 1 after printing why not.
 */
int admin_become_owner(const char *dir, bool as_owner, int argc, char **argv);

#endif
