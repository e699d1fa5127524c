/*
 * node.c — Node decoding into k8s_node: labels, taints, unschedulable,
 * capacity / allocatable (allocatable defaults to capacity when the status
 * has none, as for nodes written by hand in simulator files) and the images
 * the node reports (ImageLocality).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s_internal.h"

static bool decode_images(k8s_decoder *d, const json_t *list, k8s_node *node) {
    char ip[K8S_PATH_MAX], p[K8S_PATH_MAX];
    size_t count = list ? json_array_size(list) : 0;
    if (!count) return true;
    node->images = arena_zalloc(d->mem, count * sizeof(k8s_container_image));
    for (size_t i = 0; i < count; i++) {
        const json_t *item;
        k8s_container_image *img = &node->images[i];
        const json_t *names;
        if (!k8s_list_object(d, list, i, "status.images", ip, &item)) return false;
        if (!k8s_get_array(d, item, "names", ip, &names) ||
            !k8s_decode_string_array(d, names, k8s_path_field(p, ip, "names"), &img->nnames,
                                     &img->names) ||
            !k8s_get_int64(d, item, "sizeBytes", ip, NULL, &img->size_bytes))
            return false;
    }
    node->nimages = (uint32_t)count;
    return true;
}

static bool decode_node_body(k8s_decoder *d, const json_t *obj, k8s_node *node) {
    const json_t *meta, *spec, *status, *field;
    if (!k8s_get_object(d, obj, "metadata", "", &meta)) return false;
    if (!k8s_get_string(d, meta, "uid", "metadata", "", &node->uid) ||
        !k8s_decode_string_map(d, json_object_get(meta, "labels"), "metadata.labels", &node->labels) ||
        !k8s_decode_string_map(d, json_object_get(meta, "annotations"), "metadata.annotations",
                               &node->annotations))
        return false;
    if (!k8s_get_object(d, obj, "spec", "", &spec)) return false;
    if (!k8s_get_bool(d, spec, "unschedulable", "spec", &node->unschedulable) ||
        !k8s_decode_taints(d, json_object_get(spec, "taints"), "spec.taints", &node->ntaints,
                           &node->taints))
        return false;
    if (!k8s_get_object(d, obj, "status", "", &status)) return false;
    if (!k8s_get_object(d, status, "capacity", "status", &field) ||
        !k8s_decode_resources(d, field, "status.capacity", &node->capacity))
        return false;
    if (!k8s_get_object(d, status, "allocatable", "status", &field)) return false;
    if (field) {
        if (!k8s_decode_resources(d, field, "status.allocatable", &node->allocatable)) return false;
    } else {
        node->allocatable = node->capacity;
    }
    if (!k8s_get_array(d, status, "images", "status", &field) || !decode_images(d, field, node))
        return false;
    return true;
}

k8s_node *k8s_node_decode(json_t *obj, const char *origin, char *err, size_t errsize) {
    char msg[1024];
    k8s_node *node = xcalloc(1, sizeof(k8s_node));
    arena_init(&node->mem, 2048);
    k8s_decoder d = {&node->mem, msg, sizeof(msg)};
    const char *kind = NULL;
    const json_t *meta = NULL;
    msg[0] = 0;
    node->name = "";
    bool ok = json_is_object(obj);
    if (!ok) k8s_fail(&d, "", "a Node must be an object, got %s", obj ? k8s_json_type_name(obj) : "nothing");
    if (ok) ok = k8s_get_string(&d, obj, "kind", "", NULL, &kind);
    if (ok && kind && strcmp(kind, "Node") != 0)
        ok = k8s_fail(&d, "kind", "expected \"Node\", got \"%s\"", kind);
    if (ok) ok = k8s_get_object(&d, obj, "metadata", "", &meta);
    if (ok) ok = k8s_get_string(&d, meta, "name", "metadata", "", &node->name);
    if (ok && !node->name[0]) ok = k8s_fail(&d, "metadata.name", "Required value: name is required");
    if (ok) ok = decode_node_body(&d, obj, node);
    if (!ok) {
        if (err && errsize)
            snprintf(err, errsize, "%s%sNode %s: %s", origin ? origin : "", origin ? ": " : "",
                     node->name[0] ? node->name : "<unnamed>", msg);
        arena_free(&node->mem);
        free(node);
        return NULL;
    }
    node->raw = json_incref(obj);
    return node;
}

void k8s_node_free(k8s_node *node) {
    if (!node) return;
    json_decref(node->raw);
    arena_free(&node->mem);
    free(node);
}
