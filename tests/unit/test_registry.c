/*
 * test_registry.c — plugins as runtime objects: the registry object
 * (runtime add, duplicates, sorted listing, the resolver that config
 * loading and frameworks consult for names nobody registered), per-instance
 * ops (a factory that narrows its plugin's extension points changes where
 * multiPoint puts it, and an explicit extension point it no longer
 * implements fails at framework creation), events_to_register per instance,
 * and the worker index a Filter sees on the pool's threads.
 */
#include <stdatomic.h>

#include "plugins/registry.h"
#include "scheduler/cache.h"
#include "scheduler/config.h"
#include "scheduler/framework_internal.h"
#include "scheduler/parallel.h"
#include "test.h"

/* ------------------------------------------------------------------ */
/* Test plugins                                                         */
/* ------------------------------------------------------------------ */

static sl_status pass_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                             const sl_node_info *node) {
    (void)p, (void)c, (void)pod, (void)node;
    return SL_STATUS_SUCCESS;
}
static sl_status zero_score(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                            const sl_node_info *node, int64_t *score) {
    (void)p, (void)c, (void)pod, (void)node;
    *score = 0;
    return SL_STATUS_SUCCESS;
}

/* "Narrow": registered with Filter and Score; an instance whose args say
 * {"score": false} implements Filter only (the way a wasm guest without a
 * `score` export would), and registers {Node, Add} as its events. */
typedef struct narrow {
    sl_plugin_ops ops;            /* this instance's table */
    sl_plugin_event events[1];
} narrow;

static uint32_t narrow_events(sl_plugin *p, const sl_plugin_event **out) {
    narrow *self = p->self;
    *out = self->events;
    return 1;
}
static void narrow_destroy(sl_plugin *p) { free(p->self); }

static const sl_plugin_ops narrow_static_ops = {
    .name = "Narrow", .filter = pass_filter, .score = zero_score, .destroy = narrow_destroy};

static bool narrow_factory(sl_plugin *p, const json_t *args, char *err, size_t errsize) {
    (void)err, (void)errsize;
    narrow *self = xcalloc(1, sizeof *self);
    self->ops = narrow_static_ops;
    if (json_is_false(json_object_get(args, "score"))) self->ops.score = NULL;
    self->ops.events_to_register = narrow_events;
    self->events[0] = (sl_plugin_event){SL_RESOURCE_NODE, SL_ACTION_ADD};
    p->self = self;
    p->ops = &self->ops;
    return true;
}
static const sl_plugin_registration narrow_plugin = {"Narrow", &narrow_static_ops, narrow_factory};

/* The resolver's plugin: any name whose args carry a guestURL. */
static const sl_plugin_ops guest_ops = {.name = "Guest", .filter = pass_filter};
static const sl_plugin_registration guest_plugin = {"Guest", &guest_ops, NULL};
static int resolver_calls;
static char resolver_last_url[128];
static char resolver_why[128];

/* Knows names whose args carry a guestURL; "bad:" URLs cannot be loaded. */
static const sl_plugin_registration *guest_resolver(void *user, const char *name,
                                                    const json_t *args) {
    (void)name;
    resolver_calls++;
    resolver_why[0] = 0;
    CHECK(user == &resolver_calls);
    const char *url = json_string_value(json_object_get(args, "guestURL"));
    if (!url) return NULL;
    if (strncmp(url, "bad:", 4) == 0) {
        snprintf(resolver_why, sizeof resolver_why, "cannot fetch %s", url);
        return NULL;
    }
    snprintf(resolver_last_url, sizeof resolver_last_url, "%s", url);
    return &guest_plugin;
}
static const char *guest_resolver_why(void *user) {
    CHECK(user == &resolver_calls);
    return resolver_why;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static char last_error[1024];

/* Loads a JSON config body (' for ") with `registry`. */
static bool load(const sl_registry *registry, sl_config *cfg, const char *body) {
    char *json = xasprintf("{\"apiVersion\":\"kubescheduler.config.k8s.io/v1\","
                           "\"kind\":\"KubeSchedulerConfiguration\",%s}", body);
    for (char *p = json; *p; p++)
        if (*p == '\'') *p = '"';
    json_error_t jerr;
    json_t *doc = json_loads(json, 0, &jerr);
    free(json);
    if (!doc) {
        fprintf(stderr, "bad test JSON: %s\n", jerr.text);
        memset(cfg, 0, sizeof *cfg);
        return false;
    }
    last_error[0] = 0;
    bool ok = sl_config_load_json(doc, "test.yaml", registry, cfg, last_error, sizeof last_error);
    json_decref(doc);
    return ok;
}

static bool listed(const sl_framework *fw, sl_extension_point ep, const char *name) {
    sl_plugin *const *plugins;
    uint32_t n = sl_framework_plugins_at(fw, ep, &plugins);
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(plugins[i]->name, name) == 0) return true;
    return false;
}

