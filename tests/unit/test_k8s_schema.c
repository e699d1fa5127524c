/* Kubernetes schema tables (schema_table.c), strict validation (schema.c),
 * object checks (check.c), document locations (yaml.c) and cluster files
 * loaded as an API server would check them (cluster_memory.c). */
#include "test.h"

#include "k8s/k8s.h"
#include "scheduler/cluster.h"

static json_t *yaml(const char *text) {
    char err[512];
    json_t *v = k8s_parse_document(text, strlen(text), "t.yaml", err, sizeof err);
    if (!v) fprintf(stderr, "parse: %s\n", err);
    return v;
}

/* Validates text against the kind it names; returns the formatted report
 * ("" when valid) in a static buffer. */
static const char *validate(const char *text) {
    static char out[2048];
    json_t *obj = yaml(text);
    const k8s_schema_kind *k = k8s_schema_find_kind(json_string_value(json_object_get(obj, "apiVersion")),
                                                    json_string_value(json_object_get(obj, "kind")));
    out[0] = 0;
    if (!k) {
        snprintf(out, sizeof out, "(no kind)");
    } else {
        k8s_schema_report r;
        if (!k8s_schema_validate(k8s_schema_def_at(k->def), obj, 100, &r))
            k8s_schema_report_format(&r, false, out, sizeof out);
        k8s_schema_report_free(&r);
    }
    json_decref(obj);
    return out;
}

/* k8s_check_object on text: "" when accepted, else the error; the warning
 * (lenient) in *warning. */
static const char *check(const char *text, bool lenient, char *warning, size_t wsize) {
    static k8s_check_result res;
    json_t *obj = yaml(text);
    k8s_check_options o = {.lenient = lenient};
    bool ok = k8s_check_object(obj, &o, &res);
    json_decref(obj);
    if (warning) snprintf(warning, wsize, "%s", res.warning);
    return ok ? "" : res.error;
}

TEST(kinds_exist_with_scope_and_resource) {
    const k8s_schema_kind *k = k8s_schema_find_kind("v1", "Pod");
    CHECK(k && k->served && k->namespaced);
    CHECK_EQ_STR(k->resource, "pods");
    CHECK_EQ_STR(k8s_schema_def_at(k->def)->name, "io.k8s.api.core.v1.Pod");
    k = k8s_schema_find_kind("v1", "Node");
    CHECK(k && k->served && !k->namespaced);
    CHECK_EQ_STR(k->resource, "nodes");
    k = k8s_schema_find_kind("apps/v1", "Deployment");
    CHECK(k && k->served && k->namespaced && k->def >= 0);
    CHECK_EQ_STR(k->group, "apps");
    CHECK_EQ_STR(k->resource, "deployments");
    k = k8s_schema_find_kind("v1", "PodList");
    CHECK(k && k->served && k->def >= 0);
    k = k8s_schema_find_kind("events.k8s.io/v1", "Event");
    CHECK(k && k->served && k->def >= 0);
    CHECK(k8s_schema_def_at(k->def) != k8s_schema_def_at(k8s_schema_find_kind("v1", "Event")->def));
    k = k8s_schema_find_kind("scheduling.k8s.io/v1", "PriorityClass");
    CHECK(k && k->served && !k->namespaced);
    CHECK_EQ_STR(k->resource, "priorityclasses");
    k = k8s_schema_find_kind("v1", "Binding");
    CHECK(k && k->served && k->namespaced);
    /* exists in Kubernetes, no schema in the tables */
    k = k8s_schema_find_kind("batch/v1", "Job");
    CHECK(k && !k->served && k->def < 0);
    CHECK_EQ_STR(k->resource, "jobs");
    /* does not exist */
    CHECK(k8s_schema_find_kind("v1", "Deployment") == NULL);
    CHECK(k8s_schema_find_kind("apps/v1", "Pod") == NULL);
    CHECK(k8s_schema_find_kind("v1", "Foo") == NULL);
    CHECK(k8s_schema_find_kind("kubescheduler.config.k8s.io/v1", "KubeSchedulerConfiguration") == NULL);
    CHECK(k8s_schema_find_kind(NULL, "Pod") == NULL);
    CHECK_EQ_STR(k8s_schema_find_kind_any_version("Deployment")->api_version, "apps/v1");
    CHECK_EQ_STR(k8s_schema_find_kind_any_version("CronJob")->api_version, "batch/v1");
    CHECK(k8s_schema_find_kind_any_version("Nope") == NULL);
    CHECK(k8s_schema_source[0] != 0);
}

