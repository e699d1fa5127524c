/*
 * test_retention.c — memory stays bounded in a long run: the cluster
 * source frees the versions that events supersede once the scheduler
 * releases them (cluster.h Lifetimes). 100,000 node heartbeats and a
 * churn of pods (bound, deleted, relabelled, their status written by
 * someone else while they wait unschedulable with host ports) go through
 * the store adapter under the scheduler; the number of superseded versions
 * still held stays small and, outside ASan, the process's resident memory
 * stops growing once the store's own event history is full (the old
 * adapter kept every version: about 70,000 node versions more).
 *
 * A pod waiting at Permit holds what its cycle saw: versions superseded
 * while it waits are released only once it is gone (deleted here).
 *
 * Built with -DRETENTION_RSS_ONLY it uses only the older API (the RSS
 * check), so the same test can be run against the adapter before this
 * change to see it fail.
 */
#include <stdio.h>
#include <unistd.h>

#include "base/clock.h"
#include "plugins/registry.h"
#include "scheduler/cluster.h"
#include "scheduler/config.h"
#include "scheduler/scheduler.h"
#include "test.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define NODES 20
#define ROUNDS 100
#define HEARTBEATS_PER_ROUND 1000

static size_t rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
        fclose(f);
    }
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

typedef struct annotate_args {
    const char *key;
    char value[32];
} annotate_args;

/* metadata.annotations[key] = value (a heartbeat-like write) */
static int annotate(void *user, const sl_object *cur, json_t **next, sl_store_error *err) {
    (void)err;
    annotate_args *a = user;
    *next = json_deep_copy(cur->json);
    json_t *meta = json_object_get(*next, "metadata");
    json_t *ann = json_object_get(meta, "annotations");
    if (!json_is_object(ann)) {
        ann = json_object();
        json_object_set_new(meta, "annotations", ann);
    }
    json_object_set_new(ann, a->key, json_string(a->value));
    return 200;
}

/* status.conditions written by someone else (a kubelet-like status write
 * of a pending pod: the scheduler keeps its pod info, with a new pod). */
static int pod_status(void *user, const sl_object *cur, json_t **next, sl_store_error *err) {
    (void)err;
    annotate_args *a = user;
    *next = json_deep_copy(cur->json);
    json_t *status = json_object();
    json_object_set_new(status, "phase", json_string("Pending"));
    json_object_set_new(status, "message", json_string(a->value));
    json_object_set_new(*next, "status", status);
    return 200;
}

static int relabel(void *user, const sl_object *cur, json_t **next, sl_store_error *err) {
    (void)err;
    annotate_args *a = user;
    *next = json_deep_copy(cur->json);
    json_t *meta = json_object_get(*next, "metadata");
    json_t *labels = json_object_get(meta, "labels");
    if (!json_is_object(labels)) {
        labels = json_object();
        json_object_set_new(meta, "labels", labels);
    }
    json_object_set_new(labels, "round", json_string(a->value));
    return 200;
}

static json_t *pod_json(const char *name, const char *cpu, int host_port) {
    char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\"},"
             "\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"pause\",\"resources\":{\"requests\":"
             "{\"cpu\":\"%s\"}}%s%.0d%s}]}}",
             name, cpu, host_port ? ",\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\",\"hostPort\":" : "",
             host_port, host_port ? "}]" : "");
    json_error_t e;
    return json_loads(buf, 0, &e);
}

static bool create_pod(sl_store *store, const char *name, const char *cpu, int host_port) {
    json_t *obj = pod_json(name, cpu, host_port);
    sl_store_error err;
    int code = sl_store_create(store, sl_resource_get(SL_RES_PODS), "default", obj, NULL, &err);
    json_decref(obj);
    if (code >= 300) fprintf(stderr, "create %s: %s\n", name, err.message);
    return code < 300;
}

