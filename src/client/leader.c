/*
 * leader.c — leader election over a coordination.k8s.io/v1 Lease
 * (client.h), the algorithm of client-go's leaderelection package:
 *
 *   tryAcquireOrRenew: GET the Lease; absent -> create it holding it
 *   (acquireTime = renewTime = now, leaseTransitions 0). Present and held
 *   by someone else whose record we last saw change less than
 *   leaseDuration ago (observed on our own clock, never theirs) -> not
 *   ours. Otherwise write it with an update conditioned on its
 *   resourceVersion: holderIdentity = us, renewTime = now, acquireTime and
 *   leaseTransitions + 1 when the holder changes, leaseDurationSeconds.
 *   acquire retries every retryPeriod; the leader renews every retryPeriod
 *   and gives up (on_lost) when no renewal succeeded for renewDeadline.
 *   Times are MicroTime (RFC 3339 with microseconds).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base.h"
#include "client/client.h"

struct sl_leader {
    sl_kube_client *client;
    char *ns, *name, *identity;
    double lease_s, renew_deadline_s, retry_s;
    void (*on_lost)(void *);
    void *user;
    char *observed;            /* the last record seen (JSON of spec) */
    int64_t observed_ns;       /* when it last changed (monotonic) */
    pthread_t thread;
    bool renewing;
    atomic_bool stop;
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

static void micro_time(char *buf, size_t size) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, size - n, ".%06ldZ", ts.tv_nsec / 1000);
}

sl_leader *sl_leader_new(sl_kube_client *client, const sl_leader_options *o) {
    sl_leader *l = xcalloc(1, sizeof(*l));
    l->client = client;
    l->ns = xstrdup(o->namespace_ ? o->namespace_ : "kube-system");
    l->name = xstrdup(o->name ? o->name : "kube-scheduler");
    l->identity = xstrdup(o->identity);
    l->lease_s = o->lease_duration_s > 0 ? o->lease_duration_s : 15;
    l->renew_deadline_s = o->renew_deadline_s > 0 ? o->renew_deadline_s : 10;
    l->retry_s = o->retry_period_s > 0 ? o->retry_period_s : 2;
    l->on_lost = o->on_lost;
    l->user = o->user;
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->cond, NULL);
    return l;
}

/* true when we hold the lease after the call */
static bool try_acquire_or_renew(sl_leader *l) {
    char now[40];
    micro_time(now, sizeof now);
    char *path = xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s", l->ns, l->name);
    json_t *lease = NULL;
    int code = sl_kube_request(l->client, "GET", path, NULL, NULL, &lease);
    bool ok = false;
    if (code == 404) {
        json_t *body = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:s, s:i, s:s, s:s, s:i}}", "apiVersion",
                                 "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name", l->name,
                                 "namespace", l->ns, "spec", "holderIdentity", l->identity,
                                 "leaseDurationSeconds", (int)(l->lease_s + 0.5), "acquireTime", now,
                                 "renewTime", now, "leaseTransitions", 0);
        char *cpath = xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases", l->ns);
        code = sl_kube_request(l->client, "POST", cpath, body, NULL, NULL);
        free(cpath);
        json_decref(body);
        ok = code == 201 || code == 200;
        if (ok) {
            free(l->observed);
            l->observed = NULL;
            l->observed_ns = time_now_ns();
        }
        goto out;
    }
    if (code != 200 || !lease) goto out;
    json_t *spec = json_object_get(lease, "spec");
    if (!json_is_object(spec)) {
        spec = json_object();
        json_object_set_new(lease, "spec", spec);
    }
    char *record = json_dumps(spec, JSON_SORT_KEYS | JSON_COMPACT);
    if (!l->observed || strcmp(record, l->observed) != 0) {
        free(l->observed);
        l->observed = record;
        l->observed_ns = time_now_ns();
    } else {
        free(record);
    }
    const char *holder = json_string_value(json_object_get(spec, "holderIdentity"));
    bool mine = holder && !strcmp(holder, l->identity);
    json_int_t dur = json_integer_value(json_object_get(spec, "leaseDurationSeconds"));
    if (holder && holder[0] && !mine && l->observed_ns + (int64_t)dur * 1000000000LL > time_now_ns()) goto out;
    if (!mine) {
        json_object_set_new(spec, "acquireTime", json_string(now));
        json_int_t tr = json_integer_value(json_object_get(spec, "leaseTransitions"));
        json_object_set_new(spec, "leaseTransitions", json_integer(tr + 1));
    }
    json_object_set_new(spec, "holderIdentity", json_string(l->identity));
    json_object_set_new(spec, "leaseDurationSeconds", json_integer((json_int_t)(l->lease_s + 0.5)));
    json_object_set_new(spec, "renewTime", json_string(now));
    json_t *updated = NULL;
    code = sl_kube_request(l->client, "PUT", path, lease, NULL, &updated);
    ok = code == 200;
    if (ok) {
        free(l->observed);
        l->observed = json_dumps(json_object_get(updated, "spec"), JSON_SORT_KEYS | JSON_COMPACT);
        l->observed_ns = time_now_ns();
    }
    json_decref(updated);
