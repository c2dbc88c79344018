/*
 * server_int.h - what the files of nng/ share: the server's structs and the helpers each
 * file gives the others. Private to nng/ (the rest of registryd sees server.h).
 *
 *   server.c     the socket, pipe events, connection limits, the idle sweep, start, drain
 *                and free
 *   pool.c       the context pool: works that receive and answer, holders of parked
 *                requests
 *   listen.c     one listener per --listen URL
 *   tls.c        the TLS configuration of a tls+tcp:// listener
 *   ipc_watch.c  the watch that restarts an ipc listener nng left accepting nobody
 *   close.c      closing the socket within a grace time
 *   sendmsg.c    sendmsg() for nng: EPIPE on TCP as ECONNRESET (part of the executable)
 */
#ifndef REGISTRYD_NNG_SERVER_INT_H
#define REGISTRYD_NNG_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "clock.h"
#include "dispatch.h"
#include "server.h"

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

/*
 * Starts a listener on url; *out is its handle. Returns 0 or the nng error, which is logged
 * unless quiet (listen.c).
 */
int listen_one(struct server *s, const char *url, const struct server_opts *o, nng_listener *out,
               bool quiet);

/* The TLS configuration of a tls+tcp:// listener from o; *what names the step that failed.
 * Returns 0 or an nng error (tls.c). */
int server_tls_config(const struct server_opts *o, nng_tls_config **out, const char **what);

/* Starts ipc listener l (quiet: no error line) and notes the socket file it made
 * (ipc_watch.c). Returns 0 or the nng error. */
int listen_ipc(struct server *s, struct lsn *l, const struct server_opts *o, bool quiet);
/* The watch thread's body; arg is the server. Stops when watch_stop is set. */
void *listener_watch(void *arg);
/* The watch's probe connections in pipe events: true to leave the event alone. */
bool probe_event(struct server *s, nng_pipe p, nng_pipe_ev ev);

/* "tcp://192.0.2.7:51234" (also for tls+tcp connections), "ipc:///path" or "-", for the
 * log (server.c). */
void peer_text(nng_pipe p, char *buf, size_t n);

/* The key a peer's connections (and anonymous budgets) are counted under: "tcp:192.0.2.7"
 * (tls+tcp too), "uid:1000" for ipc, "-" when unknown (server.c). */
void peer_key(nng_pipe p, char *buf, size_t n);

/* Counts requests between receive and the end of their send (server_drain waits for 0). */
void busy_add(struct server *s, int delta);

/* Opens n works, each with a context of s->sock and a slot of d, and starts none
 * (pool.c). Errors: RG_ENOMEM, RG_EINTERNAL, dispatch_slot_new's; pool_free undoes a
 * partial open. */
int pool_open(struct server *s, struct dispatcher *d, size_t n);
/* Sets every work receiving. */
void pool_start(struct server *s);
/* Stops and frees the works and holders; after the socket is closed. */
void pool_free(struct server *s);

/* Closes the socket; false if nng_close() did not finish within the grace time (then
 * nothing of the server may be touched again, and the caller ends the process) (close.c). */
bool server_close_socket(nng_socket sock);

#endif
