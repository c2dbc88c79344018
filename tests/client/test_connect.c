/*
 * test_connect.c - where libstdreg dials (client/lib/connect.c): one target per address of
 * a host name, the endpoint itself otherwise; and the probe, which tells an SP server from
 * something else (a TLS port) and from a closed port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>

#include "internal.h"

#define MAXT 8

static void as_given(void **state)
{
	static const char *const urls[] = { "tcp://127.0.0.1:7601", "tcp://[::1]:7601",
		                            "ipc:///tmp/x.sock", "tls+tcp://192.0.2.1:7443",
		                            "inproc://x" };
	struct stdreg_status st = STDREG_STATUS_INIT;
	struct stdreg_target t[MAXT];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof urls / sizeof urls[0]; i++) {
		assert_int_equal(stdreg_connect_targets(urls[i], t, MAXT, &st), 1);
		assert_string_equal(t[0].url, urls[i]);
		assert_string_equal(t[0].addr, "");
	}
}

static void name_per_address(void **state)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	struct stdreg_target t[MAXT];
	int n, i;

	(void)state;
	n = stdreg_connect_targets("tls+tcp://localhost:7443", t, MAXT, &st);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		char want[400];

		snprintf(want, sizeof want,
		         strchr(t[i].addr, ':') != NULL ? "tls+tcp://[%s]:7443"
		                                        : "tls+tcp://%s:7443",
		         t[i].addr);
		assert_string_equal(t[i].url, want);
		assert_true(strcmp(t[i].addr, "127.0.0.1") == 0 || strcmp(t[i].addr, "::1") == 0);
	}
}

static void unknown_name(void **state)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	struct stdreg_target t[MAXT];

	(void)state;
	assert_int_equal(stdreg_connect_targets("tcp://no-such-host.invalid:1", t, MAXT, &st), -1);
	assert_int_equal(st.code, STDREG_UNAVAILABLE);
	assert_non_null(strstr(st.message, "cannot connect to 'tcp://no-such-host.invalid:1' "
	                                   "(no-such-host.invalid: "));
	stdreg_status_release(&st);
}

/* A server on a stream listener that writes reply (8 bytes) to its first connection. */
struct fake {
	nng_stream_listener *l;
	const char *reply;
	nng_thread *thr;
	char url[64];
};

static void serve(void *arg)
{
	struct fake *f = arg;
	nng_aio *aio;
	nng_stream *s;
	nng_iov iov = { .iov_buf = (void *)f->reply, .iov_len = 8 };

	assert_int_equal(nng_aio_alloc(&aio, NULL, NULL), 0);
	nng_stream_listener_accept(f->l, aio);
	nng_aio_wait(aio);
	if (nng_aio_result(aio) == 0) {
		s = nng_aio_get_output(aio, 0);
		nng_aio_set_iov(aio, 1, &iov);
		nng_stream_send(s, aio);
		nng_aio_wait(aio);
		nng_msleep(200); // let the client read before the close
		nng_stream_free(s);
	}
	nng_aio_free(aio);
}

static int probe_against(const char *reply)
{
	struct fake f = { .reply = reply };
	int port, rv;

	assert_int_equal(nng_stream_listener_alloc(&f.l, "tcp://127.0.0.1:0"), 0);
	assert_int_equal(nng_stream_listener_listen(f.l), 0);
	assert_int_equal(nng_stream_listener_get_int(f.l, NNG_OPT_TCP_BOUND_PORT, &port), 0);
	snprintf(f.url, sizeof f.url, "tcp://127.0.0.1:%d", port);
	assert_int_equal(nng_thread_create(&f.thr, serve, &f), 0);
	rv = stdreg_probe_url(f.url, NULL, nng_clock() + 3000);
	nng_thread_destroy(f.thr);
	nng_stream_listener_free(f.l);
	return rv;
}

static void probe_sp_server(void **state)
{
	(void)state;
	assert_int_equal(probe_against("\0SP\0\0\x31\0\0"), 0);
}

static void probe_tls_port(void **state)
{
	(void)state;
	// A TLS alert record, as a TLS server answers bytes that are not a ClientHello.
	assert_int_equal(probe_against("\x15\x03\x03\0\x02\x02\x32\0"), NNG_EPROTO);
}

static void probe_closed_port(void **state)
{
	nng_stream_listener *l;
	char url[64];
	int port;

	(void)state;
	assert_int_equal(nng_stream_listener_alloc(&l, "tcp://127.0.0.1:0"), 0);
	assert_int_equal(nng_stream_listener_listen(l), 0);
	assert_int_equal(nng_stream_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port), 0);
	nng_stream_listener_free(l);
	snprintf(url, sizeof url, "tcp://127.0.0.1:%d", port);
	assert_int_equal(stdreg_probe_url(url, NULL, nng_clock() + 3000), NNG_ECONNREFUSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(as_given),       cmocka_unit_test(name_per_address),
		cmocka_unit_test(unknown_name),   cmocka_unit_test(probe_sp_server),
		cmocka_unit_test(probe_tls_port), cmocka_unit_test(probe_closed_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
