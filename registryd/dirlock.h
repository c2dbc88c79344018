/*
 * dirlock.h - one daemon per store: an exclusive lock on the data directory.
 */
#ifndef REGISTRYD_DIRLOCK_H
#define REGISTRYD_DIRLOCK_H

#include <stddef.h>

/* The lock file in the data directory; it holds the pid of the daemon that has it. */
#define DIRLOCK_NAME "registryd.lock"

/*
 * Takes an exclusive flock(2) on dir/registryd.lock (created 0640, never through a link)
 * and writes this process's pid into it. The lock lasts as long as the returned file
 * descriptor is open: keep it for the life of the daemon (the kernel drops it when the
 * process ends, however it ends). Admin commands (token, check) take no such lock.
 * Returns the descriptor, or -1 with why (n bytes) saying what failed: another process
 * holds the lock ("in use by registryd pid N" when the file names it), or the OS reason.
 */
int dirlock_take(const char *dir, char *why, size_t n);

#endif
