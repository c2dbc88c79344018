/*
 * records.c - get, put and delete of any kind, with the reference index, the meta of
 * every record and one changelog entry per change. Kind-specific rules live in kinds.c.
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

/* --- the reference index ----------------------------------------------------------- */

typedef int (*ref_fn)(store_txn *t, const struct ref_spec *r, const char *target, void *arg);

/* Calls fn for every non-empty id that rec holds in a reference field. */
static int each_ref(store_txn *t, const struct kind_info *ki, const ProtobufCMessage *rec,
                    ref_fn fn, void *arg)
{
	for (size_t i = 0; i < ki->nrefs; i++) {
		const struct ref_spec *r = &ki->refs[i];
		size_t n = 0;
		char **v = msg_strv(rec, r->field, &n);
		int rc = RG_OK;

		if (v == NULL) {
			const char *one = msg_str(rec, r->field);
			if (*one)
				rc = fn(t, r, one, arg);
		}
		for (size_t j = 0; rc == RG_OK && j < n; j++)
			if (v[j] && *v[j])
				rc = fn(t, r, v[j], arg);
		if (rc != RG_OK)
			return rc;
	}
	return RG_OK;
}

struct ref_ctx {
	const struct kind_info *source;
	const char *source_id;
	bool add;
	const ProtobufCMessage *other; /* update: the record on the other side; its refs stay */
	struct store_error *err;
};

/* Does m hold target (of kind target_kind) in any of its reference fields? */
static bool holds_target(const struct kind_info *ki, const ProtobufCMessage *m,
                         enum store_kind target_kind, const char *target)
{
	for (size_t i = 0; i < ki->nrefs; i++) {
		const struct ref_spec *r = &ki->refs[i];
		size_t n = 0;
		char **v;

		if (r->target != target_kind)
			continue;
		v = msg_strv(m, r->field, &n);
		if (v == NULL && strcmp(msg_str(m, r->field), target) == 0)
			return true;
		for (size_t j = 0; j < n; j++)
			if (v[j] && strcmp(v[j], target) == 0)
				return true;
	}
	return false;
}

static int ref_check_target(store_txn *t, const struct ref_spec *r, const char *target, void *arg)
{
	struct ref_ctx *c = arg;

	if (!store_valid_id(target))
		return store_fail(c->err, RG_EINVAL, r->field, "field '%s': '%s' is not a valid id",
		                  r->field, target);
	if (!record_exists(t, r->target, target))
		return store_fail(c->err, RG_EPRECOND, r->field,
		                  "%s '%s' not found (referenced by field '%s' of %s '%s')",
		                  store_kind_name(r->target), target, r->field, c->source->name,
		                  c->source_id);
	return RG_OK;
}

static int ref_update(store_txn *t, const struct ref_spec *r, const char *target, void *arg)
{
	struct ref_ctx *c = arg;
	char kbuf[STORE_ID_MAX + 2], vbuf[STORE_ID_MAX + 2];
	MDB_val k = { index_key(kbuf, kind_get(r->target)->tag, target), kbuf };
	MDB_val v = { index_key(vbuf, c->source->tag, c->source_id), vbuf };

	// An update leaves the entries both versions hold alone: fewer pages to write.
	if (c->other && holds_target(c->source, c->other, r->target, target))
		return RG_OK;
	/* The same target twice (a parent that is also mirrored) is one entry: an entry that
	 * is already there, or already gone, is what was asked for. */
	if (c->add)
		txn_put(t, t->st->refs, &k, &v, MDB_NODUPDATA, c->err);
	else
		txn_del(t, t->st->refs, &k, &v, c->err);
	return txn_status(t, c->err);
}

/* --- the changelog ----------------------------------------------------------------- */

