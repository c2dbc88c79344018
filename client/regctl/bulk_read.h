/*
 * bulk_read.h - reading a bulk file (JSON Lines or CSV) into BulkRecords, every bad line
 * collected with its number (bulk_read.c).
 */
#ifndef STDREG_REGCTL_BULK_READ_H
#define STDREG_REGCTL_BULK_READ_H

#include <stdio.h>

#include "stdreg.h"

#define LINE_ERRORS_SHOWN 20 /* bad lines reported one by one; the rest are counted */

struct line_error {
	uint32_t line;
	char *msg;
};

/* The first LINE_ERRORS_SHOWN bad lines in line order, and how many there were in all. */
struct line_errors {
	struct line_error shown[LINE_ERRORS_SHOWN];
	size_t n_shown;
	size_t total;
};

/* Counts a bad line; keeps its message (copied) while fewer than LINE_ERRORS_SHOWN are. */
void line_errors_add(struct line_errors *e, uint32_t line, const char *msg);
/* Writes "regctl: FILE:LINE: message" for each kept error, then "regctl: FILE: and N more
 * bad lines" when some were only counted. */
void line_errors_print(FILE *f, const struct line_errors *e, const char *file);
void line_errors_release(struct line_errors *e);

/* The records read, in file order: BulkRecords owned by the array. */
struct bulk_records {
	ProtobufCMessage **v;
	size_t n, cap;
};
void bulk_records_release(struct bulk_records *r);

/*
 * JSON Lines: one bulk JSON object per line (see stdreg_bulk_from_json). Blank lines and lines
 * whose first non-blank character is '#' are skipped; a CR before the LF is ignored. kind
 * (may be NULL): the kind of lines without "kind", and the only kind allowed. Good lines go
 * to out with their line number, bad ones to errs. Returns 0, or -1 when out of memory.
 */
int bulk_read_jsonl(const char *buf, size_t len, const char *kind, struct bulk_records *out,
                    struct line_errors *errs);

/* Files of at least this size are read in parts, one thread per CPU (up to the maximum). */
#define JSONL_PARALLEL_MIN (1u << 20)
#define JSONL_MAX_PARTS    8

/* As bulk_read_jsonl(), in the given number of parts, each on a thread; the result is the
 * same as reading it whole (bulk_read_jsonl() chooses the number; tests set it). */
int bulk_read_jsonl_parts(const char *buf, size_t len, const char *kind, unsigned parts,
                          struct bulk_records *out, struct line_errors *errs);

/*
 * CSV (csv.c) of records of one kind: a header row naming fields of the record (not meta),
 * then one record per row. Empty cells leave the field unset; list fields take values joined
 * with ';'. A bad header or an unterminated quote stops the reading (one error); any other
 * bad row is collected and reading goes on. Returns 0, or -1 when out of memory.
 */
int bulk_read_csv(const char *buf, size_t len, const char *kind, struct bulk_records *out,
                  struct line_errors *errs);

#endif
