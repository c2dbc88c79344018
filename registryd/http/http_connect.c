/*
 * http_connect.c - Connect unary calls: POST /stdreg.v1.Registry/METHOD with a body of
 * application/proto (the payload bytes as over nng) or application/json (pbjson.h), and
 * GET with ?encoding=json|proto&message=...[&base64=1] for methods that only read.
 *
 * Errors are Connect error JSON, {"code":"not_found","message":...,"details":[...]}, with
 * Connect's HTTP status per code; field violations travel in a google.rpc.BadRequest
 * detail (whose wire form is a repeated stdreg.v1.FieldViolation at tag 1).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "call.h"
#include "dispatch_limits.h"
#include "internal.h"
#include "pbjson.h"
#include "web.h"

#include "stdreg/v1/envelope.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

/* Connect's HTTP status of each gRPC code (connectrpc.com/docs/protocol#error-codes). */
static const unsigned http_status_of[] = {
	[GRPC_OK] = 200,
	[GRPC_CANCELLED] = 499,
	[GRPC_UNKNOWN] = 500,
	[GRPC_INVALID_ARGUMENT] = 400,
	[GRPC_DEADLINE_EXCEEDED] = 504,
	[GRPC_NOT_FOUND] = 404,
	[GRPC_ALREADY_EXISTS] = 409,
	[GRPC_PERMISSION_DENIED] = 403,
	[GRPC_RESOURCE_EXHAUSTED] = 429,
	[GRPC_FAILED_PRECONDITION] = 400,
	[GRPC_ABORTED] = 409,
	[GRPC_OUT_OF_RANGE] = 400,
	[GRPC_UNIMPLEMENTED] = 501,
	[GRPC_INTERNAL] = 500,
	[GRPC_UNAVAILABLE] = 503,
	[GRPC_DATA_LOSS] = 500,
	[GRPC_UNAUTHENTICATED] = 401,
};

static unsigned status_of(int code)
{
	if (code < 0 || (size_t)code >= sizeof http_status_of / sizeof http_status_of[0])
		return 500;
	return http_status_of[code];
}

/*
 * Whether a method may be called with GET: it only reads. The dispatch table's permission
 * column says so; registry.proto marks the same rpcs NO_SIDE_EFFECTS for generated clients
 * (the integration test checks the two agree).
 */
static bool only_reads(const char *full_name)
{
	const struct method *m;

	for (size_t i = 0; (m = dispatch_method_at(i)) != NULL; i++)
		if (strcmp(m->name, full_name) == 0)
			return m->perm == PERM_READ && !m->is_write;
	return false;
}

