/* counts.c - see counts.h. */
#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "store.h"

struct count {
	size_t n;
	struct count *next;
	char name[]; /* NUL-terminated */
};

static struct count **find(struct counts *c, const char *name)
{
	struct count **pp = &c->list;

	while (*pp != NULL && strcmp((*pp)->name, name) != 0)
		pp = &(*pp)->next;
	return pp;
}

int counts_take(struct counts *c, const char *name, size_t max)
{
	struct count *e = *find(c, name);

	if (e != NULL && max != 0 && e->n >= max)
		return RG_ENOSPC;
	if (e == NULL) {
		size_t len = strlen(name);

		e = malloc(sizeof *e + len + 1);
		if (e == NULL)
			return RG_ENOMEM;
		e->n = 0;
		memcpy(e->name, name, len + 1);
		e->next = c->list;
		c->list = e;
	}
	e->n++;
	return RG_OK;
}

void counts_give(struct counts *c, const char *name)
{
	struct count **pp = find(c, name), *e = *pp;

	if (e != NULL && --e->n == 0) {
		*pp = e->next;
		free(e);
	}
}

size_t counts_of(const struct counts *c, const char *name)
{
	const struct count *e = c->list;

	while (e != NULL && strcmp(e->name, name) != 0)
		e = e->next;
	return e != NULL ? e->n : 0;
}

void counts_release(struct counts *c)
{
	while (c->list != NULL) {
		struct count *e = c->list;

		c->list = e->next;
		free(e);
	}
}
