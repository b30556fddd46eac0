"""Speed benchmark: LSTMRegressor against a hand-written PyTorch loop, stock skorch and darts.

Every fit contender trains the same module (``lstm_forecast._network.RecurrentNetwork``) on the
same windows, for the same epochs, with Adam at the same constant learning rate and MSE loss:

- ``estimator``: ``LSTMRegressor(..., lr_schedule=None).fit(X, y)``, timed whole (input
  validation and the standardisation statistics are part of its fit);
- ``hand``: the loop people write by hand: whole tensors on the device, a ``randperm`` shuffle,
  batches sliced with one index per batch, one ``.item()`` per epoch;
- ``skorch``: a stock ``skorch.NeuralNetRegressor`` (default ``DataLoader``, ``train_split=None``);
- ``eager`` (GPU, information only): the estimator with its CUDA-graph step switched off
  (``_RecurrentNet.use_cuda_graphs = False``), to show what the graph contributes.

Contenders run in alternating order (forward, then reversed) for ``--repeats`` rounds after a
warm-up; each ratio is the median over rounds of the per-round ratio (robust on a shared
machine), and the median times are shown beside it. Also measured: one-window predict latency
against a bare forward pass, predict throughput, ``make_windows`` on a long series (time and
peak memory), and time-to-accuracy against darts' ``BlockRNNModel`` on a sine task.

Usage::

    python benchmarks/speed.py --device cpu            # CPU figures, append to results/speed.md
    python benchmarks/speed.py --device cuda --profile # GPU figures plus where the time goes
    python benchmarks/speed.py --quick --no-write       # a smoke run

Exit status 0 even when a budget fails; the PASS/FAIL lines say which.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import cProfile
import datetime
import gc
import io
import logging
import os
import platform
import pstats
import shlex
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # measure this checkout

from lstm_forecast import LSTMRegressor, make_windows  # noqa: E402
from lstm_forecast._net import _RecurrentNet  # noqa: E402
from lstm_forecast._network import RecurrentNetwork  # noqa: E402

CONFIGS = {
    "small": {"hidden_size": 16, "num_layers": 1, "batch_size": 32},
    "large": {"hidden_size": 64, "num_layers": 2, "batch_size": 64},
    "wide": {"hidden_size": 512, "num_layers": 2, "batch_size": 256},  # where bf16 may pay
}
LR = 5e-3
RESULTS = Path(__file__).resolve().parent / "results" / "speed.md"

# Budgets (ratios; lower is better unless said otherwise).
BUDGET_FIT_VS_HAND = 1.10
BUDGET_GPU_SKORCH_SPEEDUP = 2.0  # stock skorch time / estimator time, small network, GPU
BUDGET_PREDICT_ONE = 2.0


# --------------------------------------------------------------------------- helpers
def sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def make_task(n_windows, timesteps, seed=0, noise=0.05):
    """Windows of a noisy two-tone sine: X (n, timesteps, 1) float32, y (n,) float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_windows + timesteps, dtype=np.float64)
    series = np.sin(t / 8.0) + 0.5 * np.sin(t / 21.0 + 1.0) + noise * rng.standard_normal(t.size)
    X, y = make_windows(series.astype(np.float32), timesteps=timesteps)
    return np.ascontiguousarray(X[:n_windows]), np.ascontiguousarray(y[:n_windows])


def alternate(contenders, repeats, baseline):
    """Time each contender ``repeats`` times, alternating the order every round.

    Returns ``{name: [seconds per round]}``; the caller has done the warm-up.
    """
    names = list(contenders)
    times = {name: [] for name in names}
    for round_ in range(repeats):
        for name in names if round_ % 2 == 0 else names[::-1]:
            gc.collect()
            times[name].append(contenders[name]())
    return times


def paired_ratio(times, num, den):
    """Median over rounds of ``times[num][i] / times[den][i]``."""
    return statistics.median(a / b for a, b in zip(times[num], times[den], strict=True))


def median(values):
    return statistics.median(values)


