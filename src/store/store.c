/*
 * store.c — the object store (store.h): published versions, the global
 * resourceVersion, the event log, watchers and listeners. Persistence is in
 * persist.c, selectors in selector.c, admission in admission.c.
 *
 * The event log is a ring indexed by resourceVersion: every write takes the
 * next resourceVersion and appends exactly one entry, so the entry of
 * revision r sits at ring[r % cap] while r >= log_oldest. A watcher is just
 * a position; catching up is a scan of the ring under the read lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/strmap.h"
#include "store/store_internal.h"

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

int sl_store_fail(sl_store_error *err, int code, const char *reason, const char *fmt, ...) {
    if (!err) return code;
    memset(err, 0, sizeof(*err));
    err->code = code;
    snprintf(err->reason, sizeof(err->reason), "%s", reason);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return code;
}

int sl_store_invalid(sl_store_error *err, const sl_resource *res, const char *name,
                     const char *cause_reason, const char *field, const char *fmt, ...) {
    if (!err) return 422;
    memset(err, 0, sizeof(*err));
    err->code = 422;
    snprintf(err->reason, sizeof(err->reason), "Invalid");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->cause_message, sizeof(err->cause_message), fmt, ap);
    va_end(ap);
    snprintf(err->cause_reason, sizeof(err->cause_reason), "%s", cause_reason);
    snprintf(err->cause_field, sizeof(err->cause_field), "%s", field);
    snprintf(err->message, sizeof(err->message), "%s \"%s\" is invalid: %s: %s",
             res ? res->kind : "object", name ? name : "", field, err->cause_message);
    snprintf(err->detail_name, sizeof(err->detail_name), "%s", name ? name : "");
    err->detail_res = res;
    return 422;
}

static int not_found(sl_store_error *err, const sl_resource *res, const char *name) {
    sl_store_fail(err, 404, "NotFound", "%s \"%s\" not found",
                  res->group[0] ? res->name : res->name, name);
    if (err) {
        if (res->group[0]) snprintf(err->message, sizeof(err->message), "%s.%s \"%s\" not found", res->name, res->group, name);
        snprintf(err->detail_name, sizeof(err->detail_name), "%s", name);
        err->detail_res = res;
    }
    return 404;
}

/* ------------------------------------------------------------------ */
/* Objects                                                              */
/* ------------------------------------------------------------------ */

sl_object *sl_object_ref(sl_object *o) {
    if (o) __atomic_add_fetch(&o->refs, 1, __ATOMIC_RELAXED);
    return o;
}

void sl_object_unref(sl_object *o) {
    if (!o || __atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    if (o->typed) {
        switch (o->res->id) {
        case SL_RES_PODS: k8s_pod_free(o->typed); break;
        case SL_RES_NODES: k8s_node_free(o->typed); break;
        case SL_RES_NAMESPACES: k8s_namespace_free(o->typed); break;
        default: break;
        }
    }
    json_decref(o->json);
    free(__atomic_load_n(&o->text, __ATOMIC_ACQUIRE));
    sl_object *base = o->base;
    free(o);
    sl_object_unref(base);
}

const char *sl_object_text(sl_object *o, size_t *len) {
    char *text = __atomic_load_n(&o->text, __ATOMIC_ACQUIRE);
    if (!text) {
        char *mine = k8s_json_dumps(o->json, JSON_COMPACT);
        if (!mine) mine = xstrdup("{}");
        char *expected = NULL;
        if (__atomic_compare_exchange_n(&o->text, &expected, mine, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            text = mine;
            __atomic_store_n(&o->text_len, strlen(mine), __ATOMIC_RELEASE);
        } else {
            free(mine);
            text = expected;
        }
    }
    if (len) {
        size_t n = __atomic_load_n(&o->text_len, __ATOMIC_ACQUIRE);
        *len = n ? n : strlen(text);
    }
    return text;
}

static const char *meta_string(const json_t *obj, const char *key) {
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), key));
}

/* A new version around json (stolen). Decodes the typed view; on failure
 * returns NULL with a 422. */
static sl_object *object_new(const sl_resource *res, json_t *json, const sl_object *base,
                             void *derived, sl_store_error *err) {
    const sl_resource *storage = sl_resource_get(res->storage);
    const char *ns = storage->namespaced ? meta_string(json, "namespace") : "";
    const char *name = meta_string(json, "name");
    if (!ns) ns = "";
    if (!name) name = "";
    size_t nlen = strlen(ns), namelen = strlen(name);
    sl_object *o = xcalloc(1, sizeof(*o) + nlen + namelen * 2 + nlen + 4);
    char *at = (char *)(o + 1);
    memcpy(at, ns, nlen + 1);
    o->namespace_ = at;
    at += nlen + 1;
    memcpy(at, name, namelen + 1);
    o->name = at;
    at += namelen + 1;
    if (storage->namespaced) {
        memcpy(at, ns, nlen);
        at[nlen] = '/';
        memcpy(at + nlen + 1, name, namelen + 1);
    } else {
        memcpy(at, name, namelen + 1);
    }
    o->key = at;
    o->res = storage;
    o->json = json;
    o->refs = 1;
    if (derived) {
        o->typed = derived;
        o->base = sl_object_ref((sl_object *)base);
        return o;
    }
    char msg[1024];
    msg[0] = 0;
    switch (storage->id) {
    case SL_RES_PODS: o->typed = k8s_pod_decode(json, NULL, msg, sizeof msg); break;
    case SL_RES_NODES: o->typed = k8s_node_decode(json, NULL, msg, sizeof msg); break;
    case SL_RES_NAMESPACES: o->typed = k8s_namespace_decode(json, NULL, msg, sizeof msg); break;
    default: return o;
    }
    if (!o->typed) {
        /* "<input>: Pod ns/name: field: problem" -> field and problem */
        const char *field = "", *problem = msg;
        const char *p = strstr(msg, ": ");
        if (p) {
            const char *q = strstr(p + 2, ": ");
            if (q) {
                const char *r = strstr(q + 2, ": ");
                if (r) {
                    static __thread char fbuf[200];
                    snprintf(fbuf, sizeof fbuf, "%.*s", (int)(r - (q + 2)), q + 2);
                    field = fbuf;
                    problem = r + 2;
                } else {
                    problem = q + 2;
                }
            }
        }
        sl_store_invalid(err, storage, name, "FieldValueInvalid", field[0] ? field : "spec", "%s", problem);
        json_incref(json); /* the caller still owns the json it passed on failure */
        sl_object_unref(o);
        return NULL;
    }
    return o;
}

sl_object *store_object_new(const sl_resource *res, json_t *json, sl_store_error *err) {
    return object_new(res, json, NULL, NULL, err);
}

