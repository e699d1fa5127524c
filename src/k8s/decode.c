/*
 * decode.c — the small toolkit the Pod/Node/selector decoders share: typed
 * field readers that name the field path in their messages, string maps,
 * resource lists and RFC 3339 timestamps.
 *
 * Decoders copy every string they keep into the object's arena, so a decoded
 * object never points into jansson memory (the raw tree may be mutated later,
 * e.g. by bind).
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "k8s/k8s_internal.h"

bool k8s_fail(k8s_decoder *d, const char *path, const char *fmt, ...) {
    if (!d->err || !d->errsize) return false;
    int n = snprintf(d->err, d->errsize, "%s%s", path && *path ? path : "",
                     path && *path ? ": " : "");
    if (n < 0 || (size_t)n >= d->errsize) return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err + n, d->errsize - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

const char *k8s_path_field(char *buf, const char *parent, const char *field) {
    if (parent && *parent) snprintf(buf, K8S_PATH_MAX, "%s.%s", parent, field);
    else snprintf(buf, K8S_PATH_MAX, "%s", field);
    return buf;
}

const char *k8s_path_index(char *buf, const char *parent, size_t index) {
    snprintf(buf, K8S_PATH_MAX, "%s[%zu]", parent ? parent : "", index);
    return buf;
}

const char *k8s_json_type_name(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static const json_t *field(const json_t *obj, const char *key) {
    const json_t *v = obj && json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return v && !json_is_null(v) ? v : NULL;
}

bool k8s_get_string(k8s_decoder *d, const json_t *obj, const char *key, const char *path,
                    const char *fallback, const char **out) {
    const json_t *v = field(obj, key);
    char p[K8S_PATH_MAX];
    if (!v) {
        *out = fallback;
        return true;
    }
    if (!json_is_string(v))
        return k8s_fail(d, k8s_path_field(p, path, key), "must be a string, got %s",
                        k8s_json_type_name(v));
    *out = arena_strndup(d->mem, json_string_value(v), json_string_length(v));
    return true;
}

bool k8s_get_bool(k8s_decoder *d, const json_t *obj, const char *key, const char *path,
                  bool *out) {
    const json_t *v = field(obj, key);
    char p[K8S_PATH_MAX];
    if (!v) {
        *out = false;
        return true;
    }
    if (!json_is_boolean(v))
        return k8s_fail(d, k8s_path_field(p, path, key), "must be a boolean, got %s",
                        k8s_json_type_name(v));
    *out = json_is_true(v);
    return true;
}

bool k8s_get_int64(k8s_decoder *d, const json_t *obj, const char *key, const char *path,
                   bool *present, int64_t *out) {
    const json_t *v = field(obj, key);
    char p[K8S_PATH_MAX];
    if (present) *present = v != NULL;
    *out = 0;
    if (!v) return true;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    /* Go decodes 2.0 into an int field; 2.5 is an error. */
    if (json_is_real(v)) {
        double x = json_real_value(v);
        if (x == (double)(int64_t)x && x >= -9.2e18 && x <= 9.2e18) {
            *out = (int64_t)x;
            return true;
        }
    }
    return k8s_fail(d, k8s_path_field(p, path, key), "must be an integer, got %s",
                    k8s_json_type_name(v));
}

bool k8s_get_int32(k8s_decoder *d, const json_t *obj, const char *key, const char *path,
                   bool *present, int32_t *out) {
    int64_t v;
    char p[K8S_PATH_MAX];
    *out = 0;
    if (!k8s_get_int64(d, obj, key, path, present, &v)) return false;
    if (v < INT32_MIN || v > INT32_MAX)
        return k8s_fail(d, k8s_path_field(p, path, key), "%" PRId64 " does not fit in int32", v);
    *out = (int32_t)v;
    return true;
}

bool k8s_get_object(k8s_decoder *d, const json_t *obj, const char *key, const char *path,
                    const json_t **out) {
    const json_t *v = field(obj, key);
    char p[K8S_PATH_MAX];
    *out = NULL;
    if (!v) return true;
    if (!json_is_object(v))
        return k8s_fail(d, k8s_path_field(p, path, key), "must be an object, got %s",
                        k8s_json_type_name(v));
    *out = v;
    return true;
}

bool k8s_get_array(k8s_decoder *d, const json_t *obj, const char *key, const char *path,
                   const json_t **out) {
    const json_t *v = field(obj, key);
    char p[K8S_PATH_MAX];
    *out = NULL;
    if (!v) return true;
    if (!json_is_array(v))
        return k8s_fail(d, k8s_path_field(p, path, key), "must be an array, got %s",
                        k8s_json_type_name(v));
    *out = v;
    return true;
}

static int kv_compare(const void *a, const void *b) {
    return strcmp(((const k8s_kv *)a)->key, ((const k8s_kv *)b)->key);
}

