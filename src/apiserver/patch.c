/*
 * patch.c — the three PATCH flavours kubectl and client libraries send
 * (kube-api.md §3): JSON merge patch (RFC 7386), Kubernetes strategic merge
 * patch, JSON patch (RFC 6902).
 *
 * Strategic merge patch = merge patch, except lists with a merge strategy
 * merge element by element on their merge key (the patchMergeKey tags of
 * core/v1 types.go: containers by name, ports by containerPort, conditions
 * by type, ...), and the directives kubectl apply sends: `$patch: delete`
 * (list element or map), `$patch: replace`, `$deleteFromPrimitiveList/<k>`,
 * `$setElementOrder/<k>` (reorders the merged list), `$retainKeys`. The
 * merge-key table is here (by field name, with the parent disambiguating
 * `ports`); the strict helper's OpenAPI-derived table (k8s_schema_patch_info)
 * can replace it when merged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver/apiserver_internal.h"

json_t *sl_merge_patch(const json_t *target, const json_t *patch) {
    if (!json_is_object(patch)) return json_deep_copy(patch);
    json_t *out = json_is_object(target) ? json_deep_copy(target) : json_object();
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)patch, key, value) {
        if (json_is_null(value)) {
            json_object_del(out, key);
        } else {
            json_t *merged = sl_merge_patch(json_object_get(out, key), value);
            json_object_set_new(out, key, merged);
        }
    }
    return out;
}

/* ---- strategic merge patch ---- */

typedef enum list_strategy { LIST_REPLACE, LIST_MERGE_KEY, LIST_MERGE_PRIMITIVE } list_strategy;

static list_strategy list_info(const char *parent, const char *field, const char **merge_key) {
    static const struct { const char *field, *key; } keyed[] = {
        {"containers", "name"}, {"initContainers", "name"}, {"ephemeralContainers", "name"},
        {"imagePullSecrets", "name"}, {"volumes", "name"}, {"env", "name"},
        {"volumeMounts", "mountPath"}, {"volumeDevices", "devicePath"}, {"conditions", "type"},
        {"addresses", "type"}, {"hostAliases", "ip"}, {"topologySpreadConstraints", "topologyKey"},
        {"podIPs", "ip"}, {"ownerReferences", "uid"}, {"resourceClaims", "name"},
        {"schedulingGates", "name"}, {"readinessGates", "conditionType"},
    };
    if (!strcmp(field, "finalizers") || !strcmp(field, "podCIDRs")) return LIST_MERGE_PRIMITIVE;
    if (!strcmp(field, "ports")) {
        *merge_key = parent && !strcmp(parent, "containers") ? "containerPort" : "port";
        if (parent && (!strcmp(parent, "initContainers") || !strcmp(parent, "ephemeralContainers")))
            *merge_key = "containerPort";
        return LIST_MERGE_KEY;
    }
    for (size_t i = 0; i < ARRAY_LEN(keyed); i++)
        if (!strcmp(keyed[i].field, field)) {
            *merge_key = keyed[i].key;
            return LIST_MERGE_KEY;
        }
    return LIST_REPLACE;
}

static bool key_equal(const json_t *a, const json_t *b) { return a && b && json_equal(a, b); }

static json_t *smp_object(const json_t *target, const json_t *patch, const char *parent,
                          char *err, size_t errsize);

static json_t *find_keyed(json_t *list, const char *key, const json_t *value, size_t *index) {
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item) {
        if (key_equal(json_object_get(item, key), value)) {
            if (index) *index = i;
            return item;
        }
    }
    return NULL;
}

