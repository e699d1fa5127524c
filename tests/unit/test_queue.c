/*
 * test_queue.c — the scheduling queue on its own: activeQ order (QueueSort
 * plus FIFO ties), backoff durations and expiry, the unschedulable pool and
 * which cluster events move whom, in-flight events, Pending, gating by
 * PreEnqueue, the 5-minute flush, and the nominator.
 */
#include "plugins/registry.h"
#include "scheduler/framework_internal.h"
#include "scheduler/queue.h"
#include "test.h"

#define S 1000000000LL

static bool by_priority(sl_plugin *p, const sl_queued_pod *a, const sl_queued_pod *b) {
    (void)p;
    if (a->info->pod->priority != b->info->pod->priority)
        return a->info->pod->priority > b->info->pod->priority;
    return a->timestamp_ns < b->timestamp_ns;
}
static sl_status gate(sl_plugin *p, const sl_pod_info *pod) {
    (void)p;
    return pod->pod->ngates ? sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE, "gated")
                            : SL_STATUS_SUCCESS;
}
static sl_status bind_nothing(sl_plugin *p, sl_cycle *c, const sl_pod_info *pod, const char *n) {
    (void)p, (void)c, (void)pod, (void)n;
    return SL_STATUS_SUCCESS;
}
/* Gates lift only with the pod's own update, as SchedulingGates'. */
static const sl_plugin_event gate_events[] = {
    {SL_RESOURCE_POD, SL_ACTION_UPDATE_POD_SCHEDULING_GATES_ELIMINATED}};
static uint32_t gate_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = gate_events;
    return ARRAY_LEN(gate_events);
}
/* A PreEnqueue plugin waiting for new nodes (gates pods labelled
 * wait-for-node=yes). */
static sl_status node_gate(sl_plugin *p, const sl_pod_info *pod) {
    (void)p;
    const char *v = k8s_map_get(&pod->pod->labels, "wait-for-node");
    return v && strcmp(v, "yes") == 0 ? sl_status_make(SL_UNSCHEDULABLE, "no node yet")
                                       : SL_STATUS_SUCCESS;
}
static const sl_plugin_event node_add_events[] = {{SL_RESOURCE_NODE, SL_ACTION_ADD}};
static uint32_t node_add_events_to_register(sl_plugin *p, const sl_plugin_event **out) {
    (void)p;
    *out = node_add_events;
    return ARRAY_LEN(node_add_events);
}
static const sl_plugin_ops sort_ops = {.name = "PrioritySort", .less = by_priority};
static const sl_plugin_ops gate_ops = {.name = "SchedulingGates", .pre_enqueue = gate,
                                       .events_to_register = gate_events_to_register};
static const sl_plugin_ops node_gate_ops = {.name = "NodeGate", .pre_enqueue = node_gate,
                                            .events_to_register = node_add_events_to_register};
static const sl_plugin_ops bind_ops = {.name = "DefaultBinder", .bind = bind_nothing};
static const sl_plugin_registration plugins[] = {
    {"PrioritySort", &sort_ops, NULL},
    {"SchedulingGates", &gate_ops, NULL},
    {"NodeGate", &node_gate_ops, NULL},
    {"DefaultBinder", &bind_ops, NULL},
};

/* The SL_EVENT_* mask of an in-tree plugin's events_to_register. */
static uint32_t in_tree_events(const char *name) {
    sl_registry *r = sl_registry_new_default();
    const sl_plugin_registration *reg = sl_registry_find(r, name);
    uint32_t mask = SL_EVENT_ALL;
    if (reg && reg->ops->events_to_register) {
        sl_plugin p = {.ops = reg->ops, .name = name};
        const sl_plugin_event *events = NULL;
        uint32_t n = reg->ops->events_to_register(&p, &events);
        mask = sl_plugin_events_mask(events, n);
    }
    sl_registry_free(r);
    return mask;
}

static sl_framework *fw;