static bool config_lists(const sl_profile_config *p, sl_extension_point ep, const char *name) {
    for (uint32_t i = 0; i < p->nplugins[ep]; i++)
        if (strcmp(p->plugins[ep][i].name, name) == 0) return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* The registry object                                                  */
/* ------------------------------------------------------------------ */

TEST(registry_add_find_list) {
    sl_registry *r = sl_registry_new();
    const sl_plugin_registration *const *all;
    CHECK_EQ_INT(sl_registry_list(r, &all), 0);
    CHECK(sl_registry_find(r, "Narrow") == NULL);
    CHECK(sl_registry_add(r, &narrow_plugin));
    CHECK(sl_registry_add(r, &guest_plugin));
    /* a second plugin of the same name is refused, the first stays */
    static const sl_plugin_registration impostor = {"Narrow", &guest_ops, NULL};
    CHECK(!sl_registry_add(r, &impostor));
    CHECK(!sl_registry_add(r, NULL));
    CHECK(sl_registry_find(r, "Narrow") == &narrow_plugin);
    CHECK(sl_registry_find(r, "Guest") == &guest_plugin);
    CHECK(sl_registry_find(r, "narrow") == NULL);
    CHECK(sl_registry_find(r, NULL) == NULL);
    CHECK_EQ_INT(sl_registry_list(r, &all), 2);
    CHECK_EQ_STR(all[0]->name, "Guest");
    CHECK_EQ_STR(all[1]->name, "Narrow");
    /* no resolver: resolve is find */
    CHECK(sl_registry_resolve(r, "Other", NULL) == NULL);
    CHECK(sl_registry_resolve(NULL, "Narrow", NULL) == NULL);
    sl_registry_free(r);
    sl_registry_free(NULL);
}

TEST(default_registry_holds_every_in_tree_plugin_sorted) {
    static const char *const names[] = {
#define PLUGIN(name) #name,
#include "plugins/plugin_list.h"
#undef PLUGIN
    };
    sl_registry *r = sl_registry_new_default();
    const sl_plugin_registration *const *all;
    uint32_t n = sl_registry_list(r, &all);
    CHECK_EQ_INT(n, ARRAY_LEN(names));
    for (uint32_t i = 1; i < n; i++) CHECK(strcmp(all[i - 1]->name, all[i]->name) < 0);
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        const sl_plugin_registration *reg = sl_registry_find(r, names[i]);
        if (!reg) TEST_FAIL_AT("%s missing", names[i]);
        else CHECK_EQ_STR(reg->name, names[i]);
    }
    /* two registries are independent values */
    sl_registry *mine = sl_registry_new_default();
    CHECK(sl_registry_add(mine, &narrow_plugin));
    CHECK(sl_registry_find(r, "Narrow") == NULL);
    CHECK(sl_registry_find(mine, "Narrow") == &narrow_plugin);
    sl_registry_free(mine);
    sl_registry_free(r);
}

/* Config loading consults the resolver for names nobody registered, with
 * the plugin's pluginConfig args as written; without a resolver (or when
 * it declines) the name is unknown. */
