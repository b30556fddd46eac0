"""LSTMRegressor: a scikit-learn regressor backed by a skorch-trained recurrent network."""

from __future__ import annotations

import math

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray
from sklearn.base import RegressorMixin
from sklearn.utils.validation import _check_y, check_consistent_length

from ._base import RecurrentEstimatorBase
from ._docstrings import BATCH_SIZE, CONV_CHANNELS, LR, MAX_EPOCHS, POOLING, STANDARDIZE, estimator_doc
from ._validation import FLOAT32_MAX, check_not_complex

# Up to this many target values, the standardised targets are one float32 copy made up front;
# beyond it they are standardised in the loss, batch by batch, to the same float32 values bit
# for bit, so that the targets of a memory-mapped series are never copied whole.
_TARGETS_COPIED_UP_TO = 1 << 22
# Targets are summarised in chunks of this many values (float64 temporaries stay small).
_TARGET_CHUNK = 1 << 20


class LSTMRegressor(RegressorMixin, RecurrentEstimatorBase):
    __doc__ = estimator_doc(
        """Stacked recurrent network (LSTM, GRU or RNN) for sequence regression.

    ``X`` holds one sequence per sample, ``(n_samples, timesteps, n_features)``; a 2-D ``X``
    (array or DataFrame) is read as ``(n_samples, timesteps)`` of a single feature (or as
    integer token ids when ``vocab_size`` is set), and a list of arrays of different lengths
    is padded and packed (padding never changes a prediction). ``y`` is ``(n_samples,)`` or
    ``(n_samples, n_outputs)``; ``predict`` returns the same shape.

    The network is trained with skorch on the GPU when there is one (``device="auto"``).
    Inputs and targets are standardised with training statistics (``standardize=True``), and
    predictions are returned in the original units. Nothing else happens unless asked for:
    no validation split and no early stopping by default.

    Parameters
    ----------
{parameters}

    Attributes
    ----------
{attributes}
    n_outputs_ : int
        Number of regression targets.
    y_mean_, y_scale_ : ndarray of shape (n_outputs,)
        The target standardisation (zeros and ones with ``standardize=False``).

    See Also
    --------
    LSTMClassifier : The same network for classification.
    LSTMForecaster : A series in, its future out.

    Examples
    --------
    >>> import numpy as np
    >>> from lstm_forecast import LSTMRegressor, make_windows
    >>> series = np.sin(np.linspace(0, 20, 300)).astype(np.float32)
    >>> X, y = make_windows(series, timesteps=10)
    >>> model = LSTMRegressor(hidden_size=16, max_epochs=5, random_state=0).fit(X, y)
    >>> model.predict(X[:3]).shape
    (3,)
    """,
        pooling=POOLING.format(default='"last"', text=(
            "the hidden state after the last\n        step (as in the reference tutorials), "
            "the mean or maximum of the hidden states over\n        time (stronger on long "
            "sequences), or the final LSTM cell state.")),
        conv_channels=CONV_CHANNELS.format(default="None"),
        standardize=STANDARDIZE.format(default="True", target=" (and the targets, in any mode\n"
                                       "        but False)"),
        max_epochs=MAX_EPOCHS.format(default='50'),
        lr=LR.format(default="1e-2"),
        batch_size=BATCH_SIZE.format(default="32", text=""),
        validation_fraction=(
            "Hold out this chronological tail of the training samples for validation; the\n"
            "        validation loss is recorded in ``history_`` every epoch."
        ),
    )

    _persist_attributes = ("n_outputs_", "y_mean_", "y_scale_", "_y_ndim")

    def _encode_targets(self, y, n_samples):
        """Standardised float32 targets ``(n, n_outputs)``, their width and the loss."""
        try:
            y_ndim = y.ndim if hasattr(y, "ndim") else np.asarray(y).ndim
        except ValueError:  # a ragged list: _check_y says so
            y_ndim = None
        if y_ndim is not None and y_ndim > 2:
            raise ValueError(
                f"y must be 1-D (n_samples,) or 2-D (n_samples, n_outputs); got shape "
                f"{np.shape(y)}."
            )
        if hasattr(y, "dtype"):
            check_not_complex(y, "y")
        y = _check_y(y, multi_output=True, y_numeric=True)
        check_not_complex(y, "y")
        if y.dtype.kind not in "biuf":  # _check_y lets strings through
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError) as error:
                raise type(error)(
                    f"y must hold numbers (regression targets); could not convert it: {error}"
                ) from None
            y = _check_y(y, multi_output=True)
        check_consistent_length(np.empty(n_samples), y)
        self._y_ndim = y.ndim
        y2 = y.reshape(len(y), -1)
        self.n_outputs_ = y2.shape[1]
        if self.standardize:
            self.y_mean_, scale = _target_statistics(y2)
            self.y_scale_ = np.where(scale < 1e-12, 1.0, scale)
        else:
            largest = float(np.abs(y2).max(initial=0.0))
            if largest > FLOAT32_MAX:
                raise ValueError(
                    f"y holds values up to {largest:.3g} in magnitude, beyond float32 (the "
                    f"network's precision); use standardize=True or rescale y."
                )
            self.y_mean_ = np.zeros(self.n_outputs_)
            self.y_scale_ = np.ones(self.n_outputs_)
        if y2.size > _TARGETS_COPIED_UP_TO:
            return y2, self.n_outputs_, _StandardizedMSELoss(self.y_mean_, self.y_scale_)
        y_scaled = ((y2.astype(np.float64) - self.y_mean_) / self.y_scale_).astype(np.float32)
        return y_scaled, self.n_outputs_, None

    def predict(self, X: ArrayLike) -> NDArray[np.float64]:
        """Predict targets for the sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, timesteps, n_features) or (n_samples, timesteps)
            Input sequences.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions in the units of the training targets.
        """
        output = self._forward(X) * self.y_scale_ + self.y_mean_
        return output.ravel() if self._y_ndim == 1 else output

    def _default_criterion(self):
        return torch.nn.MSELoss

    def _split_indices(self, n_samples, n_valid, y_encoded):
        # The chronological tail: later windows validate a model trained on earlier ones.
        return slice(0, n_samples - n_valid), slice(n_samples - n_valid, n_samples)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _target_statistics(y2):
    """Mean and standard deviation of each column of ``y2`` (n_samples, n_outputs), in float64.

    Small targets go through ``y2.astype(np.float64)`` in one go; larger ones (a view of a
    memory-mapped series, say) are read in chunks, so no float64 copy of them is made.
    """
    # Squares of values beyond ~1e154 overflow float64: summarise such targets divided by a
    # power of two (exact), then scale back.
    largest = float(np.abs(y2).max(initial=0.0))
    if largest > 1e150:
        power = 2.0 ** math.floor(math.log2(largest))
        mean, std = _target_statistics(y2 / power)
        return mean * power, std * power
    rows = max(1, _TARGET_CHUNK // y2.shape[1])
    if len(y2) <= rows:
        y64 = y2.astype(np.float64)
        return y64.mean(axis=0), y64.std(axis=0)
    chunks = range(0, len(y2), rows)
    total = sum(np.asarray(y2[start : start + rows], dtype=np.float64).sum(axis=0) for start in chunks)
    mean = total / len(y2)
    squares = sum(
        np.square(np.asarray(y2[start : start + rows], dtype=np.float64) - mean).sum(axis=0)
        for start in chunks
    )
    return mean, np.sqrt(squares / len(y2))


class _StandardizedMSELoss(torch.nn.MSELoss):
    """Mean squared error against targets standardised in the loss, batch by batch.

    ``(y - mean) / scale`` in float64, rounded to float32: the values that standardising all
    targets up front gives, bit for bit, without a copy of the targets (used beyond
    ``_TARGETS_COPIED_UP_TO`` values).
    """

    def __init__(self, mean, scale):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float64))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float64))

    def forward(self, input, target):
        target = ((target.to(torch.float64) - self.mean) / self.scale).to(torch.float32)
        return super().forward(input, target)
