/*
 * wasmplugin.c — the wasm plugin host (contract: wasmplugin.h; ABI:
 * reference/wasm-abi.md). Sections: fetching and the module cache, load-time
 * checks and hook detection, host imports, instances and the pool, the
 * call machinery (deadline, traps, captured output), the plugin ops, the
 * factory/resolver, reconfiguration.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "scheduler/config.h"
#include "scheduler/framework_internal.h"
#include "scheduler/queue.h"
#include "wasm/wasm.h"
#include "wasmplugin/wasmplugin.h"

#define DEFAULT_TIMEOUT_MS 1000
#define DEFAULT_MEMORY_PAGES 2048
#define START_TIMEOUT_FACTOR 10
#define MAX_CAPTURE (64 * 1024)
#define MAX_LOGGED_OUTPUT 1024
#define MAX_BINDING 256

/* ------------------------------------------------------------------ */
/* Exports                                                              */
/* ------------------------------------------------------------------ */

enum {
    E_ENQUEUE, E_PREFILTER, E_FILTER, E_POSTFILTER, E_PRESCORE, E_SCORE, E_NORMALIZESCORE,
    E_RESERVE, E_UNRESERVE, E_PERMIT, E_PREBIND, E_BIND, E_POSTBIND, E_ADDPOD, E_REMOVEPOD,
    E_COUNT
};
static const struct {
    const char *name;
    char result; /* 0 none, 'i' i32, 'I' i64 */
} exports[E_COUNT] = {
    {"enqueue", 0},   {"prefilter", 'i'}, {"filter", 'i'},  {"postfilter", 'I'}, {"prescore", 'i'},
    {"score", 'I'},   {"normalizescore", 'i'}, {"reserve", 'i'}, {"unreserve", 0}, {"permit", 'I'},
    {"prebind", 'i'}, {"bind", 'i'},      {"postbind", 0},  {"addpod", 'i'},     {"removepod", 'i'},
};
#define HAS(mask, e) (((mask) >> (e)) & 1u)

/* ------------------------------------------------------------------ */
/* Fetching and the module cache                                        */
/* ------------------------------------------------------------------ */

typedef struct wp_guest {
    uint64_t hash;
    size_t size;
    sl_wasm_module *module;
    uint32_t mask;                /* exported hooks */
    sl_plugin_ops ops;            /* hooks as the configuration sees them */
    struct wp_guest *next;
} wp_guest;

typedef struct wp_url {
    char *url;
    wp_guest *latest;
    struct wp_url *next;
} wp_url;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static wp_guest *guests;          /* compiled modules, kept for the process lifetime */
static wp_url *urls;              /* the last bytes seen at each URL */
static atomic_uint_fast64_t modules_compiled;
static _Thread_local char last_error[1024];


static uint64_t fnv1a(const uint8_t *p, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static size_t curl_sink(char *data, size_t size, size_t nmemb, void *user) {
    strbuf *sb = user;
    if (sb->len + size * nmemb > (256u << 20)) return 0; /* 256 MiB cap */
    strbuf_append(sb, data, size * nmemb);
    return size * nmemb;
}

static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static bool read_path(const char *url, const char *path, strbuf *out, char *err, size_t errsize) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsize, "wasm: error reading guestURL %s: open %s: %s", url, path, strerror(errno));
        return false;
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) strbuf_append(out, buf, n);
    bool bad = ferror(f);
    int e = errno;
    fclose(f);
    if (bad) {
        snprintf(err, errsize, "wasm: error reading guestURL %s: read %s: %s", url, path, strerror(e));
        return false;
    }
    return true;
}

/* guestURL -> bytes (reference §3.1). */
static bool fetch_url(const char *url, strbuf *out, char *err, size_t errsize) {
    if (strncmp(url, "file://", 7) == 0) return read_path(url, url + 7, out, err, errsize);
    if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0) {
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, curl_init_once);
        CURL *h = curl_easy_init();
        if (!h) {
            snprintf(err, errsize, "wasm: error reading guestURL %s: curl init failed", url);
            return false;
        }
        char cerr[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_sink);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
        CURLcode rc = curl_easy_perform(h);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(h);
        if (rc != CURLE_OK) {
            snprintf(err, errsize, "wasm: error reading guestURL %s: %s", url,
                     cerr[0] ? cerr : curl_easy_strerror(rc));
            return false;
        }
        if (status != 200) {
            snprintf(err, errsize, "wasm: error reading guestURL %s: received %ld status code", url, status);
            return false;
        }
        return true;
    }
    const char *colon = strstr(url, "://");
    if (colon) {
        snprintf(err, errsize, "wasm: error reading guestURL %s: unsupported URL scheme: %.*s", url,
                 (int)(colon - url), url);
        return false;
    }
    return read_path(url, url, out, err, errsize); /* a plain path */
}

static void build_ops(uint32_t mask, sl_plugin_ops *ops);

/* Load-time checks and hook detection (reference §2.2). */
static bool inspect_module(const sl_wasm_module *m, uint32_t *mask_out, char *err, size_t errsize) {
    bool memory = false;
    uint32_t mask = 0;
    uint32_t n = sl_wasm_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        sl_wasm_export_info x;
        sl_wasm_module_export(m, i, &x);
        if (x.kind == SL_WASM_EXTERN_MEMORY && strcmp(x.name, "memory") == 0) memory = true;
        if (x.kind != SL_WASM_EXTERN_FUNC) continue;
        for (int e = 0; e < E_COUNT; e++) {
            if (strcmp(x.name, exports[e].name) != 0) continue;
            sl_wasm_valtype want = exports[e].result == 'i' ? SL_WASM_I32 : SL_WASM_I64;
            bool ok = x.func.nparams == 0 &&
                      (exports[e].result ? x.func.nresults == 1 && x.func.results[0] == want
                                         : x.func.nresults == 0);
            if (!ok) {
                snprintf(err, errsize, "wasm: guest exports the wrong signature for func[%s]. should be () -> (%s)",
                         x.name, exports[e].result == 'i' ? "i32" : exports[e].result == 'I' ? "i64" : "");
                return false;
            }
            mask |= 1u << e;
        }
    }
    if (!memory) {
        snprintf(err, errsize, "wasm: guest doesn't export memory[memory]");
        return false;
    }
    if (!mask) {
        snprintf(err, errsize, "wasm: guest does not export any plugin functions");
        return false;
    }
    uint32_t core = mask & ((1u << E_FILTER) | (1u << E_SCORE) | (1u << E_RESERVE) | (1u << E_UNRESERVE) |
                            (1u << E_PERMIT) | (1u << E_BIND));
    if (!core && mask != (1u << E_PREFILTER) && mask != ((1u << E_PREFILTER) | (1u << E_ENQUEUE))) {
        snprintf(err, errsize, "wasm: filter, score, reserve, permit or bind must be exported");
        return false;
    }
    *mask_out = mask;
    return true;
}

/* Fetches `url` and returns the compiled guest for its current bytes
 * (compiling only bytes never seen before). */
static wp_guest *guest_load(const char *url, char *err, size_t errsize) {
    strbuf bytes;
    strbuf_init(&bytes);
    if (!fetch_url(url, &bytes, err, errsize)) {
        strbuf_free(&bytes);
        return NULL;
    }
    uint64_t h = fnv1a((const uint8_t *)bytes.data, bytes.len);
    pthread_mutex_lock(&cache_lock);
    wp_guest *g = guests;
    while (g && !(g->hash == h && g->size == bytes.len)) g = g->next;
    if (!g) {
        char lerr[512] = "";
        sl_wasm_module *m = sl_wasm_module_load((const uint8_t *)bytes.data, bytes.len, lerr, sizeof lerr);
        uint32_t mask = 0;
        if (!m) {
            snprintf(err, errsize, "wasm: error compiling guest %s: %s", url, lerr);
        } else if (!inspect_module(m, &mask, err, errsize)) {
            sl_wasm_module_free(m);
            m = NULL;
        }
        if (m) {
            g = xcalloc(1, sizeof *g);
            g->hash = h;
            g->size = bytes.len;
            g->module = m;
            g->mask = mask;
            build_ops(mask, &g->ops);
            g->next = guests;
            guests = g;
            atomic_fetch_add(&modules_compiled, 1);
        }
    }
    if (g) {
        wp_url *u = urls;
        while (u && strcmp(u->url, url) != 0) u = u->next;
        if (!u) {
            u = xcalloc(1, sizeof *u);
            u->url = xstrdup(url);
            u->next = urls;
            urls = u;
        }
        u->latest = g;
    }
    pthread_mutex_unlock(&cache_lock);
    strbuf_free(&bytes);
    return g;
}

/* The guest last loaded from `url`, without fetching (NULL if never). */
static wp_guest *guest_cached(const char *url) {
    pthread_mutex_lock(&cache_lock);
    wp_url *u = urls;
    while (u && strcmp(u->url, url) != 0) u = u->next;
    wp_guest *g = u ? u->latest : NULL;
    pthread_mutex_unlock(&cache_lock);
    return g;
}

/* ------------------------------------------------------------------ */
/* Plugin and instance state                                            */
/* ------------------------------------------------------------------ */

typedef struct wp_call {
    int export_id;
    sl_cycle *c;
    const sl_pod_info *pod;
    const char *node_name;
    const sl_pod_info *target;
    sl_node_info *const *nodes;   /* prescore */
    uint32_t nnodes;
    const sl_node_status_map *statuses;
    sl_node_score *scores;        /* normalizescore */
    uint32_t nscores;
    /* results */
    bool has_reason;
    strbuf reason;
    bool has_names;
    VEC(char *) names;
    char *nominated;
    json_t *normalized;
    VEC(sl_plugin_event) events;
} wp_call;

typedef struct wp_plugin wp_plugin;

typedef struct wp_instance {
    wp_plugin *wp;
    sl_wasm_store *store;
    sl_wasm_instance *inst;
    sl_wasm_extern *memory;
    sl_wasm_extern *fn[E_COUNT];
    pthread_mutex_t lock;         /* one call at a time */
    wp_call *call;                /* current call context, NULL outside calls */
    strbuf out;                   /* captured fd 1 + 2 of the current call */
    bool out_truncated;
    char *primed_key;             /* pod whose prefilter ran here last */
    uint64_t primed_seq;
    bool broken;                  /* trapped: replaced before its next call */
    const k8s_pod *enc_pod;       /* currentPod encoding cache */
    sl_pb_buf enc;
} wp_instance;

