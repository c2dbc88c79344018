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

#endif
