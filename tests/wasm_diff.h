/*
 * wasm_diff.h — random wasm programs with a reference evaluator, shared by
 * tests/unit/test_wasm_diff.c (seeded PRNG) and fuzz/fuzz_wasm_diff.c
 * (libFuzzer bytes drive the same generator). See test_wasm_diff.c for what
 * the programs contain and why. Everything is static: include it once.
 */
#ifndef SCHEDLAB_TESTS_WASM_DIFF_H
#define SCHEDLAB_TESTS_WASM_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"
#include "wasm/wasm.h"

/* ---- random numbers ------------------------------------------------------------------- */

/* A PCG-style generator, or (fuzzing) the bytes of an input: 4 per draw,
 * zeros once they run out, so every input makes a finite program. */
static uint64_t rng_state;
static const uint8_t *rng_bytes;
static size_t rng_left;
static uint32_t rnd(uint32_t n) { /* 0..n-1 */
    if (rng_bytes) {
        uint32_t v = 0;
        for (int i = 0; i < 4 && rng_left > 0; i++, rng_left--) v |= (uint32_t)*rng_bytes++ << (8 * i);
        return v % n;
    }
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

/* ---- programs ------------------------------------------------------------------------- */

/* One instruction: a wasm opcode byte and its immediate (const value, local
 * index, function index, memory offset, branch depth or type index). */
typedef struct insn {
    uint8_t op;
    uint32_t imm;
} insn;

/* Locals: 2 params and 4 locals that random code reads and writes (the
 * last also a scratch), then one loop counter per loop nesting level. */
enum { NPARAMS = 2, NLOCALS = 4, NALL = NPARAMS + NLOCALS, SCRATCH = NALL - 1, MAX_LOOPS = 2 };
enum { F_H0 = 0, F_H1 = 1, F_H2 = 2, F_MAIN = 3 }; /* function indices */
enum { MEM_MASK = 0x3fc, MEM_CHECK = 1088 };

typedef struct program {
    insn *code;
    size_t len, cap;
} program;

static void put(program *p, uint8_t op, uint32_t imm) {
    if (p->len == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->code = xrealloc(p->code, p->cap * sizeof *p->code);
    }
    p->code[p->len++] = (insn){op, imm};
}

static const uint8_t binops[] = {
    0x6a, 0x6b, 0x6c, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, /* add..rotr */
    0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,       /* eq..ge_u */
};

static const uint8_t i64_binops[] = {0x7c, 0x7d, 0x7e, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89};

static uint32_t random_const(void) {
    switch (rnd(4)) {
    case 0: return rnd(4);
    case 1: return rnd(64);
    case 2: return (uint32_t)-(int32_t)rnd(8);
    default: return (uint32_t)rnd(0x7fffffff) * 2654435761u;
    }
}

/* Kinds of the enclosing labels (innermost at nest - 1): br_if never
 * targets a loop, so every program terminates. */
static uint8_t label_kind[16];
static int loops_open;

/* Emits about `budget` instructions at nesting `nest`; the block's operand
 * stack is empty on entry and on exit (extra values are dropped before the
 * end). Values are i32 between these macro steps; i64 appears only inside
 * them. */
static void gen_seq(program *p, int budget, int nest) {
    uint32_t h = 0;
    for (int i = 0; i < budget; i++) {
        uint32_t k = rnd(100);
        if (h == 0 || k < 22) { /* push */
            if (rnd(3) == 0) put(p, 0x41, random_const());
            else put(p, 0x20, rnd(NALL));
            h++;
        } else if (k < 40 && h >= 2) {
            put(p, binops[rnd(sizeof binops)], 0);
            h--;
        } else if (k < 48) {
            put(p, rnd(2) ? 0x21 : 0x22, rnd(NALL)); /* local.set / tee */
            if (p->code[p->len - 1].op == 0x21) h--;
        } else if (k < 58) { /* calls, often with a value below the args */
            uint32_t c = rnd(4);
            if (c == 0) {
                put(p, 0x10, F_H0);
                h++;
            } else if (c == 1 || (c == 2 && h < 2)) {
                put(p, 0x10, F_H1);
            } else if (c == 2) {
                put(p, 0x10, F_H2);
                h--;
            } else {
                put(p, 0x41, 0);
                put(p, 0x11, 1); /* call_indirect (type 1) -> h1 */
            }
        } else if (k < 62) {
            put(p, 0x45, 0); /* eqz */
        } else if (k < 67) { /* load */
            put(p, 0x41, MEM_MASK);
            put(p, 0x71, 0);
            put(p, rnd(3) ? 0x28 : 0x2d, rnd(16) * 4); /* i32.load / load8_u */
        } else if (k < 73 && h >= 2) { /* store: addr, value */
            put(p, 0x21, SCRATCH);
            put(p, 0x41, MEM_MASK);
            put(p, 0x71, 0);
            put(p, 0x20, SCRATCH);
            put(p, rnd(3) ? 0x36 : 0x3a, rnd(16) * 4); /* i32.store / store8 */
            h -= 2;
        } else if (k < 76 && h >= 3) {
            put(p, 0x1b, 0); /* select */
            h -= 2;
        } else if (k < 79) {
            put(p, 0x1a, 0); /* drop */
            h--;
        } else if (k < 85 && nest < 4) {
            put(p, 0x02, 0); /* block */
            label_kind[nest] = 0x02;
            gen_seq(p, (int)rnd(12) + 1, nest + 1);
            put(p, 0x0b, 0);
        } else if (k < 91 && nest < 4) {
            put(p, 0x04, 0); /* if (cond popped) */
            h--;
            label_kind[nest] = 0x04;
            gen_seq(p, (int)rnd(10) + 1, nest + 1);
            if (rnd(2)) {
                put(p, 0x05, 0);
                label_kind[nest] = 0x04;
                gen_seq(p, (int)rnd(10) + 1, nest + 1);
            }
            put(p, 0x0b, 0);
        } else if (k < 95 && nest > 0) {
            uint32_t d = rnd((uint32_t)nest);
            put(p, label_kind[nest - 1 - d] == 0x03 ? 0x1a : 0x0d, d); /* br_if (not to a loop) */
            h--;
        } else if (k < 97 && nest < 4 && loops_open < MAX_LOOPS) {
            /* a counted loop, closed by one of the shapes compilers emit */
            uint32_t c = NALL + (uint32_t)loops_open, n = 1 + rnd(3), shape = rnd(3);
            put(p, 0x41, shape == 2 ? 0 : n);
            put(p, 0x21, c);
            put(p, 0x03, 0);
            label_kind[nest] = 0x03;
            loops_open++;
            gen_seq(p, (int)rnd(10) + 1, nest + 1);
            loops_open--;
            put(p, 0x20, c);
            if (shape == 0) { /* c = c - 1; loop while c != 0 */
                put(p, 0x41, 1);
                put(p, 0x6b, 0);
                put(p, 0x22, c);
            } else if (shape == 1) { /* c = c + -1; loop while c > 0 */
                put(p, 0x41, (uint32_t)-1);
                put(p, 0x6a, 0);
                put(p, 0x22, c);
                put(p, 0x41, 0);
                put(p, 0x4a, 0);
            } else { /* c = c + 1; loop while c < n */
                put(p, 0x41, 1);
                put(p, 0x6a, 0);
                put(p, 0x22, c);
                put(p, 0x41, n);
                put(p, 0x49, 0);
            }
            put(p, 0x0d, 0);
            put(p, 0x0b, 0);
        } else if (k < 99) {
            /* through i64: extend (u or s), an i64 op with a constant or with
             * a second extended value, maybe a high-half shift, wrap */
            bool two = h >= 2 && rnd(2);
            if (two) put(p, 0x21, SCRATCH);
            put(p, rnd(2) ? 0xad : 0xac, 0);
            if (two) {
                put(p, 0x20, SCRATCH);
                put(p, rnd(2) ? 0xad : 0xac, 0);
                h--;
            } else {
                put(p, 0x42, random_const());
            }
            put(p, i64_binops[rnd(sizeof i64_binops)], 0);
            if (rnd(2)) {
                put(p, 0x42, 32);
                put(p, 0x88, 0);
            }
            put(p, 0xa7, 0);
        } else {
            put(p, 0x41, random_const());
            h++;
        }
    }
    if (nest == 0) { /* fold into one value and mix in every local */
        if (h == 0) {
            put(p, 0x41, 0);
            h = 1;
        }
        for (; h > 1; h--) put(p, 0x73, 0);
        for (uint32_t x = 0; x < NALL; x++) {
            put(p, 0x41, 5);
            put(p, 0x77, 0);
            put(p, 0x20, x);
            put(p, 0x6a, 0);
        }
    } else {
        for (; h > 0; h--) put(p, 0x1a, 0);
    }
}

/* ---- reference evaluator ---------------------------------------------------------------- */

static uint32_t h1_ref(uint32_t a) { return a * 3 + 1; }
static uint32_t h2_ref(uint32_t a, uint32_t b) { return a - (b << 1); }

static uint32_t rotl(uint32_t x, uint32_t n) {
    n &= 31;
    return n ? (x << n) | (x >> (32 - n)) : x;
}

static uint64_t rotl64(uint64_t x, uint64_t n) {
    n &= 63;
    return n ? (x << n) | (x >> (64 - n)) : x;
}

static uint64_t binop_ref(uint8_t op, uint64_t a64, uint64_t b64) {
    uint32_t a = (uint32_t)a64, b = (uint32_t)b64;
    switch (op) {
    case 0x7c: return a64 + b64;
    case 0x7d: return a64 - b64;
    case 0x7e: return a64 * b64;
    case 0x83: return a64 & b64;
    case 0x84: return a64 | b64;
    case 0x85: return a64 ^ b64;
    case 0x86: return a64 << (b64 & 63);
    case 0x87: return (uint64_t)((int64_t)a64 >> (b64 & 63));
    case 0x88: return a64 >> (b64 & 63);
    case 0x89: return rotl64(a64, b64);
    case 0x6a: return a + b;
    case 0x6b: return a - b;
    case 0x6c: return a * b;
    case 0x71: return a & b;
    case 0x72: return a | b;
    case 0x73: return a ^ b;
    case 0x74: return a << (b & 31);
    case 0x75: return (uint32_t)((int32_t)a >> (b & 31));
    case 0x76: return a >> (b & 31);
    case 0x77: return rotl(a, b);
    case 0x78: return rotl(a, 32 - (b & 31));
    case 0x46: return a == b;
    case 0x47: return a != b;
    case 0x48: return (int32_t)a < (int32_t)b;
    case 0x49: return a < b;
    case 0x4a: return (int32_t)a > (int32_t)b;
    case 0x4b: return a > b;
    case 0x4c: return (int32_t)a <= (int32_t)b;
    case 0x4d: return a <= b;
    case 0x4e: return (int32_t)a >= (int32_t)b;
    case 0x4f: return a >= b;
    default: return 0;
    }
}

/* Runs the main function over `mem` (little-endian, at least 64 KiB). */
static uint32_t eval_ref(const program *p, uint32_t a0, uint32_t a1, uint8_t *mem) {
    size_t n = p->len;
    size_t *match = xcalloc(n + 1, sizeof *match), *else_of = xcalloc(n + 1, sizeof *else_of);
    size_t *open = xcalloc(n + 1, sizeof *open), nopen = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t op = p->code[i].op;
        if (op == 0x02 || op == 0x03 || op == 0x04) {
            else_of[i] = SIZE_MAX;
            open[nopen++] = i;
        } else if (op == 0x05) {
            else_of[open[nopen - 1]] = i;
        } else if (op == 0x0b) {
            match[open[--nopen]] = i;
        }
    }
    uint64_t *stack = xcalloc(n + 8, sizeof *stack); /* i32 values zero-extended */
    size_t sp = 0;
    struct ctl { size_t start, end, base; } *ctl = xcalloc(n + 1, sizeof *ctl);
    size_t nctl = 0;
    uint32_t local[NALL + MAX_LOOPS] = {a0, a1};
    for (size_t pc = 0; pc < n; pc++) {
        insn in = p->code[pc];
        uint32_t a, b, c;
        uint64_t x;
        switch (in.op) {
        case 0x41: stack[sp++] = in.imm; break;
        case 0x20: stack[sp++] = local[in.imm]; break;
        case 0x21: local[in.imm] = (uint32_t)stack[--sp]; break;
        case 0x22: local[in.imm] = (uint32_t)stack[sp - 1]; break;
        case 0x42: stack[sp++] = (uint64_t)(int64_t)(int32_t)in.imm; break;
        case 0xad: stack[sp - 1] = (uint32_t)stack[sp - 1]; break;
        case 0xac: stack[sp - 1] = (uint64_t)(int64_t)(int32_t)stack[sp - 1]; break;
        case 0xa7: stack[sp - 1] = (uint32_t)stack[sp - 1]; break;
        case 0x1a: sp--; break;
        case 0x45: stack[sp - 1] = stack[sp - 1] == 0; break;
        case 0x1b:
            c = (uint32_t)stack[--sp];
            x = stack[--sp];
            stack[sp - 1] = c ? stack[sp - 1] : x;
            break;
        case 0x10:
            if (in.imm == F_H0) stack[sp++] = 7;
            else if (in.imm == F_H1) stack[sp - 1] = h1_ref((uint32_t)stack[sp - 1]);
            else {
                b = (uint32_t)stack[--sp];
                stack[sp - 1] = h2_ref((uint32_t)stack[sp - 1], b);
            }
            break;
        case 0x11:
            sp--; /* table index 0 = h1 */
            stack[sp - 1] = h1_ref((uint32_t)stack[sp - 1]);
            break;
        case 0x28:
            a = (uint32_t)stack[sp - 1] + in.imm;
            stack[sp - 1] = (uint32_t)mem[a] | (uint32_t)mem[a + 1] << 8 | (uint32_t)mem[a + 2] << 16 |
                            (uint32_t)mem[a + 3] << 24;
            break;
        case 0x2d: stack[sp - 1] = mem[(uint32_t)stack[sp - 1] + in.imm]; break;
        case 0x36:
            b = (uint32_t)stack[--sp];
            a = (uint32_t)stack[--sp] + in.imm;
            for (int k = 0; k < 4; k++) mem[a + (uint32_t)k] = (uint8_t)(b >> (8 * k));
            break;
        case 0x3a:
            b = (uint32_t)stack[--sp];
            a = (uint32_t)stack[--sp] + in.imm;
            mem[a] = (uint8_t)b;
            break;
        case 0x02:
        case 0x03:
            ctl[nctl++] = (struct ctl){pc, match[pc], sp};
            break;
        case 0x04:
            c = (uint32_t)stack[--sp];
            ctl[nctl++] = (struct ctl){pc, match[pc], sp};
            if (!c) {
                if (else_of[pc] != SIZE_MAX) pc = else_of[pc];
                else pc = match[pc] - 1; /* the end pops the entry */
            }
            break;
        case 0x05: /* end of a taken then-arm */
            pc = ctl[--nctl].end;
            break;
        case 0x0b:
            nctl--;
            break;
        case 0x0d:
            c = (uint32_t)stack[--sp];
            if (c) {
                struct ctl t = ctl[nctl - 1 - in.imm];
                sp = t.base;
                if (p->code[t.start].op == 0x03) { /* back to the loop's start */
                    nctl -= in.imm;
                    pc = t.start;
                } else {
                    nctl -= in.imm + 1;
                    pc = t.end;
                }
            }
            break;
        default:
            x = binop_ref(in.op, stack[sp - 2], stack[sp - 1]);
            stack[sp - 2] = in.op >= 0x7c && in.op <= 0x8a ? x : (uint32_t)x;
            sp--;
            break;
        }
    }
    uint32_t r = (uint32_t)stack[sp - 1];
    free(match);
    free(else_of);
    free(open);
    free(stack);
    free(ctl);
    return r;
}

