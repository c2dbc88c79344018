/*
 * tls.c - the client side of tls+tcp://: a TLS configuration from PEM files, and the probe
 * that runs the handshake so that a refused one is reported with its reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>

#include "internal.h"
#include "tls_engine.h"

#define PEM_MAX ((size_t)1 << 20)

/* The whole of a PEM file, NUL-terminated (malloc'd); NULL with st set. */
static char *read_pem(const char *flag, const char *path, struct stdreg_status *st)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;

	if (f == NULL) {
		stdreg_status_set(st, STDREG_INVALID_ARGUMENT, true, "cannot read %s '%s' (%s)",
		                  flag, path, strerror(errno));
		return NULL;
	}
	buf = malloc(PEM_MAX + 1);
	if (buf != NULL)
		n = fread(buf, 1, PEM_MAX + 1, f);
	if (buf == NULL || ferror(f) || n > PEM_MAX) {
		stdreg_status_set(st, STDREG_INVALID_ARGUMENT, true, "cannot read %s '%s' (%s)",
		                  flag, path,
		                  buf == NULL ? "out of memory" : "too large or unreadable");
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* "tls+tcp://[::1]:7420" -> "::1"; "tls+tcp://localhost:7420" -> "localhost". */
static void url_host(const char *url, char *host, size_t n)
{
	const char *h = strstr(url, "://"), *end;

	h = h != NULL ? h + 3 : url;
	if (*h == '[') {
		h++;
		end = strchr(h, ']');
	} else {
		end = strrchr(h, ':');
	}
	if (end == NULL)
		end = h + strlen(h);
	snprintf(host, n, "%.*s", (int)(end - h), h);
}

int stdreg_tls_config(const char *url, const struct stdreg_client_opts *o,
                      struct nng_tls_config **out, struct stdreg_status *st)
{
	const char *ca = o != NULL ? o->tls_ca : NULL;
	const char *cert = o != NULL ? o->tls_cert : NULL;
	const char *key = o != NULL ? o->tls_key : NULL;
	char *ca_pem = NULL, *cert_pem = NULL, *key_pem = NULL;
	nng_tls_config *cfg = NULL;
	char host[256];
	int rv, code = STDREG_OK;

	if (ca == NULL || ca[0] == '\0')
		return stdreg_status_set(st, STDREG_INVALID_ARGUMENT, true,
		                         "'%s' needs the CA certificate of the server (--cacert or "
		                         "STDREG_CACERT)",
		                         url);
	if ((cert == NULL || cert[0] == '\0') != (key == NULL || key[0] == '\0'))
		return stdreg_status_set(st, STDREG_INVALID_ARGUMENT, true,
		                         "a client certificate needs both --cert and --key");
	if ((ca_pem = read_pem("--cacert", ca, st)) == NULL)
		return st->code;
	if (cert != NULL && cert[0] != '\0' &&
	    ((cert_pem = read_pem("--cert", cert, st)) == NULL ||
	     (key_pem = read_pem("--key", key, st)) == NULL)) {
		code = st->code;
		goto out;
	}
	if ((rv = tls_engine_install(NULL)) != 0 ||
	    (rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT)) != 0) {
		code = stdreg_status_set(st, STDREG_UNAVAILABLE, true, "cannot set up TLS (%s)",
		                         nng_strerror(rv));
		goto out;
	}
	url_host(url, host, sizeof host);
	if ((rv = nng_tls_config_ca_chain(cfg, ca_pem, NULL)) != 0) {
		code = stdreg_status_set(st, STDREG_INVALID_ARGUMENT, true,
		                         "cannot use --cacert '%s' (%s)", ca, nng_strerror(rv));
		goto out;
	}
	if (cert_pem != NULL && (rv = nng_tls_config_own_cert(cfg, cert_pem, key_pem, NULL)) != 0) {
		code = stdreg_status_set(st, STDREG_INVALID_ARGUMENT, true,
		                         "cannot use --cert '%s' with --key '%s' (%s)", cert, key,
		                         nng_strerror(rv));
		goto out;
	}
	// The host of the URL, not the address dialled (client.c tries each address of a
	// name): the certificate must name it, by a DNS name or, for an address, an IP SAN
	// (the engine checks that, and the serverAuth usage: tlsengine/tls_engine.h).
	if ((rv = nng_tls_config_server_name(cfg, host)) != 0 ||
	    (rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) != 0) {
		code = stdreg_status_set(st, STDREG_UNAVAILABLE, true, "cannot set up TLS (%s)",
		                         nng_strerror(rv));
		goto out;
	}
	*out = cfg;
	cfg = NULL;
out:
	if (cfg != NULL)
		nng_tls_config_free(cfg);
	free(ca_pem);
	free(cert_pem);
	free(key_pem);
	return code;
}
