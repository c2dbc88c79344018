/*
 * methods.h - what both ends of the wire decide per method, from methods.def: the daemon's
 * method table and libstdreg's resend rule read the same rows.
 */
#ifndef STDREG_V1_METHODS_H
#define STDREG_V1_METHODS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* The writes column of methods.def as a value. */
#define STDREG_METHOD_WRITES_READ  false
#define STDREG_METHOD_WRITES_WRITE true

/* The prefix of every full method name. */
#define STDREG_METHOD_PREFIX "/stdreg.v1.Registry/"

/*
 * Whether the method (short "PutArea" or full "/stdreg.v1.Registry/PutArea" name) is a
 * write in methods.def; false for a name that is not there.
 */
static inline bool stdreg_method_writes(const char *method)
{
	static const struct {
		const char *name;
		bool writes;
	} rows[] = {
#define STDREG_METHOD(name, request, writes) { #name, STDREG_METHOD_WRITES_##writes },
#include "stdreg/v1/methods.def"
#undef STDREG_METHOD
	};
	size_t prefix = strlen(STDREG_METHOD_PREFIX);

	if (strncmp(method, STDREG_METHOD_PREFIX, prefix) == 0)
		method += prefix;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		if (strcmp(rows[i].name, method) == 0)
			return rows[i].writes;
	return false;
}

#endif
