/* cmd_wasm.c — placeholder until the owning issue lands. */
#include <stdio.h>
#include "cmd/cmd.h"
int cmd_wasm(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "schedlab wasm: not built yet\n");
    return 1;
}
