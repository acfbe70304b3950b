// Floating-point operation counts of the benchmark configurations; the same
// formulas, with their derivation, are in bench/flops.py. A multiply-add
// counts as 2 FLOPs.
'use strict';

/**
 * Returns the FLOPs of one forward pass over `tokens` tokens. The
 * multiply-adds are 4 T d^2 (Q, K, V, output projection), 2 T^2 d (scores
 * and context over the full T x T), 2 T d d_ff (feed-forward) and T d V
 * (vocabulary), each counted as 2 FLOPs.
 */
function forwardFlops({ tokens: t, d, ff, vocab }) {
  return 2 * (4 * t * d * d + 2 * t * t * d + 2 * t * d * ff + t * d * vocab);
}

/** Returns the FLOPs of one training step: 3 forward passes (forward and backward) per sequence. */
function trainFlops(config) {
  return 3 * config.batch * forwardFlops(config);
}

module.exports = { forwardFlops, trainFlops };
