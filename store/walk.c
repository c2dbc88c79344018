/*
 * walk.c - the one walk over the records of one kind, in id order (the sibling of refs.c,
 * which walks the records that refer to one record).
 *
 * A value that does not decode breaks an invariant of the store: the walk stops with
 * RG_ECORRUPT naming its key, as store_check reports it (check.c: records).
 */
#include <string.h>

#include "store_int.h"

int records_each(store_txn *t, enum store_kind k, const char *after,
                 int (*fn)(ProtobufCMessage *rec, void *arg), void *arg, struct store_error *err)
{
	const struct kind_info *ki = kind_get(k);
	size_t alen = after ? strlen(after) : 0;
	MDB_val key = { alen, (void *)after }, v;
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->st->records[k], &c), code = RG_OK;

	if (rc != 0)
		return store_mdb_err(t, rc, err);
	rc = mdb_cursor_get(c, &key, &v, alen ? MDB_SET_RANGE : MDB_FIRST);
	if (rc == 0 && alen && key.mv_size == alen && memcmp(key.mv_data, after, alen) == 0)
		rc = mdb_cursor_get(c, &key, &v, MDB_NEXT); /* after: not at */
	for (; rc == 0; rc = mdb_cursor_get(c, &key, &v, MDB_NEXT)) {
		ProtobufCMessage *rec =
		        protobuf_c_message_unpack(ki->desc, NULL, v.mv_size, v.mv_data);
		int step;

		if (rec == NULL) {
			code = store_fail(
			        err, RG_ECORRUPT, NULL,
			        "stored %s '%.*s' does not decode (run 'registryd check')",
			        ki->name, (int)(key.mv_size < 64 ? key.mv_size : 64),
			        (const char *)key.mv_data);
			break;
		}
		step = fn(rec, arg);
		if (!(step & REFS_KEPT))
			protobuf_c_message_free_unpacked(rec, NULL);
		if (step & REFS_STOP)
			break;
	}
	mdb_cursor_close(c);
	if (code != RG_OK)
		return code;
	return rc == 0 || rc == MDB_NOTFOUND ? RG_OK : store_mdb_err(t, rc, err);
}
