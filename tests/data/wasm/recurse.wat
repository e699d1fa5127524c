;; recurse.wat — unbounded recursion: the guest must stop with
;; "call stack exhausted" and a backtrace that keeps the innermost frames
;; and counts the rest, fast (the full 10,000-frame unwind once took seconds).
(module
  (func $down (export "down") (param i32) (result i32)
    (call $down (i32.add (local.get 0) (i32.const 1)))))
