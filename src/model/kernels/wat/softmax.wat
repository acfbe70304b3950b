;; Softmax over one row in float32 with 128-bit SIMD. `softmax_row` follows
;; softmaxRow in src/model/softmax.ts entry for entry: masked entries get 0,
;; a row with no visible entry or only -Infinity gets zeros, a maximum of
;; +Infinity shares the weight among the +Infinity entries, and a NaN makes
;; the row NaN. exp is the Cephes expf polynomial (about 1 ulp). The row is
;; summed in float32 within blocks of 64 entries and in float64 across
;; blocks. Vector loads may read up to 12 bytes past the row, but nothing is
;; written outside `dst[0 .. length)`, so rows can lie back to back.
(module
  (import "env" "memory" (memory 1 16384 shared))
  (import "gemm" "store_lanes" (func $store_lanes (param i32 v128 i32)))

  ;; Writes the softmax of the `length` floats at `src` to `dst`, with only
  ;; the first `visible` entries (0 <= visible <= length) unmasked.
  (func $softmax_row (export "softmax_row")
    (param $src i32) (param $dst i32) (param $length i32) (param $visible i32)
    (local $j i32) (local $full i32) (local $stop i32) (local $x v128) (local $valid v128)
    (local $top v128) (local $nan v128) (local $max f32) (local $e v128) (local $block v128)
    (local $sum v128) (local $total f64) (local $scale v128) (local $count i32) (local $share f32)
    (local $e2 v128) (local $at i32)
    (local.set $full (i32.and (local.get $visible) (i32.const -4)))
    (local.set $top (f32x4.splat (f32.const -inf)))

    ;; Pass 1: the maximum of the visible entries, and whether any is NaN.
    (block $done
      (loop $scan
        (br_if $done (i32.ge_s (local.get $j) (local.get $full)))
        (local.set $x (v128.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $nan (v128.or (local.get $nan) (f32x4.ne (local.get $x) (local.get $x))))
        ;; pmax is one instruction; NaN is caught by the flag above.
        (local.set $top (f32x4.pmax (local.get $top) (local.get $x)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $scan)))
    (if (i32.lt_s (local.get $full) (local.get $visible))
      (then
        (local.set $x
          (v128.bitselect
            (v128.load (i32.add (local.get $src) (i32.shl (local.get $full) (i32.const 2))))
            (f32x4.splat (f32.const -inf))
            (call $lanes_below (local.get $full) (local.get $visible))))
        (local.set $nan (v128.or (local.get $nan) (f32x4.ne (local.get $x) (local.get $x))))
        (local.set $top (f32x4.pmax (local.get $top) (local.get $x)))))
    (if (v128.any_true (local.get $nan))
      (then (call $fill (local.get $dst) (local.get $length) (f32.const nan)) (return)))
    (local.set $max
      (f32.max
        (f32.max (f32x4.extract_lane 0 (local.get $top)) (f32x4.extract_lane 1 (local.get $top)))
        (f32.max (f32x4.extract_lane 2 (local.get $top)) (f32x4.extract_lane 3 (local.get $top)))))
    (if (f32.eq (local.get $max) (f32.const -inf))
      (then (call $fill (local.get $dst) (local.get $length) (f32.const 0)) (return)))
    (if (f32.eq (local.get $max) (f32.const inf))
      (then
        ;; Only the +Infinity entries get weight, in equal shares.
        (call $fill (local.get $dst) (local.get $length) (f32.const 0))
        (local.set $j (i32.const 0))
        (block $counted
          (loop $count_loop
            (br_if $counted (i32.ge_s (local.get $j) (local.get $visible)))
            (if (f32.eq (f32.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 2))))
                        (f32.const inf))
              (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $count_loop)))
        (local.set $share (f32.demote_f64 (f64.div (f64.const 1) (f64.convert_i32_s (local.get $count)))))
        (local.set $j (i32.const 0))
        (block $shared
          (loop $share_loop
            (br_if $shared (i32.ge_s (local.get $j) (local.get $visible)))
            (if (f32.eq (f32.load (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 2))))
                        (f32.const inf))
              (then
                (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
                  (local.get $share))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $share_loop)))
        (return)))

    ;; Pass 2: e = exp(x - max) into dst. Blocks of 64 entries are summed in
    ;; float32, which adds at most about 16 roundings, and the block sums in
    ;; float64. Entries go two vectors at a time, then one. The last, partial
    ;; vector's masked lanes become -inf and store 0.
    (local.set $sum (v128.const f64x2 0 0))
    (local.set $j (i32.const 0))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_s (local.get $j) (local.get $visible)))
        (local.set $stop (i32.add (local.get $j) (i32.const 64)))
        (if (i32.gt_s (local.get $stop) (local.get $full))
          (then (local.set $stop (local.get $full))))
        (local.set $block (v128.const f32x4 0 0 0 0))
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done (i32.gt_s (i32.add (local.get $j) (i32.const 8)) (local.get $stop)))
            (local.set $at (i32.shl (local.get $j) (i32.const 2)))
            (call $exp_pair
              (f32x4.sub (v128.load (i32.add (local.get $src) (local.get $at))) (f32x4.splat (local.get $max)))
              (f32x4.sub
                (v128.load offset=16 (i32.add (local.get $src) (local.get $at)))
                (f32x4.splat (local.get $max))))
            (local.set $e2)
            (local.set $e)
            (v128.store (i32.add (local.get $dst) (local.get $at)) (local.get $e))
            (v128.store offset=16 (i32.add (local.get $dst) (local.get $at)) (local.get $e2))
            (local.set $block (f32x4.add (local.get $block) (f32x4.add (local.get $e) (local.get $e2))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $pairs)))
        (if (i32.lt_s (local.get $j) (local.get $stop))
          (then
            ;; One whole vector is left before `stop`.
            (local.set $at (i32.shl (local.get $j) (i32.const 2)))
            (local.set $x
              (f32x4.sub (v128.load (i32.add (local.get $src) (local.get $at))) (f32x4.splat (local.get $max))))
            (call $exp_pair (local.get $x) (local.get $x))
            (drop)
            (local.set $e)
            (v128.store (i32.add (local.get $dst) (local.get $at)) (local.get $e))
            (local.set $block (f32x4.add (local.get $block) (local.get $e)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))))
        (if (i32.and (i32.ge_s (local.get $j) (local.get $full)) (i32.lt_s (local.get $j) (local.get $visible)))
          (then
            (local.set $at (i32.shl (local.get $j) (i32.const 2)))
            (local.set $x
              (v128.bitselect
                (f32x4.sub (v128.load (i32.add (local.get $src) (local.get $at))) (f32x4.splat (local.get $max)))
                (f32x4.splat (f32.const -inf))
                (call $lanes_below (local.get $j) (local.get $visible))))
            (call $exp_pair (local.get $x) (local.get $x))
            (drop)
            (local.set $e)
            (call $store_lanes
              (i32.add (local.get $dst) (local.get $at))
              (local.get $e)
              (i32.sub (local.get $length) (local.get $j)))
            (local.set $block (f32x4.add (local.get $block) (local.get $e)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))))
        (local.set $sum (f64x2.add (local.get $sum) (f64x2.promote_low_f32x4 (local.get $block))))
        (local.set $sum
          (f64x2.add (local.get $sum)
            (f64x2.promote_low_f32x4
              (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $block) (local.get $block)))))
        (br $blocks)))

    ;; Pass 3: divide by the sum, then zero the masked entries. Whole vectors
    ;; go while they fit in the row; the row's last 1 to 3 entries one by one.
    (local.set $total (f64.add (f64x2.extract_lane 0 (local.get $sum)) (f64x2.extract_lane 1 (local.get $sum))))
    (local.set $scale (f32x4.splat (f32.demote_f64 (f64.div (f64.const 1) (local.get $total)))))
    (local.set $j (i32.const 0))
    (block $done
      (loop $scale_loop
        (br_if $done (i32.ge_s (local.get $j) (local.get $visible)))
        (br_if $done (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $length)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
          (f32x4.mul
            (v128.load (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
            (local.get $scale)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $scale_loop)))
    (block $done
      (loop $scale_tail
        (br_if $done (i32.ge_s (local.get $j) (local.get $visible)))
        (local.set $at (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))))
        (f32.store (local.get $at)
          (f32.mul (f32.load (local.get $at)) (f32x4.extract_lane 0 (local.get $scale))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $scale_tail)))
    (block $done
      (loop $zero_loop
        (br_if $done (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $length)))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
          (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $zero_loop)))
    (call $fill
      (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
      (i32.sub (local.get $length) (local.get $j))
      (f32.const 0)))

  ;; Returns a mask of the lanes j .. j+3 that are below `end`.
  (func $lanes_below (param $j i32) (param $end i32) (result v128)
    (i32x4.lt_s
      (i32x4.add (i32x4.splat (local.get $j)) (v128.const i32x4 0 1 2 3))
      (i32x4.splat (local.get $end))))

  ;; Returns exp(x1) and exp(x2) for entries <= 0 or -inf, each about 1 ulp
  ;; from the exact value: the Cephes expf method. exp(x) = 2^n exp(r) with
  ;; n = round(x / ln 2) and r = x - n ln 2, ln 2 split into two constants
  ;; for precision, and exp(r) a degree-7 polynomial. Adding 1.5 * 2^23
  ;; rounds x / ln 2 to an integer that lands in the low bits, from which 2^n
  ;; is built in the exponent bits. Below -87.33 the result is under
  ;; float32's smallest normal number and is flushed to 0. The two vectors'
  ;; steps are interleaved, which ran about 30% faster in V8 than one vector
  ;; at a time (1.6 against 2.3 ns per softmax entry).
  (func $exp_pair (param $x1 v128) (param $x2 v128) (result v128 v128)
    (local $clamped1 v128) (local $shifted1 v128) (local $n1 v128) (local $r1 v128) (local $p1 v128)
    (local $clamped2 v128) (local $shifted2 v128) (local $n2 v128) (local $r2 v128) (local $p2 v128)
    ;; pmax is one instruction, and x is never NaN here.
    (local.set $clamped1 (f32x4.pmax (local.get $x1) (f32x4.splat (f32.const -88))))
    (local.set $clamped2 (f32x4.pmax (local.get $x2) (f32x4.splat (f32.const -88))))
    (local.set $shifted1
      (f32x4.add
        (f32x4.mul (local.get $clamped1) (f32x4.splat (f32.const 1.44269504088896341)))
        (f32x4.splat (f32.const 12582912))))
    (local.set $shifted2
      (f32x4.add
        (f32x4.mul (local.get $clamped2) (f32x4.splat (f32.const 1.44269504088896341)))
        (f32x4.splat (f32.const 12582912))))
    (local.set $n1 (f32x4.sub (local.get $shifted1) (f32x4.splat (f32.const 12582912))))
    (local.set $n2 (f32x4.sub (local.get $shifted2) (f32x4.splat (f32.const 12582912))))
    (local.set $r1
      (f32x4.sub
        (f32x4.sub (local.get $clamped1) (f32x4.mul (local.get $n1) (f32x4.splat (f32.const 0.693359375))))
        (f32x4.mul (local.get $n1) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $r2
      (f32x4.sub
        (f32x4.sub (local.get $clamped2) (f32x4.mul (local.get $n2) (f32x4.splat (f32.const 0.693359375))))
        (f32x4.mul (local.get $n2) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $p1 (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $p2 (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $p1 (f32x4.add (f32x4.mul (local.get $p1) (local.get $r1)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $r2)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $p1 (f32x4.add (f32x4.mul (local.get $p1) (local.get $r1)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $r2)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $p1 (f32x4.add (f32x4.mul (local.get $p1) (local.get $r1)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $r2)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $p1 (f32x4.add (f32x4.mul (local.get $p1) (local.get $r1)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $r2)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $p1 (f32x4.add (f32x4.mul (local.get $p1) (local.get $r1)) (f32x4.splat (f32.const 5.0000001201e-1))))
    (local.set $p2 (f32x4.add (f32x4.mul (local.get $p2) (local.get $r2)) (f32x4.splat (f32.const 5.0000001201e-1))))
    (local.set $p1
      (f32x4.add
        (f32x4.add (f32x4.mul (local.get $p1) (f32x4.mul (local.get $r1) (local.get $r1))) (local.get $r1))
        (f32x4.splat (f32.const 1))))
    (local.set $p2
      (f32x4.add
        (f32x4.add (f32x4.mul (local.get $p2) (f32x4.mul (local.get $r2) (local.get $r2))) (local.get $r2))
        (f32x4.splat (f32.const 1))))
    ;; The bits of `shifted` are 0x4B400000 + n, so (bits - 0x4B400000 + 127) << 23 is 2^n.
    (v128.and
      (f32x4.mul
        (local.get $p1)
        (i32x4.shl (i32x4.sub (local.get $shifted1) (i32x4.splat (i32.const 0x4B3FFF81))) (i32.const 23)))
      (f32x4.ge (local.get $x1) (f32x4.splat (f32.const -87.33))))
    (v128.and
      (f32x4.mul
        (local.get $p2)
        (i32x4.shl (i32x4.sub (local.get $shifted2) (i32x4.splat (i32.const 0x4B3FFF81))) (i32.const 23)))
      (f32x4.ge (local.get $x2) (f32x4.splat (f32.const -87.33)))))

  ;; Sets the `length` floats at `dst` to `value`.
  (func $fill (param $dst i32) (param $length i32) (param $value f32)
    (local $j i32)
    (block $done
      (loop $fill_loop
        (br_if $done (i32.ge_s (local.get $j) (local.get $length)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2))) (local.get $value))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $fill_loop))))
)
