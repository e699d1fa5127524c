/*
 * selector.c — label requirements, label selectors, node selectors and node
 * affinity, pod (anti-)affinity terms, taints and tolerations: decoding
 * (with the API server's validation messages where a field is malformed) and
 * matching with upstream's exact rules:
 *
 *   - labels.Requirement: In / Exists need the key; NotIn and DoesNotExist
 *     match when the key is absent; Gt / Lt need the key and an integer
 *     label value (parse failure = no match).
 *   - A node-selector requirement that labels.NewRequirement rejects but the
 *     API accepts (Gt/Lt value not an integer; In/NotIn value not a valid
 *     label value) makes the term that holds it match nothing (upstream's
 *     nodeaffinity helper skips terms with parse errors). We keep such a
 *     requirement with `invalid` set, which k8s_requirement_matches treats
 *     as "matches nothing". Keys, and values in a metav1.LabelSelector, are
 *     validated by the API server: invalid ones are decode errors here.
 *   - metav1.LabelSelector: nil matches nothing, {} matches everything.
 *   - NodeSelectorTerm: an empty term matches nothing; matchFields supports
 *     metadata.name only (as the API server validates).
 *   - Toleration: empty effect matches every effect, empty key (operator
 *     Exists) every key, Equal compares values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s_internal.h"

/* ------------------------------------------------------------------ */
/* Matching                                                             */
/* ------------------------------------------------------------------ */

static bool values_contain(const k8s_requirement *req, const char *value) {
    uint32_t lo = 0, hi = req->nvalues;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(req->values[mid], value);
        if (c == 0) return true;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return false;
}

/* strconv.ParseInt(s, 10, 64). */
static bool parse_int64(const char *s, int64_t *out) {
    const char *p = s + (*s == '+' || *s == '-');
    if (!*p) return false;
    for (const char *c = p; *c; c++)
        if (*c < '0' || *c > '9') return false;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE) return false;
    *out = v;
    return true;
}

static bool requirement_matches_value(const k8s_requirement *req, const char *value) {
    if (req->invalid) return false;
    switch (req->op) {
    case K8S_OP_IN: return value && values_contain(req, value);
    case K8S_OP_NOT_IN: return !value || !values_contain(req, value);
    case K8S_OP_EXISTS: return value != NULL;
    case K8S_OP_DOES_NOT_EXIST: return value == NULL;
    case K8S_OP_GT:
    case K8S_OP_LT: {
        int64_t v;
        if (!value || req->nvalues != 1 || !parse_int64(value, &v)) return false;
        return req->op == K8S_OP_GT ? v > req->number : v < req->number;
    }
    }
    return false;
}

bool k8s_requirement_matches(const k8s_requirement *req, const k8s_map *labels) {
    return requirement_matches_value(req, k8s_map_get(labels, req->key));
}

bool k8s_label_selector_matches(const k8s_label_selector *sel, const k8s_map *labels) {
    if (!sel->present) return false;
    for (uint32_t i = 0; i < sel->nreqs; i++)
        if (!k8s_requirement_matches(&sel->reqs[i], labels)) return false;
    return true;
}

bool k8s_node_selector_term_matches(const k8s_node_selector_term *term, const k8s_node *node) {
    if (term->nexprs == 0 && term->nfields == 0) return false;
    for (uint32_t i = 0; i < term->nexprs; i++)
        if (!k8s_requirement_matches(&term->match_expressions[i], &node->labels)) return false;
    for (uint32_t i = 0; i < term->nfields; i++) {
        const k8s_requirement *req = &term->match_fields[i];
        const char *value = !strcmp(req->key, "metadata.name") ? node->name : NULL;
        if (!requirement_matches_value(req, value)) return false;
    }
    return true;
}

bool k8s_node_selector_matches(const k8s_node_selector *sel, const k8s_node *node) {
    for (uint32_t i = 0; i < sel->nterms; i++)
        if (k8s_node_selector_term_matches(&sel->terms[i], node)) return true;
    return false;
}

