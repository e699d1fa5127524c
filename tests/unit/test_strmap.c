/* Unit tests of the base string hash map (src/base/strmap.h). */
#include <stdio.h>

#include "base/base.h"
#include "base/strmap.h"
#include "test.h"

#define MANY 5000

static void key_of(char *buf, size_t size, int i) { snprintf(buf, size, "ns-%d/pod-%d", i % 7, i); }

/* Checks that m holds exactly the keys i with present[i], each mapped to &vals[i]. */
static void check_contents(const strmap *m, const bool *present, int *vals, int n) {
    size_t want = 0;
    char key[64];
    for (int i = 0; i < n; i++) {
        key_of(key, sizeof(key), i);
        if (present[i]) {
            want++;
            CHECK(strmap_get(m, key) == &vals[i]);
        } else {
            CHECK(strmap_get(m, key) == NULL);
        }
    }
    CHECK_EQ_INT(strmap_len(m), want);
    size_t seen = 0, pos = 0;
    const char *k;
    void *v;
    while (strmap_next(m, &pos, &k, &v)) {
        int i = -1;
        CHECK(sscanf(k, "ns-%*d/pod-%d", &i) == 1);
        CHECK(i >= 0 && i < n && present[i]);
        if (i >= 0 && i < n) CHECK(v == &vals[i]);
        seen++;
    }
    CHECK_EQ_INT(seen, want);
}

TEST(empty_map_is_usable) {
    strmap m = {0};
    CHECK(strmap_get(&m, "a") == NULL);
    CHECK(strmap_remove(&m, "a") == NULL);
    CHECK_EQ_INT(strmap_len(&m), 0);
    size_t pos = 0;
    CHECK(!strmap_next(&m, &pos, NULL, NULL));
    strmap_free(&m);
    strmap_init(&m);
    CHECK(strmap_get(&m, "") == NULL);
    strmap_free(&m);
}

TEST(put_get_replace_remove) {
    strmap m;
    strmap_init(&m);
    int a = 1, b = 2, c = 3;
    char key[8] = "alpha";
    CHECK(strmap_put(&m, key, &a) == NULL);
    key[0] = 'X'; /* the map copied the key */
    CHECK(strmap_get(&m, "alpha") == &a);
    CHECK(strmap_get(&m, "Xlpha") == NULL);
    CHECK(strmap_put(&m, "", &c) == NULL);
    CHECK(strmap_get(&m, "") == &c);
    CHECK(strmap_put(&m, "alpha", &b) == &a);
    CHECK(strmap_get(&m, "alpha") == &b);
    CHECK_EQ_INT(strmap_len(&m), 2);
    CHECK(strmap_remove(&m, "alpha") == &b);
    CHECK(strmap_remove(&m, "alpha") == NULL);
    CHECK(strmap_get(&m, "alpha") == NULL);
    CHECK(strmap_get(&m, "") == &c);
    CHECK_EQ_INT(strmap_len(&m), 1);
    strmap_free(&m);
    CHECK_EQ_INT(strmap_len(&m), 0);
}

TEST(grows_and_iterates_many_keys) {
    static int vals[MANY];
    static bool present[MANY];
    strmap m = {0};
    char key[64];
    for (int i = 0; i < MANY; i++) {
        key_of(key, sizeof(key), i);
        CHECK(strmap_put(&m, key, &vals[i]) == NULL);
        present[i] = true;
    }
    CHECK(m.cap >= MANY && (m.cap & (m.cap - 1)) == 0);
    check_contents(&m, present, vals, MANY);
    strmap_free(&m);
}

TEST(survives_removal_churn) {
    static int vals[MANY];
    static bool present[MANY];
    memset(present, 0, sizeof(present));
    strmap m = {0};
    char key[64];
    uint64_t x = 88172645463325252ULL;
    for (int round = 0; round < 20; round++) {
        for (int k = 0; k < MANY; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int i = (int)(x % MANY);
            key_of(key, sizeof(key), i);
            if (present[i]) {
                CHECK(strmap_remove(&m, key) == &vals[i]);
                present[i] = false;
            } else {
                CHECK(strmap_put(&m, key, &vals[i]) == NULL);
                present[i] = true;
            }
        }
        check_contents(&m, present, vals, MANY);
    }
    /* Remove everything, every other key first. */
    for (int pass = 0; pass < 2; pass++)
        for (int i = pass; i < MANY; i += 2) {
            key_of(key, sizeof(key), i);
            CHECK(strmap_remove(&m, key) == (present[i] ? &vals[i] : NULL));
            present[i] = false;
        }
    check_contents(&m, present, vals, MANY);
    CHECK_EQ_INT(strmap_len(&m), 0);
    strmap_free(&m);
}

int main(void) {
    RUN(empty_map_is_usable);
    RUN(put_get_replace_remove);
    RUN(grows_and_iterates_many_keys);
    RUN(survives_removal_churn);
    return test_summary("strmap");
}
