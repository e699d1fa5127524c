/*
 * cmd_bench.c — `schedlab bench`: synthetic benchmarks.
 *
 *   schedlab bench scheduling [--nodes N] [--pods M] [--config FILE]
 *                             [--pod-template FILE] [--node-template FILE]
 *                             [--seed N] [-o json]
 *
 * `scheduling` is upstream's scheduler_perf SchedulingBasic in-process: N
 * nodes from the default node template (4 cpu, 32Gi, 110 pods; hostname and
 * zone labels, zones spread round-robin over 10), M pods from the default
 * pod template (one container, 100m cpu / 500Mi requests = limits, port 80),
 * all pods pending at the start. Objects are generated as JSON, a template
 * file (if given) is merged into each one (JSON merge patch: objects merge
 * recursively, other values replace, null deletes; the generated name and
 * hostname label win), then decoded and put into the in-process store.
 *
 * Generation is not timed. The clock runs from creating the scheduler (its
 * cache and queue fill from the store) until it is quiescent, so the figure
 * is comparable to scheduler_perf's SchedulingThroughput (which also counts
 * only the measured pods). Latency percentiles are per scheduling attempt
 * (one cycle: PreFilter through Reserve/Permit and the bind hand-off).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "cmd/cmd.h"
#include "cmd/explain.h"
#include "extender/extender.h"
#include "k8s/k8s.h"
#include "plugins/registry.h"
#include "scheduler/cluster.h"
#include "scheduler/config.h"
#include "scheduler/scheduler.h"

#define EXIT_USAGE 2
#define BENCH_ZONES 10

static void usage(FILE *out) {
    fprintf(out,
            "usage: schedlab bench scheduling [--nodes N] [--pods M] [--config FILE]\n"
            "                                 [--pod-template FILE] [--node-template FILE]\n"
            "                                 [--seed N] [--metrics] [-o json]\n"
            "\n"
            "Runs upstream scheduler_perf's SchedulingBasic workload in-process: N nodes\n"
            "(node-0.., 4 cpu / 32Gi / 110 pods, labels kubernetes.io/hostname and\n"
            "topology.kubernetes.io/zone over %d zones) and M pending pods (pod-0.., one\n"
            "container requesting 100m cpu / 500Mi, requests = limits, containerPort 80),\n"
            "scheduled until quiescent on virtual time. Generating the objects is not\n"
            "timed; the clock covers creating the scheduler and scheduling every pod.\n"
            "\n"
            "options:\n"
            "  --nodes N              number of nodes (default 5000)\n"
            "  --pods M               number of pods (default 10000)\n"
            "  --config FILE          a KubeSchedulerConfiguration (default: upstream defaults;\n"
            "                         wasm plugins: pluginConfig args with guestURL)\n"
            "  --pod-template FILE    YAML/JSON merged into every generated pod (labels,\n"
            "                         annotations, resources, tolerations, affinity, ...)\n"
            "  --node-template FILE   YAML/JSON merged into every generated node (labels,\n"
            "                         taints, capacity, ...)\n"
            "  --seed N               scheduler seed (default 1)\n"
            "  --metrics              attach `schedlab scheduler`'s /metrics recorder (not\n"
            "                         served): what its timings, and the 10%% of cycles that\n"
            "                         time every plugin call, cost\n"
            "  -o json                print {nodes, pods, scheduled, seconds, pods_per_second,\n"
            "                         latency_ms: {p50, p90, p99}, extenders (if any):\n"
            "                         [{name, calls, mean_ms}]}\n"
            "  -h, --help             this text\n"
            "\n"
            "exit status: 0 ran, 2 usage error or bad input, 1 other failures\n",
            BENCH_ZONES);
}

/* ------------------------------------------------------------------ */
/* Object generation                                                    */
/* ------------------------------------------------------------------ */

/* JSON merge patch (RFC 7386) of `patch` into `target`. */
static void merge_patch(json_t *target, const json_t *patch) {
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)patch, key, value) {
        json_t *existing = json_object_get(target, key);
        if (json_is_null(value)) {
            json_object_del(target, key);
        } else if (json_is_object(value) && json_is_object(existing)) {
            merge_patch(existing, value);
        } else if (json_is_object(value)) {
            json_t *fresh = json_object();
            merge_patch(fresh, value);
            json_object_set_new(target, key, fresh);
        } else {
            json_object_set_new(target, key, json_deep_copy(value));
        }
    }
}

static json_t *object_at(json_t *parent, const char *key) {
    json_t *o = json_object_get(parent, key);
    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(parent, key, o);
    }
    return o;
}

