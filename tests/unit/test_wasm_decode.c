/*
 * Unit tests of wasm module loading: the decoder (decode.c), the validator
 * (validate.c) and the loading glue (load.c). Hand-built binaries cover each
 * section kind, the name section, LEB128 edge cases, section order, SIMD
 * rejection, error messages and deep nesting; a second part converts every
 * spec test script in ../shared/wasm-spec with wast2json and checks that the
 * modules that must load do, and that every binary assert_invalid /
 * assert_malformed module is rejected with the spec's wording. Execution is
 * the spec runner's business, not this file's.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "test.h"
#include "wasm/module.h"
#include "wasm/wasm.h"

/* ------------------------------------------------------------------ */
/* A tiny binary builder                                               */
/* ------------------------------------------------------------------ */

typedef struct bytes {
    uint8_t *data;
    size_t len, cap;
} bytes;

static void put(bytes *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 16;
        b->data = xrealloc(b->data, b->cap);
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

#define PUT(b, ...) put((b), (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void put_byte(bytes *b, uint8_t x) {
    put(b, &x, 1);
}

static void put_u32(bytes *b, uint32_t v) {
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        if (v) byte |= 0x80;
        put_byte(b, byte);
    } while (v);
}

static void put_string(bytes *b, const char *s) {
    put_u32(b, (uint32_t)strlen(s));
    put(b, s, strlen(s));
}

