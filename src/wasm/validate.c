/*
 * validate.c — checks a decoded module against the WebAssembly 2.0
 * validation rules (MVP, sign extension, saturating truncation, bulk memory,
 * multi-value, reference types, multiple tables; no SIMD): index spaces,
 * limits, constant expressions, exports, the start function, and the type of
 * every instruction of every function body.
 *
 * Function bodies are checked with the algorithm of the spec's validation
 * appendix: an operand stack of value types (UNKNOWN_TYPE stands for "any",
 * what an empty stack yields after unreachable/br/return/br_table) and a
 * stack of control frames, one per open block. Both stacks grow on demand, so
 * the cost is linear in the body size whatever the nesting depth.
 *
 * The body bytes were already checked for well-formedness by decode.c (legal
 * opcodes, LEB128 sizes, block structure), so the readers here only guard
 * against running off the end. Messages start with "invalid: ", contain the
 * wording of the reference interpreter ("type mismatch", "unknown global 3",
 * ...) that the spec tests look for, and name the function and the byte
 * offset of the offending instruction.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "wasm/module.h"

#define UNKNOWN_TYPE 0          /* operand of unknown type (unreachable code) */
#define MAX_MEMORY_PAGES 65536u /* 4 GiB */

enum {
    OP_UNREACHABLE = 0x00, OP_BLOCK = 0x02, OP_LOOP = 0x03, OP_IF = 0x04, OP_ELSE = 0x05,
    OP_END = 0x0b, OP_PREFIX_FC = 0xfc,
    FRAME_FUNCTION = 0x00,      /* the outermost frame of a body or constant expression */
};

typedef uint8_t operand_type;   /* a sl_wasm_valtype, or UNKNOWN_TYPE */

typedef struct block_signature {
    const sl_wasm_valtype *params, *results;
    uint32_t nparams, nresults;
} block_signature;

typedef struct control_frame {
    uint8_t opcode;             /* OP_BLOCK, OP_LOOP, OP_IF, OP_ELSE or FRAME_FUNCTION */
    bool unreachable;           /* the rest of this block is dead code */
    size_t height;              /* operand stack height when the block began */
    block_signature signature;
} control_frame;

typedef struct validator {
    const sl_wasm_module *m;
    char *err;
    size_t errsize;

    char where[160];            /* "func 12 (main.run)", "global 3 initializer", ... */
    const uint8_t *code;        /* the body or expression being checked */
    size_t pos, len;
    size_t code_offset;         /* offset of code[0] in the binary */
    size_t instruction_offset;  /* offset of the current instruction */
    uint32_t opcode;            /* current instruction, 0xfc00 + n for prefixed ones */
    bool truncated;             /* a read ran off the end of `code` */
    bool constant;              /* only constant instructions allowed */
    uint32_t visible_globals;   /* globals a constant expression may read */

    VEC(operand_type) operands;
    VEC(control_frame) controls;
    VEC(sl_wasm_valtype) locals;   /* parameters, then declared locals */
} validator;

/* ------------------------------------------------------------------ */
/* Names for messages                                                  */
/* ------------------------------------------------------------------ */

static const char *const opcode_names[256] = {
    [0x00] = "unreachable", [0x01] = "nop", [0x02] = "block", [0x03] = "loop", [0x04] = "if",
    [0x05] = "else", [0x0b] = "end", [0x0c] = "br", [0x0d] = "br_if", [0x0e] = "br_table",
    [0x0f] = "return", [0x10] = "call", [0x11] = "call_indirect", [0x1a] = "drop",
    [0x1b] = "select", [0x1c] = "select", [0x20] = "local.get", [0x21] = "local.set",
    [0x22] = "local.tee", [0x23] = "global.get", [0x24] = "global.set", [0x25] = "table.get",
    [0x26] = "table.set", [0x28] = "i32.load", [0x29] = "i64.load", [0x2a] = "f32.load",
    [0x2b] = "f64.load", [0x2c] = "i32.load8_s", [0x2d] = "i32.load8_u", [0x2e] = "i32.load16_s",
    [0x2f] = "i32.load16_u", [0x30] = "i64.load8_s", [0x31] = "i64.load8_u",
    [0x32] = "i64.load16_s", [0x33] = "i64.load16_u", [0x34] = "i64.load32_s",
    [0x35] = "i64.load32_u", [0x36] = "i32.store", [0x37] = "i64.store", [0x38] = "f32.store",
    [0x39] = "f64.store", [0x3a] = "i32.store8", [0x3b] = "i32.store16", [0x3c] = "i64.store8",
    [0x3d] = "i64.store16", [0x3e] = "i64.store32", [0x3f] = "memory.size",
    [0x40] = "memory.grow", [0x41] = "i32.const", [0x42] = "i64.const", [0x43] = "f32.const",
    [0x44] = "f64.const", [0x45] = "i32.eqz", [0x46] = "i32.eq", [0x47] = "i32.ne",
    [0x48] = "i32.lt_s", [0x49] = "i32.lt_u", [0x4a] = "i32.gt_s", [0x4b] = "i32.gt_u",
    [0x4c] = "i32.le_s", [0x4d] = "i32.le_u", [0x4e] = "i32.ge_s", [0x4f] = "i32.ge_u",
    [0x50] = "i64.eqz", [0x51] = "i64.eq", [0x52] = "i64.ne", [0x53] = "i64.lt_s",
    [0x54] = "i64.lt_u", [0x55] = "i64.gt_s", [0x56] = "i64.gt_u", [0x57] = "i64.le_s",
    [0x58] = "i64.le_u", [0x59] = "i64.ge_s", [0x5a] = "i64.ge_u", [0x5b] = "f32.eq",
    [0x5c] = "f32.ne", [0x5d] = "f32.lt", [0x5e] = "f32.gt", [0x5f] = "f32.le", [0x60] = "f32.ge",
    [0x61] = "f64.eq", [0x62] = "f64.ne", [0x63] = "f64.lt", [0x64] = "f64.gt", [0x65] = "f64.le",
    [0x66] = "f64.ge", [0x67] = "i32.clz", [0x68] = "i32.ctz", [0x69] = "i32.popcnt",
    [0x6a] = "i32.add", [0x6b] = "i32.sub", [0x6c] = "i32.mul", [0x6d] = "i32.div_s",
    [0x6e] = "i32.div_u", [0x6f] = "i32.rem_s", [0x70] = "i32.rem_u", [0x71] = "i32.and",
    [0x72] = "i32.or", [0x73] = "i32.xor", [0x74] = "i32.shl", [0x75] = "i32.shr_s",
    [0x76] = "i32.shr_u", [0x77] = "i32.rotl", [0x78] = "i32.rotr", [0x79] = "i64.clz",
    [0x7a] = "i64.ctz", [0x7b] = "i64.popcnt", [0x7c] = "i64.add", [0x7d] = "i64.sub",
    [0x7e] = "i64.mul", [0x7f] = "i64.div_s", [0x80] = "i64.div_u", [0x81] = "i64.rem_s",
    [0x82] = "i64.rem_u", [0x83] = "i64.and", [0x84] = "i64.or", [0x85] = "i64.xor",
    [0x86] = "i64.shl", [0x87] = "i64.shr_s", [0x88] = "i64.shr_u", [0x89] = "i64.rotl",
    [0x8a] = "i64.rotr", [0x8b] = "f32.abs", [0x8c] = "f32.neg", [0x8d] = "f32.ceil",
    [0x8e] = "f32.floor", [0x8f] = "f32.trunc", [0x90] = "f32.nearest", [0x91] = "f32.sqrt",
    [0x92] = "f32.add", [0x93] = "f32.sub", [0x94] = "f32.mul", [0x95] = "f32.div",
    [0x96] = "f32.min", [0x97] = "f32.max", [0x98] = "f32.copysign", [0x99] = "f64.abs",
    [0x9a] = "f64.neg", [0x9b] = "f64.ceil", [0x9c] = "f64.floor", [0x9d] = "f64.trunc",
    [0x9e] = "f64.nearest", [0x9f] = "f64.sqrt", [0xa0] = "f64.add", [0xa1] = "f64.sub",
    [0xa2] = "f64.mul", [0xa3] = "f64.div", [0xa4] = "f64.min", [0xa5] = "f64.max",
    [0xa6] = "f64.copysign", [0xa7] = "i32.wrap_i64", [0xa8] = "i32.trunc_f32_s",
    [0xa9] = "i32.trunc_f32_u", [0xaa] = "i32.trunc_f64_s", [0xab] = "i32.trunc_f64_u",
    [0xac] = "i64.extend_i32_s", [0xad] = "i64.extend_i32_u", [0xae] = "i64.trunc_f32_s",
    [0xaf] = "i64.trunc_f32_u", [0xb0] = "i64.trunc_f64_s", [0xb1] = "i64.trunc_f64_u",
    [0xb2] = "f32.convert_i32_s", [0xb3] = "f32.convert_i32_u", [0xb4] = "f32.convert_i64_s",
    [0xb5] = "f32.convert_i64_u", [0xb6] = "f32.demote_f64", [0xb7] = "f64.convert_i32_s",
    [0xb8] = "f64.convert_i32_u", [0xb9] = "f64.convert_i64_s", [0xba] = "f64.convert_i64_u",
    [0xbb] = "f64.promote_f32", [0xbc] = "i32.reinterpret_f32", [0xbd] = "i64.reinterpret_f64",
    [0xbe] = "f32.reinterpret_i32", [0xbf] = "f64.reinterpret_i64", [0xc0] = "i32.extend8_s",
    [0xc1] = "i32.extend16_s", [0xc2] = "i64.extend8_s", [0xc3] = "i64.extend16_s",
    [0xc4] = "i64.extend32_s", [0xd0] = "ref.null", [0xd1] = "ref.is_null", [0xd2] = "ref.func",
};

