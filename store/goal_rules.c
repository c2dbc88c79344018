/*
 * goal_rules.c - checks of a goal being set and of a follow-up about to be appended, and
 * the goal as it was set rebuilt from the current record. The fold, the status and the
 * trend are in goal_status.c.
 *
 * Bad input is RG_EINVAL; input the goal's state refuses (a check-in on a goal that is not
 * active, an as_of out of order or in the future, closing a closed goal, an owner without
 * an appointment) is RG_EPRECOND.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goal_rules.h"

#define GOAL_REPORT_EVERY_MAX 3660 /* ten years: more is a typo, not a cadence */
#define GOAL_FOLLOW_UP_ID_MAX 200  /* GOAL/SEQ, GOAL being AREA/N */

static int fail(struct store_error *err, int code, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int fail(struct store_error *err, int code, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->code = code;
		snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return code;
}

static bool empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* Replaces a string field of a message from the default allocator (see msg_set_str). */
static int set_str(char **slot, const char *value, struct store_error *err)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return fail(err, RG_ENOMEM, NULL, "out of memory");
	if (*slot != protobuf_c_empty_string)
		free(*slot);
	*slot = copy;
	return RG_OK;
}

static bool enum_valid(const ProtobufCEnumDescriptor *d, int value)
{
	return value != 0 && protobuf_c_enum_descriptor_get_value(d, value) != NULL;
}

/* The text of a goal: 1-500 characters of valid UTF-8 (code points, not bytes). */
static int check_text(const char *field, const char *text, struct store_error *err)
{
	size_t len = text ? strlen(text) : 0, chars = 0;

	if (len == 0)
		return fail(err, RG_EINVAL, field, "field '%s' is required", field);
	if (!store_valid_text(text, len))
		return fail(err, RG_EINVAL, field, "field '%s' is not valid UTF-8", field);
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)text[i] & 0xC0) != 0x80) /* not a continuation byte */
			chars++;
	if (chars > GOAL_TEXT_MAX)
		return fail(err, RG_EINVAL, field,
		            "field '%s' is too long (%zu characters, at most %d)", field, chars,
		            GOAL_TEXT_MAX);
	return RG_OK;
}

static int check_date(const char *field, const char *s, struct store_error *err)
{
	if (empty(s))
		return fail(err, RG_EINVAL, field, "field '%s' is required", field);
	if (!store_valid_date(s))
		return fail(err, RG_EINVAL, field,
		            "field '%s': '%s' is not a calendar date (YYYY-MM-DD)", field, s);
	return RG_OK;
}

/* A stage a goal can aim at: an ISO harmonized code that is not a cancellation. */
static int check_target_stage(const char *field, const char *code, struct store_error *err)
{
	int status = store_stage_status(code);

	if (empty(code))
		return fail(err, RG_EINVAL, field, "field '%s' is required", field);
	if (status == 0)
		return fail(err, RG_EINVAL, field,
		            "field '%s': '%s' is not an ISO harmonized stage code (such as 60.60)",
		            field, code);
	if (status == STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_CANCELLED)
		return fail(err, RG_EINVAL, field,
		            "field '%s': '%s' is a cancellation code (a goal cannot aim at it)",
		            field, code);
	return RG_OK;
}

static int check_owner(const struct goal_owner_check *owner, const char *field, const char *area_id,
                       const char *agency_id, const char *date, struct store_error *err)
{
	bool holds = false;
	int rc;

	if (owner == NULL || owner->holds == NULL)
		return RG_OK;
	rc = owner->holds(owner->arg, area_id, agency_id, date, &holds);
	if (rc != RG_OK)
		return fail(err, rc, field, "cannot check the appointments of agency '%s' (%s)",
		            agency_id, rg_strerror(rc));
	if (!holds)
		return fail(err, RG_EPRECOND, field,
		            "agency '%s' cannot own a goal of area '%s' (no lead or supporting "
		            "appointment on %s)",
		            agency_id, area_id, date);
	return RG_OK;
}