static json_t *smp_list(const json_t *target, const json_t *patch, const char *field,
                        const char *parent, const json_t *order, char *err, size_t errsize) {
    const char *merge_key = NULL;
    list_strategy st = list_info(parent, field, &merge_key);
    if (st == LIST_REPLACE || !json_is_array(target)) {
        /* strip directives from a wholesale replacement */
        json_t *out = json_array();
        size_t i;
        json_t *item;
        json_array_foreach((json_t *)patch, i, item) {
            if (json_is_object(item) && json_object_get(item, "$patch")) continue;
            json_array_append_new(out, json_is_object(item) ? smp_object(NULL, item, field, err, errsize) : json_deep_copy(item));
        }
        return out;
    }
    json_t *out = json_deep_copy(target);
    size_t i;
    json_t *item;
    if (st == LIST_MERGE_PRIMITIVE) {
        json_array_foreach((json_t *)patch, i, item) {
            bool present = false;
            size_t j;
            json_t *have;
            json_array_foreach(out, j, have) if (json_equal(have, item)) present = true;
            if (!present) json_array_append(out, item);
        }
        return out;
    }
    /* $patch: replace as a list element replaces the whole list */
    json_array_foreach((json_t *)patch, i, item) {
        const char *directive = json_string_value(json_object_get(item, "$patch"));
        if (directive && !strcmp(directive, "replace")) {
            json_decref(out);
            out = json_array();
            size_t j;
            json_t *it;
            json_array_foreach((json_t *)patch, j, it)
                if (!json_object_get(it, "$patch")) json_array_append_new(out, json_deep_copy(it));
            return out;
        }
    }
    json_array_foreach((json_t *)patch, i, item) {
        if (!json_is_object(item)) {
            snprintf(err, errsize, "%s: expected a list of objects (merge key %s)", field, merge_key);
            json_decref(out);
            return NULL;
        }
        const json_t *kv = json_object_get(item, merge_key);
        const char *directive = json_string_value(json_object_get(item, "$patch"));
        size_t at = 0;
        json_t *existing = kv ? find_keyed(out, merge_key, kv, &at) : NULL;
        if (directive && !strcmp(directive, "delete")) {
            if (existing) json_array_remove(out, at);
            continue;
        }
        if (!kv) {
            snprintf(err, errsize, "%s: map in a merging list lacks the merge key %s", field, merge_key);
            json_decref(out);
            return NULL;
        }
        json_t *merged = smp_object(existing, item, field, err, errsize);
        if (!merged) {
            json_decref(out);
            return NULL;
        }
        if (existing) json_array_set_new(out, at, merged);
        else json_array_append_new(out, merged);
    }
    if (json_is_array(order)) {
        /* $setElementOrder: listed elements first in that order, then the rest */
        json_t *sorted = json_array();
        json_array_foreach((json_t *)order, i, item) {
            size_t at;
            json_t *el = find_keyed(out, merge_key, json_object_get(item, merge_key), &at);
            if (el) {
                json_array_append(sorted, el);
                json_array_remove(out, at);
            }
        }
        json_array_extend(sorted, out);
        json_decref(out);
        out = sorted;
    }
    return out;
}

