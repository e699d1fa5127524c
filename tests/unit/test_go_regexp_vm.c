/*
 * Unit tests of the linear-time Go regexp matcher (src/plugins/go_regexp_vm.c,
 * the engine of the wasm RegexScheduling guests): Go's semantics on fixed
 * cases, Go's errors (same translator), a differential test against the
 * PCRE2-based native engine (go_regexp.c) on random patterns and subjects,
 * and linear time on patterns that make backtrackers explode.
 */
#include "base/base.h"
#include "plugins/go_regexp.h"
#include "plugins/go_regexp_vm.h"
#include "test.h"

static int vm_match(const char *pattern, const char *subject) {
    char err[512];
    go_vm_regexp *re = go_vm_compile(pattern, strlen(pattern), err, sizeof(err));
    if (!re) return -2;
    int m = go_vm_match(re, subject, strlen(subject));
    go_vm_free(re);
    return m;
}

typedef struct {
    const char *pattern, *subject;
    int want;
} vm_case;

/* Expected values are Go's regexp.MatchString results. */
static const vm_case cases[] = {
    {"kubecon-.*", "kubecon-1", 1},
    {"kubecon-.*", "oz-1", 0},
    {"con", "kubecon-1", 1},
    {"^oz-", "phoenix-oz-1", 0},
    {"oz-[0-9]+$", "oz-12", 1},
    {"oz-[0-9]+$", "oz-12x", 0},
    {"a$", "a\n", 0},
    {"(?m)a$", "a\nb", 1},
    {"(?m)^b", "a\nb", 1},
    {"^b", "a\nb", 0},
    {"(?i)KUBECON", "kubecon-1", 1},
    {"KUBECON", "kubecon-1", 0},
    {"(?i:K)ube", "kube", 1},
    {"(?i:K)UBE", "kube", 0},
    {"(?i)k", "\xe2\x84\xaa", 1},          /* Kelvin sign */
    {"(?i)\xe2\x84\xaa", "K", 1},
    {"(?i)[k]", "\xe2\x84\xaa", 1},
    {"(?i)[^k]", "\xe2\x84\xaa", 0},
    {"(?i)\\p{Lu}", "a", 1},               /* Go folds \p under (?i) */
    {"\\p{Lu}", "a", 0},
    {"(?i)s", "\xc5\xbf", 1},              /* long s */
    {"(?i)\xce\xa3", "\xcf\x82", 1},       /* Sigma / final sigma */
    {"\\v", "\v", 1},
    {"\\s", "\v", 0},
    {"[[:space:]]", "\v", 1},
    {"\\012", "\n", 1},
    {"a{,3}", "a{,3}", 1},
    {"a{,3}", "aaa", 0},
    {"x{", "x{", 1},
    {"\\Qa.b\\E", "xa.b", 1},
    {"\\Qa.b\\E", "axb", 0},
    {"\\pL+", "\xc3\xa9", 1},
    {"\\p{Greek}", "\xce\xb1", 1},
    {"\\P{Greek}", "\xce\xb1", 0},
    {"[\\p{Greek}\\d]", "5", 1},
    {"[^\\p{Greek}]", "\xce\xb1", 0},
    {"\\p{Any}", "\xf0\x9f\x98\x80", 1},
    {"[^a]", "\n", 1},
    {".", "\n", 0},
    {"(?s).", "\n", 1},
    {"\\boz\\b", "oz-1", 1},
    {"\\boz\\b", "ozz", 0},
    {"\\B", "", 1},
    {"\\b", "", 0},
    {"x*", "", 1},
    {"", "", 1},
    {"a*(?i)*b", "aab", 1},
    {"(?U)a+$", "aaa", 1},
    {"a+?b", "aaab", 1},
    {"\\d{3}", "node-123", 1},
    {"\\d{3}", "node-12", 0},
    {"(a|ab)(c|bcd)(d*)$", "abcd", 1},
    {"^(oz|phoenix)-1$", "phoenix-1", 1},
    {"^(oz|phoenix)-1$", "phoenix-2", 0},
    {"(a*)*$", "b", 1},
    {"(a*)+b", "aac", 0},
    {"(?:a{2}){3}", "aaaaa", 0},
    {"(?:a{2}){3}", "aaaaaa", 1},
    {"^a{2,3}$", "aaaa", 0},
    {"^a{2,}$", "aaaa", 1},
    {"^(?:a|b){0,2}c", "abc", 1},
    {"^(?:a|b){0,2}c", "abac", 0},
    {".", "\xff", 1},                       /* invalid UTF-8 reads as U+FFFD */
    {"^.$", "\xff", 1},
    {"\\x{fffd}", "\xff", 1},
    {"\\A\\z", "", 1},
    {"\\Aa", "ba", 0},
    {"a\\z", "ab", 0},
    {"(?m)^$", "a\n", 1},
    /* literal-prefix shortcuts */
    {"kubecon-.*", "xkubecon-", 1},
    {"kubecon-", "kubecon", 0},
    {"kubecon-.*", "kubecokubecon-1", 1},
    {"ab*", "xa", 1},
    {"a\\b", "ab a", 1},
    {"a\\b", "ab", 0},
    {"ab+", "aab", 1},
    {"ab+", "aa", 0},
    {"node-\\d+$", "node-1node-22", 1},
    {"node-\\d+$", "node-1node-", 0},
    /* overlapping prefix occurrences (the DFA jumps over a found prefix) */
    {"aab\\d", "aaab1", 1},
    {"abac[0-9]", "ababac1", 1},
    {"aa[0-9]$", "aaaa1", 1},
    {"aa[0-9]$", "aaaa1x", 0},
    {"node-\\d*[02468]$", "node-node-12", 1},
    {"node-\\d*[02468]$", "xnode-13", 0},
};

