/*
 * principals.c - who may call: principals, their roles and their tokens.
 *
 * A token is 256 random bits from the OS, shown once at creation. The store keeps only its
 * SHA-256 (tokens: hash -> name), so the data directory holds nothing that lets anyone in.
 * Each request's token is hashed and looked up afresh: revocation, even by another
 * process, takes effect on the next request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/sha256.h>

#include "store_int.h"

#define TOKEN_PREFIX "srt_"
#define TOKEN_BYTES  32

static void token_hash(const char *token, uint8_t out[32])
{
	mbedtls_sha256_ret((const unsigned char *)token, strlen(token), out, 0);
}

static bool token_shape(const char *token)
{
	size_t n = strlen(token);

	if (n != STORE_TOKEN_LEN || strncmp(token, TOKEN_PREFIX, 4) != 0)
		return false;
	for (size_t i = 4; i < n; i++)
		if (!((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f')))
			return false;
	return true;
}

static Stdreg__V1__Principal *get_principal(store_txn *t, const char *name)
{
	MDB_val k = { strlen(name), (void *)name }, v;

	if (mdb_get(t->txn, t->st->principals, &k, &v) != 0)
		return NULL;
	return stdreg__v1__principal__unpack(NULL, v.mv_size, v.mv_data);
}

static int put_principal(store_txn *t, const Stdreg__V1__Principal *p, struct store_error *err)
{
	MDB_val k = { strlen(p->name), p->name }, v;
	int rc;

	v.mv_size = stdreg__v1__principal__get_packed_size(p);
	rc = txn_put(t, t->st->principals, &k, &v, MDB_RESERVE, err);
	if (rc == RG_OK)
		stdreg__v1__principal__pack(p, v.mv_data);
	return rc;
}

/* --- create ------------------------------------------------------------------------ */

struct create_args {
	const char *name;
	int role;
	const char *agency_id;
	char *token;
	struct store_error *err;
};

static int create_run(store_txn *t, void *arg)
{
	struct create_args *a = arg;
	Stdreg__V1__Principal p = STDREG__V1__PRINCIPAL__INIT, *old;
	uint8_t raw[TOKEN_BYTES], hash[32];
	char now[21];
	MDB_val hk = { 32, hash }, hv = { strlen(a->name), (void *)a->name };

	/*
	 * A name is never given to a second principal, not even after a revocation: the
	 * changelog and every appointed_by name principals, and a name must go on meaning the
	 * one who made those changes. The revoked row stays, and token list shows it with its
	 * revoked_at. (As with Unix accounts that are locked, not reused, and cloud API keys.)
	 */
	old = get_principal(t, a->name);
	if (old) {
		bool revoked = !str_empty(old->revoked_at);
		char when[32];
		snprintf(when, sizeof(when), "%s", revoked ? old->revoked_at : "");
		stdreg__v1__principal__free_unpacked(old, NULL);
		if (revoked)
			return store_fail(
			        a->err, RG_EEXIST, "name",
			        "principal '%s' was revoked at %s (a name is never reused: "
			        "choose another)",
			        a->name, when);
		return store_fail(a->err, RG_EEXIST, "name",
		                  "principal '%s' already exists (a name is never reused: choose "
		                  "another; 'registryd token revoke %s' ends it)",
		                  a->name, a->name);
	}
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return store_fail(a->err, RG_EIO, NULL, "cannot read the OS random source");
	strcpy(a->token, TOKEN_PREFIX);
	for (size_t i = 0; i < sizeof(raw); i++)
		sprintf(a->token + 4 + 2 * i, "%02x", raw[i]);
	token_hash(a->token, hash);

	store_format_time(time(NULL), now);
	p.name = (char *)a->name;
	p.role = a->role;
	p.agency_id = (char *)(a->agency_id ? a->agency_id : "");
	p.created_at = now;
	p.token_hash.data = hash;
	p.token_hash.len = 32;
	put_principal(t, &p, a->err);
	txn_put(t, t->st->tokens, &hk, &hv, 0, a->err);
	/* Not a registry change: no revision, no changelog entry (t->changed stays false). */
	return txn_status(t, a->err);
}

int store_token_create(store *st, const char *name, int role, const char *agency_id, char *token,
                       struct store_error *err)
{
	struct create_args a = { name, role, agency_id, token, err };
	uint64_t rev;
	int rc;

	if (!store_valid_id(name))
		return store_fail(err, RG_EINVAL, "name", "'%s' is not a valid principal name",
		                  name ? name : "");
	if (!protobuf_c_enum_descriptor_get_value(&stdreg__v1__principal_role__descriptor, role) ||
	    role == 0)
		return store_fail(err, RG_EINVAL, "role",
		                  "role must be admin, coordinator, agency or reader");
	if (role == STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_AGENCY) {
		store_txn *t;
		bool found;
		if (agency_id == NULL || *agency_id == '\0')
			return store_fail(err, RG_EINVAL, "agency_id",
			                  "an agency principal needs --agency");
		rc = store_read_begin(st, &t);
		if (rc != RG_OK)
			return store_fail(err, rc, NULL, "cannot read the store");
		found = record_exists(t, STORE_AGENCY, agency_id);
		store_read_free(t);
		if (!found)
			return store_fail(err, RG_ENOENT, "agency_id", "agency '%s' not found",
			                  agency_id);
	} else if (agency_id && *agency_id) {
		return store_fail(err, RG_EINVAL, "agency_id",
		                  "only agency principals belong to an agency");
	}
	err->code = RG_OK;
	rc = store_write_once(st, create_run, &a, &rev);
	if (rc != RG_OK && err->code == RG_OK)
		store_fail(err, rc, NULL, "cannot create principal '%s' (%s)", name,
		           rg_strerror(rc));
	return rc;
}

