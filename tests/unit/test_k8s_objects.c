/* Unit tests of Pod and Node decoding (pod.c, node.c): every field of the
 * typed views, defaults, unknown fields surviving in `raw`, error messages
 * naming origin, object and field path, the PodRequests formulas (init
 * containers, sidecars, overhead, limits as requests), non-zero requests and
 * image-name normalisation. */
#include "k8s/k8s.h"
#include "test.h"

static json_t *doc(const char *yaml) {
    char err[512];
    json_t *v = k8s_parse_document(yaml, strlen(yaml), "t", err, sizeof(err));
    if (!v) fprintf(stderr, "%s\n", err);
    return v;
}

static k8s_pod *pod_of(const char *yaml) {
    char err[1024];
    json_t *v = doc(yaml);
    k8s_pod *p = k8s_pod_decode(v, "pods.yaml", err, sizeof(err));
    if (!p) fprintf(stderr, "%s\n", err);
    json_decref(v);
    return p;
}

static const char *pod_error(const char *yaml) {
    static char err[1024];
    json_t *v = doc(yaml);
    k8s_pod *p = k8s_pod_decode(v, "pods.yaml", err, sizeof(err));
    json_decref(v);
    if (p) {
        k8s_pod_free(p);
        return "(ok)";
    }
    return err;
}

static const char full_pod[] =
    "apiVersion: v1\n"
    "kind: Pod\n"
    "metadata:\n"
    "  name: web-1\n"
    "  namespace: shop\n"
    "  uid: u-1\n"
    "  labels: {app: web, tier: front}\n"
    "  annotations: {note: hi}\n"
    "  creationTimestamp: '2024-01-02T03:04:05Z'\n"
    "  ownerReferences: [{kind: ReplicaSet, name: web-rs, uid: rs-1, controller: true}]\n"
    "  futureField: {kept: yes}\n"
    "spec:\n"
    "  schedulerName: my-scheduler\n"
    "  priorityClassName: high\n"
    "  priority: 1000\n"
    "  preemptionPolicy: Never\n"
    "  nodeSelector: {disk: ssd}\n"
    "  containers:\n"
    "  - name: app\n"
    "    image: nginx\n"
    "    resources:\n"
    "      requests: {cpu: 250m, memory: 64Mi, nvidia.com/gpu: 1}\n"
    "      limits: {cpu: 1, memory: 128Mi, example.com/dongle: 2}\n"
    "    ports:\n"
    "    - {containerPort: 80, hostPort: 8080}\n"
    "    - {containerPort: 53, protocol: UDP, hostIP: 10.0.0.1}\n"
    "  initContainers:\n"
    "  - name: init\n"
    "    image: busybox:1.36\n"
    "    resources: {requests: {cpu: 2}}\n"
    "  - name: proxy\n"
    "    image: envoy@sha256:abc\n"
    "    restartPolicy: Always\n"
    "    resources: {requests: {cpu: 100m}}\n"
    "  overhead: {cpu: 10m, memory: 1Mi}\n"
    "  tolerations:\n"
    "  - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}\n"
    "  - {operator: Exists}\n"
    "  - {key: t, operator: Exists, effect: NoExecute, tolerationSeconds: 30}\n"
    "  affinity:\n"
    "    nodeAffinity:\n"
    "      requiredDuringSchedulingIgnoredDuringExecution:\n"
    "        nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a, b]}]}]\n"
    "    podAffinity:\n"
    "      preferredDuringSchedulingIgnoredDuringExecution:\n"
    "      - weight: 10\n"
    "        podAffinityTerm: {labelSelector: {matchLabels: {app: db}}, topologyKey: zone}\n"
    "    podAntiAffinity:\n"
    "      requiredDuringSchedulingIgnoredDuringExecution:\n"
    "      - labelSelector: {matchLabels: {app: web}}\n"
    "        topologyKey: kubernetes.io/hostname\n"
    "        namespaces: [shop]\n"
    "        namespaceSelector: {}\n"
    "        matchLabelKeys: [pod-template-hash]\n"
    "  topologySpreadConstraints:\n"
    "  - maxSkew: 2\n"
    "    topologyKey: zone\n"
    "    whenUnsatisfiable: DoNotSchedule\n"
    "    labelSelector: {matchLabels: {app: web}}\n"
    "    minDomains: 3\n"
    "    nodeAffinityPolicy: Ignore\n"
    "    nodeTaintsPolicy: Honor\n"
    "    matchLabelKeys: [pod-template-hash]\n"
    "  - {maxSkew: 1, topologyKey: host, whenUnsatisfiable: ScheduleAnyway}\n"
    "  schedulingGates: [{name: wait}]\n"
    "status:\n"
    "  phase: Pending\n"
    "  nominatedNodeName: n3\n"
    "  startTime: '2024-01-02T03:04:06.5+01:00'\n";

