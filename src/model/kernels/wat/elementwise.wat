;; Elementwise float32 operations with 128-bit SIMD, in place on a block of
;; rows: adding a bias to every row, adding two arrays, and ReLU. The
;; JavaScript side (src/model/kernels/elementwiseKernel.ts) copies blocks in
;; and out, so one block stays in the L1 or L2 cache.
(module
  (import "env" "memory" (memory 1 16384 shared))

  ;; Adds the `width` floats at `bias` to each of the `rows` rows at `x`.
  (func (export "add_bias") (param $x i32) (param $bias i32) (param $rows i32) (param $width i32)
    (local $r i32) (local $j i32) (local $full i32) (local $at i32)
    (local.set $full (i32.and (local.get $width) (i32.const -4)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $vectors_done
          (loop $vector
            (br_if $vectors_done (i32.ge_u (local.get $j) (local.get $full)))
            (local.set $at (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))
            (v128.store (local.get $at)
              (f32x4.add
                (v128.load (local.get $at))
                (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $vector)))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $width)))
            (local.set $at (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))
            (f32.store (local.get $at)
              (f32.add
                (f32.load (local.get $at))
                (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail)))
        (local.set $x (i32.add (local.get $x) (i32.shl (local.get $width) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; Adds the `count` floats at `y` to those at `x`. Both are padded to a
  ;; multiple of 4 floats, so the last vector may run into the padding.
  (func (export "add") (param $x i32) (param $y i32) (param $count i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $vector
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (v128.store (local.get $x) (f32x4.add (v128.load (local.get $x)) (v128.load (local.get $y))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $vector))))

  ;; Replaces each of the `count` floats at `x` by itself if it is above 0,
  ;; else by 0, so NaN becomes 0 as in relu() of src/model/matrix.ts. The
  ;; floats are padded to a multiple of 4.
  (func (export "relu") (param $x i32) (param $count i32)
    (local $end i32) (local $value v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $vector
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $value (v128.load (local.get $x)))
        (v128.store (local.get $x)
          (v128.and (local.get $value) (f32x4.gt (local.get $value) (v128.const f32x4 0 0 0 0))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $vector))))
)
