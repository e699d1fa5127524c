/*
 * framework.c — one profile's plugins and the code that runs them: the
 * schedlab counterpart of upstream's framework runtime.
 *
 * A framework is built once per profile: every plugin named anywhere in the
 * profile's resolved lists is instantiated once (registry entry + factory
 * with its pluginConfig args); then each extension point's list is built
 * from the instances' ops (a factory may narrow them: framework.h), as
 * upstream builds its lists from the plugin objects, and referenced from a
 * plain array per extension point. Each run_* function walks that array
 * and applies upstream's status rules — which codes stop the walk, which
 * become Error, which message wrapping Go's fmt.Errorf("running %q filter
 * plugin: %w") produces.
 *
 * The hot paths are Filter and Score, called once per (node, plugin). They
 * are kept to a loop over function pointers: PreFilter compiles the list of
 * Filter plugins that did not Skip into the cycle, so the per-node loop
 * never consults the skip set; status messages are formatted only on the
 * failure path; the results recorder costs one predictable branch when no
 * one listens. Score runs over nodes on the worker pool, with per-plugin
 * score arrays taken from the cycle arena (no allocation per node).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/framework_internal.h"
#include "scheduler/parallel.h"

typedef struct extension_point_list {
    uint32_t n;
    sl_plugin *plugins[SL_MAX_PLUGINS];
    int32_t weights[SL_MAX_PLUGINS];      /* score only */
} extension_point_list;

struct sl_framework {
    char *profile_name;
    const sl_profile_config *profile;
    int32_t parallelism;
    int32_t percentage_of_nodes_to_score;
    sl_framework_host host;
    const sl_recorder *recorder;
    rng sample_rng;                       /* pluginMetricsSamplePercent draws */
    sl_worker_pool *pool;
    sl_extender *const *extenders;
    uint32_t nextenders;

    uint32_t nplugins;
    sl_plugin plugins[SL_MAX_PLUGINS];
    uint32_t events[SL_MAX_PLUGINS];      /* SL_EVENT_* mask per plugin */
    extension_point_list points[SL_EP_COUNT];
};

static inline uint32_t plugin_index(const sl_framework *fw, const sl_plugin *p) {
    return (uint32_t)(p - fw->plugins);
}

/* ------------------------------------------------------------------ */
/* Cluster events                                                       */
/* ------------------------------------------------------------------ */

uint32_t sl_plugin_events_mask(const sl_plugin_event *events, uint32_t n) {
    uint32_t mask = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = events[i].actions;
        /* The wasm SDK's All (its six bits) means every action. */
        if ((a & SL_ACTION_SDK_ALL) == SL_ACTION_SDK_ALL) a = SL_ACTION_ALL;
        switch (events[i].resource) {
        case SL_RESOURCE_WILDCARD:
            if (a) mask |= SL_EVENT_ALL;
            break;
        case SL_RESOURCE_NODE:
            if (a & SL_ACTION_ADD) mask |= SL_EVENT_NODE_ADD;
            if (a & SL_ACTION_UPDATE) mask |= SL_EVENT_NODE_UPDATE;
            if (a & SL_ACTION_DELETE) mask |= SL_EVENT_NODE_DELETE;
            break;
        case SL_RESOURCE_POD:
            if (a & SL_ACTION_ADD) mask |= SL_EVENT_ASSIGNED_POD_ADD;
            if (a & SL_ACTION_DELETE) mask |= SL_EVENT_ASSIGNED_POD_DELETE;
            if (a & SL_ACTION_UPDATE & ~SL_ACTION_UPDATE_POD_SCHEDULING_GATES_ELIMINATED)
                mask |= SL_EVENT_ASSIGNED_POD_UPDATE;
            if (a & SL_ACTION_UPDATE_POD_SCHEDULING_GATES_ELIMINATED)
                mask |= SL_EVENT_UNSCHEDULED_POD_UPDATE;
            break;
        default:
            break;      /* resources schedlab has no events for */
        }
    }
    return mask;
}

static uint32_t instance_events(sl_plugin *p) {
    if (!p->ops->events_to_register) return SL_EVENT_ALL;
    const sl_plugin_event *events = NULL;
    uint32_t n = p->ops->events_to_register(p, &events);
    return sl_plugin_events_mask(events, events ? n : 0);
}

uint32_t sl_framework_plugin_events(const sl_framework *fw, const char *plugin) {
    if (!plugin) return SL_EVENT_ALL;
    for (uint32_t i = 0; i < fw->nplugins; i++)  /* statuses carry our own name pointer */
        if (fw->plugins[i].name == plugin) return fw->events[i];
    for (uint32_t i = 0; i < fw->nplugins; i++)
        if (strcmp(fw->plugins[i].name, plugin) == 0) return fw->events[i];
    return SL_EVENT_ALL;
}

/* ------------------------------------------------------------------ */
/* Construction                                                         */
/* ------------------------------------------------------------------ */

static sl_plugin *find_instance(const sl_framework *fw, const char *name) {
    for (uint32_t i = 0; i < fw->nplugins; i++)
        if (strcmp(fw->plugins[i].name, name) == 0) return (sl_plugin *)&fw->plugins[i];
    return NULL;
}

sl_plugin *sl_framework_plugin_named(sl_framework *fw, const char *name) {
    return find_instance(fw, name);
}

static sl_plugin *instantiate(sl_framework *fw, const char *name, const sl_registry *registry,
                              const char *type_name, char *err, size_t errsize) {
    sl_plugin *existing = find_instance(fw, name);
    if (existing) return existing;
    const json_t *args = fw->profile ? sl_profile_plugin_args(fw->profile, name) : NULL;
    const sl_plugin_registration *reg = sl_registry_resolve(registry, name, args);
    if (!reg) {
        const char *why = sl_registry_resolver_error(registry);
        if (why[0])
            snprintf(err, errsize, "profile \"%s\": plugin \"%s\": %s", fw->profile_name, name, why);
        else
            snprintf(err, errsize, "profile \"%s\": %s \"%s\" does not exist", fw->profile_name,
                     type_name, name);
        return NULL;
    }
    if (fw->nplugins == SL_MAX_PLUGINS) {
        snprintf(err, errsize, "profile \"%s\": more than %d plugins", fw->profile_name,
                 SL_MAX_PLUGINS);
        return NULL;
    }
    sl_plugin *p = &fw->plugins[fw->nplugins];
    p->ops = reg->ops;
    p->name = xstrdup(name);
    p->self = NULL;
    p->framework = fw;
    fw->nplugins++;
    if (reg->factory) {
        char perr[512] = "";
        if (!reg->factory(p, args, perr, sizeof(perr)) || !p->ops) {
            snprintf(err, errsize, "profile \"%s\": initializing plugin \"%s\": %s",
                     fw->profile_name, name, perr[0] ? perr : "failed");
            fw->nplugins--;
            free((char *)p->name);
            p->name = NULL;
            return NULL;
        }
    }
    fw->events[p - fw->plugins] = instance_events(p);
    return p;
}

/* Expansion asks the instances (after their factories ran). */
static bool instance_implements(void *user, const char *plugin, sl_extension_point ep) {
    const sl_plugin *p = find_instance(user, plugin);
    return p && sl_plugin_ops_implement(p->ops, ep);
}

