/*
 * cmd_scheduler_serve.c — what kube-scheduler serves on --secure-port
 * (HTTPS, libmicrohttpd): /healthz, /livez (the process answers), /readyz
 * (informers synced), /metrics in the Prometheus text format with
 * upstream's names, labels and buckets:
 *   scheduler_schedule_attempts_total{profile,result}          counter
 *   scheduler_scheduling_attempt_duration_seconds{profile,result}
 *       histogram, ExponentialBuckets(0.001, 2, 15)
 *   scheduler_pending_pods{queue=active|backoff|unschedulable|gated} gauge
 *   scheduler_framework_extension_point_duration_seconds{extension_point,status,profile}
 *       histogram, ExponentialBuckets(0.0001, 2, 12)
 *   scheduler_plugin_execution_duration_seconds{plugin,extension_point,status}
 *       histogram, ExponentialBuckets(0.00001, 1.5, 20): every plugin call
 *       at every extension point in the 10% of the cycles the framework
 *       samples (upstream pluginMetricsSamplePercent); Filter and Score
 *       calls are timed per batch of nodes and counted one per (plugin,
 *       node) call with the batch's mean (framework.h, plugin_execution)
 * fed by a recorder (framework.h) on the scheduler thread (Filter/Score
 * plugin timings also from pool threads); one mutex guards the numbers
 * between it and the serving threads.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "cmd/cmd.h"
#include "scheduler/scheduler.h"

#define NBUCKETS 15
#define MAX_PROFILES 16
static const char *const results[] = {"scheduled", "unschedulable", "error"};

typedef struct series {
    uint64_t count, buckets[NBUCKETS];
    double sum;
} series;

/* A labelled histogram with `nb` exponential buckets from `start` × `factor`. */
typedef struct labelled {
    char *labels; /* `a="x",b="y"` */
    uint64_t count, buckets[20];
    double sum;
} labelled;
typedef VEC(labelled) labelled_vec;

static void observe(labelled_vec *v, char *labels, double secs, double start, double factor, int nb) {
    labelled *h = NULL;
    for (size_t i = 0; i < v->len; i++)
        if (!strcmp(v->items[i].labels, labels)) h = &v->items[i];
    if (h) {
        free(labels);
    } else {
        VEC_PUSH(v, ((labelled){.labels = labels}));
        h = &v->items[v->len - 1];
    }
    h->count++;
    h->sum += secs;
    double le = start;
    for (int i = 0; i < nb; i++, le *= factor)
        if (secs <= le) h->buckets[i]++;
}

/* `calls` observations of `secs` each. */
static void observe_calls(labelled *h, double secs, uint32_t calls, double start, double factor, int nb) {
    h->count += calls;
    h->sum += secs * calls;
    double le = start;
    for (int i = 0; i < nb; i++, le *= factor)
        if (secs <= le) h->buckets[i] += calls;
}

/* Where a (plugin, point, code) series is in `plugins`: looked up by the
 * caller's pointers (framework-owned names and literals, stable), checked
 * against copies so a reused address can never pick the wrong series. */
typedef struct plugin_key {
    const char *plugin_at, *point_at;
    char *plugin, *point;
    sl_code code;
    size_t index;
} plugin_key;

static void render_histogram(strbuf *out, const char *name, const labelled_vec *v, double start, double factor,
                             int nb) {
    for (size_t k = 0; k < v->len; k++) {
        const labelled *h = &v->items[k];
        double le = start;
        for (int i = 0; i < nb; i++, le *= factor)
            strbuf_printf(out, "%s_bucket{%s,le=\"%g\"} %llu\n", name, h->labels, le,
                          (unsigned long long)h->buckets[i]);
        strbuf_printf(out, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, h->labels, (unsigned long long)h->count);
        strbuf_printf(out, "%s_sum{%s} %.9g\n", name, h->labels, h->sum);
        strbuf_printf(out, "%s_count{%s} %llu\n", name, h->labels, (unsigned long long)h->count);
    }
}

