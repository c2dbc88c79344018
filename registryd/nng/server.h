/*
 * server.h - nng/'s main file: the nng face of registryd, one REP0 socket, its listeners,
 * and a pool of contexts, each an nng_ctx with its own nng_aio driven by a small state
 * machine (RECV -> dispatch -> SEND -> RECV), after nng's demo/async/server.c. No thread
 * per request: nng's own threads run the callbacks.
 *
 * The face turns a message into dispatch_request_via() (rpc/dispatch.h) and sends what
 * comes back; it decides nothing about a call. Files: server.c (the socket, pipe events
 * and connection limits, the idle sweep, start, drain, free), pool.c (the contexts and
 * the holders of parked requests), listen.c, tls.c, ipc_watch.c (restarts an ipc
 * listener that accepts nobody), close.c (closing within a grace time); server_int.h is
 * what they share.
 */
#ifndef REGISTRYD_SERVER_H
#define REGISTRYD_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"

struct server;

struct server_opts {
	const char *const *urls; /* listen on each: tcp:// or tls+tcp://host:port (port 0
	                          * allowed), ipc://path */
	size_t n_urls;
	size_t max_message;     /* NNG_OPT_RECVMAXSZ of every listener */
	size_t contexts;        /* size of the context pool */
	size_t max_connections; /* connections at once; one more is closed at once. 0 = no bound */
	size_t max_per_address; /* connections of one peer address (tcp, tls+tcp) or user id
	                         * (ipc); one more is closed at once. 0 = no bound */
	uint32_t idle_timeout_ms; /* a connection that has sent no request this long after it
	                           * was made is closed. 0 = never */
	/* For tls+tcp:// listeners: PEM files of our certificate and key, and of the CA whose
	 * client certificates are required (NULL: clients need none). */
	const char *tls_cert;
	const char *tls_key;
	const char *tls_ca;
};

/*
 * Opens the socket, starts the listeners (logging "msg=listening url=..." for each, with
 * the bound port when 0 was asked for) and the contexts, each with its dispatch slot.
 * On failure a line saying what failed is logged and everything is undone.
 * Errors: RG_EIO (a listener cannot start), RG_ENOMEM, RG_EINTERNAL.
 */
int server_start(struct server **out, struct dispatcher *d, const struct server_opts *o);

/*
 * Waits until no request is between receive and reply (the writer must have been stopped
 * first, so that every write has been answered), for at most timeout_ms, then a moment
 * more so the last replies leave the kernel before the socket closes.
 */
void server_drain(struct server *s, int timeout_ms);

/* Closes the socket (and with it listeners and connections), stops and frees the
 * contexts and their slots. NULL is allowed. Returns false when nng's close did not finish
 * within a grace time: nothing was freed and the caller should end the process. */
bool server_free(struct server *s);

#endif
