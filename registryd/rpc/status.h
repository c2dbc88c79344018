/*
 * status.h - gRPC status codes and the one table that maps rg_err codes onto them.
 *
 * Every reply of registryd carries a stdreg.v1.Status; struct status is its C form while
 * a call is handled. Messages are copied in (bounded) and made valid UTF-8, because the
 * peer may be written in a language whose protobuf rejects invalid UTF-8 in strings and a
 * message may quote bytes the peer sent.
 */
#ifndef REGISTRYD_STATUS_H
#define REGISTRYD_STATUS_H

#include <stdarg.h>

#include "store.h"

/* gRPC's numbers (DESIGN §5). */
enum grpc_code {
	GRPC_OK = 0,
	GRPC_CANCELLED = 1,
	GRPC_UNKNOWN = 2,
	GRPC_INVALID_ARGUMENT = 3,
	GRPC_DEADLINE_EXCEEDED = 4,
	GRPC_NOT_FOUND = 5,
	GRPC_ALREADY_EXISTS = 6,
	GRPC_PERMISSION_DENIED = 7,
	GRPC_RESOURCE_EXHAUSTED = 8,
	GRPC_FAILED_PRECONDITION = 9,
	GRPC_ABORTED = 10,
	GRPC_OUT_OF_RANGE = 11,
	GRPC_UNIMPLEMENTED = 12,
	GRPC_INTERNAL = 13,
	GRPC_UNAVAILABLE = 14,
	GRPC_DATA_LOSS = 15,
	GRPC_UNAUTHENTICATED = 16,
};

#define STATUS_MESSAGE_MAX 400
#define STATUS_FIELD_MAX   64

/* The status of one call; field is "" when there is no field violation. */
struct status {
	int code;
	char message[STATUS_MESSAGE_MAX];
	char field[STATUS_FIELD_MAX];
};

/* The gRPC code of an rg_err code; GRPC_INTERNAL for a code outside the enum. */
int status_code_from_rg(int rg);

/* "OK", "INVALID_ARGUMENT", ...; "UNKNOWN" for a number that is not a gRPC code. */
const char *status_name(int code);

/* Sets code and a printf-formatted message (truncated, made UTF-8); clears the field. */
void status_set(struct status *s, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* OK with no message: status_set(s, GRPC_OK, "") without the formatting, for every reply. */
void status_ok(struct status *s);
/* Names the field at fault (the FieldViolation of the reply); call after status_set. */
void status_set_field(struct status *s, const char *field);

/*
 * Sets the status of a failed store call: the code mapped from rg, the store's message
 * (it names the subject) or, when the store gave none, rg_strerror(rg); the store's field
 * becomes the field violation. err may be NULL.
 */
void status_from_store(struct status *s, int rg, const struct store_error *err);

/* Copies src into dst (size n > 0), truncating and replacing every byte that is not part
 * of a valid UTF-8 sequence, or is a control character, with '?'. */
void status_copy_text(char *dst, size_t n, const char *src);

#endif