/* The lists of a profile loaded from a config: its merged sets expanded
 * with the instances' ops. */
static bool build_lists_from_sets(sl_framework *fw, extension_point_list *points, char *err,
                                  size_t errsize) {
    uint32_t n[SL_EP_COUNT];
    sl_plugin_ref *refs[SL_EP_COUNT];
    sl_expand_problem problem;
    if (!sl_expand_plugin_sets(fw->profile->sets, instance_implements, fw, n, refs, &problem)) {
        if (problem.kind == SL_EXPAND_NOT_EXTENDED)
            snprintf(err, errsize, "profile \"%s\": plugin \"%s\" does not extend %s plugin",
                     fw->profile_name, problem.plugin, sl_extension_point_interface(problem.ep));
        else
            snprintf(err, errsize, "profile \"%s\": plugin \"%s\" already registered as \"%s\"",
                     fw->profile_name, problem.plugin, sl_extension_point_interface(problem.ep));
        return false;
    }
    for (int ep = 0; ep < SL_EP_COUNT; ep++) {
        extension_point_list *list = &points[ep];
        for (uint32_t i = 0; i < n[ep]; i++) {
            /* Every name expanded is an instance (instance_implements). */
            list->plugins[list->n] = find_instance(fw, refs[ep][i].name);
            list->weights[list->n] = refs[ep][i].weight > 0 ? refs[ep][i].weight : 1;
            list->n++;
            free(refs[ep][i].name);
        }
        free(refs[ep]);
    }
    return true;
}

/* The lists of a hand-built profile: as listed, each plugin checked. */
static bool build_lists_as_given(sl_framework *fw, extension_point_list *points, char *err,
                                 size_t errsize) {
    const sl_profile_config *profile = fw->profile;
    for (int ep = 0; ep < SL_EP_COUNT; ep++) {
        extension_point_list *list = &points[ep];
        const char *interface = sl_extension_point_interface(ep);
        for (uint32_t i = 0; i < profile->nplugins[ep]; i++) {
            const sl_plugin_ref *ref = &profile->plugins[ep][i];
            sl_plugin *p = find_instance(fw, ref->name);
            if (!sl_plugin_ops_implement(p->ops, ep)) {
                snprintf(err, errsize, "profile \"%s\": plugin \"%s\" does not extend %s plugin",
                         fw->profile_name, ref->name, interface);
                return false;
            }
            for (uint32_t j = 0; j < list->n; j++) {
                if (list->plugins[j] == p) {
                    snprintf(err, errsize, "profile \"%s\": plugin \"%s\" already registered as \"%s\"",
                             fw->profile_name, ref->name, interface);
                    return false;
                }
            }
            list->plugins[list->n] = p;
            list->weights[list->n] = ref->weight > 0 ? ref->weight : 1;
            list->n++;
        }
    }
    return true;
}

/* Every extension point's list from the instances' current ops, into
 * `points` (zeroed here), with upstream's profile checks. */
static bool build_lists(sl_framework *fw, extension_point_list *points, char *err,
                        size_t errsize) {
    memset(points, 0, sizeof(extension_point_list) * SL_EP_COUNT);
    if (!(fw->profile->has_sets ? build_lists_from_sets(fw, points, err, errsize)
                                : build_lists_as_given(fw, points, err, errsize)))
        return false;
    if (points[SL_EP_QUEUE_SORT].n != 1) {
        snprintf(err, errsize,
                 "only one queue sort plugin required for profile with scheduler name \"%s\", but got %u",
                 fw->profile_name, points[SL_EP_QUEUE_SORT].n);
        return false;
    }
    if (points[SL_EP_BIND].n == 0) {
        snprintf(err, errsize, "at least one bind plugin is needed for profile with scheduler name \"%s\"",
                 fw->profile_name);
        return false;
    }
    return true;
}

static sl_plugin *own_instance(sl_framework *fw, const sl_plugin *p) {
    return p && p >= fw->plugins && p < fw->plugins + fw->nplugins ? (sl_plugin *)p : NULL;
}

bool sl_framework_check_plugin_ops(sl_framework *fw, const sl_plugin *plugin,
                                   const sl_plugin_ops *ops, char *err, size_t errsize) {
    sl_plugin *p = own_instance(fw, plugin);
    if (!p || !ops) {
        snprintf(err, errsize, "profile \"%s\": no such plugin instance", fw->profile_name);
        return false;
    }
    if (!fw->profile) return true;
    extension_point_list *points = xcalloc(SL_EP_COUNT, sizeof *points);
    const sl_plugin_ops *saved = p->ops;
    p->ops = ops; /* the lists as they would be with the new ops */
    bool ok = build_lists(fw, points, err, errsize);
    p->ops = saved;
    free(points);
    return ok;
}

bool sl_framework_plugin_changed(sl_framework *fw, sl_plugin *plugin, char *err, size_t errsize) {
    sl_plugin *p = own_instance(fw, plugin);
    if (!p) {
        snprintf(err, errsize, "profile \"%s\": no such plugin instance", fw->profile_name);
        return false;
    }
    if (fw->profile) {
        extension_point_list *points = xcalloc(SL_EP_COUNT, sizeof *points);
        if (!build_lists(fw, points, err, errsize)) {
            free(points);
            return false;
        }
        memcpy(fw->points, points, sizeof fw->points);
        free(points);
    }
    fw->events[p - fw->plugins] = instance_events(p);
    return true;
}

sl_framework *sl_framework_new(const sl_framework_options *opts, char *err, size_t errsize) {
    const sl_profile_config *profile = opts->profile;
    sl_framework *fw = xcalloc(1, sizeof(*fw));
    fw->profile = profile;
    fw->profile_name = xstrdup(profile && profile->scheduler_name ? profile->scheduler_name
                                                                  : "default-scheduler");
    fw->parallelism = opts->parallelism > 0 ? opts->parallelism : 16;
    fw->percentage_of_nodes_to_score = profile ? profile->percentage_of_nodes_to_score : -1;
    if (opts->host) fw->host = *opts->host;
    fw->recorder = opts->recorder;
    rng_seed(&fw->sample_rng, (uint64_t)time_now_ns() ^ (uint64_t)(uintptr_t)fw);
    fw->pool = opts->pool;
    fw->extenders = opts->extenders;
    fw->nextenders = opts->nextenders;
    if (!profile) return fw;

    /* Instances first (upstream creates every plugin, then checks what
     * each implements), in the order the profile lists them. */
    for (int ep = 0; ep < SL_EP_COUNT; ep++) {
        for (uint32_t i = 0; i < profile->nplugins[ep]; i++) {
            const char *interface = sl_extension_point_interface(ep);
            if (!instantiate(fw, profile->plugins[ep][i].name, opts->registry, interface, err,
                             errsize))
                goto fail;
        }
    }
    if (!build_lists(fw, fw->points, err, errsize)) goto fail;
    return fw;

fail:
    sl_framework_free(fw);
    return NULL;
}

void sl_framework_free(sl_framework *fw) {
    if (!fw) return;
    for (uint32_t i = 0; i < fw->nplugins; i++) {
        sl_plugin *p = &fw->plugins[i];
        if (p->ops->destroy) p->ops->destroy(p);
        free((char *)p->name);
    }
    free(fw->profile_name);
    free(fw);
}

