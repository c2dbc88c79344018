/*
 * goal_rules.c - checks of a goal being set or edited, and the checks of single fields
 * that the follow-ups share (goal_int.h). Follow-ups are checked in goal_follow_up.c; the
 * fold, the status and the trend are in goal_status.c and goal_trend.c.
 *
 * Bad input is RG_EINVAL; input the goal's state refuses (a check-in on a goal that is not
 * active, an as_of out of order or in the future, closing a closed goal, an owner without
 * an appointment) is RG_EPRECOND.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistr.h>

#include "goal_int.h"
#include "record_strings.h"

#define GOAL_REPORT_EVERY_MAX 3660 /* ten years: more is a typo, not a cadence */

/* Replaces a string field of a message from the default allocator (see msg_set_str). */
int goal_set_str(char **slot, const char *value, struct store_error *err)
{
	char *copy = strdup(value);

	if (copy == NULL)
		return store_fail(err, RG_ENOMEM, NULL, "out of memory");
	msg_set_str(slot, copy);
	return RG_OK;
}

bool goal_enum_valid(const ProtobufCEnumDescriptor *d, int value)
{
	return value != 0 && protobuf_c_enum_descriptor_get_value(d, value) != NULL;
}

/* The text of a goal: 1-500 characters of valid UTF-8 (code points, not bytes). */
int goal_check_text(const char *field, const char *text, struct store_error *err)
{
	size_t len = text ? strlen(text) : 0, chars;
	int rc;

	if (len == 0)
		return store_fail(err, RG_EINVAL, field, "field '%s' is required", field);
	/* Valid UTF-8 without control characters, as every string of the store. */
	if ((rc = store_check_text(field, text, err)) != RG_OK)
		return rc;
	chars = u8_mbsnlen((const uint8_t *)text, len);
	if (chars > GOAL_TEXT_MAX)
		return store_fail(err, RG_EINVAL, field,
		                  "field '%s' is too long (%zu characters, at most %d)", field,
		                  chars, GOAL_TEXT_MAX);
	return RG_OK;
}

int goal_check_number(const char *field, double v, struct store_error *err)
{
	if (isfinite(v))
		return RG_OK;
	return store_fail(err, RG_EINVAL, field, "field '%s' must be a finite number (not %g)",
	                  field, v);
}

int goal_check_date(const char *field, const char *s, struct store_error *err)
{
	if (str_empty(s))
		return store_fail(err, RG_EINVAL, field, "field '%s' is required", field);
	if (!store_valid_date(s))
		return store_fail(err, RG_EINVAL, field,
		                  "field '%s': '%s' is not a calendar date (YYYY-MM-DD)", field, s);
	return RG_OK;
}

/* A stage a goal can aim at: an ISO harmonized code that is not a cancellation. */
int goal_check_target_stage(const char *field, const char *code, struct store_error *err)
{
	int status = store_stage_status(code);

	if (str_empty(code))
		return store_fail(err, RG_EINVAL, field, "field '%s' is required", field);
	if (status == 0)
		return store_fail(
		        err, RG_EINVAL, field,
		        "field '%s': '%s' is not an ISO harmonized stage code (such as 60.60)",
		        field, code);
	if (status == STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_CANCELLED)
		return store_fail(
		        err, RG_EINVAL, field,
		        "field '%s': '%s' is a cancellation code (a goal cannot aim at it)", field,
		        code);
	return RG_OK;
}

int goal_check_owner(const struct goal_owner_check *owner, const char *field, const char *area_id,
                     const char *agency_id, const char *date, struct store_error *err)
{
	bool holds = false;
	int rc;

	if (owner == NULL || owner->holds == NULL)
		return RG_OK;
	rc = owner->holds(owner->arg, area_id, agency_id, date, &holds);
	if (rc != RG_OK)
		return store_fail(err, rc, field,
		                  "cannot check the appointments of agency '%s' (%s)", agency_id,
		                  rg_strerror(rc));
	if (!holds)
		return store_fail(
		        err, RG_EPRECOND, field,
		        "agency '%s' cannot own a goal of area '%s' (no lead or supporting "
		        "appointment on %s)",
		        agency_id, area_id, date);
	return RG_OK;
}

