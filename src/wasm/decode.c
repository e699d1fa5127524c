/*
 * decode.c — turns the bytes of a WebAssembly binary into a sl_wasm_module
 * (module.h): the header, every section in its required order, the "name"
 * custom section (function names for backtraces), and a structural pass over
 * each function body and constant expression that finds where it ends and
 * rejects malformed encodings (illegal opcodes, bad immediates, overlong
 * LEB128 numbers). Type checking is validate.c's job.
 *
 * The decoder follows the reference interpreter's decoder closely enough that
 * the spec test suite's assert_malformed messages come out the same. Two
 * consequences that look odd at first:
 *   - reads are bounded by the end of the whole module, not of the current
 *     section; a section that was read past (or not up to) its declared size
 *     is reported afterwards as "section size mismatch". A function body
 *     missing its END therefore reports "END opcode expected" when another
 *     function follows, but "section size mismatch" when a section follows.
 *   - vector counts are not checked against the bytes left; a count that is
 *     too large fails with "unexpected end" once the bytes run out.
 * Declared counts are never trusted for allocation sizes: arrays grow as
 * entries are actually decoded, so a ten-byte module cannot make us allocate
 * four billion types.
 *
 * The one limit that is not in the spec: a function may declare at most
 * MAX_LOCALS_PER_FUNCTION locals, because every local costs memory in the
 * decoded module and in each call frame, and a body of a few bytes could
 * otherwise declare billions of them. Real compilers stay far below it
 * (wasmtime uses the same number).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "wasm/module.h"

#define SL_WASM_MAGIC 0x6d736100u /* "\0asm" read as a little-endian u32 */
#define SL_WASM_VERSION 1u
#define MAX_LOCALS_PER_FUNCTION 50000u

enum section_id {
    SECTION_CUSTOM = 0,
    SECTION_TYPE = 1,
    SECTION_IMPORT = 2,
    SECTION_FUNCTION = 3,
    SECTION_TABLE = 4,
    SECTION_MEMORY = 5,
    SECTION_GLOBAL = 6,
    SECTION_EXPORT = 7,
    SECTION_START = 8,
    SECTION_ELEMENT = 9,
    SECTION_CODE = 10,
    SECTION_DATA = 11,
    SECTION_DATA_COUNT = 12,
};

/* Position of each non-custom section in the required order (DataCount sits
 * between Element and Code although its id is the largest). */
static const uint8_t section_rank[13] = {
    [SECTION_TYPE] = 1,     [SECTION_IMPORT] = 2,  [SECTION_FUNCTION] = 3,
    [SECTION_TABLE] = 4,    [SECTION_MEMORY] = 5,  [SECTION_GLOBAL] = 6,
    [SECTION_EXPORT] = 7,   [SECTION_START] = 8,   [SECTION_ELEMENT] = 9,
    [SECTION_DATA_COUNT] = 10, [SECTION_CODE] = 11, [SECTION_DATA] = 12,
};

/* Kinds of structured instruction still open while skimming an expression:
 * only an `if` whose else-branch has not started yet accepts an `else`. */
enum { OPEN_BLOCK = 0, OPEN_IF_THEN = 1 };

typedef enum expression_kind {
    EXPRESSION_FUNCTION_BODY,
    EXPRESSION_CONSTANT,
} expression_kind;

typedef struct local_group {
    uint32_t count;
    sl_wasm_valtype type;
} local_group;

typedef struct decoder {
    sl_wasm_module *m;
    const uint8_t *bytes;       /* m->bytes */
    size_t pos, len;
    char *err;
    size_t errsize;
    int64_t current_func;       /* function whose body is being read, or -1 */

    /* Capacities of the module arrays that grow while decoding. */
    uint32_t types_cap, imports_cap, funcs_cap, tables_cap, memories_cap, globals_cap;
    uint32_t exports_cap, elems_cap, datas_cap;

    bool has_function_section;
    uint32_t defined_funcs;     /* entries of the function section */
    uint32_t code_entries;      /* entries of the code section */
    bool code_uses_data_index;  /* memory.init or data.drop in some body */

    VEC(uint8_t) open_blocks;   /* skim_expression's stack of OPEN_* kinds */
    VEC(local_group) local_groups;
    VEC(uint32_t) referenced_funcs; /* C.refs: ref.func outside bodies, func exports */

    bool has_name_section;
    size_t name_section_start, name_section_end;
} decoder;

/* ------------------------------------------------------------------ */
/* Errors and primitive reads                                          */
/* ------------------------------------------------------------------ */

