/* Unit tests of the scheduler cache and snapshots (cache.c): resource sums,
 * ports, affinity lists, images, assumed pods, pods before their node, zone
 * interleaving, incremental snapshot updates, dry-run node-info copies, and
 * a 5,000-node update-rate check. */
#include "scheduler/cache.h"
#include "test.h"

/* Dry-run copies live in memory the caller provides (a cycle's arenas in
 * the scheduler): here an arena of the test's own. */
static arena cycle_memory;
static void *test_alloc(void *ctx, size_t size) { return arena_alloc(ctx, size); }

static json_t *doc(const char *yaml) {
    char err[512];
    json_t *v = k8s_parse_document(yaml, strlen(yaml), "t", err, sizeof(err));
    if (!v) fprintf(stderr, "%s\n", err);
    return v;
}

static k8s_node *make_node(const char *name, const char *zone, const char *extra) {
    char yaml[1024], err[512];
    snprintf(yaml, sizeof(yaml),
             "kind: Node\nmetadata:\n  name: %s\n  labels: {%s%s}\n"
             "status:\n  capacity: {cpu: 4, memory: 8Gi, pods: 110}\n%s",
             name, zone ? "topology.kubernetes.io/zone: " : "", zone ? zone : "", extra ? extra : "");
    json_t *v = doc(yaml);
    k8s_node *n = k8s_node_decode(v, "t", err, sizeof(err));
    if (!n) fprintf(stderr, "%s\n", err);
    json_decref(v);
    return n;
}

static k8s_pod *make_pod(const char *name, const char *node, const char *spec_extra) {
    char yaml[2048], err[512];
    snprintf(yaml, sizeof(yaml),
             "kind: Pod\nmetadata: {name: %s, namespace: ns}\nspec:\n  nodeName: '%s'\n"
             "  containers:\n  - name: c\n    resources: {requests: {cpu: 100m, memory: 1Gi}}\n%s",
             name, node ? node : "", spec_extra ? spec_extra : "");
    json_t *v = doc(yaml);
    k8s_pod *p = k8s_pod_decode(v, "t", err, sizeof(err));
    if (!p) fprintf(stderr, "%s\n", err);
    json_decref(v);
    return p;
}

static const char *name_at(const sl_snapshot *s, uint32_t i) {
    return sl_snapshot_nodes(s)[i]->node->name;
}

TEST(zone_interleaving_and_indices) {
    sl_cache *cache = sl_cache_new();
    sl_snapshot *snap = sl_snapshot_new();
    k8s_node *n[6] = {make_node("n1", "a", NULL), make_node("n2", "a", NULL),
                      make_node("n3", "b", NULL), make_node("n4", NULL, NULL),
                      make_node("n5", "b", NULL), make_node("n6", "a", NULL)};
    for (int i = 0; i < 6; i++) sl_cache_add_node(cache, n[i]);
    CHECK_EQ_INT(sl_cache_num_nodes(cache), 6);
    sl_cache_update_snapshot(cache, snap);
    CHECK_EQ_INT(sl_snapshot_num_nodes(snap), 6);
    const char *want[] = {"n1", "n3", "n4", "n2", "n5", "n6"};
    for (uint32_t i = 0; i < 6; i++) {
        CHECK_EQ_STR(name_at(snap, i), want[i]);
        CHECK_EQ_INT(sl_snapshot_nodes(snap)[i]->index, i);
    }
    CHECK(sl_snapshot_node(snap, "n5") == sl_snapshot_nodes(snap)[4]);
    CHECK(sl_snapshot_node(snap, "zz") == NULL);

    /* n3 moves to zone a: removed from b, appended to a */
    k8s_node *moved = make_node("n3", "a", NULL);
    sl_cache_update_node(cache, n[2], moved);
    sl_cache_update_snapshot(cache, snap);
    const char *want2[] = {"n1", "n5", "n4", "n2", "n6", "n3"};
    for (uint32_t i = 0; i < 6; i++) CHECK_EQ_STR(name_at(snap, i), want2[i]);

    /* removing the only node of zone "" drops the zone */
    sl_cache_remove_node(cache, n[3]);
    sl_cache_update_snapshot(cache, snap);
    CHECK_EQ_INT(sl_snapshot_num_nodes(snap), 5);
    CHECK(sl_snapshot_node(snap, "n4") == NULL);
    const char *want3[] = {"n1", "n5", "n2", "n6", "n3"};
    for (uint32_t i = 0; i < 5; i++) {
        CHECK_EQ_STR(name_at(snap, i), want3[i]);
        CHECK_EQ_INT(sl_snapshot_nodes(snap)[i]->index, i);
    }
    sl_snapshot_free(snap);
    sl_cache_free(cache);
    for (int i = 0; i < 6; i++) k8s_node_free(n[i]);
    k8s_node_free(moved);
}

