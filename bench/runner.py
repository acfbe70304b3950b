"""Shared driver of the Python benchmarks: reads bench/configs.json and runs
each configuration of one kind in a child process of its own, so that every
JSON line's peak memory belongs to that configuration alone."""

import json
import os
import subprocess
import sys

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))


def load_configs():
    with open(os.path.join(BENCH_DIR, "configs.json")) as file:
        return json.load(file)


def run_benchmarks(script, kind, bench_one):
    """Run `script`'s configurations of `kind`: one, in this process, for
    `--one NAME`; otherwise each named one (all when none is named) in a child."""
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        config = next(c for c in load_configs() if c["name"] == sys.argv[2])
        print(json.dumps(bench_one(config)), flush=True)
        return
    names = sys.argv[1:]
    for config in load_configs():
        if config["kind"] != kind or (names and config["name"] not in names):
            continue
        result = subprocess.run(
            [sys.executable, script, "--one", config["name"]],
            stdout=subprocess.PIPE,
            check=True,
            text=True,
        )
        sys.stdout.write(result.stdout)
        sys.stdout.flush()
