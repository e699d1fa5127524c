/*
 * Upstream-fidelity suite for the Filter side (and PreEnqueue/QueueSort) of
 * the default plugins: each row paraphrases a row of a kube-scheduler plugin
 * unit-test table (pkg/scheduler/framework/plugins/<plugin>/<name>_test.go)
 * as JSON objects plus the expected code and exact message per node.
 *
 * Message version: TaintToleration's "node(s) had untolerated taint {k: v}"
 * is the v1.30-v1.33 wording the plugin implements; v1.34+ (k/k#134740,
 * also cherry-picked to patch releases) says "node(s) had untolerated
 * taint(s)".
 */
#include "fidelity_cases.h"

/* Rows leave trailing members (PreFilter expectations) at their zero defaults. */
#pragma clang diagnostic ignored "-Wmissing-field-initializers"

#define NAMED(name) "{'metadata':{'name':'" name "'}}"
#define LNODE(name, labels) "{'metadata':{'name':'" name "','labels':{" labels "}}}"
#define POD_EMPTY "{'spec':{'containers':[]}}"

/* ---------------------------------------------------------------- */
/* TaintToleration (TestTaintTolerationFilter)                       */
/* ---------------------------------------------------------------- */

#define TAINTED(taints) "{'metadata':{'name':'nodeA'},'spec':{'taints':[" taints "]}}"
#define TAINT(k, v, e) "{'key':'" k "','value':'" v "','effect':'" e "'}"
#define TOLERATING(tols) "{'spec':{'tolerations':[" tols "],'containers':[]}}"
#define TOL(k, op, v, e) "{'key':'" k "','operator':'" op "','value':'" v "','effect':'" e "'}"
#define TOL_NOEFFECT(k, op, v) "{'key':'" k "','operator':'" op "','value':'" v "'}"

static const filter_case taint_filters[] = {
    {"A pod having no tolerations can't be scheduled onto a node with nonempty taints",
     "TaintToleration", NULL, {TAINTED(TAINT("dedicated", "user1", "NoSchedule"))}, {}, POD_EMPTY,
     {UNRESOLVABLE("nodeA", "node(s) had untolerated taint {dedicated: user1}")}},
    {"A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule",
     "TaintToleration", NULL, {TAINTED(TAINT("dedicated", "user1", "NoSchedule"))}, {},
     TOLERATING(TOL("dedicated", "Equal", "user1", "NoSchedule")), {OK("nodeA")}},
    {"A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule",
     "TaintToleration", NULL, {TAINTED(TAINT("dedicated", "user1", "NoSchedule"))}, {},
     TOLERATING(TOL("dedicated", "Equal", "user2", "NoSchedule")),
     {UNRESOLVABLE("nodeA", "node(s) had untolerated taint {dedicated: user1}")}},
    {"A pod can be scheduled onto the node, with a toleration uses operator Exists",
     "TaintToleration", NULL, {TAINTED(TAINT("foo", "bar", "NoSchedule"))}, {},
     TOLERATING("{'key':'foo','operator':'Exists','effect':'NoSchedule'}"), {OK("nodeA")}},
    {"A pod has multiple tolerations, node has multiple taints, all the taints are tolerated",
     "TaintToleration", NULL,
     {TAINTED(TAINT("dedicated", "user2", "NoSchedule") "," TAINT("foo", "bar", "NoSchedule"))}, {},
     TOLERATING(TOL("dedicated", "Equal", "user2", "NoSchedule") ","
                "{'key':'foo','operator':'Exists','effect':'NoSchedule'}"),
     {OK("nodeA")}},
    {"A pod has a toleration that keys and values match the taint on the node, but (non-empty) "
     "effect doesn't match", "TaintToleration", NULL, {TAINTED(TAINT("foo", "bar", "NoSchedule"))},
     {}, TOLERATING(TOL("foo", "Equal", "bar", "PreferNoSchedule")),
     {UNRESOLVABLE("nodeA", "node(s) had untolerated taint {foo: bar}")}},
    {"The pod has a toleration that keys and values match the taint on the node, the effect of "
     "toleration is empty", "TaintToleration", NULL, {TAINTED(TAINT("foo", "bar", "NoSchedule"))},
     {}, TOLERATING(TOL_NOEFFECT("foo", "Equal", "bar")), {OK("nodeA")}},
    {"The pod has a toleration that key and value don't match the taint on the node, but the "
     "effect of taint on node is PreferNoSchedule", "TaintToleration", NULL,
     {TAINTED(TAINT("dedicated", "user1", "PreferNoSchedule"))}, {},
     TOLERATING(TOL("dedicated", "Equal", "user2", "NoSchedule")), {OK("nodeA")}},
    {"The pod has no toleration, but the effect of taint on node is PreferNoSchedule",
     "TaintToleration", NULL, {TAINTED(TAINT("dedicated", "user1", "PreferNoSchedule"))}, {},
     POD_EMPTY, {OK("nodeA")}},
    {"NoExecute taint is enforced by Filter", "TaintToleration", NULL,
     {TAINTED(TAINT("dedicated", "user1", "NoExecute"))}, {}, POD_EMPTY,
     {UNRESOLVABLE("nodeA", "node(s) had untolerated taint {dedicated: user1}")}},
    {"first untolerated taint in node order is reported", "TaintToleration", NULL,
     {TAINTED(TAINT("a", "1", "PreferNoSchedule") "," TAINT("b", "2", "NoSchedule") "," TAINT("c", "3", "NoExecute"))},
     {}, POD_EMPTY, {UNRESOLVABLE("nodeA", "node(s) had untolerated taint {b: 2}")}},
};

/* ---------------------------------------------------------------- */
/* NodeUnschedulable / NodeName                                      */
/* ---------------------------------------------------------------- */

#define CORDONED(name) "{'metadata':{'name':'" name "'},'spec':{'unschedulable':true}}"

static const filter_case unschedulable_filters[] = {
    {"Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)",
     "NodeUnschedulable", NULL, {CORDONED("n")}, {}, POD_EMPTY,
     {UNRESOLVABLE("n", "node(s) were unschedulable")}},
    {"Schedule pod to normal node", "NodeUnschedulable", NULL,
     {"{'metadata':{'name':'n'},'spec':{'unschedulable':false}}"}, {}, POD_EMPTY, {OK("n")}},
    {"Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)",
     "NodeUnschedulable", NULL, {CORDONED("n")}, {},
     TOLERATING("{'key':'node.kubernetes.io/unschedulable','effect':'NoSchedule'}"), {OK("n")}},
    {"toleration with Exists and no key tolerates the cordon", "NodeUnschedulable", NULL,
     {CORDONED("n")}, {}, TOLERATING("{'operator':'Exists'}"), {OK("n")}},
    {"toleration for NoExecute does not tolerate the cordon", "NodeUnschedulable", NULL,
     {CORDONED("n")}, {},
     TOLERATING("{'key':'node.kubernetes.io/unschedulable','operator':'Exists','effect':'NoExecute'}"),
     {UNRESOLVABLE("n", "node(s) were unschedulable")}},
};

static const filter_case node_name_filters[] = {
    {"no host specified", "NodeName", NULL, {NAMED("foo")}, {}, POD_EMPTY, {OK("foo")}},
    {"host matches", "NodeName", NULL, {NAMED("foo")}, {},
     "{'spec':{'nodeName':'foo','containers':[]}}", {OK("foo")}},
    {"host doesn't match", "NodeName", NULL, {NAMED("foo"), NAMED("bar")}, {},
     "{'spec':{'nodeName':'bar','containers':[]}}",
     {UNRESOLVABLE("foo", "node(s) didn't match the requested node name"), OK("bar")}},
};

/* ---------------------------------------------------------------- */
/* NodePorts (node_ports_test.go, TestNodePorts)                     */
/* ---------------------------------------------------------------- */

