/* test_json.c — k8s_json_loadb (src/k8s/json.c): the fast reader builds
 * exactly jansson's tree (values, types, key order, duplicate keys) on the
 * inputs it takes, takes the shapes Kubernetes objects have, and leaves
 * everything else — errors and their messages included — to json_loadb.
 * k8s_json_dumps prints exactly what json_dumps prints. */
#include <string.h>

#include "k8s/k8s.h"
#include "test.h"

static char *print(const json_t *v) { return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY); }

/* k8s_json_loadb agrees with json_loadb on text: the same tree, or the
 * same error message. Returns whether the fast reader took it itself. */
static bool agrees(const char *text, size_t len, size_t flags, bool *same) {
    json_error_t want_err, got_err;
    memset(&want_err, 0, sizeof want_err);
    memset(&got_err, 0, sizeof got_err);
    json_t *want = json_loadb(text, len, flags, &want_err);
    json_t *got = k8s_json_loadb(text, len, flags, &got_err);
    json_t *fast = k8s_json_read_fast(text, len, flags);
    *same = false;
    if (want && got) {
        char *a = print(want), *b = print(got);
        *same = json_equal(want, got) && !strcmp(a, b);
        if (fast) {
            char *c = print(fast);
            *same = *same && !strcmp(a, c);
            free(c);
        }
        free(a);
        free(b);
        /* and the writer prints what jansson prints */
        for (int compact_any = 0; compact_any < 2; compact_any++) {
            size_t f = JSON_COMPACT | (compact_any ? JSON_ENCODE_ANY : 0);
            char *x = json_dumps(want, f), *y = k8s_json_dumps(want, f);
            if (!x != !y || (x && strcmp(x, y) != 0)) *same = false;
            free(x);
            free(y);
        }
    } else if (!want && !got) {
        *same = !fast && !strcmp(want_err.text, got_err.text) && want_err.line == got_err.line &&
                want_err.column == got_err.column;
    }
    json_decref(want);
    json_decref(got);
    bool took = fast != NULL;
    json_decref(fast);
    return took;
}

#define FAST(text, flags)                                              \
    do {                                                               \
        bool same_;                                                    \
        bool took_ = agrees(text, strlen(text), flags, &same_);        \
        if (!took_) TEST_FAIL_AT("the fast reader declined: %s", text); \
        if (!same_) TEST_FAIL_AT("differs from jansson: %s", text);    \
    } while (0)
#define DECLINED(text, flags)                                          \
    do {                                                               \
        bool same_;                                                    \
        bool took_ = agrees(text, strlen(text), flags, &same_);        \
        if (took_) TEST_FAIL_AT("the fast reader took: %s", text);     \
        if (!same_) TEST_FAIL_AT("differs from jansson: %s", text);    \
    } while (0)

TEST(kubernetes_objects_take_the_fast_road) {
    FAST("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\","
         "\"labels\":{\"app\":\"web\"},\"annotations\":{\"scheduler.wasmkwokwizardry.io/regex\":\"^kubecon-\\\\d+$\"}},"
         "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"registry.k8s.io/pause:3.10\",\"resources\":"
         "{\"requests\":{\"cpu\":\"100m\"}}}],\"priority\":-7,\"terminationGracePeriodSeconds\":30,"
         "\"enableServiceLinks\":true,\"securityContext\":{},\"nodeName\":null,\"tolerations\":[]}}",
         0);
    FAST(" \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } } \n", 0);
    FAST("[]", 0);
    FAST("\"a scalar\"", JSON_DECODE_ANY);
    FAST("-12", JSON_DECODE_ANY);
    FAST("true", JSON_DECODE_ANY);
    FAST("null", JSON_DECODE_ANY);
}

TEST(strings_escapes_and_utf8) {
    FAST("{\"s\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"}", 0);
    FAST("{\"e\":\"\\u00e9 \\u20ac \\ud83d\\ude00 \\u0041\"}", 0);
    FAST("{\"raw\":\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"}", 0);
    FAST("{\"k\\u00e9y\":\"escaped key\",\"\xc3\xa9\":1}", 0);
    /* a long escaped string grows the scratch buffer */
    char big[5000] = "{\"s\":\"";
    for (int i = 0; i < 600; i++) strcat(big, "\\n\\u00e9");
    strcat(big, "\"}");
    FAST(big, 0);
    DECLINED("{\"nul\":\"a\\u0000b\"}", 0);       /* jansson needs JSON_ALLOW_NUL */
    DECLINED("{\"lone\":\"\\ud800\"}", 0);
    DECLINED("{\"lone\":\"\\udc00\"}", 0);
    DECLINED("{\"pair\":\"\\ud800\\u0041\"}", 0);
    DECLINED("{\"bad\":\"\\x\"}", 0);
    DECLINED("{\"bad\":\"\\u12g4\"}", 0);
    DECLINED("{\"ctl\":\"a\tb\"}", 0);
    DECLINED("{\"utf8\":\"\xff\"}", 0);
    DECLINED("{\"overlong\":\"\xc0\xaf\"}", 0);
    DECLINED("{\"overlong\":\"\xe0\x80\xaf\"}", 0);
    DECLINED("{\"surrogate\":\"\xed\xa0\x80\"}", 0);
    DECLINED("{\"too big\":\"\xf4\x90\x80\x80\"}", 0);
    DECLINED("{\"cut\":\"\xe2\x82\"}", 0);
    DECLINED("{\"open\":\"abc", 0);
}

