/*
 * admission.c — the admission chain every write to the store passes
 * (upstream's plugins that change scheduling), shared by the API server and
 * `schedule --cluster`:
 *   - Priority: spec.priorityClassName -> spec.priority and
 *     spec.preemptionPolicy from the PriorityClass; no class name -> the
 *     globalDefault class if any, else priority 0; an unknown class -> 403
 *     Forbidden; an explicit spec.priority that differs from the computed
 *     one -> 403 (upstream: "the integer value of priority ... must not be
 *     provided in pod spec");
 *   - DefaultTolerationSeconds: not-ready / unreachable NoExecute
 *     tolerations for 300 s unless the pod tolerates them already;
 *   - defaulting of the pod fields kube-scheduler and kubectl read
 *     (schedulerName, restartPolicy, dnsPolicy, terminationGracePeriodSeconds,
 *     enableServiceLinks, securityContext, container imagePullPolicy and
 *     terminationMessage*), status reset to Pending on create (pod strategy);
 *   - validation of the pod fields the scheduler depends on (422 with
 *     field paths).
 * In snapshot mode (`schedule --cluster`) objects are a cluster snapshot, so
 * admission only fills what is absent: explicit priorities, status,
 * nodeName and deletionTimestamp stay, and DefaultTolerationSeconds and the
 * container defaults are not applied (the file says what the pods are).
 *
 * Strict field validation (k8s_schema.h) is applied where the request is
 * known: the API server checks bodies and patch results (check_fields in
 * server.c, strict with fieldValidation=Strict), cluster files are checked
 * on load (sl_cluster_memory_load_with). strict_validate() below stays the
 * hook for writes that reach the store by other paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

typedef struct admission {
    bool snapshot;
} admission;

static admission api_admission = {false}, snapshot_admission = {true};

static json_t *child_object(json_t *parent, const char *key) {
    json_t *c = json_object_get(parent, key);
    if (!json_is_object(c)) {
        c = json_object();
        json_object_set_new(parent, key, c);
    }
    return c;
}

static void set_default_string(json_t *obj, const char *key, const char *value) {
    if (!json_is_string(json_object_get(obj, key))) json_object_set_new(obj, key, json_string(value));
}

static const char *pod_name(json_t *pod) {
    const char *n = json_string_value(json_object_get(json_object_get(pod, "metadata"), "name"));
    if (!n || !*n) n = json_string_value(json_object_get(json_object_get(pod, "metadata"), "generateName"));
    return n ? n : "";
}

/* The hook for the strict validator (see the top comment). */
static int strict_validate(const sl_resource *res, const json_t *obj, sl_store_error *err) {
    UNUSED(res);
    UNUSED(obj);
    UNUSED(err);
    return 200;
}

static int admit_priority(admission *a, sl_store *s, json_t *pod, sl_store_error *err) {
    json_t *spec = child_object(pod, "spec");
    const char *class_name = json_string_value(json_object_get(spec, "priorityClassName"));
    json_t *explicit_priority = json_object_get(spec, "priority");
    const sl_resource *pcs = sl_resource_get(SL_RES_PRIORITYCLASSES);
    sl_object *pc = NULL;
    if (class_name && *class_name) {
        sl_store_error e;
        if (sl_store_get(s, pcs, NULL, class_name, &pc, &e) >= 300) {
            if (a->snapshot && json_is_integer(explicit_priority)) return 200; /* the snapshot says */
            sl_store_fail(err, 403, "Forbidden", "pods \"%s\" is forbidden: no PriorityClass with name %s was found",
                          pod_name(pod), class_name);
            if (err) {
                snprintf(err->detail_name, sizeof err->detail_name, "%s", pod_name(pod));
                err->detail_res = sl_resource_get(SL_RES_PODS);
            }
            return 403;
        }
    } else {
        sl_object **items;
        size_t n = sl_store_snapshot(s, pcs, &items, NULL);
        for (size_t i = 0; i < n; i++) {
            if (!pc && json_is_true(json_object_get(items[i]->json, "globalDefault"))) pc = sl_object_ref(items[i]);
            sl_object_unref(items[i]);
        }
        free(items);
        if (pc && !(a->snapshot && json_is_integer(explicit_priority)))
            json_object_set_new(spec, "priorityClassName", json_string(pc->name));
    }
    json_int_t value = pc ? json_integer_value(json_object_get(pc->json, "value")) : 0;
    const char *policy = pc ? json_string_value(json_object_get(pc->json, "preemptionPolicy")) : NULL;
    if (json_is_integer(explicit_priority)) {
        if (!a->snapshot && json_integer_value(explicit_priority) != value) {
            sl_store_fail(err, 403, "Forbidden",
                          "pods \"%s\" is forbidden: the integer value of priority (%lld) must not be "
                          "provided in pod spec; priority admission controller computed %lld from "
                          "the given PriorityClass name",
                          pod_name(pod), (long long)json_integer_value(explicit_priority), (long long)value);
            sl_object_unref(pc);
            return 403;
        }
    } else {
        json_object_set_new(spec, "priority", json_integer(value));
    }
    if (pc) {
        json_t *have = json_object_get(spec, "preemptionPolicy");
        if (policy && !json_is_string(have)) {
            json_object_set_new(spec, "preemptionPolicy", json_string(policy));
        } else if (policy && !a->snapshot && strcmp(json_string_value(have), policy) != 0) {
            sl_store_fail(err, 403, "Forbidden",
                          "pods \"%s\" is forbidden: the string value of PreemptionPolicy (%s) must not "
                          "be provided in pod spec; priority admission controller computed %s from "
                          "the given PriorityClass name",
                          pod_name(pod), json_string_value(have), policy);
            sl_object_unref(pc);
            return 403;
        }
    }
    if (!json_is_string(json_object_get(spec, "preemptionPolicy")) && !a->snapshot)
        json_object_set_new(spec, "preemptionPolicy", json_string("PreemptLowerPriority"));
    sl_object_unref(pc);
    return 200;
}