sl_object *sl_object_new(const sl_resource *res, const json_t *json, sl_store_error *err) {
    if (!res || !json_is_object(json)) {
        sl_store_fail(err, 400, "BadRequest", "the object is not a JSON object");
        return NULL;
    }
    json_t *mine = json_incref((json_t *)json);
    sl_object *o = object_new(res, mine, NULL, NULL, err);
    if (!o) {
        json_decref(mine); /* object_new gave the reference back */
        return NULL;
    }
    const char *rv = meta_string(json, "resourceVersion");
    o->rv = rv ? strtoull(rv, NULL, 10) : 0;
    return o;
}

/* ------------------------------------------------------------------ */
/* Time and ids                                                         */
/* ------------------------------------------------------------------ */

void sl_store_timestamp(sl_store *s, char *buf, size_t size) {
    /* whole seconds: one formatting per second and thread (every bind
     * stamps its PodScheduled condition) */
    static __thread int64_t cached_secs = -1;
    static __thread char cached[32];
    int64_t wall = sl_clock_wall_ns(s->clock);
    int64_t secs = wall / 1000000000 - (wall % 1000000000 < 0);
    if (secs != cached_secs) {
        time_format_rfc3339(wall, cached, sizeof cached);
        cached_secs = secs;
    }
    snprintf(buf, size, "%s", cached);
}

void sl_store_new_uid(sl_store *s, char *buf) {
    pthread_mutex_lock(&s->rng_lock);
    uint64_t a = rng_next(&s->rng), b = rng_next(&s->rng);
    pthread_mutex_unlock(&s->rng_lock);
    unsigned char u[16];
    memcpy(u, &a, 8);
    memcpy(u + 8, &b, 8);
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
             u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
             u[14], u[15]);
}

static void random_suffix(sl_store *s, char *out /* 6 bytes */) {
    static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    pthread_mutex_lock(&s->rng_lock);
    for (int i = 0; i < 5; i++) out[i] = alphabet[rng_below(&s->rng, sizeof(alphabet) - 1)];
    pthread_mutex_unlock(&s->rng_lock);
    out[5] = 0;
}

/* ------------------------------------------------------------------ */
/* Name validation                                                      */
/* ------------------------------------------------------------------ */

static bool alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

static bool dns_label(const char *s, size_t n) {
    if (n == 0 || n > 63 || !alnum_lower(s[0]) || !alnum_lower(s[n - 1])) return false;
    for (size_t i = 0; i < n; i++)
        if (!alnum_lower(s[i]) && s[i] != '-') return false;
    return true;
}

const char *sl_validate_label_name(const char *name) {
    size_t n = strlen(name);
    if (n > 63) return "must be no more than 63 characters";
    if (!dns_label(name, n))
        return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
               "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
               "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    return NULL;
}

const char *sl_validate_subdomain(const char *name) {
    size_t n = strlen(name);
    if (n > 253) return "must be no more than 253 characters";
    const char *msg =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
        "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
        "regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    if (!n) return msg;
    const char *p = name;
    while (*p) {
        size_t seg = strcspn(p, ".");
        if (!seg || !alnum_lower(p[0]) || !alnum_lower(p[seg - 1])) return msg;
        for (size_t i = 0; i < seg; i++)
            if (!alnum_lower(p[i]) && p[i] != '-') return msg;
        p += seg;
        if (*p == '.') {
            p++;
            if (!*p) return msg;
        }
    }
    return NULL;
}

/* Path-segment names (RBAC kinds): anything but "." "..", '/' and '%'. */
static const char *validate_path_segment(const char *name) {
    if (!strcmp(name, ".") || !strcmp(name, "..")) return "may not be '.' or '..'";
    if (strchr(name, '/')) return "may not contain '/'";
    if (strchr(name, '%')) return "may not contain '%'";
    return NULL;
}

static const char *validate_name(const sl_resource *res, const char *name) {
    switch (res->storage) {
    case SL_RES_NAMESPACES:
    case SL_RES_SERVICES: return sl_validate_label_name(name);
    case SL_RES_ROLES:
    case SL_RES_ROLEBINDINGS:
    case SL_RES_CLUSTERROLES:
    case SL_RES_CLUSTERROLEBINDINGS: return validate_path_segment(name);
    default: return sl_validate_subdomain(name);
    }
}

/* ------------------------------------------------------------------ */
/* Opening and closing                                                  */
/* ------------------------------------------------------------------ */

static const char *const builtin_namespaces[] = {"default", "kube-system", "kube-public",
                                                 "kube-node-lease"};