TEST(tables_are_sorted_and_consistent) {
    for (uint32_t i = 1; i < k8s_schema_ndefs; i++)
        CHECK(strcmp(k8s_schema_defs[i - 1].name, k8s_schema_defs[i].name) < 0);
    for (uint32_t i = 1; i < k8s_schema_nkinds; i++) {
        const k8s_schema_kind *a = &k8s_schema_kinds[i - 1], *b = &k8s_schema_kinds[i];
        int c = strcmp(a->api_version, b->api_version);
        CHECK(c < 0 || (c == 0 && strcmp(a->kind, b->kind) < 0));
    }
    uint32_t served = 0;
    for (uint32_t i = 0; i < k8s_schema_nkinds; i++) {
        const k8s_schema_kind *k = &k8s_schema_kinds[i];
        if (k->served) {
            served++;
            CHECK(k->def >= 0);
        }
        CHECK(k->def < (int)k8s_schema_ndefs);
        CHECK(k8s_schema_find_kind(k->api_version, k->kind) == k);
    }
    CHECK(served >= 2 * 24); /* the served kinds and their Lists */
    for (uint32_t d = 0; d < k8s_schema_ndefs; d++) {
        const k8s_schema_def *def = &k8s_schema_defs[d];
        CHECK(def->first_field + def->nfields <= k8s_schema_nfields);
        CHECK(k8s_schema_find_def(def->name) == def);
        for (uint32_t f = 0; f < def->nfields; f++) {
            const k8s_schema_field *fd = &k8s_schema_fields[def->first_field + f];
            if (f) CHECK(strcmp(fd[-1].name, fd->name) < 0);
            CHECK(fd->def < (int)k8s_schema_ndefs);
            if (fd->type == K8S_SCHEMA_OBJECT) CHECK(fd->def >= 0);
            CHECK(k8s_schema_find_field(def, fd->name) == fd);
        }
    }
}

TEST(patch_merge_keys_and_strategies) {
    const char *key, *strategy;
    CHECK(k8s_schema_patch_info("io.k8s.api.core.v1.PodSpec", "containers", &key, &strategy));
    CHECK_EQ_STR(key, "name");
    CHECK_EQ_STR(strategy, "merge");
    CHECK(k8s_schema_patch_info("io.k8s.api.core.v1.PodSpec", "volumes", &key, &strategy));
    CHECK_EQ_STR(strategy, "merge,retainKeys");
    CHECK(k8s_schema_patch_info("io.k8s.api.core.v1.Container", "ports", &key, &strategy));
    CHECK_EQ_STR(key, "containerPort");
    CHECK(k8s_schema_patch_info("io.k8s.api.core.v1.NodeStatus", "conditions", &key, &strategy));
    CHECK_EQ_STR(key, "type");
    CHECK(k8s_schema_patch_info("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers", &key,
                                &strategy));
    CHECK(key == NULL);
    CHECK_EQ_STR(strategy, "merge");
    /* atomic lists have no merge key */
    CHECK(k8s_schema_patch_info("io.k8s.api.core.v1.NodeSpec", "taints", &key, &strategy));
    CHECK(key == NULL && strategy == NULL);
    const k8s_schema_field *f =
        k8s_schema_find_field(k8s_schema_find_def("io.k8s.api.core.v1.NodeSpec"), "taints");
    CHECK(f && f->list_type == K8S_LIST_ATOMIC && f->container == K8S_SCHEMA_ARRAY);
    f = k8s_schema_find_field(k8s_schema_find_def("io.k8s.api.core.v1.Container"), "ports");
    CHECK_EQ_STR(f->list_map_keys, "containerPort,protocol");
    CHECK(!k8s_schema_patch_info("io.k8s.api.core.v1.PodSpec", "nope", &key, &strategy));
    CHECK(!k8s_schema_patch_info("io.k8s.api.core.v1.Nope", "containers", &key, &strategy));
}

