/*
 * wasm — schedlab's own WebAssembly runtime: decoder, validator, translator
 * to a register-slot internal code, and a fast interpreter. This header is the
 * whole public contract; everything else in src/wasm/ is internal.
 *
 * Object model (mirrors wasmtime/wazero, so embedders know it):
 *
 *   sl_wasm_module    decoded, validated and translated code. Immutable after
 *                  sl_wasm_module_load(); may be shared by many threads and
 *                  instantiated many times. Freed with sl_wasm_module_free() once
 *                  no instance of it is alive.
 *   sl_wasm_store     owns every runtime object: instances, memories, tables,
 *                  globals, host functions. Objects may reference each other
 *                  freely inside one store (an instance importing another's
 *                  memory); sl_wasm_store_free() releases them all at once.
 *                  A store and everything in it is used by ONE thread at a time.
 *   sl_wasm_instance  an instantiated module (lives in a store).
 *   sl_wasm_extern    a function, table, memory or global: an instance export,
 *                  or a host object created in the store.
 *   sl_wasm_linker    maps (module name, field name) -> extern or host function,
 *                  used to resolve imports at instantiation. Not tied to a
 *                  store for host functions; reusable across stores.
 *   sl_wasm_trap      a runtime error (trap, exhaustion, interruption, exit) with
 *                  a message and a wasm backtrace. Never a process abort.
 *
 * Features: MVP, mutable-global import/export, sign-extension, non-trapping
 * float-to-int, bulk memory, multi-value, reference types (funcref/externref,
 * multiple tables). SIMD and threads are rejected at load with a clear error.
 *
 * Values cross the API as sl_wasm_val. References: a funcref is an opaque
 * pointer to a function (NULL = ref.null func); an externref is a host
 * uintptr_t where 0 means ref.null extern (embedders that need to pass the
 * value 0 add an offset of their own).
 */
#ifndef SCHEDLAB_WASM_H
#define SCHEDLAB_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sl_wasm_module sl_wasm_module;
typedef struct sl_wasm_store sl_wasm_store;
typedef struct sl_wasm_instance sl_wasm_instance;
typedef struct sl_wasm_extern sl_wasm_extern;
typedef struct sl_wasm_linker sl_wasm_linker;
typedef struct sl_wasm_trap sl_wasm_trap;

/* Value types, numbered as in the binary format. */
typedef enum sl_wasm_valtype {
    SL_WASM_I32 = 0x7f,
    SL_WASM_I64 = 0x7e,
    SL_WASM_F32 = 0x7d,
    SL_WASM_F64 = 0x7c,
    SL_WASM_V128 = 0x7b, /* never accepted; listed for error messages */
    SL_WASM_FUNCREF = 0x70,
    SL_WASM_EXTERNREF = 0x6f,
} sl_wasm_valtype;

typedef struct sl_wasm_val {
    sl_wasm_valtype type;
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        void *funcref;      /* NULL = null */
        uintptr_t externref; /* 0 = null */
        uint64_t bits;      /* raw bits of any of the above */
    } of;
} sl_wasm_val;

typedef enum sl_wasm_extern_kind {
    SL_WASM_EXTERN_FUNC = 0,
    SL_WASM_EXTERN_TABLE = 1,
    SL_WASM_EXTERN_MEMORY = 2,
    SL_WASM_EXTERN_GLOBAL = 3,
} sl_wasm_extern_kind;

/* A function signature. Arrays are owned by whoever returned the struct. */
typedef struct sl_wasm_functype {
    uint32_t nparams, nresults;
    const sl_wasm_valtype *params;
    const sl_wasm_valtype *results;
} sl_wasm_functype;

/* ------------------------------------------------------------------ */
/* Modules                                                              */
/* ------------------------------------------------------------------ */

/* Decodes, validates and translates a binary module. On failure returns NULL
 * and writes a message into err (e.g. "malformed: unexpected end of section
 * at offset 0x1f" or "invalid: type mismatch in i32.add (func 3, offset
 * 0x2a1)"). Messages of malformed binaries start with "malformed: ", of
 * invalid ones with "invalid: ". The bytes are not retained. */
sl_wasm_module *sl_wasm_module_load(const uint8_t *bytes, size_t len, char *err, size_t errsize);
void sl_wasm_module_free(sl_wasm_module *module);

/* Introspection of imports and exports (for linkers, the wasm plugin host and
 * `schedlab wasm run`). Strings are owned by the module. */
