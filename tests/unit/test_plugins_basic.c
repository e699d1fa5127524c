/*
 * Unit tests of the simple default plugins: PrioritySort, SchedulingGates,
 * NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts,
 * ImageLocality and the volume no-ops. Cases follow upstream's plugin test
 * tables (paraphrased) and the formulas in reference/kube-scheduler.md §2.3.
 */
#include "plugin_fixture.h"
#include "test.h"

#define MIB (1024LL * 1024LL)

/* The registry refers to plugins weakly, which does not pull their objects
 * out of libschedlab.a; referencing them here does. */
#define PLUGIN(name) extern const sl_plugin_registration sl_plugin_##name;
#include "plugins/plugin_list.h"
#undef PLUGIN
const sl_plugin_registration *const test_linked_plugins[] = {
#define PLUGIN(name) &sl_plugin_##name,
#include "plugins/plugin_list.h"
#undef PLUGIN
};

static const char *message(sl_status s) { return s.message ? s.message : "(null)"; }

TEST(priority_sort_orders_by_priority_then_time) {
    fixture f;
    fixture_init(&f);
    sl_pod_info *hi = fixture_incoming(&f, "{'metadata':{'name':'hi'},'spec':{'priority':10}}");
    sl_pod_info *lo = fixture_incoming(&f, "{'metadata':{'name':'lo'},'spec':{}}");
    sl_plugin *p = fixture_plugin(&f, "PrioritySort", NULL);
    sl_queued_pod a = {.info = hi, .timestamp_ns = 200}, b = {.info = lo, .timestamp_ns = 100};
    CHECK(p->ops->less(p, &a, &b));
    CHECK(!p->ops->less(p, &b, &a));
    sl_queued_pod c = {.info = lo, .timestamp_ns = 50};
    CHECK(p->ops->less(p, &c, &b)); /* same priority: earlier first */
    CHECK(!p->ops->less(p, &b, &c));
    fixture_free(&f);
}

TEST(scheduling_gates_lists_gates) {
    fixture f;
    fixture_init(&f);
    sl_plugin *p = fixture_plugin(&f, "SchedulingGates", NULL);
    sl_pod_info *gated = fixture_incoming(
        &f, "{'metadata':{'name':'g'},'spec':{'schedulingGates':[{'name':'foo'},{'name':'bar'}]}}");
    sl_status s = p->ops->pre_enqueue(p, gated);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(message(s), "waiting for scheduling gates: [foo bar]");
    sl_pod_info *free_pod = fixture_incoming(&f, "{'metadata':{'name':'f'},'spec':{}}");
    CHECK_EQ_INT(p->ops->pre_enqueue(p, free_pod).code, SL_SUCCESS);
    fixture_free(&f);
}

TEST(node_unschedulable_and_node_name) {
    fixture f;
    fixture_init(&f);
    fixture_node(&f, "{'metadata':{'name':'cordoned'},'spec':{'unschedulable':true}}");
    fixture_node(&f, "{'metadata':{'name':'open'}}");
    sl_pod_info *plain = fixture_incoming(&f, "{'metadata':{'name':'a'},'spec':{}}");
    sl_pod_info *tolerant = fixture_incoming(
        &f, "{'metadata':{'name':'b'},'spec':{'tolerations':[{'key':'node.kubernetes.io/"
            "unschedulable','operator':'Exists','effect':'NoSchedule'}]}}");
    sl_pod_info *named = fixture_incoming(&f, "{'metadata':{'name':'c'},'spec':{'nodeName':'open'}}");
    fixture_begin(&f);
    sl_plugin *nu = fixture_plugin(&f, "NodeUnschedulable", NULL);
    sl_status s = nu->ops->filter(nu, f.cycle, plain, fixture_node_info(&f, "cordoned"));
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(message(s), "node(s) were unschedulable");
    CHECK_EQ_INT(nu->ops->filter(nu, f.cycle, tolerant, fixture_node_info(&f, "cordoned")).code,
                 SL_SUCCESS);
    CHECK_EQ_INT(nu->ops->filter(nu, f.cycle, plain, fixture_node_info(&f, "open")).code,
                 SL_SUCCESS);

    sl_plugin *nn = fixture_plugin(&f, "NodeName", NULL);
    CHECK_EQ_INT(nn->ops->filter(nn, f.cycle, named, fixture_node_info(&f, "open")).code,
                 SL_SUCCESS);
    s = nn->ops->filter(nn, f.cycle, named, fixture_node_info(&f, "cordoned"));
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(message(s), "node(s) didn't match the requested node name");
    CHECK_EQ_INT(nn->ops->filter(nn, f.cycle, plain, fixture_node_info(&f, "cordoned")).code,
                 SL_SUCCESS);
    fixture_free(&f);
}

