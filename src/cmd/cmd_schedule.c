/*
 * cmd_schedule.c — `schedlab schedule`: schedule a cluster file headlessly
 * and print where every pod went.
 *
 *   schedlab schedule --cluster FILE [--config FILE] [--explain] [--seed N]
 *                     [--lenient] [-o json|table]
 *
 * The cluster file (YAML or JSON: Nodes and Pods, any number of documents or
 * a List) is loaded into the in-process store; the scheduler runs on virtual
 * time (backoff and the unschedulable-pod flush are simulated, not slept)
 * until nothing can change any more, and the outcome of every pod is printed
 * in input order. The same input and seed always give the same output.
 *
 * --explain attaches a results recorder (framework.h) that keeps, per pod,
 * the plugin results of its last attempt. Filter and Score callbacks arrive
 * from the worker threads, one node per thread at a time, so the recorder
 * keeps one slot per node index, preallocated: no lock on that path. The
 * slots are folded into the pod's JSON at cycle end, on the scheduling
 * thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cmd/cmd.h"
#include "k8s/k8s.h"
#include "plugins/registry.h"
#include "scheduler/cluster.h"
#include "scheduler/config.h"
#include "scheduler/scheduler.h"

#define EXIT_USAGE 2

static void usage(FILE *out) {
    fprintf(out,
            "usage: schedlab schedule --cluster FILE [--config FILE] [--explain] [--seed N]\n"
            "                         [--lenient] [-o json|table]\n"
            "\n"
            "Schedules the pods of a cluster file with schedlab's kube-scheduler and prints\n"
            "where each pod went, in input order. FILE is YAML or JSON (several documents,\n"
            "a JSON array or a List) holding Namespaces, Nodes and Pods; other kinds are\n"
            "skipped with a warning; \"-\" reads stdin. Time is virtual: backoff and retries are simulated,\n"
            "so the run ends as soon as no pod can change any more.\n"
            "FILE is a snapshot of objects an API server admitted (status, nodeName,\n"
            "deletionTimestamp, spec.priority are kept) and is checked as kube-apiserver\n"
            "does: apiVersion/kind must exist in Kubernetes 1.33, every field must be in its\n"
            "schema (strict field validation), pods need containers, quantities are >= 0.\n"
            "\n"
            "options:\n"
            "  --cluster FILE   the Nodes and Pods to schedule (required)\n"
            "  --config FILE    a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1);\n"
            "                   default: upstream's defaults, one profile \"default-scheduler\";\n"
            "                   wasm plugins: a multiPoint plugin whose pluginConfig args\n"
            "                   carry guestURL (file://, http(s)://, or a path)\n"
            "  --explain        add, per pod, the plugin results of its last attempt\n"
            "  --lenient        unknown fields in FILE are warnings, not errors\n"
            "  --seed N         seed for tie-breaking between equal-scoring nodes (default 1);\n"
            "                   the same input and seed always give the same result\n"
            "  -o table|json    output format (default table)\n"
            "  -h, --help       this text\n"
            "\n"
            "status of a pod:\n"
            "  Scheduled        bound to \"node\"\n"
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
            "  Deleted          removed as a preemption victim\n"
            "\n"
            "-o json prints {\"pods\":[{\"namespace\",\"name\",\"node\" (string or null),\n"
            "\"status\",\"message\",\"attempts\",\"nominatedNode\" (only when set)}]}; with\n"
            "--explain each pod also has \"explain\": {\"prefilter\": {plugin: \"success\" |\n"
            "\"skip\" | message}, \"filter\": {node: {plugin: \"passed\" | message}}, \"score\":\n"
            "{node: {plugin: raw score}}, \"finalscore\": {node: {plugin: normalized score x\n"
            "weight}}, \"selectedNode\": node or null}, for the pod's last attempt.\n"
            "\n"
            "exit status: 0 when scheduling ran (even if pods are unschedulable), 2 for\n"
            "usage errors and bad input (the message names the file and the field), 1 for\n"
            "other failures\n");
}

/* ------------------------------------------------------------------ */
/* The explain recorder                                                 */
/* ------------------------------------------------------------------ */