typedef struct sl_wasm_import_info {
    const char *module;
    const char *name;
    sl_wasm_extern_kind kind;
    sl_wasm_functype func; /* kind == FUNC */
} sl_wasm_import_info;
typedef struct sl_wasm_export_info {
    const char *name;
    sl_wasm_extern_kind kind;
    sl_wasm_functype func; /* kind == FUNC */
} sl_wasm_export_info;
uint32_t sl_wasm_module_import_count(const sl_wasm_module *module);
void sl_wasm_module_import(const sl_wasm_module *module, uint32_t index, sl_wasm_import_info *out);
uint32_t sl_wasm_module_export_count(const sl_wasm_module *module);
void sl_wasm_module_export(const sl_wasm_module *module, uint32_t index, sl_wasm_export_info *out);

/* ------------------------------------------------------------------ */
/* Host functions                                                       */
/* ------------------------------------------------------------------ */

/* Per-call context handed to a host function. */
typedef struct sl_wasm_call {
    sl_wasm_instance *caller;  /* the instance whose code called the import */
    void *user;             /* the pointer given when the function was defined */
} sl_wasm_call;

/* A host function. `slots` holds the arguments in order, one 64-bit slot
 * each (i32 in the low 32 bits, f32/f64 as raw bits, refs as pointer bits);
 * the host writes its results into slots[0..nresults) (the slot array is at
 * least max(nparams, nresults) long). Return NULL on success, or a trap made
 * with sl_wasm_trap_new() to abort the guest (the trap propagates to the
 * embedder's sl_wasm_func_call). This raw form is what keeps guest->host calls
 * in the ~20 ns range. */
typedef sl_wasm_trap *(*sl_wasm_host_fn)(sl_wasm_call *call, uint64_t *slots);

/* Signature strings: params ':' results, one letter per value:
 * i=i32 I=i64 f=f32 F=f64 r=funcref x=externref.  "ii:i", ":", "I:" */
bool sl_wasm_functype_parse(const char *sig, sl_wasm_valtype *params, uint32_t *nparams,
                         sl_wasm_valtype *results, uint32_t *nresults, uint32_t max);

/* ------------------------------------------------------------------ */
/* Linker                                                               */
/* ------------------------------------------------------------------ */

sl_wasm_linker *sl_wasm_linker_new(void);
void sl_wasm_linker_free(sl_wasm_linker *linker);
/* Defines a host function import. Returns false if (module, name) is taken
 * or sig is malformed. module/name/sig are copied. */
bool sl_wasm_linker_define_func(sl_wasm_linker *linker, const char *module, const char *name,
                             const char *sig, sl_wasm_host_fn fn, void *user);
/* Defines an import by an existing extern (another instance's export, or a
 * host memory/table/global). The extern's store must be the store later
 * passed to sl_wasm_instantiate. */
bool sl_wasm_linker_define_extern(sl_wasm_linker *linker, const char *module, const char *name,
                               sl_wasm_extern *ext);
/* Defines every export of `instance` under module name `module` (spec-test
 * `register`). */
bool sl_wasm_linker_define_instance(sl_wasm_linker *linker, const char *module, sl_wasm_instance *instance);
/* Hands an object to the linker; free_fn(ptr) runs in sl_wasm_linker_free
 * (e.g. the WASI state behind its host functions). */
void sl_wasm_linker_attach(sl_wasm_linker *linker, void *ptr, void (*free_fn)(void *));

/* ------------------------------------------------------------------ */
/* Stores and instances                                                 */
/* ------------------------------------------------------------------ */

typedef struct sl_wasm_limits_config {
    uint32_t max_memory_pages;   /* 0 = 65536 (4 GiB); memory.grow beyond fails (-1) and
                                    instantiation of a larger minimum fails */
    uint32_t max_call_depth;     /* 0 = default (10000 frames); exceeding it traps with
                                    "call stack exhausted" */
    size_t max_stack_bytes;      /* 0 = default (8 MiB) value stack */
} sl_wasm_limits_config;

sl_wasm_store *sl_wasm_store_new(const sl_wasm_limits_config *limits /* NULL = defaults */);
void sl_wasm_store_free(sl_wasm_store *store);

/* Interruption: another thread may call sl_wasm_store_interrupt() at any time;
 * the guest running in that store traps with "interrupted" at its next loop
 * back-edge or call (bounded latency). A deadline (monotonic ns, 0 = none)
 * does the same without a second thread; it is checked at the same points.
 * Both stay armed until reset with sl_wasm_store_set_deadline(store, 0) /
 * sl_wasm_store_clear_interrupt(). */
void sl_wasm_store_interrupt(sl_wasm_store *store);
void sl_wasm_store_clear_interrupt(sl_wasm_store *store);
void sl_wasm_store_set_deadline(sl_wasm_store *store, int64_t deadline_monotonic_ns);

