;; Multi-head attention in float32 with 128-bit SIMD: `attention_task`
;; computes one head's scores, weights and context for a block of rows. The
;; products use `gemm` from gemm.wat and the weights `softmax_row` from
;; softmax.wat, imported under those files' names.
(module
  (import "env" "memory" (memory 1 16384 shared))
  (import "gemm" "gemm"
    (func $gemm (param i32 i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "softmax" "softmax_row"
    (func $softmax_row (param i32 i32 i32 i32)))

  ;; Runs task `task` of an attention job: head task / tasks_per_head, rows
  ;; i0 = (task % tasks_per_head) * rows_per_task onwards. Scores and weights
  ;; go to `slot` as rows of stride ceil(T / 8) * 8; the context goes
  ;; straight into its columns of the [T, d] context buffer. The job record at
  ;; `job` holds: Q's address, T, d, d_head, causal (0 or 1), packed
  ;; scale K^T per head, packed V per head, rows_per_task, tasks_per_head,
  ;; the context buffer's address and whole_rows (1 to write every weight).
  (func (export "attention_task") (param $job i32) (param $task i32) (param $slot i32)
    (local $T i32) (local $d i32) (local $d_head i32) (local $causal i32)
    (local $rows_per_task i32) (local $head i32) (local $i0 i32) (local $rows i32)
    (local $t_strips i32) (local $t_pad i32) (local $h_strips i32) (local $h_pad i32)
    (local $scores i32) (local $weights i32) (local $context i32) (local $r i32) (local $j i32)
    (local $row i32) (local $k i32) (local $end i32)
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
    (local.set $t_pad (i32.shl (local.get $t_strips) (i32.const 3)))
    (local.set $h_strips (i32.shr_u (i32.add (local.get $d_head) (i32.const 7)) (i32.const 3)))
    (local.set $h_pad (i32.shl (local.get $h_strips) (i32.const 3)))
    (local.set $scores (local.get $slot))
    (local.set $weights
      (i32.add (local.get $scores)
        (i32.shl (i32.mul (local.get $rows_per_task) (local.get $t_pad)) (i32.const 2))))
    (local.set $context
      (i32.add (local.get $weights)
        (i32.shl (i32.mul (local.get $rows_per_task) (local.get $t_pad)) (i32.const 2))))

    ;; Scores: Q_h (scale K_h)^T for the block's rows.
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
      (local.get $d_head)
      (local.get $d_head)
      (local.get $scores)
      (local.get $t_pad)
      (i32.and (i32.add (local.get $rows) (i32.const 3)) (i32.const -4))
      (local.get $t_strips))

    ;; Weights: softmax of each row; with the causal mask row i sees 0 .. i.
    ;; Unless the job asks for whole rows, the weights past column i+3 stay
    ;; unwritten: the context below reads at most that far, and the caller
    ;; copies out only the visible ones.
    (block $done
      (loop $softmax_loop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $i0) (local.get $r)))
        (local.set $end (i32.add (local.get $row) (i32.const 4)))
        (if (i32.or
              (i32.or (i32.eqz (local.get $causal)) (i32.load offset=40 (local.get $job)))
              (i32.gt_u (local.get $end) (local.get $T)))
          (then (local.set $end (local.get $T))))
        (call $softmax_row
          (i32.add (local.get $scores) (i32.shl (i32.mul (local.get $r) (local.get $t_pad)) (i32.const 2)))
          (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $r) (local.get $t_pad)) (i32.const 2)))
          (local.get $end)
          (select (i32.add (local.get $row) (i32.const 1)) (local.get $T) (local.get $causal)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $softmax_loop)))

    ;; Context: A_h V_h, 4 rows at a time. Under the causal mask the rows
    ;; i .. i+3 have zero weight past column i+3, so the sum stops there.
    (local.set $r (i32.const 0))
    (block $done
      (loop $context_loop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $k (local.get $T))
        (if (local.get $causal)
          (then
            (local.set $k (i32.add (i32.add (local.get $i0) (local.get $r)) (i32.const 4)))
            (if (i32.gt_u (local.get $k) (local.get $T)) (then (local.set $k (local.get $T))))))
        (call $gemm
          (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $r) (local.get $t_pad)) (i32.const 2)))
          (local.get $t_pad)
          (i32.add (i32.load offset=24 (local.get $job))
            (i32.shl (i32.mul (i32.mul (local.get $head) (local.get $h_strips)) (local.get $T))
              (i32.const 5)))
          (local.get $k)
          (local.get $T)
          (i32.add (local.get $context) (i32.shl (i32.mul (local.get $r) (local.get $h_pad)) (i32.const 2)))
          (local.get $h_pad)
          (i32.const 4)
          (local.get $h_strips))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $context_loop)))

    ;; Copy the block's context rows into the head's columns of the buffer.
    (local.set $r (i32.const 0))
    (block $done
      (loop $copy_loop
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (memory.copy
          (i32.add (i32.load offset=36 (local.get $job))
            (i32.shl
              (i32.add (i32.mul (i32.add (local.get $i0) (local.get $r)) (local.get $d))
                (i32.mul (local.get $head) (local.get $d_head)))
              (i32.const 2)))
          (i32.add (local.get $context) (i32.shl (i32.mul (local.get $r) (local.get $h_pad)) (i32.const 2)))
          (i32.shl (local.get $d_head) (i32.const 2)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $copy_loop))))
)
