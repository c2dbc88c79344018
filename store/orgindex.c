/*
 * orgindex.c - one organisation number, one agency.
 *
 * The index lives in the refs database under its own tag: 'o' + canonical org number
 * (NNNNNN-NNNN) -> 'g' + agency id. It is kept by store_put and store_delete of agencies,
 * built for stores of schema version 1 by a migration at open (env.c), and verified by
 * store_check. More than one value under a key can only come from a store that already
 * held a duplicate before the index existed: check reports it, and a put of either agency
 * is refused until one of them changes its number.
 */
#include <stdio.h>
#include <string.h>

#include "store_int.h"

#define ORG_TAG 'o'

static size_t org_key(char *buf, const char *org)
{
	return index_key(buf, ORG_TAG, org);
}

int org_index_check(store_txn *t, const char *agency_id, const char *org, struct store_error *err)
{
	char kbuf[STORE_ID_MAX + 2];
	MDB_val k = { org_key(kbuf, org), kbuf }, v;
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->st->refs, &c);
	char other[STORE_ID_MAX + 1] = "";

	if (rc != 0)
		return store_mdb_err(t, rc, err);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP)) {
		if (v.mv_size < 2 || v.mv_size - 1 > STORE_ID_MAX)
			continue;
		if (v.mv_size - 1 == strlen(agency_id) &&
		    memcmp((const char *)v.mv_data + 1, agency_id, v.mv_size - 1) == 0)
			continue;
		snprintf(other, sizeof(other), "%.*s", (int)v.mv_size - 1,
		         (const char *)v.mv_data + 1);
		break;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_err(t, rc, err);
	if (other[0] != '\0')
		return store_fail(err, RG_EEXIST, "org_number",
		                  "organisation number '%s' already belongs to agency '%s'", org,
		                  other);
	return RG_OK;
}

int org_index_update(store_txn *t, const char *agency_id, const char *old_org, const char *new_org,
                     struct store_error *err)
{
	char kbuf[STORE_ID_MAX + 2], vbuf[STORE_ID_MAX + 2];
	MDB_val v = { index_key(vbuf, 'g', agency_id), vbuf };

	if (!str_empty(old_org) && !str_empty(new_org) && strcmp(old_org, new_org) == 0)
		return RG_OK;
	/* An entry already gone, or already there, is what was asked for. */
	if (!str_empty(old_org)) {
		MDB_val k = { org_key(kbuf, old_org), kbuf };
		txn_del(t, t->st->refs, &k, &v, err);
	}
	if (!str_empty(new_org)) {
		MDB_val k = { org_key(kbuf, new_org), kbuf };
		txn_put(t, t->st->refs, &k, &v, MDB_NODUPDATA, err);
	}
	return txn_status(t, err);
}

int org_index_build(store *st, MDB_txn *txn)
{
	MDB_cursor *c;
	MDB_val key, val;
	int rc = mdb_cursor_open(txn, st->records[STORE_AGENCY], &c);

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		Stdreg__V1__Agency *a = stdreg__v1__agency__unpack(NULL, val.mv_size, val.mv_data);
		char kbuf[STORE_ID_MAX + 2], vbuf[STORE_ID_MAX + 2];
		int prc = 0;

		if (a == NULL)
			continue; /* store_check reports a record that does not decode */
		if (!str_empty(a->org_number) && !str_empty(a->id)) {
			MDB_val k = { org_key(kbuf, a->org_number), kbuf };
			MDB_val v = { index_key(vbuf, 'g', a->id), vbuf };
			prc = mdb_put(txn, st->refs, &k, &v, MDB_NODUPDATA);
		}
		stdreg__v1__agency__free_unpacked(a, NULL);
		if (prc != 0 && prc != MDB_KEYEXIST) {
			mdb_cursor_close(c);
			return prc;
		}
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}
