/*
 * change.c - the steps every change of a record goes through, whatever its kind:
 *
 *   change_load     the stored record (a copy: LMDB's pointer dies with the next write)
 *   change_check    strings, id, the kind's rules, references, expected revision
 *   change_compose  meta and the stored bytes; tells an unchanged record apart
 *   change_write    the record, the reference index, the kind's own index, the changelog
 *
 * store_put runs all four, store_delete load and write, bulk apply store_put for each
 * record. Everything that can refuse comes before the first write, so a refusal leaves
 * nothing to undo; the writes run one after another on the transaction's sticky error.
 * Kind-specific parts come from the kind table (kinds.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* --- the reference index ----------------------------------------------------------- */

int record_each_ref(store_txn *t, const struct kind_info *ki, const ProtobufCMessage *rec,
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

bool record_holds_ref(const struct kind_info *ki, const ProtobufCMessage *m,
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

	/* A derived id (AREA/N of a goal) is no slug; a missing one is refused below. */
	if (!kind_get(r->target)->derived_id && !store_valid_id(target))
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
	if (c->other && record_holds_ref(c->source, c->other, r->target, target))
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
	MDB_val k = { 12, key }, v;
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

	rc = history_note_change(t, ki, id, op, err);
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

/* --- the steps --------------------------------------------------------------------- */

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

int check_expected_revision(const struct kind_info *ki, const char *id, const Stdreg__V1__Meta *old,
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

int change_load(store_txn *t, struct record_change *c, struct store_error *err)
{
	const struct kind_info *ki = c->ki;
	MDB_val key = { strlen(c->id), (void *)c->id }, v;
	int rc;

	c->old = NULL;
	c->oldv.mv_data = NULL;
	c->oldv.mv_size = 0;
	if (key.mv_size > STORE_ID_MAX)
		return RG_OK;
	rc = mdb_get(t->txn, t->st->records[ki->kind], &key, &v);
	if (rc == MDB_NOTFOUND)
		return RG_OK;
	if (rc != 0)
		return store_mdb_err(t, rc, err);
	c->oldv.mv_data = malloc(v.mv_size ? v.mv_size : 1);
	if (c->oldv.mv_data == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	memcpy(c->oldv.mv_data, v.mv_data, v.mv_size);
	c->oldv.mv_size = v.mv_size;
	c->old = protobuf_c_message_unpack(ki->desc, NULL, c->oldv.mv_size, c->oldv.mv_data);
	if (c->old == NULL)
		return store_fail(err, RG_ECORRUPT, NULL, "cannot decode stored %s '%s'", ki->name,
		                  c->id);
	return RG_OK;
}

/* The id of a new record: given, and well formed, unless the kind derives it. */
static int check_id(const struct kind_info *ki, const char *id, struct store_error *err)
{
	char shown[68];

	if (ki->derived_id)
		return RG_OK;
	if (*id == '\0')
		return store_fail(err, RG_EINVAL, "id", "field 'id' is required");
	if (store_valid_id(id))
		return RG_OK;
	printable(id, shown, sizeof(shown));
	return store_fail(err, RG_EINVAL, "id",
	                  "'%s' is not a valid id (lowercase letters, digits, '.', '_', '-'; "
	                  "at most 64; starting with a letter or digit)",
	                  shown);
}

int change_check(store_txn *t, struct record_change *c, const struct store_put_opts *o,
                 const struct store_actor *who, struct store_error *err)
{
	const struct kind_info *ki = c->ki;
	int rc;

	t->now = who && who->now ? who->now : time(NULL);
	t->who = who;
	/* Strings first (so messages may quote them), then the id, then the kind's rules. */
	rc = msg_check_strings(c->rec, err);
	if (rc == RG_OK)
		rc = store_check_text("decision_ref", who ? who->decision_ref : NULL, err);
	if (rc == RG_OK)
		rc = check_id(ki, record_id(ki->kind, c->rec), err);
	if (rc != RG_OK)
		return rc;
	// A create of an existing id says so before anything about its fields.
	if (o->create_only && !ki->derived_id &&
	    record_exists(t, ki->kind, record_id(ki->kind, c->rec)))
		return store_fail(err, RG_EEXIST, "id", "%s '%s' already exists", ki->name,
		                  record_id(ki->kind, c->rec));
	rc = ki->validate(t, c->rec, err);
	if (rc != RG_OK)
		return rc;
	c->id = record_id(ki->kind, c->rec); /* a derived id is set by validate */

	struct ref_ctx rctx = { .source = ki, .source_id = c->id, .add = true, .err = err };
	rc = record_each_ref(t, ki, c->rec, ref_check_target, &rctx);
	if (rc == RG_OK)
		rc = change_load(t, c, err);
	if (rc != RG_OK)
		return rc;
	if (c->old && o->create_only)
		return store_fail(err, RG_EEXIST, "id", "%s '%s' already exists", ki->name, c->id);
	rc = check_expected_revision(ki, c->id, c->old ? *msg_meta(c->old) : NULL,
	                             o->expected_mod_revision, err);
	if (rc == RG_OK)
		rc = record_set_attribution(ki->kind, c->old, c->rec, who, err);
	if (rc == RG_OK && ki->check_update)
		rc = ki->check_update(t, c->old, c->rec, err);
	return rc;
}

int change_compose(store_txn *t, struct record_change *c, const struct store_actor *who,
                   bool *unchanged, struct store_error *err)
{
	const Stdreg__V1__Meta *old_meta = c->old ? *msg_meta(c->old) : NULL;
	Stdreg__V1__Meta meta = STDREG__V1__META__INIT;

	*unchanged = false;
	store_format_time(who && who->now ? who->now : time(NULL), c->now_s);
	/* Unchanged: the same content under the old meta is the same bytes. No new revision. */
	if (c->old) {
		c->newv.mv_data =
		        pack_with_meta(c->rec, (Stdreg__V1__Meta *)old_meta, &c->newv.mv_size);
		if (c->newv.mv_data == NULL)
			return store_fail(err, RG_ENOMEM, NULL, "out of memory");
		if (c->newv.mv_size == c->oldv.mv_size &&
		    memcmp(c->newv.mv_data, c->oldv.mv_data, c->newv.mv_size) == 0) {
			*unchanged = true;
			return RG_OK;
		}
		free(c->newv.mv_data);
		c->newv.mv_data = NULL;
	}
	meta.create_revision = old_meta ? old_meta->create_revision : t->revision;
	meta.mod_revision = t->revision;
	meta.version = old_meta ? old_meta->version + 1 : 1;
	meta.created_at = old_meta ? old_meta->created_at : c->now_s;
	meta.updated_at = c->now_s;
	meta.updated_by = (char *)(who && who->principal ? who->principal : "");
	c->newv.mv_data = pack_with_meta(c->rec, &meta, &c->newv.mv_size);
	if (c->newv.mv_data == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	return RG_OK;
}

int change_write(store_txn *t, struct record_change *c, const struct store_actor *who,
                 struct store_error *err)
{
	const struct kind_info *ki = c->ki;
	MDB_val key = { strlen(c->id), (void *)c->id };
	struct ref_ctx rctx = { .source = ki, .source_id = c->id, .err = err };
	int op = c->rec == NULL   ? STDREG__V1__OP__OP_DELETE
	         : c->old != NULL ? STDREG__V1__OP__OP_UPDATE
	                          : STDREG__V1__OP__OP_CREATE;

	if (c->now_s[0] == '\0')
		store_format_time(who && who->now ? who->now : time(NULL), c->now_s);
	/* Each write is a no-op once one failed; the transaction says how it went. */
	if (c->rec)
		txn_put(t, t->st->records[ki->kind], &key, &c->newv, 0, err);
	else
		txn_del(t, t->st->records[ki->kind], &key, NULL, err);
	if (c->old) {
		rctx.add = false;
		rctx.other = c->rec;
		record_each_ref(t, ki, c->old, ref_update, &rctx);
	}
	if (c->rec) {
		rctx.add = true;
		rctx.other = c->old;
		record_each_ref(t, ki, c->rec, ref_update, &rctx);
	}
	if (ki->write_index)
		ki->write_index(t, c->id, c->old, c->rec, err);
	write_change(t, ki, c->id, op, who, c->now_s, c->old ? &c->oldv : NULL,
	             c->rec ? &c->newv : NULL, err);
	return txn_status(t, err);
}

void change_release(struct record_change *c)
{
	if (c->old)
		protobuf_c_message_free_unpacked(c->old, NULL);
	free(c->oldv.mv_data);
	free(c->newv.mv_data);
	memset(c, 0, sizeof *c);
}
