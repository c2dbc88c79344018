/*
 * appoint.c - the appointment workflow: assign, unassign, transfer, and stage moves.
 *
 * Each is a short composition of store_put calls in the caller's transaction, so the
 * generic checks (references, the one-current-lead rule, never rewriting an appointment)
 * and the changelog apply to them as to any write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

void store_today(time_t now, char out[11])
{
	struct tm tm;
	time_t t = now ? now : time(NULL);

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A date argument: given and valid, or today when absent. */
static int date_or_today(const char *field, const char *given, const struct store_actor *who,
                         char out[11], struct store_error *err)
{
	if (str_empty(given)) {
		store_today(who ? who->now : 0, out);
		return RG_OK;
	}
	if (!store_valid_date(given))
		return store_fail(err, RG_EINVAL, field, "'%s' is not a calendar date (YYYY-MM-DD)",
		                  given);
	snprintf(out, 11, "%s", given);
	return RG_OK;
}

static int need_decision(const char *decision_ref, struct store_error *err)
{
	if (str_empty(decision_ref))
		return store_fail(err, RG_EINVAL, "decision_ref",
		                  "a decision reference is required (--decision)");
	return RG_OK;
}

/* A record the call refers to (not the appointment it addresses): missing is a failed
 * precondition, as for any reference (records.c), never "not found". */
static int need_record(store_txn *t, enum store_kind k, const char *id, const char *field,
                       struct store_error *err)
{
	if (str_empty(id))
		return store_fail(err, RG_EINVAL, field, "field '%s' is required", field);
	if (!record_exists(t, k, id))
		return store_fail(err, RG_EPRECOND, field, "%s '%s' not found", store_kind_name(k),
		                  id);
	return RG_OK;
}

struct assignment_walk {
	int (*fn)(Stdreg__V1__Assignment *a, void *arg);
	void *arg;
};

static int assignment_step(ProtobufCMessage *rec, void *arg)
{
	struct assignment_walk *w = arg;

	return w->fn((Stdreg__V1__Assignment *)rec, w->arg) ? REFS_STOP : REFS_NEXT;
}

int each_assignment_of(store_txn *t, enum store_kind target, const char *target_id,
                       int (*fn)(Stdreg__V1__Assignment *a, void *arg), void *arg,
                       struct store_error *err)
{
	struct assignment_walk w = { fn, arg };

	return refs_each(t, target, target_id, STORE_ASSIGNMENT, assignment_step, &w, err);
}

/* Finds the current (not ended) assignment of an agency in an area, optionally of a role. */
struct find_current {
	const char *agency_id;
	int role;
	Stdreg__V1__Assignment *found; /* a copy, packed and unpacked */
};

static int find_current_fn(Stdreg__V1__Assignment *a, void *arg)
{
	struct find_current *f = arg;

	if (!str_empty(a->valid_to) || strcmp(a->agency_id, f->agency_id) != 0)
		return 0;
	if (f->role && (int)a->role != f->role)
		return 0;
	/* Keep our own copy: the callback's message dies when it returns. */
	size_t len = stdreg__v1__assignment__get_packed_size(a);
	uint8_t *buf = malloc(len ? len : 1);
	if (buf == NULL)
		return 1;
	stdreg__v1__assignment__pack(a, buf);
	f->found = stdreg__v1__assignment__unpack(NULL, len, buf);
	free(buf);
	return 1;
}

static int find_current(store_txn *t, const char *area_id, const char *agency_id, int role,
                        struct store_error *err, Stdreg__V1__Assignment **out)
{
	struct find_current f = { agency_id, role, NULL };
	int rc = each_assignment_of(t, STORE_AREA, area_id, find_current_fn, &f, err);

	*out = f.found;
	return rc;
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* Ends assignment a on valid_to under decision_ref; a is updated in place. */
static int end_assignment(store_txn *t, Stdreg__V1__Assignment *a, const char *valid_to,
                          const char *decision_ref, const struct store_actor *who,
                          struct store_error *err)
{
	struct store_put_opts o = { .expected_mod_revision = a->meta ? a->meta->mod_revision : 0 };
	char *to = strdup(valid_to), *dec = strdup(decision_ref);

