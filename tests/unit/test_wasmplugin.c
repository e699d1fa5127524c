/*
 * test_wasmplugin.c — the wasm plugin host against guests written in WAT
 * (compiled here with wat2wasm): every hook export and host import, the
 * buffer-retry protocol, result packing, status reasons, prefilter node
 * names, normalizescore by node name, per-pod instance affinity through
 * the binding cycle, traps/panics/proc_exit as Error statuses with the
 * captured output, sandbox limits, load-time checks, reconfiguration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plugin_fixture.h"
#include "scheduler/cluster.h"
#include "scheduler/config.h"
#include "scheduler/queue.h"
#include "scheduler/scheduler.h"
#include "plugins/registry.h"
#include "test.h"
#include "wasmplugin/wasmplugin.h"

static char tmpdir[256];

/* Compiles WAT text into tmpdir/name.wasm; returns the path (static). */
static const char *wat(const char *name, const char *text) {
    static char path[16][512];
    static int next;
    char *out = path[next++ % 16];
    char src[512], cmd[1400];
    snprintf(src, sizeof src, "%s/%s.wat", tmpdir, name);
    snprintf(out, 512, "%s/%s.wasm", tmpdir, name);
    FILE *f = fopen(src, "w");
    fputs(text, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "wat2wasm --enable-all -o %s %s", out, src);
    if (system(cmd) != 0) {
        fprintf(stderr, "wat2wasm failed for %s\n", name);
        abort();
    }
    return out;
}

static sl_plugin *wasm_plugin(fixture *f, const char *name, const char *args_json, char *err, size_t errsize) {
    const sl_plugin_registration *reg = sl_wasm_plugin_registration();
    sl_plugin *p = &f->plugins[f->nplugins];
    memset(p, 0, sizeof *p);
    p->ops = reg->ops;
    p->name = name;
    json_error_t je;
    json_t *args = json_loads(args_json, 0, &je);
    if (!args) {
        fprintf(stderr, "bad args %s\n", args_json);
        abort();
    }
    f->args[f->nargs++] = args;
    err[0] = 0;
    if (!reg->factory(p, args, err, errsize)) return NULL;
    f->nplugins++;
    return p;
}

static sl_plugin *load(fixture *f, const char *path, const char *extra) {
    char args[2048], err[1024];
    snprintf(args, sizeof args, "{\"guestURL\": \"file://%s\"%s%s}", path, extra ? ", " : "", extra ? extra : "");
    sl_plugin *p = wasm_plugin(f, "Guest", args, err, sizeof err);
    if (!p) fprintf(stderr, "load %s: %s\n", path, err);
    return p;
}

static void set_global(sl_plugin *p, const char *key, const char *name, int32_t v);

/* The ABI guest: every hook and import; behaviour from exported globals
 * (the test sets them through the instance before calls). */
static const char *ABI_WAT =
    "(module\n"
    " (import \"k8s.io/scheduler\" \"currentPod\" (func $currentPod (param i32 i32) (result i32)))\n"
    " (import \"k8s.io/scheduler\" \"targetPod\" (func $targetPod (param i32 i32) (result i32)))\n"
    " (import \"k8s.io/scheduler\" \"currentNodeName\" (func $nodeName (param i32 i32) (result i32)))\n"
    " (import \"k8s.io/scheduler\" \"filteredNodeList\" (func $filtered (param i32 i32) (result i32)))\n"
    " (import \"k8s.io/scheduler\" \"nodeToStatusMap\" (func $statusMap (param i32 i32) (result i32)))\n"
    " (import \"k8s.io/scheduler\" \"nodeScoreList\" (func $scoreList (param i32 i32) (result i32)))\n"
    " (import \"k8s.io/scheduler\" \"nodeImageStates\" (func $images (param i32 i32 i32 i32) (result i32)))\n"
    " (import \"k8s.io/scheduler\" \"get_config\" (func $config (param i32 i32) (result i32)))\n"
    " (import \"k8s.io/scheduler\" \"result.status_reason\" (func $reason (param i32 i32)))\n"
    " (import \"k8s.io/scheduler\" \"result.node_names\" (func $names (param i32 i32)))\n"
    " (import \"k8s.io/scheduler\" \"result.nominated_node_name\" (func $nominated (param i32 i32)))\n"
    " (import \"k8s.io/scheduler\" \"result.normalized_score_list\" (func $normalized (param i32 i32)))\n"
    " (import \"k8s.io/scheduler\" \"result.cluster_events\" (func $events (param i32 i32)))\n"
    " (import \"k8s.io/scheduler\" \"handle.eventrecorder.eventf\" (func $eventf (param i32 i32)))\n"
    " (import \"k8s.io/scheduler\" \"handle.reject_waiting_pod\" (func $reject (param i32 i32 i32 i32)))\n"
    " (import \"k8s.io/scheduler\" \"handle.get_waiting_pod\" (func $getwaiting (param i32 i32 i32 i32)))\n"
    " (import \"k8s.io/api\" \"node\" (func $node (param i32 i32 i32 i32) (result i32)))\n"
    " (import \"k8s.io/api\" \"nodeList\" (func $nodeList (param i32 i32) (result i32)))\n"
    " (import \"k8s.io/klog\" \"severity\" (func $severity (result i32)))\n"
    " (import \"k8s.io/klog\" \"log\" (func $log (param i32 i32 i32)))\n"
    " (import \"k8s.io/klog\" \"logs\" (func $logs (param i32 i32 i32 i32 i32)))\n"
    " (memory (export \"memory\") 4)\n"
    " (global $code (export \"code\") (mut i32) (i32.const 0))\n"
    " (global $score (export \"score_g\") (mut i32) (i32.const 0))\n"
    " (global $timeout (export \"timeout_g\") (mut i32) (i32.const 0))\n"
    " (global $mode (export \"mode_g\") (mut i32) (i32.const 0))\n"
    " (global $podlen (export \"podlen\") (mut i32) (i32.const 0))\n"
    " (global $podlen2 (export \"podlen2\") (mut i32) (i32.const 0))\n"
    " (global $state (export \"state\") (mut i32) (i32.const -1))\n"
    " (global $names_on (export \"names_on\") (mut i32) (i32.const 0))\n"
    " (global $sev (export \"sev\") (mut i32) (i32.const -1))\n"
    " (global $nodelen (export \"nodelen\") (mut i32) (i32.const 0))\n"
    " (global $listlen (export \"listlen\") (mut i32) (i32.const 0))\n"
    " (global $targetlen (export \"targetlen\") (mut i32) (i32.const 0))\n"
    " (global $calls (export \"calls\") (mut i32) (i32.const 0))\n"
    " (data (i32.const 16) \"n1\\00n2\\00n2\\00\")\n"
    " (data (i32.const 32) \"{\\\"n1\\\":7}\")\n"
    " (data (i32.const 48) \"\\01\\00\\00\\00\\08\\00\\00\\00\\02\\00\\00\\00\\02\\00\\00\\00\")\n"
    " (data (i32.const 64) \"n2\")\n"
    " (data (i32.const 80) \"hello from klog\\n\")\n"
    " (data (i32.const 96) \"k\\00v\\00e\\00\\00\")\n"
    " (data (i32.const 112) \"stale\")\n"
    " (func $stale (result i32) (i32.ne (call $currentPod (i32.const 8192) (i32.const 0)) (global.get $state)))\n"
    " (func $reasonNode (result i32) (local $n i32)\n"
    "  (local.set $n (call $nodeName (i32.const 8192) (i32.const 256)))\n"
    "  (call $reason (i32.const 8192) (local.get $n)) (local.get $n))\n"
    " (func (export \"_start\")\n"
    "  (global.set $sev (call $severity))\n"
    "  (call $log (i32.const 0) (i32.const 80) (i32.const 16))\n"
    "  (call $logs (i32.const 0) (i32.const 80) (i32.const 15) (i32.const 96) (i32.const 7)))\n"
    " (func (export \"enqueue\") (call $events (i32.const 48) (i32.const 16)))\n"
    " (func (export \"prefilter\") (result i32)\n"
    "  (global.set $calls (i32.add (global.get $calls) (i32.const 1)))\n"
    "  (global.set $podlen (call $currentPod (i32.const 8192) (i32.const 2048)))\n"
    "  (if (i32.gt_u (global.get $podlen) (i32.const 2048))\n"
    "   (then (global.set $podlen2 (call $currentPod (i32.const 8192) (global.get $podlen))))\n"
    "   (else (global.set $podlen2 (global.get $podlen))))\n"
    "  (global.set $state (global.get $podlen2))\n"
    "  (if (global.get $names_on) (then (call $names (i32.const 16) (i32.const 9))))\n"
    "  (if (global.get $code) (then (call $reason (i32.const 64) (i32.const 2))))\n"
    "  (global.get $code))\n"
    " (func (export \"filter\") (result i32)\n"
    "  (if (call $stale) (then (call $reason (i32.const 112) (i32.const 5)) (return (i32.const 1))))\n"
    "  (drop (call $reasonNode)) (global.get $code))\n"
    " (func (export \"score\") (result i64) (local $n i32)\n"
    "  (if (call $stale) (then (call $reason (i32.const 112) (i32.const 5)) (return (i64.const 1))))\n"
    "  (local.set $n (call $nodeName (i32.const 8192) (i32.const 256)))\n"
    "  (global.set $nodelen (call $node (i32.const 8192) (local.get $n) (i32.const 16384) (i32.const 0)))\n"
    "  (i64.or (i64.shl (i64.extend_i32_s (i32.add (global.get $score) (local.get $n))) (i64.const 32))\n"
    "          (i64.extend_i32_u (global.get $code))))\n"
    " (func (export \"postfilter\") (result i64) (local $n i32)\n"
    "  (local.set $n (call $statusMap (i32.const 8192) (i32.const 60000)))\n"
    "  (call $reason (i32.const 8192) (local.get $n))\n"
    "  (call $nominated (i32.const 64) (i32.const 2))\n"
    "  (i64.or (i64.shl (i64.extend_i32_s (global.get $mode)) (i64.const 32)) (i64.extend_i32_u (global.get $code))))\n"
    " (func (export \"prescore\") (result i32) (local $n i32)\n"
    "  (global.set $listlen (call $nodeList (i32.const 8192) (i32.const 0)))\n"
    "  (local.set $n (call $filtered (i32.const 8192) (i32.const 60000)))\n"
    "  (call $reason (i32.const 8192) (local.get $n)) (global.get $code))\n"
    " (func (export \"normalizescore\") (result i32) (local $n i32)\n"
    "  (local.set $n (call $scoreList (i32.const 8192) (i32.const 60000)))\n"
    "  (call $reason (i32.const 8192) (local.get $n))\n"
    "  (call $normalized (i32.const 32) (i32.const 8)) (global.get $code))\n"
    " (func (export \"reserve\") (result i32)\n"
    "  (if (call $stale) (then (call $reason (i32.const 112) (i32.const 5)) (return (i32.const 1))))\n"
    "  (drop (call $reasonNode)) (global.get $code))\n"
    " (func (export \"unreserve\") (if (call $stale) (then unreachable)))\n"
    " (func (export \"permit\") (result i64)\n"
    "  (if (call $stale) (then (call $reason (i32.const 112) (i32.const 5)) (return (i64.const 0x100000000))))\n"
    "  (drop (call $reasonNode))\n"
    "  (i64.or (i64.shl (i64.extend_i32_s (global.get $code)) (i64.const 32)) (i64.extend_i32_u (global.get $timeout))))\n"
    " (func (export \"prebind\") (result i32) (local $n i32)\n"
    "  (local.set $n (call $config (i32.const 8192) (i32.const 60000)))\n"
    "  (call $reason (i32.const 8192) (local.get $n)) (global.get $code))\n"
    " (func (export \"bind\") (result i32) (local $n i32) (local $m i32)\n"
    "  (if (call $stale) (then (call $reason (i32.const 112) (i32.const 5)) (return (i32.const 1))))\n"
    "  (local.set $n (call $nodeName (i32.const 4096) (i32.const 256)))\n"
    "  (local.set $m (call $images (i32.const 4096) (local.get $n) (i32.const 8192) (i32.const 60000)))\n"
    "  (call $reason (i32.const 8192) (local.get $m)) (global.get $code))\n"
    " (func (export \"postbind\") (if (call $stale) (then unreachable)))\n"
    " (func (export \"addpod\") (result i32)\n"
    "  (global.set $targetlen (call $targetPod (i32.const 8192) (i32.const 0)))\n"
    "  (drop (call $reasonNode)) (global.get $code))\n"
    " (func (export \"removepod\") (result i32)\n"
    "  (global.set $targetlen (call $targetPod (i32.const 8192) (i32.const 0)))\n"
    "  (drop (call $reasonNode)) (global.get $code))\n"
    ")\n";

