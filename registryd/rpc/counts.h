/*
 * counts.h - how many of something each name holds, with a bound per name: the
 * connections of a peer (conns.c), the writes a principal has in flight (inflight.c).
 *
 * A list with one entry per name that holds at least one; a name whose count falls to
 * zero is forgotten, so the list is never longer than what is held. Not thread safe: the
 * table that embeds it holds its own lock around every call.
 */
#ifndef REGISTRYD_COUNTS_H
#define REGISTRYD_COUNTS_H

#include <stddef.h>

struct count;

struct counts {
	struct count *list;
};

/* Takes one for name if it holds fewer than max (0 = no bound). Returns RG_OK; RG_ENOSPC
 * when name holds max already (nothing taken); RG_ENOMEM. */
int counts_take(struct counts *c, const char *name, size_t max);

/* Gives back one that counts_take() gave name; a name that holds none is ignored. */
void counts_give(struct counts *c, const char *name);

/* How many name holds now. */
size_t counts_of(const struct counts *c, const char *name);

/* Frees every entry (what is still held is forgotten); the list is empty after. */
void counts_release(struct counts *c);

#endif
