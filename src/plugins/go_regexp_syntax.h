/*
 * go_regexp_syntax.h — Go's regexp/syntax parser as a translator: a Go
 * (RE2-syntax) pattern in, Go's exact error text or a canonical pattern out.
 * No engine here and no PCRE2: this part is shared by the native
 * RegexScheduling plugins (go_regexp.c compiles the canonical pattern with
 * PCRE2) and by the wasm32 C guests (go_regexp_vm.c runs it on a linear-time
 * Thompson NFA). It also carries Go's %q (go_quote), which both print.
 *
 * The canonical pattern is a small, fully explicit subset of PCRE2 syntax
 * (every group `(?:..)`, literals [0-9A-Za-z] or `\x{h}`, flags applied per
 * atom: `(?i:X)`, `(?s:.)`, `(?m:^)`, `(?m:$)`, `\A \z \b \B`, classes of
 * ranges and `\p{Name}`/`\P{Name}`, quantifiers `* + ? {n} {n,} {n,m}` with
 * an optional lazy `?`). go_regexp_vm.c documents the grammar it accepts.
 */
#ifndef SCHEDLAB_PLUGINS_GO_REGEXP_SYNTAX_H
#define SCHEDLAB_PLUGINS_GO_REGEXP_SYNTAX_H

#include <stddef.h>
#include <stdint.h>

/* Parses `pattern` (len bytes of UTF-8) as Go's regexp.Compile does. On
 * success returns the canonical pattern (NUL-terminated, malloc'd: free()
 * it). On failure returns NULL and writes Go's error text
 * ("error parsing regexp: <code>: `<expr>`") into err. */
char *go_regexp_translate(const char *pattern, size_t len, char *err, size_t errsize);

/* Decodes one rune at s (s < end) with Go's utf8 acceptance rules. Returns
 * its length, or 0 for an invalid encoding. */
size_t go_utf8_decode(const char *s, const char *end, uint32_t *rune);

/* Go's strconv.Quote (what fmt's %q prints for a string), with snprintf
 * semantics: writes at most bufsize bytes including the NUL (buf may be
 * NULL when bufsize is 0) and returns the full length. Never allocates.
 * Printability of non-ASCII runes follows unicode.IsPrint closely but not
 * exactly (format and private-use characters are escaped; unassigned code
 * points are not). */
size_t go_quote(const char *s, char *buf, size_t bufsize);

#endif