static k8s_node *labelled_node(const char *name, const char *labels) {
    char yaml[1024], err[512];
    snprintf(yaml, sizeof(yaml),
             "kind: Node\nmetadata:\n  name: %s\n  labels: {%s}\n"
             "status:\n  capacity: {cpu: 4, memory: 8Gi, pods: 110}\n",
             name, labels);
    json_t *v = doc(yaml);
    k8s_node *n = k8s_node_decode(v, "t", err, sizeof(err));
    if (!n) fprintf(stderr, "%s\n", err);
    json_decref(v);
    return n;
}

/* upstream GetZoneKey: the failure-domain.beta labels first (present, even
 * empty, they win), topology.kubernetes.io only when they are absent. */
TEST(zone_key_prefers_beta_labels) {
    sl_cache *cache = sl_cache_new();
    sl_snapshot *snap = sl_snapshot_new();
#define TOPO "topology.kubernetes.io/zone: "
#define BETA "failure-domain.beta.kubernetes.io/zone: "
    k8s_node *n[] = {
        labelled_node("a1", TOPO "a, " BETA "x"),
        labelled_node("a2", TOPO "a, " BETA "y"),
        labelled_node("b1", TOPO "b"),
        labelled_node("x2", BETA "x"),
        labelled_node("n0", ""),
        labelled_node("c1", TOPO "c, " BETA "''"),
        labelled_node("c2", TOPO "c"),
        labelled_node("r1", "topology.kubernetes.io/region: r, "
                            "failure-domain.beta.kubernetes.io/region: s, " TOPO "c"),
    };
#undef TOPO
#undef BETA
    for (size_t i = 0; i < ARRAY_LEN(n); i++) sl_cache_add_node(cache, n[i]);
    sl_cache_update_snapshot(cache, snap);
    /* zones by first appearance: x [a1 x2], y [a2], b [b1], "" [n0 c1],
     * c [c2], s:c [r1] — interleaved round by round */
    const char *want[] = {"a1", "a2", "b1", "n0", "c2", "r1", "x2", "c1"};
    CHECK_EQ_INT(sl_snapshot_num_nodes(snap), ARRAY_LEN(want));
    for (uint32_t i = 0; i < ARRAY_LEN(want); i++) CHECK_EQ_STR(name_at(snap, i), want[i]);
    sl_snapshot_free(snap);
    sl_cache_free(cache);
    for (size_t i = 0; i < ARRAY_LEN(n); i++) k8s_node_free(n[i]);
}

