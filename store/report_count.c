/*
 * report_count.c - counts and ranges over the report's index (report_index.h) for
 * store_report. Nothing here decodes a work item: a count is LMDB's count of a key's
 * values, or a walk over index values that stops at the range's end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_count.h"
#include "stdreg/v1/records.pb-c.h"

/* RG code of an LMDB code from a read (MDB_NOTFOUND is no failure of a walk). */
static int read_err(store_txn *t, int rc)
{
	if (rc == 0 || rc == MDB_NOTFOUND)
		return RG_OK;
	return rc == ENOMEM ? RG_ENOMEM : store_mdb_err(t, rc, NULL);
}

int rix_status_count(store_txn *t, int status, size_t *n)
{
	char kb[2];
	MDB_val k = { rix_status_key(kb, status), kb }, v;
	MDB_cursor *c;
	size_t count = 0;
	int rc = mdb_cursor_open(t->txn, t->st->report, &c);

	if (rc != 0)
		return read_err(t, rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY);
	if (rc == 0)
		rc = mdb_cursor_count(c, &count);
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		count = 0;
	*n = (size_t)count;
	return read_err(t, rc);
}

int rix_status_range(store_txn *t, int status, const char *from, size_t from_len, const char *below,
                     char (*ids)[STORE_ID_MAX + 1], size_t max, size_t *n, size_t *total)
{
	char kb[2];
	MDB_val k = { rix_status_key(kb, status), kb }, v = { from_len, (void *)from };
	MDB_cursor *c;
	size_t got = 0, all = 0;
	int rc = mdb_cursor_open(t->txn, t->st->report, &c);

	if (rc != 0)
		return read_err(t, rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_GET_BOTH_RANGE);
	     rc == 0 && v.mv_size > RIX_DATE && memcmp(v.mv_data, below, RIX_DATE) < 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_DUP)) {
		if (got < max)
			snprintf(ids[got++], STORE_ID_MAX + 1, "%.*s", (int)(v.mv_size - RIX_DATE),
			         (const char *)v.mv_data + RIX_DATE);
		all++;
	}
	mdb_cursor_close(c);
	*n = got;
	*total = all;
	return read_err(t, rc);
}

/* --- the distinct items of several areas ---------------------------------------------- */

/* LMDB's order of values (memcmp, then the shorter first). */
static int val_cmp(const MDB_val *a, const MDB_val *b)
{
	size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
	int d = memcmp(a->mv_data, b->mv_data, n);

	if (d != 0)
		return d;
	return a->mv_size < b->mv_size ? -1 : a->mv_size > b->mv_size;
}

/* One area's list, walked in order while its value is below the range's end. */
struct area_walk {
	MDB_cursor *c;
	MDB_val k, v;
	char kb[RIX_KEY_MAX];
	bool live;
};