static void precreate(sl_store *s) {
    sl_store_error err;
    for (size_t i = 0; i < ARRAY_LEN(builtin_namespaces); i++) {
        if (strmap_get(&s->tables[SL_RES_NAMESPACES], builtin_namespaces[i])) continue;
        json_t *ns = json_pack("{s:s,s:s,s:{s:s},s:{},s:{s:s}}", "apiVersion", "v1", "kind",
                               "Namespace", "metadata", "name", builtin_namespaces[i], "spec",
                               "status", "phase", "Active");
        if (sl_store_create(s, sl_resource_get(SL_RES_NAMESPACES), NULL, ns, NULL, &err) >= 300)
            log_warn("store: cannot create namespace %s: %s", builtin_namespaces[i], err.message);
        json_decref(ns);
    }
    static const struct { const char *name; int64_t value; const char *description; } classes[] = {
        {"system-node-critical", 2000001000, "Used for system critical pods that must not be moved from their current node."},
        {"system-cluster-critical", 2000000000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."},
    };
    for (size_t i = 0; i < ARRAY_LEN(classes); i++) {
        if (strmap_get(&s->tables[SL_RES_PRIORITYCLASSES], classes[i].name)) continue;
        json_t *pc = json_pack("{s:s,s:s,s:{s:s},s:I,s:s,s:s}", "apiVersion", "scheduling.k8s.io/v1",
                               "kind", "PriorityClass", "metadata", "name", classes[i].name,
                               "value", (json_int_t)classes[i].value, "description",
                               classes[i].description, "preemptionPolicy", "PreemptLowerPriority");
        if (sl_store_create(s, sl_resource_get(SL_RES_PRIORITYCLASSES), NULL, pc, NULL, &err) >= 300)
            log_warn("store: cannot create priority class %s: %s", classes[i].name, err.message);
        json_decref(pc);
    }
}

sl_store *sl_store_open(const sl_store_options *options, char *err, size_t errsize) {
    sl_store_options defaults = {0};
    if (!options) options = &defaults;
    sl_store *s = xcalloc(1, sizeof(*s));
    pthread_rwlock_init(&s->lock, NULL);
    pthread_mutex_init(&s->notify_lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    for (int i = 0; i < SL_RES_COUNT; i++) pthread_cond_init(&s->notify[i], &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&s->dispatch_lock, NULL);
    pthread_mutex_init(&s->rng_lock, NULL);
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed) seed = (uint64_t)time_wall_ns();
    rng_seed(&s->rng, seed);
    if (options->clock) {
        s->clock = options->clock;
    } else {
        s->clock = sl_clock_real_new();
        s->owns_clock = true;
    }
    s->snapshot = options->snapshot;
    s->log_cap = options->history ? options->history : 20000;
    s->ring = xcalloc(s->log_cap, sizeof(*s->ring));
    s->log_oldest = 1;
    if (options->data_dir) {
        if (!store_persist_open(s, options->data_dir, err, errsize)) {
            sl_store_close(s);
            return NULL;
        }
    }
    precreate(s);
    return s;
}

void sl_store_close(sl_store *s) {
    if (!s) return;
    for (int i = 0; i < SL_RES_COUNT; i++) {
        size_t pos = 0;
        void *value;
        while (strmap_next(&s->tables[i], &pos, NULL, &value)) sl_object_unref(value);
        strmap_free(&s->tables[i]);
    }
    for (uint32_t i = 0; i < s->log_cap; i++) {
        sl_object_unref(s->ring[i].obj);
        sl_object_unref(s->ring[i].old);
    }
    free(s->ring);
    store_persist_close(s);
    VEC_FREE(&s->listeners);
    if (s->owns_clock) sl_clock_free(s->clock);
    pthread_rwlock_destroy(&s->lock);
    pthread_mutex_destroy(&s->notify_lock);
    for (int i = 0; i < SL_RES_COUNT; i++) pthread_cond_destroy(&s->notify[i]);
    pthread_mutex_destroy(&s->dispatch_lock);
    pthread_mutex_destroy(&s->rng_lock);
    free(s);
}

sl_clock *sl_store_clock(sl_store *s) { return s->clock; }

uint64_t sl_store_revision(sl_store *s) { return __atomic_load_n(&s->rv, __ATOMIC_ACQUIRE); }

uint64_t sl_store_oldest_revision(sl_store *s) {
    pthread_rwlock_rdlock(&s->lock);
    uint64_t r = s->log_oldest;
    pthread_rwlock_unlock(&s->lock);
    return r;
}

size_t sl_store_count(sl_store *s, const sl_resource *res) {
    pthread_rwlock_rdlock(&s->lock);
    size_t n = strmap_len(&s->tables[res->storage]);
    pthread_rwlock_unlock(&s->lock);
    return n;
}

void sl_store_set_admission(sl_store *s, sl_admit_fn fn, void *user) {
    s->admit = fn;
    s->admit_user = user;
}

/* ------------------------------------------------------------------ */
/* Commit: the one place that changes the tables                       */
/* ------------------------------------------------------------------ */

/* Appends a log entry (lock held exclusively). Takes the references. */
void store_log_append(sl_store *s, sl_event_type type, uint64_t rv, sl_object *obj, sl_object *old) {
    log_entry *e = &s->ring[rv % s->log_cap];
    if (e->obj) {
        /* evicting the entry of rv - cap */
        sl_object_unref(e->obj);
        sl_object_unref(e->old);
        if (e->rv + 1 > s->log_oldest) s->log_oldest = e->rv + 1;
    }
    e->type = type;
    e->rv = rv;
    e->obj = obj;
    e->old = old;
    e->prev_of_kind = s->kind_rv[obj->res->id];
    __atomic_store_n(&s->kind_rv[obj->res->id], rv, __ATOMIC_RELEASE);
    if (rv - s->log_oldest >= s->log_cap) s->log_oldest = rv - s->log_cap + 1;
}

static void set_rv(json_t *obj, uint64_t rv) {
    json_t *meta = json_object_get(obj, "metadata");
    char buf[24], *at = buf + sizeof buf - 1;
    *at = 0;
    do *--at = (char)('0' + rv % 10); while ((rv /= 10) != 0);
    json_object_set_new(meta, "resourceVersion", json_string(at));
}

/* Wakes the watchers of one kind (by storage id), or of all kinds (-1). */
static void notify_watchers(sl_store *s, int kind) {
    pthread_mutex_lock(&s->notify_lock);
    for (int i = 0; i < SL_RES_COUNT; i++)
        if (kind < 0 || i == kind) pthread_cond_broadcast(&s->notify[i]);
    pthread_mutex_unlock(&s->notify_lock);
}

static void dispatch(sl_store *s);

typedef enum commit_kind { COMMIT_CREATE, COMMIT_UPDATE, COMMIT_DELETE } commit_kind;

static __thread int dry_run_depth;
void sl_store_dry_run_begin(void) { dry_run_depth++; }
void sl_store_dry_run_end(void) { dry_run_depth--; }

/* Publishes obj (a new, unpublished version: its json may still be
 * modified) for key. expected: the version the write was computed from
 * (update/delete); a different current version means retry (returns -1).
 * On success the table holds obj and *out gets a reference. */
static int commit(sl_store *s, commit_kind kind, sl_object *obj, sl_object *expected,
                  sl_object **out, sl_store_error *err) {
    const sl_resource *res = obj->res;
    pthread_rwlock_wrlock(&s->lock);
    sl_object *cur = strmap_get(&s->tables[res->id], obj->key);
    if (kind == COMMIT_CREATE) {
        if (cur) {
            pthread_rwlock_unlock(&s->lock);
            sl_store_fail(err, 409, "AlreadyExists", "%s%s%s \"%s\" already exists", res->name,
                          res->group[0] ? "." : "", res->group, obj->name);
            if (err) {
                snprintf(err->detail_name, sizeof err->detail_name, "%s", obj->name);
                err->detail_res = res;
            }
            return 409;
        }
        if (res->namespaced && !s->snapshot && !strmap_get(&s->tables[SL_RES_NAMESPACES], obj->namespace_)) {
            pthread_rwlock_unlock(&s->lock);
            return not_found(err, sl_resource_get(SL_RES_NAMESPACES), obj->namespace_);
        }
    } else if (cur != expected) {
        pthread_rwlock_unlock(&s->lock);
        if (!cur) return not_found(err, res, obj->name);
        return -1;
    }
    if (dry_run_depth > 0) {
        pthread_rwlock_unlock(&s->lock);
        if (out) *out = obj;
        else sl_object_unref(obj);
        return kind == COMMIT_CREATE ? 201 : 200;
    }
    uint64_t rv = s->rv + 1;
    obj->rv = rv;
    obj->create_rv = kind == COMMIT_CREATE ? rv : cur->create_rv;
    set_rv(obj->json, rv);
    sl_event_type type = kind == COMMIT_CREATE ? SL_EVENT_ADDED
                         : kind == COMMIT_UPDATE ? SL_EVENT_MODIFIED : SL_EVENT_DELETED;
    if (s->persist && !store_persist_write(s, type, obj, err)) {
        pthread_rwlock_unlock(&s->lock);
        return err ? err->code : 500;
    }
    __atomic_store_n(&s->rv, rv, __ATOMIC_RELEASE);
    if (kind == COMMIT_DELETE) {
        strmap_remove(&s->tables[res->id], obj->key);
        store_log_append(s, type, rv, sl_object_ref(obj), cur); /* the table's reference moves to the log */
    } else {
        strmap_put(&s->tables[res->id], obj->key, sl_object_ref(obj));
        store_log_append(s, type, rv, sl_object_ref(obj), cur);
    }
    pthread_rwlock_unlock(&s->lock);
    notify_watchers(s, res->id);
    dispatch(s);
    if (out) *out = obj;
    else sl_object_unref(obj);
    return kind == COMMIT_CREATE ? 201 : 200;
}

/* ------------------------------------------------------------------ */
/* Reads                                                                */
/* ------------------------------------------------------------------ */

static void make_key(const sl_resource *res, const char *ns, const char *name, char *buf,
                     size_t size) {
    if (res->namespaced) snprintf(buf, size, "%s/%s", ns ? ns : "", name);
    else snprintf(buf, size, "%s", name);
}

int sl_store_get(sl_store *s, const sl_resource *res, const char *namespace_, const char *name,
                 sl_object **out, sl_store_error *err) {
    const sl_resource *storage = sl_resource_get(res->storage);
    char key[600];
    make_key(storage, namespace_, name, key, sizeof key);
    pthread_rwlock_rdlock(&s->lock);
    sl_object *o = sl_object_ref(strmap_get(&s->tables[storage->id], key));
    pthread_rwlock_unlock(&s->lock);
    if (!o) return not_found(err, res, name);
    *out = o;
    return 200;
}

static int by_key(const void *a, const void *b) {
    const sl_object *x = *(sl_object *const *)a, *y = *(sl_object *const *)b;
    return strcmp(x->key, y->key);
}

static int by_creation(const void *a, const void *b) {
    const sl_object *x = *(sl_object *const *)a, *y = *(sl_object *const *)b;
    return x->create_rv < y->create_rv ? -1 : x->create_rv > y->create_rv;
}

/* Moves the k smallest keys (any order) to items[0..k): quickselect, so a
 * page of a big list costs a scan rather than a sort of the whole table. */
static void select_smallest(sl_object **items, size_t n, size_t k) {
    size_t lo = 0, hi = n; /* the k-th smallest lies in [lo, hi) */
    while (hi - lo > 1) {
        sl_object *pivot = items[lo + (hi - lo) / 2];
        size_t i = lo, lt = lo, gt = hi; /* [lo,lt) < pivot, [lt,i) == pivot, [gt,hi) > pivot */
        while (i < gt) {
            int c = strcmp(items[i]->key, pivot->key);
            sl_object *t;
            if (c < 0) { t = items[i]; items[i++] = items[lt]; items[lt++] = t; }
            else if (c > 0) { t = items[i]; items[i] = items[--gt]; items[gt] = t; }
            else i++;
        }
        if (k <= lt) hi = lt;
        else if (k <= gt) return;
        else lo = gt;
    }
}

/* All objects of a table (optionally one namespace), referenced. */
static size_t collect(sl_store *s, const sl_resource *storage, const char *ns, sl_object ***out,
                      uint64_t *rv) {
    pthread_rwlock_rdlock(&s->lock);
    strmap *t = &s->tables[storage->id];
    sl_object **items = xmalloc((strmap_len(t) + 1) * sizeof(*items));
    size_t n = 0, pos = 0;
    void *value;
    bool filter = ns && *ns && storage->namespaced;
    while (strmap_next(t, &pos, NULL, &value)) {
        sl_object *o = value;
        if (filter && strcmp(o->namespace_, ns) != 0) continue;
        items[n++] = sl_object_ref(o);
    }
    if (rv) *rv = s->rv;
    pthread_rwlock_unlock(&s->lock);
    *out = items;
    return n;
}

size_t sl_store_snapshot(sl_store *s, const sl_resource *res, sl_object ***out, uint64_t *rv) {
    size_t n = collect(s, sl_resource_get(res->storage), NULL, out, rv);
    qsort(*out, n, sizeof(**out), by_creation);
    return n;
}

/* continue tokens: "<rv>:<last key>" (base64 is not needed: kubectl passes
 * it back verbatim, URL-encoded). */
int sl_store_list(sl_store *s, const sl_resource *res, const sl_list_options *opts, sl_list *out,
                  sl_store_error *err) {
    memset(out, 0, sizeof(*out));
    const sl_resource *storage = sl_resource_get(res->storage);
    const char *after = NULL;
    if (opts && opts->continue_token && *opts->continue_token) {
        const char *colon = strchr(opts->continue_token, ':');
        char *end;
        unsigned long long trv = strtoull(opts->continue_token, &end, 10);
        if (!colon || end != colon)
            return sl_store_fail(err, 400, "BadRequest", "continue key is not valid: %s",
                                 opts->continue_token);
        if (trv + 1 < sl_store_oldest_revision(s) && trv != sl_store_revision(s))
            return sl_store_fail(err, 410, "Expired",
                                 "The provided continue parameter is too old to display a "
                                 "consistent list result. You can start a new list without the "
                                 "continue parameter.");
        after = colon + 1;
    }
    sl_object **items;
    uint64_t rv;
    size_t n = collect(s, storage, opts ? opts->namespace_ : NULL, &items, &rv);
    /* filter first, then sort only what matched (a selective fieldSelector
     * over a big table costs a scan, not a sort) */
    const sl_selector *sel = opts ? opts->selector : NULL;
    size_t matched = 0;
    for (size_t i = 0; i < n; i++) {
        sl_object *o = items[i];
        if ((!after || strcmp(o->key, after) > 0) && sl_selector_matches(sel, o)) items[matched++] = o;
        else sl_object_unref(o);
    }
    uint32_t limit = opts ? opts->limit : 0;
    if (limit && matched > limit) select_smallest(items, matched, limit);
    qsort(items, limit && matched > limit ? limit : matched, sizeof(*items), by_key);
    size_t kept = matched;
    if (limit && matched > limit) {
        /* more matching items exist: this page ends here */
        kept = limit;
        out->continue_token = xasprintf("%" PRIu64 ":%s", rv, items[kept - 1]->key);
        for (size_t j = kept; j < matched; j++) sl_object_unref(items[j]);
    }
    out->items = items;
    out->len = kept;
    out->rv = rv;
    return 200;
}

void sl_list_free(sl_list *list) {
    for (size_t i = 0; i < list->len; i++) sl_object_unref(list->items[i]);
    free(list->items);
    free(list->continue_token);
    memset(list, 0, sizeof(*list));
}

/* ------------------------------------------------------------------ */
/* Writes                                                               */
/* ------------------------------------------------------------------ */

static json_t *ensure_metadata(json_t *obj) {
    json_t *meta = json_object_get(obj, "metadata");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(obj, "metadata", meta);
    }
    return meta;
}

