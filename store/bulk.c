/*
 * bulk.c - apply a whole file of records as one change, and export the registry in the
 * same form.
 *
 * Apply runs every put in one nested transaction under the caller's: all of them land in
 * the caller's revision, or none does. Records may refer to each other in any order: they
 * are put in an order where each comes after the records of the file it refers to
 * (bulk_order.c), and a record refused for a missing reference is tried again after the
 * others, until a pass makes no progress. store_put checks everything before it writes, so
 * a refused record leaves nothing behind in the transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk_entry.h"
#include "stdreg/v1/registry.pb-c.h"
#include "store_int.h"
#include "wal.h"

#define MAX_DIFFERENCES 20
/* From this many records on, the report index's entries wait and are written sorted
 * (index_batch.c). A smaller apply writes them at once: its few entries would not fill the
 * batch's first 2 MiB mappings, which cost more to map than sorting them saves. */
#define BATCH_MIN_RECORDS 1024

/* The one record a BulkRecord carries, or NULL when it carries none or several. */
static ProtobufCMessage *bulk_record(const Stdreg__V1__BulkRecord *b, enum store_kind *k)
{
	ProtobufCMessage *set[STORE_KIND_MAX + 1] = {
		NULL,
		b->area ? &b->area->base : NULL,
		b->body ? &b->body->base : NULL,
		b->agency ? &b->agency->base : NULL,
		b->work_item ? &b->work_item->base : NULL,
		b->assignment ? &b->assignment->base : NULL,
		b->goal ? &b->goal->base : NULL,
		b->follow_up ? &b->follow_up->base : NULL,
	};
	ProtobufCMessage *found = NULL;

	for (int i = 1; i <= STORE_KIND_MAX; i++) {
		if (set[i] == NULL)
			continue;
		if (found)
			return NULL;
		found = set[i];
		*k = (enum store_kind)i;
	}
	return found;
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	/* Lines without exactly one record all sort last (kind past the last) and have no id:
	 * order them by line, never by record_id() of a NULL record. */
	if (a->rec == NULL || b->rec == NULL)
		return a->line < b->line ? -1 : a->line > b->line;
	c = strcmp(a->id, b->id);
	if (c != 0)
		return c;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* Assignments are keyed by area, agency and valid_from: give each its derived id. */
static int derive_assignment_id(ProtobufCMessage *m)
{
	Stdreg__V1__Assignment *a = (Stdreg__V1__Assignment *)m;
	char id[STORE_ID_MAX + 1], *copy;

	if (a->id && *a->id)
		return RG_OK;
	snprintf(id, sizeof(id), "%s/%s/%s", a->area_id, a->agency_id, a->valid_from);
	copy = strdup(id);
	if (copy == NULL)
		return RG_ENOMEM;
	/* No id given: a->id is protobuf-c's static "", not to be freed. */
	msg_set_str(&a->id, copy);
	return RG_OK;
}

struct result {
	Stdreg__V1__ApplyCommitResponse *r;
	uint32_t counts[STORE_KIND_MAX + 1][4]; /* by enum store_outcome */
};

static int add_error(struct result *res, uint32_t line, const char *message)
{
	Stdreg__V1__LineError *le;

	res->r->error_count++;
	if (res->r->n_errors >= STORE_APPLY_MAX_ERRORS)
		return RG_OK;
	le = malloc(sizeof(*le));
	if (le == NULL)
		return RG_ENOMEM;
	stdreg__v1__line_error__init(le);
	le->line = line;
	le->message = strdup(message);
	if (le->message == NULL || !PUSH(res->r->errors, res->r->n_errors, le)) {
		stdreg__v1__line_error__free_unpacked(le, NULL);
		return RG_ENOMEM;
	}
	return RG_OK;
}

/* Dry run: "item 'x': stage '40.20' -> '50.00', title ..." for the first updated records. */
struct diff_text {
	char buf[480];
	size_t off;
};

static int diff_text_fn(void *arg, const char *field, char *o, char *n)
{
	struct diff_text *d = arg;
	size_t room = sizeof(d->buf) - d->off;
	int w = snprintf(d->buf + d->off, room, "%s%s '%.60s' -> '%.60s'", d->off ? ", " : "",
	                 field, o, n);

	free(o);
	free(n);
	if (w > 0)
		d->off += (size_t)w < room ? (size_t)w : room - 1;
	return 0;
}

/* The record stored under e's id before its put, or NULL if there is none. */
static ProtobufCMessage *stored_before(store_txn *t, const struct entry *e)
{
	const void *val;
	size_t len;

	if (store_get(t, e->kind, record_id(e->kind, e->rec), &val, &len) != RG_OK)
		return NULL;
	return protobuf_c_message_unpack(kind_get(e->kind)->desc, NULL, len, val);
}

/*
 * The difference e's put made to old, as "item 'x': stage '40.20' -> '50.00', ...". Called
 * after store_put, which derived what the kind derives (a work item's status, an assignment's
 * attribution) in e->rec: the dry run shows what the real apply stores, as history will.
 */
static char *describe_difference(const ProtobufCMessage *old, const struct entry *e)
{
	struct diff_text d = { .off = 0 };
	char line[600];

	if (record_diff(kind_get(e->kind)->desc, old, e->rec, diff_text_fn, &d) != RG_OK)
		return NULL;
	snprintf(line, sizeof(line), "%s '%s': %s", store_kind_name(e->kind),
	         record_id(e->kind, e->rec), d.buf);
	return strdup(line);
}

/* Keeps why e's put failed. */
static int keep_error(struct entry *e, const struct store_error *why)
{
	if (e->err == NULL && (e->err = malloc(sizeof *e->err)) == NULL)
		return RG_ENOMEM;
	*e->err = *why;
	return RG_OK;
}

static bool fatal(int rc)
{
	return rc == RG_ENOSPC || rc == RG_EIO || rc == RG_ENOMEM || rc == RG_ECORRUPT;
}

/*
 * Puts every pending entry, pass after pass, while a pass makes progress. An entry refused
 * for a missing reference (RG_EPRECOND) may succeed once a later line has been put.
 */
static int apply_entries(store_txn *t, struct entry *es, const uint32_t *order, size_t n,
                         bool dry_run, const struct store_actor *who, struct result *res,
                         struct store_error *err)
{
	bool progress = true;

	while (progress) {
		progress = false;
		for (size_t i = 0; i < n; i++) {
			struct entry *e = &es[order[i]];
			int outcome = 0, rc;
			struct store_put_opts o = { .outcome = &outcome };
			struct store_error why;
			ProtobufCMessage *old = NULL;
			char *diff = NULL;

			if (e->code != PENDING && e->code != RG_EPRECOND)
				continue;
			if (dry_run && res->r->n_differences < MAX_DIFFERENCES)
				old = stored_before(t, e); /* before the put replaces it */
			why.code = 0;
			why.field[0] = why.message[0] = '\0';
			rc = store_put(t, e->kind, e->rec, &o, who, NULL, NULL, &why);
			e->code = rc;
			if (rc != RG_OK && keep_error(e, &why) != RG_OK)
				rc = store_fail(&why, RG_ENOMEM, NULL, "out of memory");
			if (rc == RG_OK) {
				res->counts[e->kind][outcome]++;
				progress = true;
				if (old && outcome == STORE_UPDATED)
					diff = describe_difference(old, e);
				if (diff && PUSH(res->r->differences, res->r->n_differences, diff))
					diff = NULL;
			}
			if (old)
				protobuf_c_message_free_unpacked(old, NULL);
			free(diff);
			if (fatal(rc)) {
				if (err != NULL)
					*err = why; /* the cause: a full store names its quota */
				return rc;
			}
		}
	}
	return RG_OK;
}

static int build_counts(struct result *res)
{
	for (int k = 1; k <= STORE_KIND_MAX; k++) {
		uint32_t *c = res->counts[k];
		if (c[STORE_CREATED] + c[STORE_UPDATED] + c[STORE_UNCHANGED] == 0)
			continue;
		Stdreg__V1__KindCounts *kc = malloc(sizeof(*kc));
		if (kc == NULL)
			return RG_ENOMEM;
		stdreg__v1__kind_counts__init(kc);
		kc->kind = (Stdreg__V1__Kind)k;
		kc->created = c[STORE_CREATED];
		kc->updated = c[STORE_UPDATED];
		kc->unchanged = c[STORE_UNCHANGED];
		if (!PUSH(res->r->counts, res->r->n_counts, kc)) {
			free(kc);
			return RG_ENOMEM;
		}
	}
	return RG_OK;
}

/* Checks the shape of every line and finds duplicates; fills es. */
static int prepare(ProtobufCMessage *const *records, size_t n, struct entry *es, struct result *res)
{
	int rc = RG_OK;

	for (size_t i = 0; i < n && rc == RG_OK; i++) {
		const Stdreg__V1__BulkRecord *b = (const Stdreg__V1__BulkRecord *)records[i];
		struct entry *e = &es[i];
		e->line = b->line ? b->line : (uint32_t)(i + 1);
		e->code = PENDING;
		e->rec = bulk_record(b, &e->kind);
		if (e->rec == NULL) {
			e->code = RG_EINVAL;
			rc = add_error(res, e->line, "a line must hold exactly one record");
			e->kind = STORE_KIND_MAX + 1; /* sorts last, never applied */
			continue;
		}
		if (e->kind == STORE_ASSIGNMENT)
			rc = derive_assignment_id(e->rec);
		e->id = record_id(e->kind, e->rec);
	}
	if (rc != RG_OK)
		return rc;
	qsort(es, n, sizeof(*es), cmp_entry);
	for (size_t i = 1; i < n; i++) {
		struct entry *a = &es[i - 1], *b = &es[i];
		char msg[STORE_ID_MAX + 96];
		if (b->rec == NULL || a->rec == NULL || a->kind != b->kind ||
		    strcmp(a->id, b->id) != 0)
			continue;
		snprintf(msg, sizeof(msg), "%s '%s' appears again (first on line %u)",
		         store_kind_name(b->kind), b->id, a->line);
		b->code = RG_EINVAL;
		rc = add_error(res, b->line, msg);
		if (rc != RG_OK)
			return rc;
	}
	return RG_OK;
}

static int cmp_line_error(const void *pa, const void *pb)
{
	const Stdreg__V1__LineError *a = *(Stdreg__V1__LineError *const *)pa;
	const Stdreg__V1__LineError *b = *(Stdreg__V1__LineError *const *)pb;

	return a->line < b->line ? -1 : a->line > b->line;
}

int store_apply(store_txn *t, ProtobufCMessage *const *records, size_t n, bool dry_run,
                const ProtobufCAllocator *records_alloc, const struct store_actor *who,
                ProtobufCMessage **out, struct store_error *err)
{
	const ProtobufCAllocator *was;
	struct result res = { 0 };
	struct entry *es = calloc(n ? n : 1, sizeof(*es));
	struct index_batch report_later;
	uint32_t *order = NULL; /* indexes of es, in the order they are put */
	store_txn nested = { .st = t->st,
		             .parent = t,
		             .revision = t->revision,
		             .seq = t->seq,
		             .report_later = n >= BATCH_MIN_RECORDS ? &report_later : NULL,
		             .goal_chains = goal_chains_new(GOAL_CHAINS_MAX_ENTRIES) };
	bool all_precond = true; /* every bad line so far refused by the state of the store */
	int rc;

	res.r = malloc(sizeof(*res.r));
	if (es == NULL || res.r == NULL) {
		free(es);
		free(res.r);
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	}
	stdreg__v1__apply_commit_response__init(res.r);
	res.r->dry_run = dry_run;
	index_batch_init(&report_later, t->st->report);
	was = msg_strings_from(records_alloc); /* until out: */
	rc = prepare(records, n, es, &res);
	if (rc == RG_OK && (order = bulk_put_order(es, n)) == NULL)
		rc = RG_ENOMEM;
	if (rc == RG_OK)
		rc = store_mdb_err(t, mdb_txn_begin(t->st->env, t->txn, 0, &nested.txn), err);
	if (rc != RG_OK)
		goto out;
	if (t->st->wal != NULL)
		nested.wal_mark = wal_mark(t->st->wal);
	rc = apply_entries(&nested, es, order, n, dry_run, who, &res, err);
	if (rc == RG_OK)
		rc = bulk_refuse_parent_cycles(es, n);
	for (size_t i = 0; rc == RG_OK && i < n; i++) {
		char msg[sizeof(es[i].err->message) + 32];
		if (es[i].code != RG_OK && es[i].code != PENDING && es[i].code != RG_EPRECOND)
			all_precond = false;
		if (es[i].code == RG_OK || es[i].code == PENDING || es[i].rec == NULL)
			continue;
		if (es[i].err == NULL)
			continue; /* reported by prepare() */
		snprintf(msg, sizeof(msg), "%s", es[i].err->message);
		rc = add_error(&res, es[i].line, msg);
	}
	if (rc == RG_OK)
		rc = build_counts(&res);
	/* A dry run writes them too: it finds a store too full for them as the apply would. */
	if (rc == RG_OK && res.r->error_count == 0)
		rc = index_batch_write(&nested, &report_later, err);
	if (rc != RG_OK || dry_run || res.r->error_count > 0) {
		mdb_txn_abort(nested.txn);
		if (t->st->wal != NULL)
			wal_rewind(t->st->wal, nested.wal_mark);
	} else {
		if (t->st->wal != NULL)
			wal_settle(t->st->wal);
		rc = store_mdb_err(t, mdb_txn_commit(nested.txn), err);
		if (rc != RG_OK && t->st->wal != NULL)
			wal_rewind(t->st->wal, nested.wal_mark);
		if (rc == RG_OK && nested.changed) {
			t->changed = true;
			t->seq = nested.seq;
		}
	}
	if (rc == RG_OK && res.r->error_count > 0) {
		qsort(res.r->errors, res.r->n_errors, sizeof(res.r->errors[0]), cmp_line_error);
		/* One answer for one situation: lines refused only for what the store holds (a
		 * missing reference) are a failed precondition, as the same put alone would be. */
		rc = store_fail(err, all_precond ? RG_EPRECOND : RG_EINVAL, "records",
		                "%u of %zu records %s; nothing was applied", res.r->error_count, n,
		                all_precond ? "cannot be applied" : "are invalid");
	}
out:
	for (size_t i = 0; i < n; i++)
		free(es[i].err);
	free(es);
	free(order);
	index_batch_release(&report_later);
	goal_chains_free(nested.goal_chains);
	msg_strings_from(was);
	if (rc != RG_OK && rc != RG_EINVAL && rc != RG_EPRECOND) {
		stdreg__v1__apply_commit_response__free_unpacked(res.r, NULL);
		if (err && err->code != rc)
			store_fail(err, rc, NULL, "cannot apply (%s)", rg_strerror(rc));
		return rc;
	}
	*out = &res.r->base;
	return rc;
}

/* --- export ------------------------------------------------------------------------ */

static void encode_pos(char *out, enum store_kind k, const char *id, size_t idlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	out[o++] = (char)('0' + k);
	for (size_t i = 0; i < idlen && o + 3 < STORE_TOKEN_MAX; i++) {
		out[o++] = hex[(unsigned char)id[i] >> 4];
		out[o++] = hex[(unsigned char)id[i] & 15];
	}
	out[o] = '\0';
}

static bool decode_pos(const char *tok, enum store_kind *k, char *id)
{
	size_t n = strlen(tok), o = 0;

	if (n < 3 || n % 2 == 0 || tok[0] < '1' || tok[0] > '0' + STORE_KIND_MAX ||
	    (n - 1) / 2 > STORE_ID_MAX)
		return false;
	*k = (enum store_kind)(tok[0] - '0');
	for (size_t i = 1; i < n; i += 2) {
		char pair[3] = { tok[i], tok[i + 1], 0 };
		char *end;
		long v = strtol(pair, &end, 16);
		if (*end != '\0' || v == 0)
			return false;
		id[o++] = (char)v;
	}
	id[o] = '\0';
	return true;
}

static int export_record(store_txn *t, Stdreg__V1__ExportResponse *r, enum store_kind k,
                         const MDB_val *v)
{
	Stdreg__V1__BulkRecord *b = malloc(sizeof(*b));
	struct store_error err;
	ProtobufCMessage *m;
	int rc;

	if (b == NULL)
		return RG_ENOMEM;
	stdreg__v1__bulk_record__init(b);
	m = protobuf_c_message_unpack(kind_get(k)->desc, NULL, v->mv_size, v->mv_data);
	if (m == NULL) {
		free(b);
		return RG_ECORRUPT;
	}
	/* Meta and attribution belong to this registry, not to the data: apply sets its own
	 * from the principal that applies (records.c, set_attribution). */
	Stdreg__V1__Meta **meta = msg_meta(m);
	if (*meta) {
		stdreg__v1__meta__free_unpacked(*meta, NULL);
		*meta = NULL;
	}
	if (k == STORE_ASSIGNMENT)
		msg_set_str(&((Stdreg__V1__Assignment *)m)->appointed_by,
		            (char *)protobuf_c_empty_string);
	switch (k) {
	case STORE_AREA:
		b->area = (Stdreg__V1__Area *)m;
		break;
	case STORE_BODY:
		b->body = (Stdreg__V1__Body *)m;
		break;
	case STORE_AGENCY:
		b->agency = (Stdreg__V1__Agency *)m;
		break;
	case STORE_ITEM:
		b->work_item = (Stdreg__V1__WorkItem *)m;
		break;
	case STORE_ASSIGNMENT:
		b->assignment = (Stdreg__V1__Assignment *)m;
		break;
	case STORE_GOAL:
		b->goal = (Stdreg__V1__Goal *)m;
		/* As it was set: its follow-ups, exported after it, bring it to today's terms. */
		if ((rc = goal_kind_as_set(t, m, &err)) != RG_OK) {
			stdreg__v1__bulk_record__free_unpacked(b, NULL);
			return rc;
		}
		break;
	case STORE_FOLLOW_UP:
		b->follow_up = (Stdreg__V1__FollowUp *)m;
		break;
	}
	if (!PUSH(r->records, r->n_records, b)) {
		stdreg__v1__bulk_record__free_unpacked(b, NULL);
		return RG_ENOMEM;
	}
	return RG_OK;
}

int store_export(store_txn *t, enum store_kind only, const char *page_token, uint32_t page_size,
                 ProtobufCMessage **out, struct store_error *err)
{
	Stdreg__V1__ExportResponse *r;
	enum store_kind k = only ? only : STORE_AREA, last_k = 0;
	char after[STORE_ID_MAX + 1] = "", last[STORE_ID_MAX + 1];
	size_t lastlen = 0;
	bool paged = false;
	int rc = RG_OK;

	if (only && kind_get(only) == NULL)
		return store_fail(err, RG_EINVAL, "kind", "unknown kind %d", (int)only);
	if (page_token && *page_token &&
	    (!decode_pos(page_token, &k, after) || (only && k != only)))
		return store_fail(err, RG_EINVAL, "page_token", "page token is not valid");
	if (page_size == 0 || page_size > STORE_PAGE_MAX)
		page_size = STORE_PAGE_MAX;
	r = malloc(sizeof(*r));
	if (r == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	stdreg__v1__export_response__init(r);
	r->revision = t->revision;

	for (; k <= STORE_KIND_MAX && rc == RG_OK; k++, after[0] = '\0') {
		MDB_cursor *c;
		MDB_val key = { strlen(after), after }, v;
		int mrc = mdb_cursor_open(t->txn, t->st->records[k], &c);
		if (mrc != 0) {
			rc = store_mdb_err(t, mrc, err);
			break;
		}
		mrc = mdb_cursor_get(c, &key, &v, after[0] ? MDB_SET_RANGE : MDB_FIRST);
		if (mrc == 0 && after[0] && key.mv_size == strlen(after) &&
		    memcmp(key.mv_data, after, key.mv_size) == 0)
			mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
		for (; mrc == 0 && rc == RG_OK; mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT)) {
			if (r->n_records == page_size) {
				/* One more record exists: resume after the last one returned, which
				 * may be of the previous kind (stepping back in this kind's cursor
				 * would lose this kind's first record). */
				char *tok = malloc(STORE_TOKEN_MAX);
				if (tok)
					encode_pos(tok, last_k, last, lastlen);
				r->next_page_token = tok;
				rc = tok ? RG_OK : RG_ENOMEM;
				paged = true;
				break;
			}
			rc = export_record(t, r, k, &v);
			last_k = k;
			lastlen = key.mv_size < STORE_ID_MAX ? key.mv_size : STORE_ID_MAX;
			memcpy(last, key.mv_data, lastlen);
		}
		mdb_cursor_close(c);
		/* Not r->next_page_token: init sets it to protobuf-c's "" (non-NULL), which ended
		 * every export after its first kind. */
		if (paged || only)
			break;
	}
	if (rc != RG_OK) {
		stdreg__v1__export_response__free_unpacked(r, NULL);
		return store_fail(err, rc, NULL, "cannot export (%s)", rg_strerror(rc));
	}
	*out = &r->base;
	return RG_OK;
}
