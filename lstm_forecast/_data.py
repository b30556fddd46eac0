"""Input preparation and the batch iterator that feeds skorch from whole tensors."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
import torch


def is_ragged(X) -> bool:
    """Whether ``X`` is a list (or object array) of sequences of different lengths."""
    if isinstance(X, np.ndarray):
        return X.dtype == object and X.ndim == 1 and len(X) > 0 and hasattr(X[0], "__len__")
    if isinstance(X, (list, tuple)) and X and all(hasattr(seq, "__len__") for seq in X):
        return len({len(seq) for seq in X}) > 1
    return False


def pad_ragged(X, *, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Stack sequences of different lengths, post-padded with zeros, and their lengths."""
    arrays = []
    for i, seq in enumerate(X):
        try:
            arr = np.asarray(seq, dtype=dtype)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"X[{i}] must be a numeric sequence of shape (timesteps,) or (timesteps, "
                f"n_features); could not convert it to {np.dtype(dtype).name}: {exc}"
            ) from None
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[0] == 0:
            raise ValueError(
                f"X[{i}] must have shape (timesteps,) or (timesteps, n_features) with at least "
                f"one step; got shape {arr.shape}."
            )
        arrays.append(arr)
    n_features = {a.shape[1] for a in arrays}
    if len(n_features) > 1:
        raise ValueError(
            f"All sequences in X must have the same number of features; got {sorted(n_features)}."
        )
    lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)
    flat = np.concatenate(arrays)
    out = np.zeros((len(arrays), lengths.max(), flat.shape[1]), dtype=flat.dtype)
    steps = np.arange(lengths.max())
    valid = steps[None, :] < lengths[:, None]
    out[valid] = flat
    return out, lengths