/* Every legal field is accepted, including those the scheduler ignores,
 * and what an admitted object carries (status, deletionTimestamp...). */
static const char full_pod[] =
    "apiVersion: v1\nkind: Pod\n"
    "metadata:\n  name: web\n  namespace: prod\n  uid: '1234'\n  generateName: web-\n"
    "  creationTimestamp: '2024-01-02T03:04:05Z'\n  deletionTimestamp: '2024-01-02T03:05:05Z'\n"
    "  deletionGracePeriodSeconds: 30\n  labels: {app: web}\n  annotations: {a: b}\n"
    "  finalizers: [x/y]\n  resourceVersion: '12'\n  generation: 3\n"
    "  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: rs, uid: u1, controller: true}]\n"
    "  managedFields: [{manager: kubectl, operation: Apply, apiVersion: v1, time: '2024-01-02T03:04:05Z',"
    " fieldsType: FieldsV1, fieldsV1: {'f:metadata': {'f:labels': {}}}}]\n"
    "spec:\n  nodeName: n1\n  priority: 1000\n  priorityClassName: high\n  preemptionPolicy: Never\n"
    "  schedulerName: default-scheduler\n  restartPolicy: Always\n  dnsPolicy: ClusterFirst\n"
    "  terminationGracePeriodSeconds: 30\n  serviceAccountName: sa\n  hostNetwork: false\n"
    "  securityContext: {runAsUser: 1000, fsGroup: 2000, seccompProfile: {type: RuntimeDefault}}\n"
    "  volumes:\n  - name: data\n    persistentVolumeClaim: {claimName: pvc}\n"
    "  - name: cfg\n    configMap: {name: cm, items: [{key: a, path: a}]}\n"
    "  - name: tmp\n    emptyDir: {medium: Memory, sizeLimit: 1Gi}\n"
    "  tolerations: [{key: k, operator: Exists, effect: NoExecute, tolerationSeconds: 300}]\n"
    "  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n"
    "        nodeSelectorTerms: [{matchExpressions: [{key: a, operator: In, values: [b]}]}]\n"
    "  topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule,"
    " labelSelector: {matchLabels: {app: web}}}]\n"
    "  overhead: {cpu: 10m}\n"
    "  containers:\n  - name: app\n    image: nginx\n    command: [sh]\n    args: [-c, 'sleep 1']\n"
    "    ports: [{containerPort: 80, protocol: TCP, name: http}]\n"
    "    env: [{name: A, value: b}, {name: B, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]\n"
    "    resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 1, memory: 1e9}}\n"
    "    readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 5}\n"
    "    livenessProbe: {tcpSocket: {port: 80}, initialDelaySeconds: 1.0}\n"
    "    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}\n"
    "    volumeMounts: [{name: data, mountPath: /data}]\n"
    "  initContainers: [{name: init, image: busybox, restartPolicy: Always}]\n"
    "status:\n  phase: Running\n  nominatedNodeName: n2\n  podIP: 10.0.0.1\n"
    "  startTime: '2024-01-02T03:04:06.123456Z'\n"
    "  conditions: [{type: Ready, status: 'True', lastTransitionTime: '2024-01-02T03:04:07+02:00'}]\n"
    "  containerStatuses: [{name: app, ready: true, restartCount: 0, image: nginx, imageID: x,"
    " allocatedResources: {cpu: 100m}, resources: {requests: {cpu: 200m}}, state: {running: {startedAt: "
    "'2024-01-02T03:04:06Z'}}}]\n";

TEST(full_pod_is_valid) {
    CHECK_EQ_STR(validate(full_pod), "");
    CHECK_EQ_STR(check(full_pod, false, NULL, 0), "");
}