static sl_framework *make_framework(void) {
    static sl_plugin_ref sort = {"PrioritySort", 0}, bind = {"DefaultBinder", 0},
                         gates[] = {{"SchedulingGates", 0}, {"NodeGate", 0}};
    static sl_profile_config profile;
    memset(&profile, 0, sizeof(profile));
    profile.scheduler_name = "default-scheduler";
    profile.percentage_of_nodes_to_score = -1;
    profile.nplugins[SL_EP_QUEUE_SORT] = 1;
    profile.plugins[SL_EP_QUEUE_SORT] = &sort;
    profile.nplugins[SL_EP_PRE_ENQUEUE] = 2;
    profile.plugins[SL_EP_PRE_ENQUEUE] = gates;
    profile.nplugins[SL_EP_BIND] = 1;
    profile.plugins[SL_EP_BIND] = &bind;
    char err[256];
    sl_registry *r = sl_registry_new();
    for (size_t i = 0; i < ARRAY_LEN(plugins); i++) sl_registry_add(r, &plugins[i]);
    sl_framework_options o = {.profile = &profile, .registry = r};
    sl_framework *f = sl_framework_new(&o, err, sizeof err);
    sl_registry_free(r); /* the framework keeps instances, not the registry */
    if (!f) fprintf(stderr, "framework: %s\n", err);
    return f;
}

typedef struct test_pod {
    k8s_pod pod;
    sl_pod_info info;
    sl_queue_entry entry;
} test_pod;

static void make_pod(test_pod *t, const char *name, int32_t priority) {
    memset(t, 0, sizeof(*t));
    t->pod.name = name;
    t->pod.namespace_ = "default";
    t->pod.uid = name;
    t->pod.priority = priority;
    t->info.pod = &t->pod;
    t->entry.qp.info = &t->info;
    t->entry.fw = fw;
}

static sl_queue *new_queue(void) {
    sl_queue_options o = {.queue_sort = fw, .initial_backoff_ns = 1 * S, .max_backoff_ns = 10 * S,
                          .max_unschedulable_ns = 300 * S};
    return sl_queue_new(&o);
}

static const char *pop_name(sl_queue *q) {
    sl_queue_entry *e = sl_queue_pop(q);
    return e ? e->qp.info->pod->name : "(none)";
}

TEST(active_order_priority_then_fifo) {
    sl_queue *q = new_queue();
    test_pod a, b, c, d;
    make_pod(&a, "a", 0);
    make_pod(&b, "b", 10);
    make_pod(&c, "c", 0);
    make_pod(&d, "d", 10);
    sl_queue_add(q, &a.entry, 0);
    sl_queue_add(q, &b.entry, 0);
    sl_queue_add(q, &c.entry, 0);
    sl_queue_add(q, &d.entry, 0);
    CHECK_EQ_STR(pop_name(q), "b");
    CHECK_EQ_STR(pop_name(q), "d");
    CHECK_EQ_STR(pop_name(q), "a");
    CHECK_EQ_STR(pop_name(q), "c");
    CHECK_EQ_STR(pop_name(q), "(none)");
    CHECK_EQ_INT(a.entry.qp.attempts, 1);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_IN_FLIGHT);
    sl_queue_counts n;
    sl_queue_counts_get(q, &n);
    CHECK_EQ_INT(n.in_flight, 4);
    sl_queue_free(q);
}

TEST(backoff_durations) {
    sl_queue *q = new_queue();
    int64_t want[] = {0, 1, 2, 4, 8, 10, 10, 10};
    for (uint32_t i = 0; i < ARRAY_LEN(want); i++)
        CHECK_EQ_INT(sl_queue_backoff_duration(q, i), want[i] * S);
    CHECK_EQ_INT(sl_queue_backoff_duration(q, 200), 10 * S);
    sl_queue_free(q);
}