TEST(vm_matches_like_go) {
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        int got = vm_match(cases[i].pattern, cases[i].subject);
        if (got != cases[i].want)
            TEST_FAIL_AT("%s ~ \"%s\": got %d, want %d", cases[i].pattern, cases[i].subject, got,
                         cases[i].want);
    }
}

TEST(vm_errors_are_go_errors) {
    static const char *const bad[] = {"kubecon-.*\\", "([", "(?=a)", "a**", "a{1001}", "(a", "a)",
                                      "[z-a]", "\\p{greek}", "\\8", "a\xff"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        char e1[512] = "", e2[512] = "";
        go_vm_regexp *vm = go_vm_compile(bad[i], strlen(bad[i]), e1, sizeof(e1));
        go_regexp *pc = go_regexp_compile(bad[i], e2, sizeof(e2));
        CHECK(vm == NULL);
        CHECK(pc == NULL);
        CHECK_EQ_STR(e1, e2);
        go_vm_free(vm);
        go_regexp_free(pc);
    }
    char err[512];
    go_vm_regexp *re = go_vm_compile("kubecon-.*\\", 11, err, sizeof(err));
    CHECK(re == NULL);
    CHECK_EQ_STR(err, "error parsing regexp: trailing backslash at end of expression: ``");
}

/* ---- differential test against PCRE2 ------------------------------------- */

static const char *const atoms[] = {
    "a", "b", "k", "K", "-", "1", "\\.", "\\n", ".", "[ab]", "[^a-c]", "[[:digit:]]", "\\d",
    "\\w", "\\s", "\\b", "\\B", "^", "$", "\\A", "\\z", "\\pL", "\\p{Greek}", "\xce\xb1",
    "\xc3\xa9", "\\x{212a}", "[a-z0-9]", "[-k]", "\\D", "[\\d-]", "x",
};
static const char *const quants[] = {"", "", "", "*", "+", "?", "{2}", "{1,3}", "{0,}", "*?",
                                     "+?", "{0,2}?", "{3,}"};
static const char *const subject_runes[] = {"a", "b", "c", "k", "K", "-", "1", "\n", " ", "x",
                                            "\xce\xb1", "\xce\x91", "\xc3\xa9", "\xc3\x89",
                                            "\xe2\x84\xaa", "_", "."};

static void gen_pattern(rng *r, strbuf *sb, int depth) {
    int items = 1 + (int)(uint32_t)rng_below(r, 4);
    for (int i = 0; i < items; i++) {
        uint32_t k = (uint32_t)rng_below(r, 20);
        if (depth < 3 && k == 0) {
            strbuf_puts(sb, "(");
            gen_pattern(r, sb, depth + 1);
            strbuf_puts(sb, "|");
            gen_pattern(r, sb, depth + 1);
            strbuf_puts(sb, ")");
        } else if (depth < 3 && k == 1) {
            static const char *const flags[] = {"(?i:", "(?s:", "(?m:", "(?U:", "(?:", "(?is:"};
            strbuf_puts(sb, flags[(uint32_t)rng_below(r, ARRAY_LEN(flags))]);
            gen_pattern(r, sb, depth + 1);
            strbuf_puts(sb, ")");
        } else {
            strbuf_puts(sb, atoms[(uint32_t)rng_below(r, ARRAY_LEN(atoms))]);
        }
        strbuf_puts(sb, quants[(uint32_t)rng_below(r, ARRAY_LEN(quants))]);
    }
}

