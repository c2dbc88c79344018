/*
 * client.c - the connection to registryd and stdreg_call().
 *
 * One REQ socket per client, one nng context per call, so calls from several threads do not
 * cancel each other (a bare REQ socket allows one request in flight). The socket's dialer is
 * started non-blocking at open and reconnects on its own. When a call finds no connection, it
 * waits a moment for the dialer, then probes the endpoint with a plain stream connect bounded
 * by the call's deadline: a server that is down fails the call at once with the reason
 * ("connection refused") instead of after the whole deadline, and an unreachable host never
 * holds a call past its deadline (a blocking nng_dial would wait for the OS connect timeout).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>

#include "internal.h"
#include "stdreg/v1/envelope.pb-c.h"
#include "stdreg/v1/methods.h"

#define METHOD_PREFIX    "/stdreg.v1.Registry/"
#define DEFAULT_RECV_MAX ((size_t)256 << 20)
#define MAX_METHOD_LEN   128
#define CONNECT_GRACE_MS 50 /* wait for the background dialer before probing */

struct stdreg_client {
	nng_socket sock;
	nng_dialer dialer;  /* started non-blocking at open */
	nng_mtx *mtx;       /* guards npipes, for cv */
	nng_cv *cv;         /* signalled when a connection comes or goes */
	nng_mtx *dial_mtx;  /* one probe at a time; guards dialer and dial_url */
	char dial_url[320]; /* where the dialer dials: url, or one address of its host */
	int npipes;         /* connections up, kept by pipe_event() */
	char *url;
	char *token; /* "" for anonymous */
	uint32_t timeout_ms;
	nng_tls_config *tls; /* tls+tcp:// only (tls.c) */
	bool test_resend;    /* STDREG_TEST_RESEND=1: every write goes twice (stdreg.h) */
};

static void pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	stdreg_client *c = arg;

	(void)p;
	nng_mtx_lock(c->mtx);
	if (ev == NNG_PIPE_EV_ADD_POST)
		c->npipes++;
	else if (ev == NNG_PIPE_EV_REM_POST)
		c->npipes--;
	nng_cv_wake(c->cv);
	nng_mtx_unlock(c->mtx);
}

/* nng's text for rv, with a lowercase first letter to fit the project's error style. */
static void nng_reason(int rv, char *buf, size_t len)
{
	snprintf(buf, len, "%s", nng_strerror(rv));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
}

/* The status code for an nng error that ends a call. */
static int code_of_nng(int rv)
{
	switch (rv) {
	case NNG_ETIMEDOUT:
		return STDREG_DEADLINE_EXCEEDED;
	case NNG_ENOMEM:
		return STDREG_RESOURCE_EXHAUSTED;
	case NNG_ECLOSED:
	case NNG_ECANCELED:
		return STDREG_CANCELLED;
	case NNG_EADDRINVAL:
	case NNG_EINVAL:
	case NNG_ENOTSUP:
		return STDREG_INVALID_ARGUMENT;
	default:
		return STDREG_UNAVAILABLE;
	}
}

int stdreg_client_open(stdreg_client **out, const char *url, const struct stdreg_client_opts *o,
                       struct stdreg_status *st)
{
	struct stdreg_status dummy = STDREG_STATUS_INIT;
	stdreg_client *c;
	const char *env;
	char why[128];
	int rv;

