/*
 * test_status.c - registryd/status.c (the rg_err -> gRPC table, text sanitising) and the
 * logfmt quoting of registryd/log.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "status.h"

static void test_rg_to_grpc_table(void **state)
{
	static const struct {
		int rg;
		int grpc;
	} cases[] = {
		{ RG_OK, GRPC_OK },
		{ RG_EINVAL, GRPC_INVALID_ARGUMENT },
		{ RG_ENOENT, GRPC_NOT_FOUND },
		{ RG_EEXIST, GRPC_ALREADY_EXISTS },
		{ RG_ESTALE, GRPC_ABORTED },
		{ RG_EPRECOND, GRPC_FAILED_PRECONDITION },
		{ RG_ENOSPC, GRPC_RESOURCE_EXHAUSTED },
		{ RG_ETIMEDOUT, GRPC_DEADLINE_EXCEEDED },
		{ RG_ESHUTDOWN, GRPC_UNAVAILABLE },
		{ RG_ENOMEM, GRPC_RESOURCE_EXHAUSTED },
		{ RG_EIO, GRPC_INTERNAL },
		{ RG_ECORRUPT, GRPC_INTERNAL },
		{ RG_ESCHEMA, GRPC_FAILED_PRECONDITION },
		{ RG_EINTERNAL, GRPC_INTERNAL },
		{ -1, GRPC_INTERNAL },
		{ RG_ERR_COUNT, GRPC_INTERNAL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(status_code_from_rg(cases[i].rg), cases[i].grpc);
}

static void test_status_names(void **state)
{
	(void)state;
	assert_string_equal(status_name(GRPC_OK), "OK");
	assert_string_equal(status_name(GRPC_UNAVAILABLE), "UNAVAILABLE");
	assert_string_equal(status_name(GRPC_UNAUTHENTICATED), "UNAUTHENTICATED");
	assert_string_equal(status_name(99), "UNKNOWN");
	assert_string_equal(status_name(-3), "UNKNOWN");
}

static void test_status_from_store(void **state)
{
	struct store_error e = { .code = RG_EPRECOND, .field = "area_ids" };
	struct status s;

	(void)state;
	strcpy(e.message, "area 'ai' is referenced by item 'iso-42001'");
	status_from_store(&s, RG_EPRECOND, &e);
	assert_int_equal(s.code, GRPC_FAILED_PRECONDITION);
	assert_string_equal(s.message, "area 'ai' is referenced by item 'iso-42001'");
	assert_string_equal(s.field, "area_ids");

	status_from_store(&s, RG_EIO, NULL);
	assert_int_equal(s.code, GRPC_INTERNAL);
	assert_string_equal(s.message, rg_strerror(RG_EIO));
	assert_string_equal(s.field, "");
}

static void test_copy_text_makes_utf8(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "plain", "plain" },
		{ "omr\xc3\xa5"
		  "de",
		  "omr\xc3\xa5"
		  "de" },                                         /* å stays */
		{ "bad \xff\xfe end", "bad ?? end" },             /* not UTF-8 */
		{ "cut \xc3", "cut ?" },                          /* truncated sequence */
		{ "over \xc0\xaf", "over ??" },                   /* overlong '/' */
		{ "surr \xed\xa0\x80", "surr ???" },              /* UTF-16 surrogate */
		{ "ctl\n\t\x7f", "ctl???" },                      /* control bytes */
		{ "4b \xf0\x9f\x98\x80", "4b \xf0\x9f\x98\x80" }, /* emoji */
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		status_copy_text(buf, sizeof buf, cases[i].in);
		assert_string_equal(buf, cases[i].out);
	}
	// Truncation never splits a character: "å" (2 bytes) does not fit in the last byte.
	status_copy_text(buf, 4, "ab\xc3\xa5");
	assert_string_equal(buf, "ab");
}

static void test_status_set_truncates(void **state)
{
	char big[1000];
	struct status s;

	(void)state;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	status_set(&s, GRPC_INVALID_ARGUMENT, "id '%s'", big);
	assert_int_equal(s.code, GRPC_INVALID_ARGUMENT);
	assert_int_equal(strlen(s.message), STATUS_MESSAGE_MAX - 1);
}

static void test_logfmt_quoting(void **state)
{
	static const struct {
		const char *value;
		const char *out;
	} cases[] = {
		{ "/stdreg.v1.Registry/GetArea", "k=/stdreg.v1.Registry/GetArea" },
		{ "", "k=\"\"" },
		{ "area 'ai' not found", "k=\"area 'ai' not found\"" },
		{ "a=b", "k=\"a=b\"" },
		{ "say \"hi\"\\", "k=\"say \\\"hi\\\"\\\\\"" },
		{ "two\nlines", "k=\"two\\nlines\"" },
		{ "bell\a", "k=\"bell\\x07\"" },
	};
	char buf[128];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		len = 0;
		buf[0] = '\0';
		log_append_kv(buf, sizeof buf, &len, "k", cases[i].value);
		assert_string_equal(buf, cases[i].out);
		assert_int_equal(len, strlen(buf));
	}
	// Truncated quoted values still end in a quote.
	len = 0;
	buf[0] = '\0';
	log_append_kv(buf, 12, &len, "k", "a long value with spaces");
	assert_int_equal(strlen(buf), 11);
	assert_int_equal(buf[10], '"');
}

