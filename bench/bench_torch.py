#!/usr/bin/env python3
"""Time one training step of the model in PyTorch, for comparison with Node.

Runs every training configuration of bench/configs.json, or those named on
the command line. Each runs in its own child process, so that the peak
resident memory is per configuration, and prints one JSON line to stdout
with the same fields as `npm run bench`. A step is the forward pass
of docs/model.md on a batch of `batch` sequences of `tokens` tokens, the
mean cross-entropy of every position's logits against the next token,
backpropagation, and one Adam update, all in float32 on the CPU with
PyTorch's default number of threads (printed to stderr).

Debian's PyTorch is for /usr/bin/python3: apt-get install python3-torch.
"""

import os
import resource
import statistics
import sys
import time

import torch

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
# Timed steps per configuration; the median is reported.
SAMPLES = 5
WARM_UP_SECONDS = 0.5
sys.path.insert(0, BENCH_DIR)
from runner import run_benchmarks  # noqa: E402
from flops import train_flops  # noqa: E402


class TinyModel(torch.nn.Module):
    """One transformer block between an embedding table and a vocabulary projection."""

    def __init__(self, vocab, d, heads, ff):
        super().__init__()
        self.heads = heads

        def weight(*shape, scale):
            return torch.nn.Parameter(torch.randn(*shape) * scale)

        self.embeddings = weight(vocab, d, scale=1.0)
        self.query = weight(d, d, scale=d**-0.5)
        self.key = weight(d, d, scale=d**-0.5)
        self.value = weight(d, d, scale=d**-0.5)
        self.output = weight(d, d, scale=d**-0.5)
        self.w1 = weight(d, ff, scale=d**-0.5)
        self.b1 = torch.nn.Parameter(torch.zeros(ff))
        self.w2 = weight(ff, d, scale=ff**-0.5)
        self.b2 = torch.nn.Parameter(torch.zeros(d))
        self.vocabulary = weight(d, vocab, scale=d**-0.5)
        self.vocabulary_bias = torch.nn.Parameter(torch.zeros(vocab))

    def forward(self, ids):
        batch, tokens = ids.shape
        d = self.query.shape[0]
        d_head = d // self.heads
        x = self.embeddings[ids]  # [B, T, d]

        def split(y):  # [B, T, d] -> [B, h, T, d_head]
            return y.view(batch, tokens, self.heads, d_head).transpose(1, 2)

        q, k, v = split(x @ self.query), split(x @ self.key), split(x @ self.value)
        scores = (q @ k.transpose(-2, -1)) * d_head**-0.5  # [B, h, T, T]
        mask = torch.triu(torch.ones(tokens, tokens, dtype=torch.bool), diagonal=1)
        weights = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
        context = (weights @ v).transpose(1, 2).reshape(batch, tokens, d)
        residual = x + context @ self.output
        hidden = torch.relu(residual @ self.w1 + self.b1)
        output = residual + hidden @ self.w2 + self.b2
        return output @ self.vocabulary + self.vocabulary_bias  # [B, T, V]


def bench_one(config):
    torch.manual_seed(42)
    vocab, tokens, batch = config["vocab"], config["tokens"], config["batch"]
    model = TinyModel(vocab, config["d"], config["heads"], config["ff"])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    windows = torch.randint(0, vocab, (batch, tokens + 1))
    inputs, targets = windows[:, :-1], windows[:, 1:]

    def step():
        optimizer.zero_grad()
        logits = model(inputs)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
        loss.backward()
        optimizer.step()

    # Warm up for WARM_UP_SECONDS and at least 3 steps, as the Node benchmark does.
    start = time.perf_counter()
    steps = 0
    while steps < 3 or time.perf_counter() - start < WARM_UP_SECONDS:
        step()
        steps += 1
    times = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    ms = statistics.median(times)
    return {
        "name": config["name"],
        "runtime": "pytorch",
        "tokens": tokens * batch,
        "vocab": vocab,
        "d": config["d"],
        "heads": config["heads"],
        "ff": config["ff"],
        "ms": round(ms, 3),
        "gflops": round(train_flops(config) / ms / 1e6, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "seq": tokens,
        "batch": batch,
        "tokens_per_s": round(tokens * batch * 1000 / ms),
    }


def main():
    if not (len(sys.argv) == 3 and sys.argv[1] == "--one"):
        print(
            f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, "
            f"CPU capability {torch.backends.cpu.get_cpu_capability()}"
            if hasattr(torch.backends, "cpu")
            else f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads",
            file=sys.stderr,
        )
    run_benchmarks(__file__, "train", bench_one)


if __name__ == "__main__":
    main()