static const char *const prefixed_opcode_names[18] = {
    "i32.trunc_sat_f32_s", "i32.trunc_sat_f32_u", "i32.trunc_sat_f64_s", "i32.trunc_sat_f64_u",
    "i64.trunc_sat_f32_s", "i64.trunc_sat_f32_u", "i64.trunc_sat_f64_s", "i64.trunc_sat_f64_u",
    "memory.init", "data.drop", "memory.copy", "memory.fill", "table.init", "elem.drop",
    "table.copy", "table.grow", "table.size", "table.fill",
};

static const char *instruction_name(uint32_t opcode) {
    if (opcode >= 0xfc00 && opcode - 0xfc00 < ARRAY_LEN(prefixed_opcode_names))
        return prefixed_opcode_names[opcode - 0xfc00];
    if (opcode < 256 && opcode_names[opcode]) return opcode_names[opcode];
    return "unknown instruction";
}

static const char *type_name(operand_type type) {
    switch (type) {
    case SL_WASM_I32: return "i32";
    case SL_WASM_I64: return "i64";
    case SL_WASM_F32: return "f32";
    case SL_WASM_F64: return "f64";
    case SL_WASM_V128: return "v128";
    case SL_WASM_FUNCREF: return "funcref";
    case SL_WASM_EXTERNREF: return "externref";
    default: return "any value";
    }
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static void write_error(validator *v, const char *kind, bool at_instruction, const char *fmt,
                        va_list ap) {
    if (!v->err || v->errsize == 0) return;
    char message[384];
    vsnprintf(message, sizeof message, fmt, ap);
    if (at_instruction)
        snprintf(v->err, v->errsize, "%s: %s (%s, offset 0x%zx)", kind, message, v->where,
                 v->instruction_offset);
    else if (v->where[0])
        snprintf(v->err, v->errsize, "%s: %s (%s)", kind, message, v->where);
    else
        snprintf(v->err, v->errsize, "%s: %s", kind, message);
}

/* An error at the current instruction. */
static bool fail(validator *v, const char *fmt, ...) PRINTF_LIKE(2, 3);
static bool fail(validator *v, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    write_error(v, "invalid", true, fmt, ap);
    va_end(ap);
    return false;
}

/* An error about a module-level entity named by v->where (may be empty). */
static bool fail_entity(validator *v, const char *fmt, ...) PRINTF_LIKE(2, 3);
static bool fail_entity(validator *v, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    write_error(v, "invalid", false, fmt, ap);
    va_end(ap);
    return false;
}

/* Only reachable if the module did not come through decode.c. */
static bool fail_truncated(validator *v) {
    if (v->err && v->errsize)
        snprintf(v->err, v->errsize, "malformed: unexpected end of section or function (%s)",
                 v->where);
    return false;
}

/* ------------------------------------------------------------------ */
/* Reading immediates (already known to be well-formed)                */
/* ------------------------------------------------------------------ */

static uint8_t read_byte(validator *v) {
    if (v->pos >= v->len) {
        v->truncated = true;
        return 0;
    }
    return v->code[v->pos++];
}

static uint32_t read_u32(validator *v) {
    uint32_t result = 0;
    for (int shift = 0;; shift += 7) {
        uint8_t byte = read_byte(v);
        if (v->truncated) return 0;
        if (shift < 32) result |= (uint32_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) return result;
    }
}

static int64_t read_signed(validator *v) {
    uint64_t result = 0;
    int shift = 0;
    uint8_t byte;
    do {
        byte = read_byte(v);
        if (v->truncated) return 0;
        if (shift < 64) result |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
    } while (byte & 0x80);
    if (shift < 64 && (byte & 0x40)) result |= ~(uint64_t)0 << shift;
    return (int64_t)result;
}

static void skip_bytes(validator *v, size_t n) {
    if (n > v->len - v->pos) {
        v->truncated = true;
        v->pos = v->len;
        return;
    }
    v->pos += n;
}

/* ------------------------------------------------------------------ */
/* The operand and control stacks                                      */
/* ------------------------------------------------------------------ */

static control_frame *innermost_frame(validator *v) {
    return &v->controls.items[v->controls.len - 1];
}

static void push_operand(validator *v, operand_type type) {
    VEC_PUSH(&v->operands, type);
}

static void push_operands(validator *v, const sl_wasm_valtype *types, uint32_t count) {
    VEC_RESERVE(&v->operands, count);
    for (uint32_t i = 0; i < count; i++) v->operands.items[v->operands.len++] = (operand_type)types[i];
}

/* Pops one operand that must have type `expected` (UNKNOWN_TYPE: any);
 * `actual` receives what was popped (UNKNOWN_TYPE in dead code). */
static bool pop_operand(validator *v, operand_type expected, operand_type *actual) {
    control_frame *frame = innermost_frame(v);
    if (v->operands.len == frame->height) {
        if (frame->unreachable) {
            if (actual) *actual = UNKNOWN_TYPE;
            return true;
        }
        return fail(v, "type mismatch: %s expects %s but the stack is empty",
                    instruction_name(v->opcode), type_name(expected));
    }
    operand_type type = v->operands.items[--v->operands.len];
    if (expected != UNKNOWN_TYPE && type != UNKNOWN_TYPE && type != expected)
        return fail(v, "type mismatch: %s expects %s but found %s", instruction_name(v->opcode),
                    type_name(expected), type_name(type));
    if (actual) *actual = type;
    return true;
}

static bool pop_operands(validator *v, const sl_wasm_valtype *types, uint32_t count) {
    for (uint32_t i = count; i > 0; i--)
        if (!pop_operand(v, (operand_type)types[i - 1], NULL)) return false;
    return true;
}

/* Checks that the top of the stack matches `types` without popping (what
 * br_table needs for each of its targets). */
static bool check_top_operands(validator *v, const sl_wasm_valtype *types, uint32_t count) {
    control_frame *frame = innermost_frame(v);
    size_t available = v->operands.len - frame->height;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t depth = count - i; /* 1 = top of stack */
        if (depth > available) {
            if (frame->unreachable) continue;
            return fail(v, "type mismatch: %s expects %s but the stack is empty",
                        instruction_name(v->opcode), type_name((operand_type)types[i]));
        }
        operand_type type = v->operands.items[v->operands.len - depth];
        if (type != UNKNOWN_TYPE && type != (operand_type)types[i])
            return fail(v, "type mismatch: %s expects %s but found %s", instruction_name(v->opcode),
                        type_name((operand_type)types[i]), type_name(type));
    }
    return true;
}

