/* fit.c - see fit.h. */
#include <assert.h>

#include "fit.h"

/* The number of entries of m's repeated field fd. */
static size_t fit_count(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
	return *(const size_t *)((const char *)m + fd->quantifier_offset);
}

int fit_page(fit_query_fn q, void *arg, uint32_t max, const char *field, size_t limit,
             ProtobufCMessage **out, struct store_error *err)
{
	const ProtobufCFieldDescriptor *fd = NULL;
	ProtobufCMessage *m;
	size_t n;
	int rc;

	for (;;) {
		rc = q(arg, max, &m, err);
		if (rc != RG_OK)
			return rc;
		if (fd == NULL)
			fd = protobuf_c_message_descriptor_get_field_by_name(m->descriptor, field);
		assert(fd != NULL && fd->label == PROTOBUF_C_LABEL_REPEATED);
		n = fit_count(m, fd);
		if (n <= 1 || protobuf_c_message_get_packed_size(m) <= limit)
			break;
		max = (uint32_t)(n / 2);
		protobuf_c_message_free_unpacked(m, NULL);
	}
	*out = m;
	return RG_OK;
}