/* The rules of each kind: indicator and stage goals carry their measure, nothing else. */
static int check_kind(const Stdreg__V1__Goal *g, int kind, struct store_error *err)
{
	int rc;

	if ((rc = goal_check_number("baseline", g->baseline, err)) != RG_OK ||
	    (rc = goal_check_number("target", g->target, err)) != RG_OK)
		return rc;
	switch (kind) {
	case STDREG__V1__GOAL_KIND__GOAL_KIND_INDICATOR:
		if (str_empty(g->unit))
			return store_fail(err, RG_EINVAL, "unit",
			                  "field 'unit' is required on an indicator goal");
		if (g->baseline == g->target)
			return store_fail(
			        err, RG_EINVAL, "target",
			        "field 'target' equals the baseline (%g): an indicator needs a "
			        "direction",
			        g->target);
		break;
	case STDREG__V1__GOAL_KIND__GOAL_KIND_STAGE:
		if (str_empty(g->work_item_id))
			return store_fail(err, RG_EINVAL, "work_item_id",
			                  "field 'work_item_id' is required on a stage goal");
		return goal_check_target_stage("target_stage", g->target_stage, err);
	case STDREG__V1__GOAL_KIND__GOAL_KIND_DELIVERABLE:
		break;
	default:
		return store_fail(err, RG_EINVAL, "kind",
		                  "field 'kind' must be one of: deliverable, indicator, stage");
	}
	if (kind != STDREG__V1__GOAL_KIND__GOAL_KIND_INDICATOR && !str_empty(g->unit))
		return store_fail(err, RG_EINVAL, "unit",
		                  "field 'unit' is for indicator goals only");
	if (kind != STDREG__V1__GOAL_KIND__GOAL_KIND_STAGE &&
	    (!str_empty(g->target_stage) || !str_empty(g->work_item_id)))
		return store_fail(
		        err, RG_EINVAL,
		        str_empty(g->target_stage) ? "work_item_id" : "target_stage",
		        "fields 'work_item_id' and 'target_stage' are for stage goals only");
	return RG_OK;
}

