/*
 * cmd_record.c - list, get, put and delete, for every noun: the noun's kind (library) and
 * tables (nouns.c) supply everything that differs.
 */
#include <stdlib.h>
#include <string.h>

#include "regctl.h"
#include "stdreg/v1/registry.pb-c.h"

/* "areas", "bodies", "agencies": for messages only. */
static void plural(const struct noun *n, char *buf, size_t len)
{
	size_t l = strlen(n->name);

	if (l > 0 && n->name[l - 1] == 'y')
		snprintf(buf, len, "%.*sies", (int)(l - 1), n->name);
	else
		snprintf(buf, len, "%ss", n->name);
}

/* Parses the verb's flags and checks the number of positional arguments. Returns -1 when
 * the verb is done (help printed: *rc = 0; usage error: *rc = 2). */
static int start(struct globals *g, const struct noun *n, const char *verb, unsigned opts, int want,
                 int argc, char **argv, struct verb_args *a, int *rc)
{
	if ((*rc = verb_args_parse(g, n, verb, opts, argc, argv, a)) != 0)
		return -1;
	if (a->help) {
		noun_help(stdout, n);
		verb_args_release(a);
		*rc = EXIT_OK;
		return -1;
	}
	if (a->npos > want) {
		errorf("unexpected argument '%s' for '%s %s'", a->pos[want], n->name, verb);
		goto usage;
	}
	if (a->npos < want) {
		errorf("'%s %s' needs an ID (see regctl %s --help)", n->name, verb, n->name);
		goto usage;
	}
	return 0;
usage:
	verb_args_release(a);
	*rc = EXIT_USAGE;
	return -1;
}

/* Exit code after output: writing stdout must have worked for a 0. */
static int finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		errorf("cannot write the output (%s)", "write error");
		return EXIT_SERVER;
	}
	return rc;
}

int cmd_get(struct globals *g, const struct noun *n, int argc, char **argv)
{
	const struct stdreg_kind *k = stdreg_kind_find(n->name);
	struct stdreg_status st = STDREG_STATUS_INIT;
	ProtobufCMessage *rec = NULL;
	stdreg_client *c = NULL;
	struct verb_args a;
	char what[200];
	json_t *j;
	int rc;

	if (start(g, n, "get", 0, 1, argc, argv, &a, &rc) != 0)
		return rc;
	snprintf(what, sizeof(what), "get %s '%s'", n->name, a.pos[0]);
	if ((rc = open_client(g, &c)) != 0)
		goto out;
	if (stdreg_get(c, k, a.pos[0], &rec, &st) != STDREG_OK) {
		rc = fail_status(what, &st);
		goto out;
	}
	j = stdreg_json_from_message(rec);
	out_record(stdout, g->out, n, j);
	json_decref(j);
	rc = finish(EXIT_OK);
out:
	if (rec != NULL)
		protobuf_c_message_free_unpacked(rec, NULL);
	stdreg_status_release(&st);
	stdreg_client_close(c);
	verb_args_release(&a);
	return rc;
}

/*
 * Writes the records of a list. With --limit (one page) the token of the next page is shown
 * where the page was cut: -o json wraps the page as {"records": [...], "next_page_token": T}
 * ("" on the last page); the other formats keep the records as they are and say
 * "regctl: more records: --page-token T" on stderr.
 */
