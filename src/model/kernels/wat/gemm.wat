;; Matrix multiplication C = A B in float32 with 128-bit SIMD.
;;
;; B is read in strips of 8 columns: strip s holds B[p][8s .. 8s+7] for
;; p = 0 .. k-1. A wide B is first packed so that each strip lies
;; contiguously, with columns past B's width filled with zeros; a narrow one
;; is read in place. The kernel keeps a 4-row by 8-column block of C in 8 f32x4
;; accumulators and, for each p, adds A[i][p] times the strip's row p. With
;; the strip loop outside the row loop, one strip (k * 32 bytes) stays in the
;; L1 cache while every row of the task passes over it. In Node 20 on the
;; machine of docs/benchmarks.md a 4x8 block ran at about 44 GFLOP/s on one
;; core, against 25-34 for 4x16, 8x8 and 6x8 blocks. The 4x16 and 8x8 blocks
;; need 16 accumulators, as many as x64 has XMM registers.
;;
;; Addresses are byte offsets into the memory that the JavaScript side
;; (src/model/kernels/runtime.ts) lays out. Sums are accumulated in float32,
;; in order of increasing p. compile.js also builds this module with each
;; multiply-add of the inner loop fused into relaxed SIMD's
;; f32x4.relaxed_madd, for hosts that accept it; a fused multiply-add rounds
;; once instead of twice.
(module
  (import "env" "memory" (memory 1 16384 shared))

  ;; Packs the k x cols matrix at `src` (row stride `ld` floats) into strips
  ;; of 8 columns at `dst`, zero-padding the last strip. Strip s starts at
  ;; dst + s * strip_rows * 32, so that a caller can pack a tall matrix a
  ;; block of rows at a time (strip_rows = all rows, dst moved to the block).
  (func $pack_strips (export "pack_strips")
    (param $src i32) (param $ld i32) (param $k i32) (param $cols i32) (param $dst i32)
    (param $strip_rows i32)
    (local $s i32) (local $strips i32) (local $p i32) (local $j i32) (local $width i32)
    (local $from i32) (local $out i32)
    (local.set $strips (i32.shr_u (i32.add (local.get $cols) (i32.const 7)) (i32.const 3)))
    (block $done
      (loop $strip
        (br_if $done (i32.ge_u (local.get $s) (local.get $strips)))
        (local.set $width (i32.sub (local.get $cols) (i32.shl (local.get $s) (i32.const 3))))
        (local.set $out
          (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $s) (local.get $strip_rows)) (i32.const 5))))
        (local.set $p (i32.const 0))
        (block $rows_done
          (loop $row
            (br_if $rows_done (i32.ge_u (local.get $p) (local.get $k)))
            (local.set $from
              (i32.add (local.get $src)
                (i32.shl
                  (i32.add (i32.mul (local.get $p) (local.get $ld)) (i32.shl (local.get $s) (i32.const 3)))
                  (i32.const 2))))
            (if (i32.ge_u (local.get $width) (i32.const 8))
              (then
                (v128.store (local.get $out) (v128.load (local.get $from)))
                (v128.store offset=16 (local.get $out) (v128.load offset=16 (local.get $from))))
              (else
                (v128.store (local.get $out) (v128.const i32x4 0 0 0 0))
                (v128.store offset=16 (local.get $out) (v128.const i32x4 0 0 0 0))
                (local.set $j (i32.const 0))
                (block $tail_done
                  (loop $tail
                    (br_if $tail_done (i32.ge_u (local.get $j) (local.get $width)))
                    (f32.store
                      (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
                      (f32.load (i32.add (local.get $from) (i32.shl (local.get $j) (i32.const 2)))))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $tail)))))
            (local.set $out (i32.add (local.get $out) (i32.const 32)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $row)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $strip))))

  ;; Packs `scale` times the transpose of the rows x k matrix at `src` (row
  ;; stride `ld` floats) into strips of 8 columns at `dst`: strip s, row p
  ;; holds scale * src[8s .. 8s+7][p], zero past the last row. Attention uses
  ;; it for K^T / sqrt(d_head), which saves a pass over the scores.
  (func $pack_transposed (export "pack_transposed")
    (param $src i32) (param $ld i32) (param $rows i32) (param $k i32) (param $dst i32)
    (param $scale f32)
    (local $s i32) (local $strips i32) (local $p i32) (local $j i32) (local $row i32)
    (local.set $strips (i32.shr_u (i32.add (local.get $rows) (i32.const 7)) (i32.const 3)))
    (block $done
      (loop $strip
        (br_if $done (i32.ge_u (local.get $s) (local.get $strips)))
        (local.set $p (i32.const 0))
        (block $p_done
          (loop $p_loop
            (br_if $p_done (i32.ge_u (local.get $p) (local.get $k)))
            (local.set $j (i32.const 0))
            (block $j_done
              (loop $j_loop
                (br_if $j_done (i32.ge_u (local.get $j) (i32.const 8)))
                (local.set $row (i32.add (i32.shl (local.get $s) (i32.const 3)) (local.get $j)))
                (f32.store
                  (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
                  (if (result f32) (i32.lt_u (local.get $row) (local.get $rows))
                    (then
                      (f32.mul
                        (f32.load
                          (i32.add (local.get $src)
                            (i32.shl
                              (i32.add (i32.mul (local.get $row) (local.get $ld)) (local.get $p))
                              (i32.const 2))))
                        (local.get $scale)))
                    (else (f32.const 0))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $j_loop)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $p_loop)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $strip))))

  ;; Computes `rows` rows of C = A B over the first `k` rows of B and writes
  ;; the first `cols` columns of each to `c`, with row stride `ldc` floats.
  ;; A nonzero `bias` is the address of a vector added to every row, a
  ;; nonzero `relu` applies ReLU before the store, and a nonzero
  ;; `accumulate` adds the product to C instead of overwriting it.
  ;; A at `a` has row stride `lda` floats. B is read in strips of 8 columns:
  ;; row p of strip s is at b + s * b_strip + p * b_row bytes. Packed B has
  ;; b_row = 32 and b_strip = its rows * 32; B in place, with row stride m
  ;; floats, has b_row = 4m and b_strip = 32, and then the last strip reads
  ;; up to 28 bytes past a row, into whatever follows. Nothing is written
  ;; outside the rows x cols block, so tasks can share an output matrix.
  (func $gemm (export "gemm")
    (param $a i32) (param $lda i32) (param $b_start i32) (param $b_row i32) (param $b_strip i32)
    (param $k i32) (param $c i32) (param $ldc i32) (param $rows i32) (param $cols i32)
    (param $bias i32) (param $relu i32) (param $accumulate i32)
    (local $s i32) (local $strips i32) (local $i i32) (local $p i32) (local $b i32) (local $out i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $left i32) (local $width i32)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $row_bytes i32) (local $out_bytes i32)
    (local.set $row_bytes (i32.shl (local.get $lda) (i32.const 2)))
    (local.set $out_bytes (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $strips (i32.shr_u (i32.add (local.get $cols) (i32.const 7)) (i32.const 3)))
    (block $strips_done
      (loop $strip
        (br_if $strips_done (i32.ge_u (local.get $s) (local.get $strips)))
        (local.set $width (i32.sub (local.get $cols) (i32.shl (local.get $s) (i32.const 3))))
        (local.set $i (i32.const 0))
        (block $rows_done
          (loop $row_block
            (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows)))
            (local.set $left (i32.sub (local.get $rows) (local.get $i)))
            ;; Rows past the last one repeat row 0 of the block, so no read
            ;; leaves A; their sums are never stored.
            (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $row_bytes))))
            (local.set $a1
              (select (i32.add (local.get $a0) (local.get $row_bytes)) (local.get $a0)
                (i32.gt_u (local.get $left) (i32.const 1))))
            (local.set $a2
              (select (i32.add (local.get $a1) (local.get $row_bytes)) (local.get $a0)
                (i32.gt_u (local.get $left) (i32.const 2))))
            (local.set $a3
              (select (i32.add (local.get $a2) (local.get $row_bytes)) (local.get $a0)
                (i32.gt_u (local.get $left) (i32.const 3))))
            (local.set $b (i32.add (local.get $b_start) (i32.mul (local.get $s) (local.get $b_strip))))
            (local.set $out
              (i32.add (local.get $c)
                (i32.add
                  (i32.mul (local.get $i) (local.get $out_bytes))
                  (i32.shl (local.get $s) (i32.const 5)))))
            ;; The sums start from the bias, if there is one, or from 0.
            (local.set $c00 (v128.const i32x4 0 0 0 0))
            (local.set $c01 (v128.const i32x4 0 0 0 0))
            (if (local.get $bias)
              (then
                (local.set $c00 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $s) (i32.const 5)))))
                (local.set $c01
                  (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $s) (i32.const 5)))))))
            (local.set $c10 (local.get $c00))
            (local.set $c11 (local.get $c01))
            (local.set $c20 (local.get $c00))
            (local.set $c21 (local.get $c01))
            (local.set $c30 (local.get $c00))
            (local.set $c31 (local.get $c01))
            (local.set $p (i32.const 0))
            (block $p_done
              (loop $p_loop
                (br_if $p_done (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $b0 (v128.load (local.get $b)))
                (local.set $b1 (v128.load offset=16 (local.get $b)))
                (local.set $x (v128.load32_splat (local.get $a0)))
                (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
                (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
                (local.set $x (v128.load32_splat (local.get $a1)))
                (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
                (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
                (local.set $x (v128.load32_splat (local.get $a2)))
                (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
                (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
                (local.set $x (v128.load32_splat (local.get $a3)))
                (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
                (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
                (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
                (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
                (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
                (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
                (local.set $b (i32.add (local.get $b) (local.get $b_row)))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $p_loop)))
            ;; When accumulating, this block's sums are added to C as it is, so
            ;; that a long sum split over calls rounds once per call. Rows and
            ;; columns past C's are read from whatever follows C, never stored.
            (if (local.get $accumulate)
              (then
                (local.set $c00 (f32x4.add (local.get $c00) (v128.load (local.get $out))))
                (local.set $c01 (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $out))))
                (local.set $c10 (f32x4.add (local.get $c10) (v128.load (i32.add (local.get $out) (local.get $out_bytes)))))
                (local.set $c11 (f32x4.add (local.get $c11) (v128.load offset=16 (i32.add (local.get $out) (local.get $out_bytes)))))
                (local.set $c20 (f32x4.add (local.get $c20) (v128.load (i32.add (local.get $out) (i32.shl (local.get $out_bytes) (i32.const 1))))))
                (local.set $c21 (f32x4.add (local.get $c21) (v128.load offset=16 (i32.add (local.get $out) (i32.shl (local.get $out_bytes) (i32.const 1))))))
                (local.set $c30 (f32x4.add (local.get $c30) (v128.load (i32.add (local.get $out) (i32.mul (local.get $out_bytes) (i32.const 3))))))
                (local.set $c31 (f32x4.add (local.get $c31) (v128.load offset=16 (i32.add (local.get $out) (i32.mul (local.get $out_bytes) (i32.const 3))))))))
            ;; ReLU keeps x where x > 0 and stores 0 elsewhere, NaN included.
            (if (local.get $relu)
              (then
                (local.set $c00 (v128.and (local.get $c00) (f32x4.gt (local.get $c00) (v128.const f32x4 0 0 0 0))))
                (local.set $c01 (v128.and (local.get $c01) (f32x4.gt (local.get $c01) (v128.const f32x4 0 0 0 0))))
                (local.set $c10 (v128.and (local.get $c10) (f32x4.gt (local.get $c10) (v128.const f32x4 0 0 0 0))))
                (local.set $c11 (v128.and (local.get $c11) (f32x4.gt (local.get $c11) (v128.const f32x4 0 0 0 0))))
                (local.set $c20 (v128.and (local.get $c20) (f32x4.gt (local.get $c20) (v128.const f32x4 0 0 0 0))))
                (local.set $c21 (v128.and (local.get $c21) (f32x4.gt (local.get $c21) (v128.const f32x4 0 0 0 0))))
                (local.set $c30 (v128.and (local.get $c30) (f32x4.gt (local.get $c30) (v128.const f32x4 0 0 0 0))))
                (local.set $c31 (v128.and (local.get $c31) (f32x4.gt (local.get $c31) (v128.const f32x4 0 0 0 0))))))
            (if (i32.and (i32.ge_u (local.get $width) (i32.const 8)) (i32.ge_u (local.get $left) (i32.const 4)))
              (then
                (v128.store (local.get $out) (local.get $c00))
                (v128.store offset=16 (local.get $out) (local.get $c01))
                (local.set $out (i32.add (local.get $out) (local.get $out_bytes)))
                (v128.store (local.get $out) (local.get $c10))
                (v128.store offset=16 (local.get $out) (local.get $c11))
                (local.set $out (i32.add (local.get $out) (local.get $out_bytes)))
                (v128.store (local.get $out) (local.get $c20))
                (v128.store offset=16 (local.get $out) (local.get $c21))
                (local.set $out (i32.add (local.get $out) (local.get $out_bytes)))
                (v128.store (local.get $out) (local.get $c30))
                (v128.store offset=16 (local.get $out) (local.get $c31)))
              (else
                ;; The last rows or columns: store only those inside C.
                (call $store_row (local.get $out) (local.get $c00) (local.get $c01) (local.get $width))
                (if (i32.gt_u (local.get $left) (i32.const 1))
                  (then
                    (local.set $out (i32.add (local.get $out) (local.get $out_bytes)))
                    (call $store_row (local.get $out) (local.get $c10) (local.get $c11) (local.get $width))))
                (if (i32.gt_u (local.get $left) (i32.const 2))
                  (then
                    (local.set $out (i32.add (local.get $out) (local.get $out_bytes)))
                    (call $store_row (local.get $out) (local.get $c20) (local.get $c21) (local.get $width))))
                (if (i32.gt_u (local.get $left) (i32.const 3))
                  (then
                    (local.set $out (i32.add (local.get $out) (local.get $out_bytes)))
                    (call $store_row (local.get $out) (local.get $c30) (local.get $c31) (local.get $width))))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $row_block)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $strip))))

  ;; Stores the first min(width, 8) lanes of the row v0, v1 at `out`.
  (func $store_row (param $out i32) (param $v0 v128) (param $v1 v128) (param $width i32)
    (if (i32.ge_u (local.get $width) (i32.const 8))
      (then
        (v128.store (local.get $out) (local.get $v0))
        (v128.store offset=16 (local.get $out) (local.get $v1))
        (return)))
    (call $store_lanes (local.get $out) (local.get $v0) (local.get $width))
    (if (i32.gt_u (local.get $width) (i32.const 4))
      (then
        (call $store_lanes
          (i32.add (local.get $out) (i32.const 16))
          (local.get $v1)
          (i32.sub (local.get $width) (i32.const 4))))))

  ;; Stores the first min(count, 4) lanes of `v` at `out`.
  (func $store_lanes (export "store_lanes") (param $out i32) (param $v v128) (param $count i32)
    (if (i32.ge_u (local.get $count) (i32.const 4))
      (then (v128.store (local.get $out) (local.get $v)) (return)))
    (if (i32.gt_u (local.get $count) (i32.const 0))
      (then (f32.store (local.get $out) (f32x4.extract_lane 0 (local.get $v)))))
    (if (i32.gt_u (local.get $count) (i32.const 1))
      (then (f32.store offset=4 (local.get $out) (f32x4.extract_lane 1 (local.get $v)))))
    (if (i32.gt_u (local.get $count) (i32.const 2))
      (then (f32.store offset=8 (local.get $out) (f32x4.extract_lane 2 (local.get $v))))))
)