static bool fail_at(decoder *d, size_t offset, const char *fmt, ...) PRINTF_LIKE(3, 4);
static bool fail_at(decoder *d, size_t offset, const char *fmt, ...) {
    if (!d->err || d->errsize == 0) return false;
    char message[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (d->current_func >= 0)
        snprintf(d->err, d->errsize, "malformed: %s (func %lld, offset 0x%zx)", message,
                 (long long)d->current_func, offset);
    else
        snprintf(d->err, d->errsize, "malformed: %s at offset 0x%zx", message, offset);
    return false;
}

static bool fail_unexpected_end(decoder *d) {
    return fail_at(d, d->len, "unexpected end of section or function");
}

static bool read_byte(decoder *d, uint8_t *out) {
    if (d->pos >= d->len) return fail_unexpected_end(d);
    *out = d->bytes[d->pos++];
    return true;
}

static bool peek_byte(decoder *d, uint8_t *out) {
    if (d->pos >= d->len) return fail_unexpected_end(d);
    *out = d->bytes[d->pos];
    return true;
}

static bool skip_bytes(decoder *d, size_t n) {
    if (n > d->len - d->pos) return fail_unexpected_end(d);
    d->pos += n;
    return true;
}

/* An unsigned LEB128 number of at most `bits` bits: at most ceil(bits/7)
 * bytes ("integer representation too long"), and the unused high bits of the
 * last byte must be zero ("integer too large"). */
static bool read_unsigned_leb(decoder *d, int bits, uint64_t *out) {
    uint64_t result = 0;
    int shift = 0;
    for (int remaining = bits;; remaining -= 7) {
        if (remaining <= 0) return fail_at(d, d->pos, "integer representation too long");
        uint8_t byte;
        if (!read_byte(d, &byte)) return false;
        if (remaining < 7 && (byte & 0x7f) >= (1u << remaining))
            return fail_at(d, d->pos - 1, "integer too large");
        result |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) break;
        shift += 7;
    }
    *out = result;
    return true;
}

/* A signed LEB128 number of at most `bits` bits: the unused bits of the
 * last byte must all equal the sign bit. */
static bool read_signed_leb(decoder *d, int bits, int64_t *out) {
    uint64_t result = 0;
    int shift = 0;
    for (int remaining = bits;; remaining -= 7) {
        if (remaining <= 0) return fail_at(d, d->pos, "integer representation too long");
        uint8_t byte;
        if (!read_byte(d, &byte)) return false;
        if (remaining < 7) {
            uint8_t unused = (uint8_t)((0xff << (remaining - 1)) & 0x7f);
            if ((byte & unused) != 0 && (byte & unused) != unused)
                return fail_at(d, d->pos - 1, "integer too large");
        }
        result |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
        if (!(byte & 0x80)) {
            if (shift < 64 && (byte & 0x40)) result |= ~(uint64_t)0 << shift;
            break;
        }
    }
    *out = (int64_t)result;
    return true;
}

static bool read_u32(decoder *d, uint32_t *out) {
    uint64_t value;
    if (!read_unsigned_leb(d, 32, &value)) return false;
    *out = (uint32_t)value;
    return true;
}

/* A byte count that must fit in what is left of the module. As in the
 * reference decoder, "what is left" is counted from the start of the count
 * itself, so a count that overshoots by less than its own encoding passes
 * here and fails later as an unexpected end or a size mismatch. */
static bool read_length(decoder *d, uint32_t *out) {
    size_t at = d->pos;
    uint32_t n;
    if (!read_u32(d, &n)) return false;
    if (n > d->len - at) return fail_at(d, at, "length out of bounds");
    *out = n;
    return true;
}

static bool utf8_is_valid(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t extra;
        if (c < 0x80) { i++; continue; }
        if (c < 0xc2) return false;             /* stray continuation or overlong */
        if (c < 0xe0) extra = 1;
        else if (c < 0xf0) extra = 2;
        else if (c < 0xf5) extra = 3;
        else return false;
        if (n - i <= extra) return false;
        for (size_t k = 1; k <= extra; k++)
            if ((s[i + k] & 0xc0) != 0x80) return false;
        if (c == 0xe0 && s[i + 1] < 0xa0) return false;  /* overlong 3-byte */
        if (c == 0xed && s[i + 1] >= 0xa0) return false; /* UTF-16 surrogate */
        if (c == 0xf0 && s[i + 1] < 0x90) return false;  /* overlong 4-byte */
        if (c == 0xf4 && s[i + 1] >= 0x90) return false; /* above U+10FFFF */
        i += extra + 1;
    }
    return true;
}

static bool read_name(decoder *d, const uint8_t **name, uint32_t *name_len) {
    size_t at = d->pos;
    uint32_t n;
    if (!read_length(d, &n)) return false;
    const uint8_t *start = d->bytes + d->pos;
    if (!skip_bytes(d, n)) return false;
    if (!utf8_is_valid(start, n)) return fail_at(d, at, "malformed UTF-8 encoding");
    *name = start;
    *name_len = n;
    return true;
}

/* A name as a heap C string (a NUL inside it ends the C string early; the
 * byte length is kept next to it where that matters). */
static char *copy_name(const uint8_t *name, uint32_t len) {
    return xstrndup((const char *)name, len);
}

/* Makes room for entry number `count` of an array that grows as entries are
 * decoded; new room is zeroed so a half-decoded entry is safe to free. */
static void *grow_for_one(void *items, size_t item_size, uint32_t count, uint32_t *cap) {
    if (count < *cap) return items;
    uint32_t new_cap = *cap ? *cap * 2 : 4;
    if (new_cap <= *cap) new_cap = UINT32_MAX; /* unreachable in practice: each entry is >= 1 byte */
    items = xrealloc(items, (size_t)new_cap * item_size);
    memset((char *)items + (size_t)*cap * item_size, 0, (size_t)(new_cap - *cap) * item_size);
    *cap = new_cap;
    return items;
}

#define GROW(d, array, count, cap) \
    ((array) = grow_for_one((array), sizeof(*(array)), (count), &(d)->cap))

static bool check_index_space(decoder *d, uint32_t count, const char *what) {
    if (count == UINT32_MAX) return fail_at(d, d->pos, "too many %s", what);
    return true;
}

/* ------------------------------------------------------------------ */
/* Types                                                               */
/* ------------------------------------------------------------------ */

