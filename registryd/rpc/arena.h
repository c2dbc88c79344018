/*
 * arena.h - a bump allocator over a caller's buffer, as a ProtobufCAllocator.
 *
 * A read is decoded, answered and freed within one call of the dispatcher: its envelope and
 * payload need not go through malloc. The arena hands out pieces of a buffer (on the
 * dispatcher's stack) and falls back to malloc when it is used up; freeing a piece of the
 * buffer does nothing, freeing a fallback piece frees it. The buffer must outlive every
 * message decoded with the allocator.
 */
#ifndef REGISTRYD_ARENA_H
#define REGISTRYD_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

struct arena {
	uint8_t *base;
	size_t cap, used;
	ProtobufCAllocator alloc; /* pass &a->alloc to protobuf-c */
};

/* Sets a up over buf (cap bytes, aligned for any object). */
void arena_init(struct arena *a, void *buf, size_t cap);

/*
 * An arena in memory of its own, for a request that outlives its dispatch and is large: a
 * staged upload chunk of thousands of records. Decoded with malloc, such a chunk is tens of
 * thousands of small pieces, each freed on its own when the upload is done; in the arena it
 * is one mapping of bulk_mem (huge pages where the kernel gives them), about cap bytes, and
 * one free. NULL: no memory. Free a message decoded in it with its allocator first (that
 * frees the fallback pieces), then the arena.
 */
struct arena *arena_new_owned(size_t cap);
/* The smallest cap worth an owned arena: the mapping is whole 2 MiB units, and a smaller
 * request would hold (and, in huge pages, take) up to 2 MiB for little. With this floor
 * the mapping is at most twice what the request's budget counts. */
#define ARENA_OWNED_MIN ((size_t)1 << 20)
void arena_free_owned(struct arena *a);

#endif
