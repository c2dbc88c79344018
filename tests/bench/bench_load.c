/*
 * bench_load.c - the closed-loop load engine: N client threads, each with its own
 * connection, send one request, wait for its reply, and go again. Every client runs through
 * a warm-up (not recorded), then the measured window; latencies go to a per-thread
 * histogram that is merged at the end. Also the process helpers the run plan needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Values below 256 ns have a bucket each; above, 128 buckets per power of two. */
static size_t hist_index(uint64_t v)
{
	unsigned shift;
	size_t i;

	if (v < 256)
		return (size_t)v;
	shift = (unsigned)(63 - __builtin_clzll(v)) - 7;
	i = 256 + (size_t)(shift - 1) * 128 + (size_t)((v >> shift) - 128);
	return i < HIST_BUCKETS ? i : HIST_BUCKETS - 1;
}

/* The middle of bucket i. */
static uint64_t hist_value(size_t i)
{
	unsigned shift;
	uint64_t m;

	if (i < 256)
		return i;
	shift = (unsigned)((i - 256) / 128) + 1;
	m = (i - 256) % 128 + 128;
	return (m << shift) + ((uint64_t)1 << shift) / 2;
}

void hist_add(struct hist *h, uint64_t ns)
{
	h->counts[hist_index(ns)]++;
	h->n++;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
	dst->n += src->n;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (h->n == 0)
		return 0;
	rank = (uint64_t)(q * (double)h->n + 0.5);
	if (rank < 1)
		rank = 1;
	for (size_t i = 0; i < HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank)
			return hist_value(i) < h->max_ns ? hist_value(i) : h->max_ns;
	}
	return h->max_ns;
}

enum phase { PHASE_WARMUP, PHASE_MEASURE, PHASE_STOP };

struct shared {
	const struct load *l;
	pthread_barrier_t ready;
	atomic_int phase;
	atomic_int setup_failed;
};

struct client {
	struct shared *sh;
	unsigned index;
	pthread_t thread;
	struct hist hist;
	uint64_t ops, all_ops, errors;
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	struct shared *sh = c->sh;
	void *state = NULL;
	int ph;

	if (sh->l->ops->setup(&state, sh->l->arg, c->index) != 0)
		atomic_store(&sh->setup_failed, 1);
	pthread_barrier_wait(&sh->ready);
	if (atomic_load(&sh->setup_failed)) {
		if (state != NULL)
			sh->l->ops->teardown(state);
		return NULL;
	}
	while ((ph = atomic_load_explicit(&sh->phase, memory_order_relaxed)) != PHASE_STOP) {
		uint64_t t0 = bench_now_ns();
		int rc = sh->l->ops->op(state);
		uint64_t t1 = bench_now_ns();

		c->all_ops++;
		if (rc != 0) {
			c->errors++;
			continue;
		}
		// An op that began in the warm-up is not measured, even if it ends after.
		if (ph == PHASE_MEASURE) {
			hist_add(&c->hist, t1 - t0);
			c->ops++;
		}
	}
	sh->l->ops->teardown(state);
	return NULL;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int load_run(const struct load *l, struct result *r)
{
	struct shared sh = { .l = l };
	struct client *cs = calloc(l->clients, sizeof *cs);
	struct hist *all = calloc(1, sizeof *all);
	uint64_t t0, t1;
	unsigned i;

	if (cs == NULL || all == NULL) {
		free(cs);
		free(all);
		return -1;
	}
	atomic_init(&sh.phase, PHASE_WARMUP);
	atomic_init(&sh.setup_failed, 0);
	pthread_barrier_init(&sh.ready, NULL, l->clients + 1);
	for (i = 0; i < l->clients; i++) {
		cs[i].sh = &sh;
		cs[i].index = i;
		pthread_create(&cs[i].thread, NULL, client_main, &cs[i]);
	}
	pthread_barrier_wait(&sh.ready);
	if (!atomic_load(&sh.setup_failed)) {
		sleep_s(l->warmup_s);
		atomic_store(&sh.phase, PHASE_MEASURE);
		t0 = bench_now_ns();
		sleep_s(l->seconds);
		atomic_store(&sh.phase, PHASE_STOP);
		t1 = bench_now_ns();
	} else {
		t0 = t1 = 0;
	}
	for (i = 0; i < l->clients; i++)
		pthread_join(cs[i].thread, NULL);
	pthread_barrier_destroy(&sh.ready);

	r->ops = r->all_ops = r->errors = 0;
	for (i = 0; i < l->clients; i++) {
		hist_merge(all, &cs[i].hist);
		r->ops += cs[i].ops;
		r->all_ops += cs[i].all_ops;
		r->errors += cs[i].errors;
	}
	r->clients = l->clients;
	r->seconds = (double)(t1 - t0) / 1e9;
	r->ops_per_s = r->seconds > 0 ? (double)r->ops / r->seconds : 0;
	r->p50_us = (double)hist_quantile(all, 0.50) / 1e3;
	r->p99_us = (double)hist_quantile(all, 0.99) / 1e3;
	r->p999_us = (double)hist_quantile(all, 0.999) / 1e3;
	r->max_us = (double)all->max_ns / 1e3;
	r->ok = !atomic_load(&sh.setup_failed);
	free(cs);
	free(all);
	return r->ok ? 0 : -1;
}

int run_wait(char *const argv[], double *seconds, const char *out_path)
{
	uint64_t t0 = bench_now_ns();
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(out_path != NULL ? out_path : "/dev/null",
		              O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	*seconds = (double)(bench_now_ns() - t0) / 1e9;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool find_exe(const char *name, char *out, size_t n)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(name, '/') != NULL) {
		snprintf(out, n, "%s", name);
		return access(out, X_OK) == 0;
	}
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path != '\0') {
		size_t k = strcspn(path, ":");

		snprintf(buf, sizeof buf, "%.*s/%s", (int)k, path, name);
		if (access(buf, X_OK) == 0) {
			snprintf(out, n, "%s", buf);
			return true;
		}
		path += k;
		if (*path == ':')
			path++;
	}
	return false;
}
