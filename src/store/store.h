/*
 * store — the one object store every front end shares (design.md "one
 * store"): the HTTP API server, the scheduler's in-process cluster source
 * (sl_cluster), `schedlab schedule --cluster`, later the simulator and the
 * fake kubelet.
 *
 * What it keeps:
 *   - objects of any served kind (sl_resource: group/version/resource,
 *     namespaced or not), each as its latest *published version*
 *     (sl_object). A version never changes once published: a write makes a
 *     new version, and anyone holding the old one (a reader, a watch event,
 *     the scheduler's cache) keeps a valid object for as long as it holds a
 *     reference. Typed views (k8s_pod, k8s_node, k8s_namespace) are decoded
 *     once per version, when it is published, never per reader. The same
 *     refcounted versions also exist outside any store (sl_object_new: an
 *     API client's informers hand them to the scheduler's cluster seam);
 *   - one global resourceVersion counter (like etcd's revision): every
 *     create, update and delete takes the next value;
 *   - an event log (a ring of the most recent changes, bounded) so a watch
 *     resumes from a resourceVersion; older than the ring -> 410 Expired;
 *   - system metadata: uid, creationTimestamp (from the injected clock, so
 *     virtual-time runs stamp virtual time), generation, generateName,
 *     resourceVersion; the namespaces default, kube-system, kube-public,
 *     kube-node-lease and the built-in PriorityClasses precreated.
 *
 * Readers and watchers:
 *   - get/list take a reference to the versions they return;
 *   - sl_watcher: a pull cursor into the event log with its own position and
 *     an optional namespace / label / field filter. Writers never wait for
 *     watchers: a watcher that falls further behind than the log holds gets
 *     an Expired result and must relist. A filtered watch reports objects
 *     entering the filter as ADDED and leaving it as DELETED (upstream);
 *   - listeners (in-process subscribers such as the scheduler's cluster
 *     adapter): called synchronously after each committed write, on the
 *     writing thread, in resourceVersion order, with the typed old and new
 *     versions — no JSON encoding on that path. A listener may write to the
 *     store from inside the callback (the write's own event is delivered
 *     after the callback returns, still in order).
 *
 * Locks (what protects what):
 *   - store->lock (a rwlock): the object tables, the resourceVersion
 *     counter, the event log ring and the persistence backend. Writers hold
 *     it exclusively only to validate the precondition, assign the
 *     resourceVersion, swap the table entry, append to the log and persist;
 *     JSON work (patching, decoding typed views, serialising) happens
 *     outside it on the caller's thread.
 *   - store->notify_lock + one cond per kind: wakes the watchers of a kind
 *     waiting for its new events (a pod write does not wake node watchers).
 *   - store->dispatch_lock: serialises listener delivery so listeners see
 *     events in order; never held while store->lock is wanted by the same
 *     thread the other way round (lock order: dispatch_lock, then lock).
 *   - sl_object: immutable after publication; its reference count is
 *     atomic and its cached JSON text is set once (compare-and-swap).
 *
 * Persistence: sl_store_open_persistent keeps every write in SQLite (WAL);
 * a write is acknowledged only after its row is committed, so every
 * acknowledged write survives kill -9, and a restart continues the
 * resourceVersion sequence with the recent event log (watches resume).
 *
 * Errors: functions that can fail return an HTTP status code (200/201 on
 * success) and fill an sl_store_error with the upstream reason and message
 * (NotFound, AlreadyExists, Conflict, Invalid with a field path, ...), which
 * the API server turns into a Status object and `schedule --cluster` into
 * a message.
 */
#ifndef SCHEDLAB_STORE_H
#define SCHEDLAB_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/clock.h"
#include "k8s/k8s.h"

/* ------------------------------------------------------------------ */
/* Resources                                                            */
/* ------------------------------------------------------------------ */

