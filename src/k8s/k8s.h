/*
 * k8s — the Kubernetes object model schedlab needs: documents (YAML/JSON) into
 * jansson trees, resource quantities, label/field selectors, taints and
 * tolerations, and typed Pod / Node views decoded once from those trees.
 *
 * Why typed views: the scheduler touches these fields millions of times per
 * second; parsing quantities or selectors inside a Filter or Score call is
 * not allowed (design.md). A k8s_pod/k8s_node is decoded once when the
 * object arrives and keeps the original JSON (`raw`) for round-trips, so
 * unknown fields survive (written back untouched by the API server later).
 *
 * Ownership: every pointer inside a k8s_pod/k8s_node (strings, arrays) is
 * owned by that object (its arena) and released by k8s_pod_free /
 * k8s_node_free. `raw` holds one jansson reference.
 *
 * Errors: decoders return NULL/false and write "ORIGIN: Kind ns/name: field.path: problem"
 * into err, e.g. `cluster.yaml: Pod default/web-1: spec.containers[0].resources.requests.cpu: quantities must match the regular expression ...`.
 */
#ifndef SCHEDLAB_K8S_H
#define SCHEDLAB_K8S_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/base.h"

/* ------------------------------------------------------------------ */
/* Documents                                                            */
/* ------------------------------------------------------------------ */

/* Parses YAML (one or more `---` documents; YAML 1.2-ish scalars as
 * sigs.k8s.io/yaml types them: true/false/null, ints, floats, everything
 * else strings; quoted scalars are always strings) or JSON (object, array,
 * or a `kind: List`/`*List` with `items`) into a flat JSON array of objects:
 * documents are flattened, List items are expanded, empty documents and
 * nulls are dropped. `origin` (file name) prefixes messages; YAML syntax
 * errors carry line:column. Returns NULL on error. */
json_t *k8s_parse_documents(const char *text, size_t len, const char *origin, char *err,
                            size_t errsize);
/* The same, and *locations (when not NULL) gets one string per returned
 * object saying where it was: "document 2", "document 1, items[3]" (an item
 * of a List), "document 1[0]" (an element of a top-level JSON array). */
json_t *k8s_parse_documents_located(const char *text, size_t len, const char *origin,
                                    json_t **locations, char *err, size_t errsize);
/* Parses exactly one YAML-or-JSON document into a JSON value (config files). */
json_t *k8s_parse_document(const char *text, size_t len, const char *origin, char *err,
                           size_t errsize);

/* json_loadb, faster: the same tree (same calls, same duplicate-key rule)
 * for the same input, built by a reader that scans runs of plain text at
 * once; anything off the common road (errors included) is json_loadb's, so
 * results and messages are jansson's. flags: 0 or JSON_DECODE_ANY take the
 * fast road, others go straight to json_loadb. */
json_t *k8s_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *error);
/* The fast reader alone: NULL when it declines (tests and fuzz_json). */
json_t *k8s_json_read_fast(const char *buf, size_t len, size_t flags);
/* json_dumps, faster, for JSON_COMPACT (optionally | JSON_ENCODE_ANY):
 * the same text; other flags, and anything jansson would refuse, are
 * json_dumps's. */
char *k8s_json_dumps(const json_t *v, size_t flags);
/* Appends v in that compact form to sb; false (sb unchanged) when jansson
 * would not print it (e.g. invalid UTF-8 in a string). */
bool k8s_json_write(strbuf *sb, const json_t *v);

/* ------------------------------------------------------------------ */
/* String maps (labels, annotations, nodeSelector)                      */
/* ------------------------------------------------------------------ */

typedef struct k8s_kv {
    const char *key;
    const char *value;
} k8s_kv;

/* Sorted by key (strcmp) so lookups are binary searches. */
typedef struct k8s_map {
    k8s_kv *items;
    uint32_t len;
} k8s_map;

