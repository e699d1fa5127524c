/*
 * exec.c — the interpreter: one C function per internal operation, threaded
 * by clang's musttail tail calls, plus the host->guest entry
 * (sl_wasm_exec_invoke). This is the hot loop of the runtime and is kept in this
 * one unit so the compiler sees every handler together.
 *
 * Instruction encoding (see runtime.h for the full convention):
 *
 *     ip[0..1]  handler pointer          ip[2..]  operands, 32-bit units
 *
 * Handlers name their operands by position: S(k) is the 64-bit frame slot
 * whose index is ip[k]; ip[k] itself is an immediate; IMM64(k) reads ip[k],
 * ip[k+1] as one 64-bit immediate. A branch offset at ip[k] is relative to
 * &ip[k]. Suffixes: _ss = two slot sources, _si = slot and immediate,
 * _back = backward branch (polls for interruption).
 *
 * Hot state travels in the argument registers of every handler (SysV: rdi,
 * rsi, rdx, rcx, r8): ip, fp (frame base), mem (linear memory 0 of the
 * running instance), mem_size (its byte size, for the explicit bounds
 * checks) and st (the store's execution state). Handlers end with NEXT(len)
 * (fall through to the following instruction) or JUMP(k) (take the branch
 * offset at ip[k]); traps and other slow paths are separate cold functions
 * reached by tail calls, so the common handlers need no stack frame.
 *
 * A handler that traps records the reason and the trapping ip in st and
 * returns; the return unwinds the whole chain of tail calls at once back to
 * sl_wasm_exec_invoke, which turns it into a sl_wasm_trap with a backtrace.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/base.h"
#include "wasm/runtime.h"

#define HANDLER_ARGS                                                                       \
    const uint32_t *ip, uint64_t *fp, uint8_t *mem, uint64_t mem_size, exec_state *st
#define PASS ip, fp, mem, mem_size, st
#define HANDLER(name) static void op_##name(HANDLER_ARGS)
#define MUSTTAIL __attribute__((musttail))

#define S(k) fp[ip[k]]
#define IMM64(k) ((uint64_t)ip[k] | (uint64_t)ip[(k) + 1] << 32)

static inline sl_wasm_handler handler_at(const uint32_t *ip) {
    sl_wasm_handler h;
    memcpy(&h, ip, sizeof h);
    return h;
}
static inline const void *pointer_at(const uint32_t *p) {
    const void *v;
    memcpy(&v, p, sizeof v);
    return v;
}

#define DISPATCH() MUSTTAIL return handler_at(ip)(PASS)
#define NEXT(len)                                                                          \
    do {                                                                                   \
        ip += (len);                                                                       \
        DISPATCH();                                                                        \
    } while (0)
#define JUMP(k)                                                                            \
    do {                                                                                   \
        ip = ip + (k) + (int32_t)ip[k];                                                    \
        DISPATCH();                                                                        \
    } while (0)
/* A backward jump: also counts down the fuel that paces interruption polls. */
#define JUMP_BACK(k)                                                                       \
    do {                                                                                   \
        ip = ip + (k) + (int32_t)ip[k];                                                    \
        if (UNLIKELY(--st->fuel <= 0)) MUSTTAIL return op_poll(PASS);                      \
        DISPATCH();                                                                        \
    } while (0)

/* Trap reasons: each maps to a public kind and the spec's message. */
enum trap_reason {
    TRAP_NONE,
    TRAP_UNREACHABLE,
    TRAP_MEMORY_OOB,
    TRAP_TABLE_OOB,
    TRAP_UNDEFINED_ELEMENT,
    TRAP_UNINITIALIZED,
    TRAP_TYPE_MISMATCH,
    TRAP_DIV_ZERO,
    TRAP_OVERFLOW,
    TRAP_CONVERSION,
    TRAP_EXHAUSTED,
    TRAP_INTERRUPTED,
};

static const struct {
    sl_wasm_trap_kind kind;
    const char *message;
} trap_reasons[] = {
    [TRAP_UNREACHABLE] = {SL_WASM_TRAP_UNREACHABLE, "unreachable"},
    [TRAP_MEMORY_OOB] = {SL_WASM_TRAP_MEMORY_OOB, "out of bounds memory access"},
    [TRAP_TABLE_OOB] = {SL_WASM_TRAP_TABLE_OOB, "out of bounds table access"},
    [TRAP_UNDEFINED_ELEMENT] = {SL_WASM_TRAP_TABLE_OOB, "undefined element"},
    [TRAP_UNINITIALIZED] = {SL_WASM_TRAP_INDIRECT_NULL, "uninitialized element"},
    [TRAP_TYPE_MISMATCH] = {SL_WASM_TRAP_INDIRECT_TYPE, "indirect call type mismatch"},
    [TRAP_DIV_ZERO] = {SL_WASM_TRAP_DIV_ZERO, "integer divide by zero"},
    [TRAP_OVERFLOW] = {SL_WASM_TRAP_INT_OVERFLOW, "integer overflow"},
    [TRAP_CONVERSION] = {SL_WASM_TRAP_CONVERSION, "invalid conversion to integer"},
    [TRAP_EXHAUSTED] = {SL_WASM_TRAP_EXHAUSTION, "call stack exhausted"},
    [TRAP_INTERRUPTED] = {SL_WASM_TRAP_INTERRUPTED, "interrupted"},
};

__attribute__((noinline, cold)) static void raise_trap(HANDLER_ARGS) {
    st->trapped = true;
    st->trap_ip = ip;
}
#define TRAP(reason)                                                                       \
    do {                                                                                   \
        st->trap_reason = (reason);                                                        \
        MUSTTAIL return raise_trap(PASS);                                                  \
    } while (0)

/* Polls for interruption (sl_wasm_store_interrupt, deadline) every
 * SL_WASM_FUEL_PER_POLL back-edges or calls, then continues at ip. */
__attribute__((noinline, cold)) static void op_poll(HANDLER_ARGS) {
    st->fuel = SL_WASM_FUEL_PER_POLL;
    int64_t deadline = atomic_load_explicit(&st->deadline_ns, memory_order_relaxed);
    if (atomic_load_explicit(&st->interrupt_requested, memory_order_relaxed) ||
        (deadline != 0 && time_now_ns() >= deadline))
        TRAP(TRAP_INTERRUPTED);
    DISPATCH();
}

/* ---- value helpers ----------------------------------------------------------- */

static inline float f32_of(uint64_t v) {
    uint32_t b = (uint32_t)v;
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}
static inline uint64_t bits_of_f32(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}
static inline double f64_of(uint64_t v) {
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}
static inline uint64_t bits_of_f64(double d) {
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}
static inline uint32_t rotl32(uint32_t x, uint32_t n) {
    n &= 31;
    return n ? (x << n) | (x >> (32 - n)) : x;
}
static inline uint32_t rotr32(uint32_t x, uint32_t n) {
    n &= 31;
    return n ? (x >> n) | (x << (32 - n)) : x;
}
static inline uint64_t rotl64(uint64_t x, uint64_t n) {
    n &= 63;
    return n ? (x << n) | (x >> (64 - n)) : x;
}
static inline uint64_t rotr64(uint64_t x, uint64_t n) {
    n &= 63;
    return n ? (x >> n) | (x << (64 - n)) : x;
}

