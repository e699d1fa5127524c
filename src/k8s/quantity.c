/*
 * quantity.c — resource.Quantity parsing reduced to the two integers the
 * scheduler uses: MilliValue() for cpu and Value() for everything else.
 *
 * The scanner follows apimachinery's parseQuantityString step by step (sign,
 * leading zeros, integer digits, optional fraction, suffix letters, optional
 * exponent sign and digits), so the same strings are accepted and rejected
 * with the same three messages. Upstream then keeps an exact decimal (int64
 * fast path or inf.Dec); we never need the exact value again, only
 * ceil(|q| * 10^k) for k = 0 and 3, so the magnitude is kept as its decimal
 * digit string times 10^e (times 2^b for binary suffixes) and reduced
 * directly. Rounding is away from zero, as Quantity.RoundUp / AsScale do for
 * the values the scheduler sees; results saturate at +-INT64_MAX where
 * upstream would cap (BinarySI) or silently wrap (huge DecimalSI values).
 *
 * One quirk is kept on purpose: the exponent after "e"/"E" is parsed as int64
 * and truncated to int32, as upstream's suffixer does.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s.h"

static const char quantity_format_message[] =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
static const char quantity_numeric_message[] = "unable to parse numeric part of quantity";
static const char quantity_suffix_message[] = "unable to parse quantity's suffix";

/* The pieces of a quantity string, as parseQuantityString splits it. */
typedef struct quantity_parts {
    bool negative;
    bool has_digits;          /* any digit before the suffix */
    const char *num;          /* integer digits, leading zeros stripped */
    size_t num_len;
    const char *denom;        /* fraction digits */
    size_t denom_len;
    const char *suffix;
    size_t suffix_len;
} quantity_parts;

static bool is_suffix_letter(char c) { return c && strchr("eEinumkKMGTP", c) != NULL; }

/* Returns NULL on success, else the upstream message. */
static const char *quantity_split(const char *s, size_t len, quantity_parts *p) {
    size_t pos = 0;
    memset(p, 0, sizeof(*p));
    if (pos < len && (s[0] == '-' || s[0] == '+')) {
        p->negative = s[0] == '-';
        pos++;
    }
    while (pos < len && s[pos] == '0') {
        pos++;
        p->has_digits = true;
    }
    if (pos >= len) { /* only a sign and zeros: zero */
        p->num = "0";
        p->num_len = 1;
        p->suffix = s + len;
        return NULL;
    }
    size_t start = pos;
    while (pos < len && isdigit((unsigned char)s[pos])) pos++;
    p->num = s + start;
    p->num_len = pos - start;
    if (p->num_len) p->has_digits = true;
    else { p->num = "0"; p->num_len = 1; }
    if (pos < len && s[pos] == '.') {
        pos++;
        start = pos;
        while (pos < len && isdigit((unsigned char)s[pos])) pos++;
        p->denom = s + start;
        p->denom_len = pos - start;
        if (p->denom_len) p->has_digits = true;
    }
    size_t suffix_start = pos;
    while (pos < len && is_suffix_letter(s[pos])) pos++;
    if (pos < len && (s[pos] == '-' || s[pos] == '+')) pos++;
    while (pos < len && isdigit((unsigned char)s[pos])) pos++;
    if (pos < len) return quantity_format_message;
    p->suffix = s + suffix_start;
    p->suffix_len = len - suffix_start;
    return NULL;
}

/* Suffix -> base (10 or 2) and exponent. */
static bool quantity_suffix(const char *s, size_t n, int *base, int32_t *exponent,
                            bool *binary) {
    static const struct { const char *text; int base; int32_t exp; } table[] = {
        {"", 10, 0},    {"n", 10, -9},  {"u", 10, -6},  {"m", 10, -3},  {"k", 10, 3},
        {"M", 10, 6},   {"G", 10, 9},   {"T", 10, 12},  {"P", 10, 15},  {"E", 10, 18},
        {"Ki", 2, 10},  {"Mi", 2, 20},  {"Gi", 2, 30},  {"Ti", 2, 40},  {"Pi", 2, 50},
        {"Ei", 2, 60},
    };
    for (size_t i = 0; i < ARRAY_LEN(table); i++) {
        if (strlen(table[i].text) == n && memcmp(table[i].text, s, n) == 0) {
            *base = table[i].base;
            *exponent = table[i].exp;
            *binary = table[i].base == 2;
            return true;
        }
    }
    if (n > 1 && (s[0] == 'e' || s[0] == 'E')) {
        /* strconv.ParseInt(s[1:], 10, 64): optional sign, digits, no overflow. */
        char buf[32];
        if (n - 1 >= sizeof(buf)) return false;
        memcpy(buf, s + 1, n - 1);
        buf[n - 1] = 0;
        const char *digits = buf + (buf[0] == '+' || buf[0] == '-');
        if (!*digits) return false;
        for (const char *c = digits; *c; c++)
            if (!isdigit((unsigned char)*c)) return false;
        errno = 0;
        long long v = strtoll(buf, NULL, 10);
        if (errno == ERANGE) return false;
        *base = 10;
        *exponent = (int32_t)(uint32_t)(unsigned long long)v; /* Go's int32(x) */
        *binary = false;
        return true;
    }
    return false;
}

/* Digits of the magnitude (num followed by denom, leading zeros removed)
 * multiplied by 2^shift, into a fresh buffer of decimal digits (0..9 values,
 * most significant first). */
