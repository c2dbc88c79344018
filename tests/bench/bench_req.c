/*
 * bench_req.c - the request side of a measured client: nng's REQ socket, or a lean
 * blocking client that speaks the same SP wire protocol over TCP.
 *
 * The daemon, the ceiling and etcd share two cores with the load generator, so every CPU
 * second a client spends is one the server does not get. etcd's clients are blocking
 * HTTP/1.1 sockets (bench_httpc.c); nng's REQ socket runs its own task and poller threads
 * and takes about a third of the machine at 64 clients. The lean client evens that out: one
 * blocking socket per client thread, the SP handshake, then length-prefixed messages whose
 * 4-byte header is the request id, as nng's REQ/REP over TCP sends them (the nng-1.5 tcp
 * transport and the req0/rep0 protocols). Servers see the same bytes either way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "bench.h"

enum bench_client bench_client = BENCH_CLIENT_NNG;

#define SP_REQ0  0x30
#define SP_REP0  0x31
#define SP_IDBIT 0x80000000u

struct req_conn {
	bool lean;
	nng_socket s; /* nng */
	int fd;       /* lean */
	uint32_t next_id;
};

/* Sends (writing) or receives all len bytes of buf: 0, or -1 on an error or a closed peer. */
static int full_io(int fd, void *buf, size_t len, bool writing)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = writing ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int full_read(int fd, void *buf, size_t len)
{
	return full_io(fd, buf, len, false);
}

static int full_write(int fd, const void *buf, size_t len)
{
	return full_io(fd, (void *)buf, len, true); /* send() only reads it */
}

/* "tcp://A.B.C.D:PORT" into sa; false for anything else (ipc, names, TLS). */
static bool parse_tcp(const char *url, struct sockaddr_in *sa)
{
	char host[64];
	unsigned port;

	if (sscanf(url, "tcp://%63[0-9.]:%u", host, &port) != 2 || port == 0 || port > 65535)
		return false;
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

static int lean_open(struct req_conn *c, const struct sockaddr_in *sa, int timeout_ms)
{
	const uint8_t hello[8] = { 0, 'S', 'P', 0, 0, SP_REQ0, 0, 0 };
	uint8_t peer[8];
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(c->fd, (const struct sockaddr *)sa, sizeof *sa) != 0 ||
	    full_write(c->fd, hello, sizeof hello) != 0 || full_read(c->fd, peer, 8) != 0 ||
	    memcmp(peer, hello, 4) != 0 || peer[4] != 0 || peer[5] != SP_REP0) {
		close(c->fd);
		return -1;
	}
	c->lean = true;
	return 0;
}

int req_conn_open(struct req_conn **out, const char *url, int timeout_ms)
{
	struct req_conn *c = calloc(1, sizeof *c);
	struct sockaddr_in sa;
	int rv;

	if (c == NULL)
		return -1;
	c->next_id = (uint32_t)(uintptr_t)c;
	if (bench_client == BENCH_CLIENT_LEAN && parse_tcp(url, &sa)) {
		if (lean_open(c, &sa, timeout_ms) != 0) {
			free(c);
			return -1;
		}
		*out = c;
		return 0;
	}
	rv = nng_req0_open(&c->s);
	if (rv == 0) {
		// Writes must never be resent by the REQ socket (DESIGN §5); a lost reply is an error.
		nng_socket_set_ms(c->s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
		nng_socket_set_ms(c->s, NNG_OPT_RECVTIMEO, timeout_ms);
		nng_socket_set_ms(c->s, NNG_OPT_SENDTIMEO, timeout_ms);
		nng_socket_set_size(c->s, NNG_OPT_RECVMAXSZ, 64u << 20);
		rv = nng_dial(c->s, url, NULL, 0);
		if (rv != 0)
			nng_close(c->s);
	}
	if (rv != 0) {
		fprintf(stderr, "stdreg-bench: cannot dial '%s' (%s)\n", url, nng_strerror(rv));
		free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static int lean_call(struct req_conn *c, const void *buf, size_t len, void **rep, size_t *rlen)
{
	uint32_t id = SP_IDBIT | (c->next_id++ & ~SP_IDBIT);
	uint8_t head[12], got[4];
	uint64_t n = len + 4;

	for (int i = 0; i < 8; i++)
		head[i] = (uint8_t)(n >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		head[8 + i] = (uint8_t)(id >> (24 - 8 * i));
	struct iovec iov[2] = { { head, sizeof head }, { (void *)buf, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	if (sendmsg(c->fd, &mh, MSG_NOSIGNAL) != (ssize_t)(sizeof head + len))
		return -1;
	// The reply: its length, then the request id it answers, then the Response.
	if (full_read(c->fd, head, 8) != 0)
		return -1;
	n = 0;
	for (int i = 0; i < 8; i++)
		n = n << 8 | head[i];
	if (n < 4 || n > (64u << 20) || full_read(c->fd, got, 4) != 0)
		return -1;
	if (((uint32_t)got[0] << 24 | (uint32_t)got[1] << 16 | (uint32_t)got[2] << 8 | got[3]) !=
	    id)
		return -1;
	*rlen = (size_t)n - 4;
	*rep = malloc(*rlen ? *rlen : 1);
	if (*rep == NULL || full_read(c->fd, *rep, *rlen) != 0) {
		free(*rep);
		return -1;
	}
	return 0;
}

int req_conn_call(struct req_conn *c, const void *buf, size_t len, void **rep, size_t *rlen)
{
	*rep = NULL;
	*rlen = 0;
	if (c->lean)
		return lean_call(c, buf, len, rep, rlen);
	if (nng_send(c->s, (void *)buf, len, 0) != 0 ||
	    nng_recv(c->s, rep, rlen, NNG_FLAG_ALLOC) != 0)
		return -1;
	return 0;
}

void req_conn_free_reply(struct req_conn *c, void *rep, size_t rlen)
{
	if (c->lean)
		free(rep);
	else
		nng_free(rep, rlen);
}

void req_conn_close(struct req_conn *c)
{
	if (c == NULL)
		return;
	if (c->lean)
		close(c->fd);
	else
		nng_close(c->s);
	free(c);
}
