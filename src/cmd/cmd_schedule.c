/*
 * cmd_schedule.c — `schedlab schedule`: schedule a cluster file headlessly
 * and print where every pod went.
 *
 *   schedlab schedule --cluster FILE [--config FILE] [--seed N] [--lenient]
 *                     [-o json|table] [--explain] [--explain-pod NS/NAME]...
 *                     [--explain-top K]
 *
 * The cluster file (YAML or JSON: Nodes and Pods, any number of documents or
 * a List) is loaded into the in-process store; the scheduler runs on virtual
 * time (backoff and the unschedulable-pod flush are simulated, not slept)
 * until nothing can change any more, and the outcome of every pod is printed
 * in input order, then the totals. The same input and seed always give the
 * same output.
 *
 * A results recorder (explain.h) is always attached: it explains the pods
 * asked for (--explain: all, --explain-pod: some), logs every attempt when
 * SCHEDLAB_LOG=debug, and tells this file which pods a preemptor evicted
 * (its PostFilter hook), so both sides of a preemption are named.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/strmap.h"
#include "cmd/cmd.h"
#include "cmd/explain.h"
#include "k8s/k8s.h"
#include "plugins/registry.h"
#include "scheduler/cluster.h"
#include "scheduler/config.h"
#include "scheduler/scheduler.h"

#define EXIT_USAGE 2

static void usage(FILE *out) {
    fprintf(out,
            "usage: schedlab schedule --cluster FILE [--config FILE] [--seed N] [--lenient]\n"
            "                         [-o json|table] [--explain] [--explain-pod NS/NAME]...\n"
            "                         [--explain-top K]\n"
            "\n"
            "Schedules the pods of a cluster file with schedlab's kube-scheduler and prints\n"
            "where each pod went, in input order, then a totals line. FILE is YAML or JSON\n"
            "(several documents, a JSON array or a List) holding Namespaces, Nodes and Pods,\n"
            "and the PodDisruptionBudgets (preemption) and Services, ReplicationControllers,\n"
            "ReplicaSets and StatefulSets (default topology spreading) the scheduler reads;\n"
            "kinds the API server does not serve are skipped with a warning; \"-\" reads\n"
            "stdin. Time is virtual: backoff and retries are simulated, so the run ends as\n"
            "soon as no pod can change any more.\n"
            "FILE is a snapshot of objects an API server admitted (status, nodeName,\n"
            "deletionTimestamp, spec.priority are kept) and is checked as kube-apiserver\n"
            "does: apiVersion/kind must exist in Kubernetes 1.33, every field must be in its\n"
            "schema (strict field validation), pods need containers, quantities are >= 0.\n"
            "\n"
            "options:\n"
            "  --cluster FILE        the Nodes and Pods to schedule (required)\n"
            "  --config FILE         a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1);\n"
            "                        default: upstream's defaults, one profile \"default-scheduler\";\n"
            "                        wasm plugins: a multiPoint plugin whose pluginConfig args\n"
            "                        carry guestURL (file://, http(s)://, or a path)\n"
            "  --explain-pod NS/NAME explain this pod's last attempt (NAME alone: namespace\n"
            "                        \"default\"); repeatable. Cheap at any cluster size: the\n"
            "                        other pods are not recorded\n"
            "  --explain             explain every pod (memory grows with pods x nodes:\n"
            "                        prefer --explain-pod on large clusters)\n"
            "  --explain-top K       nodes listed in an explained pod's top scores (default 5)\n"
            "  --lenient             unknown fields in FILE are warnings, not errors\n"
            "  --seed N              seed for tie-breaking between equal-scoring nodes\n"
            "                        (default 1); the same input and seed give the same result\n"
            "  -o table|json         output format (default table); also -ojson, -o=json,\n"
            "                        --output=json\n"
            "  -h, --help            this text\n"
            "\n"
            "status of a pod:\n"
            "  Scheduled        bound to \"node\"; after preempting, the message names the\n"
            "                   victims and the node; an earlier failure is history\n"
            "                   (\"lastFailure\" in JSON, \"(earlier attempt failed: ...)\")\n"
            "  Unschedulable    no node fits; \"message\" is the scheduler's FitError\n"
            "                   (\"0/3 nodes are available: ...\"); \"nominatedNode\" is set\n"
            "                   when preemption made room and the pod waits for it\n"
            "  Error            a plugin failed (e.g. an invalid regex); \"message\" says why\n"
            "  SchedulingGated  spec.schedulingGates is not empty: never attempted (the\n"
            "                   PodScheduled condition reason upstream uses)\n"
            "  Running          spec.nodeName was already set in the input: the scheduler\n"
            "                   does not touch it (\"node\" is that node, attempts 0)\n"
            "  Pending          never attempted: spec.schedulerName matches no profile, or\n"
            "                   the pod is being deleted (metadata.deletionTimestamp:\n"
            "                   \"skip schedule deleting pod: NS/NAME\")\n"
            "  Succeeded/Failed status.phase of a pod that had finished in the input: the\n"
            "                   scheduler ignores it (it holds no resources)\n"
            "  Deleted          removed as a preemption victim; the message names the\n"
            "                   preemptor and the node\n"
            "\n"
            "An explained pod is followed in the table by its summary: nodes evaluated and\n"
            "feasible, PreFilter results that were not success, nodes rejected per Filter\n"
            "plugin with the reasons counted as the FitError message counts them, Filter\n"
            "errors, PostFilter, the top K nodes by final score with each plugin's share\n"
            "(the selected node marked, ties flagged) and the result.\n"
            "\n"
            "-o json prints {\"pods\": [{\"namespace\", \"name\", \"node\" (string or null),\n"
            "\"status\", \"message\", \"attempts\", \"nominatedNode\", \"lastFailure\",\n"
            "\"preempted\": {\"node\", \"victims\"}, \"preemptedBy\" (the last four only when\n"
            "set)}], \"totals\": {\"scheduled\", \"unschedulable\", \"error\", \"gated\",\n"
            "\"pending\", and any other status seen}}. With --explain / --explain-pod every\n"
            "pod has \"explain\" (null unless explained): {\"prefilter\": {plugin: \"success\" |\n"
            "\"skip\" | message}, \"filter\": {node: {plugin: \"passed\" | message}}, \"score\":\n"
            "{node: {plugin: raw score}}, \"finalscore\": {node: {plugin: normalized score x\n"
            "weight}}, \"selectedNode\": node or null, \"extenders\" (with extenders only):\n"
            "{extender: {verb: {\"status\", \"latencyMs\", \"result\" (the reply)}}}}, for the\n"
            "pod's last attempt, and an\n"
            "explained pod has \"explainSummary\": {\"attempt\", \"nodes\": {\"total\",\n"
            "\"evaluated\", \"feasible\"}, \"prefilter\", \"rejected\": [{\"plugin\", \"nodes\",\n"
            "\"reasons\": [{\"reason\", \"nodes\"}]}], \"errors\": [{\"node\", \"plugin\",\n"
            "\"message\"}], \"postfilter\", \"top\": [{\"node\", \"total\", \"plugins\",\n"
            "\"selected\", \"tie\"}], \"tiedAtTop\", \"selectedNode\", \"result\"}.\n"
            "\n"
            "SCHEDLAB_LOG=debug logs one line per scheduling attempt on stderr (outcome,\n"
            "PreFilter/PostFilter/Reserve/Permit/Bind verdicts that were not success,\n"
            "preemptions).\n"
            "\n"
            "exit status: 0 when scheduling ran (even if pods are unschedulable), 2 for\n"
            "usage errors and bad input (the message names the file and the field), 1 for\n"
            "other failures\n");
}

/* ------------------------------------------------------------------ */
/* Results                                                              */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Preemptions, seen from the "Preempted" events                        */
/* ------------------------------------------------------------------ */