const char *k8s_map_get(const k8s_map *map, const char *key); /* NULL if absent */

/* ------------------------------------------------------------------ */
/* Quantities and resources                                             */
/* ------------------------------------------------------------------ */

/* A resource.Quantity reduced to the two integer views the scheduler uses:
 * milli = MilliValue() (cpu), value = Value() (everything else); both round
 * up like upstream and saturate at INT64 limits. Accepts "100m", "1.5",
 * "1Gi", "500Mi", "1e3", "2k", "0.5", "+1", "-1", ... with upstream's grammar
 * (suffixes: n u m "" k M G T P E, Ki Mi Gi Ti Pi Ei, decimal exponents
 * e/E). */
typedef struct k8s_quantity {
    int64_t milli;
    int64_t value;
} k8s_quantity;

bool k8s_quantity_parse(const char *text, k8s_quantity *out, char *err, size_t errsize);
/* From a JSON string or number (YAML `cpu: 2` arrives as a number). */
bool k8s_quantity_from_json(const json_t *value, k8s_quantity *out, char *err, size_t errsize);

typedef struct k8s_scalar_resource {
    const char *name;   /* e.g. "nvidia.com/gpu", "hugepages-2Mi" */
    int64_t value;
} k8s_scalar_resource;

/* Upstream framework.Resource: cpu in millicores, memory and
 * ephemeral-storage in bytes, pods as a count, other resources by name. */
typedef struct k8s_resources {
    int64_t milli_cpu;
    int64_t memory;
    int64_t ephemeral_storage;
    int64_t pods;
    uint32_t nscalar;
    k8s_scalar_resource *scalar;
} k8s_resources;

/* Value of a named resource ("cpu" returns milli_cpu, "memory", "pods",
 * "ephemeral-storage", else the scalar or 0). */
int64_t k8s_resources_get(const k8s_resources *r, const char *name);

/* ------------------------------------------------------------------ */
/* Selectors                                                            */
/* ------------------------------------------------------------------ */

typedef enum k8s_selector_op {
    K8S_OP_IN,
    K8S_OP_NOT_IN,
    K8S_OP_EXISTS,
    K8S_OP_DOES_NOT_EXIST,
    K8S_OP_GT,   /* node selectors only; values[0] parsed as int64 into `number` */
    K8S_OP_LT,
} k8s_selector_op;

typedef struct k8s_requirement {
    const char *key;
    k8s_selector_op op;
    uint32_t nvalues;
    const char **values;  /* sorted */
    int64_t number;       /* Gt / Lt */
    /* Node-selector requirement the API accepts but labels.NewRequirement
     * rejects (a value that is not a valid label value, a Gt/Lt value that
     * is not an integer): it matches nothing, so its term matches nothing. */
    bool invalid;
} k8s_requirement;

bool k8s_requirement_matches(const k8s_requirement *req, const k8s_map *labels);

/* metav1.LabelSelector: matchLabels become In requirements. A nil selector
 * (present == false) matches nothing; an empty one matches everything. */
typedef struct k8s_label_selector {
    bool present;
    uint32_t nreqs;
    k8s_requirement *reqs;
} k8s_label_selector;

bool k8s_label_selector_matches(const k8s_label_selector *sel, const k8s_map *labels);

/* A NodeSelectorTerm. Terms with neither expressions nor fields match
 * nothing. match_fields supports key "metadata.name". */
typedef struct k8s_node_selector_term {
    uint32_t nexprs;
    k8s_requirement *match_expressions;
    uint32_t nfields;
    k8s_requirement *match_fields;
} k8s_node_selector_term;

typedef struct k8s_node_selector {
    uint32_t nterms;
    k8s_node_selector_term *terms;  /* ORed */
} k8s_node_selector;

typedef struct k8s_preferred_scheduling_term {
    int32_t weight;
    k8s_node_selector_term preference;
} k8s_preferred_scheduling_term;

