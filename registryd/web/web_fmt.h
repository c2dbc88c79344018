/*
 * web_fmt.h - the building blocks pages write with: links, dates, status tags, tables
 * (each wrapped in a focusable scroll region for reflow at 320 px) and summary lists. All
 * stored text goes through html_esc (web_html.h); names of enum values come from the
 * string table.
 */
#ifndef REGISTRYD_WEB_FMT_H
#define REGISTRYD_WEB_FMT_H

#include "web_ctx.h"

#include "stdreg/v1/goals.pb-c.h"
#include "stdreg/v1/records.pb-c.h"

/* Stored text, escaped, into the page. */
void web_text(struct web_ctx *c, const char *s);
/* A string of the table, escaped. */
void web_t(struct web_ctx *c, enum web_str k);
/* Sets the page's title (and h1) to a string of the table, or to stored text. */
void web_title(struct web_ctx *c, enum web_str k);
void web_title_text(struct web_ctx *c, const char *prefix, const char *s);
/* <a href="page/id">text</a>; text is stored text (escaped here). */
void web_a(struct web_ctx *c, enum web_page page, const char *id, const char *text);
/* A stored URL as a link when it is http(s), else as text. */
void web_ext_link(struct web_ctx *c, const char *url);
/* <time datetime="d">d</time> for a date or an RFC 3339 time (shown as date and time);
 * nothing when d is empty. */
void web_time(struct web_ctx *c, const char *d);
/* A status tag: text (never colour alone), class tag-<cls> for the colour. */
void web_tag(struct web_ctx *c, const char *cls, enum web_str k);

/* <div role="region" ...><table><caption>caption</caption> ... </table></div> */
void web_table_open(struct web_ctx *c, enum web_str caption);
void web_table_open_text(struct web_ctx *c, const char *caption);
void web_table_close(struct web_ctx *c);
/* <thead><tr><th scope="col">k</th>...</tr></thead><tbody>; the list ends with S_COUNT_. */
void web_thead(struct web_ctx *c, ...);
/* The same with the columns after the first holding numbers (class num, right-aligned). */
void web_thead_num(struct web_ctx *c, ...);
/* <dt>k</dt><dd>: the caller writes the value and then web_dd_end(). */
void web_dt(struct web_ctx *c, enum web_str k);
void web_dd_end(struct web_ctx *c);
/* A <dt>/<dd> pair holding stored text; nothing when the value is empty. */
void web_dl_text(struct web_ctx *c, enum web_str k, const char *v);

/*
 * When a list was cut at its limit: a paragraph linking the work items page filtered by
 * filter ("area" or "body") = id, where all of them are.
 */
void web_more_items(struct web_ctx *c, const char *filter, const char *id);

/* Names of enum values in the page's language. */
enum web_str web_priority_name(Stdreg__V1__AreaPriority p);
enum web_str web_item_status_name(Stdreg__V1__WorkItemStatus s);
enum web_str web_goal_status_name(Stdreg__V1__DerivedStatus s);
const char *web_goal_status_class(Stdreg__V1__DerivedStatus s);
enum web_str web_level_name(Stdreg__V1__BodyLevel l);
enum web_str web_follow_up_name(Stdreg__V1__FollowUpType t);
enum web_str web_kind_name(Stdreg__V1__Kind k);
enum web_str web_role_name(Stdreg__V1__Role r);
/* The name of the stage group of an ISO stage code ("40.20" -> enquiry). */
enum web_str web_stage_name(const char *stage);
/* An area's name in the page's language (falling back to the other one, then the id). */
const char *web_area_name(struct web_ctx *c, const Stdreg__V1__Area *a);

/* Where an appointment stands today (valid_from <= today < valid_to holds, as the store's
 * as-of reads it); the page must depend on today (web_serve.c's table). */
enum web_appointment { APPOINTMENT_PLANNED, APPOINTMENT_CURRENT, APPOINTMENT_ENDED };
enum web_appointment web_appointment_state(struct web_ctx *c, const Stdreg__V1__Assignment *a);
/* Its tag: planned, current or ended. */
void web_appointment_tag(struct web_ctx *c, const Stdreg__V1__Assignment *a);

/* Today (UTC) as YYYY-MM-DD in c->day, marking the page as depending on it. */
const char *web_today(struct web_ctx *c);
/* The date days before or after day (YYYY-MM-DD) into out[11]. */
void web_date_add(const char *day, int days, char out[11]);

#endif
