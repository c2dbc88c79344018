/*
 * status.c - status codes and the status struct.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const code_names[] = {
	[STDREG_OK] = "ok",
	[STDREG_CANCELLED] = "cancelled",
	[STDREG_UNKNOWN] = "unknown",
	[STDREG_INVALID_ARGUMENT] = "invalid argument",
	[STDREG_DEADLINE_EXCEEDED] = "deadline exceeded",
	[STDREG_NOT_FOUND] = "not found",
	[STDREG_ALREADY_EXISTS] = "already exists",
	[STDREG_PERMISSION_DENIED] = "permission denied",
	[STDREG_RESOURCE_EXHAUSTED] = "resource exhausted",
	[STDREG_FAILED_PRECONDITION] = "failed precondition",
	[STDREG_ABORTED] = "aborted",
	[STDREG_OUT_OF_RANGE] = "out of range",
	[STDREG_UNIMPLEMENTED] = "unimplemented",
	[STDREG_INTERNAL] = "internal",
	[STDREG_UNAVAILABLE] = "unavailable",
	[STDREG_DATA_LOSS] = "data loss",
	[STDREG_UNAUTHENTICATED] = "unauthenticated",
};

const char *stdreg_code_name(int code)
{
	if (code < 0 || (size_t)code >= sizeof(code_names) / sizeof(code_names[0]))
		return "unknown";
	return code_names[code];
}

void stdreg_status_release(struct stdreg_status *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n_violations; i++) {
		free(st->violations[i].field);
		free(st->violations[i].description);
	}
	free(st->violations);
	free(st->message);
	memset(st, 0, sizeof(*st));
}

int stdreg_status_set(struct stdreg_status *st, int code, bool local, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	stdreg_status_release(st);
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	st->code = code;
	st->local = local;
	st->message = msg;
	return code;
}
