/*
 * stdreg-bench - measures registryd against the bare transport + LMDB ceiling and against
 * a local etcd, in one run, and prints a table (and --json FILE with every figure).
 *
 *   stdreg-bench [--registryd PATH | --endpoint URL [--endpoint-ipc URL]] [--items N]
 *                [--seconds S] [--warmup S] [--clients 1,16,64] [--transports tcp,ipc]
 *                [--cases get,list,put] [--no-sync] [--contexts N] [--no-ceiling]
 *                [--etcd PATH | --no-etcd] [--regctl PATH] [--apply-items N | --no-apply]
 *                [--apply-runs N] [--scale N] [--client nng|lean] [--tmpdir DIR] [--keep]
 *                [--json FILE]
 *
 * Clients talk nng REQ + protobuf-c directly (bench_stdreg.c), not through libstdreg;
 * --client lean swaps nng's REQ socket for a blocking SP/TCP socket (bench_req.c).
 * The daemon is loaded with --no-sync, then restarted as measured (synced commits unless
 * --no-sync): the restart gives the start-up time and the resident memory at that size.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>

#include "bench.h"

#define MAX_LIST    8
#define MAX_RESULTS 256

struct opts {
	char registryd[PATH_MAX], regctl[PATH_MAX], gen[PATH_MAX], etcd[PATH_MAX];
	const char *endpoint, *endpoint_ipc, *json, *tmpdir;
	unsigned items, apply_items, apply_runs, scale, contexts;
	double seconds, warmup;
	unsigned clients[MAX_LIST], n_clients;
	bool tcp, ipc, get, list, put;
	bool no_sync, ceiling, use_etcd, apply, keep;
};

/* Everything measured, for the table and the JSON. */
struct size_run {
	unsigned items;
	const char *load_how;
	double load_s, startup_ms;
	long rss_ready_kb, rss_after_kb;
	size_t item_size;
	struct result get1, list1, get16, list16; /* tcp */
};

/* snprintf for paths and notes: a long temporary directory cuts the text, never overflows. */
static void textf(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void textf(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, n, fmt, ap);
	va_end(ap);
}

static struct result results[MAX_RESULTS];
static size_t n_results;
static struct size_run base, scaled;
static bool have_scaled;
/* The apply and etcd's bulk loads run in rounds (--apply-runs): this VM's speed moves by
 * tens of percent from one run to the next, so each figure is the median of its rounds. */
#define MAX_APPLY_RUNS 9
static struct {
	bool ran, skipped;
	char note[200];
	double seconds; /* median end to end */
	double commit;  /* median server-side commit */
	double runs[MAX_APPLY_RUNS], commits[MAX_APPLY_RUNS];
	unsigned n_runs;
	int status;
	unsigned items;
	double etcd_best; /* median of etcd's faster front; 0: not measured */
} apply_run;
static struct {
	bool ran;
	char note[320];
	double load_s;
} etcd_run;

static struct result *add_result(const char *system, const char *op, const char *tr)
{
	struct result *r = &results[n_results < MAX_RESULTS - 1 ? n_results++ : n_results];

	memset(r, 0, sizeof *r);
	snprintf(r->system, sizeof r->system, "%s", system);
	snprintf(r->op, sizeof r->op, "%s", op);
	snprintf(r->transport, sizeof r->transport, "%s", tr);
	return r;
}

static const struct result *find_result(const char *system, const char *op, const char *tr,
                                        unsigned clients)
{
	for (size_t i = 0; i < n_results; i++)
		if (strcmp(results[i].system, system) == 0 && strcmp(results[i].op, op) == 0 &&
		    strcmp(results[i].transport, tr) == 0 && results[i].clients == clients &&
		    results[i].ok)
			return &results[i];
	return NULL;
}

static void print_result(const struct result *r)
{
	printf("%-8s %-5s %-8s %4u %10.0f %9.1f %9.1f %9.1f %7llu", r->system, r->op, r->transport,
	       r->clients, r->ops_per_s, r->p50_us, r->p99_us, r->p999_us,
	       (unsigned long long)r->errors);
	if (r->batch_avg > 0)
		printf("   batch %.1f", r->batch_avg);
	printf("\n");
	fflush(stdout);
}

static void run_case(const char *system, const char *op, const char *tr,
                     const struct client_ops *ops, void *arg, unsigned clients,
                     const struct opts *o, struct result *into)
{
	struct load l = { ops, arg, clients, o->warmup, o->seconds };
	struct result *r = into != NULL ? into : add_result(system, op, tr);

	if (into != NULL) {
		memset(r, 0, sizeof *r);
		snprintf(r->system, sizeof r->system, "%s", system);
		snprintf(r->op, sizeof r->op, "%s", op);
		snprintf(r->transport, sizeof r->transport, "%s", tr);
	}
	if (load_run(&l, r) != 0)
		fprintf(stderr, "stdreg-bench: %s %s %s at %u clients did not run\n", system, op,
		        tr, clients);
	print_result(r);
}

static void table_head(const char *title)
{
	printf("\n%s\n%-8s %-5s %-8s %4s %10s %9s %9s %9s %7s\n", title, "system", "op", "via",
	       "cli", "ops/s", "p50 us", "p99 us", "p99.9 us", "errors");
}

/* Starts a daemon on dir with the store loaded with items; fills the load and start-up
 * figures of sr. Loading runs with --no-sync; the daemon is then restarted as measured. */
