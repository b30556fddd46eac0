"""The skorch net behind every estimator, and how training runs on a device.

``_RecurrentNet`` is skorch's ``NeuralNet`` with: a training step replayed from a CUDA graph
(``_cuda_graphs.py``), an epoch loop without per-batch host syncs, bfloat16 autocast
(``precision="bf16-mixed"``), device-mapped unpickling and and a record of whether Ctrl-C stopped a fit.
The module also resolves devices, checks bfloat16 support, keeps training data resident on
the GPU when it fits, and picks the number of CPU threads a fit uses.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
import warnings

import torch
from skorch import NeuralNet
from skorch.callbacks import (
    EarlyStopping,
    EpochTimer,
    GradientNormClipping,
    LRScheduler,
    PassthroughScoring,
    PrintLog,
)
from skorch.dataset import get_len
from skorch.utils import TeeGenerator

from ._callbacks import GradientValueClipping, StopOnNonFiniteLoss
from ._cuda_graphs import GraphedStep, batch_capturable, training_capturable
from ._data import move_inputs, resident_nbytes

# Data that fits in this share of the free GPU memory stays on the device for the whole fit.
_DEVICE_RESIDENT_SHARE = 0.25


class _RecurrentNet(NeuralNet):
    """skorch's ``NeuralNet``, with everything that holds tensors pickled like ``module_``.

    skorch unpickles ``module_``, ``optimizer_`` and ``criterion_`` onto the CPU when CUDA is
    missing, but other attributes hold CUDA tensors too: the ``module`` parameter (the
    instance we pass, the same object as ``module_``) and the callbacks (the LR scheduler
    keeps the optimizer and its state, scoring callbacks their cached predictions). Listing
    ``module`` and ``callbacks`` (prefixes, so ``callbacks_`` too) among the CUDA-dependent
    attributes sends them through the same device-mapping unpickler, so a model trained on
    a GPU loads on a CPU-only machine.
    """

    cuda_dependent_attributes_ = ["module", "callbacks"]

    # ---- speed: skorch's loop without per-batch host synchronisation (benchmarks/speed.py)
    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch, reading the batch losses with one ``tolist()`` per epoch.

        skorch calls ``loss.item()`` after every batch; on a GPU that stalls the host until
        the step has finished, so the next step's kernel launches never overlap it. The
        losses stay on the device and are written into the same per-batch history entries
        before the epoch-end callbacks read them. A callback that reads the batch loss from
        the history during the epoch (``ProgressBar``, or any user callback) gets skorch's
        own loop back.
        """
        if iterator is None or not self._defer_batch_losses:
            return super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)
        losses, sizes = [], []
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses.append(step["loss"].detach())
            sizes.append(get_len(batch[0]))
            self.notify("on_batch_end", batch=batch, training=training, **step)
        if losses:
            values = torch.stack(losses).float().tolist()  # the one host sync of the epoch
            entries = self.history[-1]["batches"][-len(losses):]
            for entry, value, size in zip(entries, values, sizes, strict=True):
                entry[prefix + "_loss"] = value
                entry[prefix + "_batch_size"] = size
        self.history.record(prefix + "_batch_count", len(losses))

    @property
    def _defer_batch_losses(self):
        own = (StopOnNonFiniteLoss, GradientNormClipping, GradientValueClipping, LRScheduler,
               EarlyStopping, EpochTimer, PassthroughScoring, PrintLog)
        return all(
            isinstance(cb, own)
            # A scheduler stepped every batch may read that batch's loss (ReduceLROnPlateau).
            and not (isinstance(cb, LRScheduler) and cb.step_every == "batch")
            for _, cb in self.callbacks_
        )

    def _set_training(self, training=True):
        # skorch calls module.train() (a walk over every submodule) before every batch.
        if self.module_.training != training or self.criterion_.training != training:
            super()._set_training(training)

    # The dtype of autocast during training (``precision="bf16-mixed"``), or None.
    autocast_dtype = None

    def infer(self, x, **fit_params):
        if self.autocast_dtype is None:
            return self._infer(x, **fit_params)
        # Without the cast-weights cache, so the step can be captured in a CUDA graph.
        with torch.autocast(self._module_device.type, dtype=self.autocast_dtype, cache_enabled=False):
            return self._infer(x, **fit_params).float()

    def _infer(self, x, **fit_params):
        # TensorBatches already put the batch on the training device: skip to_tensor.
        if isinstance(x, torch.Tensor) and x.device == self._module_device:
            return self.module_(x, **fit_params)
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        if isinstance(y_true, torch.Tensor) and y_true.device == y_pred.device:
            return self.criterion_(y_pred, y_true)
        return super().get_loss(y_pred, y_true, X=X, training=training)

    @property
    def _module_device(self):
        return next(self.module_.parameters()).device

    # ---- speed: forward + backward replayed from a CUDA graph (_cuda_graphs.py)
    use_cuda_graphs = True

    def train_step(self, batch, **fit_params):
        graphed = self._graphed_step(batch, fit_params)
        if graphed is None:
            return super().train_step(batch, **fit_params)
        self._set_training(True)
        loss, y_pred = graphed.run(*batch)
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.get_all_learnable_params()),
            batch=batch,
            training=True,
        )
        self._step_optimizer(None)
        return {"loss": loss, "y_pred": y_pred}

    def _graphed_step(self, batch, fit_params):
        """The captured step for this batch's shape (captured on first use), or ``None``."""
        if not self.use_cuda_graphs or fit_params or not batch_capturable(*batch):
            return None
        # The graphs hold the module, the criterion, which parameters train and their .grad
        # tensors; a callback that changes any of them (Freezer, zero_grad(set_to_none=True),
        # a new criterion or optimizer) makes them stale.
        signature = self._graph_signature()
        cache = self.__dict__.get("_cuda_graphs")
        if cache is None or not _identical(cache["signature"], signature):
            optimizers = [getattr(self, name + "_") for name in self._optimizers]
            cache = self.__dict__["_cuda_graphs"] = {
                "signature": signature,
                "capturable": training_capturable(self.module_, optimizers),
                "steps": [],
            }
        if not cache["capturable"]:
            return None
        for step in cache["steps"]:
            if step.matches(*batch):
                return step
        self._set_training(True)
        try:
            step = GraphedStep(self.module_, self.criterion_, *batch, forward=self.infer)
        except (RuntimeError, torch.cuda.OutOfMemoryError) as error:
            # Capturing needs memory of its own; train eagerly rather than fail the fit.
            warnings.warn(f"Training without CUDA graphs: capturing the step failed ({error}).",
                          RuntimeWarning, stacklevel=2)
            self.use_cuda_graphs = False
            self.release_cuda_graphs()
            self._zero_grad_optimizer()
            return None
        cache["steps"].append(step)
        cache["signature"] = self._graph_signature()  # the capture gave every trained one a .grad
        return step

    def _graph_signature(self):
        params = list(self.module_.parameters())
        optimizers = [getattr(self, name + "_") for name in self._optimizers]
        return (self.module_, self.criterion_, *optimizers,
                *(p.requires_grad for p in params), *(p.grad for p in params))

    def release_cuda_graphs(self):
        """Free the captured steps and their memory (done at the end of each fit)."""
        self.__dict__.pop("_cuda_graphs", None)

    def __getstate__(self):
        self.release_cuda_graphs()
        return super().__getstate__()

    def __setstate__(self, state):
        super().__setstate__(state)
        # Unpickled cuDNN weights are separate tensors again: one chunk, as cuDNN wants them.
        module = self.__dict__.get("module_")
        if module is not None and next(module.parameters()).is_cuda:
            for layer in module.modules():
                if isinstance(layer, torch.nn.RNNBase):
                    layer.flatten_parameters()