def compact_tokens(tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Move the non-padding tokens (id != 0) of each row to the front, keeping their order.

    Returns the compacted ``(n, timesteps)`` array and the count of real tokens per row,
    or the input unchanged and ``None`` when no row holds padding.
    """
    is_pad = tokens == 0
    if not is_pad.any():
        return tokens, None
    order = np.argsort(is_pad, axis=1, kind="stable")
    compacted = np.take_along_axis(tokens, order, axis=1)
    lengths = np.maximum((~is_pad).sum(axis=1), 1)
    return compacted, lengths


# Statistics over more values than this are read in chunks of about _STATISTICS_CHUNK values, so
# that a windowed view (of a memory-mapped series, say) is never copied whole; smaller inputs
# are summarised in one go, as they always were.
_STATISTICS_IN_ONE_GO = 1 << 20
_STATISTICS_CHUNK = 1 << 16


def feature_statistics(X: np.ndarray, lengths: np.ndarray | None, max_windows: int = 100_000):
    """Per-feature mean and standard deviation over samples and valid time steps.

    Large inputs are summarised from ``max_windows`` evenly spaced samples, so that
    windowed views of long series are not read once per time step. Inputs of more than
    2**20 values (after that subsampling) are read in chunks of samples: no temporary holds
    more than about 2**16 values, whatever the number of samples.
    """
    rows = None
    if X.shape[0] > max_windows:
        rows = np.linspace(0, X.shape[0] - 1, max_windows).astype(np.int64)
    n_rows = X.shape[0] if rows is None else len(rows)
    if lengths is None and n_rows * X.shape[1] * X.shape[2] > _STATISTICS_IN_ONE_GO:
        mean, std = _chunked_statistics(X, rows)
    else:
        if rows is not None:
            X = X[rows]
            lengths = None if lengths is None else lengths[rows]
        if lengths is None:
            values = X.reshape(-1, X.shape[-1]) if X.flags.c_contiguous else X
            axes = 0 if values.ndim == 2 else (0, 1)
            mean = values.mean(axis=axes, dtype=np.float64)
            std = values.std(axis=axes, dtype=np.float64)
        else:
            valid = np.arange(X.shape[1])[None, :] < lengths[:, None]
            values = X[valid]
            mean = values.mean(axis=0, dtype=np.float64)
            std = values.std(axis=0, dtype=np.float64)
    std = np.where(std < 1e-8, 1.0, std)
    return mean.astype(np.float32), std.astype(np.float32)


def _chunked_statistics(X, rows):
    """Mean and (population) standard deviation over samples ``rows`` (all when ``None``) and
    time steps, two passes over chunks of samples, each gathered as float64."""
    n_features = X.shape[-1]
    n_rows = X.shape[0] if rows is None else len(rows)
    step = max(1, _STATISTICS_CHUNK // (X.shape[1] * n_features))

    def chunks():
        for start in range(0, n_rows, step):
            part = X[start : start + step] if rows is None else X[rows[start : start + step]]
            yield np.asarray(part, dtype=np.float64).reshape(-1, n_features)

    count = n_rows * X.shape[1]
    mean = sum(chunk.sum(axis=0) for chunk in chunks()) / count
    squares = sum(np.square(chunk - mean).sum(axis=0) for chunk in chunks())
    return mean, np.sqrt(squares / count)


def as_tensor(array: np.ndarray) -> torch.Tensor:
    """A tensor sharing memory with ``array`` when possible (read-only windowed views included)."""
    if any(stride < 0 for stride in array.strides):  # torch takes no negative strides (X[::-1])
        array = np.ascontiguousarray(array)
    if array.flags.writeable:
        return torch.as_tensor(array)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.as_tensor(array)


def module_inputs(X: np.ndarray, lengths: np.ndarray | None):
    """What the skorch net is given as ``X``: a tensor, or a dict with the sequence lengths."""
    x = as_tensor(X)
    if lengths is None:
        return x
    return {"x": x, "lengths": torch.as_tensor(lengths)}


def move_inputs(inputs, device):
    """The inputs on ``device``; a windowed view moves as the series it views, not its windows."""
    if isinstance(inputs, Mapping):
        return {key: move_inputs(value, device) for key, value in inputs.items()}
    return _move_tensor(inputs, torch.device(device))


def resident_nbytes(inputs) -> int:
    """Bytes that :func:`move_inputs` puts on the device (the viewed span for windowed views)."""
    if isinstance(inputs, Mapping):
        return sum(resident_nbytes(value) for value in inputs.values())
    return min(_span(inputs), inputs.nelement()) * inputs.element_size()


def _span(tensor: torch.Tensor) -> int:
    """Elements of storage that ``tensor`` reaches, from its first to its last element."""
    if tensor.nelement() == 0:
        return 0
    return 1 + sum((size - 1) * stride for size, stride in zip(tensor.shape, tensor.stride(), strict=True))


def _move_tensor(tensor: torch.Tensor, device: torch.device) -> torch.Tensor:
    if tensor.device == device:
        return tensor
    span = _span(tensor)
    if 0 < span < tensor.nelement():
        # Overlapping windows (``make_windows`` output): copy the viewed stretch of the series
        # once and rebuild the same view on the device, instead of materialising every window
        # (10**6 windows of 100 steps: 4 MB over the bus instead of 400 MB).
        flat = tensor.as_strided((span,), (1,), tensor.storage_offset()).to(device)
        return flat.as_strided(tensor.shape, tensor.stride(), 0)
    return tensor.to(device)


def _take(data, index):
    if data is None:
        return None
    if isinstance(data, Mapping):
        return {key: _take(value, index) for key, value in data.items()}
    if isinstance(index, torch.Tensor):
        # One gather; ``index_select`` skips advanced indexing's general machinery.
        return torch.index_select(data, 0, index)
    return data[index]


def _take_pinned(data, index):
    """Like :func:`_take`, but into page-locked host memory, ready for an asynchronous copy."""
    if data is None:
        return None
    if isinstance(data, Mapping):
        return {key: _take_pinned(value, index) for key, value in data.items()}
    rows = data[index] if isinstance(index, slice) else None
    shape = (rows if rows is not None else data).shape[1:]
    n_rows = len(rows) if rows is not None else len(index)
    out = torch.empty((n_rows, *shape), dtype=data.dtype, pin_memory=True)
    if rows is not None:
        return out.copy_(rows)
    return torch.index_select(data, 0, index, out=out)


def _to_device(data, device):
    if data is None:
        return None
    if isinstance(data, Mapping):
        return {key: _to_device(value, device) for key, value in data.items()}
    # Pinned source: the copy is queued and the host goes on gathering the next batch. The
    # caching host allocator keeps the pinned block from reuse until the copy has finished.
    return data.to(device, non_blocking=True)


def _device_of(data):
    if isinstance(data, Mapping):
        data = next(iter(data.values()))
    return data.device


class TensorBatches:
    """A skorch ``iterator_train``/``iterator_valid`` that slices batches from whole tensors.

    skorch's default ``DataLoader`` indexes and collates one sample at a time; for small
    recurrent networks that per-sample Python dominates the step time. This iterator keeps
    the data as tensors (on the training device when they fit there) and takes each batch
    with one slice or one ``index_select``: the same work as a hand-written loop. A batch of
    ragged sequences (``X`` a dict with ``lengths``) is cut after its own longest sequence, not
    the data set's.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Holds ``X`` (a tensor or a dict of tensors) and ``y`` (a tensor or ``None``).
    batch_size : int, default=32
    shuffle : bool, default=False
        A new ``randperm`` order every epoch, drawn on the data's device (on the host for
        ragged sequences).
    device : str, torch.device or None, default=None
        The training device. When the data stayed on the CPU (too large for the GPU) and this
        is a CUDA device, each batch is gathered into page-locked memory and copied
        asynchronously, so the host prepares the next batch while the copy runs.
    by_length : bool, default=False
        Shuffled ragged sequences only: batches of similar lengths, from pools of
        ``BY_LENGTH_POOL`` batches sorted by length and visited in a random order, so far less
        padding is computed. Only for networks without batch normalisation, whose statistics
        would see the length groups.
    """

    def __init__(self, dataset, batch_size=32, shuffle=False, device=None, by_length=False):
        self.X = dataset.X
        self.y = dataset.y
        self.n = len(dataset)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.by_length = bool(by_length)
        self.device = None if device is None else torch.device(device)
        self.lengths = _host_lengths(self.X)

    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def _crosses_to_cuda(self):
        return (
            self.device is not None
            and self.device.type == "cuda"
            and _device_of(self.X).type == "cpu"
            and torch.cuda.is_available()
        )

    def __iter__(self):
        size = self.batch_size
        if self._crosses_to_cuda():
            take, finish = _take_pinned, (lambda batch: _to_device(batch, self.device))
        else:
            take, finish = _take, (lambda batch: batch)
        if self.shuffle:
            host_order = None
            bounds = [(start, min(start + size, self.n)) for start in range(0, self.n, size)]
            if self.lengths is None:
                order = torch.randperm(self.n, device=_device_of(self.X))
            else:  # drawn on the host, where the batches' longest lengths are looked up
                host_order = torch.randperm(self.n)
                if self.by_length:
                    host_order, bounds = _by_length(host_order, self.lengths, size)
                order = host_order.to(_device_of(self.X))
            y_order = None
            if self.y is not None:
                y_order = order if self.y.device == order.device else order.to(self.y.device)
            for start, stop in bounds:
                index = order[start:stop]
                y_index = None if y_order is None else y_order[start:stop]
                X = self.X if host_order is None else self._cut(host_order[start:stop])
                yield finish(take(X, index)), finish(take(self.y, y_index))
        else:
            for start in range(0, self.n, size):
                index = slice(start, start + size)
                X = self.X if self.lengths is None else self._cut(index)
                yield finish(take(X, index)), finish(take(self.y, index))

    def _cut(self, rows):
        """The ragged inputs cut after the longest of ``rows``, before the batch is gathered:
        a view, so the gather copies no padding beyond it."""
        return _trimmed(self.X, int(self.lengths[rows].max()))


# ``by_length``: each pool of this many batches is sorted by length, then cut into batches.
BY_LENGTH_POOL = 8


def _by_length(order: torch.Tensor, lengths: torch.Tensor, size: int):
    """``order`` regrouped into batches of similar lengths, and each batch's bounds in it:
    every ``BY_LENGTH_POOL`` consecutive batches of ``order`` are sorted by length and cut into
    batches again, and all the batches are visited in a random order."""
    pool = size * BY_LENGTH_POOL
    pieces = []
    for start in range(0, len(order), pool):
        chunk = order[start : start + pool]
        chunk = chunk[torch.sort(lengths[chunk], stable=True).indices]
        pieces += [chunk[i : i + size] for i in range(0, len(chunk), size)]
    pieces = [pieces[i] for i in torch.randperm(len(pieces)).tolist()]
    stops = np.cumsum([len(piece) for piece in pieces]).tolist()
    bounds = list(zip([0, *stops[:-1]], stops, strict=True))
    return torch.cat(pieces), bounds


def _host_lengths(X) -> torch.Tensor | None:
    """The sequence lengths of ragged inputs, on the host (``None`` for dense inputs)."""
    if isinstance(X, Mapping) and "lengths" in X and "x" in X:
        return X["lengths"].cpu()
    return None


def _trimmed(X: Mapping, steps: int) -> dict:
    """A ragged batch cut after its longest sequence: the padding beyond it is dead work (the
    network's outputs do not depend on how far a sequence is padded)."""
    return {**X, "x": X["x"][:, :steps]}
