/* Unit tests of the in-process cluster source over the store
 * (cluster_store.c): loading documents, subscribe replay order, bind /
 * delete / status writes publishing new versions (the old one untouched)
 * and the events they deliver, recorded events as Event objects. */
#include "scheduler/cluster.h"
#include "test.h"

typedef struct seen {
    char log[4096];
    const char *old_node_name;   /* from the last MODIFIED pod event */
    const char *new_node_name;
} seen;

static void on_node(void *user, sl_watch_type type, k8s_node *old, k8s_node *obj) {
    seen *s = user;
    UNUSED(old);
    size_t n = strlen(s->log);
    snprintf(s->log + n, sizeof(s->log) - n, "%sN:%s ", type == SL_WATCH_ADDED ? "+" : "?", obj->name);
}

static void on_pod(void *user, sl_watch_type type, k8s_pod *old, k8s_pod *obj) {
    seen *s = user;
    size_t n = strlen(s->log);
    const char *mark = type == SL_WATCH_ADDED ? "+" : type == SL_WATCH_MODIFIED ? "~" : "-";
    snprintf(s->log + n, sizeof(s->log) - n, "%sP:%s ", mark, obj->name);
    if (type == SL_WATCH_MODIFIED) {
        s->old_node_name = old->node_name;
        s->new_node_name = obj->node_name;
    }
    if (type == SL_WATCH_DELETED) CHECK(old == NULL);
}

static const char cluster_yaml[] =
    "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {capacity: {cpu: 4}}\n---\n"
    "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n---\n"
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ignored}\n---\n"
    "apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: other}\nspec:\n  containers: [{name: c}]\n  terminationGracePeriodSeconds: 1\n---\n"
    "apiVersion: v1\nkind: Node\nmetadata: {name: n2}\n";

static sl_cluster *load(const char *yaml) {
    char err[512];
    json_t *docs = k8s_parse_documents(yaml, strlen(yaml), "c.yaml", err, sizeof(err));
    if (!docs) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    sl_cluster *c = sl_cluster_memory_new();
    log_set_level(SL_LOG_ERROR); /* the ConfigMap warning */
    bool ok = sl_cluster_memory_load(c, docs, "c.yaml", err, sizeof(err));
    log_set_level(SL_LOG_INFO);
    json_decref(docs);
    if (!ok) fprintf(stderr, "%s\n", err);
    return c;
}

TEST(load_and_subscribe_replays_nodes_then_pods) {
    sl_cluster *c = load(cluster_yaml);
    k8s_pod **pods;
    CHECK_EQ_INT(sl_cluster_memory_pods(c, &pods), 2);
    CHECK_EQ_STR(pods[0]->name, "a");
    CHECK_EQ_STR(pods[1]->namespace_, "other");
    seen s = {{0}, NULL, NULL};
    sl_cluster_handler h = {&s, on_node, on_pod, NULL, NULL, NULL, NULL};
    c->ops->subscribe(c, &h);
    CHECK_EQ_STR(s.log, "+N:n1 +N:n2 +P:a +P:b ");
    /* after subscribe, additions are delivered */
    char err[256];
    json_t *v = json_pack("{s:s, s:{s:s}}", "kind", "Pod", "metadata", "name", "late");
    k8s_pod *late = k8s_pod_decode(v, NULL, err, sizeof(err));
    json_decref(v);
    CHECK(sl_cluster_memory_add_pod(c, late, err, sizeof(err)));
    CHECK_EQ_STR(s.log, "+N:n1 +N:n2 +P:a +P:b +P:late ");
    CHECK_EQ_STR(sl_cluster_memory_find_pod(c, "default", "late")->name, "late");
    CHECK(sl_cluster_memory_find_pod(c, "other", "b") != NULL);
    CHECK(sl_cluster_memory_find_pod(c, "default", "b") == NULL);
    c->ops->destroy(c);
}

