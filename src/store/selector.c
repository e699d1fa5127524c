/*
 * selector.c — labelSelector and fieldSelector query strings (apimachinery
 * labels.Parse and fields.ParseSelector) and matching against stored
 * objects. Selectable fields per resource are upstream's (1.20+ registry
 * GetAttrs): every kind has metadata.name (namespaced kinds also
 * metadata.namespace); pods, nodes, namespaces and events add theirs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

/* ---- selectable fields ---- */

static const char *const pod_fields[] = {"spec.nodeName", "spec.restartPolicy",
    "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP",
    "status.nominatedNodeName", NULL};
static const char *const node_fields[] = {"spec.unschedulable", NULL};
static const char *const namespace_fields[] = {"status.phase", "name", NULL};
static const char *const event_fields[] = {"involvedObject.kind", "involvedObject.namespace",
    "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
    "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent",
    "source", "type", NULL};
static const char *const event_v1_fields[] = {"regarding.kind", "regarding.namespace",
    "regarding.name", "regarding.uid", "regarding.apiVersion", "regarding.resourceVersion",
    "regarding.fieldPath", "reason", "reportingController", "type",
    /* the same objects are stored as core/v1 Events: accept those names too */
    "involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
    "involvedObject.uid", NULL};
static const char *const secret_fields[] = {"type", NULL};

static const char *const *resource_fields(const sl_resource *res) {
    switch (res->id) {
    case SL_RES_PODS: return pod_fields;
    case SL_RES_NODES: return node_fields;
    case SL_RES_NAMESPACES: return namespace_fields;
    case SL_RES_EVENTS: return event_fields;
    case SL_RES_EVENTS_V1: return event_v1_fields;
    case SL_RES_SECRETS: return secret_fields;
    default: return NULL;
    }
}

static bool field_supported(const sl_resource *res, const char *field) {
    if (!strcmp(field, "metadata.name")) return true;
    if (res->namespaced && !strcmp(field, "metadata.namespace")) return true;
    const char *const *list = resource_fields(res);
    for (; list && *list; list++)
        if (!strcmp(*list, field)) return true;
    return false;
}

static const json_t *path_get(const json_t *obj, const char *path) {
    char seg[128];
    const json_t *cur = obj;
    while (*path && cur) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof(seg)) return NULL;
        memcpy(seg, path, n);
        seg[n] = 0;
        cur = json_object_get(cur, seg);
        path += n + (dot ? 1 : 0);
    }
    return cur;
}

const char *sl_field_value(const sl_resource *res, const json_t *obj, const char *field,
                           char *buf, size_t size) {
    if (!field_supported(res, field)) return NULL;
    const char *path = field;
    /* events are stored as core/v1: map the events.k8s.io names */
    if (res->storage == SL_RES_EVENTS && !strncmp(field, "regarding.", 10)) {
        snprintf(buf, size, "involvedObject.%s", field + 10);
        path = buf;
    }
    char tmp[160];
    if (!strcmp(field, "name")) path = "metadata.name";
    else if (!strcmp(field, "source")) path = "source.component";
    else if (!strcmp(field, "reportingController")) path = "reportingComponent";
    if (path == buf) {
        snprintf(tmp, sizeof(tmp), "%s", buf);
        path = tmp;
    }
    const json_t *v = path_get(obj, path);
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_true(v)) return "true";
    if (json_is_false(v)) return "false";
    if (json_is_integer(v)) {
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    if (!strcmp(field, "spec.unschedulable")) return "false";
    return "";
}

/* ---- parsing ---- */

static bool is_space(char c) { return c == ' ' || c == '\t'; }

