/*
 * bench_etcd.c - the peer: a local single-member etcd (Debian's etcd-server) on a temporary
 * data directory and loopback ports, driven through its JSON gateway (POST /v3/kv/range and
 * /v3/kv/put with base64 keys and values) over one keep-alive HTTP/1.1 connection per client
 * thread (bench_httpc.c). The gateway is etcd's own HTTP front of its gRPC API; it costs
 * etcd more CPU per call than native gRPC, which the report says next to the figures.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t base64(const unsigned char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
		             (i + 2 < n ? in[i + 2] : 0);
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

int etcd_start(struct etcd *e, const char *exe, const char *dir)
{
	char client[64], peer[64], cluster[96], data[600], logp[600];
	int pport = free_port();
	uint64_t t0;

	memset(e, 0, sizeof e[0]);
	e->port = free_port();
	if (e->port < 0 || pport < 0 || pport == e->port)
		return -1;
	snprintf(e->dir, sizeof e->dir, "%s", dir);
	snprintf(client, sizeof client, "http://127.0.0.1:%d", e->port);
	snprintf(peer, sizeof peer, "http://127.0.0.1:%d", pport);
	snprintf(cluster, sizeof cluster, "bench=%s", peer);
	snprintf(data, sizeof data, "%s/data", dir);
	snprintf(logp, sizeof logp, "%s/etcd.log", dir);
	char *argv[] = { (char *)exe, "--name",
		         "bench",     "--data-dir",
		         data,        "--listen-client-urls",
		         client,      "--advertise-client-urls",
		         client,      "--listen-peer-urls",
		         peer,        "--initial-advertise-peer-urls",
		         peer,        "--initial-cluster",
		         cluster,     "--logger",
		         "zap",       "--log-level",
		         "warn",      NULL };
	mkdir(dir, 0700); /* etcd makes its data directory, not the one its log goes in */
	e->pid = fork();
	if (e->pid < 0)
		return -1;
	if (e->pid == 0) {
		int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		// Never outlive the bench, even when it crashes.
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(exe, argv);
		_exit(127);
	}
	t0 = bench_now_ns();
	while (bench_now_ns() - t0 < 30000000000ull) {
		struct http_conn *h = calloc(1, sizeof *h);
		char *body;
		int st = -1;

		if (h == NULL)
			break;
		h->fd = http_conn_open(e->port);
		if (h->fd >= 0) {
			static const char probe[] = "{\"key\":\"AA==\"}";

			st = http_conn_post(h, "/v3/kv/range", "application/json", probe,
			                    sizeof probe - 1, &body, NULL);
			close(h->fd);
		}
		free(h);
		if (st == 200)
			return 0;
		usleep(50000);
	}
	fprintf(stderr, "stdreg-bench: etcd did not answer on port %d (see %s)\n", e->port, logp);
	etcd_stop(e);
	return -1;
}

void etcd_stop(struct etcd *e)
{
	int status;

	if (e->pid > 0) {
		kill(e->pid, SIGTERM);
		while (waitpid(e->pid, &status, 0) < 0 && errno == EINTR)
			;
		e->pid = 0;
	}
}

/* --- clients --------------------------------------------------------------------------- */

struct eclient {
	struct http_conn h;
	const struct etcd_target *t;
	uint64_t rng, version;
	char json[2048];
};

static int eclient_setup(void **state, void *arg, unsigned index)
{
	struct eclient *c = calloc(1, sizeof *c);

	if (c == NULL)
		return -1;
	*state = c;
	c->t = arg;
	c->rng = (index + 3) * 0x9E3779B97F4A7C15ULL;
	c->version = (uint64_t)index << 32;
	c->h.fd = http_conn_open(c->t->port);
	if (c->h.fd < 0) {
		free(c);
		*state = NULL;
		return -1;
	}
	return 0;
}

static void eclient_teardown(void *state)
{
	struct eclient *c = state;

	close(c->h.fd);
	free(c);
}

static void key_b64(unsigned i, char *out)
{
	char key[32];
	int n = snprintf(key, sizeof key, "item-%07u", i);

	base64((const unsigned char *)key, (size_t)n, out);
}

static int eop_get(void *state)
{
	struct eclient *c = state;
	char k[64], *body;

	key_b64((unsigned)(xorshift(&c->rng) % c->t->items), k);
	snprintf(c->json, sizeof c->json, "{\"key\":\"%s\"}", k);
	if (http_conn_post(&c->h, "/v3/kv/range", "application/json", c->json, strlen(c->json),
	                   &body, NULL) != 200)
		return -1;
	return strstr(body, "\"kvs\"") != NULL ? 0 : -1;
}

static int put_one(struct eclient *c, unsigned i)
{
	unsigned char val[1024];
	char k[64], v[1400], *body;
	size_t vs = c->t->value_size < sizeof val ? c->t->value_size : sizeof val;

	key_b64(i, k);
	memset(val, 'x', vs);
	snprintf((char *)val, vs, "v%llu", (unsigned long long)++c->version);
	base64(val, vs, v);
	snprintf(c->json, sizeof c->json, "{\"key\":\"%s\",\"value\":\"%s\"}", k, v);
	return http_conn_post(&c->h, "/v3/kv/put", "application/json", c->json, strlen(c->json),
	                      &body, NULL) == 200
	               ? 0
	               : -1;
}

static int eop_put(void *state)
{
	struct eclient *c = state;

	return put_one(c, (unsigned)(xorshift(&c->rng) % c->t->items));
}

const struct client_ops etcd_get_ops = { eclient_setup, eop_get, eclient_teardown };
const struct client_ops etcd_put_ops = { eclient_setup, eop_put, eclient_teardown };

