"""The zip archive of a model file: atomic writes, and reads that refuse hostile files.

Writing: the path is checked before anything is written; the archive goes to a temporary file
next to the target (a short name, so a long target name still fits), is flushed to disk and
renamed over the target, keeping an existing file's permissions; temporary files that a killed
save left behind are removed by the next save to the same path.

Reading: only a regular file is opened (never a FIFO or a device), and members are read with
their size bounded, so that a small hostile file can cost neither much memory nor much time.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import zipfile

# A fixed timestamp for every archive member, so that the same model gives the same bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_TEMPORARY = re.compile(r"\.(?P<stem>.*)\.(?P<pid>\d+)-[0-9a-f]{8}\.lstmf-tmp\Z")


def checked_target(path):
    """``path`` as a string, checked for everything that would make the write fail."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike; got {type(path).__name__}.")
    path = os.fsdecode(os.fspath(path))
    if not path or path.endswith((os.sep, "/")) or os.path.basename(path) in ("", ".", ".."):
        raise ValueError(f"path must name a file; got {path!r}.")
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "the model path is a directory, expected a file", path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, f"the directory of the model file does not exist: "
                                f"{directory!r}", path)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, "the directory of the model file is not writable", path)
    if os.path.exists(path) and not os.access(path, os.W_OK) and not os.access(directory, os.W_OK):
        raise PermissionError(errno.EACCES, "the model file is not writable", path)
    return path


def _temporary_name(path):
    directory, name = os.path.split(os.path.abspath(path))
    # A name of up to 255 bytes must leave room for the prefix and suffix.
    stem = name.encode("utf-8")[:160].decode("utf-8", "ignore")
    return os.path.join(directory, f".{stem}.{os.getpid()}-{secrets.token_hex(4)}.lstmf-tmp")


def _remove_orphans(path):
    """Delete temporary files of earlier saves to ``path`` whose process is gone."""
    directory, name = os.path.split(os.path.abspath(path))
    stem = name.encode("utf-8")[:160].decode("utf-8", "ignore")
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        match = _TEMPORARY.match(entry)
        if match is None or match["stem"] != stem or _process_alive(int(match["pid"])):
            continue
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(directory, entry))


def _process_alive(pid):
    if pid == os.getpid():
        return False  # this process is not writing it now: an earlier save of ours was killed
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def atomic_write(path, members):
    """Write the archive to a temporary file next to ``path``, fsync it, then rename it."""
    _remove_orphans(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    temporary = _temporary_name(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(file.fileno(), mode)
            _write_archive(file, members)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)


def _write_archive(file, members):
    with zipfile.ZipFile(file, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def _fsync_directory(directory):
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def open_regular_file(path):
    """Open ``path`` for reading only if it is a regular file (never a FIFO or a device)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "no model file at this path", path) from None
    except IsADirectoryError:
        raise IsADirectoryError(errno.EISDIR, "the model path is a directory, expected a file",
                                path) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "the model path is a directory, expected a file", path)
        if not stat.S_ISREG(mode):
            raise ValueError(f"{path!r} is not a regular file; load_model reads model files only.")
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        file = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    with file:
        yield file