TEST(config_uses_resolver_for_unregistered_names) {
    sl_registry *r = sl_registry_new_default();
    sl_config cfg;
    const char *body = "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'MyGuest'}]}},"
                       "'pluginConfig':[{'name':'MyGuest','args':{'guestURL':'file:///g.wasm'}}]}]";
    CHECK(!load(r, &cfg, body));
    CHECK_EQ_STR(last_error, "test.yaml: profiles[0].plugins.multiPoint.enabled[0]: unknown plugin \"MyGuest\"");

    sl_registry_set_resolver(r, guest_resolver, &resolver_calls);
    resolver_calls = 0;
    CHECK(load(r, &cfg, body));
    CHECK_EQ_INT(resolver_calls, 1); /* asked once per profile, however often expansion asks */
    CHECK_EQ_STR(resolver_last_url, "file:///g.wasm");
    if (cfg.nprofiles == 1) {
        CHECK(config_lists(&cfg.profiles[0], SL_EP_FILTER, "MyGuest"));
        CHECK(!config_lists(&cfg.profiles[0], SL_EP_SCORE, "MyGuest"));
        /* out-of-tree args pass through */
        const json_t *args = sl_profile_plugin_args(&cfg.profiles[0], "MyGuest");
        CHECK_EQ_STR(json_string_value(json_object_get(args, "guestURL")), "file:///g.wasm");

        /* the framework resolves the same way */
        sl_framework_options o = {.profile = &cfg.profiles[0], .registry = r};
        char err[512] = "";
        sl_framework *fw = sl_framework_new(&o, err, sizeof err);
        CHECK(fw != NULL);
        if (!fw) fprintf(stderr, "  %s\n", err);
        if (fw) CHECK(listed(fw, SL_EP_FILTER, "MyGuest"));
        if (fw) CHECK(sl_framework_plugin_named(fw, "MyGuest") != NULL);
        if (fw) CHECK(sl_framework_plugin_named(fw, "Nope") == NULL);
        CHECK_EQ_INT(resolver_calls, 2); /* and once per framework */
        sl_framework_free(fw);
    }
    sl_config_free(&cfg);

    /* the resolver declines a name without a guestURL */
    CHECK(!load(r, &cfg, "'profiles':[{'plugins':{'filter':{'enabled':[{'name':'Plain'}]}}}]"));
    CHECK_EQ_STR(last_error, "test.yaml: profiles[0].plugins.filter.enabled[0]: unknown plugin \"Plain\"");
    /* a resolver that explains its NULL: the reason is the error */
    sl_registry_set_resolver_error(r, guest_resolver_why);
    CHECK(!load(r, &cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'MyGuest'}]}},"
                         "'pluginConfig':[{'name':'MyGuest','args':{'guestURL':'bad://x'}}]}]"));
    CHECK_EQ_STR(last_error, "test.yaml: profiles[0].plugins.multiPoint.enabled[0]: plugin \"MyGuest\": "
                             "cannot fetch bad://x");
    CHECK(!load(r, &cfg, "'profiles':[{'plugins':{'filter':{'enabled':[{'name':'Plain'}]}}}]"));
    CHECK_EQ_STR(last_error, "test.yaml: profiles[0].plugins.filter.enabled[0]: unknown plugin \"Plain\"");
    CHECK_EQ_STR(sl_registry_resolver_error(r), "");
    /* registered names never reach the resolver */
    resolver_calls = 0;
    sl_config_default(r, &cfg);
    CHECK_EQ_INT(resolver_calls, 0);
    sl_config_free(&cfg);
    sl_registry_free(r);
}

/* ------------------------------------------------------------------ */
/* Per-instance ops                                                     */
/* ------------------------------------------------------------------ */