typedef struct wp_settings {
    char *url;
    char *guest_config;
    int32_t log_severity;
    int64_t timeout_ms;
    uint32_t memory_pages;
    bool replay;
    uint32_t argc;
    char **argv;
} wp_settings;

struct wp_plugin {
    sl_plugin *p;
    wp_settings set;
    wp_guest *guest;
    sl_wasm_linker *linker;
    sl_plugin_ops ops;
    pthread_mutex_t lock;         /* pool state below */
    VEC(wp_instance *) all;       /* every instance, for destruction */
    VEC(wp_instance *) free_list;
    wp_instance *scheduled;       /* pinned to the pod in its scheduling cycle */
    char *scheduled_key;
    bool scheduled_reserved;      /* that pod passed Reserve */
    struct {
        char *key;
        wp_instance *in;
    } binding[MAX_BINDING];
    uint32_t nbinding;
    wp_instance **workers;        /* replay mode: one per sl_cycle_worker index */
    uint32_t nworkers;
    uint64_t cycle_seq;           /* bumped by every PreFilter */
    char *poison_key;             /* pod whose call failed in cycle poison_seq */
    uint64_t poison_seq;
    char *poison_msg;
    VEC(sl_plugin_event) events;
    sl_wasm_plugin_stats stats;
};

static _Thread_local wp_instance *tls_instance; /* for WASI output */

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* For deadlines: the coarse clock costs a few ns and lags by at most a
 * tick, which only makes the deadline slightly earlier. */
static int64_t coarse_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static const char *pod_key(const sl_pod_info *pod, char *buf, size_t n) {
    const k8s_pod *p = pod->pod;
    if (p->uid && p->uid[0]) return p->uid;
    snprintf(buf, n, "%s/%s", p->namespace_ ? p->namespace_ : "", p->name ? p->name : "");
    return buf;
}

/* ------------------------------------------------------------------ */
/* Host imports                                                         */
/* ------------------------------------------------------------------ */

#define ARG(i) ((uint32_t)slots[i])

static wp_instance *caller(sl_wasm_call *call) { return sl_wasm_instance_user(call->caller); }

static sl_wasm_trap *oob(void) {
    return sl_wasm_trap_new(SL_WASM_TRAP_MEMORY_OOB, "out of bounds memory access");
}

/* The buf/limit output protocol (reference §1.1). */
static sl_wasm_trap *write_out(wp_instance *in, uint64_t *slots, uint32_t buf, uint32_t limit,
                               const void *data, size_t n) {
    slots[0] = (uint32_t)n;
    if (n == 0 || n > limit) return NULL;
    if (!sl_wasm_memory_write(in->memory, buf, data, n)) return oob();
    return NULL;
}

static const uint8_t *read_in(wp_instance *in, uint32_t ptr, uint32_t len) {
    static const uint8_t empty[1];
    if (len == 0) return empty;
    uint64_t size = sl_wasm_memory_size_bytes(in->memory);
    if ((uint64_t)ptr + len > size) return NULL;
    return sl_wasm_memory_data(in->memory) + ptr;
}

static sl_wasm_trap *write_json(wp_instance *in, uint64_t *slots, uint32_t buf, uint32_t limit, json_t *v) {
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(v);
    sl_wasm_trap *t = write_out(in, slots, buf, limit, s, s ? strlen(s) : 0);
    free(s);
    return t;
}

static const sl_snapshot *call_snapshot(wp_instance *in) {
    return in->call && in->call->c ? sl_cycle_snapshot(in->call->c) : NULL;
}

static sl_wasm_trap *h_get_config(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const char *cfg = in->wp->set.guest_config;
    return write_out(in, slots, ARG(0), ARG(1), cfg, cfg ? strlen(cfg) : 0);
}

static sl_wasm_trap *write_pod(wp_instance *in, uint64_t *slots, const sl_pod_info *pod, bool cache) {
    if (!pod || !pod->pod->raw) return write_out(in, slots, ARG(0), ARG(1), NULL, 0);
    if (!cache || in->enc_pod != pod->pod) {
        in->enc.len = 0;
        sl_pb_encode_pod(&in->enc, pod->pod->raw);
        in->enc_pod = cache ? pod->pod : NULL;
    }
    return write_out(in, slots, ARG(0), ARG(1), in->enc.data, in->enc.len);
}

static sl_wasm_trap *h_current_pod(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    return write_pod(in, slots, in->call ? in->call->pod : NULL, true);
}

static sl_wasm_trap *h_target_pod(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    return write_pod(in, slots, in->call ? in->call->target : NULL, false);
}

static sl_wasm_trap *h_current_node_name(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const char *n = in->call && in->call->node_name ? in->call->node_name : "";
    return write_out(in, slots, ARG(0), ARG(1), n, strlen(n));
}

static sl_wasm_trap *h_filtered_node_list(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    json_t *a = json_array();
    if (in->call && in->call->export_id == E_PRESCORE)
        for (uint32_t i = 0; i < in->call->nnodes; i++)
            json_array_append_new(a, json_string(in->call->nodes[i]->node->name));
    return write_json(in, slots, ARG(0), ARG(1), a);
}

static sl_wasm_trap *h_node_to_status_map(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    json_t *o = json_object();
    const sl_snapshot *snap = call_snapshot(in);
    const sl_node_status_map *m = in->call ? in->call->statuses : NULL;
    if (m && snap && m->present) {
        uint32_t n = sl_snapshot_num_nodes(snap);
        sl_node_info *const *nodes = sl_snapshot_nodes(snap);
        for (uint32_t i = 0; i < m->capacity && i < n; i++)
            if (m->present[i])
                json_object_set_new(o, nodes[i]->node->name, json_integer(m->statuses[i].code));
    }
    return write_json(in, slots, ARG(0), ARG(1), o);
}

static const char *node_name_at(const sl_snapshot *snap, uint32_t index) {
    if (!snap || index >= sl_snapshot_num_nodes(snap)) return NULL;
    return sl_snapshot_nodes(snap)[index]->node->name;
}

static sl_wasm_trap *h_node_score_list(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    json_t *o = json_object();
    const sl_snapshot *snap = call_snapshot(in);
    if (in->call && in->call->scores)
        for (uint32_t i = 0; i < in->call->nscores; i++) {
            const char *name = node_name_at(snap, in->call->scores[i].node_index);
            if (name) json_object_set_new(o, name, json_integer(in->call->scores[i].score));
        }
    return write_json(in, slots, ARG(0), ARG(1), o);
}

static sl_wasm_trap *h_node_image_states(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const uint8_t *name = read_in(in, ARG(0), ARG(1));
    if (!name) return oob();
    char *n = xstrndup((const char *)name, ARG(1));
    const sl_snapshot *snap = call_snapshot(in);
    const sl_node_info *ni = snap ? sl_snapshot_node(snap, n) : NULL;
    free(n);
    /* Exactly what Go's json.Marshal writes for upstream's
     * map[string]*framework.ImageStateSummary: keys sorted (images are),
     * struct fields in declaration order, the unexported-free Nodes set as
     * null. */
    strbuf sb;
    strbuf_init(&sb);
    if (!ni) {
        strbuf_puts(&sb, "null");
    } else {
        strbuf_putc(&sb, '{');
        for (uint32_t i = 0; i < ni->nimages; i++) {
            if (i) strbuf_putc(&sb, ',');
            strbuf_put_json_string(&sb, ni->images[i]->name);
            strbuf_printf(&sb, ":{\"Size\":%lld,\"NumNodes\":%u,\"Nodes\":null}",
                          (long long)ni->images[i]->size_bytes, ni->images[i]->num_nodes);
        }
        strbuf_putc(&sb, '}');
    }
    sl_wasm_trap *t = write_out(in, slots, ARG(2), ARG(3), sb.data, sb.len);
    strbuf_free(&sb);
    return t;
}

static sl_wasm_trap *h_node(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const uint8_t *name = read_in(in, ARG(0), ARG(1));
    if (!name) return oob();
    char *n = xstrndup((const char *)name, ARG(1));
    const sl_snapshot *snap = call_snapshot(in);
    const sl_node_info *ni = snap ? sl_snapshot_node(snap, n) : NULL;
    free(n);
    if (!ni || !ni->node->raw) return write_out(in, slots, ARG(2), ARG(3), NULL, 0);
    sl_pb_buf b = {0};
    sl_pb_encode_node(&b, ni->node->raw);
    log_debug("wasm plugin %s: k8s.io/api.node(%s): %zu bytes, limit %u", in->wp->p->name, ni->node->name, b.len, ARG(3));
    sl_wasm_trap *t = write_out(in, slots, ARG(2), ARG(3), b.data, b.len);
    free(b.data);
    return t;
}

static sl_wasm_trap *h_node_list(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const sl_snapshot *snap = call_snapshot(in);
    uint32_t n = snap ? sl_snapshot_num_nodes(snap) : 0;
    const json_t **raws = xcalloc(n + 1, sizeof *raws);
    size_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (sl_snapshot_nodes(snap)[i]->node->raw) raws[k++] = sl_snapshot_nodes(snap)[i]->node->raw;
    sl_pb_buf b = {0};
    sl_pb_encode_node_list(&b, raws, k);
    free(raws);
    log_debug("wasm plugin %s: k8s.io/api.nodeList: %zu nodes, %zu bytes, limit %u", in->wp->p->name, k, b.len, ARG(1));
    sl_wasm_trap *t = write_out(in, slots, ARG(0), ARG(1), b.data, b.len);
    free(b.data);
    return t;
}

static sl_wasm_trap *h_status_reason(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const uint8_t *s = read_in(in, ARG(0), ARG(1));
    if (!s) return oob();
    if (!in->call) return NULL;
    strbuf_reset(&in->call->reason);
    strbuf_append(&in->call->reason, (const char *)s, ARG(1));
    in->call->has_reason = true;
    return NULL;
}