TEST(taint_toleration_filter) {
    fixture f;
    fixture_init(&f);
    fixture_node(&f, "{'metadata':{'name':'gpu'},'spec':{'taints':[{'key':'soft','value':'x',"
                     "'effect':'PreferNoSchedule'},{'key':'dedicated','value':'gpu','effect':"
                     "'NoSchedule'}]}}");
    fixture_node(&f, "{'metadata':{'name':'evict'},'spec':{'taints':[{'key':'gone','effect':"
                     "'NoExecute'}]}}");
    sl_pod_info *plain = fixture_incoming(&f, "{'metadata':{'name':'a'},'spec':{}}");
    sl_pod_info *tol = fixture_incoming(
        &f, "{'metadata':{'name':'b'},'spec':{'tolerations':[{'key':'dedicated','operator':"
            "'Equal','value':'gpu','effect':'NoSchedule'}]}}");
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "TaintToleration", NULL);
    sl_status s = p->ops->filter(p, f.cycle, plain, fixture_node_info(&f, "gpu"));
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(message(s), "node(s) had untolerated taint {dedicated: gpu}");
    s = p->ops->filter(p, f.cycle, plain, fixture_node_info(&f, "evict"));
    CHECK_EQ_STR(message(s), "node(s) had untolerated taint {gone: }");
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, tol, fixture_node_info(&f, "gpu")).code, SL_SUCCESS);
    fixture_free(&f);
}

TEST(taint_toleration_score_is_reversed) {
    fixture f;
    fixture_init(&f);
    fixture_node(&f, "{'metadata':{'name':'clean'}}");
    fixture_node(&f, "{'metadata':{'name':'one'},'spec':{'taints':[{'key':'a','value':'1',"
                     "'effect':'PreferNoSchedule'}]}}");
    fixture_node(&f, "{'metadata':{'name':'two'},'spec':{'taints':[{'key':'a','value':'1',"
                     "'effect':'PreferNoSchedule'},{'key':'b','value':'2','effect':"
                     "'PreferNoSchedule'},{'key':'c','effect':'NoSchedule'}]}}");
    fixture_node(&f, "{'metadata':{'name':'tolerated'},'spec':{'taints':[{'key':'t','value':'v',"
                     "'effect':'PreferNoSchedule'}]}}");
    /* Only tolerations with an empty or PreferNoSchedule effect count. */
    sl_pod_info *pod = fixture_incoming(
        &f, "{'metadata':{'name':'p'},'spec':{'tolerations':[{'key':'t','operator':'Equal',"
            "'value':'v','effect':'PreferNoSchedule'},{'key':'b','operator':'Exists',"
            "'effect':'NoSchedule'}]}}");
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "TaintToleration", NULL);
    const char *names[] = {"clean", "one", "two", "tolerated"};
    int64_t scores[4];
    CHECK_EQ_INT(fixture_score(&f, p, pod, names, 4, scores).code, SL_SUCCESS);
    CHECK_EQ_INT(scores[0], 100);
    CHECK_EQ_INT(scores[1], 50);
    CHECK_EQ_INT(scores[2], 0);
    CHECK_EQ_INT(scores[3], 100);
    /* No intolerable taint anywhere: everyone gets the maximum. */
    const char *clean[] = {"clean", "tolerated"};
    CHECK_EQ_INT(fixture_score(&f, p, pod, clean, 2, scores).code, SL_SUCCESS);
    CHECK_EQ_INT(scores[0], 100);
    CHECK_EQ_INT(scores[1], 100);
    fixture_free(&f);
}

