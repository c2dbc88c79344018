/*
 * out_whoami.c - the table of 'regctl whoami': one "key: value" line per field.
 */
#include "regctl.h"

/* The value of key in o as text; "-" when absent. */
static const char *text_of(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) && json_string_value(v)[0] != '\0' ? json_string_value(v) : "-";
}

int table_whoami(FILE *f, const json_t *resp)
{
	bool anonymous = json_is_true(json_object_get(resp, "anonymous"));

	if (fprintf(f, "name:   %s\n", text_of(resp, "name")) < 0 ||
	    fprintf(f, "role:   %s\n", anonymous ? "anonymous" : text_of(resp, "role")) < 0 ||
	    fprintf(f, "agency: %s\n", text_of(resp, "agency_id")) < 0)
		return -1;
	return 0;
}
