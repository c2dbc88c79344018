/*
 * test_config.c - the command line of registryd (registryd/config.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "config_check.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof(a)[0]) - 1)

static enum config_result parse(struct config *c, int argc, char **argv)
{
	FILE *sink = fopen("/dev/null", "w");
	enum config_result r;

	assert_non_null(sink);
	r = config_parse(c, argc, argv, sink, sink);
	fclose(sink);
	return r;
}

static void test_defaults(void **state)
{
	char *argv[] = { "registryd", NULL };
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, ARGC(argv), argv), CONFIG_RUN);
	assert_string_equal(c.data_dir, "./stdreg-data");
	assert_int_equal(c.n_urls, 1);
	assert_string_equal(c.urls[0], "tcp://127.0.0.1:7420");
	assert_int_equal(c.max_message, 4194304);
	assert_int_equal(c.contexts, 64);
	assert_false(c.no_sync);
}

static void test_every_option(void **state)
{
	char *argv[] = { "registryd",
		         "--data",
		         "/tmp/d",
		         "--listen",
		         "tcp://127.0.0.1:0",
		         "--listen=ipc:///tmp/r.sock",
		         "--max-message",
		         "65536",
		         "--contexts",
		         "8",
		         "--no-sync",
		         NULL };
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, ARGC(argv), argv), CONFIG_RUN);
	assert_string_equal(c.data_dir, "/tmp/d");
	assert_int_equal(c.n_urls, 2);
	assert_string_equal(c.urls[0], "tcp://127.0.0.1:0");
	assert_string_equal(c.urls[1], "ipc:///tmp/r.sock");
	assert_int_equal(c.max_message, 65536);
	assert_int_equal(c.contexts, 8);
	assert_true(c.no_sync);
}

static void test_usage_errors(void **state)
{
	static const char *const bad[][3] = {
		{ "--contexts", "0", NULL },     { "--contexts", "4097", NULL },
		{ "--contexts", "-1", NULL },    { "--contexts", "8x", NULL },
		{ "--max-message", "12", NULL }, { "--frob", NULL, NULL },
		{ "extra", NULL, NULL },         { "--data", "", NULL },
		{ "--contexts", NULL, NULL },
	};
	struct config c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *argv[4] = { "registryd", (char *)bad[i][0], (char *)bad[i][1], NULL };
		int argc = bad[i][1] != NULL ? 3 : 2;

		assert_int_equal(parse(&c, argc, argv), CONFIG_USAGE);
	}
}

static void test_help_and_version(void **state)
{
	char *help[] = { "registryd", "--help", NULL };
	char *version[] = { "registryd", "--version", NULL };
	char out[4096] = "";
	struct config c;
	FILE *f;

	(void)state;
	f = fmemopen(out, sizeof out, "w");
	assert_non_null(f);
	assert_int_equal(config_parse(&c, ARGC(version), version, f, f), CONFIG_EXIT);
	fclose(f);
	assert_string_equal(out, "registryd " STDREG_VERSION "\n");

	f = fmemopen(out, sizeof out, "w");
	assert_non_null(f);
	assert_int_equal(config_parse(&c, ARGC(help), help, f, f), CONFIG_EXIT);
	fclose(f);
	// --help documents every flag and its default.
	assert_non_null(strstr(out, "--data DIR"));
	assert_non_null(strstr(out, "./stdreg-data"));
	assert_non_null(strstr(out, "--listen URL"));
	assert_non_null(strstr(out, "tcp://127.0.0.1:7420"));
	assert_non_null(strstr(out, "--max-message BYTES"));
	assert_non_null(strstr(out, "4194304"));
	assert_non_null(strstr(out, "--contexts N"));
	assert_non_null(strstr(out, "default 64"));
	assert_non_null(strstr(out, "--no-sync"));
	assert_non_null(strstr(out, "--version"));
}

static void test_access_and_tls_options(void **state)
{
	char *ok[] = { "registryd",
		       "--listen",
		       "tls+tcp://127.0.0.1:0",
		       "--tls-cert",
		       "s.crt",
		       "--tls-key",
		       "s.key",
		       "--tls-ca",
		       "ca.crt",
		       "--private",
		       "--max-connections",
		       "10",
		       NULL };
	char *no_key[] = { "registryd",  "--listen", "tls+tcp://127.0.0.1:0",
		           "--tls-cert", "s.crt",    NULL };
	char *no_tls_listener[] = {
		"registryd", "--tls-cert", "s.crt", "--tls-key", "s.key", NULL
	};
	char *bad_max[] = { "registryd", "--max-connections", "many", NULL };
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, ARGC(ok), ok), CONFIG_RUN);
	assert_string_equal(c.tls_cert, "s.crt");
	assert_string_equal(c.tls_key, "s.key");
	assert_string_equal(c.tls_ca, "ca.crt");
	assert_true(c.private_reads);
	assert_int_equal(c.max_connections, 10);
	assert_int_equal(parse(&c, ARGC(no_key), no_key), CONFIG_USAGE);
	assert_int_equal(parse(&c, ARGC(no_tls_listener), no_tls_listener), CONFIG_USAGE);
	assert_int_equal(parse(&c, ARGC(bad_max), bad_max), CONFIG_USAGE);
	// Defaults: public reads, a bound on connections, no TLS.
	assert_int_equal(parse(&c, 1, ok), CONFIG_RUN);
	assert_false(c.private_reads);
	assert_int_equal(c.max_connections, 1024);
	assert_null(c.tls_cert);
}

/* quota 0 is the documented default (1 TiB); other values below 1 MiB are refused. */
static void test_quota_zero_is_default(void **state)
{
	char *zero[] = { "registryd", "--quota", "0", NULL };
	char *small[] = { "registryd", "--quota", "5", NULL };
	char *mib[] = { "registryd", "--quota", "1048576", NULL };
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, ARGC(zero), zero), CONFIG_RUN);
	assert_int_equal(c.quota, 0);
	assert_int_equal(parse(&c, ARGC(small), small), CONFIG_USAGE);
	assert_int_equal(parse(&c, ARGC(mib), mib), CONFIG_RUN);
	assert_int_equal(c.quota, 1048576);
}

