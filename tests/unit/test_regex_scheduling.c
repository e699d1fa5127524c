/*
 * Unit tests of RegexScheduling / RegexSchedulingV2 and of the Go-regexp
 * layer under them (src/plugins/go_regexp.c): Go's syntax errors, word for
 * word; Go's matching semantics where PCRE2 differs by default; Go's %q; and
 * the two plugins' statuses through a real cycle.
 *
 * Expected error texts are what Go 1.22's regexp.Compile reports for the
 * same pattern (derived from regexp/syntax's parser rules).
 */
#include <pthread.h>

#include "k8s/k8s.h"
#include "plugins/go_regexp.h"
#include "scheduler/framework.h"
#include "scheduler/framework_internal.h"
#include "plugins/registry.h"
#include "test.h"

extern const sl_plugin_registration sl_plugin_RegexScheduling;
extern const sl_plugin_registration sl_plugin_RegexSchedulingV2;

/* ---- compile errors ---------------------------------------------------- */

typedef struct {
    const char *pattern;
    const char *error; /* NULL = valid */
} compile_case;

static const compile_case compile_cases[] = {
    /* the demo */
    {"kubecon-.*", NULL},
    {"kubecon-.*\\", "error parsing regexp: trailing backslash at end of expression: ``"},
    {"([", "error parsing regexp: missing closing ]: `[`"},
    /* Perl constructs RE2 does not support */
    {"(?=a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"},
    {"(?!a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?!`"},
    {"(?<=a)b", "error parsing regexp: invalid named capture: `(?<=a)b`"},
    {"(?<!a)b", "error parsing regexp: invalid named capture: `(?<!a)b`"},
    {"(?>a)", "error parsing regexp: invalid or unsupported Perl syntax: `(?>`"},
    {"(?R)", "error parsing regexp: invalid or unsupported Perl syntax: `(?R`"},
    {"(?1)", "error parsing regexp: invalid or unsupported Perl syntax: `(?1`"},
    {"(?(1)a|b)", "error parsing regexp: invalid or unsupported Perl syntax: `(?(`"},
    {"(?P=n)", "error parsing regexp: invalid or unsupported Perl syntax: `(?P`"},
    {"(?#comment)", "error parsing regexp: invalid or unsupported Perl syntax: `(?#`"},
    {"(?x)a b", "error parsing regexp: invalid or unsupported Perl syntax: `(?x`"},
    {"(a)\\1", "error parsing regexp: invalid escape sequence: `\\1`"},
    {"\\k<n>", "error parsing regexp: invalid escape sequence: `\\k`"},
    {"\\g1", "error parsing regexp: invalid escape sequence: `\\g`"},
    {"\\G", "error parsing regexp: invalid escape sequence: `\\G`"},
    {"a\\K", "error parsing regexp: invalid escape sequence: `\\K`"},
    {"a\\Z", "error parsing regexp: invalid escape sequence: `\\Z`"},
    {"\\C", "error parsing regexp: invalid escape sequence: `\\C`"},
    {"\\e", "error parsing regexp: invalid escape sequence: `\\e`"},
    {"\\cA", "error parsing regexp: invalid escape sequence: `\\c`"},
    {"\\h", "error parsing regexp: invalid escape sequence: `\\h`"},
    {"\\R", "error parsing regexp: invalid escape sequence: `\\R`"},
    {"\\X", "error parsing regexp: invalid escape sequence: `\\X`"},
    {"\\8", "error parsing regexp: invalid escape sequence: `\\8`"},
    {"\\xZZ", "error parsing regexp: invalid escape sequence: `\\xZZ`"},
    {"\\x{110000}", "error parsing regexp: invalid escape sequence: `\\x{110000`"},
    {"\\x{}", "error parsing regexp: invalid escape sequence: `\\x{}`"},
    {"\\é", "error parsing regexp: invalid escape sequence: `\\é`"},
    /* repetition */
    {"a*+", "error parsing regexp: invalid nested repetition operator: `*+`"},
    {"a++", "error parsing regexp: invalid nested repetition operator: `++`"},
    {"a?+", "error parsing regexp: invalid nested repetition operator: `?+`"},
    {"a{2}+", "error parsing regexp: invalid nested repetition operator: `{2}+`"},
    {"a**", "error parsing regexp: invalid nested repetition operator: `**`"},
    {"a+?+", "error parsing regexp: invalid nested repetition operator: `+?+`"},
    {"*a", "error parsing regexp: missing argument to repetition operator: `*`"},
    {"a|*", "error parsing regexp: missing argument to repetition operator: `*`"},
    {"(*)", "error parsing regexp: missing argument to repetition operator: `*`"},
    {"??", "error parsing regexp: missing argument to repetition operator: `??`"},
    {"a{1001}", "error parsing regexp: invalid repeat count: `{1001}`"},
    {"a{2,1}", "error parsing regexp: invalid repeat count: `{2,1}`"},
    {"(a{10}){101}", "error parsing regexp: invalid repeat count: `{101}`"},
    {"((a{2}){2}){300}", "error parsing regexp: invalid repeat count: `{300}`"},
    {"(a{10}){100}", NULL},
    {"(a*){1000}", NULL},
    {"a{,3}", NULL},   /* not a repeat in Go: literal text */
    {"a{01}", NULL},   /* leading zero: literal */
    {"x{", NULL},
    {"a*(?i)*", NULL}, /* Go allows a repeat after a flag group */
    /* groups */
    {"(a", "error parsing regexp: missing closing ): `(a`"},
    {"a)", "error parsing regexp: unexpected ): `a)`"},
    {"(?P<name>a)", NULL},
    {"(?<name>a)", NULL},
    {"(?<>a)", "error parsing regexp: invalid named capture: `(?<>`"},
    {"(?P<a-b>x)", "error parsing regexp: invalid named capture: `(?P<a-b>`"},
    {"(?P<name", "error parsing regexp: invalid named capture: `(?P<name`"},
    {"(?i)abc", NULL},
    {"(?i-s:a.)", NULL},
    {"(?-)", "error parsing regexp: invalid or unsupported Perl syntax: `(?-)`"},
    {"(?i-)", "error parsing regexp: invalid or unsupported Perl syntax: `(?i-)`"},
    {"(?i--s)", "error parsing regexp: invalid or unsupported Perl syntax: `(?i--`"},
    {"(?", "error parsing regexp: invalid or unsupported Perl syntax: `(?`"},
    {"()", NULL},
    /* classes */
    {"[a", "error parsing regexp: missing closing ]: `[a`"},
    {"[]a]", NULL},
    {"[]", "error parsing regexp: missing closing ]: `[]`"},
    {"[z-a]", "error parsing regexp: invalid character class range: `z-a`"},
    {"[[:foo:]]", "error parsing regexp: invalid character class range: `[:foo:]`"},
    {"[[:alpha:]]", NULL},
    {"[[:^alpha:]]", NULL},
    {"[\\d\\S]", NULL},
    {"[a-]", NULL},
    {"[\\b]", "error parsing regexp: invalid escape sequence: `\\b`"},
    {"\\pX", "error parsing regexp: invalid character class range: `\\pX`"},
    {"\\p{Foo}", "error parsing regexp: invalid character class range: `\\p{Foo}`"},
    {"\\p{greek}", "error parsing regexp: invalid character class range: `\\p{greek}`"},
    {"\\p{Greek", "error parsing regexp: invalid character class range: `\\p{Greek`"},
    {"\\p", "error parsing regexp: invalid character class range: `\\p`"},
    {"\\p{Greek}\\pL\\PN\\p{^Lu}\\p{Any}", NULL},
    {"[\\p{Han}a]", NULL},
    /* escapes Go accepts */
    {"\\Qa.b\\E+", NULL},
    {"\\Qunterminated", NULL},
    {"\\_\\-\\.\\*", NULL},
    {"\\a\\f\\t\\n\\r\\v\\012\\x41\\x{263a}", NULL},
    {"\\A^$\\z\\b\\B", NULL},
    {"", NULL},
};

