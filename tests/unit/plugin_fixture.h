/*
 * plugin_fixture.h — a tiny cluster for plugin unit tests: nodes and pods
 * written as compact JSON (single quotes allowed, turned into double quotes),
 * decoded with the real k8s decoders, loaded into the real scheduler cache,
 * and a cycle over its snapshot. Plugins are built from the native registry
 * with their args, exactly as a profile would build them.
 *
 *   fixture f; fixture_init(&f);
 *   fixture_node(&f, "{'metadata':{'name':'n1'},'status':{'allocatable':{'cpu':'4'}}}");
 *   fixture_pod(&f, "{'metadata':{'name':'p1'},'spec':{'nodeName':'n1', ...}}");
 *   sl_pod_info *incoming = fixture_incoming(&f, "{...}");
 *   fixture_begin(&f);              // snapshot + cycle
 *   sl_plugin *p = fixture_plugin(&f, "NodeResourcesFit", NULL);
 *   ... p->ops->filter(p, f.cycle, incoming, fixture_node_info(&f, "n1")) ...
 *   fixture_free(&f);
 */
#ifndef SCHEDLAB_TEST_PLUGIN_FIXTURE_H
#define SCHEDLAB_TEST_PLUGIN_FIXTURE_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler/cache.h"
#include "scheduler/framework.h"
#include "scheduler/framework_internal.h"
#include "plugins/registry.h"

#define FIXTURE_MAX 64

typedef struct fixture {
    sl_registry *registry;        /* the in-tree plugins */
    sl_cache *cache;
    sl_snapshot *snapshot;
    sl_cycle_arenas arenas;
    sl_cycle *cycle;
    rng random;
    bool begun;
    uint32_t nnodes, npods, nincoming, nplugins, nargs;
    k8s_node *nodes[FIXTURE_MAX];
    k8s_pod *pods[FIXTURE_MAX];
    sl_pod_info *incoming[FIXTURE_MAX];
    sl_plugin plugins[FIXTURE_MAX];
    json_t *args[FIXTURE_MAX];
} fixture;

/* JSON with ' for " (the tests never need a literal single quote). */
static inline json_t *fixture_json(const char *text) {
    char *copy = xstrdup(text);
    for (char *s = copy; *s; s++)
        if (*s == '\'') *s = '"';
    json_error_t error;
    json_t *v = json_loads(copy, 0, &error);
    if (!v) {
        fprintf(stderr, "fixture: bad JSON (%s): %s\n", error.text, copy);
        abort();
    }
    free(copy);
    return v;
}

static inline void fixture_init(fixture *f) {
    memset(f, 0, sizeof *f);
    f->registry = sl_registry_new_default();
    f->cache = sl_cache_new();
    f->snapshot = sl_snapshot_new();
    sl_cycle_arenas_init(&f->arenas, 0);
    f->cycle = sl_cycle_new(&f->arenas);
    rng_seed(&f->random, 1);
}

static inline k8s_node *fixture_node(fixture *f, const char *text) {
    json_t *obj = fixture_json(text);
    char err[512];
    k8s_node *node = k8s_node_decode(obj, "test", err, sizeof err);
    json_decref(obj);
    if (!node) {
        fprintf(stderr, "fixture: node: %s\n", err);
        abort();
    }
    f->nodes[f->nnodes++] = node;
    sl_cache_add_node(f->cache, node);
    return node;
}

/* A Namespace object (name, labels): the cache copies its labels. */
static inline void fixture_namespace(fixture *f, const char *text) {
    UNUSED(f);
    json_t *obj = fixture_json(text);
    char err[512];
    k8s_namespace *ns = k8s_namespace_decode(obj, "test", err, sizeof err);
    json_decref(obj);
    if (!ns) {
        fprintf(stderr, "fixture: namespace: %s\n", err);
        abort();
    }
    sl_cache_set_namespace(f->cache, ns);
    k8s_namespace_free(ns);
}

/* A PodDisruptionBudget, Service, ReplicationController, ReplicaSet or
 * StatefulSet object: the cache decodes and keeps it. */
static inline void fixture_object(fixture *f, sl_cache_object_kind kind, const char *text) {
    json_t *obj = fixture_json(text);
    sl_cache_set_object(f->cache, kind, obj);
    json_decref(obj);
}

static inline k8s_pod *fixture_decode_pod(fixture *f, const char *text) {
    json_t *obj = fixture_json(text);
    char err[512];
    k8s_pod *pod = k8s_pod_decode(obj, "test", err, sizeof err);
    json_decref(obj);
    if (!pod) {
        fprintf(stderr, "fixture: pod: %s\n", err);
        abort();
    }
    f->pods[f->npods++] = pod;
    return pod;
}