static void push_control(validator *v, uint8_t opcode, block_signature signature) {
    control_frame frame = {opcode, false, v->operands.len, signature};
    VEC_PUSH(&v->controls, frame);
    push_operands(v, signature.params, signature.nparams);
}

static void mark_unreachable(validator *v) {
    control_frame *frame = innermost_frame(v);
    v->operands.len = frame->height;
    frame->unreachable = true;
}

/* The types a branch to `frame` carries: a loop's parameters, otherwise the
 * block's results. */
static void label_types(const control_frame *frame, const sl_wasm_valtype **types, uint32_t *count) {
    if (frame->opcode == OP_LOOP) {
        *types = frame->signature.params;
        *count = frame->signature.nparams;
    } else {
        *types = frame->signature.results;
        *count = frame->signature.nresults;
    }
}

static bool label_frame(validator *v, uint32_t depth, const control_frame **out) {
    if (depth >= v->controls.len) return fail(v, "unknown label %u", depth);
    *out = &v->controls.items[v->controls.len - 1 - depth];
    return true;
}

static bool same_types(const sl_wasm_valtype *a, uint32_t na, const sl_wasm_valtype *b, uint32_t nb) {
    return na == nb && (na == 0 || memcmp(a, b, na * sizeof *a) == 0);
}

/* Closes the innermost block: its results must be exactly what is left. */
static bool end_block(validator *v) {
    control_frame *frame = innermost_frame(v);
    if (!pop_operands(v, frame->signature.results, frame->signature.nresults)) return false;
    if (v->operands.len != frame->height)
        return fail(v, "type mismatch: %zu value(s) left on the stack at the end of the %s",
                    v->operands.len - frame->height,
                    frame->opcode != FRAME_FUNCTION ? "block"
                    : v->constant                   ? "constant expression"
                                                    : "function");
    if (frame->opcode == OP_IF &&
        !same_types(frame->signature.params, frame->signature.nparams, frame->signature.results,
                    frame->signature.nresults))
        return fail(v, "type mismatch: an if without else must produce its parameters as results");
    block_signature signature = frame->signature;
    v->controls.len--;
    if (v->controls.len > 0) push_operands(v, signature.results, signature.nresults);
    return true;
}

static bool start_else(validator *v) {
    control_frame *frame = innermost_frame(v);
    if (frame->opcode != OP_IF) return fail(v, "else without a matching if");
    if (!pop_operands(v, frame->signature.results, frame->signature.nresults)) return false;
    if (v->operands.len != frame->height)
        return fail(v, "type mismatch: %zu value(s) left on the stack at the end of the then-branch",
                    v->operands.len - frame->height);
    frame->opcode = OP_ELSE;
    frame->unreachable = false;
    push_operands(v, frame->signature.params, frame->signature.nparams);
    return true;
}

/* ------------------------------------------------------------------ */
/* Instructions                                                        */
/* ------------------------------------------------------------------ */

static const sl_wasm_valtype single_value_types[] = {
    SL_WASM_I32, SL_WASM_I64, SL_WASM_F32, SL_WASM_F64, SL_WASM_V128, SL_WASM_FUNCREF, SL_WASM_EXTERNREF,
};