static sl_wasm_trap *h_node_names(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const uint8_t *s = read_in(in, ARG(0), ARG(1));
    if (!s) return oob();
    if (!in->call) return NULL;
    wp_call *wc = in->call;
    for (size_t i = 0; i < wc->names.len; i++) free(wc->names.items[i]);
    wc->names.len = 0;
    wc->has_names = true;
    uint32_t len = ARG(1), start = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (s[i] != 0) continue;
        if (i > start) {
            char *name = xstrndup((const char *)s + start, i - start);
            bool dup = false;
            for (size_t k = 0; k < wc->names.len && !dup; k++) dup = strcmp(wc->names.items[k], name) == 0;
            if (dup)
                free(name);
            else
                VEC_PUSH(&wc->names, name);
        }
        start = i + 1;
    }
    return NULL;
}

static sl_wasm_trap *h_nominated_node_name(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const uint8_t *s = read_in(in, ARG(0), ARG(1));
    if (!s) return oob();
    if (!in->call) return NULL;
    free(in->call->nominated);
    in->call->nominated = xstrndup((const char *)s, ARG(1));
    return NULL;
}

static sl_wasm_trap *h_normalized_score_list(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const uint8_t *s = read_in(in, ARG(0), ARG(1));
    if (!s) return oob();
    json_error_t jerr;
    json_t *v = json_loadb((const char *)s, ARG(1), JSON_DECODE_ANY, &jerr);
    if (!v || !(json_is_object(v) || json_is_null(v))) {
        json_decref(v);
        return sl_wasm_trap_new(SL_WASM_TRAP_GENERIC, "invalid normalized score list");
    }
    if (!in->call) {
        json_decref(v);
        return NULL;
    }
    json_decref(in->call->normalized);
    in->call->normalized = v;
    return NULL;
}

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static sl_wasm_trap *h_cluster_events(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const uint8_t *s = read_in(in, ARG(0), ARG(1));
    if (!s) return oob();
    if (!in->call) return NULL;
    in->call->events.len = 0;
    for (uint32_t i = 0; i + 8 <= ARG(1); i += 8) {
        sl_plugin_event e = {le32(s + i), le32(s + i + 4)};
        VEC_PUSH(&in->call->events, e);
    }
    return NULL;
}

static const char *jstr(const json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static sl_wasm_trap *h_eventf(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const uint8_t *s = read_in(in, ARG(0), ARG(1));
    if (!s) return oob();
    json_t *v = json_loadb((const char *)s, ARG(1), 0, NULL);
    if (!v) return NULL;
    const json_t *reg = json_object_get(v, "RegardingReference");
    log_info("wasm plugin %s: event: %s %s %s %s %s", in->wp->p->name, jstr(reg, "Name"), jstr(v, "Eventtype"),
             jstr(v, "Reason"), jstr(v, "Action"), jstr(v, "Note"));
    if (in->call && in->call->pod && in->wp->p->framework)
        sl_framework_event(in->wp->p->framework, in->call->pod, jstr(v, "Eventtype"), jstr(v, "Reason"),
                           jstr(v, "Note"));
    json_decref(v);
    return NULL;
}

static sl_wasm_trap *h_reject_waiting_pod(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const uint8_t *s = read_in(in, ARG(0), ARG(1));
    if (!s) return oob();
    char *uid = xstrndup((const char *)s, ARG(1));
    bool ok = in->wp->p->framework && sl_framework_reject_waiting_pod(in->wp->p->framework, uid);
    free(uid);
    uint8_t out[8] = {ok ? 1 : 0};
    if (!sl_wasm_memory_write(in->memory, ARG(2), out, 8)) return oob();
    return NULL;
}

static sl_wasm_trap *h_get_waiting_pod(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const uint8_t *s = read_in(in, ARG(0), ARG(1));
    if (!s) return oob();
    char *uid = xstrndup((const char *)s, ARG(1));
    sl_waiting_pod *w = in->wp->p->framework ? sl_framework_waiting_pod(in->wp->p->framework, uid) : NULL;
    free(uid);
    if (!w) {
        uint8_t zero[8] = {0};
        return sl_wasm_memory_write(in->memory, ARG(2), zero, 8) ? NULL : oob();
    }
    sl_pb_buf b = {0};
    sl_pb_encode_pod(&b, sl_waiting_pod_info(w)->pod->raw);
    bool ok = b.len <= ARG(3) && sl_wasm_memory_write(in->memory, ARG(2), b.data, b.len);
    free(b.data);
    return ok ? NULL : sl_wasm_trap_new(SL_WASM_TRAP_GENERIC, "waiting pod does not fit the buffer");
}

static sl_wasm_trap *h_klog_severity(sl_wasm_call *call, uint64_t *slots) {
    slots[0] = (uint32_t)caller(call)->wp->set.log_severity;
    return NULL;
}

static void klog_emit(wp_instance *in, int32_t sev, const char *msg, size_t len) {
    if (sev < in->wp->set.log_severity) return;
    while (len && msg[len - 1] == '\n') len--;
    const char *name = in->wp->p ? in->wp->p->name : "?";
    if (sev >= 2)
        log_error("wasm plugin %s: %.*s", name, (int)len, msg);
    else if (sev == 1)
        log_warn("wasm plugin %s: %.*s", name, (int)len, msg);
    else
        log_info("wasm plugin %s: %.*s", name, (int)len, msg);
}

static sl_wasm_trap *h_klog_log(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const uint8_t *s = read_in(in, ARG(1), ARG(2));
    if (!s) return oob();
    klog_emit(in, (int32_t)ARG(0), (const char *)s, ARG(2));
    return NULL;
}

static sl_wasm_trap *h_klog_logs(sl_wasm_call *call, uint64_t *slots) {
    wp_instance *in = caller(call);
    const uint8_t *msg = read_in(in, ARG(1), ARG(2));
    const uint8_t *kvs = read_in(in, ARG(3), ARG(4));
    if (!msg || !kvs) return oob();
    strbuf sb;
    strbuf_init(&sb);
    strbuf_putc(&sb, '"');
    strbuf_append(&sb, (const char *)msg, ARG(2));
    strbuf_putc(&sb, '"');
    /* key\0value\0...: split keeping empty strings, drop the terminator */
    uint32_t len = ARG(4), start = 0, idx = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (kvs[i] != 0) continue;
        if (idx % 2 == 0) {
            strbuf_putc(&sb, ' ');
            strbuf_append(&sb, (const char *)kvs + start, i - start);
            strbuf_putc(&sb, '=');
        } else {
            char *v = xstrndup((const char *)kvs + start, i - start);
            strbuf_put_json_string(&sb, v);
            free(v);
        }
        idx++;
        start = i + 1;
    }
    if (ARG(4) == 0) {
        klog_emit(in, (int32_t)ARG(0), (const char *)msg, ARG(2));
    } else {
        klog_emit(in, (int32_t)ARG(0), strbuf_cstr(&sb), sb.len);
    }
    strbuf_free(&sb);
    return NULL;
}

static void guest_write(void *user, int fd, const uint8_t *data, size_t len) {
    (void)user;
    (void)fd;
    wp_instance *in = tls_instance;
    if (!in) return;
    size_t room = in->out.len < MAX_CAPTURE ? MAX_CAPTURE - in->out.len : 0;
    if (len > room) {
        in->out_truncated = true;
        len = room;
    }
    if (len) strbuf_append(&in->out, (const char *)data, len);
}

static sl_wasm_linker *make_linker(const wp_settings *set) {
    sl_wasm_linker *l = sl_wasm_linker_new();
    static const struct {
        const char *module, *name, *sig;
        sl_wasm_host_fn fn;
    } imports[] = {
        {"k8s.io/api", "node", "iiii:i", h_node},
        {"k8s.io/api", "nodeList", "ii:i", h_node_list},
        {"k8s.io/klog", "severity", ":i", h_klog_severity},
        {"k8s.io/klog", "log", "iii:", h_klog_log},
        {"k8s.io/klog", "logs", "iiiii:", h_klog_logs},
        {"k8s.io/scheduler", "get_config", "ii:i", h_get_config},
        {"k8s.io/scheduler", "currentPod", "ii:i", h_current_pod},
        {"k8s.io/scheduler", "targetPod", "ii:i", h_target_pod},
        {"k8s.io/scheduler", "currentNodeName", "ii:i", h_current_node_name},
        {"k8s.io/scheduler", "filteredNodeList", "ii:i", h_filtered_node_list},
        {"k8s.io/scheduler", "nodeToStatusMap", "ii:i", h_node_to_status_map},
        {"k8s.io/scheduler", "nodeScoreList", "ii:i", h_node_score_list},
        {"k8s.io/scheduler", "nodeImageStates", "iiii:i", h_node_image_states},
        {"k8s.io/scheduler", "result.status_reason", "ii:", h_status_reason},
        {"k8s.io/scheduler", "result.node_names", "ii:", h_node_names},
        {"k8s.io/scheduler", "result.nominated_node_name", "ii:", h_nominated_node_name},
        {"k8s.io/scheduler", "result.normalized_score_list", "ii:", h_normalized_score_list},
        {"k8s.io/scheduler", "result.cluster_events", "ii:", h_cluster_events},
        {"k8s.io/scheduler", "handle.eventrecorder.eventf", "ii:", h_eventf},
        {"k8s.io/scheduler", "handle.reject_waiting_pod", "iiii:", h_reject_waiting_pod},
        {"k8s.io/scheduler", "handle.get_waiting_pod", "iiii:", h_get_waiting_pod},
    };
    for (size_t i = 0; i < sizeof imports / sizeof imports[0]; i++)
        sl_wasm_linker_define_func(l, imports[i].module, imports[i].name, imports[i].sig, imports[i].fn, NULL);
    sl_wasm_wasi_config wc = {0};
    wc.argc = (int)set->argc;
    wc.argv = (const char *const *)set->argv;
    wc.write = guest_write;
    wc.random_seed = 0x5c4ed1ab; /* deterministic, as upstream */
    sl_wasm_wasi_define(l, &wc);
    return l;
}