TEST(go_regexp_compile_errors_match_go) {
    for (size_t i = 0; i < ARRAY_LEN(compile_cases); i++) {
        const compile_case *tc = &compile_cases[i];
        char err[512] = "";
        go_regexp *re = go_regexp_compile(tc->pattern, err, sizeof(err));
        if (tc->error) {
            if (re) TEST_FAIL_AT("pattern %s: compiled as %s, want error %s", tc->pattern,
                                 go_regexp_pcre2_pattern(re), tc->error);
            else if (strcmp(err, tc->error) != 0)
                TEST_FAIL_AT("pattern %s:\n  got  %s\n  want %s", tc->pattern, err, tc->error);
        } else if (!re) {
            TEST_FAIL_AT("pattern %s: unexpected error %s", tc->pattern, err);
        }
        go_regexp_free(re);
    }
}

TEST(go_regexp_large_and_deep_expressions) {
    /* 1001 nested capture groups: Go's parse tree is too high. */
    strbuf sb;
    strbuf_init(&sb);
    for (int i = 0; i < 1001; i++) strbuf_putc(&sb, '(');
    strbuf_putc(&sb, 'a');
    for (int i = 0; i < 1001; i++) strbuf_putc(&sb, ')');
    char err[512];
    go_regexp *re = go_regexp_compile(strbuf_cstr(&sb), err, sizeof(err));
    CHECK(re == NULL);
    CHECK(strncmp(err, "error parsing regexp: expression nests too deeply: `((((", 56) == 0);
    go_regexp_free(re);
    /* 100 nested groups are fine. */
    strbuf_reset(&sb);
    for (int i = 0; i < 100; i++) strbuf_putc(&sb, '(');
    strbuf_putc(&sb, 'a');
    for (int i = 0; i < 100; i++) strbuf_putc(&sb, ')');
    re = go_regexp_compile(strbuf_cstr(&sb), err, sizeof(err));
    CHECK(re != NULL);
    go_regexp_free(re);
    /* 4000 literals repeated 1000 times: over Go's 3.3M-instruction budget. */
    strbuf_reset(&sb);
    strbuf_putc(&sb, '(');
    for (int i = 0; i < 4000; i++) strbuf_putc(&sb, 'a' + i % 26);
    strbuf_puts(&sb, "){1000}");
    re = go_regexp_compile(strbuf_cstr(&sb), err, sizeof(err));
    CHECK(re == NULL);
    CHECK(strncmp(err, "error parsing regexp: expression too large: `(abc", 49) == 0);
    go_regexp_free(re);
    strbuf_free(&sb);
}

