/*
 * csv.c - an RFC 4180 reader over a buffer.
 *
 * Fields are separated by ',' and records by CRLF, LF or a lone CR. A field that starts with
 * '"' is quoted: it runs to the next '"' not doubled, may hold commas, quotes ("") and line
 * breaks (kept as they are), and must be followed by ',' or the end of the record. A quote
 * inside an unquoted field is an error, as is a quoted field never closed. Blank lines between
 * records are skipped; the last record needs no line break. Line numbers are physical lines,
 * so a record's number is the line it starts on, whatever its quoted fields hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

void csv_reader_init(struct csv_reader *r, const char *buf, size_t len)
{
	r->p = buf;
	r->end = buf + len;
	r->line = 1;
}

void csv_row_release(struct csv_row *row)
{
	size_t i;

	for (i = 0; i < row->n; i++)
		free(row->fields[i]);
	free(row->fields);
	memset(row, 0, sizeof(*row));
}

/* A growing field text. */
struct text {
	char *s;
	size_t n, cap;
};

static int text_add(struct text *t, char c)
{
	if (t->n + 1 >= t->cap) {
		size_t cap = t->cap > 0 ? t->cap * 2 : 32;
		char *s = realloc(t->s, cap);

		if (s == NULL)
			return -1;
		t->s = s;
		t->cap = cap;
	}
	t->s[t->n++] = c;
	t->s[t->n] = '\0';
	return 0;
}

static int row_push(struct csv_row *row, struct text *t)
{
	if (row->n == row->cap) {
		size_t cap = row->cap > 0 ? row->cap * 2 : 16;
		char **f = realloc(row->fields, cap * sizeof(*f));

		if (f == NULL)
			return -1;
		row->fields = f;
		row->cap = cap;
	}
	if (t->s == NULL && (t->s = strdup("")) == NULL)
		return -1;
	row->fields[row->n++] = t->s;
	memset(t, 0, sizeof(*t));
	return 0;
}

/* Consumes a line break at r->p, if any. Returns whether there was one. */
static bool eol(struct csv_reader *r)
{
	if (r->p < r->end && r->p[0] == '\r') {
		r->p += (r->p + 1 < r->end && r->p[1] == '\n') ? 2 : 1;
	} else if (r->p < r->end && r->p[0] == '\n') {
		r->p++;
	} else {
		return false;
	}
	r->line++;
	return true;
}

/* Reads a quoted field (r->p at the opening quote) into t. */
static int quoted(struct csv_reader *r, struct text *t, char *err, size_t errlen)
{
	uint32_t opened = r->line;

	r->p++;
	for (;;) {
		char c;

		if (r->p >= r->end) {
			snprintf(err, errlen, "unterminated quoted field (opened on line %u)",
			         opened);
			return -1;
		}
		c = *r->p;
		if (c == '"') {
			if (r->p + 1 < r->end && r->p[1] == '"') {
				r->p += 2;
				if (text_add(t, '"') != 0)
					goto nomem;
				continue;
			}
			r->p++;
			break;
		}
		if (c == '\n' || (c == '\r' && !(r->p + 1 < r->end && r->p[1] == '\n')))
			r->line++;
		r->p++;
		if (text_add(t, c) != 0)
			goto nomem;
	}
	if (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n') {
		snprintf(err, errlen, "unexpected '%c' after a closing quote", *r->p);
		return -1;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int csv_read_row(struct csv_reader *r, struct csv_row *row, uint32_t *line, char *err,
                 size_t errlen)
{
	struct text t = { 0 };

	csv_row_release(row);
	while (eol(r))
		; // blank lines
	if (r->p >= r->end)
		return 0;
	*line = r->line;
	for (;;) {
		if (r->p < r->end && *r->p == '"') {
			if (quoted(r, &t, err, errlen) != 0)
				goto fail;
		} else {
			while (r->p < r->end && *r->p != ',' && *r->p != '\r' && *r->p != '\n') {
				if (*r->p == '"') {
					snprintf(err, errlen,
					         "a quote inside an unquoted field (field %zu)",
					         row->n + 1);
					goto fail;
				}
				if (text_add(&t, *r->p++) != 0)
					goto nomem;
			}
		}
		if (row_push(row, &t) != 0)
			goto nomem;
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		eol(r);
		return 1;
	}
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	free(t.s);
	*line = r->line;
	return -1;
}
