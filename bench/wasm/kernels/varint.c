/* varint.c — protobuf-style base-128 varint encoding and decoding (with
 * zigzag for signed values) of 200k pseudo-random 64-bit values, decoded N
 * times: byte loads, shifts, unpredictable branches — the shape of the
 * plugin guests' protobuf decoders. */
#include <stdint.h>

#define COUNT 200000
static uint8_t encoded[COUNT * 10];
static uint32_t encoded_len;

static uint32_t put_varint(uint8_t *p, uint64_t v) {
    uint32_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

static uint32_t get_varint(const uint8_t *p, uint32_t len, uint64_t *out) {
    uint64_t v = 0;
    for (uint32_t i = 0, shift = 0; i < len && shift < 64; i++, shift += 7) {
        v |= (uint64_t)(p[i] & 0x7f) << shift;
        if (!(p[i] & 0x80)) {
            *out = v;
            return i + 1;
        }
    }
    return 0; /* malformed */
}

static uint32_t kernel(uint32_t n) {
    uint64_t x = 0x9e3779b97f4a7c15ull;
    encoded_len = 0;
    for (uint32_t i = 0; i < COUNT; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t v = (int64_t)(x >> (x & 63)); /* mix of short and long encodings */
        if (i & 1) v = -v;
        uint64_t zz = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
        encoded_len += put_varint(encoded + encoded_len, zz);
    }
    uint64_t sum = 0;
    for (uint32_t r = 0; r < n; r++) {
        uint32_t pos = 0;
        while (pos < encoded_len) {
            uint64_t zz;
            uint32_t k = get_varint(encoded + pos, encoded_len - pos, &zz);
            if (!k) return 0;
            pos += k;
            int64_t v = (int64_t)(zz >> 1) ^ -(int64_t)(zz & 1);
            sum += (uint64_t)v + r;
        }
    }
    return (uint32_t)(sum ^ (sum >> 32));
}

#ifndef BENCH_N
#define BENCH_N 120
#endif
#include "bench.h"