#define PORT(proto, ip, port) \
    "{'containerPort':" #port ",'hostPort':" #port ",'protocol':'" proto "','hostIP':'" ip "'}"
#define PORTS_POD(ports) "{'spec':{'containers':[{'name':'c','ports':[" ports "]}]}}"
#define PORTS_ON(ports) "{'spec':{'nodeName':'m1','containers':[{'name':'c','ports':[" ports "]}]}}"
#define PORTS_FAIL UNSCHED("m1", "node(s) didn't have free ports for the requested pod ports")

static const filter_case node_ports_filters[] = {
    {"nothing running", "NodePorts", NULL, {NAMED("m1")}, {}, POD_EMPTY, {OK("m1")}, SL_SKIP},
    {"other port", "NodePorts", NULL, {NAMED("m1")}, {PORTS_ON(PORT("UDP", "127.0.0.1", 9090))},
     PORTS_POD(PORT("UDP", "127.0.0.1", 8080)), {OK("m1")}},
    {"same udp port", "NodePorts", NULL, {NAMED("m1")}, {PORTS_ON(PORT("UDP", "127.0.0.1", 8080))},
     PORTS_POD(PORT("UDP", "127.0.0.1", 8080)), {PORTS_FAIL}},
    {"same tcp port", "NodePorts", NULL, {NAMED("m1")}, {PORTS_ON(PORT("TCP", "127.0.0.1", 8080))},
     PORTS_POD(PORT("TCP", "127.0.0.1", 8080)), {PORTS_FAIL}},
    {"different host ip", "NodePorts", NULL, {NAMED("m1")},
     {PORTS_ON(PORT("TCP", "127.0.0.2", 8080))}, PORTS_POD(PORT("TCP", "127.0.0.1", 8080)),
     {OK("m1")}},
    {"different protocol", "NodePorts", NULL, {NAMED("m1")},
     {PORTS_ON(PORT("TCP", "127.0.0.1", 8080))}, PORTS_POD(PORT("UDP", "127.0.0.1", 8080)),
     {OK("m1")}},
    {"second udp port conflict", "NodePorts", NULL, {NAMED("m1")},
     {PORTS_ON(PORT("UDP", "127.0.0.1", 8080))},
     PORTS_POD(PORT("UDP", "127.0.0.1", 8000) "," PORT("UDP", "127.0.0.1", 8080)), {PORTS_FAIL}},
    {"first tcp port conflict", "NodePorts", NULL, {NAMED("m1")},
     {PORTS_ON(PORT("TCP", "127.0.0.1", 8001) "," PORT("UDP", "127.0.0.1", 8081))},
     PORTS_POD(PORT("TCP", "127.0.0.1", 8001) "," PORT("UDP", "127.0.0.1", 8080)), {PORTS_FAIL}},
    {"first tcp port conflict due to 0.0.0.0 hostIP", "NodePorts", NULL, {NAMED("m1")},
     {PORTS_ON(PORT("TCP", "127.0.0.1", 8001))}, PORTS_POD(PORT("TCP", "0.0.0.0", 8001)),
     {PORTS_FAIL}},
    {"TCP hostPort conflict due to 0.0.0.0 hostIP", "NodePorts", NULL, {NAMED("m1")},
     {PORTS_ON(PORT("TCP", "127.0.0.1", 8001))},
     PORTS_POD(PORT("TCP", "10.0.10.10", 8001) "," PORT("TCP", "0.0.0.0", 8001)), {PORTS_FAIL}},
    {"second tcp port conflict to 0.0.0.0 hostIP", "NodePorts", NULL, {NAMED("m1")},
     {PORTS_ON(PORT("TCP", "0.0.0.0", 8001))}, PORTS_POD(PORT("TCP", "127.0.0.1", 8001)),
     {PORTS_FAIL}},
    {"second different protocol", "NodePorts", NULL, {NAMED("m1")},
     {PORTS_ON(PORT("TCP", "0.0.0.0", 8001))}, PORTS_POD(PORT("UDP", "127.0.0.1", 8001)),
     {OK("m1")}},
    {"UDP hostPort conflict due to 0.0.0.0 hostIP", "NodePorts", NULL, {NAMED("m1")},
     {PORTS_ON(PORT("TCP", "0.0.0.0", 8001) "," PORT("UDP", "0.0.0.0", 8001))},
     PORTS_POD(PORT("UDP", "127.0.0.1", 8001)), {PORTS_FAIL}},
    {"empty hostIP means 0.0.0.0, empty protocol means TCP", "NodePorts", NULL, {NAMED("m1")},
     {PORTS_ON("{'containerPort':8001,'hostPort':8001}")}, PORTS_POD(PORT("TCP", "127.0.0.1", 8001)),
     {PORTS_FAIL}},
};

/* ---------------------------------------------------------------- */
/* NodeResourcesFit (fit_test.go, TestEnoughRequests)                */
/* ---------------------------------------------------------------- */

/* makeAllocatableResources(10, 20, 32, 5, 20, 5) */
#define FIT_NODE "{'metadata':{'name':'m'},'status':{'allocatable':{'cpu':'10m','memory':'20','pods':'32'," \
                 "'example.com/aaa':'5','ephemeral-storage':'20','hugepages-2Mi':'5'}}}"
#define CTR(cpu, mem) "{'name':'c','resources':{'requests':{'cpu':'" cpu "m','memory':'" mem "'}}}"
#define CTR_X(reqs) "{'name':'c','resources':{'requests':{" reqs "}}}"
#define FPOD(ctrs) "{'spec':{'containers':[" ctrs "]}}"
#define FPOD_INIT(ctrs, inits) "{'spec':{'initContainers':[" inits "],'containers':[" ctrs "]}}"
#define USED(ctrs) "{'spec':{'nodeName':'m','containers':[" ctrs "]}}"