TEST(error_goes_to_backoff_until_expiry) {
    sl_queue *q = new_queue();
    test_pod a;
    make_pod(&a, "a", 0);
    sl_queue_add(q, &a.entry, 0);
    sl_queue_pop(q);
    sl_queue_requeue(q, &a.entry, SL_FAILURE_ERROR, 0, 5 * S);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_BACKOFF);
    CHECK_EQ_INT(sl_queue_next_backoff_expiry(q), 6 * S);
    CHECK_EQ_INT(sl_queue_flush_backoff(q, 5 * S + S / 2), 0);
    CHECK_EQ_INT(sl_queue_flush_backoff(q, 6 * S), 1);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_ACTIVE);
    /* second failure: 2 s */
    sl_queue_pop(q);
    sl_queue_requeue(q, &a.entry, SL_FAILURE_ERROR, 0, 6 * S);
    CHECK_EQ_INT(sl_queue_next_backoff_expiry(q), 8 * S);
    sl_queue_free(q);
}

TEST(unschedulable_moves_on_matching_events_only) {
    sl_queue *q = new_queue();
    test_pod a, b;
    make_pod(&a, "a", 0);
    make_pod(&b, "b", 0);
    sl_queue_add(q, &a.entry, 0);
    sl_queue_add(q, &b.entry, 0);
    sl_queue_pop(q);
    sl_queue_pop(q);
    uint32_t fit = in_tree_events("NodeResourcesFit");
    uint32_t affinity = in_tree_events("NodeAffinity");
    sl_queue_requeue(q, &a.entry, SL_FAILURE_UNSCHEDULABLE, fit, 0);
    sl_queue_requeue(q, &b.entry, SL_FAILURE_UNSCHEDULABLE, affinity, 0);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_UNSCHEDULABLE);
    CHECK_EQ_INT(b.entry.where, SL_QUEUE_UNSCHEDULABLE);

    /* An assigned pod appearing helps neither. */
    CHECK_EQ_INT(sl_queue_on_event(q, SL_EVENT_ASSIGNED_POD_ADD, 0), 0);
    /* A deleted pod frees resources: a moves, still backing off. */
    CHECK_EQ_INT(sl_queue_on_event(q, SL_EVENT_ASSIGNED_POD_DELETE, S / 2), 1);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_BACKOFF);
    CHECK_EQ_INT(b.entry.where, SL_QUEUE_UNSCHEDULABLE);
    /* A node update after the backoff expired: straight to activeQ. */
    CHECK_EQ_INT(sl_queue_on_event(q, SL_EVENT_NODE_UPDATE, 3 * S), 1);
    CHECK_EQ_INT(b.entry.where, SL_QUEUE_ACTIVE);
    sl_queue_free(q);
}

TEST(in_flight_events_requeue_at_once) {
    sl_queue *q = new_queue();
    test_pod a;
    make_pod(&a, "a", 0);
    sl_queue_add(q, &a.entry, 0);
    sl_queue_pop(q);
    sl_queue_on_event(q, SL_EVENT_ASSIGNED_POD_DELETE, 0); /* e.g. its own preemption victims */
    sl_queue_requeue(q, &a.entry, SL_FAILURE_UNSCHEDULABLE, in_tree_events("NodeResourcesFit"), 0);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_BACKOFF);

    /* an unrelated in-flight event does not */
    sl_queue_flush_backoff(q, 10 * S);
    sl_queue_pop(q);
    sl_queue_on_event(q, SL_EVENT_ASSIGNED_POD_ADD, 10 * S);
    sl_queue_requeue(q, &a.entry, SL_FAILURE_UNSCHEDULABLE, in_tree_events("NodeResourcesFit"), 10 * S);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_UNSCHEDULABLE);
    sl_queue_free(q);
}

TEST(pending_skips_backoff) {
    sl_queue *q = new_queue();
    test_pod a;
    make_pod(&a, "a", 0);
    sl_queue_add(q, &a.entry, 0);
    sl_queue_pop(q);
    sl_queue_requeue(q, &a.entry, SL_FAILURE_PENDING, SL_EVENT_NODE_ADD, 0);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_UNSCHEDULABLE);
    sl_queue_on_event(q, SL_EVENT_NODE_ADD, 0);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_ACTIVE);
    sl_queue_free(q);
}

