/*
 * web_changes.c - recent changes for the pages and the feeds (web_changes.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_changes.h"
#include "web_html.h"

#include "stdreg/v1/goals.pb-c.h"

/* The record message of each kind, indexed by Stdreg__V1__Kind. */
static const ProtobufCMessageDescriptor *record_desc(Stdreg__V1__Kind k)
{
	switch (k) {
	case STDREG__V1__KIND__KIND_AREA:
		return &stdreg__v1__area__descriptor;
	case STDREG__V1__KIND__KIND_BODY:
		return &stdreg__v1__body__descriptor;
	case STDREG__V1__KIND__KIND_AGENCY:
		return &stdreg__v1__agency__descriptor;
	case STDREG__V1__KIND__KIND_ITEM:
		return &stdreg__v1__work_item__descriptor;
	case STDREG__V1__KIND__KIND_ASSIGNMENT:
		return &stdreg__v1__assignment__descriptor;
	case STDREG__V1__KIND__KIND_GOAL:
		return &stdreg__v1__goal__descriptor;
	case STDREG__V1__KIND__KIND_FOLLOW_UP:
		return &stdreg__v1__follow_up__descriptor;
	default:
		return NULL;
	}
}

static ProtobufCMessage *decode(Stdreg__V1__Kind k, const ProtobufCBinaryData *b)
{
	const ProtobufCMessageDescriptor *d = record_desc(k);

	if (d == NULL || b->len == 0)
		return NULL;
	return protobuf_c_message_unpack(d, NULL, b->len, b->data);
}

/* Whether a work item record names area among its areas. */
static bool item_in_area(const ProtobufCMessage *m, const char *area)
{
	const Stdreg__V1__WorkItem *wi = (const void *)m;

	if (m == NULL)
		return false;
	for (size_t i = 0; i < wi->n_area_ids; i++)
		if (strcmp(wi->area_ids[i], area) == 0)
			return true;
	return false;
}

static bool concerns(const struct web_change *w, const char *area)
{
	const char *id = w->ch->id;
	size_t n = strlen(area);

	if (w->ch->kind == STDREG__V1__KIND__KIND_ITEM)
		return item_in_area(w->before, area) || item_in_area(w->after, area);
	if (w->ch->kind == STDREG__V1__KIND__KIND_BODY ||
	    w->ch->kind == STDREG__V1__KIND__KIND_AGENCY)
		return false;
	// The area itself; its appointments ("AREA/AGENCY/FROM"), goals ("AREA/N") and
	// follow-ups ("AREA/N/SEQ") carry its id first.
	return strncmp(id, area, n) == 0 && (id[n] == '\0' || id[n] == '/');
}

#define SCAN_PAGES 20 /* Watch replies read at most for one page (1000 changes each) */

/* Reads every change after since up to top, page by page, into out->pages. */
static unsigned scan(struct web_ctx *c, uint64_t since, uint64_t top, struct web_changes *out,
                     bool *capped)
{
	Stdreg__V1__WatchRequest req = STDREG__V1__WATCH_REQUEST__INIT;
	unsigned st;

	*capped = false;
	req.max_events = 1000;
	while (since < top) {
		Stdreg__V1__WatchResponse *r = NULL, **pages;

		if (out->n_pages == SCAN_PAGES) {
			*capped = true;
			return 0;
		}
		req.since_revision = since;
		if ((st = web_call(c, "Watch", &req.base, &stdreg__v1__watch_response__descriptor,
		                   (void **)&r)) != 0)
			return st;
		if ((pages = realloc(out->pages, (out->n_pages + 1) * sizeof *pages)) == NULL) {
			stdreg__v1__watch_response__free_unpacked(r, NULL);
			return 503;
		}
		out->pages = pages;
		out->pages[out->n_pages++] = r;
		// Goes on from where the reply stopped (inside a bulk revision if need be).
		if (r->next_revision < since ||
		    (r->next_revision == since && r->next_change <= req.since_change))
			break;
		since = r->next_revision;
		req.since_change = r->next_change;
	}
	return 0;
}

/* Picks the newest max changes (of area, when given) of out->pages into out->list. */
static unsigned pick(struct web_changes *out, uint32_t max, const char *area)
{
	size_t total = 0;

	for (size_t p = 0; p < out->n_pages; p++)
		total += out->pages[p]->n_changes;
	if ((out->list = calloc(total + 1, sizeof *out->list)) == NULL)
		return 503;
	for (size_t p = out->n_pages; p-- > 0 && out->n < max;) {
		const Stdreg__V1__WatchResponse *r = out->pages[p];

		for (size_t i = r->n_changes; i-- > 0 && out->n < max;) {
			struct web_change w = { .ch = r->changes[i] };

			w.before = decode(w.ch->kind, &w.ch->before);
			w.after = decode(w.ch->kind, &w.ch->after);
			if (area != NULL && !concerns(&w, area)) {
				if (w.before != NULL)
					protobuf_c_message_free_unpacked(w.before, NULL);
				if (w.after != NULL)
					protobuf_c_message_free_unpacked(w.after, NULL);
				continue;
			}
			out->list[out->n++] = w;
		}
	}
	return 0;
}