/* ---- binary encoding -------------------------------------------------------------------- */

typedef struct bytes {
    uint8_t *data;
    size_t len, cap;
} bytes;

static void byte(bytes *b, uint8_t v) {
    if (b->len == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 1024;
        b->data = xrealloc(b->data, b->cap);
    }
    b->data[b->len++] = v;
}
static void raw(bytes *b, const void *p, size_t n) {
    for (size_t i = 0; i < n; i++) byte(b, ((const uint8_t *)p)[i]);
}
static void uleb(bytes *b, uint32_t v) {
    do {
        uint8_t x = v & 0x7f;
        v >>= 7;
        byte(b, x | (v ? 0x80 : 0));
    } while (v);
}
static void sleb(bytes *b, int64_t v) {
    for (;;) {
        uint8_t x = v & 0x7f;
        v >>= 7;
        if ((v == 0 && !(x & 0x40)) || (v == -1 && (x & 0x40))) {
            byte(b, x);
            return;
        }
        byte(b, x | 0x80);
    }
}
static void section(bytes *out, uint8_t id, bytes *content) {
    byte(out, id);
    uleb(out, (uint32_t)content->len);
    raw(out, content->data, content->len);
    content->len = 0;
}
static void body(bytes *code, const uint8_t *locals_decl, size_t nd, const bytes *instrs) {
    uleb(code, (uint32_t)(nd + instrs->len + 1));
    raw(code, locals_decl, nd);
    raw(code, instrs->data, instrs->len);
    byte(code, 0x0b);
}