/* DefaultPreemption records, per victim, the event "Preempted by pod
 * <preemptor uid> on node <node>" from inside the preemptor's PostFilter.
 * Pods of a cluster file often have no uid, so the preemptor is the pod of
 * the cycle in which the events appeared (the recorder's PostFilter hook). */
typedef struct preemption {
    char *node;                   /* the node of the latest preemption */
    size_t nvictims;
    char *victims;                /* "ns/a, ns/b" */
    VEC(char *) victim_keys;
} preemption;

typedef struct victim {
    char *preemptor;              /* "ns/name" (or the uid when unknown) */
    char *node;
} victim;

typedef struct preemptions {
    strmap by_preemptor;          /* "ns/name" -> preemption */
    strmap by_victim;             /* "ns/name" -> victim */
} preemptions;

typedef struct preemption_watch {
    preemptions *pre;
    sl_cluster *cluster;
} preemption_watch;

/* Right after a PostFilter plugin returned: the "Preempted" events at the
 * end of the event list were written by it, for this cycle's pod (the
 * cycle's own FailedScheduling event comes later, at cycle end). */
static void on_post_filter(void *ctx, const sl_pod_info *pod, const char *plugin, const char *nominated) {
    (void)plugin;
    preemption_watch *w = ctx;
    if (!nominated || !*nominated) return;
    const sl_cluster_event *events = NULL;
    uint32_t n = sl_cluster_memory_events(w->cluster, &events);
    static const char prefix[] = "Preempted by pod ";
    uint32_t first = n;
    while (first > 0 && !strcmp(events[first - 1].reason, "Preempted") &&
           !strncmp(events[first - 1].message, prefix, sizeof prefix - 1))
        first--;
    if (first == n) return;
    char *preemptor = xasprintf("%s/%s", pod->pod->namespace_, pod->pod->name);
    preemption *p = strmap_get(&w->pre->by_preemptor, preemptor);
    if (!p) {
        p = xcalloc(1, sizeof *p);
        strmap_put(&w->pre->by_preemptor, preemptor, p);
    }
    /* A later preemption (another node) replaces the earlier one. */
    free(p->node);
    free(p->victims);
    p->victims = NULL;
    for (size_t i = 0; i < p->victim_keys.len; i++) free(p->victim_keys.items[i]);
    p->victim_keys.len = 0;
    p->nvictims = 0;
    p->node = xstrdup(nominated);
    for (uint32_t i = first; i < n; i++) {
        char *victim_key = xasprintf("%s/%s", events[i].namespace_, events[i].pod_name);
        victim *v = strmap_get(&w->pre->by_victim, victim_key);
        if (!v) {
            v = xcalloc(1, sizeof *v);
            strmap_put(&w->pre->by_victim, victim_key, v);
        }
        free(v->preemptor);
        free(v->node);
        v->preemptor = xstrdup(preemptor);
        v->node = xstrdup(nominated);
        p->nvictims++;
        char *joined = xasprintf("%s%s%s", p->victims ? p->victims : "", p->victims ? ", " : "", victim_key);
        free(p->victims);
        p->victims = joined;
        VEC_PUSH(&p->victim_keys, victim_key);
    }
    log_debug("pod %s preempted %s on node %s", preemptor, p->victims, p->node);
    free(preemptor);
}