static void test_churn_stays_bounded(void) {
    char err[1024];
    sl_registry *registry = sl_registry_new_default();
    sl_config config;
    sl_config_default(registry, &config);
    strbuf docs = {0};
    for (int i = 0; i < NODES; i++)
        strbuf_printf(&docs,
                      "---\napiVersion: v1\nkind: Node\nmetadata: {name: node-%d, labels: "
                      "{kubernetes.io/hostname: node-%d, topology.kubernetes.io/zone: z%d}}\n"
                      "status: {capacity: {cpu: \"4\", memory: 32Gi, pods: \"110\"}}\n",
                      i, i, i % 3);
    /* waits unschedulable (too big), with host ports (NodePorts reads them
     * from its pod info on every retry) */
    strbuf_printf(&docs, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: big, namespace: default}\n"
                         "spec:\n  containers: [{name: app, image: pause, ports: [{containerPort: 80, "
                         "hostPort: 8080, protocol: TCP}], resources: {requests: {cpu: \"100\"}}}]\n");
    strbuf_printf(&docs, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: big2, namespace: default}\n"
                         "spec:\n  containers: [{name: app, image: pause, resources: {requests: {cpu: \"100\"}}}]\n");
    json_t *objs = k8s_parse_documents(strbuf_cstr(&docs), docs.len, "cluster", err, sizeof err);
    CHECK(objs != NULL);
    sl_cluster *cluster = sl_cluster_memory_new();
    CHECK(sl_cluster_memory_load(cluster, objs, "cluster", err, sizeof err));
    json_decref(objs);
    sl_scheduler_options o = {.config = &config, .registry = registry, .cluster = cluster, .seed = 1,
                              .virtual_time = true};
    sl_scheduler *s = sl_scheduler_new(&o, err, sizeof err);
    CHECK(s != NULL);
    if (!s) return;
    sl_scheduler_run_until_quiescent(s);
    sl_store *store = sl_cluster_store(cluster);
    const sl_resource *nodes = sl_resource_get(SL_RES_NODES), *pods = sl_resource_get(SL_RES_PODS);

    size_t rss_warm = 0, max_retired = 0;
    uint64_t writes = 0, bound = 0;
    bool ok = true;
    for (int round = 0; round < ROUNDS && ok; round++) {
        annotate_args a = {"heartbeat", ""};
        sl_store_error serr;
        for (int i = 0; i < HEARTBEATS_PER_ROUND; i++) {
            snprintf(a.value, sizeof a.value, "%d.%d", round, i);
            char name[32];
            snprintf(name, sizeof name, "node-%d", i % NODES);
            ok &= sl_store_update(store, nodes, NULL, name, annotate, &a, NULL, &serr) < 300;
            writes++;
        }
#ifndef RETENTION_RSS_ONLY
        sl_cluster_versions held;
        cluster->ops->versions(cluster, &held); /* the round's heartbeats, not released yet */
        if (held.retired > max_retired) max_retired = held.retired;
#endif
        /* pods: 5 new ones bound this round, last round's deleted; the
         * waiting ones rewritten by someone else and relabelled */
        for (int i = 0; i < 5; i++) {
            char name[32];
            snprintf(name, sizeof name, "p-%d-%d", round, i);
            ok &= create_pod(store, name, "100m", i == 0 ? 9000 + round % 50 : 0);
        }
        ok &= sl_store_update(store, pods, "default", "big", pod_status, &a, NULL, &serr) < 300;
        ok &= sl_store_update(store, pods, "default", "big2", relabel, &a, NULL, &serr) < 300;
        sl_scheduler_run_until_quiescent(s);
        for (int i = 0; i < 5; i++) {
            char name[32];
            snprintf(name, sizeof name, "p-%d-%d", round, i);
            k8s_pod *pod = sl_cluster_memory_find_pod(cluster, "default", name);
            sl_pod_result r;
            if (pod && sl_scheduler_pod_result(s, pod, &r) && r.state == SL_POD_SCHEDULED) bound++;
            if (round > 0) {
                snprintf(name, sizeof name, "p-%d-%d", round - 1, i);
                ok &= sl_store_delete(store, pods, "default", name, 0, NULL, NULL, &serr) < 300;
            }
        }
        sl_scheduler_run_until_quiescent(s);
#ifndef RETENTION_RSS_ONLY
        sl_cluster_versions v;
        cluster->ops->versions(cluster, &v);
        if (v.retired > max_retired) max_retired = v.retired;
#endif
        if (round == 29) rss_warm = rss_bytes();
    }
    CHECK(ok);
    CHECK(bound == 5 * ROUNDS);
    size_t rss_end = rss_bytes();
    printf("  %llu writes; RSS after round 30: %zu MiB, at the end: %zu MiB; most superseded versions held: %zu\n",
           (unsigned long long)writes, rss_warm >> 20, rss_end >> 20, max_retired);