TEST(node_affinity_pre_filter_and_filter) {
    fixture f;
    fixture_init(&f);
    fixture_node(&f, "{'metadata':{'name':'n1','labels':{'zone':'a','disk':'ssd'}}}");
    fixture_node(&f, "{'metadata':{'name':'n2','labels':{'zone':'b'}}}");
    sl_pod_info *plain = fixture_incoming(&f, "{'metadata':{'name':'plain'},'spec':{}}");
    sl_pod_info *selector =
        fixture_incoming(&f, "{'metadata':{'name':'sel'},'spec':{'nodeSelector':{'zone':'a'}}}");
    sl_pod_info *required = fixture_incoming(
        &f, "{'metadata':{'name':'req'},'spec':{'affinity':{'nodeAffinity':{"
            "'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[{"
            "'matchExpressions':[{'key':'disk','operator':'In','values':['ssd']}]}]}}}}}");
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "NodeAffinity", NULL);
    sl_prefilter_result r = {.all = true};
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, plain, &r).code, SL_SKIP);
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, selector, &r).code, SL_SUCCESS);
    CHECK(r.all);
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, selector, fixture_node_info(&f, "n1")).code,
                 SL_SUCCESS);
    sl_status s = p->ops->filter(p, f.cycle, selector, fixture_node_info(&f, "n2"));
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(message(s), "node(s) didn't match Pod's node affinity/selector");
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, required, &r).code, SL_SUCCESS);
    CHECK(r.all); /* matchExpressions only: no node-name set */
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, required, fixture_node_info(&f, "n1")).code,
                 SL_SUCCESS);
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, required, fixture_node_info(&f, "n2")).code,
                 SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    fixture_free(&f);
}

static const char *name_term(const char *values) {
    static char buf[512];
    snprintf(buf, sizeof(buf),
             "{'matchFields':[{'key':'metadata.name','operator':'In','values':[%s]}]}", values);
    return buf;
}

TEST(node_affinity_pre_filter_result_from_match_fields) {
    fixture f;
    fixture_init(&f);
    fixture_node(&f, "{'metadata':{'name':'n1'}}");
    char spec[1024];
    /* Three terms (API validation allows one name per requirement): the
     * union {n2} ∪ {n1} ∪ {n3}, with a duplicate. */
    char t1[256], t2[256], t3[256];
    snprintf(t1, sizeof(t1), "%s", name_term("'n2'"));
    snprintf(t2, sizeof(t2), "%s", name_term("'n1'"));
    snprintf(t3, sizeof(t3), "%s", name_term("'n3'"));
    snprintf(spec, sizeof(spec),
             "{'metadata':{'name':'ds'},'spec':{'affinity':{'nodeAffinity':{"
             "'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':"
             "[%s,%s,%s,%s]}}}}}",
             t1, t2, t3, t1);
    sl_pod_info *ds = fixture_incoming(&f, spec);
    /* One term with two requirements whose sets do not intersect. */
    snprintf(spec, sizeof(spec),
             "{'metadata':{'name':'conflict'},'spec':{'affinity':{'nodeAffinity':{"
             "'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[{"
             "'matchFields':[{'key':'metadata.name','operator':'In','values':['n1']},"
             "{'key':'metadata.name','operator':'In','values':['n2']}]}]}}}}}");
    sl_pod_info *conflict = fixture_incoming(&f, spec);
    /* A term without a name requirement admits all nodes. */
    snprintf(spec, sizeof(spec),
             "{'metadata':{'name':'mixed'},'spec':{'affinity':{'nodeAffinity':{"
             "'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[%s,{"
             "'matchExpressions':[{'key':'x','operator':'Exists'}]}]}}}}}",
             t1);
    sl_pod_info *mixed = fixture_incoming(&f, spec);
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "NodeAffinity", NULL);
    sl_prefilter_result r = {.all = true};
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, ds, &r).code, SL_SUCCESS);
    CHECK(!r.all);
    CHECK_EQ_INT(r.nnames, 3);
    if (r.nnames == 3) {
        CHECK_EQ_STR(r.node_names[0], "n1");
        CHECK_EQ_STR(r.node_names[1], "n2");
        CHECK_EQ_STR(r.node_names[2], "n3");
    }
    sl_prefilter_result r2 = {.all = true};
    sl_status s = p->ops->pre_filter(p, f.cycle, conflict, &r2);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(message(s), "pod affinity terms conflict");
    sl_prefilter_result r3 = {.all = true};
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, mixed, &r3).code, SL_SUCCESS);
    CHECK(r3.all);
    fixture_free(&f);
}