static int out_page(const struct globals *g, const struct noun *n, json_t *recs, bool one_page,
                    const char *next)
{
	json_t *page;

	if (one_page && g->out == OUT_JSON) {
		page = json_pack("{s:O, s:s}", "records", recs, "next_page_token", next);
		json_dumpf(page, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(page);
		return EXIT_OK;
	}
	out_list(stdout, g->out, n, recs);
	if (one_page && next[0] != '\0')
		errorf("more records: --page-token %s", next);
	return EXIT_OK;
}

int cmd_list(struct globals *g, const struct noun *n, int argc, char **argv)
{
	const struct stdreg_kind *k = stdreg_kind_find(n->name);
	struct stdreg_status st = STDREG_STATUS_INIT;
	Stdreg__V1__ListRequest *req = NULL;
	ProtobufCMessage *page = NULL;
	stdreg_client *c = NULL;
	json_t *recs = json_array();
	struct verb_args a;
	char what[64], err[256];
	size_t i, nrec;
	int rc;

	if (start(g, n, "list", VOPT_FILTERS | VOPT_LIMIT, 0, argc, argv, &a, &rc) != 0) {
		json_decref(recs);
		return rc;
	}
	plural(n, what + 5, sizeof(what) - 5);
	memcpy(what, "list ", 5);
	if (stdreg_json_to_message(a.fields, &stdreg__v1__list_request__descriptor,
	                           (ProtobufCMessage **)&req, err, sizeof(err)) != 0) {
		errorf("invalid filter (%s)", err);
		rc = EXIT_USAGE;
		goto out;
	}
	req->page_size = a.limit;
	if (a.page_token != NULL && (req->page_token = strdup(a.page_token)) == NULL) {
		req->page_token = (char *)protobuf_c_empty_string;
		errorf("cannot %s (out of memory)", what);
		rc = EXIT_SERVER;
		goto out;
	}
	if ((rc = open_client(g, &c)) != 0)
		goto out;
	for (;;) {
		ProtobufCMessage **items;
		const char *next;

		if (stdreg_list_page(c, k, &req->base, &page, &st) != STDREG_OK) {
			status_name_flags(&st, n->list_flags);
			rc = fail_status(what, &st);
			goto out;
		}
		items = stdreg_list_records(k, page, &nrec);
		for (i = 0; i < nrec; i++)
			json_array_append_new(recs, stdreg_json_from_message(items[i]));
		next = stdreg_list_next(k, page);
		if (a.limit > 0 || next[0] == '\0')
			break;
		// A server that hands back the token it was given would make this loop forever.
		if (strcmp(next, req->page_token) == 0) {
			errorf("cannot %s (the server repeated page token '%s')", what, next);
			rc = EXIT_SERVER;
			goto out;
		}
		if (req->page_token != protobuf_c_empty_string)
			free(req->page_token);
		req->page_token = strdup(next);
		protobuf_c_message_free_unpacked(page, NULL);
		page = NULL;
		if (req->page_token == NULL) {
			req->page_token = (char *)protobuf_c_empty_string;
			errorf("cannot %s (out of memory)", what);
			rc = EXIT_SERVER;
			goto out;
		}
	}
	rc = out_page(g, n, recs, a.limit > 0, page != NULL ? stdreg_list_next(k, page) : "");
	rc = finish(rc);
out:
	if (page != NULL)
		protobuf_c_message_free_unpacked(page, NULL);
	if (req != NULL)
		protobuf_c_message_free_unpacked(&req->base, NULL);
	json_decref(recs);
	stdreg_status_release(&st);
	stdreg_client_close(c);
	verb_args_release(&a);
	return rc;
}

/*
 * Reads the record of -f FILE ("-" = stdin): one JSON object; a "kind" key must name this
 * noun; "meta" is dropped, its mod_revision kept as the expected revision (so get -o json,
 * edit, put -f fails with a conflict if someone changed the record in between).
 */
static int load_record(const char *path, const struct noun *n, json_t **out, uint64_t *rev)
{
	const char *shown = strcmp(path, "-") == 0 ? "stdin" : path;
	json_error_t jerr;
	json_t *j, *v, *m;

	if (strcmp(path, "-") == 0)
		j = json_loadf(stdin, JSON_REJECT_DUPLICATES, &jerr);
	else
		j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		if (jerr.line > 0)
			errorf("cannot read '%s' (line %d: %s)", shown, jerr.line, jerr.text);
		else
			errorf("cannot read '%s' (%s)", shown, jerr.text);
		return EXIT_USAGE;
	}
	if (!json_is_object(j)) {
		errorf("cannot read '%s' (expected one JSON object)", shown);
		json_decref(j);
		return EXIT_USAGE;
	}
	if ((v = json_object_get(j, "kind")) != NULL) {
		if (!json_is_string(v) || strcmp(json_string_value(v), n->name) != 0) {
			errorf("cannot read '%s' (kind is %s, expected '%s')", shown,
			       json_is_string(v) ? json_string_value(v) : "not a string", n->name);
			json_decref(j);
			return EXIT_USAGE;
		}
		json_object_del(j, "kind");
	}
	*rev = 0;
	if ((m = json_object_get(j, "meta")) != NULL) {
		v = json_object_get(m, "mod_revision");
		if (json_is_integer(v) && json_integer_value(v) > 0)
			*rev = (uint64_t)json_integer_value(v);
		json_object_del(j, "meta");
	}
	*out = j;
	return 0;
}