/* The rules of each kind: indicator and stage goals carry their measure, nothing else. */
static int check_kind(const Stdreg__V1__Goal *g, int kind, struct store_error *err)
{
	switch (kind) {
	case STDREG__V1__GOAL_KIND__GOAL_KIND_INDICATOR:
		if (empty(g->unit))
			return fail(err, RG_EINVAL, "unit",
			            "field 'unit' is required on an indicator goal");
		if (g->baseline == g->target)
			return fail(err, RG_EINVAL, "target",
			            "field 'target' equals the baseline (%g): an indicator needs a "
			            "direction",
			            g->target);
		break;
	case STDREG__V1__GOAL_KIND__GOAL_KIND_STAGE:
		if (empty(g->work_item_id))
			return fail(err, RG_EINVAL, "work_item_id",
			            "field 'work_item_id' is required on a stage goal");
		return check_target_stage("target_stage", g->target_stage, err);
	case STDREG__V1__GOAL_KIND__GOAL_KIND_DELIVERABLE:
		break;
	default:
		return fail(err, RG_EINVAL, "kind",
		            "field 'kind' must be one of: deliverable, indicator, stage");
	}
	if (kind != STDREG__V1__GOAL_KIND__GOAL_KIND_INDICATOR && !empty(g->unit))
		return fail(err, RG_EINVAL, "unit", "field 'unit' is for indicator goals only");
	if (kind != STDREG__V1__GOAL_KIND__GOAL_KIND_STAGE &&
	    (!empty(g->target_stage) || !empty(g->work_item_id)))
		return fail(err, RG_EINVAL,
		            empty(g->target_stage) ? "work_item_id" : "target_stage",
		            "fields 'work_item_id' and 'target_stage' are for stage goals only");
	return RG_OK;
}

/* A parent is a goal of the same area (AREA/N), never the goal itself. */
static int check_parent(const Stdreg__V1__Goal *g, struct store_error *err)
{
	size_t alen = strlen(g->area_id);

	if (empty(g->parent_id))
		return RG_OK;
	if (!empty(g->id) && strcmp(g->parent_id, g->id) == 0)
		return fail(err, RG_EINVAL, "parent_id",
		            "goal '%s' cannot be its own parent (cycle)", g->id);
	if (strncmp(g->parent_id, g->area_id, alen) != 0 || g->parent_id[alen] != '/')
		return fail(err, RG_EINVAL, "parent_id",
		            "parent goal '%s' is not a goal of area '%s' (sub-goals stay in their "
		            "area)",
		            g->parent_id, g->area_id);
	return RG_OK;
}

/* What a goal says about itself: owner, text, measure, due date, decision, parent, cadence.
 * kind is the goal's kind with the default applied. */
static int check_terms(const Stdreg__V1__Goal *g, int kind, struct store_error *err)
{
	int rc;

	if (empty(g->area_id))
		return fail(err, RG_EINVAL, "area_id", "field 'area_id' is required");
	if (empty(g->owner_agency_id))
		return fail(err, RG_EINVAL, "owner_agency_id",
		            "field 'owner_agency_id' is required");
	if ((rc = check_text("text", g->text, err)) != RG_OK)
		return rc;
	if ((rc = check_kind(g, kind, err)) != RG_OK)
		return rc;
	if ((rc = check_date("due", g->due, err)) != RG_OK)
		return rc;
	if (empty(g->decision_ref))
		return fail(err, RG_EINVAL, "decision_ref",
		            "field 'decision_ref' is required (the decision that sets the goal)");
	if ((rc = check_parent(g, err)) != RG_OK)
		return rc;
	if (g->report_every_days > GOAL_REPORT_EVERY_MAX)
		return fail(err, RG_EINVAL, "report_every_days",
		            "field 'report_every_days' is too large (%u, at most %d)",
		            g->report_every_days, GOAL_REPORT_EVERY_MAX);
	return RG_OK;
}

/* A goal without a kind is a deliverable. */
static int kind_of(const Stdreg__V1__Goal *g)
{
	return g->kind == STDREG__V1__GOAL_KIND__GOAL_KIND_UNSPECIFIED
	               ? STDREG__V1__GOAL_KIND__GOAL_KIND_DELIVERABLE
	               : (int)g->kind;
}

