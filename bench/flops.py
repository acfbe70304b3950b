"""Floating-point operation counts of the benchmark configurations.

The same formulas are in bench/flops.js. A multiply-add counts as 2 FLOPs.
"""


def forward_flops(config):
    """Return the FLOPs of one forward pass over config["tokens"] tokens.

    Per sequence of T tokens with d = d_model, d_ff and vocabulary V:
    Q, K, V and the output projection 4 T d^2, the scores Q K^T and the
    context A V 2 T^2 d (the full T x T, masked entries included, as the
    scores stage stores them), the feed-forward 2 T d d_ff and the
    vocabulary projection T d V multiply-adds. Softmax, bias and residual
    additions are not counted.
    """
    t, d, ff, vocab = config["tokens"], config["d"], config["ff"], config["vocab"]
    multiply_adds = 4 * t * d * d + 2 * t * t * d + 2 * t * d * ff + t * d * vocab
    return 2 * multiply_adds


def train_flops(config):
    """Return the FLOPs of one training step: 3 forward passes per sequence.

    The backward pass computes two products (the gradients of the input and
    of the weight) for each product of the forward pass, so a step is about
    3 times the forward pass's work, times config["batch"] sequences.
    """
    return 3 * config["batch"] * forward_flops(config)