static const char *abi_path;

static char big_annotation[6000];

static void abi_cluster(fixture *f) {
    fixture_init(f);
    fixture_node(f, "{'metadata':{'name':'n1'},'status':{'allocatable':{'cpu':'4'},'images':[{'names':['img:v1'],'sizeBytes':1000}]}}");
    fixture_node(f, "{'metadata':{'name':'n2'},'status':{'allocatable':{'cpu':'4'}}}");
    fixture_node(f, "{'metadata':{'name':'node-three'},'status':{'allocatable':{'cpu':'4'}}}");
}

static sl_pod_info *small_pod(fixture *f, const char *name) {
    char text[512];
    snprintf(text, sizeof text, "{'metadata':{'name':'%s','namespace':'default','uid':'uid-%s'},'spec':{'containers':[{'name':'c'}]}}",
             name, name);
    return fixture_incoming(f, text);
}

static sl_pod_info *big_pod(fixture *f) {
    memset(big_annotation, 'x', sizeof big_annotation - 1);
    big_annotation[sizeof big_annotation - 1] = 0;
    char *text = xmalloc(sizeof big_annotation + 512);
    sprintf(text, "{'metadata':{'name':'big','namespace':'default','uid':'uid-big','annotations':{'a':'%s'}},'spec':{'containers':[{'name':'c'}]}}",
            big_annotation);
    sl_pod_info *p = fixture_incoming(f, text);
    free(text);
    return p;
}

static int64_t global_of(sl_plugin *p, const char *key, const char *name) {
    int64_t v = -12345;
    if (!sl_wasm_plugin_test_global(p, key, name, &v)) fprintf(stderr, "no global %s\n", name);
    return v;
}

static void set_global(sl_plugin *p, const char *key, const char *name, int32_t v) {
    /* through the test hook's instance: read the extern and set it */
    int64_t old;
    if (!sl_wasm_plugin_test_global(p, key, name, &old)) abort();
    if (!sl_wasm_plugin_test_set_global(p, key, name, v)) abort();
}

TEST(abi_prefilter_buffer_retry_and_node_names) {
    fixture f;
    abi_cluster(&f);
    sl_pod_info *big = big_pod(&f);
    sl_pod_info *small = small_pod(&f, "p1");
    fixture_begin(&f);
    sl_plugin *p = load(&f, abi_path, NULL);
    CHECK(p != NULL);
    sl_prefilter_result r = {.all = true};
    sl_status s = p->ops->pre_filter(p, f.cycle, big, &r);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    CHECK(r.all);
    sl_pb_buf b = {0};
    sl_pb_encode_pod(&b, big->pod->raw);
    CHECK(b.len > 2048);
    CHECK_EQ_INT(global_of(p, "uid-big", "podlen"), (int64_t)b.len);  /* first answer: the length */
    CHECK_EQ_INT(global_of(p, "uid-big", "podlen2"), (int64_t)b.len); /* retry with limit = len */
    free(b.data);
    /* node names: "n1\0n2\0n2\0" -> {n1, n2} */
    set_global(p, "uid-big", "names_on", 1);
    r = (sl_prefilter_result){.all = true};
    s = p->ops->pre_filter(p, f.cycle, small, &r);
    /* a new pod may get another instance: set it there too and rerun */
    set_global(p, "uid-p1", "names_on", 1);
    r = (sl_prefilter_result){.all = true};
    s = p->ops->pre_filter(p, f.cycle, small, &r);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    CHECK(!r.all);
    CHECK_EQ_INT(r.nnames, 2);
    if (r.nnames == 2) {
        CHECK_EQ_STR(r.node_names[0], "n1");
        CHECK_EQ_STR(r.node_names[1], "n2");
    }
    /* status code + reason */
    set_global(p, "uid-p1", "code", 3);
    s = p->ops->pre_filter(p, f.cycle, small, &r);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE_AND_UNRESOLVABLE);
    CHECK_EQ_STR(s.message, "n2");
    fixture_free(&f);
}

