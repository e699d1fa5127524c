/*
 * bench_wasmplugin.c — per-call cost of wasm plugin hooks, for
 * bench/RESULTS.md:
 *
 *   build/release/tools/bench_wasmplugin EMPTY.wasm [REGEX_V2.wasm ...]
 *
 * 500 nodes (node-0..node-499), one pod annotated with the regex
 * "[02468]$" (keeps half the nodes). For each guest: PreFilter once, then
 * Filter over all 500 nodes through the batch path (filter_nodes, as the
 * framework calls it) and the per-node path, repeated; prints ns per
 * Filter call. The native RegexSchedulingV2 runs the same loop as the
 * reference. EMPTY.wasm is any guest whose filter returns 0 at once: its
 * figure is the host's per-call overhead (context, deadline, call, result).
 * Times are CPU time of the calling thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "scheduler/cache.h"
#include "scheduler/framework.h"
#include "scheduler/framework_internal.h"
#include "plugins/registry.h"
#include "wasmplugin/wasmplugin.h"

#define NODES 500

/* Thread CPU time: the machine is shared, wall time would count waiting. */
static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct bench {
    sl_cache *cache;
    sl_snapshot *snapshot;
    sl_cycle_arenas arenas;
    sl_cycle *cycle;
    rng random;
    bool begun;
} bench;

static void begin(bench *b) {
    if (b->begun) sl_cycle_end(b->cycle);
    sl_cache_update_snapshot(b->cache, b->snapshot);
    sl_cycle_begin(b->cycle, b->snapshot, 1, &b->random);
    b->begun = true;
}

static json_t *quoted(const char *text) {
    char *copy = xstrdup(text);
    for (char *s = copy; *s; s++)
        if (*s == '\'') *s = '"';
    json_t *v = json_loads(copy, 0, NULL);
    free(copy);
    if (!v) abort();
    return v;
}

static sl_plugin *make_plugin(const sl_plugin_registration *reg, const char *name, const char *args_text) {
    sl_plugin *p = xcalloc(1, sizeof *p);
    p->ops = reg->ops;
    p->name = name;
    json_t *args = args_text ? json_loads(args_text, 0, NULL) : NULL;
    char err[1024];
    if (reg->factory && !reg->factory(p, args, err, sizeof err)) {
        fprintf(stderr, "%s: %s\n", name, err);
        exit(1);
    }
    json_decref(args);
    return p;
}

static void run(bench *f, sl_plugin *p, const sl_pod_info *pod, sl_node_info **nodes, const char *label) {
    sl_status out[NODES];
    int rounds = 0, passed = 0;
    double t0 = now(), t;
    do {
        begin(f);
        sl_prefilter_result r = {.all = true};
        if (p->ops->pre_filter) p->ops->pre_filter(p, f->cycle, pod, &r);
        if (p->ops->filter_nodes)
            p->ops->filter_nodes(p, f->cycle, pod, nodes, NODES, out);
        else
            for (int i = 0; i < NODES; i++) out[i] = p->ops->filter(p, f->cycle, pod, nodes[i]);
        rounds++;
        t = now() - t0;
    } while (t < 1.0);
    for (int i = 0; i < NODES; i++) passed += out[i].code == SL_SUCCESS;
    double batch = t / rounds / NODES * 1e9;
    rounds = 0;
    t0 = now();
    do {
        begin(f);
        sl_prefilter_result r = {.all = true};
        if (p->ops->pre_filter) p->ops->pre_filter(p, f->cycle, pod, &r);
        for (int i = 0; i < NODES; i++) out[i] = p->ops->filter(p, f->cycle, pod, nodes[i]);
        rounds++;
        t = now() - t0;
    } while (t < 1.0);
    double single = t / rounds / NODES * 1e9;
    printf("%-28s filter: %8.0f ns/call batched, %8.0f ns/call single (PreFilter included; %d/%d nodes pass)\n",
           label, batch, single, passed, NODES);
}

int main(int argc, char **argv) {
    log_set_level(SL_LOG_ERROR);
    bench f = {0};
    f.cache = sl_cache_new();
    f.snapshot = sl_snapshot_new();
    sl_cycle_arenas_init(&f.arenas, 0);
    f.cycle = sl_cycle_new(&f.arenas);
    rng_seed(&f.random, 1);
    char err[512];
    for (int i = 0; i < NODES; i++) {
        char text[256];
        snprintf(text, sizeof text, "{'metadata':{'name':'node-%d'},'status':{'allocatable':{'cpu':'4'}}}", i);
        json_t *j = quoted(text);
        k8s_node *node = k8s_node_decode(j, "bench", err, sizeof err);
        json_decref(j);
        sl_cache_add_node(f.cache, node);
    }
    json_t *pj = quoted("{'metadata':{'name':'p','namespace':'default','uid':'u1','annotations':{'scheduler.wasmkwokwizardry.io/regex':'[02468]$'}},"
                        "'spec':{'containers':[{'name':'c','resources':{'requests':{'cpu':'100m','memory':'500Mi'}}}]}}");
    sl_pod_info *pod = sl_pod_info_new(k8s_pod_decode(pj, "bench", err, sizeof err));
    json_decref(pj);
    begin(&f);
    sl_node_info *nodes[NODES];
    for (int i = 0; i < NODES; i++) {
        char name[32];
        snprintf(name, sizeof name, "node-%d", i);
        nodes[i] = (sl_node_info *)sl_snapshot_node(f.snapshot, name);
    }
    sl_registry *registry = sl_registry_new_default();
    run(&f, make_plugin(sl_registry_find(registry, "RegexSchedulingV2"), "RegexSchedulingV2", NULL), pod, nodes,
        "native RegexSchedulingV2");
    run(&f, make_plugin(sl_registry_find(registry, "RegexScheduling"), "RegexScheduling", NULL), pod, nodes,
        "native RegexScheduling (v1)");
    for (int a = 1; a < argc; a++) {
        char args[1024];
        snprintf(args, sizeof args, "{\"guestURL\": \"%s\"}", argv[a]);
        const char *base = strrchr(argv[a], '/');
        run(&f, make_plugin(sl_wasm_plugin_registration(), "Guest", args), pod, nodes, base ? base + 1 : argv[a]);
    }
    return 0; /* a one-shot tool: the OS reclaims the rest */
}
