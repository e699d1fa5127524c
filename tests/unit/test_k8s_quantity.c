/* Unit tests of resource quantities (quantity.c): upstream's grammar, its
 * three error messages, rounding up to milli / to whole units, saturation,
 * and JSON numbers as quantities. */
#include <limits.h>

#include "k8s/k8s.h"
#include "test.h"

static const char format_message[] =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

#define CHECK_QUANTITY(text, want_milli, want_value)                                     \
    do {                                                                                 \
        k8s_quantity q_;                                                                 \
        char err_[256] = "";                                                             \
        if (!k8s_quantity_parse(text, &q_, err_, sizeof(err_))) {                        \
            TEST_FAIL_AT("parse(\"%s\") failed: %s", text, err_);                        \
        } else {                                                                         \
            CHECK_EQ_INT(q_.milli, want_milli);                                          \
            CHECK_EQ_INT(q_.value, want_value);                                          \
        }                                                                                \
    } while (0)

#define CHECK_INVALID(text, want_message)                                                \
    do {                                                                                 \
        k8s_quantity q_;                                                                 \
        char err_[256] = "";                                                             \
        if (k8s_quantity_parse(text, &q_, err_, sizeof(err_)))                           \
            TEST_FAIL_AT("parse(\"%s\") unexpectedly succeeded", text);                  \
        else                                                                             \
            CHECK_EQ_STR(err_, want_message);                                            \
    } while (0)

TEST(plain_and_decimal_suffixes) {
    CHECK_QUANTITY("0", 0, 0);
    CHECK_QUANTITY("1", 1000, 1);
    CHECK_QUANTITY("2k", 2000000, 2000);
    CHECK_QUANTITY("3M", 3000000000LL, 3000000);
    CHECK_QUANTITY("4G", 4000000000000LL, 4000000000LL);
    CHECK_QUANTITY("5T", 5000000000000000LL, 5000000000000LL);
    CHECK_QUANTITY("6P", 6000000000000000000LL, 6000000000000000LL);
    CHECK_QUANTITY("1E", INT64_MAX, 1000000000000000000LL);
    CHECK_QUANTITY("100m", 100, 1);
    CHECK_QUANTITY("1m", 1, 1); /* 1m of memory is one byte: Value rounds up */
    CHECK_QUANTITY("1500m", 1500, 2);
    CHECK_QUANTITY("1u", 1, 1);
    CHECK_QUANTITY("1n", 1, 1);
    CHECK_QUANTITY("123456789n", 124, 1);
    CHECK_QUANTITY("1000000n", 1, 1);
    CHECK_QUANTITY("1000000000n", 1000, 1);
}

TEST(binary_suffixes) {
    CHECK_QUANTITY("1Ki", 1024000, 1024);
    CHECK_QUANTITY("500Mi", 524288000000LL, 524288000);
    CHECK_QUANTITY("1Gi", 1073741824000LL, 1073741824);
    CHECK_QUANTITY("1.5Gi", 1610612736000LL, 1610612736);
    CHECK_QUANTITY("0.5Ki", 512000, 512);
    CHECK_QUANTITY("1.1Ki", 1126400, 1127);
    CHECK_QUANTITY("2Ti", 2199023255552000LL, 2199023255552LL);
    CHECK_QUANTITY("1Pi", 1125899906842624000LL, 1125899906842624LL);
    CHECK_QUANTITY("7Ei", INT64_MAX, 8070450532247928832LL);
    CHECK_QUANTITY("8Ei", INT64_MAX, INT64_MAX);
}

TEST(fractions_and_exponents) {
    CHECK_QUANTITY("1.5", 1500, 2);
    CHECK_QUANTITY("0.1", 100, 1);
    CHECK_QUANTITY("0.5", 500, 1);
    CHECK_QUANTITY(".5", 500, 1);
    CHECK_QUANTITY("5.", 5000, 5);
    CHECK_QUANTITY("0.0001", 1, 1);
    CHECK_QUANTITY("1e3", 1000000, 1000);
    CHECK_QUANTITY("1E3", 1000000, 1000);
    CHECK_QUANTITY("1e+3", 1000000, 1000);
    CHECK_QUANTITY("1e-3", 1, 1);
    CHECK_QUANTITY("1.0e-10", 1, 1);
    CHECK_QUANTITY("12e-1", 1200, 2);
    CHECK_QUANTITY("0.0000000000000000000000000001", 1, 1);
    CHECK_QUANTITY("000", 0, 0);
    CHECK_QUANTITY("0.000", 0, 0);
    CHECK_QUANTITY("00010", 10000, 10);
    CHECK_QUANTITY("0Mi", 0, 0);
    /* The exponent is parsed as int64 and truncated to int32 upstream. */
    CHECK_QUANTITY("1e4294967296", 1000, 1);
}

TEST(signs) {
    CHECK_QUANTITY("+1", 1000, 1);
    CHECK_QUANTITY("-1", -1000, -1);
    CHECK_QUANTITY("-100m", -100, -1); /* away from zero, as int64Amount.AsScale */
    CHECK_QUANTITY("-0.5", -500, -1);
    CHECK_QUANTITY("-1Gi", -1073741824000LL, -1073741824);
    CHECK_QUANTITY("-0", 0, 0);
}

