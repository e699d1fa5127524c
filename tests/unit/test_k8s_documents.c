/* Unit tests of document parsing (yaml.c): YAML scalar typing, multi-doc
 * streams, List expansion, JSON streams, anchors / merge keys, and error
 * messages carrying origin and line:column. */
#include "k8s/k8s.h"
#include "test.h"

static json_t *parse(const char *text, char *err, size_t errsize) {
    return k8s_parse_documents(text, strlen(text), "t.yaml", err, errsize);
}

static json_t *parse_one(const char *text) {
    char err[512];
    json_t *v = k8s_parse_document(text, strlen(text), "t.yaml", err, sizeof(err));
    if (!v) fprintf(stderr, "parse error: %s\n", err);
    return v;
}

TEST(scalar_typing) {
    json_t *v = parse_one(
        "a: true\nb: True\nc: FALSE\nd: null\ne: ~\nf:\ng: 42\nh: -7\ni: 0x1F\nj: 0o17\n"
        "k: 1.5\nl: 1e3\nm: .5\nn: yes\no: \"true\"\np: '42'\nq: 100m\nr: 1Gi\ns: !!str 12\n"
        "t: 99999999999999999999\nu: .inf\nv: on\nw: 1.2.3\nx: 007\ny: |\n  text\n");
    CHECK(v != NULL);
    if (!v) return;
    CHECK(json_is_true(json_object_get(v, "a")));
    CHECK(json_is_true(json_object_get(v, "b")));
    CHECK(json_is_false(json_object_get(v, "c")));
    CHECK(json_is_null(json_object_get(v, "d")));
    CHECK(json_is_null(json_object_get(v, "e")));
    CHECK(json_is_null(json_object_get(v, "f")));
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "g")), 42);
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "h")), -7);
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "i")), 31);
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "j")), 15);
    CHECK(json_is_real(json_object_get(v, "k")));
    CHECK_NEAR(json_real_value(json_object_get(v, "k")), 1.5, 1e-12);
    CHECK_NEAR(json_real_value(json_object_get(v, "l")), 1000, 1e-9);
    CHECK_NEAR(json_real_value(json_object_get(v, "m")), 0.5, 1e-12);
    CHECK_EQ_STR(json_string_value(json_object_get(v, "n")), "yes");
    CHECK_EQ_STR(json_string_value(json_object_get(v, "o")), "true");
    CHECK_EQ_STR(json_string_value(json_object_get(v, "p")), "42");
    CHECK_EQ_STR(json_string_value(json_object_get(v, "q")), "100m");
    CHECK_EQ_STR(json_string_value(json_object_get(v, "r")), "1Gi");
    CHECK_EQ_STR(json_string_value(json_object_get(v, "s")), "12");
    CHECK(json_is_real(json_object_get(v, "t")));
    CHECK_EQ_STR(json_string_value(json_object_get(v, "u")), ".inf");
    CHECK_EQ_STR(json_string_value(json_object_get(v, "v")), "on");
    CHECK_EQ_STR(json_string_value(json_object_get(v, "w")), "1.2.3");
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "x")), 7);
    CHECK_EQ_STR(json_string_value(json_object_get(v, "y")), "text\n");
    json_decref(v);
}

TEST(non_string_keys_become_text) {
    json_t *v = parse_one("1: a\ntrue: b\n~: c\n");
    CHECK(v != NULL);
    if (!v) return;
    CHECK_EQ_STR(json_string_value(json_object_get(v, "1")), "a");
    CHECK_EQ_STR(json_string_value(json_object_get(v, "true")), "b");
    CHECK_EQ_STR(json_string_value(json_object_get(v, "null")), "c");
    json_decref(v);
}

TEST(multi_document_stream_and_lists) {
    char err[512];
    json_t *docs = parse("---\nkind: Node\nmetadata: {name: n1}\n---\n# only a comment\n---\n"
                         "kind: PodList\nitems:\n- kind: Pod\n  metadata: {name: a}\n"
                         "- kind: Pod\n  metadata: {name: b}\n---\n"
                         "- kind: Pod\n  metadata: {name: c}\n- null\n---\nnull\n---\n"
                         "kind: List\nitems: []\n",
                         err, sizeof(err));
    CHECK(docs != NULL);
    if (!docs) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_EQ_INT(json_array_size(docs), 4);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(docs, 0), "kind")), "Node");
    const char *names[] = {"n1", "a", "b", "c"};
    for (size_t i = 0; i < 4; i++)
        CHECK_EQ_STR(json_string_value(json_object_get(
                         json_object_get(json_array_get(docs, i), "metadata"), "name")),
                     names[i]);
    json_decref(docs);
}

TEST(empty_input_gives_empty_array) {
    char err[256];
    json_t *docs = parse("", err, sizeof(err));
    CHECK(docs && json_array_size(docs) == 0);
    json_decref(docs);
    docs = parse("# nothing\n---\n", err, sizeof(err));
    CHECK(docs && json_array_size(docs) == 0);
    json_decref(docs);
}