static void set_kind(const sl_resource *res, json_t *obj) {
    char av[80];
    json_object_set_new(obj, "apiVersion", json_string(sl_resource_api_version(res, av, sizeof av)));
    json_object_set_new(obj, "kind", json_string(res->kind));
}

static int run_admission(sl_store *s, const sl_resource *res, json_t *obj, const sl_object *cur,
                         sl_store_error *err) {
    if (!s->admit) return 200;
    return s->admit(s->admit_user, s, res, obj, cur, err);
}

int sl_store_create(sl_store *s, const sl_resource *res, const char *namespace_, const json_t *in,
                    sl_object **out, sl_store_error *err) {
    if (!json_is_object(in))
        return sl_store_fail(err, 400, "BadRequest", "the body of the request must be a JSON object");
    return sl_store_create_take(s, res, namespace_, json_deep_copy(in), out, err);
}

int sl_store_create_take(sl_store *s, const sl_resource *res, const char *namespace_, json_t *obj,
                         sl_object **out, sl_store_error *err) {
    const sl_resource *storage = sl_resource_get(res->storage);
    if (!json_is_object(obj)) {
        json_decref(obj);
        return sl_store_fail(err, 400, "BadRequest", "the body of the request must be a JSON object");
    }
    json_t *meta = ensure_metadata(obj);
    set_kind(storage, obj);
    const char *body_ns = json_string_value(json_object_get(meta, "namespace"));
    if (storage->namespaced) {
        if (body_ns && *body_ns && namespace_ && *namespace_ && strcmp(body_ns, namespace_) != 0) {
            json_decref(obj);
            return sl_store_fail(err, 400, "BadRequest",
                                 "the namespace of the provided object does not match the "
                                 "namespace sent on the request");
        }
        const char *ns = namespace_ && *namespace_ ? namespace_ : body_ns && *body_ns ? body_ns : "default";
        json_object_set_new(meta, "namespace", json_string(ns));
    } else {
        json_object_del(meta, "namespace");
    }
    const char *name = json_string_value(json_object_get(meta, "name"));
    const char *generate = json_string_value(json_object_get(meta, "generateName"));
    bool generated = (!name || !*name) && generate && *generate;
    if ((!name || !*name) && !generated) {
        json_decref(obj);
        return sl_store_invalid(err, storage, "", "FieldValueRequired", "metadata.name",
                                "Required value: name or generateName is required");
    }
    char uid[40], ts[32];
    sl_store_new_uid(s, uid);
    sl_store_timestamp(s, ts, sizeof ts);
    const char *given_uid = json_string_value(json_object_get(meta, "uid"));
    const char *given_ts = json_string_value(json_object_get(meta, "creationTimestamp"));
    if (!s->snapshot || !given_uid || !*given_uid) json_object_set_new(meta, "uid", json_string(uid));
    if (!s->snapshot || !given_ts || !*given_ts) json_object_set_new(meta, "creationTimestamp", json_string(ts));
    json_object_del(meta, "resourceVersion");
    if (!s->snapshot) { /* a snapshot keeps the pods being deleted as they were */
        json_object_del(meta, "deletionTimestamp");
        json_object_del(meta, "deletionGracePeriodSeconds");
    }
    json_object_del(meta, "selfLink");
    json_object_del(meta, "managedFields");
    if (storage->id != SL_RES_EVENTS && storage->id != SL_RES_LEASES && storage->id != SL_RES_NAMESPACES &&
        storage->id != SL_RES_NODES && storage->id != SL_RES_PODS)
        json_object_set_new(meta, "generation", json_integer(1));
    int code = run_admission(s, storage, obj, NULL, err);
    if (code >= 300) {
        json_decref(obj);
        return code;
    }
    for (int attempt = 0;; attempt++) {
        if (generated) {
            char suffix[6], full[300];
            random_suffix(s, suffix);
            snprintf(full, sizeof full, "%.58s%s", generate, suffix);
            json_object_set_new(meta, "name", json_string(full));
        }
        name = json_string_value(json_object_get(meta, "name"));
        const char *why = validate_name(storage, name);
        if (why) {
            code = sl_store_invalid(err, storage, name, "FieldValueInvalid",
                                    generated ? "metadata.generateName" : "metadata.name",
                                    "Invalid value: \"%s\": %s", generated ? generate : name, why);
            json_decref(obj);
            return code;
        }
        sl_object *o = store_object_new(storage, json_incref(obj), err);
        if (!o) {
            json_decref(obj);
            json_decref(obj);
            return err ? err->code : 422;
        }
        code = commit(s, COMMIT_CREATE, o, NULL, out, err);
        if (code < 300) {
            json_decref(obj);
            return code;
        }
        sl_object_unref(o);
        if (!(code == 409 && generated && attempt < 8)) {
            json_decref(obj);
            return code;
        }
        /* the published json is shared with o: copy before renaming */
        json_t *copy = json_deep_copy(obj);
        json_decref(obj);
        obj = copy;
        meta = json_object_get(obj, "metadata");
    }
}

