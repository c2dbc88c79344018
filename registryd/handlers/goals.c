/*
 * goals.c - the goal methods (AddGoal, GetGoal, ListGoals, AddFollowUp, Trend) around
 * store_goal_add/follow_up_add/goal_get/goal_list/trend.
 *
 * Access: AddGoal is for coordinators (and admins) by its row's permission. AddFollowUp's
 * row lets agency principals in too; the run then holds them to check-ins and corrections
 * on goals their agency owns, against the goal as stored in the same transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "job.h"

#include "stdreg/v1/goals.pb-c.h"
#include "stdreg/v1/registry.pb-c.h"

static void goal_job_free(struct job *j)
{
	free(j);
}

/* Packs the response the store built into j->out and frees it. */
static int reply(struct job *j, int rc, ProtobufCMessage *out)
{
	if (rc == RG_OK)
		rc = job_pack(j, out);
	if (out)
		protobuf_c_message_free_unpacked(out, NULL);
	return rc;
}

/* A copy of m (malloc'd, free with protobuf_c_message_free_unpacked), or NULL without memory:
 * the store fills ids and derived fields in, and a retried run must start from the request. */
static ProtobufCMessage *message_copy(const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	ProtobufCMessage *copy;

	if (buf == NULL)
		return NULL;
	protobuf_c_message_pack(m, buf);
	copy = protobuf_c_message_unpack(m->descriptor, NULL, len, buf);
	free(buf);
	return copy;
}

/* --- AddGoal ------------------------------------------------------------------------ */

static int add_goal_run(struct job *j, store_txn *t, const struct store_actor *who)
{
	Stdreg__V1__GoalAddRequest *r = (Stdreg__V1__GoalAddRequest *)j->c.req;
	ProtobufCMessage *out = NULL;
	Stdreg__V1__Goal *g;
	int rc;

	free(j->out);
	j->out = NULL;
	if ((g = (Stdreg__V1__Goal *)message_copy(&r->goal->base)) == NULL)
		return RG_ENOMEM;
	rc = store_goal_add(t, &g->base, r->proposed, who, &out, &j->err);
	stdreg__v1__goal__free_unpacked(g, NULL);
	return reply(j, rc, out);
}

static const struct job_ops add_goal_ops = { .run = add_goal_run, .free = goal_job_free };

enum call_result handle_add_goal(struct call *c)
{
	const Stdreg__V1__GoalAddRequest *r = (const Stdreg__V1__GoalAddRequest *)c->req;

	if (r->goal == NULL)
		return call_fail(c, GRPC_INVALID_ARGUMENT, "goal", "field 'goal' is required");
	return job_submit_ops(c, &add_goal_ops, r->goal->decision_ref);
}

/* --- AddFollowUp -------------------------------------------------------------------- */

/* Fills err with RG_EPERM (PERMISSION_DENIED), the field and the message. */
static int perm_fail(struct store_error *err, const char *field, const char *fmt, const char *a,
                     const char *b)
{
	err->code = RG_EPERM;
	snprintf(err->field, sizeof err->field, "%s", field);
	snprintf(err->message, sizeof err->message, fmt, a, b);
	return RG_EPERM;
}

/* Whether entry id (GOAL/SEQ) is a check-in; an unknown id passes, for the store to name. */
static int corrects_a_check_in(store_txn *t, const char *id, bool *check_in)
{
	Stdreg__V1__FollowUp *e;
	const void *val;
	size_t len;

	*check_in = true;
	if (store_get(t, STORE_FOLLOW_UP, id, &val, &len) != RG_OK)
		return RG_OK;
	if ((e = stdreg__v1__follow_up__unpack(NULL, len, val)) == NULL)
		return RG_ECORRUPT;
	*check_in = e->type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN;
	stdreg__v1__follow_up__free_unpacked(e, NULL);
	return RG_OK;
}

/* An agency principal writes check-ins on its own goals, and corrections of check-ins:
 * the decisions (and their corrections) are the coordinators'. */
