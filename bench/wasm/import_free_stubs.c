/*
 * import_free_stubs.c — linked into the import-free kernel builds (for
 * wabt's wasm-interp, which has no WASI): wasi-libc pieces the kernels pull
 * in (regex -> malloc -> abort -> stdio) reference three WASI imports that
 * are never called during bench(). Defining the import symbols here makes
 * wasm-ld resolve them locally, so the module has no imports at all.
 */
#include <stdint.h>

int32_t __imported_wasi_snapshot_preview1_fd_close(int32_t fd);
int32_t __imported_wasi_snapshot_preview1_fd_seek(int32_t fd, int64_t offset, int32_t whence, int32_t out);
int32_t __imported_wasi_snapshot_preview1_fd_write(int32_t fd, int32_t iovs, int32_t n, int32_t out);

int32_t __imported_wasi_snapshot_preview1_fd_close(int32_t fd) { (void)fd; return 52; }
int32_t __imported_wasi_snapshot_preview1_fd_seek(int32_t fd, int64_t offset, int32_t whence, int32_t out) {
    (void)fd; (void)offset; (void)whence; (void)out;
    return 52;
}
int32_t __imported_wasi_snapshot_preview1_fd_write(int32_t fd, int32_t iovs, int32_t n, int32_t out) {
    (void)fd; (void)iovs; (void)n; (void)out;
    return 52;
}