/* IEEE min/max as the spec wants them: NaN in -> NaN out, -0 < +0. */
static inline float f32_min(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline float f32_max(float a, float b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a > b ? a : b;
}
static inline double f64_min(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a < b ? a : b;
}
static inline double f64_max(double a, double b) {
    if (a != a || b != b) return a + b;
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a > b ? a : b;
}

/* ---- integer operations --------------------------------------------------- */

/* name, expression over x, y (uint32_t); with slot-slot and slot-imm forms. */
#define I32_IMM_OPS(X)                                                                     \
    X(i32_add, x + y) X(i32_sub, x - y) X(i32_mul, x * y) X(i32_and, x & y)                \
    X(i32_or, x | y) X(i32_xor, x ^ y) X(i32_shl, x << (y & 31))                           \
    X(i32_shr_s, (uint32_t)((int32_t)x >> (y & 31))) X(i32_shr_u, x >> (y & 31))           \
    X(i32_rotl, rotl32(x, y)) X(i32_rotr, rotr32(x, y))                                    \
    X(i32_eq, x == y) X(i32_ne, x != y) X(i32_lt_s, (int32_t)x < (int32_t)y)               \
    X(i32_lt_u, x < y) X(i32_gt_s, (int32_t)x > (int32_t)y) X(i32_gt_u, x > y)             \
    X(i32_le_s, (int32_t)x <= (int32_t)y) X(i32_le_u, x <= y)                              \
    X(i32_ge_s, (int32_t)x >= (int32_t)y) X(i32_ge_u, x >= y)
#define I32_SS(name, expr)                                                                 \
    HANDLER(name) {                                                                        \
        uint32_t x = (uint32_t)S(3), y = (uint32_t)S(4);                                   \
        S(2) = (uint32_t)(expr);                                                           \
        NEXT(5);                                                                           \
    }
#define I32_SI(name, expr)                                                                 \
    HANDLER(name##_si) {                                                                   \
        uint32_t x = (uint32_t)S(3), y = ip[4];                                            \
        S(2) = (uint32_t)(expr);                                                           \
        NEXT(5);                                                                           \
    }
I32_IMM_OPS(I32_SS)
I32_IMM_OPS(I32_SI)

#define I64_IMM_OPS(X)                                                                     \
    X(i64_add, x + y) X(i64_sub, x - y) X(i64_mul, x * y) X(i64_and, x & y)                \
    X(i64_or, x | y) X(i64_xor, x ^ y) X(i64_shl, x << (y & 63))                           \
    X(i64_shr_s, (uint64_t)((int64_t)x >> (y & 63))) X(i64_shr_u, x >> (y & 63))           \
    X(i64_rotl, rotl64(x, y)) X(i64_rotr, rotr64(x, y))                                    \
    X(i64_eq, x == y) X(i64_ne, x != y) X(i64_lt_s, (int64_t)x < (int64_t)y)               \
    X(i64_lt_u, x < y) X(i64_gt_s, (int64_t)x > (int64_t)y) X(i64_gt_u, x > y)             \
    X(i64_le_s, (int64_t)x <= (int64_t)y) X(i64_le_u, x <= y)                              \
    X(i64_ge_s, (int64_t)x >= (int64_t)y) X(i64_ge_u, x >= y)
#define I64_SS(name, expr)                                                                 \
    HANDLER(name) {                                                                        \
        uint64_t x = S(3), y = S(4);                                                       \
        S(2) = (uint64_t)(expr);                                                           \
        NEXT(5);                                                                           \
    }
#define I64_SI(name, expr)                                                                 \
    HANDLER(name##_si) {                                                                   \
        uint64_t x = S(3), y = IMM64(4);                                                   \
        S(2) = (uint64_t)(expr);                                                           \
        NEXT(6);                                                                           \
    }
I64_IMM_OPS(I64_SS)
I64_IMM_OPS(I64_SI)

HANDLER(i32_div_s) {
    int32_t x = (int32_t)S(3), y = (int32_t)S(4);
    if (UNLIKELY(y == 0)) TRAP(TRAP_DIV_ZERO);
    if (UNLIKELY(x == INT32_MIN && y == -1)) TRAP(TRAP_OVERFLOW);
    S(2) = (uint32_t)(x / y);
    NEXT(5);
}
HANDLER(i32_div_u) {
    uint32_t x = (uint32_t)S(3), y = (uint32_t)S(4);
    if (UNLIKELY(y == 0)) TRAP(TRAP_DIV_ZERO);
    S(2) = x / y;
    NEXT(5);
}
HANDLER(i32_rem_s) {
    int32_t x = (int32_t)S(3), y = (int32_t)S(4);
    if (UNLIKELY(y == 0)) TRAP(TRAP_DIV_ZERO);
    S(2) = y == -1 ? 0 : (uint32_t)(x % y);
    NEXT(5);
}
HANDLER(i32_rem_u) {
    uint32_t x = (uint32_t)S(3), y = (uint32_t)S(4);
    if (UNLIKELY(y == 0)) TRAP(TRAP_DIV_ZERO);
    S(2) = x % y;
    NEXT(5);
}
HANDLER(i64_div_s) {
    int64_t x = (int64_t)S(3), y = (int64_t)S(4);
    if (UNLIKELY(y == 0)) TRAP(TRAP_DIV_ZERO);
    if (UNLIKELY(x == INT64_MIN && y == -1)) TRAP(TRAP_OVERFLOW);
    S(2) = (uint64_t)(x / y);
    NEXT(5);
}
HANDLER(i64_div_u) {
    uint64_t x = S(3), y = S(4);
    if (UNLIKELY(y == 0)) TRAP(TRAP_DIV_ZERO);
    S(2) = x / y;
    NEXT(5);
}
HANDLER(i64_rem_s) {
    int64_t x = (int64_t)S(3), y = (int64_t)S(4);
    if (UNLIKELY(y == 0)) TRAP(TRAP_DIV_ZERO);
    S(2) = y == -1 ? 0 : (uint64_t)(x % y);
    NEXT(5);
}
HANDLER(i64_rem_u) {
    uint64_t x = S(3), y = S(4);
    if (UNLIKELY(y == 0)) TRAP(TRAP_DIV_ZERO);
    S(2) = x % y;
    NEXT(5);
}

/* ---- float operations ------------------------------------------------------- */

#define F32_BINOPS(X)                                                                      \
    X(f32_add, bits_of_f32(x + y)) X(f32_sub, bits_of_f32(x - y))                          \
    X(f32_mul, bits_of_f32(x * y)) X(f32_div, bits_of_f32(x / y))                          \
    X(f32_min, bits_of_f32(f32_min(x, y))) X(f32_max, bits_of_f32(f32_max(x, y)))          \
    X(f32_copysign, ((uint32_t)S(3) & 0x7fffffffu) | ((uint32_t)S(4) & 0x80000000u))        \
    X(f32_eq, x == y) X(f32_ne, x != y) X(f32_lt, x < y) X(f32_gt, x > y)                  \
    X(f32_le, x <= y) X(f32_ge, x >= y)
#define F32_SS(name, expr)                                                                 \
    HANDLER(name) {                                                                        \
        float x = f32_of(S(3)), y = f32_of(S(4));                                          \
        (void)x, (void)y;                                                                  \
        S(2) = (uint64_t)(expr);                                                           \
        NEXT(5);                                                                           \
    }
F32_BINOPS(F32_SS)

#define F64_BINOPS(X)                                                                      \
    X(f64_add, bits_of_f64(x + y)) X(f64_sub, bits_of_f64(x - y))                          \
    X(f64_mul, bits_of_f64(x * y)) X(f64_div, bits_of_f64(x / y))                          \
    X(f64_min, bits_of_f64(f64_min(x, y))) X(f64_max, bits_of_f64(f64_max(x, y)))          \
    X(f64_copysign, (S(3) & 0x7fffffffffffffffull) | (S(4) & 0x8000000000000000ull))        \
    X(f64_eq, x == y) X(f64_ne, x != y) X(f64_lt, x < y) X(f64_gt, x > y)                  \
    X(f64_le, x <= y) X(f64_ge, x >= y)
#define F64_SS(name, expr)                                                                 \
    HANDLER(name) {                                                                        \
        double x = f64_of(S(3)), y = f64_of(S(4));                                         \
        (void)x, (void)y;                                                                  \
        S(2) = (uint64_t)(expr);                                                           \
        NEXT(5);                                                                           \
    }
F64_BINOPS(F64_SS)

/* f64 binary operation whose second operand is an f64.load (fused):
 * (dst, a, addr, offset). */
#define F64_MEM(name, op)                                                                  \
    HANDLER(name) {                                                                        \
        uint64_t ea = (uint64_t)(uint32_t)S(4) + ip[5];                                    \
        if (UNLIKELY(ea + 8 > mem_size)) TRAP(TRAP_MEMORY_OOB);                            \
        uint64_t bits;                                                                     \
        memcpy(&bits, mem + ea, sizeof bits);                                              \
        S(2) = bits_of_f64(f64_of(S(3)) op f64_of(bits));                                  \
        NEXT(6);                                                                           \
    }
F64_MEM(f64_add_sm, +)
F64_MEM(f64_sub_sm, -)
F64_MEM(f64_mul_sm, *)

/* f64 binary operation stored straight to memory: (addr, a, b, offset). */
#define F64_ST(name, op)                                                                   \
    HANDLER(name) {                                                                        \
        uint64_t ea = (uint64_t)(uint32_t)S(2) + ip[5];                                    \
        if (UNLIKELY(ea + 8 > mem_size)) TRAP(TRAP_MEMORY_OOB);                            \
        uint64_t bits = bits_of_f64(f64_of(S(3)) op f64_of(S(4)));                         \
        memcpy(mem + ea, &bits, sizeof bits);                                              \
        NEXT(6);                                                                           \
    }
F64_ST(f64_add_st, +)
F64_ST(f64_sub_st, -)
F64_ST(f64_mul_st, *)

/* a OP f64.load, stored: (addr, a, laddr, loffset, offset). */
#define F64_SM_ST(name, op)                                                                \
    HANDLER(name) {                                                                        \
        uint64_t la = (uint64_t)(uint32_t)S(4) + ip[5];                                    \
        uint64_t ea = (uint64_t)(uint32_t)S(2) + ip[6];                                    \
        if (UNLIKELY(la + 8 > mem_size || ea + 8 > mem_size)) TRAP(TRAP_MEMORY_OOB);       \
        uint64_t bits;                                                                     \
        memcpy(&bits, mem + la, sizeof bits);                                              \
        bits = bits_of_f64(f64_of(S(3)) op f64_of(bits));                                  \
        memcpy(mem + ea, &bits, sizeof bits);                                              \
        NEXT(7);                                                                           \
    }
F64_SM_ST(f64_add_sm_st, +)
F64_SM_ST(f64_sub_sm_st, -)
F64_SM_ST(f64_mul_sm_st, *)

/* f64 operation on the product x * y (rounded first): (dst, a, x, y) */
#define F64_MULOP(name, expr)                                                              \
    HANDLER(name) {                                                                        \
        double m = f64_of(S(4)) * f64_of(S(5));                                            \
        double a = f64_of(S(3));                                                           \
        S(2) = bits_of_f64(expr);                                                          \
        NEXT(6);                                                                           \
    }
F64_MULOP(f64_mul3, a * m)
F64_MULOP(f64_add_mul, a + m)
F64_MULOP(f64_sub_mul, a - m)
F64_MULOP(f64_mul_sub, m - a)

/* y += a * x over memory (axpy): (dst, a, baddr, boffset, caddr, coffset) and
 * the stored form (addr, a, baddr, boffset, caddr, coffset, offset). */
#define F64_MADD_MM_LOADS()                                                                \
    uint64_t eb = (uint64_t)(uint32_t)S(4) + ip[5];                                        \
    uint64_t ec = (uint64_t)(uint32_t)S(6) + ip[7];                                        \
    if (UNLIKELY(eb + 8 > mem_size || ec + 8 > mem_size)) TRAP(TRAP_MEMORY_OOB);           \
    uint64_t bb, cb;                                                                       \
    memcpy(&bb, mem + eb, sizeof bb);                                                      \
    memcpy(&cb, mem + ec, sizeof cb);                                                      \
    double m = f64_of(S(3)) * f64_of(bb);                                                  \
    uint64_t r = bits_of_f64(m + f64_of(cb))
HANDLER(f64_madd_mm) {
    F64_MADD_MM_LOADS();
    S(2) = r;
    NEXT(8);
}
HANDLER(f64_madd_mm_st) {
    uint64_t ea = (uint64_t)(uint32_t)S(2) + ip[8];
    if (UNLIKELY(ea + 8 > mem_size)) TRAP(TRAP_MEMORY_OOB);
    F64_MADD_MM_LOADS();
    memcpy(mem + ea, &r, sizeof r);
    NEXT(9);
}

HANDLER(i32_add3) {
    S(2) = (uint32_t)((uint32_t)S(3) + (uint32_t)S(4) + (uint32_t)S(5));
    NEXT(6);
}
HANDLER(i32_add_ssi) {
    S(2) = (uint32_t)((uint32_t)S(3) + (uint32_t)S(4) + ip[5]);
    NEXT(6);
}
/* Two i32 adds in order: (d1, a1, b1, d2, a2, b2), b a slot or immediate. */
#define I32_ADD2(name, b1, b2)                                                             \
    HANDLER(name) {                                                                        \
        S(2) = (uint32_t)((uint32_t)S(3) + (b1));                                          \
        S(5) = (uint32_t)((uint32_t)S(6) + (b2));                                          \
        NEXT(8);                                                                           \
    }
I32_ADD2(i32_add2_ss_ss, (uint32_t)S(4), (uint32_t)S(7))
I32_ADD2(i32_add2_ss_si, (uint32_t)S(4), ip[7])
I32_ADD2(i32_add2_si_ss, ip[4], (uint32_t)S(7))
I32_ADD2(i32_add2_si_si, ip[4], ip[7])
HANDLER(i32_rotl_xor_rotl) {
    S(2) = rotl32((uint32_t)S(3), ip[4]) ^ rotl32((uint32_t)S(5), ip[6]);
    NEXT(7);
}
HANDLER(i32_xor_rotl) {
    S(2) = (uint32_t)S(3) ^ rotl32((uint32_t)S(4), ip[5]);
    NEXT(6);
}

/* ---- unary operations: (dst, src) ------------------------------------------------ */

#define UNARY(name, expr)                                                                  \
    HANDLER(name) {                                                                        \
        uint64_t v = S(3);                                                                 \
        S(2) = (uint64_t)(expr);                                                           \
        NEXT(4);                                                                           \
    }
UNARY(move, v)
HANDLER(move2) {
    S(2) = S(3);
    S(4) = S(5);
    NEXT(6);
}
HANDLER(move3) {
    S(2) = S(3);
    S(4) = S(5);
    S(6) = S(7);
    NEXT(8);
}
HANDLER(move4) {
    S(2) = S(3);
    S(4) = S(5);
    S(6) = S(7);
    S(8) = S(9);
    NEXT(10);
}
UNARY(i32_eqz, (uint32_t)v == 0)
UNARY(i32_clz, (uint32_t)v ? __builtin_clz((uint32_t)v) : 32)
UNARY(i32_ctz, (uint32_t)v ? __builtin_ctz((uint32_t)v) : 32)
UNARY(i32_popcnt, __builtin_popcount((uint32_t)v))
UNARY(i32_extend8_s, (uint32_t)(int32_t)(int8_t)v)
UNARY(i32_extend16_s, (uint32_t)(int32_t)(int16_t)v)
UNARY(i64_eqz, v == 0)
UNARY(i64_clz, v ? __builtin_clzll(v) : 64)
UNARY(i64_ctz, v ? __builtin_ctzll(v) : 64)
UNARY(i64_popcnt, __builtin_popcountll(v))
UNARY(i64_extend8_s, (int64_t)(int8_t)v)
UNARY(i64_extend16_s, (int64_t)(int16_t)v)
UNARY(i64_extend32_s, (int64_t)(int32_t)v)
UNARY(i64_extend_i32_u, (uint32_t)v)
UNARY(f32_abs, (uint32_t)v & 0x7fffffffu)
UNARY(f32_neg, (uint32_t)v ^ 0x80000000u)
UNARY(f32_ceil, bits_of_f32(ceilf(f32_of(v))))
UNARY(f32_floor, bits_of_f32(floorf(f32_of(v))))
UNARY(f32_trunc, bits_of_f32(truncf(f32_of(v))))
UNARY(f32_nearest, bits_of_f32(nearbyintf(f32_of(v))))
UNARY(f32_sqrt, bits_of_f32(sqrtf(f32_of(v))))
UNARY(f64_abs, v & 0x7fffffffffffffffull)
UNARY(f64_neg, v ^ 0x8000000000000000ull)
UNARY(f64_ceil, bits_of_f64(ceil(f64_of(v))))
UNARY(f64_floor, bits_of_f64(floor(f64_of(v))))
UNARY(f64_trunc, bits_of_f64(trunc(f64_of(v))))
UNARY(f64_nearest, bits_of_f64(nearbyint(f64_of(v))))
UNARY(f64_sqrt, bits_of_f64(sqrt(f64_of(v))))
UNARY(f32_convert_i32_s, bits_of_f32((float)(int32_t)v))
UNARY(f32_convert_i32_u, bits_of_f32((float)(uint32_t)v))
UNARY(f32_convert_i64_s, bits_of_f32((float)(int64_t)v))
UNARY(f32_convert_i64_u, bits_of_f32((float)v))
UNARY(f32_demote_f64, bits_of_f32((float)f64_of(v)))
UNARY(f64_convert_i32_s, bits_of_f64((double)(int32_t)v))
UNARY(f64_convert_i32_u, bits_of_f64((double)(uint32_t)v))
UNARY(f64_convert_i64_s, bits_of_f64((double)(int64_t)v))
UNARY(f64_convert_i64_u, bits_of_f64((double)v))
UNARY(f64_promote_f32, bits_of_f64((double)f32_of(v)))
UNARY(ref_is_null, v == 0)

/* Float -> integer. The bounds are exact in the source type: the value is in
 * range iff lower_ok && x < upper. Each line makes the trapping form and the
 * saturating (trunc_sat) form. */
#define TRUNC(name, sat_name, FT, read, lower_ok, upper, IT, out, min, max)                 \
    HANDLER(name) {                                                                        \
        FT x = read(S(3));                                                                 \
        if (UNLIKELY(x != x)) TRAP(TRAP_CONVERSION);                                       \
        if (UNLIKELY(!(lower_ok && x < upper))) TRAP(TRAP_OVERFLOW);                       \
        S(2) = (out)(IT)x;                                                                 \
        NEXT(4);                                                                           \
    }                                                                                      \
    HANDLER(sat_name) {                                                                    \
        FT x = read(S(3));                                                                 \
        IT r;                                                                              \
        if (x != x) r = 0;                                                                 \
        else if (!(lower_ok)) r = (min);                                                   \
        else if (!(x < upper)) r = (max);                                                  \
        else r = (IT)x;                                                                    \
        S(2) = (out)r;                                                                     \
        NEXT(4);                                                                           \
    }
TRUNC(i32_trunc_f32_s, i32_trunc_sat_f32_s, float, f32_of, x >= -2147483648.0f, 2147483648.0f,
      int32_t, uint32_t, INT32_MIN, INT32_MAX)
TRUNC(i32_trunc_f32_u, i32_trunc_sat_f32_u, float, f32_of, x > -1.0f, 4294967296.0f, uint32_t,
      uint32_t, 0, UINT32_MAX)
TRUNC(i32_trunc_f64_s, i32_trunc_sat_f64_s, double, f64_of, x > -2147483649.0, 2147483648.0,
      int32_t, uint32_t, INT32_MIN, INT32_MAX)
TRUNC(i32_trunc_f64_u, i32_trunc_sat_f64_u, double, f64_of, x > -1.0, 4294967296.0, uint32_t,
      uint32_t, 0, UINT32_MAX)
TRUNC(i64_trunc_f32_s, i64_trunc_sat_f32_s, float, f32_of, x >= -9223372036854775808.0f,
      9223372036854775808.0f, int64_t, uint64_t, INT64_MIN, INT64_MAX)
TRUNC(i64_trunc_f32_u, i64_trunc_sat_f32_u, float, f32_of, x > -1.0f, 18446744073709551616.0f,
      uint64_t, uint64_t, 0, UINT64_MAX)
TRUNC(i64_trunc_f64_s, i64_trunc_sat_f64_s, double, f64_of, x >= -9223372036854775808.0,
      9223372036854775808.0, int64_t, uint64_t, INT64_MIN, INT64_MAX)
TRUNC(i64_trunc_f64_u, i64_trunc_sat_f64_u, double, f64_of, x > -1.0, 18446744073709551616.0,
      uint64_t, uint64_t, 0, UINT64_MAX)

/* ---- memory --------------------------------------------------------------------- */

/* (dst, addr, offset): effective address = addr + offset in 64 bits. */
#define LOAD(name, T, conv)                                                                \
    HANDLER(name) {                                                                        \
        uint64_t ea = (uint64_t)(uint32_t)S(3) + ip[4];                                    \
        if (UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(TRAP_MEMORY_OOB);                    \
        T v;                                                                               \
        memcpy(&v, mem + ea, sizeof v);                                                    \
        S(2) = (uint64_t)(conv);                                                           \
        NEXT(5);                                                                           \
    }
LOAD(load32, uint32_t, v)
LOAD(load64, uint64_t, v)
LOAD(i32_load8_s, int8_t, (uint32_t)(int32_t)v)
LOAD(i32_load8_u, uint8_t, v)
LOAD(i32_load16_s, int16_t, (uint32_t)(int32_t)v)
LOAD(i32_load16_u, uint16_t, v)
LOAD(i64_load8_s, int8_t, (int64_t)v)
LOAD(i64_load16_s, int16_t, (int64_t)v)
LOAD(i64_load32_s, int32_t, (int64_t)v)

/* (addr, value, offset) */
#define STORE(name, T)                                                                     \
    HANDLER(name) {                                                                        \
        uint64_t ea = (uint64_t)(uint32_t)S(2) + ip[4];                                    \
        if (UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(TRAP_MEMORY_OOB);                    \
        T v = (T)S(3);                                                                     \
        memcpy(mem + ea, &v, sizeof v);                                                    \
        NEXT(5);                                                                           \
    }
STORE(store8, uint8_t)
STORE(store16, uint16_t)
STORE(store32, uint32_t)
STORE(store64, uint64_t)

/* (addr, imm, offset) */
#define STORE_I(name, T)                                                                   \
    HANDLER(name) {                                                                        \
        uint64_t ea = (uint64_t)(uint32_t)S(2) + ip[4];                                    \
        if (UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(TRAP_MEMORY_OOB);                    \
        T v = (T)ip[3];                                                                    \
        memcpy(mem + ea, &v, sizeof v);                                                    \
        NEXT(5);                                                                           \
    }
STORE_I(store8_i, uint8_t)
STORE_I(store16_i, uint16_t)
STORE_I(store32_i, uint32_t)
/* (a, b, imm, offset): the address is the i32 sum a + b */
#define STORE_AA_I(name, T)                                                                \
    HANDLER(name) {                                                                        \
        uint64_t ea = (uint64_t)(uint32_t)((uint32_t)S(2) + (uint32_t)S(3)) + ip[5];       \
        if (UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(TRAP_MEMORY_OOB);                    \
        T v = (T)ip[4];                                                                    \
        memcpy(mem + ea, &v, sizeof v);                                                    \
        NEXT(6);                                                                           \
    }
STORE_AA_I(store8_aa_i, uint8_t)
STORE_AA_I(store32_aa_i, uint32_t)

/* i32.load of (a + imm) or (a + b), i32 wrap-around first: (dst, a, x, offset). */
HANDLER(load32_ai) {
    uint64_t ea = (uint64_t)(uint32_t)((uint32_t)S(3) + ip[4]) + ip[5];
    if (UNLIKELY(ea + 4 > mem_size)) TRAP(TRAP_MEMORY_OOB);
    uint32_t v;
    memcpy(&v, mem + ea, sizeof v);
    S(2) = v;
    NEXT(6);
}
HANDLER(load32_aiw) {
    uint32_t d = (uint32_t)S(4) + ip[5];
    S(3) = d;
    uint64_t ea = (uint64_t)d + ip[6];
    if (UNLIKELY(ea + 4 > mem_size)) TRAP(TRAP_MEMORY_OOB);
    uint32_t v;
    memcpy(&v, mem + ea, sizeof v);
    S(2) = v;
    NEXT(7);
}
/* Branch on an i32.load: (addr, offset, off). */
#define BR_LOAD32(name, test, jump)                                                        \
    HANDLER(name) {                                                                        \
        uint64_t ea = (uint64_t)(uint32_t)S(2) + ip[3];                                    \
        if (UNLIKELY(ea + 4 > mem_size)) TRAP(TRAP_MEMORY_OOB);                            \
        uint32_t v;                                                                        \
        memcpy(&v, mem + ea, sizeof v);                                                    \
        if (test) jump(4);                                                                 \
        NEXT(5);                                                                           \
    }
/* ... also kept in a local: (dst, addr, offset, off). */
#define BR_LOAD32_TO(name, test, jump)                                                     \
    HANDLER(name) {                                                                        \
        uint64_t ea = (uint64_t)(uint32_t)S(3) + ip[4];                                    \
        if (UNLIKELY(ea + 4 > mem_size)) TRAP(TRAP_MEMORY_OOB);                            \
        uint32_t v;                                                                        \
        memcpy(&v, mem + ea, sizeof v);                                                    \
        S(2) = v;                                                                          \
        if (test) jump(5);                                                                 \
        NEXT(6);                                                                           \
    }
BR_LOAD32(br_if_z_load32, v == 0, JUMP)
BR_LOAD32(br_if_nz_load32, v != 0, JUMP)
BR_LOAD32(br_if_z_load32_back, v == 0, JUMP_BACK)
BR_LOAD32(br_if_nz_load32_back, v != 0, JUMP_BACK)
BR_LOAD32_TO(br_if_z_load32_to, v == 0, JUMP)
BR_LOAD32_TO(br_if_nz_load32_to, v != 0, JUMP)
BR_LOAD32_TO(br_if_z_load32_to_back, v == 0, JUMP_BACK)
BR_LOAD32_TO(br_if_nz_load32_to_back, v != 0, JUMP_BACK)
HANDLER(i32_load8_u_ai) {
    uint64_t ea = (uint64_t)(uint32_t)((uint32_t)S(3) + ip[4]) + ip[5];
    if (UNLIKELY(ea + 1 > mem_size)) TRAP(TRAP_MEMORY_OOB);
    S(2) = mem[ea];
    NEXT(6);
}
/* (a, x, value, offset): store at the i32 sum a + x (x a slot or imm) */
#define STORE_AX(name, T, second)                                                          \
    HANDLER(name) {                                                                        \
        uint64_t ea = (uint64_t)(uint32_t)((uint32_t)S(2) + (second)) + ip[5];             \
        if (UNLIKELY(ea + sizeof(T) > mem_size)) TRAP(TRAP_MEMORY_OOB);                    \
        T v = (T)S(4);                                                                     \
        memcpy(mem + ea, &v, sizeof v);                                                    \
        NEXT(6);                                                                           \
    }
STORE_AX(store8_aa, uint8_t, (uint32_t)S(3))
STORE_AX(store32_aa, uint32_t, (uint32_t)S(3))
STORE_AX(store32_ai, uint32_t, ip[3])
STORE_AX(store64_ai, uint64_t, ip[3])
HANDLER(load32_aa) {
    uint64_t ea = (uint64_t)(uint32_t)((uint32_t)S(3) + (uint32_t)S(4)) + ip[5];
    if (UNLIKELY(ea + 4 > mem_size)) TRAP(TRAP_MEMORY_OOB);
    uint32_t v;
    memcpy(&v, mem + ea, sizeof v);
    S(2) = v;
    NEXT(6);
}

#define RELOAD_MEMORY()                                                                    \
    do {                                                                                   \
        sl_wasm_meminst *m_ = st->inst->mem0;                                                 \
        mem = m_->data;                                                                    \
        mem_size = m_->size;                                                               \
    } while (0)

HANDLER(memory_size) {
    S(2) = mem_size / 65536;
    NEXT(3);
}
HANDLER(memory_grow) {
    S(2) = sl_wasm_memory_grow_internal(st->inst->mem0, (uint32_t)S(3), st->max_memory_pages);
    RELOAD_MEMORY();
    NEXT(4);
}
HANDLER(memory_copy) {
    uint64_t d = (uint32_t)S(2), s = (uint32_t)S(3), n = (uint32_t)S(4);
    if (UNLIKELY(d + n > mem_size || s + n > mem_size)) TRAP(TRAP_MEMORY_OOB);
    memmove(mem + d, mem + s, n);
    NEXT(5);
}
HANDLER(memory_fill) {
    uint64_t d = (uint32_t)S(2), n = (uint32_t)S(4);
    if (UNLIKELY(d + n > mem_size)) TRAP(TRAP_MEMORY_OOB);
    memset(mem + d, (uint8_t)S(3), n);
    NEXT(5);
}
HANDLER(memory_init) {
    uint64_t d = (uint32_t)S(2), s = (uint32_t)S(3), n = (uint32_t)S(4);
    uint32_t seg = ip[5];
    const sl_wasm_data *data = &st->inst->module->datas[seg];
    uint64_t len = st->inst->data_dropped[seg] ? 0 : data->len;
    if (UNLIKELY(s + n > len || d + n > mem_size)) TRAP(TRAP_MEMORY_OOB);
    if (n) memcpy(mem + d, data->bytes + s, n);
    NEXT(6);
}
HANDLER(data_drop) {
    st->inst->data_dropped[ip[2]] = true;
    NEXT(3);
}

/* ---- tables, globals, references ------------------------------------------------ */

HANDLER(table_get) {
    sl_wasm_tableinst *t = st->inst->tables[ip[4]];
    uint32_t i = (uint32_t)S(3);
    if (UNLIKELY(i >= t->size)) TRAP(TRAP_TABLE_OOB);
    S(2) = t->elems[i];
    NEXT(5);
}
HANDLER(table_set) {
    sl_wasm_tableinst *t = st->inst->tables[ip[4]];
    uint32_t i = (uint32_t)S(2);
    if (UNLIKELY(i >= t->size)) TRAP(TRAP_TABLE_OOB);
    t->elems[i] = (uintptr_t)S(3);
    NEXT(5);
}
HANDLER(table_size) {
    S(2) = st->inst->tables[ip[3]]->size;
    NEXT(4);
}
HANDLER(table_grow) {
    sl_wasm_tableinst *t = st->inst->tables[ip[5]];
    S(2) = sl_wasm_table_grow_internal(t, (uint32_t)S(4), (uintptr_t)S(3));
    NEXT(6);
}
HANDLER(table_fill) {
    sl_wasm_tableinst *t = st->inst->tables[ip[5]];
    uint64_t i = (uint32_t)S(2), n = (uint32_t)S(4);
    if (UNLIKELY(i + n > t->size)) TRAP(TRAP_TABLE_OOB);
    for (uint64_t k = 0; k < n; k++) t->elems[i + k] = (uintptr_t)S(3);
    NEXT(6);
}
HANDLER(table_copy) {
    sl_wasm_tableinst *dt = st->inst->tables[ip[5]], *stab = st->inst->tables[ip[6]];
    uint64_t d = (uint32_t)S(2), s = (uint32_t)S(3), n = (uint32_t)S(4);
    if (UNLIKELY(d + n > dt->size || s + n > stab->size)) TRAP(TRAP_TABLE_OOB);
    if (n) memmove(dt->elems + d, stab->elems + s, n * sizeof(uintptr_t));
    NEXT(7);
}
HANDLER(table_init) {
    sl_wasm_tableinst *t = st->inst->tables[ip[5]];
    uint32_t seg = ip[6];
    uint64_t d = (uint32_t)S(2), s = (uint32_t)S(3), n = (uint32_t)S(4);
    if (UNLIKELY(s + n > st->inst->elem_len[seg] || d + n > t->size)) TRAP(TRAP_TABLE_OOB);
    if (n) memcpy(t->elems + d, st->inst->elem_items[seg] + s, n * sizeof(uintptr_t));
    NEXT(7);
}
HANDLER(elem_drop) {
    st->inst->elem_len[ip[2]] = 0;
    NEXT(3);
}
HANDLER(ref_func) {
    S(2) = (uintptr_t)st->inst->funcs[ip[3]];
    NEXT(4);
}
HANDLER(global_get) {
    S(2) = st->inst->globals[ip[3]]->value;
    NEXT(4);
}
HANDLER(global_set) {
    st->inst->globals[ip[2]]->value = S(3);
    NEXT(4);
}

/* ---- constants, moves, select ----------------------------------------------------- */

HANDLER(const32) {
    S(2) = ip[3];
    NEXT(4);
}
HANDLER(const64) {
    S(2) = IMM64(3);
    NEXT(5);
}
HANDLER(select) {
    S(2) = (uint32_t)S(5) ? S(3) : S(4);
    NEXT(6);
}
HANDLER(enter) {
    memset(fp + ip[2], 0, (size_t)ip[3] * sizeof(uint64_t));
    NEXT(4);
}
HANDLER(enter1) {
    fp[ip[2]] = 0;
    NEXT(4);
}
HANDLER(enter2) {
    fp[ip[2]] = 0;
    fp[ip[2] + 1] = 0;
    NEXT(4);
}
HANDLER(unreachable) { TRAP(TRAP_UNREACHABLE); }

/* ---- branches ------------------------------------------------------------------- */

HANDLER(br) { JUMP(2); }
HANDLER(br_back) { JUMP_BACK(2); }
HANDLER(br_if_nz) {
    if ((uint32_t)S(2)) JUMP(3);
    NEXT(4);
}
HANDLER(br_if_z) {
    if (!(uint32_t)S(2)) JUMP(3);
    NEXT(4);
}
HANDLER(br_if_nz_back) {
    if ((uint32_t)S(2)) JUMP_BACK(3);
    NEXT(4);
}
HANDLER(br_if_z_back) {
    if (!(uint32_t)S(2)) JUMP_BACK(3);
    NEXT(4);
}
/* Fused i32 compare + branch: (a, b, off) and (a, imm, off). */
#define CMP_eq(x, y) ((x) == (y))
#define CMP_ne(x, y) ((x) != (y))
#define CMP_lt_s(x, y) ((int32_t)(x) < (int32_t)(y))
#define CMP_lt_u(x, y) ((x) < (y))
#define CMP_gt_s(x, y) ((int32_t)(x) > (int32_t)(y))
#define CMP_gt_u(x, y) ((x) > (y))
#define CMP_le_s(x, y) ((int32_t)(x) <= (int32_t)(y))
#define CMP_le_u(x, y) ((x) <= (y))
#define CMP_ge_s(x, y) ((int32_t)(x) >= (int32_t)(y))
#define CMP_ge_u(x, y) ((x) >= (y))
#define FUSED_BRANCHES(k)                                                                  \
    HANDLER(br_if_##k##_ss) {                                                              \
        if (CMP_##k((uint32_t)S(2), (uint32_t)S(3))) JUMP(4);                              \
        NEXT(5);                                                                           \
    }                                                                                      \
    HANDLER(br_if_##k##_si) {                                                              \
        if (CMP_##k((uint32_t)S(2), ip[3])) JUMP(4);                                       \
        NEXT(5);                                                                           \
    }                                                                                      \
    HANDLER(br_if_##k##_ss_back) {                                                         \
        if (CMP_##k((uint32_t)S(2), (uint32_t)S(3))) JUMP_BACK(4);                         \
        NEXT(5);                                                                           \
    }                                                                                      \
    HANDLER(br_if_##k##_si_back) {                                                         \
        if (CMP_##k((uint32_t)S(2), ip[3])) JUMP_BACK(4);                                  \
        NEXT(5);                                                                           \
    }
SL_WASM_CMP_KINDS(FUSED_BRANCHES)
#define FUSED_ADD_BRANCHES(k)                                                              \
    HANDLER(br_add_##k##_si_back) {                                                        \
        uint32_t v = (uint32_t)S(3) + ip[4];                                               \
        S(2) = v;                                                                          \
        if (CMP_##k(v, ip[5])) JUMP_BACK(6);                                               \
        NEXT(7);                                                                           \
    }                                                                                      \
    HANDLER(br_addss_##k##_si_back) {                                                      \
        uint32_t v = (uint32_t)S(3) + (uint32_t)S(4);                                      \
        S(2) = v;                                                                          \
        if (CMP_##k(v, ip[5])) JUMP_BACK(6);                                               \
        NEXT(7);                                                                           \
    }
SL_WASM_CMP_KINDS(FUSED_ADD_BRANCHES)

HANDLER(br_if_and_z) {
    if (!((uint32_t)S(2) & ip[3])) JUMP(4);
    NEXT(5);
}
HANDLER(br_if_and_nz) {
    if ((uint32_t)S(2) & ip[3]) JUMP(4);
    NEXT(5);
}

HANDLER(br_if_and_z_to) {
    uint32_t v = (uint32_t)S(3) & ip[4];
    S(2) = v;
    if (!v) JUMP(5);
    NEXT(6);
}
HANDLER(br_if_and_nz_to) {
    uint32_t v = (uint32_t)S(3) & ip[4];
    S(2) = v;
    if (v) JUMP(5);
    NEXT(6);
}
HANDLER(br_table) {
    uint32_t i = (uint32_t)S(2), n = ip[3];
    if (i > n) i = n;
    ip = ip + 4 + i;
    ip = ip + (int32_t)ip[0];
    DISPATCH();
}

/* ---- calls ------------------------------------------------------------------------ */

HANDLER(exit) { return; }

HANDLER(return) {
    call_frame *fr = --st->frame_top;
    ip = fr->ret_ip;
    fp = fr->fp;
    sl_wasm_instance *inst = fr->inst;
    st->inst = inst;
    mem = inst->mem0->data;
    mem_size = inst->mem0->size;
    DISPATCH();
}
HANDLER(return_s) {
    fp[0] = S(2);
    MUSTTAIL return op_return(PASS);
}

/* Calls a host function with its arguments (and room for results) at slots. */
__attribute__((noinline)) static bool call_host(exec_state *st, const sl_wasm_funcinst *f,
                                                uint64_t *slots, const uint32_t *ip) {
    uint32_t n = SL_MAX(f->type->nparams, f->type->nresults);
    uint64_t *saved_top = st->stack_top;
    st->stack_top = slots + n;
    sl_wasm_call call = {st->inst, f->host_user};
    sl_wasm_trap *trap = f->host_fn(&call, slots);
    st->stack_top = saved_top;
    if (UNLIKELY(trap != NULL)) {
        sl_wasm_trap_add_host_frame(trap, f->host_name);
        st->pending_trap = trap;
        st->trapped = true;
        st->trap_ip = ip;
        return false;
    }
    return true;
}

/* Enters a wasm function of any instance (imports, call_indirect). */
#define CALL_FUNCINST(f, argbase, len)                                                     \
    do {                                                                                   \
        uint64_t *callee_fp = fp + (argbase);                                              \
        if (f->host_fn) {                                                                  \
            if (!call_host(st, f, callee_fp, ip)) return;                                  \
            RELOAD_MEMORY();                                                               \
            NEXT(len);                                                                     \
        }                                                                                  \
        const compiled_func *callee = f->code;                                             \
        call_frame *fr = st->frame_top;                                                    \
        if (UNLIKELY(fr == st->frame_end ||                                                \
                     (size_t)(st->stack_end - callee_fp) < callee->frame_slots))           \
            TRAP(TRAP_EXHAUSTED);                                                          \
        fr->ret_ip = ip + (len);                                                           \
        fr->fp = fp;                                                                       \
        fr->inst = st->inst;                                                               \
        fr->callee = callee;                                                               \
        st->frame_top = fr + 1;                                                            \
        if (f->inst != st->inst) {                                                         \
            st->inst = f->inst;                                                            \
            RELOAD_MEMORY();                                                               \
        }                                                                                  \
        fp = callee_fp;                                                                    \
        ip = callee->code;                                                                 \
        if (UNLIKELY(--st->fuel <= 0)) MUSTTAIL return op_poll(PASS);                      \
        DISPATCH();                                                                        \
    } while (0)

HANDLER(call) {
    const compiled_func *callee = pointer_at(ip + 3);
    uint64_t *callee_fp = fp + ip[2];
    call_frame *fr = st->frame_top;
    if (UNLIKELY(fr == st->frame_end ||
                 (size_t)(st->stack_end - callee_fp) < callee->frame_slots))
        TRAP(TRAP_EXHAUSTED);
    fr->ret_ip = ip + 5;
    fr->fp = fp;
    fr->inst = st->inst;
    fr->callee = callee;
    st->frame_top = fr + 1;
    fp = callee_fp;
    ip = callee->code;
    if (UNLIKELY(--st->fuel <= 0)) MUSTTAIL return op_poll(PASS);
    DISPATCH();
}
HANDLER(call_import) {
    const sl_wasm_funcinst *f = st->inst->funcs[ip[3]];
    CALL_FUNCINST(f, ip[2], 4);
}
HANDLER(call_indirect) {
    const sl_wasm_tableinst *t = st->inst->tables[ip[4]];
    uint32_t i = (uint32_t)S(3);
    if (UNLIKELY(i >= t->size)) TRAP(TRAP_UNDEFINED_ELEMENT);
    const sl_wasm_funcinst *f = (const sl_wasm_funcinst *)t->elems[i];
    if (UNLIKELY(f == NULL)) {
        st->trap_detail = i;
        TRAP(TRAP_UNINITIALIZED);
    }
    if (UNLIKELY(f->type_id != ip[5])) TRAP(TRAP_TYPE_MISMATCH);
    CALL_FUNCINST(f, ip[2], 6);
}

/* ---- handler table ----------------------------------------------------------------- */

#define H(name) [SL_WASM_OP_##name] = op_##name,
#define H_SI(name) [SL_WASM_OP_##name##_si] = op_##name##_si,
#define H_BR(k)                                                                            \
    [SL_WASM_OP_br_if_##k##_ss] = op_br_if_##k##_ss, [SL_WASM_OP_br_if_##k##_si] = op_br_if_##k##_si, \
    [SL_WASM_OP_br_if_##k##_ss_back] = op_br_if_##k##_ss_back,                                \
    [SL_WASM_OP_br_if_##k##_si_back] = op_br_if_##k##_si_back,
#define H_BRADD(k)                                                                         \
    [SL_WASM_OP_br_add_##k##_si_back] = op_br_add_##k##_si_back,                              \
    [SL_WASM_OP_br_addss_##k##_si_back] = op_br_addss_##k##_si_back,
const sl_wasm_handler sl_wasm_op_handlers[SL_WASM_OP_COUNT] = {
    SL_WASM_UNARY_OPS(H) SL_WASM_BINARY_OPS(H) SL_WASM_INT_IMM_BINOPS(H_SI, i32)
    SL_WASM_INT_IMM_BINOPS(H_SI, i64) SL_WASM_LOAD_OPS(H) SL_WASM_STORE_OPS(H) SL_WASM_OTHER_OPS(H)
    SL_WASM_CMP_KINDS(H_BR) SL_WASM_CMP_KINDS(H_BRADD)
};

/* ---- entry from the host ------------------------------------------------------------ */

static const union {
    sl_wasm_handler handler;
    uint32_t units[2];
} exit_code = {.handler = op_exit};

static bool exec_prepare(exec_state *st, const sl_wasm_store *store) {
    if (st->frames) return true;
    size_t bytes = sl_wasm_store_max_stack_bytes(store);
    void *stack = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
    if (stack == MAP_FAILED) return false;
    st->stack_mapped = bytes;
    st->stack_base = st->stack_top = stack;
    st->stack_end = st->stack_base + bytes / sizeof(uint64_t);
    st->frames = xmalloc(((size_t)st->max_call_depth + 1) * sizeof(call_frame));
    st->frame_top = st->frames;
    st->frame_end = st->frames + st->max_call_depth;
    return true;
}

void sl_wasm_exec_release(exec_state *st) {
    if (st->stack_base) munmap(st->stack_base, st->stack_mapped);
    free(st->frames);
    st->frames = st->frame_top = st->frame_end = NULL;
    st->stack_base = st->stack_top = st->stack_end = NULL;
}

static sl_wasm_trap *trap_from_state(exec_state *st, call_frame *entry) {
    sl_wasm_trap *trap;
    if (st->pending_trap) {
        trap = st->pending_trap;
        st->pending_trap = NULL;
    } else if (st->trap_reason == TRAP_UNINITIALIZED) { /* as the reference interpreter */
        char message[64];
        snprintf(message, sizeof message, "%s %u", trap_reasons[TRAP_UNINITIALIZED].message,
                 st->trap_detail);
        trap = sl_wasm_trap_make(trap_reasons[st->trap_reason].kind, message);
    } else {
        trap = sl_wasm_trap_make(trap_reasons[st->trap_reason].kind,
                              trap_reasons[st->trap_reason].message);
    }
    for (call_frame *fr = st->frame_top - 1; fr >= entry; fr--) {
        const compiled_func *cf = fr->callee;
        const uint32_t *at = fr == st->frame_top - 1 ? st->trap_ip : (fr + 1)->ret_ip - 1;
        uint32_t pos = at >= cf->code && at < cf->code + cf->code_len ? (uint32_t)(at - cf->code) : 0;
        sl_wasm_trap_add_frame(trap, cf, pos);
    }
    st->trapped = false;
    st->trap_reason = TRAP_NONE;
    return trap;
}

sl_wasm_trap *sl_wasm_exec_invoke(sl_wasm_store *store, sl_wasm_funcinst *f, uint64_t *slots) {
    exec_state *st = sl_wasm_store_exec(store);
    if (f->host_fn) {
        sl_wasm_call call = {st->inst, f->host_user};
        return f->host_fn(&call, slots);
    }
    if (!exec_prepare(st, store))
        return sl_wasm_trap_make(SL_WASM_TRAP_EXHAUSTION, "call stack exhausted");
    const compiled_func *cf = f->code;
    uint64_t *base = st->stack_top;
    if (st->frame_top == st->frame_end || (size_t)(st->stack_end - base) < cf->frame_slots)
        return sl_wasm_trap_make(SL_WASM_TRAP_EXHAUSTION, "call stack exhausted");
    memcpy(base, slots, (size_t)cf->nparams * sizeof(uint64_t));

    call_frame *entry = st->frame_top;
    entry->ret_ip = exit_code.units;
    entry->fp = base;
    entry->inst = f->inst;
    entry->callee = cf;
    st->frame_top = entry + 1;
    sl_wasm_instance *saved_inst = st->inst;
    st->inst = f->inst;
    if (st->fuel <= 0 || st->fuel > SL_WASM_FUEL_PER_POLL) st->fuel = SL_WASM_FUEL_PER_POLL;

    sl_wasm_meminst *m = f->inst->mem0;
    handler_at(cf->code)(cf->code, base, m->data, m->size, st);

    sl_wasm_trap *trap = NULL;
    if (st->trapped) {
        trap = trap_from_state(st, entry);
        st->frame_top = entry;
    } else {
        memcpy(slots, base, (size_t)cf->nresults * sizeof(uint64_t));
    }
    st->inst = saved_inst;
    st->stack_top = base;
    return trap;
}
