/*
 * test_metrics.c - metrics.c (counters, histogram quantiles), the Stats call, and the
 * Prometheus endpoint fetched over HTTP with nng's client and checked by promtext.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "fixture.h"
#include "metrics.h"
#include "metrics_http.h"
#include "promtext.h"
#include "status.h"

#include "stdreg/v1/registry.pb-c.h"

#define M(name) "/stdreg.v1.Registry/" name

static void test_quantiles(void **state)
{
	struct metrics *m;
	struct metrics_method mm;
	int i;

	(void)state;
	assert_int_equal(metrics_new(&m, 2), RG_OK);
	metrics_read(m, 0, &mm);
	assert_int_equal(metrics_quantile_us(&mm, 0.5), 0);
	// 90 fast calls (3 us: bucket < 4 us) and 10 slow ones (1000 us: bucket < 1024 us).
	for (i = 0; i < 90; i++)
		metrics_record(m, 0, 0, 3);
	for (i = 0; i < 10; i++)
		metrics_record(m, 0, 5, 1000);
	metrics_record(m, 7, 99, 0); /* past the end: the unknown row, code UNKNOWN */
	metrics_read(m, 0, &mm);
	assert_int_equal(mm.count, 100);
	assert_int_equal(mm.codes[0], 90);
	assert_int_equal(mm.codes[5], 10);
	assert_int_equal(mm.total_us, 90 * 3 + 10 * 1000);
	assert_int_equal(metrics_quantile_us(&mm, 0.50), 4);
	assert_int_equal(metrics_quantile_us(&mm, 0.90), 4);
	assert_int_equal(metrics_quantile_us(&mm, 0.91), 1024);
	assert_int_equal(metrics_quantile_us(&mm, 0.99), 1024);
	metrics_read(m, 2, &mm);
	assert_int_equal(mm.count, 1);
	assert_int_equal(mm.codes[2], 1);
	assert_int_equal(metrics_quantile_us(&mm, 0.5), 1);
	// Very slow calls land in the last bucket.
	metrics_record(m, 1, 0, UINT64_MAX);
	metrics_read(m, 1, &mm);
	assert_int_equal(mm.buckets[METRICS_BUCKETS - 1], 1);
	assert_true(metrics_quantile_us(&mm, 0.5) > 1000000000u);
	metrics_connections_add(m, 1);
	metrics_connections_add(m, 1);
	metrics_connections_add(m, -1);
	assert_int_equal(metrics_connections(m), 1);
	metrics_free(m);
}

static void get_missing_area(struct fixture *f, int times)
{
	Stdreg__V1__GetRequest g = STDREG__V1__GET_REQUEST__INIT;
	Stdreg__V1__Response *r;

	g.id = "no-such-area";
	for (int i = 0; i < times; i++) {
		r = fixture_call(f, M("GetArea"), fixture_next_id(), 0, &g.base);
		assert_int_equal(r->status->code, GRPC_NOT_FOUND);
		stdreg__v1__response__free_unpacked(r, NULL);
	}
}

static Stdreg__V1__StatsResponse *stats(struct fixture *f)
{
	Stdreg__V1__StatsRequest q = STDREG__V1__STATS_REQUEST__INIT;
	Stdreg__V1__StatsResponse *s;
	Stdreg__V1__Response *r = fixture_call_ok(f, M("Stats"), &q.base);

	s = stdreg__v1__stats_response__unpack(NULL, r->payload.len, r->payload.data);
	assert_non_null(s);
	stdreg__v1__response__free_unpacked(r, NULL);
	return s;
}

static const Stdreg__V1__MethodStats *method(const Stdreg__V1__StatsResponse *s, const char *name)
{
	for (size_t i = 0; i < s->n_methods; i++)
		if (strcmp(s->methods[i]->method, name) == 0)
			return s->methods[i];
	return NULL;
}