typedef enum sl_resource_id {
    SL_RES_NAMESPACES,
    SL_RES_NODES,
    SL_RES_PODS,
    SL_RES_EVENTS,
    SL_RES_SERVICES,
    SL_RES_CONFIGMAPS,
    SL_RES_SECRETS,
    SL_RES_SERVICEACCOUNTS,
    SL_RES_REPLICATIONCONTROLLERS,
    SL_RES_PERSISTENTVOLUMES,
    SL_RES_PERSISTENTVOLUMECLAIMS,
    SL_RES_ENDPOINTS,
    SL_RES_REPLICASETS,
    SL_RES_STATEFULSETS,
    SL_RES_DEPLOYMENTS,
    SL_RES_DAEMONSETS,
    SL_RES_PODDISRUPTIONBUDGETS,
    SL_RES_PRIORITYCLASSES,
    SL_RES_LEASES,
    SL_RES_ROLES,
    SL_RES_ROLEBINDINGS,
    SL_RES_CLUSTERROLES,
    SL_RES_CLUSTERROLEBINDINGS,
    SL_RES_EVENTS_V1,        /* events.k8s.io/v1: a view of SL_RES_EVENTS */
    SL_RES_COUNT
} sl_resource_id;

typedef struct sl_resource {
    sl_resource_id id;
    const char *group;         /* "" = core */
    const char *version;
    const char *name;          /* plural, e.g. "pods" */
    const char *singular;
    const char *kind;
    bool namespaced;
    bool has_status;           /* a /status subresource with spec/status split */
    const char *short_names[3];
    const char *categories[2];
    /* The table the objects live in (events.k8s.io/v1 events live in the
     * core/v1 events table); itself for every other resource. */
    sl_resource_id storage;
} sl_resource;