TEST(unknown_fields_in_kube_apiserver_wording) {
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"
                          "spec: {containers: [{name: c}, {name: d, foo: 1}]}\n"),
                 "strict decoding error: unknown field \"spec.containers[1].foo\"");
    /* all of them, in document order; names are case-sensitive */
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Pod\nmetadata: {name: a, Labels: {}}\nSpec: {}\n"
                          "spec: {nodename: x, containers: [{name: c, resources: {request: {}}}]}\n"),
                 "strict decoding error: unknown field \"metadata.Labels\", unknown field \"Spec\", "
                 "unknown field \"spec.nodename\", unknown field \"spec.containers[0].resources.request\"");
    /* deep in a workload template (the indentation mistake kube users hit) */
    CHECK_EQ_STR(validate("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
                          "spec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n"
                          "    spec:\n      containers:\n      - name: c\n        resources:\n"
                          "        requests: {cpu: 1}\n"),
                 "strict decoding error: unknown field \"spec.template.spec.containers[0].requests\"");
    /* fields of other served kinds */
    CHECK_EQ_STR(validate("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p}\n"
                          "spec: {minAvailable: 50%, selector: {matchLabels: {a: b}}, maxUnavailabel: 1}\n"),
                 "strict decoding error: unknown field \"spec.maxUnavailabel\"");
    CHECK_EQ_STR(validate("apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: p}\n"
                          "value: 1000\nglobalDefault: false\npreemptionPolicy: Never\ndescription: x\n"),
                 "");
    CHECK_EQ_STR(validate("apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: p}\n"
                          "spec: {value: 1}\n"),
                 "strict decoding error: unknown field \"spec\"");
    /* free-form values accept anything */
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  managedFields:\n"
                          "  - fieldsV1: {anything: [1, {x: y}]}\nspec: {containers: [{name: c}]}\n"),
                 "");
}

TEST(type_errors_as_go_decoding_reports_them) {
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: c}\n"),
                 "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type "
                 "[]v1.Container");
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [c]}\n"),
                 "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type "
                 "v1.Container");
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"
                          "spec: {priority: 3000000000, containers: [{name: c}]}\n"),
                 "json: cannot unmarshal number 3000000000 into Go struct field PodSpec.spec.priority "
                 "of type int32");
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {priority: 1e300}\n"),
                 "json: cannot unmarshal number 1e+300 into Go struct field PodSpec.spec.priority "
                 "of type int32");
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {priority: 7.0}\n"), "");
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {priority: 2.5}\n"),
                 "json: cannot unmarshal number 2.5 into Go struct field PodSpec.spec.priority of type int32");
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Node\nmetadata: {name: n, labels: {a: true}}\n"),
                 "json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string");
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nspec: {unschedulable: 'yes'}\n"),
                 "json: cannot unmarshal string into Go struct field NodeSpec.spec.unschedulable of type bool");
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nspec: []\n"),
                 "json: cannot unmarshal array into Go struct field Node.spec of type v1.NodeSpec");
    /* a type error wins over unknown fields, as the decoder fails first */
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nfoo: 1\nspec: {taints: {}}\n"),
                 "json: cannot unmarshal object into Go struct field NodeSpec.spec.taints of type []v1.Taint");
    /* values that must decode */
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus: {capacity: {cpu: 1x}}\n"),
                 "status.capacity.cpu: quantities must match the regular expression "
                 "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Node\nmetadata: {name: n, creationTimestamp: yesterday}\n"),
                 "metadata.creationTimestamp: parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": "
                 "not an RFC 3339 time");
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: 'aGVsbG8=', b: 'not base64!'}\n"),
                 "data.b: illegal base64 data at input byte 3");
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {b: 'not base64!'}\n"), "");
    /* int-or-string */
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
                          "spec: {ports: [{port: 80, targetPort: http}, {port: 81, targetPort: 8081}]}\n"),
                 "");
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
                          "spec: {ports: [{port: 80, targetPort: true}]}\n"),
                 "json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type "
                 "intstr.IntOrString");
    /* map of arrays (RBAC-free example: a ConfigMap's binaryData is []byte) */
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1'}\n"
                          "binaryData: {b: 'AAE='}\n"),
                 "");
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: 1}\n"),
                 "json: cannot unmarshal number 1 into Go struct field ConfigMap.data of type string");
    /* null is the zero value everywhere */
    CHECK_EQ_STR(validate("apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: null}\n"
                          "spec: {containers: [{name: c, resources: null}], priority: null}\nstatus: null\n"),
                 "");
}