static void test_stats_call(void **state)
{
	struct fixture *f = *state;
	Stdreg__V1__StatsResponse *s;
	const Stdreg__V1__MethodStats *ms;
	Stdreg__V1__Response *r;

	fixture_seed(f);
	get_missing_area(f, 3);
	r = fixture_call(f, "/stdreg.v1.Registry/NoSuchMethod", fixture_next_id(), 0, NULL);
	assert_int_equal(r->status->code, GRPC_UNIMPLEMENTED);
	stdreg__v1__response__free_unpacked(r, NULL);

	s = stats(f);
	ms = method(s, M("GetArea"));
	assert_non_null(ms);
	assert_int_equal(ms->requests, 3);
	assert_int_equal(ms->n_statuses, 1);
	assert_int_equal(ms->statuses[0]->code, GRPC_NOT_FOUND);
	assert_int_equal(ms->statuses[0]->count, 3);
	assert_true(ms->p50_us <= ms->p90_us && ms->p90_us <= ms->p99_us && ms->p99_us > 0);
	ms = method(s, "");
	assert_non_null(ms);
	assert_int_equal(ms->requests, 1);
	assert_int_equal(ms->statuses[0]->code, GRPC_UNIMPLEMENTED);
	assert_null(method(s, M("DeleteBody"))); /* never called: not listed */
	assert_int_equal(s->revision, store_revision(f->st));
	assert_true(s->writer_batches > 0);
	assert_true(s->writer_jobs >= s->writer_batches);
	assert_true(s->writer_max_batch > 0);
	assert_true(s->store_file_bytes > 0);
	assert_true(s->map_bytes > 0);
	assert_true(s->map_used_bytes > 0 && s->map_used_bytes <= s->map_bytes);
	assert_true(s->map_max_bytes >= s->map_bytes);
	assert_int_equal(s->parked_watches, 0);
	assert_string_equal(s->version, STDREG_VERSION);
	stdreg__v1__stats_response__free_unpacked(s, NULL);
}

/* GETs url with nng's HTTP client; returns the body (malloc'd, terminated) and the
 * Content-Type in ctype. */
static char *http_get(const char *url, char *ctype, size_t n)
{
	nng_url *u;
	nng_http_client *cl;
	nng_http_req *req;
	nng_http_res *res;
	nng_aio *aio;
	void *data;
	size_t len;
	char *body;
	const char *ct;

	assert_int_equal(nng_url_parse(&u, url), 0);
	assert_int_equal(nng_http_client_alloc(&cl, u), 0);
	assert_int_equal(nng_http_req_alloc(&req, u), 0);
	assert_int_equal(nng_http_res_alloc(&res), 0);
	assert_int_equal(nng_aio_alloc(&aio, NULL, NULL), 0);
	nng_aio_set_timeout(aio, 5000);
	nng_http_client_transact(cl, req, res, aio);
	nng_aio_wait(aio);
	assert_int_equal(nng_aio_result(aio), 0);
	assert_int_equal(nng_http_res_get_status(res), 200);
	ct = nng_http_res_get_header(res, "Content-Type");
	snprintf(ctype, n, "%s", ct != NULL ? ct : "");
	nng_http_res_get_data(res, &data, &len);
	body = malloc(len + 1);
	assert_non_null(body);
	memcpy(body, data, len);
	body[len] = '\0';
	nng_aio_free(aio);
	nng_http_res_free(res);
	nng_http_req_free(req);
	nng_http_client_free(cl);
	nng_url_free(u);
	return body;
}

static void test_prometheus_endpoint(void **state)
{
	struct fixture *f = *state;
	struct metrics_http *h;
	char url[64], ctype[128], why[256];
	char *text;
	double before, after;

	fixture_seed(f);
	get_missing_area(f, 1);
	assert_int_equal(metrics_http_start(&h, "http://127.0.0.1:0", f->d), RG_OK);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", metrics_http_port(h));

	text = http_get(url, ctype, sizeof ctype);
	assert_string_equal(ctype, "text/plain; version=0.0.4; charset=utf-8");
	if (!promtext_check(text, why, sizeof why))
		fail_msg("not valid Prometheus text: %s\n%s", why, text);
	before = promtext_value(text,
	                        "stdreg_requests_total{method=\"GetArea\",code=\"NOT_FOUND\"}");
	assert_true(before >= 1);
	assert_true(promtext_value(text, "stdreg_revision") == (double)store_revision(f->st));
	assert_true(promtext_value(text, "stdreg_writer_batches_total") > 0);
	// The seed's writes went through the commit log, which has not failed.
	assert_true(promtext_value(text, "stdreg_log_records_total") > 0);
	assert_true(promtext_value(text, "stdreg_log_checkpoints_total") > 0);
	assert_true(promtext_value(text, "stdreg_log_failed") == 0);
	assert_true(promtext_value(text, "stdreg_map_size_bytes") > 0);
	assert_true(
	        promtext_value(text, "stdreg_request_duration_seconds_count{method=\"GetArea\"}") >=
	        1);
	free(text);

	// The counter moves with traffic.
	get_missing_area(f, 3);
	text = http_get(url, ctype, sizeof ctype);
	if (!promtext_check(text, why, sizeof why))
		fail_msg("not valid Prometheus text: %s\n%s", why, text);
	after = promtext_value(text,
	                       "stdreg_requests_total{method=\"GetArea\",code=\"NOT_FOUND\"}");
	assert_true(after == before + 3);
	free(text);
	metrics_http_stop(h);
}

/* Descriptors this process holds now. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* A connection to the endpoint on port that has sent what (not necessarily a whole
 * request). */
static int raw_connect(int port, const char *what, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	if (len > 0)
		assert_int_equal(send(fd, what, len, MSG_NOSIGNAL), (ssize_t)len);
	return fd;
}