static int write_change(store_txn *t, const struct kind_info *ki, const char *id, int op,
                        const struct store_actor *who, const char *time_s, const MDB_val *before,
                        const MDB_val *after, struct store_error *err)
{
	Stdreg__V1__Change ch = STDREG__V1__CHANGE__INIT;
	uint8_t key[12];
	char hkey[STORE_ID_MAX + 2];
	MDB_val k = { 12, key }, v, hk;
	int rc;

	ch.revision = t->revision;
	ch.kind = (Stdreg__V1__Kind)ki->kind;
	ch.id = (char *)id;
	ch.op = (Stdreg__V1__Op)op;
	ch.principal = (char *)(who && who->principal ? who->principal : "");
	ch.principal_role = (char *)(who && who->role ? who->role : "");
	ch.time = (char *)time_s;
	ch.decision_ref = (char *)(who && who->decision_ref ? who->decision_ref : "");
	if (before) {
		ch.before.data = before->mv_data;
		ch.before.len = before->mv_size;
	}
	if (after) {
		ch.after.data = after->mv_data;
		ch.after.len = after->mv_size;
	}
	for (int i = 0; i < 8; i++)
		key[i] = (uint8_t)(t->revision >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		key[8 + i] = (uint8_t)(t->seq >> (24 - 8 * i));

	v.mv_size = protobuf_c_message_get_packed_size(&ch.base);
	rc = txn_put(t, t->st->changelog, &k, &v, MDB_RESERVE | MDB_NOOVERWRITE, err);
	if (rc == RG_EEXIST) /* the revision counter went back: the store is not consistent */
		return txn_fail(t,
		                store_fail(err, RG_ECORRUPT, NULL,
		                           "changelog already holds revision %llu",
		                           (unsigned long long)t->revision),
		                err);
	if (rc != RG_OK)
		return rc;
	protobuf_c_message_pack(&ch.base, v.mv_data);

	hk.mv_size = index_key(hkey, ki->tag, id);
	hk.mv_data = hkey;
	rc = txn_put(t, t->st->history, &hk, &k, 0, err);
	if (rc != RG_OK)
		return rc;
	t->seq++;
	t->changed = true;
	return RG_OK;
}

/* A short, one-line rendering of untrusted text for an error message. */
static void printable(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s && n + 4 < size; s++)
		out[n++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	if (*s) {
		/* Cut on a character boundary: the message must stay valid UTF-8. */
		while (n > 0 && ((unsigned char)out[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && (unsigned char)out[n - 1] >= 0xc0)
			n--;
		out[n++] = '.', out[n++] = '.', out[n++] = '.';
	}
	out[n] = '\0';
}

/* --- put ----------------------------------------------------------------------------- */

/*
 * The stored form of rec: with the given meta, and without fields unknown to this schema
 * (a client could otherwise park arbitrary bytes in the registry). rec is left as it was.
 */
static void *pack_with_meta(ProtobufCMessage *rec, Stdreg__V1__Meta *meta, size_t *len)
{
	Stdreg__V1__Meta **slot = msg_meta(rec);
	Stdreg__V1__Meta *saved = *slot;
	unsigned n_unknown = rec->n_unknown_fields;
	uint8_t *buf;

	*slot = meta;
	rec->n_unknown_fields = 0;
	*len = protobuf_c_message_get_packed_size(rec);
	buf = malloc(*len ? *len : 1);
	if (buf)
		protobuf_c_message_pack(rec, buf);
	*slot = saved;
	rec->n_unknown_fields = n_unknown;
	return buf;
}

static int check_expected(const struct kind_info *ki, const char *id, const Stdreg__V1__Meta *old,
                          uint64_t expected, struct store_error *err)
{
	uint64_t have = old ? old->mod_revision : 0;

	if (expected == 0 || expected == have)
		return RG_OK;
	if (old == NULL)
		return store_fail(err, RG_ESTALE, "expected_mod_revision",
		                  "%s '%s' does not exist (expected mod_revision %llu)", ki->name,
		                  id, (unsigned long long)expected);
	return store_fail(err, RG_ESTALE, "expected_mod_revision",
	                  "%s '%s' was changed at revision %llu (expected %llu)", ki->name, id,
	                  (unsigned long long)have, (unsigned long long)expected);
}

/*
 * The attribution fields a record carries besides meta (which pack_with_meta sets): the
 * server's, never the client's. A value in rec is overwritten, not refused, so a record
 * read from one registry (an export, a get) can be applied as it is: an assignment's
 * appointed_by is the principal that created it, kept by every later update.
 */
int record_set_attribution(enum store_kind k, const ProtobufCMessage *old, ProtobufCMessage *rec,
                           const struct store_actor *who, struct store_error *err)
{
	Stdreg__V1__Assignment *a = (Stdreg__V1__Assignment *)rec;
	const char *by;
	char *copy;

	if (k != STORE_ASSIGNMENT)
		return RG_OK;
	by = old ? ((const Stdreg__V1__Assignment *)old)->appointed_by
	         : (who && who->principal ? who->principal : "");
	copy = strdup(by ? by : "");
	if (copy == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	msg_set_str(&a->appointed_by, copy);
	return RG_OK;
}

int store_put(store_txn *t, enum store_kind k, ProtobufCMessage *rec,
              const struct store_put_opts *o, const struct store_actor *who, uint8_t **out,
              size_t *out_len, struct store_error *err)
{
	const struct kind_info *ki = kind_get(k);
	struct store_put_opts noopts = { 0 };
	ProtobufCMessage *old = NULL;
	Stdreg__V1__Meta meta = STDREG__V1__META__INIT, *old_meta = NULL;
	char now_s[21];
	const char *id;
	void *packed = NULL, *old_copy = NULL;
	size_t packed_len;
	MDB_val key, oldv, newv;
	int rc;

	rc = txn_writable(t, err);
	if (rc != RG_OK)
		return rc;
	if (ki == NULL || rec == NULL || rec->descriptor != ki->desc)
		return store_fail(err, RG_EINVAL, NULL, "record does not match its kind");
	if (o == NULL)
		o = &noopts;
	/* Strings first (so messages may quote them), then the id, then the kind's rules. */
	rc = msg_check_strings(rec, err);
	if (rc == RG_OK)
		rc = store_check_text("decision_ref", who ? who->decision_ref : NULL, err);
	if (rc != RG_OK)
		return rc;
	id = record_id(k, rec);
	if (k != STORE_ASSIGNMENT && *id == '\0')
		return store_fail(err, RG_EINVAL, "id", "field 'id' is required");
	if (k != STORE_ASSIGNMENT && !store_valid_id(id)) {
		char shown[68];
		printable(id, shown, sizeof(shown));
		return store_fail(
		        err, RG_EINVAL, "id",
		        "'%s' is not a valid id (lowercase letters, digits, '.', '_', '-'; "
		        "at most 64; starting with a letter or digit)",
		        shown);
	}
	// A create of an existing id says so before anything about its fields.
	if (o->create_only && k != STORE_ASSIGNMENT && record_exists(t, k, id))
		return store_fail(err, RG_EEXIST, "id", "%s '%s' already exists", ki->name, id);
	rc = ki->validate(t, rec, err);
	if (rc != RG_OK)
		return rc;
	id = record_id(k, rec); /* an assignment's id is derived by validate */

	struct ref_ctx rctx = { .source = ki, .source_id = id, .add = true, .err = err };
	rc = each_ref(t, ki, rec, ref_check_target, &rctx);
	if (rc != RG_OK)
		return rc;

	key.mv_size = strlen(id);
	key.mv_data = (void *)id;
	rc = mdb_get(t->txn, t->st->records[k], &key, &oldv);
	if (rc == 0) {
		/* LMDB's pointer dies with the next write in this transaction: keep a copy. */
		old_copy = malloc(oldv.mv_size ? oldv.mv_size : 1);
		if (old_copy == NULL)
			return store_fail(err, RG_ENOMEM, NULL, "out of memory");
		memcpy(old_copy, oldv.mv_data, oldv.mv_size);
		oldv.mv_data = old_copy;
		old = protobuf_c_message_unpack(ki->desc, NULL, oldv.mv_size, oldv.mv_data);
		if (old == NULL) {
			free(old_copy);
			return store_fail(err, RG_ECORRUPT, NULL, "cannot decode stored %s '%s'",
			                  ki->name, id);
		}
		old_meta = *msg_meta(old);
	} else if (rc != MDB_NOTFOUND) {
		return store_mdb_err(t, rc, err);
	}
	if (old && o->create_only) {
		rc = store_fail(err, RG_EEXIST, "id", "%s '%s' already exists", ki->name, id);
		goto out;
	}
	rc = check_expected(ki, id, old_meta, o->expected_mod_revision, err);
	if (rc == RG_OK)
		rc = record_set_attribution(k, old, rec, who, err);
	if (rc == RG_OK && k == STORE_AGENCY)
		rc = org_index_check(t, id, ((Stdreg__V1__Agency *)rec)->org_number, err);
	if (rc == RG_OK && ki->check_update)
		rc = ki->check_update(t, old, rec, err);
	if (rc != RG_OK)
		goto out;

	/* Unchanged: the same content under the old meta is the same bytes. No new revision. */
	if (old) {
		packed = pack_with_meta(rec, old_meta, &packed_len);
		if (packed == NULL) {
			rc = store_fail(err, RG_ENOMEM, NULL, "out of memory");
			goto out;
		}
		if (packed_len == oldv.mv_size && memcmp(packed, oldv.mv_data, packed_len) == 0) {
			if (o->outcome)
				*o->outcome = STORE_UNCHANGED;
			goto done;
		}
		free(packed);
		packed = NULL;
	}

	store_format_time(who && who->now ? who->now : time(NULL), now_s);
	meta.create_revision = old_meta ? old_meta->create_revision : t->revision;
	meta.mod_revision = t->revision;
	meta.version = old_meta ? old_meta->version + 1 : 1;
	meta.created_at = old_meta ? old_meta->created_at : now_s;
	meta.updated_at = now_s;
	meta.updated_by = (char *)(who && who->principal ? who->principal : "");
	packed = pack_with_meta(rec, &meta, &packed_len);
	if (packed == NULL) {
		rc = store_fail(err, RG_ENOMEM, NULL, "out of memory");
		goto out;
	}
	newv.mv_size = packed_len;
	newv.mv_data = packed;
	/* The writes: each is a no-op once one failed; the transaction says how it went. */
	txn_put(t, t->st->records[k], &key, &newv, 0, err);
	if (old) {
		rctx.add = false;
		rctx.other = rec;
		each_ref(t, ki, old, ref_update, &rctx);
	}
	rctx.add = true;
	rctx.other = old;
	each_ref(t, ki, rec, ref_update, &rctx);
	if (k == STORE_AGENCY)
		org_index_update(t, id, old ? ((Stdreg__V1__Agency *)old)->org_number : NULL,
		                 ((Stdreg__V1__Agency *)rec)->org_number, err);
	write_change(t, ki, id, old ? STDREG__V1__OP__OP_UPDATE : STDREG__V1__OP__OP_CREATE, who,
	             now_s, old ? &oldv : NULL, &newv, err);
	rc = txn_status(t, err);
	if (rc != RG_OK)
		goto out;
	if (o->outcome)
		*o->outcome = old ? STORE_UPDATED : STORE_CREATED;
done:
	if (out) {
		*out = packed;
		*out_len = packed_len;
		packed = NULL;
	}
	rc = RG_OK;
out:
	free(packed);
	free(old_copy);
	if (old)
		protobuf_c_message_free_unpacked(old, NULL);
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

/* Principals are references too: an agency that a live token names stays (revoke first). */
static int refuse_named_agency(store_txn *t, const char *id, struct store_error *err)
{
	char list[200];
	size_t n;
	int rc = principals_of_agency(t, id, list, sizeof(list), &n);

	if (rc != RG_OK)
		return store_fail(err, rc, NULL, "cannot read the principals");
	if (n == 0)
		return RG_OK;
	return store_fail(err, RG_EPRECOND, "id",
	                  "agency '%s' is named by %zu live token%s (%s; revoke %s first)", id, n,
	                  n == 1 ? "" : "s", list, n == 1 ? "it" : "them");
}

int store_delete(store_txn *t, enum store_kind k, const char *id, uint64_t expected_mod_revision,
                 const struct store_actor *who, struct store_error *err)
{
	const struct kind_info *ki = kind_get(k);
	ProtobufCMessage *old;
	void *old_copy;
	MDB_val key, oldv;
	char now_s[21];
	int rc;

	rc = txn_writable(t, err);
	if (rc != RG_OK)
		return rc;
	if (ki == NULL)
		return store_fail(err, RG_EINVAL, NULL, "unknown kind");
	if (id == NULL || *id == '\0')
		return store_fail(err, RG_EINVAL, "id", "field 'id' is required");
	if (k == STORE_ASSIGNMENT)
		return store_fail(err, RG_EPRECOND, "id",
		                  "assignment '%s' cannot be deleted: appointments are history "
		                  "(end it with unassign)",
		                  id);
	rc = store_check_text("decision_ref", who ? who->decision_ref : NULL, err);
	if (rc != RG_OK)
		return rc;
	key.mv_size = strlen(id);
	key.mv_data = (void *)id;
	if (key.mv_size > STORE_ID_MAX)
		return store_fail(err, RG_ENOENT, "id", "%s '%.64s...' not found", ki->name, id);
	rc = mdb_get(t->txn, t->st->records[k], &key, &oldv);
	if (rc == MDB_NOTFOUND)
		return store_fail(err, RG_ENOENT, "id", "%s '%s' not found", ki->name, id);
	if (rc != 0)
		return store_mdb_err(t, rc, err);
	old_copy = malloc(oldv.mv_size ? oldv.mv_size : 1);
	if (old_copy == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	memcpy(old_copy, oldv.mv_data, oldv.mv_size);
	oldv.mv_data = old_copy;
	old = protobuf_c_message_unpack(ki->desc, NULL, oldv.mv_size, oldv.mv_data);
	if (old == NULL) {
		free(old_copy);
		return store_fail(err, RG_ECORRUPT, NULL, "cannot decode stored %s '%s'", ki->name,
		                  id);
	}
	rc = check_expected(ki, id, *msg_meta(old), expected_mod_revision, err);
	if (rc == RG_OK)
		rc = describe_referrers(t, ki, id, err);
	if (rc == RG_OK && k == STORE_AGENCY)
		rc = refuse_named_agency(t, id, err);
	if (rc != RG_OK)
		goto out;

	/* The changelog keeps the deleted bytes: write it before the record goes away. */
	store_format_time(who && who->now ? who->now : time(NULL), now_s);
	write_change(t, ki, id, STDREG__V1__OP__OP_DELETE, who, now_s, &oldv, NULL, err);
	struct ref_ctx rctx = { .source = ki, .source_id = id, .add = false, .err = err };
	each_ref(t, ki, old, ref_update, &rctx);
	if (k == STORE_AGENCY)
		org_index_update(t, id, ((Stdreg__V1__Agency *)old)->org_number, NULL, err);
	txn_del(t, t->st->records[k], &key, NULL, err);
	rc = txn_status(t, err);
out:
	protobuf_c_message_free_unpacked(old, NULL);
	free(old_copy);
	return rc;
}
