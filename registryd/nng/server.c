/*
 * server.c - socket, listeners and the context pool.
 *
 * Each context cycles RECV -> (dispatch) -> SEND -> RECV. A read is answered inside the
 * receive callback; a write leaves the context waiting until the writer thread calls
 * work_reply(), which starts the SEND. The reply callback is therefore the only place
 * that starts a send, whichever thread it runs on.
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
 * nobody (see listener_watch).
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
#include "server.h"
#include "tls_engine.h"

// A peer that stops reading must not hold a context forever.
#define SEND_TIMEOUT_MS 10000
// rep0 completes a send once the message is handed to the connection, not when it has
// been written to the kernel: give the last replies this long before closing.
#define LINGER_MS 100
// The ipc listener watch (see listener_watch): how often each ipc listener is probed, and
// how long a probe may take to reach the socket before the listener is restarted.
#define WATCH_INTERVAL_MS 1000
#define PROBE_TIMEOUT_MS  2000
// The mode of an ipc socket file: the daemon's user and group may connect.
#define IPC_MODE 0660
// The idle sweep looks at connections this often at most (and twice per timeout at least).
#define SWEEP_INTERVAL_MS 1000
// Connections closed by one sweep at most (the rest wait for the next).
#define SWEEP_BATCH 256

enum work_state {
	WORK_RECV, /* waiting for a request */
	WORK_BUSY, /* dispatching, or waiting for the writer */
	WORK_SEND, /* sending the reply */
};

struct work {
	struct server *srv;
	enum work_state state;
	nng_aio *aio;
	nng_ctx ctx;
	bool ctx_open;
	struct dispatch_slot *slot;
};

/* One --listen URL and its listener. */
struct lsn {
	char *url;      /* owned */
	nng_listener l; /* id 0 after a failed restart (the watch tries again) */
	bool watched;   /* ipc, and its path not taken by another process */
	dev_t dev;      /* ipc: the socket file it bound */
	ino_t ino;
};

/* A context holding a parked request until its reply has been sent; idle when free. */
struct holder {
	struct server *srv;
	nng_aio *aio;             /* send only */
	nng_ctx ctx;              /* always open */
	struct holder *next_free; /* under srv->lock */
	struct holder *next_all;  /* under srv->lock */
};

struct server {
	nng_socket sock;
	bool sock_open;
	struct work *works;
	size_t n_works;
	struct holder *holders;   /* under lock: every holder */
	struct holder *free_hold; /* under lock: holders without a request */
	pthread_mutex_t lock;
	pthread_cond_t idle;
	atomic_size_t busy;     /* requests between receive and the end of their send */
	size_t max_connections; /* 0 = no bound */
	size_t connections;     /* under lock: pipes past ADD_PRE, not yet past REM_POST */
	struct dispatcher *d;   /* counts connections for Stats too */
	size_t max_message;     /* of every listener, for a restarted one */
	struct lsn *lsns;       /* the watch thread's alone once it runs */
	size_t n_lsns;
	/* The ipc listener watch. */
	pthread_t watch;
	bool watching;           /* the thread runs */
	pthread_cond_t watch_cv; /* with lock: stop asked, or a probe arrived */
	bool watch_stop;         /* under lock */
	int probe_listener;      /* under lock: id of the listener being probed, 0 = none */
	bool probe_seen;         /* under lock: the probe's connection reached the socket */
	int probe_pipe;          /* under lock: a probe's pipe until its REM_POST, 0 = none */
	/* Connections per peer address and the idle sweep (see idle_sweep). */
	struct conns *conns;
	size_t max_per_address;
	uint32_t idle_timeout_ms;
	pthread_t sweep;
	bool sweeping;   /* the thread runs */
	bool sweep_stop; /* under lock; signalled on watch_cv */
};

/* "tcp://192.0.2.7:51234" (also for tls+tcp connections), "ipc:///path" or "-". */
static void peer_text(nng_pipe p, char *buf, size_t n)
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