TEST(go_regexp_invalid_utf8) {
    char err[512];
    go_regexp *re = go_regexp_compile("a\xff", err, sizeof(err));
    CHECK(re == NULL);
    CHECK_EQ_STR(err, "error parsing regexp: invalid UTF-8: `\xff`");
    go_regexp_free(re);
}

/* ---- matching ------------------------------------------------------------ */

typedef struct {
    const char *pattern;
    const char *subject;
    int want;
} match_case;

static const match_case match_cases[] = {
    {"kubecon-.*", "kubecon-1", 1},
    {"kubecon-.*", "oz-1", 0},
    {"con", "kubecon-1", 1},             /* unanchored, like MatchString */
    {"^oz-", "phoenix-oz-1", 0},
    {"oz-[0-9]+$", "oz-12", 1},
    {"oz-[0-9]+$", "oz-12x", 0},
    {"a$", "a\n", 0},                    /* Go's $ is \z without (?m) */
    {"(?m)a$", "a\nb", 1},
    {"(?m)^b", "a\nb", 1},
    {"^b", "a\nb", 0},
    {"(?i)KUBECON", "kubecon-1", 1},
    {"KUBECON", "kubecon-1", 0},
    {"(?i:K)ube", "kube", 1},
    {"(?i:K)UBE", "kube", 0},            /* flags end with their group */
    {"(?i)k", "\xe2\x84\xaa", 1},        /* Kelvin sign folds to k */
    {"\\v", "\v", 1},                    /* \v is vertical tab, not a class */
    {"\\v", "\n", 0},
    {"\\s", "\v", 0},                    /* Go's \s has no \v */
    {"[[:space:]]", "\v", 1},
    {"\\012", "\n", 1},
    {"\\17", "\x0f", 1},
    {"a{,3}", "a{,3}", 1},
    {"a{,3}", "aaa", 0},
    {"x{", "x{", 1},
    {"\\Qa.b\\E", "xa.b", 1},
    {"\\Qa.b\\E", "axb", 0},
    {"\\pL+", "\xc3\xa9", 1},
    {"\\p{Greek}", "\xce\xb1", 1},
    {"\\P{Greek}", "\xce\xb1", 0},
    {"[^a]", "\n", 1},                   /* negated classes match \n in Go */
    {".", "\n", 0},
    {"(?s).", "\n", 1},
    {"\\boz\\b", "oz-1", 1},
    {"\\boz\\b", "ozz", 0},
    {"x*", "", 1},
    {"a*(?i)*b", "aab", 1},
    {"(?U)a+$", "aaa", 1},
    {"\\d{3}", "node-123", 1},
    {"\\d{3}", "node-12", 0},
    {"[[:^digit:]]", "123", 0},
    {"\\W", "a_1", 0},
    {"[\\-_]", "a-b", 1},
    {"(?P<n>oz)-(?:1|2)", "oz-2", 1},
    {"oz|phoenix", "phoenix-1", 1},
    {"^(oz|phoenix)-1$", "phoenix-2", 0},
    {"\\x41", "A", 1},
    {"\\x{263a}", "\xe2\x98\xba", 1},
    {"\\.", "a.b", 1},
    {"\\.", "ab", 0},
};