static bool read_reference_type(decoder *d, sl_wasm_valtype *out) {
    size_t at = d->pos;
    int64_t code;
    if (!read_signed_leb(d, 7, &code)) return false;
    if (code == -0x10) *out = SL_WASM_FUNCREF;
    else if (code == -0x11) *out = SL_WASM_EXTERNREF;
    else return fail_at(d, at, "malformed reference type");
    return true;
}

/* Number types are 0x7c..0x7f, v128 is 0x7b, reference types below. */
static bool read_value_type(decoder *d, sl_wasm_valtype *out) {
    uint8_t first;
    if (!peek_byte(d, &first)) return false;
    if (first >= 0x7c && first <= 0x7f) {
        d->pos++;
        *out = (sl_wasm_valtype)first;
        return true;
    }
    if (first >= 0x71 && first <= 0x7b) {
        if (first == SL_WASM_V128)
            return fail_at(d, d->pos, "SIMD is not supported (v128 value type)");
        return fail_at(d, d->pos, "malformed value type 0x%02x", first);
    }
    return read_reference_type(d, out);
}

static bool read_limits(decoder *d, sl_wasm_limits *out) {
    uint64_t flags;
    if (!read_unsigned_leb(d, 1, &flags)) return false;
    if (!read_u32(d, &out->min)) return false;
    out->has_max = flags == 1;
    if (out->has_max && !read_u32(d, &out->max)) return false;
    return true;
}

static bool read_table_type(decoder *d, sl_wasm_table_type *out) {
    return read_reference_type(d, &out->elem) && read_limits(d, &out->limits);
}

static bool read_global_type(decoder *d, sl_wasm_global_type *out) {
    if (!read_value_type(d, &out->type)) return false;
    uint8_t mutability;
    if (!read_byte(d, &mutability)) return false;
    if (mutability > 1) return fail_at(d, d->pos - 1, "malformed mutability");
    out->mutable_ = mutability == 1;
    return true;
}

