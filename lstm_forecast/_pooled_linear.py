"""The forecaster's linear component: one ridge regression pooled over every series' windows.

It reads the same encoded windows as the networks (each series in its own scale and level)
and forecasts the same targets (the correction to the classical scaffold), so its forecast
and the networks' median combine directly. The forecaster blends them with the shares that
forecast the held-out windows best (``choose_shares``); the networks' quantiles keep their
distances to their median and move with the blended median.

On the Tourism and M1 competitions (``benchmarks/results/competition.md``, round 5) the
blend forecast better than the networks alone on most frequencies; where the series are short
and few (M1 yearly) the ridge alone is worse than the networks, which is why the share is
chosen on held-out windows rather than fixed, and why a ridge with too few windows per input
(one short series) is not blended at all.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import RidgeCV

# Ridge penalties tried (generalised cross-validation picks one; the windows are roughly on
# a unit scale, so these span almost no shrinkage to a strong one).
ALPHAS = np.logspace(-2, 3, 6)
# Shares tried for the linear forecast in the blend and for the correction to the scaffold.
SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)
# Training windows needed per input of the ridge (the rule of ten observations per
# parameter). With fewer, its fit of the held-out windows says little about new ones: on the
# airline passengers (40 windows of 72 inputs) it won the held-out windows and then forecast
# the test years with a MAPE of 10.9% against the scaffold's 4.35%.
MIN_WINDOWS_PER_INPUT = 10
# Windows the ridge is fitted on, at most: a few hundred coefficients need no more, and its
# float64 copies of the windows stay near 100 MB for windows of 240 inputs.
MAX_WINDOWS = 50_000


def usable(X: np.ndarray) -> bool:
    """Whether the windows ``X`` ``(n, steps, features)`` are enough to fit the ridge."""
    return len(X) >= MIN_WINDOWS_PER_INPUT * int(np.prod(X.shape[1:]))


def fit(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients ``(n_inputs, n_outputs)`` and intercepts ``(n_outputs,)`` of the ridge
    regression of ``y`` ``(n, n_outputs)`` on the flattened windows ``X`` ``(n, steps,
    features)``; on at most ``MAX_WINDOWS`` of them, one in every few (every series keeps
    its share: the windows come series by series)."""
    if len(X) > MAX_WINDOWS:
        stride = -(-len(X) // MAX_WINDOWS)
        X, y = X[::stride], y[::stride]
    model = RidgeCV(alphas=ALPHAS).fit(X.reshape(len(X), -1), y)
    coef = np.atleast_2d(model.coef_).T
    return coef.astype(np.float64), np.atleast_1d(model.intercept_).astype(np.float64)


def predict(coef: np.ndarray, intercept: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The linear forecast ``(n, n_outputs)`` of the windows ``X``."""
    return X.reshape(len(X), -1) @ coef + intercept


def blend(quantiles: np.ndarray, linear: np.ndarray, share: float, median: int) -> np.ndarray:
    """``quantiles`` ``(n, n_levels, n_outputs)`` moved so that their median becomes
    ``(1 - share) * median + share * linear``; the other levels keep their distance to it."""
    if share == 0:
        return quantiles
    return quantiles + (share * (linear - quantiles[:, median]))[:, None, :]


def choose_shares(median: np.ndarray, linear: np.ndarray, y: np.ndarray,
                  shares=SHARES) -> tuple[float, float]:
    """``(linear_share, correction_weight)``: the pair that minimises ``mean |y - w * ((1 - s)
    * median + s * linear)|`` over ``shares`` x ``shares``. Among ties: the largest
    correction, then the smallest linear share (the networks alone, as without it)."""
    best, chosen = np.inf, (0.0, 1.0)
    for w in sorted(shares, reverse=True):
        for s in sorted(shares):
            error = float(np.abs(y - w * ((1 - s) * median + s * linear)).mean())
            if error < best * (1 - 1e-9):
                best, chosen = error, (float(s), float(w))
    return chosen
