/*
 * bench_daemon.c - a registryd child process for the benchmark: started on a free tcp port
 * and an ipc socket in its data directory, its stderr read through a pipe by a thread that
 * notes the listening URLs and `msg=ready` and then drains the per-request log lines (as a
 * journal or a log shipper would), stopped with SIGTERM.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "bench.h"

#define READY_TIMEOUT_S 300

struct drain {
	int fd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool ready, eof;
	uint64_t ready_ns;
	double commit_ms; /* of the last ApplyCommit in the request log (its us=) */
	char tcp_url[160];
	char http_url[160];
};

/* Looks at one complete log line. */
static void drain_line(struct drain *dr, const char *line)
{
	const char *u;

	if (strstr(line, "msg=listening") != NULL && (u = strstr(line, "url=tcp://")) != NULL) {
		size_t k = strcspn(u + 4, " \n");
		pthread_mutex_lock(&dr->lock);
		snprintf(dr->tcp_url, sizeof dr->tcp_url, "%.*s", (int)k, u + 4);
		pthread_mutex_unlock(&dr->lock);
	}
	if (strstr(line, "msg=listening") != NULL && (u = strstr(line, "url=http://")) != NULL) {
		size_t k = strcspn(u + 4, " \n");
		pthread_mutex_lock(&dr->lock);
		snprintf(dr->http_url, sizeof dr->http_url, "%.*s", (int)k, u + 4);
		pthread_mutex_unlock(&dr->lock);
	}
	if (strstr(line, "msg=ready") != NULL) {
		pthread_mutex_lock(&dr->lock);
		dr->ready = true;
		dr->ready_ns = bench_now_ns();
		pthread_cond_broadcast(&dr->cond);
		pthread_mutex_unlock(&dr->lock);
	}
	if (strstr(line, "level=error") != NULL)
		fprintf(stderr, "registryd: %s\n", line);
	if (strstr(line, "/ApplyCommit ") != NULL && (u = strstr(line, " us=")) != NULL) {
		pthread_mutex_lock(&dr->lock);
		dr->commit_ms = strtod(u + 4, NULL) / 1000.0;
		pthread_mutex_unlock(&dr->lock);
	}
}

double daemon_last_commit_ms(struct daemon *d)
{
	struct drain *dr = d->drain;
	double ms;

	pthread_mutex_lock(&dr->lock);
	ms = dr->commit_ms;
	pthread_mutex_unlock(&dr->lock);
	return ms;
}