/* ------------------------------------------------------------------ */
/* Instances                                                            */
/* ------------------------------------------------------------------ */

static void instance_teardown(wp_instance *in) {
    if (in->store) sl_wasm_store_free(in->store);
    in->store = NULL;
    in->inst = NULL;
    in->memory = NULL;
    memset(in->fn, 0, sizeof in->fn);
    free(in->primed_key);
    in->primed_key = NULL;
    in->enc_pod = NULL;
}

/* The captured output as one string without trailing newlines. */
static void take_output(wp_instance *in, strbuf *dst) {
    size_t n = in->out.len;
    while (n && (in->out.data[n - 1] == '\n' || in->out.data[n - 1] == '\r')) n--;
    if (n) strbuf_append(dst, in->out.data, n);
    if (n && in->out_truncated) strbuf_puts(dst, "...[output truncated]");
}

static void log_output(wp_instance *in, const char *what) {
    if (!in->out.len) return;
    size_t n = in->out.len;
    while (n && in->out.data[n - 1] == '\n') n--;
    if (n > MAX_LOGGED_OUTPUT)
        log_info("wasm plugin %s %s output: %.*s...[%zu more bytes]", in->wp->p->name, what, MAX_LOGGED_OUTPUT,
                 in->out.data, n - MAX_LOGGED_OUTPUT);
    else if (n)
        log_info("wasm plugin %s %s output: %.*s", in->wp->p->name, what, (int)n, in->out.data);
}

static void clear_output(wp_instance *in) {
    strbuf_reset(&in->out);
    in->out_truncated = false;
}

static void trap_text(const sl_wasm_trap *t, wp_plugin *wp, strbuf *sb) {
    switch (sl_wasm_trap_kind_of(t)) {
    case SL_WASM_TRAP_EXIT:
        strbuf_printf(sb, "module closed with exit_code(%d)", sl_wasm_trap_exit_code(t));
        break;
    case SL_WASM_TRAP_INTERRUPTED:
        strbuf_printf(sb, "wasm error: deadline exceeded (callTimeoutMs %lld)", (long long)wp->set.timeout_ms);
        break;
    default:
        strbuf_printf(sb, "wasm error: %s", sl_wasm_trap_message(t));
    }
}

/* Instantiates into `in` and runs _start (or _initialize). */
static bool instance_start(wp_plugin *wp, wp_instance *in, char *err, size_t errsize) {
    sl_wasm_limits_config limits = {.max_memory_pages = wp->set.memory_pages};
    in->store = sl_wasm_store_new(&limits);
    in->wp = wp;
    wp_instance *saved = tls_instance;
    tls_instance = in;
    clear_output(in);
    sl_wasm_store_set_deadline(in->store, now_ns() + wp->set.timeout_ms * START_TIMEOUT_FACTOR * 1000000LL);
    sl_wasm_trap *trap = NULL;
    char lerr[512] = "";
    in->inst = sl_wasm_instantiate(in->store, wp->guest->module, wp->linker, &trap, lerr, sizeof lerr);
    bool ok = in->inst != NULL;
    strbuf msg;
    strbuf_init(&msg);
    if (ok) {
        sl_wasm_instance_set_user(in->inst, in);
        in->memory = sl_wasm_instance_export(in->inst, "memory");
        for (int e = 0; e < E_COUNT; e++)
            if (HAS(wp->guest->mask, e)) in->fn[e] = sl_wasm_instance_export(in->inst, exports[e].name);
        sl_wasm_extern *start = sl_wasm_instance_export(in->inst, "_start");
        if (!start) start = sl_wasm_instance_export(in->inst, "_initialize");
        if (start && sl_wasm_extern_kind_of(start) == SL_WASM_EXTERN_FUNC) {
            uint64_t slots[2] = {0};
            trap = sl_wasm_func_call_raw(start, slots);
            /* proc_exit(0) at the end of _start (non-legacy TinyGo) = init done */
            if (trap && sl_wasm_trap_kind_of(trap) == SL_WASM_TRAP_EXIT && sl_wasm_trap_exit_code(trap) == 0) {
                sl_wasm_trap_free(trap);
                trap = NULL;
            }
            if (trap) ok = false;
        }
    }
    if (!ok) {
        take_output(in, &msg);
        if (msg.len) strbuf_putc(&msg, '\n');
        if (trap)
            trap_text(trap, wp, &msg);
        else
            strbuf_puts(&msg, lerr);
        snprintf(err, errsize, "failed to create a guest pool: wasm: instantiate error: %s", strbuf_cstr(&msg));
        instance_teardown(in);
    } else {
        log_output(in, "_start");
    }
    if (trap) sl_wasm_trap_free(trap);
    strbuf_free(&msg);
    if (in->store) sl_wasm_store_set_deadline(in->store, 0);
    clear_output(in);
    tls_instance = saved;
    if (ok) __atomic_fetch_add(&wp->stats.instances_created, 1, __ATOMIC_RELAXED);
    return ok;
}

static wp_instance *instance_new(wp_plugin *wp, char *err, size_t errsize) {
    wp_instance *in = xcalloc(1, sizeof *in);
    pthread_mutex_init(&in->lock, NULL);
    strbuf_init(&in->out);
    if (!instance_start(wp, in, err, errsize)) {
        strbuf_free(&in->out);
        pthread_mutex_destroy(&in->lock);
        free(in);
        return NULL;
    }
    pthread_mutex_lock(&wp->lock);
    VEC_PUSH(&wp->all, in);
    pthread_mutex_unlock(&wp->lock);
    return in;
}

static void instance_free(wp_instance *in) {
    instance_teardown(in);
    strbuf_free(&in->out);
    free(in->enc.data);
    pthread_mutex_destroy(&in->lock);
    free(in);
}

/* ------------------------------------------------------------------ */
/* Calls                                                                */
/* ------------------------------------------------------------------ */

static void call_init(wp_call *wc, int e, sl_cycle *c, const sl_pod_info *pod, const char *node_name) {
    memset(wc, 0, sizeof *wc);
    wc->export_id = e;
    wc->c = c;
    wc->pod = pod;
    wc->node_name = node_name;
}

static void call_free(wp_call *wc) {
    strbuf_free(&wc->reason);
    for (size_t i = 0; i < wc->names.len; i++) free(wc->names.items[i]);
    VEC_FREE(&wc->names);
    free(wc->nominated);
    json_decref(wc->normalized);
    VEC_FREE(&wc->events);
}

static void set_poison(wp_plugin *wp, const char *key, const char *msg) {
    pthread_mutex_lock(&wp->lock);
    free(wp->poison_key);
    free(wp->poison_msg);
    wp->poison_key = key ? xstrdup(key) : NULL;
    wp->poison_msg = xstrdup(msg);
    wp->poison_seq = wp->cycle_seq;
    pthread_mutex_unlock(&wp->lock);
}

/* The failure message if this pod's cycle already failed in this plugin. */
static char *poisoned(wp_plugin *wp, const char *key) {
    char *msg = NULL;
    pthread_mutex_lock(&wp->lock);
    if (wp->poison_key && key && wp->poison_seq == wp->cycle_seq && strcmp(wp->poison_key, key) == 0)
        msg = xstrdup(wp->poison_msg);
    pthread_mutex_unlock(&wp->lock);
    return msg;
}

/* Calls export e on `in` (caller holds in->lock). Returns false after a
 * trap, with the Error message in *msg_out (heap). */
static bool invoke(wp_plugin *wp, wp_instance *in, int e, wp_call *wc, uint64_t *result, char **msg_out) {
    *result = 0;
    if (!in->inst) {
        char err[1024];
        if (!instance_start(wp, in, err, sizeof err)) {
            *msg_out = xstrdup(err);
            return false;
        }
    }
    if (!in->fn[e]) return true; /* not exported (e.g. after a reload): no-op */
    wp_instance *saved = tls_instance;
    tls_instance = in;
    in->call = wc;
    /* (the deadline stays armed after the call: no guest code runs until
     * the next call re-arms it) */
    sl_wasm_store_set_deadline(in->store, coarse_now_ns() + wp->set.timeout_ms * 1000000LL);
    uint64_t slots[2] = {0, 0};
    sl_wasm_trap *trap = sl_wasm_func_call_raw(in->fn[e], slots);
    in->call = NULL;
    tls_instance = saved;
    __atomic_fetch_add(&wp->stats.calls, 1, __ATOMIC_RELAXED);
    if (!trap) {
        if (in->out.len) {
            log_output(in, exports[e].name);
            clear_output(in);
        }
        *result = slots[0];
        return true;
    }
    strbuf msg;
    strbuf_init(&msg);
    strbuf_printf(&msg, "wasm: %s error: ", exports[e].name);
    size_t before = msg.len;
    take_output(in, &msg);
    if (msg.len > before) strbuf_putc(&msg, '\n');
    trap_text(trap, wp, &msg);
    const char *bt = sl_wasm_trap_backtrace(trap);
    log_warn("wasm plugin %s: %s%s%s", wp->p->name, strbuf_cstr(&msg), bt && *bt ? "\n" : "", bt ? bt : "");
    sl_wasm_trap_free(trap);
    clear_output(in);
    __atomic_fetch_add(&wp->stats.traps, 1, __ATOMIC_RELAXED);
    /* The guest's state after a trap is not trustworthy: replace it. */
    instance_teardown(in);
    char err[1024];
    if (!instance_start(wp, in, err, sizeof err)) log_warn("wasm plugin %s: replacing instance: %s", wp->p->name, err);
    *msg_out = strbuf_take(&msg);
    strbuf_free(&msg);
    return false;
}

static sl_status code_status(sl_cycle *c, int32_t code, wp_call *wc) {
    if (code == 0) return SL_STATUS_SUCCESS;
    sl_code sc = code > 0 && code <= SL_PENDING ? (sl_code)code : SL_ERROR;
    const char *reason = wc->has_reason ? strbuf_cstr(&wc->reason) : "";
    if ((int32_t)sc != code) return sl_status_newf(c, SL_ERROR, "wasm: unknown status code %d: %s", code, reason);
    size_t n = wc->has_reason ? wc->reason.len : 0;
    char *m = sl_cycle_alloc(c, n + 1);
    memcpy(m, reason, n);
    m[n] = 0;
    return sl_status_make(sc, m);
}

