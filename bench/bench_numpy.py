#!/usr/bin/env python3
"""Time the model's forward pass in numpy float32, for comparison with Node.

Runs every forward configuration of bench/configs.json, or those named on the
command line. Each runs in its own child process, so that the peak resident
memory is per configuration, and prints one JSON line to stdout with the
same fields as `npm run bench`. The forward pass computes
every stage that src/model/forward.ts returns, including the [h, T, T]
scores and weights and the probabilities of every position, in float32.
Weights are numpy random numbers, since the time does not depend on them.

OpenBLAS reads OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE at load time, and a
forced older core type slows a current numpy, so run this with both unset:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 bench/bench_numpy.py

The OpenBLAS core type and thread count that ran go to stderr.
"""

import ctypes
import glob
import os
import resource
import statistics
import sys
import time

import numpy as np

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
# A sample repeats a short call until it lasts about this long.
MIN_SAMPLE_SECONDS = 0.02
WARM_UP_SECONDS = 0.5
sys.path.insert(0, BENCH_DIR)
from runner import run_benchmarks  # noqa: E402
from flops import forward_flops  # noqa: E402


def make_parameters(config, rng):
    d, ff, vocab = config["d"], config["ff"], config["vocab"]

    def normal(shape, scale):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    return {
        "embeddings": normal((vocab, d), 1.0),
        "query": normal((d, d), d**-0.5),
        "key": normal((d, d), d**-0.5),
        "value": normal((d, d), d**-0.5),
        "output": normal((d, d), d**-0.5),
        "w1": normal((d, ff), d**-0.5),
        "b1": np.zeros(ff, dtype=np.float32),
        "w2": normal((ff, d), ff**-0.5),
        "b2": np.zeros(d, dtype=np.float32),
        "vocabulary": normal((d, vocab), d**-0.5),
        "vocabulary_bias": np.zeros(vocab, dtype=np.float32),
    }


def row_softmax(x, mask=None):
    """Softmax over the last axis; entries where `mask` is True get weight 0."""
    if mask is not None:
        x = np.where(mask, np.float32(-np.inf), x)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def forward(ids, p, heads, mask):
    """Return every stage of the forward pass of docs/model.md, in float32."""
    tokens = len(ids)
    d = p["query"].shape[0]
    d_head = d // heads
    x = p["embeddings"][ids]  # [T, d]
    q = x @ p["query"]
    k = x @ p["key"]
    v = x @ p["value"]
    # [h, T, d_head] views of each head's columns.
    qh = q.reshape(tokens, heads, d_head).transpose(1, 0, 2)
    kh = k.reshape(tokens, heads, d_head).transpose(1, 0, 2)
    vh = v.reshape(tokens, heads, d_head).transpose(1, 0, 2)
    scores = (qh @ kh.transpose(0, 2, 1)) * np.float32(d_head**-0.5)  # [h, T, T]
    weights = row_softmax(scores, mask)  # [h, T, T]
    context = (weights @ vh).transpose(1, 0, 2).reshape(tokens, d)  # [T, d]
    attention = context @ p["output"]
    residual = x + attention
    hidden = np.maximum(residual @ p["w1"] + p["b1"], 0)  # [T, d_ff]
    feed_forward = hidden @ p["w2"] + p["b2"]
    output = residual + feed_forward
    logits = output @ p["vocabulary"] + p["vocabulary_bias"]  # [T, V]
    probabilities = row_softmax(logits)
    return scores, weights, context, probabilities


def time_runs(run, samples):
    """Return the median milliseconds of one call over `samples` timed samples.

    Calls first repeat for WARM_UP_SECONDS (at least 3 calls), as the Node
    benchmark does.
    """
    start = time.perf_counter()
    calls = 0
    while calls < 3 or time.perf_counter() - start < WARM_UP_SECONDS:
        run()
        calls += 1
    once = (time.perf_counter() - start) / calls
    # Repeat short calls inside a sample so the timer's resolution does not matter.
    inner = max(1, round(MIN_SAMPLE_SECONDS / once))
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(inner):
            run()
        times.append((time.perf_counter() - start) / inner * 1000)
    return statistics.median(times)


def bench_one(config):
    rng = np.random.default_rng(42)
    parameters = make_parameters(config, rng)
    tokens = config["tokens"]
    ids = rng.integers(0, config["vocab"], tokens)
    mask = np.triu(np.ones((tokens, tokens), dtype=bool), k=1)
    ms = time_runs(lambda: forward(ids, parameters, config["heads"], mask), 7)
    flops = forward_flops(config)
    return {
        "name": config["name"],
        "runtime": "numpy",
        "tokens": tokens,
        "vocab": config["vocab"],
        "d": config["d"],
        "heads": config["heads"],
        "ff": config["ff"],
        "ms": round(ms, 4),
        "gflops": round(flops / ms / 1e6, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def describe_blas():
    """Return OpenBLAS's core type and thread count, read through ctypes."""
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "*openblas*"))
    if not libs:
        return "numpy's BLAS is not a bundled OpenBLAS; see numpy.show_config()"
    library = ctypes.CDLL(libs[0])
    for prefix in ("scipy_openblas", "openblas"):
        for suffix in ("64_", ""):
            corename = getattr(library, f"{prefix}_get_corename{suffix}", None)
            threads = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
            if corename is not None and threads is not None:
                corename.restype = ctypes.c_char_p
                return f"OpenBLAS core {corename().decode()}, {threads()} threads"
    return f"OpenBLAS at {libs[0]}, core type unknown"


def main():
    if not (len(sys.argv) == 3 and sys.argv[1] == "--one"):
        print(
            f"numpy {np.__version__}, {describe_blas()}, "
            f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}",
            file=sys.stderr,
        )
    run_benchmarks(__file__, "forward", bench_one)


if __name__ == "__main__":
    main()
