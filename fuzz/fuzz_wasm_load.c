/*
 * fuzz_wasm_load — libFuzzer target for the whole untrusted-module path:
 * any byte string goes through sl_wasm_module_load (decode, validate,
 * translate); a module that loads is introspected, instantiated with every
 * function import bound to a stub host function (memories, tables and
 * globals are offered as small host objects of a guessed shape, so most
 * such imports fail to link — which is a finding only if it crashes), and
 * each exported function is called with zero arguments under a short
 * deadline and a small memory limit. Crashes, leaks and undefined behaviour
 * are the findings; rejections and traps are expected outcomes.
 *
 *   make fuzz && build/fuzz/fuzz_wasm_load -max_total_time=300 CORPUS_DIR
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "wasm/wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sl_wasm_trap *stub_host(sl_wasm_call *call, uint64_t *slots) {
    (void)call;
    slots[0] = 0;
    return NULL;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Builds a signature string ("ii:I") for a stub host function. */
static void signature_of(const sl_wasm_functype *t, char *out, size_t outsize) {
    static const struct { sl_wasm_valtype t; char c; } letters[] = {
        {SL_WASM_I32, 'i'}, {SL_WASM_I64, 'I'}, {SL_WASM_F32, 'f'},
        {SL_WASM_F64, 'F'}, {SL_WASM_FUNCREF, 'r'}, {SL_WASM_EXTERNREF, 'x'},
    };
    size_t n = 0;
    for (uint32_t pass = 0; pass < 2; pass++) {
        uint32_t count = pass ? t->nresults : t->nparams;
        const sl_wasm_valtype *types = pass ? t->results : t->params;
        for (uint32_t i = 0; i < count && n + 2 < outsize; i++)
            for (size_t k = 0; k < sizeof letters / sizeof letters[0]; k++)
                if (letters[k].t == types[i]) out[n++] = letters[k].c;
        if (pass == 0 && n + 2 < outsize) out[n++] = ':';
    }
    out[n] = 0;
}

static void run_instance(const sl_wasm_module *module) {
    sl_wasm_limits_config limits = {.max_memory_pages = 16, .max_call_depth = 200,
                                 .max_stack_bytes = 256 * 1024};
    sl_wasm_store *store = sl_wasm_store_new(&limits);
    sl_wasm_linker *linker = sl_wasm_linker_new();
    uint32_t imports = sl_wasm_module_import_count(module);
    for (uint32_t i = 0; i < imports; i++) {
        sl_wasm_import_info info;
        sl_wasm_module_import(module, i, &info);
        if (info.kind == SL_WASM_EXTERN_FUNC) {
            char sig[64];
            signature_of(&info.func, sig, sizeof sig);
            sl_wasm_linker_define_func(linker, info.module, info.name, sig, stub_host, NULL);
        } else if (info.kind == SL_WASM_EXTERN_MEMORY) {
            sl_wasm_linker_define_extern(linker, info.module, info.name,
                                      sl_wasm_memory_new(store, 1, 2));
        } else if (info.kind == SL_WASM_EXTERN_GLOBAL) {
            sl_wasm_val v = {.type = SL_WASM_I32, .of.i32 = 0};
            sl_wasm_linker_define_extern(linker, info.module, info.name,
                                      sl_wasm_global_new(store, v, false));
        } else if (info.kind == SL_WASM_EXTERN_TABLE) {
            sl_wasm_val null_ref = {.type = SL_WASM_FUNCREF, .of.funcref = NULL};
            sl_wasm_linker_define_extern(linker, info.module, info.name,
                                      sl_wasm_table_new(store, SL_WASM_FUNCREF, 10, 20, null_ref));
        }
    }
    sl_wasm_store_set_deadline(store, now_ns() + 5 * 1000000);
    char err[256];
    sl_wasm_trap *trap = NULL;
    sl_wasm_instance *instance = sl_wasm_instantiate(store, module, linker, &trap, err, sizeof err);
    if (trap) sl_wasm_trap_free(trap);
    if (instance) {
        uint32_t exports = sl_wasm_module_export_count(module);
        for (uint32_t i = 0; i < exports && i < 16; i++) {
            sl_wasm_export_info info;
            sl_wasm_module_export(module, i, &info);
            if (info.kind != SL_WASM_EXTERN_FUNC || info.func.nparams != 0 || info.func.nresults > 8)
                continue;
            sl_wasm_extern *fn = sl_wasm_instance_export(instance, info.name);
            if (!fn) continue;
            sl_wasm_store_set_deadline(store, now_ns() + 5 * 1000000);
            sl_wasm_val results[8];
            sl_wasm_trap *t = sl_wasm_func_call(fn, NULL, 0, results, info.func.nresults);
            if (t) {
                if (!sl_wasm_trap_message(t)) __builtin_trap();
                sl_wasm_trap_free(t);
            }
        }
    }
    sl_wasm_linker_free(linker);
    sl_wasm_store_free(store);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char err[256];
    sl_wasm_module *module = sl_wasm_module_load(data, size, err, sizeof err);
    if (!module) {
        /* Every rejection says why, in a terminated message. */
        if (memchr(err, '\0', sizeof err) == NULL || err[0] == '\0') __builtin_trap();
        return 0;
    }
    uint32_t imports = sl_wasm_module_import_count(module);
    for (uint32_t i = 0; i < imports; i++) {
        sl_wasm_import_info info;
        sl_wasm_module_import(module, i, &info);
        if (!info.module || !info.name) __builtin_trap();
    }
    uint32_t exports = sl_wasm_module_export_count(module);
    for (uint32_t i = 0; i < exports; i++) {
        sl_wasm_export_info info;
        sl_wasm_module_export(module, i, &info);
        if (!info.name) __builtin_trap();
    }
    run_instance(module);
    sl_wasm_module_free(module);
    return 0;
}