TEST(full_pod_decode) {
    k8s_pod *p = pod_of(full_pod);
    CHECK(p != NULL);
    if (!p) return;
    CHECK_EQ_STR(p->namespace_, "shop");
    CHECK_EQ_STR(p->name, "web-1");
    CHECK_EQ_STR(p->uid, "u-1");
    CHECK_EQ_STR(k8s_map_get(&p->labels, "app"), "web");
    CHECK_EQ_STR(k8s_map_get(&p->labels, "tier"), "front");
    CHECK(k8s_map_get(&p->labels, "nope") == NULL);
    CHECK_EQ_STR(k8s_map_get(&p->annotations, "note"), "hi");
    CHECK_EQ_INT(p->creation_ns, 1704164645LL * 1000000000LL);
    CHECK(!p->deleting);
    CHECK_EQ_INT(p->nowners, 1);
    CHECK_EQ_STR(p->owners[0].kind, "ReplicaSet");
    CHECK(p->owners[0].controller);
    CHECK_EQ_STR(p->node_name, "");
    CHECK_EQ_STR(p->scheduler_name, "my-scheduler");
    CHECK_EQ_STR(p->priority_class_name, "high");
    CHECK_EQ_INT(p->priority, 1000);
    CHECK(p->preempt_never);
    CHECK_EQ_INT(p->ncontainers, 1);
    const k8s_container *c = &p->containers[0];
    CHECK_EQ_STR(c->name, "app");
    CHECK_EQ_STR(c->image, "nginx");
    CHECK_EQ_INT(c->requests.milli_cpu, 250);
    CHECK_EQ_INT(c->requests.memory, 64 << 20);
    CHECK_EQ_INT(k8s_resources_get(&c->requests, "nvidia.com/gpu"), 1);
    /* limits without requests become requests */
    CHECK_EQ_INT(k8s_resources_get(&c->requests, "example.com/dongle"), 2);
    CHECK_EQ_INT(c->limits.milli_cpu, 1000);
    CHECK_EQ_INT(c->nports, 2);
    CHECK_EQ_INT(c->ports[0].host_port, 8080);
    CHECK_EQ_STR(c->ports[0].protocol, "TCP");
    CHECK_EQ_STR(c->ports[0].host_ip, "");
    CHECK_EQ_STR(c->ports[1].protocol, "UDP");
    CHECK_EQ_STR(c->ports[1].host_ip, "10.0.0.1");
    CHECK_EQ_INT(p->ninit_containers, 2);
    CHECK(!p->init_containers[0].restart_always);
    CHECK(p->init_containers[1].restart_always);
    CHECK_EQ_INT(p->overhead.milli_cpu, 10);
    CHECK_EQ_STR(k8s_map_get(&p->node_selector, "disk"), "ssd");
    CHECK(p->node_affinity && p->node_affinity->has_required);
    CHECK_EQ_INT(p->node_affinity->required.terms[0].match_expressions[0].nvalues, 2);
    CHECK(p->pod_affinity && p->pod_affinity->npreferred == 1);
    CHECK_EQ_INT(p->pod_affinity->preferred[0].weight, 10);
    CHECK_EQ_STR(p->pod_affinity->preferred[0].term.topology_key, "zone");
    CHECK(p->pod_anti_affinity && p->pod_anti_affinity->nrequired == 1);
    const k8s_pod_affinity_term *t = &p->pod_anti_affinity->required[0];
    CHECK(t->label_selector.present);
    CHECK(t->namespace_selector.present && t->namespace_selector.nreqs == 0);
    CHECK_EQ_INT(t->nnamespaces, 1);
    CHECK_EQ_INT(t->nmatch_label_keys, 1);
    CHECK_EQ_INT(p->ntolerations, 3);
    CHECK(!p->tolerations[0].op_exists);
    CHECK_EQ_INT(p->tolerations[0].effect, K8S_EFFECT_NO_SCHEDULE);
    CHECK(p->tolerations[1].op_exists);
    CHECK_EQ_STR(p->tolerations[1].key, "");
    CHECK_EQ_INT(p->tolerations[1].effect, K8S_EFFECT_ALL);
    CHECK(p->tolerations[2].has_seconds);
    CHECK_EQ_INT(p->tolerations[2].seconds, 30);
    CHECK_EQ_INT(p->nspread, 2);
    CHECK_EQ_INT(p->spread[0].max_skew, 2);
    CHECK(p->spread[0].do_not_schedule);
    CHECK_EQ_INT(p->spread[0].min_domains, 3);
    CHECK(p->spread[0].node_affinity_policy_ignore);
    CHECK(p->spread[0].node_taints_policy_honor);
    CHECK_EQ_INT(p->spread[0].nmatch_label_keys, 1);
    CHECK(!p->spread[1].do_not_schedule);
    CHECK(!p->spread[1].label_selector.present);
    CHECK_EQ_INT(p->spread[1].min_domains, 0);
    CHECK_EQ_INT(p->ngates, 1);
    CHECK_EQ_STR(p->scheduling_gates[0], "wait");
    CHECK_EQ_STR(p->phase, "Pending");
    CHECK_EQ_STR(p->nominated_node_name, "n3");
    CHECK_EQ_INT(p->start_ns, (1704164646LL - 3600) * 1000000000LL + 500000000LL);
    /* unknown fields survive in raw */
    json_t *future = json_object_get(json_object_get(p->raw, "metadata"), "futureField");
    CHECK_EQ_STR(json_string_value(json_object_get(future, "kept")), "yes");
    k8s_pod_free(p);
}

