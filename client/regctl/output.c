/*
 * output.c - records on stdout: aligned tables for people, JSON / JSON Lines / CSV for
 * programs. The JSON keeps the mapping's field order (proto order), so it is stable.
 */
#include <stdlib.h>
#include <string.h>

#include "collate.h"
#include "regctl.h"

char *cell_text(const json_t *v)
{
	const char *sep = LIST_SEP;
	char *out = NULL, *item;
	size_t i, len = 0, seplen = strlen(sep);
	char *tmp;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return strdup(json_string_value(v));
	case JSON_INTEGER:
		if (asprintf(&out, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0)
			return NULL;
		return out;
	case JSON_REAL:
		if (asprintf(&out, "%g", json_real_value(v)) < 0)
			return NULL;
		return out;
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_ARRAY:
		if ((out = strdup("")) == NULL)
			return NULL;
		for (i = 0; i < json_array_size(v); i++) {
			if ((item = cell_text(json_array_get(v, i))) == NULL)
				goto nomem;
			tmp = realloc(out, len + seplen + strlen(item) + 1);
			if (tmp == NULL) {
				free(item);
				goto nomem;
			}
			out = tmp;
			len += (size_t)sprintf(out + len, "%s%s", i > 0 ? sep : "", item);
			free(item);
		}
		return out;
	case JSON_OBJECT:
		return json_dumps(v, JSON_COMPACT);
	default:
		return strdup("");
	}
nomem:
	free(out);
	return NULL;
}

/* Writes the escape of byte c (a C0 control or DEL) at out: "\\n", "\\e", "\\x01" (at most
 * 4 characters and a NUL). Returns its length. */
static int escape_c0(unsigned char c, char *out)
{
	switch (c) {
	case '\t':
		return sprintf(out, "\\t");
	case '\n':
		return sprintf(out, "\\n");
	case '\r':
		return sprintf(out, "\\r");
	case 0x1b:
		return sprintf(out, "\\e");
	default:
		return sprintf(out, "\\x%02x", c);
	}
}

char *cell_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(strlen(s) * 4 + 3); // "\\x01" for each byte at most, and a NUL
	size_t n = 0;

	if (out == NULL)
		return NULL;
	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			n += (size_t)escape_c0(*p, out + n);
		} else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			// A C1 control (U+0080..U+009F, e.g. CSI): terminals act on it too.
			n += (size_t)sprintf(out + n, "\\u%04x", p[1]);
			p++;
		} else {
			out[n++] = (char)*p;
		}
	}
	out[n] = '\0';
	return out;
}

int put_cell(FILE *f, const char *s)
{
	char *safe = cell_safe(s != NULL ? s : "");

	if (safe == NULL)
		return -1;
	fputs(safe, f);
	free(safe);
	return ferror(f) ? -1 : 0;
}

json_t *json_cells_safe(const json_t *v)
{
	json_t *out, *sub;
	const char *key;
	char *safe;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_STRING:
		if ((safe = cell_safe(json_string_value(v))) == NULL)
			return NULL;
		out = json_string(safe);
		free(safe);
		return out;
	case JSON_ARRAY:
		out = json_array();
		json_array_foreach(v, i, sub) json_array_append_new(out, json_cells_safe(sub));
		return out;
	case JSON_OBJECT:
		out = json_object();
		json_object_foreach((json_t *)v, key, sub)
		{
			// Keys come from the proto (field names), values from the store.
			json_object_set_new(out, key, json_cells_safe(sub));
		}
		return out;
	default:
		return json_deep_copy(v);
	}
}

/* Display width of UTF-8 text: one column per code point (no wide-character tables). */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

void csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int out_csv_columns(FILE *f, const struct column *cols, const json_t *rows)
{
	size_t r, c;

	for (c = 0; cols[c].header != NULL; c++) {
		fputs(c > 0 ? "," : "", f);
		csv_field(f, cols[c].field);
	}
	fputs("\r\n", f);
	for (r = 0; r < json_array_size(rows); r++) {
		for (c = 0; cols[c].header != NULL; c++) {
			json_t *v = json_path(json_array_get(rows, r), cols[c].field);
			char *text = v != NULL ? cell_text(v) : NULL;

			fputs(c > 0 ? "," : "", f);
			csv_field(f, text != NULL ? text : "");
			free(text);
		}
		fputs("\r\n", f);
	}
	return ferror(f) ? -1 : 0;
}

static const ProtobufCMessageDescriptor *record_desc(const struct noun *n)
{
	return stdreg_kind_find(n->name)->record;
}

static void csv_out(FILE *f, const struct noun *n, json_t *recs)
{
	out_csv_records(f, record_desc(n), recs);
}

void out_csv_records(FILE *f, const ProtobufCMessageDescriptor *d, json_t *recs)
{
	size_t i, r;
	int col;

	for (col = 0, i = 0; i < d->n_fields; i++) {
		if (d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE)
			continue;
		fputs(col++ > 0 ? "," : "", f);
		csv_field(f, d->fields[i].name);
	}
	fputs("\r\n", f);
	for (r = 0; r < json_array_size(recs); r++) {
		json_t *rec = json_array_get(recs, r);

		for (col = 0, i = 0; i < d->n_fields; i++) {
			json_t *v = json_object_get(rec, d->fields[i].name);
			char *text;

			if (d->fields[i].type == PROTOBUF_C_TYPE_MESSAGE)
				continue;
			fputs(col++ > 0 ? "," : "", f);
			text = v != NULL ? cell_text(v) : NULL;
			csv_field(f, text != NULL ? text : "");
			free(text);
		}
		fputs("\r\n", f);
	}
}

