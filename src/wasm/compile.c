/*
 * compile.c — the translator: turns each validated function body into the
 * register-slot internal code that exec.c runs (encoding in runtime.h), and
 * keeps the process-wide registry of function types that makes
 * call_indirect's signature check structural across modules.
 *
 * One linear pass per function, no fixed limits (every stack is growable).
 * The operand stack is simulated at translation time: each entry is either
 *
 *   HOME   the value lives in the home slot of its stack height
 *          (slot = nparams + nlocals + height);
 *   LOCAL  the value is still in a local's slot (local.get emits nothing);
 *   CONST  a constant not yet written anywhere (i32.const emits nothing).
 *
 * Instructions read their operands straight from wherever the entries are
 * and write their result to the home slot of the result's height. So
 * `local.get 0; i32.const 1; i32.add; local.set 0` becomes one instruction
 * `i32_add_si dst=L0 a=L0 imm=1`: the constant becomes an immediate and the
 * local.set retargets the add's destination (a "peephole" on the last
 * emitted instruction). Other superinstructions: i32 compare (or eqz)
 * followed by br_if/if fuses into one compare-and-branch; loads and stores
 * carry their offset; f64.add/sub/mul absorb an f64.load just before them;
 * stack-to-local transfers are single moves.
 *
 * More fusions fold the last instruction into its consumer when the
 * consumer pops that instruction's result straight from its home slot (so
 * the slot is dead afterwards: folds_last()). The consumer then recomputes
 * from the producer's operands, which nothing has touched in between:
 *   - i32.add / i32.add (imm) into i32.load, i32.load8_u and stores (address
 *     a+b or a+imm, wrapped to 32 bits before the offset is added), and a
 *     constant value into stores (store*_i);
 *   - an i32.add that wrote a local (local.tee) into the i32.load of that
 *     local (load32_aiw keeps the write);
 *   - i32.add chains (add3, add_ssi), a ^ rotl(b, k) (xor_rotl);
 *   - f64.mul into the f64 mul/add/sub using the product (each rounding
 *     kept), f64 results into the f64.store of them (*_st), and the axpy
 *     shape a * f64.load(b) + f64.load(c) (f64_madd_mm[_st]);
 *   - branches on i32.load results and on (x & imm) (also when local.tee
 *     keeps them, or through i32.eqz), and loop back-edges on an
 *     increment of the loop variable (br_add: x = x + inc; loop while x CMP
 *     limit / x != 0);
 *   - two to four moves in a row (move2..4); i64.extend_i32_u of a value an i32
 *     operation just wrote zero-extended is dropped.
 * A label resets the peephole, so no fusion spans a branch target.
 *
 * Invariants that keep this correct:
 *   - local.set x while an entry still refers to LOCAL x first copies that
 *     entry to its home slot ("preserve"); per-local reference counts make
 *     the check O(1) when there is nothing to preserve.
 *   - At every control-flow join (block/loop/if entry, else, end, branch
 *     targets) all entries are HOME, so every path agrees on where values are.
 *     Branch values are moved to the target label's home slots on the taken
 *     path only.
 *   - Calls: arguments are made HOME; the callee's frame starts at the home
 *     slot of the first argument, its results come back in the same slots.
 *     Entries below the arguments are left as they are (a LOCAL there
 *     still reads the local after the call).
 *   - `flushed`: every entry below that height is HOME, so the preserve
 *     check and flush_all start there. It is only raised when that holds:
 *     raising it over a LOCAL entry (as calls once did) hides the entry
 *     from a later local.set/tee of that local, which then overwrites a
 *     value still on the stack (`local.get 3; ...; call f; local.tee 3;
 *     i32.store` stored to the new address).
 *   - Unreachable code (after br, br_table, return, unreachable) is parsed
 *     but not emitted until the matching else/end.
 * Forward branch targets are patched at the label's end through a chain
 * threaded through the not-yet-patched offset units themselves.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "wasm/runtime.h"

/* ---- type registry ------------------------------------------------------------ */

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static sl_wasm_type **registry;
static uint64_t *registry_hash;
static uint32_t registry_len, registry_cap;

static uint64_t type_hash(const sl_wasm_valtype *params, uint32_t np, const sl_wasm_valtype *results,
                          uint32_t nr) {
    uint64_t h = 1469598103934665603ull ^ np ^ ((uint64_t)nr << 32);
    for (uint32_t i = 0; i < np; i++) h = (h ^ params[i]) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (uint32_t i = 0; i < nr; i++) h = (h ^ results[i]) * 1099511628211ull;
    return h;
}

uint32_t sl_wasm_type_intern(const sl_wasm_valtype *params, uint32_t np, const sl_wasm_valtype *results,
                          uint32_t nr) {
    uint64_t h = type_hash(params, np, results, nr);
    pthread_mutex_lock(&registry_lock);
    for (uint32_t i = 0; i < registry_len; i++) {
        const sl_wasm_type *t = registry[i];
        if (registry_hash[i] == h && t->nparams == np && t->nresults == nr &&
            (np == 0 || memcmp(t->params, params, np * sizeof *params) == 0) &&
            (nr == 0 || memcmp(t->results, results, nr * sizeof *results) == 0)) {
            pthread_mutex_unlock(&registry_lock);
            return i;
        }
    }
    if (registry_len == registry_cap) {
        registry_cap = registry_cap ? registry_cap * 2 : 64;
        registry = xrealloc(registry, registry_cap * sizeof *registry);
        registry_hash = xrealloc(registry_hash, registry_cap * sizeof *registry_hash);
    }
    /* One allocation per type: the struct followed by its value types. */
    sl_wasm_type *t = xmalloc(sizeof *t + (np + nr + 1) * sizeof(sl_wasm_valtype));
    sl_wasm_valtype *types = (sl_wasm_valtype *)(t + 1);
    t->nparams = np;
    t->nresults = nr;
    t->params = types;
    t->results = types + np;
    if (np) memcpy(t->params, params, np * sizeof *params);
    if (nr) memcpy(t->results, results, nr * sizeof *results);
    uint32_t id = registry_len++;
    registry[id] = t;
    registry_hash[id] = h;
    pthread_mutex_unlock(&registry_lock);
    return id;
}

const sl_wasm_type *sl_wasm_type_by_id(uint32_t id) {
    pthread_mutex_lock(&registry_lock);
    const sl_wasm_type *t = id < registry_len ? registry[id] : NULL;
    pthread_mutex_unlock(&registry_lock);
    return t;
}

/* ---- translator state --------------------------------------------------------------- */

enum { ENTRY_HOME, ENTRY_LOCAL, ENTRY_CONST };
typedef struct operand {
    uint8_t kind;
    uint32_t local;  /* ENTRY_LOCAL */
    uint64_t value;  /* ENTRY_CONST */
} operand;

enum label_kind { LABEL_BLOCK, LABEL_LOOP, LABEL_IF, LABEL_FUNC };
#define NO_CHAIN UINT32_MAX

typedef struct label {
    uint8_t kind;
    uint32_t base;            /* stack height where the label's values start */
    uint32_t nparams, nresults;
    uint32_t loop_start;      /* LOOP: code position of the loop header */
    uint32_t branch_chain;    /* forward branches to patch at end */
    uint32_t else_field;      /* IF: the false-branch offset to patch at else/end */
} label;

/* What the peephole knows about the last emitted instruction. */
enum { PEEP_NONE, PEEP_RESULT, PEEP_COMPARE, PEEP_EQZ, PEEP_LOAD64, PEEP_MOVE };

typedef struct translator {
    const sl_wasm_module *m;
    const compiled_module *cm;
    const uint8_t *p, *end, *body;
    size_t body_offset;
    uint32_t op_offset;       /* binary offset of the current opcode */

    uint32_t *code;
    uint32_t code_len, code_cap;
    uint32_t *pc_map;         /* pairs */
    uint32_t pc_map_len, pc_map_cap;
    uint32_t last_mapped_offset;

    operand *stack;
    uint32_t height, stack_cap, flushed, max_height;
    label *labels;
    uint32_t nlabels, labels_cap;
    uint32_t *local_refs;
    uint32_t locals_cap;
    uint32_t *targets;        /* br_table scratch */
    uint32_t targets_cap;

    uint32_t nlocals_total;   /* params + declared locals: first home slot */
    uint32_t nresults;        /* of the function */
    bool unreachable;
    uint32_t skip_depth;      /* nested blocks inside unreachable code */

    uint8_t peep;
    uint16_t last_op;         /* operation of the last emitted instruction */
    uint32_t peep_start, peep_end;
    uint8_t peep_cmp;         /* compare kind index */
    bool peep_imm;
    uint32_t peep_a, peep_b;  /* slots (or b = immediate) */
    /* PEEP_COMPARE: the compare directly follows an i32.add (_si) that
     * wrote its first operand (a loop increment), at peep_inc_start */
    bool peep_inc;
    uint16_t peep_inc_op;
    uint32_t peep_inc_start;
    /* PEEP_LOAD64: the load directly follows an f64.mul with an f64.load
     * operand whose result is the entry below the load's (at peep_mul_start) */
    bool peep_mul;
    uint32_t peep_mul_start;
    /* PEEP_EQZ: the eqz directly follows the i32.load (at peep_eqz_load_start)
     * that wrote its operand */
    bool peep_eqz_load;
    uint32_t peep_eqz_load_start;
    /* The PEEP_RESULT instruction before the last one, if it directly
     * precedes it (prev_end == the last one's start; UINT32_MAX = none). */
    uint16_t prev_op;
    uint32_t prev_start, prev_end;
} translator;

#define GROW(ptr, len, cap, need)                                                          \
    do {                                                                                   \
        if ((len) + (need) > (cap)) {                                                      \
            size_t new_cap_ = (cap) ? (size_t)(cap) * 2 : 64;                              \
            while (new_cap_ < (size_t)(len) + (need)) new_cap_ *= 2;                       \
            (ptr) = xrealloc((ptr), new_cap_ * sizeof *(ptr));                             \
            (cap) = (uint32_t)new_cap_;                                                    \
        }                                                                                  \
    } while (0)

/* ---- reading the (validated) body ---------------------------------------------------- */