static void on_namespace(void *user, sl_watch_type type, k8s_namespace *old, k8s_namespace *obj) {
    seen *s = user;
    UNUSED(old);
    size_t n = strlen(s->log);
    snprintf(s->log + n, sizeof(s->log) - n, "%sNS:%s ", type == SL_WATCH_ADDED ? "+" : "?", obj->name);
}

TEST(namespaces_load_and_replay_first) {
    static const char yaml[] =
        "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: team1, labels: {team: t1}}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: team1}\nspec: {containers: [{name: c}]}\n---\n"
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: bare}\n";
    sl_cluster *c = load(yaml);
    k8s_namespace *ns = sl_cluster_memory_find_namespace(c, "team1");
    CHECK(ns != NULL);
    CHECK_EQ_STR(k8s_map_get(&ns->labels, "team"), "t1");
    CHECK(sl_cluster_memory_find_namespace(c, "bare") != NULL);
    CHECK_EQ_INT(sl_cluster_memory_find_namespace(c, "bare")->labels.len, 0);
    CHECK(sl_cluster_memory_find_namespace(c, "default") != NULL); /* precreated */
    seen s = {{0}, NULL, NULL};
    sl_cluster_handler h = {&s, on_node, on_pod, on_namespace, NULL, NULL, NULL};
    c->ops->subscribe(c, &h);
    CHECK_EQ_STR(s.log, "+NS:default +NS:kube-system +NS:kube-public +NS:kube-node-lease +NS:team1 +NS:bare +N:n1 +P:a ");
    s.log[0] = 0;
    /* after subscribe, additions are delivered; duplicates are errors */
    char err[256];
    json_t *v = json_pack("{s:s, s:{s:s}}", "kind", "Namespace", "metadata", "name", "late");
    k8s_namespace *late = k8s_namespace_decode(v, NULL, err, sizeof(err));
    CHECK(late != NULL);
    CHECK(sl_cluster_memory_add_namespace(c, late, err, sizeof(err)));
    CHECK_EQ_STR(s.log, "+NS:late ");
    k8s_namespace *again = k8s_namespace_decode(v, NULL, err, sizeof(err));
    CHECK(!sl_cluster_memory_add_namespace(c, again, err, sizeof(err)));
    CHECK_EQ_STR(err, "Namespace late: already exists");
    k8s_namespace_free(again);
    json_decref(v);
    /* a handler without on_namespace still works */
    c->ops->destroy(c);
    c = load(yaml);
    s.log[0] = 0;
    sl_cluster_handler h2 = {&s, on_node, on_pod, NULL, NULL, NULL, NULL};
    c->ops->subscribe(c, &h2);
    CHECK_EQ_STR(s.log, "+N:n1 +P:a ");
    c->ops->destroy(c);
    /* decode errors name the object and field */
    const char *bad = "apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: {a: 1}}\n";
    json_t *docs = k8s_parse_documents(bad, strlen(bad), "b.yaml", err, sizeof(err));
    c = sl_cluster_memory_new();
    CHECK(!sl_cluster_memory_load(c, docs, "b.yaml", err, sizeof(err)));
    CHECK_EQ_STR(err, "b.yaml: document 1: Namespace x: json: cannot unmarshal number 1 into Go "
                      "struct field ObjectMeta.metadata.labels of type string");
    json_decref(docs);
    c->ops->destroy(c);
}

TEST(duplicates_are_errors) {
    char err[512];
    const char *yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n---\n"
                       "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n";
    json_t *docs = k8s_parse_documents(yaml, strlen(yaml), "d.yaml", err, sizeof(err));
    sl_cluster *c = sl_cluster_memory_new();
    CHECK(!sl_cluster_memory_load(c, docs, "d.yaml", err, sizeof(err)));
    CHECK_EQ_STR(err, "d.yaml: document 2: Pod default/a: already exists");
    json_decref(docs);
    yaml = "apiVersion: v1\nkind: Node\nmetadata: {name: n}\n---\napiVersion: v1\nkind: Node\nmetadata: {name: n}\n";
    docs = k8s_parse_documents(yaml, strlen(yaml), "d.yaml", err, sizeof(err));
    CHECK(!sl_cluster_memory_load(c, docs, "d.yaml", err, sizeof(err)));
    CHECK_EQ_STR(err, "d.yaml: document 2: Node n: already exists");
    json_decref(docs);
    yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {priority: x, containers: [{name: c}]}\n";
    docs = k8s_parse_documents(yaml, strlen(yaml), "d.yaml", err, sizeof(err));
    CHECK(!sl_cluster_memory_load(c, docs, "d.yaml", err, sizeof(err)));
    CHECK_EQ_STR(err, "d.yaml: document 1: Pod default/bad: json: cannot unmarshal string into Go "
                      "struct field PodSpec.spec.priority of type int32");
    json_decref(docs);
    c->ops->destroy(c);
}