static sl_status error_status(sl_cycle *c, const char *msg) {
    return c ? sl_status_newf(c, SL_ERROR, "%s", msg) : sl_status_make(SL_ERROR, "wasm: call failed");
}

/* ---- pool ---- */

static wp_instance *pool_take(wp_plugin *wp) {
    /* wp->lock held */
    if (wp->free_list.len) return wp->free_list.items[--wp->free_list.len];
    pthread_mutex_unlock(&wp->lock);
    char err[1024];
    wp_instance *in = instance_new(wp, err, sizeof err);
    if (!in) log_warn("wasm plugin %s: %s", wp->p->name, err);
    pthread_mutex_lock(&wp->lock);
    return in;
}

static void pool_put(wp_plugin *wp, wp_instance *in) {
    /* wp->lock held */
    VEC_PUSH(&wp->free_list, in);
}

static bool guest_has_binding_hooks(const wp_plugin *wp) {
    uint32_t m = wp->guest->mask;
    return HAS(m, E_UNRESERVE) || HAS(m, E_PERMIT) || HAS(m, E_PREBIND) || HAS(m, E_BIND) || HAS(m, E_POSTBIND);
}

static void binding_add(wp_plugin *wp, const char *key, wp_instance *in) {
    /* wp->lock held */
    if (wp->nbinding == MAX_BINDING) { /* forgotten pods: recycle the oldest */
        free(wp->binding[0].key);
        pool_put(wp, wp->binding[0].in);
        memmove(&wp->binding[0], &wp->binding[1], (MAX_BINDING - 1) * sizeof wp->binding[0]);
        wp->nbinding--;
    }
    wp->binding[wp->nbinding].key = xstrdup(key);
    wp->binding[wp->nbinding].in = in;
    wp->nbinding++;
}

static int binding_find(wp_plugin *wp, const char *key) {
    for (uint32_t i = 0; i < wp->nbinding; i++)
        if (strcmp(wp->binding[i].key, key) == 0) return (int)i;
    return -1;
}

/* Ends the previous pod's hold on the scheduling instance. */
static void scheduled_release(wp_plugin *wp) {
    /* wp->lock held */
    if (!wp->scheduled) return;
    if (wp->scheduled_reserved && guest_has_binding_hooks(wp))
        binding_add(wp, wp->scheduled_key, wp->scheduled);
    else
        pool_put(wp, wp->scheduled);
    wp->scheduled = NULL;
    free(wp->scheduled_key);
    wp->scheduled_key = NULL;
    wp->scheduled_reserved = false;
}

/* The instance serving `key`'s hooks (pinned). Creates the pin when none
 * exists (a hook without a prior PreFilter: tests, direct calls). */
static wp_instance *pinned_for(wp_plugin *wp, const char *key) {
    pthread_mutex_lock(&wp->lock);
    wp_instance *in = NULL;
    if (wp->scheduled && strcmp(wp->scheduled_key, key) == 0) {
        in = wp->scheduled;
    } else {
        int b = binding_find(wp, key);
        if (b >= 0) {
            in = wp->binding[b].in;
        } else {
            scheduled_release(wp);
            in = pool_take(wp);
            if (in) {
                wp->scheduled = in;
                wp->scheduled_key = xstrdup(key);
            }
        }
    }
    pthread_mutex_unlock(&wp->lock);
    return in;
}

/* Moves the pod's instance to the binding map (scheduling cycle done). */
static void to_binding(wp_plugin *wp, const char *key) {
    pthread_mutex_lock(&wp->lock);
    if (wp->scheduled && strcmp(wp->scheduled_key, key) == 0) {
        binding_add(wp, key, wp->scheduled);
        wp->scheduled = NULL;
        free(wp->scheduled_key);
        wp->scheduled_key = NULL;
        wp->scheduled_reserved = false;
    }
    pthread_mutex_unlock(&wp->lock);
}

/* The pod is done with the plugin: its instance goes back to the pool. */
static void release_pod(wp_plugin *wp, const char *key) {
    pthread_mutex_lock(&wp->lock);
    int b = binding_find(wp, key);
    if (b >= 0) {
        pool_put(wp, wp->binding[b].in);
        free(wp->binding[b].key);
        memmove(&wp->binding[b], &wp->binding[b + 1], (wp->nbinding - (uint32_t)b - 1) * sizeof wp->binding[0]);
        wp->nbinding--;
    } else if (wp->scheduled && strcmp(wp->scheduled_key, key) == 0) {
        pool_put(wp, wp->scheduled);
        wp->scheduled = NULL;
        free(wp->scheduled_key);
        wp->scheduled_key = NULL;
        wp->scheduled_reserved = false;
    }
    pthread_mutex_unlock(&wp->lock);
}

/* Runs the guest's prefilter for `pod` on `in` unless it already ran there
 * in this cycle (replay). Caller holds in->lock. */
static bool ensure_primed(wp_plugin *wp, wp_instance *in, sl_cycle *c, const sl_pod_info *pod, const char *key,
                          char **msg) {
    if (!HAS(wp->guest->mask, E_PREFILTER)) return true;
    if (in->inst && in->primed_key && in->primed_seq == wp->cycle_seq && strcmp(in->primed_key, key) == 0) return true;
    wp_call wc;
    call_init(&wc, E_PREFILTER, c, pod, "");
    uint64_t r;
    in->enc_pod = NULL;
    bool ok = invoke(wp, in, E_PREFILTER, &wc, &r, msg);
    call_free(&wc);
    if (!ok) return false;
    free(in->primed_key);
    in->primed_key = xstrdup(key);
    in->primed_seq = wp->cycle_seq;
    __atomic_fetch_add(&wp->stats.replays, 1, __ATOMIC_RELAXED);
    return true;
}

/* The calling worker's slot (sl_cycle_worker: distinct for calls running
 * at the same time), -1 when outside the range sized at creation. */
static int worker_slot(const wp_plugin *wp, const sl_cycle *c) {
    uint32_t w = sl_cycle_worker(c);
    return w < wp->nworkers ? (int)w : -1;
}

/* Lock and return the instance for a pod hook. Filter/Score in replay mode
 * use the worker's own instance. */
static wp_instance *acquire(wp_plugin *wp, sl_cycle *c, const sl_pod_info *pod, const char *key, bool fanout,
                            char **msg) {
    wp_instance *in = NULL;
    int w = fanout && wp->set.replay ? worker_slot(wp, c) : -1;
    if (w >= 0) {
        pthread_mutex_lock(&wp->lock);
        in = wp->workers[w];
        pthread_mutex_unlock(&wp->lock);
        if (!in) {
            char err[1024];
            in = instance_new(wp, err, sizeof err);
            if (!in) {
                *msg = xstrdup(err);
                return NULL;
            }
            pthread_mutex_lock(&wp->lock);
            wp->workers[w] = in;
            pthread_mutex_unlock(&wp->lock);
        }
    } else {
        in = pinned_for(wp, key);
        if (!in) {
            *msg = xstrdup("wasm: no guest instance available");
            return NULL;
        }
    }
    pthread_mutex_lock(&in->lock);
    if (!ensure_primed(wp, in, c, pod, key, msg)) {
        pthread_mutex_unlock(&in->lock);
        return NULL;
    }
    return in;
}

/* One status-returning pod hook, end to end. */
static sl_status pod_hook(wp_plugin *wp, int e, wp_call *wc, bool fanout, uint64_t *result, bool *trapped) {
    char kb[512];
    const char *key = pod_key(wc->pod, kb, sizeof kb);
    *result = 0;
    if (trapped) *trapped = false;
    char *msg = poisoned(wp, key);
    if (msg) {
        sl_status s = error_status(wc->c, msg);
        free(msg);
        if (trapped) *trapped = true;
        return s;
    }
    wp_instance *in = acquire(wp, wc->c, wc->pod, key, fanout, &msg);
    bool ok = false;
    if (in) {
        ok = invoke(wp, in, e, wc, result, &msg);
        pthread_mutex_unlock(&in->lock);
    }
    if (!ok) {
        set_poison(wp, key, msg);
        sl_status s = error_status(wc->c, msg);
        free(msg);
        if (trapped) *trapped = true;
        return s;
    }
    return SL_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Plugin ops                                                           */
/* ------------------------------------------------------------------ */

static wp_plugin *self(sl_plugin *p) { return p->self; }

static sl_status op_pre_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, sl_prefilter_result *result) {
    wp_plugin *wp = self(p);
    char kb[512];
    const char *key = pod_key(pod, kb, sizeof kb);
    pthread_mutex_lock(&wp->lock);
    wp->cycle_seq++;
    /* A new scheduling cycle: pin an instance to this pod. */
    if (!(wp->scheduled && strcmp(wp->scheduled_key, key) == 0)) {
        int b = binding_find(wp, key);
        if (b >= 0) { /* the pod is retried while its old binding entry lingers */
            pool_put(wp, wp->binding[b].in);
            free(wp->binding[b].key);
            memmove(&wp->binding[b], &wp->binding[b + 1],
                    (wp->nbinding - (uint32_t)b - 1) * sizeof wp->binding[0]);
            wp->nbinding--;
        }
        scheduled_release(wp);
        wp->scheduled = pool_take(wp);
        if (wp->scheduled) wp->scheduled_key = xstrdup(key);
    }
    wp->scheduled_reserved = false;
    wp_instance *in = wp->scheduled;
    pthread_mutex_unlock(&wp->lock);
    if (!in) return error_status(c, "wasm: no guest instance available");
    if (!HAS(wp->guest->mask, E_PREFILTER)) return SL_STATUS_SUCCESS;
    wp_call wc;
    call_init(&wc, E_PREFILTER, c, pod, "");
    uint64_t r = 0;
    char *msg = NULL;
    pthread_mutex_lock(&in->lock);
    in->enc_pod = NULL; /* a new cycle: re-encode the pod */
    bool ok = invoke(wp, in, E_PREFILTER, &wc, &r, &msg);
    if (ok) {
        free(in->primed_key);
        in->primed_key = xstrdup(key);
        in->primed_seq = wp->cycle_seq;
    }
    pthread_mutex_unlock(&in->lock);
    sl_status s;
    if (!ok) {
        set_poison(wp, key, msg);
        s = error_status(c, msg);
        free(msg);
    } else {
        s = code_status(c, (int32_t)r, &wc);
        if (s.code == SL_SUCCESS && wc.has_names) {
            result->all = false;
            result->nnames = (uint32_t)wc.names.len;
            result->node_names = sl_cycle_alloc(c, (wc.names.len ? wc.names.len : 1) * sizeof(char *));
            for (size_t i = 0; i < wc.names.len; i++) result->node_names[i] = sl_cycle_printf(c, "%s", wc.names.items[i]);
        }
    }
    call_free(&wc);
    return s;
}

