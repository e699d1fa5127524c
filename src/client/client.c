/*
 * client.c — the Kubernetes API client (client.h) over libcurl.
 *
 *   - configuration: --master URL, or a kubeconfig's current context
 *     (cluster server, certificate-authority(-data),
 *     insecure-skip-tls-verify; user token / tokenFile,
 *     client-certificate(-data) / client-key(-data)); *-data fields are
 *     decoded into private temporary files libcurl can read;
 *   - HTTP/2 where the server offers it, as client-go: an https server is
 *     asked for h2 by ALPN (CURL_HTTP_VERSION_2TLS) and every request and
 *     watch of the client goes through one curl multi handle driven by an
 *     I/O thread, so they are multiplexed as streams of one connection
 *     (curl opens another only when the server's stream limit is reached);
 *     once a server has answered ALPN with http/1.1 (schedlab apiserver's
 *     TLS), later transfers leave the I/O thread alone and use the pool
 *     below, as client-go keeps a pool of HTTP/1.1 connections. Plain
 *     http:// is HTTP/1.1 on a pool of curl easy handles (each keeps its
 *     connection alive), on the calling threads. DISABLE_HTTP2 (any value, as client-go's
 *     SetTransportDefaults) makes https use HTTP/1.1 on that pool as well;
 *     the negotiated version is logged (debug) when it is first seen or
 *     changes;
 *   - a token bucket (qps, burst) every request waits on, as client-go's
 *     flowcontrol rate limiter — two, in fact: events have their own, as
 *     kube-scheduler's event clientset has (sl_kube_limiter); watches are
 *     not limited (client-go neither limits the long-running stream);
 *   - retries: 429 / 5xx / no answer, up to max_retries, with exponential
 *     backoff from 50 ms (or the server's Retry-After);
 *   - dead connections: TCP keepalive on every socket, client-go's values
 *     (KEEPALIVE_* below), for a peer that is gone; and on the HTTP/2
 *     transport client-go's health check (ReadIdleTimeout 30 s, PingTimeout
 *     15 s; io_main's `health`), for a peer that keeps the TCP connection
 *     up but no longer answers. Its probe is a GET /version stream, not a
 *     PING frame: libcurl (7.88) sends PINGs only from curl_easy_upkeep,
 *     which serves the connections of handles run by curl_easy_perform, not
 *     those of a shared multi handle, and has no PING-ack timeout. A dead
 *     connection's socket is shut down (curl then fails its streams and
 *     closes it). HTTP/1.1 watches also end after 120 s without a byte
 *     (CURLOPT_LOW_SPEED_*);
 *   - sl_kube_client_abort (a signal during startup) ends the transfers in
 *     flight through their progress callbacks and the retry backoff.
 */
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/base.h"
#include "client/client.h"
#include "k8s/k8s.h"

struct sl_kube_client {
    char *server;              /* no trailing slash */
    char *token;
    char *ca_file, *cert_file, *key_file;
    bool insecure;
    VEC(char *) temp_files;
    int max_retries;
    /* limiter */
    pthread_mutex_t lock;
    double qps, burst;
    double tokens[SL_KUBE_LIMITERS];   /* one bucket per limiter (sl_kube_limiter) */
    int64_t last_ns[SL_KUBE_LIMITERS];
    VEC(CURL *) idle;
    atomic_bool cancelled;
    atomic_bool aborted;         /* sl_kube_client_abort: transfers in flight end too */
    /* HTTP/2 transport (https): transfers handed to the I/O thread */
    bool mux;
    CURLM *multi;
    pthread_t io_thread;
    pthread_mutex_t io_lock;     /* the fields below and every xfer's shared fields */
    struct xfer *incoming, *incoming_tail;
    bool io_stop;
    atomic_long http_version;    /* last CURLINFO_HTTP_VERSION seen (for the log) */
    atomic_bool no_h2;           /* the https server answered ALPN with http/1.1 */
    size_t watch_buffer_bytes;   /* a watch stream pauses beyond this */
    long keepalive_idle, keepalive_interval, keepalive_count; /* TCP keepalive (s, s, probes) */
    /* HTTP/2 health check (io_main): last time the I/O thread saw the
     * server answer, and client-go's ReadIdleTimeout / PingTimeout */
    _Atomic int64_t last_rx_ns;
    int64_t read_idle_ns, ping_timeout_ns;
    /* the sockets of the HTTP/2 transport's open connections (made on the
     * I/O thread; removed when curl closes them): what the health check
     * shuts down (curl cannot name the connection of a transfer in flight) */
    pthread_mutex_t sock_lock;
    VEC(curl_socket_t) mux_socks;
};

static void *io_main(void *arg);

/* A watch stream buffers this much (sl_kube_client_options.watch_buffer_bytes
 * 0) before the I/O thread pauses it (the watching thread is slow); it
 * resumes once the watcher has caught up. */
#define STREAM_BUFFER_MAX (8u << 20)

/* TCP keepalive as client-go's dialer (net.Dialer{KeepAlive: 30s}: idle
 * 30 s, then Go's 15 s interval and 9 probes): a connection whose peer is
 * gone without a FIN or RST (host down, NAT or firewall state dropped) is
 * dead after about 165 s of silence, and its watch resumes on a new one. */
#define KEEPALIVE_IDLE_S 30
#define KEEPALIVE_INTERVAL_S 15
#define KEEPALIVE_COUNT 9
/* client-go's HTTP/2 transport: a PING after 30 s without a frame from the
 * server, the connection closed when its ack is 15 s late. */
#define READ_IDLE_S 30
#define PING_TIMEOUT_S 15

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

/* ---- kubeconfig ---- */

static int b64val(int ch) {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+' || ch == '-') return 62;
    if (ch == '/' || ch == '_') return 63;
    return -1;
}

static char *b64decode(const char *in, size_t *outlen) {
    size_t n = strlen(in);
    char *out = xmalloc(n * 3 / 4 + 4);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val((unsigned char)in[i]);
        if (v < 0) continue;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = 0;
    *outlen = o;
    return out;
}