TEST(pods_resources_ports_and_affinity) {
    sl_cache *cache = sl_cache_new();
    sl_snapshot *snap = sl_snapshot_new();
    k8s_node *node = make_node("n1", "a", NULL);
    sl_cache_add_node(cache, node);
    k8s_pod *p1 = make_pod("p1", "n1",
                           "  - name: d\n    ports: [{containerPort: 80, hostPort: 8080}, "
                           "{containerPort: 53, hostPort: 53, protocol: UDP, hostIP: 10.0.0.1}]\n"
                           "    resources: {requests: {example.com/gpu: 2}}\n"
                           "  initContainers:\n"
                           "  - {name: side, restartPolicy: Always, ports: [{containerPort: 9, hostPort: 9000}]}\n"
                           "  - {name: once, ports: [{containerPort: 9, hostPort: 9001}]}\n");
    k8s_pod *p2 = make_pod("p2", "n1",
                           "  affinity:\n    podAntiAffinity:\n"
                           "      requiredDuringSchedulingIgnoredDuringExecution:\n"
                           "      - {labelSelector: {}, topologyKey: zone}\n");
    k8s_pod *p3 = make_pod("p3", "n1",
                           "  affinity:\n    podAffinity:\n"
                           "      preferredDuringSchedulingIgnoredDuringExecution:\n"
                           "      - {weight: 1, podAffinityTerm: {labelSelector: {}, topologyKey: zone}}\n");
    sl_cache_add_pod(cache, sl_pod_info_new(p1));
    sl_cache_add_pod(cache, sl_pod_info_new(p2));
    sl_cache_add_pod(cache, sl_pod_info_new(p3));
    sl_cache_update_snapshot(cache, snap);
    const sl_node_info *n = sl_snapshot_node(snap, "n1");
    CHECK(n != NULL);
    if (!n) return;
    CHECK_EQ_INT(n->npods, 3);
    CHECK_EQ_INT(n->requested.milli_cpu, 300);
    CHECK_EQ_INT(n->requested.memory, 3LL << 30);
    CHECK_EQ_INT(k8s_resources_get(&n->requested, "example.com/gpu"), 2);
    /* container d and the sidecar ask for no cpu/memory: the non-zero view
     * counts 100m / 200Mi each (the plain init container, 200m with the
     * sidecar, stays below the app + sidecar sum) */
    CHECK_EQ_INT(n->non_zero_milli_cpu, 500);
    CHECK_EQ_INT(n->non_zero_memory, (3LL << 30) + (400LL << 20));
    CHECK_EQ_INT(n->nused_ports, 3); /* the sidecar's port counts, the init container's not */
    CHECK_EQ_INT(n->used_ports[2].port, 9000);
    CHECK_EQ_STR(n->used_ports[0].protocol, "TCP");
    CHECK_EQ_STR(n->used_ports[0].host_ip, "0.0.0.0");
    CHECK_EQ_INT(n->used_ports[0].port, 8080);
    CHECK_EQ_STR(n->used_ports[1].protocol, "UDP");
    CHECK_EQ_STR(n->used_ports[1].host_ip, "10.0.0.1");
    CHECK_EQ_INT(n->npods_with_affinity, 2);
    CHECK_EQ_INT(n->npods_with_required_anti_affinity, 1);
    uint32_t count;
    sl_snapshot_nodes_with_affinity(snap, &count);
    CHECK_EQ_INT(count, 1);
    sl_snapshot_nodes_with_required_anti_affinity(snap, &count);
    CHECK_EQ_INT(count, 1);
    CHECK(sl_cache_find_pod(cache, p1) != NULL);

    sl_cache_remove_pod(cache, p1);
    sl_cache_remove_pod(cache, p2);
    sl_cache_update_snapshot(cache, snap);
    n = sl_snapshot_node(snap, "n1");
    CHECK_EQ_INT(n->npods, 1);
    CHECK_EQ_INT(n->requested.milli_cpu, 100);
    CHECK_EQ_INT(k8s_resources_get(&n->requested, "example.com/gpu"), 0);
    CHECK_EQ_INT(n->nused_ports, 0);
    CHECK_EQ_INT(n->npods_with_required_anti_affinity, 0);
    sl_snapshot_nodes_with_required_anti_affinity(snap, &count);
    CHECK_EQ_INT(count, 0);
    sl_snapshot_nodes_with_affinity(snap, &count);
    CHECK_EQ_INT(count, 1);
    CHECK(sl_cache_find_pod(cache, p1) == NULL);
    sl_snapshot_free(snap);
    sl_cache_free(cache);
    k8s_node_free(node);
    k8s_pod_free(p1);
    k8s_pod_free(p2);
    k8s_pod_free(p3);
}