TEST(numbers_as_jansson_types_them) {
    FAST("[0,-0,7,-7,123456789012345678,-123456789012345678]", 0);
    FAST("[1234567890123456789,9223372036854775807,-9223372036854775808]", 0);
    FAST("[1.5,-0.25,1e3,1E-3,2.5e+10,0.0,1e-400]", 0);
    DECLINED("[9223372036854775808]", 0);
    DECLINED("[-9223372036854775809]", 0);
    DECLINED("[1e400]", 0);
    DECLINED("[01]", 0);
    DECLINED("[1.]", 0);
    DECLINED("[.5]", 0);
    DECLINED("[1e]", 0);
    DECLINED("[-]", 0);
    DECLINED("[+1]", 0);
}

TEST(duplicate_keys_last_value_first_place) {
    FAST("{\"a\":1,\"b\":2,\"a\":{\"x\":3}}", 0);
    json_t *v = k8s_json_loadb("{\"a\":1,\"b\":2,\"a\":3}", 19, 0, NULL);
    char *s = print(v);
    CHECK_EQ_STR(s, "{\"a\":3,\"b\":2}");
    free(s);
    json_decref(v);
}

TEST(errors_are_janssons) {
    DECLINED("", 0);
    DECLINED("   ", 0);
    DECLINED("{", 0);
    DECLINED("{\"a\"}", 0);
    DECLINED("{\"a\":}", 0);
    DECLINED("{\"a\":1,}", 0);
    DECLINED("{a:1}", 0);
    DECLINED("[1,]", 0);
    DECLINED("[1 2]", 0);
    DECLINED("{} {}", 0);
    DECLINED("{}x", 0);
    DECLINED("tru", JSON_DECODE_ANY);
    DECLINED("nul", JSON_DECODE_ANY);
    DECLINED("\"scalar without DECODE_ANY\"", 0);
    DECLINED("42", 0);
    /* other flags go to jansson directly */
    DECLINED("{\"a\":1}", JSON_REJECT_DUPLICATES);
    DECLINED("{\"a\":1,\"a\":2}", JSON_REJECT_DUPLICATES);
    /* a NUL byte outside a string */
    bool same;
    CHECK(!agrees("{}\0", 3, 0, &same) && same);
    CHECK(!agrees("{\"a\":\"\0\"}", 8, 0, &same) && same);
}

TEST(depth_limit_as_janssons) {
    static char deep[2 * (JSON_PARSER_MAX_DEPTH + 1) + 1];
    for (int depth = JSON_PARSER_MAX_DEPTH; depth <= JSON_PARSER_MAX_DEPTH + 1; depth++) {
        memset(deep, 0, sizeof deep);
        memset(deep, '[', (size_t)depth);
        memset(deep + depth, ']', (size_t)depth);
        if (depth <= JSON_PARSER_MAX_DEPTH) FAST(deep, 0);
        else DECLINED(deep, 0);
    }
}

static void prints_as_jansson(json_t *v, size_t flags) {
    char *want = json_dumps(v, flags), *got = k8s_json_dumps(v, flags);
    if (!want != !got || (want && strcmp(want, got) != 0))
        TEST_FAIL_AT("printed %s, jansson %s", got ? got : "(null)", want ? want : "(null)");
    free(want);
    free(got);
    json_decref(v);
}

TEST(writer_prints_as_jansson) {
    double reals[] = {0.0, -0.0, 1.0, -1.5, 0.1, 1e20, 1e21, 1e-5, 1e-7, 123456789.0, 1e100, 1e-100,
                      5e-324, 1.7976931348623157e308, 2.5e-308, 3.14159265358979, 100.0, 1e16, 1e17};
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++) prints_as_jansson(json_real(reals[i]), JSON_COMPACT | JSON_ENCODE_ANY);
    prints_as_jansson(json_pack("{s:s,s:s,s:[i,I,b,n]}", "ctl", "\x01\x1f\b\f\n\r\t\"\\/", "utf8",
                                "h\xc3\xa9 \xf0\x9f\x98\x80", "n", 0, (json_int_t)-9223372036854775807LL - 1, 1),
                      JSON_COMPACT);
    prints_as_jansson(json_stringn("a\0b", 3), JSON_COMPACT | JSON_ENCODE_ANY);     /* a NUL inside */
    prints_as_jansson(json_stringn_nocheck("\xff", 1), JSON_COMPACT | JSON_ENCODE_ANY); /* jansson refuses */
    prints_as_jansson(json_pack("{s:s}", "k", "\xff"), JSON_COMPACT);          /* (json_pack refuses: NULL) */
    prints_as_jansson(json_string("scalar"), JSON_COMPACT);                    /* no ENCODE_ANY: NULL */
    prints_as_jansson(json_pack("{s:i,s:i}", "b", 1, "a", 2), JSON_COMPACT | JSON_SORT_KEYS);
    prints_as_jansson(json_pack("{s:[i,i]}", "a", 1, 2), 0);                  /* not compact: jansson's */
    prints_as_jansson(json_pack("{s:{},s:[]}", "o", "a"), JSON_COMPACT);
    /* k8s_json_write leaves the buffer as it was when it cannot print */
    strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "x=");
    json_t *bad = json_stringn_nocheck("\xc3", 1);
    CHECK(!k8s_json_write(&sb, bad));
    CHECK_EQ_STR(strbuf_cstr(&sb), "x=");
    json_decref(bad);
    strbuf_free(&sb);
}

int main(void) {
    RUN(kubernetes_objects_take_the_fast_road);
    RUN(strings_escapes_and_utf8);
    RUN(numbers_as_jansson_types_them);
    RUN(duplicate_keys_last_value_first_place);
    RUN(errors_are_janssons);
    RUN(depth_limit_as_janssons);
    RUN(writer_prints_as_jansson);
    return test_summary("json");
}
