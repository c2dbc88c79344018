/*
 * load.c - the load test: registryd under many clients with a mixed read/write load while
 * bulk applies commit beside them, for a fixed time, then checked.
 *
 * One registryd (synced commits, ipc socket, a fresh store) is seeded with agencies, bodies,
 * areas and items in one apply. Then, for --seconds:
 *
 *   readers   (3 of every 4 clients) point gets of seeded records and of the writers' areas,
 *             and list pages: the items of one seeded area walked page by page (the walk
 *             must find every item of the area), the areas, the agencies
 *   writers   (the other clients) each own areas w<C>-<k> and write goal "seq N" with N
 *             rising, each put conditional on the mod_revision of its last acknowledged put
 *             (no one else writes them, so it must hold); now and then a get of one of them
 *             must return exactly the last acknowledged put (read your writes)
 *   appliers  (--appliers, default 1, clients of their own) repeatedly stdreg_apply() a batch
 *             of --apply-records new records (areas b<A>-<n>-<j> and items bi<A>-<n>-<j>)
 *
 * Every call must return OK; the first that does not fails the run, naming the call. Each
 * client's successive replies must never show an older store revision than one it has seen.
 *
 * "Reads never wait for the writer" is checked by ordering, never by timing: an applier marks
 * the window of each commit (from the progress callback reporting every chunk staged, just
 * before ApplyCommit is sent, to the return of stdreg_apply) with a sequence number that is
 * odd inside it. A read that sees the same odd number before it is sent and after its reply
 * came ran entirely inside that commit's window. At least one read must have, and at least
 * one of those must have been served from a snapshot older than the commit (its reply's
 * revision is below the commit's): it was answered while the commit was still to come or
 * being written, not after it. Latencies are printed, not judged.
 *
 * After the run: every writer's area holds its last acknowledged seq at its acknowledged
 * revision; every acknowledged apply's records are all there, as sent; nothing else is; the
 * store revision is at least every acknowledged one. The daemon must stop cleanly on SIGTERM
 * and store_check must find nothing in the store it leaves.
 *
 * usage: load --registryd PATH [--clients N] [--seconds S] [--seed N] [--appliers A]
 *             [--apply-records R] [--keep]
 */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "load.h"

static struct harness_daemon registryd;
static pthread_mutex_t fail_mtx = PTHREAD_MUTEX_INITIALIZER;
int n_clients = 64, n_writers, n_appliers = 1, apply_records = 5000;
struct client clients[MAX_CLIENTS];
struct applier appliers[MAX_APPLIERS];
const struct stdreg_kind *k_area, *k_item, *k_agency;
atomic_bool stopping;
atomic_int failures;

/* Reports one failure and stops the load: the first error ends the run. */
void fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_mtx);
	if (atomic_fetch_add(&failures, 1) < 20) {
		fputs("load: FAIL: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	pthread_mutex_unlock(&fail_mtx);
	atomic_store(&stopping, true);
}

void oom(void)
{
	fprintf(stderr, "load: out of memory\n");
	exit(2);
}

char *xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 8) & 0xffffff;
}

uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void lat_push(struct lat *l, uint64_t us)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		uint32_t *v = realloc(l->v, cap * sizeof *v);
		if (v == NULL)
			oom();
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* --- the daemon (tests/harness/daemon.c) --------------------------------------------- */

stdreg_client *client_open(uint32_t timeout_ms)
{
	return harness_daemon_client(&registryd, timeout_ms);
}

/* --- main ------------------------------------------------------------------------------- */

