/*
 * admin.h - admin/'s main file: what the offline admin commands (token.c, check.c,
 * restore.c; run by main.c as `registryd token|check|restore`, never while serving) do
 * before they open a data directory: their options, who they run as, and a directory that
 * does not exist yet.
 */
#ifndef REGISTRYD_ADMIN_H
#define REGISTRYD_ADMIN_H

#include <stdbool.h>

/* One option of one admin command, besides the --data, --as-owner and --help they all take. */
struct admin_opt {
	const char *name; /* "force" for --force; NULL ends the list */
	bool takes_value; /* --agency ID; false: a flag */
};

/*
 * An admin command's grammar, a constant table in its file: its usage text, its own
 * options (admin_args.opt[i] answers for opts[i]), how many operands.
 */
struct admin_cmd {
	const char *usage;
	const struct admin_opt *opts; /* at most ADMIN_OPTS_MAX; may be NULL */
	int min_operands;
	int max_operands;
};

#define ADMIN_OPTS_MAX 8

/* What every admin command takes. */
struct admin_args {
	const char *data; /* --data DIR; CONFIG_DEFAULT_DATA unless given */
	bool data_given;
	bool as_owner;   /* --as-owner */
	char **operands; /* what follows the options (in argv) */
	int n_operands;
	/* Per row of the command's opts: the value given (into argv), "" for a flag given,
	 * NULL when not given (the last one counts when given twice). */
	const char *opt[ADMIN_OPTS_MAX];
};

/*
 * Parses argv (argv[0] is the command: "token", "check", "restore") with getopt_long, as
 * cmd says. Returns -1 to go on with *out filled; otherwise the exit code to return: 0
 * after --help printed the usage to stdout (1 if it cannot be written), 2 after an unknown
 * option or a wrong number of operands printed it to stderr.
 */
int admin_parse(int argc, char **argv, const struct admin_cmd *cmd, struct admin_args *out);

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
