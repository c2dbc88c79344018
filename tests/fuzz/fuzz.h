/*
 * fuzz.h - the entry points every fuzz target defines (libFuzzer's names), so that the
 * same target source links either with libFuzzer (clang, -Dfuzz=true) or with replay.c
 * (any compiler), which feeds it the checked-in corpus and regression inputs.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* One input; returns 0. A bug shows as a crash, a sanitizer report or abort(). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Optional: once per process, before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* abort()s with a message naming the broken invariant when cond is false. */
#define FUZZ_CHECK(cond, what)                               \
	do {                                                 \
		if (!(cond))                                 \
			fuzz_fail(__FILE__, __LINE__, what); \
	} while (0)

void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* Removes dir and everything below it (a harness's temporary store). */
void fuzz_rm_tree(const char *dir);

#endif
