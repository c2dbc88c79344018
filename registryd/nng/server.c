/*
 * server.c - the socket, its listeners, connection limits and the idle sweep; the context
 * pool that serves requests is in pool.c.
 *
 * Parked calls (a Watch waiting for a change) must not hold a context of the pool, or a
 * few hundred watchers would starve every other call. An nng REP context answers only
 * the request it received last, and must send before it receives again, so the parked
 * request's context cannot serve anyone else until it replies. So when dispatch parks a
 * call (work_park), the work swaps contexts with a holder: the holder takes the context
 * that holds the request (and sends its one reply on its own aio), the work takes the
 * holder's idle context and goes back to receiving. The pool keeps its size, whatever the
 * number of parked calls. A holder keeps its context once the reply is sent (a REP
 * context that has replied is idle again) and waits in a free list for the next swap, so
 * contexts are only ever opened, when no holder is free, and never closed before the
 * socket. (Closing each holder's context after its reply, from the send callback, made
 * nng 1.5.2's nng_close() wait forever at shutdown now and then; reusing them avoids it
 * and costs nothing.) Holders are bounded by the watch limit.
 *
 * A thread watches the ipc:// listeners and restarts one that nng 1.5.2 left accepting
 * nobody (ipc_watch.c).
 *
 * nng/ is the nng face of registryd: it receives requests and sends replies and knows
 * nothing of their content; every request goes to rpc/ through dispatch.h. This is its
 * main file; server_int.h lists the others.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/transport/tcp/tcp.h>

#include "conns.h"
#include "log.h"
#include "peer.h"
#include "server_int.h"

/* "tcp://192.0.2.7:51234" (also for tls+tcp connections), "ipc:///path" or "-". */
void peer_text(nng_pipe p, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];
	nng_sockaddr sa;

	snprintf(buf, n, "-");
	if (nng_pipe_id(p) < 0 || nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0)
		return;
	switch (sa.s_family) {
	case NNG_AF_INET:
		if (inet_ntop(AF_INET, &sa.s_in.sa_addr, ip, sizeof ip) != NULL)
			snprintf(buf, n, "tcp://%s:%u", ip, ntohs(sa.s_in.sa_port));
		break;
	case NNG_AF_INET6:
		if (inet_ntop(AF_INET6, sa.s_in6.sa_addr, ip, sizeof ip) != NULL)
			snprintf(buf, n, "tcp://[%s]:%u", ip, ntohs(sa.s_in6.sa_port));
		break;
	case NNG_AF_IPC:
		snprintf(buf, n, "ipc://%.100s", sa.s_ipc.sa_path);
		break;
	default:
		break;
	}
}

/* The key connections are counted under (peer.h): "tcp:192.0.2.7" (tls+tcp too), "uid:1000"
 * for ipc (every ipc peer has the same address), "-" when unknown. */
void peer_key(nng_pipe p, char *buf, size_t n)
{
	nng_sockaddr sa;
	uint64_t uid;

	snprintf(buf, n, "-");
	if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0)
		return;
	switch (sa.s_family) {
	case NNG_AF_INET:
		peer_key_of_ip(AF_INET, &sa.s_in.sa_addr, buf, n);
		break;
	case NNG_AF_INET6:
		peer_key_of_ip(AF_INET6, sa.s_in6.sa_addr, buf, n);
		break;
	case NNG_AF_IPC:
		if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid) == 0)
			snprintf(buf, n, "uid:%llu", (unsigned long long)uid);
		break;
	default:
		break;
	}
}

/* Logs a connection closed before it served anything: why, and from where. */
static void log_refused(const char *why, const char *peer, const char *limit, size_t value)
{
	char kv[256], num[24];
	size_t len = 0;

	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, "peer", peer);
	snprintf(num, sizeof num, "%zu", value);
	log_append_kv(kv, sizeof kv, &len, limit, num);
	log_event("warn", why, kv);
}

/*
 * Pipe events: counts connections, and closes one that would go beyond max_connections
 * before it serves anything (nng then reports its REM_POST as well, which un-counts it).
 */