static int start_loaded(struct daemon *d, const struct opts *o, const char *dir, unsigned items,
                        struct size_run *sr)
{
	sr->items = items;
	if (daemon_start(d, o->registryd, dir, true, o->contexts) != 0)
		return -1;
	printf("loading %u work items ... ", items);
	fflush(stdout);
	if (stdreg_load(d->tcp_url, items, 16, &sr->load_how, &sr->load_s) != 0) {
		daemon_stop(d);
		return -1;
	}
	printf("%.2f s (%s, --no-sync)\n", sr->load_s, sr->load_how);
	daemon_stop(d);
	if (daemon_start(d, o->registryd, dir, o->no_sync, o->contexts) != 0)
		return -1;
	sr->startup_ms = d->startup_ms;
	sr->rss_ready_kb = proc_rss_anon_kb(d->pid);
	sr->item_size = stdreg_item_size(d->tcp_url);
	printf("registryd start-up %.1f ms, RssAnon %ld KiB, stored work item %zu bytes\n",
	       sr->startup_ms, sr->rss_ready_kb, sr->item_size);
	return 0;
}

/* Point gets over registryd's HTTP face at http ("http://127.0.0.1:PORT"), JSON and
 * binary, at the same client counts as over nng. */
static void run_stdreg_http(const struct opts *o, const char *http, unsigned items)
{
	const char *colon = strrchr(http, ':');
	struct http_target t = { .port = colon != NULL ? atoi(colon + 1) : 0, .items = items };

	if (t.port <= 0 || !o->get)
		return;
	table_head("registryd over HTTP (Connect unary, keep-alive, one connection per client)");
	for (unsigned c = 0; c < o->n_clients; c++)
		run_case("stdreg", "get", "http-json", &http_get_json_ops, &t, o->clients[c], o,
		         NULL);
	for (unsigned c = 0; c < o->n_clients; c++)
		run_case("stdreg", "get", "http-pb", &http_get_proto_ops, &t, o->clients[c], o,
		         NULL);
}

/* What a put case wrote to storage: per commit and per put, in 4 KiB pages. */
static void print_writes(uint64_t bytes, uint64_t commits, uint64_t puts)
{
	if (bytes == 0 || commits == 0 || puts == 0)
		return;
	printf("%-36s written %.1f MiB: %.1f pages per commit, %.1f per put\n", "",
	       (double)bytes / (1 << 20), (double)bytes / 4096.0 / (double)commits,
	       (double)bytes / 4096.0 / (double)puts);
}

static void run_stdreg(const struct opts *o, const char *tcp, const char *ipc, const char *dir,
                       unsigned items, pid_t pid)
{
	struct stdreg_target t = { .items = items, .seed = 1 };
	const char *trs[2] = { o->tcp ? tcp : NULL, o->ipc ? ipc : NULL };
	const char *trn[2] = { "tcp", "ipc" };

	table_head("registryd");
	for (int k = 0; k < 2; k++) {
		if (trs[k] == NULL)
			continue;
		t.url = trs[k];
		for (unsigned c = 0; o->get && c < o->n_clients; c++) {
			run_case("stdreg", "get", trn[k], &stdreg_get_ops, &t, o->clients[c], o,
			         NULL);
			t.first_client += o->clients[c];
		}
		for (unsigned c = 0; o->list && c < o->n_clients; c++) {
			run_case("stdreg", "list", trn[k], &stdreg_list_ops, &t, o->clients[c], o,
			         NULL);
			t.first_client += o->clients[c];
		}
		for (unsigned c = 0; o->put && c < o->n_clients; c++) {
			struct result *r = add_result("stdreg", "put", trn[k]);
			uint64_t before = dir != NULL ? lmdb_last_txnid(dir) : 0, after;
			uint64_t wrote = pid > 0 ? thread_write_bytes(pid, "stdreg:writer") : 0;

			run_case("stdreg", "put", trn[k], &stdreg_put_ops, &t, o->clients[c], o, r);
			t.first_client += o->clients[c];
			after = dir != NULL ? lmdb_last_txnid(dir) : 0;
			wrote = pid > 0 ? thread_write_bytes(pid, "stdreg:writer") - wrote : 0;
			// One LMDB commit per batch: requests per commit is the batch size.
			if (after > before && r->all_ops > 0) {
				r->batch_avg =
				        (double)(r->all_ops - r->errors) / (double)(after - before);
				printf("%-36s commits %llu for %llu puts: %.2f puts per commit\n",
				       "", (unsigned long long)(after - before),
				       (unsigned long long)(r->all_ops - r->errors), r->batch_avg);
				print_writes(wrote, after - before, r->all_ops - r->errors);
			}
		}
	}
}

static void run_ceiling(const struct opts *o, const char *tmp, size_t value_size)
{
	struct ceiling *c;
	struct ceiling_target t = { .items = o->items, .value_size = value_size };
	char dir[PATH_MAX];
	const char *trn[2] = { "tcp", "ipc" };
	bool on[2] = { o->tcp, o->ipc };

	textf(dir, sizeof dir, "%s/ceiling", tmp);
	if (ceiling_start(&c, dir, o->items, value_size, o->contexts, o->no_sync) != 0)
		return;
	table_head("ceiling: bare nng REP + one LMDB operation per request (its own process)");
	for (int k = 0; k < 2; k++) {
		if (!on[k])
			continue;
		t.url = ceiling_url(c, k == 1);
		for (unsigned i = 0; o->get && i < o->n_clients; i++)
			run_case("ceiling", "get", trn[k], &ceiling_get_ops, &t, o->clients[i], o,
			         NULL);
		for (unsigned i = 0; o->list && i < o->n_clients; i++)
			run_case("ceiling", "list", trn[k], &ceiling_list_ops, &t, o->clients[i], o,
			         NULL);
		for (unsigned i = 0; o->put && i < o->n_clients; i++) {
			struct result *r = add_result("ceiling", "put", trn[k]);
			uint64_t wrote = proc_write_bytes(ceiling_pid(c));

			run_case("ceiling", "put", trn[k], &ceiling_put_ops, &t, o->clients[i], o,
			         r);
			wrote = proc_write_bytes(ceiling_pid(c)) - wrote;
			// One synced commit per put.
			print_writes(wrote, r->all_ops - r->errors, r->all_ops - r->errors);
		}
	}
	ceiling_stop(c);
}