void sl_framework_set_recorder(sl_framework *fw, const sl_recorder *recorder) {
    fw->recorder = recorder;
}
const sl_recorder *sl_framework_recorder(const sl_framework *fw) { return fw->recorder; }

void sl_framework_sample_plugin_metrics(sl_framework *fw, sl_cycle *c) {
    const sl_recorder *rec = fw->recorder;
    sl_cycle_plugin_state_of(c)->record_plugin_metrics =
        rec != NULL && rec->plugin_execution != NULL &&
        rng_below(&fw->sample_rng, 100) < SL_PLUGIN_METRICS_SAMPLE_PERCENT;
}
sl_worker_pool *sl_framework_pool(const sl_framework *fw) { return fw->pool; }

uint32_t sl_framework_extenders(const sl_framework *fw, sl_extender *const **out) {
    *out = fw->extenders;
    return fw->nextenders;
}
int32_t sl_framework_percentage_of_nodes_to_score(const sl_framework *fw) {
    return fw->percentage_of_nodes_to_score;
}
bool sl_framework_has_filter_plugins(const sl_framework *fw) {
    return fw->points[SL_EP_FILTER].n > 0;
}
bool sl_framework_has_score_plugins(const sl_framework *fw) {
    return fw->points[SL_EP_SCORE].n > 0;
}
bool sl_framework_has_post_filter_plugins(const sl_framework *fw) {
    return fw->points[SL_EP_POST_FILTER].n > 0;
}
uint32_t sl_framework_plugins_at(const sl_framework *fw, sl_extension_point ep,
                                 sl_plugin *const **out) {
    *out = fw->points[ep].plugins;
    return fw->points[ep].n;
}
int32_t sl_framework_parallelism(const sl_framework *fw) { return fw->parallelism; }
uint32_t sl_framework_num_workers(const sl_framework *fw) {
    return fw->pool ? sl_worker_pool_threads(fw->pool) : 1;
}
const char *sl_framework_profile_name(const sl_framework *fw) { return fw->profile_name; }

/* ------------------------------------------------------------------ */
/* Requests from plugins (routed to the host)                           */
/* ------------------------------------------------------------------ */

sl_status sl_framework_bind(sl_framework *fw, const sl_pod_info *pod, const char *node_name) {
    if (!fw->host.bind) return sl_status_make(SL_ERROR, "no cluster to bind to");
    return fw->host.bind(fw->host.user, pod, node_name);
}

sl_status sl_framework_delete_pod(sl_framework *fw, const sl_pod_info *victim,
                                  const char *reason) {
    if (!fw->host.delete_pod) return sl_status_make(SL_ERROR, "no cluster to delete from");
    return fw->host.delete_pod(fw->host.user, victim, reason);
}

void sl_framework_event(sl_framework *fw, const sl_pod_info *pod, const char *type,
                        const char *reason, const char *message) {
    if (fw->host.event) fw->host.event(fw->host.user, pod, type, reason, message);
}

uint32_t sl_framework_nominated_pods(sl_framework *fw, const char *node_name,
                                     sl_pod_info ***out) {
    *out = NULL;
    if (!fw->host.nominated_pods) return 0;
    return fw->host.nominated_pods(fw->host.user, node_name, out);
}

uint32_t sl_framework_waiting_pods(sl_framework *fw, sl_waiting_pod *const **out) {
    *out = NULL;
    if (!fw->host.waiting_pods) return 0;
    return fw->host.waiting_pods(fw->host.user, out);
}

/* ------------------------------------------------------------------ */
/* PreEnqueue, QueueSort                                                */
/* ------------------------------------------------------------------ */

/* Plugin execution durations (sl_recorder.plugin_execution), only in the
 * cycles sl_framework_sample_plugin_metrics picked: elsewhere a plugin
 * call costs one test of the cycle's flag and reads no clock. */
static void report_plugin(const sl_framework *fw, const char *plugin, const char *point, sl_code code,
                          uint32_t calls, int64_t ns) {
    const sl_recorder *rec = fw->recorder;
    if (rec != NULL && rec->plugin_execution != NULL && calls > 0)
        rec->plugin_execution(rec->user, plugin, point, (sl_status){.code = code}, calls, ns);
}

/* A plugin call's start time, 0 when the cycle is not sampled. */
static inline int64_t plugin_timer_start(sl_cycle *c) {
    return UNLIKELY(sl_cycle_plugin_state_of(c)->record_plugin_metrics) ? time_now_ns() : 0;
}
static inline void plugin_timer_stop(const sl_framework *fw, int64_t t0, const char *plugin, const char *point,
                                     sl_status s) {
    if (UNLIKELY(t0 != 0)) report_plugin(fw, plugin, point, s.code, 1, time_now_ns() - t0);
}

/* One plugin's batch over n nodes (statuses[0..n)) that took `ns`: the
 * calls grouped by the status code each returned, each call counted once
 * with the batch's mean duration (upstream observes every (plugin, node)
 * call on its own; timing a batch keeps the count and the sum exact and
 * costs two clock reads per batch instead of two per call). */
static void report_plugin_batch(const sl_framework *fw, const char *plugin, const char *point,
                                const sl_status *statuses, uint32_t n, int64_t ns) {
    uint32_t count[SL_PENDING + 1] = {0};
    for (uint32_t j = 0; j < n; j++) {
        uint32_t code = (uint32_t)statuses[j].code;
        count[code <= SL_PENDING ? code : SL_ERROR]++;
    }
    for (uint32_t code = 0; code <= SL_PENDING; code++)
        if (count[code])
            report_plugin(fw, plugin, point, (sl_code)code, count[code], ns * (int64_t)count[code] / (int64_t)n);
}

sl_status sl_framework_run_pre_enqueue(sl_framework *fw, const sl_pod_info *pod) {
    const extension_point_list *list = &fw->points[SL_EP_PRE_ENQUEUE];
    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        sl_status s = p->ops->pre_enqueue(p, pod);
        if (s.code != SL_SUCCESS) {
            s.plugin = p->name;
            return s;
        }
    }
    return SL_STATUS_SUCCESS;
}

bool sl_framework_less(sl_framework *fw, const sl_queued_pod *a, const sl_queued_pod *b) {
    const extension_point_list *list = &fw->points[SL_EP_QUEUE_SORT];
    if (list->n == 0) return false;
    sl_plugin *p = list->plugins[0];
    return p->ops->less(p, a, b);
}

/* A plugin's failure as the Error status its extension point returns:
 * "running <point> plugin \"<name>\": <message>", attributed to the plugin. */
static sl_status plugin_error(sl_cycle *c, const char *point, const sl_plugin *p, sl_status s) {
    sl_status e = sl_status_newf(c, SL_ERROR, "running %s plugin \"%s\": %s", point, p->name,
                                 sl_status_message_joined(c, s));
    e.plugin = p->name;
    return e;
}

/* ------------------------------------------------------------------ */
/* PreFilter                                                            */
/* ------------------------------------------------------------------ */

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, de-duplicated copy of a name list (cycle memory). */
static const char **sorted_unique(sl_cycle *c, const char **names, uint32_t n, uint32_t *out_n) {
    const char **copy = sl_cycle_alloc(c, (n ? n : 1) * sizeof(*copy));
    if (n) memcpy(copy, names, n * sizeof(*copy));
    qsort(copy, n, sizeof(*copy), compare_strings);
    uint32_t w = 0;
    for (uint32_t i = 0; i < n; i++)
        if (w == 0 || strcmp(copy[w - 1], copy[i]) != 0) copy[w++] = copy[i];
    *out_n = w;
    return copy;
}

