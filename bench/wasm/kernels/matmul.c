/* matmul.c — dense 200x200 double matrix multiply (i-k-j order), N times:
 * float loads/stores and multiply-adds in a triple loop. */
#include <stdint.h>

#define DIM 200
static double A[DIM][DIM], B[DIM][DIM], C[DIM][DIM];

static uint32_t kernel(uint32_t n) {
    for (int i = 0; i < DIM; i++)
        for (int j = 0; j < DIM; j++) {
            A[i][j] = (double)((i * 7 + j * 3) % 17) / 16.0;
            B[i][j] = (double)((i * 5 + j * 11) % 13) / 12.0;
        }
    double sum = 0;
    for (uint32_t r = 0; r < n; r++) {
        for (int i = 0; i < DIM; i++)
            for (int j = 0; j < DIM; j++) C[i][j] = 0;
        for (int i = 0; i < DIM; i++)
            for (int k = 0; k < DIM; k++) {
                double a = A[i][k];
                for (int j = 0; j < DIM; j++) C[i][j] += a * B[k][j];
            }
        sum += C[r % DIM][(r * 7) % DIM];
        A[r % DIM][r % DIM] += 1.0 / 1024;
    }
    return (uint32_t)(int64_t)(sum * 1000.0);
}

#ifndef BENCH_N
#define BENCH_N 150
#endif
#include "bench.h"