TEST(bind_sets_node_name_and_raw_and_delivers_modified) {
    sl_cluster *c = load(cluster_yaml);
    seen s = {{0}, NULL, NULL};
    sl_cluster_handler h = {&s, on_node, on_pod, NULL, NULL, NULL, NULL};
    c->ops->subscribe(c, &h);
    s.log[0] = 0;
    k8s_pod *b = sl_cluster_memory_find_pod(c, "other", "b");
    sl_status st = c->ops->bind(c, b, "n2");
    CHECK(sl_status_is_success(st));
    CHECK_EQ_STR(s.log, "~P:b ");
    CHECK_EQ_STR(s.old_node_name, "");
    CHECK_EQ_STR(s.new_node_name, "n2");
    CHECK_EQ_STR(b->node_name, ""); /* the version we held is immutable */
    k8s_pod *old_b = b;
    b = sl_cluster_memory_find_pod(c, "other", "b");
    CHECK(b != old_b);
    CHECK_EQ_STR(b->node_name, "n2");
    CHECK(json_object_get(json_object_get(old_b->raw, "spec"), "nodeName") == NULL);
    json_t *spec = json_object_get(b->raw, "spec");
    CHECK_EQ_STR(json_string_value(json_object_get(spec, "nodeName")), "n2");
    CHECK_EQ_INT(json_integer_value(json_object_get(spec, "terminationGracePeriodSeconds")), 1);
    json_t *cond = json_array_get(json_object_get(json_object_get(b->raw, "status"), "conditions"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(cond, "type")), "PodScheduled");
    CHECK_EQ_STR(json_string_value(json_object_get(cond, "status")), "True");
    st = c->ops->bind(c, b, "n1");
    CHECK_EQ_INT(st.code, SL_ERROR);
    CHECK_EQ_STR(st.message, "binding: pod is already assigned to a node");
    c->ops->destroy(c);
}