out:
    json_decref(lease);
    free(path);
    return ok;
}

/* waits up to s seconds; false when stopping */
static bool pause_s(sl_leader *l, double s) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = (int64_t)(s * 1e9) + ts.tv_nsec;
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    pthread_mutex_lock(&l->lock);
    while (!atomic_load(&l->stop) && pthread_cond_timedwait(&l->cond, &l->lock, &ts) == 0) {
    }
    pthread_mutex_unlock(&l->lock);
    return !atomic_load(&l->stop);
}

static void *renew_main(void *arg) {
    sl_leader *l = arg;
    name_thread("lease-renew", "");
    int64_t last_ok = time_now_ns();
    while (pause_s(l, l->retry_s)) {
        if (try_acquire_or_renew(l)) {
            last_ok = time_now_ns();
            continue;
        }
        if (atomic_load(&l->stop)) break;
        if (time_now_ns() - last_ok >= (int64_t)(l->renew_deadline_s * 1e9)) {
            log_error("leaderelection lost: lease %s/%s not renewed within %.0fs", l->ns, l->name, l->renew_deadline_s);
            if (l->on_lost) l->on_lost(l->user);
            break;
        }
    }
    return NULL;
}

bool sl_leader_acquire(sl_leader *l, volatile int *stop) {
    log_info("attempting to acquire leader lease %s/%s...", l->ns, l->name);
    while (!*stop) {
        if (try_acquire_or_renew(l)) {
            log_info("successfully acquired lease %s/%s as %s", l->ns, l->name, l->identity);
            l->renewing = pthread_create(&l->thread, NULL, renew_main, l) == 0;
            return true;
        }
        /* short sleeps so a signal is seen */
        for (int i = 0; i < (int)(l->retry_s * 10) && !*stop; i++) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return false;
}

void sl_leader_free(sl_leader *l, bool release) {
    if (!l) return;
    pthread_mutex_lock(&l->lock);
    atomic_store(&l->stop, true);
    pthread_cond_broadcast(&l->cond);
    pthread_mutex_unlock(&l->lock);
    if (l->renewing) pthread_join(l->thread, NULL);
    if (release && l->renewing) {
        char *path = xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s", l->ns, l->name);
        json_t *lease = NULL;
        if (sl_kube_request(l->client, "GET", path, NULL, NULL, &lease) == 200) {
            json_t *spec = json_object_get(lease, "spec");
            const char *holder = json_string_value(json_object_get(spec, "holderIdentity"));
            if (json_is_object(spec) && holder && !strcmp(holder, l->identity)) {
                char now[40];
                micro_time(now, sizeof now);
                json_object_set_new(spec, "holderIdentity", json_string(""));
                json_object_set_new(spec, "leaseDurationSeconds", json_integer(1));
                json_object_set_new(spec, "renewTime", json_string(now));
                json_object_set_new(spec, "acquireTime", json_string(now));
                sl_kube_request(l->client, "PUT", path, lease, NULL, NULL);
            }
        }
        json_decref(lease);
        free(path);
    }
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->cond);
    free(l->observed);
    free(l->ns);
    free(l->name);
    free(l->identity);
    free(l);
}
