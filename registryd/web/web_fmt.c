/*
 * web_fmt.c - the page building blocks (web_fmt.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "web_fmt.h"
#include "web_html.h"
#include "web_route.h"

void web_text(struct web_ctx *c, const char *s)
{
	html_esc(&c->body, s);
}

void web_t(struct web_ctx *c, enum web_str k)
{
	html_esc(&c->body, T(c, k));
}

void web_title(struct web_ctx *c, enum web_str k)
{
	html_esc(&c->title, T(c, k));
}

void web_title_text(struct web_ctx *c, const char *prefix, const char *s)
{
	if (prefix != NULL) {
		html_esc(&c->title, prefix);
		wbuf_puts(&c->title, ": ");
	}
	html_esc(&c->title, s);
}

void web_a(struct web_ctx *c, enum web_page page, const char *id, const char *text)
{
	wbuf_puts(&c->body, "<a href=\"");
	web_link(&c->body, c->lang, page, id);
	wbuf_puts(&c->body, "\">");
	html_esc(&c->body, text != NULL && text[0] != '\0' ? text : id);
	wbuf_puts(&c->body, "</a>");
}

void web_ext_link(struct web_ctx *c, const char *url)
{
	if (!html_url_ok(url)) {
		html_esc(&c->body, url);
		return;
	}
	wbuf_puts(&c->body, "<a href=\"");
	html_esc(&c->body, url);
	wbuf_puts(&c->body, "\">");
	html_esc(&c->body, url);
	wbuf_puts(&c->body, "</a>");
}

void web_time(struct web_ctx *c, const char *d)
{
	char shown[20];

	if (d == NULL || d[0] == '\0')
		return;
	// "2026-11-27T09:30:00Z" reads as "2026-11-27 09:30"
	snprintf(shown, sizeof shown, "%s", d);
	if (strlen(shown) > 16 && shown[10] == 'T') {
		shown[10] = ' ';
		shown[16] = '\0';
	}
	wbuf_puts(&c->body, "<time datetime=\"");
	html_esc(&c->body, d);
	wbuf_puts(&c->body, "\">");
	html_esc(&c->body, shown);
	wbuf_puts(&c->body, "</time>");
}

void web_tag(struct web_ctx *c, const char *cls, enum web_str k)
{
	wbuf_printf(&c->body, "<strong class=\"tag tag-%s\">", cls);
	web_t(c, k);
	wbuf_puts(&c->body, "</strong>");
}

void web_table_open_text(struct web_ctx *c, const char *caption)
{
	wbuf_puts(&c->body, "<div class=\"table-wrap\" role=\"region\" aria-label=\"");
	html_esc(&c->body, caption);
	wbuf_puts(&c->body, "\" tabindex=\"0\"><table><caption>");
	html_esc(&c->body, caption);
	wbuf_puts(&c->body, "</caption>\n");
}

void web_table_open(struct web_ctx *c, enum web_str caption)
{
	/* Right under a heading of the same words, the table is that section's: named by the
	 * heading, not by a caption that shows the words again. */
	if (c->h2s > 0 && c->h2_key == (int)caption && c->h2_end == c->body.len) {
		wbuf_printf(&c->body,
		            "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"s%u\" "
		            "tabindex=\"0\"><table aria-labelledby=\"s%u\">\n",
		            c->h2s, c->h2s);
		return;
	}
	web_table_open_text(c, T(c, caption));
}

void web_table_close(struct web_ctx *c)
{
	wbuf_puts(&c->body, "</tbody></table></div>\n");
}

/* The header cells of keys in ap up to S_COUNT_; from the second on with class num when num. */
static void thead(struct web_ctx *c, bool num, va_list ap)
{
	int k;

	wbuf_puts(&c->body, "<thead><tr>");
	for (bool first = true; (k = va_arg(ap, int)) != S_COUNT_; first = false) {
		wbuf_puts(&c->body, num && !first ? "<th scope=\"col\" class=\"num\">"
		                                  : "<th scope=\"col\">");
		web_t(c, (enum web_str)k);
		wbuf_puts(&c->body, "</th>");
	}
	wbuf_puts(&c->body, "</tr></thead><tbody>\n");
}

