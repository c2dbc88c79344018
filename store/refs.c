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

int refs_each(store_txn *t, enum store_kind target, const char *target_id, enum store_kind source,
              int (*fn)(ProtobufCMessage *rec, void *arg), void *arg, struct store_error *err)
{
	const struct kind_info *tk = kind_get(target), *sk = kind_get(source);
	char kbuf[STORE_ID_MAX + 2], tag = sk->tag;
	MDB_val k = { index_key(kbuf, tk->tag, target_id), kbuf }, v = { 1, &tag };
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->st->refs, &c), code = RG_OK;

	if (rc != 0)
		return store_mdb_err(t, rc, err);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_GET_BOTH_RANGE);
	     rc == 0 && v.mv_size > 0 && ((const char *)v.mv_data)[0] == tag;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP)) {
		MDB_val key = { v.mv_size - 1, (char *)v.mv_data + 1 }, val;
		ProtobufCMessage *rec;
		int step;

		if (v.mv_size < 2 || v.mv_size > STORE_ID_MAX + 1) {
			code = bad_entry(tk, target_id, sk, &v, "is not a valid id", err);
			break;
		}
		rc = mdb_get(t->txn, t->st->records[source], &key, &val);
		if (rc == MDB_NOTFOUND) {
			code = bad_entry(tk, target_id, sk, &v, "does not exist", err);
			break;
		}
		if (rc != 0)
			break;
		rec = protobuf_c_message_unpack(sk->desc, NULL, val.mv_size, val.mv_data);
		if (rec == NULL) {
			code = bad_entry(tk, target_id, sk, &v, "does not decode", err);
			break;
		}
		step = fn(rec, arg);
		if (step != REFS_KEPT)
			protobuf_c_message_free_unpacked(rec, NULL);
		if (step == REFS_STOP)
			break;
	}
	mdb_cursor_close(c);
	if (code != RG_OK)
		return code;
	return rc == 0 || rc == MDB_NOTFOUND ? RG_OK : store_mdb_err(t, rc, err);
}