typedef struct k8s_node_affinity {
    bool has_required;
    k8s_node_selector required;
    uint32_t npreferred;
    k8s_preferred_scheduling_term *preferred;
} k8s_node_affinity;

typedef struct k8s_pod_affinity_term {
    k8s_label_selector label_selector;
    uint32_t nnamespaces;
    const char **namespaces;
    k8s_label_selector namespace_selector;   /* present=false: not set */
    const char *topology_key;
    uint32_t nmatch_label_keys, nmismatch_label_keys;
    const char **match_label_keys, **mismatch_label_keys;
} k8s_pod_affinity_term;

typedef struct k8s_weighted_pod_affinity_term {
    int32_t weight;
    k8s_pod_affinity_term term;
} k8s_weighted_pod_affinity_term;

/* Used for both podAffinity and podAntiAffinity. */
typedef struct k8s_pod_affinity {
    uint32_t nrequired;
    k8s_pod_affinity_term *required;
    uint32_t npreferred;
    k8s_weighted_pod_affinity_term *preferred;
} k8s_pod_affinity;

/* ------------------------------------------------------------------ */
/* Taints and tolerations                                               */
/* ------------------------------------------------------------------ */

typedef enum k8s_taint_effect {
    K8S_EFFECT_ALL = 0,              /* empty effect in a toleration: matches all */
    K8S_EFFECT_NO_SCHEDULE,
    K8S_EFFECT_PREFER_NO_SCHEDULE,
    K8S_EFFECT_NO_EXECUTE,
} k8s_taint_effect;

typedef struct k8s_taint {
    const char *key;
    const char *value;   /* "" if absent */
    k8s_taint_effect effect;
} k8s_taint;

typedef struct k8s_toleration {
    const char *key;     /* "" = all keys (only with Exists) */
    bool op_exists;      /* operator Exists; false = Equal (the default) */
    const char *value;   /* "" if absent */
    k8s_taint_effect effect;
    bool has_seconds;
    int64_t seconds;
} k8s_toleration;

bool k8s_toleration_tolerates(const k8s_toleration *tol, const k8s_taint *taint);
bool k8s_tolerations_tolerate(const k8s_toleration *tols, uint32_t n, const k8s_taint *taint);
const char *k8s_taint_effect_name(k8s_taint_effect effect); /* "NoSchedule", ... */

/* ------------------------------------------------------------------ */
/* Pods                                                                 */
/* ------------------------------------------------------------------ */

typedef struct k8s_container_port {
    int32_t container_port;
    int32_t host_port;       /* 0 = none */
    const char *protocol;    /* "TCP" default */
    const char *host_ip;     /* "" if absent */
} k8s_container_port;

typedef struct k8s_container {
    const char *name;
    const char *image;       /* "" if absent */
    k8s_resources requests;  /* limits used as requests when requests absent, as upstream defaulting does */
    k8s_resources limits;
    uint32_t nports;
    k8s_container_port *ports;
    bool restart_always;     /* init container with restartPolicy: Always (sidecar) */
} k8s_container;

typedef struct k8s_topology_spread_constraint {
    int32_t max_skew;
    const char *topology_key;
    bool do_not_schedule;        /* whenUnsatisfiable: DoNotSchedule (else ScheduleAnyway) */
    k8s_label_selector label_selector;
    int32_t min_domains;         /* 0 when unset (treated as 1) */
    bool node_affinity_policy_ignore; /* default Honor */
    bool node_taints_policy_honor;    /* default Ignore */
    uint32_t nmatch_label_keys;
    const char **match_label_keys;
} k8s_topology_spread_constraint;

typedef struct k8s_owner_reference {
    const char *kind;
    const char *name;
    const char *uid;
    bool controller;
} k8s_owner_reference;

/* status.containerStatuses[] / initContainerStatuses[]: what the scheduler
 * reads of a running container (InPlacePodVerticalScaling, beta and on by
 * default in v1.33): the resources the kubelet actuated and allocated. */
