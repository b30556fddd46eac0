"""Larger than memory: an LSTMRegressor trained on windows of a 10**8-point float32 memmap.

The series is written to a temporary file (400 MB for 10**8 float32 points) without ever
being in memory whole, opened as a read-only ``np.memmap`` and cut with ``make_windows``: a
zero-copy view whose windows, copied, would take ``n_windows * timesteps * 4`` bytes
(12.8 GB for 10**8 windows of 32 steps). Four phases are measured, each for its wall time
and its peak resident memory, sampled from ``/proc/self/status`` every 10 ms (the peak RSS,
``VmHWM``, is reset between phases through ``/proc/self/clear_refs``):

- ``make_windows``: the view, and its check that the series is finite (one read);
- ``prepare``: ``fit`` with ``max_epochs=0`` on *all* the windows: input validation, the
  standardisation statistics, the targets, the hand-over to torch; everything a fit does
  before its first batch;
- ``train``: ``fit`` for ``--epochs`` over every ``--step``-th window (``--step 1``: all of
  them). On the 2-core development machine a pass over all 10**8 windows takes about half an
  hour, so the default trains on every 10th window: 10**7 windows that still read every
  point of the series, each about 3 times;
- ``predict``: the last 10**5 windows, with the test RMSE against a naive forecast.

Resident memory is split as Linux reports it: ``RssAnon`` is memory the process owns
(arrays, tensors, the interpreter); ``RssFile`` is the file's pages mapped while they are
read, which the kernel drops again when memory runs short (the page cache). A copy of the
windows would show up in ``RssAnon``.

Usage::

    python benchmarks/larger_than_memory.py                  # 10**8 points, appends to results
    python benchmarks/larger_than_memory.py --device cuda --step 1 --batch-size 16384
    python benchmarks/larger_than_memory.py --points 1e6 --no-write   # a smoke run
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # measure this checkout

from lstm_forecast import LSTMRegressor, make_windows  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "larger_than_memory.md"
MB = 1e6


# ----------------------------------------------------------------------------- memory
def read_status():
    """VmRSS, VmHWM, RssAnon and RssFile of this process in bytes (Linux)."""
    values = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                values[key] = int(rest.split()[0]) * 1024
    return values


def reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


class PeakMemory:
    """Samples /proc/self/status in a thread; the peaks of RSS, RssAnon and RssFile."""

    def __init__(self, interval=0.01):
        self.interval = interval
        self.peaks = {}
        self._stop = threading.Event()

    def _sample(self):
        for key, value in read_status().items():
            self.peaks[key] = max(self.peaks.get(key, 0), value)

    def _run(self):
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self):
        self.hwm_reset = reset_peak()
        self.start = read_status()
        self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self._stop.set()
        self._thread.join()
        self._sample()
        if self.hwm_reset:  # the kernel's own peak, exact where sampling may miss a spike
            self.peaks["VmRSS"] = max(self.peaks["VmRSS"], read_status()["VmHWM"])
        return False


# ------------------------------------------------------------------------------- data
def write_series(path, n_points, chunk=1_000_000, seed=0):
    """Two sines and noise, float32, written chunk by chunk (never whole in memory)."""
    rng = np.random.default_rng(seed)
    with open(path, "wb") as fh:
        for start in range(0, n_points, chunk):
            t = np.arange(start, min(n_points, start + chunk), dtype=np.float64)
            values = np.sin(t / 50) + 0.5 * np.sin(t / 7.3) + 0.05 * rng.standard_normal(len(t))
            values.astype(np.float32).tofile(fh)


# ------------------------------------------------------------------------------ report
def machine_line(device):
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        ram = float("nan")
    line = (f"CPU {cpu}, {os.cpu_count()} logical cores, {ram:.0f} GiB RAM, torch threads "
            f"{torch.get_num_threads()}")
    if device.type == "cuda":
        line += f"; GPU {torch.cuda.get_device_name(device)}"
    import sklearn
    import skorch

    return (line + f"; Python {platform.python_version()}, torch {torch.__version__}, skorch "
            f"{skorch.__version__}, scikit-learn {sklearn.__version__}, numpy {np.__version__}.")


def code_version():
    """The checkout's commit (and whether it has changes), or a note that it is unknown."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():  # a copy inside another repository would report that one
        return "not a git checkout"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                                capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "lstm_forecast"], cwd=root,
                               text=True, capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"commit {commit}" + (" with uncommitted changes to lstm_forecast/" if dirty else "")