TEST(unschedulable_timeout_flush) {
    sl_queue *q = new_queue();
    test_pod a;
    make_pod(&a, "a", 0);
    sl_queue_add(q, &a.entry, 0);
    sl_queue_pop(q);
    sl_queue_requeue(q, &a.entry, SL_FAILURE_UNSCHEDULABLE, SL_EVENT_NODE_ADD, 7 * S);
    CHECK_EQ_INT(sl_queue_next_unschedulable_timeout(q), 307 * S);
    CHECK_EQ_INT(sl_queue_flush_unschedulable(q, 307 * S), 0); /* strictly longer */
    CHECK_EQ_INT(sl_queue_flush_unschedulable(q, 330 * S), 1);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_ACTIVE);
    sl_queue_free(q);
}

TEST(gated_pods) {
    sl_queue *q = new_queue();
    test_pod a;
    make_pod(&a, "a", 0);
    a.pod.ngates = 1;
    sl_queue_add(q, &a.entry, 0);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_GATED);
    CHECK_EQ_STR(a.entry.gated_by, "SchedulingGates");
    CHECK(sl_queue_pop(q) == NULL);
    /* cluster events and the flush leave it alone */
    sl_queue_on_event(q, SL_EVENT_ALL, 0);
    sl_queue_flush_unschedulable(q, 1000 * S);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_GATED);
    sl_queue_counts n;
    sl_queue_counts_get(q, &n);
    CHECK_EQ_INT(n.gated, 1);
    CHECK_EQ_INT(n.unschedulable, 0);
    /* its own update, gates removed */
    a.pod.ngates = 0;
    sl_queue_update(q, &a.entry, true, 1 * S);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_ACTIVE);
    CHECK_EQ_INT(a.entry.qp.initial_attempt_ns, 1 * S);
    sl_queue_free(q);
}

TEST(remove_from_anywhere) {
    sl_queue *q = new_queue();
    test_pod p[5];
    for (int i = 0; i < 5; i++) {
        static const char *names[] = {"p0", "p1", "p2", "p3", "p4"};
        make_pod(&p[i], names[i], i);
        sl_queue_add(q, &p[i].entry, 0);
    }
    sl_queue_remove(q, &p[2].entry);
    sl_queue_remove(q, &p[4].entry);
    CHECK_EQ_STR(pop_name(q), "p3");
    CHECK_EQ_STR(pop_name(q), "p1");
    CHECK_EQ_STR(pop_name(q), "p0");
    CHECK(sl_queue_pop(q) == NULL);
    sl_queue_remove(q, &p[1].entry); /* in flight */
    sl_queue_counts n;
    sl_queue_counts_get(q, &n);
    CHECK_EQ_INT(n.in_flight, 2);
    sl_queue_free(q);
}

TEST(nominator) {
    sl_queue *q = new_queue();
    test_pod a, b;
    make_pod(&a, "a", 0);
    make_pod(&b, "b", 0);
    sl_pod_info **out;
    CHECK_EQ_INT(sl_queue_nominated_pods(q, "n1", &out), 0);
    sl_queue_nominate(q, &a.entry, "n1");
    sl_queue_nominate(q, &b.entry, "n1");
    CHECK_EQ_INT(sl_queue_nominated_count(q), 2);
    CHECK_EQ_INT(sl_queue_nominated_pods(q, "n1", &out), 2);
    CHECK(out[0] == &a.info && out[1] == &b.info);
    sl_queue_nominate(q, &a.entry, "n2");
    CHECK_EQ_INT(sl_queue_nominated_pods(q, "n1", &out), 1);
    CHECK(out[0] == &b.info);
    CHECK_EQ_INT(sl_queue_nominated_pods(q, "n2", &out), 1);
    sl_queue_nominate(q, &a.entry, "");
    sl_queue_remove(q, &b.entry);
    CHECK_EQ_INT(sl_queue_nominated_count(q), 0);
    CHECK(a.entry.nominated_node == NULL);
    sl_queue_free(q);
}

/* Each in-tree plugin's events_to_register, as the queue sees it: the
 * masks the queue's old name table had. */