TEST(node_affinity_added_affinity_and_score) {
    fixture f;
    fixture_init(&f);
    fixture_node(&f, "{'metadata':{'name':'both','labels':{'a':'1','b':'1','pool':'x'}}}");
    fixture_node(&f, "{'metadata':{'name':'only-a','labels':{'a':'1','pool':'x'}}}");
    fixture_node(&f, "{'metadata':{'name':'none','labels':{'pool':'y'}}}");
    sl_pod_info *pod = fixture_incoming(
        &f, "{'metadata':{'name':'p'},'spec':{'affinity':{'nodeAffinity':{"
            "'preferredDuringSchedulingIgnoredDuringExecution':["
            "{'weight':2,'preference':{'matchExpressions':[{'key':'a','operator':'Exists'}]}},"
            "{'weight':4,'preference':{'matchExpressions':[{'key':'b','operator':'Exists'}]}},"
            "{'weight':5,'preference':{'matchExpressions':[{'key':'nothing','operator':'Exists'}]}}"
            "]}}}}");
    sl_pod_info *plain = fixture_incoming(&f, "{'metadata':{'name':'plain'},'spec':{}}");
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "NodeAffinity", NULL);
    const char *names[] = {"both", "only-a", "none"};
    int64_t scores[3];
    CHECK_EQ_INT(fixture_score(&f, p, pod, names, 3, scores).code, SL_SUCCESS);
    CHECK_EQ_INT(scores[0], 100);
    CHECK_EQ_INT(scores[1], 33); /* 100*2/6 */
    CHECK_EQ_INT(scores[2], 0);
    CHECK_EQ_INT(fixture_score(&f, p, plain, names, 3, scores).code, SL_SKIP);

    sl_plugin *added = fixture_plugin(
        &f, "NodeAffinity",
        "{'addedAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':"
        "[{'matchExpressions':[{'key':'pool','operator':'In','values':['x']}]}]},"
        "'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':10,'preference':{"
        "'matchExpressions':[{'key':'b','operator':'Exists'}]}}]}}");
    sl_prefilter_result r = {.all = true};
    CHECK_EQ_INT(added->ops->pre_filter(added, f.cycle, plain, &r).code, SL_SUCCESS);
    sl_status s = added->ops->filter(added, f.cycle, plain, fixture_node_info(&f, "none"));
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(message(s), "node(s) didn't match scheduler-enforced node affinity");
    CHECK_EQ_INT(added->ops->filter(added, f.cycle, plain, fixture_node_info(&f, "only-a")).code,
                 SL_SUCCESS);
    CHECK_EQ_INT(fixture_score(&f, added, plain, names, 3, scores).code, SL_SUCCESS);
    CHECK_EQ_INT(scores[0], 100);
    CHECK_EQ_INT(scores[1], 0);

    char err[512];
    CHECK(fixture_plugin_err(&f, "NodeAffinity", "{'addedAffinitty':{}}", err, sizeof(err)) ==
          NULL);
    CHECK_EQ_STR(err, "pluginConfig[NodeAffinity].args.addedAffinitty: unknown field");
    fixture_free(&f);
}

