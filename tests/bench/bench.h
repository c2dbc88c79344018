/*
 * bench.h - stdreg-bench: the parts shared by its files.
 *
 *   bench_main.c     options, the run plan, the report (table and JSON)
 *   bench_load.c     the closed-loop load engine (threads, warm-up, histogram)
 *   bench_stdreg.c   requests to registryd: nng REQ + protobuf-c, no libstdreg
 *   bench_req.c      the request side: nng's REQ socket or a lean blocking SP/TCP client
 *   bench_daemon.c   starting and stopping registryd, RssAnon, LMDB commit count
 *   bench_ceiling.c  the bare nng REP + LMDB server of ceiling mode
 *   bench_etcd.c     a local etcd and its JSON gateway over keep-alive HTTP/1.1
 *   bench_etcd_grpc.c  etcd's native gRPC API (built where libgrpc-dev is installed)
 *   bench_http.c     registryd's HTTP face (Connect, JSON and binary), keep-alive
 *   bench_httpc.c    the keep-alive HTTP/1.1 client of both
 */
#ifndef STDREG_BENCH_H
#define STDREG_BENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* --- latency histogram: log-linear, 128 sub-buckets per power of two (< 0.8% error) ---- */

#define HIST_BUCKETS 4608

struct hist {
	uint64_t n;
	uint64_t max_ns;
	uint64_t counts[HIST_BUCKETS];
};

void hist_add(struct hist *h, uint64_t ns);
void hist_merge(struct hist *dst, const struct hist *src);
/* The q-quantile (0 < q <= 1) in nanoseconds; 0 when empty. */
uint64_t hist_quantile(const struct hist *h, double q);

uint64_t bench_now_ns(void);

/* --- the load engine --------------------------------------------------------------- */

/*
 * A client kind: setup() makes one client's state (its own socket or connection) before
 * the clock starts; op() does one request and returns 0 when the reply was the expected
 * one; teardown() frees the state. arg is the kind's shared argument.
 */
struct client_ops {
	int (*setup)(void **state, void *arg, unsigned index);
	int (*op)(void *state);
	void (*teardown)(void *state);
};

struct load {
	const struct client_ops *ops;
	void *arg;
	unsigned clients;
	double warmup_s;
	double seconds;
};

struct result {
	char system[16];    /* "stdreg", "ceiling", "etcd" */
	char op[16];        /* "get", "list", "put" */
	char transport[16]; /* "tcp", "ipc", "http-gw" */
	unsigned clients;
	uint64_t ops;     /* measured ops (after warm-up) */
	uint64_t all_ops; /* including warm-up */
	uint64_t errors;  /* unexpected replies or failures, whole run */
	double seconds;   /* measured duration */
	double ops_per_s;
	double p50_us, p99_us, p999_us, max_us;
	double batch_avg; /* puts: requests per LMDB commit (0 = not observed) */
	bool ok;          /* the case ran (clients could connect) */
};

/* Runs the load; fills r's figures (not its names). Returns 0, or -1 if setup failed. */
int load_run(const struct load *l, struct result *r);

/* --- the request side of the stdreg and ceiling clients (bench_req.c) ---------------- */

enum bench_client {
	BENCH_CLIENT_NNG,  /* nng's REQ socket (its own task and poller threads) */
	BENCH_CLIENT_LEAN, /* one blocking socket speaking SP over TCP; ipc:// stays on nng */
};
extern enum bench_client bench_client; /* set once, before any case */

struct req_conn;
/* Dials url; -1 (and a line on stderr) if it cannot. */
int req_conn_open(struct req_conn **c, const char *url, int timeout_ms);
/* Sends len bytes, waits for the reply (*rep, freed with req_conn_free_reply); 0 or -1. */
int req_conn_call(struct req_conn *c, const void *buf, size_t len, void **rep, size_t *rlen);
void req_conn_free_reply(struct req_conn *c, void *rep, size_t rlen);
void req_conn_close(struct req_conn *c);

/* --- the data set ------------------------------------------------------------------ */

#define BENCH_AREAS  40
#define BENCH_BODIES 20

/* Deterministic content of work item i: the same i always gives the same item, with
 * notes padded so that the stored record is about 400 bytes. version changes the notes
 * (for updates that are real changes). */
struct item_text {
	char id[32];
	char reference[32];
	char title[96];
	char body_id[16];
	char area_ids[2][16];
	unsigned n_areas;
	char stage[8];
	char target_date[16];
	char notes[256];
};
void item_text(unsigned i, uint64_t version, struct item_text *t);

/* --- registryd over nng + protobuf (bench_stdreg.c) -------------------------------- */

struct stdreg_target {
	const char *url;
	unsigned items;
	uint64_t seed;
	/* Clients of the run's earlier cases on this daemon: a client numbers its request ids
	 * and texts from first_client + its index, so that no later case sends an earlier
	 * one's requests again (registryd would answer them from memory, dedupe.h, and a put
	 * of the text stored writes nothing). */
	unsigned first_client;
};

extern const struct client_ops stdreg_get_ops, stdreg_list_ops, stdreg_put_ops;

/* Loads areas, bodies and items [0, items) into the daemon at url: ApplyChunk/ApplyCommit
 * when the daemon serves them, else PutArea/PutBody/PutWorkItem from `clients` threads.
 * *how says which ("bulk" or "puts"). Returns 0 or -1 (message on stderr). */
int stdreg_load(const char *url, unsigned items, unsigned clients, const char **how,
                double *seconds);
/* Size of the stored record of item 0 as GetWorkItem returns it; 0 on failure. */
size_t stdreg_item_size(const char *url);

/* --- registryd process (bench_daemon.c) -------------------------------------------- */