TEST(assume_forget_confirm) {
    sl_cache *cache = sl_cache_new();
    sl_snapshot *snap = sl_snapshot_new();
    k8s_node *node = make_node("n1", NULL, NULL);
    sl_cache_add_node(cache, node);
    k8s_pod *pod = make_pod("p", NULL, NULL);
    sl_pod_info *queued = sl_pod_info_new(pod);
    sl_cache_assume_pod(cache, queued, "n1");
    CHECK(sl_cache_is_assumed(cache, pod));
    CHECK(sl_cache_find_pod(cache, pod) == queued);
    sl_cache_update_snapshot(cache, snap);
    CHECK_EQ_INT(sl_snapshot_node(snap, "n1")->npods, 1);
    CHECK_EQ_INT(sl_snapshot_node(snap, "n1")->requested.milli_cpu, 100);
    sl_cache_forget_pod(cache, queued);
    CHECK(!sl_cache_is_assumed(cache, pod));
    CHECK(sl_cache_find_pod(cache, pod) == NULL);
    sl_cache_update_snapshot(cache, snap);
    CHECK_EQ_INT(sl_snapshot_node(snap, "n1")->npods, 0);
    CHECK_EQ_INT(sl_snapshot_node(snap, "n1")->requested.milli_cpu, 0);

    /* assume, then the bind comes back as MODIFIED with nodeName set in place */
    sl_cache_assume_pod(cache, queued, "n1");
    pod->node_name = "n1";
    sl_cache_update_pod(cache, pod, pod);
    CHECK(!sl_cache_is_assumed(cache, pod));
    sl_pod_info *own = sl_cache_find_pod(cache, pod);
    CHECK(own != NULL && own != queued);
    sl_pod_info_free(queued); /* the queue may drop its info now */
    sl_cache_update_snapshot(cache, snap);
    const sl_node_info *n = sl_snapshot_node(snap, "n1");
    CHECK_EQ_INT(n->npods, 1);
    CHECK(n->pods[0] == own);
    CHECK_EQ_INT(n->requested.milli_cpu, 100);
    /* forgetting a confirmed pod does nothing */
    sl_cache_forget_pod(cache, own);
    CHECK(sl_cache_find_pod(cache, pod) == own);
    /* an update without a node unassigns */
    pod->node_name = "";
    sl_cache_update_pod(cache, pod, pod);
    CHECK(sl_cache_find_pod(cache, pod) == NULL);
    sl_cache_update_snapshot(cache, snap);
    CHECK_EQ_INT(sl_snapshot_node(snap, "n1")->npods, 0);
    sl_snapshot_free(snap);
    sl_cache_free(cache);
    k8s_node_free(node);
    k8s_pod_free(pod);
}

TEST(pods_before_their_node) {
    sl_cache *cache = sl_cache_new();
    sl_snapshot *snap = sl_snapshot_new();
    k8s_pod *pod = make_pod("early", "late-node", NULL);
    sl_cache_add_pod(cache, sl_pod_info_new(pod));
    sl_cache_update_snapshot(cache, snap);
    CHECK_EQ_INT(sl_cache_num_nodes(cache), 0);
    CHECK_EQ_INT(sl_snapshot_num_nodes(snap), 0);
    k8s_node *node = make_node("late-node", NULL, NULL);
    sl_cache_add_node(cache, node);
    sl_cache_update_snapshot(cache, snap);
    CHECK_EQ_INT(sl_snapshot_num_nodes(snap), 1);
    CHECK_EQ_INT(sl_snapshot_node(snap, "late-node")->npods, 1);
    /* the node goes away; its pod stays in the cache and returns with it */
    sl_cache_remove_node(cache, node);
    sl_cache_update_snapshot(cache, snap);
    CHECK_EQ_INT(sl_snapshot_num_nodes(snap), 0);
    CHECK(sl_cache_find_pod(cache, pod) != NULL);
    sl_cache_add_node(cache, node);
    sl_cache_update_snapshot(cache, snap);
    CHECK_EQ_INT(sl_snapshot_node(snap, "late-node")->npods, 1);
    sl_cache_remove_pod(cache, pod);
    sl_cache_remove_node(cache, node);
    sl_cache_update_snapshot(cache, snap);
    CHECK_EQ_INT(sl_snapshot_num_nodes(snap), 0);
    sl_snapshot_free(snap);
    sl_cache_free(cache);
    k8s_node_free(node);
    k8s_pod_free(pod);
}