static const char *header(struct hreq *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

static const char *query(struct hreq *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Whether s holds nothing but the spaces and tabs a field value may end with, which are
 * not part of it (RFC 9110 §5.5) and which libmicrohttpd leaves in. */
static bool only_ows(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

/* Whether a Content-Encoding or ?compression= value is identity (no compression). */
static bool is_identity(const char *s)
{
	return strncasecmp(s, "identity", 8) == 0 && only_ows(s + 8);
}

/* "application/json; charset=utf-8" -> is it mime (case-insensitive, UTF-8 only)? */
static bool content_type_is(const char *ct, const char *mime)
{
	size_t n = strlen(mime);
	const char *p;

	if (strncasecmp(ct, mime, n) != 0)
		return false;
	p = ct + n;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return true;
	if (*p != ';')
		return false;
	p++;
	while (*p == ' ')
		p++;
	// RFC 9110 §5.6.6: a parameter's value may be a quoted string, "utf-8" as utf-8.
	return strncasecmp(p, "charset=utf-8", 13) == 0       ? p[13] == '\0'
	       : strncasecmp(p, "charset=\"utf-8\"", 15) == 0 ? p[15] == '\0'
	                                                      : false;
}

/* A request compressed with anything but identity (Content-Encoding of a POST, ?compression=
 * of a GET): the Connect protocol's unimplemented, naming what is supported. */
static enum MHD_Result unknown_compression(struct hreq *r, const char *what)
{
	return http_error_naming(
	        r, MHD_HTTP_NOT_IMPLEMENTED, "unimplemented", MHD_HTTP_HEADER_ACCEPT_ENCODING,
	        "identity", "unknown compression '%.80s': supported encodings are identity", what);
}

enum MHD_Result http_connect_head(struct hreq *r, const char *name, const char *verb,
                                  bool *answered)
{
	const ProtobufCMethodDescriptor *m = protobuf_c_service_descriptor_get_method_by_name(
	        &stdreg__v1__registry__descriptor, name);
	char full[128];
	bool reads;
	const char *ct, *ce, *enc;

	*answered = true;
	if (m == NULL)
		return http_error(r, MHD_HTTP_NOT_FOUND, "unimplemented",
		                  "no such method '%.100s' in stdreg.v1.Registry", name);
	snprintf(full, sizeof full, "/stdreg.v1.Registry/%s", m->name);
	reads = only_reads(full);
	r->method = m;
	r->route = ROUTE_RPC;
	if (strcmp(verb, "POST") == 0) {
		ct = header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
		ce = header(r, MHD_HTTP_HEADER_CONTENT_ENCODING);
		if (ct != NULL && content_type_is(ct, "application/json"))
			r->json = true;
		else if (ct == NULL || !content_type_is(ct, "application/proto"))
			return http_error_naming(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
			                         "unimplemented", "Accept-Post",
			                         "application/json, application/proto",
			                         "content type must be application/json or "
			                         "application/proto");
		if (ce != NULL && !is_identity(ce))
			return unknown_compression(r, ce);
		*answered = false;
		return MHD_YES;
	}
	if ((strcmp(verb, "GET") == 0 || strcmp(verb, "HEAD") == 0) && reads) {
		enc = query(r, "encoding");
		ce = query(r, "compression");
		if (enc == NULL)
			return http_error(r, MHD_HTTP_BAD_REQUEST, "invalid_argument",
			                  "query parameter 'encoding' is required (json or proto)");
		if (strcmp(enc, "json") != 0 && strcmp(enc, "proto") != 0)
			return http_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unimplemented",
			                  "query parameter 'encoding' must be json or proto");
		if (ce != NULL && !is_identity(ce))
			return unknown_compression(r, ce);
		r->json = strcmp(enc, "json") == 0;
		r->get = true;
		*answered = false;
		return MHD_YES;
	}
	return http_not_allowed(r, reads ? "GET, POST" : "POST");
}

/* Reads a decimal header of at most max into *v; false if it is not one. */
static bool header_number(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9' || strspn(s, "0123456789") > 20)
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno == 0 && only_ows(end) && *v <= max; /* ERANGE: past 2^64 - 1 */
}

unsigned http_envelope(struct hreq *r, const char *method, const uint8_t *payload, size_t len,
                       uint8_t **env, size_t *env_len, const char **why)
{
	Stdreg__V1__Request req = STDREG__V1__REQUEST__INIT;
	const char *auth = header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *to = header(r, "Connect-Timeout-Ms");
	const char *id = header(r, "Stdreg-Request-Id");
	const char *ver = header(r, "Connect-Protocol-Version");
	uint64_t v;
	uint8_t *buf;

	if (ver != NULL && strcmp(ver, "1") != 0) {
		*why = "header 'Connect-Protocol-Version' must be 1";
		return MHD_HTTP_BAD_REQUEST;
	}
	if (auth != NULL) {
		if (strncasecmp(auth, "Bearer ", 7) != 0 || auth[7] == '\0') {
			*why = "header 'Authorization' must be 'Bearer TOKEN'";
			return MHD_HTTP_BAD_REQUEST;
		}
		req.token = (char *)auth + 7;
	}
	if (to != NULL) {
		// Connect allows at most 10 digits; beyond the envelope's 32 bits means "no
		// deadline to speak of", which the largest budget says as well.
		if (!header_number(to, 9999999999ull, &v) || strspn(to, "0123456789") > 10 ||
		    v == 0) {
			*why = "header 'Connect-Timeout-Ms' must be a positive number of at most "
			       "10 "
			       "digits";
			return MHD_HTTP_BAD_REQUEST;
		}
		req.timeout_ms = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	}
	if (id != NULL) {
		if (!header_number(id, UINT64_MAX, &v)) {
			*why = "header 'Stdreg-Request-Id' must be a decimal number";
			return MHD_HTTP_BAD_REQUEST;
		}
		req.request_id = v;
	}
	req.method = (char *)method;
	req.payload.data = (uint8_t *)payload;
	req.payload.len = len;
	*env_len = stdreg__v1__request__get_packed_size(&req);
	if ((buf = malloc(*env_len > 0 ? *env_len : 1)) == NULL) {
		*why = "out of memory";
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	stdreg__v1__request__pack(&req, buf);
	*env = buf;
	return 0;
}

/* The request message's bytes of a GET: ?message=, URL-safe base64 when base64=1. */
static int get_message(struct hreq *r, uint8_t **out, size_t *len, const char **why)
{
	const char *msg = query(r, "message"), *b64 = query(r, "base64");

	if (msg == NULL)
		msg = "";
	if (b64 != NULL && strcmp(b64, "1") == 0) {
		if (pbjson_base64_decode(msg, strlen(msg), out, len) != 0) {
			*why = "query parameter 'message' is not base64";
			return -1;
		}
		return 0;
	}
	if (!r->json) {
		*why = "query parameter 'message' of encoding=proto needs base64=1";
		return -1;
	}
	*len = strlen(msg);
	*out = (uint8_t *)strdup(msg);
	return *out != NULL ? 0 : -1;
}

/* A google.rpc.BadRequest detail, its value the packed violations and its debug the JSON. */
static json_t *bad_request_detail(Stdreg__V1__FieldViolation *const *v, size_t n)
{
	json_t *debug = json_array(), *d = NULL;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	char *b64 = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t sz = stdreg__v1__field_violation__get_packed_size(v[i]);
		uint8_t *nb;

		// Tag 1, length-delimited; then the length as a varint; then the message.
		if (len + sz + 11 > cap) {
			cap = (len + sz + 11) * 2;
			if ((nb = realloc(buf, cap)) == NULL)
				goto out;
			buf = nb;
		}
		buf[len++] = 0x0a;
		for (size_t x = sz;; x >>= 7) {
			buf[len++] = (uint8_t)((x & 0x7f) | (x >= 0x80 ? 0x80 : 0));
			if (x < 0x80)
				break;
		}
		len += stdreg__v1__field_violation__pack(v[i], buf + len);
		json_array_append_new(debug, json_pack("{s:s, s:s}", "field", v[i]->field,
		                                       "description", v[i]->description));
	}
	if ((b64 = pbjson_base64_encode(buf, len)) == NULL)
		goto out;
	// Connect writes detail values without padding.
	for (size_t k = strlen(b64); k > 0 && b64[k - 1] == '='; k--)
		b64[k - 1] = '\0';
	d = json_pack("{s:s, s:s, s:{s:O}}", "type", "google.rpc.BadRequest", "value", b64, "debug",
	              "field_violations", debug);
out:
	json_decref(debug);
	free(buf);
	free(b64);
	return d;
}

/* Queues the Connect error of a status (with its violations, and for 401 the challenge). */
static enum MHD_Result answer_status(struct hreq *r, const Stdreg__V1__Status *st)
{
	unsigned http = status_of(st->code);
	struct MHD_Response *resp;
	json_t *j = json_pack("{s:s, s:s}", "code", http_connect_code(st->code), "message",
	                      st->message != NULL ? st->message : "");
	enum MHD_Result rv;
	char *text;

	if (j != NULL && st->n_violations > 0) {
		json_t *d = bad_request_detail(st->violations, st->n_violations);

		if (d != NULL)
			json_object_set_new(j, "details", json_pack("[o]", d));
	}
	text = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (text == NULL)
		return MHD_NO;
	rv = http_queue(r, 0, "application/json", text, strlen(text), &resp);
	free(text);
	if (rv != MHD_YES)
		return MHD_NO;
	// RFC 6750 §3: a challenge on every 401; error= only when a token was sent.
	if (st->code == GRPC_UNAUTHENTICATED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		                        header(r, MHD_HTTP_HEADER_AUTHORIZATION) != NULL
		                                ? "Bearer realm=\"stdreg\", error=\"invalid_token\""
		                                : "Bearer realm=\"stdreg\"");
	else if (st->code == GRPC_PERMISSION_DENIED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		                        "Bearer realm=\"stdreg\", error=\"insufficient_scope\"");
	else if (st->code == GRPC_UNAVAILABLE || st->code == GRPC_RESOURCE_EXHAUSTED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	rv = MHD_queue_response(r->conn, http, resp);
	MHD_destroy_response(resp);
	return rv;
}

/* A 400 for a request this face could not turn into an envelope, naming the field. */
static enum MHD_Result answer_code(struct hreq *r, int code, const char *field, const char *text)
{
	Stdreg__V1__FieldViolation v = STDREG__V1__FIELD_VIOLATION__INIT, *vp = &v;
	Stdreg__V1__Status st = STDREG__V1__STATUS__INIT;
	char msg[600];

	if (field != NULL && field[0] != '\0') {
		snprintf(msg, sizeof msg, "field '%s': %s", field, text);
		v.field = (char *)field;
		v.description = (char *)text;
		st.n_violations = 1;
		st.violations = &vp;
	} else {
		snprintf(msg, sizeof msg, "%s", text);
	}
	st.code = code;
	st.message = msg;
	return answer_status(r, &st);
}

static enum MHD_Result answer_local(struct hreq *r, const char *field, const char *text)
{
	return answer_code(r, GRPC_INVALID_ARGUMENT, field, text);
}

/* The record's meta.mod_revision, 0 if it has none (read by descriptor: any record). */
static uint64_t mod_revision(const ProtobufCMessage *m)
{
	const ProtobufCFieldDescriptor *f =
	        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "meta");
	const ProtobufCMessage *meta;

	if (f == NULL || f->type != PROTOBUF_C_TYPE_MESSAGE)
		return 0;
	meta = *(ProtobufCMessage *const *)((const char *)m + f->offset);
	if (meta == NULL)
		return 0;
	f = protobuf_c_message_descriptor_get_field_by_name(meta->descriptor, "mod_revision");
	if (f == NULL || f->type != PROTOBUF_C_TYPE_UINT64)
		return 0;
	return *(const uint64_t *)((const char *)meta + f->offset);
}

enum MHD_Result http_connect_answer(struct hreq *r)
{
	Stdreg__V1__Response *resp = NULL;
	ProtobufCMessage *msg = NULL;
	struct MHD_Response *mr = NULL;
	const uint8_t *body;
	size_t body_len;
	char *text = NULL, rev[32], etag[40] = "";
	bool is_get = strncmp(r->method->name, "Get", 3) == 0;
	enum MHD_Result rv = MHD_NO;
	unsigned status = MHD_HTTP_OK;

	if (r->reply != NULL)
		resp = stdreg__v1__response__unpack(NULL, r->reply_len, r->reply);
	if (resp == NULL)
		return http_error(r, 500, "internal", "cannot read the daemon's reply");
	if (resp->status != NULL && resp->status->code != GRPC_OK) {
		rv = answer_status(r, resp->status);
		goto out;
	}
	body = resp->payload.data;
	body_len = resp->payload.len;
	if (r->json || is_get) {
		msg = protobuf_c_message_unpack(r->method->output, NULL, body_len, body);
		if (msg == NULL) {
			rv = http_error(r, 500, "internal", "cannot decode the reply's payload");
			goto out;
		}
	}
	if (is_get && mod_revision(msg) != 0) {
		snprintf(etag, sizeof etag, "\"%" PRIu64 "\"", mod_revision(msg));
		if (web_none_match(header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), etag)) {
			// RFC 9110 §13.1.2: 304 answers a GET or HEAD; any other method whose
			// If-None-Match fails is 412.
			if (!r->get) {
				rv = http_error(r, MHD_HTTP_PRECONDITION_FAILED,
				                "failed_precondition",
				                "not modified: If-None-Match matches the record's "
				                "ETag %s (a GET of this call answers 304)",
				                etag);
				goto out;
			}
			status = MHD_HTTP_NOT_MODIFIED;
			body_len = 0;
		}
	}
	if (r->json && status == MHD_HTTP_OK) {
		if ((text = pbjson_dumps(msg, 0)) == NULL)
			goto out;
		body = (const uint8_t *)text;
		body_len = strlen(text);
	}
	if (http_queue(r, status, r->json ? "application/json" : "application/proto", body,
	               body_len, &mr) != MHD_YES)
		goto out;
	snprintf(rev, sizeof rev, "%" PRIu64, resp->revision);
	MHD_add_response_header(mr, "Stdreg-Revision", rev);
	if (etag[0] != '\0') {
		MHD_add_response_header(mr, MHD_HTTP_HEADER_ETAG, etag);
		// Clients may keep it, but must ask again before they use it.
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	}
	rv = MHD_queue_response(r->conn, status, mr);
	MHD_destroy_response(mr);
out:
	free(text);
	if (msg != NULL)
		protobuf_c_message_free_unpacked(msg, NULL);
	stdreg__v1__response__free_unpacked(resp, NULL);
	return rv;
}

/* Starts the call of r with payload; answers at once unless the connection waits. */
enum MHD_Result http_connect_call(struct hreq *r, const uint8_t *payload, size_t len)
{
	char full[128];
	const char *why = NULL;
	uint8_t *env;
	size_t env_len;
	unsigned st;

	snprintf(full, sizeof full, "/stdreg.v1.Registry/%s", r->method->name);
	st = http_envelope(r, full, payload, len, &env, &env_len, &why);
	if (st == MHD_HTTP_BAD_REQUEST)
		return answer_local(r, NULL, why);
	if (st != 0)
		return http_error(r, st, "unavailable", "%s", why);
	switch (http_call_start(r, env, env_len)) {
	case CALL_ANSWERED:
		free(env);
		return http_connect_answer(r);
	case CALL_SUSPENDED:
		free(env);
		return MHD_YES;
	case CALL_NO_SLOT:
		break;
	}
	free(env);
	return http_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
	                  "too many calls in progress");
}

