/* Unit tests of selectors, node affinity and taints (selector.c): upstream
 * labels.Requirement semantics, nil vs empty label selectors, node selector
 * terms incl. matchFields, tolerations, and decode errors naming fields. */
#include "k8s/k8s.h"
#include "test.h"

static arena mem;

static json_t *doc(const char *yaml) {
    char err[256];
    json_t *v = k8s_parse_document(yaml, strlen(yaml), "t", err, sizeof(err));
    if (!v) fprintf(stderr, "%s\n", err);
    return v;
}

static k8s_map labels_of(const char *yaml) {
    static k8s_kv items[16];
    k8s_map m = {items, 0};
    json_t *v = doc(yaml);
    const char *key;
    json_t *value;
    json_object_foreach(v, key, value) {
        items[m.len].key = arena_strdup(&mem, key);
        items[m.len].value = arena_strdup(&mem, json_string_value(value));
        m.len++;
    }
    /* keep sorted */
    for (uint32_t i = 1; i < m.len; i++)
        for (uint32_t j = i; j > 0 && strcmp(items[j - 1].key, items[j].key) > 0; j--) {
            k8s_kv t = items[j];
            items[j] = items[j - 1];
            items[j - 1] = t;
        }
    json_decref(v);
    return m;
}

static bool selector_matches(const char *selector_yaml, const char *labels_yaml) {
    char err[256];
    k8s_label_selector sel;
    json_t *v = selector_yaml ? doc(selector_yaml) : NULL;
    bool ok = k8s_label_selector_decode(v, &mem, "sel", &sel, err, sizeof(err));
    json_decref(v);
    if (!ok) {
        fprintf(stderr, "decode: %s\n", err);
        return false;
    }
    k8s_map labels = labels_of(labels_yaml);
    return k8s_label_selector_matches(&sel, &labels);
}

TEST(label_selector_semantics) {
    CHECK(!selector_matches(NULL, "{a: b}"));          /* nil: nothing */
    CHECK(selector_matches("{}", "{a: b}"));           /* empty: everything */
    CHECK(selector_matches("{}", "{}"));
    CHECK(selector_matches("matchLabels: {a: b}", "{a: b, c: d}"));
    CHECK(!selector_matches("matchLabels: {a: b}", "{a: c}"));
    CHECK(!selector_matches("matchLabels: {a: b}", "{}"));
    CHECK(selector_matches("matchExpressions: [{key: a, operator: In, values: [x, b, c]}]", "{a: b}"));
    CHECK(!selector_matches("matchExpressions: [{key: a, operator: In, values: [x]}]", "{a: b}"));
    CHECK(!selector_matches("matchExpressions: [{key: a, operator: In, values: [x]}]", "{}"));
    CHECK(selector_matches("matchExpressions: [{key: a, operator: NotIn, values: [x]}]", "{}"));
    CHECK(selector_matches("matchExpressions: [{key: a, operator: NotIn, values: [x]}]", "{a: y}"));
    CHECK(!selector_matches("matchExpressions: [{key: a, operator: NotIn, values: [x, y]}]", "{a: y}"));
    CHECK(selector_matches("matchExpressions: [{key: a, operator: Exists}]", "{a: ''}"));
    CHECK(!selector_matches("matchExpressions: [{key: a, operator: Exists}]", "{b: c}"));
    CHECK(selector_matches("matchExpressions: [{key: a, operator: DoesNotExist}]", "{b: c}"));
    CHECK(!selector_matches("matchExpressions: [{key: a, operator: DoesNotExist}]", "{a: c}"));
    CHECK(!selector_matches("matchLabels: {a: b}\nmatchExpressions: [{key: c, operator: Exists}]",
                            "{a: b}"));
    CHECK(selector_matches("matchLabels: {a: b}\nmatchExpressions: [{key: c, operator: Exists}]",
                           "{a: b, c: x}"));
}

static const char *selector_error(const char *yaml) {
    static char err[512];
    k8s_label_selector sel;
    json_t *v = doc(yaml);
    bool ok = k8s_label_selector_decode(v, &mem, "spec.selector", &sel, err, sizeof(err));
    json_decref(v);
    return ok ? "(ok)" : err;
}

