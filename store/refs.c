/*
 * refs.c - the one walk over the reference index: the records of one kind that refer to
 * a record (env.c: refs holds tag(target) + target id -> tag(source) + source id, and the
 * sources of one kind sort together under the target's key).
 *
 * An entry that is malformed, or names a record that does not exist or does not decode,
 * breaks an invariant of the store: the walk stops with RG_ECORRUPT, and store_check
 * reports the same entry (check.c).
 */
#include <stdio.h>
#include <string.h>

#include "store_int.h"

/* The error for a bad entry under target, naming the source as far as it can be read. */
static int bad_entry(const struct kind_info *target, const char *target_id,
                     const struct kind_info *source, const MDB_val *v, const char *what,
                     struct store_error *err)
{
	int n = v->mv_size > 1 && v->mv_size <= STORE_ID_MAX + 1 ? (int)v->mv_size - 1 : 0;

	return store_fail(err, RG_ECORRUPT, NULL,
	                  "reference index of %s '%s' names %s '%.*s', which %s (run "
	                  "'registryd check')",
	                  target->name, target_id, source->name, n, (const char *)v->mv_data + 1,
	                  what);
}

/* One walk under a target: what a step needs to read an entry and to name a bad one. */
struct ref_walk {
	store_txn *t;
	const struct kind_info *tk, *sk;
	enum store_kind source;
	const char *target_id;
	struct store_error *err;
	int code; /* a bad entry's RG_ECORRUPT, or RG_OK */
	int mdb;  /* an LMDB error of a step, or 0 */
};

/* Calls step for the entry (the source's tag, then its id) of every source of kind source
 * under target_id, in id order, until a step returns REFS_STOP. */
static int walk(store_txn *t, enum store_kind target, const char *target_id, enum store_kind source,
                struct store_error *err,
                int (*step)(struct ref_walk *w, const MDB_val *entry, void *arg), void *arg)
{
	struct ref_walk w = { .t = t,
		              .tk = kind_get(target),
		              .sk = kind_get(source),
		              .source = source,
		              .target_id = target_id,
		              .err = err };
	char kbuf[STORE_ID_MAX + 2], tag = w.sk->tag;
	MDB_val k = { index_key(kbuf, w.tk->tag, target_id), kbuf }, v = { 1, &tag };
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->st->refs, &c);

	if (rc != 0)
		return store_mdb_err(t, rc, err);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_GET_BOTH_RANGE);
	     rc == 0 && v.mv_size > 0 && ((const char *)v.mv_data)[0] == tag;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP)) {
		if (v.mv_size < 2 || v.mv_size > STORE_ID_MAX + 1) {
			w.code = bad_entry(w.tk, target_id, w.sk, &v, "is not a valid id", err);
			break;
		}
		if (step(&w, &v, arg) == REFS_STOP)
			break;
	}
	mdb_cursor_close(c);
	if (w.code != RG_OK)
		return w.code;
	if (w.mdb != 0)
		rc = w.mdb;
	return rc == 0 || rc == MDB_NOTFOUND ? RG_OK : store_mdb_err(t, rc, err);
}

struct decoded {
	int (*fn)(ProtobufCMessage *rec, void *arg);
	void *arg;
};

/* A step of refs_each: the source record, read and decoded, to fn. */
static int decoded_step(struct ref_walk *w, const MDB_val *entry, void *arg)
{
	const struct decoded *d = arg;
	MDB_val key = { entry->mv_size - 1, (char *)entry->mv_data + 1 }, val;
	ProtobufCMessage *rec;
	int rc = mdb_get(w->t->txn, w->t->st->records[w->source], &key, &val), step;

	if (rc == MDB_NOTFOUND) {
		w->code = bad_entry(w->tk, w->target_id, w->sk, entry, "does not exist", w->err);
		return REFS_STOP;
	}
	if (rc != 0) {
		w->mdb = rc;
		return REFS_STOP;
	}
	rec = protobuf_c_message_unpack(w->sk->desc, NULL, val.mv_size, val.mv_data);
	if (rec == NULL) {
		w->code = bad_entry(w->tk, w->target_id, w->sk, entry, "does not decode", w->err);
		return REFS_STOP;
	}
	step = d->fn(rec, d->arg);
	if (step != REFS_KEPT)
		protobuf_c_message_free_unpacked(rec, NULL);
	return step == REFS_STOP ? REFS_STOP : REFS_NEXT;
}

int refs_each(store_txn *t, enum store_kind target, const char *target_id, enum store_kind source,
              int (*fn)(ProtobufCMessage *rec, void *arg), void *arg, struct store_error *err)
{
	struct decoded d = { fn, arg };

	return walk(t, target, target_id, source, err, decoded_step, &d);
}

struct ids {
	int (*fn)(const char *id, size_t len, void *arg);
	void *arg;
};

/* A step of refs_each_id: the source's id, from the entry alone. */
static int id_step(struct ref_walk *w, const MDB_val *entry, void *arg)
{
	const struct ids *d = arg;

	(void)w;
	return d->fn((const char *)entry->mv_data + 1, entry->mv_size - 1, d->arg) == REFS_STOP
	               ? REFS_STOP
	               : REFS_NEXT;
}

int refs_each_id(store_txn *t, enum store_kind target, const char *target_id,
                 enum store_kind source, int (*fn)(const char *id, size_t len, void *arg),
                 void *arg, struct store_error *err)
{
	struct ids d = { fn, arg };

	return walk(t, target, target_id, source, err, id_step, &d);
}