static const sl_wasm_valtype *single_value_type(uint8_t type) {
    for (size_t i = 0; i < ARRAY_LEN(single_value_types); i++)
        if (single_value_types[i] == type) return &single_value_types[i];
    return NULL;
}

static bool read_block_signature(validator *v, block_signature *out) {
    memset(out, 0, sizeof *out);
    if (v->pos >= v->len) {
        v->truncated = true;
        return true;
    }
    uint8_t first = v->code[v->pos];
    if (first == 0x40) {
        v->pos++;
        return true;
    }
    if ((first & 0xc0) == 0x40) {
        v->pos++;
        out->results = single_value_type(first);
        if (!out->results) return fail(v, "malformed block type 0x%02x", first);
        out->nresults = 1;
        return true;
    }
    int64_t index = read_signed(v);
    if (index < 0 || index >= (int64_t)v->m->ntypes)
        return fail(v, "unknown type %lld", (long long)index);
    const sl_wasm_type *type = &v->m->types[index];
    out->params = type->params;
    out->nparams = type->nparams;
    out->results = type->results;
    out->nresults = type->nresults;
    return true;
}

static bool check_memory_exists(validator *v) {
    if (v->m->nmemories == 0) return fail(v, "unknown memory 0");
    return true;
}

static bool check_table(validator *v, uint32_t index, const sl_wasm_table_type **out) {
    if (index >= v->m->ntables) return fail(v, "unknown table %u", index);
    if (out) *out = &v->m->tables[index];
    return true;
}

static bool check_elem_segment(validator *v, uint32_t index) {
    if (index >= v->m->nelems) return fail(v, "unknown elem segment %u", index);
    return true;
}

static bool check_data_segment(validator *v, uint32_t index) {
    if (index >= v->m->ndatas) return fail(v, "unknown data segment %u", index);
    return true;
}

/* Plain numeric instructions 0x45..0xc4: up to two operands, one result. */
static bool numeric_signature(uint8_t opcode, operand_type *first, operand_type *second,
                              operand_type *result) {
    static const uint8_t conversions[][2] = {
        /* 0xa7 */ {SL_WASM_I64, SL_WASM_I32},
        {SL_WASM_F32, SL_WASM_I32}, {SL_WASM_F32, SL_WASM_I32}, {SL_WASM_F64, SL_WASM_I32}, {SL_WASM_F64, SL_WASM_I32},
        {SL_WASM_I32, SL_WASM_I64}, {SL_WASM_I32, SL_WASM_I64},
        {SL_WASM_F32, SL_WASM_I64}, {SL_WASM_F32, SL_WASM_I64}, {SL_WASM_F64, SL_WASM_I64}, {SL_WASM_F64, SL_WASM_I64},
        {SL_WASM_I32, SL_WASM_F32}, {SL_WASM_I32, SL_WASM_F32}, {SL_WASM_I64, SL_WASM_F32}, {SL_WASM_I64, SL_WASM_F32},
        {SL_WASM_F64, SL_WASM_F32},
        {SL_WASM_I32, SL_WASM_F64}, {SL_WASM_I32, SL_WASM_F64}, {SL_WASM_I64, SL_WASM_F64}, {SL_WASM_I64, SL_WASM_F64},
        {SL_WASM_F32, SL_WASM_F64},
        {SL_WASM_F32, SL_WASM_I32}, {SL_WASM_F64, SL_WASM_I64}, {SL_WASM_I32, SL_WASM_F32}, {SL_WASM_I64, SL_WASM_F64},
        /* 0xc0 */ {SL_WASM_I32, SL_WASM_I32}, {SL_WASM_I32, SL_WASM_I32},
        {SL_WASM_I64, SL_WASM_I64}, {SL_WASM_I64, SL_WASM_I64}, {SL_WASM_I64, SL_WASM_I64},
    };
    static const struct { uint8_t last, first, second, result; } ranges[] = {
        {0x45, SL_WASM_I32, 0, SL_WASM_I32},        {0x4f, SL_WASM_I32, SL_WASM_I32, SL_WASM_I32},
        {0x50, SL_WASM_I64, 0, SL_WASM_I32},        {0x5a, SL_WASM_I64, SL_WASM_I64, SL_WASM_I32},
        {0x60, SL_WASM_F32, SL_WASM_F32, SL_WASM_I32}, {0x66, SL_WASM_F64, SL_WASM_F64, SL_WASM_I32},
        {0x69, SL_WASM_I32, 0, SL_WASM_I32},        {0x78, SL_WASM_I32, SL_WASM_I32, SL_WASM_I32},
        {0x7b, SL_WASM_I64, 0, SL_WASM_I64},        {0x8a, SL_WASM_I64, SL_WASM_I64, SL_WASM_I64},
        {0x91, SL_WASM_F32, 0, SL_WASM_F32},        {0x98, SL_WASM_F32, SL_WASM_F32, SL_WASM_F32},
        {0x9f, SL_WASM_F64, 0, SL_WASM_F64},        {0xa6, SL_WASM_F64, SL_WASM_F64, SL_WASM_F64},
    };
    if (opcode < 0x45 || opcode > 0xc4) return false;
    if (opcode >= 0xa7) {
        *first = conversions[opcode - 0xa7][0];
        *second = 0;
        *result = conversions[opcode - 0xa7][1];
        return true;
    }
    for (size_t i = 0; i < ARRAY_LEN(ranges); i++) {
        if (opcode <= ranges[i].last) {
            *first = ranges[i].first;
            *second = ranges[i].second;
            *result = ranges[i].result;
            return true;
        }
    }
    return false;
}

/* Loads 0x28..0x35 and stores 0x36..0x3e: value type and log2 of the
 * natural alignment. */
static void memory_access(uint8_t opcode, operand_type *type, uint32_t *natural_alignment) {
    static const struct { uint8_t type, alignment; } accesses[] = {
        {SL_WASM_I32, 2}, {SL_WASM_I64, 3}, {SL_WASM_F32, 2}, {SL_WASM_F64, 3},             /* 0x28 */
        {SL_WASM_I32, 0}, {SL_WASM_I32, 0}, {SL_WASM_I32, 1}, {SL_WASM_I32, 1},             /* 0x2c */
        {SL_WASM_I64, 0}, {SL_WASM_I64, 0}, {SL_WASM_I64, 1}, {SL_WASM_I64, 1},             /* 0x30 */
        {SL_WASM_I64, 2}, {SL_WASM_I64, 2},                                           /* 0x34 */
        {SL_WASM_I32, 2}, {SL_WASM_I64, 3}, {SL_WASM_F32, 2}, {SL_WASM_F64, 3},             /* 0x36 */
        {SL_WASM_I32, 0}, {SL_WASM_I32, 1}, {SL_WASM_I64, 0}, {SL_WASM_I64, 1}, {SL_WASM_I64, 2}, /* 0x3a */
    };
    *type = accesses[opcode - 0x28].type;
    *natural_alignment = accesses[opcode - 0x28].alignment;
}

