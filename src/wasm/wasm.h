/*
 * wasm — schedlab's own WebAssembly runtime: decoder, validator, translator
 * to a register-slot internal code, and a fast interpreter. This header is the
 * whole public contract; everything else in src/wasm/ is internal.
 *
 * Object model (mirrors wasmtime/wazero, so embedders know it):
 *
 *   wasm_module    decoded, validated and translated code. Immutable after
 *                  wasm_module_load(); may be shared by many threads and
 *                  instantiated many times. Freed with wasm_module_free() once
 *                  no instance of it is alive.
 *   wasm_store     owns every runtime object: instances, memories, tables,
 *                  globals, host functions. Objects may reference each other
 *                  freely inside one store (an instance importing another's
 *                  memory); wasm_store_free() releases them all at once.
 *                  A store and everything in it is used by ONE thread at a time.
 *   wasm_instance  an instantiated module (lives in a store).
 *   wasm_extern    a function, table, memory or global: an instance export,
 *                  or a host object created in the store.
 *   wasm_linker    maps (module name, field name) -> extern or host function,
 *                  used to resolve imports at instantiation. Not tied to a
 *                  store for host functions; reusable across stores.
 *   wasm_trap      a runtime error (trap, exhaustion, interruption, exit) with
 *                  a message and a wasm backtrace. Never a process abort.
 *
 * Features: MVP, mutable-global import/export, sign-extension, non-trapping
 * float-to-int, bulk memory, multi-value, reference types (funcref/externref,
 * multiple tables). SIMD and threads are rejected at load with a clear error.
 *
 * Values cross the API as wasm_val. References: a funcref is an opaque
 * pointer to a function (NULL = ref.null func); an externref is a host
 * uintptr_t where 0 means ref.null extern (embedders that need to pass the
 * value 0 add an offset of their own).
 */
#ifndef SCHEDLAB_WASM_H
#define SCHEDLAB_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wasm_module wasm_module;
typedef struct wasm_store wasm_store;
typedef struct wasm_instance wasm_instance;
typedef struct wasm_extern wasm_extern;
typedef struct wasm_linker wasm_linker;
typedef struct wasm_trap wasm_trap;

/* Value types, numbered as in the binary format. */
typedef enum wasm_valtype {
    WASM_I32 = 0x7f,
    WASM_I64 = 0x7e,
    WASM_F32 = 0x7d,
    WASM_F64 = 0x7c,
    WASM_V128 = 0x7b, /* never accepted; listed for error messages */
    WASM_FUNCREF = 0x70,
    WASM_EXTERNREF = 0x6f,
} wasm_valtype;

typedef struct wasm_val {
    wasm_valtype type;
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        void *funcref;      /* NULL = null */
        uintptr_t externref; /* 0 = null */
        uint64_t bits;      /* raw bits of any of the above */
    } of;
} wasm_val;

typedef enum wasm_extern_kind {
    WASM_EXTERN_FUNC = 0,
    WASM_EXTERN_TABLE = 1,
    WASM_EXTERN_MEMORY = 2,
    WASM_EXTERN_GLOBAL = 3,
} wasm_extern_kind;

/* A function signature. Arrays are owned by whoever returned the struct. */
typedef struct wasm_functype {
    uint32_t nparams, nresults;
    const wasm_valtype *params;
    const wasm_valtype *results;
} wasm_functype;

/* ------------------------------------------------------------------ */
/* Modules                                                              */
/* ------------------------------------------------------------------ */

/* Decodes, validates and translates a binary module. On failure returns NULL
 * and writes a message into err (e.g. "malformed: unexpected end of section
 * at offset 0x1f" or "invalid: type mismatch in i32.add (func 3, offset
 * 0x2a1)"). Messages of malformed binaries start with "malformed: ", of
 * invalid ones with "invalid: ". The bytes are not retained. */
wasm_module *wasm_module_load(const uint8_t *bytes, size_t len, char *err, size_t errsize);
void wasm_module_free(wasm_module *module);