enum MHD_Result http_connect_begin(struct hreq *r)
{
	struct pbjson_error err;
	ProtobufCMessage *m = NULL;
	uint8_t *in = r->body, *payload = NULL;
	size_t in_len = r->len, len;
	const char *why = NULL;
	enum MHD_Result rv;

	if (r->get) {
		if (get_message(r, &in, &in_len, &why) != 0)
			return answer_local(r, NULL, why != NULL ? why : "out of memory");
	}
	if (!r->json) {
		rv = http_connect_call(r, in, in_len);
		goto out;
	}
	/* Before jansson builds its tree, which can take 75 times the body: a JSON body is
	 * held to the budget a binary one is decoded under (dispatch.c). */
	if (pbjson_parse_cost((const char *)in, in_len) > DISPATCH_DECODE_MAX_REQUEST) {
		char why[160];
		snprintf(why, sizeof why,
		         "the JSON body of %s would take more than %zu MiB to parse",
		         r->method->input->name, DISPATCH_DECODE_MAX_REQUEST >> 20);
		rv = answer_code(r, GRPC_RESOURCE_EXHAUSTED, NULL, why);
		goto out;
	}
	if (pbjson_parse((const char *)in, in_len, r->method->input, &m, &err) != 0) {
		rv = answer_local(r, err.field, err.text);
		goto out;
	}
	len = protobuf_c_message_get_packed_size(m);
	if ((payload = malloc(len > 0 ? len : 1)) == NULL) {
		rv = http_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable", "out of memory");
		goto out;
	}
	protobuf_c_message_pack(m, payload);
	rv = http_connect_call(r, payload, len);
out:
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	free(payload);
	if (in != r->body)
		free(in);
	/* The call has its own copy: a Watch parked for a minute holds no body room. */
	http_body_release(r);
	return rv;
}