TEST(delete_and_status_and_events) {
    sl_cluster *c = load(cluster_yaml);
    seen s = {{0}, NULL, NULL};
    sl_cluster_handler h = {&s, on_node, on_pod, NULL, NULL, NULL, NULL};
    c->ops->subscribe(c, &h);
    s.log[0] = 0;
    k8s_pod *a = sl_cluster_memory_find_pod(c, NULL, "a");

    const char *message = NULL;
    CHECK_EQ_STR(sl_cluster_memory_pod_condition(c, a, &message), "");
    sl_status st = c->ops->update_pod_status(c, a, "Unschedulable", "0/2 nodes are available", "n1");
    CHECK(sl_status_is_success(st));
    CHECK_EQ_STR(sl_cluster_memory_pod_condition(c, a, &message), "Unschedulable");
    CHECK_EQ_STR(message, "0/2 nodes are available");
    a = sl_cluster_memory_find_pod(c, NULL, "a");
    CHECK_EQ_STR(a->nominated_node_name, "n1");
    json_t *status = json_object_get(a->raw, "status");
    CHECK_EQ_STR(json_string_value(json_object_get(status, "nominatedNodeName")), "n1");
    json_t *cond = json_array_get(json_object_get(status, "conditions"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(cond, "status")), "False");
    CHECK_EQ_STR(json_string_value(json_object_get(cond, "reason")), "Unschedulable");
    CHECK_EQ_STR(json_string_value(json_object_get(cond, "message")), "0/2 nodes are available");
    /* NULL leaves the nomination, "" clears it */
    c->ops->update_pod_status(c, a, "Unschedulable", "again", NULL);
    a = sl_cluster_memory_find_pod(c, NULL, "a");
    CHECK_EQ_STR(a->nominated_node_name, "n1");
    c->ops->update_pod_status(c, a, "SchedulerError", "boom", "");
    a = sl_cluster_memory_find_pod(c, NULL, "a");
    CHECK_EQ_STR(a->nominated_node_name, "");
    status = json_object_get(a->raw, "status");
    CHECK(json_object_get(status, "nominatedNodeName") == NULL);
    CHECK_EQ_INT(json_array_size(json_object_get(status, "conditions")), 1);
    CHECK_EQ_STR(s.log, ""); /* status writes are not echoed */

    c->ops->record_event(c, a, "Warning", "FailedScheduling", "boom");
    c->ops->record_event(c, a, "Normal", "Scheduled", "assigned default/a to n1");
    const sl_cluster_event *events;
    CHECK_EQ_INT(sl_cluster_memory_events(c, &events), 2);
    CHECK_EQ_STR(events[0].reason, "FailedScheduling");
    CHECK_EQ_STR(events[0].type, "Warning");
    CHECK_EQ_STR(events[1].pod_name, "a");
    CHECK_EQ_STR(events[1].namespace_, "default");
    CHECK_EQ_STR(events[1].message, "assigned default/a to n1");
    CHECK(events[1].wall_ns > 0);
    /* the events are Event objects in the store, for kubectl describe */
    sl_store *store = sl_cluster_store(c);
    sl_selector sel;
    sl_store_error serr;
    CHECK(sl_selector_parse(&sel, sl_resource_get(SL_RES_EVENTS), NULL,
                            "involvedObject.name=a,reason=Scheduled", &serr));
    sl_list_options lo = {.namespace_ = "default", .selector = &sel};
    sl_list list;
    CHECK_EQ_INT(sl_store_list(store, sl_resource_get(SL_RES_EVENTS), &lo, &list, &serr), 200);
    CHECK_EQ_INT(list.len, 1);
    if (list.len)
        CHECK_EQ_STR(json_string_value(json_object_get(list.items[0]->json, "message")), "assigned default/a to n1");
    sl_list_free(&list);
    sl_selector_free(&sel);
    /* the recorded events were created once each, with the event's time
     * and the pod's uid; from now on every event is created as recorded */
    const sl_resource *events_res = sl_resource_get(SL_RES_EVENTS);
    CHECK_EQ_INT(sl_store_count(store, events_res), 2);
    CHECK(sl_store_list(store, events_res, &(sl_list_options){.namespace_ = "default"}, &list, &serr) == 200);
    for (size_t i = 0; i < list.len; i++) {
        json_t *ev = list.items[i]->json;
        char when0[32], when1[32];
        time_format_rfc3339(events[0].wall_ns, when0, sizeof when0);
        time_format_rfc3339(events[1].wall_ns, when1, sizeof when1);
        const char *first = json_string_value(json_object_get(ev, "firstTimestamp"));
        CHECK(first && (!strcmp(first, when0) || !strcmp(first, when1)));
        CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(ev, "involvedObject"), "uid")), a->uid);
        CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(ev, "source"), "component")), "default-scheduler");
    }
    sl_list_free(&list);
    c->ops->record_event(c, a, "Normal", "Scheduled", "again");
    CHECK_EQ_INT(sl_store_count(store, events_res), 3);
    CHECK(sl_cluster_store(c) == store);
    CHECK_EQ_INT(sl_store_count(store, events_res), 3);
    CHECK_EQ_INT(sl_cluster_memory_events(c, &events), 3);

    st = c->ops->delete_pod(c, a);
    CHECK(sl_status_is_success(st));
    CHECK_EQ_STR(s.log, "-P:a ");
    CHECK(sl_cluster_memory_pod_deleted(c, "default", "a"));
    CHECK(!sl_cluster_memory_pod_deleted(c, "other", "b"));
    CHECK(sl_cluster_memory_find_pod(c, "default", "a") == NULL);
    CHECK_EQ_STR(a->name, "a"); /* still allocated */
    CHECK_EQ_STR(sl_cluster_memory_pod_condition(c, a, NULL), "SchedulerError");
    k8s_pod **pods;
    CHECK_EQ_INT(sl_cluster_memory_pods(c, &pods), 1);
    CHECK_EQ_STR(pods[0]->name, "b");
    st = c->ops->delete_pod(c, a);
    CHECK_EQ_INT(st.code, SL_ERROR);
    st = c->ops->bind(c, a, "n1");
    CHECK_EQ_INT(st.code, SL_ERROR);
    /* the name can be reused */
    char err[256];
    json_t *v = json_pack("{s:s, s:{s:s}}", "kind", "Pod", "metadata", "name", "a");
    k8s_pod *again = k8s_pod_decode(v, NULL, err, sizeof(err));
    json_decref(v);
    CHECK(sl_cluster_memory_add_pod(c, again, err, sizeof(err)));
    CHECK(!sl_cluster_memory_pod_deleted(c, "default", "a"));
    c->ops->destroy(c);
}