static bool validate_memory_access(validator *v, uint8_t opcode) {
    uint32_t alignment = read_u32(v);
    (void)read_u32(v); /* offset */
    if (!check_memory_exists(v)) return false;
    operand_type type;
    uint32_t natural;
    memory_access(opcode, &type, &natural);
    if (alignment > natural)
        return fail(v, "alignment must not be larger than natural (%s: 2^%u > %u bytes)",
                    instruction_name(opcode), alignment, 1u << natural);
    if (opcode <= 0x35) { /* load */
        if (!pop_operand(v, SL_WASM_I32, NULL)) return false;
        push_operand(v, type);
    } else { /* store */
        if (!pop_operand(v, type, NULL) || !pop_operand(v, SL_WASM_I32, NULL)) return false;
    }
    return true;
}

static bool pop_i32s(validator *v, int count) {
    for (int i = 0; i < count; i++)
        if (!pop_operand(v, SL_WASM_I32, NULL)) return false;
    return true;
}

static bool validate_prefixed(validator *v) {
    uint32_t sub = read_u32(v);
    v->opcode = 0xfc00 + sub;
    const sl_wasm_table_type *table, *source;
    uint32_t index, other;
    switch (sub) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: {
        static const uint8_t from[8] = {SL_WASM_F32, SL_WASM_F32, SL_WASM_F64, SL_WASM_F64,
                                        SL_WASM_F32, SL_WASM_F32, SL_WASM_F64, SL_WASM_F64};
        if (!pop_operand(v, from[sub], NULL)) return false;
        push_operand(v, sub < 4 ? SL_WASM_I32 : SL_WASM_I64);
        return true;
    }
    case 8: /* memory.init data 0x00 */
        index = read_u32(v);
        skip_bytes(v, 1);
        return check_memory_exists(v) && check_data_segment(v, index) && pop_i32s(v, 3);
    case 9: /* data.drop */
        return check_data_segment(v, read_u32(v));
    case 10: /* memory.copy */
        skip_bytes(v, 2);
        return check_memory_exists(v) && pop_i32s(v, 3);
    case 11: /* memory.fill */
        skip_bytes(v, 1);
        return check_memory_exists(v) && pop_i32s(v, 3);
    case 12: /* table.init elem table */
        index = read_u32(v);
        other = read_u32(v);
        if (!check_table(v, other, &table) || !check_elem_segment(v, index)) return false;
        if (v->m->elems[index].type != table->elem)
            return fail(v, "type mismatch: elem segment %u holds %s but table %u holds %s", index,
                        type_name(v->m->elems[index].type), other, type_name(table->elem));
        return pop_i32s(v, 3);
    case 13: /* elem.drop */
        return check_elem_segment(v, read_u32(v));
    case 14: /* table.copy destination source */
        index = read_u32(v);
        other = read_u32(v);
        if (!check_table(v, index, &table) || !check_table(v, other, &source)) return false;
        if (table->elem != source->elem)
            return fail(v, "type mismatch: table.copy from a %s table into a %s table",
                        type_name(source->elem), type_name(table->elem));
        return pop_i32s(v, 3);
    case 15: /* table.grow */
        if (!check_table(v, read_u32(v), &table)) return false;
        if (!pop_operand(v, SL_WASM_I32, NULL) || !pop_operand(v, table->elem, NULL)) return false;
        push_operand(v, SL_WASM_I32);
        return true;
    case 16: /* table.size */
        if (!check_table(v, read_u32(v), NULL)) return false;
        push_operand(v, SL_WASM_I32);
        return true;
    case 17: /* table.fill */
        if (!check_table(v, read_u32(v), &table)) return false;
        return pop_operand(v, SL_WASM_I32, NULL) && pop_operand(v, table->elem, NULL) &&
               pop_operand(v, SL_WASM_I32, NULL);
    default:
        if (v->err && v->errsize)
            snprintf(v->err, v->errsize, "malformed: illegal opcode 0xfc %u (%s, offset 0x%zx)", sub,
                     v->where, v->instruction_offset);
        return false;
    }
}

static bool is_reference_type(operand_type type) {
    return type == SL_WASM_FUNCREF || type == SL_WASM_EXTERNREF;
}

static bool is_numeric_type(operand_type type) {
    return type == SL_WASM_I32 || type == SL_WASM_I64 || type == SL_WASM_F32 || type == SL_WASM_F64;
}

static bool validate_select(validator *v, bool typed) {
    operand_type first, second;
    if (typed) {
        uint32_t count = read_u32(v);
        if (count != 1) return fail(v, "invalid result arity: select takes one type, got %u", count);
        operand_type type = read_byte(v);
        if (!pop_operand(v, SL_WASM_I32, NULL) || !pop_operand(v, type, NULL) ||
            !pop_operand(v, type, NULL))
            return false;
        push_operand(v, type);
        return true;
    }
    if (!pop_operand(v, SL_WASM_I32, NULL)) return false;
    if (!pop_operand(v, UNKNOWN_TYPE, &first) || !pop_operand(v, UNKNOWN_TYPE, &second)) return false;
    if ((first != UNKNOWN_TYPE && !is_numeric_type(first)) ||
        (second != UNKNOWN_TYPE && !is_numeric_type(second)))
        return fail(v, "type mismatch: select without a type needs numeric operands, found %s",
                    type_name(first != UNKNOWN_TYPE && !is_numeric_type(first) ? first : second));
    if (first != UNKNOWN_TYPE && second != UNKNOWN_TYPE && first != second)
        return fail(v, "type mismatch: select operands differ (%s and %s)", type_name(second),
                    type_name(first));
    push_operand(v, first == UNKNOWN_TYPE ? second : first);
    return true;
}

