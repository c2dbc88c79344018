/*
 * csv.h - the RFC 4180 reader of regctl (csv.c); the writer is csv_field() in output.c.
 */
#ifndef STDREG_REGCTL_CSV_H
#define STDREG_REGCTL_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct csv_reader {
	const char *p, *end;
	uint32_t line; /* physical line of p, from 1 */
};

/* One record: n fields, each a malloc'd string. */
struct csv_row {
	char **fields;
	size_t n, cap;
};

/* Reads from buf[len] (borrowed until the reader is done). */
void csv_reader_init(struct csv_reader *r, const char *buf, size_t len);

/*
 * Reads the next record into row (its old fields are released first). Returns 1 with *line
 * the line the record starts on, 0 at the end of the input, or -1 with one line in err and
 * *line the line where reading stopped (an unterminated quote names the line it opened on in
 * err). After -1 the reader cannot go on.
 */
int csv_read_row(struct csv_reader *r, struct csv_row *row, uint32_t *line, char *err,
                 size_t errlen);

/* Frees the fields and zeroes the row. */
void csv_row_release(struct csv_row *row);

#endif
