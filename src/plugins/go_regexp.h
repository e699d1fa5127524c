/*
 * go_regexp.h — Go's regexp (RE2 syntax) on top of PCRE2, for plugins that
 * must behave like a Go plugin calling regexp.Compile / MatchString
 * (RegexScheduling). Only this module knows about PCRE2.
 *
 * Why a translator: PCRE2 accepts much that Go rejects (backreferences,
 * lookaround, atomic groups, possessive quantifiers, recursion,
 * conditionals, \G \K \Z \h \R ...) and reads some shared syntax
 * differently (\v, \s, `$` before a final newline, octal/backreference
 * ambiguity of \12, {,n}). go_regexp_compile therefore parses the pattern
 * the way Go's regexp/syntax parser does — same order of checks, same
 * error codes and offending text — and emits a canonical PCRE2 pattern
 * (every escape spelled \x{..}, flags applied per atom, groups
 * non-capturing) that PCRE2 then compiles (and JIT-compiles when it can).
 *
 * Error messages are Go's, e.g.
 *   error parsing regexp: invalid or unsupported Perl syntax: `(?=`
 *   error parsing regexp: trailing backslash at end of expression: ``
 * Reference: Go 1.22/1.23 regexp/syntax (the RegexScheduling plugin of the
 * KubeCon NA 2024 demo was built with Go 1.22): Unicode class names are
 * exact ("Greek", "Lu", "Any"), not the case-insensitive aliases of Go
 * 1.25.
 *
 * Known differences (documented, all far from node-name matching):
 * Unicode tables are PCRE2's (Unicode 14 in PCRE2 10.42; the Unicode 15
 * scripts Kawi and Nag_Mundari are accepted by the parser but then fail to
 * compile); (?i) does not fold \p{..} classes in PCRE2; Go's limits on
 * expression size and nesting depth are computed on an approximation of
 * Go's parse tree, and the 32M-rune character-class limit is not checked.
 *
 * Matching: an unanchored search, like MatchString. PCRE2 backtracks where
 * RE2 does not; a match that hits PCRE2's match limit is re-run with
 * pcre2_dfa_match, which is polynomial, so pathological patterns stay
 * bounded.
 *
 * Threads: a compiled go_regexp is immutable and may be matched from any
 * number of threads at once; each thread keeps one reusable PCRE2 match
 * block (created on its first match, released at thread exit).
 */
#ifndef SCHEDLAB_PLUGINS_GO_REGEXP_H
#define SCHEDLAB_PLUGINS_GO_REGEXP_H

#include <stdbool.h>
#include <stddef.h>

#include "plugins/go_regexp_syntax.h"

typedef struct go_regexp go_regexp;

/* Compiles `pattern` (NUL-terminated UTF-8) with Go's syntax rules. On
 * failure returns NULL and writes Go's error text ("error parsing regexp:
 * ...") into err. The result is freed with go_regexp_free. */
go_regexp *go_regexp_compile(const char *pattern, char *err, size_t errsize);
void go_regexp_free(go_regexp *re);

/* Go's regexp.MatchString: does `subject` contain a match? Returns 1 or 0,
 * or -1 (message in err) when PCRE2 fails to decide. Thread-safe. */
int go_regexp_match(const go_regexp *re, const char *subject, size_t len, char *err,
                    size_t errsize);

/* The PCRE2 pattern the Go pattern was translated to (for tests and
 * debugging). */
const char *go_regexp_pcre2_pattern(const go_regexp *re);

/* go_quote (Go's %q) lives in go_regexp_syntax.h, included here. */

#endif
