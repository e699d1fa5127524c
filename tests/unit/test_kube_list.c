/* test_kube_list.c — the LIST answer parser of src/client
 * (sl_kube_list_parse): items found by its scanner and parsed on several
 * threads come back complete and in the server's order, whatever the
 * spacing, key order, nesting and string contents; malformed answers are
 * refused with a reason. */
#include <pthread.h>
#include <stdatomic.h>

#include "base/base.h"
#include "client/client.h"
#include "test.h"

static atomic_int calls;

static void *name_of(void *user, json_t *item) {
    (void)user;
    atomic_fetch_add(&calls, 1);
    const char *n = json_string_value(json_object_get(json_object_get(item, "metadata"), "name"));
    return xstrdup(n ? n : "?");
}

static void free_items(sl_kube_list_result *r) {
    for (size_t i = 0; i < r->len; i++) free(r->items[i]);
    sl_kube_list_result_free(r);
}

TEST(a_big_list_on_four_threads_keeps_order) {
    strbuf sb;
    strbuf_init(&sb);
    strbuf_puts(&sb, "{\"kind\":\"PodList\",\"items\":[");
    for (int i = 0; i < 5000; i++) {
        /* strings holding brackets, braces, quotes and escapes */
        strbuf_printf(&sb, "%s{\"metadata\":{\"name\":\"p-%d\",\"annotations\":{\"x\":\"]}[{\\\"\\\\\"}},"
                      "\"spec\":{\"containers\":[{\"args\":[\"a,b\",\"}\"]}]}}", i ? " ,\n " : "", i);
    }
    strbuf_puts(&sb, "],\"metadata\":{\"resourceVersion\":\"1234\"}}");
    sl_kube_list_result r;
    char err[256];
    atomic_store(&calls, 0);
    CHECK(sl_kube_list_parse(sb.data, sb.len, 4, name_of, NULL, &r, err, sizeof err));
    CHECK_EQ_INT(r.len, 5000);
    CHECK_EQ_INT(atomic_load(&calls), 5000);
    CHECK_EQ_STR(r.resource_version, "1234");
    int in_order = 1;
    for (size_t i = 0; i < r.len; i++) {
        char want[32];
        snprintf(want, sizeof want, "p-%zu", i);
        if (strcmp(r.items[i], want) != 0) in_order = 0;
    }
    CHECK(in_order);
    free_items(&r);
    strbuf_free(&sb);
}

TEST(spacing_key_order_and_empty_lists) {
    sl_kube_list_result r;
    char err[256];
    const char *doc = " \t{\r\n \"metadata\" : { \"resourceVersion\" : \"9\" } ,\n \"items\" :\n [ { \"metadata\" : {\"name\":\"a\"} } ,{\"metadata\":{\"name\":\"b\"}}\n ] }\n";
    CHECK(sl_kube_list_parse(doc, strlen(doc), 2, name_of, NULL, &r, err, sizeof err));
    CHECK_EQ_INT(r.len, 2);
    CHECK_EQ_STR(r.items[0], "a");
    CHECK_EQ_STR(r.items[1], "b");
    CHECK_EQ_STR(r.resource_version, "9");
    free_items(&r);
    doc = "{\"items\":[],\"metadata\":{}}";
    CHECK(sl_kube_list_parse(doc, strlen(doc), 2, name_of, NULL, &r, err, sizeof err));
    CHECK_EQ_INT(r.len, 0);
    CHECK_EQ_STR(r.resource_version, "");
    free_items(&r);
    /* a repeated key: the last one counts, as jansson reads it */
    doc = "{\"items\":[{\"metadata\":{\"name\":\"old\"}}],\"items\":[{\"metadata\":{\"name\":\"new\"}}]}";
    CHECK(sl_kube_list_parse(doc, strlen(doc), 2, name_of, NULL, &r, err, sizeof err));
    CHECK_EQ_INT(r.len, 1);
    if (r.len == 1) CHECK_EQ_STR(r.items[0], "new");
    free_items(&r);
}

TEST(malformed_answers_are_refused_with_a_reason) {
    const char *bad[] = {"", "[]", "{\"items\":[{\"a\":1}", "{\"items\":[1 2]}", "{\"items\" [1]}",
                         "{\"items\":[\"unterminated]}", "null", "{\"items\":[{}]"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        sl_kube_list_result r;
        char err[256] = "";
        bool ok = sl_kube_list_parse(bad[i], strlen(bad[i]), 2, name_of, NULL, &r, err, sizeof err);
        if (ok) {
            fprintf(stderr, "accepted: %s\n", bad[i]);
            free_items(&r);
        }
        CHECK(!ok);
        CHECK(err[0] != 0);
    }
}

int main(void) {
    RUN(a_big_list_on_four_threads_keeps_order);
    RUN(spacing_key_order_and_empty_lists);
    RUN(malformed_answers_are_refused_with_a_reason);
    return test_summary("kube_list");
}