const sl_resource *sl_resource_get(sl_resource_id id);
/* By group ("" for core), version and plural name; NULL if not served. */
const sl_resource *sl_resource_find(const char *group, const char *version, const char *name);
/* By apiVersion ("v1", "apps/v1") and kind; NULL if not served. */
const sl_resource *sl_resource_by_kind(const char *api_version, const char *kind);
/* "apps/v1" or "v1" into buf. */
const char *sl_resource_api_version(const sl_resource *res, char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* Objects (published versions)                                         */
/* ------------------------------------------------------------------ */

typedef struct sl_object {
    const sl_resource *res;    /* the storage resource */
    json_t *json;              /* the whole object (kind, apiVersion, metadata, ...); never modified */
    const char *namespace_;    /* "" for cluster-scoped kinds */
    const char *name;
    const char *key;           /* "namespace/name", or "name" */
    uint64_t rv;               /* metadata.resourceVersion */
    uint64_t create_rv;        /* the resourceVersion it was created at (listing order) */
    /* Typed view decoded when this version was published: k8s_pod for pods,
     * k8s_node for nodes, k8s_namespace for namespaces, NULL otherwise. It
     * lives as long as the version. */
    void *typed;
    /* private */
    struct sl_object *base;    /* a derived typed view points into this version (kept alive) */
    int refs;                  /* atomic */
    char *text;                /* cached compact JSON (atomic, set once) */
    size_t text_len;
} sl_object;

/* A standalone version outside any store (an API client's informer
 * builds them from the JSON a list or watch returned): keeps a reference to
 * json (which must not be modified afterwards), decodes the typed view of
 * pods, nodes and namespaces, rv from metadata.resourceVersion (0 when
 * absent or not a number), create_rv 0. Reference count 1: release with
 * sl_object_unref. NULL (err filled: 422 when the typed view does not
 * decode, 400 when json is not an object) on failure. */
struct sl_store_error;
sl_object *sl_object_new(const sl_resource *res, const json_t *json, struct sl_store_error *err);
sl_object *sl_object_ref(sl_object *o);
void sl_object_unref(sl_object *o);
/* Compact JSON text of the version (computed once, cached; valid while the
 * caller holds a reference). */
const char *sl_object_text(sl_object *o, size_t *len);
static inline k8s_pod *sl_object_pod(const sl_object *o) { return o->typed; }
static inline k8s_node *sl_object_node(const sl_object *o) { return o->typed; }

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

typedef struct sl_store_error {
    int code;                  /* HTTP status */
    char reason[32];           /* NotFound, AlreadyExists, Conflict, Invalid, BadRequest, Forbidden, Expired, ... */
    char message[1024];
    /* For Invalid: the first cause */
    char cause_reason[40];     /* FieldValueRequired, FieldValueInvalid, FieldValueForbidden, ... */
    char cause_field[200];     /* e.g. metadata.name */
    char cause_message[512];
    /* details.name / details.kind (resource plural) / details.group */
    char detail_name[256];
    const sl_resource *detail_res;
} sl_store_error;

/* Fills err and returns code. */
int sl_store_fail(sl_store_error *err, int code, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 422 Invalid: `Kind "name" is invalid: field: message` with one cause. */
int sl_store_invalid(sl_store_error *err, const sl_resource *res, const char *name,
                     const char *cause_reason, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* ------------------------------------------------------------------ */
/* Selectors                                                            */
/* ------------------------------------------------------------------ */

typedef enum sl_field_op { SL_FIELD_EQ, SL_FIELD_NEQ } sl_field_op;

typedef struct sl_field_requirement {
    const char *field;         /* e.g. "spec.nodeName" */
    sl_field_op op;
    const char *value;
} sl_field_requirement;

typedef struct sl_selector {
    arena mem;
    const sl_resource *res;    /* the resource the fields were checked against */
    uint32_t nlabels;
    k8s_requirement *labels;
    uint32_t nfields;
    sl_field_requirement *fields;
} sl_selector;

/* Parses labelSelector / fieldSelector query values (either may be NULL or
 * empty) as apimachinery does. Fields must be supported by the resource
 * (400 "field label not supported: X" otherwise). */
bool sl_selector_parse(sl_selector *sel, const sl_resource *res, const char *label_selector,
                       const char *field_selector, sl_store_error *err);
void sl_selector_free(sl_selector *sel);
bool sl_selector_empty(const sl_selector *sel);
bool sl_selector_matches(const sl_selector *sel, const sl_object *o);
/* The value of a selectable field of an object ("" when absent; booleans
 * "true"/"false"); NULL if the resource does not support the field. */
const char *sl_field_value(const sl_resource *res, const json_t *obj, const char *field,
                           char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* The store                                                            */
/* ------------------------------------------------------------------ */

typedef struct sl_store sl_store;

typedef struct sl_store_options {
    sl_clock *clock;           /* NULL: a real clock owned by the store */
    uint32_t history;          /* event log entries kept (0: 20000) */
    const char *data_dir;      /* NULL: memory only; else SQLite in DIR/store.db */
    /* Snapshot mode (`schedule --cluster` files): namespaced objects may be
     * created in a namespace that does not exist (files often omit the
     * Namespace objects; otherwise 404), and a given uid and
     * creationTimestamp are kept instead of being assigned. */
    bool snapshot;
} sl_store_options;

/* Returns NULL (and a message in err) if the data dir cannot be opened. */
sl_store *sl_store_open(const sl_store_options *options, char *err, size_t errsize);
void sl_store_close(sl_store *s);
sl_clock *sl_store_clock(sl_store *s);
/* The current (last assigned) resourceVersion. */
uint64_t sl_store_revision(sl_store *s);
/* The oldest resourceVersion a watch can still start after. */
uint64_t sl_store_oldest_revision(sl_store *s);
/* Objects per resource (its storage table). */
size_t sl_store_count(sl_store *s, const sl_resource *res);

/* Admission: called on every create and update before the object is
 * published (after the store's own metadata handling). `cur` is NULL on
 * create. It may modify obj (defaulting) or reject it (return the code
 * and fill err). One hook, set once before use (admission.c installs
 * upstream's Priority/DefaultTolerationSeconds/defaulting chain). */
typedef int (*sl_admit_fn)(void *user, sl_store *s, const sl_resource *res, json_t *obj,
                           const sl_object *cur, sl_store_error *err);
void sl_store_set_admission(sl_store *s, sl_admit_fn fn, void *user);

/* Reads. get returns a reference the caller releases (sl_object_unref). */
int sl_store_get(sl_store *s, const sl_resource *res, const char *namespace_, const char *name,
                 sl_object **out, sl_store_error *err);

typedef struct sl_list_options {
    const char *namespace_;    /* NULL or "": all namespaces */
    const sl_selector *selector; /* NULL: everything */
    uint32_t limit;            /* 0: no limit */
    const char *continue_token; /* from a previous page */
} sl_list_options;

typedef struct sl_list {
    sl_object **items;         /* referenced; sl_list_free releases */
    size_t len;
    uint64_t rv;               /* the list's resourceVersion */
    char *continue_token;      /* NULL when this is the last page */
} sl_list;

/* Lists in key order (namespace/name). */
int sl_store_list(sl_store *s, const sl_resource *res, const sl_list_options *opts, sl_list *out,
                  sl_store_error *err);
void sl_list_free(sl_list *list);
/* Every current object of a resource, in creation order (replays). */
size_t sl_store_snapshot(sl_store *s, const sl_resource *res, sl_object ***out, uint64_t *rv);

/* Writes. On success *out (if not NULL) receives a reference to the
 * published version. obj is borrowed (the store copies what it keeps).
 * create: name or generateName required; namespace from the object or
 * `namespace_` (they must agree); 404 if the namespace does not exist. */
int sl_store_create(sl_store *s, const sl_resource *res, const char *namespace_, const json_t *obj,
                    sl_object **out, sl_store_error *err);
/* The same, taking ownership of obj (no copy): for callers that built it. */
int sl_store_create_take(sl_store *s, const sl_resource *res, const char *namespace_, json_t *obj,
                         sl_object **out, sl_store_error *err);

/* Read-modify-write (upstream's GuaranteedUpdate): mutate is called with
 * the current version and returns the next object in *next (a new json the
 * store takes; it may share unmodified subtrees with cur->json, which is
 * never modified — copy what you change) or an error code. If another writer got in between, mutate
 * is called again with the newer version. If *next carries a
 * metadata.resourceVersion different from the current one -> 409 Conflict.
 * Identity (name, namespace, uid, creationTimestamp, kind, apiVersion) is
 * kept from the current version; when nothing else changed no version is
 * published (200 with the current one). */
typedef int (*sl_mutate_fn)(void *user, const sl_object *cur, json_t **next, sl_store_error *err);
int sl_store_update(sl_store *s, const sl_resource *res, const char *namespace_, const char *name,
                    sl_mutate_fn mutate, void *user, sl_object **out, sl_store_error *err);
/* The same, for writes whose effect on the typed view is known (a bind sets
 * node_name): derive returns the new version's typed view built from cur's
 * (e.g. a struct copy with its own arena for the changed strings, sharing
 * cur's arrays); the new version then keeps cur alive. Saves a full decode
 * per bind. derive must not be used for writes that repeat on one object
 * (every use lengthens the chain of versions kept alive by one). */
typedef void *(*sl_derive_fn)(void *user, const sl_object *cur, json_t *next);
int sl_store_update_derived(sl_store *s, const sl_resource *res, const char *namespace_,
                            const char *name, sl_mutate_fn mutate, sl_derive_fn derive, void *user,
                            sl_object **out, sl_store_error *err);
/* Replaces the object with obj (an update without read-modify-write). */
int sl_store_replace(sl_store *s, const sl_resource *res, const char *namespace_,
                     const json_t *obj, sl_object **out, sl_store_error *err);

/* Deletes; *out receives the last state (with the deletion's
 * resourceVersion). precondition_rv/uid: 0/NULL for none. Deleting a
 * namespace deletes its contents first; default, kube-system and
 * kube-public cannot be deleted (403). */
int sl_store_delete(sl_store *s, const sl_resource *res, const char *namespace_, const char *name,
                    uint64_t precondition_rv, const char *precondition_uid, sl_object **out,
                    sl_store_error *err);

/* Dry run (dryRun=All): writes this thread makes between begin and end go
 * through everything (admission, validation, preconditions, conflicts) but
 * are not published: no resourceVersion is taken, nothing is stored,
 * logged or delivered; *out gets the object as it would have been. */
void sl_store_dry_run_begin(void);
void sl_store_dry_run_end(void);

/* ------------------------------------------------------------------ */
/* Watching                                                             */
/* ------------------------------------------------------------------ */

typedef enum sl_event_type {
    SL_EVENT_ADDED,
    SL_EVENT_MODIFIED,
    SL_EVENT_DELETED,
} sl_event_type;

const char *sl_event_type_name(sl_event_type t); /* "ADDED", ... */

typedef struct sl_store_event {
    sl_event_type type;
    uint64_t rv;
    const sl_resource *res;    /* storage resource */
    sl_object *obj;            /* new version (DELETED: the last state) */
    sl_object *old;            /* previous version (NULL for ADDED) */
} sl_store_event;

typedef struct sl_watcher sl_watcher;

/* Starts a watch of one resource. from_rv == 0: the current objects are
 * delivered first as ADDED (synthetic), then changes; otherwise every change
 * after from_rv (410 Expired if the log no longer reaches back that far).
 * namespace_ NULL/"" = all; selector may be NULL (the watcher copies
 * nothing: the selector must outlive the watcher). */
int sl_store_watch(sl_store *s, const sl_resource *res, const char *namespace_,
                   const sl_selector *selector, uint64_t from_rv, sl_watcher **out,
                   sl_store_error *err);
/* Waits up to timeout_ns for the next event that passes the filter.
 * Returns 1 with *ev filled (references the caller releases with
 * sl_store_event_release), 0 on timeout (or sl_watcher_interrupt), -1 if the watcher fell
 * out of the log (410: relist). */
int sl_watcher_next(sl_watcher *w, sl_store_event *ev, int64_t timeout_ns);
/* The position: the resourceVersion of the last event examined. */
uint64_t sl_watcher_position(sl_watcher *w);
/* Makes a waiting sl_watcher_next return 0 at once (shutdown). */
void sl_watcher_interrupt(sl_watcher *w);
void sl_watcher_close(sl_watcher *w);
void sl_store_event_release(sl_store_event *ev);
/* Wakes every waiting watcher (server shutdown). */
void sl_store_wake_watchers(sl_store *s);

/* In-process listeners: fn(user, ev) for every committed change after
 * registration (any resource; filter in fn). The event's objects are
 * valid during the call (take a reference to keep them). With replay, the
 * current objects of `replay_order` resources are first delivered as
 * ADDED, in that order and in creation order within each, atomically with
 * the registration (no change is missed or seen twice). Returns an id. */
typedef void (*sl_listener_fn)(void *user, const sl_store_event *ev);
uint64_t sl_store_listen(sl_store *s, sl_listener_fn fn, void *user,
                         const sl_resource_id *replay_order, size_t nreplay);
void sl_store_unlisten(sl_store *s, uint64_t id);

/* ------------------------------------------------------------------ */
/* Admission and validation shared by the API server and schedule --cluster */
/* ------------------------------------------------------------------ */

/* Installs upstream's admission chain (admission.c): Priority,
 * DefaultTolerationSeconds, pod defaulting (schedulerName, restartPolicy,
 * dnsPolicy, terminationGracePeriodSeconds, enableServiceLinks, ...),
 * validation of the fields the scheduler depends on. */
/* snapshot: `schedule --cluster` files are a cluster snapshot, so admission
 * only fills what is absent (explicit priorities, status and nodeName stay). */
void sl_admission_install(sl_store *s, bool snapshot);

/* Name checks (DNS-1123 subdomain / label); NULL when valid, else the
 * upstream message. */
const char *sl_validate_subdomain(const char *name);
const char *sl_validate_label_name(const char *name);

/* RFC 3339 (seconds) of the store clock's wall time. */
void sl_store_timestamp(sl_store *s, char *buf, size_t size);
/* A random RFC 4122 version 4 uuid into buf (>= 37 bytes). */
void sl_store_new_uid(sl_store *s, char *buf);

#endif