/* What the worker threads write: one slot per node index. A slot is only
 * touched by the thread evaluating that node, and reset by the scheduling
 * thread between cycles (the worker pool's hand-off orders the two). */
typedef struct node_slot {
    const char *node_name;        /* the store's k8s_node: lives for the whole run */
    json_t *filter;               /* plugin -> "passed" | message */
    json_t *score;                /* plugin -> raw score */
    json_t *final_score;          /* plugin -> normalized score x weight */
} node_slot;

typedef struct explain_recorder {
    uint32_t nslots;
    node_slot *slots;
    /* The attempt in progress (scheduling thread only). */
    const sl_pod_info *pod;
    json_t *prefilter;
    /* Finished: "namespace/name" -> explain object of the last attempt. */
    json_t *by_pod;
    /* Node indexes beyond the preallocated slots (nodes added while
     * running: not expected here) are counted, not recorded. */
    uint64_t dropped;
} explain_recorder;

static void slot_clear(node_slot *slot) {
    json_decref(slot->filter);
    json_decref(slot->score);
    json_decref(slot->final_score);
    memset(slot, 0, sizeof *slot);
}

static node_slot *slot_for(explain_recorder *r, const sl_node_info *node) {
    if (node->index >= r->nslots) {
        __atomic_fetch_add(&r->dropped, 1, __ATOMIC_RELAXED);
        return NULL;
    }
    node_slot *slot = &r->slots[node->index];
    slot->node_name = node->node->name;
    return slot;
}

/* A status as the simulator shows it: the message, reasons joined by ", ". */
static json_t *status_text(sl_status s, const char *success_word) {
    if (s.code == SL_SUCCESS) return json_string(success_word);
    if (s.code == SL_SKIP) return json_string("skip");
    const char *message = s.message && *s.message ? s.message : sl_code_name(s.code);
    if (!strchr(message, SL_REASON_SEP)) return json_string(message);
    strbuf sb;
    strbuf_init(&sb);
    for (const char *p = message; *p; p++) {
        if (*p == SL_REASON_SEP)
            strbuf_puts(&sb, ", ");
        else
            strbuf_putc(&sb, *p);
    }
    json_t *text = json_string(strbuf_cstr(&sb));
    strbuf_free(&sb);
    return text;
}

static void set_in(json_t **obj, const char *key, json_t *value) {
    if (!*obj) *obj = json_object();
    json_object_set_new(*obj, key, value);
}

static void on_cycle_start(void *user, const sl_pod_info *pod, uint32_t attempt) {
    explain_recorder *r = user;
    for (uint32_t i = 0; i < r->nslots; i++)
        if (r->slots[i].node_name) slot_clear(&r->slots[i]);
    json_decref(r->prefilter);
    r->prefilter = json_object();
    r->pod = pod;
}

static void on_pre_filter(void *user, const char *plugin, sl_status status) {
    explain_recorder *r = user;
    if (r->prefilter) json_object_set_new(r->prefilter, plugin, status_text(status, "success"));
}

static void on_filter(void *user, const sl_node_info *node, const char *plugin, sl_status status) {
    node_slot *slot = slot_for(user, node);
    if (slot) set_in(&slot->filter, plugin, status_text(status, "passed"));
}

static void on_score(void *user, const sl_node_info *node, const char *plugin, int64_t raw) {
    node_slot *slot = slot_for(user, node);
    if (slot) set_in(&slot->score, plugin, json_integer(raw));
}

static void on_final_score(void *user, const sl_node_info *node, const char *plugin, int64_t value) {
    node_slot *slot = slot_for(user, node);
    if (slot) set_in(&slot->final_score, plugin, json_integer(value));
}