TEST(node_ports_conflicts) {
    fixture f;
    fixture_init(&f);
    fixture_node(&f, "{'metadata':{'name':'n1'}}");
    fixture_node(&f, "{'metadata':{'name':'n2'}}");
    fixture_pod(&f, "{'metadata':{'name':'web'},'spec':{'nodeName':'n1','containers':[{'name':'c',"
                    "'ports':[{'containerPort':80,'hostPort':8080,'hostIP':'10.0.0.1'}]}]}}");
    fixture_pod(&f, "{'metadata':{'name':'dns'},'spec':{'nodeName':'n2','containers':[{'name':'c',"
                    "'ports':[{'containerPort':53,'hostPort':53,'protocol':'UDP'}]}]}}");
    sl_pod_info *none = fixture_incoming(&f, "{'metadata':{'name':'none'},'spec':{'containers':"
                                             "[{'name':'c','ports':[{'containerPort':80}]}]}}");
    sl_pod_info *any8080 = fixture_incoming(
        &f, "{'metadata':{'name':'a'},'spec':{'containers':[{'name':'c','ports':[{"
            "'containerPort':80,'hostPort':8080}]}]}}");
    sl_pod_info *other_ip = fixture_incoming(
        &f, "{'metadata':{'name':'b'},'spec':{'containers':[{'name':'c','ports':[{"
            "'containerPort':80,'hostPort':8080,'hostIP':'10.0.0.2'}]}]}}");
    sl_pod_info *tcp53 = fixture_incoming(
        &f, "{'metadata':{'name':'t'},'spec':{'containers':[{'name':'c','ports':[{"
            "'containerPort':53,'hostPort':53,'hostIP':'127.0.0.1'}]}]}}");
    sl_pod_info *udp53 = fixture_incoming(
        &f, "{'metadata':{'name':'u'},'spec':{'containers':[{'name':'c','ports':[{"
            "'containerPort':53,'hostPort':53,'protocol':'UDP','hostIP':'127.0.0.1'}]}]}}");
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "NodePorts", NULL);
    sl_prefilter_result r = {.all = true};
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, none, &r).code, SL_SKIP);
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, any8080, &r).code, SL_SUCCESS);
    sl_status s = p->ops->filter(p, f.cycle, any8080, fixture_node_info(&f, "n1"));
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(message(s), "node(s) didn't have free ports for the requested pod ports");
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, any8080, fixture_node_info(&f, "n2")).code, SL_SUCCESS);
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, other_ip, fixture_node_info(&f, "n1")).code,
                 SL_SUCCESS);
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, tcp53, fixture_node_info(&f, "n2")).code, SL_SUCCESS);
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, udp53, fixture_node_info(&f, "n2")).code,
                 SL_UNSCHEDULABLE);
    fixture_free(&f);
}

TEST(image_locality_scores_with_spread) {
    fixture f;
    fixture_init(&f);
    char node[512];
    snprintf(node, sizeof(node),
             "{'metadata':{'name':'n1'},'status':{'images':[{'names':['big:v1'],'sizeBytes':%lld},"
             "{'names':['docker.io/small:latest'],'sizeBytes':%lld}]}}",
             250 * MIB, 10 * MIB);
    fixture_node(&f, node);
    snprintf(node, sizeof(node),
             "{'metadata':{'name':'n2'},'status':{'images':[{'names':['huge:v1'],'sizeBytes':%lld},"
             "{'names':['docker.io/small:latest'],'sizeBytes':%lld}]}}",
             3000 * MIB, 10 * MIB);
    fixture_node(&f, node);
    fixture_node(&f, "{'metadata':{'name':'n3'}}");
    sl_pod_info *pod = fixture_incoming(
        &f, "{'metadata':{'name':'p'},'spec':{'containers':[{'name':'a','image':'big:v1'},"
            "{'name':'b','image':'docker.io/small'}]}}");
    sl_pod_info *huge = fixture_incoming(
        &f, "{'metadata':{'name':'h'},'spec':{'initContainers':[{'name':'i','image':'huge:v1'}],"
            "'containers':[{'name':'a','image':'other'}]}}");
    fixture_begin(&f);
    sl_plugin *p = fixture_plugin(&f, "ImageLocality", NULL);
    const char *names[] = {"n1", "n2", "n3"};
    int64_t scores[3];
    CHECK_EQ_INT(fixture_score(&f, p, pod, names, 3, scores).code, SL_SUCCESS);
    /* n1: 250Mi*1/3 + 10Mi*2/3 → clamp [23Mi, 2000Mi] → 100*(sum-23Mi)/(1977Mi) */
    int64_t sum = (int64_t)(250.0 * MIB * (1.0 / 3.0)) + (int64_t)(10.0 * MIB * (2.0 / 3.0));
    CHECK_EQ_INT(scores[0], 100 * (sum - 23 * MIB) / (2000 * MIB - 23 * MIB));
    CHECK_EQ_INT(scores[1], 0); /* 6.7Mi < 23Mi */
    CHECK_EQ_INT(scores[2], 0);
    /* Init containers count; the sum is clamped to 1000Mi × containers. */
    CHECK_EQ_INT(fixture_score(&f, p, huge, names, 3, scores).code, SL_SUCCESS);
    CHECK_EQ_INT(scores[1], 100 * ((int64_t)(3000.0 * MIB / 3.0) - 23 * MIB) / (2000 * MIB - 23 * MIB));
    fixture_free(&f);
}

