/*
 * bulk_mem.h - large buffers of one bulk operation, in 2 MiB units advised as huge pages
 * (bulk_mem.c): the store's held-back index entries, registryd's staged upload chunks.
 */
#ifndef STDREG_BULK_MEM_H
#define STDREG_BULK_MEM_H

#include <stddef.h>

/* Mappings are whole units of this: a huge page. */
#define BULK_MEM_UNIT ((size_t)2 << 20)

/* *size is the size asked for in, and the size mapped out. NULL: no memory. */
void *bulk_mem_alloc(size_t *size);
/* p (NULL: none yet) grown to hold need bytes; the old mapping is gone on success only. */
void *bulk_mem_grow(void *p, size_t *size, size_t need);
void bulk_mem_free(void *p, size_t size);

#endif
