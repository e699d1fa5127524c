/*
 * extender.c — the HTTP extender client and upstream's extender loops
 * (extender.h). Bodies are written straight into a string buffer (Pod and
 * Node objects dumped from their raw JSON); replies are parsed with jansson
 * and read with case-insensitive key lookup, as Go's encoding/json does.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "extender/extender.h"
#include "scheduler/framework_internal.h"

struct sl_extender {
    char *name;                   /* urlPrefix */
    char *filter_url, *prioritize_url, *preempt_url, *bind_url;
    char *filter_verb, *prioritize_verb, *preempt_verb, *bind_verb;
    int64_t weight;
    int64_t timeout_ms;
    bool node_cache_capable, ignorable, https;
    uint32_t nmanaged;
    char **managed;
    /* TLS */
    bool verify;
    char *ca_file, *cert_file, *key_file;
    char *ca_data, *cert_data, *key_data; /* decoded PEM */
    size_t ca_len, cert_len, key_len;
    char *connect_to;             /* serverName: "name:port:host:port" */
    const char *temp_files[3];    /* *Data written out (unlinked on free) */
    uint32_t ntemp_files;
    char *server_name, *url_host;
    /* idle curl handles */
    pthread_mutex_t lock;
    VEC(CURL *) idle;
    VEC(strbuf) spare;            /* request/reply buffers kept between calls */
    atomic_uint_fast64_t calls;
    atomic_int_fast64_t total_ns;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

/* ------------------------------------------------------------------ */
/* Construction                                                         */
/* ------------------------------------------------------------------ */

static char *verb_url(const char *prefix, const char *verb) {
    return verb ? xasprintf("%s/%s", prefix, verb) : NULL;
}

static int b64_value(int ch) {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+' || ch == '-') return 62;
    if (ch == '/' || ch == '_') return 63;
    return -1;
}

/* []byte fields are base64 in the config (Go's encoding/json). */
static char *b64_decode(const char *s, size_t *len) {
    size_t n = strlen(s);
    char *out = xmalloc(n / 4 * 3 + 4);
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0) {
            if (s[i] == '=' || s[i] == '\n' || s[i] == '\r' || s[i] == ' ') continue;
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[k] = 0;
    *len = k;
    return out;
}

static const char *tls_string(const json_t *tls, const char *key) {
    const char *s = json_string_value(json_object_get(tls, key));
    return s && *s ? s : NULL;
}

static bool setup_tls(sl_extender *e, const sl_extender_config *cfg, char *err, size_t errsize) {
    const json_t *tls = cfg->raw ? json_object_get(cfg->raw, "tlsConfig") : NULL;
    bool insecure = tls && json_is_true(json_object_get(tls, "insecure"));
    const char *ca_file = tls ? tls_string(tls, "caFile") : NULL;
    const char *ca_data = tls ? tls_string(tls, "caData") : NULL;
    const char *cert_data = tls ? tls_string(tls, "certData") : NULL;
    const char *key_data = tls ? tls_string(tls, "keyData") : NULL;
    /* upstream makeTransport: HTTPS without a CA means no verification. */
    if (cfg->enable_https && !ca_file && !ca_data) insecure = true;
    e->verify = !insecure;
    if (!tls) return true;
    struct {
        const char *data;
        char **out;
        size_t *len;
        const char *field;
    } blobs[] = {{ca_data, &e->ca_data, &e->ca_len, "caData"},
                 {cert_data, &e->cert_data, &e->cert_len, "certData"},
                 {key_data, &e->key_data, &e->key_len, "keyData"}};
    for (size_t i = 0; i < ARRAY_LEN(blobs); i++) {
        if (!blobs[i].data) continue;
        *blobs[i].out = b64_decode(blobs[i].data, blobs[i].len);
        if (!*blobs[i].out) {
            snprintf(err, errsize, "extender %s: tlsConfig.%s: illegal base64 data", e->name,
                     blobs[i].field);
            return false;
        }
    }
    /* libcurl takes in-memory certificates (*_BLOB) only with some TLS
     * backends (not GnuTLS in 7.88): the decoded data go to private
     * temporary files instead, removed by sl_extender_free. */
    struct {
        char *data;
        size_t len;
        char **file;
    } spill[] = {{e->ca_data, e->ca_len, &e->ca_file},
                 {e->cert_data, e->cert_len, &e->cert_file},
                 {e->key_data, e->key_len, &e->key_file}};
    for (size_t i = 0; i < ARRAY_LEN(spill); i++) {
        if (!spill[i].data) continue;
        char path[] = "/tmp/schedlab-extender-tls-XXXXXX";
        int fd = mkstemp(path);
        bool ok = fd >= 0 && write(fd, spill[i].data, spill[i].len) == (ssize_t)spill[i].len;
        if (fd >= 0) close(fd);
        if (!ok) {
            if (fd >= 0) unlink(path);
            snprintf(err, errsize, "extender %s: tlsConfig: cannot write a temporary file", e->name);
            return false;
        }
        *spill[i].file = xstrdup(path);
        e->temp_files[e->ntemp_files++] = *spill[i].file;
    }
    const char *f;
    if (!e->ca_data && (f = tls_string(tls, "caFile"))) e->ca_file = xstrdup(f);
    if (!e->cert_data && (f = tls_string(tls, "certFile"))) e->cert_file = xstrdup(f);
    if (!e->key_data && (f = tls_string(tls, "keyFile"))) e->key_file = xstrdup(f);
    const char *files[] = {e->ca_file, e->cert_file, e->key_file};
    for (size_t i = 0; i < ARRAY_LEN(files); i++) {
        if (files[i] && access(files[i], R_OK) != 0) {
            snprintf(err, errsize, "extender %s: tlsConfig: cannot read %s", e->name, files[i]);
            return false;
        }
    }
    if ((f = tls_string(tls, "serverName"))) {
        /* Connect to the URL's host but speak TLS (SNI, verification) to
         * serverName: the URL host becomes serverName, CONNECT_TO maps it
         * back to the real address. */
        CURLU *u = curl_url();
        char *host = NULL, *port = NULL;
        if (curl_url_set(u, CURLUPART_URL, e->name, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
            e->connect_to = xasprintf("%s:%s:%s:%s", f, port, host, port);
            e->server_name = xstrdup(f);
            e->url_host = xstrdup(host);
        }
        curl_free(host);
        curl_free(port);
        curl_url_cleanup(u);
    }
    return true;
}

/* The URL with its host replaced by serverName (see setup_tls). */
static char *rewrite_host(const sl_extender *e, char *url) {
    if (!url || !e->server_name) return url;
    CURLU *u = curl_url();
    char *out = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_HOST, e->server_name, 0) == CURLUE_OK) {
        char *s = NULL;
        if (curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK) {
            out = xstrdup(s);
            curl_free(s);
        }
    }
    curl_url_cleanup(u);
    if (!out) return url;
    free(url);
    return out;
}

sl_extender *sl_extender_new(const sl_extender_config *cfg, char *err, size_t errsize) {
    pthread_once(&curl_once, curl_init_once);
    sl_extender *e = xcalloc(1, sizeof(*e));
    e->name = xstrdup(cfg->url_prefix);
    e->filter_verb = cfg->filter_verb ? xstrdup(cfg->filter_verb) : NULL;
    e->prioritize_verb = cfg->prioritize_verb ? xstrdup(cfg->prioritize_verb) : NULL;
    e->preempt_verb = cfg->preempt_verb ? xstrdup(cfg->preempt_verb) : NULL;
    e->bind_verb = cfg->bind_verb ? xstrdup(cfg->bind_verb) : NULL;
    e->weight = cfg->weight;
    e->timeout_ms = cfg->http_timeout_ms > 0 ? cfg->http_timeout_ms : 5000;
    e->node_cache_capable = cfg->node_cache_capable;
    e->ignorable = cfg->ignorable;
    e->https = cfg->enable_https;
    e->nmanaged = cfg->nmanaged;
    e->managed = cfg->nmanaged ? xcalloc(cfg->nmanaged, sizeof(char *)) : NULL;
    for (uint32_t i = 0; i < cfg->nmanaged; i++) e->managed[i] = xstrdup(cfg->managed_resources[i].name);
    pthread_mutex_init(&e->lock, NULL);
    atomic_init(&e->calls, 0);
    atomic_init(&e->total_ns, 0);
    if (!setup_tls(e, cfg, err, errsize)) {
        sl_extender_free(e);
        return NULL;
    }
    e->filter_url = rewrite_host(e, verb_url(e->name, e->filter_verb));
    e->prioritize_url = rewrite_host(e, verb_url(e->name, e->prioritize_verb));
    e->preempt_url = rewrite_host(e, verb_url(e->name, e->preempt_verb));
    e->bind_url = rewrite_host(e, verb_url(e->name, e->bind_verb));
    return e;
}

