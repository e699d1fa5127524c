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

/* registry.c — the registry of every command that runs the scheduler
 * (schedule, bench scheduling, ...): the in-tree plugins, and wasm plugins
 * through the resolver (pluginConfig args with guestURL). Free it with
 * sl_registry_free. */
struct sl_registry;
struct sl_registry *cmd_registry_new(void);

/* options.c — option parsing shared by the subcommands. */
#include <stdbool.h>
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

#endif
