/*
 * listen.c - one nng listener per --listen URL, and the line that says where it listens.
 */
#include <stdio.h>
#include <string.h>

#include <nng/transport/tcp/tcp.h>

#include "log.h"
#include "server_int.h"

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

/*
 * Starts a listener on url; *out is its handle. Returns 0 or the nng error, which is logged
 * unless quiet.
 */
int listen_one(struct server *s, const char *url, const struct server_opts *o, nng_listener *out,
               bool quiet)
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
		rv = server_tls_config(o, &tls, &what);
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
