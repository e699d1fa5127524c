/*
 * schema.c — lookups in the generated Kubernetes schema tables
 * (schema_table.c) and strict validation of a JSON object against them.
 *
 * The validator answers what kube-apiserver's decoder would: a field that is
 * not in the type is an unknown field (strict field validation, collected
 * in document order: `strict decoding error: unknown field "spec.foo"`); a
 * JSON value of the wrong type fails Go's typed decoding (`json: cannot
 * unmarshal string into Go struct field PodSpec.spec.containers of type
 * []v1.Container`); quantities, times, base64 and int-or-string values must
 * decode. null is accepted everywhere (Go leaves the zero value). Required
 * fields and semantic rules are not schema matters (see k8s_validate_*).
 *
 * Paths as the strict decoding errors write them: fields and map keys
 * joined by '.', array elements as [i] ("spec.containers[0].foo",
 * "status.capacity.cpu"). Go's type errors name the struct fields only (no
 * indices, no map keys), as encoding/json's FieldStack does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s_internal.h"
#include "k8s/k8s_schema.h"

/* ------------------------------------------------------------------ */
/* Lookups                                                              */
/* ------------------------------------------------------------------ */

static int compare_kind(const k8s_schema_kind *k, const char *api_version, const char *kind) {
    int c = strcmp(k->api_version, api_version);
    return c ? c : strcmp(k->kind, kind);
}

