/*
 * regex_extender.c — the KubeCon NA 2024 regex demo as a scheduler
 * extender in C (the demo's scheduler-extender-regex v1/v2, same answers),
 * served on POST /filter with libmicrohttpd.
 *
 *   build/examples/regex-extender-v1 [--listen ADDR]   (default 127.0.0.1:8000)
 *   build/examples/regex-extender-v2 [--listen ADDR]
 *
 * A pod annotated scheduler.wasmkwokwizardry.io/regex: <re> fits only nodes
 * whose name matches <re> (Go RE2 syntax, unanchored, through the project's
 * Go regexp translator, so the answers equal the RegexScheduling plugin's).
 *   v1 (REGEX_EXTENDER_VERSION 1): reads the full `Nodes` list and answers
 *      {"Nodes": {"items": [matching Node objects]},
 *       "FailedAndUnresolvableNodes": {name: "Node <name> does not match the regex pattern <re>"}}
 *   v2 (nodeCacheCapable): reads `NodeNames` and answers
 *      {"NodeNames": [matching names], "FailedAndUnresolvableNodes": {...}}
 *   no annotation  -> everything passes (the request's Nodes / NodeNames back)
 *   invalid regex  -> {"Error": "Invalid regex pattern: <re>"}
 * Request keys are matched ignoring case, as Go's encoding/json does.
 * ADDR is HOST:PORT; port 0 picks a free port. The bound address is
 * printed as "listening on http://HOST:PORT" once the server is up.
 * SIGINT/SIGTERM stop it.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/base.h"
#include "plugins/go_regexp.h"

#ifndef REGEX_EXTENDER_VERSION
#define REGEX_EXTENDER_VERSION 2
#endif
#define REGEX_ANNOTATION "scheduler.wasmkwokwizardry.io/regex"
#define MAX_BODY (64u << 20)

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

/* Case-insensitive key lookup (last match wins, like encoding/json). */
static json_t *field(const json_t *obj, const char *key) {
    if (!json_is_object(obj)) return NULL;
    json_t *found = NULL;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        if (strcasecmp(k, key) == 0) found = v;
    }
    return found;
}

static int dump_cb(const char *buf, size_t size, void *data) {
    strbuf_append(data, buf, size);
    return 0;
}