def _identical(a, b):
    """Whether two tuples hold the very same objects, in order."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def resolve_device(device) -> torch.device:
    """``"auto"`` is CUDA when available, else the CPU; ``"cpu"``, ``"cuda"``, ``"cuda:<i>"``.

    Other torch device types (``"mps"``, ``"xpu"``, ``"meta"``...) are refused: the training
    step, the CPU inference path and persistence are written and tested for these two.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    expected = "device must be 'auto', 'cpu', 'cuda' or 'cuda:<index>'"
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"{expected}; got {device!r}.")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(f"{expected}; got {device!r}.") from None
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(f"{expected}; got {device!r} (device type {resolved.type!r} is not supported).")
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} was requested but CUDA is not available here.")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was requested but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)."
            )
    return resolved


@contextlib.contextmanager
def sigint_recorder():
    """Note whether Ctrl-C (SIGINT) arrives during the block, then act as before it.

    skorch ends training quietly on a ``KeyboardInterrupt``, which its own EarlyStopping also
    raises to stop: only a real SIGINT tells an interrupted fit from an early-stopped one.
    A program's own handler still runs and decides: if it returns, training goes on and
    nothing is noted. Where SIGINT is ignored (``SIG_IGN``, as for background jobs) or outside
    the main thread (no handler can be set there), nothing is installed and nothing noted.
    """
    received = {"sigint": False}
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is signal.SIG_IGN:
        yield received
        return

    def handler(signum, frame):
        received["sigint"] = True
        if callable(previous) and previous is not signal.default_int_handler:
            previous(signum, frame)  # raises to stop training, or returns to go on
            received["sigint"] = False
            return
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)


