/*
 * bulk_mem.c - memory for the large, short-lived buffers of one bulk operation.
 *
 * A bulk apply fills tens of MiB that it drops when it is done. Taken from malloc, each
 * 4 KiB page of them costs a page fault when first written: 13-17 us on a virtual machine,
 * tens of thousands of them per apply. These buffers are their own mappings, in whole
 * 2 MiB units, advised to the kernel as huge-page memory (MADV_HUGEPAGE): where the kernel
 * gives huge pages (transparent_hugepage "always" or "madvise"), a 2 MiB unit costs one
 * fault. Where it does not, they are ordinary pages, as from malloc. Only bulk operations
 * use them, so the daemon's memory at rest does not change.
 */
#include <stdint.h>
#include <sys/mman.h>

#include "bulk_mem.h"

static size_t whole_units(size_t size)
{
	return size == 0 ? BULK_MEM_UNIT : (size + BULK_MEM_UNIT - 1) & ~(BULK_MEM_UNIT - 1);
}

void *bulk_mem_alloc(size_t *size)
{
	size_t n = whole_units(*size);
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, n, MADV_HUGEPAGE); /* advice: refused where huge pages are off */
	*size = n;
	return p;
}

void *bulk_mem_grow(void *p, size_t *size, size_t need)
{
	size_t n = whole_units(need);
	void *q;

	if (p == NULL) {
		*size = need;
		return bulk_mem_alloc(size);
	}
	if (n <= *size)
		return p;
	/* The kernel moves the pages (and the advice) instead of copying them. */
	q = mremap(p, *size, n, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		return NULL;
	*size = n;
	return q;
}

void bulk_mem_free(void *p, size_t size)
{
	if (p != NULL)
		(void)munmap(p, size);
}
