/*
 * index_batch.c - index entries held back during a bulk apply and written in key order.
 *
 * A bulk apply puts its records in id order, so the records, the changelog and the history
 * grow at their ends. The report's index orders work items by status or area and then by
 * target date: written as the records come, each entry lands on another page of a large
 * tree (a fifth of the writer's time in an apply of 100 000 items). Written sorted,
 * consecutive entries share their pages, and the tree is walked once from left to right.
 *
 * Only an index that no check of a put reads may wait: nothing reads the report's index
 * inside a write (report.c reads it for queries). The batch belongs to one call of
 * store_apply (of 1 024 records or more: BATCH_MIN_RECORDS in bulk.c) and is written before
 * its transaction commits, so readers never see a revision without its entries; it holds at
 * most max_bytes (INDEX_BATCH_MAX_BYTES), and a larger apply writes it in sorted runs.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

#define PREFIX_WORDS 3
#define PREFIX_BYTES (8 * PREFIX_WORDS)

struct index_entry {
	/* The first bytes of key and value, big-endian and zero-padded: most comparisons end
	 * here, without a call to memcmp (a report value, date and item id, fits in 24). */
	uint64_t kp[PREFIX_WORDS], vp[PREFIX_WORDS];
	size_t off; /* key, then value, in the batch's bytes */
	uint16_t klen, vlen;
	uint32_t seq; /* order of arrival: a delete and a put of one entry keep their order */
	bool add;
};

static void prefix(uint64_t p[PREFIX_WORDS], const void *data, size_t len)
{
	const unsigned char *d = data;

	memset(p, 0, PREFIX_BYTES);
	for (size_t i = 0; i < PREFIX_BYTES && i < len; i++)
		p[i / 8] |= (uint64_t)d[i] << (56 - 8 * (i % 8));
}

void index_batch_init(struct index_batch *b, MDB_dbi dbi)
{
	memset(b, 0, sizeof *b);
	b->dbi = dbi;
	b->max_bytes = INDEX_BATCH_MAX_BYTES;
}

void index_batch_release(struct index_batch *b)
{
	bulk_mem_free(b->entries, b->entries_size);
	bulk_mem_free(b->bytes, b->bytes_size);
	memset(b, 0, sizeof *b);
}

/* Room in p (of *size bytes) for need bytes. */
static bool room(void **p, size_t *size, size_t need)
{
	void *q;

	if (*p != NULL && need <= *size)
		return true;
	q = bulk_mem_grow(*p, size, need);
	if (q == NULL)
		return false;
	*p = q;
	return true;
}

int index_batch_add(store_txn *t, struct index_batch *b, const MDB_val *k, const MDB_val *v,
                    bool add, struct store_error *err)
{
	struct index_entry *e;

	// A full batch is written now, as one sorted run: entries written in runs land as
	// they would all at once, since each run holds later arrivals than the one before.
	if (b->n > 0 &&
	    (b->n + 1) * sizeof *b->entries + b->used + k->mv_size + v->mv_size > b->max_bytes &&
	    index_batch_write(t, b, err) != RG_OK)
		return txn_status(t, err);
	if (k->mv_size > UINT16_MAX || v->mv_size > UINT16_MAX ||
	    !room((void **)&b->entries, &b->entries_size, (b->n + 1) * sizeof *b->entries) ||
	    !room((void **)&b->bytes, &b->bytes_size, b->used + k->mv_size + v->mv_size))
		return txn_fail(t, store_fail(err, RG_ENOMEM, NULL, "out of memory"), err);
	e = &b->entries[b->n];
	e->off = b->used;
	e->klen = (uint16_t)k->mv_size;
	e->vlen = (uint16_t)v->mv_size;
	e->seq = (uint32_t)b->n;
	e->add = add;
	prefix(e->kp, k->mv_data, k->mv_size);
	prefix(e->vp, v->mv_data, v->mv_size);
	memcpy(b->bytes + b->used, k->mv_data, k->mv_size);
	memcpy(b->bytes + b->used + k->mv_size, v->mv_data, v->mv_size);
	b->used += k->mv_size + v->mv_size;
	b->n++;
	return RG_OK;
}

/* LMDB's default order of keys and of values: bytes, then the shorter first. Zero padding
 * sorts a prefix as that order does. */
static int cmp_bytes(const uint64_t ap[PREFIX_WORDS], const char *a, size_t an,
                     const uint64_t bp[PREFIX_WORDS], const char *b, size_t bn)
{
	int c;

	for (int i = 0; i < PREFIX_WORDS; i++)
		if (ap[i] != bp[i])
			return ap[i] < bp[i] ? -1 : 1;
	if (an <= PREFIX_BYTES && an == bn)
		return 0;
	c = memcmp(a, b, an < bn ? an : bn);
	return c != 0 ? c : (an > bn) - (an < bn);
}

static int cmp_entry(const void *pa, const void *pb, void *arg)
{
	const struct index_entry *a = pa, *b = pb;
	const char *bytes = arg;
	int c = cmp_bytes(a->kp, bytes + a->off, a->klen, b->kp, bytes + b->off, b->klen);

	if (c == 0)
		c = cmp_bytes(a->vp, bytes + a->off + a->klen, a->vlen, b->vp,
		              bytes + b->off + b->klen, b->vlen);
	if (c == 0)
		c = (a->seq > b->seq) - (a->seq < b->seq);
	return c;
}

int index_batch_write(store_txn *t, struct index_batch *b, struct store_error *err)
{
	if (b->n > 1) /* an empty batch has no array at all */
		qsort_r(b->entries, b->n, sizeof *b->entries, cmp_entry, b->bytes);
	for (size_t i = 0; i < b->n && txn_status(t, err) == RG_OK; i++) {
		const struct index_entry *e = &b->entries[i];
		MDB_val k = { e->klen, b->bytes + e->off };
		MDB_val v = { e->vlen, b->bytes + e->off + e->klen };

		/* An entry already there, or already gone, is what was asked for (as when
		 * written at once); any other failure sticks in t. */
		if (e->add)
			txn_put(t, b->dbi, &k, &v, MDB_NODUPDATA, err);
		else
			txn_del(t, b->dbi, &k, &v, err);
	}
	b->n = b->used = 0; /* the mappings stay, for the next run */
	return txn_status(t, err);
}
