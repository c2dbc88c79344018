/*
 * daemon.h - one registryd for a test harness (tests/crash, tests/load): a fresh temporary
 * directory, the daemon started on an ipc socket in it and stopped again, clients of it, and
 * store_check run on its store while it is down.
 *
 * A harness is a program, not a library: every function here that cannot go on prints one
 * line ("<prog>: ...") and exits 2, the harnesses' exit code for "the test could not run".
 * Failures of what is being tested go to the harness's own fail function instead.
 */
#ifndef STDREG_TESTS_HARNESS_DAEMON_H
#define STDREG_TESTS_HARNESS_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "stdreg.h"
#include "store.h"

/* Reports one failure of what is tested (the harness counts it and goes on). */
typedef void harness_fail_fn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The layout is fixed: <dir>/data (the store), <dir>/sock, <dir>/daemon.log (stderr of every
 * start, appended). The fields are for reading; harness_daemon_* write them. */
struct harness_daemon {
	const char *prog;      /* the prefix of messages, and the token's name */
	const char *registryd; /* the binary */
	char dir[256];
	char data_dir[300];
	char sock_url[320];
	char log_path[300];
	char token[STORE_TOKEN_LEN + 1]; /* an admin token, once harness_daemon_make_token ran */
	pid_t pid;                       /* 0 = not running */
};

/*
 * Makes the temporary directory ($TMPDIR, or /tmp, "stdreg-<prog>.XXXXXX") and its data/.
 * prog and registryd must outlive d. Returns false, with perror printed, if mkdtemp fails.
 */
bool harness_daemon_init(struct harness_daemon *d, const char *prog, const char *registryd);

/* Creates the admin token (`registryd token create`, offline) into d->token, or exits 2. */
void harness_daemon_make_token(struct harness_daemon *d);

/*
 * Starts registryd and returns once it answers a call; exits 2 if it exits, or does not log
 * "msg=ready" and answer within 10 s each. The first start arranges that the daemon is
 * killed when the process exits, however the harness ends.
 */
void harness_daemon_start(struct harness_daemon *d);

/* SIGKILL, as a crash: the daemon gets no chance to finish anything. */
void harness_daemon_kill(struct harness_daemon *d);

/* SIGTERM, as an orderly shutdown: anything but exit status 0 is a failure, told to fail. */
void harness_daemon_stop(struct harness_daemon *d, harness_fail_fn *fail);

/* Tells fail about the first line of the daemon's log that is a sanitizer's report: a
 * sanitizer told to go on after an error says so only there. */
void harness_daemon_check_log(const struct harness_daemon *d, harness_fail_fn *fail);

/* A client of the daemon with the admin token and timeout_ms for each call, or exits 2.
 * The caller closes it with stdreg_client_close(). */
stdreg_client *harness_daemon_client(const struct harness_daemon *d, uint32_t timeout_ms);

/*
 * Runs store_check on the store of a stopped daemon (read only); each problem, and a store
 * that cannot be opened or checked, goes to fail. Returns the revision the store holds (0 if
 * it could not be opened).
 */
uint64_t harness_daemon_check_store(const struct harness_daemon *d, harness_fail_fn *fail);

/* Removes the temporary directory, or with keep leaves it and says where it is. */
void harness_daemon_clean_up(const struct harness_daemon *d, bool keep);

#endif
