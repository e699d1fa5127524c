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

#endif
