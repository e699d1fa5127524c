;; reactor.wat — a reactor module (no _start) for `schedlab wasm run --invoke`:
;; _initialize sets a global that `initialized` reports, plus functions over
;; every number type.
(module
  (global $init (mut i32) (i32.const 0))
  (memory (export "memory") 1)
  (func (export "_initialize") (global.set $init (i32.const 42)))
  (func (export "initialized") (result i32) (global.get $init))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "mul64") (param i64 i64) (result i64) (i64.mul (local.get 0) (local.get 1)))
  (func (export "half") (param f64) (result f64) (f64.mul (local.get 0) (f64.const 0.5)))
  (func (export "fadd") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
  (func (export "divmod") (param i32 i32) (result i32 i32)
    (i32.div_s (local.get 0) (local.get 1))
    (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "fail") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
)
