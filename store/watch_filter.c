/*
 * watch_filter.c - which changelog entries a watch (or a ListChanges page) asked for.
 *
 * A watch names kinds and ids; every entry of the changelog it reads is tested against
 * them. The ids are sorted once and looked up by binary search, so a long list costs
 * log(n) per entry, not n: the transport's threads run this for anonymous callers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int watch_filter_init(struct watch_filter *f, const int *kinds, size_t nkinds, char *const *ids,
                      size_t nids)
{
	memset(f, 0, sizeof *f);
	f->any_kind = nkinds == 0;
	for (size_t i = 0; i < nkinds; i++)
		if (kinds[i] >= 0 && kinds[i] < 64) /* a kind beyond the table matches nothing */
			f->kinds |= UINT64_C(1) << kinds[i];
	if (nids == 0)
		return RG_OK;
	/* The caller's array stays as it is: sort a copy of the pointers. */
	f->ids = malloc(nids * sizeof *f->ids);
	if (f->ids == NULL)
		return RG_ENOMEM;
	memcpy(f->ids, ids, nids * sizeof *f->ids);
	f->nids = nids;
	qsort(f->ids, nids, sizeof *f->ids, cmp_str);
	return RG_OK;
}

bool watch_filter_match(const struct watch_filter *f, int kind, const char *id)
{
	if (!f->any_kind && (kind < 0 || kind >= 64 || !(f->kinds & UINT64_C(1) << kind)))
		return false;
	if (f->ids == NULL)
		return true;
	return bsearch(&id, f->ids, f->nids, sizeof *f->ids, cmp_str) != NULL;
}

void watch_filter_free(struct watch_filter *f)
{
	free(f->ids);
	f->ids = NULL;
	f->nids = 0;
}

int watch_filter_take(const struct watch_filter *f, const MDB_val *v, Stdreg__V1__Change ***changes,
                      size_t *n)
{
	Stdreg__V1__Change *ch = stdreg__v1__change__unpack(NULL, v->mv_size, v->mv_data);

	if (ch == NULL)
		return MDB_CORRUPTED;
	if (!watch_filter_match(f, (int)ch->kind, ch->id)) {
		stdreg__v1__change__free_unpacked(ch, NULL);
		return 0;
	}
	if (!push_ptr((void ***)changes, n, ch)) {
		stdreg__v1__change__free_unpacked(ch, NULL);
		return ENOMEM;
	}
	return 0;
}