TEST(saturation) {
    CHECK_QUANTITY("9223372036854775807", INT64_MAX, INT64_MAX);
    CHECK_QUANTITY("9223372036854775808", INT64_MAX, INT64_MAX);
    CHECK_QUANTITY("9223372036854775", 9223372036854775000LL, 9223372036854775LL);
    CHECK_QUANTITY("9223372036854776", INT64_MAX, 9223372036854776LL);
    CHECK_QUANTITY("100000000000000000000000000000", INT64_MAX, INT64_MAX);
    CHECK_QUANTITY("10E", INT64_MAX, INT64_MAX);
    CHECK_QUANTITY("1e100", INT64_MAX, INT64_MAX);
    CHECK_QUANTITY("-1e100", -INT64_MAX, -INT64_MAX);
    CHECK_QUANTITY("1e-100", 1, 1);
}

TEST(upstream_quirks_kept) {
    /* parseQuantityString turns a missing numerator into "0", and the int64
     * fast path then accepts these as zero. */
    CHECK_QUANTITY("Mi", 0, 0);
    CHECK_QUANTITY(".", 0, 0);
    CHECK_QUANTITY("-", 0, 0);
    CHECK_QUANTITY("+", 0, 0);
    CHECK_QUANTITY("k", 0, 0);
}

TEST(invalid_strings) {
    CHECK_INVALID("", format_message);
    CHECK_INVALID("1.2.3", format_message);
    CHECK_INVALID("1.1.M", format_message);
    CHECK_INVALID(" 1", format_message);
    CHECK_INVALID("1 ", format_message);
    CHECK_INVALID("abc", format_message);
    CHECK_INVALID("1Qi", format_message);
    CHECK_INVALID("1+1.0M", format_message);
    CHECK_INVALID("--1", "unable to parse quantity's suffix");
    CHECK_INVALID("1i", "unable to parse quantity's suffix");
    CHECK_INVALID(".5i", "unable to parse quantity's suffix");
    CHECK_INVALID("1e", "unable to parse quantity's suffix");
    CHECK_INVALID("1Mi3", "unable to parse quantity's suffix");
    CHECK_INVALID("1ei", "unable to parse quantity's suffix");
    CHECK_INVALID("0.1mi", "unable to parse quantity's suffix");
    CHECK_INVALID("1e99999999999999999999", "unable to parse quantity's suffix");
    CHECK_INVALID("1KiB", format_message);
    CHECK_INVALID(".e-10", "unable to parse numeric part of quantity");
}

TEST(json_values) {
    k8s_quantity q;
    char err[256];
    json_t *v = json_integer(2);
    CHECK(k8s_quantity_from_json(v, &q, err, sizeof(err)));
    CHECK_EQ_INT(q.milli, 2000);
    json_decref(v);
    v = json_real(0.5);
    CHECK(k8s_quantity_from_json(v, &q, err, sizeof(err)));
    CHECK_EQ_INT(q.milli, 500);
    CHECK_EQ_INT(q.value, 1);
    json_decref(v);
    v = json_real(0.1);
    CHECK(k8s_quantity_from_json(v, &q, err, sizeof(err)));
    CHECK_EQ_INT(q.milli, 100);
    json_decref(v);
    v = json_real(1e20);
    CHECK(k8s_quantity_from_json(v, &q, err, sizeof(err)));
    CHECK_EQ_INT(q.value, INT64_MAX);
    json_decref(v);
    v = json_real(2.5e-5);
    CHECK(k8s_quantity_from_json(v, &q, err, sizeof(err)));
    CHECK_EQ_INT(q.milli, 1);
    json_decref(v);
    v = json_string("250m");
    CHECK(k8s_quantity_from_json(v, &q, err, sizeof(err)));
    CHECK_EQ_INT(q.milli, 250);
    json_decref(v);
    CHECK(k8s_quantity_from_json(json_null(), &q, err, sizeof(err)));
    CHECK_EQ_INT(q.value, 0);
    CHECK(!k8s_quantity_from_json(json_true(), &q, err, sizeof(err)));
    CHECK_EQ_STR(err, "quantities must be a string or a number, got a boolean");
    v = json_stringn("1\0002", 3); /* an embedded NUL is not a digit */
    CHECK(!k8s_quantity_from_json(v, &q, err, sizeof(err)));
    json_decref(v);
}

TEST(resources_get) {
    k8s_scalar_resource scalars[] = {{"example.com/foo", 3}, {"nvidia.com/gpu", 2}};
    k8s_resources r = {1500, 1024, 77, 110, 2, scalars};
    CHECK_EQ_INT(k8s_resources_get(&r, "cpu"), 1500);
    CHECK_EQ_INT(k8s_resources_get(&r, "memory"), 1024);
    CHECK_EQ_INT(k8s_resources_get(&r, "ephemeral-storage"), 77);
    CHECK_EQ_INT(k8s_resources_get(&r, "pods"), 110);
    CHECK_EQ_INT(k8s_resources_get(&r, "nvidia.com/gpu"), 2);
    CHECK_EQ_INT(k8s_resources_get(&r, "example.com/foo"), 3);
    CHECK_EQ_INT(k8s_resources_get(&r, "hugepages-2Mi"), 0);
}

int main(void) {
    RUN(plain_and_decimal_suffixes);
    RUN(binary_suffixes);
    RUN(fractions_and_exponents);
    RUN(signs);
    RUN(saturation);
    RUN(upstream_quirks_kept);
    RUN(invalid_strings);
    RUN(json_values);
    RUN(resources_get);
    return test_summary("k8s_quantity");
}
