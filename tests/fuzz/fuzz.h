/*
 * Shared declarations of the fuzz targets (tests/fuzz/fuzz_<target>.c).
 *
 * Each target defines LLVMFuzzerTestOneInput(). It is linked either with
 * libFuzzer (clang -fsanitize=fuzzer, -Dfuzz=true) to search for inputs, or
 * with main.c, which replays files so that the corpora run as ordinary meson
 * tests in every build (suite 'fuzz').
 *
 * A target checks invariants of the code under test with FUZZ_CHECK: a
 * violation prints the condition and aborts, which libFuzzer records as a
 * crash and the replay test as a failure. Sanitizer reports (ASan build, fuzz
 * build) fail the same way.
 */
#ifndef FWUP_FUZZ_H
#define FWUP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* An unconditional failure (a loop that should have ended, ...). */
#define FUZZ_FAIL(what)                                                                            \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, what);               \
        abort();                                                                                   \
    } while (0)

#endif