static char *data_to_file(sl_kube_client *c, const char *b64, char *err, size_t errsize) {
    size_t len;
    char *data = b64decode(b64, &len);
    char path[] = "/tmp/schedlab-kube-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
        snprintf(err, errsize, "kubeconfig: cannot write a temporary file: %s", strerror(errno));
        if (fd >= 0) close(fd);
        free(data);
        return NULL;
    }
    close(fd);
    free(data);
    char *p = xstrdup(path);
    VEC_PUSH(&c->temp_files, p);
    return xstrdup(path);
}

static json_t *named(json_t *list, const char *field, const char *name) {
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it) {
        const char *n = json_string_value(json_object_get(it, "name"));
        if (n && name && !strcmp(n, name)) return json_object_get(it, field);
    }
    return NULL;
}

/* A relative path in a kubeconfig is relative to the kubeconfig's dir. */
static char *resolve(const char *kcpath, const char *p) {
    if (!p) return NULL;
    if (p[0] == '/') return xstrdup(p);
    const char *slash = strrchr(kcpath, '/');
    if (!slash) return xstrdup(p);
    size_t n = (size_t)(slash - kcpath) + 1 + strlen(p) + 1;
    char *out = xmalloc(n);
    snprintf(out, n, "%.*s/%s", (int)(slash - kcpath), kcpath, p);
    return out;
}

static bool load_kubeconfig(sl_kube_client *c, const char *path, char *err, size_t errsize) {
    size_t len;
    char *text = file_read_all(path, &len, err, errsize);
    if (!text) return false;
    json_t *kc = k8s_parse_document(text, len, path, err, errsize);
    free(text);
    if (!kc) return false;
    bool ok = false;
    const char *ctxname = json_string_value(json_object_get(kc, "current-context"));
    json_t *ctx = named(json_object_get(kc, "contexts"), "context", ctxname);
    if (!ctx) {
        snprintf(err, errsize, "%s: current-context \"%s\" is not among contexts", path, ctxname ? ctxname : "");
        goto out;
    }
    json_t *cluster = named(json_object_get(kc, "clusters"), "cluster",
                            json_string_value(json_object_get(ctx, "cluster")));
    json_t *user = named(json_object_get(kc, "users"), "user", json_string_value(json_object_get(ctx, "user")));
    if (!cluster || !json_string_value(json_object_get(cluster, "server"))) {
        snprintf(err, errsize, "%s: context \"%s\": cluster has no server", path, ctxname);
        goto out;
    }
    if (!c->server) c->server = xstrdup(json_string_value(json_object_get(cluster, "server")));
    c->insecure = json_is_true(json_object_get(cluster, "insecure-skip-tls-verify"));
    const char *s;
    if ((s = json_string_value(json_object_get(cluster, "certificate-authority-data")))) {
        if (!(c->ca_file = data_to_file(c, s, err, errsize))) goto out;
    } else if ((s = json_string_value(json_object_get(cluster, "certificate-authority")))) {
        c->ca_file = resolve(path, s);
    }
    if (user) {
        if ((s = json_string_value(json_object_get(user, "token")))) c->token = xstrdup(s);
        else if ((s = json_string_value(json_object_get(user, "tokenFile")))) {
            char *tp = resolve(path, s);
            size_t tl;
            char *tok = file_read_all(tp, &tl, err, errsize);
            free(tp);
            if (!tok) goto out;
            while (tl && (tok[tl - 1] == '\n' || tok[tl - 1] == '\r' || tok[tl - 1] == ' ')) tok[--tl] = 0;
            c->token = tok;
        }
        if ((s = json_string_value(json_object_get(user, "client-certificate-data")))) {
            if (!(c->cert_file = data_to_file(c, s, err, errsize))) goto out;
        } else if ((s = json_string_value(json_object_get(user, "client-certificate")))) {
            c->cert_file = resolve(path, s);
        }
        if ((s = json_string_value(json_object_get(user, "client-key-data")))) {
            if (!(c->key_file = data_to_file(c, s, err, errsize))) goto out;
        } else if ((s = json_string_value(json_object_get(user, "client-key")))) {
            c->key_file = resolve(path, s);
        }
    }
    ok = true;
out:
    json_decref(kc);
    return ok;
}

/* https (unless DISABLE_HTTP2 is set): the multiplexing transport. */
static void start_transport(sl_kube_client *c) {
    if (strncasecmp(c->server, "https://", 8) != 0 || getenv("DISABLE_HTTP2")) return;
    c->multi = curl_multi_init();
    if (!c->multi) return;
    curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    if (pthread_create(&c->io_thread, NULL, io_main, c) != 0) {
        curl_multi_cleanup(c->multi);
        c->multi = NULL;
        return;
    }
    c->mux = true;
}

/* SCHEDLAB_TCP_KEEPALIVE=IDLE,INTERVAL,COUNT (seconds, seconds, probes):
 * shorter keepalive for tests; unset: client-go's. */
static bool keepalive_settings(sl_kube_client *c, char *err, size_t errsize) {
    c->keepalive_idle = KEEPALIVE_IDLE_S;
    c->keepalive_interval = KEEPALIVE_INTERVAL_S;
    c->keepalive_count = KEEPALIVE_COUNT;
    const char *v = getenv("SCHEDLAB_TCP_KEEPALIVE");
    if (!v || !*v) return true;
    long idle, interval, count;
    char tail;
    if (sscanf(v, "%ld,%ld,%ld%c", &idle, &interval, &count, &tail) != 3 || idle < 1 || interval < 1 ||
        count < 1 || idle > 86400 || interval > 86400 || count > 127) {
        snprintf(err, errsize, "SCHEDLAB_TCP_KEEPALIVE=%s: want IDLE,INTERVAL,COUNT (seconds, seconds, probes; e.g. 30,15,9)", v);
        return false;
    }
    c->keepalive_idle = idle;
    c->keepalive_interval = interval;
    c->keepalive_count = count;
    return true;
}

