;; wasi_raw.wat — calls WASI imports directly with good and bad pointers, for
;; tests/unit/test_wasm_api.c (EFAULT instead of crashes, ENOSYS stubs,
;; clocks, poll_oneoff sleeping).
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\n")

  ;; fd_write(fd, iovs=0 -> {16, 3}, 1, nwritten=8)
  (func (export "write_ok") (param $fd i32) (result i32)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "nwritten") (result i32) (i32.load (i32.const 8)))
  (func (export "write_bad_iovs") (result i32)
    (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 8)))
  (func (export "write_bad_buf") (result i32)
    (i32.store (i32.const 0) (i32.const 65530))
    (i32.store (i32.const 4) (i32.const 100))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "write_bad_nwritten") (result i32)
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const -1)))
  ;; fd_read(0, iovs=32 -> {1024, len}, 1, nread=40)
  (func (export "read_stdin") (param $len i32) (result i32)
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (local.get $len))
    (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
  (func (export "nread") (result i32) (i32.load (i32.const 40)))
  (func (export "random_ok") (result i32) (call $random_get (i32.const 100) (i32.const 32)))
  (func (export "random_bad") (result i32) (call $random_get (i32.const 65530) (i32.const 100)))
  (func (export "args_sizes") (result i32) (call $args_sizes_get (i32.const 200) (i32.const 204)))
  (func (export "clock") (param $id i32) (result i32)
    (call $clock_time_get (local.get $id) (i64.const 1) (i32.const 208)))
  (func (export "clock_bad") (result i32)
    (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 65535)))
  ;; one relative monotonic clock subscription of $ns at 256; events at 320, nevents at 384
  (func (export "sleep") (param $ns i64) (result i32)
    (i64.store (i32.const 256) (i64.const 7))      ;; userdata
    (i32.store8 (i32.const 264) (i32.const 0))     ;; tag = clock
    (i32.store (i32.const 272) (i32.const 1))      ;; monotonic
    (i64.store (i32.const 280) (local.get $ns))    ;; timeout
    (i64.store (i32.const 288) (i64.const 0))      ;; precision
    (i32.store16 (i32.const 296) (i32.const 0))    ;; flags: relative
    (call $poll_oneoff (i32.const 256) (i32.const 320) (i32.const 1) (i32.const 384)))
  (func (export "nevents") (result i32) (i32.load (i32.const 384)))
  (func (export "path_open") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 2) (i32.const 0)
                     (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 400)))
  (func (export "seek_stdout") (result i32)
    (call $fd_seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 400)))
  (func (export "prestat") (param i32) (result i32) (call $fd_prestat_get (local.get 0) (i32.const 400)))
  (func (export "exit") (param i32) (call $proc_exit (local.get 0)) (unreachable))
)