#ifndef RETENTION_RSS_ONLY
    sl_cluster_versions v;
    cluster->ops->versions(cluster, &v);
    printf("  freed %llu superseded versions, %zu still held\n", (unsigned long long)v.freed, v.retired);
    /* one round's writes at most (released at the end of each run) */
    CHECK(max_retired <= HEARTBEATS_PER_ROUND + 100);
    CHECK(v.freed >= (uint64_t)ROUNDS * HEARTBEATS_PER_ROUND);
#endif
#ifndef UNDER_ASAN
    /* 70 rounds x 1,000 node versions kept would be far more than this */
    CHECK(rss_end < rss_warm + (24u << 20));
#endif
    sl_scheduler_free(s);
    cluster->ops->destroy(cluster);
    sl_config_free(&config);
    sl_registry_free(registry);
    strbuf_free(&docs);
}

#ifndef RETENTION_RSS_ONLY
/* ---- the ledger: release order, marks and pins ---- */

static int ledger_freed[8];
static void count_free(void *v) { ledger_freed[(int *)v - ledger_freed]++; }

static void test_ledger_marks_and_pins(void) {
    memset(ledger_freed, 0, sizeof ledger_freed);
    sl_version_ledger *l = sl_version_ledger_new();
    CHECK(sl_version_ledger_mark(l) == 0);
    for (int i = 0; i < 6; i++) {
        uint64_t seq = sl_version_ledger_deliver(l);
        CHECK(seq == (uint64_t)i + 1);
        sl_version_ledger_retire(l, seq, &ledger_freed[i], count_free); /* version i retired by event i+1 */
        sl_version_ledger_retire(l, seq, NULL, count_free);            /* nothing */
    }
    CHECK(sl_version_ledger_mark(l) == 6);
    uint64_t pin = sl_version_ledger_pin(l, 2); /* an in-flight bind taken at mark 2 */
    CHECK(sl_version_ledger_limit(l, 5) == 2);
    sl_version_ledger_release(l, 5); /* held back to 2 by the pin */
    CHECK(ledger_freed[0] == 1 && ledger_freed[1] == 1 && ledger_freed[2] == 0);
    sl_version_ledger_unpin(l, pin);
    CHECK(sl_version_ledger_limit(l, 5) == 5);
    sl_version_ledger_release(l, 5);
    CHECK(ledger_freed[2] == 1 && ledger_freed[4] == 1 && ledger_freed[5] == 0);
    sl_version_ledger_release(l, 3); /* an older mark frees nothing more, twice nothing */
    sl_cluster_versions v;
    sl_version_ledger_stats(l, &v);
    CHECK(v.retired == 1 && v.freed == 5);
    sl_version_ledger_free(l); /* the rest at destroy */
    for (int i = 0; i < 6; i++) CHECK_EQ_INT(ledger_freed[i], 1);
}

/* ---- a pod waiting at Permit keeps what its cycle saw ---- */

/* Permit: pods labelled wait=yes wait (60 s); every call stops the loop
 * after its cycle (sl_scheduler_run's stop flag). */
static volatile int stop_loop;
static sl_status stop_permit(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *node,
                             int64_t *timeout_ms) {
    (void)p, (void)c, (void)node;
    stop_loop = 1;
    const char *wait = k8s_map_get(&pod->pod->labels, "wait");
    if (!wait) return SL_STATUS_SUCCESS;
    *timeout_ms = 60000;
    return sl_status_make(SL_WAIT, NULL);
}
static const sl_plugin_ops stop_ops = {.name = "StopWait", .permit = stop_permit};
static const sl_plugin_registration stop_plugin = {"StopWait", &stop_ops, NULL};

static size_t retired_now(sl_cluster *c) {
    sl_cluster_versions v;
    c->ops->versions(c, &v);
    return v.retired;
}

