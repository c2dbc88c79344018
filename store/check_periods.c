/*
 * check_periods.c - store_check's appointment periods: no two leads of an area share a
 * day, nor two appointments of one agency in an area (kinds.c refuses both when they are
 * written), so that "who led area X on day D" has one answer.
 *
 * Each appointment's period [valid_from, valid_to) is collected during the record walk;
 * then, sorted by area (and agency) and start, one sweep finds each period that begins
 * before the latest end so far: O(n log n), whatever one area holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

struct chk_period {
	char *area, *agency, *id;
	char from[11], to[11]; /* to "": no end yet */
	bool lead;
};

void chk_period_add(struct checker *c, const Stdreg__V1__Assignment *a)
{
	struct chk_period *p, *grown;

	if (c->n_periods == c->cap_periods) {
		size_t cap = c->cap_periods ? 2 * c->cap_periods : 64;

		if ((grown = realloc(c->periods, cap * sizeof *grown)) == NULL) {
			c->fatal = RG_ENOMEM;
			return;
		}
		c->periods = grown;
		c->cap_periods = cap;
	}
	p = &c->periods[c->n_periods];
	memset(p, 0, sizeof *p);
	p->area = strdup(a->area_id ? a->area_id : "");
	p->agency = strdup(a->agency_id ? a->agency_id : "");
	p->id = strdup(a->id ? a->id : "");
	if (p->area == NULL || p->agency == NULL || p->id == NULL) {
		free(p->area);
		free(p->agency);
		free(p->id);
		c->fatal = RG_ENOMEM;
		return;
	}
	snprintf(p->from, sizeof p->from, "%s", a->valid_from ? a->valid_from : "");
	snprintf(p->to, sizeof p->to, "%s", a->valid_to ? a->valid_to : "");
	p->lead = a->role == STDREG__V1__ROLE__ROLE_LEAD;
	c->n_periods++;
}

/* An end that is later than (or as late as) another: "" is no end. */
static bool ends_later(const char *to, const char *than)
{
	return to[0] == '\0' || (than[0] != '\0' && strcmp(to, than) > 0);
}

static int by_area_start(const void *x, const void *y)
{
	const struct chk_period *a = *(struct chk_period *const *)x;
	const struct chk_period *b = *(struct chk_period *const *)y;
	int d = strcmp(a->area, b->area);

	return d != 0 ? d : strcmp(a->from, b->from);
}

static int by_area_agency_start(const void *x, const void *y)
{
	const struct chk_period *a = *(struct chk_period *const *)x;
	const struct chk_period *b = *(struct chk_period *const *)y;
	int d = strcmp(a->area, b->area);

	if (d == 0)
		d = strcmp(a->agency, b->agency);
	return d != 0 ? d : strcmp(a->from, b->from);
}

/*
 * Sweeps ps (sorted by group, then start): each period that begins before the latest end
 * of the group so far shares days with the one that ends then. same_group says whether two
 * neighbours are of one group; leads_told skips two leads (told of already).
 */
static void sweep(struct checker *c, struct chk_period **ps, size_t n,
                  bool (*same_group)(const struct chk_period *, const struct chk_period *),
                  const char *rule, bool leads_told)
{
	const struct chk_period *last = NULL; /* of the group, the one that ends latest */

	for (size_t i = 0; i < n; i++) {
		const struct chk_period *p = ps[i];

		if (last != NULL && !same_group(last, p))
			last = NULL;
		if (last != NULL && (last->to[0] == '\0' || strcmp(p->from, last->to) < 0) &&
		    !(leads_told && last->lead && p->lead)) {
			if (last->to[0] == '\0' && p->to[0] == '\0' && last->lead && p->lead)
				chk_report(c, "area", p->area,
				           "area has more than one current lead");
			else
				chk_report(c, "assignment", p->id, "shares days with '%s': %s",
				           last->id, rule);
		}
		if (last == NULL || ends_later(p->to, last->to))
			last = p;
	}
}

static bool same_area(const struct chk_period *a, const struct chk_period *b)
{
	return strcmp(a->area, b->area) == 0;
}

static bool same_area_agency(const struct chk_period *a, const struct chk_period *b)
{
	return same_area(a, b) && strcmp(a->agency, b->agency) == 0;
}

void chk_periods_check(struct checker *c)
{
	struct chk_period **ps = malloc((c->n_periods ? c->n_periods : 1) * sizeof *ps);
	size_t n = 0;

	if (ps == NULL) {
		c->fatal = RG_ENOMEM;
		return;
	}
	for (size_t i = 0; i < c->n_periods; i++)
		if (c->periods[i].lead)
			ps[n++] = &c->periods[i];
	qsort(ps, n, sizeof *ps, by_area_start);
	sweep(c, ps, n, same_area, "an area has one lead a day", false);
	for (size_t i = 0; i < c->n_periods; i++)
		ps[i] = &c->periods[i];
	qsort(ps, c->n_periods, sizeof *ps, by_area_agency_start);
	// Two leads of one agency were told of by the sweep of leads.
	sweep(c, ps, c->n_periods, same_area_agency,
	      "an agency holds one appointment in an area a day", true);
	free(ps);
}

void chk_periods_free(struct checker *c)
{
	for (size_t i = 0; i < c->n_periods; i++) {
		free(c->periods[i].area);
		free(c->periods[i].agency);
		free(c->periods[i].id);
	}
	free(c->periods);
	c->periods = NULL;
	c->n_periods = c->cap_periods = 0;
}
