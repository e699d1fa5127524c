/*
 * validation.c — the shared syntax checks of validation.h.
 */
#include <ctype.h>
#include <string.h>

#include "scheduler/validation.h"

static bool is_alnum(char c) { return isascii((unsigned char)c) && isalnum((unsigned char)c); }

bool sl_is_dns1123_subdomain(const char *s, size_t n) {
    if (n == 0 || n > 253) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!ok) return false;
    }
    return is_alnum(s[0]) && is_alnum(s[n - 1]);
}

const char *sl_qualified_name_problem(const char *s) {
    const char *slash = strchr(s, '/');
    const char *name = s;
    if (slash) {
        if (strchr(slash + 1, '/'))
            return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', "
                   "and must start and end with an alphanumeric character, with an optional "
                   "DNS subdomain prefix and '/'";
        size_t plen = (size_t)(slash - s);
        if (plen == 0) return "prefix part must be non-empty";
        if (plen > 253) return "prefix part must be no more than 253 characters";
        if (!sl_is_dns1123_subdomain(s, plen))
            return "prefix part a lowercase RFC 1123 subdomain must consist of lower case "
                   "alphanumeric characters, '-' or '.', and must start and end with an "
                   "alphanumeric character";
        name = slash + 1;
    }
    size_t n = strlen(name);
    if (n == 0) return "name part must be non-empty";
    if (n > 63) return "name part must be no more than 63 characters";
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!(is_alnum(c) || c == '-' || c == '_' || c == '.'))
            return "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
                   "start and end with an alphanumeric character";
    }
    if (!is_alnum(name[0]) || !is_alnum(name[n - 1]))
        return "name part must consist of alphanumeric characters, '-', '_' or '.', and must "
               "start and end with an alphanumeric character";
    return NULL;
}
