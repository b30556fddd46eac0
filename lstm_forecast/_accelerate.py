"""Training through Hugging Face Accelerate: the ``accelerator`` parameter of the estimators.

``accelerate`` is an optional dependency (the ``multigpu`` extra); nothing here imports it
until an estimator is given an ``Accelerator``. The net is skorch's ``AccelerateMixin`` on our
``NeuralNet`` subclass, with these changes for data-parallel runs (``accelerate launch`` with
several processes):

- training batches come from :class:`ShardedBatches`: every process draws the same order of
  samples each epoch and takes its own share of it, so an epoch is one pass over the data
  split between the processes (skorch would hand every process all the data: our batch
  iterator is not a ``DataLoader`` that ``Accelerator.prepare`` knows how to split);
- validation and scoring are not split: every process evaluates all the validation samples,
  so early stopping decides the same everywhere, and predictions are not gathered (skorch
  gathers them, which would repeat each one once per process);
- the epoch's training loss is averaged over the processes before any callback reads it, so
  every process records the same loss and stops on a non-finite one together;
- learning-rate schedulers step as in a single-process fit (``Accelerator.prepare`` would step
  them once per process).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import torch
from skorch.callbacks import Callback, LRScheduler
from skorch.hf import AccelerateMixin

from ._data import _host_lengths, _trimmed
from ._net import _RecurrentNet


def check_accelerator(accelerator, device):
    """``ValueError``/``TypeError`` for an ``accelerator`` parameter that cannot be used."""
    if accelerator is None:
        return
    try:
        from accelerate import Accelerator
    except ImportError:  # then no Accelerator can have been made either
        Accelerator = None
    if Accelerator is None or not isinstance(accelerator, Accelerator):
        raise TypeError(
            f"accelerator must be an accelerate.Accelerator or None; got {accelerator!r}. "
            f"Install accelerate with: pip install 'lstm-forecast[multigpu]'."
        )
    if device != "auto":
        from ._net import resolve_device

        wanted, placed = resolve_device(device), accelerator.device
        if wanted.type != placed.type or wanted.index not in (None, placed.index):
            raise ValueError(
                f"device={device!r} but the accelerator trains on {placed}; leave device='auto' "
                f"when passing an accelerator (it places the network)."
            )


def shared_seed(accelerator, seed):
    """Process 0's seed in every process: the same shuffles and the same initial weights."""
    if accelerator.num_processes == 1:
        return seed
    from accelerate.utils import broadcast_object_list

    return int(broadcast_object_list([int(seed)], from_process=0)[0])


def accelerated_net(accelerator, **kwargs):
    """The net ``_make_net`` describes with ``kwargs``, trained through ``accelerator``."""
    device = accelerator.device
    kwargs.update(
        accelerator=accelerator,
        # skorch's PrintLog prints to any sink but ``print`` whatever ``verbose`` says.
        callbacks__print_log__sink=accelerator.print if kwargs.get("verbose") else _discard,
        # AccelerateMixin leaves placement to the accelerator, unless it does not place.
        device=None if accelerator.device_placement else device,
        iterator_train__device=device,
        iterator_valid__device=device,
    )
    if accelerator.num_processes > 1:
        kwargs.pop("iterator_train__by_length", None)
        kwargs.update(
            iterator_train=ShardedBatches,
            iterator_train__num_processes=accelerator.num_processes,
            iterator_train__process_index=accelerator.process_index,
        )
        # Before our callbacks (after skorch's train_loss): they all read the mean loss.
        kwargs["callbacks"] = [("mean_train_loss", _MeanTrainLoss(accelerator)),
                               *kwargs["callbacks"]]
    return AcceleratedNet(**kwargs)


def plain_net(estimator, net, device):
    """A plain net around the trained module of an accelerated ``net``, with its history.

    The fitted model then holds no accelerator, wrapper or optimizer state: it pickles,
    saves and predicts like any other, also where accelerate is not installed.
    """
    net._unwrap_accelerator()  # done at the end of training, unless training raised
    net.release_accelerator()
    plain = estimator._make_net(net.module_, device)
    plain.initialize()
    plain.history_ = net.history_
    return plain


