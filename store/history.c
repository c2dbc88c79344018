/*
 * history.c - every change of one record, found from the record and the changelog.
 *
 * The changelog is keyed by revision + seq. Each change after a record's first carries the
 * record as it was (before), whose meta.mod_revision is the revision of the record's
 * previous change. So a record's changes form chains, newest first: one from the stored
 * record (its mod_revision) and one from each delete of it, each back to a create.
 *
 * Two things a revision-ordered changelog does not answer alone, the history index does
 * (DUPSORT tag + id -> changelog key):
 *   - which change of a revision is the record's when the revision holds more than one (a
 *     bulk apply, a transfer): every change of such a revision has its entry;
 *   - where the chain of a deleted record starts: every delete has its entry.
 * A single put, the common write, adds nothing to the index: its revision holds one change,
 * so the revision alone finds it. Stores written before schema 4 hold an entry for every
 * change; that superset reads the same.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static void change_key(uint8_t key[12], uint64_t rev, uint32_t seq)
{
	for (int i = 0; i < 8; i++)
		key[i] = (uint8_t)(rev >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		key[8 + i] = (uint8_t)(seq >> (24 - 8 * i));
}

static uint64_t key_rev(const uint8_t *key)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | key[i];
	return v;
}

static uint32_t key_seq(const uint8_t *key)
{
	return (uint32_t)key[8] << 24 | (uint32_t)key[9] << 16 | (uint32_t)key[10] << 8 | key[11];
}

static bool change_is_of(const Stdreg__V1__Change *ch, const struct kind_info *ki, const char *id)
{
	return (enum store_kind)ch->kind == ki->kind && ch->id != NULL && strcmp(ch->id, id) == 0;
}

/* Adds the index entry tag+id -> key (already there: nothing to do). */
static int index_put(store_txn *t, char tag, const char *id, const uint8_t key[12],
                     struct store_error *err)
{
	char hkey[STORE_ID_MAX + 2];
	MDB_val hk = { index_key(hkey, tag, id), hkey }, hv = { 12, (void *)key };
	int rc = txn_put(t, t->st->history, &hk, &hv, MDB_NODUPDATA, err);

	return rc == RG_EEXIST ? RG_OK : rc;
}

int history_note_change(store_txn *t, const struct kind_info *ki, const char *id, int op,
                        struct store_error *err)
{
	uint8_t key[12];
	int rc = RG_OK;

	/* The revision's second change: the first one needs its entry now. */
	if (t->seq == 1) {
		Stdreg__V1__Change *first = NULL;
		const struct kind_info *fk;
		MDB_val k = { 12, key };

		change_key(key, t->revision, 0);
		rc = read_change(t, &k, &first);
		if (rc != RG_OK)
			return txn_fail(t,
			                store_fail(err, rc, NULL, "cannot read change %llu.0",
			                           (unsigned long long)t->revision),
			                err);
		fk = kind_get((enum store_kind)first->kind);
		rc = fk ? index_put(t, fk->tag, first->id, key, err) : RG_ECORRUPT;
		stdreg__v1__change__free_unpacked(first, NULL);
		if (rc != RG_OK)
			return txn_fail(t,
			                store_fail(err, rc, NULL, "change %llu.0 names no record",
			                           (unsigned long long)t->revision),
			                err);
	}
	if (op != STDREG__V1__OP__OP_DELETE && t->seq == 0)
		return RG_OK;
	change_key(key, t->revision, t->seq);
	return index_put(t, ki->tag, id, key, err);
}

/* The index entry of (ki, id) at revision rev with seq < below, the last such, into key. */
static int index_find(store_txn *t, const struct kind_info *ki, const char *id, uint64_t rev,
                      uint32_t below, uint8_t key[12])
{
	char hkey[STORE_ID_MAX + 2];
	uint8_t bound[12];
	MDB_val hk = { index_key(hkey, ki->tag, id), hkey }, hv = { 12, bound };
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->st->history, &c);

	if (rc != 0)
		return store_mdb_err(t, rc, NULL);
	change_key(bound, rev, below);
	rc = mdb_cursor_get(c, &hk, &hv, MDB_GET_BOTH_RANGE);
	if (rc == 0) {
		rc = mdb_cursor_get(c, &hk, &hv, MDB_PREV_DUP);
	} else if (rc == MDB_NOTFOUND) {
		/* Every entry is below the bound (or there are none): the last one. */
		hk.mv_size = index_key(hkey, ki->tag, id);
		hk.mv_data = hkey;
		rc = mdb_cursor_get(c, &hk, &hv, MDB_SET_KEY);
		if (rc == 0)
			rc = mdb_cursor_get(c, &hk, &hv, MDB_LAST_DUP);
	}
	if (rc == 0 && (hv.mv_size != 12 || key_rev(hv.mv_data) != rev))
		rc = MDB_NOTFOUND;
	if (rc == 0)
		memcpy(key, hv.mv_data, 12);
	mdb_cursor_close(c);
	return rc == 0 ? RG_OK : rc == MDB_NOTFOUND ? RG_ENOENT : store_mdb_err(t, rc, NULL);
}