TEST(go_regexp_matches_like_go) {
    for (size_t i = 0; i < ARRAY_LEN(match_cases); i++) {
        const match_case *tc = &match_cases[i];
        char err[512];
        go_regexp *re = go_regexp_compile(tc->pattern, err, sizeof(err));
        if (!re) {
            TEST_FAIL_AT("pattern %s: %s", tc->pattern, err);
            continue;
        }
        int got = go_regexp_match(re, tc->subject, strlen(tc->subject), err, sizeof(err));
        if (got != tc->want)
            TEST_FAIL_AT("%s ~ \"%s\": got %d, want %d (pcre2: %s)", tc->pattern, tc->subject, got,
                         tc->want, go_regexp_pcre2_pattern(re));
        go_regexp_free(re);
    }
}

TEST(go_regexp_pathological_backtracking_is_bounded) {
    char err[512];
    go_regexp *re = go_regexp_compile("(x+x+)+y", err, sizeof(err));
    CHECK(re != NULL);
    char subject[64];
    memset(subject, 'x', 60);
    subject[60] = '\0';
    int64_t t0 = time_now_ns();
    CHECK_EQ_INT(go_regexp_match(re, subject, 60, err, sizeof(err)), 0);
    CHECK(time_now_ns() - t0 < 5 * 1000000000LL);
    go_regexp_free(re);
}

typedef struct {
    const go_regexp *re;
    int matches;
} match_thread_arg;

static void *match_thread(void *p) {
    match_thread_arg *a = p;
    char err[128];
    char name[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof(name), "%s-%d", i % 2 ? "kubecon" : "oz", i);
        a->matches += go_regexp_match(a->re, name, strlen(name), err, sizeof(err));
    }
    return NULL;
}

TEST(go_regexp_match_is_thread_safe) {
    char err[512];
    go_regexp *re = go_regexp_compile("^kubecon-[0-9]+$", err, sizeof(err));
    CHECK(re != NULL);
    pthread_t th[4];
    match_thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i].re = re;
        args[i].matches = 0;
        pthread_create(&th[i], NULL, match_thread, &args[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(args[i].matches, 10000);
    }
    go_regexp_free(re);
}

/* ---- %q ---------------------------------------------------------------- */

TEST(go_quote_matches_strconv_quote) {
    char buf[128];
    go_quote("kubecon-.*\\", buf, sizeof(buf));
    CHECK_EQ_STR(buf, "\"kubecon-.*\\\\\"");
    go_quote("a\"b\tc\nd\x01\x7f", buf, sizeof(buf));
    CHECK_EQ_STR(buf, "\"a\\\"b\\tc\\nd\\x01\\x7f\"");
    go_quote("caf\xc3\xa9 \xe2\x98\xba", buf, sizeof(buf));
    CHECK_EQ_STR(buf, "\"caf\xc3\xa9 \xe2\x98\xba\"");
    go_quote("soft\xc2\xadhyphen\xff", buf, sizeof(buf));
    CHECK_EQ_STR(buf, "\"soft\\u00adhyphen\\xff\"");
    CHECK_EQ_INT(go_quote("oz-1", NULL, 0), 6);
    char small[4];
    CHECK_EQ_INT(go_quote("oz-1", small, sizeof(small)), 6);
    CHECK_EQ_STR(small, "\"oz");
}

