/*
 * cmd_apiserver.c — `schedlab apiserver`: the store behind the
 * Kubernetes-compatible HTTP API (src/apiserver), until SIGINT/SIGTERM.
 * Loopback and plain HTTP without auth unless asked; TLS from files or a
 * generated self-signed pair (gnutls); bearer tokens from a csv file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apiserver/apiserver.h"
#include "cmd/cmd.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
    UNUSED(sig);
    stop_requested = 1;
}

static void usage(FILE *out) {
    fputs("usage: schedlab apiserver [--listen ADDR:PORT] [--data-dir DIR] [--write-kubeconfig FILE]\n"
          "                          [--tls-cert FILE --tls-key FILE | --tls-self-signed]\n"
          "                          [--token-file FILE] [--watch-history N] [--max-body-bytes N]\n                          [--watch-bookmark-seconds N]\n\n"
          "Serves the Kubernetes API (core/v1, apps/v1, policy/v1, scheduling.k8s.io/v1,\n"
          "coordination.k8s.io/v1, rbac.authorization.k8s.io/v1, events.k8s.io/v1) from the\n"
          "schedlab object store until SIGINT/SIGTERM. kubectl and client libraries work\n"
          "against it unchanged.\n\n"
          "  --listen ADDR:PORT      address to bind (default 127.0.0.1:6443; port 0 = any free\n"
          "                          port). Only loopback unless an address is named here.\n"
          "  --data-dir DIR          keep the store in DIR/store.db (SQLite, WAL): every\n"
          "                          acknowledged write survives kill -9; a restart continues the\n"
          "                          resourceVersions. Without it the store is memory-only.\n"
          "  --write-kubeconfig FILE write a kubeconfig for kubectl and clients\n"
          "  --tls-cert/--tls-key    serve HTTPS with this PEM pair\n"
          "  --tls-self-signed       serve HTTPS with a generated pair (kept in the data dir\n"
          "                          when there is one); the kubeconfig trusts it\n"
          "  --token-file FILE       bearer-token auth (kube-apiserver csv: token,user,uid[,groups])\n"
          "  --watch-history N       watch events kept for resuming (default 20000)\n"
          "  --max-body-bytes N      request body limit (default 3 MiB; larger -> 413)\n"
          "  --watch-bookmark-seconds N  idle time before a BOOKMARK on watches that allow\n"
          "                          them (default 60)\n\n"
          "Prints `schedlab apiserver: serving on URL` when ready. RBAC objects are stored,\n"
          "not enforced; pod deletion is immediate (no kubelet to wait for).\n",
          out);
}

static bool write_file(const char *path, const void *data, size_t len, char *err, size_t errsize) {
    FILE *f = fopen(path, "w");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        snprintf(err, errsize, "%s: %s", path, strerror(errno));
        return false;
    }
    chmod(path, 0600);
    return true;
}

/* A self-signed ECDSA P-256 certificate for 127.0.0.1, ::1 and localhost
 * (and the listen host), valid for a year; it is its own CA. */
bool cmd_self_signed(const char *host, char **cert_pem, char **key_pem, char *err, size_t errsize) {
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t c = {0}, k = {0};
    int rc = gnutls_x509_privkey_init(&key);
    if (!rc) rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    if (!rc) rc = gnutls_x509_crt_init(&crt);
    if (!rc) rc = gnutls_x509_crt_set_version(crt, 3);
    unsigned char serial[8];
    for (size_t i = 0; i < sizeof serial; i++) serial[i] = (unsigned char)(rand() & 0x7f);
    if (!rc) rc = gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
    time_t now = time(NULL);
    if (!rc) rc = gnutls_x509_crt_set_activation_time(crt, now - 3600);
    if (!rc) rc = gnutls_x509_crt_set_expiration_time(crt, now + 365 * 24 * 3600);
    if (!rc) rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "schedlab-apiserver", 18);
    unsigned char v4[4] = {127, 0, 0, 1}, v6[16] = {0};
    v6[15] = 1;
    if (!rc) rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9, GNUTLS_FSAN_APPEND);
    if (!rc) rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v4, 4, GNUTLS_FSAN_APPEND);
    if (!rc) rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v6, 16, GNUTLS_FSAN_APPEND);
    unsigned char other[16];
    if (!rc && host && inet_pton(AF_INET, host, other) == 1 && memcmp(other, v4, 4) != 0)
        rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, other, 4, GNUTLS_FSAN_APPEND);
    if (!rc) rc = gnutls_x509_crt_set_key(crt, key);
    if (!rc) rc = gnutls_x509_crt_set_basic_constraints(crt, 1, -1);
    if (!rc) rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_CERT_SIGN);
    if (!rc) rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
    if (!rc) rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &c);
    if (!rc) rc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &k);
    if (rc) snprintf(err, errsize, "generating a self-signed certificate: %s", gnutls_strerror(rc));
    else {
        *cert_pem = xstrndup((const char *)c.data, c.size);
        *key_pem = xstrndup((const char *)k.data, k.size);
    }
    gnutls_free(c.data);
    gnutls_free(k.data);
    if (crt) gnutls_x509_crt_deinit(crt);
    if (key) gnutls_x509_privkey_deinit(key);
    return rc == 0;
}