/* Upstream PreFilterResult.Merge: nil (all) is the identity, otherwise
 * the intersection. `acc` is already sorted/unique. */
static void merge_prefilter_result(sl_cycle *c, sl_prefilter_result *acc,
                                   const sl_prefilter_result *r) {
    if (r->all) return;
    uint32_t nr;
    const char **rs = sorted_unique(c, r->node_names, r->nnames, &nr);
    if (acc->all) {
        acc->all = false;
        acc->node_names = rs;
        acc->nnames = nr;
        return;
    }
    uint32_t i = 0, j = 0, w = 0;
    const char **out = sl_cycle_alloc(c, (acc->nnames ? acc->nnames : 1) * sizeof(*out));
    while (i < acc->nnames && j < nr) {
        int cmp = strcmp(acc->node_names[i], rs[j]);
        if (cmp == 0) {
            out[w++] = acc->node_names[i];
            i++;
            j++;
        } else if (cmp < 0) {
            i++;
        } else {
            j++;
        }
    }
    acc->node_names = out;
    acc->nnames = w;
}

static void compile_filters(sl_framework *fw, sl_cycle_plugin_state *ps) {
    const extension_point_list *list = &fw->points[SL_EP_FILTER];
    ps->nfilters = 0;
    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        if (ps->skip_filter & (1ULL << plugin_index(fw, p))) continue;
        ps->filters[ps->nfilters++] = p;
    }
    ps->filters_compiled = true;
}

static sl_status run_pre_filter_untimed(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                      sl_prefilter_outcome *out) {
    const extension_point_list *list = &fw->points[SL_EP_PRE_FILTER];
    const sl_recorder *rec = fw->recorder;
    sl_cycle_plugin_state *ps = sl_cycle_plugin_state_of(c);
    ps->skip_filter = 0;
    out->result.all = true;
    out->result.nnames = 0;
    out->result.node_names = NULL;
    out->nplugins_with_nodes = 0;
    out->plugins_with_nodes = sl_cycle_alloc(c, (list->n ? list->n : 1) * sizeof(char *));
    sl_status returned = SL_STATUS_SUCCESS;

    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        sl_prefilter_result r = {.all = true};
        int64_t t0 = plugin_timer_start(c);
        sl_status s = p->ops->pre_filter(p, c, pod, &r);
        plugin_timer_stop(fw, t0, p->name, "PreFilter", s);
        if (s.code != SL_SUCCESS) s.plugin = p->name;
        if (UNLIKELY(rec != NULL) && rec->pre_filter) rec->pre_filter(rec->user, p->name, s);
        if (s.code == SL_SKIP) {
            ps->skip_filter |= 1ULL << plugin_index(fw, p);
            continue;
        }
        if (s.code != SL_SUCCESS) {
            if (s.code == SL_UNSCHEDULABLE_AND_UNRESOLVABLE) {
                out->nplugins_with_nodes = 0;
                compile_filters(fw, ps);
                return s;
            }
            if (s.code == SL_UNSCHEDULABLE) {
                returned = s;
                continue;
            }
            sl_status e = plugin_error(c, "PreFilter", p, s);
            compile_filters(fw, ps);
            return e;
        }
        if (!r.all) out->plugins_with_nodes[out->nplugins_with_nodes++] = p->name;
        merge_prefilter_result(c, &out->result, &r);
        if (!out->result.all && out->result.nnames == 0) {
            uint32_t n;
            const char **names =
                sorted_unique(c, out->plugins_with_nodes, out->nplugins_with_nodes, &n);
            out->plugins_with_nodes = names;
            out->nplugins_with_nodes = n;
            compile_filters(fw, ps);
            if (n == 1)
                return sl_status_newf(c, SL_UNSCHEDULABLE_AND_UNRESOLVABLE,
                                      "node(s) didn't satisfy plugin %s", names[0]);
            strbuf sb;
            strbuf_init(&sb);
            for (uint32_t k = 0; k < n; k++) {
                if (k) strbuf_putc(&sb, ' ');
                strbuf_puts(&sb, names[k]);
            }
            sl_status st = sl_status_newf(c, SL_UNSCHEDULABLE_AND_UNRESOLVABLE,
                                          "node(s) didn't satisfy plugin(s) [%s] simultaneously",
                                          strbuf_cstr(&sb));
            strbuf_free(&sb);
            return st;
        }
    }
    uint32_t n;
    out->plugins_with_nodes =
        sorted_unique(c, out->plugins_with_nodes, out->nplugins_with_nodes, &n);
    out->nplugins_with_nodes = n;
    compile_filters(fw, ps);
    return returned;
}

sl_status sl_framework_run_add_pod(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                   const sl_pod_info *pod_to_add, const sl_node_info *node) {
    const extension_point_list *list = &fw->points[SL_EP_PRE_FILTER];
    uint64_t skip = sl_cycle_plugin_state_of(c)->skip_filter;
    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        if (!p->ops->add_pod || (skip & (1ULL << plugin_index(fw, p)))) continue;
        int64_t t0 = plugin_timer_start(c);
        sl_status s = p->ops->add_pod(p, c, pod, pod_to_add, node);
        plugin_timer_stop(fw, t0, p->name, "PreFilterExtensionAddPod", s);
        if (s.code != SL_SUCCESS) {
            return plugin_error(c, "AddPod on PreFilter", p, s);
        }
    }
    return SL_STATUS_SUCCESS;
}

sl_status sl_framework_run_remove_pod(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                      const sl_pod_info *pod_to_remove, const sl_node_info *node) {
    const extension_point_list *list = &fw->points[SL_EP_PRE_FILTER];
    uint64_t skip = sl_cycle_plugin_state_of(c)->skip_filter;
    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        if (!p->ops->remove_pod || (skip & (1ULL << plugin_index(fw, p)))) continue;
        int64_t t0 = plugin_timer_start(c);
        sl_status s = p->ops->remove_pod(p, c, pod, pod_to_remove, node);
        plugin_timer_stop(fw, t0, p->name, "PreFilterExtensionRemovePod", s);
        if (s.code != SL_SUCCESS) {
            return plugin_error(c, "RemovePod on PreFilter", p, s);
        }
    }
    return SL_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Filter                                                               */
/* ------------------------------------------------------------------ */

static sl_status filter_failed(sl_cycle *c, sl_plugin *p, sl_status s) {
    if (!sl_status_is_rejected(s))
        s = sl_status_newf(c, SL_ERROR, "running \"%s\" filter plugin: %s", p->name,
                           sl_status_message_joined(c, s));
    s.plugin = p->name;
    return s;
}