static void preemptions_free(preemptions *pre) {
    size_t pos = 0;
    void *value;
    while (strmap_next(&pre->by_preemptor, &pos, NULL, &value)) {
        preemption *p = value;
        free(p->node);
        free(p->victims);
        for (size_t i = 0; i < p->victim_keys.len; i++) free(p->victim_keys.items[i]);
        VEC_FREE(&p->victim_keys);
        free(p);
    }
    pos = 0;
    while (strmap_next(&pre->by_victim, &pos, NULL, &value)) {
        victim *v = value;
        free(v->preemptor);
        free(v->node);
        free(v);
    }
    strmap_free(&pre->by_preemptor);
    strmap_free(&pre->by_victim);
}

typedef struct pod_row {
    const char *namespace_, *name;
    const char *status;
    const char *node;             /* NULL = none */
    const char *message;
    uint32_t attempts;
    const char *nominated;        /* NULL = none */
    const char *last_failure;     /* a scheduled pod's earlier failure, NULL = none */
    const preemption *preempted;  /* this pod preempted others (NULL = no) */
    const char *preemptor;        /* this pod was a victim of ... (NULL = no) */
    char *owned;                  /* message built here (freed with the row) */
} pod_row;

static const char *state_name(sl_pod_state state) {
    switch (state) {
    case SL_POD_SCHEDULED: return "Scheduled";
    case SL_POD_UNSCHEDULABLE: return "Unschedulable";
    case SL_POD_ERROR: return "Error";
    case SL_POD_GATED: return "SchedulingGated";
    case SL_POD_RUNNING: return "Running";
    case SL_POD_PENDING: break;
    }
    return "Pending";
}