bool k8s_pod_matches_node_selector_and_affinity(const k8s_pod *pod, const k8s_node *node) {
    for (uint32_t i = 0; i < pod->node_selector.len; i++) {
        const char *value = k8s_map_get(&node->labels, pod->node_selector.items[i].key);
        if (!value || strcmp(value, pod->node_selector.items[i].value) != 0) return false;
    }
    if (pod->node_affinity && pod->node_affinity->has_required)
        return k8s_node_selector_matches(&pod->node_affinity->required, node);
    return true;
}

bool k8s_toleration_tolerates(const k8s_toleration *tol, const k8s_taint *taint) {
    if (tol->effect != K8S_EFFECT_ALL && tol->effect != taint->effect) return false;
    if (tol->key[0] && strcmp(tol->key, taint->key) != 0) return false;
    if (tol->op_exists) return true;
    return !strcmp(tol->value, taint->value);
}

bool k8s_tolerations_tolerate(const k8s_toleration *tols, uint32_t n, const k8s_taint *taint) {
    for (uint32_t i = 0; i < n; i++)
        if (k8s_toleration_tolerates(&tols[i], taint)) return true;
    return false;
}

const char *k8s_taint_effect_name(k8s_taint_effect effect) {
    switch (effect) {
    case K8S_EFFECT_NO_SCHEDULE: return "NoSchedule";
    case K8S_EFFECT_PREFER_NO_SCHEDULE: return "PreferNoSchedule";
    case K8S_EFFECT_NO_EXECUTE: return "NoExecute";
    case K8S_EFFECT_ALL: break;
    }
    return "";
}

/* ------------------------------------------------------------------ */
/* Decoding                                                             */
/* ------------------------------------------------------------------ */

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] of at most max chars (0 = any). */
static bool label_name_syntax(const char *s, size_t len, size_t max) {
    if (len == 0 || (max && len > max)) return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && ((i == 0 || i == len - 1) || (c != '-' && c != '_' && c != '.')))
            return false;
    }
    return true;
}

/* IsDNS1123Subdomain: <= 253, dot-separated [a-z0-9]([-a-z0-9]*[a-z0-9])?. */
static bool dns1123_subdomain(const char *s, size_t len) {
    if (len == 0 || len > 253) return false;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
            continue;
        }
        if (i == start || s[start] == '-' || s[i - 1] == '-') return false;
        start = i + 1;
    }
    return true;
}

bool k8s_valid_label_value(const char *value) {
    size_t len = strlen(value);
    return len == 0 || label_name_syntax(value, len, 63);
}

bool k8s_valid_qualified_name(const char *key) {
    const char *slash = strchr(key, '/');
    if (!slash) return label_name_syntax(key, strlen(key), 63);
    if (strchr(slash + 1, '/')) return false;
    return dns1123_subdomain(key, (size_t)(slash - key)) &&
           label_name_syntax(slash + 1, strlen(slash + 1), 63);
}

static bool check_label_key(k8s_decoder *d, const char *path, const char *key) {
    if (k8s_valid_qualified_name(key)) return true;
    return k8s_fail(d, path,
                    "Invalid value: \"%s\": name part must consist of alphanumeric characters, "
                    "'-', '_' or '.', and must start and end with an alphanumeric character "
                    "(at most 63 characters), with an optional DNS subdomain prefix and '/' "
                    "(e.g. 'example.com/MyName')",
                    key);
}

static bool check_label_value(k8s_decoder *d, const char *path, const char *value) {
    if (k8s_valid_label_value(value)) return true;
    return k8s_fail(d, path,
                    "Invalid value: \"%s\": a valid label must be an empty string or consist of "
                    "alphanumeric characters, '-', '_' or '.', and must start and end with an "
                    "alphanumeric character (at most 63 characters)",
                    value);
}

