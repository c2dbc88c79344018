/*
 * bulk_read.c - a bulk file (JSON Lines or CSV) -> BulkRecords, with every bad line collected
 * by number so the user sees them all at once and nothing is sent.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bulk_read.h"
#include "csv.h"
#include "regctl.h"

void line_errors_add(struct line_errors *e, uint32_t line, const char *msg)
{
	e->total++;
	if (e->n_shown == LINE_ERRORS_SHOWN)
		return;
	e->shown[e->n_shown].line = line;
	e->shown[e->n_shown].msg = strdup(msg);
	// Messages quote the file's text: keep them one line, without control characters.
	for (char *c = e->shown[e->n_shown].msg; c != NULL && *c != '\0'; c++)
		*c = ((unsigned char)*c < 0x20 || *c == 0x7f) ? '?' : *c;
	e->n_shown++;
}

void line_errors_print(FILE *f, const struct line_errors *e, const char *file)
{
	size_t i;

	fflush(stdout);
	for (i = 0; i < e->n_shown; i++)
		fprintf(f, "regctl: %s:%u: %s\n", file, e->shown[i].line,
		        e->shown[i].msg != NULL ? e->shown[i].msg : "out of memory");
	if (e->total > e->n_shown)
		fprintf(f, "regctl: %s: and %zu more bad line%s\n", file, e->total - e->n_shown,
		        e->total - e->n_shown == 1 ? "" : "s");
}

void line_errors_release(struct line_errors *e)
{
	size_t i;

	for (i = 0; i < e->n_shown; i++)
		free(e->shown[i].msg);
	memset(e, 0, sizeof(*e));
}

void bulk_records_release(struct bulk_records *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		protobuf_c_message_free_unpacked(r->v[i], NULL);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int push(struct bulk_records *r, ProtobufCMessage *m)
{
	if (r->n == r->cap) {
		size_t cap = r->cap > 0 ? r->cap * 2 : 256;
		ProtobufCMessage **v = realloc(r->v, cap * sizeof(*v));

		if (v == NULL) {
			protobuf_c_message_free_unpacked(m, NULL);
			return -1;
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = m;
	return 0;
}

/* The JSON object (already parsed) of one line -> a record or an error. */
static int take_object(const json_t *j, const char *kind, uint32_t line, struct bulk_records *out,
                       struct line_errors *errs)
{
	ProtobufCMessage *m;
	char err[300];

	if (stdreg_bulk_from_json(j, kind, kind != NULL, line, &m, err, sizeof(err)) != 0) {
		line_errors_add(errs, line, err);
		return 0;
	}
	return push(out, m);
}

/* Lines [first_line, ...) of one part of a JSON Lines file: see bulk_read_jsonl(). */
static int read_jsonl_part(const char *buf, size_t len, const char *kind, uint32_t first_line,
                           struct bulk_records *out, struct line_errors *errs)
{
	const char *p = buf, *end = buf + len;
	uint32_t line = first_line - 1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl != NULL ? nl : end, *s = p;
		size_t n = (size_t)(eol - p);
		json_error_t jerr;
		json_t *j;
		char msg[300];

		line++;
		p = nl != NULL ? nl + 1 : end;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		while (n > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		if (n == 0 || *s == '#')
			continue;
		j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
		if (j == NULL) {
			snprintf(msg, sizeof(msg), "invalid JSON (%s, column %d)", jerr.text,
			         jerr.column);
			line_errors_add(errs, line, msg);
			continue;
		}
		if (take_object(j, kind, line, out, errs) != 0) {
			json_decref(j);
			return -1;
		}
		json_decref(j);
	}
	return 0;
}

/* One part of a file read on a thread of its own. */
struct jsonl_part {
	const char *buf;
	size_t len;
	const char *kind;
	uint32_t first_line;
	struct bulk_records out;
	struct line_errors errs;
	int rc;
	pthread_t thread;
	bool started;
};

static void *jsonl_part_main(void *arg)
{
	struct jsonl_part *pt = arg;

	pt->rc = read_jsonl_part(pt->buf, pt->len, pt->kind, pt->first_line, &pt->out, &pt->errs);
	return NULL;
}

