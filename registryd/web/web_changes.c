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

#define SCAN_PAGES 20 /* ListChanges pages read at most for one page (1000 changes each) */

/* Reads the changelog back from the newest change, page by page into out->pages, and picks
 * the first max that concern area (any, when NULL) into out->list. A page with nothing of
 * the area is freed at once, so only pages that hold listed changes are kept. */
static unsigned scan(struct web_ctx *c, uint32_t max, const char *area, struct web_changes *out)
{
	Stdreg__V1__ListChangesRequest req = STDREG__V1__LIST_CHANGES_REQUEST__INIT;
	char *token = NULL;
	unsigned st = 0;

	req.page_size = area != NULL || max > 1000 ? 1000 : max;
	req.page_token = "";
	for (size_t read = 0; read < SCAN_PAGES && out->n < max; read++) {
		Stdreg__V1__ListChangesResponse *r = NULL, **pages;
		struct web_change *list;
		size_t before = out->n;

		if ((st = web_call(c, "ListChanges", &req.base,
		                   &stdreg__v1__list_changes_response__descriptor, (void **)&r)) !=
		    0)
			break;
		pages = realloc(out->pages, (out->n_pages + 1) * sizeof *pages);
		list = realloc(out->list, (out->n + r->n_changes + 1) * sizeof *list);
		if (pages != NULL)
			out->pages = pages;
		if (list != NULL)
			out->list = list;
		if (pages == NULL || list == NULL) {
			stdreg__v1__list_changes_response__free_unpacked(r, NULL);
			st = 503;
			break;
		}
		for (size_t i = 0; i < r->n_changes && out->n < max; i++) {
			struct web_change w = { .ch = r->changes[i] };

			w.before = decode(w.ch->kind, &w.ch->before);
			w.after = decode(w.ch->kind, &w.ch->after);
			if (area == NULL || concerns(&w, area)) {
				out->list[out->n++] = w;
				continue;
			}
			if (w.before != NULL)
				protobuf_c_message_free_unpacked(w.before, NULL);
			if (w.after != NULL)
				protobuf_c_message_free_unpacked(w.after, NULL);
		}
		free(token);
		token = r->next_page_token[0] != '\0' ? strdup(r->next_page_token) : NULL;
		if (out->n > before)
			out->pages[out->n_pages++] = r;
		else
			stdreg__v1__list_changes_response__free_unpacked(r, NULL);
		if (token == NULL) /* the oldest change was read (or no memory: what we have) */
			break;
		req.page_token = token;
	}
	free(token);
	return st;
}

unsigned web_changes_recent(struct web_ctx *c, uint32_t max, const char *area_id,
                            struct web_changes *out)
{
	unsigned st;

	memset(out, 0, sizeof *out);
	if ((st = scan(c, max, area_id, out)) != 0)
		web_changes_release(out);
	return st;
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
		stdreg__v1__list_changes_response__free_unpacked(w->pages[p], NULL);
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
