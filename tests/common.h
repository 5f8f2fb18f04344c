/*
 * Shared test helpers. Under ASan, every suite's .fini runs LeakSanitizer and
 * aborts on a leak: Criterion otherwise ignores the LSan report that a test
 * worker prints at exit (the test would still show PASS).
 *
 * Use:  TestSuite(name, .fini = fwup_test_leak_check);
 */
#ifndef FWUP_TEST_COMMON_H
#define FWUP_TEST_COMMON_H
#include <stdio.h>
#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FWUP_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FWUP_TEST_ASAN 1
#endif

#ifdef FWUP_TEST_ASAN
#include <sanitizer/lsan_interface.h>
static inline void
fwup_test_leak_check(void)
{
    if (__lsan_do_recoverable_leak_check()) {
        fputs("LeakSanitizer found leaks in this test\n", stderr);
        abort();
    }
}
#else
static inline void
fwup_test_leak_check(void)
{
}
#endif

/* Read a whole file for a test; aborts the test binary on failure. */
#include <stdint.h>
static inline uint8_t *
fwup_test_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (f == NULL) {
        fprintf(stderr, "cannot open test file %s\n", path);
        abort();
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf == NULL || (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n))
        abort();
    fclose(f);
    *len = (size_t)n;
    return buf;
}
#endif