TEST(abi_filter_score_packing_and_reasons) {
    fixture f;
    abi_cluster(&f);
    sl_pod_info *pod = small_pod(&f, "p1");
    fixture_begin(&f);
    sl_plugin *p = load(&f, abi_path, NULL);
    sl_prefilter_result r = {.all = true};
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, pod, &r).code, SL_SUCCESS);
    const sl_node_info *n1 = fixture_node_info(&f, "n1");
    const sl_node_info *n3 = fixture_node_info(&f, "node-three");
    sl_status s = p->ops->filter(p, f.cycle, pod, n3);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    set_global(p, "uid-p1", "code", 2);
    s = p->ops->filter(p, f.cycle, pod, n3);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "node-three"); /* reason = currentNodeName */
    /* batch form gives the same answers */
    sl_node_info *nodes[2] = {(sl_node_info *)n1, (sl_node_info *)n3};
    sl_status out[2];
    p->ops->filter_nodes(p, f.cycle, pod, nodes, 2, out);
    CHECK_EQ_INT(out[0].code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(out[0].message, "n1");
    CHECK_EQ_STR(out[1].message, "node-three");
    /* code outside the known range -> Error, reported */
    set_global(p, "uid-p1", "code", 77);
    s = p->ops->filter(p, f.cycle, pod, n1);
    CHECK_EQ_INT(s.code, SL_ERROR);
    CHECK(strstr(s.message, "77") != NULL);
    /* score: hi32 = score (signed), lo32 = code */
    set_global(p, "uid-p1", "code", 0);
    set_global(p, "uid-p1", "score_g", 40);
    int64_t score = 0;
    s = p->ops->score(p, f.cycle, pod, n3, &score);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    CHECK_EQ_INT(score, 40 + 10);
    sl_pb_buf b = {0};
    sl_pb_encode_node(&b, n3->node->raw);
    CHECK_EQ_INT(global_of(p, "uid-p1", "nodelen"), (int64_t)b.len); /* k8s.io/api.node */
    free(b.data);
    set_global(p, "uid-p1", "score_g", -10 - 2);
    s = p->ops->score(p, f.cycle, pod, n1, &score);
    CHECK_EQ_INT(score, -10);
    set_global(p, "uid-p1", "score_g", 0x7fffffff - 2);
    s = p->ops->score(p, f.cycle, pod, n1, &score);
    CHECK_EQ_INT(score, 0x7fffffff);
    set_global(p, "uid-p1", "code", 1);
    s = p->ops->score(p, f.cycle, pod, n1, &score);
    CHECK_EQ_INT(s.code, SL_ERROR);
    fixture_free(&f);
}

TEST(abi_prescore_postfilter_normalize_permit) {
    fixture f;
    abi_cluster(&f);
    sl_pod_info *pod = small_pod(&f, "p1");
    fixture_begin(&f);
    sl_plugin *p = load(&f, abi_path, NULL);
    sl_prefilter_result r = {.all = true};
    p->ops->pre_filter(p, f.cycle, pod, &r);
    /* prescore: filteredNodeList JSON; nodeList length */
    sl_node_info *nodes[2] = {(sl_node_info *)fixture_node_info(&f, "n2"), (sl_node_info *)fixture_node_info(&f, "n1")};
    set_global(p, "uid-p1", "code", 2);
    sl_status s = p->ops->pre_score(p, f.cycle, pod, nodes, 2);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "[\"n2\",\"n1\"]");
    CHECK(global_of(p, "uid-p1", "listlen") > 20);
    /* postfilter: nodeToStatusMap, packing hi32 mode | lo32 code */
    sl_node_status_map *m = sl_node_status_map_new(f.cycle, 3);
    sl_node_status_map_set(m, fixture_node_info(&f, "node-three")->index, sl_status_make(SL_UNSCHEDULABLE, "x"));
    sl_node_status_map_set(m, fixture_node_info(&f, "n1")->index, sl_status_make(SL_UNSCHEDULABLE_AND_UNRESOLVABLE, "y"));
    set_global(p, "uid-p1", "mode_g", 1);
    sl_post_filter_result pr = {0};
    s = p->ops->post_filter(p, f.cycle, pod, m, &pr);
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "{\"n1\":3,\"node-three\":2}");
    CHECK(pr.nominated_node_name && strcmp(pr.nominated_node_name, "n2") == 0);
    set_global(p, "uid-p1", "mode_g", 0);
    pr.nominated_node_name = NULL;
    p->ops->post_filter(p, f.cycle, pod, m, &pr);
    CHECK(pr.nominated_node_name == NULL); /* Noop mode */
    /* normalizescore: nodeScoreList in, {"n1":7} applied by name */
    sl_node_score scores[2] = {{fixture_node_info(&f, "n2")->index, 50}, {fixture_node_info(&f, "n1")->index, 60}};
    set_global(p, "uid-p1", "code", 0);
    s = p->ops->normalize_score(p, f.cycle, pod, scores, 2);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    CHECK_EQ_INT(scores[0].score, 50);
    CHECK_EQ_INT(scores[1].score, 7);
    set_global(p, "uid-p1", "code", 2);
    s = p->ops->normalize_score(p, f.cycle, pod, scores, 2);
    CHECK_EQ_STR(s.message, "{\"n1\":7,\"n2\":50}");
    /* permit: hi32 = code, lo32 = timeout ms */
    set_global(p, "uid-p1", "code", 4);
    set_global(p, "uid-p1", "timeout_g", 10000);
    int64_t t = 0;
    s = p->ops->permit(p, f.cycle, pod, "n1", &t);
    CHECK_EQ_INT(s.code, SL_WAIT);
    CHECK_EQ_STR(s.message, "n1");
    CHECK_EQ_INT(t, 10000);
    /* bind: nodeImageStates as Go's json.Marshal writes it; unknown node -> null */
    set_global(p, "uid-p1", "code", 1);
    s = p->ops->bind(p, f.cycle, pod, "n1");
    CHECK_EQ_STR(s.message, "{\"img:v1\":{\"Size\":1000,\"NumNodes\":1,\"Nodes\":null}}");
    s = p->ops->bind(p, f.cycle, pod, "nowhere");
    CHECK_EQ_STR(s.message, "null");
    set_global(p, "uid-p1", "code", 4);
    /* prebind reads guestConfig (none -> "") */
    s = p->ops->pre_bind(p, f.cycle, pod, "n1");
    CHECK_EQ_INT(s.code, SL_WAIT);
    CHECK_EQ_STR(s.message, "");
    fixture_free(&f);
}

TEST(abi_events_klog_config_target) {
    fixture f;
    abi_cluster(&f);
    sl_pod_info *pod = small_pod(&f, "p1");
    sl_pod_info *other = small_pod(&f, "other-pod");
    fixture_begin(&f);
    sl_plugin *p = load(&f, abi_path, "\"guestConfig\": \"{\\\"reverse\\\": true}\", \"logSeverity\": 2");
    CHECK(p != NULL);
    /* the guest's enqueue records are the instance's EventsToRegister */
    CHECK(p->ops->events_to_register != NULL);
    const sl_plugin_event *ev = NULL;
    CHECK_EQ_INT(p->ops->events_to_register(p, &ev), 2);
    CHECK_EQ_INT(ev[0].resource, SL_RESOURCE_NODE);
    CHECK_EQ_INT(ev[0].actions, SL_ACTION_UPDATE_NODE_LABEL);
    CHECK_EQ_INT(ev[1].resource, SL_RESOURCE_PERSISTENT_VOLUME);
    CHECK_EQ_INT(ev[1].actions, SL_ACTION_DELETE);
    CHECK_EQ_INT(global_of(p, NULL, "sev"), 2);
    /* Node/UpdateNodeLabel -> node updates; PersistentVolume -> nothing here */
    CHECK_EQ_INT(sl_plugin_events_mask(ev, 2), SL_EVENT_NODE_UPDATE);
    sl_prefilter_result r = {.all = true};
    p->ops->pre_filter(p, f.cycle, pod, &r);
    set_global(p, "uid-p1", "code", 1);
    sl_status s = p->ops->pre_bind(p, f.cycle, pod, "n1");
    CHECK_EQ_STR(s.message, "{\"reverse\": true}");
    s = p->ops->add_pod(p, f.cycle, pod, other, fixture_node_info(&f, "n2"));
    CHECK_EQ_INT(s.code, SL_ERROR);
    CHECK_EQ_STR(s.message, "n2");
    sl_pb_buf b = {0};
    sl_pb_encode_pod(&b, other->pod->raw);
    CHECK_EQ_INT(global_of(p, "uid-p1", "targetlen"), (int64_t)b.len);
    free(b.data);
    s = p->ops->remove_pod(p, f.cycle, pod, other, fixture_node_info(&f, "n1"));
    CHECK_EQ_STR(s.message, "n1");
    fixture_free(&f);
}

