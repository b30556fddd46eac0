"""Time-series classification benchmark: LSTMClassifier configurations against 1-NN baselines.

Datasets (UCR split sizes):

* ``Trace`` -- the UCR archive's Trace (train 100 / test 100, 275 steps, 4 classes), as shipped
  inside the tslearn package (``tslearn.datasets.CachedDatasets``), so no download is needed.
* ``CBF`` -- Cylinder-Bell-Funnel (Saito 1994), generated here with a fixed seed at the UCR
  sizes (train 30 / test 900, 128 steps, 3 classes) and z-normalised per series, as the UCR
  archive's copy is.
* ``CBF-raw`` -- the same series before z-normalisation, each then given a random scale and
  offset (the situation of user data that nobody normalised), to test per-series
  normalisation.

Every LSTM configuration is run twice when ``--znorm`` is on: on the inputs as given and on
inputs z-normalised per series over time (``(x - x.mean()) / x.std()`` per sample), which is
what a ``standardize="series"`` option of the estimator would do.

Usage::

    python benchmarks/tsc_benchmark.py [--quick] [--seeds 3] [--configs default,preset]

Writes ``benchmarks/results/tsc.md`` (``tsc_quick.md`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from lstm_forecast import LSTMClassifier  # noqa: E402

# Published test accuracies (UCR archive / Wang et al. 2017 "Time series classification from
# scratch with deep neural networks: a strong baseline", FCN column; the UCR archive's
# 1-NN ED and 1-NN DTW full-window error rates).
PUBLISHED = {
    "Trace": {"1-NN ED": 0.76, "1-NN DTW": 1.00, "FCN": 1.00},
    "CBF": {"1-NN ED": 0.852, "1-NN DTW": 0.997, "FCN": 1.00},
}

# LSTM configurations, built only from existing constructor parameters.
CONFIGS = {
    "default": {},
    "mean": {"pooling": "mean"},
    "max": {"pooling": "max"},
    "mean-b16": {"pooling": "mean", "batch_size": 16},
    "bi-mean": {"pooling": "mean", "bidirectional": True, "hidden_size": 32},
    "conv64-last": {"conv_channels": 64},
    "conv64-mean": {"conv_channels": 64, "pooling": "mean"},
    "conv64-max": {"conv_channels": 64, "pooling": "max"},
    "conv64-mean-b16": {"conv_channels": 64, "pooling": "mean", "batch_size": 16},
    "conv64-max-b16": {"conv_channels": 64, "pooling": "max", "batch_size": 16},
    "conv128-mean-b16": {"conv_channels": 128, "pooling": "mean", "batch_size": 16},
    "conv64-mean-b16-h32": {"conv_channels": 64, "pooling": "mean", "batch_size": 16,
                            "hidden_size": 32},
    "conv64-max-b16-h32": {"conv_channels": 64, "pooling": "max", "batch_size": 16,
                           "hidden_size": 32},
    "max-b16": {"pooling": "max", "batch_size": 16},
    "conv128-max-b16-h32": {"conv_channels": 128, "pooling": "max", "batch_size": 16,
                            "hidden_size": 32},
    "conv64-max-h32": {"conv_channels": 64, "pooling": "max", "hidden_size": 32},
    "conv64-mean-b16-e30": {"conv_channels": 64, "pooling": "mean", "batch_size": 16,
                            "max_epochs": 30},
    "conv64-max-b16-lr3e-3": {"conv_channels": 64, "pooling": "max", "batch_size": 16,
                              "lr": 3e-3},
}
# Run by default (the others were explored with --configs; see the results file).
DEFAULT = ["default", "mean", "max", "max-b16", "conv64-last", "conv64-mean",
           "conv64-max-b16-h32"]
QUICK = ["default", "max"]


def preset_config():
    """The recommended preset, if ``lstm_forecast.presets`` exists."""
    try:
        from lstm_forecast.presets import time_series_classifier
    except ImportError:
        return None
    return time_series_classifier


# ------------------------------------------------------------------------------ data
def make_cbf(n_samples, *, length=128, rng):
    """Cylinder-Bell-Funnel series (Saito 1994), *not* normalised, with balanced labels.

    ``c(t) = (6 + eta) * 1[a, b](t) + eps(t)``, ``b(t) = (6 + eta) * 1[a, b](t) (t - a) / (b - a)
    + eps(t)``, ``f(t) = (6 + eta) * 1[a, b](t) (b - t) / (b - a) + eps(t)`` with
    ``eta, eps ~ N(0, 1)``, ``a ~ U{16..32}``, ``b - a ~ U{32..96}``.
    """
    y = np.arange(n_samples) % 3
    rng.shuffle(y)
    t = np.arange(length)
    X = np.empty((n_samples, length))
    for i, label in enumerate(y):
        a = rng.randint(16, 33)
        b = a + rng.randint(32, 97)
        eta = rng.normal()
        inside = ((t >= a) & (t <= b)).astype(float)
        if label == 0:
            shape = inside
        elif label == 1:
            shape = inside * (t - a) / (b - a)
        else:
            shape = inside * (b - t) / (b - a)
        X[i] = (6 + eta) * shape + rng.normal(size=length)
    return X, np.array(["cylinder", "bell", "funnel"])[y]


def znorm(X):
    """Z-normalise every series over time (per sample and feature)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 2:
        X = X[:, :, None]
    mean = X.mean(axis=1, keepdims=True)
    std = X.std(axis=1, keepdims=True)
    return ((X - mean) / np.where(std > 1e-8, std, 1.0)).astype(np.float32)


