;; api.wat — guest for tests/unit/test_wasm_api.c: host calls in both
;; directions (including re-entry), traps with named frames, memory access,
;; growth, infinite loops for interruption, recursion for exhaustion, and a
;; little compute for the parallel-instances test. Compiled with
;; `wat2wasm --debug-names` so the backtrace can show function names.
(module
  (import "env" "host_add" (func $host_add (param i32 i32) (result i32)))
  (import "env" "host_callback" (func $host_callback (param i32) (result i32)))
  (import "env" "host_fail" (func $host_fail))
  (memory (export "memory") 1)
  (global $counter (export "counter") (mut i32) (i32.const 0))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) $double $add)

  (func $add (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func $double (export "double") (param i32) (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.mul (local.get 0) (i32.const 2)))
  (func (export "identity") (param i32) (result i32) (local.get 0))
  (func (export "call_host_add") (param i32 i32) (result i32)
    (call $host_add (local.get 0) (local.get 1)))
  ;; host_callback calls back into "double"
  (func (export "via_host") (param i32) (result i32)
    (i32.add (call $host_callback (local.get 0)) (i32.const 1)))
  (func (export "call_host_fail") (call $host_fail))
  ;; guest -> host loop: calls host_add n times
  (func (export "host_loop") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $host_add (local.get $acc) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))

  (func $innermost_trap (unreachable))
  (func $middle_frame (call $innermost_trap))
  (func (export "deep_trap") (call $middle_frame))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "pages") (result i32) (memory.size))

  (func (export "spin") (loop $l (br $l)))
  (func $bump (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "spin_calls") (local i32)
    (loop $l (local.set 0 (call $bump (local.get 0))) (br $l)))
  (func $recurse (export "recurse") (param i32) (result i32)
    (call $recurse (i32.add (local.get 0) (i32.const 1))))

  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "multi") (param i64 f32 f64) (result f64 i64 f32)
    (local.get 2) (local.get 0) (local.get 1))
  (func (export "call_table") (param i32 i32) (result i32)
    (call_indirect (param i32) (result i32) (local.get 1) (local.get 0)))
)
