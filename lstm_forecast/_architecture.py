"""What the ``"auto"`` architecture parameters become in ``fit``.

``conv_channels="auto"`` and ``standardize="auto"`` (the classifier's defaults; the regressor
takes them too) are resolved from the training data into the fitted attributes
``conv_channels_``, ``downsample_`` and ``standardize_``, and from those into the keyword
arguments of the network (``network_config_``); ``batch_size="auto"``, ``max_epochs="auto"`` and ``lr="auto"``
into ``batch_size_``, ``max_epochs_`` and ``lr_``. Explicit values are used as they are. The
choices and the measurements behind them: ``docs/classification.md`` and
``benchmarks/results/tsc.md``.
"""

from __future__ import annotations

import math

from ._network import STATS_FLOOR

# An FCN-style front end (Wang et al. 2017), 64 channels per block (FCN has 128-256-128:
# as accurate here, and 3-4x slower on a CPU).
AUTO_CONV_CHANNELS = (64, 64, 64)
AUTO_CONV_KERNELS = (8, 5, 3)
# Sequences shorter than the first kernel get no convolution (tabular rows, a few steps).
MIN_CONV_STEPS = AUTO_CONV_KERNELS[0]
# The recurrent layers read at most this many steps: longer series are max-pooled after the
# first block, which keeps a CPU fit on series of 1,000+ steps at tens of seconds.
MAX_RECURRENT_STEPS = 128


# max_epochs="auto": as many passes as give at least this many optimizer steps (small training
# sets need many passes: FCN and InceptionTime train 1,500-2,000 epochs), within these bounds.
AUTO_MIN_STEPS = 1500
AUTO_EPOCHS = (50, 500)


def resolve_epochs(max_epochs, n_train: int, batch_size: int) -> int:
    """The number of epochs ``fit`` trains for ``max_epochs`` (an int, or ``"auto"``) on
    ``n_train`` training samples in batches of ``batch_size``."""
    if max_epochs != "auto":
        return int(max_epochs)
    batches = max(1, math.ceil(n_train / batch_size))
    low, high = AUTO_EPOCHS
    return int(min(high, max(low, math.ceil(AUTO_MIN_STEPS / batches))))


# batch_size="auto": a tenth of the training samples, at most 16 (FCN's and ResNet's rule in
# dl-4-tsc, Fawaz et al. 2019): small training sets get more, noisier steps per epoch.
AUTO_BATCH_SIZE = 16


def resolve_batch_size(batch_size, n_train: int) -> int:
    """The samples per gradient step ``fit`` trains with, for ``batch_size`` (an int, or
    ``"auto"``) and ``n_train`` training samples."""
    if batch_size != "auto":
        return int(batch_size)
    return int(max(1, min(AUTO_BATCH_SIZE, n_train // 10)))


# lr="auto": Adam's usual rate for the convolution stack (FCN and InceptionTime train with it),
# the rate of the recurrent-only networks (token ids, short rows) otherwise. With the stack,
# 3 seeds, 1e-3 against 1e-2: ArrowHead 0.80 / 0.76, OSULeaf 0.92 / 0.86, PickupGestureWiimoteZ
# 0.81 / 0.79 (UCR sets outside the benchmark), CBF 0.97 / 0.995, ACSF1 0.89 / 0.91; on the
# token task, without it, 1e-3 scored 0.80 against 0.97 in the same 50 epochs.
AUTO_LR_CONV, AUTO_LR_RECURRENT = 1e-3, 1e-2


def resolve_lr(lr, conv_channels) -> float:
    """The initial learning rate ``fit`` trains with, for ``lr`` (a float, or ``"auto"``) and
    the resolved ``conv_channels_``."""
    if lr != "auto":
        return float(lr)
    return AUTO_LR_CONV if isinstance(conv_channels, tuple) else AUTO_LR_RECURRENT


def resolve(conv_channels, standardize, *, tokens: bool, steps: int) -> dict:
    """The fitted attributes of the architecture, for training sequences of ``steps`` steps
    (the longest: the others are padded to it)."""
    conv = conv_channels
    if conv == "auto":
        # Token ids reach the recurrent layers as learned embeddings; a convolution on them
        # added no accuracy on the token benchmark and doubled the fit time.
        conv = None if tokens or steps < MIN_CONV_STEPS else AUTO_CONV_CHANNELS
    elif conv is not None:
        conv = int(conv)
    downsample = max(1, math.ceil(steps / MAX_RECURRENT_STEPS)) if isinstance(conv, tuple) else 1
    if tokens:  # token ids are never scaled, whatever was asked
        standardize = False
    elif standardize == "auto":
        standardize = "series+stats"
    elif not isinstance(standardize, str):
        standardize = bool(standardize)
    return {"conv_channels_": conv, "downsample_": downsample, "standardize_": standardize}


def network_options(conv_channels, downsample, standardize, *, tokens: bool) -> dict:
    """The front-end keyword arguments of :class:`RecurrentNetwork` for resolved values."""
    options: dict = {"conv_channels": conv_channels, "conv_kernel_size": 7, "downsample": 1,
                     "conv_summary": False}
    if isinstance(conv_channels, tuple):
        options.update(conv_kernel_size=AUTO_CONV_KERNELS, conv_summary=True,
                       downsample=int(downsample))
    series = isinstance(standardize, str) and not tokens
    options.update(series_norm=series, series_stats=series and standardize == "series+stats",
                   stats_floor=STATS_FLOOR)
    return options


def network_config(estimator, n_outputs: int, steps: int) -> tuple[dict, dict]:
    """The keyword arguments of the network ``fit`` builds for ``estimator`` (plain Python
    values, stored as ``network_config_``) and the resolved ``"auto"`` attributes."""
    tokens = estimator.vocab_size is not None
    resolved = resolve(estimator.conv_channels, estimator.standardize, tokens=tokens, steps=steps)
    config = {
        "n_features": int(estimator.n_features_per_step_),
        "n_outputs": int(n_outputs),
        "hidden_size": int(estimator.hidden_size),
        "num_layers": int(estimator.num_layers),
        "cell": str(estimator.cell),
        "bidirectional": bool(estimator.bidirectional),
        "dropout": float(estimator.dropout),
        "pooling": str(estimator.pooling),
        "forget_bias": None if estimator.forget_bias is None else float(estimator.forget_bias),
        "vocab_size": int(estimator.vocab_size) if tokens else None,
        "embedding_dim": int(estimator.embedding_dim) if tokens else None,
        "projection_size": (None if estimator.projection_size is None
                            else int(estimator.projection_size)),
        **network_options(resolved["conv_channels_"], resolved["downsample_"],
                          resolved["standardize_"], tokens=tokens),
    }
    return config, resolved


def recurrent_input_width(config: dict) -> int:
    """Features per step that the first recurrent layer reads (the threads heuristic's size)."""
    conv = config["conv_channels"]
    conv = max(conv) if isinstance(conv, (list, tuple)) else conv
    return config["embedding_dim"] or config["projection_size"] or conv or config["n_features"]
