/*
 * cmd_scheduler.c — `schedlab scheduler`: the scheduler as a drop-in
 * kube-scheduler against a Kubernetes API server (ours or a real one):
 * kube-scheduler's flags, informers and writes through src/client
 * (cluster_remote.c), the real-time loop (sl_scheduler_run on a real
 * clock) until SIGTERM/SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "client/client.h"
#include "cmd/cmd.h"
#include "k8s/k8s.h"
#include "plugins/registry.h"
#include "scheduler/scheduler.h"

static volatile int stop_requested;
/* The client while the command still waits for the server (leader
 * election's acquire, the informers' first LISTs): a signal aborts its
 * requests so the wait ends at once. NULL once scheduling runs (SIGTERM
 * then finishes the binds in flight through it). */
static sl_kube_client *volatile startup_client;

static void on_signal(int sig) {
    UNUSED(sig);
    stop_requested = 1;
    sl_kube_client *c = startup_client;
    if (c) sl_kube_client_abort(c); /* atomic stores only */
}

static void usage(FILE *out) {
    fputs("usage: schedlab scheduler [--config FILE] [--kubeconfig FILE | --master URL]\n"
          "                          [--leader-elect[=BOOL] ...] [--secure-port N] [--bind-address A]\n"
          "                          [--kube-api-qps N] [--kube-api-burst N] [-v N]\n\n"
          "Runs the scheduler against a Kubernetes API server (schedlab apiserver or a real\n"
          "cluster) as kube-scheduler does: lists and watches nodes, pods and namespaces,\n"
          "binds pods through pods/binding, writes the PodScheduled condition and\n"
          "nominatedNodeName through pods/status, deletes preemption victims and records\n"
          "events (events.k8s.io/v1, falling back to core/v1), until SIGINT/SIGTERM (exit 0;\n"
          "binds in flight finish; a signal also ends the wait for an unreachable API\n"
          "server or for the leader lease at once).\n\n"
          "  --config FILE        KubeSchedulerConfiguration (profiles, plugins, args)\n"
          "  --kubeconfig FILE    server and credentials (current context); default\n"
          "                       $KUBECONFIG, then ~/.kube/config\n"
          "  --master URL         the API server URL (overrides the kubeconfig's server)\n"
          "                       (https: HTTP/2 by ALPN when offered, every request and\n"
          "                       watch multiplexed on one connection; DISABLE_HTTP2=1 in\n"
          "                       the environment keeps HTTP/1.1, as client-go)\n"
          "  --kube-api-qps N     client-side request rate (default 50)\n"
          "  --kube-api-burst N   client-side burst (default 100)\n"
          "  -v N, --v N          log verbosity (>= 4: debug)\n"
          "  --leader-elect[=BOOL] leader election with a coordination.k8s.io/v1 Lease (default\n"
          "                       true, as kube-scheduler); a follower waits, a leader that\n"
          "                       loses the lease exits 1; SIGTERM releases it\n"
          "  --leader-elect-lease-duration 15s, --leader-elect-renew-deadline 10s,\n"
          "  --leader-elect-retry-period 2s, --leader-elect-resource-namespace kube-system,\n"
          "  --leader-elect-resource-name kube-scheduler (also leaderElection and\n"
          "  clientConnection in the config file; flags win)\n"
          "  --secure-port N       HTTPS port for /healthz /readyz /livez /metrics (default\n"
          "                       10259; 0 disables serving)\n"
          "  --bind-address ADDR   IPv4 address to serve on (default 0.0.0.0)\n"
          "  --tls-cert-file F --tls-private-key-file F  serving certificate (default: a\n"
          "                       generated self-signed one)\n",
          out);
}

static const char *const unsupported_flags[] = {
    "--leader-elect-resource-lock", "--authentication-kubeconfig", "--authorization-kubeconfig",
    "--feature-gates", "--profiling", "--contention-profiling",
    "--write-config-to", "--pod-max-in-unschedulable-pods-duration", "--lock-object-name", "--lock-object-namespace",
};