int history_find(store_txn *t, const struct kind_info *ki, const char *id, uint64_t rev,
                 uint32_t below, uint8_t key[12], Stdreg__V1__Change **out)
{
	uint8_t first[12];
	MDB_val k = { 12, first }, v;
	MDB_cursor *c;
	bool alone = false;
	int rc = mdb_cursor_open(t->txn, t->st->changelog, &c);

	if (rc != 0)
		return store_mdb_err(t, rc, NULL);
	change_key(first, rev, 0);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
	if (rc == 0) {
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		alone = rc == MDB_NOTFOUND ||
		        (rc == 0 && (k.mv_size < 8 || key_rev(k.mv_data) != rev));
		rc = rc == MDB_NOTFOUND ? 0 : rc;
	}
	mdb_cursor_close(c);
	if (rc != 0)
		return rc == MDB_NOTFOUND ? RG_ENOENT : store_mdb_err(t, rc, NULL);
	if (alone) {
		if (below == 0)
			return RG_ENOENT;
		memcpy(key, first, 12);
	} else if ((rc = index_find(t, ki, id, rev, below, key)) != RG_OK) {
		return rc;
	}
	k.mv_size = 12;
	k.mv_data = key;
	rc = read_change(t, &k, out);
	if (rc == RG_OK && !change_is_of(*out, ki, id)) {
		stdreg__v1__change__free_unpacked(*out, NULL);
		*out = NULL;
		/* alone: the revision changed another record; else the index is wrong */
		return alone ? RG_ENOENT : RG_ECORRUPT;
	}
	return rc;
}

int history_previous(const struct kind_info *ki, const Stdreg__V1__Change *ch, uint64_t *rev)
{
	ProtobufCMessage *before;
	Stdreg__V1__Meta *meta;

	if (ch->before.len == 0)
		return RG_ENOENT;
	before = protobuf_c_message_unpack(ki->desc, NULL, ch->before.len, ch->before.data);
	if (before == NULL)
		return RG_ECORRUPT;
	meta = *msg_meta(before);
	*rev = meta ? meta->mod_revision : 0;
	protobuf_c_message_free_unpacked(before, NULL);
	return *rev > 0 && *rev <= ch->revision ? RG_OK : RG_ECORRUPT;
}

/* --- reading a record's history -------------------------------------------------------- */

struct found_change {
	uint8_t key[12];
	Stdreg__V1__Change *ch;
};

struct walk {
	store_txn *t;
	const struct kind_info *ki;
	const char *id;
	struct found_change *v;
	size_t n, cap;
};

static int walk_add(struct walk *w, const uint8_t key[12], Stdreg__V1__Change *ch)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct found_change *grown = realloc(w->v, cap * sizeof(*grown));
		if (grown == NULL)
			return RG_ENOMEM;
		w->v = grown;
		w->cap = cap;
	}
	memcpy(w->v[w->n].key, key, 12);
	w->v[w->n++].ch = ch;
	return RG_OK;
}

/* Follows one chain from the change ch (owned: kept or freed) under key back to its create. */
static int walk_chain(struct walk *w, uint8_t key[12], Stdreg__V1__Change *ch)
{
	for (;;) {
		uint64_t prev, rev = key_rev(key);
		int rc = walk_add(w, key, ch);

		if (rc != RG_OK) {
			stdreg__v1__change__free_unpacked(ch, NULL);
			return rc;
		}
		rc = history_previous(w->ki, ch, &prev);
		if (rc == RG_ENOENT)
			return RG_OK; /* a create: the chain's start */
		if (rc != RG_OK)
			return rc;
		/* A change earlier in the same revision comes before this one's seq. */
		rc = history_find(w->t, w->ki, w->id, prev, prev == rev ? key_seq(key) : UINT32_MAX,
		                  key, &ch);
		if (rc != RG_OK)
			return rc == RG_ENOENT ? RG_ECORRUPT : rc;
	}
}

