/*
 * goal_kind.c - goals and follow-ups as kinds of the store (their rows in kinds.c): the
 * rules of goal_rules.h applied with what only the store knows (appointments, the
 * follow-ups so far, the next number of an area), and the fold written back to the goal
 * when a follow-up is added.
 *
 * A goal's id is AREA/N: N is one more than the highest number among the area's goals
 * (found through the reference index), and goals are never deleted, so a number is never
 * given twice. A follow-up's id is GOAL/SEQ, SEQ in sequence without gaps. A follow-up is
 * never changed or deleted: a put of an existing one passes only when it is the same.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goal_int.h"
#include "goal_load.h"
#include "stdreg/v1/registry.pb-c.h"

void goal_today(const store_txn *t, char out[11])
{
	store_today(t->now, out);
}

/* --- the owner check --------------------------------------------------------------- */

struct owner_ctx {
	const char *agency_id;
	const char *date;
	bool holds;
};

static int owner_fn(Stdreg__V1__Assignment *a, void *arg)
{
	struct owner_ctx *c = arg;

	if (strcmp(a->agency_id, c->agency_id) != 0 || !assignment_holds_on(a, c->date))
		return 0;
	if (a->role != STDREG__V1__ROLE__ROLE_LEAD && a->role != STDREG__V1__ROLE__ROLE_SUPPORTING)
		return 0;
	c->holds = true;
	return 1;
}

int goal_owner_holds(void *arg, const char *area_id, const char *agency_id, const char *date,
                     bool *holds)
{
	struct owner_ctx c = { agency_id, date, false };
	struct store_error err;
	int rc = each_assignment_of(arg, STORE_AREA, area_id, owner_fn, &c, &err);

	if (rc == RG_OK)
		*holds = c.holds;
	return rc;
}

/* --- loading ----------------------------------------------------------------------- */

