/*
 * fuzz_http.c - bytes -> the HTTP face: libmicrohttpd's request parsing, the routes
 * (Connect unary, GET calls, the change feed, metrics), the JSON and proto decoding of
 * the body, and dispatch behind them, on a temporary store with a running writer, over
 * a loopback socket as a client reaches them.
 *
 * Input: the raw bytes a client sends on one connection (one request, or several
 * pipelined). Every "@ADMIN@" in it becomes the admin token, so that inputs reach writes
 * (`Authorization: Bearer @ADMIN@`). The harness sends the bytes, closes its sending side
 * and reads until the server closes or READ_WAIT_MS passes without a byte.
 *
 * What must hold: the daemon does not crash or trip a sanitizer, every answer starts with
 * an HTTP/1.x status line, no answer is a 500 (an input is never an internal error), and
 * a Connect error body (application/json on a non-2xx) is JSON with a string "code". The
 * store is recreated every RESET_EVERY inputs so that it stays small.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "dispatch.h"
#include "dispatch_limits.h"
#include "fuzz.h"
#include "http.h"
#include "log.h"
#include "store.h"

#include "stdreg/v1/records.pb-c.h"

#define RESET_EVERY  500
#define READ_WAIT_MS 500 /* for the first byte of the answer */
#define MORE_WAIT_MS 50  /* for more after that (a pipelined answer, a feed's events) */
#define MAX_REPLY    (8u << 20)

static struct {
	char dir[64];
	store *st;
	store_writer *writer;
	struct dispatcher *d;
	struct http_server *http;
	int port;
	char admin_token[STORE_TOKEN_LEN + 1];
	unsigned inputs;
} h;

static void harness_up(void)
{
	static const char *const urls[] = { "http://127.0.0.1:0" };
	struct store_opts o = { .no_sync = true, .map_size = 32u << 20 };
	struct store_error err = { 0 };
	struct dispatch_limits l;
	const char *tmp = getenv("TMPDIR");

	snprintf(h.dir, sizeof h.dir, "%s/fuzz-http-XXXXXX", tmp != NULL ? tmp : "/tmp");
	FUZZ_CHECK(mkdtemp(h.dir) != NULL, "mkdtemp");
	FUZZ_CHECK(store_open(&h.st, h.dir, &o, &err) == RG_OK, "store_open");
	FUZZ_CHECK(store_token_create(h.st, "fuzz-admin",
	                              STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_ADMIN, NULL,
	                              h.admin_token, &err) == RG_OK,
	           "admin token");
	FUZZ_CHECK(store_writer_start(h.st, &h.writer) == RG_OK, "writer");
	// Small bounds: a Watch may not hold an input for long, nor an upload much memory.
	dispatch_limits_default(&l);
	l.watch_max_wait_ms = 20;
	l.workers = 1;
	l.upload_max_bytes = 1u << 20;
	l.uploads_max_bytes = 4u << 20;
	FUZZ_CHECK(dispatcher_new(&h.d, h.st, h.writer, &l) == RG_OK, "dispatcher_new");
	FUZZ_CHECK(http_start(&h.http, h.d,
	                      &(struct http_opts){ .urls = urls,
	                                           .n_urls = 1,
	                                           .max_connections = 16,
	                                           .per_address = 16,
	                                           .idle_timeout_s = 1,
	                                           .max_header = 16384,
	                                           .max_body = 1u << 20,
	                                           .max_feeds = 4 }) == RG_OK,
	           "http_start");
	h.port = http_port(h.http, 0);
	FUZZ_CHECK(h.port > 0, "the listener's port");
	h.inputs = 0;
}

static void harness_down(void)
{
	if (h.st == NULL)
		return;
	dispatcher_shutdown(h.d);
	store_writer_close(h.writer);
	http_free(h.http);
	dispatcher_free(h.d);
	store_close(h.st);
	fuzz_rm_tree(h.dir);
	h.st = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_requests(false);
	harness_up();
	atexit(harness_down);
	return 0;
}

