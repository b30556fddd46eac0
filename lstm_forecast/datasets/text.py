"""The IMDB movie-review sentiment data set (tutorial S2), as Keras distributes it.

:func:`load_imdb` mirrors ``keras.datasets.imdb.load_data``: the same file
(``imdb.npz``), the same shuffling, the same ``num_words`` / ``skip_top`` /
``start_char`` / ``oov_char`` / ``index_from`` conventions, so a Keras tutorial's
numbers carry over. Pad the reviews with :class:`lstm_forecast.sequences.PadSequences`.

``imdb.npz`` stores its reviews as pickled object arrays, and unpickling can run code.
The file is therefore read into memory and checked against the SHA-256 Keras publishes
for it before :func:`numpy.load` is allowed to unpickle it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re

import numpy as np
from numpy.typing import NDArray

from .._typing import PathLike
from .._validation import check_int
from ._download import ChecksumError, fetch_file

__all__ = ["IMDB_SHA256", "get_imdb_word_index", "load_imdb"]

IMDB_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz"
#: SHA-256 of ``imdb.npz``, as checked by ``keras.datasets.imdb.load_data``.
IMDB_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
IMDB_WORD_INDEX_URL = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json"
)
_IMDB_WORD_INDEX_MD5 = "bfafd718b763782e994055a2d397834f"  # as checked by Keras
_KEYS = ("x_train", "y_train", "x_test", "y_test")


def _check_sha256(sha256):
    if not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", sha256):
        raise ValueError(
            "sha256 must be the 64-hex-digit SHA-256 of the imdb.npz file to trust "
            f"(default: the published one); got {sha256!r}. The file holds pickled "
            "objects, so it is never loaded without this check."
        )
    return sha256.lower()


def _read_verified_npz(path, sha256):
    """Read ``path`` once, check the bytes' SHA-256, and only then unpickle them."""
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != sha256:
        raise ChecksumError(
            f"{path} has SHA-256 {digest}, expected {sha256}: refusing to unpickle it. "
            "Delete the file to download it again."
        )
    with np.load(io.BytesIO(raw), allow_pickle=True) as f:
        missing = [key for key in _KEYS if key not in f.files]
        if missing:
            raise ValueError(f"{path} has no {', '.join(missing)} array(s).")
        return tuple(f[key] for key in _KEYS)


def _flatten(sequences):
    """One flat int64 array of all tokens and the length of each sequence."""
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.int64, count=len(sequences))
    parts = [np.asarray(s, dtype=np.int64) for s in sequences if len(s)]
    flat = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    return flat, lengths


def _to_object_array(flat, lengths):
    """Split ``flat`` into an object array of 1-D int arrays (views) of ``lengths``."""
    out = np.empty(len(lengths), dtype=object)
    out[:] = np.split(flat, np.cumsum(lengths)[:-1]) if len(lengths) else []
    return out


