"""Turn images and token lists into the 3-D / 2-D arrays a recurrent network reads.

* :class:`RowSequence` reads an image as a sequence: one time step per image row
  (or column), the pixels of that row (times the channels) as the features.
* :class:`PadSequences` and :func:`pad_sequences` pad or truncate lists of token ids to a
  rectangular integer array, with the semantics of Keras' ``pad_sequences``.
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._typing import PadSide
from ._validation import check_int, check_option, numeric, validated_fit

__all__ = ["PadSequences", "RowSequence", "pad_sequences"]


# ----------------------------------------------------------------------------- RowSequence
def _check_image_shape(image_shape):
    """Validate the ``image_shape`` parameter; return it as a tuple of ints (or None)."""
    if image_shape is None:
        return None
    expected = (
        "image_shape must be None or a tuple (H, W) or (H, W, C) of positive ints, "
        "one of which may be -1 (inferred)"
    )
    try:
        shape = tuple(image_shape)
    except TypeError:
        raise TypeError(f"{expected}; got {image_shape!r}.") from None
    if (
        len(shape) not in (2, 3)
        or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) and (s > 0 or s == -1)
            for s in shape
        )
        or shape.count(-1) > 1
    ):
        raise ValueError(f"{expected}; got {image_shape!r}.")
    return tuple(int(s) for s in shape)


def _resolve_flat_shape(image_shape, n_values):
    """``(H, W, C)`` for rows of ``n_values`` pixels, or None when they do not fit."""
    shape = image_shape if len(image_shape) == 3 else (*image_shape, 1)
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if n_values % known:
            return None
        return tuple(n_values // known if s == -1 else s for s in shape)
    return shape if known == n_values else None


class RowSequence(TransformerMixin, BaseEstimator):
    """Read images as sequences: one time step per image row.

    An image of ``H`` rows and ``W`` columns (and ``C`` channels) becomes a sequence of
    ``H`` time steps with ``W * C`` features each, the layout the MNIST / Fashion-MNIST
    recurrent-network tutorials use. Accepted inputs:

    * ``(n, H * W)`` flat images: square images are inferred (784 -> 28 x 28), other
      sizes need ``image_shape``;
    * ``(n, H, W)`` grey-scale images;
    * ``(n, H, W, C)`` channels-last images.

    The output is ``(n, H, W * C)`` float32 (``(n, W, H * C)`` with ``order="columns"``).
    The transformer is stateless: it learns nothing in ``fit`` and can transform without
    being fitted. Pixel values are not rescaled (divide ``uint8`` images by 255 first if
    you want them in ``[0, 1]``).

    Parameters
    ----------
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(H, W, C)``; one entry may be ``-1``, inferred as in
        ``numpy.reshape``. Needed to read flat rows that are not square images; for 3-D
        and 4-D input it is checked against the shape of ``X``. ``image_shape=(-1, 1)``
        reads a flat row of ``F`` values as ``F`` time steps of one feature.
    order : {"rows", "columns"}, default="rows"
        ``"rows"``: time step ``t`` is image row ``t``. ``"columns"``: time step ``t`` is
        image column ``t`` (``(n, W, H * C)`` output).

    Attributes
    ----------
    n_features_in_ : int
        ``X.shape[1]`` of the data seen in ``fit`` (pixels per image for flat input,
        image height for 3-D / 4-D input). Only set by ``fit``.
    feature_names_in_ : ndarray of str
        Column names, when ``fit`` saw a DataFrame with string column names.

    See Also
    --------
    PadSequences : the equivalent step for token sequences.

    Notes
    -----
    When ``X`` is already a C-contiguous float32 array the output is a view of ``X``
    (no copy) for ``order="rows"``, and for ``order="columns"`` with one channel;
    otherwise one float32 copy is made.

    The output is 3-D, so the tags declare ``three_d_array`` (3-D and 4-D input) and
    ``preserves_dtype=["float32"]``; ``requires_fit`` is False. scikit-learn's generic
    estimator checks feed 2-D arrays of 2, 3, 5 or 10 columns, which are not square
    images: with the default ``image_shape=None``, every check that transforms such
    data gets this transformer's "not a square image" ``ValueError``, by design.
    ``RowSequence(image_shape=(-1, 1))``, which reads any row width, passes every check.

    Examples
    --------
    >>> import numpy as np
    >>> from lstm_forecast.sequences import RowSequence
    >>> X = np.arange(2 * 16, dtype=np.float32).reshape(2, 16)  # two flat 4x4 images
    >>> Xt = RowSequence().fit_transform(X)
    >>> Xt.shape
    (2, 4, 4)
    >>> Xt[0, 1]  # second time step = second image row
    array([4., 5., 6., 7.], dtype=float32)
    >>> np.shares_memory(X, Xt)
    True
    >>> RowSequence(image_shape=(2, 8)).fit_transform(X).shape
    (2, 2, 8)
    >>> RowSequence(order="columns").fit_transform(X)[0, 1]  # second image column
    array([ 1.,  5.,  9., 13.], dtype=float32)
    >>> RowSequence().fit_transform(np.zeros((3, 28, 28, 3), dtype=np.uint8)).shape
    (3, 28, 84)
    """

    _parameter_constraints: dict = {
        "image_shape": [tuple, list, None],  # its entries: _check_image_shape
        "order": [StrOptions({"rows", "columns"})],
    }

    def __init__(self, *, image_shape: tuple[int, ...] | list[int] | None = None,
                 order: Literal["rows", "columns"] = "rows") -> None:
        self.image_shape = image_shape
        self.order = order

    def _validate(self, X, *, reset):
        if not reset:
            self._validate_params()  # the transformer needs no fit, so transform checks too
        image_shape = _check_image_shape(self.image_shape)
        X = numeric(functools.partial(validate_data, self), X, reset=reset, dtype=np.float32,
                     allow_nd=True, ensure_2d=False)
        if not 2 <= X.ndim <= 4:
            raise ValueError(
                "RowSequence expects images of shape (n, H*W), (n, H, W) or (n, H, W, C); "
                f"got an array of shape {X.shape}. Reshape your data, e.g. with "
                "X.reshape(1, -1) for a single flat image."
            )
        if reset:
            self.n_features_in_ = X.shape[1]
        elif hasattr(self, "n_features_in_") and X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but RowSequence is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X, image_shape

    @validated_fit
    def fit(self, X: ArrayLike, y: object = None) -> RowSequence:
        """Check the parameters and that ``X`` is a 2-D to 4-D array; nothing is learned.

        Whether the rows of a 2-D ``X`` can be read as images (square, or matching
        ``image_shape``) is checked by ``transform``, as for any stateless transformer.

        Parameters
        ----------
        X : array-like of shape (n, H*W), (n, H, W) or (n, H, W, C)
            Images.
        y : None
            Ignored.

        Returns
        -------
        self : RowSequence
            This transformer.
        """
        self._validate(X, reset=True)
        return self

    def transform(self, X: ArrayLike) -> NDArray[np.float32]:
        """Turn images into sequences of rows (or columns).

        Parameters
        ----------
        X : array-like of shape (n, H*W), (n, H, W) or (n, H, W, C)
            Images.

        Returns
        -------
        Xt : ndarray of shape (n, H, W*C), or (n, W, H*C) with ``order="columns"``
            float32 sequences; a view of ``X`` when no copy is needed.
        """
        X, image_shape = self._validate(X, reset=False)
        images = self._images(X, image_shape)
        n, h, w, c = images.shape
        if self.order == "rows":
            return images.reshape(n, h, w * c)
        return images.transpose(0, 2, 1, 3).reshape(n, w, h * c)

    @staticmethod
    def _images(X, image_shape):
        """Return ``X`` as a ``(n, H, W, C)`` array (a view of ``X``)."""
        n = X.shape[0]
        if X.ndim == 2:
            n_pixels = X.shape[1]
            if image_shape is None:
                side = math.isqrt(n_pixels)
                if side * side != n_pixels:
                    raise ValueError(
                        f"X has {n_pixels} values per row, which is not a square image; "
                        "pass image_shape=(H, W) or (H, W, C) to say how to read it."
                    )
                shape = (side, side, 1)
            else:
                shape = _resolve_flat_shape(image_shape, n_pixels)
                if shape is None:
                    raise ValueError(
                        f"image_shape={image_shape} cannot read rows of {n_pixels} values."
                    )
            return X.reshape(n, *shape)
        images = X if X.ndim == 4 else X[..., np.newaxis]
        if image_shape is not None:
            expected = image_shape if len(image_shape) == 3 else (*image_shape, -1)
            if not all(e in (-1, s) for e, s in zip(expected, images.shape[1:], strict=True)):
                raise ValueError(
                    f"image_shape={image_shape} does not match the images in X, "
                    f"of shape {X.shape[1:]}."
                )
        return images

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


# ----------------------------------------------------------------------------- padding
_PAD_CHOICES = ("pre", "post")


def _check_pad_params(maxlen, padding, truncating, value, dtype):
    """Validate the padding parameters; return ``(maxlen, dtype)`` normalised."""
    maxlen = check_int(maxlen, "maxlen", minimum=1, allow_none=True)
    check_option(padding, "padding", _PAD_CHOICES)
    check_option(truncating, "truncating", _PAD_CHOICES)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a numpy integer or float dtype; got {dtype!r}.") from None
    if dtype.kind not in "iuf":
        raise TypeError(f"dtype must be a numpy integer or float dtype; got {dtype!r}.")
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"value must be a number; got {value!r}.")
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"value must be an integer for dtype={dtype}; got {value!r}.")
        if not info.min <= value <= info.max:
            raise ValueError(
                f"value={value!r} does not fit in dtype={dtype} (range {info.min} to {info.max})."
            )
    return maxlen, dtype


def _token_arrays(sequences):
    """Read ``sequences`` into one flat token array and the length of each sequence.

    Returns
    -------
    flat : ndarray of shape (sum(lengths),)
        All tokens, sequence after sequence (integer or integral float dtype).
    lengths : ndarray of int64 of shape (n_sequences,)
    """
    if sequences is None or isinstance(sequences, (str, bytes, dict)):
        raise TypeError(
            f"sequences must be a list of sequences of token ids; got {type(sequences).__name__}."
        )
    if hasattr(sequences, "to_numpy") and getattr(sequences, "ndim", 1) == 2:
        sequences = sequences.to_numpy()  # DataFrame: one sequence per row
    if isinstance(sequences, np.ndarray) and sequences.dtype != object:
        if sequences.ndim != 2:
            raise ValueError(
                "sequences must be a list of sequences (or a 2-D array, one sequence per "
                f"row); got an array of shape {sequences.shape}."
            )
        if sequences.shape[0] == 0:
            raise ValueError("sequences is empty: expected at least one sequence.")
        lengths = np.full(sequences.shape[0], sequences.shape[1], dtype=np.int64)
        return _check_tokens(np.ascontiguousarray(sequences).reshape(-1)), lengths
    try:
        seqs = list(sequences)
    except TypeError:
        raise TypeError(
            f"sequences must be a list of sequences of token ids; got {type(sequences).__name__}."
        ) from None
    if not seqs:
        raise ValueError("sequences is empty: expected at least one sequence.")
    arrays = []
    lengths = np.empty(len(seqs), dtype=np.int64)
    for i, seq in enumerate(seqs):
        if isinstance(seq, (str, bytes)):
            raise TypeError(
                f"sequences[{i}] is a string; expected a sequence of integer token ids."
            )
        arr = np.asarray(seq)
        if arr.ndim != 1:
            if arr.ndim == 0:
                raise TypeError(
                    f"sequences[{i}] is not a sequence ({seq!r}); expected a list of "
                    "sequences of token ids (wrap a single sequence in a list)."
                )
            raise ValueError(
                f"sequences[{i}] has shape {arr.shape}; expected a 1-D sequence of token ids."
            )
        lengths[i] = arr.shape[0]
        if arr.shape[0]:
            arrays.append(arr)
    flat = np.concatenate(arrays) if arrays else np.empty(0, dtype=np.int64)
    return _check_tokens(flat), lengths


def _check_tokens(flat):
    """Raise a TypeError unless every token is an integer (integral floats accepted)."""
    kind = flat.dtype.kind
    if kind in "iu":
        return flat
    if kind == "f" and bool(np.all(np.isfinite(flat))) and bool(np.all(flat == np.round(flat))):
        return flat
    if kind == "f":
        bad = flat[~np.isfinite(flat) | (flat != np.round(flat))][0]
        raise TypeError(f"token ids must be integers; found {float(bad)!r}.")
    raise TypeError(f"token ids must be integers; found values of dtype {flat.dtype}.")


def _pad(flat, lengths, maxlen, padding, truncating, value, dtype):
    """Vectorised padding: one fancy-indexed assignment for all sequences."""
    n = lengths.shape[0]
    if dtype.kind in "iu" and flat.size:
        info = np.iinfo(dtype)
        lo, hi = flat.min(), flat.max()
        if lo < info.min or hi > info.max:
            raise ValueError(
                f"token ids range from {lo} to {hi}, which does not fit in dtype={dtype}."
            )
    if dtype.kind == "f" and flat.size:
        exact = 2 ** (np.finfo(dtype).nmant + 1)  # beyond it, neighbouring ids become equal
        largest = max(abs(float(flat.min())), abs(float(flat.max())))
        if largest > exact:
            raise ValueError(
                f"token ids up to {largest:.0f} are not exact in dtype={dtype} (exact up to "
                f"{exact}); use an integer dtype such as 'int32'."
            )
    kept = np.minimum(lengths, maxlen)
    starts = np.cumsum(lengths) - lengths  # offset of each sequence in `flat`
    src_start = starts + (lengths - kept if truncating == "pre" else 0)
    dst_start = maxlen - kept if padding == "pre" else np.zeros(n, dtype=np.int64)
    out = np.full((n, maxlen), value, dtype=dtype)
    total = int(kept.sum())
    if total:
        # position of every kept token inside its own kept run: 0, 1, ..., kept_i - 1
        run = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(kept) - kept, kept)
        rows = np.repeat(np.arange(n), kept)
        out[rows, np.repeat(dst_start, kept) + run] = flat[np.repeat(src_start, kept) + run]
    return out


def pad_sequences(sequences: ArrayLike, maxlen: int | None = None, dtype: DTypeLike = "int32",
                  padding: PadSide = "pre", truncating: PadSide = "pre",
                  value: float = 0) -> NDArray[Any]:
    """Pad (or truncate) sequences of token ids to the same length.

    Same semantics as Keras' ``pad_sequences``: sequences shorter than ``maxlen`` are
    filled with ``value``, longer ones are cut, at the start (``"pre"``, the default) or
    at the end (``"post"``).

    Parameters
    ----------
    sequences : list of list of int, or list of 1-D arrays, or 2-D array
        One sequence of token ids per sample (a 2-D array or DataFrame is read one
        sequence per row). Empty sequences give a row of ``value``.
    maxlen : int, default=None
        Length of the output sequences; ``None`` uses the longest sequence.
    dtype : str or numpy dtype, default="int32"
        Integer (or float) dtype of the output.
    padding : {"pre", "post"}, default="pre"
        Add ``value`` before (``"pre"``) or after (``"post"``) short sequences.
    truncating : {"pre", "post"}, default="pre"
        Drop the first (``"pre"``) or the last (``"post"``) tokens of long sequences.
    value : int or float, default=0
        The padding value.

    Returns
    -------
    padded : ndarray of shape (n_sequences, maxlen)

    Raises
    ------
    ValueError
        If ``sequences`` is empty, ``maxlen`` is not positive, ``padding`` or
        ``truncating`` is not ``"pre"``/``"post"``, every sequence is empty while
        ``maxlen`` is None, or a token does not fit in ``dtype``.
    TypeError
        If a token is not an integer or an element of ``sequences`` is not a sequence.

    Notes
    -----
    Unlike Keras, which returns a ``(n, 0)`` array when every sequence is empty and
    ``maxlen`` is None, this raises a ``ValueError``: zero time steps cannot feed a
    recurrent network. Tokens must be integers (floats with integral values are
    accepted) and each sequence 1-D.

    Examples
    --------
    >>> from lstm_forecast.sequences import pad_sequences
    >>> seqs = [[1], [2, 3], [4, 5, 6]]
    >>> pad_sequences(seqs)
    array([[0, 0, 1],
           [0, 2, 3],
           [4, 5, 6]], dtype=int32)
    >>> pad_sequences(seqs, padding="post", value=-1)
    array([[ 1, -1, -1],
           [ 2,  3, -1],
           [ 4,  5,  6]], dtype=int32)
    >>> pad_sequences(seqs, maxlen=2)
    array([[0, 1],
           [2, 3],
           [5, 6]], dtype=int32)
    >>> pad_sequences(seqs, maxlen=2, truncating="post")
    array([[0, 1],
           [2, 3],
           [4, 5]], dtype=int32)
    """
    maxlen, dtype = _check_pad_params(maxlen, padding, truncating, value, dtype)
    flat, lengths = _token_arrays(sequences)
    if maxlen is None:
        maxlen = _longest(lengths)
    return _pad(flat, lengths, maxlen, padding, truncating, value, dtype)


def _longest(lengths):
    longest = int(lengths.max())
    if longest == 0:
        raise ValueError("every sequence is empty; pass maxlen to say how long the output is.")
    return longest


class PadSequences(TransformerMixin, BaseEstimator):
    """Pad lists of token ids to a rectangular ``(n, maxlen)`` integer array.

    A scikit-learn transformer around :func:`pad_sequences` (Keras ``pad_sequences``
    semantics: pre-padding and pre-truncating by default), for pipelines such as
    ``make_pipeline(PadSequences(maxlen=500), LSTMClassifier(vocab_size=10_000))``.

    Parameters
    ----------
    maxlen : int, default=None
        Length of the output sequences. ``None`` learns it in ``fit`` from the longest
        training sequence (``maxlen_``), so that ``transform`` gives the same width on
        new data (longer sequences are truncated).
    padding : {"pre", "post"}, default="pre"
        Add ``value`` before (``"pre"``) or after (``"post"``) short sequences.
    truncating : {"pre", "post"}, default="pre"
        Drop the first (``"pre"``) or the last (``"post"``) tokens of long sequences.
    value : int or float, default=0
        The padding value.
    dtype : str or numpy dtype, default="int32"
        Integer (or float) dtype of the output.

    Attributes
    ----------
    maxlen_ : int
        The output length: ``maxlen``, or the longest sequence seen in ``fit``.

    See Also
    --------
    pad_sequences : the same operation as a function.
    RowSequence : the equivalent step for images.

    Notes
    -----
    The input is a ragged list of integer sequences, not a 2-D table of float features,
    so the transformer declares ``two_d_array=False`` in its tags and sets no
    ``n_features_in_``: scikit-learn's generic estimator checks (which feed 2-D float
    data) do not apply to it. A 2-D integer array is accepted and read one sequence
    per row.

    Examples
    --------
    >>> from lstm_forecast.sequences import PadSequences
    >>> pad = PadSequences().fit([[1, 2, 3], [4, 5]])
    >>> pad.maxlen_
    3
    >>> pad.transform([[7], [1, 2, 3, 4, 5]])
    array([[0, 0, 7],
           [3, 4, 5]], dtype=int32)
    >>> PadSequences(maxlen=4, padding="post").fit_transform([[1, 2], [3]])
    array([[1, 2, 0, 0],
           [3, 0, 0, 0]], dtype=int32)
    """

    _parameter_constraints: dict = {
        "maxlen": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "padding": [StrOptions(set(_PAD_CHOICES))],
        "truncating": [StrOptions(set(_PAD_CHOICES))],
        "value": [numbers.Real],  # and it must fit dtype: _check_pad_params
        "dtype": "no_validation",  # a NumPy dtype or its name: _check_pad_params
    }

    def __init__(self, *, maxlen: int | None = None, padding: PadSide = "pre",
                 truncating: PadSide = "pre", value: float = 0, dtype: DTypeLike = "int32") -> None:
        self.maxlen = maxlen
        self.padding = padding
        self.truncating = truncating
        self.value = value
        self.dtype = dtype

    def _params(self):
        return _check_pad_params(self.maxlen, self.padding, self.truncating, self.value, self.dtype)

    @validated_fit
    def fit(self, X: ArrayLike, y: object = None) -> PadSequences:
        """Check the parameters and learn ``maxlen_``.

        Parameters
        ----------
        X : list of sequences of int, or 2-D integer array
            Token-id sequences.
        y : None
            Ignored.

        Returns
        -------
        self : PadSequences
            This transformer.
        """
        self._fit(X)
        return self

    def _fit(self, X):
        maxlen, dtype = self._params()
        flat, lengths = _token_arrays(X)
        self.maxlen_ = maxlen if maxlen is not None else _longest(lengths)
        return flat, lengths, dtype

    @validated_fit
    def fit_transform(self, X: ArrayLike, y: object = None, **fit_params: object) -> NDArray[Any]:
        """Learn ``maxlen_`` and pad ``X`` (reads ``X`` once).

        Parameters
        ----------
        X : list of sequences of int, or 2-D integer array
            Token-id sequences.
        y : None
            Ignored.
        **fit_params : dict
            Ignored.

        Returns
        -------
        Xt : ndarray of shape (n_sequences, maxlen_)
            The padded sequences.
        """
        flat, lengths, dtype = self._fit(X)
        return _pad(flat, lengths, self.maxlen_, self.padding, self.truncating, self.value, dtype)

    def transform(self, X: ArrayLike) -> NDArray[Any]:
        """Pad or truncate every sequence to ``maxlen_`` tokens.

        Parameters
        ----------
        X : list of sequences of int, or 2-D integer array
            Token-id sequences.

        Returns
        -------
        Xt : ndarray of shape (n_sequences, maxlen_)
            The padded sequences.
        """
        check_is_fitted(self, "maxlen_")
        _, dtype = self._params()
        flat, lengths = _token_arrays(X)
        return _pad(flat, lengths, self.maxlen_, self.padding, self.truncating, self.value, dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.transformer_tags.preserves_dtype = []
        return tags