TEST(pod_defaults) {
    k8s_pod *p = pod_of("kind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c}]\n");
    CHECK(p != NULL);
    if (!p) return;
    CHECK_EQ_STR(p->namespace_, "default");
    CHECK_EQ_STR(p->uid, "");
    CHECK_EQ_STR(p->scheduler_name, "default-scheduler");
    CHECK_EQ_STR(p->node_name, "");
    CHECK_EQ_STR(p->phase, "");
    CHECK_EQ_STR(p->nominated_node_name, "");
    CHECK_EQ_STR(p->containers[0].image, "");
    CHECK_EQ_INT(p->priority, 0);
    CHECK(!p->preempt_never);
    CHECK(p->node_affinity == NULL && p->pod_affinity == NULL && p->pod_anti_affinity == NULL);
    CHECK_EQ_INT(p->creation_ns, 0);
    k8s_pod_free(p);
    /* kind may be absent (objects from a typed list) */
    p = pod_of("metadata: {name: b, namespace: ''}\n");
    CHECK(p && !strcmp(p->namespace_, "default"));
    k8s_pod_free(p);
}

TEST(pod_errors_name_fields) {
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a, namespace: ns}\nspec:\n  containers:\n"
                           "  - {name: c, resources: {requests: {cpu: 1.2.3}}}\n"),
                 "pods.yaml: Pod ns/a: spec.containers[0].resources.requests.cpu: quantities must "
                 "match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a}\nspec: {priority: high}\n"),
                 "pods.yaml: Pod default/a: spec.priority: must be an integer, got a string");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a}\nspec: {containers: {}}\n"),
                 "pods.yaml: Pod default/a: spec.containers: must be an array, got an object");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a, labels: {x: true}}\n"),
                 "pods.yaml: Pod default/a: metadata.labels.x: must be a string, got a boolean");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a}\nspec:\n  topologySpreadConstraints:\n"
                           "  - {maxSkew: -1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}\n"),
                 "pods.yaml: Pod default/a: spec.topologySpreadConstraints[0].maxSkew: Invalid "
                 "value: -1: must be greater than zero");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a}\nspec:\n  topologySpreadConstraints:\n"
                           "  - {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: Maybe}\n"),
                 "pods.yaml: Pod default/a: spec.topologySpreadConstraints[0].whenUnsatisfiable: "
                 "Unsupported value: \"Maybe\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a}\nspec:\n  affinity:\n    podAntiAffinity:\n"
                           "      requiredDuringSchedulingIgnoredDuringExecution:\n"
                           "      - labelSelector: {matchExpressions: [{key: a, operator: Near}]}\n"
                           "        topologyKey: zone\n"),
                 "pods.yaml: Pod default/a: spec.affinity.podAntiAffinity."
                 "requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0]."
                 "operator: Unsupported value: \"Near\": supported values: \"In\", \"NotIn\", "
                 "\"Exists\", \"DoesNotExist\"");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a}\nspec:\n  tolerations: [{operator: Equal, value: x}]\n"),
                 "pods.yaml: Pod default/a: spec.tolerations[0].operator: Invalid value: \"Equal\": "
                 "operator must be Exists when `key` is empty, which means \"match all values and "
                 "all keys\"");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a}\nspec:\n  tolerations: [{key: k, effect: Sometimes}]\n"),
                 "pods.yaml: Pod default/a: spec.tolerations[0].effect: Unsupported value: "
                 "\"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {namespace: x}\n"),
                 "pods.yaml: Pod x/<unnamed>: metadata.name: Required value: name is required");
    CHECK_EQ_STR(pod_error("kind: Node\nmetadata: {name: a}\n"),
                 "pods.yaml: Pod default/<unnamed>: kind: expected \"Pod\", got \"Node\"");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a, creationTimestamp: yesterday}\n"),
                 "pods.yaml: Pod default/a: metadata.creationTimestamp: Invalid value: "
                 "\"yesterday\": not an RFC 3339 time");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a}\nspec: {priority: 3000000000}\n"),
                 "pods.yaml: Pod default/a: spec.priority: 3000000000 does not fit in int32");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n"
                           "  - {name: c, ports: [{containerPort: 1, hostPort: 70000}]}\n"),
                 "pods.yaml: Pod default/a: spec.containers[0].ports[0].hostPort: Invalid value: "
                 "70000: must be between 1 and 65535, inclusive");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, restartPolicy: Always}]\n"),
                 "pods.yaml: Pod default/a: spec.containers[0].restartPolicy: Forbidden: may not be "
                 "set for non-init containers (got \"Always\")");
    CHECK_EQ_STR(pod_error("kind: Pod\nmetadata: {name: a}\nspec:\n  topologySpreadConstraints:\n"
                           "  - {maxSkew: 1, topologyKey: z, whenUnsatisfiable: ScheduleAnyway, minDomains: 2}\n"),
                 "pods.yaml: Pod default/a: spec.topologySpreadConstraints[0].minDomains: Invalid "
                 "value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule");
    char err[128];
    CHECK(k8s_pod_decode(NULL, NULL, err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "Pod default/<unnamed>: a Pod must be an object, got nothing");
}