static json_t *smp_object(const json_t *target, const json_t *patch, const char *parent,
                          char *err, size_t errsize) {
    if (!json_is_object(patch)) return json_deep_copy(patch);
    const char *directive = json_string_value(json_object_get(patch, "$patch"));
    if (directive && !strcmp(directive, "replace")) {
        json_t *out = json_deep_copy(patch);
        json_object_del(out, "$patch");
        return out;
    }
    if (directive && !strcmp(directive, "delete")) return NULL; /* caller removes */
    json_t *out = json_is_object(target) ? json_deep_copy(target) : json_object();
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)patch, key, value) {
        if (key[0] != '$') continue;
        if (!strncmp(key, "$deleteFromPrimitiveList/", 25)) {
            json_t *list = json_object_get(out, key + 25);
            size_t i;
            json_t *del;
            json_array_foreach(value, i, del) {
                for (size_t j = json_array_size(list); j-- > 0;)
                    if (json_equal(json_array_get(list, j), del)) json_array_remove(list, j);
            }
        }
    }
    json_object_foreach((json_t *)patch, key, value) {
        if (key[0] == '$') continue;
        if (json_is_null(value)) {
            json_object_del(out, key);
            continue;
        }
        json_t *cur = json_object_get(out, key);
        json_t *merged;
        if (json_is_array(value)) {
            char order_key[256];
            snprintf(order_key, sizeof order_key, "$setElementOrder/%s", key);
            merged = smp_list(cur, value, key, parent, json_object_get(patch, order_key), err, errsize);
            if (!merged) {
                json_decref(out);
                return NULL;
            }
        } else if (json_is_object(value)) {
            const char *d = json_string_value(json_object_get(value, "$patch"));
            if (d && !strcmp(d, "delete")) {
                json_object_del(out, key);
                continue;
            }
            merged = smp_object(cur, value, key, err, errsize);
            if (!merged) {
                json_decref(out);
                return NULL;
            }
        } else {
            merged = json_deep_copy(value);
        }
        json_object_set_new(out, key, merged);
    }
    json_t *retain = json_object_get(patch, "$retainKeys");
    if (json_is_array(retain)) {
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(out, tmp, k, v) {
            bool keep = false;
            size_t i;
            json_t *r;
            json_array_foreach(retain, i, r) if (json_is_string(r) && !strcmp(json_string_value(r), k)) keep = true;
            if (!keep) json_object_del(out, k);
        }
    }
    /* $setElementOrder for primitive lists: reorder */
    json_object_foreach((json_t *)patch, key, value) {
        if (strncmp(key, "$setElementOrder/", 17) != 0) continue;
        json_t *list = json_object_get(out, key + 17);
        if (!json_is_array(list) || !json_array_size(value) || json_is_object(json_array_get(value, 0))) continue;
        json_t *sorted = json_array();
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item) {
            for (size_t j = 0; j < json_array_size(list); j++)
                if (json_equal(json_array_get(list, j), item)) {
                    json_array_append(sorted, item);
                    json_array_remove(list, j);
                    break;
                }
        }
        json_array_extend(sorted, list);
        json_object_set_new(out, key + 17, sorted);
    }
    return out;
}

json_t *sl_strategic_merge_patch(const json_t *target, const json_t *patch, char *err, size_t errsize) {
    if (!json_is_object(patch)) {
        snprintf(err, errsize, "a strategic merge patch must be a JSON object");
        return NULL;
    }
    err[0] = 0;
    json_t *out = smp_object(target, patch, NULL, err, errsize);
    if (!out && !err[0]) snprintf(err, errsize, "the patch deletes the whole object");
    return out;
}

/* ---- JSON patch ---- */

/* Resolves a JSON pointer's parent: *parent and the last token. */
static bool pointer_parent(json_t *doc, const char *path, json_t **parent, char *last, size_t lastsize) {
    if (path[0] != '/') return false;
    json_t *cur = doc;
    const char *p = path + 1;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        char tok[512];
        size_t j = 0;
        for (size_t i = 0; i < n && j + 1 < sizeof tok; i++) {
            if (p[i] == '~' && i + 1 < n && p[i + 1] == '1') tok[j++] = '/', i++;
            else if (p[i] == '~' && i + 1 < n && p[i + 1] == '0') tok[j++] = '~', i++;
            else tok[j++] = p[i];
        }
        tok[j] = 0;
        if (!slash) {
            *parent = cur;
            snprintf(last, lastsize, "%s", tok);
            return true;
        }
        if (json_is_object(cur)) cur = json_object_get(cur, tok);
        else if (json_is_array(cur)) {
            char *end;
            unsigned long idx = strtoul(tok, &end, 10);
            if (*end || !tok[0]) return false;
            cur = json_array_get(cur, idx);
        } else return false;
        if (!cur) return false;
        p = slash + 1;
    }
}

static bool array_index(json_t *arr, const char *tok, bool allow_end, size_t *out) {
    if (allow_end && !strcmp(tok, "-")) {
        *out = json_array_size(arr);
        return true;
    }
    char *end;
    unsigned long idx = strtoul(tok, &end, 10);
    if (*end || !tok[0] || (tok[0] == '0' && tok[1])) return false;
    if (idx > json_array_size(arr) || (!allow_end && idx == json_array_size(arr))) return false;
    *out = idx;
    return true;
}