static void pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct server *s = arg;
	char peer[128], key[PEER_KEY_MAX];
	size_t now;
	int rc = RG_OK;

	if (probe_event(s, p, ev))
		return;
	if (ev == NNG_PIPE_EV_REM_POST) {
		conns_remove(s->conns, (uint32_t)nng_pipe_id(p));
		dispatch_connection_closed(s->d, (uint64_t)nng_pipe_id(p));
	}
	pthread_mutex_lock(&s->lock);
	if (ev == NNG_PIPE_EV_ADD_PRE)
		s->connections++;
	else if (ev == NNG_PIPE_EV_REM_POST)
		s->connections--;
	now = s->connections;
	pthread_mutex_unlock(&s->lock);
	if (ev == NNG_PIPE_EV_ADD_PRE || ev == NNG_PIPE_EV_REM_POST)
		dispatcher_count_connection(s->d, ev == NNG_PIPE_EV_ADD_PRE ? 1 : -1);
	if (ev != NNG_PIPE_EV_ADD_PRE)
		return;
	// One address may not hold more than its share; then the global bound.
	peer_key(p, key, sizeof key);
	rc = conns_add(s->conns, (uint32_t)nng_pipe_id(p), key, dispatch_now_ns());
	if (rc == RG_OK && (s->max_connections == 0 || now <= s->max_connections))
		return;
	peer_text(p, peer, sizeof peer); /* while the pipe still has its address */
	nng_pipe_close(p);
	if (rc == RG_ENOSPC)
		log_refused("connection refused: too many connections from one address", peer,
		            "max_connections_per_address", s->max_per_address);
	else if (rc != RG_OK)
		log_refused("connection refused: out of memory", peer, "connections", now);
	else
		log_refused("connection refused: too many connections", peer, "max_connections",
		            s->max_connections);
}

/*
 * The idle sweep: a connection that has sent no request idle_timeout_ms after it was
 * made (a peer that only sent the SP header, or not even that) is closed, so that idle
 * connections cannot hold the connection bounds. One thread, waking every
 * SWEEP_INTERVAL_MS (or half the timeout), closing at most SWEEP_BATCH a time.
 */