static uint64_t mod_revision_of(const ProtobufCMessage *rec)
{
	const ProtobufCFieldDescriptor *f =
	        protobuf_c_message_descriptor_get_field_by_name(rec->descriptor, "meta");
	const Stdreg__V1__Meta *meta;

	if (f == NULL)
		return 0;
	meta = *(Stdreg__V1__Meta *const *)((const char *)rec + f->offset);
	return meta != NULL ? meta->mod_revision : 0;
}

/*
 * The record put sends, and how. From -f: the file (flags override), a full replace. With
 * --create: the flags. Otherwise the flags merged onto the stored record, expecting its
 * revision, or a create when there is none.
 */
static int build_put(stdreg_client **c, const struct globals *g, const struct noun *n,
                     const struct verb_args *a, const char *id, ProtobufCMessage **rec,
                     struct stdreg_put_opts *po, const char *what)
{
	const struct stdreg_kind *k = stdreg_kind_find(n->name);
	struct stdreg_status st = STDREG_STATUS_INIT;
	ProtobufCMessage *existing = NULL;
	json_t *j = NULL, *v;
	uint64_t file_rev = 0;
	char err[300];
	int rc = 0;

	if (a->file != NULL) {
		if ((rc = load_record(a->file, n, &j, &file_rev)) != 0)
			return rc;
		v = json_object_get(j, "id");
		if (v != NULL && (!json_is_string(v) || strcmp(json_string_value(v), id) != 0)) {
			errorf("cannot put %s '%s' (the file holds id %s)", n->name, id,
			       json_is_string(v) ? json_string_value(v) : "that is not a string");
			json_decref(j);
			return EXIT_USAGE;
		}
		json_object_update(j, a->fields);
		po->expected_mod_revision = a->has_if_revision ? a->if_revision : file_rev;
		if (a->create && !a->has_if_revision)
			po->expected_mod_revision = 0; // a create expects nothing stored
	} else {
		j = json_deep_copy(a->fields);
		po->expected_mod_revision = a->if_revision;
	}
	json_object_set_new(j, "id", json_string(id));
	if (a->file == NULL && !a->create) {
		if ((rc = open_client(g, c)) != 0)
			goto out;
		if (stdreg_get(*c, k, id, &existing, &st) == STDREG_OK) {
			// Clients never send meta; the store keeps it.
			json_object_set_new(j, "meta", json_null());
			if (stdreg_message_merge_json(existing, j, err, sizeof(err)) != 0) {
				errorf("invalid %s '%s' (%s)", n->name, id, err);
				rc = EXIT_USAGE;
				goto out;
			}
			if (!a->has_if_revision)
				po->expected_mod_revision = mod_revision_of(existing);
			*rec = existing;
			existing = NULL;
			goto out;
		}
		if (st.code != STDREG_NOT_FOUND) {
			rc = fail_status(what, &st);
			goto out;
		}
		// Nothing stored: create, and refuse if someone creates it first.
		po->create_only = !a->has_if_revision;
	}
	if (stdreg_json_to_message(j, k->record, rec, err, sizeof(err)) != 0) {
		if (a->file != NULL)
			errorf("invalid %s '%s' in '%s' (%s)", n->name, id,
			       strcmp(a->file, "-") == 0 ? "stdin" : a->file, err);
		else
			errorf("invalid %s '%s' (%s)", n->name, id, err);
		rc = EXIT_USAGE;
	}
out:
	json_decref(j);
	stdreg_status_release(&st);
	return rc;
}