	if (to == NULL || dec == NULL) {
		free(to);
		free(dec);
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	}
	/* A current assignment has no valid_to on the wire: protobuf-c's static "". */
	msg_set_str(&a->valid_to, to);
	msg_set_str(&a->end_decision_ref, dec);
	return store_put(t, STORE_ASSIGNMENT, &a->base, &o, who, NULL, NULL, err);
}

static int start_assignment(store_txn *t, const char *area_id, const char *agency_id, int role,
                            const char *decision_ref, const char *from, const char *note,
                            const struct store_actor *who, ProtobufCMessage **out,
                            struct store_error *err)
{
	struct store_put_opts o = { .create_only = true };
	Stdreg__V1__Assignment *a = malloc(sizeof(*a));
	int rc;

	if (a == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	stdreg__v1__assignment__init(a);
	a->area_id = dup_or_empty(area_id);
	a->agency_id = dup_or_empty(agency_id);
	a->role = role;
	a->decision_ref = dup_or_empty(decision_ref);
	a->valid_from = dup_or_empty(from);
	a->note = dup_or_empty(note);
	a->appointed_by = dup_or_empty(who ? who->principal : "");
	if (!a->area_id || !a->agency_id || !a->decision_ref || !a->valid_from || !a->note ||
	    !a->appointed_by)
		rc = store_fail(err, RG_ENOMEM, NULL, "out of memory");
	else
		rc = store_put(t, STORE_ASSIGNMENT, &a->base, &o, who, NULL, NULL, err);
	if (rc == RG_EEXIST)
		store_fail(err, RG_EEXIST, "valid_from",
		           "agency '%s' already has an appointment in area '%s' from %s", agency_id,
		           area_id, from);
	if (rc == RG_OK && out) {
		*out = &a->base;
		return RG_OK;
	}
	stdreg__v1__assignment__free_unpacked(a, NULL);
	return rc;
}

int store_assign(store_txn *t, const char *area_id, const char *agency_id, int role,
                 const char *decision_ref, const char *valid_from, const char *note,
                 const struct store_actor *who, ProtobufCMessage **out, struct store_error *err)
{
	Stdreg__V1__Assignment *cur = NULL;
	char from[11];
	int rc = need_record(t, STORE_AREA, area_id, "area_id", err);

	if (rc == RG_OK)
		rc = need_record(t, STORE_AGENCY, agency_id, "agency_id", err);
	if (rc == RG_OK && role != STDREG__V1__ROLE__ROLE_LEAD &&
	    role != STDREG__V1__ROLE__ROLE_SUPPORTING)
		rc = store_fail(err, RG_EINVAL, "role", "role must be lead or supporting");
	if (rc == RG_OK)
		rc = need_decision(decision_ref, err);
	if (rc == RG_OK)
		rc = date_or_today("valid_from", valid_from, who, from, err);
	if (rc == RG_OK)
		rc = find_current(t, area_id, agency_id, 0, err, &cur);
	if (rc != RG_OK)
		return rc;
	if (cur) {
		rc = store_fail(err, RG_EPRECOND, "agency_id",
		                "agency '%s' already holds a current %s appointment in area '%s' "
		                "(assignment '%s'); unassign it first",
		                agency_id,
		                cur->role == STDREG__V1__ROLE__ROLE_LEAD ? "lead" : "supporting",
		                area_id, cur->id);
		stdreg__v1__assignment__free_unpacked(cur, NULL);
		return rc;
	}
	return start_assignment(t, area_id, agency_id, role, decision_ref, from, note, who, out,
	                        err);
}

int store_unassign(store_txn *t, const char *area_id, const char *agency_id, int role,
                   const char *decision_ref, const char *valid_to, const struct store_actor *who,
                   ProtobufCMessage **out, struct store_error *err)
{
	Stdreg__V1__Assignment *cur = NULL;
	char to[11];
	int rc = need_record(t, STORE_AREA, area_id, "area_id", err);

	if (rc == RG_OK)
		rc = need_record(t, STORE_AGENCY, agency_id, "agency_id", err);
	if (rc == RG_OK)
		rc = need_decision(decision_ref, err);
	if (rc == RG_OK)
		rc = date_or_today("valid_to", valid_to, who, to, err);
	if (rc == RG_OK)
		rc = find_current(t, area_id, agency_id, role, err, &cur);
	if (rc != RG_OK)
		return rc;
	if (cur == NULL)
		return store_fail(err, RG_ENOENT, "agency_id",
		                  "agency '%s' holds no current appointment in area '%s'",
		                  agency_id, area_id);
	rc = end_assignment(t, cur, to, decision_ref, who, err);
	if (rc == RG_OK && out) {
		*out = &cur->base;
		return RG_OK;
	}
	stdreg__v1__assignment__free_unpacked(cur, NULL);
	return rc;
}

int store_transfer(store_txn *t, const char *area_id, const char *from_agency,
                   const char *to_agency, const char *decision_ref, const char *valid_from,
                   const char *note, const struct store_actor *who, ProtobufCMessage **ended,
                   ProtobufCMessage **started, struct store_error *err)
{
	Stdreg__V1__Assignment *lead = NULL, *support = NULL;
	char from[11];
	int rc = need_record(t, STORE_AREA, area_id, "area_id", err);

	if (rc == RG_OK)
		rc = need_record(t, STORE_AGENCY, from_agency, "from_agency_id", err);
	if (rc == RG_OK)
		rc = need_record(t, STORE_AGENCY, to_agency, "to_agency_id", err);
	if (rc == RG_OK && strcmp(from_agency, to_agency) == 0)
		rc = store_fail(err, RG_EINVAL, "to_agency_id",
		                "cannot transfer area '%s' from '%s' to itself", area_id,
		                to_agency);
	if (rc == RG_OK)
		rc = need_decision(decision_ref, err);
	if (rc == RG_OK)
		rc = date_or_today("valid_from", valid_from, who, from, err);
	if (rc == RG_OK)
		rc = find_current(t, area_id, from_agency, STDREG__V1__ROLE__ROLE_LEAD, err, &lead);
	if (rc != RG_OK)
		return rc;
	if (lead == NULL) {
		char cur[STORE_ID_MAX + 1];
		rc = assignment_current_lead(t, area_id, NULL, cur, err);
		if (rc != RG_OK)
			return rc;
		return store_fail(err, RG_EPRECOND, "from_agency_id",
		                  "agency '%s' is not the current lead of area '%s' (%s%s)",
		                  from_agency, area_id,
		                  cur[0] ? "current lead: assignment " : "the area has no lead",
		                  cur);
	}
	rc = end_assignment(t, lead, from, decision_ref, who, err);
	/* A supporting agency promoted to lead stops supporting on the same day. */
	if (rc == RG_OK)
		rc = find_current(t, area_id, to_agency, STDREG__V1__ROLE__ROLE_SUPPORTING, err,
		                  &support);
	if (rc == RG_OK && support)
		rc = end_assignment(t, support, from, decision_ref, who, err);
	if (support)
		stdreg__v1__assignment__free_unpacked(support, NULL);
	if (rc == RG_OK)
		rc = start_assignment(t, area_id, to_agency, STDREG__V1__ROLE__ROLE_LEAD,
		                      decision_ref, from, note, who, started, err);
	if (rc == RG_OK && ended) {
		*ended = &lead->base;
		return RG_OK;
	}
	stdreg__v1__assignment__free_unpacked(lead, NULL);
	return rc;
}

int store_set_stage(store_txn *t, const char *item_id, const char *stage,
                    uint64_t expected_mod_revision, const struct store_actor *who, uint8_t **out,
                    size_t *out_len, struct store_error *err)
{
	struct store_put_opts o = { .expected_mod_revision = expected_mod_revision };
	Stdreg__V1__WorkItem *w;
	const void *val;
	size_t len;
	char *copy;
	int rc;

	if (str_empty(item_id))
		return store_fail(err, RG_EINVAL, "work_item_id",
		                  "field 'work_item_id' is required");
	if (str_empty(stage))
		return store_fail(err, RG_EINVAL, "stage", "field 'stage' is required");
	rc = store_get(t, STORE_ITEM, item_id, &val, &len);
	if (rc == RG_ENOENT)
		return store_fail(err, RG_ENOENT, "work_item_id", "item '%s' not found", item_id);
	if (rc != RG_OK)
		return store_fail(err, rc, NULL, "cannot read item '%s'", item_id);
	w = stdreg__v1__work_item__unpack(NULL, len, val);
	copy = strdup(stage);
	if (w == NULL || copy == NULL) {
		free(copy);
		if (w)
			stdreg__v1__work_item__free_unpacked(w, NULL);
		return store_fail(err, w ? RG_ENOMEM : RG_ECORRUPT, NULL, "cannot decode item '%s'",
		                  item_id);
	}
	msg_set_str(&w->stage, copy);
	rc = store_put(t, STORE_ITEM, &w->base, &o, who, out, out_len, err);
	stdreg__v1__work_item__free_unpacked(w, NULL);
	return rc;
}

/* --- the scope of an agency principal ----------------------------------------------
 * Every area a write touches must be held: the areas of the stored item (which the write
 * keeps or removes) and the areas of the new one (which it keeps or adds). So an agency
 * neither creates an item in another's area nor edits one it shares with an area it does
 * not hold: that takes a coordinator, or the other agency. The areas held today are
 * gathered once and each area is looked up in them.
 */

struct held_areas {
	char today[11];
	char **ids;
	size_t n;
	bool nomem;
};

static int held_fn(Stdreg__V1__Assignment *a, void *arg)
{
	struct held_areas *h = arg;
	char *id;

	if (!assignment_holds_on(a, h->today))
		return 0;
	id = strdup(a->area_id);
	if (id == NULL || !PUSH(h->ids, h->n, id)) {
		free(id);
		h->nomem = true;
		return 1;
	}
	return 0;
}

static bool held(const struct held_areas *h, const char *area_id)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->ids[i], area_id) == 0)
			return true;
	return false;
}