static void *idle_sweep(void *arg)
{
	struct server *s = arg;
	uint32_t every = s->idle_timeout_ms / 2 < SWEEP_INTERVAL_MS ? s->idle_timeout_ms / 2
	                                                            : SWEEP_INTERVAL_MS;
	uint32_t idle[SWEEP_BATCH];

	if (every == 0)
		every = 1;
	pthread_mutex_lock(&s->lock);
	while (!s->sweep_stop) {
		struct timespec until = clock_deadline_in(CLOCK_MONOTONIC, (int)every);
		uint64_t now, cutoff;
		size_t n;

		pthread_cond_timedwait(&s->watch_cv, &s->lock, &until);
		if (s->sweep_stop)
			break;
		pthread_mutex_unlock(&s->lock);
		now = dispatch_now_ns();
		cutoff = now - (uint64_t)s->idle_timeout_ms * 1000000u;
		n = now > (uint64_t)s->idle_timeout_ms * 1000000u
		            ? conns_idle(s->conns, cutoff, idle, SWEEP_BATCH)
		            : 0;
		for (size_t i = 0; i < n; i++) {
			nng_pipe p = NNG_PIPE_INITIALIZER;

			p.id = idle[i];
			nng_pipe_close(p); /* its REM_POST forgets it */
		}
		if (n > 0) {
			char kv[128], num[24];
			size_t len = 0;

			kv[0] = '\0';
			snprintf(num, sizeof num, "%zu", n);
			log_append_kv(kv, sizeof kv, &len, "connections", num);
			snprintf(num, sizeof num, "%u", s->idle_timeout_ms);
			log_append_kv(kv, sizeof kv, &len, "idle_timeout_ms", num);
			log_event("info", "closed connections that sent no request", kv);
		}
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int server_start(struct server **out, struct dispatcher *d, const struct server_opts *o)
{
	struct server *s = calloc(1, sizeof *s);
	pthread_condattr_t ca;
	bool watch = false;
	size_t i;
	int rc;

	if (s == NULL)
		return RG_ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->watch_cv, &ca);
	pthread_condattr_destroy(&ca);
	if (nng_rep0_open(&s->sock) != 0) {
		rc = RG_EINTERNAL;
		goto fail;
	}
	s->sock_open = true;
	s->max_connections = o->max_connections;
	s->max_per_address = o->max_per_address;
	s->idle_timeout_ms = o->idle_timeout_ms;
	s->max_message = o->max_message;
	if (conns_new(&s->conns, o->max_per_address) != RG_OK) {
		rc = RG_ENOMEM;
		goto fail;
	}
	s->d = d;
	if (nng_pipe_notify(s->sock, NNG_PIPE_EV_ADD_PRE, pipe_event, s) != 0 ||
	    nng_pipe_notify(s->sock, NNG_PIPE_EV_REM_POST, pipe_event, s) != 0) {
		rc = RG_EINTERNAL;
		goto fail;
	}
	rc = pool_open(s, d, o->contexts);
	if (rc != RG_OK)
		goto fail;
	// Contexts wait before any listener exists, so the first request finds one ready.
	pool_start(s);
	s->lsns = calloc(o->n_urls, sizeof *s->lsns);
	if (s->lsns == NULL && o->n_urls > 0) {
		rc = RG_ENOMEM;
		goto fail;
	}
	for (i = 0; i < o->n_urls; i++) {
		struct lsn *l = &s->lsns[s->n_lsns];

		l->url = strdup(o->urls[i]);
		if (l->url == NULL) {
			rc = RG_ENOMEM;
			goto fail;
		}
		s->n_lsns++;
		l->watched = strncmp(l->url, "ipc://", 6) == 0;
		watch = watch || l->watched;
		if ((l->watched ? listen_ipc(s, l, o, false)
		                : listen_one(s, l->url, o, &l->l, false)) != 0) {
			rc = RG_EIO;
			goto fail;
		}
	}
	if (watch && pthread_create(&s->watch, NULL, listener_watch, s) != 0) {
		rc = RG_ENOMEM;
		goto fail;
	}
	s->watching = watch;
	if (s->idle_timeout_ms > 0) {
		if (pthread_create(&s->sweep, NULL, idle_sweep, s) != 0) {
			rc = RG_ENOMEM;
			goto fail;
		}
		s->sweeping = true;
	}
	*out = s;
	return RG_OK;
fail:
	server_free(s);
	return rc;
}

void server_drain(struct server *s, int timeout_ms)
{
	struct timespec until = clock_deadline_in(CLOCK_REALTIME, timeout_ms);
	struct timespec linger = { 0, LINGER_MS * 1000000L };

	pthread_mutex_lock(&s->lock);
	while (atomic_load(&s->busy) > 0)
		if (pthread_cond_timedwait(&s->idle, &s->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&s->lock);
	nanosleep(&linger, NULL);
}

bool server_free(struct server *s)
{
	size_t i;

	if (s == NULL)
		return true;
	// The watch first: it may be closing or starting a listener. The sweep with it.
	pthread_mutex_lock(&s->lock);
	s->watch_stop = true;
	s->sweep_stop = true;
	pthread_cond_broadcast(&s->watch_cv);
	pthread_mutex_unlock(&s->lock);
	if (s->watching)
		pthread_join(s->watch, NULL);
	if (s->sweeping)
		pthread_join(s->sweep, NULL);
	// Closing the socket fails every pending operation with NNG_ECLOSED; the callbacks
	// then stop re-arming, and nng_aio_stop() waits for any that is still running.
	if (s->sock_open && !server_close_socket(s->sock))
		return false; /* nng holds the rest: the caller ends the process */
	pool_free(s);
	for (i = 0; i < s->n_lsns; i++)
		free(s->lsns[i].url);
	free(s->lsns);
	conns_free(s->conns); /* after the socket: its pipes' REM_POST use it */
	pthread_cond_destroy(&s->watch_cv);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return true;
}