int goal_check_new(Stdreg__V1__Goal *g, const char *today, const struct goal_owner_check *owner,
                   struct store_error *err)
{
	int kind = kind_of(g), rc;

	if ((rc = check_terms(g, kind, err)) != RG_OK)
		return rc;
	if (g->state != STDREG__V1__GOAL_STATE__GOAL_STATE_UNSPECIFIED &&
	    g->state != STDREG__V1__GOAL_STATE__GOAL_STATE_PROPOSED &&
	    g->state != STDREG__V1__GOAL_STATE__GOAL_STATE_ACTIVE)
		return fail(
		        err, RG_EINVAL, "state",
		        "field 'state': a goal is set as proposed or active (close and withdraw "
		        "it by follow-up)");
	if (g->result != STDREG__V1__GOAL_RESULT__GOAL_RESULT_UNSPECIFIED)
		return fail(err, RG_EINVAL, "result", "field 'result' is set by a close follow-up");
	if (!empty(g->set_on) && (rc = check_date("set_on", g->set_on, err)) != RG_OK)
		return rc;
	if (!empty(g->set_on) && strcmp(g->set_on, today) > 0)
		return fail(err, RG_EPRECOND, "set_on",
		            "field 'set_on': '%s' is in the future (today is %s)", g->set_on,
		            today);
	if ((rc = check_owner(owner, "owner_agency_id", g->area_id, g->owner_agency_id,
	                      empty(g->set_on) ? today : g->set_on, err)) != RG_OK)
		return rc;

	/* Derived values, once every check has passed. */
	g->kind = kind;
	if (g->report_every_days == 0)
		g->report_every_days = GOAL_REPORT_EVERY_DEFAULT;
	if (g->state == STDREG__V1__GOAL_STATE__GOAL_STATE_UNSPECIFIED)
		g->state = STDREG__V1__GOAL_STATE__GOAL_STATE_ACTIVE;
	if (empty(g->set_on) && (rc = set_str(&g->set_on, today, err)) != RG_OK)
		return rc;
	return set_str(&g->original_due, g->due, err);
}

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Which follow-up changes a term of a goal in force. */
static const struct {
	const char *field;
	const char *how;
} by_follow_up[] = {
	{ "due", "a redate" },
	{ "owner_agency_id", "a reassign" },
	{ "text", "a retarget" },
	{ "target", "a retarget" },
	{ "target_stage", "a retarget" },
	{ "unit", "a new goal" },
	{ "baseline", "a new goal" },
	{ "work_item_id", "a new goal" },
	{ "decision_ref", "the follow-up's decision_ref" },
	{ "parent_id", "a new goal" },
};

/* The first term in by_follow_up that differs between two goals, or -1. */
static int changed_term(const Stdreg__V1__Goal *o, const Stdreg__V1__Goal *g)
{
	const bool differs[] = {
		!same(o->due, g->due),
		!same(o->owner_agency_id, g->owner_agency_id),
		!same(o->text, g->text),
		o->target != g->target,
		!same(o->target_stage, g->target_stage),
		!same(o->unit, g->unit),
		o->baseline != g->baseline,
		!same(o->work_item_id, g->work_item_id),
		!same(o->decision_ref, g->decision_ref),
		!same(o->parent_id, g->parent_id),
	};

	for (size_t i = 0; i < sizeof(differs) / sizeof(differs[0]); i++)
		if (differs[i])
			return (int)i;
	return -1;
}