json_t *json_path(const json_t *o, const char *path)
{
	const char *dot;
	char key[64];

	while (o != NULL && (dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return o != NULL ? json_object_get(o, path) : NULL;
}

int out_table(FILE *f, const struct column *cols, const json_t *recs)
{
	size_t ncol = 0, nrow = json_array_size(recs), r, c;
	size_t *width;
	char **cells;

	while (cols[ncol].header != NULL)
		ncol++;
	width = calloc(ncol, sizeof(*width));
	cells = calloc((nrow + 1) * ncol, sizeof(*cells));
	if (width == NULL || cells == NULL) {
		free(width);
		free(cells);
		return -1;
	}
	for (c = 0; c < ncol; c++)
		cells[c] = cell_safe(cols[c].header);
	for (r = 0; r < nrow; r++) {
		json_t *rec = json_array_get(recs, r);

		for (c = 0; c < ncol; c++) {
			json_t *v = json_path(rec, cols[c].field);
			char *raw = v != NULL ? cell_text(v) : NULL;
			char *t = raw != NULL ? cell_safe(raw) : NULL;

			free(raw);
			if (t != NULL && t[0] == '\0') {
				free(t);
				t = NULL;
			}
			cells[(r + 1) * ncol + c] =
			        t != NULL ? t : strdup(cols[c].empty != NULL ? cols[c].empty : "-");
		}
	}
	for (r = 0; r <= nrow; r++)
		for (c = 0; c < ncol; c++)
			if (cells[r * ncol + c] != NULL &&
			    text_width(cells[r * ncol + c]) > width[c])
				width[c] = text_width(cells[r * ncol + c]);
	for (r = 0; r <= nrow; r++) {
		for (c = 0; c < ncol; c++) {
			const char *t = cells[r * ncol + c] != NULL ? cells[r * ncol + c] : "";

			fputs(t, f);
			if (c + 1 < ncol)
				fprintf(f, "%*s", (int)(width[c] - text_width(t) + 2), "");
		}
		fputc('\n', f);
	}
	for (r = 0; r < (nrow + 1) * ncol; r++)
		free(cells[r]);
	free(cells);
	free(width);
	return 0;
}

/* One record as "field: value" lines; nested messages (meta) as "meta.field". */
static void fields_out(FILE *f, json_t *rec)
{
	size_t keyw = 0, len;
	const char *key, *sub;
	json_t *v, *sv;
	char *text;

	json_object_foreach(rec, key, v)
	{
		if (json_is_object(v)) {
			json_object_foreach(v, sub, sv)
			{
				len = strlen(key) + 1 + strlen(sub);
				keyw = len > keyw ? len : keyw;
			}
		} else {
			keyw = strlen(key) > keyw ? strlen(key) : keyw;
		}
	}
	json_object_foreach(rec, key, v)
	{
		if (!json_is_object(v)) {
			text = cell_text(v);
			fprintf(f, "%s:%*s ", key, (int)(keyw - strlen(key)), "");
			put_cell(f, text);
			fputc('\n', f);
			free(text);
			continue;
		}
		json_object_foreach(v, sub, sv)
		{
			text = cell_text(sv);
			len = strlen(key) + 1 + strlen(sub);
			fprintf(f, "%s.%s:%*s ", key, sub, (int)(keyw - len), "");
			put_cell(f, text);
			fputc('\n', f);
			free(text);
		}
	}
}

int out_record(FILE *f, enum out_format fmt, const struct noun *n, json_t *rec)
{
	json_t *one;

	switch (fmt) {
	case OUT_TABLE:
		fields_out(f, rec);
		break;
	case OUT_JSON:
	case OUT_JSONL:
		json_dumpf(rec, f, fmt == OUT_JSON ? JSON_INDENT(2) : JSON_COMPACT);
		fputc('\n', f);
		break;
	case OUT_CSV:
		one = json_array();
		json_array_append(one, rec);
		csv_out(f, n, one);
		json_decref(one);
		break;
	}
	return ferror(f) ? -1 : 0;
}

/* The nouns whose tables a person reads by name (the server lists every kind by id). */
static const char *const by_name[] = { "agency", "body", NULL };

static int cmp_name_sv(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
	int c = store_collate_sv(json_string_value(json_object_get(a, "name")),
	                         json_string_value(json_object_get(b, "name")));

	// Two records of one name: by id, so the table is the same every time.
	return c != 0 ? c
	              : store_collate_sv(json_string_value(json_object_get(a, "id")),
	                                 json_string_value(json_object_get(b, "id")));
}

/*
 * The rows of a table of n: agency and body lists by name in Swedish order (... Z, Å, Ä, Ö),
 * the others as the server sent them (by id). json, jsonl and csv keep the server's order,
 * which paging follows and scripts rely on. A new reference; NULL on no memory.
 */
static json_t *table_rows(const struct noun *n, json_t *recs)
{
	size_t i, len = json_array_size(recs);
	json_t **v, *out;

	for (i = 0; by_name[i] != NULL && strcmp(by_name[i], n->name) != 0; i++)
		;
	if (by_name[i] == NULL || len < 2)
		return json_incref(recs);
	if ((v = malloc(len * sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		v[i] = json_array_get(recs, i);
	qsort(v, len, sizeof(*v), cmp_name_sv);
	out = json_array();
	for (i = 0; out != NULL && i < len; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

int out_list(FILE *f, enum out_format fmt, const struct noun *n, json_t *recs)
{
	json_t *rows;
	size_t i;
	int rc;

	switch (fmt) {
	case OUT_TABLE:
		if ((rows = table_rows(n, recs)) == NULL)
			return -1;
		rc = out_table(f, n->columns, rows);
		json_decref(rows);
		if (rc != 0)
			return -1;
		break;
	case OUT_JSON:
		json_dumpf(recs, f, JSON_INDENT(2));
		fputc('\n', f);
		break;
	case OUT_JSONL:
		for (i = 0; i < json_array_size(recs); i++) {
			json_dumpf(json_array_get(recs, i), f, JSON_COMPACT);
			fputc('\n', f);
		}
		break;
	case OUT_CSV:
		csv_out(f, n, recs);
		break;
	}
	return ferror(f) ? -1 : 0;
}
