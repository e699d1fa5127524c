/*
 * load.c — the public face of module loading (wasm.h): wasm_module_load runs
 * the three phases decode (decode.c) -> validate (validate.c) -> compile
 * (compile.c) and owns the module object; the import/export introspection
 * used by linkers and the plugin host; and the signature strings ("ii:i")
 * host functions are declared with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "wasm/module.h"

wasm_module *wasm_module_load(const uint8_t *bytes, size_t len, char *err, size_t errsize) {
    if (err && errsize) err[0] = '\0';
    wasm_module *module = xcalloc(1, sizeof *module);
    if (!bytes && len) {
        if (err && errsize) snprintf(err, errsize, "malformed: no bytes");
        free(module);
        return NULL;
    }
    if (!wasm_decode(module, bytes, len, err, errsize)) goto fail;
    if (!wasm_validate(module, err, errsize)) goto fail;
    if (!wasm_compile(module, err, errsize)) goto fail;
    return module;

fail:
    wasm_module_clear(module);
    free(module);
    return NULL;
}

void wasm_module_free(wasm_module *module) {
    if (!module) return;
    wasm_module_clear(module);
    free(module);
}

static void describe_function_type(const wasm_module *module, uint32_t type_index,
                                   wasm_functype *out) {
    memset(out, 0, sizeof *out);
    if (type_index >= module->ntypes) return;
    const wasm_type *type = &module->types[type_index];
    out->nparams = type->nparams;
    out->nresults = type->nresults;
    out->params = type->params;
    out->results = type->results;
}

uint32_t wasm_module_import_count(const wasm_module *module) {
    return module->nimports;
}

void wasm_module_import(const wasm_module *module, uint32_t index, wasm_import_info *out) {
    memset(out, 0, sizeof *out);
    if (index >= module->nimports) return;
    const wasm_import *import = &module->imports[index];
    out->module = import->module;
    out->name = import->name;
    out->kind = import->kind;
    if (import->kind == WASM_EXTERN_FUNC) describe_function_type(module, import->type_index, &out->func);
}

uint32_t wasm_module_export_count(const wasm_module *module) {
    return module->nexports;
}

void wasm_module_export(const wasm_module *module, uint32_t index, wasm_export_info *out) {
    memset(out, 0, sizeof *out);
    if (index >= module->nexports) return;
    const wasm_export *export = &module->exports[index];
    out->name = export->name;
    out->kind = export->kind;
    if (export->kind == WASM_EXTERN_FUNC && export->index < module->nfuncs)
        describe_function_type(module, module->funcs[export->index].type_index, &out->func);
}

static bool signature_letter_type(char letter, wasm_valtype *out) {
    switch (letter) {
    case 'i': *out = WASM_I32; return true;
    case 'I': *out = WASM_I64; return true;
    case 'f': *out = WASM_F32; return true;
    case 'F': *out = WASM_F64; return true;
    case 'r': *out = WASM_FUNCREF; return true;
    case 'x': *out = WASM_EXTERNREF; return true;
    default: return false;
    }
}

/* "params:results", e.g. "iI:f". Exactly one ':'; at most `max` types on
 * each side. */
bool wasm_functype_parse(const char *sig, wasm_valtype *params, uint32_t *nparams,
                         wasm_valtype *results, uint32_t *nresults, uint32_t max) {
    if (!sig || !nparams || !nresults) return false;
    const char *colon = strchr(sig, ':');
    if (!colon || strchr(colon + 1, ':')) return false;
    uint32_t count = 0;
    for (const char *p = sig; p < colon; p++) {
        wasm_valtype type;
        if (!signature_letter_type(*p, &type) || count >= max) return false;
        if (params) params[count] = type;
        count++;
    }
    *nparams = count;
    count = 0;
    for (const char *p = colon + 1; *p; p++) {
        wasm_valtype type;
        if (!signature_letter_type(*p, &type) || count >= max) return false;
        if (results) results[count] = type;
        count++;
    }
    *nresults = count;
    return true;
}
