/*
 * pb_encode.c — writes src/wasmplugin's protobuf encoding of a Pod or Node
 * given as JSON, for tests/cli/wasmplugin_protobuf.sh:
 *
 *   build/release/tools/pb_encode pod|node FILE.json > out.bin
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "wasmplugin/wasmplugin.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: pb_encode pod|node FILE.json\n");
        return 2;
    }
    json_error_t e;
    json_t *v = json_load_file(argv[2], 0, &e);
    if (!v) {
        fprintf(stderr, "pb_encode: %s: %s\n", argv[2], e.text);
        return 2;
    }
    sl_pb_buf b = {0};
    if (strcmp(argv[1], "pod") == 0)
        sl_pb_encode_pod(&b, v);
    else
        sl_pb_encode_node(&b, v);
    fwrite(b.data, 1, b.len, stdout);
    free(b.data);
    json_decref(v);
    return 0;
}
