/*
 * web_list.c - paging through List calls (web_list.h).
 */
#include <stdlib.h>
#include <string.h>

#include "collate.h"
#include "web_fmt.h"
#include "web_list.h"

#define MAX_RECORDS ((size_t)1 << 20) /* a page never holds more than a million rows */

unsigned web_list_all(struct web_ctx *c, const char *method, ProtobufCMessage *req,
                      const ProtobufCMessageDescriptor *resp, size_t limit, struct web_list *out)
{
	// Every List request has page_size at field 1 and page_token at field 2.
	const ProtobufCFieldDescriptor *size_f =
	        protobuf_c_message_descriptor_get_field(req->descriptor, 1);
	const ProtobufCFieldDescriptor *token_f =
	        protobuf_c_message_descriptor_get_field(req->descriptor, 2);
	uint32_t *page_size = (uint32_t *)((char *)req + size_f->offset);
	char **page_token = (char **)((char *)req + token_f->offset);
	const ProtobufCFieldDescriptor *rec = protobuf_c_message_descriptor_get_field(resp, 1);
	const ProtobufCFieldDescriptor *next = protobuf_c_message_descriptor_get_field(resp, 2);
	char *token = NULL;
	bool sized = *page_size == 0; /* the page sizes are this function's to choose */
	unsigned st = 0;

	memset(out, 0, sizeof *out);
	if (limit == 0 || limit > MAX_RECORDS)
		limit = MAX_RECORDS;
	if ((*page_token)[0] != '\0' && (token = strdup(*page_token)) == NULL)
		return 503;
	do {
		ProtobufCMessage *m = NULL, **pages;
		size_t n;
		void **recs, **items;
		const char *tok;

		*page_token = token != NULL ? token : (char *)"";
		if (sized)
			*page_size = limit - out->n < 1000 ? (uint32_t)(limit - out->n) : 1000;
		st = web_call(c, method, req, resp, (void **)&m);
		free(token);
		token = NULL;
		*page_token = (char *)"";
		if (st != 0)
			return st;
		pages = realloc(out->pages, (out->n_pages + 1) * sizeof *pages);
		if (pages == NULL) {
			protobuf_c_message_free_unpacked(m, NULL);
			return 503;
		}
		out->pages = pages;
		out->pages[out->n_pages++] = m;
		n = *(const size_t *)((const char *)m + rec->quantifier_offset);
		recs = *(void **const *)((const char *)m + rec->offset);
		if ((items = realloc(out->items, (out->n + n + 1) * sizeof *items)) == NULL)
			return 503;
		out->items = items;
		for (size_t i = 0; i < n; i++) {
			if (out->n >= limit) {
				out->more = true;
				return 0;
			}
			out->items[out->n++] = recs[i];
		}
		tok = *(const char *const *)((const char *)m + next->offset);
		if (tok != NULL && tok[0] != '\0' && (token = strdup(tok)) == NULL)
			return 503;
		if (token != NULL && out->n >= limit) {
			out->more = true;
			out->next = token; /* the page ended at the limit: its token goes on */
			return 0;
		}
	} while (token != NULL);
	return 0;
}

void web_list_release(struct web_list *l)
{
	for (size_t i = 0; i < l->n_pages; i++)
		protobuf_c_message_free_unpacked(l->pages[i], NULL);
	free(l->pages);
	free(l->items);
	free(l->next);
	memset(l, 0, sizeof *l);
}

static unsigned list_every(struct web_ctx *c, const char *method,
                           const ProtobufCMessageDescriptor *resp, struct web_list *out)
{
	Stdreg__V1__ListRequest req = STDREG__V1__LIST_REQUEST__INIT;

	return web_list_all(c, method, &req.base, resp, 0, out);
}

unsigned web_list_agencies(struct web_ctx *c, struct web_list *out)
{
	return list_every(c, "ListAgencies", &stdreg__v1__list_agencies_response__descriptor, out);
}

unsigned web_list_areas(struct web_ctx *c, struct web_list *out)
{
	return list_every(c, "ListAreas", &stdreg__v1__list_areas_response__descriptor, out);
}

unsigned web_list_bodies(struct web_ctx *c, struct web_list *out)
{
	return list_every(c, "ListBodies", &stdreg__v1__list_bodies_response__descriptor, out);
}

const char *web_agency_name(const struct web_list *agencies, const char *id)
{
	for (size_t i = 0; i < agencies->n; i++) {
		const Stdreg__V1__Agency *a = agencies->items[i];

		if (strcmp(a->id, id) == 0)
			return a->name != NULL && a->name[0] != '\0' ? a->name : id;
	}
	return id;
}

const char *web_area_name_of(struct web_ctx *c, const struct web_list *areas, const char *id)
{
	for (size_t i = 0; i < areas->n; i++) {
		const Stdreg__V1__Area *a = areas->items[i];

		if (strcmp(a->id, id) == 0)
			return web_area_name(c, a);
	}
	return id;
}

const char *web_body_label(const Stdreg__V1__Body *b)
{
	return b->acronym[0] != '\0' ? b->acronym : b->id;
}

const char *web_body_label_of(const struct web_list *bodies, const char *id)
{
	for (size_t i = 0; i < bodies->n; i++) {
		const Stdreg__V1__Body *b = bodies->items[i];

		if (strcmp(b->id, id) == 0)
			return web_body_label(b);
	}
	return id;
}

int web_body_order(const void *a, const void *b)
{
	return store_collate_sv(web_body_label(*(void *const *)a),
	                        web_body_label(*(void *const *)b));
}

int web_item_stage_order(const void *a, const void *b)
{
	const Stdreg__V1__WorkItem *x = *(void *const *)a, *y = *(void *const *)b;
	int r = strcmp(x->stage, y->stage);

	return r != 0 ? r : strcmp(x->reference, y->reference);
}
