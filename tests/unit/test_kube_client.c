/* test_kube_client.c — the client's rate limiting (src/client) against a
 * real API server on loopback: requests wait on a token bucket (qps,
 * burst), and events have a bucket of their own, as kube-scheduler's event
 * clientset has, so events never eat into the budget of binds. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "apiserver/apiserver.h"
#include "base/base.h"
#include "client/client.h"
#include "test.h"

typedef struct run {
    sl_kube_client *client;
    int ok_requests, ok_events;
    bool done;
    pthread_mutex_t lock;
    pthread_cond_t cv;
} run;

static void *three_and_three(void *arg) {
    run *r = arg;
    for (int i = 0; i < 3; i++)
        if (sl_kube_request_text(r->client, "GET", "/api/v1/namespaces", NULL, NULL, NULL, NULL) == 200)
            r->ok_requests++;
    for (int i = 0; i < 3; i++) {
        char body[400];
        snprintf(body, sizeof body,
                 "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":{\"name\":\"e%d\",\"namespace\":\"default\"},"
                 "\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"p\",\"namespace\":\"default\"},"
                 "\"reason\":\"Scheduled\",\"message\":\"m\",\"type\":\"Normal\"}", i);
        if (sl_kube_request_text_via(r->client, SL_KUBE_LIMIT_EVENTS, "POST", "/api/v1/namespaces/default/events",
                                     body, NULL, NULL, NULL) == 201)
            r->ok_events++;
    }
    pthread_mutex_lock(&r->lock);
    r->done = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

typedef struct server {
    sl_store *store;
    sl_apiserver *api;
} server;

static bool start_server(server *sv) {
    char err[256];
    sv->store = sl_store_open(NULL, err, sizeof err);
    sl_apiserver_options ao = {.store = sv->store, .listen = "127.0.0.1:0"};
    sv->api = sv->store ? sl_apiserver_start(&ao, err, sizeof err) : NULL;
    if (!sv->api) {
        fprintf(stderr, "API server: %s\n", err);
        sl_store_close(sv->store);
    }
    return sv->api != NULL;
}

static void stop_server(server *sv) {
    sl_apiserver_stop(sv->api);
    sl_store_close(sv->store);
}

static sl_kube_client *client_for(sl_apiserver *a, double qps, int burst) {
    char err[256];
    sl_kube_client_options o = {.master = sl_apiserver_url(a), .qps = qps, .burst = burst};
    sl_kube_client *c = sl_kube_client_new(&o, err, sizeof err);
    if (!c) fprintf(stderr, "client: %s\n", err);
    return c;
}

/* burst 3 and a bucket that refills once in 100 s: three requests and then
 * three events all go at once only if events have their own bucket (with
 * one shared bucket the fourth request would wait 100 s). */
TEST(events_have_their_own_bucket) {
    server sv;
    CHECK(start_server(&sv));
    if (!sv.api) return;
    sl_apiserver *a = sv.api;
    run r = {.client = client_for(a, 0.01, 3)};
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.cv, NULL);
    pthread_t t;
    pthread_create(&t, NULL, three_and_three, &r);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    pthread_mutex_lock(&r.lock);
    while (!r.done && pthread_cond_timedwait(&r.cv, &r.lock, &until) == 0) {}
    bool done = r.done;
    pthread_mutex_unlock(&r.lock);
    if (!done) {
        /* the worker is stuck in the limiter: report and leave */
        TEST_FAIL_AT("the events waited for the requests' bucket (20 s)");
        test_failed_count++;
        test_summary("kube_client");
        fflush(stdout);
        _exit(1);
    }
    pthread_join(t, NULL);
    CHECK_EQ_INT(r.ok_requests, 3);
    CHECK_EQ_INT(r.ok_events, 3);
    sl_kube_client_free(r.client);
    pthread_mutex_destroy(&r.lock);
    pthread_cond_destroy(&r.cv);
    stop_server(&sv);
}

/* The bucket does limit: burst 1 at 20 per second, five requests take at
 * least four refills (0.2 s). */
TEST(requests_wait_for_tokens) {
    server sv;
    CHECK(start_server(&sv));
    if (!sv.api) return;
    sl_apiserver *a = sv.api;
    sl_kube_client *c = client_for(a, 20, 1);
    int64_t t0 = time_now_ns();
    for (int i = 0; i < 5; i++) CHECK_EQ_INT(sl_kube_request_text(c, "GET", "/api/v1/namespaces", NULL, NULL, NULL, NULL), 200);
    double took = (time_now_ns() - t0) / 1e9;
    if (took < 0.19) TEST_FAIL_AT("five requests at 20/s with burst 1 took %.3f s (want >= 0.2)", took);
    sl_kube_client_free(c);
    stop_server(&sv);
}

int main(void) {
    RUN(events_have_their_own_bucket);
    RUN(requests_wait_for_tokens);
    return test_summary("kube_client");
}
