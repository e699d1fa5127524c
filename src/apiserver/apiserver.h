/*
 * apiserver — a Kubernetes-compatible HTTP API in front of the store
 * (store.h), speaking what kubectl 1.20/1.32 and python3-kubernetes send
 * (../shared/reference/kube-api.md): discovery, /version, health, a minimal
 * /openapi/v2, get/list/watch/create/update/patch/delete/deletecollection
 * on the served kinds (sl_resource), pods/binding, pods/status,
 * nodes/status, Table output, Status errors with upstream codes.
 *
 * Transport: libmicrohttpd in thread-per-connection mode. A watch is a
 * long-lived chunked response whose content callback blocks on the store's
 * watcher (sl_watcher_next) — with a thread per connection that blocking is
 * the connection's own business, so hundreds of idle watches cost only
 * sleeping threads (256 KiB stacks) and never delay another request, and a
 * client that stops reading blocks only its own thread (the store never
 * waits for a watcher: it falls out of the event log and gets 410). The
 * alternative — one epoll thread pool with suspend/resume for watches —
 * needs a wake-up path from every store write into MHD and buys nothing
 * measurable at our connection counts (see bench/RESULTS.md).
 *
 * Not implemented (answered as upstream would refuse): server-side apply
 * (415), protobuf beyond the flat kinds kubectl's generators send
 * (protobuf.c), RBAC enforcement (roles and bindings are stored, not
 * enforced), graceful pod deletion (a pod delete is immediate: there is no
 * kubelet to confirm it). dryRun=All validates without persisting.
 */
#ifndef SCHEDLAB_APISERVER_H
#define SCHEDLAB_APISERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

typedef struct sl_apiserver sl_apiserver;

typedef struct sl_apiserver_options {
    sl_store *store;              /* required; not owned */
    const char *listen;           /* "127.0.0.1:0" (port 0 = any free port) */
    const char *tls_cert_file;    /* PEM; with tls_key_file turns HTTPS on */
    const char *tls_key_file;
    const char *tls_cert_pem;     /* or the PEM text itself (self-signed) */
    const char *tls_key_pem;
    const char *token_file;       /* kube-apiserver --token-auth-file csv: token,user,uid[,groups] */
    size_t max_body_bytes;        /* 0: 3 MiB (upstream's limit) */
    unsigned connection_timeout;  /* idle seconds before a connection is closed (0: 60) */
    unsigned max_connections;     /* 0: 1024 */
    unsigned bookmark_seconds;    /* interval of watch bookmarks when asked (0: 60) */
} sl_apiserver_options;

/* Starts serving; NULL and a message in err on failure. */
sl_apiserver *sl_apiserver_start(const sl_apiserver_options *options, char *err, size_t errsize);
/* The port actually bound (useful with port 0). */
int sl_apiserver_port(const sl_apiserver *a);
/* "http://127.0.0.1:PORT" (or https). */
const char *sl_apiserver_url(const sl_apiserver *a);
/* Ends every watch, stops and frees the server. */
void sl_apiserver_stop(sl_apiserver *a);

/* Writes a kubeconfig for this server (token: the first one of the token
 * file, or NULL; ca_pem: the CA to trust, NULL for http or to skip
 * verification). */
bool sl_apiserver_write_kubeconfig(const sl_apiserver *a, const char *path, const char *token,
                                   const char *ca_pem, char *err, size_t errsize);

/* Patches (patch.c), exposed for tests and the fuzzer. Each returns a new
 * object or NULL with a message. */
json_t *sl_merge_patch(const json_t *target, const json_t *patch);
json_t *sl_strategic_merge_patch(const json_t *target, const json_t *patch, char *err, size_t errsize);
/* code: 400 malformed, 422 an operation does not apply / test failed. */
json_t *sl_json_patch(const json_t *target, const json_t *ops, int *code, char *err, size_t errsize);

/* Server-side Table for `as=Table` (table.c): appends a meta.k8s.io/v1
 * Table with the upstream columns of the resource and one row per object. */
struct strbuf;
void sl_table_write(struct strbuf *out, const sl_resource *res, sl_object *const *items, size_t n,
                    uint64_t list_rv, const char *continue_token, int64_t now_wall_ns);

/* A Kubernetes protobuf body ("k8s\0" + runtime.Unknown) of a namespace,
 * configmap, secret or serviceaccount as JSON (protobuf.c); NULL with a
 * message for other kinds ("... understood for ...") or malformed input
 * ("... malformed"). */
json_t *sl_protobuf_to_json(const sl_resource *res, const void *data, size_t len, char *err,
                            size_t errsize);

/* events.k8s.io/v1 <-> core/v1 Event (two views of one stored object). */
json_t *sl_event_to_v1(const json_t *core);
json_t *sl_event_from_v1(const json_t *v1);

#endif
