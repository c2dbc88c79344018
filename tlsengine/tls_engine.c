/*
 * tls_engine.c - nng's mbedTLS engine with the project's TLS policy (tls_engine.h).
 *
 * Adapted from nng 1.5.2 src/supplemental/tls/mbedtls/tls.c (Copyright 2021 Staysail Systems,
 * Inc., Copyright 2018 Capitar IT Group BV, MIT licence). Changes: the policy below
 * (cipher suites, TLS 1.2 only, serverAuth and IP address checks in verify_peer()), a hook
 * for failed handshakes, and nng's public API only.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <nng/nng.h>
#include <nng/supplemental/tls/engine.h>

#include "tls_engine.h"

// ECDHE key exchange (forward secrecy) with AEAD ciphers only: no static RSA, no CBC, no SHA-1
// MACs. Keep tls_engine_openssl_ciphers in step.
static const int allowed_suites[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	0,
};

const char tls_engine_openssl_ciphers[] =
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";

static tls_engine_failure_fn failure_hook;

struct nng_tls_engine_conn {
	void *tls; // nng's connection: an nng_stream (its first member)
	mbedtls_ssl_context ctx;
	bool client;
};

struct nng_tls_engine_config {
	mbedtls_ssl_config cfg_ctx;
	char *server_name;
	bool server_is_ip;    // server_name is an address: check the IP SANs
	unsigned char ip[16]; // that address
	size_t ip_len;        // 4 or 16
	bool client;
	mbedtls_x509_crt ca_certs;
	mbedtls_x509_crl crl;
	mbedtls_x509_crt own_crt; // one certificate (chain) and key: all the project uses
	mbedtls_pk_context own_key;
	bool has_own;
};

static int tls_random(void *arg, unsigned char *buf, size_t len)
{
	(void)arg;
	while (len > 0) {
		ssize_t n = getrandom(buf, len, 0);

		if (n < 0)
			return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* An mbedTLS error as an nng error code. */
static int tls_mk_err(int err)
{
	switch (err) {
	case MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE:
	case MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED:
	case MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED:
	case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE:
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
	case MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO:
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
		return NNG_EPEERAUTH;
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
		return NNG_ECONNREFUSED;
	case MBEDTLS_ERR_SSL_ALLOC_FAILED:
		return NNG_ENOMEM;
	case MBEDTLS_ERR_SSL_TIMEOUT:
		return NNG_ETIMEDOUT;
	case MBEDTLS_ERR_SSL_CONN_EOF:
		// The peer's end, not ours: nng 1.5.2's listener takes NNG_ECLOSED from a
		// handshake for its own close and stops accepting (see registryd/nng/sendmsg.c),
		// and any error but a reset, an abort, a timeout or a refused peer pauses it
		// for 100 ms.
		return NNG_ECONNRESET;
	default:
		return NNG_ECRYPTO;
	}
}

static int net_send(void *tls, const unsigned char *buf, size_t len)
{
	size_t sz = len;

	switch (nng_tls_engine_send(tls, buf, &sz)) {
	case 0:
		return (int)sz;
	case NNG_EAGAIN:
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	default:
		return MBEDTLS_ERR_NET_SEND_FAILED;
	}
}

static int net_recv(void *tls, unsigned char *buf, size_t len)
{
	size_t sz = len;

	switch (nng_tls_engine_recv(tls, buf, &sz)) {
	case 0:
		return (int)sz;
	case NNG_EAGAIN:
		return MBEDTLS_ERR_SSL_WANT_READ;
	default:
		return MBEDTLS_ERR_NET_RECV_FAILED;
	}
}

/* Whether crt names the address ip (ip_len bytes) in an IP subject alternative name. */
static bool has_ip_san(const mbedtls_x509_crt *crt, const unsigned char *ip, size_t ip_len)
{
	const mbedtls_x509_sequence *cur;

	if (!(crt->ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME))
		return false;
	for (cur = &crt->subject_alt_names; cur != NULL; cur = cur->next)
		if ((cur->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK) == MBEDTLS_X509_SAN_IP_ADDRESS &&
		    cur->buf.len == ip_len && memcmp(cur->buf.p, ip, ip_len) == 0)
			return true;
	return false;
}