@functools.cache
def cpu_supports_bf16_lstm() -> bool:
    """Whether this CPU's oneDNN runs an LSTM under bfloat16 autocast.

    Without AVX512-BF16/AMX (an AVX2-only AMD EPYC, say) oneDNN has no bfloat16 LSTM kernel
    and raises a RuntimeError of its own; one tiny forward pass, once per process, tells.
    """
    try:
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            torch.nn.LSTM(2, 2, batch_first=True)(torch.zeros(2, 3, 2))
    except RuntimeError:
        return False
    return True


def check_precision(precision: str, device: torch.device, cell: str) -> None:
    """Refuse ``precision="bf16-mixed"`` where the hardware cannot run it, with the reason."""
    if precision != "bf16-mixed":
        return
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ValueError(
            "precision='bf16-mixed' needs a GPU with bfloat16 support (Ampere or newer); "
            "this one has none. Use precision='float32'."
        )
    if device.type == "cpu" and cell == "lstm" and not cpu_supports_bf16_lstm():
        raise ValueError(
            "precision='bf16-mixed' with cell='lstm' needs a CPU whose oneDNN has bfloat16 LSTM "
            "kernels (AVX512-BF16 or AMX); this CPU has none. Use precision='float32'."
        )


# Below this many multiply-adds per recurrent step of a batch, a second thread costs more in
# synchronisation than it saves (benchmarks/threads.py); above it, torch's threads pay.
_SMALL_STEP_FLOPS = 4_000_000


def auto_threads(n_threads, *, batch_size, n_inputs, hidden_size, num_layers, directions) -> int:
    """The CPU threads a fit or predict uses: ``n_threads``, or chosen by the work's size.

    Many tiny ops whose threads wait for each other slow down 30-140x when another process
    shares the cores; one thread is as fast as two for them on an idle machine anyway. So
    small networks train on one thread and larger ones on the threads torch has.
    """
    available = torch.get_num_threads()
    if n_threads is not None:
        return int(n_threads)
    gates = 4 * hidden_size * (n_inputs + hidden_size) + 4 * hidden_size * max(0, num_layers - 1) * (
        hidden_size * directions + hidden_size)
    flops = batch_size * gates * directions
    return 1 if flops < _SMALL_STEP_FLOPS else available


@contextlib.contextmanager
def torch_threads(n: int):
    """Run the block with ``n`` torch CPU threads, restoring the previous count after."""
    previous = torch.get_num_threads()
    if n == previous:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def to_training_device(X, y, device):
    """Keep the data on the training device when it fits, so batches never cross the bus."""
    if device.type != "cuda":
        return X, y
    # A windowed view of a long series moves as the series (move_inputs), so count that.
    size = resident_nbytes(X) + resident_nbytes(y)
    free, _ = torch.cuda.mem_get_info(device)
    if size > _DEVICE_RESIDENT_SHARE * free:
        return X, y
    return move_inputs(X, device), move_inputs(y, device)