static int cmp_found(const void *a, const void *b)
{
	return memcmp(((const struct found_change *)a)->key, ((const struct found_change *)b)->key,
	              12);
}

/* The chain from the stored record, if there is one. */
static int walk_from_record(struct walk *w)
{
	MDB_val k = { strlen(w->id), (void *)w->id }, v;
	ProtobufCMessage *rec;
	Stdreg__V1__Change *ch = NULL;
	uint8_t key[12];
	uint64_t rev;
	int rc = mdb_get(w->t->txn, w->t->st->records[w->ki->kind], &k, &v);

	if (rc == MDB_NOTFOUND)
		return RG_OK;
	if (rc != 0)
		return store_mdb_err(w->t, rc, NULL);
	rec = protobuf_c_message_unpack(w->ki->desc, NULL, v.mv_size, v.mv_data);
	if (rec == NULL)
		return RG_ECORRUPT;
	rev = *msg_meta(rec) ? (*msg_meta(rec))->mod_revision : 0;
	protobuf_c_message_free_unpacked(rec, NULL);
	rc = history_find(w->t, w->ki, w->id, rev, UINT32_MAX, key, &ch);
	if (rc != RG_OK)
		return rc == RG_ENOENT ? RG_ECORRUPT : rc;
	return walk_chain(w, key, ch);
}

/* The chains from the deletes in the index. */
static int walk_from_deletes(struct walk *w)
{
	char hkey[STORE_ID_MAX + 2];
	MDB_val hk = { index_key(hkey, w->ki->tag, w->id), hkey }, hv;
	MDB_cursor *c;
	int code = RG_OK, rc = mdb_cursor_open(w->t->txn, w->t->st->history, &c);

	if (rc != 0)
		return store_mdb_err(w->t, rc, NULL);
	for (rc = mdb_cursor_get(c, &hk, &hv, MDB_SET_KEY); rc == 0 && code == RG_OK;
	     rc = mdb_cursor_get(c, &hk, &hv, MDB_NEXT_DUP)) {
		Stdreg__V1__Change *ch = NULL;
		uint8_t key[12];

		if (hv.mv_size != 12) {
			code = RG_ECORRUPT;
			break;
		}
		memcpy(key, hv.mv_data, 12);
		code = read_change(w->t, &hv, &ch);
		if (code != RG_OK)
			break;
		if (!change_is_of(ch, w->ki, w->id))
			code = RG_ECORRUPT;
		if (code != RG_OK || ch->op != STDREG__V1__OP__OP_DELETE)
			stdreg__v1__change__free_unpacked(ch, NULL);
		else
			code = walk_chain(w, key, ch);
	}
	mdb_cursor_close(c);
	if (code != RG_OK)
		return code;
	return rc == 0 || rc == MDB_NOTFOUND ? RG_OK : store_mdb_err(w->t, rc, NULL);
}

int history_each(store_txn *t, enum store_kind k, const char *id,
                 int (*fn)(const Stdreg__V1__Change *ch, void *arg), void *arg, size_t *count)
{
	struct walk w = { .t = t, .ki = kind_get(k), .id = id };
	int rc = w.ki && strlen(id) <= STORE_ID_MAX ? RG_OK : RG_EINVAL;

	if (rc == RG_OK)
		rc = walk_from_record(&w);
	if (rc == RG_OK)
		rc = walk_from_deletes(&w);
	if (rc == RG_OK && w.n > 1)
		qsort(w.v, w.n, sizeof(w.v[0]), cmp_found);
	/* Two chains through one change: the links are not a history. */
	for (size_t i = 1; rc == RG_OK && i < w.n; i++)
		if (memcmp(w.v[i - 1].key, w.v[i].key, 12) == 0)
			rc = RG_ECORRUPT;
	for (size_t i = 0; rc == RG_OK && i < w.n; i++)
		rc = fn(w.v[i].ch, arg);
	for (size_t i = 0; i < w.n; i++)
		stdreg__v1__change__free_unpacked(w.v[i].ch, NULL);
	free(w.v);
	if (rc == RG_OK && count != NULL)
		*count = w.n;
	return rc;
}