void sl_extender_free(sl_extender *e) {
    if (!e) return;
    for (size_t i = 0; i < e->idle.len; i++) curl_easy_cleanup(e->idle.items[i]);
    VEC_FREE(&e->idle);
    for (uint32_t i = 0; i < e->ntemp_files; i++) unlink(e->temp_files[i]);
    for (size_t i = 0; i < e->spare.len; i++) strbuf_free(&e->spare.items[i]);
    VEC_FREE(&e->spare);
    pthread_mutex_destroy(&e->lock);
    for (uint32_t i = 0; i < e->nmanaged; i++) free(e->managed[i]);
    free(e->managed);
    char *strings[] = {e->name, e->filter_url, e->prioritize_url, e->preempt_url, e->bind_url,
                       e->filter_verb, e->prioritize_verb, e->preempt_verb, e->bind_verb,
                       e->ca_file, e->cert_file, e->key_file, e->ca_data, e->cert_data,
                       e->key_data, e->connect_to, e->server_name, e->url_host};
    for (size_t i = 0; i < ARRAY_LEN(strings); i++) free(strings[i]);
    free(e);
}

const char *sl_extender_name(const sl_extender *e) { return e->name; }
bool sl_extender_is_ignorable(const sl_extender *e) { return e->ignorable; }
bool sl_extender_is_binder(const sl_extender *e) { return e->bind_verb != NULL; }
bool sl_extender_is_filter(const sl_extender *e) { return e->filter_verb != NULL; }
bool sl_extender_is_prioritizer(const sl_extender *e) { return e->prioritize_verb != NULL; }
bool sl_extender_supports_preemption(const sl_extender *e) { return e->preempt_verb != NULL; }
bool sl_extender_node_cache_capable(const sl_extender *e) { return e->node_cache_capable; }

void sl_extender_stats(const sl_extender *e, uint64_t *calls, int64_t *total_ns) {
    *calls = atomic_load(&e->calls);
    *total_ns = atomic_load(&e->total_ns);
}

static bool resources_managed(const sl_extender *e, const k8s_resources *r) {
    for (uint32_t i = 0; i < r->nscalar; i++)
        for (uint32_t j = 0; j < e->nmanaged; j++)
            if (strcmp(r->scalar[i].name, e->managed[j]) == 0) return true;
    return false;
}

bool sl_extender_is_interested(const sl_extender *e, const sl_pod_info *pod) {
    if (e->nmanaged == 0) return true;
    const k8s_pod *p = pod->pod;
    for (uint32_t i = 0; i < p->ncontainers; i++)
        if (resources_managed(e, &p->containers[i].requests) ||
            resources_managed(e, &p->containers[i].limits))
            return true;
    for (uint32_t i = 0; i < p->ninit_containers; i++)
        if (resources_managed(e, &p->init_containers[i].requests) ||
            resources_managed(e, &p->init_containers[i].limits))
            return true;
    return false;
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                 */
/* ------------------------------------------------------------------ */

/* Replies larger than this are refused (the call fails) rather than
 * buffered: a broken extender must not exhaust the scheduler's memory. */
#define MAX_REPLY_BYTES ((size_t)256 << 20)

static size_t on_body(char *data, size_t size, size_t nmemb, void *user) {
    strbuf *sb = user;
    if (sb->len + size * nmemb > MAX_REPLY_BYTES) return 0; /* CURLE_WRITE_ERROR */
    strbuf_append(sb, data, size * nmemb);
    return size * nmemb;
}

static CURL *take_handle(sl_extender *e) {
    pthread_mutex_lock(&e->lock);
    CURL *h = e->idle.len ? e->idle.items[--e->idle.len] : NULL;
    pthread_mutex_unlock(&e->lock);
    if (h) return h;
    h = curl_easy_init();
    if (!h) return NULL;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)e->timeout_ms);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!e->verify) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (e->ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, e->ca_file);
    if (e->cert_file) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, e->cert_file);
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (e->key_file) {
        curl_easy_setopt(h, CURLOPT_SSLKEY, e->key_file);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
    }
    return h;
}

/* Request and reply buffers are reused between calls: a 5,000-node
 * cluster makes them tens of KB, and allocating them per call makes
 * malloc trim and regrow the heap every pod. */
static void buf_take(sl_extender *e, strbuf *sb) {
    pthread_mutex_lock(&e->lock);
    if (e->spare.len) *sb = e->spare.items[--e->spare.len];
    else strbuf_init(sb);
    pthread_mutex_unlock(&e->lock);
    strbuf_reset(sb);
}

static void buf_give(sl_extender *e, strbuf *sb) {
    if (sb->cap > ((size_t)4 << 20) || e->spare.len >= 16) {
        strbuf_free(sb);
        return;
    }
    pthread_mutex_lock(&e->lock);
    VEC_PUSH(&e->spare, *sb);
    pthread_mutex_unlock(&e->lock);
}

static void give_back(sl_extender *e, CURL *h) {
    pthread_mutex_lock(&e->lock);
    VEC_PUSH(&e->idle, h);
    pthread_mutex_unlock(&e->lock);
}

