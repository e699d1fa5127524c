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
int cmd_plugins(int argc, char **argv);   /* cmd_plugins.c: list registered plugins */
#include <stddef.h>
/* cmd_plugins.c: appends "; did you mean \"X\"?" to a config error that
 * names an unknown plugin close to one of the registry's. */
struct sl_registry;
void cmd_hint_unknown_plugin(const struct sl_registry *registry, char *err, size_t errsize);
int cmd_sim(int argc, char **argv);       /* cmd_sim.c: API server + scheduler in one process */
int cmd_scheduler(int argc, char **argv); /* cmd_scheduler.c: kube-scheduler against an API server */

/* registry.c — the registry of every command that runs the scheduler
 * (schedule, bench scheduling, ...): the in-tree plugins, and wasm plugins
 * through the resolver (pluginConfig args with guestURL). Free it with
 * sl_registry_free. */
struct sl_registry;
struct sl_registry *cmd_registry_new(void);

/* options.c — option parsing shared by the subcommands. */
#include <stdbool.h>
#include <stdint.h>
/* Matches argv[*i] against `name` ("--config"), accepting "--config=V" and
 * "--config V" (then *i advances). true when it matched; *value is NULL
 * when the value is missing. */
bool cmd_option_value(int argc, char **argv, int *i, const char *name, const char **value);
/* -h, --help or help */
bool cmd_is_help(const char *arg);
#include <stddef.h>
/* The candidate nearest to `word` (a misspelt command, flag or name), or
 * NULL when none is close enough to be what was meant. */
const char *cmd_suggest(const char *word, const char *const *candidates, size_t n);

/* cmd_apiserver.c: a self-signed ECDSA certificate and key (PEM, malloc'd)
 * for 127.0.0.1, ::1, localhost and host. */
#include <stddef.h>
bool cmd_self_signed(const char *host, char **cert_pem, char **key_pem, char *err, size_t errsize);

/* cmd_scheduler_serve.c: kube-scheduler's serving endpoints (/healthz,
 * /livez, /readyz, /metrics) for `schedlab scheduler`. */
struct sl_scheduler;
struct sl_recorder;
typedef struct sched_serving sched_serving;
sched_serving *sched_serving_new(void);
/* The recorder that feeds the metrics (pass it to sl_scheduler_new). */
const struct sl_recorder *sched_serving_recorder(sched_serving *sv);
/* Marks ready (informers synced) and names the scheduler whose queue the
 * pending-pods gauge reads (from the scheduler thread only). */
void sched_serving_set_ready(sched_serving *sv, struct sl_scheduler *s);
/* HTTPS on addr:port (cert/key files, or a self-signed pair when NULL). */
bool sched_serving_start(sched_serving *sv, const char *addr, int port, const char *cert_file,
                         const char *key_file, char *err, size_t errsize);
void sched_serving_free(sched_serving *sv);
/* Plugin calls recorded so far in scheduler_plugin_execution_duration_seconds
 * (the sum of its _count series). */
uint64_t sched_serving_plugin_calls(sched_serving *sv);

#endif