static const filter_case fit_filters[] = {
    {"no resources requested always fits", "NodeResourcesFit", NULL, {FIT_NODE},
     {USED(CTR("10", "20"))}, POD_EMPTY, {OK("m")}},
    {"too many resources fails", "NodeResourcesFit", NULL, {FIT_NODE}, {USED(CTR("10", "20"))},
     FPOD(CTR("1", "1")), {UNSCHED("m", "Insufficient cpu\nInsufficient memory")}},
    {"too many resources fails due to init container cpu", "NodeResourcesFit", NULL, {FIT_NODE},
     {USED(CTR("8", "19"))}, FPOD_INIT(CTR("1", "1"), CTR("3", "1")),
     {UNSCHED("m", "Insufficient cpu")}},
    {"too many resources fails due to highest init container cpu", "NodeResourcesFit", NULL,
     {FIT_NODE}, {USED(CTR("8", "19"))},
     FPOD_INIT(CTR("1", "1"), CTR("3", "1") "," CTR("2", "1")), {UNSCHED("m", "Insufficient cpu")}},
    {"too many resources fails due to init container memory", "NodeResourcesFit", NULL, {FIT_NODE},
     {USED(CTR("8", "19"))}, FPOD_INIT(CTR("1", "1"), CTR("1", "3")),
     {UNSCHED("m", "Insufficient memory")}},
    {"init container fits because it's the max, not sum, of containers and init containers",
     "NodeResourcesFit", NULL, {FIT_NODE}, {USED(CTR("9", "19"))},
     FPOD_INIT(CTR("1", "1"), CTR("1", "1")), {OK("m")}},
    {"multiple init containers fit because it's the max, not sum", "NodeResourcesFit", NULL,
     {FIT_NODE}, {USED(CTR("9", "19"))}, FPOD_INIT(CTR("1", "1"), CTR("1", "1") "," CTR("1", "1")),
     {OK("m")}},
    {"both resources fit", "NodeResourcesFit", NULL, {FIT_NODE}, {USED(CTR("5", "5"))},
     FPOD(CTR("1", "1")), {OK("m")}},
    {"one resource memory fits", "NodeResourcesFit", NULL, {FIT_NODE}, {USED(CTR("9", "5"))},
     FPOD(CTR("2", "1")), {UNSCHED("m", "Insufficient cpu")}},
    {"one resource cpu fits", "NodeResourcesFit", NULL, {FIT_NODE}, {USED(CTR("5", "19"))},
     FPOD(CTR("1", "2")), {UNSCHED("m", "Insufficient memory")}},
    {"equal edge case", "NodeResourcesFit", NULL, {FIT_NODE}, {USED(CTR("5", "19"))},
     FPOD(CTR("5", "1")), {OK("m")}},
    {"equal edge case for init container", "NodeResourcesFit", NULL, {FIT_NODE},
     {USED(CTR("5", "19"))}, FPOD_INIT(CTR("4", "1"), CTR("5", "1")), {OK("m")}},
    {"extended resource fits", "NodeResourcesFit", NULL, {FIT_NODE}, {USED(CTR("0", "0"))},
     FPOD(CTR_X("'example.com/aaa':'1'")), {OK("m")}},
    {"extended resource capacity enforced", "NodeResourcesFit", NULL, {FIT_NODE},
     {USED(CTR("0", "0"))}, FPOD(CTR_X("'example.com/aaa':'10'")),
     {UNSCHED("m", "Insufficient example.com/aaa")}},
    {"extended resource allocatable enforced", "NodeResourcesFit", NULL, {FIT_NODE},
     {USED(CTR_X("'example.com/aaa':'2'"))}, FPOD(CTR_X("'example.com/aaa':'4'")),
     {UNSCHED("m", "Insufficient example.com/aaa")}},
    {"extended resource allocatable enforced for multiple containers", "NodeResourcesFit", NULL,
     {FIT_NODE}, {USED(CTR_X("'example.com/aaa':'2'"))},
     FPOD(CTR_X("'example.com/aaa':'2'") "," CTR_X("'example.com/aaa':'2'")),
     {UNSCHED("m", "Insufficient example.com/aaa")}},
    {"extended resource allocatable admits multiple init containers", "NodeResourcesFit", NULL,
     {FIT_NODE}, {USED(CTR_X("'example.com/aaa':'2'"))},
     FPOD_INIT(CTR("0", "0"), CTR_X("'example.com/aaa':'3'") "," CTR_X("'example.com/aaa':'2'")),
     {OK("m")}},
    {"extended resource allocatable enforced for unknown resource", "NodeResourcesFit", NULL,
     {FIT_NODE}, {USED(CTR("0", "0"))}, FPOD(CTR_X("'example.com/bbb':'1'")),
     {UNSCHED("m", "Insufficient example.com/bbb")}},
    {"kubernetes.io resource capacity enforced", "NodeResourcesFit", NULL, {FIT_NODE},
     {USED(CTR("0", "0"))}, FPOD(CTR_X("'kubernetes.io/something':'10'")),
     {UNSCHED("m", "Insufficient kubernetes.io/something")}},
    {"hugepages resource capacity enforced", "NodeResourcesFit", NULL, {FIT_NODE},
     {USED(CTR("0", "0"))}, FPOD(CTR_X("'hugepages-2Mi':'10'")),
     {UNSCHED("m", "Insufficient hugepages-2Mi")}},
    {"hugepages resource allocatable enforced for multiple containers", "NodeResourcesFit", NULL,
     {FIT_NODE}, {USED(CTR_X("'hugepages-2Mi':'2'"))},
     FPOD(CTR_X("'hugepages-2Mi':'2'") "," CTR_X("'hugepages-2Mi':'2'")),
     {UNSCHED("m", "Insufficient hugepages-2Mi")}},
    {"skip checking ignored extended resource", "NodeResourcesFit",
     "{'ignoredResources':['example.com/bbb']}", {FIT_NODE}, {USED(CTR("0", "0"))},
     FPOD(CTR_X("'example.com/bbb':'1'")), {OK("m")}},
    {"skip checking ignored extended resource via resource groups", "NodeResourcesFit",
     "{'ignoredResourceGroups':['example.com']}", {FIT_NODE}, {USED(CTR("0", "0"))},
     FPOD(CTR_X("'example.com/bbb':'1','example.com/aaa':'10'")), {OK("m")}},
    {"resources + pod overhead fits", "NodeResourcesFit", NULL, {FIT_NODE}, {USED(CTR("5", "5"))},
     "{'spec':{'overhead':{'cpu':'3m','memory':'13'},'containers':[" CTR("1", "1") "]}}", {OK("m")}},
    {"requests + overhead does not fit for memory", "NodeResourcesFit", NULL, {FIT_NODE},
     {USED(CTR("5", "5"))},
     "{'spec':{'overhead':{'cpu':'1m','memory':'15'},'containers':[" CTR("1", "1") "]}}",
     {UNSCHED("m", "Insufficient memory")}},
    {"skip checking extended resource request with quantity zero via resource groups",
     "NodeResourcesFit", "{'ignoredResourceGroups':['example.com']}", {FIT_NODE},
     {USED(CTR("0", "0"))}, FPOD(CTR_X("'example.com/ccc':'0'")), {OK("m")}},
    {"skip checking resource request with quantity zero", "NodeResourcesFit", NULL, {FIT_NODE},
     {USED(CTR("0", "0"))}, FPOD(CTR_X("'cpu':'0','example.com/ccc':'0'")), {OK("m")}},
    {"even for equal edge case predicate fails when there's no space for additional pod",
     "NodeResourcesFit", NULL,
     {"{'metadata':{'name':'m'},'status':{'allocatable':{'cpu':'10m','memory':'20','pods':'1'}}}"},
     {USED(CTR("5", "5"))}, FPOD(CTR("5", "1")), {UNSCHED("m", "Too many pods")}},
    {"even without specified resources predicate fails when there's no space for additional pod",
     "NodeResourcesFit", NULL,
     {"{'metadata':{'name':'m'},'status':{'allocatable':{'cpu':'10m','memory':'20','pods':'1'}}}"},
     {USED(CTR("10", "20"))}, POD_EMPTY, {UNSCHED("m", "Too many pods")}},
    {"even if both resources fit predicate fails when there's no space for additional pod",
     "NodeResourcesFit", NULL,
     {"{'metadata':{'name':'m'},'status':{'allocatable':{'cpu':'10m','memory':'20','pods':'1'}}}"},
     {USED(CTR("5", "5"))}, FPOD(CTR("1", "1")), {UNSCHED("m", "Too many pods")}},
    {"predicate fails when there's no space for additional pod and resources", "NodeResourcesFit",
     NULL,
     {"{'metadata':{'name':'m'},'status':{'allocatable':{'cpu':'10m','memory':'20','pods':'1'}}}"},
     {USED(CTR("5", "19"))}, FPOD(CTR("6", "2")),
     {UNSCHED("m", "Too many pods\nInsufficient cpu\nInsufficient memory")}},
};

/* ---------------------------------------------------------------- */
/* NodeAffinity (node_affinity_test.go, TestNodeAffinity)            */
/* ---------------------------------------------------------------- */

#define NA_POD(terms) \
    "{'spec':{'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[" terms "]}}},'containers':[]}}"
#define NA_POD_SEL(sel, terms) \
    "{'spec':{'nodeSelector':{" sel "},'affinity':{'nodeAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[" terms "]}}},'containers':[]}}"