/* Go durations as the flags take them: "15s", "1m30s", "500ms", "2h". */
static bool parse_duration(const char *s, double *out) {
    double total = 0;
    if (!*s) return false;
    while (*s) {
        char *end;
        double v = strtod(s, &end);
        if (end == s) return false;
        s = end;
        double unit;
        if (!strncmp(s, "ms", 2)) unit = 1e-3, s += 2;
        else if (*s == 's') unit = 1, s++;
        else if (*s == 'm') unit = 60, s++;
        else if (*s == 'h') unit = 3600, s++;
        else return false;
        total += v * unit;
    }
    *out = total;
    return true;
}

static void leader_lost(void *user) {
    UNUSED(user);
    fprintf(stderr, "schedlab scheduler: leaderelection lost\n");
    fflush(stderr);
    _exit(1);
}

static void make_identity(char *buf, size_t size) {
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    unsigned char r[16] = {0};
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(r, 1, sizeof r, f) != sizeof r) {
        srand((unsigned)(time(NULL) ^ getpid()));
        for (int i = 0; i < 16; i++) r[i] = (unsigned char)rand();
    }
    if (f) fclose(f);
    r[6] = (r[6] & 0x0f) | 0x40;
    r[8] = (r[8] & 0x3f) | 0x80;
    snprintf(buf, size, "%s_%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", host, r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

typedef struct settings {
    const char *config_path, *kubeconfig, *master;
    double qps;
    int burst;
    bool leader_elect;
    double lease_s, renew_s, retry_s;
    const char *lease_ns, *lease_name;
    int secure_port;
    const char *bind_address, *tls_cert, *tls_key;
} settings;

/* leaderElection and clientConnection of the KubeSchedulerConfiguration
 * (already validated by sl_config_load_file). */
static void read_config_sections(const char *path, settings *st, json_t **keep) {
    size_t len;
    char err[512];
    char *text = file_read_all(path, &len, err, sizeof err);
    if (!text) return;
    json_t *doc = k8s_parse_document(text, len, path, err, sizeof err);
    free(text);
    if (!doc) return;
    *keep = doc;
    json_t *le = json_object_get(doc, "leaderElection");
    if (json_is_boolean(json_object_get(le, "leaderElect"))) st->leader_elect = json_is_true(json_object_get(le, "leaderElect"));
    const char *v;
    if ((v = json_string_value(json_object_get(le, "leaseDuration")))) parse_duration(v, &st->lease_s);
    if ((v = json_string_value(json_object_get(le, "renewDeadline")))) parse_duration(v, &st->renew_s);
    if ((v = json_string_value(json_object_get(le, "retryPeriod")))) parse_duration(v, &st->retry_s);
    if ((v = json_string_value(json_object_get(le, "resourceNamespace")))) st->lease_ns = v;
    if ((v = json_string_value(json_object_get(le, "resourceName")))) st->lease_name = v;
    json_t *cc = json_object_get(doc, "clientConnection");
    if (json_is_number(json_object_get(cc, "qps"))) st->qps = json_number_value(json_object_get(cc, "qps"));
    if (json_is_integer(json_object_get(cc, "burst"))) st->burst = (int)json_integer_value(json_object_get(cc, "burst"));
    if ((v = json_string_value(json_object_get(cc, "kubeconfig"))) && *v) st->kubeconfig = v;
}

int cmd_scheduler(int argc, char **argv) {
    settings st = {.qps = 50, .burst = 100, .leader_elect = true, .lease_s = 15, .renew_s = 10, .retry_s = 2,
                   .lease_ns = "kube-system", .lease_name = "kube-scheduler",
                   .secure_port = 10259, .bind_address = "0.0.0.0"};
    /* flags override the config file: two passes, config first */
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (cmd_option_value(argc, argv, &i, "--config", &v) && v) st.config_path = v;
    }
    json_t *config_doc = NULL;
    if (st.config_path) read_config_sections(st.config_path, &st, &config_doc);
    static const char *const names[] = {"--config", "--kubeconfig", "--master", "--kube-api-qps", "--kube-api-burst",
                                        "-v", "--v", "--secure-port", "--bind-address",
                                        "--leader-elect-lease-duration", "--leader-elect-renew-deadline",
                                        "--leader-elect-retry-period", "--leader-elect-resource-namespace",
                                        "--leader-elect-resource-name", "--tls-cert-file", "--tls-private-key-file"};
    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        if (cmd_is_help(argv[i])) {
            usage(stdout);
            json_decref(config_doc);
            return 0;
        }
        if (!strcmp(argv[i], "--leader-elect") || !strncmp(argv[i], "--leader-elect=", 15)) {
            const char *v = argv[i][14] == '=' ? argv[i] + 15 : "true";
            if (strcmp(v, "true") && strcmp(v, "false")) {
                fprintf(stderr, "schedlab scheduler: --leader-elect=%s: want true or false\n", v);
                json_decref(config_doc);
                return 2;
            }
            st.leader_elect = !strcmp(v, "true");
            continue;
        }
        int which = -1;
        for (int n = 0; n < (int)ARRAY_LEN(names) && which < 0; n++)
            if (cmd_option_value(argc, argv, &i, names[n], &value)) which = n;
        if (which < 0) {
            for (size_t u = 0; u < ARRAY_LEN(unsupported_flags); u++) {
                size_t l = strlen(unsupported_flags[u]);
                if (!strncmp(argv[i], unsupported_flags[u], l) && (argv[i][l] == 0 || argv[i][l] == '=')) {
                    fprintf(stderr, "schedlab scheduler: kube-scheduler flag %s is not supported by schedlab\n",
                            unsupported_flags[u]);
                    json_decref(config_doc);
                    return 2;
                }
            }
            const char *hint = cmd_suggest(argv[i], names, ARRAY_LEN(names));
            if (!hint && !strncmp(argv[i], "--leader", 8)) hint = "--leader-elect";
            fprintf(stderr, "schedlab scheduler: unknown flag \"%s\"", argv[i]);
            if (hint) fprintf(stderr, "; did you mean %s?", hint);
            fprintf(stderr, "\n\n");
            usage(stderr);
            json_decref(config_doc);
            return 2;
        }
        if (!value) {
            fprintf(stderr, "schedlab scheduler: %s needs a value\n", names[which]);
            json_decref(config_doc);
            return 2;
        }
        bool bad = false;
        switch (which) {
        case 0: break;
        case 1: st.kubeconfig = value; break;
        case 2: st.master = value; break;
        case 3: st.qps = atof(value); bad = st.qps <= 0; break;
        case 4: st.burst = atoi(value); bad = st.burst <= 0; break;
        case 5:
        case 6:
            if (atoi(value) >= 4) log_set_level(SL_LOG_DEBUG);
            else if (atoi(value) >= 2) log_set_level(SL_LOG_INFO);
            break;
        case 7: {
            char *end;
            long port = strtol(value, &end, 10);
            bad = *end || port < 0 || port > 65535;
            st.secure_port = (int)port;
            break;
        }
        case 8: st.bind_address = value; break;
        case 9: bad = !parse_duration(value, &st.lease_s); break;
        case 10: bad = !parse_duration(value, &st.renew_s); break;
        case 11: bad = !parse_duration(value, &st.retry_s); break;
        case 12: st.lease_ns = value; break;
        case 13: st.lease_name = value; break;
        case 14: st.tls_cert = value; break;
        case 15: st.tls_key = value; break;
        }
        if (bad) {
            fprintf(stderr, "schedlab scheduler: %s %s: invalid value\n", names[which], value);
            json_decref(config_doc);
            return 2;
        }
    }
    if (!st.tls_cert != !st.tls_key) {
        fprintf(stderr, "schedlab scheduler: --tls-cert-file and --tls-private-key-file go together\n");
        json_decref(config_doc);
        return 2;
    }
    if (st.leader_elect && !(st.lease_s > st.renew_s && st.renew_s > st.retry_s * 1.2)) {
        fprintf(stderr, "schedlab scheduler: leader election needs leaseDuration > renewDeadline > 1.2 x retryPeriod\n");
        json_decref(config_doc);
        return 2;
    }
    const char *config_path = st.config_path;

    char err[1024] = "";
    int status = 1;
    sl_config config = {0};
    sl_registry *registry = cmd_registry_new();
    sl_kube_client *client = NULL;
    sl_clock *clock = NULL;
    sl_cluster *cluster = NULL;
    sl_scheduler *scheduler = NULL;
    sl_leader *leader = NULL;
    sched_serving *serving = NULL;
    if (config_path) {
        if (!sl_config_load_file(config_path, registry, &config, err, sizeof err)) {
            fprintf(stderr, "schedlab scheduler: %s\n", err);
            status = 2;
            goto out;
        }
    } else {
        sl_config_default(registry, &config);
    }
    sl_kube_client_options co = {.master = st.master, .kubeconfig = st.kubeconfig, .qps = st.qps, .burst = st.burst};
    client = sl_kube_client_new(&co, err, sizeof err);
    if (!client) {
        fprintf(stderr, "schedlab scheduler: %s\n", err);
        status = 2;
        goto out;
    }
    startup_client = client;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    serving = sched_serving_new();
    if (st.secure_port > 0) {
        if (!sched_serving_start(serving, st.bind_address, st.secure_port, st.tls_cert, st.tls_key, err, sizeof err)) {
            fprintf(stderr, "schedlab scheduler: --secure-port: %s\n", err);
            goto out;
        }
        fprintf(stderr, "schedlab scheduler: serving /healthz /readyz /livez /metrics on https://%s:%d\n",
                st.bind_address, st.secure_port);
    }
    char instance[320];
    make_identity(instance, sizeof instance);
    if (st.leader_elect) {
        sl_leader_options lo = {.namespace_ = st.lease_ns, .name = st.lease_name, .identity = instance,
                                .lease_duration_s = st.lease_s, .renew_deadline_s = st.renew_s,
                                .retry_period_s = st.retry_s, .on_lost = leader_lost};
        leader = sl_leader_new(client, &lo);
        if (!sl_leader_acquire(leader, &stop_requested)) {
            fprintf(stderr, "schedlab scheduler: stopped while waiting for the leader lease\n");
            status = 0; /* stopped while waiting */
            goto out;
        }
        fprintf(stderr, "schedlab scheduler: leading as %s\n", instance);
    }
    clock = sl_clock_real_new();
    cluster = sl_cluster_remote_new(client, clock, instance);
    sl_scheduler_options opts = {
        .config = &config,
        .registry = registry,
        .cluster = cluster,
        .seed = (uint64_t)time(NULL),
        .virtual_time = false,
        .recorder = sched_serving_recorder(serving),
    };
    scheduler = sl_scheduler_new(&opts, err, sizeof err); /* lists and replays */
    if (!scheduler) {
        fprintf(stderr, "schedlab scheduler: %s\n", err);
        goto out;
    }
    startup_client = NULL;
    if (stop_requested) { /* SIGTERM/SIGINT while waiting for the server */
        fprintf(stderr, "schedlab scheduler: stopped before the informers synced\n");
        status = 0;
        goto out;
    }
    sched_serving_set_ready(serving, scheduler);
    fprintf(stderr, "schedlab scheduler: scheduling against %s\n", sl_kube_client_server(client));
    sl_scheduler_run(scheduler, clock, &stop_requested);
    fprintf(stderr, "schedlab scheduler: stopping\n");
    /* in-flight binds finish and end their binding cycles (Scheduled events) */
    sl_cluster_remote_finish_binds(cluster);
    cluster->ops->dispatch(cluster);
    status = 0;
out:
    startup_client = NULL;
    if (cluster) sl_cluster_remote_stop(cluster);
    if (scheduler) sl_scheduler_free(scheduler);
    if (cluster) cluster->ops->destroy(cluster);
    sched_serving_free(serving);
    sl_leader_free(leader, true);
    if (clock) sl_clock_free(clock);
    json_decref(config_doc);
    sl_kube_client_free(client);
    sl_config_free(&config);
    sl_registry_free(registry);
    return status;
}