/* SCHEDLAB_H2_HEALTH=READ_IDLE,TIMEOUT (seconds): a shorter HTTP/2 health
 * check for tests; unset: client-go's 30 s, 15 s. */
static bool health_settings(sl_kube_client *c, char *err, size_t errsize) {
    long idle = READ_IDLE_S, timeout = PING_TIMEOUT_S;
    const char *v = getenv("SCHEDLAB_H2_HEALTH");
    char tail;
    if (v && *v &&
        (sscanf(v, "%ld,%ld%c", &idle, &timeout, &tail) != 2 || idle < 1 || timeout < 1 || idle > 86400 || timeout > 86400)) {
        snprintf(err, errsize, "SCHEDLAB_H2_HEALTH=%s: want READ_IDLE,TIMEOUT (seconds; e.g. 30,15)", v);
        return false;
    }
    c->read_idle_ns = idle * 1000000000LL;
    c->ping_timeout_ns = timeout * 1000000000LL;
    return true;
}

sl_kube_client *sl_kube_client_new(const sl_kube_client_options *opts, char *err, size_t errsize) {
    pthread_once(&curl_once, curl_init_once);
    sl_kube_client *c = xcalloc(1, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->io_lock, NULL);
    pthread_mutex_init(&c->sock_lock, NULL);
    c->qps = opts->qps > 0 ? opts->qps : 50;
    c->burst = opts->burst > 0 ? opts->burst : 100;
    for (int i = 0; i < SL_KUBE_LIMITERS; i++) {
        c->tokens[i] = c->burst;
        c->last_ns[i] = time_now_ns();
    }
    c->max_retries = opts->max_retries < 0 ? 0 : opts->max_retries == 0 ? 5 : opts->max_retries;
    c->watch_buffer_bytes = opts->watch_buffer_bytes ? opts->watch_buffer_bytes : STREAM_BUFFER_MAX;
    if (!keepalive_settings(c, err, errsize) || !health_settings(c, err, errsize)) {
        sl_kube_client_free(c);
        return NULL;
    }
    if (opts->master) c->server = xstrdup(opts->master);
    const char *kc = opts->kubeconfig;
    char home_kc[1024];
    if (!kc && !opts->master) {
        kc = getenv("KUBECONFIG");
        if (kc && !*kc) kc = NULL;
        if (kc && strchr(kc, ':')) {
            /* first file of a list */
            static __thread char first[1024];
            snprintf(first, sizeof first, "%.*s", (int)(strchr(kc, ':') - kc), kc);
            kc = first;
        }
        /* in-cluster: the pod's service account (client-go InClusterConfig) */
        const char *sa_token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
        if (!kc && getenv("KUBERNETES_SERVICE_HOST") && getenv("KUBERNETES_SERVICE_PORT") && access(sa_token, R_OK) == 0) {
            size_t tl;
            char *tok = file_read_all(sa_token, &tl, err, errsize);
            if (tok) {
                while (tl && (tok[tl - 1] == '\n' || tok[tl - 1] == ' ')) tok[--tl] = 0;
                c->token = tok;
                const char *h = getenv("KUBERNETES_SERVICE_HOST");
                c->server = strchr(h, ':') ? xasprintf("https://[%s]:%s", h, getenv("KUBERNETES_SERVICE_PORT"))
                                           : xasprintf("https://%s:%s", h, getenv("KUBERNETES_SERVICE_PORT"));
                c->ca_file = xstrdup("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt");
                start_transport(c);
                return c;
            }
        }
        if (!kc && getenv("HOME")) {
            snprintf(home_kc, sizeof home_kc, "%s/.kube/config", getenv("HOME"));
            if (access(home_kc, R_OK) == 0) kc = home_kc;
        }
    }
    if (kc && !load_kubeconfig(c, kc, err, errsize)) {
        sl_kube_client_free(c);
        return NULL;
    }
    if (!c->server) {
        snprintf(err, errsize, "no API server: give --master URL or --kubeconfig FILE (or set KUBECONFIG)");
        sl_kube_client_free(c);
        return NULL;
    }
    size_t n = strlen(c->server);
    while (n && c->server[n - 1] == '/') c->server[--n] = 0;
    start_transport(c);
    return c;
}

void sl_kube_client_free(sl_kube_client *c) {
    if (!c) return;
    if (c->mux) {
        pthread_mutex_lock(&c->io_lock);
        c->io_stop = true;
        pthread_mutex_unlock(&c->io_lock);
        curl_multi_wakeup(c->multi);
        pthread_join(c->io_thread, NULL);
    }
    for (size_t i = 0; i < c->idle.len; i++) curl_easy_cleanup(c->idle.items[i]);
    if (c->multi) curl_multi_cleanup(c->multi); /* after its easy handles */
    VEC_FREE(&c->idle);
    for (size_t i = 0; i < c->temp_files.len; i++) {
        unlink(c->temp_files.items[i]);
        free(c->temp_files.items[i]);
    }
    VEC_FREE(&c->temp_files);
    free(c->server);
    free(c->token);
    free(c->ca_file);
    free(c->cert_file);
    free(c->key_file);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->io_lock);
    pthread_mutex_destroy(&c->sock_lock);
    VEC_FREE(&c->mux_socks);
    free(c);
}

const char *sl_kube_client_server(const sl_kube_client *c) { return c->server; }

void sl_kube_client_cancel(sl_kube_client *c) {
    atomic_store(&c->cancelled, true);
    if (c->mux) curl_multi_wakeup(c->multi); /* the progress callbacks end the watches */
}

/* Atomic stores only (a signal handler calls it): the progress callbacks
 * of the transfers in flight see it (the HTTP/2 I/O thread within its
 * 1 s poll), the retry loops at their next step. */
void sl_kube_client_abort(sl_kube_client *c) {
    atomic_store(&c->aborted, true);
    atomic_store(&c->cancelled, true);
}

bool sl_kube_client_cancelled(sl_kube_client *c) { return atomic_load(&c->cancelled); }

