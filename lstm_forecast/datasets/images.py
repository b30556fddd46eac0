"""Image data sets for the "read an image row by row" tutorials.

* :func:`load_mnist` and :func:`load_fashion_mnist` download (once) and parse the
  standard IDX files (``train-images-idx3-ubyte.gz`` ...);
* :func:`load_mnist_csv_zip` reads the zip of CSV files used by tutorial S0;
* :func:`load_digits_rows` returns scikit-learn's bundled 8x8 digits, for examples that
  must run offline;
* :func:`read_idx` parses any IDX file.

Turn the images into sequences with :class:`lstm_forecast.sequences.RowSequence`.
"""

from __future__ import annotations

import gzip
import math
import numbers
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal

import numpy as np
from numpy.typing import NDArray

from .._typing import PathLike
from ._download import fetch_file

__all__ = [
    "load_digits_rows",
    "load_fashion_mnist",
    "load_mnist",
    "load_mnist_csv_zip",
    "read_idx",
]

MNIST_URLS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
FASHION_MNIST_URLS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
# MD5 of the published files (the same values torchvision checks).
_MD5 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion_mnist": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}

IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension

# IDX type codes (third byte of the magic number) -> big-endian numpy dtype
_IDX_DTYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


# ----------------------------------------------------------------------------- IDX files


def _read_bytes(path):
    path = Path(path)
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(
            f"{path} is not a valid gzip file ({exc}); it is corrupt or partially "
            "downloaded. Delete it and load again."
        ) from exc


def read_idx(path: PathLike, *, magic: int | None = None) -> NDArray[Any]:
    """Read an IDX file (the MNIST format), gzip-compressed or not.

    An IDX file is a big-endian header (a magic number whose third byte is the data type
    and whose fourth byte is the number of dimensions, then one 32-bit size per
    dimension) followed by the data.

    Parameters
    ----------
    path : str or path-like
        The file; ``.gz`` files are decompressed.
    magic : int, default=None
        The magic number the file must have (2051 for MNIST images, 2049 for labels).

    Returns
    -------
    data : ndarray
        The array, in native byte order, with the shape given in the header.

    Raises
    ------
    ValueError
        If the file is not a valid IDX file, has another magic number, or its size
        does not match its header.

    Examples
    --------
    >>> import gzip, os, struct, tempfile
    >>> import numpy as np
    >>> from lstm_forecast.datasets.images import read_idx
    >>> labels = np.array([5, 0, 4], dtype=np.uint8)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "labels-idx1-ubyte.gz")
    ...     with gzip.open(path, "wb") as f:
    ...         _ = f.write(struct.pack(">II", 2049, 3) + labels.tobytes())
    ...     read_idx(path, magic=2049)
    array([5, 0, 4], dtype=uint8)
    """
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(f"{path} is not an IDX file: only {len(raw)} bytes.")
    file_magic = int.from_bytes(raw[:4], "big")
    if magic is not None and file_magic != magic:
        raise ValueError(
            f"{path} has magic number {file_magic}, expected {magic}: "
            "it is not the right IDX file, or it is corrupt."
        )
    zero, type_code, ndim = file_magic >> 16, (file_magic >> 8) & 0xFF, file_magic & 0xFF
    if zero != 0 or type_code not in _IDX_DTYPES:
        raise ValueError(f"{path} is not an IDX file (magic number {file_magic}).")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path} is truncated: its header needs {header} bytes.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = _IDX_DTYPES[type_code]
    expected = header + math.prod(shape) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"{path} is corrupt: its header announces shape {shape} ({expected} bytes), "
            f"the file has {len(raw)} bytes."
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=False)


def _check_kind(kind):
    if kind not in _FILES:
        raise ValueError(f'kind must be "train" or "test"; got {kind!r}.')


def _load_idx_dataset(name, urls, data_home, kind, download):
    _check_kind(kind)
    images_file, labels_file = _FILES[kind]
    paths = [
        fetch_file(
            filename,
            [base + filename for base in urls],
            data_home=data_home,
            subdir=name,
            md5=_MD5[name].get(filename),
            download=download,
        )
        for filename in (images_file, labels_file)
    ]
    X = read_idx(paths[0], magic=IMAGES_MAGIC)
    y = read_idx(paths[1], magic=LABELS_MAGIC).astype(np.int64)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{paths[0]} holds {X.shape[0]} images but {paths[1]} holds {y.shape[0]} "
            "labels; one of the files is corrupt."
        )
    return X, y


