;; calls.wat — guest for bench/wasm/callbench.c: a trivial i32 -> i32 export
;; (host -> guest call cost) and loops with and without an import call per
;; iteration (guest -> host call cost).
(module
  (import "env" "inc" (func $inc (param i32) (result i32)))
  (func (export "identity") (param i32) (result i32) (local.get 0))
  (func (export "call_loop") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $inc (local.get $acc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))
  (func $local_inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "wasm_call_loop") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $local_inc (local.get $acc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))
  (func (export "empty_loop") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))
)