static json_t *generate_node(uint32_t i, const json_t *tmpl) {
    char name[32], zone[32];
    snprintf(name, sizeof name, "node-%" PRIu32, i);
    snprintf(zone, sizeof zone, "zone-%" PRIu32, i % BENCH_ZONES);
    json_t *node = json_pack(
        "{s:s, s:s, s:{s:s, s:{s:s, s:s}}, s:{}, s:{s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}}}",
        "apiVersion", "v1", "kind", "Node",
        "metadata", "name", name, "labels", "kubernetes.io/hostname", name, "topology.kubernetes.io/zone", zone,
        "spec",
        "status", "capacity", "cpu", "4", "memory", "32Gi", "pods", "110",
        "allocatable", "cpu", "4", "memory", "32Gi", "pods", "110");
    if (tmpl) {
        merge_patch(node, tmpl);
        json_t *meta = object_at(node, "metadata");
        json_object_set_new(meta, "name", json_string(name));
        json_object_set_new(object_at(meta, "labels"), "kubernetes.io/hostname", json_string(name));
        json_object_del(meta, "generateName");
    }
    return node;
}

static json_t *generate_pod(uint32_t i, const json_t *tmpl) {
    char name[32];
    snprintf(name, sizeof name, "pod-%" PRIu32, i);
    json_t *pod = json_pack(
        "{s:s, s:s, s:{s:s, s:s}, s:{s:[{s:s, s:s, s:[{s:i}], s:{s:{s:s, s:s}, s:{s:s, s:s}}}]}}",
        "apiVersion", "v1", "kind", "Pod",
        "metadata", "name", name, "namespace", "default",
        "spec", "containers",
        "name", "pause", "image", "registry.k8s.io/pause:3.10", "ports", "containerPort", 80,
        "resources", "requests", "cpu", "100m", "memory", "500Mi", "limits", "cpu", "100m", "memory", "500Mi");
    if (tmpl) {
        merge_patch(pod, tmpl);
        json_t *meta = object_at(pod, "metadata");
        json_object_set_new(meta, "name", json_string(name));
        json_object_del(meta, "generateName");
    }
    return pod;
}

