/*
 * http_face.c - see http_face.h. The code names and HTTP statuses are those of the Connect
 * protocol's table (connectrpc.com/docs/protocol, "Error Codes"), written out here from the
 * specification so that the face's own table is what is tested.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "http.h"
#include "http_face.h"

static const struct {
	const char *name;
	unsigned http;
} connect_codes[] = {
	{ "ok", 200 },
	{ "canceled", 499 },
	{ "unknown", 500 },
	{ "invalid_argument", 400 },
	{ "deadline_exceeded", 504 },
	{ "not_found", 404 },
	{ "already_exists", 409 },
	{ "permission_denied", 403 },
	{ "resource_exhausted", 429 },
	{ "failed_precondition", 400 },
	{ "aborted", 409 },
	{ "out_of_range", 400 },
	{ "unimplemented", 501 },
	{ "internal", 500 },
	{ "unavailable", 503 },
	{ "data_loss", 500 },
	{ "unauthenticated", 401 },
};

#define N_CODES (sizeof connect_codes / sizeof connect_codes[0])

struct http_server *http_face_start(struct dispatcher *d, int *port)
{
	static const char *const urls[] = { "http://127.0.0.1:0" };
	const struct http_opts o = {
		.urls = urls,
		.n_urls = 1,
		.max_connections = 64,
		.per_address = 64,
		.idle_timeout_s = 10,
		.max_header = 32768,
		.max_body = 1 << 20,
		.max_bodies = 16 << 20,
		.max_feeds = 4,
	};
	struct http_server *s = NULL;

	assert_int_equal(http_start(&s, d, &o), 0);
	*port = http_port(s, 0);
	assert_true(*port > 0);
	return s;
}

/* The gRPC code of a Connect error body; fails the test if it names none. */
static int code_of(const void *body, size_t len, unsigned status, char *message, size_t size)
{
	json_error_t err;
	json_t *j = json_loadb(body, len, 0, &err);
	const char *name = json_string_value(json_object_get(j, "code"));
	const char *msg = json_string_value(json_object_get(j, "message"));
	int code = -1;

	if (name == NULL)
		fail_msg("HTTP %u without a Connect error: %.*s", status, (int)len,
		         (const char *)body);
	for (size_t i = 1; i < N_CODES; i++)
		if (strcmp(connect_codes[i].name, name) == 0)
			code = (int)i;
	if (code < 0)
		fail_msg("unknown Connect code '%s'", name);
	if (connect_codes[code].http != status)
		fail_msg("Connect code '%s' with HTTP %u (Connect says %u)", name, status,
		         connect_codes[code].http);
	if (message != NULL)
		snprintf(message, size, "%s", msg != NULL ? msg : "");
	json_decref(j);
	return code;
}

int http_face_call(int port, const char *method, const char *token, const uint8_t *payload,
                   size_t len, char *message, size_t size)
{
	char url[128], auth[128];
	nng_url *u;
	nng_http_client *cl;
	nng_http_req *req;
	nng_http_res *res;
	nng_aio *aio;
	void *data;
	size_t n;
	unsigned status;
	int code;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/stdreg.v1.Registry/%s", port, method);
	assert_int_equal(nng_url_parse(&u, url), 0);
	assert_int_equal(nng_http_client_alloc(&cl, u), 0);
	assert_int_equal(nng_http_req_alloc(&req, u), 0);
	assert_int_equal(nng_http_res_alloc(&res), 0);
	assert_int_equal(nng_aio_alloc(&aio, NULL, NULL), 0);
	assert_int_equal(nng_http_req_set_method(req, "POST"), 0);
	assert_int_equal(nng_http_req_set_header(req, "Content-Type", "application/proto"), 0);
	if (token[0] != '\0') {
		snprintf(auth, sizeof auth, "Bearer %s", token);
		assert_int_equal(nng_http_req_set_header(req, "Authorization", auth), 0);
	}
	// Borrowed for the call (copying an empty payload would be an allocation of 0 bytes).
	assert_int_equal(nng_http_req_set_data(req, (void *)payload, len), 0);
	nng_aio_set_timeout(aio, 10000);
	nng_http_client_transact(cl, req, res, aio);
	nng_aio_wait(aio);
	if (nng_aio_result(aio) != 0)
		fail_msg("POST %s: %s", url, nng_strerror(nng_aio_result(aio)));
	status = nng_http_res_get_status(res);
	nng_http_res_get_data(res, &data, &n);
	code = status == 200 ? 0 : code_of(data, n, status, message, size);
	if (code == 0 && message != NULL && size > 0)
		message[0] = '\0';
	nng_aio_free(aio);
	nng_http_res_free(res);
	nng_http_req_free(req);
	nng_http_client_free(cl);
	nng_url_free(u);
	return code;
}