/* Cycle-state affinity: pod A's binding cycle runs on A's instance even
 * after pod B's scheduling cycle started on another one. */
TEST(affinity_across_prefilter_filter_score_reserve_bind) {
    fixture f;
    abi_cluster(&f);
    sl_pod_info *a = small_pod(&f, "a");
    sl_pod_info *b = big_pod(&f);
    fixture_begin(&f);
    sl_plugin *p = load(&f, abi_path, NULL);
    sl_prefilter_result r = {.all = true};
    const sl_node_info *n1 = fixture_node_info(&f, "n1");
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, a, &r).code, SL_SUCCESS);
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, a, n1).code, SL_SUCCESS);
    int64_t sc;
    CHECK_EQ_INT(p->ops->score(p, f.cycle, a, n1, &sc).code, SL_SUCCESS);
    CHECK_EQ_INT(p->ops->reserve(p, f.cycle, a, "n1").code, SL_SUCCESS);
    int64_t t;
    CHECK_EQ_INT(p->ops->permit(p, f.cycle, a, "n1", &t).code, SL_SUCCESS);
    /* B's scheduling cycle now */
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, b, &r).code, SL_SUCCESS);
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, b, n1).code, SL_SUCCESS);
    /* A's binding cycle: must still see A's state (else "stale") */
    sl_status s = p->ops->pre_bind(p, f.cycle, a, "n1");
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    s = p->ops->bind(p, f.cycle, a, "n1");
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    if (s.code) fprintf(stderr, "bind: %s\n", s.message);
    p->ops->post_bind(p, f.cycle, a, "n1");
    /* B continues on its own instance */
    CHECK_EQ_INT(p->ops->reserve(p, f.cycle, b, "n1").code, SL_SUCCESS);
    p->ops->unreserve(p, f.cycle, b, "n1");
    sl_wasm_plugin_stats st;
    sl_wasm_plugin_get_stats(p, &st);
    CHECK_EQ_INT(st.traps, 0);
    CHECK_EQ_INT(st.instances_created, 2);
    fixture_free(&f);
}

/* Replay mode: Filter/Score on another thread's instance replays the
 * pod's prefilter there first, so the answers are the same. */
TEST(replay_mode_primes_worker_instances) {
    fixture f;
    abi_cluster(&f);
    sl_pod_info *a = small_pod(&f, "a");
    fixture_begin(&f);
    sl_plugin *p = load(&f, abi_path, "\"filterMode\": \"replay\"");
    sl_prefilter_result r = {.all = true};
    CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, a, &r).code, SL_SUCCESS);
    sl_status s = p->ops->filter(p, f.cycle, a, fixture_node_info(&f, "n2"));
    CHECK_EQ_INT(s.code, SL_SUCCESS); /* would be "stale" without the replay */
    sl_wasm_plugin_stats st;
    sl_wasm_plugin_get_stats(p, &st);
    CHECK_EQ_INT(st.replays, 1);
    s = p->ops->filter(p, f.cycle, a, fixture_node_info(&f, "n1"));
    sl_wasm_plugin_get_stats(p, &st);
    CHECK_EQ_INT(st.replays, 1); /* once per worker per cycle */
    fixture_free(&f);
}

static const char *PANIC_WAT =
    "(module\n"
    " (import \"wasi_snapshot_preview1\" \"fd_write\" (func $fd_write (param i32 i32 i32 i32) (result i32)))\n"
    " (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $exit (param i32)))\n"
    " (memory (export \"memory\") 1)\n"
    " (global $mode (export \"mode\") (mut i32) (i32.const 0))\n"
    " (data (i32.const 0) \"\\08\\00\\00\\00\\0c\\00\\00\\00\")\n"
    " (data (i32.const 8) \"panic: boom\\n\")\n"
    " (func $loop (loop $l (br $l)))\n"
    " (func $rec (param i32) (result i32) (call $rec (i32.add (local.get 0) (i32.const 1))))\n"
    " (func (export \"_start\") (call $exit (i32.const 0)))\n"
    " (func (export \"prefilter\") (result i32) (i32.const 0))\n"
    " (func (export \"filter\") (result i32) (local $i i32)\n"
    "  (if (i32.eq (global.get $mode) (i32.const 1)) (then\n"
    "    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32))) unreachable))\n"
    "  (if (i32.eq (global.get $mode) (i32.const 2)) (then (call $loop)))\n"
    "  (if (i32.eq (global.get $mode) (i32.const 3)) (then\n"
    "    (loop $g (br_if $g (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))\n"
    "    (i32.store (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))))\n"
    "  (if (i32.eq (global.get $mode) (i32.const 4)) (then (drop (call $rec (i32.const 0)))))\n"
    "  (if (i32.eq (global.get $mode) (i32.const 5)) (then (call $exit (i32.const 3))))\n"
    "  (if (i32.eq (global.get $mode) (i32.const 6)) (then\n"
    "    (loop $w (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 32)))\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br_if $w (i32.lt_u (local.get $i) (i32.const 200000)))) unreachable))\n"
    "  (i32.const 0))\n"
    ")\n";