int goal_check_edit(const Stdreg__V1__Goal *old, Stdreg__V1__Goal *g, const char *today,
                    const struct goal_owner_check *owner, struct store_error *err)
{
	/* What the put leaves out (empty, 0) stays as stored. */
	int kind = g->kind ? (int)g->kind : (int)old->kind, t, rc;
	const char *original_due = empty(g->original_due) ? old->original_due : g->original_due;
	const char *set_on = empty(g->set_on) ? old->set_on : g->set_on;
	int state = g->state ? (int)g->state : (int)old->state;
	int result = g->result ? (int)g->result : (int)old->result;

	/* What the registry keeps for itself: the area, the kind, the dates it set, the state. */
	if (!same(old->area_id, g->area_id))
		return fail(err, RG_EPRECOND, "area_id", "goal '%s' cannot move to another area",
		            old->id);
	if (kind != (int)old->kind)
		return fail(err, RG_EPRECOND, "kind", "goal '%s' cannot change its kind", old->id);
	if (!same(old->original_due, original_due) || !same(old->set_on, set_on))
		return fail(err, RG_EPRECOND, same(old->set_on, set_on) ? "original_due" : "set_on",
		            "goal '%s' cannot change its original due date or the day it was set",
		            old->id);
	if (state != (int)old->state || result != (int)old->result)
		return fail(err, RG_EPRECOND, state != (int)old->state ? "state" : "result",
		            "goal '%s' changes state only by follow-up (activate, close, reopen, "
		            "withdraw)",
		            old->id);
	/* Once in force, its terms change only by a follow-up bound to a decision. */
	t = changed_term(old, g);
	if (t >= 0 && old->state != STDREG__V1__GOAL_STATE__GOAL_STATE_PROPOSED)
		return fail(err, RG_EPRECOND, by_follow_up[t].field,
		            "goal '%s' is in force: its %s changes only by %s", old->id,
		            by_follow_up[t].field, by_follow_up[t].how);
	if ((rc = check_terms(g, kind, err)) != RG_OK)
		return rc;
	if (!same(old->owner_agency_id, g->owner_agency_id) &&
	    (rc = check_owner(owner, "owner_agency_id", g->area_id, g->owner_agency_id, today,
	                      err)) != RG_OK)
		return rc;

	g->kind = kind;
	g->state = state;
	g->result = result;
	if (g->report_every_days == 0)
		g->report_every_days = GOAL_REPORT_EVERY_DEFAULT;
	if (empty(g->set_on) && (rc = set_str(&g->set_on, set_on, err)) != RG_OK)
		return rc;
	/* A proposal's due date is not yet a promise: original_due moves with it. */
	return set_str(&g->original_due, same(old->due, g->due) ? original_due : g->due, err);
}

/* --- follow-ups ---------------------------------------------------------------------- */

/* The name of a follow-up type in messages, as regctl spells it. */
static const char *type_name(int type)
{
	static const char *const names[] = { "unspecified", "check-in",  "redate", "reassign",
		                             "retarget",    "close",     "reopen", "activate",
		                             "withdraw",    "correction" };

	return type >= 0 && type <= 9 ? names[type] : "unknown";
}

static const char *state_name(int state)
{
	static const char *const names[] = { "unspecified", "proposed", "active", "closed",
		                             "withdrawn" };

	return state >= 0 && state <= 4 ? names[state] : "unknown";
}

/* Every type but a check-in is bound to a decision; a correction is when what it corrects
 * was. */
static bool needs_decision(int type)
{
	return type != STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN &&
	       type != STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION;
}

/*
 * The values an entry of type carries (f may be a correction that restates them): what
 * each type needs, checked against the goal as it stands (cur).
 */
