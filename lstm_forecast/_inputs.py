"""How the estimators read ``X``: sequences of floats, 2-D tables, ragged lists or token ids."""

from __future__ import annotations

import functools

import numpy as np
from sklearn.utils.validation import check_array, validate_data

from ._data import compact_tokens, is_ragged, pad_ragged
from ._validation import (
    as_array,
    assert_finite,
    check_float32_range,
    finite_float32,
    integer_tokens,
    numeric,
)


class SequenceInputMixin:
    """``_validate_X``: any accepted ``X`` to ``(array, lengths)`` for the network.

    Reads ``_token_input`` and ``_vocabulary_size`` (the subclass's: from the parameters at
    fit, from the fitted network afterwards) and keeps ``n_features_in_``,
    ``n_features_per_step_`` and ``_fitted_on_2d`` as fitted state.
    """

    def _validate_X(self, X, *, reset):
        """Return ``(array, lengths)``: ``(n, timesteps, n_features)`` floats (or
        ``(n, timesteps)`` token ids) and the valid length of each sequence (or ``None``).

        A 2-D float ``X`` is checked by :func:`validate_data`: its width (the number of time
        steps) is ``n_features_in_``, fixed at fit like any scikit-learn feature count. A 3-D
        ``X``, a list of sequences and token ids are sequences: any length is accepted, only
        the features per step must match. A model fitted on sequences also reads a 2-D ``X``
        as sequences of one feature, of any length.
        """
        lengths = None
        tokens = self._token_input(reset=reset)
        if not (hasattr(X, "ndim") or hasattr(X, "iloc") or is_ragged(X)):
            X = as_array(X)
        if is_ragged(X):
            X, lengths = self._pad_sequences(X, tokens)
            self._check_step_features(X, tokens, reset=reset)
        elif tokens:
            X = self._token_array(X)
            self._check_step_features(X, tokens, reset=reset)
        elif getattr(X, "ndim", None) == 3:
            X = finite_float32(X, check_array)
            self._check_step_features(X, tokens, reset=reset)
        elif getattr(X, "ndim", None) == 2:
            X = self._validate_2d(X, reset=reset)
        else:
            shape = np.shape(X)
            hint = (
                " Reshape your data: X.reshape(1, -1) if it is one sequence of one feature."
                if len(shape) == 1 else ""
            )
            raise ValueError(
                f"Found array with dim {len(shape)} (a {len(shape)}-D X of shape {shape}); expected "
                f"a 3-D X of shape (n_samples, timesteps, n_features) or a 2-D X of shape "
                f"(n_samples, timesteps).{hint}"
            )
        if X.shape[1] == 0:
            raise ValueError("X must have at least one time step; got 0.")
        if not tokens and X.shape[2] == 0:
            raise ValueError("X must have at least one feature per time step; got 0.")
        if tokens:
            X, lengths = self._check_tokens(X, lengths, reset=reset)
        return X, lengths

    def _validate_2d(self, X, *, reset):
        """A 2-D float ``X``, read as ``(n_samples, timesteps)`` of one feature."""
        if reset or getattr(self, "_fitted_on_2d", True):
            X = numeric(
                functools.partial(validate_data, self), X, reset=reset, dtype="numeric",
                ensure_all_finite=False,
            )
            if reset:
                self.n_features_per_step_ = 1
                self._fitted_on_2d = True
        else:
            X = numeric(check_array, X, dtype="numeric", input_name="X", ensure_all_finite=False)
        X = np.asarray(X)
        check_float32_range(X, "X")
        X = X.astype(np.float32, copy=False)
        assert_finite(X, estimator_name=type(self).__name__)
        if self.n_features_per_step_ != 1:
            raise ValueError(
                f"X is 2-D, read as (n_samples, timesteps) of 1 feature, but this model was "
                f"fitted on {self.n_features_per_step_} features per step; pass X of shape "
                f"(n_samples, timesteps, {self.n_features_per_step_})."
            )
        return X[:, :, None]

    @staticmethod
    def _pad_sequences(X, tokens):
        """A list of sequences of different lengths: post-padded array and lengths."""
        X, lengths = pad_ragged(X, dtype=np.float64 if tokens else np.float32)
        if X.dtype.kind == "f" and not np.isfinite(X).all():
            raise ValueError("Input X contains NaN or infinity; clean or impute it first.")
        if tokens:
            if X.shape[-1] != 1:
                raise ValueError(
                    f"Token input (vocab_size set) must be sequences of integer ids; got "
                    f"sequences of {X.shape[-1]} values per step."
                )
            X = integer_tokens(X[..., 0])
        if lengths.min() == lengths.max():
            lengths = None  # all of one length: the same as the stacked array
        return X, lengths

    @staticmethod
    def _token_array(X):
        if getattr(X, "ndim", None) != 2:
            raise ValueError(
                f"Token input (vocab_size set) must be 2-D (n_samples, timesteps) integer ids; "
                f"got shape {np.shape(X)}."
            )
        X = numeric(check_array, X, dtype="numeric", input_name="X")
        return integer_tokens(X)

    def _check_step_features(self, X, tokens, *, reset):
        n_step = 1 if tokens else X.shape[-1]
        if reset:
            self.n_features_in_ = n_step
            self.n_features_per_step_ = n_step
            self._fitted_on_2d = False
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        elif n_step != self.n_features_per_step_:
            raise ValueError(
                f"X has {n_step} features per time step, but {type(self).__name__} is expecting "
                f"{self.n_features_per_step_} features as input."
            )

    def _check_tokens(self, X, lengths, *, reset):
        vocab_size = self._vocabulary_size(reset=reset)
        if X.size and (X.min() < 0 or X.max() >= vocab_size):
            raise ValueError(
                f"Token ids must lie in [0, vocab_size={vocab_size}); got values in "
                f"[{X.min()}, {X.max()}]. Id 0 is padding."
            )
        if lengths is None:
            return compact_tokens(X)
        compacted, token_lengths = compact_tokens(X)
        return compacted, (lengths if token_lengths is None else np.minimum(lengths, token_lengths))