/* ---- the plugins through a cycle ------------------------------------------ */

typedef struct fixture {
    sl_cycle_arenas arenas;
    sl_cycle *cycle;
    rng r;
    sl_plugin v1, v2;
} fixture;

static void fixture_init(fixture *f) {
    sl_cycle_arenas_init(&f->arenas, 0);
    f->cycle = sl_cycle_new(&f->arenas);
    rng_seed(&f->r, 1);
    sl_cycle_begin(f->cycle, NULL, 1, &f->r);
    memset(&f->v1, 0, sizeof(f->v1));
    memset(&f->v2, 0, sizeof(f->v2));
    f->v1.ops = sl_plugin_RegexScheduling.ops;
    f->v1.name = "RegexScheduling";
    f->v2.ops = sl_plugin_RegexSchedulingV2.ops;
    f->v2.name = "RegexSchedulingV2";
}

static void fixture_free(fixture *f) {
    sl_cycle_end(f->cycle);
    sl_cycle_free(f->cycle);
    sl_cycle_arenas_free(&f->arenas);
}

static k8s_pod *make_pod(const char *regex) {
    char json[512];
    if (regex) {
        json_t *ann = json_pack("{s:s}", "scheduler.wasmkwokwizardry.io/regex", regex);
        json_t *obj = json_pack("{s:s,s:{s:s,s:s,s:o},s:{s:[{s:s}]}}", "kind", "Pod", "metadata",
                                "name", "p", "namespace", "default", "annotations", ann, "spec",
                                "containers", "name", "c");
        char err[256];
        k8s_pod *pod = k8s_pod_decode(obj, "test", err, sizeof(err));
        json_decref(obj);
        return pod;
    }
    snprintf(json, sizeof(json),
             "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");
    json_t *obj = json_loads(json, 0, NULL);
    char err[256];
    k8s_pod *pod = k8s_pod_decode(obj, "test", err, sizeof(err));
    json_decref(obj);
    return pod;
}

static k8s_node *make_node(const char *name) {
    json_t *obj = json_pack("{s:s,s:{s:s}}", "kind", "Node", "metadata", "name", name);
    char err[256];
    k8s_node *node = k8s_node_decode(obj, "test", err, sizeof(err));
    json_decref(obj);
    return node;
}

static sl_status run_filter(fixture *f, sl_plugin *p, sl_pod_info *pod, const char *node_name) {
    k8s_node *n = make_node(node_name);
    sl_node_info ni;
    memset(&ni, 0, sizeof(ni));
    ni.node = n;
    sl_status s = p->ops->filter(p, f->cycle, pod, &ni);
    /* copy the message out of the node-independent cycle arena: it stays valid */
    k8s_node_free(n);
    return s;
}

TEST(regex_v1_statuses) {
    fixture f;
    fixture_init(&f);
    k8s_pod *pod = make_pod("kubecon-.*");
    CHECK(pod != NULL);
    sl_pod_info pi = {.pod = pod};
    sl_status s = run_filter(&f, &f.v1, &pi, "kubecon-1");
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    s = run_filter(&f, &f.v1, &pi, "oz-1");
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "node \"oz-1\" does not match regex \"kubecon-.*\"");
    k8s_pod_free(pod);

    pod = make_pod("kubecon-.*\\");
    pi.pod = pod;
    s = run_filter(&f, &f.v1, &pi, "kubecon-1");
    CHECK_EQ_INT(s.code, SL_ERROR);
    CHECK_EQ_STR(s.message, "failed to compile regex \"kubecon-.*\\\\\": error parsing regexp: "
                            "trailing backslash at end of expression: ``");
    k8s_pod_free(pod);

    pod = make_pod(NULL);
    pi.pod = pod;
    s = run_filter(&f, &f.v1, &pi, "anything");
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    k8s_pod_free(pod);
    fixture_free(&f);
}