static bool validate_br_table(validator *v) {
    uint32_t count = read_u32(v);
    size_t targets_pos = v->pos;
    for (uint32_t i = 0; i < count && !v->truncated; i++) (void)read_u32(v);
    uint32_t default_depth = read_u32(v);
    size_t after = v->pos;
    if (v->truncated) return true;
    if (!pop_operand(v, SL_WASM_I32, NULL)) return false;

    const control_frame *frame;
    const sl_wasm_valtype *default_types, *types;
    uint32_t default_arity, arity;
    if (!label_frame(v, default_depth, &frame)) return false;
    label_types(frame, &default_types, &default_arity);
    v->pos = targets_pos;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t depth = read_u32(v);
        if (!label_frame(v, depth, &frame)) return false;
        label_types(frame, &types, &arity);
        if (arity != default_arity)
            return fail(v, "type mismatch: br_table target %u carries %u value(s), the default %u",
                        depth, arity, default_arity);
        if (!check_top_operands(v, types, arity)) return false;
    }
    v->pos = after;
    if (!pop_operands(v, default_types, default_arity)) return false;
    mark_unreachable(v);
    return true;
}

static bool validate_call(validator *v, const sl_wasm_type *type) {
    if (!pop_operands(v, type->params, type->nparams)) return false;
    push_operands(v, type->results, type->nresults);
    return true;
}

static bool is_constant_instruction(uint8_t opcode) {
    return opcode == 0x41 || opcode == 0x42 || opcode == 0x43 || opcode == 0x44 ||
           opcode == 0x23 || opcode == 0xd0 || opcode == 0xd2 || opcode == OP_END;
}

static bool validate_instruction(validator *v, uint8_t opcode) {
    const sl_wasm_module *m = v->m;
    const control_frame *frame;
    const sl_wasm_valtype *types;
    const sl_wasm_table_type *table;
    block_signature signature;
    operand_type first, second, result, popped;
    uint32_t index, count;

    if (numeric_signature(opcode, &first, &second, &result)) {
        if (second && !pop_operand(v, second, NULL)) return false;
        if (!pop_operand(v, first, NULL)) return false;
        push_operand(v, result);
        return true;
    }
    if (opcode >= 0x28 && opcode <= 0x3e) return validate_memory_access(v, opcode);

    switch (opcode) {
    case OP_UNREACHABLE:
        mark_unreachable(v);
        return true;
    case 0x01: /* nop */
        return true;
    case OP_BLOCK:
    case OP_LOOP:
        if (!read_block_signature(v, &signature)) return false;
        if (!pop_operands(v, signature.params, signature.nparams)) return false;
        push_control(v, opcode, signature);
        return true;
    case OP_IF:
        if (!read_block_signature(v, &signature)) return false;
        if (!pop_operand(v, SL_WASM_I32, NULL)) return false;
        if (!pop_operands(v, signature.params, signature.nparams)) return false;
        push_control(v, opcode, signature);
        return true;
    case OP_ELSE:
        return start_else(v);
    case OP_END:
        return end_block(v);
    case 0x0c: /* br */
        if (!label_frame(v, read_u32(v), &frame)) return false;
        label_types(frame, &types, &count);
        if (!pop_operands(v, types, count)) return false;
        mark_unreachable(v);
        return true;
    case 0x0d: /* br_if */
        if (!label_frame(v, read_u32(v), &frame)) return false;
        label_types(frame, &types, &count);
        if (!pop_operand(v, SL_WASM_I32, NULL)) return false;
        if (!pop_operands(v, types, count)) return false;
        push_operands(v, types, count);
        return true;
    case 0x0e:
        return validate_br_table(v);
    case 0x0f: /* return */
        frame = &v->controls.items[0];
        if (!pop_operands(v, frame->signature.results, frame->signature.nresults)) return false;
        mark_unreachable(v);
        return true;
    case 0x10: /* call */
        index = read_u32(v);
        if (index >= m->nfuncs) return fail(v, "unknown function %u", index);
        return validate_call(v, &m->types[m->funcs[index].type_index]);
    case 0x11: { /* call_indirect type table */
        uint32_t type_index = read_u32(v);
        index = read_u32(v);
        if (!check_table(v, index, &table)) return false;
        if (table->elem != SL_WASM_FUNCREF)
            return fail(v, "type mismatch: call_indirect needs a funcref table, table %u holds %s",
                        index, type_name(table->elem));
        if (type_index >= m->ntypes) return fail(v, "unknown type %u", type_index);
        if (!pop_operand(v, SL_WASM_I32, NULL)) return false;
        return validate_call(v, &m->types[type_index]);
    }
    case 0x1a: /* drop */
        return pop_operand(v, UNKNOWN_TYPE, NULL);
    case 0x1b:
        return validate_select(v, false);
    case 0x1c:
        return validate_select(v, true);
    case 0x20: /* local.get */
        index = read_u32(v);
        if (index >= v->locals.len) return fail(v, "unknown local %u", index);
        push_operand(v, v->locals.items[index]);
        return true;
    case 0x21: /* local.set */
    case 0x22: /* local.tee */
        index = read_u32(v);
        if (index >= v->locals.len) return fail(v, "unknown local %u", index);
        if (!pop_operand(v, v->locals.items[index], NULL)) return false;
        if (opcode == 0x22) push_operand(v, v->locals.items[index]);
        return true;
    case 0x23: /* global.get */
        index = read_u32(v);
        if (index >= v->visible_globals) return fail(v, "unknown global %u", index);
        if (v->constant && m->globals[index].type.mutable_)
            return fail(v, "constant expression required: global %u is mutable", index);
        push_operand(v, m->globals[index].type.type);
        return true;
    case 0x24: /* global.set */
        index = read_u32(v);
        if (index >= v->visible_globals) return fail(v, "unknown global %u", index);
        if (!m->globals[index].type.mutable_) return fail(v, "global is immutable: global %u", index);
        return pop_operand(v, m->globals[index].type.type, NULL);
    case 0x25: /* table.get */
        if (!check_table(v, read_u32(v), &table)) return false;
        if (!pop_operand(v, SL_WASM_I32, NULL)) return false;
        push_operand(v, table->elem);
        return true;
    case 0x26: /* table.set */
        if (!check_table(v, read_u32(v), &table)) return false;
        return pop_operand(v, table->elem, NULL) && pop_operand(v, SL_WASM_I32, NULL);
    case 0x3f: /* memory.size */
        skip_bytes(v, 1);
        if (!check_memory_exists(v)) return false;
        push_operand(v, SL_WASM_I32);
        return true;
    case 0x40: /* memory.grow */
        skip_bytes(v, 1);
        if (!check_memory_exists(v) || !pop_operand(v, SL_WASM_I32, NULL)) return false;
        push_operand(v, SL_WASM_I32);
        return true;
    case 0x41:
        (void)read_signed(v);
        push_operand(v, SL_WASM_I32);
        return true;
    case 0x42:
        (void)read_signed(v);
        push_operand(v, SL_WASM_I64);
        return true;
    case 0x43:
        skip_bytes(v, 4);
        push_operand(v, SL_WASM_F32);
        return true;
    case 0x44:
        skip_bytes(v, 8);
        push_operand(v, SL_WASM_F64);
        return true;
    case 0xd0: /* ref.null t */
        push_operand(v, read_byte(v));
        return true;
    case 0xd1: /* ref.is_null */
        if (!pop_operand(v, UNKNOWN_TYPE, &popped)) return false;
        if (popped != UNKNOWN_TYPE && !is_reference_type(popped))
            return fail(v, "type mismatch: ref.is_null expects a reference but found %s",
                        type_name(popped));
        push_operand(v, SL_WASM_I32);
        return true;
    case 0xd2: /* ref.func */
        index = read_u32(v);
        if (index >= m->nfuncs) return fail(v, "unknown function %u", index);
        if (!m->func_declared || !m->func_declared[index])
            return fail(v, "undeclared function reference: function %u is not in an element "
                           "segment, export or global initializer", index);
        push_operand(v, SL_WASM_FUNCREF);
        return true;
    case OP_PREFIX_FC:
        return validate_prefixed(v);
    default:
        if (v->err && v->errsize)
            snprintf(v->err, v->errsize, "malformed: illegal opcode 0x%02x (%s, offset 0x%zx)",
                     opcode, v->where, v->instruction_offset);
        return false;
    }
}

