/*
 * collate.h - Swedish name order (collate.c), for the store and for regctl.
 */
#ifndef STDREG_COLLATE_H
#define STDREG_COLLATE_H

/* strcmp-like order of names in Swedish: ... Z, Å, Ä, Ö, case and other accents aside
 * (ties broken by bytes, so it is a total order). For names a person reads: agency and
 * body lists sorted by name (a display concern: pages and the store keep id order).
 * NULL sorts as "". Allocates; on no memory the order is that of the bytes. */
int store_collate_sv(const char *a, const char *b);

#endif
