"""Forecasting 100,000 short series in one call: time and peak memory.

Run: ``OMP_NUM_THREADS=1 python benchmarks/panel_scale.py [--series 100000]``; writes
``benchmarks/results/panel_scale.md``.

A tiny ``LSTMForecaster`` (8 units, 2 epochs, one network) is fitted on 2,000 series, then
asked for the forecasts and the 80% intervals of 10,000 and of 100,000 series of 12 to 40
monthly values (a list of arrays), each in one call. Recorded: wall time, the peak of the
memory NumPy and Python allocate during the call (``tracemalloc``; the network's own
activations, allocated by torch, are bounded by the prediction chunk of 8,192 series), the
process' peak resident memory, and the size of the input itself. The memory per series must
not grow with the number of series: windows are gathered per chunk, never for the whole panel.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import tracemalloc
from datetime import date
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from lstm_forecast import LSTMForecaster, LSTMRegressor  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "panel_scale.md"


def panel(n_series, seed):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(12, 41, size=n_series)
    t = np.arange(lengths.max())
    season = 1 + 0.2 * np.sin(2 * np.pi * t / 12)
    levels = 10 ** rng.uniform(0, 4, size=n_series)
    return [level * season[:n] * np.exp(rng.normal(0, 0.05, n))
            for level, n in zip(levels, lengths, strict=True)]


def measure(model, series):
    tracemalloc.start()
    start = time.perf_counter()
    forecasts = model.predict(y=series)
    intervals = model.predict_interval(y=series, coverage=0.8)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(forecasts) == len(series) == len(intervals)
    assert all(np.isfinite(f).all() for f in forecasts[:: max(1, len(series) // 100)])
    return seconds, peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=100_000)
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    network = LSTMRegressor(hidden_size=8, max_epochs=2, random_state=0, device="cpu")
    model = LSTMForecaster(network, horizon=6, season=12, n_models=1, random_state=0)
    start = time.perf_counter()
    model.fit(panel(2_000, seed=0))
    fit_seconds = time.perf_counter() - start
    rows = []
    for n in sorted({min(10_000, args.series), args.series}):
        series = panel(n, seed=1)
        input_bytes = sum(s.nbytes for s in series)
        seconds, peak = measure(model, series)
        rows.append((n, seconds, peak, input_bytes))
        print(f"{n:>7} series: {seconds:6.1f} s, peak traced {peak / 2**20:7.1f} MiB "
              f"({peak / n:,.0f} bytes per series), input {input_bytes / 2**20:.1f} MiB", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    lines = [
        "# 100,000 series in one call",
        "",
        f"Run on {date.today()} with `OMP_NUM_THREADS=1 python benchmarks/panel_scale.py "
        f"--series {args.series}` ({platform.processor() or platform.machine()}, torch "
        f"{torch.__version__}, 1 thread).",
        "",
        f"Tiny forecaster (8 units, 2 epochs, 1 network, horizon 6, windows of "
        f"{model.timesteps_}) fitted on 2,000 series in {fit_seconds:.1f} s; then `predict(y=...)` "
        "and `predict_interval(y=..., coverage=0.8)` of series of 12 to 40 values, each in one call:",
        "",
        "| series | seconds (both calls) | peak traced memory (MiB) | bytes per series | input (MiB) |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {n:,} | {s:.1f} | {p / 2**20:.1f} | {p / n:,.0f} | {b / 2**20:.1f} |"
              for n, s, p, b in rows]
    lines += ["", f"Peak resident memory of the whole process: {rss:,.0f} MiB.", ""]
    if args.output != "-":
        Path(args.output).write_text("\n".join(lines))
    return rows


if __name__ == "__main__":
    main()
