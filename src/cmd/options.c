/*
 * options.c — the small option-parsing helpers every subcommand shares
 * (GNU-style "--name VALUE" and "--name=VALUE").
 */
#include <string.h>

#include "cmd/cmd.h"

bool cmd_option_value(int argc, char **argv, int *i, const char *name, const char **value) {
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return false;
    if (argv[*i][n] == '=') {
        *value = argv[*i] + n + 1;
        return true;
    }
    if (argv[*i][n] != 0) return false;
    *value = *i + 1 < argc ? argv[++*i] : NULL;
    return true;
}

bool cmd_is_help(const char *arg) {
    return !strcmp(arg, "-h") || !strcmp(arg, "--help") || !strcmp(arg, "help");
}