/* Checks an instruction sequence that must leave `results` on the stack:
 * a function body (locals already set) or a constant expression. */
static bool validate_code(validator *v, const uint8_t *code, size_t len, size_t code_offset,
                          const sl_wasm_valtype *results, uint32_t nresults) {
    v->code = code;
    v->pos = 0;
    v->len = len;
    v->code_offset = code_offset;
    v->truncated = false;
    v->operands.len = 0;
    v->controls.len = 0;
    block_signature outermost = {NULL, results, 0, nresults};
    push_control(v, FRAME_FUNCTION, outermost);
    while (v->controls.len > 0) {
        if (v->pos >= v->len) return fail_truncated(v);
        v->instruction_offset = code_offset + v->pos;
        uint8_t opcode = v->code[v->pos++];
        v->opcode = opcode;
        if (v->constant && !is_constant_instruction(opcode))
            return fail(v, "constant expression required: %s is not a constant instruction",
                        opcode == OP_PREFIX_FC ? "a 0xfc-prefixed instruction" : instruction_name(opcode));
        if (!validate_instruction(v, opcode)) return false;
        if (v->truncated) return fail_truncated(v);
    }
    if (v->pos != v->len) {
        v->instruction_offset = code_offset + v->pos;
        return fail(v, "unexpected content after the final end");
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Module-level rules                                                  */
/* ------------------------------------------------------------------ */

static bool validate_constant(validator *v, const sl_wasm_const_expr *expr, sl_wasm_valtype type) {
    const sl_wasm_module *m = v->m;
    if (!expr->code) { /* element item given as a function index */
        if (expr->index >= m->nfuncs) {
            v->instruction_offset = 0;
            return fail_entity(v, "unknown function %u", expr->index);
        }
        return true;
    }
    v->constant = true;
    v->visible_globals = m->num_imported_globals;
    v->locals.len = 0;
    bool ok = validate_code(v, expr->code, expr->code_len, (size_t)(expr->code - m->bytes), &type, 1);
    v->constant = false;
    return ok;
}

static bool validate_limits(validator *v, const sl_wasm_limits *limits, uint64_t range,
                            const char *range_message) {
    if (limits->min > range) return fail_entity(v, "%s", range_message);
    if (limits->has_max) {
        if (limits->max > range) return fail_entity(v, "%s", range_message);
        if (limits->min > limits->max)
            return fail_entity(v, "size minimum must not be greater than maximum (%u > %u)",
                               limits->min, limits->max);
    }
    return true;
}

static bool validate_memory_type(validator *v, const sl_wasm_limits *limits) {
    return validate_limits(v, limits, MAX_MEMORY_PAGES,
                           "memory size must be at most 65536 pages (4GiB)");
}

static bool validate_table_type(validator *v, const sl_wasm_table_type *table) {
    return validate_limits(v, &table->limits, UINT32_MAX, "table size must be at most 2^32-1");
}

static bool validate_imports(validator *v) {
    const sl_wasm_module *m = v->m;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const sl_wasm_import *import = &m->imports[i];
        snprintf(v->where, sizeof v->where, "import %u \"%s\".\"%s\"", i, import->module, import->name);
        switch (import->kind) {
        case SL_WASM_EXTERN_FUNC:
            if (import->type_index >= m->ntypes)
                return fail_entity(v, "unknown type %u", import->type_index);
            break;
        case SL_WASM_EXTERN_TABLE:
            if (!validate_table_type(v, &import->table)) return false;
            break;
        case SL_WASM_EXTERN_MEMORY:
            if (!validate_memory_type(v, &import->memory)) return false;
            break;
        case SL_WASM_EXTERN_GLOBAL:
            break;
        }
    }
    return true;
}

static void describe_function(validator *v, uint32_t index) {
    const char *name = v->m->funcs[index].name;
    if (name)
        snprintf(v->where, sizeof v->where, "func %u (%s)", index, name);
    else
        snprintf(v->where, sizeof v->where, "func %u", index);
}

static bool validate_function_types(validator *v) {
    const sl_wasm_module *m = v->m;
    for (uint32_t i = m->num_imported_funcs; i < m->nfuncs; i++) {
        if (m->funcs[i].type_index >= m->ntypes) {
            describe_function(v, i);
            return fail_entity(v, "unknown type %u", m->funcs[i].type_index);
        }
    }
    return true;
}

static bool validate_globals(validator *v) {
    const sl_wasm_module *m = v->m;
    for (uint32_t i = m->num_imported_globals; i < m->nglobals; i++) {
        snprintf(v->where, sizeof v->where, "global %u initializer", i);
        if (!validate_constant(v, &m->globals[i].init, m->globals[i].type.type)) return false;
    }
    return true;
}

static bool validate_tables_and_memories(validator *v) {
    const sl_wasm_module *m = v->m;
    for (uint32_t i = m->num_imported_tables; i < m->ntables; i++) {
        snprintf(v->where, sizeof v->where, "table %u", i);
        if (!validate_table_type(v, &m->tables[i])) return false;
    }
    for (uint32_t i = m->num_imported_memories; i < m->nmemories; i++) {
        snprintf(v->where, sizeof v->where, "memory %u", i);
        if (!validate_memory_type(v, &m->memories[i])) return false;
    }
    return true;
}

static bool validate_element_segments(validator *v) {
    const sl_wasm_module *m = v->m;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const sl_wasm_elem *elem = &m->elems[i];
        for (uint32_t k = 0; k < elem->count; k++) {
            snprintf(v->where, sizeof v->where, "elem segment %u item %u", i, k);
            if (!validate_constant(v, &elem->items[k], elem->type)) return false;
        }
        if (elem->mode != SL_WASM_SEGMENT_ACTIVE) continue;
        snprintf(v->where, sizeof v->where, "elem segment %u", i);
        if (elem->table_index >= m->ntables) return fail_entity(v, "unknown table %u", elem->table_index);
        snprintf(v->where, sizeof v->where, "elem segment %u offset", i);
        if (!validate_constant(v, &elem->offset, SL_WASM_I32)) return false;
        const sl_wasm_table_type *table = &m->tables[elem->table_index];
        if (table->elem != elem->type) {
            snprintf(v->where, sizeof v->where, "elem segment %u", i);
            return fail_entity(v, "type mismatch: segment of %s for table %u of %s",
                               type_name(elem->type), elem->table_index, type_name(table->elem));
        }
    }
    return true;
}