/* The fronts of etcd the bench drives: its JSON gateway always, its native gRPC API where
 * gRPC's C library was found at build time. */
struct etcd_front {
	const char *transport, *title;
	const struct client_ops *get, *put;
	int (*bulk)(int port, char **lines, size_t n, unsigned clients, size_t per_txn,
	            double *seconds);
};
static const struct etcd_front etcd_fronts[] = {
	{ "http-gw", "etcd (JSON gateway /v3/kv/range and /v3/kv/put, synced)", &etcd_get_ops,
	  &etcd_put_ops, etcd_bulk },
#ifdef HAVE_GRPC
	{ "grpc", "etcd (native gRPC etcdserverpb.KV/Range and /Put, synced)", &etcd_grpc_get_ops,
	  &etcd_grpc_put_ops, etcd_grpc_bulk },
#endif
};
#define N_ETCD_FRONTS (sizeof etcd_fronts / sizeof etcd_fronts[0])
#ifdef HAVE_GRPC
#define ETCD_FRONTS_NOTE                                                                    \
	"through its JSON gateway (HTTP/1.1 keep-alive) and its native gRPC API (gRPC's C " \
	"library, HTTP/2), one connection per client"
#else
#define ETCD_FRONTS_NOTE                                                                  \
	"through its JSON gateway (HTTP/1.1 keep-alive, one connection per client); its " \
	"native gRPC API not measured: stdreg-bench was built without libgrpc-dev"
#endif

static void run_etcd(const struct opts *o, const char *tmp, size_t value_size)
{
	struct etcd e;
	struct etcd_target t = { .items = o->items, .value_size = value_size };
	char dir[PATH_MAX];

	textf(dir, sizeof dir, "%s/etcd", tmp);
	if (etcd_start(&e, o->etcd, dir) != 0) {
		textf(etcd_run.note, sizeof etcd_run.note, "etcd did not start");
		return;
	}
	t.port = e.port;
	printf("\netcd: loading %u values of %zu bytes ... ", o->items, value_size);
	fflush(stdout);
	if (etcd_load(&t, 16, &etcd_run.load_s) != 0) {
		printf("failed\n");
		textf(etcd_run.note, sizeof etcd_run.note, "loading etcd failed");
		etcd_stop(&e);
		return;
	}
	printf("%.2f s (16 clients, single puts)\n", etcd_run.load_s);
	etcd_run.ran = true;
	textf(etcd_run.note, sizeof etcd_run.note, "etcd %s " ETCD_FRONTS_NOTE, o->etcd);
	for (size_t f = 0; f < N_ETCD_FRONTS; f++) {
		const struct etcd_front *ef = &etcd_fronts[f];

		table_head(ef->title);
		for (unsigned i = 0; o->get && i < o->n_clients; i++)
			run_case("etcd", "get", ef->transport, ef->get, &t, o->clients[i], o, NULL);
		for (unsigned i = 0; o->put && i < o->n_clients; i++)
			run_case("etcd", "put", ef->transport, ef->put, &t, o->clients[i], o, NULL);
	}
	etcd_stop(&e);
}

/* The lines of file (malloc'd, newline removed) into *lines; -1 when it cannot be read. */
static int read_lines(const char *file, char ***lines, size_t *n)
{
	FILE *f = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0, room = 0;
	ssize_t len;

	*lines = NULL;
	*n = 0;
	if (f == NULL)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (*n == room) {
			room = room ? room * 2 : 1024;
			*lines = realloc(*lines, room * sizeof **lines);
		}
		(*lines)[(*n)++] = strdup(line);
	}
	free(line);
	fclose(f);
	return 0;
}

/* One bulk load of lines into a fresh etcd in dir through front: its time, or -1 on failure. */
static double etcd_bulk_once(const struct opts *o, const char *dir, char **lines, size_t n,
                             const struct etcd_front *front)
{
	struct etcd e;
	double s = -1;

	if (etcd_start(&e, o->etcd, dir) != 0)
		return -1;
	if (front->bulk(e.port, lines, n, 8, 128, &s) == 0) {
		// A load counts only if every record landed: etcd says how many keys it holds.
		long held = etcd_count_prefix(e.port, ETCD_BULK_PREFIX);

		if (held != (long)n) {
			printf("etcd bulk load: etcd holds %ld of the %zu records\n", held, n);
			s = -1;
		}
	} else {
		s = -1;
	}
	etcd_stop(&e);
	return s;
}