/* The key connections are counted under: "tcp:192.0.2.7" (tls+tcp too), "uid:1000" for ipc
 * (every ipc peer has the same address), "-" when unknown. */
static void peer_key(nng_pipe p, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];
	nng_sockaddr sa;
	uint64_t uid;

	snprintf(buf, n, "-");
	if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0)
		return;
	switch (sa.s_family) {
	case NNG_AF_INET:
		if (inet_ntop(AF_INET, &sa.s_in.sa_addr, ip, sizeof ip) != NULL)
			snprintf(buf, n, "tcp:%s", ip);
		break;
	case NNG_AF_INET6:
		if (inet_ntop(AF_INET6, sa.s_in6.sa_addr, ip, sizeof ip) != NULL)
			snprintf(buf, n, "tcp:%s", ip);
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
 * The watch's probes in pipe events: a connection of this process to the listener being
 * probed tells the watch that the listener still accepts. The first such pipe is neither
 * counted nor refused, and its REM_POST is skipped to match; true for both events.
 */
static bool probe_event(struct server *s, nng_pipe p, nng_pipe_ev ev)
{
	uint64_t pid;
	bool skip = false;
	int lid;

	pthread_mutex_lock(&s->lock);
	if (ev == NNG_PIPE_EV_REM_POST && s->probe_pipe != 0 && nng_pipe_id(p) == s->probe_pipe) {
		s->probe_pipe = 0;
		skip = true;
	}
	lid = s->probe_listener;
	pthread_mutex_unlock(&s->lock);
	if (ev != NNG_PIPE_EV_ADD_PRE || lid == 0 || nng_listener_id(nng_pipe_listener(p)) != lid)
		return skip;
	// Outside the lock: this asks the connection (SO_PEERCRED).
	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_PID, &pid) != 0 || pid != (uint64_t)getpid())
		return false;
	pthread_mutex_lock(&s->lock);
	s->probe_seen = true;
	if (s->probe_pipe == 0) {
		s->probe_pipe = nng_pipe_id(p);
		skip = true;
	}
	pthread_cond_broadcast(&s->watch_cv);
	pthread_mutex_unlock(&s->lock);
	return skip;
}

/*
 * Pipe events: counts connections, and closes one that would go beyond max_connections
 * before it serves anything (nng then reports its REM_POST as well, which un-counts it).
 */
static void pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct server *s = arg;
	char peer[128], key[CONNS_KEY_MAX];
	size_t now;
	int rc = RG_OK;

	if (probe_event(s, p, ev))
		return;
	if (ev == NNG_PIPE_EV_REM_POST)
		conns_remove(s->conns, (uint32_t)nng_pipe_id(p));
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

static struct timespec deadline_in(int ms);

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
		struct timespec until = deadline_in((int)every);
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

/*
 * An atomic counter, not one more lock every request takes twice; only the step to zero
 * takes the lock, so that server_drain(), which checks and waits under it, cannot miss it.
 */
static void busy_add(struct server *s, int delta)
{
	if (delta > 0) {
		atomic_fetch_add(&s->busy, (size_t)delta);
		return;
	}
	if (atomic_fetch_sub(&s->busy, (size_t)-delta) != (size_t)-delta)
		return;
	pthread_mutex_lock(&s->lock);
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
}

static void work_recv(struct work *w)
{
	w->state = WORK_RECV;
	nng_aio_set_timeout(w->aio, NNG_DURATION_INFINITE);
	nng_ctx_recv(w->ctx, w->aio);
}

/* The dispatch reply callback: the packed Response of the context's current request. */
static void work_reply(void *arg, const uint8_t *buf, size_t len)
{
	struct work *w = arg;
	nng_msg *msg;

	if (nng_msg_alloc(&msg, len) != 0) {
		// Cannot answer: going back to receive drops the request; the client times out.
		log_event("error", "cannot allocate a reply", NULL);
		busy_add(w->srv, -1);
		work_recv(w);
		return;
	}
	memcpy(nng_msg_body(msg), buf, len);
	nng_aio_set_msg(w->aio, msg);
	w->state = WORK_SEND;
	nng_aio_set_timeout(w->aio, SEND_TIMEOUT_MS);
	nng_ctx_send(w->ctx, w->aio);
}