#define SEL_POD(sel) "{'spec':{'nodeSelector':{" sel "},'containers':[]}}"
#define EXPRS(...) "{'matchExpressions':[" __VA_ARGS__ "]}"
#define FIELDS(...) "{'matchFields':[" __VA_ARGS__ "]}"
#define EXPR(k, op, vals) "{'key':'" k "','operator':'" op "','values':[" vals "]}"
#define EXISTS(k) "{'key':'" k "','operator':'Exists'}"
#define NAME_IN(vals) "{'key':'metadata.name','operator':'In','values':[" vals "]}"
#define NA_FAIL(node) UNRESOLVABLE(node, "node(s) didn't match Pod's node affinity/selector")
#define ADDED_NAME(name) \
    "{'addedAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':[" FIELDS(NAME_IN("'" name "'")) "]}}}"

static const filter_case node_affinity_filters[] = {
    {"missing labels", "NodeAffinity", NULL, {LNODE("n", "")}, {}, SEL_POD("'foo':'bar'"),
     {NA_FAIL("n")}},
    {"same labels", "NodeAffinity", NULL, {LNODE("n", "'foo':'bar'")}, {}, SEL_POD("'foo':'bar'"),
     {OK("n")}},
    {"node labels are superset", "NodeAffinity", NULL, {LNODE("n", "'foo':'bar','baz':'blah'")}, {},
     SEL_POD("'foo':'bar'"), {OK("n")}},
    {"node labels are subset", "NodeAffinity", NULL, {LNODE("n", "'foo':'bar'")}, {},
     SEL_POD("'foo':'bar','baz':'blah'"), {NA_FAIL("n")}},
    {"Pod with matchExpressions using In operator that matches the existing node", "NodeAffinity",
     NULL, {LNODE("n", "'foo':'bar'")}, {}, NA_POD(EXPRS(EXPR("foo", "In", "'bar','value2'"))),
     {OK("n")}},
    {"Pod with matchExpressions using Gt operator that matches the existing node", "NodeAffinity",
     NULL, {LNODE("n", "'kernel-version':'0206'")}, {},
     NA_POD(EXPRS(EXPR("kernel-version", "Gt", "'0204'"))), {OK("n")}},
    {"Pod with matchExpressions using NotIn operator that matches the existing node",
     "NodeAffinity", NULL, {LNODE("n", "'mem-type':'DDR3'")}, {},
     NA_POD(EXPRS(EXPR("mem-type", "NotIn", "'DDR','DDR2'"))), {OK("n")}},
    {"Pod with matchExpressions using Exists operator that matches the existing node",
     "NodeAffinity", NULL, {LNODE("n", "'GPU':'NVIDIA-GRID-K1'")}, {}, NA_POD(EXPRS(EXISTS("GPU"))),
     {OK("n")}},
    {"Pod with affinity that don't match node's labels won't schedule onto the node",
     "NodeAffinity", NULL, {LNODE("n", "'foo':'bar'")}, {},
     NA_POD(EXPRS(EXPR("foo", "In", "'value1','value2'"))), {NA_FAIL("n")}},
    {"Pod with empty MatchExpressions is not a valid value will match no objects", "NodeAffinity",
     NULL, {LNODE("n", "'foo':'bar'")}, {}, NA_POD(EXPRS()), {NA_FAIL("n")}},
    {"Pod with no Affinity will schedule onto a node", "NodeAffinity", NULL,
     {LNODE("n", "'foo':'bar'")}, {}, POD_EMPTY, {OK("n")}, SL_SKIP},
    {"Pod with Affinity but nil NodeSelector will schedule onto a node", "NodeAffinity", NULL,
     {LNODE("n", "'foo':'bar'")}, {}, "{'spec':{'affinity':{'nodeAffinity':{}},'containers':[]}}",
     {OK("n")}, SL_SKIP},
    {"Pod with multiple matchExpressions ANDed that matches the existing node", "NodeAffinity",
     NULL, {LNODE("n", "'GPU':'NVIDIA-GRID-K1'")}, {},
     NA_POD(EXPRS(EXISTS("GPU") "," EXPR("GPU", "NotIn", "'AMD','INTER'"))), {OK("n")}},
    {"Pod with multiple matchExpressions ANDed that doesn't match the existing node",
     "NodeAffinity", NULL, {LNODE("n", "'GPU':'NVIDIA-GRID-K1'")}, {},
     NA_POD(EXPRS(EXISTS("GPU") "," EXPR("GPU", "In", "'AMD','INTER'"))), {NA_FAIL("n")}},
    {"Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels",
     "NodeAffinity", NULL, {LNODE("n", "'foo':'bar'")}, {},
     NA_POD(EXPRS(EXPR("foo", "In", "'bar','value2'")) "," EXPRS(EXPR("diffkey", "In", "'wrong','value2'"))),
     {OK("n")}},
    {"Pod with an Affinity and a PodSpec.NodeSelector both are satisfied", "NodeAffinity", NULL,
     {LNODE("n", "'foo':'bar'")}, {}, NA_POD_SEL("'foo':'bar'", EXPRS(EXISTS("foo"))), {OK("n")}},
    {"Pod with an Affinity matches node's labels but the PodSpec.NodeSelector is not satisfied",
     "NodeAffinity", NULL, {LNODE("n", "'foo':'barrrrrr'")}, {},
     NA_POD_SEL("'foo':'bar'", EXPRS(EXISTS("foo"))), {NA_FAIL("n")}},
    /* Upstream fails to parse the requirement (the value is not a valid label
     * value) and treats the term as matching nothing; the k8s decoder marks
     * the requirement invalid (matches nothing). */
    {"Pod with an invalid value in Affinity term won't be scheduled onto the node",
     "NodeAffinity", NULL, {LNODE("n", "'foo':'bar'")}, {},
     NA_POD(EXPRS(EXPR("foo", "NotIn", "'invalid value: ___@#$%^'"))), {NA_FAIL("n")}},
    {"Pod with matchFields using In operator that matches the existing node", "NodeAffinity", NULL,
     {NAMED("node1")}, {}, NA_POD(FIELDS(NAME_IN("'node1'"))), {OK("node1")}, SL_SUCCESS, NULL,
     "node1"},
    {"Pod with matchFields using In operator that does not match the existing node",
     "NodeAffinity", NULL, {NAMED("node1"), NAMED("node2")}, {}, NA_POD(FIELDS(NAME_IN("'node1'"))),
     {NA_FAIL("node2")}, SL_SUCCESS, NULL, "node1"},
    {"Pod with two terms: matchFields does not match, but matchExpressions matches",
     "NodeAffinity", NULL, {LNODE("node2", "'foo':'bar'")}, {},
     NA_POD(FIELDS(NAME_IN("'node1'") "," NAME_IN("'node2'")) "," EXPRS(EXPR("foo", "In", "'bar'"))),
     {OK("node2")}},
    {"Pod with one term: matchFields does not match, but matchExpressions matches",
     "NodeAffinity", NULL, {LNODE("node2", "'foo':'bar'")}, {},
     NA_POD("{'matchFields':[" NAME_IN("'node1'") "],'matchExpressions':[" EXPR("foo", "In", "'bar'") "]}"),
     {NA_FAIL("node2")}, SL_SUCCESS, NULL, "node1"},
    {"Pod with one term: both matchFields and matchExpressions match", "NodeAffinity", NULL,
     {LNODE("node1", "'foo':'bar'")}, {},
     NA_POD("{'matchFields':[" NAME_IN("'node1'") "],'matchExpressions':[" EXPR("foo", "In", "'bar'") "]}"),
     {OK("node1")}, SL_SUCCESS, NULL, "node1"},
    {"Pod with two terms: both matchFields and matchExpressions do not match", "NodeAffinity",
     NULL, {LNODE("node2", "'foo':'bar'")}, {},
     NA_POD(FIELDS(NAME_IN("'node1'")) "," EXPRS(EXPR("foo", "In", "'not-match-to-bar'"))),
     {NA_FAIL("node2")}},
    {"Pod with two terms of node.Name affinity", "NodeAffinity", NULL, {NAMED("node2")}, {},
     NA_POD(FIELDS(NAME_IN("'node1'")) "," FIELDS(NAME_IN("'node2'"))), {OK("node2")}, SL_SUCCESS,
     NULL, "node1,node2"},
    {"Pod with two conflicting mach field requirements", "NodeAffinity", NULL,
     {LNODE("node2", "'foo':'bar'")}, {}, NA_POD(FIELDS(NAME_IN("'node1'") "," NAME_IN("'node2'"))),
     {UNRESOLVABLE("node2", "pod affinity terms conflict")}, SL_UNSCHEDULABLE_AND_UNRESOLVABLE,
     "pod affinity terms conflict"},
    {"Matches added affinity and Pod's node affinity", "NodeAffinity", ADDED_NAME("node2"),
     {LNODE("node2", "'zone':'foo'")}, {}, NA_POD(EXPRS(EXPR("zone", "In", "'foo'"))),
     {OK("node2")}},
    {"Matches added affinity but not Pod's node affinity", "NodeAffinity", ADDED_NAME("node2"),
     {LNODE("node2", "'zone':'foo'")}, {}, NA_POD(EXPRS(EXPR("zone", "In", "'bar'"))),
     {NA_FAIL("node2")}},
    {"Doesn't match added affinity", "NodeAffinity",
     "{'addedAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':["
     EXPRS(EXPR("zone", "In", "'bar'")) "]}}}",
     {LNODE("node2", "'zone':'foo'")}, {}, POD_EMPTY,
     {UNRESOLVABLE("node2", "node(s) didn't match scheduler-enforced node affinity")}},
};

