"""CPU threads of small networks on a shared machine (issue 16.11).

Many tiny torch ops whose threads wait for each other slow down 30-140x when another process
shares the cores. The estimators choose their thread count by the size of the work
(``n_threads=None``): one thread for small networks. This benchmark runs each fit alone, then
two copies of it at once in two processes, and reports each concurrent fit's time as a ratio
to the same fit alone, for the automatic choice and for torch's default (all cores).

Budget: with the automatic choice, every concurrent fit takes at most 2.5x its time alone
on the 2-core machine.

    python benchmarks/threads.py                 # both configurations, 3 repeats
    python benchmarks/threads.py --repeats 1 --configs classifier
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "threads.md"


def _worker(config: str, threads: str) -> float:
    import numpy as np
    import torch

    from lstm_forecast import LSTMClassifier, LSTMRegressor, make_windows

    if threads == "auto":
        n_threads = None
    elif threads == "torch":  # what a fit did before: torch's own thread count (all cores)
        n_threads = torch.get_num_threads()
    else:
        n_threads = int(threads)
    if config == "classifier":  # the README's digits classifier, shortened
        from sklearn.datasets import load_digits

        digits = load_digits()
        X, y = digits.images[:600].astype(np.float32), digits.target[:600]
        model = LSTMClassifier(hidden_size=64, max_epochs=6, random_state=0, device="cpu",
                               n_threads=n_threads)
    else:  # a forecaster-sized regressor: the CLI's network on a monthly series
        series = np.sin(np.arange(3000) / 9.0).astype(np.float32)
        X, y = make_windows(series, timesteps=24, horizon=12)
        model = LSTMRegressor(hidden_size=32, batch_size=16, max_epochs=2, lr=3e-3,
                              random_state=0, device="cpu", n_threads=n_threads)
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start


def _run(config, threads, copies):
    """Seconds of each of ``copies`` fits started at the same time in their own processes."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("OMP_NUM_THREADS", None)
    command = [sys.executable, __file__, "--worker", config, threads]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
                 for _ in range(copies)]
    return [float(json.loads(p.communicate()[0])["seconds"]) for p in processes]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=["classifier", "forecaster"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps({"seconds": _worker(*args.worker)}))
        return
    rows = []
    for config in args.configs:
        for threads in ("auto", "torch"):
            alone = statistics.median(_run(config, threads, 1)[0] for _ in range(args.repeats))
            together = [t for _ in range(args.repeats) for t in _run(config, threads, 2)]
            worst = max(together) / alone
            rows.append((config, threads, alone, statistics.median(together) / alone, worst))
            print(f"{config:10s} threads={threads:5s} alone {alone:6.2f} s  two at once: median "
                  f"{rows[-1][3]:.2f}x, worst {worst:.2f}x", flush=True)
    if args.no_record:
        return
    lines = [
        "# Two fits at once on the 2-core machine (issue 16.11)",
        "",
        f"`python benchmarks/threads.py --repeats {args.repeats}`; {os.cpu_count()} cores. Each fit is "
        "timed alone, then as one of two identical fits started together in two processes; the "
        "ratios are the concurrent fit's time over the same fit alone (median and worst of "
        f"{2 * args.repeats}). `auto` is the estimators' default (`n_threads=None`: one thread "
        "for these small networks); `torch` forces torch's own thread count, the behaviour "
        "before. Budget: `auto` at most 2.5x.",
        "",
        "| fit | threads | alone (s) | two at once: median | worst | budget 2.5x |",
        "|---|---|---|---|---|---|",
    ]
    for config, threads, alone, median, worst in rows:
        verdict = ("pass" if worst <= 2.5 else "FAIL") if threads == "auto" else "-"
        lines.append(f"| {config} | {threads} | {alone:.2f} | {median:.2f}x | {worst:.2f}x | {verdict} |")
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
