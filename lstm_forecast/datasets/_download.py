"""Download-and-cache helper shared by the dataset loaders.

Files live in a cache directory: the ``data_home`` argument of a loader, else the
``LSTM_FORECAST_DATA`` environment variable, else ``~/.cache/lstm_forecast``. A file is
downloaded once, into a temporary file next to its final place, checked against its
known hash, then moved into place with :func:`os.replace`, so an interrupted download
never leaves a half-written file under the final name. On a machine without internet
access, put the files in the cache directory yourself: a loader that finds them does not
try to download.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
import warnings
from pathlib import Path

__all__ = [
    "DATA_HOME_ENV",
    "ChecksumError",
    "DownloadError",
    "fetch_file",
    "file_hash",
    "get_data_home",
]

DATA_HOME_ENV = "LSTM_FORECAST_DATA"
_USER_AGENT = "lstm_forecast dataset loader (python urllib)"


class DownloadError(ConnectionError):
    """A dataset file could not be downloaded (offline, server error, timeout...).

    A subclass of :class:`ConnectionError` (so of :class:`OSError`).
    """


class ChecksumError(ValueError):
    """A file's content does not match its known hash (corrupt or not the right file)."""


def get_data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """Return the cache directory of the dataset loaders, created if needed.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The directory. ``None`` uses the ``LSTM_FORECAST_DATA`` environment variable
        when it is set and not empty, else ``~/.cache/lstm_forecast``.

    Returns
    -------
    path : pathlib.Path
        The directory (``~`` expanded).

    Examples
    --------
    >>> import tempfile
    >>> from lstm_forecast.datasets._download import get_data_home
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     get_data_home(tmp).is_dir()
    True
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or Path("~", ".cache", "lstm_forecast")
    try:
        path = Path(data_home).expanduser()
    except TypeError:
        raise TypeError(
            f"data_home must be None, a str or a path-like object; got {data_home!r}."
        ) from None
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_hash(path, algorithm="sha256"):
    """Hex digest of a file's content, read in 1 MiB blocks.

    Parameters
    ----------
    path : str or path-like
        The file.
    algorithm : {"sha256", "md5"}, default="sha256"
        The hash function.

    Returns
    -------
    digest : str
        Lower-case hexadecimal digest.
    """
    digest = hashlib.new(algorithm, usedforsecurity=algorithm != "md5")
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _expected_hash(sha256, md5):
    """``(algorithm, lower-case hex)`` of the hash to check, or None."""
    if sha256 is not None:
        return "sha256", str(sha256).lower()
    if md5 is not None:
        return "md5", str(md5).lower()
    return None


def _matches(path, expected):
    return expected is None or file_hash(path, expected[0]) == expected[1]


def _manual_hint(dest):
    return (
        f"If this machine has no internet access, download the file on another machine "
        f"and put it at {dest} (the cache directory is set by the data_home= argument or "
        f"the {DATA_HOME_ENV} environment variable)."
    )


def _download(url, dest, *, expected=None, timeout=60.0):
    """Download ``url`` to ``dest`` atomically, checking its hash before it lands.

    Raises
    ------
    DownloadError
        If the server cannot be reached or answers with an error.
    ChecksumError
        If the downloaded content does not match ``expected``.
    """
    dest = Path(dest)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        digest = hashlib.new(expected[0]) if expected else None
        request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response, open(fd, "wb") as f:
                fd = None  # now owned (and closed) by `f`
                for block in iter(lambda: response.read(1 << 20), b""):
                    f.write(block)
                    if digest is not None:
                        digest.update(block)
        except (
            urllib.error.URLError,
            http.client.HTTPException,
            TimeoutError,
            ConnectionError,
        ) as exc:
            reason = getattr(exc, "reason", exc)
            raise DownloadError(f"Could not download {url} ({reason}).") from exc
        if digest is not None and digest.hexdigest() != expected[1]:
            raise ChecksumError(
                f"The file downloaded from {url} has {expected[0]} {digest.hexdigest()}, "
                f"expected {expected[1]}: the download is corrupt or the file has changed."
            )
        os.replace(tmp, dest)
    except BaseException:
        if fd is not None:
            os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise


def fetch_file(
    filename,
    urls,
    *,
    data_home=None,
    subdir=None,
    sha256=None,
    md5=None,
    download=True,
    timeout=60.0,
):
    """Return the path of a cached dataset file, downloading it first if needed.

    Parameters
    ----------
    filename : str
        Name of the file in the cache directory.
    urls : str or list of str
        Where to download it from; mirrors are tried in order.
    data_home : str or path-like, default=None
        Cache directory, see :func:`get_data_home`.
    subdir : str, default=None
        Sub-directory of the cache directory (one per dataset).
    sha256, md5 : str, default=None
        Known hash of the file (``sha256`` wins when both are given). A cached file that
        does not match is downloaded again (or rejected when ``download=False``); a
        download that does not match is discarded.
    download : bool, default=True
        If False, never touch the network: a missing file raises ``FileNotFoundError``.
    timeout : float, default=60.0
        Seconds to wait for the server.

    Returns
    -------
    path : pathlib.Path
        Path of the verified file.

    Raises
    ------
    DownloadError
        If the file is missing and no mirror could be reached. The message names each
        URL and where to put the file by hand.
    FileNotFoundError
        If the file is missing and ``download=False``.
    ChecksumError
        If the file does not match its known hash.
    """
    if isinstance(urls, str):
        urls = [urls]
    folder = get_data_home(data_home)
    if subdir:
        folder = folder / subdir
        folder.mkdir(parents=True, exist_ok=True)
    dest = folder / filename
    expected = _expected_hash(sha256, md5)

    if dest.exists():
        if _matches(dest, expected):
            return dest
        if not download:
            raise ChecksumError(
                f"{dest} does not have the expected {expected[0]} {expected[1]}: it is "
                "corrupt or not the right file. Delete it, or pass download=True to "
                "download it again."
            )
        warnings.warn(
            f"{dest} does not match its known {expected[0]} hash; downloading it again.",
            UserWarning,
            stacklevel=2,
        )
    elif not download:
        raise FileNotFoundError(
            f"{dest} is not in the cache and download=False. Pass download=True, or put "
            f"the file there by hand (it can be downloaded from {urls[0]})."
        )

    errors = []
    for url in urls:
        try:
            _download(url, dest, expected=expected, timeout=timeout)
            return dest
        except (DownloadError, ChecksumError) as exc:
            errors.append(exc)
    if all(isinstance(e, ChecksumError) for e in errors):
        raise errors[-1]
    tried = "\n".join(f"  - {e}" for e in errors)
    raise DownloadError(
        f"Could not download {filename}:\n{tried}\n{_manual_hint(dest)}"
    ) from errors[-1]
