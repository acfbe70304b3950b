;; The forward pass's tasks in float32 with 128-bit SIMD, written straight
;; into their output matrices: `linear_task` for one block of rows of a
;; projection (product, bias, ReLU, softmax), and `attention_task` for one
;; head's scores, weights and context over a block of rows. The products
;; use `gemm` from gemm.wat and the weights `softmax_row` from softmax.wat,
;; imported under those files' names. The caller and the helper thread run
;; tasks of one job side by side; their rows never overlap.
(module
  (import "env" "memory" (memory 1 16384 shared))
  (import "gemm" "gemm"
    (func $gemm (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "softmax" "softmax_row"
    (func $softmax_row (param i32 i32 i32 i32)))

  ;; Positions per block of the context's sums.
  (global $CONTEXT_BLOCK i32 (i32.const 256))

  ;; Runs task `task` of a projection C = A B + bias over rows
  ;; task * rows_per_task onwards, with ReLU if asked (both inside the
  ;; product), then, if asked, the softmax of each row into P. The job
  ;; record at `job` holds i32s: A, lda, B, B's row bytes, B's strip bytes
  ;; (as `gemm` reads them), k, C, ldc, n (rows of A), m (columns of C),
  ;; rows_per_task, bias (0 for none), relu (0 or 1), P (0 for none) and
  ;; P's row stride.
  (func (export "linear_task") (param $job i32) (param $task i32) (param $slot i32)
    (local $first i32) (local $rows i32) (local $m i32) (local $row i32) (local $r i32)
    (local.set $m (i32.load offset=36 (local.get $job)))
    (local.set $first (i32.mul (local.get $task) (i32.load offset=40 (local.get $job))))
    (local.set $rows (i32.sub (i32.load offset=32 (local.get $job)) (local.get $first)))
    (if (i32.gt_u (local.get $rows) (i32.load offset=40 (local.get $job)))
      (then (local.set $rows (i32.load offset=40 (local.get $job)))))
    (call $gemm
      (i32.add (i32.load (local.get $job))
        (i32.shl (i32.mul (local.get $first) (i32.load offset=4 (local.get $job))) (i32.const 2)))
      (i32.load offset=4 (local.get $job))
      (i32.load offset=8 (local.get $job))
      (i32.load offset=12 (local.get $job))
      (i32.load offset=16 (local.get $job))
      (i32.load offset=20 (local.get $job))
      (i32.add (i32.load offset=24 (local.get $job))
        (i32.shl (i32.mul (local.get $first) (i32.load offset=28 (local.get $job))) (i32.const 2)))
      (i32.load offset=28 (local.get $job))
      (local.get $rows)
      (local.get $m)
      (i32.load offset=44 (local.get $job))
      (i32.load offset=48 (local.get $job))
      (i32.const 0))
    (block $done
      (loop $row_loop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row
          (i32.add (i32.load offset=24 (local.get $job))
            (i32.shl
              (i32.mul (i32.add (local.get $first) (local.get $r)) (i32.load offset=28 (local.get $job)))
              (i32.const 2))))
        (if (i32.load offset=52 (local.get $job))
          (then
            (call $softmax_row
              (local.get $row)
              (i32.add (i32.load offset=52 (local.get $job))
                (i32.shl
                  (i32.mul (i32.add (local.get $first) (local.get $r)) (i32.load offset=56 (local.get $job)))
                  (i32.const 2)))
              (local.get $m)
              (local.get $m))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row_loop))))

  ;; Runs task `task` of an attention job: head task / tasks_per_head, rows
  ;; i0 = (task % tasks_per_head) * rows_per_task onwards. Scores and
  ;; weights are [h, T, T] matrices, Q, V and the context [T, d]. Under the
  ;; causal mask, entry (i, j) with j > i of the scores is -inf and of the
  ;; weights 0. The job
  ;; record at `job` holds i32s: Q, T, d, d_head, causal (0 or 1), scale K^T
  ;; packed per head, V packed per head, rows_per_task, tasks_per_head, the
  ;; context, the scores and the weights.
  (func (export "attention_task") (param $job i32) (param $task i32) (param $slot i32)
    (local $T i32) (local $d i32) (local $d_head i32) (local $causal i32)
    (local $rows_per_task i32) (local $head i32) (local $i0 i32) (local $rows i32)
    (local $t_strips i32) (local $h_strips i32) (local $scores i32) (local $weights i32)
    (local $r i32) (local $k i32) (local $row_bytes i32) (local $block i32)
    (local $from i32) (local $count i32)
    (local.set $T (i32.load offset=4 (local.get $job)))
    (local.set $d (i32.load offset=8 (local.get $job)))
    (local.set $d_head (i32.load offset=12 (local.get $job)))
    (local.set $causal (i32.load offset=16 (local.get $job)))
    (local.set $rows_per_task (i32.load offset=28 (local.get $job)))
    (local.set $head (i32.div_u (local.get $task) (i32.load offset=32 (local.get $job))))
    (local.set $i0
      (i32.mul (i32.rem_u (local.get $task) (i32.load offset=32 (local.get $job)))
        (local.get $rows_per_task)))
    (local.set $rows (i32.sub (local.get $T) (local.get $i0)))
    (if (i32.gt_u (local.get $rows) (local.get $rows_per_task))
      (then (local.set $rows (local.get $rows_per_task))))
    (local.set $t_strips (i32.shr_u (i32.add (local.get $T) (i32.const 7)) (i32.const 3)))
    (local.set $h_strips (i32.shr_u (i32.add (local.get $d_head) (i32.const 7)) (i32.const 3)))
    (local.set $row_bytes (i32.shl (local.get $T) (i32.const 2)))
    (local.set $block
      (i32.shl
        (i32.add (i32.mul (i32.mul (local.get $head) (local.get $T)) (local.get $T))
          (i32.mul (local.get $i0) (local.get $T)))
        (i32.const 2)))
    (local.set $scores (i32.add (i32.load offset=40 (local.get $job)) (local.get $block)))
    (local.set $weights (i32.add (i32.load offset=44 (local.get $job)) (local.get $block)))

    ;; Scores: Q_h (scale K_h)^T for the block's rows. Under the causal mask
    ;; the columns past the block's last row are masked for every row of it,
    ;; so the product stops there and the masked entries become -inf.
    (call $gemm
      (i32.add (i32.load (local.get $job))
        (i32.shl
          (i32.add (i32.mul (local.get $i0) (local.get $d))
            (i32.mul (local.get $head) (local.get $d_head)))
          (i32.const 2)))
      (local.get $d)
      (i32.add (i32.load offset=20 (local.get $job))
        (i32.shl (i32.mul (i32.mul (local.get $head) (local.get $t_strips)) (local.get $d_head))
          (i32.const 5)))
      (i32.const 32)
      (i32.shl (local.get $d_head) (i32.const 5))
      (local.get $d_head)
      (local.get $scores)
      (local.get $T)
      (local.get $rows)
      (select (i32.add (local.get $i0) (local.get $rows)) (local.get $T) (local.get $causal))
      (i32.const 0)
      (i32.const 0)
      (i32.const 0))
    (if (local.get $causal)
      (then
        (block $done
          (loop $mask_loop
            (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
            (call $fill_masked
              (i32.add (local.get $scores) (i32.mul (local.get $r) (local.get $row_bytes)))
              (i32.add (i32.add (local.get $i0) (local.get $r)) (i32.const 1))
              (local.get $T))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $mask_loop)))
        (local.set $r (i32.const 0))))

    ;; Weights: softmax of each row; with the causal mask row i sees 0 .. i.
    (block $done
      (loop $softmax_loop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (call $softmax_row
          (i32.add (local.get $scores) (i32.mul (local.get $r) (local.get $row_bytes)))
          (i32.add (local.get $weights) (i32.mul (local.get $r) (local.get $row_bytes)))
          (local.get $T)
          (select
            (i32.add (i32.add (local.get $i0) (local.get $r)) (i32.const 1))
            (local.get $T)
            (local.get $causal)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $softmax_loop)))

    ;; Context: A_h V_h into the head's columns, 4 rows at a time. Under the
    ;; causal mask the rows i .. i+3 have zero weight past column i+3, so
    ;; the sum stops there. It runs over blocks of CONTEXT_BLOCK positions,
    ;; each summed on its own and then added to the running total, which
    ;; keeps float32 rounding from growing with the length of the text.
    (local.set $r (i32.const 0))
    (block $done
      (loop $context_loop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $k (local.get $T))
        (if (local.get $causal)
          (then
            (local.set $k (i32.add (i32.add (local.get $i0) (local.get $r)) (i32.const 4)))
            (if (i32.gt_u (local.get $k) (local.get $T)) (then (local.set $k (local.get $T))))))
        (local.set $from (i32.const 0))
        (loop $block_loop
          (local.set $count (i32.sub (local.get $k) (local.get $from)))
          (if (i32.gt_u (local.get $count) (global.get $CONTEXT_BLOCK))
            (then (local.set $count (global.get $CONTEXT_BLOCK))))
          (call $gemm
            (i32.add (local.get $weights)
              (i32.add (i32.mul (local.get $r) (local.get $row_bytes)) (i32.shl (local.get $from) (i32.const 2))))
            (local.get $T)
            (i32.add (i32.load offset=24 (local.get $job))
              (i32.add
                (i32.shl (i32.mul (i32.mul (local.get $head) (local.get $h_strips)) (local.get $T))
                  (i32.const 5))
                (i32.shl (local.get $from) (i32.const 5))))
            (i32.const 32)
            (i32.shl (local.get $T) (i32.const 5))
            (local.get $count)
            (i32.add (i32.load offset=36 (local.get $job))
              (i32.shl
                (i32.add (i32.mul (i32.add (local.get $i0) (local.get $r)) (local.get $d))
                  (i32.mul (local.get $head) (local.get $d_head)))
                (i32.const 2)))
            (local.get $d)
            (select (i32.sub (local.get $rows) (local.get $r)) (i32.const 4)
              (i32.lt_u (i32.sub (local.get $rows) (local.get $r)) (i32.const 4)))
            (local.get $d_head)
            (i32.const 0)
            (i32.const 0)
            (i32.ne (local.get $from) (i32.const 0)))
          (local.set $from (i32.add (local.get $from) (local.get $count)))
          (br_if $block_loop (i32.lt_u (local.get $from) (local.get $k))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $context_loop))))

  ;; Sets entries from .. end - 1 of the row at `row` to -inf.
  (func $fill_masked (param $row i32) (param $from i32) (param $end i32)
    (local $j i32)
    (local.set $j (local.get $from))
    (block $done
      (loop $head
        (br_if $done (i32.eqz (i32.and (local.get $j) (i32.const 3))))
        (br_if $done (i32.ge_u (local.get $j) (local.get $end)))
        (f32.store (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))) (f32.const -inf))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $head)))
    (block $done
      (loop $vectors
        (br_if $done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $end)))
        (v128.store (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))
          (f32x4.splat (f32.const -inf)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $vectors)))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $j) (local.get $end)))
        (f32.store (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))) (f32.const -inf))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tail))))
)