/* A holder's reply: the packed Response of its parked request (any thread). */
static void holder_reply(void *arg, const uint8_t *buf, size_t len)
{
	struct holder *h = arg;
	nng_msg *msg;

	if (nng_msg_alloc(&msg, len) != 0) {
		log_event("error", "cannot allocate a reply", NULL);
		nng_aio_set_msg(h->aio, NULL);
		// Complete as a failed send, so the holder is recycled the one usual way.
		nng_sleep_aio(0, h->aio);
		return;
	}
	memcpy(nng_msg_body(msg), buf, len);
	nng_aio_set_msg(h->aio, msg);
	nng_aio_set_timeout(h->aio, SEND_TIMEOUT_MS);
	nng_ctx_send(h->ctx, h->aio);
}

/* The send of a parked reply finished: the holder (and its now idle context) is free. */
static void holder_cb(void *arg)
{
	struct holder *h = arg;
	struct server *s = h->srv;
	nng_msg *msg = nng_aio_get_msg(h->aio);

	if (nng_aio_result(h->aio) != 0 && msg != NULL)
		nng_msg_free(msg); /* on failure the message is still ours */
	nng_aio_set_msg(h->aio, NULL);
	// busy first: the holder may be taken by another thread as soon as it is free.
	busy_add(s, -1);
	pthread_mutex_lock(&s->lock);
	h->next_free = s->free_hold;
	s->free_hold = h;
	pthread_mutex_unlock(&s->lock);
}

/*
 * dispatch_park_fn of every work: swaps contexts with a free holder (a new one if none is
 * free), which gets the parked request and is returned as the reply target; the work
 * re-arms on the holder's idle context.
 */
static bool work_park(void *arg, dispatch_reply_fn *reply, void **reply_arg)
{
	struct work *w = arg;
	struct server *s = w->srv;
	struct holder *h;
	nng_ctx idle;

	pthread_mutex_lock(&s->lock);
	h = s->free_hold;
	if (h != NULL)
		s->free_hold = h->next_free;
	pthread_mutex_unlock(&s->lock);
	if (h == NULL) {
		h = calloc(1, sizeof *h);
		if (h == NULL)
			return false;
		if (nng_aio_alloc(&h->aio, holder_cb, h) != 0) {
			free(h);
			return false;
		}
		if (nng_ctx_open(&h->ctx, s->sock) != 0) {
			nng_aio_free(h->aio);
			free(h);
			return false;
		}
		h->srv = s;
		pthread_mutex_lock(&s->lock);
		h->next_all = s->holders;
		s->holders = h;
		pthread_mutex_unlock(&s->lock);
	}
	idle = h->ctx;
	h->ctx = w->ctx;
	w->ctx = idle;
	*reply = holder_reply;
	*reply_arg = h;
	// The parked request stays counted in busy until the holder's send completes. From
	// here the slot serves the next request (possibly on another thread at once).
	work_recv(w);
	return true;
}

static void work_cb(void *arg)
{
	struct work *w = arg;
	char peer[128];
	nng_msg *msg;
	int rv = nng_aio_result(w->aio);

	switch (w->state) {
	case WORK_RECV:
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
			return; /* the socket is closing */
		if (rv != 0) {
			work_recv(w);
			return;
		}
		msg = nng_aio_get_msg(w->aio);
		conns_seen(w->srv->conns, (uint32_t)nng_pipe_id(nng_msg_get_pipe(msg)));
		busy_add(w->srv, 1);
		w->state = WORK_BUSY;
		// Only for the log line of a refused token: the peer is never trusted otherwise.
		peer_text(nng_msg_get_pipe(msg), peer, sizeof peer);
		// From here work_reply() may run (and re-arm w) before dispatch returns:
		// only the local msg may be touched after it.
		dispatch_request_from(w->slot, nng_msg_body(msg), nng_msg_len(msg),
		                      dispatch_now_ns(), peer);
		nng_msg_free(msg);
		return;
	case WORK_SEND:
		if (rv != 0) {
			// On failure the message is still ours (peer gone, send timed out).
			nng_msg_free(nng_aio_get_msg(w->aio));
		}
		busy_add(w->srv, -1);
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
			return;
		work_recv(w);
		return;
	case WORK_BUSY:
		// No operation is outstanding in this state, so no completion can arrive.
		break;
	}
}