static char *trim(arena *mem, const char *s, size_t n) {
    while (n && is_space(*s)) s++, n--;
    while (n && is_space(s[n - 1])) n--;
    return arena_strndup(mem, s, n);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Splits at top-level commas (commas inside parentheses belong to sets). */
static size_t next_term(const char *s) {
    int depth = 0;
    size_t i = 0;
    for (; s[i]; i++) {
        if (s[i] == '(') depth++;
        else if (s[i] == ')') depth--;
        else if (s[i] == ',' && depth <= 0) break;
    }
    return i;
}

static int label_error(sl_store_error *err, const char *term, const char *why) {
    return sl_store_fail(err, 400, "BadRequest", "unable to parse requirement: %s: %s", term, why);
}

static bool parse_label_term(sl_selector *sel, const char *term, k8s_requirement *req,
                             sl_store_error *err) {
    arena *mem = &sel->mem;
    memset(req, 0, sizeof(*req));
    const char *p = term;
    while (is_space(*p)) p++;
    if (*p == '!') {
        req->key = trim(mem, p + 1, strlen(p + 1));
        req->op = K8S_OP_DOES_NOT_EXIST;
        if (!k8s_valid_qualified_name(req->key)) return label_error(err, term, "invalid label key"), false;
        return true;
    }
    /* key ends at an operator or a space */
    size_t klen = strcspn(p, "=!<> \t");
    const char *key = trim(mem, p, klen);
    req->key = key;
    if (!k8s_valid_qualified_name(key)) return label_error(err, term, "invalid label key"), false;
    const char *q = p + klen;
    while (is_space(*q)) q++;
    if (!*q) {
        req->op = K8S_OP_EXISTS;
        return true;
    }
    const char *value = NULL;
    if (!strncmp(q, "==", 2)) req->op = K8S_OP_IN, value = q + 2;
    else if (!strncmp(q, "!=", 2)) req->op = K8S_OP_NOT_IN, value = q + 2;
    else if (*q == '=') req->op = K8S_OP_IN, value = q + 1;
    else if (*q == '>') req->op = K8S_OP_GT, value = q + 1;
    else if (*q == '<') req->op = K8S_OP_LT, value = q + 1;
    else if (!strncmp(q, "in", 2) && (is_space(q[2]) || q[2] == '(')) req->op = K8S_OP_IN, value = NULL, q += 2;
    else if (!strncmp(q, "notin", 5) && (is_space(q[5]) || q[5] == '(')) req->op = K8S_OP_NOT_IN, value = NULL, q += 5;
    else return label_error(err, term, "unknown operator"), false;
    if (value) {
        char *v = trim(mem, value, strlen(value));
        if (req->op == K8S_OP_GT || req->op == K8S_OP_LT) {
            char *end;
            req->number = strtoll(v, &end, 10);
            if (!*v || *end) return label_error(err, term, "for 'Gt', 'Lt' operators, the value must be an integer"), false;
        } else if (!k8s_valid_label_value(v)) {
            return label_error(err, term, "invalid label value"), false;
        }
        req->values = arena_alloc(mem, sizeof(char *));
        req->values[0] = v;
        req->nvalues = 1;
        return true;
    }
    while (is_space(*q)) q++;
    if (*q != '(') return label_error(err, term, "expected '('"), false;
    const char *close = strchr(q, ')');
    if (!close) return label_error(err, term, "expected ')'"), false;
    for (const char *t = close + 1; *t; t++)
        if (!is_space(*t)) return label_error(err, term, "unexpected text after ')'"), false;
    VEC(const char *) vals = {0};
    const char *v = q + 1;
    while (v <= close) {
        size_t n = strcspn(v, ",)");
        char *val = trim(mem, v, n);
        if (!k8s_valid_label_value(val)) {
            VEC_FREE(&vals);
            return label_error(err, term, "invalid label value"), false;
        }
        if (val[0] || vals.len || v[n] == ',') VEC_PUSH(&vals, val);
        v += n + 1;
    }
    if (!vals.len) return label_error(err, term, "for 'in', 'notin' operators, values set can't be empty"), false;
    qsort(vals.items, vals.len, sizeof(char *), cmp_str);
    req->values = arena_alloc(mem, vals.len * sizeof(char *));
    memcpy(req->values, vals.items, vals.len * sizeof(char *));
    req->nvalues = (uint32_t)vals.len;
    VEC_FREE(&vals);
    return true;
}

/* Unescapes \, \= \\ in a field selector value; false on a bad escape. */
static bool unescape_field(arena *mem, const char *s, size_t n, const char **out) {
    char *buf = arena_alloc(mem, n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') {
            if (i + 1 >= n) return false;
            char c = s[++i];
            if (c != '\\' && c != ',' && c != '=') return false;
            buf[j++] = c;
        } else {
            buf[j++] = s[i];
        }
    }
    buf[j] = 0;
    *out = buf;
    return true;
}

static bool parse_fields(sl_selector *sel, const sl_resource *res, const char *text,
                         sl_store_error *err) {
    VEC(sl_field_requirement) reqs = {0};
    const char *p = text;
    while (*p) {
        /* a term ends at an unescaped comma */
        size_t n = 0;
        while (p[n] && p[n] != ',') n += (p[n] == '\\' && p[n + 1]) ? 2 : 1;
        char *term = trim(&sel->mem, p, n);
        if (term[0]) {
            sl_field_requirement r = {0};
            char *op = NULL;
            for (char *t = term; *t; t++) {
                if (*t == '\\' && t[1]) { t++; continue; }
                if (*t == '!' && t[1] == '=') { op = t; r.op = SL_FIELD_NEQ; break; }
                if (*t == '=') { op = t; r.op = SL_FIELD_EQ; break; }
            }
            if (!op) {
                VEC_FREE(&reqs);
                sl_store_fail(err, 400, "BadRequest", "invalid selector: '%s'; can't understand '%s'",
                              text, term);
                return false;
            }
            r.field = trim(&sel->mem, term, (size_t)(op - term));
            const char *v = op + (r.op == SL_FIELD_NEQ ? 2 : 1);
            if (r.op == SL_FIELD_EQ && *v == '=') v++;
            if (!unescape_field(&sel->mem, v, strlen(v), &r.value)) {
                VEC_FREE(&reqs);
                sl_store_fail(err, 400, "BadRequest", "invalid selector: '%s'; invalid escape sequence", text);
                return false;
            }
            if (!field_supported(res, r.field)) {
                VEC_FREE(&reqs);
                sl_store_fail(err, 400, "BadRequest", "field label not supported: %s", r.field);
                return false;
            }
            VEC_PUSH(&reqs, r);
        }
        p += n;
        if (*p == ',') p++;
    }
    sel->nfields = (uint32_t)reqs.len;
    if (reqs.len) {
        sel->fields = arena_alloc(&sel->mem, reqs.len * sizeof(*sel->fields));
        memcpy(sel->fields, reqs.items, reqs.len * sizeof(*sel->fields));
    }
    VEC_FREE(&reqs);
    return true;
}