static json_t *pointer_get(json_t *doc, const char *path) {
    if (!path[0]) return doc;
    json_t *parent;
    char last[512];
    if (!pointer_parent(doc, path, &parent, last, sizeof last)) return NULL;
    if (json_is_object(parent)) return json_object_get(parent, last);
    size_t idx;
    if (json_is_array(parent) && array_index(parent, last, false, &idx)) return json_array_get(parent, idx);
    return NULL;
}

static bool pointer_remove(json_t *doc, const char *path, json_t **removed) {
    json_t *parent;
    char last[512];
    if (!pointer_parent(doc, path, &parent, last, sizeof last)) return false;
    if (json_is_object(parent)) {
        json_t *v = json_object_get(parent, last);
        if (!v) return false;
        if (removed) *removed = json_incref(v);
        return json_object_del(parent, last) == 0;
    }
    size_t idx;
    if (!json_is_array(parent) || !array_index(parent, last, false, &idx)) return false;
    if (removed) *removed = json_incref(json_array_get(parent, idx));
    return json_array_remove(parent, idx) == 0;
}

static bool pointer_add(json_t *doc, const char *path, json_t *value /* stolen */, bool replace) {
    json_t *parent;
    char last[512];
    if (!pointer_parent(doc, path, &parent, last, sizeof last)) {
        json_decref(value);
        return false;
    }
    if (json_is_object(parent)) {
        if (replace && !json_object_get(parent, last)) {
            json_decref(value);
            return false;
        }
        return json_object_set_new(parent, last, value) == 0;
    }
    size_t idx;
    if (!json_is_array(parent) || !array_index(parent, last, !replace, &idx)) {
        json_decref(value);
        return false;
    }
    if (replace) return json_array_set_new(parent, idx, value) == 0;
    return json_array_insert_new(parent, idx, value) == 0;
}

json_t *sl_json_patch(const json_t *target, const json_t *ops, int *code, char *err, size_t errsize) {
    *code = 400;
    if (!json_is_array(ops)) {
        snprintf(err, errsize, "a JSON patch must be an array of operations");
        return NULL;
    }
    json_t *doc = json_deep_copy(target);
    size_t i;
    json_t *op;
    json_array_foreach((json_t *)ops, i, op) {
        const char *name = json_string_value(json_object_get(op, "op"));
        const char *path = json_string_value(json_object_get(op, "path"));
        const char *from = json_string_value(json_object_get(op, "from"));
        json_t *value = json_object_get(op, "value");
        bool ok = false;
        if (!name || !path) {
            snprintf(err, errsize, "operation %zu: op and path are required", i);
            goto fail;
        }
        if (!path[0] && strcmp(name, "test") != 0) {
            snprintf(err, errsize, "operation %zu: the root cannot be %sed", i, name);
            goto fail;
        }
        if (!strcmp(name, "add")) ok = value && pointer_add(doc, path, json_deep_copy(value), false);
        else if (!strcmp(name, "replace")) ok = value && pointer_add(doc, path, json_deep_copy(value), true);
        else if (!strcmp(name, "remove")) ok = pointer_remove(doc, path, NULL);
        else if (!strcmp(name, "move") || !strcmp(name, "copy")) {
            json_t *v = NULL;
            if (from) {
                if (!strcmp(name, "move")) ok = pointer_remove(doc, from, &v);
                else {
                    json_t *src = pointer_get(doc, from);
                    ok = src != NULL;
                    if (ok) v = json_deep_copy(src);
                }
            }
            ok = ok && pointer_add(doc, path, v, false);
        } else if (!strcmp(name, "test")) {
            json_t *have = pointer_get(doc, path);
            if (!have || !value || !json_equal(have, value)) {
                *code = 422;
                snprintf(err, errsize, "testing value %s failed", path);
                goto fail;
            }
            ok = true;
        } else {
            snprintf(err, errsize, "operation %zu: unknown op %s", i, name);
            goto fail;
        }
        if (!ok) {
            *code = 422;
            snprintf(err, errsize, "the server rejected our request due to an error in our request: "
                     "jsonpatch %s operation does not apply: doc is missing path: \"%s\"", name, path);
            goto fail;
        }
    }
    *code = 200;
    return doc;
fail:
    json_decref(doc);
    return NULL;
}