static void test_waiting_pod_holds_its_versions(void) {
    char err[1024];
    sl_registry *registry = sl_registry_new_default();
    sl_registry_add(registry, &stop_plugin);
    const char *yaml = "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
                       "profiles:\n- schedulerName: default-scheduler\n  plugins:\n    permit:\n"
                       "      enabled: [{name: StopWait}]\n";
    json_t *doc = k8s_parse_document(yaml, strlen(yaml), "config", err, sizeof err);
    sl_config config;
    CHECK(doc && sl_config_load_json(doc, "config", registry, &config, err, sizeof err));
    json_decref(doc);
    const char *cluster_yaml =
        "---\napiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {capacity: {cpu: \"4\", pods: \"110\"}}\n"
        "---\napiVersion: v1\nkind: Node\nmetadata: {name: n2}\nstatus: {capacity: {cpu: \"4\", pods: \"110\"}}\n"
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: default, labels: {wait: \"yes\"}}\n"
        "spec: {containers: [{name: c, image: x, ports: [{containerPort: 80, hostPort: 8080}], "
        "resources: {requests: {cpu: 100m}}}]}\n";
    json_t *objs = k8s_parse_documents(cluster_yaml, strlen(cluster_yaml), "cluster", err, sizeof err);
    sl_cluster *cluster = sl_cluster_memory_new();
    CHECK(objs && sl_cluster_memory_load(cluster, objs, "cluster", err, sizeof err));
    json_decref(objs);
    sl_clock *clock = sl_clock_virtual_new(0);
    sl_scheduler_options o = {.config = &config, .registry = registry, .cluster = cluster, .seed = 1,
                              .virtual_time = true};
    sl_scheduler *s = sl_scheduler_new(&o, err, sizeof err);
    CHECK(s != NULL);
    if (!s) return;
    stop_loop = 0;
    sl_scheduler_run(s, clock, &stop_loop); /* a's cycle: it waits at Permit */
    uint32_t active, backoff, unschedulable, gated;
    sl_scheduler_pending_counts(s, &active, &backoff, &unschedulable, &gated);
    CHECK_EQ_INT(active + backoff + unschedulable, 0);

    sl_store *store = sl_cluster_store(cluster);
    const sl_resource *pods = sl_resource_get(SL_RES_PODS), *nodes = sl_resource_get(SL_RES_NODES);
    sl_store_error serr;
    annotate_args a = {"heartbeat", ""};
    for (int i = 0; i < 40; i++) { /* 80 events: more than a release batch */
        snprintf(a.value, sizeof a.value, "%d", i);
        CHECK(sl_store_update(store, pods, "default", "a", pod_status, &a, NULL, &serr) < 300);
        CHECK(sl_store_update(store, nodes, NULL, i % 2 ? "n1" : "n2", annotate, &a, NULL, &serr) < 300);
    }
    size_t held_while_waiting = retired_now(cluster);
    CHECK(held_while_waiting >= 80);
    /* another pod's cycle: a still waits, so what was superseded since
     * a's cycle started stays */
    CHECK(create_pod(store, "b", "100m", 0));
    stop_loop = 0;
    sl_scheduler_run(s, clock, &stop_loop);
    k8s_pod *b = sl_cluster_memory_find_pod(cluster, "default", "b");
    sl_pod_result r;
    CHECK(b && sl_scheduler_pod_result(s, b, &r) && r.state == SL_POD_SCHEDULED);
    CHECK(retired_now(cluster) >= held_while_waiting);
    /* a deleted while waiting: its wait ends, the next cycle releases all */
    CHECK(sl_store_delete(store, pods, "default", "a", 0, NULL, NULL, &serr) < 300);
    CHECK(create_pod(store, "c", "100m", 0));
    stop_loop = 0;
    sl_scheduler_run(s, clock, &stop_loop);
    sl_scheduler_run_until_quiescent(s); /* idle: releases */
    size_t after = retired_now(cluster);
    printf("  superseded versions held: %zu while a waits, %zu once it is gone\n", held_while_waiting, after);
    CHECK(after < 5);
    sl_scheduler_free(s);
    cluster->ops->destroy(cluster);
    sl_clock_free(clock);
    sl_config_free(&config);
    sl_registry_free(registry);
}
#endif

int main(void) {
    log_set_level(SL_LOG_WARN);
    RUN(test_churn_stays_bounded);
#ifndef RETENTION_RSS_ONLY
    RUN(test_ledger_marks_and_pins);
    RUN(test_waiting_pod_holds_its_versions);
#endif
    return test_summary("retention");
}