/*
 * mbedTLS calls this for every certificate of the chain it verifies; depth 0 is the peer's.
 * A client adds what mbedTLS 2 leaves out: the serverAuth usage must be present (mbedTLS
 * only refuses an extended key usage that lacks it), and an address endpoint must be named
 * by an IP SAN.
 */
static int verify_peer(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	const struct nng_tls_engine_config *cfg = arg;

	if (depth != 0 || !cfg->client)
		return 0;
	if (!(crt->ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE) ||
	    mbedtls_x509_crt_check_extended_key_usage(
	            crt, MBEDTLS_OID_SERVER_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)) != 0)
		*flags |= MBEDTLS_X509_BADCERT_EXT_KEY_USAGE;
	if (cfg->server_is_ip && !has_ip_san(crt, cfg->ip, cfg->ip_len))
		*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
	return 0;
}

static void conn_fini(nng_tls_engine_conn *ec)
{
	mbedtls_ssl_free(&ec->ctx);
}

static int conn_init(nng_tls_engine_conn *ec, void *tls, nng_tls_engine_config *cfg)
{
	int rv;

	ec->tls = tls;
	ec->client = cfg->client;
	mbedtls_ssl_init(&ec->ctx);
	mbedtls_ssl_set_bio(&ec->ctx, tls, net_send, net_recv, NULL);
	if ((rv = mbedtls_ssl_setup(&ec->ctx, &cfg->cfg_ctx)) != 0)
		return tls_mk_err(rv);
	// An address is not a host name: SNI carries names only (RFC 6066), and mbedTLS
	// would compare it with the DNS names; verify_peer() checks it instead.
	if (cfg->server_name != NULL && !cfg->server_is_ip &&
	    (rv = mbedtls_ssl_set_hostname(&ec->ctx, cfg->server_name)) != 0)
		return tls_mk_err(rv);
	return 0;
}

static void conn_close(nng_tls_engine_conn *ec)
{
	(void)mbedtls_ssl_close_notify(&ec->ctx);
}

static int conn_recv(nng_tls_engine_conn *ec, uint8_t *buf, size_t *szp)
{
	int rv = mbedtls_ssl_read(&ec->ctx, buf, *szp);

	if (rv == MBEDTLS_ERR_SSL_WANT_READ || rv == MBEDTLS_ERR_SSL_WANT_WRITE)
		return NNG_EAGAIN;
	if (rv < 0)
		return tls_mk_err(rv);
	*szp = (size_t)rv;
	return 0;
}

static int conn_send(nng_tls_engine_conn *ec, const uint8_t *buf, size_t *szp)
{
	int rv = mbedtls_ssl_write(&ec->ctx, buf, *szp);

	if (rv == MBEDTLS_ERR_SSL_WANT_READ || rv == MBEDTLS_ERR_SSL_WANT_WRITE)
		return NNG_EAGAIN;
	if (rv < 0)
		return tls_mk_err(rv);
	*szp = (size_t)rv;
	return 0;
}