/* What start-up would refuse, config_check refuses without binding. */
static void test_check_refuses_what_start_refuses(void **state)
{
	static const struct {
		const char *url, *cert, *metrics, *want;
	} cases[] = {
		{ "tcp://127.0.0.1:7420", NULL, NULL, NULL },
		{ "tcp://[::1]:0", NULL, NULL, NULL },
		{ "ipc:///tmp/x.sock", NULL, NULL, NULL },
		{ "udp://127.0.0.1:7420", NULL, NULL, "invalid --listen 'udp://127.0.0.1:7420'" },
		{ "tcp://127.0.0.1:99999", NULL, NULL, "(the port is not a number in 0..65535)" },
		{ "tcp://127.0.0.1", NULL, NULL, "(no port)" },
		{ "ipc://", NULL, NULL, "(no socket path)" },
		{ "tls+tcp://127.0.0.1:7443", "/nonexistent/s.crt", NULL,
		  "cannot read --tls-cert '/nonexistent/s.crt'" },
		{ "tcp://127.0.0.1:1", NULL, "http://127.0.0.1:65536", "invalid --metrics-listen" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct config c = { .data_dir = "/nonexistent-dir", .n_urls = 1 };
		char text[512] = { 0 };
		FILE *err = fmemopen(text, sizeof text - 1, "w");
		bool ok;

		assert_non_null(err);
		c.urls[0] = cases[i].url;
		c.tls_cert = cases[i].cert;
		c.tls_key = cases[i].cert;
		c.metrics_listen = cases[i].metrics;
		ok = config_check(&c, err);
		fclose(err);
		if (cases[i].want == NULL) {
			assert_true(ok);
			assert_string_equal(text, "");
		} else {
			assert_false(ok);
			assert_non_null(strstr(text, cases[i].want));
		}
	}
}

/* The bounds on hostile peers: safe defaults, each settable, 0 lifts it, junk refused. */
static void test_peer_bounds(void **state)
{
	char *set[] = { "registryd", "--max-connections-per-address", "3", "--idle-timeout",
		        "250",       "--max-writes-per-principal",    "5", NULL };
	char *off[] = { "registryd", "--max-connections-per-address", "0", "--idle-timeout",
		        "0",         "--max-writes-per-principal",    "0", NULL };
	char *bad[] = { "registryd", "--idle-timeout", "soon", NULL };
	char *big[] = { "registryd", "--max-writes-per-principal", "4294967296", NULL };
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, 1, set), CONFIG_RUN);
	assert_int_equal(c.max_per_address, 128);
	assert_int_equal(c.idle_timeout_ms, 10000);
	assert_int_equal(c.writes_per_principal, 64);
	assert_int_equal(parse(&c, ARGC(set), set), CONFIG_RUN);
	assert_int_equal(c.max_per_address, 3);
	assert_int_equal(c.idle_timeout_ms, 250);
	assert_int_equal(c.writes_per_principal, 5);
	assert_int_equal(parse(&c, ARGC(off), off), CONFIG_RUN);
	assert_int_equal(c.max_per_address, 0);
	assert_int_equal(c.idle_timeout_ms, 0);
	assert_int_equal(c.writes_per_principal, 0);
	assert_int_equal(parse(&c, ARGC(bad), bad), CONFIG_USAGE);
	assert_int_equal(parse(&c, ARGC(big), big), CONFIG_USAGE);
}

