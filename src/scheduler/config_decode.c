/*
 * config_decode.c — strict decoding for configuration files: the loader
 * that tracks the origin, the current field path and the first error, and
 * typed field readers that reject unknown fields and wrong types in the
 * wording of Go's field errors ("Invalid value", "Required value",
 * "strict decoding error: unknown field ..."); plus the name and duration
 * syntaxes the scheduler config API validates against.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/config_internal.h"
#include "scheduler/validation.h"

/* ------------------------------------------------------------------ */
/* The loader: origin, current field path, the first error               */
/* ------------------------------------------------------------------ */

/* Entering a field returns a mark; cfg_leave() restores the path to it. */
size_t cfg_enter_key(cfg_loader *l, const char *key) {
    size_t mark = l->path_len;
    int n = snprintf(l->path + l->path_len, sizeof l->path - l->path_len, "%s%s",
                     l->path_len ? "." : "", key);
    if (n > 0) l->path_len = SL_MIN(l->path_len + (size_t)n, sizeof l->path - 1);
    return mark;
}

size_t cfg_enter_index(cfg_loader *l, size_t index) {
    size_t mark = l->path_len;
    int n = snprintf(l->path + l->path_len, sizeof l->path - l->path_len, "[%zu]", index);
    if (n > 0) l->path_len = SL_MIN(l->path_len + (size_t)n, sizeof l->path - 1);
    return mark;
}

void cfg_leave(cfg_loader *l, size_t mark) {
    l->path_len = mark;
    l->path[mark] = 0;
}

/* "ORIGIN: path: message". Always returns false so callers can
 * `return cfg_fail(...)`. */
bool cfg_fail(cfg_loader *l, const char *fmt, ...) {
    if (!l->err || !l->errsize) return false;
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (l->path_len)
        snprintf(l->err, l->errsize, "%s: %s: %s", l->origin, l->path, message);
    else
        snprintf(l->err, l->errsize, "%s: %s", l->origin, message);
    return false;
}

/* A value as Go's field errors print it: JSON, shortened. */
static void value_repr(const json_t *value, char *buf, size_t size) {
    char *text = value ? json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    const char *shown = text ? text : "null";
    if (strlen(shown) >= size && size > 4)
        snprintf(buf, size, "%.*s...", (int)(size - 4), shown);
    else
        snprintf(buf, size, "%s", shown);
    free(text);
}

bool cfg_fail_invalid(cfg_loader *l, const json_t *value, const char *detail) {
    char repr[128];
    value_repr(value, repr, sizeof repr);
    return cfg_fail(l, "Invalid value: %s: %s", repr, detail);
}

bool cfg_fail_invalid_int(cfg_loader *l, int64_t value, const char *detail) {
    return cfg_fail(l, "Invalid value: %" PRId64 ": %s", value, detail);
}

bool cfg_fail_invalid_string(cfg_loader *l, const char *value, const char *detail) {
    json_t *s = json_string(value);
    bool r = cfg_fail_invalid(l, s, detail);
    json_decref(s);
    return r;
}

/* ------------------------------------------------------------------ */
/* Strict, typed field access                                           */
/* ------------------------------------------------------------------ */

bool cfg_in_list(const char *const *list, const char *s) {
    for (; *list; list++)
        if (strcmp(*list, s) == 0) return true;
    return false;
}

/* `obj` (at the current path) must be an object whose keys are all known. */
bool cfg_check_object(cfg_loader *l, const json_t *obj, const char *const *known) {
    if (!json_is_object(obj)) return cfg_fail_invalid(l, obj, "must be an object");
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value) {
        if (cfg_in_list(known, key)) continue;
        if (!l->err || !l->errsize) return false;
        if (l->path_len)
            snprintf(l->err, l->errsize, "%s: strict decoding error: unknown field \"%s.%s\"",
                     l->origin, l->path, key);
        else
            snprintf(l->err, l->errsize, "%s: strict decoding error: unknown field \"%s\"",
                     l->origin, key);
        return false;
    }
    return true;
}

/* A field's value, NULL when absent or null (Go treats both as unset). */
const json_t *cfg_field(const json_t *obj, const char *key) {
    const json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static bool as_integer(const json_t *v, int64_t *out) {
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d >= -9.2e18 && d <= 9.2e18 && d == (double)(int64_t)d) {
            *out = (int64_t)d;
            return true;
        }
    }
    return false;
}