TEST(pod_requests_formulas) {
    k8s_pod *p = pod_of("kind: Pod\nmetadata: {name: a}\nspec:\n"
                        "  containers:\n"
                        "  - {name: c1, resources: {requests: {cpu: 100m, memory: 100Mi}}}\n"
                        "  - {name: c2, resources: {requests: {cpu: 200m, example.com/x: 1}}}\n"
                        "  initContainers:\n"
                        "  - {name: i1, resources: {requests: {cpu: 500m, memory: 50Mi, example.com/x: 3}}}\n"
                        "  overhead: {cpu: 10m}\n");
    CHECK(p != NULL);
    if (!p) return;
    arena mem;
    arena_init(&mem, 1024);
    k8s_resources r;
    k8s_pod_requests(p, &mem, &r);
    CHECK_EQ_INT(r.milli_cpu, 510);
    CHECK_EQ_INT(r.memory, 100 << 20);
    CHECK_EQ_INT(k8s_resources_get(&r, "example.com/x"), 3);
    int64_t cpu, memory;
    k8s_pod_non_zero_requests(p, &cpu, &memory);
    CHECK_EQ_INT(cpu, 510);
    CHECK_EQ_INT(memory, 300 << 20);
    k8s_pod_free(p);

    /* sidecars: restartable init containers run alongside later ones */
    p = pod_of("kind: Pod\nmetadata: {name: b}\nspec:\n"
               "  initContainers:\n"
               "  - {name: s1, restartPolicy: Always, resources: {requests: {cpu: 100m}}}\n"
               "  - {name: i2, resources: {requests: {cpu: 300m}}}\n"
               "  containers:\n"
               "  - {name: c1, resources: {requests: {cpu: 200m}}}\n");
    k8s_pod_requests(p, &mem, &r);
    CHECK_EQ_INT(r.milli_cpu, 400);
    k8s_pod_free(p);
    p = pod_of("kind: Pod\nmetadata: {name: b2}\nspec:\n"
               "  initContainers:\n"
               "  - {name: s1, restartPolicy: Always, resources: {requests: {cpu: 100m}}}\n"
               "  - {name: i2, resources: {requests: {cpu: 50m}}}\n"
               "  containers:\n"
               "  - {name: c1, resources: {requests: {cpu: 200m}}}\n");
    k8s_pod_requests(p, &mem, &r);
    CHECK_EQ_INT(r.milli_cpu, 300);
    k8s_pod_free(p);

    /* limits stand in for missing requests, per resource */
    p = pod_of("kind: Pod\nmetadata: {name: c}\nspec:\n  containers:\n"
               "  - {name: c1, resources: {limits: {cpu: 1, memory: 1Gi}, requests: {memory: 512Mi}}}\n");
    k8s_pod_requests(p, &mem, &r);
    CHECK_EQ_INT(r.milli_cpu, 1000);
    CHECK_EQ_INT(r.memory, 512 << 20);
    k8s_pod_non_zero_requests(p, &cpu, &memory);
    CHECK_EQ_INT(cpu, 1000);
    CHECK_EQ_INT(memory, 512 << 20);
    k8s_pod_free(p);

    /* an explicit zero is not "missing": the non-zero default does not apply */
    p = pod_of("kind: Pod\nmetadata: {name: d}\nspec:\n  containers:\n"
               "  - {name: c1, resources: {requests: {cpu: '0'}}}\n  - {name: c2}\n");
    k8s_pod_non_zero_requests(p, &cpu, &memory);
    CHECK_EQ_INT(cpu, 100);
    CHECK_EQ_INT(memory, 400 << 20);
    k8s_pod_requests(p, &mem, &r);
    CHECK_EQ_INT(r.milli_cpu, 0);
    CHECK_EQ_INT(r.nscalar, 0);
    k8s_pod_free(p);
    arena_free(&mem);
}

