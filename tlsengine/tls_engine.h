/*
 * tls_engine.h - the TLS engine that registryd and libstdreg use in place of nng's built-in
 * one. nng 1.5.2's mbedTLS engine has no option for cipher suites or for checking a peer
 * certificate beyond mbedTLS's own checks; this engine is the same mbedTLS binding (adapted
 * from nng's src/supplemental/tls/mbedtls/tls.c, MIT) plus the project's TLS policy:
 *
 * - TLS 1.2 only (mbedTLS 2.28 has no TLS 1.3), and only ECDHE key exchange with AEAD
 *   suites (AES-GCM, ChaCha20-Poly1305), on both sides;
 * - a client requires the server certificate's extended key usage to include serverAuth;
 * - a client whose server name is an IP address checks that address against the
 *   certificate's IP subject alternative names (mbedTLS 2 checks DNS names only).
 */
#ifndef STDREG_TLS_ENGINE_H
#define STDREG_TLS_ENGINE_H

/* Called once per TLS handshake that fails: peer is "192.0.2.7:51234" (or "" when unknown),
 * reason a short lowercase text. Runs on an nng thread with the connection's lock held: it
 * must not call into that connection. */
typedef void (*tls_engine_failure_fn)(const char *peer, const char *reason);

/* Registers the engine with nng (once per process; later calls only change the hook).
 * Call it before the first nng_tls_config_alloc(). on_failure may be NULL. Returns 0 or an
 * nng error code. */
int tls_engine_install(tls_engine_failure_fn on_failure);

/* The cipher suites the engine allows, as OpenSSL names them, ':'-separated (for docs and
 * tests). */
extern const char tls_engine_openssl_ciphers[];

#endif