static uint8_t read_byte(translator *t) { return t->p < t->end ? *t->p++ : 0; }

static uint64_t read_uleb(translator *t) {
    uint64_t v = 0;
    for (int shift = 0; t->p < t->end && shift < 64; shift += 7) {
        uint8_t b = *t->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
    }
    return v;
}
static uint32_t read_u32(translator *t) { return (uint32_t)read_uleb(t); }

static int64_t read_sleb(translator *t) {
    uint64_t v = 0;
    int shift = 0;
    uint8_t b = 0;
    while (t->p < t->end) {
        b = *t->p++;
        if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
    }
    if (shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
    return (int64_t)v;
}

static uint64_t read_fixed(translator *t, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)read_byte(t) << (8 * i);
    return v;
}

/* Block type -> (params, results). */
static void read_block_type(translator *t, uint32_t *np, uint32_t *nr) {
    if (t->p < t->end && *t->p == 0x40) {
        t->p++;
        *np = *nr = 0;
        return;
    }
    if (t->p < t->end && (*t->p == 0x7f || *t->p == 0x7e || *t->p == 0x7d || *t->p == 0x7c ||
                          *t->p == 0x7b || *t->p == 0x70 || *t->p == 0x6f)) {
        t->p++;
        *np = 0;
        *nr = 1;
        return;
    }
    int64_t idx = read_sleb(t);
    const sl_wasm_type *ty = &t->m->types[idx];
    *np = ty->nparams;
    *nr = ty->nresults;
}

/* ---- emission ------------------------------------------------------------------------- */

static inline uint32_t home(const translator *t, uint32_t height) {
    return t->nlocals_total + height;
}

static void emit_unit(translator *t, uint32_t u) {
    GROW(t->code, t->code_len, t->code_cap, 1);
    t->code[t->code_len++] = u;
}
static void emit_u64(translator *t, uint64_t v) {
    emit_unit(t, (uint32_t)v);
    emit_unit(t, (uint32_t)(v >> 32));
}

/* Starts an instruction; returns its position. Forgets the peephole. */
static uint32_t emit_op(translator *t, sl_wasm_op op) {
    if (t->op_offset != t->last_mapped_offset || t->pc_map_len == 0) {
        GROW(t->pc_map, t->pc_map_len * 2, t->pc_map_cap, 2);
        t->pc_map[t->pc_map_len * 2] = t->code_len;
        t->pc_map[t->pc_map_len * 2 + 1] = t->op_offset;
        t->pc_map_len++;
        t->last_mapped_offset = t->op_offset;
    }
    /* remember the last instruction if it is a result nothing folded */
    if (t->peep == PEEP_RESULT && t->peep_end == t->code_len) {
        t->prev_op = t->last_op;
        t->prev_start = t->peep_start;
        t->prev_end = t->peep_end;
    } else {
        t->prev_end = UINT32_MAX;
    }
    uint32_t start = t->code_len;
    GROW(t->code, t->code_len, t->code_cap, 2);
    sl_wasm_handler h = sl_wasm_op_handlers[op];
    memcpy(t->code + t->code_len, &h, sizeof h);
    t->code_len += 2;
    t->peep = PEEP_NONE;
    t->last_op = (uint16_t)op;
    return start;
}

/* Removes the last instruction (it started at start). */
static void unemit(translator *t, uint32_t start) {
    t->code_len = start;
    while (t->pc_map_len > 0 && t->pc_map[(t->pc_map_len - 1) * 2] >= start) t->pc_map_len--;
    t->last_mapped_offset = t->pc_map_len ? t->pc_map[(t->pc_map_len - 1) * 2 + 1] : UINT32_MAX;
}

/* Binary offset recorded for the last emitted instruction. */
static uint32_t sl_wasm_offset_of_last(const translator *t) {
    return t->pc_map_len ? t->pc_map[(t->pc_map_len - 1) * 2 + 1] : t->op_offset;
}

static inline bool peep_valid(const translator *t) {
    return t->peep != PEEP_NONE && t->peep_end == t->code_len;
}
/* The instruction at start wrote one result to its destination (unit 2). */
static void note_result(translator *t, uint32_t start) {
    t->peep = PEEP_RESULT;
    t->peep_start = start;
    t->peep_end = t->code_len;
}
/* Is the entry at height h the result that the last instruction (an op
 * producing one value, still in the home slot of h) just wrote? Then a
 * consumer may fold that instruction in: the home slot is dead after the
 * consumer pops it. */
static bool folds_last(const translator *t, uint32_t h, sl_wasm_op op) {
    return t->peep != PEEP_NONE && t->peep != PEEP_MOVE && t->peep_end == t->code_len &&
           t->last_op == op && t->stack[h].kind == ENTRY_HOME &&
           t->code[t->peep_start + 2] == home(t, h);
}

/* ---- the simulated operand stack --------------------------------------------------------- */

static void push_entry(translator *t, operand e) {
    GROW(t->stack, t->height, t->stack_cap, 1);
    t->stack[t->height++] = e;
    if (t->height > t->max_height) t->max_height = t->height;
    if (e.kind == ENTRY_LOCAL) t->local_refs[e.local]++;
}
static uint32_t push_home(translator *t) {
    push_entry(t, (operand){.kind = ENTRY_HOME});
    return home(t, t->height - 1);
}
static void push_const(translator *t, uint64_t v) {
    push_entry(t, (operand){.kind = ENTRY_CONST, .value = v});
}
static operand pop_entry(translator *t) {
    operand e = t->stack[--t->height];
    if (e.kind == ENTRY_LOCAL) t->local_refs[e.local]--;
    if (t->flushed > t->height) t->flushed = t->height;
    return e;
}
static void truncate_stack(translator *t, uint32_t height) {
    while (t->height > height) pop_entry(t);
}

static void emit_const_to(translator *t, uint32_t dst, uint64_t v) {
    if (v <= UINT32_MAX) {
        emit_op(t, SL_WASM_OP_const32);
        emit_unit(t, dst);
        emit_unit(t, (uint32_t)v);
    } else {
        emit_op(t, SL_WASM_OP_const64);
        emit_unit(t, dst);
        emit_u64(t, v);
    }
}

/* Copies the value of e into slot dst. */
static void copy_to(translator *t, operand e, uint32_t height, uint32_t dst) {
    if (e.kind == ENTRY_CONST) {
        emit_const_to(t, dst, e.value);
        return;
    }
    uint32_t src = e.kind == ENTRY_LOCAL ? e.local : home(t, height);
    if (src == dst) return;
    if (t->peep == PEEP_MOVE && t->peep_end == t->code_len && t->last_op != SL_WASM_OP_move4) {
        /* up to four moves in a row become one move2/3/4 (executed in order) */
        sl_wasm_op op = t->last_op == SL_WASM_OP_move ? SL_WASM_OP_move2
                     : t->last_op == SL_WASM_OP_move2 ? SL_WASM_OP_move3 : SL_WASM_OP_move4;
        sl_wasm_handler h = sl_wasm_op_handlers[op];
        memcpy(t->code + t->peep_start, &h, sizeof h);
        t->last_op = (uint16_t)op;
        emit_unit(t, dst);
        emit_unit(t, src);
        t->peep_end = t->code_len; /* still PEEP_MOVE: only copy_to looks at it */
        return;
    }
    uint32_t start = emit_op(t, SL_WASM_OP_move);
    emit_unit(t, dst);
    emit_unit(t, src);
    t->peep = PEEP_MOVE;
    t->peep_start = start;
    t->peep_end = t->code_len;
}

/* Makes the entry at height live in its home slot. */
static void flush_entry(translator *t, uint32_t height) {
    operand *e = &t->stack[height];
    if (e->kind == ENTRY_HOME) return;
    copy_to(t, *e, height, home(t, height));
    if (e->kind == ENTRY_LOCAL) t->local_refs[e->local]--;
    e->kind = ENTRY_HOME;
}
static void flush_range(translator *t, uint32_t from, uint32_t to) {
    for (uint32_t h = from; h < to; h++) flush_entry(t, h);
}
static void flush_all(translator *t) {
    flush_range(t, t->flushed, t->height);
    t->flushed = t->height;
}

/* Pops the top entry and returns a slot holding its value (constants are
 * written to their home slot first). */
static uint32_t pop_slot(translator *t) {
    uint32_t h = t->height - 1;
    operand e = t->stack[h];
    if (e.kind == ENTRY_CONST) {
        emit_const_to(t, home(t, h), e.value);
        pop_entry(t);
        return home(t, h);
    }
    pop_entry(t);
    return e.kind == ENTRY_LOCAL ? e.local : home(t, h);
}

/* ---- operation table ------------------------------------------------------------------------ */

enum shape { SHAPE_NONE, SHAPE_UNARY, SHAPE_BINARY, SHAPE_LOAD, SHAPE_STORE, SHAPE_NOP };
enum { IMM_NONE, IMM_32, IMM_64 };

typedef struct op_info {
    uint16_t op;
    uint16_t imm_op;       /* the _si form, if imm != IMM_NONE */
    uint8_t shape;
    uint8_t imm;
    bool commutative;
    int8_t cmp;            /* i32 compare kind + 1, for branch fusion */
    uint16_t mem_op;       /* fused form with an f64.load second operand, or 0 */
} op_info;

#define BIN(o) {.op = SL_WASM_OP_##o, .shape = SHAPE_BINARY}
#define BIN_I32(o, comm, c)                                                                \
    {.op = SL_WASM_OP_##o, .imm_op = SL_WASM_OP_##o##_si, .shape = SHAPE_BINARY, .imm = IMM_32,    \
     .commutative = comm, .cmp = c}
#define BIN_I64(o, comm)                                                                   \
    {.op = SL_WASM_OP_##o, .imm_op = SL_WASM_OP_##o##_si, .shape = SHAPE_BINARY, .imm = IMM_64,    \
     .commutative = comm}
#define UN(o) {.op = SL_WASM_OP_##o, .shape = SHAPE_UNARY}
#define LD(o) {.op = SL_WASM_OP_##o, .shape = SHAPE_LOAD}
#define ST(o) {.op = SL_WASM_OP_##o, .shape = SHAPE_STORE}
#define NOP_OP {.shape = SHAPE_NOP}