static int string_compare(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef enum requirement_kind {
    REQ_LABEL_SELECTOR,   /* metav1.LabelSelectorRequirement */
    REQ_NODE_EXPRESSION,  /* NodeSelectorRequirement in matchExpressions */
    REQ_NODE_FIELD,       /* NodeSelectorRequirement in matchFields */
} requirement_kind;

static bool decode_requirement(k8s_decoder *d, const json_t *v, const char *path,
                               requirement_kind kind, k8s_requirement *out) {
    char p[K8S_PATH_MAX];
    const char *op = NULL;
    const json_t *values;
    memset(out, 0, sizeof(*out));
    if (!json_is_object(v))
        return k8s_fail(d, path, "must be an object, got %s", k8s_json_type_name(v));
    if (!k8s_get_string(d, v, "key", path, "", &out->key)) return false;
    if (!out->key[0]) return k8s_fail(d, k8s_path_field(p, path, "key"), "Required value");
    if (!k8s_get_string(d, v, "operator", path, "", &op)) return false;
    if (!k8s_get_array(d, v, "values", path, &values)) return false;
    if (!k8s_decode_string_array(d, values, k8s_path_field(p, path, "values"), &out->nvalues,
                                 &out->values))
        return false;
    if (!strcmp(op, "In")) out->op = K8S_OP_IN;
    else if (!strcmp(op, "NotIn")) out->op = K8S_OP_NOT_IN;
    else if (!strcmp(op, "Exists") && kind != REQ_NODE_FIELD) out->op = K8S_OP_EXISTS;
    else if (!strcmp(op, "DoesNotExist") && kind != REQ_NODE_FIELD) out->op = K8S_OP_DOES_NOT_EXIST;
    else if (!strcmp(op, "Gt") && kind == REQ_NODE_EXPRESSION) out->op = K8S_OP_GT;
    else if (!strcmp(op, "Lt") && kind == REQ_NODE_EXPRESSION) out->op = K8S_OP_LT;
    else {
        const char *supported = kind == REQ_LABEL_SELECTOR
                                    ? "\"In\", \"NotIn\", \"Exists\", \"DoesNotExist\""
                                : kind == REQ_NODE_EXPRESSION
                                    ? "\"In\", \"NotIn\", \"Exists\", \"DoesNotExist\", \"Gt\", \"Lt\""
                                    : "\"In\", \"NotIn\"";
        return k8s_fail(d, k8s_path_field(p, path, "operator"),
                        "Unsupported value: \"%s\": supported values: %s", op, supported);
    }
    k8s_path_field(p, path, "values");
    switch (out->op) {
    case K8S_OP_IN:
    case K8S_OP_NOT_IN:
        if (out->nvalues == 0)
            return k8s_fail(d, p, "Required value: must be specified when `operator` is 'In' or 'NotIn'");
        if (kind == REQ_NODE_FIELD && out->nvalues != 1)
            return k8s_fail(d, p, "Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector");
        break;
    case K8S_OP_EXISTS:
    case K8S_OP_DOES_NOT_EXIST:
        if (out->nvalues != 0)
            return k8s_fail(d, p, "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
        break;
    case K8S_OP_GT:
    case K8S_OP_LT:
        if (out->nvalues != 1)
            return k8s_fail(d, p, "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'");
        /* Not an integer: the API accepts it but the term never matches. */
        if (!parse_int64(out->values[0], &out->number)) {
            out->nvalues = 0;
            out->invalid = true;
        }
        break;
    }
    if (kind == REQ_NODE_FIELD && strcmp(out->key, "metadata.name") != 0)
        return k8s_fail(d, k8s_path_field(p, path, "key"),
                        "Invalid value: \"%s\": not a valid field selector key (only metadata.name)",
                        out->key);
    /* Keys: the API server validates them (ValidateLabelName). Values: it
     * validates them in a LabelSelector, not in a NodeSelectorRequirement,
     * where labels.NewRequirement's rejection makes the term match nothing
     * (component-helpers nodeaffinity: a term with parse errors is skipped).
     * matchFields values are field-selector values: not label values. */
    if (kind != REQ_NODE_FIELD && !check_label_key(d, k8s_path_field(p, path, "key"), out->key))
        return false;
    if (kind == REQ_LABEL_SELECTOR) {
        char vp[K8S_PATH_MAX];
        k8s_path_field(p, path, "values");
        for (uint32_t i = 0; i < out->nvalues; i++)
            if (!check_label_value(d, k8s_path_index(vp, p, i), out->values[i])) return false;
    } else if (kind == REQ_NODE_EXPRESSION && (out->op == K8S_OP_IN || out->op == K8S_OP_NOT_IN)) {
        for (uint32_t i = 0; i < out->nvalues; i++)
            if (!k8s_valid_label_value(out->values[i])) out->invalid = true;
    }
    if (out->nvalues > 1) qsort(out->values, out->nvalues, sizeof(char *), string_compare);
    return true;
}

static bool decode_requirement_list(k8s_decoder *d, const json_t *obj, const char *key,
                                    const char *path, requirement_kind kind, uint32_t extra,
                                    uint32_t *n, k8s_requirement **out) {
    const json_t *list;
    char p[K8S_PATH_MAX], ip[K8S_PATH_MAX];
    *n = 0;
    *out = NULL;
    if (!k8s_get_array(d, obj, key, path, &list)) return false;
    size_t count = list ? json_array_size(list) : 0;
    if (count + extra == 0) return true;
    *out = arena_zalloc(d->mem, (count + extra) * sizeof(k8s_requirement));
    k8s_path_field(p, path, key);
    for (size_t i = 0; i < count; i++) {
        if (!decode_requirement(d, json_array_get(list, i), k8s_path_index(ip, p, i), kind,
                                &(*out)[extra + i]))
            return false;
    }
    *n = (uint32_t)count;
    return true;
}

bool k8s_decode_label_selector(k8s_decoder *d, const json_t *v, const char *path,
                               k8s_label_selector *out) {
    char p[K8S_PATH_MAX];
    memset(out, 0, sizeof(*out));
    if (!v || json_is_null(v)) return true;
    if (!json_is_object(v))
        return k8s_fail(d, path, "must be an object, got %s", k8s_json_type_name(v));
    out->present = true;
    k8s_map labels;
    if (!k8s_decode_string_map(d, json_object_get(v, "matchLabels"),
                               k8s_path_field(p, path, "matchLabels"), &labels))
        return false;
    uint32_t nexprs;
    k8s_requirement *reqs;
    /* Room for matchLabels in front of the expressions. */
    if (!decode_requirement_list(d, v, "matchExpressions", path, REQ_LABEL_SELECTOR, labels.len,
                                 &nexprs, &reqs))
        return false;
    for (uint32_t i = 0; i < labels.len; i++) {
        char kp[K8S_PATH_MAX];
        k8s_path_field(p, path, "matchLabels");
        if (!check_label_key(d, p, labels.items[i].key) ||
            !check_label_value(d, k8s_path_field(kp, p, labels.items[i].key), labels.items[i].value))
            return false;
    }
    for (uint32_t i = 0; i < labels.len; i++) {
        k8s_requirement *r = &reqs[i];
        r->key = labels.items[i].key;
        r->op = K8S_OP_IN;
        r->nvalues = 1;
        r->values = arena_alloc(d->mem, sizeof(char *));
        r->values[0] = labels.items[i].value;
    }
    out->nreqs = labels.len + nexprs;
    out->reqs = reqs;
    return true;
}

bool k8s_label_selector_decode(const json_t *obj, arena *mem, const char *path,
                               k8s_label_selector *out, char *err, size_t errsize) {
    k8s_decoder d = {mem, err, errsize};
    return k8s_decode_label_selector(&d, obj, path, out);
}

static bool decode_node_selector_term(k8s_decoder *d, const json_t *v, const char *path,
                                      k8s_node_selector_term *out) {
    memset(out, 0, sizeof(*out));
    if (!v || json_is_null(v)) return true;
    if (!json_is_object(v))
        return k8s_fail(d, path, "must be an object, got %s", k8s_json_type_name(v));
    return decode_requirement_list(d, v, "matchExpressions", path, REQ_NODE_EXPRESSION, 0,
                                   &out->nexprs, &out->match_expressions) &&
           decode_requirement_list(d, v, "matchFields", path, REQ_NODE_FIELD, 0, &out->nfields,
                                   &out->match_fields);
}

bool k8s_node_selector_term_decode(const json_t *obj, arena *mem, const char *path,
                                   k8s_node_selector_term *out, char *err, size_t errsize) {
    k8s_decoder d = {mem, err, errsize};
    return decode_node_selector_term(&d, obj, path, out);
}

static bool decode_node_selector(k8s_decoder *d, const json_t *v, const char *path,
                                 k8s_node_selector *out) {
    char p[K8S_PATH_MAX], ip[K8S_PATH_MAX];
    const json_t *terms;
    memset(out, 0, sizeof(*out));
    if (!json_is_object(v))
        return k8s_fail(d, path, "must be an object, got %s", k8s_json_type_name(v));
    if (!k8s_get_array(d, v, "nodeSelectorTerms", path, &terms)) return false;
    k8s_path_field(p, path, "nodeSelectorTerms");
    size_t n = terms ? json_array_size(terms) : 0;
    if (n == 0) return k8s_fail(d, p, "Required value: must have at least one node selector term");
    out->terms = arena_zalloc(d->mem, n * sizeof(k8s_node_selector_term));
    for (size_t i = 0; i < n; i++)
        if (!decode_node_selector_term(d, json_array_get(terms, i), k8s_path_index(ip, p, i),
                                       &out->terms[i]))
            return false;
    out->nterms = (uint32_t)n;
    return true;
}

static bool decode_weight(k8s_decoder *d, const json_t *obj, const char *path, int32_t *out) {
    char p[K8S_PATH_MAX];
    if (!k8s_get_int32(d, obj, "weight", path, NULL, out)) return false;
    if (*out < 1 || *out > 100)
        return k8s_fail(d, k8s_path_field(p, path, "weight"),
                        "Invalid value: %d: must be in the range 1-100", *out);
    return true;
}

bool k8s_decode_node_affinity(k8s_decoder *d, const json_t *v, const char *path,
                              k8s_node_affinity *out) {
    char p[K8S_PATH_MAX], ip[K8S_PATH_MAX], tp[K8S_PATH_MAX];
    const json_t *required, *preferred;
    memset(out, 0, sizeof(*out));
    if (!v || json_is_null(v)) return true;
    if (!json_is_object(v))
        return k8s_fail(d, path, "must be an object, got %s", k8s_json_type_name(v));
    if (!k8s_get_object(d, v, "requiredDuringSchedulingIgnoredDuringExecution", path, &required))
        return false;
    if (required) {
        out->has_required = true;
        if (!decode_node_selector(d, required,
                                  k8s_path_field(p, path, "requiredDuringSchedulingIgnoredDuringExecution"),
                                  &out->required))
            return false;
    }
    if (!k8s_get_array(d, v, "preferredDuringSchedulingIgnoredDuringExecution", path, &preferred))
        return false;
    size_t n = preferred ? json_array_size(preferred) : 0;
    if (!n) return true;
    k8s_path_field(p, path, "preferredDuringSchedulingIgnoredDuringExecution");
    out->preferred = arena_zalloc(d->mem, n * sizeof(k8s_preferred_scheduling_term));
    for (size_t i = 0; i < n; i++) {
        const json_t *item;
        if (!k8s_list_object(d, preferred, i, p, ip, &item)) return false;
        if (!decode_weight(d, item, ip, &out->preferred[i].weight)) return false;
        const json_t *pref;
        if (!k8s_get_object(d, item, "preference", ip, &pref)) return false;
        if (!decode_node_selector_term(d, pref, k8s_path_field(tp, ip, "preference"),
                                       &out->preferred[i].preference))
            return false;
    }
    out->npreferred = (uint32_t)n;
    return true;
}

bool k8s_node_affinity_decode(const json_t *obj, arena *mem, const char *path,
                              k8s_node_affinity *out, char *err, size_t errsize) {
    k8s_decoder d = {mem, err, errsize};
    return k8s_decode_node_affinity(&d, obj, path, out);
}

static bool decode_pod_affinity_term(k8s_decoder *d, const json_t *v, const char *path,
                                     k8s_pod_affinity_term *out) {
    char p[K8S_PATH_MAX];
    const json_t *field;
    memset(out, 0, sizeof(*out));
    if (!json_is_object(v))
        return k8s_fail(d, path, "must be an object, got %s", k8s_json_type_name(v));
    if (!k8s_decode_label_selector(d, json_object_get(v, "labelSelector"),
                                   k8s_path_field(p, path, "labelSelector"), &out->label_selector))
        return false;
    if (!k8s_get_array(d, v, "namespaces", path, &field) ||
        !k8s_decode_string_array(d, field, k8s_path_field(p, path, "namespaces"),
                                 &out->nnamespaces, &out->namespaces))
        return false;
    if (!k8s_decode_label_selector(d, json_object_get(v, "namespaceSelector"),
                                   k8s_path_field(p, path, "namespaceSelector"),
                                   &out->namespace_selector))
        return false;
    if (!k8s_get_string(d, v, "topologyKey", path, "", &out->topology_key)) return false;
    if (!out->topology_key[0])
        return k8s_fail(d, k8s_path_field(p, path, "topologyKey"), "Required value: can not be empty");
    if (!k8s_get_array(d, v, "matchLabelKeys", path, &field) ||
        !k8s_decode_string_array(d, field, k8s_path_field(p, path, "matchLabelKeys"),
                                 &out->nmatch_label_keys, &out->match_label_keys))
        return false;
    if (!k8s_get_array(d, v, "mismatchLabelKeys", path, &field) ||
        !k8s_decode_string_array(d, field, k8s_path_field(p, path, "mismatchLabelKeys"),
                                 &out->nmismatch_label_keys, &out->mismatch_label_keys))
        return false;
    return true;
}

bool k8s_decode_pod_affinity(k8s_decoder *d, const json_t *v, const char *path,
                             k8s_pod_affinity *out) {
    char p[K8S_PATH_MAX], ip[K8S_PATH_MAX], tp[K8S_PATH_MAX];
    const json_t *list;
    memset(out, 0, sizeof(*out));
    if (!json_is_object(v))
        return k8s_fail(d, path, "must be an object, got %s", k8s_json_type_name(v));
    if (!k8s_get_array(d, v, "requiredDuringSchedulingIgnoredDuringExecution", path, &list))
        return false;
    size_t n = list ? json_array_size(list) : 0;
    if (n) {
        k8s_path_field(p, path, "requiredDuringSchedulingIgnoredDuringExecution");
        out->required = arena_zalloc(d->mem, n * sizeof(k8s_pod_affinity_term));
        for (size_t i = 0; i < n; i++)
            if (!decode_pod_affinity_term(d, json_array_get(list, i), k8s_path_index(ip, p, i),
                                          &out->required[i]))
                return false;
        out->nrequired = (uint32_t)n;
    }
    if (!k8s_get_array(d, v, "preferredDuringSchedulingIgnoredDuringExecution", path, &list))
        return false;
    n = list ? json_array_size(list) : 0;
    if (n) {
        k8s_path_field(p, path, "preferredDuringSchedulingIgnoredDuringExecution");
        out->preferred = arena_zalloc(d->mem, n * sizeof(k8s_weighted_pod_affinity_term));
        for (size_t i = 0; i < n; i++) {
            const json_t *item;
            if (!k8s_list_object(d, list, i, p, ip, &item)) return false;
            if (!decode_weight(d, item, ip, &out->preferred[i].weight)) return false;
            const json_t *term;
            if (!k8s_get_object(d, item, "podAffinityTerm", ip, &term)) return false;
            if (!term)
                return k8s_fail(d, k8s_path_field(tp, ip, "podAffinityTerm"), "Required value");
            if (!decode_pod_affinity_term(d, term, k8s_path_field(tp, ip, "podAffinityTerm"),
                                          &out->preferred[i].term))
                return false;
        }
        out->npreferred = (uint32_t)n;
    }
    return true;
}

static bool decode_effect(k8s_decoder *d, const json_t *obj, const char *path, bool allow_empty,
                          k8s_taint_effect *out) {
    const char *effect;
    char p[K8S_PATH_MAX];
    if (!k8s_get_string(d, obj, "effect", path, "", &effect)) return false;
    if (!effect[0] && allow_empty) *out = K8S_EFFECT_ALL;
    else if (!strcmp(effect, "NoSchedule")) *out = K8S_EFFECT_NO_SCHEDULE;
    else if (!strcmp(effect, "PreferNoSchedule")) *out = K8S_EFFECT_PREFER_NO_SCHEDULE;
    else if (!strcmp(effect, "NoExecute")) *out = K8S_EFFECT_NO_EXECUTE;
    else if (!effect[0]) return k8s_fail(d, k8s_path_field(p, path, "effect"), "Required value");
    else
        return k8s_fail(d, k8s_path_field(p, path, "effect"),
                        "Unsupported value: \"%s\": supported values: \"NoSchedule\", "
                        "\"PreferNoSchedule\", \"NoExecute\"",
                        effect);
    return true;
}

bool k8s_decode_tolerations(k8s_decoder *d, const json_t *v, const char *path, uint32_t *n,
                            k8s_toleration **out) {
    char ip[K8S_PATH_MAX], p[K8S_PATH_MAX];
    *n = 0;
    *out = NULL;
    size_t count;
    if (!k8s_list_length(d, v, path, &count)) return false;
    if (!count) return true;
    k8s_toleration *tols = arena_zalloc(d->mem, count * sizeof(*tols));
    for (size_t i = 0; i < count; i++) {
        const json_t *item;
        k8s_toleration *t = &tols[i];
        const char *op;
        if (!k8s_list_object(d, v, i, path, ip, &item)) return false;
        if (!k8s_get_string(d, item, "key", ip, "", &t->key) ||
            !k8s_get_string(d, item, "operator", ip, "", &op) ||
            !k8s_get_string(d, item, "value", ip, "", &t->value) ||
            !decode_effect(d, item, ip, true, &t->effect) ||
            !k8s_get_int64(d, item, "tolerationSeconds", ip, &t->has_seconds, &t->seconds))
            return false;
        if (!strcmp(op, "Exists")) t->op_exists = true;
        else if (op[0] && strcmp(op, "Equal") != 0)
            return k8s_fail(d, k8s_path_field(p, ip, "operator"),
                            "Unsupported value: \"%s\": supported values: \"Equal\", \"Exists\"", op);
        if (!t->key[0] && !t->op_exists)
            return k8s_fail(d, k8s_path_field(p, ip, "operator"),
                            "Invalid value: \"%s\": operator must be Exists when `key` is empty, "
                            "which means \"match all values and all keys\"",
                            op);
        if (t->op_exists && t->value[0])
            return k8s_fail(d, k8s_path_field(p, ip, "operator"),
                            "Invalid value: \"Exists\": value must be empty when `operator` is 'Exists'");
    }
    *n = (uint32_t)count;
    *out = tols;
    return true;
}

bool k8s_decode_taints(k8s_decoder *d, const json_t *v, const char *path, uint32_t *n,
                       k8s_taint **out) {
    char ip[K8S_PATH_MAX], p[K8S_PATH_MAX];
    *n = 0;
    *out = NULL;
    size_t count;
    if (!k8s_list_length(d, v, path, &count)) return false;
    if (!count) return true;
    k8s_taint *taints = arena_zalloc(d->mem, count * sizeof(*taints));
    for (size_t i = 0; i < count; i++) {
        const json_t *item;
        if (!k8s_list_object(d, v, i, path, ip, &item)) return false;
        if (!k8s_get_string(d, item, "key", ip, "", &taints[i].key) ||
            !k8s_get_string(d, item, "value", ip, "", &taints[i].value) ||
            !decode_effect(d, item, ip, false, &taints[i].effect))
            return false;
        if (!taints[i].key[0]) return k8s_fail(d, k8s_path_field(p, ip, "key"), "Required value");
    }
    *n = (uint32_t)count;
    *out = taints;
    return true;
}
