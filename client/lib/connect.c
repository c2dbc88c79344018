/*
 * connect.c - where a client dials: every address of the endpoint's host in getaddrinfo
 * order (as curl and OpenSSH do), and the probe that tells whether one answers.
 *
 * nng's tcp dialer resolves a name itself and dials only the first address, so on a
 * machine where "localhost" is ::1 and then 127.0.0.1 (Debian's default /etc/hosts) a
 * daemon on 127.0.0.1 was never reached. The client resolves the name here, probes each
 * address, and points its dialer at the first that answers; the TLS configuration keeps
 * the host name for the certificate check (tls.c).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>

#include "internal.h"

/* Splits "SCHEME://HOST:PORT" of a tcp:// or tls+tcp:// url whose HOST is a name; false
 * for any other url (an address, ipc://, a URL without a port). */
static bool split_named(const char *url, char *scheme, size_t sn, char *host, size_t hn, char *port,
                        size_t pn)
{
	const char *rest = strstr(url, "://"), *colon;
	unsigned char a[16];
	int n;

	if (rest == NULL)
		return false;
	n = (int)(rest - url);
	if (!((n == 3 && strncmp(url, "tcp", 3) == 0) ||
	      (n == 7 && strncmp(url, "tls+tcp", 7) == 0)))
		return false;
	rest += 3;
	if (rest[0] == '[' || (colon = strrchr(rest, ':')) == NULL || colon == rest ||
	    colon[1] == '\0' || (size_t)(colon - rest) >= hn || strlen(colon + 1) >= pn)
		return false;
	snprintf(scheme, sn, "%.*s", n, url);
	snprintf(host, hn, "%.*s", (int)(colon - rest), rest);
	snprintf(port, pn, "%s", colon + 1);
	return inet_pton(AF_INET, host, a) != 1 && inet_pton(AF_INET6, host, a) != 1;
}

int stdreg_connect_targets(const char *url, struct stdreg_target *t, size_t max,
                           struct stdreg_status *st)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	char scheme[16], host[256], port[16];
	size_t n = 0, i;
	int rv;

	if (!split_named(url, scheme, sizeof scheme, host, sizeof host, port, sizeof port)) {
		snprintf(t[0].url, sizeof t[0].url, "%s", url);
		t[0].addr[0] = '\0';
		return 1;
	}
	if ((rv = getaddrinfo(host, port, &hints, &res)) != 0) {
		stdreg_status_set(st, STDREG_UNAVAILABLE, true, "cannot connect to '%s' (%s: %s)",
		                  url, host, gai_strerror(rv));
		return -1;
	}
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		const void *a =
		        ai->ai_family == AF_INET
		                ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
		                : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    inet_ntop(ai->ai_family, a, t[n].addr, sizeof t[n].addr) == NULL)
			continue;
		for (i = 0; i < n && strcmp(t[i].addr, t[n].addr) != 0; i++)
			;
		if (i < n)
			continue; // the same address twice (another protocol)
		snprintf(t[n].url, sizeof t[n].url,
		         ai->ai_family == AF_INET6 ? "%s://[%s]:%s" : "%s://%s:%s", scheme,
		         t[n].addr, port);
		n++;
	}
	freeaddrinfo(res);
	if (n == 0) {
		stdreg_status_set(st, STDREG_UNAVAILABLE, true,
		                  "cannot connect to '%s' (%s has no address)", url, host);
		return -1;
	}
	return (int)n;
}

/* One direction of stdreg_stream_probe(): all of buf sent or received, or the error. */
static int probe_io(nng_stream *conn, nng_aio *aio, uint8_t *buf, size_t len, bool send,
                    nng_time deadline)
{
	size_t done = 0;
	int rv;

	while (done < len) {
		nng_iov iov = { .iov_buf = buf + done, .iov_len = len - done };
		nng_time now = nng_clock();

		if ((rv = nng_aio_set_iov(aio, 1, &iov)) != 0)
			return rv;
		nng_aio_set_timeout(aio, now < deadline ? (nng_duration)(deadline - now) : 1);
		if (send)
			nng_stream_send(conn, aio);
		else
			nng_stream_recv(conn, aio);
		nng_aio_wait(aio);
		if ((rv = nng_aio_result(aio)) != 0)
			return rv;
		if (nng_aio_count(aio) == 0)
			return NNG_ECLOSED;
		done += nng_aio_count(aio);
	}
	return 0;
}

int stdreg_stream_probe(nng_stream *conn, nng_aio *aio, uint64_t deadline)
{
	// "\0SP\0", the protocol (REQ v0 = 0x30, big-endian), two reserved bytes.
	uint8_t ours[8] = { 0, 'S', 'P', 0, 0x00, 0x30, 0, 0 }, theirs[8];
	int rv = probe_io(conn, aio, ours, sizeof ours, true, deadline);

	if (rv == 0)
		rv = probe_io(conn, aio, theirs, sizeof theirs, false, deadline);
	// Something else answered: a TLS server sends an alert record (0x15) to a plain client.
	if (rv == 0 && memcmp(theirs, "\0SP\0", 4) != 0)
		rv = NNG_EPROTO;
	return rv;
}

int stdreg_probe_url(const char *url, struct nng_tls_config *tls, uint64_t deadline)
{
	nng_stream_dialer *sd = NULL;
	nng_aio *aio = NULL;
	nng_time now = nng_clock();
	int rv;

	if ((rv = nng_stream_dialer_alloc(&sd, url)) != 0)
		return rv;
	if (tls != NULL && (rv = nng_stream_dialer_set_ptr(sd, NNG_OPT_TLS_CONFIG, tls)) != 0)
		goto out;
	if ((rv = nng_aio_alloc(&aio, NULL, NULL)) != 0)
		goto out;
	nng_aio_set_timeout(aio, now < deadline ? (nng_duration)(deadline - now) : 1);
	nng_stream_dialer_dial(sd, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) == 0) {
		nng_stream *conn = nng_aio_get_output(aio, 0);

		// The server's SP header follows the connection (and a good TLS handshake) at
		// once; a refused handshake fails the exchange with why.
		rv = stdreg_stream_probe(conn, aio, deadline);
		nng_stream_free(conn);
	}
out:
	nng_aio_free(aio);
	nng_stream_dialer_free(sd);
	return rv;
}