/* ---- limiter ---- */

static void sleep_ns(int64_t ns) {
    if (ns <= 0) return;
    struct timespec ts = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
    nanosleep(&ts, NULL);
}

/* A retry's backoff: ends early when the client is aborted. */
static void backoff_sleep(sl_kube_client *c, int64_t ns) {
    while (ns > 0 && !atomic_load(&c->aborted)) {
        int64_t slice = ns < 50000000LL ? ns : 50000000LL;
        sleep_ns(slice);
        ns -= slice;
    }
}

static void rate_wait(sl_kube_client *c, sl_kube_limiter which) {
    pthread_mutex_lock(&c->lock);
    int64_t now = time_now_ns();
    c->tokens[which] = fmin(c->burst, c->tokens[which] + (double)(now - c->last_ns[which]) * c->qps / 1e9);
    c->last_ns[which] = now;
    c->tokens[which] -= 1;
    double deficit = -c->tokens[which];
    pthread_mutex_unlock(&c->lock);
    if (deficit > 0) sleep_ns((int64_t)(deficit / c->qps * 1e9));
}

/* ---- handles ---- */

/* A new connection's socket: the keepalive probe count (libcurl 7.88 sets
 * only the idle time and the interval). */
static int on_socket(void *user, curl_socket_t fd, curlsocktype purpose) {
    sl_kube_client *c = user;
    if (purpose == CURLSOCKTYPE_IPCXN) {
        int count = (int)c->keepalive_count;
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count); /* best effort */
        if (c->mux && pthread_equal(pthread_self(), c->io_thread)) {
            pthread_mutex_lock(&c->sock_lock);
            VEC_PUSH(&c->mux_socks, fd);
            pthread_mutex_unlock(&c->sock_lock);
        }
    }
    return CURL_SOCKOPT_OK;
}

static int on_close_socket(void *user, curl_socket_t fd) {
    sl_kube_client *c = user;
    pthread_mutex_lock(&c->sock_lock);
    for (size_t i = 0; i < c->mux_socks.len; i++)
        if (c->mux_socks.items[i] == fd) {
            c->mux_socks.items[i] = c->mux_socks.items[--c->mux_socks.len];
            break;
        }
    pthread_mutex_unlock(&c->sock_lock);
    return close(fd);
}

static CURL *take_handle(sl_kube_client *c) {
    pthread_mutex_lock(&c->lock);
    CURL *h = c->idle.len ? c->idle.items[--c->idle.len] : NULL;
    pthread_mutex_unlock(&c->lock);
    if (!h) h = curl_easy_init();
    else curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    /* dead-connection detection (HTTP/1.1 and HTTP/2 alike: the socket's) */
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, c->keepalive_idle);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, c->keepalive_interval);
    curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, on_socket);
    curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, c);
    curl_easy_setopt(h, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    curl_easy_setopt(h, CURLOPT_CLOSESOCKETDATA, c);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    if (c->mux) {
        curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
        /* wait for the connection being set up to say whether it can
         * multiplex rather than open one more (transfers started together) */
        curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    }
    if (c->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (c->ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
    if (c->cert_file) curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
    if (c->key_file) curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
    return h;
}

static void give_handle(sl_kube_client *c, CURL *h) {
    pthread_mutex_lock(&c->lock);
    VEC_PUSH(&c->idle, h);
    pthread_mutex_unlock(&c->lock);
}

typedef struct buf {
    char *data;
    size_t len, cap;
} buf;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user) {
    buf *b = user;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = xrealloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = 0;
    return n;
}

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *user) {
    UNUSED(ptr), UNUSED(user);
    return size * nmemb;
}

static struct curl_slist *headers(sl_kube_client *c, const char *content_type) {
    struct curl_slist *hl = NULL;
    hl = curl_slist_append(hl, "Accept: application/json");
    char line[256];
    if (content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", content_type);
        hl = curl_slist_append(hl, line);
    }
    hl = curl_slist_append(hl, "User-Agent: schedlab-scheduler");
    if (c->token) {
        size_t n = strlen(c->token) + 32;
        char *auth = xmalloc(n);
        snprintf(auth, n, "Authorization: Bearer %s", c->token);
        hl = curl_slist_append(hl, auth);
        free(auth);
    }
    return hl;
}

/* ---- transport: one transfer, on this thread or the I/O thread ---- */

/* A transfer handed to the I/O thread (HTTP/2 transport). It lives on the
 * caller's stack; the I/O thread touches it until `done`, and the fields
 * marked shared only under c->io_lock. */
typedef struct xfer {
    sl_kube_client *c;
    CURL *h;
    struct xfer *next;          /* incoming list */
    pthread_cond_t cv;          /* done, or (streams) data arrived */
    /* shared */
    bool done;
    CURLcode rc;
    /* a stream (watch): body bytes not consumed yet, and flow control */
    bool streaming;
    buf stream;
    long code;
    bool paused, unpause, cancel;
} xfer;


static void note_http_version(sl_kube_client *c, CURL *h) {
    long v = 0;
    if (curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &v) != CURLE_OK || v == 0) return;
    if (c->mux && v != CURL_HTTP_VERSION_2_0) atomic_store(&c->no_h2, true);
    if (atomic_exchange(&c->http_version, v) == v) return;
    const char *name = v == CURL_HTTP_VERSION_2_0 ? "HTTP/2"
                       : v == CURL_HTTP_VERSION_1_1 ? "HTTP/1.1"
                       : v == CURL_HTTP_VERSION_1_0 ? "HTTP/1.0"
                                                    : "HTTP/3";
    log_debug("client: %s speaks %s%s", c->server, name,
              c->mux ? (v == CURL_HTTP_VERSION_2_0 ? " (ALPN h2: requests and watches multiplexed on one connection)"
                                                   : " (ALPN fell back: kept-alive connections, one per transfer in flight, on the calling threads)")
                     : "");
}