/* The row of one input pod (namespace/name from the input document). */
static pod_row pod_outcome(sl_scheduler *s, sl_cluster *cluster, const preemptions *pre, const char *ns,
                           const char *name) {
    pod_row row = {ns, name, "Pending", NULL, "", 0, NULL, NULL, NULL, NULL, NULL};
    char key[512];
    snprintf(key, sizeof key, "%s/%s", ns, name);
    row.preempted = strmap_get(&pre->by_preemptor, key);
    k8s_pod *pod = sl_cluster_memory_find_pod(cluster, ns, name);
    if (!pod) {
        if (sl_cluster_memory_pod_deleted(cluster, ns, name)) {
            row.status = "Deleted";
            const victim *v = strmap_get(&pre->by_victim, key);
            if (v) {
                row.preemptor = v->preemptor;
                row.message = row.owned = xasprintf("preempted by %s to make room on node %s", v->preemptor, v->node);
            } else {
                row.message = "deleted by the scheduler as a preemption victim";
            }
        }
        return row;
    }
    sl_pod_result result;
    if (!sl_scheduler_pod_result(s, pod, &result)) {
        row.message = "not seen by the scheduler";
        if (pod->phase && (!strcmp(pod->phase, "Succeeded") || !strcmp(pod->phase, "Failed"))) {
            /* a finished pod: upstream's informers filter it out */
            row.status = pod->phase;
            row.node = pod->node_name && pod->node_name[0] ? pod->node_name : NULL;
            row.message = "finished: ignored by the scheduler";
        }
        return row;
    }
    row.status = state_name(result.state);
    row.node = result.node;
    row.message = result.message ? result.message : "";
    row.attempts = result.attempts;
    row.nominated = result.nominated_node && *result.nominated_node ? result.nominated_node : NULL;
    if (result.state == SL_POD_GATED && !*row.message)
        row.message = "Scheduling is blocked due to non-empty scheduling gates";
    if (result.state == SL_POD_PENDING && !*row.message)
        row.message = "spec.schedulerName matches no profile: not scheduled";
    if (result.state == SL_POD_RUNNING && !row.node) row.node = pod->node_name;
    /* Once a pod is placed, its last failure is history, not its message. */
    if (row.node && *row.message) {
        row.last_failure = row.message;
        row.message = "";
    }
    if (row.preempted) {
        const preemption *p = row.preempted;
        if (row.node)
            row.message = row.owned = xasprintf("scheduled after preempting %zu pod%s on node %s: %s", p->nvictims,
                                                p->nvictims == 1 ? "" : "s", p->node, p->victims);
        else
            row.message = row.owned = xasprintf("%s%s(preempted %zu pod%s on node %s: %s)", row.message,
                                                *row.message ? " " : "", p->nvictims, p->nvictims == 1 ? "" : "s",
                                                p->node, p->victims);
    }
    return row;
}

/* "N pods: a scheduled, b unschedulable, c error, d gated, e pending" and
 * any other status seen ("1 running, 2 deleted"). */
