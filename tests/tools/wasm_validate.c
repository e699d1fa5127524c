/*
 * sl_wasm_validate — loads each WebAssembly binary named on the command line
 * with sl_wasm_module_load (decode, validate, compile) and prints one line per
 * file: "FILE: OK" or "FILE: <error>". Exit status 0 if every file loaded,
 * 1 otherwise. Handy for checking guests and for reproducing fuzz findings:
 *
 *   build/release/tools/sl_wasm_validate guest.wasm crash-1234
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/base.h"
#include "wasm/wasm.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.wasm...\n", argv[0]);
        return 2;
    }
    int failures = 0;
    for (int i = 1; i < argc; i++) {
        char err[512];
        size_t len;
        char *bytes = file_read_all(argv[i], &len, err, sizeof err);
        if (!bytes) {
            printf("%s: %s\n", argv[i], err);
            failures++;
            continue;
        }
        sl_wasm_module *module = sl_wasm_module_load((const uint8_t *)bytes, len, err, sizeof err);
        if (module) {
            printf("%s: OK\n", argv[i]);
            sl_wasm_module_free(module);
        } else {
            printf("%s: %s\n", argv[i], err);
            failures++;
        }
        free(bytes);
    }
    return failures ? 1 : 0;
}
