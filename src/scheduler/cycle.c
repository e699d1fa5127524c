/*
 * cycle.c — one scheduling cycle's private world: the CycleState (a small
 * key -> data map plugins use to pass facts from PreFilter to Filter and
 * from PreScore to Score), scratch memory, the snapshot and the rng.
 *
 * Memory. Filter and Score run on worker threads and may allocate (status
 * messages, temporary node infos for nominated pods). Each pool worker has
 * its own arena and publishes it in a thread-local variable before it runs
 * cycle work; every other thread allocates from the cycle's main arena. So
 * sl_cycle_alloc is a thread-local load plus a bump — no lock, no malloc in
 * steady state (arena_reset keeps the largest block).
 *
 * CycleState. Upstream uses a sync.Map; here a cycle has at most a dozen
 * keys, so a flat array scanned linearly beats any hash. Keys are almost
 * always the same static string the plugin wrote with, so lookups compare
 * pointers first and fall back to strcmp — a Filter reading its state on
 * every node costs a few pointer compares. Writes come only from the
 * scheduling thread (framework.h), so reads from workers need no lock.
 *
 * Clones (preemption dry runs, nominated pods) copy the entry array and
 * deep-copy each value with its clone callback, allocating from the cloning
 * thread's arena; they own nothing on the heap and vanish with the arenas.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/cache.h"
#include "scheduler/framework_internal.h"

typedef struct state_entry {
    const char *key;              /* our copy */
    const char *given;            /* the writer's pointer: compared, never read */
    void *data;
    sl_state_clone_fn clone;
    void (*release)(void *data);
} state_entry;

struct sl_cycle {
    const sl_snapshot *snapshot;
    int32_t parallelism;
    rng *rng;
    sl_cycle_arenas *arenas;
    arena *main;                  /* owned by the root cycle; clones share it */
    arena main_storage;
    bool is_clone;

    state_entry *entries;
    uint32_t nentries, capentries;

    /* release callbacks registered on the root (values written with one) */
    void (**releases)(void *);
    void **release_data;
    uint32_t nreleases, capreleases;

    sl_cycle_plugin_state *plugin_state; /* shared with clones */
    sl_cycle_plugin_state plugin_state_storage;
};

static _Thread_local arena *thread_arena;
static _Thread_local uint32_t thread_worker;

void sl_cycle_bind_worker(arena *a, uint32_t worker) {
    thread_arena = a;
    thread_worker = worker;
}

uint32_t sl_cycle_worker(const sl_cycle *c) {
    (void)c;
    return thread_worker;
}

static inline arena *cycle_arena(const sl_cycle *c) {
    arena *a = thread_arena;
    return a ? a : c->main;
}

/* ---- worker arenas ---- */

void sl_cycle_arenas_init(sl_cycle_arenas *a, uint32_t nworkers) {
    a->n = nworkers;
    a->workers = nworkers ? xcalloc(nworkers, sizeof(arena)) : NULL;
    for (uint32_t i = 0; i < nworkers; i++) arena_init(&a->workers[i], 64 * 1024);
}

void sl_cycle_arenas_reset(sl_cycle_arenas *a) {
    for (uint32_t i = 0; i < a->n; i++) arena_reset(&a->workers[i]);
}

void sl_cycle_arenas_free(sl_cycle_arenas *a) {
    for (uint32_t i = 0; i < a->n; i++) arena_free(&a->workers[i]);
    free(a->workers);
    a->workers = NULL;
    a->n = 0;
}

/* ---- lifecycle ---- */

sl_cycle *sl_cycle_new(sl_cycle_arenas *arenas) {
    sl_cycle *c = xcalloc(1, sizeof(*c));
    c->arenas = arenas;
    arena_init(&c->main_storage, 64 * 1024);
    c->main = &c->main_storage;
    c->plugin_state = &c->plugin_state_storage;
    return c;
}

void sl_cycle_free(sl_cycle *c) {
    if (!c) return;
    sl_cycle_end(c);
    arena_free(&c->main_storage);
    free(c->releases);
    free(c->release_data);
    free(c);
}

void sl_cycle_begin(sl_cycle *c, const sl_snapshot *snapshot, int32_t parallelism, rng *r) {
    c->snapshot = snapshot;
    c->parallelism = parallelism;
    c->rng = r;
    c->entries = NULL;
    c->nentries = c->capentries = 0;
    memset(c->plugin_state, 0, sizeof(*c->plugin_state));
}

void sl_cycle_end(sl_cycle *c) {
    for (uint32_t i = 0; i < c->nreleases; i++) c->releases[i](c->release_data[i]);
    c->nreleases = 0;
    c->entries = NULL;
    c->nentries = c->capentries = 0;
    arena_reset(c->main);
}

sl_cycle_plugin_state *sl_cycle_plugin_state_of(sl_cycle *c) { return c->plugin_state; }