TEST(event_list_is_bounded) {
    sl_cluster *c = load(cluster_yaml);
    k8s_pod *a = sl_cluster_memory_find_pod(c, NULL, "a");
    for (int i = 0; i < 100005; i++) c->ops->record_event(c, a, "Normal", "Scheduled", "m");
    const sl_cluster_event *events;
    uint32_t n = sl_cluster_memory_events(c, &events);
    CHECK(n >= 50000 && n <= 100000);
    /* handing the store out creates the newest 10000 as Event objects */
    sl_store *store = sl_cluster_store(c);
    CHECK_EQ_INT(sl_store_count(store, sl_resource_get(SL_RES_EVENTS)), 10000);
    c->ops->record_event(c, a, "Normal", "Scheduled", "last");
    CHECK_EQ_INT(sl_store_count(store, sl_resource_get(SL_RES_EVENTS)), 10000);
    c->ops->destroy(c);
}

static void on_object(void *user, sl_watch_type type, const sl_object *old, const sl_object *obj) {
    seen *s = user;
    UNUSED(old);
    size_t n = strlen(s->log);
    snprintf(s->log + n, sizeof(s->log) - n, "%s%s:%s ", type == SL_WATCH_ADDED ? "+" : "?", obj->res->kind, obj->name);
}

TEST(other_kinds_reach_on_object) {
    static const char yaml[] =
        "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\n"
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: pdb1}\nspec: {minAvailable: 1, selector: {matchLabels: {app: a}}}\n---\n"
        "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 100\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec: {selector: {app: a}}\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {priorityClassName: high, containers: [{name: c}]}\n";
    sl_cluster *c = load(yaml);
    seen s = {{0}, NULL, NULL};
    sl_cluster_handler h = {&s, on_node, on_pod, NULL, on_object, NULL, NULL};
    c->ops->subscribe(c, &h);
    CHECK_EQ_STR(s.log, "+PriorityClass:system-node-critical +PriorityClass:system-cluster-critical "
                        "+PriorityClass:high +PodDisruptionBudget:pdb1 +Service:svc +N:n1 +P:p ");
    /* snapshot admission resolved the class into spec.priority */
    CHECK_EQ_INT(sl_cluster_memory_find_pod(c, "default", "p")->priority, 100);
    c->ops->destroy(c);
}

int main(void) {
    RUN(other_kinds_reach_on_object);
    RUN(load_and_subscribe_replays_nodes_then_pods);
    RUN(namespaces_load_and_replay_first);
    RUN(duplicates_are_errors);
    RUN(bind_sets_node_name_and_raw_and_delivers_modified);
    RUN(delete_and_status_and_events);
    RUN(event_list_is_bounded);
    return test_summary("cluster_store");
}