int cmd_apiserver(int argc, char **argv) {
    const char *listen = "127.0.0.1:6443", *data_dir = NULL, *kubeconfig = NULL, *cert = NULL,
               *key = NULL, *token_file = NULL, *history = NULL, *max_body = NULL, *bookmarks = NULL;
    bool self_sign = false;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (cmd_is_help(argv[i])) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--tls-self-signed")) self_sign = true;
        else if (cmd_option_value(argc, argv, &i, "--listen", &v)) listen = v;
        else if (cmd_option_value(argc, argv, &i, "--data-dir", &v)) data_dir = v;
        else if (cmd_option_value(argc, argv, &i, "--write-kubeconfig", &v)) kubeconfig = v;
        else if (cmd_option_value(argc, argv, &i, "--tls-cert", &v)) cert = v;
        else if (cmd_option_value(argc, argv, &i, "--tls-key", &v)) key = v;
        else if (cmd_option_value(argc, argv, &i, "--token-file", &v)) token_file = v;
        else if (cmd_option_value(argc, argv, &i, "--watch-history", &v)) history = v;
        else if (cmd_option_value(argc, argv, &i, "--max-body-bytes", &v)) max_body = v;
        else if (cmd_option_value(argc, argv, &i, "--watch-bookmark-seconds", &v)) bookmarks = v;
        else {
            static const char *const flags[] = {"--listen", "--data-dir", "--write-kubeconfig", "--tls-cert",
                                                "--tls-key", "--tls-self-signed", "--token-file", "--watch-history",
                                                "--max-body-bytes", "--watch-bookmark-seconds", "--help"};
            const char *hint = cmd_suggest(argv[i], flags, ARRAY_LEN(flags));
            fprintf(stderr, "schedlab apiserver: unknown option %s", argv[i]);
            if (hint) fprintf(stderr, "; did you mean %s?", hint);
            fprintf(stderr, " (see --help)\n");
            return 2;
        }
        if (!v && strcmp(argv[i], "--tls-self-signed") != 0) {
            fprintf(stderr, "schedlab apiserver: %s needs a value\n", argv[i]);
            return 2;
        }
    }
    if ((cert || key) && self_sign) {
        fprintf(stderr, "schedlab apiserver: --tls-self-signed and --tls-cert/--tls-key exclude each other\n");
        return 2;
    }
    char err[1024];
    sl_store_options so = {.data_dir = data_dir, .history = history ? (uint32_t)strtoul(history, NULL, 10) : 0};
    sl_store *store = sl_store_open(&so, err, sizeof err);
    if (!store) {
        fprintf(stderr, "schedlab apiserver: %s\n", err);
        return 1;
    }
    sl_admission_install(store, false);
    char *cert_pem = NULL, *key_pem = NULL;
    if (self_sign) {
        char cpath[4096], kpath[4096];
        size_t len;
        if (data_dir) {
            snprintf(cpath, sizeof cpath, "%s/tls.crt", data_dir);
            snprintf(kpath, sizeof kpath, "%s/tls.key", data_dir);
            cert_pem = file_read_all(cpath, &len, err, sizeof err);
            key_pem = cert_pem ? file_read_all(kpath, &len, err, sizeof err) : NULL;
        }
        if (!cert_pem || !key_pem) {
            free(cert_pem);
            free(key_pem);
            cert_pem = key_pem = NULL;
            char host[64] = "";
            const char *colon = strrchr(listen, ':');
            if (colon && (size_t)(colon - listen) < sizeof host) snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
            if (!cmd_self_signed(host, &cert_pem, &key_pem, err, sizeof err) ||
                (data_dir && (!write_file(cpath, cert_pem, strlen(cert_pem), err, sizeof err) ||
                              !write_file(kpath, key_pem, strlen(key_pem), err, sizeof err)))) {
                fprintf(stderr, "schedlab apiserver: %s\n", err);
                sl_store_close(store);
                return 1;
            }
        }
    }
    sl_apiserver_options ao = {.store = store, .listen = listen, .tls_cert_file = cert,
                               .tls_key_file = key, .tls_cert_pem = cert_pem, .tls_key_pem = key_pem,
                               .token_file = token_file,
                               .max_body_bytes = max_body ? strtoull(max_body, NULL, 10) : 0,
                               .bookmark_seconds = bookmarks ? (unsigned)strtoul(bookmarks, NULL, 10) : 0};
    sl_apiserver *a = sl_apiserver_start(&ao, err, sizeof err);
    if (!a) {
        fprintf(stderr, "schedlab apiserver: %s\n", err);
        free(cert_pem);
        free(key_pem);
        sl_store_close(store);
        return 1;
    }
    if (kubeconfig) {
        char *token = NULL;
        if (token_file) {
            size_t len;
            char *text = file_read_all(token_file, &len, err, sizeof err);
            if (text) {
                char *line = text;
                while (*line == '#' || *line == '\n') line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line);
                size_t n = strcspn(line, ",\n");
                token = xstrndup(line, n);
                free(text);
            }
        }
        char *ca = cert_pem;
        size_t len;
        char *file_ca = NULL;
        if (!ca && cert) ca = file_ca = file_read_all(cert, &len, err, sizeof err);
        bool ok = sl_apiserver_write_kubeconfig(a, kubeconfig, token, ca, err, sizeof err);
        free(token);
        free(file_ca);
        if (!ok) {
            fprintf(stderr, "schedlab apiserver: %s\n", err);
            sl_apiserver_stop(a);
            sl_store_close(store);
            return 1;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("schedlab apiserver: serving on %s\n", sl_apiserver_url(a));
    fflush(stdout);
    while (!stop_requested) pause();
    sl_apiserver_stop(a);
    sl_store_close(store);
    free(cert_pem);
    free(key_pem);
    return 0;
}