def load_imdb(
    data_home: PathLike | None = None,
    *,
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    seed: int = 113,
    download: bool = True,
    sha256: str = IMDB_SHA256,
) -> tuple[tuple[NDArray[np.object_], NDArray[np.int64]], tuple[NDArray[np.object_], NDArray[np.int64]]]:
    """Load the IMDB reviews as sequences of word indices, like Keras does.

    25,000 training and 25,000 test movie reviews labelled positive (1) or negative
    (0). Each review is a list of word indices; word ``i`` (1 = most frequent word of
    the training set) is coded ``i + index_from``, so that 0 (padding),
    ``start_char`` and ``oov_char`` stay free.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache directory; ``None`` uses ``$LSTM_FORECAST_DATA`` or
        ``~/.cache/lstm_forecast``. The file is ``imdb/imdb.npz`` in it; put it there
        by hand on a machine without internet access.
    num_words : int, default=None
        Keep codes below ``num_words`` (with the default ``index_from=3``, the
        ``num_words - 3`` most frequent words); others become ``oov_char``.
        ``None`` keeps every word.
    skip_top : int, default=0
        Codes below ``skip_top`` become ``oov_char`` too (as in Keras, the comparison
        is made on the shifted codes, ``start_char`` included).
    maxlen : int, default=None
        Drop (not truncate) the reviews of ``maxlen`` codes or more, counting
        ``start_char``. ``None`` keeps all.
    start_char : int or None, default=1
        Code put at the start of every review; ``None`` puts none.
    oov_char : int or None, default=2
        Code of the words cut by ``num_words`` / ``skip_top``; ``None`` removes them.
    index_from : int, default=3
        Offset added to every word index.
    seed : int, default=113
        Seed of the shuffling (Keras' default: the same order as Keras).
    download : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading a missing file.
    sha256 : str, default=IMDB_SHA256
        Expected SHA-256 of ``imdb.npz``. The file is unpickled only when it matches;
        pass the hash of your own copy to load another file of the same layout.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples
        ``x_*`` are object arrays of 1-D int32 arrays (int64 if the codes need it),
        one per review; ``y_*`` are int64 arrays of 0/1 labels.

    Raises
    ------
    DownloadError
        (a ``ConnectionError``) if the file is missing and cannot be downloaded.
    ChecksumError
        (a ``ValueError``) if the file does not match ``sha256``.
    ValueError
        If ``maxlen`` leaves no review in a split, or a parameter is invalid.

    Notes
    -----
    The semantics are those of ``keras.datasets.imdb.load_data`` (Keras 3), with one
    difference: with ``num_words=None`` Keras' code maps the single largest code to
    ``oov_char`` (it keeps codes ``< max``), while its documentation says every word is
    kept; here every word is kept. ``maxlen`` removes long reviews, as in Keras; to cut
    reviews to a length instead, load with ``maxlen=None`` and use
    :func:`lstm_forecast.sequences.pad_sequences`.

    Examples
    --------
    >>> from lstm_forecast.datasets.text import load_imdb
    >>> (x_train, y_train), (x_test, y_test) = load_imdb(num_words=10_000)  # doctest: +SKIP
    >>> len(x_train), x_train[0][:3], y_train[:3]  # doctest: +SKIP
    (25000, array([   1,   13, 8156], dtype=int32), array([0, 0, 0]))
    """
    num_words = check_int(num_words, "num_words", minimum=1, allow_none=True)
    skip_top = check_int(skip_top, "skip_top", minimum=0)
    maxlen = check_int(maxlen, "maxlen", minimum=1, allow_none=True)
    start_char = check_int(start_char, "start_char", minimum=0, allow_none=True)
    oov_char = check_int(oov_char, "oov_char", minimum=0, allow_none=True)
    index_from = check_int(index_from, "index_from", minimum=0)
    seed = check_int(seed, "seed", minimum=0)
    sha256 = _check_sha256(sha256)

    path = fetch_file(
        "imdb.npz", IMDB_URL, data_home=data_home, subdir="imdb", sha256=sha256, download=download
    )
    x_train, y_train, x_test, y_test = _read_verified_npz(path, sha256)

    # the same shuffles as Keras: one RandomState, the training split first
    rng = np.random.RandomState(seed)
    order = np.arange(len(x_train))
    rng.shuffle(order)
    x_train, y_train = x_train[order], np.asarray(y_train)[order]
    order = np.arange(len(x_test))
    rng.shuffle(order)
    x_test, y_test = x_test[order], np.asarray(y_test)[order]

    n_train = len(x_train)
    flat, lengths = _flatten(list(x_train) + list(x_test))
    labels = np.concatenate([y_train, y_test]).astype(np.int64)
    flat += index_from
    if start_char is not None:
        flat = np.insert(flat, np.cumsum(lengths) - lengths, start_char)
        lengths = lengths + 1

    if maxlen is not None:
        keep = lengths < maxlen
        if not keep[:n_train].any() or not keep[n_train:].any():
            raise ValueError(
                f"After dropping the reviews of maxlen={maxlen} codes or more, "
                "no review was kept in a split. Increase maxlen."
            )
        flat = flat[np.repeat(keep, lengths)]
        lengths, labels = lengths[keep], labels[keep]
        n_train = int(keep[:n_train].sum())

    in_vocabulary = flat >= skip_top
    if num_words is not None:
        in_vocabulary &= flat < num_words
    if oov_char is not None:
        flat = np.where(in_vocabulary, flat, oov_char)
    else:
        owner = np.repeat(np.arange(len(lengths)), lengths)
        flat = flat[in_vocabulary]
        lengths = np.bincount(owner[in_vocabulary], minlength=len(lengths))

    if flat.size == 0 or flat.max() <= np.iinfo(np.int32).max:
        flat = flat.astype(np.int32)
    train_end = int(lengths[:n_train].sum())
    x_train = _to_object_array(flat[:train_end], lengths[:n_train])
    x_test = _to_object_array(flat[train_end:], lengths[n_train:])
    return (x_train, labels[:n_train]), (x_test, labels[n_train:])


def get_imdb_word_index(data_home: PathLike | None = None, *, download: bool = True) -> dict[str, int]:
    """The word -> index dictionary of the IMDB data set (Keras' ``get_word_index``).

    Indices are frequency ranks (1 = most frequent word), *before* the ``index_from``
    shift of :func:`load_imdb`: the code of word ``w`` in a review loaded with the
    defaults is ``word_index[w] + 3``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache directory (file ``imdb/imdb_word_index.json``), see :func:`load_imdb`.
    download : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading a missing file.

    Returns
    -------
    word_index : dict of str to int
        Index of each word.

    Examples
    --------
    >>> from lstm_forecast.datasets.text import get_imdb_word_index
    >>> word_index = get_imdb_word_index()  # doctest: +SKIP
    >>> word_index["the"]  # doctest: +SKIP
    1
    """
    path = fetch_file(
        "imdb_word_index.json",
        IMDB_WORD_INDEX_URL,
        data_home=data_home,
        subdir="imdb",
        md5=_IMDB_WORD_INDEX_MD5,
        download=download,
    )
    try:
        with open(path, encoding="utf-8") as f:
            word_index = json.load(f)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON ({exc}); delete it and load again.") from exc
    if not isinstance(word_index, dict):
        raise ValueError(f"{path} does not hold a word -> index mapping.")
    return word_index