/* A parent is a goal of the same area (AREA/N), never the goal itself. */
static int check_parent(const Stdreg__V1__Goal *g, struct store_error *err)
{
	size_t alen = strlen(g->area_id);

	if (str_empty(g->parent_id))
		return RG_OK;
	if (!str_empty(g->id) && strcmp(g->parent_id, g->id) == 0)
		return store_fail(err, RG_EINVAL, "parent_id",
		                  "goal '%s' cannot be its own parent (cycle)", g->id);
	if (strncmp(g->parent_id, g->area_id, alen) != 0 || g->parent_id[alen] != '/')
		return store_fail(
		        err, RG_EINVAL, "parent_id",
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

	if (str_empty(g->area_id))
		return store_fail(err, RG_EINVAL, "area_id", "field 'area_id' is required");
	if (str_empty(g->owner_agency_id))
		return store_fail(err, RG_EINVAL, "owner_agency_id",
		                  "field 'owner_agency_id' is required");
	if ((rc = goal_check_text("text", g->text, err)) != RG_OK)
		return rc;
	if ((rc = check_kind(g, kind, err)) != RG_OK)
		return rc;
	if ((rc = goal_check_date("due", g->due, err)) != RG_OK)
		return rc;
	if (str_empty(g->decision_ref))
		return store_fail(
		        err, RG_EINVAL, "decision_ref",
		        "field 'decision_ref' is required (the decision that sets the goal)");
	if ((rc = check_parent(g, err)) != RG_OK)
		return rc;
	if (g->report_every_days > GOAL_REPORT_EVERY_MAX)
		return store_fail(err, RG_EINVAL, "report_every_days",
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
		return store_fail(
		        err, RG_EINVAL, "state",
		        "field 'state': a goal is set as proposed or active (close and withdraw "
		        "it by follow-up)");
	if (g->result != STDREG__V1__GOAL_RESULT__GOAL_RESULT_UNSPECIFIED)
		return store_fail(err, RG_EINVAL, "result",
		                  "field 'result' is set by a close follow-up");
	if (!str_empty(g->set_on) && (rc = goal_check_date("set_on", g->set_on, err)) != RG_OK)
		return rc;
	if (!str_empty(g->set_on) && strcmp(g->set_on, today) > 0)
		return store_fail(err, RG_EPRECOND, "set_on",
		                  "field 'set_on': '%s' is in the future (today is %s)", g->set_on,
		                  today);
	if ((rc = goal_check_owner(owner, "owner_agency_id", g->area_id, g->owner_agency_id,
	                           str_empty(g->set_on) ? today : g->set_on, err)) != RG_OK)
		return rc;

	/* Derived values, once every check has passed. */
	g->kind = kind;
	if (g->report_every_days == 0)
		g->report_every_days = GOAL_REPORT_EVERY_DEFAULT;
	if (g->state == STDREG__V1__GOAL_STATE__GOAL_STATE_UNSPECIFIED)
		g->state = STDREG__V1__GOAL_STATE__GOAL_STATE_ACTIVE;
	if (str_empty(g->set_on) && (rc = goal_set_str(&g->set_on, today, err)) != RG_OK)
		return rc;
	return goal_set_str(&g->original_due, g->due, err);
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
	const char *original_due = str_empty(g->original_due) ? old->original_due : g->original_due;
	const char *set_on = str_empty(g->set_on) ? old->set_on : g->set_on;
	int state = g->state ? (int)g->state : (int)old->state;
	int result = g->result ? (int)g->result : (int)old->result;

	/* What the registry keeps for itself: the area, the kind, the dates it set, the state. */
	if (!same(old->area_id, g->area_id))
		return store_fail(err, RG_EPRECOND, "area_id",
		                  "goal '%s' cannot move to another area", old->id);
	if (kind != (int)old->kind)
		return store_fail(err, RG_EPRECOND, "kind", "goal '%s' cannot change its kind",
		                  old->id);
	if (!same(old->original_due, original_due) || !same(old->set_on, set_on))
		return store_fail(
		        err, RG_EPRECOND, same(old->set_on, set_on) ? "original_due" : "set_on",
		        "goal '%s' cannot change its original due date or the day it was set",
		        old->id);
	if (state != (int)old->state || result != (int)old->result)
		return store_fail(
		        err, RG_EPRECOND, state != (int)old->state ? "state" : "result",
		        "goal '%s' changes state only by follow-up (activate, close, reopen, "
		        "withdraw)",
		        old->id);
	/* Once in force, its terms change only by a follow-up bound to a decision. */
	t = changed_term(old, g);
	if (t >= 0 && old->state != STDREG__V1__GOAL_STATE__GOAL_STATE_PROPOSED)
		return store_fail(err, RG_EPRECOND, by_follow_up[t].field,
		                  "goal '%s' is in force: its %s changes only by %s", old->id,
		                  by_follow_up[t].field, by_follow_up[t].how);
	if ((rc = check_terms(g, kind, err)) != RG_OK)
		return rc;
	if (!same(old->owner_agency_id, g->owner_agency_id) &&
	    (rc = goal_check_owner(owner, "owner_agency_id", g->area_id, g->owner_agency_id, today,
	                           err)) != RG_OK)
		return rc;

	g->kind = kind;
	g->state = state;
	g->result = result;
	if (g->report_every_days == 0)
		g->report_every_days = GOAL_REPORT_EVERY_DEFAULT;
	if (str_empty(g->set_on) && (rc = goal_set_str(&g->set_on, set_on, err)) != RG_OK)
		return rc;
	/* A proposal's due date is not yet a promise: original_due moves with it. */
	return goal_set_str(&g->original_due, same(old->due, g->due) ? original_due : g->due, err);
}