unsigned web_changes_recent(struct web_ctx *c, uint32_t max, const char *area_id,
                            struct web_changes *out)
{
	Stdreg__V1__ListRequest lr = STDREG__V1__LIST_REQUEST__INIT;
	void *m = NULL;
	unsigned st;
	uint64_t top, span = max > 0 ? max : 1;

	memset(out, 0, sizeof *out);
	// Any read tells the current revision.
	lr.page_size = 1;
	if ((st = web_call(c, "ListAreas", &lr.base, &stdreg__v1__list_areas_response__descriptor,
	                   &m)) != 0)
		return st;
	protobuf_c_message_free_unpacked(m, NULL);
	top = c->revision;
	// A revision holds one change or many (a bulk apply): start with the last max
	// revisions and look further back until max changes are found or the start is reached.
	for (;;) {
		uint64_t since = top > span ? top - span : 0;
		bool capped;

		if ((st = scan(c, since, top, out, &capped)) != 0 ||
		    (st = pick(out, max, area_id)) != 0) {
			web_changes_release(out);
			return st;
		}
		if (out->n >= max || since == 0 || capped)
			return 0;
		web_changes_release(out);
		span *= 8;
	}
}

void web_changes_release(struct web_changes *w)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->list[i].before != NULL)
			protobuf_c_message_free_unpacked(w->list[i].before, NULL);
		if (w->list[i].after != NULL)
			protobuf_c_message_free_unpacked(w->list[i].after, NULL);
	}
	free(w->list);
	for (size_t p = 0; p < w->n_pages; p++)
		stdreg__v1__watch_response__free_unpacked(w->pages[p], NULL);
	free(w->pages);
	memset(w, 0, sizeof *w);
}

/* A field's value as text into b (escaped): scalars, enums by value name, repeated joined. */
static void value(struct wbuf *b, const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)m + f->offset;
	size_t n = 1;
	char num[64];

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		n = *(const size_t *)((const char *)m + f->quantifier_offset);
		base = *(const char *const *)base;
	}
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			wbuf_puts(b, ", ");
		num[0] = '\0';
		switch (f->type) {
		case PROTOBUF_C_TYPE_STRING:
			html_esc(b, ((const char *const *)base)[i]);
			break;
		case PROTOBUF_C_TYPE_UINT32:
			snprintf(num, sizeof num, "%" PRIu32, ((const uint32_t *)base)[i]);
			break;
		case PROTOBUF_C_TYPE_INT32:
			snprintf(num, sizeof num, "%" PRId32, ((const int32_t *)base)[i]);
			break;
		case PROTOBUF_C_TYPE_UINT64:
			snprintf(num, sizeof num, "%" PRIu64, ((const uint64_t *)base)[i]);
			break;
		case PROTOBUF_C_TYPE_DOUBLE:
			snprintf(num, sizeof num, "%g", ((const double *)base)[i]);
			break;
		case PROTOBUF_C_TYPE_BOOL:
			snprintf(num, sizeof num, "%s",
			         ((const protobuf_c_boolean *)base)[i] ? "true" : "false");
			break;
		case PROTOBUF_C_TYPE_ENUM: {
			const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(
			        f->descriptor, ((const int *)base)[i]);

			html_esc(b, ev != NULL ? ev->name : "?");
			break;
		}
		default:
			break;
		}
		wbuf_puts(b, num);
	}
}

void web_change_diff(struct wbuf *b, const struct web_change *w)
{
	const ProtobufCMessageDescriptor *d;
	bool first = true;

	if (w->before == NULL || w->after == NULL)
		return;
	d = w->before->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		struct wbuf old = { 0 }, new = { 0 };

		if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_BYTES)
			continue; // meta (revisions, times) and nested records
		value(&old, w->before, f);
		value(&new, w->after, f);
		if ((old.len != new.len || (old.len > 0 && memcmp(old.p, new.p, old.len) != 0))) {
			if (!first)
				wbuf_puts(b, "; ");
			first = false;
			wbuf_puts(b, f->name);
			wbuf_puts(b, ": ");
			wbuf_add(b, old.len > 0 ? old.p : "–", old.len > 0 ? old.len : strlen("–"));
			wbuf_puts(b, " → ");
			wbuf_add(b, new.len > 0 ? new.p : "–", new.len > 0 ? new.len : strlen("–"));
		}
		wbuf_release(&old);
		wbuf_release(&new);
	}
}

const char *web_change_label(const struct web_change *w)
{
	const ProtobufCMessage *m = w->after != NULL ? w->after : w->before;
	static const char *const names[] = { "name_sv", "name", "reference", "text" };

	if (m == NULL)
		return w->ch->id;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const ProtobufCFieldDescriptor *f =
		        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, names[i]);
		const char *s;

		if (f == NULL || f->type != PROTOBUF_C_TYPE_STRING ||
		    f->label == PROTOBUF_C_LABEL_REPEATED)
			continue;
		s = *(const char *const *)((const char *)m + f->offset);
		if (s != NULL && s[0] != '\0')
			return s;
	}
	return w->ch->id;
}