/* A list of value types (function parameters or results). */
static bool read_value_types(decoder *d, sl_wasm_valtype **types, uint32_t *count) {
    uint32_t declared, cap = 0;
    if (!read_u32(d, &declared)) return false;
    for (uint32_t i = 0; i < declared; i++) {
        *types = grow_for_one(*types, sizeof **types, *count, &cap);
        if (!read_value_type(d, &(*types)[*count])) return false;
        (*count)++;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Instruction sequences                                               */
/* ------------------------------------------------------------------ */

static bool read_block_type(decoder *d) {
    uint8_t first;
    if (!peek_byte(d, &first)) return false;
    if (first == 0x40) {
        d->pos++;
        return true;
    }
    if ((first & 0xc0) == 0x40) {
        sl_wasm_valtype type;
        return read_value_type(d, &type);
    }
    int64_t type_index; /* checked against the type section by the validator */
    return read_signed_leb(d, 33, &type_index);
}

static bool expect_zero_byte(decoder *d) {
    uint8_t byte;
    if (!read_byte(d, &byte)) return false;
    if (byte != 0) return fail_at(d, d->pos - 1, "zero byte expected");
    return true;
}

static bool read_memory_argument(decoder *d) {
    uint32_t align, offset;
    return read_u32(d, &align) && read_u32(d, &offset);
}

/* The immediates of a 0xfc-prefixed instruction. */
static bool skim_prefixed_instruction(decoder *d, size_t at, expression_kind kind) {
    uint32_t sub, index;
    if (!read_u32(d, &sub)) return false;
    switch (sub) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
        return true; /* saturating truncations */
    case 8: /* memory.init data 0x00 */
        if (kind == EXPRESSION_FUNCTION_BODY) d->code_uses_data_index = true;
        return read_u32(d, &index) && expect_zero_byte(d);
    case 9: /* data.drop data */
        if (kind == EXPRESSION_FUNCTION_BODY) d->code_uses_data_index = true;
        return read_u32(d, &index);
    case 10: /* memory.copy 0x00 0x00 */
        return expect_zero_byte(d) && expect_zero_byte(d);
    case 11: /* memory.fill 0x00 */
        return expect_zero_byte(d);
    case 12: /* table.init elem table */
    case 14: /* table.copy table table */
        return read_u32(d, &index) && read_u32(d, &index);
    case 13: /* elem.drop */
    case 15: /* table.grow */
    case 16: /* table.size */
    case 17: /* table.fill */
        return read_u32(d, &index);
    default:
        return fail_at(d, at, "illegal opcode 0xfc %u", sub);
    }
}

/* Fills the decoded form of a constant expression that is one instruction. */
static void summarize_constant(sl_wasm_const_expr *out, uint8_t opcode, int64_t integer,
                               const uint8_t *float_bytes) {
    memset(&out->value, 0, sizeof out->value);
    switch (opcode) {
    case 0x41:
        out->kind = SL_WASM_CONST_VALUE;
        out->value.type = SL_WASM_I32;
        out->value.of.i32 = (int32_t)integer;
        break;
    case 0x42:
        out->kind = SL_WASM_CONST_VALUE;
        out->value.type = SL_WASM_I64;
        out->value.of.i64 = integer;
        break;
    case 0x43: /* raw bits copied as they are: NaN payloads survive */
        out->kind = SL_WASM_CONST_VALUE;
        out->value.type = SL_WASM_F32;
        memcpy(&out->value.of.f32, float_bytes, 4);
        break;
    case 0x44:
        out->kind = SL_WASM_CONST_VALUE;
        out->value.type = SL_WASM_F64;
        memcpy(&out->value.of.f64, float_bytes, 8);
        break;
    case 0x23:
        out->kind = SL_WASM_CONST_GLOBAL_GET;
        out->index = (uint32_t)integer;
        break;
    case 0xd0:
        out->kind = SL_WASM_CONST_REF_NULL;
        out->value.type = (sl_wasm_valtype)integer;
        break;
    case 0xd2:
        out->kind = SL_WASM_CONST_REF_FUNC;
        out->value.type = SL_WASM_FUNCREF;
        out->index = (uint32_t)integer;
        break;
    default:
        break; /* not a constant instruction: the validator rejects it */
    }
}

/* Reads an instruction sequence up to and including the END that closes it:
 * a function body or a constant expression. Checks encodings only; `summary`
 * (constant expressions) receives the raw bytes and, if the expression is a
 * single instruction, its decoded form. */
static bool skim_expression(decoder *d, expression_kind kind, sl_wasm_const_expr *summary) {
    size_t start = d->pos;
    uint32_t instructions = 0;
    uint8_t first_opcode = 0;
    int64_t first_integer = 0;
    const uint8_t *first_float = NULL;

    d->open_blocks.len = 0;
    VEC_PUSH(&d->open_blocks, OPEN_BLOCK);
    for (;;) {
        size_t at = d->pos;
        uint8_t opcode;
        if (!read_byte(d, &opcode)) return false;
        if (opcode == 0x0b) { /* end */
            if (--d->open_blocks.len == 0) break;
            continue;
        }
        if (opcode == 0x05) { /* else */
            uint8_t *innermost = &d->open_blocks.items[d->open_blocks.len - 1];
            if (*innermost != OPEN_IF_THEN) return fail_at(d, at, "END opcode expected");
            *innermost = OPEN_BLOCK;
            continue;
        }
        int64_t integer = 0;
        const uint8_t *float_bytes = NULL;
        uint32_t index, count;
        sl_wasm_valtype type;
        if (opcode >= 0x45 && opcode <= 0xc4) goto next; /* numeric, no immediates */
        switch (opcode) {
        case 0x00: case 0x01: case 0x0f: case 0x1a: case 0x1b: case 0xd1:
            break;
        case 0x02: case 0x03: case 0x04:
            if (!read_block_type(d)) return false;
            VEC_PUSH(&d->open_blocks, opcode == 0x04 ? OPEN_IF_THEN : OPEN_BLOCK);
            break;
        case 0x0c: case 0x0d: case 0x10:
        case 0x20: case 0x21: case 0x22: case 0x24: case 0x25: case 0x26:
            if (!read_u32(d, &index)) return false;
            break;
        case 0x23: /* global.get */
            if (!read_u32(d, &index)) return false;
            integer = index;
            break;
        case 0xd2: /* ref.func */
            if (!read_u32(d, &index)) return false;
            integer = index;
            if (kind == EXPRESSION_CONSTANT) VEC_PUSH(&d->referenced_funcs, index);
            break;
        case 0x0e: /* br_table */
            if (!read_u32(d, &count)) return false;
            for (uint32_t i = 0; i < count; i++)
                if (!read_u32(d, &index)) return false;
            if (!read_u32(d, &index)) return false;
            break;
        case 0x11: /* call_indirect type table */
            if (!read_u32(d, &index) || !read_u32(d, &index)) return false;
            break;
        case 0x1c: /* select t* */
            if (!read_u32(d, &count)) return false;
            for (uint32_t i = 0; i < count; i++)
                if (!read_value_type(d, &type)) return false;
            break;
        case 0x3f: case 0x40: /* memory.size, memory.grow */
            if (!expect_zero_byte(d)) return false;
            break;
        case 0x41:
            if (!read_signed_leb(d, 32, &integer)) return false;
            break;
        case 0x42:
            if (!read_signed_leb(d, 64, &integer)) return false;
            break;
        case 0x43:
            float_bytes = d->bytes + d->pos;
            if (!skip_bytes(d, 4)) return false;
            break;
        case 0x44:
            float_bytes = d->bytes + d->pos;
            if (!skip_bytes(d, 8)) return false;
            break;
        case 0xd0: /* ref.null t */
            if (!read_reference_type(d, &type)) return false;
            integer = type;
            break;
        case 0xfc:
            if (!skim_prefixed_instruction(d, at, kind)) return false;
            break;
        case 0xfd:
            return fail_at(d, at, "SIMD is not supported (instruction prefix 0xfd)");
        case 0xfe:
            return fail_at(d, at, "illegal opcode 0xfe (threads are not supported)");
        default:
            if (opcode >= 0x28 && opcode <= 0x3e) { /* loads and stores */
                if (!read_memory_argument(d)) return false;
                break;
            }
            return fail_at(d, at, "illegal opcode 0x%02x", opcode);
        }
    next:
        if (instructions++ == 0) {
            first_opcode = opcode;
            first_integer = integer;
            first_float = float_bytes;
        }
    }
    if (summary) {
        summary->code = d->bytes + start;
        summary->code_len = d->pos - start;
        summary->kind = SL_WASM_CONST_VALUE;
        if (instructions == 1) summarize_constant(summary, first_opcode, first_integer, first_float);
    }
    return true;
}

static bool read_constant_expression(decoder *d, sl_wasm_const_expr *out) {
    return skim_expression(d, EXPRESSION_CONSTANT, out);
}

/* ------------------------------------------------------------------ */
/* Sections                                                            */
/* ------------------------------------------------------------------ */

static bool read_type_section(decoder *d) {
    sl_wasm_module *m = d->m;
    uint32_t count;
    if (!read_u32(d, &count)) return false;
    for (uint32_t i = 0; i < count; i++) {
        GROW(d, m->types, m->ntypes, types_cap);
        sl_wasm_type *type = &m->types[m->ntypes++];
        size_t at = d->pos;
        int64_t form;
        if (!read_signed_leb(d, 7, &form)) return false;
        if (form != -0x20) return fail_at(d, at, "malformed function type");
        if (!read_value_types(d, &type->params, &type->nparams)) return false;
        if (!read_value_types(d, &type->results, &type->nresults)) return false;
    }
    return true;
}

static bool read_import_section(decoder *d) {
    sl_wasm_module *m = d->m;
    uint32_t count;
    if (!read_u32(d, &count)) return false;
    for (uint32_t i = 0; i < count; i++) {
        GROW(d, m->imports, m->nimports, imports_cap);
        sl_wasm_import *import = &m->imports[m->nimports++];
        const uint8_t *module_name, *item_name;
        if (!read_name(d, &module_name, &import->module_len)) return false;
        import->module = copy_name(module_name, import->module_len);
        if (!read_name(d, &item_name, &import->name_len)) return false;
        import->name = copy_name(item_name, import->name_len);
        uint8_t kind;
        if (!read_byte(d, &kind)) return false;
        switch (kind) {
        case SL_WASM_EXTERN_FUNC:
            if (!read_u32(d, &import->type_index)) return false;
            if (!check_index_space(d, m->nfuncs, "functions")) return false;
            GROW(d, m->funcs, m->nfuncs, funcs_cap);
            m->funcs[m->nfuncs++].type_index = import->type_index;
            m->num_imported_funcs++;
            break;
        case SL_WASM_EXTERN_TABLE:
            if (!read_table_type(d, &import->table)) return false;
            if (!check_index_space(d, m->ntables, "tables")) return false;
            GROW(d, m->tables, m->ntables, tables_cap);
            m->tables[m->ntables++] = import->table;
            m->num_imported_tables++;
            break;
        case SL_WASM_EXTERN_MEMORY:
            if (!read_limits(d, &import->memory)) return false;
            if (!check_index_space(d, m->nmemories, "memories")) return false;
            GROW(d, m->memories, m->nmemories, memories_cap);
            m->memories[m->nmemories++] = import->memory;
            m->num_imported_memories++;
            break;
        case SL_WASM_EXTERN_GLOBAL:
            if (!read_global_type(d, &import->global)) return false;
            if (!check_index_space(d, m->nglobals, "globals")) return false;
            GROW(d, m->globals, m->nglobals, globals_cap);
            m->globals[m->nglobals++].type = import->global;
            m->num_imported_globals++;
            break;
        default:
            return fail_at(d, d->pos - 1, "malformed import kind");
        }
        import->kind = (sl_wasm_extern_kind)kind;
    }
    return true;
}

static bool read_function_section(decoder *d) {
    sl_wasm_module *m = d->m;
    uint32_t count;
    if (!read_u32(d, &count)) return false;
    d->has_function_section = true;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t type_index;
        if (!read_u32(d, &type_index)) return false;
        if (!check_index_space(d, m->nfuncs, "functions")) return false;
        GROW(d, m->funcs, m->nfuncs, funcs_cap);
        m->funcs[m->nfuncs++].type_index = type_index;
        d->defined_funcs++;
    }
    return true;
}

