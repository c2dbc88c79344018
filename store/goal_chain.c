/*
 * goal_chain.c - a goal's follow-ups in sequence, and the bulk apply's cache of them.
 *
 * Each follow-up appended to a goal is checked against, and folded with, every entry before
 * it. Reading and decoding the whole chain again for each appended entry made an apply of
 * one goal's history quadratic in decodes (2 000 check-ins: 2.7 s of commit). Within one
 * apply a chain only grows: follow-ups are never changed or deleted, each is GOAL/SEQ with
 * SEQ the next number, and the apply's transaction has no child that could be undone on its
 * own. So a chain read once stays a prefix of the stored one, and what was appended since
 * is found by id: GOAL/n+1, GOAL/n+2 ... The cache holds a bounded number of decoded
 * entries; past that it starts again empty, and a miss costs one read of the chain, as
 * every load did before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goal_load.h"

#define GOAL_CHAIN_ID_MAX 256 /* GOAL/SEQ: ids are at most 200 bytes */

struct chain {
	char *goal_id;
	Stdreg__V1__FollowUp **fus;
	size_t n, cap;
};

struct goal_chains {
	struct chain **slots; /* open addressing by goal id */
	size_t nslots, used;
	size_t entries; /* decoded follow-ups held, over every chain */
	size_t max_entries;
};

/* --- reading a chain from the store ------------------------------------------------- */

struct reading {
	Stdreg__V1__FollowUp **fus;
	size_t n, cap;
};

static bool push_entry(Stdreg__V1__FollowUp ***fus, size_t *n, size_t *cap, Stdreg__V1__FollowUp *f)
{
	if (*n == *cap) {
		size_t cap2 = *cap ? *cap * 2 : 8;
		Stdreg__V1__FollowUp **grown = realloc(*fus, cap2 * sizeof(*grown));
		if (grown == NULL)
			return false;
		*fus = grown;
		*cap = cap2;
	}
	(*fus)[(*n)++] = f;
	return true;
}

static int keep_entry(ProtobufCMessage *rec, void *arg)
{
	struct reading *r = arg;

	return push_entry(&r->fus, &r->n, &r->cap, (Stdreg__V1__FollowUp *)rec) ? REFS_KEPT
	                                                                        : REFS_STOP;
}