static json_t *load_template(const char *path, const char *expected_kind, char *err, size_t errsize) {
    size_t len = 0;
    char read_err[256];
    char *text = file_read_all(path, &len, read_err, sizeof read_err);
    if (!text) {
        snprintf(err, errsize, "%s", read_err); /* names the file already */
        return NULL;
    }
    json_t *doc = k8s_parse_document(text, len, path, err, errsize);
    free(text);
    if (!doc) return NULL;
    if (!json_is_object(doc)) {
        snprintf(err, errsize, "%s: expected a %s object", path, expected_kind);
        json_decref(doc);
        return NULL;
    }
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    if (kind && strcmp(kind, expected_kind) != 0) {
        snprintf(err, errsize, "%s: kind: Unsupported value: \"%s\": supported values: \"%s\"", path, kind,
                 expected_kind);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* Fills the store; false with a message on bad templates. */
static bool populate(sl_cluster *cluster, uint32_t nnodes, uint32_t npods, const json_t *node_tmpl,
                     const json_t *pod_tmpl, char *err, size_t errsize) {
    for (uint32_t i = 0; i < nnodes; i++) {
        json_t *obj = generate_node(i, node_tmpl);
        k8s_node *node = k8s_node_decode(obj, "node template", err, errsize);
        json_decref(obj);
        if (!node || !sl_cluster_memory_add_node(cluster, node, err, errsize)) return false;
    }
    for (uint32_t i = 0; i < npods; i++) {
        json_t *obj = generate_pod(i, pod_tmpl);
        k8s_pod *pod = k8s_pod_decode(obj, "pod template", err, errsize);
        json_decref(obj);
        if (!pod || !sl_cluster_memory_add_pod(cluster, pod, err, errsize)) return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Measurement                                                          */
/* ------------------------------------------------------------------ */

static int64_t cpu_time_ns(clockid_t clock) {
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0) return 0;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int compare_int64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile in milliseconds. */
static double percentile_ms(const int64_t *sorted, size_t n, double p) {
    if (n == 0) return 0;
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    if (rank < 1) rank = 1;
    return (double)sorted[rank - 1] / 1e6;
}

static bool parse_count(const char *s, uint32_t *out) {
    if (!s || !*s || *s == '-') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > 10000000ull) return false;
    *out = (uint32_t)v;
    return true;
}

static int bench_scheduling(int argc, char **argv) {
    uint32_t nnodes = 5000, npods = 10000;
    uint64_t seed = 1;
    const char *config_path = NULL, *pod_tmpl_path = NULL, *node_tmpl_path = NULL, *output = "text";
    bool want_metrics = false;
    sched_serving *metrics = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        bool bad = false;
        if (!strcmp(a, "--metrics")) {
            want_metrics = true;
            continue;
        }
        if (cmd_option_value(argc, argv, &i, "--nodes", &v)) {
            bad = v && (!parse_count(v, &nnodes) || nnodes == 0);
        } else if (cmd_option_value(argc, argv, &i, "--pods", &v)) {
            bad = v && !parse_count(v, &npods);
        } else if (cmd_option_value(argc, argv, &i, "--seed", &v)) {
            char *end;
            errno = 0;
            if (v) seed = strtoull(v, &end, 0);
            bad = v && (errno || *end || !*v || *v == '-');
        } else if (cmd_option_value(argc, argv, &i, "--config", &v)) {
            config_path = v;
        } else if (cmd_option_value(argc, argv, &i, "--pod-template", &v)) {
            pod_tmpl_path = v;
        } else if (cmd_option_value(argc, argv, &i, "--node-template", &v)) {
            node_tmpl_path = v;
        } else if (cmd_option_value(argc, argv, &i, "-o", &v) || cmd_option_value(argc, argv, &i, "--output", &v)) {
            output = v;
            bad = v && strcmp(v, "json") != 0 && strcmp(v, "text") != 0;
        } else {
            static const char *const flags[] = {"--nodes", "--pods", "--seed", "--config", "--pod-template",
                                                "--node-template", "--output", "-o", "--metrics", "--help"};
            const char *hint = a[0] == '-' ? cmd_suggest(a, flags, ARRAY_LEN(flags)) : NULL;
            fprintf(stderr, "schedlab bench scheduling: unknown argument \"%s\"", a);
            if (hint) fprintf(stderr, "; did you mean %s?", hint);
            fprintf(stderr, " (see --help)\n");
            return EXIT_USAGE;
        }
        if (!v) {
            fprintf(stderr, "schedlab bench scheduling: %s needs a value\n", a);
            return EXIT_USAGE;
        }
        if (bad) {
            fprintf(stderr, "schedlab bench scheduling: %s %s: invalid value\n", a, v);
            return EXIT_USAGE;
        }
    }

    int status = EXIT_USAGE;
    char err[1024] = "";
    sl_config config = {0};
    sl_registry *registry = cmd_registry_new();
    json_t *pod_tmpl = NULL, *node_tmpl = NULL;
    sl_cluster *cluster = NULL;
    sl_scheduler *scheduler = NULL;
    int64_t *sorted = NULL;
    explain_recorder *debug_log = NULL;

    if (config_path) {
        if (!sl_config_load_file(config_path, registry, &config, err, sizeof err)) {
            cmd_hint_unknown_plugin(registry, err, sizeof err);
            goto bad_input;
        }
    } else {
        sl_config_default(registry, &config);
        if (config.nprofiles == 0) {
            fprintf(stderr, "schedlab bench: the default configuration is not usable in this build\n");
            status = 1;
            goto out;
        }
    }
    if (pod_tmpl_path && !(pod_tmpl = load_template(pod_tmpl_path, "Pod", err, sizeof err))) goto bad_input;
    if (node_tmpl_path && !(node_tmpl = load_template(node_tmpl_path, "Node", err, sizeof err))) goto bad_input;

    cluster = sl_cluster_memory_new();
    if (!populate(cluster, nnodes, npods, node_tmpl, pod_tmpl, err, sizeof err)) goto bad_input;

    sl_scheduler_options opts = {.config = &config, .registry = registry, .cluster = cluster, .seed = seed, .virtual_time = true};
    /* SCHEDLAB_LOG=debug: one log line per attempt (and slower runs). */
    if (log_get_level() <= SL_LOG_DEBUG) {
        debug_log = explain_new(nnodes, false, 0, true);
        opts.recorder = explain_hooks(debug_log);
    } else if (want_metrics) {
        metrics = sched_serving_new();
        opts.recorder = sched_serving_recorder(metrics);
    }
    int64_t start = time_now_ns();
    int64_t cpu_start = cpu_time_ns(CLOCK_PROCESS_CPUTIME_ID), thread_start = cpu_time_ns(CLOCK_THREAD_CPUTIME_ID);
    scheduler = sl_scheduler_new(&opts, err, sizeof err);
    if (!scheduler) goto bad_input;
    sl_scheduler_run_until_quiescent(scheduler);
    int64_t elapsed_ns = time_now_ns() - start;
    int64_t cpu_ns = cpu_time_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
    int64_t thread_ns = cpu_time_ns(CLOCK_THREAD_CPUTIME_ID) - thread_start;

    uint32_t scheduled = 0;
    k8s_pod **pods = NULL;
    uint32_t n = sl_cluster_memory_pods(cluster, &pods);
    for (uint32_t i = 0; i < n; i++) {
        sl_pod_result r;
        if (sl_scheduler_pod_result(scheduler, pods[i], &r) && r.state == SL_POD_SCHEDULED) scheduled++;
    }
    const int64_t *latencies = NULL;
    size_t nlatencies = 0;
    sl_scheduler_attempt_latencies(scheduler, &latencies, &nlatencies);
    sorted = xmalloc((nlatencies + 1) * sizeof *sorted);
    if (nlatencies) memcpy(sorted, latencies, nlatencies * sizeof *sorted);
    qsort(sorted, nlatencies, sizeof *sorted, compare_int64);

    sl_extender *const *extenders;
    uint32_t nextenders = sl_scheduler_extenders(scheduler, &extenders);
    double seconds = (double)elapsed_ns / 1e9;
    double rate = seconds > 0 ? (double)scheduled / seconds : 0;
    double p50 = percentile_ms(sorted, nlatencies, 50), p90 = percentile_ms(sorted, nlatencies, 90),
           p99 = percentile_ms(sorted, nlatencies, 99);
    if (!strcmp(output, "json")) {
        printf("{\"nodes\": %" PRIu32 ", \"pods\": %" PRIu32 ", \"scheduled\": %" PRIu32
               ", \"seconds\": %.6f, \"pods_per_second\": %.1f, "
               "\"latency_ms\": {\"p50\": %.6f, \"p90\": %.6f, \"p99\": %.6f}",
               nnodes, npods, scheduled, seconds, rate, p50, p90, p99);
        if (nextenders) {
            printf(", \"extenders\": [");
            for (uint32_t i = 0; i < nextenders; i++) {
                uint64_t calls;
                int64_t total_ns;
                sl_extender_stats(extenders[i], &calls, &total_ns);
                printf("%s{\"name\": \"%s\", \"calls\": %" PRIu64 ", \"mean_ms\": %.6f}", i ? ", " : "",
                       sl_extender_name(extenders[i]), calls, calls ? (double)total_ns / 1e6 / (double)calls : 0.0);
            }
            printf("]");
        }
        printf("}\n");
    } else {
        printf("scheduling benchmark (scheduler_perf SchedulingBasic shape)\n");
        printf("  nodes:             %" PRIu32 "\n", nnodes);
        printf("  pods:              %" PRIu32 "\n", npods);
        printf("  scheduled:         %" PRIu32 "\n", scheduled);
        printf("  seconds:           %.3f\n", seconds);
        printf("  pods_per_second:   %.1f\n", rate);
        int64_t in_attempts = 0;
        for (size_t i = 0; i < nlatencies; i++) in_attempts += sorted[i];
        printf("  attempts:          %zu (%.3f s inside attempts)\n", nlatencies, (double)in_attempts / 1e9);
        printf("  attempt latency:   p50 %.3f ms, p90 %.3f ms, p99 %.3f ms\n", p50, p90, p99);
        if (metrics)
            printf("  metrics:           %" PRIu64 " plugin calls timed (sampled cycles)\n",
                   sched_serving_plugin_calls(metrics));
        for (uint32_t i = 0; i < nextenders; i++) {
            uint64_t calls;
            int64_t total_ns;
            sl_extender_stats(extenders[i], &calls, &total_ns);
            printf("  extender %s: %" PRIu64 " calls, mean %.3f ms\n", sl_extender_name(extenders[i]), calls,
                   calls ? (double)total_ns / 1e6 / (double)calls : 0.0);
        }
        /* CPU time tells a loaded machine from a slow scheduler: wall time
         * well above the scheduling thread's CPU time means it waited for a
         * CPU (other processes, or worker threads outnumbering cores). */
        printf("  cpu seconds:       %.3f all threads, %.3f scheduling thread\n", (double)cpu_ns / 1e9,
               (double)thread_ns / 1e9);
    }
    status = 0;
    goto out;

bad_input:
    fprintf(stderr, "schedlab bench scheduling: %s\n", err);
out:
    free(sorted);
    if (scheduler) sl_scheduler_free(scheduler);
    explain_free(debug_log);
    sched_serving_free(metrics);
    if (cluster) cluster->ops->destroy(cluster);
    sl_config_free(&config);
    sl_registry_free(registry);
    json_decref(pod_tmpl);
    json_decref(node_tmpl);
    return status;
}

int cmd_bench(int argc, char **argv) {
    if (argc < 2 || cmd_is_help(argv[1])) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "scheduling")) return bench_scheduling(argc - 1, argv + 1);
    static const char *const benchmarks[] = {"scheduling"};
    const char *hint = cmd_suggest(argv[1], benchmarks, ARRAY_LEN(benchmarks));
    fprintf(stderr, "schedlab bench: unknown benchmark \"%s\"%s%s%s (expected: scheduling)\n\n", argv[1],
            hint ? "; did you mean " : "", hint ? hint : "", hint ? "?" : "");
    usage(stderr);
    return EXIT_USAGE;
}