TEST(volume_plugins_are_no_ops) {
    fixture f;
    fixture_init(&f);
    fixture_node(&f, "{'metadata':{'name':'n1'}}");
    sl_pod_info *pod = fixture_incoming(&f, "{'metadata':{'name':'p'},'spec':{}}");
    fixture_begin(&f);
    const char *names[] = {"VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding", "VolumeZone"};
    for (int i = 0; i < 4; i++) {
        sl_plugin *p = fixture_plugin(&f, names[i], NULL);
        sl_prefilter_result r = {.all = true};
        CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, pod, &r).code, SL_SKIP);
        CHECK(r.all);
        CHECK_EQ_INT(p->ops->filter(p, f.cycle, pod, fixture_node_info(&f, "n1")).code, SL_SUCCESS);
    }
    sl_plugin *vb = fixture_plugin(&f, "VolumeBinding", "{'bindTimeoutSeconds':600}");
    sl_node_info *n1 = (sl_node_info *)fixture_node_info(&f, "n1");
    CHECK_EQ_INT(vb->ops->pre_score(vb, f.cycle, pod, &n1, 1).code, SL_SKIP);
    CHECK_EQ_INT(vb->ops->reserve(vb, f.cycle, pod, "n1").code, SL_SUCCESS);
    CHECK_EQ_INT(vb->ops->pre_bind(vb, f.cycle, pod, "n1").code, SL_SUCCESS);
    char err[512];
    CHECK(fixture_plugin_err(&f, "VolumeBinding", "{'bindTimeoutSeconds':-1}", err, sizeof(err)) ==
          NULL);
    CHECK_EQ_STR(err, "pluginConfig[VolumeBinding].args.bindTimeoutSeconds: Invalid value: -1: "
                      "invalid BindTimeoutSeconds, should not be a negative value");
    fixture_free(&f);
}

TEST(default_binder_is_registered) {
    sl_registry *registry = sl_registry_new_default();
    const sl_plugin_registration *r = sl_registry_find(registry, "DefaultBinder");
    CHECK(r != NULL);
    if (r) CHECK(r->ops->bind != NULL);
    const char *all[] = {"PrioritySort", "SchedulingGates", "NodeUnschedulable", "NodeName",
                         "TaintToleration", "NodeAffinity", "NodePorts", "ImageLocality",
                         "VolumeRestrictions", "NodeVolumeLimits", "VolumeBinding", "VolumeZone",
                         "DefaultPreemption", "RegexScheduling", "RegexSchedulingV2"};
    for (size_t i = 0; i < ARRAY_LEN(all); i++) {
        r = sl_registry_find(registry, all[i]);
        if (!r) TEST_FAIL_AT("%s not registered", all[i]);
        else CHECK_EQ_STR(r->name, all[i]);
    }
    sl_registry_free(registry);
}

int main(void) {
    RUN(priority_sort_orders_by_priority_then_time);
    RUN(scheduling_gates_lists_gates);
    RUN(node_unschedulable_and_node_name);
    RUN(taint_toleration_filter);
    RUN(taint_toleration_score_is_reversed);
    RUN(node_affinity_pre_filter_and_filter);
    RUN(node_affinity_pre_filter_result_from_match_fields);
    RUN(node_affinity_added_affinity_and_score);
    RUN(node_ports_conflicts);
    RUN(image_locality_scores_with_spread);
    RUN(volume_plugins_are_no_ops);
    RUN(default_binder_is_registered);
    return test_summary("plugins_basic");
}