static void put_json(strbuf *sb, const json_t *v) {
    if (!v) strbuf_puts(sb, "null");
    else json_dump_callback(v, dump_cb, sb, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* "name":"Node <name> does not match the regex pattern <pattern>", with
 * JSON escaping (the pattern part escaped once per request: `tail`). */
static void put_failure(strbuf *sb, bool *first, const char *name, const strbuf *tail) {
    if (!*first) strbuf_putc(sb, ',');
    *first = false;
    strbuf_put_json_string(sb, name);
    strbuf_puts(sb, ":\"Node ");
    size_t at = sb->len;
    strbuf_put_json_string(sb, name); /* then drop its quotes */
    memmove(sb->data + at, sb->data + at + 1, sb->len - at - 2);
    sb->len -= 2;
    sb->data[sb->len] = 0;
    strbuf_append(sb, tail->data, tail->len);
}

/* A compiled regex per thread for the last pattern seen: pods of one
 * workload usually share their pattern, and compiling (PCRE2 + JIT) costs
 * more than matching hundreds of names. */
typedef struct regex_cache {
    char *pattern;
    go_regexp *re;
} regex_cache;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_free(void *p) {
    regex_cache *cache = p;
    go_regexp_free(cache->re);
    free(cache->pattern);
    free(cache);
}
static void cache_init(void) { pthread_key_create(&cache_key, cache_free); }

static const go_regexp *compile_cached(const char *pattern, char *err, size_t errsize) {
    pthread_once(&cache_once, cache_init);
    regex_cache *cache = pthread_getspecific(cache_key);
    if (!cache) {
        cache = xcalloc(1, sizeof *cache);
        pthread_setspecific(cache_key, cache);
    }
    if (cache->pattern && strcmp(cache->pattern, pattern) == 0) return cache->re;
    go_regexp *re = go_regexp_compile(pattern, err, errsize);
    if (!re) return NULL;
    go_regexp_free(cache->re);
    free(cache->pattern);
    cache->re = re;
    cache->pattern = xstrdup(pattern);
    return re;
}

/* The filter: request JSON in, reply JSON into out. */
static void filter(const json_t *req, strbuf *out) {
    const json_t *pod = field(req, "Pod");
    const json_t *ann = json_object_get(json_object_get(json_object_get(pod, "metadata"), "annotations"),
                                        REGEX_ANNOTATION);
#if REGEX_EXTENDER_VERSION == 1
    const json_t *nodes = field(req, "Nodes");
#else
    const json_t *names = field(req, "NodeNames");
#endif
    if (!json_is_string(ann)) {
#if REGEX_EXTENDER_VERSION == 1
        strbuf_puts(out, "{\"Nodes\":");
        put_json(out, nodes);
#else
        strbuf_puts(out, "{\"NodeNames\":");
        put_json(out, names);
#endif
        strbuf_putc(out, '}');
        return;
    }
    const char *pattern = json_string_value(ann);
    char err[256];
    const go_regexp *re = compile_cached(pattern, err, sizeof err);
    if (!re) {
        char *msg = xasprintf("Invalid regex pattern: %s", pattern);
        strbuf_puts(out, "{\"Error\":");
        strbuf_put_json_string(out, msg);
        strbuf_putc(out, '}');
        free(msg);
        return;
    }
    strbuf failed, tail;
    strbuf_init(&failed);
    strbuf_init(&tail);
    {
        /* ` does not match the regex pattern <pattern>"`, JSON-escaped */
        char *t = xasprintf(" does not match the regex pattern %s", pattern);
        strbuf_put_json_string(&tail, t);
        free(t);
        memmove(tail.data, tail.data + 1, tail.len - 1); /* drop the opening quote */
        tail.len--;
        tail.data[tail.len] = 0;
    }
    bool first_failed = true, first = true;
    size_t i;
    json_t *x;
#if REGEX_EXTENDER_VERSION == 1
    strbuf_puts(out, "{\"Nodes\":{\"items\":[");
    json_array_foreach(field(nodes, "items"), i, x) {
        const char *name = json_string_value(json_object_get(json_object_get(x, "metadata"), "name"));
        if (!name) name = "";
        if (go_regexp_match(re, name, strlen(name), err, sizeof err) == 1) {
            if (!first) strbuf_putc(out, ',');
            first = false;
            put_json(out, x);
        } else {
            put_failure(&failed, &first_failed, name, &tail);
        }
    }
    strbuf_puts(out, "]}");
#else
    strbuf_puts(out, "{\"NodeNames\":[");
    json_array_foreach(names, i, x) {
        const char *name = json_is_string(x) ? json_string_value(x) : "";
        if (go_regexp_match(re, name, strlen(name), err, sizeof err) == 1) {
            if (!first) strbuf_putc(out, ',');
            first = false;
            strbuf_put_json_string(out, name);
        } else {
            put_failure(&failed, &first_failed, name, &tail);
        }
    }
    strbuf_putc(out, ']');
#endif
    strbuf_puts(out, ",\"FailedAndUnresolvableNodes\":{");
    strbuf_append(out, failed.data ? failed.data : "", failed.len);
    strbuf_puts(out, "}}");
    strbuf_free(&failed);
    strbuf_free(&tail);
}

/* jansson allocates every node of a request's tree separately; here each
 * connection thread takes them from its own arena instead, dropped in one
 * go when the request is done (jansson's free is a no-op). */
static _Thread_local arena *request_arena;

static void *arena_json_malloc(size_t size) {
    return request_arena ? arena_alloc(request_arena, size ? size : 1) : malloc(size);
}
static void arena_json_free(void *p) {
    if (!request_arena) free(p);
}

#if REGEX_EXTENDER_VERSION == 2
/* v2's fast path. The scheduler sends {"Pod": {...}, "Nodes": null,
 * "NodeNames": [...]}; with hundreds of names, building a JSON tree for
 * them costs more than matching them. When the request has exactly that
 * shape with plain names (ASCII, no escapes), only the Pod is parsed with
 * jansson and the names are matched and copied in place; any other
 * request takes the general path above (same answers). */
typedef struct span {
    const char *p;
    size_t n;
} span;

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* A string without escapes, ASCII only; returns the position after it. */
static const char *plain_string(const char *p, const char *end, span *out) {
    if (p >= end || *p != '"') return NULL;
    const char *start = ++p;
    const char *close = memchr(start, '"', (size_t)(end - start));
    if (!close) return NULL;
    unsigned bad = 0;
    for (const unsigned char *q = (const unsigned char *)start; q < (const unsigned char *)close; q++)
        bad |= (unsigned)(*q < 0x20) | (unsigned)(*q >= 0x80) | (unsigned)(*q == '\\');
    if (bad) return NULL;
    out->p = start;
    out->n = (size_t)(close - start);
    return close + 1;
}

/* The end of the object starting at p (strings and nesting skipped). */
static const char *skip_object(const char *p, const char *end) {
    int depth = 0;
    for (; p < end; p++) {
        if (*p == '"') {
            for (p++; p < end && *p != '"'; p++)
                if (*p == '\\') p++;
            if (p >= end) return NULL;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            if (--depth == 0) return p + 1;
        }
    }
    return NULL;
}

static bool filter_fast(const char *body, size_t len, strbuf *out) {
    const char *p = body, *end = body + len;
    span pod = {0}, key;
    VEC(span) names = {0};
    bool have_names = false, ok = false;
    p = skip_ws(p, end);
    if (p >= end || *p++ != '{') return false;
    for (;;) {
        p = skip_ws(p, end);
        if (!(p = plain_string(p, end, &key))) goto done;
        p = skip_ws(p, end);
        if (p >= end || *p++ != ':') goto done;
        p = skip_ws(p, end);
        if (key.n == 3 && !strncasecmp(key.p, "Pod", 3)) {
            const char *v = p;
            if (p >= end || *p != '{' || !(p = skip_object(p, end))) goto done;
            pod.p = v;
            pod.n = (size_t)(p - v);
        } else if (key.n == 5 && !strncasecmp(key.p, "Nodes", 5)) {
            if (end - p < 4 || memcmp(p, "null", 4) != 0) goto done;
            p += 4;
        } else if (key.n == 9 && !strncasecmp(key.p, "NodeNames", 9)) {
            if (have_names || p >= end || *p++ != '[') goto done;
            have_names = true;
            p = skip_ws(p, end);
            if (p < end && *p == ']') {
                p++;
            } else {
                for (;;) {
                    span name;
                    p = skip_ws(p, end);
                    if (!(p = plain_string(p, end, &name))) goto done;
                    VEC_PUSH(&names, name);
                    p = skip_ws(p, end);
                    if (p < end && *p == ',') { p++; continue; }
                    if (p < end && *p == ']') { p++; break; }
                    goto done;
                }
            }
        } else {
            goto done;
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') { p++; continue; }
        if (p < end && *p == '}') { p++; break; }
        goto done;
    }
    if (skip_ws(p, end) != end || !pod.p || !have_names) goto done;
    json_t *podj = json_loadb(pod.p, pod.n, 0, NULL);
    if (!podj) goto done;
    ok = true;
    const json_t *ann = json_object_get(json_object_get(json_object_get(podj, "metadata"), "annotations"),
                                        REGEX_ANNOTATION);
    if (!json_is_string(ann)) {
        strbuf_puts(out, "{\"NodeNames\":[");
        for (size_t i = 0; i < names.len; i++) {
            if (i) strbuf_putc(out, ',');
            strbuf_putc(out, '"');
            strbuf_append(out, names.items[i].p, names.items[i].n);
            strbuf_putc(out, '"');
        }
        strbuf_puts(out, "]}");
        json_decref(podj);
        goto done;
    }
    const char *pattern = json_string_value(ann);
    char err[256];
    const go_regexp *re = compile_cached(pattern, err, sizeof err);
    if (!re) {
        char *msg = xasprintf("Invalid regex pattern: %s", pattern);
        strbuf_puts(out, "{\"Error\":");
        strbuf_put_json_string(out, msg);
        strbuf_putc(out, '}');
        free(msg);
        json_decref(podj);
        goto done;
    }
    strbuf tail, failed;
    strbuf_init(&tail);
    strbuf_init(&failed);
    char *t = xasprintf(" does not match the regex pattern %s", pattern);
    strbuf_put_json_string(&tail, t); /* "...": the closing quote is kept */
    free(t);
    strbuf_puts(out, "{\"NodeNames\":[");
    bool first = true, first_failed = true;
    for (size_t i = 0; i < names.len; i++) {
        span nm = names.items[i];
        if (go_regexp_match(re, nm.p, nm.n, err, sizeof err) == 1) {
            if (!first) strbuf_putc(out, ',');
            first = false;
            strbuf_putc(out, '"');
            strbuf_append(out, nm.p, nm.n);
            strbuf_putc(out, '"');
        } else {
            if (!first_failed) strbuf_putc(&failed, ',');
            first_failed = false;
            strbuf_putc(&failed, '"');
            strbuf_append(&failed, nm.p, nm.n);
            strbuf_puts(&failed, "\":\"Node ");
            strbuf_append(&failed, nm.p, nm.n);
            strbuf_append(&failed, tail.data + 1, tail.len - 1);
        }
    }
    strbuf_puts(out, "],\"FailedAndUnresolvableNodes\":{");
    strbuf_append(out, failed.data ? failed.data : "", failed.len);
    strbuf_puts(out, "}}");
    strbuf_free(&tail);
    strbuf_free(&failed);
    json_decref(podj);
done:
    VEC_FREE(&names);
    return ok;
}
#endif

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *body,
                             size_t len, const char *type) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state) {
    (void)cls;
    (void)version;
    strbuf *body = *state;
    if (!body) {
        body = xcalloc(1, sizeof(*body));
        strbuf_init(body);
        *state = body;
        return MHD_YES;
    }
    if (*upload_size) {
        if (body->len + *upload_size <= MAX_BODY) strbuf_append(body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/filter") != 0) return reply(conn, 404, "404 page not found\n", 19, "text/plain");
    if (strcmp(method, "POST") != 0)
        return reply(conn, 405, "Method Not Allowed\n", 19, "text/plain");
    arena mem;
    arena_init(&mem, 64 * 1024);
    request_arena = &mem;
#if REGEX_EXTENDER_VERSION == 2
    {
        strbuf fast;
        strbuf_init(&fast);
        if (filter_fast(body->data ? body->data : "", body->len, &fast)) {
            request_arena = NULL;
            arena_free(&mem);
            enum MHD_Result r = reply(conn, 200, fast.data, fast.len, "application/json");
            strbuf_free(&fast);
            return r;
        }
        strbuf_free(&fast);
    }
#endif
    json_error_t jerr;
    json_t *req = json_loadb(body->data ? body->data : "", body->len, 0, &jerr);
    if (!req) {
        char *msg = xasprintf("{\"detail\":\"invalid JSON: %s\"}", jerr.text);
        enum MHD_Result r = reply(conn, 400, msg, strlen(msg), "application/json");
        free(msg);
        request_arena = NULL;
        arena_free(&mem);
        return r;
    }
    strbuf out;
    strbuf_init(&out);
    filter(req, &out);
    json_decref(req);
    request_arena = NULL;
    arena_free(&mem);
    enum MHD_Result r = reply(conn, 200, out.data, out.len, "application/json");
    strbuf_free(&out);
    return r;
}

static void completed(void *cls, struct MHD_Connection *conn, void **state,
                      enum MHD_RequestTerminationCode code) {
    (void)cls;
    (void)conn;
    (void)code;
    strbuf *body = *state;
    if (body) {
        strbuf_free(body);
        free(body);
    }
    *state = NULL;
}

static void usage(FILE *f) {
    fprintf(f, "usage: regex-extender-v%d [--listen HOST:PORT]   (default 127.0.0.1:8000)\n"
               "Serves the regex demo's scheduler extender (v%d) on POST /filter.\n",
            REGEX_EXTENDER_VERSION, REGEX_EXTENDER_VERSION);
}

int main(int argc, char **argv) {
    const char *listen = "127.0.0.1:8000";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
            listen = argv[++i];
        } else if (!strncmp(argv[i], "--listen=", 9)) {
            listen = argv[i] + 9;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host) {
        fprintf(stderr, "regex-extender: --listen %s: want HOST:PORT\n", listen);
        return 2;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        fprintf(stderr, "regex-extender: --listen %s: want IPv4-ADDRESS:PORT\n", listen);
        return 2;
    }
    json_set_alloc_funcs(arena_json_malloc, arena_json_free);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG,
        (uint16_t)port, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)120, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "regex-extender: cannot listen on %s\n", listen);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("listening on http://%s:%u\n", host, info ? (unsigned)info->port : (unsigned)port);
    fflush(stdout);
    while (!stop) pause();
    MHD_stop_daemon(d);
    return 0;
}