static json_t *totals_of(const pod_row *rows, size_t n) {
    json_t *t = json_pack("{s:i, s:i, s:i, s:i, s:i}", "scheduled", 0, "unschedulable", 0, "error", 0, "gated", 0,
                          "pending", 0);
    for (size_t i = 0; i < n; i++) {
        const char *st = rows[i].status;
        char lower[64];
        if (!strcmp(st, "SchedulingGated")) {
            snprintf(lower, sizeof lower, "gated");
        } else {
            size_t k = 0;
            for (; st[k] && k + 1 < sizeof lower; k++) lower[k] = (char)tolower((unsigned char)st[k]);
            lower[k] = 0;
        }
        json_t *c = json_object_get(t, lower);
        json_object_set_new(t, lower, json_integer(c ? json_integer_value(c) + 1 : 1));
    }
    return t;
}

static void print_totals(const pod_row *rows, size_t n) {
    json_t *t = totals_of(rows, n);
    printf("%zu pod%s:", n, n == 1 ? "" : "s");
    const char *fixed[] = {"scheduled", "unschedulable", "error", "gated", "pending"};
    for (size_t i = 0; i < ARRAY_LEN(fixed); i++)
        printf("%s %lld %s", i ? "," : "", (long long)json_integer_value(json_object_get(t, fixed[i])), fixed[i]);
    const char *key;
    json_t *v;
    json_object_foreach(t, key, v) {
        bool is_fixed = false;
        for (size_t i = 0; i < ARRAY_LEN(fixed); i++) is_fixed |= !strcmp(key, fixed[i]);
        if (!is_fixed) printf(", %lld %s", (long long)json_integer_value(v), key);
    }
    putchar('\n');
    json_decref(t);
}

static void print_json(const pod_row *rows, size_t n, const explain_recorder *explain) {
    json_t *pods = json_array();
    for (size_t i = 0; i < n; i++) {
        const pod_row *r = &rows[i];
        json_t *o = json_object();
        json_object_set_new(o, "namespace", json_string(r->namespace_));
        json_object_set_new(o, "name", json_string(r->name));
        json_object_set_new(o, "node", r->node ? json_string(r->node) : json_null());
        json_object_set_new(o, "status", json_string(r->status));
        json_object_set_new(o, "message", json_string(r->message));
        json_object_set_new(o, "attempts", json_integer(r->attempts));
        if (r->nominated) json_object_set_new(o, "nominatedNode", json_string(r->nominated));
        if (r->last_failure) json_object_set_new(o, "lastFailure", json_string(r->last_failure));
        if (r->preempted) {
            json_t *victims = json_array();
            for (size_t k = 0; k < r->preempted->victim_keys.len; k++)
                json_array_append_new(victims, json_string(r->preempted->victim_keys.items[k]));
            json_object_set_new(o, "preempted", json_pack("{s:s, s:o}", "node", r->preempted->node, "victims", victims));
        }
        if (r->preemptor) json_object_set_new(o, "preemptedBy", json_string(r->preemptor));
        if (explain) {
            char key[512];
            snprintf(key, sizeof key, "%s/%s", r->namespace_, r->name);
            const json_t *e = explain_object(explain, key);
            const json_t *summary = explain_summary(explain, key);
            json_object_set_new(o, "explain", e ? json_deep_copy(e) : json_null());
            if (summary) json_object_set_new(o, "explainSummary", json_deep_copy(summary));
        }
        json_array_append_new(pods, o);
    }
    json_t *doc = json_pack("{s:o, s:o}", "pods", pods, "totals", totals_of(rows, n));
    json_dumpf(doc, stdout, JSON_INDENT(2));
    putchar('\n');
    json_decref(doc);
}

/* One table line: five padded columns and the message, no trailing blanks. */
static void print_row(const size_t *width, const char *c0, const char *c1, const char *c2, const char *c3,
                      const char *c4, const char *message) {
    strbuf line;
    strbuf_init(&line);
    strbuf_printf(&line, "%-*s  %-*s  %-*s  %-*s  %-*s  %s", (int)width[0], c0, (int)width[1], c1, (int)width[2],
                  c2, (int)width[3], c3, (int)width[4], c4, message);
    while (line.len && line.data[line.len - 1] == ' ') line.data[--line.len] = 0;
    puts(strbuf_cstr(&line));
    strbuf_free(&line);
}

/* Aligned columns; the message (last column) is printed as is. Explained
 * pods are followed by their summary (explain.h). The last line counts the
 * outcomes. */
