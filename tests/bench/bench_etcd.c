/*
 * bench_etcd.c - the peer: a local single-member etcd (Debian's etcd-server) on a temporary
 * data directory and loopback ports, driven through its JSON gateway (POST /v3/kv/range and
 * /v3/kv/put with base64 keys and values) over one keep-alive HTTP/1.1 connection per client
 * thread with plain sockets. The gateway is etcd's own HTTP front of its gRPC API; it costs
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define HTTP_BUF 16384

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

static int http_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		                 .sin_port = htons((uint16_t)port),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct timeval tv = { 30, 0 };

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

struct http {
	int fd;
	char buf[HTTP_BUF];
	size_t len; /* bytes in buf */
};

/* Reads until buf holds at least want bytes. */
static bool fill_to(struct http *h, size_t want)
{
	while (h->len < want) {
		ssize_t k;
		if (want > sizeof h->buf)
			return false;
		k = read(h->fd, h->buf + h->len, sizeof h->buf - h->len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		h->len += (size_t)k;
	}
	return true;
}

/* One request/response on the keep-alive connection. Returns the HTTP status (or -1); the
 * body (NUL-terminated, in h->buf) in *body. Handles Content-Length and chunked bodies. */
static int http_post(struct http *h, const char *path, const char *json, char **body)
{
	char head[256];
	int hn =
	        snprintf(head, sizeof head,
	                 "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
	                 "Content-Length: %zu\r\n\r\n",
	                 path, strlen(json));
	char *end = NULL, *p;
	size_t hlen, clen = 0;
	int status;
	bool chunked;

	if (!write_all(h->fd, head, (size_t)hn) || !write_all(h->fd, json, strlen(json)))
		return -1;
	h->len = 0;
	while ((end = memmem(h->buf, h->len, "\r\n\r\n", 4)) == NULL)
		if (!fill_to(h, h->len + 1))
			return -1;
	hlen = (size_t)(end - h->buf) + 4;
	*end = '\0';
	if (sscanf(h->buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	chunked = strcasestr(h->buf, "transfer-encoding: chunked") != NULL;
	if ((p = strcasestr(h->buf, "content-length:")) != NULL)
		clen = strtoul(p + 15, NULL, 10);
	if (!chunked) {
		if (hlen + clen >= sizeof h->buf || !fill_to(h, hlen + clen))
			return -1;
		memmove(h->buf, h->buf + hlen, clen);
		h->buf[clen] = '\0';
		*body = h->buf;
		return status;
	}
	// Chunked: decode in place into the front of buf.
	size_t out = 0, pos = hlen;
	for (;;) {
		char *nl;
		size_t n;
		while ((nl = memmem(h->buf + pos, h->len - pos, "\r\n", 2)) == NULL)
			if (!fill_to(h, h->len + 1))
				return -1;
		n = strtoul(h->buf + pos, NULL, 16);
		pos = (size_t)(nl - h->buf) + 2;
		if (!fill_to(h, pos + n + 2))
			return -1;
		if (n == 0)
			break;
		memmove(h->buf + out, h->buf + pos, n);
		out += n;
		pos += n + 2;
	}
	h->buf[out] = '\0';
	*body = h->buf;
	return status;
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
		struct http *h = calloc(1, sizeof *h);
		char *body;
		int st = -1;

		if (h == NULL)
			break;
		h->fd = http_connect(e->port);
		if (h->fd >= 0) {
			st = http_post(h, "/v3/kv/range", "{\"key\":\"AA==\"}", &body);
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
	struct http h;
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
	c->h.fd = http_connect(c->t->port);
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
	if (http_post(&c->h, "/v3/kv/range", c->json, &body) != 200)
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
	return http_post(&c->h, "/v3/kv/put", c->json, &body) == 200 ? 0 : -1;
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
