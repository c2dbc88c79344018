/*
 * check_history.c - store_check's walk of the changelog and the history index: keys and
 * revisions in order, before-images that match the previous change, history index entries
 * where history.c needs them, and every change in exactly one record's history (the top of
 * check.c describes the whole check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

void chk_keys_add(struct checker *c, struct keys *l, const uint8_t key[12])
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		uint8_t(*grown)[12] = realloc(l->v, cap * sizeof(*grown));
		if (grown == NULL) {
			c->fatal = RG_ENOMEM;
			return;
		}
		l->v = grown;
		l->cap = cap;
	}
	memcpy(l->v[l->n++], key, 12);
}

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, 12);
}

/* Does the revision of key hold more than one change? */
static bool revision_shared(struct checker *c, const uint8_t *key)
{
	uint8_t next[12];
	MDB_val k = { 12, next }, v;

	if (chk_be_get(key + 8, 4) > 0)
		return true;
	memcpy(next, key, 8);
	memset(next + 8, 0, 4);
	next[11] = 1;
	return mdb_get(c->t->txn, c->t->st->changelog, &k, &v) == 0;
}

/* What lets history.c find the change ch (under key) and the one before it. */
static void check_change_links(struct checker *c, const struct kind_info *ki,
                               const Stdreg__V1__Change *ch, const uint8_t *key, const char *show)
{
	char hkey[STORE_ID_MAX + 2];
	uint8_t prev_key[12];
	Stdreg__V1__Change *prev = NULL;
	uint64_t rev = chk_be_get(key, 8), prev_rev;
	int rc;

	if (ch->op == STDREG__V1__OP__OP_DELETE || revision_shared(c, key)) {
		MDB_val hk = { index_key(hkey, ki->tag, ch->id), hkey }, hv = { 12, (void *)key };
		MDB_cursor *cur;
		rc = mdb_cursor_open(c->t->txn, c->t->st->history, &cur);
		if (rc == 0) {
			rc = mdb_cursor_get(cur, &hk, &hv, MDB_GET_BOTH);
			mdb_cursor_close(cur);
		}
		if (rc == MDB_NOTFOUND)
			chk_report(c, "changelog", show,
			           "change of %s '%s' is not in its history index", ki->name,
			           ch->id);
		else if (rc != 0)
			chk_lmdb_failed(c, rc);
	}
	if (ch->op != STDREG__V1__OP__OP_DELETE)
		chk_keys_add(c, &c->open_ends, key);
	rc = history_previous(ki, ch, &prev_rev);
	if (rc == RG_ENOENT) {
		if (ch->op != STDREG__V1__OP__OP_CREATE)
			chk_report(c, "changelog", show, "%s of %s '%s' has no before-image",
			           ch->op == STDREG__V1__OP__OP_DELETE ? "delete" : "update",
			           ki->name, ch->id);
		return;
	}
	if (rc != RG_OK) {
		chk_report(c, "changelog", show,
		           "before-image of %s '%s' does not decode or names a later revision",
		           ki->name, ch->id);
		return;
	}
	rc = history_find(c->t, ki, ch->id, prev_rev,
	                  prev_rev == rev ? chk_be_get(key + 8, 4) : UINT32_MAX, prev_key, &prev);
	if (rc == RG_ENOENT || rc == RG_ECORRUPT) {
		chk_report(c, "changelog", show,
		           "previous change of %s '%s' (revision %llu) is not in the changelog",
		           ki->name, ch->id, (unsigned long long)prev_rev);
		return;
	}
	if (rc != RG_OK) {
		c->fatal = rc == RG_ENOMEM ? RG_ENOMEM : RG_EIO;
		return;
	}
	if (prev->after.len != ch->before.len ||
	    memcmp(prev->after.data, ch->before.data, ch->before.len) != 0)
		chk_report(c, "changelog", show,
		           "before-image of %s '%s' is not what its previous change wrote",
		           ki->name, ch->id);
	chk_keys_add(c, &c->linked, prev_key);
	stdreg__v1__change__free_unpacked(prev, NULL);
}

/* Every change but a delete is followed by exactly one thing: a later change of its record,
 * or the record itself (it is at that change). Otherwise a history would miss it. */
void check_chains(struct checker *c)
{
	char show[40];

	if (c->linked.n > 1)
		qsort(c->linked.v, c->linked.n, 12, cmp_key);
	for (size_t i = 1; i < c->linked.n; i++)
		if (memcmp(c->linked.v[i - 1], c->linked.v[i], 12) == 0) {
			snprintf(show, sizeof(show), "%llu.%u",
			         (unsigned long long)chk_be_get(c->linked.v[i], 8),
			         (unsigned)chk_be_get(c->linked.v[i] + 8, 4));
			chk_report(c, "changelog", show, "change is followed by two later changes");
		}
	for (size_t i = 0; i < c->open_ends.n; i++)
		if (c->linked.n == 0 ||
		    bsearch(c->open_ends.v[i], c->linked.v, c->linked.n, 12, cmp_key) == NULL) {
			snprintf(show, sizeof(show), "%llu.%u",
			         (unsigned long long)chk_be_get(c->open_ends.v[i], 8),
			         (unsigned)chk_be_get(c->open_ends.v[i] + 8, 4));
			chk_report(c, "changelog", show,
			           "change is in no history (no later change of its record follows "
			           "it, "
			           "and the record is not at it)");
		}
}

