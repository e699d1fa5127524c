/*
 * k8s_internal.h — helpers shared by the k8s decoders (pod.c, node.c,
 * selector.c). Not part of the public contract (k8s.h): other modules should
 * not include it.
 *
 * Decoder conventions: every decoder takes a field path ("spec.containers[0]")
 * and on failure writes "path: problem" into err and returns false. The
 * top-level object decoders (k8s_pod_decode, k8s_node_decode) prefix that with
 * "ORIGIN: Kind ns/name: ". Absent and null fields are the same thing, as in
 * Go's encoding/json.
 */
#ifndef SCHEDLAB_K8S_INTERNAL_H
#define SCHEDLAB_K8S_INTERNAL_H

#include "k8s/k8s.h"

#define K8S_PATH_MAX 256

typedef struct k8s_decoder {
    arena *mem;
    char *err;
    size_t errsize;
} k8s_decoder;

/* Writes "path: message" into d->err and returns false. */
bool k8s_fail(k8s_decoder *d, const char *path, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Child paths: "parent.field", "parent[index]". */
const char *k8s_path_field(char *buf, const char *parent, const char *field);
const char *k8s_path_index(char *buf, const char *parent, size_t index);
/* "a string", "an object", ... for messages. */
const char *k8s_json_type_name(const json_t *v);

/* Field readers: absent or null -> default. Type mismatch -> error. */
bool k8s_get_string(k8s_decoder *d, const json_t *obj, const char *key, const char *path,
                    const char *fallback, const char **out);
bool k8s_get_bool(k8s_decoder *d, const json_t *obj, const char *key, const char *path,
                  bool *out);
bool k8s_get_int64(k8s_decoder *d, const json_t *obj, const char *key, const char *path,
                   bool *present, int64_t *out);
bool k8s_get_int32(k8s_decoder *d, const json_t *obj, const char *key, const char *path,
                   bool *present, int32_t *out);
/* Object / array fields: *out = NULL when absent or null. */
bool k8s_get_object(k8s_decoder *d, const json_t *obj, const char *key, const char *path,
                    const json_t **out);
bool k8s_get_array(k8s_decoder *d, const json_t *obj, const char *key, const char *path,
                   const json_t **out);
/* A list field's length: 0 when v is absent, null or empty; an error unless
 * v is an array. */
bool k8s_list_length(k8s_decoder *d, const json_t *v, const char *path, size_t *count);
/* Element i of list v, which must be an object; its path is written to ip
 * (K8S_PATH_MAX bytes). */
bool k8s_list_object(k8s_decoder *d, const json_t *v, size_t i, const char *path, char *ip,
                     const json_t **item);
bool k8s_decode_string_map(k8s_decoder *d, const json_t *v, const char *path, k8s_map *out);
bool k8s_decode_string_array(k8s_decoder *d, const json_t *v, const char *path,
                             uint32_t *n, const char ***out);
/* A ResourceList ({"cpu": "100m", ...}); scalar resources sorted by name. */
bool k8s_decode_resources(k8s_decoder *d, const json_t *v, const char *path,
                          k8s_resources *out);
/* RFC 3339 timestamp -> ns since the epoch. */
bool k8s_parse_time(const char *text, int64_t *ns);

/* Selectors and tolerations (selector.c), used by pod.c / node.c. */
bool k8s_decode_tolerations(k8s_decoder *d, const json_t *v, const char *path, uint32_t *n,
                            k8s_toleration **out);
bool k8s_decode_taints(k8s_decoder *d, const json_t *v, const char *path, uint32_t *n,
                       k8s_taint **out);
bool k8s_decode_label_selector(k8s_decoder *d, const json_t *v, const char *path,
                               k8s_label_selector *out);
bool k8s_decode_node_affinity(k8s_decoder *d, const json_t *v, const char *path,
                              k8s_node_affinity *out);
bool k8s_decode_pod_affinity(k8s_decoder *d, const json_t *v, const char *path,
                             k8s_pod_affinity *out);

#endif