/* upstream send(): POST the body, 200 or an error (message in err). */
static bool http_post(sl_extender *e, const char *verb, const char *url, const strbuf *body,
                      strbuf *reply, char *err, size_t errsize) {
    int64_t t0 = time_now_ns();
    CURL *h = take_handle(e);
    if (!h) {
        snprintf(err, errsize, "Post \"%s\": cannot create an HTTP client", url);
        return false;
    }
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Expect:");
    struct curl_slist *connect_to = NULL;
    if (e->connect_to) connect_to = curl_slist_append(NULL, e->connect_to);
    char curl_err[CURL_ERROR_SIZE];
    curl_err[0] = 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data ? body->data : "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, reply);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_CONNECT_TO, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(headers);
    curl_slist_free_all(connect_to);
    bool ok = false;
    if (rc != CURLE_OK) {
        /* Go: `Post "<url>": <transport error>`. The handle may hold a
         * broken connection: drop it. */
        if (rc == CURLE_WRITE_ERROR)
            snprintf(err, errsize, "Post \"%s\": reply larger than %zu MiB", url, MAX_REPLY_BYTES >> 20);
        else
            snprintf(err, errsize, "Post \"%s\": %s", url, curl_err[0] ? curl_err : curl_easy_strerror(rc));
        curl_easy_cleanup(h);
        h = NULL;
    } else if (code != 200) {
        snprintf(err, errsize, "failed %s with extender at URL %s, code %ld", verb, url, code);
    } else {
        ok = true;
    }
    if (h) give_back(e, h);
    atomic_fetch_add(&e->calls, 1);
    atomic_fetch_add(&e->total_ns, time_now_ns() - t0);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Request bodies                                                       */
/* ------------------------------------------------------------------ */

static int dump_to_strbuf(const char *buf, size_t size, void *data) {
    strbuf_append(data, buf, size);
    return 0;
}

static void put_json(strbuf *sb, const json_t *v) {
    if (!v) {
        strbuf_puts(sb, "null");
        return;
    }
    if (!k8s_json_write(sb, v)) json_dump_callback(v, dump_to_strbuf, sb, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void put_pod(strbuf *sb, const sl_pod_info *pod) {
    const k8s_pod *p = pod->pod;
    if (p->raw) {
        put_json(sb, p->raw);
        return;
    }
    strbuf_puts(sb, "{\"metadata\":{\"name\":");
    strbuf_put_json_string(sb, p->name);
    strbuf_puts(sb, ",\"namespace\":");
    strbuf_put_json_string(sb, p->namespace_);
    strbuf_puts(sb, ",\"uid\":");
    strbuf_put_json_string(sb, p->uid);
    strbuf_puts(sb, "}}");
}

static void put_node(strbuf *sb, const k8s_node *n) {
    if (n->raw) {
        put_json(sb, n->raw);
        return;
    }
    strbuf_puts(sb, "{\"metadata\":{\"name\":");
    strbuf_put_json_string(sb, n->name);
    strbuf_puts(sb, "}}");
}

/* A JSON string; names rarely need escapes, so those that do not are
 * copied in one go. */
static void put_string(strbuf *sb, const char *s) {
    size_t n = strlen(s);
    unsigned special = 0;
    for (const unsigned char *q = (const unsigned char *)s; q < (const unsigned char *)s + n; q++)
        special |= (unsigned)(*q < 0x20) | (unsigned)(*q == '"') | (unsigned)(*q == '\\');
    if (special) {
        strbuf_put_json_string(sb, s);
        return;
    }
    strbuf_putc(sb, '"');
    strbuf_append(sb, s, n);
    strbuf_putc(sb, '"');
}

/* Where each request node's name sits in the request body (offset of its
 * first byte, length), so that a reply's names are compared with bytes
 * still in cache rather than with the node objects. */
typedef struct request_names {
    const char *base;             /* the body */
    uint32_t *offset, *length;
} request_names;

/* ExtenderArgs {Pod, Nodes, NodeNames}. With `names` (nodeCacheCapable
 * only) the names' places are recorded; a name that needed escapes gets
 * length UINT32_MAX (never equal to a reply's name: looked up instead). */
static void put_node_names(strbuf *sb, sl_node_info *const *nodes, uint32_t n,
                           request_names *names) {
    for (uint32_t i = 0; i < n; i++) {
        if (i) strbuf_putc(sb, ',');
        size_t at = sb->len;
        put_string(sb, nodes[i]->node->name);
        if (names) {
            names->offset[i] = (uint32_t)(at + 1);
            names->length[i] = (uint32_t)(sb->len - at - 2);
            if (memchr(sb->data + at + 1, '\\', sb->len - at - 2)) names->length[i] = UINT32_MAX;
        }
    }
}

static void put_extender_args(strbuf *sb, const sl_extender *e, const sl_pod_info *pod,
                              sl_node_info *const *nodes, uint32_t n, request_names *names) {
    strbuf_puts(sb, "{\"Pod\":");
    put_pod(sb, pod);
    if (e->node_cache_capable) {
        strbuf_puts(sb, ",\"Nodes\":null,\"NodeNames\":[");
        put_node_names(sb, nodes, n, names);
        strbuf_puts(sb, "]}");
    } else {
        strbuf_puts(sb, ",\"Nodes\":{\"metadata\":{},\"items\":[");
        for (uint32_t i = 0; i < n; i++) {
            if (i) strbuf_putc(sb, ',');
            put_node(sb, nodes[i]->node);
        }
        strbuf_puts(sb, "]},\"NodeNames\":null}");
    }
}

/* ------------------------------------------------------------------ */
/* Reply decoding (Go encoding/json rules)                              */
/* ------------------------------------------------------------------ */

/* The value of the last key equal to `key` ignoring case; NULL if none. */
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

static const char *json_kind(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER:
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "bool";
    default: return "null";
    }
}

static bool type_error(const json_t *v, const char *where, const char *go_type, char *err,
                       size_t errsize) {
    if (json_is_number(v))
        snprintf(err, errsize, "json: cannot unmarshal number into Go struct field %s of type %s",
                 where, go_type);
    else
        snprintf(err, errsize, "json: cannot unmarshal %s into Go struct field %s of type %s",
                 json_kind(v), where, go_type);
    return false;
}

/* A Go string field: null or a string. */
static bool read_string(const json_t *v, const char *where, const char **out, char *err,
                        size_t errsize) {
    *out = NULL;
    if (!v || json_is_null(v)) return true;
    if (!json_is_string(v)) return type_error(v, where, "string", err, errsize);
    *out = json_string_value(v);
    return true;
}

/* A map[string]string: null or an object of strings. */
static bool check_string_map(const json_t *v, const char *where, char *err, size_t errsize) {
    if (!v || json_is_null(v)) return true;
    if (!json_is_object(v)) return type_error(v, where, "map[string]string", err, errsize);
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
        if (!json_is_string(x) && !json_is_null(x)) return type_error(x, where, "string", err, errsize);
    }
    return true;
}

/* []string: null or an array of strings. */
static bool check_string_list(const json_t *v, const char *where, char *err, size_t errsize) {
    if (!v || json_is_null(v)) return true;
    if (!json_is_array(v)) return type_error(v, where, "[]string", err, errsize);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        if (!json_is_string(x) && !json_is_null(x)) return type_error(x, where, "string", err, errsize);
    }
    return true;
}

/* A v1.NodeList: null or {items: [Node...]}; each item's metadata.name. */
static bool check_node_list(const json_t *v, const char *where, char *err, size_t errsize) {
    if (!v || json_is_null(v)) return true;
    if (!json_is_object(v)) return type_error(v, where, "v1.NodeList", err, errsize);
    const json_t *items = field(v, "items");
    if (!items || json_is_null(items)) return true;
    if (!json_is_array(items)) return type_error(items, "NodeList.items", "[]v1.Node", err, errsize);
    size_t i;
    json_t *x;
    json_array_foreach(items, i, x) {
        if (json_is_null(x)) continue;
        if (!json_is_object(x)) return type_error(x, "NodeList.items", "v1.Node", err, errsize);
        const json_t *meta = field(x, "metadata");
        if (meta && !json_is_null(meta) && !json_is_object(meta))
            return type_error(meta, "Node.metadata", "v1.ObjectMeta", err, errsize);
        const char *name;
        if (!read_string(field(meta, "name"), "ObjectMeta.name", &name, err, errsize)) return false;
    }
    return true;
}

static const char *node_list_item_name(const json_t *item) {
    const char *name = json_string_value(field(field(item, "metadata"), "name"));
    return name ? name : "";
}

static bool check_filter_result(const json_t *r, char *err, size_t errsize) {
    if (json_is_null(r)) return true;
    if (!json_is_object(r))
        return type_error(r, "ExtenderFilterResult", "v1.ExtenderFilterResult", err, errsize);
    const char *s;
    return check_node_list(field(r, "Nodes"), "ExtenderFilterResult.Nodes", err, errsize) &&
           check_string_list(field(r, "NodeNames"), "ExtenderFilterResult.NodeNames", err, errsize) &&
           check_string_map(field(r, "FailedNodes"), "ExtenderFilterResult.FailedNodes", err, errsize) &&
           check_string_map(field(r, "FailedAndUnresolvableNodes"),
                            "ExtenderFilterResult.FailedAndUnresolvableNodes", err, errsize) &&
           read_string(field(r, "Error"), "ExtenderFilterResult.Error", &s, err, errsize);
}

/* int64 as Go decodes it: an integer literal (no fraction or exponent). */
static bool read_int64(const json_t *v, const char *where, int64_t *out, char *err, size_t errsize) {
    *out = 0;
    if (!v || json_is_null(v)) return true;
    if (!json_is_integer(v)) return type_error(v, where, "int64", err, errsize);
    *out = json_integer_value(v);
    return true;
}

static bool check_priority_list(const json_t *r, char *err, size_t errsize) {
    if (json_is_null(r)) return true;
    if (!json_is_array(r)) return type_error(r, "HostPriorityList", "v1.HostPriorityList", err, errsize);
    size_t i;
    json_t *x;
    json_array_foreach(r, i, x) {
        if (json_is_null(x)) continue;
        if (!json_is_object(x)) return type_error(x, "HostPriorityList", "v1.HostPriority", err, errsize);
        const char *host;
        int64_t score;
        if (!read_string(field(x, "Host"), "HostPriority.Host", &host, err, errsize) ||
            !read_int64(field(x, "Score"), "HostPriority.Score", &score, err, errsize))
            return false;
    }
    return true;
}

static bool check_binding_result(const json_t *r, char *err, size_t errsize) {
    if (json_is_null(r)) return true;
    if (!json_is_object(r))
        return type_error(r, "ExtenderBindingResult", "v1.ExtenderBindingResult", err, errsize);
    const char *s;
    return read_string(field(r, "Error"), "ExtenderBindingResult.Error", &s, err, errsize);
}