/* Appends part's records and errors to out and errs (in file order); empties the part. */
static int merge_part(struct jsonl_part *pt, struct bulk_records *out, struct line_errors *errs)
{
	size_t i;
	int rc = pt->rc;

	for (i = 0; i < pt->out.n; i++) {
		if (rc == 0)
			rc = push(out, pt->out.v[i]); /* frees the record if it cannot keep it */
		else
			protobuf_c_message_free_unpacked(pt->out.v[i], NULL);
	}
	pt->out.n = 0;
	bulk_records_release(&pt->out);
	// A part's shown errors are its first ones: together they are the file's first ones.
	for (i = 0; i < pt->errs.n_shown; i++)
		line_errors_add(errs, pt->errs.shown[i].line,
		                pt->errs.shown[i].msg != NULL ? pt->errs.shown[i].msg
		                                              : "out of memory");
	errs->total += pt->errs.total - pt->errs.n_shown;
	line_errors_release(&pt->errs);
	return rc;
}

int bulk_read_jsonl_parts(const char *buf, size_t len, const char *kind, unsigned parts,
                          struct bulk_records *out, struct line_errors *errs)
{
	struct jsonl_part pt[JSONL_MAX_PARTS];
	const char *p = buf, *end = buf + len;
	uint32_t line = 1;
	unsigned n = 0, i;
	int rc = 0;

	if (parts > JSONL_MAX_PARTS)
		parts = JSONL_MAX_PARTS;
	if (parts <= 1)
		return read_jsonl_part(buf, len, kind, 1, out, errs);
	// Seeds jansson's hash function here, once, not racing in the threads' first objects.
	json_object_seed(0);
	memset(pt, 0, sizeof pt);
	// Cut at the first line break after each n/parts of the bytes; count the lines before.
	while (p < end && n < parts) {
		const char *cut = n + 1 == parts ? end : buf + len / parts * (n + 1);
		const char *nl;

		if (cut < p)
			cut = p;
		nl = cut < end ? memchr(cut, '\n', (size_t)(end - cut)) : NULL;
		cut = nl != NULL ? nl + 1 : end;
		pt[n].buf = p;
		pt[n].len = (size_t)(cut - p);
		pt[n].kind = kind;
		pt[n].first_line = line;
		for (const char *q = p; (q = memchr(q, '\n', (size_t)(cut - q))) != NULL; q++)
			line++;
		p = cut;
		n++;
	}
	for (i = 0; i < n; i++)
		pt[i].started = pthread_create(&pt[i].thread, NULL, jsonl_part_main, &pt[i]) == 0;
	for (i = 0; i < n; i++) {
		if (pt[i].started)
			pthread_join(pt[i].thread, NULL);
		else
			jsonl_part_main(&pt[i]); /* no thread: read it here */
	}
	for (i = 0; i < n; i++)
		if (merge_part(&pt[i], out, errs) != 0)
			rc = -1;
	return rc;
}

int bulk_read_jsonl(const char *buf, size_t len, const char *kind, struct bulk_records *out,
                    struct line_errors *errs)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned parts = 1;

	// A big file is parsed on one thread per CPU: JSON parsing is most of regctl's time.
	if (len >= JSONL_PARALLEL_MIN && cpus > 1)
		parts = (unsigned)(cpus < JSONL_MAX_PARTS ? cpus : JSONL_MAX_PARTS);
	return bulk_read_jsonl_parts(buf, len, kind, parts, out, errs);
}

/* Maps the header row to the record's fields (NULL where the row is bad). */
static int csv_header(const struct csv_row *row, const ProtobufCMessageDescriptor *d,
                      const ProtobufCFieldDescriptor **cols, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < row->n; i++) {
		const ProtobufCFieldDescriptor *f =
		        protobuf_c_message_descriptor_get_field_by_name(d, row->fields[i]);

		if (f == NULL || f->type == PROTOBUF_C_TYPE_MESSAGE) {
			snprintf(err, errlen, "unknown column '%s' (the header names the fields)",
			         row->fields[i]);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (cols[j] == f) {
				snprintf(err, errlen, "column '%s' appears twice", row->fields[i]);
				return -1;
			}
		}
		cols[i] = f;
	}
	return 0;
}