static bool read_table_section(decoder *d) {
    sl_wasm_module *m = d->m;
    uint32_t count;
    if (!read_u32(d, &count)) return false;
    for (uint32_t i = 0; i < count; i++) {
        if (!check_index_space(d, m->ntables, "tables")) return false;
        GROW(d, m->tables, m->ntables, tables_cap);
        if (!read_table_type(d, &m->tables[m->ntables])) return false;
        m->ntables++;
    }
    return true;
}

static bool read_memory_section(decoder *d) {
    sl_wasm_module *m = d->m;
    uint32_t count;
    if (!read_u32(d, &count)) return false;
    for (uint32_t i = 0; i < count; i++) {
        if (!check_index_space(d, m->nmemories, "memories")) return false;
        GROW(d, m->memories, m->nmemories, memories_cap);
        if (!read_limits(d, &m->memories[m->nmemories])) return false;
        m->nmemories++;
    }
    return true;
}

static bool read_global_section(decoder *d) {
    sl_wasm_module *m = d->m;
    uint32_t count;
    if (!read_u32(d, &count)) return false;
    for (uint32_t i = 0; i < count; i++) {
        if (!check_index_space(d, m->nglobals, "globals")) return false;
        GROW(d, m->globals, m->nglobals, globals_cap);
        sl_wasm_global *global = &m->globals[m->nglobals];
        if (!read_global_type(d, &global->type)) return false;
        if (!read_constant_expression(d, &global->init)) return false;
        m->nglobals++;
    }
    return true;
}