static int check_body(const Stdreg__V1__Goal *g, const struct goal_fold *cur, int type,
                      const Stdreg__V1__FollowUp *f, struct store_error *err)
{
	bool indicator = g->kind == STDREG__V1__GOAL_KIND__GOAL_KIND_INDICATOR;
	bool correction = f->type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION;
	int rc;

	switch (type) {
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN:
		if (!enum_valid(&stdreg__v1__goal_status__descriptor, f->status))
			return fail(err, RG_EINVAL, "status",
			            "field 'status' must be one of: on_track, at_risk, off_track");
		if (empty(f->note))
			return fail(err, RG_EINVAL, "note",
			            "field 'note' is required on a check-in");
		if (f->value_set && !indicator)
			return fail(err, RG_EINVAL, "value",
			            "field 'value' is for indicator goals ('%s' is not one)",
			            g->id);
		return RG_OK;
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REDATE:
		if ((rc = check_date("new_due", f->new_due, err)) != RG_OK)
			return rc;
		if (!correction && strcmp(f->new_due, cur->due) == 0)
			return fail(err, RG_EINVAL, "new_due", "goal '%s' is already due on %s",
			            g->id, cur->due);
		return RG_OK;
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REASSIGN:
		if (empty(f->new_owner_agency_id))
			return fail(err, RG_EINVAL, "new_owner_agency_id",
			            "field 'new_owner_agency_id' is required on a reassign");
		if (!correction && strcmp(f->new_owner_agency_id, cur->owner_agency_id) == 0)
			return fail(err, RG_EINVAL, "new_owner_agency_id",
			            "goal '%s' is already owned by '%s'", g->id,
			            cur->owner_agency_id);
		return RG_OK;
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_RETARGET:
		if (!f->new_target_set && empty(f->new_target_stage) && empty(f->new_text))
			return fail(err, RG_EINVAL, "new_target",
			            "a retarget needs a new target, target stage or text");
		if (f->new_target_set && !indicator)
			return fail(err, RG_EINVAL, "new_target",
			            "field 'new_target' is for indicator goals ('%s' is not one)",
			            g->id);
		if (f->new_target_set && f->new_target == g->baseline)
			return fail(
			        err, RG_EINVAL, "new_target",
			        "field 'new_target' equals the baseline (%g): an indicator needs a "
			        "direction",
			        g->baseline);
		if (!empty(f->new_target_stage)) {
			if (g->kind != STDREG__V1__GOAL_KIND__GOAL_KIND_STAGE)
				return fail(err, RG_EINVAL, "new_target_stage",
				            "field 'new_target_stage' is for stage goals ('%s' is "
				            "not one)",
				            g->id);
			if ((rc = check_target_stage("new_target_stage", f->new_target_stage,
			                             err)) != RG_OK)
				return rc;
		}
		if (!empty(f->new_text))
			return check_text("new_text", f->new_text, err);
		return RG_OK;
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CLOSE:
		if (!enum_valid(&stdreg__v1__goal_result__descriptor, f->result))
			return fail(err, RG_EINVAL, "result",
			            "field 'result' must be one of: met, missed, dropped");
		return RG_OK;
	default:
		/* activate, withdraw, reopen carry nothing of their own; a correction of one can
		 * only restate why, so it needs a note. */
		if (correction && empty(f->note))
			return fail(err, RG_EINVAL, "note",
			            "field 'note' is required on a correction of a %s",
			            type_name(type));
		return RG_OK;
	}
}

/* The state machine: proposed -> active -> closed; proposed -> withdrawn; reopen ->
 * active. Follow-ups change no state once a goal is closed or withdrawn, but reopen. */
static int check_state(const Stdreg__V1__Goal *g, const struct goal_fold *cur, int type,
                       struct store_error *err)
{
	int s = cur->state;
	bool ok;

	switch (type) {
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN:
		ok = s == STDREG__V1__GOAL_STATE__GOAL_STATE_ACTIVE;
		break;
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REDATE:
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REASSIGN:
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_RETARGET:
		ok = s == STDREG__V1__GOAL_STATE__GOAL_STATE_PROPOSED ||
		     s == STDREG__V1__GOAL_STATE__GOAL_STATE_ACTIVE;
		break;
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CLOSE:
		if (s == STDREG__V1__GOAL_STATE__GOAL_STATE_CLOSED)
			return fail(err, RG_EPRECOND, "type",
			            "cannot close goal '%s' (already closed)", g->id);
		ok = s == STDREG__V1__GOAL_STATE__GOAL_STATE_ACTIVE;
		break;
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REOPEN:
		ok = s == STDREG__V1__GOAL_STATE__GOAL_STATE_CLOSED ||
		     s == STDREG__V1__GOAL_STATE__GOAL_STATE_WITHDRAWN;
		break;
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_ACTIVATE:
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_WITHDRAW:
		ok = s == STDREG__V1__GOAL_STATE__GOAL_STATE_PROPOSED;
		break;
	default:
		ok = true; /* a correction changes no state */
	}
	if (!ok)
		return fail(err, RG_EPRECOND, "type", "cannot %s goal '%s' (it is %s)",
		            type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN
		                    ? "check in on"
		            : type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_WITHDRAW &&
		                            s == STDREG__V1__GOAL_STATE__GOAL_STATE_ACTIVE
		                    ? "withdraw an active"
		                    : type_name(type),
		            g->id, state_name(s));
	return RG_OK;
}