sl_status sl_framework_run_filter_plugins(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                          const sl_node_info *node) {
    const sl_cycle_plugin_state *ps = sl_cycle_plugin_state_of(c);
    const sl_recorder *rec = UNLIKELY(fw->recorder != NULL) && !sl_cycle_is_clone(c) ? fw->recorder : NULL;
    if (LIKELY(ps->filters_compiled)) {
        sl_plugin *const *filters = ps->filters;
        uint32_t n = ps->nfilters;
        if (LIKELY(rec == NULL || rec->filter == NULL)) {
            if (LIKELY(!ps->record_plugin_metrics)) {
                for (uint32_t i = 0; i < n; i++) {
                    sl_plugin *p = filters[i];
                    sl_status s = p->ops->filter(p, c, pod, node);
                    if (UNLIKELY(s.code != SL_SUCCESS)) return filter_failed(c, p, s);
                }
                return SL_STATUS_SUCCESS;
            }
            for (uint32_t i = 0; i < n; i++) { /* a sampled cycle */
                sl_plugin *p = filters[i];
                int64_t t0 = time_now_ns();
                sl_status s = p->ops->filter(p, c, pod, node);
                report_plugin(fw, p->name, "Filter", s.code, 1, time_now_ns() - t0);
                if (UNLIKELY(s.code != SL_SUCCESS)) return filter_failed(c, p, s);
            }
            return SL_STATUS_SUCCESS;
        }
        for (uint32_t i = 0; i < n; i++) {
            sl_plugin *p = filters[i];
            int64_t t0 = plugin_timer_start(c);
            sl_status s = p->ops->filter(p, c, pod, node);
            plugin_timer_stop(fw, t0, p->name, "Filter", s);
            if (s.code != SL_SUCCESS) s = filter_failed(c, p, s);
            rec->filter(rec->user, node, p->name, s);
            if (s.code != SL_SUCCESS) return s;
        }
        return SL_STATUS_SUCCESS;
    }
    /* No PreFilter ran in this cycle (tests, direct calls). */
    const extension_point_list *list = &fw->points[SL_EP_FILTER];
    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        if (ps->skip_filter & (1ULL << plugin_index(fw, p))) continue;
        int64_t t0 = plugin_timer_start(c);
        sl_status s = p->ops->filter(p, c, pod, node);
        plugin_timer_stop(fw, t0, p->name, "Filter", s);
        if (s.code != SL_SUCCESS) s = filter_failed(c, p, s);
        if (UNLIKELY(rec != NULL) && rec->filter) rec->filter(rec->user, node, p->name, s);
        if (s.code != SL_SUCCESS) return s;
    }
    return SL_STATUS_SUCCESS;
}

/* Filter over a run of nodes, plugin-major: each plugin runs once over
 * the nodes that passed every earlier plugin (its filter_nodes batch form
 * when it has one), so every node ends with exactly the status the
 * per-node loop above gives it — the first non-Success in plugin order —
 * but with one call per plugin instead of one per (node, plugin), which
 * was most of the cost of Filter. A listening recorder expects the
 * per-node order of callbacks, so it gets the per-node loop. */
#define FILTER_BLOCK 64
void sl_framework_run_filter_plugins_on(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                        sl_node_info *const *nodes, uint32_t n, sl_status *out) {
    const sl_cycle_plugin_state *ps = sl_cycle_plugin_state_of(c);
    const sl_recorder *rec = fw->recorder;
    if (!ps->filters_compiled || (rec != NULL && rec->filter != NULL)) {
        for (uint32_t i = 0; i < n; i++)
            out[i] = sl_framework_run_filter_plugins(fw, c, pod, nodes[i]);
        return;
    }
    bool timed = UNLIKELY(ps->record_plugin_metrics); /* a sampled cycle */
    sl_node_info *alive[FILTER_BLOCK];   /* nodes that passed so far */
    uint32_t where[FILTER_BLOCK];        /* their positions in out */
    sl_status status[FILTER_BLOCK];
    for (uint32_t base = 0; base < n; base += FILTER_BLOCK) {
        uint32_t m = n - base < FILTER_BLOCK ? n - base : FILTER_BLOCK;
        for (uint32_t j = 0; j < m; j++) {
            alive[j] = nodes[base + j];
            where[j] = base + j;
            out[base + j] = SL_STATUS_SUCCESS;
        }
        for (uint32_t k = 0; k < ps->nfilters && m > 0; k++) {
            sl_plugin *p = ps->filters[k];
            int64_t t0 = timed ? time_now_ns() : 0;
            if (p->ops->filter_nodes) {
                p->ops->filter_nodes(p, c, pod, alive, m, status);
            } else {
                for (uint32_t j = 0; j < m; j++) status[j] = p->ops->filter(p, c, pod, alive[j]);
            }
            if (UNLIKELY(timed)) report_plugin_batch(fw, p->name, "Filter", status, m, time_now_ns() - t0);
            /* Usually every node passes: then there is nothing to drop. */
            uint32_t kept = 0;
            while (kept < m && LIKELY(status[kept].code == SL_SUCCESS)) kept++;
            for (uint32_t j = kept; j < m; j++) {
                if (LIKELY(status[j].code == SL_SUCCESS)) {
                    alive[kept] = alive[j];
                    where[kept++] = where[j];
                } else {
                    out[where[j]] = filter_failed(c, p, status[j]);
                }
            }
            m = kept;
        }
    }
}

static bool same_pod(const sl_pod_info *a, const sl_pod_info *b) {
    if (a == b || a->pod == b->pod) return true;
    const k8s_pod *x = a->pod, *y = b->pod;
    if (x->uid && y->uid && x->uid[0] && y->uid[0]) return strcmp(x->uid, y->uid) == 0;
    return strcmp(x->name, y->name) == 0 && strcmp(x->namespace_, y->namespace_) == 0;
}

/* Upstream RunFilterPluginsWithNominatedPods: when pods of equal or higher
 * priority are nominated to this node, the filters must pass both with
 * them added (to a copy of the node and of the state) and without. */
sl_status sl_framework_run_filters(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                   const sl_node_info *node) {
    if (UNLIKELY(fw->host.nominated_count != NULL) && fw->host.nominated_count(fw->host.user) > 0) {
        sl_pod_info **nominated = NULL;
        uint32_t nn = fw->host.nominated_pods(fw->host.user, node->node->name, &nominated);
        sl_node_info *copy = NULL;
        sl_cycle *state = NULL;
        for (uint32_t i = 0; i < nn; i++) {
            sl_pod_info *np = nominated[i];
            if (np->pod->priority < pod->pod->priority || same_pod(np, pod)) continue;
            if (!copy) {
                copy = sl_node_info_clone(c, node);
                state = sl_cycle_clone(c);
            }
            sl_node_info_add_pod(state, copy, np);
            sl_status s = sl_framework_run_add_pod(fw, state, pod, np, copy);
            if (s.code != SL_SUCCESS) return s;
        }
        if (copy) {
            sl_status s = sl_framework_run_filter_plugins(fw, state, pod, copy);
            if (s.code != SL_SUCCESS) return s;
        }
    }
    return sl_framework_run_filter_plugins(fw, c, pod, node);
}

/* ------------------------------------------------------------------ */
/* PostFilter                                                           */
/* ------------------------------------------------------------------ */