/* "tcp://127.0.0.1:0" -> "tcp://127.0.0.1:43211": the URL with the port actually bound. */
static void resolved_url(char *dst, size_t n, const char *url, nng_listener l)
{
	const char *colon = strrchr(url, ':');
	int port;

	if ((strncmp(url, "tcp", 3) == 0 || strncmp(url, "tls+tcp", 7) == 0) && colon != NULL &&
	    colon > strstr(url, "://") + 2 &&
	    nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port) == 0) {
		snprintf(dst, n, "%.*s:%d", (int)(colon - url), url, port);
		return;
	}
	snprintf(dst, n, "%s", url);
}

/* The whole of a PEM file (at most 1 MiB), NUL-terminated and malloc'd; NULL if unreadable. */
static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t max = (size_t)1 << 20, n;
	char *buf;

	if (f == NULL)
		return NULL;
	buf = malloc(max + 1);
	n = buf != NULL ? fread(buf, 1, max + 1, f) : 0;
	if (buf != NULL && (ferror(f) || n > max)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf != NULL)
		buf[n] = '\0';
	return buf;
}

/* One line per failed TLS handshake (the engine's hook; runs on an nng thread). */
static void tls_handshake_failed(const char *peer, const char *reason)
{
	char kv[400];
	size_t len = 0;

	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, "peer", peer[0] != '\0' ? peer : "-");
	log_append_kv(kv, sizeof kv, &len, "error", reason);
	log_event("warn", "tls handshake failed", kv);
}

/*
 * The TLS configuration of a tls+tcp:// listener: our certificate and key, and with a CA
 * file, client certificates signed by it are required. The project's TLS engine sets the
 * policy (ECDHE with AEAD suites only, TLS 1.2; tlsengine/tls_engine.h) and reports failed
 * handshakes. *what names the step that failed.
 */
static int tls_server_config(const struct server_opts *o, nng_tls_config **out, const char **what)
{
	nng_tls_config *cfg;
	char *cert, *key;
	int rv;

	*what = "cannot set up TLS";
	if (o->tls_cert == NULL || o->tls_key == NULL) {
		*what = "a tls+tcp:// listener needs --tls-cert and --tls-key";
		return NNG_EINVAL;
	}
	if ((rv = tls_engine_install(tls_handshake_failed)) != 0 ||
	    (rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER)) != 0)
		return rv;
	*what = "cannot load --tls-cert/--tls-key";
	cert = read_pem(o->tls_cert);
	key = read_pem(o->tls_key);
	rv = cert != NULL && key != NULL ? nng_tls_config_own_cert(cfg, cert, key, NULL)
	                                 : NNG_ENOENT;
	free(cert);
	free(key);
	if (rv == 0 && o->tls_ca != NULL) {
		*what = "cannot load --tls-ca";
		rv = nng_tls_config_ca_file(cfg, o->tls_ca);
		if (rv == 0)
			rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED);
	} else if (rv == 0) {
		rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_NONE);
	}
	if (rv != 0) {
		nng_tls_config_free(cfg);
		return rv;
	}
	*out = cfg;
	return 0;
}

/*
 * Starts a listener on url; *out is its handle. Returns 0 or the nng error, which is logged
 * unless quiet.
 */