static const op_info simple_ops[256] = {
    [0x28] = LD(load32), [0x29] = LD(load64), [0x2a] = LD(load32), [0x2b] = LD(load64),
    [0x2c] = LD(i32_load8_s), [0x2d] = LD(i32_load8_u), [0x2e] = LD(i32_load16_s),
    [0x2f] = LD(i32_load16_u), [0x30] = LD(i64_load8_s), [0x31] = LD(i32_load8_u),
    [0x32] = LD(i64_load16_s), [0x33] = LD(i32_load16_u), [0x34] = LD(i64_load32_s),
    [0x35] = LD(load32),
    [0x36] = ST(store32), [0x37] = ST(store64), [0x38] = ST(store32), [0x39] = ST(store64),
    [0x3a] = ST(store8), [0x3b] = ST(store16), [0x3c] = ST(store8), [0x3d] = ST(store16),
    [0x3e] = ST(store32),
    [0x45] = UN(i32_eqz),
    [0x46] = BIN_I32(i32_eq, true, 1), [0x47] = BIN_I32(i32_ne, true, 2),
    [0x48] = BIN_I32(i32_lt_s, false, 3), [0x49] = BIN_I32(i32_lt_u, false, 4),
    [0x4a] = BIN_I32(i32_gt_s, false, 5), [0x4b] = BIN_I32(i32_gt_u, false, 6),
    [0x4c] = BIN_I32(i32_le_s, false, 7), [0x4d] = BIN_I32(i32_le_u, false, 8),
    [0x4e] = BIN_I32(i32_ge_s, false, 9), [0x4f] = BIN_I32(i32_ge_u, false, 10),
    [0x50] = UN(i64_eqz),
    [0x51] = BIN_I64(i64_eq, true), [0x52] = BIN_I64(i64_ne, true),
    [0x53] = BIN_I64(i64_lt_s, false), [0x54] = BIN_I64(i64_lt_u, false),
    [0x55] = BIN_I64(i64_gt_s, false), [0x56] = BIN_I64(i64_gt_u, false),
    [0x57] = BIN_I64(i64_le_s, false), [0x58] = BIN_I64(i64_le_u, false),
    [0x59] = BIN_I64(i64_ge_s, false), [0x5a] = BIN_I64(i64_ge_u, false),
    [0x5b] = BIN(f32_eq), [0x5c] = BIN(f32_ne), [0x5d] = BIN(f32_lt), [0x5e] = BIN(f32_gt),
    [0x5f] = BIN(f32_le), [0x60] = BIN(f32_ge),
    [0x61] = BIN(f64_eq), [0x62] = BIN(f64_ne), [0x63] = BIN(f64_lt), [0x64] = BIN(f64_gt),
    [0x65] = BIN(f64_le), [0x66] = BIN(f64_ge),
    [0x67] = UN(i32_clz), [0x68] = UN(i32_ctz), [0x69] = UN(i32_popcnt),
    [0x6a] = BIN_I32(i32_add, true, 0), [0x6b] = BIN_I32(i32_sub, false, 0),
    [0x6c] = BIN_I32(i32_mul, true, 0), [0x6d] = BIN(i32_div_s), [0x6e] = BIN(i32_div_u),
    [0x6f] = BIN(i32_rem_s), [0x70] = BIN(i32_rem_u), [0x71] = BIN_I32(i32_and, true, 0),
    [0x72] = BIN_I32(i32_or, true, 0), [0x73] = BIN_I32(i32_xor, true, 0),
    [0x74] = BIN_I32(i32_shl, false, 0), [0x75] = BIN_I32(i32_shr_s, false, 0),
    [0x76] = BIN_I32(i32_shr_u, false, 0), [0x77] = BIN_I32(i32_rotl, false, 0), [0x78] = BIN_I32(i32_rotr, false, 0),
    [0x79] = UN(i64_clz), [0x7a] = UN(i64_ctz), [0x7b] = UN(i64_popcnt),
    [0x7c] = BIN_I64(i64_add, true), [0x7d] = BIN_I64(i64_sub, false),
    [0x7e] = BIN_I64(i64_mul, true), [0x7f] = BIN(i64_div_s), [0x80] = BIN(i64_div_u),
    [0x81] = BIN(i64_rem_s), [0x82] = BIN(i64_rem_u), [0x83] = BIN_I64(i64_and, true),
    [0x84] = BIN_I64(i64_or, true), [0x85] = BIN_I64(i64_xor, true),
    [0x86] = BIN_I64(i64_shl, false), [0x87] = BIN_I64(i64_shr_s, false),
    [0x88] = BIN_I64(i64_shr_u, false), [0x89] = BIN_I64(i64_rotl, false), [0x8a] = BIN_I64(i64_rotr, false),
    [0x8b] = UN(f32_abs), [0x8c] = UN(f32_neg), [0x8d] = UN(f32_ceil), [0x8e] = UN(f32_floor),
    [0x8f] = UN(f32_trunc), [0x90] = UN(f32_nearest), [0x91] = UN(f32_sqrt),
    [0x92] = BIN(f32_add), [0x93] = BIN(f32_sub), [0x94] = BIN(f32_mul), [0x95] = BIN(f32_div),
    [0x96] = BIN(f32_min), [0x97] = BIN(f32_max), [0x98] = BIN(f32_copysign),
    [0x99] = UN(f64_abs), [0x9a] = UN(f64_neg), [0x9b] = UN(f64_ceil), [0x9c] = UN(f64_floor),
    [0x9d] = UN(f64_trunc), [0x9e] = UN(f64_nearest), [0x9f] = UN(f64_sqrt),
    [0xa0] = {.op = SL_WASM_OP_f64_add, .shape = SHAPE_BINARY, .commutative = true, .mem_op = SL_WASM_OP_f64_add_sm},
    [0xa1] = {.op = SL_WASM_OP_f64_sub, .shape = SHAPE_BINARY, .mem_op = SL_WASM_OP_f64_sub_sm},
    [0xa2] = {.op = SL_WASM_OP_f64_mul, .shape = SHAPE_BINARY, .commutative = true, .mem_op = SL_WASM_OP_f64_mul_sm},
    [0xa3] = BIN(f64_div),
    [0xa4] = BIN(f64_min), [0xa5] = BIN(f64_max), [0xa6] = BIN(f64_copysign),
    [0xa7] = NOP_OP, /* i32.wrap_i64: readers of i32 use the low half */
    [0xa8] = UN(i32_trunc_f32_s), [0xa9] = UN(i32_trunc_f32_u), [0xaa] = UN(i32_trunc_f64_s),
    [0xab] = UN(i32_trunc_f64_u), [0xac] = UN(i64_extend32_s), [0xad] = UN(i64_extend_i32_u),
    [0xae] = UN(i64_trunc_f32_s), [0xaf] = UN(i64_trunc_f32_u), [0xb0] = UN(i64_trunc_f64_s),
    [0xb1] = UN(i64_trunc_f64_u), [0xb2] = UN(f32_convert_i32_s),
    [0xb3] = UN(f32_convert_i32_u), [0xb4] = UN(f32_convert_i64_s),
    [0xb5] = UN(f32_convert_i64_u), [0xb6] = UN(f32_demote_f64),
    [0xb7] = UN(f64_convert_i32_s), [0xb8] = UN(f64_convert_i32_u),
    [0xb9] = UN(f64_convert_i64_s), [0xba] = UN(f64_convert_i64_u),
    [0xbb] = UN(f64_promote_f32),
    [0xbc] = NOP_OP, [0xbd] = NOP_OP, [0xbe] = NOP_OP, [0xbf] = NOP_OP, /* reinterpret */
    [0xc0] = UN(i32_extend8_s), [0xc1] = UN(i32_extend16_s), [0xc2] = UN(i64_extend8_s),
    [0xc3] = UN(i64_extend16_s), [0xc4] = UN(i64_extend32_s),
    [0xd1] = UN(ref_is_null),
};

static const uint16_t trunc_sat_ops[8] = {
    SL_WASM_OP_i32_trunc_sat_f32_s, SL_WASM_OP_i32_trunc_sat_f32_u, SL_WASM_OP_i32_trunc_sat_f64_s,
    SL_WASM_OP_i32_trunc_sat_f64_u, SL_WASM_OP_i64_trunc_sat_f32_s, SL_WASM_OP_i64_trunc_sat_f32_u,
    SL_WASM_OP_i64_trunc_sat_f64_s, SL_WASM_OP_i64_trunc_sat_f64_u,
};

/* Negation of each compare kind (order of SL_WASM_CMP_KINDS). */
static const uint8_t negated_compare[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};

/* Operations whose i32 result is written zero-extended to 64 bits. */
static bool zero_extends(uint16_t op) {
    switch (op) {
    case SL_WASM_OP_i32_add: case SL_WASM_OP_i32_add_si: case SL_WASM_OP_i32_sub: case SL_WASM_OP_i32_mul:
    case SL_WASM_OP_i32_mul_si: case SL_WASM_OP_i32_and: case SL_WASM_OP_i32_and_si: case SL_WASM_OP_i32_or:
    case SL_WASM_OP_i32_or_si: case SL_WASM_OP_i32_xor: case SL_WASM_OP_i32_xor_si: case SL_WASM_OP_i32_shl:
    case SL_WASM_OP_i32_shl_si: case SL_WASM_OP_i32_shr_u: case SL_WASM_OP_i32_shr_u_si:
    case SL_WASM_OP_i32_shr_s: case SL_WASM_OP_i32_shr_s_si: case SL_WASM_OP_load32:
    case SL_WASM_OP_i32_load8_u: case SL_WASM_OP_i32_load8_s: case SL_WASM_OP_i32_load16_u:
    case SL_WASM_OP_i32_load16_s: case SL_WASM_OP_load32_ai: case SL_WASM_OP_load32_aa:
    case SL_WASM_OP_i32_load8_u_ai:
        return true;
    default:
        return false;
    }
}