/* Whether the server has closed fd (read to the end within wait_ms). */
static bool closed_by_server(int fd, int wait_ms)
{
	struct timeval tv = { wait_ms / 1000, (wait_ms % 1000) * 1000 };
	char buf[512];
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
		;
	return n == 0;
}

/*
 * Hostile scrapers: 20 half-sent requests hold at most 8 of the daemon's descriptors and
 * are closed after 2 s; 4 KiB of repeated header lines get 431 at once; then a GET is
 * served. (nng's HTTP server held a descriptor per half-sent request for as long as the
 * peer liked, and parsed header lines in quadratic time.)
 */
static void test_metrics_endpoint_is_bounded(void **state)
{
	struct fixture *f = *state;
	struct metrics_http *h;
	int fds[20], before, port, closed = 0, one;
	char big[8192], ctype[128], url[64];
	size_t n = 0;

	assert_int_equal(metrics_http_start(&h, "http://127.0.0.1:0", f->d), RG_OK);
	port = metrics_http_port(h);
	before = open_fds();
	for (int i = 0; i < 20; i++)
		fds[i] = raw_connect(port, "GET /metrics HTTP/1.1\r\n", 23);
	usleep(300 * 1000);
	// 20 of the test's own, at most 8 of the server's.
	assert_true(open_fds() - before <= 20 + 8);
	for (int i = 0; i < 20; i++)
		closed += closed_by_server(fds[i], 50);
	assert_int_equal(closed, 0);
	for (int i = 0; i < 20; i++)
		if (closed_by_server(fds[i], 3000))
			closed++;
	assert_true(closed >= 8);
	for (int i = 0; i < 20; i++)
		close(fds[i]);

	n = (size_t)snprintf(big, sizeof big, "GET /metrics HTTP/1.1\r\n");
	while (n + 8 < sizeof big)
		n += (size_t)snprintf(big + n, sizeof big - n, "X: y\r\n");
	sleep(3); /* the backlog of half-sent ones drains */
	one = raw_connect(port, big, n);
	{
		char reply[64] = "";
		struct timeval tv = { 2, 0 };

		setsockopt(one, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		assert_true(recv(one, reply, sizeof reply - 1, 0) > 0);
		assert_non_null(strstr(reply, "431"));
	}
	close(one);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
	free(http_get(url, ctype, sizeof ctype));
	metrics_http_stop(h);
}

static void test_bad_metrics_url(void **state)
{
	struct fixture *f = *state;
	struct metrics_http *h = NULL;

	assert_int_equal(metrics_http_start(&h, "tcp://127.0.0.1:0", f->d), RG_EINVAL);
	assert_int_equal(metrics_http_start(&h, "http://127.0.0.1:0/x", f->d), RG_EINVAL);
	assert_null(h);
}

/* The checker refuses what promtool refuses (so that a pass means something). */
static void test_checker(void **state)
{
	static const struct {
		const char *text;
		bool ok;
	} cases[] = {
		{ "# HELP a_total x\n# TYPE a_total counter\na_total 1\n", true },
		{ "# TYPE a_total counter\na_total{m=\"x\",c=\"y\"} 2\n", true },
		{ "# TYPE a counter\na 1\n", false },                         /* no _total */
		{ "a_total 1\n", false },                                     /* no TYPE */
		{ "# TYPE a_total counter\na_total 1", false },               /* no newline */
		{ "# TYPE a_total counter\na_total{m=x} 1\n", false },        /* unquoted */
		{ "# TYPE a_total counter\na_total{m=\"\\q\"} 1\n", false },  /* bad escape */
		{ "# TYPE a_total counter\na_total one\n", false },           /* bad value */
		{ "# TYPE 1a gauge\n", false },                               /* bad name */
		{ "# TYPE g gauge\n# TYPE g gauge\ng 1\n", false },           /* TYPE twice */
		{ "# TYPE g gauge\ng 1\n# HELP g late\n", false },            /* HELP after */
		{ "# TYPE g gauge\n# TYPE h gauge\ng 1\nh 1\ng 2\n", false }, /* not together */
		{ "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
		  "h_sum 3\nh_count 2\n",
		  true },
		{ "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
		  "h_sum 3\nh_count 1\n",
		  false }, /* not cumulative */
		{ "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 3\nh_count 1\n", false },
		{ "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
		  "h_count 3\n",
		  false }, /* count != +Inf */
	};
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (promtext_check(cases[i].text, why, sizeof why) != cases[i].ok)
			fail_msg("case %zu: expected %s (%s)", i, cases[i].ok ? "ok" : "a refusal",
			         why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_checker),
		cmocka_unit_test_setup_teardown(test_stats_call, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_prometheus_endpoint, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_metrics_endpoint_is_bounded, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bad_metrics_url, fixture_setup,
		                                fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