def load_mnist(data_home: PathLike | None = None, *, kind: Literal["train", "test"] = "train",
               download: bool = True) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Load the MNIST hand-written digits (downloaded once, then cached).

    60,000 training and 10,000 test grey-scale images of 28x28 pixels, labels 0-9,
    from the standard IDX files (mirror: ``storage.googleapis.com/cvdf-datasets``,
    then ``ossci-datasets.s3.amazonaws.com``), checked against their published MD5.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache directory; ``None`` uses ``$LSTM_FORECAST_DATA`` or
        ``~/.cache/lstm_forecast``. The files go to its ``mnist/`` sub-directory; put
        them there by hand on a machine without internet access.
    kind : {"train", "test"}, default="train"
        Which split.
    download : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading a missing file.

    Returns
    -------
    X : ndarray of uint8 of shape (n_images, 28, 28)
        Pixel values 0-255.
    y : ndarray of int64 of shape (n_images,)
        Digit labels 0-9.

    Raises
    ------
    DownloadError
        (a ``ConnectionError``) if a file is missing and cannot be downloaded.
    ValueError
        If a cached file is corrupt.

    See Also
    --------
    lstm_forecast.sequences.RowSequence : read each image as 28 time steps.
    load_digits_rows : a small offline alternative.

    Examples
    --------
    >>> from lstm_forecast.datasets.images import load_mnist
    >>> X, y = load_mnist(kind="test")  # doctest: +SKIP
    >>> X.shape, X.dtype, y[:5]  # doctest: +SKIP
    ((10000, 28, 28), dtype('uint8'), array([7, 2, 1, 0, 4]))
    """
    return _load_idx_dataset("mnist", MNIST_URLS, data_home, kind, download)


def load_fashion_mnist(data_home: PathLike | None = None, *, kind: Literal["train", "test"] = "train",
                       download: bool = True) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Load Fashion-MNIST (Zalando article images; downloaded once, then cached).

    60,000 training and 10,000 test grey-scale images of 28x28 pixels in 10 classes
    (0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
    7 Sneaker, 8 Bag, 9 Ankle boot), in the same IDX format as MNIST, checked
    against their published MD5.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Cache directory; ``None`` uses ``$LSTM_FORECAST_DATA`` or
        ``~/.cache/lstm_forecast``. The files go to its ``fashion_mnist/``
        sub-directory; put them there by hand on a machine without internet access.
    kind : {"train", "test"}, default="train"
        Which split.
    download : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading a missing file.

    Returns
    -------
    X : ndarray of uint8 of shape (n_images, 28, 28)
        Pixel values 0-255.
    y : ndarray of int64 of shape (n_images,)
        Class labels 0-9.

    Raises
    ------
    DownloadError
        (a ``ConnectionError``) if a file is missing and cannot be downloaded.
    ValueError
        If a cached file is corrupt.

    Examples
    --------
    >>> from lstm_forecast.datasets.images import load_fashion_mnist
    >>> X, y = load_fashion_mnist(kind="test")  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (10000, 28, 28)
    """
    return _load_idx_dataset("fashion_mnist", FASHION_MNIST_URLS, data_home, kind, download)


# ----------------------------------------------------------------------------- CSV in zip


def _has_header(first_line):
    """True when the first CSV line is not made of numbers."""
    for cell in first_line.strip().split(","):
        try:
            float(cell)
        except ValueError:
            return True
    return False


def _read_csv_matrix(zf, member):
    import pandas as pd

    with zf.open(member) as raw:
        first = raw.readline().decode("utf-8", errors="replace")
    if not first.strip():
        raise ValueError(f"{member} in the zip is empty.")
    try:
        with zf.open(member) as raw:  # opened again: stream the file, never hold its text
            frame = pd.read_csv(
                raw, header=None, skiprows=int(_has_header(first)), dtype=np.float32
            )
    except (ValueError, pd.errors.ParserError) as exc:
        raise ValueError(f"{member} in the zip is not a CSV file of numbers: {exc}") from exc
    values = frame.to_numpy()
    if np.isnan(values).any():
        row = int(np.flatnonzero(np.isnan(values).any(axis=1))[0])
        raise ValueError(f"{member} in the zip has a missing value (data row {row}).")
    return values