bool k8s_decode_string_map(k8s_decoder *d, const json_t *v, const char *path, k8s_map *out) {
    out->items = NULL;
    out->len = 0;
    if (!v || json_is_null(v)) return true;
    if (!json_is_object(v))
        return k8s_fail(d, path, "must be an object, got %s", k8s_json_type_name(v));
    size_t n = json_object_size(v);
    if (n == 0) return true;
    out->items = arena_alloc(d->mem, n * sizeof(k8s_kv));
    const char *key;
    json_t *value;
    char p[K8S_PATH_MAX];
    json_object_foreach((json_t *)v, key, value) {
        if (!json_is_string(value))
            return k8s_fail(d, k8s_path_field(p, path, key), "must be a string, got %s",
                            k8s_json_type_name(value));
        out->items[out->len].key = arena_strdup(d->mem, key);
        out->items[out->len].value =
            arena_strndup(d->mem, json_string_value(value), json_string_length(value));
        out->len++;
    }
    qsort(out->items, out->len, sizeof(k8s_kv), kv_compare);
    return true;
}

const char *k8s_map_get(const k8s_map *map, const char *key) {
    uint32_t lo = 0, hi = map->len;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(map->items[mid].key, key);
        if (c == 0) return map->items[mid].value;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

bool k8s_list_length(k8s_decoder *d, const json_t *v, const char *path, size_t *count) {
    *count = 0;
    if (!v || json_is_null(v)) return true;
    if (!json_is_array(v))
        return k8s_fail(d, path, "must be an array, got %s", k8s_json_type_name(v));
    *count = json_array_size(v);
    return true;
}

bool k8s_list_object(k8s_decoder *d, const json_t *v, size_t i, const char *path, char *ip,
                     const json_t **item) {
    *item = json_array_get(v, i);
    k8s_path_index(ip, path, i);
    if (!json_is_object(*item))
        return k8s_fail(d, ip, "must be an object, got %s", k8s_json_type_name(*item));
    return true;
}

bool k8s_decode_string_array(k8s_decoder *d, const json_t *v, const char *path, uint32_t *n,
                             const char ***out) {
    *n = 0;
    *out = NULL;
    size_t count;
    if (!k8s_list_length(d, v, path, &count)) return false;
    if (!count) return true;
    const char **items = arena_alloc(d->mem, count * sizeof(char *));
    char p[K8S_PATH_MAX];
    for (size_t i = 0; i < count; i++) {
        const json_t *s = json_array_get(v, i);
        if (!json_is_string(s))
            return k8s_fail(d, k8s_path_index(p, path, i), "must be a string, got %s",
                            k8s_json_type_name(s));
        items[i] = arena_strndup(d->mem, json_string_value(s), json_string_length(s));
    }
    *n = (uint32_t)count;
    *out = items;
    return true;
}

static int scalar_compare(const void *a, const void *b) {
    return strcmp(((const k8s_scalar_resource *)a)->name, ((const k8s_scalar_resource *)b)->name);
}

bool k8s_decode_resources(k8s_decoder *d, const json_t *v, const char *path, k8s_resources *out) {
    memset(out, 0, sizeof(*out));
    if (!v || json_is_null(v)) return true;
    if (!json_is_object(v))
        return k8s_fail(d, path, "must be an object, got %s", k8s_json_type_name(v));
    size_t n = json_object_size(v);
    k8s_scalar_resource *scalar = n ? arena_alloc(d->mem, n * sizeof(*scalar)) : NULL;
    const char *key;
    json_t *value;
    char p[K8S_PATH_MAX], msg[256];
    json_object_foreach((json_t *)v, key, value) {
        k8s_quantity q;
        if (!k8s_quantity_from_json(value, &q, msg, sizeof(msg)))
            return k8s_fail(d, k8s_path_field(p, path, key), "%s", msg);
        if (!strcmp(key, "cpu")) out->milli_cpu = q.milli;
        else if (!strcmp(key, "memory")) out->memory = q.value;
        else if (!strcmp(key, "ephemeral-storage")) out->ephemeral_storage = q.value;
        else if (!strcmp(key, "pods")) out->pods = q.value;
        else {
            scalar[out->nscalar].name = arena_strdup(d->mem, key);
            scalar[out->nscalar].value = q.value;
            out->nscalar++;
        }
    }
    if (out->nscalar) {
        qsort(scalar, out->nscalar, sizeof(*scalar), scalar_compare);
        out->scalar = scalar;
    }
    return true;
}

/* RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM). */
bool k8s_parse_time(const char *s, int64_t *ns) {
    int year, mon, day, hour, min, sec, consumed = 0;
    if (sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &year, &mon, &day, &hour, &min, &sec,
               &consumed) != 6 || consumed != 19)
        return false;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return false;
    const char *p = s + consumed;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        while (isdigit((unsigned char)*p)) {
            if (digits < 9) frac = frac * 10 + (*p - '0');
            digits++;
            p++;
        }
        if (!digits) return false;
        for (; digits < 9; digits++) frac *= 10;
    }
    int64_t offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om, n = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5) return false;
        offset = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return false;
    }
    if (*p) return false;
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    int64_t secs = (int64_t)timegm(&tm) - offset;
    /* int64 nanoseconds cover 1677..2262; clamp the rest (years 0..9999 are
     * valid RFC 3339 but only order matters to the scheduler). */
    if (secs > INT64_MAX / 1000000000 - 1) *ns = INT64_MAX;
    else if (secs < INT64_MIN / 1000000000 + 1) *ns = INT64_MIN;
    else *ns = secs * 1000000000 + frac;
    return true;
}