	if (st == NULL)
		st = &dummy;
	if (url == NULL || url[0] == '\0')
		return stdreg_status_set(st, STDREG_INVALID_ARGUMENT, true, "no endpoint given");
	if (strstr(url, "://") == NULL)
		return stdreg_status_set(
		        st, STDREG_INVALID_ARGUMENT, true,
		        "cannot use endpoint '%s' (no scheme; use tcp://HOST:PORT, "
		        "tls+tcp://HOST:PORT or ipc:///PATH)",
		        url);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return stdreg_status_set(st, STDREG_RESOURCE_EXHAUSTED, true, "out of memory");
	c->url = strdup(url);
	c->token = strdup(o != NULL && o->token != NULL ? o->token : "");
	c->timeout_ms = o != NULL && o->timeout_ms != 0 ? o->timeout_ms : STDREG_DEFAULT_TIMEOUT_MS;
	if (c->url == NULL || c->token == NULL || nng_mtx_alloc(&c->mtx) != 0 ||
	    nng_mtx_alloc(&c->dial_mtx) != 0 || nng_cv_alloc(&c->cv, c->mtx) != 0) {
		rv = stdreg_status_set(st, STDREG_RESOURCE_EXHAUSTED, true, "out of memory");
		goto fail;
	}
	if ((rv = nng_req0_open(&c->sock)) != 0) {
		nng_reason(rv, why, sizeof(why));
		rv = stdreg_status_set(st, STDREG_UNAVAILABLE, true, "cannot open a socket (%s)",
		                       why);
		goto fail;
	}
	// Writes must never be sent twice by the transport; the daemon's request_id cache
	// covers a resend after a lost connection, but a timer-driven resend is not wanted.
	if ((rv = nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ,
	                              o != NULL && o->recv_max != 0 ? o->recv_max
	                                                            : DEFAULT_RECV_MAX)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_RECONNMINT, 50)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_RECONNMAXT, 2000)) != 0 ||
	    (rv = nng_pipe_notify(c->sock, NNG_PIPE_EV_ADD_POST, pipe_event, c)) != 0 ||
	    (rv = nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST, pipe_event, c)) != 0) {
		nng_reason(rv, why, sizeof(why));
		rv = stdreg_status_set(st, STDREG_UNAVAILABLE, true, "cannot set up a socket (%s)",
		                       why);
		goto fail_sock;
	}
	if (strncmp(url, "tls+tcp://", 10) == 0 &&
	    (rv = stdreg_tls_config(url, o, &c->tls, st)) != STDREG_OK)
		goto fail_sock;
	snprintf(c->dial_url, sizeof c->dial_url, "%s", url);
	rv = nng_dialer_create(&c->dialer, c->sock, url);
	if (rv == 0 && c->tls != NULL)
		rv = nng_dialer_set_ptr(c->dialer, NNG_OPT_TLS_CONFIG, c->tls);
	if (rv == 0)
		rv = nng_dialer_start(c->dialer, NNG_FLAG_NONBLOCK);
	if (rv != 0) {
		nng_reason(rv, why, sizeof(why));
		rv = stdreg_status_set(st,
		                       code_of_nng(rv) == STDREG_INVALID_ARGUMENT
		                               ? STDREG_INVALID_ARGUMENT
		                               : STDREG_UNAVAILABLE,
		                       true, "cannot use endpoint '%s' (%s)", url, why);
		goto fail_sock;
	}
	env = getenv("STDREG_TEST_RESEND");
	c->test_resend = env != NULL && strcmp(env, "1") == 0;
	stdreg_status_release(st);
	*out = c;
	return STDREG_OK;

fail_sock:
	nng_close(c->sock);
fail:
	if (c->tls != NULL)
		nng_tls_config_free(c->tls);
	if (c->cv != NULL)
		nng_cv_free(c->cv);
	if (c->mtx != NULL)
		nng_mtx_free(c->mtx);
	if (c->dial_mtx != NULL)
		nng_mtx_free(c->dial_mtx);
	free(c->url);
	free(c->token);
	free(c);
	stdreg_status_release(&dummy);
	return rv;
}

void stdreg_client_close(stdreg_client *c)
{
	if (c == NULL)
		return;
	nng_close(c->sock); // no pipe events after this returns
	if (c->tls != NULL)
		nng_tls_config_free(c->tls);
	nng_cv_free(c->cv);
	nng_mtx_free(c->mtx);
	nng_mtx_free(c->dial_mtx);
	free(c->url);
	free(c->token);
	free(c);
}

const char *stdreg_client_url(const stdreg_client *c)
{
	return c->url;
}

static int connected(stdreg_client *c)
{
	int n;

	nng_mtx_lock(c->mtx);
	n = c->npipes;
	nng_mtx_unlock(c->mtx);
	return n;
}

#define MAX_TARGETS 8

