"""The accelerator parameter on one GPU: fit time against plain ``device="cuda"``.

One process, one GPU: what ``LSTMRegressor(accelerator=Accelerator())`` costs over
``device="cuda"`` (nothing, when the wrapping works as intended), and what bf16 mixed precision
does to a small LSTM. 10**6 windows of 32 steps, hidden 64, batch 4096, 2 epochs; the test RMSE
is over the last 10**5 windows. Prints a markdown table; the multi-GPU speed-up needs a
machine with several GPUs (``accelerate launch --multi_gpu``), see docs/scaling-out.md.

Usage::

    python benchmarks/accelerate_one_gpu.py
"""
import sys
import time
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator
from accelerate.state import AcceleratorState

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # measure this checkout

from lstm_forecast import LSTMRegressor, make_windows  # noqa: E402


def main():
    t = np.arange(1_000_032, dtype=np.float64)
    series = (np.sin(t / 50) + 0.5 * np.sin(t / 7.3)).astype(np.float32)
    X, y = make_windows(series, 32)
    params = dict(hidden_size=64, max_epochs=2, batch_size=4096, random_state=0)
    LSTMRegressor(**params).fit(X[:5000], y[:5000])  # warm-up
    print("| fit | seconds | windows/s | test RMSE |\n|---|---:|---:|---:|")
    for name, make in [("device='cuda'", lambda: {"device": "cuda"}),
                       ("Accelerator()", lambda: {"accelerator": Accelerator()}),
                       ("Accelerator(bf16)", lambda: {"accelerator": Accelerator(mixed_precision="bf16")}),
                       ("device='cuda' again", lambda: {"device": "cuda"})]:
        AcceleratorState._reset_state(reset_partial_state=True)
        extra = make()
        torch.cuda.synchronize()
        start = time.perf_counter()
        model = LSTMRegressor(**params, **extra).fit(X, y)
        torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        rmse = float(np.sqrt(np.mean((model.predict(X[-100_000:]) - y[-100_000:]) ** 2)))
        print(f"| {name} | {seconds:.1f} | {2 * len(X) / seconds:,.0f} | {rmse:.4f} |")


if __name__ == "__main__":
    main()
