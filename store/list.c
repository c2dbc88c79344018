/*
 * list.c - pages of records in id order, with filters, resumable by a page token.
 *
 * The page token is the hex form of tag + the last id returned: a position in the key
 * order, not an offset, so pages stay stable while other records come and go. A filter on
 * a referenced record (items of an area, assignments of an agency ...) walks that record's
 * entries in the refs index instead of the whole kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "store_int.h"

/* Which filters each kind honours. */
enum {
	F_AREA = 1 << 0,
	F_BODY = 1 << 1,
	F_AGENCY = 1 << 2,
	F_STAGE = 1 << 3,
	F_STATUS = 1 << 4,
	F_TEXT = 1 << 5,
	F_PRIORITY = 1 << 6,
	F_CURRENT = 1 << 7,
	F_HOLDS_ON = 1 << 8,
};

static const unsigned kind_filters[STORE_KIND_MAX + 1] = {
	[STORE_AREA] = F_AREA | F_PRIORITY,
	[STORE_BODY] = F_BODY,
	[STORE_AGENCY] = 0,
	[STORE_ITEM] = F_AREA | F_BODY | F_STAGE | F_STATUS | F_TEXT,
	[STORE_ASSIGNMENT] = F_AREA | F_AGENCY | F_CURRENT | F_HOLDS_ON,
};

static bool set(const char *s)
{
	return s != NULL && *s != '\0';
}

static unsigned filters_used(const struct store_filter *f)
{
	unsigned u = 0;

	if (f == NULL)
		return 0;
	u |= set(f->area_id) ? F_AREA : 0;
	u |= set(f->body_id) ? F_BODY : 0;
	u |= set(f->agency_id) ? F_AGENCY : 0;
	u |= set(f->stage_from) || set(f->stage_to) ? F_STAGE : 0;
	u |= f->status ? F_STATUS : 0;
	u |= set(f->text) ? F_TEXT : 0;
	u |= f->priority ? F_PRIORITY : 0;
	u |= f->current_only ? F_CURRENT : 0;
	u |= set(f->holds_on) ? F_HOLDS_ON : 0;
	return u;
}

static const char *const filter_names[] = { "area_id",  "body_id",      "agency_id",
	                                    "stage",    "status",       "text",
	                                    "priority", "current_only", "holds_on" };

/* A stage bound is "NN.NN"; it need not be in the table ("45.99" is a CEN target stage). */
static bool stage_shape(const char *s)
{
	return strlen(s) == 5 && s[2] == '.' && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' &&
	       s[1] <= '9' && s[3] >= '0' && s[3] <= '9' && s[4] >= '0' && s[4] <= '9';
}

static int check_filters(const struct kind_info *ki, const struct store_filter *f,
                         struct store_error *err)
{
	unsigned bad = filters_used(f) & ~kind_filters[ki->kind];

	for (unsigned i = 0; bad && i < sizeof filter_names / sizeof filter_names[0]; i++)
		if (bad & (1u << i))
			return store_fail(err, RG_EINVAL, filter_names[i],
			                  "filter '%s' does not apply to %s records",
			                  filter_names[i], ki->name);
	if (f == NULL)
		return RG_OK;
	if (set(f->stage_from) && !stage_shape(f->stage_from))
		return store_fail(err, RG_EINVAL, "stage_from", "stage_from '%s' is not NN.NN",
		                  f->stage_from);
	if (set(f->stage_to) && !stage_shape(f->stage_to))
		return store_fail(err, RG_EINVAL, "stage_to", "stage_to '%s' is not NN.NN",
		                  f->stage_to);
	if (f->status && !protobuf_c_enum_descriptor_get_value(
	                         &stdreg__v1__work_item_status__descriptor, f->status))
		return store_fail(err, RG_EINVAL, "status", "unknown status %d", f->status);
	if (f->priority && !protobuf_c_enum_descriptor_get_value(
	                           &stdreg__v1__area_priority__descriptor, f->priority))
		return store_fail(err, RG_EINVAL, "priority", "unknown priority %d", f->priority);
	if (set(f->holds_on) && !store_valid_date(f->holds_on))
		return store_fail(err, RG_EINVAL, "holds_on",
		                  "holds_on '%s' is not a calendar date (YYYY-MM-DD)", f->holds_on);
	return RG_OK;
}

static bool str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool strv_has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq(v[i], s))
			return true;
	return false;
}