static sl_status op_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const sl_node_info *node) {
    wp_call wc;
    call_init(&wc, E_FILTER, c, pod, node->node->name);
    uint64_t r;
    bool trapped;
    sl_status s = pod_hook(self(p), E_FILTER, &wc, true, &r, &trapped);
    if (!trapped) s = code_status(c, (int32_t)r, &wc);
    call_free(&wc);
    return s;
}

/* Batch form: one lock round trip per block of nodes. */
static void op_filter_nodes(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, sl_node_info *const *nodes,
                            uint32_t n, sl_status *out) {
    wp_plugin *wp = self(p);
    char kb[512];
    const char *key = pod_key(pod, kb, sizeof kb);
    char *msg = poisoned(wp, key);
    bool was_poisoned = msg != NULL;
    wp_instance *in = msg ? NULL : acquire(wp, c, pod, key, true, &msg);
    if (in && (msg = poisoned(wp, key)) != NULL) { /* failed while we waited for the instance */
        pthread_mutex_unlock(&in->lock);
        in = NULL;
        was_poisoned = true;
    }
    if (!in) {
        sl_status s = error_status(c, msg);
        if (!was_poisoned) set_poison(wp, key, msg);
        free(msg);
        for (uint32_t i = 0; i < n; i++) out[i] = s;
        return;
    }
    wp_call wc;
    call_init(&wc, E_FILTER, c, pod, NULL);
    uint32_t i = 0;
    for (; i < n; i++) {
        wc.node_name = nodes[i]->node->name;
        wc.has_reason = false;
        uint64_t r;
        if (!invoke(wp, in, E_FILTER, &wc, &r, &msg)) break;
        int32_t code = (int32_t)r;
        out[i] = code == 0 ? SL_STATUS_SUCCESS : code_status(c, code, &wc);
    }
    pthread_mutex_unlock(&in->lock);
    if (i < n) {
        set_poison(wp, key, msg);
        sl_status s = error_status(c, msg);
        free(msg);
        for (; i < n; i++) out[i] = s;
    }
    call_free(&wc);
}

static sl_status op_post_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                const sl_node_status_map *statuses, sl_post_filter_result *result) {
    wp_call wc;
    call_init(&wc, E_POSTFILTER, c, pod, "");
    wc.statuses = statuses;
    uint64_t r;
    bool trapped;
    sl_status s = pod_hook(self(p), E_POSTFILTER, &wc, false, &r, &trapped);
    if (!trapped) {
        int32_t mode = (int32_t)(r >> 32);
        s = code_status(c, (int32_t)(uint32_t)r, &wc);
        if (mode == 1 && wc.nominated && wc.nominated[0])
            result->nominated_node_name = sl_cycle_printf(c, "%s", wc.nominated);
    }
    call_free(&wc);
    return s;
}

static sl_status op_pre_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, sl_node_info *const *nodes,
                              uint32_t n) {
    wp_call wc;
    call_init(&wc, E_PRESCORE, c, pod, "");
    wc.nodes = nodes;
    wc.nnodes = n;
    uint64_t r;
    bool trapped;
    sl_status s = pod_hook(self(p), E_PRESCORE, &wc, false, &r, &trapped);
    if (!trapped) s = code_status(c, (int32_t)r, &wc);
    call_free(&wc);
    return s;
}

static sl_status op_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const sl_node_info *node,
                          int64_t *score) {
    wp_call wc;
    call_init(&wc, E_SCORE, c, pod, node->node->name);
    uint64_t r;
    bool trapped;
    sl_status s = pod_hook(self(p), E_SCORE, &wc, true, &r, &trapped);
    *score = 0;
    if (!trapped) {
        s = code_status(c, (int32_t)(uint32_t)r, &wc);
        *score = (int32_t)(r >> 32);
    }
    call_free(&wc);
    return s;
}

static sl_status op_score_nodes(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, sl_node_info *const *nodes,
                                uint32_t n, sl_node_score *out, uint32_t *failed_at) {
    wp_plugin *wp = self(p);
    char kb[512];
    const char *key = pod_key(pod, kb, sizeof kb);
    char *msg = poisoned(wp, key);
    bool was_poisoned = msg != NULL;
    wp_instance *in = msg ? NULL : acquire(wp, c, pod, key, true, &msg);
    if (in && (msg = poisoned(wp, key)) != NULL) {
        pthread_mutex_unlock(&in->lock);
        in = NULL;
        was_poisoned = true;
    }
    if (!in) {
        *failed_at = 0;
        sl_status s = error_status(c, msg);
        if (!was_poisoned) set_poison(wp, key, msg);
        free(msg);
        return s;
    }
    wp_call wc;
    call_init(&wc, E_SCORE, c, pod, NULL);
    sl_status s = SL_STATUS_SUCCESS;
    for (uint32_t i = 0; i < n; i++) {
        wc.node_name = nodes[i]->node->name;
        wc.has_reason = false;
        uint64_t r;
        if (!invoke(wp, in, E_SCORE, &wc, &r, &msg)) {
            set_poison(wp, key, msg);
            s = error_status(c, msg);
            free(msg);
            *failed_at = i;
            break;
        }
        s = code_status(c, (int32_t)(uint32_t)r, &wc);
        if (s.code != SL_SUCCESS) {
            *failed_at = i;
            break;
        }
        out[i].score = (int32_t)(r >> 32);
    }
    pthread_mutex_unlock(&in->lock);
    call_free(&wc);
    return s;
}

static sl_status op_normalize_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, sl_node_score *scores,
                                    uint32_t n) {
    wp_call wc;
    call_init(&wc, E_NORMALIZESCORE, c, pod, "");
    wc.scores = scores;
    wc.nscores = n;
    uint64_t r;
    bool trapped;
    sl_status s = pod_hook(self(p), E_NORMALIZESCORE, &wc, false, &r, &trapped);
    if (!trapped) {
        s = code_status(c, (int32_t)r, &wc);
        /* apply by node name; empty or null = unchanged (reference fact 10) */
        if (s.code == SL_SUCCESS && json_is_object(wc.normalized) && json_object_size(wc.normalized)) {
            const sl_snapshot *snap = sl_cycle_snapshot(c);
            for (uint32_t i = 0; i < n; i++) {
                const char *name = node_name_at(snap, scores[i].node_index);
                json_t *v = name ? json_object_get(wc.normalized, name) : NULL;
                if (json_is_integer(v)) scores[i].score = (int64_t)json_integer_value(v);
            }
        }
    }
    call_free(&wc);
    return s;
}

static sl_status op_reserve(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node_name) {
    wp_plugin *wp = self(p);
    sl_status s = SL_STATUS_SUCCESS;
    if (HAS(wp->guest->mask, E_RESERVE)) {
        wp_call wc;
        call_init(&wc, E_RESERVE, c, pod, node_name);
        uint64_t r;
        bool trapped;
        s = pod_hook(wp, E_RESERVE, &wc, false, &r, &trapped);
        if (!trapped) s = code_status(c, (int32_t)r, &wc);
        call_free(&wc);
    }
    if (s.code == SL_SUCCESS) {
        char kb[512];
        const char *key = pod_key(pod, kb, sizeof kb);
        pthread_mutex_lock(&wp->lock);
        if (wp->scheduled && strcmp(wp->scheduled_key, key) == 0) wp->scheduled_reserved = true;
        pthread_mutex_unlock(&wp->lock);
    }
    return s;
}

/* Void hooks: a trap is logged ("failed unreserve"/"failed postbind"). */
static void void_hook(sl_plugin *p, int e, sl_cycle *c, const sl_pod_info *pod, const char *node_name) {
    wp_plugin *wp = self(p);
    char kb[512];
    const char *key = pod_key(pod, kb, sizeof kb);
    if (HAS(wp->guest->mask, e)) {
        wp_call wc;
        call_init(&wc, e, c, pod, node_name);
        char *msg = NULL;
        wp_instance *in = acquire(wp, c, pod, key, false, &msg);
        uint64_t r;
        if (in) {
            if (!invoke(wp, in, e, &wc, &r, &msg)) log_error("wasm plugin %s: failed %s: %s", p->name, exports[e].name, msg);
            pthread_mutex_unlock(&in->lock);
        } else {
            log_error("wasm plugin %s: failed %s: %s", p->name, exports[e].name, msg);
        }
        free(msg);
        call_free(&wc);
    }
    release_pod(wp, key);
}

static void op_unreserve(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node_name) {
    void_hook(p, E_UNRESERVE, c, pod, node_name);
}

static void op_post_bind(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node_name) {
    void_hook(p, E_POSTBIND, c, pod, node_name);
}

static sl_status op_permit(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node_name,
                           int64_t *timeout_ms) {
    wp_plugin *wp = self(p);
    wp_call wc;
    call_init(&wc, E_PERMIT, c, pod, node_name);
    uint64_t r;
    bool trapped;
    sl_status s = pod_hook(wp, E_PERMIT, &wc, false, &r, &trapped);
    *timeout_ms = 0;
    if (!trapped) {
        s = code_status(c, (int32_t)(r >> 32), &wc);
        *timeout_ms = (uint32_t)r;
    }
    call_free(&wc);
    char kb[512];
    to_binding(wp, pod_key(pod, kb, sizeof kb));
    return s;
}