/* Points the socket's dialer at url (one address of the endpoint), which answered a probe. */
static void redial(stdreg_client *c, const char *url)
{
	nng_dialer d;

	if (strcmp(url, c->dial_url) == 0)
		return;
	if (nng_dialer_create(&d, c->sock, url) != 0 ||
	    (c->tls != NULL && nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, c->tls) != 0) ||
	    nng_dialer_start(d, NNG_FLAG_NONBLOCK) != 0) {
		nng_dialer_close(d); // keep the old one: the call times out if it cannot connect
		return;
	}
	nng_dialer_close(c->dialer);
	c->dialer = d;
	snprintf(c->dial_url, sizeof c->dial_url, "%s", url);
}

/* Why a probe failed with rv (slot_ms: the time it had), for a user. */
static void probe_reason(const stdreg_client *c, int rv, nng_duration slot_ms, char *buf,
                         size_t len)
{
	char why[128];

	if (rv == NNG_ETIMEDOUT) {
		snprintf(buf, len, "no connection within %d ms", (int)slot_ms);
		return;
	}
	nng_reason(rv, why, sizeof(why));
	if (c->tls != NULL && rv != NNG_ECONNREFUSED)
		snprintf(buf, len, "TLS handshake failed: %s", why);
	else if (c->tls == NULL && (rv == NNG_EPROTO || rv == NNG_ECLOSED || rv == NNG_ECONNSHUT ||
	                            rv == NNG_ECONNRESET))
		snprintf(buf, len, "%s; a TLS port? use tls+tcp://", why);
	else
		snprintf(buf, len, "%s", why);
}

/*
 * Makes sure a connection is up, or says why none can be made before deadline: each address
 * of the endpoint is probed in turn (each with its share of the time left), and the dialer
 * moves to the first that answers.
 */
static int ensure_connected(stdreg_client *c, nng_time deadline, struct stdreg_status *st)
{
	nng_time grace = nng_clock() + CONNECT_GRACE_MS;
	struct stdreg_target t[MAX_TARGETS];
	char why[512] = "", one[200];
	bool tls_failed = false;
	int n, i, rv = NNG_ETIMEDOUT;
	size_t len = 0;

	nng_mtx_lock(c->mtx);
	while (c->npipes == 0 && nng_cv_until(c->cv, grace < deadline ? grace : deadline) == 0)
		;
	n = c->npipes;
	nng_mtx_unlock(c->mtx);
	if (n > 0)
		return STDREG_OK;
	nng_mtx_lock(c->dial_mtx); // one probe at a time; the winner moves the dialer
	if (connected(c) > 0) {
		nng_mtx_unlock(c->dial_mtx);
		return STDREG_OK;
	}
	if ((n = stdreg_connect_targets(c->url, t, MAX_TARGETS, st)) < 0) {
		nng_mtx_unlock(c->dial_mtx);
		return st->code;
	}
	for (i = 0; i < n; i++) {
		nng_time now = nng_clock();
		nng_duration slot = now < deadline ? (nng_duration)((deadline - now) / (n - i)) : 1;

		// A scheme the stream API lacks is left to the call itself.
		if ((rv = stdreg_probe_url(t[i].url, c->tls, now + slot)) == NNG_ENOTSUP ||
		    rv == NNG_EADDRINVAL || rv == 0)
			break;
		probe_reason(c, rv, slot, one, sizeof one);
		tls_failed |= strncmp(one, "TLS", 3) == 0;
		if (len < sizeof why)
			len += (size_t)snprintf(why + len, sizeof why - len, "%s%s%s%s",
			                        len > 0 ? "; " : "", t[i].addr,
			                        t[i].addr[0] != '\0' ? ": " : "", one);
	}
	if (rv == 0)
		redial(c, t[i].url);
	nng_mtx_unlock(c->dial_mtx);
	if (rv == 0 || rv == NNG_ENOTSUP || rv == NNG_EADDRINVAL || connected(c) > 0)
		return STDREG_OK;
	return stdreg_status_set(st,
	                         rv == NNG_ENOMEM ? STDREG_RESOURCE_EXHAUSTED : STDREG_UNAVAILABLE,
	                         true, "cannot connect to '%s' (%s%s)", c->url, why,
	                         tls_failed ? "; check --cacert, --cert and --key" : "");
}

static uint64_t new_request_id(void)
{
	uint64_t id;

	do {
		id = ((uint64_t)nng_random() << 32) | nng_random();
	} while (id == 0);
	return id;
}