TEST(report_caps_and_lenient_format) {
    strbuf sb;
    strbuf_init(&sb);
    strbuf_printf(&sb, "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"x\"}");
    for (int i = 0; i < 50; i++) strbuf_printf(&sb, ", \"f%d\": %d", i, i);
    strbuf_printf(&sb, ", \"spec\": {\"finalizers\": 7}}");
    json_t *obj = json_loads(strbuf_cstr(&sb), 0, NULL);
    k8s_schema_report r;
    CHECK(!k8s_schema_validate(k8s_schema_find_def("io.k8s.api.core.v1.Namespace"), obj, 10, &r));
    CHECK_EQ_INT(r.nunknown, 50);
    CHECK_EQ_INT(r.ntype, 1);
    CHECK_EQ_INT(r.nproblems, 11); /* 10 unknown + the first type error */
    CHECK_EQ_STR(r.problems[0].path, "f0");
    CHECK_EQ_INT(r.problems[10].kind, K8S_PROBLEM_WRONG_TYPE);
    CHECK_EQ_STR(r.problems[10].path, "spec.finalizers");
    char buf[4096];
    k8s_schema_report_format(&r, false, buf, sizeof buf);
    CHECK_EQ_STR(buf, "json: cannot unmarshal number 7 into Go struct field NamespaceSpec.spec.finalizers of "
                      "type []string");
    k8s_schema_report_format(&r, true, buf, sizeof buf);
    CHECK(strncmp(buf, "unknown field \"f0\", unknown field \"f1\"", 38) == 0);
    CHECK(strstr(buf, "unknown field \"f9\" (and 40 more)") != NULL);
    CHECK(strstr(buf, "f10") == NULL);
    /* truncation is snprintf-like */
    size_t n = k8s_schema_report_format(&r, true, buf, 8);
    CHECK(n > 8);
    CHECK_EQ_STR(buf, "unknown");
    k8s_schema_report_free(&r);
    /* not an object */
    json_t *s = json_string("x");
    CHECK(!k8s_schema_validate(k8s_schema_find_def("io.k8s.api.core.v1.Pod"), s, 1, &r));
    k8s_schema_report_format(&r, false, buf, sizeof buf);
    CHECK_EQ_STR(buf, "json: cannot unmarshal string into Go value of type v1.Pod");
    k8s_schema_report_free(&r);
    json_decref(s);
    json_decref(obj);
    strbuf_free(&sb);
}

TEST(check_kinds_and_versions) {
    CHECK_EQ_STR(check("kind: Pod\nmetadata: {name: a}\n", false, NULL, 0),
                 "Pod: Object 'apiVersion' is missing (apiVersion: v1?)");
    CHECK_EQ_STR(check("apiVersion: v1\nmetadata: {name: a}\n", false, NULL, 0), "Object 'Kind' is missing");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Deployment\nmetadata: {name: a}\n", false, NULL, 0),
                 "no matches for kind \"Deployment\" in version \"v1\" (Kubernetes has apiVersion: apps/v1)");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Podd\nmetadata: {name: a}\n", false, NULL, 0),
                 "no matches for kind \"Podd\" in version \"v1\"");
    CHECK_EQ_STR(check("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n", false,
                       NULL, 0),
                 "no matches for kind \"KubeSchedulerConfiguration\" in version "
                 "\"kubescheduler.config.k8s.io/v1\" (a scheduler configuration: pass it with --config)");
    /* a kind known by name only passes (the caller skips it) */
    CHECK_EQ_STR(check("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec: {whatever: 1}\n", false,
                       NULL, 0),
                 "");
}