/* NodeNameToMetaVictims: {node: {Pods: [{UID}], NumPDBViolations}}. */
static bool check_preemption_result(const json_t *r, char *err, size_t errsize) {
    if (json_is_null(r)) return true;
    if (!json_is_object(r))
        return type_error(r, "ExtenderPreemptionResult", "v1.ExtenderPreemptionResult", err, errsize);
    const json_t *m = field(r, "NodeNameToMetaVictims");
    if (!m || json_is_null(m)) return true;
    if (!json_is_object(m))
        return type_error(m, "ExtenderPreemptionResult.NodeNameToMetaVictims",
                          "map[string]*v1.MetaVictims", err, errsize);
    const char *node;
    json_t *victims;
    json_object_foreach((json_t *)m, node, victims) {
        if (json_is_null(victims)) continue;
        if (!json_is_object(victims)) return type_error(victims, "MetaVictims", "v1.MetaVictims", err, errsize);
        const json_t *pods = field(victims, "Pods");
        int64_t pdb;
        if (!read_int64(field(victims, "NumPDBViolations"), "MetaVictims.NumPDBViolations", &pdb, err,
                        errsize))
            return false;
        if (!pods || json_is_null(pods)) continue;
        if (!json_is_array(pods)) return type_error(pods, "MetaVictims.Pods", "[]*v1.MetaPod", err, errsize);
        size_t i;
        json_t *p;
        json_array_foreach(pods, i, p) {
            if (json_is_null(p)) continue;
            if (!json_is_object(p)) return type_error(p, "MetaVictims.Pods", "v1.MetaPod", err, errsize);
            const char *uid;
            if (!read_string(field(p, "UID"), "MetaPod.UID", &uid, err, errsize)) return false;
        }
    }
    return true;
}

/* Parses the first JSON value of the body (json.Decoder.Decode) and checks
 * it against the verb's result type. */
static json_t *decode_reply(const char *verb, const char *body, size_t len, char *err, size_t errsize) {
    json_error_t jerr;
    json_t *r = json_loadb(body ? body : "", len, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL, &jerr);
    if (!r) {
        snprintf(err, errsize, "decoding the %s reply: %s", verb, jerr.text);
        return NULL;
    }
    bool ok;
    if (strcmp(verb, "filter") == 0) ok = check_filter_result(r, err, errsize);
    else if (strcmp(verb, "prioritize") == 0) ok = check_priority_list(r, err, errsize);
    else if (strcmp(verb, "bind") == 0) ok = check_binding_result(r, err, errsize);
    else ok = check_preemption_result(r, err, errsize);
    if (!ok) {
        json_decref(r);
        return NULL;
    }
    return r;
}

bool sl_extender_check_reply(const char *verb, const char *body, size_t len, char *err,
                             size_t errsize) {
    json_t *r = decode_reply(verb, body, len, err, errsize);
    json_decref(r);
    return r != NULL;
}

