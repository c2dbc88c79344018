/*
 * cmd_export.c - regctl export: every page of Export, all read at one revision, written as
 * the bulk format that apply reads back.
 *
 * Each page says the revision it was read at. If a page comes from another revision than the
 * first, the registry changed in between and the pages would not fit together: start over
 * (at most MAX_TRIES times). So nothing is written until the last page is in: the output is
 * collected in memory (compact JSON Lines are small) and written at the end.
 */
#include <stdlib.h>
#include <string.h>

#include "regctl.h"
#include "stdreg/v1/registry.pb-c.h"

#define MAX_TRIES 3

/* What one try collected. */
struct collected {
	char *buf; /* JSON Lines (jsonl output) */
	size_t len;
	FILE *mem;
	json_t *recs; /* the records without "kind" (json and csv output) */
};

/* Returns 0, -1 when out of memory, or -2 when the record is of a kind this regctl does not
 * know (a newer server). */
static int add_record(struct collected *out, enum out_format fmt, const ProtobufCMessage *bulk)
{
	const ProtobufCMessage *rec = stdreg_bulk_get(bulk, NULL);
	json_t *j;

	if (rec == NULL)
		return -2;
	// CSV holds one kind: the record's own fields, its header's names (a goal's "kind" too).
	if (fmt == OUT_CSV) {
		if ((j = stdreg_json_from_message(rec)) == NULL)
			return -1;
		json_object_del(j, "meta");
		return json_array_append_new(out->recs, j);
	}
	if ((j = stdreg_json_from_bulk(bulk)) == NULL)
		return -1;
	if (fmt == OUT_JSONL) {
		json_dumpf(j, out->mem, JSON_COMPACT);
		fputc('\n', out->mem);
		json_decref(j);
		return ferror(out->mem) ? -1 : 0;
	}
	return json_array_append_new(out->recs, j);
}

/* A status made here (no reply to take it from). */
static void local_status(struct stdreg_status *st, int code, const char *msg)
{
	stdreg_status_release(st);
	st->code = code;
	st->message = strdup(msg);
	st->local = true;
}

/* One pass over all pages. Returns 1 when done, 0 when the revision changed, or -1 with st
 * holding why. */
static int one_try(stdreg_client *c, const struct command *cmd, Stdreg__V1__ExportRequest *req,
                   enum out_format fmt, struct collected *out, struct stdreg_status *st)
{
	Stdreg__V1__ExportResponse *page = NULL;
	uint64_t revision = 0;
	char *token = NULL;
	bool first = true;
	size_t i;
	int rv = -1;

	for (;;) {
		req->page_token = token != NULL ? token : (char *)protobuf_c_empty_string;
		if (stdreg_call(c, cmd->method, &req->base, cmd->response,
		                (ProtobufCMessage **)&page, st) != STDREG_OK)
			goto out;
		if (!first && page->revision != revision) {
			rv = 0;
			goto out;
		}
		first = false;
		revision = page->revision;
		for (i = 0; i < page->n_records; i++) {
			int added = add_record(out, fmt, &page->records[i]->base);

			if (added == -2) {
				local_status(
				        st, STDREG_UNIMPLEMENTED,
				        "the registry sent a record of a kind this regctl does not "
				        "know");
				goto out;
			}
			if (added != 0) {
				local_status(st, STDREG_RESOURCE_EXHAUSTED, "out of memory");
				goto out;
			}
		}
		if (page->next_page_token == NULL || page->next_page_token[0] == '\0')
			break;
		if (token != NULL && strcmp(token, page->next_page_token) == 0) {
			local_status(st, STDREG_INTERNAL, "the server repeated a page token");
			goto out;
		}
		free(token);
		token = strdup(page->next_page_token);
		stdreg__v1__export_response__free_unpacked(page, NULL);
		page = NULL;
	}
	rv = 1;
out:
	req->page_token = (char *)protobuf_c_empty_string;
	if (page != NULL)
		stdreg__v1__export_response__free_unpacked(page, NULL);
	free(token);
	return rv;
}

static void collected_reset(struct collected *out)
{
	if (out->mem != NULL)
		fclose(out->mem);
	free(out->buf);
	json_decref(out->recs);
	memset(out, 0, sizeof(*out));
}

static int collected_init(struct collected *out)
{
	memset(out, 0, sizeof(*out));
	out->mem = open_memstream(&out->buf, &out->len);
	out->recs = json_array();
	return out->mem != NULL && out->recs != NULL ? 0 : -1;
}

static void write_out(struct globals *g, struct collected *out, const struct stdreg_kind *k)
{
	switch (g->out) {
	case OUT_TABLE: // refused by command_main: there is no table of a whole registry
		break;
	case OUT_JSONL:
		fflush(out->mem);
		fwrite(out->buf, 1, out->len, stdout);
		break;
	case OUT_JSON:
		json_dumpf(out->recs, stdout, JSON_INDENT(2));
		putchar('\n');
		break;
	case OUT_CSV:
		out_csv_records(stdout, k->record, out->recs);
		break;
	}
}

int run_export(struct globals *g, const struct command *cmd, struct cmd_args *a)
{
	struct stdreg_status st = STDREG_STATUS_INIT;
	Stdreg__V1__ExportRequest *req = NULL;
	const struct stdreg_kind *k = NULL;
	struct collected out = { 0 };
	stdreg_client *c = NULL;
	char err[300];
	int rc, tries, rv = 0;

	if (stdreg_json_to_message(a->fields, cmd->request, (ProtobufCMessage **)&req, err,
	                           sizeof(err)) != 0) {
		errorf("cannot export (%s)", err);
		return EXIT_USAGE;
	}
	k = stdreg_kind_by_value(req->kind);
	if (g->out == OUT_CSV && k == NULL) {
		errorf("cannot export as csv without --kind (csv holds one kind of record)");
		rc = EXIT_USAGE;
		goto out;
	}
	if ((rc = open_client(g, &c)) != 0)
		goto out;
	for (tries = 0; tries < MAX_TRIES; tries++) {
		collected_reset(&out);
		if (collected_init(&out) != 0) {
			errorf("cannot export (out of memory)");
			rc = EXIT_SERVER;
			goto out;
		}
		if ((rv = one_try(c, cmd, req, g->out, &out, &st)) != 0)
			break;
	}
	if (rv < 0) {
		rc = fail_status("export", &st);
		goto out;
	}
	if (rv == 0) {
		errorf("cannot export (the registry changed during each of %d tries)", MAX_TRIES);
		rc = EXIT_CONFLICT;
		goto out;
	}
	write_out(g, &out, k);
	rc = finish_output(EXIT_OK);
out:
	collected_reset(&out);
	protobuf_c_message_free_unpacked(&req->base, NULL);
	stdreg_status_release(&st);
	stdreg_client_close(c);
	return rc;
}
