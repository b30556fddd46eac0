"""skorch callbacks the estimators add to their nets."""

from __future__ import annotations

import re

import numpy as np
import torch
from skorch.callbacks import Callback, PrintLog

# An ANSI escape sequence (skorch colours the best value of each column).
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class NonFiniteLossError(RuntimeError):
    """Raised inside ``fit`` when the training loss of an epoch is NaN or infinite."""

    def __init__(self, epoch, loss):
        super().__init__(f"training loss {loss} at epoch {epoch}")
        self.epoch = epoch
        self.loss = loss


class StopOnNonFiniteLoss(Callback):
    """Stop training as soon as an epoch's mean training loss is NaN or infinite."""

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, "train_loss"]
        if not np.isfinite(loss):
            raise NonFiniteLossError(len(net.history), loss)


class GradientValueClipping(Callback):
    """Clip every gradient element to ``[-clip_value, clip_value]`` before each step."""

    def __init__(self, clip_value):
        self.clip_value = clip_value

    def on_grad_computed(self, net, named_parameters, **kwargs):
        torch.nn.utils.clip_grad_value_((p for _, p in named_parameters), self.clip_value)


class PlainPrintLog(PrintLog):
    """skorch's per-epoch table without ANSI colour codes, for output that is not a terminal."""

    def format_row(self, row, key, color):
        text = super().format_row(row, key, color)
        return _ANSI.sub("", text) if isinstance(text, str) else text
