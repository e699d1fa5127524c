/*
 * go_regexp_vm.h — Go's regexp.MatchString without PCRE2 and without
 * backtracking: the Go-syntax translator (go_regexp_syntax.h: same syntax,
 * same error texts) feeds a Thompson NFA simulated over the subject in one
 * pass, O(len(subject) × program size), as RE2 and Go guarantee.
 *
 * Written for the wasm32 C guests (RegexScheduling v1/v2 in guests/), where
 * PCRE2 is not available and wasi-libc's POSIX regcomp has neither Go's
 * syntax nor its semantics; compiled natively too, where a differential test
 * checks it against the PCRE2-based go_regexp on many patterns and subjects.
 *
 * Semantics (Go's): unanchored search; `.` excludes \n unless (?s); `^`/`$`
 * are \A/\z unless (?m); \b \B on ASCII word characters; (?i) folds with
 * Unicode simple case folding orbits (as unicode.SimpleFold), including
 * inside classes and \p{..} classes; \pN / \p{Name} for Go's category and
 * script names; invalid UTF-8 in the subject reads as U+FFFD, one byte at a
 * time. Greediness ((?U), lazy quantifiers) cannot change whether a match
 * exists, so the boolean matcher ignores it.
 *
 * Unicode data (go_unicode_tables, go_fold_orbit) is generated at build time
 * from Perl's Unicode::UCD by scripts/gen-go-unicode.pl (same Unicode
 * version as Debian's PCRE2).
 *
 * Speed: a pattern that starts with an ASCII literal skips ahead with
 * memchr; when that literal alone decides ("kubecon-.*") nothing else runs.
 * Otherwise a lazy DFA (NFA state sets cached per ASCII rune, bounded to
 * 512 states, dropped when full) runs patterns whose only assertions are \A
 * and \z; the rest run on the NFA simulation. All three are linear.
 *
 * Memory: compile allocates the program and the matcher's scratch space
 * (a few words per instruction) once; go_vm_match allocates only while the
 * DFA cache grows (bounded). A
 * compiled regexp is therefore NOT safe for concurrent matches (the guests
 * are single-threaded); compile one per thread.
 */
#ifndef SCHEDLAB_PLUGINS_GO_REGEXP_VM_H
#define SCHEDLAB_PLUGINS_GO_REGEXP_VM_H

#include <stddef.h>
#include <stdint.h>

typedef struct go_rune_range {
    uint32_t lo, hi;
} go_rune_range;

typedef struct go_unicode_table {
    const char *name;
    const go_rune_range *ranges;
    uint32_t count;
} go_unicode_table;

/* Generated tables: sorted by name (strcmp) / by code point. */
extern const go_unicode_table go_unicode_tables[];
extern const size_t go_unicode_table_count;
/* {rune, next rune of its fold orbit}; runes without case partners absent. */
extern const uint32_t go_fold_orbit[][2];
extern const size_t go_fold_orbit_count;

typedef struct go_vm_regexp go_vm_regexp;

/* Compiles a Go pattern (len bytes). On failure returns NULL with Go's error
 * text in err ("error parsing regexp: ..."), exactly as go_regexp_compile. */
go_vm_regexp *go_vm_compile(const char *pattern, size_t len, char *err, size_t errsize);

/* Compiles a canonical pattern as produced by go_regexp_translate. */
go_vm_regexp *go_vm_compile_canonical(const char *canonical, char *err, size_t errsize);

void go_vm_free(go_vm_regexp *re);

/* Go's MatchString: 1 if `subject` contains a match, else 0. */
int go_vm_match(go_vm_regexp *re, const char *subject, size_t len);

/* Number of NFA instructions (for tests and benchmarks). */
size_t go_vm_program_size(const go_vm_regexp *re);

/* Lazy-DFA cache: states built so far (0 when the pattern needs the NFA:
 * \b \B (?m)^ (?m)$), and how many times the bounded cache was dropped. */
size_t go_vm_dfa_states(const go_vm_regexp *re, size_t *resets);

#endif