static bytes encode(const program *p) {
    bytes out = {0}, s = {0}, ins = {0};
    raw(&out, "\0asm\1\0\0\0", 8);
    /* types: 0 (i32 i32)->i32, 1 (i32)->i32, 2 ()->i32 */
    raw(&s, "\x03\x60\x02\x7f\x7f\x01\x7f\x60\x01\x7f\x01\x7f\x60\x00\x01\x7f", 16);
    section(&out, 1, &s);
    raw(&s, "\x04\x02\x01\x00\x00", 5); /* h0:2 h1:1 h2:0 main:0 */
    section(&out, 3, &s);
    raw(&s, "\x01\x70\x00\x01", 4);
    section(&out, 4, &s);
    raw(&s, "\x01\x00\x01", 3);
    section(&out, 5, &s);
    raw(&s, "\x02\x01" "f\x00\x03\x03mem\x02\x00", 11);
    section(&out, 7, &s);
    raw(&s, "\x01\x00\x41\x00\x0b\x01\x01", 7);
    section(&out, 9, &s);
    raw(&s, "\x04", 1);
    raw(&ins, "\x41\x07", 2);
    body(&s, (const uint8_t *)"\x00", 1, &ins);
    ins.len = 0;
    raw(&ins, "\x20\x00\x41\x03\x6c\x41\x01\x6a", 8);
    body(&s, (const uint8_t *)"\x00", 1, &ins);
    ins.len = 0;
    raw(&ins, "\x20\x00\x20\x01\x41\x01\x74\x6b", 8);
    body(&s, (const uint8_t *)"\x00", 1, &ins);
    ins.len = 0;
    for (size_t i = 0; i < p->len; i++) {
        insn in = p->code[i];
        byte(&ins, in.op);
        switch (in.op) {
        case 0x41: case 0x42: sleb(&ins, (int32_t)in.imm); break;
        case 0x20: case 0x21: case 0x22: case 0x10: case 0x0d: uleb(&ins, in.imm); break;
        case 0x11: uleb(&ins, in.imm); byte(&ins, 0); break;
        case 0x02: case 0x03: case 0x04: byte(&ins, 0x40); break;
        case 0x28: case 0x36: byte(&ins, 2); uleb(&ins, in.imm); break;
        case 0x2d: case 0x3a: byte(&ins, 0); uleb(&ins, in.imm); break;
        default: break;
        }
    }
    uint8_t decl[] = {1, NLOCALS + MAX_LOOPS, 0x7f};
    body(&s, decl, sizeof decl, &ins);
    section(&out, 10, &s);
    free(s.data);
    free(ins.data);
    return out;
}