typedef struct k8s_container_status {
    const char *name;
    bool has_resources;          /* .resources is set (even empty) */
    k8s_resources requests;      /* .resources.requests */
    k8s_resources allocated;     /* .allocatedResources */
    /* presence of cpu / memory keys (for the non-zero scoring defaults) */
    bool requests_cpu, requests_memory, allocated_cpu, allocated_memory;
} k8s_container_status;

/* status.conditions[]: type, status, reason ("" when absent). */
typedef struct k8s_pod_condition {
    const char *type;
    const char *status;
    const char *reason;
} k8s_pod_condition;

typedef struct k8s_pod {
    json_t *raw;
    arena mem;

    const char *namespace_;      /* "default" when absent */
    const char *name;
    const char *uid;             /* "" when absent */
    k8s_map labels;
    k8s_map annotations;
    int64_t creation_ns;         /* metadata.creationTimestamp, 0 if absent */
    bool deleting;               /* metadata.deletionTimestamp set */
    uint32_t nowners;
    k8s_owner_reference *owners;

    /* spec */
    const char *node_name;       /* "" when unassigned */
    const char *scheduler_name;  /* "default-scheduler" when absent */
    const char *priority_class_name;
    int32_t priority;            /* 0 when absent */
    bool preempt_never;          /* preemptionPolicy: Never */
    uint32_t ncontainers, ninit_containers;
    k8s_container *containers, *init_containers;
    k8s_resources overhead;
    k8s_map node_selector;
    k8s_node_affinity *node_affinity;      /* NULL when absent */
    k8s_pod_affinity *pod_affinity;        /* NULL when absent */
    k8s_pod_affinity *pod_anti_affinity;   /* NULL when absent */
    uint32_t ntolerations;
    k8s_toleration *tolerations;
    uint32_t nspread;
    k8s_topology_spread_constraint *spread;
    uint32_t ngates;
    const char **scheduling_gates;

    /* status */
    const char *phase;           /* "" when absent */
    const char *nominated_node_name; /* "" when absent */
    int64_t start_ns;            /* status.startTime, 0 if absent */
    uint32_t nconditions;
    k8s_pod_condition *conditions;
    uint32_t ncontainer_statuses, ninit_container_statuses;
    k8s_container_status *container_statuses, *init_container_statuses;
} k8s_pod;

/* Decodes a Pod. Takes its own reference to obj. */
k8s_pod *k8s_pod_decode(json_t *obj, const char *origin, char *err, size_t errsize);
void k8s_pod_free(k8s_pod *pod);
/* The first status.conditions entry of that type, as JSON (fields the
 * typed view does not keep: message, lastTransitionTime); NULL if none. */
const json_t *k8s_pod_condition_raw(const k8s_pod *pod, const char *type);
/* The typed view of `unbound` after a binding to node (raw: the bound
 * version's JSON, referenced): node_name set, PodScheduled True; it shares
 * unbound's other arrays, so unbound must outlive it (the store keeps the
 * base version alive: sl_store_update_derived). Saves a full decode per
 * bind. */
k8s_pod *k8s_pod_bound(const k8s_pod *unbound, json_t *raw, const char *node);

/* The first condition of that type decides (upstream's loops return at
 * the first match). Terminating by preemption: metadata.deletionTimestamp
 * set and DisruptionTarget True with reason PreemptionByScheduler
 * (defaultpreemption podTerminatingByPreemption). Resize infeasible:
 * PodResizePending with reason Infeasible (IsPodResizeInfeasible). */
bool k8s_pod_terminating_by_preemption(const k8s_pod *pod);
bool k8s_pod_resize_infeasible(const k8s_pod *pod);