/* Copies the reply's status into st. */
static int take_status(struct stdreg_status *st, const Stdreg__V1__Response *r)
{
	const Stdreg__V1__Status *s = r->status;
	size_t i;

	stdreg_status_set(st, s != NULL ? s->code : STDREG_OK, false, "%s",
	                  s != NULL && s->message != NULL ? s->message : "");
	st->revision = r->revision;
	if (s == NULL || s->n_violations == 0)
		return st->code;
	st->violations = calloc(s->n_violations, sizeof(*st->violations));
	if (st->violations == NULL)
		return st->code;
	for (i = 0; i < s->n_violations; i++) {
		const Stdreg__V1__FieldViolation *v = s->violations[i];

		st->violations[i].field = strdup(v->field != NULL ? v->field : "");
		st->violations[i].description =
		        strdup(v->description != NULL ? v->description : "");
		st->n_violations++;
	}
	return st->code;
}

/* Packs the request envelope into a new nng message. */
static int build_request(stdreg_client *c, const char *method, const ProtobufCMessage *req,
                         uint64_t id, uint32_t timeout_ms, nng_msg **out, struct stdreg_status *st)
{
	Stdreg__V1__Request env = STDREG__V1__REQUEST__INIT;
	char full[MAX_METHOD_LEN];
	uint8_t *payload = NULL;
	size_t plen = 0;
	nng_msg *msg;
	int n;

	if (method[0] == '/')
		n = snprintf(full, sizeof(full), "%s", method);
	else
		n = snprintf(full, sizeof(full), METHOD_PREFIX "%s", method);
	if (n < 0 || (size_t)n >= sizeof(full))
		return stdreg_status_set(st, STDREG_INVALID_ARGUMENT, true,
		                         "method name too long '%.40s...'", method);
	if (req != NULL) {
		plen = protobuf_c_message_get_packed_size(req);
		payload = malloc(plen > 0 ? plen : 1);
		if (payload == NULL)
			return stdreg_status_set(st, STDREG_RESOURCE_EXHAUSTED, true,
			                         "out of memory");
		protobuf_c_message_pack(req, payload);
	}
	env.method = full;
	env.request_id = id;
	env.token = c->token;
	env.timeout_ms = timeout_ms;
	env.payload.data = payload;
	env.payload.len = plen;
	if (nng_msg_alloc(&msg, stdreg__v1__request__get_packed_size(&env)) != 0) {
		free(payload);
		return stdreg_status_set(st, STDREG_RESOURCE_EXHAUSTED, true, "out of memory");
	}
	stdreg__v1__request__pack(&env, nng_msg_body(msg));
	free(payload);
	*out = msg;
	return STDREG_OK;
}

static int transport_failure(stdreg_client *c, int rv, uint32_t timeout_ms,
                             struct stdreg_status *st);

/* Sends msg (taken in every case) and waits for the reply until deadline. *nng_rv is the
 * nng code of a failure (0 otherwise). */
static int exchange(stdreg_client *c, nng_time deadline, uint32_t timeout_ms, nng_msg *msg,
                    nng_msg **reply, int *nng_rv, struct stdreg_status *st)
{
	nng_aio *aio = NULL;
	nng_time now;
	nng_ctx ctx;
	int rv;

	if ((rv = nng_ctx_open(&ctx, c->sock)) != 0) {
		nng_msg_free(msg);
		goto fail;
	}
	if ((rv = nng_ctx_set_ms(ctx, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_aio_alloc(&aio, NULL, NULL)) != 0) {
		nng_msg_free(msg);
		goto out;
	}
	now = nng_clock();
	nng_aio_set_timeout(aio, now >= deadline ? 1 : (nng_duration)(deadline - now));
	nng_aio_set_msg(aio, msg);
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0) {
		nng_msg_free(msg); // a failed send leaves the message with the caller
		goto out;
	}
	now = nng_clock();
	nng_aio_set_timeout(aio, now >= deadline ? 1 : (nng_duration)(deadline - now));
	nng_ctx_recv(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) == 0)
		*reply = nng_aio_get_msg(aio);
out:
	nng_aio_free(aio);
	nng_ctx_close(ctx);
fail:
	*nng_rv = rv;
	if (rv == 0)
		return STDREG_OK;
	return transport_failure(c, rv, timeout_ms, st);
}