/* The HTTP face: --http-listen repeats; each limit has a safe default and a range. */
static void test_http_options(void **state)
{
	char *on[] = { "registryd",
		       "--http-listen",
		       "http://127.0.0.1:0",
		       "--http-listen=http://[::1]:7480",
		       "--http-max-connections",
		       "10",
		       "--http-max-per-address",
		       "2",
		       "--http-idle-timeout",
		       "5",
		       "--http-max-header-bytes",
		       "2048",
		       "--http-max-body-bytes",
		       "4096",
		       "--http-max-bodies-bytes",
		       "16384",
		       "--http-max-feeds",
		       "3",
		       "--http-max-feeds-per-caller",
		       "2",
		       "--web-cache-bytes",
		       "0",
		       NULL };
	char *none[] = { "registryd", NULL };
	char *bad[][3] = {
		{ "--http-listen", "tcp://127.0.0.1:1", NULL },
		{ "--http-listen", "http://", NULL },
		{ "--http-max-connections", "0", NULL },
		{ "--http-idle-timeout", "x", NULL },
		{ "--http-max-header-bytes", "100", NULL },
		{ "--http-max-body-bytes", "-1", NULL },
		{ "--http-max-bodies-bytes", "100", NULL },
		{ "--http-max-bodies-bytes", "8388608", NULL }, /* under 4 x the body's 4 MiB */
		{ "--http-max-feeds", "65537", NULL },
		{ "--http-max-feeds-per-caller", "0", NULL },
		{ "--web-cache-bytes", "-1", NULL },
		{ "--http-listen", "https://127.0.0.1:1", NULL }, /* no --tls-cert/--tls-key */
	};
	struct config c;

	(void)state;
	assert_int_equal(parse(&c, ARGC(none), none), CONFIG_RUN);
	assert_int_equal(c.n_http_urls, 0);
	assert_int_equal(c.http_max_connections, 1024);
	assert_int_equal(c.http_per_address, 64);
	assert_int_equal(c.http_idle_timeout, 30);
	assert_int_equal(c.http_max_header, 16384);
	assert_int_equal(c.http_max_body, 4194304);
	assert_int_equal(c.http_max_bodies, 268435456);
	assert_int_equal(c.http_max_feeds, 256);
	assert_int_equal(c.http_feeds_caller, 16);
	assert_int_equal(c.web_cache_bytes, 33554432);
	assert_int_equal(parse(&c, ARGC(on), on), CONFIG_RUN);
	assert_int_equal(c.web_cache_bytes, 0);
	assert_int_equal(c.n_http_urls, 2);
	assert_string_equal(c.http_urls[1], "http://[::1]:7480");
	assert_int_equal(c.http_max_connections, 10);
	assert_int_equal(c.http_per_address, 2);
	assert_int_equal(c.http_idle_timeout, 5);
	assert_int_equal(c.http_max_header, 2048);
	assert_int_equal(c.http_max_body, 4096);
	assert_int_equal(c.http_max_bodies, 16384);
	assert_int_equal(c.http_max_feeds, 3);
	assert_int_equal(c.http_feeds_caller, 2);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *argv[] = { "registryd", bad[i][0], bad[i][1], NULL };

		assert_int_equal(parse(&c, ARGC(argv), argv), CONFIG_USAGE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_access_and_tls_options),
		cmocka_unit_test(test_quota_zero_is_default),
		cmocka_unit_test(test_check_refuses_what_start_refuses),
		cmocka_unit_test(test_peer_bounds),
		cmocka_unit_test(test_http_options),
	};

	return cmocka_run_group_tests_name("registryd config", tests, NULL, NULL);
}