int cmd_put(struct globals *g, const struct noun *n, int argc, char **argv)
{
	const struct stdreg_kind *k = stdreg_kind_find(n->name);
	struct stdreg_status st = STDREG_STATUS_INIT;
	ProtobufCMessage *rec = NULL, *stored = NULL;
	struct stdreg_put_opts po = { 0 };
	stdreg_client *c = NULL;
	struct verb_args a;
	char what[200];
	json_t *j;
	int rc;

	if (start(g, n, "put", VOPT_FIELDS | VOPT_FILE | VOPT_CREATE | VOPT_IF_REV | VOPT_DECISION,
	          1, argc, argv, &a, &rc) != 0)
		return rc;
	snprintf(what, sizeof(what), "put %s '%s'", n->name, a.pos[0]);
	po.create_only = a.create;
	po.decision_ref = a.decision;
	if ((rc = build_put(&c, g, n, &a, a.pos[0], &rec, &po, what)) != 0)
		goto out;
	if ((rc = noun_check_put(n, a.fields, rec)) != 0)
		goto out;
	if (c == NULL && (rc = open_client(g, &c)) != 0)
		goto out;
	if (stdreg_put(c, k, rec, &po, &stored, &st) != STDREG_OK) {
		if (a.file == NULL) // fields came from flags: name them so
			status_name_flags(&st, n->put_flags);
		rc = fail_status(what, &st);
		goto out;
	}
	j = stdreg_json_from_message(stored);
	out_record(stdout, g->out, n, j);
	json_decref(j);
	rc = finish(EXIT_OK);
out:
	if (rec != NULL)
		protobuf_c_message_free_unpacked(rec, NULL);
	if (stored != NULL)
		protobuf_c_message_free_unpacked(stored, NULL);
	stdreg_status_release(&st);
	stdreg_client_close(c);
	verb_args_release(&a);
	return rc;
}

int cmd_delete(struct globals *g, const struct noun *n, int argc, char **argv)
{
	const struct stdreg_kind *k = stdreg_kind_find(n->name);
	struct stdreg_status st = STDREG_STATUS_INIT;
	stdreg_client *c = NULL;
	struct verb_args a;
	char what[200];
	json_t *j;
	int rc;

	if (start(g, n, "delete", VOPT_IF_REV | VOPT_DECISION, 1, argc, argv, &a, &rc) != 0)
		return rc;
	snprintf(what, sizeof(what), "delete %s '%s'", n->name, a.pos[0]);
	if ((rc = open_client(g, &c)) != 0)
		goto out;
	if (stdreg_delete(c, k, a.pos[0], a.if_revision, a.decision, &st) != STDREG_OK) {
		rc = fail_status(what, &st);
		goto out;
	}
	if (g->out == OUT_TABLE) {
		printf("deleted %s '%s' at revision %llu\n", n->name, a.pos[0],
		       (unsigned long long)st.revision);
	} else if (g->out == OUT_CSV) {
		fputs("kind,id,deleted,revision\r\n", stdout);
		csv_field(stdout, n->name);
		putchar(',');
		csv_field(stdout, a.pos[0]);
		printf(",true,%llu\r\n", (unsigned long long)st.revision);
	} else {
		j = json_pack("{s:s, s:s, s:b, s:I}", "kind", n->name, "id", a.pos[0], "deleted", 1,
		              "revision", (json_int_t)st.revision);
		json_dumpf(j, stdout, g->out == OUT_JSON ? JSON_INDENT(2) : JSON_COMPACT);
		putchar('\n');
		json_decref(j);
	}
	rc = finish(EXIT_OK);
out:
	stdreg_status_release(&st);
	stdreg_client_close(c);
	verb_args_release(&a);
	return rc;
}