struct daemon {
	pid_t pid;
	char dir[512];
	char tcp_url[160];
	char ipc_url[600];
	char http_url[160]; /* --http-listen's bound address, "" if none */
	double startup_ms;  /* exec to msg=ready */
	int log_fd;         /* read end of the daemon's stderr, drained by a thread */
	void *drain;        /* the drain thread */
};

int daemon_start(struct daemon *d, const char *exe, const char *dir, bool no_sync,
                 unsigned contexts);

/* The token writes carry: an admin's, made by daemon_start (`registryd token create`) or
 * taken from STDREG_TOKEN for --endpoint. Reads go without one, as anonymous callers. */
extern char bench_token[128];
void daemon_stop(struct daemon *d);
/* The server-side time of the last ApplyCommit (ms, from its request log line); 0 if none. */
double daemon_last_commit_ms(struct daemon *d);
/* RssAnon of pid in KiB, -1 if unknown. */
long proc_rss_anon_kb(pid_t pid);
/* Bytes the thread of pid named name has handed to write calls (/proc/PID/task/TID/io
 * wchar): for registryd's "stdreg:writer", what its commits write. 0 if unknown. */
uint64_t thread_write_bytes(pid_t pid, const char *name);
/* Bytes pid has handed to write calls, all threads (/proc/PID/io wchar); 0 if unknown. */
uint64_t proc_write_bytes(pid_t pid);
/* The last committed LMDB transaction id of the environment in dir (one per commit),
 * read through a read-only environment; 0 if it cannot be read. */
uint64_t lmdb_last_txnid(const char *dir);

/* --- ceiling (bench_ceiling.c) ----------------------------------------------------- */

struct ceiling;
int ceiling_start(struct ceiling **out, const char *dir, unsigned items, size_t value_size,
                  unsigned contexts, bool no_sync);
const char *ceiling_url(const struct ceiling *c, bool ipc);
pid_t ceiling_pid(const struct ceiling *c);
void ceiling_stop(struct ceiling *c);
/* The serving process's main: stdreg-bench --ceiling-serve DIR ITEMS VALUE_SIZE CONTEXTS
 * NO_SYNC; prints its two URLs on a line when ready and serves until SIGTERM. */
int ceiling_serve_main(int argc, char **argv);

struct ceiling_target {
	const char *url;
	unsigned items;
	size_t value_size;
};
extern const struct client_ops ceiling_get_ops, ceiling_list_ops, ceiling_put_ops;

/* --- etcd (bench_etcd.c) ----------------------------------------------------------- */

struct etcd {
	pid_t pid;
	int port;
	char dir[512];
};

int etcd_start(struct etcd *e, const char *exe, const char *dir);
void etcd_stop(struct etcd *e);

struct etcd_target {
	int port;
	unsigned items;
	size_t value_size;
};
extern const struct client_ops etcd_get_ops, etcd_put_ops;
int etcd_load(const struct etcd_target *t, unsigned clients, double *seconds);
/* The keys of the bulk loads: ETCD_BULK_PREFIX and the line's number, "bulk-0000042". */
#define ETCD_BULK_PREFIX "bulk-"
/* Puts lines[0..n) (keys "bulk-N") in transactions of per_txn puts from clients
 * connections at once: etcd's best bulk load. */
int etcd_bulk(int port, char **lines, size_t n, unsigned clients, size_t per_txn, double *seconds);
/* How many keys etcd holds under prefix (a count-only range through the gateway); -1 if
 * it cannot tell. */
long etcd_count_prefix(int port, const char *prefix);

/* One client's share of a bulk load: transaction t holds lines [t * per_txn, (t + 1) *
 * per_txn), and the client of index k sends transactions k, k + clients, ... */
struct bulk_part {
	int port;
	char **lines;
	size_t n, per_txn;
	unsigned index, clients;
	int failed;
	pthread_t thread;
};
/* Runs part_main(struct bulk_part *) on clients threads at once; the wall time in *seconds.
 * Returns 0, or -1 if any part failed. */
int bulk_parts_run(int port, char **lines, size_t n, unsigned clients, size_t per_txn,
                   void *(*part_main)(void *), double *seconds);

#ifdef HAVE_GRPC
/* The same through etcd's native gRPC API (bench_etcd_grpc.c): the same keys and values,
 * one HTTP/2 connection per client. */
extern const struct client_ops etcd_grpc_get_ops, etcd_grpc_put_ops;
int etcd_grpc_bulk(int port, char **lines, size_t n, unsigned clients, size_t per_txn,
                   double *seconds);
#endif

/* --- keep-alive HTTP/1.1 (bench_httpc.c) and registryd's HTTP face (bench_http.c) ------ */

#define HTTP_BUF 16384

struct http_conn {
	int fd;
	char buf[HTTP_BUF];
	size_t len; /* bytes in buf */
};

/* A connected socket to 127.0.0.1:port (TCP_NODELAY, 30 s receive timeout), or -1. */
int http_conn_open(int port);
/* One POST on the keep-alive connection. Returns the HTTP status (or -1); the body
 * (NUL-terminated, in h->buf) in *body and its length in *body_len (may be NULL). */
int http_conn_post(struct http_conn *h, const char *path, const char *ctype, const void *req,
                   size_t req_len, char **body, size_t *body_len);

struct http_target {
	int port;
	unsigned items;
};
extern const struct client_ops http_get_json_ops, http_get_proto_ops;

/* --- small helpers ------------------------------------------------------------------ */

static inline uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Runs argv, waits; returns the exit status (or -1) and the wall time in *seconds. */
int run_wait(char *const argv[], double *seconds, const char *out_path);
/* True if path (or a name found in PATH) is an executable; the full path in out. */
bool find_exe(const char *name, char *out, size_t n);

#endif