TEST(instance_ops_decide_multipoint_expansion) {
    sl_registry *r = sl_registry_new_default();
    CHECK(sl_registry_add(r, &narrow_plugin));
    sl_config cfg;
    /* Full instance: Filter and Score. */
    if (!load(r, &cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'Narrow','weight':5}]}}}]")) {
        TEST_FAIL_AT("load: %s", last_error);
        sl_registry_free(r);
        return;
    }
    sl_framework_options o = {.profile = &cfg.profiles[0], .registry = r};
    char err[512] = "";
    sl_framework *fw = sl_framework_new(&o, err, sizeof err);
    CHECK(fw != NULL);
    if (fw) {
        CHECK(listed(fw, SL_EP_FILTER, "Narrow"));
        CHECK(listed(fw, SL_EP_SCORE, "Narrow"));
        CHECK(listed(fw, SL_EP_FILTER, "NodeResourcesFit")); /* the defaults are still there */
        CHECK_EQ_INT(sl_framework_plugin_events(fw, "Narrow"), SL_EVENT_NODE_ADD);
    }
    sl_framework_free(fw);
    sl_config_free(&cfg);

    /* An instance without Score: config (which only knows the
     * registration) lists it at score; the framework does not. */
    if (!load(r, &cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'Narrow'}]}},"
                       "'pluginConfig':[{'name':'Narrow','args':{'score':false}}]}]")) {
        TEST_FAIL_AT("load: %s", last_error);
        sl_registry_free(r);
        return;
    }
    CHECK(config_lists(&cfg.profiles[0], SL_EP_SCORE, "Narrow"));
    o.profile = &cfg.profiles[0];
    fw = sl_framework_new(&o, err, sizeof err);
    CHECK(fw != NULL);
    if (fw) {
        CHECK(listed(fw, SL_EP_FILTER, "Narrow"));
        CHECK(!listed(fw, SL_EP_SCORE, "Narrow"));
        CHECK(listed(fw, SL_EP_SCORE, "NodeResourcesFit"));
        /* the other lists are the config's */
        for (int ep = 0; ep < SL_EP_COUNT; ep++) {
            sl_plugin *const *plugins;
            uint32_t n = sl_framework_plugins_at(fw, (sl_extension_point)ep, &plugins);
            uint32_t want = cfg.profiles[0].nplugins[ep] - (ep == SL_EP_SCORE ? 1 : 0);
            CHECK_EQ_INT(n, want);
        }
    }
    sl_framework_free(fw);
    sl_config_free(&cfg);

    /* Named explicitly at score, the narrowed instance is an error, as
     * upstream's "does not extend" on the plugin object. */
    CHECK(load(r, &cfg, "'profiles':[{'plugins':{'score':{'enabled':[{'name':'Narrow'}]}},"
                        "'pluginConfig':[{'name':'Narrow','args':{'score':false}}]}]"));
    if (cfg.nprofiles == 1) {
        o.profile = &cfg.profiles[0];
        fw = sl_framework_new(&o, err, sizeof err);
        CHECK(fw == NULL);
        CHECK_EQ_STR(err, "profile \"default-scheduler\": plugin \"Narrow\" does not extend ScorePlugin plugin");
        sl_framework_free(fw);
    }
    sl_config_free(&cfg);
    sl_registry_free(r);
}

/* ------------------------------------------------------------------ */
/* Worker index                                                         */
/* ------------------------------------------------------------------ */

/* "PerWorker": Filter counts its calls in per-worker slots sized at
 * creation by sl_framework_num_workers, with no locks. */
typedef struct per_worker {
    uint32_t nworkers;
    uint64_t *calls;              /* [worker] */
    _Atomic uint32_t bad_index;
} per_worker;

static sl_status per_worker_filter(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod,
                                   const sl_node_info *node) {
    (void)pod, (void)node;
    per_worker *self = p->self;
    uint32_t w = sl_cycle_worker(c);
    if (w >= self->nworkers) {
        atomic_fetch_add(&self->bad_index, 1);
        return sl_status_make(SL_ERROR, "bad worker index");
    }
    self->calls[w]++;
    return SL_STATUS_SUCCESS;
}
static void per_worker_destroy(sl_plugin *p) {
    per_worker *self = p->self;
    free(self->calls);
    free(self);
}
static bool per_worker_factory(sl_plugin *p, const json_t *args, char *err, size_t errsize) {
    (void)args, (void)err, (void)errsize;
    per_worker *self = xcalloc(1, sizeof *self);
    self->nworkers = sl_framework_num_workers(p->framework);
    self->calls = xcalloc(self->nworkers, sizeof *self->calls);
    p->self = self;
    return true;
}
static const sl_plugin_ops per_worker_ops = {
    .name = "PerWorker", .filter = per_worker_filter, .destroy = per_worker_destroy};
static const sl_plugin_registration per_worker_plugin = {"PerWorker", &per_worker_ops,
                                                         per_worker_factory};

typedef struct filter_job {
    sl_framework *fw;
    sl_cycle *c;
    const sl_pod_info *pod;
    sl_node_info *nodes;
    _Atomic uint32_t entered;     /* participants inside a chunk */
    _Atomic uint32_t mismatched;  /* sl_cycle_worker != participant */
} filter_job;

/* Each chunk runs the framework's Filter on its nodes, then waits (bounded)
 * until both participants have entered a chunk, so the pool thread
 * certainly takes one: the run is parallel, not merely allowed to be. */
static void filter_chunk(void *ctx, uint32_t begin, uint32_t end, uint32_t participant) {
    filter_job *job = ctx;
    if (sl_cycle_worker(job->c) != participant) atomic_fetch_add(&job->mismatched, 1);
    atomic_fetch_add(&job->entered, 1);
    for (uint32_t i = begin; i < end; i++)
        (void)sl_framework_run_filter_plugins(job->fw, job->c, job->pod, &job->nodes[i]);
    int64_t deadline = time_now_ns() + 5 * 1000000000LL;
    while (atomic_load(&job->entered) < 2 && time_now_ns() < deadline) {
    }
}