/* The input with every @ADMIN@ replaced by the admin token (malloc'd). */
static char *with_token(const uint8_t *data, size_t size, size_t *out_len)
{
	static const char mark[] = "@ADMIN@";
	size_t tl = strlen(h.admin_token), n = 0;
	char *out = malloc(size / (sizeof mark - 1) * tl + size + 1);

	FUZZ_CHECK(out != NULL, "memory for the input");
	for (size_t i = 0; i < size;) {
		if (size - i >= sizeof mark - 1 && memcmp(data + i, mark, sizeof mark - 1) == 0) {
			memcpy(out + n, h.admin_token, tl);
			n += tl;
			i += sizeof mark - 1;
		} else {
			out[n++] = (char)data[i++];
		}
	}
	*out_len = n;
	return out;
}

/* Sends req on a new connection and reads the answer until the server closes. */
static size_t exchange(const char *req, size_t len, char *reply, size_t cap)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)h.port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t got = 0;

	FUZZ_CHECK(fd >= 0, "socket");
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FUZZ_CHECK(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "connect to the listener");
	// The server may answer (and close) before it has read everything: a refused body.
	for (size_t off = 0; off < len;) {
		ssize_t w = send(fd, req + off, len - off, MSG_NOSIGNAL);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		// A connection that was suspended for its call does not see the half-close until
		// its idle timeout (libmicrohttpd), so the answer so far is taken once it pauses.
		if (poll(&p, 1, got == 0 ? READ_WAIT_MS : MORE_WAIT_MS) <= 0)
			break;
		r = recv(fd, reply + got, cap - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == cap)
			break;
	}
	close(fd);
	return got;
}

/* The checks on each answer in reply (pipelined requests get several). */
static void check_answers(const char *reply, size_t len)
{
	const char *p = reply, *end = reply + len;

	if (len == 0)
		return; /* closed without an answer: a request too broken to answer */
	while (p != NULL && p < end) {
		FUZZ_CHECK(end - p >= 12 && memcmp(p, "HTTP/1.", 7) == 0,
		           "an HTTP/1.x status line");
		int status = atoi(p + 9);
		const char *head_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
		const char *next;

		FUZZ_CHECK(status >= 100 && status <= 599, "a status code");
		FUZZ_CHECK(status != 500, "no input is an internal error");
		if (head_end == NULL)
			return;
		const char *line_end = memmem(p, (size_t)(head_end - p), "\r\n", 2);
		size_t line_len = (size_t)((line_end != NULL ? line_end : head_end) - p);
		// libmicrohttpd 0.9.75 (Debian 12) sends the head of its own answer to a malformed
		// Content-Length twice, then the body (docs/fuzzing.md, "Known library defects"):
		// a head followed by the same status line is skipped, and the second copy checked.
		if ((size_t)(end - head_end - 4) >= line_len &&
		    memcmp(head_end + 4, p, line_len) == 0) {
			p = head_end + 4;
			continue;
		}
		const char *cl = memmem(p, (size_t)(head_end - p), "Content-Length: ", 16);
		size_t body_len = cl != NULL ? strtoul(cl + 16, NULL, 10) : 0;
		// The next answer starts where this one's body ends: a body may quote the request,
		// "HTTP/1.1" included (a 404 names the path it was asked for). Without a length
		// (a chunked feed), the next status line is looked for.
		if (cl != NULL)
			next = head_end + 4 + body_len < end ? head_end + 4 + body_len : NULL;
		else
			next = memmem(head_end, (size_t)(end - head_end), "HTTP/1.", 7);
		if (status >= 400 && memmem(p, (size_t)(head_end - p),
		                            "Content-Type: application/json", 30) != NULL) {
			json_t *j;

			if (cl != NULL && head_end + 4 + body_len <= end) {
				j = json_loadb(head_end + 4, body_len, 0, NULL);
				FUZZ_CHECK(j != NULL, "a Connect error body is JSON");
				FUZZ_CHECK(json_is_string(json_object_get(j, "code")),
				           "a Connect error names its code");
				json_decref(j);
			}
		}
		p = next;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char reply[MAX_REPLY];
	size_t len, got;
	char *req;

	if (size == 0)
		return 0;
	if (h.inputs++ == RESET_EVERY) {
		harness_down();
		harness_up();
	}
	req = with_token(data, size, &len);
	got = exchange(req, len, reply, sizeof reply);
	check_answers(reply, got);
	free(req);
	return 0;
}