static void check_change(struct checker *c, const MDB_val *k, const MDB_val *v, uint64_t *last_rev,
                         uint32_t *next_seq)
{
	char show[40];
	uint64_t rev;
	uint32_t seq;

	c->stats.changes++;
	if (k->mv_size != 12) {
		chk_report(c, "changelog", "", "key of %zu bytes, not 12", k->mv_size);
		return;
	}
	rev = chk_be_get(k->mv_data, 8);
	seq = (uint32_t)chk_be_get((const uint8_t *)k->mv_data + 8, 4);
	snprintf(show, sizeof(show), "%llu.%u", (unsigned long long)rev, seq);
	if (rev == 0 || rev > c->revision)
		chk_report(c, "changelog", show,
		           "revision is outside 1..%llu (the store's revision)",
		           (unsigned long long)c->revision);
	if (rev != *last_rev) {
		if (rev != *last_rev + 1 && rev > *last_rev)
			chk_report(c, "changelog", show, "revisions %llu..%llu are missing",
			           (unsigned long long)*last_rev + 1, (unsigned long long)rev - 1);
		*last_rev = rev;
		*next_seq = 0;
	}
	if (seq != *next_seq)
		chk_report(c, "changelog", show, "sequence number %u, expected %u", seq, *next_seq);
	*next_seq = seq + 1;

	Stdreg__V1__Change *ch = stdreg__v1__change__unpack(NULL, v->mv_size, v->mv_data);
	if (ch == NULL) {
		chk_report(c, "changelog", show, "value does not decode as stdreg.v1.Change");
		return;
	}
	const struct kind_info *ki = kind_get((enum store_kind)ch->kind);
	if (ch->revision != rev)
		chk_report(c, "changelog", show, "change says revision %llu",
		           (unsigned long long)ch->revision);
	if (ki == NULL || str_empty(ch->id))
		chk_report(c, "changelog", show, "change names no record");
	else
		check_change_links(c, ki, ch, k->mv_data, show);
	stdreg__v1__change__free_unpacked(ch, NULL);
}

void check_changelog(struct checker *c)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t last_rev = 0;
	uint32_t next_seq = 0;
	int rc = mdb_cursor_open(c->t->txn, c->t->st->changelog, &cur);

	if (rc != 0) {
		chk_lmdb_failed(c, rc);
		return;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && c->fatal == RG_OK;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		check_change(c, &k, &v, &last_rev, &next_seq);
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		chk_lmdb_failed(c, rc);
		return;
	}
	if (last_rev < c->revision)
		chk_report(c, "changelog", "",
		           "the changelog ends at revision %llu, the store is at %llu",
		           (unsigned long long)last_rev, (unsigned long long)c->revision);
}

static void check_history_entry(struct checker *c, const MDB_val *k, const MDB_val *v)
{
	char show[200];
	MDB_val cv, ck = *v;
	int rc;

	chk_show_tagged(k, show, sizeof(show));
	if (v->mv_size != 12) {
		chk_report(c, "history", show, "entry of %zu bytes, not a changelog key",
		           v->mv_size);
		return;
	}
	rc = mdb_get(c->t->txn, c->t->st->changelog, &ck, &cv);
	if (rc == MDB_NOTFOUND) {
		chk_report(c, "history", show,
		           "entry points to revision %llu.%u, not in the changelog",
		           (unsigned long long)chk_be_get(v->mv_data, 8),
		           (unsigned)chk_be_get((const uint8_t *)v->mv_data + 8, 4));
		return;
	}
	if (rc != 0) {
		chk_lmdb_failed(c, rc);
		return;
	}
	Stdreg__V1__Change *ch = stdreg__v1__change__unpack(NULL, cv.mv_size, cv.mv_data);
	if (ch == NULL)
		return; /* reported by check_changelog */
	const struct kind_info *ki = kind_get((enum store_kind)ch->kind);
	if (ki == NULL || k->mv_size < 1 || ((const char *)k->mv_data)[0] != ki->tag ||
	    strlen(ch->id) != k->mv_size - 1 ||
	    memcmp(ch->id, (const char *)k->mv_data + 1, k->mv_size - 1) != 0)
		chk_report(c, "history", show, "entry points to a change of another record");
	stdreg__v1__change__free_unpacked(ch, NULL);
}

void check_history(struct checker *c)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(c->t->txn, c->t->st->history, &cur);

	if (rc != 0) {
		chk_lmdb_failed(c, rc);
		return;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && c->fatal == RG_OK;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		check_history_entry(c, &k, &v);
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		chk_lmdb_failed(c, rc);
}