TEST(check_failure_classes) {
    k8s_check_result res;
    json_t *obj = yaml("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}], x: 1}\n");
    CHECK(!k8s_check_object(obj, NULL, &res));
    CHECK_EQ_INT(res.failure, K8S_CHECK_UNDECODABLE);
    CHECK_EQ_STR(res.error + res.label_len, "strict decoding error: unknown field \"spec.x\"");
    json_decref(obj);
    obj = yaml("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: []}\n");
    CHECK(!k8s_check_object(obj, NULL, &res));
    CHECK_EQ_INT(res.failure, K8S_CHECK_INVALID);
    CHECK_EQ_STR(res.error + res.label_len, "spec.containers: Required value");
    json_decref(obj);
    obj = yaml("apiVersion: v2\nkind: Pod\n");
    CHECK(!k8s_check_object(obj, NULL, &res));
    CHECK_EQ_INT(res.failure, K8S_CHECK_UNKNOWN_KIND);
    CHECK(res.kind == NULL);
    json_decref(obj);
    obj = yaml("kind: Pod\n");
    CHECK(!k8s_check_object(obj, NULL, &res));
    CHECK_EQ_INT(res.failure, K8S_CHECK_UNKNOWN_KIND);
    CHECK_EQ_STR(res.error + res.label_len, "Object 'apiVersion' is missing (apiVersion: v1?)");
    json_decref(obj);
    obj = yaml("apiVersion: v1\nkind: Node\nmetadata: {name: n}\n");
    CHECK(k8s_check_object(obj, NULL, &res));
    CHECK_EQ_INT(res.failure, K8S_CHECK_ACCEPTED);
    CHECK_EQ_STR(res.error, "");
    CHECK_EQ_STR(res.kind->kind, "Node");
    json_decref(obj);
}