/* Adds one cell's value for field f to obj: a JSON value, or an array for a list field. */
static int csv_cell(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                    const char *text, json_t *obj, char *err, size_t errlen)
{
	const char *s = text;
	char why[256];
	json_t *v, *a;

	if (f->label != PROTOBUF_C_LABEL_REPEATED) {
		if (stdreg_json_value_from_text(d, f->name, text, &v, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "column '%s': %s", f->name, why);
			return -1;
		}
		json_object_set_new(obj, f->name, v);
		return 0;
	}
	a = json_array();
	json_object_set_new(obj, f->name, a);
	while (*s != '\0') {
		size_t n = strcspn(s, LIST_SEP);
		char *item = strndup(s, n);

		if (item == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (n > 0 &&
		    stdreg_json_value_from_text(d, f->name, item, &v, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "column '%s': %s ('%s')", f->name, why, item);
			free(item);
			return -1;
		}
		if (n > 0)
			json_array_append_new(a, v);
		free(item);
		s += n;
		if (*s != '\0')
			s++;
	}
	return 0;
}

/* One data row -> a record or an error. */
static int csv_record(const struct csv_row *row, const ProtobufCFieldDescriptor **cols,
                      size_t ncols, const struct stdreg_kind *k, uint32_t line,
                      struct bulk_records *out, struct line_errors *errs)
{
	json_t *obj;
	char err[300];
	size_t i;
	int rv;

	if (row->n != ncols) {
		snprintf(err, sizeof(err), "expected %zu fields, found %zu", ncols, row->n);
		line_errors_add(errs, line, err);
		return 0;
	}
	if ((obj = json_object()) == NULL)
		return -1;
	for (i = 0; i < ncols; i++) {
		if (row->fields[i][0] == '\0')
			continue;
		if (csv_cell(k->record, cols[i], row->fields[i], obj, err, sizeof(err)) != 0) {
			line_errors_add(errs, line, err);
			json_decref(obj);
			return 0;
		}
	}
	// A cell of the record's own field "kind" (a goal's) is "goal_kind" in the bulk form.
	if (json_object_get(obj, "kind") != NULL) {
		char own[64];

		snprintf(own, sizeof(own), "%s_kind", k->name);
		if (json_object_set(obj, own, json_object_get(obj, "kind")) != 0 ||
		    json_object_del(obj, "kind") != 0) {
			json_decref(obj);
			return -1;
		}
	}
	rv = take_object(obj, k->name, line, out, errs);
	json_decref(obj);
	return rv;
}

int bulk_read_csv(const char *buf, size_t len, const char *kind, struct bulk_records *out,
                  struct line_errors *errs)
{
	const struct stdreg_kind *k = stdreg_kind_find(kind);
	const ProtobufCFieldDescriptor **cols = NULL;
	struct csv_row row = { 0 };
	struct csv_reader r;
	size_t ncols = 0;
	uint32_t line = 1;
	char err[300];
	int rv, rc = 0;

	csv_reader_init(&r, buf, len);
	if (k == NULL)
		return -1;
	if ((rv = csv_read_row(&r, &row, &line, err, sizeof(err))) <= 0) {
		line_errors_add(errs, line, rv == 0 ? "no header row" : err);
		goto out;
	}
	ncols = row.n;
	if ((cols = calloc(ncols, sizeof(*cols))) == NULL) {
		rc = -1;
		goto out;
	}
	if (csv_header(&row, k->record, cols, err, sizeof(err)) != 0) {
		line_errors_add(errs, line, err);
		goto out;
	}
	while ((rv = csv_read_row(&r, &row, &line, err, sizeof(err))) == 1) {
		if (csv_record(&row, cols, ncols, k, line, out, errs) != 0) {
			rc = -1;
			goto out;
		}
	}
	if (rv < 0)
		line_errors_add(errs, line, err);
out:
	csv_row_release(&row);
	free(cols);
	return rc;
}