TEST(traps_become_error_statuses_and_instances_are_replaced) {
    fixture f;
    abi_cluster(&f);
    sl_pod_info *a = small_pod(&f, "a");
    fixture_begin(&f);
    /* _start ends with proc_exit(0): the instance is kept (non-legacy TinyGo) */
    sl_plugin *p = load(&f, wat("panic", PANIC_WAT), "\"callTimeoutMs\": 200, \"memoryLimitPages\": 64");
    CHECK(p != NULL);
    if (!p) return;
    const sl_node_info *n1 = fixture_node_info(&f, "n1");
    static const struct {
        int mode;
        const char *prefix;
    } cases[] = {
        {1, "wasm: filter error: panic: boom\nwasm error: unreachable"},
        {2, "wasm: filter error: wasm error: deadline exceeded"},
        {3, "wasm: filter error: wasm error: out of bounds memory access"},
        {4, "wasm: filter error: wasm error: call stack exhausted"},
        {5, "wasm: filter error: module closed with exit_code(3)"},
        {6, "wasm: filter error: panic: boom\npanic: boom"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sl_prefilter_result r = {.all = true};
        fixture_begin(&f);
        CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, a, &r).code, SL_SUCCESS);
        set_global(p, "uid-a", "mode", cases[i].mode);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        sl_status s = p->ops->filter(p, f.cycle, a, n1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
        CHECK_EQ_INT(s.code, SL_ERROR);
        CHECK(s.message && strncmp(s.message, cases[i].prefix, strlen(cases[i].prefix)) == 0);
        if (!s.message || strncmp(s.message, cases[i].prefix, strlen(cases[i].prefix)) != 0)
            fprintf(stderr, "mode %d: got %.200s\n", cases[i].mode, s.message ? s.message : "(null)");
        CHECK(ms < 3000);
        if (cases[i].mode == 6) CHECK(strlen(s.message) < 70 * 1024); /* capture is capped */
        /* the rest of the pod's cycle fails fast with the same status */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        sl_status again = p->ops->filter(p, f.cycle, a, fixture_node_info(&f, "n2"));
        clock_gettime(CLOCK_MONOTONIC, &t1);
        CHECK_EQ_INT(again.code, SL_ERROR);
        CHECK((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6 < 50);
        /* next cycle: a fresh instance (mode back to 0) serves the pod */
        fixture_begin(&f);
        CHECK_EQ_INT(p->ops->pre_filter(p, f.cycle, a, &r).code, SL_SUCCESS);
        CHECK_EQ_INT(global_of(p, "uid-a", "mode"), 0);
        CHECK_EQ_INT(p->ops->filter(p, f.cycle, a, n1).code, SL_SUCCESS);
    }
    sl_wasm_plugin_stats st;
    sl_wasm_plugin_get_stats(p, &st);
    CHECK_EQ_INT(st.traps, 6);
    fixture_free(&f);
}

TEST(load_time_checks) {
    fixture f;
    fixture_init(&f);
    char err[1024];
    char args[1024];
    struct {
        const char *name, *text, *want;
    } cases[] = {
        {"not_plugin", "(module (memory (export \"memory\") 1 1))", "wasm: guest does not export any plugin functions"},
        {"prescore_only", "(module (memory (export \"memory\") 1 1) (func (export \"prescore\") (result i32) (i32.const 0)))",
         "wasm: filter, score, reserve, permit or bind must be exported"},
        {"no_memory", "(module (func (export \"filter\") (result i32) (i32.const 0)))", "wasm: guest doesn't export memory[memory]"},
        {"bad_sig", "(module (memory (export \"memory\") 1 1) (func (export \"postfilter\") (result i32) (i32.const 0)))",
         "wasm: guest exports the wrong signature for func[postfilter]. should be () -> (i64)"},
        {"panic_on_start",
         "(module (import \"wasi_snapshot_preview1\" \"fd_write\" (func $w (param i32 i32 i32 i32) (result i32)))"
         " (memory (export \"memory\") 1 1) (data (i32.const 0) \"\\08\\00\\00\\00\\07\\00\\00\\00panic!\\n\")"
         " (func (export \"_start\") (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32))) unreachable)"
         " (func (export \"filter\") (result i32) (i32.const 0)))",
         "failed to create a guest pool: wasm: instantiate error: panic!\nwasm error: unreachable"},
        {"unknown_import", "(module (import \"k8s.io/scheduler\" \"nope\" (func)) (memory (export \"memory\") 1 1) (func (export \"filter\") (result i32) (i32.const 0)))",
         "failed to create a guest pool: wasm: instantiate error: unknown import"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(args, sizeof args, "{\"guestURL\": \"file://%s\"}", wat(cases[i].name, cases[i].text));
        sl_plugin *p = wasm_plugin(&f, "G", args, err, sizeof err);
        CHECK(p == NULL);
        CHECK(strncmp(err, cases[i].want, strlen(cases[i].want)) == 0);
        if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0) fprintf(stderr, "%s: %s\n", cases[i].name, err);
    }
    CHECK(wasm_plugin(&f, "G", "{}", err, sizeof err) == NULL);
    CHECK_EQ_STR(err, "wasm: guestURL is required");
    CHECK(wasm_plugin(&f, "G", "{\"guestURL\": \"ldap://x/y.wasm\"}", err, sizeof err) == NULL);
    CHECK(strstr(err, "unsupported URL scheme: ldap") != NULL);
    CHECK(wasm_plugin(&f, "G", "{\"guestURL\": \"file:///nonexistent/x.wasm\"}", err, sizeof err) == NULL);
    CHECK(strstr(err, "wasm: error reading guestURL file:///nonexistent/x.wasm") != NULL);
    /* plain path works */
    snprintf(args, sizeof args, "{\"guestURL\": \"%s\"}", abi_path);
    CHECK(wasm_plugin(&f, "G", args, err, sizeof err) != NULL);
    fixture_free(&f);
}

/* Hook detection: a filter-only guest gets only PreFilter + Filter ops. */
TEST(detected_hooks_shape_the_ops) {
    fixture f;
    fixture_init(&f);
    sl_plugin *p = load(&f, wat("filter_only", "(module (memory (export \"memory\") 1 1) (func (export \"filter\") (result i32) (i32.const 0)))"), NULL);
    CHECK(p && p->ops->filter && p->ops->pre_filter && !p->ops->score && !p->ops->bind && !p->ops->reserve);
    const sl_plugin_event *ev = NULL;
    uint32_t nev = p->ops->events_to_register(p, &ev);
    CHECK_EQ_INT(nev, 6); /* default list */
    CHECK_EQ_INT(sl_plugin_events_mask(ev, nev), SL_EVENT_NODE_ADD | SL_EVENT_NODE_UPDATE | SL_EVENT_NODE_DELETE |
                                                     SL_EVENT_ASSIGNED_POD_ADD | SL_EVENT_ASSIGNED_POD_UPDATE |
                                                     SL_EVENT_ASSIGNED_POD_DELETE | SL_EVENT_UNSCHEDULED_POD_UPDATE);
    sl_plugin *q = load(&f, abi_path, NULL);
    CHECK(q && q->ops->score && q->ops->normalize_score && q->ops->bind && q->ops->permit && q->ops->add_pod);
    fixture_free(&f);
}

TEST(reconfigure_reloads_only_on_change) {
    fixture f;
    abi_cluster(&f);
    sl_pod_info *a = small_pod(&f, "a");
    fixture_begin(&f);
    sl_plugin *p = load(&f, abi_path, "\"guestConfig\": \"one\"");
    sl_wasm_plugin_stats st0, st1;
    sl_wasm_plugin_get_stats(p, &st0);
    char args[1024], err[512];
    bool changed = true;
    snprintf(args, sizeof args, "{\"guestURL\": \"file://%s\", \"guestConfig\": \"one\"}", abi_path);
    json_t *j = json_loads(args, 0, NULL);
    CHECK(sl_wasm_plugin_reconfigure(p, j, &changed, err, sizeof err));
    CHECK(!changed);
    json_decref(j);
    snprintf(args, sizeof args, "{\"guestURL\": \"file://%s\", \"guestConfig\": \"two\"}", abi_path);
    j = json_loads(args, 0, NULL);
    CHECK(sl_wasm_plugin_reconfigure(p, j, &changed, err, sizeof err));
    CHECK(changed);
    json_decref(j);
    sl_wasm_plugin_get_stats(p, &st1);
    CHECK_EQ_INT(st1.modules_compiled, st0.modules_compiled); /* same bytes: module reused */
    sl_prefilter_result r = {.all = true};
    p->ops->pre_filter(p, f.cycle, a, &r);
    set_global(p, "uid-a", "code", 1);
    CHECK_EQ_STR(p->ops->pre_bind(p, f.cycle, a, "n1").message, "two");
    /* a different guest at a new URL */
    snprintf(args, sizeof args, "{\"guestURL\": \"file://%s\"}",
             wat("filter_only2", "(module (memory (export \"memory\") 1 1) (func (export \"filter\") (result i32) (i32.const 2)))"));
    j = json_loads(args, 0, NULL);
    CHECK(sl_wasm_plugin_reconfigure(p, j, &changed, err, sizeof err));
    json_decref(j);
    CHECK(changed);
    fixture_begin(&f);
    p->ops->pre_filter(p, f.cycle, a, &r);
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, a, fixture_node_info(&f, "n1")).code, SL_UNSCHEDULABLE);
    /* the instance's ops are the new guest's: no longer exported, no hook */
    CHECK(p->ops->filter != NULL && p->ops->reserve == NULL && p->ops->score == NULL);
    /* a broken new guest leaves the old one running */
    j = json_loads("{\"guestURL\": \"file:///nonexistent.wasm\"}", 0, NULL);
    CHECK(!sl_wasm_plugin_reconfigure(p, j, &changed, err, sizeof err));
    json_decref(j);
    CHECK_EQ_INT(p->ops->filter(p, f.cycle, a, fixture_node_info(&f, "n1")).code, SL_UNSCHEDULABLE);
    fixture_free(&f);
}


/* A guest rejecting the node named by its guestConfig. */
static const char *REJECT_WAT =
    "(module\n"
    " (import \"k8s.io/scheduler\" \"get_config\" (func $config (param i32 i32) (result i32)))\n"
    " (import \"k8s.io/scheduler\" \"currentNodeName\" (func $nodeName (param i32 i32) (result i32)))\n"
    " (memory (export \"memory\") 1)\n"
    " (func (export \"filter\") (result i32) (local $n i32) (local $m i32) (local $i i32)\n"
    "  (local.set $n (call $config (i32.const 0) (i32.const 64)))\n"
    "  (local.set $m (call $nodeName (i32.const 128) (i32.const 64)))\n"
    "  (if (i32.ne (local.get $n) (local.get $m)) (then (return (i32.const 0))))\n"
    "  (block $diff (loop $l\n"
    "   (br_if $diff (i32.ge_u (local.get $i) (local.get $n)))\n"
    "   (if (i32.ne (i32.load8_u (local.get $i)) (i32.load8_u (i32.add (local.get $i) (i32.const 128))))\n"
    "    (then (return (i32.const 0))))\n"
    "   (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l)))\n"
    "  (i32.const 2)))\n";

static char *reject_config(const char *path, const char *node) {
    char *y = xmalloc(2048);
    snprintf(y, 2048,
             "{\"apiVersion\": \"kubescheduler.config.k8s.io/v1\", \"kind\": \"KubeSchedulerConfiguration\","
             " \"profiles\": [{\"schedulerName\": \"default-scheduler\","
             "   \"plugins\": {\"multiPoint\": {\"enabled\": [{\"name\": \"Reject\"}]}},"
             "   \"pluginConfig\": [{\"name\": \"Reject\", \"args\": {\"guestURL\": \"file://%s\", \"guestConfig\": \"%s\"}}]}]}",
             path, node);
    return y;
}

/* What the commands build (cmd_registry_new): in-tree plugins plus the
 * wasm resolver. */