static sl_status bind_hook(sl_plugin *p, int e, sl_cycle *c, const sl_pod_info *pod, const char *node_name) {
    wp_call wc;
    call_init(&wc, e, c, pod, node_name);
    uint64_t r;
    bool trapped;
    sl_status s = pod_hook(self(p), e, &wc, false, &r, &trapped);
    if (!trapped) s = code_status(c, (int32_t)r, &wc);
    call_free(&wc);
    return s;
}

static sl_status op_pre_bind(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node_name) {
    return bind_hook(p, E_PREBIND, c, pod, node_name);
}

static sl_status op_bind(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node_name) {
    return bind_hook(p, E_BIND, c, pod, node_name);
}

static sl_status target_hook(sl_plugin *p, int e, sl_cycle *c, const sl_pod_info *pod, const sl_pod_info *target,
                             const sl_node_info *node) {
    wp_call wc;
    call_init(&wc, e, c, pod, node->node->name);
    wc.target = target;
    uint64_t r;
    bool trapped;
    sl_status s = pod_hook(self(p), e, &wc, false, &r, &trapped);
    if (!trapped) s = code_status(c, (int32_t)r, &wc);
    call_free(&wc);
    return s;
}

static sl_status op_add_pod(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const sl_pod_info *add,
                            const sl_node_info *node) {
    return target_hook(p, E_ADDPOD, c, pod, add, node);
}

static sl_status op_remove_pod(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const sl_pod_info *rm,
                               const sl_node_info *node) {
    return target_hook(p, E_REMOVEPOD, c, pod, rm, node);
}

static void settings_free(wp_settings *s) {
    free(s->url);
    free(s->guest_config);
    for (uint32_t i = 0; i < s->argc; i++) free(s->argv[i]);
    free(s->argv);
    memset(s, 0, sizeof *s);
}

/* Frees the pool (all instances) and the linker. */
static void pool_destroy(wp_plugin *wp) {
    for (size_t i = 0; i < wp->all.len; i++) instance_free(wp->all.items[i]);
    VEC_FREE(&wp->all);
    VEC_FREE(&wp->free_list);
    for (uint32_t i = 0; i < wp->nbinding; i++) free(wp->binding[i].key);
    wp->nbinding = 0;
    free(wp->scheduled_key);
    wp->scheduled_key = NULL;
    wp->scheduled = NULL;
    if (wp->workers) memset(wp->workers, 0, wp->nworkers * sizeof *wp->workers);
    if (wp->linker) sl_wasm_linker_free(wp->linker);
    wp->linker = NULL;
}

static void op_destroy(sl_plugin *p) {
    wp_plugin *wp = self(p);
    if (!wp) return;
    pool_destroy(wp);
    settings_free(&wp->set);
    free(wp->poison_key);
    free(wp->poison_msg);
    VEC_FREE(&wp->events);
    free(wp->workers);
    pthread_mutex_destroy(&wp->lock);
    free(wp);
    p->self = NULL;
}

/* EventsToRegister: what the guest's `enqueue` reported (learn_events),
 * records handed over as they are (framework.h: same resource numbers and
 * action bits); the default list when it exports none or reports none. */
static uint32_t op_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    wp_plugin *wp = self(p);
    *out = wp->events.items;
    return (uint32_t)wp->events.len;
}

static void build_ops(uint32_t mask, sl_plugin_ops *ops) {
    memset(ops, 0, sizeof *ops);
    ops->name = "wasm";
    ops->pre_filter = op_pre_filter;
    if (HAS(mask, E_FILTER)) {
        ops->filter = op_filter;
        ops->filter_nodes = op_filter_nodes;
    }
    if (HAS(mask, E_ADDPOD)) ops->add_pod = op_add_pod;
    if (HAS(mask, E_REMOVEPOD)) ops->remove_pod = op_remove_pod;
    if (HAS(mask, E_POSTFILTER)) ops->post_filter = op_post_filter;
    if (HAS(mask, E_PRESCORE)) ops->pre_score = op_pre_score;
    if (HAS(mask, E_SCORE)) {
        ops->score = op_score;
        ops->score_nodes = op_score_nodes;
    }
    if (HAS(mask, E_NORMALIZESCORE)) ops->normalize_score = op_normalize_score;
    if (HAS(mask, E_RESERVE) || HAS(mask, E_UNRESERVE)) {
        ops->reserve = op_reserve;
        ops->unreserve = op_unreserve;
    }
    if (HAS(mask, E_PERMIT)) ops->permit = op_permit;
    if (HAS(mask, E_PREBIND)) ops->pre_bind = op_pre_bind;
    if (HAS(mask, E_BIND)) ops->bind = op_bind;
    if (HAS(mask, E_POSTBIND)) ops->post_bind = op_post_bind;
    ops->events_to_register = op_events_to_register;
    ops->destroy = op_destroy;
}

/* ------------------------------------------------------------------ */
/* Args, factory, resolver                                              */
/* ------------------------------------------------------------------ */

static bool parse_settings(const json_t *args, wp_settings *s, char *err, size_t errsize) {
    memset(s, 0, sizeof *s);
    s->timeout_ms = DEFAULT_TIMEOUT_MS;
    s->memory_pages = DEFAULT_MEMORY_PAGES;
    const json_t *url = json_object_get(args, "guestURL");
    if (!json_is_string(url) || !json_string_value(url)[0]) {
        snprintf(err, errsize, "wasm: guestURL is required");
        return false;
    }
    const char *u = json_string_value(url);
    if (!strchr(u, ':') && strncmp(u, "/", 1) != 0 && strncmp(u, ".", 1) != 0 && !strstr(u, ".wasm")) {
        snprintf(err, errsize, "wasm: invalid URL: %s", u);
        return false;
    }
    s->url = xstrdup(u);
    const json_t *cfg = json_object_get(args, "guestConfig");
    if (cfg && !json_is_null(cfg)) {
        if (!json_is_string(cfg)) {
            snprintf(err, errsize, "args.guestConfig: must be a string");
            goto fail;
        }
        s->guest_config = xstrdup(json_string_value(cfg));
    }
    const json_t *sev = json_object_get(args, "logSeverity");
    if (sev && !json_is_null(sev)) {
        if (!json_is_integer(sev) || json_integer_value(sev) < 0 || json_integer_value(sev) > 3) {
            snprintf(err, errsize, "args.logSeverity: must be an integer 0..3");
            goto fail;
        }
        s->log_severity = (int32_t)json_integer_value(sev);
    }
    const json_t *t = json_object_get(args, "callTimeoutMs");
    if (t && !json_is_null(t)) {
        if (!json_is_integer(t) || json_integer_value(t) <= 0) {
            snprintf(err, errsize, "args.callTimeoutMs: must be a positive integer");
            goto fail;
        }
        s->timeout_ms = json_integer_value(t);
    }
    const json_t *mp = json_object_get(args, "memoryLimitPages");
    if (mp && !json_is_null(mp)) {
        if (!json_is_integer(mp) || json_integer_value(mp) <= 0 || json_integer_value(mp) > 65536) {
            snprintf(err, errsize, "args.memoryLimitPages: must be an integer 1..65536");
            goto fail;
        }
        s->memory_pages = (uint32_t)json_integer_value(mp);
    }
    const json_t *mode = json_object_get(args, "filterMode");
    if (mode && !json_is_null(mode)) {
        const char *m = json_string_value(mode);
        if (!m || (strcmp(m, "pinned") != 0 && strcmp(m, "replay") != 0)) {
            snprintf(err, errsize, "args.filterMode: must be \"pinned\" or \"replay\"");
            goto fail;
        }
        s->replay = strcmp(m, "replay") == 0;
    }
    const json_t *argv = json_object_get(args, "args");
    if (json_is_array(argv)) {
        s->argc = (uint32_t)json_array_size(argv);
        s->argv = xcalloc(s->argc + 1, sizeof *s->argv);
        for (uint32_t i = 0; i < s->argc; i++) {
            const char *a = json_string_value(json_array_get(argv, i));
            s->argv[i] = xstrdup(a ? a : "");
        }
    }
    return true;
fail:
    settings_free(s);
    return false;
}

static bool same_settings(const wp_settings *a, const wp_settings *b) {
    if (strcmp(a->url, b->url) != 0) return false;
    if (strcmp(a->guest_config ? a->guest_config : "", b->guest_config ? b->guest_config : "") != 0) return false;
    if (a->log_severity != b->log_severity || a->timeout_ms != b->timeout_ms ||
        a->memory_pages != b->memory_pages || a->replay != b->replay || a->argc != b->argc)
        return false;
    for (uint32_t i = 0; i < a->argc; i++)
        if (strcmp(a->argv[i], b->argv[i]) != 0) return false;
    return true;
}

/* Runs the guest's enqueue once (on a fresh instance) to learn its events. */
static void learn_events(wp_plugin *wp, wp_instance *in) {
    wp->events.len = 0;
    if (HAS(wp->guest->mask, E_ENQUEUE)) {
        wp_call wc;
        call_init(&wc, E_ENQUEUE, NULL, NULL, "");
        uint64_t r;
        char *msg = NULL;
        pthread_mutex_lock(&in->lock);
        bool ok = invoke(wp, in, E_ENQUEUE, &wc, &r, &msg);
        pthread_mutex_unlock(&in->lock);
        if (!ok) {
            log_error("wasm plugin %s: enqueue failed, using the default events: %s", wp->p->name, msg);
            free(msg);
        } else {
            for (size_t i = 0; i < wc.events.len; i++) VEC_PUSH(&wp->events, wc.events.items[i]);
        }
        call_free(&wc);
    }
    if (wp->events.len == 0) {
        /* upstream's default for guests without enqueue: Pod, Node, CSINode,
         * PV, PVC, StorageClass, each with the SDK's All */
        static const sl_plugin_event defaults[] = {
            {SL_RESOURCE_POD, SL_ACTION_SDK_ALL},
            {SL_RESOURCE_NODE, SL_ACTION_SDK_ALL},
            {SL_RESOURCE_CSI_NODE, SL_ACTION_SDK_ALL},
            {SL_RESOURCE_PERSISTENT_VOLUME, SL_ACTION_SDK_ALL},
            {SL_RESOURCE_PERSISTENT_VOLUME_CLAIM, SL_ACTION_SDK_ALL},
            {SL_RESOURCE_STORAGE_CLASS, SL_ACTION_SDK_ALL}};
        for (size_t i = 0; i < 6; i++) VEC_PUSH(&wp->events, defaults[i]);
    }
}