static const char *node_error(const char *yaml) {
    static char err[1024];
    json_t *v = doc(yaml);
    k8s_node *n = k8s_node_decode(v, "nodes.yaml", err, sizeof(err));
    json_decref(v);
    if (n) {
        k8s_node_free(n);
        return "(ok)";
    }
    return err;
}

TEST(node_decode) {
    char err[512];
    json_t *v = doc("kind: Node\nmetadata:\n  name: n1\n  uid: nu\n  labels: {zone: a}\n"
                    "spec:\n  unschedulable: true\n  taints:\n"
                    "  - {key: gpu, value: 'true', effect: NoSchedule}\n"
                    "  - {key: spot, effect: PreferNoSchedule}\n"
                    "status:\n  capacity: {cpu: 4, memory: 8Gi, pods: 110, nvidia.com/gpu: 2}\n"
                    "  images:\n  - {names: ['nginx:1.25', 'docker.io/library/nginx:1.25'], sizeBytes: 50000000}\n"
                    "  extra: kept\n");
    k8s_node *n = k8s_node_decode(v, "nodes.yaml", err, sizeof(err));
    json_decref(v);
    CHECK(n != NULL);
    if (!n) return;
    CHECK_EQ_STR(n->name, "n1");
    CHECK_EQ_STR(n->uid, "nu");
    CHECK(n->unschedulable);
    CHECK_EQ_INT(n->ntaints, 2);
    CHECK_EQ_STR(n->taints[0].value, "true");
    CHECK_EQ_INT(n->taints[1].effect, K8S_EFFECT_PREFER_NO_SCHEDULE);
    CHECK_EQ_STR(n->taints[1].value, "");
    CHECK_EQ_INT(n->capacity.milli_cpu, 4000);
    CHECK_EQ_INT(n->allocatable.milli_cpu, 4000); /* defaults to capacity */
    CHECK_EQ_INT(n->allocatable.memory, 8LL << 30);
    CHECK_EQ_INT(n->allocatable.pods, 110);
    CHECK_EQ_INT(k8s_resources_get(&n->allocatable, "nvidia.com/gpu"), 2);
    CHECK_EQ_INT(n->nimages, 1);
    CHECK_EQ_INT(n->images[0].nnames, 2);
    CHECK_EQ_INT(n->images[0].size_bytes, 50000000);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(n->raw, "status"), "extra")), "kept");
    k8s_node_free(n);

    v = doc("kind: Node\nmetadata: {name: n2}\nstatus:\n  capacity: {cpu: 4}\n  allocatable: {cpu: 3500m}\n");
    n = k8s_node_decode(v, NULL, err, sizeof(err));
    json_decref(v);
    CHECK(n && n->allocatable.milli_cpu == 3500 && n->capacity.milli_cpu == 4000);
    k8s_node_free(n);

    CHECK_EQ_STR(node_error("kind: Node\nmetadata: {name: n}\nspec: {taints: [{key: a, effect: Maybe}]}\n"),
                 "nodes.yaml: Node n: spec.taints[0].effect: Unsupported value: \"Maybe\": supported "
                 "values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"");
    CHECK_EQ_STR(node_error("kind: Node\nmetadata: {name: n}\nspec: {taints: [{key: a}]}\n"),
                 "nodes.yaml: Node n: spec.taints[0].effect: Required value");
    CHECK_EQ_STR(node_error("kind: Node\nmetadata: {name: n}\nstatus: {allocatable: {memory: lots}}\n"),
                 "nodes.yaml: Node n: status.allocatable.memory: quantities must match the regular "
                 "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    CHECK_EQ_STR(node_error("kind: Node\nmetadata: {}\n"),
                 "nodes.yaml: Node <unnamed>: metadata.name: Required value: name is required");
    CHECK_EQ_STR(node_error("kind: Node\nmetadata: {name: n}\nspec: {unschedulable: 'yes'}\n"),
                 "nodes.yaml: Node n: spec.unschedulable: must be a boolean, got a string");
}