static bool validate_data_segments(validator *v) {
    const sl_wasm_module *m = v->m;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const sl_wasm_data *data = &m->datas[i];
        if (data->mode != SL_WASM_SEGMENT_ACTIVE) continue;
        snprintf(v->where, sizeof v->where, "data segment %u", i);
        if (data->memory_index >= m->nmemories)
            return fail_entity(v, "unknown memory %u", data->memory_index);
        snprintf(v->where, sizeof v->where, "data segment %u offset", i);
        if (!validate_constant(v, &data->offset, SL_WASM_I32)) return false;
    }
    return true;
}

static bool validate_function_bodies(validator *v) {
    const sl_wasm_module *m = v->m;
    v->visible_globals = m->nglobals;
    for (uint32_t i = m->num_imported_funcs; i < m->nfuncs; i++) {
        const sl_wasm_func *func = &m->funcs[i];
        const sl_wasm_type *type = &m->types[func->type_index];
        describe_function(v, i);
        v->locals.len = 0;
        VEC_RESERVE(&v->locals, (size_t)type->nparams + func->nlocals);
        if (type->nparams) memcpy(v->locals.items, type->params, type->nparams * sizeof *type->params);
        if (func->nlocals)
            memcpy(v->locals.items + type->nparams, func->local_types,
                   func->nlocals * sizeof *func->local_types);
        v->locals.len = (size_t)type->nparams + func->nlocals;
        if (!func->body) return fail_entity(v, "function has no body");
        if (!validate_code(v, func->body, func->body_len, func->body_offset, type->results,
                           type->nresults))
            return false;
    }
    return true;
}

static bool validate_start(validator *v) {
    const sl_wasm_module *m = v->m;
    if (!m->has_start) return true;
    snprintf(v->where, sizeof v->where, "start section");
    if (m->start >= m->nfuncs) return fail_entity(v, "unknown function %u", m->start);
    const sl_wasm_type *type = &m->types[m->funcs[m->start].type_index];
    if (type->nparams || type->nresults)
        return fail_entity(v, "start function %u must take no parameters and return nothing",
                           m->start);
    return true;
}

/* Names compare byte-wise over their full length (name_len), so a NUL inside
 * a name does not hide what follows it. */
static int compare_export_names(const void *a, const void *b) {
    const sl_wasm_export *x = *(const sl_wasm_export *const *)a;
    const sl_wasm_export *y = *(const sl_wasm_export *const *)b;
    uint32_t common = SL_MIN(x->name_len, y->name_len);
    int order = common ? memcmp(x->name, y->name, common) : 0;
    if (order) return order;
    return (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

static bool validate_exports(validator *v) {
    const sl_wasm_module *m = v->m;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const sl_wasm_export *export = &m->exports[i];
        snprintf(v->where, sizeof v->where, "export \"%s\"", export->name);
        switch (export->kind) {
        case SL_WASM_EXTERN_FUNC:
            if (export->index >= m->nfuncs) return fail_entity(v, "unknown function %u", export->index);
            break;
        case SL_WASM_EXTERN_TABLE:
            if (export->index >= m->ntables) return fail_entity(v, "unknown table %u", export->index);
            break;
        case SL_WASM_EXTERN_MEMORY:
            if (export->index >= m->nmemories) return fail_entity(v, "unknown memory %u", export->index);
            break;
        case SL_WASM_EXTERN_GLOBAL:
            if (export->index >= m->nglobals) return fail_entity(v, "unknown global %u", export->index);
            break;
        }
    }
    if (m->nexports < 2) return true;
    /* Sorting keeps this O(n log n) for modules with many exports. */
    const sl_wasm_export **sorted = xmalloc(m->nexports * sizeof *sorted);
    for (uint32_t i = 0; i < m->nexports; i++) sorted[i] = &m->exports[i];
    qsort(sorted, m->nexports, sizeof *sorted, compare_export_names);
    bool ok = true;
    for (uint32_t i = 1; i < m->nexports && ok; i++) {
        const sl_wasm_export *a = sorted[i - 1], *b = sorted[i];
        if (compare_export_names(&a, &b) == 0) {
            v->where[0] = '\0';
            ok = fail_entity(v, "duplicate export name \"%s\"", b->name);
        }
    }
    free(sorted);
    return ok;
}

bool sl_wasm_validate(const sl_wasm_module *m, char *err, size_t errsize) {
    validator v = {.m = m, .err = err, .errsize = errsize};
    if (err && errsize) err[0] = '\0';
    bool ok = validate_imports(&v) && validate_function_types(&v) && validate_globals(&v) &&
              validate_tables_and_memories(&v) && validate_element_segments(&v) &&
              validate_data_segments(&v) && validate_function_bodies(&v) && validate_start(&v) &&
              validate_exports(&v);
    if (ok && m->nmemories > 1) {
        v.where[0] = '\0';
        ok = fail_entity(&v, "multiple memories are not supported (%u declared)", m->nmemories);
    }
    VEC_FREE(&v.operands);
    VEC_FREE(&v.controls);
    VEC_FREE(&v.locals);
    return ok;
}
