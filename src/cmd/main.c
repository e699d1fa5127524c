/*
 * main.c — entry point of the `schedlab` binary: reads SCHEDLAB_LOG, picks
 * the subcommand, answers --help and --version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cmd/cmd.h"

/* The release this tree is; a build may pass -DSCHEDLAB_GIT_COMMIT="abc123". */
#define SCHEDLAB_VERSION "0.1.0"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"schedule", cmd_schedule, "schedule a cluster file headlessly and print where every pod went"},
    {"bench", cmd_bench, "run a synthetic benchmark (bench scheduling ...)"},
    {"wasm", cmd_wasm, "run or inspect a WebAssembly module (wasm run | wasm inspect)"},
    {"scheduler", cmd_scheduler, "run as kube-scheduler against an API server (--master URL / --kubeconfig)"},
    {"sim", cmd_sim, "API server + scheduler in one process sharing the store (kubectl-ready)"},
    {"apiserver", cmd_apiserver, "serve the Kubernetes API (kubectl, client libraries) from the object store"},
    {"plugins", cmd_plugins, "list the registered plugins, their extension points and default args"},
};

static void usage(FILE *out) {
    fprintf(out,
            "schedlab — a Kubernetes scheduler toolkit: scheduler, plugins, wasm runtime\n\n"
            "usage: schedlab <command> [options]   (schedlab <command> --help for details)\n"
            "       schedlab --version | --help\n\n"
            "commands:\n");
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "  schedlab schedule --cluster FILE [--config FILE] [--seed N] [--lenient]\n"
            "                    [-o table|json] [--explain] [--explain-pod NS/NAME]...\n"
            "                    [--explain-top K]\n"
            "  schedlab bench scheduling [--nodes N] [--pods M] [--seed N] [--config FILE]\n"
            "                    [--pod-template FILE] [--node-template FILE] [--metrics]\n"
            "                    [-o text|json]\n"
            "  schedlab wasm run [--invoke NAME] [--env KEY=VALUE]... [--stdin FILE]\n"
            "                    [--dir HOST[::GUEST]]... [--max-memory-pages N]\n"
            "                    [--timeout-ms N] FILE.wasm|FILE.wat [ARGS...]\n"
            "  schedlab wasm inspect FILE.wasm\n"
            "  schedlab apiserver [--listen ADDR:PORT] [--data-dir DIR] [--write-kubeconfig FILE]\n"
            "                    [--tls-cert FILE --tls-key FILE | --tls-self-signed]\n"
            "                    [--token-file FILE] [--watch-history N] [--max-body-bytes N]\n"
            "                    [--watch-bookmark-seconds N]\n"
            "  schedlab scheduler [--config FILE] [--kubeconfig FILE | --master URL]\n"
            "                    [--leader-elect[=BOOL] ...] [--secure-port N] [--bind-address A]\n"
            "                    [--kube-api-qps N] [--kube-api-burst N] [-v N]\n"
            "  schedlab sim [--listen ADDR:PORT] [--config FILE] [--data-dir DIR]\n"
            "                    [--cluster FILE]... [--write-kubeconfig FILE]\n"
            "  schedlab plugins [-o table|json]\n"
            "\n"
            "-o takes its value as -o json, -ojson, -o=json or --output=json.\n"
            "\n"
            "environment:\n"
            "  SCHEDLAB_LOG=debug|info|warn|error|off   log level (default info); debug logs\n"
            "                                           every scheduling attempt's decisions\n"
            "  DISABLE_HTTP2=1                          scheduler: HTTP/1.1 only to an https API\n"
            "                                           server (as client-go); default h2 by ALPN\n");
}

static void version(void) {
#ifdef SCHEDLAB_GIT_COMMIT
    printf("schedlab %s (commit %s)\n", SCHEDLAB_VERSION, SCHEDLAB_GIT_COMMIT);
#else
    printf("schedlab %s\n", SCHEDLAB_VERSION);
#endif
    printf("kube-scheduler behaviour: v1.33; config: kubescheduler.config.k8s.io/v1; wasm: WASI preview1\n");
}

/* SCHEDLAB_LOG: false (and a message) for a value that is not a level. */
static bool set_log_level(const char *value) {
    static const struct {
        const char *name;
        log_level level;
    } levels[] = {{"debug", SL_LOG_DEBUG}, {"info", SL_LOG_INFO}, {"warn", SL_LOG_WARN},
                  {"warning", SL_LOG_WARN}, {"error", SL_LOG_ERROR}, {"off", SL_LOG_OFF}};
    for (size_t i = 0; i < ARRAY_LEN(levels); i++)
        if (!strcasecmp(value, levels[i].name)) {
            log_set_level(levels[i].level);
            return true;
        }
    const char *names[] = {"debug", "info", "warn", "error", "off"};
    const char *hint = cmd_suggest(value, names, ARRAY_LEN(names));
    fprintf(stderr, "schedlab: SCHEDLAB_LOG=%s: not a log level (expected debug, info, warn, error or off)", value);
    if (hint) fprintf(stderr, "; did you mean %s?", hint);
    fputc('\n', stderr);
    return false;
}

int main(int argc, char **argv) {
    const char *lvl = getenv("SCHEDLAB_LOG");
    if (lvl && *lvl && !set_log_level(lvl)) return 2;
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        version();
        return 0;
    }
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    const char *names[ARRAY_LEN(commands) + 2];
    for (size_t i = 0; i < ARRAY_LEN(commands); i++) names[i] = commands[i].name;
    names[ARRAY_LEN(commands)] = "--version";
    names[ARRAY_LEN(commands) + 1] = "--help";
    const char *hint = cmd_suggest(argv[1], names, ARRAY_LEN(names));
    fprintf(stderr, "schedlab: unknown command \"%s\"", argv[1]);
    if (hint) fprintf(stderr, "; did you mean %s?", hint);
    fprintf(stderr, "\n\n");
    usage(stderr);
    return 2;
}