static bool spec_equal(const json_t *a, const json_t *b) {
    const json_t *sa = json_object_get(a, "spec"), *sb = json_object_get(b, "spec");
    if (!sa && !sb) return true;
    return sa && sb && json_equal(sa, sb);
}

/* metadata.generation + 1 when the spec changed (kinds that have one). */
static void bump_generation(const sl_object *cur, json_t *next) {
    json_t *gen = json_object_get(json_object_get(cur->json, "metadata"), "generation");
    if (json_is_integer(gen) && !spec_equal(cur->json, next))
        json_object_set_new(json_object_get(next, "metadata"), "generation", json_integer(json_integer_value(gen) + 1));
}

/* Keeps identity and system fields of cur in next. */
static void keep_identity(const sl_object *cur, json_t *next) {
    json_t *meta = ensure_metadata(next);
    json_t *cm = json_object_get(cur->json, "metadata");
    static const char *const keep[] = {"name", "namespace", "uid", "creationTimestamp",
                                       "deletionTimestamp", "deletionGracePeriodSeconds",
                                       "generation"};
    /* most writers copy cur's metadata: skip what is already the same value */
    for (size_t i = 0; i < ARRAY_LEN(keep); i++) {
        json_t *v = json_object_get(cm, keep[i]), *have = json_object_get(meta, keep[i]);
        if (v == have) continue;
        if (v) json_object_set(meta, keep[i], v);
        else json_object_del(meta, keep[i]);
    }
    static const char *const top[] = {"apiVersion", "kind"};
    for (size_t i = 0; i < ARRAY_LEN(top); i++) {
        json_t *v = json_object_get(cur->json, top[i]);
        if (json_object_get(next, top[i]) != v) json_object_set(next, top[i], v);
    }
    bump_generation(cur, next);
}

