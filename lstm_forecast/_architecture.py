"""The classifier's automatic architecture: what its ``"auto"`` parameters become in ``fit``.

``LSTMClassifier()`` resolves ``conv_channels="auto"`` and ``standardize="auto"`` from the
training data and keeps the result in fitted attributes (``conv_channels_``,
``downsample_``, ``standardize_``), from which the network is built, at fit and when a saved
model is loaded. Explicit values are used as they are. The choices and the measurements
behind them: ``docs/classification.md`` and ``benchmarks/results/tsc.md``.
"""

from __future__ import annotations

import math

import numpy as np

from ._network import RecurrentNetwork

# An FCN-style front end (Wang et al. 2017), 64 channels per block (FCN has 128-256-128:
# as accurate here, and 3-4x slower on a CPU).
AUTO_CONV_CHANNELS = (64, 64, 64)
AUTO_CONV_KERNELS = (8, 5, 3)
# Sequences shorter than the first kernel get no convolution (tabular rows, a few steps).
MIN_CONV_STEPS = AUTO_CONV_KERNELS[0]
# The recurrent layers read at most this many steps: longer series are max-pooled after the
# first block, which keeps a CPU fit on series of 1,000+ steps at tens of seconds.
MAX_RECURRENT_STEPS = 128
STANDARDIZE_VALUES = (True, False, "series", "series+stats", "auto")


def check_auto_parameters(estimator):
    """Check ``conv_channels`` and ``standardize``, the parameters that may be ``"auto"``."""
    conv = estimator.conv_channels
    if not (conv is None or conv == "auto" or (
            isinstance(conv, (int, np.integer)) and not isinstance(conv, bool) and conv >= 1)):
        raise ValueError(f"conv_channels must be 'auto', an integer >= 1 or None; got {conv!r}.")
    standardize = estimator.standardize
    if not (isinstance(standardize, (bool, np.bool_)) or standardize in STANDARDIZE_VALUES[2:]):
        raise ValueError(
            f"standardize must be 'auto', True, False, 'series' or 'series+stats'; got "
            f"{standardize!r}."
        )


def stand_ins(estimator):
    """Values the shared parameter checks accept in place of the ones only this module knows."""
    values = {}
    if estimator.conv_channels == "auto":
        values["conv_channels"] = None
    if isinstance(estimator.standardize, str):
        values["standardize"] = "series"
    return values


def resolve(estimator, X):
    """The fitted attributes of the architecture for training data ``X`` (padded array)."""
    tokens = estimator._token_input
    steps = X.shape[1]  # the longest training sequence: the rest are padded to it
    conv = estimator.conv_channels
    if conv == "auto":
        # Token ids reach the recurrent layers as learned embeddings; a convolution on them
        # added no accuracy on the token benchmark and doubled the fit time.
        conv = None if tokens or steps < MIN_CONV_STEPS else AUTO_CONV_CHANNELS
    downsample = 1
    if isinstance(conv, tuple):
        downsample = max(1, math.ceil(steps / MAX_RECURRENT_STEPS))
    standardize = estimator.standardize
    if standardize == "auto":
        standardize = False if tokens else "series+stats"
    return {"conv_channels_": conv, "downsample_": downsample, "standardize_": standardize}


def network_options(estimator):
    """The front-end keyword arguments of :class:`RecurrentNetwork` for a fitted estimator.

    Models saved before these attributes existed have explicit parameters: those are used.
    """
    conv = getattr(estimator, "conv_channels_", estimator.conv_channels)
    standardize = getattr(estimator, "standardize_", estimator.standardize)
    options = {"conv_channels": conv}
    if isinstance(conv, tuple):
        options.update(conv_kernel_size=AUTO_CONV_KERNELS, conv_summary=True,
                       downsample=getattr(estimator, "downsample_", 1))
    series = isinstance(standardize, str) and not estimator._token_input
    options.update(series_norm=series, series_stats=series and standardize == "series+stats")
    return options


def build_network(estimator, n_outputs):
    """The network of ``estimator`` (its parameters and resolved architecture)."""
    return RecurrentNetwork(
        n_features=estimator.n_features_per_step_,
        n_outputs=n_outputs,
        hidden_size=estimator.hidden_size,
        num_layers=estimator.num_layers,
        cell=estimator.cell,
        bidirectional=bool(estimator.bidirectional),
        dropout=float(estimator.dropout),
        pooling=estimator.pooling,
        forget_bias=estimator.forget_bias,
        vocab_size=getattr(estimator, "vocab_size", None),
        embedding_dim=getattr(estimator, "embedding_dim", None),
        projection_size=estimator.projection_size,
        **network_options(estimator),
    )