# --------------------------------------------------------------------------- contenders
def estimator_fit(X, y, cfg, epochs, device, cuda_graphs=True, precision="float32"):
    start = time.perf_counter()
    # The hand loop runs on torch's threads: so does the estimator here (its default picks one
    # thread for small networks, see benchmarks/threads.py), so that only the overhead differs.
    est = LSTMRegressor(**cfg, max_epochs=epochs, lr=LR, lr_schedule=None, device=device,
                        random_state=0, precision=precision, n_threads=torch.get_num_threads())
    previous = _RecurrentNet.use_cuda_graphs
    _RecurrentNet.use_cuda_graphs = cuda_graphs
    try:
        est.fit(X, y)
    finally:
        _RecurrentNet.use_cuda_graphs = previous
    sync(device)
    return time.perf_counter() - start, est


def hand_fit(X, y, cfg, epochs, device, autocast_dtype=None):
    """The hand-written loop: same module, same batches, same optimizer, same epochs."""
    start = time.perf_counter()
    torch.manual_seed(0)
    module = RecurrentNetwork(n_features=X.shape[-1], n_outputs=1, hidden_size=cfg["hidden_size"],
                              num_layers=cfg["num_layers"]).to(device)
    Xt = torch.as_tensor(X).to(device)
    yt = torch.as_tensor(y.reshape(-1, 1)).to(device)
    optimizer = torch.optim.Adam(module.parameters(), lr=LR)
    loss_fn = torch.nn.MSELoss()
    batch_size, n = cfg["batch_size"], len(Xt)
    autocast = (torch.autocast(torch.device(device).type, dtype=autocast_dtype)
                if autocast_dtype is not None else contextlib.nullcontext())
    module.train()
    for _ in range(epochs):
        order = torch.randperm(n, device=device)
        total = torch.zeros((), device=device)
        for begin in range(0, n, batch_size):
            index = order[begin : begin + batch_size]
            xb, yb = Xt[index], yt[index]
            optimizer.zero_grad()
            with autocast:
                loss = loss_fn(module(xb).float(), yb)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(index)
        epoch_loss = (total / n).item()  # one host sync per epoch
    assert np.isfinite(epoch_loss)
    sync(device)
    return time.perf_counter() - start, module


def hand_fused_fit(X, y, cfg, epochs, device):
    """The hand loop with ``Adam(fused=True)``: one kernel for the optimizer step."""
    return _hand_variant(X, y, cfg, epochs, device, graph=False)


def hand_graph_fit(X, y, cfg, epochs, device):
    """The hand loop with the whole step (gather, forward, backward, Adam) in one CUDA graph.

    The batch index is copied into a static buffer and the graph replayed: one launch per step
    instead of ~40. A tail batch smaller than ``batch_size`` runs eagerly. Experimental.
    """
    return _hand_variant(X, y, cfg, epochs, device, graph=True)


def _hand_variant(X, y, cfg, epochs, device, graph):
    start = time.perf_counter()
    torch.manual_seed(0)
    module = RecurrentNetwork(n_features=X.shape[-1], n_outputs=1, hidden_size=cfg["hidden_size"],
                              num_layers=cfg["num_layers"]).to(device)
    Xt = torch.as_tensor(X).to(device)
    yt = torch.as_tensor(y.reshape(-1, 1)).to(device)
    optimizer = torch.optim.Adam(module.parameters(), lr=LR, **(
        {"capturable": True, "foreach": True} if graph else {"fused": True}))
    loss_fn = torch.nn.MSELoss()
    batch_size, n = cfg["batch_size"], len(Xt)
    module.train()

    def step(index):
        loss = loss_fn(module(torch.index_select(Xt, 0, index)), torch.index_select(yt, 0, index))
        loss.backward()
        optimizer.step()
        return loss

    static_index = torch.arange(batch_size, device=device)
    if graph:
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # warm-up outside the graph (allocations, cuDNN plans)
            for _ in range(3):
                optimizer.zero_grad(set_to_none=True)
                step(static_index)
        torch.cuda.current_stream().wait_stream(side)
        cuda_graph = torch.cuda.CUDAGraph()
        optimizer.zero_grad(set_to_none=True)
        with torch.cuda.graph(cuda_graph):
            static_loss = step(static_index)
    for _ in range(epochs):
        order = torch.randperm(n, device=device)
        total = torch.zeros((), device=device)
        for begin in range(0, n, batch_size):
            index = order[begin : begin + batch_size]
            if graph and len(index) == batch_size:
                static_index.copy_(index)
                cuda_graph.replay()
                loss = static_loss
            else:
                optimizer.zero_grad()
                loss = step(index)
            total += loss.detach() * len(index)
        epoch_loss = (total / n).item()
    assert np.isfinite(epoch_loss)
    sync(device)
    return time.perf_counter() - start, module