TEST(plugin_event_table) {
    CHECK_EQ_INT(in_tree_events("SomeOutOfTreePlugin"), SL_EVENT_ALL);
    CHECK_EQ_INT(in_tree_events("DefaultBinder"), SL_EVENT_ALL);
    CHECK(in_tree_events("InterPodAffinity") & SL_EVENT_ASSIGNED_POD_ADD);
    CHECK(!(in_tree_events("NodeResourcesFit") & SL_EVENT_ASSIGNED_POD_ADD));
    CHECK_EQ_INT(in_tree_events("SchedulingGates"), SL_EVENT_UNSCHEDULED_POD_UPDATE);
    uint32_t node = SL_EVENT_NODE_ADD | SL_EVENT_NODE_UPDATE;
    uint32_t pods = SL_EVENT_ASSIGNED_POD_ADD | SL_EVENT_ASSIGNED_POD_UPDATE | SL_EVENT_ASSIGNED_POD_DELETE;
    CHECK_EQ_INT(in_tree_events("NodeUnschedulable"), node);
    CHECK_EQ_INT(in_tree_events("NodeName"), node);
    CHECK_EQ_INT(in_tree_events("TaintToleration"), node);
    CHECK_EQ_INT(in_tree_events("NodeAffinity"), node);
    CHECK_EQ_INT(in_tree_events("VolumeZone"), node);
    CHECK_EQ_INT(in_tree_events("NodePorts"), node | SL_EVENT_ASSIGNED_POD_DELETE);
    CHECK_EQ_INT(in_tree_events("VolumeRestrictions"), node | SL_EVENT_ASSIGNED_POD_DELETE);
    CHECK_EQ_INT(in_tree_events("NodeVolumeLimits"), node | SL_EVENT_ASSIGNED_POD_DELETE);
    CHECK_EQ_INT(in_tree_events("VolumeBinding"), node | SL_EVENT_ASSIGNED_POD_DELETE);
    CHECK_EQ_INT(in_tree_events("NodeResourcesFit"),
                 node | SL_EVENT_ASSIGNED_POD_DELETE | SL_EVENT_ASSIGNED_POD_UPDATE);
    CHECK_EQ_INT(in_tree_events("PodTopologySpread"), node | SL_EVENT_NODE_DELETE | pods);
    CHECK_EQ_INT(in_tree_events("InterPodAffinity"), node | pods);
    /* The framework answers for its own plugins, ALL for names it lacks. */
    CHECK_EQ_INT(sl_framework_plugin_events(fw, "SchedulingGates"), SL_EVENT_UNSCHEDULED_POD_UPDATE);
    CHECK_EQ_INT(sl_framework_plugin_events(fw, "NodeGate"), SL_EVENT_NODE_ADD);
    CHECK_EQ_INT(sl_framework_plugin_events(fw, "PrioritySort"), SL_EVENT_ALL);
    CHECK_EQ_INT(sl_framework_plugin_events(fw, "Nope"), SL_EVENT_ALL);
    CHECK_EQ_INT(sl_framework_plugin_events(fw, NULL), SL_EVENT_ALL);
}