TEST(pod_node_matching) {
    k8s_pod *p = pod_of("kind: Pod\nmetadata: {name: a}\nspec:\n  nodeSelector: {disk: ssd}\n"
                        "  affinity:\n    nodeAffinity:\n"
                        "      requiredDuringSchedulingIgnoredDuringExecution:\n"
                        "        nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: NotIn, values: [c]}]}]\n");
    char err[256];
    json_t *v1 = doc("kind: Node\nmetadata: {name: n1, labels: {disk: ssd, zone: a}}\n");
    json_t *v2 = doc("kind: Node\nmetadata: {name: n2, labels: {disk: hdd, zone: a}}\n");
    json_t *v3 = doc("kind: Node\nmetadata: {name: n3, labels: {disk: ssd, zone: c}}\n");
    json_t *v4 = doc("kind: Node\nmetadata: {name: n4, labels: {disk: ssd}}\n");
    k8s_node *n1 = k8s_node_decode(v1, NULL, err, sizeof(err));
    k8s_node *n2 = k8s_node_decode(v2, NULL, err, sizeof(err));
    k8s_node *n3 = k8s_node_decode(v3, NULL, err, sizeof(err));
    k8s_node *n4 = k8s_node_decode(v4, NULL, err, sizeof(err));
    CHECK(k8s_pod_matches_node_selector_and_affinity(p, n1));
    CHECK(!k8s_pod_matches_node_selector_and_affinity(p, n2));
    CHECK(!k8s_pod_matches_node_selector_and_affinity(p, n3));
    CHECK(k8s_pod_matches_node_selector_and_affinity(p, n4)); /* NotIn matches an absent key */
    json_decref(v1);
    json_decref(v2);
    json_decref(v3);
    json_decref(v4);
    k8s_node_free(n1);
    k8s_node_free(n2);
    k8s_node_free(n3);
    k8s_node_free(n4);
    k8s_pod_free(p);
}

