/*
 * runtime.h — INTERNAL: the structures shared by the execution engine's three
 * files: compile.c (translator), exec.c (interpreter hot loop) and instance.c
 * (stores, linker, instances, externs, traps). Not part of the public API.
 *
 * Internal code ("icode"). sl_wasm_compile() turns every function body into an
 * array of 32-bit units. An instruction is
 *
 *     [handler pointer: 2 units][operand units...]
 *
 * The handler is a C function (exec.c) with the shared signature
 * sl_wasm_handler; it executes the instruction and tail-calls (clang musttail)
 * the handler of the next one. Operands are unsigned 32-bit units:
 *
 *   slot   a frame-relative index into the 64-bit value slots of the current
 *          frame (fp[slot]). Slots 0..nparams-1 are the parameters, then the
 *          declared locals, then one "home" slot per operand-stack height.
 *   imm    an immediate (i64/f64 immediates take 2 units, low word first).
 *   off    a branch target, relative to the operand unit that holds it
 *          (target = &unit + (int32_t)unit).
 *   ptr    a host pointer, 2 units.
 *
 * The operation list below names each handler op_<name>; the suffix says the
 * operand shape of the sources: _ss = two slots, _si = slot and immediate,
 * _s = one slot. The destination slot (if any) always comes first.
 *
 * Values in slots: i32 in the low 32 bits (upper bits unspecified: readers
 * cast), i64 whole, f32 as raw bits in the low 32 bits, f64 as raw bits,
 * funcref as a sl_wasm_funcinst pointer, externref as the host's uintptr_t.
 *
 * Calls: a callee's frame starts at the caller's home slot of its first
 * argument (args are already in place, results come back there), so a call
 * copies nothing. Call records (return ip, caller fp, caller instance) live
 * in a separate array bounded by the store's max_call_depth.
 */
#ifndef SCHEDLAB_WASM_RUNTIME_H
#define SCHEDLAB_WASM_RUNTIME_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/module.h"
#include "wasm/wasm.h"

/* ---- operations ---------------------------------------------------------- */

/* Compare kinds used by the fused compare-and-branch instructions. */
#define SL_WASM_CMP_KINDS(X) X(eq) X(ne) X(lt_s) X(lt_u) X(gt_s) X(gt_u) X(le_s) X(le_u) X(ge_s) X(ge_u)