static int listen_one(struct server *s, const char *url, const struct server_opts *o,
                      nng_listener *out, bool quiet)
{
	const char *what = "cannot listen";
	nng_tls_config *tls = NULL;
	char resolved[512];
	char kv[600];
	size_t len = 0;
	nng_listener l = NNG_LISTENER_INITIALIZER;
	int rv;

	rv = nng_listener_create(&l, s->sock, url);
	if (rv == 0)
		rv = nng_listener_set_size(l, NNG_OPT_RECVMAXSZ, o->max_message);
	// The socket file's mode is ours to say, not the umask's: owner and group only.
	if (rv == 0 && strncmp(url, "ipc://", 6) == 0)
		rv = nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, IPC_MODE);
	if (rv == 0 && strncmp(url, "tls+tcp://", 10) == 0) {
		rv = tls_server_config(o, &tls, &what);
		// The listener holds its own reference.
		if (rv == 0) {
			what = "cannot set up TLS";
			rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, tls);
			nng_tls_config_free(tls);
		}
		if (rv == 0)
			what = "cannot listen";
	}
	if (rv == 0)
		rv = nng_listener_start(l, 0);
	if (rv != 0) {
		if (l.id != 0)
			nng_listener_close(l); /* a failed start leaves it open, path unbound */
		if (quiet)
			return rv;
		kv[0] = '\0';
		log_append_kv(kv, sizeof kv, &len, "url", url);
		log_append_kv(kv, sizeof kv, &len, "error", nng_strerror(rv));
		log_event("error", what, kv);
		return rv;
	}
	resolved_url(resolved, sizeof resolved, url, l);
	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, "url", resolved);
	log_event("info", "listening", kv);
	*out = l;
	return 0;
}

/*
 * The ipc listener watch. nng 1.5.2's ipc listener stops accepting for good when a peer
 * closes its connection before registryd has written the SP header to it: the write fails
 * with EPIPE, which nng reports as NNG_ECLOSED; the ipc transport hands that error to the
 * listener's pending accept (ipc_pipe_neg_cb), and the listener takes NNG_ECLOSED for its
 * own close and never asks for a connection again (listener_accept_cb). The socket still
 * shows LISTEN and the transport still accepts and negotiates connections, but none reaches
 * the REP socket, so every client times out. nng's stale-socket check (a second daemon
 * listening on the same path) connects and closes at once and does it every time; a client
 * that connects and closes does it whenever its close beats the header. TCP peers that go
 * early end in ECONNRESET or ECONNSHUT instead, which the listener survives.
 *
 * nng neither reports this nor lets a listener be started again, so a thread probes each
 * ipc listener every WATCH_INTERVAL_MS: it connects to the path, sends a REQ header and
 * waits for probe_event() to see the connection reach the socket. A listener whose probe
 * has not arrived after PROBE_TIMEOUT_MS is closed and listened again on its path (which
 * drops its connections: their calls fail as a lost connection, and libstdreg resends a
 * write once with its request id, which the daemon applies once).
 */

/* A deadline ms from now for watch_cv. */
static struct timespec deadline_in(int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t); /* watch_cv's clock */
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

enum probe_result { PROBE_OK, PROBE_LOST, PROBE_STOP };

static const char *ipc_path(const struct lsn *l)
{
	return l->url + strlen("ipc://");
}

/* Starts ipc listener l (quiet: no error line) and notes the socket file it made. */
static int listen_ipc(struct server *s, struct lsn *l, const struct server_opts *o, bool quiet)
{
	struct stat st;
	int rv = listen_one(s, l->url, o, &l->l, quiet);

	if (rv == 0 && stat(ipc_path(l), &st) == 0) {
		l->dev = st.st_dev;
		l->ino = st.st_ino;
	}
	return rv;
}

/* Whether a connection to ipc listener l reaches the socket in time (PROBE_OK). */
static enum probe_result probe_ipc(struct server *s, const struct lsn *l)
{
	static const uint8_t req_header[8] = { 0, 'S', 'P', 0, 0, 0x30, 0, 0 }; /* REQ v0 */
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timespec until = deadline_in(PROBE_TIMEOUT_MS);
	enum probe_result res = PROBE_OK;
	const char *path = ipc_path(l);
	int fd, rc;