static sl_status run_post_filter_untimed(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                       const sl_node_status_map *statuses,
                                       sl_post_filter_result *result) {
    const extension_point_list *list = &fw->points[SL_EP_POST_FILTER];
    const sl_recorder *rec = fw->recorder;
    result->nominated_node_name = NULL;
    strbuf reasons;
    strbuf_init(&reasons);
    const char *rejector = NULL;
    const char *nominated = NULL;
    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        sl_post_filter_result r = {NULL};
        int64_t t0 = plugin_timer_start(c);
        sl_status s = p->ops->post_filter(p, c, pod, statuses, &r);
        plugin_timer_stop(fw, t0, p->name, "PostFilter", s);
        if (s.code != SL_SUCCESS) s.plugin = p->name;
        if (UNLIKELY(rec != NULL) && rec->post_filter)
            rec->post_filter(rec->user, p->name, s, r.nominated_node_name);
        if (s.code == SL_SUCCESS || s.code == SL_UNSCHEDULABLE_AND_UNRESOLVABLE) {
            strbuf_free(&reasons);
            *result = r;
            return s;
        }
        if (!sl_status_is_rejected(s)) {
            strbuf_free(&reasons);
            sl_status e = sl_status_make(SL_ERROR, s.message);
            e.plugin = p->name;
            return e;
        }
        if (r.nominated_node_name) nominated = r.nominated_node_name;
        if (s.message && s.message[0]) {
            if (reasons.len) strbuf_putc(&reasons, SL_REASON_SEP);
            strbuf_puts(&reasons, s.message);
        }
        if (!rejector) rejector = p->name;
    }
    result->nominated_node_name = nominated;
    sl_status s = sl_status_make(SL_UNSCHEDULABLE,
                                 reasons.len ? sl_cycle_printf(c, "%s", reasons.data) : NULL);
    s.plugin = rejector;
    strbuf_free(&reasons);
    return s;
}

/* ------------------------------------------------------------------ */
/* PreScore, Score                                                      */
/* ------------------------------------------------------------------ */

static sl_status run_pre_score_untimed(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                     sl_node_info *const *nodes, uint32_t n) {
    const extension_point_list *list = &fw->points[SL_EP_PRE_SCORE];
    const sl_recorder *rec = fw->recorder;
    sl_cycle_plugin_state *ps = sl_cycle_plugin_state_of(c);
    ps->skip_score = 0;
    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        int64_t t0 = plugin_timer_start(c);
        sl_status s = p->ops->pre_score(p, c, pod, nodes, n);
        plugin_timer_stop(fw, t0, p->name, "PreScore", s);
        if (s.code != SL_SUCCESS) s.plugin = p->name;
        if (UNLIKELY(rec != NULL) && rec->pre_score) rec->pre_score(rec->user, p->name, s);
        if (s.code == SL_SKIP) {
            ps->skip_score |= 1ULL << plugin_index(fw, p);
            continue;
        }
        if (s.code != SL_SUCCESS) {
            return plugin_error(c, "PreScore", p, s);
        }
    }
    return SL_STATUS_SUCCESS;
}

typedef struct score_job {
    sl_framework *fw;
    sl_cycle *c;
    const sl_pod_info *pod;
    sl_node_info *const *nodes;
    uint32_t nplugins;
    sl_plugin **plugins;
    sl_node_score **scores;       /* [plugin][node] */
    const sl_recorder *rec;
    bool timed;                   /* a sampled cycle: time each plugin's chunk */
    /* first failure per participant (lowest node index wins at the end) */
    uint32_t nparticipants;
    uint32_t *fail_node;
    uint32_t *fail_plugin;
    sl_status *fail_status;
    atomic_bool failed;
} score_job;

/* A sampled cycle: one Score plugin's pass over a chunk took `ns` for
 * `ok` successful calls, plus one more when `last` failed. */
static void score_chunk_done(const score_job *job, const sl_plugin *p, uint32_t ok, sl_status last, int64_t ns) {
    uint32_t calls = ok + (last.code != SL_SUCCESS);
    if (calls == 0) return;
    report_plugin(job->fw, p->name, "Score", SL_SUCCESS, ok, ns * (int64_t)ok / (int64_t)calls);
    if (last.code != SL_SUCCESS) report_plugin(job->fw, p->name, "Score", last.code, 1, ns / (int64_t)calls);
}

/* Plugin-major within a chunk: the same Score function runs over
 * consecutive nodes, which keeps its code and branch history warm. */
static void score_range(void *ctx, uint32_t begin, uint32_t end, uint32_t participant) {
    score_job *job = ctx;
    const sl_recorder *rec = job->rec;
    for (uint32_t k = 0; k < job->nplugins; k++) {
        sl_plugin *p = job->plugins[k];
        sl_status (*score)(sl_plugin *, sl_cycle *, const sl_pod_info *, const sl_node_info *,
                           int64_t *) = p->ops->score;
        sl_node_score *out = job->scores[k];
        int64_t t0 = UNLIKELY(job->timed) ? time_now_ns() : 0;
        if (p->ops->score_nodes) {
            /* One call for the whole chunk (framework.h, score_nodes). */
            uint32_t failed_at = end - begin;
            sl_status s = p->ops->score_nodes(p, job->c, job->pod, job->nodes + begin, end - begin,
                                              out + begin, &failed_at);
            uint32_t done = s.code == SL_SUCCESS ? end : begin + failed_at;
            if (UNLIKELY(job->timed)) score_chunk_done(job, p, done - begin, s, time_now_ns() - t0);
            /* node_index is read only by NormalizeScore: fill it for the
             * plugins that have one. */
            if (p->ops->normalize_score)
                for (uint32_t i = begin; i < done; i++) out[i].node_index = job->nodes[i]->index;
            if (UNLIKELY(rec != NULL) && rec->score)
                for (uint32_t i = begin; i < done; i++)
                    rec->score(rec->user, job->nodes[i], p->name, out[i].score);
            if (UNLIKELY(s.code != SL_SUCCESS)) {
                if (done < job->fail_node[participant]) {
                    job->fail_node[participant] = done;
                    job->fail_plugin[participant] = k;
                    job->fail_status[participant] = s;
                }
                atomic_store_explicit(&job->failed, true, memory_order_relaxed);
                return;
            }
            if (atomic_load_explicit(&job->failed, memory_order_relaxed)) return;
            continue;
        }
        for (uint32_t i = begin; i < end; i++) {
            const sl_node_info *node = job->nodes[i];
            int64_t value = 0;
            sl_status s = score(p, job->c, job->pod, node, &value);
            if (UNLIKELY(s.code != SL_SUCCESS)) {
                if (UNLIKELY(job->timed)) score_chunk_done(job, p, i - begin, s, time_now_ns() - t0);
                /* The cycle fails; which failure is reported is upstream's
                 * race, ours is the lowest node index seen per thread. */
                if (i < job->fail_node[participant]) {
                    job->fail_node[participant] = i;
                    job->fail_plugin[participant] = k;
                    job->fail_status[participant] = s;
                }
                atomic_store_explicit(&job->failed, true, memory_order_relaxed);
                return;
            }
            out[i].node_index = node->index;
            out[i].score = value;
            if (UNLIKELY(rec != NULL) && rec->score) rec->score(rec->user, node, p->name, value);
        }
        if (UNLIKELY(job->timed)) score_chunk_done(job, p, end - begin, SL_STATUS_SUCCESS, time_now_ns() - t0);
        if (atomic_load_explicit(&job->failed, memory_order_relaxed)) return;
    }
}