TEST(image_states) {
    sl_cache *cache = sl_cache_new();
    sl_snapshot *snap = sl_snapshot_new();
    k8s_node *n1 = make_node("n1", NULL,
                             "  images:\n  - {names: ['nginx:1.25', nginx:1.25], sizeBytes: 100}\n"
                             "  - {names: [busybox], sizeBytes: 5}\n");
    k8s_node *n2 = make_node("n2", NULL, "  images:\n  - {names: ['nginx:1.25'], sizeBytes: 100}\n");
    sl_cache_add_node(cache, n1);
    sl_cache_add_node(cache, n2);
    sl_cache_update_snapshot(cache, snap);
    const sl_image_state *nginx = sl_snapshot_image(snap, "nginx:1.25");
    CHECK(nginx && nginx->num_nodes == 2 && nginx->size_bytes == 100);
    const sl_image_state *busybox = sl_snapshot_image(snap, "busybox:latest");
    CHECK(busybox && busybox->num_nodes == 1);
    CHECK(sl_snapshot_image(snap, "busybox") == NULL);
    const sl_node_info *info = sl_snapshot_node(snap, "n1");
    CHECK_EQ_INT(info->nimages, 2);
    CHECK_EQ_STR(info->images[0]->name, "busybox:latest"); /* sorted */
    CHECK_EQ_STR(info->images[1]->name, "nginx:1.25");
    sl_cache_remove_node(cache, n2);
    sl_cache_update_snapshot(cache, snap);
    CHECK_EQ_INT(sl_snapshot_image(snap, "nginx:1.25")->num_nodes, 1);
    sl_cache_remove_node(cache, n1);
    sl_cache_update_snapshot(cache, snap);
    CHECK(sl_snapshot_image(snap, "nginx:1.25") == NULL);
    sl_snapshot_free(snap);
    sl_cache_free(cache);
    k8s_node_free(n1);
    k8s_node_free(n2);
}

TEST(incremental_snapshot_copies_only_changes) {
    sl_cache *cache = sl_cache_new();
    sl_snapshot *snap = sl_snapshot_new();
    k8s_node *nodes[10];
    for (int i = 0; i < 10; i++) {
        char name[16];
        snprintf(name, sizeof(name), "n%d", i);
        nodes[i] = make_node(name, i % 2 ? "a" : "b", NULL);
        sl_cache_add_node(cache, nodes[i]);
    }
    sl_cache_update_snapshot(cache, snap);
    uint64_t before[10];
    for (int i = 0; i < 10; i++) before[i] = sl_snapshot_nodes(snap)[i]->generation;
    sl_node_info *n3 = (sl_node_info *)sl_snapshot_node(snap, "n3");
    k8s_pod *pod = make_pod("p", "n3", NULL);
    sl_cache_add_pod(cache, sl_pod_info_new(pod));
    sl_cache_update_snapshot(cache, snap);
    int changed = 0;
    for (int i = 0; i < 10; i++) changed += sl_snapshot_nodes(snap)[i]->generation != before[i];
    CHECK_EQ_INT(changed, 1);
    CHECK(sl_snapshot_node(snap, "n3") == n3); /* same object, updated in place */
    CHECK_EQ_INT(n3->npods, 1);
    /* a second snapshot built from scratch sees the same state */
    sl_snapshot *fresh = sl_snapshot_new();
    sl_cache_update_snapshot(cache, fresh);
    CHECK_EQ_INT(sl_snapshot_num_nodes(fresh), 10);
    CHECK_EQ_INT(sl_snapshot_node(fresh, "n3")->npods, 1);
    for (uint32_t i = 0; i < 10; i++) CHECK_EQ_STR(name_at(fresh, i), name_at(snap, i));
    /* nothing changed: nothing copied */
    sl_cache_update_snapshot(cache, snap);
    CHECK_EQ_INT(n3->npods, 1);
    sl_snapshot_free(fresh);
    sl_snapshot_free(snap);
    sl_cache_free(cache);
    for (int i = 0; i < 10; i++) k8s_node_free(nodes[i]);
    k8s_pod_free(pod);
}