/* ---------------------------------------------------------------- */
/* PodTopologySpread (filtering_test.go: TestSingleConstraint,       */
/* TestMultipleConstraints, minDomains and inclusion-policy rows)    */
/* ---------------------------------------------------------------- */

#define HOSTNAME "kubernetes.io/hostname"
#define ZNODE(name, zone) LNODE(name, "'zone':'" zone "','" HOSTNAME "':'" name "'")
#define HNODE(name) LNODE(name, "'" HOSTNAME "':'" name "'")
#define FOO "'foo':''"
#define FOO_SEL "{'matchExpressions':[{'key':'foo','operator':'Exists'}]}"
#define BAR_SEL "{'matchExpressions':[{'key':'bar','operator':'Exists'}]}"
#define HARD(skew, key, sel) \
    "{'maxSkew':" #skew ",'topologyKey':'" key "','whenUnsatisfiable':'DoNotSchedule','labelSelector':" sel "}"
#define HARD_X(skew, key, sel, extra) \
    "{'maxSkew':" #skew ",'topologyKey':'" key "','whenUnsatisfiable':'DoNotSchedule','labelSelector':" sel "," extra "}"
#define SPREADING(labels, constraints) \
    "{'metadata':{'labels':{" labels "}},'spec':{'topologySpreadConstraints':[" constraints "],'containers':[]}}"
#define FOO_ON(node) "{'metadata':{'labels':{" FOO "}},'spec':{'nodeName':'" node "','containers':[]}}"
#define FOO_ON_NS(ns, node) \
    "{'metadata':{'namespace':'" ns "','labels':{" FOO "}},'spec':{'nodeName':'" node "','containers':[]}}"
#define SKEW(node) UNSCHED(node, "node(s) didn't match pod topology spread constraints")
#define NO_LABEL(node) \
    UNRESOLVABLE(node, "node(s) didn't match pod topology spread constraints (missing required label)")
#define FOUR_NODES ZNODE("node-a", "zone1"), ZNODE("node-b", "zone1"), ZNODE("node-x", "zone2"), ZNODE("node-y", "zone2")
#define SPREAD_2_1_0_3 FOO_ON("node-a"), FOO_ON("node-a"), FOO_ON("node-b"), FOO_ON("node-y"), FOO_ON("node-y"), FOO_ON("node-y")