struct eloader {
	const struct etcd_target *t;
	unsigned index, clients;
	int failed;
	pthread_t thread;
};

static void *eloader_main(void *arg)
{
	struct eloader *l = arg;
	void *state;

	if (eclient_setup(&state, (void *)l->t, l->index) != 0) {
		l->failed = 1;
		return NULL;
	}
	for (unsigned i = l->index; i < l->t->items && !l->failed; i += l->clients)
		if (put_one(state, i) != 0)
			l->failed = 1;
	eclient_teardown(state);
	return NULL;
}

int etcd_load(const struct etcd_target *t, unsigned clients, double *seconds)
{
	struct eloader *ls = calloc(clients, sizeof *ls);
	uint64_t t0 = bench_now_ns();
	int failed = 0;

	if (ls == NULL)
		return -1;
	for (unsigned k = 0; k < clients; k++) {
		ls[k] = (struct eloader){ .t = t, .index = k, .clients = clients };
		pthread_create(&ls[k].thread, NULL, eloader_main, &ls[k]);
	}
	for (unsigned k = 0; k < clients; k++) {
		pthread_join(ls[k].thread, NULL);
		failed |= ls[k].failed;
	}
	free(ls);
	*seconds = (double)(bench_now_ns() - t0) / 1e9;
	return failed ? -1 : 0;
}

/* --- bulk: the same records in 128-put transactions (etcd's limit per txn) -------------- */

/* Appends one requestPut of key "bulk-%07zu" and value line to json at *len. */
static void txn_put(char *json, size_t *len, size_t i, const char *line, bool first)
{
	char key[32];
	int n = snprintf(key, sizeof key, ETCD_BULK_PREFIX "%07zu", i);

	*len += (size_t)sprintf(json + *len, "%s{\"requestPut\":{\"key\":\"", first ? "" : ",");
	*len += base64((const unsigned char *)key, (size_t)n, json + *len);
	*len += (size_t)sprintf(json + *len, "\",\"value\":\"");
	*len += base64((const unsigned char *)line, strlen(line), json + *len);
	*len += (size_t)sprintf(json + *len, "\"}}");
}

static void *ebulk_main(void *arg)
{
	struct bulk_part *b = arg;
	struct http_conn *h = calloc(1, sizeof *h);
	size_t longest = 0;
	char *json, *body;

	for (size_t i = 0; i < b->n; i++)
		if (strlen(b->lines[i]) > longest)
			longest = strlen(b->lines[i]);
	json = malloc(b->per_txn * (longest * 4 / 3 + 128) + 64); /* one transaction's JSON */
	if (h == NULL || json == NULL || (h->fd = http_conn_open(b->port)) < 0) {
		b->failed = 1;
		free(json);
		free(h);
		return NULL;
	}
	// This part's transactions (struct bulk_part).
	for (size_t t = b->index; t * b->per_txn < b->n && !b->failed; t += b->clients) {
		size_t len = (size_t)sprintf(json, "{\"success\":[");

		for (size_t i = t * b->per_txn; i < (t + 1) * b->per_txn && i < b->n; i++)
			txn_put(json, &len, i, b->lines[i], i == t * b->per_txn);
		len += (size_t)sprintf(json + len, "]}");
		if (http_conn_post(h, "/v3/kv/txn", "application/json", json, len, &body, NULL) !=
		    200)
			b->failed = 1;
	}
	close(h->fd);
	free(h);
	free(json);
	return NULL;
}

long etcd_count_prefix(int port, const char *prefix)
{
	struct http_conn *h = calloc(1, sizeof *h);
	char key[64], end[64], json[200], *body, *at;
	size_t n = strlen(prefix);
	long count = -1;

	if (h == NULL || n == 0 || n >= 40 || (h->fd = http_conn_open(port)) < 0) {
		free(h);
		return -1;
	}
	// The keys from prefix up to (not including) prefix with its last byte raised by one.
	base64((const unsigned char *)prefix, n, key);
	memcpy(json, prefix, n);
	json[n - 1]++;
	base64((const unsigned char *)json, n, end);
	snprintf(json, sizeof json, "{\"key\":\"%s\",\"range_end\":\"%s\",\"count_only\":true}",
	         key, end);
	if (http_conn_post(h, "/v3/kv/range", "application/json", json, strlen(json), &body,
	                   NULL) == 200 &&
	    (at = strstr(body, "\"count\":\"")) != NULL)
		count = strtol(at + 9, NULL, 10);
	close(h->fd);
	free(h);
	return count;
}

int bulk_parts_run(int port, char **lines, size_t n, unsigned clients, size_t per_txn,
                   void *(*part_main)(void *), double *seconds)
{
	struct bulk_part *parts = calloc(clients, sizeof *parts);
	uint64_t t0 = bench_now_ns();
	int failed = 0;

	if (parts == NULL)
		return -1;
	for (unsigned k = 0; k < clients; k++) {
		parts[k] = (struct bulk_part){ .port = port,
			                       .lines = lines,
			                       .n = n,
			                       .per_txn = per_txn,
			                       .index = k,
			                       .clients = clients };
		pthread_create(&parts[k].thread, NULL, part_main, &parts[k]);
	}
	for (unsigned k = 0; k < clients; k++) {
		pthread_join(parts[k].thread, NULL);
		failed |= parts[k].failed;
	}
	free(parts);
	*seconds = (double)(bench_now_ns() - t0) / 1e9;
	return failed ? -1 : 0;
}

int etcd_bulk(int port, char **lines, size_t n, unsigned clients, size_t per_txn, double *seconds)
{
	return bulk_parts_run(port, lines, n, clients, per_txn, ebulk_main, seconds);
}