TEST(label_selector_errors) {
    CHECK_EQ_STR(selector_error("matchExpressions: [{key: a, operator: Gt, values: ['1']}]"),
                 "spec.selector.matchExpressions[0].operator: Unsupported value: \"Gt\": supported "
                 "values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"");
    CHECK_EQ_STR(selector_error("matchExpressions: [{key: a, operator: In}]"),
                 "spec.selector.matchExpressions[0].values: Required value: must be specified when "
                 "`operator` is 'In' or 'NotIn'");
    CHECK_EQ_STR(selector_error("matchExpressions: [{key: a, operator: Exists, values: [x]}]"),
                 "spec.selector.matchExpressions[0].values: Forbidden: may not be specified when "
                 "`operator` is 'Exists' or 'DoesNotExist'");
    CHECK_EQ_STR(selector_error("matchLabels: {a: 1}"),
                 "spec.selector.matchLabels.a: must be a string, got an integer");
    CHECK_EQ_STR(selector_error("matchExpressions: [{operator: Exists}]"),
                 "spec.selector.matchExpressions[0].key: Required value");
    CHECK_EQ_STR(selector_error("[]"), "spec.selector: must be an object, got an array");
}

static k8s_node *node_of(const char *yaml) {
    char err[512];
    json_t *v = doc(yaml);
    k8s_node *n = k8s_node_decode(v, "t", err, sizeof(err));
    if (!n) fprintf(stderr, "%s\n", err);
    json_decref(v);
    return n;
}

static bool term_matches(const char *term_yaml, const k8s_node *node) {
    char err[256];
    k8s_node_selector_term term;
    json_t *v = doc(term_yaml);
    bool ok = k8s_node_selector_term_decode(v, &mem, "term", &term, err, sizeof(err));
    json_decref(v);
    if (!ok) {
        fprintf(stderr, "decode: %s\n", err);
        return false;
    }
    return k8s_node_selector_term_matches(&term, node);
}

TEST(node_selector_terms) {
    k8s_node *node = node_of("kind: Node\nmetadata:\n  name: n1\n  labels: {zone: a, cores: '8', weird: x8}\n");
    CHECK(node != NULL);
    if (!node) return;
    CHECK(!term_matches("{}", node)); /* empty term matches nothing */
    CHECK(term_matches("matchExpressions: [{key: zone, operator: In, values: [a]}]", node));
    CHECK(term_matches("matchExpressions: [{key: cores, operator: Gt, values: ['4']}]", node));
    CHECK(!term_matches("matchExpressions: [{key: cores, operator: Gt, values: ['8']}]", node));
    CHECK(term_matches("matchExpressions: [{key: cores, operator: Lt, values: ['9']}]", node));
    CHECK(!term_matches("matchExpressions: [{key: missing, operator: Lt, values: ['9']}]", node));
    /* label value not an integer: no match */
    CHECK(!term_matches("matchExpressions: [{key: weird, operator: Gt, values: ['1']}]", node));
    /* requirement value not an integer: the term matches nothing */
    CHECK(!term_matches("matchExpressions: [{key: cores, operator: Gt, values: [abc]}]", node));
    CHECK(term_matches("matchFields: [{key: metadata.name, operator: In, values: [n1]}]", node));
    CHECK(!term_matches("matchFields: [{key: metadata.name, operator: In, values: [n2]}]", node));
    CHECK(term_matches("matchFields: [{key: metadata.name, operator: NotIn, values: [n2]}]", node));
    CHECK(!term_matches("matchExpressions: [{key: zone, operator: In, values: [a]}]\n"
                        "matchFields: [{key: metadata.name, operator: In, values: [n2]}]",
                        node));
    k8s_node_free(node);
}

static const char *term_error(const char *yaml) {
    static char err[512];
    k8s_node_selector_term term;
    json_t *v = doc(yaml);
    bool ok = k8s_node_selector_term_decode(v, &mem, "t", &term, err, sizeof(err));
    json_decref(v);
    return ok ? "(ok)" : err;
}

TEST(node_selector_term_errors) {
    CHECK_EQ_STR(term_error("matchFields: [{key: metadata.labels, operator: In, values: [x]}]"),
                 "t.matchFields[0].key: Invalid value: \"metadata.labels\": not a valid field "
                 "selector key (only metadata.name)");
    CHECK_EQ_STR(term_error("matchFields: [{key: metadata.name, operator: In, values: [a, b]}]"),
                 "t.matchFields[0].values: Required value: must be only one value when `operator` "
                 "is 'In' or 'NotIn' for node field selector");
    CHECK_EQ_STR(term_error("matchFields: [{key: metadata.name, operator: Exists}]"),
                 "t.matchFields[0].operator: Unsupported value: \"Exists\": supported values: "
                 "\"In\", \"NotIn\"");
    CHECK_EQ_STR(term_error("matchExpressions: [{key: a, operator: Gt, values: ['1', '2']}]"),
                 "t.matchExpressions[0].values: Required value: must be specified single value "
                 "when `operator` is 'Lt' or 'Gt'");
    CHECK_EQ_STR(term_error("matchExpressions: [{key: a, operator: Foo}]"),
                 "t.matchExpressions[0].operator: Unsupported value: \"Foo\": supported values: "
                 "\"In\", \"NotIn\", \"Exists\", \"DoesNotExist\", \"Gt\", \"Lt\"");
}

TEST(node_affinity_decode_and_match) {
    char err[512];
    k8s_node_affinity aff;
    k8s_node *node = node_of("kind: Node\nmetadata: {name: n1, labels: {zone: a}}\n");
    json_t *v = doc("requiredDuringSchedulingIgnoredDuringExecution:\n"
                    "  nodeSelectorTerms:\n"
                    "  - matchExpressions: [{key: zone, operator: In, values: [b]}]\n"
                    "  - matchExpressions: [{key: zone, operator: In, values: [a]}]\n"
                    "preferredDuringSchedulingIgnoredDuringExecution:\n"
                    "- weight: 5\n  preference: {matchExpressions: [{key: zone, operator: Exists}]}\n");
    CHECK(k8s_node_affinity_decode(v, &mem, "args.addedAffinity", &aff, err, sizeof(err)));
    json_decref(v);
    CHECK(aff.has_required);
    CHECK_EQ_INT(aff.required.nterms, 2);
    CHECK(k8s_node_selector_matches(&aff.required, node));
    CHECK_EQ_INT(aff.npreferred, 1);
    CHECK_EQ_INT(aff.preferred[0].weight, 5);
    CHECK(k8s_node_selector_term_matches(&aff.preferred[0].preference, node));

    v = doc("preferredDuringSchedulingIgnoredDuringExecution:\n- weight: 0\n  preference: {}\n");
    CHECK(!k8s_node_affinity_decode(v, &mem, "args.addedAffinity", &aff, err, sizeof(err)));
    CHECK_EQ_STR(err, "args.addedAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: "
                      "Invalid value: 0: must be in the range 1-100");
    json_decref(v);
    v = doc("requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: []}\n");
    CHECK(!k8s_node_affinity_decode(v, &mem, "a", &aff, err, sizeof(err)));
    CHECK_EQ_STR(err, "a.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: "
                      "Required value: must have at least one node selector term");
    json_decref(v);
    k8s_node_free(node);
}

TEST(tolerations) {
    k8s_taint taint = {"dedicated", "gpu", K8S_EFFECT_NO_SCHEDULE};
    k8s_toleration all = {"", true, "", K8S_EFFECT_ALL, false, 0};
    k8s_toleration key_exists = {"dedicated", true, "", K8S_EFFECT_ALL, false, 0};
    k8s_toleration equal = {"dedicated", false, "gpu", K8S_EFFECT_NO_SCHEDULE, false, 0};
    k8s_toleration wrong_value = {"dedicated", false, "cpu", K8S_EFFECT_ALL, false, 0};
    k8s_toleration wrong_effect = {"dedicated", false, "gpu", K8S_EFFECT_NO_EXECUTE, false, 0};
    k8s_toleration other_key = {"other", true, "", K8S_EFFECT_ALL, false, 0};
    CHECK(k8s_toleration_tolerates(&all, &taint));
    CHECK(k8s_toleration_tolerates(&key_exists, &taint));
    CHECK(k8s_toleration_tolerates(&equal, &taint));
    CHECK(!k8s_toleration_tolerates(&wrong_value, &taint));
    CHECK(!k8s_toleration_tolerates(&wrong_effect, &taint));
    CHECK(!k8s_toleration_tolerates(&other_key, &taint));
    k8s_toleration list[] = {other_key, wrong_value, equal};
    CHECK(k8s_tolerations_tolerate(list, 3, &taint));
    CHECK(!k8s_tolerations_tolerate(list, 2, &taint));
    CHECK(!k8s_tolerations_tolerate(NULL, 0, &taint));
    k8s_taint empty_value = {"k", "", K8S_EFFECT_PREFER_NO_SCHEDULE};
    k8s_toleration equal_empty = {"k", false, "", K8S_EFFECT_ALL, false, 0};
    CHECK(k8s_toleration_tolerates(&equal_empty, &empty_value));
    CHECK_EQ_STR(k8s_taint_effect_name(K8S_EFFECT_NO_SCHEDULE), "NoSchedule");
    CHECK_EQ_STR(k8s_taint_effect_name(K8S_EFFECT_PREFER_NO_SCHEDULE), "PreferNoSchedule");
    CHECK_EQ_STR(k8s_taint_effect_name(K8S_EFFECT_NO_EXECUTE), "NoExecute");
}

TEST(label_syntax_validation) {
    CHECK(k8s_valid_label_value(""));
    CHECK(k8s_valid_label_value("a"));
    CHECK(k8s_valid_label_value("My_value-1.2"));
    CHECK(!k8s_valid_label_value("-a"));
    CHECK(!k8s_valid_label_value("a."));
    CHECK(!k8s_valid_label_value("invalid value: ___@#$%^"));
    CHECK(k8s_valid_label_value("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 63 */
    CHECK(!k8s_valid_label_value("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 64 */
    CHECK(k8s_valid_qualified_name("zone"));
    CHECK(k8s_valid_qualified_name("topology.kubernetes.io/zone"));
    CHECK(k8s_valid_qualified_name("example.com/My_Name"));
    CHECK(!k8s_valid_qualified_name(""));
    CHECK(!k8s_valid_qualified_name("/zone"));
    CHECK(!k8s_valid_qualified_name("example.com/"));
    CHECK(!k8s_valid_qualified_name("Example.com/zone"));   /* prefix is lower-case DNS */
    CHECK(!k8s_valid_qualified_name("a/b/c"));
    CHECK(!k8s_valid_qualified_name("-a.b/zone"));
    CHECK(!k8s_valid_qualified_name("a..b/zone"));
    CHECK(!k8s_valid_qualified_name("bad key"));
    /* label selectors: the API server rejects invalid keys and values */
    CHECK_EQ_STR(selector_error("matchExpressions: [{key: a, operator: In, values: [ok, 'b@d']}]"),
                 "spec.selector.matchExpressions[0].values[1]: Invalid value: \"b@d\": a valid "
                 "label must be an empty string or consist of alphanumeric characters, '-', '_' "
                 "or '.', and must start and end with an alphanumeric character (at most 63 "
                 "characters)");
    CHECK(strstr(selector_error("matchExpressions: [{key: 'bad key', operator: Exists}]"),
                 "spec.selector.matchExpressions[0].key: Invalid value: \"bad key\"") != NULL);
    CHECK(strstr(selector_error("matchLabels: {'a/b/c': x}"),
                 "spec.selector.matchLabels: Invalid value: \"a/b/c\"") != NULL);
    CHECK(strstr(selector_error("matchLabels: {a: '-x'}"),
                 "spec.selector.matchLabels.a: Invalid value: \"-x\"") != NULL);
    CHECK_EQ_STR(selector_error("matchLabels: {'example.com/a': ''}"), "(ok)");
    /* node selector terms: an invalid key is an API error ... */
    CHECK(strstr(term_error("matchExpressions: [{key: 'a b', operator: Exists}]"),
                 "t.matchExpressions[0].key: Invalid value: \"a b\"") != NULL);
    /* ... an invalid value is accepted, and the term matches nothing */
    CHECK_EQ_STR(term_error("matchExpressions: [{key: a, operator: NotIn, values: ['x y']}]"), "(ok)");
    CHECK_EQ_STR(term_error("matchFields: [{key: metadata.name, operator: In, values: ['x y']}]"),
                 "(ok)");
    k8s_node *node = node_of("kind: Node\nmetadata:\n  name: n1\n  labels: {foo: bar}\n");
    CHECK(node != NULL);
    if (!node) return;
    CHECK(!term_matches("matchExpressions: [{key: foo, operator: NotIn, values: ['x y']}]", node));
    CHECK(!term_matches("matchExpressions: [{key: foo, operator: In, values: [bar, 'x y']}]", node));
    CHECK(!term_matches("matchExpressions: [{key: other, operator: DoesNotExist},"
                        " {key: foo, operator: NotIn, values: ['@']}]", node));
    CHECK(term_matches("matchExpressions: [{key: foo, operator: NotIn, values: [baz]}]", node));
    /* only the invalid term is skipped: another term still matches */
    char err[256];
    k8s_node_affinity aff;
    json_t *v = doc("requiredDuringSchedulingIgnoredDuringExecution:\n  nodeSelectorTerms:\n"
                    "  - matchExpressions: [{key: foo, operator: NotIn, values: ['x y']}]\n"
                    "  - matchExpressions: [{key: foo, operator: In, values: [bar]}]\n");
    CHECK(k8s_node_affinity_decode(v, &mem, "a", &aff, err, sizeof(err)));
    json_decref(v);
    CHECK(k8s_node_selector_matches(&aff.required, node));
    CHECK(!k8s_node_selector_term_matches(&aff.required.terms[0], node));
    k8s_node_free(node);
}

int main(void) {
    arena_init(&mem, 4096);
    RUN(label_selector_semantics);
    RUN(label_selector_errors);
    RUN(node_selector_terms);
    RUN(node_selector_term_errors);
    RUN(node_affinity_decode_and_match);
    RUN(tolerations);
    RUN(label_syntax_validation);
    arena_free(&mem);
    return test_summary("k8s_selector");
}