struct sched_serving {
    pthread_mutex_t lock;
    sl_recorder recorder;
    struct sl_scheduler *scheduler;
    bool ready;
    char *profiles[MAX_PROFILES];
    int nprofiles;
    series attempts[MAX_PROFILES][3];
    uint32_t pending[4];
    int64_t cycle_start_ns;
    labelled_vec points, plugins;
    VEC(plugin_key) plugin_keys;
    struct MHD_Daemon *daemon;
    char *cert_pem, *key_pem;
};

static void on_cycle_start(void *user, const sl_pod_info *pod, uint32_t attempt) {
    sched_serving *sv = user;
    UNUSED(pod), UNUSED(attempt);
    sv->cycle_start_ns = time_now_ns();
}

static void on_extension_point(void *user, const char *profile, const char *point, sl_status status,
                               int64_t ns) {
    sched_serving *sv = user;
    char *labels = xasprintf("extension_point=\"%s\",status=\"%s\",profile=\"%s\"", point,
                             sl_code_name(status.code), profile);
    pthread_mutex_lock(&sv->lock);
    observe(&sv->points, labels, (double)ns / 1e9, 0.0001, 2, 12);
    pthread_mutex_unlock(&sv->lock);
}

/* Only called in sampled cycles (the framework samples). */
static void on_plugin_execution(void *user, const char *plugin, const char *point, sl_status status, uint32_t calls,
                                int64_t ns) {
    sched_serving *sv = user;
    if (calls == 0) return;
    double each = (double)ns / 1e9 / calls;
    pthread_mutex_lock(&sv->lock);
    labelled *h = NULL;
    for (size_t i = 0; i < sv->plugin_keys.len && !h; i++) {
        const plugin_key *k = &sv->plugin_keys.items[i];
        if (k->plugin_at == plugin && k->point_at == point && k->code == status.code && !strcmp(k->plugin, plugin) &&
            !strcmp(k->point, point))
            h = &sv->plugins.items[k->index];
    }
    if (!h) {
        char *labels = xasprintf("plugin=\"%s\",extension_point=\"%s\",status=\"%s\"", plugin, point,
                                 sl_code_name(status.code));
        size_t at = 0;
        while (at < sv->plugins.len && strcmp(sv->plugins.items[at].labels, labels) != 0) at++;
        if (at == sv->plugins.len) VEC_PUSH(&sv->plugins, ((labelled){.labels = labels}));
        else free(labels);
        VEC_PUSH(&sv->plugin_keys, ((plugin_key){.plugin_at = plugin, .point_at = point, .plugin = xstrdup(plugin),
                                                 .point = xstrdup(point), .code = status.code, .index = at}));
        h = &sv->plugins.items[at];
    }
    observe_calls(h, each, calls, 0.00001, 1.5, 20);
    pthread_mutex_unlock(&sv->lock);
}

static void on_cycle_end(void *user, const sl_pod_info *pod, const char *node, sl_status result) {
    sched_serving *sv = user;
    double secs = (double)(time_now_ns() - sv->cycle_start_ns) / 1e9;
    int r = node && result.code == SL_SUCCESS ? 0 : sl_status_is_rejected(result) ? 1 : 2;
    const char *profile = pod && pod->pod && pod->pod->scheduler_name ? pod->pod->scheduler_name : "default-scheduler";
    uint32_t a = 0, b = 0, u = 0, g = 0;
    if (sv->scheduler) sl_scheduler_pending_counts(sv->scheduler, &a, &b, &u, &g);
    pthread_mutex_lock(&sv->lock);
    int p = 0;
    while (p < sv->nprofiles && strcmp(sv->profiles[p], profile) != 0) p++;
    if (p == sv->nprofiles && p < MAX_PROFILES) sv->profiles[sv->nprofiles++] = xstrdup(profile);
    if (p < MAX_PROFILES) {
        series *s = &sv->attempts[p][r];
        s->count++;
        s->sum += secs;
        double le = 0.001;
        for (int i = 0; i < NBUCKETS; i++, le *= 2)
            if (secs <= le) s->buckets[i]++;
    }
    sv->pending[0] = a, sv->pending[1] = b, sv->pending[2] = u, sv->pending[3] = g;
    pthread_mutex_unlock(&sv->lock);
}