/* ---- the test -------------------------------------------------------------------------------- */

/* ---- running one program both ways ----------------------------------------------------- */

/* Runs the program on the runtime and on the reference evaluator for a few
 * inputs; false with a message in msg on the first difference (result,
 * memory, trap, or a module that does not load). */
static bool diff_check(const program *p, char *msg, size_t cap) {
    bytes bin = encode(p);
    char err[256];
    bool ok = true;
    msg[0] = 0;
    sl_wasm_module *m = sl_wasm_module_load(bin.data, bin.len, err, sizeof err);
    if (!m) {
        snprintf(msg, cap, "load failed: %s", err);
        ok = false;
        goto out;
    }
    sl_wasm_store *st = sl_wasm_store_new(NULL);
    sl_wasm_linker *l = sl_wasm_linker_new();
    sl_wasm_trap *trap = NULL;
    sl_wasm_instance *in = sl_wasm_instantiate(st, m, l, &trap, err, sizeof err);
    uint8_t *mem = xcalloc(65536 + 8, 1);
    static const uint32_t inputs[][2] = {{0, 0}, {1, 2}, {0xffffffffu, 40}, {123456789, 0x80000000u},
                                         {16, 3}};
    for (size_t k = 0; in && ok && k < sizeof inputs / sizeof *inputs; k++) {
        uint32_t want = eval_ref(p, inputs[k][0], inputs[k][1], mem);
        sl_wasm_val args[2] = {{.type = SL_WASM_I32, .of.i32 = (int32_t)inputs[k][0]},
                               {.type = SL_WASM_I32, .of.i32 = (int32_t)inputs[k][1]}};
        sl_wasm_val r = {0};
        trap = sl_wasm_func_call(sl_wasm_instance_export(in, "f"), args, 2, &r, 1);
        if (trap) {
            snprintf(msg, cap, "input %zu: trap %s", k, sl_wasm_trap_message(trap));
            sl_wasm_trap_free(trap);
            ok = false;
        } else if ((uint32_t)r.of.i32 != want) {
            snprintf(msg, cap, "input %zu: result 0x%x, reference 0x%x", k, (uint32_t)r.of.i32, want);
            ok = false;
        } else {
            uint8_t got[MEM_CHECK];
            sl_wasm_memory_read(sl_wasm_instance_export(in, "mem"), 0, got, sizeof got);
            if (memcmp(got, mem, sizeof got) != 0) {
                snprintf(msg, cap, "input %zu: memory differs", k);
                ok = false;
            }
        }
    }
    if (!in) {
        snprintf(msg, cap, "instantiate failed: %s", err);
        sl_wasm_trap_free(trap);
        ok = false;
    }
    free(mem);
    sl_wasm_linker_free(l);
    sl_wasm_store_free(st);
    sl_wasm_module_free(m);
out:
    if (!ok && getenv("SL_WASM_DIFF_DUMP")) {
        static int dumped;
        char *path = xasprintf("%s/diff_%d_%d.wasm", getenv("SL_WASM_DIFF_DUMP"), (int)getpid(), dumped++);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(bin.data, 1, bin.len, f);
            fclose(f);
            fprintf(stderr, "wrote %s\n", path);
        }
        free(path);
    }
    free(bin.data);
    return ok;
}

#endif
