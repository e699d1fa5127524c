/*
 * options.c — the small option-parsing helpers every subcommand shares
 * (GNU-style "--name VALUE" and "--name=VALUE", kubectl-style "-oVALUE" and
 * "-o=VALUE" for one-letter options) and the did-you-mean suggestion for
 * unknown commands, flags and names.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

bool cmd_option_value(int argc, char **argv, int *i, const char *name, const char **value) {
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return false;
    if (argv[*i][n] == '=') {
        *value = argv[*i] + n + 1;
        return true;
    }
    if (argv[*i][n] != 0) {
        /* "-ojson": a one-letter option with its value attached. */
        if (n == 2 && name[0] == '-' && name[1] != '-') {
            *value = argv[*i] + n;
            return true;
        }
        return false;
    }
    *value = *i + 1 < argc ? argv[++*i] : NULL;
    return true;
}

bool cmd_is_help(const char *arg) {
    return !strcmp(arg, "-h") || !strcmp(arg, "--help") || !strcmp(arg, "help");
}

/* Optimal string alignment distance (Levenshtein plus transpositions),
 * case-insensitive. */
static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    size_t *prev2 = calloc(lb + 1, sizeof *prev2), *prev = calloc(lb + 1, sizeof *prev),
           *cur = calloc(lb + 1, sizeof *cur);
    if (!prev2 || !prev || !cur) {
        free(prev2);
        free(prev);
        free(cur);
        return (size_t)-1;
    }
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            char ca = a[i - 1], cb = b[j - 1];
            if (ca >= 'A' && ca <= 'Z') ca = (char)(ca - 'A' + 'a');
            if (cb >= 'A' && cb <= 'Z') cb = (char)(cb - 'A' + 'a');
            size_t cost = ca == cb ? 0 : 1;
            size_t best = prev[j] + 1;
            if (cur[j - 1] + 1 < best) best = cur[j - 1] + 1;
            if (prev[j - 1] + cost < best) best = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[lb];
    free(prev2);
    free(prev);
    free(cur);
    return d;
}

const char *cmd_suggest(const char *word, const char *const *candidates, size_t n) {
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    /* A word before its '=' value is what was misspelled ("--confg=x"). */
    char *key = strdup(word);
    if (!key) return NULL;
    char *eq = strchr(key, '=');
    if (eq && key[0] == '-') *eq = 0;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(key, candidates[i]);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    size_t len = strlen(key);
    free(key);
    /* Close enough: at most a third of the word, at least 1, at most 3. */
    size_t limit = len / 3;
    if (limit < 1) limit = 1;
    if (limit > 3) limit = 3;
    return best && best_d > 0 && best_d <= limit ? best : NULL;
}