def phase_row(name, windows, meter, extra=""):
    peaks, start = meter.peaks, meter.start
    return (f"| {name} | {windows:,} | {meter.seconds:.1f} | {peaks['VmRSS'] / MB:,.0f} | "
            f"{(peaks['VmRSS'] - start['VmRSS']) / MB:+,.0f} | {peaks['RssAnon'] / MB:,.0f} | "
            f"{peaks['RssFile'] / MB:,.0f} | {extra} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=float, default=1e8, help="series length (default 1e8)")
    parser.add_argument("--timesteps", type=int, default=32)
    parser.add_argument("--step", type=int, default=10,
                        help="train on every step-th window (1: all of them; default 10)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--hidden-size", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--no-shuffle", action="store_true",
                        help="read the windows in order (no randperm of 8 bytes per window)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the series file")
    parser.add_argument("--host", default=platform.node(), help="label of the machine in the report")
    parser.add_argument("--no-write", action="store_true", help=f"do not append to {RESULTS}")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    n_points = int(args.points)
    params = dict(hidden_size=args.hidden_size, batch_size=args.batch_size, lr=1e-2,
                  shuffle=not args.no_shuffle, device=args.device, random_state=0)

    # Warm up: the first fit imports lazily loaded modules; keep that out of the phases.
    warm = np.sin(np.arange(2000, dtype=np.float32) / 9)
    LSTMRegressor(**params, max_epochs=1).fit(*make_windows(warm, args.timesteps))
    baseline = read_status()

    lines = []
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "series.f32"
        t0 = time.perf_counter()
        write_series(path, n_points)
        write_seconds = time.perf_counter() - t0
        series = np.memmap(path, dtype=np.float32, mode="r", shape=(n_points,))
        with PeakMemory() as windows:  # reads the series once, for its finiteness check
            X, y = make_windows(series, args.timesteps)
        assert np.shares_memory(X, series) and np.shares_memory(y, series)
        copied = X.nbytes
        print(f"series {series.nbytes / MB:,.0f} MB on disk (written in {write_seconds:.1f} s); "
              f"{len(X):,} windows of {args.timesteps} steps: {copied / 1e9:,.1f} GB if copied")

        with PeakMemory() as prepare:
            LSTMRegressor(**params, max_epochs=0).fit(X, y)
        print(f"prepare: {prepare.seconds:.1f} s, peak RSS {prepare.peaks['VmRSS'] / MB:,.0f} MB")

        X_train, y_train = X[:: args.step], y[:: args.step]
        assert np.shares_memory(X_train, series)
        with PeakMemory() as train:
            model = LSTMRegressor(**params, max_epochs=args.epochs).fit(X_train, y_train)
        gpu_peak = ""
        if device.type == "cuda":
            gpu_peak = f"GPU peak {torch.cuda.max_memory_allocated(device) / MB:,.0f} MB"
        print(f"train: {train.seconds:.1f} s, peak RSS {train.peaks['VmRSS'] / MB:,.0f} MB "
              f"{gpu_peak}")

        n_test = min(100_000, len(X))
        with PeakMemory() as predict:
            prediction = model.predict(X[-n_test:])
        truth = np.asarray(y[-n_test:], dtype=np.float64)
        rmse = float(np.sqrt(np.mean((prediction - truth) ** 2)))
        naive = float(np.sqrt(np.mean((np.asarray(X[-n_test:, -1, 0], np.float64) - truth) ** 2)))
        print(f"predict: {predict.seconds:.1f} s, RMSE {rmse:.4f} (naive last value {naive:.4f})")

        header = ("| phase | windows | wall s | peak RSS MB | over start MB | peak RssAnon MB | "
                  "peak RssFile MB | notes |\n|---|---:|---:|---:|---:|---:|---:|---|")
        which = "all windows" if args.step == 1 else f"every {args.step}th window"
        train_note = (f"{args.epochs} epoch(s), {which}, batch "
                      f"{args.batch_size}, shuffle={not args.no_shuffle}; "
                      f"{len(X_train) * args.epochs / train.seconds:,.0f} windows/s")
        if gpu_peak:
            train_note += f"; {gpu_peak}"
        now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        command = "python benchmarks/larger_than_memory.py " + shlex.join(
            sys.argv[1:] if argv is None else argv
        )
        lines = [
            f"## {now} — `--device {args.device}` on {args.host}",
            "",
            f"Machine: {machine_line(device)}",
            "",
            f"Code: {code_version()}.",
            "",
            f"Command: `{command.strip()}`",
            "",
            f"Series: {n_points:,} float32 points, {series.nbytes / MB:,.0f} MB on disk (written "
            f"in {write_seconds:.1f} s). Windows: `make_windows(memmap, timesteps="
            f"{args.timesteps})`, {len(X):,} windows: {copied / 1e9:,.1f} GB if copied "
            f"(the training subset: {X_train.nbytes / 1e9:,.2f} GB). LSTMRegressor(hidden_size="
            f"{args.hidden_size}). Process RSS before the phases (after imports and a warm-up "
            f"fit): {baseline['VmRSS'] / MB:,.0f} MB, RssAnon {baseline['RssAnon'] / MB:,.0f} MB, "
            f"RssFile {baseline['RssFile'] / MB:,.0f} MB (mostly torch's shared libraries).",
            "",
            header,
            phase_row("make_windows (memmap)", len(X), windows,
                      "checks the series once: its pages are mapped from here on"),
            phase_row("prepare (fit, max_epochs=0, all windows)", len(X), prepare,
                      "validation, statistics, targets, hand-over to torch"),
            phase_row("train", len(X_train), train, train_note),
            phase_row("predict (last windows)", n_test, predict,
                      f"test RMSE {rmse:.4f}, naive last-value RMSE {naive:.4f}"),
            "",
        ]
        del series, X, y, X_train, y_train
    print("\n".join(lines))
    if not args.no_write:
        new = not args.output.exists()
        with open(args.output, "a") as fh:
            if new:
                fh.write(
                    "# Larger-than-memory benchmark results\n\nWritten by "
                    "`benchmarks/larger_than_memory.py` (one section per run, newest last): "
                    "an `LSTMRegressor` trained on `make_windows` over a float32 `np.memmap`. "
                    "`peak RSS` is the process's resident memory at its highest during the "
                    "phase; `RssAnon` the part it owns (a copy of the windows would land "
                    "there), `RssFile` the file's pages mapped while read (page cache the "
                    "kernel reclaims under pressure).\n\n"
                )
            fh.write("\n".join(lines) + "\n")
        print(f"appended to {args.output}")


if __name__ == "__main__":
    main()