void web_thead(struct web_ctx *c, ...)
{
	va_list ap;

	va_start(ap, c);
	thead(c, false, ap);
	va_end(ap);
}

void web_thead_num(struct web_ctx *c, ...)
{
	va_list ap;

	va_start(ap, c);
	thead(c, true, ap);
	va_end(ap);
}

void web_dt(struct web_ctx *c, enum web_str k)
{
	wbuf_puts(&c->body, "<dt>");
	web_t(c, k);
	wbuf_puts(&c->body, "</dt><dd>");
}

void web_dd_end(struct web_ctx *c)
{
	wbuf_puts(&c->body, "</dd>\n");
}

void web_dl_text(struct web_ctx *c, enum web_str k, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	web_dt(c, k);
	web_text(c, v);
	web_dd_end(c);
}

enum web_str web_priority_name(Stdreg__V1__AreaPriority p)
{
	switch (p) {
	case STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_PRIORITISED:
		return S_PRIO_PRIORITISED;
	case STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_MONITORED:
		return S_PRIO_MONITORED;
	case STDREG__V1__AREA_PRIORITY__AREA_PRIORITY_RETIRED:
		return S_PRIO_RETIRED;
	default:
		return S_PRIO_UNSPECIFIED;
	}
}

enum web_str web_item_status_name(Stdreg__V1__WorkItemStatus s)
{
	switch (s) {
	case STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_PUBLISHED:
		return S_WI_PUBLISHED;
	case STDREG__V1__WORK_ITEM_STATUS__WORK_ITEM_STATUS_CANCELLED:
		return S_WI_CANCELLED;
	default:
		return S_WI_IN_DEVELOPMENT;
	}
}

/* Derived goal status: its name and its tag's colour class, indexed by the enum value. */
static const struct {
	enum web_str name;
	const char *cls;
} goal_status[] = {
	[STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_UNSPECIFIED] = { S_GS_PENDING, "grey" },
	[STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_ON_TRACK] = { S_GS_ON_TRACK, "green" },
	[STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_AT_RISK] = { S_GS_AT_RISK, "yellow" },
	[STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_OFF_TRACK] = { S_GS_OFF_TRACK, "red" },
	[STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_PENDING] = { S_GS_PENDING, "grey" },
	[STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_STALE] = { S_GS_STALE, "yellow" },
	[STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_OVERDUE] = { S_GS_OVERDUE, "red" },
	[STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_MET] = { S_GS_MET, "green" },
	[STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_MISSED] = { S_GS_MISSED, "red" },
	[STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_DROPPED] = { S_GS_DROPPED, "grey" },
	[STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_PROPOSED] = { S_GS_PROPOSED, "grey" },
	[STDREG__V1__DERIVED_STATUS__DERIVED_STATUS_WITHDRAWN] = { S_GS_WITHDRAWN, "grey" },
};

enum web_str web_goal_status_name(Stdreg__V1__DerivedStatus s)
{
	return (unsigned)s < sizeof goal_status / sizeof goal_status[0] ? goal_status[s].name
	                                                                : S_GS_PENDING;
}

const char *web_goal_status_class(Stdreg__V1__DerivedStatus s)
{
	return (unsigned)s < sizeof goal_status / sizeof goal_status[0] ? goal_status[s].cls
	                                                                : "grey";
}

enum web_str web_level_name(Stdreg__V1__BodyLevel l)
{
	switch (l) {
	case STDREG__V1__BODY_LEVEL__BODY_LEVEL_INTERNATIONAL:
		return S_LV_INTERNATIONAL;
	case STDREG__V1__BODY_LEVEL__BODY_LEVEL_EUROPEAN:
		return S_LV_EUROPEAN;
	case STDREG__V1__BODY_LEVEL__BODY_LEVEL_NATIONAL:
		return S_LV_NATIONAL;
	case STDREG__V1__BODY_LEVEL__BODY_LEVEL_CONSORTIUM:
		return S_LV_CONSORTIUM;
	default:
		return S_PRIO_UNSPECIFIED;
	}
}