TEST(dry_run_copies) {
    sl_cache *cache = sl_cache_new();
    sl_snapshot *snap = sl_snapshot_new();
    k8s_node *node = make_node("n1", NULL, NULL);
    sl_cache_add_node(cache, node);
    k8s_pod *victim = make_pod("victim", "n1",
                               "  - name: d\n    ports: [{containerPort: 80, hostPort: 80}]\n");
    k8s_pod *other = make_pod("other", "n1", NULL);
    sl_cache_add_pod(cache, sl_pod_info_new(victim));
    sl_cache_add_pod(cache, sl_pod_info_new(other));
    sl_cache_update_snapshot(cache, snap);
    const sl_node_info *orig = sl_snapshot_node(snap, "n1");
    sl_node_info *copy = sl_node_info_copy(orig, test_alloc, &cycle_memory);
    sl_pod_info *victim_info = sl_cache_find_pod(cache, victim);
    sl_node_info_copy_remove_pod(copy, victim_info, test_alloc, &cycle_memory);
    CHECK_EQ_INT(copy->npods, 1);
    CHECK_EQ_INT(copy->requested.milli_cpu, 100);
    CHECK_EQ_INT(copy->nused_ports, 0);
    CHECK_EQ_INT(orig->npods, 2);
    CHECK_EQ_INT(orig->requested.milli_cpu, 200);
    CHECK_EQ_INT(orig->nused_ports, 1);
    k8s_pod *incoming = make_pod("incoming", NULL,
                                 "  - name: g\n    resources: {requests: {example.com/gpu: 1}}\n");
    sl_pod_info *incoming_info = sl_pod_info_new(incoming);
    for (int i = 0; i < 20; i++) sl_node_info_copy_add_pod(copy, incoming_info, test_alloc, &cycle_memory);
    CHECK_EQ_INT(copy->npods, 21);
    CHECK_EQ_INT(k8s_resources_get(&copy->requested, "example.com/gpu"), 20);
    CHECK_EQ_INT(orig->npods, 2);
    CHECK_EQ_INT(k8s_resources_get(&orig->requested, "example.com/gpu"), 0);
    sl_node_info_copy_remove_pod(copy, incoming_info, test_alloc, &cycle_memory);
    CHECK_EQ_INT(copy->npods, 20);
    sl_pod_info_free(incoming_info);
    k8s_pod_free(incoming);
    arena_reset(&cycle_memory);
    sl_snapshot_free(snap);
    sl_cache_free(cache);
    k8s_node_free(node);
    k8s_pod_free(victim);
    k8s_pod_free(other);
}

/* The performance target needs a per-cycle snapshot update that does not
 * grow with the cluster: 20,000 assume + update rounds on 5,000 nodes. */
TEST(snapshot_update_rate_on_5000_nodes) {
    enum { NODES = 5000, ROUNDS = 20000 };
    sl_cache *cache = sl_cache_new();
    sl_snapshot *snap = sl_snapshot_new();
    k8s_node **nodes = xcalloc(NODES, sizeof(*nodes));
    for (int i = 0; i < NODES; i++) {
        char name[32], zone[8];
        snprintf(name, sizeof(name), "node-%05d", i);
        snprintf(zone, sizeof(zone), "z%d", i % 3);
        nodes[i] = make_node(name, zone, NULL);
        sl_cache_add_node(cache, nodes[i]);
    }
    sl_cache_update_snapshot(cache, snap);
    k8s_pod *pod = make_pod("template", NULL, NULL);
    sl_pod_info **infos = xcalloc(ROUNDS, sizeof(*infos));
    /* distinct names so every assume is a new pod */
    k8s_pod **pods = xcalloc(ROUNDS, sizeof(*pods));
    for (int i = 0; i < ROUNDS; i++) {
        char name[32];
        snprintf(name, sizeof(name), "p-%d", i);
        pods[i] = make_pod(name, NULL, NULL);
        infos[i] = sl_pod_info_new(pods[i]);
    }
    int64_t start = time_now_ns();
    for (int i = 0; i < ROUNDS; i++) {
        sl_cache_update_snapshot(cache, snap);
        sl_cache_assume_pod(cache, infos[i], name_at(snap, (uint32_t)(i * 7919) % NODES));
    }
    sl_cache_update_snapshot(cache, snap);
    double seconds = (double)(time_now_ns() - start) / 1e9;
    printf("snapshot: %d assume+update rounds on %d nodes in %.3f s (%.0f/s)\n", ROUNDS, NODES,
           seconds, ROUNDS / seconds);
    CHECK(seconds < 2.0); /* ~0.02 s here; the bound only catches O(nodes) regressions */
    int64_t total = 0;
    for (uint32_t i = 0; i < sl_snapshot_num_nodes(snap); i++) total += sl_snapshot_nodes(snap)[i]->npods;
    CHECK_EQ_INT(total, ROUNDS);
    for (int i = 0; i < ROUNDS; i++) sl_cache_forget_pod(cache, infos[i]);
    sl_cache_update_snapshot(cache, snap);
    total = 0;
    for (uint32_t i = 0; i < sl_snapshot_num_nodes(snap); i++) total += sl_snapshot_nodes(snap)[i]->npods;
    CHECK_EQ_INT(total, 0);
    sl_snapshot_free(snap);
    sl_cache_free(cache);
    for (int i = 0; i < ROUNDS; i++) {
        sl_pod_info_free(infos[i]);
        k8s_pod_free(pods[i]);
    }
    for (int i = 0; i < NODES; i++) k8s_node_free(nodes[i]);
    free(infos);
    free(pods);
    free(nodes);
    k8s_pod_free(pod);
}