/* The earlier entry a correction names; NULL if there is none. */
static const Stdreg__V1__FollowUp *find_entry(const Stdreg__V1__FollowUp *const *fus, size_t n,
                                              const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fus[i]->id, id) == 0)
			return fus[i];
	return NULL;
}

/* Identity and sequence: GOAL/SEQ, the next number, nothing skipped; the id into id. */
static int check_place(const Stdreg__V1__Goal *g, size_t n, const Stdreg__V1__FollowUp *f, char *id,
                       size_t idlen, struct store_error *err)
{
	if (!empty(f->goal_id) && strcmp(f->goal_id, g->id) != 0)
		return fail(err, RG_EINVAL, "goal_id", "follow-up of goal '%s' given to goal '%s'",
		            f->goal_id, g->id);
	if (f->seq != 0 && f->seq != n + 1)
		return fail(
		        err, RG_EPRECOND, "seq",
		        "follow-up %u of goal '%s' is out of sequence (the next is %zu; entries "
		        "are only appended)",
		        f->seq, g->id, n + 1);
	snprintf(id, idlen, "%s/%zu", g->id, n + 1);
	if (!empty(f->id) && strcmp(f->id, id) != 0)
		return fail(err, RG_EINVAL, "id", "follow-up id '%s' is not '%s'", f->id, id);
	return RG_OK;
}

/* The day an entry speaks for: not in the future, not before the goal or the entry before. */
static int check_as_of(const Stdreg__V1__Goal *g, const Stdreg__V1__FollowUp *const *fus, size_t n,
                       const char *as_of, const char *today, struct store_error *err)
{
	int rc;

	if ((rc = check_date("as_of", as_of, err)) != RG_OK)
		return rc;
	if (strcmp(as_of, today) > 0)
		return fail(err, RG_EPRECOND, "as_of",
		            "field 'as_of': '%s' is in the future (today is %s)", as_of, today);
	if (n > 0 && strcmp(as_of, fus[n - 1]->as_of) < 0)
		return fail(
		        err, RG_EPRECOND, "as_of",
		        "field 'as_of': '%s' is before the last entry of goal '%s' ('%s' is of %s)",
		        as_of, g->id, fus[n - 1]->id, fus[n - 1]->as_of);
	if (!empty(g->set_on) && strcmp(as_of, g->set_on) < 0)
		return fail(err, RG_EPRECOND, "as_of",
		            "field 'as_of': '%s' is before goal '%s' was set (%s)", as_of, g->id,
		            g->set_on);
	return RG_OK;
}

/* Records the goal's values just before f, so that goal_initial can rebuild the goal. */
static int fill_old(const Stdreg__V1__Goal *g, const struct goal_fold *cur, Stdreg__V1__FollowUp *f,
                    struct store_error *err)
{
	int rc = RG_OK;

	(void)g;
	f->old_state = cur->state;
	switch (f->type) {
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REDATE:
		return set_str(&f->old_due, cur->due, err);
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REASSIGN:
		return set_str(&f->old_owner_agency_id, cur->owner_agency_id, err);
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_RETARGET:
		if (f->new_target_set)
			f->old_target = cur->target;
		if (!empty(f->new_target_stage))
			rc = set_str(&f->old_target_stage, cur->target_stage, err);
		if (rc == RG_OK && !empty(f->new_text))
			rc = set_str(&f->old_text, cur->text, err);
		return rc;
	default:
		return RG_OK;
	}
}