static void print_table(const pod_row *rows, size_t n, const explain_recorder *explain) {
    const char *headers[] = {"NAMESPACE", "NAME", "STATUS", "NODE", "ATTEMPTS", "MESSAGE"};
    size_t width[5];
    for (int c = 0; c < 5; c++) width[c] = strlen(headers[c]);
    char attempts[32];
    for (size_t i = 0; i < n; i++) {
        const pod_row *r = &rows[i];
        width[0] = SL_MAX(width[0], strlen(r->namespace_));
        width[1] = SL_MAX(width[1], strlen(r->name));
        width[2] = SL_MAX(width[2], strlen(r->status));
        width[3] = SL_MAX(width[3], strlen(r->node ? r->node : "<none>"));
    }
    print_row(width, headers[0], headers[1], headers[2], headers[3], headers[4], headers[5]);
    for (size_t i = 0; i < n; i++) {
        const pod_row *r = &rows[i];
        snprintf(attempts, sizeof attempts, "%" PRIu32, r->attempts);
        strbuf message;
        strbuf_init(&message);
        strbuf_puts(&message, r->message);
        if (r->nominated) strbuf_printf(&message, "%s(nominated node: %s)", *r->message ? " " : "", r->nominated);
        if (r->last_failure && !r->preempted)
            strbuf_printf(&message, "%s(earlier attempt failed: %s)", message.len ? " " : "", r->last_failure);
        print_row(width, r->namespace_, r->name, r->status, r->node ? r->node : "<none>", attempts,
                  strbuf_cstr(&message));
        strbuf_free(&message);
        if (!explain) continue;
        char key[512];
        snprintf(key, sizeof key, "%s/%s", r->namespace_, r->name);
        const json_t *summary = explain_summary(explain, key);
        if (summary)
            explain_print_summary(stdout, summary);
        else if (explain_wants(explain, key))
            puts("    no scheduling attempt to explain");
        const char *ext;
        const json_t *verbs;
        json_object_foreach(json_object_get(explain_object(explain, key), "extenders"), ext, verbs) {
            const char *verb;
            const json_t *call;
            json_object_foreach((json_t *)verbs, verb, call)
                printf("    extender %s %s: %s (%.3f ms)\n", ext, verb,
                       json_string_value(json_object_get(call, "status")),
                       json_real_value(json_object_get(call, "latencyMs")));
        }
    }
    print_totals(rows, n);
}

/* ------------------------------------------------------------------ */
/* The command                                                          */
/* ------------------------------------------------------------------ */

static bool parse_seed(const char *s, uint64_t *out) {
    if (!s || !*s || *s == '-') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end) return false;
    *out = v;
    return true;
}

/* "NAME" or "NAMESPACE/NAME": no empty part, at most one slash. */
static bool valid_pod_ref(const char *v) {
    const char *slash = strchr(v, '/');
    if (!*v || !slash) return *v != 0;
    return slash != v && slash[1] && !strchr(slash + 1, '/');
}

static const char *const schedule_flags[] = {"--cluster", "--config", "--explain", "--explain-pod", "--explain-top",
                                              "--lenient", "--seed", "--output", "-o", "--help"};

