/*
 * test.h — the tiny unit-test harness every tests/unit/test_*.c uses.
 *
 *   TEST(name) { CHECK(cond); CHECK_EQ_INT(a, b); CHECK_EQ_STR(a, b); }
 *   int main(void) { RUN(name); ...; return test_summary("quantity"); }
 *
 * A failed CHECK prints file:line and the values, marks the test failed and
 * goes on with the next check. test_summary prints
 * "<suite>: N passed, M failed" (read by tests/run.sh and CI) and returns the
 * process exit status.
 */
#ifndef SCHEDLAB_TEST_H
#define SCHEDLAB_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_passed_count, test_failed_count, test_current_failed;
static const char *test_current_name;

#define TEST(name) static void name(void)

#define RUN(name)                                                            \
    do {                                                                     \
        test_current_name = #name;                                           \
        test_current_failed = 0;                                             \
        name();                                                              \
        if (test_current_failed) test_failed_count++;                        \
        else test_passed_count++;                                            \
    } while (0)

#define TEST_FAIL_AT(...)                                                    \
    do {                                                                     \
        fprintf(stderr, "FAIL %s (%s:%d): ", test_current_name, __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__);                                        \
        fputc('\n', stderr);                                                 \
        test_current_failed = 1;                                             \
    } while (0)

#define CHECK(cond)                                                          \
    do { if (!(cond)) TEST_FAIL_AT("CHECK(%s)", #cond); } while (0)

#define CHECK_EQ_INT(a, b)                                                   \
    do {                                                                     \
        long long test_a_ = (long long)(a), test_b_ = (long long)(b);        \
        if (test_a_ != test_b_)                                              \
            TEST_FAIL_AT("%s == %s: got %lld, want %lld", #a, #b, test_a_, test_b_); \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                   \
    do {                                                                     \
        const char *test_a_ = (a), *test_b_ = (b);                           \
        if (!test_a_ || !test_b_ || strcmp(test_a_, test_b_) != 0)           \
            TEST_FAIL_AT("%s == %s: got \"%s\", want \"%s\"", #a, #b,        \
                         test_a_ ? test_a_ : "(null)", test_b_ ? test_b_ : "(null)"); \
    } while (0)

#define CHECK_NEAR(a, b, eps)                                                \
    do {                                                                     \
        double test_a_ = (double)(a), test_b_ = (double)(b);                 \
        if (test_a_ - test_b_ > (eps) || test_b_ - test_a_ > (eps))          \
            TEST_FAIL_AT("%s ~= %s: got %g, want %g", #a, #b, test_a_, test_b_); \
    } while (0)

static inline int test_summary(const char *suite) {
    printf("%s: %d passed, %d failed\n", suite, test_passed_count, test_failed_count);
    return test_failed_count ? 1 : 0;
}

#endif
