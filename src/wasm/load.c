/*
 * load.c — the public face of module loading (wasm.h): sl_wasm_module_load runs
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

sl_wasm_module *sl_wasm_module_load(const uint8_t *bytes, size_t len, char *err, size_t errsize) {
    if (err && errsize) err[0] = '\0';
    sl_wasm_module *module = xcalloc(1, sizeof *module);
    if (!bytes && len) {
        if (err && errsize) snprintf(err, errsize, "malformed: no bytes");
        free(module);
        return NULL;
    }
    if (!sl_wasm_decode(module, bytes, len, err, errsize)) goto fail;
    if (!sl_wasm_validate(module, err, errsize)) goto fail;
    if (!sl_wasm_compile(module, err, errsize)) goto fail;
    return module;

fail:
    sl_wasm_module_clear(module);
    free(module);
    return NULL;
}

void sl_wasm_module_free(sl_wasm_module *module) {
    if (!module) return;
    sl_wasm_module_clear(module);
    free(module);
}

static void describe_function_type(const sl_wasm_module *module, uint32_t type_index,
                                   sl_wasm_functype *out) {
    memset(out, 0, sizeof *out);
    if (type_index >= module->ntypes) return;
    const sl_wasm_type *type = &module->types[type_index];
    out->nparams = type->nparams;
    out->nresults = type->nresults;
    out->params = type->params;
    out->results = type->results;
}

uint32_t sl_wasm_module_import_count(const sl_wasm_module *module) {
    return module->nimports;
}

void sl_wasm_module_import(const sl_wasm_module *module, uint32_t index, sl_wasm_import_info *out) {
    memset(out, 0, sizeof *out);
    if (index >= module->nimports) return;
    const sl_wasm_import *import = &module->imports[index];
    out->module = import->module;
    out->name = import->name;
    out->kind = import->kind;
    if (import->kind == SL_WASM_EXTERN_FUNC) describe_function_type(module, import->type_index, &out->func);
}

uint32_t sl_wasm_module_export_count(const sl_wasm_module *module) {
    return module->nexports;
}

void sl_wasm_module_export(const sl_wasm_module *module, uint32_t index, sl_wasm_export_info *out) {
    memset(out, 0, sizeof *out);
    if (index >= module->nexports) return;
    const sl_wasm_export *export = &module->exports[index];
    out->name = export->name;
    out->kind = export->kind;
    if (export->kind == SL_WASM_EXTERN_FUNC && export->index < module->nfuncs)
        describe_function_type(module, module->funcs[export->index].type_index, &out->func);
}

static bool signature_letter_type(char letter, sl_wasm_valtype *out) {
    switch (letter) {
    case 'i': *out = SL_WASM_I32; return true;
    case 'I': *out = SL_WASM_I64; return true;
    case 'f': *out = SL_WASM_F32; return true;
    case 'F': *out = SL_WASM_F64; return true;
    case 'r': *out = SL_WASM_FUNCREF; return true;
    case 'x': *out = SL_WASM_EXTERNREF; return true;
    default: return false;
    }
}

/* "params:results", e.g. "iI:f". Exactly one ':'; at most `max` types on
 * each side. */
bool sl_wasm_functype_parse(const char *sig, sl_wasm_valtype *params, uint32_t *nparams,
                         sl_wasm_valtype *results, uint32_t *nresults, uint32_t max) {
    if (!sig || !nparams || !nresults) return false;
    const char *colon = strchr(sig, ':');
    if (!colon || strchr(colon + 1, ':')) return false;
    uint32_t count = 0;
    for (const char *p = sig; p < colon; p++) {
        sl_wasm_valtype type;
        if (!signature_letter_type(*p, &type) || count >= max) return false;
        if (params) params[count] = type;
        count++;
    }
    *nparams = count;
    count = 0;
    for (const char *p = colon + 1; *p; p++) {
        sl_wasm_valtype type;
        if (!signature_letter_type(*p, &type) || count >= max) return false;
        if (results) results[count] = type;
        count++;
    }
    *nresults = count;
    return true;
}