/* The status of a call that got no reply because of nng error rv. */
static int transport_failure(stdreg_client *c, int rv, uint32_t timeout_ms,
                             struct stdreg_status *st)
{
	char why[128];

	if (rv == NNG_ETIMEDOUT && connected(c) == 0)
		return stdreg_status_set(st, STDREG_UNAVAILABLE, true,
		                         "cannot connect to '%s' (no connection within %u ms)",
		                         c->url, timeout_ms);
	if (rv == NNG_ETIMEDOUT)
		return stdreg_status_set(st, STDREG_DEADLINE_EXCEEDED, true,
		                         "no reply from %s within %u ms (deadline exceeded)",
		                         c->url, timeout_ms);
	nng_reason(rv, why, sizeof(why));
	return stdreg_status_set(st,
	                         code_of_nng(rv) == STDREG_INVALID_ARGUMENT ? STDREG_UNAVAILABLE
	                                                                    : code_of_nng(rv),
	                         true, "call to %s failed (%s)", c->url, why);
}

/*
 * STDREG_TEST_RESEND: sends msg (taken) twice at once, on two contexts, as a client whose
 * first send seems lost would, and checks that both replies are the same bytes.
 */
static int exchange_twice(stdreg_client *c, nng_time deadline, uint32_t timeout_ms, nng_msg *msg,
                          nng_msg **reply, int *nng_rv, struct stdreg_status *st)
{
	nng_msg *copy = NULL, *r1 = NULL, *r2 = NULL;
	struct twin {
		nng_ctx ctx;
		nng_aio *aio;
		int rv;
	} t[2] = { { .rv = NNG_ENOMEM }, { .rv = NNG_ENOMEM } };
	nng_time now = nng_clock();
	int i, rv;

	if ((rv = nng_msg_dup(&copy, msg)) != 0) {
		nng_msg_free(msg);
		*nng_rv = rv;
		return transport_failure(c, rv, timeout_ms, st);
	}
	for (i = 0; i < 2; i++) {
		nng_msg *m = i == 0 ? msg : copy;

		if (nng_ctx_open(&t[i].ctx, c->sock) != 0 ||
		    nng_ctx_set_ms(t[i].ctx, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE) != 0 ||
		    nng_aio_alloc(&t[i].aio, NULL, NULL) != 0) {
			nng_msg_free(m);
			continue;
		}
		nng_aio_set_timeout(t[i].aio, now >= deadline ? 1 : (nng_duration)(deadline - now));
		nng_aio_set_msg(t[i].aio, m);
		nng_ctx_send(t[i].ctx, t[i].aio);
	}
	for (i = 0; i < 2; i++) {
		if (t[i].aio == NULL)
			continue;
		nng_aio_wait(t[i].aio);
		if ((t[i].rv = nng_aio_result(t[i].aio)) != 0) {
			nng_msg_free(nng_aio_get_msg(t[i].aio));
			continue;
		}
		nng_ctx_recv(t[i].ctx, t[i].aio);
	}
	for (i = 0; i < 2; i++) {
		if (t[i].aio == NULL || t[i].rv != 0)
			continue;
		nng_aio_wait(t[i].aio);
		if ((t[i].rv = nng_aio_result(t[i].aio)) == 0)
			*(i == 0 ? &r1 : &r2) = nng_aio_get_msg(t[i].aio);
	}
	for (i = 0; i < 2; i++) {
		nng_aio_free(t[i].aio);
		if (t[i].aio != NULL)
			nng_ctx_close(t[i].ctx);
	}
	rv = t[0].rv != 0 ? t[0].rv : t[1].rv;
	*nng_rv = rv;
	if (rv != 0) {
		nng_msg_free(r1);
		nng_msg_free(r2);
		return transport_failure(c, rv, timeout_ms, st);
	}
	if (nng_msg_len(r1) != nng_msg_len(r2) ||
	    memcmp(nng_msg_body(r1), nng_msg_body(r2), nng_msg_len(r1)) != 0) {
		nng_msg_free(r1);
		nng_msg_free(r2);
		return stdreg_status_set(st, STDREG_INTERNAL, true,
		                         "a write sent twice with one request_id was answered "
		                         "differently by %s",
		                         c->url);
	}
	nng_msg_free(r2);
	*reply = r1;
	return STDREG_OK;
}

