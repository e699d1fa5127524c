/* cmd_bench.c — placeholder until the owning issue lands. */
#include <stdio.h>
#include "cmd/cmd.h"
int cmd_bench(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "schedlab bench: not built yet\n");
    return 1;
}
