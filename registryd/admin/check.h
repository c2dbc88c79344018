/*
 * check.h - `registryd check` and `registryd restore`: administration commands on a
 * data directory that never start the daemon.
 */
#ifndef REGISTRYD_ADMIN_CHECK_H
#define REGISTRYD_ADMIN_CHECK_H

#include <stdbool.h>
#include <stdio.h>

#include "store.h"

/* Runs `check [--data DIR | FILE] [--quiet] [--as-owner]`; argv[0] is "check". Returns
 * the exit code: 0 consistent, 1 problems found or the store cannot be opened, 2 usage. */
int check_main(int argc, char **argv);

/* Runs `restore --data DIR FILE [--force]`; argv[0] is "restore". Returns the exit code:
 * 0 restored, 1 refused or failed, 2 usage. */
int restore_main(int argc, char **argv);

/*
 * Opens the store in dir (or, if file, the single store file dir: a backup) read-only and
 * runs store_check on it. Each problem goes to out as one line (at most 100; then how many
 * more). *stats (may be NULL) receives the counts. Returns RG_OK, RG_ECORRUPT (problems,
 * or not a stdreg store), or the open's error; when the store cannot be opened, out gets
 * one line saying why.
 */
int check_store_dir(const char *dir, bool file, FILE *out, struct store_check_stats *stats);

#endif