int cmd_schedule(int argc, char **argv) {
    const char *cluster_path = NULL, *config_path = NULL, *output = "table";
    bool explain_all = false, lenient = false;
    uint32_t top_k = 5;
    VEC(const char *) explain_pods = {0};
    uint64_t seed = 1;
    int status = EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            VEC_FREE(&explain_pods);
            return 0;
        }
        if (!strcmp(a, "--explain")) {
            explain_all = true;
            continue;
        }
        if (!strcmp(a, "--lenient")) {
            lenient = true;
            continue;
        }
        if (cmd_option_value(argc, argv, &i, "--cluster", &v)) {
            cluster_path = v;
        } else if (cmd_option_value(argc, argv, &i, "--config", &v)) {
            config_path = v;
        } else if (cmd_option_value(argc, argv, &i, "--explain-pod", &v)) {
            if (v && !valid_pod_ref(v)) {
                fprintf(stderr, "schedlab schedule: --explain-pod %s: expected NAMESPACE/NAME (or NAME in \"default\")\n", v);
                goto out_args;
            }
            if (v) VEC_PUSH(&explain_pods, v);
        } else if (cmd_option_value(argc, argv, &i, "--explain-top", &v)) {
            uint64_t k = 0;
            if (v && (!parse_seed(v, &k) || k == 0 || k > 1000)) {
                fprintf(stderr, "schedlab schedule: --explain-top %s: expected 1..1000\n", v);
                goto out_args;
            }
            top_k = (uint32_t)k;
        } else if (cmd_option_value(argc, argv, &i, "--seed", &v)) {
            if (v && !parse_seed(v, &seed)) {
                fprintf(stderr, "schedlab schedule: --seed %s: expected a non-negative integer\n", v);
                goto out_args;
            }
        } else if (cmd_option_value(argc, argv, &i, "-o", &v) || cmd_option_value(argc, argv, &i, "--output", &v)) {
            output = v;
            if (v && strcmp(v, "json") != 0 && strcmp(v, "table") != 0) {
                fprintf(stderr, "schedlab schedule: -o %s: expected json or table\n", v);
                goto out_args;
            }
        } else {
            const char *hint = a[0] == '-' ? cmd_suggest(a, schedule_flags, ARRAY_LEN(schedule_flags)) : NULL;
            fprintf(stderr, "schedlab schedule: unknown argument \"%s\"", a);
            if (hint) fprintf(stderr, "; did you mean %s?", hint);
            fprintf(stderr, " (see schedlab schedule --help)\n");
            goto out_args;
        }
        if (!v) {
            fprintf(stderr, "schedlab schedule: %s needs a value\n", a);
            goto out_args;
        }
    }
    if (!cluster_path) {
        fprintf(stderr, "schedlab schedule: --cluster FILE is required\n\n");
        usage(stderr);
        goto out_args;
    }

    char err[1024] = "";
    sl_config config = {0};
    sl_registry *registry = NULL;
    json_t *docs = NULL, *locations = NULL;
    sl_cluster *cluster = NULL;
    sl_scheduler *scheduler = NULL;
    explain_recorder *explain = NULL;
    bool have_preemptions = false;
    preemptions pre;
    VEC(pod_row) rows = {0};

    size_t len = 0;
    char *text = file_read_all(cluster_path, &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "schedlab schedule: %s\n", err); /* err names the file */
        goto out_args;
    }
    docs = k8s_parse_documents_located(text, len, cluster_path, &locations, err, sizeof err);
    free(text);
    if (!docs) {
        fprintf(stderr, "schedlab schedule: %s\n", err);
        goto out;
    }
    registry = cmd_registry_new();
    if (config_path) {
        if (!sl_config_load_file(config_path, registry, &config, err, sizeof err)) {
            cmd_hint_unknown_plugin(registry, err, sizeof err);
            fprintf(stderr, "schedlab schedule: %s\n", err);
            goto out;
        }
    } else {
        sl_config_default(registry, &config);
        if (config.nprofiles == 0) {
            fprintf(stderr, "schedlab schedule: the default configuration is not usable in this build\n");
            status = 1;
            goto out;
        }
    }
    cluster = sl_cluster_memory_new();
    sl_cluster_load_options load = {.locations = locations, .lenient = lenient};
    if (!sl_cluster_memory_load_with(cluster, docs, cluster_path, &load, err, sizeof err)) {
        fprintf(stderr, "schedlab schedule: %s\n", err);
        goto out;
    }

    uint32_t nnodes = 0;
    for (size_t i = 0; i < json_array_size(docs); i++) {
        const char *kind = json_string_value(json_object_get(json_array_get(docs, i), "kind"));
        if (kind && !strcmp(kind, "Node")) nnodes++;
    }
    /* The recorder also serves SCHEDLAB_LOG=debug: one line per attempt. */
    bool debug_log = log_get_level() <= SL_LOG_DEBUG;
    memset(&pre, 0, sizeof pre);
    have_preemptions = true;
    preemption_watch watch = {&pre, cluster};
    {
        explain = explain_new(nnodes, explain_all, top_k, debug_log);
        explain_observe_post_filter(explain, on_post_filter, &watch);
        for (size_t i = 0; i < explain_pods.len; i++) {
            const char *want = explain_pods.items[i];
            char *key = strchr(want, '/') ? xstrdup(want) : xasprintf("default/%s", want);
            char *slash = strchr(key, '/');
            *slash = 0;
            bool found = sl_cluster_memory_find_pod(cluster, key, slash + 1) != NULL;
            *slash = '/';
            if (!found) {
                /* Suggest the nearest pod of the file. */
                VEC(char *) keys = {0};
                for (size_t d = 0; d < json_array_size(docs); d++) {
                    const json_t *doc = json_array_get(docs, d);
                    const char *kind = json_string_value(json_object_get(doc, "kind"));
                    const json_t *meta = json_object_get(doc, "metadata");
                    const char *ns = json_string_value(json_object_get(meta, "namespace"));
                    const char *name = json_string_value(json_object_get(meta, "name"));
                    if (kind && !strcmp(kind, "Pod") && name)
                        VEC_PUSH(&keys, xasprintf("%s/%s", ns && *ns ? ns : "default", name));
                }
                const char *hint = cmd_suggest(key, (const char *const *)keys.items, keys.len);
                fprintf(stderr, "schedlab schedule: --explain-pod %s: no such pod in %s", want, cluster_path);
                if (hint) fprintf(stderr, "; did you mean %s?", hint);
                fputc('\n', stderr);
                for (size_t k = 0; k < keys.len; k++) free(keys.items[k]);
                VEC_FREE(&keys);
                free(key);
                goto out;
            }
            explain_want_pod(explain, key);
            free(key);
        }
    }
    sl_scheduler_options opts = {
        .config = &config,
        .registry = registry,
        .cluster = cluster,
        .seed = seed,
        .virtual_time = true,
        .recorder = explain ? explain_hooks(explain) : NULL,
    };
    scheduler = sl_scheduler_new(&opts, err, sizeof err);
    if (!scheduler) {
        fprintf(stderr, "schedlab schedule: %s\n", err);
        goto out;
    }
    sl_scheduler_run_until_quiescent(scheduler);

    /* Input order: the Pod documents as they appeared. */
    for (size_t i = 0; i < json_array_size(docs); i++) {
        const json_t *doc = json_array_get(docs, i);
        const char *kind = json_string_value(json_object_get(doc, "kind"));
        if (!kind || strcmp(kind, "Pod") != 0) continue;
        const json_t *meta = json_object_get(doc, "metadata");
        const char *ns = json_string_value(json_object_get(meta, "namespace"));
        const char *name = json_string_value(json_object_get(meta, "name"));
        if (!name) continue;
        VEC_PUSH(&rows, pod_outcome(scheduler, cluster, &pre, ns && *ns ? ns : "default", name));
    }
    /* Explain output only for the pods asked for (all with --explain). */
    const explain_recorder *shown = explain_all || explain_pods.len ? explain : NULL;
    if (!strcmp(output, "json"))
        print_json(rows.items, rows.len, shown);
    else
        print_table(rows.items, rows.len, shown);
    fflush(stdout);
    if (explain && explain_dropped(explain))
        log_warn("--explain: %" PRIu64 " results for nodes added during the run were not recorded",
                 explain_dropped(explain));
    status = 0;
out:
    for (size_t i = 0; i < rows.len; i++) free(rows.items[i].owned);
    VEC_FREE(&rows);
    if (scheduler) sl_scheduler_free(scheduler);
    explain_free(explain);
    if (have_preemptions) preemptions_free(&pre);
    if (cluster) cluster->ops->destroy(cluster);
    sl_config_free(&config);
    sl_registry_free(registry);
    json_decref(docs);
    json_decref(locations);
out_args:
    VEC_FREE(&explain_pods);
    return status;
}