/* ---- plugin-facing API (framework.h) ---- */

const sl_snapshot *sl_cycle_snapshot(const sl_cycle *c) { return c->snapshot; }
int32_t sl_cycle_parallelism(const sl_cycle *c) { return c->parallelism; }
rng *sl_cycle_rng(sl_cycle *c) { return c->rng; }

void *sl_cycle_alloc(sl_cycle *c, size_t size) { return arena_alloc(cycle_arena(c), size); }

char *sl_cycle_printf(sl_cycle *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(cycle_arena(c), fmt, ap);
    va_end(ap);
    return s;
}

sl_status sl_status_newf(sl_cycle *c, sl_code code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(cycle_arena(c), fmt, ap);
    va_end(ap);
    return sl_status_make(code, s);
}

/* Plugins read with the same literal they wrote with, so the writer's
 * pointer finds the entry at once; strcmp confirms it (a transient buffer
 * could have been reused for another key) and is the fallback. */
static state_entry *state_find(const sl_cycle *c, const char *key) {
    for (uint32_t i = 0; i < c->nentries; i++)
        if (c->entries[i].given == key && strcmp(c->entries[i].key, key) == 0)
            return &c->entries[i];
    for (uint32_t i = 0; i < c->nentries; i++)
        if (strcmp(c->entries[i].key, key) == 0) return &c->entries[i];
    return NULL;
}

void sl_cycle_state_write(sl_cycle *c, const char *key, void *data, sl_state_clone_fn clone,
                          void (*release)(void *data)) {
    state_entry *e = state_find(c, key);
    if (!e) {
        if (c->nentries == c->capentries) {
            uint32_t cap = c->capentries ? c->capentries * 2 : 16;
            state_entry *grown = arena_alloc(cycle_arena(c), cap * sizeof(*grown));
            if (c->nentries) memcpy(grown, c->entries, c->nentries * sizeof(*grown));
            c->entries = grown;
            c->capentries = cap;
        }
        e = &c->entries[c->nentries++];
        e->key = arena_strdup(cycle_arena(c), key);
    }
    e->given = key;
    e->data = data;
    e->clone = clone;
    e->release = release;
    /* Heap data is released once, by the cycle that owns the main arena:
     * clones either share the pointer or hold arena copies. */
    if (release && !c->is_clone) {
        if (c->nreleases == c->capreleases) {
            c->capreleases = c->capreleases ? c->capreleases * 2 : 8;
            c->releases = xrealloc(c->releases, c->capreleases * sizeof(*c->releases));
            c->release_data = xrealloc(c->release_data, c->capreleases * sizeof(void *));
        }
        c->releases[c->nreleases] = release;
        c->release_data[c->nreleases] = data;
        c->nreleases++;
    }
}

void *sl_cycle_state_read(const sl_cycle *c, const char *key) {
    state_entry *e = state_find(c, key);
    return e ? e->data : NULL;
}

bool sl_cycle_is_clone(const sl_cycle *c) { return c->is_clone; }

sl_cycle *sl_cycle_clone(sl_cycle *c) {
    arena *a = cycle_arena(c);
    sl_cycle *k = arena_zalloc(a, sizeof(*k));
    k->snapshot = c->snapshot;
    k->parallelism = c->parallelism;
    k->rng = c->rng;
    k->arenas = c->arenas;
    k->main = c->main;
    k->is_clone = true;
    k->plugin_state = c->plugin_state;
    k->capentries = c->nentries + 4;
    k->entries = arena_alloc(a, k->capentries * sizeof(state_entry));
    k->nentries = c->nentries;
    for (uint32_t i = 0; i < c->nentries; i++) {
        k->entries[i] = c->entries[i];
        if (c->entries[i].clone) k->entries[i].data = c->entries[i].clone(k, c->entries[i].data);
        k->entries[i].release = NULL;
    }
    return k;
}

/* ---- node status maps ---- */

/* WHY lazy: every attempt creates a map over all nodes, but most pods are
 * placed without a single Filter failure; clearing `present` (one byte
 * per node) up front was a per-pod cost proportional to the cluster. The
 * arrays are allocated, and `present` cleared, on the first set. */
sl_node_status_map *sl_node_status_map_new(sl_cycle *c, uint32_t num_nodes) {
    sl_node_status_map *m = sl_cycle_alloc(c, sizeof(*m));
    m->capacity = num_nodes;
    m->count = 0;
    m->cycle = c;
    m->statuses = NULL;
    m->present = NULL;
    m->absent = sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE, NULL);
    return m;
}

