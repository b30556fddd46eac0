"""Ready-made estimator configurations for common tasks."""

from __future__ import annotations

from typing import Any

from .classifier import LSTMClassifier

# The time-series configuration is now the classifier's default: nothing to add.
TIME_SERIES_CLASSIFIER_PARAMS: dict = {}


def time_series_classifier(**overrides: Any) -> LSTMClassifier:
    """An :class:`LSTMClassifier` for univariate or multivariate time-series classification
    (UCR/UEA-style data): since the defaults became that configuration, the classifier with
    its defaults.

    This preset used to be the only way to get a network that works on real series (a
    convolution front end, ``pooling="max"``, ``batch_size=16``, ``standardize="series"``).
    ``LSTMClassifier()`` now does better by itself, on series, images read by rows and
    token ids alike: an FCN-style stack of three convolution blocks (``conv_channels=
    "auto"``), max pooling over time, per-series z-normalisation that keeps each series'
    level and scale as inputs (``standardize="auto"``) and batches of a tenth of the training
    set, at most 16 (``batch_size="auto"``). The function stays
    so that code calling it keeps working, and adds nothing: ``time_series_classifier(**kw)``
    is ``LSTMClassifier(**kw)``. The earlier preset is ``LSTMClassifier(conv_channels=64,
    pooling="max", standardize="series", batch_size=16)``. See "The defaults" in the classification guide
    and ``benchmarks/results/tsc.md`` for what the defaults do and what they score.

    Parameters
    ----------
    **overrides : dict
        Any :class:`LSTMClassifier` parameter (for example ``random_state=0``,
        ``max_epochs=100`` or ``device="cuda"``).

    Returns
    -------
    LSTMClassifier
        An unfitted classifier; its ``get_params()`` shows every value, so it can be cloned,
        tuned in a grid and saved like any other.

    See Also
    --------
    LSTMClassifier : The estimator and all its parameters.

    References
    ----------
    .. [1] F. Karim, S. Majumdar, H. Darabi, S. Chen, "LSTM Fully Convolutional Networks for
       Time Series Classification", IEEE Access 6, 2017.
    .. [2] Z. Wang, W. Yan, T. Oates, "Time series classification from scratch with deep
       neural networks: a strong baseline", IJCNN 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from lstm_forecast.presets import time_series_classifier
    >>> clf = time_series_classifier(max_epochs=2, random_state=0)
    >>> clf.pooling, clf.conv_channels, clf.standardize
    ('max', 'auto', 'auto')
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(20, 30)), np.arange(20) % 2
    >>> clf.fit(X, y).conv_channels_
    (64, 64, 64)
    """
    return LSTMClassifier(**{**TIME_SERIES_CLASSIFIER_PARAMS, **overrides})
