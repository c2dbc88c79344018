/*
 * records.c - get, put and delete of any kind. A put or a delete is the steps of change.c
 * (check, compose, write) in order; kind-specific rules live in kinds.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

size_t index_key(char *buf, char tag, const char *id)
{
	size_t n = strlen(id);

	if (n > STORE_ID_MAX)
		n = STORE_ID_MAX;
	buf[0] = tag;
	memcpy(buf + 1, id, n);
	return n + 1;
}

const char *record_id(enum store_kind k, const ProtobufCMessage *rec)
{
	(void)k;
	return msg_str(rec, "id");
}

int store_get(store_txn *t, enum store_kind k, const char *id, const void **val, size_t *len)
{
	MDB_val key, v;
	int rc;

	if (kind_get(k) == NULL || id == NULL || *id == '\0')
		return RG_EINVAL;
	key.mv_size = strlen(id);
	key.mv_data = (void *)id;
	if (key.mv_size > STORE_ID_MAX)
		return RG_ENOENT;
	rc = mdb_get(t->txn, t->st->records[k], &key, &v);
	if (rc == MDB_NOTFOUND)
		return RG_ENOENT;
	if (rc != 0)
		return store_mdb_err(t, rc, NULL);
	*val = v.mv_data;
	*len = v.mv_size;
	return RG_OK;
}

bool record_exists(store_txn *t, enum store_kind k, const char *id)
{
	const void *v;
	size_t n;

	return store_get(t, k, id, &v, &n) == RG_OK;
}

int store_put(store_txn *t, enum store_kind k, ProtobufCMessage *rec,
              const struct store_put_opts *o, const struct store_actor *who, uint8_t **out,
              size_t *out_len, struct store_error *err)
{
	struct store_put_opts noopts = { 0 };
	struct record_change c = { .ki = kind_get(k), .rec = rec };
	bool unchanged = false;
	int rc = txn_writable(t, err);

	if (rc != RG_OK)
		return rc;
	if (c.ki == NULL || rec == NULL || rec->descriptor != c.ki->desc)
		return store_fail(err, RG_EINVAL, NULL, "record does not match its kind");
	if (o == NULL)
		o = &noopts;
	rc = change_check(t, &c, o, who, err);
	if (rc == RG_OK)
		rc = change_compose(t, &c, who, &unchanged, err);
	if (rc == RG_OK && !unchanged)
		rc = change_write(t, &c, who, err);
	if (rc == RG_OK && o->outcome)
		*o->outcome = unchanged ? STORE_UNCHANGED : c.old ? STORE_UPDATED : STORE_CREATED;
	if (rc == RG_OK && out) {
		*out = c.newv.mv_data;
		*out_len = c.newv.mv_size;
		c.newv.mv_data = NULL;
	}
	change_release(&c);
	return rc;
}

/* --- delete -------------------------------------------------------------------------- */

/* The first few records that reference tag+id, for the refusal message. */
static int describe_referrers(store_txn *t, const struct kind_info *ki, const char *id,
                              struct store_error *err)
{
	char kbuf[STORE_ID_MAX + 2], list[240] = "";
	MDB_val k = { index_key(kbuf, ki->tag, id), kbuf }, v;
	MDB_cursor *c;
	size_t shown = 0, total = 0, off = 0;
	int rc = mdb_cursor_open(t->txn, t->st->refs, &c);

	if (rc != 0)
		return store_mdb_err(t, rc, err);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
	while (rc == 0) {
		total++;
		if (shown < 5 && v.mv_size > 1) {
			const char *kname = "record";
			for (int kk = 1; kk <= STORE_KIND_MAX; kk++)
				if (kind_get(kk)->tag == ((const char *)v.mv_data)[0])
					kname = kind_get(kk)->name;
			int w = snprintf(list + off, sizeof(list) - off, "%s%s '%.*s'",
			                 shown ? ", " : "", kname, (int)v.mv_size - 1,
			                 (const char *)v.mv_data + 1);
			if (w > 0 && (size_t)w < sizeof(list) - off) {
				off += (size_t)w;
				shown++;
			}
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP);
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return store_mdb_err(t, rc, err);
	if (total == 0)
		return RG_OK;
	if (total > shown)
		return store_fail(err, RG_EPRECOND, "id",
		                  "%s '%s' is referenced by %s and %zu more", ki->name, id, list,
		                  total - shown);
	return store_fail(err, RG_EPRECOND, "id", "%s '%s' is referenced by %s", ki->name, id,
	                  list);
}

int store_delete(store_txn *t, enum store_kind k, const char *id, uint64_t expected_mod_revision,
                 const struct store_actor *who, struct store_error *err)
{
	struct record_change c = { .ki = kind_get(k), .id = id };
	int rc = txn_writable(t, err);

	if (rc != RG_OK)
		return rc;
	if (c.ki == NULL)
		return store_fail(err, RG_EINVAL, NULL, "unknown kind");
	if (id == NULL || *id == '\0')
		return store_fail(err, RG_EINVAL, "id", "field 'id' is required");
	if (c.ki->undeletable)
		return store_fail(err, RG_EPRECOND, "id", "%s '%s' cannot be deleted: %s",
		                  c.ki->name, id, c.ki->undeletable);
	rc = store_check_text("decision_ref", who ? who->decision_ref : NULL, err);
	if (rc != RG_OK)
		return rc;
	if (strlen(id) > STORE_ID_MAX)
		return store_fail(err, RG_ENOENT, "id", "%s '%.64s...' not found", c.ki->name, id);
	rc = change_load(t, &c, err);
	if (rc == RG_OK && c.old == NULL)
		rc = store_fail(err, RG_ENOENT, "id", "%s '%s' not found", c.ki->name, id);
	if (rc == RG_OK)
		rc = check_expected_revision(c.ki, id, *msg_meta(c.old), expected_mod_revision,
		                             err);
	if (rc == RG_OK)
		rc = describe_referrers(t, c.ki, id, err);
	if (rc == RG_OK && c.ki->check_delete)
		rc = c.ki->check_delete(t, id, err);
	/* The changelog keeps the deleted bytes (c.oldv). */
	if (rc == RG_OK)
		rc = change_write(t, &c, who, err);
	change_release(&c);
	return rc;
}