/* The days a stage goal's item changed stage, from its history (the change's date). */
static int load_steps(store_txn *t, struct goal_loaded *l, struct store_error *err)
{
	const Stdreg__V1__Goal *g = l->goal;
	Stdreg__V1__HistoryResponse *h;
	size_t max = 0;
	int rc;

	if (g->kind != STDREG__V1__GOAL_KIND__GOAL_KIND_STAGE || str_empty(g->work_item_id))
		return RG_OK;
	rc = store_history(t, STORE_ITEM, g->work_item_id, &l->item_history, err);
	if (rc == RG_ENOENT)
		return RG_OK;
	if (rc != RG_OK)
		return rc;
	h = (Stdreg__V1__HistoryResponse *)l->item_history;
	for (size_t i = 0; i < h->n_entries; i++)
		max += h->entries[i]->n_changes;
	l->steps = calloc(max ? max : 1, sizeof(*l->steps));
	l->dates = calloc(max ? max : 1, sizeof(*l->dates));
	if (l->steps == NULL || l->dates == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	for (size_t i = 0; i < h->n_entries; i++) {
		const Stdreg__V1__HistoryEntry *e = h->entries[i];
		for (size_t j = 0; j < e->n_changes; j++) {
			if (strcmp(e->changes[j]->field, "stage") != 0 || str_empty(e->time))
				continue;
			snprintf(l->dates[l->nsteps], 11, "%.10s", e->time);
			l->steps[l->nsteps].date = l->dates[l->nsteps];
			l->steps[l->nsteps].stage = e->changes[j]->new_value;
			l->nsteps++;
		}
	}
	return RG_OK;
}

int goal_load_from(store_txn *t, Stdreg__V1__Goal *g, struct goal_loaded *out,
                   struct store_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->goal = g;
	rc = goal_chain_get(t, g->id, &out->fus, &out->n, &out->fus_borrowed, err);
	if (rc == RG_OK)
		rc = load_steps(t, out, err);
	if (rc == RG_OK)
		goal_initial(g, (const Stdreg__V1__FollowUp *const *)out->fus, out->n,
		             &out->initial);
	return rc;
}

static Stdreg__V1__Goal *goal_decode(store_txn *t, const char *id, int *rc, struct store_error *err)
{
	const void *val;
	size_t len;
	Stdreg__V1__Goal *g;

	*rc = store_get(t, STORE_GOAL, id, &val, &len);
	if (*rc != RG_OK) {
		if (*rc == RG_ENOENT)
			store_fail(err, RG_ENOENT, "id", "goal '%s' not found", id);
		return NULL;
	}
	g = stdreg__v1__goal__unpack(NULL, len, val);
	if (g == NULL)
		*rc = store_fail(err, RG_ECORRUPT, NULL, "cannot decode stored goal '%s'", id);
	return g;
}

int goal_load(store_txn *t, const char *id, struct goal_loaded *out, struct store_error *err)
{
	int rc;
	Stdreg__V1__Goal *g = goal_decode(t, id, &rc, err);

	if (g == NULL) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	return goal_load_from(t, g, out, err);
}

void goal_loaded_release(struct goal_loaded *l)
{
	for (size_t i = 0; !l->fus_borrowed && i < l->n; i++)
		stdreg__v1__follow_up__free_unpacked(l->fus[i], NULL);
	if (!l->fus_borrowed)
		free(l->fus);
	if (l->goal)
		stdreg__v1__goal__free_unpacked(l->goal, NULL);
	if (l->item_history)
		protobuf_c_message_free_unpacked(l->item_history, NULL);
	free(l->steps);
	free(l->dates);
	memset(l, 0, sizeof(*l));
}

/* --- goals ------------------------------------------------------------------------- */

struct next_number {
	const char *area_id;
	unsigned long max;
};

/* The number of goal id (AREA/N, len bytes) into c->max if it is the largest yet. The ids
 * come from the reference index: a new goal's number needs no goal decoded. */
static int number_fn(const char *id, size_t len, void *arg)
{
	struct next_number *c = arg;
	size_t alen = strlen(c->area_id);
	unsigned long n = 0;
	size_t i;

	if (len <= alen + 1 || strncmp(id, c->area_id, alen) != 0 || id[alen] != '/')
		return REFS_NEXT;
	for (i = alen + 1; i < len && id[i] >= '0' && id[i] <= '9' && n < ULONG_MAX / 10; i++)
		n = n * 10 + (unsigned long)(id[i] - '0');
	if (i == len && n > c->max)
		c->max = n;
	return REFS_NEXT;
}

/* Is id AREA/N for area_id, N a number without leading zeros? */
bool goal_id_of_area(const char *id, const char *area_id)
{
	size_t alen = strlen(area_id);
	const char *n = id + alen + 1;

	if (strncmp(id, area_id, alen) != 0 || id[alen] != '/' || *n < '1' || *n > '9')
		return false;
	for (; *n; n++)
		if (*n < '0' || *n > '9')
			return false;
	return true;
}

/* A parent chain that comes back to the goal (only an edit of a proposal can make one). */
static int check_goal_parents(store_txn *t, const Stdreg__V1__Goal *g, struct store_error *err)
{
	char cur[STORE_ID_MAX + 1];

	snprintf(cur, sizeof(cur), "%s", g->parent_id ? g->parent_id : "");
	for (int depth = 0; cur[0] != '\0'; depth++) {
		int rc;
		Stdreg__V1__Goal *p;

		if (strcmp(cur, g->id) == 0 || depth > 32)
			return store_fail(err, RG_EINVAL, "parent_id",
			                  "goal '%s' cannot have '%s' as parent (cycle)", g->id,
			                  g->parent_id);
		p = goal_decode(t, cur, &rc, err);
		if (p == NULL)
			return rc == RG_ENOENT ? RG_OK : rc; /* the reference check names it */
		snprintf(cur, sizeof(cur), "%s", p->parent_id ? p->parent_id : "");
		stdreg__v1__goal__free_unpacked(p, NULL);
	}
	return RG_OK;
}

/* Sets the terms a follow-up changes (due, owner, text, target, stage, state, result) of g
 * to those of from. */
static int set_terms(Stdreg__V1__Goal *g, const Stdreg__V1__Goal *from, struct store_error *err)
{
	int rc = goal_set_str(&g->due, from->due ? from->due : "", err);

	if (rc == RG_OK)
		rc = goal_set_str(&g->owner_agency_id,
		                  from->owner_agency_id ? from->owner_agency_id : "", err);
	if (rc == RG_OK)
		rc = goal_set_str(&g->text, from->text ? from->text : "", err);
	if (rc == RG_OK)
		rc = goal_set_str(&g->target_stage, from->target_stage ? from->target_stage : "",
		                  err);
	g->target = from->target;
	g->state = from->state;
	g->result = from->result;
	return rc;
}

/* Are a and b the same goal, meta aside? */
static bool same_goal(const Stdreg__V1__Goal *a, const Stdreg__V1__Goal *b, int *rc,
                      struct store_error *err)
{
	Stdreg__V1__Goal ca = *a, cb = *b;
	size_t alen, blen;
	uint8_t *pa, *pb;
	bool same;

	ca.meta = cb.meta = NULL;
	ca.base.n_unknown_fields = cb.base.n_unknown_fields = 0;
	alen = protobuf_c_message_get_packed_size(&ca.base);
	blen = protobuf_c_message_get_packed_size(&cb.base);
	pa = malloc(alen ? alen : 1);
	pb = malloc(blen ? blen : 1);
	*rc = pa && pb ? RG_OK : store_fail(err, RG_ENOMEM, NULL, "out of memory");
	if (pa && pb) {
		protobuf_c_message_pack(&ca.base, pa);
		protobuf_c_message_pack(&cb.base, pb);
	}
	same = *rc == RG_OK && alen == blen && memcmp(pa, pb, alen) == 0;
	free(pa);
	free(pb);
	return same;
}

/*
 * Apply and export carry a goal as it was set, its follow-ups after it, so that a file
 * replays into an empty registry (a goal is created proposed or active; its later terms come
 * from the follow-ups). A goal put as it was set over the stored one is the stored one:
 * g becomes the stored record (the fold), and the put is unchanged.
 */
static int take_as_set(store_txn *t, Stdreg__V1__Goal *g, struct store_error *err)
{
	struct goal_loaded l;
	int rc = goal_load(t, g->id, &l, err);

	if (rc == RG_OK && l.n > 0) {
		// What the registry sets and a file may leave out counts as given.
		Stdreg__V1__Goal cg = *g;

		if (cg.kind == 0)
			cg.kind = l.initial.kind;
		if (cg.state == 0)
			cg.state = l.initial.state;
		if (cg.report_every_days == 0)
			cg.report_every_days = l.initial.report_every_days;
		if (str_empty(cg.original_due))
			cg.original_due = l.initial.original_due;
		if (str_empty(cg.set_on))
			cg.set_on = l.initial.set_on;
		if (same_goal(&cg, &l.initial, &rc, err))
			rc = set_terms(g, l.goal, err);
	}
	goal_loaded_release(&l);
	return rc;
}

int goal_kind_as_set(store_txn *t, ProtobufCMessage *goal, struct store_error *err)
{
	Stdreg__V1__Goal *g = (Stdreg__V1__Goal *)goal;
	struct goal_loaded l;
	int rc = goal_load(t, g->id, &l, err);

	if (rc == RG_OK)
		rc = set_terms(g, &l.initial, err);
	goal_loaded_release(&l);
	return rc;
}

int goal_kind_validate(store_txn *t, ProtobufCMessage *rec, struct store_error *err)
{
	Stdreg__V1__Goal *g = (Stdreg__V1__Goal *)rec;
	struct goal_owner_check owner = { goal_owner_holds, t };
	char today[11], id[STORE_ID_MAX + 1];
	Stdreg__V1__Goal *old = NULL;
	int rc;

	goal_today(t, today);
	if (str_empty(g->area_id) || !store_valid_id(g->area_id))
		return store_fail(err, RG_EINVAL, "area_id",
		                  str_empty(g->area_id) ? "field 'area_id' is required"
		                                        : "field 'area_id' is not a valid id");
	if (!str_empty(g->id)) {
		if (!goal_id_of_area(g->id, g->area_id))
			return store_fail(err, RG_EINVAL, "id",
			                  "goal id '%s' is not %s/N (its area and a number)", g->id,
			                  g->area_id);
		old = goal_decode(t, g->id, &rc, err);
		if (old == NULL && rc != RG_ENOENT)
			return rc;
	}
	if (old) {
		rc = take_as_set(t, g, err);
		if (rc == RG_OK)
			rc = goal_check_edit(old, g, today, &owner, err);
		stdreg__v1__goal__free_unpacked(old, NULL);
		return rc == RG_OK ? check_goal_parents(t, g, err) : rc;
	}
	rc = goal_check_new(g, today, &owner, err);
	if (rc != RG_OK || !str_empty(g->id))
		return rc;
	struct next_number nn = { g->area_id, 0 };
	rc = refs_each_id(t, STORE_AREA, g->area_id, STORE_GOAL, number_fn, &nn, err);
	if (rc != RG_OK)
		return rc;
	snprintf(id, sizeof(id), "%s/%lu", g->area_id, nn.max + 1);
	return goal_set_str(&g->id, id, err);
}

/* --- follow-ups -------------------------------------------------------------------- */

/* What the registry fills in (seq, the old_* values) a file may leave out of an entry that
 * exists: f takes them from the stored entry, so that only what was given is compared. */
static int fill_as_stored(store_txn *t, Stdreg__V1__FollowUp *f, struct store_error *err)
{
	Stdreg__V1__FollowUp *o;
	const void *val;
	size_t len;
	int rc = store_get(t, STORE_FOLLOW_UP, f->id, &val, &len);

	if (rc != RG_OK)
		return store_fail(err, rc, "id", "cannot read follow-up '%s'", f->id);
	if ((o = stdreg__v1__follow_up__unpack(NULL, len, val)) == NULL)
		return store_fail(err, RG_ECORRUPT, NULL, "cannot decode stored follow-up '%s'",
		                  f->id);
	if (f->seq == 0)
		f->seq = o->seq;
	if (f->old_state == 0)
		f->old_state = o->old_state;
	if (f->old_target == 0)
		f->old_target = o->old_target;
	if (str_empty(f->old_due))
		rc = goal_set_str(&f->old_due, o->old_due, err);
	if (rc == RG_OK && str_empty(f->old_owner_agency_id))
		rc = goal_set_str(&f->old_owner_agency_id, o->old_owner_agency_id, err);
	if (rc == RG_OK && str_empty(f->old_target_stage))
		rc = goal_set_str(&f->old_target_stage, o->old_target_stage, err);
	if (rc == RG_OK && str_empty(f->old_text))
		rc = goal_set_str(&f->old_text, o->old_text, err);
	stdreg__v1__follow_up__free_unpacked(o, NULL);
	return rc;
}

/* A check-in, or a correction of one: the entries an owner agency writes, which take at
 * most GOAL_CHECK_INS_MAX places. f is an entry of the goal whose entries are fus. */
static bool is_check_in_kind(Stdreg__V1__FollowUp *const *fus, size_t n,
                             const Stdreg__V1__FollowUp *f)
{
	const Stdreg__V1__FollowUp *target;

	if (f->type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN)
		return true;
	if (f->type != STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION)
		return false;
	target = goal_entry((const Stdreg__V1__FollowUp *const *)fus, n, f->supersedes);
	return target == NULL ||
	       target->type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN;
}

static size_t count_check_in_kind(Stdreg__V1__FollowUp *const *fus, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += is_check_in_kind(fus, n, fus[i]);
	return k;
}

int follow_up_kind_validate(store_txn *t, ProtobufCMessage *rec, struct store_error *err)
{
	Stdreg__V1__FollowUp *f = (Stdreg__V1__FollowUp *)rec;
	struct goal_owner_check owner = { goal_owner_holds, t };
	struct goal_loaded l;
	char today[11];
	int rc;

	/* An entry that exists is compared whole by follow_up_kind_check_update. */
	if (!str_empty(f->id) && record_exists(t, STORE_FOLLOW_UP, f->id))
		return fill_as_stored(t, f, err);
	if (str_empty(f->goal_id))
		return store_fail(err, RG_EINVAL, "goal_id", "field 'goal_id' is required");
	rc = goal_load(t, f->goal_id, &l, err);
	if (rc == RG_ENOENT)
		return store_fail(err, RG_EPRECOND, "goal_id", "goal '%s' not found", f->goal_id);
	goal_today(t, today);
	if (rc == RG_OK && l.n >= GOAL_FOLLOW_UPS_MAX)
		rc = store_fail(err, RG_EPRECOND, "goal_id",
		                "goal '%s' has %zu follow-ups, the most one goal keeps (follow "
		                "further work in a new goal)",
		                f->goal_id, l.n);
	/* An entry the registry numbers (AddFollowUp; an export's lines carry their ids, so a
	 * registry written before the bound restores whole). */
	if (rc == RG_OK && str_empty(f->id) && is_check_in_kind(l.fus, l.n, f) &&
	    count_check_in_kind(l.fus, l.n) >= GOAL_CHECK_INS_MAX)
		rc = store_fail(err, RG_EPRECOND, "goal_id",
		                "goal '%s' has %d check-ins and corrections, the most one goal "
		                "keeps; its other places are kept for decisions (close it, or "
		                "follow further work in a new goal)",
		                f->goal_id, GOAL_CHECK_INS_MAX);
	if (rc == RG_OK)
		rc = goal_check_follow_up(&l.initial, (const Stdreg__V1__FollowUp *const *)l.fus,
		                          l.n, f, today, &owner, err);
	goal_loaded_release(&l);
	return rc;
}

/* The packed form of a follow-up without its meta (who recorded it differs by registry). */
static uint8_t *pack_sans_meta(const Stdreg__V1__FollowUp *f, size_t *len)
{
	Stdreg__V1__FollowUp copy = *f;
	uint8_t *buf;

	copy.meta = NULL;
	copy.base.n_unknown_fields = 0;
	*len = protobuf_c_message_get_packed_size(&copy.base);
	buf = malloc(*len ? *len : 1);
	if (buf)
		protobuf_c_message_pack(&copy.base, buf);
	return buf;
}

int follow_up_kind_check_update(store_txn *t, const ProtobufCMessage *old,
                                const ProtobufCMessage *rec, struct store_error *err)
{
	size_t alen, blen;
	uint8_t *a, *b;
	bool same;

	(void)t;
	if (old == NULL)
		return RG_OK;
	a = pack_sans_meta((const Stdreg__V1__FollowUp *)old, &alen);
	b = pack_sans_meta((const Stdreg__V1__FollowUp *)rec, &blen);
	same = a && b && alen == blen && memcmp(a, b, alen) == 0;
	free(a);
	free(b);
	if (a == NULL || b == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	if (!same)
		return store_fail(err, RG_EPRECOND, "id",
		                  "follow-up '%s' is never changed (add a correction instead)",
		                  ((const Stdreg__V1__FollowUp *)old)->id);
	return RG_OK;
}

/* The goal record g made the fold of every follow-up (l includes the new one). */
static int set_fold(Stdreg__V1__Goal *g, const struct goal_loaded *l, struct store_error *err)
{
	struct goal_fold fold;
	int rc;

	goal_fold(&l->initial, (const Stdreg__V1__FollowUp *const *)l->fus, l->n, NULL, &fold);
	rc = goal_set_str(&g->due, fold.due ? fold.due : "", err);
	if (rc == RG_OK)
		rc = goal_set_str(&g->owner_agency_id,
		                  fold.owner_agency_id ? fold.owner_agency_id : "", err);
	if (rc == RG_OK)
		rc = goal_set_str(&g->text, fold.text ? fold.text : "", err);
	if (rc == RG_OK)
		rc = goal_set_str(&g->target_stage, fold.target_stage ? fold.target_stage : "",
		                  err);
	g->target = fold.target;
	g->state = (Stdreg__V1__GoalState)fold.state;
	g->result = (Stdreg__V1__GoalResult)fold.result;
	return rc;
}

/*
 * After a new follow-up is written: its goal becomes the fold of all its entries, in the
 * same transaction, with its own changelog entry.
 */
int follow_up_kind_write_index(store_txn *t, const char *id, const ProtobufCMessage *old,
                               const ProtobufCMessage *rec, struct store_error *err)
{
	const Stdreg__V1__FollowUp *f = (const Stdreg__V1__FollowUp *)rec;
	struct record_change c = { .ki = kind_get(STORE_GOAL) };
	struct goal_loaded l;
	Stdreg__V1__Goal *next;
	bool unchanged = false;
	int rc;

	(void)id;
	if (old != NULL || rec == NULL)
		return txn_status(t, err);
	rc = goal_load(t, f->goal_id, &l, err);
	next = rc == RG_OK ? goal_decode(t, f->goal_id, &rc, err) : NULL;
	if (next)
		rc = set_fold(next, &l, err);
	goal_loaded_release(&l);
	if (rc == RG_OK) {
		c.id = next->id;
		c.rec = &next->base;
		rc = change_load(t, &c, err);
	}
	if (rc == RG_OK)
		rc = change_compose(t, &c, t->who, &unchanged, err);
	if (rc == RG_OK && !unchanged)
		rc = change_write(t, &c, t->who, err);
	change_release(&c);
	if (next)
		stdreg__v1__goal__free_unpacked(next, NULL);
	/* A failure here comes after the first write: the transaction must not commit. */
	return rc == RG_OK ? RG_OK : txn_fail(t, rc, err);
}

/* --- store_check ------------------------------------------------------------------- */

int goal_kind_check(store_txn *t, const char *id, struct store_error *err)
{
	struct goal_owner_check owner = { goal_owner_holds, t };
	struct goal_loaded l;
	char today[11];
	int rc = goal_load(t, id, &l, err);
	const Stdreg__V1__Goal *g = l.goal;

	goal_today(t, today);
	if (rc == RG_OK)
		rc = goal_check_history(&l.initial, (const Stdreg__V1__FollowUp *const *)l.fus, l.n,
		                        today, &owner, err);
	if (rc == RG_OK) {
		struct goal_fold fold;
		goal_fold(&l.initial, (const Stdreg__V1__FollowUp *const *)l.fus, l.n, NULL, &fold);
		if ((int)g->state != fold.state || strcmp(g->due, fold.due ? fold.due : "") != 0 ||
		    strcmp(g->owner_agency_id, fold.owner_agency_id ? fold.owner_agency_id : "") !=
		            0)
			rc = store_fail(err, RG_ECORRUPT, NULL,
			                "goal '%s' is not the fold of its follow-ups", g->id);
	}
	goal_loaded_release(&l);
	return rc;
}