static const filter_case spread_filters[] = {
    {"no existing pods", "PodTopologySpread", NULL, {FOUR_NODES}, {},
     SPREADING(FOO, HARD(1, "zone", FOO_SEL)),
     {OK("node-a"), OK("node-b"), OK("node-x"), OK("node-y")}},
    {"no existing pods, incoming pod doesn't match itself", "PodTopologySpread", NULL,
     {FOUR_NODES}, {}, SPREADING(FOO, HARD(1, "zone", BAR_SEL)),
     {OK("node-a"), OK("node-b"), OK("node-x"), OK("node-y")}},
    {"existing pods in a different namespace do not count", "PodTopologySpread", NULL,
     {FOUR_NODES}, {FOO_ON_NS("ns1", "node-a"), FOO_ON("node-b"), FOO_ON("node-x"), FOO_ON("node-x")},
     SPREADING(FOO, HARD(1, "zone", FOO_SEL)),
     {OK("node-a"), OK("node-b"), SKEW("node-x"), SKEW("node-y")}},
    {"pods spread across zones as 3/3, all nodes fit", "PodTopologySpread", NULL, {FOUR_NODES},
     {FOO_ON("node-a"), FOO_ON("node-a"), FOO_ON("node-b"), FOO_ON("node-x"), FOO_ON("node-y"),
      FOO_ON("node-y")},
     SPREADING(FOO, HARD(1, "zone", FOO_SEL)),
     {OK("node-a"), OK("node-b"), OK("node-x"), OK("node-y")}},
    {"pods spread across zones as 1/3 due to absence of label 'zone' on node-b",
     "PodTopologySpread", NULL,
     {ZNODE("node-a", "zone1"), HNODE("node-b"), ZNODE("node-x", "zone2"), ZNODE("node-y", "zone2")},
     {FOO_ON("node-a"), FOO_ON("node-b"), FOO_ON("node-x"), FOO_ON("node-y"), FOO_ON("node-y")},
     SPREADING(FOO, HARD(1, "zone", FOO_SEL)),
     {OK("node-a"), NO_LABEL("node-b"), SKEW("node-x"), SKEW("node-y")}},
    {"pod cannot be scheduled as all nodes don't have label 'rack'", "PodTopologySpread", NULL,
     {FOUR_NODES}, {}, SPREADING(FOO, HARD(1, "rack", FOO_SEL)),
     {NO_LABEL("node-a"), NO_LABEL("node-x")}},
    {"pods spread across nodes as 2/1/0/3, only node-x fits", "PodTopologySpread", NULL,
     {FOUR_NODES}, {SPREAD_2_1_0_3}, SPREADING(FOO, HARD(1, HOSTNAME, FOO_SEL)),
     {SKEW("node-a"), SKEW("node-b"), OK("node-x"), SKEW("node-y")}},
    {"pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit",
     "PodTopologySpread", NULL, {FOUR_NODES}, {SPREAD_2_1_0_3},
     SPREADING(FOO, HARD(2, HOSTNAME, FOO_SEL)),
     {SKEW("node-a"), OK("node-b"), OK("node-x"), SKEW("node-y")}},
    {"pods spread across nodes as 2/1/0/3, incoming pod doesn't match itself, node-b and node-x fit",
     "PodTopologySpread", NULL, {FOUR_NODES}, {SPREAD_2_1_0_3},
     SPREADING("'bar':''", HARD(1, HOSTNAME, FOO_SEL)),
     {SKEW("node-a"), OK("node-b"), OK("node-x"), SKEW("node-y")}},
    {"terminating pods are not counted", "PodTopologySpread", NULL, {FOUR_NODES},
     {"{'metadata':{'labels':{" FOO "},'deletionTimestamp':'2024-01-01T00:00:00Z'},'spec':{'nodeName':'node-a','containers':[]}}",
      FOO_ON("node-b"), FOO_ON("node-x"), FOO_ON("node-y")},
     SPREADING(FOO, HARD(1, HOSTNAME, FOO_SEL)),
     {OK("node-a"), SKEW("node-b"), SKEW("node-x"), SKEW("node-y")}},
    {"two constraints on zone and node, spreads = [3/3, 2/1/0/3]", "PodTopologySpread", NULL,
     {FOUR_NODES}, {SPREAD_2_1_0_3},
     SPREADING(FOO, HARD(1, "zone", FOO_SEL) "," HARD(1, HOSTNAME, FOO_SEL)),
     {SKEW("node-a"), SKEW("node-b"), OK("node-x"), SKEW("node-y")}},
    {"two constraints on zone and node, spreads = [3/4, 2/1/0/4]", "PodTopologySpread", NULL,
     {FOUR_NODES}, {SPREAD_2_1_0_3, FOO_ON("node-y")},
     SPREADING(FOO, HARD(1, "zone", FOO_SEL) "," HARD(1, HOSTNAME, FOO_SEL)),
     {SKEW("node-a"), SKEW("node-b"), SKEW("node-x"), SKEW("node-y")}},
    {"two constraints on zone and node, one lacking the hostname label", "PodTopologySpread", NULL,
     {ZNODE("node-a", "zone1"), LNODE("node-b", "'zone':'zone1'"), ZNODE("node-x", "zone2"),
      ZNODE("node-y", "zone2")},
     {FOO_ON("node-a"), FOO_ON("node-y")},
     SPREADING(FOO, HARD(1, "zone", FOO_SEL) "," HARD(1, HOSTNAME, FOO_SEL)),
     {SKEW("node-a"), NO_LABEL("node-b"), OK("node-x"), SKEW("node-y")}},
    {"minDomains larger than the number of domains: global min is 0", "PodTopologySpread", NULL,
     {HNODE("node-a"), HNODE("node-b"), HNODE("node-c")},
     {FOO_ON("node-a"), FOO_ON("node-a"), FOO_ON("node-b"), FOO_ON("node-b"), FOO_ON("node-c")},
     SPREADING(FOO, HARD_X(2, HOSTNAME, FOO_SEL, "'minDomains':4")),
     {SKEW("node-a"), SKEW("node-b"), OK("node-c")}},
    {"minDomains not larger than the number of domains: global min counts", "PodTopologySpread",
     NULL, {HNODE("node-a"), HNODE("node-b"), HNODE("node-c")},
     {FOO_ON("node-a"), FOO_ON("node-a"), FOO_ON("node-b"), FOO_ON("node-b"), FOO_ON("node-c")},
     SPREADING(FOO, HARD_X(2, HOSTNAME, FOO_SEL, "'minDomains':3")),
     {OK("node-a"), OK("node-b"), OK("node-c")}},
    {"NodeTaintsPolicy Honor: a tainted empty node does not lower the global min",
     "PodTopologySpread", NULL,
     {HNODE("node-a"), HNODE("node-b"),
      "{'metadata':{'name':'node-c','labels':{'" HOSTNAME "':'node-c'}},'spec':{'taints':[{'key':'t','effect':'NoSchedule'}]}}"},
     {FOO_ON("node-a"), FOO_ON("node-b")},
     SPREADING(FOO, HARD_X(1, HOSTNAME, FOO_SEL, "'nodeTaintsPolicy':'Honor'")),
     {OK("node-a"), OK("node-b")}},
    {"NodeTaintsPolicy Ignore: a tainted empty node is the global min", "PodTopologySpread", NULL,
     {HNODE("node-a"), HNODE("node-b"),
      "{'metadata':{'name':'node-c','labels':{'" HOSTNAME "':'node-c'}},'spec':{'taints':[{'key':'t','effect':'NoSchedule'}]}}"},
     {FOO_ON("node-a"), FOO_ON("node-b")}, SPREADING(FOO, HARD(1, HOSTNAME, FOO_SEL)),
     {SKEW("node-a"), SKEW("node-b"), OK("node-c")}},
    {"NodeAffinityPolicy Honor: nodes outside the pod's nodeSelector are not domains",
     "PodTopologySpread", NULL,
     {LNODE("node-a", "'" HOSTNAME "':'node-a','foo':''"), LNODE("node-b", "'" HOSTNAME "':'node-b','foo':''"),
      HNODE("node-c")},
     {FOO_ON("node-a"), FOO_ON("node-b")},
     "{'metadata':{'labels':{" FOO "}},'spec':{'nodeSelector':{'foo':''},'topologySpreadConstraints':["
     HARD(1, HOSTNAME, FOO_SEL) "],'containers':[]}}",
     {OK("node-a"), OK("node-b")}},
    {"NodeAffinityPolicy Ignore: nodes outside the pod's nodeSelector still count",
     "PodTopologySpread", NULL,
     {LNODE("node-a", "'" HOSTNAME "':'node-a','foo':''"), LNODE("node-b", "'" HOSTNAME "':'node-b','foo':''"),
      HNODE("node-c")},
     {FOO_ON("node-a"), FOO_ON("node-b")},
     "{'metadata':{'labels':{" FOO "}},'spec':{'nodeSelector':{'foo':''},'topologySpreadConstraints':["
     HARD_X(1, HOSTNAME, FOO_SEL, "'nodeAffinityPolicy':'Ignore'") "],'containers':[]}}",
     {SKEW("node-a"), SKEW("node-b")}},
    {"no DoNotSchedule constraints: PreFilter skips", "PodTopologySpread", NULL, {FOUR_NODES}, {},
     POD_EMPTY, {OK("node-a")}, SL_SKIP},
};

/* ---------------------------------------------------------------- */
/* InterPodAffinity (filtering_test.go: TestRequiredAffinitySingleNode, */
/* TestRequiredAffinityMultipleNodes)                                */
/* ---------------------------------------------------------------- */

#define N1 LNODE("n1", "'region':'r1','zone':'z11'")
#define N2 LNODE("n2", "'region':'r1','zone':'z12'")
#define N3 LNODE("n3", "'region':'r2','zone':'z21'")
#define N4 NAMED("n4")
#define SVC(v) "'service':'" v "'"
#define TERM(sel, key) "{'labelSelector':" sel ",'topologyKey':'" key "'}"
#define TERM_NS(sel, key, ns) "{'labelSelector':" sel ",'namespaces':[" ns "],'topologyKey':'" key "'}"
#define SVC_IN(v) "{'matchExpressions':[{'key':'service','operator':'In','values':['" v "']}]}"
#define REQ_AFF(terms) "'podAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[" terms "]}"
#define REQ_ANTI(terms) "'podAntiAffinity':{'requiredDuringSchedulingIgnoredDuringExecution':[" terms "]}"
#define IPOD(labels, affinity) "{'metadata':{'labels':{" labels "}},'spec':{'affinity':{" affinity "},'containers':[]}}"
#define IPOD_ON(node, labels, affinity) \
    "{'metadata':{'labels':{" labels "}},'spec':{'nodeName':'" node "','affinity':{" affinity "},'containers':[]}}"
#define LPOD_ON(node, labels) "{'metadata':{'labels':{" labels "}},'spec':{'nodeName':'" node "','containers':[]}}"
#define LPOD_ON_NS(ns, node, labels) \
    "{'metadata':{'namespace':'" ns "','labels':{" labels "}},'spec':{'nodeName':'" node "','containers':[]}}"
#define AFF_FAIL(node) UNRESOLVABLE(node, "node(s) didn't match pod affinity rules")
#define ANTI_FAIL(node) UNSCHED(node, "node(s) didn't match pod anti-affinity rules")
#define EXISTING_FAIL(node) UNSCHED(node, "node(s) didn't satisfy existing pods anti-affinity rules")