static sl_status run_score_untimed(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                 sl_node_info *const *nodes, uint32_t n, int64_t *totals) {
    const extension_point_list *list = &fw->points[SL_EP_SCORE];
    const sl_recorder *rec = fw->recorder;
    uint64_t skip = sl_cycle_plugin_state_of(c)->skip_score;

    score_job job;
    memset(&job, 0, sizeof(job));
    job.fw = fw;
    job.c = c;
    job.pod = pod;
    job.nodes = nodes;
    job.rec = (rec && (rec->score || rec->final_score)) ? rec : NULL;
    job.timed = UNLIKELY(sl_cycle_plugin_state_of(c)->record_plugin_metrics);
    job.plugins = sl_cycle_alloc(c, (list->n ? list->n : 1) * sizeof(sl_plugin *));
    int32_t weights[SL_MAX_PLUGINS];
    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        if (skip & (1ULL << plugin_index(fw, p))) continue;
        weights[job.nplugins] = list->weights[i];
        job.plugins[job.nplugins++] = p;
    }
    if (job.nplugins == 0 || n == 0) {
        memset(totals, 0, n * sizeof(*totals));
        return SL_STATUS_SUCCESS;
    }
    job.scores = sl_cycle_alloc(c, job.nplugins * sizeof(sl_node_score *));
    for (uint32_t k = 0; k < job.nplugins; k++)
        job.scores[k] = sl_cycle_alloc(c, n * sizeof(sl_node_score));
    job.nparticipants = sl_worker_pool_threads(fw->pool);
    job.fail_node = sl_cycle_alloc(c, job.nparticipants * sizeof(uint32_t));
    job.fail_plugin = sl_cycle_alloc(c, job.nparticipants * sizeof(uint32_t));
    job.fail_status = sl_cycle_alloc(c, job.nparticipants * sizeof(sl_status));
    for (uint32_t t = 0; t < job.nparticipants; t++) job.fail_node[t] = UINT32_MAX;
    atomic_init(&job.failed, false);

    /* Chunks of ~n/(2*threads) (at least 32 nodes) amortise the claim. */
    uint32_t threads = job.nparticipants;
    uint32_t chunk = n / (threads * 2);
    if (chunk < 32) chunk = 32;
    /* Small jobs run on this thread alone (sl_parallel_worth_it; one
     * chunk never leaves it). */
    bool parallel = n > chunk && sl_parallel_worth_it(fw->pool, SL_PARALLEL_SCORE);
    int64_t started_ns = time_now_ns();
    sl_parallel_for(parallel ? fw->pool : NULL, n, chunk, score_range, &job, NULL);
    sl_parallel_record(fw->pool, SL_PARALLEL_SCORE, time_now_ns() - started_ns,
                       parallel ? threads : 1);

    if (atomic_load(&job.failed)) {
        uint32_t best = 0;
        for (uint32_t t = 1; t < job.nparticipants; t++)
            if (job.fail_node[t] < job.fail_node[best]) best = t;
        sl_plugin *p = job.plugins[job.fail_plugin[best]];
        sl_status e = sl_status_newf(c, SL_ERROR, "running Score plugins: plugin \"%s\" failed with: %s",
                                     p->name, sl_status_message_joined(c, job.fail_status[best]));
        e.plugin = p->name;
        return e;
    }

    /* NormalizeScore per plugin. Upstream runs plugins in parallel; each
     * normalisation is a linear pass, so the scheduling thread does them. */
    for (uint32_t k = 0; k < job.nplugins; k++) {
        sl_plugin *p = job.plugins[k];
        if (!p->ops->normalize_score) continue;
        int64_t t0 = plugin_timer_start(c);
        sl_status s = p->ops->normalize_score(p, c, pod, job.scores[k], n);
        plugin_timer_stop(fw, t0, p->name, "ScoreExtensionNormalize", s);
        if (s.code != SL_SUCCESS) {
            sl_status e = sl_status_newf(c, SL_ERROR,
                                         "running Normalize on Score plugins: plugin \"%s\" failed with: %s",
                                         p->name, sl_status_message_joined(c, s));
            e.plugin = p->name;
            return e;
        }
    }

    for (uint32_t k = 0; k < job.nplugins; k++) {
        const sl_node_score *scores = job.scores[k];
        int64_t w = weights[k];
        /* The first plugin stores, the others add: no memset of totals
         * first (two loops so neither tests k per node). */
        uint32_t i = 0;
        if (k == 0) {
            for (; i < n && LIKELY((uint64_t)scores[i].score <= 100); i++)
                totals[i] = scores[i].score * w;
        } else {
            for (; i < n && LIKELY((uint64_t)scores[i].score <= 100); i++)
                totals[i] += scores[i].score * w;
        }
        if (UNLIKELY(i < n)) {  /* scores[i] is out of [0, 100] */
            sl_plugin *p = job.plugins[k];
            sl_status e = sl_status_newf(
                c, SL_ERROR,
                "applying score defaultWeights on Score plugins: plugin \"%s\" returns an invalid score %lld, it should in the range of [0, 100] after normalizing",
                p->name, (long long)scores[i].score);
            e.plugin = p->name;
            return e;
        }
    }
    if (UNLIKELY(job.rec != NULL) && rec->final_score) {
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t k = 0; k < job.nplugins; k++)
                rec->final_score(rec->user, nodes[i], job.plugins[k]->name,
                                 job.scores[k][i].score * weights[k]);
    }
    return SL_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Reserve, Permit, binding                                             */
/* ------------------------------------------------------------------ */

static sl_status run_reserve_untimed(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                   const char *node_name) {
    const extension_point_list *list = &fw->points[SL_EP_RESERVE];
    const sl_recorder *rec = fw->recorder;
    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        if (!p->ops->reserve) continue;
        int64_t t0 = plugin_timer_start(c);
        sl_status s = p->ops->reserve(p, c, pod, node_name);
        plugin_timer_stop(fw, t0, p->name, "Reserve", s);
        if (s.code != SL_SUCCESS) s.plugin = p->name;
        if (UNLIKELY(rec != NULL) && rec->reserve) rec->reserve(rec->user, p->name, s);
        if (s.code == SL_SUCCESS) continue;
        if (sl_status_is_rejected(s)) return s;
        return plugin_error(c, "Reserve", p, s);
    }
    return SL_STATUS_SUCCESS;
}

static void run_unreserve_untimed(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod, const char *node_name) {
    const extension_point_list *list = &fw->points[SL_EP_RESERVE];
    for (uint32_t i = list->n; i-- > 0;) {
        sl_plugin *p = list->plugins[i];
        if (!p->ops->unreserve) continue;
        int64_t t0 = plugin_timer_start(c);
        p->ops->unreserve(p, c, pod, node_name);
        plugin_timer_stop(fw, t0, p->name, "Unreserve", SL_STATUS_SUCCESS);
    }
}

sl_status sl_framework_run_permit(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                  const char *node_name, int64_t *timeout_ms,
                                  const char **wait_plugin) {
    return sl_framework_run_permit_waits(fw, c, pod, node_name, timeout_ms, wait_plugin, NULL,
                                         NULL);
}