static void emit_unary(translator *t, uint16_t op) {
    if (op == SL_WASM_OP_i64_extend_i32_u && zero_extends(t->last_op) &&
        folds_last(t, t->height - 1, (sl_wasm_op)t->last_op))
        return; /* the slot already holds the zero-extended value */
    operand top = t->stack[t->height - 1];
    bool ld = op == SL_WASM_OP_i32_eqz && peep_valid(t) && t->peep == PEEP_RESULT &&
              t->last_op == SL_WASM_OP_load32 && top.kind != ENTRY_CONST &&
              t->code[t->peep_start + 2] ==
                  (top.kind == ENTRY_LOCAL ? top.local : home(t, t->height - 1));
    uint32_t ld_start = t->peep_start, ld_end = t->peep_end;
    uint32_t src = pop_slot(t);
    uint32_t dst = push_home(t);
    uint32_t start = emit_op(t, op);
    emit_unit(t, dst);
    emit_unit(t, src);
    note_result(t, start);
    if (op == SL_WASM_OP_i32_eqz) {
        t->peep = PEEP_EQZ;
        t->peep_a = src;
        t->peep_eqz_load = ld && start == ld_end;
        t->peep_eqz_load_start = ld_start;
    }
}

/* An i32.add (dst = a + b, b an immediate if imm) directly after another
 * i32.add whose result nothing folded: appends it to that instruction
 * (i32_add2_*, executed in order). The peephole then describes the second
 * add (peep_start moves to 3 units before its dst), so a local.set can still
 * retarget it; last_op = the add2 op, so nothing unemits it. */
static bool merge_add(translator *t, bool imm, uint32_t dst, uint32_t a, uint32_t b) {
    if (!peep_valid(t) || t->peep != PEEP_RESULT || t->code_len - t->peep_start != 5) return false;
    bool first_imm;
    if (t->last_op == SL_WASM_OP_i32_add) first_imm = false;
    else if (t->last_op == SL_WASM_OP_i32_add_si) first_imm = true;
    else return false;
    sl_wasm_op op = (sl_wasm_op)(SL_WASM_OP_i32_add2_ss_ss + (first_imm ? 2 : 0) + (imm ? 1 : 0));
    sl_wasm_handler h = sl_wasm_op_handlers[op];
    memcpy(t->code + t->peep_start, &h, sizeof h);
    emit_unit(t, dst);
    emit_unit(t, a);
    emit_unit(t, b);
    t->last_op = (uint16_t)op;
    t->peep = PEEP_RESULT;
    t->peep_start += 3;
    t->peep_end = t->code_len;
    return true;
}

static void emit_binary(translator *t, const op_info *info) {
    operand b = t->stack[t->height - 1];
    operand a = t->stack[t->height - 2];
    uint32_t start, dst, a_slot;
    uint64_t imm;
    if (info->imm != IMM_NONE && (b.kind == ENTRY_CONST ||
                                  (info->commutative && a.kind == ENTRY_CONST))) {
        uint32_t var_h = b.kind == ENTRY_CONST ? t->height - 2 : t->height - 1;
        if (info->op == SL_WASM_OP_i32_add && folds_last(t, var_h, SL_WASM_OP_i32_add)) {
            /* (x + y) + imm */
            imm = b.kind == ENTRY_CONST ? b.value : a.value;
            uint32_t x = t->code[t->peep_start + 3], y = t->code[t->peep_start + 4];
            unemit(t, t->peep_start);
            pop_entry(t);
            pop_entry(t);
            dst = push_home(t);
            start = emit_op(t, SL_WASM_OP_i32_add_ssi);
            emit_unit(t, dst);
            emit_unit(t, x);
            emit_unit(t, y);
            emit_unit(t, (uint32_t)imm);
            note_result(t, start);
            return;
        }
        bool inc_ok = info->cmp && peep_valid(t) && t->peep == PEEP_RESULT &&
                      (t->last_op == SL_WASM_OP_i32_add_si || t->last_op == SL_WASM_OP_i32_add);
        uint32_t inc_start = t->peep_start, inc_end = t->peep_end;
        uint16_t inc_op = t->last_op;
        if (b.kind == ENTRY_CONST) {
            pop_entry(t);
            a_slot = pop_slot(t);
            imm = b.value;
        } else {
            a_slot = pop_slot(t); /* the non-constant b */
            pop_entry(t);
            imm = a.value;
        }
        dst = push_home(t);
        if (info->op == SL_WASM_OP_i32_add && merge_add(t, true, dst, a_slot, (uint32_t)imm)) return;
        start = emit_op(t, info->imm_op);
        emit_unit(t, dst);
        emit_unit(t, a_slot);
        if (info->imm == IMM_32) emit_unit(t, (uint32_t)imm);
        else emit_u64(t, imm);
        note_result(t, start);
        if (info->cmp) {
            t->peep = PEEP_COMPARE;
            t->peep_cmp = (uint8_t)(info->cmp - 1);
            t->peep_imm = true;
            t->peep_a = a_slot;
            t->peep_b = (uint32_t)imm;
            t->peep_inc = inc_ok && inc_end == start && t->code[inc_start + 2] == a_slot;
            t->peep_inc_op = inc_op;
            t->peep_inc_start = inc_start;
        }
        return;
    }
    if (info->mem_op && peep_valid(t) && t->peep == PEEP_LOAD64) {
        /* a OP f64.load(...) where the load was the last instruction: fold
         * the load in (keeping its binary offset for backtraces). */
        uint32_t loaded = t->code[t->peep_start + 2];
        bool b_loaded = b.kind == ENTRY_HOME && loaded == home(t, t->height - 1);
        bool a_loaded = !b_loaded && info->commutative && a.kind == ENTRY_HOME &&
                        loaded == home(t, t->height - 2);
        if (b_loaded || a_loaded) {
            uint32_t addr = t->code[t->peep_start + 3], offset = t->code[t->peep_start + 4];
            uint32_t load_offset = sl_wasm_offset_of_last(t);
            if (info->op == SL_WASM_OP_f64_add && b_loaded && t->peep_mul && a.kind == ENTRY_HOME &&
                t->code[t->peep_mul_start + 2] == home(t, t->height - 2)) {
                /* (x * f64.load(b)) + f64.load(c): both loads and the product
                 * in one instruction (the product is still rounded first) */
                uint32_t ms = t->peep_mul_start;
                uint32_t x = t->code[ms + 3], baddr = t->code[ms + 4], boff = t->code[ms + 5];
                unemit(t, t->peep_start);
                unemit(t, ms);
                pop_entry(t);
                pop_entry(t);
                dst = push_home(t);
                start = emit_op(t, SL_WASM_OP_f64_madd_mm);
                emit_unit(t, dst);
                emit_unit(t, x);
                emit_unit(t, baddr);
                emit_unit(t, boff);
                emit_unit(t, addr);
                emit_unit(t, offset);
                note_result(t, start);
                return;
            }
            unemit(t, t->peep_start);
            uint32_t other;
            if (b_loaded) {
                pop_entry(t);
                other = pop_slot(t);
            } else {
                other = pop_slot(t);
                pop_entry(t);
            }
            dst = push_home(t);
            uint32_t binop_offset = t->op_offset;
            t->op_offset = load_offset;
            start = emit_op(t, info->mem_op);
            t->op_offset = binop_offset;
            emit_unit(t, dst);
            emit_unit(t, other);
            emit_unit(t, addr);
            emit_unit(t, offset);
            note_result(t, start);
            return;
        }
    }
    if ((info->op == SL_WASM_OP_i32_add || info->op == SL_WASM_OP_i32_xor) && a.kind != ENTRY_CONST &&
        b.kind != ENTRY_CONST) {
        /* fold the instruction that just produced one operand:
         * a + (x + y), a + (x + imm), a ^ rotl(x, imm) */
        sl_wasm_op prev = info->op == SL_WASM_OP_i32_xor ? SL_WASM_OP_i32_rotl_si : SL_WASM_OP_i32_add;
        bool fb = folds_last(t, t->height - 1, prev);
        bool fa = !fb && folds_last(t, t->height - 2, prev);
        if (!fb && !fa && info->op == SL_WASM_OP_i32_add) {
            prev = SL_WASM_OP_i32_add_si;
            fb = folds_last(t, t->height - 1, prev);
            fa = !fb && folds_last(t, t->height - 2, prev);
        }
        if (fb && prev == SL_WASM_OP_i32_rotl_si && a.kind == ENTRY_HOME &&
            t->prev_end == t->peep_start && t->prev_op == SL_WASM_OP_i32_rotl_si &&
            t->code[t->prev_start + 2] == home(t, t->height - 2)) {
            /* rotl(x, i) ^ rotl(y, j), both rotates just computed */
            uint32_t x = t->code[t->prev_start + 3], i = t->code[t->prev_start + 4];
            uint32_t y = t->code[t->peep_start + 3], j = t->code[t->peep_start + 4];
            unemit(t, t->prev_start);
            pop_entry(t);
            pop_entry(t);
            dst = push_home(t);
            start = emit_op(t, SL_WASM_OP_i32_rotl_xor_rotl);
            emit_unit(t, dst);
            emit_unit(t, x);
            emit_unit(t, i);
            emit_unit(t, y);
            emit_unit(t, j);
            note_result(t, start);
            return;
        }
        if (fb || fa) {
            uint32_t x = t->code[t->peep_start + 3], y = t->code[t->peep_start + 4];
            unemit(t, t->peep_start);
            uint32_t other;
            if (fb) {
                pop_entry(t);
                other = pop_slot(t);
            } else {
                other = pop_slot(t);
                pop_entry(t);
            }
            dst = push_home(t);
            start = emit_op(t, prev == SL_WASM_OP_i32_rotl_si ? SL_WASM_OP_i32_xor_rotl
                               : prev == SL_WASM_OP_i32_add   ? SL_WASM_OP_i32_add3
                                                           : SL_WASM_OP_i32_add_ssi);
            emit_unit(t, dst);
            emit_unit(t, other);
            emit_unit(t, x);
            emit_unit(t, y);
            note_result(t, start);
            return;
        }
    }
    if ((info->op == SL_WASM_OP_f64_mul || info->op == SL_WASM_OP_f64_add ||
         info->op == SL_WASM_OP_f64_sub) && a.kind != ENTRY_CONST && b.kind != ENTRY_CONST) {
        /* an f64 operation on the product the last instruction computed */
        bool fb = folds_last(t, t->height - 1, SL_WASM_OP_f64_mul);
        bool fa = !fb && folds_last(t, t->height - 2, SL_WASM_OP_f64_mul);
        if (fb || fa) {
            sl_wasm_op fused = info->op == SL_WASM_OP_f64_mul   ? SL_WASM_OP_f64_mul3
                            : info->op == SL_WASM_OP_f64_add ? SL_WASM_OP_f64_add_mul
                            : fb                          ? SL_WASM_OP_f64_sub_mul
                                                          : SL_WASM_OP_f64_mul_sub;
            uint32_t x = t->code[t->peep_start + 3], y = t->code[t->peep_start + 4];
            unemit(t, t->peep_start);
            uint32_t other;
            if (fb) {
                pop_entry(t);
                other = pop_slot(t);
            } else {
                other = pop_slot(t);
                pop_entry(t);
            }
            dst = push_home(t);
            start = emit_op(t, fused);
            emit_unit(t, dst);
            emit_unit(t, other);
            emit_unit(t, x);
            emit_unit(t, y);
            note_result(t, start);
            return;
        }
    }
    uint32_t b_slot = pop_slot(t);
    a_slot = pop_slot(t);
    dst = push_home(t);
    if (info->op == SL_WASM_OP_i32_add && merge_add(t, false, dst, a_slot, b_slot)) return;
    start = emit_op(t, info->op);
    emit_unit(t, dst);
    emit_unit(t, a_slot);
    emit_unit(t, b_slot);
    note_result(t, start);
    if (info->cmp) {
        t->peep = PEEP_COMPARE;
        t->peep_cmp = (uint8_t)(info->cmp - 1);
        t->peep_imm = false;
        t->peep_a = a_slot;
        t->peep_b = b_slot;
        t->peep_inc = false;
    }
}