static uint8_t *quantity_digits(const quantity_parts *p, int shift, size_t *n_out) {
    size_t n = p->num_len + p->denom_len;
    size_t cap = n + 20; /* 2^60 adds at most 19 digits */
    uint8_t *d = xmalloc(cap);
    size_t len = 0;
    for (size_t i = 0; i < p->num_len; i++) d[len++] = (uint8_t)(p->num[i] - '0');
    for (size_t i = 0; i < p->denom_len; i++) d[len++] = (uint8_t)(p->denom[i] - '0');
    size_t lead = 0;
    while (lead < len && d[lead] == 0) lead++;
    memmove(d, d + lead, len - lead);
    len -= lead;
    while (shift > 0 && len > 0) {
        int step = shift > 28 ? 28 : shift;
        shift -= step;
        uint64_t carry = 0;
        for (size_t i = len; i-- > 0;) {
            uint64_t v = ((uint64_t)d[i] << step) + carry;
            d[i] = (uint8_t)(v % 10);
            carry = v / 10;
        }
        uint8_t head[24];
        size_t nhead = 0;
        while (carry) {
            head[nhead++] = (uint8_t)(carry % 10);
            carry /= 10;
        }
        memmove(d + nhead, d, len);
        for (size_t i = 0; i < nhead; i++) d[i] = head[nhead - 1 - i];
        len += nhead;
    }
    *n_out = len;
    return d;
}

/* ceil(digits * 10^scale) saturated to INT64_MAX; digits has no leading zero. */
static int64_t quantity_scaled(const uint8_t *d, size_t n, int64_t scale) {
    if (n == 0) return 0;
    if (scale >= 0) {
        if ((int64_t)n + scale > 19) return INT64_MAX;
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++) v = v * 10 + d[i];
        for (int64_t i = 0; i < scale; i++) v *= 10;
        return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
    }
    uint64_t drop = (uint64_t)(-scale);
    if (drop >= n) return 1; /* a non-zero fraction below one unit rounds up to 1 */
    size_t keep = n - (size_t)drop;
    if (keep > 19) return INT64_MAX;
    uint64_t v = 0;
    for (size_t i = 0; i < keep; i++) v = v * 10 + d[i];
    for (size_t i = keep; i < n; i++) {
        if (d[i]) {
            v++;
            break;
        }
    }
    return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

static bool quantity_parse_n(const char *text, size_t len, k8s_quantity *out, char *err,
                             size_t errsize) {
    out->milli = out->value = 0;
    const char *problem = NULL;
    quantity_parts p;
    int base = 10;
    int32_t exponent = 0;
    bool binary = false;
    if (len == 0) problem = quantity_format_message;
    else if (len == 1 && text[0] == '0') return true;
    if (!problem) problem = quantity_split(text, len, &p);
    if (!problem && !quantity_suffix(p.suffix, p.suffix_len, &base, &exponent, &binary))
        problem = quantity_suffix_message;
    if (!problem && !p.has_digits) {
        /* Upstream's int64 fast path accepts a digit-less value ("." or "-");
         * only the inf.Dec path (too many digits, or a scale below nano)
         * rejects it. Reproduce that split. */
        bool fast;
        if (binary) fast = p.denom_len == 0;
        else fast = (int64_t)exponent - (int64_t)p.denom_len >= -9;
        if (!fast) problem = quantity_numeric_message;
    }
    if (problem) {
        if (err && errsize) snprintf(err, errsize, "%s", problem);
        return false;
    }
    size_t n;
    uint8_t *digits = quantity_digits(&p, binary ? exponent : 0, &n);
    int64_t scale = (binary ? 0 : (int64_t)exponent) - (int64_t)p.denom_len;
    int64_t value = quantity_scaled(digits, n, scale);
    int64_t milli = quantity_scaled(digits, n, scale + 3);
    free(digits);
    out->value = p.negative ? -value : value;
    out->milli = p.negative ? -milli : milli;
    return true;
}

bool k8s_quantity_parse(const char *text, k8s_quantity *out, char *err, size_t errsize) {
    return quantity_parse_n(text, strlen(text), out, err, errsize);
}

bool k8s_quantity_from_json(const json_t *value, k8s_quantity *out, char *err, size_t errsize) {
    char buf[64];
    out->milli = out->value = 0;
    if (!value || json_is_null(value)) return true; /* Quantity.UnmarshalJSON("null") = 0 */
    if (json_is_string(value))
        return quantity_parse_n(json_string_value(value), json_string_length(value), out, err,
                                errsize);
    if (json_is_integer(value)) {
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        return quantity_parse_n(buf, strlen(buf), out, err, errsize);
    }
    if (json_is_real(value)) {
        /* Shortest text that reads back as the same double, like Go's
         * strconv.FormatFloat(f, 'g', -1, 64) used when JSON is re-encoded. */
        double d = json_real_value(value);
        for (int precision = 1; precision <= 17; precision++) {
            snprintf(buf, sizeof(buf), "%.*g", precision, d);
            if (strtod(buf, NULL) == d) break;
        }
        /* "1e+06" -> "1e6": the quantity grammar allows a sign, so keep it. */
        return quantity_parse_n(buf, strlen(buf), out, err, errsize);
    }
    if (err && errsize)
        snprintf(err, errsize, "quantities must be a string or a number, got %s",
                 json_is_boolean(value) ? "a boolean"
                 : json_is_array(value) ? "an array"
                                        : "an object");
    return false;
}

int64_t k8s_resources_get(const k8s_resources *r, const char *name) {
    if (strcmp(name, "cpu") == 0) return r->milli_cpu;
    if (strcmp(name, "memory") == 0) return r->memory;
    if (strcmp(name, "pods") == 0) return r->pods;
    if (strcmp(name, "ephemeral-storage") == 0) return r->ephemeral_storage;
    uint32_t lo = 0, hi = r->nscalar;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int c = strcmp(r->scalar[mid].name, name);
        if (c == 0) return r->scalar[mid].value;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}