/* Introspection of imports and exports (for linkers, the wasm plugin host and
 * `schedlab wasm run`). Strings are owned by the module. */
typedef struct wasm_import_info {
    const char *module;
    const char *name;
    wasm_extern_kind kind;
    wasm_functype func; /* kind == FUNC */
} wasm_import_info;
typedef struct wasm_export_info {
    const char *name;
    wasm_extern_kind kind;
    wasm_functype func; /* kind == FUNC */
} wasm_export_info;
uint32_t wasm_module_import_count(const wasm_module *module);
void wasm_module_import(const wasm_module *module, uint32_t index, wasm_import_info *out);
uint32_t wasm_module_export_count(const wasm_module *module);
void wasm_module_export(const wasm_module *module, uint32_t index, wasm_export_info *out);

/* ------------------------------------------------------------------ */
/* Host functions                                                       */
/* ------------------------------------------------------------------ */

/* Per-call context handed to a host function. */
typedef struct wasm_call {
    wasm_instance *caller;  /* the instance whose code called the import */
    void *user;             /* the pointer given when the function was defined */
} wasm_call;

/* A host function. `slots` holds the arguments in order, one 64-bit slot
 * each (i32 in the low 32 bits, f32/f64 as raw bits, refs as pointer bits);
 * the host writes its results into slots[0..nresults) (the slot array is at
 * least max(nparams, nresults) long). Return NULL on success, or a trap made
 * with wasm_trap_new() to abort the guest (the trap propagates to the
 * embedder's wasm_func_call). This raw form is what keeps guest->host calls
 * in the ~20 ns range. */
typedef wasm_trap *(*wasm_host_fn)(wasm_call *call, uint64_t *slots);

/* Signature strings: params ':' results, one letter per value:
 * i=i32 I=i64 f=f32 F=f64 r=funcref x=externref.  "ii:i", ":", "I:" */
bool wasm_functype_parse(const char *sig, wasm_valtype *params, uint32_t *nparams,
                         wasm_valtype *results, uint32_t *nresults, uint32_t max);

/* ------------------------------------------------------------------ */
/* Linker                                                               */
/* ------------------------------------------------------------------ */

wasm_linker *wasm_linker_new(void);
void wasm_linker_free(wasm_linker *linker);
/* Defines a host function import. Returns false if (module, name) is taken
 * or sig is malformed. module/name/sig are copied. */
bool wasm_linker_define_func(wasm_linker *linker, const char *module, const char *name,
                             const char *sig, wasm_host_fn fn, void *user);
/* Defines an import by an existing extern (another instance's export, or a
 * host memory/table/global). The extern's store must be the store later
 * passed to wasm_instantiate. */
bool wasm_linker_define_extern(wasm_linker *linker, const char *module, const char *name,
                               wasm_extern *ext);
/* Defines every export of `instance` under module name `module` (spec-test
 * `register`). */
bool wasm_linker_define_instance(wasm_linker *linker, const char *module, wasm_instance *instance);
/* Hands an object to the linker; free_fn(ptr) runs in wasm_linker_free
 * (e.g. the WASI state behind its host functions). */
void wasm_linker_attach(wasm_linker *linker, void *ptr, void (*free_fn)(void *));

/* ------------------------------------------------------------------ */
/* Stores and instances                                                 */
/* ------------------------------------------------------------------ */

typedef struct wasm_limits_config {
    uint32_t max_memory_pages;   /* 0 = 65536 (4 GiB); memory.grow beyond fails (-1) and
                                    instantiation of a larger minimum fails */
    uint32_t max_call_depth;     /* 0 = default (10000 frames); exceeding it traps with
                                    "call stack exhausted" */
    size_t max_stack_bytes;      /* 0 = default (8 MiB) value stack */
} wasm_limits_config;

wasm_store *wasm_store_new(const wasm_limits_config *limits /* NULL = defaults */);
void wasm_store_free(wasm_store *store);