/* Instantiates: resolves imports through the linker (missing import or type
 * mismatch -> NULL with err "unknown import: env.foo" / "incompatible import
 * type for env.foo"), allocates memories/tables/globals, applies element and
 * data segments, runs the start function. A trap during segment
 * initialisation or start returns NULL and sets *trap (caller frees) and err.
 * Instances are freed with their store. */
sl_wasm_instance *sl_wasm_instantiate(sl_wasm_store *store, const sl_wasm_module *module,
                                const sl_wasm_linker *linker, sl_wasm_trap **trap,
                                char *err, size_t errsize);
const sl_wasm_module *sl_wasm_instance_module(const sl_wasm_instance *instance);
sl_wasm_store *sl_wasm_instance_store(const sl_wasm_instance *instance);
/* Opaque per-instance pointer for the embedder (host functions read it via
 * call->caller). */
void sl_wasm_instance_set_user(sl_wasm_instance *instance, void *user);
void *sl_wasm_instance_user(const sl_wasm_instance *instance);

/* Export lookup by name; NULL if absent. Owned by the store. */
sl_wasm_extern *sl_wasm_instance_export(sl_wasm_instance *instance, const char *name);
/* The same by a name of `len` bytes (export names may contain NUL bytes). */
sl_wasm_extern *sl_wasm_instance_export_n(sl_wasm_instance *instance, const char *name, size_t len);
sl_wasm_extern_kind sl_wasm_extern_kind_of(const sl_wasm_extern *ext);

/* ------------------------------------------------------------------ */
/* Functions                                                            */
/* ------------------------------------------------------------------ */

/* Calls a function extern. args must match the signature (checked; a
 * mismatch returns a trap "argument type mismatch"). results has room for
 * the function's results. Returns NULL on success or a trap the caller
 * frees with sl_wasm_trap_free(). Reentrant from host functions (a host
 * function may call back into the guest). */
sl_wasm_trap *sl_wasm_func_call(sl_wasm_extern *func, const sl_wasm_val *args, uint32_t nargs,
                          sl_wasm_val *results, uint32_t nresults);
/* Same, raw slots as in sl_wasm_host_fn (fast path for hot calls). */
sl_wasm_trap *sl_wasm_func_call_raw(sl_wasm_extern *func, uint64_t *slots);
void sl_wasm_func_type(const sl_wasm_extern *func, sl_wasm_functype *out);
/* Funcref values (sl_wasm_val.of.funcref) <-> externs of the same store. */
sl_wasm_extern *sl_wasm_funcref_extern(sl_wasm_store *store, void *funcref);
void *sl_wasm_extern_funcref(sl_wasm_extern *func);

/* ------------------------------------------------------------------ */
/* Memories                                                             */
/* ------------------------------------------------------------------ */

/* A memory's base pointer may move on growth: never keep it across a call
 * into the guest. */
uint8_t *sl_wasm_memory_data(sl_wasm_extern *memory);
uint64_t sl_wasm_memory_size_bytes(sl_wasm_extern *memory);
uint32_t sl_wasm_memory_pages(sl_wasm_extern *memory);
/* Returns the old size in pages, or -1 (as uint32) if the limit forbids it. */
uint32_t sl_wasm_memory_grow(sl_wasm_extern *memory, uint32_t delta_pages);
/* Bounds-checked copies: false (nothing copied) if [offset, offset+len)
 * is outside the memory. */
bool sl_wasm_memory_read(sl_wasm_extern *memory, uint64_t offset, void *dst, size_t len);
bool sl_wasm_memory_write(sl_wasm_extern *memory, uint64_t offset, const void *src, size_t len);
/* Host-created memory (spectest). max_pages = UINT32_MAX for none. */
sl_wasm_extern *sl_wasm_memory_new(sl_wasm_store *store, uint32_t min_pages, uint32_t max_pages);
/* The memory of the instance whose code called a host function (export
 * "memory" or memory 0); NULL if it has none. */
sl_wasm_extern *sl_wasm_instance_memory(sl_wasm_instance *instance);

/* ------------------------------------------------------------------ */
/* Globals and tables                                                   */
/* ------------------------------------------------------------------ */

sl_wasm_extern *sl_wasm_global_new(sl_wasm_store *store, sl_wasm_val value, bool mutable_);
sl_wasm_val sl_wasm_global_get(const sl_wasm_extern *global);
/* Fails (false) on an immutable global or a type mismatch. */
bool sl_wasm_global_set(sl_wasm_extern *global, sl_wasm_val value);