	if (l->l.id == 0)
		return PROBE_LOST; /* a restart failed: try it again */
	if (strlen(path) >= sizeof sun.sun_path)
		return PROBE_OK; /* nng refuses such a path; never here */
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return PROBE_OK; /* out of descriptors: no verdict */
	pthread_mutex_lock(&s->lock);
	s->probe_seen = false;
	s->probe_listener = nng_listener_id(l->l);
	pthread_mutex_unlock(&s->lock);
	rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	if (rc != 0 && (errno == EAGAIN || errno == EINTR))
		goto out; /* backlog full: busy, no verdict */
	if (rc != 0 || send(fd, req_header, sizeof req_header, MSG_NOSIGNAL) != sizeof req_header) {
		res = PROBE_LOST; /* the path is gone, or nobody listens on it */
		goto out;
	}
	pthread_mutex_lock(&s->lock);
	while (!s->probe_seen && !s->watch_stop)
		if (pthread_cond_timedwait(&s->watch_cv, &s->lock, &until) == ETIMEDOUT)
			break;
	res = s->watch_stop ? PROBE_STOP : s->probe_seen ? PROBE_OK : PROBE_LOST;
	pthread_mutex_unlock(&s->lock);
out:
	pthread_mutex_lock(&s->lock);
	s->probe_listener = 0;
	pthread_mutex_unlock(&s->lock);
	// Closed only now: once the probe reached the socket the header exchange is over, so
	// the probe itself never closes early (a lost probe restarts the listener anyway).
	close(fd);
	return res;
}

/*
 * Closes ipc listener l and listens on its path again; logged. A path that another process
 * holds (its socket file replaced ours, or it bound the path while a restart had it free) is
 * left to it, and no longer watched: closing ours would remove their file, and trying again
 * would only probe them every second.
 */
static void restart_ipc(struct server *s, struct lsn *l)
{
	const struct server_opts o = { .max_message = s->max_message };
	bool again = l->l.id == 0;
	struct stat st;
	char kv[600];
	size_t len = 0;
	int rv;

	kv[0] = '\0';
	log_append_kv(kv, sizeof kv, &len, "url", l->url);
	if (!again && stat(ipc_path(l), &st) == 0 && (st.st_dev != l->dev || st.st_ino != l->ino)) {
		log_event("warn", "ipc path now belongs to another socket; no longer watched", kv);
		l->watched = false;
		return;
	}
	if (!again) {
		log_event("warn", "ipc listener stopped accepting; restarting it", kv);
		nng_listener_close(l->l); /* removes the socket file too */
		l->l = (nng_listener)NNG_LISTENER_INITIALIZER;
	}
	// After a failed restart, one error line, not one a second.
	rv = listen_ipc(s, l, &o, again);
	if (rv != 0)
		l->l = (nng_listener)NNG_LISTENER_INITIALIZER;
	if (rv == NNG_EADDRINUSE)
		l->watched = false;
}

static void *listener_watch(void *arg)
{
	struct server *s = arg;
	struct timespec until;
	bool stop = false;
	size_t i;

	while (!stop) {
		until = deadline_in(WATCH_INTERVAL_MS);
		pthread_mutex_lock(&s->lock);
		while (!s->watch_stop)
			if (pthread_cond_timedwait(&s->watch_cv, &s->lock, &until) == ETIMEDOUT)
				break;
		stop = s->watch_stop;
		pthread_mutex_unlock(&s->lock);
		for (i = 0; i < s->n_lsns && !stop; i++) {
			if (!s->lsns[i].watched)
				continue;
			switch (probe_ipc(s, &s->lsns[i])) {
			case PROBE_OK:
				break;
			case PROBE_LOST:
				restart_ipc(s, &s->lsns[i]);
				break;
			case PROBE_STOP:
				stop = true;
				break;
			}
		}
	}
	return NULL;
}