static void finish(sl_kube_client *c, xfer *x, CURLcode rc) {
    pthread_mutex_lock(&c->io_lock);
    x->rc = rc;
    x->done = true;
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&c->io_lock); /* x may be gone from here on */
}

/* The I/O thread: adds the transfers handed to it to the multi handle,
 * applies the watchers' unpause/cancel requests, drives curl and reports
 * each finished transfer. */
/* The HTTP/2 health check, client-go's ReadIdleTimeout / PingTimeout:
 * when transfers are open but nothing came from the server for read_idle,
 * a probe goes out on the multiplexed connection (GET /version: libcurl
 * has no PING with an ack timeout; any answer, whatever its status, shows
 * the connection alive). Unanswered after ping_timeout, the connection is
 * dead (e.g. a proxy that stopped forwarding while keeping the TCP
 * connection up, which TCP keepalive cannot see): its socket is shut down,
 * so curl fails every stream on it — requests are retried, watches resume
 * — and opens a new connection. I/O thread only. */
typedef struct health {
    CURL *probe;
    struct curl_slist *headers;
    char *url;
    int64_t started_ns;
    bool shut;
} health;

static void health_done(health *hc, sl_kube_client *c, CURLcode rc) {
    curl_multi_remove_handle(c->multi, hc->probe);
    if (rc == CURLE_OK) atomic_store(&c->last_rx_ns, time_now_ns());
    give_handle(c, hc->probe);
    hc->probe = NULL;
}

static void health_check(health *hc, sl_kube_client *c, size_t open_transfers) {
    int64_t now = time_now_ns();
    if (!hc->probe) {
        if (!open_transfers) {
            atomic_store(&c->last_rx_ns, now); /* an idle client: measure from its next transfer */
            return;
        }
        if (now - atomic_load(&c->last_rx_ns) < c->read_idle_ns) return;
        hc->probe = take_handle(c);
        if (!hc->url) hc->url = xasprintf("%s/version", c->server);
        if (!hc->headers) hc->headers = headers(c, NULL);
        curl_easy_setopt(hc->probe, CURLOPT_URL, hc->url);
        curl_easy_setopt(hc->probe, CURLOPT_HTTPHEADER, hc->headers);
        curl_easy_setopt(hc->probe, CURLOPT_WRITEFUNCTION, discard_body);
        curl_easy_setopt(hc->probe, CURLOPT_PRIVATE, (char *)NULL);
        if (curl_multi_add_handle(c->multi, hc->probe) != CURLM_OK) {
            give_handle(c, hc->probe);
            hc->probe = NULL;
            return;
        }
        hc->started_ns = now;
        hc->shut = false;
        log_debug("client: nothing from %s for %.0f s: HTTP/2 health check", c->server,
                  (double)(now - atomic_load(&c->last_rx_ns)) / 1e9);
        return;
    }
    if (hc->shut && now - hc->started_ns >= 3 * c->ping_timeout_ns) {
        health_done(hc, c, CURLE_RECV_ERROR); /* curl should have ended it by now: start over */
        return;
    }
    if (hc->shut || now - hc->started_ns < c->ping_timeout_ns) return;
    log_warn("client: %s did not answer for %.0f s (HTTP/2 health check): closing the connection",
             c->server, (double)(now - atomic_load(&c->last_rx_ns)) / 1e9);
    /* curl notices, fails the streams and closes the connection */
    pthread_mutex_lock(&c->sock_lock);
    for (size_t i = 0; i < c->mux_socks.len; i++) shutdown(c->mux_socks.items[i], SHUT_RDWR);
    pthread_mutex_unlock(&c->sock_lock);
    hc->shut = true;
}

static void *io_main(void *arg) {
    sl_kube_client *c = arg;
    name_thread("http2-io", "");
    VEC(xfer *) active = {0};
    VEC(xfer *) unpause = {0};
    health hc = {0};
    atomic_store(&c->last_rx_ns, time_now_ns());
    for (;;) {
        pthread_mutex_lock(&c->io_lock);
        bool stop = c->io_stop;
        xfer *in = c->incoming;
        c->incoming = c->incoming_tail = NULL;
        unpause.len = 0;
        for (size_t i = 0; i < active.len;) {
            xfer *x = active.items[i];
            if (x->streaming && atomic_load(&c->cancelled)) x->cancel = true; /* sl_kube_client_cancel */
            if (x->cancel) { /* the watcher is done with it, or shutdown */
                active.items[i] = active.items[--active.len];
                pthread_mutex_unlock(&c->io_lock);
                curl_multi_remove_handle(c->multi, x->h);
                finish(c, x, CURLE_ABORTED_BY_CALLBACK);
                pthread_mutex_lock(&c->io_lock);
                continue;
            }
            if (x->unpause) {
                x->unpause = false;
                x->paused = false;
                VEC_PUSH(&unpause, x);
            }
            i++;
        }
        pthread_mutex_unlock(&c->io_lock);
        if (stop) break;
        for (xfer *x = in, *next; x; x = next) {
            next = x->next;
            if (curl_multi_add_handle(c->multi, x->h) != CURLM_OK) {
                finish(c, x, CURLE_FAILED_INIT);
                continue;
            }
            VEC_PUSH(&active, x);
        }
        /* may deliver the held-back data at once (write callback: takes io_lock) */
        for (size_t i = 0; i < unpause.len; i++) curl_easy_pause(unpause.items[i]->h, CURLPAUSE_CONT);
        int running = 0;
        curl_multi_perform(c->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(c->multi, &left))) {
            if (m->msg != CURLMSG_DONE) continue;
            CURL *h = m->easy_handle;
            CURLcode rc = m->data.result;
            if (h == hc.probe) {
                health_done(&hc, c, rc);
                continue;
            }
            xfer *x = NULL;
            curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&x);
            curl_multi_remove_handle(c->multi, h);
            for (size_t i = 0; i < active.len; i++)
                if (active.items[i] == x) active.items[i] = active.items[--active.len];
            if (rc == CURLE_OK) atomic_store(&c->last_rx_ns, time_now_ns()); /* answered */
            if (x) finish(c, x, rc);
        }
        health_check(&hc, c, active.len);
        curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
    }
    if (hc.probe) {
        curl_multi_remove_handle(c->multi, hc.probe);
        give_handle(c, hc.probe);
    }
    curl_slist_free_all(hc.headers);
    free(hc.url);
    /* sl_kube_client_free runs after every caller returned: nothing left */
    for (size_t i = 0; i < active.len; i++) curl_multi_remove_handle(c->multi, active.items[i]->h);
    VEC_FREE(&active);
    VEC_FREE(&unpause);
    return NULL;
}