/* Runs log_request with stderr redirected to a file and returns what it wrote. */
static void capture_request_line(char *out, size_t n, const char *method, int code,
                                 uint64_t request_id, const char *msg)
{
	FILE *tmp = tmpfile();
	int saved;
	size_t got;

	assert_non_null(tmp);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	log_set_requests(true);
	log_request("nng", method, code, 123, request_id, msg);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	got = fread(out, 1, n - 1, tmp);
	out[got] = '\0';
	fclose(tmp);
}

static void test_request_line_format(void **state)
{
	char line[LOG_LINE_MAX];
	const char *rest;

	(void)state;
	capture_request_line(line, sizeof line, "/stdreg.v1.Registry/GetArea", GRPC_OK, 7, "");
	// ts=2026-11-27T09:30:00.123Z (27 bytes with the key), then the fixed fields.
	assert_memory_equal(line, "ts=", 3);
	assert_int_equal(line[26], 'Z');
	rest = line + 27;
	assert_string_equal(rest, " level=info face=nng method=/stdreg.v1.Registry/GetArea code=0 "
	                          "status=OK us=123 request_id=7\n");

	capture_request_line(line, sizeof line, "/stdreg.v1.Registry/GetArea", GRPC_NOT_FOUND, 8,
	                     "area 'ai' not found");
	assert_string_equal(line + 27,
	                    " level=info face=nng method=/stdreg.v1.Registry/GetArea code=5 "
	                    "status=NOT_FOUND us=123 request_id=8 "
	                    "msg=\"area 'ai' not found\"\n");

	// A hostile method name stays on one line, quoted.
	capture_request_line(line, sizeof line, "/x y\nlevel=error", GRPC_UNIMPLEMENTED, 0, "no");
	assert_non_null(strstr(line, " method=\"/x y\\nlevel=error\" "));
	assert_int_equal(strchr(line, '\n'), line + strlen(line) - 1);
}

/* What the file tmp holds now (from its start), NUL-terminated, in out. */
static size_t file_text(FILE *tmp, char *out, size_t n)
{
	size_t got;

	fflush(tmp);
	rewind(tmp);
	got = fread(out, 1, n - 1, tmp);
	out[got] = '\0';
	return got;
}

/*
 * With the logger thread running: an event is in the file when log_event() returns, with
 * every request line before it; request lines come out in order; log_stop() writes the
 * rest. (Request lines may wait for the logger; events may not.)
 */
static void test_logger_thread(void **state)
{
	static char text[1 << 16];
	FILE *tmp = tmpfile();
	int saved;
	char *p;

	(void)state;
	assert_non_null(tmp);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	log_set_requests(true);
	assert_int_equal(log_start(), 0);
	for (uint64_t i = 1; i <= 200; i++)
		log_request("nng", "/stdreg.v1.Registry/GetArea", GRPC_OK, 1, i, "");
	log_event("info", "ready", "revision=7");
	file_text(tmp, text, sizeof text);
	p = strstr(text, "request_id=200\n");
	assert_non_null(p);
	p += strlen("request_id=200\n");
	assert_int_equal(strncmp(p, "ts=", 3), 0);
	assert_string_equal(strchr(p, ' '), " level=info msg=ready revision=7\n");
	for (uint64_t i = 201; i <= 400; i++)
		log_request("nng", "/stdreg.v1.Registry/GetArea", GRPC_OK, 1, i, "");
	log_stop();
	file_text(tmp, text, sizeof text);
	p = text;
	for (uint64_t i = 1; i <= 400; i++) {
		char want[48];

		snprintf(want, sizeof want, " request_id=%llu\n", (unsigned long long)i);
		p = strstr(p, want);
		assert_non_null(p); /* present, and after the one before */
	}
	// After log_stop() lines are written at once again.
	log_event("info", "stopped", "");
	file_text(tmp, text, sizeof text);
	assert_non_null(strstr(text, "msg=ready revision=7\n"));
	assert_int_equal(strcmp(text + strlen(text) - strlen("level=info msg=stopped\n"),
	                        "level=info msg=stopped\n"),
	                 0);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	fclose(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rg_to_grpc_table),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_status_from_store),
		cmocka_unit_test(test_copy_text_makes_utf8),
		cmocka_unit_test(test_status_set_truncates),
		cmocka_unit_test(test_logfmt_quoting),
		cmocka_unit_test(test_request_line_format),
		cmocka_unit_test(test_logger_thread),
	};

	return cmocka_run_group_tests_name("registryd status", tests, NULL, NULL);
}
