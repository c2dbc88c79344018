/*
 * bulk_check.h - what fuzz_jsonl and fuzz_csv check of the records a bulk reader returns.
 */
#ifndef TESTS_FUZZ_BULK_CHECK_H
#define TESTS_FUZZ_BULK_CHECK_H

#include "bulk_read.h"

/*
 * Each record carries exactly one record, a line within 1..lines, and survives the bulk
 * JSON round trip (stdreg_json_from_bulk -> stdreg_bulk_from_json) unchanged. Line numbers
 * never go down and every bad line's message is one non-empty line.
 */
void bulk_check(const struct bulk_records *r, const struct line_errors *e, uint32_t lines);

#endif
