/*
 * module.h — INTERNAL: the decoded form of a WebAssembly binary, shared by the
 * decoder/validator (decode.c, validate.c) and the translator/interpreter
 * (compile.c, exec.c, instance.c). Not part of the public API (wasm.h).
 *
 * Pipeline of sl_wasm_module_load():
 *   sl_wasm_decode()    bytes -> sl_wasm_module (sections, no body validation)
 *   sl_wasm_validate()  full spec validation of module + function bodies
 *   sl_wasm_compile()   every function body -> internal code (compile.c), stored
 *                    in sl_wasm_func.compiled; assumes validated input
 *
 * All arrays are owned by the module and released by sl_wasm_module_free().
 * Indices follow the spec index spaces: imported entities come first
 * (funcs[0..num_imported_funcs) are imports, etc.).
 */
#ifndef SCHEDLAB_WASM_MODULE_H
#define SCHEDLAB_WASM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/wasm.h"

typedef struct sl_wasm_type {
    uint32_t nparams, nresults;
    sl_wasm_valtype *params;   /* nparams entries */
    sl_wasm_valtype *results;  /* nresults entries */
} sl_wasm_type;

typedef struct sl_wasm_limits {
    uint32_t min;
    uint32_t max;           /* valid when has_max */
    bool has_max;
} sl_wasm_limits;

typedef struct sl_wasm_table_type {
    sl_wasm_valtype elem;      /* SL_WASM_FUNCREF or SL_WASM_EXTERNREF */
    sl_wasm_limits limits;
} sl_wasm_table_type;

typedef struct sl_wasm_global_type {
    sl_wasm_valtype type;
    bool mutable_;
} sl_wasm_global_type;

/* A constant expression (global init, segment offset, element item). Kept as
 * the raw instruction bytes (ending with 0x0b) plus the decoded common case. */
typedef enum sl_wasm_const_kind {
    SL_WASM_CONST_VALUE,       /* value */
    SL_WASM_CONST_GLOBAL_GET,  /* global index */
    SL_WASM_CONST_REF_NULL,    /* value.type = reftype */
    SL_WASM_CONST_REF_FUNC,    /* func index */
} sl_wasm_const_kind;
typedef struct sl_wasm_const_expr {
    sl_wasm_const_kind kind;
    sl_wasm_val value;         /* for VALUE / REF_NULL (type set) */
    uint32_t index;         /* for GLOBAL_GET / REF_FUNC */
    /* The raw expression, instructions up to and including the final 0x0b,
     * pointing into module->bytes; NULL/0 for element items that the binary
     * gave as bare function indices (segment kinds 0-3). After validation the
     * expression is exactly one instruction, so kind/value/index describe it
     * completely. */
    const uint8_t *code;
    size_t code_len;
} sl_wasm_const_expr;

typedef struct sl_wasm_import {
    char *module;
    char *name;
    uint32_t module_len, name_len;  /* byte lengths: names may contain NUL */
    sl_wasm_extern_kind kind;
    uint32_t type_index;        /* FUNC: index into types */
    sl_wasm_table_type table;      /* TABLE */
    sl_wasm_limits memory;         /* MEMORY */
    sl_wasm_global_type global;    /* GLOBAL */
} sl_wasm_import;

typedef struct sl_wasm_func {
    uint32_t type_index;
    /* Defined functions only (index >= num_imported_funcs): */
    uint32_t nlocals;           /* declared locals, excluding params */
    sl_wasm_valtype *local_types;  /* nlocals entries */
    const uint8_t *body;        /* instructions after the local decls, up to and
                                   including the final 0x0b; points into
                                   module->bytes */
    size_t body_len;
    size_t body_offset;         /* offset of `body` in the binary (for messages) */
    void *compiled;             /* owned by compile.c (sl_wasm_compile / sl_wasm_compiled_free) */
    char *name;                 /* from the name section, or NULL */
} sl_wasm_func;

typedef struct sl_wasm_global {
    sl_wasm_global_type type;
    sl_wasm_const_expr init;
} sl_wasm_global;

typedef struct sl_wasm_export {
    char *name;
    uint32_t name_len;          /* byte length: a name may contain NUL */
    sl_wasm_extern_kind kind;
    uint32_t index;
} sl_wasm_export;

typedef enum sl_wasm_segment_mode {
    SL_WASM_SEGMENT_ACTIVE,
    SL_WASM_SEGMENT_PASSIVE,
    SL_WASM_SEGMENT_DECLARATIVE,   /* element segments only */
} sl_wasm_segment_mode;

typedef struct sl_wasm_elem {
    sl_wasm_segment_mode mode;
    uint32_t table_index;       /* active */
    sl_wasm_const_expr offset;     /* active */
    sl_wasm_valtype type;          /* funcref / externref */
    uint32_t count;
    sl_wasm_const_expr *items;     /* count entries (func indices become REF_FUNC) */
} sl_wasm_elem;

typedef struct sl_wasm_data {
    sl_wasm_segment_mode mode;
    uint32_t memory_index;      /* active */
    sl_wasm_const_expr offset;     /* active */
    const uint8_t *bytes;       /* points into module->bytes */
    uint32_t len;
} sl_wasm_data;

struct sl_wasm_module {
    uint8_t *bytes;             /* private copy of the binary (bodies and data point in) */
    size_t len;

    uint32_t ntypes;
    sl_wasm_type *types;

    uint32_t nimports;
    sl_wasm_import *imports;

    /* Index spaces (imports first). */
    uint32_t nfuncs, num_imported_funcs;
    sl_wasm_func *funcs;
    uint32_t ntables, num_imported_tables;
    sl_wasm_table_type *tables;
    uint32_t nmemories, num_imported_memories;
    sl_wasm_limits *memories;
    uint32_t nglobals, num_imported_globals;
    sl_wasm_global *globals;       /* imported ones have only .type set */

    uint32_t nexports;
    sl_wasm_export *exports;

    bool has_start;
    uint32_t start;

    uint32_t nelems;
    sl_wasm_elem *elems;

    bool has_data_count;
    uint32_t data_count;
    uint32_t ndatas;
    sl_wasm_data *datas;

    char *module_name;          /* name section, or NULL */

    /* Functions referenced by ref.func outside function bodies (exports,
     * element segments, globals): the set C_refs of the validation rules. */
    uint8_t *func_declared;     /* nfuncs flags */

    void *compiled;             /* module-wide data owned by compile.c, or NULL */
};

/* decode.c: parses the binary. On error returns false, err starts with
 * "malformed: ". `m` is zeroed first and must be released with
 * sl_wasm_module_clear() on both paths. */
bool sl_wasm_decode(sl_wasm_module *m, const uint8_t *bytes, size_t len, char *err, size_t errsize);
/* validate.c: on error returns false, err starts with "invalid: ". */
bool sl_wasm_validate(const sl_wasm_module *m, char *err, size_t errsize);
/* compile.c: translates every defined function; may fail only on resource
 * limits (err). */
bool sl_wasm_compile(sl_wasm_module *m, char *err, size_t errsize);
/* compile.c: releases what sl_wasm_compile stored (func->compiled, m->compiled). */
void sl_wasm_compiled_free(sl_wasm_module *m);
/* decode.c: releases everything the decoder allocated (calls sl_wasm_compiled_free). */
void sl_wasm_module_clear(sl_wasm_module *m);

#endif