/* The mapping of (resource, actions) pairs onto the queue's events. */
TEST(plugin_events_mask) {
    sl_plugin_event wild[] = {{SL_RESOURCE_WILDCARD, SL_ACTION_ALL}};
    CHECK_EQ_INT(sl_plugin_events_mask(wild, 1), SL_EVENT_ALL);
    sl_plugin_event nothing_we_model[] = {{SL_RESOURCE_PERSISTENT_VOLUME_CLAIM, SL_ACTION_ALL},
                                          {SL_RESOURCE_STORAGE_CLASS, SL_ACTION_ADD}};
    CHECK_EQ_INT(sl_plugin_events_mask(nothing_we_model, 2), 0);
    sl_plugin_event node_delete[] = {{SL_RESOURCE_NODE, SL_ACTION_DELETE}};
    CHECK_EQ_INT(sl_plugin_events_mask(node_delete, 1), SL_EVENT_NODE_DELETE);
    /* the wasm SDK's Update (60) on Node: a node update */
    sl_plugin_event sdk_update[] = {{SL_RESOURCE_NODE, 60}};
    CHECK_EQ_INT(sl_plugin_events_mask(sdk_update, 1), SL_EVENT_NODE_UPDATE);
    sl_plugin_event pod_all[] = {{SL_RESOURCE_POD, SL_ACTION_ALL}};
    CHECK_EQ_INT(sl_plugin_events_mask(pod_all, 1),
                 SL_EVENT_ASSIGNED_POD_ADD | SL_EVENT_ASSIGNED_POD_UPDATE |
                     SL_EVENT_ASSIGNED_POD_DELETE | SL_EVENT_UNSCHEDULED_POD_UPDATE);
    CHECK_EQ_INT(sl_plugin_events_mask(NULL, 0), 0);
    /* the SDK's All (63) on Pod is every pod event, the pod's own update too */
    sl_plugin_event sdk_all[] = {{SL_RESOURCE_POD, 63}};
    CHECK_EQ_INT(sl_plugin_events_mask(sdk_all, 1), sl_plugin_events_mask(pod_all, 1));
    /* the wasm host's default list (no enqueue export): every event we have */
    sl_plugin_event defaults[] = {{SL_RESOURCE_POD, 63}, {SL_RESOURCE_NODE, 63},
                                  {SL_RESOURCE_CSI_NODE, 63}, {SL_RESOURCE_PERSISTENT_VOLUME, 63},
                                  {SL_RESOURCE_PERSISTENT_VOLUME_CLAIM, 63},
                                  {SL_RESOURCE_STORAGE_CLASS, 63}};
    CHECK_EQ_INT(sl_plugin_events_mask(defaults, 6), SL_EVENT_ALL & ~SL_EVENT_UNSCHEDULABLE_TIMEOUT);
}

/* A pod gated by a plugin that registered {Node, Add} re-runs PreEnqueue
 * on a node added, and only then; SchedulingGates' pods stay put. */
TEST(gate_reacts_to_its_plugin_events) {
    sl_queue *q = new_queue();
    test_pod a, b;
    make_pod(&a, "a", 0);
    make_pod(&b, "b", 0);
    k8s_kv label = {"wait-for-node", "yes"};
    a.pod.labels.items = &label;
    a.pod.labels.len = 1;
    b.pod.ngates = 1;
    sl_queue_add(q, &a.entry, 0);
    sl_queue_add(q, &b.entry, 0);
    CHECK_EQ_STR(a.entry.gated_by, "NodeGate");
    CHECK_EQ_STR(b.entry.gated_by, "SchedulingGates");
    /* the gate lifts, but no registered event came yet */
    label.value = "no";
    CHECK_EQ_INT(sl_queue_on_event(q, SL_EVENT_ASSIGNED_POD_DELETE, 0), 0);
    CHECK_EQ_INT(sl_queue_on_event(q, SL_EVENT_NODE_UPDATE, 0), 0);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_GATED);
    b.pod.ngates = 0; /* a gate only the pod's own update lifts */
    CHECK_EQ_INT(sl_queue_on_event(q, SL_EVENT_NODE_ADD, 0), 1);
    CHECK_EQ_INT(a.entry.where, SL_QUEUE_ACTIVE);
    CHECK_EQ_INT(b.entry.where, SL_QUEUE_GATED);
    sl_queue_free(q);
}

int main(void) {
    fw = make_framework();
    if (!fw) return 1;
    RUN(active_order_priority_then_fifo);
    RUN(backoff_durations);
    RUN(error_goes_to_backoff_until_expiry);
    RUN(unschedulable_moves_on_matching_events_only);
    RUN(in_flight_events_requeue_at_once);
    RUN(pending_skips_backoff);
    RUN(unschedulable_timeout_flush);
    RUN(gated_pods);
    RUN(remove_from_anywhere);
    RUN(nominator);
    RUN(plugin_event_table);
    RUN(plugin_events_mask);
    RUN(gate_reacts_to_its_plugin_events);
    sl_framework_free(fw);
    return test_summary("queue");
}