static bool tolerates(json_t *tolerations, const char *key) {
    size_t i;
    json_t *t;
    json_array_foreach(tolerations, i, t) {
        const char *k = json_string_value(json_object_get(t, "key"));
        const char *op = json_string_value(json_object_get(t, "operator"));
        const char *effect = json_string_value(json_object_get(t, "effect"));
        bool key_ok = (k && !strcmp(k, key)) || ((!k || !*k) && op && !strcmp(op, "Exists"));
        bool effect_ok = !effect || !*effect || !strcmp(effect, "NoExecute");
        if (key_ok && effect_ok) return true;
    }
    return false;
}

static void default_toleration_seconds(json_t *spec) {
    json_t *tolerations = json_object_get(spec, "tolerations");
    if (!json_is_array(tolerations)) {
        tolerations = json_array();
        json_object_set_new(spec, "tolerations", tolerations);
    }
    static const char *const keys[] = {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"};
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        if (tolerates(tolerations, keys[i])) continue;
        json_array_append_new(tolerations, json_pack("{s:s,s:s,s:s,s:I}", "key", keys[i], "operator",
                                                     "Exists", "effect", "NoExecute",
                                                     "tolerationSeconds", (json_int_t)300));
    }
}

static void default_container(json_t *c) {
    const char *image = json_string_value(json_object_get(c, "image"));
    if (!json_is_string(json_object_get(c, "imagePullPolicy"))) {
        bool latest = true;
        if (image) {
            const char *slash = strrchr(image, '/');
            const char *tail = slash ? slash + 1 : image;
            if (strchr(image, '@')) latest = false;
            else if (strchr(tail, ':')) latest = strcmp(strchr(tail, ':') + 1, "latest") == 0;
        }
        json_object_set_new(c, "imagePullPolicy", json_string(latest ? "Always" : "IfNotPresent"));
    }
    set_default_string(c, "terminationMessagePath", "/dev/termination-log");
    set_default_string(c, "terminationMessagePolicy", "File");
    if (!json_is_object(json_object_get(c, "resources"))) json_object_set_new(c, "resources", json_object());
}

static int validate_containers(const sl_resource *res, json_t *pod, const char *list,
                               bool required, sl_store_error *err) {
    json_t *spec = json_object_get(pod, "spec");
    json_t *cs = json_object_get(spec, list);
    char field[160];
    if (!cs || json_is_null(cs)) {
        if (!required) return 200;
        snprintf(field, sizeof field, "spec.%s", list);
        return sl_store_invalid(err, res, pod_name(pod), "FieldValueRequired", field, "Required value");
    }
    if (!json_is_array(cs) || (required && json_array_size(cs) == 0)) {
        snprintf(field, sizeof field, "spec.%s", list);
        return sl_store_invalid(err, res, pod_name(pod), "FieldValueRequired", field, "Required value");
    }
    size_t i;
    json_t *c;
    json_array_foreach(cs, i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        if (!name || !*name) {
            snprintf(field, sizeof field, "spec.%s[%zu].name", list, i);
            return sl_store_invalid(err, res, pod_name(pod), "FieldValueRequired", field, "Required value");
        }
        const char *why = sl_validate_label_name(name);
        if (why) {
            snprintf(field, sizeof field, "spec.%s[%zu].name", list, i);
            return sl_store_invalid(err, res, pod_name(pod), "FieldValueInvalid", field,
                                    "Invalid value: \"%s\": %s", name, why);
        }
        const char *image = json_string_value(json_object_get(c, "image"));
        if (!image || !*image) {
            snprintf(field, sizeof field, "spec.%s[%zu].image", list, i);
            return sl_store_invalid(err, res, pod_name(pod), "FieldValueRequired", field, "Required value");
        }
    }
    return 200;
}

static int admit_pod(admission *a, sl_store *s, const sl_resource *res, json_t *pod,
                     const sl_object *cur, sl_store_error *err) {
    json_t *spec = child_object(pod, "spec");
    if (!a->snapshot) {
        int code = validate_containers(res, pod, "containers", true, err);
        if (code < 300) code = validate_containers(res, pod, "initContainers", false, err);
        if (code >= 300) return code;
    }
    if (cur) return 200; /* updates: defaults are already in place */
    set_default_string(spec, "schedulerName", "default-scheduler");
    int code = admit_priority(a, s, pod, err);
    if (code >= 300) return code;
    if (a->snapshot) return 200;
    set_default_string(spec, "restartPolicy", "Always");
    set_default_string(spec, "dnsPolicy", "ClusterFirst");
    if (!json_is_integer(json_object_get(spec, "terminationGracePeriodSeconds")))
        json_object_set_new(spec, "terminationGracePeriodSeconds", json_integer(30));
    if (!json_is_boolean(json_object_get(spec, "enableServiceLinks")))
        json_object_set_new(spec, "enableServiceLinks", json_true());
    if (!json_is_object(json_object_get(spec, "securityContext")))
        json_object_set_new(spec, "securityContext", json_object());
    static const char *const lists[] = {"containers", "initContainers"};
    for (size_t k = 0; k < ARRAY_LEN(lists); k++) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(spec, lists[k]), i, c) default_container(c);
    }
    default_toleration_seconds(spec);
    /* pod strategy PrepareForCreate: the status is the server's */
    json_object_set_new(pod, "status", json_pack("{s:s}", "phase", "Pending"));
    return 200;
}

static int admit_priority_class(sl_store *s, const sl_resource *res, json_t *pc,
                                const sl_object *cur, sl_store_error *err) {
    const char *name = json_string_value(json_object_get(json_object_get(pc, "metadata"), "name"));
    if (!json_is_integer(json_object_get(pc, "value")))
        return sl_store_invalid(err, res, name, "FieldValueRequired", "value", "Required value");
    if (cur && !json_equal(json_object_get(pc, "value"), json_object_get(cur->json, "value")))
        return sl_store_invalid(err, res, name, "FieldValueForbidden", "value",
                                "Forbidden: may not be changed in an update.");
    if (!json_is_string(json_object_get(pc, "preemptionPolicy")))
        json_object_set_new(pc, "preemptionPolicy", json_string("PreemptLowerPriority"));
    if (json_is_true(json_object_get(pc, "globalDefault"))) {
        sl_object **items;
        size_t n = sl_store_snapshot(s, res, &items, NULL);
        const char *other = NULL;
        for (size_t i = 0; i < n; i++)
            if (json_is_true(json_object_get(items[i]->json, "globalDefault")) && name &&
                strcmp(items[i]->name, name) != 0 && !other)
                other = items[i]->name;
        int code = 200;
        if (other)
            code = sl_store_invalid(err, res, name, "FieldValueInvalid", "globalDefault",
                                    "Invalid value: true: PriorityClass %s is already marked as default. "
                                    "Only one default can exist", other);
        for (size_t i = 0; i < n; i++) sl_object_unref(items[i]);
        free(items);
        return code;
    }
    return 200;
}

static int admit(void *user, sl_store *s, const sl_resource *res, json_t *obj, const sl_object *cur,
                 sl_store_error *err) {
    admission *a = user;
    int code = strict_validate(res, obj, err);
    if (code >= 300) return code;
    switch (res->id) {
    case SL_RES_PODS: return admit_pod(a, s, res, obj, cur, err);
    case SL_RES_PRIORITYCLASSES: return admit_priority_class(s, res, obj, cur, err);
    case SL_RES_SECRETS:
        if (!cur) {
            const char *type = json_string_value(json_object_get(obj, "type"));
            if (!type || !*type) json_object_set_new(obj, "type", json_string("Opaque"));
        }
        return 200;
    case SL_RES_NAMESPACES:
        if (!cur && !a->snapshot) json_object_set_new(obj, "status", json_pack("{s:s}", "phase", "Active"));
        else if (!cur) set_default_string(child_object(obj, "status"), "phase", "Active");
        return 200;
    default: return 200;
    }
}

void sl_admission_install(sl_store *s, bool snapshot) {
    sl_store_set_admission(s, admit, snapshot ? &snapshot_admission : &api_admission);
}
