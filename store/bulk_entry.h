/*
 * bulk_entry.h - one line of a bulk apply, as store_apply (bulk.c) sorts and puts it.
 */
#ifndef STDREG_BULK_ENTRY_H
#define STDREG_BULK_ENTRY_H

#include <stdint.h>

#include "store_int.h"

struct entry {
	ProtobufCMessage *rec;
	const char *id; /* as given, for sorting (a goal's derived id is set later) */
	enum store_kind kind;
	uint32_t line;
	int code; /* last result; PENDING while it may still succeed */
	/* Why the last put refused it; NULL until one did. Kept apart: an entry is sorted and
	 * a whole file of them allocated at once, and few lines ever fail. */
	struct store_error *err;
};
#define PENDING (-1)

/* The entry of kind k and id among entries sorted by kind and id, or NULL (bulk_order.c). */
struct entry *bulk_find_entry(struct entry *es, size_t n, enum store_kind k, const char *id);

/*
 * The order to put the n sorted entries in: *order holds their indexes, to free(). NULL
 * when out of memory.
 */
uint32_t *bulk_put_order(struct entry *es, size_t n);

/*
 * A record still refused for a missing parent may wait on a parent in the file that waits on
 * it: a cycle, which no order of puts resolves. That is the line's error (RG_EINVAL, invalid
 * input), not the "not found" its last put reported. RG_OK, or RG_ENOMEM.
 */
int bulk_refuse_parent_cycles(struct entry *es, size_t n);

#endif