/* No reply came, but the server may have received the request: resend (the same id). */
static bool worth_resending(int nng_rv)
{
	return nng_rv == NNG_ETIMEDOUT || nng_rv == NNG_ECONNRESET || nng_rv == NNG_ECONNSHUT ||
	       nng_rv == NNG_ECONNABORTED;
}

/* One attempt: packs the envelope with id, connects, sends, waits until deadline. */
static int attempt(stdreg_client *c, const char *method, const ProtobufCMessage *req, uint64_t id,
                   uint32_t timeout_ms, bool twice, nng_msg **reply, int *nng_rv,
                   struct stdreg_status *st)
{
	nng_time deadline = nng_clock() + timeout_ms;
	nng_msg *msg = NULL;
	int code;

	*nng_rv = 0;
	if ((code = build_request(c, method, req, id, timeout_ms, &msg, st)) != STDREG_OK)
		return code;
	if ((code = ensure_connected(c, deadline, st)) != STDREG_OK) {
		nng_msg_free(msg);
		return code;
	}
	if (twice)
		return exchange_twice(c, deadline, timeout_ms, msg, reply, nng_rv, st);
	return exchange(c, deadline, timeout_ms, msg, reply, nng_rv, st);
}

uint32_t stdreg_client_timeout(const stdreg_client *c)
{
	return c->timeout_ms;
}

int stdreg_call(stdreg_client *c, const char *method, const ProtobufCMessage *req,
                const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp,
                struct stdreg_status *st)
{
	return stdreg_call_timeout(c, method, req, resp_desc, resp, 0, st);
}

int stdreg_call_timeout(stdreg_client *c, const char *method, const ProtobufCMessage *req,
                        const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp,
                        uint32_t timeout_ms, struct stdreg_status *st)
{
	Stdreg__V1__Response *r = NULL;
	ProtobufCMessage *payload = NULL;
	nng_msg *reply = NULL;
	uint64_t id = new_request_id();
	bool write = stdreg_method_writes(method); /* methods.def */
	int code, nng_rv;

	if (timeout_ms == 0)
		timeout_ms = c->timeout_ms;
	stdreg_status_release(st);
	code = attempt(c, method, req, id, timeout_ms, write && c->test_resend, &reply, &nng_rv,
	               st);
	// A write whose reply was lost is resent once, with the same request_id: the daemon
	// answers it from memory if the first send was applied (DESIGN §5).
	if (code != STDREG_OK && write && worth_resending(nng_rv)) {
		stdreg_status_release(st);
		code = attempt(c, method, req, id, timeout_ms, false, &reply, &nng_rv, st);
	}
	if (code != STDREG_OK)
		return code;
	r = stdreg__v1__response__unpack(NULL, nng_msg_len(reply), nng_msg_body(reply));
	if (r == NULL) {
		code = stdreg_status_set(
		        st, STDREG_INTERNAL, true,
		        "cannot decode the reply from %s (not a stdreg.v1.Response)", c->url);
		goto out;
	}
	if (r->request_id != id) {
		code = stdreg_status_set(st, STDREG_INTERNAL, true,
		                         "reply from %s answers another request (request_id %llu, "
		                         "expected %llu)",
		                         c->url, (unsigned long long)r->request_id,
		                         (unsigned long long)id);
		goto out;
	}
	if ((code = take_status(st, r)) != STDREG_OK)
		goto out;
	if (resp_desc != NULL) {
		payload =
		        protobuf_c_message_unpack(resp_desc, NULL, r->payload.len, r->payload.data);
		if (payload == NULL) {
			code = stdreg_status_set(st, STDREG_INTERNAL, true,
			                         "cannot decode the %s reply (not a %s)", method,
			                         resp_desc->name);
			st->revision = r->revision;
			goto out;
		}
	}
	if (resp != NULL)
		*resp = payload;
	else if (payload != NULL)
		protobuf_c_message_free_unpacked(payload, NULL);
out:
	if (r != NULL)
		stdreg__v1__response__free_unpacked(r, NULL);
	nng_msg_free(reply);
	return code;
}