/* Known, documented differences where PCRE2 (native) is not Go: (?i) does
 * not fold \p{..} in PCRE2, and a negated Perl group (\D \W \S, emitted as
 * an explicit complement) folds differently. The VM follows Go. */
static bool known_difference(const char *pattern) {
    if (!strstr(pattern, "(?i") && !strstr(pattern, "(?is")) return false;
    return strstr(pattern, "\\p") || strstr(pattern, "\\D") || strstr(pattern, "\\W") ||
           strstr(pattern, "\\S") || strstr(pattern, "[^");
}

TEST(vm_agrees_with_pcre2_on_random_patterns) {
    rng r;
    rng_seed(&r, 20241113);
    strbuf pat, subj;
    strbuf_init(&pat);
    strbuf_init(&subj);
    int compared = 0, mismatches = 0, skipped = 0;
    for (int i = 0; i < 6000; i++) {
        strbuf_reset(&pat);
        gen_pattern(&r, &pat, 0);
        const char *p = strbuf_cstr(&pat);
        char e1[512] = "", e2[512] = "";
        go_vm_regexp *vm = go_vm_compile(p, pat.len, e1, sizeof(e1));
        go_regexp *pc = go_regexp_compile(p, e2, sizeof(e2));
        if (!vm || !pc) {
            if (!vm != !pc || strcmp(e1, e2) != 0) {
                TEST_FAIL_AT("pattern %s: vm %s / pcre2 %s", p, vm ? "ok" : e1, pc ? "ok" : e2);
                mismatches++;
            }
            go_vm_free(vm);
            go_regexp_free(pc);
            continue;
        }
        bool skip = known_difference(p);
        for (int j = 0; j < 25; j++) {
            strbuf_reset(&subj);
            int n = (int)(uint32_t)rng_below(&r, 9);
            for (int k = 0; k < n; k++)
                strbuf_puts(&subj, subject_runes[(uint32_t)rng_below(&r, ARRAY_LEN(subject_runes))]);
            int a = go_vm_match(vm, subj.data ? subj.data : "", subj.len);
            char err[256];
            int b = go_regexp_match(pc, subj.data ? subj.data : "", subj.len, err, sizeof(err));
            if (skip) {
                skipped++;
                continue;
            }
            compared++;
            if (a != b && mismatches++ < 20)
                TEST_FAIL_AT("%s ~ \"%s\": vm %d, pcre2 %d (canonical %s)", p, strbuf_cstr(&subj),
                             a, b, go_regexp_pcre2_pattern(pc));
        }
        go_vm_free(vm);
        go_regexp_free(pc);
    }
    printf("  differential: %d comparisons, %d skipped (known differences), %d mismatches\n",
           compared, skipped, mismatches);
    CHECK(compared > 50000);
    CHECK_EQ_INT(mismatches, 0);
    strbuf_free(&pat);
    strbuf_free(&subj);
}

/* A pattern whose DFA has thousands of states: the bounded cache fills,
 * is dropped, and matching finishes on the NFA, with the same answers. */
TEST(vm_dfa_cache_overflow_falls_back) {
    const char *pat = "(?:a|b)*a(?:a|b){12}c";
    char err[512];
    go_vm_regexp *vm = go_vm_compile(pat, strlen(pat), err, sizeof(err));
    go_regexp *pc = go_regexp_compile(pat, err, sizeof(err));
    CHECK(vm && pc);
    if (!vm || !pc) return;
    rng r;
    rng_seed(&r, 7);
    char subject[301];
    int matches = 0;
    for (int i = 0; i < 200; i++) {
        size_t n = 20 + (size_t)rng_below(&r, 280);
        for (size_t k = 0; k < n; k++) subject[k] = "ab"[rng_below(&r, 2)];
        if (rng_below(&r, 2)) subject[n - 1] = 'c';
        subject[n] = '\0';
        int a = go_vm_match(vm, subject, n);
        int b = go_regexp_match(pc, subject, n, err, sizeof(err));
        if (a != b) TEST_FAIL_AT("%s ~ %s: vm %d pcre2 %d", pat, subject, a, b);
        matches += a;
    }
    CHECK(matches > 20);
    size_t resets = 0;
    go_vm_dfa_states(vm, &resets);
    CHECK(resets > 0);
    /* the demo's pattern keeps a handful of states */
    go_vm_regexp *demo = go_vm_compile("node-\\d*[02468]$", 16, err, sizeof(err));
    CHECK(demo != NULL);
    if (demo) {
        CHECK_EQ_INT(go_vm_match(demo, "node-124", 8), 1);
        CHECK_EQ_INT(go_vm_match(demo, "node-123", 8), 0);
        CHECK_EQ_INT(go_vm_match(demo, "node-12x4", 9), 0);
        size_t n = go_vm_dfa_states(demo, &resets);
        CHECK(n > 0 && n < 20);
        CHECK_EQ_INT(resets, 0);
        go_vm_free(demo);
    }
    go_vm_free(vm);
    go_regexp_free(pc);
}

