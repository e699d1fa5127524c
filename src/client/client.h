/*
 * client.h — a Kubernetes API client over HTTP(S) (libcurl), the way
 * client-go talks to kube-apiserver: where the server is and how to
 * authenticate (a kubeconfig, or a bare --master URL), JSON requests on
 * kept-alive connections, a client-side QPS/burst limiter (token bucket,
 * client-go's defaults 50/100), retries with backoff on 429, 5xx and
 * connection errors, and streaming watches (one JSON event per line).
 *
 * Transport: an https server is offered HTTP/2 by ALPN, as client-go does;
 * then every request and watch of the client is a stream of one connection
 * (a curl multi handle on a private I/O thread multiplexes them). A server
 * that answers http/1.1, a plain http:// server, or DISABLE_HTTP2 in the
 * environment (client-go's switch) gets kept-alive HTTP/1.1 connections.
 * Every connection has TCP keepalive as client-go's dialer (idle 30 s,
 * interval 15 s, 9 probes; SCHEDLAB_TCP_KEEPALIVE=IDLE,INTERVAL,COUNT in
 * the environment overrides it, for tests; a malformed value fails
 * sl_kube_client_new): a connection whose peer vanished without FIN or RST
 * errors out, its watches end and the caller resumes them on a new one.
 * The HTTP/2 transport also checks its connection as client-go's does
 * (ReadIdleTimeout 30 s, PingTimeout 15 s; the probe is a GET /version
 * stream: libcurl has no PING with an ack timeout): a connection that
 * stays up but answers nothing (a stalled proxy) is closed, its requests
 * retried and its watches ended. SCHEDLAB_H2_HEALTH=READ_IDLE,TIMEOUT
 * (seconds) overrides it, for tests.
 *
 * Threads: a client may be used from several threads at once; each call
 * takes a pooled curl handle (connections are reused) and the limiter is
 * shared. A watch blocks its calling thread until the stream ends, the
 * callback returns false, or sl_kube_client_cancel is called; its callback
 * runs on that thread whatever the transport.
 */
#ifndef SCHEDLAB_CLIENT_H
#define SCHEDLAB_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct sl_kube_client sl_kube_client;

typedef struct sl_kube_client_options {
    const char *master;        /* URL; overrides the kubeconfig's server */
    const char *kubeconfig;    /* NULL: $KUBECONFIG, then ~/.kube/config (only if no master) */
    double qps;                /* <= 0: 50 */
    int burst;                 /* <= 0: 100 */
    int max_retries;           /* < 0: 0; 0 = default (5) */
    /* HTTP/2 transport: bytes of a watch stream that may wait for the
     * watching thread before the stream is paused (flow control holds the
     * rest at the server); 0 = 8 MiB. */
    size_t watch_buffer_bytes;
} sl_kube_client_options;

sl_kube_client *sl_kube_client_new(const sl_kube_client_options *opts, char *err, size_t errsize);
void sl_kube_client_free(sl_kube_client *c);
const char *sl_kube_client_server(const sl_kube_client *c);

/* One request. path starts with "/" (e.g. "/api/v1/nodes"); body may be
 * NULL; content_type NULL = application/json. Returns the HTTP status (0
 * when no answer came after the retries); *out (if non-NULL) receives the
 * decoded JSON answer or NULL. 429/5xx/connection failures are retried with
 * exponential backoff (honouring Retry-After). */
int sl_kube_request(sl_kube_client *c, const char *method, const char *path, const json_t *body,
                    const char *content_type, json_t **out);

/* The same with the body as text (may be NULL) and the answer as text
 * (*out is malloc'd and NUL-terminated, or NULL; out may be NULL). */
int sl_kube_request_text(sl_kube_client *c, const char *method, const char *path, const char *body,
                         const char *content_type, char **out, size_t *out_len);

/* The token bucket a request waits on. client-go's limiter belongs to a
 * clientset, and kube-scheduler writes events through a second clientset
 * made from the same config: events have a bucket of their own, with the
 * same qps and burst, and do not eat into the budget of binds. */
