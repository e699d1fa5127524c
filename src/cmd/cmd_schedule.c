/* cmd_schedule.c — placeholder until the owning issue lands. */
#include <stdio.h>
#include "cmd/cmd.h"
int cmd_schedule(int argc, char **argv) {
    (void)argc; (void)argv;
    fprintf(stderr, "schedlab schedule: not built yet\n");
    return 1;
}