static const char *arena_strndup_cycle(sl_cycle *c, const char *s, size_t n) {
    char *p = sl_cycle_alloc(c, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static const char *cycle_strdup(sl_cycle *c, const char *s) {
    size_t n = strlen(s);
    char *p = sl_cycle_alloc(c, n + 1);
    memcpy(p, s, n + 1);
    return p;
}

/* The nodes of a request, found by name through the snapshot's index:
 * position[node index] = 1 + position in the request (0 = not asked). No
 * per-name allocation, unlike a map of the names. */
typedef struct node_set {
    const sl_snapshot *snap;
    sl_node_info *const *nodes;
    uint32_t *position;
    uint32_t capacity;
} node_set;

static size_t node_set_size(const sl_snapshot *snap, sl_node_info *const *nodes, uint32_t n) {
    uint32_t cap = snap ? sl_snapshot_num_nodes(snap) : 0;
    for (uint32_t i = 0; i < n; i++)
        if (nodes[i]->index >= cap) cap = nodes[i]->index + 1;
    return ((size_t)cap + 1) * sizeof(uint32_t);
}

static void node_set_init(node_set *set, const sl_snapshot *snap, sl_node_info *const *nodes,
                          uint32_t n, void *mem) {
    set->snap = snap;
    set->nodes = nodes;
    set->position = mem;
    set->capacity = (uint32_t)(node_set_size(snap, nodes, n) / sizeof(uint32_t)) - 1;
    memset(mem, 0, ((size_t)set->capacity + 1) * sizeof(uint32_t));
    for (uint32_t i = 0; i < n; i++) set->position[nodes[i]->index] = i + 1;
}

/* The request node named [s, s+len) when it is at or just after *cursor
 * (replies usually list nodes in request order), else NULL. */
static sl_node_info *node_near_cursor(sl_node_info *const *nodes, const char *const *name_at,
                                      const uint32_t *lens, uint32_t n, uint32_t *cursor,
                                      const char *s, size_t len) {
    for (uint32_t k = 0; k < 4 && *cursor + k < n; k++) {
        const char *name = name_at[*cursor + k];
        if (lens[*cursor + k] == len && memcmp(name, s, len) == 0) {
            *cursor += k + 1;
            return nodes[*cursor - 1];
        }
    }
    return NULL;
}

/* The request's node named `name`, NULL if it was not asked. */
static sl_node_info *node_set_find(const node_set *set, const char *name) {
    const sl_node_info *ni = set->snap ? sl_snapshot_node(set->snap, name) : NULL;
    if (!ni || ni->index >= set->capacity) return NULL;
    uint32_t at = set->position[ni->index];
    if (!at) return NULL;
    sl_node_info *asked = set->nodes[at - 1];
    return strcmp(asked->node->name, name) == 0 ? asked : NULL;
}

/* ------------------------------------------------------------------ */
/* Verbs                                                                */
/* ------------------------------------------------------------------ */

/* One POST + decode. Returns the decoded reply or NULL (err set). */
static json_t *exchange(sl_extender *e, const char *kind, const char *verb, const char *url,
                        const strbuf *body, char *err, size_t errsize) {
    strbuf reply;
    buf_take(e, &reply);
    json_t *r = NULL;
    if (http_post(e, verb, url, body, &reply, err, errsize))
        r = decode_reply(kind, reply.data, reply.len, err, errsize);
    buf_give(e, &reply);
    return r;
}

static void set_answer(json_t **answer, json_t *r) {
    if (answer) *answer = r ? json_incref(r) : NULL;
}

static sl_status filter_interpret(sl_extender *e, sl_cycle *c, const json_t *r,
                                  sl_node_info *const *nodes, uint32_t n,
                                  sl_extender_filter_result *out);
typedef struct request_names request_names;
static bool fast_filter_reply(sl_extender *e, sl_cycle *c, sl_node_info *const *nodes, uint32_t n,
                              const request_names *names, const char *body, size_t len,
                              sl_extender_filter_result *out, sl_status *st);

sl_status sl_extender_filter(sl_extender *e, sl_cycle *c, const sl_pod_info *pod,
                             sl_node_info *const *nodes, uint32_t n,
                             sl_extender_filter_result *out, json_t **answer) {
    memset(out, 0, sizeof(*out));
    set_answer(answer, NULL);
    out->feasible = sl_cycle_alloc(c, (n ? n : 1) * sizeof(sl_node_info *));
    if (!e->filter_verb) {
        memcpy(out->feasible, nodes, n * sizeof(sl_node_info *));
        out->nfeasible = n;
        return SL_STATUS_SUCCESS;
    }
    strbuf body, reply;
    buf_take(e, &body);
    buf_take(e, &reply);
    request_names names = {NULL, NULL, NULL};
    if (e->node_cache_capable && !answer) {
        names.offset = sl_cycle_alloc(c, (n ? n : 1) * sizeof(uint32_t));
        names.length = sl_cycle_alloc(c, (n ? n : 1) * sizeof(uint32_t));
    }
    put_extender_args(&body, e, pod, nodes, n, names.offset ? &names : NULL);
    names.base = body.data;
    char err[1024];
    bool ok = http_post(e, e->filter_verb, e->filter_url, &body, &reply, err, sizeof err);
    sl_status st;
    if (!ok) {
        st = sl_status_newf(c, SL_ERROR, "%s", err);
    } else if (!answer && fast_filter_reply(e, c, nodes, n, names.offset ? &names : NULL, reply.data,
                                            reply.len, out, &st)) {
        /* read without building a JSON tree */
    } else {
        json_t *r = decode_reply("filter", reply.data, reply.len, err, sizeof err);
        if (!r) {
            st = sl_status_newf(c, SL_ERROR, "%s", err);
        } else {
            set_answer(answer, r);
            st = filter_interpret(e, c, r, nodes, n, out);
            json_decref(r);
        }
    }
    buf_give(e, &body);
    buf_give(e, &reply);
    return st;
}

/* How upstream reads an ExtenderFilterResult (reference §4.2). */
static sl_status filter_interpret(sl_extender *e, sl_cycle *c, const json_t *r,
                                  sl_node_info *const *nodes, uint32_t n,
                                  sl_extender_filter_result *out) {
    sl_status st = SL_STATUS_SUCCESS;
    const char *error = json_string_value(field(r, "Error"));
    if (error && *error) {
        st = sl_status_newf(c, SL_ERROR, "%s", error);
        goto done;
    }
    node_set asked;
    node_set_init(&asked, sl_cycle_snapshot(c), nodes, n, sl_cycle_alloc(c, node_set_size(sl_cycle_snapshot(c), nodes, n)));
    const json_t *names = field(r, "NodeNames");
    const json_t *list = field(r, "Nodes");
    if (e->node_cache_capable && json_is_array(names)) {
        size_t i;
        json_t *x;
        json_array_foreach(names, i, x) {
            const char *name = json_is_string(x) ? json_string_value(x) : "";
            sl_node_info *ni = node_set_find(&asked, name);
            if (!ni) {
                st = sl_status_newf(c, SL_ERROR,
                                    "extender %s claims a filtered node \"%s\" which is not found "
                                    "in the input node list",
                                    e->name, name);
                break;
            }
            if (out->nfeasible < n) out->feasible[out->nfeasible++] = ni;
        }
    } else if (json_is_object(list)) {
        const json_t *items = field(list, "items");
        size_t i;
        json_t *x;
        json_array_foreach(items, i, x) {
            const char *name = node_list_item_name(x);
            sl_node_info *ni = node_set_find(&asked, name);
            if (!ni) {
                st = sl_status_newf(c, SL_ERROR,
                                    "extender %s returned node \"%s\" which is not found in the "
                                    "input node list",
                                    e->name, name);
                break;
            }
            if (out->nfeasible < n) out->feasible[out->nfeasible++] = ni;
        }
    }
    if (st.code != SL_SUCCESS) {
        out->nfeasible = 0;
        goto done;
    }
    const json_t *unresolvable = field(r, "FailedAndUnresolvableNodes");
    const json_t *failed = field(r, "FailedNodes");
    size_t nf = (json_is_object(unresolvable) ? json_object_size(unresolvable) : 0) +
                (json_is_object(failed) ? json_object_size(failed) : 0);
    out->failed = sl_cycle_alloc(c, (nf ? nf : 1) * sizeof(*out->failed));
    const char *k;
    json_t *v;
    if (json_is_object(unresolvable)) {
        json_object_foreach((json_t *)unresolvable, k, v) {
            sl_extender_failed_node *f = &out->failed[out->nfailed++];
            f->node = cycle_strdup(c, k);
            f->reason = cycle_strdup(c, json_is_string(v) ? json_string_value(v) : "");
            f->unresolvable = true;
            f->info = sl_snapshot_node(sl_cycle_snapshot(c), k);
        }
    }
    if (json_is_object(failed)) {
        json_object_foreach((json_t *)failed, k, v) {
            if (json_is_object(unresolvable) && json_object_get(unresolvable, k))
                continue; /* FailedAndUnresolvableNodes takes precedence */
            sl_extender_failed_node *f = &out->failed[out->nfailed++];
            f->node = cycle_strdup(c, k);
            f->reason = cycle_strdup(c, json_is_string(v) ? json_string_value(v) : "");
            f->unresolvable = false;
            f->info = sl_snapshot_node(sl_cycle_snapshot(c), k);
        }
    }
done:
    return st;
}

sl_status sl_extender_filter_reply(sl_extender *e, sl_cycle *c, sl_node_info *const *nodes,
                                   uint32_t n, const char *body, size_t len,
                                   sl_extender_filter_result *out) {
    memset(out, 0, sizeof(*out));
    out->feasible = sl_cycle_alloc(c, (n ? n : 1) * sizeof(sl_node_info *));
    /* As the call does: with the names' places in a request body when
     * nodeCacheCapable (the body here holds just the names). */
    sl_status fast;
    strbuf req;
    strbuf_init(&req);
    request_names names = {NULL, NULL, NULL};
    if (e->node_cache_capable) {
        names.offset = sl_cycle_alloc(c, (n ? n : 1) * sizeof(uint32_t));
        names.length = sl_cycle_alloc(c, (n ? n : 1) * sizeof(uint32_t));
        put_node_names(&req, nodes, n, &names);
        names.base = req.data;
    }
    bool handled = fast_filter_reply(e, c, nodes, n, names.offset ? &names : NULL, body, len, out, &fast);
    strbuf_free(&req);
    if (handled) return fast;
    memset(out, 0, sizeof(*out));
    out->feasible = sl_cycle_alloc(c, (n ? n : 1) * sizeof(sl_node_info *));
    char err[1024];
    json_t *r = decode_reply("filter", body, len, err, sizeof err);
    if (!r) return sl_status_newf(c, SL_ERROR, "%s", err);
    sl_status st = filter_interpret(e, c, r, nodes, n, out);
    json_decref(r);
    return st;
}

static void prioritize_interpret(const sl_snapshot *snap, const json_t *r,
                                 sl_node_info *const *nodes, uint32_t n, int64_t *scores);

/* Prioritize without cycle memory (runs on helper threads). */
static bool prioritize_raw(sl_extender *e, const sl_snapshot *snap, const sl_pod_info *pod,
                           sl_node_info *const *nodes, uint32_t n, int64_t *scores,
                           json_t **answer, char *err, size_t errsize) {
    for (uint32_t i = 0; i < n; i++) scores[i] = 0;
    if (answer) *answer = NULL;
    if (!e->prioritize_verb) return true;
    strbuf body;
    buf_take(e, &body);
    put_extender_args(&body, e, pod, nodes, n, NULL);
    json_t *r = exchange(e, "prioritize", e->prioritize_verb, e->prioritize_url, &body, err, errsize);
    buf_give(e, &body);
    if (!r) return false;
    prioritize_interpret(snap, r, nodes, n, scores);
    if (answer) *answer = r;
    else json_decref(r);
    return true;
}

sl_status sl_extender_prioritize_reply(sl_cycle *c, sl_node_info *const *nodes, uint32_t n,
                                       const char *body, size_t len, int64_t *scores) {
    for (uint32_t i = 0; i < n; i++) scores[i] = 0;
    char err[1024];
    json_t *r = decode_reply("prioritize", body, len, err, sizeof err);
    if (!r) return sl_status_newf(c, SL_ERROR, "%s", err);
    prioritize_interpret(sl_cycle_snapshot(c), r, nodes, n, scores);
    json_decref(r);
    return SL_STATUS_SUCCESS;
}

/* HostPriorityList -> scores by node position (unknown hosts ignored). */
static void prioritize_interpret(const sl_snapshot *snap, const json_t *r,
                                 sl_node_info *const *nodes, uint32_t n, int64_t *scores) {
    if (json_is_array(r) && json_array_size(r) > 0) {
        node_set asked;
        void *mem = xmalloc(node_set_size(snap, nodes, n));
        node_set_init(&asked, snap, nodes, n, mem);
        size_t i;
        json_t *x;
        json_array_foreach(r, i, x) {
            const char *host = json_string_value(field(x, "Host"));
            sl_node_info *ni = host ? node_set_find(&asked, host) : NULL;
            if (ni) scores[asked.position[ni->index] - 1] = json_integer_value(field(x, "Score"));
        }
        free(mem);
    }
}

sl_status sl_extender_prioritize(sl_extender *e, sl_cycle *c, const sl_pod_info *pod,
                                 sl_node_info *const *nodes, uint32_t n, int64_t *scores,
                                 json_t **answer) {
    char err[1024];
    if (!prioritize_raw(e, sl_cycle_snapshot(c), pod, nodes, n, scores, answer, err, sizeof err))
        return sl_status_newf(c, SL_ERROR, "%s", err);
    return SL_STATUS_SUCCESS;
}

sl_status sl_extender_bind(sl_extender *e, sl_cycle *c, const sl_pod_info *pod,
                           const char *node_name, json_t **answer) {
    set_answer(answer, NULL);
    if (!e->bind_verb) return sl_status_make(SL_ERROR, "unexpected empty bindVerb in extender");
    const k8s_pod *p = pod->pod;
    strbuf body;
    strbuf_init(&body);
    strbuf_puts(&body, "{\"PodName\":");
    strbuf_put_json_string(&body, p->name);
    strbuf_puts(&body, ",\"PodNamespace\":");
    strbuf_put_json_string(&body, p->namespace_);
    strbuf_puts(&body, ",\"PodUID\":");
    strbuf_put_json_string(&body, p->uid);
    strbuf_puts(&body, ",\"Node\":");
    strbuf_put_json_string(&body, node_name);
    strbuf_putc(&body, '}');
    char err[1024];
    json_t *r = exchange(e, "bind", e->bind_verb, e->bind_url, &body, err, sizeof err);
    strbuf_free(&body);
    if (!r) return sl_status_newf(c, SL_ERROR, "%s", err);
    set_answer(answer, r);
    const char *error = json_string_value(field(r, "Error"));
    sl_status st = SL_STATUS_SUCCESS;
    if (error && *error) st = sl_status_newf(c, SL_ERROR, "%s", error);
    json_decref(r);
    return st;
}

static const sl_pod_info *pod_by_uid(const sl_node_info *node, const char *uid) {
    for (uint32_t i = 0; i < node->npods; i++)
        if (uid && strcmp(node->pods[i]->pod->uid, uid) == 0) return node->pods[i];
    return NULL;
}

static sl_status preempt_interpret(sl_extender *e, sl_cycle *c, const json_t *r,
                                   sl_preemption_candidate *cands, uint32_t *ncands);

sl_status sl_extender_process_preemption(sl_extender *e, sl_cycle *c, const sl_pod_info *pod,
                                         sl_preemption_candidate *cands, uint32_t *ncands) {
    if (!e->preempt_verb) return SL_STATUS_SUCCESS;
    strbuf body;
    strbuf_init(&body);
    strbuf_puts(&body, "{\"Pod\":");
    put_pod(&body, pod);
    strbuf_puts(&body, e->node_cache_capable ? ",\"NodeNameToVictims\":null,\"NodeNameToMetaVictims\":{"
                                             : ",\"NodeNameToVictims\":{");
    for (uint32_t i = 0; i < *ncands; i++) {
        if (i) strbuf_putc(&body, ',');
        strbuf_put_json_string(&body, cands[i].node->node->name);
        strbuf_puts(&body, ":{\"Pods\":[");
        for (uint32_t j = 0; j < cands[i].nvictims; j++) {
            if (j) strbuf_putc(&body, ',');
            if (e->node_cache_capable) {
                strbuf_puts(&body, "{\"UID\":");
                strbuf_put_json_string(&body, cands[i].victims[j]->pod->uid);
                strbuf_putc(&body, '}');
            } else {
                put_pod(&body, cands[i].victims[j]);
            }
        }
        strbuf_printf(&body, "],\"NumPDBViolations\":%lld}", (long long)cands[i].num_pdb_violations);
    }
    strbuf_puts(&body, e->node_cache_capable ? "}}" : "},\"NodeNameToMetaVictims\":null}");
    char err[1024];
    json_t *r = exchange(e, "preempt", e->preempt_verb, e->preempt_url, &body, err, sizeof err);
    strbuf_free(&body);
    if (!r) return sl_status_newf(c, SL_ERROR, "%s", err);
    sl_status st = preempt_interpret(e, c, r, cands, ncands);
    json_decref(r);
    return st;
}

sl_status sl_extender_preempt_reply(sl_extender *e, sl_cycle *c, const char *body, size_t len,
                                    sl_preemption_candidate *cands, uint32_t *ncands) {
    char err[1024];
    json_t *r = decode_reply("preempt", body, len, err, sizeof err);
    if (!r) return sl_status_newf(c, SL_ERROR, "%s", err);
    sl_status st = preempt_interpret(e, c, r, cands, ncands);
    json_decref(r);
    return st;
}

/* NodeNameToMetaVictims -> candidates (UIDs mapped to the nodes' pods). */
static sl_status preempt_interpret(sl_extender *e, sl_cycle *c, const json_t *r,
                                   sl_preemption_candidate *cands, uint32_t *ncands) {
    const json_t *m = field(r, "NodeNameToMetaVictims");
    const sl_snapshot *snap = sl_cycle_snapshot(c);
    sl_status st = SL_STATUS_SUCCESS;
    sl_preemption_candidate *next = sl_cycle_alloc(c, (json_object_size(m) + 1) * sizeof(*next));
    uint32_t nnext = 0;
    const char *node_name;
    json_t *victims;
    json_object_foreach((json_t *)m, node_name, victims) {
        const sl_node_info *node = sl_snapshot_node(snap, node_name);
        if (!node) {
            st = sl_status_newf(c, SL_ERROR, "extender %s: node \"%s\" not found", e->name, node_name);
            break;
        }
        sl_preemption_candidate *cand = &next[nnext++];
        cand->node = node;
        const json_t *pods = field(victims, "Pods");
        size_t np = json_is_array(pods) ? json_array_size(pods) : 0;
        cand->victims = sl_cycle_alloc(c, (np ? np : 1) * sizeof(sl_pod_info *));
        cand->nvictims = 0;
        cand->num_pdb_violations = json_integer_value(field(victims, "NumPDBViolations"));
        size_t i;
        json_t *x;
        json_array_foreach(pods, i, x) {
            const char *uid = json_string_value(field(x, "UID"));
            const sl_pod_info *victim = pod_by_uid(node, uid);
            if (!victim) {
                st = sl_status_newf(c, SL_ERROR,
                                    "extender: %s claims to preempt pod (UID: %s) on node: %s, "
                                    "but the pod is not found on that node",
                                    e->name, uid ? uid : "", node_name);
                goto out;
            }
            cand->victims[cand->nvictims++] = (sl_pod_info *)victim;
        }
    }
out:
    if (st.code != SL_SUCCESS) return st;
    /* Keep the order the candidates were found in (upstream: map order). */
    uint32_t k = 0;
    for (uint32_t i = 0; i < *ncands; i++) {
        for (uint32_t j = 0; j < nnext; j++) {
            if (next[j].node && strcmp(next[j].node->node->name, cands[i].node->node->name) == 0) {
                cands[k++] = next[j];
                next[j].node = NULL;
                break;
            }
        }
    }
    /* Nodes the extender added that were not candidates go last. */
    for (uint32_t j = 0; j < nnext && k < *ncands; j++)
        if (next[j].node) cands[k++] = next[j];
    *ncands = k;
    return SL_STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Fast path for the common filter reply                                */
/* ------------------------------------------------------------------ */

/* A filter reply is read once per pod and can hold thousands of names;
 * building a jansson tree for it costs more than the rest of the call.
 * This scanner reads the common shape directly — an object whose keys are
 * NodeNames, FailedNodes, FailedAndUnresolvableNodes and Error (any case),
 * with plain strings (no escapes, ASCII), each key at most once, failure
 * keys that are snapshot nodes named once — and gives up on anything else
 * (Nodes, escapes, unknown keys, duplicates, bad types), which then goes
 * through jansson and filter_interpret. Both paths give the same result:
 * fuzz_extender_reply checks it. */

static bool fast_replies = true;
void sl_extender_set_fast_replies(bool on) { fast_replies = on; }

typedef struct scanner {
    const char *p, *end;
} scanner;

static void skip_ws(scanner *sc) {
    while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\n' || *sc->p == '\r')) sc->p++;
}

static bool take(scanner *sc, char ch) {
    skip_ws(sc);
    if (sc->p < sc->end && *sc->p == ch) {
        sc->p++;
        return true;
    }
    return false;
}

/* A plain string: printable ASCII, no escapes. Sets [*s, *s + *len). */
static bool plain_string(scanner *sc, const char **s, size_t *len) {
    skip_ws(sc);
    if (sc->p >= sc->end || *sc->p != '"') return false;
    const char *start = ++sc->p;
    const char *close = memchr(start, '"', (size_t)(sc->end - start));
    if (!close) return false;
    /* one branch-free pass (vectorized) over the span */
    unsigned bad = 0;
    for (const unsigned char *q = (const unsigned char *)start; q < (const unsigned char *)close; q++)
        bad |= (unsigned)(*q < 0x20) | (unsigned)(*q >= 0x80) | (unsigned)(*q == '\\');
    if (bad) return false;
    sc->p = close;
    *s = start;
    *len = (size_t)(sc->p - start);
    sc->p++;
    return true;
}

static bool take_null(scanner *sc) {
    skip_ws(sc);
    if (sc->end - sc->p >= 4 && memcmp(sc->p, "null", 4) == 0) {
        sc->p += 4;
        return true;
    }
    return false;
}

static bool key_is(const char *k, size_t len, const char *want) {
    return strlen(want) == len && strncasecmp(k, want, len) == 0;
}

/* The snapshot node named [s, s+len), NULL if none. */
static const sl_node_info *snapshot_node_n(sl_cycle *c, const char *s, size_t len, char *buf,
                                           size_t bufsize) {
    if (len >= bufsize) return NULL;
    memcpy(buf, s, len);
    buf[len] = 0;
    return sl_snapshot_node(sl_cycle_snapshot(c), buf);
}

static bool fast_filter_reply(sl_extender *e, sl_cycle *c, sl_node_info *const *nodes, uint32_t n,
                              const request_names *names, const char *body, size_t len,
                              sl_extender_filter_result *out, sl_status *st) {
    if (!fast_replies || !body) return false;
    const sl_snapshot *snap = sl_cycle_snapshot(c);
    uint32_t nall = sl_snapshot_num_nodes(snap);
    scanner sc = {body, body + len};
    if (!take(&sc, '{')) return false;
    /* What was seen: spans of each field (values re-scanned below). */
    const char *names_at = NULL, *failed_at = NULL, *unres_at = NULL;
    const char *error = NULL;
    size_t error_len = 0;
    bool seen_error = false;
    char buf[512];
    if (!take(&sc, '}')) {
        for (;;) {
            const char *k;
            size_t klen;
            if (!plain_string(&sc, &k, &klen) || !take(&sc, ':')) return false;
            skip_ws(&sc);
            const char *value = sc.p;
            if (key_is(k, klen, "Error")) {
                if (seen_error) return false;
                seen_error = true;
                if (!take_null(&sc) && !plain_string(&sc, &error, &error_len)) return false;
            } else if (key_is(k, klen, "NodeNames")) {
                if (names_at) return false;
                names_at = value;
                if (!take_null(&sc)) {
                    if (!take(&sc, '[')) return false;
                    if (!take(&sc, ']')) {
                        do {
                            const char *x;
                            size_t xl;
                            if (!plain_string(&sc, &x, &xl)) return false;
                        } while (take(&sc, ','));
                        if (!take(&sc, ']')) return false;
                    }
                }
            } else if (key_is(k, klen, "FailedNodes") || key_is(k, klen, "FailedAndUnresolvableNodes")) {
                bool unres = klen == strlen("FailedAndUnresolvableNodes");
                if (unres ? unres_at != NULL : failed_at != NULL) return false;
                if (unres) unres_at = value;
                else failed_at = value;
                if (!take_null(&sc)) {
                    if (!take(&sc, '{')) return false;
                    if (!take(&sc, '}')) {
                        do {
                            const char *x, *y;
                            size_t xl, yl;
                            if (!plain_string(&sc, &x, &xl) || !take(&sc, ':') || !plain_string(&sc, &y, &yl))
                                return false;
                        } while (take(&sc, ','));
                        if (!take(&sc, '}')) return false;
                    }
                }
            } else {
                return false; /* Nodes, or a key Go would ignore: the general path */
            }
            if (take(&sc, ',')) continue;
            if (take(&sc, '}')) break;
            return false;
        }
    }
    /* The reply is well formed and of the fast shape: read it. */
    request_names local = {NULL, NULL, NULL};
    if (!names) {
        /* no request body at hand (fuzzer, tests): the node objects' names */
        local.offset = sl_cycle_alloc(c, (n ? n : 1) * sizeof(uint32_t));
        local.length = sl_cycle_alloc(c, (n ? n : 1) * sizeof(uint32_t));
        names = &local;
    }
    const char **name_at = sl_cycle_alloc(c, (n ? n : 1) * sizeof(char *));
    const uint32_t *lens = names->length;
    for (uint32_t i = 0; i < n; i++) {
        if (names == &local) {
            name_at[i] = nodes[i]->node->name;
            local.length[i] = (uint32_t)strlen(name_at[i]);
        } else {
            name_at[i] = names->base + names->offset[i];
        }
    }
    out->nfeasible = 0;
    out->nfailed = 0;
    if (error && error_len) {
        *st = sl_status_make(SL_ERROR, arena_strndup_cycle(c, error, error_len));
        return true;
    }
    *st = SL_STATUS_SUCCESS;
    if (e->node_cache_capable && names_at && !(sc.p = names_at, take_null(&sc))) {
        node_set asked;
        node_set_init(&asked, snap, nodes, n, sl_cycle_alloc(c, node_set_size(snap, nodes, n)));
        sc.p = names_at;
        take(&sc, '[');
        uint32_t cursor = 0;
        if (!take(&sc, ']')) {
            do {
                const char *x;
                size_t xl;
                plain_string(&sc, &x, &xl);
                sl_node_info *ni = node_near_cursor(nodes, name_at, lens, n, &cursor, x, xl);
                if (!ni && xl < sizeof buf) {
                    memcpy(buf, x, xl);
                    buf[xl] = 0;
                    ni = node_set_find(&asked, buf);
                }
                if (!ni) {
                    const char *name = arena_strndup_cycle(c, x, xl);
                    *st = sl_status_newf(c, SL_ERROR,
                                         "extender %s claims a filtered node \"%s\" which is not "
                                         "found in the input node list",
                                         e->name, name);
                    out->nfeasible = 0;
                    return true;
                }
                if (out->nfeasible < n) out->feasible[out->nfeasible++] = ni;
            } while (take(&sc, ','));
        }
    }
    /* Failure maps: unresolvable first; FailedNodes entries also listed as
     * unresolvable are skipped. Keys must be distinct snapshot nodes. */
    uint8_t *mark = sl_cycle_alloc(c, nall ? nall : 1);
    memset(mark, 0, nall ? nall : 1);
    size_t cap = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *at = pass == 0 ? unres_at : failed_at;
        if (!at) continue;
        sc.p = at;
        if (take_null(&sc)) continue;
        take(&sc, '{');
        if (take(&sc, '}')) continue;
        uint32_t cursor = 0;
        do {
            const char *x, *y;
            size_t xl, yl;
            plain_string(&sc, &x, &xl);
            take(&sc, ':');
            plain_string(&sc, &y, &yl);
            /* a request node (found near the cursor) is the snapshot's own */
            const sl_node_info *ni = node_near_cursor(nodes, name_at, lens, n, &cursor, x, xl);
            if (!ni) ni = snapshot_node_n(c, x, xl, buf, sizeof buf);
            if (!ni || ni->index >= nall) goto general;
            uint8_t bit = (uint8_t)(pass == 0 ? 1 : 2);
            if (mark[ni->index] & bit) goto general; /* duplicate key */
            mark[ni->index] |= bit;
            if (pass == 1 && (mark[ni->index] & 1)) continue; /* unresolvable wins */
            if (out->nfailed == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                sl_extender_failed_node *grown = sl_cycle_alloc(c, ncap * sizeof(*grown));
                if (cap) memcpy(grown, out->failed, cap * sizeof(*grown));
                out->failed = grown;
                cap = ncap;
            }
            sl_extender_failed_node *f = &out->failed[out->nfailed++];
            f->node = ni->node->name;
            f->reason = arena_strndup_cycle(c, y, yl);
            f->unresolvable = pass == 0;
            f->info = ni;
        } while (take(&sc, ','));
    }
    return true;
general:
    out->nfeasible = 0;
    out->nfailed = 0;
    return false;
}

/* ------------------------------------------------------------------ */
/* Upstream's loops                                                     */
/* ------------------------------------------------------------------ */

static void record(const sl_recorder *rec, const sl_extender *e, const char *verb,
                   const json_t *answer, sl_status st, int64_t t0) {
    if (rec && rec->extender) rec->extender(rec->user, e->name, verb, answer, st, time_now_ns() - t0);
}

/* Appends a reason to a node's status (upstream AppendReason). */
static void add_node_status(sl_cycle *c, sl_node_status_map *statuses, const sl_snapshot *snap,
                            const sl_extender_failed_node *f, bool replace_code) {
    const sl_node_info *ni = f->info ? f->info : sl_snapshot_node(snap, f->node);
    if (!ni) return;
    sl_status cur = sl_node_status_get(statuses, ni->index);
    bool present = statuses->present && ni->index < statuses->capacity && statuses->present[ni->index];
    sl_status s;
    if (present && cur.message && cur.message[0]) {
        s.message = sl_cycle_printf(c, "%s%c%s", cur.message, SL_REASON_SEP, f->reason);
        s.code = replace_code ? SL_UNSCHEDULABLE_AND_UNRESOLVABLE : cur.code;
    } else {
        s.message = f->reason;
        s.code = f->unresolvable ? SL_UNSCHEDULABLE_AND_UNRESOLVABLE : SL_UNSCHEDULABLE;
    }
    s.plugin = SL_EXTENDER_PLUGIN_NAME;
    sl_node_status_map_set(statuses, ni->index, s);
}

sl_status sl_extenders_filter(sl_extender *const *list, uint32_t n, sl_cycle *c,
                              const sl_pod_info *pod, sl_node_info **feasible,
                              uint32_t *nfeasible, sl_node_status_map *statuses,
                              const sl_recorder *recorder) {
    const sl_snapshot *snap = sl_cycle_snapshot(c);
    for (uint32_t i = 0; i < n; i++) {
        sl_extender *e = list[i];
        if (*nfeasible == 0) break;
        if (!sl_extender_is_interested(e, pod)) continue;
        int64_t t0 = time_now_ns();
        sl_extender_filter_result res;
        json_t *answer = NULL;
        sl_status st = sl_extender_filter(e, c, pod, feasible, *nfeasible, &res,
                                          recorder && recorder->extender ? &answer : NULL);
        if (e->filter_verb) record(recorder, e, "filter", answer, st, t0);
        json_decref(answer);
        if (st.code != SL_SUCCESS) {
            if (e->ignorable) {
                log_info("skipping extender %s as it returned error and has ignorable flag set: %s",
                         e->name, st.message ? st.message : "");
                continue;
            }
            return st;
        }
        for (uint32_t k = 0; k < res.nfailed; k++)
            if (res.failed[k].unresolvable) add_node_status(c, statuses, snap, &res.failed[k], true);
        for (uint32_t k = 0; k < res.nfailed; k++)
            if (!res.failed[k].unresolvable) add_node_status(c, statuses, snap, &res.failed[k], false);
        memcpy(feasible, res.feasible, res.nfeasible * sizeof(sl_node_info *));
        *nfeasible = res.nfeasible;
    }
    return SL_STATUS_SUCCESS;
}

typedef struct prioritize_job {
    sl_extender *e;
    const sl_snapshot *snap;
    const sl_pod_info *pod;
    sl_node_info *const *nodes;
    uint32_t n;
    int64_t *scores;
    json_t *answer;
    bool ok;
    char err[512];
    int64_t t0, t1;
    bool want_answer;
} prioritize_job;

static void *prioritize_thread(void *arg) {
    prioritize_job *j = arg;
    j->t0 = time_now_ns();
    j->ok = prioritize_raw(j->e, j->snap, j->pod, j->nodes, j->n, j->scores,
                           j->want_answer ? &j->answer : NULL, j->err, sizeof j->err);
    j->t1 = time_now_ns();
    return NULL;
}

void sl_extenders_prioritize(sl_extender *const *list, uint32_t n, sl_cycle *c,
                             const sl_pod_info *pod, sl_node_info *const *nodes, uint32_t nnodes,
                             int64_t *totals, const sl_recorder *recorder) {
    bool any = false;
    for (uint32_t i = 0; i < n && !any; i++) any = list[i]->prioritize_verb != NULL;
    if (!any) return;
    prioritize_job *jobs = xcalloc(n ? n : 1, sizeof(*jobs));
    pthread_t *threads = xcalloc(n ? n : 1, sizeof(pthread_t));
    bool *started = xcalloc(n ? n : 1, sizeof(bool));
    uint32_t njobs = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!list[i]->prioritize_verb || !sl_extender_is_interested(list[i], pod)) continue;
        prioritize_job *j = &jobs[njobs++];
        j->e = list[i];
        j->snap = sl_cycle_snapshot(c);
        j->pod = pod;
        j->nodes = nodes;
        j->n = nnodes;
        j->scores = xcalloc(nnodes ? nnodes : 1, sizeof(int64_t));
        j->want_answer = recorder && recorder->extender;
    }
    /* One thread per extender, the first on this thread. */
    for (uint32_t i = 1; i < njobs; i++)
        started[i] = pthread_create(&threads[i], NULL, prioritize_thread, &jobs[i]) == 0;
    if (njobs) prioritize_thread(&jobs[0]);
    for (uint32_t i = 1; i < njobs; i++) {
        if (started[i]) pthread_join(threads[i], NULL);
        else prioritize_thread(&jobs[i]);
    }
    for (uint32_t i = 0; i < njobs; i++) {
        prioritize_job *j = &jobs[i];
        if (recorder && recorder->extender) {
            sl_status st = j->ok ? SL_STATUS_SUCCESS
                                 : sl_status_newf(c, SL_ERROR, "%s", j->err);
            recorder->extender(recorder->user, j->e->name, "prioritize", j->answer, st, j->t1 - j->t0);
        }
        if (j->ok) {
            /* Errors are ignored (upstream: other extenders and plugins decide). */
            for (uint32_t k = 0; k < nnodes; k++) {
                int64_t add = j->scores[k] * j->e->weight * SL_EXTENDER_SCORE_SCALE;
                totals[k] += add;
                /* upstream lists it among the node's plugin scores, by name */
                if (recorder && recorder->final_score)
                    recorder->final_score(recorder->user, nodes[k], j->e->name, add);
            }
        } else {
            log_debug("extender %s prioritize failed (ignored): %s", j->e->name, j->err);
        }
        json_decref(j->answer);
        free(j->scores);
    }
    free(jobs);
    free(threads);
    free(started);
}