static void on_cycle_end(void *user, const sl_pod_info *pod, const char *selected_node, sl_status result) {
    explain_recorder *r = user;
    json_t *filter = json_object(), *score = json_object(), *final_score = json_object();
    for (uint32_t i = 0; i < r->nslots; i++) {
        node_slot *slot = &r->slots[i];
        if (!slot->node_name) continue;
        if (slot->filter) json_object_set(filter, slot->node_name, slot->filter);
        if (slot->score) json_object_set(score, slot->node_name, slot->score);
        if (slot->final_score) json_object_set(final_score, slot->node_name, slot->final_score);
    }
    json_t *explain = json_object();
    json_object_set_new(explain, "prefilter", r->prefilter ? r->prefilter : json_object());
    r->prefilter = NULL;
    json_object_set_new(explain, "filter", filter);
    json_object_set_new(explain, "score", score);
    json_object_set_new(explain, "finalscore", final_score);
    json_object_set_new(explain, "selectedNode", selected_node ? json_string(selected_node) : json_null());
    char *key = xasprintf("%s/%s", pod->pod->namespace_, pod->pod->name);
    json_object_set_new(r->by_pod, key, explain);
    free(key);
    r->pod = NULL;
}

static void explain_init(explain_recorder *r, uint32_t nnodes, sl_recorder *rec) {
    memset(r, 0, sizeof *r);
    /* Headroom for nodes the store may index past the input count. */
    r->nslots = nnodes + 16;
    r->slots = xcalloc(r->nslots, sizeof *r->slots);
    r->by_pod = json_object();
    memset(rec, 0, sizeof *rec);
    rec->user = r;
    rec->cycle_start = on_cycle_start;
    rec->pre_filter = on_pre_filter;
    rec->filter = on_filter;
    rec->score = on_score;
    rec->final_score = on_final_score;
    rec->cycle_end = on_cycle_end;
}

static void explain_free(explain_recorder *r) {
    for (uint32_t i = 0; i < r->nslots; i++) slot_clear(&r->slots[i]);
    free(r->slots);
    json_decref(r->prefilter);
    json_decref(r->by_pod);
}

/* ------------------------------------------------------------------ */
/* Results                                                              */
/* ------------------------------------------------------------------ */