def bench_experiments(args, device, report):
    """GPU: how far below the hand loop a fused optimizer or a CUDA graph takes a step."""
    X, y = make_task(args.n_windows, args.timesteps)
    out = {}
    for name in args.configs:
        cfg = CONFIGS[name]
        contenders = {
            "hand": lambda cfg=cfg: hand_fit(X, y, cfg, args.epochs, device)[0],
            "estimator": lambda cfg=cfg: estimator_fit(X, y, cfg, args.epochs, device)[0],
            "skorch": lambda cfg=cfg: skorch_fit(X, y, cfg, args.epochs, device)[0],
            "hand_fused_adam": lambda cfg=cfg: hand_fused_fit(X, y, cfg, args.epochs, device)[0],
            "hand_cuda_graph": lambda cfg=cfg: hand_graph_fit(X, y, cfg, args.epochs, device)[0],
        }
        for label in list(contenders):
            try:
                contenders[label]()
            except Exception as exc:  # noqa: BLE001 - report and go on
                print(f"[experiment {name}] {label} failed: {type(exc).__name__}: {exc}", flush=True)
                del contenders[label]
        times = alternate(contenders, args.repeats, "hand")
        out[name] = {k: median(v) for k, v in times.items()}
        print(f"[experiment {name}] " + ", ".join(
            f"{k}={v * 1e3:.0f}ms ({paired_ratio(times, k, 'hand'):.3f}x hand)"
            for k, v in out[name].items()), flush=True)
    report["experiments"] = out


def skorch_fit(X, y, cfg, epochs, device):
    from skorch import NeuralNetRegressor

    start = time.perf_counter()
    torch.manual_seed(0)
    net = NeuralNetRegressor(
        RecurrentNetwork,
        module__n_features=X.shape[-1],
        module__n_outputs=1,
        module__hidden_size=cfg["hidden_size"],
        module__num_layers=cfg["num_layers"],
        optimizer=torch.optim.Adam,
        lr=LR,
        max_epochs=epochs,
        batch_size=cfg["batch_size"],
        iterator_train__shuffle=True,
        train_split=None,
        device=device,
        verbose=0,
    )
    net.fit(X, y.reshape(-1, 1))
    sync(device)
    return time.perf_counter() - start, net


# --------------------------------------------------------------------------- fit benchmark
def bench_fit(args, device, report):
    X, y = make_task(args.n_windows, args.timesteps)
    gpu = torch.device(device).type == "cuda"
    rows = []
    for name in args.configs:
        cfg = CONFIGS[name]
        contenders = {
            "hand": lambda cfg=cfg: hand_fit(X, y, cfg, args.epochs, device)[0],
            "estimator": lambda cfg=cfg: estimator_fit(X, y, cfg, args.epochs, device)[0],
            "skorch": lambda cfg=cfg: skorch_fit(X, y, cfg, args.epochs, device)[0],
        }
        if gpu:
            contenders["eager"] = lambda cfg=cfg: estimator_fit(X, y, cfg, args.epochs, device,
                                                                cuda_graphs=False)[0]
        if gpu and args.bf16:
            contenders["est_bf16"] = lambda cfg=cfg: estimator_fit(
                X, y, cfg, args.epochs, device, precision="bf16-mixed")[0]
            contenders["hand_bf16"] = lambda cfg=cfg: hand_fit(
                X, y, cfg, args.epochs, device, autocast_dtype=torch.bfloat16)[0]
        for run in contenders.values():  # warm-up: kernels, allocator, cuDNN plans
            hand_epochs = args.epochs
            args.epochs = 1
            try:
                run()
            finally:
                args.epochs = hand_epochs
        times = alternate(contenders, args.repeats, "hand")
        row = {
            "config": name,
            "cfg": cfg,
            "times": {k: median(v) for k, v in times.items()},
            "est/hand": paired_ratio(times, "estimator", "hand"),
            "skorch/hand": paired_ratio(times, "skorch", "hand"),
            "skorch/est": paired_ratio(times, "skorch", "estimator"),
        }
        if "eager" in times:
            row["eager/hand"] = paired_ratio(times, "eager", "hand")
        if "hand_bf16" in times:
            row["bf16/hand"] = paired_ratio(times, "hand_bf16", "hand")
            row["est_bf16/est"] = paired_ratio(times, "est_bf16", "estimator")
        rows.append(row)
        print(f"[fit {name}] " + ", ".join(f"{k}={v * 1e3:.0f}ms" for k, v in row["times"].items())
              + f" | est/hand={row['est/hand']:.3f} skorch/hand={row['skorch/hand']:.3f} "
              f"skorch/est={row['skorch/est']:.3f}", flush=True)
    report["fit"] = rows


