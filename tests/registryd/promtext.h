/*
 * promtext.h - a checker of the Prometheus text exposition format 0.0.4, strict enough to
 * catch what `promtool check metrics` refuses: metric and label names, label syntax and
 * escapes, sample values, HELP and TYPE before a family's samples and at most once, the
 * samples of a family together, counters named *_total, histogram series (_bucket with
 * le, ending at +Inf, cumulative; _sum; _count equal to the +Inf bucket).
 */
#ifndef TESTS_REGISTRYD_PROMTEXT_H
#define TESTS_REGISTRYD_PROMTEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Checks text; on the first problem writes "line N: what" into why (size n) and returns
 * false. */
bool promtext_check(const char *text, char *why, size_t n);

/* The value of the sample whose name and labels are exactly series ("a_total{x=\"y\"}"),
 * or -1 if text has none. */
double promtext_value(const char *text, const char *series);

#endif
