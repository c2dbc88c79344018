/*
 * http_face.h - the HTTP face (registryd/http) on a test's dispatcher, on a free port of
 * 127.0.0.1, and one Connect call through it with nng's HTTP client, so that a table of
 * calls can run over HTTP as it runs through dispatch.
 */
#ifndef TESTS_REGISTRYD_HTTP_FACE_H
#define TESTS_REGISTRYD_HTTP_FACE_H

#include <stddef.h>
#include <stdint.h>

struct dispatcher;
struct http_server;

/* Starts the face on d (fails the test if it cannot); *port is the bound port. */
struct http_server *http_face_start(struct dispatcher *d, int *port);

/*
 * POSTs payload/len (application/proto) to /stdreg.v1.Registry/method on port with
 * "Authorization: Bearer token" (none when token is ""). Returns the gRPC code of the
 * answer: 0 for 200, else the code named by the Connect error's "code". Fails the test
 * when the HTTP status is not Connect's status for that code, or the error is not Connect's
 * error JSON. message (may be NULL) gets the error's message.
 */
int http_face_call(int port, const char *method, const char *token, const uint8_t *payload,
                   size_t len, char *message, size_t size);

#endif