static const filter_case inter_pod_filters[] = {
    {"A pod that has no required pod affinity scheduling rules can schedule onto a node with no "
     "existing pods", "InterPodAffinity", NULL, {N1}, {}, POD_EMPTY, {OK("n1")}, SL_SKIP},
    {"satisfies with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In "
     "operator that matches the existing pod", "InterPodAffinity", NULL, {N1, N2, N3, N4},
     {LPOD_ON("n1", SVC("securityscan"))},
     IPOD("", REQ_AFF(TERM(SVC_IN("securityscan"), "region"))),
     {OK("n1"), OK("n2"), AFF_FAIL("n3"), AFF_FAIL("n4")}},
    {"satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using "
     "not in operator in labelSelector that matches the existing pod", "InterPodAffinity", NULL,
     {N1}, {LPOD_ON("n1", SVC("securityscan"))},
     IPOD("", REQ_AFF(TERM("{'matchExpressions':[{'key':'service','operator':'NotIn','values':['securityscan3','value3']}]}", "region"))),
     {OK("n1")}},
    {"Does not satisfy the PodAffinity with labelSelector because of diff Namespace",
     "InterPodAffinity", NULL, {N1}, {LPOD_ON("n1", SVC("securityscan"))},
     IPOD("", REQ_AFF(TERM_NS(SVC_IN("securityscan"), "region", "'DiffNameSpace'"))),
     {AFF_FAIL("n1")}},
    {"satisfies the PodAffinity with labelSelector in the term's namespace", "InterPodAffinity",
     NULL, {N1}, {LPOD_ON_NS("DiffNameSpace", "n1", SVC("securityscan"))},
     IPOD("", REQ_AFF(TERM_NS(SVC_IN("securityscan"), "region", "'DiffNameSpace'"))), {OK("n1")}},
    {"Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod",
     "InterPodAffinity", NULL, {N1}, {LPOD_ON("n1", SVC("securityscan"))},
     IPOD("", REQ_AFF(TERM(SVC_IN("antivirusscan"), "region"))), {AFF_FAIL("n1")}},
    {"satisfies the PodAffinity with different label Operators in multiple RequiredDuringScheduling",
     "InterPodAffinity", NULL, {N1}, {LPOD_ON("n1", SVC("securityscan"))},
     IPOD("", REQ_AFF(TERM("{'matchExpressions':[{'key':'service','operator':'Exists'},{'key':'wrongkey','operator':'DoesNotExist'}]}", "region") ","
                      TERM("{'matchExpressions':[{'key':'service','operator':'In','values':['securityscan']},{'key':'service','operator':'NotIn','values':['WrongValue']}]}", "region"))),
     {OK("n1")}},
    {"The labelSelector requirements(items of matchExpressions) are ANDed, the pod cannot "
     "schedule onto the node because one of the matchExpression items doesn't match",
     "InterPodAffinity", NULL, {N1}, {LPOD_ON("n1", SVC("securityscan"))},
     IPOD("", REQ_AFF(TERM("{'matchExpressions':[{'key':'service','operator':'Exists'},{'key':'wrongkey','operator':'DoesNotExist'}]}", "region") ","
                      TERM("{'matchExpressions':[{'key':'service','operator':'In','values':['securityscan2']},{'key':'service','operator':'NotIn','values':['WrongValue']}]}", "region"))),
     {AFF_FAIL("n1")}},
    {"satisfies the PodAffinity and PodAntiAffinity with the existing pod", "InterPodAffinity",
     NULL, {N1}, {LPOD_ON("n1", SVC("securityscan"))},
     IPOD("", REQ_AFF(TERM(SVC_IN("securityscan"), "region")) "," REQ_ANTI(TERM(SVC_IN("antivirusscan"), "node"))),
     {OK("n1")}},
    {"satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod",
     "InterPodAffinity", NULL, {N1}, {LPOD_ON("n1", SVC("securityscan"))},
     IPOD("", REQ_AFF(TERM(SVC_IN("securityscan"), "region")) "," REQ_ANTI(TERM(SVC_IN("securityscan"), "zone"))),
     {ANTI_FAIL("n1")}},
    {"satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry "
     "with the existing pod", "InterPodAffinity", NULL, {N1},
     {IPOD_ON("n1", SVC("securityscan"), REQ_ANTI(TERM(SVC_IN("securityscan"), "zone")))},
     IPOD(SVC("securityscan"), REQ_AFF(TERM(SVC_IN("securityscan"), "region")) "," REQ_ANTI(TERM(SVC_IN("antivirusscan"), "node"))),
     {EXISTING_FAIL("n1")}},
    {"pod matches its own Label in PodAffinity and that matches the existing pod Labels",
     "InterPodAffinity", NULL, {N1}, {LPOD_ON("n1", SVC("securityscan"))},
     IPOD(SVC("securityscan"), REQ_AFF(TERM(SVC_IN("antivirusscan"), "region"))), {AFF_FAIL("n1")}},
    {"verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity "
     "constraints. doesn't satisfy PodAntiAffinity symmetry with the existing pod",
     "InterPodAffinity", NULL, {N1},
     {IPOD_ON("n1", SVC("securityscan"), REQ_ANTI(TERM(SVC_IN("securityscan"), "zone")))},
     "{'metadata':{'labels':{" SVC("securityscan") "}},'spec':{'containers':[]}}",
     {EXISTING_FAIL("n1")}},
    {"verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity "
     "constraints. satisfy PodAntiAffinity symmetry with the existing pod", "InterPodAffinity",
     NULL, {N1}, {IPOD_ON("n1", SVC("securityscan"), REQ_ANTI(TERM(SVC_IN("securityscan"), "zone")))},
     "{'metadata':{'labels':{" SVC("antivirusscan") "}},'spec':{'containers':[]}}", {OK("n1")},
     SL_SKIP},
    {"existing pod's anti-affinity on a node without the topology key has no effect",
     "InterPodAffinity", NULL, {N1, N4},
     {IPOD_ON("n4", SVC("securityscan"), REQ_ANTI(TERM(SVC_IN("securityscan"), "zone")))},
     "{'metadata':{'labels':{" SVC("securityscan") "}},'spec':{'containers':[]}}",
     {OK("n1"), OK("n4")}, SL_SKIP},
    {"existing pod's anti-affinity blocks every node of its topology domain", "InterPodAffinity",
     NULL, {N1, N2, N3, N4},
     {IPOD_ON("n1", SVC("securityscan"), REQ_ANTI(TERM(SVC_IN("securityscan"), "region")))},
     "{'metadata':{'labels':{" SVC("securityscan") "}},'spec':{'containers':[]}}",
     {EXISTING_FAIL("n1"), EXISTING_FAIL("n2"), OK("n3"), OK("n4")}},
    {"incoming pod's anti-affinity blocks the domain, not nodes lacking the key",
     "InterPodAffinity", NULL, {N1, N2, N3, N4}, {LPOD_ON("n1", SVC("securityscan"))},
     IPOD("", REQ_ANTI(TERM(SVC_IN("securityscan"), "region"))),
     {ANTI_FAIL("n1"), ANTI_FAIL("n2"), OK("n3"), OK("n4")}},
    /* TestRequiredAffinityMultipleNodes: the self-affinity exception. */
    {"A pod can be scheduled onto all the nodes that have the same topology key & label value "
     "with one of them has an existing pod that matches the affinity rules", "InterPodAffinity",
     NULL, {N1, N2, N3}, {LPOD_ON("n1", "'foo':'bar'")},
     IPOD("", REQ_AFF(TERM("{'matchExpressions':[{'key':'foo','operator':'In','values':['bar']}]}", "region"))),
     {OK("n1"), OK("n2"), AFF_FAIL("n3")}},
    {"The first pod of the collection can only be scheduled on nodes labelled with the requested "
     "topology keys", "InterPodAffinity", NULL, {N1, N4}, {},
     IPOD("'foo':'bar'", REQ_AFF(TERM("{'matchExpressions':[{'key':'foo','operator':'In','values':['bar']}]}", "region") ","
                                 TERM("{'matchExpressions':[{'key':'foo','operator':'In','values':['bar']}]}", "zone"))),
     {OK("n1"), AFF_FAIL("n4")}},
    {"self-affinity exception does not apply when another pod already matches elsewhere",
     "InterPodAffinity", NULL, {N1, N3}, {LPOD_ON("n3", "'foo':'bar'")},
     IPOD("'foo':'bar'", REQ_AFF(TERM("{'matchExpressions':[{'key':'foo','operator':'In','values':['bar']}]}", "region"))),
     {AFF_FAIL("n1"), OK("n3")}},
    {"self-affinity exception requires the pod to match all its own terms", "InterPodAffinity",
     NULL, {N1}, {}, IPOD("'foo':'bar'", REQ_AFF(TERM("{'matchExpressions':[{'key':'foo','operator':'In','values':['baz']}]}", "region"))),
     {AFF_FAIL("n1")}},
    {"self-affinity exception is namespace aware", "InterPodAffinity", NULL, {N1}, {},
     IPOD("'foo':'bar'", REQ_AFF(TERM_NS("{'matchExpressions':[{'key':'foo','operator':'In','values':['bar']}]}", "region", "'other'"))),
     {AFF_FAIL("n1")}},
    {"NodeA and nodeB have same topologyKey and label value. NodeA has an existing pod that "
     "matches the inter pod affinity rule. The pod can not be scheduled onto nodeA and nodeB.",
     "InterPodAffinity", NULL,
     {LNODE("nodeA", "'zone':'az1','hostname':'h1'"), LNODE("nodeB", "'zone':'az1','hostname':'h2'")},
     {LPOD_ON("nodeA", "'foo':'abc'")},
     IPOD("", REQ_ANTI(TERM("{'matchExpressions':[{'key':'foo','operator':'In','values':['abc']}]}", "zone"))),
     {ANTI_FAIL("nodeA"), ANTI_FAIL("nodeB")}},
    {"This test ensures that anti-affinity matches a pod when any term of the anti-affinity rule "
     "matches a pod", "InterPodAffinity", NULL,
     {LNODE("nodeA", "'region':'r1','zone':'z1','hostname':'nodeA'"),
      LNODE("nodeB", "'region':'r1','zone':'z2','hostname':'nodeB'")},
     {IPOD_ON("nodeA", "'foo':'123','bar':'456'", REQ_ANTI(TERM("{'matchExpressions':[{'key':'foo','operator':'Exists'}]}", "zone") ","
                                                          TERM("{'matchExpressions':[{'key':'bar','operator':'Exists'}]}", "zone")))},
     IPOD("'foo':'123'", REQ_ANTI(TERM("{'matchExpressions':[{'key':'foo','operator':'Exists'}]}", "zone") ","
                                  TERM("{'matchExpressions':[{'key':'bar','operator':'Exists'}]}", "zone"))),
     {ANTI_FAIL("nodeA"), OK("nodeB")}},
};

