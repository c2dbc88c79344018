/*
 * daemon.c - one registryd for a test harness (daemon.h says what each function promises).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"

#include "stdreg/v1/registry.pb-c.h"

#define POLL_US    25000
#define POLL_TRIES 400 /* 10 s of POLL_US */
#define PROBE_MS   500

bool harness_daemon_init(struct harness_daemon *d, const char *prog, const char *registryd)
{
	const char *tmp = getenv("TMPDIR");

	memset(d, 0, sizeof *d);
	d->prog = prog;
	d->registryd = registryd;
	snprintf(d->dir, sizeof d->dir, "%s/stdreg-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", prog);
	if (mkdtemp(d->dir) == NULL) {
		fprintf(stderr, "%s: mkdtemp: %s\n", prog, strerror(errno));
		return false;
	}
	snprintf(d->data_dir, sizeof d->data_dir, "%s/data", d->dir);
	snprintf(d->sock_url, sizeof d->sock_url, "ipc://%s/sock", d->dir);
	snprintf(d->log_path, sizeof d->log_path, "%s/daemon.log", d->dir);
	mkdir(d->data_dir, 0750);
	return true;
}

void harness_daemon_make_token(struct harness_daemon *d)
{
	char cmd[1024];
	FILE *p;

	snprintf(cmd, sizeof cmd, "'%s' token create --role admin --name %s --data '%s'",
	         d->registryd, d->prog, d->data_dir);
	p = popen(cmd, "r");
	if (p == NULL || fgets(d->token, sizeof d->token, p) == NULL) {
		fprintf(stderr, "%s: cannot create a token\n", d->prog);
		exit(2);
	}
	pclose(p);
	d->token[strcspn(d->token, "\n")] = '\0';
}

/* The daemon to kill at exit: a harness runs one, and atexit() passes no argument. */
static struct harness_daemon *running;

static void kill_leftover(void)
{
	if (running != NULL && running->pid > 0)
		harness_daemon_kill(running);
}

/* How many times the daemon's log says "msg=ready": the log grows across restarts, so a
 * start waits for one more than there were before it. */
static int ready_lines(const struct harness_daemon *d)
{
	FILE *f = fopen(d->log_path, "r");
	char line[512];
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		n += strstr(line, "msg=ready") != NULL;
	fclose(f);
	return n;
}

/* Whether the daemon has exited (it is reaped, and d->pid cleared: that pid may be reused). */
static bool has_exited(struct harness_daemon *d)
{
	if (waitpid(d->pid, NULL, WNOHANG) != d->pid)
		return false;
	d->pid = 0;
	return true;
}

static void exit_not_started(const struct harness_daemon *d, const char *why)
{
	fprintf(stderr, "%s: registryd %s (see %s)\n", d->prog, why, d->log_path);
	exit(2);
}

/* Calls WhoAmI until one succeeds: true, or false if the daemon exits or 10 s pass. */
static bool answers(struct harness_daemon *d)
{
	stdreg_client *c = harness_daemon_client(d, PROBE_MS);
	struct stdreg_status st = STDREG_STATUS_INIT;
	Stdreg__V1__WhoAmIRequest req = STDREG__V1__WHO_AM_IREQUEST__INIT;
	ProtobufCMessage *resp;

	for (int i = 0; i < POLL_TRIES; i++) {
		if (stdreg_call(c, "WhoAmI", &req.base, &stdreg__v1__who_am_iresponse__descriptor,
		                &resp, &st) == STDREG_OK) {
			protobuf_c_message_free_unpacked(resp, NULL);
			stdreg_status_release(&st);
			stdreg_client_close(c);
			return true;
		}
		if (has_exited(d))
			exit_not_started(d, "exited at start");
		usleep(POLL_US);
	}
	stdreg_status_release(&st);
	stdreg_client_close(c);
	return false;
}