/* Builds guest + linker + the eager instance into wp (wp->set filled). */
static bool wp_build(wp_plugin *wp, wp_guest *g, char *err, size_t errsize) {
    wp->guest = g;
    wp->linker = make_linker(&wp->set);
    wp_instance *in = instance_new(wp, err, errsize);
    if (!in) {
        sl_wasm_linker_free(wp->linker);
        wp->linker = NULL;
        return false;
    }
    learn_events(wp, in);
    pthread_mutex_lock(&wp->lock);
    pool_put(wp, in);
    pthread_mutex_unlock(&wp->lock);
    return true;
}

static bool wp_factory(sl_plugin *p, const json_t *args, char *err, size_t errsize) {
    wp_plugin *wp = xcalloc(1, sizeof *wp);
    pthread_mutex_init(&wp->lock, NULL);
    wp->p = p;
    wp->nworkers = p->framework ? sl_framework_num_workers(p->framework) : 1;
    wp->workers = xcalloc(wp->nworkers, sizeof *wp->workers);
    if (!parse_settings(args, &wp->set, err, errsize)) {
        free(wp->workers);
        pthread_mutex_destroy(&wp->lock);
        free(wp);
        return false;
    }
    wp_guest *g = guest_cached(wp->set.url);
    if (!g) g = guest_load(wp->set.url, err, errsize);
    if (!g || !wp_build(wp, g, err, errsize)) {
        settings_free(&wp->set);
        VEC_FREE(&wp->events);
        free(wp->workers);
        pthread_mutex_destroy(&wp->lock);
        free(wp);
        return false;
    }
    wp->ops = g->ops;
    p->self = wp;
    p->ops = &wp->ops;
    return true;
}

static sl_plugin_ops all_ops;
static sl_plugin_registration generic_registration;

static void registration_init(void);
const sl_plugin_registration *sl_wasm_plugin_registration(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, registration_init);
    return &generic_registration;
}

static void registration_init(void) {
    build_ops(~0u, &all_ops);
    generic_registration.name = "wasm";
    generic_registration.ops = &all_ops;
    generic_registration.factory = wp_factory;
}

typedef struct wp_reg {
    char *name;
    wp_guest *guest;
    sl_plugin_registration reg;
    struct wp_reg *next;
} wp_reg;
static wp_reg *regs;

const sl_plugin_registration *sl_wasm_plugin_resolve(void *user, const char *name, const json_t *args) {
    (void)user;
    last_error[0] = 0;
    const json_t *url = json_object_get(args, "guestURL");
    if (!json_is_string(url)) return NULL;
    wp_settings s;
    if (!parse_settings(args, &s, last_error, sizeof last_error)) return NULL;
    wp_guest *g = guest_load(s.url, last_error, sizeof last_error);
    settings_free(&s);
    if (!g) return NULL;
    pthread_mutex_lock(&cache_lock);
    wp_reg *r = regs;
    while (r && !(r->guest == g && strcmp(r->name, name) == 0)) r = r->next;
    if (!r) {
        r = xcalloc(1, sizeof *r);
        r->name = xstrdup(name);
        r->guest = g;
        r->reg.name = r->name;
        r->reg.ops = &g->ops;
        r->reg.factory = wp_factory;
        r->next = regs;
        regs = r;
    }
    pthread_mutex_unlock(&cache_lock);
    return &r->reg;
}

const char *sl_wasm_plugin_resolve_error(void *user) {
    (void)user;
    return last_error;
}

bool sl_wasm_plugin_is(const sl_plugin *p) {
    return p && p->ops && p->ops->destroy == op_destroy;
}

/* ------------------------------------------------------------------ */
/* Reconfiguration                                                      */
/* ------------------------------------------------------------------ */

/* The framework that owns p as one of its instances (NULL for a plugin
 * made by hand, as unit tests do). */
static sl_framework *framework_of(sl_plugin *p) {
    return p->framework && sl_framework_plugin_named(p->framework, p->name) == p ? p->framework : NULL;
}

bool sl_wasm_plugin_reconfigure(sl_plugin *p, const json_t *args, bool *changed, char *err, size_t errsize) {
    if (changed) *changed = false;
    if (!sl_wasm_plugin_is(p)) {
        snprintf(err, errsize, "plugin \"%s\" is not a wasm plugin", p ? p->name : "?");
        return false;
    }
    wp_plugin *wp = self(p);
    wp_plugin next = {0};
    if (!parse_settings(args, &next.set, err, errsize)) return false;
    wp_guest *g = guest_load(next.set.url, err, errsize);
    if (!g) {
        settings_free(&next.set);
        return false;
    }
    if (g == wp->guest && same_settings(&wp->set, &next.set)) {
        settings_free(&next.set);
        return true; /* unchanged: keep module and instances */
    }
    /* Build the new pool on a scratch plugin, then swap. */
    pthread_mutex_init(&next.lock, NULL);
    next.p = p;
    if (!wp_build(&next, g, err, errsize)) {
        settings_free(&next.set);
        VEC_FREE(&next.events);
        pthread_mutex_destroy(&next.lock);
        return false;
    }
    /* The new guest may export other hooks: its profile must still be
     * valid with them (a plugin listed explicitly at an extension point
     * keeps implementing it) before anything is swapped. */
    sl_framework *fw = framework_of(p);
    if (fw && !sl_framework_check_plugin_ops(fw, p, &g->ops, err, errsize)) {
        pool_destroy(&next);
        settings_free(&next.set);
        VEC_FREE(&next.events);
        pthread_mutex_destroy(&next.lock);
        return false;
    }
    pool_destroy(wp);
    settings_free(&wp->set);
    VEC_FREE(&wp->events);
    wp->set = next.set;
    wp->guest = g;
    wp->linker = next.linker;
    wp->all = next.all;
    wp->free_list = next.free_list;
    wp->events = next.events;
    for (size_t i = 0; i < wp->all.len; i++) wp->all.items[i]->wp = wp;
    free(wp->poison_key);
    wp->poison_key = NULL;
    pthread_mutex_destroy(&next.lock);
    /* The hooks this instance implements are now the new guest's: the
     * framework re-expands the profile's lists (and re-reads the events
     * its enqueue reports); other plugins keep their instances. */
    wp->ops = g->ops;
    if (fw && !sl_framework_plugin_changed(fw, p, err, errsize))
        log_error("wasm plugin %s: %s", p->name, err); /* checked above: not expected */
    log_info("wasm plugin %s: reloaded from %s", p->name, wp->set.url);
    if (changed) *changed = true;
    return true;
}

int sl_wasm_plugin_reconfigure_scheduler(sl_scheduler *s, const char *name, const json_t *args, char *err,
                                         size_t errsize) {
    sl_plugin *found[64];
    uint32_t n = sl_scheduler_plugins_named(s, name, found, 64);
    int reloaded = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool changed = false;
        if (!sl_wasm_plugin_is(found[i])) continue;
        if (!sl_wasm_plugin_reconfigure(found[i], args, &changed, err, errsize)) return -1;
        reloaded += changed;
    }
    return reloaded;
}

int sl_wasm_plugins_reconfigure_from_config(sl_scheduler *s, const sl_config *config, char *err,
                                            size_t errsize) {
    int total = 0;
    for (uint32_t i = 0; i < config->nprofiles; i++) {
        const sl_profile_config *prof = &config->profiles[i];
        for (uint32_t j = 0; j < prof->nargs; j++) {
            const json_t *args = prof->args[j].args;
            if (!json_is_string(json_object_get(args, "guestURL"))) continue;
            int n = sl_wasm_plugin_reconfigure_scheduler(s, prof->args[j].name, args, err, errsize);
            if (n < 0) return -1;
            total += n;
        }
    }
    return total;
}

void sl_wasm_plugin_get_stats(const sl_plugin *p, sl_wasm_plugin_stats *out) {
    memset(out, 0, sizeof *out);
    if (sl_wasm_plugin_is(p)) *out = ((wp_plugin *)p->self)->stats;
    out->modules_compiled = atomic_load(&modules_compiled);
}

static sl_wasm_extern *test_global(sl_plugin *p, const char *pod_key, const char *name) {
    if (!sl_wasm_plugin_is(p)) return NULL;
    wp_plugin *wp = self(p);
    pthread_mutex_lock(&wp->lock);
    wp_instance *in = NULL;
    if (pod_key && wp->scheduled && strcmp(wp->scheduled_key, pod_key) == 0) in = wp->scheduled;
    int b = pod_key ? binding_find(wp, pod_key) : -1;
    if (!in && b >= 0) in = wp->binding[b].in;
    if (!in && wp->free_list.len) in = wp->free_list.items[0];
    pthread_mutex_unlock(&wp->lock);
    if (!in || !in->inst) return NULL;
    sl_wasm_extern *g = sl_wasm_instance_export(in->inst, name);
    if (!g || sl_wasm_extern_kind_of(g) != SL_WASM_EXTERN_GLOBAL) return NULL;
    return g;
}

bool sl_wasm_plugin_test_global(sl_plugin *p, const char *pod_key, const char *name, int64_t *out) {
    sl_wasm_extern *g = test_global(p, pod_key, name);
    if (!g) return false;
    sl_wasm_val v = sl_wasm_global_get(g);
    *out = v.type == SL_WASM_I64 ? v.of.i64 : v.of.i32;
    return true;
}

bool sl_wasm_plugin_test_set_global(sl_plugin *p, const char *pod_key, const char *name, int32_t value) {
    sl_wasm_extern *g = test_global(p, pod_key, name);
    sl_wasm_val v = {.type = SL_WASM_I32};
    v.of.i32 = value;
    return g && sl_wasm_global_set(g, v);
}