/* The HTTP/2 transport is in use: https, not disabled, and the server has
 * not answered ALPN with http/1.1 (then the I/O thread would only add a
 * hand-off per transfer: later transfers take the pool, as client-go's
 * transport keeps a pool of HTTP/1.1 connections). */
static bool use_mux(sl_kube_client *c) { return c->mux && !atomic_load(&c->no_h2); }

/* Queues x for the I/O thread (HTTP/2 transport) and wakes it. */
static void hand_to_io_thread(sl_kube_client *c, xfer *x) {
    curl_easy_setopt(x->h, CURLOPT_PRIVATE, (char *)x);
    pthread_mutex_lock(&c->io_lock);
    x->next = NULL;
    if (c->incoming_tail) c->incoming_tail->next = x;
    else c->incoming = x;
    c->incoming_tail = x;
    pthread_mutex_unlock(&c->io_lock);
    curl_multi_wakeup(c->multi);
}

/* Runs x->h to the end: on this thread (pool transport) or through the
 * I/O thread (HTTP/2 transport), waiting for it. */
static CURLcode perform(sl_kube_client *c, xfer *x) {
    if (!use_mux(c)) {
        x->rc = curl_easy_perform(x->h);
        x->done = true;
        return x->rc;
    }
    hand_to_io_thread(c, x);
    pthread_mutex_lock(&c->io_lock);
    while (!x->done) pthread_cond_wait(&x->cv, &c->io_lock);
    pthread_mutex_unlock(&c->io_lock);
    return x->rc;
}

/* One request transfer (body to the handle's write callback), by either
 * transport; notes the negotiated HTTP version. */
static CURLcode run_request(sl_kube_client *c, CURL *h) {
    xfer x = {.c = c, .h = h};
    pthread_cond_init(&x.cv, NULL);
    CURLcode rc = perform(c, &x);
    pthread_cond_destroy(&x.cv);
    if (rc == CURLE_OK) note_http_version(c, h);
    return rc;
}

/* A request's progress callback: ends it when the client is aborted. */
static int on_request_progress(void *user, curl_off_t a, curl_off_t b, curl_off_t c2, curl_off_t d) {
    sl_kube_client *c = user;
    UNUSED(a), UNUSED(b), UNUSED(c2), UNUSED(d);
    return atomic_load(&c->aborted) ? 1 : 0;
}

int sl_kube_request_text(sl_kube_client *c, const char *method, const char *path, const char *payload,
                         const char *content_type, char **out, size_t *out_len) {
    return sl_kube_request_text_via(c, SL_KUBE_LIMIT_REQUESTS, method, path, payload, content_type, out, out_len);
}

int sl_kube_request_text_via(sl_kube_client *c, sl_kube_limiter limiter, const char *method, const char *path,
                             const char *payload, const char *content_type, char **out, size_t *out_len) {
    if (out) *out = NULL;
    if (out_len) *out_len = 0;
    if (atomic_load(&c->aborted)) return 0;
    size_t url_len = strlen(c->server) + strlen(path) + 1;
    char *url = xmalloc(url_len);
    snprintf(url, url_len, "%s%s", c->server, path);
    struct curl_slist *hl = headers(c, payload ? (content_type ? content_type : "application/json") : NULL);
    int64_t backoff = 50 * 1000000LL;
    long code = 0;
    for (int attempt = 0;; attempt++) {
        if ((atomic_load(&c->cancelled) && attempt > 0) || atomic_load(&c->aborted)) break;
        rate_wait(c, limiter);
        CURL *h = take_handle(c);
        buf b = {0};
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 60000L);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_request_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
        if (payload) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
        }
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        CURLcode rc = run_request(c, h);
        code = 0;
        curl_off_t retry_after = 0;
        if (rc == CURLE_OK) {
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
            curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &retry_after);
        }
        give_handle(c, h);
        bool retry = rc != CURLE_OK || code == 429 || code >= 500;
        if (!retry || attempt >= c->max_retries) {
            if (rc != CURLE_OK) log_debug("%s %s: %s", method, path, curl_easy_strerror(rc));
            if (out) {
                *out = b.data;
                if (out_len) *out_len = b.len;
            } else {
                free(b.data);
            }
            break;
        }
        free(b.data);
        log_debug("%s %s: %s; retrying", method, path, rc != CURLE_OK ? curl_easy_strerror(rc) : "server busy");
        backoff_sleep(c, retry_after > 0 ? (int64_t)retry_after * 1000000000LL : backoff);
        backoff = backoff * 2 > 2000000000LL ? 2000000000LL : backoff * 2;
    }
    curl_slist_free_all(hl);
    free(url);
    return (int)code;
}

int sl_kube_request(sl_kube_client *c, const char *method, const char *path, const json_t *body,
                    const char *content_type, json_t **out) {
    if (out) *out = NULL;
    char *payload = body ? k8s_json_dumps(body, JSON_COMPACT) : NULL;
    char *text = NULL;
    size_t len = 0;
    int code = sl_kube_request_text(c, method, path, payload, content_type, out ? &text : NULL, &len);
    if (out && text) *out = k8s_json_loadb(text, len, 0, NULL);
    free(text);
    free(payload);
    return code;
}

/* ---- LIST with items decoded in parallel ---- */