static int follow_up_allowed(struct job *j, store_txn *t, const Stdreg__V1__FollowUp *f)
{
	const struct auth_principal *p = &j->c.who;
	Stdreg__V1__Goal *g;
	const void *val;
	size_t len;
	bool own, check_in;
	int rc;

	if (p->role != STDREG__V1__PRINCIPAL_ROLE__PRINCIPAL_ROLE_AGENCY)
		return RG_OK;
	if (f->type != STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CHECK_IN &&
	    f->type != STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION)
		return perm_fail(&j->err, "type", "agency '%s' may write %s only", p->agency_id,
		                 "check-ins and corrections of check-ins");
	if (f->type == STDREG__V1__FOLLOW_UP_TYPE__FOLLOW_UP_TYPE_CORRECTION &&
	    f->supersedes != NULL && f->supersedes[0] != '\0') {
		if ((rc = corrects_a_check_in(t, f->supersedes, &check_in)) != RG_OK)
			return rc;
		if (!check_in)
			return perm_fail(
			        &j->err, "supersedes",
			        "'%s' is a decision; agency '%s' may correct check-ins only",
			        f->supersedes, p->agency_id);
	}
	if (store_get(t, STORE_GOAL, f->goal_id, &val, &len) != RG_OK)
		return RG_OK; /* the store names the unknown goal */
	g = stdreg__v1__goal__unpack(NULL, len, val);
	if (g == NULL)
		return RG_ECORRUPT;
	own = strcmp(g->owner_agency_id, p->agency_id) == 0;
	stdreg__v1__goal__free_unpacked(g, NULL);
	return own ? RG_OK
	           : perm_fail(&j->err, "goal_id", "goal '%s' is not owned by agency '%s'",
	                       f->goal_id, p->agency_id);
}

static int add_follow_up_run(struct job *j, store_txn *t, const struct store_actor *who)
{
	Stdreg__V1__FollowUpAddRequest *r = (Stdreg__V1__FollowUpAddRequest *)j->c.req;
	ProtobufCMessage *out = NULL;
	Stdreg__V1__FollowUp *f;
	int rc;

	free(j->out);
	j->out = NULL;
	if ((f = (Stdreg__V1__FollowUp *)message_copy(&r->follow_up->base)) == NULL)
		return RG_ENOMEM;
	rc = follow_up_allowed(j, t, f);
	if (rc == RG_OK)
		rc = store_follow_up_add(t, &f->base, who, &out, &j->err);
	stdreg__v1__follow_up__free_unpacked(f, NULL);
	return reply(j, rc, out);
}

static const struct job_ops add_follow_up_ops = { .run = add_follow_up_run, .free = goal_job_free };

enum call_result handle_add_follow_up(struct call *c)
{
	const Stdreg__V1__FollowUpAddRequest *r = (const Stdreg__V1__FollowUpAddRequest *)c->req;

	if (r->follow_up == NULL)
		return call_fail(c, GRPC_INVALID_ARGUMENT, "follow_up",
		                 "field 'follow_up' is required");
	return job_submit_ops(c, &add_follow_up_ops, r->follow_up->decision_ref);
}

/* --- reads -------------------------------------------------------------------------- */

static int get_goal(struct call *c, store_txn *t, ProtobufCMessage **out, struct store_error *err)
{
	const Stdreg__V1__GoalGetRequest *r = (const Stdreg__V1__GoalGetRequest *)c->req;

	return store_goal_get(t, r->id, r->as_of, NULL, r->follow_ups_from, r->follow_ups_limit,
	                      out, err);
}

enum call_result handle_get_goal(struct call *c)
{
	const Stdreg__V1__GoalGetRequest *r = (const Stdreg__V1__GoalGetRequest *)c->req;

	if (r->id[0] == '\0')
		return call_fail(c, GRPC_INVALID_ARGUMENT, "id", "field 'id' is required");
	return query_answer(c, get_goal);
}

static int list_goals(struct call *c, store_txn *t, ProtobufCMessage **out, struct store_error *err)
{
	return store_goal_list(t, c->req, NULL, out, err);
}

enum call_result handle_list_goals(struct call *c)
{
	return query_answer(c, list_goals);
}

static int trend(struct call *c, store_txn *t, ProtobufCMessage **out, struct store_error *err)
{
	const Stdreg__V1__TrendRequest *r = (const Stdreg__V1__TrendRequest *)c->req;

	return store_trend(t, r->from_date, r->to_date, NULL, out, err);
}

enum call_result handle_trend(struct call *c)
{
	return query_answer(c, trend);
}