static size_t text_len(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/* Does the decoded record pass every filter that is set? */
/* needle: f->text case-folded (store_text_fold), or NULL when there is no text filter. */
static bool matches(enum store_kind k, const ProtobufCMessage *m, const struct store_filter *f,
                    const char *needle)
{
	switch (k) {
	case STORE_AREA: {
		const Stdreg__V1__Area *a = (const void *)m;
		return (!set(f->area_id) || str_eq(a->parent_id, f->area_id)) &&
		       (!f->priority || (int)a->priority == f->priority);
	}
	case STORE_BODY:
		return !set(f->body_id) ||
		       str_eq(((const Stdreg__V1__Body *)m)->parent_id, f->body_id);
	case STORE_ITEM: {
		const Stdreg__V1__WorkItem *w = (const void *)m;
		const char *stage = w->stage ? w->stage : "";
		if (set(f->area_id) && !strv_has(w->area_ids, w->n_area_ids, f->area_id))
			return false;
		if (set(f->body_id) && !str_eq(w->body_id, f->body_id))
			return false;
		/* Stage bounds are ISO harmonized codes: another scheme's stage ("FPWD") has no
		 * place in their order, so it never falls within them. */
		if ((set(f->stage_from) || set(f->stage_to)) && set(w->stage_scheme) &&
		    strcmp(w->stage_scheme, "iso") != 0)
			return false;
		if (set(f->stage_from) && strcmp(stage, f->stage_from) < 0)
			return false;
		if (set(f->stage_to) && strcmp(stage, f->stage_to) > 0)
			return false;
		if (f->status && (int)w->status != f->status)
			return false;
		if (needle && !store_text_contains(w->reference, needle) &&
		    !store_text_contains(w->title, needle))
			return false;
		return true;
	}
	case STORE_ASSIGNMENT: {
		const Stdreg__V1__Assignment *a = (const void *)m;
		return (!set(f->area_id) || str_eq(a->area_id, f->area_id)) &&
		       (!set(f->agency_id) || str_eq(a->agency_id, f->agency_id)) &&
		       (!f->current_only || !set(a->valid_to)) &&
		       (!set(f->holds_on) || assignment_holds_on(a, f->holds_on));
	}
	default:
		return true;
	}
}

/* A text filter: valid UTF-8 of at most STORE_SEARCH_TEXT_MAX characters. */
static int check_search_text(const char *text, struct store_error *err)
{
	size_t len = strlen(text), chars;

	if (!store_valid_text(text, len))
		return store_fail(err, RG_EINVAL, "text", "field 'text' is not valid UTF-8");
	chars = u8_mbsnlen((const uint8_t *)text, len);
	if (chars > STORE_SEARCH_TEXT_MAX)
		return store_fail(err, RG_EINVAL, "text",
		                  "field 'text' is too long (%zu characters, at most %d)", chars,
		                  STORE_SEARCH_TEXT_MAX);
	return RG_OK;
}

/* --- page tokens ------------------------------------------------------------------- */

static void encode_token(char *out, char tag, const char *id, size_t idlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	out[o++] = hex[(unsigned char)tag >> 4];
	out[o++] = hex[(unsigned char)tag & 15];
	for (size_t i = 0; i < idlen && o + 3 < STORE_TOKEN_MAX; i++) {
		out[o++] = hex[(unsigned char)id[i] >> 4];
		out[o++] = hex[(unsigned char)id[i] & 15];
	}
	out[o] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes token into after (the last id of the previous page). */
static int decode_token(const struct kind_info *ki, const char *token, char after[STORE_ID_MAX + 1],
                        struct store_error *err)
{
	size_t n = strlen(token);
	char raw[STORE_ID_MAX + 2];

	if (n < 4 || n % 2 != 0 || n / 2 > sizeof(raw) - 1)
		goto bad;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(token[2 * i]), lo = hexval(token[2 * i + 1]);
		if (hi < 0 || lo < 0)
			goto bad;
		raw[i] = (char)(hi << 4 | lo);
		if (raw[i] == '\0')
			goto bad;
	}
	raw[n / 2] = '\0';
	if (raw[0] != ki->tag)
		goto bad;
	memcpy(after, raw + 1, n / 2);
	return RG_OK;
bad:
	return store_fail(err, RG_EINVAL, "page_token", "page token is not valid for %s records",
	                  ki->name);
}

/* --- iteration --------------------------------------------------------------------- */

/* Walks candidate ids in id order: all records of the kind, or one record's referrers. */
struct walk {
	MDB_cursor *cur;
	bool by_index;
	char src_tag;
	MDB_val key, val;
	int rc;
};

static int walk_start(store_txn *t, struct walk *w, const struct kind_info *ki,
                      const struct kind_info *target)
{
	w->by_index = target != NULL;
	w->src_tag = ki->tag;
	w->rc = mdb_cursor_open(t->txn, w->by_index ? t->st->refs : t->st->records[ki->kind],
	                        &w->cur);
	return w->rc;
}

/* Positions the walk at the first candidate after `after` and returns its id. */
static int walk_first(struct walk *w, char *kbuf, size_t klen, const char *after, const char **id,
                      size_t *idlen)
{
	char vbuf[STORE_ID_MAX + 2];
	size_t alen = strlen(after);

	if (w->by_index) {
		w->key.mv_data = kbuf;
		w->key.mv_size = klen;
		vbuf[0] = w->src_tag;
		memcpy(vbuf + 1, after, alen);
		w->val.mv_data = vbuf;
		w->val.mv_size = alen + 1;
		w->rc = mdb_cursor_get(w->cur, &w->key, &w->val, MDB_GET_BOTH_RANGE);
		if (w->rc == 0 && alen > 0 && w->val.mv_size == alen + 1 &&
		    memcmp(w->val.mv_data, vbuf, alen + 1) == 0)
			w->rc = mdb_cursor_get(w->cur, &w->key, &w->val, MDB_NEXT_DUP);
		if (w->rc == 0 && ((const char *)w->val.mv_data)[0] != w->src_tag)
			w->rc = MDB_NOTFOUND;
		if (w->rc == 0) {
			*id = (const char *)w->val.mv_data + 1;
			*idlen = w->val.mv_size - 1;
		}
		return w->rc;
	}
	if (alen > 0) {
		w->key.mv_data = (void *)after;
		w->key.mv_size = alen;
		w->rc = mdb_cursor_get(w->cur, &w->key, &w->val, MDB_SET_RANGE);
		if (w->rc == 0 && w->key.mv_size == alen &&
		    memcmp(w->key.mv_data, after, alen) == 0)
			w->rc = mdb_cursor_get(w->cur, &w->key, &w->val, MDB_NEXT);
	} else {
		w->rc = mdb_cursor_get(w->cur, &w->key, &w->val, MDB_FIRST);
	}
	if (w->rc == 0) {
		*id = w->key.mv_data;
		*idlen = w->key.mv_size;
	}
	return w->rc;
}

static int walk_next(struct walk *w, const char **id, size_t *idlen)
{
	if (w->by_index) {
		w->rc = mdb_cursor_get(w->cur, &w->key, &w->val, MDB_NEXT_DUP);
		if (w->rc == 0 && ((const char *)w->val.mv_data)[0] != w->src_tag)
			w->rc = MDB_NOTFOUND;
		if (w->rc == 0) {
			*id = (const char *)w->val.mv_data + 1;
			*idlen = w->val.mv_size - 1;
		}
		return w->rc;
	}
	w->rc = mdb_cursor_get(w->cur, &w->key, &w->val, MDB_NEXT);
	if (w->rc == 0) {
		*id = w->key.mv_data;
		*idlen = w->key.mv_size;
	}
	return w->rc;
}

/* The indexed filter that narrows the walk most directly, if any. */
static const struct kind_info *index_target(enum store_kind k, const struct store_filter *f,
                                            const char **target_id)
{
	if (f == NULL)
		return NULL;
	if (set(f->area_id) && (k == STORE_ITEM || k == STORE_ASSIGNMENT || k == STORE_AREA)) {
		*target_id = f->area_id;
		return kind_get(STORE_AREA);
	}
	if (set(f->body_id) && (k == STORE_ITEM || k == STORE_BODY)) {
		*target_id = f->body_id;
		return kind_get(STORE_BODY);
	}
	if (set(f->agency_id) && k == STORE_ASSIGNMENT) {
		*target_id = f->agency_id;
		return kind_get(STORE_AGENCY);
	}
	return NULL;
}

/*
 * The filter a walk of target's index entries answers by itself, exactly: every entry of
 * kind k under the target holds that reference in that one field (an item's areas, its
 * body; an assignment's area, its agency), so no record need be decoded to check it. An
 * area's or a body's entries under another area or body may be more than its parent.
 */
static unsigned index_answers(enum store_kind k, const struct kind_info *target)
{
	if (target == NULL)
		return 0;
	if (k == STORE_ITEM)
		return target->kind == STORE_AREA   ? F_AREA
		       : target->kind == STORE_BODY ? F_BODY
		                                    : 0;
	if (k == STORE_ASSIGNMENT)
		return target->kind == STORE_AREA     ? F_AREA
		       : target->kind == STORE_AGENCY ? F_AGENCY
		                                      : 0;
	return 0;
}

int store_list(store_txn *t, enum store_kind k, const struct store_filter *f, uint32_t page_size,
               const char *page_token, store_list_fn fn, void *arg, char *next_token,
               struct store_error *err)
{
	const struct kind_info *ki = kind_get(k), *target;
	struct store_filter none = { 0 };
	char after[STORE_ID_MAX + 1] = "", kbuf[STORE_ID_MAX + 2], last[STORE_ID_MAX + 1] = "";
	const char *target_id = NULL, *id;
	size_t idlen, klen = 0, lastlen = 0;
	uint32_t emitted = 0, scanned = 0;
	size_t searched = 0; /* bytes of text the needle was sought in */
	bool decode;
	struct walk w = { 0 };
	int rc, code = RG_OK;

	if (ki == NULL)
		return store_fail(err, RG_EINVAL, NULL, "unknown kind");
	if (f == NULL)
		f = &none;
	rc = check_filters(ki, f, err);
	if (rc == RG_OK && set(page_token))
		rc = decode_token(ki, page_token, after, err);
	if (rc != RG_OK)
		return rc;
	if (page_size == 0)
		page_size = STORE_PAGE_DEFAULT;
	if (page_size > STORE_PAGE_MAX)
		page_size = STORE_PAGE_MAX;
	next_token[0] = '\0';
	target = index_target(k, f, &target_id);
	// A page of items by area decodes no record unless another filter needs one.
	decode = (filters_used(f) & ~index_answers(k, target)) != 0;
	if (target) {
		if (strlen(target_id) > STORE_ID_MAX)
			return RG_OK; /* no record has such an id, so nothing refers to it */
		klen = index_key(kbuf, target->tag, target_id);
	}
	/* Folded once per page: Unicode rules, so "åtkomst" finds "Åtkomst". */
	char *needle = NULL;
	if (set(f->text) && (rc = check_search_text(f->text, err)) != RG_OK)
		return rc;
	if (set(f->text) && (needle = store_text_fold(f->text, NULL)) == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory"); /* text was checked */
	rc = walk_start(t, &w, ki, target);
	if (rc != 0) {
		free(needle);
		return store_mdb_err(t, rc, err);
	}

	for (rc = walk_first(&w, kbuf, klen, after, &id, &idlen); rc == 0;
	     rc = walk_next(&w, &id, &idlen)) {
		MDB_val key = { idlen, (void *)id }, val;
		if (w.by_index) {
			int g = mdb_get(t->txn, t->st->records[k], &key, &val);
			if (g == MDB_NOTFOUND) {
				/* The policy of refs.c: a broken invariant, not a record to skip. */
				code = store_fail(
				        err, RG_ECORRUPT, NULL,
				        "reference index of %s '%s' names %s '%.*s', which "
				        "does not exist (run 'registryd check')",
				        target->name, target_id, ki->name, (int)idlen, id);
				break;
			}
			if (g != 0) {
				rc = g;
				break;
			}
		} else {
			val = w.val;
		}
		if (decode &&
		    (scanned == STORE_LIST_SCAN_MAX || searched >= STORE_LIST_SCAN_TEXT_MAX)) {
			/* Enough read for one call: the next page goes on after the last record
			 * read (last: matched or not), as a Watch does after its slice. */
			encode_token(next_token, ki->tag, last, lastlen);
			break;
		}
		if (decode) {
			ProtobufCMessage *m =
			        protobuf_c_message_unpack(ki->desc, NULL, val.mv_size, val.mv_data);
			bool ok = m && matches(k, m, f, needle);
			if (m == NULL) {
				code = store_fail(
				        err, RG_ECORRUPT, NULL,
				        "stored %s '%.*s' does not decode (run 'registryd "
				        "check')",
				        ki->name, (int)idlen, id);
				break;
			}
			if (needle != NULL && k == STORE_ITEM)
				searched += text_len(((const Stdreg__V1__WorkItem *)m)->reference) +
				            text_len(((const Stdreg__V1__WorkItem *)m)->title);
			protobuf_c_message_free_unpacked(m, NULL);
			scanned++;
			if (!ok) {
				lastlen = idlen < STORE_ID_MAX ? idlen : STORE_ID_MAX;
				memcpy(last, id, lastlen);
				last[lastlen] = '\0';
				continue;
			}
		}
		if (emitted == page_size) {
			/* One more match exists: the caller gets a token for the next page. */
			encode_token(next_token, ki->tag, last, lastlen);
			break;
		}
		if (fn(arg, val.mv_data, val.mv_size) != 0) {
			/* The caller ends the page before this record (a size budget): the next
			 * page starts at it. With nothing accepted there is no page to follow. */
			if (emitted > 0)
				encode_token(next_token, ki->tag, last, lastlen);
			break;
		}
		emitted++;
		lastlen = idlen < STORE_ID_MAX ? idlen : STORE_ID_MAX;
		memcpy(last, id, lastlen);
		last[lastlen] = '\0';
	}
	mdb_cursor_close(w.cur);
	free(needle);
	if (code != RG_OK)
		return code;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_err(t, rc, err);
	return RG_OK;
}