int sl_store_update(sl_store *s, const sl_resource *res, const char *namespace_, const char *name,
                    sl_mutate_fn mutate, void *user, sl_object **out, sl_store_error *err) {
    return sl_store_update_derived(s, res, namespace_, name, mutate, NULL, user, out, err);
}

int sl_store_update_derived(sl_store *s, const sl_resource *res, const char *namespace_,
                            const char *name, sl_mutate_fn mutate, sl_derive_fn derive, void *user,
                            sl_object **out, sl_store_error *err) {
    const sl_resource *storage = sl_resource_get(res->storage);
    for (;;) {
        sl_object *cur;
        int code = sl_store_get(s, res, namespace_, name, &cur, err);
        if (code >= 300) return code;
        json_t *next = NULL;
        code = mutate(user, cur, &next, err);
        if (code >= 300 || !next) {
            sl_object_unref(cur);
            json_decref(next);
            return code >= 300 ? code : sl_store_fail(err, 500, "InternalError", "update produced nothing");
        }
        if (!json_is_object(next)) {
            sl_object_unref(cur);
            json_decref(next);
            return sl_store_fail(err, 400, "BadRequest", "the object must be a JSON object");
        }
        /* metadata is always private to the new version (a mutate may
         * share the rest of the tree with cur: it is never modified) */
        json_t *meta = json_object_get(next, "metadata");
        /* mutate left cur's metadata as it was (a status write, a bind):
         * identity and resourceVersion are cur's already */
        bool same_meta = meta && meta == json_object_get(cur->json, "metadata") &&
                         json_object_get(next, "apiVersion") == json_object_get(cur->json, "apiVersion") &&
                         json_object_get(next, "kind") == json_object_get(cur->json, "kind");
        json_object_set_new(next, "metadata", json_is_object(meta) ? json_copy(meta) : json_object());
        meta = json_object_get(next, "metadata");
        const char *want = same_meta ? NULL : json_string_value(json_object_get(meta, "resourceVersion"));
        if (want && *want) {
            char *end;
            unsigned long long w = strtoull(want, &end, 10);
            if (*end || w != cur->rv) {
                sl_object_unref(cur);
                json_decref(next);
                sl_store_fail(err, 409, "Conflict",
                              "Operation cannot be fulfilled on %s%s%s \"%s\": the object has been "
                              "modified; please apply your changes to the latest version and try again",
                              storage->name, storage->group[0] ? "." : "", storage->group, name);
                if (err) {
                    snprintf(err->detail_name, sizeof err->detail_name, "%s", name);
                    err->detail_res = storage;
                }
                return 409;
            }
        }
        if (!same_meta) keep_identity(cur, next);
        else bump_generation(cur, next);
        code = run_admission(s, storage, next, cur, err);
        if (code >= 300) {
            sl_object_unref(cur);
            json_decref(next);
            return code;
        }
        if (!same_meta)
            json_object_set(meta, "resourceVersion", json_object_get(json_object_get(cur->json, "metadata"), "resourceVersion"));
        if (json_equal(next, cur->json)) { /* nothing changed: no new version */
            json_decref(next);
            if (out) *out = cur;
            else sl_object_unref(cur);
            return 200;
        }
        void *typed = derive ? derive(user, cur, next) : NULL;
        sl_object *o = object_new(storage, next, cur, typed, err);
        if (!o) {
            json_decref(next);
            sl_object_unref(cur);
            return err ? err->code : 422;
        }
        code = commit(s, COMMIT_UPDATE, o, cur, out, err);
        sl_object_unref(cur);
        if (code != -1) {
            if (code >= 300) sl_object_unref(o);
            return code;
        }
        sl_object_unref(o); /* someone else wrote first: recompute */
    }
}

static int replace_with(void *user, const sl_object *cur, json_t **next, sl_store_error *err) {
    UNUSED(cur);
    UNUSED(err);
    *next = json_deep_copy(user);
    return 200;
}

int sl_store_replace(sl_store *s, const sl_resource *res, const char *namespace_,
                     const json_t *obj, sl_object **out, sl_store_error *err) {
    const char *name = meta_string(obj, "name");
    if (!name || !*name)
        return sl_store_invalid(err, res, "", "FieldValueRequired", "metadata.name", "Required value: name is required");
    return sl_store_update(s, res, namespace_, name, replace_with, (void *)obj, out, err);
}

static int delete_one(sl_store *s, const sl_resource *storage, const char *namespace_,
                      const char *name, uint64_t precondition_rv, const char *precondition_uid,
                      sl_object **out, sl_store_error *err) {
    for (;;) {
        sl_object *cur;
        int code = sl_store_get(s, storage, namespace_, name, &cur, err);
        if (code >= 300) return code;
        const char *uid = meta_string(cur->json, "uid");
        if (precondition_uid && *precondition_uid && (!uid || strcmp(uid, precondition_uid) != 0)) {
            sl_object_unref(cur);
            return sl_store_fail(err, 409, "Conflict",
                                 "Operation cannot be fulfilled on %s \"%s\": Precondition failed: "
                                 "UID in precondition: %s, UID in object meta: %s",
                                 storage->name, name, precondition_uid, uid ? uid : "");
        }
        if (precondition_rv && precondition_rv != cur->rv) {
            sl_object_unref(cur);
            return sl_store_fail(err, 409, "Conflict",
                                 "Operation cannot be fulfilled on %s \"%s\": Precondition failed: "
                                 "ResourceVersion in precondition: %" PRIu64 ", ResourceVersion in "
                                 "object meta: %" PRIu64,
                                 storage->name, name, precondition_rv, cur->rv);
        }
        /* the last state: a shallow copy sharing everything but metadata */
        json_t *last = json_copy(cur->json);
        json_object_set_new(last, "metadata", json_copy(json_object_get(cur->json, "metadata")));
        sl_object *o = store_object_new(storage, last, err);
        if (!o) {
            json_decref(last);
            sl_object_unref(cur);
            return err ? err->code : 500;
        }
        code = commit(s, COMMIT_DELETE, o, cur, out, err);
        sl_object_unref(cur);
        if (code != -1) {
            if (code >= 300) sl_object_unref(o);
            return code;
        }
        sl_object_unref(o);
    }
}

