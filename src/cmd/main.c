/*
 * main.c — entry point of the `schedlab` binary: picks the subcommand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cmd/cmd.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"schedule", cmd_schedule, "schedule a cluster file headlessly and print where every pod went"},
    {"bench", cmd_bench, "run a synthetic benchmark (bench scheduling ...)"},
    {"wasm", cmd_wasm, "run a WebAssembly module (wasm run FILE.wasm ...)"},
    {"scheduler", cmd_scheduler, "run as kube-scheduler against an API server (--master URL / --kubeconfig)"},
    {"sim", cmd_sim, "API server + scheduler in one process sharing the store (kubectl-ready)"},
    {"apiserver", cmd_apiserver, "serve the Kubernetes API (kubectl, client libraries) from the object store"},
};

static void usage(FILE *out) {
    fprintf(out,
            "schedlab — a Kubernetes scheduler toolkit: scheduler, plugins, wasm runtime\n\n"
            "usage: schedlab <command> [options]   (schedlab <command> --help for details)\n\n"
            "commands:\n");
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nenvironment: SCHEDLAB_LOG=debug|info|warn|error sets the log level\n");
}

int main(int argc, char **argv) {
    const char *lvl = getenv("SCHEDLAB_LOG");
    if (lvl) {
        if (!strcmp(lvl, "debug")) log_set_level(SL_LOG_DEBUG);
        else if (!strcmp(lvl, "info")) log_set_level(SL_LOG_INFO);
        else if (!strcmp(lvl, "error")) log_set_level(SL_LOG_ERROR);
    }
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < ARRAY_LEN(commands); i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "schedlab: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