sl_wasm_extern *sl_wasm_table_new(sl_wasm_store *store, sl_wasm_valtype elem, uint32_t min, uint32_t max,
                            sl_wasm_val init);
uint32_t sl_wasm_table_size(const sl_wasm_extern *table);
bool sl_wasm_table_get(const sl_wasm_extern *table, uint32_t index, sl_wasm_val *out);
bool sl_wasm_table_set(sl_wasm_extern *table, uint32_t index, sl_wasm_val value);

/* ------------------------------------------------------------------ */
/* Traps                                                                */
/* ------------------------------------------------------------------ */

typedef enum sl_wasm_trap_kind {
    SL_WASM_TRAP_GENERIC = 0,   /* host-made or other */
    SL_WASM_TRAP_UNREACHABLE,   /* "unreachable" */
    SL_WASM_TRAP_MEMORY_OOB,    /* "out of bounds memory access" */
    SL_WASM_TRAP_TABLE_OOB,     /* "out of bounds table access" / "undefined element" */
    SL_WASM_TRAP_INDIRECT_NULL, /* "uninitialized element" */
    SL_WASM_TRAP_INDIRECT_TYPE, /* "indirect call type mismatch" */
    SL_WASM_TRAP_DIV_ZERO,      /* "integer divide by zero" */
    SL_WASM_TRAP_INT_OVERFLOW,  /* "integer overflow" */
    SL_WASM_TRAP_CONVERSION,    /* "invalid conversion to integer" */
    SL_WASM_TRAP_EXHAUSTION,    /* "call stack exhausted" */
    SL_WASM_TRAP_INTERRUPTED,   /* "interrupted" (deadline or sl_wasm_store_interrupt) */
    SL_WASM_TRAP_EXIT,          /* WASI proc_exit: a clean stop, see sl_wasm_trap_exit_code */
} sl_wasm_trap_kind;

/* Makes a trap (message copied). Used by host functions and WASI. */
sl_wasm_trap *sl_wasm_trap_new(sl_wasm_trap_kind kind, const char *message);
/* A proc_exit stop carrying an exit code. */
sl_wasm_trap *sl_wasm_trap_new_exit(int32_t code);
sl_wasm_trap_kind sl_wasm_trap_kind_of(const sl_wasm_trap *trap);
/* The spec-test message ("integer divide by zero", ...). */
const char *sl_wasm_trap_message(const sl_wasm_trap *trap);
int32_t sl_wasm_trap_exit_code(const sl_wasm_trap *trap);
/* Backtrace, innermost first, one line per frame:
 *   "  #0 wasm function 12 (runtime.panic) at offset 0x3f1" */
const char *sl_wasm_trap_backtrace(const sl_wasm_trap *trap);
void sl_wasm_trap_free(sl_wasm_trap *trap);

/* ------------------------------------------------------------------ */
/* WASI preview1 (wasi.c)                                               */
/* ------------------------------------------------------------------ */

/* Output sink for fd 1 and 2. */
typedef void (*sl_wasm_wasi_write_fn)(void *user, int fd, const uint8_t *data, size_t len);

typedef struct sl_wasm_wasi_config {
    int argc;
    const char *const *argv;
    int envc;
    const char *const *envp;   /* "KEY=VALUE" */
    sl_wasm_wasi_write_fn write;  /* NULL = discard output */
    void *write_user;
    /* stdin: NULL = empty */
    const uint8_t *stdin_data;
    size_t stdin_len;
    uint64_t random_seed;      /* 0 = seed from the OS */
    /* true: fd 0 reads this process's stdin directly (stdin_data ignored) */
    bool stdin_inherit;
    /* Host directories the guest may reach, as fds 3, 4, ... in order.
     * Paths resolve beneath them only: no `..` or symlink escape
     * (openat2 RESOLVE_BENEATH). */
    int npreopens;
    const struct sl_wasm_wasi_preopen *preopens;
} sl_wasm_wasi_config;

typedef struct sl_wasm_wasi_preopen {
    const char *host_path;     /* an existing directory */
    const char *guest_path;    /* the name the guest sees ("/data", ".") */
} sl_wasm_wasi_preopen;

/* Defines every wasi_snapshot_preview1 import in the linker. The config's
 * strings are copied and the preopened directories opened now. Per-instance
 * state (stdin position, the fd table, ...) is created lazily. Unsupported
 * calls return ENOSYS (52). proc_exit produces a SL_WASM_TRAP_EXIT trap.
 * false when a preopen cannot be opened (errno tells why) or a definition
 * fails. */
bool sl_wasm_wasi_define(sl_wasm_linker *linker, const sl_wasm_wasi_config *config);

#endif