/* ---- branches ---------------------------------------------------------------------------- */

static label *label_at(translator *t, uint32_t depth) { return &t->labels[t->nlabels - 1 - depth]; }

static uint32_t label_arity(const label *l) {
    return l->kind == LABEL_LOOP ? l->nparams : l->nresults;
}

/* Writes the offset unit of a branch to l at the current position. */
static void emit_target(translator *t, label *l) {
    uint32_t field = t->code_len;
    if (l->kind == LABEL_LOOP) {
        emit_unit(t, (uint32_t)(int32_t)((int64_t)l->loop_start - (int64_t)field));
    } else {
        emit_unit(t, l->branch_chain);
        l->branch_chain = field;
    }
}
static void resolve_chain(translator *t, uint32_t chain, uint32_t target) {
    while (chain != NO_CHAIN) {
        uint32_t next = t->code[chain];
        t->code[chain] = (uint32_t)(int32_t)((int64_t)target - (int64_t)chain);
        chain = next;
    }
}

/* Do the top `arity` values (below `skip` further entries) already sit in
 * the home slots of l? */
static bool values_in_place(const translator *t, const label *l, uint32_t arity, uint32_t skip) {
    uint32_t first = t->height - skip - arity;
    if (first != l->base) return false;
    for (uint32_t i = 0; i < arity; i++)
        if (t->stack[first + i].kind != ENTRY_HOME) return false;
    return true;
}

static void emit_return_sequence(translator *t) {
    uint32_t n = t->nresults;
    if (n == 0) {
        emit_op(t, SL_WASM_OP_return);
        return;
    }
    uint32_t first = t->height - n;
    if (n == 1) {
        operand e = t->stack[first];
        if (e.kind == ENTRY_CONST) {
            emit_const_to(t, 0, e.value);
            emit_op(t, SL_WASM_OP_return);
        } else {
            emit_op(t, SL_WASM_OP_return_s);
            emit_unit(t, e.kind == ENTRY_LOCAL ? e.local : home(t, first));
        }
        return;
    }
    /* Several results go to fp[0..n): a local among them that is itself one
     * of those slots would be overwritten before it is read. */
    for (uint32_t i = 0; i < n; i++) {
        operand e = t->stack[first + i];
        if (e.kind == ENTRY_LOCAL && e.local < n) flush_entry(t, first + i);
    }
    for (uint32_t i = 0; i < n; i++) copy_to(t, t->stack[first + i], first + i, i);
    emit_op(t, SL_WASM_OP_return);
}

/* Unconditional branch to l with its values on top of the stack. */
static void emit_branch_to(translator *t, label *l) {
    if (l->kind == LABEL_FUNC) {
        emit_return_sequence(t);
        return;
    }
    uint32_t arity = label_arity(l);
    uint32_t first = t->height - arity;
    for (uint32_t i = 0; i < arity; i++)
        copy_to(t, t->stack[first + i], first + i, home(t, l->base + i));
    emit_op(t, l->kind == LABEL_LOOP ? SL_WASM_OP_br_back : SL_WASM_OP_br);
    emit_target(t, l);
}

/* Pops the i32 condition and emits a branch taken when it is nonzero
 * (jump_if_true) or zero; fuses a just-emitted compare or eqz. Leaves the
 * offset unit unwritten and returns its position. */
static uint32_t emit_conditional(translator *t, bool jump_if_true, bool back) {
    uint32_t h = t->height - 1;
    operand cond = t->stack[h];
    if (cond.kind == ENTRY_HOME && peep_valid(t) && t->code[t->peep_start + 2] == home(t, h) &&
        (t->peep == PEEP_COMPARE || t->peep == PEEP_EQZ)) {
        uint8_t kind = t->peep;
        uint8_t cmp = t->peep_cmp;
        bool imm = t->peep_imm;
        uint32_t a = t->peep_a, b = t->peep_b;
        bool inc = kind == PEEP_COMPARE && t->peep_inc && imm && back && jump_if_true;
        uint32_t inc_start = t->peep_inc_start;
        uint16_t inc_op = t->peep_inc_op;
        bool eqz_load = kind == PEEP_EQZ && t->peep_eqz_load;
        uint32_t ld_start = t->peep_eqz_load_start;
        unemit(t, t->peep_start);
        pop_entry(t);
        if (eqz_load) {
            /* (x = i32.load) == 0: one load-and-branch; x keeps the value */
            uint32_t d = t->code[ld_start + 2], addr = t->code[ld_start + 3],
                     offset = t->code[ld_start + 4];
            uint32_t load_offset = sl_wasm_offset_of_last(t), br_offset = t->op_offset;
            unemit(t, ld_start);
            t->op_offset = load_offset; /* a trap is the load's */
            emit_op(t, jump_if_true ? (back ? SL_WASM_OP_br_if_z_load32_to_back : SL_WASM_OP_br_if_z_load32_to)
                                    : (back ? SL_WASM_OP_br_if_nz_load32_to_back : SL_WASM_OP_br_if_nz_load32_to));
            t->op_offset = br_offset;
            emit_unit(t, d);
            emit_unit(t, addr);
            emit_unit(t, offset);
        } else if (inc) {
            /* loop increment + compare + back-edge: one instruction */
            uint32_t d = t->code[inc_start + 2], x = t->code[inc_start + 3],
                     y = t->code[inc_start + 4];
            unemit(t, inc_start);
            emit_op(t, (sl_wasm_op)(SL_WASM_OP_br_add_eq_si_back + cmp * 2 +
                                 (inc_op == SL_WASM_OP_i32_add ? 1 : 0)));
            emit_unit(t, d);
            emit_unit(t, x);
            emit_unit(t, y);
            emit_unit(t, b);
        } else if (kind == PEEP_EQZ) {
            bool nz = !jump_if_true; /* branch if a == 0 when jump_if_true */
            emit_op(t, nz ? (back ? SL_WASM_OP_br_if_nz_back : SL_WASM_OP_br_if_nz)
                          : (back ? SL_WASM_OP_br_if_z_back : SL_WASM_OP_br_if_z));
            emit_unit(t, a);
        } else {
            if (!jump_if_true) cmp = negated_compare[cmp];
            sl_wasm_op op = (sl_wasm_op)(SL_WASM_OP_br_if_eq_ss + cmp * 4 + (imm ? 1 : 0) + (back ? 2 : 0));
            emit_op(t, op);
            emit_unit(t, a);
            emit_unit(t, b);
        }
    } else if (back && jump_if_true && cond.kind == ENTRY_LOCAL && peep_valid(t) &&
               t->peep == PEEP_RESULT &&
               (t->last_op == SL_WASM_OP_i32_add_si || t->last_op == SL_WASM_OP_i32_add) &&
               t->code[t->peep_start + 2] == cond.local) {
        /* x += inc; loop while x != 0 */
        uint32_t d = t->code[t->peep_start + 2], x = t->code[t->peep_start + 3],
                 y = t->code[t->peep_start + 4];
        uint16_t add = t->last_op;
        unemit(t, t->peep_start);
        pop_entry(t);
        emit_op(t, (sl_wasm_op)(SL_WASM_OP_br_add_ne_si_back + (add == SL_WASM_OP_i32_add ? 1 : 0)));
        emit_unit(t, d);
        emit_unit(t, x);
        emit_unit(t, y);
        emit_unit(t, 0);
    } else if (!back && folds_last(t, h, SL_WASM_OP_i32_and_si)) {
        uint32_t a = t->code[t->peep_start + 3], mask = t->code[t->peep_start + 4];
        unemit(t, t->peep_start);
        pop_entry(t);
        emit_op(t, jump_if_true ? SL_WASM_OP_br_if_and_nz : SL_WASM_OP_br_if_and_z);
        emit_unit(t, a);
        emit_unit(t, mask);
    } else if (folds_last(t, h, SL_WASM_OP_load32)) {
        /* branch on a just-loaded i32 */
        uint32_t addr = t->code[t->peep_start + 3], offset = t->code[t->peep_start + 4];
        unemit(t, t->peep_start);
        pop_entry(t);
        emit_op(t, jump_if_true ? (back ? SL_WASM_OP_br_if_nz_load32_back : SL_WASM_OP_br_if_nz_load32)
                                : (back ? SL_WASM_OP_br_if_z_load32_back : SL_WASM_OP_br_if_z_load32));
        emit_unit(t, addr);
        emit_unit(t, offset);
    } else if (!back && cond.kind == ENTRY_LOCAL && peep_valid(t) && t->peep == PEEP_RESULT &&
               t->last_op == SL_WASM_OP_i32_and_si && t->code[t->peep_start + 2] == cond.local) {
        /* x = a & imm (local.tee x); branch on x */
        uint32_t a = t->code[t->peep_start + 3], mask = t->code[t->peep_start + 4];
        unemit(t, t->peep_start);
        pop_entry(t);
        emit_op(t, jump_if_true ? SL_WASM_OP_br_if_and_nz_to : SL_WASM_OP_br_if_and_z_to);
        emit_unit(t, cond.local);
        emit_unit(t, a);
        emit_unit(t, mask);
    } else if (cond.kind == ENTRY_LOCAL && peep_valid(t) && t->peep == PEEP_RESULT &&
               t->last_op == SL_WASM_OP_load32 && t->code[t->peep_start + 2] == cond.local) {
        /* branch on an i32.load just written to a local (local.tee) */
        uint32_t addr = t->code[t->peep_start + 3], offset = t->code[t->peep_start + 4];
        uint32_t load_offset = sl_wasm_offset_of_last(t), br_offset = t->op_offset;
        unemit(t, t->peep_start);
        pop_entry(t);
        t->op_offset = load_offset; /* a trap is the load's */
        emit_op(t, jump_if_true ? (back ? SL_WASM_OP_br_if_nz_load32_to_back : SL_WASM_OP_br_if_nz_load32_to)
                                : (back ? SL_WASM_OP_br_if_z_load32_to_back : SL_WASM_OP_br_if_z_load32_to));
        t->op_offset = br_offset;
        emit_unit(t, cond.local);
        emit_unit(t, addr);
        emit_unit(t, offset);
    } else {
        uint32_t slot = pop_slot(t);
        emit_op(t, jump_if_true ? (back ? SL_WASM_OP_br_if_nz_back : SL_WASM_OP_br_if_nz)
                                : (back ? SL_WASM_OP_br_if_z_back : SL_WASM_OP_br_if_z));
        emit_unit(t, slot);
    }
    uint32_t field = t->code_len;
    emit_unit(t, NO_CHAIN);
    return field;
}