enum web_str web_follow_up_name(Stdreg__V1__FollowUpType t)
{
	static const enum web_str names[] = {
		S_FU_CHECK_IN, S_FU_CHECK_IN, S_FU_REDATE,   S_FU_REASSIGN, S_FU_RETARGET,
		S_FU_CLOSE,    S_FU_REOPEN,   S_FU_ACTIVATE, S_FU_WITHDRAW, S_FU_CORRECTION,
	};

	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : S_FU_CHECK_IN;
}

enum web_str web_kind_name(Stdreg__V1__Kind k)
{
	static const enum web_str names[] = {
		S_RECORD,    S_KIND_AREA,       S_KIND_BODY, S_KIND_AGENCY,
		S_KIND_ITEM, S_KIND_ASSIGNMENT, S_KIND_GOAL, S_KIND_FOLLOW_UP,
	};

	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : S_RECORD;
}

enum web_str web_role_name(Stdreg__V1__Role r)
{
	return r == STDREG__V1__ROLE__ROLE_LEAD ? S_ROLE_LEAD : S_ROLE_SUPPORTING;
}

const char *web_area_name(struct web_ctx *c, const Stdreg__V1__Area *a)
{
	const char *first = c->lang == LANG_SV ? a->name_sv : a->name;
	const char *second = c->lang == LANG_SV ? a->name : a->name_sv;

	if (first != NULL && first[0] != '\0')
		return first;
	if (second != NULL && second[0] != '\0')
		return second;
	return a->id;
}

const char *web_today(struct web_ctx *c)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(c->day, sizeof c->day, "%Y-%m-%d", &tm);
	c->today = true;
	return c->day;
}

enum web_appointment web_appointment_state(struct web_ctx *c, const Stdreg__V1__Assignment *a)
{
	const char *today = c->day[0] != '\0' ? c->day : web_today(c);

	if (strcmp(today, a->valid_from) < 0)
		return APPOINTMENT_PLANNED;
	if (a->valid_to[0] != '\0' && strcmp(today, a->valid_to) >= 0)
		return APPOINTMENT_ENDED;
	return APPOINTMENT_CURRENT;
}

void web_appointment_tag(struct web_ctx *c, const Stdreg__V1__Assignment *a)
{
	switch (web_appointment_state(c, a)) {
	case APPOINTMENT_PLANNED:
		web_tag(c, "blue", S_PLANNED);
		break;
	case APPOINTMENT_CURRENT:
		web_tag(c, "green", S_CURRENT);
		break;
	case APPOINTMENT_ENDED:
		web_tag(c, "grey", S_ENDED);
		break;
	}
}

void web_date_add(const char *day, int days, char out[11])
{
	struct tm tm = { 0 };

	out[0] = '\0';
	if (day == NULL || sscanf(day, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday += days;
	tm.tm_hour = 12;
	if (timegm(&tm) == (time_t)-1)
		return;
	strftime(out, 11, "%Y-%m-%d", &tm);
}

enum web_str web_stage_name(const char *stage)
{
	static const struct {
		char code[3];
		enum web_str name;
	} groups[] = {
		{ "00", S_STG_00 }, { "10", S_STG_10 }, { "20", S_STG_20 },
		{ "30", S_STG_30 }, { "40", S_STG_40 }, { "50", S_STG_50 },
		{ "60", S_STG_60 }, { "90", S_STG_90 }, { "95", S_STG_95 },
	};

	for (size_t i = 0; stage != NULL && i < sizeof groups / sizeof groups[0]; i++)
		if (strncmp(stage, groups[i].code, 2) == 0)
			return groups[i].name;
	return S_STG_OTHER;
}

void web_more_items(struct web_ctx *c, const char *filter, const char *id)
{
	wbuf_puts(&c->body, "<p>");
	web_t(c, S_SELECTION);
	wbuf_puts(&c->body, " <a href=\"");
	web_link(&c->body, c->lang, PAGE_ITEMS, NULL);
	wbuf_printf(&c->body, "?%s=", filter);
	html_url_arg(&c->body, id);
	wbuf_puts(&c->body, "\">");
	web_t(c, S_ALL_ITEMS);
	wbuf_puts(&c->body, "</a></p>\n");
}