static sl_status run_permit_waits_untimed(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                        const char *node_name, int64_t *timeout_ms,
                                        const char **wait_plugin, sl_permit_wait *waits,
                                        uint32_t *nwaits) {
    const extension_point_list *list = &fw->points[SL_EP_PERMIT];
    const sl_recorder *rec = fw->recorder;
    bool waiting = false;
    *timeout_ms = 0;
    *wait_plugin = NULL;
    if (nwaits) *nwaits = 0;
    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        int64_t t = 0;
        int64_t t0 = plugin_timer_start(c);
        sl_status s = p->ops->permit(p, c, pod, node_name, &t);
        plugin_timer_stop(fw, t0, p->name, "Permit", s);
        if (s.code != SL_SUCCESS) s.plugin = p->name;
        if (s.code == SL_WAIT && t > SL_PERMIT_MAX_TIMEOUT_MS) t = SL_PERMIT_MAX_TIMEOUT_MS;
        if (s.code == SL_WAIT && t < 0) t = 0;
        if (UNLIKELY(rec != NULL) && rec->permit) rec->permit(rec->user, p->name, s, t);
        if (s.code == SL_SUCCESS) continue;
        if (sl_status_is_rejected(s)) return s;
        if (s.code == SL_WAIT) {
            /* The pod waits for the shortest timeout; ties go to the
             * earlier plugin (upstream: whichever timer fires first). */
            if (!waiting || t < *timeout_ms) {
                *timeout_ms = t;
                *wait_plugin = p->name;
            }
            waiting = true;
            if (waits && nwaits) waits[(*nwaits)++] = (sl_permit_wait){p->name, t};
            continue;
        }
        return plugin_error(c, "Permit", p, s);
    }
    if (waiting) {
        sl_status w = sl_status_make(SL_WAIT, NULL);
        w.plugin = *wait_plugin;
        return w;
    }
    return SL_STATUS_SUCCESS;
}

static sl_status run_pre_bind_untimed(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                    const char *node_name) {
    const extension_point_list *list = &fw->points[SL_EP_PRE_BIND];
    const sl_recorder *rec = fw->recorder;
    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        int64_t t0 = plugin_timer_start(c);
        sl_status s = p->ops->pre_bind(p, c, pod, node_name);
        plugin_timer_stop(fw, t0, p->name, "PreBind", s);
        if (s.code != SL_SUCCESS) s.plugin = p->name;
        if (UNLIKELY(rec != NULL) && rec->pre_bind) rec->pre_bind(rec->user, p->name, s);
        if (s.code == SL_SUCCESS) continue;
        if (sl_status_is_rejected(s)) return s;
        return plugin_error(c, "PreBind", p, s);
    }
    return SL_STATUS_SUCCESS;
}

static sl_status run_bind_untimed(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                const char *node_name) {
    const extension_point_list *list = &fw->points[SL_EP_BIND];
    const sl_recorder *rec = fw->recorder;
    sl_status last = sl_status_make(SL_SKIP, NULL);
    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        int64_t t0 = plugin_timer_start(c);
        sl_status s = p->ops->bind(p, c, pod, node_name);
        plugin_timer_stop(fw, t0, p->name, "Bind", s);
        if (s.code != SL_SUCCESS) s.plugin = p->name;
        if (UNLIKELY(rec != NULL) && rec->bind) rec->bind(rec->user, p->name, s);
        last = s;
        if (s.code == SL_SKIP) continue;
        if (s.code == SL_SUCCESS || sl_status_is_rejected(s)) return s;
        return plugin_error(c, "Bind", p, s);
    }
    return last;
}

static void run_post_bind_untimed(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod, const char *node_name) {
    const extension_point_list *list = &fw->points[SL_EP_POST_BIND];
    for (uint32_t i = 0; i < list->n; i++) {
        sl_plugin *p = list->plugins[i];
        int64_t t0 = plugin_timer_start(c);
        p->ops->post_bind(p, c, pod, node_name);
        plugin_timer_stop(fw, t0, p->name, "PostBind", SL_STATUS_SUCCESS);
    }
}

/* ------------------------------------------------------------------ */
/* Timing: extension points and plugins (sl_recorder.extension_point)   */
/* ------------------------------------------------------------------ */

#define TIMED_POINT(point, call)                                                               \
    do {                                                                                       \
        const sl_recorder *rec_ = fw->recorder;                                               \
        if (LIKELY(rec_ == NULL || rec_->extension_point == NULL)) return call;                \
        int64_t t0_ = time_now_ns();                                                           \
        sl_status s_ = call;                                                                   \
        rec_->extension_point(rec_->user, fw->profile_name, point, s_, time_now_ns() - t0_);  \
        return s_;                                                                             \
    } while (0)

sl_status sl_framework_run_pre_filter(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                      sl_prefilter_outcome *out) {
    TIMED_POINT("PreFilter", run_pre_filter_untimed(fw, c, pod, out));
}

sl_status sl_framework_run_post_filter(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                       const sl_node_status_map *statuses,
                                       sl_post_filter_result *result) {
    TIMED_POINT("PostFilter", run_post_filter_untimed(fw, c, pod, statuses, result));
}

sl_status sl_framework_run_pre_score(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                     sl_node_info *const *nodes, uint32_t n) {
    TIMED_POINT("PreScore", run_pre_score_untimed(fw, c, pod, nodes, n));
}

sl_status sl_framework_run_score(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                 sl_node_info *const *nodes, uint32_t n, int64_t *totals) {
    TIMED_POINT("Score", run_score_untimed(fw, c, pod, nodes, n, totals));
}

sl_status sl_framework_run_reserve(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                   const char *node_name) {
    TIMED_POINT("Reserve", run_reserve_untimed(fw, c, pod, node_name));
}

sl_status sl_framework_run_permit_waits(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                        const char *node_name, int64_t *timeout_ms,
                                        const char **wait_plugin, sl_permit_wait *waits,
                                        uint32_t *nwaits) {
    TIMED_POINT("Permit", run_permit_waits_untimed(fw, c, pod, node_name, timeout_ms, wait_plugin, waits, nwaits));
}

sl_status sl_framework_run_pre_bind(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                    const char *node_name) {
    TIMED_POINT("PreBind", run_pre_bind_untimed(fw, c, pod, node_name));
}

sl_status sl_framework_run_bind(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod,
                                const char *node_name) {
    TIMED_POINT("Bind", run_bind_untimed(fw, c, pod, node_name));
}

void sl_framework_run_unreserve(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod, const char *node_name) {
    const sl_recorder *rec = fw->recorder;
    if (LIKELY(rec == NULL || rec->extension_point == NULL)) {
        run_unreserve_untimed(fw, c, pod, node_name);
        return;
    }
    int64_t t0 = time_now_ns();
    run_unreserve_untimed(fw, c, pod, node_name);
    rec->extension_point(rec->user, fw->profile_name, "Unreserve", SL_STATUS_SUCCESS, time_now_ns() - t0);
}

void sl_framework_run_post_bind(sl_framework *fw, sl_cycle *c, const sl_pod_info *pod, const char *node_name) {
    const sl_recorder *rec = fw->recorder;
    if (LIKELY(rec == NULL || rec->extension_point == NULL)) {
        run_post_bind_untimed(fw, c, pod, node_name);
        return;
    }
    int64_t t0 = time_now_ns();
    run_post_bind_untimed(fw, c, pod, node_name);
    rec->extension_point(rec->user, fw->profile_name, "PostBind", SL_STATUS_SUCCESS, time_now_ns() - t0);
}