static void *drain_main(void *arg)
{
	struct drain *dr = arg;
	char buf[65536], line[4096];
	size_t ll = 0;
	ssize_t n;
	bool looking = true;

	while ((n = read(dr->fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		// Once ready, only error lines matter; the request log is dropped unread.
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (ll + 1 < sizeof line)
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = '\0';
			ll = 0;
			if (looking || strstr(line, "level=error") != NULL ||
			    strstr(line, "/ApplyCommit ") != NULL)
				drain_line(dr, line);
			if (strstr(line, "msg=ready") != NULL)
				looking = false;
		}
	}
	pthread_mutex_lock(&dr->lock);
	dr->eof = true;
	pthread_cond_broadcast(&dr->cond);
	pthread_mutex_unlock(&dr->lock);
	return NULL;
}

char bench_token[128];

/* `registryd token create` on the data directory, before the daemon starts. */
static int make_token(const char *exe, const char *dir)
{
	char cmd[1400];
	FILE *p;
	size_t n;

	mkdir(dir, 0750); /* registryd would make it; the token comes first */
	snprintf(cmd, sizeof cmd, "'%s' token create --role admin --name bench --data '%s'", exe,
	         dir);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	if (fgets(bench_token, sizeof bench_token, p) == NULL)
		bench_token[0] = '\0';
	pclose(p);
	n = strlen(bench_token);
	while (n > 0 && (bench_token[n - 1] == '\n' || bench_token[n - 1] == '\r'))
		bench_token[--n] = '\0';
	if (n == 0)
		return -1;
	setenv("STDREG_TOKEN", bench_token, 1); /* for regctl apply, run as a child */
	return 0;
}

int daemon_start(struct daemon *d, const char *exe, const char *dir, bool no_sync,
                 unsigned contexts)
{
	struct drain *dr = calloc(1, sizeof *dr);
	char ctx[16], ipc[600];
	int pfd[2];
	uint64_t t0;
	struct timespec until;

	if (dr == NULL || pipe(pfd) != 0) {
		free(dr);
		return -1;
	}
	memset(d, 0, sizeof *d);
	snprintf(d->dir, sizeof d->dir, "%s", dir);
	// One admin principal per data directory (restarts of the same store keep it).
	static char token_dir[512];
	if (strcmp(token_dir, dir) != 0) {
		bench_token[0] = '\0';
		snprintf(token_dir, sizeof token_dir, "%s", dir);
	}
	if (bench_token[0] == '\0' && make_token(exe, dir) != 0) {
		fprintf(stderr, "stdreg-bench: cannot create a token in %s\n", dir);
		close(pfd[0]);
		close(pfd[1]);
		free(dr);
		return -1;
	}
	snprintf(ipc, sizeof ipc, "ipc://%s/registryd.sock", dir);
	snprintf(ctx, sizeof ctx, "%u", contexts);
	char *argv[] = { (char *)exe, "--data", (char *)dir, "--listen", "tcp://127.0.0.1:0",
		         "--listen", ipc, "--contexts", ctx,
		         // The HTTP face beside nng; every load thread of a run from one address.
		         "--http-listen", "http://127.0.0.1:0", "--http-max-per-address", "1024",
		         no_sync ? "--no-sync" : NULL, NULL };

	t0 = bench_now_ns();
	d->pid = fork();
	if (d->pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		free(dr);
		return -1;
	}
	if (d->pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		// Never outlive the bench, even when it crashes.
		prctl(PR_SET_PDEATHSIG, SIGTERM);

		dup2(pfd[1], 2);
		if (nul >= 0)
			dup2(nul, 1);
		close(pfd[0]);
		execv(exe, argv);
		_exit(127);
	}
	close(pfd[1]);
	dr->fd = pfd[0];
	pthread_mutex_init(&dr->lock, NULL);
	pthread_cond_init(&dr->cond, NULL);
	pthread_create(&dr->thread, NULL, drain_main, dr);
	d->drain = dr;
	d->log_fd = pfd[0];

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += READY_TIMEOUT_S;
	pthread_mutex_lock(&dr->lock);
	while (!dr->ready && !dr->eof)
		if (pthread_cond_timedwait(&dr->cond, &dr->lock, &until) == ETIMEDOUT)
			break;
	bool ready = dr->ready;
	d->startup_ms = ready ? (double)(dr->ready_ns - t0) / 1e6 : 0;
	snprintf(d->tcp_url, sizeof d->tcp_url, "%s", dr->tcp_url);
	snprintf(d->http_url, sizeof d->http_url, "%s", dr->http_url);
	pthread_mutex_unlock(&dr->lock);
	snprintf(d->ipc_url, sizeof d->ipc_url, "%s", ipc);
	if (!ready || d->tcp_url[0] == '\0') {
		fprintf(stderr, "stdreg-bench: registryd did not become ready\n");
		daemon_stop(d);
		return -1;
	}
	return 0;
}

void daemon_stop(struct daemon *d)
{
	struct drain *dr = d->drain;
	int status;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		while (waitpid(d->pid, &status, 0) < 0 && errno == EINTR)
			;
		d->pid = 0;
	}
	if (dr != NULL) {
		pthread_join(dr->thread, NULL);
		close(dr->fd);
		pthread_mutex_destroy(&dr->lock);
		pthread_cond_destroy(&dr->cond);
		free(dr);
		d->drain = NULL;
	}
}

long proc_rss_anon_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "RssAnon: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* The wchar line of an io file; 0 if it cannot be read. */
static uint64_t io_wchar(const char *path)
{
	char line[256];
	unsigned long long n = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "wchar: %llu", &n) == 1)
			break;
	fclose(f);
	return n;
}

uint64_t proc_write_bytes(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
	return io_wchar(path);
}

uint64_t thread_write_bytes(pid_t pid, const char *name)
{
	char path[128], comm[32];
	struct dirent *e;
	uint64_t n = 0;
	DIR *d;

	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n == 0) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%d/task/%.16s/comm", (int)pid, e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(comm, sizeof comm, f) != NULL && strncmp(comm, name, strlen(name)) == 0 &&
		    (comm[strlen(name)] == '\n' || comm[strlen(name)] == '\0')) {
			snprintf(path, sizeof path, "/proc/%d/task/%.16s/io", (int)pid, e->d_name);
			n = io_wchar(path);
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

uint64_t lmdb_last_txnid(const char *dir)
{
	MDB_env *env;
	MDB_envinfo info;
	uint64_t id = 0;

	if (mdb_env_create(&env) != 0)
		return 0;
	mdb_env_set_maxdbs(env, 16);
	if (mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0640) == 0 &&
	    mdb_env_info(env, &info) == 0)
		id = (uint64_t)info.me_last_txnid;
	mdb_env_close(env);
	return id;
}