static int cmp_seq(const void *a, const void *b)
{
	const Stdreg__V1__FollowUp *x = *(Stdreg__V1__FollowUp *const *)a;
	const Stdreg__V1__FollowUp *y = *(Stdreg__V1__FollowUp *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void free_entries(Stdreg__V1__FollowUp **fus, size_t n)
{
	for (size_t i = 0; i < n; i++)
		stdreg__v1__follow_up__free_unpacked(fus[i], NULL);
	free(fus);
}

int goal_chain_read(store_txn *t, const char *goal_id, Stdreg__V1__FollowUp ***fus, size_t *n,
                    struct store_error *err)
{
	struct reading r = { 0 };
	int rc = refs_each(t, STORE_GOAL, goal_id, STORE_FOLLOW_UP, keep_entry, &r, err);

	if (rc != RG_OK) {
		free_entries(r.fus, r.n);
		return rc;
	}
	if (r.n > 1)
		qsort(r.fus, r.n, sizeof(*r.fus), cmp_seq);
	*fus = r.fus;
	*n = r.n;
	return RG_OK;
}

/* --- the apply's cache ---------------------------------------------------------------- */

struct goal_chains *goal_chains_new(size_t max_entries)
{
	struct goal_chains *c = calloc(1, sizeof(*c));

	if (c)
		c->max_entries = max_entries;
	return c;
}

static void clear(struct goal_chains *c)
{
	for (size_t i = 0; i < c->nslots; i++) {
		struct chain *ch = c->slots[i];
		if (ch == NULL)
			continue;
		free_entries(ch->fus, ch->n);
		free(ch->goal_id);
		free(ch);
		c->slots[i] = NULL;
	}
	c->used = c->entries = 0;
}

void goal_chains_free(struct goal_chains *c)
{
	if (c == NULL)
		return;
	clear(c);
	free(c->slots);
	free(c);
}

static size_t hash_id(const char *s)
{
	size_t h = 14695981039346656037u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* The slot of goal_id: its chain's, or the empty one where it would go. */
static struct chain **slot_of(struct goal_chains *c, const char *goal_id)
{
	size_t i = hash_id(goal_id) & (c->nslots - 1);

	while (c->slots[i] != NULL && strcmp(c->slots[i]->goal_id, goal_id) != 0)
		i = (i + 1) & (c->nslots - 1);
	return &c->slots[i];
}

/* Room for one more chain: the table stays at most half full. */
static bool room_for_one(struct goal_chains *c)
{
	struct chain **old = c->slots;
	size_t nold = c->nslots;

	if ((c->used + 1) * 2 <= c->nslots)
		return true;
	c->nslots = nold ? nold * 2 : 64;
	c->slots = calloc(c->nslots, sizeof(*c->slots));
	if (c->slots == NULL) {
		c->slots = old;
		c->nslots = nold;
		return false;
	}
	for (size_t i = 0; i < nold; i++)
		if (old[i] != NULL)
			*slot_of(c, old[i]->goal_id) = old[i];
	free(old);
	return true;
}

/* Are fus[0..n) GOAL/1 ... GOAL/n, seq 1 ... n? Only such a chain can be extended by id. */
static bool in_sequence(const char *goal_id, Stdreg__V1__FollowUp *const *fus, size_t n)
{
	char id[GOAL_CHAIN_ID_MAX];

	for (size_t i = 0; i < n; i++)
		if (fus[i]->seq != i + 1)
			return false;
	if (n == 0)
		return true;
	snprintf(id, sizeof(id), "%s/%zu", goal_id, n);
	return strcmp(fus[n - 1]->id, id) == 0;
}

/* Appends to ch the entries written after its last: GOAL/n+1 and on, while they exist. */
static int catch_up(store_txn *t, struct goal_chains *c, struct chain *ch, struct store_error *err)
{
	char id[GOAL_CHAIN_ID_MAX];
	const void *val;
	size_t len;

	for (;;) {
		Stdreg__V1__FollowUp *f;
		int rc;

		snprintf(id, sizeof(id), "%s/%zu", ch->goal_id, ch->n + 1);
		rc = store_get(t, STORE_FOLLOW_UP, id, &val, &len);
		if (rc == RG_ENOENT)
			return RG_OK;
		if (rc != RG_OK)
			return store_fail(err, rc, NULL, "cannot read follow-up '%s'", id);
		f = stdreg__v1__follow_up__unpack(NULL, len, val);
		if (f == NULL)
			return store_fail(err, RG_ECORRUPT, NULL,
			                  "cannot decode stored follow-up '%s'", id);
		if (!push_entry(&ch->fus, &ch->n, &ch->cap, f)) {
			stdreg__v1__follow_up__free_unpacked(f, NULL);
			return store_fail(err, RG_ENOMEM, NULL, "out of memory");
		}
		c->entries++;
	}
}

/* Keeps a chain just read (fus[0..n), taken) as goal_id's; false when it is not kept (then
 * the caller still owns fus). */
static bool keep_chain(struct goal_chains *c, const char *goal_id, Stdreg__V1__FollowUp **fus,
                       size_t n, struct chain **out)
{
	struct chain *ch;

	if (!in_sequence(goal_id, fus, n) || n > c->max_entries)
		return false;
	if (c->entries + n > c->max_entries)
		clear(c);
	if (!room_for_one(c) || (ch = calloc(1, sizeof(*ch))) == NULL)
		return false;
	if ((ch->goal_id = strdup(goal_id)) == NULL) {
		free(ch);
		return false;
	}
	ch->fus = fus;
	ch->n = ch->cap = n;
	*slot_of(c, goal_id) = ch;
	c->used++;
	c->entries += n;
	*out = ch;
	return true;
}

int goal_chain_get(store_txn *t, const char *goal_id, Stdreg__V1__FollowUp ***fus, size_t *n,
                   bool *borrowed, struct store_error *err)
{
	struct goal_chains *c = t->goal_chains;
	struct chain *ch = NULL;
	int rc;

	*borrowed = false;
	if (c == NULL || strlen(goal_id) > GOAL_CHAIN_ID_MAX - 24)
		return goal_chain_read(t, goal_id, fus, n, err);
	if (c->nslots > 0)
		ch = *slot_of(c, goal_id);
	if (ch == NULL) {
		if ((rc = goal_chain_read(t, goal_id, fus, n, err)) != RG_OK)
			return rc;
		if (!keep_chain(c, goal_id, *fus, *n, &ch))
			return RG_OK; /* the caller owns what was read */
	} else if ((rc = catch_up(t, c, ch, err)) != RG_OK) {
		return rc;
	}
	*fus = ch->fus;
	*n = ch->n;
	*borrowed = true;
	return RG_OK;
}