void harness_daemon_start(struct harness_daemon *d)
{
	int ready_before = ready_lines(d);
	pid_t pid;

	if (running == NULL) {
		running = d;
		atexit(kill_leftover);
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", d->prog, strerror(errno));
		exit(2);
	}
	if (pid == 0) {
		int fd = open(d->log_path, O_WRONLY | O_CREAT | O_APPEND, 0640);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		// Only stdin, stdout and stderr: not the harness's nng and LMDB descriptors.
		for (int i = 3; i < 1024; i++)
			close(i);
		execl(d->registryd, d->registryd, "--data", d->data_dir, "--listen", d->sock_url,
		      (char *)NULL);
		_exit(127);
	}
	d->pid = pid;
	// Dial only once it listens: a client that dials the socket before registryd listens
	// on it can leave registryd answering nobody (docs/hardening.md).
	for (int i = 0; ready_lines(d) == ready_before; i++) {
		if (has_exited(d))
			exit_not_started(d, "exited at start");
		if (i == POLL_TRIES)
			exit_not_started(d, "not ready within 10 s");
		usleep(POLL_US);
	}
	// Ready when it answers.
	if (!answers(d))
		exit_not_started(d, "did not answer within 10 s");
}

void harness_daemon_kill(struct harness_daemon *d)
{
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	d->pid = 0;
}

void harness_daemon_stop(struct harness_daemon *d, harness_fail_fn *fail)
{
	int status;

	kill(d->pid, SIGTERM);
	waitpid(d->pid, &status, 0);
	d->pid = 0;
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		fail("registryd did not stop cleanly on SIGTERM (status %d)", status);
}

void harness_daemon_check_log(const struct harness_daemon *d, harness_fail_fn *fail)
{
	FILE *f = fopen(d->log_path, "r");
	char line[512];

	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL)
		if (strstr(line, "runtime error:") != NULL || strstr(line, "Sanitizer") != NULL) {
			fail("registryd's log reports: %s", line);
			break;
		}
	fclose(f);
}

stdreg_client *harness_daemon_client(const struct harness_daemon *d, uint32_t timeout_ms)
{
	struct stdreg_client_opts o = { .token = d->token, .timeout_ms = timeout_ms };
	struct stdreg_status st = STDREG_STATUS_INIT;
	stdreg_client *c;

	if (stdreg_client_open(&c, d->sock_url, &o, &st) != STDREG_OK) {
		fprintf(stderr, "%s: cannot open a client (%s)\n", d->prog, st.message);
		exit(2);
	}
	return c;
}

/* store_check's problem callback: arg is the harness's fail function. A function pointer
 * does not convert to void *, so it travels inside a struct. */
struct check_report {
	harness_fail_fn *fail;
};

static void report_problem(void *arg, const char *what, const char *id, const char *message)
{
	struct check_report *r = arg;

	r->fail("store_check: %s '%s': %s", what, id, message);
}

uint64_t harness_daemon_check_store(const struct harness_daemon *d, harness_fail_fn *fail)
{
	/* Read-write, as the daemon opens it when it starts again: a killed daemon's last
	 * commits are in the commit log until an open recovers them (store/wal.c). */
	struct store_opts rw = { 0 };
	struct store_error err = { 0 };
	struct store_check_stats stats = { 0 };
	struct check_report report = { fail };
	store_txn *t;
	store *st;

	if (store_open(&st, d->data_dir, &rw, &err) != RG_OK) {
		fail("cannot open the store of the stopped daemon (%s)", err.message);
		return 0;
	}
	if (store_read_begin(st, &t) == RG_OK) {
		int rc = store_check(t, report_problem, &report, &stats);
		if (rc != RG_OK && rc != RG_ECORRUPT)
			fail("store_check: %s", rg_strerror(rc));
		store_read_free(t);
	}
	store_close(st);
	return stats.revision;
}

static int remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

void harness_daemon_clean_up(const struct harness_daemon *d, bool keep)
{
	if (keep)
		printf("%s: kept %s\n", d->prog, d->dir);
	else
		nftw(d->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
