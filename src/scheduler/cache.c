/*
 * cache.c — the scheduler cache and its snapshots (cache.h), plus the
 * node-info copies plugins use for dry runs (in memory the caller hands
 * out: cycle.c wraps them as framework.h's sl_node_info_clone & co. with
 * the cycle's arenas, so the cache knows nothing of cycles).
 *
 * The cache keeps one cache_node per node name: the authoritative
 * sl_node_info (requested resources, pods, affinity lists, host ports,
 * images) whose arrays are heap-owned and grown geometrically. A pod whose
 * node is unknown lives on a placeholder cache_node (info.node == NULL) that
 * the snapshot skips, as upstream keeps a NodeInfo without a Node.
 *
 * Incremental snapshots. Every change to a cache_node stamps it with a new
 * generation and moves it to the head of a recency list, so
 * sl_cache_update_snapshot walks only the nodes changed since the snapshot's
 * generation and stops at the first older one: one assumed pod = one node
 * copied, whatever the cluster size. A snapshot node info reuses its own
 * buffers across updates, so a steady-state update allocates nothing. The
 * ordered node list (zone interleaving, see cache.h) and the two affinity
 * lists are rebuilt — O(nodes) — only when nodes come, go or change zone,
 * or when a node gains its first / loses its last pod with affinity; that is
 * what upstream does too.
 *
 * Lifetimes. A snapshot borrows from the cache: pod infos, image states,
 * interned resource names and host IPs. Image states and interned strings
 * live until the cache is freed (their number is bounded by the distinct
 * names ever seen). Pod infos the cache drops are parked and freed at the
 * next sl_cache_update_snapshot, so a cycle still running on the previous
 * snapshot never touches freed pod infos. The k8s_node / k8s_pod objects
 * themselves belong to the cluster source (see cluster.h): the scheduler
 * must not let the source free them while a cycle uses a snapshot that
 * still points at them (i.e. deliver events between cycles, as upstream's
 * cache lock effectively does).
 *
 * Namespaces: the cache keeps each Namespace object's labels (a deep copy,
 * so the cluster source may free the object). A snapshot copies the whole
 * table when it changed since its last update (namespace generation);
 * namespaces are few and change rarely. sl_snapshot_namespace_labels
 * returns NULL for a namespace without an object, as upstream's namespace
 * lister finds none (InterPodAffinity: not selected by the incoming pod's
 * namespaceSelector; no labels for existing pods' selectors).
 *
 * PDBs, Services, ReplicationControllers, ReplicaSets, StatefulSets: each
 * is decoded once on arrival into an immutable, refcounted cache_object
 * (selectors compiled, PDB status read); a snapshot takes references to
 * the current set when it changed (object generation), so an older snapshot
 * keeps the versions it saw. sl_snapshot_default_spread_selector builds
 * upstream's helper.DefaultSelector from them in cycle memory (a linear scan
 * over the objects; none at all costs one comparison).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "scheduler/cache.h"

/* utilnode.GetZoneKey reads the deprecated beta labels first: a node
 * labelled with both uses the failure-domain.beta value (present, even
 * empty, wins). */
static const char *zone_labels[] = {"failure-domain.beta.kubernetes.io/zone",
                                    "topology.kubernetes.io/zone"};
static const char *region_labels[] = {"failure-domain.beta.kubernetes.io/region",
                                      "topology.kubernetes.io/region"};

/* ------------------------------------------------------------------ */
/* Pod infos                                                            */
/* ------------------------------------------------------------------ */

/* The info and the memory of its arrays (scalar requests, host ports). */
typedef struct pod_info_block {
    sl_pod_info info;
    arena mem;
} pod_info_block;

sl_pod_info *sl_pod_info_new(k8s_pod *pod) {
    pod_info_block *b = xcalloc(1, sizeof(*b));
    sl_pod_info *info = &b->info;
    arena_init(&b->mem, 256);
    info->pod = pod;
    k8s_pod_requests(pod, &b->mem, &info->request);
    k8s_pod_non_zero_requests(pod, &info->non_zero_milli_cpu, &info->non_zero_memory);
    /* Host ports of app containers and of sidecars (restartable init
     * containers, counted since kubernetes PR #132040): copies, so the info
     * stays valid with any later version of its pod (cluster.h Lifetimes:
     * the version it was computed from may be freed first). */
    uint32_t nports = 0;
    k8s_container_port *copies = NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t k = 0; k < pod->ncontainers + pod->ninit_containers; k++) {
            const k8s_container *c = k < pod->ncontainers ? &pod->containers[k]
                                                          : &pod->init_containers[k - pod->ncontainers];
            if (k >= pod->ncontainers && !c->restart_always) continue;
            for (uint32_t j = 0; j < c->nports; j++) {
                if (c->ports[j].host_port == 0) continue;
                if (pass == 0) {
                    nports++;
                    continue;
                }
                k8s_container_port *copy = &copies[info->nhost_ports];
                *copy = c->ports[j];
                if (copy->protocol) copy->protocol = arena_strdup(&b->mem, copy->protocol);
                if (copy->host_ip) copy->host_ip = arena_strdup(&b->mem, copy->host_ip);
                info->host_ports[info->nhost_ports++] = copy;
            }
        }
        if (pass == 0 && !nports) break;
        if (pass == 0) {
            info->host_ports = arena_alloc(&b->mem, nports * sizeof(k8s_container_port *));
            copies = arena_alloc(&b->mem, nports * sizeof(k8s_container_port));
        }
    }
    info->has_affinity = pod->pod_affinity != NULL || pod->pod_anti_affinity != NULL;
    info->has_required_anti_affinity =
        pod->pod_anti_affinity != NULL && pod->pod_anti_affinity->nrequired > 0;
    return info;
}

void sl_pod_info_free(sl_pod_info *info) {
    if (!info) return;
    pod_info_block *b = (pod_info_block *)info;
    arena_free(&b->mem);
    free(b);
}

static bool same_pod(const sl_pod_info *a, const sl_pod_info *b) {
    if (a == b || a->pod == b->pod) return true;
    return !strcmp(a->pod->name, b->pod->name) && !strcmp(a->pod->namespace_, b->pod->namespace_);
}

/* ------------------------------------------------------------------ */
/* Node-info arithmetic shared by the cache and the dry-run copies      */
/* ------------------------------------------------------------------ */

/* Where an array grows: the heap (cache, snapshots; alloc NULL) or the
 * caller's allocator (dry-run copies: a cycle's arenas). */
typedef struct grower {
    sl_alloc_fn alloc;
    void *ctx;
} grower;

/* Makes room for one more element in *items (len n, capacity *cap). */
static void *grow(grower g, void *items, uint32_t n, uint32_t *cap, size_t elem) {
    if (n < *cap) return items;
    uint32_t ncap = *cap ? *cap * 2 : 4;
    if (g.alloc) {
        void *fresh = g.alloc(g.ctx, ncap * elem);
        if (n) memcpy(fresh, items, n * elem);
        *cap = ncap;
        return fresh;
    }
    *cap = ncap;
    return xrealloc(items, ncap * elem);
}