/* The first of areas[0..n) that h does not hold, or NULL. */
static const char *first_not_held(const struct held_areas *h, char *const *areas, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!held(h, areas[i] ? areas[i] : ""))
			return areas[i] ? areas[i] : "";
	return NULL;
}

int store_check_item_scope(store_txn *t, const char *agency_id, const char *item_id,
                           char *const *new_area_ids, size_t n, struct store_error *err)
{
	struct held_areas h = { .ids = NULL };
	const char *missing = NULL;
	Stdreg__V1__WorkItem *w = NULL;
	const void *val;
	size_t len;
	int rc;

	/* The count first, before any entry is looked at (a 2 M-entry list costs nothing). */
	if (n > STORE_VALUES_MAX)
		return store_fail(err, RG_EINVAL, "area_ids",
		                  "field 'area_ids' has too many values (%zu, at most %d)", n,
		                  STORE_VALUES_MAX);
	store_today(0, h.today);
	rc = each_assignment_of(t, STORE_AGENCY, agency_id, held_fn, &h, err);
	if (rc == RG_OK && h.nomem)
		rc = RG_ENOMEM;
	if (rc == RG_OK && store_get(t, STORE_ITEM, item_id, &val, &len) == RG_OK) {
		w = stdreg__v1__work_item__unpack(NULL, len, val);
		if (w == NULL)
			rc = store_fail(err, RG_ECORRUPT, NULL, "cannot decode item '%s'", item_id);
		else
			missing = first_not_held(&h, w->area_ids, w->n_area_ids);
	}
	if (rc == RG_OK && missing == NULL)
		missing = first_not_held(&h, new_area_ids, n);
	if (rc == RG_OK && missing != NULL)
		rc = store_fail(err, RG_EPERM, "area_ids",
		                "agency '%s' may not change item '%s' (it neither leads nor "
		                "supports area '%s')",
		                agency_id, item_id, missing);
	else if (rc != RG_OK && rc != RG_ECORRUPT)
		rc = store_fail(err, rc, NULL, "cannot read the appointments of agency '%s'",
		                agency_id);
	if (w)
		stdreg__v1__work_item__free_unpacked(w, NULL);
	for (size_t i = 0; i < h.n; i++)
		free(h.ids[i]);
	free(h.ids);
	return rc;
}
