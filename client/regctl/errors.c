/*
 * errors.c - the exit code contract and the one-line error message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regctl.h"

/* Status code -> exit code; every code not listed is EXIT_SERVER. INVALID_ARGUMENT is the
 * caller's input whether the client or the server found it, and nothing changed: usage. */
static const struct {
	int code;
	int exit;
} exit_table[] = {
	{ STDREG_INVALID_ARGUMENT, EXIT_USAGE },
	{ STDREG_UNAVAILABLE, EXIT_UNAVAILABLE },
	{ STDREG_DEADLINE_EXCEEDED, EXIT_UNAVAILABLE },
	{ STDREG_NOT_FOUND, EXIT_NOT_FOUND },
	{ STDREG_ALREADY_EXISTS, EXIT_EXISTS },
	{ STDREG_ABORTED, EXIT_CONFLICT },
	{ STDREG_FAILED_PRECONDITION, EXIT_PRECONDITION },
	{ STDREG_PERMISSION_DENIED, EXIT_DENIED },
	{ STDREG_UNAUTHENTICATED, EXIT_DENIED },
	{ STDREG_RESOURCE_EXHAUSTED, EXIT_EXHAUSTED },
};

static const struct {
	int exit;
	const char *meaning;
} exit_help[] = {
	{ EXIT_OK, "ok" },
	{ EXIT_SERVER, "error from the server (any status not listed below)" },
	{ EXIT_USAGE,
	  "usage error or invalid input (bad flags, file or field value): nothing changed" },
	{ EXIT_UNAVAILABLE, "cannot connect, connection lost, or deadline exceeded" },
	{ EXIT_NOT_FOUND, "not found: the record the command names (to get, change or delete) does "
	                  "not exist" },
	{ EXIT_EXISTS, "already exists" },
	{ EXIT_CONFLICT, "conflict: the record changed (revision mismatch)" },
	{ EXIT_PRECONDITION,
	  "failed precondition: a record the command refers to does not exist (--body, --area, "
	  "an appointment's area or agency, a reference in an apply file), or the record is "
	  "still referenced" },
	{ EXIT_DENIED, "permission denied or unauthenticated" },
	{ EXIT_EXHAUSTED,
	  "resource exhausted: the registry is full (its quota or disk) or a server limit was "
	  "reached; nothing changed" },
};

void errorf(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("regctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * The one rule for a missing record: exit 4 (NOT_FOUND) when it is the record the command
 * addresses (the one it gets, changes or deletes), exit 7 (FAILED_PRECONDITION) when it is a
 * record the command only refers to. The server answers with those codes in every call, so
 * the status code alone decides (exit_table).
 */
int exit_code_of(const struct stdreg_status *st)
{
	size_t i;

	for (i = 0; i < sizeof(exit_table) / sizeof(exit_table[0]); i++)
		if (exit_table[i].code == st->code)
			return exit_table[i].exit;
	return EXIT_SERVER;
}

/* Appends s to buf (of len, holding used bytes) with line breaks turned into spaces and other
 * controls (ESC, DEL) into '?', so the error stays one line a terminal shows as sent. */
static size_t append_flat(char *buf, size_t len, size_t used, const char *s)
{
	for (; *s != '\0' && used + 1 < len; s++) {
		unsigned char c = (unsigned char)*s;

		buf[used++] = (c == '\n' || c == '\r' || c == '\t') ? ' '
		              : (c < 0x20 || c == 0x7f)             ? '?'
		                                                    : *s;
	}
	buf[used] = '\0';
	return used;
}

int fail_status(const char *what, const struct stdreg_status *st)
{
	const char *msg = st->message != NULL ? st->message : "";
	char cause[1024];
	bool detail = msg[0] != '\0'; /* something follows the code name */
	size_t used = 0, i;

	if (st->local && (st->code == STDREG_UNAVAILABLE || st->code == STDREG_DEADLINE_EXCEEDED)) {
		// The client's own message already says what failed and why.
		append_flat(cause, sizeof(cause), 0, msg);
		errorf("%s", cause);
		return exit_code_of(st);
	}
	used = append_flat(cause, sizeof(cause), used, stdreg_code_name(st->code));
	if (msg[0] != '\0') {
		used = append_flat(cause, sizeof(cause), used, ": ");
		used = append_flat(cause, sizeof(cause), used, msg);
	}
	for (i = 0; i < st->n_violations; i++) {
		const struct stdreg_violation *v = &st->violations[i];

		// Servers often repeat a single violation as the message; say it once.
		if (v->description[0] != '\0' && strstr(msg, v->description) != NULL)
			continue;
		used = append_flat(cause, sizeof(cause), used, detail ? "; " : ": ");
		detail = true;
		used = append_flat(cause, sizeof(cause), used, v->field);
		used = append_flat(cause, sizeof(cause), used, ": ");
		used = append_flat(cause, sizeof(cause), used, v->description);
	}
	errorf("cannot %s (%s)", what, cause);
	return exit_code_of(st);
}

void exit_codes_help(FILE *f)
{
	size_t i;

	fputs("exit codes:\n", f);
	for (i = 0; i < sizeof(exit_help) / sizeof(exit_help[0]); i++)
		fprintf(f, "  %d  %s\n", exit_help[i].exit, exit_help[i].meaning);
}

int open_client(const struct globals *g, stdreg_client **c)
{
	struct stdreg_client_opts o = {
		.token = g->token,
		.timeout_ms = g->timeout_ms,
		.tls_ca = g->cacert,
		.tls_cert = g->cert,
		.tls_key = g->key,
	};
	struct stdreg_status st = STDREG_STATUS_INIT;
	int rv;

	if (stdreg_client_open(c, g->endpoint, &o, &st) == STDREG_OK)
		return EXIT_OK;
	errorf("%s", st.message != NULL ? st.message : stdreg_code_name(st.code));
	rv = exit_code_of(&st);
	stdreg_status_release(&st);
	return rv;
}

int finish_output(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		errorf("cannot write the output (%s)", "write error");
		return EXIT_SERVER;
	}
	return rc;
}