static void emit_br_if(translator *t, label *l) {
    if (l->kind != LABEL_FUNC && values_in_place(t, l, label_arity(l), 1)) {
        bool back = l->kind == LABEL_LOOP;
        uint32_t field = emit_conditional(t, true, back);
        t->code_len = field; /* rewrite the offset unit as a real target */
        emit_target(t, l);
        return;
    }
    uint32_t skip = emit_conditional(t, false, false);
    emit_branch_to(t, l);
    resolve_chain(t, skip, t->code_len);
    t->peep = PEEP_NONE;
}

static void emit_br_table(translator *t) {
    uint32_t n = read_u32(t);
    GROW(t->targets, 0, t->targets_cap, n + 1);
    for (uint32_t i = 0; i <= n; i++) t->targets[i] = read_u32(t);
    uint32_t index = pop_slot(t);
    uint32_t arity = label_arity(label_at(t, t->targets[n]));
    flush_range(t, t->height - arity, t->height);
    uint32_t start = emit_op(t, SL_WASM_OP_br_table);
    emit_unit(t, index);
    emit_unit(t, n);
    for (uint32_t i = 0; i <= n; i++) emit_unit(t, 0);
    for (uint32_t i = 0; i <= n; i++) {
        uint32_t field = start + 4 + i;
        label *l = label_at(t, t->targets[i]);
        if (l->kind != LABEL_FUNC && l->kind != LABEL_LOOP && values_in_place(t, l, arity, 0)) {
            t->code[field] = l->branch_chain;
            l->branch_chain = field;
        } else { /* a stub that moves the values, polls or returns */
            t->code[field] = t->code_len - field;
            emit_branch_to(t, l);
        }
    }
}

/* ---- locals ------------------------------------------------------------------------------- */

static void emit_local_set(translator *t, uint32_t x, bool tee) {
    uint32_t h = t->height - 1;
    operand v = t->stack[h];
    bool retarget = v.kind == ENTRY_HOME && peep_valid(t) && t->peep != PEEP_MOVE &&
                    t->local_refs[x] == 0 &&
                    t->code[t->peep_start + 2] == home(t, h);
    pop_entry(t);
    if (v.kind == ENTRY_LOCAL && v.local == x) {
        if (tee) push_entry(t, v);
        return;
    }
    if (t->local_refs[x] > 0) { /* preserve entries still reading x */
        for (uint32_t i = t->flushed; i < t->height; i++)
            if (t->stack[i].kind == ENTRY_LOCAL && t->stack[i].local == x) flush_entry(t, i);
    }
    if (retarget) {
        /* the instruction now writes x: it stays the last result (consumers
         * that fold it look for a home slot, which x is not) */
        t->code[t->peep_start + 2] = x;
        t->peep = PEEP_RESULT;
    } else {
        copy_to(t, v, h, x);
    }
    if (tee) push_entry(t, (operand){.kind = ENTRY_LOCAL, .local = x});
}

/* ---- control ------------------------------------------------------------------------------- */

static label *push_label(translator *t, uint8_t kind, uint32_t np, uint32_t nr) {
    GROW(t->labels, t->nlabels, t->labels_cap, 1);
    label *l = &t->labels[t->nlabels++];
    *l = (label){.kind = kind, .base = t->height - np, .nparams = np, .nresults = nr,
                 .branch_chain = NO_CHAIN, .else_field = NO_CHAIN};
    return l;
}

static void enter_block(translator *t, uint8_t opcode) {
    uint32_t np, nr;
    read_block_type(t, &np, &nr);
    if (t->unreachable) {
        t->skip_depth++;
        return;
    }
    if (opcode == 0x04) { /* if: flush what is below the condition first */
        operand cond = t->stack[t->height - 1];
        bool keep_fusion = true;
        for (uint32_t h = t->flushed; h + 1 < t->height; h++)
            if (t->stack[h].kind != ENTRY_HOME) keep_fusion = false;
        if (!keep_fusion) {
            pop_entry(t);
            flush_all(t);
            push_entry(t, cond);
        }
        uint32_t field = emit_conditional(t, false, false);
        t->flushed = t->height;
        label *l = push_label(t, LABEL_IF, np, nr);
        l->else_field = field;
        return;
    }
    flush_all(t);
    label *l = push_label(t, opcode == 0x03 ? LABEL_LOOP : LABEL_BLOCK, np, nr);
    l->loop_start = t->code_len;
    t->peep = PEEP_NONE;
}

static void reset_stack_to(translator *t, uint32_t height, uint32_t count) {
    truncate_stack(t, height);
    for (uint32_t i = 0; i < count; i++) push_home(t);
    t->flushed = t->height;
}

static void handle_else(translator *t) {
    if (t->unreachable && t->skip_depth > 0) return;
    label *l = label_at(t, 0);
    if (!t->unreachable) {
        flush_range(t, t->height - l->nresults, t->height);
        emit_op(t, SL_WASM_OP_br);
        emit_target(t, l);
    }
    resolve_chain(t, l->else_field, t->code_len);
    l->else_field = NO_CHAIN;
    reset_stack_to(t, l->base, l->nparams);
    t->unreachable = false;
    t->peep = PEEP_NONE;
}

/* Returns true at the end of the function. */
static bool handle_end(translator *t) {
    if (t->unreachable && t->skip_depth > 0) {
        t->skip_depth--;
        return false;
    }
    label *l = label_at(t, 0);
    if (l->kind == LABEL_FUNC) {
        if (!t->unreachable) emit_return_sequence(t);
        t->nlabels--;
        return true;
    }
    if (!t->unreachable) flush_range(t, t->height - l->nresults, t->height);
    resolve_chain(t, l->branch_chain, t->code_len);
    resolve_chain(t, l->else_field, t->code_len);
    reset_stack_to(t, l->base, l->nresults);
    t->nlabels--;
    t->unreachable = false;
    t->peep = PEEP_NONE;
    return false;
}

/* Skips the immediates of an instruction in unreachable code. */
static void skip_immediates(translator *t, uint8_t op) {
    switch (op) {
    case 0x0c: case 0x0d: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
    case 0x25: case 0x26: case 0xd2:
        read_u32(t);
        break;
    case 0x0e: {
        uint32_t n = read_u32(t);
        for (uint32_t i = 0; i <= n; i++) read_u32(t);
        break;
    }
    case 0x11:
        read_u32(t);
        read_u32(t);
        break;
    case 0x1c: {
        uint32_t n = read_u32(t);
        for (uint32_t i = 0; i < n; i++) read_byte(t);
        break;
    }
    case 0x3f: case 0x40: case 0xd0:
        read_byte(t);
        break;
    case 0x41: case 0x42:
        read_sleb(t);
        break;
    case 0x43:
        read_fixed(t, 4);
        break;
    case 0x44:
        read_fixed(t, 8);
        break;
    case 0xfc: {
        uint32_t sub = read_u32(t);
        switch (sub) {
        case 8: read_u32(t); read_byte(t); break;
        case 9: case 13: case 15: case 16: case 17: read_u32(t); break;
        case 10: read_byte(t); read_byte(t); break;
        case 11: read_byte(t); break;
        case 12: case 14: read_u32(t); read_u32(t); break;
        default: break;
        }
        break;
    }
    default:
        if (op >= 0x28 && op <= 0x3e) {
            read_u32(t);
            read_u32(t);
        }
        break;
    }
}

/* ---- calls ------------------------------------------------------------------------------ */