/* An existing pod (spec.nodeName set), owned by the cache. */
static inline sl_pod_info *fixture_pod(fixture *f, const char *text) {
    sl_pod_info *info = sl_pod_info_new(fixture_decode_pod(f, text));
    sl_cache_add_pod(f->cache, info);
    return info;
}

/* The pod being scheduled (owned by the fixture). */
static inline sl_pod_info *fixture_incoming(fixture *f, const char *text) {
    sl_pod_info *info = sl_pod_info_new(fixture_decode_pod(f, text));
    f->incoming[f->nincoming++] = info;
    return info;
}

/* Takes the snapshot and opens a cycle over it. */
static inline void fixture_begin(fixture *f) {
    if (f->begun) sl_cycle_end(f->cycle);
    sl_cache_update_snapshot(f->cache, f->snapshot);
    sl_cycle_begin(f->cycle, f->snapshot, 1, &f->random);
    f->begun = true;
}

static inline const sl_node_info *fixture_node_info(fixture *f, const char *name) {
    const sl_node_info *n = sl_snapshot_node(f->snapshot, name);
    if (!n) {
        fprintf(stderr, "fixture: no node %s in the snapshot\n", name);
        abort();
    }
    return n;
}

/* Builds a plugin from the registry; NULL (and the message in err) when
 * its factory refuses the args. */
static inline sl_plugin *fixture_plugin_err(fixture *f, const char *name, const char *args,
                                            char *err, size_t errsize) {
    const sl_plugin_registration *reg = sl_registry_find(f->registry, name);
    if (!reg) {
        fprintf(stderr, "fixture: plugin %s not registered\n", name);
        abort();
    }
    sl_plugin *p = &f->plugins[f->nplugins];
    memset(p, 0, sizeof *p);
    p->ops = reg->ops;
    p->name = reg->name;
    json_t *json = args ? fixture_json(args) : NULL;
    if (json) f->args[f->nargs++] = json;
    err[0] = '\0';
    if (reg->factory && !reg->factory(p, json, err, errsize)) return NULL;
    f->nplugins++;
    return p;
}

static inline sl_plugin *fixture_plugin(fixture *f, const char *name, const char *args) {
    char err[512];
    sl_plugin *p = fixture_plugin_err(f, name, args, err, sizeof err);
    if (!p) {
        fprintf(stderr, "fixture: plugin %s: %s\n", name, err);
        abort();
    }
    return p;
}

/* Runs Score (after PreScore) on the named nodes and NormalizeScore if the
 * plugin has one; scores[i] for names[i]. Returns PreScore's status. */
static inline sl_status fixture_score(fixture *f, sl_plugin *p, const sl_pod_info *pod,
                                      const char *const *names, uint32_t n, int64_t *scores) {
    sl_node_info *nodes[FIXTURE_MAX];
    sl_node_score list[FIXTURE_MAX];
    for (uint32_t i = 0; i < n; i++) nodes[i] = (sl_node_info *)fixture_node_info(f, names[i]);
    sl_status s = SL_STATUS_SUCCESS;
    if (p->ops->pre_score) s = p->ops->pre_score(p, f->cycle, pod, nodes, n);
    if (s.code != SL_SUCCESS) return s;
    for (uint32_t i = 0; i < n; i++) {
        list[i].node_index = nodes[i]->index;
        list[i].score = -1;
        sl_status st = p->ops->score(p, f->cycle, pod, nodes[i], &list[i].score);
        if (st.code != SL_SUCCESS) return st;
    }
    if (p->ops->normalize_score) {
        sl_status st = p->ops->normalize_score(p, f->cycle, pod, list, n);
        if (st.code != SL_SUCCESS) return st;
    }
    for (uint32_t i = 0; i < n; i++) scores[i] = list[i].score;
    return s;
}

static inline void fixture_free(fixture *f) {
    if (f->begun) sl_cycle_end(f->cycle);
    sl_cycle_free(f->cycle);
    sl_cycle_arenas_free(&f->arenas);
    for (uint32_t i = 0; i < f->nplugins; i++)
        if (f->plugins[i].ops->destroy) f->plugins[i].ops->destroy(&f->plugins[i]);
    for (uint32_t i = 0; i < f->nargs; i++) json_decref(f->args[i]);
    sl_snapshot_free(f->snapshot);
    sl_cache_free(f->cache);
    for (uint32_t i = 0; i < f->nincoming; i++) sl_pod_info_free(f->incoming[i]);
    for (uint32_t i = 0; i < f->npods; i++) k8s_pod_free(f->pods[i]);
    for (uint32_t i = 0; i < f->nnodes; i++) k8s_node_free(f->nodes[i]);
    sl_registry_free(f->registry);
}

#endif