typedef enum sl_kube_limiter { SL_KUBE_LIMIT_REQUESTS, SL_KUBE_LIMIT_EVENTS, SL_KUBE_LIMITERS } sl_kube_limiter;
int sl_kube_request_text_via(sl_kube_client *c, sl_kube_limiter limiter, const char *method, const char *path,
                             const char *body, const char *content_type, char **out, size_t *out_len);

/* A LIST (GET path) whose items are parsed and handed to decode(user,
 * item) on up to `threads` threads at once (item borrowed; decode must be
 * thread-safe): out->items[i] is decode's result for the i-th item (in the
 * server's order), out->resource_version the list's. Returns the HTTP
 * status (0 when the answer is not a list). */
typedef struct sl_kube_list_result {
    void **items;
    size_t len;
    char *resource_version;
} sl_kube_list_result;
int sl_kube_list(sl_kube_client *c, const char *path, int threads, void *(*decode)(void *user, json_t *item),
                 void *user, sl_kube_list_result *out);
void sl_kube_list_result_free(sl_kube_list_result *r);
/* The parsing half of sl_kube_list, over an answer's text: items found by
 * a scanner that respects strings and nesting, each parsed by
 * k8s_json_loadb (jansson's tree, read faster).
 * false (err says why) when the text is not a JSON object; an object
 * without "items" is a list of none. */
bool sl_kube_list_parse(const char *text, size_t len, int threads, void *(*decode)(void *user, json_t *item),
                        void *user, sl_kube_list_result *out, char *err, size_t errsize);

/* Streams a watch (path with ?watch=1...). on_event(user, event) gets each
 * decoded {"type":..,"object":..} line (borrowed); returning false ends the
 * watch. Returns the HTTP status of the stream (200 when it ended normally,
 * 0 on a connection error or cancel). */
int sl_kube_watch(sl_kube_client *c, const char *path, bool (*on_event)(void *user, json_t *event),
                  void *user);

/* Ends every running watch and makes later requests fail fast (shutdown). */
void sl_kube_client_cancel(sl_kube_client *c);
/* Cancel, and the requests in flight end too (they answer 0) and later
 * ones are not tried: for a process told to stop while it still waits for
 * the server (SIGTERM during startup). Async-signal-safe (atomic stores:
 * transfers notice within about a second). */
void sl_kube_client_abort(sl_kube_client *c);
/* sl_kube_client_cancel or _abort was called. */
bool sl_kube_client_cancelled(sl_kube_client *c);

#endif

/* ---- leader election (leader.c): a coordination.k8s.io/v1 Lease as
 * client-go's leaderelection with the LeaseLock ---- */

typedef struct sl_leader sl_leader;

typedef struct sl_leader_options {
    const char *namespace_;      /* "kube-system" */
    const char *name;            /* "kube-scheduler" */
    const char *identity;        /* "<hostname>_<uuid>" */
    double lease_duration_s;     /* 15 */
    double renew_deadline_s;     /* 10 */
    double retry_period_s;       /* 2 */
    /* Called once, on the renewing thread, when the lease is lost (not
     * renewed within the renew deadline, or taken by another holder). */
    void (*on_lost)(void *user);
    void *user;
} sl_leader_options;

sl_leader *sl_leader_new(sl_kube_client *client, const sl_leader_options *opts);
/* Blocks until this identity holds the lease (retrying every retry
 * period) or *stop becomes non-zero (then false). On success a thread
 * keeps renewing until sl_leader_free. */
bool sl_leader_acquire(sl_leader *l, volatile int *stop);
/* Stops renewing; when release is true and we still hold the lease,
 * gives it up (holderIdentity cleared, leaseDurationSeconds 1) so another
 * replica takes over at once, as client-go's ReleaseOnCancel. */
void sl_leader_free(sl_leader *l, bool release);