/* A minimal scanner over JSON text, enough to find the byte range of each
 * element of the top-level "items" array (strings and nesting are
 * respected; the elements themselves are parsed by k8s_json_loadb, which
 * builds jansson's tree faster). */
static const char *skip_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

static const char *skip_string(const char *p, const char *end) { /* p at the opening quote */
    for (p++; p < end; p++) {
        if (*p == '\\') p++;
        else if (*p == '"') return p + 1;
    }
    return NULL;
}

static const char *skip_value(const char *p, const char *end) {
    p = skip_ws(p, end);
    if (p >= end) return NULL;
    if (*p == '"') return skip_string(p, end);
    if (*p != '{' && *p != '[') {
        while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') p++;
        return p;
    }
    int depth = 0;
    for (; p < end; p++) {
        if (*p == '"') {
            p = skip_string(p, end);
            if (!p) return NULL;
            p--;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            if (--depth == 0) return p + 1;
        }
    }
    return NULL;
}

typedef struct item_range {
    size_t start, len;
} item_range;
typedef VEC(item_range) item_ranges;

/* Splits {"...": ..., "items": [a, b, ...], ...}: fills *items with the
 * element ranges and *rest_meta with the range of "metadata". false when
 * the text does not have that shape. */
static bool split_list(const char *text, size_t len, item_ranges *items, item_range *meta) {
    const char *p = text, *end = text + len;
    p = skip_ws(p, end);
    if (p >= end || *p != '{') return false;
    p++;
    for (;;) {
        p = skip_ws(p, end);
        if (p < end && *p == '}') return true;
        if (p >= end || *p != '"') return false;
        const char *key = p + 1;
        const char *kend = skip_string(p, end);
        if (!kend) return false;
        size_t klen = (size_t)(kend - 1 - key);
        p = skip_ws(kend, end);
        if (p >= end || *p != ':') return false;
        p = skip_ws(p + 1, end);
        if (klen == 5 && !memcmp(key, "items", 5)) items->len = 0; /* a repeated key: the last wins, as jansson */
        if (klen == 5 && !memcmp(key, "items", 5) && p < end && *p == '[') {
            p = skip_ws(p + 1, end);
            if (p < end && *p == ']') {
                p++;
            } else {
                for (;;) {
                    const char *v = skip_ws(p, end);
                    const char *ve = skip_value(v, end);
                    if (!ve) return false;
                    item_range r = {(size_t)(v - text), (size_t)(ve - v)};
                    VEC_PUSH(items, r);
                    p = skip_ws(ve, end);
                    if (p < end && *p == ',') { p++; continue; }
                    if (p < end && *p == ']') { p++; break; }
                    return false;
                }
            }
        } else {
            const char *ve = skip_value(p, end);
            if (!ve) return false;
            if (klen == 8 && !memcmp(key, "metadata", 8)) {
                meta->start = (size_t)(p - text);
                meta->len = (size_t)(ve - p);
            }
            p = ve;
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') { p++; continue; }
        if (p < end && *p == '}') return true;
        return false;
    }
}

typedef struct list_job {
    const char *text;
    const item_range *ranges;
    size_t from, to;
    void **results;
    void *(*decode)(void *user, json_t *item);
    void *user;
} list_job;

static void *list_worker(void *arg) {
    list_job *j = arg;
    for (size_t i = j->from; i < j->to; i++) {
        json_t *item = k8s_json_loadb(j->text + j->ranges[i].start, j->ranges[i].len, JSON_DECODE_ANY, NULL);
        j->results[i] = item ? j->decode(j->user, item) : NULL;
        json_decref(item);
    }
    return NULL;
}

static void *list_helper(void *arg) {
    name_thread("list-parse", "");
    return list_worker(arg);
}

bool sl_kube_list_parse(const char *text, size_t len, int threads, void *(*decode)(void *user, json_t *item),
                        void *user, sl_kube_list_result *out, char *err, size_t errsize) {
    memset(out, 0, sizeof(*out));
    item_ranges ranges = {0};
    item_range meta = {0, 0};
    if (!split_list(text, len, &ranges, &meta)) {
        /* not the shape expected of a list: let jansson say why */
        VEC_FREE(&ranges);
        json_error_t jerr;
        json_t *doc = json_loadb(text, len, 0, &jerr);
        snprintf(err, errsize, "%s", doc ? "the answer is not a list" : jerr.text);
        json_decref(doc);
        return false;
    }
    json_t *m = meta.len ? k8s_json_loadb(text + meta.start, meta.len, 0, NULL) : NULL;
    const char *rv = json_string_value(json_object_get(m, "resourceVersion"));
    out->resource_version = xstrdup(rv ? rv : "");
    json_decref(m);
    out->len = ranges.len;
    out->items = xcalloc(ranges.len + 1, sizeof(void *));
    if (threads < 1) threads = 1;
    if (threads > 16) threads = 16;
    if ((size_t)threads > ranges.len / 256 + 1) threads = (int)(ranges.len / 256 + 1);
    list_job jobs[16];
    pthread_t tids[16];
    bool started[16] = {false};
    for (int t = 0; t < threads; t++) {
        jobs[t] = (list_job){text, ranges.items, ranges.len * (size_t)t / (size_t)threads,
                             ranges.len * (size_t)(t + 1) / (size_t)threads, out->items, decode, user};
        if (t > 0) started[t] = pthread_create(&tids[t], NULL, list_helper, &jobs[t]) == 0;
    }
    list_worker(&jobs[0]);
    for (int t = 1; t < threads; t++) {
        if (started[t]) pthread_join(tids[t], NULL);
        else list_worker(&jobs[t]);
    }
    VEC_FREE(&ranges);
    return true;
}

int sl_kube_list(sl_kube_client *c, const char *path, int threads, void *(*decode)(void *user, json_t *item),
                 void *user, sl_kube_list_result *out) {
    memset(out, 0, sizeof(*out));
    char *text = NULL;
    size_t len = 0;
    int code = sl_kube_request_text(c, "GET", path, NULL, NULL, &text, &len);
    if (code != 200 || !text) {
        free(text);
        return code;
    }
    char err[256];
    bool ok = sl_kube_list_parse(text, len, threads, decode, user, out, err, sizeof err);
    free(text);
    if (!ok) {
        log_warn("LIST %s: %s", path, err);
        return 0;
    }
    return code;
}

void sl_kube_list_result_free(sl_kube_list_result *r) {
    free(r->items);
    free(r->resource_version);
    memset(r, 0, sizeof(*r));
}

/* ---- watch ---- */

typedef struct watch_state {
    sl_kube_client *c;
    buf line;
    bool (*on_event)(void *, json_t *);
    void *user;
    bool stop;
    long code;
    CURL *h;
} watch_state;

/* Body bytes of the watch, on the watching thread: one event per line.
 * False when the callback asked to stop. */
static bool watch_feed(watch_state *w, const char *ptr, size_t n) {
    on_body((char *)ptr, 1, n, &w->line);
    if (w->code != 200) return true; /* keep the Status body */
    char *start = w->line.data;
    char *nl;
    while ((nl = memchr(start, '\n', w->line.len - (size_t)(start - w->line.data)))) {
        json_t *ev = k8s_json_loadb(start, (size_t)(nl - start), 0, NULL);
        start = nl + 1;
        if (ev) {
            bool go_on = w->on_event(w->user, ev);
            json_decref(ev);
            if (!go_on) {
                w->stop = true;
                return false;
            }
        }
    }
    size_t rest = w->line.len - (size_t)(start - w->line.data);
    memmove(w->line.data, start, rest);
    w->line.len = rest;
    w->line.data[rest] = 0;
    return true;
}

/* Pool transport: curl calls this on the watching thread itself. */
static size_t on_watch_body(char *ptr, size_t size, size_t nmemb, void *user) {
    watch_state *w = user;
    size_t n = size * nmemb;
    if (w->stop) return 0;
    if (!w->code) curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &w->code);
    return watch_feed(w, ptr, n) ? n : 0;
}