TEST(json_input) {
    char err[512];
    const char *text = "{\"kind\":\"List\",\"items\":[{\"kind\":\"Pod\",\"metadata\":{\"name\":\"x\"}}]}\n"
                       "  [{\"kind\":\"Node\",\"n\":12345678901234}]";
    json_t *docs = parse(text, err, sizeof(err));
    CHECK(docs != NULL);
    if (!docs) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_EQ_INT(json_array_size(docs), 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(docs, 1), "n")), 12345678901234LL);
    json_decref(docs);

    CHECK(parse("{\"a\": 1,\n \"b\": [}", err, sizeof(err)) == NULL);
    CHECK(strncmp(err, "t.yaml:2:", 9) == 0);
    CHECK(parse("{\"a\": 1, \"a\": 2}", err, sizeof(err)) == NULL);
    CHECK(strstr(err, "duplicate") != NULL);
}

TEST(yaml_errors_name_origin_and_position) {
    char err[512];
    CHECK(parse("kind: Pod\nmetadata:\n  name: a\n bad: [\n", err, sizeof(err)) == NULL);
    CHECK(strncmp(err, "t.yaml:", 7) == 0);
    CHECK(parse("a: 1\nb: [1, 2\n", err, sizeof(err)) == NULL);
    CHECK(strncmp(err, "t.yaml:", 7) == 0);
    CHECK(parse("a: 1\na: 2\n", err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "t.yaml:2:1: key \"a\" already set in map");
    CHECK(parse("? [a]\n: 1\n", err, sizeof(err)) == NULL);
    CHECK(strstr(err, "mapping keys must be scalars") != NULL);
    CHECK(parse("a: *nope\n", err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "t.yaml:1:4: unknown anchor 'nope' referenced");
    CHECK(parse("just a string\n", err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "t.yaml:1: document 1 is a string, expected an object");
    CHECK(parse("---\na: 1\n---\n- 3\n", err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "t.yaml:3: document 2[0] is a number, expected an object");
}

TEST(anchors_aliases_and_merge) {
    json_t *v = parse_one("base: &b {cpu: 1, memory: 2}\n"
                          "copy: *b\n"
                          "merged:\n  <<: *b\n  memory: 3\n"
                          "list: [&x 5, *x]\n");
    CHECK(v != NULL);
    if (!v) return;
    json_t *base = json_object_get(v, "base"), *copy = json_object_get(v, "copy");
    CHECK(json_equal(base, copy));
    CHECK(base != copy); /* deep copies: mutating one must not change the other */
    json_t *merged = json_object_get(v, "merged");
    CHECK_EQ_INT(json_integer_value(json_object_get(merged, "cpu")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(merged, "memory")), 3);
    CHECK_EQ_INT(json_integer_value(json_array_get(json_object_get(v, "list"), 1)), 5);
    json_decref(v);
}

TEST(billion_laughs_is_rejected) {
    char err[512];
    strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 6; i++)
        strbuf_printf(&sb, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
                      i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    json_t *v = k8s_parse_document(sb.data, sb.len, "bomb.yaml", err, sizeof(err));
    CHECK(v == NULL);
    CHECK(strstr(err, "too many alias expansions") != NULL);
    strbuf_free(&sb);
}

TEST(single_document) {
    char err[256];
    json_t *v = parse_one("apiVersion: v1\nkind: KubeSchedulerConfiguration\n");
    CHECK(v && json_is_object(v));
    json_decref(v);
    CHECK(k8s_parse_document("a: 1\n---\nb: 2\n", 14, "c.yaml", err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "c.yaml:2: expected a single document, found another one");
    CHECK(k8s_parse_document("", 0, "c.yaml", err, sizeof(err)) == NULL);
    CHECK_EQ_STR(err, "c.yaml: empty document");
    v = k8s_parse_document("[1, 2]", 6, "c.json", err, sizeof(err));
    CHECK(v && json_array_size(v) == 2);
    json_decref(v);
}

TEST(deep_nesting_is_bounded) {
    char err[256];
    strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "a: ");
    for (int i = 0; i < 1000; i++) strbuf_putc(&sb, '[');
    for (int i = 0; i < 1000; i++) strbuf_putc(&sb, ']');
    CHECK(k8s_parse_document(sb.data, sb.len, "deep.yaml", err, sizeof(err)) == NULL);
    CHECK(strstr(err, "nesting deeper") != NULL);
    strbuf_free(&sb);
}

int main(void) {
    RUN(scalar_typing);
    RUN(non_string_keys_become_text);
    RUN(multi_document_stream_and_lists);
    RUN(empty_input_gives_empty_array);
    RUN(json_input);
    RUN(yaml_errors_name_origin_and_position);
    RUN(anchors_aliases_and_merge);
    RUN(billion_laughs_is_rejected);
    RUN(single_document);
    RUN(deep_nesting_is_bounded);
    return test_summary("k8s_documents");
}