static int walk_step(struct area_walk *w, MDB_cursor_op op, const char *hi, size_t blen)
{
	int rc = mdb_cursor_get(w->c, &w->k, &w->v, op);

	w->live = rc == 0 &&
	          (hi == NULL || (w->v.mv_size >= blen && memcmp(w->v.mv_data, hi, blen) < 0));
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* An area's own count, when it is the only one and the range is everything. */
static int area_count(store_txn *t, const char *area, size_t *count)
{
	struct area_walk w;
	size_t n = 0;
	int rc = mdb_cursor_open(t->txn, t->st->report, &w.c);

	if (rc != 0)
		return read_err(t, rc);
	w.k.mv_size = rix_area_key(w.kb, area);
	w.k.mv_data = w.kb;
	rc = mdb_cursor_get(w.c, &w.k, &w.v, MDB_SET_KEY);
	if (rc == 0)
		rc = mdb_cursor_count(w.c, &n);
	mdb_cursor_close(w.c);
	*count = rc == 0 ? (size_t)n : 0;
	return read_err(t, rc);
}

int rix_merged_count(store_txn *t, char (*areas)[STORE_ID_MAX + 1], size_t n, const char *lo,
                     const char *hi, size_t blen, size_t *count)
{
	struct area_walk *w;
	size_t opened = 0, distinct = 0;
	int rc = 0;

	if (n == 1 && lo == NULL && hi == NULL)
		return area_count(t, areas[0], count);
	w = calloc(n ? n : 1, sizeof(*w));
	if (w == NULL)
		return RG_ENOMEM;
	for (; rc == 0 && opened < n; opened++) {
		struct area_walk *a = &w[opened];
		rc = mdb_cursor_open(t->txn, t->st->report, &a->c);
		if (rc != 0)
			break;
		a->k.mv_size = rix_area_key(a->kb, areas[opened]);
		a->k.mv_data = a->kb;
		a->v.mv_size = lo ? blen : 0;
		a->v.mv_data = (void *)lo;
		rc = walk_step(a, lo ? MDB_GET_BOTH_RANGE : MDB_SET_KEY, hi, blen);
	}
	/* Each round takes the smallest value among the lists and steps every list that holds
	 * it: the same item under two areas is the same value. A copy, as a step moves the
	 * page the value lives on. */
	while (rc == 0) {
		char min[RIX_VAL_MAX];
		MDB_val m = { 0, min };
		struct area_walk *least = NULL;
		for (size_t i = 0; i < opened; i++)
			if (w[i].live && (least == NULL || val_cmp(&w[i].v, &least->v) < 0))
				least = &w[i];
		if (least == NULL || least->v.mv_size > sizeof min)
			break;
		m.mv_size = least->v.mv_size;
		memcpy(min, least->v.mv_data, m.mv_size);
		distinct++;
		for (size_t i = 0; rc == 0 && i < opened; i++)
			if (w[i].live && val_cmp(&w[i].v, &m) == 0)
				rc = walk_step(&w[i], MDB_NEXT_DUP, hi, blen);
	}
	for (size_t i = 0; i < n; i++)
		if (w[i].c != NULL)
			mdb_cursor_close(w[i].c);
	free(w);
	*count = distinct;
	return read_err(t, rc);
}

/* --- the stage-change window ------------------------------------------------------------ */

/* The time (first 10 bytes: the day) of the first change at revision rev or after, into
 * day; false when there is none. */
static int day_from(MDB_cursor *c, uint64_t rev, char day[11], bool *found)
{
	uint8_t kb[12] = { 0 };
	MDB_val k = { 12, kb }, v;
	Stdreg__V1__Change *ch;
	int rc;

	for (int i = 0; i < 8; i++)
		kb[i] = (uint8_t)(rev >> (56 - 8 * i));
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	*found = rc == 0;
	if (rc != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	ch = stdreg__v1__change__unpack(NULL, v.mv_size, v.mv_data);
	if (ch == NULL)
		return MDB_CORRUPTED;
	snprintf(day, 11, "%s", ch->time);
	stdreg__v1__change__free_unpacked(ch, NULL);
	return 0;
}

int rix_window_start(store_txn *t, const char *cutoff, uint64_t *first)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint64_t lo = 1, hi = 1;
	int rc = mdb_cursor_open(t->txn, t->st->changelog, &c);

	if (rc != 0)
		return read_err(t, rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == 12) {
		hi = 0;
		for (int i = 0; i < 8; i++)
			hi = hi << 8 | ((const uint8_t *)k.mv_data)[i];
		hi++; /* one past the last revision: "none in the window" */
	}
	/* The smallest revision in [lo, hi) whose first change is on cutoff or later. */
	while (rc == 0 && lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		char day[11] = "";
		bool found;
		rc = day_from(c, mid, day, &found);
		if (rc == 0 && (!found || strncmp(day, cutoff, 10) >= 0))
			hi = mid;
		else if (rc == 0)
			lo = mid + 1;
	}
	mdb_cursor_close(c);
	*first = lo;
	if (rc == MDB_CORRUPTED)
		return RG_ECORRUPT;
	return read_err(t, rc);
}

int rix_stage_changes(store_txn *t, uint64_t first, uint8_t (*newest)[12], size_t max, size_t *n,
                      size_t *total)
{
	uint8_t kb[13];
	MDB_val k = { sizeof kb, kb }, v;
	MDB_cursor *c;
	size_t all = 0;
	int rc = mdb_cursor_open(t->txn, t->st->report, &c);

	if (rc != 0)
		return read_err(t, rc);
	/* Oldest first, keeping the last max keys in a ring. */
	rix_change_key(kb, first, 0);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	     rc == 0 && k.mv_size == 13 && ((const uint8_t *)k.mv_data)[0] == 'c';
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (max > 0)
			memcpy(newest[all % max], (const uint8_t *)k.mv_data + 1, 12);
		all++;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return read_err(t, rc);
	/* Newest first: the ring read backwards from the last key written. */
	size_t got = all < max ? all : max;
	if (got > 0) {
		uint8_t(*tmp)[12] = malloc(got * sizeof(*tmp));
		if (tmp == NULL)
			return RG_ENOMEM;
		for (size_t i = 0; i < got; i++)
			memcpy(tmp[i], newest[(all - 1 - i) % max], 12);
		memcpy(newest, tmp, got * sizeof(*tmp));
		free(tmp);
	}
	*n = got;
	*total = all;
	return RG_OK;
}
