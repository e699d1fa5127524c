/*
 * go_regexp.c — Go regexp on PCRE2: the Go-syntax translator
 * (go_regexp_syntax.c) turns the pattern into a canonical PCRE2 pattern,
 * compiled here (see go_regexp.h for the why and the known differences).
 * The translator reports Go's errors; PCRE2 receives only the canonical
 * pattern (UTF, NEVER_BACKSLASH_C, ALT_CIRCUMFLEX, newline LF: the pattern
 * carries every flag itself).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "plugins/go_regexp.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "plugins/go_regexp_syntax.h"

#define GO_MAX_HEIGHT 1000 /* Go's maxHeight: PCRE2 may nest up to 4x that */

/* ------------------------------------------------------------------ */
/* Compile and match                                                    */
/* ------------------------------------------------------------------ */

struct go_regexp {
    pcre2_code *code;
    char *pcre2_pattern;
};

static pthread_once_t contexts_once = PTHREAD_ONCE_INIT;
static pcre2_compile_context *compile_context;
static pcre2_match_context *match_context;
static pthread_key_t match_data_key;

/* Backtracking budget before falling back to the DFA matcher. */
#define MATCH_LIMIT 1000000u

static void free_match_data(void *md) { pcre2_match_data_free(md); }

static void contexts_init(void) {
    compile_context = pcre2_compile_context_create(NULL);
    pcre2_set_newline(compile_context, PCRE2_NEWLINE_LF);
    pcre2_set_parens_nest_limit(compile_context, 4 * GO_MAX_HEIGHT);
    match_context = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(match_context, MATCH_LIMIT);
    pthread_key_create(&match_data_key, free_match_data);
}

go_regexp *go_regexp_compile(const char *pattern, char *err, size_t errsize) {
    pthread_once(&contexts_once, contexts_init);
    char *canonical = go_regexp_translate(pattern, strlen(pattern), err, errsize);
    if (!canonical) return NULL;
    int code;
    PCRE2_SIZE offset;
    pcre2_code *compiled =
        pcre2_compile((PCRE2_SPTR)canonical, strlen(canonical),
                      PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C | PCRE2_ALT_CIRCUMFLEX, &code, &offset,
                      compile_context);
    if (!compiled) {
        char msg[256];
        pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof(msg));
        snprintf(err, errsize, "error parsing regexp: unsupported by this implementation (%s)", msg);
        free(canonical);
        return NULL;
    }
    pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE); /* optional: the interpreter is the fallback */
    go_regexp *re = xcalloc(1, sizeof(*re));
    re->code = compiled;
    re->pcre2_pattern = canonical;
    return re;
}

void go_regexp_free(go_regexp *re) {
    if (!re) return;
    pcre2_code_free(re->code);
    free(re->pcre2_pattern);
    free(re);
}

const char *go_regexp_pcre2_pattern(const go_regexp *re) { return re->pcre2_pattern; }

int go_regexp_match(const go_regexp *re, const char *subject, size_t len, char *err,
                    size_t errsize) {
    pthread_once(&contexts_once, contexts_init);
    pcre2_match_data *md = pthread_getspecific(match_data_key);
    if (!md) {
        md = pcre2_match_data_create(1, NULL);
        if (!md) {
            snprintf(err, errsize, "regexp: out of memory");
            return -1;
        }
        pthread_setspecific(match_data_key, md);
    }
    int rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0, 0, md, match_context);
    if (rc >= 0) return 1; /* 0 = matched, ovector too small for the groups */
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
        rc == PCRE2_ERROR_JIT_STACKLIMIT) {
        /* Pathological backtracking: the DFA matcher cannot blow up. */
        int workspace[4096];
        rc = pcre2_dfa_match(re->code, (PCRE2_SPTR)subject, len, 0, 0, md, NULL, workspace,
                             (PCRE2_SIZE)ARRAY_LEN(workspace));
        if (rc >= 0) return 1;
        if (rc == PCRE2_ERROR_NOMATCH) return 0;
    }
    char msg[256];
    pcre2_get_error_message(rc, (PCRE2_UCHAR *)msg, sizeof(msg));
    snprintf(err, errsize, "regexp: match failed: %s", msg);
    return -1;
}

