/*
 * util.c - small helpers the store's files share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

bool str_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

bool push_ptr(void ***arr, size_t *n, void *item)
{
	void **grown = realloc(*arr, (*n + 1) * sizeof(void *));

	if (grown == NULL)
		return false;
	grown[(*n)++] = item;
	*arr = grown;
	return true;
}

int result_out(int rc, void *m, ProtobufCMessage **out)
{
	if (rc != RG_OK) {
		if (m != NULL)
			protobuf_c_message_free_unpacked(m, NULL);
		return rc;
	}
	*out = m;
	return RG_OK;
}

bool assignment_holds_on(const Stdreg__V1__Assignment *a, const char *date)
{
	return strcmp(a->valid_from, date) <= 0 &&
	       (str_empty(a->valid_to) || strcmp(date, a->valid_to) < 0);
}

int store_fail(struct store_error *err, int code, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}