/* HTTP/2 transport: on the I/O thread; the bytes go to the watcher. */
static size_t on_stream_body(char *ptr, size_t size, size_t nmemb, void *user) {
    xfer *x = user;
    size_t n = size * nmemb;
    pthread_mutex_lock(&x->c->io_lock);
    if (x->cancel) {
        pthread_mutex_unlock(&x->c->io_lock);
        return 0;
    }
    if (!x->code) curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->code);
    atomic_store(&x->c->last_rx_ns, time_now_ns()); /* the connection is alive (health check) */
    if (x->stream.len >= x->c->watch_buffer_bytes) {
        if (!x->paused) log_debug("client: watch stream paused, %zu bytes wait for the watcher", x->stream.len);
        x->paused = true;
        pthread_mutex_unlock(&x->c->io_lock);
        return CURL_WRITEFUNC_PAUSE;
    }
    on_body(ptr, 1, n, &x->stream);
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->c->io_lock);
    return n;
}

static int on_progress(void *user, curl_off_t a, curl_off_t b, curl_off_t c2, curl_off_t d) {
    sl_kube_client *c = user;
    UNUSED(a), UNUSED(b), UNUSED(c2), UNUSED(d);
    return atomic_load(&c->cancelled) ? 1 : 0;
}

/* HTTP/2 transport: hands the stream to the I/O thread and feeds what
 * arrives to the watch, on this thread, until the stream ends or the
 * callback stops it. */
static CURLcode stream_watch(sl_kube_client *c, xfer *x, watch_state *w) {
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_stream_body);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    x->streaming = true;
    hand_to_io_thread(c, x);
    pthread_mutex_lock(&c->io_lock);
    for (;;) {
        while (!x->done && x->stream.len == 0) pthread_cond_wait(&x->cv, &c->io_lock);
        if (x->stream.len == 0) break; /* done, everything consumed */
        buf chunk = x->stream;
        x->stream = (buf){0};
        w->code = x->code;
        bool wake = false;
        if (x->paused && !x->done) {
            x->unpause = true;
            wake = true;
        }
        pthread_mutex_unlock(&c->io_lock);
        if (wake) curl_multi_wakeup(c->multi);
        bool go_on = watch_feed(w, chunk.data, chunk.len);
        free(chunk.data);
        pthread_mutex_lock(&c->io_lock);
        if (!go_on) {
            if (!x->done) {
                x->cancel = true;
                pthread_mutex_unlock(&c->io_lock);
                curl_multi_wakeup(c->multi);
                pthread_mutex_lock(&c->io_lock);
                while (!x->done) pthread_cond_wait(&x->cv, &c->io_lock);
            }
            break;
        }
    }
    free(x->stream.data);
    x->stream = (buf){0};
    pthread_mutex_unlock(&c->io_lock);
    return x->rc;
}

int sl_kube_watch(sl_kube_client *c, const char *path, bool (*on_event)(void *user, json_t *event),
                  void *user) {
    if (atomic_load(&c->cancelled)) return 0;
    size_t url_len = strlen(c->server) + strlen(path) + 1;
    char *url = xmalloc(url_len);
    snprintf(url, url_len, "%s%s", c->server, path);
    struct curl_slist *hl = headers(c, NULL);
    CURL *h = take_handle(c);
    watch_state w = {.c = c, .on_event = on_event, .user = user, .h = h};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    /* a dead server: no byte (not even a bookmark) for 2 minutes */
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 120L);
    CURLcode rc;
    if (use_mux(c)) {
        xfer x = {.c = c, .h = h};
        pthread_cond_init(&x.cv, NULL);
        rc = stream_watch(c, &x, &w);
        pthread_cond_destroy(&x.cv);
    } else {
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_watch_body);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &w);
        rc = curl_easy_perform(h);
    }
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (code) note_http_version(c, h);
    give_handle(c, h);
    curl_slist_free_all(hl);
    free(url);
    free(w.line.data);
    if (w.stop) return 200;
    if (rc != CURLE_OK && code == 200) return 0;
    return (int)code;
}
