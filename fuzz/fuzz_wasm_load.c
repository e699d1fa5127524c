/*
 * fuzz_wasm_load — libFuzzer target for the module loader: any byte string
 * goes through wasm_module_load (decode, validate, compile) and, when it
 * loads, through the introspection calls and wasm_module_free. Crashes,
 * leaks and undefined behaviour are the findings; rejection is the expected
 * outcome for almost every input.
 *
 *   make fuzz && build/fuzz/fuzz_wasm_load -max_total_time=300 CORPUS_DIR
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wasm/wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[256];
    wasm_module *module = wasm_module_load(data, size, err, sizeof err);
    if (!module) {
        /* Every rejection says why, in a terminated message. */
        if (memchr(err, '\0', sizeof err) == NULL || err[0] == '\0') __builtin_trap();
        return 0;
    }
    uint32_t imports = wasm_module_import_count(module);
    for (uint32_t i = 0; i < imports; i++) {
        wasm_import_info info;
        wasm_module_import(module, i, &info);
        if (!info.module || !info.name) __builtin_trap();
    }
    uint32_t exports = wasm_module_export_count(module);
    for (uint32_t i = 0; i < exports; i++) {
        wasm_export_info info;
        wasm_module_export(module, i, &info);
        if (!info.name) __builtin_trap();
    }
    wasm_module_free(module);
    return 0;
}