static sl_registry *wasm_registry(void) {
    sl_registry *r = sl_registry_new_default();
    sl_registry_set_resolver(r, sl_wasm_plugin_resolve, NULL);
    sl_registry_set_resolver_error(r, sl_wasm_plugin_resolve_error);
    return r;
}

static bool load_config(const char *text, const sl_registry *registry, sl_config *out) {
    char err[1024];
    json_t *doc = json_loads(text, 0, NULL);
    bool ok = doc && sl_config_load_json(doc, "config", registry, out, err, sizeof err);
    if (!ok) fprintf(stderr, "config: %s\n", err);
    json_decref(doc);
    return ok;
}

static k8s_pod *pod_object(const char *name) {
    char text[512], err[256];
    snprintf(text, sizeof text, "{\"metadata\": {\"name\": \"%s\", \"namespace\": \"default\", \"uid\": \"uid-%s\"},"
             " \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"x\"}]}}", name, name);
    json_t *j = json_loads(text, 0, NULL);
    k8s_pod *p = k8s_pod_decode(j, "test", err, sizeof err);
    json_decref(j);
    return p;
}

/* The config path: sl_config_load_json resolves the wasm plugin by its
 * args (multiPoint expansion sees only Filter + PreFilter), the scheduler
 * runs it; reconfiguring a running scheduler with a new guestConfig
 * reloads it in place and keeps the cluster state. */
TEST(scheduler_reconfigure_keeps_cluster_state) {
    sl_registry *registry = wasm_registry();
    const char *guest = wat("reject", REJECT_WAT);
    sl_config c1 = {0}, c2 = {0};
    char *y1 = reject_config(guest, "n1"), *y2 = reject_config(guest, "n2");
    CHECK(load_config(y1, registry, &c1));
    CHECK(load_config(y2, registry, &c2));
    CHECK_EQ_INT(c1.profiles[0].nplugins[SL_EP_SCORE] > 0, 1);
    bool in_filter = false, in_score = false;
    for (uint32_t i = 0; i < c1.profiles[0].nplugins[SL_EP_FILTER]; i++)
        in_filter |= strcmp(c1.profiles[0].plugins[SL_EP_FILTER][i].name, "Reject") == 0;
    for (uint32_t i = 0; i < c1.profiles[0].nplugins[SL_EP_SCORE]; i++)
        in_score |= strcmp(c1.profiles[0].plugins[SL_EP_SCORE][i].name, "Reject") == 0;
    CHECK(in_filter && !in_score);
    char err[1024];
    sl_cluster *cluster = sl_cluster_memory_new();
    const char *docs = "[{\"kind\": \"Node\", \"apiVersion\": \"v1\", \"metadata\": {\"name\": \"n1\"}, \"status\": {\"capacity\": {\"cpu\": \"4\", \"memory\": \"8Gi\", \"pods\": \"10\"}}},"
                       " {\"kind\": \"Node\", \"apiVersion\": \"v1\", \"metadata\": {\"name\": \"n2\"}, \"status\": {\"capacity\": {\"cpu\": \"4\", \"memory\": \"8Gi\", \"pods\": \"10\"}}},"
                       " {\"kind\": \"Pod\", \"apiVersion\": \"v1\", \"metadata\": {\"name\": \"a\", \"namespace\": \"default\", \"uid\": \"uid-a\"}, \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"x\"}]}}]";
    json_t *objs = json_loads(docs, 0, NULL);
    CHECK(sl_cluster_memory_load(cluster, objs, "cluster", err, sizeof err));
    json_decref(objs);
    sl_scheduler_options o = {.config = &c1, .registry = registry, .cluster = cluster, .seed = 1, .virtual_time = true};
    sl_scheduler *s = sl_scheduler_new(&o, err, sizeof err);
    CHECK(s != NULL);
    if (!s) return;
    sl_scheduler_run_until_quiescent(s);
    sl_pod_result r;
    CHECK(sl_scheduler_pod_result(s, sl_cluster_memory_find_pod(cluster, "default", "a"), &r));
    CHECK(r.node && strcmp(r.node, "n2") == 0);
    /* same config again: nothing reloads */
    CHECK_EQ_INT(sl_wasm_plugins_reconfigure_from_config(s, &c1, err, sizeof err), 0);
    /* guestConfig now rejects n2 */
    CHECK_EQ_INT(sl_wasm_plugins_reconfigure_from_config(s, &c2, err, sizeof err), 1);
    k8s_pod *b = pod_object("b");
    CHECK(sl_cluster_memory_add_pod(cluster, b, err, sizeof err));
    sl_scheduler_run_until_quiescent(s);
    CHECK(sl_scheduler_pod_result(s, sl_cluster_memory_find_pod(cluster, "default", "b"), &r));
    CHECK(r.node && strcmp(r.node, "n1") == 0);
    CHECK(sl_scheduler_pod_result(s, sl_cluster_memory_find_pod(cluster, "default", "a"), &r));
    CHECK(r.node && strcmp(r.node, "n2") == 0); /* earlier placement kept */
    sl_scheduler_free(s);
    cluster->ops->destroy(cluster);
    sl_config_free(&c1);
    sl_config_free(&c2);
    free(y1);
    free(y2);
    /* an unknown name without guestURL stays an unknown plugin */
    sl_config c3 = {0};
    json_t *doc = json_loads("{\"apiVersion\": \"kubescheduler.config.k8s.io/v1\", \"kind\": \"KubeSchedulerConfiguration\","
                             " \"profiles\": [{\"plugins\": {\"multiPoint\": {\"enabled\": [{\"name\": \"Nope\"}]}}}]}", 0, NULL);
    CHECK(!sl_config_load_json(doc, "config", registry, &c3, err, sizeof err));
    CHECK(strstr(err, "unknown plugin \"Nope\"") != NULL);
    json_decref(doc);
    /* a guestURL that does not load is reported as such */
    doc = json_loads("{\"apiVersion\": \"kubescheduler.config.k8s.io/v1\", \"kind\": \"KubeSchedulerConfiguration\","
                     " \"profiles\": [{\"plugins\": {\"multiPoint\": {\"enabled\": [{\"name\": \"Gone\"}]}},"
                     " \"pluginConfig\": [{\"name\": \"Gone\", \"args\": {\"guestURL\": \"file:///nonexistent/x.wasm\"}}]}]}", 0, NULL);
    CHECK(!sl_config_load_json(doc, "config", registry, &c3, err, sizeof err));
    CHECK(strstr(err, "plugin \"Gone\": ") != NULL);
    CHECK(strstr(err, "unknown plugin") == NULL);
    json_decref(doc);
    sl_registry_free(registry);
}

/* A reloaded guest that adds Score and an enqueue: the framework's lists
 * are re-expanded (its score is called, every pod now goes to the node its
 * guestConfig names), its events are re-read; reloading the filter-only
 * guest again drops it from Score. */
static const char *PREFER_WAT =
    "(module\n"
    " (import \"k8s.io/scheduler\" \"get_config\" (func $config (param i32 i32) (result i32)))\n"
    " (import \"k8s.io/scheduler\" \"currentNodeName\" (func $nodeName (param i32 i32) (result i32)))\n"
    " (import \"k8s.io/scheduler\" \"result.cluster_events\" (func $events (param i32 i32)))\n"
    " (memory (export \"memory\") 1)\n"
    " (data (i32.const 512) \"\\01\\00\\00\\00\\01\\00\\00\\00\")\n"
    " (func (export \"enqueue\") (call $events (i32.const 512) (i32.const 8)))\n"
    " (func (export \"filter\") (result i32) (i32.const 0))\n"
    " (func (export \"score\") (result i64) (local $n i32) (local $m i32) (local $i i32)\n"
    "  (local.set $n (call $config (i32.const 0) (i32.const 64)))\n"
    "  (local.set $m (call $nodeName (i32.const 128) (i32.const 64)))\n"
    "  (if (i32.ne (local.get $n) (local.get $m)) (then (return (i64.const 0))))\n"
    "  (block $diff (loop $l\n"
    "   (br_if $diff (i32.ge_u (local.get $i) (local.get $n)))\n"
    "   (if (i32.ne (i32.load8_u (local.get $i)) (i32.load8_u (i32.add (local.get $i) (i32.const 128))))\n"
    "    (then (return (i64.const 0))))\n"
    "   (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $l)))\n"
    "  (i64.const 0x6400000000)))\n";

static bool listed_at(sl_framework *fw, sl_extension_point ep, const char *name) {
    sl_plugin *const *plugins;
    uint32_t n = sl_framework_plugins_at(fw, ep, &plugins);
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(plugins[i]->name, name) == 0) return true;
    return false;
}