def _labels_from(matrix, member):
    """Integer labels from one-hot rows (or from a single column of integers)."""
    if matrix.shape[1] == 1:
        labels = matrix[:, 0]
        if not np.array_equal(labels, np.round(labels)):
            raise ValueError(f"{member} in the zip: labels must be integers.")
        return labels.astype(np.int64)
    one_hot = np.isin(matrix, (0.0, 1.0)).all(axis=1) & (matrix.sum(axis=1) == 1)
    if not one_hot.all():
        row = int(np.flatnonzero(~one_hot)[0])
        raise ValueError(
            f"{member} in the zip: row {row} is not one-hot (one 1, the rest 0): "
            f"{matrix[row].tolist()}."
        )
    return matrix.argmax(axis=1).astype(np.int64)


def load_mnist_csv_zip(
    path: PathLike | IO[bytes], *, kind: Literal["train", "test"] = "train",
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Read MNIST from a zip of CSV files (the layout of tutorial S0).

    The zip holds ``mnist_train_images.csv`` (one flattened image per row, comma
    separated numbers), ``mnist_train_labels.csv`` (one one-hot row per image) and the
    test counterparts ``mnist_test_images.csv`` / ``mnist_test_labels.csv``. The files
    may sit in a folder inside the zip and may have a header line. A label file with a
    single column of integers is accepted too.

    Parameters
    ----------
    path : str, path-like or binary file object
        The zip file.
    kind : {"train", "test"}, default="train"
        Which pair of files to read.

    Returns
    -------
    X : ndarray of float32 of shape (n_images, n_pixels)
        One flattened image per row (784 values for MNIST), as stored.
    y : ndarray of int64 of shape (n_images,)
        The labels (position of the 1 in each one-hot row).

    Raises
    ------
    ValueError
        If the file is not a zip, a CSV file is missing or malformed, a label row is
        not one-hot, or the two files do not have the same number of rows.

    Examples
    --------
    >>> import io, zipfile
    >>> from lstm_forecast.datasets.images import load_mnist_csv_zip
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as zf:
    ...     zf.writestr("mnist_train_images.csv", "0,0.5,1,0\\n1,1,0,0\\n")
    ...     zf.writestr("mnist_train_labels.csv", "0,1,0\\n0,0,1\\n")
    >>> X, y = load_mnist_csv_zip(buffer)
    >>> X
    array([[0. , 0.5, 1. , 0. ],
           [1. , 1. , 0. , 0. ]], dtype=float32)
    >>> y
    array([1, 2])
    """
    _check_kind(kind)
    wanted = (f"mnist_{kind}_images.csv", f"mnist_{kind}_labels.csv")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{path} is not a valid zip file: {exc}") from exc
    with zf:
        members = {
            PurePosixPath(name).name: name
            for name in zf.namelist()
            if not name.endswith("/") and not name.startswith("__MACOSX")
        }
        missing = [name for name in wanted if name not in members]
        if missing:
            raise ValueError(f"{path} has no {' or '.join(missing)}; it holds {sorted(members)}.")
        X = _read_csv_matrix(zf, members[wanted[0]])
        labels = _read_csv_matrix(zf, members[wanted[1]])
    if X.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{wanted[0]} has {X.shape[0]} rows but {wanted[1]} has {labels.shape[0]}."
        )
    return X, _labels_from(labels, wanted[1])


# ----------------------------------------------------------------------------- digits


def load_digits_rows(*, n_class: int = 10) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """scikit-learn's 8x8 digits as images, ready for :class:`RowSequence` (offline).

    1,797 grey-scale 8x8 images (values 0-16) of the digits 0-9, bundled with
    scikit-learn: a small stand-in for MNIST that needs no download.

    Parameters
    ----------
    n_class : int, default=10
        Keep the digits ``0 .. n_class - 1`` (between 1 and 10).

    Returns
    -------
    X : ndarray of float32 of shape (n_images, 8, 8)
        The images.
    y : ndarray of int64 of shape (n_images,)
        The digits.

    Examples
    --------
    >>> from lstm_forecast.datasets.images import load_digits_rows
    >>> X, y = load_digits_rows()
    >>> X.shape, X.dtype, y[:5]
    ((1797, 8, 8), dtype('float32'), array([0, 1, 2, 3, 4]))
    """
    from sklearn.datasets import load_digits

    if not isinstance(n_class, numbers.Integral) or isinstance(n_class, bool):
        raise TypeError(f"n_class must be an int between 1 and 10; got {n_class!r}.")
    if not 1 <= n_class <= 10:
        raise ValueError(f"n_class must be an int between 1 and 10; got {n_class!r}.")
    digits = load_digits(n_class=int(n_class))
    return digits.images.astype(np.float32), digits.target.astype(np.int64)