/* Effective request as upstream computes it (resource helpers
 * PodRequests): max(sum(app containers) + sum(restartable init containers),
 * each init container's request + restartable init containers started
 * before it) + overhead. `non_zero` gives the same with cpu/memory of
 * containers that request nothing counted as 100m / 200Mi (scoring only).
 * A container's request is upstream's with UseStatusResources (the
 * scheduler's calculateResource, InPlacePodVerticalScaling on): when its
 * status has `resources`, max(spec requests, status requests,
 * allocatedResources) per resource — or, while the pod's resize is
 * Infeasible, max(status requests, allocatedResources) only; for init
 * containers only the restartable ones (sidecars) read their status. */
void k8s_pod_requests(const k8s_pod *pod, arena *mem, k8s_resources *out);
void k8s_pod_non_zero_requests(const k8s_pod *pod, int64_t *milli_cpu, int64_t *memory);

/* ------------------------------------------------------------------ */
/* Nodes                                                                */
/* ------------------------------------------------------------------ */

typedef struct k8s_container_image {
    uint32_t nnames;
    const char **names;
    int64_t size_bytes;
} k8s_container_image;

typedef struct k8s_node {
    json_t *raw;
    arena mem;

    const char *name;
    const char *uid;
    k8s_map labels;
    k8s_map annotations;
    bool unschedulable;
    uint32_t ntaints;
    k8s_taint *taints;
    k8s_resources capacity;
    k8s_resources allocatable;   /* = capacity when status.allocatable is absent */
    uint32_t nimages;
    k8s_container_image *images;
} k8s_node;

k8s_node *k8s_node_decode(json_t *obj, const char *origin, char *err, size_t errsize);
void k8s_node_free(k8s_node *node);

/* Node-selector matching against a node (labels; match_fields on
 * metadata.name). */
bool k8s_node_selector_term_matches(const k8s_node_selector_term *term, const k8s_node *node);
bool k8s_node_selector_matches(const k8s_node_selector *sel, const k8s_node *node);
/* nodeSelector map + required node affinity (what NodeAffinity Filter checks
 * for the pod itself). */
bool k8s_pod_matches_node_selector_and_affinity(const k8s_pod *pod, const k8s_node *node);

/* ------------------------------------------------------------------ */
/* Namespaces                                                           */
/* ------------------------------------------------------------------ */

/* A core/v1 Namespace: only what namespaceSelector needs (name, labels). */
typedef struct k8s_namespace {
    json_t *raw;
    arena mem;
    const char *name;
    k8s_map labels;
} k8s_namespace;

k8s_namespace *k8s_namespace_decode(json_t *obj, const char *origin, char *err, size_t errsize);
void k8s_namespace_free(k8s_namespace *ns);

/* Label syntax (apimachinery validation): IsValidLabelValue (<= 63 chars,
 * (([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?) and IsQualifiedName (label
 * keys: optional DNS-1123 subdomain prefix <= 253 chars and '/', then a
 * name <= 63 chars ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]). */
bool k8s_valid_label_value(const char *value);
bool k8s_valid_qualified_name(const char *key);

/* Image name normalisation used by ImageLocality: appends ":latest" when
 * the name has no tag or digest. Result in `mem`. */
const char *k8s_normalize_image_name(const char *image, arena *mem);

/* Helpers for decoders of other objects (config, plugin args): decode a
 * selector / node affinity from JSON into memory owned by `mem`. `path` is
 * the field path used in messages. */
bool k8s_label_selector_decode(const json_t *obj, arena *mem, const char *path,
                               k8s_label_selector *out, char *err, size_t errsize);
bool k8s_node_affinity_decode(const json_t *obj, arena *mem, const char *path,
                              k8s_node_affinity *out, char *err, size_t errsize);
bool k8s_node_selector_term_decode(const json_t *obj, arena *mem, const char *path,
                                   k8s_node_selector_term *out, char *err, size_t errsize);

/* Schema tables, strict validation and object checks: k8s_schema.h. */
#include "k8s/k8s_schema.h"

#endif