TEST(check_strict_lenient_and_rules) {
    char warning[2048];
    const char *pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: ns}\n"
                      "spec: {containers: [{name: c, imagePullPolice: Always}]}\n";
    CHECK_EQ_STR(check(pod, false, warning, sizeof warning),
                 "Pod ns/a: strict decoding error: unknown field \"spec.containers[0].imagePullPolice\"");
    CHECK_EQ_STR(check(pod, true, warning, sizeof warning), "");
    CHECK_EQ_STR(warning, "Pod ns/a: unknown field \"spec.containers[0].imagePullPolice\"");
    /* lenient does not excuse type errors */
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nfoo: 1\nspec: {unschedulable: 1}\n", true,
                       warning, sizeof warning),
                 "Node n: json: cannot unmarshal number 1 into Go struct field NodeSpec.spec.unschedulable of type bool");
    /* pods need containers */
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n", false, NULL, 0),
                 "Pod default/a: spec.containers: Required value");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: []}\n", false, NULL, 0),
                 "Pod default/a: spec.containers: Required value");
    /* negative quantities */
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n"
                       "  - name: d\n    resources: {requests: {cpu: 100m, memory: -1Mi}}\n",
                       false, NULL, 0),
                 "Pod default/a: spec.containers[1].resources.requests[memory]: Invalid value: \"-1Mi\": must "
                 "be greater than or equal to 0");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c}]\n"
                       "  initContainers: [{name: i, resources: {limits: {example.com/gpu: -2}}}]\n",
                       false, NULL, 0),
                 "Pod default/a: spec.initContainers[0].resources.limits[example.com/gpu]: Invalid value: "
                 "\"-2\": must be greater than or equal to 0");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c}]\n"
                       "  overhead: {cpu: -0.5}\n",
                       false, NULL, 0),
                 "Pod default/a: spec.overhead[cpu]: Invalid value: \"-0.5\": must be greater than or equal to 0");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Node\nmetadata: {name: n}\nstatus: {capacity: {cpu: 4}, "
                       "allocatable: {cpu: '-1'}}\n",
                       false, NULL, 0),
                 "Node n: status.allocatable[cpu]: Invalid value: \"-1\": must be greater than or equal to 0");
    /* requests against limits, resource names, whole extended resources */
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n"
                       "    resources: {requests: {cpu: '2'}, limits: {cpu: '1'}}\n",
                       false, NULL, 0),
                 "Pod default/a: spec.containers[0].resources.requests: Invalid value: \"2\": must be less than "
                 "or equal to cpu limit");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n"
                       "    resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: '1', memory: 1Gi}}\n",
                       false, NULL, 0),
                 "");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n"
                       "    resources: {requests: {example.com/gpu: 1}, limits: {example.com/gpu: 2}}\n",
                       false, NULL, 0),
                 "Pod default/a: spec.containers[0].resources.requests: Invalid value: \"1\": must be equal to "
                 "example.com/gpu limit");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n"
                       "    resources: {requests: {hugepages-2Mi: 2Mi}, limits: {hugepages-2Mi: 4Mi}}\n",
                       false, NULL, 0),
                 "Pod default/a: spec.containers[0].resources.requests: Invalid value: \"2Mi\": must be equal to "
                 "hugepages-2Mi limit");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n"
                       "    resources: {limits: {example.com/gpu: 500m}}\n",
                       false, NULL, 0),
                 "Pod default/a: spec.containers[0].resources.limits[example.com/gpu]: Invalid value: \"500m\": "
                 "must be an integer");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n"
                       "    resources: {requests: {gpu: 1}}\n",
                       false, NULL, 0),
                 "Pod default/a: spec.containers[0].resources.requests[gpu]: Invalid value: \"gpu\": must be a "
                 "standard resource for containers");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n"
                       "    resources: {requests: {example.com/gpu: 2, ephemeral-storage: 1Gi, kubernetes.io/x: 1}}\n",
                       false, NULL, 0),
                 "");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c\n"
                       "    resources: {requests: {'bad name/x': 1}}\n",
                       false, NULL, 0),
                 "Pod default/a: spec.containers[0].resources.requests[bad name/x]: Invalid value: \"bad name/x\": "
                 "must be a qualified name");
    /* names */
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: Web}\nspec: {containers: [{name: c}]}\n",
                       false, NULL, 0),
                 "Pod default/Web: metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 subdomain must "
                 "consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
                 "alphanumeric character (e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: web.v1-2, namespace: team.a}\n"
                       "spec: {containers: [{name: c}]}\n",
                       false, NULL, 0),
                 "Pod team.a/web.v1-2: metadata.namespace: Invalid value: \"team.a\": a lowercase RFC 1123 label "
                 "must consist of lower case alphanumeric characters or '-', and must start and end with an "
                 "alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Node\nmetadata: {name: node-1.zone-a.example}\n", false, NULL, 0), "");
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Node\nmetadata: {name: -n}\n", false, NULL, 0) + 9,
                 "metadata.name: Invalid value: \"-n\": a lowercase RFC 1123 subdomain must consist of lower case "
                 "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character "
                 "(e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    CHECK(strstr(check("apiVersion: v1\nkind: Namespace\nmetadata: {name: a.b}\n", false, NULL, 0),
                 "RFC 1123 label") != NULL);
    {
        char big[400];
        memset(big, 'a', 300);
        big[300] = 0;
        char *text = xasprintf("apiVersion: v1\nkind: Node\nmetadata: {name: %s}\n", big);
        CHECK(strstr(check(text, false, NULL, 0), "must be no more than 253 characters") != NULL);
        free(text);
    }
    /* zero is fine; kubelet-only fields (image) are not required */
    CHECK_EQ_STR(check("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, "
                       "resources: {requests: {cpu: 0}}}]}\n",
                       false, NULL, 0),
                 "");
}

TEST(document_locations) {
    char err[512];
    const char *text = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\n# comment only\n---\n"
                       "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Node, metadata: {name: n2}}\n"
                       "- {apiVersion: v1, kind: PodList, items: [{kind: Pod}, {kind: Pod}]}\n---\n"
                       "[{kind: A}, {kind: B}]\n";
    json_t *where = NULL;
    json_t *docs = k8s_parse_documents_located(text, strlen(text), "l.yaml", &where, err, sizeof err);
    CHECK(docs && where);
    CHECK_EQ_INT(json_array_size(docs), 6);
    CHECK_EQ_INT(json_array_size(where), 6);
    const char *want[] = {"document 1", "document 3, items[0]", "document 3, items[1], items[0]",
                          "document 3, items[1], items[1]", "document 4[0]", "document 4[1]"};
    for (size_t i = 0; i < 6; i++) CHECK_EQ_STR(json_string_value(json_array_get(where, i)), want[i]);
    json_decref(docs);
    json_decref(where);
    /* errors leave *locations NULL */
    where = json_array();
    json_decref(where);
    CHECK(k8s_parse_documents_located("a: [", 4, "l.yaml", &where, err, sizeof err) == NULL);
    CHECK(where == NULL);
}