static bool read_export_section(decoder *d) {
    sl_wasm_module *m = d->m;
    uint32_t count;
    if (!read_u32(d, &count)) return false;
    for (uint32_t i = 0; i < count; i++) {
        GROW(d, m->exports, m->nexports, exports_cap);
        sl_wasm_export *export = &m->exports[m->nexports++];
        const uint8_t *name;
        if (!read_name(d, &name, &export->name_len)) return false;
        export->name = copy_name(name, export->name_len);
        uint8_t kind;
        if (!read_byte(d, &kind)) return false;
        if (kind > SL_WASM_EXTERN_GLOBAL) return fail_at(d, d->pos - 1, "malformed export kind");
        export->kind = (sl_wasm_extern_kind)kind;
        if (!read_u32(d, &export->index)) return false;
        if (export->kind == SL_WASM_EXTERN_FUNC) VEC_PUSH(&d->referenced_funcs, export->index);
    }
    return true;
}

static bool read_start_section(decoder *d) {
    if (!read_u32(d, &d->m->start)) return false;
    d->m->has_start = true;
    return true;
}

/* Element items given as bare function indices (segment kinds 0-3). */
static bool read_function_index_items(decoder *d, sl_wasm_elem *elem) {
    uint32_t count, cap = 0;
    if (!read_u32(d, &count)) return false;
    for (uint32_t i = 0; i < count; i++) {
        elem->items = grow_for_one(elem->items, sizeof *elem->items, elem->count, &cap);
        sl_wasm_const_expr *item = &elem->items[elem->count];
        if (!read_u32(d, &item->index)) return false;
        item->kind = SL_WASM_CONST_REF_FUNC;
        item->value.type = SL_WASM_FUNCREF;
        VEC_PUSH(&d->referenced_funcs, item->index);
        elem->count++;
    }
    return true;
}

/* Element items given as constant expressions (segment kinds 4-7). */
static bool read_expression_items(decoder *d, sl_wasm_elem *elem) {
    uint32_t count, cap = 0;
    if (!read_u32(d, &count)) return false;
    for (uint32_t i = 0; i < count; i++) {
        elem->items = grow_for_one(elem->items, sizeof *elem->items, elem->count, &cap);
        if (!read_constant_expression(d, &elem->items[elem->count])) return false;
        elem->count++;
    }
    return true;
}

/* The element kind of segment kinds 1-3: only 0x00 (funcref) exists. */
static bool read_element_kind(decoder *d, sl_wasm_valtype *out) {
    uint8_t kind;
    if (!read_byte(d, &kind)) return false;
    if (kind != 0x00) return fail_at(d, d->pos - 1, "malformed element kind");
    *out = SL_WASM_FUNCREF;
    return true;
}

/* Segment kind bits: 1 = passive or declarative (with 2 = declarative),
 * 2 = explicit table index (when active), 4 = items are expressions. */
static bool read_element_segment(decoder *d, sl_wasm_elem *elem) {
    size_t at = d->pos;
    uint32_t flags;
    if (!read_u32(d, &flags)) return false;
    if (flags > 7) return fail_at(d, at, "malformed elements segment kind");
    bool is_active = (flags & 1) == 0;
    bool has_table_index = (flags & 2) != 0;
    bool has_expressions = (flags & 4) != 0;
    elem->type = SL_WASM_FUNCREF;
    if (is_active) {
        elem->mode = SL_WASM_SEGMENT_ACTIVE;
        if (has_table_index && !read_u32(d, &elem->table_index)) return false;
        if (!read_constant_expression(d, &elem->offset)) return false;
    } else {
        elem->mode = has_table_index ? SL_WASM_SEGMENT_DECLARATIVE : SL_WASM_SEGMENT_PASSIVE;
    }
    /* Kinds 0 and 4 imply funcref; the others spell out the type. */
    if (flags != 0 && flags != 4) {
        if (has_expressions ? !read_reference_type(d, &elem->type) : !read_element_kind(d, &elem->type))
            return false;
    }
    return has_expressions ? read_expression_items(d, elem) : read_function_index_items(d, elem);
}

static bool read_element_section(decoder *d) {
    sl_wasm_module *m = d->m;
    uint32_t count;
    if (!read_u32(d, &count)) return false;
    for (uint32_t i = 0; i < count; i++) {
        GROW(d, m->elems, m->nelems, elems_cap);
        if (!read_element_segment(d, &m->elems[m->nelems++])) return false;
    }
    return true;
}

static bool read_data_count_section(decoder *d) {
    if (!read_u32(d, &d->m->data_count)) return false;
    d->m->has_data_count = true;
    return true;
}

static bool read_data_segment(decoder *d, sl_wasm_data *data) {
    size_t at = d->pos;
    uint32_t flags;
    if (!read_u32(d, &flags)) return false;
    switch (flags) {
    case 0:
        data->mode = SL_WASM_SEGMENT_ACTIVE;
        if (!read_constant_expression(d, &data->offset)) return false;
        break;
    case 1:
        data->mode = SL_WASM_SEGMENT_PASSIVE;
        break;
    case 2:
        data->mode = SL_WASM_SEGMENT_ACTIVE;
        if (!read_u32(d, &data->memory_index)) return false;
        if (!read_constant_expression(d, &data->offset)) return false;
        break;
    default:
        return fail_at(d, at, "malformed data segment kind");
    }
    if (!read_length(d, &data->len)) return false;
    data->bytes = d->bytes + d->pos;
    return skip_bytes(d, data->len);
}

static bool read_data_section(decoder *d) {
    sl_wasm_module *m = d->m;
    uint32_t count;
    if (!read_u32(d, &count)) return false;
    for (uint32_t i = 0; i < count; i++) {
        GROW(d, m->datas, m->ndatas, datas_cap);
        if (!read_data_segment(d, &m->datas[m->ndatas++])) return false;
    }
    return true;
}