# --------------------------------------------------------------------------- predict benchmark
def _time_calls(fn, calls):
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def bench_predict(args, device, report):
    X, y = make_task(args.n_windows, args.timesteps)
    cfg = CONFIGS["small"]
    _, est = estimator_fit(X, y, cfg, 1, device)
    module = est.net_.module_.eval()
    dev = next(module.parameters()).device
    module64 = copy.deepcopy(module).double() if dev.type == "cpu" else None
    one = X[:1]

    def bare32():
        with torch.no_grad():
            return module(torch.as_tensor(one).to(dev)).cpu().numpy()

    def bare64():
        with torch.no_grad():
            return module64(torch.as_tensor(one).double()).numpy()

    contenders = {"bare32": lambda: _time_calls(bare32, args.calls),
                  "predict": lambda: _time_calls(lambda: est.predict(one), args.calls)}
    if module64 is not None:
        contenders["bare64"] = lambda: _time_calls(bare64, args.calls)
    for run in contenders.values():
        run()
    times = alternate(contenders, args.repeats, "bare32")
    out = {"latency": {k: median(v) for k, v in times.items()},
           "predict/bare32": paired_ratio(times, "predict", "bare32")}
    if module64 is not None:
        out["predict/bare64"] = paired_ratio(times, "predict", "bare64")
    # Agreement: the estimator's prediction of one window equals the bare forward pass.
    expected = bare32().ravel() * est.y_scale_ + est.y_mean_
    out["max_abs_diff"] = float(np.abs(est.predict(one) - expected).max())

    many, _ = make_task(args.many_windows, args.timesteps, seed=1)

    def bare_many():
        outs = []
        with torch.no_grad():
            for start in range(0, len(many), 4096):
                outs.append(module(torch.as_tensor(many[start : start + 4096]).to(dev)).cpu())
        return torch.cat(outs).numpy()

    contenders = {"bare32": lambda: _time_once(bare_many),
                  "predict": lambda: _time_once(lambda: est.predict(many))}
    for run in contenders.values():
        run()
    times = alternate(contenders, max(3, args.repeats // 2), "bare32")
    out["throughput"] = {k: len(many) / median(v) for k, v in times.items()}
    out["many_windows"] = len(many)
    print("[predict] one window: " + ", ".join(f"{k}={v * 1e6:.0f}us" for k, v in
                                                  out["latency"].items())
          + f" | predict/bare32={out['predict/bare32']:.2f}"
          + (f" predict/bare64={out['predict/bare64']:.2f}" if "predict/bare64" in out else "")
          + " | throughput " + ", ".join(f"{k}={v:,.0f}/s" for k, v in out["throughput"].items()),
          flush=True)
    report["predict"] = out


def _time_once(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --------------------------------------------------------------------------- make_windows
def bench_windows(args, report):
    series = np.random.default_rng(0).standard_normal(args.series_points).astype(np.float32)
    times, peaks = [], []
    for _ in range(args.repeats):
        gc.collect()
        tracemalloc.start()
        start = time.perf_counter()
        X, y = make_windows(series, timesteps=100)
        elapsed = time.perf_counter() - start
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        times.append(elapsed)
    out = {
        "points": series.size,
        "shape": X.shape,
        "view": bool(np.shares_memory(X, series) and np.shares_memory(y, series)),
        "time": median(times),
        "peak_bytes": max(peaks),
        "series_bytes": series.nbytes,
        "windows_bytes_if_copied": X.size * X.itemsize,
    }
    print(f"[make_windows] {out['points']:,} points -> X{out['shape']} in {out['time'] * 1e3:.2f} ms, "
          f"peak {out['peak_bytes'] / 1e3:.1f} kB (series {out['series_bytes'] / 1e6:.0f} MB, "
          f"a copy would be {out['windows_bytes_if_copied'] / 1e9:.1f} GB), view={out['view']}",
          flush=True)
    report["windows"] = out


# --------------------------------------------------------------------------- time to accuracy
def _sine_series(n, seed=0, noise=0.05):
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=np.float64)
    return (np.sin(t / 8.0) + 0.5 * np.sin(t / 21.0 + 1.0)
            + noise * rng.standard_normal(n)).astype(np.float32)


def bench_time_to_accuracy(args, device, report):
    """Fit from scratch with 1, 2, 4, ... epochs until the test RMSE reaches the target."""
    timesteps, n_train, n_test = 30, 2500, 500
    series = _sine_series(n_train + n_test)
    X_train, y_train = make_windows(series[:n_train], timesteps=timesteps)
    X_test, y_test = make_windows(series[n_train - timesteps :], timesteps=timesteps)
    target = args.target_rmse
    hidden, batch = 16, 32
    libs = {"lstm_forecast": _ours_fit_predict}
    try:
        import darts  # noqa: F401

        libs["darts BlockRNNModel"] = _darts_fit_predict
        darts_version = darts.__version__
    except ImportError as exc:
        darts_version = f"not importable: {exc}"
        print(f"[time-to-accuracy] darts unavailable ({exc})", flush=True)
    out = {"target_rmse": target, "darts": darts_version, "libs": {}}
    for lib, fit_predict in libs.items():
        fit_predict(X_train[:64], y_train[:64], X_test[:8], 1, device, hidden, batch)  # warm-up
        tried = []
        for epochs in args.tta_epochs:
            elapsed, pred = fit_predict(X_train, y_train, X_test, epochs, device, hidden, batch)
            rmse = float(np.sqrt(np.mean((np.asarray(pred).ravel() - y_test) ** 2)))
            tried.append((epochs, elapsed, rmse))
            print(f"[time-to-accuracy] {lib}: {epochs} epochs, fit {elapsed:.2f}s, rmse {rmse:.4f}",
                  flush=True)
            if rmse <= target:
                break
        reached = [t for t in tried if t[2] <= target]
        out["libs"][lib] = {"tried": tried, "reached": reached[0] if reached else None}
    report["tta"] = out


def _ours_fit_predict(X, y, X_test, epochs, device, hidden, batch):
    start = time.perf_counter()
    est = LSTMRegressor(hidden_size=hidden, batch_size=batch, max_epochs=epochs, lr=LR,
                        lr_schedule=None, device=device, random_state=0).fit(X, y)
    sync(device)
    elapsed = time.perf_counter() - start
    return elapsed, est.predict(X_test)


def _darts_fit_predict(X, y, X_test, epochs, device, hidden, batch):
    from darts import TimeSeries
    from darts.models import BlockRNNModel

    for name in ("pytorch_lightning", "lightning.pytorch", "lightning", "darts"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # The training series that gives exactly the windows (X, y).
    values = np.concatenate([X[0, :, 0], y]).astype(np.float32)
    accelerator = "gpu" if torch.device(device).type == "cuda" else "cpu"
    start = time.perf_counter()
    model = BlockRNNModel(
        model="LSTM", input_chunk_length=X.shape[1], output_chunk_length=1, hidden_dim=hidden,
        n_rnn_layers=1, batch_size=batch, n_epochs=epochs, optimizer_kwargs={"lr": LR},
        random_state=0,
        pl_trainer_kwargs={"accelerator": accelerator, "devices": 1, "logger": False,
                           "enable_progress_bar": False, "enable_model_summary": False,
                           "enable_checkpointing": False},
    )
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        model.fit(TimeSeries.from_values(values), verbose=False)
        sync(device)
        elapsed = time.perf_counter() - start
        windows = [TimeSeries.from_values(w) for w in X_test]
        pred = model.predict(n=1, series=windows, verbose=False)
    return elapsed, np.array([p.values()[0, 0] for p in pred])


# --------------------------------------------------------------------------- profiling
PHASES = {"fit", "hand_fit", "_validate_X", "feature_statistics", "to_training_device",
          "initialize", "fit_loop", "run_single_epoch", "train_step", "train_step_single", "infer",
          "get_loss", "notify", "record_batch", "__iter__", "backward", "step", "zero_grad",
          "_set_training", "forward", "_call_impl"}


def profile(args, device):
    """Where the estimator's fit time goes, beside the hand-written loop."""
    X, y = make_task(args.n_windows, args.timesteps)
    cfg = CONFIGS["small"]
    estimator_fit(X, y, cfg, 1, device)
    hand_fit(X, y, cfg, 1, device)
    for label, run in (("estimator", lambda: estimator_fit(X, y, cfg, 2, device)),
                       ("hand", lambda: hand_fit(X, y, cfg, 2, device))):
        prof = cProfile.Profile()
        prof.enable()
        run()
        prof.disable()
        stream = io.StringIO()
        stats = pstats.Stats(prof, stream=stream).sort_stats("tottime")
        stats.print_stats(18)
        print(f"\n===== cProfile, {label}, small network, 2 epochs, {device} (top by own time)")
        print("\n".join(line for line in stream.getvalue().splitlines()[4:] if line.strip()))
        phases = {}
        for (filename, _, func), (_, calls, _, cumtime, _) in stats.stats.items():
            if func in PHASES and ("lstm_forecast" in filename or "skorch" in filename
                                   or "torch" in filename or func == "hand_fit"):
                key = f"{Path(filename).parent.name}/{Path(filename).name}:{func}"
                phases[key] = (calls, cumtime)
        print("cumulative time of the phases (calls, seconds):")
        for key, (calls, cumtime) in sorted(phases.items(), key=lambda kv: -kv[1][1]):
            print(f"  {key:<55} {calls:>6} {cumtime:8.3f}")
    if torch.device(device).type != "cuda":
        return
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as tprofile

    print(f"\ncudnn enabled={torch.backends.cudnn.enabled} available="
          f"{torch.backends.cudnn.is_available()} version={torch.backends.cudnn.version()}")
    for label, run in (("estimator", lambda: estimator_fit(X, y, cfg, 1, device)),
                       ("eager", lambda: estimator_fit(X, y, cfg, 1, device, cuda_graphs=False)),
                       ("hand", lambda: hand_fit(X, y, cfg, 1, device))):
        with tprofile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            run()
        events = prof.key_averages()
        count = {e.key: e.count for e in events}
        watched = ("cudaStreamSynchronize", "cudaDeviceSynchronize", "cudaEventSynchronize",
                   "aten::item", "aten::_local_scalar_dense", "cudaMemcpyAsync", "cudaLaunchKernel")
        syncs = {k: count[k] for k in watched if k in count}
        rnn_ops = {k: v for k, v in count.items() if "rnn" in k.lower() and k.startswith("aten::")}
        kernels = sorted((e for e in events if e.device_type == torch.autograd.DeviceType.CUDA),
                         key=lambda e: -e.self_device_time_total)[:8]
        n_batches = -(-len(X) // cfg["batch_size"])
        print(f"\n===== torch.profiler, {label}, 1 epoch ({n_batches} batches)")
        print("host syncs / copies / launches:", syncs)
        print("RNN ops (cuDNN path when aten::_cudnn_rnn):", rnn_ops)
        for e in kernels:
            print(f"  kernel {e.key[:80]:<80} n={e.count:<6} {e.self_device_time_total / 1e3:8.1f} ms")


# --------------------------------------------------------------------------- report
def describe_machine(device, threads):
    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    parts = [f"CPU {cpu}, {os.cpu_count()} logical cores visible, torch threads {threads}"]
    if torch.device(device).type == "cuda":
        props = torch.cuda.get_device_properties(torch.device(device))
        parts.append(f"GPU {props.name} ({props.total_memory / 2**30:.0f} GiB, cuDNN "
                     f"{torch.backends.cudnn.version()})")
    else:
        parts.append("no GPU used")
    import sklearn
    import skorch

    parts.append(f"Python {platform.python_version()}, torch {torch.__version__}, skorch "
                 f"{skorch.__version__}, scikit-learn {sklearn.__version__}, numpy {np.__version__}")
    return "; ".join(parts)


def budgets(report, device):
    checks = []
    fit = {row["config"]: row for row in report.get("fit", [])}
    gpu = torch.device(device).type == "cuda"
    for name, row in fit.items():
        if gpu and name != "small":
            continue
        checks.append((f"{'GPU' if gpu else 'CPU'} fit, {name} network: estimator/hand "
                       f"<= {BUDGET_FIT_VS_HAND}", row["est/hand"], row["est/hand"] <= BUDGET_FIT_VS_HAND))
    if gpu and "small" in fit:
        speedup = fit["small"]["skorch/est"]
        checks.append((f"GPU fit, small network: stock skorch/estimator >= {BUDGET_GPU_SKORCH_SPEEDUP}",
                       speedup, speedup >= BUDGET_GPU_SKORCH_SPEEDUP))
    if "predict" in report:
        ratio = report["predict"]["predict/bare32"]
        checks.append((f"predict one window: predict/bare forward <= {BUDGET_PREDICT_ONE}", ratio,
                       ratio <= BUDGET_PREDICT_ONE))
    return checks


def markdown(report, args, device, checks):
    lines = [f"## {report['when']} — `--device {device}` on {report['host']}", "",
             f"Machine: {report['machine']}.", "",
             f"Command: `{report['command']}`", "",
             f"Task: {args.n_windows} windows of {args.timesteps} steps (1 feature), {args.epochs} "
             f"epochs, Adam lr={LR}, MSE, {args.repeats} alternating rounds after a warm-up; ratio = "
             f"median of per-round ratios.", ""]
    if "fit" in report:
        extra = any("bf16/hand" in r for r in report["fit"])
        eager = any("eager/hand" in r for r in report["fit"])
        head = ("| network | hand loop | estimator | stock skorch | est/hand | skorch/hand | skorch/est |"
                + (" estimator without CUDA graph / hand |" if eager else "")
                + (" bf16 hand/hand | estimator bf16-mixed / float32 |" if extra else ""))
        lines += [head, "|" + "---|" * (head.count("|") - 1)]
        for r in report["fit"]:
            c, t = r["cfg"], r["times"]
            lines.append(
                f"| hidden {c['hidden_size']}, {c['num_layers']} layer(s), batch {c['batch_size']} "
                f"| {t['hand']:.2f} s | {t['estimator']:.2f} s | {t['skorch']:.2f} s | "
                f"**{r['est/hand']:.3f}** | {r['skorch/hand']:.3f} | **{r['skorch/est']:.2f}** |"
                + (f" {r['eager/hand']:.3f} |" if eager else "")
                + (f" {r['bf16/hand']:.3f} | {r['est_bf16/est']:.3f} |" if extra else ""))
        lines.append("")
    if "experiments" in report:
        lines += ["Experiments (median seconds per fit; same module, data, epochs):", ""]
        for name, times in report["experiments"].items():
            lines.append(f"- {name}: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()))
        lines.append("")
    if "predict" in report:
        p = report["predict"]
        lat = p["latency"]
        lines += ["| predict | latency, one window | ratio to bare float32 forward |",
                  "|---|---|---|",
                  f"| bare forward, float32, no_grad, eval | {lat['bare32'] * 1e6:.0f} µs | 1 |"]
        if "bare64" in lat:
            lines.append(f"| bare forward, float64 | {lat['bare64'] * 1e6:.0f} µs | "
                         f"{lat['bare64'] / lat['bare32']:.2f} |")
        note = " (batch-invariant mixed precision on CPU)" if "bare64" in lat else ""
        lines.append(f"| `LSTMRegressor.predict`{note} | {lat['predict'] * 1e6:.0f} µs | "
                     f"**{p['predict/bare32']:.2f}**"
                     + (f" ({p['predict/bare64']:.2f} vs float64)" if "predict/bare64" in p else "")
                     + " |")
        th = p["throughput"]
        lines += ["", f"Throughput, {p['many_windows']:,} windows: bare forward {th['bare32']:,.0f} "
                  f"windows/s, `predict` {th['predict']:,.0f} windows/s "
                  f"({th['predict'] / th['bare32']:.2f}x). "
                  f"Max |predict - bare| = {p['max_abs_diff']:.1e}.", ""]
    if "windows" in report:
        w = report["windows"]
        lines += [f"`make_windows` on {w['points']:,} float32 points, 100 timesteps -> X{w['shape']}: "
                  f"{w['time'] * 1e3:.2f} ms, peak traced memory {w['peak_bytes'] / 1e3:.1f} kB "
                  f"(the series is {w['series_bytes'] / 1e6:.0f} MB; copied windows would be "
                  f"{w['windows_bytes_if_copied'] / 1e9:.1f} GB); zero-copy view: {w['view']}.", ""]
    if "tta" in report:
        t = report["tta"]
        lines += [f"Time to accuracy (noisy two-tone sine, 2,470 training windows of 30 steps, hidden 16, "
                  f"batch 32, Adam lr={LR}; fit from scratch with 1, 2, 4, ... epochs until the "
                  f"one-step test RMSE over 500 windows <= {t['target_rmse']}; noise sd 0.05; darts "
                  f"{t['darts']}):", "",
                  "| library | epochs to target | fit time to target | test RMSE "
                  "| all tries (epochs: s, RMSE) |",
                  "|---|---|---|---|---|"]
        for lib, res in t["libs"].items():
            tries = "; ".join(f"{e}: {s:.2f}s, {r:.3f}" for e, s, r in res["tried"])
            if res["reached"]:
                e, s, r = res["reached"]
                lines.append(f"| {lib} | {e} | {s:.2f} s | {r:.4f} | {tries} |")
            else:
                lines.append(f"| {lib} | not reached | — | — | {tries} |")
        lines.append("")
    if checks:
        lines += ["Budgets:", ""]
        lines += [f"- {'PASS' if ok else 'FAIL'}: {name} (measured {value:.3f})"
                  for name, value, ok in checks]
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads for every contender (default: torch's own)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--n-windows", type=int, default=4000)
    parser.add_argument("--timesteps", type=int, default=30)
    parser.add_argument("--calls", type=int, default=200, help="predict calls per latency round")
    parser.add_argument("--many-windows", type=int, default=100_000)
    parser.add_argument("--series-points", type=int, default=10**7)
    parser.add_argument("--target-rmse", type=float, default=0.07)
    parser.add_argument("--tta-epochs", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--only", nargs="+", default=["fit", "predict", "windows", "tta"],
                        choices=["fit", "predict", "windows", "tta", "experiments"])
    parser.add_argument("--configs", nargs="+", default=["small", "large"], choices=list(CONFIGS))
    parser.add_argument("--bf16", action="store_true", help="GPU: also time the hand loop under "
                        "bf16 autocast and the estimator with precision='bf16-mixed'")
    parser.add_argument("--profile", action="store_true", help="print where the fit time goes")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--no-write", action="store_true", help=f"do not append to {RESULTS}")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--host", default=platform.node(), help="label of the machine in the report")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.epochs, args.n_windows, args.calls = 3, 1, 600, 20
        args.many_windows, args.series_points, args.tta_epochs = 5000, 10**6, [1, 2]
    device = args.device
    if torch.device(device).type == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda but CUDA is not available here")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    report = {
        "when": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "host": args.host,
        "machine": describe_machine(device, torch.get_num_threads()),
        "command": "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *(argv or sys.argv[1:])]),
    }
    print(report["machine"], flush=True)
    if args.profile:
        profile(args, device)
    if "fit" in args.only:
        bench_fit(args, device, report)
    if "experiments" in args.only:
        bench_experiments(args, device, report)
    if "predict" in args.only:
        bench_predict(args, device, report)
    if "windows" in args.only:
        bench_windows(args, report)
    if "tta" in args.only:
        bench_time_to_accuracy(args, device, report)
    checks = budgets(report, device)
    text = markdown(report, args, device, checks)
    print("\n" + text)
    for name, value, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {name} (measured {value:.3f})")
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        new = not args.output.exists()
        with args.output.open("a") as fh:
            if new:
                fh.write("# Speed benchmark results\n\nWritten by `benchmarks/speed.py` (one section "
                         "per run, appended).\n\n")
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