TEST(regex_v2_compiles_once_in_pre_filter) {
    fixture f;
    fixture_init(&f);
    k8s_pod *pod = make_pod("^(oz|phoenix)-[12]$");
    sl_pod_info pi = {.pod = pod};
    sl_prefilter_result res = {.all = true};
    sl_status s = f.v2.ops->pre_filter(&f.v2, f.cycle, &pi, &res);
    CHECK_EQ_INT(s.code, SL_SUCCESS);
    CHECK(res.all);
    CHECK(sl_cycle_state_read(f.cycle, "PreFilterRegexRegexScheduling") != NULL);
    CHECK_EQ_INT(run_filter(&f, &f.v2, &pi, "oz-1").code, SL_SUCCESS);
    CHECK_EQ_INT(run_filter(&f, &f.v2, &pi, "phoenix-2").code, SL_SUCCESS);
    s = run_filter(&f, &f.v2, &pi, "kubecon-1");
    CHECK_EQ_INT(s.code, SL_UNSCHEDULABLE);
    CHECK_EQ_STR(s.message, "node \"kubecon-1\" does not match regex \"^(oz|phoenix)-[12]$\"");
    /* A cloned state shares the compiled regex. */
    sl_cycle *clone = sl_cycle_clone(f.cycle);
    CHECK(sl_cycle_state_read(clone, "PreFilterRegexRegexScheduling") ==
          sl_cycle_state_read(f.cycle, "PreFilterRegexRegexScheduling"));
    k8s_pod_free(pod);
    fixture_free(&f); /* releases the compiled regex (ASan: no leak) */
}

TEST(regex_v2_invalid_regex_is_pre_filter_error) {
    fixture f;
    fixture_init(&f);
    k8s_pod *pod = make_pod("(?=lookahead)");
    sl_pod_info pi = {.pod = pod};
    sl_prefilter_result res = {.all = true};
    sl_status s = f.v2.ops->pre_filter(&f.v2, f.cycle, &pi, &res);
    CHECK_EQ_INT(s.code, SL_ERROR);
    CHECK_EQ_STR(s.message, "failed to compile regex \"(?=lookahead)\": error parsing regexp: "
                            "invalid or unsupported Perl syntax: `(?=`");
    CHECK(sl_cycle_state_read(f.cycle, "PreFilterRegexRegexScheduling") == NULL);
    k8s_pod_free(pod);
    fixture_free(&f);
}

TEST(regex_v2_without_annotation_passes_every_node) {
    fixture f;
    fixture_init(&f);
    k8s_pod *pod = make_pod(NULL);
    sl_pod_info pi = {.pod = pod};
    sl_prefilter_result res = {.all = true};
    sl_status s = f.v2.ops->pre_filter(&f.v2, f.cycle, &pi, &res);
    CHECK_EQ_INT(s.code, SL_SUCCESS); /* as the Go v2 plugin: not Skip */
    CHECK_EQ_INT(run_filter(&f, &f.v2, &pi, "oz-1").code, SL_SUCCESS);
    k8s_pod_free(pod);
    fixture_free(&f);
}

TEST(regex_plugins_are_registered_by_name) {
    CHECK_EQ_STR(sl_plugin_RegexScheduling.name, "RegexScheduling");
    CHECK_EQ_STR(sl_plugin_RegexSchedulingV2.name, "RegexSchedulingV2");
    CHECK(sl_plugin_RegexScheduling.ops->filter != NULL);
    CHECK(sl_plugin_RegexScheduling.ops->pre_filter == NULL);
    CHECK(sl_plugin_RegexSchedulingV2.ops->pre_filter != NULL);
    sl_registry *r = sl_registry_new_default();
    CHECK(sl_registry_find(r, "RegexScheduling") == &sl_plugin_RegexScheduling);
    sl_registry_free(r);
}

int main(void) {
    RUN(go_regexp_compile_errors_match_go);
    RUN(go_regexp_large_and_deep_expressions);
    RUN(go_regexp_invalid_utf8);
    RUN(go_regexp_matches_like_go);
    RUN(go_regexp_pathological_backtracking_is_bounded);
    RUN(go_regexp_match_is_thread_safe);
    RUN(go_quote_matches_strconv_quote);
    RUN(regex_v1_statuses);
    RUN(regex_v2_compiles_once_in_pre_filter);
    RUN(regex_v2_invalid_regex_is_pre_filter_error);
    RUN(regex_v2_without_annotation_passes_every_node);
    RUN(regex_plugins_are_registered_by_name);
    return test_summary("regex_scheduling");
}