/* Runs the clients and appliers for seconds (less if one fails); the seconds it took. */
static double run(double seconds)
{
	uint64_t t0;

	for (int i = 0; i < n_clients; i++)
		clients[i].c = client_open(CALL_MS);
	for (int a = 0; a < n_appliers; a++) {
		appliers[a].id = a;
		appliers[a].c = client_open(CALL_MS);
	}
	t0 = now_us();
	for (int i = 0; i < n_clients; i++)
		if (pthread_create(&clients[i].thread, NULL, client_main, &clients[i]) != 0) {
			fprintf(stderr, "load: cannot start a thread\n");
			exit(2);
		}
	for (int a = 0; a < n_appliers; a++)
		if (pthread_create(&appliers[a].thread, NULL, applier_main, &appliers[a]) != 0) {
			fprintf(stderr, "load: cannot start a thread\n");
			exit(2);
		}
	while (!atomic_load(&stopping) && now_us() - t0 < (uint64_t)(seconds * 1e6))
		usleep(20000);
	atomic_store(&stopping, true);
	for (int i = 0; i < n_clients; i++)
		pthread_join(clients[i].thread, NULL);
	for (int a = 0; a < n_appliers; a++)
		pthread_join(appliers[a].thread, NULL);
	return (double)(now_us() - t0) / 1e6;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "registryd", required_argument, NULL, 'r' },
		{ "clients", required_argument, NULL, 'c' },
		{ "seconds", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "appliers", required_argument, NULL, 'a' },
		{ "apply-records", required_argument, NULL, 'n' },
		{ "keep", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *registryd_path = NULL;
	double seconds = 8;
	unsigned seed = (unsigned)time(NULL);
	bool keep = false;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			registryd_path = optarg;
			break;
		case 'c':
			n_clients = atoi(optarg);
			break;
		case 't':
			seconds = atof(optarg);
			break;
		case 's':
			seed = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'a':
			n_appliers = atoi(optarg);
			break;
		case 'n':
			apply_records = atoi(optarg) & ~1; /* half areas, half items */
			break;
		case 'k':
			keep = true;
			break;
		default:
			fprintf(stderr, "usage: load --registryd PATH [--clients N] [--seconds S] "
			                "[--seed N] [--appliers A] [--apply-records R] [--keep]\n");
			return 2;
		}
	}
	if (registryd_path == NULL)
		registryd_path = getenv("REGISTRYD");
	if (registryd_path == NULL || n_clients < 1 || n_clients > MAX_CLIENTS || n_appliers < 1 ||
	    n_appliers > MAX_APPLIERS || apply_records < 2 || seconds <= 0) {
		fprintf(stderr,
		        "load: bad arguments (--registryd PATH is required; --clients "
		        "1..%d, --appliers 1..%d, --apply-records 2 or more, --seconds "
		        "above 0)\n",
		        MAX_CLIENTS, MAX_APPLIERS);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!harness_daemon_init(&registryd, "load", registryd_path))
		return 2;
	k_area = stdreg_kind_find("area");
	k_item = stdreg_kind_find("item");
	k_agency = stdreg_kind_find("agency");
	// Clients 0, 4, 8 ... write; reader_step() counts on it.
	for (int i = 0; i < n_clients; i++) {
		clients[i].id = i;
		clients[i].writer = i % 4 == 0;
		clients[i].rng = seed * 31u + (unsigned)i * 7919u + 1;
		n_writers += clients[i].writer;
	}
	printf("load: %d clients (%d readers, %d writers) and %d applier%s of %d records for "
	       "%g s, seed %u, in %s\n",
	       n_clients, n_clients - n_writers, n_writers, n_appliers, n_appliers > 1 ? "s" : "",
	       apply_records, seconds, seed, registryd.dir);
	fflush(stdout);
	harness_daemon_make_token(&registryd);
	harness_daemon_start(&registryd);
	seed_registry();

	double elapsed = run(seconds);
	bool run_ok = atomic_load(&failures) == 0;
	struct figures f = { 0 };
	uint64_t checked = 0, on_disk;

	figures_collect(&f);
	// After a failure the run was cut short: writes in flight were never settled.
	if (run_ok) {
		checked = verify_all(f.acked_max);
		if (f.applies == 0)
			fail("no bulk apply was acknowledged in %.1f s", elapsed);
		else if (f.in_win == 0)
			fail("no read ran inside any of the %llu commit windows (reads wait for "
			     "the writer)",
			     (unsigned long long)f.applies);
		else if (f.before == 0)
			fail("each of the %llu reads inside a commit window saw the commit (reads "
			     "wait for the writer)",
			     (unsigned long long)f.in_win);
	}
	for (int i = 0; i < n_clients; i++)
		stdreg_client_close(clients[i].c);
	for (int a = 0; a < n_appliers; a++)
		stdreg_client_close(appliers[a].c);
	harness_daemon_stop(&registryd, fail);
	harness_daemon_check_log(&registryd, fail);
	on_disk = harness_daemon_check_store(&registryd, fail);
	if (on_disk < f.acked_max)
		fail("the store is at revision %llu after the run; revision %llu was acknowledged",
		     (unsigned long long)on_disk, (unsigned long long)f.acked_max);
	figures_print(&f, elapsed);
	int nfail = atomic_load(&failures);
	if (run_ok)
		printf("load: checked %llu records against the acknowledged log; revision %llu on "
		       "disk, %llu acknowledged; store_check %s\n",
		       (unsigned long long)checked, (unsigned long long)on_disk,
		       (unsigned long long)f.acked_max, nfail == 0 ? "clean" : "see above");
	printf("load: %s: %d clients for %.1f s: %llu reads, %llu puts, %llu applies; %llu reads "
	       "inside %llu of %llu commit windows; %d failures\n",
	       nfail ? "FAILED" : "ok", n_clients, elapsed, (unsigned long long)(f.gets + f.lists),
	       (unsigned long long)f.puts, (unsigned long long)f.applies,
	       (unsigned long long)f.in_win, (unsigned long long)f.windows_read,
	       (unsigned long long)f.applies, nfail);
	figures_release(&f);
	harness_daemon_clean_up(&registryd, keep || nfail != 0);
	if (fflush(stdout) != 0)
		return 1;
	return nfail ? 1 : 0;
}
