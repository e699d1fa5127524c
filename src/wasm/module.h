/*
 * module.h — INTERNAL: the decoded form of a WebAssembly binary, shared by the
 * decoder/validator (decode.c, validate.c) and the translator/interpreter
 * (compile.c, exec.c, instance.c). Not part of the public API (wasm.h).
 *
 * Pipeline of wasm_module_load():
 *   wasm_decode()    bytes -> wasm_module (sections, no body validation)
 *   wasm_validate()  full spec validation of module + function bodies
 *   wasm_compile()   every function body -> internal code (compile.c), stored
 *                    in wasm_func.compiled; assumes validated input
 *
 * All arrays are owned by the module and released by wasm_module_free().
 * Indices follow the spec index spaces: imported entities come first
 * (funcs[0..num_imported_funcs) are imports, etc.).
 */
#ifndef SCHEDLAB_WASM_MODULE_H
#define SCHEDLAB_WASM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/wasm.h"

typedef struct wasm_type {
    uint32_t nparams, nresults;
    wasm_valtype *params;   /* nparams entries */
    wasm_valtype *results;  /* nresults entries */
} wasm_type;

typedef struct wasm_limits {
    uint32_t min;
    uint32_t max;           /* valid when has_max */
    bool has_max;
} wasm_limits;

typedef struct wasm_table_type {
    wasm_valtype elem;      /* WASM_FUNCREF or WASM_EXTERNREF */
    wasm_limits limits;
} wasm_table_type;

typedef struct wasm_global_type {
    wasm_valtype type;
    bool mutable_;
} wasm_global_type;

/* A constant expression (global init, segment offset, element item). Kept as
 * the raw instruction bytes (ending with 0x0b) plus the decoded common case. */
typedef enum wasm_const_kind {
    WASM_CONST_VALUE,       /* value */
    WASM_CONST_GLOBAL_GET,  /* global index */
    WASM_CONST_REF_NULL,    /* value.type = reftype */
    WASM_CONST_REF_FUNC,    /* func index */
} wasm_const_kind;
typedef struct wasm_const_expr {
    wasm_const_kind kind;
    wasm_val value;         /* for VALUE / REF_NULL (type set) */
    uint32_t index;         /* for GLOBAL_GET / REF_FUNC */
    /* The raw expression, instructions up to and including the final 0x0b,
     * pointing into module->bytes; NULL/0 for element items that the binary
     * gave as bare function indices (segment kinds 0-3). After validation the
     * expression is exactly one instruction, so kind/value/index describe it
     * completely. */
    const uint8_t *code;
    size_t code_len;
} wasm_const_expr;

typedef struct wasm_import {
    char *module;
    char *name;
    uint32_t module_len, name_len;  /* byte lengths: names may contain NUL */
    wasm_extern_kind kind;
    uint32_t type_index;        /* FUNC: index into types */
    wasm_table_type table;      /* TABLE */
    wasm_limits memory;         /* MEMORY */
    wasm_global_type global;    /* GLOBAL */
} wasm_import;

typedef struct wasm_func {
    uint32_t type_index;
    /* Defined functions only (index >= num_imported_funcs): */
    uint32_t nlocals;           /* declared locals, excluding params */
    wasm_valtype *local_types;  /* nlocals entries */
    const uint8_t *body;        /* instructions after the local decls, up to and
                                   including the final 0x0b; points into
                                   module->bytes */
    size_t body_len;
    size_t body_offset;         /* offset of `body` in the binary (for messages) */
    void *compiled;             /* owned by compile.c (wasm_compile / wasm_compiled_free) */
    char *name;                 /* from the name section, or NULL */
} wasm_func;

typedef struct wasm_global {
    wasm_global_type type;
    wasm_const_expr init;
} wasm_global;

typedef struct wasm_export {
    char *name;
    uint32_t name_len;          /* byte length: a name may contain NUL */
    wasm_extern_kind kind;
    uint32_t index;
} wasm_export;

typedef enum wasm_segment_mode {
    WASM_SEGMENT_ACTIVE,
    WASM_SEGMENT_PASSIVE,
    WASM_SEGMENT_DECLARATIVE,   /* element segments only */
} wasm_segment_mode;

typedef struct wasm_elem {
    wasm_segment_mode mode;
    uint32_t table_index;       /* active */
    wasm_const_expr offset;     /* active */
    wasm_valtype type;          /* funcref / externref */
    uint32_t count;
    wasm_const_expr *items;     /* count entries (func indices become REF_FUNC) */
} wasm_elem;

typedef struct wasm_data {
    wasm_segment_mode mode;
    uint32_t memory_index;      /* active */
    wasm_const_expr offset;     /* active */
    const uint8_t *bytes;       /* points into module->bytes */
    uint32_t len;
} wasm_data;

struct wasm_module {
    uint8_t *bytes;             /* private copy of the binary (bodies and data point in) */
    size_t len;

    uint32_t ntypes;
    wasm_type *types;

    uint32_t nimports;
    wasm_import *imports;

    /* Index spaces (imports first). */
    uint32_t nfuncs, num_imported_funcs;
    wasm_func *funcs;
    uint32_t ntables, num_imported_tables;
    wasm_table_type *tables;
    uint32_t nmemories, num_imported_memories;
    wasm_limits *memories;
    uint32_t nglobals, num_imported_globals;
    wasm_global *globals;       /* imported ones have only .type set */

    uint32_t nexports;
    wasm_export *exports;

    bool has_start;
    uint32_t start;

    uint32_t nelems;
    wasm_elem *elems;

    bool has_data_count;
    uint32_t data_count;
    uint32_t ndatas;
    wasm_data *datas;

    char *module_name;          /* name section, or NULL */

    /* Functions referenced by ref.func outside function bodies (exports,
     * element segments, globals): the set C_refs of the validation rules. */
    uint8_t *func_declared;     /* nfuncs flags */

    void *compiled;             /* module-wide data owned by compile.c, or NULL */
};

/* decode.c: parses the binary. On error returns false, err starts with
 * "malformed: ". `m` is zeroed first and must be released with
 * wasm_module_clear() on both paths. */
bool wasm_decode(wasm_module *m, const uint8_t *bytes, size_t len, char *err, size_t errsize);
/* validate.c: on error returns false, err starts with "invalid: ". */
bool wasm_validate(const wasm_module *m, char *err, size_t errsize);
/* compile.c: translates every defined function; may fail only on resource
 * limits (err). */
bool wasm_compile(wasm_module *m, char *err, size_t errsize);
/* compile.c: releases what wasm_compile stored (func->compiled, m->compiled). */
void wasm_compiled_free(wasm_module *m);
/* decode.c: releases everything the decoder allocated (calls wasm_compiled_free). */
void wasm_module_clear(wasm_module *m);

#endif
