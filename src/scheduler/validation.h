/*
 * validation.h — syntax checks that configuration loading (config_*.c) and
 * the plugins' own args decoding (plugins/plugin_args.h) share, worded as
 * Kubernetes' apimachinery validation words them. Plugins may include it:
 * it is part of the scheduler layer they build on.
 */
#ifndef SCHEDLAB_VALIDATION_H
#define SCHEDLAB_VALIDATION_H

#include <stdbool.h>
#include <stddef.h>

/* A qualified name ("[prefix/]name", as label keys and resource names are
 * checked; apimachinery's IsQualifiedName): NULL when valid, otherwise why
 * not ("name part must be no more than 63 characters", ...). */
const char *sl_qualified_name_problem(const char *s);

/* A lowercase RFC 1123 subdomain: lower-case alphanumerics, '-' and '.',
 * alphanumeric at both ends, 1..253 characters. */
bool sl_is_dns1123_subdomain(const char *s, size_t n);

#endif
