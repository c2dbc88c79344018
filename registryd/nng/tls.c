/*
 * tls.c - the TLS configuration of a tls+tcp:// listener.
 */
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "server_int.h"
#include "tls_engine.h"

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
int server_tls_config(const struct server_opts *o, nng_tls_config **out, const char **what)
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