def load_datasets():
    from tslearn.datasets import CachedDatasets

    X, y, Xt, yt = CachedDatasets().load_dataset("Trace")
    data = {"Trace": (X.astype(np.float32), y, Xt.astype(np.float32), yt)}
    rng = np.random.RandomState(1994)
    Xc, yc = make_cbf(30, rng=rng)
    Xct, yct = make_cbf(900, rng=rng)
    data["CBF"] = (znorm(Xc), yc, znorm(Xct), yct)

    # Raw variant: each series gets a scale in [0.1, 10] (log-uniform) and an offset N(0, 10^2).
    def distort(X):
        scale = np.exp(rng.uniform(np.log(0.1), np.log(10.0), size=(len(X), 1)))
        offset = rng.normal(0.0, 10.0, size=(len(X), 1))
        return (X * scale + offset)[:, :, None].astype(np.float32)

    data["CBF-raw"] = (distort(Xc), yc, distort(Xct), yct)
    return data


# ------------------------------------------------------------------------- baselines
def nn_baselines(X, y, Xt, yt, *, dtw_radius=None):
    from tslearn.neighbors import KNeighborsTimeSeriesClassifier

    rows = {}
    start, cpu = time.perf_counter(), time.process_time()
    d = ((Xt[:, None, :, 0] - X[None, :, :, 0]) ** 2).sum(-1)
    rows["1-NN ED"] = (float((y[d.argmin(1)] == yt).mean()), time.perf_counter() - start,
                       time.process_time() - cpu)
    params = {} if dtw_radius is None else {
        "global_constraint": "sakoe_chiba", "sakoe_chiba_radius": dtw_radius}
    start, cpu = time.perf_counter(), time.process_time()
    knn = KNeighborsTimeSeriesClassifier(n_neighbors=1, metric="dtw", metric_params=params)
    acc = knn.fit(X, y).score(Xt, yt)
    rows["1-NN DTW"] = (float(acc), time.perf_counter() - start, time.process_time() - cpu)
    return rows


# ---------------------------------------------------------------------------- runner
def run_lstm(make, X, y, Xt, yt, seed):
    clf = make(seed)
    start, cpu_start = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    fit_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    return float(clf.score(Xt, yt)), fit_s, cpu_s


def machine():
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} logical cores (shared with other jobs), torch "
            f"{torch.__version__} on CPU with {torch.get_num_threads()} threads, "
            f"Python {platform.python_version()}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="few configurations, one seed")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per LSTM configuration")
    parser.add_argument("--configs", default=None, help="comma-separated configuration names")
    parser.add_argument("--datasets", default="Trace,CBF,CBF-raw")
    parser.add_argument("--znorm", choices=["auto", "off", "on", "both"], default="auto",
                        help="per-series z-normalisation of the LSTM inputs; 'auto': both "
                             "on the *-raw datasets, off on the (already normalised) others")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--output", default=None)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's own choice)")
    args = parser.parse_args(argv)

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    seeds = args.seeds or (1 if args.quick else 3)
    names = args.configs.split(",") if args.configs else (
        QUICK + ["preset"] if args.quick else DEFAULT + ["preset"])
    preset = preset_config()
    makers = {}
    for name in names:
        if name == "preset":
            if preset is not None:
                makers[name] = lambda seed: preset(random_state=seed, device="cpu")
            continue
        params = CONFIGS[name]
        makers[name] = lambda seed, params=params: LSTMClassifier(
            random_state=seed, device="cpu", **params)

    data = load_datasets()
    results = []  # (dataset, model, znorm, accs, fit_s list, published)

    def emit(dataset, model, accs, times, cpu_times, published="", note=""):
        accs = np.asarray(accs)
        acc = f"{accs.mean():.3f}" + (f" ± {accs.std():.3f}" if len(accs) > 1 else "")
        row = (dataset, model, acc, f"{np.mean(times):.1f}", f"{np.mean(cpu_times):.1f}",
               published, note)
        results.append(row)
        print(" | ".join(row), flush=True)

    print("dataset | model | test accuracy | fit s | fit CPU s | published | note", flush=True)
    for dataset in args.datasets.split(","):
        X, y, Xt, yt = data[dataset]
        if not args.no_baselines:
            radius = None
            for name, (acc, secs, cpu) in nn_baselines(X, y, Xt, yt, dtw_radius=radius).items():
                pub = PUBLISHED.get(dataset, {}).get(name)
                emit(dataset, name, [acc], [secs], [cpu], "" if pub is None else f"{pub:.3f}",
                     "full window" if name == "1-NN DTW" else "")
            if "FCN" in PUBLISHED.get(dataset, {}):
                results.append((dataset, "FCN (Wang et al. 2017)", "not run", "", "",
                                f"{PUBLISHED[dataset]['FCN']:.3f}", "published only"))
        znorm_modes = {"off": [False], "on": [True], "both": [False, True]}.get(
            args.znorm, [False, True] if dataset.endswith("-raw") else [False])
        for name, make in makers.items():
            for zn in znorm_modes:
                Xa, Xta = (znorm(X), znorm(Xt)) if zn else (X, Xt)
                accs, times, cpu_times = [], [], []
                for seed in range(seeds):
                    acc, secs, cpu = run_lstm(make, Xa, y, Xta, yt, seed)
                    accs.append(acc)
                    times.append(secs)
                    cpu_times.append(cpu)
                params = "time_series_classifier()" if name == "preset" else (
                    ", ".join(f"{k}={v!r}" for k, v in CONFIGS[name].items()) or "LSTMClassifier()")
                emit(dataset, name + (" +znorm" if zn else ""), accs, times, cpu_times, "",
                     f"{params}; {seeds} seed(s)")

    out = args.output or os.path.join(
        ROOT, "benchmarks", "results", "tsc_quick.md" if args.quick else "tsc.md")
    write_report(out, results, argv if argv is not None else sys.argv[1:], seeds)
    print(f"\nwrote {out}")