TEST(vm_is_linear_on_pathological_patterns) {
    char err[512];
    static const char *const pats[] = {"(x+x+)+y", "(a|aa)+$b", "(?:a?){30}a{30}b", "(.*)*z"};
    static char subject[20001];
    memset(subject, 'x', 20000);
    for (size_t i = 0; i < ARRAY_LEN(pats); i++) {
        go_vm_regexp *re = go_vm_compile(pats[i], strlen(pats[i]), err, sizeof(err));
        CHECK(re != NULL);
        if (!re) continue;
        if (strchr(pats[i], 'a')) memset(subject, 'a', 20000);
        else memset(subject, 'x', 20000);
        int64_t t0 = time_now_ns();
        if (go_vm_match(re, subject, 20000) != 0) TEST_FAIL_AT("%s matched", pats[i]);
        CHECK(time_now_ns() - t0 < 2 * 1000000000LL);
        go_vm_free(re);
    }
    /* the largest counted repetition Go accepts compiles and runs */
    go_vm_regexp *re = go_vm_compile("(?:a{10}){100}", 14, err, sizeof(err));
    CHECK(re != NULL);
    if (re) {
        CHECK(go_vm_program_size(re) >= 1000);
        memset(subject, 'a', 1000);
        CHECK_EQ_INT(go_vm_match(re, subject, 999), 0);
        CHECK_EQ_INT(go_vm_match(re, subject, 1000), 1);
        go_vm_free(re);
    }
}

/* The literal-prefix fast paths (word compares of 4..8 bytes, longer
 * prefixes in 4-byte steps, the at-position check before the scan): for
 * every prefix length, a subject with the prefix at 0 and later, and each
 * byte of it changed, against a naive search. */
static bool naive_prefix_digit(const char *lit, size_t n, const char *s, size_t len) {
    for (size_t i = 0; i + n < len; i++)
        if (memcmp(s + i, lit, n) == 0 && s[i + n] >= '0' && s[i + n] <= '9') return true;
    return false;
}

TEST(vm_literal_prefix_paths) {
    static const char lit[] = "kubecon-node-zone-x";
    int checked = 0;
    for (size_t n = 1; n < sizeof(lit) - 1; n++) {
        char pat[64], err[256];
        snprintf(pat, sizeof(pat), "%.*s\\d", (int)n, lit);
        go_vm_regexp *re = go_vm_compile(pat, strlen(pat), err, sizeof(err));
        CHECK(re != NULL);
        if (!re) continue;
        for (size_t at = 0; at < 4; at++)
            for (size_t flip = 0; flip <= n; flip++) { /* flip == n: unchanged */
                char subj[64];
                size_t len = 0;
                for (size_t k = 0; k < at; k++) subj[len++] = lit[k % 3]; /* near-miss lead-in */
                memcpy(subj + len, lit, n);
                if (flip < n) subj[len + flip] ^= 0x20;
                len += n;
                subj[len++] = '7';
                int want = naive_prefix_digit(lit, n, subj, len);
                if (go_vm_match(re, subj, len) != want) {
                    TEST_FAIL_AT("pattern %s subject %.*s: want %d", pat, (int)len, subj, want);
                }
                checked++;
            }
        go_vm_free(re);
    }
    CHECK(checked > 500);
}

int main(void) {
    RUN(vm_matches_like_go);
    RUN(vm_errors_are_go_errors);
    RUN(vm_agrees_with_pcre2_on_random_patterns);
    RUN(vm_dfa_cache_overflow_falls_back);
    RUN(vm_is_linear_on_pathological_patterns);
    RUN(vm_literal_prefix_paths);
    return test_summary("go_regexp_vm");
}