int sl_store_delete(sl_store *s, const sl_resource *res, const char *namespace_, const char *name,
                    uint64_t precondition_rv, const char *precondition_uid, sl_object **out,
                    sl_store_error *err) {
    const sl_resource *storage = sl_resource_get(res->storage);
    if (storage->id == SL_RES_NAMESPACES) {
        if (!strcmp(name, "default") || !strcmp(name, "kube-system") || !strcmp(name, "kube-public"))
            return sl_store_fail(err, 403, "Forbidden",
                                 "namespaces \"%s\" is forbidden: this namespace may not be deleted", name);
        sl_object *ns;
        int code = sl_store_get(s, storage, NULL, name, &ns, err);
        if (code >= 300) return code;
        sl_object_unref(ns);
        /* contents first, then the namespace (no finalizers to wait for) */
        for (int i = 0; i < SL_RES_COUNT; i++) {
            const sl_resource *r = sl_resource_get((sl_resource_id)i);
            if (!r->namespaced || r->storage != r->id) continue;
            sl_object **items;
            size_t n = collect(s, r, name, &items, NULL);
            for (size_t j = 0; j < n; j++) {
                delete_one(s, r, items[j]->namespace_, items[j]->name, 0, NULL, NULL, NULL);
                sl_object_unref(items[j]);
            }
            free(items);
        }
    }
    return delete_one(s, storage, namespace_, name, precondition_rv, precondition_uid, out, err);
}

/* ------------------------------------------------------------------ */
/* Watchers                                                             */
/* ------------------------------------------------------------------ */

const char *sl_event_type_name(sl_event_type t) {
    switch (t) {
    case SL_EVENT_ADDED: return "ADDED";
    case SL_EVENT_MODIFIED: return "MODIFIED";
    case SL_EVENT_DELETED: return "DELETED";
    }
    return "UNKNOWN";
}

struct sl_watcher {
    sl_store *s;
    const sl_resource *storage;
    char *namespace_;          /* NULL: all */
    const sl_selector *selector;
    uint64_t pos;
    sl_object **initial;       /* synthetic ADDEDs still to deliver */
    size_t ninitial, next_initial;
    int interrupted;           /* atomic */
};

/* Whether every entry of one kind after revision pos is still in the ring
 * (lock held): expiry is per kind, as upstream's watch cache is per
 * resource, so writes of other kinds do not expire a quiet kind's watch. */
static bool still_in_ring(sl_store *s, int kind, uint64_t pos) {
    uint64_t r = s->kind_rv[kind];
    while (r > pos && r >= s->log_oldest) r = s->ring[r % s->log_cap].prev_of_kind;
    return r <= pos;
}

int sl_store_watch(sl_store *s, const sl_resource *res, const char *namespace_,
                   const sl_selector *selector, uint64_t from_rv, sl_watcher **out,
                   sl_store_error *err) {
    sl_watcher *w = xcalloc(1, sizeof(*w));
    w->s = s;
    w->storage = sl_resource_get(res->storage);
    w->namespace_ = namespace_ && *namespace_ && w->storage->namespaced ? xstrdup(namespace_) : NULL;
    w->selector = selector;
    if (from_rv == 0) {
        sl_object **items;
        uint64_t rv;
        size_t n = collect(s, w->storage, w->namespace_, &items, &rv);
        qsort(items, n, sizeof(*items), by_creation);
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            if (sl_selector_matches(selector, items[i])) items[kept++] = items[i];
            else sl_object_unref(items[i]);
        }
        w->initial = items;
        w->ninitial = kept;
        w->pos = rv;
    } else {
        pthread_rwlock_rdlock(&s->lock);
        bool ok = from_rv >= s->rv || from_rv + 1 >= s->log_oldest ||
                  still_in_ring(s, w->storage->id, from_rv);
        uint64_t oldest = s->log_oldest;
        pthread_rwlock_unlock(&s->lock);
        if (!ok) {
            free(w->namespace_);
            free(w);
            return sl_store_fail(err, 410, "Expired", "too old resource version: %" PRIu64 " (%" PRIu64 ")",
                                 from_rv, oldest - 1);
        }
        w->pos = from_rv;
    }
    *out = w;
    return 200;
}

uint64_t sl_watcher_position(sl_watcher *w) { return w->pos; }

void sl_watcher_interrupt(sl_watcher *w) {
    __atomic_store_n(&w->interrupted, 1, __ATOMIC_RELEASE);
    notify_watchers(w->s, w->storage->id);
}

void sl_store_wake_watchers(sl_store *s) { notify_watchers(s, -1); }

void sl_watcher_close(sl_watcher *w) {
    if (!w) return;
    for (size_t i = w->next_initial; i < w->ninitial; i++) sl_object_unref(w->initial[i]);
    free(w->initial);
    free(w->namespace_);
    free(w);
}

void sl_store_event_release(sl_store_event *ev) {
    sl_object_unref(ev->obj);
    sl_object_unref(ev->old);
    ev->obj = ev->old = NULL;
}

/* Filters one log entry for the watcher: 1 = deliver (ev filled). */
static int filter_entry(sl_watcher *w, const log_entry *e, sl_store_event *ev) {
    if (e->obj->res != w->storage) return 0;
    if (w->namespace_ && strcmp(e->obj->namespace_, w->namespace_) != 0) return 0;
    bool now = sl_selector_matches(w->selector, e->obj);
    if (e->type == SL_EVENT_DELETED) {
        if (!now) return 0;
        ev->type = SL_EVENT_DELETED;
    } else if (e->type == SL_EVENT_ADDED) {
        if (!now) return 0;
        ev->type = SL_EVENT_ADDED;
    } else {
        bool before = e->old ? sl_selector_matches(w->selector, e->old) : now;
        if (!now && !before) return 0;
        if (now && before) ev->type = SL_EVENT_MODIFIED;
        else if (now) ev->type = SL_EVENT_ADDED;
        else ev->type = SL_EVENT_DELETED; /* left the filter: the old state, at the new rv */
    }
    ev->rv = e->rv;
    ev->res = w->storage;
    if (ev->type == SL_EVENT_DELETED && e->type == SL_EVENT_MODIFIED) {
        /* upstream sends the new object for a filter exit; its state no
         * longer matches, which is what tells the client it left */
        ev->obj = sl_object_ref(e->obj);
    } else {
        ev->obj = sl_object_ref(e->obj);
    }
    ev->old = sl_object_ref(e->old);
    return 1;
}