bool sl_extenders_bind(sl_extender *const *list, uint32_t n, sl_cycle *c, const sl_pod_info *pod,
                       const char *node_name, sl_status *status, const sl_recorder *recorder) {
    for (uint32_t i = 0; i < n; i++) {
        sl_extender *e = list[i];
        if (!e->bind_verb || !sl_extender_is_interested(e, pod)) continue;
        int64_t t0 = time_now_ns();
        json_t *answer = NULL;
        sl_status st = sl_extender_bind(e, c, pod, node_name,
                                        recorder && recorder->extender ? &answer : NULL);
        record(recorder, e, "bind", answer, st, t0);
        json_decref(answer);
        if (st.code != SL_SUCCESS && e->ignorable) {
            log_info("skipping extender %s in bind as it returned error and has ignorable flag "
                     "set: %s",
                     e->name, st.message ? st.message : "");
            continue;
        }
        *status = st;
        return true;
    }
    return false;
}

sl_status sl_extenders_preempt(sl_extender *const *list, uint32_t n, sl_cycle *c,
                               const sl_pod_info *pod, sl_preemption_candidate *cands,
                               uint32_t *ncands, const sl_recorder *recorder) {
    if (*ncands == 0) return SL_STATUS_SUCCESS;
    for (uint32_t i = 0; i < n; i++) {
        sl_extender *e = list[i];
        if (!e->preempt_verb || !sl_extender_is_interested(e, pod)) continue;
        int64_t t0 = time_now_ns();
        uint32_t k = *ncands;
        sl_preemption_candidate *copy = sl_cycle_alloc(c, k * sizeof(*copy));
        memcpy(copy, cands, k * sizeof(*copy));
        sl_status st = sl_extender_process_preemption(e, c, pod, copy, &k);
        if (st.code == SL_SUCCESS) {
            /* A node without victims is an error (dropped when ignorable). */
            uint32_t kept = 0;
            for (uint32_t j = 0; j < k; j++) {
                if (copy[j].nvictims == 0) {
                    if (e->ignorable) continue;
                    st = sl_status_newf(c, SL_ERROR, "expected at least one victim pod on node \"%s\"",
                                        copy[j].node->node->name);
                    break;
                }
                copy[kept++] = copy[j];
            }
            k = kept;
        }
        record(recorder, e, "preempt", NULL, st, t0);
        if (st.code != SL_SUCCESS) {
            if (e->ignorable) continue;
            return st;
        }
        memcpy(cands, copy, k * sizeof(*copy));
        *ncands = k;
        if (k == 0) break;
    }
    return SL_STATUS_SUCCESS;
}
