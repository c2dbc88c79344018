/*
 * goal_follow_up.c - checks of a follow-up about to be appended to a goal (sequence,
 * as_of order, the values each type needs, the state machine, corrections), and the goal
 * as it was set rebuilt from the current record and its follow-ups' old_* values.
 *
 * Bad input is RG_EINVAL; input the goal's state refuses (a check-in on a goal that is not
 * active, an as_of out of order or in the future, closing a closed goal, an owner without
 * an appointment) is RG_EPRECOND.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "goal_int.h"

#define GOAL_FOLLOW_UP_ID_MAX 200 /* GOAL/SEQ, GOAL being AREA/N */

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
 * Refuses in f a value that belongs to another type of entry than type (the corrected
 * entry's, for a correction): a check-in with a new due date, or a correction of one with
 * a result, would be stored and shown beside the entry as if decided.
 */
static int check_no_foreign_fields(int type, const Stdreg__V1__FollowUp *f, struct store_error *err)
{
	static const struct {
		const char *field;
		int type; /* the one type that carries it */
	} owned[] = {
		{ "status", STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN },
		{ "value", STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN },
		{ "new_due", STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REDATE },
		{ "new_owner_agency_id", STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REASSIGN },
		{ "new_target", STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_RETARGET },
		{ "new_target_stage", STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_RETARGET },
		{ "new_text", STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_RETARGET },
		{ "result", STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CLOSE },
	};
	const bool given[] = {
		f->status != 0,          f->value_set,
		!str_empty(f->new_due),  !str_empty(f->new_owner_agency_id),
		f->new_target_set,       !str_empty(f->new_target_stage),
		!str_empty(f->new_text), f->result != 0,
	};

	for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
		if (given[i] && owned[i].type != type)
			return store_fail(
			        err, RG_EINVAL, owned[i].field, "field '%s' is not for a %s%s",
			        owned[i].field,
			        f->type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION
			                ? "correction of a "
			                : "",
			        type_name(type));
	if (type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN &&
	    !str_empty(f->decision_ref))
		return store_fail(
		        err, RG_EINVAL, "decision_ref",
		        "field 'decision_ref' is not for a %scheck-in (no decision makes one)",
		        f->type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION
		                ? "correction of a "
		                : "");
	return RG_OK;
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
		if (!goal_enum_valid(&stdreg__v1__goal_status__descriptor, f->status))
			return store_fail(
			        err, RG_EINVAL, "status",
			        "field 'status' must be one of: on_track, at_risk, off_track");
		if (str_empty(f->note))
			return store_fail(err, RG_EINVAL, "note",
			                  "field 'note' is required on a check-in");
		if (f->value_set && (rc = goal_check_number("value", f->value, err)) != RG_OK)
			return rc;
		if (f->value_set && !indicator)
			return store_fail(err, RG_EINVAL, "value",
			                  "field 'value' is for indicator goals ('%s' is not one)",
			                  g->id);
		return RG_OK;
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REDATE:
		if ((rc = goal_check_date("new_due", f->new_due, err)) != RG_OK)
			return rc;
		if (!correction && strcmp(f->new_due, cur->due) == 0)
			return store_fail(err, RG_EINVAL, "new_due",
			                  "goal '%s' is already due on %s", g->id, cur->due);
		return RG_OK;
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REASSIGN:
		if (str_empty(f->new_owner_agency_id))
			return store_fail(err, RG_EINVAL, "new_owner_agency_id",
			                  "field 'new_owner_agency_id' is required on a reassign");
		if (!correction && strcmp(f->new_owner_agency_id, cur->owner_agency_id) == 0)
			return store_fail(err, RG_EINVAL, "new_owner_agency_id",
			                  "goal '%s' is already owned by '%s'", g->id,
			                  cur->owner_agency_id);
		return RG_OK;
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_RETARGET:
		if (!f->new_target_set && str_empty(f->new_target_stage) && str_empty(f->new_text))
			return store_fail(err, RG_EINVAL, "new_target",
			                  "a retarget needs a new target, target stage or text");
		if (f->new_target_set &&
		    (rc = goal_check_number("new_target", f->new_target, err)) != RG_OK)
			return rc;
		if (f->new_target_set && !indicator)
			return store_fail(
			        err, RG_EINVAL, "new_target",
			        "field 'new_target' is for indicator goals ('%s' is not one)",
			        g->id);
		if (f->new_target_set && f->new_target == g->baseline)
			return store_fail(
			        err, RG_EINVAL, "new_target",
			        "field 'new_target' equals the baseline (%g): an indicator needs a "
			        "direction",
			        g->baseline);
		if (!str_empty(f->new_target_stage)) {
			if (g->kind != STDREG__V1__GOAL_KIND__GOAL_KIND_STAGE)
				return store_fail(
				        err, RG_EINVAL, "new_target_stage",
				        "field 'new_target_stage' is for stage goals ('%s' is "
				        "not one)",
				        g->id);
			if ((rc = goal_check_target_stage("new_target_stage", f->new_target_stage,
			                                  err)) != RG_OK)
				return rc;
		}
		if (!str_empty(f->new_text))
			return goal_check_text("new_text", f->new_text, err);
		return RG_OK;
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CLOSE:
		if (!goal_enum_valid(&stdreg__v1__goal_result__descriptor, f->result))
			return store_fail(err, RG_EINVAL, "result",
			                  "field 'result' must be one of: met, missed, dropped");
		return RG_OK;
	default:
		/* activate, withdraw, reopen carry nothing of their own; a correction of one can
		 * only restate why, so it needs a note. */
		if (correction && str_empty(f->note))
			return store_fail(err, RG_EINVAL, "note",
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
			return store_fail(err, RG_EPRECOND, "type",
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
		return store_fail(err, RG_EPRECOND, "type", "cannot %s goal '%s' (it is %s)",
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
const Stdreg__V1__FollowUp *goal_entry(const Stdreg__V1__FollowUp *const *fus, size_t n,
                                       const char *id)
{
	const char *slash = id != NULL ? strrchr(id, '/') : NULL;
	unsigned long seq = slash != NULL ? strtoul(slash + 1, NULL, 10) : 0;

	if (id == NULL)
		return NULL;
	// GOAL/SEQ is the SEQth entry of a chain in order; look there first.
	if (seq >= 1 && seq <= n && strcmp(fus[seq - 1]->id, id) == 0)
		return fus[seq - 1];
	for (size_t i = 0; i < n; i++)
		if (strcmp(fus[i]->id, id) == 0)
			return fus[i];
	return NULL;
}

/* Identity and sequence: GOAL/SEQ, the next number, nothing skipped; the id into id. */
/* Is id GOAL/K, K a number past n + 1 (an entry after the next of goal_id)? */
static bool later_entry(const char *goal_id, size_t n, const char *id)
{
	size_t glen = strlen(goal_id);
	unsigned long long k;
	char *end;

	if (strncmp(id, goal_id, glen) != 0 || id[glen] != '/' || id[glen + 1] < '1' ||
	    id[glen + 1] > '9')
		return false;
	k = strtoull(id + glen + 1, &end, 10);
	return *end == '\0' && k > n + 1;
}

static int check_place(const Stdreg__V1__Goal *g, size_t n, const Stdreg__V1__FollowUp *f, char *id,
                       size_t idlen, struct store_error *err)
{
	if (!str_empty(f->goal_id) && strcmp(f->goal_id, g->id) != 0)
		return store_fail(err, RG_EINVAL, "goal_id",
		                  "follow-up of goal '%s' given to goal '%s'", f->goal_id, g->id);
	if (f->seq != 0 && f->seq != n + 1)
		return store_fail(
		        err, RG_EPRECOND, "seq",
		        "follow-up %u of goal '%s' is out of sequence (the next is %zu; entries "
		        "are only appended)",
		        f->seq, g->id, n + 1);
	snprintf(id, idlen, "%s/%zu", g->id, n + 1);
	if (!str_empty(f->id) && strcmp(f->id, id) != 0) {
		/* A later entry of this goal before the ones it follows (a file in id order puts
		 * GOAL/10 before GOAL/2) waits for them, as a missing reference does. */
		if (later_entry(g->id, n, f->id))
			return store_fail(
			        err, RG_EPRECOND, "id",
			        "follow-up '%s' is out of sequence (the next of goal '%s' "
			        "is '%s'; entries are only appended)",
			        f->id, g->id, id);
		return store_fail(err, RG_EINVAL, "id", "follow-up id '%s' is not '%s'", f->id, id);
	}
	return RG_OK;
}

/* The day an entry speaks for: not in the future, not before the goal or the entry before. */
static int check_as_of(const Stdreg__V1__Goal *g, const Stdreg__V1__FollowUp *const *fus, size_t n,
                       const char *as_of, const char *today, struct store_error *err)
{
	int rc;

	if ((rc = goal_check_date("as_of", as_of, err)) != RG_OK)
		return rc;
	if (strcmp(as_of, today) > 0)
		return store_fail(err, RG_EPRECOND, "as_of",
		                  "field 'as_of': '%s' is in the future (today is %s)", as_of,
		                  today);
	if (n > 0 && strcmp(as_of, fus[n - 1]->as_of) < 0)
		return store_fail(
		        err, RG_EPRECOND, "as_of",
		        "field 'as_of': '%s' is before the last entry of goal '%s' ('%s' is of %s)",
		        as_of, g->id, fus[n - 1]->id, fus[n - 1]->as_of);
	if (!str_empty(g->set_on) && strcmp(as_of, g->set_on) < 0)
		return store_fail(err, RG_EPRECOND, "as_of",
		                  "field 'as_of': '%s' is before goal '%s' was set (%s)", as_of,
		                  g->id, g->set_on);
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
		return goal_set_str(&f->old_due, cur->due, err);
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REASSIGN:
		return goal_set_str(&f->old_owner_agency_id, cur->owner_agency_id, err);
	case STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_RETARGET:
		if (f->new_target_set)
			f->old_target = cur->target;
		if (!str_empty(f->new_target_stage))
			rc = goal_set_str(&f->old_target_stage, cur->target_stage, err);
		if (rc == RG_OK && !str_empty(f->new_text))
			rc = goal_set_str(&f->old_text, cur->text, err);
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
	const char *as_of = str_empty(f->as_of) ? today : f->as_of;
	struct goal_fold cur;
	int body_type = f->type, rc;
	char id[GOAL_FOLLOW_UP_ID_MAX];

	if (!goal_enum_valid(&stdreg__v1__follow_up_type__descriptor, f->type))
		return store_fail(
		        err, RG_EINVAL, "type",
		        "field 'type' must be one of: check_in, redate, reassign, retarget, "
		        "close, reopen, activate, withdraw, correction");
	if ((rc = check_place(g, n, f, id, sizeof(id), err)) != RG_OK)
		return rc;
	goal_fold(g, fus, n, NULL, &cur);

	if (f->type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION) {
		if (str_empty(f->supersedes))
			return store_fail(
			        err, RG_EINVAL, "supersedes",
			        "field 'supersedes' is required on a correction (the entry it "
			        "corrects)");
		target = goal_entry(fus, n, f->supersedes);
		if (target == NULL)
			return store_fail(
			        err, RG_EINVAL, "supersedes",
			        "field 'supersedes': '%s' is not an earlier entry of goal '%s'",
			        f->supersedes, g->id);
		if (target->type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION)
			return store_fail(
			        err, RG_EINVAL, "supersedes",
			        "field 'supersedes': '%s' is a correction (correct the entry it "
			        "corrects, '%s')",
			        f->supersedes, target->supersedes);
		body_type = target->type;
	} else if (!str_empty(f->supersedes)) {
		return store_fail(err, RG_EINVAL, "supersedes",
		                  "field 'supersedes' is for corrections only");
	}
	/* A decision is changed only by a decision: so is a correction of one. */
	if (needs_decision(body_type) && str_empty(f->decision_ref))
		return store_fail(err, RG_EINVAL, "decision_ref",
		                  "field 'decision_ref' is required on a %s%s",
		                  target ? "correction of a " : "", type_name(body_type));
	if ((rc = check_no_foreign_fields(body_type, f, err)) != RG_OK ||
	    (rc = check_body(g, &cur, body_type, f, err)) != RG_OK)
		return rc;
	if ((rc = check_as_of(g, fus, n, as_of, today, err)) != RG_OK)
		return rc;
	if ((rc = check_state(g, &cur, f->type, err)) != RG_OK)
		return rc;
	if (body_type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_REASSIGN &&
	    (rc = goal_check_owner(owner, "new_owner_agency_id", g->area_id, f->new_owner_agency_id,
	                           target ? target->as_of : as_of, err)) != RG_OK)
		return rc;

	/* Accepted: what the registry fills in. */
	f->seq = (uint32_t)(n + 1);
	if (str_empty(f->goal_id) && (rc = goal_set_str(&f->goal_id, g->id, err)) != RG_OK)
		return rc;
	if (str_empty(f->id) && (rc = goal_set_str(&f->id, id, err)) != RG_OK)
		return rc;
	if (str_empty(f->as_of) && (rc = goal_set_str(&f->as_of, today, err)) != RG_OK)
		return rc;
	return fill_old(g, &cur, f, err);
}

/* --- a stored history ------------------------------------------------------------------ */

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Frees what goal_check_follow_up filled into the copy c of a stored entry. */
static void release_filled(Stdreg__V1__FollowUp *c)
{
	char **slots[] = { &c->old_due, &c->old_owner_agency_id, &c->old_target_stage,
		           &c->old_text };

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (*slots[i] != protobuf_c_empty_string)
			free(*slots[i]);
}

/* Did the registry fill the stored entry e as it would fill it now (copy c)? */
static int same_filled(const Stdreg__V1__FollowUp *e, const Stdreg__V1__FollowUp *c,
                       struct store_error *err)
{
	const char *field = NULL;

	if (e->old_state != c->old_state)
		field = "old_state";
	else if (!same(e->old_due, c->old_due))
		field = "old_due";
	else if (!same(e->old_owner_agency_id, c->old_owner_agency_id))
		field = "old_owner_agency_id";
	else if (e->new_target_set && e->old_target != c->old_target)
		field = "old_target";
	else if (!same(e->old_target_stage, c->old_target_stage))
		field = "old_target_stage";
	else if (!same(e->old_text, c->old_text))
		field = "old_text";
	if (field == NULL)
		return RG_OK;
	return store_fail(err, RG_EINVAL, field,
	                  "follow-up '%s': field '%s' does not match the entries before it", e->id,
	                  field);
}

int goal_check_history(const Stdreg__V1__Goal *g, const Stdreg__V1__FollowUp *const *fus, size_t n,
                       const char *today, const struct goal_owner_check *owner,
                       struct store_error *err)
{
	int rc = goal_check_owner(owner, "owner_agency_id", g->area_id, g->owner_agency_id,
	                          g->set_on, err);

	for (size_t i = 0; rc == RG_OK && i < n; i++) {
		const Stdreg__V1__FollowUp *e = fus[i];
		Stdreg__V1__FollowUp c = *e;
		char msg[sizeof(err->message)];

		/* A stored entry carries everything the registry fills in. */
		if (e->seq != i + 1 || str_empty(e->id) || str_empty(e->as_of))
			return store_fail(
			        err, RG_EPRECOND, "seq",
			        "follow-up %zu of goal '%s' is missing or out of sequence "
			        "('%s' holds number %u)",
			        i + 1, g->id, e->id, e->seq);
		/* Check the entry as if it were appended now, on a copy whose filled values
		 * are cleared; then compare what the check fills with what is stored. */
		c.old_state = 0;
		c.old_target = 0;
		c.old_due = c.old_owner_agency_id = (char *)protobuf_c_empty_string;
		c.old_target_stage = c.old_text = (char *)protobuf_c_empty_string;
		rc = goal_check_follow_up(g, fus, i, &c, today, owner, err);
		if (rc == RG_OK)
			rc = same_filled(e, &c, err);
		release_filled(&c);
		if (rc != RG_OK && err != NULL && strncmp(err->message, "follow-up", 9) != 0) {
			snprintf(msg, sizeof(msg), "%s", err->message);
			snprintf(err->message, sizeof(err->message), "follow-up '%.100s': %.200s",
			         e->id, msg);
		}
	}
	return rc;
}

/* --- the goal as it was set ----------------------------------------------------------- */

void goal_initial(const Stdreg__V1__Goal *current, const Stdreg__V1__FollowUp *const *fus, size_t n,
                  Stdreg__V1__Goal *out)
{
	bool owner = false, target = false, stage = false, text = false;

	*out = *current;
	if (!str_empty(current->original_due))
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
		if (!str_empty(f->new_target_stage) && !stage) {
			out->target_stage = f->old_target_stage;
			stage = true;
		}
		if (!str_empty(f->new_text) && !text) {
			out->text = f->old_text;
			text = true;
		}
	}
}