/* --- revoke ------------------------------------------------------------------------ */

struct revoke_args {
	const char *name;
	struct store_error *err;
};

static int revoke_run(store_txn *t, void *arg)
{
	struct revoke_args *a = arg;
	Stdreg__V1__Principal *p = get_principal(t, a->name);
	char now[21];
	int rc;

	if (p == NULL)
		return store_fail(a->err, RG_ENOENT, "name", "principal '%s' not found", a->name);
	if (p->revoked_at && *p->revoked_at) {
		stdreg__v1__principal__free_unpacked(p, NULL);
		return store_fail(a->err, RG_EPRECOND, "name", "principal '%s' is already revoked",
		                  a->name);
	}
	store_format_time(time(NULL), now);
	char *saved = p->revoked_at;
	p->revoked_at = now;
	rc = put_principal(t, p, a->err);
	p->revoked_at = saved;
	stdreg__v1__principal__free_unpacked(p, NULL);
	/* Not a registry change: no revision, no changelog entry (t->changed stays false). */
	return rc;
}

int store_token_revoke(store *st, const char *name, struct store_error *err)
{
	struct revoke_args a = { name ? name : "", err };
	int rc;

	err->code = RG_OK;
	rc = store_write_once(st, revoke_run, &a, NULL);
	if (rc != RG_OK && err->code == RG_OK)
		store_fail(err, rc, NULL, "cannot revoke '%s' (%s)", a.name, rg_strerror(rc));
	return rc;
}

/* --- the one walk over the principals ---------------------------------------------- */

/*
 * Calls fn for every principal, by name, until fn returns other than RG_OK. Principals are
 * few (people and services, not records): a scan is enough. A row that does not decode
 * is passed over (store.h: store_token_list). RG_OK, RG_EIO, or fn's code.
 */
static int principals_each(store_txn *t, int (*fn)(void *arg, Stdreg__V1__Principal *p), void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(t->txn, t->st->principals, &c), code = RG_OK;

	if (rc != 0)
		return RG_EIO;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && code == RG_OK;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		Stdreg__V1__Principal *p =
		        stdreg__v1__principal__unpack(NULL, v.mv_size, v.mv_data);
		if (p == NULL)
			continue;
		code = fn(arg, p);
		stdreg__v1__principal__free_unpacked(p, NULL);
	}
	mdb_cursor_close(c);
	if (code != RG_OK)
		return code;
	return rc == 0 || rc == MDB_NOTFOUND ? RG_OK : RG_EIO;
}

/* --- references to agencies --------------------------------------------------------- */

struct of_agency {
	const char *agency_id;
	char *list;
	size_t size, off, count;
};

static int of_agency_fn(void *arg, Stdreg__V1__Principal *p)
{
	struct of_agency *a = arg;

	if (str_empty(p->revoked_at) && p->agency_id && strcmp(p->agency_id, a->agency_id) == 0) {
		int w = snprintf(a->list + a->off, a->size - a->off, "%s'%s'", a->count ? ", " : "",
		                 p->name);
		if (w > 0 && (size_t)w < a->size - a->off)
			a->off += (size_t)w;
		a->count++;
	}
	return RG_OK;
}

int principals_of_agency(store_txn *t, const char *agency_id, char *list, size_t size,
                         size_t *count)
{
	struct of_agency a = { agency_id, list, size, 0, 0 };
	int rc;

	list[0] = '\0';
	rc = principals_each(t, of_agency_fn, &a);
	*count = a.count;
	return rc;
}

/* --- list and lookup --------------------------------------------------------------- */

struct list_args {
	void (*fn)(void *arg, const ProtobufCMessage *principal);
	void *arg;
};

static int list_fn(void *arg, Stdreg__V1__Principal *p)
{
	struct list_args *a = arg;
	ProtobufCBinaryData hash = p->token_hash;

	// Only the store looks tokens up: what it lists goes out without their hashes.
	p->token_hash.len = 0;
	a->fn(a->arg, &p->base);
	p->token_hash = hash;
	return RG_OK;
}

int store_token_list(store *st, void (*fn)(void *arg, const ProtobufCMessage *principal), void *arg)
{
	struct list_args a = { fn, arg };
	store_txn *t;
	int rc = store_read_begin(st, &t);

	if (rc != RG_OK)
		return rc;
	rc = principals_each(t, list_fn, &a);
	store_read_free(t);
	return rc;
}

int store_token_lookup(store_txn *t, const char *token, struct store_principal *out)
{
	uint8_t hash[32];
	MDB_val k = { 32, hash }, v;
	char name[65];
	Stdreg__V1__Principal *p;
	int rc;

	if (token == NULL || !token_shape(token))
		return RG_ENOENT;
	token_hash(token, hash);
	rc = mdb_get(t->txn, t->st->tokens, &k, &v);
	if (rc == MDB_NOTFOUND)
		return RG_ENOENT;
	if (rc != 0 || v.mv_size >= sizeof(name))
		return RG_EIO;
	memcpy(name, v.mv_data, v.mv_size);
	name[v.mv_size] = '\0';
	p = get_principal(t, name);
	if (p == NULL)
		return RG_ENOENT;
	rc = p->revoked_at && *p->revoked_at ? RG_EPRECOND : RG_OK;
	if (rc == RG_OK) {
		snprintf(out->name, sizeof(out->name), "%s", p->name);
		out->role = p->role;
		snprintf(out->agency_id, sizeof(out->agency_id), "%s",
		         p->agency_id ? p->agency_id : "");
	}
	stdreg__v1__principal__free_unpacked(p, NULL);
	return rc;
}