static void emit_call(translator *t, uint32_t func_index) {
    const sl_wasm_func *f = &t->m->funcs[func_index];
    const sl_wasm_type *ty = &t->m->types[f->type_index];
    bool below_home = t->flushed >= t->height - ty->nparams;
    flush_range(t, t->height - ty->nparams, t->height);
    uint32_t argbase = home(t, t->height - ty->nparams);
    if (func_index < t->m->num_imported_funcs) {
        emit_op(t, SL_WASM_OP_call_import);
        emit_unit(t, argbase);
        emit_unit(t, func_index);
    } else {
        const compiled_func *callee = &t->cm->funcs[func_index - t->m->num_imported_funcs];
        emit_op(t, SL_WASM_OP_call);
        emit_unit(t, argbase);
        uint64_t bits = (uint64_t)(uintptr_t)callee;
        emit_u64(t, bits);
    }
    truncate_stack(t, t->height - ty->nparams);
    for (uint32_t i = 0; i < ty->nresults; i++) push_home(t);
    /* Only the arguments were flushed: entries below them keep their
     * kind (a LOCAL there must stay visible to the preserve check of a
     * later local.set/tee and to the flush at the next join). */
    if (below_home) t->flushed = t->height;
}

static void emit_call_indirect(translator *t, uint32_t type_index, uint32_t table) {
    const sl_wasm_type *ty = &t->m->types[type_index];
    uint32_t index = pop_slot(t);
    bool below_home = t->flushed >= t->height - ty->nparams;
    flush_range(t, t->height - ty->nparams, t->height);
    uint32_t argbase = home(t, t->height - ty->nparams);
    emit_op(t, SL_WASM_OP_call_indirect);
    emit_unit(t, argbase);
    emit_unit(t, index);
    emit_unit(t, table);
    emit_unit(t, t->cm->type_ids[type_index]);
    truncate_stack(t, t->height - ty->nparams);
    for (uint32_t i = 0; i < ty->nresults; i++) push_home(t);
    /* Only the arguments were flushed: entries below them keep their
     * kind (a LOCAL there must stay visible to the preserve check of a
     * later local.set/tee and to the flush at the next join). */
    if (below_home) t->flushed = t->height;
}

/* Emits an operation whose operands are all popped slots, in stack order,
 * followed by extra immediates. */
static void emit_popped(translator *t, sl_wasm_op op, uint32_t npop, bool result, uint32_t imm1,
                        uint32_t imm2, uint32_t nimm) {
    uint32_t slots[3];
    for (uint32_t i = npop; i-- > 0;) slots[i] = pop_slot(t);
    uint32_t dst = result ? push_home(t) : 0;
    uint32_t start = emit_op(t, op);
    if (result) emit_unit(t, dst);
    for (uint32_t i = 0; i < npop; i++) emit_unit(t, slots[i]);
    if (nimm > 0) emit_unit(t, imm1);
    if (nimm > 1) emit_unit(t, imm2);
    if (result) note_result(t, start);
}

/* A store, fusing a constant value or an f64 operation that just produced
 * the value. */
static void emit_store(translator *t, uint16_t op, uint32_t offset) {
    uint32_t h = t->height - 1;
    operand v = t->stack[h], addr = t->stack[h - 1];
    if (v.kind == ENTRY_CONST && (op == SL_WASM_OP_store8 || op == SL_WASM_OP_store32) &&
        folds_last(t, h - 1, SL_WASM_OP_i32_add)) {
        uint32_t x = t->code[t->peep_start + 3], y = t->code[t->peep_start + 4];
        unemit(t, t->peep_start);
        pop_entry(t);
        pop_entry(t);
        emit_op(t, op == SL_WASM_OP_store8 ? SL_WASM_OP_store8_aa_i : SL_WASM_OP_store32_aa_i);
        emit_unit(t, x);
        emit_unit(t, y);
        emit_unit(t, (uint32_t)v.value);
        emit_unit(t, offset);
        return;
    }
    if (v.kind != ENTRY_CONST) {
        sl_wasm_op fused = 0;
        if ((op == SL_WASM_OP_store8 || op == SL_WASM_OP_store32) && folds_last(t, h - 1, SL_WASM_OP_i32_add))
            fused = op == SL_WASM_OP_store8 ? SL_WASM_OP_store8_aa : SL_WASM_OP_store32_aa;
        else if ((op == SL_WASM_OP_store32 || op == SL_WASM_OP_store64) &&
                 folds_last(t, h - 1, SL_WASM_OP_i32_add_si))
            fused = op == SL_WASM_OP_store32 ? SL_WASM_OP_store32_ai : SL_WASM_OP_store64_ai;
        if (fused) {
            /* the address add was the last instruction; the value (a local or an
             * older home slot) is untouched by it */
            uint32_t x = t->code[t->peep_start + 3], y = t->code[t->peep_start + 4];
            unemit(t, t->peep_start);
            uint32_t value = pop_slot(t);
            pop_entry(t);
            emit_op(t, fused);
            emit_unit(t, x);
            emit_unit(t, y);
            emit_unit(t, value);
            emit_unit(t, offset);
            return;
        }
    }
    if (v.kind == ENTRY_CONST && op != SL_WASM_OP_store64) {
        pop_entry(t);
        uint32_t a = pop_slot(t);
        emit_op(t, op == SL_WASM_OP_store32 ? SL_WASM_OP_store32_i
                   : op == SL_WASM_OP_store16 ? SL_WASM_OP_store16_i : SL_WASM_OP_store8_i);
        emit_unit(t, a);
        emit_unit(t, (uint32_t)v.value);
        emit_unit(t, offset);
        return;
    }
    if (op == SL_WASM_OP_store64 && addr.kind != ENTRY_CONST && v.kind == ENTRY_HOME &&
        peep_valid(t) && t->peep != PEEP_MOVE && t->code[t->peep_start + 2] == home(t, h)) {
        sl_wasm_op fused = 0;
        switch (t->last_op) {
        case SL_WASM_OP_f64_add: fused = SL_WASM_OP_f64_add_st; break;
        case SL_WASM_OP_f64_sub: fused = SL_WASM_OP_f64_sub_st; break;
        case SL_WASM_OP_f64_mul: fused = SL_WASM_OP_f64_mul_st; break;
        case SL_WASM_OP_f64_add_sm: fused = SL_WASM_OP_f64_add_sm_st; break;
        case SL_WASM_OP_f64_sub_sm: fused = SL_WASM_OP_f64_sub_sm_st; break;
        case SL_WASM_OP_f64_mul_sm: fused = SL_WASM_OP_f64_mul_sm_st; break;
        case SL_WASM_OP_f64_madd_mm: fused = SL_WASM_OP_f64_madd_mm_st; break;
        default: break;
        }
        if (fused) {
            /* operands of the producer after its dst: 2 (ss), 3 (sm) or 5 (madd) */
            uint32_t n = fused == SL_WASM_OP_f64_madd_mm_st ? 5 : fused >= SL_WASM_OP_f64_add_sm_st ? 3 : 2;
            uint32_t ops[5];
            for (uint32_t i = 0; i < n; i++) ops[i] = t->code[t->peep_start + 3 + i];
            unemit(t, t->peep_start);
            pop_entry(t);
            uint32_t a = pop_slot(t);
            emit_op(t, fused);
            emit_unit(t, a);
            for (uint32_t i = 0; i < n; i++) emit_unit(t, ops[i]);
            emit_unit(t, offset);
            return;
        }
    }
    emit_popped(t, op, 2, false, offset, 0, 1);
}

static void translate_prefixed(translator *t) {
    uint32_t sub = read_u32(t);
    if (sub < 8) {
        emit_unary(t, trunc_sat_ops[sub]);
        return;
    }
    uint32_t a, b;
    switch (sub) {
    case 8: /* memory.init */
        a = read_u32(t);
        read_byte(t);
        emit_popped(t, SL_WASM_OP_memory_init, 3, false, a, 0, 1);
        break;
    case 9:
        emit_popped(t, SL_WASM_OP_data_drop, 0, false, read_u32(t), 0, 1);
        break;
    case 10:
        read_byte(t);
        read_byte(t);
        emit_popped(t, SL_WASM_OP_memory_copy, 3, false, 0, 0, 0);
        break;
    case 11:
        read_byte(t);
        emit_popped(t, SL_WASM_OP_memory_fill, 3, false, 0, 0, 0);
        break;
    case 12: /* table.init elem table */
        a = read_u32(t);
        b = read_u32(t);
        emit_popped(t, SL_WASM_OP_table_init, 3, false, b, a, 2);
        break;
    case 13:
        emit_popped(t, SL_WASM_OP_elem_drop, 0, false, read_u32(t), 0, 1);
        break;
    case 14: /* table.copy dst src */
        a = read_u32(t);
        b = read_u32(t);
        emit_popped(t, SL_WASM_OP_table_copy, 3, false, a, b, 2);
        break;
    case 15:
        emit_popped(t, SL_WASM_OP_table_grow, 2, true, read_u32(t), 0, 1);
        break;
    case 16:
        emit_popped(t, SL_WASM_OP_table_size, 0, true, read_u32(t), 0, 1);
        break;
    case 17:
        emit_popped(t, SL_WASM_OP_table_fill, 3, false, read_u32(t), 0, 1);
        break;
    default:
        break;
    }
}

/* ---- one function --------------------------------------------------------------------------- */

