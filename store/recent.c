/*
 * recent.c - the changelog read backwards, newest first, a page at a time (ListChanges):
 * what the recent-changes pages and feeds show. Watch reads forwards from a revision; this
 * answers "the last N changes" without reading the history from its start.
 *
 * A page token is the place of the oldest change read, "REVISION:SEQ" (the changelog key);
 * the next page starts just before it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdreg/v1/registry.pb-c.h"
#include "store_int.h"

/* The changelog key of token "R:K" into key; false when it is not one. */
static bool token_key(const char *token, uint8_t key[12])
{
	unsigned long long rev;
	unsigned long seq;
	char *end;

	if (token[0] < '0' || token[0] > '9')
		return false;
	errno = 0;
	rev = strtoull(token, &end, 10);
	if (errno != 0 || *end != ':' || end[1] < '0' || end[1] > '9')
		return false;
	seq = strtoul(end + 1, &end, 10);
	if (errno != 0 || *end != '\0' || seq > UINT32_MAX)
		return false;
	for (int i = 0; i < 8; i++)
		key[i] = (uint8_t)(rev >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		key[8 + i] = (uint8_t)(seq >> (24 - 8 * i));
	return true;
}

/* The token of changelog key k: "R:K". */
static char *key_token(const MDB_val *k)
{
	const uint8_t *p = k->mv_data;
	uint64_t rev = 0;
	uint32_t seq = 0;
	char *s;

	for (int i = 0; i < 8; i++)
		rev = rev << 8 | p[i];
	for (int i = 8; i < 12; i++)
		seq = seq << 8 | p[i];
	if (asprintf(&s, "%" PRIu64 ":%" PRIu32, rev, seq) < 0)
		return NULL;
	return s;
}

/* Places c on the newest change before the token's key (or the newest of all for an empty
 * token): an MDB code, MDB_NOTFOUND when there is none. */
static int seek_before(MDB_cursor *c, const uint8_t *key, MDB_val *k, MDB_val *v)
{
	int rc;

	if (key == NULL)
		return mdb_cursor_get(c, k, v, MDB_LAST);
	k->mv_size = 12;
	k->mv_data = (void *)key;
	rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND) /* everything is before the key */
		return mdb_cursor_get(c, k, v, MDB_LAST);
	if (rc != 0)
		return rc;
	return mdb_cursor_get(c, k, v, MDB_PREV);
}

int store_changes_back(store_txn *t, const char *token, const int *kinds, size_t nkinds,
                       char *const *ids, size_t nids, uint32_t page_size, ProtobufCMessage **out,
                       struct store_error *err)
{
	Stdreg__V1__ListChangesResponse *r;
	struct watch_filter filter;
	uint8_t key[12];
	uint32_t scanned = 0;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (token != NULL && token[0] != '\0' && !token_key(token, key))
		return store_fail(err, RG_EINVAL, "page_token", "'%.64s' is not a page token",
		                  token);
	if (page_size == 0)
		page_size = 100;
	if (page_size > 1000)
		page_size = 1000;
	if (watch_filter_init(&filter, kinds, nkinds, ids, nids) != RG_OK)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	if ((r = malloc(sizeof *r)) == NULL) {
		watch_filter_free(&filter);
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	}
	stdreg__v1__list_changes_response__init(r);
	r->next_page_token = strdup("");
	rc = mdb_cursor_open(t->txn, t->st->changelog, &c);
	if (rc != 0) {
		watch_filter_free(&filter);
		stdreg__v1__list_changes_response__free_unpacked(r, NULL);
		return store_mdb_err(t, rc, err);
	}
	for (rc = seek_before(c, token != NULL && token[0] != '\0' ? key : NULL, &k, &v); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_PREV)) {
		if (k.mv_size != 12) {
			rc = MDB_CORRUPTED;
			break;
		}
		/* Full, or enough read for one call: the next page starts before the last
		 * change read (the previous key), so step back over this one first. */
		if (r->n_changes >= page_size || scanned == STORE_WATCH_SCAN_MAX)
			break;
		scanned++;
		free(r->next_page_token);
		if ((r->next_page_token = key_token(&k)) == NULL) {
			rc = ENOMEM;
			break;
		}
		if ((rc = watch_filter_take(&filter, &v, &r->changes, &r->n_changes)) != 0)
			break;
	}
	mdb_cursor_close(c);
	watch_filter_free(&filter);
	if (rc == MDB_NOTFOUND) { /* the oldest change was read */
		free(r->next_page_token);
		r->next_page_token = strdup("");
		rc = 0;
	}
	if (rc == 0 && r->next_page_token == NULL)
		rc = ENOMEM;
	if (rc != 0) {
		stdreg__v1__list_changes_response__free_unpacked(r, NULL);
		return rc == ENOMEM ? store_fail(err, RG_ENOMEM, NULL, "out of memory")
		                    : store_mdb_err(t, rc, err);
	}
	*out = &r->base;
	return RG_OK;
}
