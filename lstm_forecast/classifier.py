"""LSTMClassifier: a scikit-learn classifier backed by a skorch-trained recurrent network."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch
from numpy.typing import ArrayLike, NDArray
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_y, check_consistent_length
from skorch.callbacks import EpochScoring

from ._base import RecurrentEstimatorBase
from ._docstrings import (
    BATCH_SIZE,
    CONV_CHANNELS,
    LR,
    MAX_EPOCHS,
    POOLING,
    STANDARDIZE,
    estimator_doc,
    with_defaults,
)


def _plain(value):
    """A NumPy scalar as the Python value it holds, for messages (``'a'``, not ``np.str_('a')``)."""
    return value.item() if isinstance(value, np.generic) else value


def _accuracy(net, X, y):
    logits = net.predict(X)
    y = y.cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    return float((logits.argmax(axis=1) == y).mean())


class LSTMClassifier(ClassifierMixin, RecurrentEstimatorBase):
    __doc__ = estimator_doc(
        """Stacked recurrent network (LSTM, GRU or RNN) for sequence classification.

    ``X`` holds one sequence per sample, ``(n_samples, timesteps, n_features)``; a 2-D ``X``
    (array or DataFrame) is read as ``(n_samples, timesteps)`` of a single feature, or as
    integer token ids when ``vocab_size`` is set. A list of sequences of different lengths is
    padded and packed: padding never changes a prediction. Labels may be of any type.

    The network ends in one logit per class and is trained with cross-entropy through
    skorch, on the GPU when there is one (``device="auto"``). No validation split and no
    early stopping unless asked for.

    The defaults (``conv_channels="auto"``, ``standardize="auto"``, ``pooling="max"``,
    ``batch_size="auto"``, ``max_epochs="auto"``, ``lr="auto"``) are an LSTM-FCN-style
    network chosen for real series, images read by rows and token ids alike, resolved in
    ``fit`` from the data (``conv_channels_``, ``downsample_``, ``standardize_``,
    ``batch_size_``, ``max_epochs_``, ``lr_``): see "The defaults" in the classification
    guide for what they do and the benchmark behind them.
    The reference tutorials' plain LSTM that reads its last state is
    ``LSTMClassifier(pooling="last", conv_channels=None, standardize=True, batch_size=32,
    max_epochs=50, lr=1e-2)``.

    Parameters
    ----------
{parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
{attributes}

    See Also
    --------
    LSTMRegressor : The same network for regression.
    RowSequence : Images to row sequences.
    PadSequences : Token lists to a padded array.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from lstm_forecast import LSTMClassifier
    >>> digits = load_digits()
    >>> X = digits.images  # (n, 8, 8): each image is 8 time steps of 8 pixels
    >>> clf = LSTMClassifier(hidden_size=16, max_epochs=2, random_state=0)
    >>> clf.fit(X[:200], digits.target[:200]).predict(X[:3]).shape
    (3,)
    """,
        pooling=POOLING.format(default='"max"', text=(
            "the maximum of the hidden states\n        over time (finds a pattern wherever it "
            "occurs), their mean, the hidden state after the\n        last step (as in the "
            "reference tutorials; close to chance on series of hundreds of\n        steps), or "
            "the final LSTM cell state.")),
        conv_channels=CONV_CHANNELS.format(default='"auto"'),
        standardize=STANDARDIZE.format(default='"auto"', target=""),
        max_epochs=MAX_EPOCHS.format(default='"auto"'),
        lr=LR.format(default='"auto"'),
        batch_size=BATCH_SIZE.format(default='"auto"', text=(
            " (small training sets need the steps: UCR sets\n        have tens to hundreds of "
            "series)")),
        validation_fraction=(
            "Hold out this stratified fraction of the training samples for validation; the\n"
            "        validation loss and accuracy (and the training accuracy) are recorded in\n"
            "        ``history_`` every epoch."
        ),
    )

    _persist_attributes = ("classes_",)

    # The shared signature with the classifier's own defaults (see "The defaults" above).
    __init__ = with_defaults(RecurrentEstimatorBase.__init__, __module__, "LSTMClassifier.__init__",
                             pooling="max", conv_channels="auto", standardize="auto",
                             batch_size="auto", max_epochs="auto", lr="auto")

    def _encode_targets(self, y, n_samples):
        """Class indices ``0..n_classes-1``, the number of classes and the loss (default)."""
        if hasattr(y, "sparse") or type(y).__module__.startswith("scipy.sparse"):
            raise TypeError("y must be a dense 1-D array of labels; got a sparse matrix.")
        if isinstance(y, (pd.Series, pd.Index)) and y.isna().any():
            raise ValueError(
                f"y holds {int(y.isna().sum())} missing labels (NA); drop those samples or "
                f"label them."
            )
        y = _check_y(y)
        check_consistent_length(np.empty(n_samples), y)
        try:
            check_classification_targets(y)
            encoder = LabelEncoder().fit(y)
        except TypeError as error:  # labels that cannot be sorted together
            kinds = sorted({type(_plain(v)).__name__ for v in y})
            raise TypeError(
                f"y mixes labels of different types ({', '.join(kinds)}); use labels of one "
                f"type ({error})."
            ) from None
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"LSTMClassifier needs samples of at least 2 classes; got 1 class "
                f"({_plain(self.classes_[0])!r})."
            )
        return encoder.transform(y), len(self.classes_), None

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Class probabilities for the sequences ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, timesteps, n_features) or (n_samples, timesteps)
            Input sequences.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; each row sums to 1.
        """
        logits = self._forward(X)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Predict the class of each sequence in ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, timesteps, n_features) or (n_samples, timesteps)
            Input sequences.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        logits = self._forward(X)
        return self.classes_[logits.argmax(axis=1)]

    def _default_criterion(self):
        return torch.nn.CrossEntropyLoss

    def _split_indices(self, n_samples, n_valid, y_encoded):
        from sklearn.model_selection import train_test_split

        indices = np.arange(n_samples)
        counts = np.bincount(y_encoded)
        stratify = y_encoded if counts.min() >= 2 and n_valid >= len(counts) else None
        train, valid = train_test_split(
            indices, test_size=n_valid, stratify=stratify,
            random_state=np.random.RandomState(0) if self.random_state is None
            else self.random_state,
        )
        return np.sort(train), np.sort(valid)

    def _scoring_callbacks(self, has_validation):
        if not has_validation:
            return []
        return [
            ("train_acc", EpochScoring(_accuracy, name="train_acc", lower_is_better=False,
                                       on_train=True)),
            ("valid_acc", EpochScoring(_accuracy, name="valid_acc", lower_is_better=False)),
        ]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags
