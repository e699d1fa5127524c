/*
 * namespace.c — core/v1 Namespace objects, decoded to what the scheduler
 * needs: the name and the labels namespaceSelector terms match against.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s_internal.h"

k8s_namespace *k8s_namespace_decode(json_t *obj, const char *origin, char *err, size_t errsize) {
    char msg[1024], p[K8S_PATH_MAX];
    k8s_namespace *ns = xcalloc(1, sizeof(*ns));
    arena_init(&ns->mem, 512);
    k8s_decoder d = {&ns->mem, msg, sizeof(msg)};
    const char *kind = NULL;
    const json_t *meta = NULL;
    msg[0] = 0;
    ns->name = "";
    bool ok = json_is_object(obj);
    if (!ok)
        k8s_fail(&d, "", "a Namespace must be an object, got %s",
                 obj ? k8s_json_type_name(obj) : "nothing");
    if (ok) ok = k8s_get_string(&d, obj, "kind", "", NULL, &kind);
    if (ok && kind && strcmp(kind, "Namespace") != 0)
        ok = k8s_fail(&d, "kind", "expected \"Namespace\", got \"%s\"", kind);
    if (ok) ok = k8s_get_object(&d, obj, "metadata", "", &meta);
    if (ok) ok = k8s_get_string(&d, meta, "name", "metadata", "", &ns->name);
    if (ok && !ns->name[0]) ok = k8s_fail(&d, "metadata.name", "Required value: name is required");
    if (ok)
        ok = k8s_decode_string_map(&d, meta ? json_object_get(meta, "labels") : NULL,
                                   k8s_path_field(p, "metadata", "labels"), &ns->labels);
    if (!ok) {
        if (err && errsize)
            snprintf(err, errsize, "%s%sNamespace %s: %s", origin ? origin : "",
                     origin ? ": " : "", ns->name[0] ? ns->name : "<unnamed>", msg);
        arena_free(&ns->mem);
        free(ns);
        return NULL;
    }
    ns->raw = json_incref(obj);
    return ns;
}

void k8s_namespace_free(k8s_namespace *ns) {
    if (!ns) return;
    json_decref(ns->raw);
    arena_free(&ns->mem);
    free(ns);
}
