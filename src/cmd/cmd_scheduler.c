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
#include "plugins/registry.h"
#include "scheduler/scheduler.h"

static volatile int stop_requested;

static void on_signal(int sig) {
    UNUSED(sig);
    stop_requested = 1;
}

static void usage(FILE *out) {
    fputs("usage: schedlab scheduler [--config FILE] [--kubeconfig FILE | --master URL]\n"
          "                          [--kube-api-qps N] [--kube-api-burst N] [-v N]\n\n"
          "Runs the scheduler against a Kubernetes API server (schedlab apiserver or a real\n"
          "cluster) as kube-scheduler does: lists and watches nodes, pods and namespaces,\n"
          "binds pods through pods/binding, writes the PodScheduled condition and\n"
          "nominatedNodeName through pods/status, deletes preemption victims and records\n"
          "events (events.k8s.io/v1, falling back to core/v1), until SIGINT/SIGTERM.\n\n"
          "  --config FILE        KubeSchedulerConfiguration (profiles, plugins, args)\n"
          "  --kubeconfig FILE    server and credentials (current context); default\n"
          "                       $KUBECONFIG, then ~/.kube/config\n"
          "  --master URL         the API server URL (overrides the kubeconfig's server)\n"
          "  --kube-api-qps N     client-side request rate (default 50)\n"
          "  --kube-api-burst N   client-side burst (default 100)\n"
          "  -v N, --v N          log verbosity (>= 4: debug)\n"
          "  --leader-elect=false, --secure-port 0, --bind-address ADDR are accepted;\n"
          "  leader election and the serving endpoints are not implemented yet.\n",
          out);
}

static const char *const unsupported_flags[] = {
    "--leader-elect-lease-duration", "--leader-elect-renew-deadline", "--leader-elect-retry-period",
    "--leader-elect-resource-namespace", "--leader-elect-resource-name", "--leader-elect-resource-lock",
    "--authentication-kubeconfig", "--authorization-kubeconfig", "--tls-cert-file", "--tls-private-key-file",
    "--feature-gates", "--profiling", "--contention-profiling", "--write-config-to", "--pod-max-in-unschedulable-pods-duration",
};

int cmd_scheduler(int argc, char **argv) {
    const char *config_path = NULL, *kubeconfig = NULL, *master = NULL, *value = NULL;
    double qps = 50;
    int burst = 100;
    for (int i = 1; i < argc; i++) {
        if (cmd_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
        const char *names[] = {"--config", "--kubeconfig", "--master", "--kube-api-qps", "--kube-api-burst",
                               "-v", "--v", "--secure-port", "--bind-address", "--leader-elect"};
        int which = -1;
        for (int n = 0; n < (int)ARRAY_LEN(names) && which < 0; n++) {
            if (n == 9) {
                /* --leader-elect is a boolean flag */
                if (!strcmp(argv[i], "--leader-elect") || !strncmp(argv[i], "--leader-elect=", 15)) {
                    const char *v = argv[i][14] == '=' ? argv[i] + 15 : "true";
                    if (strcmp(v, "false") != 0) {
                        fprintf(stderr, "schedlab scheduler: --leader-elect is not implemented yet; "
                                        "run one replica with --leader-elect=false\n");
                        return 2;
                    }
                    which = n;
                    value = v;
                }
                continue;
            }
            if (cmd_option_value(argc, argv, &i, names[n], &value)) which = n;
        }
        if (which < 0) {
            for (size_t u = 0; u < ARRAY_LEN(unsupported_flags); u++) {
                size_t l = strlen(unsupported_flags[u]);
                if (!strncmp(argv[i], unsupported_flags[u], l) && (argv[i][l] == 0 || argv[i][l] == '=')) {
                    fprintf(stderr, "schedlab scheduler: kube-scheduler flag %s is not supported by schedlab\n",
                            unsupported_flags[u]);
                    return 2;
                }
            }
            fprintf(stderr, "schedlab scheduler: unknown flag \"%s\"\n\n", argv[i]);
            usage(stderr);
            return 2;
        }
        if (!value) {
            fprintf(stderr, "schedlab scheduler: %s needs a value\n", names[which]);
            return 2;
        }
        switch (which) {
        case 0: config_path = value; break;
        case 1: kubeconfig = value; break;
        case 2: master = value; break;
        case 3: qps = atof(value); break;
        case 4: burst = atoi(value); break;
        case 5:
        case 6:
            if (atoi(value) >= 4) log_set_level(SL_LOG_DEBUG);
            else if (atoi(value) >= 2) log_set_level(SL_LOG_INFO);
            break;
        case 7:
            if (strcmp(value, "0") != 0)
                log_warn("--secure-port %s: serving /healthz and /metrics is not implemented yet; not serving", value);
            break;
        default: break;
        }
    }

    char err[1024] = "";
    int status = 1;
    sl_config config = {0};
    sl_registry *registry = sl_registry_new_default();
    sl_kube_client *client = NULL;
    sl_clock *clock = NULL;
    sl_cluster *cluster = NULL;
    sl_scheduler *scheduler = NULL;
    if (config_path) {
        if (!sl_config_load_file(config_path, registry, &config, err, sizeof err)) {
            fprintf(stderr, "schedlab scheduler: %s\n", err);
            status = 2;
            goto out;
        }
    } else {
        sl_config_default(registry, &config);
    }
    sl_kube_client_options co = {.master = master, .kubeconfig = kubeconfig, .qps = qps, .burst = burst};
    client = sl_kube_client_new(&co, err, sizeof err);
    if (!client) {
        fprintf(stderr, "schedlab scheduler: %s\n", err);
        status = 2;
        goto out;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    char instance[320];
    snprintf(instance, sizeof instance, "%s_%d", host, (int)getpid());
    clock = sl_clock_real_new();
    cluster = sl_cluster_remote_new(client, clock, instance);
    sl_scheduler_options opts = {
        .config = &config,
        .registry = registry,
        .cluster = cluster,
        .seed = (uint64_t)time(NULL),
        .virtual_time = false,
    };
    scheduler = sl_scheduler_new(&opts, err, sizeof err); /* lists and replays */
    if (!scheduler) {
        fprintf(stderr, "schedlab scheduler: %s\n", err);
        goto out;
    }
    fprintf(stderr, "schedlab scheduler: scheduling against %s\n", sl_kube_client_server(client));
    sl_scheduler_run(scheduler, clock, &stop_requested);
    fprintf(stderr, "schedlab scheduler: stopping\n");
    status = 0;
out:
    if (cluster) sl_cluster_remote_stop(cluster);
    if (scheduler) sl_scheduler_free(scheduler);
    if (cluster) cluster->ops->destroy(cluster);
    if (clock) sl_clock_free(clock);
    sl_kube_client_free(client);
    sl_config_free(&config);
    sl_registry_free(registry);
    return status;
}