static int reconfigure_text(sl_scheduler *s, const char *name, const char *args_text, char *err, size_t errsize) {
    json_t *args = json_loads(args_text, 0, NULL);
    int n = sl_wasm_plugin_reconfigure_scheduler(s, name, args, err, errsize);
    json_decref(args);
    return n;
}

TEST(reconfigure_reexpands_extension_points) {
    sl_registry *registry = wasm_registry();
    const char *reject = wat("reject_a", REJECT_WAT), *prefer = wat("prefer_b", PREFER_WAT);
    sl_config c = {0};
    char *y = reject_config(reject, "n1");
    CHECK(load_config(y, registry, &c));
    char err[1024];
    sl_cluster *cluster = sl_cluster_memory_new();
    const char *docs = "[{\"kind\": \"Node\", \"apiVersion\": \"v1\", \"metadata\": {\"name\": \"n1\"}, \"status\": {\"capacity\": {\"cpu\": \"4\", \"memory\": \"8Gi\", \"pods\": \"20\"}}},"
                       " {\"kind\": \"Node\", \"apiVersion\": \"v1\", \"metadata\": {\"name\": \"n2\"}, \"status\": {\"capacity\": {\"cpu\": \"4\", \"memory\": \"8Gi\", \"pods\": \"20\"}}}]";
    json_t *objs = json_loads(docs, 0, NULL);
    CHECK(sl_cluster_memory_load(cluster, objs, "cluster", err, sizeof err));
    json_decref(objs);
    sl_scheduler_options o = {.config = &c, .registry = registry, .cluster = cluster, .seed = 1, .virtual_time = true};
    sl_scheduler *s = sl_scheduler_new(&o, err, sizeof err);
    CHECK(s != NULL);
    if (!s) return;
    sl_plugin *p = NULL;
    CHECK_EQ_INT(sl_scheduler_plugins_named(s, "Reject", &p, 1), 1);
    sl_framework *fw = p->framework;
    CHECK(listed_at(fw, SL_EP_FILTER, "Reject") && !listed_at(fw, SL_EP_SCORE, "Reject"));
    uint32_t default_events = sl_framework_plugin_events(fw, "Reject");
    CHECK(default_events & SL_EVENT_ASSIGNED_POD_DELETE);
    const char *native_score = NULL; /* another instance: kept across the reload */
    sl_plugin *const *scorers;
    uint32_t nscore = sl_framework_plugins_at(fw, SL_EP_SCORE, &scorers);
    CHECK(nscore > 0);
    sl_plugin *first_scorer = nscore ? scorers[0] : NULL;
    void *first_scorer_self = first_scorer ? first_scorer->self : NULL;
    native_score = first_scorer ? first_scorer->name : NULL;

    /* reload with a guest that also scores (preferring n1) and registers Node/Add */
    char args[1024];
    snprintf(args, sizeof args, "{\"guestURL\": \"file://%s\", \"guestConfig\": \"n1\"}", prefer);
    CHECK_EQ_INT(reconfigure_text(s, "Reject", args, err, sizeof err), 1);
    CHECK(listed_at(fw, SL_EP_FILTER, "Reject") && listed_at(fw, SL_EP_SCORE, "Reject"));
    CHECK_EQ_INT(sl_framework_plugins_at(fw, SL_EP_SCORE, &scorers), nscore + 1);
    CHECK(scorers[0] == first_scorer && scorers[0]->self == first_scorer_self);
    CHECK_EQ_STR(scorers[0]->name, native_score);
    CHECK_EQ_INT(sl_framework_plugin_events(fw, "Reject"), SL_EVENT_NODE_ADD);
    for (int i = 0; i < 6; i++) {
        char name[16];
        snprintf(name, sizeof name, "b%d", i);
        CHECK(sl_cluster_memory_add_pod(cluster, pod_object(name), err, sizeof err));
    }
    sl_scheduler_run_until_quiescent(s);
    sl_pod_result r;
    for (int i = 0; i < 6; i++) {
        char name[16];
        snprintf(name, sizeof name, "b%d", i);
        CHECK(sl_scheduler_pod_result(s, sl_cluster_memory_find_pod(cluster, "default", name), &r));
        CHECK(r.node && strcmp(r.node, "n1") == 0); /* the new Score hook ran */
    }
    sl_wasm_plugin_stats st;
    sl_wasm_plugin_get_stats(p, &st);
    CHECK(st.calls > 0);

    /* back to the filter-only guest (rejecting n1): out of Score again */
    snprintf(args, sizeof args, "{\"guestURL\": \"file://%s\", \"guestConfig\": \"n1\"}", reject);
    CHECK_EQ_INT(reconfigure_text(s, "Reject", args, err, sizeof err), 1);
    CHECK(listed_at(fw, SL_EP_FILTER, "Reject") && !listed_at(fw, SL_EP_SCORE, "Reject"));
    CHECK_EQ_INT(sl_framework_plugin_events(fw, "Reject"), default_events);
    CHECK(sl_cluster_memory_add_pod(cluster, pod_object("c0"), err, sizeof err));
    sl_scheduler_run_until_quiescent(s);
    CHECK(sl_scheduler_pod_result(s, sl_cluster_memory_find_pod(cluster, "default", "c0"), &r));
    CHECK(r.node && strcmp(r.node, "n2") == 0);
    sl_scheduler_free(s);
    cluster->ops->destroy(cluster);
    sl_config_free(&c);
    free(y);

    /* listed explicitly at filter: a guest without filter is refused and
     * the old one keeps running */
    const char *score_only = wat("score_only", "(module (memory (export \"memory\") 1 1) (func (export \"score\") (result i64) (i64.const 0)))");
    char *y2 = xmalloc(2048);
    snprintf(y2, 2048,
             "{\"apiVersion\": \"kubescheduler.config.k8s.io/v1\", \"kind\": \"KubeSchedulerConfiguration\","
             " \"profiles\": [{\"schedulerName\": \"default-scheduler\","
             "   \"plugins\": {\"filter\": {\"enabled\": [{\"name\": \"Reject\"}]}},"
             "   \"pluginConfig\": [{\"name\": \"Reject\", \"args\": {\"guestURL\": \"file://%s\", \"guestConfig\": \"n1\"}}]}]}",
             reject);
    sl_config c2 = {0};
    CHECK(load_config(y2, registry, &c2));
    cluster = sl_cluster_memory_new();
    objs = json_loads(docs, 0, NULL);
    CHECK(sl_cluster_memory_load(cluster, objs, "cluster", err, sizeof err));
    json_decref(objs);
    o.config = &c2;
    o.cluster = cluster;
    s = sl_scheduler_new(&o, err, sizeof err);
    CHECK(s != NULL);
    if (s) {
        snprintf(args, sizeof args, "{\"guestURL\": \"file://%s\"}", score_only);
        CHECK_EQ_INT(reconfigure_text(s, "Reject", args, err, sizeof err), -1);
        CHECK(strstr(err, "plugin \"Reject\" does not extend FilterPlugin") != NULL);
        CHECK_EQ_INT(sl_scheduler_plugins_named(s, "Reject", &p, 1), 1);
        CHECK(listed_at(p->framework, SL_EP_FILTER, "Reject") && !listed_at(p->framework, SL_EP_SCORE, "Reject"));
        CHECK(p->ops->filter != NULL);
        CHECK(sl_cluster_memory_add_pod(cluster, pod_object("d0"), err, sizeof err));
        sl_scheduler_run_until_quiescent(s);
        CHECK(sl_scheduler_pod_result(s, sl_cluster_memory_find_pod(cluster, "default", "d0"), &r));
        CHECK(r.node && strcmp(r.node, "n2") == 0); /* the old guest still rejects n1 */
        sl_scheduler_free(s);
    }
    cluster->ops->destroy(cluster);
    sl_config_free(&c2);
    free(y2);
    sl_registry_free(registry);
}

/* Filter/Score fan out on the scheduler's worker pool (forced parallel):
 * in replay mode each worker (sl_cycle_worker) primes its own instance,
 * never more instances than workers plus the pinned ones; pinned mode
 * serialises on the pod's instance. Either way every pod lands on a node
 * the guest accepts. Also run under ThreadSanitizer (make tsan). */