/* Reads an integer field within [lo, hi] (the Go type's range: a value
 * outside it is a decoding error, not a validation error). */
bool cfg_read_int(cfg_loader *l, const json_t *obj, const char *key, int64_t lo, int64_t hi,
                     bool *present, int64_t *out) {
    const json_t *v = cfg_field(obj, key);
    if (present) *present = v != NULL;
    if (!v) return true;
    size_t mark = cfg_enter_key(l, key);
    int64_t n;
    if (!as_integer(v, &n)) return cfg_fail_invalid(l, v, "must be an integer");
    if (n < lo || n > hi) {
        char detail[96];
        snprintf(detail, sizeof detail, "must fit in a %s integer", hi == INT32_MAX ? "32-bit" : "64-bit");
        return cfg_fail_invalid(l, v, detail);
    }
    cfg_leave(l, mark);
    *out = n;
    return true;
}

bool cfg_read_int32(cfg_loader *l, const json_t *obj, const char *key, bool *present, int32_t *out) {
    int64_t n = *out;
    if (!cfg_read_int(l, obj, key, INT32_MIN, INT32_MAX, present, &n)) return false;
    *out = (int32_t)n;
    return true;
}

bool cfg_read_bool(cfg_loader *l, const json_t *obj, const char *key, bool *out) {
    const json_t *v = cfg_field(obj, key);
    if (!v) return true;
    if (!json_is_boolean(v)) {
        cfg_enter_key(l, key);
        return cfg_fail_invalid(l, v, "must be a boolean");
    }
    *out = json_is_true(v);
    return true;
}

/* *out stays untouched when the field is absent. */
bool cfg_read_string(cfg_loader *l, const json_t *obj, const char *key, const char **out) {
    const json_t *v = cfg_field(obj, key);
    if (!v) return true;
    if (!json_is_string(v)) {
        cfg_enter_key(l, key);
        return cfg_fail_invalid(l, v, "must be a string");
    }
    *out = json_string_value(v);
    return true;
}

/* A list field: NULL when absent. */
bool cfg_read_array(cfg_loader *l, const json_t *obj, const char *key, const json_t **out) {
    const json_t *v = cfg_field(obj, key);
    *out = NULL;
    if (!v) return true;
    if (!json_is_array(v)) {
        cfg_enter_key(l, key);
        return cfg_fail_invalid(l, v, "must be a list");
    }
    *out = v;
    return true;
}

/* ------------------------------------------------------------------ */
/* Name syntax (apimachinery validation)                                */
/* ------------------------------------------------------------------ */

/* Qualified names: the check plugins' args share (validation.h). */
const char *cfg_qualified_name_problem(const char *s) { return sl_qualified_name_problem(s); }

/* ------------------------------------------------------------------ */
/* Go durations ("300ms", "1m30s", "5s")                                */
/* ------------------------------------------------------------------ */

/* time.ParseDuration: an optional sign, then one or more decimal numbers
 * each followed by a unit (ns, us, µs, ms, s, m, h); "0" alone is allowed. */
bool cfg_parse_go_duration(const char *s, int64_t *ns_out) {
    const char *p = s;
    bool negative = false;
    if (*p == '+' || *p == '-') negative = *p++ == '-';
    if (strcmp(p, "0") == 0) {
        *ns_out = 0;
        return true;
    }
    if (!*p) return false;
    double total = 0;
    while (*p) {
        if (!(isdigit((unsigned char)*p) || *p == '.')) return false;
        char *end;
        double number = strtod(p, &end);
        if (end == p) return false;
        p = end;
        static const struct {
            const char *unit;
            double ns;
        } units[] = {{"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3},
                     {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
        size_t matched = 0;
        double scale = 0;
        for (size_t i = 0; i < ARRAY_LEN(units); i++) {
            size_t n = strlen(units[i].unit);
            /* "m" must not swallow the "m" of "ms": take the longest match. */
            if (strncmp(p, units[i].unit, n) == 0 && n > matched) {
                matched = n;
                scale = units[i].ns;
            }
        }
        if (!matched) return false;
        p += matched;
        total += number * scale;
        if (total > 9.2e18) return false;
    }
    *ns_out = (int64_t)(negative ? -total : total);
    return true;
}