typedef struct pod_row {
    const char *namespace_, *name;
    const char *status;
    const char *node;             /* NULL = none */
    const char *message;
    uint32_t attempts;
    const char *nominated;        /* NULL = none */
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
static pod_row pod_outcome(sl_scheduler *s, sl_cluster *cluster, const char *ns, const char *name) {
    pod_row row = {ns, name, "Pending", NULL, "", 0, NULL};
    k8s_pod *pod = sl_cluster_memory_find_pod(cluster, ns, name);
    if (!pod) {
        if (sl_cluster_memory_pod_deleted(cluster, ns, name)) {
            row.status = "Deleted";
            row.message = "deleted by the scheduler as a preemption victim";
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
    return row;
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
        if (explain) {
            char *key = xasprintf("%s/%s", r->namespace_, r->name);
            json_t *e = json_object_get(explain->by_pod, key);
            free(key);
            json_object_set(o, "explain", e ? e : json_null());
        }
        json_array_append_new(pods, o);
    }
    json_t *doc = json_pack("{s:o}", "pods", pods);
    char *text = json_dumps(doc, JSON_INDENT(2));
    if (text) puts(text);
    free(text);
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

/* Aligned columns; the message (last column) is printed as is. With
 * --explain, each pod is followed by its per-node filter results. */
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
        print_row(width, r->namespace_, r->name, r->status, r->node ? r->node : "<none>", attempts,
                  strbuf_cstr(&message));
        strbuf_free(&message);
        if (!explain) continue;
        char *key = xasprintf("%s/%s", r->namespace_, r->name);
        const json_t *e = json_object_get(explain->by_pod, key);
        free(key);
        const json_t *filter = json_object_get(e, "filter");
        const char *node;
        const json_t *plugins;
        json_object_foreach((json_t *)filter, node, plugins) {
            const char *plugin;
            const json_t *result;
            printf("    %s:", node);
            json_object_foreach((json_t *)plugins, plugin, result) printf(" %s=%s", plugin, json_string_value(result));
            const json_t *final = json_object_get(json_object_get(e, "finalscore"), node);
            if (final) {
                json_int_t total = 0;
                const json_t *v;
                json_object_foreach((json_t *)final, plugin, v) total += json_integer_value(v);
                printf("  score=%lld", (long long)total);
            }
            putchar('\n');
        }
    }
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

int cmd_schedule(int argc, char **argv) {
    const char *cluster_path = NULL, *config_path = NULL, *output = "table";
    bool explain_wanted = false, lenient = false;
    uint64_t seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--explain")) {
            explain_wanted = true;
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
        } else if (cmd_option_value(argc, argv, &i, "--seed", &v)) {
            if (v && !parse_seed(v, &seed)) {
                fprintf(stderr, "schedlab schedule: --seed %s: expected a non-negative integer\n", v);
                return EXIT_USAGE;
            }
        } else if (cmd_option_value(argc, argv, &i, "-o", &v) || cmd_option_value(argc, argv, &i, "--output", &v)) {
            output = v;
            if (v && strcmp(v, "json") != 0 && strcmp(v, "table") != 0) {
                fprintf(stderr, "schedlab schedule: -o %s: expected json or table\n", v);
                return EXIT_USAGE;
            }
        } else {
            fprintf(stderr, "schedlab schedule: unknown argument \"%s\" (see schedlab schedule --help)\n", a);
            return EXIT_USAGE;
        }
        if (!v) {
            fprintf(stderr, "schedlab schedule: %s needs a value\n", a);
            return EXIT_USAGE;
        }
    }
    if (!cluster_path) {
        fprintf(stderr, "schedlab schedule: --cluster FILE is required\n\n");
        usage(stderr);
        return EXIT_USAGE;
    }

    int status = EXIT_USAGE;
    char err[1024] = "";
    sl_config config = {0};
    sl_registry *registry = NULL;
    json_t *docs = NULL, *locations = NULL;
    sl_cluster *cluster = NULL;
    sl_scheduler *scheduler = NULL;
    explain_recorder explain;
    sl_recorder recorder;
    bool have_explain = false;
    VEC(pod_row) rows = {0};

    size_t len = 0;
    char *text = file_read_all(cluster_path, &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "schedlab schedule: %s\n", err); /* err names the file */
        return EXIT_USAGE;
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
    if (explain_wanted) {
        explain_init(&explain, nnodes, &recorder);
        have_explain = true;
    }
    sl_scheduler_options opts = {
        .config = &config,
        .registry = registry,
        .cluster = cluster,
        .seed = seed,
        .virtual_time = true,
        .recorder = have_explain ? &recorder : NULL,
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
        VEC_PUSH(&rows, pod_outcome(scheduler, cluster, ns && *ns ? ns : "default", name));
    }
    if (!strcmp(output, "json"))
        print_json(rows.items, rows.len, have_explain ? &explain : NULL);
    else
        print_table(rows.items, rows.len, have_explain ? &explain : NULL);
    fflush(stdout);
    if (have_explain && explain.dropped)
        log_warn("--explain: %" PRIu64 " results for nodes added during the run were not recorded", explain.dropped);
    status = 0;
out:
    VEC_FREE(&rows);
    if (scheduler) sl_scheduler_free(scheduler);
    if (have_explain) explain_free(&explain);
    if (cluster) cluster->ops->destroy(cluster);
    sl_config_free(&config);
    sl_registry_free(registry);
    json_decref(docs);
    json_decref(locations);
    return status;
}