static void parallel_run(const sl_registry *registry, const char *guest, const char *mode) {
    char *y = xmalloc(4096);
    snprintf(y, 4096,
             "{\"apiVersion\": \"kubescheduler.config.k8s.io/v1\", \"kind\": \"KubeSchedulerConfiguration\", \"parallelism\": 4,"
             " \"profiles\": [{\"schedulerName\": \"default-scheduler\","
             "   \"plugins\": {\"multiPoint\": {\"enabled\": [{\"name\": \"Reject\"}]}},"
             "   \"pluginConfig\": [{\"name\": \"Reject\", \"args\": {\"guestURL\": \"file://%s\", \"guestConfig\": \"node-3\","
             "     \"filterMode\": \"%s\"}}]}]}",
             guest, mode);
    sl_config c = {0};
    CHECK(load_config(y, registry, &c));
    free(y);
    char err[1024];
    sl_cluster *cluster = sl_cluster_memory_new();
    json_t *objs = json_array();
    for (int i = 0; i < 24; i++) {
        char text[512];
        snprintf(text, sizeof text, "{\"kind\": \"Node\", \"apiVersion\": \"v1\", \"metadata\": {\"name\": \"node-%d\"},"
                 " \"status\": {\"capacity\": {\"cpu\": \"4\", \"memory\": \"8Gi\", \"pods\": \"1\"}}}", i);
        json_array_append_new(objs, json_loads(text, 0, NULL));
    }
    CHECK(sl_cluster_memory_load(cluster, objs, "cluster", err, sizeof err));
    json_decref(objs);
    for (int i = 0; i < 30; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d", i);
        CHECK(sl_cluster_memory_add_pod(cluster, pod_object(name), err, sizeof err));
    }
    sl_scheduler_options o = {.config = &c, .registry = registry, .cluster = cluster, .seed = 1,
                              .virtual_time = true, .force_parallel = true};
    sl_scheduler *s = sl_scheduler_new(&o, err, sizeof err);
    CHECK(s != NULL);
    if (s) {
        sl_scheduler_run_until_quiescent(s);
        int scheduled = 0;
        for (int i = 0; i < 30; i++) {
            char name[16];
            sl_pod_result r;
            snprintf(name, sizeof name, "p%d", i);
            CHECK(sl_scheduler_pod_result(s, sl_cluster_memory_find_pod(cluster, "default", name), &r));
            if (r.node) {
                scheduled++;
                CHECK(strcmp(r.node, "node-3") != 0);
            }
        }
        CHECK_EQ_INT(scheduled, 23); /* one pod per node, node-3 rejected by the guest */
        sl_plugin *p = NULL;
        CHECK_EQ_INT(sl_scheduler_plugins_named(s, "Reject", &p, 1), 1);
        sl_wasm_plugin_stats st;
        sl_wasm_plugin_get_stats(p, &st);
        uint32_t workers = sl_framework_num_workers(p->framework);
        CHECK(workers >= 2);
        if (strcmp(mode, "replay") == 0) {
            CHECK(st.replays > 0);
            CHECK(st.instances_created <= workers + 2);
        } else {
            CHECK_EQ_INT(st.replays, 0);
        }
        sl_scheduler_free(s);
    }
    cluster->ops->destroy(cluster);
    sl_config_free(&c);
}

TEST(parallel_filter_on_worker_pool) {
    sl_registry *registry = wasm_registry();
    /* REJECT_WAT plus a prefilter (replay primes instances with it) */
    char text[4096];
    size_t n = strlen(REJECT_WAT);
    snprintf(text, sizeof text, "%.*s (func (export \"prefilter\") (result i32) (i32.const 0)))\n", (int)(n - 2), REJECT_WAT);
    const char *guest = wat("reject_par", text);
    parallel_run(registry, guest, "replay");
    parallel_run(registry, guest, "pinned");
    sl_registry_free(registry);
}

/* handle.eventrecorder.eventf and handle.reject_waiting_pod reach the
 * framework's host: the event (type, reason, note) about the current pod;
 * rejecting an unknown uid answers 0 (8 bytes little-endian). */
static const char *HANDLE_WAT =
    "(module\n"
    " (import \"k8s.io/scheduler\" \"handle.eventrecorder.eventf\" (func $eventf (param i32 i32)))\n"
    " (import \"k8s.io/scheduler\" \"handle.reject_waiting_pod\" (func $reject (param i32 i32 i32 i32)))\n"
    " (import \"k8s.io/scheduler\" \"handle.get_waiting_pod\" (func $get (param i32 i32 i32 i32)))\n"
    " (memory (export \"memory\") 1)\n"
    " (data (i32.const 0) \"{\\\"RegardingReference\\\":{\\\"Name\\\":\\\"p1\\\"},\\\"Eventtype\\\":\\\"Normal\\\",\\\"Reason\\\":\\\"PreScore\\\",\\\"Action\\\":\\\"match\\\",\\\"Note\\\":\\\"lastNumber\\\"}\")\n"
    " (data (i32.const 200) \"uid-nobody\")\n"
    " (func (export \"filter\") (result i32)\n"
    "  (call $eventf (i32.const 0) (i32.const 114))\n"
    "  (i64.store (i32.const 256) (i64.const 99))\n"
    "  (call $reject (i32.const 200) (i32.const 10) (i32.const 256) (i32.const 2048))\n"
    "  (i64.store (i32.const 512) (i64.const 99))\n"
    "  (call $get (i32.const 200) (i32.const 10) (i32.const 512) (i32.const 2048))\n"
    "  (i32.wrap_i64 (i64.add (i64.load (i32.const 256)) (i64.load (i32.const 512))))))\n";

static struct {
    int n;
    char type[32], reason[32], message[64], pod[32];
} events_seen;

static void record_event(void *user, const sl_pod_info *pod, const char *type, const char *reason,
                         const char *message) {
    events_seen.n++;
    snprintf(events_seen.type, sizeof events_seen.type, "%s", type);
    snprintf(events_seen.reason, sizeof events_seen.reason, "%s", reason);
    snprintf(events_seen.message, sizeof events_seen.message, "%s", message);
    snprintf(events_seen.pod, sizeof events_seen.pod, "%s", pod->pod->name);
}

TEST(handle_imports_reach_the_framework) {
    fixture f;
    abi_cluster(&f);
    sl_pod_info *pod = small_pod(&f, "p1");
    fixture_begin(&f);
    sl_framework_host host = {.event = record_event};
    sl_framework_options o = {.host = &host};
    char err[512];
    sl_framework *fw = sl_framework_new(&o, err, sizeof err);
    CHECK(fw != NULL);
    const char *path = wat("handle", HANDLE_WAT);
    char args[1024];
    snprintf(args, sizeof args, "{\"guestURL\": \"file://%s\"}", path);
    sl_plugin *p = &f.plugins[f.nplugins];
    memset(p, 0, sizeof *p);
    p->name = "Handle";
    p->framework = fw;
    p->ops = sl_wasm_plugin_registration()->ops;
    json_t *j = json_loads(args, 0, NULL);
    f.args[f.nargs++] = j;
    CHECK(sl_wasm_plugin_registration()->factory(p, j, err, sizeof err));
    f.nplugins++;
    sl_prefilter_result r = {.all = true};
    p->ops->pre_filter(p, f.cycle, pod, &r);
    sl_status s = p->ops->filter(p, f.cycle, pod, fixture_node_info(&f, "n1"));
    CHECK_EQ_INT(s.code, SL_SUCCESS); /* both answers were 0 */
    CHECK_EQ_INT(events_seen.n, 1);
    CHECK_EQ_STR(events_seen.type, "Normal");
    CHECK_EQ_STR(events_seen.reason, "PreScore");
    CHECK_EQ_STR(events_seen.message, "lastNumber");
    CHECK_EQ_STR(events_seen.pod, "p1");
    fixture_free(&f);
    sl_framework_free(fw);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_wasmplugin.XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    log_set_level(SL_LOG_ERROR);
    abi_path = wat("abi", ABI_WAT);
    RUN(abi_prefilter_buffer_retry_and_node_names);
    RUN(abi_filter_score_packing_and_reasons);
    RUN(abi_prescore_postfilter_normalize_permit);
    RUN(abi_events_klog_config_target);
    RUN(affinity_across_prefilter_filter_score_reserve_bind);
    RUN(replay_mode_primes_worker_instances);
    RUN(traps_become_error_statuses_and_instances_are_replaced);
    RUN(load_time_checks);
    RUN(detected_hooks_shape_the_ops);
    RUN(reconfigure_reloads_only_on_change);
    RUN(scheduler_reconfigure_keeps_cluster_state);
    RUN(reconfigure_reexpands_extension_points);
    RUN(parallel_filter_on_worker_pool);
    RUN(handle_imports_reach_the_framework);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0) return 1;
    return test_summary("wasmplugin");
}