void sl_node_status_map_set(sl_node_status_map *m, uint32_t node_index, sl_status s) {
    if (node_index >= m->capacity) return;
    if (UNLIKELY(!m->present)) {
        m->statuses = sl_cycle_alloc(m->cycle, m->capacity * sizeof(sl_status));
        m->present = sl_cycle_alloc(m->cycle, m->capacity);
        memset(m->present, 0, m->capacity);
    }
    if (!m->present[node_index]) {
        m->present[node_index] = 1;
        m->count++;
    }
    m->statuses[node_index] = s;
}

sl_status sl_node_status_get(const sl_node_status_map *m, uint32_t node_index) {
    if (node_index < m->capacity && m->present && m->present[node_index])
        return m->statuses[node_index];
    return m->absent;
}

/* ---- status helpers ---- */

const char *sl_code_name(sl_code code) {
    static const char *const names[] = {"Success", "Error", "Unschedulable",
                                        "UnschedulableAndUnresolvable", "Wait", "Skip",
                                        "Pending"};
    if ((unsigned)code < ARRAY_LEN(names)) return names[code];
    return "Unknown";
}

const char *sl_status_message_joined(sl_cycle *c, sl_status s) {
    if (!s.message) return "";
    if (!strchr(s.message, SL_REASON_SEP)) return s.message;
    size_t len = strlen(s.message), seps = 0;
    for (size_t i = 0; i < len; i++) seps += s.message[i] == SL_REASON_SEP;
    char *out = sl_cycle_alloc(c, len + seps + 1);
    char *w = out;
    for (size_t i = 0; i < len; i++) {
        if (s.message[i] == SL_REASON_SEP) {
            *w++ = ',';
            *w++ = ' ';
        } else {
            *w++ = s.message[i];
        }
    }
    *w = 0;
    return out;
}

/* Go's Duration.String: "0s", "1.5s", "2m30s", "1h0m0s", "100ms", "1.5µs". */
static size_t format_fraction(char *buf, size_t w, uint64_t v, int prec, bool *printed) {
    /* writes v's last `prec` digits as a fraction (trailing zeros dropped)
     * right-to-left into buf ending at w; returns new w */
    *printed = false;
    for (int i = 0; i < prec; i++) {
        int digit = (int)(v % 10);
        *printed = *printed || digit != 0;
        if (*printed) buf[--w] = (char)('0' + digit);
        v /= 10;
    }
    if (*printed) buf[--w] = '.';
    return w;
}

void sl_format_go_duration(int64_t ns, char *out, size_t outsize) {
    char buf[40];
    size_t w = sizeof(buf);
    uint64_t u = ns < 0 ? (uint64_t)(-(ns + 1)) + 1 : (uint64_t)ns;
    bool neg = ns < 0, printed;
    if (u < 1000000000ULL) {
        int prec;
        const char *unit;
        if (u == 0) {
            snprintf(out, outsize, "0s");
            return;
        } else if (u < 1000ULL) {
            prec = 0;
            unit = "ns";
        } else if (u < 1000000ULL) {
            prec = 3;
            unit = "\xc2\xb5s"; /* µs, as Go prints it */
        } else {
            prec = 6;
            unit = "ms";
        }
        size_t ul = strlen(unit);
        w -= ul;
        memcpy(buf + w, unit, ul);
        w = format_fraction(buf, w, u, prec, &printed);
        for (int i = 0; i < prec; i++) u /= 10;
        do {
            buf[--w] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
    } else {
        buf[--w] = 's';
        w = format_fraction(buf, w, u, 9, &printed);
        u /= 1000000000ULL;
        uint64_t secs = u % 60;
        do {
            buf[--w] = (char)('0' + secs % 10);
            secs /= 10;
        } while (secs);
        u /= 60;
        if (u > 0) {
            buf[--w] = 'm';
            uint64_t mins = u % 60;
            do {
                buf[--w] = (char)('0' + mins % 10);
                mins /= 10;
            } while (mins);
            u /= 60;
            if (u > 0) {
                buf[--w] = 'h';
                do {
                    buf[--w] = (char)('0' + u % 10);
                    u /= 10;
                } while (u);
            }
        }
    }
    if (neg) buf[--w] = '-';
    snprintf(out, outsize, "%.*s", (int)(sizeof(buf) - w), buf + w);
}

/* ---- node-info copies for dry runs (framework.h), in the cycle's arenas ---- */

static void *cycle_alloc_fn(void *ctx, size_t size) { return sl_cycle_alloc(ctx, size); }

sl_node_info *sl_node_info_clone(sl_cycle *c, const sl_node_info *node) {
    return sl_node_info_copy(node, cycle_alloc_fn, c);
}

void sl_node_info_remove_pod(sl_cycle *c, sl_node_info *node, const sl_pod_info *pod) {
    sl_node_info_copy_remove_pod(node, pod, cycle_alloc_fn, c);
}

void sl_node_info_add_pod(sl_cycle *c, sl_node_info *node, sl_pod_info *pod) {
    sl_node_info_copy_add_pod(node, pod, cycle_alloc_fn, c);
}