static int works_open(struct server *s, struct dispatcher *d, size_t n)
{
	size_t i;
	int rc;

	s->works = calloc(n, sizeof *s->works);
	if (s->works == NULL)
		return RG_ENOMEM;
	s->n_works = n;
	for (i = 0; i < n; i++) {
		struct work *w = &s->works[i];

		w->srv = s;
		if (nng_aio_alloc(&w->aio, work_cb, w) != 0)
			return RG_ENOMEM;
		if (nng_ctx_open(&w->ctx, s->sock) != 0)
			return RG_EINTERNAL;
		w->ctx_open = true;
		rc = dispatch_slot_new(d, work_reply, w, &w->slot);
		if (rc != RG_OK)
			return rc;
		dispatch_slot_set_park(w->slot, work_park);
	}
	return RG_OK;
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
	rc = works_open(s, d, o->contexts);
	if (rc != RG_OK)
		goto fail;
	// Contexts wait before any listener exists, so the first request finds one ready.
	for (i = 0; i < s->n_works; i++)
		work_recv(&s->works[i]);
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
	struct timespec until, linger = { 0, LINGER_MS * 1000000L };

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->lock);
	while (atomic_load(&s->busy) > 0)
		if (pthread_cond_timedwait(&s->idle, &s->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&s->lock);
	nanosleep(&linger, NULL);
}

/*
 * nng 1.5's nng_close() can, rarely, wait forever for a context it never lets go of (a
 * class of close deadlocks reported upstream, e.g. nanomsg/nng#1543 and #1813). By the
 * time the socket is closed every write has been committed and answered (main's shutdown
 * order), so a daemon whose close hangs may end: this watchdog ends it after a grace time.
 */
#define CLOSE_GRACE_S 5

struct close_watch {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool closed;
};

static void *close_watchdog(void *arg)
{
	struct close_watch *w = arg;
	struct timespec until;
	bool closed;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += CLOSE_GRACE_S;
	pthread_mutex_lock(&w->lock);
	while (!w->closed)
		if (pthread_cond_timedwait(&w->cond, &w->lock, &until) == ETIMEDOUT)
			break;
	closed = w->closed;
	pthread_mutex_unlock(&w->lock);
	if (!closed) {
		log_event("warn", "socket close did not finish; exiting with every write committed",
		          "");
		_exit(0);
	}
	return NULL;
}

static void close_socket(nng_socket sock)
{
	struct close_watch w = { .closed = false };
	pthread_t th;
	bool watching;

	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	watching = pthread_create(&th, NULL, close_watchdog, &w) == 0;
	nng_close(sock);
	pthread_mutex_lock(&w.lock);
	w.closed = true;
	pthread_cond_signal(&w.cond);
	pthread_mutex_unlock(&w.lock);
	if (watching)
		pthread_join(th, NULL);
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);
}

void server_free(struct server *s)
{
	size_t i;

	if (s == NULL)
		return;
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
	if (s->sock_open)
		close_socket(s->sock);
	for (i = 0; i < s->n_works; i++)
		if (s->works[i].aio != NULL)
			nng_aio_stop(s->works[i].aio);
	for (struct holder *h = s->holders; h != NULL; h = h->next_all)
		nng_aio_stop(h->aio);
	while (s->holders != NULL) {
		struct holder *h = s->holders;

		s->holders = h->next_all;
		nng_ctx_close(h->ctx); /* NNG_ECLOSED after nng_close: nothing to do */
		nng_aio_free(h->aio);
		free(h);
	}
	for (i = 0; i < s->n_works; i++) {
		struct work *w = &s->works[i];

		if (w->ctx_open)
			nng_ctx_close(w->ctx); /* NNG_ECLOSED after nng_close: nothing to do */
		if (w->aio != NULL)
			nng_aio_free(w->aio);
		dispatch_slot_free(w->slot);
	}
	free(s->works);
	for (i = 0; i < s->n_lsns; i++)
		free(s->lsns[i].url);
	free(s->lsns);
	conns_free(s->conns); /* after the socket: its pipes' REM_POST use it */
	pthread_cond_destroy(&s->watch_cv);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