int goal_check_follow_up(const Stdreg__V1__Goal *g, const Stdreg__V1__FollowUp *const *fus,
                         size_t n, Stdreg__V1__FollowUp *f, const char *today,
                         const struct goal_owner_check *owner, struct store_error *err)
{
	const Stdreg__V1__FollowUp *target = NULL;
	const char *as_of = empty(f->as_of) ? today : f->as_of;
	struct goal_fold cur;
	int body_type = f->type, rc;
	char id[GOAL_FOLLOW_UP_ID_MAX];

	if (!enum_valid(&stdreg__v1__follow_up_type__descriptor, f->type))
		return fail(err, RG_EINVAL, "type",
		            "field 'type' must be one of: check_in, redate, reassign, retarget, "
		            "close, reopen, activate, withdraw, correction");
	if ((rc = check_place(g, n, f, id, sizeof(id), err)) != RG_OK)
		return rc;
	goal_fold(g, fus, n, NULL, &cur);

	if (f->type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION) {
		if (empty(f->supersedes))
			return fail(err, RG_EINVAL, "supersedes",
			            "field 'supersedes' is required on a correction (the entry it "
			            "corrects)");
		target = find_entry(fus, n, f->supersedes);
		if (target == NULL)
			return fail(err, RG_EINVAL, "supersedes",
			            "field 'supersedes': '%s' is not an earlier entry of goal '%s'",
			            f->supersedes, g->id);
		if (target->type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION)
			return fail(
			        err, RG_EINVAL, "supersedes",
			        "field 'supersedes': '%s' is a correction (correct the entry it "
			        "corrects, '%s')",
			        f->supersedes, target->supersedes);
		body_type = target->type;
	} else if (!empty(f->supersedes)) {
		return fail(err, RG_EINVAL, "supersedes",
		            "field 'supersedes' is for corrections only");
	}
	/* A decision is changed only by a decision: so is a correction of one. */
	if (needs_decision(body_type) && empty(f->decision_ref))
		return fail(err, RG_EINVAL, "decision_ref",
		            "field 'decision_ref' is required on a %s%s",
		            target ? "correction of a " : "", type_name(body_type));
	if ((rc = check_body(g, &cur, body_type, f, err)) != RG_OK)
		return rc;
	if ((rc = check_as_of(g, fus, n, as_of, today, err)) != RG_OK)
		return rc;
	if ((rc = check_state(g, &cur, f->type, err)) != RG_OK)
		return rc;
	if (body_type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REASSIGN &&
	    (rc = check_owner(owner, "new_owner_agency_id", g->area_id, f->new_owner_agency_id,
	                      target ? target->as_of : as_of, err)) != RG_OK)
		return rc;

	/* Accepted: what the registry fills in. */
	f->seq = (uint32_t)(n + 1);
	if (empty(f->goal_id) && (rc = set_str(&f->goal_id, g->id, err)) != RG_OK)
		return rc;
	if (empty(f->id) && (rc = set_str(&f->id, id, err)) != RG_OK)
		return rc;
	if (empty(f->as_of) && (rc = set_str(&f->as_of, today, err)) != RG_OK)
		return rc;
	return fill_old(g, &cur, f, err);
}

/* --- the goal as it was set ----------------------------------------------------------- */

void goal_initial(const Stdreg__V1__Goal *current, const Stdreg__V1__FollowUp *const *fus, size_t n,
                  Stdreg__V1__Goal *out)
{
	bool owner = false, target = false, stage = false, text = false;

	*out = *current;
	if (!empty(current->original_due))
		out->due = current->original_due;
	if (n > 0) {
		out->state = fus[0]->old_state;
		out->result = STDREG__V1__GOAL_RESULT__GOAL_RESULT_UNSPECIFIED;
	}
	/* The first entry that changed a value knows what it was before. */
	for (size_t i = 0; i < n; i++) {
		const Stdreg__V1__FollowUp *f = fus[i];

		if (f->type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REASSIGN && !owner) {
			out->owner_agency_id = f->old_owner_agency_id;
			owner = true;
		}
		if (f->type != STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_RETARGET)
			continue;
		if (f->new_target_set && !target) {
			out->target = f->old_target;
			target = true;
		}
		if (!empty(f->new_target_stage) && !stage) {
			out->target_stage = f->old_target_stage;
			stage = true;
		}
		if (!empty(f->new_text) && !text) {
			out->text = f->old_text;
			text = true;
		}
	}
}