/* Interruption: another thread may call wasm_store_interrupt() at any time;
 * the guest running in that store traps with "interrupted" at its next loop
 * back-edge or call (bounded latency). A deadline (monotonic ns, 0 = none)
 * does the same without a second thread; it is checked at the same points.
 * Both stay armed until reset with wasm_store_set_deadline(store, 0) /
 * wasm_store_clear_interrupt(). */
void wasm_store_interrupt(wasm_store *store);
void wasm_store_clear_interrupt(wasm_store *store);
void wasm_store_set_deadline(wasm_store *store, int64_t deadline_monotonic_ns);

/* Instantiates: resolves imports through the linker (missing import or type
 * mismatch -> NULL with err "unknown import: env.foo" / "incompatible import
 * type for env.foo"), allocates memories/tables/globals, applies element and
 * data segments, runs the start function. A trap during segment
 * initialisation or start returns NULL and sets *trap (caller frees) and err.
 * Instances are freed with their store. */
wasm_instance *wasm_instantiate(wasm_store *store, const wasm_module *module,
                                const wasm_linker *linker, wasm_trap **trap,
                                char *err, size_t errsize);
const wasm_module *wasm_instance_module(const wasm_instance *instance);
wasm_store *wasm_instance_store(const wasm_instance *instance);
/* Opaque per-instance pointer for the embedder (host functions read it via
 * call->caller). */
void wasm_instance_set_user(wasm_instance *instance, void *user);
void *wasm_instance_user(const wasm_instance *instance);

/* Export lookup by name; NULL if absent. Owned by the store. */
wasm_extern *wasm_instance_export(wasm_instance *instance, const char *name);
/* The same by a name of `len` bytes (export names may contain NUL bytes). */
wasm_extern *wasm_instance_export_n(wasm_instance *instance, const char *name, size_t len);
wasm_extern_kind wasm_extern_kind_of(const wasm_extern *ext);

/* ------------------------------------------------------------------ */
/* Functions                                                            */
/* ------------------------------------------------------------------ */

/* Calls a function extern. args must match the signature (checked; a
 * mismatch returns a trap "argument type mismatch"). results has room for
 * the function's results. Returns NULL on success or a trap the caller
 * frees with wasm_trap_free(). Reentrant from host functions (a host
 * function may call back into the guest). */
wasm_trap *wasm_func_call(wasm_extern *func, const wasm_val *args, uint32_t nargs,
                          wasm_val *results, uint32_t nresults);
/* Same, raw slots as in wasm_host_fn (fast path for hot calls). */
wasm_trap *wasm_func_call_raw(wasm_extern *func, uint64_t *slots);
void wasm_func_type(const wasm_extern *func, wasm_functype *out);
/* Funcref values (wasm_val.of.funcref) <-> externs of the same store. */
wasm_extern *wasm_funcref_extern(wasm_store *store, void *funcref);
void *wasm_extern_funcref(wasm_extern *func);

/* ------------------------------------------------------------------ */
/* Memories                                                             */
/* ------------------------------------------------------------------ */

/* A memory's base pointer may move on growth: never keep it across a call
 * into the guest. */
uint8_t *wasm_memory_data(wasm_extern *memory);
uint64_t wasm_memory_size_bytes(wasm_extern *memory);
uint32_t wasm_memory_pages(wasm_extern *memory);
/* Returns the old size in pages, or -1 (as uint32) if the limit forbids it. */
uint32_t wasm_memory_grow(wasm_extern *memory, uint32_t delta_pages);
/* Bounds-checked copies: false (nothing copied) if [offset, offset+len)
 * is outside the memory. */
bool wasm_memory_read(wasm_extern *memory, uint64_t offset, void *dst, size_t len);
bool wasm_memory_write(wasm_extern *memory, uint64_t offset, const void *src, size_t len);
/* Host-created memory (spectest). max_pages = UINT32_MAX for none. */
wasm_extern *wasm_memory_new(wasm_store *store, uint32_t min_pages, uint32_t max_pages);
/* The memory of the instance whose code called a host function (export
 * "memory" or memory 0); NULL if it has none. */
wasm_extern *wasm_instance_memory(wasm_instance *instance);