/* Reports a failed handshake to the hook: the peer's address and mbedTLS's reason. */
static void report_failure(nng_tls_engine_conn *ec, int err)
{
	char peer[INET6_ADDRSTRLEN + 8] = "", reason[240], flags[120];
	uint32_t vr = mbedtls_ssl_get_verify_result(&ec->ctx);
	nng_sockaddr sa;

	if (failure_hook == NULL)
		return;
	// nng's TLS connection is an nng_stream, which answers for its TCP stream.
	if (nng_stream_get_addr(ec->tls, NNG_OPT_REMADDR, &sa) == 0) {
		char a[INET6_ADDRSTRLEN];

		if (sa.s_family == NNG_AF_INET &&
		    inet_ntop(AF_INET, &sa.s_in.sa_addr, a, sizeof a) != NULL)
			snprintf(peer, sizeof peer, "%s:%u", a, ntohs(sa.s_in.sa_port));
		else if (sa.s_family == NNG_AF_INET6 &&
		         inet_ntop(AF_INET6, sa.s_in6.sa_addr, a, sizeof a) != NULL)
			snprintf(peer, sizeof peer, "[%s]:%u", a, ntohs(sa.s_in6.sa_port));
	}
	mbedtls_strerror(err, reason, sizeof reason);
	if (err == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && vr != 0 && vr != (uint32_t)-1 &&
	    mbedtls_x509_crt_verify_info(flags, sizeof flags, "", vr) > 0) {
		flags[strcspn(flags, "\n")] = '\0';
		snprintf(reason + strlen(reason), sizeof reason - strlen(reason), " (%s)", flags);
	}
	for (char *p = reason; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	failure_hook(peer, reason);
}

static int conn_handshake(nng_tls_engine_conn *ec)
{
	int rv = mbedtls_ssl_handshake(&ec->ctx);

	if (rv == MBEDTLS_ERR_SSL_WANT_READ || rv == MBEDTLS_ERR_SSL_WANT_WRITE)
		return NNG_EAGAIN;
	if (rv == 0)
		return 0;
	report_failure(ec, rv);
	return tls_mk_err(rv);
}

static bool conn_verified(nng_tls_engine_conn *ec)
{
	return mbedtls_ssl_get_verify_result(&ec->ctx) == 0;
}

static void config_fini(nng_tls_engine_config *cfg)
{
	mbedtls_ssl_config_free(&cfg->cfg_ctx);
	mbedtls_x509_crt_free(&cfg->ca_certs);
	mbedtls_x509_crl_free(&cfg->crl);
	mbedtls_x509_crt_free(&cfg->own_crt);
	mbedtls_pk_free(&cfg->own_key);
	free(cfg->server_name);
}

static int config_init(nng_tls_engine_config *cfg, nng_tls_mode mode)
{
	int rv;

	cfg->client = mode != NNG_TLS_MODE_SERVER;
	mbedtls_ssl_config_init(&cfg->cfg_ctx);
	mbedtls_x509_crt_init(&cfg->ca_certs);
	mbedtls_x509_crl_init(&cfg->crl);
	mbedtls_x509_crt_init(&cfg->own_crt);
	mbedtls_pk_init(&cfg->own_key);
	rv = mbedtls_ssl_config_defaults(
	        &cfg->cfg_ctx, cfg->client ? MBEDTLS_SSL_IS_CLIENT : MBEDTLS_SSL_IS_SERVER,
	        MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (rv != 0) {
		config_fini(cfg);
		return tls_mk_err(rv);
	}
	mbedtls_ssl_conf_authmode(&cfg->cfg_ctx, cfg->client ? MBEDTLS_SSL_VERIFY_REQUIRED
	                                                     : MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_min_version(&cfg->cfg_ctx, MBEDTLS_SSL_MAJOR_VERSION_3,
	                             MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(&cfg->cfg_ctx, MBEDTLS_SSL_MAJOR_VERSION_3,
	                             MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ciphersuites(&cfg->cfg_ctx, allowed_suites);
	mbedtls_ssl_conf_rng(&cfg->cfg_ctx, tls_random, cfg);
	mbedtls_ssl_conf_verify(&cfg->cfg_ctx, verify_peer, cfg);
	return 0;
}

static int config_server_name(nng_tls_engine_config *cfg, const char *name)
{
	char *dup = strdup(name);

	if (dup == NULL)
		return NNG_ENOMEM;
	free(cfg->server_name);
	cfg->server_name = dup;
	cfg->server_is_ip = false;
	if (inet_pton(AF_INET, name, cfg->ip) == 1) {
		cfg->server_is_ip = true;
		cfg->ip_len = 4;
	} else if (inet_pton(AF_INET6, name, cfg->ip) == 1) {
		cfg->server_is_ip = true;
		cfg->ip_len = 16;
	}
	return 0;
}

static int config_auth_mode(nng_tls_engine_config *cfg, nng_tls_auth_mode mode)
{
	switch (mode) {
	case NNG_TLS_AUTH_MODE_NONE:
		mbedtls_ssl_conf_authmode(&cfg->cfg_ctx, MBEDTLS_SSL_VERIFY_NONE);
		return 0;
	case NNG_TLS_AUTH_MODE_OPTIONAL:
		mbedtls_ssl_conf_authmode(&cfg->cfg_ctx, MBEDTLS_SSL_VERIFY_OPTIONAL);
		return 0;
	case NNG_TLS_AUTH_MODE_REQUIRED:
		mbedtls_ssl_conf_authmode(&cfg->cfg_ctx, MBEDTLS_SSL_VERIFY_REQUIRED);
		return 0;
	}
	return NNG_EINVAL;
}

static int config_ca_chain(nng_tls_engine_config *cfg, const char *certs, const char *crl)
{
	int rv;

	// PEM, with the terminating NUL counted.
	if ((rv = mbedtls_x509_crt_parse(&cfg->ca_certs, (const unsigned char *)certs,
	                                 strlen(certs) + 1)) != 0)
		return tls_mk_err(rv);
	if (crl != NULL && (rv = mbedtls_x509_crl_parse(&cfg->crl, (const unsigned char *)crl,
	                                                strlen(crl) + 1)) != 0)
		return tls_mk_err(rv);
	mbedtls_ssl_conf_ca_chain(&cfg->cfg_ctx, &cfg->ca_certs, &cfg->crl);
	return 0;
}

static int config_own_cert(nng_tls_engine_config *cfg, const char *cert, const char *key,
                           const char *pass)
{
	int rv;

	if (cfg->has_own)
		return NNG_ENOTSUP;
	if ((rv = mbedtls_x509_crt_parse(&cfg->own_crt, (const unsigned char *)cert,
	                                 strlen(cert) + 1)) != 0 ||
	    (rv = mbedtls_pk_parse_key(&cfg->own_key, (const unsigned char *)key, strlen(key) + 1,
	                               (const unsigned char *)pass,
	                               pass != NULL ? strlen(pass) : 0)) != 0 ||
	    (rv = mbedtls_ssl_conf_own_cert(&cfg->cfg_ctx, &cfg->own_crt, &cfg->own_key)) != 0) {
		mbedtls_x509_crt_free(&cfg->own_crt);
		mbedtls_pk_free(&cfg->own_key);
		mbedtls_x509_crt_init(&cfg->own_crt);
		mbedtls_pk_init(&cfg->own_key);
		return tls_mk_err(rv);
	}
	cfg->has_own = true;
	return 0;
}

/* TLS 1.2 is the only version: older ones are refused, 1.3 is not in mbedTLS 2. */
static int config_version(nng_tls_engine_config *cfg, nng_tls_version min_ver,
                          nng_tls_version max_ver)
{
	(void)cfg;
	if (min_ver > max_ver || max_ver < NNG_TLS_1_2 || min_ver > NNG_TLS_1_3)
		return NNG_ENOTSUP;
	return 0;
}

static nng_tls_engine_config_ops config_ops = {
	.size = sizeof(nng_tls_engine_config),
	.init = config_init,
	.fini = config_fini,
	.server = config_server_name,
	.auth = config_auth_mode,
	.ca_chain = config_ca_chain,
	.own_cert = config_own_cert,
	.version = config_version,
};

static nng_tls_engine_conn_ops conn_ops = {
	.size = sizeof(nng_tls_engine_conn),
	.init = conn_init,
	.fini = conn_fini,
	.close = conn_close,
	.handshake = conn_handshake,
	.recv = conn_recv,
	.send = conn_send,
	.verified = conn_verified,
};

static const nng_tls_engine engine = {
	.version = NNG_TLS_ENGINE_VERSION,
	.config_ops = &config_ops,
	.conn_ops = &conn_ops,
	.name = "stdreg-mbed",
	.description = MBEDTLS_VERSION_STRING_FULL " (ECDHE+AEAD, TLS 1.2)",
	.fips_mode = false,
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int install_rv;

static void install(void)
{
	// nng sets up its own engine when it initialises: make it do so first (asking for
	// the engine's name initialises nng), then replace it.
	(void)nng_tls_engine_name();
	install_rv = nng_tls_engine_register(&engine);
}

int tls_engine_install(tls_engine_failure_fn on_failure)
{
	if (on_failure != NULL)
		failure_hook = on_failure;
	pthread_once(&once, install);
	return install_rv;
}