/* Regressions found by fuzz_k8s_documents. */
TEST(fuzz_regressions) {
    k8s_pod *p = pod_of("kind: Pod\nmetadata: {name: far, creationTimestamp: '9999-12-31T23:59:59Z'}\n"
                        "status: {startTime: '0001-01-01T00:00:00Z'}\n");
    CHECK(p && p->creation_ns == INT64_MAX && p->start_ns == INT64_MIN);
    k8s_pod_free(p);
    p = pod_of("kind: Pod\nmetadata: {name: lim}\nspec:\n  containers:\n"
               "  - {name: c, resources: {limits: {example.com/x: 1}}}\n");
    CHECK(p && k8s_resources_get(&p->containers[0].requests, "example.com/x") == 1);
    k8s_pod_free(p);
}

TEST(image_name_normalisation) {
    arena mem;
    arena_init(&mem, 256);
    CHECK_EQ_STR(k8s_normalize_image_name("nginx", &mem), "nginx:latest");
    CHECK_EQ_STR(k8s_normalize_image_name("nginx:1.25", &mem), "nginx:1.25");
    CHECK_EQ_STR(k8s_normalize_image_name("localhost:5000/app", &mem), "localhost:5000/app:latest");
    CHECK_EQ_STR(k8s_normalize_image_name("localhost:5000/app:v1", &mem), "localhost:5000/app:v1");
    CHECK_EQ_STR(k8s_normalize_image_name("app@sha256:abc", &mem), "app@sha256:abc");
    CHECK_EQ_STR(k8s_normalize_image_name("", &mem), ":latest");
    arena_free(&mem);
}

/* k8s_pod_bound gives the typed view a decode of the bound pod gives. */
TEST(bound_view_matches_a_decode) {
    const char *cases[] = {
        "kind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: x}]}\n",
        "kind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c, image: x}]}\n"
        "status: {conditions: [{type: Ready, status: 'False'}, {type: PodScheduled, status: 'False', reason: Unschedulable}]}\n",
    };
    const char *bound[] = {
        "kind: Pod\nmetadata: {name: a}\nspec: {nodeName: n1, containers: [{name: c, image: x}]}\n"
        "status: {conditions: [{type: PodScheduled, status: 'True'}]}\n",
        "kind: Pod\nmetadata: {name: b}\nspec: {nodeName: n1, containers: [{name: c, image: x}]}\n"
        "status: {conditions: [{type: Ready, status: 'False'}, {type: PodScheduled, status: 'True'}]}\n",
    };
    for (int i = 0; i < 2; i++) {
        k8s_pod *unbound = pod_of(cases[i]), *want = pod_of(bound[i]);
        CHECK(unbound && want);
        if (!unbound || !want) continue;
        k8s_pod *got = k8s_pod_bound(unbound, want->raw, "n1");
        CHECK_EQ_STR(got->node_name, "n1");
        CHECK_EQ_STR(got->name, want->name);
        CHECK(got->nconditions == want->nconditions);
        for (uint32_t k = 0; k < got->nconditions && k < want->nconditions; k++) {
            CHECK_EQ_STR(got->conditions[k].type, want->conditions[k].type);
            CHECK_EQ_STR(got->conditions[k].status, want->conditions[k].status);
            CHECK_EQ_STR(got->conditions[k].reason, want->conditions[k].reason);
        }
        CHECK(got->raw == want->raw);
        CHECK_EQ_STR(unbound->node_name, ""); /* the unbound view is untouched */
        k8s_pod_free(got);
        k8s_pod_free(want);
        k8s_pod_free(unbound);
    }
}

int main(void) {
    RUN(full_pod_decode);
    RUN(pod_defaults);
    RUN(pod_errors_name_fields);
    RUN(pod_requests_formulas);
    RUN(node_decode);
    RUN(pod_node_matching);
    RUN(fuzz_regressions);
    RUN(image_name_normalisation);
    RUN(bound_view_matches_a_decode);
    return test_summary("k8s_objects");
}
