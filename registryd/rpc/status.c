/*
 * status.c - rg_err -> gRPC code, in exactly one table (CONVENTIONS rule 4).
 */
#include <stdio.h>
#include <string.h>

#include "status.h"

static const int rg_to_grpc[RG_ERR_COUNT] = {
	[RG_OK] = GRPC_OK,
	[RG_EINVAL] = GRPC_INVALID_ARGUMENT,
	[RG_ENOENT] = GRPC_NOT_FOUND,
	[RG_EEXIST] = GRPC_ALREADY_EXISTS,
	[RG_ESTALE] = GRPC_ABORTED,
	[RG_EPRECOND] = GRPC_FAILED_PRECONDITION,
	[RG_ENOSPC] = GRPC_RESOURCE_EXHAUSTED,
	[RG_ETIMEDOUT] = GRPC_DEADLINE_EXCEEDED,
	[RG_ESHUTDOWN] = GRPC_UNAVAILABLE,
	[RG_ENOMEM] = GRPC_RESOURCE_EXHAUSTED,
	[RG_EIO] = GRPC_INTERNAL,
	[RG_ECORRUPT] = GRPC_INTERNAL,
	[RG_ESCHEMA] = GRPC_FAILED_PRECONDITION,
	[RG_EINTERNAL] = GRPC_INTERNAL,
	[RG_EPERM] = GRPC_PERMISSION_DENIED,
	[RG_EAUTH] = GRPC_UNAUTHENTICATED,
};

static const char *const grpc_names[] = {
	[GRPC_OK] = "OK",
	[GRPC_CANCELLED] = "CANCELLED",
	[GRPC_UNKNOWN] = "UNKNOWN",
	[GRPC_INVALID_ARGUMENT] = "INVALID_ARGUMENT",
	[GRPC_DEADLINE_EXCEEDED] = "DEADLINE_EXCEEDED",
	[GRPC_NOT_FOUND] = "NOT_FOUND",
	[GRPC_ALREADY_EXISTS] = "ALREADY_EXISTS",
	[GRPC_PERMISSION_DENIED] = "PERMISSION_DENIED",
	[GRPC_RESOURCE_EXHAUSTED] = "RESOURCE_EXHAUSTED",
	[GRPC_FAILED_PRECONDITION] = "FAILED_PRECONDITION",
	[GRPC_ABORTED] = "ABORTED",
	[GRPC_OUT_OF_RANGE] = "OUT_OF_RANGE",
	[GRPC_UNIMPLEMENTED] = "UNIMPLEMENTED",
	[GRPC_INTERNAL] = "INTERNAL",
	[GRPC_UNAVAILABLE] = "UNAVAILABLE",
	[GRPC_DATA_LOSS] = "DATA_LOSS",
	[GRPC_UNAUTHENTICATED] = "UNAUTHENTICATED",
};

int status_code_from_rg(int rg)
{
	if (rg < 0 || rg >= RG_ERR_COUNT)
		return GRPC_INTERNAL;
	return rg_to_grpc[rg];
}

const char *status_name(int code)
{
	if (code < 0 || code >= (int)(sizeof grpc_names / sizeof grpc_names[0]))
		return "UNKNOWN";
	return grpc_names[code];
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if s does not start one. */
static size_t utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	// Overlong forms, surrogates and code points past U+10FFFF are not valid UTF-8.
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void status_copy_text(char *dst, size_t n, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, k;

	while (*s != '\0' && o + 1 < n) {
		k = utf8_seq_len(s);
		if (k == 0 || (k == 1 && (*s < 0x20 || *s == 0x7f))) {
			dst[o++] = '?';
			s++;
			continue;
		}
		if (o + k >= n) /* never cut a character in half */
			break;
		memcpy(dst + o, s, k);
		o += k;
		s += k;
	}
	dst[o] = '\0';
}

void status_set(struct status *s, int code, const char *fmt, ...)
{
	char buf[STATUS_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	s->code = code;
	status_copy_text(s->message, sizeof s->message, buf);
	s->field[0] = '\0';
}

void status_ok(struct status *s)
{
	s->code = GRPC_OK;
	s->message[0] = '\0';
	s->field[0] = '\0';
}

void status_set_field(struct status *s, const char *field)
{
	status_copy_text(s->field, sizeof s->field, field);
}

void status_from_store(struct status *s, int rg, const struct store_error *err)
{
	const char *msg = (err != NULL && err->message[0] != '\0') ? err->message : rg_strerror(rg);

	s->code = status_code_from_rg(rg);
	status_copy_text(s->message, sizeof s->message, msg);
	if (err != NULL && err->field[0] != '\0')
		status_copy_text(s->field, sizeof s->field, err->field);
	else
		s->field[0] = '\0';
}