class AcceleratedNet(AccelerateMixin, _RecurrentNet):
    """skorch's ``AccelerateMixin`` on our net: split training, unsplit evaluation."""

    # A captured CUDA graph would bypass the accelerator's backward (loss scaling, autocast)
    # and DistributedDataParallel's gradient hooks: accelerated steps run eagerly.
    use_cuda_graphs = False

    def _initialize_accelerator(self):
        if self._wrapped_with_accelerator:
            return self
        before = {name: list(getattr(self.accelerator, name, ())) for name in _PREPARED}
        # DistributedDataParallel refuses a module without trainable parameters, such as our
        # losses: skorch would prepare them all; those are only moved to the device.
        criteria = list(self._criteria)
        untrainable = [name for name in criteria if not _trainable(getattr(self, name + "_"))]
        self._criteria = [name for name in criteria if name not in untrainable]
        try:
            super()._initialize_accelerator()
        finally:
            self._criteria = criteria
        for name in untrainable:
            criterion = getattr(self, name + "_")
            if isinstance(criterion, torch.nn.Module) and self.accelerator.device_placement:
                setattr(self, name + "_", criterion.to(self.accelerator.device))
        # What prepare() registered in the accelerator for this net (see release_accelerator).
        self._prepared = {
            name: [obj for obj in getattr(self.accelerator, name, ())
                   if not any(obj is old for old in before[name])]
            for name in _PREPARED
        }
        for _, callback in self.callbacks_:
            # An epoch is one pass over the data whatever the number of processes: schedulers
            # step as in a single-process fit, not once per process.
            if isinstance(callback, LRScheduler) and hasattr(callback.policy_, "scheduler"):
                callback.policy_ = callback.policy_.scheduler
        return self

    def release_accelerator(self):
        """Drop the accelerator's references to this net's module, optimizer and schedulers.

        ``Accelerator.prepare`` keeps everything it prepared; the user's accelerator (an
        estimator parameter) would otherwise keep every fitted network alive, and could no
        longer be pickled (a prepared optimizer cannot be).
        """
        for name, objects in getattr(self, "_prepared", {}).items():
            registered = getattr(self.accelerator, name, None)
            if isinstance(registered, list):
                registered[:] = [obj for obj in registered
                                 if not any(obj is ours for ours in objects)]
        self._prepared = {}

    def evaluation_step(self, batch, training=False):
        # Every process evaluates every sample: nothing to gather (see the module docstring).
        return super(AccelerateMixin, self).evaluation_step(batch, training=training)


# The lists in which Accelerator.prepare registers what it prepared (accelerate 0.2x to 1.x).
_PREPARED = ("_models", "_optimizers", "_schedulers", "_dataloaders")


def _trainable(module):
    return isinstance(module, torch.nn.Module) and any(p.requires_grad for p in module.parameters())


def _discard(*args, **kwargs):
    """The print sink of a silent (``verbose=0``) accelerated fit."""


class _MeanTrainLoss(Callback):
    """Replace the epoch's ``train_loss`` by its mean over the data-parallel processes."""

    def __init__(self, accelerator):
        self.accelerator = accelerator

    def on_epoch_end(self, net, **kwargs):
        history = net.history
        if "train_loss" not in history[-1]:
            return
        local = torch.tensor([float(history[-1, "train_loss"])], device=self.accelerator.device)
        history.record("train_loss", float(self.accelerator.gather(local).mean()))


class ShardedBatches:
    """Training batches of one of ``num_processes`` data-parallel processes.

    Every epoch, every process draws the same order of the samples (the same seed; a
    ``randperm`` when ``shuffle``), pads it to a multiple of ``num_processes`` by repeating
    its first samples (as ``torch.utils.data.DistributedSampler`` does), and takes every
    ``num_processes``-th sample from its ``process_index`` on, in batches of ``batch_size``.
    The global batch is ``batch_size * num_processes``. Batches are gathered with one
    ``index_select`` from the whole tensors and moved to ``device`` when the data is elsewhere.
    A batch of ragged sequences is cut after its own longest sequence before it is gathered,
    as :class:`~lstm_forecast._data.TensorBatches` cuts it (its order drawn on the host, where
    the lengths are looked up).
    """

    def __init__(self, dataset, batch_size=32, shuffle=False, device=None, num_processes=1,
                 process_index=0):
        self.X, self.y, self.n = dataset.X, dataset.y, len(dataset)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.device = None if device is None else torch.device(device)
        self.num_processes = int(num_processes)
        self.process_index = int(process_index)
        self.lengths = _host_lengths(self.X)

    def __len__(self):
        return math.ceil(math.ceil(self.n / self.num_processes) / self.batch_size)

    def indices(self):
        """This process's samples of the epoch, in order (draws the epoch's permutation)."""
        device = _device_of(self.X) if self.lengths is None else torch.device("cpu")
        order = torch.randperm(self.n, device=device) if self.shuffle else torch.arange(
            self.n, device=device
        )
        padding = (-self.n) % self.num_processes
        if padding:
            order = torch.cat([order, order[:padding]])
        return order[self.process_index :: self.num_processes]

    def __iter__(self):
        mine = self.indices()
        for start in range(0, len(mine), self.batch_size):
            index = mine[start : start + self.batch_size]
            X = self.X if self.lengths is None else _trimmed(self.X, int(self.lengths[index].max()))
            yield self._take(X, index), self._take(self.y, index)

    def _take(self, data, index):
        if data is None:
            return None
        if isinstance(data, Mapping):
            return {key: self._take(value, index) for key, value in data.items()}
        batch = torch.index_select(data, 0, index.to(data.device))
        return batch if self.device is None else batch.to(self.device)


def _device_of(data):
    if isinstance(data, Mapping):
        data = next(iter(data.values()))
    return data.device