FINDINGS = """
## Findings (2026-11-23 run; re-read the table above after a re-run)

- `pooling="last"` (the default) is near chance on both: Trace ~0.41, CBF ~0.51. The class
  evidence is a local shape at a random position; pooling over time is what fixes it.
- `pooling="max"` is the single largest gain (Trace 0.98, CBF 0.96); `"mean"` dilutes a short
  pattern in a long series (Trace 0.60; 0.80 with the conv front end).
- The LSTM-FCN-style conv front end (`conv_channels=64`) adds ~3 points on CBF on top of max
  pooling, and with `batch_size=16` (twice the optimizer steps on small UCR training sets)
  training is stable over seeds (std <= 0.007). Explored with one seed and not kept:
  `conv_channels=128` (no better, slower), `bidirectional=True` with mean pooling (CBF 0.957,
  slower), `max_epochs=30`, `lr=3e-3`.
- Per-series z-normalisation: on the already normalised UCR data it changes nothing beyond
  seed noise; on CBF-raw (random per-series scale and offset) it is decisive (preset 0.55 ->
  ~0.98; the 1-NN baselines fall to 0.46/0.49 without it). The global per-feature
  `standardize=True` cannot remove per-series offsets and scales.
- Recommended: `lstm_forecast.presets.time_series_classifier()` = `LSTMClassifier(
  conv_channels=64, pooling="max", batch_size=16)` (other parameters default), plus per-series
  normalisation of un-normalised inputs. It matches 1-NN DTW and published FCN on Trace (1.000)
  and is within ~1 point of them on CBF, at ~8 CPU-seconds per fit on Trace.
"""


def write_report(path, results, argv, seeds):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    lines = [
        "# Time-series classification benchmark",
        "",
        f"- date: {datetime.date.today().isoformat()}",
        f"- command: `python benchmarks/tsc_benchmark.py {' '.join(argv)}`".rstrip() + "",
        f"- machine: {machine()}",
        f"- LSTM rows: test accuracy mean ± std over {seeds} seed(s) (`random_state=0..{seeds - 1}`),"
        " fit seconds averaged; `+znorm` = inputs z-normalised per series over time before fit"
        " and predict (what a `standardize=\"series\"` option would do).",
        "- Trace: UCR split 100/100, 275 steps, 4 classes (tslearn's bundled copy).",
        "- CBF: generated (Saito 1994), seed 1994, train 30 / test 900, 128 steps, z-normalised"
        " per series like the UCR copy. CBF-raw: same series not normalised, each scaled by"
        " log-uniform [0.1, 10] and shifted by N(0, 10²).",
        "- Baselines: 1-NN ED (numpy) and 1-NN DTW (tslearn `KNeighborsTimeSeriesClassifier`,"
        " `metric=\"dtw\"`, full window, no constraint). Published: UCR archive error rates"
        " (1-NN ED, 1-NN DTW full window) and FCN from Wang et al. 2017.",
        "",
        "| dataset | model | test accuracy | fit s (wall) | fit CPU s | published | configuration |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {' | '.join(row)} |" for row in results]
    lines.append(FINDINGS)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