#define SL_WASM_INT_BINOPS(X, T)                                                              \
    X(T##_add) X(T##_sub) X(T##_mul) X(T##_div_s) X(T##_div_u) X(T##_rem_s) X(T##_rem_u)    \
    X(T##_and) X(T##_or) X(T##_xor) X(T##_shl) X(T##_shr_s) X(T##_shr_u) X(T##_rotl)         \
    X(T##_rotr) X(T##_eq) X(T##_ne) X(T##_lt_s) X(T##_lt_u) X(T##_gt_s) X(T##_gt_u)          \
    X(T##_le_s) X(T##_le_u) X(T##_ge_s) X(T##_ge_u)
/* Binary operations that also have an immediate form (_si). */
#define SL_WASM_INT_IMM_BINOPS(X, T)                                                           \
    X(T##_add) X(T##_sub) X(T##_mul) X(T##_and) X(T##_or) X(T##_xor) X(T##_shl)            \
    X(T##_shr_s) X(T##_shr_u) X(T##_rotl) X(T##_rotr) X(T##_eq) X(T##_ne) X(T##_lt_s) X(T##_lt_u) X(T##_gt_s)        \
    X(T##_gt_u) X(T##_le_s) X(T##_le_u) X(T##_ge_s) X(T##_ge_u)
#define SL_WASM_FLOAT_BINOPS(X, T)                                                            \
    X(T##_add) X(T##_sub) X(T##_mul) X(T##_div) X(T##_min) X(T##_max) X(T##_copysign)       \
    X(T##_eq) X(T##_ne) X(T##_lt) X(T##_gt) X(T##_le) X(T##_ge)
#define SL_WASM_FLOAT_UNOPS(X, T)                                                             \
    X(T##_abs) X(T##_neg) X(T##_ceil) X(T##_floor) X(T##_trunc) X(T##_nearest) X(T##_sqrt)

/* Every operation whose operands are (dst, src) — "unary". */
#define SL_WASM_UNARY_OPS(X)                                                                  \
    X(move) X(i32_eqz) X(i32_clz) X(i32_ctz) X(i32_popcnt) X(i32_extend8_s)                 \
    X(i32_extend16_s) X(i64_eqz) X(i64_clz) X(i64_ctz) X(i64_popcnt) X(i64_extend8_s)       \
    X(i64_extend16_s) X(i64_extend32_s) X(i64_extend_i32_u) SL_WASM_FLOAT_UNOPS(X, f32)        \
    SL_WASM_FLOAT_UNOPS(X, f64) X(i32_trunc_f32_s) X(i32_trunc_f32_u) X(i32_trunc_f64_s)       \
    X(i32_trunc_f64_u) X(i64_trunc_f32_s) X(i64_trunc_f32_u) X(i64_trunc_f64_s)             \
    X(i64_trunc_f64_u) X(i32_trunc_sat_f32_s) X(i32_trunc_sat_f32_u)                       \
    X(i32_trunc_sat_f64_s) X(i32_trunc_sat_f64_u) X(i64_trunc_sat_f32_s)                   \
    X(i64_trunc_sat_f32_u) X(i64_trunc_sat_f64_s) X(i64_trunc_sat_f64_u)                   \
    X(f32_convert_i32_s) X(f32_convert_i32_u) X(f32_convert_i64_s) X(f32_convert_i64_u)     \
    X(f32_demote_f64) X(f64_convert_i32_s) X(f64_convert_i32_u) X(f64_convert_i64_s)        \
    X(f64_convert_i64_u) X(f64_promote_f32) X(ref_is_null)

/* Every operation whose operands are (dst, src, src) — "binary". */
#define SL_WASM_BINARY_OPS(X)                                                                 \
    SL_WASM_INT_BINOPS(X, i32) SL_WASM_INT_BINOPS(X, i64) SL_WASM_FLOAT_BINOPS(X, f32)               \
    SL_WASM_FLOAT_BINOPS(X, f64)

/* Loads: (dst, addr, offset); stores: (addr, value, offset). */
#define SL_WASM_LOAD_OPS(X)                                                                   \
    X(load32) X(load64) X(i32_load8_s) X(i32_load8_u) X(i32_load16_s) X(i32_load16_u)      \
    X(i64_load8_s) X(i64_load16_s) X(i64_load32_s)
#define SL_WASM_STORE_OPS(X) X(store8) X(store16) X(store32) X(store64)

/* Everything else, with its operand layout. */
#define SL_WASM_OTHER_OPS(X)                                                                  \
    X(unreachable)          /* */                                                          \
    X(exit)                 /* (end of a host->guest call) */                              \
    X(enter)                /* first_local, count: zero the declared locals */             \
    X(const32)              /* dst, imm */                                                 \
    X(const64)              /* dst, imm64 */                                               \
    X(select)               /* dst, a, b, cond */                                          \
    X(br)                   /* off */                                                      \
    X(br_back)              /* off (loop back-edge: polls interruption) */                 \
    X(br_if_nz) X(br_if_z)  /* cond, off */                                                \
    X(br_if_nz_back) X(br_if_z_back)                                                       \
    X(br_table)             /* index, count, off[count + 1] (last = default) */            \
    X(return)               /* (results already in fp[0..n)) */                            \
    X(return_s)             /* src: fp[0] = fp[src], return */                             \
    X(call)                 /* argbase, ptr compiled_func */                               \
    X(call_import)          /* argbase, function index */                                  \
    X(call_indirect)        /* argbase, index slot, table, type id */                      \
    X(global_get)           /* dst, global index */                                        \
    X(global_set)           /* global index, src */                                        \
    X(memory_size)          /* dst */                                                      \
    X(memory_grow)          /* dst, delta */                                               \
    X(memory_copy)          /* dst, src, n */                                              \
    X(memory_fill)          /* dst, value, n */                                            \
    X(memory_init)          /* dst, src, n, segment */                                     \
    X(data_drop)            /* segment */                                                  \
    X(table_get)            /* dst, index, table */                                        \
    X(table_set)            /* index, value, table */                                      \
    X(table_size)           /* dst, table */                                               \
    X(table_grow)           /* dst, init, n, table */                                      \
    X(table_fill)           /* index, value, n, table */                                   \
    X(table_copy)           /* dst, src, n, dst table, src table */                        \
    X(table_init)           /* dst, src, n, table, segment */                              \
    X(elem_drop)            /* segment */                                                  \
    X(ref_func)             /* dst, function index */                                      \
    X(f64_add_sm) X(f64_sub_sm) X(f64_mul_sm) /* dst, a, addr, offset: a OP f64.load */ \
    X(f64_add_st) X(f64_sub_st) X(f64_mul_st) /* addr, a, b, offset: f64.store(a OP b) */  \
    X(f64_add_sm_st) X(f64_sub_sm_st) X(f64_mul_sm_st)                                     \
                            /* addr, a, laddr, loffset, offset: f64.store(a OP f64.load) */ \
    X(move2)                /* dst1, src1, dst2, src2: two moves, in order */              \
    X(load32_ai)            /* dst, a, imm, offset: i32.load(a + imm) */                   \
    X(load32_aa)            /* dst, a, b, offset: i32.load(a + b) */                       \
    X(store32_i) X(store16_i) X(store8_i) /* addr, imm, offset */                          \
    X(i32_add3)             /* dst, a, b, c: a + b + c */                                  \
    X(i32_add_ssi)          /* dst, a, b, imm: a + b + imm */                              \
    X(i32_xor_rotl)         /* dst, a, b, imm: a ^ rotl(b, imm) */                         \
    X(store8_aa_i) X(store32_aa_i) /* a, b, imm, offset: store imm at a + b */             \
    X(enter1) X(enter2)     /* first_local, count: enter with 1 or 2 declared locals */    \
    X(load32_aiw)           /* dst, d, x, imm, offset: d = x + imm; dst = i32.load(d) */   \
    X(br_if_z_load32) X(br_if_nz_load32) X(br_if_z_load32_back) X(br_if_nz_load32_back)    \
                            /* addr, offset, off: branch on an i32.load */                 \
    X(f64_mul3)             /* dst, a, x, y: a * (x * y) */                                \
    X(f64_add_mul)          /* dst, a, x, y: a + x * y (two roundings) */                  \
    X(f64_sub_mul)          /* dst, a, x, y: a - x * y */                                  \
    X(f64_mul_sub)          /* dst, a, x, y: x * y - a */                                  \
    X(br_if_and_z) X(br_if_and_nz) /* a, imm, off: branch if (a & imm) ==/!= 0 */          \
    X(store8_aa) X(store32_aa) /* a, b, value, offset: store at a + b */                   \
    X(store32_ai) X(store64_ai) /* a, imm, value, offset: store at a + imm */              \
    X(i32_load8_u_ai)       /* dst, a, imm, offset: i32.load8_u(a + imm) */                \
    X(f64_madd_mm)          /* dst, a, baddr, boffset, caddr, coffset:                     \
                               a * f64.load(b) + f64.load(c) */                            \
    X(f64_madd_mm_st)       /* addr, a, baddr, boffset, caddr, coffset, offset:            \
                               f64.store(a * f64.load(b) + f64.load(c)) */           \
    X(i32_add2_ss_ss) X(i32_add2_ss_si) X(i32_add2_si_ss) X(i32_add2_si_si)                \
                            /* d1, a1, b1, d2, a2, b2: d1 = a1 + b1; then d2 = a2 + b2 \
                               (b an immediate in the _si halves) */                     \
    X(br_if_z_load32_to) X(br_if_nz_load32_to) X(br_if_z_load32_to_back)                   \
    X(br_if_nz_load32_to_back) /* dst, addr, offset, off: dst = i32.load; branch on it */ \
    X(move3) X(move4)       /* (dst, src) x 3 or 4: moves, in order */                     \
    X(i32_rotl_xor_rotl)    /* dst, x, i, y, j: rotl(x, i) ^ rotl(y, j) */               \
    X(br_if_and_z_to) X(br_if_and_nz_to) /* dst, a, imm, off: dst = a & imm; branch on it */

#define SL_WASM_OP_ENUM(name) SL_WASM_OP_##name,
#define SL_WASM_OP_ENUM_SI(name) SL_WASM_OP_##name##_si,
#define SL_WASM_OP_ENUM_BR(k)                                                                 \
    SL_WASM_OP_br_if_##k##_ss, SL_WASM_OP_br_if_##k##_si, SL_WASM_OP_br_if_##k##_ss_back,           \
        SL_WASM_OP_br_if_##k##_si_back,
/* Loop back-edges fused with the loop variable's increment:
 * (dst, x, inc, limit, off): dst = x + inc; branch if dst CMP limit;
 * the _addss form adds a slot (dst, x, y, limit, off). */
#define SL_WASM_OP_ENUM_BRADD(k) SL_WASM_OP_br_add_##k##_si_back, SL_WASM_OP_br_addss_##k##_si_back,
typedef enum sl_wasm_op {
    SL_WASM_UNARY_OPS(SL_WASM_OP_ENUM)
    SL_WASM_BINARY_OPS(SL_WASM_OP_ENUM)
    SL_WASM_INT_IMM_BINOPS(SL_WASM_OP_ENUM_SI, i32)
    SL_WASM_INT_IMM_BINOPS(SL_WASM_OP_ENUM_SI, i64)
    SL_WASM_LOAD_OPS(SL_WASM_OP_ENUM)
    SL_WASM_STORE_OPS(SL_WASM_OP_ENUM)
    SL_WASM_OTHER_OPS(SL_WASM_OP_ENUM)
    SL_WASM_CMP_KINDS(SL_WASM_OP_ENUM_BR)
    SL_WASM_CMP_KINDS(SL_WASM_OP_ENUM_BRADD)
    SL_WASM_OP_COUNT
} sl_wasm_op;

typedef struct exec_state exec_state;
typedef void (*sl_wasm_handler)(const uint32_t *ip, uint64_t *fp, uint8_t *mem, uint64_t mem_size,
                             exec_state *st);

/* exec.c: handler of each operation. */
extern const sl_wasm_handler sl_wasm_op_handlers[SL_WASM_OP_COUNT];

/* ---- translated code ------------------------------------------------------ */

typedef struct compiled_func {
    uint32_t *code;
    uint32_t code_len;
    uint32_t frame_slots;     /* params + locals + operand-stack home slots */
    uint32_t nparams, nresults;
    uint32_t func_index;
    uint32_t type_id;         /* process-wide interned signature */
    const sl_wasm_func *func;    /* for names in backtraces */
    uint32_t *pc_map;         /* pairs (code position, binary offset), ascending */
    uint32_t pc_map_len;      /* number of pairs */
} compiled_func;

typedef struct compiled_module {
    uint32_t *type_ids;       /* per module type index */
    compiled_func *funcs;     /* per defined function (index - num_imported_funcs) */
} compiled_module;

/* compile.c: process-wide interning of function types (structural). */
uint32_t sl_wasm_type_intern(const sl_wasm_valtype *params, uint32_t nparams,
                          const sl_wasm_valtype *results, uint32_t nresults);
const sl_wasm_type *sl_wasm_type_by_id(uint32_t id);
/* The binary offset of the instruction at code position pos. */
uint32_t sl_wasm_compiled_offset_at(const compiled_func *cf, uint32_t pos);

/* ---- runtime objects --------------------------------------------------------- */

/* Every extern begins with this header; a sl_wasm_extern * IS the object. */
struct sl_wasm_extern {
    sl_wasm_extern_kind kind;
    sl_wasm_store *store;
};

typedef struct sl_wasm_funcinst {
    sl_wasm_extern ext;
    uint32_t type_id;
    const sl_wasm_type *type;          /* interned; owned by the registry */
    sl_wasm_instance *inst;            /* wasm functions: the owning instance */
    const compiled_func *code;      /* NULL for host functions */
    sl_wasm_host_fn host_fn;
    void *host_user;
    const char *host_name;          /* "module.name" for backtraces (owned by store) */
} sl_wasm_funcinst;

typedef struct sl_wasm_meminst {
    sl_wasm_extern ext;
    uint8_t *data;
    uint64_t size;                  /* bytes */
    uint32_t pages, max_pages;      /* max_pages: module max or UINT32_MAX */
    size_t mapped;                  /* bytes mapped (0 = data is the static empty block) */
} sl_wasm_meminst;

typedef struct sl_wasm_tableinst {
    sl_wasm_extern ext;
    sl_wasm_valtype elem;
    uint32_t size, max;             /* max: UINT32_MAX for none */
    uintptr_t *elems;
} sl_wasm_tableinst;

typedef struct sl_wasm_globalinst {
    sl_wasm_extern ext;
    sl_wasm_valtype type;
    bool mutable_;
    uint64_t value;
} sl_wasm_globalinst;

struct sl_wasm_instance {
    sl_wasm_store *store;
    const sl_wasm_module *module;
    void *user;
    sl_wasm_meminst *mem0;              /* memory 0 or the store's empty memory */
    sl_wasm_funcinst **funcs;
    sl_wasm_tableinst **tables;
    sl_wasm_meminst **memories;
    sl_wasm_globalinst **globals;
    uint32_t *elem_len;             /* per element segment; 0 once dropped */
    uintptr_t **elem_items;
    bool *data_dropped;
    sl_wasm_funcinst *own_funcs;       /* defined functions, one block */
};

typedef struct call_frame {
    const uint32_t *ret_ip;
    uint64_t *fp;
    sl_wasm_instance *inst;            /* the caller's instance */
    const compiled_func *callee;
} call_frame;

struct exec_state {
    sl_wasm_instance *inst;            /* instance of the running code */
    call_frame *frames, *frame_top, *frame_end;
    uint64_t *stack_base, *stack_top, *stack_end;
    size_t stack_mapped;
    int64_t fuel;                   /* back-edges/calls until the next poll */
    atomic_int interrupt_requested;
    _Atomic int64_t deadline_ns;
    uint32_t max_call_depth;
    uint32_t max_memory_pages;
    /* Trap raised by a handler (reason) or by a host function (pending_trap). */
    bool trapped;
    int trap_reason;                /* exec.c's trap_reason */
    uint32_t trap_detail;           /* e.g. the element index */
    const uint32_t *trap_ip;
    sl_wasm_trap *pending_trap;
};

#define SL_WASM_FUEL_PER_POLL 4096

struct sl_wasm_trap {
    sl_wasm_trap_kind kind;
    int32_t exit_code;
    char *message;
    char *backtrace;                /* "" when none */
    uint32_t nframes;               /* frames unwound (the text keeps the first 64) */
    bool backtrace_truncated;       /* the "... N more frames" line was added */
};

/* instance.c */
sl_wasm_trap *sl_wasm_trap_make(sl_wasm_trap_kind kind, const char *message);
void sl_wasm_trap_add_frame(sl_wasm_trap *trap, const compiled_func *cf, uint32_t pos);
void sl_wasm_trap_add_host_frame(sl_wasm_trap *trap, const char *name);
/* Grows by delta pages; returns the old page count or UINT32_MAX. */
uint32_t sl_wasm_memory_grow_internal(sl_wasm_meminst *mem, uint32_t delta, uint32_t store_max_pages);
uint32_t sl_wasm_table_grow_internal(sl_wasm_tableinst *table, uint32_t delta, uintptr_t init);
const char *sl_wasm_trap_kind_message(sl_wasm_trap_kind kind);

/* exec.c: runs f with its arguments in slots (results replace them; the
 * array holds max(nparams, nresults)). Returns NULL or a trap. */
sl_wasm_trap *sl_wasm_exec_invoke(sl_wasm_store *store, sl_wasm_funcinst *f, uint64_t *slots);
/* exec.c: releases the stacks of an exec_state. */
void sl_wasm_exec_release(exec_state *st);
/* instance.c */
exec_state *sl_wasm_store_exec(sl_wasm_store *store);
size_t sl_wasm_store_max_stack_bytes(const sl_wasm_store *store);

#endif
