"""The training step's forward and backward pass replayed from a CUDA graph.

A small recurrent network on a GPU is bound by the host: cuDNN's LSTM backward launches
several kernels per time step, and launching them costs more than running them. Captured
once per batch shape, the whole forward + loss + backward is one ``replay()``: on an H100,
a hidden-16 LSTM over 30 steps trains ~12x faster than the same eager loop, with the same
weights bit for bit (``benchmarks/speed.py``).

The optimizer step, gradient clipping and every callback still run eagerly, on gradients
that live in fixed tensors the graph writes into, so skorch's callbacks, LR schedules and
any optimizer keep working.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

# Eager iterations before a capture, so cuDNN and cuBLAS set up their workspaces outside it.
_WARMUP_STEPS = 2


def batch_capturable(X, y) -> bool:
    """Dense CUDA tensors (ragged input packs sequences with lengths read on the host)."""
    return (isinstance(X, torch.Tensor) and isinstance(y, torch.Tensor)
            and X.is_cuda and y.device == X.device)


def training_capturable(module: nn.Module, optimizers) -> bool:
    """No cuDNN inter-layer dropout (its random state lives inside cuDNN) and optimizers
    that take no closure."""
    for layer in module.modules():
        if isinstance(layer, nn.RNNBase) and layer.dropout > 0 and layer.num_layers > 1:
            return False
    return all(not isinstance(opt, torch.optim.LBFGS) for opt in optimizers)


class GraphedStep:
    """Forward, loss and backward for one batch shape, captured as a CUDA graph.

    Parameters
    ----------
    module, criterion : torch.nn.Module
        In training mode. Their parameters and buffers must stay the same tensors for the
        graph's life (in-place updates, as optimizers and ``load_state_dict`` do, are fine).
    X, y : torch.Tensor
        An example batch: the graph serves batches of exactly these shapes and dtypes.
    forward : callable, default=module
        Maps a batch to the network's outputs (the net's ``infer``, with its autocast).
    """

    def __init__(self, module, criterion, X, y, forward=None):
        forward = module if forward is None else forward
        self.params = [p for p in module.parameters() if p.requires_grad]
        for p in module.parameters():
            if not p.requires_grad:
                p.grad = None  # frozen (skorch's Freezer): the optimizer must skip it
            elif p.grad is None:
                p.grad = torch.zeros_like(p)
        # Warm-up passes update BatchNorm statistics and draw dropout masks: the buffers, the
        # gradients and the random state are put back afterwards (also when capturing fails),
        # so training follows the eager trajectory.
        buffers = [b for b in module.buffers() if b.is_floating_point() or b.dtype == torch.long]
        saved = [b.clone() for b in buffers]
        grads = [p.grad.clone() for p in self.params]
        rng_state = torch.cuda.get_rng_state(X.device)
        # Warm-up and capture on one side stream of the data's device: torch.cuda.graph's
        # default capture stream belongs to whichever device was current at its first use.
        with torch.cuda.device(X.device):
            self.X = torch.empty_like(X)
            self.y = torch.empty_like(y)
            self.X.copy_(X)
            self.y.copy_(y)
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            self.graph = torch.cuda.CUDAGraph()
            try:
                with warnings.catch_warnings():
                    # The gradient accumulators of the parameters may come from another stream
                    # (an earlier eager step); the capture stream waits for it, so autograd's
                    # warning about the mismatch is harmless here.
                    warnings.filterwarnings("ignore", message="The AccumulateGrad node's stream")
                    with torch.cuda.stream(stream):
                        for _ in range(_WARMUP_STEPS):
                            criterion(forward(self.X), self.y).backward()
                    # Same stream, after the warm-up. Capturing runs nothing: the buffers are
                    # put back once, below.
                    with torch.cuda.graph(self.graph, stream=stream):
                        torch._foreach_zero_([p.grad for p in self.params])
                        self.y_pred = forward(self.X)
                        self.loss = criterion(self.y_pred, self.y)
                        self.loss.backward()
            finally:
                torch.cuda.current_stream().wait_stream(stream)
                with torch.no_grad():
                    for buffer, value in zip(buffers, saved, strict=True):
                        buffer.copy_(value)
                    for p, grad in zip(self.params, grads, strict=True):
                        p.grad.copy_(grad)
                torch.cuda.set_rng_state(rng_state, X.device)

    def matches(self, X, y) -> bool:
        return (X.shape == self.X.shape and X.dtype == self.X.dtype and X.device == self.X.device
                and y.shape == self.y.shape and y.dtype == self.y.dtype)

    def run(self, X, y):
        """Gradients of the batch ``(X, y)`` in the parameters' ``.grad``; loss and outputs."""
        self.X.copy_(X, non_blocking=True)
        self.y.copy_(y, non_blocking=True)
        with torch.cuda.device(self.X.device):  # replay launches on the current device's stream
            self.graph.replay()
        # The graph overwrites its outputs on the next replay: callers get their own copies.
        return self.loss.detach().clone(), self.y_pred.detach().clone()