/* Capacities of a node info's arrays (cache nodes and clones keep them). */
typedef struct node_caps {
    uint32_t pods, affinity, anti, ports, scalar;
} node_caps;

static int64_t add_saturating(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static int64_t *requested_scalar_slot(grower g, sl_node_info *n, node_caps *caps,
                                      const char *name, const char *(*intern)(void *, const char *),
                                      void *intern_user) {
    k8s_resources *r = &n->requested;
    for (uint32_t i = 0; i < r->nscalar; i++)
        if (!strcmp(r->scalar[i].name, name)) return &r->scalar[i].value;
    r->scalar = grow(g, r->scalar, r->nscalar, &caps->scalar, sizeof(k8s_scalar_resource));
    /* keep sorted by name */
    uint32_t at = r->nscalar;
    while (at > 0 && strcmp(r->scalar[at - 1].name, name) > 0) {
        r->scalar[at] = r->scalar[at - 1];
        at--;
    }
    r->scalar[at].name = intern ? intern(intern_user, name) : name;
    r->scalar[at].value = 0;
    r->nscalar++;
    return &r->scalar[at].value;
}

static void account_resources(grower g, sl_node_info *n, node_caps *caps, const sl_pod_info *p,
                              int sign, const char *(*intern)(void *, const char *), void *user) {
    k8s_resources *r = &n->requested;
    r->milli_cpu = add_saturating(r->milli_cpu, sign * p->request.milli_cpu);
    r->memory = add_saturating(r->memory, sign * p->request.memory);
    r->ephemeral_storage = add_saturating(r->ephemeral_storage, sign * p->request.ephemeral_storage);
    r->pods = add_saturating(r->pods, sign * p->request.pods);
    for (uint32_t i = 0; i < p->request.nscalar; i++) {
        int64_t *slot = requested_scalar_slot(g, n, caps, p->request.scalar[i].name, intern, user);
        *slot = add_saturating(*slot, sign * p->request.scalar[i].value);
    }
    n->non_zero_milli_cpu = add_saturating(n->non_zero_milli_cpu, sign * p->non_zero_milli_cpu);
    n->non_zero_memory = add_saturating(n->non_zero_memory, sign * p->non_zero_memory);
}

static const char *canonical_protocol(const char *protocol) {
    if (!protocol || !protocol[0] || !strcmp(protocol, "TCP")) return "TCP";
    if (!strcmp(protocol, "UDP")) return "UDP";
    if (!strcmp(protocol, "SCTP")) return "SCTP";
    return NULL;
}

static void node_info_add(grower g, sl_node_info *n, node_caps *caps, sl_pod_info *p,
                          const char *(*intern)(void *, const char *), void *user) {
    account_resources(g, n, caps, p, +1, intern, user);
    n->pods = grow(g, n->pods, n->npods, &caps->pods, sizeof(sl_pod_info *));
    n->pods[n->npods++] = p;
    if (p->has_affinity) {
        n->pods_with_affinity = grow(g, n->pods_with_affinity, n->npods_with_affinity,
                                     &caps->affinity, sizeof(sl_pod_info *));
        n->pods_with_affinity[n->npods_with_affinity++] = p;
    }
    if (p->has_required_anti_affinity) {
        n->pods_with_required_anti_affinity =
            grow(g, n->pods_with_required_anti_affinity, n->npods_with_required_anti_affinity,
                 &caps->anti, sizeof(sl_pod_info *));
        n->pods_with_required_anti_affinity[n->npods_with_required_anti_affinity++] = p;
    }
    for (uint32_t i = 0; i < p->nhost_ports; i++) {
        const k8s_container_port *port = p->host_ports[i];
        const char *protocol = canonical_protocol(port->protocol);
        const char *ip = port->host_ip && port->host_ip[0] ? port->host_ip : "0.0.0.0";
        if (!protocol) protocol = intern ? intern(user, port->protocol) : port->protocol;
        if (intern && strcmp(ip, "0.0.0.0") != 0) ip = intern(user, ip);
        else if (!strcmp(ip, "0.0.0.0")) ip = "0.0.0.0";
        n->used_ports = grow(g, n->used_ports, n->nused_ports, &caps->ports, sizeof(sl_host_port));
        n->used_ports[n->nused_ports].protocol = protocol;
        n->used_ports[n->nused_ports].host_ip = ip;
        n->used_ports[n->nused_ports].port = port->host_port;
        n->nused_ports++;
    }
}

/* Removes the first element equal to (or the same pod as) p; order kept. */
static bool remove_from_list(sl_pod_info **items, uint32_t *n, const sl_pod_info *p) {
    for (uint32_t i = 0; i < *n; i++) {
        if (items[i] == p) {
            memmove(items + i, items + i + 1, (*n - i - 1) * sizeof(*items));
            (*n)--;
            return true;
        }
    }
    for (uint32_t i = 0; i < *n; i++) {
        if (same_pod(items[i], p)) {
            memmove(items + i, items + i + 1, (*n - i - 1) * sizeof(*items));
            (*n)--;
            return true;
        }
    }
    return false;
}

/* The info actually stored on the node for the pod p refers to. */
static sl_pod_info *stored_info(const sl_node_info *n, const sl_pod_info *p) {
    for (uint32_t i = 0; i < n->npods; i++)
        if (n->pods[i] == p) return n->pods[i];
    for (uint32_t i = 0; i < n->npods; i++)
        if (same_pod(n->pods[i], p)) return n->pods[i];
    return NULL;
}

static void node_info_remove(grower g, sl_node_info *n, node_caps *caps, const sl_pod_info *p) {
    sl_pod_info *stored = stored_info(n, p);
    if (!stored) return;
    remove_from_list(n->pods, &n->npods, stored);
    if (stored->has_affinity) remove_from_list(n->pods_with_affinity, &n->npods_with_affinity, stored);
    if (stored->has_required_anti_affinity)
        remove_from_list(n->pods_with_required_anti_affinity, &n->npods_with_required_anti_affinity,
                         stored);
    account_resources(g, n, caps, stored, -1, NULL, NULL);
    for (uint32_t i = 0; i < stored->nhost_ports; i++) {
        const k8s_container_port *port = stored->host_ports[i];
        const char *protocol = canonical_protocol(port->protocol);
        const char *ip = port->host_ip && port->host_ip[0] ? port->host_ip : "0.0.0.0";
        for (uint32_t j = 0; j < n->nused_ports; j++) {
            sl_host_port *u = &n->used_ports[j];
            if (u->port == port->host_port && !strcmp(u->host_ip, ip) &&
                !strcmp(u->protocol, protocol ? protocol : port->protocol)) {
                memmove(u, u + 1, (n->nused_ports - j - 1) * sizeof(*u));
                n->nused_ports--;
                break;
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* Dry-run copies                                                       */
/* ------------------------------------------------------------------ */

/* A clone carries a mark and its capacities right after the node info.
 * add/remove on anything else (a snapshot's own node info) would corrupt
 * the snapshot, so it is refused loudly. */
#define CLONE_MARK 0x5C1A7E0DC10E5EEDULL
typedef struct cloned_node_info {
    sl_node_info info;
    uint64_t mark;
    node_caps caps;
} cloned_node_info;

static cloned_node_info *as_clone(sl_node_info *node) {
    cloned_node_info *clone = (cloned_node_info *)node;
    if (clone->mark != CLONE_MARK) {
        log_error("sl_node_info_add_pod/remove_pod called on a node info that is not a "
                  "sl_node_info_clone copy");
        abort();
    }
    return clone;
}

static void *copy_with(grower g, const void *src, size_t bytes) {
    if (!bytes) return NULL;
    void *p = g.alloc(g.ctx, bytes);
    memcpy(p, src, bytes);
    return p;
}

sl_node_info *sl_node_info_copy(const sl_node_info *node, sl_alloc_fn alloc, void *ctx) {
    grower g = {alloc, ctx};
    cloned_node_info *clone = alloc(ctx, sizeof(*clone));
    clone->info = *node;
    clone->mark = CLONE_MARK;
    sl_node_info *n = &clone->info;
    n->pods = copy_with(g, node->pods, node->npods * sizeof(sl_pod_info *));
    n->pods_with_affinity =
        copy_with(g, node->pods_with_affinity, node->npods_with_affinity * sizeof(sl_pod_info *));
    n->pods_with_required_anti_affinity =
        copy_with(g, node->pods_with_required_anti_affinity,
                  node->npods_with_required_anti_affinity * sizeof(sl_pod_info *));
    n->used_ports = copy_with(g, node->used_ports, node->nused_ports * sizeof(sl_host_port));
    n->requested.scalar = copy_with(g, node->requested.scalar,
                                    node->requested.nscalar * sizeof(k8s_scalar_resource));
    /* images are read-only: shared */
    clone->caps.pods = node->npods;
    clone->caps.affinity = node->npods_with_affinity;
    clone->caps.anti = node->npods_with_required_anti_affinity;
    clone->caps.ports = node->nused_ports;
    clone->caps.scalar = node->requested.nscalar;
    return n;
}

void sl_node_info_copy_remove_pod(sl_node_info *node, const sl_pod_info *pod, sl_alloc_fn alloc,
                                  void *ctx) {
    cloned_node_info *clone = as_clone(node);
    grower g = {alloc, ctx};
    node_info_remove(g, node, &clone->caps, pod);
}

void sl_node_info_copy_add_pod(sl_node_info *node, sl_pod_info *pod, sl_alloc_fn alloc,
                               void *ctx) {
    cloned_node_info *clone = as_clone(node);
    grower g = {alloc, ctx};
    node_info_add(g, node, &clone->caps, pod, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* Cache structures                                                     */
/* ------------------------------------------------------------------ */

typedef struct cache_node cache_node;
typedef struct cache_zone {
    char *key;
    VEC(cache_node *) nodes;   /* arrival order */
} cache_zone;

struct cache_node {
    sl_node_info info;         /* info.node NULL = placeholder for pods only */
    node_caps caps;
    uint32_t images_cap;
    char *name;
    cache_zone *zone;          /* NULL while no Node object */
    cache_node *newer, *older; /* recency list */
};

typedef struct cache_image {
    sl_image_state state;      /* name owned */
} cache_image;

typedef struct cache_pod {
    char *key;                 /* "namespace/name" */
    sl_pod_info *info;         /* owned; NULL while only assumed */
    sl_pod_info *assumed;      /* borrowed from the queue; NULL when not assumed */
    cache_node *node;
} cache_pod;

struct sl_cache {
    strmap nodes;              /* name -> cache_node */
    strmap pods;               /* key -> cache_pod */
    strmap images;             /* normalized name -> cache_image */
    strmap strings;            /* interned resource names, host IPs */
    VEC(cache_zone *) zones;   /* order of first appearance */
    strmap zones_by_key;
    cache_node *newest;        /* head of the recency list */
    uint64_t generation;
    uint64_t tree_generation;  /* bumps when the ordered node list changes */
    uint32_t num_nodes;        /* with a Node object */
    VEC(sl_pod_info *) parked; /* dropped infos, freed at the next snapshot update */
    arena scratch;             /* image name normalisation */
    strmap namespaces;         /* name -> cache_namespace */
    uint64_t ns_generation;    /* bumps on every namespace change */
    strmap objects;            /* "kind/namespace/name" -> cache_object */
    uint64_t obj_generation;   /* bumps on every workload/PDB change */
};

/* A PDB or a spreading-relevant workload, decoded once when it arrives
 * (selectors compiled), immutable afterwards and shared by the cache and
 * every snapshot holding it (refcounted; the scheduler serialises access). */
typedef struct cache_object {
    int refs;
    arena mem;
    sl_cache_object_kind kind;
    const char *namespace_, *name;
    /* Services / RCs: spec.selector (a map; has_map false when nil).
     * RS / StatefulSets / PDBs: spec.selector (a LabelSelector). */
    bool has_map;
    k8s_map map;
    k8s_label_selector selector;
    sl_pdb pdb;
} cache_object;

static void object_release(cache_object *o) {
    if (!o || --o->refs > 0) return;
    arena_free(&o->mem);
    free(o);
}

/* A namespace's labels, copied into one arena (cache and snapshot alike). */
typedef struct cache_namespace {
    arena mem;
    k8s_map labels;
} cache_namespace;

static cache_namespace *namespace_copy(const k8s_map *labels) {
    cache_namespace *c = xcalloc(1, sizeof(*c));
    arena_init(&c->mem, 256);
    if (labels->len) {
        c->labels.items = arena_alloc(&c->mem, labels->len * sizeof(k8s_kv));
        for (uint32_t i = 0; i < labels->len; i++) {
            c->labels.items[i].key = arena_strdup(&c->mem, labels->items[i].key);
            c->labels.items[i].value = arena_strdup(&c->mem, labels->items[i].value);
        }
        c->labels.len = labels->len;
    }
    return c;
}

static void namespace_free(cache_namespace *c) {
    if (!c) return;
    arena_free(&c->mem);
    free(c);
}

/* Frees every value of a name -> cache_namespace map and the map. */
static void namespaces_free(strmap *m) {
    size_t pos = 0;
    void *value;
    while (strmap_next(m, &pos, NULL, &value)) namespace_free(value);
    strmap_free(m);
}

static const char *cache_intern(void *user, const char *s) {
    sl_cache *cache = user;
    char *found = strmap_get(&cache->strings, s);
    if (found) return found;
    char *copy = xstrdup(s);
    strmap_put(&cache->strings, copy, copy);
    return copy;
}

sl_cache *sl_cache_new(void) {
    sl_cache *cache = xcalloc(1, sizeof(*cache));
    arena_init(&cache->scratch, 4096);
    return cache;
}

/* Frees the arrays a cache or snapshot node's info owns. */
static void free_node_info_arrays(sl_node_info *info) {
    free(info->pods);
    free(info->pods_with_affinity);
    free(info->pods_with_required_anti_affinity);
    free(info->used_ports);
    free(info->requested.scalar);
    free((void *)info->images);
}

static void free_cache_node(cache_node *n) {
    free_node_info_arrays(&n->info);
    free(n->name);
    free(n);
}

void sl_cache_free(sl_cache *cache) {
    if (!cache) return;
    size_t pos = 0;
    void *value;
    while (strmap_next(&cache->pods, &pos, NULL, &value)) {
        cache_pod *p = value;
        sl_pod_info_free(p->info);
        free(p->key);
        free(p);
    }
    for (pos = 0; strmap_next(&cache->nodes, &pos, NULL, &value);) free_cache_node(value);
    for (pos = 0; strmap_next(&cache->images, &pos, NULL, &value);) {
        cache_image *img = value;
        free((char *)img->state.name);
        free(img);
    }
    for (pos = 0; strmap_next(&cache->strings, &pos, NULL, &value);) free(value);
    for (size_t i = 0; i < cache->zones.len; i++) {
        VEC_FREE(&cache->zones.items[i]->nodes);
        free(cache->zones.items[i]->key);
        free(cache->zones.items[i]);
    }
    for (size_t i = 0; i < cache->parked.len; i++) sl_pod_info_free(cache->parked.items[i]);
    namespaces_free(&cache->namespaces);
    for (pos = 0; strmap_next(&cache->objects, &pos, NULL, &value);) object_release(value);
    strmap_free(&cache->objects);
    VEC_FREE(&cache->parked);
    VEC_FREE(&cache->zones);
    strmap_free(&cache->zones_by_key);
    strmap_free(&cache->nodes);
    strmap_free(&cache->pods);
    strmap_free(&cache->images);
    strmap_free(&cache->strings);
    arena_free(&cache->scratch);
    free(cache);
}

/* Marks a node changed: new generation, front of the recency list. */
static void touch(sl_cache *cache, cache_node *n) {
    n->info.generation = ++cache->generation;
    if (cache->newest == n) return;
    if (n->newer) n->newer->older = n->older;
    if (n->older) n->older->newer = n->newer;
    n->newer = NULL;
    n->older = cache->newest;
    if (cache->newest) cache->newest->newer = n;
    cache->newest = n;
}

static void unlink_node(sl_cache *cache, cache_node *n) {
    if (n->newer) n->newer->older = n->older;
    else cache->newest = n->older;
    if (n->older) n->older->newer = n->newer;
    n->newer = n->older = NULL;
}

static cache_node *node_for_name(sl_cache *cache, const char *name, bool create) {
    cache_node *n = strmap_get(&cache->nodes, name);
    if (n || !create) return n;
    n = xcalloc(1, sizeof(*n));
    n->name = xstrdup(name);
    strmap_put(&cache->nodes, n->name, n);
    touch(cache, n);
    return n;
}

/* Drops a placeholder that holds nothing any more. */
static void drop_if_empty(sl_cache *cache, cache_node *n) {
    if (n->info.node || n->info.npods) return;
    unlink_node(cache, n);
    strmap_remove(&cache->nodes, n->name);
    free_cache_node(n);
}

/* ---- node tree (zones) ---- */

static char *zone_key_of(const k8s_node *node) {
    const char *zone = NULL, *region = NULL;
    for (size_t i = 0; i < ARRAY_LEN(zone_labels) && !zone; i++)
        zone = k8s_map_get(&node->labels, zone_labels[i]);
    for (size_t i = 0; i < ARRAY_LEN(region_labels) && !region; i++)
        region = k8s_map_get(&node->labels, region_labels[i]);
    if (!zone) zone = "";
    if (!region) region = "";
    /* region ":\0:" zone upstream; '\x01' stands in for the NUL here. */
    return xasprintf("%s:\x01:%s", region, zone);
}

static void tree_add(sl_cache *cache, cache_node *n) {
    char *key = zone_key_of(n->info.node);
    cache_zone *z = strmap_get(&cache->zones_by_key, key);
    if (!z) {
        z = xcalloc(1, sizeof(*z));
        z->key = key;
        strmap_put(&cache->zones_by_key, z->key, z);
        VEC_PUSH(&cache->zones, z);
    } else {
        free(key);
    }
    VEC_PUSH(&z->nodes, n);
    n->zone = z;
    cache->tree_generation++;
}

static void tree_remove(sl_cache *cache, cache_node *n) {
    cache_zone *z = n->zone;
    if (!z) return;
    for (size_t i = 0; i < z->nodes.len; i++) {
        if (z->nodes.items[i] == n) {
            memmove(z->nodes.items + i, z->nodes.items + i + 1,
                    (z->nodes.len - i - 1) * sizeof(cache_node *));
            z->nodes.len--;
            break;
        }
    }
    n->zone = NULL;
    cache->tree_generation++;
    if (z->nodes.len) return;
    for (size_t i = 0; i < cache->zones.len; i++) {
        if (cache->zones.items[i] == z) {
            memmove(cache->zones.items + i, cache->zones.items + i + 1,
                    (cache->zones.len - i - 1) * sizeof(cache_zone *));
            cache->zones.len--;
            break;
        }
    }
    strmap_remove(&cache->zones_by_key, z->key);
    VEC_FREE(&z->nodes);
    free(z->key);
    free(z);
}

/* ---- images ---- */

static int image_compare(const void *a, const void *b) {
    return strcmp((*(const sl_image_state *const *)a)->name, (*(const sl_image_state *const *)b)->name);
}

static void images_attach(sl_cache *cache, cache_node *n) {
    const k8s_node *node = n->info.node;
    uint32_t total = 0;
    for (uint32_t i = 0; i < node->nimages; i++) total += node->images[i].nnames;
    n->info.nimages = 0;
    if (!total) return;
    if (total > n->images_cap) {
        n->info.images = xrealloc((void *)n->info.images, total * sizeof(sl_image_state *));
        n->images_cap = total;
    }
    const sl_image_state **list = (const sl_image_state **)n->info.images;
    for (uint32_t i = 0; i < node->nimages; i++) {
        for (uint32_t j = 0; j < node->images[i].nnames; j++) {
            const char *name = k8s_normalize_image_name(node->images[i].names[j], &cache->scratch);
            cache_image *img = strmap_get(&cache->images, name);
            if (!img) {
                img = xcalloc(1, sizeof(*img));
                img->state.name = xstrdup(name);
                img->state.size_bytes = node->images[i].size_bytes;
                strmap_put(&cache->images, img->state.name, img);
            }
            if (img->state.num_nodes == 0) img->state.size_bytes = node->images[i].size_bytes;
            list[n->info.nimages++] = &img->state;
        }
    }
    arena_reset(&cache->scratch);
    qsort(list, n->info.nimages, sizeof(*list), image_compare);
    /* one node counts once per name, even if listed twice */
    uint32_t unique = 0;
    for (uint32_t i = 0; i < n->info.nimages; i++)
        if (!unique || list[unique - 1] != list[i]) list[unique++] = list[i];
    n->info.nimages = unique;
    for (uint32_t i = 0; i < unique; i++) ((sl_image_state *)list[i])->num_nodes++;
}

static void images_detach(cache_node *n) {
    for (uint32_t i = 0; i < n->info.nimages; i++) ((sl_image_state *)n->info.images[i])->num_nodes--;
    n->info.nimages = 0;
}

/* ------------------------------------------------------------------ */
/* Nodes                                                                */
/* ------------------------------------------------------------------ */

void sl_cache_add_node(sl_cache *cache, k8s_node *node) {
    cache_node *n = node_for_name(cache, node->name, true);
    if (n->info.node) {
        sl_cache_update_node(cache, n->info.node, node);
        return;
    }
    n->info.node = node;
    tree_add(cache, n);
    images_attach(cache, n);
    cache->num_nodes++;
    touch(cache, n);
}

static bool same_zone(const k8s_node *a, const k8s_node *b) {
    char *x = zone_key_of(a), *y = zone_key_of(b);
    bool same = !strcmp(x, y);
    free(x);
    free(y);
    return same;
}

void sl_cache_update_node(sl_cache *cache, k8s_node *old, k8s_node *node) {
    cache_node *n = node_for_name(cache, node->name, false);
    if (!n || !n->info.node) {
        sl_cache_add_node(cache, node);
        return;
    }
    UNUSED(old);
    const k8s_node *previous = n->info.node;
    bool moved = !same_zone(previous, node);
    if (moved) tree_remove(cache, n);
    images_detach(n);
    n->info.node = node;
    images_attach(cache, n);
    if (moved) tree_add(cache, n);
    touch(cache, n);
}

void sl_cache_remove_node(sl_cache *cache, const k8s_node *node) {
    cache_node *n = node_for_name(cache, node->name, false);
    if (!n || !n->info.node) return;
    tree_remove(cache, n);
    images_detach(n);
    n->info.node = NULL;
    cache->num_nodes--;
    touch(cache, n);
    drop_if_empty(cache, n);
}

uint32_t sl_cache_num_nodes(const sl_cache *cache) { return cache->num_nodes; }

/* ------------------------------------------------------------------ */
/* Pods                                                                 */
/* ------------------------------------------------------------------ */

static char *pod_key(const k8s_pod *pod, char *buf, size_t size) {
    int n = snprintf(buf, size, "%s/%s", pod->namespace_, pod->name);
    if (n >= 0 && (size_t)n < size) return buf;
    return xasprintf("%s/%s", pod->namespace_, pod->name);
}

static cache_pod *find_entry(const sl_cache *cache, const k8s_pod *pod) {
    char buf[512];
    char *key = pod_key(pod, buf, sizeof(buf));
    cache_pod *e = strmap_get(&cache->pods, key);
    if (key != buf) free(key);
    return e;
}

static cache_pod *new_entry(sl_cache *cache, const k8s_pod *pod) {
    cache_pod *e = xcalloc(1, sizeof(*e));
    e->key = xasprintf("%s/%s", pod->namespace_, pod->name);
    strmap_put(&cache->pods, e->key, e);
    return e;
}

static void delete_entry(sl_cache *cache, cache_pod *e) {
    strmap_remove(&cache->pods, e->key);
    free(e->key);
    free(e);
}

static void place(sl_cache *cache, cache_node *n, sl_pod_info *info) {
    grower heap = {NULL, NULL};
    node_info_add(heap, &n->info, &n->caps, info, cache_intern, cache);
    touch(cache, n);
}

static void unplace(sl_cache *cache, cache_node *n, sl_pod_info *info) {
    grower heap = {NULL, NULL};
    node_info_remove(heap, &n->info, &n->caps, info);
    touch(cache, n);
    drop_if_empty(cache, n);
}

static void park(sl_cache *cache, sl_pod_info *info) {
    if (info) VEC_PUSH(&cache->parked, info);
}

void sl_cache_add_pod(sl_cache *cache, sl_pod_info *info) {
    const k8s_pod *pod = info->pod;
    cache_pod *e = find_entry(cache, pod);
    if (!pod->node_name[0]) {
        /* Not assigned: nothing to count. A bound entry for it is stale. */
        if (e && e->info) {
            unplace(cache, e->node, e->info);
            park(cache, e->info);
            e->info = NULL;
            if (!e->assumed) delete_entry(cache, e);
        }
        sl_pod_info_free(info);
        return;
    }
    if (!e) e = new_entry(cache, pod);
    if (e->assumed) { /* confirmation of an assumed pod */
        unplace(cache, e->node, e->assumed);
        e->assumed = NULL;
    }
    if (e->info) {
        unplace(cache, e->node, e->info);
        park(cache, e->info);
    }
    e->info = info;
    e->node = node_for_name(cache, pod->node_name, true);
    place(cache, e->node, info);
}

void sl_cache_update_pod(sl_cache *cache, k8s_pod *old, k8s_pod *pod) {
    UNUSED(old);
    cache_pod *e = find_entry(cache, pod);
    if (!pod->node_name[0]) {
        if (e && e->info) {
            unplace(cache, e->node, e->info);
            park(cache, e->info);
            e->info = NULL;
            if (!e->assumed) delete_entry(cache, e);
        }
        return;
    }
    sl_cache_add_pod(cache, sl_pod_info_new(pod));
}

void sl_cache_remove_pod(sl_cache *cache, const k8s_pod *pod) {
    cache_pod *e = find_entry(cache, pod);
    if (!e) return;
    cache_node *n = e->node;
    if (e->info) {
        node_info_remove((grower){NULL, NULL}, &n->info, &n->caps, e->info);
        park(cache, e->info);
    }
    if (e->assumed) node_info_remove((grower){NULL, NULL}, &n->info, &n->caps, e->assumed);
    delete_entry(cache, e);
    touch(cache, n);
    drop_if_empty(cache, n);
}

sl_pod_info *sl_cache_find_pod(const sl_cache *cache, const k8s_pod *pod) {
    cache_pod *e = find_entry(cache, pod);
    if (!e) return NULL;
    return e->info ? e->info : e->assumed;
}

void sl_cache_assume_pod(sl_cache *cache, sl_pod_info *info, const char *node_name) {
    cache_pod *e = find_entry(cache, info->pod);
    if (e) {
        /* Already bound or assumed: upstream refuses ("pod already in
         * cache"). Move an assumed pod, ignore a bound one. */
        if (e->info) {
            log_warn("cache: pod %s is already bound to %s; not assuming it on %s", e->key,
                     e->node->name, node_name);
            return;
        }
        unplace(cache, e->node, e->assumed);
    } else {
        e = new_entry(cache, info->pod);
    }
    e->assumed = info;
    e->node = node_for_name(cache, node_name, true);
    place(cache, e->node, info);
}

void sl_cache_forget_pod(sl_cache *cache, sl_pod_info *info) {
    cache_pod *e = find_entry(cache, info->pod);
    if (!e || !e->assumed) return;
    cache_node *n = e->node;
    unplace(cache, n, e->assumed);
    e->assumed = NULL;
    if (!e->info) delete_entry(cache, e);
}

bool sl_cache_is_assumed(const sl_cache *cache, const k8s_pod *pod) {
    cache_pod *e = find_entry(cache, pod);
    return e && e->assumed;
}

/* ------------------------------------------------------------------ */
/* Namespaces                                                           */
/* ------------------------------------------------------------------ */

void sl_cache_set_namespace(sl_cache *cache, const k8s_namespace *ns) {
    namespace_free(strmap_put(&cache->namespaces, ns->name, namespace_copy(&ns->labels)));
    cache->ns_generation++;
}

void sl_cache_remove_namespace(sl_cache *cache, const char *name) {
    cache_namespace *old = strmap_remove(&cache->namespaces, name);
    if (!old) return;
    namespace_free(old);
    cache->ns_generation++;
}

/* ------------------------------------------------------------------ */
/* PodDisruptionBudgets and spreading workloads                         */
/* ------------------------------------------------------------------ */

static const char *const object_kind_names[] = {"PodDisruptionBudget", "Service",
                                                "ReplicationController", "ReplicaSet",
                                                "StatefulSet"};

static char *object_key(sl_cache_object_kind kind, const char *ns, const char *name) {
    return xasprintf("%s/%s/%s", object_kind_names[kind], ns ? ns : "", name ? name : "");
}

/* A map of strings (Service / RC spec.selector); non-strings are skipped
 * (admission already rejected them). Sorted by key as k8s_map requires. */
static int compare_kv(const void *a, const void *b) {
    return strcmp(((const k8s_kv *)a)->key, ((const k8s_kv *)b)->key);
}

static void decode_map(arena *mem, const json_t *v, k8s_map *out) {
    *out = (k8s_map){0};
    size_t n = json_object_size(v);
    if (!n) return;
    out->items = arena_alloc(mem, n * sizeof(*out->items));
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)v, key, value) {
        if (!json_is_string(value)) continue;
        out->items[out->len++] = (k8s_kv){arena_strdup(mem, key),
                                           arena_strdup(mem, json_string_value(value))};
    }
    qsort(out->items, out->len, sizeof(*out->items), compare_kv);
}

static cache_object *object_decode(sl_cache_object_kind kind, const json_t *obj) {
    const json_t *meta = json_object_get(obj, "metadata");
    const json_t *spec = json_object_get(obj, "spec");
    const json_t *status = json_object_get(obj, "status");
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    const char *name = json_string_value(json_object_get(meta, "name"));
    if (!name) return NULL;
    cache_object *o = xcalloc(1, sizeof(*o));
    o->refs = 1;
    o->kind = kind;
    arena_init(&o->mem, 512);
    o->namespace_ = arena_strdup(&o->mem, ns ? ns : "");
    o->name = arena_strdup(&o->mem, name);
    const json_t *sel = json_object_get(spec, "selector");
    char err[256];
    switch (kind) {
    case SL_CACHE_SERVICE:
    case SL_CACHE_REPLICATION_CONTROLLER:
        o->has_map = json_is_object(sel);
        if (o->has_map) decode_map(&o->mem, sel, &o->map);
        break;
    case SL_CACHE_PDB:
    case SL_CACHE_REPLICA_SET:
    case SL_CACHE_STATEFUL_SET:
        /* An invalid selector (LabelSelectorAsSelector error) selects
         * nothing, as upstream skips it. */
        if (json_is_object(sel) &&
            !k8s_label_selector_decode(sel, &o->mem, "spec.selector", &o->selector, err, sizeof err))
            o->selector = (k8s_label_selector){0};
        break;
    }
    if (kind == SL_CACHE_PDB) {
        o->pdb.namespace_ = o->namespace_;
        o->pdb.name = o->name;
        o->pdb.selector = o->selector;
        json_int_t allowed = json_integer_value(json_object_get(status, "disruptionsAllowed"));
        o->pdb.disruptions_allowed = (int32_t)SL_MAX(SL_MIN(allowed, INT32_MAX), INT32_MIN);
        decode_map(&o->mem, json_object_get(status, "disruptedPods"), &o->pdb.disrupted_pods);
    }
    return o;
}

void sl_cache_set_object(sl_cache *cache, sl_cache_object_kind kind, const json_t *obj) {
    cache_object *o = object_decode(kind, obj);
    if (!o) return;
    char *key = object_key(kind, o->namespace_, o->name);
    object_release(strmap_put(&cache->objects, key, o));
    free(key);
    cache->obj_generation++;
}

void sl_cache_remove_object(sl_cache *cache, sl_cache_object_kind kind, const char *namespace_,
                            const char *name) {
    char *key = object_key(kind, namespace_, name);
    cache_object *old = strmap_remove(&cache->objects, key);
    free(key);
    if (!old) return;
    object_release(old);
    cache->obj_generation++;
}

/* ------------------------------------------------------------------ */
/* Snapshots                                                            */
/* ------------------------------------------------------------------ */

typedef struct snapshot_node {
    sl_node_info info;         /* first: the lists hand out &info */
    node_caps caps;
    uint32_t images_cap;
    char *name;
    bool live;                 /* sweep mark */
} snapshot_node;

struct sl_snapshot {
    uint64_t generation;
    uint64_t tree_generation;
    const sl_cache *cache;
    strmap by_name;
    VEC(sl_node_info *) nodes;
    VEC(sl_node_info *) with_affinity;
    VEC(sl_node_info *) with_required_anti_affinity;
    strmap namespaces;         /* name -> cache_namespace (own copies) */
    uint64_t ns_generation;
    VEC(cache_object *) objects;   /* held references, creation order unknown */
    VEC(const sl_pdb *) pdbs;
    uint64_t obj_generation;
};

sl_snapshot *sl_snapshot_new(void) {
    sl_snapshot *snap = xcalloc(1, sizeof(*snap));
    snap->tree_generation = UINT64_MAX;
    snap->ns_generation = UINT64_MAX;
    snap->obj_generation = UINT64_MAX;
    return snap;
}

static void free_snapshot_node(snapshot_node *sn) {
    free_node_info_arrays(&sn->info);
    free(sn->name);
    free(sn);
}

void sl_snapshot_free(sl_snapshot *snap) {
    if (!snap) return;
    size_t pos = 0;
    void *sn;
    while (strmap_next(&snap->by_name, &pos, NULL, &sn)) free_snapshot_node(sn);
    strmap_free(&snap->by_name);
    namespaces_free(&snap->namespaces);
    for (size_t i = 0; i < snap->objects.len; i++) object_release(snap->objects.items[i]);
    VEC_FREE(&snap->objects);
    VEC_FREE(&snap->pdbs);
    VEC_FREE(&snap->nodes);
    VEC_FREE(&snap->with_affinity);
    VEC_FREE(&snap->with_required_anti_affinity);
    free(snap);
}

/* Copies n into dst's own buffers (grown, never shrunk). */
static void *copy_into(void *dst, uint32_t *cap, const void *src, uint32_t n, size_t elem) {
    if (n > *cap) {
        dst = xrealloc(dst, n * elem);
        *cap = n;
    }
    if (n) memcpy(dst, src, n * elem);
    return dst;
}

static void snapshot_copy(snapshot_node *sn, const cache_node *n) {
    sl_node_info *d = &sn->info;
    const sl_node_info *s = &n->info;
    uint32_t index = d->index;
    sl_pod_info **pods = d->pods, **aff = d->pods_with_affinity,
                **anti = d->pods_with_required_anti_affinity;
    sl_host_port *ports = d->used_ports;
    k8s_scalar_resource *scalar = d->requested.scalar;
    const sl_image_state **images = d->images;
    *d = *s;
    d->index = index;
    d->pods = copy_into(pods, &sn->caps.pods, s->pods, s->npods, sizeof(*pods));
    d->pods_with_affinity =
        copy_into(aff, &sn->caps.affinity, s->pods_with_affinity, s->npods_with_affinity, sizeof(*aff));
    d->pods_with_required_anti_affinity =
        copy_into(anti, &sn->caps.anti, s->pods_with_required_anti_affinity,
                  s->npods_with_required_anti_affinity, sizeof(*anti));
    d->used_ports = copy_into(ports, &sn->caps.ports, s->used_ports, s->nused_ports, sizeof(*ports));
    d->requested.scalar = copy_into(scalar, &sn->caps.scalar, s->requested.scalar,
                                    s->requested.nscalar, sizeof(*scalar));
    d->images = copy_into((void *)images, &sn->images_cap, s->images, s->nimages, sizeof(*images));
}

static void rebuild_node_list(sl_snapshot *snap, const sl_cache *cache) {
    /* Sweep snapshot nodes whose node left the cache. */
    size_t pos = 0;
    void *value;
    while (strmap_next(&snap->by_name, &pos, NULL, &value)) ((snapshot_node *)value)->live = false;
    snap->nodes.len = 0;
    VEC_RESERVE(&snap->nodes, cache->num_nodes);
    /* Zone interleaving: the i-th node of every zone, zone by zone. */
    size_t longest = 0;
    for (size_t z = 0; z < cache->zones.len; z++)
        longest = SL_MAX(longest, cache->zones.items[z]->nodes.len);
    for (size_t i = 0; i < longest; i++) {
        for (size_t z = 0; z < cache->zones.len; z++) {
            const cache_zone *zone = cache->zones.items[z];
            if (i >= zone->nodes.len) continue;
            snapshot_node *sn = strmap_get(&snap->by_name, zone->nodes.items[i]->name);
            if (!sn) continue; /* cannot happen: every cache node was copied */
            sn->live = true;
            sn->info.index = (uint32_t)snap->nodes.len;
            snap->nodes.items[snap->nodes.len++] = &sn->info;
        }
    }
    /* Sweep: collect first, removing edits the map. */
    VEC(snapshot_node *) gone = {0};
    for (pos = 0; strmap_next(&snap->by_name, &pos, NULL, &value);)
        if (!((snapshot_node *)value)->live) VEC_PUSH(&gone, (snapshot_node *)value);
    for (size_t i = 0; i < gone.len; i++) {
        strmap_remove(&snap->by_name, gone.items[i]->name);
        free_snapshot_node(gone.items[i]);
    }
    VEC_FREE(&gone);
}

static void rebuild_affinity_lists(sl_snapshot *snap) {
    snap->with_affinity.len = 0;
    snap->with_required_anti_affinity.len = 0;
    for (size_t i = 0; i < snap->nodes.len; i++) {
        sl_node_info *n = snap->nodes.items[i];
        if (n->npods_with_affinity) VEC_PUSH(&snap->with_affinity, n);
        if (n->npods_with_required_anti_affinity) VEC_PUSH(&snap->with_required_anti_affinity, n);
    }
}

void sl_cache_update_snapshot(sl_cache *cache, sl_snapshot *snap) {
    bool list_changed = snap->cache != cache || snap->tree_generation != cache->tree_generation;
    bool affinity_changed = list_changed;
    bool namespaces_changed = snap->cache != cache || snap->ns_generation != cache->ns_generation;
    bool objects_changed = snap->cache != cache || snap->obj_generation != cache->obj_generation;
    snap->cache = cache;
    for (cache_node *n = cache->newest; n && n->info.generation > snap->generation; n = n->older) {
        if (!n->info.node) continue;
        snapshot_node *sn = strmap_get(&snap->by_name, n->name);
        if (!sn) {
            sn = xcalloc(1, sizeof(*sn));
            sn->name = xstrdup(n->name);
            strmap_put(&snap->by_name, sn->name, sn);
            list_changed = affinity_changed = true;
        }
        bool had_affinity = sn->info.npods_with_affinity > 0;
        bool had_anti = sn->info.npods_with_required_anti_affinity > 0;
        snapshot_copy(sn, n);
        if (had_affinity != (sn->info.npods_with_affinity > 0) ||
            had_anti != (sn->info.npods_with_required_anti_affinity > 0))
            affinity_changed = true;
    }
    if (namespaces_changed) {
        namespaces_free(&snap->namespaces);
        size_t pos = 0;
        const char *name;
        void *value;
        while (strmap_next(&cache->namespaces, &pos, &name, &value))
            strmap_put(&snap->namespaces, name,
                       namespace_copy(&((const cache_namespace *)value)->labels));
        snap->ns_generation = cache->ns_generation;
    }
    if (objects_changed) {
        for (size_t i = 0; i < snap->objects.len; i++) object_release(snap->objects.items[i]);
        snap->objects.len = 0;
        snap->pdbs.len = 0;
        size_t pos = 0;
        void *value;
        while (strmap_next(&cache->objects, &pos, NULL, &value)) {
            cache_object *o = value;
            o->refs++;
            VEC_PUSH(&snap->objects, o);
            if (o->kind == SL_CACHE_PDB) VEC_PUSH(&snap->pdbs, &o->pdb);
        }
        snap->obj_generation = cache->obj_generation;
    }
    if (list_changed) rebuild_node_list(snap, cache);
    if (affinity_changed) rebuild_affinity_lists(snap);
    snap->generation = cache->generation;
    snap->tree_generation = cache->tree_generation;
    for (size_t i = 0; i < cache->parked.len; i++) sl_pod_info_free(cache->parked.items[i]);
    cache->parked.len = 0;
}

uint32_t sl_snapshot_num_nodes(const sl_snapshot *snap) { return (uint32_t)snap->nodes.len; }

sl_node_info *const *sl_snapshot_nodes(const sl_snapshot *snap) { return snap->nodes.items; }

const sl_node_info *sl_snapshot_node(const sl_snapshot *snap, const char *node_name) {
    snapshot_node *sn = strmap_get(&snap->by_name, node_name);
    return sn && sn->live ? &sn->info : NULL;
}

sl_node_info *const *sl_snapshot_nodes_with_affinity(const sl_snapshot *snap, uint32_t *n) {
    *n = (uint32_t)snap->with_affinity.len;
    return snap->with_affinity.items;
}

sl_node_info *const *sl_snapshot_nodes_with_required_anti_affinity(const sl_snapshot *snap,
                                                                  uint32_t *n) {
    *n = (uint32_t)snap->with_required_anti_affinity.len;
    return snap->with_required_anti_affinity.items;
}

const sl_image_state *sl_snapshot_image(const sl_snapshot *snap, const char *normalized_name) {
    if (!snap->cache) return NULL;
    const cache_image *img = strmap_get(&snap->cache->images, normalized_name);
    return img && img->state.num_nodes ? &img->state : NULL;
}

const k8s_map *sl_snapshot_namespace_labels(const sl_snapshot *snap, const char *namespace_) {
    const cache_namespace *ns = strmap_get(&snap->namespaces, namespace_);
    return ns ? &ns->labels : NULL;
}

const sl_pdb *const *sl_snapshot_pdbs(const sl_snapshot *snap, uint32_t *n) {
    *n = (uint32_t)snap->pdbs.len;
    return snap->pdbs.items;
}

/* ---- helper.DefaultSelector ---- */

static void selector_push(sl_cycle *c, k8s_requirement **reqs, uint32_t *n, uint32_t *cap,
                          k8s_requirement r) {
    if (*n == *cap) {
        uint32_t ncap = *cap ? 2 * *cap : 8;
        k8s_requirement *grown = sl_cycle_alloc(c, ncap * sizeof(*grown));
        if (*n) memcpy(grown, *reqs, *n * sizeof(*grown));
        *reqs = grown;
        *cap = ncap;
    }
    (*reqs)[(*n)++] = r;
}

/* labels.Merge into the set (a later map overrides a key). */
static void label_set_merge(sl_cycle *c, k8s_kv **set, uint32_t *n, uint32_t *cap,
                            const k8s_map *m) {
    for (uint32_t i = 0; i < m->len; i++) {
        uint32_t j = 0;
        while (j < *n && strcmp((*set)[j].key, m->items[i].key) != 0) j++;
        if (j < *n) {
            (*set)[j].value = m->items[i].value;
            continue;
        }
        if (*n == *cap) {
            uint32_t ncap = *cap ? 2 * *cap : 8;
            k8s_kv *grown = sl_cycle_alloc(c, ncap * sizeof(*grown));
            if (*n) memcpy(grown, *set, *n * sizeof(*grown));
            *set = grown;
            *cap = ncap;
        }
        (*set)[(*n)++] = m->items[i];
    }
}

static const cache_object *snapshot_find_object(const sl_snapshot *snap, sl_cache_object_kind kind,
                                                const char *ns, const char *name) {
    for (size_t i = 0; i < snap->objects.len; i++) {
        const cache_object *o = snap->objects.items[i];
        if (o->kind == kind && !strcmp(o->namespace_, ns) && !strcmp(o->name, name)) return o;
    }
    return NULL;
}

bool sl_snapshot_default_spread_selector(const sl_snapshot *snap, sl_cycle *c, const k8s_pod *pod,
                                         k8s_label_selector *out) {
    *out = (k8s_label_selector){0};
    if (!snap->objects.len) return false;
    const char *ns = pod->namespace_ ? pod->namespace_ : "";
    k8s_kv *set = NULL;
    uint32_t nset = 0, capset = 0;
    /* GetPodServices: Services of the pod's namespace with a non-nil
     * selector matching the pod's labels. */
    for (size_t i = 0; i < snap->objects.len; i++) {
        const cache_object *o = snap->objects.items[i];
        if (o->kind != SL_CACHE_SERVICE || !o->has_map || strcmp(o->namespace_, ns) != 0) continue;
        bool matches = true;
        for (uint32_t k = 0; k < o->map.len && matches; k++) {
            const char *v = k8s_map_get(&pod->labels, o->map.items[k].key);
            matches = v && !strcmp(v, o->map.items[k].value);
        }
        if (matches) label_set_merge(c, &set, &nset, &capset, &o->map);
    }
    /* The controller owner (metav1.GetControllerOf): the first owner
     * reference with controller: true, looked up by kind and name. */
    const k8s_label_selector *owner_selector = NULL;
    const json_t *owners = json_object_get(json_object_get(pod->raw, "metadata"), "ownerReferences");
    size_t i;
    const json_t *ref;
    json_array_foreach(owners, i, ref) {
        if (!json_is_true(json_object_get(ref, "controller"))) continue;
        const char *api = json_string_value(json_object_get(ref, "apiVersion"));
        const char *kind = json_string_value(json_object_get(ref, "kind"));
        const char *name = json_string_value(json_object_get(ref, "name"));
        if (!api || !kind || !name) break;
        if (!strcmp(api, "v1") && !strcmp(kind, "ReplicationController")) {
            const cache_object *rc =
                snapshot_find_object(snap, SL_CACHE_REPLICATION_CONTROLLER, ns, name);
            if (rc) label_set_merge(c, &set, &nset, &capset, &rc->map);
        } else if (!strcmp(api, "apps/v1") &&
                   (!strcmp(kind, "ReplicaSet") || !strcmp(kind, "StatefulSet"))) {
            const cache_object *w = snapshot_find_object(
                snap, kind[0] == 'R' ? SL_CACHE_REPLICA_SET : SL_CACHE_STATEFUL_SET, ns, name);
            /* A nil selector (labels.Nothing) adds no requirement. */
            if (w && w->selector.present) owner_selector = &w->selector;
        }
        break;
    }
    k8s_requirement *reqs = NULL;
    uint32_t nreqs = 0, capreqs = 0;
    for (uint32_t k = 0; k < nset; k++) {
        const char **values = sl_cycle_alloc(c, sizeof(*values));
        values[0] = set[k].value;
        selector_push(c, &reqs, &nreqs, &capreqs,
                      (k8s_requirement){.key = set[k].key, .op = K8S_OP_IN, .nvalues = 1,
                                        .values = values});
    }
    if (owner_selector)
        for (uint32_t k = 0; k < owner_selector->nreqs; k++)
            selector_push(c, &reqs, &nreqs, &capreqs, owner_selector->reqs[k]);
    if (nreqs == 0) return false;
    out->present = true;
    out->nreqs = nreqs;
    out->reqs = reqs;
    return true;
}