static json_t *obj_json(const char *text) {
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    if (!v) abort();
    return v;
}

TEST(pdbs_are_decoded_once_and_shared_with_snapshots) {
    sl_cache *cache = sl_cache_new();
    sl_snapshot *old = sl_snapshot_new(), *snap = sl_snapshot_new();
    json_t *v1 = obj_json("{\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\"},\"spec\":{\"selector\":"
                          "{\"matchLabels\":{\"app\":\"db\"}}},\"status\":{\"disruptionsAllowed\":2,"
                          "\"disruptedPods\":{\"db-0\":\"2024-01-01T00:00:00Z\"}}}");
    sl_cache_set_object(cache, SL_CACHE_PDB, v1);
    json_decref(v1);   /* decoded: the JSON is not kept */
    sl_cache_update_snapshot(cache, old);
    uint32_t n;
    const sl_pdb *const *pdbs = sl_snapshot_pdbs(old, &n);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_STR(pdbs[0]->namespace_, "ns");
    CHECK_EQ_STR(pdbs[0]->name, "p");
    CHECK_EQ_INT(pdbs[0]->disruptions_allowed, 2);
    CHECK(pdbs[0]->selector.present);
    CHECK_EQ_INT(pdbs[0]->selector.nreqs, 1);
    CHECK(k8s_map_get(&pdbs[0]->disrupted_pods, "db-0") != NULL);
    const sl_pdb *first = pdbs[0];

    /* MODIFIED replaces it; a Service of the same name is another object. */
    json_t *v2 = obj_json("{\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\"},\"spec\":{},"
                          "\"status\":{\"disruptionsAllowed\":0}}");
    sl_cache_set_object(cache, SL_CACHE_PDB, v2);
    json_decref(v2);
    json_t *svc = obj_json("{\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\"},\"spec\":{\"selector\":{\"a\":\"b\"}}}");
    sl_cache_set_object(cache, SL_CACHE_SERVICE, svc);
    json_decref(svc);
    sl_cache_update_snapshot(cache, snap);
    pdbs = sl_snapshot_pdbs(snap, &n);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(pdbs[0]->disruptions_allowed, 0);
    CHECK(!pdbs[0]->selector.present);
    /* The older snapshot still holds the first version. */
    CHECK_EQ_INT(first->disruptions_allowed, 2);

    sl_cache_remove_object(cache, SL_CACHE_PDB, "ns", "p");
    sl_cache_remove_object(cache, SL_CACHE_PDB, "ns", "absent");
    sl_cache_update_snapshot(cache, snap);
    sl_snapshot_pdbs(snap, &n);
    CHECK_EQ_INT(n, 0);
    sl_cache_free(cache);   /* snapshots keep their references */
    CHECK_EQ_INT(first->disruptions_allowed, 2);
    sl_snapshot_free(old);
    sl_snapshot_free(snap);
}

int main(void) {
    arena_init(&cycle_memory, 4096);
    RUN(zone_interleaving_and_indices);
    RUN(zone_key_prefers_beta_labels);
    RUN(pods_resources_ports_and_affinity);
    RUN(assume_forget_confirm);
    RUN(pods_before_their_node);
    RUN(image_states);
    RUN(incremental_snapshot_copies_only_changes);
    RUN(dry_run_copies);
    RUN(snapshot_update_rate_on_5000_nodes);
    RUN(pdbs_are_decoded_once_and_shared_with_snapshots);
    arena_free(&cycle_memory);
    return test_summary("cache");
}