/* Loads text as a cluster file; returns "" or the error. */
static const char *load(const char *text, bool lenient) {
    static char err[2048];
    json_t *where = NULL;
    json_t *docs = k8s_parse_documents_located(text, strlen(text), "c.yaml", &where, err, sizeof err);
    if (!docs) return err;
    sl_cluster *c = sl_cluster_memory_new();
    sl_cluster_load_options o = {.locations = where, .lenient = lenient};
    log_set_level(SL_LOG_ERROR);
    bool ok = sl_cluster_memory_load_with(c, docs, "c.yaml", &o, err, sizeof err);
    log_set_level(SL_LOG_INFO);
    c->ops->destroy(c);
    json_decref(docs);
    json_decref(where);
    return ok ? "" : err;
}

TEST(cluster_files) {
    CHECK_EQ_STR(load("", false), "c.yaml: no Nodes and no Pods: not a cluster file (it has no objects)");
    CHECK_EQ_STR(load("apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: p}\nvalue: 1\n",
                      false),
                 "c.yaml: no Nodes and no Pods: not a cluster file");
    CHECK_EQ_STR(load("apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
                      "profiles: [{schedulerName: default-scheduler}]\n",
                      false),
                 "c.yaml: document 1: no matches for kind \"KubeSchedulerConfiguration\" in version "
                 "\"kubescheduler.config.k8s.io/v1\" (a scheduler configuration: pass it with --config)");
    /* List items are counted as items */
    CHECK_EQ_STR(load("apiVersion: v1\nkind: List\nitems:\n"
                      "- {apiVersion: v1, kind: Node, metadata: {name: n1}}\n"
                      "- {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: c}]}}\n"
                      "- {apiVersion: v1, kind: Pod, metadata: {name: b}, spec: {containers: [{name: c}]}}\n"
                      "- {apiVersion: v1, kind: Pod, metadata: {name: bad}, spec: {containers: [{name: c, foo: 1}]}}\n",
                      false),
                 "c.yaml: document 1, items[3]: Pod default/bad: strict decoding error: unknown field "
                 "\"spec.containers[0].foo\"");
    /* existing kinds the scheduler does not read are skipped, still checked */
    const char *mixed = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\n"
                        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: p}\n"
                        "spec: {maxUnavailable: 1}\n---\n"
                        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n---\n"
                        "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n";
    CHECK_EQ_STR(load(mixed, false), "");
    CHECK_EQ_STR(load("apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\n"
                      "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {portz: []}\n",
                      false),
                 "c.yaml: document 2: Service default/s: strict decoding error: unknown field \"spec.portz\"");
    CHECK_EQ_STR(load("apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\n"
                      "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {portz: []}\n",
                      true),
                 "");
    /* decoder errors carry the location once */
    CHECK_EQ_STR(load("apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\n"
                      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c}]\n"
                      "  tolerations: [{operator: Sometimes}]\n",
                      false),
                 "c.yaml: document 2: Pod default/a: spec.tolerations[0].operator: Unsupported value: "
                 "\"Sometimes\": supported values: \"Equal\", \"Exists\"");
    const char *e = load("apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\n"
                         "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n",
                         false);
    CHECK_EQ_STR(e, "c.yaml: document 2: Node n1: already exists");
    /* a snapshot keeps what an admitted pod carries */
    CHECK_EQ_STR(load(full_pod, false), "");
}

int main(void) {
    RUN(kinds_exist_with_scope_and_resource);
    RUN(tables_are_sorted_and_consistent);
    RUN(patch_merge_keys_and_strategies);
    RUN(full_pod_is_valid);
    RUN(unknown_fields_in_kube_apiserver_wording);
    RUN(type_errors_as_go_decoding_reports_them);
    RUN(report_caps_and_lenient_format);
    RUN(check_kinds_and_versions);
    RUN(check_failure_classes);
    RUN(check_strict_lenient_and_rules);
    RUN(document_locations);
    RUN(cluster_files);
    return test_summary("k8s_schema");
}