bool sl_selector_parse(sl_selector *sel, const sl_resource *res, const char *label_selector,
                       const char *field_selector, sl_store_error *err) {
    memset(sel, 0, sizeof(*sel));
    arena_init(&sel->mem, 1024);
    sel->res = res;
    if (label_selector && *label_selector) {
        VEC(k8s_requirement) reqs = {0};
        const char *p = label_selector;
        while (*p) {
            size_t n = next_term(p);
            char *term = trim(&sel->mem, p, n);
            if (term[0]) {
                k8s_requirement r;
                if (!parse_label_term(sel, term, &r, err)) {
                    VEC_FREE(&reqs);
                    return false;
                }
                VEC_PUSH(&reqs, r);
            }
            p += n;
            if (*p == ',') p++;
        }
        sel->nlabels = (uint32_t)reqs.len;
        if (reqs.len) {
            sel->labels = arena_alloc(&sel->mem, reqs.len * sizeof(*sel->labels));
            memcpy(sel->labels, reqs.items, reqs.len * sizeof(*sel->labels));
        }
        VEC_FREE(&reqs);
    }
    if (field_selector && *field_selector && !parse_fields(sel, res, field_selector, err))
        return false;
    return true;
}

void sl_selector_free(sl_selector *sel) {
    if (!sel) return;
    arena_free(&sel->mem);
    memset(sel, 0, sizeof(*sel));
}

bool sl_selector_empty(const sl_selector *sel) {
    return !sel || (!sel->nlabels && !sel->nfields);
}

/* labels of an object as a k8s_map (typed views have them decoded; others
 * are read from JSON into a small sorted array). */
static bool labels_match_json(const sl_selector *sel, const json_t *obj) {
    const json_t *labels = json_object_get(json_object_get(obj, "metadata"), "labels");
    size_t n = json_is_object(labels) ? json_object_size(labels) : 0;
    k8s_kv stack[32];
    k8s_kv *items = n <= 32 ? stack : xmalloc(n * sizeof(k8s_kv));
    size_t m = 0;
    const char *k;
    json_t *v;
    if (n) json_object_foreach((json_t *)labels, k, v) {
        if (!json_is_string(v)) continue;
        size_t at = m++;
        /* insertion sort: label maps are small */
        while (at > 0 && strcmp(items[at - 1].key, k) > 0) {
            items[at] = items[at - 1];
            at--;
        }
        items[at].key = k;
        items[at].value = json_string_value(v);
    }
    k8s_map map = {items, (uint32_t)m};
    bool ok = true;
    for (uint32_t i = 0; i < sel->nlabels && ok; i++) ok = k8s_requirement_matches(&sel->labels[i], &map);
    if (items != stack) free(items);
    return ok;
}

bool sl_selector_matches(const sl_selector *sel, const sl_object *o) {
    if (sl_selector_empty(sel)) return true;
    char buf[256];
    for (uint32_t i = 0; i < sel->nfields; i++) {
        const sl_field_requirement *r = &sel->fields[i];
        const char *v;
        if (o->typed && o->res->id == SL_RES_PODS && !strcmp(r->field, "spec.nodeName"))
            v = ((const k8s_pod *)o->typed)->node_name; /* the kubelet's and the scheduler's selector */
        else
            v = sl_field_value(sel->res ? sel->res : o->res, o->json, r->field, buf, sizeof(buf));
        if (!v) v = "";
        bool eq = strcmp(v, r->value) == 0;
        if (eq != (r->op == SL_FIELD_EQ)) return false;
    }
    if (!sel->nlabels) return true;
    const k8s_map *labels = NULL;
    if (o->typed && o->res->id == SL_RES_PODS) labels = &((k8s_pod *)o->typed)->labels;
    else if (o->typed && o->res->id == SL_RES_NODES) labels = &((k8s_node *)o->typed)->labels;
    else if (o->typed && o->res->id == SL_RES_NAMESPACES) labels = &((k8s_namespace *)o->typed)->labels;
    if (!labels) return labels_match_json(sel, o->json);
    for (uint32_t i = 0; i < sel->nlabels; i++)
        if (!k8s_requirement_matches(&sel->labels[i], labels)) return false;
    return true;
}