static bytes module_header(void) {
    bytes b = {0};
    PUT(&b, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
    return b;
}

/* Appends section `id` with `content` (which is released). */
static void put_section(bytes *module, uint8_t id, bytes *content) {
    put_byte(module, id);
    put_u32(module, (uint32_t)content->len);
    put(module, content->data, content->len);
    free(content->data);
    memset(content, 0, sizeof *content);
}

/* Section from literal bytes. */
#define SECTION(module, id, ...)                 \
    do {                                         \
        bytes section_ = {0};                    \
        PUT(&section_, __VA_ARGS__);             \
        put_section((module), (id), &section_);  \
    } while (0)

/* A module with type ()->() and one function whose body (after the local
 * declarations byte 0x00) is given. */
static bytes module_with_body(const uint8_t *body, size_t body_len) {
    bytes m = module_header();
    SECTION(&m, 1, 0x01, 0x60, 0x00, 0x00);
    SECTION(&m, 3, 0x01, 0x00);
    bytes code = {0}, entry = {0};
    put_byte(&entry, 0x00);
    put(&entry, body, body_len);
    put_u32(&code, 1);
    put_u32(&code, (uint32_t)entry.len);
    put(&code, entry.data, entry.len);
    free(entry.data);
    put_section(&m, 10, &code);
    return m;
}

#define BODY(...) module_with_body((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static char load_error[512];

static bool loads(const bytes *b) {
    sl_wasm_module *m = sl_wasm_module_load(b->data, b->len, load_error, sizeof load_error);
    sl_wasm_module_free(m);
    return m != NULL;
}

/* Loads `b` (and frees it) expecting an error with `prefix` that contains
 * `text`. */
#define CHECK_REJECTED(b, prefix, text)                                                  \
    do {                                                                                 \
        bytes check_b_ = (b);                                                            \
        if (loads(&check_b_)) {                                                          \
            TEST_FAIL_AT("module loaded, expected \"%s\"", (text));                      \
        } else if (strncmp(load_error, prefix, strlen(prefix)) != 0 ||                   \
                   !strstr(load_error, (text))) {                                        \
            TEST_FAIL_AT("error \"%s\", expected %s...\"%s\"", load_error, prefix, (text)); \
        }                                                                                \
        free(check_b_.data);                                                             \
    } while (0)

#define CHECK_MALFORMED(b, text) CHECK_REJECTED(b, "malformed: ", text)
#define CHECK_INVALID(b, text) CHECK_REJECTED(b, "invalid: ", text)

#define CHECK_LOADS(b)                                                                   \
    do {                                                                                 \
        bytes check_b_ = (b);                                                            \
        if (!loads(&check_b_)) TEST_FAIL_AT("load failed: %s", load_error);              \
        free(check_b_.data);                                                             \
    } while (0)

/* ------------------------------------------------------------------ */
/* A module with every section                                         */
/* ------------------------------------------------------------------ */

static bytes every_section_module(void) {
    bytes m = module_header();
    /* types: 0 (i32 i64)->(i32), 1 ()->(), 2 (f32)->(f64 externref) */
    SECTION(&m, 1, 0x03, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7f, 0x60, 0x00, 0x00,
            0x60, 0x01, 0x7d, 0x02, 0x7c, 0x6f);
    bytes s = {0};
    put_u32(&s, 4);
    put_string(&s, "env"), put_string(&s, "f"), PUT(&s, 0x00, 0x01);
    put_string(&s, "env"), put_string(&s, "t"), PUT(&s, 0x01, 0x70, 0x00, 0x01);
    put_string(&s, "env"), put_string(&s, "m"), PUT(&s, 0x02, 0x01, 0x01, 0x02);
    put_string(&s, "env"), put_string(&s, "g"), PUT(&s, 0x03, 0x7f, 0x00);
    put_section(&m, 2, &s);
    SECTION(&m, 3, 0x02, 0x00, 0x01);                    /* funcs 1: type 0, 2: type 1 */
    SECTION(&m, 4, 0x01, 0x6f, 0x01, 0x00, 0x0a);        /* table 1: externref 0..10 */
    SECTION(&m, 6, 0x03,
            0x7e, 0x01, 0x42, 0x7b, 0x0b,                /* global 1: mut i64 = -5 */
            0x70, 0x00, 0xd2, 0x02, 0x0b,                /* global 2: funcref = ref.func 2 */
            0x7f, 0x00, 0x23, 0x00, 0x0b);               /* global 3: i32 = global.get 0 */
    put_u32(&s, 4);
    put_string(&s, "run"), PUT(&s, 0x00, 0x01);
    put_string(&s, "mem"), PUT(&s, 0x02, 0x00);
    put_string(&s, "tab"), PUT(&s, 0x01, 0x01);
    put_string(&s, "g"), PUT(&s, 0x03, 0x01);
    put_section(&m, 7, &s);
    SECTION(&m, 8, 0x02);                                /* start: func 2 */
    SECTION(&m, 9, 0x08,
            0x00, 0x41, 0x00, 0x0b, 0x02, 0x01, 0x02,    /* 0: active t0 @0 funcs 1 2 */
            0x01, 0x00, 0x01, 0x00,                      /* 1: passive funcs 0 */
            0x02, 0x00, 0x41, 0x01, 0x0b, 0x00, 0x01, 0x02, /* 2: active t0 @1 funcs 2 */
            0x03, 0x00, 0x01, 0x01,                      /* 3: declarative funcs 1 */
            0x04, 0x41, 0x02, 0x0b, 0x02, 0xd2, 0x01, 0x0b, 0xd0, 0x70, 0x0b, /* 4 */
            0x05, 0x70, 0x01, 0xd2, 0x02, 0x0b,          /* 5: passive funcref exprs */
            0x06, 0x01, 0x41, 0x00, 0x0b, 0x6f, 0x01, 0xd0, 0x6f, 0x0b, /* 6: t1 externref */
            0x07, 0x70, 0x01, 0xd2, 0x00, 0x0b);         /* 7: declarative exprs */
    SECTION(&m, 12, 0x02);                               /* data count 2 */
    SECTION(&m, 10, 0x02,
            0x0b, 0x02, 0x02, 0x7f, 0x01, 0x7c,          /* locals: 2 i32, 1 f64 */
            0x20, 0x00, 0x20, 0x02, 0x6a, 0x0b,          /* local.get 0 local.get 2 i32.add */
            0x0f, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, /* memory.init 1, data.drop 0 */
            0xfc, 0x08, 0x01, 0x00, 0xfc, 0x09, 0x00, 0x0b);
    SECTION(&m, 11, 0x02,
            0x02, 0x00, 0x41, 0x10, 0x0b, 0x02, 'h', 'i', /* active, memory 0, @16 */
            0x01, 0x03, 'x', 'y', 'z');                   /* passive */
    put_string(&s, "name");
    bytes sub = {0};
    put_string(&sub, "demo");
    put_byte(&s, 0), put_u32(&s, (uint32_t)sub.len), put(&s, sub.data, sub.len);
    sub.len = 0;
    put_u32(&sub, 2), put_u32(&sub, 1), put_string(&sub, "run"), put_u32(&sub, 2), put_string(&sub, "init");
    put_byte(&s, 1), put_u32(&s, (uint32_t)sub.len), put(&s, sub.data, sub.len);
    free(sub.data);
    put_section(&m, 0, &s);
    put_string(&s, "producers");
    PUT(&s, 0xff, 0xfe, 0x00);
    put_section(&m, 0, &s);
    return m;
}

TEST(decodes_every_section_kind) {
    bytes b = every_section_module();
    char err[256];
    sl_wasm_module m;
    bool decoded = sl_wasm_decode(&m, b.data, b.len, err, sizeof err);
    CHECK(decoded);
    if (!decoded) {
        fprintf(stderr, "  %s\n", err);
        sl_wasm_module_clear(&m);
        free(b.data);
        return;
    }
    CHECK(sl_wasm_validate(&m, err, sizeof err));
    CHECK_EQ_INT(m.ntypes, 3);
    CHECK_EQ_INT(m.types[0].nparams, 2);
    CHECK_EQ_INT(m.types[0].params[1], SL_WASM_I64);
    CHECK_EQ_INT(m.types[2].nresults, 2);
    CHECK_EQ_INT(m.types[2].results[1], SL_WASM_EXTERNREF);

    CHECK_EQ_INT(m.nimports, 4);
    CHECK_EQ_STR(m.imports[0].module, "env");
    CHECK_EQ_STR(m.imports[3].name, "g");
    CHECK_EQ_INT(m.imports[1].kind, SL_WASM_EXTERN_TABLE);
    CHECK_EQ_INT(m.imports[2].memory.max, 2);
    CHECK(m.imports[2].memory.has_max);

    CHECK_EQ_INT(m.nfuncs, 3);
    CHECK_EQ_INT(m.num_imported_funcs, 1);
    CHECK_EQ_INT(m.funcs[0].type_index, 1);
    CHECK_EQ_INT(m.funcs[1].type_index, 0);
    CHECK_EQ_INT(m.funcs[1].nlocals, 3);
    CHECK_EQ_INT(m.funcs[1].local_types[1], SL_WASM_I32);
    CHECK_EQ_INT(m.funcs[1].local_types[2], SL_WASM_F64);
    CHECK_EQ_INT(m.funcs[1].body_len, 6);
    CHECK_EQ_INT(m.funcs[1].body[0], 0x20);
    CHECK_EQ_INT(m.funcs[1].body[m.funcs[1].body_len - 1], 0x0b);
    CHECK(m.funcs[1].body == m.bytes + m.funcs[1].body_offset);
    CHECK_EQ_STR(m.funcs[1].name, "run");
    CHECK_EQ_STR(m.funcs[2].name, "init");
    CHECK(m.funcs[0].name == NULL);
    CHECK_EQ_STR(m.module_name, "demo");

    CHECK_EQ_INT(m.ntables, 2);
    CHECK_EQ_INT(m.num_imported_tables, 1);
    CHECK_EQ_INT(m.tables[1].elem, SL_WASM_EXTERNREF);
    CHECK_EQ_INT(m.tables[1].limits.max, 10);
    CHECK_EQ_INT(m.nmemories, 1);
    CHECK_EQ_INT(m.num_imported_memories, 1);

    CHECK_EQ_INT(m.nglobals, 4);
    CHECK_EQ_INT(m.num_imported_globals, 1);
    CHECK(m.globals[1].type.mutable_);
    CHECK_EQ_INT(m.globals[1].init.kind, SL_WASM_CONST_VALUE);
    CHECK_EQ_INT(m.globals[1].init.value.of.i64, -5);
    CHECK_EQ_INT(m.globals[2].init.kind, SL_WASM_CONST_REF_FUNC);
    CHECK_EQ_INT(m.globals[2].init.index, 2);
    CHECK_EQ_INT(m.globals[3].init.kind, SL_WASM_CONST_GLOBAL_GET);
    CHECK_EQ_INT(m.globals[3].init.code_len, 3);

    CHECK_EQ_INT(m.nexports, 4);
    CHECK_EQ_STR(m.exports[2].name, "tab");
    CHECK_EQ_INT(m.exports[2].kind, SL_WASM_EXTERN_TABLE);
    CHECK_EQ_INT(m.exports[2].name_len, 3);
    CHECK(m.has_start);
    CHECK_EQ_INT(m.start, 2);

    CHECK_EQ_INT(m.nelems, 8);
    CHECK_EQ_INT(m.elems[0].mode, SL_WASM_SEGMENT_ACTIVE);
    CHECK_EQ_INT(m.elems[0].count, 2);
    CHECK_EQ_INT(m.elems[0].items[1].index, 2);
    CHECK(m.elems[0].items[0].code == NULL);
    CHECK_EQ_INT(m.elems[1].mode, SL_WASM_SEGMENT_PASSIVE);
    CHECK_EQ_INT(m.elems[2].offset.value.of.i32, 1);
    CHECK_EQ_INT(m.elems[3].mode, SL_WASM_SEGMENT_DECLARATIVE);
    CHECK_EQ_INT(m.elems[4].items[0].kind, SL_WASM_CONST_REF_FUNC);
    CHECK_EQ_INT(m.elems[4].items[1].kind, SL_WASM_CONST_REF_NULL);
    CHECK_EQ_INT(m.elems[4].items[1].value.type, SL_WASM_FUNCREF);
    CHECK_EQ_INT(m.elems[5].mode, SL_WASM_SEGMENT_PASSIVE);
    CHECK_EQ_INT(m.elems[6].table_index, 1);
    CHECK_EQ_INT(m.elems[6].type, SL_WASM_EXTERNREF);
    CHECK_EQ_INT(m.elems[7].mode, SL_WASM_SEGMENT_DECLARATIVE);
    for (uint32_t i = 0; i < 3; i++) CHECK(m.func_declared[i]);

    CHECK(m.has_data_count);
    CHECK_EQ_INT(m.data_count, 2);
    CHECK_EQ_INT(m.ndatas, 2);
    CHECK_EQ_INT(m.datas[0].mode, SL_WASM_SEGMENT_ACTIVE);
    CHECK_EQ_INT(m.datas[0].offset.value.of.i32, 16);
    CHECK_EQ_INT(m.datas[0].len, 2);
    CHECK(memcmp(m.datas[0].bytes, "hi", 2) == 0);
    CHECK_EQ_INT(m.datas[1].mode, SL_WASM_SEGMENT_PASSIVE);
    CHECK(memcmp(m.datas[1].bytes, "xyz", 3) == 0);
    CHECK(m.datas[1].bytes >= m.bytes && m.datas[1].bytes < m.bytes + m.len);
    sl_wasm_module_clear(&m);
    free(b.data);
}

TEST(introspects_imports_and_exports) {
    bytes b = every_section_module();
    char err[256];
    sl_wasm_module *m = sl_wasm_module_load(b.data, b.len, err, sizeof err);
    CHECK(m != NULL);
    if (m) {
        CHECK_EQ_INT(sl_wasm_module_import_count(m), 4);
        sl_wasm_import_info import;
        sl_wasm_module_import(m, 0, &import);
        CHECK_EQ_STR(import.module, "env");
        CHECK_EQ_STR(import.name, "f");
        CHECK_EQ_INT(import.kind, SL_WASM_EXTERN_FUNC);
        CHECK_EQ_INT(import.func.nparams, 0);
        sl_wasm_module_import(m, 3, &import);
        CHECK_EQ_INT(import.kind, SL_WASM_EXTERN_GLOBAL);
        CHECK_EQ_INT(sl_wasm_module_export_count(m), 4);
        sl_wasm_export_info export;
        sl_wasm_module_export(m, 0, &export);
        CHECK_EQ_STR(export.name, "run");
        CHECK_EQ_INT(export.func.nparams, 2);
        CHECK_EQ_INT(export.func.params[1], SL_WASM_I64);
        CHECK_EQ_INT(export.func.nresults, 1);
        sl_wasm_module_export(m, 1, &export);
        CHECK_EQ_INT(export.kind, SL_WASM_EXTERN_MEMORY);
        sl_wasm_module_free(m);
    }
    free(b.data);
}

TEST(damaged_name_section_is_ignored) {
    bytes m = module_header();
    SECTION(&m, 1, 0x01, 0x60, 0x00, 0x00);
    SECTION(&m, 3, 0x01, 0x00);
    SECTION(&m, 10, 0x01, 0x02, 0x00, 0x0b);
    /* function names: count 5, then a name whose length runs off the end */
    SECTION(&m, 0, 0x04, 'n', 'a', 'm', 'e', 0x01, 0x06, 0x05, 0x00, 0x09, 'a', 'b', 'c');
    char err[256];
    sl_wasm_module *loaded = sl_wasm_module_load(m.data, m.len, err, sizeof err);
    CHECK(loaded != NULL);
    sl_wasm_module_free(loaded);
    free(m.data);

    /* invalid UTF-8 in a function name and a subsection size beyond the end */
    m = module_header();
    SECTION(&m, 1, 0x01, 0x60, 0x00, 0x00);
    SECTION(&m, 3, 0x01, 0x00);
    SECTION(&m, 10, 0x01, 0x02, 0x00, 0x0b);
    SECTION(&m, 0, 0x04, 'n', 'a', 'm', 'e', 0x01, 0x05, 0x01, 0x00, 0x02, 0xc0, 0x80,
            0x00, 0x7f);
    sl_wasm_module dm;
    CHECK(sl_wasm_decode(&dm, m.data, m.len, err, sizeof err));
    CHECK(dm.funcs[0].name == NULL);
    sl_wasm_module_clear(&dm);
    free(m.data);
}

TEST(header_errors) {
    bytes b = {0};
    CHECK_MALFORMED(b, "unexpected end");
    b = (bytes){0};
    PUT(&b, 0x00, 0x61, 0x73);
    CHECK_MALFORMED(b, "unexpected end");
    b = (bytes){0};
    PUT(&b, 'a', 's', 'm', 0x00, 0x01, 0x00, 0x00, 0x00);
    CHECK_MALFORMED(b, "magic header not detected");
    b = (bytes){0};
    PUT(&b, 0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00);
    CHECK_MALFORMED(b, "unknown binary version");
    CHECK_LOADS(module_header());
}

TEST(section_order_and_ids) {
    bytes m = module_header();
    SECTION(&m, 1, 0x00);
    SECTION(&m, 1, 0x00);
    CHECK_MALFORMED(m, "unexpected content after last section");
    m = module_header();
    SECTION(&m, 3, 0x00);
    SECTION(&m, 1, 0x00);
    CHECK_MALFORMED(m, "unexpected content after last section");
    m = module_header();
    SECTION(&m, 13, 0x00);
    CHECK_MALFORMED(m, "malformed section id");
    /* DataCount (12) goes between Element (9) and Code (10). */
    m = module_header();
    SECTION(&m, 9, 0x00);
    SECTION(&m, 12, 0x00);
    SECTION(&m, 10, 0x00);
    SECTION(&m, 0, 0x01, 'x');
    CHECK_LOADS(m);
    m = module_header();
    SECTION(&m, 10, 0x00);
    SECTION(&m, 12, 0x00);
    CHECK_MALFORMED(m, "unexpected content after last section");
    m = module_header();
    SECTION(&m, 1, 0x01, 0x60, 0x00, 0x00, 0x00); /* one byte too many */
    CHECK_MALFORMED(m, "section size mismatch");
    m = module_header();
    PUT(&m, 0x01, 0x7f); /* section size beyond the end */
    CHECK_MALFORMED(m, "length out of bounds");
    m = module_header();
    SECTION(&m, 3, 0x01, 0x00);
    CHECK_MALFORMED(m, "function and code section have inconsistent lengths");
    m = module_header();
    SECTION(&m, 12, 0x01);
    CHECK_MALFORMED(m, "data count and data section have inconsistent lengths");
}

TEST(leb128_limits) {
    /* u32 maximum in five bytes is fine: table 0..0xffffffff */
    bytes m = module_header();
    SECTION(&m, 4, 0x01, 0x70, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f);
    CHECK_LOADS(m);
    m = module_header();
    SECTION(&m, 4, 0x01, 0x70, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x1f);
    CHECK_MALFORMED(m, "integer too large");
    m = module_header();
    SECTION(&m, 4, 0x01, 0x70, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
    CHECK_MALFORMED(m, "integer representation too long");
    /* limits flag is a one-bit LEB */
    m = module_header();
    SECTION(&m, 5, 0x01, 0x02, 0x00);
    CHECK_MALFORMED(m, "integer too large");
    m = module_header();
    SECTION(&m, 5, 0x01, 0x81, 0x00, 0x00);
    CHECK_MALFORMED(m, "integer representation too long");

    /* i32.const: INT32_MIN in five bytes; unused bits must copy the sign */
    m = module_header();
    SECTION(&m, 6, 0x01, 0x7f, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x0b);
    char err[256];
    sl_wasm_module dm;
    CHECK(sl_wasm_decode(&dm, m.data, m.len, err, sizeof err));
    CHECK_EQ_INT(dm.globals[0].init.value.of.i32, INT32_MIN);
    sl_wasm_module_clear(&dm);
    free(m.data);
    m = module_header();
    SECTION(&m, 6, 0x01, 0x7f, 0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x0b);
    CHECK_MALFORMED(m, "integer too large");
    /* i64.const -1 in ten bytes is fine; a tenth byte of 0x01 is not */
    m = module_header();
    SECTION(&m, 6, 0x01, 0x7e, 0x00, 0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0x7f, 0x0b);
    CHECK(sl_wasm_decode(&dm, m.data, m.len, err, sizeof err));
    CHECK_EQ_INT(dm.globals[0].init.value.of.i64, -1);
    sl_wasm_module_clear(&dm);
    free(m.data);
    m = module_header();
    SECTION(&m, 6, 0x01, 0x7e, 0x00, 0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
            0x80, 0x01, 0x0b);
    CHECK_MALFORMED(m, "integer too large");
    /* value type as a two-byte LEB */
    m = module_header();
    SECTION(&m, 1, 0x01, 0xe0, 0x7f, 0x00, 0x00);
    CHECK_MALFORMED(m, "integer representation too long");
}

TEST(names_must_be_utf8) {
    bytes m = module_header();
    SECTION(&m, 2, 0x01, 0x02, 0xc0, 0x80, 0x01, 'f', 0x03, 0x7f, 0x00); /* overlong NUL */
    CHECK_MALFORMED(m, "malformed UTF-8 encoding");
    m = module_header();
    SECTION(&m, 0, 0x03, 0xed, 0xa0, 0x80); /* surrogate in a custom section name */
    CHECK_MALFORMED(m, "malformed UTF-8 encoding");
    m = module_header();
    SECTION(&m, 2, 0x01, 0x04, 0xf0, 0x9f, 0x98, 0x80, 0x01, 'f', 0x03, 0x7f, 0x00);
    CHECK_LOADS(m);
}

TEST(malformed_bodies) {
    CHECK_MALFORMED(BODY(0x06, 0x0b), "illegal opcode");
    CHECK_MALFORMED(BODY(0xfc, 0x12, 0x0b), "illegal opcode");
    CHECK_MALFORMED(BODY(0xfd, 0x0c, 0x0b), "SIMD is not supported");
    CHECK_MALFORMED(BODY(0x02, 0x40, 0x05, 0x0b, 0x0b), "END opcode expected");
    CHECK_MALFORMED(BODY(0x41, 0x00), "unexpected end");
    CHECK_MALFORMED(BODY(0x3f, 0x01, 0x1a, 0x0b), "zero byte expected");
    CHECK_MALFORMED(BODY(0xd0, 0x7f, 0x1a, 0x0b), "malformed reference type");
    bytes m = module_header();
    SECTION(&m, 1, 0x01, 0x60, 0x01, 0x7b, 0x00);
    CHECK_MALFORMED(m, "SIMD is not supported");
    m = module_header();
    SECTION(&m, 1, 0x01, 0x60, 0x00, 0x00);
    SECTION(&m, 3, 0x01, 0x00);
    SECTION(&m, 10, 0x01, 0x09, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x0b, 0x7f); /* too many */
    CHECK_MALFORMED(m, "too many locals");
    m = module_header();
    SECTION(&m, 1, 0x01, 0x60, 0x00, 0x00);
    SECTION(&m, 3, 0x01, 0x00);
    SECTION(&m, 10, 0x01, 0x06, 0x01, 0x80, 0x80, 0x04, 0x7f, 0x0b); /* 65536 locals */
    CHECK_MALFORMED(m, "too many locals");
    /* memory.init without DataCount while a data section exists */
    m = module_header();
    SECTION(&m, 1, 0x01, 0x60, 0x00, 0x00);
    SECTION(&m, 3, 0x01, 0x00);
    SECTION(&m, 5, 0x01, 0x00, 0x01);
    SECTION(&m, 10, 0x01, 0x05, 0x00, 0xfc, 0x09, 0x00, 0x0b);
    SECTION(&m, 11, 0x01, 0x01, 0x00);
    CHECK_MALFORMED(m, "data count section required");
}

TEST(validation_errors_name_the_place) {
    bytes b = BODY(0x41, 0x00, 0x42, 0x00, 0x6a, 0x1a, 0x0b); /* i32.add on i32, i64 */
    CHECK(!loads(&b));
    CHECK(strstr(load_error, "invalid: type mismatch") == load_error);
    CHECK(strstr(load_error, "i32.add") != NULL);
    CHECK(strstr(load_error, "func 0") != NULL);
    CHECK(strstr(load_error, "offset 0x") != NULL);
    free(b.data);
    CHECK_INVALID(BODY(0x20, 0x05, 0x1a, 0x0b), "unknown local 5");
    CHECK_INVALID(BODY(0x10, 0x07, 0x0b), "unknown function 7");
    CHECK_INVALID(BODY(0x23, 0x00, 0x1a, 0x0b), "unknown global 0");
    CHECK_INVALID(BODY(0x0c, 0x01, 0x0b), "unknown label");
    CHECK_INVALID(BODY(0x41, 0x00, 0x28, 0x02, 0x00, 0x1a, 0x0b), "unknown memory 0");
    CHECK_INVALID(BODY(0x02, 0x05, 0x0b, 0x0b), "unknown type");
    CHECK_INVALID(BODY(0x41, 0x00, 0x0b), "type mismatch");
    CHECK_INVALID(BODY(0x1c, 0x00, 0x0b), "invalid result arity");
    CHECK_INVALID(BODY(0xd2, 0x00, 0x1a, 0x0b), "undeclared function reference");
    CHECK_INVALID(BODY(0xfc, 0x0d, 0x00, 0x0b), "unknown elem segment 0");
    /* unreachable makes the stack polymorphic */
    CHECK_LOADS(BODY(0x00, 0x6a, 0x1a, 0x1b, 0x1a, 0x0b));
    CHECK_LOADS(BODY(0x02, 0x7f, 0x00, 0x0c, 0x00, 0x0b, 0x1a, 0x0b));
    CHECK_INVALID(BODY(0x00, 0x42, 0x00, 0x6a, 0x1a, 0x0b), "type mismatch");

    bytes m = module_header();
    SECTION(&m, 5, 0x01, 0x00, 0x80, 0x80, 0x08); /* 131072 pages */
    CHECK_INVALID(m, "memory size must be at most 65536 pages (4GiB)");
    m = module_header();
    SECTION(&m, 5, 0x02, 0x00, 0x00, 0x00, 0x00);
    CHECK_INVALID(m, "multiple memories");
    m = module_header();
    SECTION(&m, 4, 0x01, 0x70, 0x01, 0x02, 0x01);
    CHECK_INVALID(m, "size minimum must not be greater than maximum");
    m = module_header();
    SECTION(&m, 6, 0x01, 0x7f, 0x00, 0x41, 0x00, 0x41, 0x00, 0x6a, 0x0b);
    CHECK_INVALID(m, "constant expression required");
    m = module_header();
    SECTION(&m, 6, 0x01, 0x7f, 0x00, 0x42, 0x00, 0x0b);
    CHECK_INVALID(m, "type mismatch");
    m = module_header();
    SECTION(&m, 6, 0x02, 0x7f, 0x00, 0x41, 0x00, 0x0b, 0x7f, 0x00, 0x23, 0x00, 0x0b);
    CHECK_INVALID(m, "unknown global 0");
    m = module_header();
    bytes s = {0};
    put_u32(&s, 2);
    put_string(&s, "a"), PUT(&s, 0x02, 0x00);
    put_string(&s, "a"), PUT(&s, 0x02, 0x00);
    SECTION(&m, 5, 0x01, 0x00, 0x00);
    put_section(&m, 7, &s);
    CHECK_INVALID(m, "duplicate export name");
}

TEST(names_with_nul_bytes_stay_distinct) {
    bytes m = module_header();
    SECTION(&m, 5, 0x01, 0x00, 0x00);
    bytes s = {0};
    put_u32(&s, 2);
    put_u32(&s, 3), PUT(&s, 'a', 0x00, 'b', 0x02, 0x00);
    put_u32(&s, 3), PUT(&s, 'a', 0x00, 'c', 0x02, 0x00);
    put_section(&m, 7, &s);
    CHECK_LOADS(m);
}

/* A function shaped like the biggest TinyGo guest function: 350 nested
 * blocks around 83,000 instructions, then 100,000 nested blocks. */
static bytes deeply_nested_module(uint32_t depth, uint32_t instruction_pairs) {
    bytes body = {0};
    put_byte(&body, 0x00);
    for (uint32_t i = 0; i < depth; i++) PUT(&body, 0x02, 0x40);
    for (uint32_t i = 0; i < instruction_pairs; i++) PUT(&body, 0x41, 0x01, 0x1a);
    PUT(&body, 0x41, 0x00, 0x0e, 0x02, 0x00, 0x05);
    put_u32(&body, depth - 1);
    for (uint32_t i = 0; i < depth; i++) put_byte(&body, 0x0b);
    put_byte(&body, 0x0b);
    bytes m = module_header();
    SECTION(&m, 1, 0x01, 0x60, 0x00, 0x00);
    SECTION(&m, 3, 0x01, 0x00);
    bytes code = {0};
    put_u32(&code, 1);
    put_u32(&code, (uint32_t)body.len);
    put(&code, body.data, body.len);
    free(body.data);
    put_section(&m, 10, &code);
    return m;
}

TEST(large_and_deep_functions_load_in_linear_time) {
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_LOADS(deeply_nested_module(350, 41500));
    CHECK_LOADS(deeply_nested_module(100000, 10));
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    CHECK(seconds < 5.0);
}

/* Every prefix and many one-byte corruptions of a rich module are rejected
 * (or load) cleanly, never crash, never leak. */
TEST(truncated_and_corrupted_modules_fail_cleanly) {
    bytes b = every_section_module();
    char err[256];
    for (size_t len = 0; len < b.len; len++) {
        sl_wasm_module *m = sl_wasm_module_load(b.data, len, err, sizeof err);
        if (m) sl_wasm_module_free(m);
        else CHECK(strncmp(err, "malformed: ", 11) == 0 || strncmp(err, "invalid: ", 9) == 0);
    }
    static const uint8_t replacements[] = {0x00, 0x01, 0x0b, 0x40, 0x7f, 0x80, 0xff};
    for (size_t i = 8; i < b.len; i++) {
        uint8_t saved = b.data[i];
        for (size_t k = 0; k < ARRAY_LEN(replacements); k++) {
            b.data[i] = replacements[k];
            sl_wasm_module *m = sl_wasm_module_load(b.data, b.len, err, sizeof err);
            if (m) sl_wasm_module_free(m);
            else CHECK(err[0] != '\0');
        }
        b.data[i] = saved;
    }
    free(b.data);
}

TEST(functype_strings) {
    sl_wasm_valtype params[4], results[4];
    uint32_t np, nr;
    CHECK(sl_wasm_functype_parse("iI:f", params, &np, results, &nr, 4));
    CHECK_EQ_INT(np, 2);
    CHECK_EQ_INT(params[1], SL_WASM_I64);
    CHECK_EQ_INT(nr, 1);
    CHECK_EQ_INT(results[0], SL_WASM_F32);
    CHECK(sl_wasm_functype_parse(":", params, &np, results, &nr, 4));
    CHECK_EQ_INT(np + nr, 0);
    CHECK(sl_wasm_functype_parse("rx:F", params, &np, results, &nr, 4));
    CHECK_EQ_INT(params[0], SL_WASM_FUNCREF);
    CHECK_EQ_INT(params[1], SL_WASM_EXTERNREF);
    CHECK_EQ_INT(results[0], SL_WASM_F64);
    CHECK(!sl_wasm_functype_parse("ii", params, &np, results, &nr, 4));
    CHECK(!sl_wasm_functype_parse("i:i:i", params, &np, results, &nr, 4));
    CHECK(!sl_wasm_functype_parse("q:", params, &np, results, &nr, 4));
    CHECK(!sl_wasm_functype_parse("iiiii:", params, &np, results, &nr, 4));
    CHECK(!sl_wasm_functype_parse(NULL, params, &np, results, &nr, 4));
}

/* ------------------------------------------------------------------ */
/* The spec test suite (load and validate only)                        */
/* ------------------------------------------------------------------ */

/* Cases whose binary, as wast2json 1.0.32 writes it, cannot show what the
 * script means: the text is what the assertion is about. */
static const struct {
    const char *script;
    int line;
    const char *why;
} spec_exceptions[] = {
    {"select.wast", 324, "wast2json encodes `select (result)` as plain select (0x1b)"},
};

static bool spec_exception(const char *script, int line) {
    for (size_t i = 0; i < ARRAY_LEN(spec_exceptions); i++)
        if (strcmp(spec_exceptions[i].script, script) == 0 && spec_exceptions[i].line == line)
            return true;
    return false;
}

static char spec_work_dir[4096];
static int spec_passed, spec_failed, spec_skipped;

static void spec_failure(const char *script, int line, const char *what, const char *got) {
    spec_failed++;
    if (spec_failed <= 50) fprintf(stderr, "  %s:%d: %s, got: %s\n", script, line, what, got);
}

static void check_spec_command(const char *script, const char *json_dir, json_t *command) {
    const char *type = json_string_value(json_object_get(command, "type"));
    const char *filename = json_string_value(json_object_get(command, "filename"));
    const char *module_type = json_string_value(json_object_get(command, "module_type"));
    const char *text = json_string_value(json_object_get(command, "text"));
    int line = (int)json_integer_value(json_object_get(command, "line"));
    if (!type || !filename) return;
    bool must_load = strcmp(type, "module") == 0 || strcmp(type, "assert_unlinkable") == 0 ||
                     strcmp(type, "assert_uninstantiable") == 0;
    bool must_fail = strcmp(type, "assert_invalid") == 0 || strcmp(type, "assert_malformed") == 0;
    if (!must_load && !must_fail) return;
    if (module_type && strcmp(module_type, "binary") != 0) return; /* text: wast2json's business */
    if (spec_exception(script, line)) {
        spec_skipped++;
        return;
    }

    char path[8192], err[512];
    snprintf(path, sizeof path, "%s/%s", json_dir, filename);
    size_t len;
    char *bytes = file_read_all(path, &len, err, sizeof err);
    if (!bytes) {
        spec_failure(script, line, "cannot read module", err);
        return;
    }
    sl_wasm_module *m = sl_wasm_module_load((const uint8_t *)bytes, len, err, sizeof err);
    free(bytes);
    if (must_load) {
        if (m) spec_passed++;
        else spec_failure(script, line, "must load", err);
    } else {
        const char *prefix = strcmp(type, "assert_invalid") == 0 ? "invalid: " : "malformed: ";
        char expected[256];
        snprintf(expected, sizeof expected, "%s \"%s\"", type, text ? text : "");
        if (m) spec_failure(script, line, expected, "loaded");
        else if (strncmp(err, prefix, strlen(prefix)) != 0 || !text || !strstr(err, text))
            spec_failure(script, line, expected, err);
        else spec_passed++;
    }
    sl_wasm_module_free(m);
}

static void remove_work_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *entry;
    char path[8192];
    while ((entry = readdir(d))) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *find_spec_dir(void) {
    static const char *const candidates[] = {"../shared/wasm-spec", "../../shared/wasm-spec"};
    const char *env = getenv("SL_WASM_SPEC_DIR");
    if (env && *env) return env;
    for (size_t i = 0; i < ARRAY_LEN(candidates); i++) {
        struct stat st;
        if (stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode)) return candidates[i];
    }
    return NULL;
}

/* Converts one script into the work dir; any stderr output is a failure. */
static bool convert_script(const char *spec_dir, const char *name) {
    char command[16384], err_path[8192];
    char base[1024];
    snprintf(base, sizeof base, "%.*s", (int)(strlen(name) - 5), name);
    snprintf(err_path, sizeof err_path, "%s/%s.err", spec_work_dir, base);
    snprintf(command, sizeof command, "wast2json '%s/%s' -o '%s/%s.json' 2>'%s'", spec_dir, name,
             spec_work_dir, base, err_path);
    int status = system(command);
    struct stat st;
    bool quiet = stat(err_path, &st) == 0 && st.st_size == 0;
    if (status != 0 || !quiet) {
        fprintf(stderr, "  wast2json failed on %s (status %d)\n", name, status);
        return false;
    }
    return true;
}

TEST(spec_modules_load_and_reject_as_the_spec_says) {
    const char *spec_dir = find_spec_dir();
    if (!spec_dir) {
        TEST_FAIL_AT("wasm-spec not found (set SL_WASM_SPEC_DIR or run from the repository root)");
        return;
    }
    if (mkdtemp(spec_work_dir) == NULL) {
        TEST_FAIL_AT("mkdtemp %s: %s", spec_work_dir, strerror(errno));
        return;
    }
    DIR *d = opendir(spec_dir);
    CHECK(d != NULL);
    if (!d) return;
    VEC(char *) scripts = {0};
    struct dirent *entry;
    while ((entry = readdir(d))) {
        size_t n = strlen(entry->d_name);
        if (n > 5 && strcmp(entry->d_name + n - 5, ".wast") == 0) VEC_PUSH(&scripts, xstrdup(entry->d_name));
    }
    closedir(d);
    qsort(scripts.items, scripts.len, sizeof *scripts.items, compare_strings);
    CHECK(scripts.len >= 90);

    int conversion_failures = 0;
    for (size_t i = 0; i < scripts.len; i++) {
        const char *name = scripts.items[i];
        if (!convert_script(spec_dir, name)) {
            conversion_failures++;
            continue;
        }
        char json_path[8192];
        snprintf(json_path, sizeof json_path, "%s/%.*s.json", spec_work_dir, (int)(strlen(name) - 5), name);
        json_error_t json_err;
        json_t *root = json_load_file(json_path, JSON_ALLOW_NUL, &json_err);
        if (!root) {
            fprintf(stderr, "  %s: %s\n", json_path, json_err.text);
            conversion_failures++;
            continue;
        }
        json_t *commands = json_object_get(root, "commands");
        size_t k;
        json_t *command;
        json_array_foreach(commands, k, command) check_spec_command(name, spec_work_dir, command);
        json_decref(root);
    }
    for (size_t i = 0; i < scripts.len; i++) free(scripts.items[i]);
    VEC_FREE(&scripts);
    remove_work_dir(spec_work_dir);

    printf("decode-spec: %d passed, %d failed (%d known wast2json encoding exceptions skipped)\n",
           spec_passed, spec_failed + conversion_failures, spec_skipped);
    CHECK_EQ_INT(conversion_failures, 0);
    CHECK_EQ_INT(spec_failed, 0);
    CHECK(spec_passed > 3000);
}

int main(int argc, char **argv) {
    /* The spec scripts are converted next to this binary (build/<mode>/tests). */
    char *self = xstrdup(argc > 0 ? argv[0] : ".");
    snprintf(spec_work_dir, sizeof spec_work_dir, "%s/wasm-spec-json.XXXXXX", dirname(self));
    free(self);

    RUN(decodes_every_section_kind);
    RUN(introspects_imports_and_exports);
    RUN(damaged_name_section_is_ignored);
    RUN(header_errors);
    RUN(section_order_and_ids);
    RUN(leb128_limits);
    RUN(names_must_be_utf8);
    RUN(malformed_bodies);
    RUN(validation_errors_name_the_place);
    RUN(names_with_nul_bytes_stay_distinct);
    RUN(large_and_deep_functions_load_in_linear_time);
    RUN(truncated_and_corrupted_modules_fail_cleanly);
    RUN(functype_strings);
    RUN(spec_modules_load_and_reject_as_the_spec_says);
    return test_summary("wasm-decode");
}