/* One entry of the code section: size, local declarations, instructions.
 * Entries beyond the function section's count are decoded and dropped; the
 * count mismatch is reported once the whole module has been read. */
static bool read_code_entry(decoder *d, uint32_t entry) {
    sl_wasm_module *m = d->m;
    uint32_t size;
    if (!read_length(d, &size)) return false;
    size_t start = d->pos;
    sl_wasm_func *func = entry < d->defined_funcs ? &m->funcs[m->num_imported_funcs + entry] : NULL;
    d->current_func = (int64_t)m->num_imported_funcs + entry;

    uint32_t groups;
    uint64_t total_locals = 0;
    if (!read_u32(d, &groups)) return false;
    d->local_groups.len = 0;
    for (uint32_t i = 0; i < groups; i++) {
        local_group group;
        if (!read_u32(d, &group.count)) return false;
        if (!read_value_type(d, &group.type)) return false;
        total_locals += group.count;
        VEC_PUSH(&d->local_groups, group);
    }
    if (total_locals >= ((uint64_t)1 << 32)) return fail_at(d, start, "too many locals");
    if (total_locals > MAX_LOCALS_PER_FUNCTION)
        return fail_at(d, start, "too many locals: %llu declared, this runtime accepts at most %u",
                       (unsigned long long)total_locals, MAX_LOCALS_PER_FUNCTION);
    if (func) {
        func->nlocals = (uint32_t)total_locals;
        func->local_types = total_locals ? xmalloc(total_locals * sizeof *func->local_types) : NULL;
        uint32_t filled = 0;
        for (size_t i = 0; i < d->local_groups.len; i++)
            for (uint32_t k = 0; k < d->local_groups.items[i].count; k++)
                func->local_types[filled++] = d->local_groups.items[i].type;
    }

    size_t body_start = d->pos;
    if (!skim_expression(d, EXPRESSION_FUNCTION_BODY, NULL)) return false;
    d->current_func = -1;
    if (d->pos != start + size) return fail_at(d, start, "section size mismatch");
    if (func) {
        func->body = d->bytes + body_start;
        func->body_len = d->pos - body_start;
        func->body_offset = body_start;
    }
    return true;
}

static bool read_code_section(decoder *d) {
    uint32_t count;
    if (!read_u32(d, &count)) return false;
    for (uint32_t i = 0; i < count; i++) {
        if (!read_code_entry(d, i)) return false;
        d->code_entries++;
    }
    return true;
}

/* A custom section: a name, then bytes up to the section's end. Only the
 * "name" section means anything to us, and it is read after everything else
 * (it may come before the function section it describes). */
static bool read_custom_section(decoder *d, size_t section_start, uint32_t size) {
    const uint8_t *name;
    uint32_t name_len;
    if (!read_name(d, &name, &name_len)) return false;
    size_t section_end = section_start + size;
    if (d->pos > section_end || section_end > d->len) return fail_unexpected_end(d);
    if (name_len == 4 && memcmp(name, "name", 4) == 0 && !d->has_name_section) {
        d->has_name_section = true;
        d->name_section_start = d->pos;
        d->name_section_end = section_end;
    }
    d->pos = section_end;
    return true;
}

static bool read_section(decoder *d, uint8_t id, size_t start, uint32_t size) {
    switch (id) {
    case SECTION_CUSTOM: return read_custom_section(d, start, size);
    case SECTION_TYPE: return read_type_section(d);
    case SECTION_IMPORT: return read_import_section(d);
    case SECTION_FUNCTION: return read_function_section(d);
    case SECTION_TABLE: return read_table_section(d);
    case SECTION_MEMORY: return read_memory_section(d);
    case SECTION_GLOBAL: return read_global_section(d);
    case SECTION_EXPORT: return read_export_section(d);
    case SECTION_START: return read_start_section(d);
    case SECTION_ELEMENT: return read_element_section(d);
    case SECTION_CODE: return read_code_section(d);
    case SECTION_DATA: return read_data_section(d);
    case SECTION_DATA_COUNT: return read_data_count_section(d);
    }
    return fail_at(d, start, "malformed section id");
}

/* ------------------------------------------------------------------ */
/* The name section (lenient: a damaged one is ignored, never an error) */
/* ------------------------------------------------------------------ */

typedef struct name_reader {
    const uint8_t *bytes;
    size_t pos, end;
} name_reader;

static bool name_reader_u32(name_reader *r, uint32_t *out) {
    uint32_t result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (r->pos >= r->end) return false;
        uint8_t byte = r->bytes[r->pos++];
        if (shift == 28 && (byte & 0x70)) return false;
        result |= (uint32_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = result;
            return true;
        }
    }
    return false;
}

static bool name_reader_string(name_reader *r, const uint8_t **s, uint32_t *len) {
    if (!name_reader_u32(r, len) || *len > r->end - r->pos) return false;
    *s = r->bytes + r->pos;
    r->pos += *len;
    return utf8_is_valid(*s, *len);
}

static void read_function_names(sl_wasm_module *m, name_reader *r) {
    uint32_t count;
    if (!name_reader_u32(r, &count)) return;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t index, len;
        const uint8_t *name;
        if (!name_reader_u32(r, &index) || !name_reader_string(r, &name, &len)) return;
        if (index >= m->nfuncs) continue;
        free(m->funcs[index].name);
        m->funcs[index].name = copy_name(name, len);
    }
}