const k8s_schema_kind *k8s_schema_find_kind(const char *api_version, const char *kind) {
    if (!api_version || !kind) return NULL;
    uint32_t lo = 0, hi = k8s_schema_nkinds;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = compare_kind(&k8s_schema_kinds[mid], api_version, kind);
        if (c == 0) return &k8s_schema_kinds[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

const k8s_schema_kind *k8s_schema_find_kind_any_version(const char *kind) {
    if (!kind) return NULL;
    const k8s_schema_kind *best = NULL;
    for (uint32_t i = 0; i < k8s_schema_nkinds; i++) {
        const k8s_schema_kind *k = &k8s_schema_kinds[i];
        if (strcmp(k->kind, kind) != 0) continue;
        /* prefer a served kind, then the core group, then a GA version */
        if (!best || (k->served && !best->served) ||
            (k->served == best->served && !k->group[0] && best->group[0]) ||
            (k->served == best->served && !strchr(k->version, 'a') && !strchr(k->version, 'b') &&
             (strchr(best->version, 'a') || strchr(best->version, 'b'))))
            best = k;
    }
    return best;
}

const k8s_schema_def *k8s_schema_find_def(const char *name) {
    if (!name) return NULL;
    uint32_t lo = 0, hi = k8s_schema_ndefs;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(k8s_schema_defs[mid].name, name);
        if (c == 0) return &k8s_schema_defs[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

const k8s_schema_def *k8s_schema_def_at(int index) {
    return index >= 0 && (uint32_t)index < k8s_schema_ndefs ? &k8s_schema_defs[index] : NULL;
}

const k8s_schema_field *k8s_schema_find_field(const k8s_schema_def *def, const char *name) {
    if (!def || !name) return NULL;
    const k8s_schema_field *f = &k8s_schema_fields[def->first_field];
    uint32_t lo = 0, hi = def->nfields;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(f[mid].name, name);
        if (c == 0) return &f[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

bool k8s_schema_patch_info(const char *def_name, const char *field, const char **merge_key,
                           const char **strategy) {
    const k8s_schema_field *f = k8s_schema_find_field(k8s_schema_find_def(def_name), field);
    if (merge_key) *merge_key = f ? f->patch_merge_key : NULL;
    if (strategy) *strategy = f ? f->patch_strategy : NULL;
    return f != NULL;
}

/* ------------------------------------------------------------------ */
/* Validation                                                           */
/* ------------------------------------------------------------------ */

#define SCHEMA_PATH_MAX 1024

typedef struct walk {
    k8s_schema_report *report;
    uint32_t max;
    bool have_type_problem;          /* only the first decoding error is kept, as Go does */
    char path[SCHEMA_PATH_MAX];      /* "spec.containers[0].name" */
    size_t path_len;
    char gopath[SCHEMA_PATH_MAX];    /* "spec.containers.name" */
    size_t gopath_len;
} walk;

static void add_problem(walk *w, k8s_schema_problem_kind kind, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

static void add_problem(walk *w, k8s_schema_problem_kind kind, const char *fmt, ...) {
    k8s_schema_report *r = w->report;
    if (kind == K8S_PROBLEM_UNKNOWN_FIELD) {
        r->nunknown++;
        if (r->nunknown > w->max) return;
    } else {
        r->ntype++;
        if (w->have_type_problem) return;
        w->have_type_problem = true;
    }
    char msg[SCHEMA_PATH_MAX + 512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!r->problems) r->problems = xcalloc((size_t)w->max + 1, sizeof(k8s_schema_problem));
    k8s_schema_problem *p = &r->problems[r->nproblems++];
    p->kind = kind;
    p->path = xstrdup(w->path);
    p->message = xstrdup(msg);
}

/* Path building: push returns the previous lengths to restore. */
typedef struct path_mark {
    size_t path_len, gopath_len;
} path_mark;

/* Appends [sep]text to buf (length *len), truncating at SCHEMA_PATH_MAX - 1.
 * No printf: this runs for every field of every object. */
static void append(char *buf, size_t *len, char sep, const char *text, size_t n) {
    size_t at = *len;
    if (sep && at < SCHEMA_PATH_MAX - 1) buf[at++] = sep;
    if (n > SCHEMA_PATH_MAX - 1 - at) n = SCHEMA_PATH_MAX - 1 - at;
    memcpy(buf + at, text, n);
    at += n;
    buf[at] = 0;
    *len = at;
}

static path_mark push_field(walk *w, const char *name) {
    path_mark m = {w->path_len, w->gopath_len};
    size_t n = strlen(name);
    append(w->path, &w->path_len, w->path_len ? '.' : 0, name, n);
    append(w->gopath, &w->gopath_len, w->gopath_len ? '.' : 0, name, n);
    return m;
}

static path_mark push_index(walk *w, size_t i) {
    path_mark m = {w->path_len, w->gopath_len};
    char digits[24];
    size_t n = sizeof digits;
    digits[--n] = ']';
    do {
        digits[--n] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    append(w->path, &w->path_len, '[', digits + n, sizeof digits - n);
    return m;
}

static path_mark push_key(walk *w, const char *key) {
    path_mark m = {w->path_len, w->gopath_len};
    append(w->path, &w->path_len, '.', key, strlen(key));
    return m;
}

static void pop(walk *w, path_mark m) {
    w->path_len = m.path_len;
    w->path[m.path_len] = 0;
    w->gopath_len = m.gopath_len;
    w->gopath[m.gopath_len] = 0;
}

/* Go's name of a JSON value in UnmarshalTypeError. */
static const char *go_value_name(const json_t *v, char *buf, size_t size) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_TRUE:
    case JSON_FALSE: return "bool";
    case JSON_INTEGER:
        snprintf(buf, size, "number %" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    case JSON_REAL: { /* the shortest text that reads back (Go quotes the literal) */
        double x = json_real_value(v);
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, size, "number %.*g", prec, x);
            if (strtod(buf + 7, NULL) == x) break;
        }
        return buf;
    }
    default: return "null";
    }
}

static const char *leaf_go_type(uint8_t type, int16_t def) {
    const k8s_schema_def *d = k8s_schema_def_at(def);
    if (d) return d->go_name;
    switch ((k8s_schema_type)type) {
    case K8S_SCHEMA_STRING: return "string";
    case K8S_SCHEMA_BYTES: return "[]uint8";
    case K8S_SCHEMA_INT32: return "int32";
    case K8S_SCHEMA_INT64: return "int64";
    case K8S_SCHEMA_NUMBER: return "float64";
    case K8S_SCHEMA_BOOLEAN: return "bool";
    default: return "interface {}";
    }
}

/* Go struct name (Struct.Name()) of a definition: the part after the package. */
static const char *struct_name(const k8s_schema_def *def) {
    const char *dot = strchr(def->go_name, '.');
    return dot ? dot + 1 : def->go_name;
}

static void wrong_type(walk *w, const k8s_schema_def *parent, const json_t *v, const char *prefix,
                       uint8_t type, int16_t def) {
    char buf[64];
    add_problem(w, K8S_PROBLEM_WRONG_TYPE,
                "json: cannot unmarshal %s into Go struct field %s.%s of type %s%s",
                go_value_name(v, buf, sizeof buf), struct_name(parent), w->gopath, prefix,
                leaf_go_type(type, def));
}

static void check_object(walk *w, const k8s_schema_def *def, const json_t *obj, int depth);

static bool is_integral(const json_t *v, int64_t lo, int64_t hi) {
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        return x >= lo && x <= hi;
    }
    if (json_is_real(v)) { /* YAML 2.0 arrives as a real; sigs.k8s.io/yaml writes it as 2 */
        double x = json_real_value(v);
        if (!(x > -9.2e18 && x < 9.2e18)) return false; /* before the cast: no UB */
        return x == (double)(int64_t)x && x >= (double)lo && x <= (double)hi;
    }
    return false;
}

static bool valid_base64(const char *s, size_t n, size_t *bad) {
    size_t i = 0, pad = 0;
    for (; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '/';
        if (c == '=') {
            pad++;
            if (pad > 2) break;
            continue;
        }
        if (!ok || pad) break;
    }
    if (i == n && n % 4 == 0) return true;
    *bad = i < n ? i : (n / 4) * 4;
    return false;
}

/* One value (container already peeled). `prefix` is the Go type prefix of
 * the element in messages ("[]" while the whole array is the wrong type). */
static void check_leaf(walk *w, const k8s_schema_def *parent, uint8_t type, int16_t def,
                       const json_t *v, int depth) {
    if (json_is_null(v)) return;
    switch ((k8s_schema_type)type) {
    case K8S_SCHEMA_ANY:
    case K8S_SCHEMA_FREE_OBJECT:
        return;
    case K8S_SCHEMA_STRING:
        if (!json_is_string(v)) wrong_type(w, parent, v, "", type, def);
        return;
    case K8S_SCHEMA_BYTES: {
        if (!json_is_string(v)) {
            wrong_type(w, parent, v, "", type, def);
            return;
        }
        size_t bad;
        if (!valid_base64(json_string_value(v), json_string_length(v), &bad))
            add_problem(w, K8S_PROBLEM_BAD_VALUE, "%s: illegal base64 data at input byte %zu",
                        w->path, bad);
        return;
    }
    case K8S_SCHEMA_INT32:
        if (!is_integral(v, INT32_MIN, INT32_MAX)) wrong_type(w, parent, v, "", type, def);
        return;
    case K8S_SCHEMA_INT64:
        if (!is_integral(v, INT64_MIN, INT64_MAX)) wrong_type(w, parent, v, "", type, def);
        return;
    case K8S_SCHEMA_NUMBER:
        if (!json_is_number(v)) wrong_type(w, parent, v, "", type, def);
        return;
    case K8S_SCHEMA_BOOLEAN:
        if (!json_is_boolean(v)) wrong_type(w, parent, v, "", type, def);
        return;
    case K8S_SCHEMA_OBJECT:
        if (!json_is_object(v)) {
            wrong_type(w, parent, v, "", type, def);
            return;
        }
        check_object(w, k8s_schema_def_at(def), v, depth + 1);
        return;
    case K8S_SCHEMA_QUANTITY: {
        if (!json_is_string(v) && !json_is_number(v)) {
            wrong_type(w, parent, v, "", type, def);
            return;
        }
        k8s_quantity q;
        char msg[256];
        if (!k8s_quantity_from_json(v, &q, msg, sizeof msg))
            add_problem(w, K8S_PROBLEM_BAD_VALUE, "%s: %s", w->path, msg);
        return;
    }
    case K8S_SCHEMA_INT_OR_STRING:
        if (!json_is_string(v) && !is_integral(v, INT32_MIN, INT32_MAX))
            wrong_type(w, parent, v, "", type, def);
        return;
    case K8S_SCHEMA_TIME: {
        if (!json_is_string(v)) {
            char buf[64];
            add_problem(w, K8S_PROBLEM_WRONG_TYPE,
                        "json: cannot unmarshal %s into Go value of type string",
                        go_value_name(v, buf, sizeof buf));
            return;
        }
        int64_t ns;
        if (!k8s_parse_time(json_string_value(v), &ns))
            add_problem(w, K8S_PROBLEM_BAD_VALUE,
                        "%s: parsing time \"%s\" as \"2006-01-02T15:04:05Z07:00\": not an RFC 3339 time",
                        w->path, json_string_value(v));
        return;
    }
    }
}

static void check_field(walk *w, const k8s_schema_def *parent, const k8s_schema_field *f,
                        const json_t *v, int depth) {
    if (json_is_null(v)) return;
    switch ((k8s_schema_container)f->container) {
    case K8S_SCHEMA_SINGLE:
        check_leaf(w, parent, f->type, f->def, v, depth);
        return;
    case K8S_SCHEMA_ARRAY: {
        if (!json_is_array(v)) {
            wrong_type(w, parent, v, "[]", f->type, f->def);
            return;
        }
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item) {
            path_mark m = push_index(w, i);
            check_leaf(w, parent, f->type, f->def, item, depth);
            pop(w, m);
        }
        return;
    }
    case K8S_SCHEMA_MAP:
    case K8S_SCHEMA_MAP_OF_ARRAYS: {
        bool arrays = f->container == K8S_SCHEMA_MAP_OF_ARRAYS;
        if (!json_is_object(v)) {
            wrong_type(w, parent, v, arrays ? "map[string][]" : "map[string]", f->type, f->def);
            return;
        }
        const char *key;
        const json_t *item;
        json_object_foreach((json_t *)v, key, item) {
            path_mark m = push_key(w, key);
            if (!arrays) {
                check_leaf(w, parent, f->type, f->def, item, depth);
            } else if (!json_is_null(item)) {
                if (!json_is_array(item)) {
                    wrong_type(w, parent, item, "[]", f->type, f->def);
                } else {
                    size_t i;
                    const json_t *elem;
                    json_array_foreach(item, i, elem) {
                        path_mark m2 = push_index(w, i);
                        check_leaf(w, parent, f->type, f->def, elem, depth);
                        pop(w, m2);
                    }
                }
            }
            pop(w, m);
        }
        return;
    }
    }
}

static void check_object(walk *w, const k8s_schema_def *def, const json_t *obj, int depth) {
    if (!def || depth > 200) return;
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        const k8s_schema_field *f = k8s_schema_find_field(def, key);
        path_mark m = push_field(w, key);
        if (!f) add_problem(w, K8S_PROBLEM_UNKNOWN_FIELD, "unknown field \"%s\"", w->path);
        else check_field(w, def, f, v, depth);
        pop(w, m);
    }
}

bool k8s_schema_validate(const k8s_schema_def *def, const json_t *obj, uint32_t max_problems,
                         k8s_schema_report *report) {
    memset(report, 0, sizeof *report);
    walk w = {.report = report, .max = max_problems ? max_problems : 1};
    if (!def) return true;
    if (!json_is_object(obj)) {
        char buf[64];
        add_problem(&w, K8S_PROBLEM_WRONG_TYPE, "json: cannot unmarshal %s into Go value of type %s",
                    go_value_name(obj, buf, sizeof buf), def->go_name);
        return false;
    }
    if (def->type == K8S_SCHEMA_OBJECT) check_object(&w, def, obj, 0);
    return report->nunknown == 0 && report->ntype == 0;
}

void k8s_schema_report_free(k8s_schema_report *report) {
    if (!report) return;
    for (uint32_t i = 0; i < report->nproblems; i++) {
        free(report->problems[i].path);
        free(report->problems[i].message);
    }
    free(report->problems);
    memset(report, 0, sizeof *report);
}

size_t k8s_schema_report_format(const k8s_schema_report *report, bool unknown_only, char *buf,
                                size_t size) {
    strbuf sb;
    strbuf_init(&sb);
    if (!unknown_only) {
        for (uint32_t i = 0; i < report->nproblems; i++) {
            if (report->problems[i].kind != K8S_PROBLEM_UNKNOWN_FIELD) {
                strbuf_printf(&sb, "%s", report->problems[i].message);
                goto done;
            }
        }
    }
    uint32_t shown = 0;
    for (uint32_t i = 0; i < report->nproblems; i++) {
        if (report->problems[i].kind != K8S_PROBLEM_UNKNOWN_FIELD) continue;
        strbuf_printf(&sb, "%s%s", shown++ ? ", " : unknown_only ? "" : "strict decoding error: ",
                       report->problems[i].message);
    }
    if (report->nunknown > shown && shown)
        strbuf_printf(&sb, " (and %u more)", report->nunknown - shown);
done:;
    size_t n = sb.len;
    if (size) snprintf(buf, size, "%s", sb.len ? strbuf_cstr(&sb) : "");
    strbuf_free(&sb);
    return n;
}