static void translate_function(translator *t, uint32_t func_index, compiled_func *cf) {
    const sl_wasm_module *m = t->m;
    const sl_wasm_func *f = &m->funcs[func_index];
    const sl_wasm_type *ty = &m->types[f->type_index];
    t->body = f->body;
    t->p = f->body;
    t->end = f->body + f->body_len;
    t->body_offset = f->body_offset;
    t->code_len = 0;
    t->pc_map_len = 0;
    t->last_mapped_offset = UINT32_MAX;
    t->height = t->flushed = t->max_height = 0;
    t->nlabels = 0;
    t->nlocals_total = ty->nparams + f->nlocals;
    t->nresults = ty->nresults;
    t->unreachable = false;
    t->skip_depth = 0;
    t->peep = PEEP_NONE;
    t->prev_end = UINT32_MAX;
    GROW(t->local_refs, 0, t->locals_cap, t->nlocals_total + 1);
    memset(t->local_refs, 0, (t->nlocals_total + 1) * sizeof *t->local_refs);

    t->op_offset = (uint32_t)f->body_offset;
    if (f->nlocals > 0) {
        emit_op(t, f->nlocals == 1 ? SL_WASM_OP_enter1 : f->nlocals == 2 ? SL_WASM_OP_enter2 : SL_WASM_OP_enter);
        emit_unit(t, ty->nparams);
        emit_unit(t, f->nlocals);
    }
    push_label(t, LABEL_FUNC, 0, ty->nresults);

    bool done = false;
    while (!done && t->p < t->end) {
        t->op_offset = (uint32_t)(t->body_offset + (size_t)(t->p - t->body));
        uint8_t op = read_byte(t);
        if (t->unreachable && !(op >= 0x02 && op <= 0x05) && op != 0x0b) {
            skip_immediates(t, op);
            continue;
        }
        const op_info *info = &simple_ops[op];
        switch (info->shape) {
        case SHAPE_UNARY:
            emit_unary(t, info->op);
            continue;
        case SHAPE_BINARY:
            emit_binary(t, info);
            continue;
        case SHAPE_LOAD: {
            read_u32(t);
            uint32_t offset = read_u32(t);
            if ((info->op == SL_WASM_OP_load32 && (folds_last(t, t->height - 1, SL_WASM_OP_i32_add_si) ||
                                                folds_last(t, t->height - 1, SL_WASM_OP_i32_add))) ||
                (info->op == SL_WASM_OP_i32_load8_u &&
                 folds_last(t, t->height - 1, SL_WASM_OP_i32_add_si))) {
                /* i32.load(x + y): the add is folded into the address */
                sl_wasm_op fused = info->op == SL_WASM_OP_i32_load8_u ? SL_WASM_OP_i32_load8_u_ai
                                : t->last_op == SL_WASM_OP_i32_add ? SL_WASM_OP_load32_aa
                                                                : SL_WASM_OP_load32_ai;
                uint32_t x = t->code[t->peep_start + 3], y = t->code[t->peep_start + 4];
                unemit(t, t->peep_start);
                pop_entry(t);
                uint32_t dst = push_home(t);
                uint32_t start = emit_op(t, fused);
                emit_unit(t, dst);
                emit_unit(t, x);
                emit_unit(t, y);
                emit_unit(t, offset);
                note_result(t, start);
                continue;
            }
            if (info->op == SL_WASM_OP_load32 && peep_valid(t) && t->peep == PEEP_RESULT &&
                t->last_op == SL_WASM_OP_i32_add_si && t->stack[t->height - 1].kind == ENTRY_LOCAL &&
                t->stack[t->height - 1].local == t->code[t->peep_start + 2]) {
                /* d = x + imm (kept: d is a local); i32.load(d) */
                uint32_t d = t->code[t->peep_start + 2], x = t->code[t->peep_start + 3],
                         y = t->code[t->peep_start + 4];
                unemit(t, t->peep_start);
                pop_entry(t);
                uint32_t dst = push_home(t);
                uint32_t start = emit_op(t, SL_WASM_OP_load32_aiw);
                emit_unit(t, dst);
                emit_unit(t, d);
                emit_unit(t, x);
                emit_unit(t, y);
                emit_unit(t, offset);
                note_result(t, start);
                continue;
            }
            bool mul_ok = info->op == SL_WASM_OP_load64 && t->height >= 2 && peep_valid(t) &&
                          t->peep == PEEP_RESULT && t->last_op == SL_WASM_OP_f64_mul_sm &&
                          t->stack[t->height - 2].kind == ENTRY_HOME &&
                          t->code[t->peep_start + 2] == home(t, t->height - 2) &&
                          t->stack[t->height - 1].kind != ENTRY_CONST;
            uint32_t mul_start = t->peep_start, mul_end = t->peep_end;
            emit_popped(t, info->op, 1, true, offset, 0, 1);
            if (info->op == SL_WASM_OP_load64) {
                t->peep = PEEP_LOAD64;
                t->peep_mul = mul_ok && t->peep_start == mul_end;
                t->peep_mul_start = mul_start;
            }
            continue;
        }
        case SHAPE_STORE: {
            read_u32(t);
            uint32_t offset = read_u32(t);
            emit_store(t, info->op, offset);
            continue;
        }
        case SHAPE_NOP:
            continue;
        default:
            break;
        }
        switch (op) {
        case 0x00:
            emit_op(t, SL_WASM_OP_unreachable);
            t->unreachable = true;
            break;
        case 0x01:
            break;
        case 0x02: case 0x03: case 0x04:
            enter_block(t, op);
            break;
        case 0x05:
            handle_else(t);
            break;
        case 0x0b:
            done = handle_end(t);
            break;
        case 0x0c:
            emit_branch_to(t, label_at(t, read_u32(t)));
            t->unreachable = true;
            break;
        case 0x0d:
            emit_br_if(t, label_at(t, read_u32(t)));
            break;
        case 0x0e:
            emit_br_table(t);
            t->unreachable = true;
            break;
        case 0x0f:
            emit_return_sequence(t);
            t->unreachable = true;
            break;
        case 0x10:
            emit_call(t, read_u32(t));
            break;
        case 0x11: {
            uint32_t type_index = read_u32(t);
            uint32_t table = read_u32(t);
            emit_call_indirect(t, type_index, table);
            break;
        }
        case 0x1a:
            pop_entry(t);
            break;
        case 0x1c: {
            uint32_t n = read_u32(t);
            for (uint32_t i = 0; i < n; i++) read_byte(t);
        }
            /* fall through */
        case 0x1b:
            emit_popped(t, SL_WASM_OP_select, 3, true, 0, 0, 0);
            break;
        case 0x20: {
            uint32_t x = read_u32(t);
            push_entry(t, (operand){.kind = ENTRY_LOCAL, .local = x});
            break;
        }
        case 0x21:
            emit_local_set(t, read_u32(t), false);
            break;
        case 0x22:
            emit_local_set(t, read_u32(t), true);
            break;
        case 0x23:
            emit_popped(t, SL_WASM_OP_global_get, 0, true, read_u32(t), 0, 1);
            break;
        case 0x24:
        {
            uint32_t index = read_u32(t);
            uint32_t src = pop_slot(t);
            emit_op(t, SL_WASM_OP_global_set);
            emit_unit(t, index);
            emit_unit(t, src);
            break;
        }
        case 0x25:
            emit_popped(t, SL_WASM_OP_table_get, 1, true, read_u32(t), 0, 1);
            break;
        case 0x26:
            emit_popped(t, SL_WASM_OP_table_set, 2, false, read_u32(t), 0, 1);
            break;
        case 0x3f:
            read_byte(t);
            emit_popped(t, SL_WASM_OP_memory_size, 0, true, 0, 0, 0);
            break;
        case 0x40:
            read_byte(t);
            emit_popped(t, SL_WASM_OP_memory_grow, 1, true, 0, 0, 0);
            break;
        case 0x41:
            push_const(t, (uint32_t)(int32_t)read_sleb(t));
            break;
        case 0x42:
            push_const(t, (uint64_t)read_sleb(t));
            break;
        case 0x43:
            push_const(t, read_fixed(t, 4));
            break;
        case 0x44:
            push_const(t, read_fixed(t, 8));
            break;
        case 0xd0:
            read_byte(t);
            push_const(t, 0);
            break;
        case 0xd2:
            emit_popped(t, SL_WASM_OP_ref_func, 0, true, read_u32(t), 0, 1);
            break;
        case 0xfc:
            translate_prefixed(t);
            break;
        default:
            break;
        }
    }

    cf->code = xmalloc((size_t)t->code_len * sizeof *cf->code);
    memcpy(cf->code, t->code, (size_t)t->code_len * sizeof *cf->code);
    cf->code_len = t->code_len;
    cf->pc_map = xmalloc((size_t)t->pc_map_len * 2 * sizeof *cf->pc_map + 1);
    memcpy(cf->pc_map, t->pc_map, (size_t)t->pc_map_len * 2 * sizeof *cf->pc_map);
    cf->pc_map_len = t->pc_map_len;
    cf->frame_slots = SL_MAX(t->nlocals_total + t->max_height, ty->nresults);
    cf->nparams = ty->nparams;
    cf->nresults = ty->nresults;
    cf->func_index = func_index;
    cf->type_id = t->cm->type_ids[f->type_index];
    cf->func = f;
}

uint32_t sl_wasm_compiled_offset_at(const compiled_func *cf, uint32_t pos) {
    uint32_t lo = 0, hi = cf->pc_map_len, best = 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (cf->pc_map[mid * 2] <= pos) {
            best = cf->pc_map[mid * 2 + 1];
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return best;
}

bool sl_wasm_compile(sl_wasm_module *m, char *err, size_t errsize) {
    (void)err;
    (void)errsize;
    compiled_module *cm = xcalloc(1, sizeof *cm);
    cm->type_ids = xcalloc(m->ntypes + 1, sizeof *cm->type_ids);
    for (uint32_t i = 0; i < m->ntypes; i++)
        cm->type_ids[i] = sl_wasm_type_intern(m->types[i].params, m->types[i].nparams,
                                           m->types[i].results, m->types[i].nresults);
    uint32_t ndefined = m->nfuncs - m->num_imported_funcs;
    cm->funcs = xcalloc(ndefined + 1, sizeof *cm->funcs);
    m->compiled = cm;

    translator t = {.m = m, .cm = cm};
    for (uint32_t i = 0; i < ndefined; i++) {
        uint32_t index = m->num_imported_funcs + i;
        translate_function(&t, index, &cm->funcs[i]);
        m->funcs[index].compiled = &cm->funcs[i];
    }
    free(t.code);
    free(t.pc_map);
    free(t.stack);
    free(t.labels);
    free(t.local_refs);
    free(t.targets);
    return true;
}

void sl_wasm_compiled_free(sl_wasm_module *m) {
    compiled_module *cm = m->compiled;
    if (!cm) return;
    uint32_t ndefined = m->nfuncs - m->num_imported_funcs;
    for (uint32_t i = 0; i < ndefined; i++) {
        free(cm->funcs[i].code);
        free(cm->funcs[i].pc_map);
        m->funcs[m->num_imported_funcs + i].compiled = NULL;
    }
    free(cm->funcs);
    free(cm->type_ids);
    free(cm);
    m->compiled = NULL;
}