sched_serving *sched_serving_new(void) {
    sched_serving *sv = xcalloc(1, sizeof(*sv));
    pthread_mutex_init(&sv->lock, NULL);
    sv->recorder.user = sv;
    sv->recorder.cycle_start = on_cycle_start;
    sv->recorder.cycle_end = on_cycle_end;
    sv->recorder.extension_point = on_extension_point;
    sv->recorder.plugin_execution = on_plugin_execution;
    return sv;
}

const sl_recorder *sched_serving_recorder(sched_serving *sv) { return &sv->recorder; }

void sched_serving_set_ready(sched_serving *sv, struct sl_scheduler *s) {
    uint32_t a = 0, b = 0, u = 0, g = 0;
    if (s) sl_scheduler_pending_counts(s, &a, &b, &u, &g);
    pthread_mutex_lock(&sv->lock);
    sv->scheduler = s;
    sv->ready = true;
    sv->pending[0] = a, sv->pending[1] = b, sv->pending[2] = u, sv->pending[3] = g;
    pthread_mutex_unlock(&sv->lock);
}

static char *render_metrics(sched_serving *sv) {
    strbuf out = {0};
    pthread_mutex_lock(&sv->lock);
    strbuf_printf(&out, "# HELP scheduler_schedule_attempts_total [STABLE] Number of attempts to schedule pods, by the result. 'unschedulable' means a pod could not be scheduled, while 'error' means an internal scheduler problem.\n"
                         "# TYPE scheduler_schedule_attempts_total counter\n");
    for (int p = 0; p < sv->nprofiles; p++)
        for (int r = 0; r < 3; r++)
            strbuf_printf(&out, "scheduler_schedule_attempts_total{profile=\"%s\",result=\"%s\"} %llu\n", sv->profiles[p],
                           results[r], (unsigned long long)sv->attempts[p][r].count);
    strbuf_printf(&out, "# HELP scheduler_scheduling_attempt_duration_seconds [STABLE] Scheduling attempt latency in seconds (scheduling algorithm + binding)\n"
                         "# TYPE scheduler_scheduling_attempt_duration_seconds histogram\n");
    for (int p = 0; p < sv->nprofiles; p++)
        for (int r = 0; r < 3; r++) {
            series *s = &sv->attempts[p][r];
            double le = 0.001;
            for (int i = 0; i < NBUCKETS; i++, le *= 2)
                strbuf_printf(&out, "scheduler_scheduling_attempt_duration_seconds_bucket{profile=\"%s\",result=\"%s\",le=\"%g\"} %llu\n",
                               sv->profiles[p], results[r], le, (unsigned long long)s->buckets[i]);
            strbuf_printf(&out, "scheduler_scheduling_attempt_duration_seconds_bucket{profile=\"%s\",result=\"%s\",le=\"+Inf\"} %llu\n",
                           sv->profiles[p], results[r], (unsigned long long)s->count);
            strbuf_printf(&out, "scheduler_scheduling_attempt_duration_seconds_sum{profile=\"%s\",result=\"%s\"} %.9g\n",
                           sv->profiles[p], results[r], s->sum);
            strbuf_printf(&out, "scheduler_scheduling_attempt_duration_seconds_count{profile=\"%s\",result=\"%s\"} %llu\n",
                           sv->profiles[p], results[r], (unsigned long long)s->count);
        }
    static const char *const queues[] = {"active", "backoff", "unschedulable", "gated"};
    strbuf_printf(&out, "# HELP scheduler_pending_pods [STABLE] Number of pending pods, by the queue type. 'active' means number of pods in activeQ; 'backoff' means number of pods in backoffQ; 'unschedulable' means number of pods in unschedulablePods that the scheduler attempted to schedule and failed; 'gated' is the number of unschedulable pods that the scheduler never attempted to schedule because they are gated.\n"
                         "# TYPE scheduler_pending_pods gauge\n");
    for (int q = 0; q < 4; q++)
        strbuf_printf(&out, "scheduler_pending_pods{queue=\"%s\"} %u\n", queues[q], sv->pending[q]);
    strbuf_printf(&out, "# HELP scheduler_framework_extension_point_duration_seconds [STABLE] Latency for running all plugins of a specific extension point.\n"
                        "# TYPE scheduler_framework_extension_point_duration_seconds histogram\n");
    render_histogram(&out, "scheduler_framework_extension_point_duration_seconds", &sv->points, 0.0001, 2, 12);
    strbuf_printf(&out, "# HELP scheduler_plugin_execution_duration_seconds [ALPHA] Duration for running a plugin at a specific extension point.\n"
                        "# TYPE scheduler_plugin_execution_duration_seconds histogram\n");
    render_histogram(&out, "scheduler_plugin_execution_duration_seconds", &sv->plugins, 0.00001, 1.5, 20);
    pthread_mutex_unlock(&sv->lock);
    return strbuf_take(&out);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                               const char *version, const char *upload, size_t *upload_size, void **ctx) {
    sched_serving *sv = cls;
    UNUSED(version), UNUSED(upload), UNUSED(upload_size), UNUSED(ctx);
    unsigned code = 200;
    char *body;
    const char *ctype = "text/plain; charset=utf-8";
    if (strcmp(method, "GET") != 0) {
        code = 405;
        body = xstrdup("method not allowed\n");
    } else if (!strcmp(url, "/healthz") || !strcmp(url, "/livez")) {
        body = xstrdup("ok");
    } else if (!strcmp(url, "/readyz")) {
        pthread_mutex_lock(&sv->lock);
        bool ready = sv->ready;
        pthread_mutex_unlock(&sv->lock);
        code = ready ? 200 : 500;
        body = xstrdup(ready ? "ok" : "[-]informer-sync failed: not synced yet\nreadyz check failed");
    } else if (!strcmp(url, "/metrics")) {
        body = render_metrics(sv);
        ctype = "text/plain; version=0.0.4; charset=utf-8";
    } else {
        code = 404;
        body = xstrdup("404 page not found\n");
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", ctype);
    enum MHD_Result ret = MHD_queue_response(conn, code, resp);
    MHD_destroy_response(resp);
    return ret;
}

bool sched_serving_start(sched_serving *sv, const char *addr, int port, const char *cert_file, const char *key_file,
                         char *err, size_t errsize) {
    size_t len;
    if (cert_file && key_file) {
        sv->cert_pem = file_read_all(cert_file, &len, err, errsize);
        if (!sv->cert_pem) return false;
        sv->key_pem = file_read_all(key_file, &len, err, errsize);
        if (!sv->key_pem) return false;
    } else if (!cmd_self_signed(addr, &sv->cert_pem, &sv->key_pem, err, errsize)) {
        return false;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        snprintf(err, errsize, "--bind-address %s: not an IPv4 address", addr);
        return false;
    }
    sv->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_TLS, 0,
                                  NULL, NULL, handler, sv, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_HTTPS_MEM_KEY,
                                  sv->key_pem, MHD_OPTION_HTTPS_MEM_CERT, sv->cert_pem,
                                  MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (!sv->daemon) {
        snprintf(err, errsize, "cannot serve on %s:%d (in use?)", addr, port);
        return false;
    }
    return true;
}

uint64_t sched_serving_plugin_calls(sched_serving *sv) {
    uint64_t n = 0;
    pthread_mutex_lock(&sv->lock);
    for (size_t i = 0; i < sv->plugins.len; i++) n += sv->plugins.items[i].count;
    pthread_mutex_unlock(&sv->lock);
    return n;
}

void sched_serving_free(sched_serving *sv) {
    if (!sv) return;
    if (sv->daemon) MHD_stop_daemon(sv->daemon);
    for (int p = 0; p < sv->nprofiles; p++) free(sv->profiles[p]);
    for (size_t i = 0; i < sv->points.len; i++) free(sv->points.items[i].labels);
    for (size_t i = 0; i < sv->plugins.len; i++) free(sv->plugins.items[i].labels);
    VEC_FREE(&sv->points);
    VEC_FREE(&sv->plugins);
    for (size_t i = 0; i < sv->plugin_keys.len; i++) {
        free(sv->plugin_keys.items[i].plugin);
        free(sv->plugin_keys.items[i].point);
    }
    VEC_FREE(&sv->plugin_keys);
    free(sv->cert_pem);
    free(sv->key_pem);
    pthread_mutex_destroy(&sv->lock);
    free(sv);
}