TEST(worker_index_on_the_parallel_path) {
    sl_registry *r = sl_registry_new_default();
    CHECK(sl_registry_add(r, &per_worker_plugin));
    sl_config cfg;
    /* PerWorker is the only Filter (bare nodes would fail the defaults). */
    if (!load(r, &cfg, "'profiles':[{'plugins':{'multiPoint':{'enabled':[{'name':'PrioritySort'},"
                       "{'name':'DefaultBinder'},{'name':'PerWorker'}],'disabled':[{'name':'*'}]}}}]")) {
        TEST_FAIL_AT("load: %s", last_error);
        sl_registry_free(r);
        return;
    }
    sl_cycle_arenas arenas;
    sl_cycle_arenas_init(&arenas, 1);
    sl_worker_pool *pool = sl_worker_pool_new(2, &arenas);
    sl_framework_options o = {.profile = &cfg.profiles[0], .registry = r, .pool = pool,
                              .parallelism = 2};
    char err[512] = "";
    sl_framework *fw = sl_framework_new(&o, err, sizeof err);
    CHECK(fw != NULL);
    if (!fw) {
        fprintf(stderr, "  %s\n", err);
    } else {
        CHECK_EQ_INT(sl_framework_num_workers(fw), 2);
        sl_plugin *const *filters;
        uint32_t nfilters = sl_framework_plugins_at(fw, SL_EP_FILTER, &filters);
        per_worker *self = NULL;
        for (uint32_t i = 0; i < nfilters; i++)
            if (strcmp(filters[i]->name, "PerWorker") == 0) self = filters[i]->self;
        CHECK(self != NULL && self->nworkers == 2);

        /* Only PerWorker filters: a pod, nodes, an empty snapshot. */
        sl_snapshot *snap = sl_snapshot_new();
        sl_cycle *c = sl_cycle_new(&arenas);
        rng rnd;
        rng_seed(&rnd, 1);
        sl_cycle_begin(c, snap, 2, &rnd);
        k8s_pod pod_obj = {.name = "p", .namespace_ = "default"};
        sl_pod_info pod = {.pod = &pod_obj};
        CHECK_EQ_INT(sl_cycle_worker(c), 0); /* the scheduling thread */
        /* PreFilter compiles the Filter list of the cycle. */
        sl_prefilter_outcome pre;
        memset(&pre, 0, sizeof pre);
        CHECK_EQ_INT(sl_framework_run_pre_filter(fw, c, &pod, &pre).code, SL_SUCCESS);
        enum { NODES = 64 };
        k8s_node node_objs[NODES];
        sl_node_info nodes[NODES];
        memset(node_objs, 0, sizeof node_objs);
        memset(nodes, 0, sizeof nodes);
        for (uint32_t i = 0; i < NODES; i++) {
            node_objs[i].name = "n";
            nodes[i].node = &node_objs[i];
            nodes[i].index = i;
        }
        filter_job job = {.fw = fw, .c = c, .pod = &pod, .nodes = nodes};
        atomic_init(&job.entered, 0);
        atomic_init(&job.mismatched, 0);
        if (self) {
            uint32_t done = sl_parallel_for(pool, NODES, NODES / 2, filter_chunk, &job, NULL);
            CHECK_EQ_INT(done, NODES);
            CHECK_EQ_INT(atomic_load(&job.mismatched), 0);
            CHECK_EQ_INT(atomic_load(&self->bad_index), 0);
            CHECK(atomic_load(&job.entered) == 2);
            /* the scheduling thread and the pool's thread both ran filters */
            CHECK_EQ_INT(self->calls[0] + self->calls[1], NODES);
            CHECK(self->calls[0] > 0 && self->calls[1] > 0);
        }
        sl_cycle_end(c);
        sl_cycle_free(c);
        sl_snapshot_free(snap);
    }
    sl_framework_free(fw);
    sl_worker_pool_free(pool);
    sl_cycle_arenas_free(&arenas);
    sl_config_free(&cfg);
    sl_registry_free(r);
}

int main(void) {
    log_set_level(SL_LOG_ERROR);
    RUN(registry_add_find_list);
    RUN(default_registry_holds_every_in_tree_plugin_sorted);
    RUN(config_uses_resolver_for_unregistered_names);
    RUN(instance_ops_decide_multipoint_expansion);
    RUN(worker_index_on_the_parallel_path);
    return test_summary("registry");
}
