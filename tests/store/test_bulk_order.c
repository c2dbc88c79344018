/*
 * test_bulk_order.c - the references among a bulk apply's own records (bulk_order.c): every
 * record is put after the records of the file it refers to, whatever order the file lists
 * them in, and only the records on a parent cycle are refused for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk_entry.h"
#include "fixture.h"

/* n bodies "b00000" ... as sorted entries, with their links set by the caller. */
struct bodies {
	size_t n;
	struct entry *es;
	Stdreg__V1__Body *b;
	char (*ids)[16];
	char **mirrors; /* two slots per body */
	struct store_error *errs;
};

static void bodies_new(struct bodies *s, size_t n)
{
	s->n = n;
	s->es = calloc(n, sizeof *s->es);
	s->b = calloc(n, sizeof *s->b);
	s->ids = calloc(n, sizeof *s->ids);
	s->mirrors = calloc(2 * n, sizeof *s->mirrors);
	s->errs = calloc(n, sizeof *s->errs);
	assert_true(s->es && s->b && s->ids && s->mirrors && s->errs);
	for (size_t i = 0; i < n; i++) {
		stdreg__v1__body__init(&s->b[i]);
		snprintf(s->ids[i], sizeof s->ids[i], "b%05zu", i);
		s->b[i].id = s->ids[i];
		s->b[i].mirrors = &s->mirrors[2 * i];
		s->es[i] = (struct entry){ .rec = &s->b[i].base,
			                   .id = s->ids[i],
			                   .kind = STORE_BODY,
			                   .line = (uint32_t)i + 1,
			                   .code = PENDING };
	}
}

static void bodies_free(struct bodies *s)
{
	free(s->es);
	free(s->b);
	free(s->ids);
	free(s->mirrors);
	free(s->errs);
}

static void set_parent(struct bodies *s, size_t i, size_t parent)
{
	s->b[i].parent_id = s->ids[parent];
}

static void add_mirror(struct bodies *s, size_t i, size_t target)
{
	assert_true(s->b[i].n_mirrors < 2);
	s->b[i].mirrors[s->b[i].n_mirrors++] = s->ids[target];
}

/* Body i refused by its put for a missing parent, as apply_entries leaves it. */
static void refuse_for_parent(struct bodies *s, size_t i)
{
	s->es[i].code = RG_EPRECOND;
	s->es[i].err = &s->errs[i];
	store_fail(&s->errs[i], RG_EPRECOND, "parent_id", "body not found");
}

/* The order is every entry once, and each body comes after the bodies it links to, except
 * along a link that closes a cycle (from_cycle: the bodies at or past that index). */
static void assert_referred_first(struct bodies *s, const uint32_t *order, size_t from_cycle)
{
	size_t *pos = calloc(s->n, sizeof *pos);

	assert_non_null(pos);
	for (size_t i = 0; i < s->n; i++)
		pos[i] = SIZE_MAX;
	for (size_t k = 0; k < s->n; k++) {
		assert_true(order[k] < s->n);
		assert_int_equal(pos[order[k]], SIZE_MAX); /* once */
		pos[order[k]] = k;
	}
	for (size_t i = 0; i < from_cycle; i++) {
		const Stdreg__V1__Body *b = &s->b[i];

		if (b->parent_id != NULL && *b->parent_id != '\0')
			assert_true(pos[strtoul(b->parent_id + 1, NULL, 10)] < pos[i]);
		for (size_t m = 0; m < b->n_mirrors; m++)
			assert_true(pos[strtoul(b->mirrors[m] + 1, NULL, 10)] < pos[i]);
	}
	free(pos);
}

/* A chain listed child first, by parent and by mirror, and bodies that mirror two others
 * further on: the file's order is the worst one for a put in id order. */
static void referred_records_come_first(void **state)
{
	struct bodies s;
	uint32_t *order;

	(void)state;
	bodies_new(&s, 5000);
	for (size_t i = 0; i + 1 < s.n; i++) {
		if (i % 3 == 0)
			set_parent(&s, i, i + 1);
		else
			add_mirror(&s, i, i + 1);
		if (i % 5 == 0 && i + 7 < s.n)
			add_mirror(&s, i, i + 7);
	}
	order = bulk_put_order(s.es, s.n);
	assert_non_null(order);
	assert_referred_first(&s, order, s.n);
	free(order);
	bodies_free(&s);
}

/* A chain into a cycle (b1 -> b2 -> b3 -> b1): every entry is still placed once, and the
 * chain's bodies before the cycle come after what they link to. */
static void a_cycle_places_every_record_once(void **state)
{
	struct bodies s;
	uint32_t *order;

	(void)state;
	bodies_new(&s, 4);
	set_parent(&s, 0, 1);
	set_parent(&s, 1, 2);
	set_parent(&s, 2, 3);
	set_parent(&s, 3, 1);
	order = bulk_put_order(s.es, s.n);
	assert_non_null(order);
	assert_referred_first(&s, order, 1);
	free(order);
	bodies_free(&s);
}

/* A long chain leading into a cycle of three, and a body that is its own parent: the four
 * bodies on a cycle are refused for it; the chain's, which only wait on it, keep their
 * refusal for the missing parent. */
static void only_records_on_a_parent_cycle_are_refused_for_it(void **state)
{
	enum { CHAIN = 20000 };
	struct bodies s;

	(void)state;
	bodies_new(&s, CHAIN + 4);
	for (size_t i = 0; i < CHAIN; i++)
		set_parent(&s, i, i + 1);
	set_parent(&s, CHAIN, CHAIN + 1);
	set_parent(&s, CHAIN + 1, CHAIN + 2);
	set_parent(&s, CHAIN + 2, CHAIN);
	set_parent(&s, CHAIN + 3, CHAIN + 3);
	for (size_t i = 0; i < s.n; i++)
		refuse_for_parent(&s, i);
	assert_int_equal(bulk_refuse_parent_cycles(s.es, s.n), RG_OK);
	for (size_t i = 0; i < CHAIN; i++)
		assert_int_equal(s.es[i].code, RG_EPRECOND);
	for (size_t i = CHAIN; i < s.n; i++) {
		assert_int_equal(s.es[i].code, RG_EINVAL);
		assert_non_null(strstr(s.errs[i].message, "(cycle)"));
	}
	assert_string_equal(s.errs[CHAIN + 3].message,
	                    "body 'b20003' cannot have 'b20003' as parent (cycle)");
	bodies_free(&s);
}

/* A goal put without an id got one from its refused put, so the entries are no longer in
 * the order of their ids: the cycle is found all the same. Here bodies b2 -> b0 -> b1 -> b2
 * listed out of id order. */
static void a_cycle_is_found_among_entries_out_of_id_order(void **state)
{
	struct bodies s;
	struct entry swap;

	(void)state;
	bodies_new(&s, 3);
	set_parent(&s, 0, 1);
	set_parent(&s, 1, 2);
	set_parent(&s, 2, 0);
	swap = s.es[0];
	s.es[0] = s.es[2];
	s.es[2] = swap;
	for (size_t i = 0; i < s.n; i++)
		refuse_for_parent(&s, i);
	assert_int_equal(bulk_refuse_parent_cycles(s.es, s.n), RG_OK);
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(s.es[i].code, RG_EINVAL);
	bodies_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(referred_records_come_first),
		cmocka_unit_test(a_cycle_places_every_record_once),
		cmocka_unit_test(only_records_on_a_parent_cycle_are_refused_for_it),
		cmocka_unit_test(a_cycle_is_found_among_entries_out_of_id_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