/* ---------------------------------------------------------------- */
/* SchedulingGates (PreEnqueue) and PrioritySort (QueueSort)         */
/* ---------------------------------------------------------------- */

TEST(scheduling_gates_pre_enqueue) {
    static const struct {
        const char *pod;
        sl_code code;
        const char *message;
    } cases[] = {
        {"{'metadata':{'name':'p'},'spec':{'containers':[]}}", SL_SUCCESS, NULL},
        {"{'metadata':{'name':'p'},'spec':{'schedulingGates':[{'name':'foo'},{'name':'bar'}],'containers':[]}}",
         SL_UNSCHEDULABLE_AND_UNRESOLVABLE, "waiting for scheduling gates: [foo bar]"},
        {"{'metadata':{'name':'p'},'spec':{'schedulingGates':[{'name':'example.com/gate'}],'containers':[]}}",
         SL_UNSCHEDULABLE_AND_UNRESOLVABLE, "waiting for scheduling gates: [example.com/gate]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f;
        fixture_init(&f);
        sl_pod_info *pod = fixture_incoming(&f, cases[i].pod);
        sl_plugin *p = fixture_plugin(&f, "SchedulingGates", NULL);
        sl_status s = p->ops->pre_enqueue(p, pod);
        CHECK_EQ_INT(s.code, cases[i].code);
        if (cases[i].message) CHECK_EQ_STR(s.message, cases[i].message);
        fc_cases_run++;
        fixture_free(&f);
    }
}

TEST(priority_sort_less) {
    fixture f;
    fixture_init(&f);
    sl_pod_info *low = fixture_incoming(&f, "{'metadata':{'name':'low'},'spec':{'priority':1,'containers':[]}}");
    sl_pod_info *high = fixture_incoming(&f, "{'metadata':{'name':'high'},'spec':{'priority':2,'containers':[]}}");
    sl_pod_info *none = fixture_incoming(&f, "{'metadata':{'name':'none'},'spec':{'containers':[]}}");
    sl_pod_info *neg = fixture_incoming(&f, "{'metadata':{'name':'neg'},'spec':{'priority':-5,'containers':[]}}");
    sl_plugin *p = fixture_plugin(&f, "PrioritySort", NULL);
    /* TestLess: higher priority first; equal priority, earlier timestamp first. */
    sl_queued_pod a = {low, 100, 100, 0}, b = {high, 200, 200, 0};
    CHECK(!p->ops->less(p, &a, &b));       /* p1 priority 1 vs p2 priority 2 */
    CHECK(p->ops->less(p, &b, &a));
    sl_queued_pod c = {high, 100, 100, 0}, d = {high, 200, 200, 0};
    CHECK(p->ops->less(p, &c, &d));        /* same priority, earlier timestamp */
    CHECK(!p->ops->less(p, &d, &c));
    sl_queued_pod e = {high, 100, 100, 0}, g = {high, 100, 100, 0};
    CHECK(!p->ops->less(p, &e, &g));       /* strict ordering: equal is not less */
    sl_queued_pod h = {none, 100, 100, 0}, k = {neg, 50, 50, 0};
    CHECK(p->ops->less(p, &h, &k));        /* no priority counts as 0 > -5 */
    fc_cases_run += 6;
    fixture_free(&f);
}

TEST(pod_topology_spread_filter) { RUN_FILTER_TABLE(spread_filters); }
TEST(inter_pod_affinity_filter) { RUN_FILTER_TABLE(inter_pod_filters); }

TEST(taint_toleration_filter) { RUN_FILTER_TABLE(taint_filters); }
TEST(node_unschedulable_filter) { RUN_FILTER_TABLE(unschedulable_filters); }
TEST(node_name_filter) { RUN_FILTER_TABLE(node_name_filters); }
TEST(node_ports_filter) { RUN_FILTER_TABLE(node_ports_filters); }
TEST(fit_filter) { RUN_FILTER_TABLE(fit_filters); }
TEST(node_affinity_filter) { RUN_FILTER_TABLE(node_affinity_filters); }

int main(void) {
    RUN(taint_toleration_filter);
    RUN(node_unschedulable_filter);
    RUN(node_name_filter);
    RUN(node_ports_filter);
    RUN(fit_filter);
    RUN(node_affinity_filter);
    RUN(pod_topology_spread_filter);
    RUN(inter_pod_affinity_filter);
    RUN(scheduling_gates_pre_enqueue);
    RUN(priority_sort_less);
    printf("fidelity_filters: %d upstream cases\n", fc_cases_run);
    return test_summary("fidelity_filters");
}
