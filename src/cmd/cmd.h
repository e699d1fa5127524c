/*
 * cmd — the subcommands of the one `schedlab` binary. main.c parses nothing
 * but the subcommand name and hands the remaining argv to one of these; each
 * lives in its own cmd_<name>.c, prints its own --help and returns the
 * process exit status (0 ok, 1 runtime failure, 2 usage or bad input).
 */
#ifndef SCHEDLAB_CMD_H
#define SCHEDLAB_CMD_H

int cmd_schedule(int argc, char **argv);  /* cmd_schedule.c: headless scheduler */
int cmd_bench(int argc, char **argv);     /* cmd_bench.c: synthetic benchmarks */
int cmd_wasm(int argc, char **argv);      /* cmd_wasm.c: run wasm modules */
int cmd_apiserver(int argc, char **argv); /* cmd_apiserver.c: the Kubernetes API over the store */
int cmd_sim(int argc, char **argv);       /* cmd_sim.c: API server + scheduler in one process */
int cmd_scheduler(int argc, char **argv); /* cmd_scheduler.c: kube-scheduler against an API server */

/* options.c — option parsing shared by the subcommands. */
#include <stdbool.h>
/* Matches argv[*i] against `name` ("--config"), accepting "--config=V" and
 * "--config V" (then *i advances). true when it matched; *value is NULL
 * when the value is missing. */
bool cmd_option_value(int argc, char **argv, int *i, const char *name, const char **value);
/* -h, --help or help */
bool cmd_is_help(const char *arg);

#endif