int sl_watcher_next(sl_watcher *w, sl_store_event *ev, int64_t timeout_ns) {
    memset(ev, 0, sizeof(*ev));
    if (w->next_initial < w->ninitial) {
        ev->type = SL_EVENT_ADDED;
        ev->obj = w->initial[w->next_initial++];
        ev->rv = ev->obj->rv;
        ev->res = w->storage;
        return 1;
    }
    sl_store *s = w->s;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    int64_t abs = (int64_t)deadline.tv_sec * 1000000000 + deadline.tv_nsec + (timeout_ns > 0 ? timeout_ns : 0);
    deadline.tv_sec = abs / 1000000000;
    deadline.tv_nsec = abs % 1000000000;
    uint64_t *kind_rv = &s->kind_rv[w->storage->id];
    for (;;) {
        if (__atomic_load_n(&w->interrupted, __ATOMIC_ACQUIRE)) return 0;
        if (sl_store_revision(s) > w->pos) {
            pthread_rwlock_rdlock(&s->lock);
            if (*kind_rv <= w->pos) {
                /* only other kinds were written since: skip them, so the
                 * position stays current while this kind is quiet */
                w->pos = s->rv;
                pthread_rwlock_unlock(&s->lock);
                continue;
            }
            if (w->pos + 1 < s->log_oldest) {
                if (!still_in_ring(s, w->storage->id, w->pos)) {
                    pthread_rwlock_unlock(&s->lock);
                    return -1;
                }
                w->pos = s->log_oldest - 1; /* what was evicted is of other kinds */
            }
            int got = 0;
            while (!got && w->pos < s->rv) {
                const log_entry *e = &s->ring[(w->pos + 1) % s->log_cap];
                w->pos++;
                got = filter_entry(w, e, ev);
            }
            pthread_rwlock_unlock(&s->lock);
            if (got) return 1;
            continue;
        }
        if (timeout_ns <= 0) return 0;
        pthread_mutex_lock(&s->notify_lock);
        int rc = 0;
        while (__atomic_load_n(kind_rv, __ATOMIC_ACQUIRE) <= w->pos &&
               !__atomic_load_n(&w->interrupted, __ATOMIC_ACQUIRE) && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&s->notify[w->storage->id], &s->notify_lock, &deadline);
        pthread_mutex_unlock(&s->notify_lock);
        if (rc == ETIMEDOUT && __atomic_load_n(kind_rv, __ATOMIC_ACQUIRE) <= w->pos) return 0;
    }
}

/* ------------------------------------------------------------------ */
/* Listeners                                                            */
/* ------------------------------------------------------------------ */

static __thread sl_store *dispatching_store;

static void deliver(sl_store *s, const sl_store_event *ev) {
    for (size_t i = 0; i < s->listeners.len; i++) {
        listener *l = &s->listeners.items[i];
        if (l->removed || ev->rv <= l->from_rv) continue;
        l->fn(l->user, ev);
    }
}

static void dispatch(sl_store *s) {
    if (!__atomic_load_n(&s->nlisteners, __ATOMIC_ACQUIRE)) return;
    if (dispatching_store == s) return; /* the outer loop delivers it */
    pthread_mutex_lock(&s->dispatch_lock);
    dispatching_store = s;
    for (;;) {
        pthread_rwlock_rdlock(&s->lock);
        if (s->dispatched >= s->rv) {
            pthread_rwlock_unlock(&s->lock);
            break;
        }
        uint64_t r = s->dispatched + 1;
        if (r < s->log_oldest) r = s->log_oldest; /* cannot happen with synchronous dispatch */
        const log_entry *e = &s->ring[r % s->log_cap];
        sl_store_event ev = {e->type, e->rv, e->obj->res, sl_object_ref(e->obj), sl_object_ref(e->old)};
        pthread_rwlock_unlock(&s->lock);
        s->dispatched = r;
        deliver(s, &ev);
        sl_store_event_release(&ev);
    }
    /* drop removed listeners */
    size_t kept = 0;
    for (size_t i = 0; i < s->listeners.len; i++)
        if (!s->listeners.items[i].removed) s->listeners.items[kept++] = s->listeners.items[i];
    s->listeners.len = kept;
    __atomic_store_n(&s->nlisteners, kept, __ATOMIC_RELEASE);
    dispatching_store = NULL;
    pthread_mutex_unlock(&s->dispatch_lock);
}

uint64_t sl_store_listen(sl_store *s, sl_listener_fn fn, void *user,
                         const sl_resource_id *replay_order, size_t nreplay) {
    bool nested = dispatching_store == s;
    if (!nested) pthread_mutex_lock(&s->dispatch_lock);
    sl_store *saved = dispatching_store;
    dispatching_store = s;
    /* snapshot and registration under the read lock: nothing slips between */
    pthread_rwlock_rdlock(&s->lock);
    VEC(sl_object *) replay = {0};
    for (size_t k = 0; k < nreplay; k++) {
        strmap *t = &s->tables[replay_order[k]];
        size_t start = replay.len, pos = 0;
        void *value;
        while (strmap_next(t, &pos, NULL, &value)) VEC_PUSH(&replay, sl_object_ref(value));
        qsort(replay.items + start, replay.len - start, sizeof(sl_object *), by_creation);
    }
    listener l = {fn, user, ++s->next_listener_id, s->rv, false};
    if (!s->nlisteners) s->dispatched = s->rv;
    VEC_PUSH(&s->listeners, l);
    __atomic_store_n(&s->nlisteners, s->listeners.len, __ATOMIC_RELEASE);
    pthread_rwlock_unlock(&s->lock);
    for (size_t i = 0; i < replay.len; i++) {
        sl_store_event ev = {SL_EVENT_ADDED, replay.items[i]->rv, replay.items[i]->res, replay.items[i], NULL};
        fn(user, &ev);
        sl_object_unref(replay.items[i]);
    }
    VEC_FREE(&replay);
    dispatching_store = saved;
    if (!nested) {
        pthread_mutex_unlock(&s->dispatch_lock);
        dispatch(s); /* whatever the replay's handlers wrote */
    }
    return l.id;
}

void sl_store_unlisten(sl_store *s, uint64_t id) {
    bool nested = dispatching_store == s;
    if (!nested) pthread_mutex_lock(&s->dispatch_lock);
    for (size_t i = 0; i < s->listeners.len; i++)
        if (s->listeners.items[i].id == id) s->listeners.items[i].removed = true;
    if (!nested) {
        size_t kept = 0;
        for (size_t i = 0; i < s->listeners.len; i++)
            if (!s->listeners.items[i].removed) s->listeners.items[kept++] = s->listeners.items[i];
        s->listeners.len = kept;
        __atomic_store_n(&s->nlisteners, kept, __ATOMIC_RELEASE);
        pthread_mutex_unlock(&s->dispatch_lock);
    }
}