static void read_name_section(decoder *d) {
    sl_wasm_module *m = d->m;
    name_reader r = {d->bytes, d->name_section_start, d->name_section_end};
    while (r.pos < r.end) {
        uint8_t id = r.bytes[r.pos++];
        uint32_t size;
        if (!name_reader_u32(&r, &size) || size > r.end - r.pos) return;
        name_reader sub = {r.bytes, r.pos, r.pos + size};
        r.pos += size;
        if (id == 0) { /* module name */
            const uint8_t *name;
            uint32_t len;
            if (name_reader_string(&sub, &name, &len)) {
                free(m->module_name);
                m->module_name = copy_name(name, len);
            }
        } else if (id == 1) {
            read_function_names(m, &sub);
        }
    }
}

/* ------------------------------------------------------------------ */
/* The module                                                          */
/* ------------------------------------------------------------------ */

static bool read_header(decoder *d) {
    uint32_t words[2] = {0, 0};
    for (int w = 0; w < 2; w++) {
        for (int i = 0; i < 4; i++) {
            uint8_t byte;
            if (!read_byte(d, &byte)) return false;
            words[w] |= (uint32_t)byte << (8 * i);
        }
        if (w == 0 && words[0] != SL_WASM_MAGIC) return fail_at(d, 0, "magic header not detected");
    }
    if (words[1] != SL_WASM_VERSION) return fail_at(d, 4, "unknown binary version");
    return true;
}

static bool read_sections(decoder *d) {
    int last_rank = 0;
    while (d->pos < d->len) {
        size_t id_at = d->pos;
        uint8_t id = d->bytes[d->pos];
        if (id > SECTION_DATA_COUNT) return fail_at(d, id_at, "malformed section id");
        if (id != SECTION_CUSTOM && section_rank[id] <= last_rank)
            return fail_at(d, id_at, "unexpected content after last section");
        d->pos++;
        uint32_t size;
        if (!read_length(d, &size)) return false;
        size_t start = d->pos;
        if (!read_section(d, id, start, size)) return false;
        if (d->pos != start + size) return fail_at(d, start, "section size mismatch");
        if (id != SECTION_CUSTOM) last_rank = section_rank[id];
    }
    return true;
}

static bool check_section_agreement(decoder *d) {
    sl_wasm_module *m = d->m;
    if (d->defined_funcs != d->code_entries)
        return fail_at(d, d->len,
                       "function and code section have inconsistent lengths (%u functions, %u bodies)",
                       d->defined_funcs, d->code_entries);
    if (m->has_data_count && m->data_count != m->ndatas)
        return fail_at(d, d->len,
                       "data count and data section have inconsistent lengths (%u declared, %u segments)",
                       m->data_count, m->ndatas);
    /* Without any data segment a data index is simply unknown, which the
     * validator reports ("unknown data segment"); the spec tests expect that
     * wording for text modules that binary tools encode without DataCount. */
    if (!m->has_data_count && d->code_uses_data_index && m->ndatas > 0)
        return fail_at(d, d->len, "data count section required (memory.init or data.drop is used)");
    return true;
}

static void mark_declared_functions(decoder *d) {
    sl_wasm_module *m = d->m;
    m->func_declared = xcalloc(m->nfuncs ? m->nfuncs : 1, 1);
    for (size_t i = 0; i < d->referenced_funcs.len; i++) {
        uint32_t index = d->referenced_funcs.items[i];
        if (index < m->nfuncs) m->func_declared[index] = 1;
    }
}

bool sl_wasm_decode(sl_wasm_module *m, const uint8_t *bytes, size_t len, char *err, size_t errsize) {
    memset(m, 0, sizeof *m);
    if (err && errsize) err[0] = '\0';
    m->bytes = xmalloc(len ? len : 1);
    if (len) memcpy(m->bytes, bytes, len);
    m->len = len;

    decoder d = {.m = m, .bytes = m->bytes, .len = len, .err = err, .errsize = errsize,
                 .current_func = -1};
    bool ok = read_header(&d) && read_sections(&d) && check_section_agreement(&d);
    if (ok) {
        mark_declared_functions(&d);
        if (d.has_name_section) read_name_section(&d);
    }
    VEC_FREE(&d.open_blocks);
    VEC_FREE(&d.local_groups);
    VEC_FREE(&d.referenced_funcs);
    return ok;
}

void sl_wasm_module_clear(sl_wasm_module *m) {
    sl_wasm_compiled_free(m);
    for (uint32_t i = 0; i < m->ntypes; i++) {
        free(m->types[i].params);
        free(m->types[i].results);
    }
    free(m->types);
    for (uint32_t i = 0; i < m->nimports; i++) {
        free(m->imports[i].module);
        free(m->imports[i].name);
    }
    free(m->imports);
    for (uint32_t i = 0; i < m->nfuncs; i++) {
        free(m->funcs[i].local_types);
        free(m->funcs[i].name);
    }
    free(m->funcs);
    free(m->tables);
    free(m->memories);
    free(m->globals);
    for (uint32_t i = 0; i < m->nexports; i++) free(m->exports[i].name);
    free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++) free(m->elems[i].items);
    free(m->elems);
    free(m->datas);
    free(m->module_name);
    free(m->func_declared);
    free(m->bytes);
    memset(m, 0, sizeof *m);
}
