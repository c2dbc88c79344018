/*
 * arena.c - see arena.h.
 */
#include <stdalign.h>
#include <stdlib.h>

#include "arena.h"
#include "bulk_mem.h"

static void *arena_alloc(void *data, size_t size)
{
	struct arena *a = data;
	size_t at = (a->used + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);

	if (at <= a->cap && size <= a->cap - at) {
		a->used = at + size;
		return a->base + at;
	}
	return malloc(size);
}

static void arena_free(void *data, void *p)
{
	struct arena *a = data;
	uint8_t *b = p;

	// Pieces of the buffer go when the buffer does; only the fallback ones are freed.
	if (b != NULL && (b < a->base || b >= a->base + a->cap))
		free(p);
}

void arena_init(struct arena *a, void *buf, size_t cap)
{
	a->base = buf;
	a->cap = cap;
	a->used = 0;
	a->alloc.alloc = arena_alloc;
	a->alloc.free = arena_free;
	a->alloc.allocator_data = a;
}

/* The arena's own header sits at the start of its mapping, the buffer after it. */
struct owned_arena {
	struct arena a;
	size_t mapped;
	_Alignas(max_align_t) uint8_t buf[];
};

struct arena *arena_new_owned(size_t cap)
{
	size_t mapped = sizeof(struct owned_arena) + cap;
	struct owned_arena *o = bulk_mem_alloc(&mapped);

	if (o == NULL)
		return NULL;
	o->mapped = mapped;
	// All of the mapping: bulk_mem rounds up to whole units.
	arena_init(&o->a, o->buf, mapped - sizeof(struct owned_arena));
	return &o->a;
}

void arena_free_owned(struct arena *a)
{
	struct owned_arena *o = (struct owned_arena *)a;

	if (o != NULL)
		bulk_mem_free(o, o->mapped);
}