/* ------------------------------------------------------------------ */
/* Globals and tables                                                   */
/* ------------------------------------------------------------------ */

wasm_extern *wasm_global_new(wasm_store *store, wasm_val value, bool mutable_);
wasm_val wasm_global_get(const wasm_extern *global);
/* Fails (false) on an immutable global or a type mismatch. */
bool wasm_global_set(wasm_extern *global, wasm_val value);

wasm_extern *wasm_table_new(wasm_store *store, wasm_valtype elem, uint32_t min, uint32_t max,
                            wasm_val init);
uint32_t wasm_table_size(const wasm_extern *table);
bool wasm_table_get(const wasm_extern *table, uint32_t index, wasm_val *out);
bool wasm_table_set(wasm_extern *table, uint32_t index, wasm_val value);

/* ------------------------------------------------------------------ */
/* Traps                                                                */
/* ------------------------------------------------------------------ */

typedef enum wasm_trap_kind {
    WASM_TRAP_GENERIC = 0,   /* host-made or other */
    WASM_TRAP_UNREACHABLE,   /* "unreachable" */
    WASM_TRAP_MEMORY_OOB,    /* "out of bounds memory access" */
    WASM_TRAP_TABLE_OOB,     /* "out of bounds table access" / "undefined element" */
    WASM_TRAP_INDIRECT_NULL, /* "uninitialized element" */
    WASM_TRAP_INDIRECT_TYPE, /* "indirect call type mismatch" */
    WASM_TRAP_DIV_ZERO,      /* "integer divide by zero" */
    WASM_TRAP_INT_OVERFLOW,  /* "integer overflow" */
    WASM_TRAP_CONVERSION,    /* "invalid conversion to integer" */
    WASM_TRAP_EXHAUSTION,    /* "call stack exhausted" */
    WASM_TRAP_INTERRUPTED,   /* "interrupted" (deadline or wasm_store_interrupt) */
    WASM_TRAP_EXIT,          /* WASI proc_exit: a clean stop, see wasm_trap_exit_code */
} wasm_trap_kind;

/* Makes a trap (message copied). Used by host functions and WASI. */
wasm_trap *wasm_trap_new(wasm_trap_kind kind, const char *message);
/* A proc_exit stop carrying an exit code. */
wasm_trap *wasm_trap_new_exit(int32_t code);
wasm_trap_kind wasm_trap_kind_of(const wasm_trap *trap);
/* The spec-test message ("integer divide by zero", ...). */
const char *wasm_trap_message(const wasm_trap *trap);
int32_t wasm_trap_exit_code(const wasm_trap *trap);
/* Backtrace, innermost first, one line per frame:
 *   "  #0 wasm function 12 (runtime.panic) at offset 0x3f1" */
const char *wasm_trap_backtrace(const wasm_trap *trap);
void wasm_trap_free(wasm_trap *trap);

/* ------------------------------------------------------------------ */
/* WASI preview1 (wasi.c)                                               */
/* ------------------------------------------------------------------ */

/* Output sink for fd 1 and 2. */
typedef void (*wasm_wasi_write_fn)(void *user, int fd, const uint8_t *data, size_t len);

typedef struct wasm_wasi_config {
    int argc;
    const char *const *argv;
    int envc;
    const char *const *envp;   /* "KEY=VALUE" */
    wasm_wasi_write_fn write;  /* NULL = discard output */
    void *write_user;
    /* stdin: NULL = empty */
    const uint8_t *stdin_data;
    size_t stdin_len;
    uint64_t random_seed;      /* 0 = seed from the OS */
} wasm_wasi_config;

/* Defines every wasi_snapshot_preview1 import in the linker. The config's
 * strings are copied. Per-instance state (stdin position, ...) is created
 * lazily. Unsupported calls return ENOSYS (52). proc_exit produces a
 * WASM_TRAP_EXIT trap. No filesystem: no preopens. */
bool wasm_wasi_define(wasm_linker *linker, const wasm_wasi_config *config);

#endif
