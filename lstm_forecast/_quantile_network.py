"""The forecaster's networks: LSTMRegressors with one output per (quantile, step, target).

The networks are plain :class:`~lstm_forecast.LSTMRegressor` instances (so that they clone,
tune and save like any other), trained here with the pinball (quantile) loss instead of the
squared error: ``fit_quantile_network`` standardises the targets as ``LSTMRegressor.fit``
does and hands its ``_fit_network`` the loss. After training, ``n_outputs_``, ``y_mean_``
and ``y_scale_`` cover every output column, so ``predict`` returns the quantiles in the
units of the targets. (LSTMRegressor has no public hook for the loss yet; see the module
docstring of ``forecaster.py``.)
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import norm
from sklearn.base import clone

from .regressor import LSTMRegressor

# Quantile levels every network learns; others are interpolated (normal scores), and beyond
# the extreme ones extrapolated with the normal tail that the two outermost levels imply.
LEVELS = np.array([0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99])
MEDIAN = int(np.flatnonzero(LEVELS == 0.5)[0])
# Epochs averaged in the validation curve before its minimum is taken (see ``best_epoch``).
SMOOTHING = 5


class PinballLoss(torch.nn.Module):
    """Mean pinball loss of outputs ``(batch, n_levels * n_targets)`` for targets
    ``(batch, n_targets)``: the outputs are the quantiles at ``levels``, level-major."""

    def __init__(self, levels):
        super().__init__()
        self.register_buffer("levels", torch.as_tensor(np.asarray(levels), dtype=torch.float32)
                             .view(1, -1, 1))

    def forward(self, input, target):
        error = target.unsqueeze(1) - input.view(len(input), self.levels.shape[1], -1)
        return torch.maximum(self.levels * error, (self.levels - 1) * error).mean()


def default_estimator(n_windows: int) -> LSTMRegressor:
    """The network used when ``estimator=None``, sized by the number of training windows.

    A batch of about a 64th of the windows (16 to 256, a power of two), the learning rate
    scaled with the square root of the batch (1e-2 at 256), at most 30 epochs with early
    stopping (patience 10) on the last windows of every series: the validation curve of a
    global model is flat and noisy after a few epochs, and a short patience stops on a
    passing bump (see ``best_epoch``).
    """
    batch = int(2 ** np.clip(np.round(np.log2(max(n_windows, 1) / 64)), 4, 9))
    return LSTMRegressor(
        hidden_size=32, batch_size=batch, lr=1e-2 * np.sqrt(batch / 256), max_epochs=30,
        early_stopping=True, patience=10, device="cpu",
    )


def fit_quantile_network(estimator, X, y, *, n_valid, seed, max_epochs=None, levels=LEVELS):
    """A clone of ``estimator`` trained on ``(X, y)`` with the pinball loss at ``levels``.

    The last ``n_valid`` samples validate (early stopping, when the estimator asks for it and
    ``n_valid > 0``); ``max_epochs`` overrides the estimator's.
    """
    net = clone(estimator).set_params(random_state=seed)
    if max_epochs is not None:
        net.set_params(max_epochs=int(max_epochs))
    if n_valid:
        net.set_params(validation_fraction=(n_valid - 0.5) / len(X))
    else:
        net.set_params(early_stopping=False, validation_fraction=None)
    net._validate_params()
    device = net._check_params()
    X, lengths = net._validate_X(X, reset=True)
    y = np.asarray(y, dtype=np.float64)
    mean, scale = y.mean(axis=0), y.std(axis=0)
    scale = np.where(scale < 1e-12, 1.0, scale)
    standardized = ((y - mean) / scale).astype(np.float32)
    n_levels = len(levels)
    net._y_ndim = 2
    net.n_outputs_ = y.shape[1] * n_levels
    net.y_mean_, net.y_scale_ = np.tile(mean, n_levels), np.tile(scale, n_levels)
    net._fit_network(X, lengths, standardized, net.n_outputs_, device, PinballLoss(levels))
    return net


def best_epoch(net, smoothing=SMOOTHING) -> int:
    """The epoch count for the final networks: the minimum of the validation curve averaged
    over ``smoothing`` epochs centred on each (the ends padded with their own value).

    The raw minimum of a flat, noisy curve is mostly noise (on Tourism monthly it moved
    between 6 and 22 epochs with unrelated changes); a moving average picks the middle of the
    low plateau instead of its deepest dip.
    """
    losses = np.array([entry.get("valid_loss", np.inf) for entry in net.history_], dtype=float)
    if len(losses) == 0:
        return 1
    if smoothing <= 1 or len(losses) < smoothing or not np.isfinite(losses).all():
        return int(np.argmin(losses)) + 1
    half = smoothing // 2
    padded = np.concatenate([np.repeat(losses[0], half), losses, np.repeat(losses[-1], half)])
    averaged = np.convolve(padded, np.ones(smoothing) / smoothing, mode="valid")
    return int(np.argmin(averaged)) + 1


def predict_quantiles(networks, X, n_levels=LEVELS.size):
    """Quantiles averaged over the networks: ``(n, n_levels, n_outputs)``, sorted by level."""
    outputs = np.mean([net.predict(X) for net in networks], axis=0)
    return np.sort(outputs.reshape(len(X), n_levels, -1), axis=1)


def interpolate(quantiles, alphas, levels=LEVELS):
    """Quantiles at ``alphas`` from quantiles at ``levels`` (last axis), in normal scores.

    Linear between learned levels; beyond the outermost ones, the normal tail through the two
    outermost levels on that side.
    """
    scores, wanted = norm.ppf(levels), norm.ppf(np.asarray(alphas, dtype=float))
    out = np.empty(quantiles.shape[:-1] + (len(wanted),))
    for j, s in enumerate(wanted):
        if s < scores[0]:
            lo, hi = 0, 1
        elif s > scores[-1]:
            lo, hi = len(scores) - 2, len(scores) - 1
        else:
            hi = min(int(np.searchsorted(scores, s, side="right")), len(scores) - 1)
            lo = hi - 1
        weight = (s - scores[lo]) / (scores[hi] - scores[lo])
        out[..., j] = quantiles[..., lo] + weight * (quantiles[..., hi] - quantiles[..., lo])
    return out