static double median(const double *v, unsigned n)
{
	double s[MAX_APPLY_RUNS];

	if (n == 0)
		return 0;
	memcpy(s, v, n * sizeof *s);
	for (unsigned i = 1; i < n; i++) /* insertion sort: at most nine */
		for (unsigned j = i; j > 0 && s[j] < s[j - 1]; j--) {
			double t = s[j];
			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* One `regctl apply -f file` into a fresh daemon on dir, its output in out: its time, or -1
 * with *status regctl's exit status (-1: the daemon did not start). */
static double apply_once(const struct opts *o, const char *dir, const char *out, const char *file,
                         double *commit, int *status)
{
	struct daemon d;
	double s;

	*status = -1;
	if (daemon_start(&d, o->registryd, dir, o->no_sync, o->contexts) != 0)
		return -1;
	char *aargv[] = { (char *)o->regctl, "--endpoint", d.tcp_url, "apply", "-f",
		          (char *)file,      NULL };
	*status = run_wait(aargv, &s, out);
	// Let the drain thread read the commit's log line before asking for it.
	struct timespec settle = { 0, 100 * 1000000L };
	nanosleep(&settle, NULL);
	*commit = daemon_last_commit_ms(&d) / 1000.0;
	daemon_stop(&d);
	return *status == 0 ? s : -1;
}

/*
 * Rounds of: regctl apply into an empty daemon, then etcd's bulk load of the same records
 * (128-put transactions from 8 clients, into an empty etcd, synced) through each of its
 * fronts. Alternating them gives both the same share of the machine's slow and fast spells.
 * The ratio is of the medians, to etcd's faster front (issue 18 holds regctl apply to half
 * its time).
 */
static void run_apply_rounds(const struct opts *o, const char *tmp, const char *file)
{
	char dir[PATH_MAX], **lines = NULL;
	double etcd_s[N_ETCD_FRONTS][MAX_APPLY_RUNS];
	unsigned etcd_n[N_ETCD_FRONTS] = { 0 };
	size_t n = 0;
	bool etcd = o->use_etcd;

	if (etcd && read_lines(file, &lines, &n) != 0) {
		printf("etcd bulk load: did not run (the file)\n");
		etcd = false;
	}
	printf("\nregctl apply of %u work items (stdreg-gen file, empty store, %s), %u rounds\n",
	       o->apply_items, o->no_sync ? "no-sync" : "synced", o->apply_runs);
	textf(apply_run.note, sizeof apply_run.note,
	      "exit status 0, output in %s/regctl-apply-*.txt", tmp);
	for (unsigned r = 0; r < o->apply_runs; r++) {
		char out[PATH_MAX];
		double commit = 0, s;
		int status;

		textf(dir, sizeof dir, "%s/apply-store-%u", tmp, r);
		textf(out, sizeof out, "%s/regctl-apply-%u.txt", tmp, r + 1);
		s = apply_once(o, dir, out, file, &commit, &status);
		if (s > 0)
			printf("  round %u: regctl apply %.3f s end to end (server-side commit "
			       "%.3f s)",
			       r + 1, s, commit);
		else
			printf("  round %u: regctl apply failed (exit status %d, output in %s)",
			       r + 1, status, out);
		if (status != 0 && apply_run.status == 0) { /* the first failure is the one shown */
			apply_run.status = status;
			textf(apply_run.note, sizeof apply_run.note, "exit status %d, output in %s",
			      status, out);
		}
		if (s > 0) {
			apply_run.runs[apply_run.n_runs] = s;
			apply_run.commits[apply_run.n_runs++] = commit;
		}
		for (size_t f = 0; etcd && f < N_ETCD_FRONTS; f++) {
			textf(dir, sizeof dir, "%s/etcd-bulk-%s-%u", tmp, etcd_fronts[f].transport,
			      r);
			s = etcd_bulk_once(o, dir, lines, n, &etcd_fronts[f]);
			printf(s > 0 ? ", etcd %s %.3f s" : ", etcd %s failed",
			       etcd_fronts[f].transport, s);
			if (s > 0)
				etcd_s[f][etcd_n[f]++] = s;
		}
		printf("\n");
	}
	apply_run.ran = apply_run.n_runs > 0;
	apply_run.items = o->apply_items;
	apply_run.seconds = median(apply_run.runs, apply_run.n_runs);
	apply_run.commit = median(apply_run.commits, apply_run.n_runs);
	if (apply_run.ran)
		printf("regctl apply, median of %u: %.3f s end to end, server-side commit %.3f s\n",
		       apply_run.n_runs, apply_run.seconds, apply_run.commit);
	for (size_t f = 0; etcd && f < N_ETCD_FRONTS; f++) {
		double m = median(etcd_s[f], etcd_n[f]);

		printf("etcd bulk load of the same %zu records (128-put txns, 8 clients, synced), "
		       "%s, "
		       "median of %u: ",
		       n, etcd_fronts[f].transport, etcd_n[f]);
		printf(etcd_n[f] > 0 ? "%.3f s\n" : "failed\n", m);
		if (etcd_n[f] > 0 && (apply_run.etcd_best <= 0 || m < apply_run.etcd_best))
			apply_run.etcd_best = m;
	}
	if (apply_run.ran && apply_run.etcd_best > 0)
		printf("regctl apply / etcd's best bulk load = %.2f (%.3f s / %.3f s, medians)\n",
		       apply_run.seconds / apply_run.etcd_best, apply_run.seconds,
		       apply_run.etcd_best);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* `regctl apply -f FILE` of apply_items generated work items, against etcd's bulk loads. */
static void run_apply(const struct opts *o, const char *tmp)
{
	char file[PATH_MAX], help[PATH_MAX], items[16], buf[8192];
	double s;
	FILE *f;
	size_t n;

	textf(help, sizeof help, "%s/regctl-help.txt", tmp);
	char *hargv[] = { (char *)o->regctl, "--help", NULL };
	if (access(o->regctl, X_OK) != 0 || run_wait(hargv, &s, help) < 0 ||
	    (f = fopen(help, "r")) == NULL) {
		apply_run.skipped = true;
		textf(apply_run.note, sizeof apply_run.note, "regctl not found at %s", o->regctl);
		return;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	if (strstr(buf, "apply") == NULL) {
		apply_run.skipped = true;
		textf(apply_run.note, sizeof apply_run.note, "regctl has no apply command yet");
		return;
	}
	textf(file, sizeof file, "%s/apply.jsonl", tmp);
	snprintf(items, sizeof items, "%u", o->apply_items);
	char *gargv[] = { (char *)o->gen, "--items", items, NULL };
	if (run_wait(gargv, &s, file) != 0) {
		apply_run.skipped = true;
		textf(apply_run.note, sizeof apply_run.note, "stdreg-gen failed");
		return;
	}
	run_apply_rounds(o, tmp, file);
}

/* The scale figures of one size: tcp get and list at 1 and 16 clients. */
static void run_scale_cases(const struct opts *o, const char *url, struct size_run *sr)
{
	struct stdreg_target t = { .url = url, .items = sr->items, .seed = 2 };

	run_case("stdreg", "get", "tcp", &stdreg_get_ops, &t, 1, o, &sr->get1);
	run_case("stdreg", "list", "tcp", &stdreg_list_ops, &t, 1, o, &sr->list1);
	run_case("stdreg", "get", "tcp", &stdreg_get_ops, &t, 16, o, &sr->get16);
	run_case("stdreg", "list", "tcp", &stdreg_list_ops, &t, 16, o, &sr->list16);
}

/* --- the report ------------------------------------------------------------------------- */

struct machine {
	long ncpu;
	char model[128], kernel[128], date[32];
};

static void machine_info(struct machine *m)
{
	struct utsname u;
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");
	time_t now = time(NULL);

	m->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(m->model, sizeof m->model, "unknown");
	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		char *c = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && c != NULL) {
			snprintf(m->model, sizeof m->model, "%s", c + 2);
			m->model[strcspn(m->model, "\n")] = '\0';
			break;
		}
	}
	if (f != NULL)
		fclose(f);
	if (uname(&u) == 0)
		textf(m->kernel, sizeof m->kernel, "%s %s %s", u.sysname, u.release, u.machine);
	strftime(m->date, sizeof m->date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
}

/* The 1-minute load average: other work on the machine shows up here. */
static double loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f != NULL) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

static double ratio(const struct result *a, const struct result *b)
{
	return a != NULL && b != NULL && b->ops_per_s > 0 ? a->ops_per_s / b->ops_per_s : 0;
}

static void print_ratios(const struct opts *o)
{
	static const char *const ops[] = { "get", "list", "put" };
	static const char *const trs[] = { "tcp", "ipc" };

	printf("\nratios (ops/s): stdreg / ceiling, stdreg / etcd through its JSON gateway and "
	       "its native gRPC (stdreg and ceiling clients: %s)\n",
	       bench_client == BENCH_CLIENT_LEAN ? "lean SP/TCP sockets, ipc through nng"
	                                         : "nng REQ sockets");
	printf("%-5s %-4s %4s %10s %10s %9s %10s %9s %11s %9s\n", "op", "via", "cli", "stdreg",
	       "ceiling", "/ceiling", "etcd (gw)", "/etcd", "etcd (grpc)", "/grpc");
	for (int k = 0; k < 2; k++)
		for (int p = 0; p < 3; p++)
			for (unsigned c = 0; c < o->n_clients; c++) {
				const struct result *s =
				        find_result("stdreg", ops[p], trs[k], o->clients[c]);
				const struct result *ce =
				        find_result("ceiling", ops[p], trs[k], o->clients[c]);
				// etcd only over TCP: compared with stdreg's tcp rows.
				const struct result *e =
				        k == 0 ? find_result("etcd", ops[p], "http-gw",
				                             o->clients[c])
				               : NULL;
				const struct result *g =
				        k == 0 ? find_result("etcd", ops[p], "grpc", o->clients[c])
				               : NULL;
				if (s == NULL)
					continue;
				printf("%-5s %-4s %4u %10.0f %10.0f %9.2f %10.0f %9.2f %11.0f "
				       "%9.2f\n",
				       ops[p], trs[k], o->clients[c], s->ops_per_s,
				       ce ? ce->ops_per_s : 0.0, ratio(s, ce),
				       e ? e->ops_per_s : 0.0, ratio(s, e), g ? g->ops_per_s : 0.0,
				       ratio(s, g));
			}
}

/* The HTTP face's point get beside nng's (tcp) and etcd's gateway, where both ran. */
static void print_http_ratios(const struct opts *o)
{
	static const char *const trs[] = { "http-json", "http-pb" };

	if (find_result("stdreg", "get", "http-json", o->clients[0]) == NULL &&
	    find_result("stdreg", "get", "http-pb", o->clients[0]) == NULL)
		return;
	printf("\nratios (ops/s): stdreg get over HTTP / over nng (tcp), / etcd (gateway, native "
	       "gRPC)\n");
	printf("%-9s %4s %10s %10s %9s %10s %9s %11s %9s\n", "via", "cli", "http", "nng tcp",
	       "/nng", "etcd (gw)", "/etcd", "etcd (grpc)", "/grpc");
	for (int k = 0; k < 2; k++)
		for (unsigned c = 0; c < o->n_clients; c++) {
			const struct result *h =
			        find_result("stdreg", "get", trs[k], o->clients[c]);
			const struct result *n = find_result("stdreg", "get", "tcp", o->clients[c]);
			const struct result *e =
			        find_result("etcd", "get", "http-gw", o->clients[c]);
			const struct result *g = find_result("etcd", "get", "grpc", o->clients[c]);

			if (h == NULL)
				continue;
			printf("%-9s %4u %10.0f %10.0f %9.2f %10.0f %9.2f %11.0f %9.2f\n", trs[k],
			       o->clients[c], h->ops_per_s, n ? n->ops_per_s : 0.0, ratio(h, n),
			       e ? e->ops_per_s : 0.0, ratio(h, e), g ? g->ops_per_s : 0.0,
			       ratio(h, g));
		}
}

static void print_scale(void)
{
	const struct size_run *r[2] = { &base, &scaled };

	printf("\nscale: registryd at %u and %u work items (tcp)\n", base.items, scaled.items);
	printf("%10s %8s %9s %9s %9s %9s %9s %9s %9s %9s %8s %8s\n", "items", "start ms",
	       "get1 p50", "get1 p99", "list1 p50", "list1 p99", "get16 p99", "list16 p99",
	       "get16/s", "list16/s", "anon KiB", "after");
	for (int i = 0; i < 2; i++)
		printf("%10u %8.1f %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %9.0f %9.0f %8ld %8ld\n",
		       r[i]->items, r[i]->startup_ms, r[i]->get1.p50_us, r[i]->get1.p99_us,
		       r[i]->list1.p50_us, r[i]->list1.p99_us, r[i]->get16.p99_us,
		       r[i]->list16.p99_us, r[i]->get16.ops_per_s, r[i]->list16.ops_per_s,
		       r[i]->rss_ready_kb, r[i]->rss_after_kb);
	if (base.get1.p99_us > 0 && base.list1.p99_us > 0)
		printf("p99 at %u / at %u: get %.2f, list %.2f (goal <= 1.5)\n", scaled.items,
		       base.items, scaled.get1.p99_us / base.get1.p99_us,
		       scaled.list1.p99_us / base.list1.p99_us);
}

static void json_result(FILE *f, const struct result *r, const char *sep)
{
	fprintf(f,
	        "    {\"system\":\"%s\",\"op\":\"%s\",\"transport\":\"%s\",\"clients\":%u,"
	        "\"ran\":%s,\"ops\":%llu,\"seconds\":%.3f,\"ops_per_s\":%.1f,\"p50_us\":%.1f,"
	        "\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,\"errors\":%llu,"
	        "\"puts_per_commit\":%.3f}%s\n",
	        r->system, r->op, r->transport, r->clients, r->ok ? "true" : "false",
	        (unsigned long long)r->ops, r->seconds, r->ops_per_s, r->p50_us, r->p99_us,
	        r->p999_us, r->max_us, (unsigned long long)r->errors, r->batch_avg, sep);
}

static void json_size(FILE *f, const char *name, const struct size_run *s, const char *sep)
{
	const struct result *rs[4] = { &s->get1, &s->list1, &s->get16, &s->list16 };

	fprintf(f,
	        "  \"%s\": {\"items\":%u,\"load\":\"%s\",\"load_s\":%.3f,\"startup_ms\":%.2f,"
	        "\"rss_anon_kib_ready\":%ld,\"rss_anon_kib_after\":%ld,\"item_bytes\":%zu,"
	        "\"cases\":[\n",
	        name, s->items, s->load_how ? s->load_how : "", s->load_s, s->startup_ms,
	        s->rss_ready_kb, s->rss_after_kb, s->item_size);
	for (int i = 0; i < 4; i++)
		json_result(f, rs[i], i < 3 ? "," : "");
	fprintf(f, "  ]}%s\n", sep);
}

static int write_json(const struct opts *o, const struct machine *m)
{
	FILE *f = fopen(o->json, "w");

	if (f == NULL) {
		fprintf(stderr, "stdreg-bench: cannot write '%s' (%s)\n", o->json, strerror(errno));
		return -1;
	}
	fprintf(f,
	        "{\n  \"machine\": {\"nproc\":%ld,\"model\":\"%s\",\"kernel\":\"%s\","
	        "\"date\":\"%s\"},\n",
	        m->ncpu, m->model, m->kernel, m->date);
	fprintf(f,
	        "  \"config\": {\"items\":%u,\"seconds\":%.2f,\"warmup\":%.2f,\"synced\":%s,"
	        "\"contexts\":%u,\"client\":\"%s + protobuf-c (no libstdreg)\"},\n",
	        o->items, o->seconds, o->warmup, o->no_sync ? "false" : "true", o->contexts,
	        bench_client == BENCH_CLIENT_LEAN ? "lean SP/TCP sockets (ipc: nng req0)"
	                                          : "nng req0");
	json_size(f, "base", &base, ",");
	if (have_scaled)
		json_size(f, "scaled", &scaled, ",");
	fprintf(f, "  \"etcd\": {\"ran\":%s,\"load_s\":%.3f,\"note\":\"%s\"},\n",
	        etcd_run.ran ? "true" : "false", etcd_run.load_s, etcd_run.note);
	fprintf(f,
	        "  \"apply\": {\"ran\":%s,\"items\":%u,\"rounds\":%u,\"seconds\":%.3f,"
	        "\"commit_seconds\":%.3f,\"etcd_best_seconds\":%.3f,\"exit_status\":%d,"
	        "\"note\":\"%s\"},\n",
	        apply_run.ran ? "true" : "false", apply_run.items, apply_run.n_runs,
	        apply_run.seconds, apply_run.commit, apply_run.etcd_best, apply_run.status,
	        apply_run.note);
	fprintf(f, "  \"results\": [\n");
	for (size_t i = 0; i < n_results; i++)
		json_result(f, &results[i], i + 1 < n_results ? "," : "");
	fprintf(f, "  ]\n}\n");
	return fclose(f) == 0 ? 0 : -1;
}

/* --- options ------------------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f, "usage: stdreg-bench [--registryd PATH | --endpoint URL [--endpoint-ipc URL]]\n"
	           "         [--items N] [--seconds S] [--warmup S] [--clients 1,16,64]\n"
	           "         [--transports tcp,ipc] [--cases get,list,put] [--no-sync] [--contexts "
	           "N]\n"
	           "         [--no-ceiling] [--etcd PATH | --no-etcd] [--regctl PATH]\n"
	           "         [--apply-items N | --no-apply] [--apply-runs N] [--scale N]\n"
	           "         [--client nng|lean] [--tmpdir DIR] [--keep] [--json FILE]\n");
}

/* The directory of this executable, for the default paths of its siblings in the build. */
static void self_dir(char *out, size_t n)
{
	ssize_t k = readlink("/proc/self/exe", out, n - 1);

	if (k <= 0) {
		snprintf(out, n, ".");
		return;
	}
	out[k] = '\0';
	char *slash = strrchr(out, '/');
	if (slash != NULL)
		*slash = '\0';
}

static bool parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v == 0 || v > 100000000)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; (p = strstr(p, w)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return true;
	return false;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		O_REGISTRYD = 256,
		O_ENDPOINT,
		O_ENDPOINT_IPC,
		O_ITEMS,
		O_SECONDS,
		O_WARMUP,
		O_CLIENTS,
		O_TRANSPORTS,
		O_CASES,
		O_NO_SYNC,
		O_CONTEXTS,
		O_NO_CEILING,
		O_ETCD,
		O_NO_ETCD,
		O_REGCTL,
		O_APPLY_ITEMS,
		O_NO_APPLY,
		O_APPLY_RUNS,
		O_SCALE,
		O_TMPDIR,
		O_KEEP,
		O_JSON,
		O_CLIENT,
		O_HELP
	};
	static const struct option lo[] = {
		{ "registryd", required_argument, NULL, O_REGISTRYD },
		{ "endpoint", required_argument, NULL, O_ENDPOINT },
		{ "endpoint-ipc", required_argument, NULL, O_ENDPOINT_IPC },
		{ "items", required_argument, NULL, O_ITEMS },
		{ "seconds", required_argument, NULL, O_SECONDS },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "clients", required_argument, NULL, O_CLIENTS },
		{ "transports", required_argument, NULL, O_TRANSPORTS },
		{ "cases", required_argument, NULL, O_CASES },
		{ "no-sync", no_argument, NULL, O_NO_SYNC },
		{ "contexts", required_argument, NULL, O_CONTEXTS },
		{ "no-ceiling", no_argument, NULL, O_NO_CEILING },
		{ "etcd", required_argument, NULL, O_ETCD },
		{ "no-etcd", no_argument, NULL, O_NO_ETCD },
		{ "regctl", required_argument, NULL, O_REGCTL },
		{ "apply-items", required_argument, NULL, O_APPLY_ITEMS },
		{ "no-apply", no_argument, NULL, O_NO_APPLY },
		{ "apply-runs", required_argument, NULL, O_APPLY_RUNS },
		{ "scale", required_argument, NULL, O_SCALE },
		{ "tmpdir", required_argument, NULL, O_TMPDIR },
		{ "keep", no_argument, NULL, O_KEEP },
		{ "json", required_argument, NULL, O_JSON },
		{ "client", required_argument, NULL, O_CLIENT },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	char dir[PATH_MAX - 64], *tok, *save, buf[256];
	const char *etcd_name = "etcd";
	int c;

	self_dir(dir, sizeof dir);
	*o = (struct opts){ .items = 10000,
		            .apply_items = 100000,
		            .apply_runs = 3,
		            .contexts = 64,
		            .seconds = 3,
		            .warmup = 0.5,
		            .clients = { 1, 16, 64 },
		            .n_clients = 3,
		            .tcp = true,
		            .ipc = true,
		            .get = true,
		            .list = true,
		            .put = true,
		            .ceiling = true,
		            .use_etcd = true,
		            .apply = true,
		            .tmpdir = "/tmp" };
	snprintf(o->registryd, sizeof o->registryd, "%s/../../registryd/registryd", dir);
	snprintf(o->regctl, sizeof o->regctl, "%s/../../client/regctl", dir);
	snprintf(o->gen, sizeof o->gen, "%s/stdreg-gen", dir);
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_REGISTRYD:
			snprintf(o->registryd, sizeof o->registryd, "%s", optarg);
			break;
		case O_ENDPOINT:
			o->endpoint = optarg;
			break;
		case O_ENDPOINT_IPC:
			o->endpoint_ipc = optarg;
			break;
		case O_ITEMS:
			if (!parse_uint(optarg, &o->items))
				goto bad;
			break;
		case O_APPLY_ITEMS:
			if (!parse_uint(optarg, &o->apply_items))
				goto bad;
			break;
		case O_APPLY_RUNS:
			if (!parse_uint(optarg, &o->apply_runs) || o->apply_runs == 0 ||
			    o->apply_runs > MAX_APPLY_RUNS)
				goto bad;
			break;
		case O_SCALE:
			if (!parse_uint(optarg, &o->scale))
				goto bad;
			break;
		case O_CONTEXTS:
			if (!parse_uint(optarg, &o->contexts))
				goto bad;
			break;
		case O_SECONDS:
		case O_WARMUP: {
			char *end;
			double v = strtod(optarg, &end);
			if (*end != '\0' || v < 0 || (c == O_SECONDS && v <= 0))
				goto bad;
			*(c == O_SECONDS ? &o->seconds : &o->warmup) = v;
			break;
		}
		case O_CLIENTS:
			o->n_clients = 0;
			snprintf(buf, sizeof buf, "%s", optarg);
			for (tok = strtok_r(buf, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				if (o->n_clients == MAX_LIST ||
				    !parse_uint(tok, &o->clients[o->n_clients]))
					goto bad;
				o->n_clients++;
			}
			if (o->n_clients == 0)
				goto bad;
			break;
		case O_TRANSPORTS:
			o->tcp = has_word(optarg, "tcp");
			o->ipc = has_word(optarg, "ipc");
			break;
		case O_CASES:
			o->get = has_word(optarg, "get");
			o->list = has_word(optarg, "list");
			o->put = has_word(optarg, "put");
			break;
		case O_NO_SYNC:
			o->no_sync = true;
			break;
		case O_NO_CEILING:
			o->ceiling = false;
			break;
		case O_ETCD:
			etcd_name = optarg;
			break;
		case O_NO_ETCD:
			o->use_etcd = false;
			break;
		case O_REGCTL:
			snprintf(o->regctl, sizeof o->regctl, "%s", optarg);
			break;
		case O_NO_APPLY:
			o->apply = false;
			break;
		case O_TMPDIR:
			o->tmpdir = optarg;
			break;
		case O_KEEP:
			o->keep = true;
			break;
		case O_JSON:
			o->json = optarg;
			break;
		case O_CLIENT:
			if (strcmp(optarg, "nng") == 0)
				bench_client = BENCH_CLIENT_NNG;
			else if (strcmp(optarg, "lean") == 0)
				bench_client = BENCH_CLIENT_LEAN;
			else
				goto bad;
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (o->use_etcd && !find_exe(etcd_name, o->etcd, sizeof o->etcd))
		o->use_etcd = false;
	return 0;
bad:
	fprintf(stderr, "stdreg-bench: invalid value '%s'\n", optarg);
	return 2;
}

/* rm -r of the temporary directory, through rm(1): it holds only what the bench made. */
static void remove_tree(const char *dir)
{
	double s;
	char *argv[] = { "/bin/rm", "-rf", (char *)dir, NULL };

	run_wait(argv, &s, NULL);
}

int main(int argc, char **argv)
{
	struct opts o;
	struct machine m;
	struct daemon d = { 0 };
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *tcp, *ipc;
	int rc;

	if (argc > 1 && strcmp(argv[1], "--ceiling-serve") == 0)
		return ceiling_serve_main(argc, argv);
	rc = parse_opts(argc, argv, &o);

	if (rc != 0)
		return rc == 1 ? 0 : 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	machine_info(&m);
	double load0 = loadavg();
	printf("stdreg-bench: %ld cpus, %s, %s, %s\n", m.ncpu, m.model, m.kernel, m.date);
	printf("items %u, %.1f s per case after %.1f s warm-up, %s commits, registryd --contexts "
	       "%u, client: nng req0 + protobuf-c\n",
	       o.items, o.seconds, o.warmup, o.no_sync ? "unsynced (--no-sync)" : "synced",
	       o.contexts);
	snprintf(tmp, sizeof tmp, "%s/stdreg-bench.XXXXXX", o.tmpdir);
	if (mkdtemp(tmp) == NULL) {
		fprintf(stderr, "stdreg-bench: cannot create a directory in '%s'\n", o.tmpdir);
		return 1;
	}

	if (o.endpoint != NULL && getenv("STDREG_TOKEN") != NULL)
		snprintf(bench_token, sizeof bench_token, "%s", getenv("STDREG_TOKEN"));
	if (o.endpoint != NULL) {
		base.items = o.items;
		if (stdreg_load(o.endpoint, o.items, 16, &base.load_how, &base.load_s) != 0)
			return 1;
		base.item_size = stdreg_item_size(o.endpoint);
		tcp = o.endpoint;
		ipc = o.endpoint_ipc;
		o.ipc = o.ipc && ipc != NULL;
		run_stdreg(&o, tcp, ipc, NULL, o.items, 0);
	} else {
		textf(dir, sizeof dir, "%s/registry-%u", tmp, o.items);
		if (start_loaded(&d, &o, dir, o.items, &base) != 0)
			return 1;
		run_stdreg(&o, d.tcp_url, d.ipc_url, dir, o.items, d.pid);
		run_stdreg_http(&o, d.http_url, o.items);
		if (o.scale != 0) {
			printf("\nscale cases at %u items\n", o.items);
			run_scale_cases(&o, d.tcp_url, &base);
		}
		base.rss_after_kb = proc_rss_anon_kb(d.pid);
		printf("registryd RssAnon after the cases: %ld KiB\n", base.rss_after_kb);
		daemon_stop(&d);
	}
	size_t value_size = base.item_size > 0 ? base.item_size : 400;

	if (o.ceiling)
		run_ceiling(&o, tmp, value_size);
	if (o.use_etcd)
		run_etcd(&o, tmp, value_size);
	else
		textf(etcd_run.note, sizeof etcd_run.note,
		      "etcd not measured (--no-etcd, or no etcd in PATH)");
	if (o.apply && o.endpoint == NULL)
		run_apply(&o, tmp);
	if (o.scale != 0 && o.endpoint == NULL) {
		printf("\nscale: %u work items\n", o.scale);
		textf(dir, sizeof dir, "%s/registry-%u", tmp, o.scale);
		if (start_loaded(&d, &o, dir, o.scale, &scaled) == 0) {
			table_head("registryd at scale");
			run_scale_cases(&o, d.tcp_url, &scaled);
			scaled.rss_after_kb = proc_rss_anon_kb(d.pid);
			daemon_stop(&d);
			have_scaled = true;
		}
	}

	printf("\n=== summary === (load average at the start %.2f, at the end %.2f)\n", load0,
	       loadavg());
	table_head("all cases");
	for (size_t i = 0; i < n_results; i++)
		print_result(&results[i]);
	print_ratios(&o);
	print_http_ratios(&o);
	if (etcd_run.note[0] != '\0')
		printf("etcd: %s\n", etcd_run.note);
	if (apply_run.skipped || apply_run.ran)
		printf("apply: %s%s\n", apply_run.skipped ? "skipped: " : "", apply_run.note);
	if (have_scaled)
		print_scale();
	if (o.json != NULL && write_json(&o, &m) != 0)
		rc = 1;
	if (!o.keep)
		remove_tree(tmp);
	else
		printf("kept %s\n", tmp);
	nng_fini();
	return rc;
}
